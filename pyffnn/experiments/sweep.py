"""Sweeps: train one network per point of a search space, in parallel, every run recorded in the run store.

>>> result = pyffnn.sweep({"layers": ["8tanh", "16tanh-16tanh"], "lr": [0.01, 0.001], "seed": [0, 1]},
...                       data="spiral", epochs=100)             # 8 runs on local processes
>>> result.best["run_id"], result.best["val_loss"]
>>> result = pyffnn.sweep({"lr": pyffnn.LogUniform(1e-4, 1e-1), "layers": ["16tanh"]}, data=(X, y),
...                       method="random", n_runs=20, random_state=0)
>>> result = pyffnn.sweep(space, data=(X, y), client=dask_client)  # or scheduler="tcp://host:8786"

Local sweeps run in ``processes`` worker processes (default ``os.cpu_count()``; started with ``spawn``, so they
are safe under threads and on every OS); each worker records its runs into the store itself (WAL: concurrent
writers are fine), so ``pyffnn runs list --sweep NAME`` shows them while they train.  Dask sweeps send each run
back to the submitting process, which records it (the cluster's workers need pyffnn, not the store's disk).
Stopping a sweep (Ctrl-C, :meth:`Sweep.cancel`) stops the workers and marks their unfinished runs
``interrupted``.
"""
import os
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import FFNNError, TrainingDiverged
from .logger import RunLogger, data_fingerprint
from .space import SETTINGS, check_space, expand
from .store import RunStore

LOWER_IS_BETTER = ("loss", "val_loss", "mse", "val_mse")


# ---------------------------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class SweepData:
    """What every run of a sweep trains on: training and validation arrays, the output layer they need and a
    description for the run store.  Build it with :func:`sweep_data`."""

    X: np.ndarray
    y: np.ndarray
    X_val: np.ndarray = None
    y_val: np.ndarray = None
    validation_split: float = 0.0
    output: str = "1linear"
    source: object = None
    fingerprint: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)

    @property
    def n_features(self):
        return self.X.shape[1]


def _infer_output(y):
    y = np.asarray(y)
    if y.ndim == 2:
        return f"{y.shape[1]}linear"
    if y.dtype.kind in "biu":
        k = len(np.unique(y))
        if k < 2:
            raise FFNNError("the targets hold a single class; a sweep needs at least two classes (or float "
                            "targets for regression)")
        return "1sigmoid" if k == 2 else f"{int(y.max()) + 1}softmax"
    return "1linear"


def _check_arrays(X, y, what):
    X = np.asarray(X)
    y = np.asarray(y)
    if X.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        raise FFNNError(f"{what}: X and y must be numeric arrays (got dtypes {X.dtype} and {y.dtype}); encode text "
                        "columns first (pyffnn.datasets.Preprocessor, or the CLI's 'pyffnn sweep FILE.csv')")
    if X.ndim != 2:
        raise FFNNError(f"{what}: X must be 2-D (n_samples, n_features), got shape {X.shape}")
    if len(y) != len(X):
        raise FFNNError(f"{what}: X has {len(X)} rows but y has {len(y)}")
    return X, y


def sweep_data(data, validation_data=None, validation_split=0.2, output=None, source=None, config=None):
    """A :class:`SweepData` from ``data``: ``(X, y)`` arrays, a built-in data set's name (``"spiral"``), a
    :class:`~pyffnn.datasets.Dataset` or a ready :class:`SweepData`.

    Validation: ``validation_data=(X_val, y_val)``, else ``validation_split`` of the training rows (0 for none).
    ``output``: the output layer (e.g. ``"3softmax"``); by default integer targets are classes (two: ``1sigmoid``,
    K: ``Ksoftmax``) and float targets regression (``linear``).
    """
    if isinstance(data, SweepData):
        return data
    from ..data.dataset import Dataset
    if isinstance(data, str):
        from ..data.generators import load_builtin
        source = source or {"dataset": data}
        data = load_builtin(data, random_state=0)
    if isinstance(data, Dataset):
        X, y = data.X, data.y
        if output is None:
            output = {"binary": "1sigmoid", "multiclass": f"{data.n_classes}softmax",
                      "multilabel": f"{y.shape[1] if y.ndim == 2 else 1}sigmoid"}.get(
                data.task, f"{y.shape[1] if y.ndim == 2 else 1}linear")
    else:
        try:
            X, y = data
        except (TypeError, ValueError):
            raise FFNNError("sweep data must be (X, y), a built-in data set's name such as 'spiral', or a Dataset") \
                from None
    X, y = _check_arrays(X, y, "sweep data")
    Xv = yv = None
    if validation_data is not None:
        try:
            Xv, yv = validation_data
        except (TypeError, ValueError):
            raise FFNNError("validation_data must be a pair (X_val, y_val)") from None
        Xv, yv = _check_arrays(Xv, yv, "validation_data")
        if Xv.shape[1] != X.shape[1]:
            raise FFNNError(f"validation_data has {Xv.shape[1]} features but the training data {X.shape[1]}")
        validation_split = 0.0
    output = output or _infer_output(y)
    fingerprint = data_fingerprint(X, y, source=source)
    return SweepData(X=X, y=y, X_val=Xv, y_val=yv, validation_split=float(validation_split), output=output,
                     source=source, fingerprint=fingerprint, config=dict(config or {}))


# ---------------------------------------------------------------------------------------------------------------
# one run (in a worker)
# ---------------------------------------------------------------------------------------------------------------

class _MemoryStore:
    """Stands in for the run store inside a Dask worker: keeps the one run in memory to send back."""

    def __init__(self):
        self.record = None
        self.path = "(memory)"

    def start_run(self, config, name=None, sweep=None):
        import socket
        self.record = {"config": config, "name": name, "sweep": sweep, "created": time.time(), "epochs": [],
                       "curves": {}, "host": socket.gethostname(), "pid": os.getpid(), "status": "running"}
        return 0

    def log_epochs(self, run_id, rows):
        r = self.record
        for epoch, logs in rows:
            r["epochs"].append(int(epoch))
            for k, v in logs.items():
                r["curves"].setdefault(k, [None] * (len(r["epochs"]) - 1)).append(v)
            for vals in r["curves"].values():
                vals.extend([None] * (len(r["epochs"]) - len(vals)))

    def heartbeat(self, run_id):
        pass

    def finish_run(self, run_id, status, metrics=None, model_path=None, error=None, duration=None):
        self.record.update(status=status, metrics=dict(metrics or {}), error=error, duration=duration)


def run_one(task, data, store=None):
    """Train the run ``task`` (from :meth:`Sweep.tasks`) on ``data`` (a :class:`SweepData`), recording it with a
    :class:`RunLogger` into ``store`` (a path or store; None: kept in memory and returned as ``record``).
    Returns a result row: ``index``, ``run_id``, ``status``, ``error``, the settings and the final metrics."""
    from ..network import Network

    params = dict(task["params"])
    settings = {k: params.get(k, SETTINGS[k][0]) for k in SETTINGS}
    settings["epochs"] = settings["epochs"] or task["epochs"]
    hidden = settings["layers"]
    spec = "-".join([str(data.n_features)] + ([hidden] if hidden and hidden.lower() != "none" else [])
                    + [data.output])
    memory = _MemoryStore() if store is None else None
    logger = RunLogger(store if store is not None else None, name=task["name"], sweep=task["sweep"],
                       data=data.fingerprint, config=dict(data.config, sweep_params=params,
                                                          sweep_index=task["index"]))
    if memory is not None:
        logger._store = memory
    row = {"index": task["index"], **settings, "run_id": None, "status": "failed", "error": None}
    try:
        net = Network(spec, dtype=task.get("dtype", "float64"), random_state=settings["seed"])
        validation = None if data.X_val is None else (data.X_val, data.y_val)
        net.fit(data.X, data.y, optimizer=settings["optimizer"], lr=settings["lr"], l2=settings["l2"],
                batch_size=settings["batch_size"], epochs=settings["epochs"], random_state=settings["seed"],
                validation_data=validation, validation_split=data.validation_split, callbacks=[logger])
        row["status"] = "finished"
    except TrainingDiverged as exc:
        row.update(status="diverged", error=str(exc))
    except KeyboardInterrupt:
        row.update(status="interrupted", error="interrupted")
    except Exception as exc:  # one bad point must not end the sweep: it is recorded as failed
        row.update(status="failed", error=f"{type(exc).__name__}: {exc}")
    row.update(dict(getattr(logger, "_last", {}) or {}))
    row["epochs"] = settings["epochs"]
    row["epochs_done"] = row.pop("epoch", 0)
    target = memory if memory is not None else logger.store
    started = (memory.record is not None) if memory is not None else logger.run_id is not None
    if not started:  # failed before training began (e.g. a network too large): recorded all the same
        rid = target.start_run({"sweep_params": params, "data": data.fingerprint}, name=task["name"],
                               sweep=task["sweep"])
        target.finish_run(rid, "failed" if row["status"] == "finished" else row["status"], error=row["error"],
                          duration=0.0)
        logger.run_id = rid
    if memory is not None:
        row["record"] = memory.record
    else:
        row["run_id"] = logger.run_id
    return row


# worker-process state: the sweep's data arrives once per process (initializer), not once per run
_WORKER = {}


def _init_worker(data, store_path, threads):
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides how a sweep stops (it terminates us)
    _WORKER.update(data=data, store=RunStore(store_path))
    parent = os.getppid()

    def watch_parent():  # a sweep killed outright (SIGTERM, kill -9) takes its workers with it
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)
    threading.Thread(target=watch_parent, daemon=True, name="pyffnn sweep watchdog").start()
    if threads:
        from ..runtime import set_threads
        set_threads(threads)


def _worker_run(task):
    return run_one(task, _WORKER["data"], _WORKER["store"])


def _kill_workers(pool):
    """Stop a ProcessPoolExecutor's busy workers now (Python 3.14 has terminate_workers; older ones do not)."""
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:
        terminate()
        return
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.terminate()
        except Exception:
            pass
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.join(5)


# ---------------------------------------------------------------------------------------------------------------
# the sweep
# ---------------------------------------------------------------------------------------------------------------

def _metric_key(row, metric):
    value = row.get(metric)
    if value is None or not np.isfinite(value) or row["status"] != "finished":
        return (1, 0.0)
    return (0, value if metric in LOWER_IS_BETTER or metric.endswith("loss") else -value)


@dataclass
class SweepResult:
    """The rows of a finished (or stopped) sweep, best first by ``metric``; ``best`` is the first finished row."""

    sweep: str
    metric: str
    rows: list
    store_path: str
    interrupted: bool = False

    @property
    def best(self):
        for row in self.rows:
            if row["status"] == "finished" and row.get(self.metric) is not None:
                return row
        return None

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)


class Sweep:
    """A sweep over ``space`` (see :mod:`pyffnn.experiments.space`): build it, then :meth:`run` (blocking) or
    :meth:`start` (a background thread; :meth:`wait`, :meth:`cancel`).  Arguments as :func:`sweep`."""

    def __init__(self, space, data, *, method="grid", n_runs=None, random_state=0, epochs=100, processes=None,
                 client=None, scheduler=None, runs_db=None, name=None, metric="val_loss", validation_data=None,
                 validation_split=0.2, output=None, dtype="float64", threads=None, on_result=None):
        self.space = check_space(space, method)
        self.points = expand(self.space, method, n_runs, random_state)
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise FFNNError(f"epochs must be a positive integer, got {epochs!r}")
        if processes is not None and (isinstance(processes, bool) or not isinstance(processes, (int, np.integer))
                                      or processes < 0):
            raise FFNNError(f"processes must be a number >= 0 (0: in this process), got {processes!r}")
        if client is not None and scheduler is not None:
            raise FFNNError("give a Dask client or a scheduler address, not both")
        if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
            raise FFNNError(f"scheduler must be an address such as 'tcp://HOST:8786', got {scheduler!r}")
        self.data = sweep_data(data, validation_data, validation_split, output)
        if self.data.validation_split == 0 and self.data.X_val is None and metric.startswith("val_"):
            metric = metric[4:]
        self.metric = metric
        self.store = runs_db if isinstance(runs_db, RunStore) else RunStore(runs_db)  # a bad path fails now
        self.name = name or time.strftime("sweep-%Y%m%d-%H%M%S-") + f"{os.getpid() % 10000:04d}"
        self.epochs, self.dtype = int(epochs), dtype
        self.processes = (os.cpu_count() or 1) if processes is None else int(processes)
        self.client, self.scheduler, self.threads = client, scheduler, threads
        self.on_result = on_result
        self.rows, self.interrupted = [], False
        self._cancel = threading.Event()
        self._thread, self._error = None, None

    def tasks(self):
        """The runs to do: dicts with ``index``, ``params``, ``epochs``, ``name``, ``sweep``."""
        return [{"index": i, "params": p, "epochs": self.epochs, "name": f"{self.name} #{i + 1}",
                 "sweep": self.name, "dtype": self.dtype} for i, p in enumerate(self.points)]

    # ----- running ---------------------------------------------------------------------------------------------
    def run(self):
        """Run every point (blocking) and return the :class:`SweepResult`.  Ctrl-C stops the workers, marks
        their unfinished runs interrupted and raises KeyboardInterrupt (the rows so far stay in ``rows``)."""
        try:
            if self.client is not None or self.scheduler is not None:
                from .dask_backend import run_on_dask
                run_on_dask(self)
            elif self.processes == 0:
                self._run_here()
            else:
                self._run_local()
        finally:
            if self.interrupted or self._cancel.is_set():
                self.interrupted = True
                self.store.interrupt_running(sweep=self.name)
        return self.result()

    def result(self):
        """The rows so far as a :class:`SweepResult` (best first)."""
        rows = sorted(self.rows, key=lambda r: (_metric_key(r, self.metric), r["index"]))
        return SweepResult(self.name, self.metric, rows, self.store.path, self.interrupted)

    def _collect(self, row):
        row.pop("record", None)
        self.rows.append(row)
        if self.on_result is not None:
            self.on_result(row)

    def _run_here(self):
        for task in self.tasks():
            if self._cancel.is_set():
                return
            self._collect(run_one(task, self.data, self.store))

    def _run_local(self):
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        tasks = self.tasks()
        n = max(1, min(self.processes, len(tasks)))
        threads = self.threads if self.threads is not None else (1 if n > 1 else 0)
        pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
                                   initargs=(self.data, self.store.path, threads))
        pending = set()
        try:
            pending = {pool.submit(_worker_run, task) for task in tasks}
            while pending:
                if self._cancel.is_set():
                    self.interrupted = True
                    return
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in done:
                    self._collect(future.result())
        except BrokenProcessPool:
            self.interrupted = True
            raise FFNNError("a sweep worker process died (out of memory, killed, or it could not start: a script "
                            "that calls pyffnn.sweep needs the 'if __name__ == \"__main__\":' guard, because the "
                            "workers are started with spawn); the runs it left are marked interrupted") from None
        except KeyboardInterrupt:
            self.interrupted = True
            raise
        finally:
            if self.interrupted:
                # kill first: the pool then fails every pending future itself (cancelling them before would race
                # with that and make Python 3.11's pool thread raise InvalidStateError)
                _kill_workers(pool)
            pool.shutdown(wait=True)

    # ----- in the background -----------------------------------------------------------------------------------
    def start(self):
        """Run in a background thread (returns at once); ``on_result`` is called from that thread."""
        def target():
            try:
                self.run()
            except BaseException as exc:  # noqa: BLE001 - handed to wait()
                self._error = exc
        self._thread = threading.Thread(target=target, name=f"pyffnn {self.name}", daemon=True)
        self._thread.start()
        return self

    def cancel(self):
        """Stop the sweep: no new runs start, running ones are stopped and recorded ``interrupted``."""
        self._cancel.set()

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout=None):
        """Wait for a :meth:`start`-ed sweep; returns its :class:`SweepResult` (re-raises its error)."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return None
        if self._error is not None:
            raise self._error
        return self.result()


def sweep(space, data, *, method="grid", n_runs=None, random_state=0, epochs=100, processes=None, client=None,
          scheduler=None, runs_db=None, name=None, metric="val_loss", validation_data=None, validation_split=0.2,
          output=None, dtype="float64", threads=None, on_result=None):
    """Train one network per point of ``space`` and record every run in the run store; returns a
    :class:`SweepResult` (rows best first by ``metric``, ``.best``, ``.sweep`` the name grouping the runs).

    ``space``: ``{"layers": [...], "lr": [...], "batch_size": [...], "optimizer": [...], "l2": [...],
    "seed": [...], "epochs": [...]}`` (any subset; lists of values, or for a random search ``LogUniform``/
    ``Uniform`` for lr and l2).  ``method``: ``"grid"`` (every combination) or ``"random"`` (``n_runs`` draws,
    reproducible by ``random_state``).  ``data``: ``(X, y)``, a built-in set's name or a Dataset (see
    :func:`sweep_data`; ``validation_data``/``validation_split``, ``output``).  ``epochs``: per run unless the
    space varies it.  Where: ``processes`` local worker processes (default ``os.cpu_count()``, 0 = in this
    process; each worker's core uses ``threads`` threads, default 1 when several workers share the CPU), or a
    Dask cluster (``client``, a ``dask.distributed.Client``, or ``scheduler="tcp://HOST:8786"``; needs
    ``pip install pyffnn[dask]``).  ``runs_db``: the store (path or :class:`RunStore`; default
    ``$PYFFNN_RUNS_DB`` or the per-user store).  ``name``: the sweep's name (default ``sweep-<date>-<time>-<pid>``).
    ``on_result(row)`` is called as each run ends.  For a sweep in the background use :class:`Sweep`.
    """
    return Sweep(space, data, method=method, n_runs=n_runs, random_state=random_state, epochs=epochs,
                 processes=processes, client=client, scheduler=scheduler, runs_db=runs_db, name=name, metric=metric,
                 validation_data=validation_data, validation_split=validation_split, output=output, dtype=dtype,
                 threads=threads, on_result=on_result).run()


__all__ = ["Sweep", "SweepResult", "SweepData", "sweep", "sweep_data", "run_one"]
