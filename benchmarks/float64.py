"""float64 networks against scikit-learn (whose MLP computes in float64): digits 64-64tanh-32tanh-10softmax and
the same with relu, Adam lr 1e-3, batch 200, 20 epochs, one thread each, from the same initial weights; writes its
section of benchmarks/RESULTS.md.

    python3 benchmarks/float64.py           # 5 repeats, updates benchmarks/RESULTS.md
    python3 benchmarks/float64.py --quick   # 2 repeats, prints only
"""
import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sections  # noqa: E402


def _digits():
    from sklearn.datasets import load_digits
    d = load_digits()
    X = (d.data - d.data.mean(axis=0)) / (d.data.std(axis=0) + 1e-9)
    return X.astype(np.float64), d.target


def measure(act, repeats, epochs=20, batch=200):
    import pyffnn
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits
    X, y = _digits()
    net = pyffnn.Network(f"64-64{act}-32{act}-10softmax", dtype="float64", random_state=0)
    p0 = net.params.copy()
    clf = MLPClassifier((64, 32), activation=act, solver="adam", alpha=0.0, batch_size=batch, learning_rate_init=1e-3,
                        max_iter=epochs, tol=0.0, n_iter_no_change=10**9, random_state=0, shuffle=True)
    times = {"pyffnn": [], "sklearn": []}
    pyffnn.set_threads(1)
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")
        for rep in range(repeats + 1):  # the first is a warm-up
            net.params[:] = p0
            t0 = time.perf_counter()
            net.fit(X, y, optimizer="adam", lr=1e-3, epochs=epochs, batch_size=batch, random_state=0)
            t1 = time.perf_counter()
            clf.fit(X, y)  # scikit-learn starts from its own initial weights: its cost does not depend on them
            t2 = time.perf_counter()
            if rep:
                times["pyffnn"].append(t1 - t0)
                times["sklearn"].append(t2 - t1)
    pyffnn.set_threads(None)
    n = X.shape[0] * epochs
    return {k: n / statistics.median(v) for k, v in times.items()}, float((net.predict_classes(X) == y).mean())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 repeats, print only")
    args = ap.parse_args(argv)
    text = section(args.quick, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(text)
    if not args.quick:
        sections.write("float64", text, os.path.join(HERE, "RESULTS.md"))


def section(quick=False, log=None):
    """The float64 section's text: tanh and relu against scikit-learn, with the issue's goal (tanh >= 2x)."""
    import pyffnn
    lines = ["### float64: digits 64-64σ-32σ-10softmax, adam lr 0.001, batch 200, 20 epochs, 1 thread, vs scikit-learn",
             "", f"pyffnn kernel path: {pyffnn.get_simd()}; medians of {2 if quick else 5} repeats.", "",
             "| σ | pyffnn samples/s | sklearn samples/s | pyffnn/sklearn | pyffnn train accuracy |",
             "|---|---|---|---|---|"]
    for act in ("tanh", "relu"):
        rates, acc = measure(act, 2 if quick else 5)
        lines.append(f"| {act} | {rates['pyffnn'] / 1e3:.1f}k | {rates['sklearn'] / 1e3:.1f}k | "
                     f"{rates['pyffnn'] / rates['sklearn']:.2f}x | {acc:.4f} |")
        if log:
            log(lines[-1])
    lines += ["", "Goal (issue 14): float64 tanh networks ≥ 2x scikit-learn."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
