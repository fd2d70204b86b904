"""The lecture's perceptron algorithm (primal form)."""
import numpy as np

from . import _binding as core
from .errors import FFNNError
from .training.targets import _as_real, check_X
from .validation import check_dtype, check_int, check_positive


class Perceptron:
    """Rosenblatt's perceptron: for each (x, y) with y·(w·x + b) <= 0, update w += η·y·x and b += η·y.

    Epochs run over the data in the given order until one makes no mistake (``converged_``) or ``max_epochs``.
    Labels may be {−1, +1} or {0, 1}; ``predict`` answers in the same set.  The condition is ``<= 0``, not the
    slide's ``< 0``: with zero initial weights, ``< 0`` would never update.
    """

    def __init__(self, max_epochs=1000, eta=1.0, dtype="float64"):
        self.max_epochs, self.eta, self.dtype = max_epochs, eta, dtype

    def fit(self, X, y):
        dtype = check_dtype(self.dtype)
        eta = check_positive(self.eta, "eta")
        max_epochs = check_int(self.max_epochs, "max_epochs", 1, 2**63 - 1)
        X = _as_real(X, dtype, "X") if not isinstance(X, np.ndarray) else X
        if X.ndim != 2:
            raise FFNNError(f"X must be 2-D (n_samples, n_features), got shape {np.shape(X)}")
        X2, _ = check_X(X, X.shape[1], dtype)
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X2.shape[0]:
            raise FFNNError(f"y must be 1-D with {X2.shape[0]} labels, got shape {y.shape}")
        labels = np.unique(y)
        if len(labels) > 2 or not (set(labels.tolist()) <= {-1, 1} or set(labels.tolist()) <= {0, 1}):
            raise FFNNError(f"perceptron labels must be {{-1, +1}} or {{0, 1}}, got {labels.tolist()}")
        self.zero_one_ = bool(0 in set(labels.tolist()))
        ys = np.where(y > 0, 1.0, -1.0).astype(dtype)
        w = np.zeros(X2.shape[1], dtype=dtype)
        b = np.zeros(1, dtype=dtype)
        n_up, n_ep, conv = core.ffi.new("int64_t *"), core.ffi.new("int64_t *"), core.ffi.new("int32_t *")
        core.check(core.func("ffnn_perceptron", dtype)(core.ptr(X2), core.ptr(ys), X2.shape[0], X2.shape[1],
                                                       core.wptr(w), core.wptr(b), eta,
                                                       int(max_epochs), n_up, n_ep, conv), "perceptron")
        self.coef_, self.intercept_ = w, float(b[0])
        self.n_updates_, self.n_epochs_, self.converged_ = int(n_up[0]), int(n_ep[0]), bool(conv[0])
        self.n_features_in_ = X2.shape[1]
        return self

    def decision_function(self, X):
        if not hasattr(self, "coef_"):
            raise FFNNError("this Perceptron is not fitted yet; call fit(X, y) first")
        X2, _ = check_X(X, self.n_features_in_, np.dtype(self.dtype))
        return X2 @ self.coef_ + self.intercept_

    def predict(self, X):
        positive = self.decision_function(X) > 0
        return positive.astype(np.int64) if self.zero_one_ else np.where(positive, 1, -1)

    def score(self, X, y):
        return float(np.mean(self.predict(X) == np.asarray(y)))
