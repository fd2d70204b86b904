"""Compile and run the headless C test program (tests/c/test_core.c) against csrc/, plain and under sanitizers."""
import glob
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CC = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")


def build_and_run(tmp_path, flags, name):
    sources = sorted(glob.glob(os.path.join(ROOT, "csrc", "*.c"))) + [os.path.join(ROOT, "tests", "c", "test_core.c")]
    exe = str(tmp_path / name)
    cmd = [CC, "-std=c11", "-Wall", "-Wextra", "-Werror", "-fopenmp-simd", *flags, "-I", os.path.join(ROOT, "csrc"),
           *sources, "-o", exe, "-lm", "-lpthread"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0", UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    return subprocess.run([exe], capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.skipif(CC is None, reason="no C compiler")
def test_c_core_program(tmp_path):
    res = build_and_run(tmp_path, ["-O2"], "test_core")
    assert res.returncode == 0, res.stdout + res.stderr
    assert " 0 failed" in res.stdout


def _sanitizers_available(tmp_path):
    probe = tmp_path / "probe.c"
    probe.write_text("int main(void){return 0;}\n")
    r = subprocess.run([CC, "-fsanitize=address,undefined", str(probe), "-o", str(tmp_path / "probe")],
                       capture_output=True)
    return r.returncode == 0


@pytest.mark.skipif(CC is None, reason="no C compiler")
def test_c_core_under_address_and_undefined_sanitizers(tmp_path):
    if not _sanitizers_available(tmp_path):
        pytest.skip("this compiler has no AddressSanitizer/UBSan runtime")
    res = build_and_run(tmp_path, ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                                   "-fno-omit-frame-pointer"], "test_core_asan")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "runtime error" not in res.stderr and "AddressSanitizer" not in res.stderr
