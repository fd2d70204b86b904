"""Data-parallel training over MPI (fit(..., comm=), pyffnn.fit_mpi).

The equality tests run ``mpirun -n 2`` on loopback (Open MPI from the ``mpi`` extra, in the test extra) and compare
every rank's weights with single-process ``fit`` on the same global minibatches.  The argument checks use a
stand-in communicator and need no MPI.
"""
import json
import os
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest

import pyffnn
from pyffnn import FFNNError

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = {
    "adam_f64_split": {"spec": "5-16tanh-8relu-1sigmoid", "dtype": "float64", "n": 203,
                       "fit": {"optimizer": "adam", "lr": 0.01, "epochs": 6, "batch_size": 32, "random_state": 1,
                               "validation_split": 0.2}},
    "momentum_l2_weights_f64": {"spec": "5-12relu-3softmax", "dtype": "float64", "n": 150, "weights": True,
                                "fit": {"optimizer": "momentum", "lr": 0.05, "epochs": 4, "batch_size": 17,
                                        "l2": 1e-3, "random_state": 7}},
    "rank0_schedule_stop_f64": {"spec": "5-10tanh-1", "dtype": "float64", "n": 120, "rank0_callbacks": True,
                                "fit": {"optimizer": "sgd", "lr": 0.05, "epochs": 8, "batch_size": 8,
                                        "random_state": 3}},
    "adam_f32": {"spec": "5-16tanh-1sigmoid", "dtype": "float32", "n": 160,
                 "fit": {"optimizer": "adam", "lr": 0.01, "epochs": 5, "batch_size": 20, "random_state": 2}},
}


def case_data(case):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(case["n"], 5))
    out = case["spec"].rsplit("-", 1)[1]
    if out.endswith("softmax"):
        y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)
    elif out.endswith("sigmoid"):
        y = (X[:, 0] * X[:, 1] > 0).astype(int)
    else:
        y = np.sin(X[:, 0]) + 0.5 * X[:, 2]
    w = rng.uniform(0.2, 2.0, size=case["n"]) if case.get("weights") else None
    return X, y, w


class _StopAt(pyffnn.Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            self.network.stop_training = True


def case_callbacks(case):
    if not case.get("rank0_callbacks"):
        return []
    return [pyffnn.StepDecay(initial_lr=0.05, drop=0.5, every=2), _StopAt(4)]


def _single_process(case):
    X, y, w = case_data(case)
    net = pyffnn.Network(case["spec"], dtype=case["dtype"], random_state=100)
    history = net.fit(X, y, sample_weight=w, callbacks=case_callbacks(case), **case["fit"])
    return net, history


def _mpirun():
    for path in (os.path.join(os.path.dirname(sys.executable), "mpirun"), shutil.which("mpirun")):
        if path and os.path.exists(path):
            return path
    return None


def _mpi_env():
    env = dict(os.environ)
    # loopback only: TCP between the ranks on lo, no other transport probing the machine's devices
    env.update({"OMPI_MCA_btl": "self,tcp", "OMPI_MCA_btl_tcp_if_include": "lo", "OMPI_MCA_pml": "ob1",
                "OMPI_MCA_rmaps_base_oversubscribe": "1", "FFNN_NUM_THREADS": "1", "PYTHONPATH": HERE})
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.update({"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"})
    return env


def _mpi_missing():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return "mpi4py is not installed (pip install pyffnn[mpi])"
    if _mpirun() is None:
        return "no mpirun (pip install pyffnn[mpi] brings Open MPI's)"
    return None


@pytest.fixture(scope="module")
def mpi_results(tmp_path_factory):
    missing = _mpi_missing()
    if missing:
        pytest.skip(missing)
    out = tmp_path_factory.mktemp("mpi")
    cmd = [_mpirun(), "-n", "2", "--oversubscribe", sys.executable, os.path.join(HERE, "mpi_script.py"), str(out)]
    proc = subprocess.run(cmd, env=_mpi_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"mpirun failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    results = {}
    for name in CASES:
        results[name] = [np.load(out / f"{name}.{rank}.npz") for rank in range(2)]
    return results


@pytest.mark.parametrize("name", sorted(CASES))
def test_two_ranks_equal_single_process(mpi_results, name):
    case = CASES[name]
    net, history = _single_process(case)
    rank0, rank1 = mpi_results[name]
    # identical updates everywhere: the two ranks end bit for bit the same
    assert np.array_equal(rank0["params"], rank1["params"])
    assert json.loads(str(rank0["history"])) == json.loads(str(rank1["history"]))
    # and equal to one process on the same global minibatches, to the rounding of the gradient's summation order
    params = rank0["params"]
    scale = np.abs(net.params).max()
    tol = 1e-12 if case["dtype"] == "float64" else 1e-4
    assert np.abs(params - net.params).max() <= tol * scale, np.abs(params - net.params).max() / scale
    assert int(rank0["epochs_done"]) == net.epochs_done
    mpi_history = json.loads(str(rank0["history"]))
    assert sorted(mpi_history) == sorted(history.history)
    for key, values in history.history.items():
        np.testing.assert_allclose(mpi_history[key], values, rtol=tol * 10, atol=tol)


def test_rank0_callbacks_rule_every_rank(mpi_results):
    """Callbacks on rank 0 only: its learning-rate schedule and its stop reach rank 1 (it would otherwise run all 8
    epochs at lr 0.05 and hang in a collective)."""
    rank0, rank1 = mpi_results["rank0_schedule_stop_f64"]
    assert int(rank0["epochs_done"]) == int(rank1["epochs_done"]) == 5
    assert json.loads(str(rank1["history"]))["lr"] == [0.05, 0.05, 0.025, 0.025, 0.0125]


# ---- argument checks, without MPI --------------------------------------------------------------------------------
class ThreadComm:
    """A stand-in for an MPI communicator whose ranks are threads of this process (for the checks below)."""

    def __init__(self, rank, size, shared):
        self.rank, self.size, self.shared = rank, size, shared

    def Get_rank(self):
        return self.rank

    def Get_size(self):
        return self.size

    def _exchange(self, value):
        barrier, slots = self.shared
        slots[self.rank] = value
        barrier.wait()
        values = list(slots)
        barrier.wait()
        return values

    def allgather(self, value):
        return self._exchange(value)

    def bcast(self, value, root=0):
        return self._exchange(value)[root]

    def Bcast(self, buf, root=0):
        buf[...] = self._exchange(np.array(buf))[root]

    def Allreduce(self, send, recv):
        recv[...] = np.sum(self._exchange(np.array(send)), axis=0)


def _thread_ranks(size, work):
    shared = (threading.Barrier(size, timeout=60), [None] * size)
    results = [None] * size

    def run(rank):
        try:
            results[rank] = work(ThreadComm(rank, size, shared))
        except Exception as exc:  # noqa: BLE001  (handed back to the test)
            results[rank] = exc

    threads = [threading.Thread(target=run, args=(r,)) for r in range(size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def _xy(n=40):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] > 0).astype(int)


def test_thread_ranks_match_single_process():
    """The same algorithm with ranks as threads: three ranks, an uneven last minibatch (one rank gets no sample)."""
    X, y = _xy(41)
    settings = {"optimizer": "adam", "lr": 0.02, "epochs": 3, "batch_size": 5, "random_state": 4}

    def work(comm):
        net = pyffnn.Network("3-6tanh-1sigmoid", random_state=comm.Get_rank())
        net.fit(X, y, comm=comm, **settings)
        return net.params

    results = _thread_ranks(3, work)
    ref = pyffnn.Network("3-6tanh-1sigmoid", random_state=0)
    ref.fit(X, y, **settings)
    for params in results:
        assert isinstance(params, np.ndarray), params
        np.testing.assert_allclose(params, ref.params, rtol=0, atol=1e-12)


def test_batch_smaller_than_ranks_is_clear():
    X, y = _xy()
    net = pyffnn.Network("3-4tanh-1sigmoid", random_state=0)
    with pytest.raises(FFNNError, match=r"batch_size=2 is smaller than the 3 MPI ranks.*batch_size >= 3"):
        net.fit(X, y, batch_size=2, epochs=1, comm=ThreadComm(0, 3, None))


def test_fewer_samples_than_ranks_is_clear():
    X, y = _xy(3)
    net = pyffnn.Network("3-4tanh-1sigmoid", random_state=0)
    with pytest.raises(FFNNError, match="3 training samples cannot be shared by 4 MPI ranks"):
        net.fit(X, y, batch_size=None, epochs=1, comm=ThreadComm(0, 4, None))


def test_lbfgs_and_non_communicators_are_refused():
    X, y = _xy()
    net = pyffnn.Network("3-4tanh-1sigmoid", random_state=0)
    with pytest.raises(FFNNError, match="not lbfgs"):
        net.fit(X, y, optimizer="lbfgs", epochs=1, comm=ThreadComm(0, 2, None))
    with pytest.raises(FFNNError, match="comm must be an MPI communicator"):
        net.fit(X, y, epochs=1, comm=object())


def test_different_data_on_ranks_is_an_error_on_every_rank():
    X, y = _xy()

    def work(comm):
        Xr = X + comm.Get_rank()  # rank 1 loaded other data
        net = pyffnn.Network("3-4tanh-1sigmoid", random_state=0)
        net.fit(Xr, y, epochs=1, batch_size=8, comm=comm)

    for result in _thread_ranks(2, work):
        assert isinstance(result, FFNNError) and "rank(s) 1 hold different training data" in str(result)


def test_fit_mpi_without_mpi4py_is_clear(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("mpi4py"):
            raise ImportError("No module named 'mpi4py'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    X, y = _xy()
    with pytest.raises(FFNNError, match=r"needs mpi4py.*pip install pyffnn\[mpi\]"):
        pyffnn.fit_mpi(pyffnn.Network("3-4tanh-1sigmoid"), X, y, epochs=1)


def test_library_imports_without_mpi4py():
    code = ("import sys; sys.modules['mpi4py'] = None; import pyffnn, numpy as np; "
            "net = pyffnn.Network('2-3tanh-1'); net.fit(np.zeros((4, 2)), np.zeros(4), epochs=1); print('ok')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "ok", proc.stderr
