"""The training thread: a ``QObject`` living in a ``QThread`` that runs :mod:`training_job` jobs and reports through
signals (the pattern of pyqtgraph's examples). All training logic is in ``training_job`` and the library.

A network job is handed on to a training *process* (:mod:`training_process`: the same ``run_fit``, with its own GIL,
so the UI's redraws do not slow training); this thread waits for it, forwards Pause/Abort and re-emits its reports.
When no process can be had, the job runs here, in this thread, and the finished info carries a ``notice`` saying so.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from pyffnn_gui import training_process
from pyffnn_gui.training_job import PerceptronJob, Requests, TrainJob, run_fit, run_perceptron

__all__ = ["TrainWorker", "TrainJob", "PerceptronJob"]


class TrainWorker(QObject):
    """``run_job`` is invoked through a queued signal from the UI thread."""

    progress = Signal(object)      # training_job.Progress
    finished = Signal(object)      # dict(reason=..., epochs=..., error=..., notice=... when training fell back)
    perceptron_done = Signal(object)

    def __init__(self, emit_interval: float = 0.05, probe_share: float = 0.05, use_process: bool = True):
        super().__init__()
        self.emit_interval = emit_interval
        self.probe_share = probe_share
        self.requests = Requests()
        self.use_process = use_process and training_process.enabled()
        self.process = None          # the training process of the running job (None: in this thread)
        if self.use_process:
            training_process.prestart()     # its start-up overlaps the window's, not the first Play

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
                info = self._fit(job)
        except Exception as exc:  # any library error must reach the window, not kill the thread
            info = {"reason": "error", "epochs": 0, "error": f"{type(exc).__name__}: {exc}"}
        self.finished.emit(info)

    def _fit(self, job: TrainJob) -> dict:
        notice = ""
        if self.use_process:
            try:
                self.process = training_process.acquire()
                try:
                    return self.process.run(job, self.progress.emit, self.requests, self.emit_interval,
                                            self.probe_share)
                finally:
                    training_process.release(self.process)
                    self.process = None
            except training_process.ProcessUnavailable as exc:
                self.use_process = False      # this window trains in its thread from now on
                notice = f"{exc}; training runs in the app's own thread (slower while the plots redraw)"
        info = run_fit(job, self.progress.emit, self.requests, self.emit_interval, self.probe_share)
        if notice:
            info["notice"] = notice
        return info
