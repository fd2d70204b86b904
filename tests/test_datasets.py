"""pyffnn.datasets: generators, the BUILTIN registry, train/validation/test split and StandardScaler."""
import json

import numpy as np
import pytest

from pyffnn import datasets as D
from pyffnn.datasets import BUILTIN, DataError, StandardScaler, train_val_test_split

CLASSIFIERS = {"circle": 2, "xor": 2, "blobs": 3, "spiral": 2, "moons": 2}
REGRESSORS = {"sine": 1, "plane": 2, "gaussian": 2, "ripple": 2}


def test_registry_names_and_tasks():
    assert set(BUILTIN) == set(CLASSIFIERS) | set(REGRESSORS)
    for name, info in BUILTIN.items():
        assert info.name == name and callable(info.generator) and info.description
        if name in REGRESSORS:
            assert info.task == "regression" and info.n_classes is None
        else:
            assert info.task == ("binary" if CLASSIFIERS[name] == 2 else "multiclass")
            assert info.n_classes == CLASSIFIERS[name]


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_generators_are_seeded(name):
    gen = BUILTIN[name].generator
    X1, y1 = gen(n_samples=101, noise=0.2, random_state=7)
    X2, y2 = gen(n_samples=101, noise=0.2, random_state=7)
    X3, _ = gen(n_samples=101, noise=0.2, random_state=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_classification_shapes_and_balance(name):
    k = CLASSIFIERS[name]
    X, y = BUILTIN[name].generator(n_samples=203, noise=0.1, random_state=0)
    assert X.shape == (203, 2) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (203,) and y.dtype.kind == "i"
    counts = np.bincount(y)
    assert len(counts) == k and counts.max() - counts.min() <= 1
    assert np.all(np.isfinite(X))
    # shuffled: the labels are not sorted into blocks
    assert np.count_nonzero(np.diff(y)) > 203 // 4


@pytest.mark.parametrize("name", sorted(REGRESSORS))
def test_regression_shapes(name):
    X, y = BUILTIN[name].generator(n_samples=50, noise=0.0, random_state=0)
    assert X.shape == (50, REGRESSORS[name]) and X.dtype == np.float64
    assert y.shape == (50,) and y.dtype == np.float64


def test_noise_free_definitions():
    X, y = D.make_sine(n_samples=500, noise=0.0, random_state=0)
    assert X.min() >= -np.pi and X.max() <= np.pi and X.max() - X.min() > 6.0
    np.testing.assert_allclose(y, np.sin(X[:, 0]))
    X, y = D.make_xor(n_samples=400, noise=0.0, random_state=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    assert np.all(np.abs(X) >= 0.1) and np.all(np.abs(X) <= 1.0)
    X, y = D.make_circle(n_samples=400, noise=0.0, random_state=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.all(r[y == 1] <= 0.5) and np.all((r[y == 0] >= 0.7) & (r[y == 0] <= 1.0))
    X, y = D.make_surface("plane", n_samples=20, noise=0.0, random_state=0)
    np.testing.assert_allclose(y, 0.6 * X[:, 0] - 0.4 * X[:, 1] + 0.2)
    X, y = D.make_surface("gaussian", n_samples=20, noise=0.0, random_state=0)
    assert np.all((y > 0) & (y <= 1))
    X, y = D.make_spirals(n_samples=300, noise=0.0, random_state=0)
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0 + 1e-12)


def test_noise_is_added():
    X0, _ = D.make_sine(n_samples=2000, noise=0.0, random_state=3)
    X1, y1 = D.make_sine(n_samples=2000, noise=0.5, random_state=3)
    np.testing.assert_array_equal(X0, X1)
    assert abs(np.std(y1 - np.sin(X1[:, 0])) - 0.5) < 0.05


@pytest.mark.parametrize("k", [2, 4, 7])
def test_blobs_and_spirals_n_classes(k):
    for gen in (D.make_blobs, D.make_spirals):
        _, y = gen(n_samples=70, n_classes=k, random_state=1)
        assert sorted(set(y.tolist())) == list(range(k))
        assert np.bincount(y).min() == 70 // k


def test_generator_argument_errors():
    with pytest.raises(DataError, match="n_samples must be an integer"):
        D.make_moons(n_samples=10.5)
    with pytest.raises(DataError, match="n_samples must be at least 4"):
        D.make_xor(n_samples=3)
    with pytest.raises(DataError, match="noise must be a finite number >= 0"):
        D.make_circle(noise=-0.1)
    with pytest.raises(DataError, match="n_classes must be an integer >= 2"):
        D.make_blobs(n_classes=1)
    with pytest.raises(DataError, match="unknown surface kind 'wave'"):
        D.make_surface("wave")


def test_load_builtin():
    ds = D.load_builtin("blobs", n_samples=30, noise=0.2, random_state=4)
    X, y = D.make_blobs(n_samples=30, noise=0.2, random_state=4)
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.y, y)
    assert ds.task == "multiclass" and list(ds.classes) == [0, 1, 2]
    assert ds.feature_names == ("x1", "x2") and ds.target_name == "y"
    assert D.load_builtin("sine", n_samples=5).classes is None
    with pytest.raises(DataError, match="unknown data set 'nope'"):
        D.load_builtin("nope")


# ----------------------------------------------------------------------------------------------- split

def _split_data(n=100):
    X = np.arange(2 * n, dtype=float).reshape(n, 2)
    y = np.r_[np.zeros(n - n // 5, int), np.ones(n // 5, int)]  # 80/20 imbalance
    return X, y


def test_split_sizes_partition_and_seed():
    X, y = _split_data()
    parts = train_val_test_split(X, y, val=0.15, test=0.25, random_state=0)
    Xtr, Xva, Xte, ytr, yva, yte = parts
    assert (len(Xtr), len(Xva), len(Xte)) == (60, 15, 25)
    assert (len(ytr), len(yva), len(yte)) == (60, 15, 25)
    rows = np.concatenate([Xtr, Xva, Xte])[:, 0]
    assert sorted(rows.tolist()) == sorted(X[:, 0].tolist())  # a partition: nothing lost or repeated
    for Xp, yp in ((Xtr, ytr), (Xva, yva), (Xte, yte)):
        np.testing.assert_array_equal(y[(Xp[:, 0] // 2).astype(int)], yp)  # rows and labels stay paired
    again = train_val_test_split(X, y, val=0.15, test=0.25, random_state=0)
    for a, b in zip(parts, again):
        np.testing.assert_array_equal(a, b)
    other = train_val_test_split(X, y, val=0.15, test=0.25, random_state=1)
    assert not np.array_equal(parts[0], other[0])


def test_split_counts_and_empty_parts():
    X, y = _split_data(40)
    Xtr, Xva, Xte, *_ = train_val_test_split(X, y, val=0, test=10, random_state=0)
    assert Xtr.shape == (30, 2) and Xva.shape == (0, 2) and Xte.shape == (10, 2)


def test_stratified_split_keeps_proportions():
    X, y = _split_data(200)  # 160 zeros, 40 ones
    _, _, _, ytr, yva, yte = train_val_test_split(X, y, val=0.15, test=0.15, random_state=0, stratify=True)
    assert (len(ytr), len(yva), len(yte)) == (140, 30, 30)
    assert yva.sum() == 6 and yte.sum() == 6 and ytr.sum() == 28
    # explicit labels give the same as stratify=True
    again = train_val_test_split(X, y, val=0.15, test=0.15, random_state=0, stratify=y)
    np.testing.assert_array_equal(again[3], ytr)
    # split parts are shuffled, not grouped by class
    assert np.count_nonzero(np.diff(ytr)) > 5


def test_stratified_split_text_labels_and_rare_class():
    X = np.arange(23.0).reshape(-1, 1)
    labels = np.array(["a"] * 20 + ["b"] * 3)
    _, _, _, ytr, yva, yte = train_val_test_split(X, labels, val=0.2, test=0.2, random_state=0, stratify=True)
    assert (len(ytr), len(yva), len(yte)) == (13, 5, 5)
    assert (ytr == "b").sum() >= 1


def test_split_errors():
    X, y = _split_data(10)
    with pytest.raises(DataError, match="same number of samples"):
        train_val_test_split(X, y[:-1])
    with pytest.raises(DataError, match="leave no training samples"):
        train_val_test_split(X, y, val=0.5, test=0.5)
    with pytest.raises(DataError, match=r"must be a fraction in \[0, 1\)"):
        train_val_test_split(X, y, val=-0.1)
    with pytest.raises(DataError, match="stratify must be"):
        train_val_test_split(X, y, stratify=y[:3])


# ---------------------------------------------------------------------------------------------- scaler

def test_scaler_matches_sklearn():
    sk = pytest.importorskip("sklearn.preprocessing")
    rng = np.random.default_rng(0)
    X = rng.normal([3.0, -200.0, 0.001], [10.0, 0.5, 1e-4], size=(50, 3))
    X[:, 1] = 7.0  # a constant column
    ours, ref = StandardScaler(), sk.StandardScaler()
    Z = ours.fit_transform(X)
    np.testing.assert_allclose(Z, ref.fit_transform(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.mean_, ref.mean_, rtol=1e-14)
    np.testing.assert_allclose(ours.scale_, ref.scale_, rtol=1e-12)
    assert ours.scale_[1] == 1.0 and np.all(Z[:, 1] == 0)
    X_new = rng.normal(size=(5, 3))
    np.testing.assert_allclose(ours.transform(X_new), ref.transform(X_new), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(Z), X, rtol=1e-12)


def test_scaler_round_trips_through_json():
    X = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]])
    scaler = StandardScaler().fit(X)
    state = json.loads(json.dumps(scaler.to_dict()))
    again = StandardScaler.from_dict(state)
    np.testing.assert_array_equal(again.mean_, scaler.mean_)
    np.testing.assert_array_equal(again.scale_, scaler.scale_)
    np.testing.assert_array_equal(again.transform(X), scaler.transform(X))
    np.testing.assert_allclose(again.transform(np.array([3.0, 10.0])), [0.0, 0.0])  # one sample, 1-D


def test_scaler_errors():
    with pytest.raises(DataError, match="not fitted"):
        StandardScaler().transform([[1.0]])
    with pytest.raises(DataError, match="not fitted"):
        StandardScaler().to_dict()
    scaler = StandardScaler().fit([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(DataError, match="X has 3 features, but the scaler was fitted on 2"):
        scaler.transform([[1.0, 2.0, 3.0]])
    with pytest.raises(DataError, match="NaN or infinity"):
        scaler.transform([[np.nan, 1.0]])
    with pytest.raises(DataError, match=r"shape \(n_samples, n_features\)"):
        StandardScaler().fit([1.0, 2.0])
    with pytest.raises(DataError, match="not a StandardScaler state"):
        StandardScaler.from_dict({"mean": [0.0]})
    with pytest.raises(DataError, match="scale > 0"):
        StandardScaler.from_dict({"mean": [0.0], "scale": [0.0]})
