"""``read_table`` / ``load_csv``: a CSV file or a pandas DataFrame becomes a :class:`Dataset` with its data report
and fitted :class:`Preprocessor`."""
import numpy as np

from .dataset import Dataset
from .preprocessor import Preprocessor
from .table_reader import read_frame


def read_table(source, target=-1, *, drop=(), features=(), kinds=None, missing="impute", task="auto",
               header="auto", skip_rows=0, delimiter=None, encoding=None, comment=None, na_values=None,
               standardize=False, derived=()):
    """Read a table (a CSV path, optionally compressed, or a pandas DataFrame) as a :class:`Dataset`.

    Column kinds are inferred (numbers, true/false, text categories one-hot encoded, dates, identifiers and
    constant columns left out with a notice); missing cells are handled by ``missing``; the task is chosen by
    ``task`` ("auto" explains its choice in ``report.task_reason``).  See :class:`Preprocessor` for ``target``,
    ``drop``, ``features``, ``kinds``, ``missing``, ``task``, ``derived`` (extra inputs such as ``"x1^2"``) and
    ``standardize`` (off here: ``X`` is in the data's units), and :func:`read_frame` for ``header``,
    ``skip_rows``, ``delimiter``, ``encoding``, ``comment`` and ``na_values``.  The result carries ``report``
    (print it) and ``preprocessor`` (apply it to new rows).
    Every problem is a :class:`DataError` that says what to do; problems in a cell name its line and column.
    """
    table = read_frame(source, header=header, skip_rows=skip_rows, delimiter=delimiter, encoding=encoding,
                       comment=comment, na_values=na_values)
    pre = Preprocessor(target=target, drop=drop, features=features, kinds=kinds, missing=missing, task=task,
                       standardize=standardize, derived=derived).fit(table)
    return dataset_from(table, pre)


def dataset_from(table, pre, rows=None):
    """The :class:`Dataset` of ``table``'s usable rows (or of ``rows``) under the fitted ``pre``."""
    rows = pre.usable_rows_ if rows is None else np.asarray(rows, dtype=np.int64)
    X = pre.transform(table, rows=rows)
    names = list(table.frame.columns)
    if pre.target_names_:
        y = pre.target_values(table, rows)
        classes = None if pre.classes_ is None else (
            np.asarray(pre.target_names_) if pre.task_ == "multilabel" else np.asarray(pre.classes_[0]))
        target_name = ",".join(pre.target_names_)
        target_index = names.index(pre.target_names_[0])
    else:
        y, classes, target_name, target_index = np.zeros(len(rows)), None, "", None
    return Dataset(X, y, tuple(pre.feature_names_), target_name, classes, pre.task_, target_index,
                   report=pre.report_, preprocessor=pre, rows=rows, target_names=tuple(pre.target_names_))


def load_csv(path, target=-1, header="auto", **options):
    """Load a CSV file as a :class:`Dataset`: :func:`read_table` with the same options."""
    return read_table(path, target, header=header, **options)
