"""The command line on real-world table files: --delimiter, and a gzip-compressed semicolon file with decimal commas
and missing cells through `pyffnn train` and `pyffnn predict`."""
import csv
import gzip
import io
import re

import numpy as np
import pytest

from pyffnn import Network
from pyffnn.cli import main
from pyffnn.datasets import DataError, read_frame, read_table


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _table(n=240, seed=0):
    """Rows (id, width, height, colour, label): the label follows width and height; some cells are missing."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        w, h = rng.uniform(0, 10, size=2)
        label = "big" if w + h > 10 else "small"
        colour = ["red", "green", "blue"][i % 3]
        cells = [f"id{i:04d}", f"{w:.3f}".replace(".", ","), f"{h:.3f}".replace(".", ","), colour, label]
        if i % 17 == 5:
            cells[1] = ""  # a missing number
        if i % 23 == 7:
            cells[3] = "NA"  # a missing category
        rows.append(cells)
    return ["id", "width", "height", "colour", "label"], rows


def _gzip_semicolon(path, header, rows):
    with gzip.open(path, "wt", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(header)
        w.writerows(rows)


def test_gzip_semicolon_decimal_commas_missing_cells_train_and_predict(tmp_path, capsys):
    header, rows = _table()
    data = tmp_path / "shapes.csv.gz"
    _gzip_semicolon(data, header, rows)
    model = tmp_path / "shapes.npz"
    code, out, err = run(capsys, "train", data, "--target", "label", "--layers", "16tanh", "--epochs", 150,
                         "--lr", 0.05, "--seed", 0, "--quiet", "-o", model)
    assert code == 0, err
    assert "width" in out and "numeric" in out and "categorical" in out  # the data report
    assert "left out" in out and "'id'" in out  # an identifier column is not a feature
    acc = float(re.search(r"^test\s+n=\d+\s+loss=\S+\s+accuracy=([0-9.]+)", out, re.MULTILINE).group(1))
    assert acc > 0.85, out
    pre = Network.load(model).metadata["preprocessor"]
    assert pre["decimal"] == "," and [c["name"] for c in pre["columns"]] == ["width", "height", "colour"]
    assert next(c for c in pre["columns"] if c["name"] == "width")["indicator"] is True

    # new raw rows: gzip, semicolons, decimal commas, missing cells, an unseen category, no label column
    new_rows = [["x1", "9,5", "8,0", "red"], ["x2", "0,5", "", "green"], ["x3", "", "1,0", "NA"],
                ["x4", "7,0", "6,5", "purple"]]
    new = tmp_path / "new.csv.gz"
    _gzip_semicolon(new, ["id", "width", "height", "colour"], new_rows)
    out_csv = tmp_path / "pred.csv"
    code, out, err = run(capsys, "predict", model, new, "--keep", "id", "-o", out_csv)
    assert code == 0, err
    assert "purple" in err and "Traceback" not in err  # the unseen category is a note, not a failure
    got = list(csv.reader(io.StringIO(out_csv.read_text())))
    assert got[0][0] == "id" and [r[0] for r in got[1:]] == ["x1", "x2", "x3", "x4"]
    assert got[1][-1] == "big" and all(r[-1] in ("big", "small") for r in got[1:])


def test_delimiter_overrides_sniffing_in_the_library_and_the_cli(tmp_path, capsys):
    # no header, decimal commas in semicolon fields: sniffing sees three comma fields per line
    path = tmp_path / "t.csv"
    rng = np.random.default_rng(1)
    lines = [f"{a:.2f};{b:.2f};{int(a + b > 5)}".replace(".", ",") for a, b in rng.uniform(0, 5, size=(40, 2))]
    path.write_text("\n".join(lines) + "\n")
    assert read_frame(path, header="no").delimiter == ","
    table = read_frame(path, header="no", delimiter=";")
    assert table.delimiter == ";" and table.decimal == "," and table.frame.shape == (40, 3)
    assert table.frame["x1"].iloc[0] == float(lines[0].split(";")[0].replace(",", "."))
    model = tmp_path / "m.npz"
    code, out, err = run(capsys, "train", path, "--header", "no", "--delimiter", ";", "--epochs", 2, "--quiet",
                         "-o", model)
    assert code == 0, err
    assert "40 rows, 3 columns" in out
    assert Network.load(model).metadata["source"]["delimiter"] == ";"
    code, out, err = run(capsys, "predict", model, path, "--header", "no", "--delimiter", ";")
    assert code == 0, err
    assert len(out.strip().splitlines()) == 41  # a header line and one prediction per row


@pytest.mark.parametrize("spelling, sep", [("\\t", "\t"), ("tab", "\t"), ("\t", "\t"), ("whitespace", None),
                                           (";", ";"), ("|", "|")])
def test_delimiter_spellings(tmp_path, spelling, sep):
    path = tmp_path / "t.txt"
    rows = [["a", "b", "c"]] + [[str(i), str(i * 2), str(i % 2)] for i in range(12)]
    joiner = sep if sep is not None else "   "
    path.write_text("\n".join(joiner.join(r) for r in rows) + "\n")
    ds = read_table(path, target="c", delimiter=spelling)
    assert ds.feature_names == ("a", "b") or ds.feature_names == ("b",)  # 'a' is a running index
    assert ds.X.shape[0] == 12


def test_a_bad_delimiter_is_one_line_exit_2(tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    with pytest.raises(DataError, match="delimiter 'ab' is not usable"):
        read_frame(path, delimiter="ab")
    with pytest.raises(SystemExit) as exc:
        main(["train", str(path), "--delimiter", "ab"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--delimiter" in err and "'whitespace'" in err and "Traceback" not in err
