"""Thread scaling: pyffnn training with 2 threads against 1, at several network sizes and batches, in one run.

    python3 benchmarks/thread_scaling.py           # 5 repeats, updates its section of benchmarks/RESULTS.md
    python3 benchmarks/thread_scaling.py --quick   # 2 repeats, smaller runs, prints only

Goals (issue 14): 2 threads are never below 0.95x one thread at any size, and reach >= 1.6x at the mid sizes (digits
64-256relu-256relu-10softmax, Adam, batch 32).  Every point trains the same float32 network from the same initial
weights with 1 and then 2 threads, alternating within each repeat after a warm-up; the ratio is of the medians.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sections  # noqa: E402
from peer_pyffnn import PyffnnPeer, set_threads  # noqa: E402
from workloads import Workload, _initial_weights  # noqa: E402

#: (label, layer sizes, hidden activation, optimizer, lr, batch, mid size?)
POINTS = [
    ("playground", [2, 8, 8, 1], "tanh", "sgd", 0.03, 10, False),
    ("tiny, batch 1", [16, 32, 10], "relu", "sgd", 0.01, 1, False),
    ("digits", [64, 128, 64, 10], "relu", "adam", 1e-3, 32, False),
    ("digits mid", [64, 256, 256, 10], "relu", "adam", 1e-3, 32, True),
    ("digits mid, batch 64", [64, 256, 256, 10], "relu", "adam", 1e-3, 64, True),
    ("wide 256, batch 8", [256, 256, 256, 10], "relu", "sgd", 0.01, 8, False),
    ("wide", [784, 512, 256, 10], "relu", "sgd", 0.01, 128, False),
    ("deep narrow", [32, 64, 64, 64, 64, 10], "tanh", "adam", 1e-3, 16, False),
]


def _workload(sizes, hidden, optimizer, lr, batch, work):
    """A workload of about `work` weight-visits (samples x (weights + 500), the 500 a per-sample fixed cost)."""
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    n = 1797 if sizes[0] == 64 else 4000
    epochs = max(1, int(round(work / (n * (weights + 500)))))
    rng = np.random.default_rng(0)
    if sizes[0] == 64:
        from sklearn.datasets import load_digits
        d = load_digits()
        X = ((d.data - d.data.mean(0)) / (d.data.std(0) + 1e-9)).astype(np.float32)
        y = d.target.astype(np.int64)
    else:
        X = rng.standard_normal((n, sizes[0]), dtype=np.float32)
        y = rng.integers(0, sizes[-1], n) if sizes[-1] > 1 else rng.integers(0, 2, n)
    output = "sigmoid" if sizes[-1] == 1 else "softmax"
    return _initial_weights(Workload("threads", list(sizes), hidden, output, optimizer, lr, batch, epochs, X, y))


def measure(quick=False, log=None):
    """Rows of (label, spec, batch, mid, rate 1T, rate 2T)."""
    repeats, target = (2, 1e9) if quick else (5, 3e9)
    rows = []
    for label, sizes, hidden, opt, lr, batch, mid in POINTS:
        wl = _workload(sizes, hidden, opt, lr, batch, target)
        peers = {}
        for threads in (1, 2):
            p = PyffnnPeer()
            p.setup(wl, threads)
            p.train()  # warm-up
            peers[threads] = p
        times = {1: [], 2: []}
        for _ in range(repeats):
            for threads, p in peers.items():
                t0 = time.perf_counter()
                p.train()
                times[threads].append(time.perf_counter() - t0)
        n = wl.X.shape[0] * wl.epochs
        r1, r2 = (n / statistics.median(times[t]) for t in (1, 2))
        rows.append((label, wl.spec, batch, wl.optimizer, mid, r1, r2))
        if log:
            log(f"  threads: {label} {wl.spec} batch {batch}: 1T {r1:,.0f}/s, 2T {r2:,.0f}/s ({r2 / r1:.2f}x)")
    set_threads(None)
    return rows


def table(rows, quick=False):
    lines = ["### thread scaling: pyffnn training, 2 threads ÷ 1 thread (float32)", "",
             f"Goal: ≥ 0.95x everywhere, ≥ 1.6x at the mid sizes (marked). Medians of {2 if quick else 5} repeats, "
             "1 and 2 threads alternating.", "",
             "| point | network | optimizer | batch | 1 thread samples/s | 2 threads samples/s | 2T ÷ 1T | goal |",
             "|---|---|---|---|---|---|---|---|"]
    for label, spec, batch, opt, mid, r1, r2 in rows:
        ratio = r2 / r1
        goal = 1.6 if mid else 0.95
        verdict = "met" if ratio >= goal else "MISSED"
        lines.append(f"| {label}{' (mid)' if mid else ''} | {spec} | {opt} | {batch} | {r1:,.0f} | {r2:,.0f} | "
                     f"{ratio:.2f}x | ≥ {goal}x {verdict} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 repeats, shorter runs, print only")
    args = ap.parse_args(argv)
    text = table(measure(args.quick, log=lambda m: print(m, file=sys.stderr, flush=True)), args.quick)
    print(text)
    if not args.quick:
        sections.write("thread_scaling", text, os.path.join(HERE, "RESULTS.md"))


if __name__ == "__main__":
    main()
