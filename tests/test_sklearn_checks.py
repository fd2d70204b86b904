"""scikit-learn's own estimator checks on FFNNClassifier / FFNNRegressor."""
import pytest

pytest.importorskip("sklearn")
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from pyffnn.estimators import FFNNClassifier, FFNNRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# Small networks and few epochs keep the checks fast; the checks that demand a good fit
# (check_classifiers_train, check_regressors_train, ...) still pass with these settings.
# No check is marked as an expected failure.
_FAST = dict(hidden_layer_sizes=(16,), max_iter=100, learning_rate_init=1e-2)


ESTIMATORS = [
    FFNNClassifier(**_FAST),
    FFNNRegressor(**_FAST),
    # float32 computation and the other layer kinds / solvers go through the same checks
    FFNNClassifier(dtype="float32", activation="maxout", solver="sgd", **_FAST),
    FFNNRegressor(dtype="float32", activation="tanh", solver="sgd", **_FAST),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
