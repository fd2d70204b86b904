"""Thin layer over the compiled cffi module: dtype dispatch, buffer passing and status → exception."""
import numpy as np

from ._core import ffi, lib
from .errors import FFNNError, TrainingDiverged

ACTIVATION_CODES = {
    "linear": lib.FFNN_LINEAR, "sigmoid": lib.FFNN_SIGMOID, "tanh": lib.FFNN_TANH, "relu": lib.FFNN_RELU,
    "softplus": lib.FFNN_SOFTPLUS, "softmax": lib.FFNN_SOFTMAX, "maxout": lib.FFNN_MAXOUT,
}
LOSS_CODES = {"mse": lib.FFNN_LOSS_MSE, "bce": lib.FFNN_LOSS_BCE, "ce": lib.FFNN_LOSS_CE}
_SUFFIX = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}
_CTYPE = {np.dtype(np.float32): "float[]", np.dtype(np.float64): "double[]", np.dtype(np.int64): "int64_t[]",
          np.dtype(np.int32): "int32_t[]"}


def check(status, what):
    """Raise the exception matching a core status code; ``what`` names the operation."""
    if status == lib.FFNN_OK:
        return
    text = ffi.string(lib.ffnn_strerror(status)).decode()
    if status == lib.FFNN_E_NONFINITE:
        raise TrainingDiverged(f"{what}: {text}; try a smaller learning rate")
    raise FFNNError(f"{what}: {text}")


def func(name, dtype):
    """The _f32 or _f64 variant of a core function."""
    return getattr(lib, f"{name}_{_SUFFIX[np.dtype(dtype)]}")


def ptr(arr):
    """Typed C view of a C-contiguous numpy array, for read-only arguments (no copy)."""
    if arr is None:
        return ffi.NULL
    if not arr.flags.c_contiguous:
        raise FFNNError("internal: buffer must be C-contiguous")
    return ffi.from_buffer(_CTYPE[arr.dtype], arr, require_writable=False)


def wptr(arr):
    """Typed C view of a writable C-contiguous array; ffi.from_buffer refuses read-only memory."""
    if not arr.flags.c_contiguous:
        raise FFNNError("internal: buffer must be C-contiguous")
    return ffi.from_buffer(_CTYPE[arr.dtype], arr, require_writable=True)


iptr = wptr
i64ptr = ptr


def layer_table(specs):
    """Build and lay out a C layer table from (n_in, n_out, activation_code, pieces) tuples."""
    table = ffi.new("ffnn_layer[]", len(specs))
    for i, (n_in, n_out, act, pieces) in enumerate(specs):
        table[i].n_in, table[i].n_out, table[i].activation, table[i].pieces = n_in, n_out, act, pieces
    n_params = ffi.new("int64_t *")
    check(lib.ffnn_layout(table, len(specs), n_params), "building the layer table")
    return table, int(n_params[0])


def workspace(table, n_layers, batch, dtype):
    """Allocate (real, int32) workspace arrays for batches of up to ``batch`` samples."""
    n_real, n_int = ffi.new("int64_t *"), ffi.new("int64_t *")
    check(lib.ffnn_workspace_size(table, n_layers, batch, n_real, n_int), "sizing the workspace")
    return np.zeros(int(n_real[0]), dtype=dtype), np.zeros(int(n_int[0]), dtype=np.int32)
