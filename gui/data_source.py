"""Turn a :class:`DataConfig` into ready-to-train arrays using ``pyffnn.datasets``.

Everything that can go wrong with user data ends up as a :class:`DataLoadError` with a message fit for the
window; the panel shows it instead of crashing.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from pyffnn_gui.config import DataConfig


class DataLoadError(ValueError):
    """The data could not be loaded or is unusable for training; the message says why."""


@dataclass
class PreparedData:
    """Split data. ``X_*`` are the encoded features in the original units (for plotting), ``Xs_*`` are what the
    network sees: with input transforms (x1², sin x1, ...) the derived inputs are appended, then all are scaled."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str                         # "binary", "multiclass", "multilabel" or "regression" (one or more targets)
    classes: Optional[List[str]]      # class names; the label names for multilabel; None for regression
    feature_names: List[str]
    target_name: str
    scaler: object = None             # fitted pyffnn.datasets.StandardScaler or None
    description: str = ""
    preprocessor: object = None       # the fitted pyffnn.datasets.Preprocessor (training rows) that made X and y
    report: object = None             # its pyffnn.datasets.DataReport
    input_names: Optional[List[str]] = None   # the network's inputs: feature_names plus derived ones (x1^2, ...)

    def model_metadata(self) -> dict:
        """What an exported model file carries so that ``pyffnn predict`` and ``Preprocessor.from_dict`` prepare
        raw rows exactly as the app did: the preprocessing (kinds, categories, imputation, scaling) and the
        feature, target and class names (the command line's metadata format)."""
        pre = self.preprocessor
        return {"format": "pyffnn-cli/1", "task": self.task, "classes": self.classes,
                "feature_names": list(self.network_inputs), "target_name": self.target_name,
                "input_columns": None if pre is None else list(pre.input_columns_),
                "target_names": None if pre is None else list(pre.target_names_),
                "preprocessor": None if pre is None else pre.to_dict(), "source": {"app": self.description}}

    @property
    def n_features(self) -> int:
        """Features of the data (the plotted dimensions)."""
        return self.X_train.shape[1]

    @property
    def network_inputs(self) -> List[str]:
        """Names of the network's inputs (the features, then any derived inputs)."""
        return list(self.feature_names if self.input_names is None else self.input_names)

    @property
    def n_inputs(self) -> int:
        """Inputs of the network: the features plus the derived ones."""
        return len(self.network_inputs)

    @property
    def n_targets(self) -> int:
        return 1 if self.y_train.ndim == 1 else self.y_train.shape[1]

    def scale(self, X: np.ndarray) -> np.ndarray:
        """Map raw features to the network's input space (derived inputs appended, then scaled)."""
        if self.preprocessor is not None and self.preprocessor.derived_:
            return self.preprocessor.derive(X, scale=True)
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


def read_csv_table(path: str, header: str = "auto", skip_rows: int = 0):
    """The table in ``path`` read by pyffnn's one reader (``pyffnn.datasets.read_frame``)."""
    from pyffnn import datasets

    try:
        return datasets.read_frame(path, header={"auto": "auto", "yes": True, "no": False}.get(header, header),
                                   skip_rows=skip_rows)
    except (ValueError, OSError) as exc:
        raise DataLoadError(str(exc)) from exc


def csv_columns(path: str, header: str = "auto", skip_rows: int = 0) -> List[str]:
    """Column names of a CSV file as pyffnn reads it (its header, or ``x1..xN`` without one)."""
    return [str(c) for c in read_csv_table(path, header, skip_rows).frame.columns]


def table_options(cfg: DataConfig, names: List[str]) -> dict:
    """``Preprocessor`` options from the data config (the import dialog's roles and kinds, or the target column)."""
    if cfg.targets:
        target = cfg.targets if len(cfg.targets) > 1 else cfg.targets[0]
    else:
        if not -len(names) <= cfg.target < len(names):
            raise DataLoadError(f"target column {cfg.target} does not exist; the file has {len(names)} columns")
        target = cfg.target
    return dict(target=target, drop=list(cfg.drop), features=list(cfg.features), kinds=dict(cfg.kinds),
                missing=cfg.missing, task=cfg.task)


def load(cfg: DataConfig) -> PreparedData:
    """Load, split and (optionally) standardise the data described by ``cfg``, through pyffnn's one data path:
    the table reader and a ``Preprocessor`` fitted on the training rows (kept for the model export)."""
    from pyffnn import datasets

    try:
        cfg.validate()
        if cfg.source == "builtin":
            table, options, desc = _builtin_table(cfg)
        elif cfg.source == "custom":
            table, options, desc = _custom_table(cfg)
        else:
            if not cfg.csv_path:
                raise DataLoadError("choose a CSV file first")
            table = read_csv_table(cfg.csv_path, cfg.header, cfg.skip_rows)
            options = table_options(cfg, [str(c) for c in table.frame.columns])
            desc = ""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", datasets.DataWarning)
            ds = datasets.dataset_from(table, datasets.Preprocessor(standardize=False, **options).fit(table))
        task, y = ds.task, ds.y
        classes = None if ds.classes is None else [str(c) for c in ds.classes]  # multilabel: the label names
        if cfg.source in ("builtin", "custom") and classes is not None:
            classes = [f"class {c}" for c in classes]
        _check_usable(ds.X, y, task, classes)
        derived, note = input_transforms(cfg.transforms, list(ds.feature_names))
        # the library's split-and-scale path (stratified classification, preprocessing fitted on the training rows);
        # a regression target is standardised with the features (Session.targets, Session.data_units)
        scaling = (True if cfg.scale_target else "features") if cfg.standardize else False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", datasets.DataWarning)
            sp = datasets.split_table(table, ds, val=cfg.val, test=cfg.test, random_state=cfg.seed,
                                      standardize=scaling, derived=derived,
                                      **options)
        tr, va, te = (sp.indices[part] for part in ("train", "val", "test"))
        if len(tr) < 2:
            raise DataLoadError(f"only {len(tr)} training samples left after the split; "
                                "use more data or smaller validation/test ratios")
        if task in ("binary", "multiclass") and len(np.unique(y[tr])) < 2:
            raise DataLoadError("the training split holds only one class; use more data or smaller ratios")
        pre = sp.preprocessor
        X_tr, X_va, X_te = (sp.X(part, scale=False, derived=False) for part in ("train", "val", "test"))
    except DataLoadError:
        raise
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise DataLoadError(str(exc)) from exc
    y = y.astype(np.float64) if task in ("regression", "multilabel") else y.astype(np.int64)
    if not desc:
        what = f", {len(classes)} classes" if classes is not None and task != "multilabel" else ""
        desc = (f"{cfg.csv_path}: {ds.n_samples} rows, {ds.n_features} features, "
                f"target{'s' if ',' in ds.target_name else ''} {ds.target_name!r} ({task}{what})")
    return PreparedData(X_tr, y[tr], X_va, y[va], X_te, y[te], task, classes, list(pre.encoded_names_),
                        str(ds.target_name), pre.scaler_, desc + note, preprocessor=pre, report=ds.report,
                        input_names=list(pre.feature_names_))


def input_transforms(names: List[str], features: List[str]):
    """``(derived features for the Preprocessor, note for the description)`` for the chosen input transforms
    (``config.INPUT_TRANSFORMS`` names, over the first and second feature); they need 2-D data."""
    from pyffnn import datasets
    from pyffnn_gui.config import INPUT_TRANSFORMS

    if not names:
        return [], ""
    if len(features) != 2:
        return [], f" (input transforms need data with two features; this data has {len(features)}: not applied)"
    specs = datasets.playground_features(features)
    order = [name for name, _ in INPUT_TRANSFORMS]
    labels = dict(INPUT_TRANSFORMS)
    return [specs[order.index(n)] for n in names], "; extra inputs " + ", ".join(labels[n] for n in names)


def _builtin_table(cfg: DataConfig):
    """A built-in set as a table, for the same path as a CSV file."""
    import pandas as pd

    from pyffnn import datasets

    if cfg.builtin not in datasets.BUILTIN:
        raise DataLoadError(f"unknown built-in data set {cfg.builtin!r}; "
                            f"choose one of {', '.join(sorted(datasets.BUILTIN))}")
    info = datasets.BUILTIN[cfg.builtin]
    X, y = _info_generator(info)(n_samples=int(cfg.n_samples), noise=float(cfg.noise), random_state=cfg.seed)
    features = [f"x{i + 1}" for i in range(np.shape(X)[1])]
    frame = pd.DataFrame(np.asarray(X, dtype=np.float64), columns=features)
    frame["y"] = y
    classify = _info_task(info) != "regression"
    options = dict(target="y", features=features, task="classification" if classify else "regression")
    desc = f"{cfg.builtin}: {len(X)} samples, noise {cfg.noise:g}, seed {cfg.seed}"
    return datasets.read_frame(frame), options, desc


def _custom_table(cfg: DataConfig):
    """The points painted in the app (rows [x1, x2, target]) as a table, for the same path as a CSV file."""
    import pandas as pd

    from pyffnn import datasets

    columns = list(cfg.point_columns) or ["x1", "x2", "y"]
    frame = pd.DataFrame(np.asarray(cfg.points, dtype=np.float64).reshape(-1, 3), columns=columns)
    classify = cfg.task == "classification"
    if classify:
        frame[columns[2]] = frame[columns[2]].round().astype(np.int64)
    origin = f" (started from {cfg.builtin})" if cfg.builtin else ""
    desc = f"painted data: {len(frame)} points{origin}, split seed {cfg.seed}"
    options = dict(target=columns[2], features=columns[:2], task=cfg.task)
    return datasets.read_frame(frame), options, desc


def points_of(data: PreparedData) -> np.ndarray:
    """Every point of 2-D data as rows [x1, x2, target] (train, validation, test): what painting starts from."""
    X = np.vstack([data.X_train, data.X_val, data.X_test])
    y = np.concatenate([data.y_train, data.y_val, data.y_test]).astype(np.float64)
    return np.column_stack([X, y])


def _check_usable(X, y, task, classes) -> None:
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DataLoadError("the data has no rows or no feature columns")
    if not np.all(np.isfinite(X)):
        raise DataLoadError("the features contain NaN or infinite values")
    if task == "multilabel":
        if not np.isin(y, (0, 1)).all():
            raise DataLoadError("multi-label targets must be 0/1 (true/false)")
    elif task != "regression":
        n_present = len(np.unique(y))
        if classes is not None and len(classes) < 2 or n_present < 2:
            raise DataLoadError("the target column has only one class; classification needs at least two")
    elif not np.all(np.isfinite(y)):
        raise DataLoadError("the target column contains NaN or infinite values")
