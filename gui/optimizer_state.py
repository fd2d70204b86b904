"""Optimizer state for project files, without pickle: hyper-parameters and step count as JSON, moments as an array.

Only pyffnn's public optimizer API is used: the hyper-parameter attributes, ``state`` (the flat state buffer, e.g.
Adam's ``[m, v]``), ``iterations``, ``prepare(n_params, dtype)`` and ``load_state(state, iterations)``, so training
resumes exactly where it stopped (Adam's bias correction and iRprop−'s step sizes included).
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

import pyffnn

# class name -> public hyper-parameters that rebuild it
HYPER_PARAMETERS = {
    "SGD": ("lr", "momentum", "nesterov"),
    "Adam": ("lr", "beta1", "beta2", "eps"),
    "RPROP": ("eta_plus", "eta_minus", "step_init", "step_min", "step_max"),
}


class OptimizerStateError(ValueError):
    """Stored optimizer settings are unknown or do not fit the network."""


def describe(optimizer) -> Tuple[Optional[dict], Optional[np.ndarray]]:
    """``(meta, state)`` for a project file, or ``(None, None)`` if the optimizer has not been used yet."""
    name = type(optimizer).__name__
    if name not in HYPER_PARAMETERS or optimizer.state is None:
        return None, None
    params = {key: getattr(optimizer, key) for key in HYPER_PARAMETERS[name]}
    params = {k: (bool(v) if isinstance(v, (bool, np.bool_)) else float(v)) for k, v in params.items()}
    meta = {"class": name, "hyper_parameters": params, "iterations": int(optimizer.iterations),
            "dtype": str(optimizer.state.dtype)}
    return meta, np.array(optimizer.state, copy=True)


def restore(meta: dict, state: np.ndarray, n_params: int, dtype) -> Tuple[Optional[object], str]:
    """Rebuild the optimizer described by :func:`describe` for a network of ``n_params`` parameters.

    Returns ``(optimizer, note)``; ``optimizer`` is None (start fresh) when the state cannot be restored exactly,
    and ``note`` then says why.
    """
    name = meta.get("class")
    if name not in HYPER_PARAMETERS:
        raise OptimizerStateError(f"unknown optimizer {name!r} in the project; expected one of "
                                  f"{', '.join(HYPER_PARAMETERS)}")
    try:
        optimizer = getattr(pyffnn, name)(**meta.get("hyper_parameters", {}))
        optimizer.prepare(int(n_params), dtype)
    except (TypeError, ValueError) as exc:
        raise OptimizerStateError(f"the stored {name} settings are invalid: {exc}") from exc
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
