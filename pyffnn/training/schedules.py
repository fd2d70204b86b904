"""Learning-rate schedules as callbacks, with Keras' formulas.

The core runs many minibatch steps per call, so a schedule sets the optimizer's ``lr`` at the start of each epoch
(``on_epoch_begin``), and Keras' ``step`` is the epoch number here (counted from 0, continuing from
``initial_epoch`` when a checkpoint is resumed):

* :class:`LearningRateScheduler` -- ``lr = schedule(epoch, lr)``, Keras' callback of that name;
* :class:`StepDecay` -- ``lr0 · drop^floor(epoch / every)``;
* :class:`ExponentialDecay` -- ``lr0 · decay_rate^(epoch / decay_steps)`` (floor of the exponent with
  ``staircase=True``), Keras' ``ExponentialDecay``;
* :class:`CosineDecay` -- Keras' ``CosineDecay``: a linear warm-up from ``lr0`` to ``warmup_target`` over
  ``warmup_steps`` epochs, then ``peak · ((1 − alpha) · ½(1 + cos(π · min(e, decay_steps) / decay_steps)) + alpha)``
  with ``e`` the epochs since the warm-up and ``peak`` = ``warmup_target`` (``lr0`` without warm-up);
* :class:`ReduceLROnPlateau` -- Keras' callback: multiply the rate by ``factor`` when ``monitor`` has not improved
  by ``min_delta`` for ``patience`` epochs, then wait ``cooldown`` epochs; never below ``min_lr``.

``lr0`` (``initial_lr``) defaults to the optimizer's ``lr`` when training begins at epoch 0; a fit that starts later
(``initial_epoch > 0``, resuming a checkpoint) needs it given, since the optimizer's ``lr`` is then already scheduled.
"""
import math

from ..errors import FFNNError
from .callbacks import Callback, MonitorCallback


def _number(value, name, low=None, low_open=False, high=None, high_open=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise FFNNError(f"{name} must be a number, got {value!r}")
    value = float(value)
    ok = math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        lo = "" if low is None else f"{'>' if low_open else '>='} {low}"
        hi = "" if high is None else f"{'<' if high_open else '<='} {high}"
        raise FFNNError(f"{name} must be a finite number {' and '.join(p for p in (lo, hi) if p)}, got {value}")
    return value


def _steps(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, int) and not hasattr(value, "__index__"):
        raise FFNNError(f"{name} must be an integer >= {minimum}, got {value!r}")
    value = int(value)
    if value < minimum:
        raise FFNNError(f"{name} must be an integer >= {minimum}, got {value}")
    return value


class _Schedule(Callback):
    """A schedule ``lr = rate(epoch)`` applied at the start of each epoch; ``rate`` is the formula."""

    def __init__(self, initial_lr=None):
        self.initial_lr = None if initial_lr is None else _number(initial_lr, "initial_lr", 0, low_open=True)
        self._lr0 = self.initial_lr

    def _check_optimizer(self):
        if not getattr(self.optimizer, "has_learning_rate", False):
            raise FFNNError(f"{type(self).__name__} schedules a learning rate, but {type(self.optimizer).__name__} "
                            "has none; use it with sgd, momentum, nesterov or adam")

    def on_train_begin(self, logs=None):
        self._check_optimizer()
        if self.initial_lr is None and self.params.get("initial_epoch", 0) > 0:
            raise FFNNError(f"{type(self).__name__} needs initial_lr= when training starts at epoch "
                            f"{self.params['initial_epoch'] + 1}: the optimizer's lr is already a scheduled one, "
                            "not the rate the schedule started from")
        self._lr0 = float(self.optimizer.lr) if self.initial_lr is None else self.initial_lr

    def on_epoch_begin(self, epoch, logs=None):
        rate = self.rate(epoch)
        if not rate > 0:
            raise FFNNError(f"{type(self).__name__} gives a learning rate of {rate:g} for epoch {epoch + 1}, and "
                            "training needs one > 0 (e.g. CosineDecay with alpha=0 past decay_steps); use alpha > 0 "
                            "or more decay_steps")
        self.optimizer.lr = rate

    def rate(self, epoch):
        raise NotImplementedError


class LearningRateScheduler(_Schedule):
    """``lr = schedule(epoch, lr)`` before every epoch (Keras' ``LearningRateScheduler``)."""

    def __init__(self, schedule):
        if not callable(schedule):
            raise FFNNError(f"schedule must be a function (epoch, lr) -> lr, got {schedule!r}")
        super().__init__()
        self.schedule = schedule

    def rate(self, epoch):
        return _number(self.schedule(epoch, float(self.optimizer.lr)), "the schedule's learning rate", 0,
                       low_open=True)


class StepDecay(_Schedule):
    """``lr = initial_lr · drop^floor(epoch / every)``: the rate is multiplied by ``drop`` every ``every`` epochs."""

    def __init__(self, drop=0.5, every=10, initial_lr=None):
        super().__init__(initial_lr)
        self.drop = _number(drop, "drop", 0, low_open=True, high=1)
        self.every = _steps(every, "every", 1)

    def rate(self, epoch):
        return self._lr0 * self.drop ** (epoch // self.every)


class ExponentialDecay(_Schedule):
    """Keras' ``ExponentialDecay``: ``lr = initial_lr · decay_rate^(epoch / decay_steps)``, the exponent floored
    with ``staircase=True``."""

    def __init__(self, decay_steps, decay_rate, staircase=False, initial_lr=None):
        super().__init__(initial_lr)
        self.decay_steps = _number(decay_steps, "decay_steps", 0, low_open=True)
        self.decay_rate = _number(decay_rate, "decay_rate", 0, low_open=True)
        self.staircase = bool(staircase)

    def rate(self, epoch):
        p = epoch / self.decay_steps
        return self._lr0 * self.decay_rate ** (math.floor(p) if self.staircase else p)


class CosineDecay(_Schedule):
    """Keras' ``CosineDecay`` with optional linear warm-up (see the module docstring for the formula).

    ``decay_steps`` epochs of cosine decay to ``alpha`` times the peak rate, after ``warmup_steps`` epochs of
    linear warm-up from ``initial_lr`` to ``warmup_target`` (no warm-up when ``warmup_target`` is None).
    """

    def __init__(self, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0, initial_lr=None):
        super().__init__(initial_lr)
        self.decay_steps = _steps(decay_steps, "decay_steps", 1)
        self.alpha = _number(alpha, "alpha", 0, high=1)
        self.warmup_target = None if warmup_target is None else _number(warmup_target, "warmup_target", 0,
                                                                        low_open=True)
        self.warmup_steps = _steps(warmup_steps, "warmup_steps", 0)
        if self.warmup_target is not None and self.warmup_steps == 0:
            raise FFNNError("warmup_target needs warmup_steps >= 1 (the epochs of the warm-up)")

    def _decay(self, step, peak):
        completed = min(step, self.decay_steps) / self.decay_steps
        return peak * ((1 - self.alpha) * 0.5 * (1.0 + math.cos(math.pi * completed)) + self.alpha)

    def rate(self, epoch):
        if self.warmup_target is None:
            return self._decay(epoch, self._lr0)
        if epoch < self.warmup_steps:
            return self._lr0 + (self.warmup_target - self._lr0) * epoch / self.warmup_steps
        return self._decay(epoch - self.warmup_steps, self.warmup_target)


class ReduceLROnPlateau(MonitorCallback):
    """Keras' ``ReduceLROnPlateau``: ``lr = max(lr · factor, min_lr)`` once ``monitor`` has not improved by more
    than ``min_delta`` for ``patience`` epochs; then ``cooldown`` epochs pass before counting again.  A
    ``monitor`` missing from the logs gives one warning naming the available metrics."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, mode="auto", min_delta=1e-4, cooldown=0,
                 min_lr=0.0):
        super().__init__(monitor, mode, min_delta)
        self.factor = _number(factor, "factor", 0, low_open=True, high=1, high_open=True)
        self.patience = _steps(patience, "patience", 0)
        self.cooldown = _steps(cooldown, "cooldown", 0)
        self.min_lr = _number(min_lr, "min_lr", 0)
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if not getattr(self.optimizer, "has_learning_rate", False):
            raise FFNNError(f"ReduceLROnPlateau changes a learning rate, but {type(self.optimizer).__name__} has "
                            "none; use it with sgd, momentum, nesterov or adam")
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        value = self.monitored_value(logs)
        if value is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.improved(value, self.best):
            self.best, self.wait = value, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = float(self.optimizer.lr)
                if old > self.min_lr:
                    self.optimizer.lr = max(old * self.factor, self.min_lr)
                    self.cooldown_counter, self.wait = self.cooldown, 0
