"""Training events: the History record, the Callback protocol, LambdaCallback and EarlyStopping."""
import math


class History:
    """Per-epoch metrics of a ``fit``: ``history[name]`` lists, ``epoch`` indices, ``stopped_early``."""

    def __init__(self):
        self.history = {}
        self.epoch = []
        self.stopped_early = False

    def record(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key):
        return self.history[key]

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={sorted(self.history)})"


class Callback:
    """Base class for training callbacks.  ``fit`` sets ``self.network`` before ``on_train_begin``.

    Set ``self.network.stop_training = True`` in any hook to stop after the current chunk of steps.
    """

    network = None

    def on_train_begin(self, logs):
        """Called once before the first step; logs hold the fit's settings (optimizer object, loss name, epochs,
        batch_size, l2, shuffle, random_state, n_samples, n_validation, weighted)."""

    def on_chunk_end(self, step, logs):
        """Called after each call into the core (a chunk of minibatch steps); logs: loss, epoch, samples."""

    def on_epoch_end(self, epoch, logs):
        """Called after each epoch; logs hold loss/accuracy and val_loss/val_accuracy when available."""

    def on_train_end(self, logs):
        """Called once when training ends (normally, by a stop request or early stopping)."""


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, on_train_begin=None, on_chunk_end=None, on_epoch_end=None, on_train_end=None):
        for name, fn in (("on_train_begin", on_train_begin), ("on_chunk_end", on_chunk_end),
                         ("on_epoch_end", on_epoch_end), ("on_train_end", on_train_end)):
            if fn is not None:
                setattr(self, name, fn)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights`` the network ends with the weights of the best epoch.
    """

    def __init__(self, monitor="val_loss", patience=10, min_delta=0.0, restore_best_weights=True, mode="auto"):
        self.monitor, self.patience, self.min_delta = monitor, int(patience), abs(float(min_delta))
        self.restore_best_weights = restore_best_weights
        self.mode = ("max" if "acc" in monitor else "min") if mode == "auto" else mode
        self.best, self.best_epoch, self.best_params, self.wait, self.stopped_epoch = None, None, None, 0, None

    def on_train_begin(self, logs):
        self.best, self.best_epoch, self.best_params, self.wait, self.stopped_epoch = None, None, None, 0, None

    def _improved(self, value):
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs):
        value = logs.get(self.monitor)
        if value is None or not math.isfinite(value):
            return
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_params = self.network.params.copy()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.network.stop_training = True

    def on_train_end(self, logs):
        if self.stopped_epoch is not None and self.restore_best_weights and self.best_params is not None:
            self.network.params[:] = self.best_params
