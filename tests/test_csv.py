"""pyffnn.datasets.load_csv: good files load exactly, bad files fail with line and column (the cases the first
reader handled, kept through the pandas-based reader)."""
import numpy as np
import pytest

from pyffnn.datasets import DataError, load_csv
from pyffnn.errors import FFNNError


@pytest.fixture
def write(tmp_path):
    def _write(text, name="data.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write


def test_header_and_text_labels(write):
    ds = load_csv(write("x1,x2,species\n0.5,1.5,setosa\n1,2,virginica\n-3e-1,4,setosa\n2,1,versicolor\n"))
    np.testing.assert_array_equal(ds.X, [[0.5, 1.5], [1, 2], [-0.3, 4], [2, 1]])
    assert ds.X.dtype == np.float64 and ds.X.flags.c_contiguous
    assert ds.feature_names == ("x1", "x2") and ds.target_name == "species"
    assert list(ds.classes) == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(ds.y, [0, 2, 0, 1])
    assert ds.y.dtype == np.int64
    assert ds.task == "multiclass" and ds.n_classes == 3 and ds.n_samples == 4 and ds.n_features == 2


def test_no_header_integer_labels_binary(write):
    ds = load_csv(write("0.1,0.2,1\n0.3,0.4,-1\n0.5,0.6,1\n"))
    assert ds.task == "binary"
    assert ds.classes.dtype.kind == "i" and list(ds.classes) == [-1, 1]
    np.testing.assert_array_equal(ds.y, [1, 0, 1])
    assert ds.feature_names == ("x1", "x2") and ds.target_name == "x3"
    np.testing.assert_array_equal(ds.X, [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])


def test_integer_valued_floats_are_classes(write):
    ds = load_csv(write("a,b\n" + "".join(f"{i * 2},{i % 3}.0\n" for i in range(9))), target="b")
    assert ds.task == "multiclass" and list(ds.classes) == [0, 1, 2]


def test_regression_from_non_integers_and_from_many_integers(write):
    ds = load_csv(write("x,y\n0,0.5\n1,1.25\n2,-3\n"))
    assert ds.task == "regression" and ds.classes is None
    assert ds.y.dtype == np.float64
    np.testing.assert_array_equal(ds.y, [0.5, 1.25, -3.0])
    many = "".join(f"{i * 2},{i * 7}\n" for i in range(21))  # 21 distinct integers: more than 20 classes
    ds = load_csv(write(many, "many.csv"))
    assert ds.task == "regression"
    twenty = "".join(f"{i * 2},{i % 20}\n" for i in range(60))
    assert load_csv(write(twenty, "twenty.csv")).task == "multiclass"


def test_semicolon_delimiter_with_decimal_commas(write):
    ds = load_csv(write("x1;x2;label\n1,5;2,25;a\n-0,5;3;b\n"))
    np.testing.assert_array_equal(ds.X, [[1.5, 2.25], [-0.5, 3.0]])
    assert list(ds.classes) == ["a", "b"]


def test_tab_delimiter_quotes_bom_crlf_and_blank_lines(write):
    text = '\ufeff"first, feature"\tx2\t"label"\r\n1\t2\t"yes, really"\r\n\r\n3\t4\tno\r\n'
    ds = load_csv(write(text))
    assert ds.feature_names == ("first, feature", "x2")
    assert list(ds.classes) == ["no", "yes, really"]
    np.testing.assert_array_equal(ds.y, [1, 0])


def test_target_by_index_name_and_negative(write):
    path = write("label,x1,x2\nb,1,2\na,3,4\n")
    for target in (0, -3, "label", "LABEL", "0"):
        ds = load_csv(path, target=target)
        assert ds.target_name == "label" and ds.feature_names == ("x1", "x2")
        np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])
        np.testing.assert_array_equal(ds.y, [1, 0])
    ds = load_csv(path, target=1)  # the text column is now a one-hot encoded feature
    assert ds.feature_names == ("label=a", "label=b", "x2") and ds.target_name == "x1"


def test_no_header_target_in_the_middle(write):
    ds = load_csv(write("1,0,2\n3,1,4\n"), target=1)
    assert ds.feature_names == ("x1", "x3") and ds.target_name == "x2"
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])


def test_header_argument(write):
    path = write("1,2,0\n3,4,1\n5,6,0\n")
    assert load_csv(path, header=True).n_samples == 2
    assert load_csv(path, header=False).n_samples == 3
    with pytest.raises(DataError, match="header must be"):
        load_csv(path, header="maybe")
    assert load_csv(path, header="yes").n_samples == 2 and load_csv(path, header="no").n_samples == 3


def test_trailing_delimiter_column_is_dropped(write):
    ds = load_csv(write("a,b,c,\n1,2,0,\n3,4,1,\n"))
    assert ds.feature_names == ("a", "b") and ds.target_name == "c"


def _error(path, **kwargs):
    with pytest.raises(DataError) as info:
        load_csv(path, **kwargs)
    assert isinstance(info.value, FFNNError) and isinstance(info.value, ValueError)
    return str(info.value)


def test_missing_file(tmp_path):
    msg = _error(tmp_path / "nope.csv")
    assert "no such file" in msg and "nope.csv" in msg


def test_directory(tmp_path):
    assert "is a directory" in _error(tmp_path)


def test_empty_files(write):
    assert "is empty" in _error(write(""))
    assert "is empty" in _error(write("\n  \n\n", "blank.csv"))


def test_header_only(write):
    assert "no data rows" in _error(write("a,b,label\n"))


def test_single_column(write):
    assert "no feature columns are left" in _error(write("1\n2\n3\n"))


def test_ragged_row(write):
    text = "a,b,c,label\n" + "1,2,3,x\n" * 5 + "1,2,x\n"
    assert _error(write(text)).startswith("line 7 has 3 fields, expected 4")


def test_ragged_row_line_numbers_count_blank_lines(write):
    assert _error(write("1,2,0\n\n\n1,2,3,1\n")).startswith("line 4 has 4 fields, expected 3")


def test_missing_feature_value_with_missing_error(write):
    msg = _error(write("a,b,label\n1,2,x\n3,,y\n5,6,x\n"), missing="error")
    assert "line 3, column 'b': missing value" in msg and "missing='impute'" in msg
    msg = _error(write("a,b,label\n1,2,x\n3,4,y\nNA,4,x\n", "na.csv"), missing="error")
    assert "line 4, column 'a': missing value" in msg


def test_non_numeric_feature(write):
    text = "a,b,label\n" + "".join(f"{i},{i + 0.5},{'xy'[i % 2]}\n" for i in range(12)) + "5,abc,x\n"
    msg = _error(write(text))
    assert "line 14, column 'b': 'abc' is not a number" in msg and "drop='b'" in msg


def test_infinite_feature(write):
    msg = _error(write("1,2,0\n3,inf,1\n"))
    assert "line 2, column 'x2'" in msg and "not a finite number" in msg


def test_missing_target_rows_are_left_out_with_a_notice(write):
    ds = load_csv(write("a,b,label\n1,2,x\n3,4,\n5,6,y\n"))
    assert ds.n_samples == 2 and list(ds.rows) == [0, 2]
    assert any("1 row(s) with a missing target 'label' left out" in n for n in ds.report.notices)


def test_only_one_class(write):
    msg = _error(write("a,label\n1,yes\n2,yes\n"))
    assert "only one class" in msg and "'yes'" in msg and "label" in msg


def test_target_out_of_range(write):
    path = write("a,b,label\n1,2,x\n3,4,y\n")
    msg = _error(path, target=3)
    assert "target column 3 is out of range" in msg and "3 columns" in msg
    assert "out of range" in _error(path, target=-4)


def test_unknown_target_name(write):
    msg = _error(write("a,b,label\n1,2,x\n3,4,y\n"), target="class")
    assert "no column named 'class'" in msg and "a, b, label" in msg
    msg = _error(write("1,2,0\n3,4,1\n", "nohead.csv"), target="class")
    assert "no header row" in msg


def test_bad_target_type(write):
    assert "a column name, an index" in _error(write("1,2,0\n3,4,1\n"), target=1.5)


def test_not_utf8_is_read_as_latin1_with_a_notice(write):
    ds = load_csv(write("a,b\n\xe9t\xe9,0\nhiver,1\n\xe9t\xe9,1\n", encoding="latin-1"))
    assert ds.feature_names == ("a=hiver", "a=\xe9t\xe9")
    assert any("not UTF-8" in n and "Latin-1" in n for n in ds.report.notices)


def test_target_index_is_reported(write):
    assert load_csv(write("a,label,b\n1,x,2\n3,y,4\n"), target="label").target_index == 1
    assert load_csv(write("1,2,0\n3,4,1\n", "n.csv")).target_index == 2
