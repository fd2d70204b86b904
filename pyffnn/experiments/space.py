"""A sweep's search space: which settings vary, and the list of runs a grid or a random search makes of it.

A space is a dict from a setting to its values::

    {"layers": ["16tanh", "32tanh-32tanh"], "lr": [0.01, 0.001], "optimizer": ["adam", "sgd"], "seed": [0, 1, 2]}

Every value is a list of choices (a single value means one choice).  A random search may also draw a setting from
a distribution: :class:`LogUniform` (the usual choice for a learning rate or an L2 penalty), :class:`Uniform`.
"""
import itertools
import math
from dataclasses import dataclass

import numpy as np

from ..errors import FFNNError

# setting -> (default, what it must be)
SETTINGS = {
    "layers": ("16tanh", "hidden layers such as '16tanh' or '32relu-32relu' ('none' for none)"),
    "lr": (None, "a learning rate > 0 (or None: the optimizer's default)"),
    "batch_size": (32, "a minibatch size >= 1 (or None: the whole training set)"),
    "optimizer": ("adam", "an optimizer name"),
    "l2": (0.0, "an L2 penalty >= 0"),
    "seed": (0, "a seed >= 0 for the weights and the shuffling"),
    "epochs": (None, "a number of epochs >= 1"),
}
ALIASES = {"seeds": "seed", "learning_rate": "lr", "batch": "batch_size", "hidden": "layers"}
METHODS = ("grid", "random")


@dataclass(frozen=True)
class LogUniform:
    """Draw ``exp(uniform(log low, log high))``: every decade between ``low`` and ``high`` equally likely."""

    low: float
    high: float

    def __post_init__(self):
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or not 0 < self.low < self.high:
            raise FFNNError(f"LogUniform({self.low}, {self.high}): need 0 < low < high")

    def draw(self, rng):
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))


@dataclass(frozen=True)
class Uniform:
    """Draw uniformly between ``low`` and ``high``."""

    low: float
    high: float

    def __post_init__(self):
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or not self.low < self.high:
            raise FFNNError(f"Uniform({self.low}, {self.high}): need low < high")

    def draw(self, rng):
        return float(rng.uniform(self.low, self.high))


_DISTRIBUTIONS = (LogUniform, Uniform)


def _check_value(key, value):
    from ..registry.optimizers import NAMES

    if key == "layers":
        if not isinstance(value, str):
            raise FFNNError(f"sweep layers {value!r}: give hidden layers as text, e.g. '16tanh-16tanh'")
        from ..layers import parse_spec
        text = value.strip()
        if text and text.lower() != "none":
            try:
                parse_spec(f"1-{text}-1linear")
            except FFNNError as exc:
                raise FFNNError(f"sweep layers {value!r}: {exc}") from None
        return text
    if key == "optimizer":
        if value not in NAMES:
            raise FFNNError(f"sweep optimizer {value!r}: expected one of {', '.join(NAMES)}")
        return value
    if value is None and key in ("lr", "batch_size"):
        return None
    if key in ("batch_size", "seed", "epochs"):
        low = 0 if key == "seed" else 1
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise FFNNError(f"sweep {key} {value!r}: expected {SETTINGS[key][1]}")
        return int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or value < 0 or (key == "lr" and value == 0):
        raise FFNNError(f"sweep {key} {value!r}: expected {SETTINGS[key][1]}")
    return float(value)


def check_space(space, method="grid"):
    """The space with canonical keys and checked values: ``{key: list of choices or a distribution}``.
    Errors name the setting and say what to write instead."""
    if method not in METHODS:
        raise FFNNError(f"sweep method {method!r}: expected 'grid' or 'random'")
    if not isinstance(space, dict) or not space:
        raise FFNNError("a sweep space is a non-empty dict such as {'lr': [0.01, 0.001], 'seed': [0, 1]}")
    out = {}
    for key, values in space.items():
        name = ALIASES.get(key, key)
        if name not in SETTINGS:
            raise FFNNError(f"sweep setting {key!r} is unknown; the settings are: {', '.join(SETTINGS)}")
        if name in out:
            raise FFNNError(f"sweep setting {name!r} is given twice ({key!r} is another spelling)")
        if isinstance(values, _DISTRIBUTIONS):
            if method == "grid":
                raise FFNNError(f"sweep setting {key!r}: a grid needs a list of values, not {values}; use a random "
                                "search for a distribution")
            if name not in ("lr", "l2"):
                raise FFNNError(f"sweep setting {key!r}: distributions are for lr and l2; give a list of values")
            if name == "lr" and isinstance(values, Uniform) and values.low <= 0:
                raise FFNNError(f"sweep lr {values}: learning rates must be > 0")
            if name == "l2" and values.low < 0:
                raise FFNNError(f"sweep l2 {values}: L2 penalties must be >= 0")
            out[name] = values
            continue
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            values = [values]
        values = list(values)
        if not values:
            raise FFNNError(f"sweep setting {key!r} has no values; give at least one")
        out[name] = [_check_value(name, v) for v in values]
    return out


def grid_size(space):
    """How many runs a grid over ``space`` makes."""
    return math.prod(len(v) for v in check_space(space).values())


def expand(space, method="grid", n_runs=None, random_state=0):
    """The runs of a sweep: a list of dicts ``{setting: value}`` (settings not in the space are left out).

    ``grid``: every combination, in the order the space lists them (the last setting varies fastest).
    ``random``: ``n_runs`` draws, each setting independently (a list: a uniform choice; a distribution: a draw);
    the same ``random_state`` gives the same runs.
    """
    space = check_space(space, method)
    keys = list(space)
    if method == "grid":
        if n_runs is not None:
            raise FFNNError("n_runs is for a random search; a grid runs every combination (method='random' to "
                            "sample n_runs of them)")
        return [dict(zip(keys, combo)) for combo in itertools.product(*(space[k] for k in keys))]
    if isinstance(n_runs, bool) or not isinstance(n_runs, (int, np.integer)) or n_runs < 1:
        raise FFNNError(f"a random search needs n_runs, a positive number of runs; got {n_runs!r}")
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)) or random_state < 0:
        raise FFNNError(f"random_state must be a non-negative integer, got {random_state!r}")
    rng = np.random.default_rng(int(random_state))
    runs = []
    for _ in range(int(n_runs)):
        run = {}
        for k in keys:
            v = space[k]
            run[k] = v.draw(rng) if isinstance(v, _DISTRIBUTIONS) else v[int(rng.integers(len(v)))]
        runs.append(run)
    return runs
