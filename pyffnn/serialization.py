"""Model files: an .npz holding the flat parameters and a JSON description, read without pickle."""
import contextlib
import json
import os
import tempfile
import zipfile

import numpy as np

from .errors import FFNNError, ModelFileError

FORMAT = "pyffnn-model"
VERSION = 1


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; when the block succeeds the file is synced to disk and renamed
    over ``path``, when it fails the temporary file is removed and ``path`` is left exactly as it was."""
    path = os.fspath(path)
    if os.path.isdir(path):  # checked first: replacing a folder fails only after all the work, and confusingly
        raise IsADirectoryError(f"cannot write {path!r}: it is a directory, expected a file name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path!r}: the folder {folder!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.splitext(path)[1], dir=folder)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write(path, write):
    """Call ``write(fileobj)`` on a temporary binary file and move it over ``path`` only on success."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            write(f)


def save_network(net, path, metadata=None):
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise FFNNError(f"model metadata must be a dict, got {type(metadata).__name__}")
        net.metadata = dict(metadata)
    header = {"format": FORMAT, "version": VERSION, "spec": net.spec, "dtype": net.dtype.name,
              "n_params": int(net.n_params), "metadata": net.metadata}
    try:
        text = json.dumps(header)
    except TypeError as exc:
        raise FFNNError(f"model metadata must be JSON-serialisable: {exc}") from None
    atomic_write(path, lambda f: np.savez(f, params=net.params, header=np.array(text)))


def _read_params(data, n_params, dtype, path):
    """The 'params' array, after checking from its .npy header that it is (n_params,) of ``dtype``: a crafted
    header declaring billions of values must not make us allocate them."""
    try:
        with data.zip.open("params.npy") as f:
            version = np.lib.format.read_magic(f)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, _, file_dtype = read_header(f)
    except KeyError:
        raise ModelFileError(f"{path} is not a pyffnn model file (missing 'params')") from None
    if shape != (n_params,) or file_dtype != dtype:
        raise ModelFileError(f"{path}: parameters have shape {shape} and dtype {file_dtype}, expected "
                             f"({n_params},) {dtype}")
    return np.array(data["params"])


def load_network(path):
    from . import _binding as core
    from .layers import normalize_layers
    from .network import Network

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise ModelFileError(f"{path} is a single .npy array, not a pyffnn model file (.npz)")
        with data:
            if "header" not in data or "params" not in data:
                raise ModelFileError(f"{path} is not a pyffnn model file (missing 'header' or 'params')")
            header = json.loads(str(data["header"]))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise ModelFileError(f"{path} is not a pyffnn model file")
            version = header.get("version", 0)
            if isinstance(version, bool) or not isinstance(version, (int, float)):
                raise ModelFileError(f"{path} has an invalid format version {version!r}")
            if version > VERSION:
                raise ModelFileError(f"{path} was written by a newer pyffnn (format version {version})")
            metadata = header.get("metadata") or {}
            if not isinstance(metadata, dict):
                raise ModelFileError(f"{path} has invalid metadata: expected a JSON object, got "
                                     f"{type(metadata).__name__}")
            try:
                n_inputs, layers = normalize_layers(header["spec"])
                dtype = np.dtype(header["dtype"])
                if dtype not in (np.float32, np.float64):
                    raise FFNNError(f"dtype must be float32 or float64, got {dtype}")
                _, n_params = core.layer_table([(n_in, ly.units, core.ACTIVATION_CODES[ly.activation], ly.pieces)
                                                for n_in, ly in zip([n_inputs] + [ly.units for ly in layers],
                                                                    layers)])
            except (KeyError, TypeError, FFNNError) as exc:
                raise ModelFileError(f"{path} has an invalid architecture: {exc}") from None
            params = _read_params(data, n_params, dtype, path)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, RecursionError) as exc:
        raise ModelFileError(f"{path} is not a readable pyffnn model file (corrupt or truncated): {exc}") from None
    try:
        net = Network(header["spec"], dtype=dtype, random_state=0)
    except (FFNNError, MemoryError) as exc:
        raise ModelFileError(f"{path} has an invalid architecture: {exc}") from None
    if not np.isfinite(params).all():
        raise ModelFileError(f"{path}: parameters contain NaN or infinite values")
    net.params[:] = params
    net.metadata = metadata
    return net
