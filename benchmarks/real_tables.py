"""`pyffnn train` against scikit-learn's MLP on real tables that packages ship, on the same split.

    python3 benchmarks/real_tables.py              # seeds 0 1 2, prints a markdown table
    python3 benchmarks/real_tables.py --seeds 0

Each table goes through ``pyffnn train`` (the command line, a subprocess, default data options: text columns
one-hot encoded, missing cells imputed, identifiers and constants left out) and its printed test score is read.
scikit-learn's ``MLPClassifier``/``MLPRegressor`` get the very same train/test rows, already encoded, imputed and
scaled by pyffnn's preprocessing (``split_table`` with the same seed, which is what the command line uses) and
the same hidden layers, epochs and learning rate, so the comparison is of the learners, not of the cleaning.
Tables: palmerpenguins' ``penguins.csv`` (species, and body mass as a regression), scikit-learn's bundled
``wine_data.csv`` (a metadata first line, skipped) and ``diabetes`` (regression, its bundled gzip tables).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import warnings

import numpy as np

BATCH = 32  # both sides: the same minibatch size (scikit-learn's default would be min(200, n))


def _tables(tmp):
    import palmerpenguins
    import sklearn

    penguins = os.path.join(os.path.dirname(palmerpenguins.__file__), "data", "penguins.csv")
    data = os.path.join(os.path.dirname(sklearn.__file__), "datasets", "data")
    diabetes = os.path.join(tmp, "diabetes.csv")
    X = np.loadtxt(os.path.join(data, "diabetes_data_raw.csv.gz"))
    y = np.loadtxt(os.path.join(data, "diabetes_target.csv.gz"))
    names = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
    np.savetxt(diabetes, np.column_stack([X, y]), delimiter=",", header=",".join(names + ["progression"]),
               comments="", fmt="%.6g")
    # (name, path, pyffnn train options, read options for split_table)
    return [
        ("penguins species", penguins, ["--target", "species", "--drop", "year"],
         dict(target="species", drop=["year"]), {}),
        ("penguins body mass", penguins, ["--target", "body_mass_g", "--drop", "year"],
         dict(target="body_mass_g", drop=["year"]), {}),
        ("wine (sklearn csv)", os.path.join(data, "wine_data.csv"), ["--target", "-1", "--skip-rows", "1"],
         dict(target=-1), dict(skip_rows=1)),
        ("diabetes (sklearn)", diabetes, ["--target", "progression"], dict(target="progression"), {}),
    ]


def _pyffnn_test_score(path, options, layers, epochs, lr, seed, tmp):
    cmd = [sys.executable, "-m", "pyffnn.cli", "train", path, *options, "--layers", layers, "--epochs", str(epochs),
           "--lr", str(lr), "--batch-size", str(BATCH), "--seed", str(seed), "--quiet", "--quiet-data", "--no-record",
           "-o", os.path.join(tmp, "model.npz")]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("test"))
    m = re.search(r"(accuracy|r2)=([-0-9.]+)", line)
    return m.group(1), float(m.group(2))


def _sklearn_test_score(path, read_options, split_options, layers, epochs, lr, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    from pyffnn.datasets import read_frame, split_table

    table = read_frame(path, **read_options)
    sp = split_table(table, val=0.15, test=0.15, random_state=seed, stratify=True, **split_options)
    classify = sp.dataset.task in ("binary", "multiclass")
    sizes = tuple(int(re.match(r"\d+", t).group()) for t in layers.split(","))
    act = re.sub(r"^\d+", "", layers.split(",")[0])
    est = (MLPClassifier if classify else MLPRegressor)(hidden_layer_sizes=sizes, activation=act, learning_rate_init=lr,
                                                         max_iter=epochs, batch_size=BATCH,
                                                         random_state=seed)
    y_train, y_test = sp.y("train"), sp.y("test")
    if not classify:  # pyffnn's command line standardises a regression target too; give scikit-learn the same
        mu, sd = y_train.mean(), y_train.std()
        y_train = (y_train - mu) / sd
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(sp.X("train"), y_train.ravel() if y_train.ndim > 1 and y_train.shape[1] == 1 else y_train)
    if classify:
        return "accuracy", float(est.score(sp.X("test"), y_test))
    pred = est.predict(sp.X("test")) * sd + mu
    y_test = y_test.ravel()
    return "r2", float(1 - ((y_test - pred) ** 2).sum() / ((y_test - y_test.mean()) ** 2).sum())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--layers", default="16relu")
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--lr", type=float, default=0.001)
    args = ap.parse_args(argv)
    print(f"`pyffnn train` vs scikit-learn MLP, hidden {args.layers}, {args.epochs} epochs, lr {args.lr}, adam, "
          f"batch {BATCH}, 70/15/15 split, mean test score over seeds {args.seeds}\n")
    print("| table | metric | pyffnn train | scikit-learn |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, options, split_options, read_options in _tables(tmp):
            ours, theirs = [], []
            for seed in args.seeds:
                metric, a = _pyffnn_test_score(path, options, args.layers, args.epochs, args.lr, seed, tmp)
                _, b = _sklearn_test_score(path, read_options, split_options, args.layers, args.epochs, args.lr,
                                           seed)
                ours.append(a)
                theirs.append(b)
            print(f"| {name} | {metric} | {np.mean(ours):.3f} | {np.mean(theirs):.3f} |")


if __name__ == "__main__":
    main()
