"""Output heatmap / decision boundary behind the data points (2-D inputs), fitted curve (1-D regression), or a
2-D projection / predicted-vs-actual view for wider data.

The model is evaluated through a ``predict(X_scaled)`` callable the window supplies (a pyffnn network holding a
weight snapshot, or a fitted ``pyffnn.Perceptron``); nothing here computes a network output itself.
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from pyffnn_gui.data_source import PreparedData
from pyffnn_gui.plot_style import title_with_legend

CLASS_COLORS = np.array([[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
                         [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]],
                        dtype=np.float64)
GRID = 100
# Drawing every point of a big data set would take seconds per repaint (and block Pause); beyond these counts a
# fixed random subset is drawn and the title says so.
MAX_TRAIN_POINTS = 3000
MAX_TEST_POINTS = 1500


def class_color(k: int) -> np.ndarray:
    return CLASS_COLORS[k % len(CLASS_COLORS)]


class BoundaryPlot(QWidget):
    """Shows what the model outputs over the input space, with train (●) and test (▲) points on top."""

    def __init__(self, parent: QWidget = None):
        super().__init__(parent)
        self.widget = pg.PlotWidget()
        self.plot = self.widget.getPlotItem()
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget)
        self.data: Optional[PreparedData] = None
        self.kind = "none"
        self.last_image: Optional[np.ndarray] = None
        self._grid = None
        self._projection = None

    # ------------------------------------------------------------------ data
    def clear_data(self) -> None:
        """No data loaded (e.g. a project whose data file is missing): an empty plot that says so."""
        self.data = None
        self.kind = "none"
        self.last_image = None
        self.image.clear()
        self.train_points.setData([], [])
        self.test_points.setData([], [])
        self.plot.setTitle("No data loaded")

    def set_data(self, data: PreparedData) -> None:
        """Draw the points and choose the view for this data (heatmap, curve, or projection)."""
        self.data = data
        self.last_image = None
        self.image.clear()
        for c in self.curves:
            self.plot.removeItem(c)
        self.curves = []
        if self.diagonal.scene() is not None:
            self.plot.removeItem(self.diagonal)
        d = data.n_features
        if d == 2:
            self.kind = "heatmap"
            self._setup_grid()
        elif d == 1:
            self.kind = "curve"
        elif data.task == "regression":
            self.kind = "pred_vs_actual"
            self.plot.addItem(self.diagonal)
        else:
            self.kind = "projection"
            self._setup_projection()
        self._draw_points(None)
        titles = {"heatmap": "Decision boundary" if data.task != "regression" else "Output surface",
                  "curve": "Fitted curve", "pred_vs_actual": "Predicted vs actual",
                  "projection": f"Data on its first two principal components ({d} features)"}
        # The marker legend sits in the title line, so it hides no data points.
        def shown(n, limit):
            return "" if n <= limit else f" ({limit:,} of {n:,} shown)"

        markers = [("train" + shown(len(data.X_train), MAX_TRAIN_POINTS), "#555", "●")]
        if len(data.X_test):
            markers.append(("test" + shown(len(data.X_test), MAX_TEST_POINTS), "#000", "▼"))
        self.plot.setTitle(title_with_legend(titles[self.kind], markers))
        labels = {"heatmap": data.feature_names[:2], "curve": (data.feature_names[0], data.target_name),
                  "pred_vs_actual": (f"actual {data.target_name}", f"predicted {data.target_name}"),
                  "projection": ("PC 1", "PC 2")}[self.kind]
        self.plot.setLabel("bottom", labels[0])
        self.plot.setLabel("left", labels[1])
        self.plot.enableAutoRange()

    def _setup_grid(self) -> None:
        X = np.vstack([self.data.X_train, self.data.X_val, self.data.X_test])
        lo, hi = X.min(0), X.max(0)
        pad = 0.08 * np.maximum(hi - lo, 1e-9)
        lo, hi = lo - pad, hi + pad
        gx, gy = np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID)
        xx, yy = np.meshgrid(gx, gy, indexing="ij")      # [i, j] ↔ (x_i, y_j): col-major image layout
        self._grid = np.column_stack([xx.ravel(), yy.ravel()])
        self._rect = QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])

    def _setup_projection(self) -> None:
        X = self.data.Xs_train
        mean = X.mean(0)
        _, _, vt = np.linalg.svd(X - mean, full_matrices=False)
        self._projection = (mean, vt[:2].T)

    def _project(self, X: np.ndarray) -> np.ndarray:
        mean, comps = self._projection
        return (self.data.scale(X) - mean) @ comps

    # ------------------------------------------------------------------ points
    def _brushes(self, y: np.ndarray, alpha: int = 230):
        # One shared brush per colour: pyqtgraph renders a symbol once per distinct brush object.
        if self.data.task != "regression":
            shared = {}
            return [shared.setdefault(int(k), pg.mkBrush(*class_color(int(k)), alpha)) for k in y]
        lut = pg.colormap.get("viridis").getLookupTable(nPts=64, mode="byte")
        shared = [pg.mkBrush(*rgb[:3], alpha) for rgb in lut]
        lo, hi = self._target_range()
        t = np.clip((np.asarray(y, dtype=float).reshape(len(y), -1)[:, 0] - lo) / max(hi - lo, 1e-12), 0, 1)
        return [shared[i] for i in np.rint(t * 63).astype(int)]

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
            if self.kind == "heatmap":
                pos = X
            elif self.kind == "curve":
                pos = np.column_stack([X[:, 0], first])
            elif self.kind == "projection":
                pos = self._project(X)
            else:  # predicted vs actual needs the model
                if predict is None:
                    item.setData([], [])
                    continue
                pos = np.column_stack([first, self._outputs(predict, d.scale(X))[:, 0]])
            item.setData(pos=pos, brush=self._brushes(y), pen=pen)
        if self.kind == "pred_vs_actual" and predict is not None:
            lo, hi = self._target_range()
            self.diagonal.setData([lo, hi], [lo, hi])

    # ------------------------------------------------------------------ model
    @staticmethod
    def _outputs(predict: Callable, Xs: np.ndarray) -> np.ndarray:
        out = np.asarray(predict(Xs), dtype=np.float64)
        return out.reshape(len(Xs), -1)

    def update_model(self, predict: Optional[Callable]) -> None:
        """Re-evaluate the model (``predict`` maps scaled inputs to outputs) and redraw."""
        if self.data is None or predict is None:
            return
        if self.kind == "heatmap":
            out = self._outputs(predict, self.data.scale(self._grid))
            self._draw_heatmap(out)
        elif self.kind == "curve":
            self._draw_curves(predict)
        elif self.kind == "pred_vs_actual":
            self._draw_points(predict)
        elif self.kind == "projection":
            pass  # points already show the true classes; accuracy lives in the loss panel

    def _draw_heatmap(self, out: np.ndarray) -> None:
        if self.data.task == "regression":
            lo, hi = self._target_range()
            img = out[:, 0].reshape(GRID, GRID)
            self.image.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
            self.image.setImage(img, levels=(lo, hi), autoLevels=False)
            self.image.setOpacity(0.85)
        else:
            if out.shape[1] == 1:          # one sigmoid (or perceptron label / linear score): p(class 1)
                p1 = np.clip(out[:, 0], 0.0, 1.0)
                probs = np.column_stack([1.0 - p1, p1])
            elif np.all(out >= -1e-9) and np.allclose(out.sum(1), 1.0, atol=1e-3):
                probs = out                # softmax: blend class colours by probability
            else:                          # scores (linear / several sigmoids): colour of the best class
                probs = np.zeros_like(out)
                probs[np.arange(len(out)), out.argmax(1)] = 1.0
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

    def _draw_curves(self, predict: Callable) -> None:
        X = np.vstack([self.data.X_train, self.data.X_val, self.data.X_test])
        lo, hi = X[:, 0].min(), X[:, 0].max()
        pad = 0.05 * max(hi - lo, 1e-9)
        xs = np.linspace(lo - pad, hi + pad, 400).reshape(-1, 1)
        out = self._outputs(predict, self.data.scale(xs))
        while len(self.curves) < out.shape[1]:
            curve = pg.PlotCurveItem(pen=pg.mkPen(pg.mkColor(*class_color(len(self.curves) + 3)), width=3))
            self.plot.addItem(curve)
            self.curves.append(curve)
        for j, curve in enumerate(self.curves):
            curve.setData(xs[:, 0], out[:, j])
        self.last_image = out
