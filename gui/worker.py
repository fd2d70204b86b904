"""The training thread: a ``QObject`` living in a ``QThread`` that runs :mod:`training_job` jobs and reports through
signals (the pattern of pyqtgraph's examples). All training logic is in ``training_job`` and the library."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from pyffnn_gui.training_job import PerceptronJob, Requests, TrainJob, run_fit, run_perceptron

__all__ = ["TrainWorker", "TrainJob", "PerceptronJob"]


class TrainWorker(QObject):
    """``run_job`` is invoked through a queued signal from the UI thread."""

    progress = Signal(object)      # training_job.Progress
    finished = Signal(object)      # dict(reason=..., epochs=..., error=...)
    perceptron_done = Signal(object)

    def __init__(self, emit_interval: float = 0.05, probe_share: float = 0.05):
        super().__init__()
        self.emit_interval = emit_interval
        self.probe_share = probe_share
        self.requests = Requests()

    # Called from the UI thread: plain thread-safe flags, since this thread is busy inside fit.
    def clear_requests(self) -> None:
        """Forget earlier pause/abort requests; the UI calls this *before* queueing a job, so a Pause pressed
        right after Play is never lost."""
        self.requests.clear()

    def request_pause(self) -> None:
        self.requests.pause.set()

    def request_abort(self) -> None:
        self.requests.abort.set()

    @Slot(object)
    def run_job(self, job) -> None:
        try:
            if isinstance(job, PerceptronJob):
                self.perceptron_done.emit(run_perceptron(job))
                info = {"reason": "done", "epochs": 0, "error": ""}
            else:
                info = run_fit(job, self.progress.emit, self.requests, self.emit_interval, self.probe_share)
        except Exception as exc:  # any library error must reach the window, not kill the thread
            info = {"reason": "error", "epochs": 0, "error": f"{type(exc).__name__}: {exc}"}
        self.finished.emit(info)
