"""ONNX export: every layer kind, both dtypes, run with onnxruntime and compared with Network.predict."""
import sys

import numpy as np
import pytest

import pyffnn
from pyffnn.interop.onnx_export import build_onnx_model, export_onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

SPECS = [
    "3-4",                                   # a single linear layer
    "3-6sigmoid-1sigmoid",
    "3-6tanh-2linear",
    "3-7relu-5softplus-4softmax",
    "3-5maxout3-4maxout2-2softmax",
    "3-8tanh-5maxout3-6relu-4softplus-7sigmoid-3linear",
    "3-5softplus",                           # softplus on the output layer
]
TOL = {"float32": dict(rtol=1e-5, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-10)}


def _data(dtype, n=41):
    # wide inputs reach the saturated parts of every activation (softplus for large |x| in particular)
    return (np.random.default_rng(7).normal(size=(n, 3)) * 6).astype(dtype)


def _run(path, X):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(["output"], {"input": X})[0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("opset", [13, 17, 18])
def test_onnxruntime_matches_predict(tmp_path, spec, dtype, opset):
    net = pyffnn.Network(spec, dtype=dtype, random_state=3)
    # non-zero biases so a dropped or misplaced bias would show
    for b in net.biases:
        b[:] = np.linspace(-0.5, 0.5, b.size)
    X = _data(dtype)
    path = tmp_path / "net.onnx"
    model = export_onnx(net, path, opset=opset)
    assert model.opset_import[0].version == opset
    out = _run(path, X)
    assert out.dtype == np.dtype(dtype)
    assert out.shape == (X.shape[0], net.n_outputs)
    np.testing.assert_allclose(out, net.predict(X), **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_dimension_is_dynamic_and_names_are_fixed(tmp_path, dtype):
    net = pyffnn.Network("3-5maxout2-3softmax", dtype=dtype, random_state=0)
    path = tmp_path / "m.onnx"
    net.to_onnx(path)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["input"]
    assert [o.name for o in sess.get_outputs()] == ["output"]
    assert sess.get_inputs()[0].shape[1] == 3 and not isinstance(sess.get_inputs()[0].shape[0], int)
    for n in (1, 2, 300):
        X = _data(dtype, n)
        np.testing.assert_allclose(sess.run(None, {"input": X})[0], net.predict(X), **TOL[dtype])


def test_model_records_spec_and_passes_checker():
    net = pyffnn.Network("2-4tanh-1sigmoid", random_state=0)
    model = build_onnx_model(net)
    onnx.checker.check_model(model)
    props = {p.key: p.value for p in model.metadata_props}
    assert props["pyffnn_spec"] == net.spec
    assert model.producer_name == "pyffnn"
    ops = [n.op_type for n in model.graph.node]
    assert ops == ["Gemm", "Tanh", "Gemm", "Sigmoid"]
    gemm = model.graph.node[0]
    assert {a.name: a.i for a in gemm.attribute}["transB"] == 1


def test_maxout_graph_shape():
    model = build_onnx_model(pyffnn.Network("2-4maxout3-1", random_state=0), opset=18)
    assert [n.op_type for n in model.graph.node] == ["Gemm", "Reshape", "ReduceMax", "Gemm"]
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    assert weights["layer1_W"].shape == (12, 2)  # units*pieces rows, as pyffnn stores W


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::Warning")
def test_trained_estimator_exports(tmp_path):
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    clf = pyffnn.FFNNClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0).fit(X, y)
    path = tmp_path / "iris.onnx"
    clf.network_.to_onnx(path)
    np.testing.assert_allclose(_run(path, X), clf.predict_proba(X), rtol=1e-10, atol=1e-10)


def test_bad_opset_raises():
    net = pyffnn.Network("2-1", random_state=0)
    for opset in (7, 10_000, "17", 17.0):
        with pytest.raises(pyffnn.FFNNError, match="opset"):
            build_onnx_model(net, opset=opset)


def test_missing_onnx_gives_install_hint(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)  # makes `import onnx` raise ImportError
    with pytest.raises(ImportError, match=r"pip install pyffnn\[onnx\]"):
        pyffnn.Network("2-1", random_state=0).to_onnx(tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()
