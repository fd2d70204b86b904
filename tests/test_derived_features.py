"""Derived inputs (x1², x1·x2, sin x1, ...) in the one data path: parsed, computed before scaling, stored in the
Preprocessor's JSON and so in model files, applied to raw rows by predict (library and command line)."""
import json

import numpy as np
import pandas as pd
import pytest

from pyffnn import Network
from pyffnn.cli import main
from pyffnn.datasets import DataError, Preprocessor, make_circle, playground_features, read_table


@pytest.fixture
def circle():
    X, y = make_circle(n_samples=120, random_state=3)
    frame = pd.DataFrame(X, columns=["x1", "x2"])
    frame["y"] = y
    return frame


def test_text_forms_and_values(circle):
    pre = Preprocessor(target="y", derived=["x1^2", "X2**2", "x1·x2", "sin(x1)", "cos x2"],
                       standardize=False).fit(circle)
    assert pre.feature_names_ == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "cos(x2)"]
    assert pre.encoded_names_ == ["x1", "x2"]
    X = pre.transform(circle)
    x1, x2 = circle["x1"].to_numpy(), circle["x2"].to_numpy()
    np.testing.assert_array_equal(X, np.column_stack([x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(x1), np.cos(x2)]))


def test_derived_columns_are_scaled_with_the_rest_and_derive_matches_transform(circle):
    pre = Preprocessor(target="y", derived=playground_features(["x1", "x2"])).fit(circle)
    X = pre.transform(circle)
    np.testing.assert_allclose(X.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(X.std(0), 1, atol=1e-12)
    base = pre.transform(circle, scale=False, derived=False)
    assert base.shape == (len(circle), 2)
    np.testing.assert_allclose(pre.derive(base, scale=True), X, atol=1e-14)
    with pytest.raises(DataError, match=r"shape \(n, 2\)"):
        pre.derive(X)


@pytest.mark.parametrize("spec, message", [
    ("x3^2", "no feature column 'x3'"), ("tan(x1)", "not understood"), (("product", "x1"), "takes 2 column"),
    ({"op": "cube", "columns": ["x1"]}, "unknown operation 'cube'"), ("x1", "not understood"),
    (["x1^2", "x1^2"], "given twice"),
])
def test_bad_specs_are_clear_errors(circle, spec, message):
    with pytest.raises(DataError, match=message):
        Preprocessor(target="y", derived=spec if isinstance(spec, list) else [spec]).fit(circle)


def test_json_round_trip_and_states_without_derived_features(circle):
    pre = Preprocessor(target="y", derived=["x1*x2", "sin(x2)"]).fit(circle)
    state = json.loads(json.dumps(pre.to_dict()))
    assert state["derived"] == [{"op": "product", "columns": ["x1", "x2"]}, {"op": "sin", "columns": ["x2"]}]
    again = Preprocessor.from_dict(state)
    raw = circle[["x1", "x2"]].to_numpy()[:7]
    np.testing.assert_array_equal(again.transform(raw), pre.transform(circle)[:7])
    old = Preprocessor(target="y").fit(circle).to_dict()
    del old["derived"]                                       # written before derived features existed
    assert Preprocessor.from_dict(old).derived_ == []
    state["derived"] = [{"op": "sin", "columns": ["nosuch"]}]
    with pytest.raises(DataError, match="nosuch"):
        Preprocessor.from_dict(state)
    state["derived"] = "x1^2"
    with pytest.raises(DataError, match="invalid derived"):
        Preprocessor.from_dict(state)


def test_read_table_takes_derived(circle):
    ds = read_table(circle, "y", derived=["x1^2"])
    assert ds.feature_names == ("x1", "x2", "x1^2") and ds.X.shape == (120, 3)


def test_cli_train_with_derived_inputs_predicts_from_raw_columns(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", "--dataset", "circle", "--samples", "200", "--layers", "4tanh", "--epochs", "30",
                 "--derived", "x1^2,x2^2", "--output", str(model), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "3 features" not in out and "4 features" in out
    raw = tmp_path / "raw.csv"
    rows = np.array([[0.0, 0.0], [1.4, -1.3], [0.3, 0.2]])
    raw.write_text("x1,x2\n" + "\n".join(f"{a!r},{b!r}" for a, b in rows.tolist()) + "\n")
    assert main(["predict", str(model), str(raw), "--proba"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    net = Network.load(model)
    pre = Preprocessor.from_dict(net.metadata["preprocessor"])
    p1 = net.predict(pre.transform(rows))[:, 0]
    got = [float(line.split(",")[2]) for line in lines[1:]]
    np.testing.assert_allclose(got, p1, rtol=1e-5)
    assert main(["train", "--dataset", "circle", "--derived", "x9^2", "--output", str(model), "--quiet"]) == 2
    assert "no feature column 'x9'" in capsys.readouterr().err
