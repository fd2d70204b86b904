"""Data-parallel minibatch epochs over an MPI communicator (``fit(..., comm=MPI.COMM_WORLD)``).

Every rank holds the same training data and runs this loop with the same settings.  The global minibatches are
those of single-process training (the same seeded shuffle on every rank); each step, rank r takes the r-th
contiguous share of the minibatch, the core computes the loss and gradient of that share scaled by 1/Σw of the
WHOLE minibatch, and ONE ``Allreduce`` (sum) over the flat gradient buffer — with two extra slots carrying the
share's loss and correct count — gives every rank the gradient of the global minibatch mean.  Every rank then adds
the L2 term and takes the same optimizer step, so the weights stay identical everywhere and equal single-process
training up to the rounding of the sum's order.

Before each chunk of steps the hyper-parameters of rank 0's optimizer are broadcast (callbacks such as
learning-rate schedules may run on rank 0 only), and after it one small ``Allreduce`` agrees on the chunk's loss and
on stopping (any rank's ``stop_training``, e.g. EarlyStopping on rank 0, stops all).  At the start rank 0's weights,
shuffling state and optimizer state are broadcast, and the ranks check that they hold the same data.

The communicator is used through mpi4py's buffer methods (``Get_rank``, ``Get_size``, ``Allreduce``, ``Bcast``,
``bcast``, ``allgather``); this module never imports mpi4py itself.
"""
import zlib

import numpy as np

from .. import _binding as core
from ..errors import FFNNError, TrainingDiverged
from ..validation import all_finite
from .decisions import decide, is_classifier_output

# about this many floating-point operations between two agreements on stopping and hyper-parameters
_FLOPS_PER_CHUNK = 5e8


def check_comm(comm, batch, n, lbfgs):
    """(rank, size) of a usable communicator, or a clear error for a bad one or too few samples per rank."""
    for name in ("Get_rank", "Get_size", "Allreduce", "Bcast", "bcast", "allgather"):
        if not callable(getattr(comm, name, None)):
            raise FFNNError(f"comm must be an MPI communicator such as mpi4py's MPI.COMM_WORLD, got {comm!r} "
                            f"(it has no {name})")
    if lbfgs:
        raise FFNNError("data-parallel training (comm=...) runs the minibatch optimizers (sgd, momentum, nesterov, "
                        "adam, rprop), not lbfgs")
    rank, size = int(comm.Get_rank()), int(comm.Get_size())
    if n < size:
        raise FFNNError(f"{n} training samples cannot be shared by {size} MPI ranks: every rank needs at least one "
                        "sample; use fewer ranks (mpirun -n) or more data")
    if batch < size:
        raise FFNNError(f"batch_size={batch} is smaller than the {size} MPI ranks: every rank needs at least one "
                        f"sample of each minibatch; use batch_size >= {size} or fewer ranks (mpirun -n)")
    return rank, size


def _fingerprint(a):
    return (a.shape, str(a.dtype), zlib.crc32(np.ascontiguousarray(a).view(np.uint8)))


def sync_start(comm, rank, net, X, Y, W, Xv, rng, opt):
    """Rank 0's weights, shuffling state and optimizer state everywhere; the same data on every rank or an error
    (raised on every rank alike, so none is left waiting)."""
    mine = (_fingerprint(X), _fingerprint(Y), None if W is None else _fingerprint(W),
            None if Xv is None else _fingerprint(Xv))
    everyone = comm.allgather(mine)
    differ = [r for r, theirs in enumerate(everyone) if theirs != everyone[0]]
    if differ:
        raise FFNNError(f"MPI rank(s) {', '.join(map(str, differ))} hold different training data from rank 0 "
                        f"(samples, targets, weights or validation samples): every rank must load the same data, and "
                        "validation_split needs the same random_state on every rank")
    comm.Bcast(net.params, root=0)
    state = comm.bcast(rng.bit_generator.state if rank == 0 else None, root=0)
    rng.bit_generator.state = state
    if opt.state is not None:
        comm.Bcast(opt.state, root=0)
    opt.iterations = comm.bcast(opt.iterations if rank == 0 else None, root=0)


def _sync_settings(comm, rank, opt):
    """Rank 0's hyper-parameters (and l2) on every rank, read before each chunk as the single-process loop does."""
    keys = tuple(opt.config_keys()) + ("l2",)
    settings = comm.bcast({k: getattr(opt, k) for k in keys} if rank == 0 else None, root=0)
    if rank != 0:
        for key, value in settings.items():
            setattr(opt, key, value)


def run_data_parallel(net, X, Y, W, Xv, Yv, loss_name, opt, epochs, initial_epoch, batch, shuffle, rng, cbs,
                      history, comm, rank, size):
    """Minibatch epochs split over the ranks of ``comm``; returns the number of completed epochs."""
    from .loop import epoch_logs, _learning_rate

    n = X.shape[0]
    total_weight = float(n) if W is None else float(W.sum(dtype=np.float64))
    share = -(-batch // size)  # the largest share of a minibatch any rank gets
    work, iwork = core.workspace(net._table, net.n_layers, share, net.dtype)
    n_params = net.n_params
    local = np.zeros(n_params + 2, dtype=net.dtype)  # this rank's [gradient..., loss, correct]
    total = np.zeros(n_params + 2, dtype=net.dtype)  # the sum over ranks
    grads = total[:n_params]
    identity = np.arange(n, dtype=np.int64)
    order = identity.copy()
    snapshot = np.empty_like(net.params)
    chunk_steps = max(1, int(_FLOPS_PER_CHUNK / (6.0 * n_params * batch)))
    loss_grad = core.func("ffnn_loss_grad", net.dtype)
    penalty_fn, step_fn = core.func("ffnn_penalty", net.dtype), core.func("ffnn_step", net.dtype)
    loss_sum, penalty = core.ffi.new("double *"), core.ffi.new("double *")
    p_params, p_local, p_grads = core.wptr(net.params), core.wptr(local), core.wptr(grads)
    p_work, p_iwork = core.wptr(work), core.iptr(iwork)
    out_offset = core.lib.ffnn_activation_offset(net._table, net.n_layers, share, net.n_layers - 1)
    code = core.LOSS_CODES[loss_name]
    classify = is_classifier_output(net.output_activation)
    opt.prepare(n_params, net.dtype)
    sync_start(comm, rank, net, X, Y, W, Xv, rng, opt)
    agree, agreed = np.zeros(1), np.zeros(1)  # this rank's stop request, and the sum over ranks

    def one_step(part, c_opt):
        """One global minibatch (indices ``part``); returns its weight, or 0 when it made no update."""
        bs = part.size
        wsum = float(bs) if W is None else float(W[part].sum(dtype=np.float64))
        lo, hi = rank * bs // size, (rank + 1) * bs // size
        mine = part[lo:hi]
        local[:] = 0
        if mine.size and wsum > 0:
            xs, ys = X[mine], Y[mine]
            ws = None if W is None else np.ascontiguousarray(W[mine])
            core.check(loss_grad(net._table, net.n_layers, p_params, p_local, core.ptr(xs), core.ptr(ys),
                                 core.ptr(ws), mine.size, share, code, 1.0 / wsum, loss_sum, p_work, p_iwork),
                       "loss computation")
            local[n_params] = loss_sum[0]
            if classify:
                outputs = work[out_offset:out_offset + mine.size * net.n_outputs].reshape(mine.size, -1)
                hit = decide(outputs, net.output_activation) == decide(ys, net.output_activation)
                local[n_params + 1] = np.count_nonzero(hit if hit.ndim == 1 else hit.all(axis=1))
        if not wsum > 0:
            return 0.0, 0.0
        comm.Allreduce(local, total)  # the one collective of the step: gradient, loss and correct count summed
        batch_loss = float(total[n_params])
        if opt.l2 > 0 or opt.l1 > 0:
            core.check(penalty_fn(net._table, net.n_layers, p_params, p_grads, float(opt.l1), float(opt.l2), penalty),
                       "weight penalty")
            batch_loss += wsum * penalty[0]
        if not np.isfinite(batch_loss):
            raise _Diverged("loss")
        core.check(step_fn(c_opt, p_params, p_grads, core.wptr(opt.state), n_params), "optimizer step")
        return batch_loss, float(total[n_params + 1])

    step, completed = 0, 0
    for epoch in range(initial_epoch, epochs):
        cbs.on_epoch_begin(epoch)
        if shuffle:
            np.copyto(order, identity)
            rng.shuffle(order)  # the same generator state on every rank: the same global minibatches
        epoch_loss, epoch_correct, seen = 0.0, 0.0, 0
        _sync_settings(comm, rank, opt)
        opt.prepare(n_params, net.dtype)
        rate = _learning_rate(opt)
        starts = range(0, n, batch)
        for first in range(0, len(starts), chunk_steps):
            _sync_settings(comm, rank, opt)
            c_opt = opt.prepare(n_params, net.dtype)
            np.copyto(snapshot, net.params)
            chunk_loss, chunk_samples = 0.0, 0
            try:
                for start in starts[first:first + chunk_steps]:
                    part = order[start:start + batch]
                    batch_loss, correct = one_step(part, c_opt)
                    chunk_loss += batch_loss
                    epoch_correct += correct
                    chunk_samples += part.size
                if not all_finite(net.params):
                    raise _Diverged("weights")
            except _Diverged as why:
                np.copyto(net.params, snapshot)
                err = TrainingDiverged(f"training diverged in epoch {epoch + 1}: the {why} became NaN or infinite; "
                                       "the weights are the last finite ones. Try a smaller learning rate or "
                                       "standardised inputs.")
                err.history = history
                raise err from None
            epoch_loss += chunk_loss
            seen += chunk_samples
            step += 1
            part = order[starts[first]:min(n, starts[first] + chunk_steps * batch)]
            chunk_weight = part.size if W is None else float(W[part].sum(dtype=np.float64))
            cbs.on_chunk_end(step, {"loss": chunk_loss / chunk_weight if chunk_weight > 0 else 0.0,
                                    "epoch": epoch, "samples": seen})
            agree[0] = 1.0 if net.stop_training else 0.0
            comm.Allreduce(agree, agreed)  # stop if any rank asks to
            net.stop_training = bool(agreed[0] > 0)
            if net.stop_training:
                break
        if seen < n:
            history.stopped_early = True
            break
        logs = epoch_logs(net, epoch_loss / total_weight, epoch_correct / n if classify else None,
                          Xv, Yv, loss_name, opt)
        if rate is not None:
            logs["lr"] = rate
        completed += 1
        cbs.on_epoch_end(epoch, logs)
        agree[0] = 1.0 if net.stop_training else 0.0
        comm.Allreduce(agree, agreed)
        net.stop_training = bool(agreed[0] > 0)
        if net.stop_training:
            history.stopped_early = True
            break
    return completed


class _Diverged(Exception):
    pass
