"""pyffnn itself, through its public API (Network.fit / Network.forward), with the core's thread count set."""
import pyffnn
from pyffnn import set_threads


class PyffnnPeer:
    name = "pyffnn"
    note = "Network.fit / Network.forward, float32"

    @staticmethod
    def available():
        return True, ""

    def setup(self, wl, threads):
        self.wl, self.threads = wl, threads
        self.net = pyffnn.Network(wl.spec, dtype="float32", random_state=0)
        self._load_initial()

    def _load_initial(self):
        for w, w0 in zip(self.net.weights, self.wl.weights):
            w[...] = w0
        for b, b0 in zip(self.net.biases, self.wl.biases):
            b[...] = b0

    def train(self):
        set_threads(self.threads)
        self._load_initial()
        wl = self.wl
        self.net.fit(wl.X, wl.y, optimizer=wl.optimizer, lr=wl.lr, epochs=wl.epochs, batch_size=wl.batch,
                     shuffle=True, random_state=0)

    def predict_batch(self, X):
        set_threads(self.threads)
        return self.net.forward(X)

    def predict_one(self, x):
        return self.net.forward(x)
