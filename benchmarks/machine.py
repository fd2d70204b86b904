"""The machine's limits for the benchmarks' floors and peak lines: float32 FMA peak and read bandwidth of one core.

``probe(sizes)`` compiles benchmarks/machine_probe.c with the system C compiler (once per process, in a temporary
directory) and runs it; without a compiler it returns None and the benchmarks leave the floors out.
"""
import functools
import json
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=None)
def _binary():
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        return None
    out = os.path.join(tempfile.mkdtemp(prefix="pyffnn-probe-"), "machine_probe")
    build = subprocess.run([cc, "-O2", "-std=c11", "-ffp-contract=fast", os.path.join(HERE, "machine_probe.c"),
                            "-o", out], capture_output=True, text=True)
    return out if build.returncode == 0 else None


def probe(sizes=(786432,)):
    """{"isa", "fma_gflops" (one core, float32), "read_gbs": {bytes: GB/s}} or None without a C compiler."""
    exe = _binary()
    if exe is None:
        return None
    res = subprocess.run([exe, *map(str, sizes)], capture_output=True, text=True, timeout=120)
    if res.returncode != 0:
        return None
    data = json.loads(res.stdout)
    data["read_gbs"] = {int(k): v for k, v in data["read_gbs"].items()}
    return data


def weight_bytes(sizes, itemsize=4):
    """Bytes of a dense network's weights and biases: sizes = [n_in, hidden..., n_out]."""
    return itemsize * sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


if __name__ == "__main__":
    print(probe((32768, 786432, 1572864, 3 << 20)))
