"""Plot of each activation function chosen in the network, evaluated by pyffnn itself.

Each curve comes from a tiny pyffnn network ``1 → 1 unit (activation) → 1`` with weight 1 and bias 0, read through
``hidden_activations``, so the plot shows exactly what the library computes. Maxout is drawn with example pieces
(slopes spread over [−1, 1]) because its shape is learned.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from pyffnn_gui.plot_style import boxed_legend

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
Z = np.linspace(-4.0, 4.0, 401)


def activation_curve(name: str, pieces: int = 2) -> np.ndarray:
    """Values of activation ``name`` over ``Z`` computed by a pyffnn network."""
    import pyffnn

    X = Z.reshape(-1, 1)
    if name == "softmax":
        # Two-class softmax as a function of z1 − z2 (equals the logistic sigmoid).
        net = pyffnn.Network([1, pyffnn.Dense(2, "softmax")], dtype="float64", random_state=0)
        net.weights[0][:] = [[1.0], [0.0]]
        net.biases[0][:] = 0.0
        return net.predict(X)[:, 0]
    if name == "maxout":
        net = pyffnn.Network([1, pyffnn.Maxout(1, pieces=pieces), pyffnn.Dense(1)], dtype="float64",
                             random_state=0)
        slopes = np.linspace(-1.0, 1.0, pieces)
        net.weights[0][:] = slopes.reshape(-1, 1)
        net.biases[0][:] = 0.5 * (1.0 - np.abs(slopes))
    else:
        net = pyffnn.Network([1, pyffnn.Dense(1, name), pyffnn.Dense(1)], dtype="float64", random_state=0)
        net.weights[0][:] = 1.0
        net.biases[0][:] = 0.0
    return np.asarray(net.hidden_activations(X)[0])[:, 0]


class ActivationPlot(QWidget):
    """Shows σ(z) for every distinct activation in the current network."""

    def __init__(self, parent: QWidget = None):
        super().__init__(parent)
        self.widget = pg.PlotWidget(title="Activation functions σ(z)")
        self.plot = self.widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "z")
        self.legend = boxed_legend(self.plot, offset=(10, 10))    # top left: above the curves' flat left ends
        self.curves = {}
        self._items = None              # the (activation, pieces) list the curves show
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget)

    def set_activations(self, items: Sequence[tuple]) -> None:
        """``items``: (activation name, maxout pieces) for each layer; duplicates are drawn once."""
        items = [tuple(it) for it in items]
        if items == self._items:      # a Reset or rebuild with the same activations: keep the curves
            self.plot.setYRange(-1.5, 4.0)
            return
        self._items = items
        self.plot.clear()
        self.legend.clear()
        self.curves = {}
        seen = []
        for name, pieces in items:
            key = f"maxout{pieces}" if name == "maxout" else name
            if key in seen:
                continue
            seen.append(key)
            y = activation_curve(name, pieces)
            label = f"maxout ({pieces} example pieces)" if name == "maxout" else name
            pen = pg.mkPen(PALETTE[len(self.curves) % len(PALETTE)], width=2)
            self.curves[key] = self.plot.plot(Z, y, pen=pen, name=label)
        self.plot.setYRange(-1.5, 4.0)
