"""Run ▸ Sweep…: a grid of settings trained in the background, every run in the store, results as table and scatter."""
import sys

import pytest
from PySide6.QtCore import Qt

from pyffnn.experiments import RunStore
from pyffnn_gui.sweep_dialog import SweepDialog, parse_space


@pytest.fixture
def sweeps():
    """The library's sweep API (pyffnn.experiments.sweep), which the dialog runs."""
    return pytest.importorskip("pyffnn.experiments.sweep")


def _dialog(window, qtbot, processes):
    window.sweep_action.trigger()                  # Run ▸ Sweep…
    dialog = window.sweep_dialog
    assert isinstance(dialog, SweepDialog) and dialog.isVisible()
    dialog.lr_edit.setText("0.01, 0.03")
    dialog.layers_edit.setText("8tanh; 4tanh-4tanh")
    dialog.epochs_spin.setValue(3)
    dialog.processes_spin.setValue(processes)
    return dialog


@pytest.mark.parametrize("processes", [0, 2])
def test_sweep_runs_in_the_background_and_fills_table_and_scatter(window, qtbot, processes, sweeps):
    dialog = _dialog(window, qtbot, processes)
    with qtbot.waitSignal(dialog.finished_sweep, timeout=120_000) as blocker:
        qtbot.mouseClick(dialog.start_button, Qt.LeftButton)
        # Start returned at once: the UI thread is free (a tiny sweep in this process may already be done, so
        # check the dialog's state, which only the UI timer's poll changes, not the sweep's thread)
        assert dialog.sweep is not None and not dialog.start_button.isEnabled()
        assert window.train_panel.play_button.isEnabled()
    result = blocker.args[0]
    assert result is not None and len(result.rows) == 4
    assert dialog.table.rowCount() == 4
    header = [dialog.table.horizontalHeaderItem(c).text() for c in range(dialog.table.columnCount())]
    assert "lr" in header and "layers" in header and "val_loss" in header
    x, y, labels = dialog.points()
    assert len(x) == 4 and labels is None                # lr is numeric
    dialog.x_combo.setCurrentIndex(dialog.x_combo.findData("layers"))
    x, y, labels = dialog.points()
    assert labels == ["4tanh-4tanh", "8tanh"]
    runs = RunStore().list_runs(sweep=result.sweep)
    assert len(runs) == 4 and all(r.status == "finished" for r in runs)
    assert "best val_loss" in dialog.status.text()


def test_bad_values_are_a_message_not_a_sweep(window, qtbot, sweeps):
    dialog = _dialog(window, qtbot, 0)
    dialog.lr_edit.setText("0.01, fast")
    assert not dialog.start()
    assert "'fast' is not a number" in dialog.status.text() and dialog.sweep is None


def test_parse_space():
    space = parse_space("0.1,0.01", "8tanh; 16relu-16relu", "16", "0", "0, 1", "adam")
    assert space == {"lr": [0.1, 0.01], "layers": ["8tanh", "16relu-16relu"], "batch_size": [16], "l2": [0.0],
                     "seed": [0, 1], "optimizer": ["adam"]}


def test_stop_ends_the_sweep_and_its_runs_are_interrupted(window, qtbot, sweeps):
    dialog = _dialog(window, qtbot, 1)
    dialog.lr_edit.setText("0.01, 0.02, 0.03, 0.04")
    dialog.epochs_spin.setValue(100_000)           # far longer than the test waits
    assert dialog.start()
    qtbot.waitUntil(lambda: any(r.status == "running" for r in RunStore().list_runs()), timeout=60_000)
    with qtbot.waitSignal(dialog.finished_sweep, timeout=60_000) as blocker:
        qtbot.mouseClick(dialog.stop_button, Qt.LeftButton)
    result = blocker.args[0]
    assert result.interrupted and "(stopped)" in dialog.status.text()
    runs = RunStore().list_runs(sweep=result.sweep)
    assert runs and all(r.status == "interrupted" for r in runs)
    assert dialog.start_button.isEnabled() and not dialog.stop_button.isEnabled()


def test_without_the_sweep_api_start_says_so(window, qtbot, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyffnn.experiments.sweep", None)   # import fails
    dialog = _dialog(window, qtbot, 0)
    assert not dialog.start()
    assert "no sweeps" in dialog.status.text() and dialog.start_button.isEnabled()
