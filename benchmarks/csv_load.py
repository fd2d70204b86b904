"""Loading a large numeric CSV through pyffnn's one data path, against pandas.read_csv alone.

Targets (issue 9): ``pyffnn.datasets.read_table`` on a 1M-row x 20-column numeric CSV takes at most 1.3x the time of
``pandas.read_csv`` on the same file, and its peak memory stays under 3x the float64 array (1M x 20 x 8 B = 160 MB).

Each measurement runs in a fresh process (so one run's memory does not hide the next one's peak) and reports the
wall time and the peak resident set (VmHWM) minus the resident set before reading; the verdict uses the median of
``--runs`` runs.  Timings depend on the machine's load: run it on a quiet machine, and quote medians.

    python benchmarks/csv_load.py [--rows 1000000] [--cols 20] [--runs 5]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def _rss_mib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _child(kind, path):
    import time

    import pandas as pd

    from pyffnn.datasets import read_table

    base = _rss_mib("VmRSS")
    cpu = time.process_time()
    start = time.perf_counter()
    if kind == "pandas":
        X = pd.read_csv(path)  # pandas alone: the DataFrame, no conversion
    else:
        X = read_table(path, target=-1).X
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "cpu": time.process_time() - cpu, "peak_mib": _rss_mib("VmHWM") - base,
                      "shape": list(X.shape)}))


def _write(path, rows, cols):
    import numpy as np

    rng = np.random.default_rng(0)
    with open(path, "w") as f:
        f.write(",".join(f"x{j + 1}" for j in range(cols - 1)) + ",y\n")
        for start in range(0, rows, 100_000):
            block = rng.standard_normal((min(100_000, rows - start), cols))
            np.savetxt(f, block, delimiter=",", fmt="%.6g")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "numeric.csv")
        _write(path, args.rows, args.cols)
        results = {"pandas": [], "pyffnn": []}
        for _ in range(args.runs):
            for kind in ("pandas", "pyffnn"):  # alternated, so a burst of load hits both
                out = subprocess.run([sys.executable, __file__, "--child", kind, path], check=True,
                                     capture_output=True, text=True).stdout
                results[kind].append(json.loads(out))
    array_mib = args.rows * args.cols * 8 / 2**20
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("seconds", "cpu", "peak_mib")}
           for k, v in results.items()}
    ratio = med["pyffnn"]["seconds"] / med["pandas"]["seconds"]
    memory = med["pyffnn"]["peak_mib"] / array_mib
    print(f"{args.rows} rows x {args.cols} columns, float64 array {array_mib:.0f} MiB; medians of {args.runs} runs")
    for kind in ("pandas", "pyffnn"):
        times = ", ".join(f"{r['seconds']:.2f}" for r in results[kind])
        print(f"  {kind:<7} {med[kind]['seconds']:.2f} s  (runs: {times})  CPU {med[kind]['cpu']:.2f} s  "
              f"peak +{med[kind]['peak_mib']:.0f} MiB")
    print(f"time ratio pyffnn/pandas.read_csv: {ratio:.2f} (target <= 1.3) {'OK' if ratio <= 1.3 else 'MISSED'}")
    print(f"peak memory / float64 array: {memory:.2f} (target < 3) {'OK' if memory < 3 else 'MISSED'}")
    print(f"(CPU time ratio, for a loaded machine: {med['pyffnn']['cpu'] / med['pandas']['cpu']:.2f}; os.getloadavg "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    return 0 if ratio <= 1.3 and memory < 3 else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        sys.path.insert(0, os.path.dirname(HERE))
        _child(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
