"""class_weight (scikit-learn's semantics) and optimizer="lbfgs" (SciPy's L-BFGS-B) in Network.fit."""
import numpy as np
import pytest

from pyffnn import FFNNError, LBFGS, LambdaCallback, Network
from pyffnn.datasets import make_spirals

sklearn = pytest.importorskip("sklearn")
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.utils.class_weight import compute_sample_weight  # noqa: E402


@pytest.fixture
def unbalanced():
    rng = np.random.default_rng(1)
    y = (rng.random(300) < 0.2).astype(int)  # about 20 % positives
    X = rng.normal(size=(300, 3)) + 1.2 * y[:, None]
    return X, y


@pytest.mark.parametrize("class_weight", ["balanced", {0: 0.5, 1: 3.0}, {1: 2.0}])
def test_class_weight_is_sklearns_sample_weight(unbalanced, class_weight):
    X, y = unbalanced
    a, b = Network("3-5tanh-1sigmoid", random_state=0), Network("3-5tanh-1sigmoid", random_state=0)
    ha = a.fit(X, y, class_weight=class_weight, epochs=5, batch_size=20)
    hb = b.fit(X, y, sample_weight=compute_sample_weight(class_weight, y), epochs=5, batch_size=20)
    np.testing.assert_array_equal(a.params, b.params)
    assert ha["loss"] == hb["loss"]


def test_class_weight_multiplies_sample_weight_for_softmax_labels():
    rng = np.random.default_rng(2)
    y = rng.choice(3, size=150, p=[0.6, 0.3, 0.1])
    X = rng.normal(size=(150, 2)) + y[:, None]
    w = rng.random(150) + 0.5
    a, b = Network("2-4relu-3softmax", random_state=0), Network("2-4relu-3softmax", random_state=0)
    a.fit(X, y, class_weight="balanced", sample_weight=w, epochs=3)
    b.fit(X, np.eye(3)[y], sample_weight=w * compute_sample_weight("balanced", y), epochs=3)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-12, atol=1e-15)


def test_class_weight_errors(unbalanced):
    X, y = unbalanced
    net = Network("3-4tanh-1sigmoid", random_state=0)
    with pytest.raises(FFNNError, match="key 2 is not a class"):
        net.fit(X, y, class_weight={2: 1.0}, epochs=1)
    with pytest.raises(FFNNError, match="'balanced', a dict"):
        net.fit(X, y, class_weight="auto", epochs=1)
    with pytest.raises(FFNNError, match=">= 0"):
        net.fit(X, y, class_weight={0: -1}, epochs=1)
    with pytest.raises(FFNNError, match="classification output"):
        Network("3-1linear").fit(X, y, class_weight="balanced", epochs=1)
    with pytest.raises(FFNNError, match="multi-label"):
        Network("3-2sigmoid").fit(X, np.c_[y, y], class_weight="balanced", epochs=1)


def test_lbfgs_logistic_regression_matches_sklearn_with_class_weight(unbalanced):
    # no hidden layer + sigmoid + BCE is logistic regression: sklearn minimises C·Σ w_i ℓ_i + ½‖w‖², pyffnn
    # Σ w_i ℓ_i / Σ w_i + ½·l2·‖w‖², the same minimiser when l2 = 1 / (C · Σ w_i)
    X, y = unbalanced
    C = 0.5
    w = compute_sample_weight("balanced", y)
    ref = LogisticRegression(C=C, class_weight="balanced", tol=1e-10, max_iter=1000).fit(X, y)
    net = Network("3-1sigmoid", random_state=0)
    net.fit(X, y, optimizer=LBFGS(tol=1e-10), epochs=1000, class_weight="balanced", l2=1.0 / (C * w.sum()))
    np.testing.assert_allclose(net.weights[0][0], ref.coef_[0], rtol=5e-5)  # both solve to a tolerance
    np.testing.assert_allclose(net.biases[0][0], ref.intercept_[0], rtol=5e-5)


def test_lbfgs_runs_callbacks_per_iteration_and_can_be_stopped():
    X, y = make_spirals(n_samples=200, random_state=0)
    net = Network("2-16tanh-1sigmoid", random_state=0)
    hist = net.fit(X, y, optimizer="lbfgs", epochs=30, validation_split=0.2)
    assert len(hist.epoch) == 30 and hist.epoch == list(range(30))
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} == set(hist.history)  # no lr: L-BFGS has none
    assert hist["loss"][-1] < hist["loss"][0]
    net_Xtr = net.loss(X, y)  # params hold the final iterate: a finite loss no worse than the start's
    assert np.isfinite(net_Xtr) and net_Xtr < Network("2-16tanh-1sigmoid", random_state=0).loss(X, y)

    stopper = LambdaCallback(on_epoch_end=lambda e, logs: setattr(stopper.network, "stop_training", e == 4))
    net2 = Network("2-16tanh-1sigmoid", random_state=0)
    h2 = net2.fit(X, y, optimizer="lbfgs", epochs=30, callbacks=[stopper])
    assert len(h2.epoch) == 5 and h2.stopped_early


def test_lbfgs_loss_in_history_is_the_full_batch_loss_at_the_iterate():
    X, y = make_spirals(n_samples=100, random_state=1)
    net = Network("2-8tanh-1sigmoid", random_state=0)
    losses = []
    cb = LambdaCallback(on_epoch_end=lambda e, logs: losses.append((logs["loss"], net.loss(X, y))))
    net.fit(X, y, optimizer="lbfgs", epochs=10, callbacks=[cb])
    for logged, recomputed in losses:
        assert logged == pytest.approx(recomputed, rel=1e-12)


def test_lbfgs_refuses_a_learning_rate():
    with pytest.raises(FFNNError, match="no learning rate"):
        Network("2-1sigmoid").fit([[0, 0], [1, 1]], [0, 1], optimizer="lbfgs", lr=0.1)


def test_lbfgs_without_scipy_is_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_scipy(name, *args, **kwargs):
        if name.startswith("scipy"):
            raise ImportError("no scipy")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_scipy)
    with pytest.raises(FFNNError, match="needs SciPy: pip install"):
        Network("2-1sigmoid").fit([[0, 0], [1, 1]], [0, 1], optimizer="lbfgs")
