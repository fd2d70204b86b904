"""Process-wide settings of the C core: how many threads it may use and which SIMD kernels it runs."""
from . import _binding as core
from .errors import FFNNError
from .validation import check_int

_MAX_THREADS = 64  # the core's team size (FFNN__MAX_THREADS); more is refused here with a clear message

_SIMD_LEVELS = {"plain": core.lib.FFNN_SIMD_PLAIN, "avx2": core.lib.FFNN_SIMD_AVX2,
                "avx512": core.lib.FFNN_SIMD_AVX512}


def set_threads(n=None):
    """Use at most ``n`` threads inside the core (``None`` or 0: all CPUs, or ``FFNN_NUM_THREADS``).

    Results are bitwise identical whatever the thread count: work is split over outputs, never over a sum.
    """
    value = 0 if n is None else check_int(n, "threads (or None)", 0, _MAX_THREADS)
    core.check(core.lib.ffnn_set_threads(value), "setting the thread count")


def get_threads():
    """The number of threads the core uses for large work."""
    return int(core.lib.ffnn_get_threads())


def set_simd(level=None):
    """Choose the kernels: ``"plain"`` (portable C), ``"avx2"``, ``"avx512"``, or ``None`` for the best this CPU has.

    A level the CPU lacks is capped to what it has; ``get_simd()`` tells which one runs.
    """
    if level is None:
        code = -1
    else:
        code = _SIMD_LEVELS.get(str(level).lower())
        if code is None:
            raise FFNNError(f"unknown SIMD level {level!r}; expected one of {', '.join(_SIMD_LEVELS)} or None")
    core.check(core.lib.ffnn_set_simd(code), "choosing the SIMD level")


def get_simd():
    """The kernel path in use: "plain", "avx2" or "avx512"."""
    code = core.lib.ffnn_get_simd()
    return next(name for name, value in _SIMD_LEVELS.items() if value == code)
