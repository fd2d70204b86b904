"""Training in a worker process: the same :func:`training_job.run_fit` (so the same ``Network.fit``), run where the
UI's redraws cannot take the GIL from it.

Why a process: an app epoch is ~250 µs of C work with Python between the chunks, and pyqtgraph's redraws hold the
GIL of the app's process about half the time, so a training *thread* waits for them (the app trained at ~50 % of
headless ``fit``). A process has its own interpreter and GIL.

How: :class:`TrainingProcess` is a persistent child started with the ``spawn`` context (a Qt process is never
forked), kept in a small pool so one start-up (~0.3 s, importing numpy and pyffnn) serves every window and run of
the app. A job goes over a pipe as a pickled :class:`training_job.TrainJob` (network, data, fit settings, the
optimizer with its state); the child calls ``run_fit`` and streams reports back: epoch logs and gradient-norm samples
through the pipe, the weights snapshot through one ``multiprocessing.shared_memory`` block (a 5M-parameter network
would otherwise pickle 40 MB per report). Pause and abort are ``multiprocessing`` events that ``run_fit``'s callback
checks after every chunk, exactly as with a thread; a changed setting stops the job after its chunk and the run goes
on with a new job (``RunController.restart_with_new_settings``), so it applies within one chunk as before. At the end
the final weights (shared block) and the optimizer (pipe: Adam's moments, step count) are copied into the app's own
network and optimizer objects, so everything after a job sees what a thread would have left.

If the child dies mid-run, :meth:`TrainingProcess.run` returns an error saying so; the network keeps the last weights
reported. If no child can be started, :func:`acquire` raises :class:`ProcessUnavailable` and the caller trains in its
own thread. The child exits when the app closes (``stop`` message, then terminate/kill at interpreter exit) or when
the pipe to the app breaks, so it never outlives the app.

This module imports no Qt: the child only imports it, :mod:`training_job` and pyffnn.
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
import pickle
import struct
import sys
import threading
import types
from multiprocessing import shared_memory
from typing import Callable, List, Optional

import numpy as np

from pyffnn_gui.training_job import Progress, Requests, TrainJob, run_fit

START_TIMEOUT = 30.0     # seconds for a child to import numpy and pyffnn (a loaded machine can be slow)
POLL_SECONDS = 0.02      # how often the waiting app thread forwards Pause/Abort and checks the child is alive
LOCK_TIMEOUT = 2.0       # never wait longer for the snapshot lock (a child killed while holding it)
DISABLE_ENV = "PYFFNN_GUI_TRAIN_IN_THREAD"   # set to 1 to train in the app's own thread (debugging)


class ProcessUnavailable(RuntimeError):
    """No training process could be started (or the one taken was gone before the job reached it)."""


def enabled() -> bool:
    """False when the user asked for in-thread training with ``PYFFNN_GUI_TRAIN_IN_THREAD=1``."""
    return os.environ.get(DISABLE_ENV, "").strip().lower() not in ("1", "true", "yes")


def _send(conn, message) -> None:
    """Pickle ``message`` with its arrays out of band (protocol 5) and write the arrays straight from their memory:
    a 5M-parameter job is 120 MB, and pickling it in band would hold the UI's GIL for ~0.1 s."""
    buffers: list = []
    head = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    conn.send_bytes(struct.pack("<I", len(buffers)) + head)
    for buffer in buffers:
        conn.send_bytes(buffer.raw())


def _recv(conn):
    """The message :func:`_send` wrote; its arrays are writeable (copied by numpy, which releases the GIL)."""
    data = conn.recv_bytes()
    (count,) = struct.unpack_from("<I", data)
    buffers = [np.frombuffer(conn.recv_bytes(), dtype=np.uint8).copy() for _ in range(count)]
    return pickle.loads(memoryview(data)[4:], buffers=buffers)


# ---------------------------------------------------------------------------------------------- the child's side
def _serve(conn, pause, abort, lock) -> None:
    """The child's main loop: one job at a time until ``stop`` or until the app's end of the pipe is gone."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C in the terminal is the app's to handle
    block: Optional[shared_memory.SharedMemory] = None
    try:
        _send(conn, ("ready", os.getpid()))
        while True:
            message = _recv(conn)
            if message[0] != "fit":
                break
            _, job, block_name, emit_interval, probe_share = message
            if block is None or block.name != block_name:
                if block is not None:
                    block.close()
                block = shared_memory.SharedMemory(name=block_name)
            params = job.net.params
            view = np.ndarray(params.shape, params.dtype, buffer=block.buf)
            gone = []

            def emit(progress: Progress) -> None:
                if lock.acquire(timeout=LOCK_TIMEOUT):
                    try:
                        view[:] = progress.params
                    finally:
                        lock.release()
                try:
                    _send(conn, ("progress", progress.epoch_logs, progress.grad_norms, progress.final))
                except OSError:           # the app is gone: stop training after this chunk, then exit
                    gone.append(True)
                    abort.set()

            try:
                info = run_fit(job, emit, Requests(pause, abort), emit_interval, probe_share,
                               probe_in_background=True)
            except Exception as exc:      # noqa: BLE001 — any failure must reach the app as a message
                info = {"reason": "error", "epochs": 0, "error": f"{type(exc).__name__}: {exc}"}
            del view
            if gone:
                break
            _send(conn, ("done", info, job.fit_kwargs.get("optimizer"), getattr(job.net, "epochs_done", None)))
    except (EOFError, OSError):
        pass                              # the app closed its end: nothing left to do
    finally:
        if block is not None:
            block.close()


# ---------------------------------------------------------------------------------------------- the app's side
def adopt_state(target, source) -> None:
    """Make ``target`` (the app's optimizer object) equal to ``source`` (the child's, after training) in place,
    through the pickle protocol every pyffnn optimizer supports, so callers holding ``target`` see the new state."""
    state = source.__getstate__()
    state = dict(state) if isinstance(state, dict) else state
    if hasattr(target, "__setstate__"):
        target.__setstate__(state)
    else:
        target.__dict__.update(state)


class TrainingProcess:
    """One persistent training child. :meth:`run` is called from one app thread at a time."""

    def __init__(self):
        ctx = multiprocessing.get_context("spawn")
        self.requests = Requests(pause=ctx.Event(), abort=ctx.Event())
        self.lock = ctx.Lock()
        self.conn, child_conn = ctx.Pipe()
        self.process = ctx.Process(target=_serve, name="pyffnn-training", daemon=True,
                                   args=(child_conn, self.requests.pause, self.requests.abort, self.lock))
        self._child_conn = child_conn
        self.block: Optional[shared_memory.SharedMemory] = None
        self.ready = False
        self.closed = False

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return not self.closed and self.process.is_alive()

    def start(self) -> None:
        """Launch the child (returns at once; it imports pyffnn meanwhile)."""
        main = sys.modules.get("__main__")
        # ``spawn`` re-runs the app's main script in the child unless it is a package's __main__; a script without
        # an ``if __name__ == "__main__"`` guard would open a second window there. The child needs nothing from
        # it (jobs are pyffnn_gui and pyffnn objects), so it is shown an empty main module while it is launched.
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            self.process.start()
        except Exception as exc:          # noqa: BLE001 — e.g. no more processes allowed, no /dev/shm
            self.closed = True
            raise ProcessUnavailable(f"the training process cannot start ({type(exc).__name__}: {exc})") from exc
        finally:
            if main is not None:
                sys.modules["__main__"] = main
            self._child_conn.close()      # the child holds its end; ours must close so EOF reaches it

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Block until the child has imported pyffnn; :class:`ProcessUnavailable` if it died or took too long."""
        if self.ready:
            return
        try:
            if self.conn.poll(timeout):
                message = _recv(self.conn)
                if message[0] == "ready":
                    self.ready = True
                    return
        except (EOFError, OSError):
            pass
        code = self.process.exitcode
        self.close()
        raise ProcessUnavailable("the training process did not start" +
                                 (f" (exit code {code})" if code is not None else f" within {timeout:.0f} s"))

    def _block_for(self, nbytes: int) -> shared_memory.SharedMemory:
        if self.block is None or self.block.size < nbytes:
            self._free_block()
            self.block = shared_memory.SharedMemory(create=True, size=max(int(nbytes), 8))
        return self.block

    def _free_block(self) -> None:
        if self.block is not None:
            try:
                self.block.close()
                self.block.unlink()
            except (OSError, BufferError):
                pass
            self.block = None

    def _read(self, view: np.ndarray) -> np.ndarray:
        got = self.lock.acquire(timeout=LOCK_TIMEOUT)
        try:
            return view.copy()
        finally:
            if got:
                self.lock.release()

    def run(self, job: TrainJob, emit: Callable[[Progress], None], requests: Requests, emit_interval: float,
            probe_share: float) -> dict:
        """Train ``job`` in the child and return ``run_fit``'s info; ``emit`` gets the same :class:`Progress`
        reports as in a thread. ``requests`` (the caller's Pause/Abort flags) are forwarded to the child.
        ``job.net`` and the job's optimizer end in the state the child left them in. Raises
        :class:`ProcessUnavailable` (nothing trained) if the child is gone before the job reaches it."""
        self.wait_ready()
        params = job.net.params
        try:
            view = np.ndarray(params.shape, params.dtype, buffer=self._block_for(params.nbytes).buf)
        except OSError as exc:            # no shared memory here (e.g. no /dev/shm): train in the thread instead
            self.close()
            raise ProcessUnavailable(f"no shared memory for the training process ({exc})") from exc
        self.requests.clear()
        try:
            _send(self.conn, ("fit", job, self.block.name, emit_interval, probe_share))
        except (OSError, ValueError) as exc:
            self.close()
            raise ProcessUnavailable(f"the training process is gone ({exc})") from exc
        last: Optional[np.ndarray] = None
        epochs = 0                        # epochs reported so far in this job
        while True:
            if requests.pause.is_set() and not self.requests.pause.is_set():
                self.requests.pause.set()
            if requests.abort.is_set() and not self.requests.abort.is_set():
                self.requests.abort.set()
            try:
                if not self.conn.poll(POLL_SECONDS):
                    if not self.process.is_alive():
                        raise EOFError
                    continue
                message = _recv(self.conn)
            except (EOFError, OSError, pickle.UnpicklingError, struct.error):   # gone, maybe mid-message
                return self._died(job, last, epochs)
            if message[0] == "progress":
                _, logs, norms, final = message
                last = self._read(view)
                epochs += len(logs)
                emit(Progress(logs, last, norms, final))
            elif message[0] == "done":
                _, info, optimizer, epochs_done = message
                params[:] = self._read(view)          # the final report wrote the final weights
                mine = job.fit_kwargs.get("optimizer")
                if mine is not None and optimizer is not None and not isinstance(mine, str):
                    adopt_state(mine, optimizer)
                if epochs_done is not None:
                    job.net.epochs_done = epochs_done
                return info

    def _died(self, job: TrainJob, last: Optional[np.ndarray], epochs: int) -> dict:
        """The child vanished mid-job: keep the last reported weights, restart the optimizer's state, say so."""
        code = self.process.exitcode
        self.close()
        if last is not None:
            job.net.params[:] = last
        optimizer = job.fit_kwargs.get("optimizer")
        if hasattr(optimizer, "reset"):
            optimizer.reset()             # its moments belonged to weights we no longer have
        how = f"exit code {code}" if code is not None else "no exit code"
        done = job.start_epoch + epochs
        return {"reason": "error", "epochs": epochs, "partial_samples": 0, "n_samples": len(job.X),
                "error": f"the training process stopped unexpectedly ({how}); the network keeps the weights of "
                         f"epoch {done} and the optimizer starts afresh. Press Play to go on (a new training "
                         "process starts)."}

    def close(self, timeout: float = 2.0) -> None:
        """End the child (politely, then by force) and free the shared block. Idempotent."""
        if self.closed and not self.process.is_alive():
            self._free_block()
            return
        self.closed = True
        self.requests.abort.set()
        try:
            _send(self.conn, ("stop",))
        except (OSError, ValueError):
            pass
        if self.process.pid is not None:
            self.process.join(timeout)
            if self.process.is_alive():
                self.process.terminate()
                self.process.join(timeout)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(timeout)
        self.conn.close()
        self._free_block()


# ---------------------------------------------------------------------------------------------- the pool
_idle: List[TrainingProcess] = []
_every: List[TrainingProcess] = []
_pool_lock = threading.Lock()


def _new() -> TrainingProcess:
    process = TrainingProcess()
    process.start()
    _every.append(process)
    return process


def prestart() -> None:
    """Start a child now (if none is idle) so the first Play does not wait for its imports."""
    with _pool_lock:
        if not any(p.alive for p in _idle):
            try:
                _idle.append(_new())
            except ProcessUnavailable:
                pass                      # acquire() will say so when training starts


def acquire() -> TrainingProcess:
    """An idle, living child (started if need be; waits for its start-up). Raises :class:`ProcessUnavailable`."""
    with _pool_lock:
        while _idle:
            process = _idle.pop()
            if process.alive:
                break
            process.close()
        else:
            process = _new()
    process.wait_ready()
    return process


def release(process: TrainingProcess) -> None:
    """Give ``process`` back for the next job (a dead one is closed instead)."""
    with _pool_lock:
        if process.alive:
            _idle.append(process)
        else:
            process.close()


def children() -> List[TrainingProcess]:
    """Every child started and not yet closed (tests and diagnostics)."""
    return [p for p in _every if not p.closed]


def shutdown() -> None:
    """End every child; runs at interpreter exit (before multiprocessing's own clean-up)."""
    with _pool_lock:
        _idle.clear()
        for process in _every:
            process.close()
        _every.clear()


atexit.register(shutdown)
