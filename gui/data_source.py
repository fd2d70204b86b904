"""Turn a :class:`DataConfig` into ready-to-train arrays using ``pyffnn.datasets``.

Everything that can go wrong with user data ends up as a :class:`DataLoadError` with a message fit for the
window; the panel shows it instead of crashing.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from pyffnn.fileio import open_regular
from pyffnn_gui.config import DataConfig


class DataLoadError(ValueError):
    """The data could not be loaded or is unusable for training; the message says why."""


@dataclass
class PreparedData:
    """Split data. ``X_*`` are in the original units (for plotting), ``Xs_*`` are what the network sees."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str                         # "binary", "multiclass" or "regression"
    classes: Optional[List[str]]      # class names (None for regression)
    feature_names: List[str]
    target_name: str
    scaler: object = None             # fitted pyffnn.datasets.StandardScaler or None
    description: str = ""

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_targets(self) -> int:
        return 1 if self.y_train.ndim == 1 else self.y_train.shape[1]

    def scale(self, X: np.ndarray) -> np.ndarray:
        """Map raw features to the network's input space."""
        return X if self.scaler is None else self.scaler.transform(X)

    @property
    def Xs_train(self) -> np.ndarray:
        return self.scale(self.X_train)

    @property
    def Xs_val(self) -> np.ndarray:
        return self.scale(self.X_val)

    @property
    def Xs_test(self) -> np.ndarray:
        return self.scale(self.X_test)


def builtin_names() -> List[str]:
    """Names of pyffnn's built-in data sets, classification first."""
    from pyffnn import datasets

    order = {"binary": 0, "multiclass": 1, "regression": 2}
    return sorted(datasets.BUILTIN, key=lambda n: (order.get(_info_task(datasets.BUILTIN[n]), 3), n))


def default_noise(name: str, fallback: float = 0.1) -> float:
    """The noise level pyffnn's generator for the built-in set ``name`` uses by default (``fallback`` if unknown).

    These are the levels the sets are designed for: e.g. the two spirals overlap badly at 0.1 but not at 0.05.
    """
    import inspect

    from pyffnn import datasets

    info = datasets.BUILTIN.get(name)
    if info is None:
        return float(fallback)
    default = inspect.signature(_info_generator(info)).parameters.get("noise")
    if default is None or not isinstance(default.default, (int, float)):
        return float(fallback)
    return float(default.default)


def _info_task(info) -> str:
    return info["task"] if isinstance(info, dict) else info.task


def _info_generator(info):
    return info["generator"] if isinstance(info, dict) else info.generator


def csv_columns(path: str) -> List[str]:
    """Column names of a CSV file (its header, or ``column 1..N`` when the first row is all numbers)."""
    try:
        with io.TextIOWrapper(open_regular(path, "CSV file", DataLoadError), newline="", encoding="utf-8-sig") as fh:
            for row in csv.reader(fh):
                if row and any(cell.strip() for cell in row):
                    break
            else:
                raise DataLoadError(f"{path}: the file is empty")
    except OSError as exc:
        raise DataLoadError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataLoadError(f"{path} is not a readable text CSV file: {exc}") from exc

    def is_number(text: str) -> bool:
        try:
            float(text)
            return True
        except ValueError:
            return False

    if all(is_number(cell) for cell in row):
        return [f"column {i + 1}" for i in range(len(row))]
    return [cell.strip() or f"column {i + 1}" for i, cell in enumerate(row)]


def load(cfg: DataConfig) -> PreparedData:
    """Load, split and (optionally) standardise the data described by ``cfg``."""
    from pyffnn import datasets

    try:
        cfg.validate()
        if cfg.source == "builtin":
            X, y, task, classes, features, target, desc = _load_builtin(cfg)
        else:
            X, y, task, classes, features, target, desc = _load_csv(cfg)
        _check_usable(X, y, task, classes)
        stratify = y if task != "regression" else None
        try:
            parts = datasets.train_val_test_split(X, y, val=cfg.val, test=cfg.test,
                                                  random_state=cfg.seed, stratify=stratify)
        except ValueError:
            # Stratification needs >= 2 members per class in each part; fall back to a plain shuffle split.
            parts = datasets.train_val_test_split(X, y, val=cfg.val, test=cfg.test, random_state=cfg.seed)
        X_tr, X_va, X_te, y_tr, y_va, y_te = _unpack_split(parts)
    except DataLoadError:
        raise
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise DataLoadError(str(exc)) from exc
    if len(X_tr) < 2:
        raise DataLoadError(f"only {len(X_tr)} training samples left after the split; "
                            "use more data or smaller validation/test ratios")
    if task != "regression" and len(np.unique(y_tr)) < 2:
        raise DataLoadError("the training split holds only one class; use more data or smaller ratios")
    scaler = None
    if cfg.standardize:
        scaler = datasets.StandardScaler()
        scaler.fit(X_tr)
    return PreparedData(X_tr, y_tr, X_va, y_va, X_te, y_te, task, classes, features, target, scaler, desc)


def _unpack_split(parts):
    """pyffnn returns (X_train, X_val, X_test, y_train, y_val, y_test) like scikit-learn's ordering."""
    X_tr, X_va, X_te, y_tr, y_va, y_te = parts
    return X_tr, X_va, X_te, y_tr, y_va, y_te


def _load_builtin(cfg: DataConfig):
    from pyffnn import datasets

    if cfg.builtin not in datasets.BUILTIN:
        raise DataLoadError(f"unknown built-in data set {cfg.builtin!r}; "
                            f"choose one of {', '.join(sorted(datasets.BUILTIN))}")
    info = datasets.BUILTIN[cfg.builtin]
    X, y = _info_generator(info)(n_samples=int(cfg.n_samples), noise=float(cfg.noise), random_state=cfg.seed)
    X = np.asarray(X, dtype=np.float64)
    task = _info_task(info)
    classes = None
    if task != "regression":
        y = np.asarray(y).astype(np.int64)
        classes = [f"class {k}" for k in range(int(y.max()) + 1)]
    else:
        y = np.asarray(y, dtype=np.float64)
    features = [f"x{i + 1}" for i in range(X.shape[1])]
    desc = f"{cfg.builtin}: {len(X)} samples, noise {cfg.noise:g}, seed {cfg.seed}"
    return X, y, task, classes, features, "y", desc


def _load_csv(cfg: DataConfig):
    from pyffnn import datasets

    if not cfg.csv_path:
        raise DataLoadError("choose a CSV file first")
    n_cols = len(csv_columns(cfg.csv_path))
    if n_cols < 2:
        raise DataLoadError(f"{cfg.csv_path} has {n_cols} column; need at least one feature and a target")
    if not -n_cols <= cfg.target < n_cols:
        raise DataLoadError(f"target column {cfg.target} does not exist; the file has {n_cols} columns")
    ds = datasets.load_csv(cfg.csv_path, target=cfg.target, header="auto")
    X = np.asarray(ds.X, dtype=np.float64)
    task = ds.task
    classes = None if ds.classes is None else [str(c) for c in ds.classes]
    y = np.asarray(ds.y)
    if task == "regression":
        y = y.astype(np.float64)
    else:
        y = y.astype(np.int64)
    desc = (f"{cfg.csv_path}: {len(X)} rows, {X.shape[1]} features, target {ds.target_name!r} "
            f"({task}{'' if classes is None else f', {len(classes)} classes'})")
    return X, y, task, classes, list(ds.feature_names), str(ds.target_name), desc


def _check_usable(X, y, task, classes) -> None:
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DataLoadError("the data has no rows or no feature columns")
    if not np.all(np.isfinite(X)):
        raise DataLoadError("the features contain NaN or infinite values")
    if task != "regression":
        n_present = len(np.unique(y))
        if classes is not None and len(classes) < 2 or n_present < 2:
            raise DataLoadError("the target column has only one class; classification needs at least two")
    elif not np.all(np.isfinite(y)):
        raise DataLoadError("the target column contains NaN or infinite values")
