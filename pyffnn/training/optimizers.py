"""Optimizers over the flat parameter buffer.  Each object keeps its own state between ``fit`` calls.

The names ("sgd", "momentum", "adam", ...), their presets and tunable ranges are rows of the optimizer table,
:mod:`pyffnn.registry.optimizers`, which also holds ``make_optimizer``.
"""
import inspect

import numpy as np

from .._binding import check, ffi, func, lib, ptr, wptr
from ..errors import FFNNError
from ..validation import check_int, check_positive, check_real, check_representable


class Configurable:
    """``get_config`` / ``from_config`` (Keras-style) for every optimizer class of the table, including L-BFGS."""

    @classmethod
    def config_keys(cls):
        """The hyper-parameter names of this class: its ``__init__`` arguments, which ``get_config`` returns."""
        return tuple(name for name in inspect.signature(cls.__init__).parameters if name != "self")

    def get_config(self):
        """The class name and hyper-parameters as a JSON-ready dict, Keras-style.

        ``Optimizer.from_config(opt.get_config())`` builds an equal optimizer with fresh state; the state itself
        (moments, step sizes) is ``opt.state`` / ``opt.iterations`` and goes back with ``load_state``.
        """
        config = {"class": type(self).__name__}
        for key in self.config_keys():
            value = getattr(self, key)
            if isinstance(value, (bool, np.bool_)):
                config[key] = bool(value)
            elif isinstance(value, (int, np.integer)):
                config[key] = int(value)
            else:
                config[key] = check_real(value, key, finite=False)
        return config

    @classmethod
    def from_config(cls, config):
        """A new optimizer from :meth:`get_config` output.  On ``Optimizer`` any class of the optimizer table is
        built; on a class (``Adam.from_config``) ``"class"`` may be left out and must name that class if given.

        Unknown classes or settings are an :class:`FFNNError` naming the valid ones; values are checked as the
        constructor checks them.
        """
        from ..registry.optimizers import CLASSES

        if not isinstance(config, dict):
            raise FFNNError(f"an optimizer config must be a dict like {{'class': 'Adam', 'lr': 0.001}}, "
                            f"got {type(config).__name__}")
        settings = dict(config)
        name = settings.pop("class", None)
        concrete = cls in CLASSES.values()
        target = cls
        if name is not None:
            target = CLASSES.get(name) if isinstance(name, str) else None
            if target is None or (concrete and not issubclass(target, cls)):
                valid = [n for n, c in CLASSES.items() if not concrete or issubclass(c, cls)]
                raise FFNNError(f"unknown optimizer class {name!r} in the config; expected one of {', '.join(valid)}")
        elif not concrete:
            raise FFNNError("the optimizer config has no 'class' entry; expected e.g. {'class': 'Adam', 'lr': 0.001}")
        unknown = sorted(set(settings) - set(target.config_keys()), key=str)
        if unknown:
            raise FFNNError(f"unknown {target.__name__} setting(s) {', '.join(map(repr, unknown))} in the config; "
                            f"expected {', '.join(target.config_keys())}")
        return target(**settings)


class Optimizer(Configurable):
    """Base class: holds the C settings struct and the state buffer (sized on first use).

    Hyper-parameters are plain attributes (``lr``, ``momentum``, ``beta1``, ...; ``l2`` and ``l1``, the weight
    penalty ½·l2·ΣW² + l1·Σ|W| added to the loss, weights only, not biases; L1's subgradient at an exact 0 is 0).
    ``fit`` reads them before every chunk of steps, so changing one from a callback (or from another thread, as the
    app does) takes effect within one chunk; a bad value is an error there.
    """

    kind = None
    has_learning_rate = True  # False for optimizers without a global step size (RPROP)
    l2 = 0.0
    l1 = 0.0

    def __init__(self, l2=0.0, l1=0.0):
        self.l2, self.l1 = l2, l1
        self._c = ffi.new("ffnn_optimizer *")
        self._c.kind = self.kind
        self._state = None

    def _settings(self):
        raise NotImplementedError

    def reset(self):
        """Forget the accumulated state (velocities, moments, step sizes)."""
        self._state = None
        self._c.t = 0
        self._loaded = False

    @property
    def iterations(self):
        """Number of steps taken since creation or the last reset (Adam's bias correction uses it)."""
        return int(self._c.t)

    @iterations.setter
    def iterations(self, value):
        self._c.t = check_int(value, "iterations", 0, 2**62)

    def load_state(self, state, iterations):
        """Restore a state saved from ``opt.state`` and ``opt.iterations`` (e.g. to resume a saved experiment).

        The state's size must match ``prepare(n_params, dtype)`` for the network it will train.
        """
        state = np.array(state, copy=True)
        if state.ndim != 1 or state.dtype not in (np.float32, np.float64) or not np.isfinite(state).all():
            raise FFNNError("optimizer state must be a finite 1-D float32 or float64 array")
        self._settings()
        self._state = np.ascontiguousarray(state)
        self.iterations = iterations
        self._loaded = True  # prepare() must use this state, not quietly replace it

    _C_FIELDS = ("lr", "momentum", "beta1", "beta2", "eps", "eta_plus", "eta_minus", "step_min", "step_max",
                 "step_init")

    def _check_precision(self, dtype):
        """The core computes in ``dtype``: refuse a setting that float32 would round into another meaning."""
        for field in self._C_FIELDS:
            value = float(getattr(self._c, field))
            if value and not (self.kind == lib.FFNN_OPT_RPROP and field == "lr"):
                check_representable(value, dtype, field)

    def prepare(self, n_params, dtype):
        """Read the hyper-parameters into the C settings and make sure the state fits a network of ``n_params``
        parameters of ``dtype``; returns the C struct."""
        self._settings()
        self.l2 = check_real(self.l2, "l2", low=0)
        self.l1 = check_real(self.l1, "l1", low=0)
        self._check_precision(dtype)
        size = max(lib.ffnn_optimizer_state_size(self.kind, n_params), 1)  # never a zero-length buffer
        if getattr(self, "_loaded", False) and self._state is not None:
            if self._state.size != size:
                raise FFNNError(f"the loaded optimizer state has {self._state.size} values but this network "
                                f"({n_params} parameters) needs {size}; it was saved for a different network")
            self._state = self._state.astype(dtype, copy=False)
        elif self._state is None or self._state.size != size or self._state.dtype != np.dtype(dtype):
            self._state = np.zeros(size, dtype=dtype)
            self._c.t = 0
        self._loaded = False
        return self._c

    @property
    def state(self):
        return self._state

    def step(self, params, grads):
        """Apply one update to ``params`` (in place) from ``grads``."""
        if not isinstance(params, np.ndarray) or params.ndim != 1 or params.dtype not in (np.float32, np.float64) \
                or not params.flags.c_contiguous or not params.flags.writeable:
            raise FFNNError("params must be a writeable C-contiguous 1-D float32 or float64 array (updated in place)")
        grads = np.ascontiguousarray(grads)
        if grads.shape != params.shape or grads.dtype != params.dtype:
            raise FFNNError(f"grads must match params: shape {params.shape} {params.dtype}, got shape {grads.shape} "
                            f"{grads.dtype}")
        self.prepare(params.size, params.dtype)
        check(func("ffnn_step", params.dtype)(self._c, wptr(params), ptr(grads), wptr(self._state), params.size),
              "optimizer step")

    def __getstate__(self):
        d = {k: v for k, v in self.__dict__.items() if k != "_c"}
        d["_t"] = int(self._c.t)
        return d

    def __setstate__(self, d):
        t = d.pop("_t", 0)
        self.__dict__.update(d)
        self._c = ffi.new("ffnn_optimizer *")
        self._c.kind = self.kind
        self._c.t = t


class SGD(Optimizer):
    """Gradient descent ``w ← w − lr·∇E``, optionally with (Nesterov) momentum ``v ← μv − lr·∇E``."""

    def __init__(self, lr=0.01, momentum=0.0, nesterov=False, l2=0.0, l1=0.0):
        self.lr, self.momentum, self.nesterov = lr, momentum, nesterov
        self.kind = lib.FFNN_OPT_SGD
        super().__init__(l2, l1)
        self._settings()

    def _settings(self):
        lr = check_positive(self.lr, "learning rate")
        mu = check_real(self.momentum, "momentum")
        if not 0 <= mu < 1:
            raise FFNNError(f"momentum must be in [0, 1), got {mu}")
        if self.nesterov and mu == 0:
            raise FFNNError("nesterov=True needs a momentum > 0")
        kind = lib.FFNN_OPT_NESTEROV if self.nesterov else (lib.FFNN_OPT_MOMENTUM if mu > 0 else lib.FFNN_OPT_SGD)
        if kind != self.kind:
            self.kind, self._state = kind, None
        self._c.kind, self._c.lr, self._c.momentum = kind, lr, mu

    def __repr__(self):
        return f"SGD(lr={self.lr}, momentum={self.momentum}, nesterov={self.nesterov})"


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias-corrected first and second moments."""

    kind = lib.FFNN_OPT_ADAM

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, l2=0.0, l1=0.0):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        super().__init__(l2, l1)
        self._settings()

    def _settings(self):
        self._c.lr = check_positive(self.lr, "learning rate")
        for name in ("beta1", "beta2"):
            if not 0 <= check_real(getattr(self, name), f"Adam {name}") < 1:
                raise FFNNError(f"Adam {name} must be in [0, 1), got {getattr(self, name)}")
        self._c.beta1, self._c.beta2 = float(self.beta1), float(self.beta2)
        self._c.eps = check_positive(self.eps, "Adam eps")

    def __repr__(self):
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps})"


class RPROP(Optimizer):
    """Resilient back-propagation (iRprop−): per-weight step sizes driven by the gradient's sign only.

    Meant for full-batch training (``batch_size=None``); on minibatches the sign flips are noisy.
    """

    kind = lib.FFNN_OPT_RPROP
    has_learning_rate = False

    def __init__(self, eta_plus=1.2, eta_minus=0.5, step_init=0.0125, step_min=1e-6, step_max=50.0, l2=0.0,
                 l1=0.0):
        self.eta_plus, self.eta_minus = eta_plus, eta_minus
        self.step_init, self.step_min, self.step_max = step_init, step_min, step_max
        super().__init__(l2, l1)
        self._settings()

    def _settings(self):
        if not 1 <= check_real(self.eta_plus, "RPROP eta_plus") < np.inf:
            raise FFNNError(f"RPROP eta_plus must be a finite number >= 1, got {self.eta_plus}")
        if not 0 < check_real(self.eta_minus, "RPROP eta_minus") < 1:
            raise FFNNError(f"RPROP eta_minus must be in (0, 1), got {self.eta_minus}")
        if not 0 <= check_real(self.step_min, "RPROP step_min") <= check_real(self.step_max, "RPROP step_max") < np.inf:
            raise FFNNError("RPROP needs 0 <= step_min <= step_max < inf, got step_min="
                              f"{self.step_min}, step_max={self.step_max}")
        self._c.eta_plus, self._c.eta_minus = float(self.eta_plus), float(self.eta_minus)
        self._c.step_min, self._c.step_max = float(self.step_min), float(self.step_max)
        self._c.step_init = check_positive(self.step_init, "RPROP step_init")
        self._c.lr = 1.0

    @property
    def lr(self):
        return self.step_init

    def __repr__(self):
        return (f"RPROP(eta_plus={self.eta_plus}, eta_minus={self.eta_minus}, step_init={self.step_init}, "
                f"step_min={self.step_min}, step_max={self.step_max})")
