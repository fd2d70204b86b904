"""split_table: one split-and-scale path for the command line and the app, fitted on the training rows only."""
import numpy as np
import pandas as pd
import pytest

from pyffnn import datasets


def frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(5.0, 2.0, n), "b": rng.normal(-3.0, 0.5, n),
                       "colour": rng.choice(["red", "green"], n)})
    df["label"] = np.where(df["a"] + rng.normal(0, 0.5, n) > 5, "yes", "no")
    return df


def test_parts_cover_every_row_once_and_scaling_comes_from_training_rows():
    table = datasets.read_frame(frame())
    sp = datasets.split_table(table, target="label", val=0.2, test=0.1, random_state=3)
    tr, va, te = (sp.indices[p] for p in ("train", "val", "test"))
    assert (len(tr), len(va), len(te)) == (140, 40, 20)
    assert sorted(np.concatenate([tr, va, te]).tolist()) == list(range(200))
    X_tr = sp.X("train")
    np.testing.assert_allclose(X_tr.mean(0), 0.0, atol=1e-12)          # scaled by the training rows' statistics
    np.testing.assert_allclose(X_tr.std(0), 1.0, atol=1e-12)
    raw = sp.X("train", scale=False)
    np.testing.assert_allclose(sp.preprocessor.scaler_.mean_, raw.mean(0))
    np.testing.assert_allclose(sp.X("val"), sp.preprocessor.scaler_.transform(sp.X("val", scale=False)))
    assert set(sp.y("train")) == {0, 1} and sp.dataset.task == "binary"


def test_classification_is_stratified_and_seeded():
    table = datasets.read_frame(frame(300, seed=1))
    a = datasets.split_table(table, target="label", val=0.2, test=0.2, random_state=7)
    b = datasets.split_table(table, target="label", val=0.2, test=0.2, random_state=7)
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(a.indices[part], b.indices[part])
    share = a.dataset.y.mean()
    for part in ("val", "test"):
        assert abs(a.y(part).mean() - share) <= 1.0 / len(a.y(part)) + 1e-12


def test_stratify_auto_falls_back_and_true_raises_for_tiny_classes(monkeypatch):
    table = datasets.read_frame(frame(40))
    calls = []
    real = datasets.train_val_test_split

    def fussy(*args, stratify=None, **kw):
        calls.append(stratify is not None)
        if stratify is not None:
            raise datasets.DataError("too few samples per class")
        return real(*args, **kw)

    monkeypatch.setattr("pyffnn.data.table_split.train_val_test_split", fussy)
    sp = datasets.split_table(table, target="label", random_state=0)
    assert calls == [True, False] and len(sp.indices["train"]) > 0
    with pytest.raises(datasets.DataError):
        datasets.split_table(table, target="label", stratify=True, random_state=0)
    with pytest.raises(datasets.DataError, match="stratify"):
        datasets.split_table(table, target="label", stratify="yes")


def test_empty_parts_unscaled_features_and_derived_inputs():
    df = frame(50)[["a", "b", "label"]]
    table = datasets.read_frame(df)
    derived = datasets.playground_features(["a", "b"])[:1]
    sp = datasets.split_table(table, target="label", val=0, test=0, standardize=False, derived=derived)
    assert sp.X("val").shape == (0, 3) and sp.X("val", derived=False).shape == (0, 2)
    np.testing.assert_allclose(sp.X("train", derived=False), df[["a", "b"]].to_numpy()[sp.indices["train"]])
    assert sp.X("train").shape == (50, 3)


def test_regression_targets_and_a_given_dataset():
    df = frame(60)
    df["value"] = 2.0 * df["a"]
    table = datasets.read_frame(df)
    ds = datasets.read_table(df, target="value")
    sp = datasets.split_table(table, ds, target="value", random_state=0)
    assert sp.dataset is ds and sp.dataset.task == "regression"
    np.testing.assert_allclose(sp.y("test"), 2.0 * df["a"].to_numpy()[ds.rows[sp.indices["test"]]])
