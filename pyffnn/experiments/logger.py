"""RunLogger: the callback that records a training run in the run store.

>>> logger = pyffnn.RunLogger(data=(X, y), name="xor baseline")
>>> net.fit(X, y, callbacks=[logger])
>>> logger.run_id                                 # the run's id in the store ('pyffnn runs show ID')

The run is inserted as ``running`` when training begins (architecture, fit settings, seed, data fingerprint,
library versions), its per-epoch values are appended as training goes (buffered, flushed about once a second),
and it ends ``finished``, ``diverged`` (the loss became NaN/inf), ``interrupted`` (Ctrl-C, or the process died:
see :mod:`pyffnn.experiments.store`) or ``failed`` (any other exception), with the final metrics and duration.
"""
import hashlib
import platform
import sys
import time

import numpy as np

from ..errors import TrainingDiverged
from ..training.callbacks import Callback
from .store import RunStore

_HASH_CHUNK = 1 << 22  # bytes hashed per step: a memory-mapped array is read in pieces, never loaded whole


def _hash_array(h, arr):
    arr = np.asarray(arr)
    h.update(f"{arr.dtype.str}{arr.shape}".encode())
    flat = arr.reshape(-1) if arr.flags.c_contiguous else None
    if flat is None:
        for row in arr:  # non-contiguous: hash row by row
            h.update(np.ascontiguousarray(row).tobytes())
        return
    step = max(1, _HASH_CHUNK // max(arr.itemsize, 1))
    for start in range(0, flat.size, step):
        h.update(flat[start:start + step].tobytes())


def data_fingerprint(X, y=None, source=None):
    """A description of a data set for the run store: ``source`` (a dict or text naming where it came from),
    shape and a SHA-256 content hash of ``X`` (and ``y``) computed chunk by chunk."""
    h = hashlib.sha256()
    _hash_array(h, X)
    if y is not None:
        _hash_array(h, y)
    X = np.asarray(X)
    info = {"n_samples": int(X.shape[0]) if X.ndim else 1,
            "n_features": int(X.shape[1]) if X.ndim == 2 else 1, "sha256": h.hexdigest()}
    if source is not None:
        info["source"] = source
    return info


def library_versions():
    """Versions of Python, pyffnn, numpy and the C core's SIMD level, for a run's configuration."""
    from .. import __version__
    from ..runtime import get_simd
    try:
        simd = get_simd()
    except Exception:  # the core's report is informative only
        simd = None
    return {"python": platform.python_version(), "pyffnn": __version__, "numpy": np.__version__,
            "simd": simd, "platform": sys.platform}


def optimizer_settings(opt):
    """``{"name": ..., <hyper-parameters>}`` of an optimizer object (the public numeric attributes)."""
    if opt is None or isinstance(opt, str):
        return {"name": opt}
    settings = {"name": type(opt).__name__.lower()}
    for key, value in sorted(vars(opt).items()):
        if not key.startswith("_") and key != "kind" and isinstance(value, (bool, int, float, np.generic)):
            settings[key] = value.item() if isinstance(value, np.generic) else value
    if "lr" not in settings and isinstance(getattr(type(opt), "lr", None), property):
        settings["lr"] = opt.lr
    return settings


class RunLogger(Callback):
    """Record each ``fit`` this callback takes part in as one run of the run store.

    ``store``: a :class:`RunStore` or a path (default: ``$PYFFNN_RUNS_DB`` or the per-user store).
    ``name``/``sweep``: labels to find the run by.  ``data``: ``(X, y)`` to fingerprint, or a ready dict
    (see :func:`data_fingerprint`).  ``config``: extra configuration (preprocessing, anything JSON-ready), merged
    over what is detected.  ``model_path``: the model file the run will be saved to.
    After training, ``run_id`` is the run's id; :meth:`add_metrics` and :meth:`set_model_path` amend the run.
    """

    def __init__(self, store=None, name=None, sweep=None, data=None, config=None, model_path=None,
                 flush_interval=1.0, heartbeat_interval=10.0):
        self._store_arg = store
        self.name, self.sweep, self.model_path = name, sweep, model_path
        if isinstance(data, tuple) and len(data) == 2:
            data = data_fingerprint(*data)
        self.data = data
        self.config = dict(config or {})
        self.flush_interval, self.heartbeat_interval = float(flush_interval), float(heartbeat_interval)
        self.run_id = None
        self._store, self._pending, self._last = None, [], {}

    @property
    def store(self):
        """The :class:`RunStore` written to (opened on first use)."""
        if self._store is None:
            self._store = self._store_arg if isinstance(self._store_arg, RunStore) else RunStore(self._store_arg)
        return self._store

    def _configuration(self, logs):
        net = self.network
        fit = {k: v for k, v in logs.items() if k != "optimizer"}
        config = {"architecture": net.spec, "dtype": net.dtype.name, "n_params": int(net.n_params),
                  "optimizer": optimizer_settings(logs.get("optimizer")), "fit": fit,
                  "seed": logs.get("random_state"), "data": self.data, "versions": library_versions()}
        config.update(self.config)
        return config

    def on_train_begin(self, logs):
        self._pending, self._last, self._best = [], {}, {}
        self._t0 = time.time()
        self._last_flush = self._last_beat = time.monotonic()
        self.run_id = self.store.start_run(self._configuration(logs or {}), name=self.name, sweep=self.sweep)

    def on_chunk_end(self, step, logs):
        now = time.monotonic()
        if now - self._last_beat >= self.heartbeat_interval:
            self._flush()

    def on_epoch_end(self, epoch, logs):
        values = {k: float(v) for k, v in logs.items() if isinstance(v, (int, float, np.floating))}
        self._pending.append((epoch, values))
        self._last = dict(values, epoch=epoch + 1)
        for key, value in values.items():
            better = max if "acc" in key else min
            if np.isfinite(value):
                self._best[key] = better(self._best.get(key, value), value)
        if time.monotonic() - self._last_flush >= self.flush_interval:
            self._flush()

    def _flush(self):
        if self.run_id is None:
            return
        if self._pending:
            self.store.log_epochs(self.run_id, self._pending)
            self._pending = []
        else:
            self.store.heartbeat(self.run_id)
        self._last_flush = self._last_beat = time.monotonic()

    def on_train_end(self, logs):
        if self.run_id is None:
            return
        exc = sys.exc_info()[1]  # fit calls on_train_end from a finally block: the exception, if any
        if exc is None:
            status, error = "finished", None
        elif isinstance(exc, TrainingDiverged):
            status, error = "diverged", str(exc)
        elif isinstance(exc, KeyboardInterrupt):
            status, error = "interrupted", "interrupted by the user"
        else:
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        metrics = dict(self._last)
        metrics.update({f"best_{k}": v for k, v in self._best.items()})
        if self.network is not None and getattr(self.network, "stop_training", False):
            metrics["stopped_early"] = 1
        self._flush()
        self.store.finish_run(self.run_id, status, metrics, model_path=self.model_path, error=error,
                              duration=time.time() - self._t0)

    def add_metrics(self, **metrics):
        """Add final metrics measured after training (e.g. ``test_accuracy``) to the recorded run."""
        run = self.store.get_run(self.run_id)
        merged = dict(run.metrics)
        merged.update(metrics)
        self.store.finish_run(self.run_id, run.status, merged, error=run.error, duration=run.duration)

    def set_model_path(self, path):
        """Record the model file the run was saved to."""
        self.model_path = path
        self.store.set_model_path(self.run_id, path)
