"""Small shims over scikit-learn version differences, used by :mod:`pyffnn.estimators` only.

scikit-learn 1.6 moved input validation to the free function ``sklearn.utils.validation.validate_data`` and
estimator tags to ``__sklearn_tags__``; older releases use ``BaseEstimator._validate_data`` and ``_more_tags``.
``_check_sample_weight`` gained ``allow_all_zero_weights`` (raising on all-zero weights) only in 1.7.
"""
import inspect

import numpy as np
from sklearn.utils.validation import _check_sample_weight

from ..errors import FFNNError

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    _validate_data = None


def validate_data(estimator, X, y="no_validation", **kwargs):
    """``sklearn.utils.validation.validate_data`` where available, else the older estimator method."""
    if _validate_data is not None:
        return _validate_data(estimator, X, y, **kwargs)
    return estimator._validate_data(X, y, **kwargs)  # pragma: no cover - older scikit-learn


_SW_PARAMS = inspect.signature(_check_sample_weight).parameters


def check_sample_weight(sample_weight, X, dtype):
    """Validate ``sample_weight`` for ``X`` with scikit-learn's ``_check_sample_weight``.

    Returns a C-contiguous ``(n_samples,)`` array of ``dtype`` (a scalar is broadcast).  Raises ``ValueError``
    for a wrong shape, NaN/inf or negative weights, and :class:`pyffnn.FFNNError` when every weight is zero
    (there would be nothing to learn from), on every supported scikit-learn version.
    """
    kwargs = {"dtype": dtype, "ensure_non_negative": True}
    if "allow_all_zero_weights" in _SW_PARAMS:
        kwargs["allow_all_zero_weights"] = True  # raised below with pyffnn's own message, on any version
    w = _check_sample_weight(sample_weight, X, **kwargs)
    if not w.sum(dtype=np.float64) > 0:
        raise FFNNError("sample_weight must contain at least one non-zero weight; all weights are zero, so there "
                        "is nothing to learn from")
    return w
