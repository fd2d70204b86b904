"""cffi builder (out-of-line API mode) for the pyffnn C core.

The cdef is csrc/ffnn.h itself, run through the C preprocessor (its enums are generated from its tables), so the
header is the single source of truth.
Built by `pip install` through setuptools' `cffi_modules` (see setup.py).
"""
import os
import subprocess
import sys

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
CSRC = os.path.join(HERE, "csrc")


def _compiler():
    """The C compiler command setuptools will use: $CC, else the one Python was built with, else cc."""
    import shlex
    import sysconfig
    return shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")


def _cdef_text():
    """csrc/ffnn.h run through the C preprocessor with FFNN_CDEF defined (no system headers), so the enums that the
    header generates from its tables (FFNN_ACTIVATIONS & co.) reach cffi expanded."""
    header = os.path.join(CSRC, "ffnn.h")
    if sys.platform == "win32":
        cmd = ["cl", "/nologo", "/EP", "/DFFNN_CDEF", header]
    else:
        cmd = [*_compiler(), "-E", "-P", "-DFFNN_CDEF", "-x", "c", header]
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise RuntimeError(f"preprocessing csrc/ffnn.h with {' '.join(cmd)!r} failed: {detail}") from None
    return "\n".join(ln for ln in out.splitlines() if ln.strip() and not ln.lstrip().startswith("#"))


def _sources():
    return sorted(os.path.join("csrc", f) for f in os.listdir(CSRC) if f.endswith(".c"))


# Portable flags only: no -march=native, no -ffast-math (see DESIGN.md).  -fopenmp-simd lets `omp simd`
# reductions vectorize without linking an OpenMP runtime.  -ffp-contract=fast lets a*b+c become one FMA (ISO C mode
# turns that off); -fno-trapping-math (we never enable FP traps) lets branch-free activations like the float tanh
# vectorise; neither changes IEEE results the way -ffast-math would.  The AVX2/AVX-512 kernels are reached by
# runtime dispatch (csrc/ffnn_kernels.c), not -march.
_CFLAGS = ["-O3", "-std=c11", "-fopenmp-simd", "-fno-math-errno", "-ffp-contract=fast",
           "-fno-trapping-math"] if sys.platform != "win32" else ["/O2"]

ffibuilder = FFI()
ffibuilder.cdef(_cdef_text())
ffibuilder.set_source(
    "pyffnn._core",
    '#include "ffnn.h"',
    sources=_sources(),
    include_dirs=[CSRC],
    extra_compile_args=_CFLAGS,
    libraries=["m", "pthread"] if sys.platform != "win32" else [],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
