"""Live loss (and accuracy) curves for the training and validation sets, with a log-scale option and a hover
readout (the epoch under the pointer and the curves' values there)."""
from __future__ import annotations

from typing import Dict

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from pyffnn_gui.plot_style import LogAxis, fit_title, plain_axes

TRAIN_COLOR, VAL_COLOR = "#1f77b4", "#ff7f0e"
TRAIN_PEN = pg.mkPen(TRAIN_COLOR, width=2)
VAL_PEN = pg.mkPen(VAL_COLOR, width=2)
LEGEND = (("train", TRAIN_COLOR), ("validation", VAL_COLOR))


class LossPlot(QWidget):
    """Two stacked plots (loss, accuracy). ``set_history`` redraws with ``setData`` on the growing arrays.

    The legend is part of each title line, so it never hides the end of a curve.
    """

    def __init__(self, parent: QWidget = None):
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.loss_plot = self.graphics.addPlot(row=0, col=0, axisItems={"left": LogAxis("left")})
        self.acc_plot = self.graphics.addPlot(row=1, col=0)
        fit_title(self.loss_plot, "Loss", LEGEND)
        fit_title(self.acc_plot, "Accuracy", LEGEND)
        self.acc_plot.setXLink(self.loss_plot)
        for plot in (self.loss_plot, self.acc_plot):
            plot.showGrid(x=True, y=True, alpha=0.3)
            plain_axes(plot)
            plot.setLabel("bottom", "epoch")
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
        self.acc_plot.setYRange(0, 1.02)
        self.train_loss = self.loss_plot.plot([], [], pen=TRAIN_PEN, name="train")
        self.val_loss = self.loss_plot.plot([], [], pen=VAL_PEN, name="validation")
        self.train_acc = self.acc_plot.plot([], [], pen=TRAIN_PEN, name="train")
        self.val_acc = self.acc_plot.plot([], [], pen=VAL_PEN, name="validation")
        self.log_check = QCheckBox("Log-scale loss")
        self.log_check.toggled.connect(lambda on: self.loss_plot.setLogMode(y=on))
        self.readout = QLabel("")
        self.readout.setToolTip("The epoch under the pointer and the curves' values there")
        self.cursor_lines = []
        for plot in (self.loss_plot, self.acc_plot):
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#999", style=pg.QtCore.Qt.DotLine))
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self.cursor_lines.append(line)
        self._history: Dict[str, np.ndarray] = {}
        self.graphics.scene().sigMouseMoved.connect(self._mouse_moved)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 4, 0)
        bottom.addWidget(self.log_check)
        bottom.addWidget(self.readout, 1)
        layout.addLayout(bottom)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        layout.addWidget(self.note)
        self.set_classification(True)

    def reset_range(self) -> None:
        """After Reset or a new network: forget the old curves' range so the new curve fills the plot."""
        for curve in (self.train_loss, self.val_loss, self.train_acc, self.val_acc):
            curve.setData([], [])
        # with no data auto-range keeps whatever range the old curves had: start from the empty plot's own range
        self.loss_plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self.loss_plot.enableAutoRange()
        self.acc_plot.enableAutoRange(x=True)
        self.acc_plot.setYRange(0, 1.02)

    def set_note(self, text: str) -> None:
        """A line under the plots (e.g. why there is no curve in perceptron mode)."""
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def set_classification(self, classification: bool) -> None:
        """Accuracy only means something for classification; hide that plot otherwise."""
        self.acc_plot.setVisible(classification)

    def set_history(self, history: Dict[str, np.ndarray]) -> None:
        self._history = history
        for curve, key in ((self.train_loss, "loss"), (self.val_loss, "val_loss"),
                           (self.train_acc, "accuracy"), (self.val_acc, "val_accuracy")):
            y = np.asarray(history.get(key, ()), dtype=np.float64)
            if y.size == 0 or np.all(np.isnan(y)):
                curve.setData([], [])
                continue
            x = np.arange(1, y.size + 1, dtype=np.float64)
            ok = np.isfinite(y)
            if self.log_check.isChecked() and key.endswith("loss"):
                ok &= y > 0
            curve.setData(x[ok], y[ok])

    def readout_at(self, epoch: int, plot: str = "loss") -> str:
        """The readout for ``epoch`` (1-based) on the ``"loss"`` or ``"accuracy"`` plot ("" outside the curves)."""
        keys = ("loss", "val_loss") if plot == "loss" else ("accuracy", "val_accuracy")
        parts = []
        for key, label in zip(keys, ("train", "validation")):
            values = np.asarray(self._history.get(key, ()), dtype=np.float64)
            if 1 <= epoch <= values.size and np.isfinite(values[epoch - 1]):
                v = values[epoch - 1]
                parts.append(f"{label} {v:.1%}" if plot == "accuracy" else f"{label} {v:.4g}")
        return f"epoch {epoch} · {plot}: " + ", ".join(parts) if parts else ""

    def leaveEvent(self, event):  # noqa: N802 (Qt's name)
        self.readout.setText("")
        for line in self.cursor_lines:
            line.setVisible(False)
        super().leaveEvent(event)

    def _mouse_moved(self, pos) -> None:
        for name, plot in (("loss", self.loss_plot), ("accuracy", self.acc_plot)):
            if plot.isVisible() and plot.vb.sceneBoundingRect().contains(pos):
                epoch = int(round(plot.vb.mapSceneToView(pos).x()))
                text = self.readout_at(epoch, name)
                self.readout.setText(text)
                for line in self.cursor_lines:
                    line.setPos(epoch)
                    line.setVisible(bool(text))
                return
        self.readout.setText("")
        for line in self.cursor_lines:
            line.setVisible(False)

    def curve(self, name: str):
        """(x, y) arrays of a curve: ``"loss"``, ``"val_loss"``, ``"accuracy"`` or ``"val_accuracy"``."""
        item = {"loss": self.train_loss, "val_loss": self.val_loss,
                "accuracy": self.train_acc, "val_accuracy": self.val_acc}[name]
        x, y = item.getOriginalDataset()    # all of it: getData() is what the current view range clips
        return (np.array([]) if x is None else x), (np.array([]) if y is None else y)
