"""Standard scaling with a JSON-ready state to store beside a model."""
import numpy as np

from .dataset import DataError


class StandardScaler:
    """Scale every feature to zero mean and unit variance: ``(X - mean_) / scale_``.

    ``scale_`` is the population standard deviation (``ddof=0``, as scikit-learn), with 1 for constant columns so
    they map to 0 instead of dividing by zero.  ``to_dict``/``from_dict`` give a JSON-ready form to store with a
    model.  A 1-D input is one sample.
    """

    def __init__(self):
        self.mean_ = None
        self.scale_ = None

    @property
    def n_features_in_(self):
        return None if self.mean_ is None else len(self.mean_)

    def fit(self, X):
        """Learn ``mean_`` and ``scale_`` from ``X`` of shape ``(n, d)``; returns self."""
        X = self._validate(X, fitting=True)
        if X.shape[0] == 0:
            raise DataError("StandardScaler.fit needs at least one sample")
        with np.errstate(over="ignore", invalid="ignore"):
            mean, std = X.mean(axis=0), X.std(axis=0)
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std))):
            raise DataError("StandardScaler cannot standardise these values: their mean or spread overflows "
                            "float64 (values near 1e308); rescale the data first")
        self.mean_ = mean
        # Constant (or numerically constant) columns keep scale 1.
        tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(self.mean_), 1.0)
        self.scale_ = np.where(std <= tiny, 1.0, std)
        return self

    def transform(self, X):
        """``(X - mean_) / scale_`` as float64."""
        return (self._validate(X) - self.mean_) / self.scale_

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def inverse_transform(self, Z):
        """``Z * scale_ + mean_``: undo :meth:`transform`."""
        return self._validate(Z) * self.scale_ + self.mean_

    def to_dict(self):
        """``{"mean": [...], "scale": [...]}`` with plain floats (JSON-serialisable)."""
        self._check_fitted()
        return {"mean": [float(v) for v in self.mean_], "scale": [float(v) for v in self.scale_]}

    @classmethod
    def from_dict(cls, state):
        """Rebuild a fitted scaler from :meth:`to_dict` output."""
        try:
            mean = np.asarray(state["mean"], dtype=np.float64)
            scale = np.asarray(state["scale"], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"not a StandardScaler state (expected keys 'mean' and 'scale'): {exc}") from None
        if mean.ndim != 1 or mean.shape != scale.shape or not (np.all(np.isfinite(mean))
                                                              and np.all(np.isfinite(scale)) and np.all(scale > 0)):
            raise DataError("StandardScaler state needs 'mean' and 'scale' lists of equal length, finite, scale > 0")
        scaler = cls()
        scaler.mean_, scaler.scale_ = mean, scale
        return scaler

    def _check_fitted(self):
        if self.mean_ is None:
            raise DataError("this StandardScaler is not fitted yet; call fit(X) first")

    def _validate(self, X, fitting=False):
        if not fitting:
            self._check_fitted()
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"StandardScaler expects a numeric array: {exc}") from None
        if X.ndim not in (1, 2) or (fitting and X.ndim != 2):
            raise DataError(f"StandardScaler expects X of shape (n_samples, n_features), got {X.shape}")
        if not fitting and X.shape[-1] != len(self.mean_):
            raise DataError(f"X has {X.shape[-1]} features, but the scaler was fitted on {len(self.mean_)}")
        if not np.all(np.isfinite(X)):
            raise DataError("StandardScaler input contains NaN or infinity")
        return X

    def __repr__(self):
        return "StandardScaler()" if self.mean_ is None else f"StandardScaler(n_features={len(self.mean_)})"
