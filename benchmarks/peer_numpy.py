"""A plain vectorised numpy MLP: the always-available peer (float32, BLAS threads limited by threadpoolctl)."""
import contextlib

import numpy as np


def blas_threads(n):
    """Limit BLAS (numpy's matrix products) to n threads when threadpoolctl is installed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(n)


def _act(name, z):
    if name == "tanh":
        return np.tanh(z)
    return np.maximum(z, 0, out=z)


def _act_grad(name, a, da):
    if name == "tanh":
        return da * (1 - a * a)
    return da * (a > 0)


class NumpyPeer:
    name = "numpy"
    note = "hand-written vectorised forward/backward, same optimizer and shuffling scheme"

    @staticmethod
    def available():
        return True, ""

    def setup(self, wl, threads):
        self.wl, self.threads = wl, threads
        self.Y = wl.targets()
        self.rng = np.random.default_rng(0)

    def _forward(self, X, Ws, bs):
        acts = [X]
        a = X
        for l, (W, b) in enumerate(zip(Ws, bs)):
            z = a @ W.T + b
            if l < len(Ws) - 1:
                a = _act(self.wl.hidden, z)
            elif self.wl.output == "sigmoid":
                a = 1 / (1 + np.exp(-z))
            else:
                z -= z.max(axis=1, keepdims=True)
                np.exp(z, out=z)
                a = z / z.sum(axis=1, keepdims=True)
            acts.append(a)
        return acts

    def train(self):
        with blas_threads(self.threads):
            self._train()

    def _train(self):
        wl = self.wl
        Ws = [w.copy() for w in wl.weights]
        bs = [b.copy() for b in wl.biases]
        adam = wl.optimizer == "adam"
        if adam:
            m = [np.zeros_like(p) for p in Ws + bs]
            v = [np.zeros_like(p) for p in Ws + bs]
            t = 0
        n = wl.X.shape[0]
        lr = np.float32(wl.lr)
        for _ in range(wl.epochs):
            order = self.rng.permutation(n)
            for s in range(0, n, wl.batch):
                idx = order[s:s + wl.batch]
                xb, yb = wl.X[idx], self.Y[idx]
                acts = self._forward(xb, Ws, bs)
                delta = (acts[-1] - yb) * np.float32(1.0 / len(idx))  # sigmoid+BCE / softmax+CE: a - y
                gW, gb = [None] * len(Ws), [None] * len(Ws)
                for l in range(len(Ws) - 1, -1, -1):
                    gW[l] = delta.T @ acts[l]
                    gb[l] = delta.sum(axis=0)
                    if l > 0:
                        delta = _act_grad(wl.hidden, acts[l], delta @ Ws[l])
                if adam:
                    t += 1
                    c1, c2 = 1 / (1 - 0.9 ** t), 1 / (1 - 0.999 ** t)
                    for i, (p, g) in enumerate(zip(Ws + bs, gW + gb)):
                        m[i] *= 0.9
                        m[i] += 0.1 * g
                        v[i] *= 0.999
                        v[i] += 0.001 * g * g
                        p -= lr * (m[i] * c1) / (np.sqrt(v[i] * c2) + 1e-8)
                else:
                    for p, g in zip(Ws + bs, gW + gb):
                        p -= lr * g
        self.Ws, self.bs = Ws, bs

    def predict_batch(self, X):
        with blas_threads(self.threads):
            return self._forward(X, self.Ws, self.bs)[-1]

    def predict_one(self, x):  # one sample: BLAS runs it on the calling thread anyway
        return self._forward(x[None, :], self.Ws, self.bs)[-1][0]
