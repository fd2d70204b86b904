"""Small shims over scikit-learn version differences, used by :mod:`pyffnn.estimators` only.

scikit-learn 1.6 moved input validation to the free function ``sklearn.utils.validation.validate_data`` and
estimator tags to ``__sklearn_tags__``; older releases use ``BaseEstimator._validate_data`` and ``_more_tags``.
"""
try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    _validate_data = None


def validate_data(estimator, X, y="no_validation", **kwargs):
    """``sklearn.utils.validation.validate_data`` where available, else the older estimator method."""
    if _validate_data is not None:
        return _validate_data(estimator, X, y, **kwargs)
    return estimator._validate_data(X, y, **kwargs)  # pragma: no cover - older scikit-learn
