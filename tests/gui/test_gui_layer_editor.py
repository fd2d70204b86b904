"""Designing the layer stack through the real widgets rebuilds the pyffnn network accordingly."""
import pyffnn
from PySide6.QtCore import Qt

from conftest import choose, set_spin


def test_default_start_is_ready_to_play(window):
    net = window.session.net
    assert net.spec == "2-16tanh-16tanh-1sigmoid"
    assert window.session.data.task == "binary"
    assert window.train_panel.play_button.isEnabled()
    assert f"{net.n_params:,}" in window.layer_editor.param_label.text()


def test_add_remove_reorder_and_edit_layers(window, qtbot):
    ed = window.layer_editor
    ed.layer_list.setCurrentRow(1)
    qtbot.mouseClick(ed.add_button, Qt.LeftButton)           # third hidden layer, copy of the second
    assert ed.layer_list.count() == 3 and ed.layer_list.currentRow() == 2
    set_spin(qtbot, ed.units_spin, 5)
    choose(qtbot, ed.activation_combo, "relu")
    assert window.session.net.spec == "2-16tanh-16tanh-5relu-1sigmoid"

    qtbot.mouseClick(ed.up_button, Qt.LeftButton)            # 5relu moves above the second tanh layer
    assert window.session.net.spec == "2-16tanh-5relu-16tanh-1sigmoid"

    ed.layer_list.setCurrentRow(0)
    qtbot.mouseClick(ed.remove_button, Qt.LeftButton)
    assert window.session.net.spec == "2-5relu-16tanh-1sigmoid"

    ed.layer_list.setCurrentRow(1)
    choose(qtbot, ed.activation_combo, "maxout")
    assert ed.pieces_spin.isEnabled()
    set_spin(qtbot, ed.pieces_spin, 3)
    net = window.session.net
    assert net.spec == "2-5relu-16maxout3-1sigmoid"
    expected = pyffnn.Network("2-5relu-16maxout3-1sigmoid").n_params
    assert net.n_params == expected == 5 * 3 + 16 * 3 * (5 + 1) + 17
    assert f"{expected:,}" in ed.param_label.text()
    # The drawing follows: input, two hidden layers and the output.
    assert window.network_view.sizes == [2, 5, 16, 1]


def test_every_hidden_activation_builds_and_is_plotted(window, qtbot):
    ed = window.layer_editor
    ed.layer_list.setCurrentRow(0)
    for act in ("linear", "sigmoid", "tanh", "relu", "softplus", "maxout"):
        choose(qtbot, ed.activation_combo, act)
        assert window.session.net.layers[0].activation == act
    window.activation_plot.set_activations([("relu", 1), ("softplus", 1), ("maxout", 3), ("sigmoid", 1)])
    x, y = window.activation_plot.curves["relu"].getData()
    assert y[0] == 0.0 and y[-1] == x[-1]                    # relu(z) = max(z, 0), computed by pyffnn
    _, y = window.activation_plot.curves["maxout3"].getData()
    assert y.min() > 0.4                                     # max of the pieces (-z, 0.5, z) ≥ 0.5


def test_output_and_loss_overrides(window, qtbot):
    ed = window.layer_editor
    choose(qtbot, ed.output_combo, "softmax")                 # binary task with a 2-unit softmax output
    assert window.session.net.spec.endswith("-2softmax")
    choose(qtbot, ed.output_combo, "linear")
    ed.loss_combo.setCurrentIndex(ed.loss_combo.findData("mse"))
    assert window.session.net.spec.endswith("-1linear")
    assert window.session.fit_kwargs()["loss"] == "mse"
    choose(qtbot, ed.output_combo, "auto")
    assert window.session.net.spec.endswith("-1sigmoid")


def test_removing_all_hidden_layers_gives_logistic_regression(window, qtbot):
    ed = window.layer_editor
    while ed.layer_list.count():
        ed.layer_list.setCurrentRow(0)
        qtbot.mouseClick(ed.remove_button, Qt.LeftButton)
    assert window.session.net.spec == "2-1sigmoid"
    assert window.session.net.n_params == 3
