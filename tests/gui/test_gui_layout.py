"""The settings panel with a deep network: buttons that stay put, labels that wrap, no sideways scrolling."""
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QPushButton

from pyffnn_gui.config import ExperimentConfig, LayerSpec, NetworkConfig
from pyffnn_gui.main_window import MainWindow


def eight_layers(window):
    window.layer_editor.set_config(NetworkConfig(hidden=[LayerSpec(16 + i, "tanh") for i in range(8)]))
    assert window.layer_editor.layer_list.count() == 8
    assert window.session.net.spec.count("tanh") == 8


def test_six_clicks_on_remove_remove_six_layers(window, qtbot):
    eight_layers(window)
    ed = window.layer_editor
    ed.layer_list.setCurrentRow(7)
    qtbot.wait(20)
    bar = window.settings_scroll.verticalScrollBar()
    bar.setValue(bar.maximum())          # scrolled to the end: a shorter panel would slide everything down
    qtbot.wait(20)
    assert bar.value() > 0
    # the pointer stays where Remove was at the start; each click goes to whatever is under it then
    at = ed.remove_button.mapTo(window, ed.remove_button.rect().center())
    for clicks in range(1, 7):
        qtbot.wait(10)
        target = window.childAt(at)
        assert isinstance(target, QPushButton) and target is ed.remove_button, \
            f"click {clicks} would hit {target!r}, not Remove"
        qtbot.mouseClick(target, Qt.LeftButton, pos=target.mapFrom(window, at))
        assert ed.layer_list.count() == 8 - clicks
    assert len(window.session.net.layers) == 3          # 2 hidden layers and the output


def test_eight_layers_need_no_horizontal_scrolling(window, qtbot):
    eight_layers(window)
    qtbot.wait(50)
    scroll = window.settings_scroll
    assert scroll.horizontalScrollBar().maximum() == 0
    panel = scroll.widget()
    assert panel.width() <= scroll.viewport().width()
    spec = window.layer_editor.spec_label
    assert spec.height() > spec.fontMetrics().height() * 1.5           # the long layer string wraps
    width = scroll.viewport().width()
    for label in panel.findChildren(QLabel):
        if not label.isVisible() or not label.text():
            continue
        left = label.mapTo(panel, QPoint(0, 0)).x()
        assert left >= 0 and left + label.width() <= width, f"label {label.text()[:30]!r} is cut off"
    # at a small window height the panel scrolls vertically, never sideways
    window.resize(900, 560)
    qtbot.wait(50)
    assert scroll.horizontalScrollBar().maximum() == 0
    assert scroll.widget().width() <= scroll.viewport().width()


def test_buttons_stay_put_as_layers_come_and_go(qtbot):
    cfg = ExperimentConfig()
    win = MainWindow(cfg)
    qtbot.addWidget(win)
    win.show()
    try:
        ed = win.layer_editor
        qtbot.wait(20)
        where = {b: b.mapTo(win, QPoint(0, 0)) for b in (ed.add_button, ed.remove_button, ed.up_button)}
        for _ in range(6):
            qtbot.mouseClick(ed.add_button, Qt.LeftButton)
            qtbot.wait(5)
            assert {b: b.mapTo(win, QPoint(0, 0)) for b in where} == where
        assert ed.layer_list.count() == 8
    finally:
        win.shutdown()


def test_evaluation_table_fits_the_default_window(qtbot, tmp_path):
    pytest = __import__("pytest")
    datasets = pytest.importorskip("sklearn.datasets")
    import numpy as np

    iris = datasets.load_iris()
    names = np.array(["Iris-setosa", "Iris-versicolor", "Iris-virginica"])[iris.target]
    path = tmp_path / "iris.csv"
    path.write_text("sepal_length,sepal_width,petal_length,petal_width,species\n" + "\n".join(
        ",".join(f"{v:.1f}" for v in row) + f",{n}" for row, n in zip(iris.data, names)) + "\n")
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    try:
        panel = win.data_panel
        panel.source_combo.setCurrentIndex(panel.source_combo.findData("csv"))
        panel.path_edit.setText(str(path))
        panel.refresh_columns()
        qtbot.mouseClick(panel.load_button, Qt.LeftButton)
        assert win.session.data.n_features == 4, panel.message()
        ev = win.evaluation_plot
        win.side_tabs.setCurrentWidget(ev)
        qtbot.wait(50)
        table = ev.table
        assert table.columnCount() == 6 and table.horizontalHeaderItem(5).text() == "F1"
        assert table.horizontalScrollBar().maximum() == 0
        header = table.horizontalHeader()
        for col in range(table.columnCount()):
            assert header.sectionViewportPosition(col) >= 0
            assert header.sectionViewportPosition(col) + header.sectionSize(col) <= table.viewport().width() + 1
            assert header.sectionSize(col) >= 24
        assert table.horizontalHeaderItem(0).toolTip() == "predicted Iris-setosa"
        # the headers show what tells the classes apart, not the shared "Iris-" (all three once read "→ Iris-…")
        assert [table.horizontalHeaderItem(j).text() for j in range(3)] == ["→ setosa", "→ versicolor", "→ virginica"]
    finally:
        win.shutdown()


def test_distinct_tails_cut_the_shared_prefix_at_a_separator():
    from pyffnn_gui.evaluation_plot import distinct_tails
    assert distinct_tails(["Iris-setosa", "Iris-virginica"]) == ["setosa", "virginica"]
    assert distinct_tails(["cat", "car"]) == ["cat", "car"]                  # no separator: a word is never split
    assert distinct_tails(["a_1", "a_"]) == ["a_1", "a_"]                    # a name would become empty
    assert distinct_tails(["x y z", "x y w"]) == ["z", "w"] and distinct_tails(["only"]) == ["only"]
