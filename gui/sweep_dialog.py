"""Run ▸ Sweep…: train one network per combination of settings on the loaded data, in the background on local
processes (``pyffnn.experiments.sweep.Sweep``), every run recorded in the run store; the results fill a table
and a scatter plot of a metric against a chosen setting as they arrive.

The sweep runs in its own thread and worker processes; their results reach the dialog through a queue that a timer
on the UI thread empties, so the window never waits for training.
"""
from __future__ import annotations

import math
import os
import queue
from typing import Dict, List, Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QSpinBox, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

import pyffnn

from pyffnn_gui.plot_style import plain_axes

SETTINGS = ("lr", "layers", "batch_size", "l2", "optimizer", "seed")
METRICS = (("val_loss", "validation loss"), ("val_accuracy", "validation accuracy"), ("loss", "training loss"),
           ("accuracy", "training accuracy"))
POLL_MS = 200


def _numbers(text: str, kind, name: str) -> list:
    values = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            values.append(kind(part))
        except ValueError:
            raise ValueError(f"{name}: {part!r} is not a {'number' if kind is float else 'whole number'}") from None
    if not values:
        raise ValueError(f"{name}: give at least one value")
    return values


def parse_space(lr: str, layers: str, batch: str, l2: str, seeds: str, optimizer: str) -> Dict[str, list]:
    """The sweep's grid from the dialog's fields (comma-separated values; layer stacks separated by ';')."""
    space = {"lr": _numbers(lr, float, "learning rates"),
             "batch_size": _numbers(batch, int, "batch sizes"),
             "l2": _numbers(l2, float, "L2 penalties"),
             "seed": _numbers(seeds, int, "seeds"),
             "optimizer": [optimizer]}
    stacks = [s.strip() for s in layers.split(";") if s.strip()]
    if not stacks:
        raise ValueError("hidden layers: give at least one stack such as 16tanh-16tanh")
    space["layers"] = stacks
    return space


class SweepDialog(QDialog):
    """Settings to vary, Start/Stop, the results table and the scatter plot. ``finished_sweep`` fires at the end."""

    finished_sweep = Signal(object)

    def __init__(self, window, parent: Optional[QWidget] = None):
        super().__init__(parent or window)
        self.setWindowTitle("Sweep")
        self.window_ = window
        self.sweep = None
        self.rows: List[dict] = []
        self._queue: "queue.Queue[dict]" = queue.Queue()
        tc = window.session.config.train
        hidden = "-".join(f"{ly.units}{ly.activation}" + (str(ly.pieces) if ly.activation == "maxout" else "")
                          for ly in window.session.config.network.hidden) or "none"
        self.lr_edit = QLineEdit(", ".join(f"{tc.lr * f:g}" for f in (0.3, 1, 3)))
        self.layers_edit = QLineEdit(hidden)
        self.batch_edit = QLineEdit(str(tc.batch_size or 32))
        self.l2_edit = QLineEdit(f"{tc.l2:g}")
        self.seeds_edit = QLineEdit(str(tc.seed))
        self.optimizer_label = QLabel(tc.optimizer)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 1_000_000)
        self.epochs_spin.setValue(max(1, min(tc.epochs or 100, 1000)))
        self.processes_spin = QSpinBox()
        self.processes_spin.setRange(0, 256)
        self.processes_spin.setValue(os.cpu_count() or 1)
        self.processes_spin.setToolTip("worker processes (0: one after the other in a background thread)")
        self.metric_combo = QComboBox()
        for key, label in METRICS:
            self.metric_combo.addItem(label, key)
        form = QFormLayout()
        form.addRow("Learning rates", self.lr_edit)
        form.addRow("Hidden layers (';' between stacks)", self.layers_edit)
        form.addRow("Batch sizes", self.batch_edit)
        form.addRow("L2 penalties", self.l2_edit)
        form.addRow("Seeds", self.seeds_edit)
        form.addRow("Optimizer", self.optimizer_label)
        form.addRow("Epochs per run", self.epochs_spin)
        form.addRow("Processes", self.processes_spin)
        form.addRow("Best by", self.metric_combo)
        self.start_button = QPushButton("Start")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)

        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSortingEnabled(False)
        self.table.verticalHeader().setVisible(False)
        self.x_combo = QComboBox()
        for key in SETTINGS:
            self.x_combo.addItem(key, key)
        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        plain_axes(self.plot)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.scatter = pg.ScatterPlotItem(size=9, pen=pg.mkPen("#1f77b4"), brush=pg.mkBrush(31, 119, 180, 160))
        self.plot.addItem(self.scatter)
        plot_box = QWidget()
        plot_layout = QVBoxLayout(plot_box)
        plot_layout.setContentsMargins(0, 0, 0, 0)
        x_row = QHBoxLayout()
        x_row.addWidget(QLabel("Metric against"))
        x_row.addWidget(self.x_combo, 1)
        plot_layout.addLayout(x_row)
        plot_layout.addWidget(self.plot_widget, 1)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(self.table)
        split.addWidget(plot_box)
        split.setSizes([520, 420])

        top = QHBoxLayout()
        left = QVBoxLayout()
        left.addLayout(form)
        left.addLayout(buttons)
        left.addWidget(self.status)
        left.addStretch(1)
        top.addLayout(left)
        top.addWidget(split, 1)
        self.setLayout(top)
        self.resize(1100, 520)

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.x_combo.currentIndexChanged.connect(lambda _i: self.draw())
        self.metric_combo.currentIndexChanged.connect(lambda _i: self.draw())

    # ------------------------------------------------------------------ running
    def show_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #b00020;" if error else "")

    def start(self) -> bool:
        """Start the sweep in the background; False (with the reason shown) when it cannot start."""
        if self.sweep is not None and self.sweep.running:
            return False
        s = self.window_.session
        if s.net is None or s.data is None:
            self.show_status("load a data set first", error=True)
            return False
        try:
            from pyffnn.experiments.sweep import Sweep
        except ImportError:
            self.show_status("this pyffnn has no sweeps (pyffnn.experiments.sweep)", error=True)
            return False
        try:
            space = parse_space(self.lr_edit.text(), self.layers_edit.text(), self.batch_edit.text(),
                                self.l2_edit.text(), self.seeds_edit.text(), self.optimizer_label.text())
            data = s.data
            validation = (data.Xs_val, s.targets(data.y_val)) if len(data.X_val) else None
            self.sweep = Sweep(space, (data.Xs_train, s.targets(data.y_train)), epochs=self.epochs_spin.value(),
                               processes=self.processes_spin.value(), runs_db=self.window_.recorder.store_path,
                               metric=self.metric_combo.currentData(), validation_data=validation,
                               validation_split=0.0, output=f"{s.net.n_outputs}{s.net.output_activation}",
                               on_result=self._queue.put)
        except (ValueError, pyffnn.FFNNError) as exc:
            self.show_status(str(exc), error=True)
            return False
        self.rows = []
        self._fill_table()
        self.draw()
        self.sweep.start()
        self.timer.start()
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.show_status(f"sweep {self.sweep.name}: {len(self.sweep.points)} runs on "
                         f"{self.processes_spin.value() or 'no extra'} process(es)…")
        return True

    def stop(self) -> None:
        if self.sweep is not None and self.sweep.running:
            self.sweep.cancel()
            self.show_status("stopping: running runs are ended and recorded as interrupted…")

    def _poll(self) -> None:
        got = False
        while True:
            try:
                row = self._queue.get_nowait()
            except queue.Empty:
                break
            self.rows.append(row)
            got = True
        if got:
            self._fill_table()
            self.draw()
            self.window_.runs_dock.store_changed()
        if self.sweep is not None and not self.sweep.running:
            self.timer.stop()
            self.start_button.setEnabled(True)
            self.stop_button.setEnabled(False)
            try:
                result = self.sweep.wait(0)
            except Exception as exc:  # noqa: BLE001  (the sweep's own error, shown instead of raised)
                self.show_status(f"the sweep stopped: {exc}", error=True)
                self.finished_sweep.emit(None)
                return
            self.rows = list(result.rows)
            self._fill_table()
            self.draw()
            best = result.best
            text = f"{len(self.rows)} run(s) of sweep {result.sweep}" + (" (stopped)" if result.interrupted else "")
            if best is not None:
                value = best.get(result.metric)
                text += f"; best {result.metric} {value:.4g}: run {best.get('run_id')} (" + ", ".join(
                    f"{k}={best.get(k)}" for k in SETTINGS if k in self.sweep.space) + ")"
            self.show_status(text)
            self.window_.runs_dock.store_changed()
            self.finished_sweep.emit(result)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.stop()
        super().closeEvent(event)

    # ------------------------------------------------------------------ results
    def _columns(self) -> List[str]:
        varied = [k for k in SETTINGS if self.sweep is not None and k in self.sweep.space]
        return ["run", *varied, "val_loss", "val_accuracy", "loss", "accuracy", "status"]

    def _fill_table(self) -> None:
        cols = self._columns()
        self.table.setColumnCount(len(cols))
        self.table.setHorizontalHeaderLabels(cols)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            for c, key in enumerate(cols):
                value = row.get("run_id" if key == "run" else key)
                if isinstance(value, float):
                    text = f"{value:.4g}"
                else:
                    text = "" if value is None else str(value)
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def points(self):
        """(x values, y values, x tick labels or None) of the scatter for the chosen setting and metric."""
        key, metric = self.x_combo.currentData(), self.metric_combo.currentData()
        rows = [r for r in self.rows if isinstance(r.get(metric), (int, float)) and math.isfinite(r[metric])]
        xs = [r.get(key) for r in rows]
        ys = np.array([r[metric] for r in rows], dtype=np.float64)
        if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs):
            return np.array(xs, dtype=np.float64), ys, None
        labels = sorted({str(x) for x in xs})
        index = {label: i for i, label in enumerate(labels)}
        return np.array([index[str(x)] for x in xs], dtype=np.float64), ys, labels

    def draw(self) -> None:
        key, metric = self.x_combo.currentData(), self.metric_combo.currentData()
        x, y, labels = self.points()
        log_x = key == "lr" and x.size > 0 and bool(np.all(x > 0))
        axis = self.plot.getAxis("bottom")
        axis.setTicks(None if labels is None else [list(enumerate(labels))])
        self.plot.setLabel("bottom", f"log10({key})" if log_x else key)
        self.plot.setLabel("left", metric)
        self.scatter.setData(np.log10(x) if log_x else x, y)
