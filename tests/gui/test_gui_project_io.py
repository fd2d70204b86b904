"""Projects save and open round-trip, saves are atomic, models export for pyffnn.Network.load, plots save as PNG."""
import os

import numpy as np
import pyffnn
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog

from conftest import choose, run_and_wait, set_spin
from pyffnn_gui import project_io
from pyffnn_gui.main_window import MainWindow


def train_a_little(qtbot, window, epochs=6):
    set_spin(qtbot, window.train_panel.epochs_spin, epochs)
    run_and_wait(qtbot, window, window.train_panel.play_button)


def test_save_and_open_round_trip_through_menu(window, qtbot, tmp_path, monkeypatch):
    ed = window.layer_editor
    ed.layer_list.setCurrentRow(0)
    choose(qtbot, ed.activation_combo, "relu")
    set_spin(qtbot, ed.units_spin, 6)
    choose(qtbot, window.train_panel.optimizer_combo, "Momentum")
    train_a_little(qtbot, window)
    path = str(tmp_path / "exp.ffnnproj")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (path, ""))
    window.save_as_action.trigger()
    assert os.path.exists(path) and "Saved" in window.train_panel.status_label.text()

    other = MainWindow()
    qtbot.addWidget(other)
    try:
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (path, ""))
        other.open_action.trigger()
        s, t = window.session, other.session
        assert t.net.spec == s.net.spec == "2-6relu-16tanh-1sigmoid"
        assert np.array_equal(t.net.params, s.net.params)
        assert t.epochs_done == s.epochs_done == 6
        for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
            np.testing.assert_array_equal(t.history[key], s.history[key])
        assert other.layer_editor.config() == window.layer_editor.config()
        assert other.train_panel.optimizer_combo.currentData() == "momentum"
        assert other.data_panel.config() == window.data_panel.config()
        assert len(other.loss_plot.curve("loss")[0]) == 6
        np.testing.assert_allclose(t.net.predict(t.data.Xs_test), s.net.predict(s.data.Xs_test))
        # Training continues from the opened weights.
        train_a_little(qtbot, other, epochs=2)
        assert other.session.epochs_done == 8
    finally:
        other.shutdown()


def test_failed_save_keeps_previous_file(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "keep.ffnnproj"
    assert window.save_project_file(str(path))
    original = path.read_bytes()
    train_a_little(qtbot, window, epochs=2)

    def broken_savez(fh, **arrays):
        fh.write(b"partial garbage")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_io.np, "savez", broken_savez)
    assert not window.save_project_file(str(path))
    assert "No space left" in window.train_panel.status_label.text()
    assert path.read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == ["keep.ffnnproj"]          # no temporary file left behind


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04truncated"])
def test_corrupt_project_gives_message(window, tmp_path, content):
    path = tmp_path / "bad.ffnnproj"
    path.write_bytes(content)
    spec = window.session.net.spec
    assert not window.open_project_file(str(path))
    assert "Could not open project" in window.train_panel.status_label.text()
    assert window.session.net.spec == spec


def test_project_with_foreign_settings_is_rejected(window, tmp_path):
    path = tmp_path / "p.ffnnproj"
    assert window.save_project_file(str(path))
    project = project_io.load_project(str(path))
    settings = project.config.to_dict()
    settings["network"]["hidden"][0]["activation"] = "swish"
    with np.load(path) as z:
        arrays = dict(z)
    import json
    meta = json.loads(str(arrays["meta"]))
    meta["settings"] = settings
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(open(path, "wb"), **arrays)
    assert not window.open_project_file(str(path))
    assert "swish" in window.train_panel.status_label.text()


def test_export_model_opens_with_pyffnn(window, qtbot, tmp_path, monkeypatch):
    train_a_little(qtbot, window, epochs=3)
    path = str(tmp_path / "model.npz")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (path, ""))
    window.export_action.trigger()
    net = pyffnn.Network.load(path)
    assert net.spec == window.session.net.spec
    X = window.session.data.Xs_test
    np.testing.assert_array_equal(net.predict(X), window.session.net.predict(X))


@pytest.mark.parametrize("name", ["output", "loss", "network", "activations", "weights", "window"])
def test_save_plot_as_png(window, tmp_path, name):
    path = tmp_path / f"{name}.png"
    assert window.save_plot_png(name, str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = QImage(str(path))
    assert not img.isNull() and img.width() > 50 and img.height() > 50
