"""The activation table: one row per activation, read by every other part of pyffnn.

Each :class:`Activation` row holds everything the library knows about one activation: its name and aliases, the C
core's code, where it may sit (hidden and/or output layer), the weight-initialisation rule, whether its outputs are
probabilities, the formula (text for the docs, numpy for plots and references), how ONNX export writes it and how
PyTorch interop builds and reads it.  The binding, the layer parser, the estimators, ONNX export, torch interop, the
command line and the app look activations up here and nowhere else; the C core has the mirror table (``ffnn.h``)
and ``tests/test_registry.py`` checks the two against each other row by row.

Adding an activation: a row in the C table plus its forward/backward formulas (``csrc/tmpl_act_formulas.h``), then
one row here (see ``docs/DEVELOPING.md``).
"""
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import numpy as np

from .._core import lib
from ..errors import FFNNError

HIDDEN, OUTPUT = "hidden", "output"


@dataclass(frozen=True)
class Activation:
    """One activation.  The callables are small adapters, documented on the fields."""

    name: str
    code: int                                   # the C core's ffnn_activation code
    positions: Tuple[str, ...]                  # HIDDEN and/or OUTPUT
    init: str                                   # "glorot" or "he": uniform initial weights (the C core draws them)
    formula: str                                # a = f(z), for the docs and the app
    numpy: Callable                             # f over a numpy array z (softmax: over the last axis; maxout:
                                                # max over the last axis, which holds the pieces)
    onnx: Optional[Callable]                    # (graph, z, out, layer) -> output name; None: no op (linear)
    torch: Optional[Callable]                   # (nn, layer, dtype) -> the module after Linear; None: none
    torch_type: Optional[str]                   # the torch.nn class from_torch reads back (None: see from_torch)
    torch_check: Optional[Callable] = None      # (module) -> None, or the reason the module's settings differ
    aliases: Tuple[str, ...] = ()
    probability: bool = False                   # outputs lie in (0, 1): the cross-entropy losses need that
    label: str = ""                             # short description for menus and --help
    sklearn: Optional[str] = None               # scikit-learn's name where it differs (out_activation_)

    @property
    def hidden(self):
        return HIDDEN in self.positions

    @property
    def output(self):
        return OUTPUT in self.positions


def _sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softplus_module(nn, layer, dtype):
    # torch's Softplus returns x itself above `threshold`; the default 20 is off by log1p(exp(-20)) ≈ 2e-9,
    # too much for float64.  Above 40 the difference is below float64 resolution.
    return nn.Softplus(beta=1.0, threshold=20.0 if np.dtype(dtype) == np.float32 else 40.0)


def _softmax_check(module):
    return None if module.dim in (-1, 1, None) else "Softmax must be over the last dimension (dim=-1)"


def _maxout_onnx(g, z, out, layer):
    shape = g.const(f"{out}_shape", np.array([-1, layer.units, layer.pieces], dtype=np.int64))
    return g.reduce_max_last(g.node("Reshape", [z, shape], f"{out}_pieces"), out)


def _maxout_module(nn, layer, dtype):
    from ..interop.torch_interop import MaxoutPool
    return MaxoutPool(layer.units, layer.pieces)


def _op(op_type, **attrs):
    """ONNX builder for an activation that is a single ONNX operator."""
    return lambda g, z, out, layer: g.node(op_type, [z], out, **attrs)


def _piecewise_onnx(g, z, out, below):
    """where(z > 0, z, below(z)) from primitive operators (all of which onnxruntime runs in double)."""
    zero = g.const(f"{out}_zero", np.array(0.0, dtype=g.dtype))
    return g.node("Where", [g.node("Greater", [z, zero], f"{out}_pos"), z, below(g, z, out)], out)


def _leaky_relu_onnx(g, z, out, layer):
    """LeakyRelu(alpha=0.01); in float64 from primitives: onnxruntime's double LeakyRelu takes alpha as a float."""
    if g.dtype == np.float32:
        return g.node("LeakyRelu", [z], out, alpha=0.01)
    return _piecewise_onnx(g, z, out, lambda g, z, out: g.node(
        "Mul", [z, g.const(f"{out}_slope", np.array(0.01, dtype=g.dtype))], f"{out}_below"))


def _elu_onnx(g, z, out, layer):
    """Elu(alpha=1); onnxruntime has no double Elu, so float64 is where(z > 0, z, exp(z) - 1)."""
    if g.dtype == np.float32:
        return g.node("Elu", [z], out, alpha=1.0)
    return _piecewise_onnx(g, z, out, lambda g, z, out: g.node(
        "Sub", [g.node("Exp", [z], f"{out}_exp"), g.const(f"{out}_one", np.array(1.0, dtype=g.dtype))],
        f"{out}_below"))


def _slope_check(name, attr, value):
    return lambda m: None if getattr(m, attr) == value else f"only {name} with {attr}={value} is supported"


ACTIVATIONS = (
    Activation("linear", lib.FFNN_LINEAR, (HIDDEN, OUTPUT), "glorot", "a = z",
               numpy=lambda z: np.asarray(z, dtype=float), onnx=None, torch=None, torch_type="Identity",
               aliases=("identity",), label="no activation", sklearn="identity"),
    Activation("sigmoid", lib.FFNN_SIGMOID, (HIDDEN, OUTPUT), "glorot", "a = 1 / (1 + exp(-z))",
               numpy=_sigmoid, onnx=_op("Sigmoid"), torch=lambda nn, layer, dtype: nn.Sigmoid(),
               torch_type="Sigmoid", aliases=("logistic",), probability=True, label="logistic", sklearn="logistic"),
    Activation("tanh", lib.FFNN_TANH, (HIDDEN, OUTPUT), "glorot", "a = tanh(z)",
               numpy=np.tanh, onnx=_op("Tanh"), torch=lambda nn, layer, dtype: nn.Tanh(), torch_type="Tanh",
               label="hyperbolic tangent"),
    Activation("relu", lib.FFNN_RELU, (HIDDEN, OUTPUT), "he", "a = max(z, 0)",
               numpy=lambda z: np.maximum(z, 0.0), onnx=_op("Relu"), torch=lambda nn, layer, dtype: nn.ReLU(),
               torch_type="ReLU", label="rectified linear"),
    Activation("leaky_relu", lib.FFNN_LEAKY_RELU, (HIDDEN, OUTPUT), "he", "a = z if z > 0 else 0.01 z",
               numpy=lambda z: np.where(np.asarray(z, dtype=float) > 0, z, 0.01 * np.asarray(z, dtype=float)),
               onnx=_leaky_relu_onnx, torch=lambda nn, layer, dtype: nn.LeakyReLU(negative_slope=0.01),
               torch_type="LeakyReLU", torch_check=_slope_check("LeakyReLU", "negative_slope", 0.01),
               label="relu with slope 0.01 below 0"),
    Activation("elu", lib.FFNN_ELU, (HIDDEN, OUTPUT), "he", "a = z if z > 0 else exp(z) - 1",
               numpy=lambda z: np.where(np.asarray(z, dtype=float) > 0, z, np.expm1(np.minimum(z, 0.0))),
               onnx=_elu_onnx, torch=lambda nn, layer, dtype: nn.ELU(alpha=1.0), torch_type="ELU",
               torch_check=_slope_check("ELU", "alpha", 1.0), label="exponential linear unit"),
    Activation("softplus", lib.FFNN_SOFTPLUS, (HIDDEN, OUTPUT), "he", "a = ln(1 + exp(z))",
               numpy=lambda z: np.logaddexp(0.0, z), onnx=lambda g, z, out, layer: g.softplus(z, out),
               torch=_softplus_module, torch_type="Softplus",
               torch_check=lambda m: None if m.beta == 1 else "only Softplus with beta=1 is supported",
               label="smooth relu"),
    Activation("softmax", lib.FFNN_SOFTMAX, (OUTPUT,), "glorot", "a_k = exp(z_k) / Σ_j exp(z_j)",
               numpy=_softmax, onnx=_op("Softmax", axis=-1), torch=lambda nn, layer, dtype: nn.Softmax(dim=-1),
               torch_type="Softmax", torch_check=_softmax_check, probability=True, label="class probabilities"),
    Activation("maxout", lib.FFNN_MAXOUT, (HIDDEN,), "he", "a_u = max_j z_(u,j) over the unit's pieces",
               numpy=lambda z: np.max(z, axis=-1), onnx=_maxout_onnx, torch=_maxout_module, torch_type=None,
               label="max of linear pieces"),
)

BY_NAME = {row.name: row for row in ACTIVATIONS}
ALIASES = {alias: row.name for row in ACTIVATIONS for alias in (row.name,) + row.aliases}
NAMES = tuple(BY_NAME)
HIDDEN_NAMES = tuple(row.name for row in ACTIVATIONS if row.hidden)
OUTPUT_NAMES = tuple(row.name for row in ACTIVATIONS if row.output)
CODES = {row.name: row.code for row in ACTIVATIONS}


def get(name, position=None):
    """The row of activation ``name`` (aliases such as "logistic" accepted, any case).

    With ``position`` ("hidden" or "output") the activation must be allowed there.  An unknown name, or one not
    allowed at that position, is an :class:`FFNNError` listing the valid names.
    """
    key = ALIASES.get(name.strip().lower()) if isinstance(name, str) else None
    if key is None:
        valid = NAMES if position is None else (HIDDEN_NAMES if position == HIDDEN else OUTPUT_NAMES)
        raise FFNNError(f"unknown {position + ' ' if position else ''}activation {name!r}; expected one of "
                        f"{', '.join(valid)}")
    row = BY_NAME[key]
    if position is not None and position not in row.positions:
        where = "the output layer" if row.positions == (OUTPUT,) else "hidden layers"
        valid = HIDDEN_NAMES if position == HIDDEN else OUTPUT_NAMES
        article = "the" if position == OUTPUT else "a"
        raise FFNNError(f"{row.name} is only allowed on {where}; {article} {position} layer takes one of "
                        f"{', '.join(valid)}")
    return row


def canonical(name, position=None):
    """The activation's table name for ``name`` or one of its aliases (see :func:`get`)."""
    return get(name, position).name
