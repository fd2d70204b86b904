"""Painting and erasing points with the mouse on 2-D data (a custom data set, saved in the project, picked up by
training with the split refreshed, Undo), and the hover readouts on the curves and the output map."""
import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtWidgets import QApplication

from conftest import run_and_wait, set_spin


def _all_points(data):
    return np.vstack([data.X_train, data.X_val, data.X_test]), np.concatenate([data.y_train, data.y_val, data.y_test])


def _drag(qtbot, window, path):
    """Press at the first data point of ``path``, move through the others, release at the last."""
    paint = window.boundary_plot.paint
    viewport = window.boundary_plot.widget.viewport()
    points = [paint.view_to_widget(x, y) for x, y in path]
    qtbot.mousePress(viewport, Qt.LeftButton, pos=points[0])
    for p in points[1:]:
        qtbot.mouseMove(viewport, pos=p)
    qtbot.mouseRelease(viewport, Qt.LeftButton, pos=points[-1])


def _hover(qtbot, viewport, pos):
    """A mouse move over ``viewport`` at ``pos``, delivered at once (QTest's moves go through the window system
    queue offscreen and may arrive after the next one)."""
    from PySide6.QtGui import QMouseEvent

    local = QPointF(pos)
    event = QMouseEvent(QMouseEvent.Type.MouseMove, local, QPointF(viewport.mapToGlobal(pos)), Qt.NoButton,
                        Qt.NoButton, Qt.NoModifier)
    QApplication.sendEvent(viewport, event)


@pytest.fixture
def submitted(window):
    """The training jobs the window starts (their X is what training sees)."""
    jobs = []
    hooks = window.controller.hooks
    original = hooks.submit

    def spy(job):
        jobs.append(job)
        original(job)

    hooks.submit = spy
    return jobs


def test_paint_adds_points_of_the_chosen_class_and_training_uses_them(window, qtbot, submitted):
    s, paint = window.session, window.boundary_plot.paint
    assert paint.isVisible()
    X0, _ = _all_points(s.data)
    params = s.net.params.copy()
    paint.class_combo.setCurrentIndex(1)
    qtbot.mouseClick(paint.paint_button, Qt.LeftButton)
    assert paint.mode == "paint"
    range_before = window.boundary_plot.plot.vb.viewRange()
    _drag(qtbot, window, [(1.1, 1.1), (1.1, 0.9), (1.1, 0.7), (1.1, 0.5)])
    assert s.config.data.source == "custom" and window.data_panel.source_combo.currentData() == "custom"
    X, y = _all_points(s.data)
    new = X[~(X[:, None, :] == X0[None, :, :]).all(2).any(1)]
    n = len(X)
    assert n == len(X0) + len(new) and len(new) >= 4                 # the path's corners, and points between
    np.testing.assert_allclose(new[:, 0], 1.1, atol=0.02)
    assert new[:, 1].min() == pytest.approx(0.5, abs=0.02) and new[:, 1].max() == pytest.approx(1.1, abs=0.02)
    new_labels = y[~(X[:, None, :] == X0[None, :, :]).all(2).any(1)]
    assert set(new_labels.tolist()) == {1}
    np.testing.assert_array_equal(s.net.params, params)             # the network and its weights are kept
    np.testing.assert_allclose(window.boundary_plot.plot.vb.viewRange(), range_before)   # the view held still
    assert f"painted data: {n} points" in window.data_panel.message()
    qtbot.mouseClick(window.train_panel.step_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not window.running and s.epochs_done == 1, timeout=10_000)
    assert len(submitted[-1].X) == len(s.data.X_train)                # training saw the refreshed split
    assert len(s.data.X_train) + len(s.data.X_val) + len(s.data.X_test) == n
    # the run store: the run on the circle ended, the one on the painted points says so
    import os

    from pyffnn.experiments import RunStore

    runs = RunStore(os.environ["PYFFNN_RUNS_DB"]).list_runs()
    assert runs[0].config["data"]["source"] == {"kind": "custom", "name": "painted (circle)", "n_points": n,
                                                "seed": 0}
    assert runs[0].config["data"]["n_samples"] == len(s.data.X_train)


def test_erase_removes_points_under_the_pointer_and_undo_takes_it_back(window, qtbot):
    s, paint = window.session, window.boundary_plot.paint
    X0, y0 = _all_points(s.data)
    target = X0[10]
    qtbot.mouseClick(paint.erase_button, Qt.LeftButton)
    assert paint.mode == "erase" and not paint.paint_button.isChecked()
    _drag(qtbot, window, [tuple(target)])
    X, _ = _all_points(s.data)
    assert 1 <= len(X0) - len(X) < 20
    assert not (X == target).all(1).any()
    px = np.abs(np.array(window.boundary_plot.plot.vb.viewPixelSize()))
    assert np.hypot(*((X - target) / px).T).min() > 10                 # nothing left under the eraser
    assert paint.undo_button.isEnabled()
    qtbot.mouseClick(paint.undo_button, Qt.LeftButton)
    assert s.config.data.source == "builtin"
    X1, y1 = _all_points(s.data)
    np.testing.assert_array_equal(X1, X0)
    np.testing.assert_array_equal(y1, y0)
    assert not paint.undo_button.isEnabled()


def test_loading_other_data_over_painted_points_can_be_undone(window, qtbot):
    paint = window.boundary_plot.paint
    qtbot.mouseClick(paint.paint_button, Qt.LeftButton)
    _drag(qtbot, window, [(0.0, 0.0)])
    painted = list(window.session.config.data.points)
    panel = window.data_panel
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("builtin"))
    qtbot.mouseClick(panel.load_button, Qt.LeftButton)
    assert window.session.config.data.source == "builtin"
    qtbot.mouseClick(paint.undo_button, Qt.LeftButton)
    assert window.session.config.data.source == "custom"
    assert window.session.config.data.points == painted


def test_a_stroke_that_empties_a_class_is_refused(window, qtbot):
    s = window.session
    _, y = _all_points(s.data)
    before = s.data
    window.boundary_plot.paint.stroke_done.emit(np.zeros((0, 2)), np.zeros(0), y == 1)
    assert s.data is before and s.config.data.source == "builtin"
    message = window.statusBar().currentMessage()
    assert "only one class" in message and "not applied" in message


def test_painted_points_are_saved_in_the_project(window, qtbot, tmp_path):
    from pyffnn_gui.main_window import MainWindow

    paint = window.boundary_plot.paint
    qtbot.mouseClick(paint.paint_button, Qt.LeftButton)
    _drag(qtbot, window, [(-1.2, -1.2), (-1.2, -0.8)])
    path = tmp_path / "painted.ffnnproj"
    assert window.save_project_file(str(path))
    other = MainWindow(load_default=False)
    qtbot.addWidget(other)
    try:
        assert other.open_project_file(str(path)), other.statusBar().currentMessage()
        assert other.session.config.data.source == "custom"
        assert other.session.config.data.points == window.session.config.data.points
        np.testing.assert_array_equal(_all_points(other.session.data)[0], _all_points(window.session.data)[0])
        assert other.data_panel.source_combo.currentData() == "custom"
        n = len(window.session.config.data.points)
        assert n > 400 and f"{n} painted points" in other.data_panel.custom_label.text()
    finally:
        other.shutdown()


def test_painting_while_training_goes_on_with_the_new_points(window, qtbot, submitted):
    s = window.session
    set_spin(qtbot, window.train_panel.epochs_spin, 0)                 # until Pause
    qtbot.mouseClick(window.train_panel.play_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: s.epochs_done > 0, timeout=10_000)
    paint = window.boundary_plot.paint
    qtbot.mouseClick(paint.paint_button, Qt.LeftButton)
    _drag(qtbot, window, [(0.2, 0.2)])
    n_train = len(s.data.X_train)
    qtbot.waitUntil(lambda: len(submitted) >= 2 and len(submitted[-1].X) == n_train, timeout=10_000)
    assert window.running
    with qtbot.waitSignal(window.training_finished, timeout=10_000):
        qtbot.mouseClick(window.train_panel.pause_button, Qt.LeftButton)


def test_regression_paints_the_chosen_value(window, qtbot):
    panel = window.data_panel
    panel.builtin_combo.setCurrentText("plane")
    qtbot.mouseClick(panel.load_button, Qt.LeftButton)
    paint = window.boundary_plot.paint
    assert paint.value_spin.isVisible() and not paint.class_combo.isVisible()
    paint.value_spin.setValue(3.5)
    qtbot.mouseClick(paint.paint_button, Qt.LeftButton)
    _drag(qtbot, window, [(0.3, 0.3)])
    X, y = _all_points(window.session.data)
    assert window.session.data.task == "regression"
    assert y[np.argmin(np.hypot(*(X - [0.3, 0.3]).T))] == 3.5


def test_paint_tools_are_hidden_for_data_that_is_not_2d(window, qtbot, tmp_path):
    rng = np.random.default_rng(1)
    csv_path = tmp_path / "three.csv"
    csv_path.write_text("a,b,c,y\n" + "\n".join(f"{a},{b},{c},{int(a > 0)}" for a, b, c in
                                               rng.normal(size=(90, 3)).tolist()))
    panel = window.data_panel
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("csv"))
    panel.path_edit.setText(str(csv_path))
    panel.refresh_columns()
    qtbot.mouseClick(panel.load_button, Qt.LeftButton)
    assert not window.boundary_plot.paint.isVisible()


def test_hover_readout_on_the_loss_and_accuracy_curves(window, qtbot):
    set_spin(qtbot, window.train_panel.epochs_spin, 12)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    window.redraw_now()
    lp = window.loss_plot
    qtbot.wait(50)
    for plot, key, name in ((lp.loss_plot, "loss", "loss"), (lp.acc_plot, "accuracy", "accuracy")):
        y = window.session.history[key][4]
        scene = plot.vb.mapViewToScene(QPointF(5.2, float(np.log10(y)) if plot.vb.state["logMode"][1] else y))
        _hover(qtbot, lp.graphics.viewport(), lp.graphics.mapFromScene(scene))
        qtbot.wait(20)
        assert lp.readout.text().startswith(f"epoch 5 · {name}"), lp.readout.text()
        text = lp.readout.text()
        assert name in text and "train" in text and "validation" in text
        shown = f"{y:.1%}" if key == "accuracy" else f"{y:.4g}"
        assert f"train {shown}" in text
        assert lp.cursor_lines[0].isVisible() and lp.cursor_lines[0].value() == 5
    QApplication.sendEvent(lp, QEvent(QEvent.Type.Leave))
    assert lp.readout.text() == "" and not lp.cursor_lines[0].isVisible()


def test_hover_readout_on_the_output_map(window, qtbot):
    bp = window.boundary_plot
    window.redraw_now()
    qtbot.wait(50)
    pos = bp.paint.view_to_widget(0.5, -0.3)
    _hover(qtbot, bp.widget.viewport(), pos)
    qtbot.waitUntil(lambda: bp.readout.text().startswith("x1 = "), timeout=3000)
    text = bp.readout.text()
    x1 = float(text.split("x1 = ")[1].split(",")[0])
    x2 = float(text.split("x2 = ")[1].split(":")[0])
    assert x1 == pytest.approx(0.5, abs=0.02) and x2 == pytest.approx(-0.3, abs=0.02)
    out = float(text.split("output ")[1])
    grid = bp._grid
    nearest = np.argmin(np.hypot(grid[:, 0] - x1, grid[:, 1] - x2))
    expected = window.session.net.predict(window.session.data.scale(grid[nearest:nearest + 1]))[0, 0]
    assert out == pytest.approx(expected, abs=1e-3)
    QApplication.sendEvent(bp, QEvent(QEvent.Type.Leave))
    assert bp.readout.text() == ""


@pytest.mark.parametrize("points, message", [
    ("many", "list of [x1, x2, target] rows"), ([[0.1, 0.2]], "three finite numbers"),
    ([[0.1, "a", 1]], "three finite numbers"), ([[0.1, float("nan"), 1]], "three finite numbers"),
    ([[0.1, 0.2, True]], "three finite numbers"), ([], "needs points"), ([[0.1, 0.2, 1.5]], "whole number"),
])
def test_bad_painted_points_in_a_project_are_refused(window, qtbot, tmp_path, points, message):
    import json

    qtbot.mouseClick(window.boundary_plot.paint.paint_button, Qt.LeftButton)
    _drag(qtbot, window, [(0.0, 0.0)])
    path = tmp_path / "p.ffnnproj"
    assert window.save_project_file(str(path))
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["meta"]))
    meta["settings"]["data"]["points"] = points
    arrays["meta"] = np.array(json.dumps(meta))
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    before = window.session.data
    assert not window.open_project_file(str(path))
    assert message in window.statusBar().currentMessage() and window.session.data is before
