"""Training worker: runs ``pyffnn.Network.fit`` (the library's one training loop) in a ``QThread``.

The worker never trains by itself. It calls ``net.fit`` with a :class:`SignalCallback` that buffers the epoch logs
and, at most every ``emit_interval`` seconds, hands the UI a :class:`Progress` with a *copy* of the weights, so the
UI never reads ``net.params`` while the C core is writing them. Pause sets ``network.stop_training`` at the end of
the current epoch; abort (reset, close) stops after the current chunk.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

import pyffnn


@dataclass
class TrainJob:
    """One call of ``net.fit``: ``epochs`` more epochs starting after ``start_epoch`` completed ones."""

    net: object
    X: np.ndarray
    y: np.ndarray
    fit_kwargs: dict
    epochs: int
    start_epoch: int
    seed: int
    probe_X: Optional[np.ndarray] = None     # small sample for the per-layer gradient-norm probe
    probe_y: Optional[np.ndarray] = None


@dataclass
class PerceptronJob:
    """Run the lecture's perceptron algorithm (``pyffnn.Perceptron``) on binary data."""

    X: np.ndarray
    y: np.ndarray
    max_epochs: int
    eta: float


@dataclass
class Progress:
    """What the UI gets: the epochs finished since the last report and a snapshot of the weights."""

    epoch_logs: List[dict]
    params: np.ndarray
    grad_norms: Optional[List[float]] = None
    final: bool = False
    extra: dict = field(default_factory=dict)


def layer_grad_norms(net, grads: np.ndarray) -> List[float]:
    """‖∂E/∂W(l)‖ per layer from a flat gradient laid out like ``net.params`` (``[W1, b1, W2, b2, ...]``)."""
    norms, offset = [], 0
    for W, b in zip(net.weights, net.biases):
        norms.append(float(np.linalg.norm(grads[offset:offset + W.size])))
        offset += W.size + b.size
    return norms


class SignalCallback(pyffnn.Callback):
    """Bridges pyffnn's training events to the worker's Qt signal, throttled to keep training fast."""

    def __init__(self, worker: "TrainWorker", job: TrainJob, emit_interval: float, probe_interval: float):
        super().__init__()
        self.worker, self.job = worker, job
        self.emit_interval, self.probe_interval = emit_interval, probe_interval
        self.pending: List[dict] = []
        self.last_emit = 0.0
        self.last_probe = 0.0
        self.epochs_seen = 0
        # A private copy of the network for the gradient probe, so probing never touches the training network.
        self.probe = job.net.copy() if job.probe_X is not None else None

    def on_chunk_end(self, step, logs):
        if self.worker.abort_requested.is_set():
            self.network.stop_training = True

    def on_epoch_end(self, epoch, logs):
        self.pending.append({k: float(v) for k, v in logs.items() if isinstance(v, (int, float, np.floating))})
        self.epochs_seen += 1
        if self.worker.pause_requested.is_set() or self.worker.abort_requested.is_set():
            self.network.stop_training = True
        now = time.perf_counter()
        if now - self.last_emit >= self.emit_interval:
            self.flush(now)

    def flush(self, now: Optional[float] = None, final: bool = False) -> None:
        now = time.perf_counter() if now is None else now
        norms = None
        if self.probe is not None and (final or now - self.last_probe >= self.probe_interval):
            try:
                norms = self.gradient_norms()
            except (ValueError, FloatingPointError):
                norms = None        # e.g. diverged weights; the training error itself is reported by fit
            self.last_probe = now
        if self.pending or final:
            self.worker.progress.emit(Progress(self.pending, self.network.params.copy(), norms, final))
        self.pending = []
        self.last_emit = now

    def gradient_norms(self) -> List[float]:
        kw = self.job.fit_kwargs
        _, grads = self.probe.loss_and_grad(self.network.params.copy(), self.job.probe_X, self.job.probe_y,
                                            loss=kw.get("loss", "auto"))
        return layer_grad_norms(self.probe, grads)


class TrainWorker(QObject):
    """Lives in a ``QThread``; ``run_job`` is invoked through a queued signal from the UI thread."""

    progress = Signal(object)      # Progress
    finished = Signal(object)      # dict(reason=..., epochs=...)
    failed = Signal(str)
    perceptron_done = Signal(object)

    def __init__(self, emit_interval: float = 0.05, probe_interval: float = 0.05):
        super().__init__()
        self.emit_interval = emit_interval
        self.probe_interval = probe_interval
        self.pause_requested = threading.Event()
        self.abort_requested = threading.Event()

    # Called from the UI thread: plain thread-safe flags, since this thread is busy inside fit.
    def request_pause(self) -> None:
        self.pause_requested.set()

    def request_abort(self) -> None:
        self.abort_requested.set()

    @Slot(object)
    def run_job(self, job) -> None:
        self.pause_requested.clear()
        self.abort_requested.clear()
        try:
            if isinstance(job, PerceptronJob):
                self._run_perceptron(job)
            else:
                self._run_fit(job)
        except Exception as exc:  # any library error must reach the window, not kill the thread
            self.failed.emit(f"{type(exc).__name__}: {exc}")
            self.finished.emit({"reason": "error", "epochs": 0})

    def _run_fit(self, job: TrainJob) -> None:
        cb = SignalCallback(self, job, self.emit_interval, self.probe_interval)
        try:
            # The shuffle seed depends on the epochs already done, so Play/Pause/Step sequences are reproducible.
            job.net.fit(job.X, job.y, epochs=job.epochs, callbacks=[cb], verbose=0,
                        random_state=job.seed * 100_003 + job.start_epoch, **job.fit_kwargs)
        finally:
            cb.flush(final=True)
        if self.abort_requested.is_set():
            reason = "aborted"
        elif self.pause_requested.is_set() and cb.epochs_seen < job.epochs:
            reason = "paused"
        else:
            reason = "done"
        self.finished.emit({"reason": reason, "epochs": cb.epochs_seen})

    def _run_perceptron(self, job: PerceptronJob) -> None:
        model = pyffnn.Perceptron(max_epochs=job.max_epochs, eta=job.eta)
        model.fit(job.X, job.y)
        self.perceptron_done.emit(model)
        self.finished.emit({"reason": "done", "epochs": 0})
