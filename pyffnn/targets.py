"""Checking inputs and targets, pairing losses with output layers, and classification accuracy."""
import numpy as np

from .errors import FFNNError

LOSS_ALIASES = {
    "mse": "mse", "squared_error": "mse", "squared": "mse", "mean_squared_error": "mse",
    "bce": "bce", "binary_crossentropy": "bce", "binary_cross_entropy": "bce", "log_loss": "bce",
    "ce": "ce", "cross_entropy": "ce", "categorical_crossentropy": "ce", "crossentropy": "ce",
}
AUTO_LOSS = {"linear": "mse", "sigmoid": "bce", "softmax": "ce"}


def resolve_loss(loss, output_activation):
    """The loss name ('mse', 'bce' or 'ce') for ``loss`` and the network's output activation.

    ``"auto"`` follows the lecture: linear→squared error, sigmoid→binary cross-entropy, softmax→cross-entropy
    (other outputs → squared error).  Cross-entropy losses need outputs in (0, 1), so a sigmoid or softmax output.
    """
    if loss is None or loss == "auto":
        return AUTO_LOSS.get(output_activation, "mse")
    name = LOSS_ALIASES.get(str(loss).lower())
    if name is None:
        raise FFNNError(f"unknown loss {loss!r}; expected 'auto', 'mse', 'bce' or 'ce'")
    if name in ("bce", "ce") and output_activation not in ("sigmoid", "softmax"):
        raise FFNNError(f"loss {loss!r} needs outputs in (0, 1), i.e. a sigmoid or softmax output layer, "
                        f"but the output layer is {output_activation}")
    return name


def check_X(X, n_inputs, dtype, what="X"):
    """``X`` as a C-contiguous 2-D array of ``dtype``; 1-D input is one sample.  Returns (X2d, was_1d)."""
    try:
        arr = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise FFNNError(f"{what} must be numeric, could not convert it: {exc}") from None
    was_1d = arr.ndim == 1
    if was_1d:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        raise FFNNError(f"{what} must be 2-D (n_samples, {n_inputs}), got an array of shape {np.shape(X)}")
    if arr.shape[1] != n_inputs:
        raise FFNNError(f"{what} has {arr.shape[1]} features per sample but the network expects {n_inputs}")
    if arr.shape[0] == 0:
        raise FFNNError(f"{what} has no samples")
    arr = np.ascontiguousarray(arr)
    if not all_finite(arr):
        raise FFNNError(f"{what} contains NaN or infinite values")
    return arr, was_1d


_FINITE_CHUNK = 1 << 16  # elements per isfinite() call: bounds the temporary boolean array to 64 KiB


def all_finite(arr):
    """True when no element is NaN or infinite, without a temporary as large as the data."""
    flat = arr.reshape(-1)
    for start in range(0, flat.size, _FINITE_CHUNK):
        if not np.isfinite(flat[start:start + _FINITE_CHUNK]).all():
            return False
    return True


def encode_targets(y, n_samples, n_outputs, output_activation, loss, dtype):
    """Targets as a dense (n_samples, n_outputs) array: integer labels become one-hot for softmax."""
    try:
        arr = np.asarray(y)
        if arr.dtype.kind not in "biuf":
            arr = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise FFNNError(f"y must be numeric, could not convert it: {exc}") from None
    if arr.ndim == 0 or arr.ndim > 2:
        raise FFNNError(f"y must be 1-D or 2-D, got shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise FFNNError(f"y has {arr.shape[0]} samples but X has {n_samples}")
    if not np.isfinite(arr.astype(np.float64)).all():
        raise FFNNError("y contains NaN or infinite values")
    if output_activation == "softmax" and arr.ndim == 1:
        labels = arr.astype(np.float64)
        if not np.all(labels == np.round(labels)):
            raise FFNNError("softmax targets given as a 1-D array must be integer class labels 0..K-1")
        labels = labels.astype(np.int64)
        if labels.min() < 0 or labels.max() >= n_outputs:
            raise FFNNError(f"class labels must be in [0, {n_outputs - 1}] for a softmax layer of {n_outputs} "
                            f"units, got labels from {labels.min()} to {labels.max()}")
        Y = np.zeros((n_samples, n_outputs), dtype=dtype)
        Y[np.arange(n_samples), labels] = 1
        return Y
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.shape[1] != n_outputs:
        hint = " (give integer labels as a 1-D array or one-hot rows)" if output_activation == "softmax" else ""
        raise FFNNError(f"y has {arr.shape[1]} columns but the output layer has {n_outputs} units{hint}")
    Y = np.ascontiguousarray(arr, dtype=dtype)
    if loss in ("bce", "ce") and (Y.min() < 0 or Y.max() > 1):
        raise FFNNError(f"targets for the {loss} loss must lie in [0, 1] (class labels or probabilities), "
                        f"got values from {Y.min()} to {Y.max()}")
    return Y


def is_classifier_output(output_activation):
    return output_activation in ("sigmoid", "softmax")


def accuracy(pred, Y, output_activation):
    """Fraction correct: argmax match for softmax, per-output 0.5 threshold for sigmoid; None otherwise."""
    if output_activation == "softmax":
        return float(np.mean(pred.argmax(axis=1) == Y.argmax(axis=1)))
    if output_activation == "sigmoid":
        return float(np.mean((pred > 0.5) == (Y > 0.5)))
    return None


def check_sample_weight(sample_weight, n_samples, dtype):
    """Per-sample weights as a C-contiguous (n_samples,) array: finite, >= 0, not all zero; None stays None."""
    if sample_weight is None:
        return None
    try:
        w = np.ascontiguousarray(sample_weight, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise FFNNError(f"sample_weight must be numeric, could not convert it: {exc}") from None
    if w.ndim == 0:
        w = np.full(n_samples, w, dtype=dtype)
    if w.shape != (n_samples,):
        raise FFNNError(f"sample_weight must have shape ({n_samples},), one weight per sample, got {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise FFNNError("sample_weight must be finite and >= 0")
    if not w.sum() > 0:
        raise FFNNError("sample_weight must not be all zero")
    return w
