"""Forward passes for the views (the output map, neuron maps, hover maps, the evaluation tab) off the UI thread.

A view asks :meth:`ModelRunner.run` for ``compute(net)`` with the network holding a weight snapshot and gets the
result through ``deliver(result)`` on the UI thread. A small network (``n_params × GRID_POINTS`` under
``SYNC_WORK`` multiply-adds, a few milliseconds) is evaluated at once, so small experiments and the tests see their
plots update synchronously. A large one (a 5M-parameter network costs about a second per 10,000-point map) is
evaluated on one background thread with its own copy of the network (the C core releases the GIL, so the UI keeps
running): per view only the newest request waits while one runs, and results computed for a network that has since
been rebuilt are dropped.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Dict, Optional, Tuple

import numpy as np
from PySide6.QtCore import QObject, Signal

GRID_POINTS = 10_000        # the output map's grid (the largest routine forward pass)
SYNC_WORK = 50_000_000      # multiply-adds a synchronous view update may cost (~10-50 ms)


class _Stale(Exception):
    """The network was rebuilt before this computation ran."""


_STALE = object()


class ModelRunner(QObject):
    """``set_network(net)`` after every build; ``run(key, params, compute, deliver)`` per view update."""

    _finished = Signal(object)       # (generation, key, deliver, result or exception)

    def __init__(self, parent: Optional[QObject] = None, sync_work: int = SYNC_WORK):
        super().__init__(parent)
        self.sync_work = sync_work
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyffnn-views")
        self._net = None              # the background thread's own network (never the training one)
        self._sync_net = None         # small networks: the copy evaluated at once on the UI thread
        self._n_params = None
        self._generation = 0
        self._busy: Dict[str, bool] = {}
        self._waiting: Dict[str, Tuple] = {}
        self._closed = False
        self.errors = []              # exceptions raised by background computations (for tests and debugging)
        self._finished.connect(self._on_finished)

    def set_network(self, net) -> None:
        """A new (or rebuilt) network: later results of the old one are dropped."""
        self._generation += 1
        self._waiting.clear()
        self._n_params = None if net is None else net.n_params
        large = self.is_large()
        self._sync_net = None if net is None or large else net.copy()
        self._net = None
        if large and not self._closed:
            # The copy (building a 5M-parameter network and copying it: ~50 ms) is made by the background thread
            # itself, before any computation for this network; only its architecture matters, as every
            # computation loads its own snapshot.
            generation = self._generation

            def make_copy():
                copy = net.copy()
                if generation == self._generation:
                    self._net = copy

            self._pool.submit(make_copy)

    def is_large(self) -> bool:
        """Whether view updates of the current network run in the background."""
        return self._n_params is not None and self._n_params * GRID_POINTS > self.sync_work

    def idle(self) -> bool:
        """No background computation is running or waiting."""
        return not any(self._busy.values()) and not self._waiting

    def run(self, key: str, params: np.ndarray, compute: Callable, deliver: Callable) -> None:
        """``deliver(compute(net))`` with ``net.params == params``; ``key`` names the view (one request per view
        is kept while a computation for it runs)."""
        if self._closed or self._n_params is None or params is None or params.size != self._n_params:
            return
        if not self.is_large():
            self._sync_net.params[:] = params
            deliver(compute(self._sync_net))
            return
        if self._busy.get(key):
            self._waiting[key] = (params, compute, deliver)
            return
        self._submit(key, params, compute, deliver)

    def _submit(self, key, params, compute, deliver) -> None:
        self._busy[key] = True
        generation = self._generation

        def job():
            try:
                net = self._net
                if net is None or generation != self._generation:
                    raise _Stale()
                net.params[:] = params
                result = compute(net)
            except _Stale:
                result = _STALE
            except Exception as exc:  # reported on the UI thread, never lost in the pool
                result = exc
            self._finished.emit((generation, key, deliver, result))

        self._pool.submit(job)

    def _on_finished(self, report) -> None:
        generation, key, deliver, result = report
        self._busy[key] = False
        if generation == self._generation and result is not _STALE:
            if isinstance(result, Exception):
                self.errors.append(result)
            else:
                deliver(result)
        waiting = self._waiting.pop(key, None)
        if waiting is not None:
            self._submit(key, *waiting)

    def shutdown(self) -> None:
        """Finish the running computation and accept no more (idempotent)."""
        self._closed = True
        self._waiting.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)


class BackgroundCall(QObject):
    """``run(fn, deliver)``: ``deliver(fn())`` on the UI thread, ``fn`` on a thread of its own; a newer ``run`` (or
    ``cancel``) supersedes an older one, whose result is dropped. An exception from ``fn`` is delivered as is."""

    _done = Signal(object)

    def __init__(self, parent: Optional[QObject] = None):
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyffnn-build")
        self._token = 0
        self._pending = 0
        self._closed = False
        self._done.connect(self._on_done)

    def busy(self) -> bool:
        """A call whose result is still to be delivered."""
        return self._pending == self._token and self._pending > 0 and not self._closed

    def cancel(self) -> None:
        self._token += 1

    def run(self, fn: Callable, deliver: Callable) -> None:
        if self._closed:
            return
        self._token += 1
        token = self._pending = self._token

        def job():
            try:
                result = fn()
            except Exception as exc:  # delivered: the window shows it
                result = exc
            self._done.emit((token, deliver, result))

        self._pool.submit(job)

    def _on_done(self, report) -> None:
        token, deliver, result = report
        if token == self._token and not self._closed:
            self._pending = 0
            deliver(result)

    def shutdown(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
