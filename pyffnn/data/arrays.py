"""Data larger than memory: memory-mapped ``.npy`` files and folders of ``.npy`` shards.

>>> X, y = pyffnn.datasets.open_npy("X.npy", "y.npy")        # memory-mapped, nothing read yet
>>> net.fit(X, y, shuffle="blocks", validation_data=(X_val, y_val))
>>> net.fit(pyffnn.datasets.Shards("shards/"), None, shuffle="blocks")   # X_000.npy, y_000.npy, X_001.npy, ...

``Network.fit`` trains on a memory-mapped array where it lies: the core reads the rows of each minibatch from the
mapping, so the process's own memory grows by the targets and the network, not by the file.  ``shuffle="blocks"``
visits the rows in a random order of contiguous blocks (about a megabyte each), shuffled within each block, so the
file is read in long runs instead of one page per sample.  A :class:`Shards` folder is trained shard by shard in a
random order of shards (never concatenated); minibatches do not cross shards.
"""
import glob
import mmap
import os
import re

import numpy as np

from .dataset import DataError

_BLOCK_BYTES = 1 << 20  # rows per shuffle block: about this many bytes of features


def is_memmap(arr):
    """True when ``arr`` (or the array it views) is backed by a memory-mapped file."""
    seen = 0
    while isinstance(arr, np.ndarray) and seen < 64:
        if isinstance(arr, np.memmap):
            return True
        base = arr.base
        if isinstance(base, mmap.mmap):
            return True
        arr, seen = base, seen + 1
    return isinstance(arr, mmap.mmap)


def block_rows(n_features, itemsize):
    """Rows per shuffle block for rows of ``n_features`` values of ``itemsize`` bytes."""
    return max(1, _BLOCK_BYTES // max(1, int(n_features) * int(itemsize)))


def _load(path, what):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise DataError(f"{what} {path!r} does not exist")
    if os.path.isdir(path):
        raise DataError(f"{what} {path!r} is a folder; give a .npy file (or pyffnn.datasets.Shards(folder))")
    try:
        with open(path, "rb") as f:
            magic = f.read(6)
    except OSError as exc:
        raise DataError(f"{what} {path!r} cannot be read: {exc.strerror}") from None
    if magic.startswith(b"PK"):
        raise DataError(f"{what} {path!r} is an .npz archive; save each array with numpy.save as its own .npy file")
    if magic != b"\x93NUMPY":
        raise DataError(f"{what} {path!r} is not a .npy file (write it with numpy.save)")
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        raise DataError(f"{what} {path!r} cannot be memory-mapped ({exc}); save it with numpy.save as a numeric "
                        "array (object arrays and .npz archives cannot be mapped)") from None
    except OSError as exc:
        raise DataError(f"{what} {path!r} is not a .npy file ({exc})") from None
    return arr


def check_pair(X, y, what="data"):
    """Check a features/targets pair without reading it: numeric dtypes, X 2-D, the same number of rows."""
    if X.dtype.kind not in "biuf":
        raise DataError(f"{what}: the features must be numbers, got dtype {X.dtype}; convert the file to float64 "
                        "or float32")
    if X.ndim != 2:
        raise DataError(f"{what}: the features must be a 2-D array (n_samples, n_features), got shape {X.shape}")
    if X.shape[0] == 0:
        raise DataError(f"{what}: the features have no rows")
    if y is not None:
        if y.dtype.kind not in "biuf":
            raise DataError(f"{what}: the targets must be numbers (class indices or values), got dtype {y.dtype}")
        if y.ndim not in (1, 2):
            raise DataError(f"{what}: the targets must be 1-D or 2-D, got shape {y.shape}")
        if y.shape[0] != X.shape[0]:
            raise DataError(f"{what}: the features have {X.shape[0]} rows but the targets {y.shape[0]}")


def open_npy(x_path, y_path=None):
    """``(X, y)`` memory-mapped read-only from ``.npy`` files (``y`` None without ``y_path``); checked, not read."""
    X = _load(x_path, "features file")
    y = None if y_path is None else _load(y_path, "targets file")
    check_pair(X, y, f"{os.fspath(x_path)}" + (f" and {os.fspath(y_path)}" if y_path is not None else ""))
    return X, y


class Shards:
    """A folder of ``.npy`` shards trained one after another, never concatenated.

    The features of shard *k* are in a file whose name starts with ``x_prefix`` (default ``X``) and its targets in
    the file with the same name but ``y_prefix`` (``y``): ``X_000.npy`` + ``y_000.npy``, ``X_001.npy`` + ...
    (matched case-sensitively, sorted by name).  Every shard must have the same number of features and dtype.
    ``len(shards)`` is the number of shards, ``n_samples`` the total rows; ``shards[k]`` is ``(X_k, y_k)``
    memory-mapped.
    """

    def __init__(self, folder, x_prefix="X", y_prefix="y"):
        self.folder = os.fspath(folder)
        if not os.path.isdir(self.folder):
            raise DataError(f"shard folder {self.folder!r} does not exist or is not a folder")
        xs = sorted(glob.glob(os.path.join(glob.escape(self.folder), f"{glob.escape(x_prefix)}*.npy")),
                    key=lambda p: natural_key(os.path.basename(p)))
        if not xs:
            raise DataError(f"shard folder {self.folder!r} holds no {x_prefix}*.npy files; name the shards "
                            f"{x_prefix}_000.npy, {y_prefix}_000.npy, {x_prefix}_001.npy, ...")
        self.parts = []
        for xp in xs:
            name = os.path.basename(xp)
            yp = os.path.join(self.folder, y_prefix + name[len(x_prefix):])
            if not os.path.exists(yp):
                raise DataError(f"shard {name!r} has no targets file {os.path.basename(yp)!r} beside it")
            self.parts.append(open_npy(xp, yp) + (name,))
        first = self.parts[0][0]
        for X, y, name in self.parts[1:]:
            if X.shape[1] != first.shape[1] or X.dtype != first.dtype:
                raise DataError(f"shard {name!r} has {X.shape[1]} features of {X.dtype}, but {self.parts[0][2]!r} "
                                f"has {first.shape[1]} of {first.dtype}; all shards must match")
            if y.shape[1:] != self.parts[0][1].shape[1:]:
                raise DataError(f"shard {name!r}: its targets have shape {y.shape}, unlike those of "
                                f"{self.parts[0][2]!r} {self.parts[0][1].shape}")

    def __len__(self):
        return len(self.parts)

    def __getitem__(self, k):
        X, y, _ = self.parts[k]
        return X, y

    def __iter__(self):
        return iter((X, y) for X, y, _ in self.parts)

    @property
    def names(self):
        return [name for _, _, name in self.parts]

    @property
    def n_samples(self):
        return sum(X.shape[0] for X, _, _ in self.parts)

    @property
    def n_features(self):
        return self.parts[0][0].shape[1]

    @property
    def dtype(self):
        return self.parts[0][0].dtype

    def __repr__(self):
        return f"Shards({self.folder!r}: {len(self)} shards, {self.n_samples} rows, {self.n_features} features)"


def natural_key(name):
    """Sort key putting X_2 before X_10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]
