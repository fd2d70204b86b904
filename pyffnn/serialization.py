"""Model files: an .npz holding the flat parameters and a JSON description, read without pickle."""
import json

import numpy as np

from .errors import FFNNError, ModelFileError
from .fileio import NpzReader, atomic_write

FORMAT = "pyffnn-model"
VERSION = 1


def save_network(net, path, metadata=None):
    """Write ``net`` to ``path`` atomically; ``net.metadata`` becomes ``metadata`` only once the file is written."""
    if metadata is not None and not isinstance(metadata, dict):
        raise FFNNError(f"model metadata must be a dict, got {type(metadata).__name__}")
    new_meta = dict(metadata) if metadata is not None else net.metadata
    header = {"format": FORMAT, "version": VERSION, "spec": net.spec, "dtype": net.dtype.name,
              "n_params": int(net.n_params), "metadata": new_meta}
    try:
        text = json.dumps(header)
    except (TypeError, ValueError) as exc:
        raise FFNNError(f"model metadata must be JSON-serialisable: {exc}") from None
    params = net.params.copy()  # what is written is one consistent state, even if another thread trains
    atomic_write(path, lambda f: np.savez(f, params=params, header=np.array(text)))
    net.metadata = new_meta


_MAX_HEADER_BYTES = 64 << 20  # the JSON description: architecture and metadata, never gigabytes


def load_network(path):
    """Read a model file; every way it can be corrupt, foreign or crafted is a :class:`ModelFileError`."""
    with NpzReader(path, {"header", "params"}.__contains__) as z:
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
    if not np.isfinite(params).all():
        raise ModelFileError(f"{z.path}: parameters contain NaN or infinite values")
    from .network import Network
    try:
        net = Network(header["spec"], dtype=dtype, random_state=0)
    except (FFNNError, MemoryError) as exc:
        raise ModelFileError(f"{z.path} has an invalid architecture: {exc}") from None
    net.params[:] = params
    net.metadata = metadata
    return net


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
        try:
            dtype = np.dtype(header["dtype"])
        except TypeError:
            raise FFNNError(f"dtype must be float32 or float64, got {header['dtype']!r}") from None
        if dtype not in (np.float32, np.float64):
            raise FFNNError(f"dtype must be float32 or float64, got {dtype}")
        _, n_params = core.layer_table([(n_in, ly.units, core.ACTIVATION_CODES[ly.activation], ly.pieces)
                                        for n_in, ly in zip([n_inputs] + [ly.units for ly in layers], layers)])
    except (KeyError, TypeError, FFNNError) as exc:
        raise ModelFileError(f"{path} has an invalid architecture: {exc}") from None
    return dtype, n_params, metadata
