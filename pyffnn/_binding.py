"""Thin layer over the compiled cffi module: dtype dispatch, buffer passing and status → exception."""
import numpy as np

from ._core import ffi, lib
from .errors import FFNNError, TrainingDiverged
from .registry.activations import CODES as ACTIVATION_CODES  # noqa: F401  (name -> C code, from the table)
from .registry.losses import CODES as LOSS_CODES  # noqa: F401
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


MAX_COUNT = 2**60  # the C core's limit on any count of values (FFNN__MAX_ELEMS in csrc/ffnn_internal.h)


def _count_params(specs):
    """The parameter count in exact (Python) integers, refused when it would not fit the core's int64 sizes."""
    total = 0
    for i, (n_in, n_out, _, pieces, *_rest) in enumerate(specs):
        for name, value in (("inputs", n_in), ("units", n_out), ("pieces", pieces)):
            if not 0 < value < 2**31:
                raise FFNNError(f"layer {i + 1}: {name} must be between 1 and {2**31 - 1}, got {value}")
        rows = n_out * pieces
        total += rows * n_in + rows
        if total > MAX_COUNT:
            raise FFNNError(f"the network would have more than {MAX_COUNT:.3g} parameters (at layer {i + 1}); "
                            "no machine can hold it, use smaller layers")
    return total


def layer_table(specs):
    """Build and lay out a C layer table from (n_in, n_out, activation_code, pieces[, dropout]) tuples."""
    expected = _count_params(specs)
    table = ffi.new("ffnn_layer[]", len(specs))
    for i, (n_in, n_out, act, pieces, *rest) in enumerate(specs):
        table[i].n_in, table[i].n_out, table[i].activation, table[i].pieces = n_in, n_out, act, pieces
        table[i].dropout = float(rest[0]) if rest else 0.0
    n_params = ffi.new("int64_t *")
    check(lib.ffnn_layout(table, len(specs), n_params), "building the layer table")
    if int(n_params[0]) != expected:
        raise FFNNError(f"internal: the core counts {int(n_params[0])} parameters, expected {expected}")
    return table, expected


ALIGN = 64  # bytes: one cache line, and one AVX-512 vector


def aligned_zeros(n, dtype):
    """A zeroed 1-D array of ``n`` values whose first element starts a cache line.  numpy's own buffers are only
    16-byte aligned, which makes every 64-byte vector load of the kernels straddle two cache lines: the one-sample
    forward pass of a 784-256-10 network took 9.9 us instead of 6.1 us with unaligned weights."""
    dtype = np.dtype(dtype)
    raw = np.zeros(int(n) * dtype.itemsize + ALIGN, dtype=np.uint8)
    start = -raw.ctypes.data % ALIGN
    return raw[start:start + int(n) * dtype.itemsize].view(dtype)


def workspace(table, n_layers, batch, dtype):
    """Allocate (real, int32) workspace arrays for batches of up to ``batch`` samples."""
    rows = sum(int(table[i].n_out) * int(table[i].pieces) + int(table[i].n_in) for i in range(n_layers))
    if int(batch) * rows * 4 > MAX_COUNT:
        raise FFNNError(f"a batch of {batch} samples needs more workspace than any machine has; use a smaller "
                        "batch or smaller layers")
    n_real, n_int = ffi.new("int64_t *"), ffi.new("int64_t *")
    check(lib.ffnn_workspace_size(table, n_layers, batch, n_real, n_int), "sizing the workspace")
    return aligned_zeros(n_real[0], dtype), aligned_zeros(n_int[0], np.int32)
