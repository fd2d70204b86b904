"""The main window: panels on the left, live plots on the right, and the glue to the training worker."""
from __future__ import annotations

import os
import time
from collections import deque
from typing import Callable, List, Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QMainWindow, QScrollArea,
                               QTabWidget, QVBoxLayout, QWidget)

from pyffnn_gui.activation_plot import ActivationPlot
from pyffnn_gui.boundary_plot import BoundaryPlot
from pyffnn_gui.config import ExperimentConfig
from pyffnn_gui.data_panel import DataPanel
from pyffnn_gui.data_source import DataLoadError, load as load_data
from pyffnn_gui.layer_editor import LayerEditor
from pyffnn_gui.loss_plot import LossPlot
from pyffnn_gui.network_view import NetworkView
from pyffnn_gui.optimizer_state import OptimizerStateError, describe as describe_optimizer
from pyffnn_gui.optimizer_state import restore as restore_optimizer
from pyffnn_gui.project_io import PROJECT_SUFFIX, ProjectFileError, load_project, save_project, save_widget_png
from pyffnn_gui.session import Session, SetupError, param_shapes, split_params
from pyffnn_gui.train_panel import TrainPanel
from pyffnn_gui.weights_plot import WeightsPlot
from pyffnn_gui.worker import PerceptronJob, TrainJob, TrainWorker

# Drawing shares the cores (and the GIL) with training. While training runs, each redraw is timed from its start
# until Qt has painted it (the paints run later, from the event loop: a zero-delay timer fires after them), and the
# next one is scheduled so drawing takes at most REDRAW_BUDGET of the wall time (and at most 10 redraws/s); the
# heatmap and the weight plots (the costly ones) update every BOUNDARY_EVERY-th redraw.
REDRAW_MS = 100
REDRAW_MAX_MS = 2000
REDRAW_BUDGET = 0.10
BOUNDARY_EVERY = 2
PROBE_SAMPLES = 256         # samples used for the gradient-norm probe (cost ~ an epoch of 300 rows)

pg.setConfigOptions(background="w", foreground="k", antialias=False)


class MainWindow(QMainWindow):
    """Design, load, train, watch, save. ``training_finished`` fires when a Play/Step run ends."""

    training_finished = Signal(object)
    _run_job = Signal(object)

    def __init__(self, config: Optional[ExperimentConfig] = None, load_default: bool = True):
        super().__init__()
        self.setWindowTitle("pyffnn — feedforward network playground")
        self.resize(1400, 900)
        self.session = Session(config or ExperimentConfig())
        self.view_net = None                 # UI-thread copy of the network, loaded with weight snapshots
        self.snapshot: Optional[np.ndarray] = None
        self.perceptron = None
        self.project_path: Optional[str] = None
        self.running = False
        self.remaining = 0                   # epochs left of the current Play run (kept across Pause)
        self._job_is_play = False
        self._after_stop: List[Callable] = []
        self._applying = False
        self._dirty = False
        self._tick = 0
        self.last_error = ""
        self._partial_of = 0
        self.frame_costs = deque(maxlen=50)   # seconds per redraw while training, painting included

        self._build_widgets()
        self._build_menu()
        self._start_worker()
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self._redraw_tick)
        self.timer.start()

        self._apply_config_to_panels(self.session.config)
        if load_default:
            self.load_data()

    # ================================================================== construction
    def _build_widgets(self) -> None:
        self.data_panel = DataPanel()
        self.layer_editor = LayerEditor()
        self.train_panel = TrainPanel()
        self.data_panel.load_requested.connect(self.load_data)
        self.layer_editor.changed.connect(self._architecture_changed)
        self.train_panel.play_clicked.connect(self.play)
        self.train_panel.pause_clicked.connect(self.pause)
        self.train_panel.step_clicked.connect(self.step)
        self.train_panel.reset_clicked.connect(self.reset)
        self.train_panel.mode_combo.currentIndexChanged.connect(self._mode_changed)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        for w in (self.data_panel, self.layer_editor, self.train_panel):
            left_layout.addWidget(w)
        left_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setFixedWidth(370)

        self.boundary_plot = BoundaryPlot()
        self.loss_plot = LossPlot()
        self.network_view = NetworkView()
        self.activation_plot = ActivationPlot()
        self.weights_plot = WeightsPlot()
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(self.weights_plot, "Weights && gradients")
        self.side_tabs.addTab(self.activation_plot, "Activations")
        self.side_tabs.currentChanged.connect(lambda _i: self._redraw(force=True))

        right = QWidget()
        grid = QGridLayout(right)
        grid.setContentsMargins(2, 2, 2, 2)
        grid.addWidget(self.boundary_plot, 0, 0)
        grid.addWidget(self.loss_plot, 0, 1)
        grid.addWidget(self.network_view, 1, 0)
        grid.addWidget(self.side_tabs, 1, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)

        for combo in left.findChildren(QComboBox):   # long item texts must not widen the panel
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)

        right_column = QWidget()
        right_layout = QVBoxLayout(right_column)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.train_panel.transport)
        right_layout.addWidget(right, 1)
        central = QWidget()
        main_layout = QHBoxLayout(central)
        main_layout.setContentsMargins(2, 2, 2, 2)
        main_layout.addWidget(scroll)
        main_layout.addWidget(right_column, 1)
        self.setCentralWidget(central)
        self.plots = {"output": self.boundary_plot, "loss": self.loss_plot, "network": self.network_view,
                      "activations": self.activation_plot, "weights": self.weights_plot, "window": self}

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = self._action(file_menu, "&Open project…", self.open_project_dialog, QKeySequence.Open)
        self.save_action = self._action(file_menu, "&Save project", self.save_project_dialog, QKeySequence.Save)
        self.save_as_action = self._action(file_menu, "Save project &as…",
                                           lambda: self.save_project_dialog(ask=True), QKeySequence.SaveAs)
        self.export_action = self._action(file_menu, "&Export model (pyffnn .npz)…", self.export_model_dialog)
        png_menu = file_menu.addMenu("Save plot as &PNG")
        for key, label in (("output", "Model output / decision boundary"), ("loss", "Loss curves"),
                           ("network", "Network drawing"), ("activations", "Activation functions"),
                           ("weights", "Weights && gradients"), ("window", "Whole window")):
            self._action(png_menu, label, lambda checked=False, k=key: self.save_plot_dialog(k))
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.Quit)

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
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.perceptron_done.connect(self._on_perceptron)
        self.thread.start()

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
        self.session.config.data = cfg
        self.session.config.network = self.layer_editor.config()
        self.session.config.train = self.train_panel.config()
        old = self.session.data
        try:
            self.session.set_data(data)
        except (SetupError, ValueError) as exc:
            self.session.data = old
            self.data_panel.show_error(str(exc))
            return False
        self.data_panel.show_info(data.description)
        self.boundary_plot.set_data(data)
        self.loss_plot.set_classification(data.task != "regression")
        self._after_rebuild()
        return True

    def _architecture_changed(self) -> None:
        if self._applying or self.session.data is None:
            return
        self.session.config.network = self.layer_editor.config()
        self.session.config.train = self.train_panel.config()
        try:
            self.session.rebuild()
        except (SetupError, ValueError) as exc:
            self._show_status(str(exc), error=True)
            return
        self._after_rebuild()

    def _after_rebuild(self) -> None:
        net = self.session.net
        self.view_net = net.copy()
        self.snapshot = net.params.copy()
        self.perceptron = None
        self.remaining = 0
        self._shapes = param_shapes(net)
        self.layer_editor.set_summary(net.spec, net.n_params)
        self._refresh_network_drawing()
        self.weights_plot.set_layers(len(net.layers))
        self.activation_plot.set_activations(self._activation_items())
        self._show_status(self._status_text())
        self._redraw(force=True)

    def _activation_items(self) -> list:
        return [(l.activation if l.activation != "maxout" else "maxout", getattr(l, "pieces", 1))
                for l in self.session.net.layers]

    def _refresh_network_drawing(self) -> None:
        net = self.session.net
        sizes = [net.n_inputs] + [l.units for l in net.layers]
        self.network_view.set_architecture(sizes, [l.activation for l in net.layers],
                                           [getattr(l, "pieces", 1) if l.activation == "maxout" else 1
                                            for l in net.layers], net.n_params)

    def _mode_changed(self) -> None:
        if self.session.net is None or self.running:
            return
        self.perceptron = None
        self._refresh_network_drawing()
        self._redraw(force=True)

    # ================================================================== training control
    def play(self) -> None:
        """Train (in the worker) for the epochs left of this run, or a new run of "Epochs per Play"."""
        if self.running or self.session.net is None:
            return
        self.session.config.train = self.train_panel.config()
        if self.session.config.train.mode == "perceptron":
            self._start_perceptron()
            return
        if self.remaining <= 0:
            self.remaining = self.session.config.train.epochs
        self._start_fit(self.remaining, play=True)

    def step(self) -> None:
        """Train exactly one epoch."""
        if self.running or self.session.net is None:
            return
        self.session.config.train = self.train_panel.config()
        if self.session.config.train.mode != "network":
            return
        self._start_fit(1, play=False)

    def pause(self) -> None:
        """Stop after the current chunk of training (~0.1 s), mid-epoch if need be; the rest of the run is kept
        for the next Play. An interrupted epoch is not recorded, but its weight updates are kept."""
        if self.running:
            self.worker.request_pause()

    def reset(self) -> None:
        """Re-initialise the weights with the seed and clear the history (stops training first)."""
        if self.running:
            self._after_stop.append(self.reset)
            self.worker.request_abort()
            return
        self.session.config.train = self.train_panel.config()
        self.session.reset_training()
        self.snapshot = self.session.net.params.copy()
        self.perceptron = None
        self.remaining = 0
        self._refresh_network_drawing()
        self._show_status(self._status_text())
        self._redraw(force=True)

    def _start_fit(self, epochs: int, play: bool) -> None:
        s = self.session
        data = s.data
        try:
            kwargs = s.fit_kwargs()
            y = s.targets(data.y_train)
        except (ValueError, SetupError) as exc:
            self._show_status(str(exc), error=True)
            return
        n_probe = min(PROBE_SAMPLES, len(data.X_train))
        job = TrainJob(net=s.net, X=data.Xs_train, y=y, fit_kwargs=kwargs, epochs=int(epochs),
                       start_epoch=s.epochs_done, seed=s.config.train.seed,
                       probe_X=data.Xs_train[:n_probe], probe_y=y[:n_probe])
        self._job_is_play = play
        s.partial_samples = 0                # the next epoch restarts the interrupted one (from these weights)
        if self.perceptron is not None:      # back to the network after a perceptron run
            self.perceptron = None
            self._refresh_network_drawing()
        self._set_running(True)
        self.worker.clear_requests()
        self._run_job.emit(job)

    def _start_perceptron(self) -> None:
        data = self.session.data
        if data.task != "binary":
            self._show_status("the perceptron algorithm needs two classes; load a binary data set", error=True)
            return
        tc = self.session.config.train
        self._job_is_play = False
        self._set_running(True)
        self.worker.clear_requests()
        self._run_job.emit(PerceptronJob(data.Xs_train, np.asarray(data.y_train), tc.epochs, tc.lr))

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.train_panel.set_running(running)
        for w in (self.data_panel, self.layer_editor):
            w.setEnabled(not running)
        for a in (self.open_action,):
            a.setEnabled(not running)

    # ================================================================== worker signals
    def _on_progress(self, progress) -> None:
        s = self.session
        s.append_epochs(progress.epoch_logs)
        if self._job_is_play:
            self.remaining = max(0, self.remaining - len(progress.epoch_logs))
        s.add_grad_norms(progress.grad_norms)
        self.snapshot = progress.params
        self._dirty = True

    def _on_finished(self, info: dict) -> None:
        self._set_running(False)
        if self.session.net is not None:
            self.snapshot = self.session.net.params.copy()
        if info.get("reason") == "paused":
            self.session.partial_samples = int(info.get("partial_samples", 0))
        self._partial_of = int(info.get("n_samples", 0))
        if info.get("reason") != "error" and self.perceptron is None:
            self._show_status(self._status_text(final=True))
        self._redraw(force=True)
        pending, self._after_stop = self._after_stop, []
        for action in pending:
            action()
        self.training_finished.emit(info)

    def _on_failed(self, message: str) -> None:
        self.last_error = message
        self._show_status(f"Training stopped: {message}", error=True)

    def _on_perceptron(self, model) -> None:
        self.perceptron = model
        data = self.session.data
        n = data.n_features
        self.network_view.set_architecture([n, 1], ["step"], [1], n + 1)
        self.network_view.set_weights([(np.asarray(model.coef_, dtype=float).reshape(1, -1),
                                        np.array([float(model.intercept_)]))])
        train_acc = float(np.mean(model.predict(data.Xs_train) == data.y_train))
        test = f", test accuracy {np.mean(model.predict(data.Xs_test) == data.y_test):.1%}" if len(data.X_test) else ""
        state = "converged" if model.converged_ else "did not converge (data may not be linearly separable)"
        self._show_status(f"Perceptron {state}: {model.n_epochs_} epochs, {model.n_updates_} updates, "
                          f"train accuracy {train_acc:.1%}{test}")
        self.boundary_plot.update_model(model.predict)

    # ================================================================== drawing
    def _redraw_tick(self) -> None:
        self._tick += 1
        if not self._dirty:
            return
        start = time.perf_counter()
        self._redraw(force=False)
        if self.running:
            self.timer.stop()                   # restarted once this redraw has been painted
            QTimer.singleShot(0, lambda: self._redraw_painted(start))
        else:
            self.timer.setInterval(REDRAW_MS)

    def _redraw_painted(self, start: float) -> None:
        cost = time.perf_counter() - start
        self.frame_costs.append(cost)
        self.timer.start(int(min(REDRAW_MAX_MS, max(REDRAW_MS, 1000 * cost / REDRAW_BUDGET))))

    def _redraw(self, force: bool) -> None:
        """Redraw plots from the latest snapshot (never from the live training buffer)."""
        self._dirty = False
        s = self.session
        if s.net is None or self.snapshot is None:
            return
        self.loss_plot.set_history(s.history_arrays())
        layers = split_params(self._shapes, self.snapshot)
        if self.perceptron is None:
            self.network_view.set_weights(layers)
        slow_due = force or self._tick % BOUNDARY_EVERY == 0
        if force or (slow_due and self.weights_plot.isVisible()):   # skip work for a hidden tab
            self.weights_plot.set_weights(layers)
            self.weights_plot.set_grad_norms(s.grad_epochs, s.grad_norms)
        if self.running:
            self._show_status(self._status_text())
        if slow_due:
            if self.perceptron is not None:
                self.boundary_plot.update_model(self.perceptron.predict)
            else:
                self.view_net.params[:] = self.snapshot
                self.boundary_plot.update_model(self.view_net.predict)
        elif not force:
            self._dirty = True      # heatmap still owed

    def _status_text(self, final: bool = False) -> str:
        s = self.session
        h = s.history
        parts = [f"Epoch {s.epochs_done}"]
        for key, label in (("loss", "loss"), ("val_loss", "val loss")):
            if h[key] and np.isfinite(h[key][-1]):
                parts.append(f"{label} {h[key][-1]:.4g}")
        for key, label in (("accuracy", "acc"), ("val_accuracy", "val acc")):
            if h[key] and np.isfinite(h[key][-1]):
                parts.append(f"{label} {h[key][-1]:.1%}")
        if final and s.data is not None and len(s.data.X_test) and s.epochs_done:
            try:
                res = s.net.evaluate(s.data.Xs_test, s.targets(s.data.y_test), loss=s.config.network.loss)
                parts.append(f"test loss {res['loss']:.4g}")
                if "accuracy" in res:
                    parts.append(f"test acc {res['accuracy']:.1%}")
            except ValueError:
                pass
        if s.partial_samples and not self.running:
            parts.append(f"paused mid-epoch {s.epochs_done + 1} ({s.partial_samples:,}/{self._partial_of:,} samples "
                         "done; their updates are in the weights, the epoch is not in the history)")
        if self.remaining and not self.running:
            parts.append(f"paused ({self.remaining} epochs left in this run)")
        return " · ".join(parts)

    def _show_status(self, text: str, error: bool = False) -> None:
        label = self.train_panel.status_label
        label.setStyleSheet("color: #b00020;" if error else "")
        label.setText(text)
        self.statusBar().showMessage(text)

    # ================================================================== files
    def save_project_file(self, path: str) -> bool:
        s = self.session
        if s.net is None:
            self._show_status("nothing to save yet: load data first", error=True)
            return False
        cfg = self.current_config()
        cfg.data = s.config.data          # the data actually loaded, not unsaved panel edits
        # The optimizer's moments are only consistent with the weights while the worker is not updating them.
        opt_meta, opt_state = (None, None) if self.running or s.optimizer is None else describe_optimizer(s.optimizer)
        try:
            save_project(path, cfg, self.snapshot, s.history_arrays(), s.epochs_done, s.net.spec,
                         opt_meta, opt_state)
        except (ProjectFileError, OSError) as exc:
            self._show_status(str(exc), error=True)
            return False
        self.project_path = path
        self._show_status(f"Saved project {path}")
        return True

    def open_project_file(self, path: str) -> bool:
        if self.running:
            self._show_status("pause training before opening a project", error=True)
            return False
        try:
            project = load_project(path)
            data = load_data(project.config.data)
        except (ProjectFileError, DataLoadError) as exc:
            self._show_status(f"Could not open project: {exc}", error=True)
            return False
        previous = (self.session.config, self.session.data)
        self.session.config = project.config
        try:
            self.session.set_data(data)
            if self.session.net.n_params != project.params.size:
                raise SetupError(f"the stored weights ({project.params.size}) do not fit the network "
                                 f"{self.session.net.spec} ({self.session.net.n_params} parameters)")
        except (SetupError, ValueError) as exc:
            self.session.config, self.session.data = previous
            if previous[1] is not None:
                self.session.rebuild()
            self._show_status(f"Could not open project: {exc}", error=True)
            return False
        self.session.net.params[:] = project.params
        self.session.set_history(project.history, project.epochs_done)
        note = self._restore_optimizer(project)
        self._apply_config_to_panels(project.config)
        self.data_panel.show_info(data.description)
        self.boundary_plot.set_data(data)
        self.loss_plot.set_classification(data.task != "regression")
        self._after_rebuild()
        self.project_path = path
        self._show_status(f"Opened {os.path.basename(path)} · " + self._status_text() + (f" · {note}" if note else ""))
        return True

    def _restore_optimizer(self, project) -> str:
        """Put the project's optimizer state back into the session; returns a note when it was not possible."""
        if project.optimizer_meta is None:
            return project.optimizer_note
        net = self.session.net
        try:
            optimizer, note = restore_optimizer(project.optimizer_meta, project.optimizer_state, net.n_params,
                                                net.dtype)
        except OptimizerStateError as exc:
            return f"optimizer state not restored: {exc}"
        if optimizer is not None:
            self.session.adopt_optimizer(optimizer)
        return note

    def export_model_file(self, path: str) -> bool:
        """Write the network (current weights) as a pyffnn model file that ``pyffnn.Network.load`` opens."""
        if self.session.net is None:
            return False
        model = self.session.net.copy() if not self.running else self.view_net.copy()
        model.params[:] = self.snapshot
        try:
            # the preprocessing and the names go with the weights, so the file predicts on raw rows
            data = self.session.data
            model.save(path, metadata=None if data is None else data.model_metadata())
        except (ValueError, OSError) as exc:
            self._show_status(f"Could not export the model: {exc}", error=True)
            return False
        self._show_status(f"Exported model to {path}")
        return True

    def save_plot_png(self, name: str, path: str) -> bool:
        self._redraw(force=True)
        try:
            save_widget_png(self.plots[name], path)
        except OSError as exc:
            self._show_status(f"Could not save the image: {exc}", error=True)
            return False
        self._show_status(f"Saved {path}")
        return True

    # --- dialogs (thin wrappers, the *_file methods do the work)
    def open_project_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "", f"pyffnn projects (*{PROJECT_SUFFIX})")
        if path:
            self.open_project_file(path)

    def save_project_dialog(self, ask: bool = False) -> None:
        path = self.project_path
        if ask or not path:
            path, _ = QFileDialog.getSaveFileName(self, "Save project", path or f"untitled{PROJECT_SUFFIX}",
                                                  f"pyffnn projects (*{PROJECT_SUFFIX})")
        if path:
            if not os.path.splitext(path)[1]:
                path += PROJECT_SUFFIX
            self.save_project_file(path)

    def export_model_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export model", "model.npz", "pyffnn models (*.npz)")
        if path:
            self.export_model_file(path)

    def save_plot_dialog(self, name: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save plot as PNG", f"{name}.png", "PNG images (*.png)")
        if path:
            self.save_plot_png(name, path)

    # ================================================================== shutdown
    def shutdown(self) -> None:
        """Stop training and the worker thread (idempotent)."""
        if self.thread.isRunning():
            self.worker.request_abort()
            self.thread.quit()
            self.thread.wait(10_000)
        self.timer.stop()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

