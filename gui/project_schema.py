"""Field-by-field validation of a project file's contents, before anything of it is applied to the window.

A project file is data from outside: every field is checked for its type (an int is not a bool, a float is finite),
its range (the range of the widget that will show it: a value the panels cannot display would abort Qt) and its
choices, and unknown fields are refused, so that :func:`pyffnn_gui.project_io.load_project` either returns a
project the app can apply as it is or raises one :class:`ProjectFileError` that says which field is wrong.
"""
from __future__ import annotations

import dataclasses
import math
import re

import numpy as np

from pyffnn_gui.config import (LIMITS, MAX_DROPOUT, ConfigError, DataConfig, ExperimentConfig, LayerSpec, NetworkConfig,
                               TrainConfig)
from pyffnn_gui.optimizer_state import HYPER_PARAMETERS

SEED_MAX = 2**31 - 1
# (section, field) -> (low, high): the ranges of the panels' spin boxes
RANGES = {
    ("layer", "units"): (1, 4096), ("layer", "pieces"): (2, 16), ("layer", "dropout"): (0.0, MAX_DROPOUT),
    ("data", "n_samples"): (10, 1_000_000), ("data", "noise"): (0.0, 5.0), ("data", "seed"): (0, SEED_MAX),
    ("data", "target"): (-(2**31), 2**31 - 1), ("data", "val"): (0.0, 0.6), ("data", "test"): (0.0, 0.6),
    ("data", "skip_rows"): (0, 1_000_000),
    **{("train", name): limits for name, limits in LIMITS.items()},    # the training panel's ranges
}
MAX_TEXT = 4096
MAX_LAYERS = 64
MAX_EPOCHS_DONE = 2**53
HISTORY_NAME = re.compile(r"[a-z_]{1,32}")


class SchemaError(ValueError):
    """One field of a project file is missing, of the wrong type, out of range or unknown."""


def _value(section, name, value, default):
    where = f"{section}.{name}"
    low, high = RANGES.get((section, name), (None, None))
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise SchemaError(f"{where} must be true or false, got {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise SchemaError(f"{where} must be an integer, got {value!r}")
        low = -(2**31) if low is None else low
        high = 2**31 - 1 if high is None else high
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise SchemaError(f"{where} must be a finite number, got {value!r}")
        value = float(value)
    elif (section, name) == ("data", "points"):      # painted points: rows of numbers, checked by DataConfig
        if not isinstance(value, list) or len(value) > 1_000_000 or not all(isinstance(r, list) for r in value):
            raise SchemaError(f"{where} must be a list of [x1, x2, target] rows, got {value!r:.80}")
        return value
    elif isinstance(default, (list, dict)):  # column names (and kinds) chosen in the import dialog
        items = list(value.items()) if isinstance(value, dict) else value
        if not isinstance(value, type(default)) or len(items) > 10_000 or not all(
                isinstance(v, str) and len(v) <= MAX_TEXT for item in items
                for v in (item if isinstance(item, tuple) else (item,))):
            raise SchemaError(f"{where} must be a {'list' if isinstance(default, list) else 'mapping'} of texts, "
                              f"got {value!r:.80}")
        return value
    elif isinstance(default, str):
        if not isinstance(value, str) or len(value) > MAX_TEXT or "\x00" in value:
            raise SchemaError(f"{where} must be a text of at most {MAX_TEXT} characters, got {value!r:.80}")
        return value
    else:
        raise SchemaError(f"{where}: unsupported field")
    if low is not None and not low <= value <= high:
        raise SchemaError(f"{where} must be in {low}..{high}, got {value!r}")
    return value


def _section(section, raw, cls, skip=()):
    if not isinstance(raw, dict):
        raise SchemaError(f"{section} must be a JSON object, got {type(raw).__name__}")
    defaults = cls()
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - fields)
    if unknown:
        raise SchemaError(f"{section} has unknown fields: {', '.join(map(str, unknown))}")
    return {k: _value(section, k, v, getattr(defaults, k)) for k, v in raw.items() if k not in skip}


def check_settings(raw) -> ExperimentConfig:
    """An :class:`ExperimentConfig` from a project's ``settings`` object, every field checked first."""
    if not isinstance(raw, dict):
        raise SchemaError(f"settings must be a JSON object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - {"network", "data", "train"})
    if unknown:
        raise SchemaError(f"settings have unknown sections: {', '.join(map(str, unknown))}")
    net_raw = raw.get("network", {})
    net = _section("network", net_raw, NetworkConfig, skip=("hidden",))
    hidden = net_raw.get("hidden", [])
    if not isinstance(hidden, list) or len(hidden) > MAX_LAYERS:
        raise SchemaError(f"network.hidden must be a list of at most {MAX_LAYERS} layers")
    layers = [LayerSpec(**_section("layer", layer, LayerSpec)) for layer in hidden]
    data = _section("data", raw.get("data", {}), DataConfig)
    data.setdefault("scale_target", False)     # an older project: its weights predict targets in data units
    try:
        cfg = ExperimentConfig(network=NetworkConfig(hidden=layers, **net),
                               data=DataConfig(**data),
                               train=TrainConfig(**_section("train", raw.get("train", {}), TrainConfig)))
        cfg.validate()
    except ConfigError as exc:
        raise SchemaError(str(exc)) from None
    return cfg


def check_meta(meta) -> tuple:
    """(spec, epochs_done, optimizer meta or None) from a project's ``meta`` object (see :func:`check_optimizer`)."""
    if not isinstance(meta, dict):
        raise SchemaError("the project description is not a JSON object")
    spec, epochs_done = meta.get("spec", ""), meta.get("epochs_done", 0)
    if not isinstance(spec, str) or len(spec) > MAX_TEXT:
        raise SchemaError(f"spec must be a text, got {spec!r:.80}")
    if isinstance(epochs_done, bool) or not isinstance(epochs_done, int) or not 0 <= epochs_done <= MAX_EPOCHS_DONE:
        raise SchemaError(f"epochs_done must be a non-negative integer, got {epochs_done!r}")
    return spec, epochs_done, meta.get("optimizer")


def check_optimizer(opt) -> None:
    """The stored optimizer description: a known class, finite hyper-parameters, a step count, a dtype."""
    if not isinstance(opt, dict):
        raise SchemaError("optimizer must be a JSON object")
    name = opt.get("class")
    if name not in HYPER_PARAMETERS:
        raise SchemaError(f"unknown optimizer {name!r}; expected one of {', '.join(HYPER_PARAMETERS)}")
    hyper = opt.get("hyper_parameters", {})
    if not isinstance(hyper, dict) or set(hyper) - set(HYPER_PARAMETERS[name]):
        raise SchemaError(f"optimizer hyper-parameters must be some of {', '.join(HYPER_PARAMETERS[name])}")
    for key, value in hyper.items():
        ok = isinstance(value, bool) if key == "nesterov" else (
            not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value))
        if not ok:
            raise SchemaError(f"optimizer {key} must be {'true or false' if key == 'nesterov' else 'a finite number'}"
                              f", got {value!r}")
    iterations = opt.get("iterations", 0)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or not 0 <= iterations <= 2**62:
        raise SchemaError(f"optimizer iterations must be a non-negative integer, got {iterations!r}")
    if opt.get("dtype", "float64") not in ("float32", "float64"):
        raise SchemaError(f"optimizer dtype must be float32 or float64, got {opt.get('dtype')!r}")


def check_array(name, arr, allow_nan=False) -> np.ndarray:
    """A 1-D real array (finite, or finite-or-NaN for history curves), as float64."""
    if arr.ndim != 1 or arr.dtype.kind not in "fi":
        raise SchemaError(f"{name} must be a 1-D array of numbers, got shape {arr.shape} {arr.dtype}")
    arr = arr.astype(np.float64)
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if bad.any():
        raise SchemaError(f"{name} contains {'infinite' if allow_nan else 'NaN or infinite'} values")
    return arr
