"""PyTorch eager (CPU) peer: nn.Sequential of Linear layers, the textbook training loop."""


class TorchPeer:
    name = "pytorch"
    note = "eager mode, torch.optim, BCEWithLogits / CrossEntropy from logits"

    @staticmethod
    def available():
        try:
            import torch  # noqa: F401
        except ImportError:
            return False, "torch not installed"
        return True, ""

    def setup(self, wl, threads):
        import torch
        torch.set_num_threads(threads)
        self.torch = torch
        self.wl = wl
        self.X = torch.from_numpy(wl.X)
        self.Y = torch.from_numpy(wl.targets())
        self.gen = torch.Generator().manual_seed(0)

    def _model(self):
        torch, wl = self.torch, self.wl
        layers = []
        for l, (W, b) in enumerate(zip(wl.weights, wl.biases)):
            lin = torch.nn.Linear(W.shape[1], W.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(W))
                lin.bias.copy_(torch.from_numpy(b))
            layers.append(lin)
            if l < len(wl.weights) - 1:
                layers.append(torch.nn.Tanh() if wl.hidden == "tanh" else torch.nn.ReLU())
        return torch.nn.Sequential(*layers)

    def train(self):
        torch, wl = self.torch, self.wl
        model = self._model()
        opt = (torch.optim.Adam(model.parameters(), lr=wl.lr) if wl.optimizer == "adam"
               else torch.optim.SGD(model.parameters(), lr=wl.lr))
        loss_fn = torch.nn.BCEWithLogitsLoss() if wl.output == "sigmoid" else torch.nn.CrossEntropyLoss()
        target = self.Y if wl.output == "sigmoid" else torch.from_numpy(wl.y)
        n = self.X.shape[0]
        for _ in range(wl.epochs):
            order = torch.randperm(n, generator=self.gen)
            for s in range(0, n, wl.batch):
                idx = order[s:s + wl.batch]
                opt.zero_grad()
                loss = loss_fn(model(self.X[idx]), target[idx])
                loss.backward()
                opt.step()
        self.model = model

    def _out(self, X):
        with self.torch.inference_mode():
            z = self.model(self.torch.from_numpy(X))
            return (self.torch.sigmoid(z) if self.wl.output == "sigmoid" else self.torch.softmax(z, 1)).numpy()

    def predict_batch(self, X):
        return self._out(X)

    def predict_one(self, x):
        return self._out(x[None, :])[0]
