"""Small windows: at 900×560 every plot and control is reachable (the plots scroll), titles and legends fit their
plots, and loading data with more inputs never makes the window grow by itself; at 1366×768 nothing scrolls."""
import pytest
from PySide6.QtCore import QPoint, QRect

sklearn = pytest.importorskip("sklearn")

from conftest import load_csv, write_iris_csv  # noqa: E402


def _load_iris(window, qtbot, tmp_path):
    columns = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")
    panel = load_csv(window, qtbot, write_iris_csv(tmp_path / "iris.csv", columns))
    assert window.session.data.n_features == 4, panel.message()
    qtbot.wait(100)


def _inside_window(window, widget):
    """The widget's rectangle, in window coordinates, lies within the visible part of the plots area."""
    area = window.plots_scroll.viewport()
    box = QRect(area.mapTo(window, QPoint(0, 0)), area.size())
    top_left = widget.mapTo(window, QPoint(0, 0))
    return box.contains(QRect(top_left, widget.size()).adjusted(1, 1, -1, -1))


def _titles_fit(window):
    plots = [window.boundary_plot.plot, window.loss_plot.loss_plot, window.loss_plot.acc_plot,
             window.weights_plot.hist_plot, window.weights_plot.grad_plot]
    for plot in plots:
        width = plot.titleLabel.item.boundingRect().width()
        assert width <= plot.geometry().width(), f"title {plot.titleLabel.text[:40]!r} is cut off"


@pytest.mark.parametrize("size", [(900, 560), (1366, 768)])
def test_four_features_fit_without_growing_the_window(window, qtbot, tmp_path, size):
    window.resize(*size)
    qtbot.wait(50)
    _load_iris(window, qtbot, tmp_path)
    assert (window.width(), window.height()) == size               # never grows by itself
    assert window.minimumSizeHint().width() <= 900 and window.minimumSizeHint().height() <= 560
    bp = window.boundary_plot
    assert bp.plane_controls.isVisible()
    assert window.plots_scroll.horizontalScrollBar().maximum() == 0  # never sideways
    scroll = window.plots_scroll
    if size == (1366, 768):
        assert scroll.verticalScrollBar().maximum() == 0            # a laptop screen shows everything at once
    for widget in (bp.plane_controls, bp.class_legend, bp.discretize_check, window.network_view,
                   window.maps_check, window.side_tabs, window.loss_plot):
        scroll.ensureWidgetVisible(widget, 0, 0)
        qtbot.wait(20)
        assert widget.isVisible() and _inside_window(window, widget), f"{widget!r} cannot be brought into view"
    # the plot keeps a usable height beside its controls, the sliders of all four inputs are reachable
    assert bp.widget.height() >= 200
    assert len(bp.plane_controls.sliders) == 4
    _titles_fit(window)
    legend = bp.class_legend
    assert legend.mapTo(bp, QPoint(0, 0)).x() + legend.width() <= bp.width()
    assert "setosa" in legend.text() and "train" in legend.text()


def test_neuron_maps_row_is_reachable_at_900_by_560(window, qtbot):
    window.resize(900, 560)
    qtbot.wait(100)
    assert (window.width(), window.height()) == (900, 560)
    # the paint tools go under "Discretize output" instead of making the plots scroll sideways
    assert window.boundary_plot.paint.isVisible()
    assert window.plots_scroll.horizontalScrollBar().maximum() == 0
    paint, check = window.boundary_plot.paint, window.boundary_plot.discretize_check

    def middle(w):
        return w.mapTo(window, w.rect().center()).y()

    assert middle(paint) > middle(check) + 10
    window.resize(1366, 768)
    qtbot.wait(100)
    assert abs(middle(paint) - middle(check)) < 10          # with room they share one line
    window.resize(900, 560)
    qtbot.wait(100)
    window.plots_scroll.ensureWidgetVisible(window.maps_check, 0, 0)
    qtbot.wait(20)
    assert _inside_window(window, window.maps_check)
    view = window.network_view
    assert view.view.height() >= 150                   # the drawing itself is not squeezed to nothing
    assert window.network_view.maps_visible()
    _titles_fit(window)


def test_confusion_matrix_numbers_are_whole_at_900_by_560(window, qtbot, tmp_path):
    window.resize(900, 560)
    qtbot.wait(50)
    _load_iris(window, qtbot, tmp_path)
    ev = window.evaluation_plot
    window.side_tabs.setCurrentWidget(ev)
    window.plots_scroll.ensureWidgetVisible(window.side_tabs, 0, 0)
    qtbot.wait(100)
    table = ev.table
    assert table.columnCount() == 6
    metrics = table.fontMetrics()
    header = table.horizontalHeader()
    for col in range(table.columnCount()):
        text = table.item(0, col).text()
        assert header.sectionSize(col) >= metrics.horizontalAdvance(text) + 4, f"column {col} cuts {text!r}"
    # the last column (F1) is reachable by scrolling the table sideways
    bar = table.horizontalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.wait(20)
    last = table.columnCount() - 1
    assert header.sectionViewportPosition(last) + header.sectionSize(last) <= table.viewport().width() + 1


def test_side_tab_names_stay_whole_in_a_small_window(window, qtbot):
    """At 900×560 the side tabs scroll with arrow buttons; no name is cut to "Ac…" and each has its tooltip."""
    window.resize(900, 560)
    qtbot.wait(50)
    bar = window.side_tabs.tabBar()
    metrics = bar.fontMetrics()
    for index in range(bar.count()):
        name = bar.tabText(index).replace("&&", "&")
        assert bar.tabRect(index).width() >= metrics.horizontalAdvance(name), f"tab {name!r} is elided"
        assert window.side_tabs.tabToolTip(index) == name
