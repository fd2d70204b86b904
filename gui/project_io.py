"""Project files and atomic writes.

A project (``.ffnnproj``) is a NumPy ``.npz`` archive holding ``settings`` (the :class:`ExperimentConfig` as JSON),
``params`` (the flat weight buffer), ``epochs_done``, one array per history curve and, when training has run,
the optimizer's state (``optimizer_state``, with its hyper-parameters and step count in the JSON).
Files are written to a temporary file in the same directory, flushed to disk and then renamed over the target, so
a failed or interrupted save never destroys the previous file.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from typing import Callable, Dict, Optional

import numpy as np

import pyffnn

from pyffnn_gui.config import ConfigError, ExperimentConfig

FORMAT = "pyffnn-gui-project"
VERSION = 1
PROJECT_SUFFIX = ".ffnnproj"


class ProjectFileError(ValueError):
    """A project file could not be written or is not a readable pyffnn-gui project."""


@dataclass
class Project:
    config: ExperimentConfig
    params: np.ndarray
    history: Dict[str, np.ndarray]
    epochs_done: int
    spec: str
    optimizer_meta: Optional[dict] = None       # see pyffnn_gui.optimizer_state
    optimizer_state: Optional[np.ndarray] = None


def atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` and move the result over ``path`` only on success (pyffnn's atomic_path)."""
    with pyffnn.atomic_path(path) as tmp:
        write(tmp)


def save_project(path: str, config: ExperimentConfig, params: np.ndarray, history: Dict[str, np.ndarray],
                 epochs_done: int, spec: str, optimizer_meta: Optional[dict] = None,
                 optimizer_state: Optional[np.ndarray] = None) -> None:
    """Write a project file atomically (``optimizer_meta``/``optimizer_state`` from ``optimizer_state.describe``)."""
    meta = {"format": FORMAT, "version": VERSION, "spec": spec, "epochs_done": int(epochs_done),
            "settings": config.to_dict()}
    arrays = {"params": np.asarray(params, dtype=np.float64)}
    if optimizer_meta is not None and optimizer_state is not None:
        meta["optimizer"] = optimizer_meta
        arrays["optimizer_state"] = np.asarray(optimizer_state)
    arrays["meta"] = np.array(json.dumps(meta))
    for key, values in history.items():
        arrays[f"history_{key}"] = np.asarray(values, dtype=np.float64)

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    try:
        atomic_write(path, write)
    except OSError as exc:
        raise ProjectFileError(f"could not save project to {path}: {exc.strerror or exc}") from exc


def load_project(path: str) -> Project:
    """Read and validate a project file written by :func:`save_project`."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive["meta"]))
            params = np.array(archive["params"], dtype=np.float64)
            history = {k[len("history_"):]: np.array(archive[k], dtype=np.float64)
                       for k in archive.files if k.startswith("history_")}
            opt_state = np.array(archive["optimizer_state"]) if "optimizer_state" in archive.files else None
    except FileNotFoundError as exc:
        raise ProjectFileError(f"project file not found: {path}") from exc
    except (OSError, ValueError, TypeError, KeyError, zipfile.BadZipFile, EOFError, RecursionError) as exc:
        raise ProjectFileError(f"{path} is not a readable pyffnn-gui project file ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ProjectFileError(f"{path} is not a pyffnn-gui project file")
    if meta.get("version") != VERSION:
        raise ProjectFileError(f"{path} has project format version {meta.get('version')}, expected {VERSION}")
    try:
        config = ExperimentConfig.from_dict(meta["settings"])
    except (ConfigError, KeyError, TypeError, AttributeError) as exc:
        raise ProjectFileError(f"{path}: invalid settings ({exc})") from exc
    epochs_done, spec = meta.get("epochs_done", 0), meta.get("spec", "")
    if isinstance(epochs_done, bool) or not isinstance(epochs_done, int) or epochs_done < 0:
        raise ProjectFileError(f"{path}: epochs_done must be a non-negative integer, got {epochs_done!r}")
    if not isinstance(spec, str):
        raise ProjectFileError(f"{path}: spec must be a string, got {spec!r}")
    for key, values in history.items():
        if values.ndim != 1:
            raise ProjectFileError(f"{path}: the history curve {key!r} is not a 1-D array")
    if params.ndim != 1 or not np.all(np.isfinite(params)):
        raise ProjectFileError(f"{path}: the stored weights are not a finite 1-D array")
    opt_meta = meta.get("optimizer")
    if (opt_meta is None) != (opt_state is None) or (opt_meta is not None and not isinstance(opt_meta, dict)):
        raise ProjectFileError(f"{path}: the optimizer settings and state are incomplete")
    return Project(config, params, history, epochs_done, spec, opt_meta, opt_state)


def save_widget_png(widget, path: str) -> None:
    """Render a widget to a PNG file atomically."""
    pixmap = widget.grab()

    def write(tmp: str) -> None:
        if not pixmap.save(tmp, "PNG"):
            raise OSError(f"Qt could not encode the image as PNG ({tmp})")

    atomic_write(path, write)
