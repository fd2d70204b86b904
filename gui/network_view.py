"""Drawing of the network: neurons per layer and connections coloured by the weight's sign (blue +, orange −) and
thickened by its size. Updated from weight snapshots while training."""
from __future__ import annotations

from typing import List, Sequence

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QLabel, QVBoxLayout, QWidget

MAX_SHOWN = 12          # neurons drawn per layer; larger layers show the first ones and a "+N" note
POSITIVE = QColor(31, 119, 180)
NEGATIVE = QColor(255, 127, 14)
RADIUS = 9.0


class NetworkView(QWidget):
    """``set_architecture`` lays out neurons; ``set_weights`` recolours the edges from ``[(W, b), ...]``."""

    def __init__(self, parent: QWidget = None):
        super().__init__(parent)
        self.scene = QGraphicsScene(self)
        self.view = QGraphicsView(self.scene)
        self.view.setRenderHint(QPainter.Antialiasing)
        self.view.setBackgroundBrush(QBrush(QColor("white")))
        self.caption = QLabel("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addWidget(self.caption)
        self.sizes: List[int] = []
        self.pieces: List[int] = []
        self.edges: List[list] = []      # per weight layer: list of (line item, out index, in index)
        self.nodes: List[list] = []

    def set_architecture(self, sizes: Sequence[int], activations: Sequence[str], pieces: Sequence[int],
                         n_params: int) -> None:
        """``sizes`` = [inputs, hidden..., outputs]; ``activations``/``pieces`` per non-input layer."""
        self.scene.clear()
        self.sizes, self.pieces = list(sizes), list(pieces)
        self.edges, self.nodes = [], []
        n_layers = len(sizes)
        width, height = max(320.0, 130.0 * (n_layers - 1)), 300.0
        xs = np.linspace(30, width - 30, n_layers)
        positions = []
        for li, n in enumerate(sizes):
            shown = min(n, MAX_SHOWN)
            ys = np.linspace(height / 2, height / 2, 1) if shown == 1 else np.linspace(30, height - 40, shown)
            positions.append([(xs[li], y) for y in ys])
        for li in range(n_layers - 1):
            items = []
            for j, (x1, y1) in enumerate(positions[li + 1]):
                for i, (x0, y0) in enumerate(positions[li]):
                    line = self.scene.addLine(x0, y0, x1, y1, QPen(QColor(180, 180, 180), 1))
                    line.setZValue(0)
                    items.append((line, j, i))
            self.edges.append(items)
        font = QFont()
        font.setPointSize(8)
        for li, pos in enumerate(positions):
            nodes = []
            for x, y in pos:
                node = self.scene.addEllipse(QRectF(x - RADIUS, y - RADIUS, 2 * RADIUS, 2 * RADIUS),
                                             QPen(QColor(60, 60, 60), 1), QBrush(QColor(235, 235, 235)))
                node.setZValue(1)
                nodes.append(node)
            self.nodes.append(nodes)
            label = "input" if li == 0 else activations[li - 1]
            if li and label == "maxout":
                label = f"maxout{pieces[li - 1]}"
            extra = f" (+{sizes[li] - MAX_SHOWN})" if sizes[li] > MAX_SHOWN else ""
            text = self.scene.addText(f"{sizes[li]} {label}{extra}", font)
            text.setPos(pos[0][0] - 30, height - 22)
        self.scene.setSceneRect(QRectF(0, 0, width, height))
        self.caption.setText(f"{n_params:,} parameters  ·  blue = positive weight, orange = negative; "
                             "thickness = |w|")
        self.fit()

    def fit(self) -> None:
        self.view.fitInView(self.scene.sceneRect(), Qt.KeepAspectRatio)

    def resizeEvent(self, event):  # keep the drawing scaled to the widget
        super().resizeEvent(event)
        self.fit()

    def set_weights(self, layers: Sequence[tuple]) -> None:
        """Recolour edges from ``[(W, b), ...]`` (``W`` has ``units*pieces`` rows for maxout layers)."""
        if len(layers) != len(self.edges):
            return
        for li, ((W, b), items) in enumerate(zip(layers, self.edges)):
            k = self.pieces[li] if li < len(self.pieces) else 1
            if k > 1:   # one edge per (unit, input): show the piece with the largest |w|
                Wk = W.reshape(-1, k, W.shape[1])
                idx = np.abs(Wk).argmax(1)
                W = np.take_along_axis(Wk, idx[:, None, :], 1)[:, 0, :]
            scale = float(np.abs(W).max()) or 1.0
            for line, j, i in items:
                w = float(W[j, i])
                strength = abs(w) / scale
                color = QColor(POSITIVE if w >= 0 else NEGATIVE)
                color.setAlpha(int(40 + 215 * strength))
                line.setPen(QPen(color, 0.4 + 4.6 * strength))
            for j, node in enumerate(self.nodes[li + 1]):   # node fill: bias sign and size
                bj = float(b[j * k]) if k > 1 else float(b[j])
                color = QColor(POSITIVE if bj >= 0 else NEGATIVE)
                color.setAlpha(int(40 + 180 * min(1.0, abs(bj) / (float(np.abs(b).max()) or 1.0))))
                node.setBrush(QBrush(color))
