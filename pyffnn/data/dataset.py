"""The :class:`Dataset` record every loader returns, and :class:`DataError` for unusable data."""
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import FFNNError
from ..validation import rng_from


class DataError(FFNNError):
    """A data set or data file is not usable: missing, empty, ragged, non-numeric, or with a bad target."""


def _rng(random_state):
    """A numpy Generator from None, a non-negative int or a Generator; anything else is a DataError."""
    return rng_from(random_state, error=DataError)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features ``X`` (float64, ``(n, d)``) and target ``y`` with their names.

    For classification ``y`` holds int class indices into ``classes`` (the original labels, sorted); for
    regression ``y`` is float64 and ``classes`` is None.  ``task`` is ``"binary"``, ``"multiclass"``,
    ``"multilabel"`` (``y`` a 0/1 matrix, one column per target; ``classes`` the target names) or ``"regression"``
    (``y`` 2-D for several targets).  ``target_index`` is the target's column in the source file (None for
    generated data).  Tables read by :func:`read_table` also carry ``report`` (a :class:`DataReport`),
    ``preprocessor`` (the fitted :class:`Preprocessor` that made ``X`` and ``y`` from the table), ``rows`` (the
    positions of the table rows used) and ``target_names``.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple
    target_name: str
    classes: Optional[np.ndarray]
    task: str
    target_index: Optional[int] = None
    report: object = None
    preprocessor: object = None
    rows: Optional[np.ndarray] = None
    target_names: Optional[tuple] = None

    @property
    def n_samples(self):
        return self.X.shape[0]

    @property
    def n_features(self):
        return self.X.shape[1]

    @property
    def n_classes(self):
        """Number of classes, or None for regression."""
        return None if self.classes is None else len(self.classes)
