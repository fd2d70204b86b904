"""Playground's extra inputs (x1², x2², x1·x2, sin x1, sin x2): checkboxes that grow the input layer, the maps still
over the raw (x1, x2) plane, saved in projects, and an exported model that predicts on raw x1, x2 rows."""
import json

import numpy as np
from PySide6.QtCore import Qt

from conftest import run_and_wait, set_spin
from pyffnn import Network
from pyffnn.cli import main as cli_main
from pyffnn.datasets import Preprocessor
from pyffnn_gui.boundary_plot import GRID


def _tick(qtbot, window, *names):
    for name in names:
        qtbot.mouseClick(window.data_panel.transform_checks[name], Qt.LeftButton)


def test_extra_inputs_grow_the_input_layer_and_the_plots_stay_on_x1_x2(window, qtbot):
    _tick(qtbot, window, "x1^2", "x1*x2", "sin(x2)")
    s, bp, nv = window.session, window.boundary_plot, window.network_view
    assert s.net.n_inputs == 5 and s.net.spec.startswith("5-16tanh")
    assert s.data.network_inputs == ["x1", "x2", "x1^2", "x1*x2", "sin(x2)"]
    assert s.data.X_train.shape[1] == 2 and s.data.Xs_train.shape[1] == 5
    assert nv.sizes[0] == 5 and nv.layer_labels[0] == "5 input"
    assert [t.toPlainText() for t in nv.input_labels] == s.data.network_inputs
    assert "extra inputs x1², x1·x2, sin x2" in window.data_panel.message()
    assert bp.kind == "heatmap" and bp.plot.getAxis("bottom").labelText == "x1"
    window.redraw_now()
    assert bp.last_image.shape[:2] == (GRID, GRID)
    # the input neuron x1·x2 shows x1·x2 (scaled) over the plane, the grid is the raw x1, x2 plane
    grid = bp._grid
    pre = s.data.preprocessor
    x1x2 = (grid[:, 0] * grid[:, 1] - pre.scaler_.mean_[3]) / pre.scaler_.scale_[3]
    np.testing.assert_allclose(window.neuron_values(0, 3), x1x2)
    assert window._neuron_name(0, 4) == "input sin(x2)"
    set_spin(qtbot, window.train_panel.epochs_spin, 30)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    assert s.epochs_done == 30 and np.isfinite(s.history["loss"][-1])
    _tick(qtbot, window, "x1^2", "x1*x2", "sin(x2)")            # all off again: back to two inputs
    assert s.net.n_inputs == 2 and window.data_panel.transforms() == []


def test_exported_model_predicts_on_raw_x1_x2_like_the_app(window, qtbot, tmp_path):
    _tick(qtbot, window, *window.data_panel.transform_checks)     # all five
    set_spin(qtbot, window.train_panel.epochs_spin, 25)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    data = window.session.data
    raw = data.X_test
    app_out = window.session.net.predict(data.scale(raw))
    path = tmp_path / "model.npz"
    assert window.export_model_file(str(path))
    net = Network.load(path)
    assert net.n_inputs == 7
    pre = Preprocessor.from_dict(net.metadata["preprocessor"])
    np.testing.assert_array_equal(net.predict(pre.transform(raw)), app_out)      # the library, raw rows
    csv_path = tmp_path / "raw.csv"
    csv_path.write_text("x1,x2\n" + "\n".join(f"{a!r},{b!r}" for a, b in raw.tolist()) + "\n")
    out = tmp_path / "pred.csv"
    assert cli_main(["predict", str(path), str(csv_path), "--proba", "--output", str(out)]) == 0
    rows = [line.split(",") for line in out.read_text().strip().splitlines()[1:]]
    np.testing.assert_allclose([float(r[2]) for r in rows], app_out[:, 0], rtol=1e-5)      # the command line
    labels = [r[0] for r in rows]
    assert labels == [str(k) for k in (app_out[:, 0] > 0.5).astype(int)]


def test_project_keeps_the_extra_inputs_and_old_projects_open(window, qtbot, tmp_path):
    from pyffnn_gui.main_window import MainWindow

    _tick(qtbot, window, "x2^2", "sin(x1)")
    path = tmp_path / "p.ffnnproj"
    assert window.save_project_file(str(path))
    other = MainWindow(load_default=False)
    qtbot.addWidget(other)
    try:
        assert other.open_project_file(str(path))
        assert other.data_panel.transforms() == ["x2^2", "sin(x1)"]
        assert other.session.net.n_inputs == 4
        np.testing.assert_array_equal(other.session.net.params, window.session.net.params)
        # a project written before the extra inputs existed has no "transforms": it opens with none
        with np.load(path) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(str(arrays["meta"]))
        del meta["settings"]["data"]["transforms"]
        meta["spec"] = "2-16tanh-16tanh-1sigmoid"
        arrays["meta"] = np.array(json.dumps(meta))
        arrays["params"] = Network(meta["spec"], dtype="float64").params
        old = tmp_path / "old.ffnnproj"
        with open(old, "wb") as fh:
            np.savez(fh, **arrays)
        assert other.open_project_file(str(old)), other.statusBar().currentMessage()
        assert other.data_panel.transforms() == [] and other.session.net.n_inputs == 2
        meta["settings"]["data"]["transforms"] = ["x1^3"]
        arrays["meta"] = np.array(json.dumps(meta))
        with open(old, "wb") as fh:
            np.savez(fh, **arrays)
        assert not other.open_project_file(str(old))
        assert "unknown input transform 'x1^3'" in other.statusBar().currentMessage()
    finally:
        other.shutdown()


def test_extra_inputs_are_greyed_out_for_wider_data(window, qtbot, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    csv_path = tmp_path / "three.csv"
    csv_path.write_text("a,b,c,y\n" + "\n".join(f"{a},{b},{c},{int(a + b > 0)}" for a, b, c in X.tolist()))
    _tick(qtbot, window, "x1^2")
    panel = window.data_panel
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("csv"))
    panel.path_edit.setText(str(csv_path))
    panel.refresh_columns()
    qtbot.mouseClick(panel.load_button, Qt.LeftButton)
    assert window.session.net.n_inputs == 3
    assert "input transforms need data with two features" in panel.message()
    assert not panel.transform_checks["x1^2"].isEnabled()


def test_the_drawing_always_fits_its_view(window, qtbot):
    _tick(qtbot, window, "x1*x2", "sin(x1)", "sin(x2)")             # long input names left of the inputs
    nv = window.network_view
    for size in ((1280, 720), (1000, 640), (1366, 768)):
        window.resize(*size)
        qtbot.wait(50)
        drawn = nv.view.mapFromScene(nv.scene.sceneRect()).boundingRect()
        assert nv.view.viewport().rect().adjusted(-2, -2, 2, 2).contains(drawn), (size, drawn)
        assert not nv.view.horizontalScrollBar().isVisible() and not nv.view.verticalScrollBar().isVisible()
