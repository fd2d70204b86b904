"""Drawing of the network: neurons per layer and the connections between them.

Edges are coloured by the weight's sign (blue +, orange −) and thickened by its size; a node's fill is its bias.
With 2-D inputs each node also shows its own output over the input plane (a small map, Playground's hallmark),
updated from weight snapshots while training. Hovering a node emits ``node_hovered`` (the window shows that map
as the big picture), clicking a node or an edge emits ``node_clicked`` / ``edge_clicked`` (the window offers to
edit the bias / weight). The back-propagation step-through writes numbers on the nodes with ``set_annotations``.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (QGraphicsScene, QGraphicsView, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout,
                               QWidget)

MAX_SHOWN = 12          # neurons drawn per layer; larger layers show the first ones and say so
POSITIVE = QColor(31, 119, 180)
NEGATIVE = QColor(255, 127, 14)
RADIUS = 10.0
MAP_PX = 18             # side of a neuron's map in scene units


def map_rgb(values: np.ndarray, scale: float) -> np.ndarray:
    """Diverging colours for a map: orange (−) through white (0) to blue (+), ``|v| = scale`` saturating."""
    t = np.clip(np.asarray(values, dtype=np.float64) / (scale or 1.0), -1.0, 1.0)[..., None]
    pos = np.array([31, 119, 180], dtype=np.float64)
    neg = np.array([255, 127, 14], dtype=np.float64)
    white = np.full(3, 255.0)
    rgb = np.where(t >= 0, white + t * (pos - white), white + (-t) * (neg - white))
    return rgb.astype(np.uint8)


class _View(QGraphicsView):
    """Reports the item under the mouse (hover and click) to the NetworkView."""

    def __init__(self, scene, owner: "NetworkView"):
        super().__init__(scene)
        self.owner = owner
        self.setMouseTracking(True)
        # the drawing is always fitted to the view: no scroll bars (showing one shrinks the viewport, which left the
        # drawing zoomed in at the old scale)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)

    def resizeEvent(self, event):  # noqa: N802 (Qt's name): the viewport's own size is what the fit depends on
        super().resizeEvent(event)
        self.owner.fit()

    def _item_key(self, pos):
        """The node under ``pos``, else the edge passing closest to it (a few pixels of tolerance for thin lines;
        where edges cross, the one whose line is nearest the pointer)."""
        for item in self.items(pos):
            key = item.data(0)
            if key is not None and key[0] == "node":
                return key
        scene_pos = self.mapToScene(pos)
        best, best_d = None, None
        for item in self.items(QRect(pos - QPoint(3, 3), QSize(7, 7))):
            key = item.data(0)
            if key is None or key[0] != "edge":
                continue
            line = item.line()
            dx, dy = line.dx(), line.dy()
            d = abs(dy * (scene_pos.x() - line.x1()) - dx * (scene_pos.y() - line.y1())) / max(
                (dx * dx + dy * dy) ** 0.5, 1e-9)
            if best_d is None or d < best_d:
                best, best_d = key, d
        return best

    def mouseMoveEvent(self, event):  # noqa: N802 (Qt's name)
        self.owner._hover(self._item_key(event.position().toPoint()))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event):  # noqa: N802
        self.owner._hover(None)
        super().leaveEvent(event)

    def mousePressEvent(self, event):  # noqa: N802
        if event.button() == Qt.LeftButton:
            self.owner._click(self._item_key(event.position().toPoint()))
        super().mousePressEvent(event)


class NetworkView(QWidget):
    """``set_architecture`` lays out neurons; ``set_weights`` recolours edges and nodes from ``[(W, b), ...]``;
    ``set_maps`` puts each neuron's output map into its node."""

    node_hovered = Signal(object)      # (layer, index) with layer 0 = inputs, or None when the mouse leaves
    node_clicked = Signal(int, int)    # layer (1.. = weight layers' outputs; 0 = inputs), neuron index
    edge_clicked = Signal(int, int, int)  # weight layer (0-based), output neuron, input neuron

    def __init__(self, parent: QWidget = None):
        super().__init__(parent)
        self.scene = QGraphicsScene(self)
        self.view = _View(self.scene, self)
        self.view.setRenderHint(QPainter.Antialiasing)
        self.view.setBackgroundBrush(QBrush(QColor("white")))
        self.caption = QLabel("")
        self.caption.setWordWrap(False)
        self.caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)   # never widens the window
        self.bottom = QHBoxLayout()          # the caption (legend) and the window's switches share one line
        self.bottom.setContentsMargins(4, 0, 4, 0)
        self.bottom.addWidget(self.caption, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(self.bottom)
        self.sizes: List[int] = []
        self.pieces: List[int] = []
        self.edges: List[list] = []      # per weight layer: list of (line item, out index, in index)
        self.nodes: List[list] = []      # per layer: node items
        self.map_items: List[list] = []  # per layer: pixmap items (hidden until maps are set)
        self.notes: List[list] = []      # per layer: text items for annotations
        self.hovered = None
        self.layer_labels: List[str] = []
        self.input_labels: list = []     # text items naming the input neurons
        self.n_params = 0

    # ------------------------------------------------------------------ layout
    def shown(self, layer: int) -> int:
        """How many neurons of ``layer`` the drawing shows."""
        return min(self.sizes[layer], MAX_SHOWN)

    def set_architecture(self, sizes: Sequence[int], activations: Sequence[str], pieces: Sequence[int],
                         n_params: int, input_names: Optional[Sequence[str]] = None) -> None:
        """``sizes`` = [inputs, hidden..., outputs]; ``activations``/``pieces`` per non-input layer; ``input_names``
        label the input neurons (x1, x2, x1^2, ...) left of them."""
        self.scene.clear()
        self.sizes, self.pieces = list(sizes), [int(p) for p in pieces]
        self.edges, self.nodes, self.map_items, self.notes = [], [], [], []
        self.hovered = None
        self.n_params = n_params
        n_layers = len(sizes)
        width, height = max(320.0, 120.0 * (n_layers - 1)), 330.0
        xs = np.linspace(40, width - 40, n_layers)
        positions = []
        for li, n in enumerate(sizes):
            shown = min(n, MAX_SHOWN)
            ys = np.array([height / 2 - 10]) if shown == 1 else np.linspace(28, height - 52, shown)
            positions.append([(xs[li], y) for y in ys])
        for li in range(n_layers - 1):
            items = []
            for j, (x1, y1) in enumerate(positions[li + 1]):
                for i, (x0, y0) in enumerate(positions[li]):
                    line = self.scene.addLine(x0, y0, x1, y1, QPen(QColor(180, 180, 180), 1))
                    line.setZValue(0)
                    line.setData(0, ("edge", li, j, i))
                    items.append((line, j, i))
            self.edges.append(items)
        font = QFont()
        font.setPointSize(8)
        self.layer_labels = []
        for li, pos in enumerate(positions):
            nodes, maps, notes = [], [], []
            for j, (x, y) in enumerate(pos):
                node = self.scene.addRect(QRectF(x - RADIUS, y - RADIUS, 2 * RADIUS, 2 * RADIUS),
                                          QPen(QColor(60, 60, 60), 1), QBrush(QColor(235, 235, 235)))
                node.setZValue(1)
                node.setData(0, ("node", li, j))
                pix = self.scene.addPixmap(QPixmap())
                pix.setPos(x - MAP_PX / 2, y - MAP_PX / 2)
                pix.setZValue(2)
                pix.setData(0, ("node", li, j))
                pix.setVisible(False)
                note = self.scene.addText("", font)
                note.setDefaultTextColor(QColor(20, 20, 20))
                note.setPos(x + RADIUS - 2, y - RADIUS - 4)
                note.setZValue(3)
                nodes.append(node)
                maps.append(pix)
                notes.append(note)
            self.nodes.append(nodes)
            self.map_items.append(maps)
            self.notes.append(notes)
            label = "input" if li == 0 else activations[li - 1]
            if li and label == "maxout":
                label = f"maxout{self.pieces[li - 1]}"
            count = f"{sizes[li]}" if sizes[li] <= MAX_SHOWN else f"{MAX_SHOWN} of {sizes[li]}"
            self.layer_labels.append(f"{count} {label}")
            text = self.scene.addText(self.layer_labels[-1], font)
            text.setPos(pos[0][0] - text.boundingRect().width() / 2, height - 34)
            if sizes[li] > MAX_SHOWN:     # short and centred: neighbouring layers' notes must not overlap
                more = self.scene.addText(f"(1–{MAX_SHOWN} shown)", font)
                more.setDefaultTextColor(QColor(110, 110, 110))
                more.setPos(pos[0][0] - more.boundingRect().width() / 2, height - 20)
                more.setToolTip(f"the drawing shows neurons 1–{MAX_SHOWN} of {sizes[li]}")
        left = 0.0
        self.input_labels = []
        for name, (x, y) in zip(input_names or (), positions[0]):
            text = self.scene.addText(str(name), font)
            text.setDefaultTextColor(QColor(60, 60, 60))
            w = text.boundingRect().width()
            text.setPos(x - RADIUS - w, y - text.boundingRect().height() / 2)
            self.input_labels.append(text)
            left = min(left, x - RADIUS - w)
        left = min(left, self.scene.itemsBoundingRect().left())
        self.scene.setSceneRect(QRectF(left, 0, width - left, height))
        # compact: it shares one line with the window's switches and must fit at the default window size (the
        # parameter count is in the tooltip and beside the layer editor)
        self.caption.setText("edge <span style='color:#1f77b4'>■</span>+ <span style='color:#ff7f0e'>■</span>− "
                             "weight, width |w| · node fill: bias")
        self.caption.setToolTip(f"{n_params:,} parameters. Edges: blue = positive weight, orange = negative, "
                                "thickness = |w|. Nodes: the fill "
                                "is the bias (blue +, orange −); with 2-D inputs each node shows its output over "
                                "the input plane (blue +, white 0, orange −). Hover a node for its map as the big "
                                "picture; click a node to edit its bias, an edge to edit its weight.")
        self.fit()

    def fit(self) -> None:
        self.view.fitInView(self.scene.sceneRect(), Qt.KeepAspectRatio)

    def resizeEvent(self, event):  # noqa: N802 (Qt's name): keep the drawing scaled to the widget
        super().resizeEvent(event)
        self.fit()

    def node_center(self, layer: int, index: int):
        """Scene position of a node's centre (for tests and for pointing at it)."""
        return self.nodes[layer][index].rect().center()

    def edge_point(self, layer: int, out_index: int, in_index: int, t: float = 0.5):
        """Scene point a fraction ``t`` along an edge, from its input neuron to its output neuron."""
        for line, j, i in self.edges[layer]:
            if (j, i) == (out_index, in_index):
                return line.line().pointAt(t)
        raise IndexError("that edge is not drawn")

    # ------------------------------------------------------------------ live content
    def set_weights(self, layers: Sequence[tuple]) -> None:
        """Recolour the drawn edges and nodes from ``[(W, b), ...]`` (``W`` has ``units*pieces`` rows for maxout
        layers); thickness and fill are relative to the largest drawn weight and bias of each layer."""
        if len(layers) != len(self.edges):
            return
        for li, ((W, b), items) in enumerate(zip(layers, self.edges)):
            k = self.pieces[li] if li < len(self.pieces) else 1
            # Only the drawn neurons' weights are read (a 2048×2048 layer would cost ~50 ms per redraw), and the
            # thickness is relative to the largest drawn weight.
            n_out, n_in = self.shown(li + 1), self.shown(li)
            W = W[:n_out * k, :n_in]
            b = b[:n_out * k]
            if k > 1:   # one edge per (unit, input): show the piece with the largest |w|
                Wk = W.reshape(-1, k, W.shape[1])
                idx = np.abs(Wk).argmax(1)
                W = np.take_along_axis(Wk, idx[:, None, :], 1)[:, 0, :]
            scale = float(np.abs(W).max()) or 1.0
            for line, j, i in items:
                w = float(W[j, i])
                strength = min(1.0, abs(w) / scale) if np.isfinite(w) else 1.0
                color = QColor(POSITIVE if w >= 0 else NEGATIVE)
                color.setAlpha(int(40 + 215 * strength))
                line.setPen(QPen(color, 0.4 + 4.6 * strength))
            bmax = float(np.abs(b).max()) or 1.0
            for j, node in enumerate(self.nodes[li + 1]):   # node fill: bias sign and size
                bj = float(b[j * k]) if k > 1 else float(b[j])
                color = QColor(POSITIVE if bj >= 0 else NEGATIVE)
                color.setAlpha(int(40 + 180 * min(1.0, abs(bj) / bmax)))
                node.setBrush(QBrush(color))

    def set_maps(self, maps: Optional[Sequence[np.ndarray]]) -> None:
        """``maps[l]``: array (shown neurons, G, G) of layer ``l``'s outputs over the input plane (l = 0 inputs), the
        first grid axis along x1; None hides the maps."""
        if maps is None or len(maps) != len(self.map_items):
            for layer in self.map_items:
                for pix in layer:
                    pix.setVisible(False)
            return
        for li, (values, items) in enumerate(zip(maps, self.map_items)):
            scale = float(np.nanmax(np.abs(values))) if values.size else 1.0
            for j, pix in enumerate(items[:len(values)]):
                rgb = np.ascontiguousarray(map_rgb(values[j].T[::-1], scale))   # rows = x2 from top, cols = x1
                g0, g1 = rgb.shape[:2]
                image = QImage(rgb.data, g1, g0, 3 * g1, QImage.Format_RGB888).copy()
                pixmap = QPixmap.fromImage(image).scaled(MAP_PX, MAP_PX, Qt.IgnoreAspectRatio,
                                                         Qt.SmoothTransformation)
                pix.setPixmap(pixmap)
                pix.setVisible(True)

    def maps_visible(self) -> bool:
        return any(p.isVisible() for layer in self.map_items for p in layer)

    def set_annotations(self, texts: Optional[Sequence[Sequence[str]]]) -> None:
        """Numbers next to the nodes, ``texts[l][j]`` (None clears them)."""
        for li, notes in enumerate(self.notes):
            for j, note in enumerate(notes):
                note.setPlainText("" if texts is None or li >= len(texts) or j >= len(texts[li]) else texts[li][j])

    def annotation(self, layer: int, index: int) -> str:
        return self.notes[layer][index].toPlainText()

    # ------------------------------------------------------------------ mouse
    def _hover(self, key) -> None:
        node = (key[1], key[2]) if key is not None and key[0] == "node" else None
        if node != self.hovered:
            self.hovered = node
            self.node_hovered.emit(node)

    def _click(self, key) -> None:
        if key is None:
            return
        if key[0] == "node":
            self.node_clicked.emit(key[1], key[2])
        else:
            self.edge_clicked.emit(key[1], key[2], key[3])
