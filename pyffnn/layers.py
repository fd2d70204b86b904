"""Layer specifications and the compact architecture string ("2-8tanh-8tanh-1sigmoid").

A hidden layer's dropout rate follows its token: ``"64relu0.2"`` (a Dense layer: the rate is the number with a
point after the activation), ``"8maxout3@0.2"`` (after a maxout layer's piece count, behind ``@``; ``"64relu@0.2"``
is read too).
"""
import re
from dataclasses import dataclass

import numpy as np

from .errors import FFNNError
from .registry import activations as _table
from .validation import check_int, check_real

# names a Dense layer takes (maxout is its own layer kind, Maxout), in table order
ACTIVATIONS = tuple(name for name in _table.NAMES if name != "maxout")
OUTPUT_ACTIVATIONS = _table.OUTPUT_NAMES
MAX_UNITS = 2**31 - 1  # the core's layer table holds sizes as int32


def _positive_int(value, what):
    return check_int(value, what, 1, MAX_UNITS)


def _dropout_rate(value, what):
    rate = check_real(value, f"{what} dropout")
    if not 0 <= rate < 1:
        raise FFNNError(f"{what} dropout must be a rate in [0, 1) (the fraction of outputs dropped while training), "
                        f"got {value!r}")
    return rate


def _rate_text(rate):
    """The shortest positional spelling that reads back as the same float ("0.2", "0.00001"; never "1e-05", whose
    minus sign would split the architecture string)."""
    return np.format_float_positional(rate, trim="-")


@dataclass(frozen=True)
class Dense:
    """A fully connected layer of ``units`` neurons: a(l+1) = activation(W(l) a(l) + w0(l)).

    ``dropout`` (hidden layers only, in [0, 1)): while training, each output is dropped with that probability and
    the kept ones are scaled by 1/(1 - dropout) (inverted dropout, masks from the fit's seeded generator);
    prediction, evaluation and exports never drop.
    """

    units: int
    activation: str = "linear"
    dropout: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "units", _positive_int(self.units, "Dense units"))
        object.__setattr__(self, "dropout", _dropout_rate(self.dropout, "Dense"))
        act = _table.ALIASES.get(self.activation.strip().lower()) if isinstance(self.activation, str) else None
        if act is None or act == "maxout":
            raise FFNNError(f"unknown activation {self.activation!r}; expected one of {', '.join(ACTIVATIONS)}"
                            " (or use Maxout(units, pieces))")
        object.__setattr__(self, "activation", act)

    @property
    def pieces(self):
        return 1

    def token(self):
        return f"{self.units}{self.activation}" + (_rate_text(self.dropout) if self.dropout else "")


@dataclass(frozen=True)
class Maxout:
    """A maxout hidden layer: each of ``units`` neurons outputs the max of ``pieces`` linear pieces; ``dropout`` as
    for :class:`Dense`."""

    units: int
    pieces: int = 2
    dropout: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "units", _positive_int(self.units, "Maxout units"))
        object.__setattr__(self, "dropout", _dropout_rate(self.dropout, "Maxout"))
        object.__setattr__(self, "pieces", _positive_int(self.pieces, "Maxout pieces"))
        if self.units * self.pieces > MAX_UNITS:
            raise FFNNError(f"Maxout units x pieces must be at most {MAX_UNITS}, got {self.units} x {self.pieces}")

    @property
    def activation(self):
        return "maxout"

    def token(self):
        return f"{self.units}maxout{self.pieces}" + (f"@{_rate_text(self.dropout)}" if self.dropout else "")


# units, activation, maxout pieces, then a dropout rate: "@0.2" after anything, or "0.2" (with a point) directly
_TOKEN = re.compile(r"^\s*(\d+)\s*([a-z_]*)\s*(?:(\d*\.\d+|\d+\.)|(\d*)\s*(?:@\s*(\d*\.?\d*))?)\s*$")


def parse_spec(spec):
    """Parse "2-8tanh-8maxout3-1sigmoid" into (n_inputs, [layers])."""
    if not isinstance(spec, str) or not spec.strip():
        raise FFNNError(f"architecture string must be non-empty, like '2-8tanh-1sigmoid', got {spec!r}")
    parts = spec.strip().lower().split("-")
    if len(parts) < 2:
        raise FFNNError(f"architecture {spec!r} needs an input size and at least one layer, like '2-8tanh-1sigmoid'")
    first = _TOKEN.match(parts[0])
    if not first or first.group(2) or first.group(3):
        raise FFNNError(f"architecture {spec!r}: the first part must be the number of inputs, got {parts[0]!r}")
    n_inputs = _positive_int(int(first.group(1)), "number of inputs")
    layers = []
    for part in parts[1:]:
        m = _TOKEN.match(part)
        if not m:
            raise FFNNError(f"architecture {spec!r}: cannot read layer {part!r}; expected <units><activation>,"
                            " e.g. '8tanh' or '8maxout3'")
        units, act, pieces = int(m.group(1)), m.group(2) or "linear", m.group(4)
        rate = m.group(3) if m.group(3) is not None else m.group(5)
        if rate is not None and rate in ("", "."):
            raise FFNNError(f"architecture {spec!r}: layer {part!r} has '@' but no dropout rate; write e.g. "
                            "'64relu@0.2' or '64relu0.2'")
        rate = float(rate) if rate else 0.0
        if act == "maxout":
            if m.group(3) is not None:
                raise FFNNError(f"architecture {spec!r}: write a maxout layer's dropout after its piece count and "
                                f"'@', e.g. '8maxout3@0.2', got {part!r}")
            layers.append(Maxout(units, int(pieces) if pieces else 2, rate))
        elif pieces:
            raise FFNNError(f"architecture {spec!r}: only maxout takes a piece count, got {part!r} (a dropout rate "
                            "is written with a point, e.g. '64relu0.2')")
        else:
            layers.append(Dense(units, act, rate))
    return n_inputs, layers


def format_spec(n_inputs, layers):
    """The compact string for an input size and a layer list."""
    return "-".join([str(n_inputs)] + [ly.token() for ly in layers])


def normalize_layers(layers):
    """Accept a spec string or [n_inputs, Dense(...), ...]; return (n_inputs, tuple(layers)) after checking."""
    if isinstance(layers, str):
        n_inputs, specs = parse_spec(layers)
    else:
        try:
            items = list(layers)
        except TypeError:
            raise FFNNError("layers must be a string like '2-8tanh-1sigmoid' or a list "
                            "[n_inputs, Dense(...), ...]") from None
        if len(items) < 2:
            raise FFNNError("layers list needs the input size first and at least one layer, "
                            "e.g. [2, Dense(8, 'tanh'), Dense(1, 'sigmoid')]")
        n_inputs = _positive_int(items[0], "number of inputs (first element of the layer list)")
        specs = []
        for item in items[1:]:
            if not isinstance(item, (Dense, Maxout)):
                raise FFNNError(f"layer list entries after the input size must be Dense or Maxout, got {item!r}")
            specs.append(item)
    for i, ly in enumerate(specs):
        _table.get(ly.activation, _table.OUTPUT if i == len(specs) - 1 else _table.HIDDEN)
    if specs[-1].dropout:
        raise FFNNError(f"dropout is for hidden layers; the output layer {specs[-1].token()!r} has dropout "
                        f"{specs[-1].dropout}")
    return n_inputs, tuple(specs)
