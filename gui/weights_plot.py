"""Per-layer weight histograms and gradient norms over time, so vanishing or exploding gradients are visible."""
from __future__ import annotations

from typing import List, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


class WeightsPlot(QWidget):
    """Top: histogram of each layer's weights W(l). Bottom: ‖∂E/∂W(l)‖ per layer against the epoch (log scale)."""

    def __init__(self, parent: QWidget = None):
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.hist_plot = self.graphics.addPlot(row=0, col=0, title="Weight histograms per layer")
        self.grad_plot = self.graphics.addPlot(row=1, col=0, title="Gradient norm ‖∂E/∂W‖ per layer")
        self.hist_plot.setLabel("bottom", "weight")
        self.grad_plot.setLabel("bottom", "epoch")
        self.grad_plot.setLogMode(y=True)
        for p in (self.hist_plot, self.grad_plot):
            p.showGrid(x=True, y=True, alpha=0.3)
        self.hist_legend = self.hist_plot.addLegend(offset=(-10, 10))
        self.grad_legend = self.grad_plot.addLegend(offset=(-10, 10))
        self.hist_curves: List[pg.PlotDataItem] = []
        self.grad_curves: List[pg.PlotDataItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)

    def set_layers(self, n_layers: int) -> None:
        for p, legend in ((self.hist_plot, self.hist_legend), (self.grad_plot, self.grad_legend)):
            p.clear()
            legend.clear()
        self.hist_curves, self.grad_curves = [], []
        for legend in (self.hist_legend, self.grad_legend):
            legend.setColumnCount(max(1, min(n_layers, 4)))    # one row, so no layer's entry is hidden
        for li in range(n_layers):
            color = PALETTE[li % len(PALETTE)]
            name = f"W({li + 1})"
            self.hist_curves.append(self.hist_plot.plot([0, 1], [0], stepMode="center", pen=pg.mkPen(color, width=2),
                                                        name=name))
            self.grad_curves.append(self.grad_plot.plot([], [], pen=pg.mkPen(color, width=2), name=name))

    def set_weights(self, layers: Sequence[tuple]) -> None:
        """Histograms of ``W`` from ``[(W, b), ...]`` on a shared bin range."""
        if len(layers) != len(self.hist_curves):
            return
        everything = np.concatenate([W.ravel() for W, _ in layers])
        lim = float(np.abs(everything).max()) or 1.0
        edges = np.linspace(-lim, lim, 41)
        for curve, (W, _) in zip(self.hist_curves, layers):
            counts, _ = np.histogram(W.ravel(), bins=edges)
            curve.setData(edges, counts / max(W.size, 1))

    def set_grad_norms(self, epochs: Sequence[int], norms: Sequence[Sequence[float]]) -> None:
        if not len(norms) or len(norms[0]) != len(self.grad_curves):
            for c in self.grad_curves:
                c.setData([], [])
            return
        x = np.asarray(epochs, dtype=float)
        arr = np.asarray(norms, dtype=float)
        for li, curve in enumerate(self.grad_curves):
            y = arr[:, li]
            ok = np.isfinite(y) & (y > 0)
            curve.setData(x[ok], y[ok])
