"""Data for pyffnn: seeded 2-D teaching sets, CSV loading, train/validation/test splits and standard scaling.

Generators return ``(X, y)`` with ``X`` float64.  Classification sets have int class labels ``y`` of shape ``(n,)``
and are balanced (class sizes differ by at most one); regression sets have float ``y`` of shape ``(n,)``.
The same ``random_state`` always gives the same data, bit for bit.

``load_csv`` turns a delimited text file into a :class:`Dataset`; every problem in the file is reported as a
:class:`DataError` that names the line and the column.
"""
import csv
import io
import itertools
import math
import numbers
import os
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from .errors import FFNNError

__all__ = [
    "DataError", "Dataset", "DatasetInfo", "BUILTIN",
    "make_circle", "make_xor", "make_blobs", "make_spirals", "make_moons", "make_sine", "make_surface",
    "load_builtin", "load_csv", "read_csv_features", "train_val_test_split", "StandardScaler",
]

#: An integer-valued target column with at most this many distinct values is read as class labels.
MAX_INTEGER_CLASSES = 20

#: Field texts read as a missing value (compared case-insensitively after stripping blanks).
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-"})

SURFACE_KINDS = ("plane", "gaussian", "ripple")


class DataError(FFNNError):
    """A data set or data file is not usable: missing, empty, ragged, non-numeric, or with a bad target."""


# ---------------------------------------------------------------------------------------------------------------
# Generators
# ---------------------------------------------------------------------------------------------------------------

def _rng(random_state):
    """A numpy Generator from None, a non-negative int or a Generator; anything else is a DataError."""
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral) or random_state < 0:
        raise DataError(f"random_state must be None, a non-negative integer or a numpy Generator, got "
                        f"{random_state!r}")
    return np.random.default_rng(int(random_state))


def _check_n_samples(n_samples, minimum):
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        raise DataError(f"n_samples must be an integer, got {n_samples!r}")
    if n_samples < minimum:
        raise DataError(f"n_samples must be at least {minimum}, got {n_samples}")
    return int(n_samples)


def _check_noise(noise):
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not math.isfinite(noise) or noise < 0:
        raise DataError(f"noise must be a finite number >= 0, got {noise!r}")
    return float(noise)


def _check_n_classes(n_classes):
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 2:
        raise DataError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    return int(n_classes)


def _class_sizes(n_samples, n_classes):
    """Balanced class sizes: they differ by at most one."""
    return [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]


def _shuffled(rng, X, y):
    order = rng.permutation(len(y))
    return np.ascontiguousarray(X[order], dtype=np.float64), y[order]


def _labels(sizes):
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def make_circle(n_samples=200, noise=0.1, random_state=None):
    """A disk of class 1 (radius 0.5) inside a ring of class 0 (radii 0.7 to 1), plus Gaussian noise.

    Points are uniform over each region's area; ``noise`` is the standard deviation added to every coordinate.
    """
    n = _check_n_samples(n_samples, 2)
    noise = _check_noise(noise)
    rng = _rng(random_state)
    n_out, n_in = _class_sizes(n, 2)
    # Uniform over an annulus r0 <= r <= r1: r = sqrt(r0^2 + U (r1^2 - r0^2)).
    r = np.concatenate([np.sqrt(0.49 + rng.random(n_out) * 0.51), 0.5 * np.sqrt(rng.random(n_in))])
    angle = rng.random(n) * 2.0 * np.pi
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)]) + noise * rng.standard_normal((n, 2))
    return _shuffled(rng, X, _labels([n_out, n_in]))


def make_xor(n_samples=200, noise=0.1, random_state=None):
    """The XOR problem: class 1 where the two coordinates have different signs, class 0 where they agree.

    Each quadrant gets a quarter of the points, uniform with coordinates 0.1 to 1 away from the axes; ``noise`` is
    the standard deviation of Gaussian noise added afterwards (labels keep the noise-free quadrant).
    """
    n = _check_n_samples(n_samples, 4)
    noise = _check_noise(noise)
    rng = _rng(random_state)
    quadrant = np.arange(n) % 4
    signs = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])[quadrant]
    X = signs * rng.uniform(0.1, 1.0, size=(n, 2)) + noise * rng.standard_normal((n, 2))
    y = (signs[:, 0] != signs[:, 1]).astype(np.int64)
    return _shuffled(rng, X, y)


def _multiclass_setup(n_samples, noise, n_classes, random_state):
    """Checked (n_classes, n_samples, noise), a seeded generator and balanced labels, for k-class generators."""
    k = _check_n_classes(n_classes)
    n = _check_n_samples(n_samples, k)
    return k, n, _check_noise(noise), _rng(random_state), _labels(_class_sizes(n, k))


def make_blobs(n_samples=300, noise=0.3, n_classes=3, random_state=None):
    """``n_classes`` Gaussian blobs with centres evenly spaced on a circle; ``noise`` is each blob's std.

    The circle has radius 1, grown for many classes so neighbouring centres stay at least 1 apart.
    """
    k, n, noise, rng, y = _multiclass_setup(n_samples, noise, n_classes, random_state)
    radius = max(1.0, 0.5 / math.sin(math.pi / k))
    angles = 2.0 * np.pi * np.arange(k) / k + np.pi / 2
    centres = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    X = centres[y] + noise * rng.standard_normal((n, 2))
    return _shuffled(rng, X, y)


def make_spirals(n_samples=300, noise=0.05, n_classes=2, random_state=None):
    """``n_classes`` interleaved spiral arms of 1.5 turns each, radius growing from 0.05 to 1, plus noise."""
    k, n, noise, rng, y = _multiclass_setup(n_samples, noise, n_classes, random_state)
    t = rng.uniform(0.05, 1.0, size=n)  # position along the arm
    angle = 2.0 * np.pi * (1.5 * t + y / k)
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)]) + noise * rng.standard_normal((n, 2))
    return _shuffled(rng, X, y)


def make_moons(n_samples=200, noise=0.1, random_state=None):
    """Two interleaving half circles (class 0 on top, class 1 below), centred on the origin, plus noise."""
    n = _check_n_samples(n_samples, 2)
    noise = _check_noise(noise)
    rng = _rng(random_state)
    sizes = _class_sizes(n, 2)
    y = _labels(sizes)
    t = rng.uniform(0.0, np.pi, size=n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = np.where(y[:, None] == 0, upper, lower) - np.array([0.5, 0.25])
    X = X + noise * rng.standard_normal((n, 2))
    return _shuffled(rng, X, y)


def make_sine(n_samples=200, noise=0.1, random_state=None):
    """Regression of ``y = sin(x) + noise`` with ``x`` uniform on [-pi, pi]; ``X`` has shape ``(n, 1)``."""
    n = _check_n_samples(n_samples, 1)
    noise = _check_noise(noise)
    rng = _rng(random_state)
    x = rng.uniform(-np.pi, np.pi, size=n)
    y = np.sin(x) + noise * rng.standard_normal(n)
    return x.reshape(n, 1), y


def _surface(kind, X):
    r2 = X[:, 0] ** 2 + X[:, 1] ** 2
    if kind == "plane":
        return 0.6 * X[:, 0] - 0.4 * X[:, 1] + 0.2
    if kind == "gaussian":
        return np.exp(-2.0 * r2)
    return np.cos(2.0 * np.pi * np.sqrt(r2)) * np.exp(-r2)  # ripple


def make_surface(kind="plane", n_samples=300, noise=0.05, random_state=None):
    """Regression on a surface over the square [-1, 1]^2: ``X`` is ``(n, 2)``, ``y`` is ``(n,)``.

    ``kind``: ``"plane"`` (0.6 x1 - 0.4 x2 + 0.2), ``"gaussian"`` (exp(-2 r^2)) or ``"ripple"``
    (cos(2 pi r) exp(-r^2)), with ``r`` the distance to the origin; ``noise`` is the std added to ``y``.
    """
    if kind not in SURFACE_KINDS:
        raise DataError(f"unknown surface kind {kind!r}; expected one of {', '.join(SURFACE_KINDS)}")
    n = _check_n_samples(n_samples, 1)
    noise = _check_noise(noise)
    rng = _rng(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    return X, _surface(kind, X) + noise * rng.standard_normal(n)


def _surface_generator(kind):
    def generate(n_samples=300, noise=0.05, random_state=None):
        return make_surface(kind, n_samples=n_samples, noise=noise, random_state=random_state)

    generate.__name__ = f"make_surface_{kind}"
    generate.__doc__ = f"``make_surface('{kind}', ...)``."
    return generate


@dataclass(frozen=True)
class DatasetInfo:
    """A built-in data set: ``generator(n_samples=..., noise=..., random_state=...)`` returns ``(X, y)``."""

    name: str
    generator: Callable
    task: str  # "binary", "multiclass" or "regression"
    description: str
    n_classes: Optional[int] = None  # None for regression


#: The built-in data sets by name.
BUILTIN = {
    "circle": DatasetInfo("circle", make_circle, "binary", "a disk inside a ring (2 classes)", 2),
    "xor": DatasetInfo("xor", make_xor, "binary", "the XOR quadrants (2 classes)", 2),
    "blobs": DatasetInfo("blobs", make_blobs, "multiclass", "three Gaussian blobs (3 classes)", 3),
    "spiral": DatasetInfo("spiral", make_spirals, "binary", "two interleaved spirals (2 classes)", 2),
    "moons": DatasetInfo("moons", make_moons, "binary", "two interleaving half moons (2 classes)", 2),
    "sine": DatasetInfo("sine", make_sine, "regression", "y = sin(x) on [-pi, pi] (1 input)"),
    "plane": DatasetInfo("plane", _surface_generator("plane"), "regression", "a tilted plane over [-1, 1]^2"),
    "gaussian": DatasetInfo("gaussian", _surface_generator("gaussian"), "regression",
                            "a Gaussian bump over [-1, 1]^2"),
    "ripple": DatasetInfo("ripple", _surface_generator("ripple"), "regression",
                          "circular ripples over [-1, 1]^2"),
}


def load_builtin(name, n_samples=None, noise=None, random_state=None):
    """Generate the built-in data set ``name`` as a :class:`Dataset` (defaults of its generator for ``None``)."""
    info = BUILTIN.get(name) if isinstance(name, str) else None
    if info is None:
        raise DataError(f"unknown data set {name!r}; expected one of {', '.join(BUILTIN)}")
    kwargs = {"random_state": random_state}
    if n_samples is not None:
        kwargs["n_samples"] = n_samples
    if noise is not None:
        kwargs["noise"] = noise
    X, y = info.generator(**kwargs)
    names = ("x1",) if X.shape[1] == 1 else tuple(f"x{j + 1}" for j in range(X.shape[1]))
    classes = None if info.task == "regression" else np.arange(info.n_classes, dtype=np.int64)
    return Dataset(X, y, names, "y", classes, info.task)


# ---------------------------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Dataset:
    """Features ``X`` (float64, ``(n, d)``) and target ``y`` with their names.

    For classification ``y`` holds int class indices into ``classes`` (the original labels, sorted); for
    regression ``y`` is float64 and ``classes`` is None.  ``task`` is ``"binary"``, ``"multiclass"`` or
    ``"regression"``.  ``target_index`` is the target's column in the source file (None for generated data).
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple
    target_name: str
    classes: Optional[np.ndarray]
    task: str
    target_index: Optional[int] = None

    @property
    def n_samples(self):
        return self.X.shape[0]

    @property
    def n_features(self):
        return self.X.shape[1]

    @property
    def n_classes(self):
        """Number of classes, or None for regression."""
        return None if self.classes is None else len(self.classes)


_DELIMITERS = ",;\t"


def _open_text(path):
    """Read a whole text file, turning the usual mistakes into DataError."""
    if not isinstance(path, (str, os.PathLike)):  # open() takes an int as a file descriptor, and closes it
        raise DataError(f"path must be a file name (str or os.PathLike), got {path!r}")
    try:
        with open(path, "r", encoding="utf-8-sig", newline="") as fh:
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


# ---------------------------------------------------------------------------------------------------------------
# Splitting and scaling
# ---------------------------------------------------------------------------------------------------------------

def _split_count(size, n, what):
    """Number of samples for a split given as a fraction in [0, 1) or a count."""
    if isinstance(size, bool) or not isinstance(size, numbers.Real):
        raise DataError(f"{what} must be a fraction in [0, 1) or a sample count, got {size!r}")
    if isinstance(size, numbers.Integral):
        if not 0 <= size < n:
            raise DataError(f"{what}={size} samples must be in [0, {n}) for {n} samples")
        return int(size)
    if not (0.0 <= size < 1.0):
        raise DataError(f"{what}={size} must be a fraction in [0, 1)")
    return round(size * n)


def _allocate(total, available):
    """Split ``total`` over groups in proportion to ``available`` (largest remainder), never above availability."""
    available = np.asarray(available, dtype=np.int64)
    share = total * available / available.sum()
    counts = np.floor(share).astype(np.int64)
    for g in np.argsort(-(share - counts), kind="stable"):
        if counts.sum() >= total:
            break
        if counts[g] < available[g]:
            counts[g] += 1
    return counts


def train_val_test_split(X, y, val=0.15, test=0.15, random_state=None, stratify=None):
    """Shuffle and split into ``X_train, X_val, X_test, y_train, y_val, y_test``.

    ``val`` and ``test`` are fractions in [0, 1) (rounded to whole samples) or sample counts; a zero size gives
    empty arrays.  ``stratify``: None, True (keep the class proportions of ``y`` in every split) or an array of
    labels to stratify on.  The same ``random_state`` gives the same split.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    n = len(X)
    if X.ndim == 0 or y.ndim == 0 or len(y) != n:
        raise DataError(f"X and y must have the same number of samples, got {X.shape} and {y.shape}")
    n_val = _split_count(val, n, "val")
    n_test = _split_count(test, n, "test")
    if n - n_val - n_test < 1:
        raise DataError(f"val={val} and test={test} leave no training samples out of {n}")
    rng = _rng(random_state)
    if stratify is None or stratify is False:
        order = rng.permutation(n)
        test_idx, val_idx, train_idx = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    else:
        labels = y if stratify is True else np.asarray(stratify)
        if labels.ndim != 1 or len(labels) != n:
            raise DataError(f"stratify must be True or labels of shape ({n},), got shape {labels.shape}")
        try:
            _, groups = np.unique(labels, return_inverse=True)
        except TypeError:
            raise DataError("stratify labels must be comparable values of one type (all numbers or all "
                            "strings)") from None
        members = [rng.permutation(np.flatnonzero(groups == g)) for g in range(groups.max() + 1)]
        sizes = [len(m) for m in members]
        test_counts = _allocate(n_test, sizes)
        val_counts = _allocate(n_val, [s - c for s, c in zip(sizes, test_counts)])
        test_idx = np.concatenate([m[:c] for m, c in zip(members, test_counts)])
        val_idx = np.concatenate([m[t:t + c] for m, t, c in zip(members, test_counts, val_counts)])
        train_idx = np.concatenate([m[t + c:] for m, t, c in zip(members, test_counts, val_counts)])
        # Undo the grouping by class so every split is in random order.
        test_idx, val_idx, train_idx = (rng.permutation(i) for i in (test_idx, val_idx, train_idx))
    return X[train_idx], X[val_idx], X[test_idx], y[train_idx], y[val_idx], y[test_idx]


class StandardScaler:
    """Scale every feature to zero mean and unit variance: ``(X - mean_) / scale_``.

    ``scale_`` is the population standard deviation (``ddof=0``, as scikit-learn), with 1 for constant columns so
    they map to 0 instead of dividing by zero.  ``to_dict``/``from_dict`` give a JSON-ready form to store with a
    model.  A 1-D input is one sample.
    """

    def __init__(self):
        self.mean_ = None
        self.scale_ = None

    @property
    def n_features_in_(self):
        return None if self.mean_ is None else len(self.mean_)

    def fit(self, X):
        """Learn ``mean_`` and ``scale_`` from ``X`` of shape ``(n, d)``; returns self."""
        X = self._validate(X, fitting=True)
        if X.shape[0] == 0:
            raise DataError("StandardScaler.fit needs at least one sample")
        with np.errstate(over="ignore", invalid="ignore"):
            mean, std = X.mean(axis=0), X.std(axis=0)
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std))):
            raise DataError("StandardScaler cannot standardise these values: their mean or spread overflows "
                            "float64 (values near 1e308); rescale the data first")
        self.mean_ = mean
        # Constant (or numerically constant) columns keep scale 1.
        tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(self.mean_), 1.0)
        self.scale_ = np.where(std <= tiny, 1.0, std)
        return self

    def transform(self, X):
        """``(X - mean_) / scale_`` as float64."""
        return (self._validate(X) - self.mean_) / self.scale_

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def inverse_transform(self, Z):
        """``Z * scale_ + mean_``: undo :meth:`transform`."""
        return self._validate(Z) * self.scale_ + self.mean_

    def to_dict(self):
        """``{"mean": [...], "scale": [...]}`` with plain floats (JSON-serialisable)."""
        self._check_fitted()
        return {"mean": [float(v) for v in self.mean_], "scale": [float(v) for v in self.scale_]}

    @classmethod
    def from_dict(cls, state):
        """Rebuild a fitted scaler from :meth:`to_dict` output."""
        try:
            mean = np.asarray(state["mean"], dtype=np.float64)
            scale = np.asarray(state["scale"], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"not a StandardScaler state (expected keys 'mean' and 'scale'): {exc}") from None
        if mean.ndim != 1 or mean.shape != scale.shape or not (np.all(np.isfinite(mean))
                                                              and np.all(np.isfinite(scale)) and np.all(scale > 0)):
            raise DataError("StandardScaler state needs 'mean' and 'scale' lists of equal length, finite, scale > 0")
        scaler = cls()
        scaler.mean_, scaler.scale_ = mean, scale
        return scaler

    def _check_fitted(self):
        if self.mean_ is None:
            raise DataError("this StandardScaler is not fitted yet; call fit(X) first")

    def _validate(self, X, fitting=False):
        if not fitting:
            self._check_fitted()
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"StandardScaler expects a numeric array: {exc}") from None
        if X.ndim not in (1, 2) or (fitting and X.ndim != 2):
            raise DataError(f"StandardScaler expects X of shape (n_samples, n_features), got {X.shape}")
        if not fitting and X.shape[-1] != len(self.mean_):
            raise DataError(f"X has {X.shape[-1]} features, but the scaler was fitted on {len(self.mean_)}")
        if not np.all(np.isfinite(X)):
            raise DataError("StandardScaler input contains NaN or infinity")
        return X

    def __repr__(self):
        return "StandardScaler()" if self.mean_ is None else f"StandardScaler(n_features={len(self.mean_)})"
