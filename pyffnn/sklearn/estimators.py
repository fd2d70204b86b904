"""scikit-learn estimators over a pyffnn ``Network``: :class:`FFNNClassifier` and :class:`FFNNRegressor`.

They follow ``sklearn.neural_network.MLPClassifier``/``MLPRegressor``: the same parameter names and meaning
where they apply, the same fitted attributes (``coefs_`` as ``(n_in, n_out)`` arrays, ``intercepts_``,
``loss_curve_``, ``n_iter_``, ...) and the same stopping rule (``tol``/``n_iter_no_change``, optional early
stopping on a validation split, a ``ConvergenceWarning`` when ``max_iter`` is reached).  Training is
``Network.fit`` (pyffnn's one training loop, in C); see :mod:`pyffnn._sk_training` for the stopping callback.

Differences from scikit-learn's MLP, all deliberate:

* ``activation`` may be one name or one name per hidden layer, and adds ``"softplus"`` and ``"maxout"``
  (``maxout_pieces`` linear pieces per unit); ``solver`` is ``"sgd"`` (scikit-learn's momentum SGD), ``"adam"``,
  ``"lbfgs"`` (SciPy's L-BFGS-B, as scikit-learn's), ``"rprop"`` (iRprop-), or the optimizer table's
  ``"momentum"`` and ``"nesterov"``.  With ``"lbfgs"`` the estimator also keeps ``loss_curve_`` (one loss per
  iteration).
* ``FFNNClassifier`` takes ``class_weight`` (``"balanced"`` or ``{label: weight}``, scikit-learn's meaning, as in
  ``SGDClassifier``): the class weights multiply ``sample_weight``.
* Initial weights are Glorot uniform for sigmoid/tanh/linear and He uniform for relu/softplus/maxout.
* The squared error of a multi-output regressor is summed over outputs (the lecture's ½·Σ_k (a_k−y_k)²,
  mean over samples); scikit-learn averages over outputs too.  With one output both are the same.
* ``sample_weight`` (as in scikit-learn >= 1.7) makes every minibatch step minimise Σ w_i ℓ_i / Σ w_i plus
  the L2 term.  scikit-learn divides ``alpha`` by each minibatch's own weight sum; pyffnn's core takes one L2
  coefficient per fit, so it uses ``alpha / (batch_size * mean(w))``, the mean minibatch weight sum.  The
  per-epoch ``loss_curve_`` is the weighted mean Σ w_i ℓ_i / Σ w_i over the epoch (plus the L2 term), where
  scikit-learn averages the minibatch means by their sample counts.  Both are exactly scikit-learn's with one
  full batch, and with equal weights up to the shorter last minibatch.
* ``dtype`` chooses float64 or float32 for the weights and the computation; ``callbacks`` are pyffnn
  ``Callback`` objects handed to ``Network.fit`` (to watch or stop training).
* Sparse input is not accepted (the core works on dense arrays).

scikit-learn is only needed by this module; ``import pyffnn`` works without it.
"""
import warnings

import numpy as np

try:
    import sklearn  # noqa: F401
except ImportError:  # pragma: no cover - exercised only without scikit-learn
    raise ImportError("FFNNClassifier and FFNNRegressor need scikit-learn: pip install pyffnn[sklearn] "
                      "(or pip install scikit-learn)") from None
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._compat import check_sample_weight, validate_data
from ._monitor import SklearnMonitor, batch_size_for
from ..training.callbacks import Callback
from ..errors import FFNNError
from ..layers import Dense, Maxout
from ..registry import activations, losses
from ..registry import optimizers as optimizer_table
from ..validation import check_real, is_int

__all__ = ["FFNNClassifier", "FFNNRegressor"]

# Activation, loss and solver names are the registry's (scikit-learn's "identity" and "logistic" are aliases there).
# scikit-learn's hyper-parameter names -> the optimizer table's setting names
_SK_SETTINGS = {"lr": "learning_rate_init", "beta1": "beta_1", "beta2": "beta_2", "eps": "epsilon",
                "momentum": "momentum"}
# the solvers: every row of the optimizer table (the C core's step optimizers and L-BFGS, which runs in SciPy)
_SOLVERS = tuple(row.name for row in optimizer_table.OPTIMIZERS)
_LEARNING_RATES = ("constant", "invscaling", "adaptive")
_SEED_MAX = 2**31 - 1


def _stochastic_solver(est):
    """partial_fit exists for the stochastic solvers only (as in scikit-learn's MLP)."""
    if est.solver == "lbfgs":
        raise AttributeError("partial_fit is only available for the stochastic solvers (sgd, adam, rprop); lbfgs "
                             "minimises the loss over all the data at once: use fit")
    return True


def _check_split_weight(w, which):
    if not w.sum(dtype=np.float64) > 0:
        raise FFNNError(f"every sample in the early-stopping {which} split has zero sample_weight; use "
                         "another random_state or validation_fraction, or fewer zero weights")


class _BaseFFNN(BaseEstimator):
    """Parameters, validation and the training driver shared by the classifier and the regressor."""

    _kind = None  # "classifier" or "regressor"

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=1e-4,
                 batch_size="auto", learning_rate="constant", learning_rate_init=1e-3, power_t=0.5, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, maxout_pieces=2, out_activation=None, loss=None,
                 dtype="float64", callbacks=None, max_fun=15000, class_weight=None, l1=0.0, dropout=0.0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.maxout_pieces = maxout_pieces
        self.out_activation = out_activation
        self.loss = loss
        self.dtype = dtype
        self.callbacks = callbacks
        self.max_fun = max_fun
        self.class_weight = class_weight
        self.l1 = l1
        self.dropout = dropout

    # ------------------------------------------------------------------ fitted views of the network
    @property
    def coefs_(self):
        """Weight matrices as scikit-learn lays them out: ``coefs_[i]`` is ``W(i).T``, shape ``(n_in, rows)``.

        These are views into ``network_.params``: writing to them changes the model.  For a maxout layer the
        ``units * pieces`` columns are grouped per unit (pieces of unit ``u`` are columns ``u*k .. u*k+k-1``).
        """
        check_is_fitted(self, "network_")
        return [w.T for w in self.network_.weights]

    @property
    def intercepts_(self):
        """Bias vectors ``w0(i)`` (views into ``network_.params``)."""
        check_is_fitted(self, "network_")
        return list(self.network_.biases)

    @property
    def n_layers_(self):
        """Number of layers counting the input layer, as in scikit-learn (hidden layers + 2)."""
        check_is_fitted(self, "network_")
        return len(self.network_.layers) + 1

    # ------------------------------------------------------------------ parameter checks
    def _np_dtype(self):
        try:
            dtype = np.dtype(self.dtype)
        except TypeError:
            dtype = None
        if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise FFNNError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")
        return dtype

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if is_int(sizes) else sizes
        try:
            sizes = list(sizes)
        except TypeError:
            raise FFNNError("hidden_layer_sizes must be an int or a sequence of positive ints, "
                             f"got {self.hidden_layer_sizes!r}") from None
        if not all(is_int(s) and s > 0 for s in sizes):
            raise FFNNError(f"hidden_layer_sizes must contain positive ints, got {self.hidden_layer_sizes!r}")
        return [int(s) for s in sizes]

    def _hidden_layers(self):
        """The hidden part of the layer list: Dense/Maxout per hidden_layer_sizes and activation."""
        sizes = self._hidden_sizes()
        acts = self.activation
        if isinstance(acts, str):
            acts = [acts] * len(sizes)
        else:
            try:
                acts = list(acts)
            except TypeError:
                raise FFNNError(f"activation must be a name or a list of names, got {self.activation!r}") from None
            if len(acts) != len(sizes):
                raise FFNNError(f"activation lists {len(acts)} names but there are {len(sizes)} hidden layers "
                                 f"(hidden_layer_sizes={self.hidden_layer_sizes!r}); give one name per layer")
        rates = self._dropout_rates(len(sizes))
        layers = []
        for units, act, rate in zip(sizes, acts, rates):
            name = activations.canonical(act, activations.HIDDEN)
            if name == "maxout":
                if not is_int(self.maxout_pieces) or self.maxout_pieces < 1:
                    raise FFNNError(f"maxout_pieces must be a positive int, got {self.maxout_pieces!r}")
                layers.append(Maxout(units, int(self.maxout_pieces), dropout=rate))
            else:
                layers.append(Dense(units, name, dropout=rate))
        return layers

    def _dropout_rates(self, n_hidden):
        """One dropout rate per hidden layer from ``dropout`` (a rate for all of them, or one per layer)."""
        rates = self.dropout
        if rates is None:
            return [0.0] * n_hidden
        if isinstance(rates, (str, bytes)):
            raise FFNNError(f"dropout must be a rate in [0, 1) or a list of rates, got {rates!r}")
        try:
            rates = list(rates)
        except TypeError:
            return [rates] * n_hidden          # one rate (checked by the layer) for every hidden layer
        if len(rates) != n_hidden:
            raise FFNNError(f"dropout lists {len(rates)} rates but there are {n_hidden} hidden layers "
                            f"(hidden_layer_sizes={self.hidden_layer_sizes!r}); give one rate per layer")
        return rates

    def _check_params(self):
        """Validate the hyper-parameters that are not checked where they are used; raise ValueError."""
        def real(name, low, high=None, low_open=False, high_open=False):
            check_real(getattr(self, name), name, low, high, low_open, high_open)

        if self.solver not in _SOLVERS:
            raise FFNNError(f"solver must be one of {', '.join(_SOLVERS)}, got {self.solver!r}")
        if self.learning_rate not in _LEARNING_RATES:
            raise FFNNError(f"learning_rate must be one of {', '.join(_LEARNING_RATES)}, got {self.learning_rate!r}")
        real("alpha", 0)
        real("l1", 0)
        real("learning_rate_init", 0, low_open=True)
        real("power_t", 0)
        real("tol", 0)
        real("momentum", 0, 1, high_open=True)
        real("validation_fraction", 0, 1, low_open=True, high_open=True)
        real("beta_1", 0, 1, high_open=True)
        real("beta_2", 0, 1, high_open=True)
        real("epsilon", 0, low_open=True)
        for name in ("max_iter", "n_iter_no_change", "max_fun"):
            value = getattr(self, name)
            if not is_int(value) or value < 1:
                raise FFNNError(f"{name} must be a positive int, got {value!r}")
        if self.loss is not None and self.loss not in losses.CHOICES:
            raise FFNNError(f"loss must be None or one of {', '.join(losses.CHOICES)}, got {self.loss!r}")
        for name in ("shuffle", "early_stopping", "nesterovs_momentum", "warm_start"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise FFNNError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.callbacks is not None and not isinstance(self.callbacks, (list, tuple)):
            raise FFNNError(f"callbacks must be None or a list of pyffnn.Callback instances, got {self.callbacks!r}")
        layers = self._hidden_layers()         # checks the sizes, activations and dropout rates
        if self.solver == "lbfgs" and any(layer.dropout for layer in layers):
            raise FFNNError(f"solver='lbfgs' cannot train with dropout={self.dropout!r} (dropout makes the loss "
                            "random); use solver='adam' or 'sgd', or dropout=0")
        callbacks = [] if self.callbacks is None else list(self.callbacks)
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise FFNNError(f"callbacks must be pyffnn.Callback instances, got {cb!r}")
        return callbacks

    def _make_optimizer(self):
        """The solver's row of the optimizer table, with the scikit-learn hyper-parameters that apply to it."""
        row = optimizer_table.get(self.solver)
        if row.name == "lbfgs":
            return row.make(tol=self.tol, max_fun=self.max_fun)
        tunable = {p.name for p in row.parameters}
        settings = {key: getattr(self, sk) for key, sk in _SK_SETTINGS.items() if key in tunable}
        if row.name == "sgd":  # scikit-learn's "sgd" is momentum SGD: momentum and nesterovs_momentum apply
            settings.update(momentum=self.momentum, nesterov=bool(self.nesterovs_momentum) and self.momentum > 0)
        return row.make(**settings)

    # ------------------------------------------------------------------ the training driver
    def _fit(self, X, y, incremental, classes=None, sample_weight=None):
        callbacks = self._check_params()
        dtype = self._np_dtype()
        stochastic = self.solver != "lbfgs"
        if incremental and self.early_stopping:
            raise FFNNError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "network_") or (not self.warm_start and not incremental)
        X, y = validate_data(self, X, y, multi_output=True, dtype=dtype, reset=first_pass,
                             y_numeric=self._kind == "regressor")
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X, dtype)
        if self.class_weight is not None:
            if self._kind != "classifier":
                raise FFNNError("class_weight applies to classifiers; give FFNNRegressor a sample_weight instead")
            # scikit-learn's own rule ("balanced": n / (n_classes * count)), multiplied into the sample weights
            weights = compute_sample_weight(self.class_weight, y).astype(dtype)
            sample_weight = weights if sample_weight is None else sample_weight * weights
        Y = self._encode_targets(y, first_pass, incremental, classes).astype(dtype, copy=False)
        rng = check_random_state(self.random_state)

        if first_pass:
            self._initialize(X.shape[1], Y.shape[1], dtype, int(rng.randint(_SEED_MAX)))
        else:
            self._check_continuation(Y.shape[1], dtype)
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._make_optimizer()

        validation = None
        X_train, Y_train, w_train = X, Y, sample_weight
        if self.early_stopping and stochastic:  # as in scikit-learn, lbfgs does not stop early
            stratify = y if self._kind == "classifier" and y.ndim == 1 else None
            # the weights follow their samples into the two parts (an extra array does not change the split)
            arrays = (X, Y, y) if sample_weight is None else (X, Y, y, sample_weight)
            parts = train_test_split(*arrays, random_state=rng, test_size=self.validation_fraction,
                                     stratify=stratify)
            X_train, X_val, Y_train, _, _, y_val = parts[:6]
            w_train, w_val = parts[6:] if sample_weight is not None else (None, None)
            if X_val.shape[0] < 2:
                raise FFNNError("the validation set is too small for early stopping; increase "
                                 "validation_fraction or the number of samples")
            if sample_weight is not None:
                _check_split_weight(w_train, "training")
                _check_split_weight(w_val, "validation")
            validation = (X_val, y_val, w_val)

        n = X_train.shape[0]
        batch_size = batch_size_for(self.batch_size, n) if stochastic else n
        monitor = SklearnMonitor(self, n, validation, self._optimizer, stochastic=stochastic)
        self.n_iter_ = 0
        self.network_.fit(
            X_train, Y_train, loss=self._loss_name(), optimizer=self._optimizer,
            epochs=1 if incremental else self.max_iter, batch_size=batch_size, shuffle=bool(self.shuffle),
            l2=self._l2(batch_size, w_train), l1=self._l2(batch_size, w_train, self.l1), sample_weight=w_train,
            callbacks=[monitor] + callbacks, verbose=0, random_state=int(rng.randint(_SEED_MAX)))

        if not stochastic:
            self._check_lbfgs_result()
            return self
        if self.early_stopping and self._best_params is not None:
            self.network_.params[:] = self._best_params
        if not incremental and not monitor.converged and self.n_iter_ == self.max_iter:
            warnings.warn(f"{type(self).__name__}: maximum iterations ({self.max_iter}) reached and the "
                          "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=3)
        return self

    def _check_lbfgs_result(self):
        """scikit-learn's ``_check_optimize_result``: a ConvergenceWarning unless L-BFGS-B reported success."""
        result = self._optimizer.result
        self.loss_ = float(result.fun)
        if result.status != 0:
            message = result.message.decode("latin1") if isinstance(result.message, bytes) else result.message
            warnings.warn(f"lbfgs failed to converge after {result.nit} iteration(s) (status={result.status}): "
                          f"{message}. Increase the number of iterations (max_iter={self.max_iter}) or max_fun, "
                          "or scale the data.", ConvergenceWarning, stacklevel=3)

    def _l2(self, batch_size, sample_weight, alpha=None):
        """The core's L2 coefficient for scikit-learn's ``0.5 * alpha * ||W||^2 / batch_weight`` minibatch term.

        scikit-learn divides by each minibatch's sample count (its weight sum with ``sample_weight``); the core
        takes one coefficient per fit, so the divisor is the mean minibatch weight ``batch_size * mean(w)``
        (exact for one full batch; equal weights give ``alpha / batch_size``).  ``alpha=self.l1`` gives the L1
        coefficient, scaled the same way.
        """
        l2 = float(self.alpha if alpha is None else alpha) / batch_size
        if sample_weight is not None:
            l2 *= sample_weight.shape[0] / float(sample_weight.sum(dtype=np.float64))
        return l2

    def _initialize(self, n_features, n_outputs, dtype, seed):
        from ..network import Network

        self.n_outputs_ = n_outputs
        out_act = self._output_activation()
        layers = [n_features] + self._hidden_layers() + [Dense(n_outputs, out_act)]
        self.network_ = Network(layers, dtype=dtype, random_state=seed)
        self.out_activation_ = activations.get(out_act).sklearn or out_act
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
            self._best_params = self.network_.params.copy()
        else:
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self._best_params = None

    def _check_continuation(self, n_outputs, dtype):
        if n_outputs != self.n_outputs_:
            raise FFNNError(f"y has {n_outputs} output(s) but the model was fitted with {self.n_outputs_}; "
                             "fit from scratch (warm_start=False) to change the targets")
        if np.dtype(self.network_.dtype) != dtype:
            raise FFNNError(f"dtype={self.dtype!r} but the fitted network is {np.dtype(self.network_.dtype)}; "
                             "fit from scratch (warm_start=False) to change the dtype")
        if self.early_stopping and getattr(self, "validation_scores_", None) is None:
            # early stopping switched on for a warm start: begin its bookkeeping now
            self.validation_scores_, self.best_validation_score_ = [], -np.inf
            self._best_params = self.network_.params.copy()

    def _predict_raw(self, X):
        """Validated X -> output-layer activations, shape (n, network outputs)."""
        check_is_fitted(self, "network_")
        X = validate_data(self, X, reset=False, dtype=self._fitted_dtype())
        return np.asarray(self.network_.predict(X)).reshape(X.shape[0], -1)

    def _fitted_dtype(self):
        return np.dtype(self.network_.dtype)

    # ------------------------------------------------------------------ scikit-learn's estimator checks
    def _expected_failed_checks(self):
        """scikit-learn estimator checks this configuration cannot pass, with the reason (for
        ``parametrize_with_checks(..., expected_failed_checks=...)``; ``_xfail_checks`` before 1.6)."""
        try:
            float32 = np.dtype(self.dtype) == np.float32
        except TypeError:
            float32 = False
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            return {"check_sample_weight_equivalence_on_dense_data":
                    "class_weight='balanced' counts the classes' samples (scikit-learn's compute_class_weight "
                    "ignores sample_weight), so repeating a sample changes every class weight while weighting it "
                    "does not; the two fits are meant to differ"}
        if not float32:
            return {}
        return {"check_sample_weight_equivalence_on_dense_data":
                "float32 arithmetic: the weighted fit and the fit on repeated rows add the same terms in a "
                "different order, so their results differ by float32 rounding (relative ~1e-6 after 100 "
                "epochs, as much as merely permuting the repeated rows), above the check's rtol=1e-7; in "
                "float64 the check passes"}


class FFNNClassifier(ClassifierMixin, _BaseFFNN):
    """Multi-layer perceptron classifier trained by pyffnn's C core (scikit-learn estimator).

    Binary problems get one logistic output, multiclass problems a softmax layer, and a 2-D 0/1 ``y``
    (multi-label) one logistic output per label; the loss is the matching cross-entropy.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units per hidden layer; ``()`` gives a model without hidden layers.
    activation : str or list of str, default="relu"
        Hidden activation, one name for every hidden layer or one per layer: "relu", "tanh",
        "logistic" (= "sigmoid"), "identity" (= "linear"), "softplus", "maxout".
    solver : {"adam", "sgd", "momentum", "nesterov", "lbfgs", "rprop"}, default="adam"
        "sgd" uses ``momentum``/``nesterovs_momentum`` and the ``learning_rate`` schedule; "lbfgs" is SciPy's
        L-BFGS-B on all the data at once (``max_iter`` iterations, ``max_fun`` loss evaluations, ``tol`` as its
        gradient tolerance; no early stopping, no ``partial_fit``; needs SciPy); "rprop" is iRprop-
        (best with ``batch_size`` equal to the number of samples).
    alpha : float, default=1e-4
        L2 penalty as in scikit-learn: ``0.5 * alpha * ||W||^2 / batch_samples`` is added to each minibatch loss
        (with ``sample_weight``, ``batch_samples`` is ``batch_size * mean(sample_weight)``).
    l1 : float, default=0.0
        L1 penalty (pyffnn's addition), scaled like ``alpha``: ``l1 * ||W||_1 / batch_samples`` is added to each
        minibatch loss (weights only; drives weights to exact zeros).  Not with ``solver="lbfgs"``.
    dropout : float or list of float, default=0.0
        Inverted dropout on the hidden layers while training (pyffnn's addition): a rate in [0, 1) for every
        hidden layer, or one rate per layer.  Predictions never drop.  Not with ``solver="lbfgs"``.
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Step-size schedule for ``solver="sgd"`` (as in scikit-learn).
    learning_rate_init : float, default=1e-3
        Step size of "sgd" and "adam".
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Shuffle the samples every epoch.
    random_state : int, RandomState or None
        Seeds the initial weights, the shuffling and the early-stopping split.
    tol : float, default=1e-4
        Improvement an epoch must make (in training loss, or validation accuracy with early stopping).
    verbose : bool, default=False
        Print the loss of every epoch.
    warm_start : bool, default=False
        Continue from the fitted weights in ``fit``.
    momentum : float, default=0.9
        Momentum of "sgd".
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with "sgd" (when ``momentum > 0``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified) and stop when its accuracy stops improving;
        the weights of the best epoch are kept.
    validation_fraction : float, default=0.1
        Size of the early-stopping split.
    beta_1, beta_2, epsilon : float
        Adam's moment decay rates and denominator constant.
    n_iter_no_change : int, default=10
        Stop after more than this many epochs without an improvement of ``tol``.
    maxout_pieces : int, default=2
        Linear pieces per unit of "maxout" hidden layers.
    out_activation : {None, "logistic", "softmax"}, default=None
        None chooses as scikit-learn does; "softmax" also works for binary problems (two outputs).
    loss : {None, "log_loss", "binary_log_loss", "squared_error", "ce", "bce", "mse"}, default=None
        None pairs the loss with the output activation (cross-entropy).
    dtype : {"float64", "float32"}, default="float64"
        Precision of the weights and of the computation.
    callbacks : list of pyffnn.Callback, optional
        Extra callbacks handed to ``Network.fit``.
    max_fun : int, default=15000
        Maximum number of loss evaluations of ``solver="lbfgs"``.
    class_weight : "balanced", dict {label: weight} or None, default=None
        Weights of the classes, scikit-learn's meaning (``compute_sample_weight``): "balanced" weighs class ``c``
        ``n_samples / (n_classes * count(c))``; listed labels get their weight, the others 1.  They multiply
        ``sample_weight``.  (Classifier only.)

    Attributes
    ----------
    classes_, n_features_in_, feature_names_in_ (when fitted on a DataFrame), n_outputs_, out_activation_,
    coefs_, intercepts_ (views into ``network_``), n_layers_, loss_, loss_curve_, best_loss_,
    validation_scores_, best_validation_score_, n_iter_, t_, network_ (the trained ``pyffnn.Network``).
    """

    _kind = "classifier"

    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,) or a 0/1 matrix (multi-label).

        ``sample_weight`` (n_samples,), optional: non-negative weight of each sample's loss; each minibatch
        step minimises Σ w_i ℓ_i / Σ w_i (a minibatch whose weights are all zero makes no update).  Integer
        weights act like repeated samples (exactly so with one full batch).  With early stopping the weights
        follow their samples into the training and validation parts and weight the validation accuracy.
        Returns ``self``.
        """
        return self._fit(X, y, incremental=False, sample_weight=sample_weight)

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over ``(X, y)``, continuing from the current weights and optimizer state.

        ``classes`` (every label that can occur) is required on the first call, unless ``y`` is multi-label.
        ``sample_weight`` is as in :meth:`fit`.  (``classes`` stays the third positional argument, as in
        earlier pyffnn releases; scikit-learn's MLP puts ``sample_weight`` there, so pass both by keyword.)
        """
        if classes is not None:
            classes = np.unique(np.asarray(classes))
            if hasattr(self, "classes_") and not np.array_equal(classes, self.classes_):
                raise FFNNError(f"classes={classes!r} is not the same as on the first call to partial_fit, "
                                 f"which was {self.classes_!r}")
        elif not hasattr(self, "classes_") and not _is_multilabel(y):
            raise FFNNError("classes must be passed on the first call to partial_fit "
                             "(every label that can occur, e.g. np.unique(y_all))")
        return self._fit(X, y, incremental=True, classes=classes, sample_weight=sample_weight)

    def _encode_targets(self, y, first_pass, incremental, classes):
        check_classification_targets(y)
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass", "multilabel-indicator"):
            raise FFNNError(f"FFNNClassifier supports binary, multiclass and multi-label (2-D 0/1) targets; "
                             f"got a {kind!r} target")
        if first_pass and (not incremental or not hasattr(self, "classes_")):
            lb = LabelBinarizer()
            lb.fit(y if classes is None or kind == "multilabel-indicator" else classes)
            if len(lb.classes_) < 2:
                raise FFNNError(f"FFNNClassifier needs at least 2 classes in y, got 1 class: {lb.classes_!r}")
            self._label_binarizer = lb
            self.classes_ = lb.classes_
            # a binary problem on a softmax output: two columns [P(classes_[0]), P(classes_[1])]
            self._binary_softmax = lb.y_type_ == "binary" and self.out_activation == "softmax"
        else:
            labels = np.arange(y.shape[1]) if kind == "multilabel-indicator" else np.unique(y)
            if self.warm_start and not incremental and set(labels) != set(self.classes_):
                raise FFNNError("warm_start can only be used where y has the same classes as in the previous "
                                 f"call to fit; previously got {self.classes_!r}, y has {labels!r}")
            if len(np.setdiff1d(labels, self.classes_)):
                raise FFNNError(f"y has classes {np.setdiff1d(labels, self.classes_)!r} not in classes_ "
                                 f"{self.classes_!r}")
        if (kind == "multilabel-indicator") != (self._label_binarizer.y_type_ == "multilabel-indicator"):
            raise FFNNError("y switches between multi-label (2-D 0/1) and single-label targets across calls")
        Y = self._label_binarizer.transform(y)
        if self._binary_softmax:
            Y = np.hstack([1 - Y, Y])
        return Y

    def _output_activation(self):
        y_type = self._label_binarizer.y_type_
        default = "softmax" if y_type == "multiclass" else "sigmoid"
        if self.out_activation is None:
            return default
        act = activations.ALIASES.get(self.out_activation.lower()) if isinstance(self.out_activation, str) else None
        if act is None or not activations.get(act).probability:
            raise FFNNError(f"FFNNClassifier out_activation must be None, 'logistic' or 'softmax', "
                             f"got {self.out_activation!r}")
        if act == "softmax" and y_type == "multilabel-indicator":
            raise FFNNError("out_activation='softmax' cannot model multi-label targets; use 'logistic' or None")
        if act == "sigmoid" and y_type == "multiclass":
            raise FFNNError("out_activation='logistic' cannot model multiclass targets; use 'softmax' or None")
        return act

    def _loss_name(self):
        # None and "log_loss" both give the cross-entropy of the output layer (the loss table's rule)
        return "auto" if self.loss is None else self.loss

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), columns in the order of ``classes_``.

        For multi-label models, column k is the probability that label k is on (rows need not sum to 1).
        """
        proba = self._predict_raw(X)
        if proba.shape[1] == 1:
            return np.hstack([1 - proba, proba])
        return proba

    def predict_log_proba(self, X):
        """Natural log of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted labels (from ``classes_``); a 0/1 matrix for multi-label models."""
        proba = self._predict_raw(X)
        if self._binary_softmax:
            proba = proba[:, 1:]
        if proba.shape[1] == 1:
            proba = proba.ravel()
        return self._label_binarizer.inverse_transform(proba)

    def _validation_score(self, X_val, y_val, sample_weight=None):
        return accuracy_score(y_val, self._predict_validated(X_val), sample_weight=sample_weight)

    def _predict_validated(self, X):
        proba = np.asarray(self.network_.predict(X)).reshape(X.shape[0], -1)
        if self._binary_softmax:
            proba = proba[:, 1:]
        return self._label_binarizer.inverse_transform(proba.ravel() if proba.shape[1] == 1 else proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multilabel": True, "_xfail_checks": self._expected_failed_checks()}


class FFNNRegressor(RegressorMixin, _BaseFFNN):
    """Multi-layer perceptron regressor trained by pyffnn's C core (scikit-learn estimator).

    Parameters are those of :class:`FFNNClassifier`, except:

    out_activation : str or None, default=None
        Output activation; None is "identity".  "logistic", "tanh", "relu" and "softplus" bound the outputs.
    loss : {None, "squared_error", "mse", "binary_log_loss", "bce"}, default=None
        None is the squared error ½·Σ_k (a_k − y_k)² (mean over samples).  "bce" needs a logistic output.

    With early stopping the validation score is R².  ``y`` may be 1-D or 2-D (multi-output regression).
    """

    _kind = "regressor"

    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` (n_samples, n_features) and targets ``y`` (n_samples,) or (n_samples, n_outputs).

        ``sample_weight`` is as in :meth:`FFNNClassifier.fit` (with early stopping it weights the validation R²).
        """
        return self._fit(X, y, incremental=False, sample_weight=sample_weight)

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)``, continuing from the current weights and optimizer state."""
        return self._fit(X, y, incremental=True, sample_weight=sample_weight)

    def _encode_targets(self, y, first_pass, incremental, classes):
        return y.reshape(y.shape[0], -1)

    def _output_activation(self):
        if self.out_activation is None:
            return "linear"
        act = activations.ALIASES.get(self.out_activation.lower()) if isinstance(self.out_activation, str) else None
        if act is None or not activations.get(act).output:
            raise FFNNError(f"FFNNRegressor out_activation must be None or one of "
                             f"{', '.join(activations.OUTPUT_NAMES)} (or identity, logistic), "
                             f"got {self.out_activation!r}")
        return act

    def _loss_name(self):
        return "mse" if self.loss is None else self.loss

    def predict(self, X):
        """Predicted targets, shape (n_samples,) for one output, else (n_samples, n_outputs).

        Always float64 (scikit-learn's convention for regressors), also when ``dtype="float32"``.
        """
        out = self._predict_raw(X).astype(np.float64, copy=False)
        return out.ravel() if self.n_outputs_ == 1 else out

    def _validation_score(self, X_val, y_val, sample_weight=None):
        out = np.asarray(self.network_.predict(X_val)).reshape(X_val.shape[0], -1)
        return r2_score(y_val, out.ravel() if self.n_outputs_ == 1 else out, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multioutput": True, "_xfail_checks": self._expected_failed_checks()}


def _is_multilabel(y):
    try:
        return type_of_target(y) == "multilabel-indicator"
    except ValueError:
        return False
