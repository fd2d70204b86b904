"""Project files, written through pyffnn's atomic writer and read through its bounded archive reader.

A project (``.ffnnproj``) is a NumPy ``.npz`` archive holding ``settings`` (the :class:`ExperimentConfig` as JSON),
``params`` (the flat weight buffer), ``epochs_done``, one array per history curve and, when training has run,
the optimizer's state (``optimizer_state``, with its hyper-parameters and step count in the JSON).
Files are written to a temporary file in the same directory, flushed to disk and then renamed over the target, so
a failed or interrupted save never destroys the previous file.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Dict, Optional

import numpy as np

import pyffnn

from pyffnn.fileio import NpzReader
from pyffnn_gui.config import ExperimentConfig
from pyffnn_gui.project_schema import (HISTORY_NAME, SchemaError, check_array, check_meta, check_optimizer,
                                      check_settings)

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
    optimizer_note: str = ""                    # why a stored optimizer state could not be used, if it could not


def atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` and move the result over ``path`` only on success (pyffnn's one atomic writer)."""
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
    except (OSError, pyffnn.FFNNError) as exc:  # FFNNError: a device node or FIFO as the target
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ProjectFileError(f"could not save project to {path}: {text}") from exc


_MAX_META_BYTES = 64 << 20


def _member_allowed(name: str) -> bool:
    if name in ("meta", "params", "optimizer_state"):
        return True
    return name.startswith("history_") and HISTORY_NAME.fullmatch(name[len("history_"):]) is not None


def load_project(path: str) -> Project:
    """Read and validate a project file written by :func:`save_project`.

    Every way the file can be wrong (not a regular file, corrupt archive, odd members, bad JSON, a field of the wrong
    type or out of range, non-finite weights) is one :class:`ProjectFileError`; nothing is returned half-checked.
    """
    try:
        with NpzReader(path, _member_allowed, what="pyffnn-gui project file", error=ProjectFileError) as z:
            shape, kind = z.info("meta")
            if shape != () or kind.kind != "U":
                raise ProjectFileError(f"{path} is not a pyffnn-gui project file (no description)")
            try:
                meta = json.loads(str(z.read("meta", _MAX_META_BYTES)[()]))
            except (ValueError, RecursionError) as exc:
                raise ProjectFileError(f"{path} is not a readable pyffnn-gui project file ({exc})") from None
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise ProjectFileError(f"{path} is not a pyffnn-gui project file")
            if meta.get("version") != VERSION:
                raise ProjectFileError(f"{path} has project format version {meta.get('version')!r}, "
                                       f"expected {VERSION}")
            try:
                spec, epochs_done, opt_meta = check_meta(meta)
                config = check_settings(meta.get("settings"))
                params = check_array("the stored weights", z.read("params"))
                history = {k[len("history_"):]: check_array(f"the history curve {k[len('history_'):]!r}",
                                                            z.read(k), allow_nan=True)
                           for k in z.names if k.startswith("history_")}
                opt_state = check_array("the optimizer state", z.read("optimizer_state")) \
                    if "optimizer_state" in z else None
            except SchemaError as exc:
                raise ProjectFileError(f"{path}: invalid project: {exc}") from None
    except FileNotFoundError:
        raise ProjectFileError(f"project file not found: {path}") from None
    except OSError as exc:
        raise ProjectFileError(f"could not read {path}: {exc.strerror or exc}") from None
    except pyffnn.FFNNError as exc:  # e.g. a directory given as the project
        raise ProjectFileError(str(exc)) from None
    if (opt_meta is None) != (opt_state is None):
        raise ProjectFileError(f"{path}: the optimizer settings and state are incomplete")
    note = ""
    if opt_meta is not None:
        try:  # the weights are fine without it: a bad optimizer description only restarts the optimizer
            check_optimizer(opt_meta)
            opt_state = opt_state.astype(opt_meta.get("dtype", "float64"))
        except SchemaError as exc:
            opt_meta, opt_state, note = None, None, f"optimizer state not restored: {exc}"
    return Project(config, params, history, epochs_done, spec, opt_meta, opt_state, note)


def save_widget_png(widget, path: str) -> None:
    """Render a widget to a PNG file atomically."""
    pixmap = widget.grab()

    def write(tmp: str) -> None:
        if not pixmap.save(tmp, "PNG"):
            raise OSError(f"Qt could not encode the image as PNG for {path}")

    try:
        atomic_write(path, write)
    except pyffnn.FFNNError as exc:  # a device node or FIFO as the target: reported like any failed save
        raise OSError(str(exc)) from None
