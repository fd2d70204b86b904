"""Several target columns in the app: the import dialog's roles give multi-output regression or multi-label data,
which the app trains and evaluates (R² per target; per-label precision, recall, F1 and exact-match accuracy)."""
import numpy as np
import pytest
from PySide6.QtWidgets import QDialogButtonBox

from pyffnn_gui.config import DataConfig
from pyffnn_gui.import_dialog import ImportDialog

from conftest import run_and_wait, set_spin


def _write(path, seed=0, n=160):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 3))
    s, d = X[:, 0] + X[:, 1], X[:, 0] - 2 * X[:, 2]
    lines = ["a,b,c,colour,sum,diff,pos,big"]
    for i, (x, si, di) in enumerate(zip(X, s, d)):
        lines.append(f"{x[0]:.4f},{x[1]:.4f},{x[2]:.4f},{['red', 'blue'][i % 2]},{si:.4f},{di:.4f},"
                     f"{'yes' if x[0] > 0 else 'no'},{'true' if x[1] + x[2] > 0 else 'false'}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _import(window, qtbot, path, targets, ignore):
    dialog = ImportDialog(DataConfig(source="csv", csv_path=str(path)))
    qtbot.addWidget(dialog)
    for name in ignore:
        dialog.set_role(name, "ignore")
    for name in targets:
        dialog.set_role(name, "target")
    assert dialog.buttons.button(QDialogButtonBox.Ok).isEnabled(), dialog.message_label.text()
    cfg = dialog.config()
    assert cfg.targets == list(targets)
    window.data_panel.apply_import(cfg)
    assert "⚠" not in window.data_panel.message(), window.data_panel.message()
    return dialog


def _train(window, qtbot, epochs=40):
    set_spin(qtbot, window.train_panel.epochs_spin, epochs)
    run_and_wait(qtbot, window, window.train_panel.play_button)
    assert window.session.epochs_done >= epochs


def test_two_numeric_targets_train_as_multi_output_regression(window, qtbot, tmp_path):
    dialog = _import(window, qtbot, _write(tmp_path / "t.csv"), ["sum", "diff"], ["pos", "big"])
    assert "task: regression" in dialog.report_text()
    data = window.session.data
    assert data.task == "regression" and data.n_targets == 2 and data.y_train.shape[1] == 2
    assert window.session.net.n_outputs == 2 and window.session.net.output_activation == "linear"
    _train(window, qtbot)
    ev = window.evaluation_plot
    window.side_tabs.setCurrentWidget(ev)
    ev.split_combo.setCurrentIndex(0)
    X, y = ev._split()
    pred = window.session.data_units(window.session.net.predict(X))       # both targets in their own units
    for k in range(2):
        r2 = 1 - ((y[:, k] - pred[:, k]) ** 2).sum() / ((y[:, k] - y[:, k].mean()) ** 2).sum()
        assert ev.scores["r2_per_target"][k] == pytest.approx(r2)
    assert "R² per target: sum" in ev.summary.text() and "diff" in ev.summary.text()
    assert np.all(np.isfinite(window.session.history_arrays()["loss"]))


def test_two_true_false_targets_train_as_multi_label(window, qtbot, tmp_path):
    dialog = _import(window, qtbot, _write(tmp_path / "t.csv"), ["pos", "big"], ["sum", "diff"])
    assert "task: multilabel" in dialog.report_text()
    data = window.session.data
    assert data.task == "multilabel" and data.classes == ["pos", "big"] and data.y_train.shape[1] == 2
    assert set(np.unique(data.y_train)) <= {0.0, 1.0}
    net = window.session.net
    assert net.n_outputs == 2 and net.output_activation == "sigmoid"
    _train(window, qtbot, epochs=60)
    history = window.session.history_arrays()
    assert np.isfinite(history["accuracy"][-1]) and history["accuracy"][-1] > 0.6  # exact match, from fit's logs
    ev = window.evaluation_plot
    window.side_tabs.setCurrentWidget(ev)
    ev.split_combo.setCurrentIndex(0)
    X, y = ev._split()
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    pred = window.session.net.predict_classes(X)
    assert ev.scores["accuracy"] == pytest.approx(accuracy_score(y, pred))
    p, r, f, _ = precision_recall_fscore_support(y, pred, zero_division=0)
    np.testing.assert_allclose(ev.scores["precision"], p)
    np.testing.assert_allclose(ev.scores["recall"], r)
    np.testing.assert_allclose(ev.scores["f1"], f)
    assert ev.table.verticalHeaderItem(1).text() == "big" and ev.table.horizontalHeaderItem(2).text() == "F1"
    assert "exact-match accuracy" in ev.summary.text()
    window.redraw_now()   # every view draws this data without an error


def test_a_numeric_and_a_class_target_together_is_a_clear_message(qtbot, tmp_path):
    dialog = ImportDialog(DataConfig(source="csv", csv_path=str(_write(tmp_path / "t.csv"))))
    qtbot.addWidget(dialog)
    dialog.set_role("sum", "target")
    dialog.set_role("pos", "target")
    assert "multi-output regression" in dialog.message_label.text() and "multi-label" in dialog.message_label.text()
    assert not dialog.buttons.button(QDialogButtonBox.Ok).isEnabled()
