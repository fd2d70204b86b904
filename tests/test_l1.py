"""L1 (and L1 + L2) weight penalty: gradient checks, the subgradient at 0, sparsity against L2, PyTorch's autograd,
both precisions, and every way in (fit, optimizer objects, estimators, the command line, L-BFGS's refusal)."""
import numpy as np
import pytest

import pyffnn
from pyffnn.errors import FFNNError
from reference import numeric_gradient as _numeric


def _data(n=24, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, 3, n)


@pytest.mark.parametrize("l1,l2", [(0.05, 0.0), (0.05, 0.02)])
def test_l1_gradient_matches_finite_differences(l1, l2):
    X, y = _data()
    net = pyffnn.Network("3-6tanh-4relu-3softmax", random_state=1)
    p = net.params.copy()
    value, grad = net.loss_and_grad(p, X, y, l1=l1, l2=l2)
    num = _numeric(lambda q: net.loss_and_grad(q, X, y, l1=l1, l2=l2)[0], p)
    rel = np.abs(num - grad) / np.maximum(1.0, np.abs(num))
    assert rel.max() < 1e-6, rel.max()  # measured: <= 7.5e-10
    # the penalty itself: l1 sum|W| + 0.5 l2 sum W^2 on the weights, not the biases
    W = np.concatenate([w.ravel() for w in net.weights])
    assert value == pytest.approx(net.loss(X, y) + l1 * np.abs(W).sum() + 0.5 * l2 * (W ** 2).sum(), rel=1e-12)


def test_l1_subgradient_at_zero_is_zero_and_biases_are_free():
    X, y = _data()
    net = pyffnn.Network("3-4tanh-3softmax", random_state=0)
    net.weights[0][0, 0] = 0.0
    _, plain = net.loss_and_grad(net.params, X, y)
    _, pen = net.loss_and_grad(net.params, X, y, l1=0.5)
    gw, _ = zip(*net.layer_views(pen))
    pw, _ = zip(*net.layer_views(plain))
    assert gw[0][0, 0] == pw[0][0, 0]
    sign = np.sign(net.weights[1])
    np.testing.assert_allclose(gw[1] - pw[1], 0.5 * sign, atol=1e-15)
    for (_, gb), (_, pb) in zip(net.layer_views(pen), net.layer_views(plain)):
        np.testing.assert_array_equal(gb, pb)


def test_l1_float32_agrees_with_float64():
    X, y = _data()
    n64 = pyffnn.Network("3-5tanh-3softmax", random_state=2)
    n32 = pyffnn.Network("3-5tanh-3softmax", dtype="float32", random_state=2)
    n32.params = n64.params.astype(np.float32)
    v64, g64 = n64.loss_and_grad(n64.params, X, y, l1=0.03, l2=0.01)
    v32, g32 = n32.loss_and_grad(n32.params, X, y, l1=0.03, l2=0.01)
    assert v32 == pytest.approx(v64, rel=1e-5)
    np.testing.assert_allclose(g32, g64, atol=1e-5)


def test_l1_gradient_equals_torch_autograd():
    torch = pytest.importorskip("torch")
    X, y = _data(seed=3)
    net = pyffnn.Network("3-5tanh-3softmax", random_state=4)
    l1, l2 = 0.04, 0.01
    value, grad = net.loss_and_grad(net.params, X, y, l1=l1, l2=l2)
    (W1, b1), (W2, b2) = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
                          for W, b in net.layer_views(net.params)]
    logits = torch.tanh(torch.tensor(X) @ W1.T + b1) @ W2.T + b2
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(y))
    loss = loss + l1 * (W1.abs().sum() + W2.abs().sum()) + 0.5 * l2 * ((W1 ** 2).sum() + (W2 ** 2).sum())
    loss.backward()
    ref = torch.cat([W1.grad.ravel(), b1.grad, W2.grad.ravel(), b2.grad]).numpy()
    assert value == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(grad, ref, rtol=1e-10, atol=1e-12)


def test_l1_drives_irrelevant_weights_to_zero_where_l2_only_shrinks_them():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 10))
    y = 2 * X[:, 0] - X[:, 1] + 0.3 * rng.normal(size=200)
    runs = {}
    for name, kw in (("l1", {"l1": 0.1}), ("l2", {"l2": 0.1})):
        net = pyffnn.Network("10-1linear", random_state=0)
        net.fit(X, y, optimizer="sgd", lr=0.05, batch_size=None, epochs=400, shuffle=False, **kw)
        runs[name] = np.abs(net.weights[0][0])
    noise_l1, noise_l2 = runs["l1"][2:], runs["l2"][2:]
    assert noise_l1.max() < 1e-2  # the subgradient steps hover within ~lr * l1 = 5e-3 of 0 (measured max 6e-3)
    assert np.median(noise_l2) > 4 * np.median(noise_l1)  # measured: 8x
    assert runs["l1"][0] > 1.5 and runs["l2"][0] > 1.5  # the informative weights survive both


def test_l1_zero_is_bitwise_no_l1_and_changes_training_otherwise():
    X, y = _data(n=40)
    a, b, c = (pyffnn.Network("3-5tanh-3softmax", random_state=5) for _ in range(3))
    a.fit(X, y, epochs=3, random_state=0)
    b.fit(X, y, epochs=3, random_state=0, l1=0.0)
    c.fit(X, y, epochs=3, random_state=0, l1=0.01)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


def test_l1_is_an_optimizer_hyper_parameter_read_live():
    X, y = _data(n=40)
    opt = pyffnn.SGD(lr=0.1, l1=0.02)
    assert opt.get_config()["l1"] == 0.02 and pyffnn.SGD.from_config(opt.get_config()).l1 == 0.02
    seen = []

    class Change(pyffnn.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(logs["loss"])
            self.optimizer.l1 = 5.0  # a much larger penalty from the next epoch on

    net = pyffnn.Network("3-5tanh-3softmax", random_state=0)
    cb = Change()
    net.fit(X, y, optimizer=opt, epochs=2, callbacks=[cb])
    assert opt.l1 == 5.0 and seen[1] > seen[0] + 1.0


@pytest.mark.parametrize("bad", [-0.1, float("nan"), "x"])
def test_bad_l1_is_a_clear_error(bad):
    X, y = _data()
    net = pyffnn.Network("3-4tanh-3softmax", random_state=0)
    with pytest.raises(FFNNError, match="l1"):
        net.fit(X, y, l1=bad, epochs=1)
    with pytest.raises(FFNNError, match="l1"):
        net.loss_and_grad(net.params, X, y, l1=bad)


def test_lbfgs_refuses_l1():
    pytest.importorskip("scipy")
    X, y = _data()
    net = pyffnn.Network("3-4tanh-3softmax", random_state=0)
    with pytest.raises(FFNNError, match="L1.*adam"):
        net.fit(X, y, optimizer="lbfgs", l1=0.01, epochs=2)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_estimator_l1_param():
    from pyffnn.sklearn import FFNNClassifier

    X, y = _data(n=60)
    base = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    plain = FFNNClassifier(**base).fit(X, y)
    sparse = FFNNClassifier(l1=1.0, **base).fit(X, y)
    assert sparse.get_params()["l1"] == 1.0
    assert np.abs(sparse.coefs_[0]).sum() < np.abs(plain.coefs_[0]).sum()
    with pytest.raises((FFNNError, ValueError), match="l1"):
        FFNNClassifier(l1=-1, **base).fit(X, y)


def test_cli_l1(tmp_path, capsys):
    from pyffnn.cli import main

    model = tmp_path / "m.npz"
    assert main(["train", "--dataset", "xor", "--epochs", "3", "--quiet", "--l1", "0.01", "-o", str(model)]) == 0
    net, opt = pyffnn.Network.load(model, with_optimizer=True)
    assert opt.l1 == 0.01 and net.metadata["training"]["l1"] == 0.01
    with pytest.raises(SystemExit) as exc:  # argparse: one line, exit 2
        main(["train", "--dataset", "xor", "--epochs", "3", "--quiet", "--l1", "-1", "-o", str(model)])
    assert exc.value.code == 2 and "--l1" in capsys.readouterr().err
