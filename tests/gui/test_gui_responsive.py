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


def test_reset_of_a_large_network_happens_in_the_background(window, qtbot):
    import threading

    s = window.session
    initial = s.net.params.copy()
    set_spin(qtbot, window.train_panel.epochs_spin, 3)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    assert not np.array_equal(s.net.params, initial) and s.epochs_done == 3
    window.background_build = 0                       # every network counts as large
    threads = []
    build = s.build
    s.build = lambda layers: (threads.append(threading.current_thread()), build(layers))[1]
    reinit = s.net.reinitialize
    s.net.reinitialize = lambda **kw: (threads.append(threading.current_thread()), reinit(**kw))[1]
    qtbot.mouseClick(window.train_panel.reset_button, Qt.LeftButton)
    assert "resetting the network" in window.train_panel.status_label.text()
    qtbot.mouseClick(window.train_panel.step_button, Qt.LeftButton)   # refused until the new weights arrive
    assert not window.running and "still being built" in window.train_panel.status_label.text()
    qtbot.waitUntil(lambda: not window.builder.busy(), timeout=10_000)
    qtbot.wait(20)
    assert threads and all(t is not threading.main_thread() for t in threads)
    np.testing.assert_array_equal(s.net.params, initial)       # the seed's weights, as a synchronous reset gives
    np.testing.assert_array_equal(window.controller.snapshot, initial)
    assert s.epochs_done == 0 and s.history["loss"] == [] and "Epoch 0" in window.train_panel.status_label.text()
    info = run_and_wait(qtbot, window, window.train_panel.step_button)
    assert info["reason"] == "done" and s.epochs_done == 1


def test_reset_while_training_a_large_network(window, qtbot):
    window.background_build = 0
    s = window.session
    initial = s.net.params.copy()
    set_spin(qtbot, window.train_panel.epochs_spin, 100_000)
    with qtbot.waitSignal(window.training_finished, timeout=30_000):
        qtbot.mouseClick(window.train_panel.play_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: s.epochs_done > 0, timeout=20_000)
        qtbot.mouseClick(window.train_panel.reset_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not window.builder.busy() and s.epochs_done == 0, timeout=10_000)
    np.testing.assert_array_equal(s.net.params, initial)
    assert not window.running


def test_switching_tabs_while_training_leaves_the_redraw_to_the_paced_timer(window, qtbot, monkeypatch):
    calls = []
    monkeypatch.setattr(window, "_redraw", lambda force: calls.append(force))
    monkeypatch.setattr(window.controller, "running", True)
    window._dirty = False
    window.side_tabs.setCurrentWidget(window.evaluation_plot)
    assert calls == [] and window._dirty                  # drawn by the next timer tick, not in the click
    monkeypatch.setattr(window.controller, "running", False)
    window.side_tabs.setCurrentWidget(window.weights_plot)
    assert calls == [True]                                # idle: at once


def test_weights_tab_of_a_deep_network_fits_its_tab(qtbot):
    from pyffnn_gui.config import ExperimentConfig, LayerSpec
    from pyffnn_gui.main_window import MainWindow

    cfg = ExperimentConfig()
    cfg.network.hidden = [LayerSpec(8, "tanh") for _ in range(9)]
    win = MainWindow(cfg)
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    try:
        win.side_tabs.setCurrentWidget(win.weights_plot)
        qtbot.wait(200)
        wp = win.weights_plot
        available = wp.graphics.viewport().width()
        for plot in (wp.hist_plot, wp.grad_plot):
            assert plot.boundingRect().width() <= available       # 10 legend entries: wrapped, not cut off
            assert "<br>" in plot.titleLabel.text
    finally:
        win.shutdown()


def test_loading_data_for_a_large_network_builds_it_in_the_background(window, qtbot):
    import threading

    window.background_build = 0                       # every network counts as large
    s = window.session
    old_net, old_data = s.net, s.data
    threads = []
    build = s.build
    s.build = lambda layers: (threads.append(threading.current_thread()), build(layers))[1]
    panel = window.data_panel
    panel.builtin_combo.setCurrentIndex(panel.builtin_combo.findText("moons"))
    qtbot.mouseClick(panel.load_button, Qt.LeftButton)
    assert "building the network" in window.train_panel.status_label.text()
    assert s.data is old_data and s.net is old_net        # the old pair stays until the new network arrives
    qtbot.mouseClick(window.train_panel.play_button, Qt.LeftButton)
    assert not window.running and "still being built" in window.train_panel.status_label.text()
    qtbot.waitUntil(lambda: s.net is not old_net, timeout=10_000)
    qtbot.wait(20)
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert s.data is not old_data and s.config.data.builtin == "moons"
    assert window.boundary_plot.data is s.data and s.epochs_done == 0
    info = run_and_wait(qtbot, window, window.train_panel.step_button)
    assert info["reason"] == "done" and s.epochs_done == 1


def test_saving_a_large_project_writes_in_the_background(window, qtbot, tmp_path):
    import threading

    from pyffnn_gui import project_files, project_io

    set_spin(qtbot, window.train_panel.epochs_spin, 3)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    window.background_build = 0
    threads, gate = [], threading.Event()
    real = project_io.save_project

    def slow_save(*args, **kw):
        threads.append(threading.current_thread())
        gate.wait(10)
        real(*args, **kw)

    project_files.save_project = slow_save
    try:
        path = tmp_path / "big.ffnnproj"
        assert window.save_project_file(str(path))
        assert "saving project" in window.train_panel.status_label.text() and window.files.saving()
        qtbot.mouseClick(window.train_panel.play_button, Qt.LeftButton)   # training would change the moments
        assert not window.running and "still being saved" in window.train_panel.status_label.text()
        gate.set()
        qtbot.waitUntil(lambda: not window.files.saving(), timeout=10_000)
    finally:
        project_files.save_project = real
    assert threads and threads[0] is not threading.main_thread()
    assert "Saved project" in window.train_panel.status_label.text() and not window.files.modified
    project = project_io.load_project(str(path))
    np.testing.assert_array_equal(project.params, window.session.net.params)
    assert project.epochs_done == 3 and project.optimizer_meta is not None


def test_same_layer_count_reuses_and_empties_the_weight_curves(window):
    """A Reset keeps the curves (re-creating them cost the UI thread) but must still empty them."""
    wp = window.weights_plot
    wp.set_layers(2)
    curves = list(wp.hist_curves)
    wp.set_grad_norms([1, 2], [[0.5, 0.25], [0.4, 0.2]])
    wp.set_layers(2)
    assert wp.hist_curves == curves
    assert all(len(c.getData()[0] or []) == 0 for c in wp.grad_curves)
    wp.set_layers(3)
    assert len(wp.hist_curves) == 3
