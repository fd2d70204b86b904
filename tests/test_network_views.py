"""Public introspection used by the app: per-layer views of flat arrays, gradient norms, one-sample back-prop
trace, and the task → output layer / label → target rules."""
import numpy as np
import pytest

import pyffnn


def _numpy_backprop(net, x, y):
    """Independent reference: the lecture's back-propagation for tanh hidden layers and a sigmoid output with
    binary cross-entropy (δ(L) = a − y), written in numpy."""
    Ws, bs = [W.copy() for W in net.weights], [b.copy() for b in net.biases]
    a = [x]
    for l, (W, b) in enumerate(zip(Ws, bs)):
        z = W @ a[-1] + b
        a.append(1 / (1 + np.exp(-z)) if l == len(Ws) - 1 else np.tanh(z))
    deltas = [None] * len(Ws)
    deltas[-1] = a[-1] - y
    for l in range(len(Ws) - 2, -1, -1):
        deltas[l] = (Ws[l + 1].T @ deltas[l + 1]) * (1 - a[l + 1] ** 2)
    return a, deltas


def test_backprop_trace_matches_numpy_and_loss_and_grad():
    net = pyffnn.Network("3-5tanh-4tanh-1sigmoid", random_state=3)
    x, y = np.array([0.3, -1.2, 0.7]), np.array([1.0])
    trace = net.backprop_trace(x, y)
    a_ref, d_ref = _numpy_backprop(net, x, y)
    for got, ref in zip(trace["a"], a_ref):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
    for got, ref in zip(trace["delta"], d_ref):
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)
    for l, gW in enumerate(trace["grad_W"]):
        np.testing.assert_allclose(gW, np.outer(d_ref[l], a_ref[l]), rtol=1e-10, atol=1e-12)
    value, grad = net.loss_and_grad(net.params, x.reshape(1, -1), y.reshape(1, 1))
    assert trace["loss"] == pytest.approx(value)
    np.testing.assert_array_equal(trace["grad"], grad)


def test_backprop_trace_at_other_params_leaves_weights():
    net = pyffnn.Network("2-3tanh-3softmax", random_state=0)
    before = net.params.copy()
    other = before + 0.1
    trace = net.backprop_trace(np.array([0.5, 0.2]), 2, params=other)
    np.testing.assert_array_equal(net.params, before)
    _, grad = net.loss_and_grad(other, np.array([[0.5, 0.2]]), np.array([2]))
    np.testing.assert_array_equal(trace["grad"], grad)
    assert trace["a"][-1].sum() == pytest.approx(1.0)
    with pytest.raises(pyffnn.FFNNError, match="one sample"):
        net.backprop_trace(np.zeros((2, 2)), np.array([0, 1]))


def test_layer_views_and_grad_norms():
    net = pyffnn.Network("2-4maxout3-2sigmoid", random_state=1)
    flat = np.arange(net.n_params, dtype=float)
    views = net.layer_views(flat)
    assert [W.shape for W, _ in views] == [W.shape for W in net.weights]
    assert np.shares_memory(views[0][0], flat)
    np.testing.assert_array_equal(np.concatenate([np.r_[W.ravel(), b] for W, b in views]), flat)
    assert net.layer_grad_norms(flat) == pytest.approx([np.linalg.norm(W) for W, _ in views])
    with pytest.raises(pyffnn.FFNNError, match="shape"):
        net.layer_views(np.zeros(3))


@pytest.mark.parametrize("task, n_classes, act, expected", [
    ("regression", 0, "auto", (2, "linear")), ("binary", 2, "auto", (1, "sigmoid")),
    ("binary", 2, "softmax", (2, "softmax")), ("multiclass", 4, "auto", (4, "softmax")),
    ("multiclass", 4, "sigmoid", (4, "sigmoid")), ("multilabel", 2, "auto", (2, "sigmoid"))])
def test_output_for_task(task, n_classes, act, expected):
    assert pyffnn.output_for_task(task, n_classes, n_targets=2, activation=act) == expected


def test_output_for_task_errors():
    with pytest.raises(pyffnn.FFNNError, match="softmax"):
        pyffnn.output_for_task("regression", activation="softmax")
    with pytest.raises(pyffnn.FFNNError, match="task"):
        pyffnn.output_for_task("clustering")
    with pytest.raises(pyffnn.FFNNError, match="multi-label"):
        pyffnn.output_for_task("multilabel", n_targets=3, activation="softmax")


def test_label_targets_fit_the_library():
    y = np.array([0, 2, 1])
    np.testing.assert_array_equal(pyffnn.label_targets(y, 3, "softmax"), y)
    np.testing.assert_array_equal(pyffnn.label_targets(y, 3, "sigmoid"), np.eye(3)[y])
    assert pyffnn.label_targets(np.array([0, 1]), 1, "sigmoid").dtype == np.float64
    net = pyffnn.Network("2-3sigmoid", random_state=0)
    net.loss(np.zeros((3, 2)), pyffnn.label_targets(y, 3, "sigmoid"))


def test_parse_spec_is_public():
    n_inputs, layers = pyffnn.parse_spec("2-8tanh-4maxout3-1sigmoid")
    assert n_inputs == 2 and [ly.token() for ly in layers] == ["8tanh", "4maxout3", "1sigmoid"]
