"""The core's fast kernels: threads give bitwise-identical results, every SIMD path agrees with the plain-C path
and with numpy, at sizes that hit the blocked kernels' edges (odd widths, leftover rows/columns, one sample,
batches longer than the weight-gradient kernel's sample chunk)."""
import numpy as np
import pytest

import pyffnn
from pyffnn._core import ffi, lib



def _levels():
    """Every SIMD level this CPU runs (set_simd caps a request at what the CPU has), the default one restored."""
    default = lib.ffnn_get_simd()
    found = set()
    for level in (lib.FFNN_SIMD_PLAIN, lib.FFNN_SIMD_AVX2, lib.FFNN_SIMD_AVX512):
        assert lib.ffnn_set_simd(level) == lib.FFNN_OK
        found.add(lib.ffnn_get_simd())
    assert lib.ffnn_set_simd(default) == lib.FFNN_OK and lib.ffnn_get_simd() == default
    return sorted(found)


LEVELS = _levels()


@pytest.fixture(autouse=True)
def restore_settings():
    threads, simd = lib.ffnn_get_threads(), lib.ffnn_get_simd()
    yield
    assert lib.ffnn_set_threads(0) == lib.FFNN_OK
    assert lib.ffnn_set_simd(-1) == lib.FFNN_OK
    assert lib.ffnn_get_simd() == simd
    assert lib.ffnn_get_threads() == threads


def _data(n, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_in))
    y = rng.integers(0, n_out, n)
    return X, y


def _run(spec, dtype, threads, simd, X, y):
    """Forward, gradient and a few training epochs with the given settings; returns every result."""
    assert lib.ffnn_set_threads(threads) == lib.FFNN_OK
    assert lib.ffnn_set_simd(simd) == lib.FFNN_OK
    net = pyffnn.Network(spec, dtype=dtype, random_state=3)
    out = net.forward(X)
    loss, grad = net.loss_and_grad(net.params, X, y)
    net.fit(X, y, optimizer="sgd", lr=0.01, epochs=2, batch_size=96, random_state=0)
    return out, loss, grad, net.params.copy(), net.forward(X)


# Big enough that a minibatch step runs a thread team and each product is split over it.
BIG = "300-257relu-130tanh-11softmax"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("simd", LEVELS)
def test_one_and_two_threads_give_the_same_bits(dtype, simd):
    X, y = _data(384, 300, 11, 0)
    one = _run(BIG, dtype, 1, simd, X, y)
    two = _run(BIG, dtype, 2, simd, X, y)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(one[3], pyffnn.Network(BIG, dtype=dtype, random_state=3).params)  # it trained


@pytest.mark.parametrize("dtype,rtol", [("float32", 2e-4), ("float64", 1e-11)])
def test_plain_c_and_vectorised_paths_agree(dtype, rtol):
    if len(LEVELS) == 1:
        pytest.skip("this CPU has only the plain-C path")
    X, y = _data(200, 300, 11, 1)
    plain = _run(BIG, dtype, 2, lib.FFNN_SIMD_PLAIN, X, y)
    fast = _run(BIG, dtype, 2, LEVELS[-1], X, y)
    for name, a, b in zip(["forward", "loss", "gradient"], plain[:3], fast[:3]):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        scale = np.abs(a).max()
        assert np.abs(a - b).max() <= rtol * scale, name
    # after training the paths have drifted apart by rounding only
    np.testing.assert_allclose(plain[3], fast[3], rtol=0, atol=50 * rtol * np.abs(plain[3]).max())


def _numpy_forward_backward(net, X, Y):
    """Reference forward and mean-squared-error gradient of a tanh/relu network with a linear output."""
    acts, zs = [X], []
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        z = acts[-1] @ W.T.astype(np.float64) + b
        zs.append(z)
        act = net.layers[l].activation
        acts.append(np.tanh(z) if act == "tanh" else (np.maximum(z, 0) if act == "relu" else z))
    n = X.shape[0]
    delta = (acts[-1] - Y) / n
    gW, gb = [None] * net.n_layers, [None] * net.n_layers
    for l in range(net.n_layers - 1, -1, -1):
        gW[l], gb[l] = delta.T @ acts[l], delta.sum(axis=0)
        if l > 0:
            da = delta @ net.weights[l].astype(np.float64)
            act = net.layers[l - 1].activation
            delta = da * (1 - acts[l] ** 2) if act == "tanh" else da * (zs[l - 1] > 0)
    flat = np.concatenate([np.concatenate([w.ravel(), b]) for w, b in zip(gW, gb)])
    return acts[-1], flat


# widths 1, 15, 17, 33, 70: below, around and between the vector widths (4..16 lanes) and blocks (2..8)
EDGE_SPECS = ["17-33tanh-15relu-3linear", "1-7relu-1linear", "70-9tanh-13relu-70linear", "33-1tanh-17linear"]


@pytest.mark.parametrize("dtype,rtol", [("float32", 1e-4), ("float64", 1e-12)])
@pytest.mark.parametrize("simd", LEVELS)
@pytest.mark.parametrize("spec", EDGE_SPECS)
@pytest.mark.parametrize("n", [1, 7, 300])  # 300 > the 256-sample chunk of the weight-gradient kernel
def test_forward_and_gradient_match_numpy_at_edge_sizes(spec, n, simd, dtype, rtol):
    assert lib.ffnn_set_simd(simd) == lib.FFNN_OK
    net = pyffnn.Network(spec, dtype=dtype, random_state=n)
    net.biases[0][:] = 0.1 * np.arange(net.biases[0].size)
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, net.n_inputs))
    Y = rng.standard_normal((n, net.n_outputs))
    ref_out, ref_grad = _numpy_forward_backward(net, X.astype(dtype).astype(np.float64), Y)
    out = net.forward(X)
    _, grad = net.loss_and_grad(net.params, X, Y, loss="mse")
    assert np.abs(out - ref_out).max() <= rtol * max(1.0, np.abs(ref_out).max())
    assert np.abs(grad - ref_grad).max() <= rtol * max(1.0, np.abs(ref_grad).max())


def test_settings_validate_and_report():
    assert lib.ffnn_set_threads(-1) == lib.FFNN_E_SIZE
    assert lib.ffnn_set_threads(65) == lib.FFNN_E_SIZE
    assert lib.ffnn_set_threads(3) == lib.FFNN_OK and lib.ffnn_get_threads() == 3
    assert lib.ffnn_set_simd(7) == lib.FFNN_E_SIZE
    assert lib.ffnn_set_simd(lib.FFNN_SIMD_PLAIN) == lib.FFNN_OK
    assert lib.ffnn_get_simd() == lib.FFNN_SIMD_PLAIN
    assert ffi.string(lib.ffnn_simd_name(lib.FFNN_SIMD_PLAIN)) == b"plain C"
    assert lib.ffnn_set_simd(lib.FFNN_SIMD_AVX512) == lib.FFNN_OK  # capped at what the CPU has
    assert lib.ffnn_get_simd() == max(LEVELS)


def test_callers_denormals_survive_a_core_call():
    """The core flushes denormals inside its calls only: the caller's floating-point mode is restored."""
    net = pyffnn.Network("300-257relu-11softmax", dtype="float32", random_state=0)
    X, y = _data(128, 300, 11, 2)
    tiny = np.array([1e-39], dtype=np.float32)  # a float32 denormal
    net.fit(X, y, epochs=1, batch_size=128)
    net.forward(X[:1])
    assert (tiny * np.float32(1.0))[0] != 0
    assert (tiny + np.float32(0.0))[0] == tiny[0]


# Tiny networks (every layer <= 16 wide, <= 4 layers) train through the fused one-sample-at-a-time pass of
# csrc/tmpl_tiny.h; loss_and_grad always takes the general per-layer path, so one SGD step of each must agree.
TINY_CASES = [
    ("2-8tanh-8tanh-1sigmoid", "auto"),          # width 8, sigmoid + bce (fused)
    ("5-16relu-3softmax", "auto"),               # width 16, softmax + ce (fused)
    ("3-7softplus-9sigmoid-2linear", "auto"),    # linear + mse (fused), every hidden derivative
    ("4-6tanh-5relu-3linear-2tanh", "mse"),      # 4 layers, mse through a tanh output
    ("3-5tanh-2sigmoid", "mse"),                 # mse through a sigmoid output
    ("3-5sigmoid-2relu", "mse"),
    ("3-5relu-2softplus", "mse"),
    ("1-1tanh-1sigmoid", "auto"),                # width 1
]


@pytest.mark.parametrize("dtype,rtol", [("float32", 2e-5), ("float64", 1e-12)])
@pytest.mark.parametrize("simd", LEVELS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("spec,loss", TINY_CASES)
def test_tiny_network_step_matches_the_general_gradient(spec, loss, weighted, simd, dtype, rtol):
    assert lib.ffnn_set_simd(simd) == lib.FFNN_OK
    net = pyffnn.Network(spec, dtype=dtype, random_state=5)
    rng = np.random.default_rng(5)
    net.biases[0][:] = 0.1 * rng.standard_normal(net.biases[0].size)
    n = 13
    X = rng.standard_normal((n, net.n_inputs))
    if net.output_activation in ("sigmoid", "softmax") and loss == "auto":
        y = rng.integers(0, max(net.n_outputs, 2), n)
    else:
        y = rng.standard_normal((n, net.n_outputs))
    w = rng.uniform(0.1, 2.0, n) if weighted else None
    _, grad = net.loss_and_grad(net.params, X, y, loss=loss, sample_weight=w)
    expected = net.params - 0.05 * grad
    net.fit(X, y, loss=loss, optimizer="sgd", lr=0.05, epochs=1, batch_size=n, shuffle=False, sample_weight=w)
    scale = max(1.0, np.abs(grad).max())
    assert np.abs(net.params - expected).max() <= rtol * scale
    assert np.abs(grad).max() > 0


def test_tiny_network_training_learns_and_is_thread_independent():
    X, y = _data(200, 2, 2, 7)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)  # XOR-like quadrants
    results = []
    for threads in (1, 2):
        assert lib.ffnn_set_threads(threads) == lib.FFNN_OK
        net = pyffnn.Network("2-8tanh-8tanh-1sigmoid", dtype="float32", random_state=0)
        hist = net.fit(X, y, optimizer="adam", lr=0.03, epochs=60, batch_size=10, random_state=0)
        results.append(net.params.copy())
        assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]
    np.testing.assert_array_equal(results[0], results[1])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("simd", LEVELS)
def test_a_sample_gets_the_same_bits_alone_as_in_a_batch(dtype, simd):
    """The blocked forward kernel (batches, several lane sums at once) and the one-sample kernels do the same
    arithmetic for every output, so a prediction does not depend on what it is batched with."""
    assert lib.ffnn_set_simd(simd) == lib.FFNN_OK
    net = pyffnn.Network("77-45relu-19tanh-5linear", dtype=dtype, random_state=1)
    X = np.random.default_rng(1).standard_normal((11, 77)).astype(dtype)
    batch = net.forward(X)
    for i in range(X.shape[0]):
        np.testing.assert_array_equal(net.forward(X[i]), batch[i])
        np.testing.assert_array_equal(net.forward(X[i:i + 2])[0], batch[i])
