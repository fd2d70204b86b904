"""Training events: the Callback protocol, the CallbackList that ``fit`` dispatches through, History,
LambdaCallback and EarlyStopping.  Learning-rate schedules are in :mod:`pyffnn.training.schedules`, the progress
bar in :mod:`pyffnn.training.progress`.
"""
import math
import warnings

from ..errors import FFNNError


class Callback:
    """Base class for training callbacks.

    Before ``on_train_begin``, ``fit`` sets ``self.network`` (the network being trained), ``self.optimizer`` (the
    optimizer object whose hyper-parameters -- ``lr``, ``momentum``, ``beta1``, ``beta2``, ``l2`` ... -- are read
    again before every chunk of steps, so a callback may change them) and ``self.params`` (a dict: ``epochs``,
    ``initial_epoch``, ``samples``, ``batch_size``, ``verbose``).  Every hook's ``logs`` is optional.

    Set ``self.network.stop_training = True`` in any hook to stop after the current chunk of steps.
    """

    network = None
    optimizer = None
    params = {}

    def on_train_begin(self, logs=None):
        """Called once before the first step; logs hold the fit's settings (optimizer object, loss name, epochs,
        initial_epoch, batch_size, l2, shuffle, random_state, n_samples, n_validation, weighted)."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called before each epoch (``epoch`` counts from ``initial_epoch``); a schedule sets the rate here."""

    def on_chunk_end(self, step, logs=None):
        """Called after each call into the core (a chunk of minibatch steps); logs: loss, epoch, samples."""

    def on_epoch_end(self, epoch, logs=None):
        """Called after each epoch; logs hold loss/accuracy, val_loss/val_accuracy when available, and lr."""

    def on_train_end(self, logs=None):
        """Called once when training ends (normally, by a stop request or early stopping, or by an error)."""


class CallbackList:
    """An ordered list of callbacks that ``fit`` calls as one (like Keras' ``CallbackList``).

    ``CallbackList(callbacks)`` checks that every entry is a :class:`Callback`; ``set_context`` hands each the
    network, optimizer and run parameters; each ``on_*`` method calls the same hook of every callback in order.
    """

    def __init__(self, callbacks=None):
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, (Callback, CallbackList)):
            callbacks = [callbacks] if isinstance(callbacks, Callback) else callbacks.callbacks
        try:
            items = list(callbacks)
        except TypeError:
            raise FFNNError(f"callbacks must be a list of pyffnn.Callback instances, got {callbacks!r}") from None
        for cb in items:
            if not isinstance(cb, Callback):
                raise FFNNError(f"callbacks must be pyffnn.Callback instances, got {cb!r}")
        self.callbacks = items

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    def append(self, callback):
        if not isinstance(callback, Callback):
            raise FFNNError(f"callbacks must be pyffnn.Callback instances, got {callback!r}")
        self.callbacks.append(callback)

    def insert(self, index, callback):
        if not isinstance(callback, Callback):
            raise FFNNError(f"callbacks must be pyffnn.Callback instances, got {callback!r}")
        self.callbacks.insert(index, callback)

    def set_context(self, network, optimizer, params):
        for cb in self.callbacks:
            cb.network, cb.optimizer, cb.params = network, optimizer, dict(params)

    def on_train_begin(self, logs=None):
        for cb in self.callbacks:
            cb.on_train_begin({} if logs is None else logs)

    def on_epoch_begin(self, epoch, logs=None):
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, {} if logs is None else logs)

    def on_chunk_end(self, step, logs=None):
        for cb in self.callbacks:
            cb.on_chunk_end(step, {} if logs is None else logs)

    def on_epoch_end(self, epoch, logs=None):
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, {} if logs is None else logs)

    def on_train_end(self, logs=None):
        for cb in self.callbacks:
            cb.on_train_end({} if logs is None else logs)


class History(Callback):
    """Per-epoch metrics of a ``fit``: ``history[name]`` lists, ``epoch`` indices, ``stopped_early``.

    ``fit`` puts one at the front of its callback list and returns it; ``history["lr"]`` is the learning rate each
    epoch trained with (for optimizers that have one).
    """

    def __init__(self):
        self.history = {}
        self.epoch = []
        self.stopped_early = False

    def on_epoch_end(self, epoch, logs=None):
        self.record(epoch, logs or {})

    def record(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key):
        return self.history[key]

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={sorted(self.history)})"


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, on_train_begin=None, on_epoch_begin=None, on_chunk_end=None, on_epoch_end=None,
                 on_train_end=None):
        for name, fn in (("on_train_begin", on_train_begin), ("on_epoch_begin", on_epoch_begin),
                         ("on_chunk_end", on_chunk_end), ("on_epoch_end", on_epoch_end),
                         ("on_train_end", on_train_end)):
            if fn is not None:
                setattr(self, name, fn)


class MonitorCallback(Callback):
    """Base of callbacks that watch one epoch metric (``monitor``) for improvement, as Keras' do.

    ``mode="auto"`` maximises metrics whose name contains "acc" and minimises the rest.  When ``monitor`` is not
    in an epoch's logs (a typo, or a ``val_*`` metric without validation data) it warns once per ``fit``, naming
    the metrics that are there, and does nothing else.
    """

    def __init__(self, monitor, mode, min_delta):
        if not isinstance(monitor, str) or not monitor:
            raise FFNNError(f"monitor must be the name of an epoch metric such as 'val_loss', got {monitor!r}")
        if mode not in ("auto", "min", "max"):
            raise FFNNError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        try:
            min_delta = abs(float(min_delta))
        except (TypeError, ValueError):
            raise FFNNError(f"min_delta must be a number, got {min_delta!r}") from None
        self.monitor, self.min_delta = monitor, min_delta
        self.mode = ("max" if "acc" in monitor else "min") if mode == "auto" else mode
        self._warned = False

    def on_train_begin(self, logs=None):
        self._warned = False

    def monitored_value(self, logs):
        """The monitored metric from ``logs``, or None (with a one-time warning) when it is absent or not finite."""
        value = (logs or {}).get(self.monitor)
        if value is None:
            if not self._warned:
                self._warned = True
                available = ", ".join(sorted(logs or {})) or "none"
                hint = " (val_* metrics need validation_data or validation_split)" \
                    if self.monitor.startswith("val_") else ""
                warnings.warn(f"{type(self).__name__} is conditioned on metric {self.monitor!r}, which is not "
                              f"available{hint}; available metrics are: {available}", RuntimeWarning, stacklevel=2)
            return None
        value = float(value)
        return value if math.isfinite(value) else None

    def improved(self, value, best):
        """True when ``value`` beats ``best`` (None: nothing yet) by more than ``min_delta``."""
        if best is None:
            return True
        if self.mode == "min":
            return value < best - self.min_delta
        return value > best + self.min_delta


class EarlyStopping(MonitorCallback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights`` the network ends with the weights of the best epoch.  A ``monitor`` missing from
    the logs gives one warning naming the available metrics (and training runs every epoch).
    """

    def __init__(self, monitor="val_loss", patience=10, min_delta=0.0, restore_best_weights=True, mode="auto"):
        super().__init__(monitor, mode, min_delta)
        self.patience = int(patience)
        self.restore_best_weights = restore_best_weights
        self.best, self.best_epoch, self.best_params, self.wait, self.stopped_epoch = None, None, None, 0, None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.best, self.best_epoch, self.best_params, self.wait, self.stopped_epoch = None, None, None, 0, None

    def on_epoch_end(self, epoch, logs=None):
        value = self.monitored_value(logs)
        if value is None:
            return
        if self.improved(value, self.best):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_params = self.network.params.copy()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.network.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch is not None and self.restore_best_weights and self.best_params is not None:
            self.network.params[:] = self.best_params
