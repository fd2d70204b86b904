"""pyffnn <-> torch.nn.Sequential conversion."""
import numpy as np
import pytest

import pyffnn

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from pyffnn.interop.torch_interop import MaxoutPool, from_torch, to_torch  # noqa: E402

SPECS = ["3-4", "3-6sigmoid-1sigmoid", "3-6tanh-2", "3-7relu-5softplus-4softmax", "3-5maxout3-4maxout2-2softmax",
         "3-8tanh-5maxout3-6relu-4softplus-7sigmoid-3linear", "3-5softplus", "3-6leaky_relu-5elu-2leaky_relu",
         "3-4elu-3softmax"]
TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-12, atol=1e-12)}


def _data(dtype, n=33):
    return (np.random.default_rng(5).normal(size=(n, 3)) * 8).astype(dtype)


def _torch_out(seq, X):
    with torch.no_grad():
        return seq(torch.from_numpy(X)).numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("spec", SPECS)
def test_to_torch_matches_predict_and_round_trips(spec, dtype):
    net = pyffnn.Network(spec, dtype=dtype, random_state=11)
    for b in net.biases:
        b[:] = np.linspace(-1, 1, b.size)
    X = _data(dtype)
    seq = to_torch(net)
    assert isinstance(seq, nn.Sequential)
    assert all(p.dtype == getattr(torch, dtype) for p in seq.parameters())
    out = _torch_out(seq, X)
    np.testing.assert_allclose(out, net.predict(X), **TOL[dtype])

    back = from_torch(seq, n_inputs=3)
    assert back.spec == net.spec and back.dtype == net.dtype
    np.testing.assert_array_equal(back.params, net.params)
    np.testing.assert_allclose(back.predict(X), out, **TOL[dtype])


def test_weights_are_copied_not_shared():
    net = pyffnn.Network("2-3tanh-1", random_state=0)
    seq = to_torch(net)
    with torch.no_grad():
        seq[0].weight.zero_()
    assert np.abs(net.weights[0]).sum() > 0


def test_from_torch_hand_built_model():
    torch.manual_seed(0)
    seq = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Sequential(nn.Linear(6, 6), MaxoutPool(3, 2)),
                        nn.Linear(3, 5), nn.Identity(), nn.Linear(5, 2), nn.Softmax(dim=1))
    net = from_torch(seq)
    assert net.spec == "4-6relu-3maxout2-5linear-2softmax"
    assert net.dtype == np.float32
    X = np.random.default_rng(1).normal(size=(10, 4)).astype(np.float32)
    np.testing.assert_allclose(net.predict(X), _torch_out(seq, X), rtol=1e-5, atol=1e-6)


def test_from_torch_linear_without_bias():
    seq = nn.Sequential(nn.Linear(2, 3, bias=False, dtype=torch.float64), nn.Tanh())
    net = from_torch(seq)
    assert np.all(net.biases[0] == 0)
    X = np.ones((2, 2))
    np.testing.assert_allclose(net.predict(X), _torch_out(seq, X), rtol=1e-12)


@pytest.mark.parametrize("seq, match", [
    (lambda: nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5), nn.Linear(3, 1)), "Dropout.*not supported"),
    (lambda: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.ReLU()), "without a Linear"),
    (lambda: nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)), "expects 4 inputs"),
    (lambda: nn.Sequential(nn.Linear(2, 3), nn.Softplus(beta=2.0)), "beta=1"),
    (lambda: nn.Sequential(nn.Linear(2, 6), MaxoutPool(4, 2)), "needs 8 inputs"),
    (lambda: nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 3, dtype=torch.float64)), "one dtype"),
    (lambda: nn.Sequential(nn.Linear(2, 3, dtype=torch.float16)), "float16"),
    (lambda: nn.Sequential(), "no Linear"),
    (lambda: nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=-1), nn.Linear(3, 1)), "softmax"),
    (lambda: nn.Sequential(nn.Linear(2, 4), MaxoutPool(2, 2)), "maxout"),
])
def test_from_torch_rejects_unsupported(seq, match):
    with pytest.raises(pyffnn.FFNNError, match=match):
        from_torch(seq())


def test_from_torch_checks_n_inputs_and_type():
    with pytest.raises(pyffnn.FFNNError, match="n_inputs=5"):
        from_torch(nn.Sequential(nn.Linear(2, 1)), n_inputs=5)
    with pytest.raises(pyffnn.FFNNError, match="torch.nn.Sequential"):
        from_torch(pyffnn.Network("2-1"))


def test_torch_training_result_can_come_back():
    """A model trained in torch comes back as a pyffnn Network with the same predictions."""
    torch.manual_seed(0)
    X = torch.randn(64, 2, dtype=torch.float64)
    y = (X[:, :1] * X[:, 1:] > 0).double()
    seq = nn.Sequential(nn.Linear(2, 8, dtype=torch.float64), nn.Tanh(), nn.Linear(8, 1, dtype=torch.float64),
                        nn.Sigmoid())
    opt = torch.optim.Adam(seq.parameters(), lr=0.05)
    for _ in range(50):
        opt.zero_grad()
        nn.functional.binary_cross_entropy(seq(X), y).backward()
        opt.step()
    net = from_torch(seq)
    np.testing.assert_allclose(net.predict(X.numpy()), _torch_out(seq, X.numpy()), rtol=1e-12)
    assert net.loss(X.numpy(), y.numpy().ravel()) == pytest.approx(
        nn.functional.binary_cross_entropy(seq(X), y).item(), rel=1e-10)


def test_missing_torch_gives_install_hint(monkeypatch):
    import pyffnn.interop.torch_interop as ti
    monkeypatch.setattr(ti, "torch", None)
    with pytest.raises(ImportError, match="pip install torch"):
        ti.to_torch(pyffnn.Network("2-1"))
    with pytest.raises(ImportError, match="pip install torch"):
        ti.from_torch(None)
