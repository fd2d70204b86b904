"""Every training run of the app, recorded in the run store (``pyffnn.experiments.RunStore``; no Qt here).

One *run* is what the user trains on one network from its initial weights: a Play / Pause / Play / Step sequence is
one run, until Reset, a new network (architecture or data changed), a project or a stored run opened, or the window
closed. The run is inserted as ``running`` when its first job starts, its epochs are appended as the worker reports
them (buffered, written about once a second), the model (weights, with the data's preprocessing) is saved next to
the store after every job so "Open in editor" can bring it back (on a background thread: 5M parameters are a 40 MB
file; closing waits for it), and it ends ``finished`` (closed while idle),
``interrupted`` (the window closed or the network was replaced while training), ``diverged`` or ``failed``.

The configuration has the same fields as a ``pyffnn.RunLogger`` run (architecture, optimizer, fit settings, seed,
data fingerprint) plus ``app``: the app's whole experiment configuration, which "Open in editor" restores. The store
is ``$PYFFNN_RUNS_DB`` or the per-user default; if it cannot be opened the app trains as usual and says once why
runs are not recorded.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional

import numpy as np

import pyffnn
from pyffnn.experiments import RunStore, data_fingerprint

# Epoch logs are written this often while training, so the write when a job ends (on the UI thread, before the
# window reports the run finished) stays a few milliseconds even at thousands of epochs per second.
FLUSH_SECONDS = 0.2
MODEL_FOLDER = "app-models"      # beside the store: app-models/run-<id>.npz


def data_source(data_cfg) -> dict:
    """What the data panel loaded, as a run's ``data.source``: the built-in set and its parameters, or the file."""
    if data_cfg.source == "csv":
        return {"kind": "csv", "path": data_cfg.csv_path}
    if data_cfg.source == "custom":      # painted points (the points themselves are in the run's app config)
        return {"kind": "custom", "name": f"painted ({data_cfg.builtin})" if data_cfg.builtin else "painted",
                "n_points": len(data_cfg.points), "seed": int(data_cfg.seed)}
    return {"kind": "builtin", "name": data_cfg.builtin, "n_samples": int(data_cfg.n_samples),
            "noise": float(data_cfg.noise), "seed": int(data_cfg.seed)}


def data_label(config: dict) -> str:
    """A short name of a run's data set for tables: the built-in name, the CSV file name, or what the CLI stored."""
    data = config.get("data") or {}
    source = data.get("source") if isinstance(data, dict) else None
    if isinstance(source, dict):
        if source.get("kind") == "csv" or "path" in source:
            return os.path.basename(str(source.get("path", "")))
        for key in ("name", "builtin", "dataset"):
            if key in source:
                return str(source[key])
        return ", ".join(f"{k}={v}" for k, v in list(source.items())[:2])
    return os.path.basename(str(source)) if source else ""


class RunRecorder:
    """Records the window's runs. The window calls :meth:`job_started`, :meth:`progress`, :meth:`job_finished`
    (all on the UI thread) and :meth:`end_run` when the network is replaced or the window closes; ``changed`` is
    called after each write that a Runs panel should show."""

    def __init__(self, store_path: Optional[str] = None, enabled: bool = True):
        self.store_path = store_path
        self.enabled = enabled
        self.error = ""                      # why runs are not recorded (shown once)
        self._store: Optional[RunStore] = None
        self.run_id: Optional[int] = None
        self.changed: Callable[[], None] = lambda: None
        self._pending = []
        self._last_flush = 0.0
        self._epoch = 0
        self._last = {}
        self._best = {}
        self._training = False
        self._started = 0.0
        self._settings = None
        self._model_path = None
        self._saver: Optional[ThreadPoolExecutor] = None     # saves models off the UI thread, one at a time
        self._saver_store: Optional[RunStore] = None         # the saver thread's own connection
        self._saves: list = []                                # Futures of saves not yet waited for

    # ------------------------------------------------------------------ the store
    def use_store(self, path: Optional[str]) -> None:
        """Record into the store at ``path`` from now on (None: the default); ends the open run first."""
        self.close()
        self.store_path, self.error = path, ""

    @property
    def store(self) -> Optional[RunStore]:
        """The open store, or None (recording off, or the store could not be opened: see ``error``)."""
        if self._store is None and self.enabled and not self.error:
            try:
                self._store = RunStore(self.store_path)
            except (pyffnn.FFNNError, OSError) as exc:
                self.error = f"runs are not recorded: {exc}"
        return self._store

    def _safe(self, write) -> bool:
        """Run a store write; a failure (disk full, store locked for 30 s) turns recording off with a message
        instead of stopping the app."""
        store = self.store
        if store is None:
            return False
        try:
            write(store)
            return True
        except Exception as exc:  # noqa: BLE001  (a failing store must never stop training)
            self.error = f"runs are no longer recorded: {type(exc).__name__}: {exc}"
            self.run_id = None
            return False

    # ------------------------------------------------------------------ what the window reports
    def _configuration(self, session) -> dict:
        net, data, cfg = session.net, session.data, session.config
        opt = session.get_optimizer()
        settings = {k: v for k, v in opt.get_config().items() if k != "class"}
        tc = cfg.train
        fit = {"epochs": int(tc.epochs), "batch_size": None if tc.batch_size == 0 else int(tc.batch_size),
               "l2": float(tc.l2), "loss": cfg.network.loss, "shuffle": True, "n_samples": int(len(data.X_train)),
               "n_validation": int(len(data.X_val)), "initial_epoch": int(session.epochs_done)}
        return {"architecture": net.spec, "dtype": net.dtype.name, "n_params": int(net.n_params),
                "optimizer": dict(settings, name=tc.optimizer), "fit": fit, "seed": int(tc.seed),
                "data": data_fingerprint(data.Xs_train, np.asarray(data.y_train), source=data_source(cfg.data)),
                "versions": {"pyffnn": pyffnn.__version__}, "recorded_by": "app", "app": cfg.to_dict()}

    def _train_settings(self, session):
        tc = session.config.train
        return {"optimizer": tc.optimizer, "lr": float(tc.lr), "batch_size": int(tc.batch_size), "l2": float(tc.l2)}

    def job_started(self, session) -> None:
        """A training job (Play or Step) is about to start on ``session.net``."""
        if not self.enabled or session.net is None or session.data is None:
            return
        self._training = True
        if self.run_id is None:
            config = self._configuration(session)
            name = f"app: {data_label(config)} {config['architecture']}"
            started = {}
            if self._safe(lambda store: started.setdefault("id", store.start_run(config, name=name))):
                self.run_id = started["id"]
                self._epoch, self._last, self._best, self._pending = session.epochs_done, {}, {}, []
                self._started, self._last_flush = time.time(), time.monotonic()
                self._settings, self._model_path = self._train_settings(session), None
                self.changed()
            return
        now = self._train_settings(session)
        if now != self._settings:        # edited between jobs or mid-run: the run goes on with the new settings
            self._settings = now
            run_id, change = self.run_id, dict(now, from_epoch=self._epoch + 1)
            self._safe(lambda store: store.update_config(
                run_id, changes=store.get_run(run_id).config.get("changes", []) + [change]))

    def progress(self, epoch_logs) -> None:
        """Epoch logs the worker reported (a list of dicts, in order)."""
        if self.run_id is None:
            return
        for logs in epoch_logs:
            values = {k: float(v) for k, v in logs.items() if isinstance(v, (int, float, np.floating))}
            self._pending.append((self._epoch, values))
            self._epoch += 1
            self._last = dict(values, epoch=self._epoch)
            for key, value in values.items():
                if np.isfinite(value):
                    better = max if "acc" in key else min
                    self._best[key] = better(self._best.get(key, value), value)
        if time.monotonic() - self._last_flush >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.run_id is None or not self._pending:
            return
        rows, run_id = self._pending, self.run_id
        self._pending = []
        self._last_flush = time.monotonic()
        self._safe(lambda store: store.log_epochs(run_id, rows))

    def job_finished(self, session, info: dict, model=None) -> None:
        """A job ended (``info`` from the worker); ``model`` is a network holding the weights to keep."""
        self._training = False
        if self.run_id is None:
            return
        self.flush()
        if model is not None:
            self._save_model(session, model)
        error = info.get("error") or ""
        if error:
            self.end_run("diverged" if "diverged" in error else "failed", error=error)
        else:
            self._safe(lambda store: store.heartbeat(self.run_id))
            self.changed()

    def _save_model(self, session, model) -> None:
        """Save ``model``'s weights as they are now, in the background: the parameters are copied here (a memcpy),
        the file is written and its path recorded in the store by the saver thread."""
        store = self.store
        if store is None:
            return
        path = os.path.join(os.path.dirname(store.path), MODEL_FOLDER, f"run-{self.run_id}.npz")
        data = session.data
        metadata = None if data is None else data.model_metadata()
        spec, dtype, params, extra = model.spec, model.dtype, model.params.copy(), dict(model.metadata)
        record = self.run_id if path != self._model_path else None
        self._model_path = path
        if self._saver is None:
            self._saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyffnn-save")
        self._saves = [f for f in self._saves if not f.done()]
        self._saves.append(self._saver.submit(self._write_model, store.path, path, spec, dtype, params, extra,
                                              metadata, record))

    def _write_model(self, store_path, path, spec, dtype, params, extra, metadata, record) -> None:
        """On the saver thread: the model file, then (first save of a run) its path in the store."""
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            net = pyffnn.Network(spec, dtype=dtype, random_state=0)
            net.params[:] = params
            net.metadata = extra
            net.save(path, metadata=metadata)
        except (pyffnn.FFNNError, OSError, ValueError) as exc:
            self.error = f"the run's model could not be saved: {exc}"
            if record is not None:
                self._model_path = None
            return
        if record is not None:
            try:
                if self._saver_store is None:
                    self._saver_store = RunStore(store_path)
                self._saver_store.set_model_path(record, path)
            except Exception as exc:  # noqa: BLE001  (a failing store must never stop the app)
                self.error = f"runs are no longer recorded: {type(exc).__name__}: {exc}"

    def wait_saves(self) -> None:
        """Block until every model save started so far is written (before reading a run's model, or closing)."""
        saves, self._saves = self._saves, []
        for future in saves:
            future.result()

    def saving(self) -> bool:
        """A model save is still under way."""
        return any(not f.done() for f in self._saves)

    def end_run(self, status: Optional[str] = None, error: Optional[str] = None) -> None:
        """Close the open run: ``finished`` when idle, ``interrupted`` while a job was training (unless given)."""
        if self.run_id is None:
            return
        self.wait_saves()                    # a closed run has its model file and path (usually written long ago)
        self.flush()
        if status is None:
            status = "interrupted" if self._training else "finished"
        metrics = dict(self._last)
        metrics.update({f"best_{k}": v for k, v in self._best.items()})
        run_id, duration = self.run_id, time.time() - self._started
        self.run_id = None
        self._training = False
        self._safe(lambda store: store.finish_run(run_id, status, metrics, error=error, duration=duration))
        self.changed()

    def close(self, training: bool = False) -> None:
        """The window is closing: end the open run (``interrupted`` if it was training) and release the store."""
        if training:
            self._training = True
        self.wait_saves()
        self.end_run()
        if self._saver is not None:
            self._saver.shutdown(wait=True)
            self._saver = None
        if self._saver_store is not None:
            self._saver_store.close()
            self._saver_store = None
        if self._store is not None:
            self._store.close()
            self._store = None
