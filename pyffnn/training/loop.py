"""The one training loop.  ``Network.fit``, the estimators, the command line and the app all run through here.

Python prepares data once, then hands the core whole chunks of minibatch steps (the core releases the GIL), and
between chunks it dispatches to the callbacks (a :class:`CallbackList`), which may stop training or change the
optimizer's hyper-parameters: the loop reads them again before every chunk.  ``optimizer="lbfgs"`` runs
:func:`pyffnn.training.lbfgs.run_lbfgs` instead, with one "epoch" per L-BFGS iteration and the same callbacks;
``comm=`` (an MPI communicator) runs :func:`pyffnn.training.data_parallel.run_data_parallel`, the same minibatch
epochs with each minibatch's gradient shared out over the ranks.
"""
import sys

import numpy as np

from .. import _binding as core
from ..data.arrays import Shards, block_rows, is_memmap
from ..errors import FFNNError, TrainingDiverged
from .callbacks import CallbackList, History
from .class_weight import class_sample_weight
from .data_parallel import check_comm, run_data_parallel
from .lbfgs import LBFGS, run_lbfgs
from ..registry.optimizers import make_optimizer
from .decisions import is_classifier_output
from .optimizers import Optimizer
from .progress import ProgressBar
from ..validation import all_finite, check_bool, check_int
from .targets import check_sample_weight, check_X, encode_targets

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


def _check_verbose(verbose):
    if isinstance(verbose, (bool, np.bool_)):
        return int(verbose)
    if not isinstance(verbose, (int, np.integer)) or verbose not in (0, 1, 2):
        raise FFNNError(f"verbose must be 0 (silent), 1 (a line per epoch) or 2 (a live bar per epoch), "
                        f"got {verbose!r}")
    return int(verbose)


def _make_optimizer(optimizer, lr, learning_rate, l2, l1=None):
    if learning_rate is not None:
        if lr is not None:
            raise FFNNError("give lr or learning_rate (two spellings of the same setting), not both")
        lr = learning_rate
    if isinstance(optimizer, (Optimizer, LBFGS)) and lr is not None:
        raise FFNNError("lr is set inside the optimizer object; pass lr only with an optimizer name")
    opt = make_optimizer(optimizer, lr)
    if l2 is not None:
        opt.l2 = l2  # fit's l2 becomes the optimizer's weight penalty, which callbacks may change mid-fit
    if l1 is not None:
        opt.l1 = l1
    return opt


def _learning_rate(opt):
    """The learning rate the optimizer trains with now, or None for optimizers without one (RPROP, L-BFGS)."""
    return float(opt.lr) if getattr(opt, "has_learning_rate", False) else None


def _callback_list(callbacks, history, verbose):
    cbs = CallbackList(callbacks)
    cbs.insert(0, history)  # first, so an epoch is recorded even if a later callback raises
    if verbose:
        cbs.append(ProgressBar(stream=sys.stdout, mode="epoch" if verbose == 2 else "line"))
    return cbs


def _check_shuffle(shuffle):
    try:
        return check_bool(shuffle, "shuffle")
    except FFNNError:
        raise FFNNError(f"shuffle must be True or False, or 'blocks' (a random order of contiguous blocks, for "
                        f"memory-mapped data), got {shuffle!r}") from None


def _check_mapped(X, dtype, what):
    """A memory-mapped array of another dtype than the network's would be converted, i.e. loaded, whole."""
    if isinstance(X, np.ndarray) and is_memmap(X) and X.dtype != np.dtype(dtype) and X.dtype.kind in "biuf":
        raise FFNNError(f"{what} is a memory-mapped {X.dtype} array; converting it to the network's {np.dtype(dtype)} "
                        f"would load it whole. Build the network with dtype='{X.dtype}' (float32 or float64) or "
                        f"save the file as {np.dtype(dtype)}")


def _prepare_shards(net, shards, y, loss, sample_weight, class_weight, validation_split, optimizer):
    """``[(X, Y, None)]`` per shard, each checked and encoded on its own (the features stay mapped)."""
    if y is not None:
        raise FFNNError("with Shards the targets come from the shard files; pass y=None")
    if sample_weight is not None or class_weight is not None:
        raise FFNNError("sample_weight and class_weight are not supported with Shards")
    if validation_split:
        raise FFNNError("validation_split is not supported with Shards; give validation_data=(X_val, y_val) "
                        "(e.g. one shard kept out of the folder)")
    if isinstance(optimizer, LBFGS) or optimizer == "lbfgs":
        raise FFNNError("L-BFGS needs the whole training set at once; train Shards with a minibatch optimizer")
    segments, loss_name = [], None
    for name, (Xs, ys) in zip(shards.names, shards):
        _check_mapped(Xs, net.dtype, f"shard {name!r}")
        try:
            Xk, Yk, loss_name = net._prepare_xy(Xs, ys, loss)
        except FFNNError as exc:
            raise FFNNError(f"shard {name!r}: {exc}") from None
        segments.append((Xk, Yk, None))
    return segments, loss_name


def _block_shuffle(order, block, rng):
    """``order`` := a random order of the contiguous blocks of ``block`` rows, each block shuffled inside."""
    m = order.size
    pos = 0
    for b in rng.permutation(-(-m // block)):
        rows = np.arange(b * block, min((b + 1) * block, m), dtype=np.int64)
        rng.shuffle(rows)
        order[pos:pos + rows.size] = rows
        pos += rows.size


def train(net, X, y, **settings):
    """Train ``net`` for epochs ``initial_epoch .. epochs-1``; see :meth:`Network.fit`.

    The network is marked busy meanwhile: a fit or compute_grads from another thread is a clear error.  A fit
    nested inside a callback (same thread) runs, and leaves the outer run's stop request as it found it.
    """
    with net._exclusive("fit") as nested:
        outer_stop = net.stop_training
        try:
            return _train(net, X, y, **settings)
        finally:
            if nested:
                net.stop_training = outer_stop


def _train(net, X, y, *, loss, optimizer, lr, epochs, batch_size, shuffle, l2, validation_split, validation_data,
           callbacks, verbose, random_state, sample_weight=None, class_weight=None, learning_rate=None,
           initial_epoch=0, comm=None, l1=None):
    if not all_finite(net.params):
        raise FFNNError("the network's weights contain NaN or infinite values; call net.reinitialize() or assign "
                        "finite net.params before fit")
    shards = isinstance(X, Shards)
    if shards:
        segments, loss_name = _prepare_shards(net, X, y, loss, sample_weight, class_weight, validation_split,
                                              optimizer)
        X, Y, W = segments[0]
    else:
        _check_mapped(X, net.dtype, "X")
        X, Y, loss_name = net._prepare_xy(X, y, loss)
        W = check_sample_weight(sample_weight, X.shape[0], net.dtype)
        cw = class_sample_weight(class_weight, Y, net.output_activation, net.dtype)
        if cw is not None:
            W = cw if W is None else check_sample_weight(W * cw, X.shape[0], net.dtype)
        if is_memmap(X) and validation_split and validation_data is None:
            raise FFNNError("validation_split would copy the rows of a memory-mapped X into memory; give "
                            "validation_data=(X_val, y_val) instead (e.g. slices X[-n:], y[-n:] of the mapping)")
    epochs = check_int(epochs, "epochs", 0)
    initial_epoch = check_int(initial_epoch, "initial_epoch", 0)
    verbose = _check_verbose(verbose)
    opt = _make_optimizer(optimizer, lr, learning_rate, None if l2 is None else net._check_l2(l2),
                          None if l1 is None else net._check_l2(l1, "l1"))
    if random_state is not None and not isinstance(random_state, np.random.Generator):
        random_state = check_int(random_state, "random_state", 0)
    if random_state is None:
        # the network's own streams: shuffling continues across fits (and checkpoints); the split stays the same
        rng, split_rng = net._rng, np.random.default_rng(net._split_seed)
    else:
        rng = np.random.default_rng(random_state)
        split_rng = rng
    shuffle = "blocks" if isinstance(shuffle, str) and shuffle == "blocks" else _check_shuffle(shuffle)
    if shards:
        _, _, _, Xv, Yv = _split_validation(X, Y, W, 0.0, validation_data, net, loss_name, split_rng)
    else:
        X, Y, W, Xv, Yv = _split_validation(X, Y, W, validation_split, validation_data, net, loss_name, split_rng)
        segments = [(X, Y, W)]
    n = sum(seg[0].shape[0] for seg in segments)
    batch = n if batch_size is None or isinstance(opt, LBFGS) else min(check_int(batch_size, "batch_size", 1), n)
    if comm is not None:
        if shards or shuffle == "blocks":
            raise FFNNError("data-parallel training (comm=) takes arrays in memory with shuffle True or False; "
                            "Shards and shuffle='blocks' are for one process")
        rank, size = check_comm(comm, batch, n, isinstance(opt, LBFGS))
    if net.has_dropout and isinstance(opt, LBFGS):
        raise FFNNError(f"dropout makes the training loss random (a new mask every step), which L-BFGS cannot "
                        f"minimise; network {net.spec} has dropout: use a gradient optimizer (adam, sgd) or "
                        "layers without dropout")
    if net.has_dropout and comm is not None:
        raise FFNNError(f"data-parallel training (comm=) does not support dropout yet; network {net.spec} has "
                        "dropout: train it in one process or use layers without dropout")

    history = History()
    cbs = _callback_list(callbacks, history, verbose)
    cbs.set_context(net, opt, {"epochs": epochs, "initial_epoch": initial_epoch, "samples": n, "batch_size": batch,
                               "verbose": verbose})
    net.stop_training = False
    # the settings of this fit, for callbacks that record runs (RunLogger)
    cbs.on_train_begin({"optimizer": opt, "loss": loss_name, "epochs": epochs, "initial_epoch": initial_epoch,
                        "batch_size": batch, "l2": opt.l2, "l1": getattr(opt, "l1", 0.0),
                        "shuffle": shuffle if shuffle == "blocks" else bool(shuffle),
                        "random_state": random_state if isinstance(random_state, int) else None, "n_samples": n,
                        "n_validation": 0 if Xv is None else Xv.shape[0], "weighted": W is not None,
                        **({} if comm is None else {"mpi_ranks": size})})
    try:
        if comm is not None:  # the data-parallel hook: the same epochs, each minibatch shared by the MPI ranks
            done = run_data_parallel(net, X, Y, W, Xv, Yv, loss_name, opt, epochs, initial_epoch, batch, shuffle,
                                     rng, cbs, history, comm, rank, size)
        elif isinstance(opt, LBFGS):
            done = run_lbfgs(net, X, Y, W, Xv, Yv, loss_name, opt, epochs, initial_epoch, cbs, history)
        else:
            done = _run_minibatch(net, segments, Xv, Yv, loss_name, opt, epochs, initial_epoch, batch, shuffle,
                                  rng, cbs, history)
        net.epochs_done = initial_epoch + done
    finally:
        cbs.on_train_end({"epochs": len(history.epoch)})
        net.stop_training = False
    return history


def epoch_logs(net, loss_value, accuracy, Xv, Yv, loss_name, opt):
    """The logs of one finished epoch: loss (and accuracy), val_loss (and val_accuracy), lr."""
    logs = {"loss": loss_value}
    if accuracy is not None:
        logs["accuracy"] = accuracy
    if Xv is not None:
        logs["val_loss"], val_accuracy = net._loss_and_accuracy(Xv, Yv, loss_name, opt.l2,
                                                                 getattr(opt, "l1", 0.0))
        if val_accuracy is not None:
            logs["val_accuracy"] = val_accuracy
    rate = _learning_rate(opt)
    if rate is not None:
        logs["lr"] = rate
    return logs


def _run_minibatch(net, segments, Xv, Yv, loss_name, opt, epochs, initial_epoch, batch, shuffle, rng, cbs, history):
    """Minibatch epochs through the core; returns the number of completed epochs.  ``segments`` are
    ``(X, Y, W)`` parts trained one after another (one part, or one per shard); minibatches stay inside a part."""
    n = sum(X.shape[0] for X, _, _ in segments)
    total_weight = float(sum(X.shape[0] if W is None else float(W.sum(dtype=np.float64)) for X, _, W in segments))
    # Everything the core needs is allocated here, once per fit: no allocation per step.
    work, iwork = core.workspace(net._table, net.n_layers, batch, net.dtype)
    parts = []
    for X, Y, W in segments:
        m = X.shape[0]
        identity = np.arange(m, dtype=np.int64)
        parts.append({"n": m, "identity": identity, "order": identity.copy(), "W": W, "X": core.ptr(X),
                      "Y": core.ptr(Y), "Wp": core.ptr(W), "block": block_rows(X.shape[1], X.itemsize)})
    snapshot = np.empty_like(net.params)  # last finite weights, refreshed before each chunk
    flops_per_sample = 6.0 * net.n_params
    chunk = max(batch, int(_FLOPS_PER_CHUNK / flops_per_sample) // batch * batch)
    train_fn = core.func("ffnn_train", net.dtype)
    # dropout masks: a xoshiro state seeded from the fit's generator before every chunk, so a seeded fit (and one
    # resumed from a checkpoint, which stores that generator) draws the same masks at any thread count
    drop_state = core.ffi.new("uint64_t[4]") if net.has_dropout else core.ffi.NULL
    loss_sum, n_done, n_correct = core.ffi.new("double *"), core.ffi.new("int64_t *"), core.ffi.new("double *")
    p_params, p_grads = core.wptr(net.params), core.wptr(net.grads)
    p_work, p_iwork = core.wptr(work), core.iptr(iwork)
    code = core.LOSS_CODES[loss_name]
    classify = is_classifier_output(net.output_activation)
    opt.prepare(net.n_params, net.dtype)

    step, completed = 0, 0
    for epoch in range(initial_epoch, epochs):
        cbs.on_epoch_begin(epoch)
        visit = range(len(parts))
        if shuffle and len(parts) > 1:
            visit = rng.permutation(len(parts))  # shards in a random order
        if shuffle:
            # each epoch permutes 0..n-1 afresh: the order depends only on the generator's state, so training
            # resumed from a checkpoint (which stores that state) shuffles exactly as one uninterrupted fit
            for part in parts:
                if shuffle == "blocks":
                    _block_shuffle(part["order"], part["block"], rng)
                else:
                    np.copyto(part["order"], part["identity"])
                    rng.shuffle(part["order"])
        epoch_loss, epoch_correct, seen = 0.0, 0.0, 0
        opt.prepare(net.n_params, net.dtype)  # checks what on_epoch_begin set before it is logged
        rate = _learning_rate(opt)
        for k in visit:
            p = parts[k]
            for start in range(0, p["n"], chunk):
                idx = p["order"][start:start + chunk]
                # hyper-parameters are read here, before every chunk: a callback (or the app) may have changed them
                c_opt = opt.prepare(net.n_params, net.dtype)
                np.copyto(snapshot, net.params)  # restored if this chunk diverges
                if drop_state != core.ffi.NULL:
                    core.lib.ffnn_rng_seed(drop_state, int(rng.integers(0, 2**64, dtype=np.uint64)))
                status = train_fn(net._table, net.n_layers, p_params, p_grads, p["X"], p["Y"], p["Wp"], p["n"],
                                  core.i64ptr(idx), idx.size, batch, code, opt.l2, opt.l1, drop_state, c_opt,
                                  core.wptr(opt.state), p_work, p_iwork, loss_sum, n_correct, n_done)
                # the loss can stay finite while the last update makes the weights NaN/inf: check both
                if status == core.lib.FFNN_E_NONFINITE or (status == core.lib.FFNN_OK and not all_finite(net.params)):
                    np.copyto(net.params, snapshot)
                    what = "loss" if status == core.lib.FFNN_E_NONFINITE else "weights"
                    err = TrainingDiverged(f"training diverged in epoch {epoch + 1}: the {what} became NaN or "
                                           "infinite; the weights are the last finite ones. Try a smaller "
                                           "learning rate or standardised inputs.")
                    err.history = history
                    raise err
                core.check(status, "training step")
                epoch_loss += loss_sum[0]
                epoch_correct += n_correct[0]
                seen += int(n_done[0])
                step += 1
                W = p["W"]
                chunk_weight = int(n_done[0]) if W is None else float(W[idx].sum(dtype=np.float64))
                cbs.on_chunk_end(step, {"loss": loss_sum[0] / chunk_weight if chunk_weight > 0 else 0.0,
                                        "epoch": epoch, "samples": seen})
                if net.stop_training:
                    break
            if net.stop_training:
                break
        if seen < n:  # stopped mid-epoch: the epoch is not complete, so it is not recorded
            history.stopped_early = True
            break
        logs = epoch_logs(net, epoch_loss / total_weight, epoch_correct / n if classify else None,
                          Xv, Yv, loss_name, opt)
        if rate is not None:
            logs["lr"] = rate  # the rate the epoch started with (a plateau callback may lower it at its end)
        completed += 1
        cbs.on_epoch_end(epoch, logs)
        if net.stop_training:
            history.stopped_early = True
            break
    return completed
