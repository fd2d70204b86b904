"""CSV loading: a delimited text file becomes a :class:`Dataset`; every problem is a :class:`DataError` naming the
line and the column."""
import csv
import io
import itertools
import math
import numbers
import os

import numpy as np

from ..fileio import open_regular
from .dataset import DataError, Dataset

#: An integer-valued target column with at most this many distinct values is read as class labels.
MAX_INTEGER_CLASSES = 20

#: Field texts read as a missing value (compared case-insensitively after stripping blanks).
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-"})


_DELIMITERS = ",;\t"


def _open_text(path):
    """Read a whole text file, turning the usual mistakes into DataError."""
    if not isinstance(path, (str, os.PathLike)):  # open() takes an int as a file descriptor, and closes it
        raise DataError(f"path must be a file name (str or os.PathLike), got {path!r}")
    try:
        # a FIFO or a device such as /dev/zero is refused here instead of blocking or reading forever
        with io.TextIOWrapper(open_regular(path, "CSV file", DataError), encoding="utf-8-sig", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        raise DataError(f"no such file: {os.fspath(path)!r}") from None
    except IsADirectoryError:
        raise DataError(f"{os.fspath(path)!r} is a directory, expected a CSV file") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{os.fspath(path)!r} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _delimiter(text):
    """Pick the delimiter: comma, semicolon or tab.

    First choice: the candidate that splits the first rows into the same number (> 1) of fields, the most fields
    winning (so "1,5;2,5" is two semicolon fields with decimal commas).  For ragged files: csv.Sniffer, then the
    candidate most frequent on the first line.
    """
    head = "".join(itertools.islice(io.StringIO(text, newline=""), 50))
    best, best_width = None, 1
    for d in _DELIMITERS:
        try:
            widths = {len(row) for row in csv.reader(io.StringIO(head, newline=""), delimiter=d) if any(row)}
        except csv.Error:  # e.g. a field over csv's size limit; reading with the chosen delimiter reports it
            continue
        if len(widths) == 1 and min(widths) > best_width:
            best, best_width = d, min(widths)
    if best is not None:
        return best
    try:
        return csv.Sniffer().sniff(head, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first = next((line for line in head.splitlines() if line.strip()), "")
        return max(_DELIMITERS, key=first.count)


def _read_rows(path):
    """Non-blank rows of stripped fields with their 1-based line numbers, and the delimiter used."""
    text = _open_text(path)
    if not text.strip():
        raise DataError(f"{os.fspath(path)!r} is empty")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, lines = [], []
    try:
        start = 1
        for row in reader:
            fields = [f.strip() for f in row]
            if any(fields):
                rows.append(fields)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(f"line {reader.line_num + 1}: cannot parse CSV ({exc})") from None
    if not rows:
        raise DataError(f"{os.fspath(path)!r} is empty")
    width = len(rows[0])
    for fields, line in zip(rows, lines):
        if len(fields) != width:
            raise DataError(f"line {line} has {len(fields)} fields, expected {width} (as on line {lines[0]})")
    # A delimiter at the end of every line gives a last column that is empty everywhere: drop it.
    while width > 1 and all(not fields[-1] for fields in rows):
        rows = [fields[:-1] for fields in rows]
        width -= 1
    return rows, lines, delimiter


def _to_float(text, decimal_comma):
    """The number in ``text``, or None if it is not one."""
    if "_" in text:  # float() accepts "1_000"; a data file should not
        return None
    try:
        return float(text)
    except ValueError:
        pass
    if decimal_comma and text.count(",") == 1 and "." not in text:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return None
    return None


def _is_missing(text):
    return text.strip().lower() in MISSING_TOKENS


def _has_header(rows, decimal_comma):
    """A first row is a header when some column is text there but a number on the next row."""
    if len(rows) == 1:
        return all(_to_float(f, decimal_comma) is None for f in rows[0])
    return any(_to_float(a, decimal_comma) is None and not _is_missing(a) and _to_float(b, decimal_comma) is not None
               for a, b in zip(rows[0], rows[1]))


def _column_label(j, names):
    return f"column {j + 1} ({names[j]})"


def _parse_features(rows, lines, columns, names, decimal_comma):
    """Float64 matrix of the given columns; DataError naming line and column for the first bad field."""
    X = np.empty((len(rows), len(columns)), dtype=np.float64)
    for i, fields in enumerate(rows):
        for k, j in enumerate(columns):
            text = fields[j]
            value = None if _is_missing(text) else _to_float(text, decimal_comma)
            if value is None or not math.isfinite(value):
                where = f"line {lines[i]}, {_column_label(j, names)}"
                if _is_missing(text):
                    raise DataError(f"{where}: missing value {text!r}; every feature needs a number")
                if value is None:
                    raise DataError(f"{where}: {text!r} is not a number; features must be numeric")
                raise DataError(f"{where}: {text!r} is not a finite number")
            X[i, k] = value
    return X


def _resolve_target(target, names, width, has_header):
    """Column index of ``target`` (an int, negative allowed, or a column name)."""
    if isinstance(target, str):
        if has_header:
            if target in names:
                return names.index(target)
            folded = [n.casefold() for n in names]
            if target.strip().casefold() in folded:
                return folded.index(target.strip().casefold())
        try:
            target = int(target)
        except ValueError:
            if not has_header:
                raise DataError(f"target column {target!r} given by name, but the file has no header row") from None
            raise DataError(f"no column named {target!r}; the columns are: {', '.join(names)}") from None
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise DataError(f"target must be a column index (int) or a column name (str), got {target!r}")
    if not -width <= target < width:
        raise DataError(f"target column {target} is out of range for a file with {width} columns "
                        f"(valid indices: {-width} to {width - 1})")
    return int(target) % width


def _parse_target(values, lines, j, names, decimal_comma):
    """(y, classes, task) from the target column's texts."""
    for text, line in zip(values, lines):
        if _is_missing(text):
            raise DataError(f"line {line}, {_column_label(j, names)}: missing target value {text!r}")
    numbers_ = [_to_float(t, decimal_comma) for t in values]
    if all(v is not None for v in numbers_):
        y = np.array(numbers_, dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(y))
        if bad.size:
            i = bad[0]
            raise DataError(f"line {lines[i]}, {_column_label(j, names)}: target {values[i]!r} is not finite")
        distinct = np.unique(y)
        if distinct.size > MAX_INTEGER_CLASSES or not np.all(distinct == np.round(distinct)):
            return y, None, "regression"
        classes = distinct.astype(np.int64)
        y = np.searchsorted(distinct, y).astype(np.int64)
    else:
        classes, y = np.unique(np.array(values, dtype=str), return_inverse=True)
        y = y.astype(np.int64)
    if len(classes) < 2:
        raise DataError(f"the target {_column_label(j, names)} has only one class ({classes[0]!r}); "
                        "classification needs at least two")
    return y, classes, "binary" if len(classes) == 2 else "multiclass"


def _check_header_arg(header):
    if header not in ("auto", True, False):
        raise DataError(f"header must be 'auto', True or False, got {header!r}")


def _read_table(path, header):
    """``(rows, lines, names, has_header, decimal_comma)``: the data rows below an optional header row."""
    _check_header_arg(header)
    rows, lines, delimiter = _read_rows(path)
    decimal_comma = delimiter != ","
    has_header = _has_header(rows, decimal_comma) if header == "auto" else header
    if has_header:
        names = [name or f"column{j + 1}" for j, name in enumerate(rows[0])]
        rows, lines = rows[1:], lines[1:]
        if not rows:
            raise DataError(f"{os.fspath(path)!r} has a header row but no data rows")
    else:
        names = [f"x{j + 1}" for j in range(len(rows[0]))]
    return rows, lines, names, has_header, decimal_comma


def load_csv(path, target=-1, header="auto"):
    """Load a CSV file (comma, semicolon or tab separated; quoted fields allowed) as a :class:`Dataset`.

    ``target``: the column to predict, by index (negative counts from the end) or by header name.
    ``header``: ``"auto"`` (the first row is a header if some column holds text there and a number on the next
    row), True or False.  Without a header, features are named ``x1, x2, ...`` and the target ``y``.

    The target column decides the task: text labels are classes; numbers that are all integers with at most
    ``MAX_INTEGER_CLASSES`` distinct values are classes too; any other numbers make a regression target.  For
    classification ``y`` holds indices into the sorted original labels ``classes``.

    Raises :class:`DataError` for a missing or empty file, rows with the wrong number of fields, missing or
    non-numeric features, a target column out of range, or a single class; the message names line and column.
    """
    rows, lines, names, has_header, decimal_comma = _read_table(path, header)
    width = len(names)
    if width < 2:
        raise DataError(f"{os.fspath(path)!r} has a single column; expected feature columns and a target column")
    t = _resolve_target(target, names, width, has_header)
    if not has_header:
        names = [f"x{k + 1}" for k in range(width - 1)]
        names.insert(t, "y")
    features = [j for j in range(width) if j != t]
    X = _parse_features(rows, lines, features, names, decimal_comma)
    y, classes, task = _parse_target([r[t] for r in rows], lines, t, names, decimal_comma)
    return Dataset(X, y, tuple(names[j] for j in features), names[t], classes, task, t)


def read_csv_features(path, n_features, target_name=None, target_index=-1, header="auto", feature_names=None):
    """Read a CSV of feature rows, e.g. new samples to predict, as ``(X, feature_names)``.

    When the file has a header holding every name in ``feature_names``, those columns are taken by name, in that
    order (other columns are ignored).  Otherwise columns are taken by position: the file must have
    ``n_features`` columns, or ``n_features + 1`` including a target column that is dropped (the column called
    ``target_name`` when the header has one, else the column at ``target_index``).
    Errors are :class:`DataError` naming line and column, as for :func:`load_csv`.
    """
    rows, lines, names, has_header, decimal_comma = _read_table(path, header)
    width = len(names)
    if (has_header and feature_names is not None and len(feature_names) == n_features
            and all(names.count(f) == 1 for f in feature_names)):
        columns = [names.index(f) for f in feature_names]
    else:
        columns = list(range(width))
        if width == n_features + 1:
            if has_header and target_name in names:
                columns.remove(names.index(target_name))
            elif -width <= target_index < width:
                columns.remove(target_index % width)
    if len(columns) != n_features:
        target = f" the target {target_name!r}" if target_name else " a target"
        raise DataError(f"{os.fspath(path)!r} has {width} columns; expected {n_features} feature columns "
                        f"(or {n_features + 1} with{target} column)")
    X = _parse_features(rows, lines, columns, names, decimal_comma)
    return X, tuple(names[j] for j in columns)
