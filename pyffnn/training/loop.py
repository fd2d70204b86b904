"""The one training loop.  ``Network.fit``, the estimators, the command line and the app all run through here.

Python prepares data once, then hands the core whole chunks of minibatch steps (the core releases the GIL), and
between chunks it reports progress to callbacks, which may stop training.
"""
import sys

import numpy as np

from .. import _binding as core
from .callbacks import Callback, History
from ..errors import FFNNError, TrainingDiverged
from .optimizers import Optimizer, make_optimizer
from .targets import check_sample_weight, check_X, encode_targets, is_classifier_output

# Aim for about this many floating-point operations per core call: large enough that Python's overhead is
# negligible, small enough that callbacks (a GUI's Pause) hear from training many times a second.
_FLOPS_PER_CHUNK = 5e8


def _split_validation(X, Y, W, validation_split, validation_data, net, loss_name, rng):
    if validation_data is not None:
        if validation_split:
            raise FFNNError("give either validation_split or validation_data, not both")
        try:
            Xv, yv = validation_data
        except (TypeError, ValueError):
            raise FFNNError("validation_data must be a pair (X_val, y_val)") from None
        Xv, _ = check_X(Xv, net.n_inputs, net.dtype, what="validation X")
        Yv = encode_targets(yv, Xv.shape[0], net.n_outputs, net.output_activation, loss_name, net.dtype)
        return X, Y, W, Xv, Yv
    try:
        split = float(validation_split)
    except (TypeError, ValueError):
        raise FFNNError(f"validation_split must be a number in [0, 1), got {validation_split!r}") from None
    if isinstance(validation_split, bool) or not 0 <= split < 1:
        raise FFNNError(f"validation_split must be in [0, 1), got {validation_split}")
    if split == 0:
        return X, Y, W, None, None
    n_val = int(round(split * X.shape[0]))
    if n_val < 1 or n_val >= X.shape[0]:
        raise FFNNError(f"validation_split={split} leaves no validation or no training samples "
                        f"out of {X.shape[0]}")
    perm = rng.permutation(X.shape[0])  # a seeded shuffle: sorted data would otherwise give a biased split
    val, tr = np.sort(perm[:n_val]), np.sort(perm[n_val:])
    W_tr = None if W is None else check_sample_weight(W[tr], tr.size, W.dtype)
    return X[tr], Y[tr], W_tr, X[val], Y[val]


def _check_int(value, name, minimum):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise FFNNError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise FFNNError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def _callbacks(callbacks, net):
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        callbacks = [callbacks]
    try:
        out = list(callbacks)
    except TypeError:
        raise FFNNError(f"callbacks must be a list of pyffnn.Callback instances, got {callbacks!r}") from None
    for cb in out:
        if not isinstance(cb, Callback):
            raise FFNNError(f"callbacks must be pyffnn.Callback instances, got {cb!r}")
        cb.network = net
    return out


def train(net, X, y, *, loss, optimizer, lr, epochs, batch_size, shuffle, l2, validation_split, validation_data,
          callbacks, verbose, random_state, sample_weight=None):
    """Run ``epochs`` epochs of minibatch training of ``net``; see :meth:`Network.fit`."""
    X, Y, loss_name = net._prepare_xy(X, y, loss)
    W = check_sample_weight(sample_weight, X.shape[0], net.dtype)
    epochs = _check_int(epochs, "epochs", 0)
    l2 = net._check_l2(l2)
    if isinstance(optimizer, Optimizer) and lr is not None:
        raise FFNNError("lr is set inside the optimizer object; pass lr only with an optimizer name")
    opt = make_optimizer(optimizer, lr)
    if random_state is not None and not isinstance(random_state, np.random.Generator):
        random_state = _check_int(random_state, "random_state", 0)
    rng = net._rng if random_state is None else np.random.default_rng(random_state)
    if not (isinstance(shuffle, (bool, np.bool_)) or (isinstance(shuffle, (int, np.integer)) and shuffle in (0, 1))):
        raise FFNNError(f"shuffle must be True or False, got {shuffle!r}")
    X, Y, W, Xv, Yv = _split_validation(X, Y, W, validation_split, validation_data, net, loss_name, rng)
    n = X.shape[0]
    total_weight = float(n) if W is None else float(W.sum(dtype=np.float64))
    batch = n if batch_size is None else min(_check_int(batch_size, "batch_size", 1), n)
    cbs = _callbacks(callbacks, net)

    # Everything the core needs is allocated here, once per fit: no allocation per step.
    work, iwork = core.workspace(net._table, net.n_layers, batch, net.dtype)
    c_opt = opt.prepare(net.n_params, net.dtype)
    order = np.arange(n, dtype=np.int64)
    snapshot = np.empty_like(net.params)  # last finite weights, refreshed before each chunk
    flops_per_sample = 6.0 * net.n_params
    chunk = max(batch, int(_FLOPS_PER_CHUNK / flops_per_sample) // batch * batch)
    train_fn = core.func("ffnn_train", net.dtype)
    loss_sum, n_done, n_correct = core.ffi.new("double *"), core.ffi.new("int64_t *"), core.ffi.new("double *")
    p_params, p_grads, p_X, p_Y = core.wptr(net.params), core.wptr(net.grads), core.ptr(X), core.ptr(Y)
    p_W = core.ptr(W)
    p_state, p_work, p_iwork = core.wptr(opt.state), core.wptr(work), core.iptr(iwork)
    code = core.LOSS_CODES[loss_name]
    classify = is_classifier_output(net.output_activation)
    correct_div = n if net.output_activation == "softmax" else n * net.n_outputs

    history = History()
    net.stop_training = False
    # the settings of this fit, for callbacks that record runs (RunLogger)
    begin_logs = {"optimizer": opt, "loss": loss_name, "epochs": epochs, "batch_size": batch, "l2": l2,
                  "shuffle": bool(shuffle), "random_state": random_state if isinstance(random_state, int) else None,
                  "n_samples": n, "n_validation": 0 if Xv is None else Xv.shape[0], "weighted": W is not None}
    for cb in cbs:
        cb.on_train_begin(begin_logs)
    step = 0
    try:
        for epoch in range(epochs):
            if shuffle:
                rng.shuffle(order)
            epoch_loss, epoch_correct, seen = 0.0, 0.0, 0
            for start in range(0, n, chunk):
                part = order[start:start + chunk]
                np.copyto(snapshot, net.params)  # restored if this chunk diverges
                status = train_fn(net._table, net.n_layers, p_params, p_grads, p_X, p_Y, p_W, n, core.i64ptr(part),
                                  part.size, batch, code, l2, c_opt, p_state, p_work, p_iwork, loss_sum,
                                  n_correct, n_done)
                if status == core.lib.FFNN_E_NONFINITE:
                    net.params[:] = snapshot
                    err = TrainingDiverged(f"training diverged in epoch {epoch + 1}: the loss became NaN or "
                                           "infinite; the weights are the last finite ones. Try a smaller "
                                           "learning rate or standardised inputs.")
                    err.history = history
                    raise err
                core.check(status, "training step")
                epoch_loss += loss_sum[0]
                epoch_correct += n_correct[0]
                seen += int(n_done[0])
                step += 1
                if cbs:
                    chunk_weight = int(n_done[0]) if W is None else float(W[part].sum(dtype=np.float64))
                    chunk_logs = {"loss": loss_sum[0] / chunk_weight if chunk_weight > 0 else 0.0, "epoch": epoch,
                                  "samples": seen}
                    for cb in cbs:
                        cb.on_chunk_end(step, chunk_logs)
                if net.stop_training:
                    break
            if seen < n:  # stopped mid-epoch: the epoch is not complete, so it is not recorded
                history.stopped_early = True
                break
            logs = {"loss": epoch_loss / total_weight}
            if classify:
                logs["accuracy"] = epoch_correct / correct_div
            if Xv is not None:
                logs["val_loss"], val_accuracy = net._loss_and_accuracy(Xv, Yv, loss_name, l2)
                if classify:
                    logs["val_accuracy"] = val_accuracy
            history.record(epoch, logs)
            for cb in cbs:
                cb.on_epoch_end(epoch, logs)
            if verbose:
                text = "  ".join(f"{k}={v:.4g}" for k, v in logs.items())
                print(f"epoch {epoch + 1}/{epochs}  {text}", file=sys.stdout, flush=True)
            if net.stop_training:
                history.stopped_early = True
                break
    finally:
        for cb in cbs:
            cb.on_train_end({"epochs": len(history.epoch)})
        net.stop_training = False
    return history
