"""The optimizer table: one row per optimizer name, with its class and the hyper-parameters a user tunes.

A row is what ``optimizer="momentum"`` means: a class (:class:`~pyffnn.SGD`, :class:`~pyffnn.Adam`,
:class:`~pyffnn.RPROP`), preset values on top of the class defaults (momentum=0.9 for "momentum"), the C core's
optimizer code, and the hyper-parameters the command line and the app offer, each with its range.  The defaults are
the classes' own (their ``__init__`` defaults plus the preset), so there is one source for every default.

The C core mirrors the names and codes (``FFNN_OPTIMIZERS`` in ``ffnn.h``); ``tests/test_registry.py`` checks them
and that every class refuses values outside the ranges listed here.
"""
import math
from dataclasses import dataclass, field
from typing import Optional, Tuple

from .._core import lib
from ..errors import FFNNError
from ..training.lbfgs import LBFGS
from ..training.optimizers import RPROP, SGD, Adam, Optimizer


@dataclass(frozen=True)
class HyperParameter:
    """A tunable setting: real numbers (or integers, when ``kind`` is int) in [low, high] (an end is left out when
    its ``*_open`` flag is set), or a bool when ``kind`` is bool.  ``log``: the app's control moves on a log
    scale."""

    name: str
    label: str
    low: Optional[float] = None
    high: Optional[float] = None
    low_open: bool = False
    high_open: bool = False
    kind: type = float
    log: bool = False

    def range_text(self):
        """The range as a reader writes it, e.g. "(0, inf)" or "[0, 1)"."""
        if self.kind is bool:
            return "True or False"
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        return f"{'(' if self.low_open or self.low is None else '['}{lo}, {hi}" \
               f"{')' if self.high_open or self.high is None else ']'}"

    def contains(self, value):
        """True when ``value`` lies in the range (or is a bool, for a bool parameter)."""
        if self.kind is bool:
            return isinstance(value, bool)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return False
        if self.kind is int and value != int(value):
            return False
        above = self.low is None or (value > self.low if self.low_open else value >= self.low)
        below = self.high is None or (value < self.high if self.high_open else value <= self.high)
        return above and below


LR = HyperParameter("lr", "learning rate", low=0.0, low_open=True, log=True)
MOMENTUM = HyperParameter("momentum", "momentum μ", low=0.0, high=1.0, high_open=True)
NESTEROV_MOMENTUM = HyperParameter("momentum", "momentum μ", low=0.0, high=1.0, low_open=True, high_open=True)
BETA1 = HyperParameter("beta1", "β1 (first-moment decay)", low=0.0, high=1.0, high_open=True)
BETA2 = HyperParameter("beta2", "β2 (second-moment decay)", low=0.0, high=1.0, high_open=True)
EPS = HyperParameter("eps", "ε (denominator constant)", low=0.0, low_open=True, log=True)
ETA_PLUS = HyperParameter("eta_plus", "η+ (step growth)", low=1.0)
ETA_MINUS = HyperParameter("eta_minus", "η− (step shrink)", low=0.0, high=1.0, low_open=True, high_open=True)
STEP_INIT = HyperParameter("step_init", "initial step", low=0.0, low_open=True, log=True)
STEP_MIN = HyperParameter("step_min", "smallest step", low=0.0, log=True)
STEP_MAX = HyperParameter("step_max", "largest step", low=0.0, log=True)
TOL = HyperParameter("tol", "gradient tolerance", low=0.0, low_open=True, log=True)
MAX_FUN = HyperParameter("max_fun", "loss evaluations at most", low=1, kind=int, log=True)
MEMORY = HyperParameter("memory", "correction pairs kept", low=1, kind=int)


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer name: ``make()`` builds it; ``parameters`` are the settings the CLI and the app offer."""

    name: str
    label: str
    cls: type
    code: Optional[int]                          # the C core's ffnn_optimizer_kind; None: runs in Python (scipy)
    parameters: Tuple[HyperParameter, ...]
    preset: dict = field(default_factory=dict)   # values that make this name out of its class
    aliases: Tuple[str, ...] = ()
    lr_name: Optional[str] = "lr"                # the setting ``make_optimizer(name, lr=...)`` sets (None: no step)
    doc: str = ""

    def make(self, **settings):
        """A new optimizer of this row: class defaults, then the preset, then ``settings``."""
        unknown = sorted(set(settings) - set(self.cls.config_keys()))
        if unknown:
            raise FFNNError(f"{self.name} has no setting {', '.join(unknown)}; its settings are "
                            f"{', '.join(self.cls.config_keys())}")
        return self.cls(**{**self.preset, **settings})

    def defaults(self):
        """``{name: default}`` of the row's tunable parameters (from the class and the preset)."""
        config = self.make().get_config()
        return {p.name: config[p.name] for p in self.parameters}


OPTIMIZERS = (
    OptimizerSpec("sgd", "Gradient descent", SGD, lib.FFNN_OPT_SGD, (LR,), aliases=("gd", "gradient_descent"),
                  doc="w ← w − lr·∇E"),
    OptimizerSpec("momentum", "Momentum", SGD, lib.FFNN_OPT_MOMENTUM, (LR, MOMENTUM), preset={"momentum": 0.9},
                  doc="v ← μv − lr·∇E, w ← w + v"),
    OptimizerSpec("nesterov", "Nesterov momentum", SGD, lib.FFNN_OPT_NESTEROV, (LR, NESTEROV_MOMENTUM),
                  preset={"momentum": 0.9, "nesterov": True}, doc="momentum with the look-ahead gradient"),
    OptimizerSpec("adam", "Adam", Adam, lib.FFNN_OPT_ADAM, (LR, BETA1, BETA2, EPS),
                  doc="bias-corrected first and second moments (Kingma & Ba)"),
    OptimizerSpec("rprop", "RPROP", RPROP, lib.FFNN_OPT_RPROP, (STEP_INIT, ETA_PLUS, ETA_MINUS, STEP_MIN, STEP_MAX),
                  aliases=("irprop", "irprop-"), lr_name="step_init",
                  doc="iRprop−: per-weight steps from the gradient's sign; meant for full batches"),
    OptimizerSpec("lbfgs", "L-BFGS", LBFGS, None, (TOL, MAX_FUN, MEMORY), aliases=("l-bfgs", "l-bfgs-b"),
                  lr_name=None, doc="limited-memory BFGS on the full batch (scipy); one iteration per epoch"),
)

BY_NAME = {row.name: row for row in OPTIMIZERS}
ALIASES = {alias: row.name for row in OPTIMIZERS for alias in (row.name,) + row.aliases}
NAMES = tuple(BY_NAME)
CLASSES = {row.cls.__name__: row.cls for row in OPTIMIZERS}


def get(name):
    """The row of optimizer ``name`` (or an alias, any case); an unknown name is an FFNNError listing the names."""
    key = ALIASES.get(name.strip().lower()) if isinstance(name, str) else None
    if key is None:
        raise FFNNError(f"unknown optimizer {name!r}; expected one of {', '.join(NAMES)} or an Optimizer")
    return BY_NAME[key]


def make_optimizer(name, lr=None):
    """Build an optimizer from a name: sgd, momentum, nesterov, adam, rprop or lbfgs (``lr`` overrides the default
    step: the learning rate, or RPROP's initial step; L-BFGS has none).  An optimizer object is returned as it is."""
    if isinstance(name, (Optimizer, LBFGS)):
        return name
    row = get(name)
    if lr is None:
        return row.make()
    if row.lr_name is None:
        raise FFNNError(f"{row.label} takes no learning rate (its line search chooses each step); leave lr unset")
    return row.make(**{row.lr_name: lr})
