"""What the window does with files: open/save projects, export the model, save plots, the title bar (project
name, unsaved-changes mark) and the "discard unsaved changes?" question. The file formats are in ``project_io``."""
from __future__ import annotations

import os
from typing import Callable, Optional

from PySide6.QtWidgets import QFileDialog, QMessageBox

import pyffnn

from pyffnn_gui.data_source import DataLoadError, load as load_data
from pyffnn_gui.optimizer_state import OptimizerStateError, describe as describe_optimizer
from pyffnn_gui.optimizer_state import restore as restore_optimizer
from pyffnn_gui.project_io import PROJECT_SUFFIX, ProjectFileError, load_project, save_project, save_widget_png
from pyffnn_gui.session import SetupError

APP_TITLE = "pyffnn — feedforward network playground"


class ProjectFiles:
    """File actions of one :class:`MainWindow`. With ``interactive`` (default True) closing with unsaved changes
    asks first, and a project whose data file has moved asks where it went (``locate_missing(path) -> new path or
    None``, a file dialog by default); without it (scripts, screenshots, tests) nothing is asked and a missing
    file opens the project without its data."""

    interactive = True

    def __init__(self, window):
        self.window = window
        self.path: Optional[str] = None
        self.modified = False
        self.locate_missing: Callable[[str], Optional[str]] = self._locate_dialog
        self.interactive = type(self).interactive
        from pyffnn_gui.model_runner import BackgroundCall

        self._saver = BackgroundCall(window)     # large projects are written off the UI thread

    # ------------------------------------------------------------------ title and unsaved changes
    def update_title(self) -> None:
        name = os.path.basename(self.path) if self.path else "untitled"
        self.window.setWindowTitle(f"{name}{' *' if self.modified else ''} — {APP_TITLE}")

    def mark_modified(self, modified: bool = True) -> None:
        if modified != self.modified:
            self.modified = modified
            self.update_title()

    def confirm_discard(self) -> bool:
        """True if the window may close: nothing unsaved, or the user chose to save or to discard."""
        if not (self.modified and self.interactive and self.window.session.net is not None):
            return True
        answer = QMessageBox.question(self.window, "Unsaved changes",
                                      "The project has unsaved changes. Save them before closing?",
                                      QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        if answer == QMessageBox.Save:
            self.save_dialog()
            return not self.modified
        return answer == QMessageBox.Discard

    # ------------------------------------------------------------------ projects
    def save(self, path: str) -> bool:
        """Save the project to ``path``. A large network (``window.background_build`` parameters or more: a 5M one
        writes 40 MB of weights and 80 MB of Adam moments) is written on a background thread, and True means
        "started": the status line reports the outcome, and Play/Step/Reset wait for the write (:meth:`saving`)."""
        w, s, c = self.window, self.window.session, self.window.controller
        if s.net is None:
            w._show_status("nothing to save yet: load data first", error=True)
            return False
        cfg = w.current_config()
        cfg.data = s.config.data          # the data actually loaded, not unsaved panel edits
        # The optimizer's moments are only consistent with the weights while the worker is not updating them.
        optimizer = None if c.running else s.optimizer
        # the snapshot is replaced, never changed in place, so the background write may read it as it is
        snapshot, history, epochs, spec = c.snapshot, s.history_arrays(), s.epochs_done, s.net.spec

        def write():
            opt_meta, opt_state = (None, None) if optimizer is None else describe_optimizer(optimizer)
            save_project(path, cfg, snapshot, history, epochs, spec, opt_meta, opt_state)

        if s.net.n_params >= getattr(w, "background_build", float("inf")):
            w._show_status(f"saving project {path}…")
            self._saver.run(write, lambda result: self._saved(path, result))
            return True
        try:
            write()
        except (ProjectFileError, OSError) as exc:
            w._show_status(str(exc), error=True)
            return False
        return self._saved(path, None)

    def _saved(self, path: str, error) -> bool:
        if isinstance(error, Exception):
            self.window._show_status(str(error), error=True)
            return False
        self.path = path
        self.modified = False
        self.update_title()
        self.window._show_status(f"Saved project {path}")
        return True

    def saving(self) -> bool:
        """A project is being written in the background."""
        return self._saver.busy()

    def shutdown(self) -> None:
        """Finish a project write still under way (closing the window must not lose it)."""
        self._saver.shutdown()

    def _load_project_data(self, project):
        """The project's data, asking where a moved CSV file went; None when it stays missing."""
        cfg = project.config.data
        try:
            return load_data(cfg)
        except DataLoadError:
            if cfg.source != "csv" or os.path.exists(cfg.csv_path):
                raise
        new_path = self.locate_missing(cfg.csv_path) if self.interactive else None
        if not new_path:
            return None
        cfg.csv_path = os.path.abspath(new_path)
        return load_data(cfg)

    def open(self, path: str) -> bool:
        w = self.window
        if w.running:
            w._show_status("pause training before opening a project", error=True)
            return False
        try:
            project = load_project(path)
            data = self._load_project_data(project)
        except (ProjectFileError, DataLoadError) as exc:
            w._show_status(f"Could not open project: {exc}", error=True)
            return False
        session = w.session
        previous = (session.config, session.data, session.net)
        session.config = project.config
        try:
            if data is None:     # data missing: the network, its weights and history still open
                session.data = None
                session.net = pyffnn.Network(project.spec, dtype="float64", random_state=project.config.train.seed)
                session.reset_training()
            else:
                session.set_data(data)
            if session.net.n_params != project.params.size:
                raise SetupError(f"the stored weights ({project.params.size}) do not fit the network "
                                 f"{session.net.spec} ({session.net.n_params} parameters)")
        except (SetupError, ValueError) as exc:
            session.config, session.data, session.net = previous
            w._show_status(f"Could not open project: {exc}", error=True)
            return False
        session.net.params[:] = project.params
        session.set_history(project.history, project.epochs_done)
        note = self._restore_optimizer(project)
        w._apply_config_to_panels(project.config)
        if data is None:
            w.boundary_plot.clear_data()
            w._after_rebuild()
            w.data_panel.show_error(f"the data file {project.config.data.csv_path} was not found; the weights and "
                                    "history are open — choose the file in the Data panel and press Load data")
        else:
            w.show_data(data)
        self.path = path
        self.modified = False
        self.update_title()
        w._show_status(f"Opened {os.path.basename(path)} · " + w.controller.status_text() +
                       (f" · {note}" if note else ""))
        return True

    def _restore_optimizer(self, project) -> str:
        """Put the project's optimizer state back into the session; returns a note when it was not possible."""
        if project.optimizer_meta is None:
            return project.optimizer_note
        net = self.window.session.net
        try:
            optimizer, note = restore_optimizer(project.optimizer_meta, project.optimizer_state, net.n_params,
                                                net.dtype)
        except OptimizerStateError as exc:
            return f"optimizer state not restored: {exc}"
        if optimizer is not None:
            self.window.session.adopt_optimizer(optimizer)
        return note

    def export_model(self, path: str) -> bool:
        """Write the network (current weights) as a pyffnn model file that ``pyffnn.Network.load`` opens."""
        w = self.window
        if w.session.net is None:
            return False
        model = w.view_net.copy()          # holds the snapshot the plots show
        try:
            # the preprocessing and the names go with the weights, so the file predicts on raw rows
            data = w.session.data
            model.save(path, metadata=None if data is None else data.model_metadata())
        except (ValueError, OSError) as exc:
            w._show_status(f"Could not export the model: {exc}", error=True)
            return False
        w._show_status(f"Exported model to {path}")
        return True

    def save_plot(self, name: str, path: str) -> bool:
        w = self.window
        w._redraw(force=True)
        try:
            save_widget_png(w.plots[name], path)
        except OSError as exc:
            w._show_status(f"Could not save the image: {exc}", error=True)
            return False
        w._show_status(f"Saved {path}")
        return True

    # ------------------------------------------------------------------ dialogs (thin wrappers)
    def _locate_dialog(self, missing: str) -> Optional[str]:
        answer = QMessageBox.question(self.window, "Data file not found",
                                      f"The project's data file\n{missing}\nwas not found. Locate it?\n\n"
                                      "(No: open the weights and history without the data.)")
        if answer != QMessageBox.Yes:
            return None
        path, _ = QFileDialog.getOpenFileName(self.window, f"Locate {os.path.basename(missing)}",
                                              os.path.dirname(missing), "CSV files (*.csv *.txt);;All files (*)")
        return path or None

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open project", "", f"pyffnn projects (*{PROJECT_SUFFIX})")
        if path:
            self.open(path)

    def save_dialog(self, ask: bool = False) -> None:
        path = self.path
        if ask or not path:
            path, _ = QFileDialog.getSaveFileName(self.window, "Save project", path or f"untitled{PROJECT_SUFFIX}",
                                                  f"pyffnn projects (*{PROJECT_SUFFIX})")
        if path:
            if not os.path.splitext(path)[1]:
                path += PROJECT_SUFFIX
            self.save(path)

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Export model", "model.npz", "pyffnn models (*.npz)")
        if path:
            self.export_model(path)

    def save_plot_dialog(self, name: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Save plot as PNG", f"{name}.png", "PNG images (*.png)")
        if path:
            self.save_plot(name, path)
