"""The benchmark workloads: network, data, hyper-parameters and the shared initial weights.

Every peer trains the same float32 network from the same initial weights (drawn once by pyffnn with a fixed seed)
on the same data with the same hyper-parameters.  ``quick`` shrinks data/epochs for a smoke run.
"""
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Workload:
    name: str
    sizes: list            # [n_in, hidden..., n_out]
    hidden: str            # hidden activation: tanh or relu
    output: str            # sigmoid (binary cross-entropy) or softmax (cross-entropy)
    optimizer: str         # sgd or adam
    lr: float
    batch: int
    epochs: int
    X: np.ndarray
    y: np.ndarray          # int labels
    X_test: np.ndarray = None
    y_test: np.ndarray = None
    repeats: int = 5
    weights: list = field(default_factory=list)   # W(l) as (n_out, n_in), the lecture's layout
    biases: list = field(default_factory=list)

    @property
    def spec(self):
        mid = "-".join(f"{s}{self.hidden}" for s in self.sizes[1:-1])
        return f"{self.sizes[0]}-{mid}-{self.sizes[-1]}{self.output}"

    @property
    def n_params(self):
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases))

    def targets(self):
        """float32 targets: one column of 0/1 for a sigmoid output, one-hot rows for softmax."""
        if self.output == "sigmoid":
            return self.y.astype(np.float32).reshape(-1, 1)
        Y = np.zeros((self.y.size, self.sizes[-1]), dtype=np.float32)
        Y[np.arange(self.y.size), self.y] = 1
        return Y


def _initial_weights(wl):
    import pyffnn
    net = pyffnn.Network(wl.spec, dtype="float32", random_state=12345)
    wl.weights = [w.copy() for w in net.weights]
    wl.biases = [b.copy() for b in net.biases]
    return wl


def playground(quick=False):
    from pyffnn.datasets import make_spirals
    X, y = make_spirals(n_samples=500, noise=0.05, n_classes=2, random_state=0)
    return _initial_weights(Workload("playground", [2, 8, 8, 1], "tanh", "sigmoid", "sgd", 0.03, 10,
                                     20 if quick else 100, X.astype(np.float32), np.asarray(y, dtype=np.int64),
                                     repeats=2 if quick else 7))


def digits(quick=False):
    from sklearn.datasets import load_digits
    data = load_digits()
    X = data.data.astype(np.float64)
    rng = np.random.default_rng(0)
    perm = rng.permutation(X.shape[0])
    n_test = X.shape[0] // 4
    test, train = perm[:n_test], perm[n_test:]
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    std[std == 0] = 1
    X = ((X - mean) / std).astype(np.float32)
    y = data.target.astype(np.int64)
    return _initial_weights(Workload("digits", [64, 128, 64, 10], "relu", "softmax", "adam", 1e-3, 32,
                                     5 if quick else 30, X[train], y[train], X[test], y[test],
                                     repeats=2 if quick else 5))


def wide(quick=False):
    n = 6000 if quick else 60000
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 784), dtype=np.float32)
    teacher = rng.standard_normal((784, 10), dtype=np.float32)
    y = (X @ teacher).argmax(axis=1).astype(np.int64)
    return _initial_weights(Workload("wide", [784, 512, 256, 10], "relu", "softmax", "sgd", 0.01, 128, 1, X, y,
                                     repeats=1 if quick else 3))


def latency(quick=False):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((1000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 1000)
    return _initial_weights(Workload("latency", [784, 256, 10], "relu", "softmax", "sgd", 0.01, 1000, 0, X, y,
                                     repeats=3 if quick else 7))


WORKLOADS = {"playground": playground, "digits": digits, "wide": wide, "latency": latency}
