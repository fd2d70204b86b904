"""Loading built-in sets and CSV files through the data panel; bad files give a message, never an exception."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from conftest import choose, set_spin


def load_csv_via_widgets(qtbot, window, path, target=None):
    panel = window.data_panel
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("csv"))
    panel.path_edit.clear()
    qtbot.keyClicks(panel.path_edit, str(path))
    qtbot.keyClick(panel.path_edit, Qt.Key_Return)            # editingFinished → read the header
    if target is not None:
        choose(qtbot, panel.target_combo, target)
    qtbot.mouseClick(panel.load_button, Qt.LeftButton)


def write_classes_csv(path, n=90, seed=0):
    rng = np.random.default_rng(seed)
    names = ["setosa", "versicolor", "virginica"]
    centers = np.array([[0.0, 0.0], [3.0, 0.5], [1.0, 3.0]])
    lines = ["width,species,height"]                            # target in the middle, text labels
    for i in range(n):
        k = i % 3
        x = centers[k] + rng.normal(0, 0.4, 2)
        lines.append(f"{x[0]:.4f},{names[k]},{x[1]:.4f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_builtin_multiclass_set(window, qtbot):
    panel = window.data_panel
    choose(qtbot, panel.builtin_combo, "blobs")
    set_spin(qtbot, panel.samples_spin, 300)
    qtbot.mouseClick(panel.load_button, Qt.LeftButton)
    data = window.session.data
    assert data.task == "multiclass"
    n_classes = len(data.classes)
    assert n_classes >= 3
    assert len(data.X_train) + len(data.X_val) + len(data.X_test) == 300
    assert window.session.net.spec == f"2-16tanh-16tanh-{n_classes}softmax"
    assert window.boundary_plot.kind == "heatmap"
    assert window.boundary_plot.last_image.shape == (100, 100, 3)
    assert "⚠" not in panel.message()


def test_builtin_regression_1d_shows_fitted_curve(window, qtbot):
    choose(qtbot, window.data_panel.builtin_combo, "sine")
    qtbot.mouseClick(window.data_panel.load_button, Qt.LeftButton)
    assert window.session.data.task == "regression"
    assert window.session.net.spec == "1-16tanh-16tanh-1linear"
    assert window.boundary_plot.kind == "curve"
    x, y = window.boundary_plot.curves[0].getData()
    assert len(x) == 400 and np.all(np.isfinite(y))
    assert not window.loss_plot.acc_plot.isVisible()


def test_csv_with_text_classes_and_chosen_target(window, qtbot, tmp_path):
    path = write_classes_csv(tmp_path / "flowers.csv")
    load_csv_via_widgets(qtbot, window, path, target="species")
    panel = window.data_panel
    assert [panel.target_combo.itemText(i) for i in range(3)] == ["width", "species", "height"]
    data = window.session.data
    assert "⚠" not in panel.message(), panel.message()
    assert data.task == "multiclass" and sorted(data.classes) == ["setosa", "versicolor", "virginica"]
    assert data.feature_names == ["width", "height"]
    assert window.session.net.spec == "2-16tanh-16tanh-3softmax"


def test_csv_with_numeric_target_is_regression(window, qtbot, tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = X @ [1.5, -2.0, 0.5] + 0.25
    path = tmp_path / "reg.csv"
    path.write_text("a,b,c,target\n" + "\n".join(",".join(f"{v:.5f}" for v in row)
                                                  for row in np.column_stack([X, y])) + "\n")
    load_csv_via_widgets(qtbot, window, path)                  # default target: the last column
    data = window.session.data
    assert data.task == "regression" and data.n_features == 3
    assert window.session.net.spec == "3-16tanh-16tanh-1linear"
    # three inputs: the output surface over a plane through the inputs (residuals are in the Evaluation tab)
    assert window.boundary_plot.kind == "heatmap" and window.boundary_plot.plane is not None
    window.redraw_now()
    assert window.boundary_plot.colorbar.isVisible()


BAD_FILES = {
    "empty": ("", "empty"),
    "ragged": ("a,b,label\n1,2,x\n3,4\n5,6,y\n", "line"),
    "non_numeric_feature": ("a,b,label\n" + "1,2,x\n5,6,y\n" * 6 + "hello,4,y\n", "hello"),
    "one_class": ("a,b,label\n1,2,x\n3,4,x\n5,6,x\n7,8,x\n", "class"),
    "header_only": ("a,b,label\n", ""),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_csv_gives_message_not_exception(window, qtbot, tmp_path, name):
    text, keyword = BAD_FILES[name]
    path = tmp_path / f"{name}.csv"
    path.write_text(text)
    before = window.session.data
    load_csv_via_widgets(qtbot, window, path)
    message = window.data_panel.message()
    assert message.startswith("⚠"), f"no error shown for {name}: {message!r}"
    assert keyword.lower() in message.lower()
    assert window.session.data is before                       # the previous data set stays loaded
    assert window.session.net is not None


def test_missing_csv_file_gives_message(window, qtbot, tmp_path):
    load_csv_via_widgets(qtbot, window, tmp_path / "nope.csv")
    assert window.data_panel.message().startswith("⚠")
    assert "nope.csv" in window.data_panel.message()
