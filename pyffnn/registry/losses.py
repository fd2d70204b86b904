"""The loss table: one row per loss, with its aliases and the output layer it fits.

Rules, the same in the library, the estimators, the command line and the app:

* ``"auto"`` (or None) pairs the loss with the output layer as the lecture does: each loss has one *fused* output
  activation (linear → squared error, sigmoid → binary cross-entropy, softmax → softmax cross-entropy), whose delta
  the core computes from the logits as ``a − y``; any other output gets the squared error.
* The generic names ``"log_loss"``, ``"cross_entropy"`` and ``"crossentropy"`` mean *the cross-entropy that matches
  the output layer*: binary cross-entropy for sigmoid outputs, softmax cross-entropy for a softmax output.  (They are
  an error for outputs that are not probabilities.)  So ``loss="log_loss"`` is never the wrong loss for the network.
* A specific name (``"bce"``, ``"binary_crossentropy"``, ``"ce"``, ``"categorical_crossentropy"``, …) must fit the
  output layer: binary cross-entropy needs sigmoid outputs, softmax cross-entropy a softmax output; anything else is
  an error that names what fits.  Squared error fits every output.

The C core mirrors this table (``FFNN_LOSSES`` in ``ffnn.h``); ``tests/test_registry.py`` checks the two agree.
"""
from dataclasses import dataclass
from typing import Optional, Tuple

from .._core import lib
from ..errors import FFNNError
from . import activations


@dataclass(frozen=True)
class Loss:
    name: str
    code: int                          # the C core's ffnn_loss code
    fused: str                         # the output activation this loss is fused with (delta a − y from logits)
    outputs: Optional[Tuple[str, ...]]  # the output activations it fits; None: every output
    formula: str                       # per sample; the reported loss is the mean over samples
    label: str
    aliases: Tuple[str, ...] = ()


LOSSES = (
    Loss("mse", lib.FFNN_LOSS_MSE, "linear", None, "½·Σ_k (a_k − y_k)²", "squared error",
         aliases=("squared_error", "squared", "mean_squared_error")),
    Loss("bce", lib.FFNN_LOSS_BCE, "sigmoid", ("sigmoid",), "−Σ_k [y_k ln a_k + (1 − y_k) ln(1 − a_k)]",
         "binary cross-entropy", aliases=("binary_crossentropy", "binary_cross_entropy", "binary_log_loss")),
    Loss("ce", lib.FFNN_LOSS_CE, "softmax", ("softmax",), "−Σ_k y_k ln a_k", "softmax cross-entropy",
         aliases=("categorical_crossentropy", "categorical_cross_entropy")),
)

AUTO = "auto"
MATCHING_CROSS_ENTROPY = ("log_loss", "cross_entropy", "crossentropy")  # the cross-entropy of the output layer

BY_NAME = {row.name: row for row in LOSSES}
ALIASES = {alias: row.name for row in LOSSES for alias in (row.name,) + row.aliases}
NAMES = tuple(BY_NAME)
CODES = {row.name: row.code for row in LOSSES}
# every spelling a user may give, for argparse choices and error messages
CHOICES = (AUTO,) + NAMES + MATCHING_CROSS_ENTROPY + tuple(a for row in LOSSES for a in row.aliases)
AUTO_PAIRS = {row.fused: row.name for row in LOSSES}  # output activation -> its lecture loss


def auto(output_activation):
    """The lecture's loss for an output activation: the loss fused with it, else squared error."""
    return AUTO_PAIRS.get(output_activation, "mse")


def fitting(output_activation):
    """Names of the losses that fit an output activation (the auto one first)."""
    first = auto(output_activation)
    return (first,) + tuple(row.name for row in LOSSES
                            if row.name != first and (row.outputs is None or output_activation in row.outputs))


def resolve(loss, output_activation):
    """The table name ('mse', 'bce' or 'ce') of ``loss`` for a network whose output layer is ``output_activation``.

    ``loss`` is ``"auto"``/None, a table name, an alias or one of :data:`MATCHING_CROSS_ENTROPY` (see the module
    docstring).  An unknown name or a loss that does not fit the output layer is an :class:`FFNNError` that says
    what fits.
    """
    output_activation = activations.canonical(output_activation)
    if loss is None or (isinstance(loss, str) and loss.strip().lower() == AUTO):
        return auto(output_activation)
    key = loss.strip().lower() if isinstance(loss, str) else None
    fits = ", ".join(repr(n) for n in fitting(output_activation))
    if key in MATCHING_CROSS_ENTROPY:
        name = AUTO_PAIRS.get(output_activation)
        if name is None or BY_NAME[name].outputs is None:
            raise FFNNError(f"loss {loss!r} means the cross-entropy matching the output layer (binary for sigmoid, "
                            f"softmax cross-entropy for softmax), but the output layer is {output_activation}, "
                            f"whose outputs are not probabilities; use {fits} or a sigmoid/softmax output layer")
        return name
    name = ALIASES.get(key)
    if name is None:
        raise FFNNError(f"unknown loss {loss!r}; expected 'auto', one of {', '.join(NAMES)} or an alias "
                        f"({', '.join(CHOICES[len(NAMES) + 1:])})")
    row = BY_NAME[name]
    if row.outputs is not None and output_activation not in row.outputs:
        raise FFNNError(f"loss {loss!r} ({row.label}) needs a {' or '.join(row.outputs)} output layer, but the "
                        f"output layer is {output_activation}, which fits {fits} (or 'auto')")
    return name
