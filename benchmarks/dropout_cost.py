"""The speed cost of dropout on the digits workload (64-128relu-64relu-10softmax, float32, Adam lr 1e-3, batch 32,
from the benchmark's shared initial weights): the same fit without dropout and with dropout 0.2 on both hidden
layers, interleaved in one run on one thread, and the median of the per-repeat time ratios (a ratio measured in
one run, so a loaded machine slows both sides alike).

    python3 benchmarks/dropout_cost.py            # 7 repeats of 30 epochs
    python3 benchmarks/dropout_cost.py --quick    # 3 repeats of 5 epochs

Dropout costs one random draw, a multiply and a mask store per hidden output in the forward pass, a multiply per
hidden output in the backward pass, and it takes the general (not the fused tiny) path; the products dominate.
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from workloads import digits  # noqa: E402


def _spec(wl, rate):
    suffix = "" if not rate else str(rate)
    mid = "-".join(f"{s}{wl.hidden}{suffix}" for s in wl.sizes[1:-1])
    return f"{wl.sizes[0]}-{mid}-{wl.sizes[-1]}{wl.output}"


def _fit_seconds(wl, rate):
    import pyffnn
    net = pyffnn.Network(_spec(wl, rate), dtype="float32", random_state=0)
    for W, b, W0, b0 in zip(net.weights, net.biases, wl.weights, wl.biases):
        W[:], b[:] = W0, b0
    t0 = time.perf_counter()
    net.fit(wl.X, wl.y, optimizer=wl.optimizer, lr=wl.lr, batch_size=wl.batch, epochs=wl.epochs, random_state=0)
    seconds = time.perf_counter() - t0
    return seconds, net.evaluate(wl.X_test, wl.y_test)["accuracy"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rate", type=float, default=0.2)
    args = ap.parse_args(argv)
    import pyffnn
    pyffnn.set_threads(1)
    wl = digits(quick=args.quick)
    repeats = 3 if args.quick else 7
    _fit_seconds(wl, 0.0)  # warm-up: page in the library and the data
    plain, dropped, ratios, acc = [], [], [], {}
    for _ in range(repeats):
        t0, acc[0.0] = _fit_seconds(wl, 0.0)
        t1, acc[args.rate] = _fit_seconds(wl, args.rate)
        plain.append(t0)
        dropped.append(t1)
        ratios.append(t1 / t0)
    print(f"digits {_spec(wl, 0.0)} vs {_spec(wl, args.rate)}: {wl.epochs} epochs x {wl.X.shape[0]} samples, "
          f"batch {wl.batch}, 1 thread, {repeats} interleaved repeats")
    print(f"  without dropout: median {statistics.median(plain):.3f} s, test accuracy {acc[0.0]:.3f}")
    print(f"  dropout {args.rate}:     median {statistics.median(dropped):.3f} s, test accuracy {acc[args.rate]:.3f}")
    print(f"  time ratio (dropout / none), median of the repeats: {statistics.median(ratios):.3f} "
          f"(range {min(ratios):.3f}-{max(ratios):.3f})")


if __name__ == "__main__":
    main()
