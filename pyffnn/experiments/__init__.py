"""Experiments: the run store, the RunLogger callback, sweeps (local processes or Dask), MPI data-parallel
training and memory-mapped data.  Dask, mpi4py and matplotlib are optional and imported only when used."""
from .logger import RunLogger, data_fingerprint
from .store import STATUSES, Run, RunStore, default_path

__all__ = ["RunStore", "Run", "RunLogger", "data_fingerprint", "default_path", "STATUSES"]
