"""Data panel: built-in 2-D sets (noise, samples, seed) or a CSV file with a chosen target column (the Import…
dialog sets every column's kind and role, header, skip rows and missing values); split ratios and standardisation;
Playground's extra inputs (x1², x2², x1·x2, sin x1, sin x2) for 2-D data, applied at once.
Problems are shown in ``message_label``; the panel never raises into Qt."""
from __future__ import annotations

import copy
import os

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QStackedWidget,
                               QVBoxLayout, QWidget)

from pyffnn_gui.config import INPUT_TRANSFORMS, DataConfig
from pyffnn_gui.data_source import DataLoadError, builtin_names, csv_columns, default_noise


class DataPanel(QGroupBox):
    """Edits a :class:`DataConfig`; ``load_requested`` asks the window to (re)load the data."""

    load_requested = Signal()

    def __init__(self, parent: QWidget = None):
        super().__init__("Data", parent)
        self.source_combo = QComboBox()
        self.source_combo.addItem("Built-in data set", "builtin")
        self.source_combo.addItem("CSV file", "csv")
        self.source_combo.addItem("Painted points", "custom")

        # --- built-in page
        self.builtin_combo = QComboBox()
        self.builtin_combo.addItems(builtin_names())
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(10, 1_000_000)
        self.samples_spin.setSingleStep(100)
        self.noise_spin = QDoubleSpinBox()
        self.noise_spin.setRange(0.0, 5.0)
        self.noise_spin.setSingleStep(0.05)
        self.noise_spin.setDecimals(3)
        self.noise_spin.setToolTip("Choosing another data set sets the noise that set is designed for, "
                                   "unless you changed it")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self._shown_builtin = self.builtin_combo.currentText()
        self.builtin_combo.currentTextChanged.connect(self._builtin_changed)
        builtin_page = QWidget()
        bform = QFormLayout(builtin_page)
        bform.setContentsMargins(0, 0, 0, 0)
        bform.addRow("Data set", self.builtin_combo)
        bform.addRow("Samples", self.samples_spin)
        bform.addRow("Noise", self.noise_spin)
        bform.addRow("Seed", self.seed_spin)

        # --- CSV page
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("path/to/data.csv")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self.browse)
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Preview the table; set each column's kind and role, header, skip rows and "
                                      "missing values")
        self.import_button.clicked.connect(self.open_import_dialog)
        self._table_choices = DataConfig()   # the import dialog's choices (header, roles, kinds, ...)
        self.path_edit.editingFinished.connect(self.refresh_columns)
        self.target_combo = QComboBox()
        self.target_combo.setToolTip("Numeric target → regression; text or integer classes → classification")
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit)
        path_row.addWidget(self.browse_button)
        path_row.addWidget(self.import_button)
        csv_page = QWidget()
        cform = QFormLayout(csv_page)
        cform.setContentsMargins(0, 0, 0, 0)
        cform.addRow("File", path_row)
        cform.addRow("Target", self.target_combo)

        # --- painted points (made with Paint / Erase on the output plot)
        self.custom_label = QLabel("")
        self.custom_label.setWordWrap(True)
        self._custom = ([], [])             # (points, point_columns) of a painted data set
        self.pages = QStackedWidget()
        self.pages.addWidget(builtin_page)
        self.pages.addWidget(csv_page)
        self.pages.addWidget(self.custom_label)
        self.source_combo.currentIndexChanged.connect(self.pages.setCurrentIndex)

        # --- split & scaling
        self.val_spin = QDoubleSpinBox()
        self.test_spin = QDoubleSpinBox()
        for spin in (self.val_spin, self.test_spin):
            spin.setRange(0.0, 0.6)
            spin.setSingleStep(0.05)
            spin.setDecimals(2)
        self.standardize_check = QCheckBox("Standardise features")
        self.standardize_check.setToolTip(
            "Scale each feature, and a numeric target, to zero mean and unit variance (fitted on the training "
            "split); plots and scores show the target in its own units")
        # --- Playground's extra inputs: toggling one reloads the data and rebuilds the input layer
        self.transform_checks = {}
        transforms = QGridLayout()
        transforms.setContentsMargins(0, 0, 0, 0)
        transforms.addWidget(QLabel("Extra inputs"), 0, 0)
        for k, (name, label) in enumerate(INPUT_TRANSFORMS):
            check = QCheckBox(label)
            check.setToolTip(f"Give the network {label} as an extra input (2-D data); the plots stay over x1, x2")
            check.toggled.connect(self._transform_toggled)
            self.transform_checks[name] = check
            transforms.addWidget(check, k // 3, 1 + k % 3)
        self._setting = False
        self.load_button = QPushButton("Load data")
        self.load_button.clicked.connect(self.load_requested)
        self.message_label = QLabel("")
        self.message_label.setWordWrap(True)

        split = QHBoxLayout()
        split.addWidget(QLabel("Validation"))
        split.addWidget(self.val_spin)
        split.addWidget(QLabel("Test"))
        split.addWidget(self.test_spin)
        layout = QVBoxLayout(self)
        top = QFormLayout()
        top.addRow("Source", self.source_combo)
        layout.addLayout(top)
        layout.addWidget(self.pages)
        layout.addLayout(split)
        layout.addWidget(self.standardize_check)
        layout.addLayout(transforms)
        layout.addWidget(self.load_button)
        layout.addWidget(self.message_label)
        self.set_config(DataConfig())

    # ------------------------------------------------------------------ config
    def config(self) -> DataConfig:
        target = self.target_combo.currentData()
        c = self._table_choices
        targets = list(c.targets)
        if targets and self.target_combo.currentText() != targets[0]:
            targets = []                 # the target combo was changed since the import dialog: it wins
        custom = self.source_combo.currentData() == "custom"
        return DataConfig(source=self.source_combo.currentData(), builtin=self.builtin_combo.currentText(),
                          n_samples=self.samples_spin.value(), noise=self.noise_spin.value(),
                          seed=self.seed_spin.value(), csv_path=self.path_edit.text().strip(),
                          target=-1 if target is None else int(target), val=self.val_spin.value(),
                          test=self.test_spin.value(), standardize=self.standardize_check.isChecked(),
                          scale_target=c.scale_target,
                          header=c.header, skip_rows=c.skip_rows, missing=c.missing, task=c.task, targets=targets,
                          drop=list(c.drop), features=list(c.features), kinds=dict(c.kinds),
                          transforms=self.transforms(), points=list(self._custom[0]) if custom else [],
                          point_columns=list(self._custom[1]) if custom else [])

    def set_config(self, cfg: DataConfig) -> None:
        self.source_combo.setCurrentIndex(max(0, self.source_combo.findData(cfg.source)))
        if self.builtin_combo.findText(cfg.builtin) >= 0:
            self.builtin_combo.setCurrentText(cfg.builtin)
        self.samples_spin.setValue(int(cfg.n_samples))
        self.noise_spin.setValue(float(cfg.noise))
        self.seed_spin.setValue(int(cfg.seed))
        self.path_edit.setText(cfg.csv_path)
        self.val_spin.setValue(cfg.val)
        self.test_spin.setValue(cfg.test)
        self.standardize_check.setChecked(cfg.standardize)
        self._setting = True
        try:
            for name, check in self.transform_checks.items():
                check.setChecked(name in cfg.transforms)
        finally:
            self._setting = False
        self._table_choices = copy.deepcopy(cfg)
        if cfg.source == "custom":
            self._custom = (list(cfg.points), list(cfg.point_columns))
        n = len(self._custom[0])
        self.custom_label.setText(f"{n} painted points" + (f" (started from {cfg.builtin})" if n else "")
                                  + ". Paint or erase on the output plot; Undo takes a stroke back." if n else
                                  "No painted points yet: choose a built-in set, then Paint on the output plot.")
        if cfg.source == "csv" and cfg.csv_path:
            self.refresh_columns(select=cfg.target)

    def transforms(self):
        """The checked extra inputs (``config.INPUT_TRANSFORMS`` names, in that order)."""
        return [name for name, check in self.transform_checks.items() if check.isChecked()]

    def set_transforms_available(self, available: bool) -> None:
        """The extra inputs are for 2-D data: the boxes are greyed out (and ignored) for other data."""
        for check in self.transform_checks.values():
            check.setEnabled(available)

    def _transform_toggled(self, _on: bool) -> None:
        if not self._setting:
            self.load_requested.emit()

    def _builtin_changed(self, name: str) -> None:
        """Follow the new set's default noise unless the user edited the noise of the previous one."""
        previous, self._shown_builtin = self._shown_builtin, name
        if abs(self.noise_spin.value() - default_noise(previous, -1.0)) < 1e-9:
            self.noise_spin.setValue(default_noise(name, self.noise_spin.value()))

    # ------------------------------------------------------------------ CSV helpers
    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open CSV data", os.path.dirname(self.path_edit.text()),
                                              "CSV files (*.csv *.txt);;All files (*)")
        if path:
            self.path_edit.setText(path)
            self.source_combo.setCurrentIndex(self.source_combo.findData("csv"))
            self.refresh_columns()

    def open_import_dialog(self) -> bool:
        """Show the import dialog; on OK take its choices and ask for the data to be loaded."""
        from pyffnn_gui.import_dialog import ImportDialog

        self.import_dialog = ImportDialog(self.config(), self)
        if self.import_dialog.exec() != ImportDialog.Accepted:
            return False
        self.apply_import(self.import_dialog.config())
        return True

    def apply_import(self, cfg: DataConfig) -> None:
        """Take the import dialog's choices (a CSV data config) and request a load."""
        self.source_combo.setCurrentIndex(self.source_combo.findData("csv"))
        self._table_choices = copy.deepcopy(cfg)
        self.path_edit.setText(cfg.csv_path)
        self.refresh_columns(select=cfg.target)
        self.load_requested.emit()

    def refresh_columns(self, select: int = -1) -> bool:
        """Fill the target combo from the file's header; default target is the last column."""
        self.target_combo.clear()
        path = self.path_edit.text().strip()
        if not path:
            return False
        try:
            if self._table_choices.csv_path not in ("", path):   # another file: the old choices do not apply
                self._table_choices = DataConfig()
            c = self._table_choices
            names = csv_columns(path, c.header, c.skip_rows)
        except DataLoadError as exc:
            self.show_error(str(exc))
            return False
        for i, name in enumerate(names):
            self.target_combo.addItem(name, i)
        index = select % len(names) if names and -len(names) <= select < len(names) else len(names) - 1
        self.target_combo.setCurrentIndex(index)
        self.message_label.clear()
        return True

    # ------------------------------------------------------------------ messages
    def show_error(self, text: str) -> None:
        self.message_label.setStyleSheet("color: #b00020;")
        self.message_label.setText(f"⚠ {text}")

    def show_info(self, text: str) -> None:
        self.message_label.setStyleSheet("color: #1b5e20;")
        self.message_label.setText(text)

    def message(self) -> str:
        return self.message_label.text()
