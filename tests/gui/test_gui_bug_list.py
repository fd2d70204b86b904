"""Issue 12's bug list, the items without a test of their own elsewhere: files the app writes follow the umask, a
learning rate of 100 is taken as typed (not clamped to 10), and a divergence after Play, Pause, Play counts the
epochs of the whole run. (The others: test_gui_bugs.py, test_gui_screenshot.py, test_gui_training.py,
test_gui_data_panel.py, test_gui_inside.py and test_run_controller.py.)"""
import os
import stat

import pytest

from conftest import run_and_wait, set_spin
from pyffnn_gui.app import build_parser, config_from_args, check_ranges
from pyffnn_gui.main_window import MainWindow


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_saved_project_model_and_png_follow_the_umask(window, qtbot, tmp_path):
    old = os.umask(0o027)
    try:
        paths = [tmp_path / "p.ffnnproj", tmp_path / "m.npz", tmp_path / "w.png"]
        assert window.save_project_file(str(paths[0]))
        assert window.export_model_file(str(paths[1]))
        assert window.save_plot_png("loss", str(paths[2]))
    finally:
        os.umask(old)
    for path in paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path.name     # 0666 & ~027, not always 0600


def test_lr_100_is_taken_as_typed(qtbot):
    args = build_parser().parse_args(["--lr", "100"])
    check_ranges(args)                       # inside the accepted range: no error, no clamping
    win = MainWindow(config_from_args(args), load_default=False)
    qtbot.addWidget(win)
    try:
        assert win.train_panel.lr_spin.value() == 100
        assert win.train_panel.config().lr == 100
    finally:
        win.shutdown()


def test_divergence_after_pause_counts_the_whole_run(qtbot):
    from pyffnn_gui.config import ExperimentConfig

    cfg = ExperimentConfig()
    cfg.data.builtin = "sine"
    cfg.train.optimizer, cfg.train.lr = "sgd", 1e-6
    win = MainWindow(cfg)
    qtbot.addWidget(win)
    win.show()
    try:
        tp = win.train_panel
        set_spin(qtbot, tp.epochs_spin, 3)
        run_and_wait(qtbot, win, tp.play_button)            # three quiet epochs
        win.session.net.params[:] *= 1e150                   # weights that overflow at the next epoch
        tp.lr_spin.setValue(1000)
        info = run_and_wait(qtbot, win, tp.play_button)
        assert info["reason"] == "error"
        assert "diverged in epoch 4" in win.last_error, win.last_error
    finally:
        win.shutdown()
