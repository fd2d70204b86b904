"""FFNNClassifier / FFNNRegressor: scikit-learn integration, MLP-compatible behaviour, pyffnn extras."""
import pickle
import re
import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_iris, make_multilabel_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import pyffnn  # noqa: E402
from pyffnn import FFNNClassifier, FFNNRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _scaled(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def iris():
    return _scaled(load_iris)


@pytest.fixture(scope="module")
def cancer():
    return _scaled(load_breast_cancer)


def _regression(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 2))
    Y = np.column_stack([np.sin(X[:, 0]) + 0.5 * X[:, 1], X[:, 0] * X[:, 1]])
    return X, Y


# ---------------------------------------------------------------- scikit-learn machinery
def test_pipeline_and_cross_val_score_match_mlp_on_iris_and_cancer():
    """Same architecture and settings as MLPClassifier: cross-validated accuracy within a few percent."""
    for loader in (load_iris, load_breast_cancer):
        X, y = loader(return_X_y=True)
        scores = {}
        for cls in (FFNNClassifier, MLPClassifier):
            pipe = make_pipeline(StandardScaler(), cls(hidden_layer_sizes=(32,), max_iter=300, learning_rate_init=0.01,
                                                       random_state=0))
            scores[cls.__name__] = cross_val_score(pipe, X, y, cv=3).mean()
        assert scores["FFNNClassifier"] > 0.9
        assert abs(scores["FFNNClassifier"] - scores["MLPClassifier"]) < 0.04, scores


def test_grid_search(cancer):
    X, y = cancer
    grid = GridSearchCV(FFNNClassifier(max_iter=30, random_state=0),
                        {"hidden_layer_sizes": [(4,), (16,)], "activation": ["tanh", "maxout"]}, cv=3)
    grid.fit(X, y)
    assert set(grid.best_params_) == {"hidden_layer_sizes", "activation"}
    assert grid.best_score_ > 0.9
    assert isinstance(grid.best_estimator_.network_, pyffnn.Network)


def test_dataframe_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    clf = FFNNClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.feature_names_in_, X.columns)
    assert clf.n_features_in_ == 4
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X.to_numpy())
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(X.rename(columns=lambda c: c + "!"))
    assert isinstance(pd.Series(clf.predict(X)), pd.Series)


def test_clone_and_pickle(iris):
    X, y = iris
    clf = FFNNClassifier(hidden_layer_sizes=(6,), activation=["maxout"], max_iter=20, random_state=1).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    fresh = clone(clf)
    assert not hasattr(fresh, "network_") and fresh.get_params() == clf.get_params()


# ---------------------------------------------------------------- fitted attributes
def test_fitted_attributes_follow_mlp(iris):
    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = FFNNClassifier(hidden_layer_sizes=(7, 5), max_iter=40, learning_rate_init=0.05, random_state=0).fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, ["setosa", "versicolor", "virginica"])
    assert clf.n_features_in_ == 4 and clf.n_outputs_ == 3 and clf.n_layers_ == 4
    assert clf.out_activation_ == "softmax"
    assert [c.shape for c in clf.coefs_] == [(4, 7), (7, 5), (5, 3)]
    assert [b.shape for b in clf.intercepts_] == [(7,), (5,), (3,)]
    for c, W in zip(clf.coefs_, clf.network_.weights):
        np.testing.assert_array_equal(c, W.T)
    assert len(clf.loss_curve_) == clf.n_iter_ == 40
    assert clf.best_loss_ == min(clf.loss_curve_) and clf.loss_ == clf.loss_curve_[-1]
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert clf.t_ == 40 * X.shape[0]
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert set(clf.predict(X)) <= set(clf.classes_)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-12)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, labels) > 0.8


def test_coefs_are_views_into_the_network(iris):
    X, y = iris
    clf = FFNNClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, y)
    before = clf.predict_proba(X)
    clf.coefs_[1][:] = 0
    clf.intercepts_[1][:] = 0
    np.testing.assert_allclose(clf.predict_proba(X), 1 / 3)
    assert not np.allclose(before, 1 / 3)


def test_binary_uses_one_logistic_output(cancer):
    X, y = cancer
    clf = FFNNClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0).fit(X, y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1 and clf.network_.n_outputs == 1
    p = clf.predict_proba(X)
    assert p.shape == (X.shape[0], 2)
    np.testing.assert_allclose(p[:, 1], clf.network_.predict(X).ravel())
    np.testing.assert_array_equal(clf.predict(X), (p[:, 1] > 0.5).astype(int))


def test_binary_with_softmax_output(cancer):
    X, y = cancer
    clf = FFNNClassifier(hidden_layer_sizes=(8,), out_activation="softmax", max_iter=30, random_state=0).fit(X, y)
    assert clf.out_activation_ == "softmax" and clf.network_.n_outputs == 2
    p = clf.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), p.argmax(axis=1))
    assert clf.score(X, y) > 0.9


def test_multilabel():
    X, Y = make_multilabel_classification(n_samples=300, n_classes=4, random_state=0)
    X = StandardScaler().fit_transform(X)
    clf = FFNNClassifier(hidden_layer_sizes=(32,), max_iter=200, learning_rate_init=1e-2, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 4
    np.testing.assert_array_equal(clf.classes_, np.arange(4))
    pred = clf.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape
    np.testing.assert_array_equal(pred, (proba > 0.5).astype(int))
    assert (pred == Y).mean() > 0.9
    with pytest.raises(pyffnn.FFNNError, match="multi-label"):
        FFNNClassifier(out_activation="softmax", max_iter=1).fit(X, Y)


def test_multiclass_multioutput_is_rejected(iris):
    X, y = iris
    with pytest.raises(ValueError, match="multiclass-multioutput"):
        FFNNClassifier(max_iter=1).fit(X, np.column_stack([y, y]))


def test_single_class_is_rejected(iris):
    X, _ = iris
    with pytest.raises(ValueError, match="at least 2 classes"):
        FFNNClassifier(max_iter=1).fit(X, np.zeros(len(X)))


# ---------------------------------------------------------------- stopping like scikit-learn
@pytest.mark.parametrize("n_iter_no_change", [1, 4])
def test_tol_stopping_counts_epochs_like_mlp(cancer, n_iter_no_change):
    """With a huge tol no epoch after the first improves; both libraries stop after the same epoch."""
    X, y = cancer
    kw = dict(hidden_layer_sizes=(4,), tol=1e6, n_iter_no_change=n_iter_no_change, random_state=0)
    ours = FFNNClassifier(**kw).fit(X, y)
    theirs = MLPClassifier(**kw).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == n_iter_no_change + 2


def test_convergence_warning_only_when_max_iter_reached(cancer):
    X, y = cancer
    with pytest.warns(ConvergenceWarning, match="maximum iterations \\(3\\)"):
        FFNNClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = FFNNClassifier(hidden_layer_sizes=(4,), max_iter=500, tol=1e-2, random_state=0).fit(X, y)
    assert clf.n_iter_ < 500


def test_early_stopping_restores_best_epoch(cancer):
    X, y = cancer
    seen = []
    recorder = pyffnn.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(recorder.network.params.copy()))
    clf = FFNNClassifier(hidden_layer_sizes=(16,), early_stopping=True, n_iter_no_change=5, max_iter=300,
                         learning_rate_init=0.01, random_state=0, callbacks=[recorder]).fit(X, y)
    assert clf.best_loss_ is None
    assert len(clf.validation_scores_) == clf.n_iter_ == len(seen) < 300
    best = int(np.argmax(clf.validation_scores_))
    assert clf.best_validation_score_ == clf.validation_scores_[best]
    np.testing.assert_array_equal(clf.network_.params, seen[best])
    # sklearn's rule: stop once more than n_iter_no_change epochs did not beat the best score by tol
    assert clf.n_iter_ - 1 - best >= 5


def test_early_stopping_regressor_uses_r2():
    X, Y = _regression()
    reg = FFNNRegressor(hidden_layer_sizes=(16,), early_stopping=True, max_iter=200, learning_rate_init=0.01,
                        random_state=0).fit(X, Y[:, 0])
    assert max(reg.validation_scores_) == reg.best_validation_score_ > 0.8


def test_small_validation_split_is_rejected():
    X, Y = _regression(n=9)  # 10% of 9 samples is a single validation sample
    with pytest.raises(ValueError, match="validation set is too small"):
        FFNNRegressor(early_stopping=True, validation_fraction=0.1, max_iter=2).fit(X, Y)


# ---------------------------------------------------------------- partial_fit and warm_start
def test_partial_fit_classifier(iris):
    X, y = iris
    clf = FFNNClassifier(hidden_layer_sizes=(10,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])  # the first batch lacks class 2
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.n_outputs_ == 3 and clf.n_iter_ == 1
    losses = []
    for _ in range(30):
        clf.partial_fit(X, y)
        losses.append(clf.loss_curve_[-1])
    assert clf.n_iter_ == 1 and clf.t_ == 100 + 30 * 150 and len(clf.loss_curve_) == 31
    assert losses[-1] < losses[0]
    with pytest.raises(ValueError, match="not the same"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X, y + 5)
    with pytest.raises(ValueError, match="early_stopping"):
        FFNNClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


def test_partial_fit_keeps_optimizer_state(iris):
    """Adam's step counter carries over between partial_fit calls (it restarts on fit)."""
    X, y = iris
    clf = FFNNClassifier(hidden_layer_sizes=(4,), batch_size=50, random_state=0)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    clf.partial_fit(X, y)
    assert clf._optimizer.iterations == 6
    clf.fit(X, y)
    assert clf._optimizer.iterations == 3 * clf.n_iter_


def test_partial_fit_regressor_matches_fit_epochs():
    X, Y = _regression()
    kw = dict(hidden_layer_sizes=(8,), shuffle=False, random_state=3)
    a = FFNNRegressor(max_iter=3, **kw).fit(X, Y)
    b = FFNNRegressor(**kw)
    for _ in range(3):
        b.partial_fit(X, Y)
    np.testing.assert_allclose(b.network_.params, a.network_.params, rtol=1e-12)
    assert b.loss_curve_ == pytest.approx(a.loss_curve_, rel=1e-12)


def test_warm_start(iris):
    X, y = iris
    clf = FFNNClassifier(hidden_layer_sizes=(8,), max_iter=20, warm_start=True, random_state=0).fit(X, y)
    network, first = clf.network_, clf.loss_curve_[-1]
    clf.fit(X, y)
    assert clf.network_ is network and len(clf.loss_curve_) == 40 and clf.n_iter_ == 20
    assert clf.loss_curve_[-1] < first
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X[y < 2], y[y < 2])
    cold = FFNNClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X, y)
    cold_net = cold.network_
    cold.fit(X, y)
    assert cold.network_ is not cold_net and len(cold.loss_curve_) == 20


# ---------------------------------------------------------------- layers, solvers, regularisation
def test_per_layer_activations_and_maxout(iris):
    X, y = iris
    clf = FFNNClassifier(hidden_layer_sizes=(6, 5, 4), activation=["tanh", "maxout", "softplus"], maxout_pieces=3,
                         max_iter=100, learning_rate_init=0.01, random_state=0).fit(X, y)
    assert clf.network_.spec == "4-6tanh-5maxout3-4softplus-3softmax"
    assert [c.shape for c in clf.coefs_] == [(4, 6), (6, 15), (5, 4), (4, 3)]
    assert clf.score(X, y) > 0.9
    logistic = FFNNClassifier(hidden_layer_sizes=(3,), activation="logistic", max_iter=1).fit(X, y)
    assert logistic.network_.spec == "4-3sigmoid-3softmax"
    linear = FFNNClassifier(hidden_layer_sizes=(), max_iter=1).fit(X, y)
    assert linear.network_.spec == "4-3softmax"


@pytest.mark.parametrize("params", [
    dict(solver="adam"),
    dict(solver="sgd", learning_rate_init=0.05),
    dict(solver="sgd", learning_rate_init=0.05, nesterovs_momentum=False),
    dict(solver="sgd", learning_rate_init=0.05, momentum=0.0),
    dict(solver="rprop", batch_size=569),  # full batch: all of load_breast_cancer
    dict(solver="adam", dtype="float32"),
])
def test_solvers_learn(cancer, params):
    X, y = cancer
    clf = FFNNClassifier(hidden_layer_sizes=(16,), max_iter=100, random_state=0, **params).fit(X, y)
    assert clf.score(X, y) > 0.95
    if params.get("dtype") == "float32":
        assert clf.network_.dtype == np.float32 and clf.predict_proba(X).dtype == np.float32


def test_sgd_optimizer_settings():
    X, Y = _regression()
    reg = FFNNRegressor(solver="sgd", momentum=0.7, nesterovs_momentum=True, learning_rate_init=0.02,
                        max_iter=2).fit(X, Y)
    opt = reg._optimizer
    assert isinstance(opt, pyffnn.SGD) and opt.momentum == 0.7 and opt.nesterov and opt.lr == 0.02
    adam = FFNNRegressor(beta_1=0.8, beta_2=0.99, epsilon=1e-7, max_iter=1).fit(X, Y)._optimizer
    assert (adam.beta1, adam.beta2, adam.eps) == (0.8, 0.99, 1e-7)


def test_sgd_learning_rate_schedules():
    X, Y = _regression()
    inv = FFNNRegressor(solver="sgd", learning_rate="invscaling", power_t=0.5, learning_rate_init=0.1,
                        max_iter=4, random_state=0).fit(X, Y)
    assert inv._optimizer.lr == pytest.approx(0.1 / (4 * 300 + 1) ** 0.5)
    adaptive = FFNNRegressor(solver="sgd", learning_rate="adaptive", tol=1e6, n_iter_no_change=2,
                             learning_rate_init=0.01, max_iter=50, random_state=0).fit(X, Y)
    # tol=1e6: every epoch after the first fails to improve, so the rate is divided by 5 every 3 epochs
    # until it is below 1e-6, then training stops
    assert adaptive._optimizer.lr <= 1e-6 and adaptive.n_iter_ < 50
    constant = FFNNRegressor(solver="sgd", learning_rate_init=0.01, max_iter=5, random_state=0).fit(X, Y)
    assert constant._optimizer.lr == 0.01


def test_invscaling_rate_reaches_the_running_fit():
    """power_t=10 makes the rate ~0 after the first epoch, so later epochs leave the weights unchanged."""
    X, Y = _regression()
    kw = dict(solver="sgd", momentum=0.0, learning_rate_init=0.05, power_t=10.0, random_state=0)
    one = FFNNRegressor(learning_rate="invscaling", max_iter=1, **kw).fit(X, Y)
    three = FFNNRegressor(learning_rate="invscaling", max_iter=3, **kw).fit(X, Y)
    np.testing.assert_allclose(three.network_.params, one.network_.params, rtol=0, atol=1e-12)
    constant = FFNNRegressor(learning_rate="constant", max_iter=3, **kw).fit(X, Y)
    assert np.abs(constant.network_.params - one.network_.params).max() > 1e-3


def test_alpha_follows_sklearn_scaling(cancer):
    """scikit-learn adds 0.5*alpha*||W||^2 / batch_samples to each minibatch loss; so does the estimator."""
    X, y = cancer
    alpha = 3.0
    clf = FFNNClassifier(hidden_layer_sizes=(5,), solver="sgd", momentum=0.0, learning_rate_init=1e-12, alpha=alpha,
                         batch_size=X.shape[0], max_iter=1, random_state=0).fit(X, y)
    # with a negligible step the weights are those the epoch's loss was computed at
    penalty = 0.5 * alpha * sum(float((W**2).sum()) for W in clf.network_.weights) / X.shape[0]
    assert clf.loss_curve_[0] == pytest.approx(clf.network_.loss(X, y) + penalty, rel=1e-9)
    big = FFNNClassifier(hidden_layer_sizes=(5,), alpha=10.0, max_iter=200, random_state=0).fit(X, y)
    small = FFNNClassifier(hidden_layer_sizes=(5,), alpha=0.0, max_iter=200, random_state=0).fit(X, y)
    assert np.abs(big.coefs_[0]).sum() < np.abs(small.coefs_[0]).sum()


def test_random_state_reproducible(iris):
    X, y = iris
    a = FFNNClassifier(hidden_layer_sizes=(5,), max_iter=10, random_state=42).fit(X, y)
    b = FFNNClassifier(hidden_layer_sizes=(5,), max_iter=10, random_state=42).fit(X, y)
    c = FFNNClassifier(hidden_layer_sizes=(5,), max_iter=10, random_state=43).fit(X, y)
    np.testing.assert_array_equal(a.network_.params, b.network_.params)
    assert not np.array_equal(a.network_.params, c.network_.params)


def test_callbacks_can_stop_training(iris):
    X, y = iris

    class StopAt(pyffnn.Callback):
        def on_epoch_end(self, epoch, logs):
            if epoch == 4:
                self.network.stop_training = True

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a requested stop is not a failure to converge
        clf = FFNNClassifier(hidden_layer_sizes=(4,), max_iter=100, callbacks=[StopAt()]).fit(X, y)
    assert clf.n_iter_ == 5


def test_verbose_prints_sklearn_style(iris, capsys):
    X, y = iris
    FFNNClassifier(hidden_layer_sizes=(3,), max_iter=2, verbose=True, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Iteration 1, loss = ") and lines[1].startswith("Iteration 2, loss = ")


# ---------------------------------------------------------------- regression
def test_multi_output_regression():
    X, Y = _regression()
    X_tr, X_te, Y_tr, Y_te = train_test_split(X, Y, random_state=0)
    reg = FFNNRegressor(hidden_layer_sizes=(32, 32), activation="tanh", max_iter=400, learning_rate_init=0.01,
                        random_state=0).fit(X_tr, Y_tr)
    assert reg.out_activation_ == "identity" and reg.n_outputs_ == 2
    assert reg.predict(X_te).shape == Y_te.shape
    assert reg.score(X_te, Y_te) > 0.9
    single = FFNNRegressor(hidden_layer_sizes=(8,), max_iter=5).fit(X, Y[:, 0])
    assert single.predict(X).shape == (len(X),)
    f32 = FFNNRegressor(hidden_layer_sizes=(8,), max_iter=5, dtype="float32").fit(X, Y)
    assert f32.network_.dtype == np.float32 and f32.predict(X).dtype == np.float64


def test_regressor_bounded_output():
    X, Y = _regression()
    target = 1 / (1 + np.exp(-Y[:, 0]))
    reg = FFNNRegressor(hidden_layer_sizes=(16,), out_activation="logistic", max_iter=200, learning_rate_init=0.01,
                        random_state=0).fit(X, target)
    assert reg.out_activation_ == "logistic"
    pred = reg.predict(X)
    assert np.all((pred > 0) & (pred < 1)) and reg.score(X, target) > 0.8
    bce = FFNNRegressor(hidden_layer_sizes=(16,), out_activation="logistic", loss="binary_log_loss",
                        max_iter=5).fit(X, target)
    assert bce.loss_curve_[0] > 0
    with pytest.raises(pyffnn.FFNNError, match="needs a sigmoid output layer"):
        FFNNRegressor(loss="bce", max_iter=1).fit(X, target)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("params, match", [
    (dict(solver="newton"), "solver must be one of"),
    (dict(hidden_layer_sizes=(4, 0)), "positive ints"),
    (dict(hidden_layer_sizes="ab"), "positive ints"),
    (dict(activation="swish"), "unknown hidden activation"),
    (dict(hidden_layer_sizes=(3, 3), activation=["tanh"]), "one name per layer"),
    (dict(activation="maxout", maxout_pieces=0), "maxout_pieces"),
    (dict(dtype="int32"), "dtype must be"),
    (dict(out_activation="tanh"), "out_activation must be"),
    (dict(loss="hinge"), "loss must be"),
    (dict(alpha=-1.0), "alpha must be"),
    (dict(momentum=1.0), "momentum must be"),
    (dict(validation_fraction=1.0), "validation_fraction"),
    (dict(max_iter=0), "max_iter must be"),
    (dict(batch_size=0), "batch_size"),
    (dict(batch_size="big"), "batch_size"),
    (dict(learning_rate="cyclic"), "learning_rate must be"),
    (dict(callbacks=[print]), "Callback"),
])
def test_bad_parameters_raise_clear_errors(iris, params, match):
    X, y = iris
    with pytest.raises(pyffnn.FFNNError, match=match):
        FFNNClassifier(**params).fit(X, y)


def test_multiclass_needs_softmax(iris):
    X, y = iris
    with pytest.raises(pyffnn.FFNNError, match="multiclass"):
        FFNNClassifier(out_activation="logistic", max_iter=1).fit(X, y)


# ---------------------------------------------------------------- sample_weight
def _weighted_problem(n=40, seed=0):
    """Small multiclass problem with integer weights 0..3 (zeros included)."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    w = rng.randint(0, 4, size=n)
    w[:3] = [0, 2, 3]
    return X, y, w


_FULL_BATCH_SGD = dict(hidden_layer_sizes=(6,), activation="tanh", solver="sgd", shuffle=False, alpha=0.05,
                       learning_rate_init=0.05, max_iter=30, tol=0.0, random_state=0)


@pytest.mark.parametrize("cls", [FFNNClassifier, FFNNRegressor])
def test_integer_weights_equal_repeated_samples_full_batch(cls):
    X, y, w = _weighted_problem()
    target = y if cls is FFNNClassifier else X[:, 0] - 2 * X[:, 2]
    weighted = cls(batch_size=len(y), **_FULL_BATCH_SGD).fit(X, target, sample_weight=w)
    repeated = cls(batch_size=int(w.sum()), **_FULL_BATCH_SGD).fit(X.repeat(w, axis=0), target.repeat(w))
    # the loss curve (weighted mean loss + alpha/sum(w)-scaled L2 term) and the weights are the same
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-10)
    for a, b in zip(weighted.coefs_ + weighted.intercepts_, repeated.coefs_ + repeated.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert weighted.n_iter_ == repeated.n_iter_ == 30
    # and the weights mattered: unweighted training ends elsewhere
    plain = cls(batch_size=len(y), **_FULL_BATCH_SGD).fit(X, target)
    assert not np.allclose(plain.coefs_[0], weighted.coefs_[0], rtol=1e-3)


@pytest.mark.parametrize("cls", [FFNNClassifier, FFNNRegressor])
def test_full_batch_weighted_sgd_matches_mlp_step_for_step(cls):
    """Same initial weights as scikit-learn's MLP: identical loss curve (weighted loss + L2) and weights."""
    from sklearn.neural_network import MLPRegressor

    X, y, w = _weighted_problem()
    target = y if cls is FFNNClassifier else X[:, 0] - 2 * X[:, 2]
    settings = dict(hidden_layer_sizes=(6,), activation="tanh", solver="sgd", momentum=0.0, shuffle=False,
                    alpha=0.05, learning_rate_init=0.05, batch_size=len(y), random_state=0)
    ours = cls(**settings)
    theirs = (MLPClassifier if cls is FFNNClassifier else MLPRegressor)(**settings)
    kwargs = dict(classes=np.unique(y)) if cls is FFNNClassifier else {}
    ours.partial_fit(X, target, sample_weight=w, **kwargs)
    theirs.partial_fit(X, target, sample_weight=w, **kwargs)
    for mine, ref in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        mine[...] = ref  # coefs_/intercepts_ are views into the network
    for _ in range(5):
        ours.partial_fit(X, target, sample_weight=w)
        theirs.partial_fit(X, target, sample_weight=w)
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-10)
    for mine, ref in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("cls, extra", [(FFNNClassifier, dict(activation="maxout")),
                                        (FFNNRegressor, dict(activation="tanh"))])
def test_float32_weighted_equals_repeated_up_to_rounding(cls, extra):
    """Why check_sample_weight_equivalence_on_dense_data is an expected failure in float32 (see
    _expected_failed_checks): on the check's data, weighted vs repeated rows differ by no more than permuting
    the repeated rows does, i.e. by float32 rounding, far above float64's differences."""
    from sklearn.utils import shuffle

    rng = np.random.RandomState(42)  # the data of scikit-learn's check
    X, y, w = rng.rand(15, 30), rng.randint(0, 3, size=15), rng.randint(0, 5, size=15)
    X_rep, y_rep = X.repeat(w, axis=0), y.repeat(w)
    X_w, y_w, w_w = shuffle(X, y, w, random_state=0)
    X_perm, y_perm = shuffle(X_rep, y_rep, random_state=1)
    method = "predict_proba" if cls is FFNNClassifier else "predict"

    def run(dtype, X_fit, y_fit, sample_weight=None):
        est = cls(hidden_layer_sizes=(16,), max_iter=100, learning_rate_init=1e-2, solver="sgd", dtype=dtype,
                  random_state=0, **extra)
        return getattr(est.fit(X_fit, y_fit, sample_weight=sample_weight), method)(X)

    for dtype, rtol in (("float32", 1e-4), ("float64", 1e-10)):
        repeated = run(dtype, X_rep, y_rep)
        np.testing.assert_allclose(run(dtype, X_w, y_w, w_w), repeated, rtol=rtol)
        np.testing.assert_allclose(run(dtype, X_perm, y_perm), repeated, rtol=rtol)


def test_zero_weights_ignore_samples():
    X, y, _ = _weighted_problem(n=60)
    rng = np.random.RandomState(1)
    X_junk, y_junk = rng.normal(size=(25, 3)) * 5, rng.randint(0, 3, size=25)
    X_all, y_all = np.vstack([X, X_junk]), np.concatenate([y, y_junk])
    w = np.concatenate([np.ones(len(y)), np.zeros(len(y_junk))])
    settings = dict(hidden_layer_sizes=(8,), max_iter=40, learning_rate_init=0.02, tol=0.0, random_state=0)
    # one full batch each (batch_size="auto" is min(200, n)): only the summation order differs
    kept = FFNNClassifier(**settings).fit(X, y)
    padded = FFNNClassifier(**settings).fit(X_all, y_all, sample_weight=w)
    np.testing.assert_allclose(padded.loss_curve_, kept.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(padded.predict_proba(X_all), kept.predict_proba(X_all), rtol=1e-8, atol=1e-12)


def test_unit_weights_are_no_weights_and_weight_scale_does_not_matter(iris):
    X, y = iris
    settings = dict(hidden_layer_sizes=(8,), batch_size=32, max_iter=15, learning_rate_init=0.01, random_state=3)
    plain = FFNNClassifier(**settings).fit(X, y)
    ones = FFNNClassifier(**settings).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(ones.network_.params, plain.network_.params)
    assert ones.loss_curve_ == plain.loss_curve_
    # minibatches, shuffling and Adam: scaling every weight by 4 changes nothing (alpha is scaled with it, as
    # scikit-learn's alpha / batch weight sum is)
    w = np.random.RandomState(0).uniform(0.5, 2, size=len(y))
    a = FFNNClassifier(alpha=0, **settings).fit(X, y, sample_weight=w)
    b = FFNNClassifier(alpha=0, **settings).fit(X, y, sample_weight=4 * w)
    np.testing.assert_allclose(b.network_.params, a.network_.params, rtol=1e-9, atol=1e-12)


def test_minibatch_l2_uses_the_mean_batch_weight(iris):
    X, y = iris
    w = np.random.RandomState(0).uniform(0, 3, size=len(y))
    clf = FFNNClassifier(alpha=0.3, batch_size=50, max_iter=1)
    assert clf._l2(50, w) == pytest.approx(0.3 / (50 * w.mean()))
    assert clf._l2(50, None) == 0.3 / 50
    # end to end: alpha is relative to the weight scale, so weights * 4 with alpha * 4 is the same training
    settings = dict(hidden_layer_sizes=(8,), batch_size=32, max_iter=10, learning_rate_init=0.01, random_state=3)
    a = FFNNClassifier(alpha=0.5, **settings).fit(X, y, sample_weight=w)
    b = FFNNClassifier(alpha=2.0, **settings).fit(X, y, sample_weight=4 * w)
    c = FFNNClassifier(alpha=0.5, **settings).fit(X, y, sample_weight=4 * w)
    np.testing.assert_allclose(b.network_.params, a.network_.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b.loss_curve_, a.loss_curve_, rtol=1e-9)
    assert not np.allclose(c.network_.params, a.network_.params, rtol=1e-4)


def test_weights_shift_the_decision_towards_heavy_samples():
    """Overlapping 1-D classes: up-weighting class 1 moves the boundary so more points are called 1."""
    rng = np.random.RandomState(0)
    X = np.concatenate([rng.normal(-0.5, 1, 200), rng.normal(0.5, 1, 200)])[:, None]
    y = np.repeat([0, 1], 200)
    settings = dict(hidden_layer_sizes=(), max_iter=200, learning_rate_init=0.05, random_state=0)
    plain = FFNNClassifier(**settings).fit(X, y)
    heavy = FFNNClassifier(**settings).fit(X, y, sample_weight=np.where(y == 1, 5.0, 1.0))
    assert heavy.predict(X).mean() > plain.predict(X).mean() + 0.2


def test_early_stopping_split_carries_the_weights():
    """Mislabelled samples with zero weight: they neither train the model nor count in the validation score."""
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(-3, 0.5, size=(150, 2)), rng.normal(3, 0.5, size=(150, 2))])
    y = np.repeat([0, 1], 150)
    flipped = rng.rand(300) < 0.3
    y_noisy = np.where(flipped, 1 - y, y)
    settings = dict(hidden_layer_sizes=(4,), early_stopping=True, validation_fraction=0.3, max_iter=60,
                    learning_rate_init=0.05, random_state=0)
    weighted = FFNNClassifier(**settings).fit(X, y_noisy, sample_weight=(~flipped).astype(float))
    assert weighted.best_validation_score_ == 1.0
    assert weighted.score(X, y) == 1.0
    unweighted = FFNNClassifier(**settings).fit(X, y_noisy)
    assert unweighted.best_validation_score_ < 0.85  # the flipped labels count without weights


def test_early_stopping_regressor_weights_the_validation_r2(monkeypatch):
    X, Y = _regression(n=120)
    w = np.random.RandomState(0).uniform(0, 2, size=len(Y))
    seen = []
    original = FFNNRegressor._validation_score

    def spy(self, X_val, y_val, sample_weight=None):
        seen.append(sample_weight)
        return original(self, X_val, y_val, sample_weight)

    monkeypatch.setattr(FFNNRegressor, "_validation_score", spy)
    reg = FFNNRegressor(hidden_layer_sizes=(8,), early_stopping=True, max_iter=3, random_state=0)
    reg.fit(X, Y[:, 0], sample_weight=w)
    assert len(seen) == 3 and seen[0].shape == (12,)
    assert set(np.round(seen[0], 12)) <= set(np.round(w, 12))  # the validation rows' own weights


def test_score_takes_sample_weight(iris):
    from sklearn.metrics import accuracy_score, r2_score

    X, y = iris
    clf = FFNNClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, y)
    w = np.arange(len(y), dtype=float)
    assert clf.score(X, y, sample_weight=w) == accuracy_score(y, clf.predict(X), sample_weight=w)
    Xr, Y = _regression(n=80)
    reg = FFNNRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(Xr, Y[:, 0])
    w = np.linspace(0, 1, 80)
    assert reg.score(Xr, Y[:, 0], sample_weight=w) == pytest.approx(r2_score(Y[:, 0], reg.predict(Xr),
                                                                            sample_weight=w))


def test_partial_fit_with_weights(iris):
    X, y = iris
    w = np.where(y == 2, 3.0, 1.0)
    clf = FFNNClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, random_state=0)
    for _ in range(3):
        clf.partial_fit(X, y, classes=np.unique(y), sample_weight=w)
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 3
    reg = FFNNRegressor(hidden_layer_sizes=(8,), random_state=0)
    reg.partial_fit(X, X[:, 0], sample_weight=w)
    assert np.isfinite(reg.loss_)


@pytest.mark.parametrize("sample_weight, error, match", [
    (np.ones(7), ValueError, r"sample_weight.shape == \(7,\), expected \(150,\)"),
    (np.ones((150, 2)), ValueError, "1D array"),
    (np.r_[-1.0, np.ones(149)], ValueError, "[Nn]egative"),
    (np.r_[np.nan, np.ones(149)], ValueError, "NaN"),
    (np.r_[np.inf, np.ones(149)], ValueError, "infinity"),
    (np.zeros(150), pyffnn.FFNNError, "at least one non-zero weight"),
    (["a"] * 150, ValueError, "could not convert"),
])
def test_bad_sample_weight_raises(iris, sample_weight, error, match):
    X, y = iris
    with pytest.raises(error, match=match):
        FFNNClassifier(max_iter=1).fit(X, y, sample_weight=sample_weight)
    with pytest.raises(error, match=match):
        FFNNRegressor(max_iter=1).partial_fit(X, X[:, 0], sample_weight=sample_weight)


def test_early_stopping_split_without_weight_raises(iris):
    """One weighted sample: whichever part of the split lacks it has nothing to learn from or score on."""
    X, y = iris
    w = np.zeros(len(y))
    w[0] = 1.0
    parts = set()
    for seed in range(20):
        with pytest.raises(pyffnn.FFNNError, match="early-stopping (training|validation) split has zero "
                                                   "sample_weight") as info:
            FFNNClassifier(early_stopping=True, max_iter=1, random_state=seed).fit(X, y, sample_weight=w)
        parts.add(re.search(r"early-stopping (\w+) split", str(info.value)).group(1))
    assert parts == {"training", "validation"}


def test_unknown_fit_keyword_is_a_type_error(iris):
    X, y = iris
    with pytest.raises(TypeError, match="unexpected keyword"):
        FFNNRegressor(max_iter=1).fit(X, y, sample_wieght=np.ones(len(y)))


def test_large_batch_size_is_clipped_with_warning(iris):
    X, y = iris
    with pytest.warns(UserWarning, match="clipped"):
        clf = FFNNClassifier(hidden_layer_sizes=(3,), batch_size=1000, max_iter=2).fit(X, y)
    assert clf._optimizer.iterations == 2  # one full-batch step per epoch


def test_warm_start_dtype_change_is_rejected(iris):
    X, y = iris
    clf = FFNNClassifier(hidden_layer_sizes=(3,), max_iter=1, warm_start=True).fit(X, y)
    clf.set_params(dtype="float32")
    with pytest.raises(pyffnn.FFNNError, match="dtype"):
        clf.fit(X, y)


def test_lazy_export_names():
    assert pyffnn.FFNNClassifier is FFNNClassifier and pyffnn.FFNNRegressor is FFNNRegressor


def test_import_pyffnn_without_sklearn():
    """scikit-learn stays optional: `import pyffnn` works, the estimators say what to install."""
    import subprocess
    import sys
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "import pyffnn\n"
            "try:\n    pyffnn.FFNNClassifier\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install pyffnn[sklearn]" in out
