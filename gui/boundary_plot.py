"""Output heatmap / decision boundary behind the data points (2-D inputs), fitted curve (1-D regression), or a
2-D projection / predicted-vs-actual view for wider data.

The model is evaluated through a ``predict(X_scaled)`` callable the window supplies (a pyffnn network holding a
weight snapshot, or a fitted ``pyffnn.Perceptron``); nothing here computes a network output itself.
"""
from __future__ import annotations

from typing import Callable, Optional

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from pyffnn_gui.data_source import PreparedData
from pyffnn_gui.paint_tool import PaintTool
from pyffnn_gui.plane_view import PlaneControls
from pyffnn_gui.plot_style import title_with_legend

CLASS_COLORS = np.array([[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
                         [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]],
                        dtype=np.float64)
GRID = 100
# a neuron's output: orange (−) through white (0) to blue (+), the colours of the network drawing's maps
NEURON_MAP = pg.ColorMap([0.0, 0.5, 1.0], [(255, 127, 14), (255, 255, 255), (31, 119, 180)])
# Drawing every point of a big data set would take seconds per repaint (and block Pause); beyond these counts a
# fixed random subset is drawn and the title says so.
MAX_TRAIN_POINTS = 3000
MAX_TEST_POINTS = 1500


def class_color(k: int) -> np.ndarray:
    return CLASS_COLORS[k % len(CLASS_COLORS)]


class BoundaryPlot(QWidget):
    """Shows what the model outputs over the input space, with train (●) and test (▲) points on top.

    ``point_clicked(row)`` fires when a training point is clicked (row of the training split); ``show_map`` puts
    one neuron's output over the plane in place of the model output (the network drawing's hover)."""

    point_clicked = Signal(int)

    def __init__(self, parent: QWidget = None):
        super().__init__(parent)
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setMinimumHeight(200)       # the plot itself; its controls never squeeze it away
        self.plot = self.widget.addPlot(row=0, col=0)
        self.plot.setTitle("Model output")
        self.plot.showGrid(x=False, y=False)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.plot.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(symbol="o", size=7, name="train")
        self.test_points = pg.ScatterPlotItem(symbol="t", size=9, name="test")
        self.curves = []
        self.diagonal = pg.PlotCurveItem(pen=pg.mkPen("#888", style=pg.QtCore.Qt.DashLine))
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.test_points)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get("viridis"), interactive=False,
                                        width=12)
        self._show_colorbar(False)
        self.widget.addItem(self.colorbar, row=0, col=1)     # beside the plot, outside its data area
        self.discretize_check = QCheckBox("Discretize output")
        self.discretize_check.setToolTip("Colour each point of the plane by its predicted class only")
        self.discretize_check.toggled.connect(lambda _on: self._redraw_last())
        self.readout = QLabel("")
        self.paint = PaintTool(self.widget, self.plot)
        self.paint.setVisible(False)
        # "Discretize output" and the paint tools share a line when there is room, else the tools go below it
        # (side by side they would set the plot's minimum width, and a small window would scroll sideways)
        self.controls_box = QWidget()
        self._controls = QGridLayout(self.controls_box)
        self._controls.setContentsMargins(4, 0, 4, 0)
        self._controls_wide = None
        self._place_controls(True)
        controls = self.controls_box
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget, 1)
        layout.addWidget(controls)
        self.wrong_points = pg.ScatterPlotItem(symbol="x", size=8, pen=pg.mkPen("#d00000", width=1.2), brush=None)
        self.wrong_points.setZValue(5)
        self.plot.addItem(self.wrong_points)
        self.plane_controls = PlaneControls()
        self.plane_controls.setVisible(False)
        self.plane_controls.changed.connect(self._plane_changed)
        layout.insertWidget(1, self.plane_controls)
        self.class_legend = QLabel("")
        self.class_legend.setWordWrap(True)
        legend_row = QHBoxLayout()          # the class legend and, right of it, the hover readout
        legend_row.setContentsMargins(4, 0, 4, 0)
        legend_row.addWidget(self.class_legend, 1)
        legend_row.addWidget(self.readout)
        layout.insertLayout(2, legend_row)
        self.train_points.sigClicked.connect(self._points_clicked)
        self.widget.scene().sigMouseMoved.connect(self._mouse_moved)
        self._predict = None
        self.request_outputs: Optional[Callable[[], None]] = None   # set by the window: re-evaluate and redraw
        self._last_out = None
        self.neuron = None                 # (title, values over the grid) while a neuron's map is shown
        self.data: Optional[PreparedData] = None
        self.kind = "none"
        self.last_image: Optional[np.ndarray] = None
        self._grid = None
        self._projection = None
        self.plane = None

    def _place_controls(self, wide: bool) -> None:
        if wide == self._controls_wide:
            return
        self._controls_wide = wide
        for w in (self.discretize_check, self.paint):
            self._controls.removeWidget(w)
        self._controls.addWidget(self.discretize_check, 0, 0)
        self._controls.addWidget(self.paint, 0, 1) if wide else self._controls.addWidget(self.paint, 1, 0)
        self._controls.setColumnStretch(1, 1 if wide else 0)
        # the narrow arrangement's width is the minimum in either arrangement
        self.controls_box.setMinimumWidth(max(self.discretize_check.minimumSizeHint().width(),
                                              self.paint.minimumSizeHint().width()) + 8)

    def resizeEvent(self, event):  # noqa: N802 (Qt's name)
        need = self.discretize_check.sizeHint().width() + self.paint.sizeHint().width() + 16
        self._place_controls(event.size().width() >= need)
        super().resizeEvent(event)

    # ------------------------------------------------------------------ data
    def _show_colorbar(self, on: bool) -> None:
        """A hidden item still takes its column in a pyqtgraph layout: give the space back to the plot."""
        self.colorbar.setVisible(on)
        self.colorbar.setMaximumWidth(16777215 if on else 0)
        self.colorbar.setMinimumWidth(0)

    def set_title(self, text: Optional[str] = None) -> None:
        """Set the title without letting its width widen the plot (a long title is cut, the plot never is)."""
        if text is None:     # which plane is shown, the mode box right under the plot says
            text = title_with_legend(getattr(self, "_heading", "Model output"), [])
        self.plot.setTitle(text)
        self.plot.titleLabel.setMinimumWidth(0)

    def _points_clicked(self, _item, points, *_):
        if len(points):
            self.point_clicked.emit(int(points[0].data()))

    def _mouse_moved(self, pos) -> None:
        """Hover readout: the input point under the mouse and the model's output (or the shown neuron's) there."""
        if self.kind != "heatmap" or self._last_out is None or not self.plot.sceneBoundingRect().contains(pos):
            self.readout.setText("")
            return
        p = self.plot.vb.mapSceneToView(pos)
        r = self._rect
        i = int((p.x() - r.left()) / r.width() * (GRID - 1) + 0.5)
        j = int((p.y() - r.top()) / r.height() * (GRID - 1) + 0.5)
        if not (0 <= i < GRID and 0 <= j < GRID):
            self.readout.setText("")
            return
        if self.neuron is not None:
            value = f"{self.neuron[0]} = {self.neuron[1][i * GRID + j]:.4g}"
        else:
            out = self._last_out[i * GRID + j]
            value = "output " + ", ".join(f"{v:.3f}" for v in out[:4])
        names = self.data.feature_names
        self.readout.setText(f"{names[0]} = {p.x():.3g}, {names[1]} = {p.y():.3g}: {value}")

    def leaveEvent(self, event):  # noqa: N802 (Qt's name): the readout is for the point under the mouse only
        self.readout.setText("")
        super().leaveEvent(event)

    def clear_data(self) -> None:
        """No data loaded (e.g. a project whose data file is missing): an empty plot that says so."""
        self.data = None
        self.kind = "none"
        self.last_image = None
        self.image.clear()
        self.train_points.setData([], [])
        self.test_points.setData([], [])
        self.set_title("No data loaded")

    def set_data(self, data: PreparedData, keep_view: bool = False) -> None:
        """Draw the points and choose the view for this data (heatmap, curve, or projection); ``keep_view`` (edited
        data, e.g. painted points) keeps the visible range."""
        self.data = data
        self.last_image = None
        self.image.clear()
        for c in self.curves:
            self.plot.removeItem(c)
        self.curves = []
        if self.diagonal.scene() is not None:
            self.plot.removeItem(self.diagonal)
        d = data.n_features
        self.wrong_points.setData([], [])
        self.plane_controls.setVisible(d > 2)
        self.plane = None
        if d == 2:
            self.kind = "heatmap"
            self._setup_grid()
        elif d == 1:
            self.kind = "curve"
        else:
            self.kind = "heatmap"          # a plane through the input space: a slice or the PCA plane
            self.plane_controls.set_data(data)
            self._setup_plane()
        self._draw_points(None)
        boundary = "Decision boundary"
        if data.task == "multilabel":   # one picture per label would not fit: the first label's boundary
            boundary += f" of label {data.classes[0]!r} (1 of {len(data.classes)}; Evaluation shows every label)"
        titles = {"heatmap": boundary if data.task != "regression" else "Output surface",
                  "curve": "Fitted curve", "pred_vs_actual": "Predicted vs actual",
                  "projection": f"Data on its first two principal components ({d} features)"}
        # The marker legend sits in the legend line under the plot (it wraps there), so it hides no data points and
        # is never cut off with the title.
        def shown(n, limit):
            return "" if n <= limit else f" ({limit:,} of {n:,} shown)"

        markers = [("train" + shown(len(data.X_train), MAX_TRAIN_POINTS), "#555", "●")]
        if len(data.X_test):
            markers.append(("test" + shown(len(data.X_test), MAX_TEST_POINTS), "#000", "▼"))
        self._heading = titles[self.kind]
        self.set_title()
        self._show_class_legend(markers)
        self.discretize_check.setVisible(self.kind == "heatmap" and data.task != "regression")
        self._show_colorbar(False)
        labels = {"heatmap": data.feature_names[:2] if self.plane is None else self.plane.labels(),
                  "curve": (data.feature_names[0], data.target_name),
                  "pred_vs_actual": (f"actual {data.target_name}", f"predicted {data.target_name}"),
                  "projection": ("PC 1", "PC 2")}[self.kind]
        self.plot.setLabel("bottom", labels[0])
        self.plot.setLabel("left", labels[1])
        if not keep_view:
            self.plot.enableAutoRange()
        if data.task == "regression":
            self.paint.set_target(None, regression=True, value_range=self._target_range())
        else:
            self.paint.set_target(data.classes)
        self.paint.set_points(np.vstack([data.X_train, data.X_val, data.X_test]) if self.plane is None and d == 2
                              else np.zeros((0, 2)))

    def set_paintable(self, on: bool) -> None:
        """Show the paint tools (2-D built-in or painted data) or hide them (and end any paint mode)."""
        on = bool(on) and self.kind == "heatmap" and self.plane is None
        if not on:
            self.paint.paint_button.setChecked(False)
            self.paint.erase_button.setChecked(False)
        self.paint.setVisible(on)

    def _setup_grid(self) -> None:
        X = np.vstack([self.data.X_train, self.data.X_val, self.data.X_test])
        lo, hi = X.min(0), X.max(0)
        pad = 0.08 * np.maximum(hi - lo, 1e-9)
        lo, hi = lo - pad, hi + pad
        gx, gy = np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID)
        xx, yy = np.meshgrid(gx, gy, indexing="ij")      # [i, j] ↔ (x_i, y_j): col-major image layout
        self._grid = np.column_stack([xx.ravel(), yy.ravel()])
        self._rect = QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])

    def _setup_plane(self) -> None:
        self.plane = plane = self.plane_controls.plane()
        self._grid_scaled = plane.grid(GRID)
        lo, hi = plane.lo, plane.hi
        self._rect = QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])

    def _plane_changed(self) -> None:
        self._setup_plane()
        if self.neuron is None:
            self.set_title()
        self.plot.setLabel("bottom", self.plane.labels()[0])
        self.plot.setLabel("left", self.plane.labels()[1])
        self._draw_points(None)
        self.plot.enableAutoRange()
        self._redraw_last()

    def _show_class_legend(self, markers=()) -> None:
        """One wrapping line under the plot: the point markers ``(label, colour, glyph)``, then the classes."""
        d = self.data
        parts = [f"<span style='color:{color}'>{glyph}</span>&nbsp;{html.escape(label)}"
                 for label, color, glyph in markers]
        if d.task != "regression" and d.classes:
            names = [f"not {d.classes[0]}", str(d.classes[0])] if d.task == "multilabel" else d.classes
            parts += [f"<span style='color:rgb({int(c[0])},{int(c[1])},{int(c[2])})'>●</span>&nbsp;"
                      f"{html.escape(name)}" for name, c in ((n, class_color(k)) for k, n in enumerate(names))]
            parts.append("<span style='color:#d00000'>✕</span>&nbsp;misclassified")
        # a space between entries (not &nbsp;) so the line may wrap there
        self.class_legend.setText("&nbsp; ".join(parts))

    # ------------------------------------------------------------------ points
    def _brushes(self, y: np.ndarray, alpha: int = 230):
        # One shared brush per colour: pyqtgraph renders a symbol once per distinct brush object.
        if self.data.task != "regression":
            shared = {}
            return [shared.setdefault(int(k), pg.mkBrush(*class_color(int(k)), alpha)) for k in self._labels(y)]
        lut = pg.colormap.get("viridis").getLookupTable(nPts=64, mode="byte")
        shared = [pg.mkBrush(*rgb[:3], alpha) for rgb in lut]
        lo, hi = self._target_range()
        t = np.clip((np.asarray(y, dtype=float).reshape(len(y), -1)[:, 0] - lo) / max(hi - lo, 1e-12), 0, 1)
        return [shared[i] for i in np.rint(t * 63).astype(int)]

    def _labels(self, y: np.ndarray) -> np.ndarray:
        """Class indices of the points: the labels, or for multi-label data the first label's 0/1."""
        y = np.asarray(y)
        return y[:, 0].astype(np.int64) if self.data.task == "multilabel" else y

    @staticmethod
    def _subset(n: int, limit: int) -> np.ndarray:
        """Indices of the points drawn: all of them, or a fixed random subset of ``limit``."""
        if n <= limit:
            return np.arange(n)
        return np.sort(np.random.default_rng(0).choice(n, size=limit, replace=False))

    def _target_range(self):
        y = np.asarray(self.data.y_train, dtype=float).reshape(len(self.data.y_train), -1)[:, 0]
        return float(y.min()), float(y.max())

    def _draw_points(self, predict: Optional[Callable]) -> None:
        d = self.data
        for item, X, y, pen, limit in ((self.train_points, d.X_train, d.y_train, pg.mkPen("w", width=1),
                                        MAX_TRAIN_POINTS),
                                       (self.test_points, d.X_test, d.y_test, pg.mkPen("k", width=1.2),
                                        MAX_TEST_POINTS)):
            if len(X) == 0:
                item.setData([], [])
                continue
            keep = self._subset(len(X), limit)
            X, y = X[keep], y[keep]
            first = np.asarray(y, dtype=float).reshape(len(y), -1)[:, 0]
            if self.kind == "heatmap" and self.plane is None:
                pos = X
            elif self.kind == "curve":
                pos = np.column_stack([X[:, 0], first])
            elif self.plane is not None:
                pos = self.plane.project(X)
            else:  # predicted vs actual needs the model
                if predict is None:
                    item.setData([], [])
                    continue
                pos = np.column_stack([first, self._outputs(predict, d.scale(X))[:, 0]])
            item.setData(pos=pos, brush=self._brushes(y), pen=pen, data=keep)
        if self.kind == "pred_vs_actual" and predict is not None:
            lo, hi = self._target_range()
            self.diagonal.setData([lo, hi], [lo, hi])

    # ------------------------------------------------------------------ model
    @staticmethod
    def _outputs(predict: Callable, Xs: np.ndarray) -> np.ndarray:
        out = np.asarray(predict(Xs), dtype=np.float64)
        return out.reshape(len(Xs), -1)

    def grid_inputs(self) -> Optional[np.ndarray]:
        """The heatmap's grid points in the network's input space (None without a 2-D plane to show)."""
        if self.kind != "heatmap":
            return None
        return self.data.scale(self._grid) if self.plane is None else self._grid_scaled

    def show_map(self, title: Optional[str], values: Optional[np.ndarray] = None) -> None:
        """Show one neuron's output over the plane (values on the grid), or go back to the model (title None)."""
        self.neuron = None if title is None else (title, np.asarray(values, dtype=np.float64))
        if self.neuron is None:
            self.set_title()
            self._redraw_last()
            return
        v = self.neuron[1].reshape(GRID, GRID)
        lim = float(np.nanmax(np.abs(v))) or 1.0
        self.image.setLookupTable(NEURON_MAP.getLookupTable(nPts=256))
        self.image.setImage(v, levels=(-lim, lim), autoLevels=False)
        self.image.setOpacity(0.9)
        self.image.setRect(self._rect)
        self.colorbar.setLevels((-lim, lim))
        self.colorbar.setColorMap(NEURON_MAP)
        self._show_colorbar(True)
        self.set_title(f"<b>{title}</b> (hovered)")
        self.last_image = v

    def _redraw_last(self) -> None:
        if self.request_outputs is not None:
            self.request_outputs()          # the window evaluates the model (off the UI thread when large)
        elif self._predict is not None:
            self.update_model(self._predict)

    def model_inputs(self) -> dict:
        """The scaled inputs the current view needs the model's outputs for: ``{"grid", "train", "test"}`` (the
        heatmap and its misclassified marks) or ``{"curve"}`` (1-D regression); empty without data."""
        d = self.data
        if d is None:
            return {}
        if self.kind == "heatmap":
            inputs = {"grid": self.grid_inputs()}
            if d.task != "regression":
                for name, X, limit in (("train", d.X_train, MAX_TRAIN_POINTS), ("test", d.X_test, MAX_TEST_POINTS)):
                    if len(X):
                        inputs[name] = d.scale(X[self._subset(len(X), limit)])
            return inputs
        if self.kind == "curve":
            return {"curve": self.data.scale(self._curve_xs())}
        return {}

    def update_model(self, predict: Optional[Callable]) -> None:
        """Re-evaluate the model (``predict`` maps scaled inputs to outputs) and redraw."""
        if self.data is None or predict is None:
            return
        self._predict = predict
        if self.neuron is not None:
            return                 # the hovered neuron's map stays until the mouse leaves it
        if self.kind == "pred_vs_actual":
            self._draw_points(predict)
            return
        self.show_outputs({k: self._outputs(predict, x) for k, x in self.model_inputs().items()})

    def show_outputs(self, outputs: dict) -> None:
        """Redraw from the model's outputs on :meth:`model_inputs` (computed elsewhere, e.g. in the background)."""
        if self.data is None or self.neuron is not None or not outputs:
            return
        outputs = {k: np.asarray(v, dtype=np.float64).reshape(len(v), -1) for k, v in outputs.items()}
        if self.kind == "heatmap" and "grid" in outputs:
            self._last_out = outputs["grid"]
            self._draw_heatmap(outputs["grid"])
            self._mark_misclassified(outputs)
        elif self.kind == "curve" and "curve" in outputs:
            self._draw_curves(outputs["curve"])

    def _mark_misclassified(self, outputs: dict) -> None:
        """A red ✕ on every drawn training/test point whose predicted class is wrong."""
        d = self.data
        if d.task == "regression":
            self.wrong_points.setData([], [])
            return
        spots = []
        for name, X, y, limit in (("train", d.X_train, d.y_train, MAX_TRAIN_POINTS),
                                  ("test", d.X_test, d.y_test, MAX_TEST_POINTS)):
            if not len(X) or name not in outputs:
                continue
            keep = self._subset(len(X), limit)
            out = outputs[name]
            if d.task == "multilabel":
                out = out[:, :1]
            pred = (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else out.argmax(1)
            wrong = pred != self._labels(np.asarray(y)[keep])
            pos = X[keep][wrong] if self.plane is None else self.plane.project(X[keep][wrong])
            spots.append(pos)
        pos = np.vstack(spots) if spots else np.zeros((0, 2))
        self.wrong_points.setData(pos=pos)
        self.n_wrong = len(pos)

    def _draw_heatmap(self, out: np.ndarray) -> None:
        if self.data.task == "regression":
            lo, hi = self._target_range()
            img = out[:, 0].reshape(GRID, GRID)
            self.image.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
            self.image.setImage(img, levels=(lo, hi), autoLevels=False)
            self.image.setOpacity(0.85)
            self.colorbar.setColorMap(pg.colormap.get("viridis"))
            self.colorbar.setLevels((lo, hi))
            self._show_colorbar(True)
        else:
            self._show_colorbar(False)
            if self.data.task == "multilabel":
                out = out[:, :1]           # the first label's probability
            if out.shape[1] == 1:          # one sigmoid (or perceptron label / linear score): p(class 1)
                p1 = np.clip(out[:, 0], 0.0, 1.0)
                probs = np.column_stack([1.0 - p1, p1])
            elif np.all(out >= -1e-9) and np.allclose(out.sum(1), 1.0, atol=1e-3):
                probs = out                # softmax: blend class colours by probability
            else:                          # scores (linear / several sigmoids): colour of the best class
                probs = np.zeros_like(out)
                probs[np.arange(len(out)), out.argmax(1)] = 1.0
            if self.discretize_check.isChecked():     # hard classes: the decision regions only
                hard = np.zeros_like(probs)
                hard[np.arange(len(probs)), probs.argmax(1)] = 1.0
                probs = hard
            colors = np.array([class_color(k) for k in range(probs.shape[1])])
            confidence = probs.max(1, keepdims=True)
            # Fade to white where the model is unsure, so the boundary (p≈1/K) stands out.
            k = probs.shape[1]
            strength = np.clip((confidence - 1.0 / k) / (1.0 - 1.0 / k), 0, 1) * 0.75
            # Elementwise rather than a BLAS matmul: BLAS threads would compete with the training core.
            mixed = sum(probs[:, j, None] * colors[j] for j in range(k))
            rgb = mixed * strength + 255.0 * (1 - strength)
            img = rgb.reshape(GRID, GRID, 3).astype(np.uint8)
            self.image.setLookupTable(None)
            self.image.setImage(img, autoLevels=False, levels=(0, 255))
            self.image.setOpacity(1.0)
        self.image.setRect(self._rect)     # after setImage: the rect maps the image's pixels to data units
        self.last_image = img

    def _curve_xs(self) -> np.ndarray:
        X = np.vstack([self.data.X_train, self.data.X_val, self.data.X_test])
        lo, hi = X[:, 0].min(), X[:, 0].max()
        pad = 0.05 * max(hi - lo, 1e-9)
        return np.linspace(lo - pad, hi + pad, 400).reshape(-1, 1)

    def _draw_curves(self, out: np.ndarray) -> None:
        xs = self._curve_xs()
        while len(self.curves) < out.shape[1]:
            curve = pg.PlotCurveItem(pen=pg.mkPen(pg.mkColor(*class_color(len(self.curves) + 3)), width=3))
            self.plot.addItem(curve)
            self.curves.append(curve)
        for j, curve in enumerate(self.curves):
            curve.setData(xs[:, 0], out[:, j])
        self.last_image = out
