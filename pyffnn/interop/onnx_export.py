"""Export a :class:`pyffnn.Network` to an ONNX model (``Network.to_onnx`` calls :func:`export_onnx`).

The graph mirrors the lecture's layer equation a(l+1) = σ(W(l) a(l) + w0(l)) one layer at a time:

* ``Gemm(a, W, w0, transB=1)`` with ``W`` stored as pyffnn keeps it, shape (rows, n_in);
* then the activation, as its row in :mod:`pyffnn.registry.activations` writes it: ``Sigmoid``, ``Tanh``, ``Relu``,
  ``Softplus``, ``Softmax(axis=-1)``, nothing for linear;
* a maxout layer of ``units`` units with ``k`` pieces is ``Gemm`` (units·k rows) → ``Reshape (N, units, k)``
  → ``ReduceMax`` over the pieces (axis 2, keepdims=0).  pyffnn stores the k pieces of unit u in rows
  u·k … u·k+k−1, so a row-major reshape groups them correctly.

Float32 networks give a float32 model, float64 networks a float64 model.  The batch dimension is dynamic;
the input is named ``"input"`` (N, n_inputs) and the output ``"output"`` (N, n_outputs).

Needs the optional ``onnx`` package (``pip install pyffnn[onnx]``); onnxruntime is only needed to run the model.
"""

import numpy as np

from ..errors import FFNNError
from ..fileio import atomic_write
from ..registry import activations

DEFAULT_OPSET = 17
MIN_OPSET = 13  # Softmax over one axis (axis=-1) as pyffnn computes it


def _require_onnx():
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise ImportError("ONNX export needs the 'onnx' package: pip install pyffnn[onnx] "
                          "(or pip install onnx)") from None
    return onnx, helper, numpy_helper


def _check_opset(opset, onnx):
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)):
        raise FFNNError(f"opset must be an int, got {opset!r}")
    newest = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= opset <= newest:
        raise FFNNError(f"opset must be between {MIN_OPSET} and {newest} (the newest this onnx package knows), "
                        f"got {opset}")
    return int(opset)


class _GraphBuilder:
    """Collects nodes and initializers with unique names."""

    def __init__(self, helper, numpy_helper, elem_type, dtype, opset):
        self.helper, self.numpy_helper = helper, numpy_helper
        self.elem_type, self.dtype, self.opset = elem_type, dtype, opset
        self.nodes, self.initializers = [], []

    def const(self, name, array):
        self.initializers.append(self.numpy_helper.from_array(np.asarray(array), name=name))
        return name

    def node(self, op, inputs, output, **attrs):
        self.nodes.append(self.helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def softplus(self, x, output):
        """softplus(x); onnxruntime has no double Softplus, so float64 uses max(x,0) + log(1 + exp(-|x|))."""
        if self.dtype == np.float32:
            return self.node("Softplus", [x], output)
        prefix = output
        one = self.const(f"{prefix}_one", np.array(1.0, dtype=self.dtype))
        neg_abs = self.node("Neg", [self.node("Abs", [x], f"{prefix}_abs")], f"{prefix}_negabs")
        log_term = self.node("Log", [self.node("Add", [self.node("Exp", [neg_abs], f"{prefix}_exp"), one],
                                               f"{prefix}_1pexp")], f"{prefix}_log1pexp")
        return self.node("Add", [self.node("Relu", [x], f"{prefix}_relu"), log_term], output)

    def reduce_max_last(self, x, output):
        """Max over axis 2 without keeping it; ReduceMax takes axes as an input from opset 18 on."""
        if self.opset >= 18:
            axes = self.const(f"{output}_axes", np.array([2], dtype=np.int64))
            return self.node("ReduceMax", [x, axes], output, keepdims=0)
        return self.node("ReduceMax", [x], output, axes=[2], keepdims=0)


def build_onnx_model(net, opset=DEFAULT_OPSET):
    """The ``onnx.ModelProto`` of ``net`` (checked with ``onnx.checker``), without writing it anywhere."""
    onnx, helper, numpy_helper = _require_onnx()
    opset = _check_opset(opset, onnx)
    dtype = np.dtype(net.dtype).type
    elem_type = onnx.TensorProto.FLOAT if dtype == np.float32 else onnx.TensorProto.DOUBLE
    g = _GraphBuilder(helper, numpy_helper, elem_type, dtype, opset)

    x = "input"
    n_layers = len(net.layers)
    for l, (layer, W, b) in enumerate(zip(net.layers, net.weights, net.biases)):
        p = f"layer{l + 1}"
        last = l == n_layers - 1
        w_name = g.const(f"{p}_W", np.array(W, dtype=dtype))
        b_name = g.const(f"{p}_b", np.array(b, dtype=dtype))
        row = activations.get(layer.activation)
        final = "output" if last else f"{p}_a"
        z = g.node("Gemm", [x, w_name, b_name], final if row.onnx is None else f"{p}_z", transB=1)
        x = z if row.onnx is None else row.onnx(g, z, final, layer)

    graph = helper.make_graph(
        g.nodes, "pyffnn_network",
        [helper.make_tensor_value_info("input", elem_type, ["N", net.n_inputs])],
        [helper.make_tensor_value_info("output", elem_type, ["N", net.n_outputs])],
        initializer=g.initializers)
    opsets = [helper.make_opsetid("", opset)]
    kwargs = {}
    if hasattr(helper, "find_min_ir_version_for"):  # oldest IR that has the opset: readable by older runtimes
        kwargs["ir_version"] = helper.find_min_ir_version_for(opsets)
    from .. import __version__
    model = helper.make_model(graph, opset_imports=opsets, producer_name="pyffnn", producer_version=__version__,
                              doc_string=f"pyffnn network {net.spec}", **kwargs)
    helper.set_model_props(model, {"pyffnn_spec": net.spec})
    onnx.checker.check_model(model)
    return model


def export_onnx(net, path, opset=DEFAULT_OPSET):
    """Write ``net`` as an ONNX model to ``path`` (atomically) and return the ``onnx.ModelProto``.

    Run it with onnxruntime: ``InferenceSession(path).run(["output"], {"input": X})`` with X of the network's
    dtype; the result matches ``net.predict(X)``.
    """
    model = build_onnx_model(net, opset=opset)
    atomic_write(path, lambda fh: fh.write(model.SerializeToString()))
    return model
