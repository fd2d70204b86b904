"""Large networks keep the UI thread free (views evaluated in the background) and the live plots agree."""
import numpy as np
from PySide6.QtCore import Qt

from conftest import run_and_wait, set_spin
from pyffnn_gui.model_runner import ModelRunner


def background(window):
    """Make every view computation of ``window`` run on the background thread, as for a 5M-parameter network."""
    window.runner.sync_work = 0
    window.layer_editor.changed.emit()          # rebuild: the runner takes the network again
    assert window.runner.is_large()


def wait_idle(qtbot, window):
    qtbot.waitUntil(window.runner.idle, timeout=10_000)
    qtbot.wait(20)


def test_output_map_and_neuron_maps_arrive_from_the_background(window, qtbot):
    background(window)
    bp = window.boundary_plot
    bp.last_image = None
    window.network_view.set_maps(None)
    window.redraw_now()
    # nothing was computed on the UI thread; the results arrive through the event loop
    wait_idle(qtbot, window)
    assert bp.last_image is not None and bp.last_image.shape == (100, 100, 3)
    assert window.network_view.maps_visible()
    expected = window.view_net.predict(bp.grid_inputs())
    np.testing.assert_allclose(bp._last_out, expected.reshape(len(expected), -1))
    assert not window.runner.errors


def test_background_results_follow_training_and_rebuilds(window, qtbot):
    background(window)
    set_spin(qtbot, window.train_panel.epochs_spin, 20)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    wait_idle(qtbot, window)
    bp = window.boundary_plot
    np.testing.assert_allclose(bp._last_out, window.view_net.predict(bp.grid_inputs()).reshape(-1, 1))
    # a result computed for the old network is dropped after a rebuild
    window.redraw_now()
    window.layer_editor.layer_list.setCurrentRow(0)
    set_spin(qtbot, window.layer_editor.units_spin, 5)
    wait_idle(qtbot, window)
    assert window.session.net.spec == "2-5tanh-16tanh-1sigmoid"
    np.testing.assert_allclose(bp._last_out, window.view_net.predict(bp.grid_inputs()).reshape(-1, 1))
    assert not window.runner.errors


def test_hover_and_evaluation_in_the_background(window, qtbot):
    background(window)
    view = window.network_view
    view._hover(("node", 1, 0))
    wait_idle(qtbot, window)
    bp = window.boundary_plot
    assert bp.neuron is not None
    np.testing.assert_allclose(bp.neuron[1], window.neuron_values(1, 0))
    view._hover(None)
    wait_idle(qtbot, window)
    assert bp.neuron is None
    window.side_tabs.setCurrentWidget(window.evaluation_plot)
    wait_idle(qtbot, window)
    ev = window.evaluation_plot
    pred = window.view_net.predict_classes(window.session.data.Xs_train)
    assert ev.matrix is not None and ev.matrix.sum() == len(pred)
    assert int(np.trace(ev.matrix)) == int((pred == window.session.data.y_train).sum())


def test_runner_keeps_only_the_newest_request_per_view(qtbot):
    import pyffnn

    net = pyffnn.Network("2-8tanh-1", random_state=0)
    runner = ModelRunner(sync_work=0)
    runner.set_network(net)
    got = []
    for k in range(5):
        runner.run("v", net.params * k, lambda n: float(n.params.sum()), got.append)
    qtbot.waitUntil(runner.idle, timeout=5000)
    qtbot.wait(20)
    # the first request ran, the three in between were superseded by the last
    assert got == [0.0, float((net.params * 4).sum())]
    runner.shutdown()


def test_big_layers_draw_a_bounded_amount(window):
    from pyffnn_gui import weights_plot

    W = np.random.default_rng(0).normal(size=(2048, 2048))
    layers = [(W, np.zeros(2048))]
    window.weights_plot.set_layers(1)
    window.weights_plot.set_weights(layers)
    _, share = window.weights_plot.hist_curves[0].getData()
    assert abs(share.sum() - 1.0) < 1e-9 and weights_plot.HIST_SAMPLE < W.size
    # the drawing reads only the drawn neurons' weights: thickest edge = largest drawn |w|
    window.network_view.set_architecture([2048, 2048], ["tanh"], [1], W.size)
    window.network_view.set_weights(layers)
    shown = W[:12, :12]
    widths = {(j, i): line.pen().widthF() for line, j, i in window.network_view.edges[0]}
    j, i = np.unravel_index(np.abs(shown).argmax(), shown.shape)
    assert widths[(j, i)] == max(widths.values()) == 5.0


def test_gradient_and_loss_plots_end_at_the_same_epoch(window, qtbot):
    window.side_tabs.setCurrentWidget(window.evaluation_plot)       # the gradient plot's tab is hidden
    for epochs in (7, 5):
        set_spin(qtbot, window.train_panel.epochs_spin, epochs)
        run_and_wait(qtbot, window, window.train_panel.play_button)
    x_loss, _ = window.loss_plot.curve("loss")
    for curve in window.weights_plot.grad_curves:
        x_grad, _ = curve.getData()
        assert x_grad[-1] == x_loss[-1] == 12
    window.side_tabs.setCurrentWidget(window.weights_plot)
    qtbot.wait(50)
    loss_range = window.loss_plot.loss_plot.vb.viewRange()[0]
    grad_range = window.weights_plot.grad_plot.vb.viewRange()[0]
    assert loss_range[1] >= 12 and grad_range[1] >= 12                # both show the last epoch
    assert abs(loss_range[1] - grad_range[1]) < 0.05 * 12


def test_a_live_redraw_moves_both_curves(window, qtbot):
    window.side_tabs.setCurrentWidget(window.evaluation_plot)
    set_spin(qtbot, window.train_panel.epochs_spin, 3)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    s = window.session
    # what a progress report during training brings: two more epochs and a gradient sample at the last one
    s.append_epochs([{"loss": 0.5}, {"loss": 0.4}])
    s.add_grad_norms([(5, [1.0, 1.0, 1.0])])
    window._redraw(force=False)
    x_loss, _ = window.loss_plot.curve("loss")
    x_grad, _ = window.weights_plot.grad_curves[0].getData()
    assert x_loss[-1] == x_grad[-1] == 5


def test_large_networks_are_built_in_the_background(window, qtbot):
    window.background_build = 0                       # every network counts as large
    ed = window.layer_editor
    old = window.session.net
    ed.layer_list.setCurrentRow(0)
    set_spin(qtbot, ed.units_spin, 7)
    set_spin(qtbot, ed.units_spin, 9)                 # a second edit supersedes the first build
    assert "building the network" in window.train_panel.status_label.text()
    qtbot.mouseClick(window.train_panel.play_button, Qt.LeftButton)   # refused until the build arrives
    assert not window.running and "still being built" in window.train_panel.status_label.text()
    qtbot.waitUntil(lambda: window.session.net is not old, timeout=10_000)
    qtbot.wait(50)
    assert window.session.net.spec == "2-9tanh-16tanh-1sigmoid"
    assert window.network_view.sizes == [2, 9, 16, 1]
    assert not window.builder.busy()
    info = run_and_wait(qtbot, window, window.train_panel.step_button)
    assert info["reason"] == "done" and window.session.epochs_done == 1


def test_parameter_count_without_building():
    import pyffnn

    from pyffnn_gui.main_window import _count_params

    layers = [3, pyffnn.Dense(5, "tanh"), pyffnn.Maxout(4, pieces=3), pyffnn.Dense(2, "softmax")]
    assert _count_params(layers) == pyffnn.Network(layers).n_params
