"""Dropout on hidden layers: the layer API and spellings, gradient checks with a fixed mask, PyTorch's autograd on
the same mask, reproducibility (seed, threads), inference never dropping (predict, ONNX, torch), model files, and
the clear refusals (output layer, bad rates, L-BFGS)."""
import numpy as np
import pytest

import pyffnn
from pyffnn import Dense, Maxout, Network
from pyffnn.errors import FFNNError
from reference import numeric_gradient as _numeric


def _data(n=30, d=3, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, k, n)


@pytest.mark.parametrize("spec", ["3-6tanh0.3-5relu0.5-3softmax", "3-6sigmoid0.2-4maxout3@0.4-3softmax",
                                  "3-5elu0.25-2linear"])
def test_dropout_gradient_with_a_fixed_mask_matches_finite_differences(spec):
    X, y = _data()
    net = Network(spec, random_state=1)
    if net.output_activation == "linear":
        y = np.random.default_rng(1).normal(size=(X.shape[0], 2))
    p = net.params.copy()
    value, grad = net.loss_and_grad(p, X, y, dropout_seed=11, l1=0.01)
    num = _numeric(lambda q: net.loss_and_grad(q, X, y, dropout_seed=11, l1=0.01)[0], p)
    rel = np.abs(num - grad) / np.maximum(1.0, np.abs(num))
    assert rel.max() < 1e-6, rel.max()  # measured: <= 4.2e-10
    # training mode really thins the network: another loss than the deterministic one, another for another seed
    assert value != net.loss_and_grad(p, X, y, l1=0.01)[0]
    assert value != net.loss_and_grad(p, X, y, dropout_seed=12, l1=0.01)[0]


M64 = 2**64 - 1


def _xoshiro_keep(seed, count, p):
    """The core's mask draws in Python: xoshiro256** seeded by ffnn_rng_seed, kept iff the draw >= p * 2^64."""
    from pyffnn._core import ffi, lib

    state = ffi.new("uint64_t[4]")
    lib.ffnn_rng_seed(state, seed)
    s = [int(state[i]) for i in range(4)]
    rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M64  # noqa: E731
    keep = []
    for _ in range(count):
        keep.append(((rotl((s[1] * 5) & M64, 7) * 9) & M64) >= int(p * 2**64))
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return np.array(keep)


def test_dropout_gradient_equals_torch_autograd_on_the_same_mask():
    torch = pytest.importorskip("torch")
    X, y = _data(seed=2)
    net = Network("3-6tanh0.5-3softmax", random_state=3)
    value, grad = net.loss_and_grad(net.params, X, y, dropout_seed=5)
    assert np.array_equal(grad, net.loss_and_grad(net.params, X, y, dropout_seed=5)[1])  # same seed, same mask
    # the core's order: layer by layer, sample by sample, unit by unit
    mask = torch.tensor(_xoshiro_keep(5, X.shape[0] * 6, 0.5).reshape(X.shape[0], 6) / 0.5)
    (W1, b1), (W2, b2) = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
                          for W, b in net.layer_views(net.params)]
    logits = (torch.tanh(torch.tensor(X) @ W1.T + b1) * mask) @ W2.T + b2
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(y))
    loss.backward()
    ref = torch.cat([W1.grad.ravel(), b1.grad, W2.grad.ravel(), b2.grad]).numpy()
    assert value == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(grad, ref, rtol=1e-10, atol=1e-12)


def _fit(spec, seed=0, threads=None, **kw):
    X, y = _data(n=200, d=8, k=4, seed=4)
    net = Network(spec, random_state=0)
    old = pyffnn.get_threads()
    if threads is not None:
        pyffnn.set_threads(threads)
    try:
        hist = net.fit(X, y, epochs=3, batch_size=16, random_state=seed, **kw)
    finally:
        pyffnn.set_threads(old)
    return net, hist


def test_dropout_training_is_reproducible_and_seeded():
    a, ha = _fit("8-64relu0.3-64relu0.2-4softmax", seed=1)
    b, hb = _fit("8-64relu0.3-64relu0.2-4softmax", seed=1)
    c, _ = _fit("8-64relu0.3-64relu0.2-4softmax", seed=2)
    np.testing.assert_array_equal(a.params, b.params)
    assert ha.history["loss"] == hb.history["loss"]
    assert not np.array_equal(a.params, c.params)


def test_dropout_is_bit_identical_at_one_and_two_threads():
    # wide enough that the core's worker pool really splits the products
    spec = "8-512relu0.3-512relu0.2-4softmax"
    one, h1 = _fit(spec, threads=1)
    two, h2 = _fit(spec, threads=2)
    np.testing.assert_array_equal(one.params, two.params)
    assert h1.history["loss"] == h2.history["loss"]


def test_dropout_zero_is_no_dropout_and_dropout_changes_training():
    plain, hp = _fit("8-16tanh-4softmax")
    zero, hz = _fit("8-16tanh0.0-4softmax")
    assert zero.spec == "8-16tanh-4softmax"
    np.testing.assert_array_equal(plain.params, zero.params)
    dropped, _ = _fit("8-16tanh0.5-4softmax")
    assert not np.array_equal(plain.params, dropped.params)


def test_predict_and_evaluate_never_drop():
    X, y = _data(d=3)
    net = Network("3-16relu0.5-3softmax", random_state=0)
    ref = Network("3-16relu-3softmax", random_state=0)
    np.testing.assert_array_equal(net.params, ref.params)
    np.testing.assert_array_equal(net.predict(X), ref.predict(X))
    np.testing.assert_array_equal(net.predict(X), net.predict(X))
    assert net.loss(X, y) == ref.loss(X, y)
    np.testing.assert_array_equal(net.loss_and_grad(net.params, X, y)[1], ref.loss_and_grad(ref.params, X, y)[1])
    np.testing.assert_array_equal(net.predict(X[0]), ref.predict(X[0]))  # the one-sample path too


def test_layer_api_and_spellings_round_trip():
    assert Dense(64, "relu", dropout=0.2).token() == "64relu0.2"
    assert Maxout(8, 3, dropout=0.25).token() == "8maxout3@0.25"
    for spec, canonical in [("64-64relu0.2-10softmax", "64-64relu0.2-10softmax"),
                            ("4-8relu@0.5-8maxout3@0.25-1", "4-8relu0.5-8maxout3@0.25-1linear"),
                            ("4-8tanh.5-1", "4-8tanh0.5-1linear"), ("4-8relu0.00001-1", "4-8relu0.00001-1linear")]:
        net = Network(spec, random_state=0)
        assert net.spec == canonical
        assert Network(net.spec).layers == net.layers
    net = Network([3, Dense(8, "relu", dropout=0.2), Maxout(4, pieces=2, dropout=0.1), Dense(2, "softmax")])
    assert net.spec == "3-8relu0.2-4maxout2@0.1-2softmax" and net.has_dropout
    assert net.layers[0].dropout == 0.2 and not Network("3-2softmax").has_dropout


@pytest.mark.parametrize("make, match", [
    (lambda: Dense(8, "relu", dropout=1.0), r"\[0, 1\)"),
    (lambda: Dense(8, "relu", dropout=-0.1), r"\[0, 1\)"),
    (lambda: Dense(8, "relu", dropout="x"), "dropout"),
    (lambda: Maxout(8, 2, dropout=float("nan")), "dropout"),
    (lambda: Network([3, Dense(8, "relu"), Dense(2, "softmax", dropout=0.2)]), "hidden layers"),
    (lambda: Network("3-8relu0.2-2softmax0.1"), "hidden layers"),
    (lambda: Network("3-8relu1.5-2softmax"), r"\[0, 1\)"),
    (lambda: Network("3-8relu@-2softmax"), "no dropout rate"),
    (lambda: Network("3-8maxout0.2-2softmax"), "8maxout3@0.2"),
])
def test_bad_dropout_is_a_clear_error(make, match):
    with pytest.raises(FFNNError, match=match):
        make()


def test_lbfgs_refuses_dropout():
    pytest.importorskip("scipy")
    X, y = _data()
    net = Network("3-8tanh0.2-3softmax", random_state=0)
    with pytest.raises(FFNNError, match="adam, sgd"):
        net.fit(X, y, optimizer="lbfgs", epochs=2)


def test_model_file_keeps_dropout_and_old_files_load(tmp_path):
    net = Network("3-8relu0.3-4maxout2@0.1-3softmax", random_state=0)
    net.save(tmp_path / "m.npz")
    back = Network.load(tmp_path / "m.npz")
    assert back.layers == net.layers and back.has_dropout
    np.testing.assert_array_equal(back.params, net.params)
    Network("3-8relu-3softmax").save(tmp_path / "old.npz")  # a file without any rate, as before dropout
    assert not Network.load(tmp_path / "old.npz").has_dropout


def test_exports_leave_dropout_out():
    torch = pytest.importorskip("torch")
    from pyffnn.interop.torch_interop import to_torch

    X, _ = _data()
    net = Network("3-8tanh0.5-3softmax", random_state=0)
    seq = to_torch(net)
    assert not any(isinstance(m, torch.nn.Dropout) for m in seq)
    seq.train()  # even in training mode the export has no dropout: it is the inference graph
    np.testing.assert_allclose(seq(torch.tensor(X)).detach().numpy(), net.predict(X), rtol=1e-12)


def test_onnx_export_leaves_dropout_out(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from pyffnn.interop.onnx_export import export_onnx

    X, _ = _data()
    net = Network("3-8relu0.5-3softmax", random_state=0)
    export_onnx(net, tmp_path / "m.onnx")
    sess = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(sess.run(["output"], {"input": X})[0], net.predict(X), rtol=1e-12)


def test_dropout_regularises_a_memorising_network():
    # a wide net on few noisy samples: dropout's training loss stays higher (it cannot memorise as fast)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    y = rng.integers(0, 2, 40)
    losses = {}
    for spec in ("5-128relu-2softmax", "5-128relu0.5-2softmax"):
        net = Network(spec, random_state=0)
        net.fit(X, y, epochs=60, batch_size=8, lr=0.01, random_state=0)
        losses[spec] = net.loss(X, y)
    assert losses["5-128relu0.5-2softmax"] > losses["5-128relu-2softmax"]


def test_cli_layer_string_with_dropout(tmp_path, capsys):
    from pyffnn.cli import main

    model = tmp_path / "m.npz"
    assert main(["train", "--dataset", "xor", "--layers", "16tanh0.2-8maxout2@0.1", "--epochs", "3", "--quiet",
                 "-o", str(model)]) == 0
    assert Network.load(model).spec == "2-16tanh0.2-8maxout2@0.1-1sigmoid"
    assert main(["train", "--dataset", "xor", "--layers", "16tanh0.2", "--optimizer", "lbfgs", "--epochs", "2",
                 "--quiet", "-o", str(model)]) == 2
    assert "L-BFGS" in capsys.readouterr().err
