"""Accuracy side by side: pyffnn's FFNNClassifier and scikit-learn's MLPClassifier.

    python3 benchmarks/compare_sklearn.py                  # 5-fold CV on digits and breast cancer
    python3 benchmarks/compare_sklearn.py --seeds 0 1 2    # mean over several random states

Both estimators get the same architecture and hyper-parameters (scikit-learn's defaults unless given:
one hidden layer of 100 relu units, adam, lr 1e-3, alpha 1e-4, batch min(200, n), max_iter 200, tol 1e-4)
inside the same ``StandardScaler`` pipeline, and the same 5 stratified folds.  Prints the mean 5-fold
``cross_val_score`` accuracy (and its spread over folds), the mean number of epochs and the wall time.
The two libraries initialise weights differently (pyffnn: He/Glorot uniform, zero biases), so equal
accuracy is expected, identical folds' predictions are not.
"""
import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pyffnn.sklearn import FFNNClassifier

DATASETS = {"digits": load_digits, "breast_cancer": load_breast_cancer}


def evaluate(cls, X, y, seed, params):
    pipe = make_pipeline(StandardScaler(), cls(random_state=seed, **params))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = cross_validate(pipe, X, y, cv=folds, return_estimator=True)
    seconds = time.perf_counter() - start
    epochs = np.mean([est[-1].n_iter_ for est in result["estimator"]])
    return result["test_score"], epochs, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[100], help="hidden layer sizes (default 100)")
    parser.add_argument("--activation", default="relu")
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    args = parser.parse_args(argv)
    params = dict(hidden_layer_sizes=tuple(args.hidden), activation=args.activation, max_iter=args.max_iter)

    print(f"5-fold cross_val_score, StandardScaler + classifier, {params}, seeds {args.seeds}")
    print(f"{'dataset':<15}{'estimator':<16}{'accuracy':>10}{'fold std':>10}{'epochs':>8}{'seconds':>9}")
    for name in args.datasets:
        X, y = DATASETS[name](return_X_y=True)
        for cls in (FFNNClassifier, MLPClassifier):
            scores, epochs, seconds = [], [], 0.0
            for seed in args.seeds:
                s, e, t = evaluate(cls, X, y, seed, params)
                scores.append(s)
                epochs.append(e)
                seconds += t
            scores = np.concatenate(scores)
            print(f"{name:<15}{cls.__name__:<16}{scores.mean():>10.4f}{scores.std():>10.4f}"
                  f"{np.mean(epochs):>8.1f}{seconds:>9.2f}")


if __name__ == "__main__":
    main()
