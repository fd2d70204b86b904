"""Back-propagation one sample at a time, the lecture's algorithm made visible.

Pick a training sample (a row number, or click a point on the output plot), then step: *Forward* shows a(ℓ) of
every layer, *Backward* the errors δ(ℓ) = ∂E/∂z(ℓ), *Gradients* ∂E/∂W(ℓ) = δ(ℓ)a(ℓ)ᵀ and ∂E/∂w0(ℓ) = δ(ℓ), then
*Apply update* takes one gradient-descent step w ← w − η·∂E/∂w on that sample. All numbers come from
``pyffnn.Network.backprop_trace`` (the core's own forward and backward passes), so they equal ``loss_and_grad``.
"""
from __future__ import annotations

import html
from typing import Callable, List, Optional

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QTextBrowser, QVBoxLayout,
                               QWidget)

PHASES = ("", "forward", "backward", "gradients")
MAX_LISTED = 8           # numbers listed per vector in the text (the drawing shows the drawn neurons)


def _fmt(v: np.ndarray, limit: int = MAX_LISTED) -> str:
    v = np.asarray(v).ravel()
    text = ", ".join(f"{x:+.4f}" for x in v[:limit])
    return f"[{text}{', …' if v.size > limit else ''}]"


class BackpropPanel(QWidget):
    """``source()`` returns ``(net, params, x, y, lr, loss)`` for the chosen row, or raises ValueError with a
    message. ``annotate`` carries the numbers for the drawing (``texts[l][j]``) and the edges to show (a list of
    (W, b) gradient views, or None for the weights); ``update_requested`` carries (flat gradient, η)."""

    annotate = Signal(object, object)
    update_requested = Signal(object, float)

    def __init__(self, parent: QWidget = None):
        super().__init__(parent)
        self.source: Optional[Callable[[int], tuple]] = None
        self.trace: Optional[dict] = None
        self.phase = 0
        self.row_spin = QSpinBox()
        self.row_spin.setRange(0, 0)
        self.row_spin.setToolTip("Row of the training split (or click a training point on the output plot)")
        self.row_spin.valueChanged.connect(self.restart)
        self.forward_button = QPushButton("1 Forward a(ℓ)")
        self.backward_button = QPushButton("2 Backward δ(ℓ)")
        self.grad_button = QPushButton("3 ∂E/∂W, ∂E/∂w0")
        self.apply_button = QPushButton("4 Apply update")
        self.forward_button.clicked.connect(lambda: self.show_phase(1))
        self.backward_button.clicked.connect(lambda: self.show_phase(2))
        self.grad_button.clicked.connect(lambda: self.show_phase(3))
        self.apply_button.clicked.connect(self.apply_update)
        self.text = QTextBrowser()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Sample (training row)"))
        top.addWidget(self.row_spin)
        top.addStretch(1)
        buttons = QGridLayout()          # two by two: the panel fits a narrow window's tab
        for i, b in enumerate((self.forward_button, self.backward_button, self.grad_button, self.apply_button)):
            buttons.addWidget(b, i // 2, i % 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addLayout(buttons)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.message)
        self._enable()

    def set_rows(self, n: int) -> None:
        self.row_spin.setRange(0, max(0, n - 1))
        self.restart()

    def choose_row(self, row: int) -> None:
        self.row_spin.setValue(int(row))
        self.restart()

    def restart(self, *_) -> None:
        """Forget the current trace (new sample, new weights or new network)."""
        self.trace, self.phase = None, 0
        self.text.clear()
        self.message.clear()
        self.annotate.emit(None, None)
        self._enable()

    def _enable(self) -> None:
        self.backward_button.setEnabled(self.phase >= 1)
        self.grad_button.setEnabled(self.phase >= 2)
        self.apply_button.setEnabled(self.phase >= 3)

    def show_phase(self, phase: int) -> bool:
        """Compute the trace (on the first step) and show everything up to ``phase`` (1, 2 or 3)."""
        if self.source is None:
            return False
        try:
            net, params, x, y, lr, loss = self.source(self.row_spin.value())
            if self.trace is None:
                self.trace = net.backprop_trace(x, y, loss=loss, params=params)
                self.trace["net"], self.trace["lr"], self.trace["y"] = net, lr, y
        except ValueError as exc:
            self.message.setText(f"⚠ {exc}")
            return False
        self.phase = max(self.phase, phase)
        self.message.clear()
        self._render(phase)
        self._enable()
        return True

    def _node_texts(self, phase: int) -> List[List[str]]:
        t, net = self.trace, self.trace["net"]
        texts: List[List[str]] = []
        for l, a in enumerate(t["a"]):
            if phase == 1 or l == 0:
                texts.append([f"{v:.2f}" for v in a])
            else:
                d = t["delta"][l - 1]
                k = net.layers[l - 1].pieces
                if k > 1:
                    d = d.reshape(-1, k).sum(1)       # only the winning piece gets an error
                texts.append([f"δ{v:+.2g}" for v in d])
        return texts

    def _render(self, phase: int) -> None:
        t = self.trace
        net = t["net"]
        lines = [f"<b>Sample {self.row_spin.value()}</b>: x = {html.escape(_fmt(t['a'][0]))}, "
                 f"target y = {html.escape(_fmt(np.atleast_1d(t['y'])))}, loss E = {t['loss']:.6g}"]
        for l in range(1, len(t["a"])):
            ly = net.layers[l - 1]
            row = [f"<b>layer {l + 1}</b> ({ly.units} {ly.activation})",
                   f"a({l + 1}) = {html.escape(_fmt(t['a'][l]))}"]
            if phase >= 2:
                # numbered like W(ℓ): z(ℓ) = W(ℓ)a(ℓ) + w0(ℓ) is what layer ℓ+1 applies σ to
                row.append(f"δ({l}) = ∂E/∂z({l}), z({l}) = W({l})a({l}) + w0({l}): "
                           f"{html.escape(_fmt(t['delta'][l - 1]))}")
            if phase >= 3:
                gW = t["grad_W"][l - 1]
                row.append(f"∂E/∂W({l}) = δ({l})·a({l})ᵀ: {gW.shape[0]}×{gW.shape[1]}, ‖·‖ = "
                           f"{np.linalg.norm(gW):.4g}, first row {html.escape(_fmt(gW[0]))}")
                row.append(f"∂E/∂w0({l}) = {html.escape(_fmt(t['grad_b'][l - 1]))}")
            lines.append("<br>&nbsp;&nbsp;".join(row))
        if phase >= 3:
            lines.append(f"<i>Apply update: w ← w − η·∂E/∂w with η = {t['lr']:g}</i>")
        self.text.setHtml("<br><br>".join(lines))
        edges = None
        if phase >= 3:
            edges = list(zip(t["grad_W"], t["grad_b"]))
        self.annotate.emit(self._node_texts(phase), edges)

    def apply_update(self) -> None:
        if self.trace is None or self.phase < 3:
            return
        grad, lr = self.trace["grad"], self.trace["lr"]
        self.update_requested.emit(grad, float(lr))
        before = self.trace["loss"]
        self.restart()
        if self.show_phase(1):
            self.message.setText(f"Updated with η = {lr:g}: the loss on this sample went from {before:.6g} "
                                 f"to {self.trace['loss']:.6g}")
