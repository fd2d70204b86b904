"""read_table / Preprocessor on real tables that packages ship and on synthetic messy files."""
import bz2
import gzip
import json
import lzma
import os
import zipfile

import numpy as np
import pandas as pd
import pytest

from pyffnn import Network
from pyffnn.datasets import DataError, DataWarning, Preprocessor, read_frame, read_table

sklearn = pytest.importorskip("sklearn")
SK_DATA = os.path.join(os.path.dirname(sklearn.__file__), "datasets", "data")


def penguins_path():
    palmerpenguins = pytest.importorskip("palmerpenguins")
    return os.path.join(os.path.dirname(palmerpenguins.__file__), "data", "penguins.csv")


# ----- real tables -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, loader, n_features", [("iris.csv", "load_iris", 4), ("wine_data.csv", "load_wine", 13),
                                                      ("breast_cancer.csv", "load_breast_cancer", 30)])
def test_sklearn_bundled_csvs_with_their_metadata_line(name, loader, n_features):
    ref = getattr(sklearn.datasets, loader)()
    ds = read_table(os.path.join(SK_DATA, name), skip_rows=1, header="no")
    assert ds.X.shape == (len(ref.target), n_features)
    np.testing.assert_allclose(ds.X, ref.data)
    np.testing.assert_array_equal(ds.y, ref.target)
    assert ds.task == ("binary" if len(set(ref.target)) == 2 else "multiclass")
    assert "classes" in ds.report.task_reason


def test_metadata_line_without_skip_rows_says_how_to_skip_it():
    with pytest.raises(DataError, match=r"line 2 has 31 fields, expected 4 .as on line 1.*skip_rows=N"):
        read_table(os.path.join(SK_DATA, "breast_cancer.csv"))


def test_whitespace_separated_gzip_table():
    ds = read_table(os.path.join(SK_DATA, "diabetes_data_raw.csv.gz"), task="regression")
    ref = sklearn.datasets.load_diabetes(scaled=False)
    np.testing.assert_allclose(ds.X, ref.data[:, :9])
    np.testing.assert_allclose(ds.y, ref.data[:, 9])


def test_penguins_species_text_columns_missing_cells_and_report():
    ds = read_table(penguins_path(), target="species")
    ref = pd.read_csv(penguins_path())
    assert ds.n_samples == len(ref) == 344 and ds.task == "multiclass"
    assert list(ds.classes) == ["Adelie", "Chinstrap", "Gentoo"]
    rep = ds.report
    assert rep.column("island").kind == "categorical" and rep.column("island").role == "feature"
    assert rep.column("sex").n_missing == 11 and rep.column("species").role == "target"
    assert "island=Biscoe" in ds.feature_names and "bill_length_mm (missing)" in ds.feature_names
    # imputation: the mean of the present values, and the indicator marks the imputed cells
    j = ds.feature_names.index("bill_length_mm")
    miss = ref["bill_length_mm"].isna().to_numpy()
    np.testing.assert_allclose(ds.X[miss, j], ref["bill_length_mm"].mean())
    np.testing.assert_array_equal(ds.X[:, j + 1], miss)
    # one-hot: exactly one 1 per row, matching pandas' own dummies
    np.testing.assert_array_equal(ds.X[:, [ds.feature_names.index(f"island={c}") for c in ("Biscoe", "Dream",
                                                                                          "Torgersen")]],
                                  pd.get_dummies(ref["island"]).to_numpy(dtype=float))
    text = rep.format()
    assert "task: multiclass ('species' holds text: 3 classes)" in text and "344 rows" in text


def test_penguins_saved_with_its_index_leaves_the_index_out(tmp_path):
    path = tmp_path / "p.csv"
    pd.read_csv(penguins_path()).to_csv(path)  # pandas writes an unnamed running index first
    ds = read_table(path, target="species")
    assert ds.report.column("column1").kind == "identifier" and ds.report.column("column1").role == "ignored"
    assert not any(f.startswith("column1") for f in ds.feature_names)
    assert any("'column1' left out" in n for n in ds.report.notices)
    # the same through a DataFrame that still has pandas' 'Unnamed: 0' column
    ds2 = read_table(pd.read_csv(path), target="species")
    assert ds2.feature_names == ds.feature_names
    np.testing.assert_array_equal(ds2.X, ds.X)


def test_penguins_body_mass_is_regression_and_missing_target_rows_are_dropped():
    ds = read_table(penguins_path(), target="body_mass_g")
    assert ds.task == "regression" and ds.n_samples == 342 and ds.y.dtype == np.float64
    assert "94 distinct integers" in ds.report.task_reason


def test_integer_target_with_a_value_per_row_is_regression_and_task_can_be_forced(tmp_path):
    # like statsmodels' longley: 16 years, an integer employment total per year
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"gnp": rng.normal(400, 50, 16).round(1), "pop": rng.normal(117, 5, 16).round(3),
                          "totemp": rng.integers(60000, 70000, 16)})
    ds = read_table(frame, target="totemp")
    assert ds.task == "regression" and "too few rows per value" in ds.report.task_reason
    few = pd.DataFrame({"x": np.arange(30) * 0.5, "grade": np.arange(30) % 3})
    assert read_table(few, target="grade").task == "multiclass"
    forced = read_table(few, target="grade", task="regression")
    assert forced.task == "regression" and forced.report.task_reason == "task='regression' was asked for: regression"
    with pytest.raises(DataError, match="task='regression', but the target 'sex' holds categorical values"):
        read_table(penguins_path(), target="sex", task="regression")


# ----- messy files -------------------------------------------------------------------------------------------------

MESSY = ("id;when;ok;colour;size;price\n"
         + "".join(f"{i + 1};2024-01-{i % 28 + 1:02d};{'yes' if i % 3 else 'no'};{['red', 'green', 'blue'][i % 3]};"
                   f"{'' if i % 7 == 3 else f'{i % 5},{i % 10}'};{10 + i * 0.5:.1f}\n".replace(".", ",", 1)
                   for i in range(30)))


def _write(path, text, opener=open):
    with opener(path, "wb") as fh:
        fh.write(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("suffix, opener", [(".csv", open), (".csv.gz", gzip.open), (".csv.bz2", bz2.open),
                                            (".csv.xz", lzma.open)])
def test_messy_file_kinds_in_every_compression(tmp_path, suffix, opener):
    ds = read_table(_write(tmp_path / f"m{suffix}", MESSY, opener), target="price")
    rep = ds.report
    kinds = {c.name: (c.kind, c.role) for c in rep.columns}
    assert kinds == {"id": ("identifier", "ignored"), "when": ("datetime", "ignored"), "ok": ("boolean", "feature"),
                     "colour": ("categorical", "feature"), "size": ("numeric", "feature"),
                     "price": ("numeric", "target")}
    assert ds.feature_names == ("ok", "colour=blue", "colour=green", "colour=red", "size", "size (missing)")
    assert ds.task == "regression"
    np.testing.assert_allclose(ds.y, 10 + np.arange(30) * 0.5)            # decimal commas
    size = np.array([np.nan if i % 7 == 3 else i % 5 + (i % 10) / 10 for i in range(30)])
    np.testing.assert_allclose(ds.X[:, 4], np.where(np.isnan(size), np.nanmean(size), size))
    np.testing.assert_array_equal(ds.X[:, 0], [0.0 if i % 3 == 0 else 1.0 for i in range(30)])


def test_zip_bom_crlf_quotes_comments_and_pipe(tmp_path):
    text = '\ufeff# exported by a tool\r\n# second comment\r\n"a"|"b, c"|label\r\n1|2|"x|y"\r\n3|4|z\r\n5|6|z\r\n'
    path = tmp_path / "t.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("t.csv", text)
    ds = read_table(path)
    assert ds.feature_names == ("a", "b, c") and list(ds.classes) == ["x|y", "z"]
    assert any("comment" in n for n in ds.report.notices)


def test_thousands_separators_na_markers_and_true_false(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('n,flag,y\n"1,234",True,a\n"12,000.5",False,b\nNA,True,a\n?,False,b\n7,,a\n')
    ds = read_table(path)
    np.testing.assert_allclose(ds.X[:2, 0], [1234, 12000.5])
    assert ds.report.column("n").n_missing == 2 and ds.report.column("flag").kind == "boolean"


def test_header_no_and_skip_rows_and_comment_option(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("title line\n1,2,0\n3,4,1 # trailing\n5,6,0\n")
    ds = read_table(path, skip_rows=1, header="no", comment="#")
    assert ds.feature_names == ("x1", "x2") and ds.n_samples == 3


def test_missing_policies(tmp_path):
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0], "c": ["u", "v", None, "u"], "y": [0, 1, 0, 1]})
    imp = read_table(frame, target="y")
    assert imp.feature_names == ("a", "a (missing)", "c=u", "c=v")
    np.testing.assert_allclose(imp.X[1, :2], [8 / 3, 1])
    np.testing.assert_array_equal(imp.X[2, 2:], [1, 0])                   # most frequent category
    drop = read_table(frame, target="y", missing="drop")
    assert drop.n_samples == 2 and list(drop.rows) == [0, 3] and drop.feature_names == ("a", "c=u", "c=v")
    with pytest.raises(DataError, match="row 2, column 'a': missing value"):
        read_table(frame, target="y", missing="error")


def test_roles_drop_features_kinds_and_multiple_targets():
    frame = pd.DataFrame({"id": np.arange(40), "x": np.linspace(0, 1, 40), "k": np.arange(40) % 4,
                          "t1": np.arange(40) % 2 == 0, "t2": ["yes", "no"] * 20, "r1": np.linspace(0, 2, 40) ** 2,
                          "r2": np.sin(np.arange(40.0))})
    ml = read_table(frame, target=["t1", "t2"], drop=["r1", "r2"], kinds={"k": "categorical"})
    assert ml.task == "multilabel" and ml.y.shape == (40, 2) and list(ml.classes) == ["t1", "t2"]
    assert ml.feature_names == ("x", "k=0", "k=1", "k=2", "k=3")
    np.testing.assert_array_equal(ml.y[:, 0], frame["t1"].astype(float))
    np.testing.assert_array_equal(ml.y[:, 1], (frame["t2"] == "yes").astype(float))
    mo = read_table(frame, target=["r1", "r2"], features=["id"], drop=["t1", "t2"])
    assert mo.task == "regression" and mo.y.shape == (40, 2) and mo.feature_names[0] == "id"
    with pytest.raises(DataError, match="several targets must all be numbers"):
        read_table(frame, target=["t1", "r1"])
    with pytest.raises(DataError, match="both the target and dropped"):
        read_table(frame, target="x", drop="x")


def test_errors_name_line_and_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "1,2,0\n" * 5 + "1,2\n")
    with pytest.raises(DataError, match="line 7 has 2 fields, expected 3"):
        read_table(path)
    with pytest.raises(DataError, match="looks like a binary file"):
        read_table(_write(tmp_path / "bin.csv", "a,b\x00\n"))
    with pytest.raises(DataError, match="no such file"):
        read_table(tmp_path / "nope.csv")


# ----- the fitted preprocessing ------------------------------------------------------------------------------------

def test_preprocessor_json_round_trip_and_raw_rows():
    table = read_frame(penguins_path())
    pre = Preprocessor(target="species").fit(table)
    state = json.loads(json.dumps(pre.to_dict()))
    back = Preprocessor.from_dict(state)
    X = pre.transform(table)
    np.testing.assert_array_equal(back.transform(table), X)
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-12)              # standardised by default
    # columns by name: order and extra columns do not matter; a missing column is a clear error
    frame = table.frame.drop(columns=["species"]).iloc[:, ::-1].assign(extra=1)
    np.testing.assert_array_equal(back.transform(frame), X)
    with pytest.raises(DataError, match="column 'island' is missing; the model needs the columns: island"):
        back.transform(frame.drop(columns=["island"]))
    # raw rows with a missing cell and an unseen category
    rows = pd.DataFrame({"island": ["Dream", "Atlantis"], "bill_length_mm": [40.0, None], "bill_depth_mm": [18, 18],
                         "flipper_length_mm": [190, 190], "body_mass_g": ["3,500", 3500], "sex": [None, "male"],
                         "year": [2008, 2008]})
    with pytest.warns(DataWarning, match="column 'island': 1 row.*'Atlantis'.*all zeros"):
        Z = back.transform(rows)
    raw = Z * back.scaler_.scale_ + back.scaler_.mean_
    names = back.feature_names_
    assert np.isclose(raw[1, names.index("bill_length_mm (missing)")], 1)
    assert np.isclose(raw[0, names.index("body_mass_g")], 3500)
    assert all(np.isclose(raw[1, names.index(f"island={c}")], 0) for c in ("Biscoe", "Dream", "Torgersen"))
    with pytest.raises(DataError, match="not a valid preprocessing state|not a pyffnn preprocessing state"):
        Preprocessor.from_dict({**state, "columns": [{"name": "a", "kind": "numeric"}]})


def test_model_file_keeps_the_preprocessing_and_predicts_raw_rows(tmp_path):
    table = read_frame(penguins_path())
    pre = Preprocessor(target="species").fit(table)
    rows = pre.usable_rows(table)
    X, y = pre.transform(table, rows), pre.target_values(table, rows)
    net = Network(f"{X.shape[1]}-8tanh-3softmax", random_state=0)
    net.fit(X, y, epochs=30, lr=0.01, random_state=0)
    net.save(tmp_path / "m.npz", metadata={"preprocessor": pre.to_dict()})
    loaded = Network.load(tmp_path / "m.npz")
    back = Preprocessor.from_dict(loaded.metadata["preprocessor"])
    labels = back.decode(loaded.predict(back.transform(pd.read_csv(penguins_path()))))
    assert np.mean(labels == pd.read_csv(penguins_path())["species"].to_numpy()) > 0.95


def test_network_fit_on_a_text_dataframe_says_to_encode_it():
    frame = pd.read_csv(penguins_path()).dropna()
    net = Network("7-4tanh-1sigmoid")
    with pytest.raises(Exception, match="Preprocessor|read_table"):
        net.fit(frame.drop(columns=["species"]), (frame["species"] == "Adelie").astype(int), epochs=1)


def test_column_transformer_pipeline_example_from_the_docs():
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from pyffnn import FFNNClassifier

    penguins = pd.read_csv(penguins_path())
    X, y = penguins.drop(columns=["species"]), penguins["species"]
    numeric = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="mean", add_indicator=True), StandardScaler()), numeric),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")),
         ["island", "sex"]),
    ])
    model = make_pipeline(prep, FFNNClassifier(hidden_layer_sizes=(16,), max_iter=200, random_state=0))
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) > 0.95
