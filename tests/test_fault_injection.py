"""Saves survive kill -9 at random moments and a full disk: the previous file is always intact and loadable.

Each writer (model save, a CLI output, the app's project save, headless) gets TRIALS kills in its own process
(tests/fault_writer.py forks one child per trial); the disk-full case runs a save under ``ulimit -f``.
"""
import json
import os
import resource
import subprocess
import sys

import numpy as np
import pytest

from pyffnn import Network

HERE = os.path.dirname(os.path.abspath(__file__))
TRIALS = 60


def test_kill_9_at_random_moments_never_loses_the_previous_file(tmp_path):
    writers = ["model", "cli"]
    try:
        import pyffnn_gui.project_io  # noqa: F401  (no Qt needed)
        writers.append("project")
    except ImportError:
        pass
    procs = {}
    for k, writer in enumerate(writers):
        folder = tmp_path / writer
        folder.mkdir()
        procs[writer] = subprocess.Popen([sys.executable, os.path.join(HERE, "fault_writer.py"), writer,
                                          str(folder), str(TRIALS), str(k + 1)],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for writer, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{writer}: {err[-3000:]}"
        summary = json.loads(out.strip().splitlines()[-1])
        assert summary["trials"] == TRIALS
        assert summary["killed_mid_write"] >= 5, summary  # the kills really hit saves in progress
        assert summary["temp_left"] == [], summary         # and the next save cleaned up after them


def _limited(limit):
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_full_disk_leaves_the_previous_file(tmp_path):
    path = tmp_path / "model.npz"
    Network("2-3tanh-1sigmoid", random_state=0).save(path)
    original = path.read_bytes()
    code = ("import sys, pyffnn\n"
            "try:\n"
            "    pyffnn.Network('2-300tanh-300tanh-1sigmoid').save(sys.argv[1])\n"
            "except OSError as exc:\n"
            "    print(exc.filename, exc.strerror); sys.exit(3)\n")
    r = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120,
                       preexec_fn=_limited(64 * 1024))
    assert r.returncode == 3, r.stderr
    assert r.stdout.startswith(str(path)) and "File too large" in r.stdout
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]
    np.testing.assert_array_equal(Network.load(path).params, Network("2-3tanh-1sigmoid", random_state=0).params)

    out = tmp_path / "data.csv"
    out.write_text("keep me\n")
    r = subprocess.run([sys.executable, "-m", "pyffnn.cli", "datasets", "spiral", "--samples", "20000", "-o",
                        str(out)], capture_output=True, text=True, timeout=120, preexec_fn=_limited(32 * 1024))
    assert r.returncode == 1 and str(out) in r.stderr and "pyffnn-tmp" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert out.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "model.npz"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: the regular user cannot touch /dev/null")
def test_as_root_dev_null_is_never_replaced():
    r = subprocess.run([sys.executable, "-m", "pyffnn.cli", "train", "--dataset", "xor", "--epochs", "1", "-o",
                        "/dev/null"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "not a regular file" in r.stderr
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")
