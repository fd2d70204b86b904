"""The lecture's perceptron against scikit-learn's, and its convergence on separable data."""
import numpy as np
import pytest

import pyffnn


def separable(n=200, d=3, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=d)
    X = rng.normal(size=(n, d))
    margin = X @ w + 0.3
    keep = np.abs(margin) > 0.2
    X, margin = X[keep], margin[keep]
    return X, np.where(margin > 0, 1, -1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_identical_to_scikit_learn_perceptron(seed):
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = separable(seed=seed)
    ours = pyffnn.Perceptron(max_epochs=1000).fit(X, y)
    ref = sk.Perceptron(eta0=1, shuffle=False, tol=None, penalty=None, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_[0], rtol=0, atol=1e-12)
    assert ours.intercept_ == pytest.approx(ref.intercept_[0], abs=1e-12)
    assert ours.converged_ and ours.n_updates_ > 0
    assert (ours.predict(X) == y).all()


def test_zero_one_labels_and_xor_does_not_converge():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    and_y = np.array([0, 0, 0, 1])
    p = pyffnn.Perceptron().fit(X, and_y)
    assert p.converged_ and (p.predict(X) == and_y).all()
    xor = pyffnn.Perceptron(max_epochs=50).fit(X, np.array([0, 1, 1, 0]))
    assert not xor.converged_ and xor.n_epochs_ == 50  # not linearly separable


def test_strict_condition_would_never_update_from_zero_weights():
    # With zero weights every margin is 0; the corrected rule (<= 0) updates on the first sample.
    X, y = separable(20)
    p = pyffnn.Perceptron(max_epochs=1).fit(X, y)
    assert p.n_updates_ >= 1


def test_bad_labels_are_rejected():
    with pytest.raises(pyffnn.FFNNError, match="labels"):
        pyffnn.Perceptron().fit(np.zeros((3, 2)), [0, 1, 2])
    with pytest.raises(pyffnn.FFNNError, match="not fitted"):
        pyffnn.Perceptron().predict(np.zeros((1, 2)))
