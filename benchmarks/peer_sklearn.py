"""scikit-learn MLPClassifier peer, started from the shared initial weights (coefs_ = W.T)."""
import warnings


class SklearnPeer:
    name = "sklearn"
    note = "MLPClassifier; also computes the epoch loss each epoch (part of its cost)"

    @staticmethod
    def available():
        try:
            import sklearn  # noqa: F401
        except ImportError:
            return False, "scikit-learn not installed"
        return True, ""

    def setup(self, wl, threads):
        from sklearn.neural_network import MLPClassifier
        self.wl = wl
        self.threads = threads
        solver = "adam" if wl.optimizer == "adam" else "sgd"
        self.clf = MLPClassifier(
            hidden_layer_sizes=tuple(wl.sizes[1:-1]), activation=wl.hidden, solver=solver, alpha=0.0,
            batch_size=wl.batch, learning_rate_init=wl.lr, learning_rate="constant", momentum=0.0,
            nesterovs_momentum=False, max_iter=max(wl.epochs, 1), shuffle=True, random_state=0, tol=0.0,
            n_iter_no_change=10**9, early_stopping=False, warm_start=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.clf.set_params(max_iter=1)
            self.clf.fit(wl.X, wl.y)  # one epoch to allocate the model's attributes
            self.clf.set_params(max_iter=max(wl.epochs, 1))
        self._load_initial()

    def _load_initial(self):
        self.clf.coefs_ = [w.T.copy() for w in self.wl.weights]
        self.clf.intercepts_ = [b.copy() for b in self.wl.biases]

    def train(self):
        from threadpoolctl import threadpool_limits
        self._load_initial()
        with warnings.catch_warnings(), threadpool_limits(self.threads):
            warnings.simplefilter("ignore")
            self.clf.fit(self.wl.X, self.wl.y)

    def predict_batch(self, X):
        from threadpoolctl import threadpool_limits
        with threadpool_limits(self.threads):
            return self.clf.predict_proba(X)

    def predict_one(self, x):
        return self.clf.predict_proba(x[None, :])[0]
