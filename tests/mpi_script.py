"""Run under ``mpirun -n N`` by tests/test_mpi.py: data-parallel fits whose weights and histories each rank saves
to OUT_DIR/<case>.<rank>.npz, for the test to compare with single-process fits of tests/test_mpi.py's CASES."""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pyffnn  # noqa: E402
from test_mpi import CASES, case_data, case_callbacks  # noqa: E402

comm = pyffnn.experiments.mpi.world()
out_dir = sys.argv[1]
for name, case in CASES.items():
    X, y, w = case_data(case)
    net = pyffnn.Network(case["spec"], dtype=case["dtype"], random_state=100 + comm.Get_rank())  # rank 0's wins
    callbacks = case_callbacks(case) if comm.Get_rank() == 0 or not case.get("rank0_callbacks") else []
    history = pyffnn.fit_mpi(net, X, y, sample_weight=w, callbacks=callbacks, **case["fit"])
    np.savez(os.path.join(out_dir, f"{name}.{comm.Get_rank()}.npz"), params=net.params,
             history=json.dumps(history.history), epochs_done=net.epochs_done)
