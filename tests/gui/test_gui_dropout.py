"""Per-layer dropout in the app: the layer editor's Dropout control builds the library's dropout layers, the network
label, projects and the run store carry it, training thins the layers and prediction never does."""
import os

import numpy as np
import pytest
from pyffnn.experiments import RunStore

from conftest import run_and_wait, set_spin
from pyffnn_gui import project_io
from pyffnn_gui.app import build_parser, parse_hidden
from pyffnn_gui.config import ConfigError, ExperimentConfig, LayerSpec


def _set_dropout(qtbot, window, row, rate):
    ed = window.layer_editor
    ed.layer_list.setCurrentRow(row)
    set_spin(qtbot, ed.dropout_spin, rate)


def test_dropout_spin_builds_a_dropout_layer_and_shows_it(window, qtbot):
    _set_dropout(qtbot, window, 0, 0.25)
    ed, net = window.layer_editor, window.session.net
    assert [ly.dropout for ly in net.layers] == [0.25, 0.0, 0.0]
    assert net.spec == "2-16tanh0.25-16tanh-1sigmoid"
    assert "16tanh0.25" in ed.spec_label.text().replace("\u200b", "")
    assert "dropout 0.25" in ed.layer_list.item(0).text()
    assert "dropout" not in ed.layer_list.item(1).text()
    # selecting the other layer shows its own rate; Add copies the selected layer's rate
    ed.layer_list.setCurrentRow(1)
    assert ed.dropout_spin.value() == 0.0 and ed.dropout_spin.text() == "none"
    ed.layer_list.setCurrentRow(0)
    assert ed.dropout_spin.value() == 0.25
    qtbot.mouseClick(ed.add_button, qtbot_left())
    assert [ly.dropout for ly in window.session.net.layers] == [0.25, 0.25, 0.0, 0.0]


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.LeftButton


def test_training_drops_and_prediction_does_not(window, qtbot):
    grid = np.random.default_rng(0).uniform(-2, 2, (50, 2))
    set_spin(qtbot, window.train_panel.epochs_spin, 5)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    plain = window.session.net.params.copy()
    qtbot.mouseClick(window.train_panel.reset_button, qtbot_left())
    _set_dropout(qtbot, window, 0, 0.5)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    net = window.session.net
    assert net.has_dropout and window.session.epochs_done == 5
    # same seed, same data, same settings: only the masks differ, so the weights do
    assert not np.allclose(net.params, plain)
    # prediction uses every neuron: repeatable and equal to the same weights without dropout
    import pyffnn

    twin = pyffnn.Network(net.spec.replace("16tanh0.5", "16tanh"), dtype="float64")
    twin.params[:] = net.params
    first = net.predict(grid)
    assert np.array_equal(first, net.predict(grid)) and np.allclose(first, twin.predict(grid))


def test_dropout_survives_a_project_round_trip(window, qtbot, tmp_path):
    _set_dropout(qtbot, window, 1, 0.3)
    path = tmp_path / "drop.ffnnproj"
    assert window.save_project_file(str(path))
    assert project_io.load_project(str(path)).config.network.hidden[1].dropout == 0.3
    _set_dropout(qtbot, window, 1, 0.0)
    assert not window.session.net.has_dropout
    assert window.open_project_file(str(path))
    assert window.session.net.spec == "2-16tanh-16tanh0.3-1sigmoid"
    window.layer_editor.layer_list.setCurrentRow(1)
    assert window.layer_editor.dropout_spin.value() == 0.3


def test_project_with_a_bad_dropout_rate_is_refused(window, tmp_path):
    import json

    path = tmp_path / "p.ffnnproj"
    assert window.save_project_file(str(path))
    with np.load(path) as z:
        arrays = dict(z)
    meta = json.loads(str(arrays["meta"]))
    meta["settings"]["network"]["hidden"][0]["dropout"] = 0.99
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(open(path, "wb"), **arrays)
    assert not window.open_project_file(str(path))
    assert "dropout" in window.train_panel.status_label.text()


def test_run_store_records_the_dropout(window, qtbot):
    _set_dropout(qtbot, window, 0, 0.2)
    set_spin(qtbot, window.train_panel.epochs_spin, 2)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    run = RunStore(os.environ["PYFFNN_RUNS_DB"]).get_run(window.recorder.run_id)
    assert run.config["architecture"] == "2-16tanh0.2-16tanh-1sigmoid"
    assert run.config["app"]["network"]["hidden"][0]["dropout"] == 0.2


def test_config_and_command_line_check_the_rate():
    with pytest.raises(ConfigError, match="dropout"):
        LayerSpec(8, "tanh", 2, 0.95).validate()
    with pytest.raises(ConfigError, match="dropout"):
        LayerSpec(8, "tanh", 2, True).validate()
    assert [ly.dropout for ly in parse_hidden("16relu0.2-8maxout3@0.1-4tanh")] == [0.2, 0.1, 0.0]
    args = build_parser().parse_args(["--layers", "16relu0.2"])
    assert args.layers[0].dropout == 0.2
    ExperimentConfig().validate()
