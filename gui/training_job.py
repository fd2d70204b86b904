"""One training job run through ``pyffnn.Network.fit`` (the library's one training loop), with no Qt in sight.

:func:`run_fit` calls ``net.fit`` with a :class:`ProgressCallback` that buffers the epoch logs and, at most every
``emit_interval`` seconds, hands ``emit`` a :class:`Progress` with a *copy* of the weights, so a reader never sees
``net.params`` while the C core is writing them. Pause and abort are thread-safe events checked after every chunk
(``fit`` calls ``on_chunk_end`` after every core call, and chunks are sized to ~0.1 s of work). An epoch interrupted
that way is not recorded by ``fit``, but its updates stay in the weights; the returned info says how many samples of
it were done.

The per-layer gradient norms ‖∂E/∂W(l)‖ are probed on a private copy of the network, every ``k`` epochs with ``k``
re-chosen from the measured costs so probing takes at most ``probe_share`` of the training time. ``TrainWorker``
(``worker.py``) has them run in a worker process (``training_process.py``; in its ``QThread`` as a fall-back); the
tests call them directly.
"""
from __future__ import annotations

import math
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

import numpy as np

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


@dataclass
class Requests:
    """Thread-safe pause/abort flags the UI sets while the training thread is inside ``fit``."""

    pause: threading.Event = field(default_factory=threading.Event)
    abort: threading.Event = field(default_factory=threading.Event)

    def clear(self) -> None:
        self.pause.clear()
        self.abort.clear()

    def any(self) -> bool:
        return self.pause.is_set() or self.abort.is_set()


class ProgressCallback(pyffnn.Callback):
    """Bridges pyffnn's training events to ``emit``, throttled to keep training fast."""

    def __init__(self, job: TrainJob, emit: Callable[[Progress], None], requests: Requests,
                 emit_interval: float = 0.05, probe_share: float = 0.05, probe_in_background: bool = False):
        super().__init__()
        self.job, self.emit, self.requests = job, emit, requests
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
        # In the training process the probe runs on a thread of its own, beside training (its C work releases
        # the GIL): a copy of the weights is handed over and the norms come back with a later report.
        self.probe_in_background = probe_in_background and self.probe is not None
        self._probe_queue: "queue.SimpleQueue" = queue.SimpleQueue()
        self._probe_idle = threading.Event()
        self._probe_idle.set()
        self._norms_lock = threading.Lock()
        self._probe_thread: Optional[threading.Thread] = None

    def on_train_begin(self, logs):
        if self.job.start_epoch == 0:
            self.probe_now()               # the gradients of the initial weights: where the curves start
        self.epoch_start = time.perf_counter()

    def on_chunk_end(self, step, logs):
        self.samples_in_epoch = int(logs.get("samples", 0))
        if self.requests.any():
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
        if self.requests.any():
            self.network.stop_training = True
        end = time.perf_counter()
        if end - self.last_emit >= self.emit_interval:
            self.flush(end)
        self.epoch_start = time.perf_counter()

    def probe_now(self, wait: bool = False) -> None:
        """Record ‖∂E/∂W(l)‖ for the current weights and re-choose how often to probe (in the background: start
        it unless one is still running; ``wait`` probes here, after the running one)."""
        if self.probe is None:
            return
        epoch = self.job.start_epoch + self.epochs_seen
        if not self.probe_in_background or wait:
            self._probe_idle.wait()
            self.last_probe_epoch = self.epochs_seen
            self._probe(epoch, self.network.params)
            return
        if not self._probe_idle.is_set():
            return              # the previous probe is still running: try again after the next epoch
        self.last_probe_epoch = self.epochs_seen
        if self._probe_thread is None:
            self._probe_thread = threading.Thread(target=self._probe_loop, name="gradient-probe", daemon=True)
            self._probe_thread.start()
        self._probe_idle.clear()
        self._probe_queue.put((epoch, self.network.params.copy()))

    def _probe_loop(self) -> None:
        while True:
            item = self._probe_queue.get()
            if item is None:
                return
            try:
                self._probe(*item)
            except Exception:   # noqa: BLE001 — a failed probe only leaves a gap in the curves
                pass
            finally:
                self._probe_idle.set()

    def stop_probing(self) -> None:
        """Wait for a background probe and end its thread (``run_fit`` calls this when ``fit`` returns)."""
        if self._probe_thread is not None:
            self._probe_queue.put(None)
            self._probe_thread.join()
            self._probe_thread = None

    def _probe(self, epoch: int, params: np.ndarray) -> None:
        t0 = time.perf_counter()
        try:
            _, grads = self.probe.loss_and_grad(params, self.job.probe_X, self.job.probe_y,
                                                loss=self.job.fit_kwargs.get("loss", "auto"))
            norms = self.probe.layer_grad_norms(grads)
        except (ValueError, FloatingPointError):
            norms = None        # e.g. diverged weights; the training error itself is reported by fit
        self.probe_costs = (self.probe_costs + [time.perf_counter() - t0])[-5:]
        if norms is not None:
            with self._norms_lock:
                self.pending_norms.append((epoch, norms))
        if self.epoch_cost:
            # The smallest recent cost is the real one (a probe that waited for the GIL while the UI painted is
            # not); k at most doubles per probe, so one slow measurement cannot leave a long gap in the curves.
            k = math.ceil(min(self.probe_costs) / (self.probe_share * self.epoch_cost))
            self.probe_every = max(1, min(k, 2 * self.probe_every))

    def flush(self, now: Optional[float] = None, final: bool = False) -> None:
        now = time.perf_counter() if now is None else now
        if final:
            self._probe_idle.wait()     # a background probe's norms belong to this last report
            if self.epochs_seen and self.last_probe_epoch != self.epochs_seen:
                self.probe_now(wait=True)   # so the gradient curves end where the loss curve ends
        with self._norms_lock:
            norms, self.pending_norms = self.pending_norms, []
        if self.pending or norms or final:
            self.emit(Progress(self.pending, self.network.params.copy(), norms, final))
        self.pending = []
        self.last_emit = now


def run_fit(job: TrainJob, emit: Callable[[Progress], None], requests: Requests, emit_interval: float = 0.05,
            probe_share: float = 0.05, probe_in_background: bool = False) -> dict:
    """Train ``job`` and return ``{"reason": "done"|"paused"|"aborted"|"error", "epochs", "partial_samples",
    "n_samples", "error"}``; a library error (divergence included) ends the job with ``reason="error"`` and a message
    whose epoch counts the whole run, not this job. ``probe_in_background`` computes the gradient norms on a thread
    beside training (the training process, where no UI competes for the GIL)."""
    cb = ProgressCallback(job, emit, requests, emit_interval, probe_share, probe_in_background)
    error = ""
    try:
        # The shuffle seed depends on the epochs already done, so Play/Pause/Step sequences are reproducible.
        job.net.fit(job.X, job.y, epochs=job.epochs, callbacks=[cb], verbose=0,
                    random_state=job.seed * 100_003 + job.start_epoch, **job.fit_kwargs)
    except pyffnn.TrainingDiverged:
        error = (f"training diverged in epoch {job.start_epoch + cb.epochs_seen + 1}: the loss became NaN or "
                 "infinite; the weights are the last finite ones. Try a smaller learning rate.")
    except (ValueError, ArithmeticError, MemoryError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    finally:
        try:
            cb.flush(final=True)
        finally:
            cb.stop_probing()
    if error:
        reason = "error"
    elif requests.abort.is_set():
        reason = "aborted"
    elif requests.pause.is_set() and cb.epochs_seen < job.epochs:
        reason = "paused"
    else:
        reason = "done"
    # fit does not record an interrupted epoch, but its updates are in the weights
    partial = cb.samples_in_epoch if cb.epochs_seen < job.epochs and not error else 0
    return {"reason": reason, "epochs": cb.epochs_seen, "partial_samples": partial, "n_samples": len(job.X),
            "error": error}


def run_perceptron(job: PerceptronJob):
    """Fit ``pyffnn.Perceptron`` (the lecture's primal algorithm) and return the fitted model."""
    model = pyffnn.Perceptron(max_epochs=job.max_epochs, eta=job.eta)
    model.fit(job.X, job.y)
    return model
