"""Per-sample weights: integer weights behave like repeated samples; bad weights are refused."""
import numpy as np
import pytest

import pyffnn
from pyffnn import Network


def data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 3, 6)
    w = np.array([1, 0, 2, 3, 1, 0], dtype=float)
    return X, y, w


def duplicated(X, y, w):
    idx = np.repeat(np.arange(len(w)), w.astype(int))
    return X[idx], y[idx]


@pytest.mark.parametrize("spec", ["3-5tanh-3softmax", "3-4maxout2-2sigmoid", "3-4relu-2linear"])
def test_integer_weights_equal_repeated_samples(spec):
    X, y, w = data()
    net = Network(spec, random_state=0)
    if net.output_activation == "sigmoid":
        y = np.c_[y == 1, y == 2].astype(float)
    elif net.output_activation == "linear":
        y = np.c_[y, -y].astype(float)
    Xd, yd = duplicated(X, y, w)
    lw, gw = net.loss_and_grad(net.params, X, y, sample_weight=w, l2=0.1)
    ld, gd = net.loss_and_grad(net.params, Xd, yd, l2=0.1)
    assert lw == pytest.approx(ld, rel=1e-12)
    np.testing.assert_allclose(gw, gd, rtol=1e-10, atol=1e-13)


def test_full_batch_weighted_fit_equals_fit_on_repeated_samples():
    X, y, w = data(1)
    Xd, yd = duplicated(X, y, w)
    a, b = Network("3-5tanh-3softmax", random_state=0), Network("3-5tanh-3softmax", random_state=0)
    ha = a.fit(X, y, sample_weight=w, optimizer="sgd", lr=0.2, epochs=20, batch_size=None, shuffle=False)
    hb = b.fit(Xd, yd, optimizer="sgd", lr=0.2, epochs=20, batch_size=None, shuffle=False)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-10)


def test_zero_weight_samples_are_ignored_in_minibatches():
    X, y, w = data(2)
    net = Network("3-4tanh-3softmax", random_state=0)
    before = net.params.copy()
    net.fit(X, y, sample_weight=np.zeros(6) + (np.arange(6) == 0), optimizer="sgd", lr=0.1, epochs=1,
            batch_size=1, shuffle=False)
    one = Network("3-4tanh-3softmax", random_state=0)
    one.fit(X[:1], y[:1], optimizer="sgd", lr=0.1, epochs=1, batch_size=1)
    np.testing.assert_allclose(net.params, one.params, rtol=1e-12)
    assert not np.array_equal(before, net.params)


@pytest.mark.parametrize("bad,match", [(np.ones(5), "shape"), (-np.ones(6), ">= 0"),
                                       (np.full(6, np.nan), "finite"), (np.zeros(6), "all zero"),
                                       (["a"] * 6, "numeric")])
def test_bad_sample_weights(bad, match):
    X, y, _ = data()
    net = Network("3-4tanh-3softmax", random_state=0)
    with pytest.raises(pyffnn.FFNNError, match=match):
        net.fit(X, y, sample_weight=bad, epochs=1)
