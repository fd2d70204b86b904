"""The run state machine of the app: Play / Pause / Step / Reset, the epochs left of a run, the weight snapshot the
plots draw, and the status line. No Qt: the window supplies callables to start a job and to ask the training thread
to pause or abort, and forwards the thread's reports to ``on_progress`` / ``on_finished`` / ``on_perceptron``.
Tests drive it with a synchronous runner (``training_job.run_fit``) and no window at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional

import numpy as np

from pyffnn_gui.session import Session, SetupError
from pyffnn_gui.training_job import PerceptronJob, TrainJob

PROBE_SAMPLES = 256         # samples used for the gradient-norm probe (cost ~ an epoch of 300 rows)
UNLIMITED_CHUNK = 1_000_000  # epochs per job when Play runs until Pause (a new job follows automatically)


@dataclass
class RunHooks:
    """How the controller reaches the training thread and the window (all optional but ``submit``)."""

    submit: Callable[[object], None]                  # start a TrainJob / PerceptronJob (asynchronously)
    request_pause: Callable[[], None] = lambda: None
    request_abort: Callable[[], None] = lambda: None
    changed: Callable[[str], None] = lambda what: None  # "running", "weights", "status", "rebuilt"
    network_adopted: Callable[[], None] = lambda: None  # a new or reset network: the previous run has ended
    # Reset of a large network: True when the window re-initialises it off the UI thread and adopts the result
    # itself (through ``adopt_network``); False to re-initialise here, synchronously.
    reset_in_background: Callable[[], bool] = lambda: False


class RunController:
    """Owns what a run is: ``running``, ``remaining`` (epochs left of the current Play run; kept across Pause),
    ``snapshot`` (the weights the plots show, never the live training buffer), ``perceptron`` (a fitted
    ``pyffnn.Perceptron`` in perceptron mode), ``last_error`` and the status text."""

    def __init__(self, session: Session, hooks: RunHooks):
        self.session = session
        self.hooks = hooks
        self.running = False
        self.remaining = 0
        self.snapshot: Optional[np.ndarray] = None
        self.perceptron = None
        self.last_error = ""
        self.error_status = False
        self.status = "Epoch 0"
        self.partial_of = 0
        self.job_is_play = False
        self.unlimited = False
        self.after_stop: List[Callable[[], None]] = []

    # ------------------------------------------------------------------ building
    def adopt_network(self) -> None:
        """Call after the session built or rebuilt its network: fresh snapshot, no run in progress."""
        self.hooks.network_adopted()
        self.snapshot = self.session.net.params.copy()
        self.perceptron = None
        self.remaining = 0
        self.set_status(self.status_text())

    # ------------------------------------------------------------------ transport
    def _can_start(self) -> bool:
        """Idle and something to train on (else the status says what is missing)."""
        if self.running:
            return False
        if self.session.net is None or self.session.data is None:
            self.set_status("load a data set first: there is nothing to train on", error=True)
            return False
        return True

    def play(self) -> bool:
        """Train for the epochs left of this run, a new run of "Epochs per Play", or (epochs 0) until Pause."""
        s = self.session
        if not self._can_start():
            return False
        if s.config.train.mode == "perceptron":
            return self._start_perceptron()
        limit = s.config.train.epochs
        self.unlimited = limit == 0
        if self.unlimited:
            self.remaining = 0
            return self._start_fit(UNLIMITED_CHUNK, play=True)
        if self.remaining <= 0:
            self.remaining = limit
        return self._start_fit(self.remaining, play=True)

    def step(self) -> bool:
        """Train exactly one epoch."""
        if not self._can_start():
            return False
        if self.session.config.train.mode != "network":
            self.set_status("Step trains one epoch of the network; the perceptron runs to the end with Play",
                            error=True)
            return False
        self.unlimited = False
        return self._start_fit(1, play=False)

    def pause(self) -> None:
        """Stop after the current chunk (~0.1 s), mid-epoch if need be; the rest of the run is kept for Play."""
        if self.running:
            self.unlimited = False
            self.hooks.request_pause()

    def reset(self, background: bool = True) -> bool:
        """Re-initialise the weights with the seed and clear the history (stops training first); ``background``
        lets the window do it off the UI thread for a large network (``RunHooks.reset_in_background``)."""
        s = self.session
        if self.running:
            self.unlimited = False
            self.after_stop.append(self.reset)
            self.hooks.request_abort()
            return True
        if s.net is None:
            self.set_status("nothing to reset: load a data set first", error=True)
            return False
        self.last_error = ""
        if background and self.hooks.reset_in_background():
            return True
        s.reset_training()
        self.adopt_network()
        self.hooks.changed("rebuilt")
        return True

    def restart_with_new_settings(self) -> None:
        """Settings changed while training: stop after this chunk and go on with them (same run, same epochs)."""
        if not self.running or not self.job_is_play or self.after_stop:
            return
        self.after_stop.append(self.play)
        self.hooks.request_pause()

    def _start_fit(self, epochs: int, play: bool) -> bool:
        s = self.session
        data = s.data
        try:
            kwargs = s.fit_kwargs()
            y = s.targets(data.y_train)
        except (ValueError, SetupError) as exc:
            self.set_status(str(exc), error=True)
            return False
        n_probe = min(PROBE_SAMPLES, len(data.X_train))
        Xs = data.Xs_train
        job = TrainJob(net=s.net, X=Xs, y=y, fit_kwargs=kwargs, epochs=int(epochs), start_epoch=s.epochs_done,
                       seed=s.config.train.seed, probe_X=Xs[:n_probe], probe_y=y[:n_probe])
        self.job_is_play = play
        s.partial_samples = 0                # the next epoch restarts the interrupted one (from these weights)
        if self.perceptron is not None:      # back to the network after a perceptron run
            self.perceptron = None
            self.hooks.changed("rebuilt")
        self.last_error = ""
        self._set_running(True)
        self.hooks.submit(job)
        return True

    def _start_perceptron(self) -> bool:
        data = self.session.data
        if data.task != "binary":
            self.set_status("the perceptron algorithm needs two classes; load a binary data set", error=True)
            return False
        tc = self.session.config.train
        self.job_is_play = False
        self._set_running(True)
        self.hooks.submit(PerceptronJob(data.Xs_train, np.asarray(data.y_train), max(1, tc.epochs), tc.lr))
        return True

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.hooks.changed("running")

    # ------------------------------------------------------------------ reports from the training thread
    def on_progress(self, progress) -> None:
        s = self.session
        s.append_epochs(progress.epoch_logs)
        if self.job_is_play and not self.unlimited:
            self.remaining = max(0, self.remaining - len(progress.epoch_logs))
        s.add_grad_norms(progress.grad_norms)
        self.snapshot = progress.params
        self.hooks.changed("weights")

    def on_finished(self, info: dict) -> None:
        self._set_running(False)
        s = self.session
        if s.net is not None:
            self.snapshot = s.net.params.copy()
        reason = info.get("reason")
        if info.get("error"):
            self.last_error = info["error"]
            self.remaining = 0
            self.unlimited = False
            self.after_stop = [a for a in self.after_stop if a == self.reset]   # no resuming after an error
        if reason == "paused":
            s.partial_samples = int(info.get("partial_samples", 0))
        self.partial_of = int(info.get("n_samples", 0))
        if self.last_error:
            self.set_status(f"Training stopped: {self.last_error}", error=True)
        elif info.get("notice"):        # trained, but not as usual (e.g. no training process): say so
            self.set_status(f"{self.status_text(final=True)} · {info['notice']}", error=True)
        elif self.perceptron is None:
            self.set_status(self.status_text(final=True))
        self.hooks.changed("weights")
        pending, self.after_stop = self.after_stop, []
        for action in pending:
            action()
        if (not pending and self.unlimited and reason == "done" and not self.last_error):
            self.play()                 # "until Pause": the next chunk of epochs

    def on_perceptron(self, model) -> None:
        self.perceptron = model
        data = self.session.data
        train_acc = model.score(data.Xs_train, data.y_train)
        test = f", test accuracy {model.score(data.Xs_test, data.y_test):.1%}" if len(data.X_test) else ""
        state = "converged" if model.converged_ else "did not converge (data may not be linearly separable)"
        self.set_status(f"Perceptron {state}: {model.n_epochs_} epochs, {model.n_updates_} updates, "
                        f"train accuracy {train_acc:.1%}{test}")
        self.hooks.changed("perceptron")

    # ------------------------------------------------------------------ editing the weights by hand
    def set_parameter(self, layer: int, row: int, col: Optional[int], value: float) -> None:
        """Set one weight W(layer)[row, col] (or the bias w0(layer)[row] when ``col`` is None) while idle."""
        if self.running:
            raise SetupError("pause training before editing weights")
        if not np.isfinite(value):
            raise SetupError(f"a weight must be a finite number, got {value}")
        W, b = self.session.net.layer_views(self.session.net.params)[layer]
        if col is None:
            b[row] = value
        else:
            W[row, col] = value
        self.snapshot = self.session.net.params.copy()
        self.hooks.changed("weights")

    def apply_update(self, grad: np.ndarray, lr: float) -> None:
        """One plain gradient-descent step ``w ← w − η ∂E/∂w`` with a gradient from the step-through."""
        if self.running:
            raise SetupError("pause training before applying an update by hand")
        self.session.net.params[:] -= lr * np.asarray(grad)
        self.snapshot = self.session.net.params.copy()
        self.hooks.changed("weights")

    # ------------------------------------------------------------------ status
    def set_status(self, text: str, error: bool = False) -> None:
        self.status, self.error_status = text, error
        self.hooks.changed("status")

    def status_text(self, final: bool = False) -> str:
        s = self.session
        h = s.history
        parts = [f"Epoch {s.epochs_done}"]
        for key, label in (("loss", "loss"), ("val_loss", "val loss")):
            if h[key] and np.isfinite(h[key][-1]):
                parts.append(f"{label} {h[key][-1]:.4g}")
        for key, label in (("accuracy", "acc"), ("val_accuracy", "val acc")):
            if h[key] and np.isfinite(h[key][-1]):
                parts.append(f"{label} {h[key][-1]:.1%}")
        if final and s.data is not None and len(s.data.X_test) and s.epochs_done:
            try:
                res = s.net.evaluate(s.data.Xs_test, s.targets(s.data.y_test), loss=s.config.network.loss)
                parts.append(f"test loss {res['loss']:.4g}")
                if "accuracy" in res:
                    parts.append(f"test acc {res['accuracy']:.1%}")
            except ValueError:
                pass
        if s.partial_samples and not self.running:
            parts.append(f"paused mid-epoch {s.epochs_done + 1} ({s.partial_samples:,}/{self.partial_of:,} samples)")
        if self.remaining and not self.running:
            parts.append(f"paused ({self.remaining} epochs left in this run)")
        return " · ".join(parts)
