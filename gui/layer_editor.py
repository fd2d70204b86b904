"""Layer-stack editor: add, remove and reorder hidden layers; units, activation, maxout pieces and dropout per layer;
output activation and loss overrides; shows the parameter count."""
from __future__ import annotations

from dataclasses import replace
from typing import List

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QListWidget,
                               QPushButton, QSizePolicy, QSpinBox, QVBoxLayout, QWidget)

from pyffnn.registry import losses as _loss_table
from pyffnn_gui.config import HIDDEN_ACTIVATIONS, LOSSES, MAX_DROPOUT, OUTPUT_ACTIVATIONS, LayerSpec, NetworkConfig

ZWSP = "\u200b"      # a line may break here (a layer string has no spaces)
_LOSS_LABELS = {"auto": "auto (follows output)", **{row.name: row.label for row in _loss_table.LOSSES}}


class LayerEditor(QGroupBox):
    """Edits a :class:`NetworkConfig`. Emits ``changed`` whenever the architecture changes."""

    changed = Signal()

    def __init__(self, parent: QWidget = None):
        super().__init__("Network", parent)
        self._layers: List[LayerSpec] = []
        self._updating = False

        self.layer_list = QListWidget()
        self.layer_list.setFixedHeight(84)        # scrolls vertically beyond four layers
        self.layer_list.currentRowChanged.connect(self._show_current)

        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("Up")
        self.down_button = QPushButton("Down")
        for b, slot, tip in ((self.add_button, self.add_layer, "Insert a hidden layer after the selected one"),
                             (self.remove_button, self.remove_layer, "Remove the selected hidden layer"),
                             (self.up_button, lambda: self.move_layer(-1), "Move the selected layer up"),
                             (self.down_button, lambda: self.move_layer(1), "Move the selected layer down")):
            b.setToolTip(tip)
            b.setMinimumWidth(50)
            b.clicked.connect(slot)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)

        self.units_spin = QSpinBox()
        self.units_spin.setRange(1, 4096)
        self.units_spin.setValue(8)
        self.activation_combo = QComboBox()
        self.activation_combo.addItems(HIDDEN_ACTIVATIONS)
        self.pieces_spin = QSpinBox()
        self.pieces_spin.setRange(2, 16)
        self.pieces_spin.setToolTip("Number of linear pieces each maxout neuron takes the max over")
        self.dropout_spin = QDoubleSpinBox()
        self.dropout_spin.setRange(0.0, MAX_DROPOUT)
        self.dropout_spin.setSingleStep(0.05)
        self.dropout_spin.setDecimals(2)
        self.dropout_spin.setSpecialValueText("none")
        self.dropout_spin.setToolTip("Fraction of this layer's outputs dropped at random while training (the kept "
                                     "ones are scaled up to match); prediction and the plots use every neuron")
        for spin in (self.units_spin, self.pieces_spin, self.dropout_spin):
            spin.setKeyboardTracking(False)      # one rebuild per edit (Enter, arrows), not one per typed digit
        self.units_spin.valueChanged.connect(self._edit_current)
        self.activation_combo.currentTextChanged.connect(self._edit_current)
        self.pieces_spin.valueChanged.connect(self._edit_current)
        self.dropout_spin.valueChanged.connect(self._edit_current)

        self.output_combo = QComboBox()
        self.output_combo.addItems(OUTPUT_ACTIVATIONS)
        self.output_combo.setToolTip("auto: linear for regression, sigmoid for two classes, softmax for more")
        self.loss_combo = QComboBox()
        for name in LOSSES:
            self.loss_combo.addItem(_LOSS_LABELS[name], name)
        self.output_combo.currentTextChanged.connect(self._emit_changed)
        self.loss_combo.currentIndexChanged.connect(self._emit_changed)

        self.param_label = QLabel("Parameters: –")
        self.spec_label = QLabel("")
        self.spec_label.setWordWrap(True)
        # the layer string of a deep network wraps after its dashes and never widens the panel
        self.spec_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.spec_label.setMinimumWidth(50)
        # three lines are reserved, so the panel's height (and, when it is scrolled to the end, the position of
        # every button in it) stays the same as layers come and go
        self.spec_label.setMinimumHeight(3 * self.spec_label.fontMetrics().lineSpacing())
        self.spec_label.setAlignment(Qt.AlignLeft | Qt.AlignTop)

        form = QFormLayout()
        form.addRow("Neurons", self.units_spin)
        form.addRow("Activation", self.activation_combo)
        form.addRow("Maxout pieces", self.pieces_spin)
        form.addRow("Dropout", self.dropout_spin)
        form.addRow("Output", self.output_combo)
        form.addRow("Loss", self.loss_combo)

        # The buttons sit above the list (whose height is fixed): they never move, whatever the number of layers,
        # so repeated clicks on Remove all land on Remove.
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Hidden layers (input → output):"))
        layout.addLayout(buttons)
        layout.addWidget(self.layer_list)
        layout.addLayout(form)
        layout.addWidget(self.spec_label)
        layout.addWidget(self.param_label)
        self.set_config(NetworkConfig())

    # ------------------------------------------------------------------ public API
    def config(self) -> NetworkConfig:
        return NetworkConfig(hidden=[replace(l) for l in self._layers],
                             output_activation=self.output_combo.currentText(),
                             loss=self.loss_combo.currentData())

    def set_config(self, cfg: NetworkConfig) -> None:
        self._updating = True
        try:
            self._layers = [replace(l) for l in cfg.hidden]   # copies of every field
            self.output_combo.setCurrentText(cfg.output_activation)
            self.loss_combo.setCurrentIndex(max(0, self.loss_combo.findData(cfg.loss)))
            self._refresh_list(0 if self._layers else -1)
        finally:
            self._updating = False
        self.changed.emit()

    def set_summary(self, spec: str, n_params: int) -> None:
        """Show the compact layer string and parameter count of the built network."""
        self.spec_label.setText("Network: " + spec.replace("-", "-" + ZWSP))
        self.spec_label.setToolTip(spec)
        self.param_label.setText(f"Parameters: {n_params:,}")

    # ------------------------------------------------------------------ editing
    def add_layer(self) -> None:
        row = self.layer_list.currentRow()
        template = self._layers[row] if 0 <= row < len(self._layers) else LayerSpec()
        self._layers.insert(row + 1, replace(template))
        self._refresh_list(row + 1)
        self.changed.emit()

    def remove_layer(self) -> None:
        row = self.layer_list.currentRow()
        if not 0 <= row < len(self._layers):
            return
        del self._layers[row]
        self._refresh_list(min(row, len(self._layers) - 1))
        self.changed.emit()

    def move_layer(self, delta: int) -> None:
        row = self.layer_list.currentRow()
        new = row + delta
        if not (0 <= row < len(self._layers) and 0 <= new < len(self._layers)):
            return
        self._layers[row], self._layers[new] = self._layers[new], self._layers[row]
        self._refresh_list(new)
        self.changed.emit()

    def _edit_current(self, *_):
        if self._updating:
            return
        row = self.layer_list.currentRow()
        if not 0 <= row < len(self._layers):
            return
        layer = self._layers[row]
        layer.units = self.units_spin.value()
        layer.activation = self.activation_combo.currentText()
        layer.pieces = self.pieces_spin.value()
        layer.dropout = round(self.dropout_spin.value(), 2)
        self.pieces_spin.setEnabled(layer.activation == "maxout")
        self.layer_list.item(row).setText(self._describe(row, layer))
        self.changed.emit()

    def _emit_changed(self, *_):
        if not self._updating:
            self.changed.emit()

    # ------------------------------------------------------------------ display
    @staticmethod
    def _describe(i: int, layer: LayerSpec) -> str:
        act = f"maxout ({layer.pieces} pieces)" if layer.activation == "maxout" else layer.activation
        drop = f", dropout {layer.dropout:g}" if layer.dropout else ""
        return f"Hidden {i + 1}: {layer.units} × {act}{drop}"

    def _refresh_list(self, select: int) -> None:
        was = self._updating
        self._updating = True
        try:
            self.layer_list.clear()
            for i, layer in enumerate(self._layers):
                self.layer_list.addItem(self._describe(i, layer))
            self.layer_list.setCurrentRow(select)
            self._show_current(select)
        finally:
            self._updating = was
        has = bool(self._layers)
        for w in (self.remove_button, self.up_button, self.down_button, self.units_spin, self.activation_combo,
                  self.dropout_spin):
            w.setEnabled(has)

    def _show_current(self, row: int) -> None:
        if not 0 <= row < len(self._layers):
            self.pieces_spin.setEnabled(False)
            return
        was = self._updating
        self._updating = True
        try:
            layer = self._layers[row]
            self.units_spin.setValue(layer.units)
            self.activation_combo.setCurrentText(layer.activation)
            self.pieces_spin.setValue(layer.pieces)
            self.dropout_spin.setValue(layer.dropout)
            self.pieces_spin.setEnabled(layer.activation == "maxout")
        finally:
            self._updating = was
