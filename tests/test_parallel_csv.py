"""A large numeric CSV is read in pieces on threads (pyffnn.data.parallel_csv): the frame must be the one a single
pandas.read_csv call gives, and anything that is not a plain numeric table falls back to that call."""
import numpy as np
import pandas as pd
import pytest

from pyffnn.data import parallel_csv
from pyffnn.data.dataset import DataError
from pyffnn.data.table_reader import read_frame
from pyffnn.datasets import read_table


def _frames(path, monkeypatch, **options):
    """(frame read in pieces of ~60 bytes, frame read in one call, whether the pieces were used)."""
    calls = []
    real = parallel_csv.read_numeric

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append(out is not None)
        return out

    with monkeypatch.context() as m:
        m.setattr(parallel_csv, "MIN_BYTES", 0)
        m.setattr(parallel_csv, "PIECE_BYTES", 60)
        m.setattr(parallel_csv, "read_numeric", spy)
        pieces = read_frame(path, **options).frame
    with monkeypatch.context() as m:
        m.setattr(parallel_csv, "MIN_BYTES", 1 << 62)
        whole = read_frame(path, **options).frame
    return pieces, whole, bool(calls) and all(calls)


def _rows(rng, n, sep=",", decimal="."):
    lines = []
    for i in range(n):
        cells = [f"{rng.standard_normal():.6g}", str(int(rng.integers(-5, 5))), str(i % 7),
                 "" if i % 11 == 3 else f"{rng.uniform():.4f}"]
        lines.append(sep.join(c.replace(".", decimal) for c in cells))
    return lines


@pytest.mark.parametrize("case", ["plain", "crlf", "bom", "no_header", "skip_rows", "semicolon_comma", "blank_lines",
                                  "int_then_float"])
def test_pieces_give_the_same_frame(tmp_path, monkeypatch, case):
    rng = np.random.default_rng(3)
    sep, decimal, newline, options = ",", ".", "\n", {}
    header = "a,b,c,d"
    rows = _rows(rng, 200)
    if case == "semicolon_comma":
        sep, decimal = ";", ","
        header = "a;b;c;d"
        rows = _rows(rng, 200, sep, decimal)
    text_lines = [header] + rows
    if case == "no_header":
        text_lines = rows
    if case == "skip_rows":
        text_lines = ["a title line, not data"] + text_lines
        options["skip_rows"] = 1
    if case == "blank_lines":
        text_lines = text_lines[:50] + [""] + text_lines[50:120] + ["", ""] + text_lines[120:]
    if case == "int_then_float":
        text_lines = text_lines + ["0.5,1,2,3"]  # columns a..c are integers in every piece but the last
        text_lines[-1] = "1,2.5,3,4"
    if case == "crlf":
        newline = "\r\n"
    data = newline.join(text_lines) + newline
    path = tmp_path / "t.csv"
    path.write_bytes((b"\xef\xbb\xbf" if case == "bom" else b"") + data.encode())
    pieces, whole, used = _frames(path, monkeypatch, **options)
    assert used, "the file should have been read in pieces"
    pd.testing.assert_frame_equal(pieces, whole)


@pytest.mark.parametrize("tail", ['"quoted, field",1,2,3', "text,1,2,3", "0.5,9007199254740993,2,3"])
def test_anything_else_falls_back_to_one_call(tmp_path, monkeypatch, tail):
    rng = np.random.default_rng(4)
    path = tmp_path / "t.csv"
    path.write_text("\n".join(["a,b,c,d"] + _rows(rng, 200) + [tail]) + "\n")
    pieces, whole, used = _frames(path, monkeypatch)
    assert not used
    pd.testing.assert_frame_equal(pieces, whole)


def test_a_bad_line_is_the_usual_error(tmp_path, monkeypatch):
    rng = np.random.default_rng(5)
    lines = ["a,b,c,d"] + _rows(rng, 200)
    lines[150] += ",7"
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(parallel_csv, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel_csv, "PIECE_BYTES", 60)
    with pytest.raises(DataError, match="line 151 has 5 fields, expected 4"):
        read_frame(path)


def test_read_table_in_pieces_matches(tmp_path, monkeypatch):
    rng = np.random.default_rng(6)
    path = tmp_path / "t.csv"
    path.write_text("\n".join(["a,b,c,d"] + _rows(rng, 300)) + "\n")
    whole = read_table(path, target="a")
    monkeypatch.setattr(parallel_csv, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel_csv, "PIECE_BYTES", 100)
    pieces = read_table(path, target="a")
    np.testing.assert_array_equal(pieces.X, whole.X)
    np.testing.assert_array_equal(pieces.y, whole.y)
    assert str(pieces.report) == str(whole.report)
