"""Data with more than two inputs: a slice or PCA plane with the model's decision map, misclassified points, a class
legend with names, and the evaluation tab (confusion matrix with precision/recall/F1, residuals with R²/RMSE/MAE)."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from conftest import load_csv, run_and_wait, set_spin, write_iris_csv

sklearn = pytest.importorskip("sklearn")


@pytest.fixture
def iris_window(window, qtbot, tmp_path):
    panel = load_csv(window, qtbot, write_iris_csv(tmp_path / "iris.csv"))
    assert window.session.data.n_features == 4, panel.message()
    return window


def test_slice_view_maps_the_model_over_two_chosen_inputs(iris_window, qtbot):
    win, bp = iris_window, iris_window.boundary_plot
    pc = bp.plane_controls
    assert pc.isVisible() and bp.kind == "heatmap"
    d = win.session.data
    step = (d.X_train.max(0) - d.X_train.min(0)).max() / 100              # one slider step at most
    np.testing.assert_allclose(pc.values(), np.median(d.X_train, 0), atol=step)
    pc.x_combo.setCurrentIndex(2)
    pc.y_combo.setCurrentIndex(3)
    grid = bp.grid_inputs()
    raw = d.scaler.inverse_transform(grid)
    # the two axes vary over the grid, the other inputs are held at their slider values
    assert np.ptp(raw[:, 2]) > 1 and np.ptp(raw[:, 3]) > 1
    np.testing.assert_allclose(raw[:, [0, 1]], np.tile(pc.values()[[0, 1]], (len(raw), 1)), atol=1e-9)
    win.redraw_now()
    out = win.view_net.predict(grid)
    img = bp.last_image
    assert img.shape == (100, 100, 3) and len(np.unique(out.argmax(1))) >= 1
    assert "petal_length" in bp.plot.getAxis("bottom").labelText
    assert "setosa" in bp.class_legend.text() and "misclassified" in bp.class_legend.text()
    pc.sliders[0].setValue(0)
    assert bp.grid_inputs()[0, 0] == pytest.approx(d.scale(np.tile(pc.values(), (1, 1)))[0, 0])


def test_pca_plane_maps_grid_back_and_marks_misclassified(iris_window, qtbot):
    win, bp = iris_window, iris_window.boundary_plot
    bp.plane_controls.mode_combo.setCurrentIndex(1)
    plane = bp.plane
    grid = bp.grid_inputs()
    # grid points lie in the PCA plane: projecting them back gives the plane's 2-D grid
    back = (grid - plane.mean) @ plane.comps
    assert back[:, 0].min() == pytest.approx(plane.lo[0]) and back[:, 1].max() == pytest.approx(plane.hi[1])
    win.redraw_now()                         # untrained: many points are wrong and marked
    pred = win.view_net.predict_classes(win.session.data.Xs_train)
    wrong = int((pred != win.session.data.y_train).sum())
    assert bp.n_wrong >= wrong > 0


def test_confusion_matrix_and_per_class_scores(iris_window, qtbot):
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    win = iris_window
    set_spin(qtbot, win.train_panel.epochs_spin, 30)
    run_and_wait(qtbot, win, win.train_panel.play_button)
    ev = win.evaluation_plot
    win.side_tabs.setCurrentWidget(ev)
    for index in range(3):
        ev.split_combo.setCurrentIndex(index)
        X, y = ev._split()
        pred = win.session.net.predict_classes(X)
        np.testing.assert_array_equal(ev.matrix, confusion_matrix(y, pred, labels=[0, 1, 2]))
        p, r, f, _ = precision_recall_fscore_support(y, pred, labels=[0, 1, 2], zero_division=0)
        np.testing.assert_allclose(ev.scores["precision"], p)
        np.testing.assert_allclose(ev.scores["recall"], r)
        np.testing.assert_allclose(ev.scores["f1"], f)
    assert ev.table.horizontalHeaderItem(0).text() == "→ setosa"
    assert ev.table.verticalHeaderItem(2).text() == "true virginica"


def test_residual_plot_for_regression(window, qtbot):
    from sklearn.metrics import mean_absolute_error, r2_score

    window.data_panel.builtin_combo.setCurrentText("plane")
    qtbot.mouseClick(window.data_panel.load_button, Qt.LeftButton)
    set_spin(qtbot, window.train_panel.epochs_spin, 10)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    ev = window.evaluation_plot
    window.side_tabs.setCurrentWidget(ev)
    ev.split_combo.setCurrentIndex(2)
    X, y = ev._split()
    pred = window.session.data_units(window.session.net.predict(X))[:, 0]    # in the target's own units
    assert ev.scores["r2"] == pytest.approx(r2_score(y, pred))
    assert ev.scores["mae"] == pytest.approx(mean_absolute_error(y, pred))
    assert ev.scores["rmse"] == pytest.approx(np.sqrt(np.mean((y - pred) ** 2)))
    px, py = ev.residual_points.getData()
    np.testing.assert_allclose(py, y - pred)
    assert "R²" in ev.summary.text()


@pytest.fixture
def penguins_window(window, qtbot):
    panel = load_csv(window, qtbot, _penguins_csv(), target="species")
    assert window.session.data.n_features > 10, panel.message()
    return window


def _penguins_csv():
    palmerpenguins = pytest.importorskip("palmerpenguins")
    import os

    return os.path.join(os.path.dirname(palmerpenguins.__file__), "data", "penguins.csv")


def test_many_held_inputs_scroll_and_leave_the_plot_its_room(penguins_window, qtbot):
    """14 inputs (one-hot islands and sexes, missing indicators): the sliders of the held inputs scroll in a few
    rows instead of squashing the decision map to a sliver, and the default axes are two measured inputs, not two
    0/1 columns."""
    win, bp = penguins_window, penguins_window.boundary_plot
    pc = bp.plane_controls
    win.resize(1366, 768)
    qtbot.wait(50)
    names = win.session.data.feature_names
    x, y = pc.x_combo.currentText(), pc.y_combo.currentText()
    assert x == "bill_length_mm" and y == "bill_depth_mm", (x, y, names)
    row_h = pc.sliders[2].mapTo(pc.sliders_inner, pc.sliders[2].rect().topLeft()).y() - \
        pc.sliders[1].mapTo(pc.sliders_inner, pc.sliders[1].rect().topLeft()).y()          # the rows as laid out
    assert 3.5 * row_h <= pc.sliders_box.height() <= 4.5 * row_h, (pc.sliders_box.height(), row_h)
    assert pc.sliders_box.verticalScrollBar().maximum() > 0          # the rest are reachable by scrolling
    assert bp.widget.height() >= 200, bp.widget.height()              # the map keeps its room


def test_wheel_over_an_unfocused_slider_scrolls_instead_of_moving_it(penguins_window, qtbot):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    pc = penguins_window.boundary_plot.plane_controls
    k = next(i for i, s in enumerate(pc.sliders) if s.isEnabled() and 0 < s.value() < s.maximum())
    slider = pc.sliders[k]
    before = slider.value()
    pos = QPointF(slider.width() / 2, slider.height() / 2)
    ev = QWheelEvent(pos, slider.mapToGlobal(pos), QPoint(0, 0), QPoint(0, -120), Qt.NoButton, Qt.NoModifier,
                     Qt.NoScrollPhase, False)
    bar = pc.sliders_box.verticalScrollBar()
    bar.setValue(0)
    QApplication.sendEvent(slider, ev)
    assert slider.value() == before
    assert bar.value() > 0                                             # the list of held inputs scrolled
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus)
    ev = QWheelEvent(pos, slider.mapToGlobal(pos), QPoint(0, 0), QPoint(0, -120), Qt.NoButton, Qt.NoModifier,
                     Qt.NoScrollPhase, False)
    QApplication.sendEvent(slider, ev)
    assert slider.value() != before                                    # with focus the wheel moves it


def test_a_target_in_grams_trains_standardised_and_shows_grams(window, qtbot, tmp_path):
    """Penguins' body mass (about 4,200 g ± 800 g): trained in data units the network barely moved in 100 epochs
    (loss 8e6); standardised like the command line does, it fits, and every score, plot and exported prediction
    is in grams."""
    import subprocess
    import sys

    from sklearn.metrics import r2_score

    load_csv(window, qtbot, _penguins_csv(), target="body_mass_g")
    s = window.session
    assert s.data.task == "regression" and s.data.preprocessor.target_scaler_ is not None
    y_model = s.targets(s.data.y_train)
    assert abs(y_model.mean()) < 1e-9 and abs(y_model.std() - 1) < 1e-9       # what the network trains on
    set_spin(qtbot, window.train_panel.epochs_spin, 100)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    ev = window.evaluation_plot
    window.side_tabs.setCurrentWidget(ev)
    ev.split_combo.setCurrentIndex(2)                                          # test rows
    qtbot.waitUntil(lambda: ev.scores is not None and "r2" in ev.scores)
    X, y = ev._split()
    grams = s.data_units(s.net.predict(X))[:, 0]
    assert 2500 < grams.mean() < 6500                                          # grams, not standard units
    assert ev.scores["r2"] == pytest.approx(r2_score(y, grams)) and ev.scores["r2"] > 0.7
    assert 100 < ev.scores["rmse"] < 600                                       # an error in grams
    lo, hi = window.boundary_plot._target_range()
    window.redraw_now()
    surface = window.boundary_plot._last_out[:, 0]
    assert lo - 2000 < surface.mean() < hi + 2000                              # the surface in grams too
    # the exported model predicts grams on raw rows, as `pyffnn predict` reads it
    model = tmp_path / "mass.npz"
    assert window.export_model_file(str(model))
    out = tmp_path / "pred.csv"
    proc = subprocess.run([sys.executable, "-m", "pyffnn.cli", "predict", str(model), _penguins_csv(), "-o",
                           str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    import pandas as pd

    predicted = pd.read_csv(out).iloc[:, -1].to_numpy()
    assert 2500 < np.nanmean(predicted) < 6500


def test_a_project_from_before_target_scaling_keeps_its_data_units(tmp_path):
    """Weights saved by an app that trained regression on targets in data units must keep meaning that."""
    from pyffnn_gui.config import ExperimentConfig
    from pyffnn_gui.project_schema import check_settings

    raw = ExperimentConfig().to_dict()
    assert check_settings(raw).data.scale_target is True
    del raw["data"]["scale_target"]
    assert check_settings(raw).data.scale_target is False
