"""Training checkpoints: net.save(path, optimizer=opt), Network.load(path, with_optimizer=True), bit-exact resume
(optimizer state, step count, shuffling generator, epoch count) and ``pyffnn train --resume``."""
import json
import zipfile

import numpy as np
import pytest

from pyffnn import RPROP, SGD, Adam, ExponentialDecay, LBFGS, ModelFileError, Network
from pyffnn.cli import main
from pyffnn.datasets import make_spirals


@pytest.fixture
def data():
    X, y = make_spirals(n_samples=160, random_state=0)
    return X, y


def _fit(net, X, y, opt, start, stop, **kw):
    return net.fit(X, y, optimizer=opt, initial_epoch=start, epochs=stop, validation_split=0.2, **kw)


@pytest.mark.parametrize("make_opt,batch", [(lambda: Adam(lr=0.02), 16),
                                            (lambda: SGD(lr=0.05, momentum=0.9, nesterov=True), 8),
                                            (lambda: RPROP(), None)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_resumed_training_is_bit_identical_to_one_fit(tmp_path, data, make_opt, batch, dtype):
    X, y = data
    kw = dict(batch_size=batch)
    if batch is not None:  # a schedule continues from the saved epoch too
        kw["callbacks"] = [ExponentialDecay(decay_steps=4, decay_rate=0.8)]

    whole = Network("2-12tanh-12tanh-1sigmoid", dtype=dtype, random_state=7)
    h_whole = _fit(whole, X, y, make_opt(), 0, 12, **kw)

    first = Network("2-12tanh-12tanh-1sigmoid", dtype=dtype, random_state=7)
    opt = make_opt()
    h1 = _fit(first, X, y, opt, 0, 5, **kw)
    first.save(tmp_path / "ckpt.npz", optimizer=opt)
    del first, opt

    net, opt = Network.load(tmp_path / "ckpt.npz", with_optimizer=True)
    assert net.epochs_done == 5 and type(opt) is type(make_opt())
    if batch is not None:
        kw["callbacks"] = [ExponentialDecay(decay_steps=4, decay_rate=0.8, initial_lr=make_opt().lr)]
    h2 = _fit(net, X, y, opt, net.epochs_done, 12, **kw)
    np.testing.assert_array_equal(net.params, whole.params)
    assert h1.history["loss"] + h2.history["loss"] == h_whole.history["loss"]
    assert h1.history["val_loss"] + h2.history["val_loss"] == h_whole.history["val_loss"]
    assert h2.epoch == list(range(5, 12)) and net.epochs_done == 12


def test_a_weights_only_file_has_no_optimizer(tmp_path):
    net = Network("2-3tanh-1sigmoid", random_state=0)
    net.save(tmp_path / "m.npz")
    with zipfile.ZipFile(tmp_path / "m.npz") as z:
        assert sorted(z.namelist()) == ["header.npy", "params.npy"]
    loaded, opt = Network.load(tmp_path / "m.npz", with_optimizer=True)
    assert opt is None
    np.testing.assert_array_equal(loaded.params, net.params)
    assert isinstance(Network.load(tmp_path / "m.npz"), Network)


def test_checkpoint_keeps_config_and_iterations(tmp_path, data):
    X, y = data
    net = Network("2-6tanh-1sigmoid", random_state=0)
    opt = Adam(lr=0.003, beta1=0.8, l2=1e-3)
    net.fit(X, y, optimizer=opt, epochs=3, batch_size=40)
    net.save(tmp_path / "c.npz", optimizer=opt)
    _, back = Network.load(tmp_path / "c.npz", with_optimizer=True)
    assert back.get_config() == opt.get_config() and back.iterations == opt.iterations == 12
    np.testing.assert_array_equal(back.state, opt.state)

    lb = LBFGS(tol=1e-6)
    net.fit(X, y, optimizer=lb, epochs=4)
    net.save(tmp_path / "l.npz", optimizer=lb)
    _, back = Network.load(tmp_path / "l.npz", with_optimizer=True)
    assert isinstance(back, LBFGS) and back.tol == 1e-6 and back.iterations == lb.iterations


def _rewrite_header(path, change):
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(str(arrays["header"]))
    change(header)
    arrays["header"] = np.array(json.dumps(header))
    np.savez(path, **arrays)


@pytest.mark.parametrize("change,match", [
    (lambda h: h["training"]["optimizer"].update({"class": "Nope"}), "unknown optimizer class"),
    (lambda h: h["training"].update({"iterations": -1}), "iterations must be"),
    (lambda h: h["training"].update({"rng": {"bit_generator": "PCG64", "state": "x"}}), "invalid training"),
    (lambda h: h["training"]["optimizer"].update({"class": "SGD"}), "unknown SGD setting"),
    (lambda h: h["training"].update({"optimizer": {"class": "SGD", "momentum": 0.5}}), "SGD needs"),
])
def test_a_corrupt_checkpoint_is_a_model_file_error(tmp_path, data, change, match):
    X, y = data
    net = Network("2-4tanh-1sigmoid", random_state=0)
    opt = Adam()
    net.fit(X, y, optimizer=opt, epochs=1)
    path = tmp_path / "c.npz"
    net.save(path, optimizer=opt)
    _rewrite_header(path, change)
    with pytest.raises(ModelFileError, match=match):
        Network.load(path, with_optimizer=True)


def test_cli_resume_continues_exactly(tmp_path, capsys):
    common = ["train", "--dataset", "spiral", "--layers", "8tanh", "--seed", "3", "--quiet", "--no-record"]
    assert main(common + ["--epochs", "8", "-o", str(tmp_path / "whole.npz")]) == 0
    assert main(common + ["--epochs", "5", "-o", str(tmp_path / "part.npz")]) == 0
    assert main(["train", "--resume", str(tmp_path / "part.npz"), "--epochs", "3", "--quiet", "--no-record",
                 "-o", str(tmp_path / "resumed.npz")]) == 0
    out = capsys.readouterr().out
    assert "epochs 6-8, resumed" in out
    whole, resumed = Network.load(tmp_path / "whole.npz"), Network.load(tmp_path / "resumed.npz")
    np.testing.assert_array_equal(whole.params, resumed.params)
    assert resumed.metadata["training"]["epochs"] == 8


def test_cli_resume_refuses_settings_from_the_file(tmp_path, capsys):
    assert main(["train", "--dataset", "xor", "--epochs", "2", "--quiet", "--no-record",
                 "-o", str(tmp_path / "m.npz")]) == 0
    assert main(["train", "--resume", str(tmp_path / "m.npz"), "--layers", "4relu", "--no-record"]) == 2
    assert "--layers: with --resume" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["train", "--quiet"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "usage: pyffnn" in err and "give the data once" in err
