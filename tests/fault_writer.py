"""Fault injection for the atomic writers (run by tests/test_fault_injection.py, not collected by pytest).

    python tests/fault_writer.py WRITER FOLDER TRIALS SEED

WRITER is ``model`` (Network.save), ``cli`` (``pyffnn datasets -o``) or ``project`` (the app's project_io, headless).
The process imports everything once, writes a first complete file, then for each trial forks a child that saves
over the same path in a loop and SIGKILLs it at a random moment (anywhere from before its first write to deep in
a later one).  After each kill the file must load and equal one of the complete versions the child could have
written.  The last line printed is a JSON summary.
"""
import contextlib
import io
import json
import os
import random
import signal
import sys
import time

import numpy as np


def _model(folder):
    from pyffnn import Network

    path = os.path.join(folder, "model.npz")
    nets = [Network("4-128tanh-128tanh-3softmax", random_state=i) for i in range(2)]

    def write(i):
        nets[i % 2].save(path, metadata={"version": i})

    def check():
        net = Network.load(path)
        i = net.metadata["version"]
        np.testing.assert_array_equal(net.params, nets[i % 2].params)

    return path, write, check


def _cli(folder):
    from pyffnn.cli import main

    path = os.path.join(folder, "spiral.csv")
    rows = 3000

    def write(i):
        with contextlib.redirect_stderr(io.StringIO()):
            assert main(["datasets", "spiral", "--samples", str(rows), "--seed", str(i % 3), "-o", path]) == 0

    def check():
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        assert lines[0] == "x1,x2,y" and len(lines) == rows + 1, len(lines)
        for line in lines[1:]:
            a, b, c = line.split(",")
            float(a), float(b), int(c)

    return path, write, check


def _project(folder):
    from pyffnn import Network
    from pyffnn_gui.config import ExperimentConfig
    from pyffnn_gui.project_io import load_project, save_project

    path = os.path.join(folder, "run.ffnnproj")
    nets = [Network("2-128tanh-128tanh-1sigmoid", random_state=i) for i in range(2)]
    cfg = ExperimentConfig()

    def write(i):
        save_project(path, cfg, nets[i % 2].params, {"loss": np.linspace(1, 0, 500)}, i, nets[i % 2].spec)

    def check():
        project = load_project(path)
        np.testing.assert_array_equal(project.params, nets[project.epochs_done % 2].params)
        assert project.history["loss"].size == 500

    return path, write, check


def main():
    writer, folder, trials, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    path, write, check = {"model": _model, "cli": _cli, "project": _project}[writer](folder)
    rnd = random.Random(seed)
    write(0)
    start = time.perf_counter()
    for i in range(3):
        write(i)
    one = (time.perf_counter() - start) / 3
    killed_mid_write = 0
    for _ in range(trials):
        pid = os.fork()
        if pid == 0:  # the child: save again and again until killed
            try:
                i = 1
                while True:
                    write(i)
                    i += 1
            finally:
                os._exit(0)
        time.sleep(rnd.uniform(0.0, 4 * one))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        temps = [n for n in os.listdir(folder) if ".pyffnn-tmp-" in n]
        killed_mid_write += bool(temps)
        check()  # the file there is complete and loadable, whatever moment the kill hit
    write(1)  # the next save removes what the killed writers left
    left = [n for n in os.listdir(folder) if ".pyffnn-tmp-" in n]
    print(json.dumps({"writer": writer, "trials": trials, "killed_mid_write": killed_mid_write, "temp_left": left,
                      "save_seconds": one}))


if __name__ == "__main__":
    main()
