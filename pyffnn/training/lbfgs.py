"""L-BFGS: ``scipy.optimize.minimize(method="L-BFGS-B", jac=True)`` over the flat parameter buffer.

Each L-BFGS iteration is one "epoch" of ``fit``: the callbacks see ``on_epoch_begin``/``on_chunk_end``/
``on_epoch_end`` per iteration, with the full-batch loss, and may stop the run.  SciPy is an optional dependency
(``pip install pyffnn[lbfgs]``); without it ``optimizer="lbfgs"`` is a clear error.
"""
import contextlib

import numpy as np

from ..errors import FFNNError, TrainingDiverged
from .decisions import accuracy
from .optimizers import Configurable
from ..validation import check_real


def _positive(value, name):
    if isinstance(value, (bool, np.bool_)):
        raise FFNNError(f"{name} must be a positive number, got {value!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise FFNNError(f"{name} must be a positive number, got {value!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise FFNNError(f"{name} must be a positive finite number, got {value}")
    return value


class LBFGS(Configurable):
    """Limited-memory BFGS on the whole training set (full batch), as scikit-learn's ``solver="lbfgs"``.

    ``tol`` is SciPy's ``gtol`` (stop when the largest gradient component is below it), ``max_fun`` the budget of
    loss/gradient evaluations, ``memory`` the number of correction pairs kept (SciPy's ``maxcor``); ``fit``'s
    ``epochs`` is the iteration limit.  ``l2`` is the weight penalty ½·l2·ΣW², read at every evaluation;
    ``l1`` must stay 0 (the L1 penalty is not smooth: L-BFGS refuses it, use adam or sgd for L1).
    After a fit, ``result`` is SciPy's ``OptimizeResult`` and ``iterations`` counts the iterations of all fits.
    """

    has_learning_rate = False

    def __init__(self, tol=1e-5, max_fun=15000, memory=10, l2=0.0, l1=0.0):
        self.tol, self.max_fun, self.memory, self.l2, self.l1 = tol, max_fun, memory, l2, l1
        self.iterations = 0
        self.result = None

    def reset(self):
        """Forget the iteration count (L-BFGS keeps no state between fits: each starts a fresh curvature model)."""
        self.iterations = 0
        self.result = None

    def options(self, max_iter):
        tol = _positive(self.tol, "L-BFGS tol")
        for name in ("max_fun", "memory"):
            value = getattr(self, name)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
                raise FFNNError(f"L-BFGS {name} must be a positive integer, got {value!r}")
        return {"maxiter": max_iter, "maxfun": int(self.max_fun), "gtol": tol, "maxcor": int(self.memory)}

    def __repr__(self):
        return f"LBFGS(tol={self.tol}, max_fun={self.max_fun}, memory={self.memory}, l2={self.l2})"


def _minimize():
    try:
        from scipy.optimize import minimize
    except ImportError:
        raise FFNNError("optimizer='lbfgs' needs SciPy: pip install pyffnn[lbfgs] (or pip install scipy)") from None
    return minimize


def _one_blas_thread():
    """L-BFGS-B's vector updates are small BLAS calls; threaded BLAS only makes them wait for each other (ten
    times slower on a busy machine), so they run on one thread when threadpoolctl (a scikit-learn dependency) is
    there.  The network's own computation is pyffnn's core, which is not affected."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def run_lbfgs(net, X, Y, W, Xv, Yv, loss_name, opt, epochs, initial_epoch, cbs, history):
    """Minimise the full-batch loss from ``net.params``; returns the number of iterations ("epochs") run."""
    from .loop import epoch_logs

    minimize = _minimize()
    if check_real(getattr(opt, "l1", 0.0), "l1", low=0):
        raise FFNNError("L-BFGS needs a smooth loss, and the L1 penalty is not differentiable at 0; "
                        "use l2, or a gradient optimizer (adam, sgd) for l1")
    max_iter = epochs - initial_epoch
    if max_iter <= 0:
        return 0
    options = opt.options(max_iter)
    n = X.shape[0]
    grads = np.zeros(net.n_params, dtype=net.dtype)
    outputs = np.empty((n, net.n_outputs), dtype=net.dtype)
    last = {"x": None, "value": None}
    best = {"x": net.params.astype(np.float64), "value": np.inf}

    def fun(x):
        params = x.astype(net.dtype, copy=False)
        value = net._loss_grad_raw(params, X, Y, loss_name, net._check_l2(opt.l2), grads, W, outputs=outputs)
        last["x"], last["value"] = x.copy(), value
        if not np.isfinite(value):
            return np.inf, np.zeros_like(x)  # the line search backs off from a non-finite trial point
        if value < best["value"]:
            best["x"], best["value"] = x.copy(), value
        return value, grads.astype(np.float64)

    state = {"epoch": initial_epoch, "done": 0}

    def callback(intermediate_result):
        x, value = intermediate_result.x, float(intermediate_result.fun)
        net.params[:] = x
        if last["x"] is None or not np.array_equal(last["x"], x):
            fun(x)  # the outputs of this very iterate, for its accuracy
        logs = epoch_logs(net, value, accuracy(outputs, Y, net.output_activation), Xv, Yv, loss_name, opt)
        epoch = state["epoch"]
        cbs.on_chunk_end(state["done"] + 1, {"loss": value, "epoch": epoch, "samples": n})
        state["done"] += 1
        state["epoch"] += 1
        cbs.on_epoch_end(epoch, logs)
        if net.stop_training:
            history.stopped_early = True
            raise StopIteration
        if state["epoch"] < epochs:
            cbs.on_epoch_begin(state["epoch"])

    cbs.on_epoch_begin(initial_epoch)
    with _one_blas_thread():
        result = minimize(fun, net.params.astype(np.float64), jac=True, method="L-BFGS-B", callback=callback,
                          options=options)
    if not np.isfinite(result.fun):
        net.params[:] = best["x"]
        raise TrainingDiverged("L-BFGS diverged: the loss became NaN or infinite; the weights are the best "
                               "finite ones. Try standardised inputs.")
    net.params[:] = result.x
    opt.result = result
    opt.iterations += int(result.nit)
    return state["done"]
