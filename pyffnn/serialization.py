"""Model files: an .npz holding the flat parameters and a JSON description, read without pickle."""
import json

import numpy as np

from .errors import FFNNError, ModelFileError
from .fileio import NpzReader, atomic_write
from .validation import check_dtype

FORMAT = "pyffnn-model"
VERSION = 2          # files with a training checkpoint (optimizer state); weights-only files are still version 1
_WEIGHTS_VERSION = 1


def _training_state(net, optimizer):
    """The checkpoint part of a model file: (header entry, optimizer state array or None)."""
    from .training.lbfgs import LBFGS
    from .training.optimizers import Optimizer

    if not isinstance(optimizer, (Optimizer, LBFGS)):
        raise FFNNError(f"optimizer must be the pyffnn optimizer object that trained the network, got {optimizer!r}")
    state = None if getattr(optimizer, "state", None) is None else np.array(optimizer.state, copy=True)
    if state is not None and state.dtype != net.dtype:
        raise FFNNError(f"the optimizer's state is {state.dtype} but the network is {net.dtype}; it trained "
                        "another network")
    entry = {"optimizer": optimizer.get_config(), "iterations": int(optimizer.iterations),
             "epochs_done": int(net.epochs_done), "rng": net._rng.bit_generator.state,
             "split_seed": list(net._split_seed), "has_state": state is not None}
    return entry, state


def save_network(net, path, metadata=None, optimizer=None):
    """Write ``net`` to ``path`` atomically; ``net.metadata`` becomes ``metadata`` only once the file is written.

    With ``optimizer`` the file is also a training checkpoint: the optimizer's config, state and step count, the
    epochs done, and the network's shuffling generator, so that training resumed from it is bit-identical.
    """
    if metadata is not None and not isinstance(metadata, dict):
        raise FFNNError(f"model metadata must be a dict, got {type(metadata).__name__}")
    new_meta = dict(metadata) if metadata is not None else net.metadata
    header = {"format": FORMAT, "version": _WEIGHTS_VERSION, "spec": net.spec, "dtype": net.dtype.name,
              "n_params": int(net.n_params), "metadata": new_meta}
    arrays = {"params": net.params.copy()}  # one consistent state, even if another thread trains
    if optimizer is not None:
        header["version"] = VERSION
        header["training"], state = _training_state(net, optimizer)
        if state is not None:
            arrays["optimizer_state"] = state
    try:
        text = json.dumps(header)
    except (TypeError, ValueError) as exc:
        raise FFNNError(f"model metadata must be JSON-serialisable: {exc}") from None
    atomic_write(path, lambda f: np.savez(f, header=np.array(text), **arrays))
    net.metadata = new_meta


_MAX_HEADER_BYTES = 64 << 20  # the JSON description: architecture and metadata, never gigabytes


def load_network(path, with_optimizer=False):
    """Read a model file; every way it can be corrupt, foreign or crafted is a :class:`ModelFileError`.

    Returns the network, or ``(network, optimizer)`` with ``with_optimizer`` (``optimizer`` is None when the file
    was saved without one).  A checkpoint also restores ``epochs_done`` and the shuffling generator.
    """
    with NpzReader(path, {"header", "params", "optimizer_state"}.__contains__) as z:
        shape, kind = z.info("header")
        if shape != () or kind.kind != "U":
            raise ModelFileError(f"{z.path} is not a pyffnn model file (its header is not a text)")
        header = _parse_header(str(z.read("header", _MAX_HEADER_BYTES)[()]), z.path)
        dtype, n_params, metadata = _check_header(header, z.path)
        shape, file_dtype = z.info("params")
        if shape != (n_params,) or file_dtype.newbyteorder("=") != dtype:
            raise ModelFileError(f"{z.path}: parameters have shape {shape} and dtype {file_dtype}, expected "
                                 f"({n_params},) {dtype}")
        params = z.read("params")
        training = header.get("training")
        opt_state = None
        if isinstance(training, dict) and training.get("has_state"):
            if "optimizer_state" not in z:
                raise ModelFileError(f"{z.path}: the checkpoint's optimizer state is missing")
            shape, file_dtype = z.info("optimizer_state")
            if len(shape) != 1 or file_dtype.newbyteorder("=") != dtype or shape[0] > 64 * n_params + 64:
                raise ModelFileError(f"{z.path}: the optimizer state has shape {shape} and dtype {file_dtype}, "
                                     f"which does not fit a {dtype} network of {n_params} parameters")
            opt_state = z.read("optimizer_state")
    if not np.isfinite(params).all():
        raise ModelFileError(f"{z.path}: parameters contain NaN or infinite values")
    from .network import Network
    try:
        net = Network(header["spec"], dtype=dtype, random_state=0)
    except (FFNNError, MemoryError) as exc:
        raise ModelFileError(f"{z.path} has an invalid architecture: {exc}") from None
    net.params[:] = params
    net.metadata = metadata
    optimizer = None if training is None else _restore_training(net, training, opt_state, z.path)
    return (net, optimizer) if with_optimizer else net


def _restore_training(net, training, state, path):
    """Put a checkpoint's training state back: the network's generator and epoch count; returns the optimizer."""
    from ._binding import lib
    from .training.optimizers import Optimizer

    try:
        if not isinstance(training, dict):
            raise FFNNError("expected a JSON object")
        optimizer = Optimizer.from_config(training["optimizer"])
        iterations, epochs = training["iterations"], training["epochs_done"]
        for name, value in (("iterations", iterations), ("epochs_done", epochs)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise FFNNError(f"{name} must be a non-negative integer, got {value!r}")
        rng = np.random.default_rng(0)
        rng.bit_generator.state = training["rng"]
        split_seed = [int(v) for v in training["split_seed"]]
        if state is not None:
            if not hasattr(optimizer, "load_state"):
                raise FFNNError(f"{type(optimizer).__name__} keeps no state, but the file holds one")
            expected = max(lib.ffnn_optimizer_state_size(optimizer.kind, net.n_params), 1)
            if state.size != expected:
                raise FFNNError(f"the optimizer state has {state.size} values, {type(optimizer).__name__} needs "
                                f"{expected} for this network")
            optimizer.load_state(state, iterations)
        else:
            optimizer.iterations = iterations
    except (KeyError, TypeError, ValueError, OverflowError) as exc:  # FFNNError is a ValueError
        raise ModelFileError(f"{path} has an invalid training checkpoint: {exc}") from None
    net._rng, net._split_seed, net.epochs_done = rng, split_seed, epochs
    return optimizer


def _parse_header(text, path):
    try:
        header = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ModelFileError(f"{path} is not a readable pyffnn model file (bad header: {exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a pyffnn model file")
    return header


def _check_header(header, path):
    """(dtype, n_params, metadata) from a parsed header, each field checked."""
    from . import _binding as core
    from .layers import normalize_layers

    version = header.get("version", 0)
    if isinstance(version, bool) or not isinstance(version, (int, float)):
        raise ModelFileError(f"{path} has an invalid format version {version!r}")
    if version > VERSION:
        raise ModelFileError(f"{path} was written by a newer pyffnn (format version {version})")
    metadata = header.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{path} has invalid metadata: expected a JSON object, got {type(metadata).__name__}")
    try:
        n_inputs, layers = normalize_layers(header["spec"])
        dtype = check_dtype(header["dtype"])
        _, n_params = core.layer_table([(n_in, ly.units, core.ACTIVATION_CODES[ly.activation], ly.pieces)
                                        for n_in, ly in zip([n_inputs] + [ly.units for ly in layers], layers)])
    except (KeyError, TypeError, FFNNError) as exc:
        raise ModelFileError(f"{path} has an invalid architecture: {exc}") from None
    return dtype, n_params, metadata
