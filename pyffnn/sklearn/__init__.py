"""scikit-learn estimators :class:`FFNNClassifier` and :class:`FFNNRegressor` (scikit-learn is optional)."""
from .estimators import FFNNClassifier, FFNNRegressor

__all__ = ["FFNNClassifier", "FFNNRegressor"]
