"""Hostile input: every bad value gives a clear FFNNError (or MemoryError/OSError for files and sizes), never a
crash, a raw numpy/cffi error, silently wrong numbers or lost data."""
import contextlib
import io
import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyffnn
from pyffnn import FFNNError, ModelFileError, Network
from pyffnn import datasets as ds
from pyffnn.cli import main as cli_main

FUZZ = settings(derandomize=True, max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def xor():
    X = np.random.default_rng(0).normal(size=(20, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


# ----- Network construction ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", ["2-100000000000-1", "2-99999999999999999999999-1", "2-2000000000maxout2-1"])
def test_layer_sizes_beyond_the_core_int32_are_ffnn_errors(spec):
    with pytest.raises(FFNNError, match="at most 2147483647"):
        Network(spec)


def test_network_larger_than_memory_is_a_clear_memory_error():
    with pytest.raises(MemoryError, match="parameters; its weights and gradients need .* GiB"):
        Network("100000-100000-100000-1")


# ----- X and y conversion ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("X", [np.array([[1 + 1j, 2.0]]), np.array([[np.datetime64("2020-01-01")] * 2])],
                         ids=["complex", "datetime"])
def test_complex_and_datetime_inputs_are_refused_not_cast(X, xor):
    net = Network("2-4tanh-1sigmoid", random_state=0)
    with pytest.raises(FFNNError, match="X must"):
        net.forward(X)
    with pytest.raises(FFNNError, match="flat_params must hold real numbers"):
        net.loss_and_grad(net.params + 0j, *xor)
    with pytest.raises(FFNNError, match="y must hold real numbers"):
        net.fit(xor[0], xor[1] + 0j, epochs=1)


def test_float32_overflow_is_named_as_such():
    net = Network("2-1", dtype="float32", random_state=0)
    with pytest.raises(FFNNError, match="too large for float32"):
        net.forward(np.full((1, 2), 1e39))
    with pytest.raises(FFNNError, match="y has values too large for float32"):
        net.fit(np.ones((4, 2)), np.full(4, 1e39), epochs=1)


@pytest.mark.parametrize("label", [1e20, 2.0**63, np.uint64(2**64 - 1)])
def test_huge_softmax_labels_are_reported_as_given(label, xor):
    net = Network("2-3softmax", random_state=0)
    with pytest.raises(FFNNError, match=r"got labels from .*e\+"):
        net.fit(xor[0], np.full(20, label), epochs=1)


def test_softmax_targets_must_be_distributions(xor):
    """The fused softmax/CE gradient a - y is wrong for rows not summing to 1: refuse them."""
    net = Network("2-3softmax", random_state=0)
    with pytest.raises(FFNNError, match="row 0 sums to 3"):
        net.loss_and_grad(net.params, xor[0], np.ones((20, 3)))
    soft = np.full((20, 3), 1 / 3)
    net.loss_and_grad(net.params, xor[0], soft)  # probabilities are still fine


@FUZZ
@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-2**70, 2**70),
                          st.booleans(), st.text(max_size=3), st.none(), st.complex_numbers()),
                min_size=0, max_size=8), st.sampled_from(["float32", "float64"]))
def test_forward_on_fuzzed_rows_gives_numbers_or_ffnn_error(values, dtype):
    net = Network("2-3tanh-1", dtype=dtype, random_state=0)
    row = values[:2] if len(values) >= 2 else values
    with warnings_as_errors():
        try:
            out = net.forward([row])
        except FFNNError:
            return
    assert np.isfinite(out).all()


@contextlib.contextmanager
def warnings_as_errors():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ----- fit arguments -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    (dict(l2="x"), "l2 must be"), (dict(l2=-1.0), "l2 must be"), (dict(l2=[1]), "l2 must be"),
    (dict(lr=[0.1]), "learning rate must be a number"), (dict(lr="fast"), "learning rate must be a number"),
    (dict(validation_split=None), "validation_split must be"), (dict(validation_split="x"), "validation_split"),
    (dict(random_state=-1), "random_state must be"), (dict(random_state="a"), "random_state must be"),
    (dict(random_state=1.5), "random_state must be"), (dict(callbacks=lambda: 0), "callbacks must be"),
    (dict(shuffle="no"), "shuffle must be True or False"), (dict(epochs=np.bool_(True)), "epochs must be"),
])
def test_bad_fit_arguments_are_ffnn_errors(kwargs, match, xor):
    net = Network("2-4tanh-1sigmoid", random_state=0)
    before = net.params.copy()
    with pytest.raises(FFNNError, match=match):
        net.fit(*xor, **{"epochs": 1, **kwargs})
    np.testing.assert_array_equal(net.params, before)


def test_raising_callback_propagates_and_network_stays_usable(xor):
    class Boom(pyffnn.Callback):
        def on_chunk_end(self, step, logs):
            raise RuntimeError("boom")

    net = Network("2-4tanh-1sigmoid", random_state=0)
    with pytest.raises(RuntimeError, match="boom"):
        net.fit(*xor, epochs=3, callbacks=[Boom()])
    assert not net.stop_training and np.isfinite(net.params).all()
    assert len(net.fit(*xor, epochs=2).epoch) == 2


# ----- optimizers and the perceptron -------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: pyffnn.SGD(lr="a"), lambda: pyffnn.SGD(lr=None), lambda: pyffnn.SGD(momentum="x"),
    lambda: pyffnn.Adam(beta1="x"), lambda: pyffnn.Adam(beta2=None), lambda: pyffnn.RPROP(eta_minus="x"),
    lambda: pyffnn.RPROP(eta_plus=float("inf")), lambda: pyffnn.RPROP(step_max=float("inf")),
    lambda: pyffnn.make_optimizer("adam", lr=[1]), lambda: pyffnn.SGD(lr=True),
])
def test_bad_optimizer_hyper_parameters_are_ffnn_errors(make):
    with pytest.raises(FFNNError):
        make()


def test_loaded_optimizer_state_is_never_silently_dropped(xor):
    net = Network("2-4tanh-1sigmoid", random_state=0)
    opt = pyffnn.Adam()
    opt.load_state(np.ones(5), 7)
    with pytest.raises(FFNNError, match="saved for a different network"):
        net.fit(*xor, epochs=1, optimizer=opt)
    opt.load_state(np.zeros(2 * net.n_params, dtype=np.float32), 7)  # a float32 state is converted, not reset
    net.fit(*xor, epochs=1, batch_size=None, optimizer=opt)
    assert opt.iterations == 8 and opt.state.dtype == np.float64


@pytest.mark.parametrize("params, grads", [
    (np.zeros(4), np.zeros(3)), (np.zeros(3, int), np.zeros(3, int)), ([1.0, 2.0], [1.0, 2.0]),
    (np.zeros(3, np.float32), np.zeros(3)), (np.zeros((2, 2)), np.zeros((2, 2))),
])
def test_optimizer_step_checks_its_buffers(params, grads):
    with pytest.raises(FFNNError):
        pyffnn.SGD().step(params, grads)


@pytest.mark.parametrize("kwargs, X", [
    (dict(eta="x"), [[0, 0], [1, 1]]), (dict(eta=float("inf")), [[0, 0], [1, 1]]),
    (dict(max_epochs=1.5), [[0, 0], [1, 1]]), (dict(max_epochs="x"), [[0, 0], [1, 1]]),
    (dict(max_epochs=2**70), [[0, 0], [1, 1]]), (dict(dtype="foo"), [[0, 0], [1, 1]]),
    ({}, "ab"), ({}, np.array([[0, 1j], [1, 1]])),
])
def test_bad_perceptron_input_is_ffnn_error(kwargs, X):
    with pytest.raises(FFNNError):
        pyffnn.Perceptron(**kwargs).fit(X, [0, 1])


# ----- model files -------------------------------------------------------------------------------------------------

def _craft(path, header, params, raw_header=None):
    np.savez(path, params=params, header=np.array(json.dumps(header)) if raw_header is None else raw_header)
    return path


@pytest.fixture
def good_header():
    net = Network("2-4tanh-1sigmoid", random_state=0)
    return net, {"format": "pyffnn-model", "version": 1, "spec": net.spec, "dtype": "float64", "metadata": {}}


@pytest.mark.parametrize("change", [
    {"version": "1"}, {"version": None}, {"version": [1]}, {"metadata": [1]}, {"metadata": "x"},
    {"spec": "2-100000000000-1"}, {"spec": "2-50000-50000-50000-1"},
])
def test_crafted_headers_are_model_file_errors(tmp_path, good_header, change):
    net, header = good_header
    with pytest.raises(ModelFileError):
        Network.load(_craft(tmp_path / "m.npz", {**header, **change}, net.params))


def test_deeply_nested_header_and_npy_file_are_model_file_errors(tmp_path, good_header):
    net, header = good_header
    with pytest.raises(ModelFileError):
        Network.load(_craft(tmp_path / "m.npz", header, net.params, raw_header=np.array("[" * 100000 + "]" * 100000)))
    np.save(tmp_path / "a.npy", np.zeros(3))
    with pytest.raises(ModelFileError, match="single .npy array"):
        Network.load(tmp_path / "a.npy")


def test_huge_declared_parameter_array_is_not_allocated(tmp_path, good_header):
    net, header = good_header
    buf = io.BytesIO()
    np.save(buf, net.params)
    raw = buf.getvalue()
    n = int.from_bytes(raw[8:10], "little")
    text = raw[10:10 + n].decode().replace(f"({net.n_params},)", "(100000000000,)").ljust(n - 1) + "\n"
    head = io.BytesIO()
    np.save(head, np.array(json.dumps(header)))
    with zipfile.ZipFile(tmp_path / "huge.npz", "w") as z:
        z.writestr("params.npy", raw[:10] + text.encode() + raw[10 + n:])
        z.writestr("header.npy", head.getvalue())
    with pytest.raises(ModelFileError, match=r"shape \(100000000000,\)"):
        Network.load(tmp_path / "huge.npz")


def test_save_to_a_folder_or_missing_folder_says_so_and_keeps_files(tmp_path, good_header):
    net, _ = good_header
    with pytest.raises(IsADirectoryError, match="it is a directory"):
        net.save(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        net.save(tmp_path / "nope" / "m.npz")
    with pytest.raises(FFNNError, match="must be a dict"):
        net.save(tmp_path / "m.npz", metadata=[1, 2])
    assert os.listdir(tmp_path) == []


# ----- datasets ----------------------------------------------------------------------------------------------------

@FUZZ
@given(st.one_of(st.binary(max_size=200),
                 st.text(alphabet=st.sampled_from(list("0123456789.,;\t\n\r\"' -eE+abé\x00\ufeff")), max_size=200)
                 .map(lambda s: s.encode("utf-8"))),
       st.sampled_from([-1, 0, 1, "y", "a", 5]), st.sampled_from(["auto", True, False]))
def test_load_csv_on_fuzzed_files_gives_a_dataset_or_data_error(tmp_path_factory, data, target, header):
    path = tmp_path_factory.mktemp("csv") / "f.csv"
    path.write_bytes(data)
    try:
        d = ds.load_csv(path, target=target, header=header)
    except ds.DataError:
        return
    assert d.X.dtype == np.float64 and np.isfinite(d.X).all() and len(d.X) == len(d.y)


def test_csv_field_over_the_csv_limit_is_a_data_error(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("a,b,y\n" + "1" * 200000 + ",2,0\n3,4,1\n")
    with pytest.raises(ds.DataError, match="line 2, column 'a'.* is not a finite number"):
        ds.load_csv(path)


def test_load_csv_refuses_a_file_descriptor(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,0\n2,1\n")
    fd = os.open(path, os.O_RDONLY)
    try:
        with pytest.raises(ds.DataError, match="path must be a file name"):
            ds.load_csv(fd)
        os.fstat(fd)  # still open: open(int) would have read and closed the caller's descriptor
    finally:
        os.close(fd)


@pytest.mark.parametrize("call", [
    lambda: ds.StandardScaler().fit([[1e300], [-1e300]]),
    lambda: ds.train_val_test_split(np.zeros((10, 2)), np.array([1, "a"] * 5, dtype=object), stratify=True),
    lambda: ds.train_val_test_split(np.zeros((10, 2)), np.zeros(10), random_state="x"),
    lambda: ds.make_moons(10, random_state=-1), lambda: ds.make_circle(10, random_state="a"),
    lambda: ds.load_builtin(["circle"]),
])
def test_bad_dataset_arguments_are_data_errors(call):
    with pytest.raises(ds.DataError):
        call()


# ----- command line ------------------------------------------------------------------------------------------------

def _run(argv, capsys):
    code = cli_main([str(a) for a in argv])
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


def test_cli_bad_model_files_exit_2_with_one_line(tmp_path, capsys, good_header):
    net, header = good_header
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b\n1,2\n")
    for change in ({"version": "1"}, {"metadata": [1, 2]}):
        model = _craft(tmp_path / "m.npz", {**header, **change}, net.params)
        for argv in (["info", model], ["predict", model, rows]):
            code, err = _run(argv, capsys)
            assert code == 2 and len(err) == 1 and err[0].startswith("pyffnn: error:")


def test_cli_info_shows_odd_scores_without_crashing(tmp_path, capsys, good_header):
    net, header = good_header
    model = _craft(tmp_path / "m.npz", {**header, "metadata": {"scores": {"a": 1, "b": {"n": "x"}}}}, net.params)
    assert cli_main(["info", str(model)]) == 0
    assert "a: 1" in capsys.readouterr().out


@pytest.mark.parametrize("argv, code, text", [
    (["train", "--dataset", "spiral", "--layers", "100000000000tanh", "--quiet"], 2, "at most"),
    (["train", "--dataset", "spiral", "--layers", "50000tanh-50000tanh-50000tanh", "--quiet"], 1, "GiB"),
    (["train", "--dataset", "spiral", "--epochs", "1", "--quiet", "--output", "."], 2, "is a directory"),
])
def test_cli_bad_training_requests_exit_cleanly(argv, code, text, capsys):
    got, err = _run(argv, capsys)
    assert got == code and len(err) == 1 and text in err[0]


def test_cli_oversized_csv_field_exits_2(tmp_path, capsys):
    path = tmp_path / "big.csv"
    path.write_text("a,b,y\n" + "1" * 200000 + ",2,0\n3,4,1\n")
    code, err = _run(["train", "--csv", path, "--quiet"], capsys)
    assert code == 2 and len(err) == 1


def test_cli_unexpected_exception_is_one_line(monkeypatch, capsys):
    import pyffnn.cli.commands as cli
    monkeypatch.delenv("PYFFNN_DEBUG", raising=False)
    monkeypatch.setattr(cli, "_cmd_datasets", lambda args: {}["boom"])
    code, err = _run(["datasets"], capsys)
    assert code == 1 and len(err) == 1 and "internal error: KeyError" in err[0]


def test_cli_subprocess_bad_model_has_no_traceback(tmp_path, good_header):
    import subprocess
    import sys
    net, header = good_header
    model = _craft(tmp_path / "m.npz", {**header, "version": "1"}, net.params)
    proc = subprocess.run([sys.executable, "-m", "pyffnn.cli", "info", str(model)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


# ----- estimators --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("params", [dict(hidden_layer_sizes=(2**40,)), dict(callbacks=3), dict(shuffle="x"),
                                    dict(early_stopping="x"), dict(warm_start="yes"),
                                    dict(nesterovs_momentum="x")])
def test_estimator_bad_params_raise_value_error_at_fit(params, xor):
    pytest.importorskip("sklearn")
    for est in (pyffnn.FFNNClassifier, pyffnn.FFNNRegressor):
        with pytest.raises(ValueError):
            est(max_iter=2, **params).fit(xor[0], xor[1])
