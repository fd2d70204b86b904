"""The app records every run in the run store, and the Runs panel lists, overlays, opens and deletes them."""
import os

import numpy as np
import pyffnn
from pyffnn.experiments import RunStore
from PySide6.QtCore import Qt

from conftest import TRAIN_TIMEOUT_MS, run_and_wait, set_spin


def _store():
    return RunStore(os.environ["PYFFNN_RUNS_DB"])


def _train(qtbot, window, epochs, lr=None):
    tp = window.train_panel
    set_spin(qtbot, tp.epochs_spin, epochs)
    if lr is not None:
        set_spin(qtbot, tp.lr_spin, lr)
    return run_and_wait(qtbot, window, tp.play_button)


def test_play_pause_play_is_one_run_until_reset(window, qtbot):
    tp = window.train_panel
    set_spin(qtbot, tp.epochs_spin, 1_000_000)
    qtbot.mouseClick(tp.play_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.session.epochs_done >= 3, timeout=TRAIN_TIMEOUT_MS)
    with qtbot.waitSignal(window.training_finished, timeout=TRAIN_TIMEOUT_MS):
        qtbot.mouseClick(tp.pause_button, Qt.LeftButton)
    qtbot.mouseClick(tp.play_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.session.epochs_done >= 6, timeout=TRAIN_TIMEOUT_MS)
    with qtbot.waitSignal(window.training_finished, timeout=TRAIN_TIMEOUT_MS):
        qtbot.mouseClick(tp.pause_button, Qt.LeftButton)
    run_and_wait(qtbot, window, tp.step_button)
    runs = _store().list_runs()
    assert len(runs) == 1 and runs[0].status == "running"       # still open in the app
    run_id = runs[0].id
    qtbot.mouseClick(tp.reset_button, Qt.LeftButton)
    run = _store().get_run(run_id)
    done = window.session.history["loss"]
    assert done == [] and run.status == "finished"
    assert run.config["recorded_by"] == "app" and run.config["architecture"] == "2-16tanh-16tanh-1sigmoid"
    assert run.config["data"]["source"]["name"] == "circle" and run.config["app"]["train"]["optimizer"] == "adam"
    assert run.metrics["epoch"] == len(run.epochs) == len(run.curves["loss"]) >= 7
    assert run.epochs == list(range(len(run.epochs)))           # the three jobs' epochs numbered on
    assert os.path.exists(run.model_path)                       # the weights, for "Open in editor"
    _train(qtbot, window, 3)
    assert len(_store().list_runs()) == 2                       # after Reset: a new run


def test_closing_while_training_marks_the_run_interrupted(window, qtbot):
    tp = window.train_panel
    set_spin(qtbot, tp.epochs_spin, 1_000_000)
    qtbot.mouseClick(tp.play_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.session.epochs_done >= 2, timeout=TRAIN_TIMEOUT_MS)
    window.close()
    (run,) = _store().list_runs()
    assert run.status == "interrupted"


def test_a_run_closed_idle_with_the_window_is_finished(window, qtbot):
    _train(qtbot, window, 5)
    window.close()
    (run,) = _store().list_runs()
    assert run.status == "finished" and run.metrics["epoch"] == 5


def test_runs_panel_lists_filters_overlays_and_deletes(window, qtbot):
    for lr in (0.01, 0.03, 0.1):
        _train(qtbot, window, 5, lr=lr)
        qtbot.mouseClick(window.train_panel.reset_button, Qt.LeftButton)
    window.runs_action.trigger()                   # View ▸ Runs panel
    panel = window.runs_dock.panel
    assert window.runs_dock.isVisible() and panel.table.rowCount() == 3
    assert [panel.table.item(r, 5).text() for r in range(3)] == ["0.1", "0.03", "0.01"]   # newest first
    assert panel.table.item(0, 2).text() == "circle" and panel.table.item(0, 3).text() == "16tanh-16tanh"
    assert panel.table.item(0, 10).text() == "finished" and panel.table.item(0, 6).text() == "5"
    # multi-select overlays one curve per run, with a legend entry each
    panel.table.selectAll()
    assert panel.curve_count() == 3 and len(panel.legend.items) == 3
    panel.curve_combo.setCurrentIndex(panel.curve_combo.findData("val_accuracy"))
    assert panel.curve_count() == 3
    # filter on text
    qtbot.keyClicks(panel.filter_edit, "no-such-data-set")
    qtbot.waitUntil(lambda: panel.table.rowCount() == 0, timeout=3000)
    panel.filter_edit.clear()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 3, timeout=3000)
    # delete asks first; "no" keeps the run
    ids = [run.id for run in panel.runs]
    panel.select_ids([ids[0]])
    asked = []
    panel.confirm = lambda text: asked.append(text) or False
    qtbot.mouseClick(panel.delete_button, Qt.LeftButton)
    assert asked and panel.table.rowCount() == 3
    panel.confirm = lambda text: True
    panel.select_ids([ids[0]])
    qtbot.mouseClick(panel.delete_button, Qt.LeftButton)
    assert panel.table.rowCount() == 2 and ids[0] not in [r.id for r in _store().list_runs()]


def test_the_run_being_trained_cannot_be_deleted(window, qtbot):
    _train(qtbot, window, 2)
    window.runs_action.trigger()
    panel = window.runs_dock.panel
    panel.select_ids([window.recorder.run_id])
    panel.confirm = lambda text: True
    assert not panel.delete_selected()
    assert "being trained" in panel.message.text() and len(_store().list_runs()) == 1


def test_open_in_editor_restores_configuration_weights_and_curves(window, qtbot):
    tp = window.train_panel
    set_spin(qtbot, tp.lr_spin, 0.05)
    _train(qtbot, window, 6)
    trained = window.session.net.params.copy()
    qtbot.mouseClick(tp.reset_button, Qt.LeftButton)
    set_spin(qtbot, tp.lr_spin, 0.002)
    window.layer_editor.set_config(window.layer_editor.config())   # (unchanged layers)
    window.runs_action.trigger()
    panel = window.runs_dock.panel
    panel.select_ids([panel.runs[0].id])
    qtbot.mouseClick(panel.open_button, Qt.LeftButton)
    assert "with its trained weights and curves" in panel.message.text(), panel.message.text()
    assert tp.lr_spin.value() == 0.05
    assert np.array_equal(window.session.net.params, trained)
    assert window.session.epochs_done == 6 and len(window.loss_plot.curve("loss")[0]) == 6
    assert np.array_equal(window.snapshot, trained)


def test_open_in_editor_takes_a_command_line_runs_layers(window, qtbot, tmp_path):
    X, y = pyffnn.datasets.make_circle(100, random_state=0) if hasattr(pyffnn.datasets, "make_circle") else \
        (np.random.default_rng(0).normal(size=(100, 2)), np.arange(100) % 2)
    net = pyffnn.Network("2-5relu-3tanh-1sigmoid", random_state=0)
    net.fit(X, y, epochs=2, optimizer="sgd", lr=0.2, batch_size=10, callbacks=[pyffnn.RunLogger(data=(X, y))])
    window.runs_action.trigger()
    panel = window.runs_dock.panel
    panel.select_ids([panel.runs[0].id])
    assert panel.open_selected(), panel.message.text()
    hidden = window.layer_editor.config().hidden
    assert [(h.units, h.activation) for h in hidden] == [(5, "relu"), (3, "tanh")]
    assert window.train_panel.config().optimizer == "sgd" and window.train_panel.config().lr == 0.2
    assert window.session.net.spec == "2-5relu-3tanh-1sigmoid"


def test_an_unusable_store_is_one_message_and_training_goes_on(window, qtbot, tmp_path, monkeypatch):
    bad = tmp_path / "a-folder"
    bad.mkdir()
    window.recorder.use_store(str(bad))            # a directory: the store refuses it
    info = _train(qtbot, window, 2)
    assert info["reason"] == "done" and window.session.epochs_done == 2
    assert "runs are not recorded" in window.recorder.error and "directory" in window.recorder.error


def test_on_a_short_screen_the_panel_opens_as_its_own_window(window, qtbot):
    window.resize(1300, 700)                      # a 1366×768 screen: docking would squash the plots to slivers
    qtbot.wait(20)
    plot_height = window.loss_plot.height()
    window.runs_action.trigger()
    dock = window.runs_dock
    qtbot.waitUntil(dock.isVisible)
    assert dock.isFloating() and dock.height() >= 300
    qtbot.wait(20)
    assert window.loss_plot.height() >= plot_height - 2          # the main window's plots keep their height
    dock.setFloating(False)                                       # the user may dock it: that choice is kept
    window.runs_action.trigger()
    window.runs_action.trigger()
    assert dock.isVisible() and not dock.isFloating()


def test_on_a_tall_window_the_panel_docks(window, qtbot):
    window.resize(1400, 1000)
    qtbot.wait(20)
    window.runs_action.trigger()
    qtbot.waitUntil(window.runs_dock.isVisible)
    assert not window.runs_dock.isFloating()


def _gated_save(monkeypatch):
    """Make model saves wait for a gate and record the thread they ran on."""
    import threading

    gate, threads, save = threading.Event(), [], pyffnn.Network.save

    def gated(self, *args, **kwargs):
        threads.append(threading.current_thread())
        gate.wait(20)
        return save(self, *args, **kwargs)

    monkeypatch.setattr(pyffnn.Network, "save", gated)
    return gate, threads


def test_the_model_is_saved_off_the_ui_thread_with_the_weights_of_the_job(window, qtbot, monkeypatch):
    import threading

    gate, threads = _gated_save(monkeypatch)
    _train(qtbot, window, 4)                       # returned although the save is held at the gate
    assert window.recorder.saving()
    trained = window.session.net.params.copy()
    window.session.net.params[:] = 0.0             # what happens to the live weights later is not saved
    gate.set()
    window.recorder.wait_saves()
    window.session.net.params[:] = trained
    assert threads and all(t is not threading.main_thread() for t in threads)
    (run,) = _store().list_runs()
    assert run.model_path and np.array_equal(pyffnn.Network.load(run.model_path).params, trained)


def test_closing_waits_for_a_pending_model_save(window, qtbot, monkeypatch):
    import threading

    gate, _ = _gated_save(monkeypatch)
    _train(qtbot, window, 3)
    trained = window.session.net.params.copy()
    assert window.recorder.saving()
    threading.Timer(0.3, gate.set).start()
    window.close()                                 # waits for the save, then ends the run
    assert not window.recorder.saving()
    (run,) = _store().list_runs()
    assert run.status == "finished" and run.model_path
    assert np.array_equal(pyffnn.Network.load(run.model_path).params, trained)
