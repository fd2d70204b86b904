"""The experiment being worked on: config, data, network, optimizer and accumulated history (no Qt).

The session builds a ``pyffnn.Network`` whose output layer follows the task (regression → linear + squared error,
binary → sigmoid + cross-entropy, multi-class → softmax + cross-entropy) unless overridden, encodes the targets to
match, and keeps the loss history the worker reports epoch by epoch.
"""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np

from pyffnn_gui.config import ExperimentConfig, LayerSpec
from pyffnn_gui.data_source import PreparedData

HISTORY_KEYS = ("loss", "val_loss", "accuracy", "val_accuracy")
MAX_GRAD_POINTS = 4000      # gradient-norm samples kept; older ones are thinned 2:1 beyond this


class SetupError(ValueError):
    """The chosen architecture/overrides do not fit the data (message is shown in the window)."""


def layer_objects(n_inputs: int, hidden: List[LayerSpec], out_units: int, out_act: str) -> list:
    """The pyffnn layer list ``[n_inputs, Dense/Maxout..., Dense(out)]``."""
    import pyffnn

    layers: list = [int(n_inputs)]
    for spec in hidden:
        if spec.activation == "maxout":
            layers.append(pyffnn.Maxout(spec.units, pieces=spec.pieces, dropout=spec.dropout))
        else:
            layers.append(pyffnn.Dense(spec.units, spec.activation, dropout=spec.dropout))
    layers.append(pyffnn.Dense(out_units, out_act))
    return layers


class Session:
    """Owns the live network and its training state. Only the worker thread touches ``net`` while training."""

    def __init__(self, config: Optional[ExperimentConfig] = None):
        self.config = config or ExperimentConfig()
        self.data: Optional[PreparedData] = None
        self.net = None
        self.optimizer = None
        self._optimizer_key = None
        self.perceptron = None
        self.epochs_done = 0
        self.history: Dict[str, List[float]] = {k: [] for k in HISTORY_KEYS}
        self.grad_norms: List[List[float]] = []     # one row per sample point: per-layer ‖∂E/∂W‖
        self.grad_epochs: List[int] = []
        # Samples done of an epoch that Pause interrupted: not in the history, but in the weights.
        self.partial_samples = 0

    # ------------------------------------------------------------------ building
    def set_data(self, data: PreparedData) -> None:
        self.data = data
        self.rebuild()

    def replace_data(self, data: PreparedData) -> bool:
        """Swap in edited data (painted points) keeping the network, its weights, optimizer and history when the
        inputs and outputs still fit (returns True); otherwise rebuild as :meth:`set_data` does (False)."""
        old = self.data
        if (self.net is not None and old is not None and data.n_inputs == old.n_inputs and data.task == old.task
                and (data.classes or None) == (old.classes or None)):
            self.data = data
            return True
        self.set_data(data)
        return False

    def rebuild(self) -> None:
        """(Re)create the network for the current data and architecture with the training seed."""
        self.install(self.build(self.layers()))

    def layers(self) -> list:
        """The pyffnn layer list of the current data and architecture (checked; building it is :meth:`build`)."""
        if self.data is None:
            raise SetupError("load a data set first")
        import pyffnn

        self.config.network.validate()
        n_classes = 0 if self.data.classes is None else len(self.data.classes)
        try:
            units, act = pyffnn.output_for_task(self.data.task, n_classes, self.data.n_targets,
                                                self.config.network.output_activation)
        except ValueError as exc:
            raise SetupError(str(exc)) from exc
        return layer_objects(self.data.n_inputs, self.config.network.hidden, units, act)

    def build(self, layers: list):
        """A new network of ``layers`` initialised with the training seed; touches no state, so the window may
        call it on a background thread for a large network."""
        import pyffnn

        try:
            return pyffnn.Network(layers, dtype="float64", random_state=self.config.train.seed)
        except ValueError as exc:
            raise SetupError(f"cannot build this network: {exc}") from exc

    def install(self, net) -> None:
        """Make ``net`` (from :meth:`build`) the session's network, with no history."""
        self.net = net
        self.perceptron = None
        self.reset_training(reinitialize=False)    # just built with the seed: the same weights, bit for bit

    def reset_training(self, reinitialize: bool = True) -> None:
        """Re-initialise weights with the seed and forget history and optimizer state."""
        if self.net is not None and reinitialize:
            self.net.reinitialize(random_state=self.config.train.seed)
        self.perceptron = None
        self.optimizer = None
        self._optimizer_key = None
        self.epochs_done = 0
        self.history = {k: [] for k in HISTORY_KEYS}
        self.grad_norms = []
        self.grad_epochs = []
        self.partial_samples = 0

    # ------------------------------------------------------------------ training inputs
    @property
    def out_units(self) -> int:
        return self.net.n_outputs

    def targets(self, y: np.ndarray) -> np.ndarray:
        """``y`` (labels or values) as the targets this network trains on (the library's rule)."""
        import pyffnn

        if self.data.task == "regression":             # values, standardised when the data says so
            y = np.asarray(y, dtype=np.float64)
            pre = self.data.preprocessor
            return y if pre is None else pre.model_targets(y)
        if self.data.task == "multilabel":             # a 0/1 column per label
            return np.asarray(y, dtype=np.float64)
        return pyffnn.label_targets(y, self.net.n_outputs, self.net.output_activation)

    def data_units(self, outputs: np.ndarray) -> np.ndarray:
        """Network outputs of a regression network in the target's own units (undoing the target's
        standardisation, see :meth:`targets`); other outputs as they are."""
        pre = None if self.data is None else self.data.preprocessor
        scaler = None if pre is None or self.data.task != "regression" else pre.target_scaler_
        if scaler is None:
            return outputs
        out = np.asarray(outputs, dtype=np.float64)
        return scaler.inverse_transform(out.reshape(len(out), -1)).reshape(out.shape)

    def get_optimizer(self):
        """The optimizer object, kept across fit calls so its state (momentum, Adam moments) persists."""
        import pyffnn

        tc = self.config.train
        key = (tc.optimizer,)
        if self.optimizer is None or self._optimizer_key != key:
            if tc.optimizer == "rprop":
                self.optimizer = pyffnn.RPROP()
            else:
                self.optimizer = pyffnn.make_optimizer(tc.optimizer, lr=tc.lr)
            self._optimizer_key = key
        elif tc.optimizer != "rprop" and getattr(self.optimizer, "lr", tc.lr) != tc.lr:
            try:
                self.optimizer.lr = tc.lr    # a changed learning rate applies to the next epochs
            except AttributeError:           # read-only lr: start a fresh optimizer with the new rate
                self.optimizer = pyffnn.make_optimizer(tc.optimizer, lr=tc.lr)
        return self.optimizer

    def adopt_optimizer(self, optimizer) -> None:
        """Continue with a restored optimizer object (e.g. from a project) for the current optimizer choice."""
        self.optimizer = optimizer
        self._optimizer_key = (self.config.train.optimizer,)

    def fit_kwargs(self) -> dict:
        """Keyword arguments for ``Network.fit`` (without callbacks/epochs/random_state)."""
        tc = self.config.train
        kw = dict(loss=self.config.network.loss, optimizer=self.get_optimizer(),
                  batch_size=None if tc.batch_size == 0 else int(tc.batch_size), l2=float(tc.l2), shuffle=True)
        if len(self.data.X_val):
            kw["validation_data"] = (self.data.Xs_val, self.targets(self.data.y_val))
        return kw

    # ------------------------------------------------------------------ history
    def append_epochs(self, logs_list: List[dict]) -> None:
        """Accumulate epoch logs reported by the worker."""
        for logs in logs_list:
            for key in HISTORY_KEYS:
                value = logs.get(key)
                self.history[key].append(float(value) if value is not None else np.nan)
            self.epochs_done += 1

    def add_grad_norms(self, samples) -> None:
        """Append ``(epoch, per-layer norms)`` samples; beyond MAX_GRAD_POINTS every other old one is dropped, so
        memory and drawing stay bounded on long runs while the curve keeps covering all epochs."""
        for epoch, norms in samples:
            self.grad_epochs.append(int(epoch))
            self.grad_norms.append(list(norms))
        while len(self.grad_epochs) > MAX_GRAD_POINTS:
            keep = list(range(0, len(self.grad_epochs) - 1, 2)) + [len(self.grad_epochs) - 1]
            self.grad_epochs = [self.grad_epochs[i] for i in keep]
            self.grad_norms = [self.grad_norms[i] for i in keep]

    def history_arrays(self) -> Dict[str, np.ndarray]:
        return {k: np.asarray(v, dtype=np.float64) for k, v in self.history.items()}

    def set_history(self, history: Dict[str, np.ndarray], epochs_done: int) -> None:
        self.history = {k: [float(x) for x in np.asarray(history.get(k, []))] for k in HISTORY_KEYS}
        self.epochs_done = int(epochs_done)

