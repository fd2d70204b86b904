"""The main window: layout and wiring. Panels on the left, live plots on the right; the run state lives in
:class:`RunController` (no Qt), the training in the worker thread, the files in :mod:`project_files`."""
from __future__ import annotations

import copy
import time
from collections import deque
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QInputDialog,
                               QMainWindow, QScrollArea, QTabWidget, QVBoxLayout, QWidget)

from pyffnn_gui.activation_plot import ActivationPlot
from pyffnn_gui.backprop_panel import BackpropPanel
from pyffnn_gui.boundary_plot import BoundaryPlot
from pyffnn_gui.config import ExperimentConfig
from pyffnn_gui.data_panel import DataPanel
from pyffnn_gui.data_source import DataLoadError, load as load_data, points_of
from pyffnn_gui.evaluation_plot import EvaluationPlot
from pyffnn_gui.layer_editor import LayerEditor
from pyffnn_gui.loss_plot import LossPlot
from pyffnn_gui.model_runner import BackgroundCall, ModelRunner
from pyffnn_gui.network_view import NetworkView
from pyffnn_gui.paint_tool import apply_stroke
from pyffnn_gui.project_files import ProjectFiles
from pyffnn_gui.run_controller import RunController, RunHooks
from pyffnn_gui.run_recorder import RunRecorder
from pyffnn_gui.runs_panel import RunsDock, open_run
from pyffnn_gui.session import Session, SetupError
from pyffnn_gui.train_panel import TrainPanel
from pyffnn_gui.weights_plot import WeightsPlot
from pyffnn_gui.wheel_guard import WheelGuard
from pyffnn_gui.worker import TrainJob, TrainWorker

# Drawing shares the cores (and the GIL) with training. While training runs, each redraw is painted at once and
# timed, painting included, and the next one is scheduled so drawing takes at most REDRAW_BUDGET of the wall time
# (and at most 10 redraws/s); the heatmap and neuron maps (the costly ones) update every BOUNDARY_EVERY-th redraw.
REDRAW_MS = 100
UNDO_DEPTH = 50                 # painted-data changes that Undo can take back
REDRAW_MAX_MS = 2000
REDRAW_BUDGET = 0.10
BOUNDARY_EVERY = 2
DEFAULT_SIZE = (1280, 720)      # fits a 1366×768 screen with a task bar
# Networks with at least this many parameters are built on a background thread (initialising 5M weights costs
# ~80 ms); Play, Step and Reset wait for the build.
BACKGROUND_BUILD = 1_000_000

pg.setConfigOptions(background="w", foreground="k", antialias=False)


def _count_params(layers) -> int:
    """Parameters of the layer list ``[n_inputs, Dense/Maxout, ...]`` (without building it)."""
    total, n_in = 0, int(layers[0])
    for layer in layers[1:]:
        pieces = int(getattr(layer, "pieces", 1) or 1)
        total += (n_in + 1) * int(layer.units) * pieces
        n_in = int(layer.units)
    return total


class SettingsScroll(QScrollArea):
    """The settings panel scrolls vertically only: its contents always get exactly the viewport's width (a
    wider child is squeezed, never scrolled sideways out of sight with every label)."""

    def viewportEvent(self, event):  # noqa: N802 (Qt's name): the viewport narrows when the vertical bar shows
        if event.type() == QEvent.Resize and self.widget() is not None:
            self.widget().setFixedWidth(self.viewport().width())
        return super().viewportEvent(event)


class PlotsScroll(QScrollArea):
    """The plots fill the viewport and scroll only when the window is smaller than their minimum size (a
    resizable QScrollArea would give a height-for-width layout its preferred height, and scroll far too early)."""

    def setWidget(self, widget):  # noqa: N802 (Qt's name)
        super().setWidget(widget)
        self._refit = QTimer(self)          # owned by the scroll area: it never fires after the window is gone
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self._fit)

    def request_fit(self) -> None:
        """The plots' minimum size may have changed (other data, another plane): refit once layouts settled.
        (No event filter on the plots: a Python one runs while the window is torn down, and can crash it.)"""
        self._refit.start()

    def stop_watching(self) -> None:
        self._refit.stop()

    def viewportEvent(self, event):  # noqa: N802
        if event.type() == QEvent.Resize:
            self._fit()
            self.request_fit()     # again once the plots have re-laid out for their new width
        return super().viewportEvent(event)

    def _fit(self):
        widget = self.widget()
        if widget is not None:
            low, room = widget.minimumSizeHint(), self.viewport().size()
            widget.resize(max(low.width(), room.width()), max(low.height(), room.height()))


class MainWindow(QMainWindow):
    """Design, load, train, watch, save. ``training_finished`` fires when a Play/Step run ends."""

    training_finished = Signal(object)
    _run_job = Signal(object)

    def __init__(self, config: Optional[ExperimentConfig] = None, load_default: bool = True):
        super().__init__()
        self.resize(*DEFAULT_SIZE)
        self.session = Session(config or ExperimentConfig())
        self._view_net = None                # UI-thread copy of the network (made when first asked for)
        self._applying = False
        self._dirty = False
        self._tick = 0
        self.frame_costs = deque(maxlen=50)   # seconds per redraw while training, painting included
        self.runner = ModelRunner(self)       # the views' forward passes (in the background for large networks)
        self.builder = BackgroundCall(self)   # builds large networks off the UI thread
        self.background_build = BACKGROUND_BUILD

        self._build_widgets()
        self._start_worker()
        self.recorder = RunRecorder()        # every run into the run store ($PYFFNN_RUNS_DB or the per-user one)
        self.controller = RunController(self.session, RunHooks(
            submit=self._submit, request_pause=self.worker.request_pause, request_abort=self.worker.request_abort,
            changed=self._on_controller, network_adopted=self.recorder.end_run,
            reset_in_background=self._reset_in_background))
        self.runs_dock = RunsDock(self.recorder, self._open_run, self)
        self.addDockWidget(Qt.BottomDockWidgetArea, self.runs_dock)
        self.runs_dock.hide()
        self.recorder.changed = self.runs_dock.store_changed
        self.files = ProjectFiles(self)
        self._build_menu()
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self._redraw_tick)
        self.timer.start()

        self._apply_config_to_panels(self.session.config)
        self.files.update_title()
        if load_default:
            self.load_data()

    # ---- the run state, read-only from outside (the controller owns it)
    @property
    def running(self) -> bool:
        return self.controller.running

    @property
    def remaining(self) -> int:
        return self.controller.remaining

    @property
    def snapshot(self) -> Optional[np.ndarray]:
        return self.controller.snapshot

    @property
    def last_error(self) -> str:
        return self.controller.last_error

    @property
    def view_net(self):
        """A copy of the network holding the weight snapshot the plots show (never the training buffer)."""
        net, snap = self.session.net, self.controller.snapshot
        if net is None:
            return None
        if self._view_net is None or self._view_net.n_params != net.n_params:
            self._view_net = net.copy()
        if snap is not None and snap.size == net.n_params:
            self._view_net.params[:] = snap
        return self._view_net

    # ================================================================== construction
    def _build_widgets(self) -> None:
        self.data_panel = DataPanel()
        self.layer_editor = LayerEditor()
        self.train_panel = TrainPanel()
        self.data_panel.load_requested.connect(self.load_data)
        self.layer_editor.changed.connect(self._architecture_changed)
        tp = self.train_panel
        tp.play_clicked.connect(self.play)
        tp.pause_clicked.connect(self.pause)
        tp.step_clicked.connect(self.step)
        tp.reset_clicked.connect(self.reset)
        tp.mode_combo.currentIndexChanged.connect(self._mode_changed)
        tp.settings_changed.connect(self._train_settings_changed)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        for w in (self.data_panel, self.layer_editor, self.train_panel):
            left_layout.addWidget(w)
        left_layout.addStretch(1)
        self.settings_scroll = SettingsScroll()
        self.settings_scroll.setWidget(left)
        self.settings_scroll.setWidgetResizable(True)
        self.settings_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.settings_scroll.setFixedWidth(360)
        self._wheel_guard = WheelGuard(self)
        self._wheel_guard.guard(left.findChildren(QComboBox) + left.findChildren(QAbstractSpinBox))
        for combo in left.findChildren(QComboBox):   # long item texts must not widen the panel
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)

        self.boundary_plot = BoundaryPlot()
        self.loss_plot = LossPlot()
        self.network_view = NetworkView()
        self.activation_plot = ActivationPlot()
        self.weights_plot = WeightsPlot()
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(self.weights_plot, "Weights && gradients")
        self.side_tabs.addTab(self.activation_plot, "Activations")
        self.backprop_panel = BackpropPanel()
        self.backprop_panel.source = self._backprop_source
        self.backprop_panel.annotate.connect(self._show_backprop)
        self.backprop_panel.update_requested.connect(self._apply_backprop_update)
        self.side_tabs.addTab(self.backprop_panel, "Back-prop step")
        self.evaluation_plot = EvaluationPlot()
        self.evaluation_plot.request_outputs = self._request_evaluation
        self.boundary_plot.request_outputs = self._request_outputs
        self.side_tabs.addTab(self.evaluation_plot, "Evaluation")
        self.side_tabs.currentChanged.connect(self._tab_changed)
        self.boundary_plot.point_clicked.connect(self._point_clicked)
        self.boundary_plot.plane_controls.changed.connect(lambda: self.plots_scroll.request_fit())
        self.boundary_plot.paint.stroke_done.connect(self._painted)
        self.boundary_plot.paint.undo_requested.connect(self.undo_data_change)
        self._data_undo = []                 # earlier data configs, for Undo of painting
        self.network_view.node_hovered.connect(self._neuron_hovered)
        self.network_view.node_clicked.connect(self._edit_bias)
        self.network_view.edge_clicked.connect(self._edit_weight)
        self.maps_check = QCheckBox("Neuron maps")
        self.maps_check.setChecked(True)
        self.maps_check.setToolTip("Each neuron shows its output over the input plane (2-D data)")
        self.maps_check.toggled.connect(lambda _on: self._redraw(force=True))
        self.network_view.bottom.addWidget(self.maps_check)
        # numbers of the step-through, while shown on the drawing (None: show the live weights)
        self._backprop_edges = None

        right = QWidget()
        grid = QGridLayout(right)
        grid.setContentsMargins(2, 2, 2, 2)
        grid.addWidget(self.boundary_plot, 0, 0)
        grid.addWidget(self.loss_plot, 0, 1)
        grid.addWidget(self.network_view, 1, 0)
        grid.addWidget(self.side_tabs, 1, 1)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)
        self.plot_grid = grid
        # the drawing and its neuron maps need room even on a 768-pixel screen; the top plots give it up
        self.network_view.setMinimumHeight(250)
        self.side_tabs.setMinimumHeight(250)

        # Tabs beyond the width scroll (arrow buttons) instead of widening the window.
        # Names stay whole (an elided "Ac…" says nothing); the tooltip repeats each name.
        self.side_tabs.setUsesScrollButtons(True)
        self.side_tabs.tabBar().setElideMode(Qt.ElideNone)
        for index in range(self.side_tabs.count()):
            self.side_tabs.setTabToolTip(index, self.side_tabs.tabText(index).replace("&&", "&"))
        # The plots scroll when the window is smaller than they need (900×560): every plot and its controls stay
        # reachable, and what they need never makes the window grow by itself.
        self.plots_scroll = PlotsScroll()
        self.plots_scroll.setWidget(right)
        self.plots_scroll.setFrameShape(QScrollArea.NoFrame)

        right_column = QWidget()
        right_layout = QVBoxLayout(right_column)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.train_panel.transport)
        right_layout.addWidget(self.plots_scroll, 1)
        central = QWidget()
        main_layout = QHBoxLayout(central)
        main_layout.setContentsMargins(2, 2, 2, 2)
        main_layout.addWidget(self.settings_scroll)
        main_layout.addWidget(right_column, 1)
        self.setCentralWidget(central)
        self.plots = {"output": self.boundary_plot, "loss": self.loss_plot, "network": self.network_view,
                      "activations": self.activation_plot, "weights": self.weights_plot, "window": self}

    def _build_menu(self) -> None:
        f = self.files
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = self._action(file_menu, "&Open project…", f.open_dialog, QKeySequence.Open)
        self.save_action = self._action(file_menu, "&Save project", f.save_dialog, QKeySequence.Save)
        self.save_as_action = self._action(file_menu, "Save project &as…", lambda: f.save_dialog(ask=True),
                                           QKeySequence.SaveAs)
        self.export_action = self._action(file_menu, "&Export model (pyffnn .npz)…", f.export_dialog)
        png_menu = file_menu.addMenu("Save plot as &PNG")
        for key, label in (("output", "Model output / decision boundary"), ("loss", "Loss curves"),
                           ("network", "Network drawing"), ("activations", "Activation functions"),
                           ("weights", "Weights && gradients"), ("window", "Whole window")):
            self._action(png_menu, label, lambda checked=False, k=key: f.save_plot_dialog(k))
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.Quit)
        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_action = self._action(edit_menu, "&Undo painting", self.undo_data_change, QKeySequence.Undo)
        run_menu = self.menuBar().addMenu("&Run")
        # Single-key shortcuts: a focused spin box or line edit claims its keys first (typing is never lost).
        self.play_pause_action = self._action(run_menu, "Play / Pause", self.play_pause, QKeySequence(Qt.Key_Space))
        self.step_action = self._action(run_menu, "Step one epoch", self.step, QKeySequence(Qt.Key_S))
        self.reset_action = self._action(run_menu, "Reset weights", self.reset, QKeySequence(Qt.Key_R))
        run_menu.addSeparator()
        self.sweep_action = self._action(run_menu, "S&weep…", self.open_sweep_dialog)
        view_menu = self.menuBar().addMenu("&View")
        self.runs_action = self.runs_dock.toggleViewAction()
        self.runs_action.setText("&Runs panel")
        self.runs_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        view_menu.addAction(self.runs_action)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _start_worker(self) -> None:
        self.thread = QThread(self)
        self.worker = TrainWorker()
        self.worker.moveToThread(self.thread)
        self._run_job.connect(self.worker.run_job)
        # Bound methods of this window (not lambdas), so the slots run queued on the UI thread.
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.perceptron_done.connect(self._on_perceptron)
        self.thread.start()

    def _submit(self, job) -> None:
        if isinstance(job, TrainJob):
            self.recorder.job_started(self.session)
            if self.recorder.error:
                self._show_status(self.recorder.error, error=True)
        self.worker.clear_requests()
        self._run_job.emit(job)

    # ================================================================== config <-> panels
    def current_config(self) -> ExperimentConfig:
        return ExperimentConfig(network=self.layer_editor.config(), data=self.data_panel.config(),
                                train=self.train_panel.config())

    def _apply_config_to_panels(self, cfg: ExperimentConfig) -> None:
        self._applying = True
        try:
            self.data_panel.set_config(cfg.data)
            self.layer_editor.set_config(cfg.network)
            self.train_panel.set_config(cfg.train)
        finally:
            self._applying = False

    # ================================================================== data and architecture
    def load_data(self) -> bool:
        """Load the data the data panel describes and rebuild the network for it."""
        if self.running:
            self.data_panel.show_error("pause training before loading other data")
            return False
        cfg = self.data_panel.config()
        try:
            data = load_data(cfg)
        except DataLoadError as exc:
            self.data_panel.show_error(str(exc))
            return False
        except Exception as exc:  # never let a bad file take the window down
            self.data_panel.show_error(f"could not load the data: {type(exc).__name__}: {exc}")
            return False
        self._remember_custom(cfg)
        self.session.config.data = cfg
        self.session.config.network = self.layer_editor.config()
        self.session.config.train = self.train_panel.config()
        old = self.session.data
        try:
            self.session.data = data
            layers = self.session.layers()
            if _count_params(layers) >= self.background_build:
                # a large network is built off the UI thread; the old data and network stay until it arrives
                self.session.data = old
                self._show_status(f"building the network ({_count_params(layers):,} parameters)…")
                self.builder.run(lambda: self.session.build(layers), lambda net: self._data_network_built(data, net))
                return True
            self.session.install(self.session.build(layers))
        except (SetupError, ValueError) as exc:
            self.session.data = old
            self.data_panel.show_error(str(exc))
            return False
        self.show_data(data)
        self.files.mark_modified()
        return True

    def _data_network_built(self, data, net) -> None:
        """The network for newly loaded data, built in the background, arrives."""
        if isinstance(net, Exception):
            self.data_panel.show_error(str(net))
            return
        self.session.data = data
        self.session.install(net)
        self.show_data(data)
        self.files.mark_modified()

    def show_data(self, data) -> None:
        """Point the plots at newly loaded data and the network built for it."""
        self.plots_scroll.request_fit()
        self.data_panel.show_info(data.description)
        self.data_panel.set_transforms_available(data.n_features == 2)
        self.boundary_plot.set_data(data)
        self.evaluation_plot.set_data(data)
        self.loss_plot.set_classification(data.task != "regression")
        self._update_paintable()
        self._after_rebuild()

    # ================================================================== painting points
    def _update_paintable(self) -> None:
        data, cfg = self.session.data, self.session.config.data
        self.boundary_plot.set_paintable(data is not None and data.n_features == 2 and
                                         cfg.source in ("builtin", "custom"))
        self.boundary_plot.paint.set_undo_available(bool(self._data_undo))

    def _remember_custom(self, new_cfg) -> None:
        """Loading other data over painted points: keep them for Undo."""
        old = self.session.config.data
        if old.source == "custom" and self.session.data is not None and new_cfg != old:
            self._push_undo(old)

    def _push_undo(self, cfg) -> None:
        self._data_undo.append(copy.deepcopy(cfg))
        del self._data_undo[:-UNDO_DEPTH]

    def _painted(self, added, labels, erased) -> None:
        """A paint or erase stroke: the data becomes (or stays) a custom data set of the edited points."""
        data, old = self.session.data, self.session.config.data
        if data is None:
            return
        cfg = copy.deepcopy(old)
        cfg.source = "custom"
        cfg.points = apply_stroke(points_of(data), added, labels, erased).tolist()
        cfg.point_columns = list(data.feature_names[:2]) + [data.target_name]
        cfg.task = "regression" if data.task == "regression" else "classification"
        if self._use_data_config(cfg):
            self._push_undo(old)
            self._update_paintable()

    def undo_data_change(self) -> bool:
        """Take back the last stroke (or the load that replaced painted points)."""
        if not self._data_undo:
            return False
        cfg = self._data_undo.pop()
        if not self._use_data_config(cfg):
            self._data_undo.append(cfg)
            return False
        self._update_paintable()
        return True

    def _use_data_config(self, cfg) -> bool:
        """Load ``cfg`` as the current data, keeping the network and training state when they still fit (training
        goes on with the new points, the split refreshed)."""
        try:
            data = load_data(cfg)
        except DataLoadError as exc:
            self._show_status(f"{exc} (the stroke was not applied)", error=True)
            return False
        old = self.session.data
        if old is not None and old.task != "regression" and data.classes != old.classes:
            self._show_status("that would leave a class without points; the stroke was not applied", error=True)
            return False
        try:
            kept = self.session.replace_data(data)
        except (SetupError, ValueError) as exc:
            self._show_status(str(exc), error=True)
            return False
        self.session.config.data = cfg
        self._applying = True
        try:
            self.data_panel.set_config(cfg)
        finally:
            self._applying = False
        self.data_panel.show_info(data.description)
        self.boundary_plot.set_data(data, keep_view=True)
        self.evaluation_plot.set_data(data)
        self.backprop_panel.set_rows(len(data.X_train))
        if kept:      # the recorded run was on the old points: it ends, the next job starts a new one
            if self.running:
                self.controller.restart_with_new_settings()     # a running Play goes on with the new points
                self.controller.after_stop.insert(0, self.recorder.end_run)
            else:
                self.recorder.end_run()
            self._redraw(force=True)
        else:
            self._after_rebuild()
        self.files.mark_modified()
        return True

    def _architecture_changed(self) -> None:
        if self._applying or self.session.data is None:
            return
        self.session.config.network = self.layer_editor.config()
        self.session.config.train = self.train_panel.config()
        try:
            layers = self.session.layers()
            n_params = _count_params(layers)
            if n_params < self.background_build:
                self.builder.cancel()
                self.session.install(self.session.build(layers))
            else:
                self._show_status(f"building the network ({n_params:,} parameters)…")
                self.builder.run(lambda: self.session.build(layers), self._network_built)
                return
        except (SetupError, ValueError) as exc:
            self._show_status(str(exc), error=True)
            return
        self._after_rebuild()
        self.files.mark_modified()

    def _network_built(self, net) -> None:
        """A network built in the background arrives (only the newest build is ever delivered)."""
        if isinstance(net, Exception):
            self._show_status(str(net), error=True)
            return
        self.session.install(net)
        self._after_rebuild()
        self.files.mark_modified()

    def _open_run(self, run):
        self.recorder.wait_saves()           # its model may still be being written
        return open_run(self, run)

    def _reset_in_background(self) -> bool:
        """Reset of a network of >= ``background_build`` parameters: a new network with the seed is built on the
        background thread (the same weights, bit for bit, as re-initialising it) and installed when it arrives;
        Play/Step wait for it. Small networks are re-initialised synchronously by the controller (False)."""
        net = self.session.net
        if net is None or net.n_params < self.background_build:
            return False
        try:
            layers = self.session.layers()
        except (SetupError, ValueError):
            return False
        if _count_params(layers) != net.n_params:   # not the architecture of the editor: re-initialise in place
            return False
        spec = net.spec
        self._show_status(f"resetting the network ({net.n_params:,} parameters)…")
        self.builder.run(lambda: self.session.build(layers), lambda new: self._network_reset(new, spec))
        return True

    def _network_reset(self, net, spec: str) -> None:
        if isinstance(net, Exception) or net.spec != spec:
            self.controller.reset(background=False)    # not the same network after all: re-initialise in place
            return
        self._network_built(net)

    def _waiting_for_build(self) -> bool:
        if self.builder.busy():
            self._show_status("the network is still being built; try again in a moment", error=True)
            return True
        if self.files.saving():              # the write reads the optimizer's state: training must not change it
            self._show_status("the project is still being saved; try again in a moment", error=True)
            return True
        return False

    def _after_rebuild(self) -> None:
        self.builder.cancel()                # a build still under way is for a network that is gone
        net = self.session.net
        self._view_net = None                # a copy is made when first needed (5M parameters: 40 MB)
        self.runner.set_network(net)
        self.controller.adopt_network()
        self.layer_editor.set_summary(net.spec, net.n_params)
        self._refresh_panels()

    def _refresh_panels(self) -> None:
        """Panels for what is trained now: the network's layers, or the perceptron's single step unit."""
        net = self.session.net
        self.loss_plot.reset_range()
        if self._perceptron_mode():
            n = net.n_inputs
            self.network_view.set_architecture([n, 1], ["step"], [1], n + 1)
            self.weights_plot.set_layers(0)
            self.activation_plot.set_activations([])
            self.loss_plot.set_note("The perceptron algorithm has no loss curve: Play runs it to convergence")
        else:
            sizes = [net.n_inputs] + [ly.units for ly in net.layers]
            names = None if self.session.data is None else self.session.data.network_inputs
            self.network_view.set_architecture(sizes, [ly.activation for ly in net.layers],
                                               [ly.pieces for ly in net.layers], net.n_params, names)
            self.weights_plot.set_layers(len(net.layers))
            self.activation_plot.set_activations([(ly.activation, ly.pieces) for ly in net.layers])
            self.loss_plot.set_note("")
        data = self.session.data
        self.backprop_panel.set_rows(0 if data is None else len(data.X_train))
        self._backprop_edges = None
        self._redraw(force=True)

    def _perceptron_mode(self) -> bool:
        return self.train_panel.mode_combo.currentData() == "perceptron"

    def _mode_changed(self) -> None:
        if self.session.net is None or self.running:
            return
        self.session.config.train = self.train_panel.config()
        self.controller.perceptron = None
        self._refresh_panels()

    def _train_settings_changed(self) -> None:
        """Learning rate, L2, batch size or optimizer edited: applies now, mid-run included (within a chunk)."""
        if self._applying:
            return
        cfg = self.train_panel.config()
        cfg.epochs = self.session.config.train.epochs if self.running else cfg.epochs
        self.session.config.train = cfg
        self.files.mark_modified()
        self.controller.restart_with_new_settings()

    # ================================================================== training control
    def _sync_train_config(self) -> None:
        self.session.config.train = self.train_panel.config()

    def play(self) -> None:
        """Train (in the worker) for the epochs left of this run, a new run of "Epochs per Play", or until Pause."""
        if not self.running and not self._waiting_for_build():
            self._sync_train_config()
            self.controller.play()

    def step(self) -> None:
        """Train exactly one epoch."""
        if not self.running and not self._waiting_for_build():
            self._sync_train_config()
            self.controller.step()

    def pause(self) -> None:
        """Stop after the current chunk of training (~0.1 s), mid-epoch if need be."""
        self.controller.pause()

    def open_sweep_dialog(self):
        """Run ▸ Sweep…: the dialog that trains a grid of settings in the background (one per window)."""
        from pyffnn_gui.sweep_dialog import SweepDialog

        if getattr(self, "sweep_dialog", None) is None:
            self.sweep_dialog = SweepDialog(self)
        self.sweep_dialog.show()
        self.sweep_dialog.raise_()
        return self.sweep_dialog

    def play_pause(self) -> None:
        self.pause() if self.running else self.play()

    def reset(self) -> None:
        """Re-initialise the weights with the seed and clear the history (stops training first)."""
        if self._waiting_for_build():
            return
        if not self.running:
            self._sync_train_config()
        self.controller.reset()

    # ================================================================== controller and worker reports
    def _on_controller(self, what: str) -> None:
        c = self.controller
        if what == "running":
            self.train_panel.set_running(c.running)
            for w in (self.data_panel, self.layer_editor):
                w.setEnabled(not c.running)
            self.open_action.setEnabled(not c.running)
        elif what == "status":
            self._show_status(c.status, error=c.error_status)
        elif what == "weights":
            self._dirty = True
            if c.running and self.backprop_panel.trace is not None:
                self.backprop_panel.restart()
            if not c.running:
                self.files.mark_modified()
        elif what == "rebuilt":
            self._refresh_panels()
        elif what == "perceptron":
            m = c.perceptron
            n = self.session.data.n_inputs
            self.network_view.set_architecture([n, 1], ["step"], [1], n + 1)
            self.network_view.set_weights([(np.asarray(m.coef_, dtype=float).reshape(1, -1),
                                            np.array([float(m.intercept_)]))])
            self.boundary_plot.update_model(m.predict)

    def _on_progress(self, progress) -> None:
        self.recorder.progress(progress.epoch_logs)
        self.controller.on_progress(progress)

    def _on_perceptron(self, model) -> None:
        self.controller.on_perceptron(model)

    def _on_finished(self, info: dict) -> None:
        self.recorder.job_finished(self.session, info, self.session.net)
        self.controller.on_finished(info)
        self._redraw(force=True)
        self.training_finished.emit(info)

    # ================================================================== drawing
    def _redraw_tick(self) -> None:
        self._tick += 1
        if not self._dirty:
            return
        start = time.perf_counter()
        self._redraw(force=False)
        if self.running:
            # Paint now, synchronously, so the measured cost includes the painting (pyqtgraph's paints hold the
            # GIL the training thread needs between chunks); the next redraw waits cost / REDRAW_BUDGET.
            self.centralWidget().repaint()
            cost = time.perf_counter() - start
            self.frame_costs.append(cost)
            self.timer.setInterval(int(min(REDRAW_MAX_MS, max(REDRAW_MS, 1000 * cost / REDRAW_BUDGET))))
        else:
            self.timer.setInterval(REDRAW_MS)

    def _tab_changed(self, _index: int) -> None:
        """A side tab shown. Idle: redraw now. Training: the next paced redraw draws it (a forced redraw of every
        view there and then cost ~50 ms of UI time on a 5M-parameter network, on top of the paced redraws)."""
        if self.controller.running:
            self._dirty = True
        else:
            self._redraw(force=True)

    def _redraw(self, force: bool) -> None:
        """Redraw plots from the latest snapshot (never from the live training buffer)."""
        self._dirty = False
        s, c = self.session, self.controller
        if s.net is None or c.snapshot is None or c.snapshot.size != s.net.n_params:
            return
        if c.running:
            self._show_status(c.status_text())
        if c.perceptron is not None or self._perceptron_mode():
            if c.perceptron is not None:
                self.boundary_plot.update_model(c.perceptron.predict)
            return
        self.loss_plot.set_history(s.history_arrays())
        layers = s.net.layer_views(c.snapshot)
        self.network_view.set_weights(layers if self._backprop_edges is None else self._backprop_edges)
        # In the same redraw as the loss curve, hidden tab or not (≤ 4000 points), so both end on the same epoch.
        self.weights_plot.set_grad_norms(s.grad_epochs, s.grad_norms)
        slow_due = force or self._tick % BOUNDARY_EVERY == 0
        if slow_due:
            if force or self.weights_plot.isVisible():
                self.weights_plot.set_weights(layers)
            self._request_outputs()
            self._draw_neuron_maps()
            if self.evaluation_plot.isVisible():
                self._request_evaluation()
        elif not force:
            self._dirty = True      # heatmap still owed

    def _request_outputs(self) -> None:
        """Evaluate the model on what the output plot shows and redraw it (in the background for a large one)."""
        c, plot = self.controller, self.boundary_plot
        if c.perceptron is not None:
            plot.update_model(c.perceptron.predict)
            return
        if self.session.net is None or self._perceptron_mode():
            return
        inputs = plot.model_inputs()
        if inputs:
            units = self.session.data_units             # regression surfaces and curves in the target's units
            self.runner.run("output", c.snapshot, lambda net: {k: units(net.predict(x)) for k, x in inputs.items()},
                            plot.show_outputs)

    def _request_evaluation(self) -> None:
        """Fill the Evaluation tab for the chosen split with the current weights."""
        ev, s = self.evaluation_plot, self.session
        if s.net is None or s.data is None or self._perceptron_mode() or ev.split_inputs() is None:
            return
        key, X = ev.split_inputs()
        task = s.data.task
        units = s.data_units if task == "regression" else (lambda out: out)   # residuals in the target's units
        self.runner.run("evaluation", self.controller.snapshot, lambda net: units(ev.model_outputs(net, X, task)),
                        lambda pred: ev.show_outputs(key, pred))

    # ================================================================== inside the network
    MAP_GRID = 20        # neuron maps are computed on a coarse grid (one forward pass of 400 points)

    def _draw_neuron_maps(self) -> None:
        grid = self.boundary_plot.grid_inputs()
        if grid is None or not self.maps_check.isChecked() or self._perceptron_mode():
            self.network_view.set_maps(None)
            return
        from pyffnn_gui.boundary_plot import GRID

        step = max(1, GRID // self.MAP_GRID)
        idx = np.arange(0, GRID, step)
        coarse = grid.reshape(GRID, GRID, -1)[np.ix_(idx, idx)].reshape(-1, grid.shape[1])
        g = len(idx)
        view = self.network_view

        def deliver(acts):
            if not self.maps_check.isChecked() or len(acts) != len(view.sizes):
                return
            shown = [view.shown(layer) for layer in range(len(acts))]
            view.set_maps([a[:, :k].T.reshape(k, g, g) for a, k in zip(acts, shown)])

        self.runner.run("maps", self.controller.snapshot, lambda net: [coarse] + net.hidden_activations(coarse),
                        deliver)

    def neuron_values(self, layer: int, index: int) -> Optional[np.ndarray]:
        """Output of neuron ``index`` of ``layer`` (0 = inputs) over the output plot's grid (2-D data only)."""
        grid = self.boundary_plot.grid_inputs()
        if grid is None or self.session.net is None:
            return None
        if layer == 0:
            return grid[:, index]
        return self.view_net.hidden_activations(grid)[layer - 1][:, index]

    def _neuron_name(self, layer: int, index: int) -> str:
        if layer == 0:
            return f"input {self.session.data.network_inputs[index]}" if self.session.data else f"input {index + 1}"
        last = layer == len(self.session.net.layers)
        return f"{'output' if last else f'hidden layer {layer}'} neuron {index + 1}"

    def _neuron_hovered(self, node) -> None:
        if node is None or self._perceptron_mode():
            self.boundary_plot.show_map(None)
            return
        grid = self.boundary_plot.grid_inputs()
        if grid is None or self.controller.snapshot is None:
            return
        layer, index = node
        name = self._neuron_name(*node)

        def compute(net):
            return grid[:, index] if layer == 0 else net.hidden_activations(grid)[layer - 1][:, index]

        def deliver(values):
            if self.network_view.hovered == node:        # the pointer may have moved on meanwhile
                self.boundary_plot.show_map(name, values)

        self.runner.run("hover", self.controller.snapshot, compute, deliver)

    def _ask_number(self, title: str, label: str, value: float) -> Optional[float]:
        number, ok = QInputDialog.getDouble(self, title, label, value, -1e6, 1e6, 6)
        return number if ok else None

    ask_number = _ask_number        # tests replace this with a function returning the typed number

    def _edit_bias(self, layer: int, index: int) -> None:
        if layer == 0 or self._perceptron_mode():
            return
        net = self.session.net
        k = net.layers[layer - 1].pieces
        row = index * k
        current = float(net.layer_views(self.controller.snapshot)[layer - 1][1][row])
        value = self.ask_number("Edit bias", f"Bias w0({layer})[{index + 1}] of {self._neuron_name(layer, index)}"
                                + (" (first maxout piece)" if k > 1 else ""), current)
        self._set_parameter(layer - 1, row, None, value)

    def _edit_weight(self, layer: int, out_index: int, in_index: int) -> None:
        if self._perceptron_mode():
            return
        current = float(self.session.net.layer_views(self.controller.snapshot)[layer][0][out_index, in_index])
        value = self.ask_number("Edit weight", f"Weight W({layer + 1})[{out_index + 1}, {in_index + 1}] "
                                f"({self._neuron_name(layer, in_index)} → {self._neuron_name(layer + 1, out_index)})",
                                current)
        self._set_parameter(layer, out_index, in_index, value)

    def _set_parameter(self, layer, row, col, value) -> None:
        if value is None:
            return
        try:
            self.controller.set_parameter(layer, row, col, value)
        except (SetupError, ValueError) as exc:
            self._show_status(str(exc), error=True)
            return
        self.backprop_panel.restart()
        self._redraw(force=True)

    def _point_clicked(self, row: int) -> None:
        self.backprop_panel.choose_row(row)
        self.side_tabs.setCurrentWidget(self.backprop_panel)

    def _backprop_source(self, row: int):
        s, c = self.session, self.controller
        if s.net is None or s.data is None:
            raise ValueError("load a data set first")
        if self._perceptron_mode():
            raise ValueError("the step-through shows back-propagation; switch the mode to Network")
        if c.running:
            raise ValueError("pause training first: the step-through works on fixed weights")
        X, y = s.data.Xs_train, s.targets(s.data.y_train)
        return s.net, c.snapshot.copy(), X[row], y[row], s.config.train.lr, s.config.network.loss

    def _show_backprop(self, texts, edges) -> None:
        self.network_view.set_annotations(texts)
        self._backprop_edges = edges
        if edges is not None:
            self.network_view.set_weights(edges)
        elif self.controller.snapshot is not None and self.session.net is not None \
                and self.controller.snapshot.size == self.session.net.n_params:
            self.network_view.set_weights(self.session.net.layer_views(self.controller.snapshot))   # live weights

    def _apply_backprop_update(self, grad, lr: float) -> None:
        try:
            self.controller.apply_update(grad, lr)
        except SetupError as exc:
            self._show_status(str(exc), error=True)
            return
        self._backprop_edges = None
        self._redraw(force=True)

    def redraw_now(self) -> None:
        """Redraw every plot from the current snapshot at once (for screenshots and scripts)."""
        self._redraw(force=True)

    def _show_status(self, text: str, error: bool = False) -> None:
        self.train_panel.show_status(text, error)
        self.statusBar().showMessage(text)

    # ================================================================== files (kept as methods for scripts/tests)
    def save_project_file(self, path: str) -> bool:
        return self.files.save(path)

    def open_project_file(self, path: str) -> bool:
        return self.files.open(path)

    def export_model_file(self, path: str) -> bool:
        return self.files.export_model(path)

    def save_plot_png(self, name: str, path: str) -> bool:
        return self.files.save_plot(name, path)

    # ================================================================== shutdown
    def shutdown(self) -> None:
        """Stop training and the worker thread, and end the recorded run (idempotent)."""
        training = self.running
        if self.thread.isRunning():
            self.worker.request_abort()
            self.thread.quit()
            self.thread.wait(10_000)
        self.timer.stop()
        if getattr(self, "sweep_dialog", None) is not None:
            self.sweep_dialog.stop()
        self.recorder.close(training=training)
        self.runner.shutdown()
        self.builder.shutdown()
        self.files.shutdown()
        self.plots_scroll.stop_watching()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if not self.files.confirm_discard():
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)
