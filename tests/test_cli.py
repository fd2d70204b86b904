"""The `pyffnn` command line: train / predict / info / datasets / gui, exit codes and error messages."""
import csv
import io
import re
import shutil
import subprocess
import sys
import sysconfig

import numpy as np
import pytest

from pyffnn import Network
import pyffnn.cli.commands as cli_module
from pyffnn.cli import ProgressBar, main
from pyffnn.datasets import StandardScaler, make_blobs, make_xor


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def score(out, split, metric):
    match = re.search(rf"^{split}\s+n=\d+\s+.*\b{metric}=([-0-9.e]+)", out, re.MULTILINE)
    assert match, f"no {split} {metric} in:\n{out}"
    return float(match.group(1))


def read_rows(path_or_text):
    text = path_or_text.read_text() if hasattr(path_or_text, "read_text") else path_or_text
    return list(csv.reader(io.StringIO(text)))


def assert_one_line_error(err, *fragments):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyffnn: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture
def blobs_csv(tmp_path):
    """A semicolon CSV with text labels, target in the first column."""
    X, y = make_blobs(n_samples=150, noise=0.3, random_state=2)
    names = np.array(["apple", "banana", "cherry"])[y]
    path = tmp_path / "fruit.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["fruit", "width", "height"])
        w.writerows([[n, f"{a * 10 + 50:.4f}", f"{b * 10 + 50:.4f}"] for n, (a, b) in zip(names, X)])
    return path


def test_train_builtin_xor_saves_model_with_metadata(tmp_path, capsys):
    model = tmp_path / "xor.npz"
    code, out, err = run(capsys, "train", "--dataset", "xor", "--layers", "8tanh", "--epochs", 60, "--lr", 0.05,
                         "--seed", 1, "--output", model)
    assert code == 0, err
    assert score(out, "train", "accuracy") > 0.9 and score(out, "test", "accuracy") > 0.9
    assert "epoch 60/60 [" in err  # progress bar on stderr, not stdout
    assert "[#" not in out
    net = Network.load(model)
    assert net.spec == "2-8tanh-1sigmoid"
    meta = net.metadata
    assert meta["task"] == "binary" and meta["classes"] == [0, 1]
    assert meta["feature_names"] == ["x1", "x2"] and meta["target_name"] == "y" and meta["target_index"] == 2
    assert len(meta["preprocessor"]["scaler"]["mean"]) == 2 and meta["preprocessor"]["target_scaler"] is None
    assert meta["scores"]["test"]["n"] == 30 and meta["training"]["epochs"] == 60


def test_train_is_reproducible(tmp_path, capsys):
    args = ["train", "--dataset", "moons", "--epochs", 5, "--quiet", "--seed", 3]
    assert run(capsys, *args, "-o", tmp_path / "a.npz")[0] == 0
    assert run(capsys, *args, "-o", tmp_path / "b.npz")[0] == 0
    np.testing.assert_array_equal(Network.load(tmp_path / "a.npz").params, Network.load(tmp_path / "b.npz").params)


def test_csv_multiclass_train_predict_labels_and_proba(tmp_path, capsys, blobs_csv):
    model = tmp_path / "fruit.npz"
    code, out, err = run(capsys, "train", "--csv", blobs_csv, "--target", "fruit", "--layers", "8tanh",
                         "--epochs", 80, "--lr", 0.02, "--quiet", "-o", model)
    assert code == 0, err
    assert err == ""  # --quiet
    assert score(out, "test", "accuracy") > 0.9
    net = Network.load(model)
    assert net.spec == "2-8tanh-3softmax"
    assert net.metadata["classes"] == ["apple", "banana", "cherry"]

    # the training file still has its target column (first, by name): it is dropped
    code, out, err = run(capsys, "predict", model, blobs_csv, "--proba")
    assert code == 0, err
    rows = read_rows(out)
    assert rows[0] == ["fruit", "proba_apple", "proba_banana", "proba_cherry"]
    truth = [r[0] for r in read_rows(blobs_csv.read_text().replace(";", ","))[1:]]
    labels = [r[0] for r in rows[1:]]
    assert len(labels) == 150 and set(labels) <= {"apple", "banana", "cherry"}
    assert np.mean(np.array(labels) == np.array(truth)) > 0.9
    proba = np.array([[float(v) for v in r[1:]] for r in rows[1:]])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert all(labels[i] == ["apple", "banana", "cherry"][k] for i, k in enumerate(proba.argmax(axis=1)))

    # the same rows without the target column, without header, comma separated: same predictions
    features = tmp_path / "features.csv"
    features.write_text("".join(f"{r[1]},{r[2]}\n" for r in read_rows(blobs_csv.read_text().replace(";", ","))[1:]))
    out_file = tmp_path / "pred.csv"
    code, _, err = run(capsys, "predict", model, features, "--output", out_file)
    assert code == 0 and "wrote 150 predictions" in err
    assert [r[0] for r in read_rows(out_file)[1:]] == labels

    # a header naming the training features: columns are matched by name, whatever their order
    swapped = tmp_path / "swapped.csv"
    swapped.write_text("height,width\n" + "".join(f"{r[2]},{r[1]}\n" for r in read_rows(
        blobs_csv.read_text().replace(";", ","))[1:]))
    code, out, err = run(capsys, "predict", model, swapped)
    assert code == 0, err
    assert [r[0] for r in read_rows(out)[1:]] == labels


def test_predictions_apply_the_saved_scaler(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert run(capsys, "train", "--dataset", "circle", "--epochs", 5, "--quiet", "-o", model)[0] == 0
    X, _ = make_xor(n_samples=12, random_state=9)
    data = tmp_path / "x.csv"
    data.write_text("a,b\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in X))
    code, out, _ = run(capsys, "predict", model, data, "--proba")
    assert code == 0
    net = Network.load(model)
    expected = net.predict(StandardScaler.from_dict(net.metadata["preprocessor"]["scaler"]).transform(X))[:, 0]
    got = np.array([float(r[2]) for r in read_rows(out)[1:]])
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert [int(r[0]) for r in read_rows(out)[1:]] == (expected > 0.5).astype(int).tolist()


def test_regression_reports_mse_r2_and_predicts_in_data_units(tmp_path, capsys):
    model = tmp_path / "sine.npz"
    code, out, err = run(capsys, "train", "--dataset", "sine", "--samples", 300, "--noise", 0.05, "--layers",
                         "16tanh", "--epochs", 150, "--lr", 0.01, "--quiet", "-o", model)
    assert code == 0, err
    assert score(out, "test", "r2") > 0.9 and score(out, "test", "mse") < 0.05
    net = Network.load(model)
    assert net.spec == "1-16tanh-1linear" and net.metadata["task"] == "regression"
    assert net.metadata["classes"] is None and net.metadata["preprocessor"]["target_scaler"] is not None
    data = tmp_path / "x.csv"
    xs = np.linspace(-2.5, 2.5, 11)
    data.write_text("".join(f"{float(x)!r}\n" for x in xs))
    code, out, err = run(capsys, "predict", model, data)
    assert code == 0, err
    rows = read_rows(out)
    assert rows[0] == ["y"]
    np.testing.assert_allclose([float(r[0]) for r in rows[1:]], np.sin(xs), atol=0.15)
    code, _, err = run(capsys, "predict", model, data, "--proba")
    assert code == 2
    assert_one_line_error(err, "--proba needs a classification model")


def test_csv_regression_target_by_index(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(120, 3))
    y = X @ [1.5, -2.0, 0.5] + 3.0
    path = tmp_path / "lin.csv"
    path.write_text("".join(",".join(repr(float(v)) for v in row) + "\n" for row in np.column_stack([y, X])))
    code, out, err = run(capsys, "train", "--csv", path, "--target", 0, "--layers", "none", "--epochs", 100,
                         "--lr", 0.05, "--quiet", "--batch-size", "full", "-o", tmp_path / "lin.npz")
    assert code == 0, err
    assert Network.load(tmp_path / "lin.npz").spec == "3-1linear"
    assert score(out, "test", "r2") > 0.99


def test_arch_option(tmp_path, capsys):
    code, out, err = run(capsys, "train", "--dataset", "blobs", "--arch", "2-6relu-3softmax", "--epochs", 3,
                         "--quiet", "-o", tmp_path / "m.npz")
    assert code == 0, err
    assert "trained 2-6relu-3softmax" in out
    code, _, err = run(capsys, "train", "--dataset", "xor", "--arch", "3-4tanh-1sigmoid", "--quiet",
                       "-o", tmp_path / "m.npz")
    assert code == 2
    assert_one_line_error(err, "takes 3 inputs, but the data has 2 features")
    code, _, err = run(capsys, "train", "--dataset", "blobs", "--arch", "2-4tanh-1sigmoid", "--quiet",
                       "-o", tmp_path / "m.npz")
    assert code == 2
    assert_one_line_error(err, "does not fit the multiclass target", "use 3softmax")


def test_early_stopping(tmp_path, capsys):
    code, out, err = run(capsys, "train", "--dataset", "xor", "--epochs", 400, "--lr", 0.05, "--patience", 3,
                         "--quiet", "-o", tmp_path / "m.npz")
    assert code == 0, err
    assert "(stopped early)" in out
    assert Network.load(tmp_path / "m.npz").metadata["training"]["epochs"] < 400


def test_info(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert run(capsys, "train", "--dataset", "xor", "--epochs", 3, "--quiet", "-o", model)[0] == 0
    code, out, _ = run(capsys, "info", model)
    assert code == 0
    assert Network.load(model).summary() in out
    assert "task: binary" in out and "classes: 0, 1" in out and "dataset: xor" in out
    plain = tmp_path / "plain.npz"
    Network("2-3tanh-1", random_state=0).save(plain)
    code, out, _ = run(capsys, "info", plain)
    assert code == 0 and "metadata: none" in out


def test_predict_without_cli_metadata(tmp_path, capsys):
    """A model saved from Python (no scaler, no labels) still predicts: class indices, no scaling."""
    model = tmp_path / "py.npz"
    net = Network("2-3softmax", random_state=0)
    net.save(model)
    data = tmp_path / "x.csv"
    data.write_text("0.5,1\n-1,2\n")
    code, out, err = run(capsys, "predict", model, data)
    assert code == 0, err
    rows = read_rows(out)
    assert rows[0] == ["prediction"]
    assert [int(r[0]) for r in rows[1:]] == net.predict_classes(np.array([[0.5, 1], [-1, 2]])).tolist()
    net.save(model, metadata={"target_index": "last"})
    code, _, err = run(capsys, "predict", model, data)
    assert code == 2
    assert_one_line_error(err, "metadata field 'target_index' should be of type int")


def test_datasets_command(tmp_path, capsys):
    code, out, _ = run(capsys, "datasets")
    assert code == 0 and "spiral" in out and "regression" in out
    path = tmp_path / "s.csv"
    code, _, _ = run(capsys, "datasets", "spiral", "--samples", 40, "--seed", 2, "-o", path)
    assert code == 0
    rows = read_rows(path)
    assert rows[0] == ["x1", "x2", "y"] and len(rows) == 41
    assert {r[2] for r in rows[1:]} == {"0", "1"}


def test_bad_input_exits_2_with_one_line(tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text("a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,10,x\n11,12,y\n")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,label\n1,2,x\n3,4,y\n5,6\n")
    text = tmp_path / "text.csv"
    text.write_text("a,b,label\n" + "".join(f"{i},{i * 2},{'xy'[i % 2]}\n" for i in range(12)) + "3,oops,y\n")
    model = tmp_path / "m.npz"
    assert run(capsys, "train", "--csv", good, "--epochs", 2, "--quiet", "--val", 0, "--test", 0, "-o", model)[0] == 0
    cases = [
        (["train", "--csv", tmp_path / "missing.csv"], ["no such file", "missing.csv"]),
        (["train", "--csv", ragged], ["line 4 has 2 fields, expected 3"]),
        (["train", "--csv", text], ["line 14, column 'b'", "'oops' is not a number", "--drop b"]),
        (["train", "--csv", good, "--target", "nope"], ["no column named 'nope'"]),
        (["train", "--csv", good, "--target", 7], ["target column 7 is out of range"]),
        (["train", "--csv", good, "--samples", 10], ["--samples and --noise only apply to --dataset"]),
        (["train", "--dataset", "xor", "--target", "y"], ["--target only applies to a CSV file"]),
        (["train", "--dataset", "xor", "--layers", "8wiggle"], ["unknown activation 'wiggle'"]),
        (["train", "--dataset", "xor", "--val", 0.6, "--test", 0.5], ["leave no training samples"]),
        (["train", "--dataset", "xor", "--patience", 2, "--val", 0], ["--patience needs a validation split"]),
        (["train", "--dataset", "xor", "-o", tmp_path / "no" / "dir.npz"], ["does not exist"]),
        (["predict", tmp_path / "nope.npz", good], ["not found", "nope.npz"]),
        (["predict", good, good], ["not a readable pyffnn model file"]),
        (["predict", model, ragged], ["line 4 has 2 fields, expected 3"]),
        (["info", good], ["not a readable pyffnn model file"]),
    ]
    wide = tmp_path / "wide.csv"
    wide.write_text("1,2,3,4\n")
    cases.append((["predict", model, wide], ["column 'a' is missing (and 1 more); the model needs the columns: a, b"]))
    for argv, fragments in cases:
        code, out, err = run(capsys, *argv)
        assert code == 2, (argv, err)
        assert_one_line_error(err, *fragments)
        assert out == ""
    assert not (tmp_path / "no").exists()


def test_usage_errors_exit_2(capsys):
    for argv in ([], ["train"], ["train", "--dataset", "nope"], ["train", "--dataset", "xor", "--epochs", "0"],
                 ["train", "--csv", "a.csv", "--dataset", "xor"], ["frobnicate"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert "usage: pyffnn" in err and "Traceback" not in err


@pytest.mark.parametrize("command", [[], ["train"], ["predict"], ["info"], ["datasets"], ["gui"]])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main(command + ["--help"])
    assert info.value.code == 0
    assert "usage: pyffnn" in capsys.readouterr().out


def test_divergence_exits_1(tmp_path, capsys):
    model = tmp_path / "m.npz"
    code, _, err = run(capsys, "train", "--dataset", "sine", "--layers", "8tanh", "--optimizer", "sgd",
                         "--lr", 10, "--epochs", 50, "-o", model)
    assert code == 1
    assert_one_line_error(err.splitlines()[-1], "diverged")
    assert "Traceback" not in err
    assert not model.exists()


def test_gui_not_installed(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pyffnn_gui", None)
    monkeypatch.setitem(sys.modules, "pyffnn_gui.app", None)
    code, _, err = run(capsys, "gui")
    assert code == 2
    assert_one_line_error(err, "the app is not installed: pip install pyffnn[gui]")


def test_gui_receives_its_arguments(monkeypatch, capsys):
    """`pyffnn gui ARGS` runs the app as its own program (the library never imports Qt) and returns its code."""
    seen = []
    monkeypatch.setattr(cli_module.subprocess, "call", lambda cmd: seen.append(cmd) or 5)
    assert main(["gui", "--dataset", "xor", "--epochs", "3"]) == 5
    assert main(["gui", "--", "--lr", "0.1"]) == 5
    assert seen == [[sys.executable, "-m", "pyffnn_gui", "--dataset", "xor", "--epochs", "3"],
                    [sys.executable, "-m", "pyffnn_gui", "--lr", "0.1"]]


def test_cli_does_not_import_the_app():
    code = ("import sys, pyffnn.cli; pyffnn.cli.build_parser(); "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('pyffnn_gui', 'PySide6', 'pyqtgraph')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_plain_stream():
    stream = io.StringIO()
    bar = ProgressBar(50, stream=stream, width=10)
    bar.on_train_begin({})
    for epoch in range(50):
        bar.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 0.5})
    bar.on_train_end({})
    lines = stream.getvalue().splitlines()
    assert 10 <= len(lines) <= 11  # about one line per tenth, not one per epoch
    assert lines[-1] == "epoch 50/50 [##########]  loss 0.0200  val_loss 0.5000"
    assert "\r" not in stream.getvalue()


def test_progress_bar_terminal_redraws_one_line():
    stream = _Terminal()
    bar = ProgressBar(3, stream=stream, width=6)
    bar.on_train_begin({})
    for epoch in range(3):
        bar.on_epoch_end(epoch, {"loss": 0.25, "accuracy": 0.75})
    bar.close()
    bar.close()  # idempotent
    text = stream.getvalue()
    assert text.startswith("\r") and text.endswith("epoch 3/3 [######]  loss 0.2500  acc 0.7500\n")
    assert text.count("\n") == 1


def test_console_script_end_to_end(tmp_path):
    # the script next to this interpreter first (a venv's bin/ need not be on PATH), then PATH
    exe = shutil.which("pyffnn", path=sysconfig.get_path("scripts")) or shutil.which("pyffnn")
    if exe is None:
        pytest.skip("the pyffnn console script is not installed (pip install -e .)")
    model, data, pred = tmp_path / "xor.npz", tmp_path / "xor.csv", tmp_path / "pred.csv"
    X, y = make_xor(n_samples=40, noise=0.05, random_state=11)
    data.write_text("x1,x2,y\n" + "".join(f"{float(a)!r},{float(b)!r},{t}\n" for (a, b), t in zip(X, y)))

    def call(*args):
        return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=120, check=False)

    r = call("train", "--dataset", "xor", "--layers", "8tanh", "--epochs", 100, "--lr", 0.05, "--output", model)
    assert r.returncode == 0, r.stderr
    assert score(r.stdout, "test", "accuracy") > 0.9
    assert "epoch 100/100" in r.stderr and "Traceback" not in r.stderr
    r = call("predict", model, data, "--output", pred)
    assert r.returncode == 0, r.stderr
    rows = read_rows(pred)
    assert rows[0] == ["y"] and len(rows) == 41
    assert np.mean(np.array([int(r[0]) for r in rows[1:]]) == y) > 0.9
    r = call("info", model)
    assert r.returncode == 0 and "2-8tanh-1sigmoid" in r.stdout and "task: binary" in r.stdout
    r = call("predict", model, tmp_path / "missing.csv")
    assert r.returncode == 2
    assert r.stderr.startswith("pyffnn: error: no such file") and "Traceback" not in r.stderr
