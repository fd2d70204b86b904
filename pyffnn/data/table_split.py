"""``split_table``: a table's usable rows split into train/validation/test, with the preprocessing (imputation,
scaling, derived inputs) fitted on the training rows only, so no statistic of the validation or test rows leaks
into training. The command line and the desktop app both prepare their data through it."""
from dataclasses import dataclass

import numpy as np

from .dataset import DataError
from .preprocessor import Preprocessor
from .split import train_val_test_split
from .tables import dataset_from

PARTS = ("train", "val", "test")


@dataclass
class TableSplit:
    """The result of :func:`split_table`.

    ``dataset``: every usable row, encoded in the data's units (its ``y`` holds the targets); ``preprocessor``: the
    :class:`Preprocessor` fitted on the training rows (what a model file stores); ``indices``: for ``"train"``,
    ``"val"`` and ``"test"``, positions into ``dataset`` (its rows are ``dataset.rows[indices[part]]`` of the
    table)."""

    table: object
    dataset: object
    preprocessor: Preprocessor
    indices: dict

    def X(self, part, scale=True, derived=True):
        """Features of ``part`` as the preprocessor makes them (``scale=False``: in the data's units;
        ``derived=False``: without derived inputs); an empty part gives a ``(0, n)`` array."""
        idx = self.indices[part]
        pre = self.preprocessor
        if len(idx) == 0:
            width = pre.n_features_ if derived else len(getattr(pre, "encoded_names_", pre.feature_names_))
            return np.zeros((0, width))
        return pre.transform(self.table, rows=self.dataset.rows[idx], scale=scale, derived=derived)

    def y(self, part):
        """Targets of ``part`` (class indices or values, in the data's units)."""
        return self.dataset.y[self.indices[part]]


def split_table(table, dataset=None, *, val=0.15, test=0.15, random_state=None, stratify="auto",
                standardize="features", derived=(), **options):
    """Split a table (from :func:`read_frame`) into train/validation/test and fit the preprocessing on the
    training rows.

    ``options`` are the :class:`Preprocessor`'s column options (``target``, ``drop``, ``features``, ``kinds``,
    ``missing``, ``task``); ``dataset`` is the table's unscaled :class:`Dataset` under them if already made (else
    it is made here). ``val``/``test``/``random_state`` as in :func:`train_val_test_split`. ``stratify``: True
    (classification keeps its class proportions in every part), False, or ``"auto"`` (stratify classification,
    falling back to a plain shuffle when the classes are too small to stratify). ``standardize`` and ``derived``
    go to the fitted :class:`Preprocessor`. Data warnings (:class:`DataWarning`) reach the caller. Returns a
    :class:`TableSplit`; a problem is a :class:`DataError`.
    """
    if stratify not in (True, False, "auto"):
        raise DataError(f"stratify must be True, False or 'auto', got {stratify!r}")
    if dataset is None:
        dataset = dataset_from(table, Preprocessor(standardize=False, **options).fit(table))
    classify = dataset.task in ("binary", "multiclass")
    idx = np.arange(dataset.n_samples)
    labels = dataset.y if classify and stratify else None
    try:
        tr, va, te = train_val_test_split(idx, idx, val=val, test=test, random_state=random_state,
                                          stratify=labels)[:3]
    except DataError:
        if stratify != "auto" or labels is None:
            raise
        tr, va, te = train_val_test_split(idx, idx, val=val, test=test, random_state=random_state)[:3]
    pre = Preprocessor(standardize=standardize, derived=list(derived), **options).fit(table, rows=dataset.rows[tr])
    return TableSplit(table, dataset, pre, {"train": tr, "val": va, "test": te})
