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
    folder = os.path.dirname(os.path.abspath(path))
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
        net.metadata = dict(metadata)
    header = {"format": FORMAT, "version": VERSION, "spec": net.spec, "dtype": net.dtype.name,
              "n_params": int(net.n_params), "metadata": net.metadata}
    try:
        text = json.dumps(header)
    except TypeError as exc:
        raise FFNNError(f"model metadata must be JSON-serialisable: {exc}") from None
    atomic_write(path, lambda f: np.savez(f, params=net.params, header=np.array(text)))


def load_network(path):
    from .network import Network

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            if "header" not in data or "params" not in data:
                raise ModelFileError(f"{path} is not a pyffnn model file (missing 'header' or 'params')")
            header = json.loads(str(data["header"]))
            params = np.array(data["params"])
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path} is not a readable pyffnn model file (corrupt or truncated): {exc}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a pyffnn model file")
    if header.get("version", 0) > VERSION:
        raise ModelFileError(f"{path} was written by a newer pyffnn (format version {header.get('version')})")
    try:
        net = Network(header["spec"], dtype=header["dtype"], random_state=0)
    except (KeyError, FFNNError) as exc:
        raise ModelFileError(f"{path} has an invalid architecture: {exc}") from None
    if params.shape != (net.n_params,) or params.dtype != net.dtype:
        raise ModelFileError(f"{path}: parameters have shape {params.shape} and dtype {params.dtype}, expected "
                             f"({net.n_params},) {net.dtype} for {net.spec}")
    if not np.isfinite(params).all():
        raise ModelFileError(f"{path}: parameters contain NaN or infinite values")
    net.params[:] = params
    net.metadata = header.get("metadata") or {}
    return net
