"""Inside the network: neuron maps, hover → big picture, click to edit weights and biases, and the one-sample
back-propagation step-through (its numbers equal the library's loss_and_grad)."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from conftest import run_and_wait, set_spin


def _click_scene(qtbot, view, scene_point):
    pos = view.view.mapFromScene(scene_point)
    qtbot.mouseClick(view.view.viewport(), Qt.LeftButton, pos=pos)


def _hover_scene(qtbot, view, scene_point):
    pos = view.view.mapFromScene(scene_point)
    qtbot.mouseMove(view.view.viewport(), pos=pos)


def test_neuron_maps_show_each_neurons_output_and_follow_training(window, qtbot):
    nv = window.network_view
    window.redraw_now()
    assert nv.maps_visible()
    first = nv.map_items[1][0].pixmap().toImage().copy()
    set_spin(qtbot, window.train_panel.epochs_spin, 20)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    window.redraw_now()
    assert nv.map_items[1][0].pixmap().toImage() != first            # the map moved with the weights
    window.maps_check.setChecked(False)
    assert not nv.maps_visible()


def test_hover_shows_the_neurons_map_as_the_big_picture(window, qtbot):
    window.resize(1280, 720)
    qtbot.wait(50)
    nv, bp = window.network_view, window.boundary_plot
    _hover_scene(qtbot, nv, nv.node_center(1, 3))
    qtbot.waitUntil(lambda: bp.neuron is not None, timeout=3000)
    expected = window.session.net.hidden_activations(bp.grid_inputs())[0][:, 3]
    np.testing.assert_allclose(bp.neuron[1], expected)
    np.testing.assert_allclose(bp.last_image.ravel(), expected)
    assert "hidden layer 1 neuron 4" in bp.plot.titleLabel.text
    nv._hover(None)
    assert bp.neuron is None and "Decision boundary" in bp.plot.titleLabel.text


def _clear_point(nv, layer, out_index, in_index):
    """The point of an edge (away from its nodes) farthest from every other edge: the fitted drawing is small and
    its edges cross often."""
    def distance(p, line):
        d = line.p2() - line.p1()
        t = max(0.0, min(1.0, ((p - line.p1()).x() * d.x() + (p - line.p1()).y() * d.y()) /
                         max(d.x() ** 2 + d.y() ** 2, 1e-12)))
        q = line.p1() + d * t
        return ((p - q).x() ** 2 + (p - q).y() ** 2) ** 0.5

    others = [item.line() for item, j, i in nv.edges[layer] if (j, i) != (out_index, in_index)]
    candidates = [nv.edge_point(layer, out_index, in_index, t) for t in np.linspace(0.2, 0.8, 31)]
    return max(candidates, key=lambda p: min(distance(p, line) for line in others))


def test_click_edge_and_node_edit_weight_and_bias(window, qtbot):
    window.resize(1280, 720)
    qtbot.wait(50)
    nv, net = window.network_view, window.session.net
    window.ask_number = lambda title, label, value: 1.25
    _click_scene(qtbot, nv, _clear_point(nv, 1, 2, 5))
    assert net.weights[1][2, 5] == 1.25
    np.testing.assert_array_equal(window.snapshot, net.params)
    window.ask_number = lambda title, label, value: -0.75
    _click_scene(qtbot, nv, nv.node_center(2, 4))
    assert net.biases[1][4] == -0.75


def test_wide_layers_say_which_neurons_are_shown(qtbot):
    from pyffnn_gui.network_view import NetworkView

    nv = NetworkView()
    qtbot.addWidget(nv)
    nv.set_architecture([2, 64, 1], ["relu", "sigmoid"], [1, 1], 257)
    assert nv.layer_labels[1] == "12 of 64 relu" and len(nv.nodes[1]) == 12
    texts = [it.toPlainText() for it in nv.scene.items() if hasattr(it, "toPlainText")]
    assert any("(1–12 shown)" in t for t in texts)
    # four wide layers side by side: their notes do not overlap
    nv.set_architecture([2, 64, 64, 64, 1], ["relu"] * 3 + ["sigmoid"], [1] * 4, 8577)
    notes = sorted((it.sceneBoundingRect() for it in nv.scene.items()
                    if hasattr(it, "toPlainText") and it.toPlainText() == "(1–12 shown)"), key=lambda r: r.left())
    assert len(notes) == 3 and all(a.right() < b.left() + 6 for a, b in zip(notes, notes[1:]))


def test_legend_for_edges_and_node_fill_fits_its_line(window, qtbot):
    window.resize(1280, 720)
    qtbot.wait(50)
    caption = window.network_view.caption
    assert "width |w|" in caption.text() and "node fill: bias" in caption.text()
    assert caption.sizeHint().width() <= caption.width()          # nothing of the legend is cut off


def test_backprop_step_through_equals_loss_and_grad(window, qtbot):
    panel = window.backprop_panel
    window.side_tabs.setCurrentWidget(panel)
    s = window.session
    panel.choose_row(7)
    qtbot.mouseClick(panel.forward_button, Qt.LeftButton)
    trace = panel.trace
    x, y = s.data.Xs_train[7], s.targets(s.data.y_train)[7]
    acts = s.net.hidden_activations(x.reshape(1, -1))
    for got, ref in zip(trace["a"][1:], acts):
        np.testing.assert_allclose(got, ref[0])
    assert window.network_view.annotation(1, 0) == f"{trace['a'][1][0]:.2f}"
    qtbot.mouseClick(panel.backward_button, Qt.LeftButton)
    assert window.network_view.annotation(2, 0).startswith("δ")
    # δ(ℓ) is numbered like W(ℓ), and the text says so: the first hidden layer (layer 2) shows δ(1)
    assert "δ(1) = ∂E/∂z(1), z(1) = W(1)a(1) + w0(1)" in panel.text.toPlainText()
    qtbot.mouseClick(panel.grad_button, Qt.LeftButton)
    value, grad = s.net.loss_and_grad(s.net.params, x.reshape(1, -1), np.atleast_1d(y).reshape(1, -1))
    np.testing.assert_array_equal(trace["grad"], grad)
    assert trace["loss"] == pytest.approx(value)
    views = s.net.layer_views(grad)
    for l, (gW, gb) in enumerate(views):
        np.testing.assert_array_equal(trace["grad_W"][l], gW)
        np.testing.assert_array_equal(trace["grad_b"][l], gb)
        np.testing.assert_allclose(gW, np.outer(trace["delta"][l], trace["a"][l]), atol=1e-15)
    assert "∂E/∂W(1)" in panel.text.toPlainText()
    before = s.net.params.copy()
    lr = s.config.train.lr
    qtbot.mouseClick(panel.apply_button, Qt.LeftButton)
    np.testing.assert_allclose(s.net.params, before - lr * grad)
    np.testing.assert_array_equal(window.snapshot, s.net.params)
    assert panel.trace["loss"] < value                            # one step downhill on that sample
    assert "went from" in panel.message.text()


def test_clicking_a_training_point_picks_it_for_the_step_through(window, qtbot):
    bp = window.boundary_plot
    spots = bp.train_points.points()
    bp.train_points.sigClicked.emit(bp.train_points, [spots[5]], None)
    assert window.backprop_panel.row_spin.value() == int(spots[5].data())
    assert window.side_tabs.currentWidget() is window.backprop_panel


def test_discretize_output_and_hover_readout(window, qtbot):
    bp = window.boundary_plot
    window.redraw_now()
    soft = len(np.unique(bp.last_image.reshape(-1, 3), axis=0))
    bp.discretize_check.setChecked(True)
    hard = len(np.unique(bp.last_image.reshape(-1, 3), axis=0))
    assert hard <= 2 < soft


def test_regression_heatmap_has_a_colour_bar(window, qtbot):
    panel = window.data_panel
    panel.builtin_combo.setCurrentText("plane")
    qtbot.mouseClick(panel.load_button, Qt.LeftButton)
    window.redraw_now()
    assert window.boundary_plot.colorbar.isVisible()
    lo, hi = window.boundary_plot.colorbar.levels()
    y = window.session.data.y_train
    assert (lo, hi) == pytest.approx((y.min(), y.max()))
