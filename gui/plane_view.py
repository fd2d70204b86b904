"""Which 2-D plane of a wide input space the output plot shows: a slice through two chosen inputs (the others held
at slider values, their medians by default) or the plane of the first two principal components (grid points mapped
back to the inputs through the inverse transform). Pure geometry plus the small widget that chooses it."""
from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QFrame, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QSlider,
                               QStyle, QVBoxLayout, QWidget)

from pyffnn_gui.wheel_guard import WheelGuard

SLIDER_STEPS = 200
VISIBLE_SLIDER_ROWS = 4     # more held inputs than this scroll, so the plot above keeps its room
NAME_WIDTH = 130            # pixels for an input's name beside its slider (a longer one is cut; tooltip)


def default_axes(X: np.ndarray) -> Tuple[int, int]:
    """The first two inputs that take more than two values (a one-hot or missing-indicator column makes a poor
    axis: the map over it shows two lines); the first two inputs when fewer are."""
    varied = [k for k in range(X.shape[1]) if len(np.unique(X[:, k])) > 2]
    if len(varied) >= 2:
        return varied[0], varied[1]
    rest = [k for k in range(X.shape[1]) if k not in varied]
    return tuple((varied + rest)[:2])


class Plane:
    """A plane through the (scaled) input space: ``grid(G)`` gives the network inputs of a G×G grid and the
    plot rectangle; ``project(X_raw)`` gives the plot coordinates of data points."""

    def __init__(self, data, mode: str = "slice", axes: Tuple[int, int] = (0, 1),
                 fixed: Optional[np.ndarray] = None):
        self.data, self.mode, self.axes = data, mode, tuple(axes)
        X = np.vstack([data.X_train, data.X_val, data.X_test])
        self.fixed = np.median(data.X_train, axis=0) if fixed is None else np.asarray(fixed, dtype=np.float64)
        if mode == "pca":
            Xs = data.Xs_train
            self.mean = Xs.mean(0)
            _, _, vt = np.linalg.svd(Xs - self.mean, full_matrices=False)
            self.comps = vt[:2].T                      # (d, 2): PC directions in the scaled input space
            P = self.project(X)
        else:
            P = X[:, list(self.axes)]
        lo, hi = P.min(0), P.max(0)
        pad = 0.08 * np.maximum(hi - lo, 1e-9)
        self.lo, self.hi = lo - pad, hi + pad

    def labels(self) -> Tuple[str, str]:
        if self.mode == "pca":
            return "PC 1", "PC 2"
        names = self.data.feature_names
        return names[self.axes[0]], names[self.axes[1]]

    def project(self, X: np.ndarray) -> np.ndarray:
        """Plot coordinates of raw data rows."""
        if self.mode == "pca":
            return (self.data.scale(X) - self.mean) @ self.comps
        return np.asarray(X)[:, list(self.axes)]

    def grid(self, n: int) -> np.ndarray:
        """Network inputs (scaled) of an n×n grid over the plane, ``[i * n + j]`` ↔ (u_i, v_j)."""
        u, v = np.linspace(self.lo[0], self.hi[0], n), np.linspace(self.lo[1], self.hi[1], n)
        uu, vv = np.meshgrid(u, v, indexing="ij")
        P = np.column_stack([uu.ravel(), vv.ravel()])
        if self.mode == "pca":
            return self.mean + P @ self.comps.T        # back through the inverse of the projection
        raw = np.tile(self.fixed, (len(P), 1))
        raw[:, self.axes[0]], raw[:, self.axes[1]] = P[:, 0], P[:, 1]
        return self.data.scale(raw)


class PlaneControls(QWidget):
    """Chooses the plane for data with more than two inputs; emits ``changed`` on every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget = None):
        super().__init__(parent)
        self.mode_combo = QComboBox()
        self.mode_combo.addItem("Slice through two inputs", "slice")
        self.mode_combo.addItem("Plane of the first two principal components", "pca")
        self.x_combo, self.y_combo = QComboBox(), QComboBox()
        for combo in (self.mode_combo, self.x_combo, self.y_combo):
            combo.currentIndexChanged.connect(self._edited)
        for combo, chars in ((self.mode_combo, 8), (self.x_combo, 4), (self.y_combo, 4)):
            # long item texts (column names) must not widen the plot, and the window with it
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(chars)
            combo.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.sliders_inner = QWidget()
        self.sliders_form = QFormLayout(self.sliders_inner)
        self.sliders_form.setContentsMargins(0, 0, 0, 0)
        self.sliders_box = QScrollArea()          # the held inputs: a few rows visible, the rest scroll
        self.sliders_box.setWidget(self.sliders_inner)
        self.sliders_box.setWidgetResizable(True)
        self.sliders_box.setFrameShape(QFrame.NoFrame)
        self.sliders_box.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self._wheel_guard = WheelGuard(self)
        self._wheel_guard.guard([self.mode_combo, self.x_combo, self.y_combo])
        row = QHBoxLayout()          # the mode on a line of its own: the plot fits a narrow window
        row.addWidget(QLabel("x"))
        row.addWidget(self.x_combo)
        row.addWidget(QLabel("y"))
        row.addWidget(self.y_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(2)
        layout.addWidget(self.mode_combo)
        layout.addLayout(row)
        layout.addWidget(self.sliders_box)
        self.data = None
        self.sliders: List[QSlider] = []
        self.slider_labels: List[QLabel] = []
        self._ranges = None
        self._updating = False

    def set_data(self, data) -> None:
        self._updating = True
        try:
            self.data = data
            names = data.feature_names
            for combo, index in zip((self.x_combo, self.y_combo), default_axes(data.X_train)):
                combo.clear()
                combo.addItems(names)
                combo.setCurrentIndex(index)
            X = np.vstack([data.X_train, data.X_val, data.X_test])
            self._ranges = (X.min(0), X.max(0))
            self.median = np.median(data.X_train, axis=0)
            while self.sliders_form.rowCount():
                self.sliders_form.removeRow(0)
            self.sliders, self.slider_labels = [], []
            for k, name in enumerate(names):
                slider = QSlider(Qt.Horizontal)
                slider.setRange(0, SLIDER_STEPS)
                self._wheel_guard.guard([slider])      # the wheel scrolls the list; it moves a slider with focus
                slider.valueChanged.connect(self._edited)
                label = QLabel("")
                label.setMinimumWidth(60)
                box = QHBoxLayout()
                box.addWidget(slider, 1)
                box.addWidget(label)
                name_label = QLabel(name)
                name_label.setToolTip(name)
                name_label.setMaximumWidth(NAME_WIDTH)
                self.sliders_form.addRow(name_label, box)
                self.sliders.append(slider)
                self.slider_labels.append(label)
                self.set_value(k, self.median[k])
        finally:
            self._updating = False
        self._fit_slider_rows()
        self._show_sliders()

    def _fit_slider_rows(self) -> None:
        """As tall as the rows when there are few; ``VISIBLE_SLIDER_ROWS`` rows and a scroll bar when there are more.
        The row height comes from the widgets' own hints: the form's size hint is not final before it is shown."""
        n = len(self.sliders)
        if not n:
            return
        spacing = self.sliders_form.verticalSpacing()
        if spacing < 0:
            spacing = self.style().pixelMetric(QStyle.PM_LayoutVerticalSpacing)
        row = max(self.sliders[0].sizeHint().height(), self.slider_labels[0].sizeHint().height()) + max(spacing, 0)
        self.sliders_box.setFixedHeight(row * min(n, VISIBLE_SLIDER_ROWS))

    def set_value(self, k: int, value: float) -> None:
        """Hold input ``k`` at ``value`` (raw units) for the slice."""
        lo, hi = self._ranges[0][k], self._ranges[1][k]
        t = 0.0 if hi <= lo else (value - lo) / (hi - lo)
        self.sliders[k].setValue(int(round(np.clip(t, 0, 1) * SLIDER_STEPS)))

    def values(self) -> np.ndarray:
        lo, hi = self._ranges
        t = np.array([s.value() / SLIDER_STEPS for s in self.sliders])
        return lo + t * (hi - lo)

    def plane(self) -> Plane:
        mode = self.mode_combo.currentData()
        axes = (self.x_combo.currentIndex(), self.y_combo.currentIndex())
        if axes[0] == axes[1]:
            axes = (axes[0], (axes[0] + 1) % len(self.sliders))
        return Plane(self.data, mode, axes, self.values())

    def _show_sliders(self) -> None:
        slice_mode = self.mode_combo.currentData() == "slice"
        axes = (self.x_combo.currentIndex(), self.y_combo.currentIndex())
        for combo in (self.x_combo, self.y_combo):
            combo.setEnabled(slice_mode)
        values = self.values() if self.sliders else []
        for k, (slider, label) in enumerate(zip(self.sliders, self.slider_labels)):
            active = slice_mode and k not in axes
            slider.setEnabled(active)
            label.setText(f"{values[k]:.3g}" if active else "axis" if slice_mode else "")
        self.sliders_box.setVisible(slice_mode)

    def _edited(self, *_) -> None:
        if self._updating or self.data is None:
            return
        self._show_sliders()
        self.changed.emit()
