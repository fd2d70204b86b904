"""Dropout in the scikit-learn estimators: the rate reaches every hidden layer, predictions never drop."""
import numpy as np
import pytest

from sklearn.base import clone
from sklearn.datasets import load_digits, make_regression

from pyffnn import FFNNError
from pyffnn.sklearn import FFNNClassifier, FFNNRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


def test_one_rate_reaches_every_hidden_layer_and_predict_is_deterministic(digits):
    X, y = digits
    est = FFNNClassifier((32, 16), dropout=0.3, max_iter=60, learning_rate_init=0.01, random_state=0).fit(X, y)
    assert [ly.dropout for ly in est.network_.layers] == [0.3, 0.3, 0.0]   # never the output layer
    assert np.array_equal(est.predict_proba(X), est.predict_proba(X))
    assert est.score(X, y) > 0.95


def test_per_layer_rates_and_seed_reproducibility(digits):
    X, y = digits
    est = FFNNClassifier((32, 16), dropout=[0.5, 0.0], max_iter=10, random_state=3)
    a = clone(est).fit(X, y).network_.params
    b = clone(est).fit(X, y).network_.params
    assert np.array_equal(a, b)
    assert [ly.dropout for ly in clone(est).fit(X, y).network_.layers] == [0.5, 0.0, 0.0]
    plain = FFNNClassifier((32, 16), max_iter=10, random_state=3).fit(X, y).network_.params
    assert not np.array_equal(a, plain)                 # the masks changed the training
    zero = FFNNClassifier((32, 16), dropout=0.0, max_iter=10, random_state=3).fit(X, y).network_.params
    assert np.array_equal(zero, plain)


def test_regressor_takes_dropout():
    X, y = make_regression(200, 5, noise=0.1, random_state=0)
    est = FFNNRegressor((16,), dropout=0.1, max_iter=20, random_state=0).fit(X, y / y.std())
    assert est.network_.layers[0].dropout == 0.1


@pytest.mark.parametrize("bad, words", [(1.0, "dropout must be a rate in [0, 1)"), (-0.1, "[0, 1)"),
                                        ("0.2", "dropout must be a rate"), ([0.1], "lists 1 rates but there are 2")])
def test_bad_rates_are_clear_errors(digits, bad, words):
    X, y = digits
    with pytest.raises(FFNNError) as err:
        FFNNClassifier((8, 8), dropout=bad, max_iter=2).fit(X, y)
    assert words in str(err.value)


def test_lbfgs_with_dropout_says_what_to_do(digits):
    X, y = digits
    with pytest.raises(FFNNError, match="solver='lbfgs' cannot train with dropout"):
        FFNNClassifier((8,), solver="lbfgs", dropout=0.2).fit(X, y)


def test_summary_shows_the_rates():
    import pyffnn
    text = pyffnn.Network("4-8relu0.25-3softmax").summary()
    assert "dropout 0.25" in text.splitlines()[3] and "dropout" not in text.splitlines()[4]
