"""The one-sample (latency) path of Network.forward: a (n_inputs,) array and a (1, n_inputs) array take it, and it
gives the bits the batched path gives; what it cannot take (other dtypes, strides, non-finite values) still goes
through the checked path with its errors."""
import numpy as np
import pytest

from pyffnn import FFNNError, Network


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_one_row_and_one_sample_match_the_batch_bitwise(dtype):
    net = Network("784-256relu-10softmax", dtype=dtype, random_state=0)
    X = np.random.default_rng(0).standard_normal((5, 784)).astype(dtype)
    batch = net.forward(X)
    for i in range(5):
        row = net.forward(X[i:i + 1])
        assert row.shape == (1, 10) and row.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(row[0], batch[i])
        np.testing.assert_array_equal(net.forward(X[i]), batch[i])
        np.testing.assert_array_equal(net.predict(X[i:i + 1]), row)
    # a fresh output array each call: the caller may keep it
    a, b = net.forward(X[:1]), net.forward(X[1:2])
    assert not np.shares_memory(a, b)


def test_one_row_with_other_dtype_or_layout_goes_through_the_checked_path():
    net = Network("3-4tanh-2softmax", dtype="float64", random_state=0)
    x = np.array([[0.5, -1.0, 2.0]])
    ref = net.forward(x)
    np.testing.assert_array_equal(net.forward(x.astype(np.float32)), ref)
    np.testing.assert_array_equal(net.forward(np.asfortranarray(np.repeat(x, 2, axis=0))[:1]), ref)
    np.testing.assert_array_equal(net.forward(x.tolist()), ref)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_one_row_with_a_non_finite_value_is_refused(bad):
    net = Network("3-4tanh-2softmax", dtype="float64", random_state=0)
    with pytest.raises(FFNNError):
        net.forward(np.array([[0.5, bad, 2.0]]))
    with pytest.raises(FFNNError):
        net.forward(np.array([0.5, bad, 2.0]))


def test_one_row_of_the_wrong_width_is_refused():
    net = Network("3-4tanh-2softmax", dtype="float64", random_state=0)
    with pytest.raises(FFNNError):
        net.forward(np.zeros((1, 4)))
