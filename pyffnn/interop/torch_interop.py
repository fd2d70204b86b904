"""Convert between :class:`pyffnn.Network` and ``torch.nn.Sequential``.

``to_torch(net)`` gives ``Sequential(Linear, activation, Linear, activation, ...)`` with the same weights
(``Linear.weight`` has pyffnn's layout, (rows, n_in)) and the network's dtype; a linear layer has no activation
module.  A maxout layer becomes ``Linear(n_in, units * pieces)`` followed by :class:`MaxoutPool`.

``from_torch(seq)`` reads such a stack back: each ``nn.Linear`` optionally followed by one activation module, as the
activation table (:mod:`pyffnn.registry.activations`) lists them: ``nn.Sigmoid``, ``nn.Tanh``, ``nn.ReLU``,
``nn.Softplus`` (beta=1), ``nn.Softmax`` (last dimension, output layer only), ``nn.Identity`` or :class:`MaxoutPool`
(hidden only).  Nested ``Sequential`` containers are flattened.
Anything else raises :class:`pyffnn.FFNNError` naming the module.

PyTorch is optional; importing this module works without it, the functions raise ImportError.
"""
import numpy as np

from ..errors import FFNNError
from ..layers import Dense, Maxout
from ..registry import activations

try:
    import torch
    from torch import nn
except ImportError:  # pragma: no cover - exercised only without torch
    torch = nn = None

__all__ = ["to_torch", "from_torch", "MaxoutPool"]

_TORCH_DTYPES = {"float32": "float32", "float64": "float64"}


def _require_torch():
    if torch is None:
        raise ImportError("pyffnn.torch_interop needs PyTorch: pip install torch")


if nn is not None:

    class MaxoutPool(nn.Module):
        """Maxout over groups of ``pieces`` consecutive features: (N, units*pieces) -> (N, units).

        Unit ``u`` takes the max of features ``u*pieces .. u*pieces+pieces-1``, pyffnn's row layout.
        """

        def __init__(self, units, pieces):
            super().__init__()
            self.units, self.pieces = int(units), int(pieces)

        def forward(self, x):
            return x.reshape(*x.shape[:-1], self.units, self.pieces).amax(dim=-1)

        def extra_repr(self):
            return f"units={self.units}, pieces={self.pieces}"

else:  # pragma: no cover
    MaxoutPool = None


def _activation_module(layer, dtype):
    """The torch module after a layer's Linear (from the activation's table row), or None for a linear layer."""
    row = activations.get(layer.activation)
    return None if row.torch is None else row.torch(nn, layer, dtype)


def to_torch(net):
    """A ``torch.nn.Sequential`` computing ``net.predict`` (weights copied, same dtype as the network)."""
    _require_torch()
    dtype = np.dtype(net.dtype)
    tdtype = getattr(torch, dtype.name)
    modules = []
    for layer, W, b in zip(net.layers, net.weights, net.biases):
        rows, n_in = W.shape
        linear = nn.Linear(n_in, rows, bias=True, dtype=tdtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.array(W)))
            linear.bias.copy_(torch.from_numpy(np.array(b)))
        modules.append(linear)
        act = _activation_module(layer, dtype.type)
        if act is not None:
            modules.append(act)
    return nn.Sequential(*modules)


def _flatten(module):
    if isinstance(module, nn.Sequential):
        for child in module:
            yield from _flatten(child)
    else:
        yield module


def _read_activation(module, position):
    """pyffnn activation name for a torch activation module (or raise), from the activation table's torch_type."""
    for row in activations.ACTIVATIONS:
        if row.torch_type is not None and isinstance(module, getattr(nn, row.torch_type)):
            problem = row.torch_check(module) if row.torch_check is not None else None
            if problem:
                raise FFNNError(f"module {position} ({module!r}): {problem}")
            return row.name
    readable = ", ".join(row.torch_type for row in activations.ACTIVATIONS if row.torch_type)
    raise FFNNError(f"module {position} ({type(module).__name__}) is not supported; expected Linear layers each "
                    f"followed by at most one of {readable} or pyffnn.torch_interop.MaxoutPool")


def from_torch(seq, n_inputs=None):
    """A :class:`pyffnn.Network` with the layers and weights of ``seq`` (an ``nn.Sequential``).

    ``n_inputs``, if given, must equal the first Linear's ``in_features`` (a check, not a conversion).
    The dtype is the Linear weights' (float32 or float64).
    """
    _require_torch()
    from ..network import Network

    if not isinstance(seq, nn.Module):
        raise FFNNError(f"from_torch expects a torch.nn.Sequential, got {type(seq).__name__}")
    modules = list(_flatten(seq))
    layers, params, dtype, i = [], [], None, 0
    while i < len(modules):
        linear = modules[i]
        if not isinstance(linear, nn.Linear):
            _read_activation(linear, i)  # raises for modules that are not supported at all
            raise FFNNError(f"module {i} ({type(linear).__name__}) is an activation without a Linear layer "
                            "before it; expected Linear, activation, Linear, activation, ...")
        if isinstance(linear, nn.modules.lazy.LazyModuleMixin):
            raise FFNNError(f"module {i} is an uninitialised LazyLinear; run a forward pass first")
        w = linear.weight.detach().cpu()
        if w.dtype not in (torch.float32, torch.float64):
            raise FFNNError(f"module {i}: weights are {w.dtype}; only float32 and float64 are supported")
        if dtype is None:
            dtype = str(w.dtype).replace("torch.", "")
        elif str(w.dtype).replace("torch.", "") != dtype:
            raise FFNNError(f"module {i}: weights are {w.dtype} but earlier layers are {dtype}; use one dtype")
        if layers and layers[-1][0] != linear.in_features:
            raise FFNNError(f"module {i}: Linear expects {linear.in_features} inputs but the previous layer gives "
                            f"{layers[-1][0]}")
        act_name, pieces = "linear", 1
        if i + 1 < len(modules) and not isinstance(modules[i + 1], nn.Linear):
            nxt = modules[i + 1]
            if MaxoutPool is not None and isinstance(nxt, MaxoutPool):
                if nxt.units * nxt.pieces != linear.out_features:
                    raise FFNNError(f"module {i + 1}: MaxoutPool(units={nxt.units}, pieces={nxt.pieces}) needs "
                                    f"{nxt.units * nxt.pieces} inputs but the Linear before it has "
                                    f"{linear.out_features} outputs")
                act_name, pieces = "maxout", nxt.pieces
            else:
                act_name = _read_activation(nxt, i + 1)
            i += 1
        units = linear.out_features // pieces
        bias = linear.bias.detach().cpu().numpy() if linear.bias is not None else \
            np.zeros(linear.out_features, dtype=dtype)
        layers.append((units, act_name, pieces, linear.in_features))
        params.append((w.numpy(), bias))
        i += 1
    if not layers:
        raise FFNNError("from_torch: the module holds no Linear layers")
    first_in = layers[0][3]
    if n_inputs is not None and n_inputs != first_in:
        raise FFNNError(f"n_inputs={n_inputs} but the first Linear layer takes {first_in} inputs")
    spec = [first_in] + [Maxout(u, k) if a == "maxout" else Dense(u, a) for u, a, k, _ in layers]
    net = Network(spec, dtype=_TORCH_DTYPES[dtype], random_state=0)
    for W, b, (w, bias) in zip(net.weights, net.biases, params):
        W[...] = w
        b[...] = bias
    return net
