"""The scikit-learn stopping rules of ``MLPClassifier``/``MLPRegressor``, as a pyffnn training callback.

``Network.fit`` is the one training loop; this callback only watches each epoch and keeps the estimator's
fitted bookkeeping (``loss_curve_``, ``n_iter_``, ``best_loss_``, ``validation_scores_``, ...) the way
scikit-learn's stochastic solvers do:

* without early stopping, an epoch "does not improve" when its training loss is not below
  ``best_loss_ - tol``; with early stopping, when the validation score (weighted by the validation samples'
  ``sample_weight`` when given) is not above ``best_validation_score_ + tol``;
* training stops once more than ``n_iter_no_change`` consecutive epochs did not improve (for
  ``solver="sgd", learning_rate="adaptive"`` the learning rate is divided by 5 instead, until it drops
  below 1e-6);
* with early stopping the weights of the best validation epoch are kept.
"""
import numpy as np

from ..training.callbacks import Callback
from ..errors import FFNNError
from ..training.optimizers import SGD


class SklearnMonitor(Callback):
    """Per-epoch bookkeeping and stopping for an estimator ``est`` (see the module docstring).

    ``validation`` is ``None`` or ``(X_val, y_val, sample_weight_val)`` with ``y_val`` in the estimator's
    original label space and ``sample_weight_val`` ``None`` or the validation samples' weights;
    ``optimizer`` is the optimizer object handed to ``Network.fit`` (its ``lr`` is changed by the
    sgd learning-rate schedules).
    """

    def __init__(self, est, n_train, validation, optimizer, stochastic=True):
        self.est = est
        self.stochastic = stochastic  # False for lbfgs: bookkeeping only, L-BFGS-B stops by itself
        self.n_train = n_train
        self.validation = validation
        self.optimizer = optimizer
        self.converged = False

    def on_epoch_end(self, epoch, logs):
        est = self.est
        loss = float(logs["loss"])
        est.n_iter_ += 1
        est.t_ += self.n_train
        est.loss_ = loss
        est.loss_curve_.append(loss)
        if est.verbose:
            print("Iteration %d, loss = %.8f" % (est.n_iter_, loss))
        if not self.stochastic:
            return
        self._update_no_improvement_count()
        self._schedule_learning_rate()
        if est._no_improvement_count > est.n_iter_no_change:
            if self._adaptive_step():
                est._no_improvement_count = 0
            else:
                self.converged = True
                if est.verbose:
                    what = "Validation score" if self.validation is not None else "Training loss"
                    print("%s did not improve more than tol=%f for %d consecutive epochs. Stopping."
                          % (what, est.tol, est.n_iter_no_change))
                self.network.stop_training = True

    def _update_no_improvement_count(self):
        est = self.est
        if self.validation is not None:
            X_val, y_val, w_val = self.validation
            score = float(est._validation_score(X_val, y_val, w_val))
            est.validation_scores_.append(score)
            if est.verbose:
                print("Validation score: %f" % score)
            if score < est.best_validation_score_ + est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                est._best_params = self.network.params.copy()
        else:
            loss = est.loss_curve_[-1]
            if loss > est.best_loss_ - est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if loss < est.best_loss_:
                est.best_loss_ = loss

    def _set_lr(self, lr):
        self.optimizer.lr = lr
        # push the new rate into the C settings the running fit uses (the state is kept: same size and dtype)
        self.optimizer.prepare(self.network.n_params, self.network.dtype)

    def _schedule_learning_rate(self):
        est = self.est
        if isinstance(self.optimizer, SGD) and est.learning_rate == "invscaling":
            # scikit-learn's SGDOptimizer.iteration_ends: lr = lr_init / (t + 1) ** power_t, t = samples seen
            self._set_lr(float(est.learning_rate_init) / (est.t_ + 1) ** float(est.power_t))

    def _adaptive_step(self):
        """For learning_rate="adaptive": divide the rate by 5 and go on (True), or give up (False)."""
        est = self.est
        if not isinstance(self.optimizer, SGD) or est.learning_rate != "adaptive":
            return False
        if self.optimizer.lr <= 1e-6:
            return False
        self._set_lr(self.optimizer.lr / 5.0)
        if est.verbose:
            print("Setting learning rate to %f" % self.optimizer.lr)
        return True


def batch_size_for(batch_size, n_samples):
    """scikit-learn's rule: "auto" is min(200, n); an int is clipped to [1, n] (with a warning if too big)."""
    import warnings

    if isinstance(batch_size, str):
        if batch_size != "auto":
            raise FFNNError(f"batch_size must be 'auto' or a positive int, got {batch_size!r}")
        return min(200, n_samples)
    if isinstance(batch_size, (bool, np.bool_)) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise FFNNError(f"batch_size must be 'auto' or a positive int, got {batch_size!r}")
    if batch_size > n_samples:
        warnings.warn(f"batch_size={batch_size} is larger than the number of samples ({n_samples}); "
                      "it is clipped to the number of samples", UserWarning, stacklevel=4)
    return int(min(batch_size, n_samples))
