"""Bugs a person found in the app, each driven through the real widgets."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QMessageBox

import pyffnn
from conftest import choose, run_and_wait, set_spin
from pyffnn_gui.main_window import MainWindow


def _wheel(widget, dy=-120):
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(0, 0), QPoint(0, dy), Qt.NoButton, Qt.NoModifier,
                        Qt.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_wheel_over_settings_scrolls_instead_of_switching_combos(window, qtbot):
    combo = window.train_panel.optimizer_combo
    before = combo.currentText()
    window.resize(1280, 560)                         # the settings panel is taller than its scroll area
    qtbot.waitUntil(lambda: window.settings_scroll.verticalScrollBar().maximum() > 0)
    bar = window.settings_scroll.verticalScrollBar()
    bar.setValue(0)
    window.train_panel.lr_spin.setFocus()            # focus elsewhere
    for _ in range(3):
        _wheel(combo)
        _wheel(window.train_panel.batch_spin)
    assert combo.currentText() == before
    assert window.train_panel.batch_spin.value() == 16
    assert bar.value() > 0                           # the wheel scrolled the panel instead
    combo.setFocus()                                 # a focused combo still takes the wheel
    _wheel(combo, dy=-120)
    assert combo.currentText() != before


def test_reset_restarts_the_axes_range(window, qtbot):
    set_spin(qtbot, window.train_panel.epochs_spin, 30)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    window.redraw_now()
    vb = window.loss_plot.loss_plot.getViewBox()
    qtbot.waitUntil(lambda: vb.viewRange()[0][1] > 25, timeout=3000)
    qtbot.mouseClick(window.train_panel.reset_button, Qt.LeftButton)
    qtbot.wait(50)
    # right after Reset, before any new epoch, the axes no longer show the old run's 30 epochs
    assert window.loss_plot.loss_plot.getViewBox().viewRange()[0][1] <= 1.5
    assert window.loss_plot.acc_plot.getViewBox().viewRange()[0][1] <= 1.5
    set_spin(qtbot, window.train_panel.epochs_spin, 3)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    window.redraw_now()
    vb = window.loss_plot.loss_plot.getViewBox()
    qtbot.waitUntil(lambda: vb.viewRange()[0][1] < 10, timeout=3000)   # pyqtgraph auto-ranges before painting
    assert max(window.loss_plot.curve("loss")[0]) == 3


def test_reset_with_no_network_says_so(qtbot):
    win = MainWindow(load_default=False)
    qtbot.addWidget(win)
    try:
        qtbot.mouseClick(win.train_panel.reset_button, Qt.LeftButton)
        assert "load a data set" in win.train_panel.status_label.text()
        qtbot.mouseClick(win.train_panel.play_button, Qt.LeftButton)
        assert not win.running and "load a data set" in win.train_panel.status_label.text()
    finally:
        win.shutdown()


def _csv(path, n=60):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, 2))
    path.write_text("a,b,y\n" + "\n".join(f"{p:.4f},{q:.4f},{int(p > q)}" for p, q in X) + "\n")


def _project_with_csv(window, qtbot, tmp_path):
    csv = tmp_path / "data.csv"
    _csv(csv)
    panel = window.data_panel
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("csv"))
    panel.path_edit.setText(str(csv))
    panel.refresh_columns()
    qtbot.mouseClick(panel.load_button, Qt.LeftButton)
    set_spin(qtbot, window.train_panel.epochs_spin, 4)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    project = tmp_path / "p.ffnnproj"
    assert window.save_project_file(str(project))
    moved = tmp_path / "elsewhere.csv"
    csv.rename(moved)
    return project, moved


def test_project_with_moved_csv_offers_to_locate_it(window, qtbot, tmp_path):
    project, moved = _project_with_csv(window, qtbot, tmp_path)
    other = MainWindow(load_default=False)
    qtbot.addWidget(other)
    try:
        asked = []
        other.files.interactive = True
        other.files.locate_missing = lambda missing: asked.append(missing) or str(moved)
        assert other.open_project_file(str(project)), other.train_panel.status_label.text()
        assert asked and asked[0].endswith("data.csv")
        assert other.session.data is not None and other.session.epochs_done == 4
        np.testing.assert_array_equal(other.session.net.params, window.session.net.params)
    finally:
        other.shutdown()


def test_project_with_missing_csv_opens_weights_and_history(window, qtbot, tmp_path):
    project, _ = _project_with_csv(window, qtbot, tmp_path)
    other = MainWindow(load_default=False)
    qtbot.addWidget(other)
    try:
        other.files.interactive = True
        other.files.locate_missing = lambda missing: None          # the user cancels
        assert other.open_project_file(str(project))
        assert other.session.data is None and other.session.epochs_done == 4
        np.testing.assert_array_equal(other.session.net.params, window.session.net.params)
        assert len(other.loss_plot.curve("loss")[0]) == 4
        assert "not found" in other.data_panel.message()
        qtbot.mouseClick(other.train_panel.play_button, Qt.LeftButton)
        assert not other.running and "load a data set" in other.train_panel.status_label.text()
    finally:
        other.shutdown()


def test_title_names_the_project_and_quit_asks_about_unsaved_changes(window, qtbot, tmp_path, monkeypatch):
    assert window.windowTitle().startswith("untitled *")
    path = tmp_path / "spiral run.ffnnproj"
    assert window.save_project_file(str(path))
    assert window.windowTitle().startswith("spiral run.ffnnproj — ")
    set_spin(qtbot, window.train_panel.epochs_spin, 2)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    assert window.windowTitle().startswith("spiral run.ffnnproj *")
    monkeypatch.setattr(window.files, "interactive", True)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.Cancel)
    window.close()
    assert asked and window.isVisible()                   # Cancel keeps the window open
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Discard)
    window.close()
    assert not window.isVisible()


def test_default_window_fits_a_small_laptop_screen(window):
    assert window.width() <= 1366 and window.height() <= 768 - 40


def test_one_class_message_shows_the_name(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("x,label\n1,cat\n2,cat\n3,cat\n")
    with pytest.raises(pyffnn.FFNNError) as info:
        pyffnn.datasets.load_csv(str(path))
    assert "('cat')" in str(info.value) and "np.str_" not in str(info.value)


def test_status_line_is_one_line(window, qtbot):
    label = window.train_panel.status_label
    window.train_panel.show_status("a long message · " * 40)
    qtbot.wait(10)
    assert label.height() <= 2 * label.fontMetrics().height() + 4
    assert label.toolTip() == label.text()


def test_shortcuts_play_pause_step_reset(window, qtbot):
    window.activateWindow()
    window.boundary_plot.setFocus()
    qtbot.keyClick(window, Qt.Key_S)
    qtbot.waitUntil(lambda: not window.running and window.session.epochs_done == 1, timeout=20_000)
    set_spin(qtbot, window.train_panel.epochs_spin, 0)                 # until Pause
    window.boundary_plot.setFocus()
    qtbot.keyClick(window, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.session.epochs_done >= 5, timeout=20_000)
    with qtbot.waitSignal(window.training_finished, timeout=20_000):
        qtbot.keyClick(window, Qt.Key_Space)
    assert not window.running
    qtbot.keyClick(window, Qt.Key_R)
    assert window.session.epochs_done == 0


def test_learning_rate_change_applies_while_training(window, qtbot):
    tp = window.train_panel
    set_spin(qtbot, tp.epochs_spin, 0)
    qtbot.mouseClick(tp.play_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.session.epochs_done >= 2, timeout=20_000)
    assert tp.lr_spin.isEnabled() and tp.optimizer_combo.isEnabled()
    set_spin(qtbot, tp.lr_spin, 0.05)
    choose(qtbot, tp.optimizer_combo, "Momentum")
    qtbot.waitUntil(lambda: type(window.session.optimizer).__name__ == "SGD"
                    and abs(window.session.optimizer.lr - 0.05) < 1e-12, timeout=20_000)
    assert window.running                                               # the run goes on
    with qtbot.waitSignal(window.training_finished, timeout=20_000):
        qtbot.mouseClick(tp.pause_button, Qt.LeftButton)
