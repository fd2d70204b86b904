"""One class-decision rule and one accuracy, shared by predict_classes, evaluate, fit's logs (counted in C), the
estimators and the command line."""
import numpy as np
import pytest

import pyffnn
from pyffnn import Network
from pyffnn.training.decisions import accuracy, decide


def test_decisions_per_output_kind():
    soft = np.array([[0.2, 0.5, 0.3], [0.4, 0.4, 0.2]])
    np.testing.assert_array_equal(decide(soft, "softmax"), [1, 0])           # first maximum on a tie
    np.testing.assert_array_equal(decide(np.array([[0.7], [0.5]]), "sigmoid"), [1, 0])
    multi = np.array([[0.7, 0.2, 0.9], [0.1, 0.6, 0.4]])
    np.testing.assert_array_equal(decide(multi, "sigmoid"), [[1, 0, 1], [0, 1, 0]])  # multi-label, not argmax
    np.testing.assert_array_equal(decide(np.array([[0.3], [-0.1]]), "linear"), [1, 0])
    np.testing.assert_array_equal(decide(np.array([[0.3, 2.0], [1.0, -1.0]]), "tanh"), [1, 0])


def test_accuracy_is_exact_match_per_sample():
    Y = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 1], [0, 0, 0]], dtype=float)
    out = np.array([[0.9, 0.1, 0.8], [0.2, 0.3, 0.1], [0.6, 0.7, 0.9], [0.4, 0.6, 0.1]])
    # per label 10 of 12 are right, but only samples 0 and 2 have every label right
    assert accuracy(out, Y, "sigmoid") == 0.5
    assert accuracy(out, Y, "linear") is None
    from sklearn.metrics import accuracy_score
    assert accuracy(out, Y, "sigmoid") == accuracy_score(Y, decide(out, "sigmoid"))


def test_predict_classes_of_several_sigmoid_outputs_is_multi_label():
    net = Network("2-4tanh-3sigmoid", random_state=0)
    X = np.random.default_rng(0).normal(size=(10, 2))
    classes = net.predict_classes(X)
    assert classes.shape == (10, 3)
    np.testing.assert_array_equal(classes, (net.predict(X) > 0.5).astype(int))
    np.testing.assert_array_equal(net.predict_classes(X[0]), classes[0])


@pytest.mark.parametrize("spec", ["3-4tanh-3sigmoid", "3-80tanh-80tanh-3sigmoid", "3-5relu-4softmax",
                                  "3-80relu-80relu-4softmax", "3-4tanh-1sigmoid"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fit_accuracy_counted_in_c_equals_evaluate(spec, dtype):
    """fit's accuracy comes from the C core's count during the step; with a vanishing step it must equal
    evaluate's (numpy) accuracy at the starting weights, for the small-network path and the general path."""
    rng = np.random.default_rng(4)
    net = Network(spec, dtype=dtype, random_state=2)
    X = rng.normal(size=(64, 3))
    if net.output_activation == "softmax":
        y = rng.integers(0, net.n_outputs, 64)
    else:
        y = (rng.random((64, net.n_outputs)) > 0.5).astype(float)
    expected = net.evaluate(X, y)["accuracy"]
    lr = 1e-30 if dtype == "float32" else 1e-300
    history = net.fit(X, y, optimizer=pyffnn.SGD(lr=lr), epochs=1, batch_size=None, shuffle=False)
    assert history.history["accuracy"][0] == expected
    if net.n_outputs > 1 and net.output_activation == "sigmoid":
        per_label = np.mean(net.predict_classes(X) == y)
        assert per_label != expected  # the data tells exact match from per-label


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_estimator_score_is_network_accuracy_for_multi_label():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 3))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 2] > 0]).astype(int)
    clf = pyffnn.FFNNClassifier(hidden_layer_sizes=(6,), max_iter=20, random_state=0).fit(X, Y)
    assert clf.score(X, Y) == pytest.approx(clf.network_.evaluate(X, Y)["accuracy"], abs=1e-15)
    np.testing.assert_array_equal(clf.predict(X), clf.network_.predict_classes(X))
