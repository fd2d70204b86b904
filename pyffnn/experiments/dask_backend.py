"""Sweeps on a Dask cluster (``pip install pyffnn[dask]``); Dask is imported only here, only when used.

The sweep's data is scattered to the workers once; each run trains on a worker and comes back whole (settings,
curves, metrics, status), and the submitting process records it in its run store, so the workers need pyffnn
installed but no access to the store's disk.  Start a cluster with ``dask scheduler`` and ``dask worker
tcp://HOST:8786`` (on each machine, in an environment with pyffnn), then ``pyffnn sweep ... --scheduler
tcp://HOST:8786`` or ``pyffnn.sweep(..., client=Client("tcp://HOST:8786"))``.
"""
from ..errors import FFNNError

INSTALL_HINT = "pip install pyffnn[dask]"


def import_distributed():
    """The ``dask.distributed`` module, or an FFNNError saying how to install it."""
    try:
        import dask.distributed as distributed
    except ImportError as exc:
        raise FFNNError(f"Dask sweeps need dask.distributed, which is not installed ({exc}); {INSTALL_HINT}") \
            from None
    return distributed


def _dask_run(task, data):
    from .sweep import run_one
    return run_one(task, data, None)


def run_on_dask(sweep):
    """Run the tasks of ``sweep`` (a :class:`~pyffnn.experiments.sweep.Sweep`) on its client or scheduler."""
    distributed = import_distributed()
    own = sweep.client is None
    if own:
        try:
            client = distributed.Client(sweep.scheduler, timeout=30)
        except (OSError, TimeoutError, ValueError) as exc:
            raise FFNNError(f"cannot connect to the Dask scheduler {sweep.scheduler!r}: {exc}; is "
                            "'dask scheduler' running there (and 'dask worker' attached)?") from None
    else:
        client = sweep.client
        if not isinstance(client, distributed.Client):
            raise FFNNError(f"client must be a dask.distributed.Client, got {type(client).__name__}")
    futures = []
    try:
        [data] = client.scatter([sweep.data], broadcast=True)
        futures = [client.submit(_dask_run, task, data, pure=False, key=f"pyffnn-{sweep.name}-{task['index']}")
                   for task in sweep.tasks()]
        done = distributed.as_completed(futures)
        for future in done:
            if sweep._cancel.is_set():
                sweep.interrupted = True
                break
            row = future.result()
            record = row.pop("record")
            row["run_id"] = sweep.store.add_run(record)
            sweep._collect(row)
    except KeyboardInterrupt:
        sweep.interrupted = True
        raise
    finally:
        if sweep.interrupted:
            client.cancel(futures)
        if own:
            client.close()
