"""Training runs in a worker process (gui/training_process.py): the same fit as headless, Pause/Play continuity, live
settings, a killed worker, a worker that cannot start, and no child left when the app closes."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt

from conftest import TRAIN_TIMEOUT_MS, run_and_wait, set_spin
from pyffnn_gui import training_process
from pyffnn_gui.main_window import MainWindow
from pyffnn_gui.training_job import Requests, TrainJob, run_fit


def _headless_job(window, epochs, start_epoch):
    """The job the controller would submit, on an independent copy of the window's network and optimizer."""
    import pickle

    s = window.session
    net = s.net.copy()
    kwargs = s.fit_kwargs()
    kwargs["optimizer"] = pickle.loads(pickle.dumps(kwargs["optimizer"]))
    X, y = s.data.Xs_train, s.targets(s.data.y_train)
    return TrainJob(net=net, X=X, y=y, fit_kwargs=kwargs, epochs=epochs, start_epoch=start_epoch,
                    seed=s.config.train.seed, probe_X=X[:256], probe_y=y[:256])


def _pid_gone(pid, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:   # a zombie has ended (only its exit status is left for its parent to collect)
            with open(f"/proc/{pid}/status") as f:
                if any(line.split()[:2] == ["State:", "Z"] for line in f):
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def test_training_runs_in_a_child_process_with_the_weights_of_headless_fit(window, qtbot):
    tp = window.train_panel
    set_spin(qtbot, tp.epochs_spin, 30)
    reference = _headless_job(window, 30, 0)
    used = []
    window.worker.progress.connect(lambda _p: used.append(window.worker.process))
    info = run_and_wait(qtbot, window, tp.play_button)
    assert info["reason"] == "done" and not info.get("notice")
    # the job ran in a child process, not in this one
    assert used and used[0] is not None and used[0].pid != os.getpid()
    run_fit(reference, lambda _p: None, Requests(), emit_interval=0.0)
    s = window.session
    assert np.array_equal(s.net.params, reference.net.params)          # bit for bit
    assert s.optimizer.iterations == reference.fit_kwargs["optimizer"].iterations > 0
    assert np.array_equal(s.optimizer.state, reference.fit_kwargs["optimizer"].state)   # Adam's moments came back
    assert np.array_equal(window.snapshot, s.net.params)

    # Step continues from that optimizer state exactly as a headless fit continuing the same run would
    ref2 = _headless_job(window, 1, 30)
    run_and_wait(qtbot, window, tp.step_button)
    run_fit(ref2, lambda _p: None, Requests(), emit_interval=0.0)
    assert s.epochs_done == 31 and np.array_equal(s.net.params, ref2.net.params)


def test_pause_and_play_continue_the_run_from_the_worker_state(window, qtbot):
    tp = window.train_panel
    set_spin(qtbot, tp.epochs_spin, 1_000_000)
    qtbot.mouseClick(tp.play_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.session.epochs_done >= 20, timeout=TRAIN_TIMEOUT_MS)
    with qtbot.waitSignal(window.training_finished, timeout=TRAIN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(tp.pause_button, Qt.LeftButton)
    assert blocker.args[0]["reason"] == "paused"
    s = window.session
    done, steps_per_epoch = s.epochs_done, -(-len(s.data.X_train) // 16)
    # the worker's optimizer state is the app's now: every step of the finished epochs (and of a partial one)
    assert s.optimizer.iterations >= done * steps_per_epoch
    assert s.optimizer.iterations <= (done + 1) * steps_per_epoch
    params, t = s.net.params.copy(), s.optimizer.iterations
    assert np.array_equal(window.snapshot, params)
    qtbot.wait(200)
    assert np.array_equal(s.net.params, params) and s.epochs_done == done      # really stopped

    qtbot.mouseClick(tp.play_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: s.epochs_done >= done + 5, timeout=TRAIN_TIMEOUT_MS)
    with qtbot.waitSignal(window.training_finished, timeout=TRAIN_TIMEOUT_MS):
        qtbot.mouseClick(tp.pause_button, Qt.LeftButton)
    assert s.optimizer.iterations > t
    assert len(s.history["loss"]) == s.epochs_done
    assert s.grad_epochs == sorted(s.grad_epochs) and s.grad_epochs[-1] <= s.epochs_done
    assert window.remaining == 1_000_000 - s.epochs_done


def test_a_learning_rate_changed_while_training_applies_mid_run(window, qtbot):
    tp = window.train_panel
    set_spin(qtbot, tp.epochs_spin, 0)               # until Pause
    rates = []
    window.worker.progress.connect(lambda p: rates.extend(logs.get("lr") for logs in p.epoch_logs))
    qtbot.mouseClick(tp.play_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(rates) >= 5, timeout=TRAIN_TIMEOUT_MS)
    old = rates[-1]
    set_spin(qtbot, tp.lr_spin, 0.002)
    qtbot.waitUntil(lambda: rates[-1] == pytest.approx(0.002), timeout=TRAIN_TIMEOUT_MS)
    assert window.running                            # no Play was pressed: the run went on with the new rate
    assert old != pytest.approx(0.002)
    with qtbot.waitSignal(window.training_finished, timeout=TRAIN_TIMEOUT_MS):
        qtbot.mouseClick(tp.pause_button, Qt.LeftButton)
    assert window.session.optimizer.lr == pytest.approx(0.002)


def test_a_killed_worker_is_reported_and_the_app_keeps_working(window, qtbot):
    tp = window.train_panel
    set_spin(qtbot, tp.epochs_spin, 0)
    processes = []
    window.worker.progress.connect(lambda _p: processes.append(window.worker.process))
    qtbot.mouseClick(tp.play_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.session.epochs_done >= 10 and bool(processes), timeout=TRAIN_TIMEOUT_MS)
    victim = processes[-1]
    with qtbot.waitSignal(window.training_finished, timeout=TRAIN_TIMEOUT_MS) as blocker:
        os.kill(victim.pid, signal.SIGKILL)
    info = blocker.args[0]
    assert info["reason"] == "error" and "training process stopped unexpectedly" in info["error"]
    assert not window.running and "training process stopped unexpectedly" in tp.status_label.text()
    s = window.session
    assert np.all(np.isfinite(s.net.params)) and np.array_equal(window.snapshot, s.net.params)
    assert len(s.history["loss"]) == s.epochs_done >= 10          # nothing of the network or its history lost
    assert _pid_gone(victim.pid)

    # the next Play starts a new worker and goes on from there
    done = s.epochs_done
    set_spin(qtbot, tp.epochs_spin, 5)
    info = run_and_wait(qtbot, window, tp.play_button)
    assert info["reason"] == "done" and s.epochs_done == done + 5


def test_without_a_worker_process_training_runs_in_the_thread_and_says_so(qtbot, monkeypatch):
    def unavailable():
        raise training_process.ProcessUnavailable("the training process cannot start (OSError: test)")

    monkeypatch.setattr(training_process, "acquire", unavailable)
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    try:
        set_spin(qtbot, win.train_panel.epochs_spin, 5)
        info = run_and_wait(qtbot, win, win.train_panel.play_button)
        assert info["reason"] == "done" and win.session.epochs_done == 5
        assert "cannot start" in info["notice"] and "own thread" in info["notice"]
        assert "own thread" in win.train_panel.status_label.text()
        info = run_and_wait(qtbot, win, win.train_panel.step_button)     # and goes on working there
        assert win.session.epochs_done == 6 and not info.get("notice")
    finally:
        win.shutdown()


APP_SCRIPT = textwrap.dedent("""
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication
    from pyffnn_gui import training_process
    from pyffnn_gui.main_window import MainWindow
    from pyffnn_gui.project_files import ProjectFiles
    ProjectFiles.interactive = False
    app = QApplication(sys.argv[:1])
    win = MainWindow()
    win.show()
    loop = QEventLoop()
    win.training_finished.connect(lambda _info: loop.quit())
    win.step()
    loop.exec()
    print("pids", *[p.pid for p in training_process.children()], flush=True)
    QTimer.singleShot(0, win.close)
    sys.exit(app.exec())
""")


def test_closing_the_app_ends_its_worker_process(tmp_path):
    script = tmp_path / "app.py"
    script.write_text(APP_SCRIPT)           # no __main__ guard on purpose: the worker must not run it again
    env = dict(os.environ, PYFFNN_RUNS_DB=str(tmp_path / "runs.db"))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    pids = [int(p) for line in done.stdout.splitlines() if line.startswith("pids") for p in line.split()[1:]]
    assert pids, done.stdout + done.stderr
    for pid in pids:
        assert _pid_gone(pid), f"worker process {pid} outlived the app"
    assert "leaked" not in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_the_background_gradient_probe_reports_in_order_and_ends_at_the_last_epoch(window):
    jobs = [_headless_job(window, 60, 0) for _ in range(2)]
    norms = [[], []]
    for job, out, background in zip(jobs, norms, (False, True)):
        run_fit(job, lambda p, out=out: out.extend(p.grad_norms), Requests(), emit_interval=0.0,
                probe_in_background=background)
    assert np.array_equal(jobs[0].net.params, jobs[1].net.params)      # probing never touches training
    epochs = [e for e, _ in norms[1]]
    assert epochs[0] == 0 and epochs[-1] == 60 and epochs == sorted(set(epochs))
    assert all(len(n) == 3 and np.all(np.isfinite(n)) for _, n in norms[1])
    # the same weights give the same norms, whichever thread computed them
    sync = dict(norms[0])
    assert all(np.allclose(n, sync[e], rtol=1e-12) for e, n in norms[1] if e in sync)


def test_every_background_probed_job_ends_with_the_norms_of_its_last_epoch(window):
    # short jobs, where a probe still running at the last epoch used to swallow the final one
    job = _headless_job(window, 10, 0)
    for start in range(0, 200, 10):
        job.start_epoch, out = start, []
        run_fit(job, lambda p: out.extend(e for e, _ in p.grad_norms), Requests(), emit_interval=0.0,
                probe_in_background=True)
        assert out and out[-1] == start + 10 and out == sorted(set(out)), (start, out)


def test_without_shared_memory_training_falls_back_to_the_thread(window, qtbot, monkeypatch):
    class NoSharedMemory:
        def __init__(self, *args, **kwargs):
            raise OSError("no /dev/shm (test)")

    training_process.shutdown()     # a fresh worker, which has no shared block yet
    monkeypatch.setattr(training_process.shared_memory, "SharedMemory", NoSharedMemory)
    set_spin(qtbot, window.train_panel.epochs_spin, 3)
    info = run_and_wait(qtbot, window, window.train_panel.play_button)
    assert info["reason"] == "done" and window.session.epochs_done == 3
    assert "no shared memory" in info["notice"] and "own thread" in window.train_panel.status_label.text()
