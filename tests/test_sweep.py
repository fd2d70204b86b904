"""Sweeps: the search space, local process sweeps recorded in the store, stopping a sweep, Dask, the CLI."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import pyffnn
from pyffnn import FFNNError, LogUniform, Uniform
from pyffnn.cli import main
from pyffnn.experiments import RunStore
from pyffnn.experiments.space import check_space, expand, grid_size
from pyffnn.experiments.sweep import Sweep, run_one, sweep_data


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ----- the space ---------------------------------------------------------------------------------------------

def test_grid_expands_every_combination_in_order():
    space = {"layers": ["8tanh", "16relu-16relu"], "lr": [0.1, 0.01], "seeds": [0, 1, 2]}
    points = expand(space)
    assert len(points) == grid_size(space) == 12
    assert points[0] == {"layers": "8tanh", "lr": 0.1, "seed": 0}
    assert points[1] == {"layers": "8tanh", "lr": 0.1, "seed": 1}  # the last setting varies fastest
    assert points[-1] == {"layers": "16relu-16relu", "lr": 0.01, "seed": 2}
    assert expand({"lr": 0.1}) == [{"lr": 0.1}]  # a single value is one choice


def test_random_search_is_reproducible_by_seed_and_log_uniform():
    space = {"lr": LogUniform(1e-4, 1e-1), "l2": Uniform(0, 1e-3), "optimizer": ["adam", "sgd"]}
    a = expand(space, "random", n_runs=200, random_state=3)
    assert a == expand(space, "random", n_runs=200, random_state=3)
    assert a != expand(space, "random", n_runs=200, random_state=4)
    lrs = np.array([p["lr"] for p in a])
    assert lrs.min() >= 1e-4 and lrs.max() <= 1e-1
    # log-uniform: about a third of the draws in each decade (uniform would put 90% in the last one)
    decades = np.histogram(np.log10(lrs), bins=[-4, -3, -2, -1])[0]
    assert decades.min() > 40, decades
    assert {p["optimizer"] for p in a} == {"adam", "sgd"}
    assert all(0 <= p["l2"] <= 1e-3 for p in a)


@pytest.mark.parametrize("space, method, n_runs, message", [
    ({"lr": [0.1], "momentum": [0.9]}, "grid", None, "'momentum' is unknown; the settings are: layers"),
    ({"lr": []}, "grid", None, "'lr' has no values"),
    ({"lr": LogUniform(1e-3, 1e-1)}, "grid", None, "a grid needs a list of values"),
    ({"seed": LogUniform(1, 10)}, "random", 3, "distributions are for lr and l2"),
    ({"lr": [0.0]}, "grid", None, "expected a learning rate > 0"),
    ({"l2": [-1.0]}, "grid", None, "expected an L2 penalty >= 0"),
    ({"batch_size": [0]}, "grid", None, "expected a minibatch size >= 1"),
    ({"seed": [1.5]}, "grid", None, "expected a seed >= 0"),
    ({"optimizer": ["adamw"]}, "grid", None, "expected one of sgd"),
    ({"layers": ["8tahn"]}, "grid", None, "unknown activation 'tahn'"),
    ({"seed": [0], "seeds": [1]}, "grid", None, "given twice"),
    ({"lr": [0.1]}, "random", None, "needs n_runs"),
    ({"lr": [0.1]}, "grid", 3, "n_runs is for a random search"),
    ({"lr": [0.1]}, "bayes", None, "expected 'grid' or 'random'"),
    ([0.1], "grid", None, "non-empty dict"),
])
def test_bad_spaces_say_what_to_fix(space, method, n_runs, message):
    with pytest.raises(FFNNError, match=message.replace("(", r"\(").replace(")", r"\)")):
        expand(space, method, n_runs=n_runs)


def test_bad_distributions():
    with pytest.raises(FFNNError, match="0 < low < high"):
        LogUniform(0, 1)
    with pytest.raises(FFNNError, match="low < high"):
        Uniform(2, 1)
    with pytest.raises(FFNNError, match="learning rates must be > 0"):
        check_space({"lr": Uniform(0, 1)}, "random")


def test_bad_data_is_refused():
    with pytest.raises(FFNNError, match="X has 3 rows but y has 2"):
        sweep_data((np.zeros((3, 2)), np.zeros(2)))
    with pytest.raises(FFNNError, match="must be numeric"):
        sweep_data((np.array([["a", "b"]]), np.zeros(1)))
    with pytest.raises(FFNNError, match="single class"):
        sweep_data((np.zeros((3, 2)), np.zeros(3, dtype=int)))
    with pytest.raises(FFNNError, match="built-in data set's name"):
        sweep_data(42)
    assert sweep_data("blobs").output == f"{pyffnn.datasets.load_builtin('blobs').n_classes}softmax"
    assert sweep_data("sine").output == "1linear"
    assert sweep_data((np.zeros((4, 2)), np.array([0, 1, 0, 1]))).output == "1sigmoid"
    assert sweep_data((np.zeros((4, 2)), np.arange(4.0))).output == "1linear"


# ----- local sweeps --------------------------------------------------------------------------------------------

def test_grid_sweep_on_two_processes_records_every_run(tmp_path):
    db = tmp_path / "sweep.sqlite"
    seen = []
    result = pyffnn.sweep({"layers": ["4tanh", "8tanh"], "lr": [0.05, 0.01], "seed": [0, 1]}, data="xor",
                          epochs=15, processes=2, runs_db=db, name="grid-test", on_result=seen.append)
    assert len(result) == len(seen) == 8 and not result.interrupted
    assert all(r["status"] == "finished" for r in result)
    losses = [r["val_loss"] for r in result]
    assert losses == sorted(losses) and result.best is result.rows[0]
    with RunStore(db) as store:
        runs = store.list_runs(sweep="grid-test", curves=True)
        assert store.integrity_check() == "ok"
        assert ("grid-test", 8) == store.sweeps()[0][:2]
    assert sorted(r.id for r in runs) == sorted(r["run_id"] for r in result)
    assert {r.status for r in runs} == {"finished"}
    assert 1 <= len({r.pid for r in runs}) <= 2  # written by the workers (both run at once: see the cancel test)
    assert {r.pid for r in runs}.isdisjoint({os.getpid()})
    by_id = {r.id: r for r in runs}
    for row in result:
        rec = by_id[row["run_id"]]
        assert rec.config["sweep_params"] == {"layers": row["layers"], "lr": row["lr"], "seed": row["seed"]}
        assert rec.config["architecture"] == f"2-{row['layers']}-1sigmoid" and rec.config["seed"] == row["seed"]
        assert rec.config["optimizer"]["lr"] == row["lr"] and len(rec.epochs) == 15
        assert rec.metrics["val_loss"] == pytest.approx(row["val_loss"])


def test_same_point_gives_the_same_run_in_a_worker_and_here(tmp_path):
    space = {"layers": ["6tanh"], "lr": [0.03], "seed": [5]}
    a = pyffnn.sweep(space, data="moons", epochs=10, processes=1, runs_db=tmp_path / "a.sqlite")
    b = pyffnn.sweep(space, data="moons", epochs=10, processes=0, runs_db=tmp_path / "b.sqlite")
    assert a.rows[0]["val_loss"] == b.rows[0]["val_loss"]  # bit for bit: seeded weights and shuffling


def test_a_failing_point_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    real_fit = pyffnn.Network.fit

    def fit(self, X, y, **kw):
        if kw["lr"] == 0.02:
            raise RuntimeError("broken on purpose")
        return real_fit(self, X, y, **kw)

    monkeypatch.setattr(pyffnn.Network, "fit", fit)
    result = pyffnn.sweep({"lr": [0.01, 0.02]}, data="xor", epochs=5, processes=0, runs_db=tmp_path / "s.sqlite")
    status = {r["lr"]: r for r in result}
    assert status[0.01]["status"] == "finished"
    assert status[0.02]["status"] == "failed" and "broken on purpose" in status[0.02]["error"]
    with RunStore(tmp_path / "s.sqlite") as store:
        failed = store.get_run(status[0.02]["run_id"])
    assert failed.status == "failed" and "broken on purpose" in failed.error
    assert result.best["lr"] == 0.01 and result.rows[-1] is status[0.02]


def _wait_for(predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_cancel_stops_workers_and_marks_runs_interrupted(tmp_path):
    db = tmp_path / "s.sqlite"
    job = Sweep({"seed": [0, 1, 2, 3]}, data="spiral", epochs=10 ** 6, processes=2, runs_db=db, name="long")
    job.start()
    with RunStore(db) as store:
        assert _wait_for(lambda: len(store.list_runs(sweep="long", status="running")) == 2)
        job.cancel()
        result = job.wait(60)
        assert result is not None and result.interrupted and not job.running
        runs = store.list_runs(sweep="long")
    assert len(runs) == 2 and {r.status for r in runs} == {"interrupted"}


def test_ctrl_c_on_the_command_line_stops_the_sweep(tmp_path):
    db = tmp_path / "s.sqlite"
    env = dict(os.environ, PYFFNN_RUNS_DB=str(db))
    proc = subprocess.Popen([sys.executable, "-m", "pyffnn.cli", "sweep", "--dataset", "spiral", "--seeds", "0,1,2",
                             "--epochs", "1000000", "--processes", "2", "--name", "cc"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with RunStore(db) as store:
            assert _wait_for(lambda: len(store.list_runs(sweep="cc", status="running")) == 2
                             or proc.poll() is not None), proc.communicate()
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
            runs = store.list_runs(sweep="cc")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "marked interrupted" in err and "Traceback" not in err
    assert len(runs) == 2 and {r.status for r in runs} == {"interrupted"}


def test_store_add_run_and_interrupt_running(tmp_path):
    with RunStore(tmp_path / "s.sqlite") as store:
        rid = store.add_run({"config": {"architecture": "2-1sigmoid"}, "status": "finished", "sweep": "d",
                             "metrics": {"loss": 0.5}, "epochs": [0, 1], "curves": {"loss": [0.7, 0.5]},
                             "host": "elsewhere", "pid": 1, "created": 100.0, "duration": 2.0})
        run_ = store.get_run(rid)
        assert run_.host == "elsewhere" and run_.curves == {"loss": [0.7, 0.5]} and run_.duration == 2.0
        with pytest.raises(FFNNError, match="status must be one of"):
            store.add_run({"status": "running"})
        other = store.start_run({}, sweep="d")
        assert store.interrupt_running(sweep="d") == 1
        assert store.get_run(other).status == "interrupted"
        with pytest.raises(FFNNError, match="needs a sweep name or run ids"):
            store.interrupt_running()


def test_run_one_in_memory_keeps_the_whole_run():
    data = sweep_data("xor")
    row = run_one({"index": 0, "params": {"lr": 0.05}, "epochs": 3, "name": "n", "sweep": "s"}, data, None)
    rec = row["record"]
    assert rec["status"] == "finished" and rec["epochs"] == [0, 1, 2] and len(rec["curves"]["loss"]) == 3
    assert rec["metrics"]["val_loss"] == row["val_loss"] and rec["config"]["sweep_params"] == {"lr": 0.05}


# ----- Dask ----------------------------------------------------------------------------------------------------

def test_sweep_on_a_dask_local_cluster_records_runs(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    db = tmp_path / "d.sqlite"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) \
            as cluster, distributed.Client(cluster) as client:
        result = pyffnn.sweep({"lr": [0.05, 0.01], "seed": [0, 1]}, data="xor", epochs=8, client=client,
                              runs_db=db, name="dask-test")
    assert len(result) == 4 and {r["status"] for r in result} == {"finished"}
    local = pyffnn.sweep({"lr": [0.05, 0.01], "seed": [0, 1]}, data="xor", epochs=8, processes=0,
                         runs_db=tmp_path / "l.sqlite")
    assert sorted(r["val_loss"] for r in result) == sorted(r["val_loss"] for r in local)  # same numbers
    with RunStore(db) as store:
        runs = store.list_runs(sweep="dask-test", curves=True)
    assert len(runs) == 4 and all(len(r.epochs) == 8 and r.status == "finished" for r in runs)
    assert sorted(r.id for r in runs) == sorted(r["run_id"] for r in result)


def test_sweep_by_scheduler_address(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        result = pyffnn.sweep({"lr": [0.05]}, data="xor", epochs=3, scheduler=cluster.scheduler_address,
                              runs_db=tmp_path / "d.sqlite")
    assert result.rows[0]["status"] == "finished" and result.rows[0]["run_id"] == 1


@pytest.mark.filterwarnings("ignore:.*maximum iterations")
def test_grid_search_cv_on_dask_through_joblib():
    distributed = pytest.importorskip("dask.distributed")
    pytest.importorskip("sklearn")
    import joblib
    from sklearn.model_selection import GridSearchCV

    from pyffnn import FFNNClassifier
    X, y = pyffnn.datasets.load_builtin("moons", random_state=0).X, pyffnn.datasets.load_builtin(
        "moons", random_state=0).y
    grid = {"hidden_layer_sizes": [(4,), (8,)], "learning_rate_init": [0.01, 0.003]}
    est = FFNNClassifier(max_iter=20, random_state=0)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) \
            as cluster, distributed.Client(cluster) as client:
        with joblib.parallel_backend("dask"):
            search = GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(X, y)
        assert client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.task_prefixes)) > 0
    serial = GridSearchCV(est, grid, cv=3, n_jobs=1).fit(X, y)
    assert search.best_params_ == serial.best_params_
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"])


def test_missing_dask_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import dask.distributed -> ImportError
    with pytest.raises(FFNNError, match=r"pip install pyffnn\[dask\]"):
        pyffnn.sweep({"lr": [0.1]}, data="xor", epochs=1, scheduler="tcp://127.0.0.1:1", runs_db=tmp_path / "s")


def test_library_imports_without_dask():
    code = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] in ('dask', 'distributed'):\n"
            "            raise ImportError('no ' + name)\n"
            "sys.meta_path.insert(0, Block())\n"
            "import pyffnn, pyffnn.experiments.sweep, pyffnn.cli\n"
            "assert callable(pyffnn.sweep)\n"
            "assert not any(m.startswith('dask') for m in sys.modules)\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


# ----- the command line ----------------------------------------------------------------------------------------

def test_cli_grid_sweep_prints_ranked_table_and_records_runs(capsys):
    code, out, err = run(capsys, "sweep", "--dataset", "xor", "--layers", "4tanh,8tanh-8tanh", "--lr", "0.05,0.01",
                         "--epochs", "10", "--processes", "2", "--name", "cli")
    assert code == 0, err
    assert "sweep cli: 4 runs on 2 local processes" in err and "[4/4]" in err
    lines = out.strip().splitlines()
    assert lines[0].split()[:5] == ["rank", "run", "status", "layers", "lr"]
    values = [float(line.split()[5]) for line in lines[1:5]]
    assert values == sorted(values)
    best_id = lines[1].split()[1]
    assert f"best: run {best_id} " in lines[-1]
    with RunStore() as store:
        runs = store.list_runs(sweep="cli")
    assert len(runs) == 4 and runs[0].config["split"] == {"val": 0.15, "test": 0.15, "seed": 0}
    code, out, err = run(capsys, "runs", "list", "--sweep", "cli")
    assert code == 0 and len(out.strip().splitlines()) == 5


def test_cli_random_sweep_on_a_csv(capsys, tmp_path):
    path = tmp_path / "t.csv"
    rng = np.random.default_rng(0)
    rows = ["size,colour,label"] + [f"{rng.normal():.3f},{'red' if k % 3 else 'blue'},{'yes' if k % 2 else 'no'}"
                                    for k in range(60)]
    path.write_text("\n".join(rows) + "\n")
    argv = ("sweep", path, "--target", "label", "--random", "3", "--lr", "1e-3:1e-1", "--l2", "0:1e-3",
            "--epochs", "5", "--processes", "0", "--random-seed", "4", "--quiet-data")
    code, out, err = run(capsys, *argv, "--name", "r1")
    assert code == 0, err
    code, out2, err = run(capsys, *argv, "--name", "r2")
    with RunStore() as store:
        a = sorted(r.config["sweep_params"]["lr"] for r in store.list_runs(sweep="r1"))
        b = sorted(r.config["sweep_params"]["lr"] for r in store.list_runs(sweep="r2"))
        arch = store.list_runs(sweep="r1")[0].config["architecture"]
    assert a == b and len(a) == 3 and all(1e-3 <= v <= 1e-1 for v in a)
    assert arch.startswith("3-16tanh-1sigmoid") or arch.startswith("2-16tanh-1sigmoid")


@pytest.mark.parametrize("argv, message", [
    (["--dataset", "xor", "--lr", "0.1:0.01", "--random", "2"], "LOW must be below HIGH"),
    (["--dataset", "xor", "--lr", "0.1:1"], "a LOW:HIGH range is for --random N"),
    (["--dataset", "xor", "--lr", "0.1,,0.2"], "an empty value"),
    (["--dataset", "xor", "--batch-size", "x"], "'x' is not an integer"),
    (["--dataset", "xor", "--random", "0"], "needs n_runs, a positive number"),
    (["--dataset", "xor", "--processes", "-1"], "processes must be a number >= 0"),
    (["--dataset", "xor", "--random-seed", "3"], "--random-seed only applies to --random N"),
    (["--dataset", "xor", "--val", "0"], "no validation rows"),
    ([], "give the data once"),
    (["--dataset", "xor", "--target", "y"], "--target only applies to a CSV file"),
])
def test_cli_errors_are_one_line_exit_2(capsys, argv, message):
    code, out, err = run(capsys, "sweep", "--epochs", "2", "--processes", "0", *argv)
    assert code == 2
    assert err.count("\n") == 1 and message in err and err.startswith("pyffnn: error:")


def test_cli_missing_dask(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    code, out, err = run(capsys, "sweep", "--dataset", "xor", "--epochs", "1", "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and "pip install pyffnn[dask]" in err and err.count("\n") == 2  # the banner line, the error


def test_killing_the_sweep_takes_its_workers_with_it(tmp_path):
    db = tmp_path / "s.sqlite"
    env = dict(os.environ, PYFFNN_RUNS_DB=str(db))
    proc = subprocess.Popen([sys.executable, "-m", "pyffnn.cli", "sweep", "--dataset", "xor", "--seeds", "0,1",
                             "--epochs", "1000000", "--processes", "2", "--name", "k"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with RunStore(db) as store:
            assert _wait_for(lambda: len(store.list_runs(sweep="k", status="running")) == 2)
            pids = [r.pid for r in store.list_runs(sweep="k")]
            proc.kill()
            proc.wait(30)
            assert _wait_for(lambda: {r.status for r in store.list_runs(sweep="k")} == {"interrupted"}, 30)
    finally:
        if proc.poll() is None:
            proc.kill()
    for pid in pids:
        assert _wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 30)
