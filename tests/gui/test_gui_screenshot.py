"""The headless screenshot mode: train N epochs on a named data set and render the window to a PNG."""
import os
import subprocess
import sys

import numpy as np
from PySide6.QtGui import QImage


def run_gui(args, tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "pyffnn_gui", *args], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env=env)


def test_screenshot_after_training(tmp_path):
    out = tmp_path / "shot.png"
    proc = run_gui(["--dataset", "xor", "--epochs", "25", "--screenshot", str(out)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "trained 25 epochs" in proc.stdout
    assert "propagateSizeHints" not in proc.stderr       # the offscreen platform's noise is not shown to users
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1280, 720)      # the default fits a 1366×768 screen
    # Not a blank window: the heatmap and curves put many distinct colours on screen.
    ptr = img.convertToFormat(QImage.Format_RGB32).constBits()
    pixels = np.frombuffer(ptr, dtype=np.uint8).reshape(720, -1, 4)[:, :1280, :3]
    assert len(np.unique(pixels.reshape(-1, 3)[::7], axis=0)) > 200


def test_screenshot_with_csv_and_bad_args(tmp_path):
    csv = tmp_path / "d.csv"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    lab = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)]
    csv.write_text("p,q,kind\n" + "\n".join(f"{a:.4f},{b:.4f},{c}" for (a, b), c in zip(X, lab)) + "\n")
    out = tmp_path / "csv.png"
    proc = run_gui(["--csv", str(csv), "--target", "kind", "--epochs", "5", "--screenshot", str(out)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert out.exists()
    bad = run_gui(["--csv", str(tmp_path / "missing.csv"), "--screenshot", str(out)], tmp_path)
    assert bad.returncode == 2 and "missing.csv" in bad.stderr


def test_bad_command_lines_say_what_is_wrong(tmp_path):
    out = tmp_path / "x.png"
    proc = run_gui(["--dataset", "nosuch", "--screenshot", str(out)], tmp_path)
    assert proc.returncode == 2 and "no built-in data set 'nosuch'" in proc.stderr and "circle" in proc.stderr
    proc = run_gui(["--lr", "100000", "--screenshot", str(out)], tmp_path)
    assert proc.returncode == 2 and "--lr 100000 is outside" in proc.stderr
    assert not out.exists()


def test_screenshot_exits_nonzero_after_divergence(tmp_path):
    out = tmp_path / "div.png"
    proc = run_gui(["--dataset", "sine", "--optimizer", "sgd", "--lr", "1000", "--epochs", "20",
                    "--screenshot", str(out)], tmp_path)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    import re

    m = re.search(r"diverged in epoch (\d+)", proc.stderr)
    trained = int(re.search(r"trained (\d+) epochs", proc.stdout).group(1))
    assert m and int(m.group(1)) == trained + 1        # counted over the run


def test_screenshot_to_a_path_that_cannot_be_written(tmp_path):
    """A missing folder or a device as the screenshot is one line and exit 2, before any training."""
    for target in (tmp_path / "no" / "such" / "folder" / "x.png", "/dev/null"):
        proc = run_gui(["--dataset", "xor", "--epochs", "3", "--screenshot", str(target)], tmp_path)
        assert proc.returncode == 2, (target, proc.stdout, proc.stderr)
        assert "cannot write the screenshot" in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
        assert "trained" not in proc.stdout
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")
