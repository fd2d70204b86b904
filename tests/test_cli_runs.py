"""`pyffnn train` records runs; `pyffnn runs list|show|compare|export|delete` read them."""
import builtins
import csv
import io
import json

import numpy as np
import pytest

from pyffnn.cli import main
from pyffnn.experiments import RunStore


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def two_runs(tmp_path, capsys):
    for k, lr in enumerate((0.001, 0.1)):
        code, out, err = run(capsys, "train", "--dataset", "xor", "--epochs", 20 + 10 * k, "--lr", lr, "--quiet",
                             "-o", tmp_path / f"m{k}.npz")
        assert code == 0, err
        assert f"recorded as run {k + 1}" in out
    return tmp_path


def test_train_records_by_default_and_no_record_skips(two_runs, capsys, tmp_path):
    with RunStore() as store:
        runs = store.list_runs(curves=True)
    assert [r.id for r in runs] == [2, 1]
    r = runs[0]
    assert r.status == "finished" and r.model_path == str(tmp_path / "m1.npz")
    assert r.config["data"]["source"] == {"dataset": "xor", "samples": 200, "noise": 0.1}
    prep = r.config["preprocessing"]
    assert prep["standardize"] and len(prep["preprocessor"]["scaler"]["mean"]) == 2
    assert r.config["optimizer"]["lr"] == 0.1 and len(r.epochs) == 30
    assert 0 <= r.metrics["test_accuracy"] <= 1 and "val_loss" in r.metrics
    code, out, _ = run(capsys, "train", "--dataset", "xor", "--epochs", 5, "--quiet", "--no-record",
                       "-o", tmp_path / "m.npz")
    assert code == 0 and "recorded" not in out
    with RunStore() as store:
        assert len(store.list_runs()) == 2


def test_runs_db_option_and_bad_store(tmp_path, capsys):
    db = tmp_path / "other.sqlite"
    code, out, _ = run(capsys, "train", "--dataset", "xor", "--epochs", 3, "--quiet", "--runs-db", db,
                       "-o", tmp_path / "m.npz")
    assert code == 0 and str(db) in out
    code, out, _ = run(capsys, "runs", "list", "--runs-db", db)
    assert code == 0 and "2-16tanh-1sigmoid" in out
    code, _, err = run(capsys, "train", "--dataset", "xor", "--epochs", 3, "--quiet", "--runs-db", tmp_path,
                       "-o", tmp_path / "m2.npz")
    assert code == 2 and "is a directory" in err and not (tmp_path / "m2.npz").exists()


def test_list_show_compare(two_runs, capsys):
    code, out, _ = run(capsys, "runs", "list")
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].split()[:3] == ["id", "status", "started"] and len(lines) == 3
    code, out, _ = run(capsys, "runs", "list", "--filter", "nothing-like-this")
    assert code == 0 and "no runs" in out
    code, out, _ = run(capsys, "runs", "show", 1)
    assert code == 0 and "run 1  finished" in out and '"architecture": "2-16tanh-1sigmoid"' in out
    assert "curves (20 epochs)" in out
    code, out, _ = run(capsys, "runs", "compare", "1-2")
    header, first, second = out.strip().splitlines()[:3]
    assert "lr" in header.split() and "epochs" in header.split() and "test_accuracy" in header.split()
    assert first.split()[:3] == ["1", "finished", "0.001"] and second.split()[:3] == ["2", "finished", "0.1"]
    assert "same in all: architecture=2-16tanh-1sigmoid" in out


def test_compare_png(two_runs, capsys):
    pytest.importorskip("matplotlib")
    png = two_runs / "c.png"
    code, out, err = run(capsys, "runs", "compare", 1, 2, "--png", png)
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, err = run(capsys, "runs", "compare", 1, "--png", png, "--curves", "nope")
    assert code == 2 and "has a curve named nope" in err and "val_loss" in err


def test_compare_png_without_matplotlib_is_a_clear_error(two_runs, capsys, monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    code, _, err = run(capsys, "runs", "compare", 1, 2, "--png", two_runs / "c.png")
    assert code == 2 and "pip install pyffnn[plot]" in err


def test_export_json_and_csv(two_runs, capsys):
    code, out, _ = run(capsys, "runs", "export", 2)
    data = json.loads(out)
    assert code == 0 and [d["id"] for d in data] == [2] and len(data[0]["curves"]["loss"]) == 30
    target = two_runs / "runs.csv"
    code, _, err = run(capsys, "runs", "export", "--format", "csv", "-o", target)
    assert code == 0 and "exported 2 runs" in err
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    loss = [float(r["value"]) for r in rows if r["run_id"] == "1" and r["curve"] == "loss"]
    with RunStore() as store:
        np.testing.assert_allclose(loss, store.get_run(1).curves["loss"])


def test_delete_and_bad_ids(two_runs, capsys):
    code, _, err = run(capsys, "runs", "delete", 1, 99)
    assert code == 2 and "no run with id 99" in err
    with pytest.raises(SystemExit) as exc:
        main(["runs", "show", "x"])
    assert exc.value.code == 2 and "invalid int value: 'x'" in capsys.readouterr().err
    code, out, _ = run(capsys, "runs", "delete", 1)
    assert code == 0 and "deleted 1 run" in out and (two_runs / "m0.npz").exists()
    with RunStore() as store:
        assert [r.id for r in store.list_runs()] == [2]
    code, _, err = run(capsys, "runs", "compare", "2,x")
    assert code == 2 and "bad run id 'x'" in err
