"""The Runs panel: a dock listing the run store's runs (the app's and the command line's), filterable, with the
curves of the selected runs overlaid in one plot, "Open in editor" and "Delete…".

The panel reads the store through the window's :class:`~pyffnn_gui.run_recorder.RunRecorder` (one connection, on the
UI thread). :func:`open_run` brings a run back into the window: the app's runs restore their whole configuration
(data, layers, training settings), the weights from the model file saved with the run, and the curves; runs of the
command line restore the layers and training settings and keep the data loaded.
"""
from __future__ import annotations

import os
import time
from typing import Callable, Dict, List, Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDockWidget, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QSplitter, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

import pyffnn
from pyffnn.experiments import STATUSES

from pyffnn_gui.config import OPTIMIZERS, LayerSpec
from pyffnn_gui.plot_style import boxed_legend, plain_axes
from pyffnn_gui.project_schema import SchemaError, check_settings
from pyffnn_gui.run_recorder import data_label

COLUMNS = ("ID", "Started", "Data", "Layers", "Optimizer", "LR", "Epochs", "Loss", "Val loss", "Accuracy",
           "Status")
CURVES = (("loss", "training loss"), ("val_loss", "validation loss"), ("accuracy", "training accuracy"),
          ("val_accuracy", "validation accuracy"))
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
           "#bcbd22")
MAX_LISTED = 500


def _number(value, fmt="{:.4g}") -> str:
    """A cell's text: ``value`` formatted, empty when missing or not a number (the store is anyone's file)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    return fmt.format(value)


def run_row(run) -> List[str]:
    """The table's cells for one run."""
    cfg, metrics = run.config or {}, run.metrics or {}
    opt = cfg.get("optimizer") or {}
    arch = str(cfg.get("architecture", ""))
    hidden = "-".join(arch.split("-")[1:-1]) or arch
    return [str(run.id), time.strftime("%m-%d %H:%M", time.localtime(run.created)), data_label(cfg), hidden,
            str(opt.get("name", "")), _number(opt.get("lr"), "{:g}"), _number(metrics.get("epoch"), "{:.0f}"),
            _number(metrics.get("loss")), _number(metrics.get("val_loss")), _number(metrics.get("accuracy"), "{:.1%}"),
            run.status]


class RunsPanel(QWidget):
    """Filter line, status choice, the runs table, the overlay plot and the actions."""

    def __init__(self, recorder, open_run: Callable[[object], str], parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.recorder = recorder
        self.open_run_in_window = open_run
        self.runs: List[object] = []
        self._curves: Dict[int, object] = {}          # run id -> Run with curves (finished runs cached)
        self.confirm: Callable[[str], bool] = self._confirm_dialog   # tests replace this

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("filter: data set, layers, optimizer, name…")
        self.filter_edit.setClearButtonEnabled(True)
        self.status_combo = QComboBox()
        self.status_combo.addItem("any status", None)
        for status in STATUSES:
            self.status_combo.addItem(status, status)
        self.refresh_button = QPushButton("Refresh")
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.status_combo)
        top.addWidget(self.refresh_button)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        plain_axes(self.plot)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "epoch")
        self.legend = boxed_legend(self.plot, offset=(-10, 10))   # top right: where curves have fallen
        self.curve_combo = QComboBox()
        for key, label in CURVES:
            self.curve_combo.addItem(label, key)
        self.open_button = QPushButton("Open in editor")
        self.delete_button = QPushButton("Delete…")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(QLabel("Curve:"))
        actions.addWidget(self.curve_combo)
        actions.addStretch(1)
        actions.addWidget(self.open_button)
        actions.addWidget(self.delete_button)

        split = QSplitter(Qt.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.plot_widget)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([620, 480])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(250)
        self._filter_timer.timeout.connect(self.refresh)
        self.filter_edit.textChanged.connect(lambda _t: self._filter_timer.start())
        self.status_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.curve_combo.currentIndexChanged.connect(lambda _i: self.draw_curves())
        self.open_button.clicked.connect(self.open_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self._selection_changed()

    # ------------------------------------------------------------------ listing
    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;" if error else "")

    def refresh(self) -> None:
        """Re-read the store with the current filter, keeping the selection where the runs still exist."""
        store = self.recorder.store
        if store is None:
            self.show_message(self.recorder.error or "no run store", error=True)
            return
        selected = set(self.selected_ids())
        try:
            self.runs = store.list_runs(status=self.status_combo.currentData(),
                                        contains=self.filter_edit.text().strip() or None, limit=MAX_LISTED)
        except pyffnn.FFNNError as exc:
            self.show_message(str(exc), error=True)
            return
        table = self.table
        table.blockSignals(True)
        table.setRowCount(len(self.runs))
        for r, run in enumerate(self.runs):
            for c, text in enumerate(run_row(run)):
                item = QTableWidgetItem(text)
                if c in (0, 5, 6, 7, 8, 9):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if c == 0:
                    item.setData(Qt.UserRole, run.id)
                table.setItem(r, c, item)
        table.clearSelection()
        for r, run in enumerate(self.runs):
            if run.id in selected:
                self._add_row_to_selection(r)
        table.blockSignals(False)
        where = store.path
        self.show_message(f"{len(self.runs)} run(s) in {where}" + (" (newest shown)" if len(self.runs) >= MAX_LISTED
                                                                  else ""))
        self._selection_changed()

    def _add_row_to_selection(self, row: int) -> None:
        model = self.table.selectionModel()
        index = self.table.model().index(row, 0)
        model.select(index, QItemSelectionModel.Select | QItemSelectionModel.Rows)

    def select_ids(self, ids) -> None:
        """Select the rows of these run ids (for scripts and tests)."""
        self.table.clearSelection()
        for r, run in enumerate(self.runs):
            if run.id in set(ids):
                self._add_row_to_selection(r)

    def selected_ids(self) -> List[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.runs[r].id for r in rows if r < len(self.runs)]

    def _selection_changed(self) -> None:
        ids = self.selected_ids()
        self.open_button.setEnabled(len(ids) == 1)
        self.delete_button.setEnabled(bool(ids))
        self.draw_curves()

    # ------------------------------------------------------------------ the overlay
    def _with_curves(self, run_id: int):
        run = self._curves.get(run_id)
        if run is None:
            run = self.recorder.store.get_run(run_id)
            if run.status != "running":
                self._curves[run_id] = run
        return run

    def draw_curves(self) -> None:
        """One curve per selected run (the chosen quantity against the epoch), with a legend of run ids."""
        self.plot.clear()
        self.legend.clear()
        key = self.curve_combo.currentData()
        self.plot.setTitle(self.curve_combo.currentText())
        store = self.recorder.store
        if store is None:
            return
        for i, run_id in enumerate(self.selected_ids()):
            try:
                run = self._with_curves(run_id)
            except pyffnn.FFNNError:
                continue
            values = run.curves.get(key)
            if not values:
                continue
            y = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
            x = np.asarray(run.epochs, dtype=np.float64) + 1
            ok = np.isfinite(y)
            label = f"#{run.id} {run_row(run)[3]} {run_row(run)[4]} lr {run_row(run)[5]}".strip()
            self.plot.plot(x[ok], y[ok], pen=pg.mkPen(PALETTE[i % len(PALETTE)], width=2), name=label)

    def curve_count(self) -> int:
        """How many curves the overlay shows (for tests)."""
        return sum(1 for item in self.plot.listDataItems() if item.xData is not None and len(item.xData))

    # ------------------------------------------------------------------ actions
    def _confirm_dialog(self, text: str) -> bool:
        return QMessageBox.question(self, "Delete runs", text, QMessageBox.Yes | QMessageBox.No,
                                    QMessageBox.No) == QMessageBox.Yes

    def delete_selected(self) -> bool:
        ids = self.selected_ids()
        if not ids:
            return False
        if self.recorder.run_id in ids:
            self.show_message(f"run {self.recorder.run_id} is the one being trained in this window; Reset (or "
                              "build another network) first, then delete it", error=True)
            return False
        listed = ", ".join(map(str, ids))
        if not self.confirm(f"Delete {len(ids)} run(s) ({listed}) from the run store? Their curves go too; "
                            "model files are kept."):
            return False
        n = self.recorder.store.delete_runs(ids)
        for run_id in ids:
            self._curves.pop(run_id, None)
        self.refresh()
        self.show_message(f"deleted {n} run(s): {listed}")
        return True

    def open_selected(self) -> bool:
        ids = self.selected_ids()
        if len(ids) != 1:
            return False
        try:
            run = self.recorder.store.get_run(ids[0])
            text = self.open_run_in_window(run)
        except (pyffnn.FFNNError, ValueError) as exc:
            self.show_message(f"could not open run {ids[0]}: {exc}", error=True)
            return False
        self.show_message(text)
        return True


class RunsDock(QDockWidget):
    """The panel in a dock widget (View ▸ Runs); refreshes when shown and when the recorder writes."""

    def __init__(self, recorder, open_run, parent=None):
        super().__init__("Runs", parent)
        self.setObjectName("runs_dock")
        self.panel = RunsPanel(recorder, open_run)
        self.setWidget(self.panel)
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(500)
        self._pending.timeout.connect(self.panel.refresh)
        self._placed = False
        self.visibilityChanged.connect(self._shown)

    # A docked panel takes ~300 px of height from the plots; on a short screen (1366×768) it squashes them to
    # slivers, so there it first opens as its own window over the lower part of the main one (it can be docked).
    SHORT_WINDOW = 900

    def _shown(self, visible: bool) -> None:
        if not visible:
            return
        main = self.parentWidget()
        if not self._placed and main is not None and not self.isFloating() and main.height() < self.SHORT_WINDOW:
            self._placed = True
            self.setFloating(True)
            width, height = max(600, main.width() - 60), max(300, main.height() // 2)
            top_left = main.mapToGlobal(main.rect().bottomLeft())
            self.setGeometry(top_left.x() + (main.width() - width) // 2, top_left.y() - height - 40, width, height)
        self._placed = True
        self.panel.refresh()

    def store_changed(self) -> None:
        if self.isVisible():
            self._pending.start()


# ---------------------------------------------------------------------------------------------- open in editor
def _hidden_from_spec(spec: str) -> List[LayerSpec]:
    _, layers = pyffnn.parse_spec(spec)
    hidden = []
    for layer in layers[:-1]:
        pieces = getattr(layer, "pieces", 1)
        hidden.append(LayerSpec(int(layer.units), layer.activation, max(2, int(pieces))))
    return hidden


def open_run(window, run) -> str:
    """Load ``run`` into ``window``: configuration, then the weights and curves when the run's model file fits.
    Returns the message to show; raises ValueError when nothing could be loaded."""
    if window.running:
        raise ValueError("pause training first")
    cfg_raw = run.config or {}
    if "app" in cfg_raw:
        try:
            cfg = check_settings(cfg_raw["app"])
        except SchemaError as exc:
            raise ValueError(f"its stored app configuration is not usable: {exc}") from None
        what = "its configuration"
    else:   # a command-line run: its layers and training settings, on the data loaded now
        cfg = window.current_config()
        try:
            cfg.network.hidden = _hidden_from_spec(str(cfg_raw.get("architecture", "")))
        except pyffnn.FFNNError as exc:
            raise ValueError(f"its architecture cannot be shown in the editor: {exc}") from None
        opt, fit = cfg_raw.get("optimizer") or {}, cfg_raw.get("fit") or {}
        names = [name for _, name in OPTIMIZERS]
        if opt.get("name") in names:
            cfg.train.optimizer = opt["name"]
        if isinstance(opt.get("lr"), (int, float)) and opt["lr"] > 0:
            cfg.train.lr = float(opt["lr"])
        if isinstance(fit.get("batch_size"), int):
            cfg.train.batch_size = fit["batch_size"]
        if isinstance(fit.get("l2"), (int, float)):
            cfg.train.l2 = float(fit["l2"])
        if isinstance(cfg_raw.get("seed"), int):
            cfg.train.seed = cfg_raw["seed"]
        what = "its layers and training settings (a command-line run: the data loaded now is kept)"
    window._apply_config_to_panels(cfg)
    if not window.load_data():
        raise ValueError("its data could not be loaded (see the Data panel)")
    notes = [f"Opened run {run.id}: {what}"]
    session = window.session
    path = run.model_path
    if path and os.path.exists(path):
        try:
            model = pyffnn.Network.load(path)
        except (pyffnn.FFNNError, OSError, ValueError) as exc:
            notes.append(f"its model file could not be read ({exc})")
        else:
            if model.spec == session.net.spec:
                session.net.params[:] = model.params
                history = {k: np.array([np.nan if v is None else v for v in vals]) for k, vals in run.curves.items()}
                session.set_history(history, len(run.epochs))
                window._after_rebuild()
                notes.append("with its trained weights and curves")
            else:
                notes.append(f"its model ({model.spec}) does not fit this network ({session.net.spec}); "
                             "initial weights")
    elif path:
        notes.append(f"its model file {path} is gone; initial weights")
    else:
        notes.append("no model file was stored with it; initial weights")
    text = ", ".join(notes)
    window._show_status(text)
    return text
