"""Defaults that learn, legends outside the data, readable log ticks, epoch-based gradient probing,
mid-epoch Pause on big data, and optimizer state in projects."""
import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from conftest import choose, run_and_wait, set_spin
from pyffnn_gui.app import build_parser, config_from_args
from pyffnn_gui.config import ExperimentConfig, LayerSpec
from pyffnn_gui.main_window import MainWindow
from pyffnn_gui.plot_style import LogAxis, format_tick, pick_log_ticks


# ---------------------------------------------------------------------------------------------- defaults
def test_noise_follows_the_data_set_unless_edited(window, qtbot):
    panel = window.data_panel
    assert panel.noise_spin.value() == pytest.approx(0.1)                 # circle's own default
    choose(qtbot, panel.builtin_combo, "spiral")
    assert panel.noise_spin.value() == pytest.approx(0.05)                # pyffnn.datasets.make_spirals default
    choose(qtbot, panel.builtin_combo, "blobs")
    assert panel.noise_spin.value() == pytest.approx(0.3)
    set_spin(qtbot, panel.noise_spin, 0.2)                                 # the user's choice sticks
    choose(qtbot, panel.builtin_combo, "spiral")
    assert panel.noise_spin.value() == pytest.approx(0.2)
    cfg = config_from_args(build_parser().parse_args(["--dataset", "spiral"]))
    assert cfg.data.noise == pytest.approx(0.05)
    cfg = config_from_args(build_parser().parse_args(["--dataset", "spiral", "--noise", "0.15"]))
    assert cfg.data.noise == pytest.approx(0.15)


def test_default_settings_learn_the_two_spirals(qtbot):
    win = MainWindow(config_from_args(build_parser().parse_args(["--dataset", "spiral"])))
    qtbot.addWidget(win)
    try:
        assert win.train_panel.epochs_spin.value() == 200
        info = run_and_wait(qtbot, win, win.train_panel.play_button)
        assert info["reason"] == "done" and win.session.epochs_done == 200
        s = win.session
        res = s.net.evaluate(s.data.Xs_test, s.targets(s.data.y_test))
        assert res["accuracy"] >= 0.95, res
        assert s.history["accuracy"][-1] >= 0.95
    finally:
        win.shutdown()


# ---------------------------------------------------------------------------------------------- plots
@pytest.mark.parametrize("lo,hi,size", [(0.02, 0.1, 80), (0.05, 0.055, 120), (1e-9, 10.0, 90), (0.3, 40, 200),
                                        (0.01, 0.1, 40)])
def test_log_ticks_never_overlap_and_label_the_range(lo, hi, size):
    a, b = math.log10(lo), math.log10(hi)
    ticks = pick_log_ticks(a, b, size, 18)
    assert len(ticks) >= 1
    assert all(a <= t <= b + 1e-12 for t in ticks)
    px = np.diff(ticks) * size / (b - a)
    assert np.all(px >= 18 - 1e-9), px
    if size >= 80:
        assert len(ticks) >= 2
    labels = LogAxis().logTickStrings(ticks, 1, None)
    assert len(set(labels)) == len(labels)


def test_tick_labels():
    assert format_tick(0.05) == "0.05" and format_tick(1e-5) == "1e-5" and format_tick(2.5) == "2.5"


def test_legends_sit_outside_the_data_area(window, qtbot):
    set_spin(qtbot, window.train_panel.epochs_spin, 5)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    for plot in (window.loss_plot.loss_plot, window.loss_plot.acc_plot, window.weights_plot.hist_plot,
                 window.weights_plot.grad_plot, window.boundary_plot.plot):
        assert plot.legend is None                                        # nothing drawn over the curves
    title = window.weights_plot.grad_plot.titleLabel.text
    assert "‖∂E/∂W(l)‖" in title and "W(3)" in title and "epoch" in title
    assert "validation" in window.loss_plot.loss_plot.titleLabel.text
    assert isinstance(window.weights_plot.grad_plot.getAxis("left"), LogAxis)


def test_gradient_norms_are_sampled_by_epoch(window, qtbot):
    set_spin(qtbot, window.train_panel.epochs_spin, 60)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    s = window.session
    assert s.grad_epochs[0] == 0 and s.grad_epochs[-1] == 60              # from the initial weights to the end
    assert np.all(np.diff(s.grad_epochs) > 0)
    assert len(s.grad_epochs) >= 4
    assert all(len(row) == 3 and all(v > 0 for v in row) for row in s.grad_norms)
    set_spin(qtbot, window.train_panel.epochs_spin, 10)
    run_and_wait(qtbot, window, window.train_panel.play_button)          # a second run continues the x axis
    assert s.grad_epochs[-1] == 70 and np.all(np.diff(s.grad_epochs) > 0)


def test_gradient_samples_stay_bounded(window):
    s = window.session
    s.add_grad_norms([(e, [1.0, 2.0, 3.0]) for e in range(10_000)])
    assert len(s.grad_epochs) <= 4000 and s.grad_epochs[0] == 0 and s.grad_epochs[-1] == 9_999


def test_big_data_sets_draw_a_subset_of_points(qtbot):
    cfg = ExperimentConfig()
    cfg.data.builtin, cfg.data.n_samples = "moons", 20_000
    win = MainWindow(cfg)
    qtbot.addWidget(win)
    try:
        assert len(win.boundary_plot.train_points.data) == 3000
        assert "3,000 of 14,000 shown" in win.boundary_plot.class_legend.text()
    finally:
        win.shutdown()


# ---------------------------------------------------------------------------------------------- mid-epoch pause
@pytest.fixture
def big_window(qtbot):
    """A network and data set where one epoch takes several of fit's ~0.1 s chunks (128-128 tanh, 14k rows)."""
    cfg = ExperimentConfig()
    cfg.data.builtin, cfg.data.n_samples = "moons", 20_000
    cfg.network.hidden = [LayerSpec(128, "tanh"), LayerSpec(128, "tanh")]
    win = MainWindow(cfg)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.shutdown()


def test_pause_stops_mid_epoch_and_history_stays_consistent(big_window, qtbot):
    win, tp = big_window, big_window.train_panel
    start = win.session.net.params.copy()
    with qtbot.waitSignal(win.training_finished, timeout=30_000) as blocker:
        qtbot.mouseClick(tp.play_button, Qt.LeftButton)
        qtbot.mouseClick(tp.pause_button, Qt.LeftButton)                  # lands in the first epoch's first chunk
    info = blocker.args[0]
    n = len(win.session.data.X_train)
    assert info["reason"] == "paused" and info["epochs"] == 0
    assert 0 < info["partial_samples"] < n and info["n_samples"] == n
    s = win.session
    assert s.epochs_done == 0 and all(len(v) == 0 for v in s.history.values())   # the epoch is not recorded
    assert not np.array_equal(s.net.params, start)                         # ...but its updates are kept
    assert np.array_equal(win.snapshot, s.net.params)
    assert "paused mid-epoch 1" in tp.status_label.text()
    assert win.remaining == tp.epochs_spin.value()                         # no epoch of the run was used

    info = run_and_wait(qtbot, win, tp.step_button)                        # Step is still exactly one epoch
    assert info["reason"] == "done" and info["epochs"] == 1 and info["partial_samples"] == 0
    assert s.epochs_done == 1 and len(s.history["loss"]) == 1 and s.partial_samples == 0
    assert "mid-epoch" not in tp.status_label.text()

    # Reset while an epoch runs: stops after the current chunk, then restores the seeded weights.
    qtbot.mouseClick(tp.play_button, Qt.LeftButton)
    with qtbot.waitSignal(win.training_finished, timeout=30_000) as blocker:
        qtbot.mouseClick(tp.reset_button, Qt.LeftButton)
    assert blocker.args[0]["reason"] == "aborted"
    assert np.array_equal(s.net.params, start) and s.epochs_done == 0 and s.partial_samples == 0


# ---------------------------------------------------------------------------------------------- optimizer state
def _train_save_open(qtbot, window, tmp_path, optimizer_label):
    tp = window.train_panel
    choose(qtbot, tp.optimizer_combo, optimizer_label)
    qtbot.mouseClick(tp.reset_button, Qt.LeftButton)
    set_spin(qtbot, tp.epochs_spin, 4)
    run_and_wait(qtbot, window, tp.play_button)
    path = str(tmp_path / f"{optimizer_label}.ffnnproj")
    assert window.save_project_file(path)
    other = MainWindow(load_default=False)
    qtbot.addWidget(other)
    assert other.open_project_file(path), other.train_panel.status_label.text()
    return other


@pytest.mark.parametrize("label", ["Momentum", "Adam", "RPROP"])
def test_optimizer_state_round_trips_so_training_continues_identically(window, qtbot, tmp_path, label):
    other = _train_save_open(qtbot, window, tmp_path, label)
    try:
        a, b = window.session, other.session
        assert b.optimizer is not None and type(b.optimizer) is type(a.optimizer)
        assert b.optimizer.iterations == a.optimizer.iterations > 0
        np.testing.assert_array_equal(b.optimizer.state, a.optimizer.state)
        for win in (window, other):                      # 3 more epochs on both: the same weights, bit for bit
            set_spin(qtbot, win.train_panel.epochs_spin, 3)
            run_and_wait(qtbot, win, win.train_panel.play_button)
        np.testing.assert_array_equal(a.net.params, b.net.params)
    finally:
        other.shutdown()


def test_corrupt_optimizer_state_is_reported_not_fatal(window, qtbot, tmp_path):
    from pyffnn_gui.optimizer_state import OptimizerStateError, restore

    with pytest.raises(OptimizerStateError, match="needs"):
        restore({"class": "SGD", "hyper_parameters": {"lr": 0.1, "momentum": 0.9, "nesterov": False}},
                np.zeros(3), 100, "float64")
    with pytest.raises(OptimizerStateError, match="unknown optimizer"):
        restore({"class": "Lion"}, np.zeros(3), 100, "float64")


def test_weight_plots_sit_side_by_side_in_a_wide_low_tab(window, qtbot):
    """On a 768-pixel screen the Weights tab is about 490 x 230: stacked, each plot had ~30 pixels of data."""
    wp = window.weights_plot
    window.resize(1366, 768)
    window.side_tabs.setCurrentWidget(wp)
    qtbot.waitUntil(lambda: wp.width() > 300)
    qtbot.wait(50)
    hist, grad = wp.hist_plot.vb.sceneBoundingRect(), wp.grad_plot.vb.sceneBoundingRect()
    assert wp.width() > 1.6 * wp.height(), (wp.width(), wp.height())
    assert wp.side_by_side and grad.left() > hist.right()
    assert hist.height() > 100 and grad.height() > 100, (hist.height(), grad.height())
    wp.resize(400, 600)                                 # a tall tab: one above the other again
    qtbot.wait(50)
    assert not wp.side_by_side
    assert wp.grad_plot.vb.sceneBoundingRect().top() > wp.hist_plot.vb.sceneBoundingRect().bottom()
