"""Back-propagation against central finite differences, for every activation, layer kind and loss."""
import zlib

import numpy as np
import pytest

import pyffnn
from pyffnn.registry import activations, losses
from reference import numeric_gradient

# every row of the tables: each hidden activation, and each output activation with every loss that fits it
HIDDEN = list(activations.HIDDEN_NAMES)
OUTPUT_LOSS = [(out, loss) for out in activations.OUTPUT_NAMES for loss in losses.fitting(out)]


def random_spec(rng, hidden_act, out_act):
    n_in = int(rng.integers(1, 5))
    parts = [str(n_in)]
    for _ in range(int(rng.integers(1, 4))):
        units = int(rng.integers(1, 6))
        parts.append(f"{units}maxout{int(rng.integers(1, 4))}" if hidden_act == "maxout" else f"{units}{hidden_act}")
    n_out = int(rng.integers(2, 4)) if out_act == "softmax" else int(rng.integers(1, 4))
    parts.append(f"{n_out}{out_act}")
    return "-".join(parts)


def targets(rng, net, loss, n):
    k = net.n_outputs
    if net.output_activation == "softmax" and loss == "ce":
        return rng.integers(0, k, n)
    if loss in ("bce", "ce") or net.output_activation in ("sigmoid", "softmax"):
        return (rng.random((n, k)) > 0.5).astype(float)
    return rng.normal(size=(n, k))


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("out_act,loss", OUTPUT_LOSS)
def test_gradient_matches_finite_differences(hidden, out_act, loss):
    # crc32, not hash(): string hashes are salted per process, so the drawn networks would change from run to run
    rng = np.random.default_rng(zlib.crc32(f"{hidden}-{out_act}-{loss}".encode()))
    for trial in range(3):
        net = pyffnn.Network(random_spec(rng, hidden, out_act), random_state=trial)
        net.params[:] = rng.normal(scale=0.7, size=net.n_params)
        n = int(rng.integers(1, 9))
        X = rng.normal(size=(n, net.n_inputs))
        y = targets(rng, net, loss, n)
        l2 = [0.0, 0.05][trial % 2]
        value, grad = net.loss_and_grad(net.params, X, y, loss=loss, l2=l2)
        num = numeric_gradient(lambda p: net.loss_and_grad(p, X, y, loss=loss, l2=l2)[0], net.params.copy())
        scale = max(1.0, np.abs(num).max())
        # relu/maxout kinks can sit within eps of a sample only with negligible probability at these scales
        assert np.abs(grad - num).max() / scale < 1e-6, (net.spec, loss)


def test_float32_agrees_with_float64():
    rng = np.random.default_rng(5)
    for spec in ["3-6tanh-4maxout3-3softmax", "2-5relu-5softplus-1sigmoid", "4-7sigmoid-2linear"]:
        n64 = pyffnn.Network(spec, dtype="float64", random_state=1)
        n32 = pyffnn.Network(spec, dtype="float32", random_state=1)
        n32.params[:] = n64.params
        X = rng.normal(size=(20, n64.n_inputs))
        y = targets(rng, n64, "auto" if n64.output_activation != "softmax" else "ce", 20)
        l64, g64 = n64.loss_and_grad(n64.params, X, y)
        l32, g32 = n32.loss_and_grad(n32.params, X, y)
        assert g32.dtype == np.float32
        assert abs(l32 - l64) < 1e-5 * max(1, abs(l64))
        np.testing.assert_allclose(g32, g64, atol=2e-5, rtol=1e-3)
        np.testing.assert_allclose(n32.predict(X), n64.predict(X), atol=1e-5)


def test_loss_and_grad_works_with_scipy_minimize():
    from scipy.optimize import minimize

    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    net = pyffnn.Network("2-4tanh-1sigmoid", random_state=3)
    before = net.params.copy()
    res = minimize(lambda p: net.loss_and_grad(p, X, y), net.params.copy(), jac=True, method="L-BFGS-B")
    np.testing.assert_array_equal(net.params, before)  # loss_and_grad never touches the network
    net.params[:] = res.x
    assert res.fun < 1e-3
    assert (net.predict_classes(X) == y).all()


def test_compute_grads_fills_the_grads_buffer_with_same_layout():
    rng = np.random.default_rng(0)
    net = pyffnn.Network("3-4tanh-2linear", random_state=0)
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    value = net.compute_grads(X, y)
    v2, g = net.loss_and_grad(net.params, X, y)
    assert value == pytest.approx(v2)
    np.testing.assert_array_equal(net.grads, g)
    gw, gb = net.grad_views()
    assert gw[0].shape == net.weights[0].shape and gb[1].shape == net.biases[1].shape
