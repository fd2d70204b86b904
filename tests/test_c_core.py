"""Compile and run the headless C test program (tests/c/test_core.c) against csrc/, with GCC and with clang when
they are installed, plain and under sanitizers; sizes that overflow are a clear error from Python too; NaN
propagates.  (The tables are checked against pyffnn.registry row by row in tests/test_registry.py.)"""
import glob
import os
import shutil
import subprocess

import numpy as np
import pytest

import pyffnn
from pyffnn import _binding
from pyffnn._core import ffi, lib
from pyffnn.errors import FFNNError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The core must build and pass its test with GCC and with clang (.ci/run installs clang); a missing one is skipped.
COMPILERS = [pytest.param(cc, marks=pytest.mark.skipif(shutil.which(cc) is None, reason=f"{cc} is not installed"))
             for cc in ("gcc", "clang")]


def build_and_run(tmp_path, cc, flags, name):
    sources = sorted(glob.glob(os.path.join(ROOT, "csrc", "*.c"))) + [os.path.join(ROOT, "tests", "c", "test_core.c")]
    exe = str(tmp_path / name)
    cmd = [cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-fopenmp-simd", *flags, "-I", os.path.join(ROOT, "csrc"),
           *sources, "-o", exe, "-lm", "-lpthread"]
    built = subprocess.run(cmd, capture_output=True, text=True)
    assert built.returncode == 0, f"{' '.join(cmd)}\n{built.stderr}"
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0", UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    return subprocess.run([exe], capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.parametrize("cc", COMPILERS)
def test_c_core_program(tmp_path, cc):
    res = build_and_run(tmp_path, cc, ["-O2"], "test_core")
    assert res.returncode == 0, res.stdout + res.stderr
    assert " 0 failed" in res.stdout


def _sanitizers_available(tmp_path, cc):
    probe = tmp_path / "probe.c"
    probe.write_text("int main(void){return 0;}\n")
    r = subprocess.run([cc, "-fsanitize=address,undefined", str(probe), "-o", str(tmp_path / "probe")],
                       capture_output=True)
    return r.returncode == 0


@pytest.mark.parametrize("cc", COMPILERS)
def test_c_core_under_address_and_undefined_sanitizers(tmp_path, cc):
    """Includes the bounded fuzz of the size checks (fuzz_sizes): a wrapped product is a UBSan error here."""
    if not _sanitizers_available(tmp_path, cc):
        pytest.skip(f"{cc} has no AddressSanitizer/UBSan runtime")
    res = build_and_run(tmp_path, cc, ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                                       "-fno-omit-frame-pointer"], "test_core_asan")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "runtime error" not in res.stderr and "AddressSanitizer" not in res.stderr


OVERFLOW_SPEC = "999-1000-2147482649-2147483647-2147483647-2147483647-2147483647-1"


def test_a_network_whose_size_overflows_is_a_clear_error():
    """The issue's example used to wrap to 999 parameters and segfault in ffnn_init."""
    with pytest.raises(FFNNError, match=r"more than .* parameters"):
        pyffnn.Network(OVERFLOW_SPEC)
    with pytest.raises(FFNNError, match="parameters"):
        pyffnn.Network("2147483647-2147483647tanh-1")  # 2^62 weights: no int64 wrap, but beyond 2^60
    # the core refuses such tables on its own (FFNN_E_SIZE, not a wrap), whatever the binding checks first
    sizes = [int(s) for s in OVERFLOW_SPEC.split("-")]
    table = ffi.new("ffnn_layer[]", len(sizes) - 1)
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        table[i].n_in, table[i].n_out, table[i].activation, table[i].pieces = n_in, n_out, lib.FFNN_TANH, 1
    n_params = ffi.new("int64_t *", 12345)
    assert lib.ffnn_layout(table, len(sizes) - 1, n_params) == lib.FFNN_E_SIZE and n_params[0] == 12345
    assert "too large" in ffi.string(lib.ffnn_strerror(lib.FFNN_E_SIZE)).decode()
    # far below the limit the table is fine (refusing it is left to memory)
    table, n = _binding.layer_table([(2**20, 2**20, lib.FFNN_TANH, 1), (2**20, 1, lib.FFNN_LINEAR, 1)])
    assert n == 2**40 + 2**20 + 2**20 + 1


def test_nan_weights_give_nan_predictions_in_both_precisions():
    for act in ("tanh", "sigmoid", "softplus", "relu", "leaky_relu", "elu"):
        for dtype in ("float32", "float64"):
            net = pyffnn.Network(f"2-8{act}-1linear", dtype=dtype, random_state=0)
            net.params[0] = np.nan  # one weight of the first hidden unit
            out = net.forward(np.ones((3, 2)))
            assert np.isnan(out).all(), (act, dtype, out)
