"""Derived input features: extra network inputs computed from the encoded features, such as TensorFlow
Playground's x1², x2², x1·x2, sin x1 and sin x2.

One table of operations (:data:`OPERATIONS`); a derived feature is stored as ``{"op": name, "columns": [...]}``
(plain JSON, kept in the :class:`Preprocessor` and so in model files), and written by users either that way, as a
tuple ``("square", "x1")`` or as text: ``"x1^2"`` (also ``x1**2``, ``x1²``), ``"x1*x2"`` (also ``x1·x2``),
``"sin(x1)"``, ``"cos(x1)"``.  Derived columns are computed from the encoded, imputed features before scaling.
"""
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .dataset import DataError


@dataclass(frozen=True)
class Operation:
    """One kind of derived feature: ``arity`` input columns, ``compute(*columns)``, its name ``label`` pattern."""

    name: str
    arity: int
    compute: Callable
    label: str          # str.format pattern over the input column names: the derived feature's name
    text: str           # what it does, for messages and docs


OPERATIONS = (
    Operation("square", 1, np.square, "{0}^2", "the column squared"),
    Operation("product", 2, np.multiply, "{0}*{1}", "the product of two columns"),
    Operation("sin", 1, np.sin, "sin({0})", "the sine of the column (radians)"),
    Operation("cos", 1, np.cos, "cos({0})", "the cosine of the column (radians)"),
)
BY_NAME = {op.name: op for op in OPERATIONS}
#: The five extra inputs TensorFlow Playground offers for 2-D data, over the first two features.
PLAYGROUND = (("square", 0), ("square", 1), ("product", 0, 1), ("sin", 0), ("sin", 1))

_TEXT_FORMS = (
    (re.compile(r"^\s*(?P<a>.+?)\s*(\^\s*2|\*\*\s*2|²)\s*$"), "square"),
    (re.compile(r"^\s*(?P<f>sin|cos)\s*\(\s*(?P<a>.+?)\s*\)\s*$", re.IGNORECASE), None),
    (re.compile(r"^\s*(?P<f>sin|cos)\s+(?P<a>\S+)\s*$", re.IGNORECASE), None),
    (re.compile(r"^\s*(?P<a>[^*·]+?)\s*[*·]\s*(?P<b>[^*·]+?)\s*$"), "product"),
)
_HELP = "write it as 'x1^2', 'x1*x2', 'sin(x1)', 'cos(x1)' or as {'op': ..., 'columns': [...]}"


def _resolve(name, names):
    if name in names:
        return name
    folded = [n.casefold() for n in names]
    if str(name).strip().casefold() in folded:
        return names[folded.index(str(name).strip().casefold())]
    raise DataError(f"derived feature: no feature column {name!r}; the features are: {', '.join(names)}")


def _from_text(text):
    for pattern, op in _TEXT_FORMS:
        m = pattern.match(text)
        if m is None:
            continue
        groups = m.groupdict()
        op = op or groups["f"].lower()
        return op, [groups["a"]] + ([groups["b"]] if groups.get("b") is not None else [])
    raise DataError(f"derived feature {text!r} is not understood; {_HELP}")


def parse(spec, names):
    """The canonical ``{"op": name, "columns": [feature names]}`` for ``spec`` (text, tuple or dict), its columns
    looked up among the encoded feature ``names`` (exactly, else ignoring case)."""
    if isinstance(spec, str):
        op, columns = _from_text(spec)
    elif isinstance(spec, dict):
        if set(spec) != {"op", "columns"} or not isinstance(spec["columns"], (list, tuple)):
            raise DataError(f"derived feature {spec!r} must have exactly the keys 'op' and 'columns' (a list)")
        op, columns = spec["op"], list(spec["columns"])
    elif isinstance(spec, (list, tuple)) and spec:
        op, columns = spec[0], list(spec[1:])
    else:
        raise DataError(f"derived feature {spec!r} is not understood; {_HELP}")
    if op not in BY_NAME:
        raise DataError(f"derived feature {spec!r}: unknown operation {op!r}; known: {', '.join(BY_NAME)}")
    if len(columns) != BY_NAME[op].arity:
        raise DataError(f"derived feature {spec!r}: {op} takes {BY_NAME[op].arity} column(s), got {len(columns)}")
    if not all(isinstance(c, str) for c in columns):
        raise DataError(f"derived feature {spec!r}: columns must be given by name")
    return {"op": op, "columns": [_resolve(c, names) for c in columns]}


def parse_all(specs, names):
    """Canonical specs for a list of derived features; the same feature twice, or a name that clashes with a
    feature column, is a DataError."""
    if specs is None:
        return []
    if isinstance(specs, (str, dict)):
        specs = [specs]
    out, seen = [], set(names)
    for spec in specs:
        canon = parse(spec, names)
        label = name_of(canon)
        if label in seen:
            raise DataError(f"derived feature {label!r} is given twice or is already a column")
        seen.add(label)
        out.append(canon)
    return out


def name_of(spec):
    """The derived feature's column name, e.g. ``x1^2``, ``x1*x2``, ``sin(x1)``."""
    return BY_NAME[spec["op"]].label.format(*spec["columns"])


def playground(names):
    """The Playground's five extra inputs over the first two of ``names``, as canonical specs."""
    if len(names) < 2:
        raise DataError(f"the Playground's extra inputs need two features; there are {len(names)}")
    return [{"op": op, "columns": [names[i] for i in idx]} for op, *idx in PLAYGROUND]


def compute(specs, X, names):
    """The derived columns, shape ``(n, len(specs))``, from ``X`` (encoded features, columns ``names``)."""
    index = {n: j for j, n in enumerate(names)}
    out = np.empty((X.shape[0], len(specs)), dtype=np.float64)
    for k, spec in enumerate(specs):
        out[:, k] = BY_NAME[spec["op"]].compute(*(X[:, index[c]] for c in spec["columns"]))
    return out
