"""Training panel: mode (network / perceptron), optimizer, learning rate, batch size, L2, epochs, seed and the
Play / Pause / Step / Reset buttons."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton,
                               QSizePolicy, QSpinBox, QStyle, QVBoxLayout, QWidget)

from pyffnn_gui.config import LIMITS, OPTIMIZERS, TrainConfig


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" when its text is wider than the label (``text()`` keeps it whole)."""

    def paintEvent(self, event):  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        if self.styleSheet():
            painter.setPen(QColor("#b00020"))
        text = self.fontMetrics().elidedText(self.text(), Qt.ElideRight, self.width())
        painter.drawText(self.rect(), int(Qt.AlignLeft | Qt.AlignVCenter), text)


class TrainPanel(QGroupBox):
    """Edits a :class:`TrainConfig` and owns the transport buttons (the window does the work)."""

    play_clicked = Signal()
    pause_clicked = Signal()
    step_clicked = Signal()
    reset_clicked = Signal()
    settings_changed = Signal()     # optimizer, learning rate, batch size or L2 edited (applies mid-run too)

    def __init__(self, parent: QWidget = None):
        super().__init__("Training", parent)
        self.mode_combo = QComboBox()
        self.mode_combo.addItem("Network (back-propagation)", "network")
        self.mode_combo.addItem("Perceptron algorithm (2 linearly separable classes)", "perceptron")
        self.optimizer_combo = QComboBox()
        for label, name in OPTIMIZERS:
            self.optimizer_combo.addItem(label, name)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(6)
        self.lr_spin.setRange(*LIMITS["lr"])
        self.lr_spin.setSingleStep(0.005)
        self.lr_spin.setToolTip("Learning rate η (RPROP adapts its own step sizes; for the perceptron it is η)")
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(*LIMITS["batch_size"])
        self.batch_spin.setSpecialValueText("full batch")
        self.batch_spin.setToolTip("1 = per-example back-propagation, 0 = full batch")
        self.l2_spin = QDoubleSpinBox()
        self.l2_spin.setDecimals(6)
        self.l2_spin.setRange(*LIMITS["l2"])
        self.l2_spin.setSingleStep(1e-4)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(*LIMITS["epochs"])
        self.epochs_spin.setSpecialValueText("until Pause")
        self.epochs_spin.setToolTip("Epochs one press of Play trains for (Pause keeps the rest for the next Play); "
                                    "0 = no limit, train until Pause")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(*LIMITS["seed"])
        self.seed_spin.setToolTip("Seed for the initial weights (Reset restores them) and the shuffling")
        self.mode_combo.currentIndexChanged.connect(self._mode_changed)
        self.optimizer_combo.currentIndexChanged.connect(self.settings_changed)
        for spin in (self.lr_spin, self.batch_spin, self.l2_spin):
            spin.setKeyboardTracking(False)      # one change per edit, not per typed digit
            spin.valueChanged.connect(self.settings_changed)
        for combo in (self.mode_combo, self.optimizer_combo):
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)

        form = QFormLayout()
        form.addRow("Mode", self.mode_combo)
        form.addRow("Optimizer", self.optimizer_combo)
        form.addRow("Learning rate", self.lr_spin)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("L2", self.l2_spin)
        form.addRow("Epochs per Play", self.epochs_spin)
        form.addRow("Weight seed", self.seed_spin)

        style = self.style()
        self.play_button = QPushButton(style.standardIcon(QStyle.SP_MediaPlay), "Play")
        self.pause_button = QPushButton(style.standardIcon(QStyle.SP_MediaPause), "Pause")
        self.step_button = QPushButton(style.standardIcon(QStyle.SP_MediaSkipForward), "Step 1 epoch")
        self.reset_button = QPushButton(style.standardIcon(QStyle.SP_BrowserReload), "Reset")
        self.play_button.setToolTip("Train for 'Epochs per Play' epochs (continues a paused run)")
        self.pause_button.setToolTip("Stop within ~0.1 s, mid-epoch if need be (an interrupted epoch's updates "
                                     "stay in the weights but it is not counted)")
        self.reset_button.setToolTip("Re-initialise the weights with the seed and clear the history")
        self.play_button.clicked.connect(self.play_clicked)
        self.pause_button.clicked.connect(self.pause_clicked)
        self.step_button.clicked.connect(self.step_clicked)
        self.reset_button.clicked.connect(self.reset_clicked)
        # The transport bar (buttons + status) is placed by the window where it is always visible.
        self.transport = QWidget()
        bar = QHBoxLayout(self.transport)
        bar.setContentsMargins(4, 2, 4, 2)
        for b in (self.play_button, self.pause_button, self.step_button, self.reset_button):
            b.setMinimumWidth(90)
            bar.addWidget(b)
        self.status_label = ElidedLabel("Epoch 0")
        self.status_label.setWordWrap(False)          # one line; the full text is in the tooltip
        self.status_label.setMinimumWidth(50)
        self.status_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.status_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        bar.addWidget(self.status_label, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.set_config(TrainConfig())
        self.set_running(False)

    def show_status(self, text: str, error: bool = False) -> None:
        """One line in the transport bar (elided to fit); the whole text is its tooltip."""
        self.status_label.setStyleSheet("color: #b00020;" if error else "")
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    def config(self) -> TrainConfig:
        return TrainConfig(mode=self.mode_combo.currentData(), optimizer=self.optimizer_combo.currentData(),
                           lr=self.lr_spin.value(), batch_size=self.batch_spin.value(), l2=self.l2_spin.value(),
                           epochs=self.epochs_spin.value(), seed=self.seed_spin.value())

    def set_config(self, cfg: TrainConfig) -> None:
        self.mode_combo.setCurrentIndex(max(0, self.mode_combo.findData(cfg.mode)))
        self.optimizer_combo.setCurrentIndex(max(0, self.optimizer_combo.findData(cfg.optimizer)))
        self.lr_spin.setValue(cfg.lr)
        self.batch_spin.setValue(cfg.batch_size)
        self.l2_spin.setValue(cfg.l2)
        self.epochs_spin.setValue(cfg.epochs)
        self.seed_spin.setValue(cfg.seed)
        self._mode_changed()

    def set_running(self, running: bool) -> None:
        """Enable the buttons that make sense while training runs / while idle."""
        self.play_button.setEnabled(not running)
        self.step_button.setEnabled(not running and self.mode_combo.currentData() == "network")
        self.pause_button.setEnabled(running)
        for w in (self.mode_combo, self.seed_spin):      # optimizer, lr, batch and L2 stay editable mid-run
            w.setEnabled(not running)

    def _mode_changed(self, *_):
        network = self.mode_combo.currentData() == "network"
        for w in (self.optimizer_combo, self.batch_spin, self.l2_spin):
            w.setEnabled(network)
        self.step_button.setEnabled(network and not self.pause_button.isEnabled())
