"""Paint or erase data points with the mouse on the 2-D output plot (TensorFlow Playground lets users add data).

:class:`PaintTool` is the strip of controls under the plot (Paint, Erase, the class or target value to paint,
Undo) and the mouse handling over the plot: while Paint or Erase is on, pressing and dragging on the plot adds
points (one every few pixels) or marks the points near the pointer for removal, instead of panning the view; on
release it emits ``stroke_done(added, labels, erased)``: new points ``(k, 2)`` in data units with their class index
or target value, and the boolean mask of the existing points removed. The window turns a stroke into a custom data
set (:func:`apply_stroke`) and loads it through the library's one data path.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QToolButton, QWidget

from pyffnn_gui.config import MAX_CUSTOM_POINTS as MAX_POINTS

SPACING_PX = 10        # while dragging, a new point every this many pixels
ERASE_PX = 14          # the eraser's radius in pixels


def apply_stroke(points: np.ndarray, added: np.ndarray, labels: np.ndarray, erased: np.ndarray) -> np.ndarray:
    """Rows ``[x1, x2, y]`` after a stroke: ``points`` without the ``erased`` rows, then the ``added`` ones."""
    kept = points[~np.asarray(erased, dtype=bool)] if len(points) else points.reshape(0, 3)
    new = np.column_stack([np.asarray(added, dtype=np.float64).reshape(-1, 2),
                           np.asarray(labels, dtype=np.float64).reshape(-1)])
    return np.vstack([kept.reshape(-1, 3), new])


class PaintTool(QWidget):
    """Controls and mouse handling for painting on ``plot`` (a pyqtgraph PlotItem in ``widget``)."""

    stroke_done = Signal(object, object, object)     # added (k, 2), labels (k,), erased mask (n,)
    undo_requested = Signal()

    def __init__(self, widget: pg.GraphicsLayoutWidget, plot: pg.PlotItem, parent: QWidget = None):
        super().__init__(parent)
        self.widget, self.plot = widget, plot
        self.paint_button = QToolButton()
        self.paint_button.setText("Paint")
        self.paint_button.setCheckable(True)
        self.paint_button.setToolTip("Click or drag on the plot to add points of the chosen class (or value)")
        self.erase_button = QToolButton()
        self.erase_button.setText("Erase")
        self.erase_button.setCheckable(True)
        self.erase_button.setToolTip("Click or drag on the plot to remove the points under the pointer")
        self.class_combo = QComboBox()
        self.class_combo.setToolTip("The class of the points you paint")
        self.value_spin = QDoubleSpinBox()
        self.value_spin.setRange(-1e6, 1e6)
        self.value_spin.setDecimals(3)
        self.value_spin.setToolTip("The target value of the points you paint")
        self.undo_button = QToolButton()
        self.undo_button.setText("Undo")
        self.undo_button.setToolTip("Take back the last stroke (or the last data change after painting)")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo_requested)
        self.paint_button.toggled.connect(lambda on: self._mode_toggled(self.paint_button, on))
        self.erase_button.toggled.connect(lambda on: self._mode_toggled(self.erase_button, on))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        # compact: the strip shares a line with "Discretize output" under a plot that is ~450 px wide
        layout.setSpacing(3)
        self.class_combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.value_spin.setMaximumWidth(80)
        for w in (self.paint_button, self.erase_button, self.class_combo, self.value_spin, self.undo_button):
            layout.addWidget(w)
        layout.addStretch(1)
        self.points = np.zeros((0, 2))       # the data's points in plot coordinates (for the eraser)
        self.regression = False
        self._stroke: Optional[dict] = None
        self.preview = pg.ScatterPlotItem(symbol="o", size=8, pen=pg.mkPen("k", width=1.5), brush=None)
        self.preview.setZValue(10)
        self.erase_preview = pg.ScatterPlotItem(symbol="x", size=10, pen=pg.mkPen("#444", width=2), brush=None)
        self.erase_preview.setZValue(10)
        plot.addItem(self.preview)
        plot.addItem(self.erase_preview)
        widget.viewport().installEventFilter(self)
        self.set_target(None)

    # ------------------------------------------------------------------ setup
    def set_target(self, classes: Optional[list], regression: bool = False, value_range=(0.0, 1.0)) -> None:
        """What is painted: one of ``classes`` (names), or a number for regression; None disables painting."""
        key = (tuple(classes or ()), regression)
        if key == getattr(self, "_target_key", None):
            return                 # the same data edited: keep the class or value being painted
        self._target_key = key
        self.regression = regression
        self.class_combo.clear()
        for k, name in enumerate(classes or []):
            self.class_combo.addItem(str(name), k)
        self.class_combo.setVisible(not regression)
        self.value_spin.setVisible(regression)
        if regression:
            self.value_spin.setValue(float(np.mean(value_range)))
        enabled = regression or bool(classes)
        for b in (self.paint_button, self.erase_button):
            b.setEnabled(enabled)
            if not enabled:
                b.setChecked(False)

    def set_points(self, points: np.ndarray) -> None:
        """The data's points as drawn (train, validation and test), for the eraser."""
        self.points = np.asarray(points, dtype=np.float64).reshape(-1, 2)

    def set_undo_available(self, available: bool) -> None:
        self.undo_button.setEnabled(available)

    @property
    def mode(self) -> Optional[str]:
        return "paint" if self.paint_button.isChecked() else "erase" if self.erase_button.isChecked() else None

    def label(self) -> float:
        """The class index or target value painted now."""
        return float(self.value_spin.value()) if self.regression else float(self.class_combo.currentData() or 0)

    def _mode_toggled(self, button, on: bool) -> None:
        if on:   # one mode at a time
            other = self.erase_button if button is self.paint_button else self.paint_button
            other.setChecked(False)
        self.widget.viewport().setCursor(Qt.CrossCursor if self.mode else Qt.ArrowCursor)

    # ------------------------------------------------------------------ mouse
    def _to_data(self, pos) -> QPointF:
        return self.plot.vb.mapSceneToView(self.widget.mapToScene(pos))

    def _pixel_size(self) -> np.ndarray:
        """Data units per pixel along x and y."""
        size = np.abs(np.array(self.plot.vb.viewPixelSize(), dtype=np.float64))
        size[~(size > 0)] = 1.0
        return size

    def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
        if self.mode is None:
            return False
        kind = event.type()
        if kind == QEvent.MouseButtonPress and event.button() == Qt.LeftButton:
            p = self._to_data(event.position().toPoint())
            if not self.plot.vb.viewRect().contains(p):
                return False
            self.plot.vb.disableAutoRange()      # the view holds still while painting
            self._stroke = {"added": [], "erased": np.zeros(len(self.points), dtype=bool)}
            self._stroke_at(p, first=True)
            return True
        if kind == QEvent.MouseMove and self._stroke is not None:
            self._stroke_at(self._to_data(event.position().toPoint()))
            return True
        if kind == QEvent.MouseButtonRelease and self._stroke is not None and event.button() == Qt.LeftButton:
            self.finish_stroke()
            return True
        return False

    def _stroke_at(self, p: QPointF, first: bool = False) -> None:
        """Add a point (paint) or mark the points near ``p`` (erase) during a stroke."""
        s = self._stroke
        xy = np.array([p.x(), p.y()])
        px = self._pixel_size()
        if self.mode == "paint":
            if not s["added"]:
                steps = [xy]
            else:                  # fill the way from the last point in steps of SPACING_PX (fast drags)
                last = s["added"][-1]
                n = int(np.hypot(*((xy - last) / px)) // SPACING_PX)
                steps = [last + (xy - last) * (k / n) for k in range(1, n + 1)] if n else []
            room = MAX_POINTS - len(self.points) - len(s["added"])
            s["added"].extend(steps[:max(0, room)])
            if s["added"]:
                self.preview.setData(pos=np.array(s["added"]))
        else:
            if len(self.points):
                near = np.hypot(*((self.points - xy) / px).T) <= ERASE_PX
                s["erased"] |= near
            self.erase_preview.setData(pos=self.points[s["erased"]])

    def finish_stroke(self) -> None:
        """End the stroke in progress and report it (nothing when it changed nothing)."""
        s, self._stroke = self._stroke, None
        self.preview.setData([], [])
        self.erase_preview.setData([], [])
        if s is None or (not s["added"] and not s["erased"].any()):
            return
        added = np.array(s["added"]).reshape(-1, 2)
        self.stroke_done.emit(added, np.full(len(added), self.label()), s["erased"])

    # ------------------------------------------------------------------ for tests and scripts
    def view_to_widget(self, x: float, y: float):
        """The viewport position (QPoint) of data point (x, y): where to click to paint there."""
        return self.widget.mapFromScene(self.plot.vb.mapViewToScene(QPointF(x, y)))
