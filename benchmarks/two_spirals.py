"""Two spirals, 32-32 tanh: test accuracy of pyffnn's and scikit-learn's MLP per solver (Adam, RPROP, L-BFGS).

    python3 benchmarks/two_spirals.py                 # seeds 0 1 2, prints a markdown table
    python3 benchmarks/two_spirals.py --seeds 0 --samples 600

Same data (``pyffnn.datasets.make_spirals``), the same stratified 70/30 split, the same ``StandardScaler``, the same
hidden layers and scikit-learn's defaults otherwise (alpha 1e-4, max_iter 200, tol 1e-4, batch min(200, n)).
scikit-learn has no RPROP: its row is pyffnn only, full batch (RPROP's design).  The weights start differently
(pyffnn: Glorot uniform, zero biases), so equal accuracy is expected, not identical predictions.  Times are wall
clock of one fit on a shared machine: indicative only.
"""
import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from pyffnn.datasets import make_spirals
from pyffnn.sklearn import FFNNClassifier

SOLVERS = ("adam", "rprop", "lbfgs")


def split(samples, noise, seed):
    X, y = make_spirals(n_samples=samples, noise=noise, random_state=seed)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_tr)
    return scaler.transform(X_tr), scaler.transform(X_te), y_tr, y_te


def run(cls, solver, data, seed, max_iter):
    X_tr, X_te, y_tr, y_te = data
    extra = {"batch_size": X_tr.shape[0]} if solver == "rprop" else {}
    est = cls(hidden_layer_sizes=(32, 32), activation="tanh", solver=solver, max_iter=max_iter, random_state=seed,
              **extra)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X_tr, y_tr)
    return est.score(X_te, y_te), time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--noise", type=float, default=0.05)
    parser.add_argument("--max-iter", type=int, default=200)
    args = parser.parse_args(argv)
    print(f"two spirals, {args.samples} samples, noise {args.noise}, 70/30 split, 32-32 tanh, max_iter "
          f"{args.max_iter}, seeds {args.seeds} (mean test accuracy, mean seconds per fit)\n")
    print("| solver | pyffnn accuracy | scikit-learn accuracy | pyffnn s | scikit-learn s |")
    print("|---|---|---|---|---|")
    for solver in SOLVERS:
        cells = {}
        for name, cls in (("pyffnn", FFNNClassifier), ("sklearn", MLPClassifier)):
            if name == "sklearn" and solver == "rprop":
                continue
            res = [run(cls, solver, split(args.samples, args.noise, s), s, args.max_iter) for s in args.seeds]
            cells[name] = (np.mean([r[0] for r in res]), np.mean([r[1] for r in res]))
        sk = cells.get("sklearn")
        print(f"| {solver} | {cells['pyffnn'][0]:.3f} | {'n/a' if sk is None else f'{sk[0]:.3f}'} | "
              f"{cells['pyffnn'][1]:.2f} | {'n/a' if sk is None else f'{sk[1]:.2f}'} |")


if __name__ == "__main__":
    main()
