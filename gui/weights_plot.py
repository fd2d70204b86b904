"""Per-layer weight histograms and gradient norms over time, so vanishing or exploding gradients are visible."""
from __future__ import annotations

from typing import List, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from pyffnn_gui.plot_style import LogAxis, fit_title, plain_axes

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
HIST_TITLE = "Weights W(l)"
GRAD_TITLE = "‖∂E/∂W(l)‖ vs epoch"
LEGEND_PER_LINE = 6       # legend entries per title line of a deep network
SIDE_BY_SIDE_ASPECT = 1.6  # wider than this × its height (the tab on a 768-pixel screen): the plots sit side by side
HIST_SAMPLE = 100_000     # weights per layer the histograms count (an even stride through larger layers)


class WeightsPlot(QWidget):
    """Histogram of each layer's weights W(l), and ‖∂E/∂W(l)‖ per layer against the epoch (log scale): one above the
    other, or side by side when the widget is wide and low (stacked in a 230-pixel tab, each had ~30 pixels of data).

    Legends are part of the title lines (outside the data area), so no bar or curve is ever hidden.
    """

    def __init__(self, parent: QWidget = None):
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.hist_plot = self.graphics.addPlot(row=0, col=0, title=HIST_TITLE)
        self.grad_plot = self.graphics.addPlot(row=1, col=0, title=GRAD_TITLE, axisItems={"left": LogAxis("left")})
        self.hist_plot.setLabel("bottom", "weight")
        self.hist_plot.setLabel("left", "share of W(l)")
        self.grad_plot.setLabel("bottom", "epoch")
        self.grad_plot.setLabel("left", "‖∂E/∂W(l)‖")
        self.grad_plot.setLogMode(y=True)
        self.grad_plot.getAxis("left").setToolTip("Gradient norm of the error with respect to each layer's weights "
                                                  "(log scale), measured on up to 256 training samples")
        for p in (self.hist_plot, self.grad_plot):
            p.showGrid(x=True, y=True, alpha=0.3)
            plain_axes(p)
        self.hist_curves: List[pg.PlotDataItem] = []
        self.grad_curves: List[pg.PlotDataItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        self.side_by_side = False

    def resizeEvent(self, event):  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        size = event.size()
        self._arrange(size.width() > SIDE_BY_SIDE_ASPECT * max(size.height(), 1))

    def _arrange(self, side_by_side: bool) -> None:
        """Put the gradient plot right of the histogram or below it."""
        if side_by_side == self.side_by_side:
            return
        self.side_by_side = side_by_side
        self.graphics.ci.removeItem(self.grad_plot)
        if side_by_side:
            self.graphics.ci.addItem(self.grad_plot, row=0, col=1)
        else:
            self.graphics.ci.addItem(self.grad_plot, row=1, col=0)

    def set_layers(self, n_layers: int) -> None:
        """One histogram and one gradient curve per layer, emptied; the curves are reused when the count is the
        same (a Reset re-creating ten plot items and their legend cost the UI thread ~20 ms)."""
        if n_layers and n_layers == len(self.hist_curves):
            for h, g in zip(self.hist_curves, self.grad_curves):
                h.setData([0, 1], [0])
                g.setData([], [])
            return
        for p in (self.hist_plot, self.grad_plot):
            p.clear()
        self.hist_curves, self.grad_curves = [], []
        entries = []
        compact = n_layers > 4          # a deep network's legend names the layers by number only
        for li in range(n_layers):
            color = PALETTE[li % len(PALETTE)]
            name = f"W({li + 1})"
            entries.append((str(li + 1) if compact else name, color))
            self.hist_curves.append(self.hist_plot.plot([0, 1], [0], stepMode="center", pen=pg.mkPen(color, width=2),
                                                        name=name))
            self.grad_curves.append(self.grad_plot.plot([], [], pen=pg.mkPen(color, width=2), name=name,
                                                        symbol="o", symbolSize=3, symbolPen=None,
                                                        symbolBrush=color))
        suffix = ", l =" if compact else ""
        wrap = LEGEND_PER_LINE if compact else 0     # 8+ layers on one line would widen the plots past the tab
        fit_title(self.hist_plot, HIST_TITLE + suffix, entries, glyph="━", wrap=wrap, size="10pt")
        fit_title(self.grad_plot, GRAD_TITLE + suffix, entries, glyph="━", wrap=wrap, size="10pt")

    def set_weights(self, layers: Sequence[tuple]) -> None:
        """Histograms of ``W`` from ``[(W, b), ...]`` on a shared bin range."""
        if len(layers) != len(self.hist_curves):
            return
        # A 4M-weight layer would cost ~0.1 s per redraw: large layers are counted on an even sample.
        samples = [W.ravel()[::max(1, W.size // HIST_SAMPLE)] for W, _ in layers]
        lim = max((float(np.abs(w).max()) for w in samples if w.size), default=0.0) or 1.0
        edges = np.linspace(-lim, lim, 41)
        for curve, w in zip(self.hist_curves, samples):
            counts, _ = np.histogram(w, bins=edges)
            curve.setData(edges, counts / max(w.size, 1))

    def set_grad_norms(self, epochs: Sequence[int], norms: Sequence[Sequence[float]]) -> None:
        """``norms[i]`` holds ‖∂E/∂W(l)‖ for every layer, measured after ``epochs[i]`` epochs."""
        if not len(norms) or len(norms[0]) != len(self.grad_curves):
            for c in self.grad_curves:
                c.setData([], [])
            return
        x = np.asarray(epochs, dtype=float)
        arr = np.asarray(norms, dtype=float)
        dense = len(x) > 150          # markers help a few samples; on many they just make the line thick
        for li, curve in enumerate(self.grad_curves):
            y = arr[:, li]
            ok = np.isfinite(y) & (y > 0)
            curve.setData(x[ok], y[ok], symbol=None if dense else "o")
