"""A large, plain numeric CSV read in byte-range pieces by pandas' C parser on a few threads, assembled one column
at a time into contiguous arrays.

``pandas.read_csv`` on a path parallelises by itself, but holds the memory-mapped file, every piece's columns and
the assembled frame at once (about 3x the float64 array on a file of short numbers).  Here the pieces are read
from the file by the workers (never the whole file at once) and each piece is freed as soon as its columns are
copied, so the peak stays near the parsed pieces plus one piece in flight.

:func:`read_numeric` returns None whenever the file is not a plain table of numbers (quotes, a text column, a
piece pandas refuses, integers beyond 2^53): the caller then reads it with ``pandas.read_csv`` as usual, which
gives the usual errors.  The parser sees the same options as the caller's ``read_csv``, so the frame is the same.
"""
import io
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: Files smaller than this are read by pandas.read_csv in one call (splitting would only add overhead).
MIN_BYTES = 16 << 20
#: Bytes per piece (each piece is one pandas.read_csv call on one thread).
PIECE_BYTES = 8 << 20


class _NotPlain(Exception):
    """The file is not a plain numeric table: read it the usual way."""


def _workers():
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(n, 8))


def _offsets(path, start, size, piece_bytes):
    """Byte offsets [start, ..., size] that cut the file just after a newline every ``piece_bytes`` or so."""
    cuts = [start]
    with open(path, "rb") as fh:
        pos = start + piece_bytes
        while pos < size:
            fh.seek(pos)
            skipped, cut = 0, None
            while cut is None:
                block = fh.read(1 << 16)
                if not block:
                    break
                i = block.find(b"\n")
                if i >= 0:
                    cut = pos + skipped + i + 1
                skipped += len(block)
            if cut is None or cut >= size:
                break
            cuts.append(cut)
            pos = cut + piece_bytes
    cuts.append(size)
    return cuts


def read_numeric(path, names, data_start, kwargs):
    """The frame of the numeric table in ``path`` whose data rows start at byte ``data_start`` (after any skipped
    lines and the header), columns ``names``, parsed with the ``read_csv`` options ``kwargs``; None if the file is
    not a plain numeric table (see the module's docstring)."""
    import pandas as pd

    size = os.path.getsize(path)
    cuts = _offsets(path, data_start, size, PIECE_BYTES)
    options = {k: v for k, v in kwargs.items() if k not in ("skiprows", "header", "compression")}
    options.update(header=None, names=list(names), index_col=False, low_memory=False)

    def parse(k):
        with open(path, "rb") as fh:
            fh.seek(cuts[k])
            data = fh.read(cuts[k + 1] - cuts[k])
        if b'"' in data:  # a quoted field may hold a newline: the cut could be inside it
            raise _NotPlain("quoted fields")
        frame = pd.read_csv(io.BytesIO(data), **options)
        del data
        for dtype in frame.dtypes:
            if dtype.kind not in "fi":
                raise _NotPlain(f"a column of dtype {dtype}")
        return frame

    # Rows never exceed bytes / columns (a row is at least its delimiters and a newline).  The columns are
    # allocated at that bound: only the pages written to become memory, and each piece is freed once copied.
    capacity = (size - data_start) // max(1, len(names)) + 2
    out = [np.empty(capacity, dtype=np.float64) for _ in names]
    integral = [True] * len(names)
    n = 0
    try:
        workers = min(_workers(), len(cuts) - 1)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            window = 2 * workers
            futures = [pool.submit(parse, k) for k in range(min(window, len(cuts) - 1))]
            for k in range(len(cuts) - 1):
                piece = futures[k].result()
                futures[k] = None
                if k + window < len(cuts) - 1:
                    futures.append(pool.submit(parse, k + window))
                m = len(piece)
                for j in range(len(names)):
                    column = piece.iloc[:, j].to_numpy()
                    if column.dtype.kind == "i":
                        if m and np.abs(column).max() >= 2 ** 53:  # not exact as float64
                            raise _NotPlain("integers beyond 2^53")
                    elif m:
                        integral[j] = False
                    out[j][n:n + m] = column
                n += m
                del piece, column
    except (_NotPlain, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
            OverflowError):
        return None
    columns = {j: (o[:n].astype(np.int64) if integral[j] else o[:n]) for j, o in enumerate(out)}
    return pd.DataFrame(columns, copy=False).set_axis(list(names), axis=1)
