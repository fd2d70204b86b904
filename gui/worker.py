"""Training worker: runs ``pyffnn.Network.fit`` (the library's one training loop) in a ``QThread``.

The worker never trains by itself. It calls ``net.fit`` with a :class:`SignalCallback` that buffers the epoch logs
and, at most every ``emit_interval`` seconds, hands the UI a :class:`Progress` with a *copy* of the weights, so the
UI never reads ``net.params`` while the C core is writing them.

Pause, reset and close act after the current chunk (``fit`` calls ``on_chunk_end`` after every core call, and
chunks are sized to ~0.1 s of work), so they respond quickly even when one epoch of a big data set takes seconds.
An epoch interrupted that way is not recorded by ``fit`` (nor in the app's history), but its updates stay in the
weights; the finished report says how many samples of it were done.

The per-layer gradient norms ‖∂E/∂W(l)‖ are probed every ``k`` epochs on a private copy of the network, with ``k``
re-chosen from the measured costs so probing takes at most ``probe_share`` of the training time.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

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
    """What the UI gets: the epochs finished since the last report, a snapshot of the weights, and gradient-norm
    samples ``(epoch, [‖∂E/∂W(l)‖ per layer])`` where ``epoch`` counts all epochs done, earlier runs included."""

    epoch_logs: List[dict]
    params: np.ndarray
    grad_norms: List[Tuple[int, List[float]]] = field(default_factory=list)
    final: bool = False


def layer_grad_norms(net, grads: np.ndarray) -> List[float]:
    """‖∂E/∂W(l)‖ per layer from a flat gradient laid out like ``net.params`` (``[W1, b1, W2, b2, ...]``)."""
    norms, offset = [], 0
    for W, b in zip(net.weights, net.biases):
        norms.append(float(np.linalg.norm(grads[offset:offset + W.size])))
        offset += W.size + b.size
    return norms


class SignalCallback(pyffnn.Callback):
    """Bridges pyffnn's training events to the worker's Qt signal, throttled to keep training fast."""

    def __init__(self, worker: "TrainWorker", job: TrainJob, emit_interval: float, probe_share: float):
        super().__init__()
        self.worker, self.job = worker, job
        self.emit_interval, self.probe_share = emit_interval, probe_share
        self.pending: List[dict] = []
        self.pending_norms: List[Tuple[int, List[float]]] = []
        self.last_emit = 0.0
        self.epochs_seen = 0
        self.samples_in_epoch = 0          # samples of the current (unfinished) epoch done so far
        # A private copy of the network for the gradient probe, so probing never touches the training network.
        self.probe = job.net.copy() if job.probe_X is not None else None
        self.probe_every = 1               # epochs between probes, adapted to the measured costs
        self.last_probe_epoch = -1
        self.probe_costs: List[float] = []  # seconds per probe, last few measurements
        self.epoch_cost = None             # seconds per epoch without probing (moving average)
        self.epoch_start = 0.0

    def on_train_begin(self, logs):
        if self.job.start_epoch == 0:
            self.probe_now()               # the gradients of the initial weights: where the curves start
        self.epoch_start = time.perf_counter()

    def on_chunk_end(self, step, logs):
        self.samples_in_epoch = int(logs.get("samples", 0))
        if self.worker.pause_requested.is_set() or self.worker.abort_requested.is_set():
            self.network.stop_training = True      # fit returns after this chunk, even mid-epoch

    def on_epoch_end(self, epoch, logs):
        now = time.perf_counter()
        cost = now - self.epoch_start
        self.epoch_cost = cost if self.epoch_cost is None else 0.8 * self.epoch_cost + 0.2 * cost
        self.pending.append({k: float(v) for k, v in logs.items() if isinstance(v, (int, float, np.floating))})
        self.epochs_seen += 1
        self.samples_in_epoch = 0
        if self.epochs_seen - self.last_probe_epoch >= self.probe_every:
            self.probe_now()
        if self.worker.pause_requested.is_set() or self.worker.abort_requested.is_set():
            self.network.stop_training = True
        end = time.perf_counter()
        if end - self.last_emit >= self.emit_interval:
            self.flush(end)
        self.epoch_start = time.perf_counter()

    def probe_now(self) -> None:
        """Record ‖∂E/∂W(l)‖ for the current weights and re-choose how often to probe."""
        if self.probe is None:
            return
        t0 = time.perf_counter()
        try:
            norms = self.gradient_norms()
        except (ValueError, FloatingPointError):
            norms = None        # e.g. diverged weights; the training error itself is reported by fit
        self.probe_costs = (self.probe_costs + [time.perf_counter() - t0])[-5:]
        self.last_probe_epoch = self.epochs_seen
        if norms is not None:
            self.pending_norms.append((self.job.start_epoch + self.epochs_seen, norms))
        if self.epoch_cost:
            # The smallest recent cost is the real one (a probe that waited for the GIL while the UI painted is
            # not); k at most doubles per probe, so one slow measurement cannot leave a long gap in the curves.
            k = math.ceil(min(self.probe_costs) / (self.probe_share * self.epoch_cost))
            self.probe_every = max(1, min(k, 2 * self.probe_every))

    def flush(self, now: Optional[float] = None, final: bool = False) -> None:
        now = time.perf_counter() if now is None else now
        if final and self.epochs_seen and self.last_probe_epoch != self.epochs_seen:
            self.probe_now()    # so the gradient curves end where the loss curve ends
        if self.pending or self.pending_norms or final:
            self.worker.progress.emit(Progress(self.pending, self.network.params.copy(), self.pending_norms, final))
        self.pending = []
        self.pending_norms = []
        self.last_emit = now

    def gradient_norms(self) -> List[float]:
        kw = self.job.fit_kwargs
        _, grads = self.probe.loss_and_grad(self.network.params, self.job.probe_X, self.job.probe_y,
                                            loss=kw.get("loss", "auto"))
        return layer_grad_norms(self.probe, grads)


class TrainWorker(QObject):
    """Lives in a ``QThread``; ``run_job`` is invoked through a queued signal from the UI thread."""

    progress = Signal(object)      # Progress
    finished = Signal(object)      # dict(reason=..., epochs=...)
    failed = Signal(str)
    perceptron_done = Signal(object)

    def __init__(self, emit_interval: float = 0.05, probe_share: float = 0.05):
        super().__init__()
        self.emit_interval = emit_interval
        self.probe_share = probe_share
        self.pause_requested = threading.Event()
        self.abort_requested = threading.Event()

    # Called from the UI thread: plain thread-safe flags, since this thread is busy inside fit.
    def clear_requests(self) -> None:
        """Forget earlier pause/abort requests; the UI calls this *before* queueing a job, so a Pause pressed
        right after Play is never lost."""
        self.pause_requested.clear()
        self.abort_requested.clear()

    def request_pause(self) -> None:
        self.pause_requested.set()

    def request_abort(self) -> None:
        self.abort_requested.set()

    @Slot(object)
    def run_job(self, job) -> None:
        try:
            if isinstance(job, PerceptronJob):
                self._run_perceptron(job)
            else:
                self._run_fit(job)
        except Exception as exc:  # any library error must reach the window, not kill the thread
            self.failed.emit(f"{type(exc).__name__}: {exc}")
            self.finished.emit({"reason": "error", "epochs": 0})

    def _run_fit(self, job: TrainJob) -> None:
        cb = SignalCallback(self, job, self.emit_interval, self.probe_share)
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
        # fit does not record an interrupted epoch, but its updates are in the weights
        partial = cb.samples_in_epoch if cb.epochs_seen < job.epochs else 0
        self.finished.emit({"reason": reason, "epochs": cb.epochs_seen, "partial_samples": partial,
                            "n_samples": len(job.X)})

    def _run_perceptron(self, job: PerceptronJob) -> None:
        model = pyffnn.Perceptron(max_epochs=job.max_epochs, eta=job.eta)
        model.fit(job.X, job.y)
        self.perceptron_done.emit(model)
        self.finished.emit({"reason": "done", "epochs": 0})
