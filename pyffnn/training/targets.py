"""Checking inputs, targets and sample weights, and encoding targets for the loss."""
import numpy as np

from ..errors import FFNNError
from ..validation import all_finite


def check_X(X, n_inputs, dtype, what="X"):
    """``X`` as a C-contiguous 2-D array of ``dtype``; 1-D input is one sample.  Returns (X2d, was_1d)."""
    arr = _as_real(X, dtype, what)
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
        _raise_not_finite(X, dtype, what)
    return arr, was_1d


def _as_real(values, dtype, what):
    """``values`` as an array of ``dtype``; complex, date/time and other non-numbers are refused, not cast."""
    try:
        src = np.asarray(values)
        if src.dtype.kind == "c":  # a cast would silently drop the imaginary parts
            raise FFNNError(f"{what} must hold real numbers, got complex values (dtype {src.dtype})")
        if src.dtype.kind in "mMV":
            raise FFNNError(f"{what} must be numeric, got dtype {src.dtype}")
        with np.errstate(over="ignore"):  # overflow to inf is reported by the finiteness check
            return src.astype(dtype, copy=False)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, FFNNError):
            raise
        hint = ""
        if hasattr(values, "columns") and hasattr(values, "dtypes"):  # a pandas DataFrame with text columns
            text = [str(c) for c, t in zip(values.columns, values.dtypes) if t.kind not in "biuf"]
            hint = (f"; columns {', '.join(text[:5])} are not numbers: encode the table first with "
                    "pyffnn.datasets.Preprocessor (or read_table), or scikit-learn's ColumnTransformer")
        raise FFNNError(f"{what} must be numeric, could not convert it: {exc}{hint}") from None


def _raise_not_finite(values, dtype, what):
    """The error for non-finite data: finite values too large for float32 are named as such."""
    if np.dtype(dtype) == np.float32:
        try:
            wide = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            wide = None
        if wide is not None and np.isfinite(wide).all():
            raise FFNNError(f"{what} has values too large for float32 (largest magnitude {np.abs(wide).max():.3g}, "
                            f"float32 holds up to {np.finfo(np.float32).max:.3g}); scale the data or use float64")
    raise FFNNError(f"{what} contains NaN or infinite values")


def encode_targets(y, n_samples, n_outputs, output_activation, loss, dtype):
    """Targets as a dense (n_samples, n_outputs) array: integer labels become one-hot for softmax."""
    arr = np.asarray(y) if isinstance(y, np.ndarray) and y.dtype.kind in "biuf" else _as_real(y, np.float64, "y")
    if arr.ndim == 0 or arr.ndim > 2:
        raise FFNNError(f"y must be 1-D or 2-D, got shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise FFNNError(f"y has {arr.shape[0]} samples but X has {n_samples}")
    if output_activation == "softmax" and arr.ndim == 1:
        labels = arr.astype(np.float64)
        if not all_finite(labels):
            raise FFNNError("y contains NaN or infinite values")
        if not np.all(labels == np.round(labels)):
            raise FFNNError("softmax targets given as a 1-D array must be integer class labels 0..K-1")
        if labels.min() < 0 or labels.max() >= n_outputs:  # checked before the int cast, which could wrap
            raise FFNNError(f"class labels must be in [0, {n_outputs - 1}] for a softmax layer of {n_outputs} "
                            f"units, got labels from {labels.min():g} to {labels.max():g}")
        labels = labels.astype(np.int64)
        Y = np.zeros((n_samples, n_outputs), dtype=dtype)
        Y[np.arange(n_samples), labels] = 1
        return Y
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.shape[1] != n_outputs:
        hint = " (give integer labels as a 1-D array or one-hot rows)" if output_activation == "softmax" else ""
        raise FFNNError(f"y has {arr.shape[1]} columns but the output layer has {n_outputs} units{hint}")
    with np.errstate(over="ignore"):
        Y = np.ascontiguousarray(arr, dtype=dtype)
    if not all_finite(Y):
        _raise_not_finite(arr, dtype, "y")
    if loss in ("bce", "ce") and (Y.min() < 0 or Y.max() > 1):
        raise FFNNError(f"targets for the {loss} loss must lie in [0, 1] (class labels or probabilities), "
                        f"got values from {Y.min()} to {Y.max()}")
    if loss == "ce" and output_activation == "softmax":
        # the fused softmax/cross-entropy gradient a - y is only the loss's gradient when each row sums to 1
        sums = Y.sum(axis=1, dtype=np.float64)
        bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-4)
        if bad.size:
            raise FFNNError(f"softmax cross-entropy targets must be one-hot rows or probabilities summing to 1; "
                            f"row {bad[0]} sums to {sums[bad[0]]:g}")
    return Y


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
    with np.errstate(over="ignore"):  # a sum beyond float64 is inf, refused below
        total = float(w.sum(dtype=np.float64))
    if not total > 0:
        raise FFNNError("sample_weight must not be all zero")
    # The core scales each step by 1 / (sum of the minibatch's weights), in the network's precision: weights so
    # small that they are subnormal (flushed to zero) or a sum beyond the type's range would silently train nothing
    # or overflow.  Only the weights' ratios matter, so rescaling them is always possible.
    info = np.finfo(w.dtype)
    tiny, limit = float(info.tiny), float(info.max) / 2
    positive = w[w > 0]
    if float(positive.min()) < tiny or total > limit:
        raise FFNNError(f"sample_weight values from {positive.min():.3g} to {positive.max():.3g} (sum {total:.3g}) "
                        f"are outside what {w.dtype} training can use (each non-zero weight >= {tiny:.3g}, "
                        f"sum <= {limit:.3g}); rescale them, e.g. divide by their mean: only their ratios "
                        "matter")
    return w
