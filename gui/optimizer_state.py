"""Optimizer state for project files, without pickle: hyper-parameters and step count as JSON, moments as an array.

Only pyffnn's public optimizer API is used: ``get_config()`` / ``Optimizer.from_config()`` for the class and its
hyper-parameters (so every optimizer pyffnn has is covered, with no list kept here), ``state`` (the flat state
buffer, e.g. Adam's ``[m, v]``), ``iterations``, ``prepare(n_params, dtype)`` and ``load_state(state, iterations)``,
so training resumes exactly where it stopped (Adam's bias correction and iRprop−'s step sizes included).
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

import pyffnn
from pyffnn.registry.optimizers import CLASSES

# class name -> the hyper-parameters ``get_config`` stores, for every optimizer class of pyffnn's table
HYPER_PARAMETERS = {name: cls.config_keys() for name, cls in CLASSES.items()}


class OptimizerStateError(ValueError):
    """Stored optimizer settings are unknown or do not fit the network."""


def describe(optimizer) -> Tuple[Optional[dict], Optional[np.ndarray]]:
    """``(meta, state)`` for a project file, or ``(None, None)`` if the optimizer has not been used yet."""
    if optimizer.state is None:
        return None, None
    config = optimizer.get_config()
    meta = {"class": config.pop("class"), "hyper_parameters": config, "iterations": int(optimizer.iterations),
            "dtype": str(optimizer.state.dtype)}
    return meta, np.array(optimizer.state, copy=True)


def restore(meta: dict, state: np.ndarray, n_params: int, dtype) -> Tuple[Optional[object], str]:
    """Rebuild the optimizer described by :func:`describe` for a network of ``n_params`` parameters.

    Returns ``(optimizer, note)``; raises :class:`OptimizerStateError` when the stored class, settings or state
    cannot be restored exactly.
    """
    name = meta.get("class")
    settings = meta.get("hyper_parameters", {})
    if not isinstance(settings, dict):
        raise OptimizerStateError(f"the stored optimizer settings must be a JSON object, got {settings!r}")
    try:
        optimizer = pyffnn.Optimizer.from_config({"class": name, **settings})
        optimizer.prepare(int(n_params), dtype)
    except (TypeError, ValueError) as exc:
        raise OptimizerStateError(f"the project's optimizer cannot be rebuilt: {exc}") from exc
    if optimizer.state.shape != state.shape:
        raise OptimizerStateError(f"the stored {name} state has {state.size} values; a network of {n_params} "
                                  f"parameters needs {optimizer.state.size}")
    if not np.all(np.isfinite(state)):
        raise OptimizerStateError(f"the stored {name} state contains NaN or infinite values")
    try:
        optimizer.load_state(state.astype(optimizer.state.dtype), int(meta.get("iterations", 0)))
    except (TypeError, ValueError) as exc:
        raise OptimizerStateError(f"the stored {name} state is invalid: {exc}") from exc
    return optimizer, ""
