"""solver="lbfgs" and class_weight in the scikit-learn estimators, against scikit-learn's own results."""
import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
pytest.importorskip("scipy")
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.class_weight import compute_sample_weight  # noqa: E402

from pyffnn import FFNNError  # noqa: E402
from pyffnn.datasets import make_spirals  # noqa: E402
from pyffnn.sklearn import FFNNClassifier, FFNNRegressor  # noqa: E402


@pytest.fixture
def unbalanced():
    rng = np.random.default_rng(4)
    y = (rng.random(240) < 0.25).astype(int)
    X = rng.normal(size=(240, 3)) + 1.0 * y[:, None]
    return X, y


def test_lbfgs_two_spirals_matches_sklearn_accuracy():
    # the problem: two spirals, 32-32 tanh; scikit-learn's lbfgs generalises well, Adam does not
    X, y = make_spirals(n_samples=400, noise=0.05, random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
    params = dict(hidden_layer_sizes=(32, 32), activation="tanh", solver="lbfgs", max_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = FFNNClassifier(**params).fit(X_tr, y_tr)
        ref = MLPClassifier(**params).fit(X_tr, y_tr)
    acc, ref_acc = ours.score(X_te, y_te), ref.score(X_te, y_te)
    assert acc >= 0.85 and abs(acc - ref_acc) <= 0.05, (acc, ref_acc)
    assert 0 < ours.n_iter_ <= 200 and len(ours.loss_curve_) == ours.n_iter_


@pytest.mark.parametrize("alpha", [1e-3, 1.0])
def test_lbfgs_without_hidden_layers_has_sklearns_minimiser(alpha):
    # a convex problem (logistic regression with alpha's L2): both solvers must land on the same weights,
    # which pins the objective: mean loss + 0.5 * alpha * ||W||^2 / n_samples
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    y = (X @ [1.0, -2.0, 0.5, 0.0] + rng.normal(size=150) > 0).astype(int)
    # Seeded: from an unseeded start L-BFGS-B stops at slightly different points of the flat optimum
    # (seen 1.7e-4 relative apart), so the weights are compared to 1e-3 and the objective to 1e-7.
    params = dict(hidden_layer_sizes=(), solver="lbfgs", alpha=alpha, tol=1e-10, max_iter=5000, random_state=0)
    ours = FFNNClassifier(**params).fit(X, y)
    ref = MLPClassifier(**params).fit(X, y)
    np.testing.assert_allclose(ours.coefs_[0], ref.coefs_[0], rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(ours.intercepts_[0], ref.intercepts_[0], rtol=1e-3, atol=1e-5)
    assert ours.loss_ == pytest.approx(ref.loss_, rel=1e-7)


def test_class_weight_balanced_is_logistic_regressions(unbalanced):
    # scikit-learn's MLP with sample weights minimises sum(w l)/sum(w) + 0.5 alpha ||W||^2 / sum(w), i.e.
    # LogisticRegression's C * sum(w l) + 0.5 ||W||^2 with C = 1 / alpha
    X, y = unbalanced
    alpha = 2.0
    ours = FFNNClassifier(hidden_layer_sizes=(), solver="lbfgs", alpha=alpha, tol=1e-10, max_iter=5000,
                          class_weight="balanced").fit(X, y)
    ref = LogisticRegression(C=1 / alpha, class_weight="balanced", tol=1e-10, max_iter=5000).fit(X, y)
    np.testing.assert_allclose(ours.coefs_[0][:, 0], ref.coef_[0], rtol=1e-4)
    np.testing.assert_allclose(ours.intercepts_[0], ref.intercept_, rtol=1e-4)


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 4.0}])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_class_weight_equals_sklearns_sample_weight(unbalanced, class_weight, solver):
    X, y = unbalanced
    labels = np.where(y == 1, "yes", "no")  # class_weight keys are the estimator's own labels
    cw = class_weight if isinstance(class_weight, str) else {"no": 1.0, "yes": 4.0}
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=30, random_state=0)
    with pytest.warns(ConvergenceWarning):
        a = FFNNClassifier(class_weight=cw, **params).fit(X, labels)
    with pytest.warns(ConvergenceWarning):
        b = FFNNClassifier(**params).fit(X, labels, sample_weight=compute_sample_weight(cw, labels))
    np.testing.assert_array_equal(a.network_.params, b.network_.params)


def test_lbfgs_estimator_details(unbalanced):
    X, y = unbalanced
    est = FFNNClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=3)
    assert not hasattr(est, "partial_fit")  # as scikit-learn's MLP: lbfgs is not stochastic
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge after 3 iteration"):
        est.fit(X, y)
    assert est.n_iter_ == 3
    with pytest.raises(FFNNError, match="class_weight applies to classifiers"):
        FFNNRegressor(class_weight="balanced").fit(X, y.astype(float))
    with pytest.raises(FFNNError, match="max_fun"):
        FFNNClassifier(solver="lbfgs", max_fun=0).fit(X, y)
