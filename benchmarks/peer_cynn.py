"""The C libraries KANN and FANN through the `cynn` package (PyPI), where they can express a workload.

How they differ (printed in RESULTS.md):
- KANN: its own initial weights (cynn exposes no weight setter) and its built-in trainer, which is RMSprop, not
  plain gradient descent / Adam; same network, data, loss, batch and epochs.  Denormals are flushed (FTZ/DAZ on
  the calling thread, inherited by KANN's worker threads) through torch.set_flush_denormal when torch is present.
- FANN: playground only (no softmax cross-entropy); per-example (incremental) updates with squared error and
  FANN's default sigmoid activations, its own initial weights; fed from Python lists per epoch.
"""
import contextlib
import importlib

import numpy as np


@contextlib.contextmanager
def _flush_denormals():
    try:
        import torch
    except ImportError:
        yield False
        return
    ok = torch.set_flush_denormal(True)
    try:
        yield ok
    finally:
        torch.set_flush_denormal(False)


def _cynn_available(module):
    """(True, "") when cynn's ``module`` (kann or fann) imports, else (False, the reason)."""
    try:
        importlib.import_module(f"cynn.{module}")
    except ImportError:
        return False, "cynn not installed"
    return True, ""


class KannPeer:
    name = "kann"
    note = "cynn.kann; RMSprop trainer, own initial weights, denormals flushed"

    @staticmethod
    def available():
        return _cynn_available("kann")

    def setup(self, wl, threads):
        self.wl, self.threads = wl, threads
        self.Y = wl.targets()

    def _build(self):
        from cynn import kann
        kann.set_verbose(0)
        wl = self.wl
        b = kann.GraphBuilder()
        h = b.input(wl.sizes[0])
        for units in wl.sizes[1:-1]:
            h = b.dense(h, units)
            h = b.tanh(h) if wl.hidden == "tanh" else b.relu(h)
        cost = (b.sigmoid_cross_entropy(h, wl.sizes[-1]) if wl.output == "sigmoid"
                else b.softmax_cross_entropy(h, wl.sizes[-1]))
        net = b.build(cost)
        if self.threads > 1:
            net.enable_multithreading(self.threads, max(wl.batch, 1))
        return net

    def train(self):
        wl = self.wl
        net = self._build()
        with _flush_denormals():
            net.train(wl.X, self.Y, learning_rate=wl.lr, mini_batch_size=wl.batch, max_epochs=wl.epochs,
                      min_epochs=wl.epochs, max_drop_streak=10**6, validation_fraction=0.0)
        self.net = net

    def predict_batch(self, X):
        return np.stack([np.frombuffer(self.net.apply(x), dtype=np.float32) for x in X])

    def predict_one(self, x):
        return self.net.apply(x)


class FannPeer:
    name = "fann"
    note = "cynn.fann; per-example updates, squared error, own weights (playground only)"
    workloads = ("playground",)

    @staticmethod
    def available():
        return _cynn_available("fann")

    def setup(self, wl, threads):
        self.wl = wl
        Y = wl.targets()
        self.xs = [wl.X[i] for i in range(wl.X.shape[0])]
        self.ys = [Y[i] for i in range(Y.shape[0])]

    def train(self):
        from cynn import fann
        net = fann.FannNetwork(list(self.wl.sizes))
        net.learning_rate = self.wl.lr
        for _ in range(self.wl.epochs):
            net.train_batch(self.xs, self.ys, True)
        self.net = net

    def predict_batch(self, X):
        return np.array([self.net.predict(x) for x in X], dtype=np.float32)

    def predict_one(self, x):
        return self.net.predict(x)
