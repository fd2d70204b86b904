"""Column kinds: what a table column holds, inferred from its values, and its cells as numbers.

Kinds: ``numeric``, ``boolean`` (True/False, yes/no, ...), ``categorical`` (text with repeated values, one-hot
encoded), ``datetime``, ``identifier`` (a distinct value per row, a running index, an unnamed index column),
``constant`` and ``empty``.  The last four are left out of the features by default.
"""
import re

import numpy as np

from .dataset import DataError

KINDS = ("numeric", "boolean", "categorical", "datetime", "identifier", "constant", "empty")
#: Kinds left out of the features unless asked for.
LEFT_OUT = ("datetime", "identifier", "constant", "empty")
#: Kinds a user may force a column to (``kinds={"col": "categorical"}``).
ENCODABLE = ("numeric", "boolean", "categorical")

TRUE_WORDS = frozenset({"true", "yes", "t", "y"})
FALSE_WORDS = frozenset({"false", "no", "f", "n"})

_DATE = re.compile(r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
                   r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?\s*$|^\s*\d{1,2}:\d{2}(:\d{2})?\s*$")
_ID_NAME = re.compile(r"(?i)^(id|idx|index|rowid|row_?id|row|key|no|nr|#|record|recordid|uuid|guid)$"
                      r"|(_id|_key|_uuid)$|^id_")
_TIME_NAME = re.compile(r"(?i)year|month|day|date|time|week|hour|age")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS_COMMA = r"[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?"
_DECIMAL_COMMA = r"[+-]?([1-9]\d{0,2}(\.\d{3})+|\d+),\d+|[+-]?[1-9]\d{0,2}(\.\d{3})+"


class NotNumeric(DataError):
    """A cell of a numeric column holds text; ``row`` is its position and ``text`` the cell."""

    def __init__(self, row, text):
        super().__init__(f"{text!r} is not a number")
        self.row, self.text = row, text


def is_text(series):
    import pandas as pd
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def texts(series):
    """The cells as stripped strings (a pandas Series); missing cells and blank texts are <NA>."""
    s = series.astype("string").str.strip()
    return s.mask(s == "")


def numbers(series, decimal=".", strict=True):
    """The cells as float64 (NaN where missing).  Text cells are parsed (thousands separators, decimal commas);
    with ``strict`` a cell that is not a number raises :class:`NotNumeric`, else it becomes NaN."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    if not is_text(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    t = texts(series)
    pattern = _DECIMAL_COMMA if decimal == "," else _THOUSANDS_COMMA
    special = t.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
    plain = t
    if special.any():
        fixed = t[special].str.replace("." if decimal == "," else ",", "", regex=False)
        if decimal == ",":
            fixed = fixed.str.replace(",", ".", regex=False)
        plain = t.copy()
        plain[special] = fixed
    values = pd.to_numeric(plain, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    unparsed = np.flatnonzero(np.isnan(values) & plain.notna().to_numpy())
    for i in unparsed[:1000]:  # numbers pandas gives up on, e.g. too many digits: float() says inf
        text = plain.iloc[i]
        if _NUMBER.match(text):
            values[i] = float(text.replace(",", "."))
    if strict:
        bad = np.flatnonzero(np.isnan(values) & t.notna().to_numpy())
        if bad.size:
            raise NotNumeric(int(bad[0]), str(t.iloc[bad[0]]))
    return values


def booleans(series):
    """True/False, yes/no, t/f, y/n (any case) and 1/0 as 1.0/0.0, NaN where missing; None if not boolean."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    if not is_text(series):
        return None
    t = texts(series).str.lower()
    present = t.dropna().unique()
    words = set(present)
    if not words or len(words) > 2 or not words <= (TRUE_WORDS | FALSE_WORDS | {"1", "0"}):
        return None
    if not words & {"true", "false", "yes", "no", "t", "f", "y", "n"}:
        return None
    out = np.full(len(t), np.nan)
    out[t.isin(list(TRUE_WORDS | {"1"})).fillna(False).to_numpy(dtype=bool)] = 1.0
    out[t.isin(list(FALSE_WORDS | {"0"})).fillna(False).to_numpy(dtype=bool)] = 0.0
    return out


def infer(name, series, decimal=".", unnamed=False, total=None):
    """``(kind, note, bad)`` for a column: its kind, why (for the report), and for a numeric column with a few
    text cells the first such ``(row, text)`` (else None).  ``total``: the sum of a float column, if known."""
    if series.dtype.kind in "fiu":  # numbers already: no text to look at
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        if _all_missing(values):
            return "empty", "every cell is missing", None
        return _numeric(name, values, unnamed, total)
    present = int(series.notna().sum())
    if present == 0:
        return "empty", "every cell is missing", None
    if booleans(series) is not None:
        return _constant_or("boolean", series.dropna().astype(str).str.strip().str.lower().nunique(),
                            "true/false values")
    if is_text(series):
        values = numbers(series, decimal, strict=False)
        t = texts(series)
        n_numeric = int(np.count_nonzero(~np.isnan(values)))
        if n_numeric == present:
            return _numeric(name, values, unnamed)
        if n_numeric >= 0.9 * present and present - n_numeric <= 3:
            bad = np.flatnonzero(np.isnan(values) & t.notna().to_numpy())
            return "numeric", "numbers", (int(bad[0]), str(t.iloc[bad[0]]))
        if t.dropna().str.match(_DATE).all():
            return "datetime", "dates or times", None
        distinct = t.nunique()
        if distinct == 1:
            return "constant", f"always {t.dropna().iloc[0]!r}", None
        if distinct == present and present >= 3:
            return "identifier", f"a distinct text in every row ({distinct} values)", None
        if distinct > max(20, present // 2):
            return "identifier", f"{distinct} distinct texts in {present} rows, too many to be categories", None
        return "categorical", f"{distinct} categories", None
    return _numeric(name, series.to_numpy(dtype=np.float64, na_value=np.nan), unnamed)


def _constant_or(kind, distinct, note):
    return ("constant", "one value in every row", None) if distinct <= 1 else (kind, note, None)


def _all_missing(values):
    return values.size == 0 or (np.isnan(values[0]) and np.isnan(values).all())


def missing_count(values):
    """The number of NaN in a float64 array (one pass: a finite sum means none)."""
    return 0 if np.isfinite(np.add.reduce(values)) else int(np.count_nonzero(np.isnan(values)))


def _integral(values):
    """Whether every value is an integer; a sample first, so a column of measurements answers at once."""
    head = values[:256]
    if not np.all(head == np.floor(head)):
        return False
    return bool(np.all(values == np.floor(values)))


def _numeric(name, values, unnamed, total=None):
    complete = np.isfinite(total) if total is not None else missing_count(values) == 0
    finite = values if complete else values[~np.isnan(values)]
    lo, hi = finite.min(), finite.max()
    if lo == hi:
        return "constant", f"always {lo:g}", None
    if finite.size == values.size and values.size >= 3 and _integral(finite):
        step = np.diff(values)
        hinted = unnamed or _ID_NAME.search(name)
        if np.all(step == 1) and (hinted or (values.size >= 20 and not _TIME_NAME.search(name))):
            return "identifier", f"a running index ({lo:g} to {hi:g})", None
        if hinted and np.unique(values).size == values.size:
            return "identifier", f"a distinct integer in every row of a column named {name!r}", None
    return "numeric", "numbers", None
