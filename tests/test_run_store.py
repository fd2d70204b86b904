"""The run store and RunLogger: what is recorded, statuses, several writers at once, kill -9 never corrupts."""
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import pyffnn
from pyffnn import Callback, FFNNError, Network, RunLogger
from pyffnn.datasets import make_xor
from pyffnn.experiments import RunStore, data_fingerprint
from pyffnn.experiments import store as store_module


@pytest.fixture
def store(tmp_path):
    with RunStore(tmp_path / "runs.sqlite") as s:
        yield s


def test_store_is_wal_and_versioned(store):
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == store_module.SCHEMA_VERSION
    db.close()


def test_default_path_follows_env_and_platformdirs(tmp_path, monkeypatch):
    monkeypatch.setenv("PYFFNN_RUNS_DB", str(tmp_path / "x.sqlite"))
    assert store_module.default_path() == str(tmp_path / "x.sqlite")
    monkeypatch.delenv("PYFFNN_RUNS_DB")
    import platformdirs
    assert store_module.default_path().startswith(platformdirs.user_data_dir("pyffnn", appauthor=False))


def test_run_logger_records_config_curves_metrics(store):
    X, y = make_xor(120, random_state=0)
    net = Network("2-8tanh-1sigmoid", random_state=0)
    logger = RunLogger(store, data=(X, y), name="xor", config={"preprocessing": {"scaled": False}})
    history = net.fit(X, y, optimizer="sgd", lr=0.2, epochs=15, batch_size=16, l2=1e-4, validation_split=0.25,
                      callbacks=[logger], random_state=3)
    run = store.get_run(logger.run_id)
    assert run.status == "finished" and run.name == "xor" and run.pid == os.getpid()
    c = run.config
    assert c["architecture"] == "2-8tanh-1sigmoid" and c["seed"] == 3
    assert c["optimizer"] == {"name": "sgd", "lr": 0.2, "momentum": 0.0, "nesterov": False, "l2": 1e-4, "l1": 0.0}
    assert c["fit"]["batch_size"] == 16 and c["fit"]["l2"] == 1e-4 and c["fit"]["n_validation"] == 30
    assert c["data"]["sha256"] == data_fingerprint(X, y)["sha256"] and c["data"]["n_samples"] == 120
    assert c["versions"]["pyffnn"] == pyffnn.__version__ and c["preprocessing"] == {"scaled": False}
    assert run.epochs == list(range(15))
    np.testing.assert_allclose(run.curves["loss"], history["loss"])
    np.testing.assert_allclose(run.curves["val_accuracy"], history["val_accuracy"])
    assert run.metrics["val_loss"] == pytest.approx(history["val_loss"][-1])
    assert run.metrics["best_val_loss"] == pytest.approx(min(history["val_loss"]))
    assert run.duration > 0 and run.ended >= run.created


def test_fingerprint_changes_with_content():
    X = np.arange(12.0).reshape(6, 2)
    a = data_fingerprint(X, np.zeros(6))["sha256"]
    X[3, 1] += 1e-12
    assert data_fingerprint(X, np.zeros(6))["sha256"] != a


def test_diverged_failed_and_interrupted_statuses(store):
    X, y = make_xor(64, random_state=0)
    net = Network("2-8relu-1linear", random_state=0)
    logger = RunLogger(store)
    with pytest.raises(pyffnn.TrainingDiverged):
        net.fit(X * 1e150, y, optimizer="sgd", lr=1e10, epochs=5, callbacks=[logger])
    assert store.get_run(logger.run_id).status == "diverged"

    class Boom(Callback):
        def __init__(self, exc):
            self.exc = exc

        def on_epoch_end(self, epoch, logs):
            if epoch == 2:
                raise self.exc

    for exc, status in ((RuntimeError("disk on fire"), "failed"), (KeyboardInterrupt(), "interrupted")):
        logger = RunLogger(store)
        with pytest.raises(type(exc)):
            Network("2-4tanh-1sigmoid", random_state=0).fit(X, y, epochs=10, callbacks=[logger, Boom(exc)])
        run = store.get_run(logger.run_id)
        assert run.status == status and run.epochs == [0, 1, 2]
    assert "disk on fire" in store.list_runs(status="failed")[0].error


def test_filters_and_delete(store):
    ids = [store.start_run({"architecture": a}, name=n, sweep=s)
           for a, n, s in (("2-8tanh-1sigmoid", "a", None), ("2-4relu-1sigmoid", "b", "sw"), ("3-1linear", None, "sw"))]
    for rid in ids[:2]:
        store.finish_run(rid, "finished", {"loss": 0.5})
    assert [r.id for r in store.list_runs(sweep="sw")] == ids[:0:-1]
    assert [r.id for r in store.list_runs(contains="4relu")] == [ids[1]]
    assert [r.id for r in store.list_runs(status="running")] == [ids[2]]  # this process is alive
    with pytest.raises(FFNNError, match="unknown status"):
        store.list_runs(status="done")
    store.log_epochs(ids[0], [(0, {"loss": 1.0}), (1, {"loss": float("nan")})])
    assert store.get_run(ids[0]).curves["loss"] == [1.0, None]  # non-finite stored as NULL, not a lie
    assert store.delete_runs([ids[0], 999]) == 1
    with pytest.raises(FFNNError, match="no run with id"):
        store.get_run(ids[0])
    assert store._db.execute("SELECT COUNT(*) FROM curves").fetchone()[0] == 0  # curves went with the run


def test_stale_running_rows_become_interrupted(store, monkeypatch):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    rid = store.start_run({"architecture": "2-1linear"})
    store._db.execute("UPDATE runs SET pid=? WHERE id=?", (dead.pid, rid))
    other = store.start_run({"architecture": "2-1linear"})
    store._db.execute("UPDATE runs SET host='elsewhere', heartbeat=? WHERE id=?", (time.time() - 1e4, other))
    fresh = store.start_run({"architecture": "2-1linear"})
    store._db.execute("UPDATE runs SET host='elsewhere' WHERE id=?", (fresh,))
    status = {r.id: r.status for r in store.list_runs()}
    assert status == {rid: "interrupted", other: "interrupted", fresh: "running"}


def test_bad_store_paths_are_clear_errors(tmp_path):
    with pytest.raises(FFNNError, match="is a directory"):
        RunStore(tmp_path)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database, it is a shopping list" * 100)
    with pytest.raises(FFNNError, match="not a usable SQLite database"):
        RunStore(junk)
    assert junk.read_bytes().startswith(b"this is not")  # the user's file is untouched
    newer = tmp_path / "newer.sqlite"
    db = sqlite3.connect(newer)
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(FFNNError, match="newer than this pyffnn"):
        RunStore(newer)


_WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from pyffnn import Network, RunLogger
    from pyffnn.experiments import RunStore
    store = RunStore(sys.argv[1])
    rng = np.random.default_rng(int(sys.argv[2]))
    X = rng.normal(size=(256, 4)); y = (X[:, 0] > 0).astype(float)
    print("ready", flush=True)
    for k in range(int(sys.argv[3])):
        net = Network("4-16tanh-1sigmoid", random_state=k)
        net.fit(X, y, epochs=40, batch_size=8, callbacks=[RunLogger(store, name=f"w{sys.argv[2]}",
                flush_interval=0.0, heartbeat_interval=0.0)])
""")


def _writer(path, seed, runs):
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(seed), str(runs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_concurrent_writers_all_recorded(tmp_path):
    path = tmp_path / "runs.sqlite"
    procs = [_writer(path, seed, 3) for seed in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    with RunStore(path) as store:
        runs = store.list_runs(curves=True)
        assert len(runs) == 9 and {r.status for r in runs} == {"finished"}
        assert all(r.epochs == list(range(40)) for r in runs)
        assert store.integrity_check() == "ok"


def test_kill_9_never_corrupts_and_leaves_interrupted(tmp_path):
    path = tmp_path / "runs.sqlite"
    rng = np.random.default_rng(0)
    for round_ in range(6):  # bounded: six rounds of two writers killed at random moments mid-write
        procs = [_writer(path, 10 * round_ + i, 1000) for i in range(2)]
        for p in procs:
            line = p.stdout.readline().strip()
            if line != "ready":  # the writer died before writing: show why rather than an empty string
                p.kill()
                raise AssertionError(f"writer did not start: {line!r}\n{p.communicate(timeout=30)[1][-3000:]}")
        time.sleep(0.3 + 0.4 * rng.random())
        for p in procs:
            os.kill(p.pid, signal.SIGKILL)
        for p in procs:
            p.communicate(timeout=30)
            assert p.returncode == -signal.SIGKILL
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    with RunStore(path) as store:
        runs = store.list_runs()
        assert runs, "the writers recorded nothing before being killed"
        assert "running" not in {r.status for r in runs}
        assert sum(r.status == "interrupted" for r in runs) >= 6  # a killed writer had a run open
        assert {r.status for r in runs} <= {"finished", "interrupted"}


def test_a_momentarily_locked_database_is_retried_on_open(tmp_path, monkeypatch):
    # a writer killed mid-commit leaves a WAL whose recovery (and the switch to WAL) can answer "database is
    # locked" without waiting for the busy timeout: opening retries instead of failing (seen in CI)
    real_open, calls = RunStore._open, []

    def flaky_open(self):
        calls.append(1)
        if len(calls) <= 2:
            raise sqlite3.OperationalError("database is locked")
        real_open(self)

    monkeypatch.setattr(RunStore, "_open", flaky_open)
    with RunStore(tmp_path / "runs.sqlite") as store:
        assert store.integrity_check() == "ok"
    assert len(calls) == 3


def test_a_file_that_is_not_a_database_is_not_retried(tmp_path):
    path = tmp_path / "runs.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(FFNNError, match="not a usable SQLite database"):
        RunStore(path)
