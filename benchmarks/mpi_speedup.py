"""Speed-up of data-parallel training over MPI on 2 processes for a wide network (784-1024relu-1024relu-10softmax,
float32, Adam, batch 1024): 2 processes x 1 thread against 1 process x 1 thread (the ordinary fast path, and the
same per-step data-parallel path on one rank, to show its own overhead), with 1 process x 2 threads as a control
of how much of a second core the machine really has.  Each configuration trains the same
epochs from the same weights; the median of the repeats' wall times is printed.

    python3 benchmarks/mpi_speedup.py              # 3 repeats of 1 epoch over 8192 samples, batch 1024
    python3 benchmarks/mpi_speedup.py --quick      # 1 repeat over 2048 samples
    python3 benchmarks/mpi_speedup.py --batch 256 --btl self,sm   # smaller steps, shared memory

Needs the mpi extra (pip install pyffnn[mpi]: mpi4py and Open MPI's mpirun).  The two processes talk over
loopback TCP here; on one machine with 2 cores each process gets a core (FFNN_NUM_THREADS=1).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

SPEC = "784-1024relu-1024relu-10softmax"


def _data(n):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 784)).astype(np.float32)
    return X, rng.integers(0, 10, size=n)


def worker(n, epochs, batch, use_comm):
    """One timed fit; rank 0 prints its seconds as JSON."""
    import pyffnn
    X, y = _data(n)
    net = pyffnn.Network(SPEC, dtype="float32", random_state=0)
    comm = pyffnn.experiments.mpi.world() if use_comm else None
    if comm is not None:
        comm.Barrier()
    start = time.perf_counter()
    net.fit(X, y, optimizer="adam", lr=1e-3, epochs=epochs, batch_size=batch, random_state=0, comm=comm)
    seconds = time.perf_counter() - start
    if comm is None or comm.Get_rank() == 0:
        print(json.dumps({"seconds": seconds, "loss": float(net.evaluate(X, y)["loss"])}))


def _mpirun():
    local = os.path.join(os.path.dirname(sys.executable), "mpirun")
    return local if os.path.exists(local) else shutil.which("mpirun")


def run(ranks, n, epochs, batch, btl, threads=1):
    """Seconds of one fit on ``ranks`` processes (0: no MPI at all, the ordinary fast path)."""
    env = dict(os.environ, FFNN_NUM_THREADS=str(threads), OMPI_MCA_btl=btl, OMPI_MCA_btl_tcp_if_include="lo",
               OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", str(n), str(epochs), str(batch)]
    if ranks:
        mpirun = _mpirun()
        if mpirun is None:
            sys.exit("no mpirun: pip install pyffnn[mpi]")
        cmd = [mpirun, "-n", str(ranks), "--bind-to", "none", *cmd, "--comm"]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--samples", type=int, default=8192)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--btl", default="self,tcp", help="Open MPI transports (self,tcp: loopback TCP as between hosts; "
                    "self,sm: shared memory on one host)")
    ap.add_argument("--worker", nargs=3, type=int, help=argparse.SUPPRESS)
    ap.add_argument("--comm", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker, use_comm=args.comm)
        return
    n, epochs, repeats = (2048, 1, 1) if args.quick else (args.samples, 1, args.repeats)
    print(f"{SPEC} float32, Adam, batch {args.batch}, {n} samples x {epochs} epoch, median of {repeats}, "
          f"transports {args.btl}")
    results = {}
    for label, ranks, threads in (("1 process x 1 thread, fast path", 0, 1),
                                  ("1 process x 1 thread, d-p path", 1, 1),
                                  ("2 processes x 1 thread", 2, 1),
                                  ("1 process x 2 threads (control)", 0, 2)):
        runs = [run(ranks, n, epochs, args.batch, args.btl, threads) for _ in range(repeats)]
        results[label] = statistics.median(r["seconds"] for r in runs)
        print(f"  {label:<32}{results[label]:8.2f} s   final loss {runs[-1]['loss']:.6f}")
    base, two = results["1 process x 1 thread, fast path"], results["2 processes x 1 thread"]
    print(f"speed-up on 2 processes: {base / two:.2f}x against the fast path, "
          f"{results['1 process x 1 thread, d-p path'] / two:.2f}x against the same path on 1 rank")
    print(f"control: 2 threads in one process give {base / results['1 process x 2 threads (control)']:.2f}x "
          "(near 1x means the second core is busy with other work: the 2-process figure cannot beat it)")


if __name__ == "__main__":
    main()
