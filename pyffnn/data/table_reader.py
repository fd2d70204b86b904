"""Reading delimited text tables with pandas: the one reader behind ``read_table``, ``load_csv``, the CLI and the app.

:func:`read_frame` sniffs what pandas cannot guess by itself (compression from the file's magic bytes, the
encoding, the delimiter among ``, ; TAB |`` or runs of blanks, decimal commas, whether the first row is a header,
leading ``#`` comment lines) from the first 64 KiB, then lets ``pandas.read_csv`` read the whole file in C.
Every problem is a :class:`DataError`; problems in a row name its line in the file (see :meth:`Table.line_of`).
"""
import bz2
import csv
import gzip
import io
import lzma
import numbers
import os
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from . import parallel_csv
from .dataset import DataError

#: Cell texts read as a missing value (besides pandas' own list: '', 'NA', 'N/A', 'NaN', 'null', 'None', ...).
MISSING_TOKENS = ("", "na", "n/a", "nan", "null", "none", "?", "-", "NA", "N/A", "NaN", "NULL", "None", "#N/A",
                  ".", "missing")

_DELIMITERS = ",;\t|"
_WHITESPACE = r"\s+"
_HEAD_BYTES = 1 << 16
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"), (b"PK\x03\x04", "zip"))
_NUMBER = re.compile(r"^\s*[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?\s*$")
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+\s*$")


@dataclass
class Table:
    """A table as read: the pandas ``frame`` (one column per field, names unique) and how it was read.

    ``notices`` lists what the reader decided on its own (skipped comment lines, a fallback encoding, ...).
    """

    frame: object
    path: Optional[str] = None
    delimiter: str = ","
    decimal: str = "."
    has_header: bool = True
    encoding: str = "utf-8"
    skip_rows: int = 0
    notices: list = field(default_factory=list)
    comment: Optional[str] = None
    unnamed: tuple = ()  # columns whose header cell was empty (e.g. pandas' index column written by to_csv)
    _lines: Optional[np.ndarray] = field(default=None, repr=False)
    _text: Optional[str] = field(default=None, repr=False)

    def line_of(self, row):
        """The 1-based line of the file where data row ``row`` (0-based, as in ``frame``) starts."""
        if self.path is None:
            return None
        if self._lines is None:
            self._lines = _record_lines(self)
        return int(self._lines[row]) if 0 <= row < len(self._lines) else None

    def where(self, row):
        """'line N' for a file, 'row N' (1-based) for a DataFrame."""
        line = self.line_of(row)
        return f"line {line}" if line is not None else f"row {row + 1}"


def _check_path(path):
    if not isinstance(path, (str, os.PathLike)):  # open() takes an int as a file descriptor, and closes it
        raise DataError(f"path must be a file name (str or os.PathLike), got {path!r}")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise DataError(f"no such file: {path!r}")
    if os.path.isdir(path):
        raise DataError(f"{path!r} is a directory, expected a CSV file")
    if not os.path.isfile(path):
        raise DataError(f"{path!r} is not a regular file (a device or a pipe?); give a CSV file")
    return path


def _compression(path):
    with open(path, "rb") as fh:
        magic = fh.read(6)
    return next((name for prefix, name in _MAGIC if magic.startswith(prefix)), None)


def _open_binary(path, compression):
    """A binary stream of the file's (decompressed) bytes."""
    if compression == "gzip":
        return gzip.open(path, "rb")
    if compression == "bz2":
        return bz2.open(path, "rb")
    if compression == "xz":
        return lzma.open(path, "rb")
    if compression == "zip":
        archive = zipfile.ZipFile(path)
        names = [n for n in archive.namelist() if not n.endswith("/")]
        if len(names) != 1:
            archive.close()
            raise DataError(f"{path!r} is a zip archive with {len(names)} files; it must hold exactly one table")
        return archive.open(names[0])
    return open(path, "rb")


def _read_head(path, compression):
    try:
        with _open_binary(path, compression) as fh:
            head = fh.read(_HEAD_BYTES)
            at_end = not fh.read(1)
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as exc:
        raise DataError(f"cannot read {path!r} as {compression or 'text'}: {exc}") from None
    return head, at_end


def _encoding(head, encoding, notices, path):
    """The encoding to read with: given, from a BOM, UTF-8, or else Latin-1 (with a notice)."""
    if encoding is not None:
        return encoding
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in head:
        raise DataError(f"{path!r} looks like a binary file (it contains NUL bytes), not a text table")
    try:
        head.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a character cut at the end of the sniffed block
            return "utf-8-sig"
        notices.append(f"the file is not UTF-8 (byte {exc.start}); read it as Latin-1; "
                       "give encoding= if that is wrong")
        return "latin-1"


def _split(line, delimiter):
    if delimiter == _WHITESPACE:
        return line.split()
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return [line]


def _head_lines(text, at_end, skip_rows):
    """Physical lines of the sniffed text after ``skip_rows``, with their numbers; a cut last line is left out."""
    lines = text.splitlines()
    if not at_end and lines:
        lines = lines[:-1]
    return [(i + 1, line) for i, line in enumerate(lines) if i >= skip_rows]


def _leading_comments(lines, comment):
    """How many lines at the top (after skip_rows) are comments (start with ``comment`` or '#') or blank."""
    marks = ("#",) if comment is None else ("#", comment)
    n = 0
    for _, line in lines:
        if line.strip() == "" or line.lstrip().startswith(marks):
            n += 1
        else:
            break
    return n


def _sniff_delimiter(rows_text):
    """Comma, semicolon, tab, pipe or blanks: the candidate splitting the first rows into the same number (> 1)
    of fields, the most fields winning (so "1,5;2,5" is two semicolon fields with decimal commas)."""
    sample = [line for line in rows_text[:50] if line.strip()]
    best, best_width = None, 1
    for d in _DELIMITERS:
        widths = {len(_split(line, d)) for line in sample}
        if len(widths) == 1 and min(widths) > best_width:
            best, best_width = d, min(widths)
    if best is not None:
        return best
    widths = {len(line.split()) for line in sample}
    if len(widths) == 1 and min(widths, default=1) > 1 and not any("," in line for line in sample):
        return _WHITESPACE
    first = sample[0] if sample else ""
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.get)
    if counts[best]:
        return best
    return _WHITESPACE if len(first.split()) > 1 else ","


def _is_number(text):
    return bool(_NUMBER.match(text)) or text.strip().lower() in ("inf", "-inf", "+inf", "infinity", "-infinity")


def _is_missing(text):
    return text.strip() in MISSING_TOKENS or text.strip().lower() in MISSING_TOKENS


def _detect_header(rows):
    """A first row is a header when some column is text there but a number below it, or when every cell of it is
    text that never appears again in its column."""
    first, rest = rows[0], rows[1:]
    if not rest:
        return all(not _is_number(f) for f in first)
    second = rest[0]
    if any(not _is_number(a) and not _is_missing(a) and _is_number(b) for a, b in zip(first, second)):
        return True
    if any(_is_number(a) or _is_missing(a) for a in first) or len(set(first)) != len(first):
        return False
    return all(all(len(r) <= j or r[j] != name for r in rest) for j, name in enumerate(first))


def _check_header_arg(header):
    if header in ("auto", True, False):
        return header
    if isinstance(header, str) and header.lower() in ("yes", "no"):
        return header.lower() == "yes"
    raise DataError(f"header must be 'auto', True ('yes') or False ('no'), got {header!r}")


#: Spellings of a delimiter besides the character itself: what a shell can type for a tab or for runs of blanks.
DELIMITER_NAMES = {"\\t": "\t", "tab": "\t", "whitespace": _WHITESPACE, "space": " ", "comma": ",",
                   "semicolon": ";", "pipe": "|"}


def parse_delimiter(delimiter):
    """The field separator for ``delimiter``: None or ``"auto"`` to sniff it; one character (``","``, ``";"``,
    ``"|"``, a tab); ``"\\t"`` or ``"tab"`` for a tab; ``"whitespace"`` for runs of blanks and tabs; or the names
    ``comma``, ``semicolon``, ``pipe``, ``space``."""
    if delimiter is None or delimiter == "auto":
        return None
    if not isinstance(delimiter, str):
        raise DataError(f"delimiter must be a string, got {delimiter!r}")
    if delimiter == _WHITESPACE:
        return delimiter
    name = DELIMITER_NAMES.get(delimiter.lower() if len(delimiter) > 1 else delimiter)
    if name is not None:
        return name
    if len(delimiter) != 1 or delimiter in "\r\n\"" or delimiter.isalnum():
        raise DataError(f"delimiter {delimiter!r} is not usable; give one character such as ',' ';' '|', '\\t' "
                        "(or 'tab') for a tab, 'whitespace' for runs of blanks, or 'auto' to detect it")
    return delimiter


def _check_skip_rows(skip_rows):
    if isinstance(skip_rows, bool) or not isinstance(skip_rows, numbers.Integral) or skip_rows < 0:
        raise DataError(f"skip_rows must be an integer >= 0, got {skip_rows!r}")
    return int(skip_rows)


_BAD_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _parser_error(exc, path, skip_rows):
    text = str(exc)
    m = _BAD_LINE.search(text)
    if m:
        expected, line, saw = (int(g) for g in m.groups())
        hint = "" if skip_rows else (f"; if the lines above line {line} are a title or metadata, skip them with "
                                     "skip_rows=N (--skip-rows N)")
        return DataError(f"line {line} has {saw} fields, expected {expected}{hint}")
    return DataError(f"{path!r}: cannot parse the table ({text.replace('Error tokenizing data. C error: ', '')})")


def read_frame(source, *, header="auto", skip_rows=0, delimiter=None, encoding=None, comment=None,
               na_values=None):
    """Read a delimited text file (or take a pandas DataFrame) as a :class:`Table`.

    ``source``: a path (``.gz``, ``.bz2``, ``.xz`` and one-file ``.zip`` are recognised by their content) or a
    DataFrame (used as it is).  ``header``: ``"auto"``, True/``"yes"`` or False/``"no"``; without a header the
    columns are named ``x1, x2, ...``.  ``skip_rows``: lines to skip at the top (a title or metadata line).
    ``delimiter``: None (or ``"auto"``) to sniff ``, ; TAB |`` or blanks; else it is used as given (see
    :func:`parse_delimiter`: one character, ``"\\t"``/``"tab"``, ``"whitespace"``).  ``encoding``: None for
    UTF-8 (with or without BOM), UTF-16 with a BOM, else Latin-1 with a notice.  ``comment``: a character
    starting comment lines or trailing comments (lines starting with ``#`` at the top are always skipped).
    ``na_values``: more cell texts that mean "missing" (besides :data:`MISSING_TOKENS`).
    """
    import pandas as pd

    header = _check_header_arg(header)
    skip_rows = _check_skip_rows(skip_rows)
    delimiter = parse_delimiter(delimiter)
    if isinstance(source, pd.DataFrame):
        frame = source.copy(deep=False)
        names = [_header_name(c, j) for j, c in enumerate(frame.columns)]
        unnamed = tuple(n for n, c in zip(names, frame.columns) if n != str(c).strip())
        frame.columns = _unique_names(names)
        return Table(frame.reset_index(drop=True), path=None, has_header=True, unnamed=unnamed)
    path = _check_path(source)
    notices = []
    compression = _compression(path)
    head, at_end = _read_head(path, compression)
    if not head.strip():
        raise DataError(f"{path!r} is empty")
    enc = _encoding(head, encoding, notices, path)
    try:
        text = head.decode(enc, errors="replace")
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r}") from None
    text = text.lstrip("\ufeff")
    lines = _head_lines(text, at_end, skip_rows)
    n_comments = _leading_comments(lines, comment)
    if n_comments:
        notices.append(f"skipped {n_comments} comment or blank line(s) at the top")
    lines = lines[n_comments:]
    body = [line for _, line in lines if line.strip()]
    if not body:
        raise DataError(f"{path!r} has no rows" + (f" after skipping {skip_rows} line(s)" if skip_rows else ""))
    sep = delimiter if delimiter is not None else _sniff_delimiter(body)
    rows = [_split(line, sep) for line in body[:50]]
    has_header = _detect_header(rows) if header == "auto" else header
    decimal = "."
    if sep != ",":
        if any(_DECIMAL_COMMA.match(f) for r in rows[int(has_header):] for f in r):
            decimal = ","
    first_data_line = lines[0][0]
    numbered = [(n, _split(line, sep)) for n, line in lines if line.strip()][:50]
    if len(numbered) > 1 and len(numbered[0][1]) != len(numbered[1][1]):
        (n0, r0), (n1, r1) = numbered[:2]
        raise DataError(f"line {n1} has {len(r1)} fields, expected {len(r0)} (as on line {n0}); if line {n0} is a "
                        "title or metadata, skip it with skip_rows=N (--skip-rows N)")
    kwargs = dict(sep=sep, header=0 if has_header else None, skiprows=first_data_line - 1, index_col=False,
                  compression=compression, encoding=enc, na_values=list(MISSING_TOKENS) + list(na_values or []),
                  keep_default_na=True, skip_blank_lines=True, comment=comment, decimal=decimal,
                  skipinitialspace=True, encoding_errors="strict")
    if sep == _WHITESPACE:
        kwargs.pop("skipinitialspace")
    if compression == "zip":
        kwargs["compression"] = "zip"
    frame = None
    if _plain_numeric(path, compression, enc, sep, rows[int(has_header):], head):
        frame = _read_in_pieces(path, kwargs, first_data_line - 1 + int(has_header), has_header, head, len(rows[0]))
    try:
        if frame is None:
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)  # e.g. a header shorter than the rows
                frame = pd.read_csv(path, **kwargs)
    except pd.errors.ParserWarning as exc:
        raise DataError(f"{path!r}: the header and the rows have different numbers of fields ({exc}); check the "
                        "delimiter, or skip title lines with skip_rows=N (--skip-rows N)") from None
    except UnicodeDecodeError as exc:
        if encoding is not None:
            raise DataError(f"{path!r} is not {encoding} text ({exc.reason} at byte {exc.start})") from None
        notices.append(f"the file is not UTF-8 (byte {exc.start}); read it as Latin-1; "
                       "give encoding= if that is wrong")
        enc = kwargs["encoding"] = "latin-1"
        try:
            frame = pd.read_csv(path, **kwargs)
        except pd.errors.ParserError as exc2:
            raise _parser_error(exc2, path, skip_rows) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path!r} is empty") from None
    except pd.errors.ParserError as exc:
        raise _parser_error(exc, path, skip_rows) from None
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError, ValueError) as exc:
        raise DataError(f"cannot read {path!r}: {exc}") from None
    except OverflowError as exc:
        raise DataError(f"{path!r}: a value is too large to read ({exc})") from None
    unnamed = ()
    if has_header:
        names = [_header_name(c, j) for j, c in enumerate(frame.columns)]
        unnamed = tuple(n for n, c in zip(names, frame.columns) if n != str(c).strip())
    else:
        names = [f"x{j + 1}" for j in range(frame.shape[1])]
    frame.columns = _unique_names(names)
    # A delimiter at the end of every line gives last columns that are empty everywhere: drop them.
    while frame.shape[1] > 1 and str(frame.columns[-1]).startswith("column") and frame.iloc[:, -1].isna().all():
        frame = frame.iloc[:, :-1]
    if has_header and len(frame) == 0:
        raise DataError(f"{path!r} has a header row but no data rows")
    if len(frame) == 0:
        raise DataError(f"{path!r} is empty")
    table = Table(frame, path=path, delimiter=sep, decimal=decimal, has_header=has_header, encoding=enc,
                  skip_rows=first_data_line - 1 + int(has_header), notices=notices, comment=comment,
                  unnamed=unnamed)
    _check_short_rows(table)
    return table


def _plain_numeric(path, compression, encoding, sep, rows, head):
    """Whether a file may be read in pieces (see :mod:`.parallel_csv`): large, uncompressed, an ASCII-compatible
    encoding, a one-character delimiter, newline-ended lines, and numbers or missing cells in the sniffed rows."""
    return (compression is None and len(sep) == 1 and encoding in ("utf-8-sig", "utf-8", "latin-1", "ascii")
            and (b"\r" not in head or b"\r\n" in head) and b'"' not in head
            and os.path.getsize(path) >= parallel_csv.MIN_BYTES
            and all(_is_number(f) or _is_missing(f) for r in rows for f in r))


def _read_in_pieces(path, kwargs, lines_before_data, has_header, head, width):
    """The frame read by :func:`.parallel_csv.read_numeric`, or None to read it with one pandas.read_csv call."""
    import pandas as pd

    with open(path, "rb") as fh:
        for _ in range(lines_before_data):
            fh.readline()
        data_start = fh.tell()
    if data_start == 0 and head.startswith(b"\xef\xbb\xbf"):
        data_start = 3
    if has_header:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            names = list(pd.read_csv(path, **{**kwargs, "nrows": 0}).columns)
    else:
        names = list(range(width))
    return parallel_csv.read_numeric(path, names, data_start, kwargs)


def _header_name(name, j):
    name = str(name).strip()
    if name == "" or re.fullmatch(r"Unnamed: \d+(_level_\d+)?", name):
        return f"column{j + 1}"
    return name


def _unique_names(names):
    seen, out = {}, []
    for name in names:
        base, k = name, seen.get(name, 0)
        while name in seen:
            k += 1
            name = f"{base}.{k}"
        seen[base] = k
        seen[name] = 0
        out.append(name)
    return out


def _records(table):
    """(line number, field count) of every data record of the file, as pandas read them."""
    import pandas as pd  # noqa: F401  (read only when an error or a short row needs line numbers)

    with _open_binary(table.path, _compression(table.path)) as fh:
        text = io.TextIOWrapper(fh, encoding=table.encoding, errors="replace", newline="").read()
    text = text.lstrip("\ufeff")
    comment = table.comment
    out = []
    if table.delimiter == _WHITESPACE:
        for i, line in enumerate(text.splitlines()):
            if i < table.skip_rows:
                continue
            if comment:
                line = line.split(comment, 1)[0]
            if line.strip():
                out.append((i + 1, len(line.split())))
        return out
    stream = io.StringIO(text, newline="")
    for _ in range(table.skip_rows):
        stream.readline()
    csv.field_size_limit(2 ** 31 - 1)  # pandas reads fields of any size; so must the line count
    reader = csv.reader(stream, delimiter=table.delimiter, skipinitialspace=True)
    start = table.skip_rows + 1
    try:
        for row in reader:
            if comment and row and row[0].lstrip().startswith(comment):
                row = []
            if any(f.strip() for f in row) or len(row) > 1:
                out.append((start, len(row)))
            start = table.skip_rows + reader.line_num + 1
    except csv.Error:
        pass
    return out


def _record_lines(table):
    return np.array([line for line, _ in _records(table)], dtype=np.int64)


def _check_short_rows(table):
    """pandas fills a row with too few fields with missing values; a short row is an error naming its line."""
    frame = table.frame
    width = frame.shape[1]
    if width < 2 or not frame.iloc[:, -1].isna().any():
        return
    records = _records(table)
    table._lines = np.array([line for line, _ in records], dtype=np.int64)
    counts = [n for _, n in records]
    for line, n in records:
        if 0 < n < width and not (n == 1 and counts.count(1) == len(counts)):
            raise DataError(f"line {line} has {n} fields, expected {width}")
