"""Play / Pause / Step / Reset drive pyffnn's fit in the worker thread; the plots follow."""
import numpy as np
import pyffnn
from PySide6.QtCore import Qt

from conftest import TRAIN_TIMEOUT_MS, choose, run_and_wait, set_spin


def test_play_trains_and_loss_curve_grows_and_falls(window, qtbot):
    tp = window.train_panel
    set_spin(qtbot, tp.epochs_spin, 40)
    start_params = window.session.net.params.copy()
    info = run_and_wait(qtbot, window, tp.play_button)
    assert info["reason"] == "done" and info["epochs"] == 40
    s = window.session
    assert s.epochs_done == 40
    x, y = window.loss_plot.curve("loss")
    assert len(x) == 40 and x[-1] == 40
    assert y[-1] < 0.7 * y[0], f"loss did not fall: {y[0]:.4f} → {y[-1]:.4f}"
    vx, _ = window.loss_plot.curve("val_loss")
    assert len(vx) == 40                                     # validation curve from fit's validation_data
    ax, acc = window.loss_plot.curve("accuracy")
    assert len(ax) == 40 and acc[-1] > 0.8
    assert not np.array_equal(s.net.params, start_params)
    assert np.array_equal(window.snapshot, s.net.params)     # the plots show the final weights
    assert window.boundary_plot.last_image is not None
    assert len(s.grad_norms) >= 1 and len(s.grad_norms[-1]) == 3
    assert "Epoch 40" in tp.status_label.text()
    assert tp.play_button.isEnabled() and not tp.pause_button.isEnabled()


def test_curve_grows_while_training_and_pause_stops_it(window, qtbot):
    tp = window.train_panel
    set_spin(qtbot, tp.epochs_spin, 1_000_000)
    qtbot.mouseClick(tp.play_button, Qt.LeftButton)
    assert window.running and tp.pause_button.isEnabled() and not window.layer_editor.isEnabled()
    # The curve is redrawn from the UI thread while the worker is still training.
    qtbot.waitUntil(lambda: len(window.loss_plot.curve("loss")[0]) >= 3, timeout=TRAIN_TIMEOUT_MS)
    assert window.running
    with qtbot.waitSignal(window.training_finished, timeout=TRAIN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(tp.pause_button, Qt.LeftButton)
    assert blocker.args[0]["reason"] == "paused"
    done = window.session.epochs_done
    params = window.session.net.params.copy()
    qtbot.wait(300)
    assert window.session.epochs_done == done                # really stopped
    assert np.array_equal(window.session.net.params, params)
    assert len(window.loss_plot.curve("loss")[0]) == done
    assert window.remaining == 1_000_000 - done              # the rest of the run is kept for Play
    optimizer = window.session.optimizer

    # Play continues the same run with the same optimizer object (its state persists).
    qtbot.mouseClick(tp.play_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.session.epochs_done >= done + 2, timeout=TRAIN_TIMEOUT_MS)
    with qtbot.waitSignal(window.training_finished, timeout=TRAIN_TIMEOUT_MS):
        qtbot.mouseClick(tp.pause_button, Qt.LeftButton)
    assert window.session.optimizer is optimizer
    assert window.remaining == 1_000_000 - window.session.epochs_done


def test_step_advances_exactly_one_epoch(window, qtbot):
    tp = window.train_panel
    for expected in (1, 2, 3):
        info = run_and_wait(qtbot, window, tp.step_button)
        assert info["epochs"] == 1
        assert window.session.epochs_done == expected
        assert len(window.loss_plot.curve("loss")[0]) == expected
    assert window.remaining == 0                             # steps do not start a Play run


def test_reset_restores_seeded_weights(window, qtbot):
    tp = window.train_panel
    set_spin(qtbot, tp.seed_spin, 7)
    qtbot.mouseClick(tp.reset_button, Qt.LeftButton)
    spec = window.session.net.spec
    expected = pyffnn.Network(spec, random_state=7).params
    assert np.array_equal(window.session.net.params, expected)
    set_spin(qtbot, tp.epochs_spin, 5)
    run_and_wait(qtbot, window, tp.play_button)
    assert not np.array_equal(window.session.net.params, expected)
    qtbot.mouseClick(tp.reset_button, Qt.LeftButton)
    assert np.array_equal(window.session.net.params, expected)
    assert np.array_equal(window.snapshot, expected)
    assert window.session.epochs_done == 0
    assert len(window.loss_plot.curve("loss")[0]) == 0
    assert window.session.optimizer is None                  # optimizer state restarts too


def test_reset_while_training_stops_then_resets(window, qtbot):
    tp = window.train_panel
    set_spin(qtbot, tp.epochs_spin, 1_000_000)
    qtbot.mouseClick(tp.play_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.session.epochs_done >= 2, timeout=TRAIN_TIMEOUT_MS)
    with qtbot.waitSignal(window.training_finished, timeout=TRAIN_TIMEOUT_MS):
        qtbot.mouseClick(tp.reset_button, Qt.LeftButton)
    expected = pyffnn.Network(window.session.net.spec, random_state=tp.seed_spin.value()).params
    assert np.array_equal(window.session.net.params, expected)
    assert window.session.epochs_done == 0 and not window.running


def test_each_optimizer_and_per_example_backprop(window, qtbot):
    tp = window.train_panel
    set_spin(qtbot, tp.epochs_spin, 3)
    for label in ("Gradient descent", "Momentum", "Adam", "RPROP"):
        choose(qtbot, tp.optimizer_combo, label)
        set_spin(qtbot, tp.batch_spin, 1 if label == "Gradient descent" else 0)
        qtbot.mouseClick(tp.reset_button, Qt.LeftButton)
        info = run_and_wait(qtbot, window, tp.play_button)
        assert info["reason"] == "done", window.last_error
        assert window.session.epochs_done == 3
        assert np.all(np.isfinite(window.session.history["loss"]))
    assert window.session.fit_kwargs()["batch_size"] is None  # 0 in the spin box = full batch


def test_regression_fit_curve_follows_training(window, qtbot):
    choose(qtbot, window.data_panel.builtin_combo, "sine")
    qtbot.mouseClick(window.data_panel.load_button, Qt.LeftButton)
    set_spin(qtbot, window.train_panel.epochs_spin, 60)
    _, before = window.boundary_plot.curves[0].getData()
    before = before.copy()
    run_and_wait(qtbot, window, window.train_panel.play_button)
    _, after = window.boundary_plot.curves[0].getData()
    assert not np.allclose(before, after)
    h = window.session.history["loss"]
    assert h[-1] < h[0]


def test_perceptron_mode_on_separable_csv(window, qtbot, tmp_path):
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal([-2, -2], 0.5, (40, 2)), rng.normal([2, 2], 0.5, (40, 2))])
    lab = np.repeat(["no", "yes"], 40)
    path = tmp_path / "sep.csv"
    path.write_text("u,v,ok\n" + "\n".join(f"{a:.4f},{b:.4f},{c}" for (a, b), c in zip(X, lab)) + "\n")
    panel = window.data_panel
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("csv"))
    qtbot.keyClicks(panel.path_edit, str(path))
    qtbot.keyClick(panel.path_edit, Qt.Key_Return)
    qtbot.mouseClick(panel.load_button, Qt.LeftButton)
    assert window.session.data.task == "binary", panel.message()
    tp = window.train_panel
    tp.mode_combo.setCurrentIndex(tp.mode_combo.findData("perceptron"))
    assert not tp.step_button.isEnabled()
    # perceptron mode does not leave the network's panels behind
    assert window.network_view.sizes == [2, 1] and window.weights_plot.hist_curves == []
    assert len(window.loss_plot.curve("loss")[0]) == 0 and window.loss_plot.note.text()
    run_and_wait(qtbot, window, tp.play_button)
    assert window.controller.perceptron is not None and window.controller.perceptron.converged_
    assert "converged" in tp.status_label.text() and "100.0%" in tp.status_label.text()
    assert window.network_view.sizes == [2, 1]
    img = window.boundary_plot.last_image
    assert img is not None and len(np.unique(img.reshape(-1, 3), axis=0)) >= 2   # two coloured half-planes


def test_perceptron_refuses_multiclass_with_message(window, qtbot):
    choose(qtbot, window.data_panel.builtin_combo, "blobs")
    qtbot.mouseClick(window.data_panel.load_button, Qt.LeftButton)
    tp = window.train_panel
    tp.mode_combo.setCurrentIndex(tp.mode_combo.findData("perceptron"))
    qtbot.mouseClick(tp.play_button, Qt.LeftButton)
    assert not window.running
    assert "two classes" in tp.status_label.text()
