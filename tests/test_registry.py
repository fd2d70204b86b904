"""The tables in pyffnn.registry: each row against the C core's table, and each row's promises against what the
library, the estimators, ONNX export and torch interop actually do."""
import json

import numpy as np
import pytest

import pyffnn
from pyffnn import FFNNError, Network
from pyffnn._core import ffi, lib
from pyffnn.registry import activations, losses, optimizers
import reference

ELEMENTWISE = [row.name for row in activations.ACTIVATIONS if row.name not in ("softmax", "maxout")]


def _c_name(text):
    return None if text == ffi.NULL else ffi.string(text).decode()


# ---------------------------------------------------------------- the Python tables against the C tables
_INTROSPECTION = pytest.mark.skipif(not hasattr(lib, "ffnn_activation_name"),
                                    reason="this core has no table introspection (ffnn_activation_name, ...)")


@pytest.mark.parametrize("rows,prefix", [(activations.ACTIVATIONS, "FFNN_"), (losses.LOSSES, "FFNN_LOSS_"),
                                         (optimizers.OPTIMIZERS, "FFNN_OPT_")])
def test_rows_carry_the_codes_of_the_c_enums_of_the_same_name(rows, prefix):
    rows = [row for row in rows if row.code is not None]  # L-BFGS runs in scipy, not in the core
    for row in rows:
        assert getattr(lib, prefix + row.name.upper()) == row.code, row.name
    assert len({row.code for row in rows}) == len(rows)


@_INTROSPECTION
def test_activation_rows_match_the_c_table():
    assert lib.ffnn_activation_count() == len(activations.ACTIVATIONS)
    for row in activations.ACTIVATIONS:
        assert _c_name(lib.ffnn_activation_name(row.code)) == row.name
        where = lib.ffnn_activation_where(row.code)
        assert bool(where & lib.FFNN_HIDDEN) == row.hidden, row.name
        assert bool(where & lib.FFNN_OUTPUT) == row.output, row.name
        assert bool(where & lib.FFNN_PROBABILITY) == row.probability, row.name
        assert lib.ffnn_activation_init(row.code) == {"glorot": lib.FFNN_GLOROT, "he": lib.FFNN_HE}[row.init]
    assert _c_name(lib.ffnn_activation_name(len(activations.ACTIVATIONS) + 5)) is None


@_INTROSPECTION
def test_loss_rows_match_the_c_table():
    assert lib.ffnn_loss_count() == len(losses.LOSSES)
    for row in losses.LOSSES:
        assert _c_name(lib.ffnn_loss_name(row.code)) == row.name
        assert lib.ffnn_loss_fused_output(row.code) == activations.BY_NAME[row.fused].code


@_INTROSPECTION
def test_optimizer_rows_match_the_c_table():
    in_core = [row for row in optimizers.OPTIMIZERS if row.code is not None]
    assert lib.ffnn_optimizer_count() == len(in_core)
    for row in in_core:
        assert _c_name(lib.ffnn_optimizer_name(row.code)) == row.name
        opt = row.make()
        opt.prepare(10, np.float64)
        assert opt._c.kind == row.code, row.name  # the object the row builds runs the row's C optimizer
        assert opt.state.size == max(lib.ffnn_optimizer_slots(row.code) * 10, 1)


# ---------------------------------------------------------------- activations
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_numpy_formula_is_what_the_core_computes(name):
    row = activations.BY_NAME[name]
    z = np.linspace(-30, 30, 601)
    net = Network([1, pyffnn.Dense(1, name), pyffnn.Dense(1)], random_state=0)
    net.weights[0][:] = 1.0
    net.biases[0][:] = 0.0
    a = net.hidden_activations(z.reshape(-1, 1))[0][:, 0]
    np.testing.assert_allclose(row.numpy(z), a, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(row.numpy(z), reference.activation(name, z), rtol=1e-9, atol=1e-12)


def test_numpy_formulas_of_softmax_and_maxout():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    net = Network("3-4maxout3-5softmax", random_state=1)
    z1 = X @ net.weights[0].T + net.biases[0]
    a1 = activations.BY_NAME["maxout"].numpy(z1.reshape(20, 4, 3))
    np.testing.assert_allclose(a1, net.hidden_activations(X)[0], rtol=1e-12)
    a2 = activations.BY_NAME["softmax"].numpy(a1 @ net.weights[1].T + net.biases[1])
    np.testing.assert_allclose(a2, net.predict(X), rtol=1e-12)


@pytest.mark.parametrize("row", activations.ACTIVATIONS, ids=lambda r: r.name)
def test_init_rule_is_the_one_the_core_draws(row):
    fan_in, fan_out = 400, 300
    layer = pyffnn.Maxout(fan_out, 2) if row.name == "maxout" else pyffnn.Dense(fan_out, row.name)
    tail = [] if row.output and not row.hidden else [pyffnn.Dense(1)]
    net = Network([fan_in, layer] + tail, random_state=0)
    bound = np.sqrt(6 / fan_in) if row.init == "he" else np.sqrt(6 / (fan_in + fan_out))
    assert abs(np.abs(net.weights[0]).max() - bound) < 0.01 * bound, row.name


@pytest.mark.parametrize("row", activations.ACTIVATIONS, ids=lambda r: r.name)
def test_positions_are_enforced(row):
    layer = pyffnn.Maxout(3, 2) if row.name == "maxout" else pyffnn.Dense(3, row.name)
    for position, layers in ((activations.HIDDEN, [2, layer, pyffnn.Dense(1)]), (activations.OUTPUT, [2, layer])):
        if position in row.positions:
            Network(layers, random_state=0)
        else:
            with pytest.raises(FFNNError, match=f"{row.name} is only allowed on"):
                Network(layers, random_state=0)


@pytest.mark.parametrize("row", [r for r in activations.ACTIVATIONS if r.aliases], ids=lambda r: r.name)
def test_aliases_mean_the_row_everywhere(row):
    for alias in row.aliases:
        assert Network(f"2-3{alias}-1", random_state=0).layers[0].activation == row.name
        assert pyffnn.Dense(2, alias.upper()).activation == row.name
        if row.hidden:
            clf = pyffnn.FFNNClassifier(hidden_layer_sizes=(3,), activation=alias, max_iter=1)
            assert clf._hidden_layers()[0].activation == row.name


def test_an_unknown_activation_lists_the_valid_names_everywhere():
    names = ", ".join(activations.HIDDEN_NAMES)
    with pytest.raises(FFNNError, match="unknown activation 'swish'"):
        Network("2-3swish-1")
    with pytest.raises(FFNNError, match="unknown hidden activation 'swish'; expected one of " + names):
        pyffnn.FFNNClassifier(activation="swish", max_iter=1).fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(FFNNError, match="unknown activation"):
        pyffnn.Dense(3, None)


def test_layer_strings_take_every_activation_of_the_table():
    hidden = "-".join(f"3{name}" for name in activations.HIDDEN_NAMES)
    for out in activations.OUTPUT_NAMES:
        net = Network(f"2-{hidden}-2{out}", random_state=0)
        assert [ly.activation for ly in net.layers] == list(activations.HIDDEN_NAMES) + [out]
        assert Network(net.spec, random_state=0).spec == net.spec


# ---------------------------------------------------------------- losses
def test_auto_pairs_and_fitting_losses():
    assert losses.AUTO_PAIRS == {"linear": "mse", "sigmoid": "bce", "softmax": "ce"}
    for out in activations.OUTPUT_NAMES:
        assert losses.resolve("auto", out) == losses.resolve(None, out) == losses.fitting(out)[0]
        for name in losses.fitting(out):
            assert losses.resolve(name, out) == name
    assert losses.fitting("tanh") == ("mse",)


@pytest.mark.parametrize("spelling", losses.MATCHING_CROSS_ENTROPY)
def test_log_loss_is_the_cross_entropy_of_the_output_layer(spelling):
    assert losses.resolve(spelling, "sigmoid") == "bce"
    assert losses.resolve(spelling, "softmax") == "ce"
    with pytest.raises(FFNNError, match="not probabilities; use 'mse'"):
        losses.resolve(spelling, "linear")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_log_loss_on_a_softmax_network_trains_softmax_cross_entropy():
    """The old bug: Network's "log_loss" was binary cross-entropy, the estimators' softmax cross-entropy."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 2)), rng.integers(0, 3, 30)
    net = Network("2-5tanh-3softmax", random_state=0)
    Y = np.eye(3)[y]
    expected = reference.loss("ce", reference.forward(net, X), Y)
    assert net.loss(X, y, loss="log_loss") == pytest.approx(expected, rel=1e-12)
    a = net.copy().fit(X, y, loss="log_loss", optimizer="sgd", epochs=3, random_state=1, batch_size=30)
    b = net.copy().fit(X, y, loss="ce", optimizer="sgd", epochs=3, random_state=1, batch_size=30)
    assert a.history["loss"] == b.history["loss"]
    fits = [pyffnn.FFNNClassifier(hidden_layer_sizes=(5,), loss=loss, max_iter=2, random_state=0).fit(X, y)
            for loss in ("log_loss", "ce", None)]
    assert fits[0].network_.output_activation == "softmax"
    assert fits[0].loss_curve_ == fits[1].loss_curve_ == fits[2].loss_curve_


@pytest.mark.parametrize("loss,out,fits", [("bce", "softmax", "'ce', 'mse'"), ("ce", "sigmoid", "'bce', 'mse'"),
                                           ("binary_crossentropy", "linear", "'mse'"),
                                           ("categorical_crossentropy", "tanh", "'mse'")])
def test_a_mismatched_loss_says_what_fits(loss, out, fits):
    with pytest.raises(FFNNError, match=f"needs a .* output layer, but the output layer is {out}, which fits {fits}"):
        losses.resolve(loss, out)
    net = Network(f"2-3tanh-2{out}", random_state=0)
    with pytest.raises(FFNNError, match="which fits"):
        net.fit(np.zeros((4, 2)), np.zeros((4, 2)), loss=loss, epochs=1)


def test_an_unknown_loss_lists_the_names():
    with pytest.raises(FFNNError, match="unknown loss 'hinge'; expected 'auto', one of mse, bce, ce"):
        losses.resolve("hinge", "sigmoid")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_every_loss_spelling_means_the_same_in_network_and_estimators():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 2, 40)
    net = Network("2-3tanh-1sigmoid", random_state=0)
    curves = {}
    for spelling in losses.CHOICES:
        try:
            name = losses.resolve(spelling, "sigmoid")
        except FFNNError:
            assert spelling in losses.BY_NAME["ce"].aliases + ("ce",), spelling
            continue
        assert net.loss(X, y, loss=spelling) == net.loss(X, y, loss=name), spelling
        clf = pyffnn.FFNNClassifier(hidden_layer_sizes=(3,), loss=None if spelling == "auto" else spelling,
                                    max_iter=2, random_state=0).fit(X, y)
        curves.setdefault(name, set()).add(tuple(clf.loss_curve_))
    assert set(curves) == {"bce", "mse"} and all(len(c) == 1 for c in curves.values())


# ---------------------------------------------------------------- optimizers
@pytest.mark.parametrize("row", optimizers.OPTIMIZERS, ids=lambda r: r.name)
def test_every_optimizer_row_builds_and_round_trips_its_config(row):
    opt = pyffnn.make_optimizer(row.name)
    assert type(opt) is row.cls
    config = json.loads(json.dumps(opt.get_config()))
    assert config["class"] == row.cls.__name__
    for key, value in row.preset.items():
        assert config[key] == value
    again = pyffnn.Optimizer.from_config(config)
    assert type(again) is row.cls and again.get_config() == config
    assert row.cls.from_config({k: v for k, v in config.items() if k != "class"}).get_config() == config
    for alias in row.aliases:
        assert pyffnn.make_optimizer(alias).get_config() == config
    assert set(row.defaults()) == {p.name for p in row.parameters}


def _fit_once(opt):
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Network("2-2tanh-1sigmoid", random_state=0).fit(X, [0, 1, 1], optimizer=opt, epochs=1)


@pytest.mark.parametrize("row", optimizers.OPTIMIZERS, ids=lambda r: r.name)
def test_the_listed_ranges_are_the_ones_the_classes_enforce(row):
    for p in row.parameters:
        default = row.defaults()[p.name]
        assert p.contains(default), (row.name, p.name, default)
        outside = []
        if p.low is not None:
            outside.append(p.low if p.low_open else p.low - (1 if p.kind is int else 1e-3))
        if p.high is not None:
            outside.append(p.high if p.high_open else p.high + (1 if p.kind is int else 1e-3))
        outside.append(2.5 if p.kind is int else float("nan"))
        for value in outside:
            assert not p.contains(value)
            with pytest.raises(FFNNError):  # the constructor or, at the latest, fit refuses it
                _fit_once(row.make(**{p.name: value}))
        inside = [v for v in (p.low, p.high) if v is not None and p.contains(v)]
        for value in inside:
            if p.name == "step_max":
                continue  # step_max must also be >= step_min
            _fit_once(row.make(**{p.name: value}))


def test_make_optimizer_lr_sets_the_rows_step():
    assert pyffnn.make_optimizer("adam", lr=0.1).lr == 0.1
    assert pyffnn.make_optimizer("rprop", lr=0.2).step_init == 0.2
    with pytest.raises(FFNNError, match="L-BFGS takes no learning rate"):
        pyffnn.make_optimizer("lbfgs", lr=0.1)
    with pytest.raises(FFNNError, match="unknown optimizer 'lion'; expected one of sgd, momentum, nesterov"):
        pyffnn.make_optimizer("lion")


def test_from_config_errors_name_what_is_valid():
    with pytest.raises(FFNNError, match="unknown optimizer class 'Lion'.*SGD, Adam, RPROP, LBFGS"):
        pyffnn.Optimizer.from_config({"class": "Lion"})
    with pytest.raises(FFNNError, match="unknown Adam setting.*'beta3'.*expected lr, beta1, beta2, eps"):
        pyffnn.Optimizer.from_config({"class": "Adam", "beta3": 0.5})
    with pytest.raises(FFNNError, match="no 'class'"):
        pyffnn.Optimizer.from_config({"lr": 0.1})
    with pytest.raises(FFNNError, match="must be a dict"):
        pyffnn.Optimizer.from_config("adam")
    with pytest.raises(FFNNError, match="unknown optimizer class 'Adam'"):
        pyffnn.SGD.from_config({"class": "Adam"})
    with pytest.raises(FFNNError, match="learning rate"):
        pyffnn.Optimizer.from_config({"class": "SGD", "lr": -1.0})


def test_config_leaves_the_state_to_load_state():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 2)), rng.integers(0, 2, 20)
    net = Network("2-4tanh-1sigmoid", random_state=0)
    opt = pyffnn.Adam(lr=0.01, beta2=0.99)
    net.copy().fit(X, y, optimizer=opt, epochs=2)
    again = pyffnn.Optimizer.from_config(opt.get_config())
    assert again.state is None and again.iterations == 0
    again.load_state(opt.state, opt.iterations)
    a, b = net.copy(), net.copy()
    a.fit(X, y, optimizer=opt, epochs=2, random_state=3)
    b.fit(X, y, optimizer=again, epochs=2, random_state=3)
    np.testing.assert_array_equal(a.params, b.params)


# ---------------------------------------------------------------- every row through ONNX and torch
def _every_activation_networks(dtype):
    """Networks that together hold every row of the activation table at every position it allows."""
    hidden = "-".join("4maxout2" if name == "maxout" else f"4{name}" for name in activations.HIDDEN_NAMES)
    for out in activations.OUTPUT_NAMES:
        net = Network(f"3-{hidden}-3{out}", dtype=dtype, random_state=3)
        for b in net.biases:
            b[:] = np.linspace(-0.5, 0.5, b.size)
        yield net


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_activation_row_exports_to_onnx(tmp_path, dtype):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    X = (np.random.default_rng(7).normal(size=(41, 3)) * 6).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-10)
    for net in _every_activation_networks(dtype):
        path = tmp_path / "net.onnx"
        net.to_onnx(path)
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        np.testing.assert_allclose(sess.run(["output"], {"input": X})[0], net.predict(X), **tol, err_msg=net.spec)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_activation_row_goes_to_torch_and_back(dtype):
    torch = pytest.importorskip("torch")
    from pyffnn.interop.torch_interop import from_torch, to_torch
    X = (np.random.default_rng(5).normal(size=(33, 3)) * 8).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    for net in _every_activation_networks(dtype):
        seq = to_torch(net)
        with torch.no_grad():
            out = seq(torch.from_numpy(X)).numpy()
        np.testing.assert_allclose(out, net.predict(X), **tol, err_msg=net.spec)
        back = from_torch(seq)
        assert back.spec == net.spec
        np.testing.assert_array_equal(back.params, net.params)
