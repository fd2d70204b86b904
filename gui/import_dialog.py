"""The CSV import dialog, in the spirit of Orange's File widget: a preview of the first rows, each column's kind and
role (feature / target / ignore) editable, header, skip rows, the missing-value policy and the task, and the same data
report as ``pyffnn train`` prints.  Everything is read and decided by the library (``read_frame`` and a fitted
``Preprocessor``); the dialog only shows it and collects the choices into a :class:`DataConfig`.
"""
from __future__ import annotations

import copy
import warnings

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QPushButton, QSpinBox, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)
from PySide6.QtCore import Qt

from pyffnn_gui.config import DataConfig
from pyffnn_gui.data_source import DataLoadError, read_csv_table, table_options

PREVIEW_ROWS = 20
ROLES = ("feature", "target", "ignore")
ENCODABLE = ("numeric", "boolean", "categorical")


class ImportDialog(QDialog):
    """Edit the CSV part of a :class:`DataConfig`; :meth:`config` gives the result."""

    def __init__(self, cfg: DataConfig, parent: QWidget = None):
        super().__init__(parent)
        self.setWindowTitle("Import CSV")
        self.resize(900, 640)
        self._cfg = copy.deepcopy(cfg)
        self._table = None
        self._inferred = {}   # column -> (kind, role) as the library decided with no choices made

        self.path_edit = QLineEdit(self._cfg.csv_path)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self.browse)
        self.path_edit.editingFinished.connect(self.reload)
        self.header_combo = QComboBox()
        self.header_combo.addItems(["auto", "yes", "no"])
        self.header_combo.setCurrentText(self._cfg.header)
        self.skip_spin = QSpinBox()
        self.skip_spin.setRange(0, 1_000_000)
        self.skip_spin.setValue(self._cfg.skip_rows)
        self.skip_spin.setToolTip("Lines to skip at the top, e.g. a title or metadata line")
        self.missing_combo = QComboBox()
        self.missing_combo.addItems(["impute", "drop", "error"])
        self.missing_combo.setCurrentText(self._cfg.missing)
        self.missing_combo.setToolTip("impute: mean + indicator column for numbers, most frequent category; "
                                      "drop: leave out rows with a missing feature; error: refuse")
        self.task_combo = QComboBox()
        self.task_combo.addItems(["auto", "classification", "regression"])
        self.task_combo.setCurrentText(self._cfg.task)
        for combo in (self.header_combo, self.missing_combo, self.task_combo):
            combo.currentTextChanged.connect(self._options_changed)
        self.skip_spin.valueChanged.connect(self._options_changed)

        self.preview = QTableWidget()
        self.preview.setEditTriggers(QTableWidget.NoEditTriggers)
        self.columns = QTableWidget(0, 5)
        self.columns.setHorizontalHeaderLabels(["Column", "Kind", "Role", "Missing", "Note"])
        self.columns.horizontalHeader().setStretchLastSection(True)
        self.columns.verticalHeader().setVisible(False)
        self.report_view = QPlainTextEdit()
        self.report_view.setReadOnly(True)
        self.report_view.setFont(QFont("monospace"))
        self.message_label = QLabel("")
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit)
        path_row.addWidget(self.browse_button)
        form = QFormLayout()
        form.addRow("File", path_row)
        options = QHBoxLayout()
        for label, widget in (("Header", self.header_combo), ("Skip rows", self.skip_spin),
                              ("Missing values", self.missing_combo), ("Task", self.task_combo)):
            options.addWidget(QLabel(label))
            options.addWidget(widget)
        options.addStretch(1)
        form.addRow(options)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self._titled("Preview (first rows)", self.preview))
        split.addWidget(self._titled("Columns: kind and role", self.columns))
        split.addWidget(self._titled("Report", self.report_view))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(split, 1)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        if self._cfg.csv_path:
            self.reload(keep_choices=True)
        else:
            self._set_error("choose a CSV file")

    @staticmethod
    def _titled(title, widget):
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(QLabel(f"<b>{title}</b>"))
        v.addWidget(widget)
        return box

    # ------------------------------------------------------------------ reading
    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a table", self.path_edit.text(),
                                              "Tables (*.csv *.tsv *.txt *.gz *.bz2 *.xz *.zip);;All files (*)")
        if path:
            self.path_edit.setText(path)
            self.reload()

    def _options_changed(self, *_):
        if self.sender() in (self.header_combo, self.skip_spin):
            self.reload(keep_choices=False)
        else:
            self.refit()

    def reload(self, keep_choices: bool = False) -> None:
        """Read the file with the header/skip-rows choices and show its preview and columns."""
        self._table = None
        self.columns.setRowCount(0)
        self.preview.clear()
        path = self.path_edit.text().strip()
        if not path:
            self._set_error("choose a CSV file")
            return
        try:
            self._table = read_csv_table(path, self.header_combo.currentText(), self.skip_spin.value())
        except DataLoadError as exc:
            self._set_error(str(exc))
            return
        frame = self._table.frame
        head = frame.head(PREVIEW_ROWS)
        self.preview.setRowCount(len(head))
        self.preview.setColumnCount(frame.shape[1])
        self.preview.setHorizontalHeaderLabels([str(c) for c in frame.columns])
        for i, row in enumerate(head.itertuples(index=False)):
            for j, value in enumerate(row):
                text = "" if value is None or value != value else str(value)  # NaN != NaN
                self.preview.setItem(i, j, QTableWidgetItem(text))
        cfg = self._cfg if keep_choices else DataConfig(target=-1)
        self._inferred = self._infer(cfg)
        if self._inferred is None:
            return
        self._fill_columns(cfg)
        self.refit()

    def _infer(self, cfg):
        """Kinds and roles as the library decides them for ``cfg``'s target alone (no other choices)."""
        from pyffnn import datasets

        names = [str(c) for c in self._table.frame.columns]
        try:
            base = DataConfig(target=cfg.target, targets=list(cfg.targets))
            options = table_options(base, names)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", datasets.DataWarning)
                pre = datasets.Preprocessor(standardize=False, **options).fit(self._table)
        except (DataLoadError, ValueError) as exc:
            # still show the columns, every one a feature, so the user can pick a target
            self._set_error(str(exc))
            return {n: ("numeric", "feature") for n in names}
        return {c.name: (c.kind, {"ignored": "ignore"}.get(c.role, c.role)) for c in pre.report_.columns}

    def _fill_columns(self, cfg):
        self.columns.setRowCount(len(self._inferred))
        for i, (name, (kind, role)) in enumerate(self._inferred.items()):
            self.columns.setItem(i, 0, QTableWidgetItem(name))
            kind_box = QComboBox()
            kind_box.addItems(([kind] if kind not in ENCODABLE else []) + list(ENCODABLE))
            kind_box.setCurrentText(cfg.kinds.get(name, kind))
            kind_box.currentTextChanged.connect(self.refit)
            role_box = QComboBox()
            role_box.addItems(ROLES)
            if name in cfg.targets:
                role = "target"
            elif name in cfg.drop:
                role = "ignore"
            elif name in cfg.features:
                role = "feature"
            role_box.setCurrentText(role)
            role_box.currentTextChanged.connect(self.refit)
            self.columns.setCellWidget(i, 1, kind_box)
            self.columns.setCellWidget(i, 2, role_box)
            for j in (3, 4):
                self.columns.setItem(i, j, QTableWidgetItem(""))
        self.columns.resizeColumnsToContents()

    # ------------------------------------------------------------------ choices
    def column_names(self):
        return [self.columns.item(i, 0).text() for i in range(self.columns.rowCount())]

    def set_role(self, name: str, role: str) -> None:
        self.columns.cellWidget(self.column_names().index(name), 2).setCurrentText(role)

    def set_kind(self, name: str, kind: str) -> None:
        self.columns.cellWidget(self.column_names().index(name), 1).setCurrentText(kind)

    def role(self, name: str) -> str:
        return self.columns.cellWidget(self.column_names().index(name), 2).currentText()

    def kind(self, name: str) -> str:
        return self.columns.cellWidget(self.column_names().index(name), 1).currentText()

    def config(self) -> DataConfig:
        """The data config with this dialog's choices (source csv)."""
        cfg = copy.deepcopy(self._cfg)
        cfg.source, cfg.csv_path = "csv", self.path_edit.text().strip()
        cfg.header, cfg.skip_rows = self.header_combo.currentText(), self.skip_spin.value()
        cfg.missing, cfg.task = self.missing_combo.currentText(), self.task_combo.currentText()
        cfg.targets, cfg.drop, cfg.features, cfg.kinds = [], [], [], {}
        for name in self.column_names():
            kind0, role0 = self._inferred.get(name, ("numeric", "feature"))
            role, kind = self.role(name), self.kind(name)
            if role == "target":
                cfg.targets.append(name)
            elif role == "ignore":
                cfg.drop.append(name)
            elif role0 == "ignore":
                cfg.features.append(name)      # a column the library leaves out by default, asked for
            if kind != kind0 and kind in ENCODABLE:
                cfg.kinds[name] = kind
        if cfg.targets:
            cfg.target = self.column_names().index(cfg.targets[0])
        return cfg

    def refit(self, *_) -> None:
        """Fit the library's preprocessing with the current choices and show its report (or its error)."""
        from pyffnn import datasets

        if self._table is None:
            return
        cfg = self.config()
        try:
            if not cfg.targets:
                raise DataLoadError("choose a target column (role: target)")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", datasets.DataWarning)
                pre = datasets.Preprocessor(standardize=False, **table_options(cfg, self.column_names())).fit(
                    self._table)
        except (DataLoadError, ValueError) as exc:
            self._set_error(str(exc))
            return
        report = pre.report_
        for i, c in enumerate(report.columns):
            self.columns.item(i, 3).setText(str(c.n_missing))
            self.columns.item(i, 4).setText(c.note)
        self.report_view.setPlainText(report.format())
        self.message_label.setText("")
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(True)

    def _set_error(self, text: str) -> None:
        self.message_label.setText(f"⚠ {text}")
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(False)

    def report_text(self) -> str:
        return self.report_view.toPlainText()
