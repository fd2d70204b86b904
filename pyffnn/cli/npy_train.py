"""``pyffnn train --npy X.npy --npy-target y.npy`` (or ``--npy FOLDER`` of shards): training on data larger than
memory, memory-mapped and never loaded whole.

The arrays are used as they are (no preprocessing: scale them beforehand); integer targets are classes (two: one
sigmoid output, K: a K-way softmax), float targets regression.  Rows are visited in a random order of contiguous
blocks (``shuffle="blocks"``); validation rows come from ``--npy-val``/``--npy-val-target``.
"""
import os
import sys

from ..data.arrays import Shards, open_npy
from ..errors import FFNNError
from ..experiments.logger import RunLogger, data_fingerprint
from ..experiments.store import RunStore
from ..network import Network
from ..registry.optimizers import make_optimizer
from ..training.callbacks import EarlyStopping
from ..training.progress import ProgressBar

METADATA_FORMAT = "pyffnn-npy/1"
_CSV_ONLY = ("file", "csv", "dataset", "target", "drop", "features", "derived", "samples", "noise", "resume")


def _output(targets):
    """``(output layer, task)`` from the target arrays (read in pieces, never whole)."""
    first = targets[0]
    if first.ndim == 2:
        return f"{first.shape[1]}linear", "regression"
    if first.dtype.kind not in "biu":
        return "1linear", "regression"
    step = 1 << 20
    lo = min(int(y[s:s + step].min()) for y in targets for s in range(0, len(y), step))
    hi = max(int(y[s:s + step].max()) for y in targets for s in range(0, len(y), step))
    if lo < 0 or hi < 1:
        raise FFNNError("integer targets must be class indices 0..K-1 with at least two classes; save float "
                        "targets for regression")
    return ("1sigmoid", "binary") if hi == 1 else (f"{hi + 1}softmax", "multiclass")


def run(args):
    """Train on memory-mapped arrays as ``pyffnn train --npy`` describes; returns the exit code."""
    given = [o for o in _CSV_ONLY if getattr(args, o, None) not in (None, 0, False, "")]
    if given:
        raise FFNNError(f"--{given[0].replace('_', '-')} does not apply to --npy; the arrays are used as they are")
    if os.path.isdir(args.npy):
        if args.npy_target is not None:
            raise FFNNError("--npy FOLDER holds its targets (y_*.npy beside X_*.npy); leave out --npy-target")
        data, y = Shards(args.npy), None
        targets = [ys for _, ys in data]
        n_samples, n_features = data.n_samples, data.n_features
        fingerprint = {"source": {"npy": os.path.abspath(args.npy), "shards": len(data)}, "n_samples": n_samples,
                       "n_features": n_features}
    else:
        if args.npy_target is None:
            raise FFNNError("--npy X.npy needs --npy-target y.npy (or give --npy a folder of X_*.npy/y_*.npy shards)")
        data, y = open_npy(args.npy, args.npy_target)
        targets = [y]
        n_samples, n_features = data.shape
        fingerprint = data_fingerprint(data, y, source={"npy": os.path.abspath(args.npy),
                                                        "target": os.path.abspath(args.npy_target)})
    output, task = _output(targets)
    validation = None
    if (args.npy_val is None) != (args.npy_val_target is None):
        raise FFNNError("give --npy-val and --npy-val-target together")
    if args.npy_val is not None:
        validation = open_npy(args.npy_val, args.npy_val_target)
        if validation[0].shape[1] != n_features:
            raise FFNNError(f"--npy-val has {validation[0].shape[1]} features but --npy has {n_features}")
    if args.arch is not None:
        net = Network(args.arch, dtype=args.dtype, random_state=args.seed)
    else:
        hidden = args.layers.strip()
        net = Network("-".join([str(n_features)] + ([hidden] if hidden and hidden.lower() != "none" else [])
                               + [output]), dtype=args.dtype, random_state=args.seed)
    opt = make_optimizer(args.optimizer, args.lr)
    opt.l2 = args.l2
    callbacks = []
    if args.patience is not None:
        if validation is None:
            raise FFNNError("--patience needs validation rows: give --npy-val and --npy-val-target")
        callbacks.append(EarlyStopping(monitor="val_loss", patience=args.patience, restore_best_weights=True))
    logger = None
    if not args.no_record:
        logger = RunLogger(RunStore(args.runs_db), data=fingerprint, name=args.run_name,
                           config={"command": "pyffnn " + " ".join(sys.argv[1:]) if sys.argv[1:] else None})
        callbacks.append(logger)
    bar = None if args.quiet else ProgressBar(stream=sys.stdout)
    if bar is not None:
        callbacks.append(bar)
    try:
        history = net.fit(data, y, loss=args.loss, optimizer=opt, epochs=args.epochs, batch_size=args.batch_size,
                          shuffle="blocks", random_state=args.seed, validation_data=validation, callbacks=callbacks)
    finally:
        if bar is not None:
            bar.close()
    last = {k: v[-1] for k, v in history.history.items() if v}
    metadata = {"format": METADATA_FORMAT, "task": task, "source": fingerprint.get("source"),
                "training": {"optimizer": args.optimizer, "epochs": net.epochs_done, "batch_size": args.batch_size,
                             "l2": opt.l2, "seed": args.seed}, "final": last}
    net.save(args.output, metadata=metadata, optimizer=opt)
    print(f"trained {net.spec} for {len(history.epoch)} epochs on {n_samples} memory-mapped samples ({task}, "
          f"{n_features} features)")
    print("  ".join(f"{k}={v:.4f}" for k, v in last.items() if k != "lr"))
    print(f"model saved to {args.output}")
    if logger is not None and logger.run_id is not None:
        logger.set_model_path(args.output)
        print(f"recorded as run {logger.run_id} in {logger.store.path}")
    return 0


def add_options(group):
    """The ``--npy`` options of ``pyffnn train``."""
    group.add_argument("--npy", metavar="X.npy|FOLDER",
                       help="train on a memory-mapped .npy features file (with --npy-target), or a folder of "
                            "X_*.npy/y_*.npy shards, without loading it whole (no preprocessing)")
    group.add_argument("--npy-target", metavar="y.npy", help="the targets of --npy X.npy")
    group.add_argument("--npy-val", metavar="X.npy", help="validation features for --npy")
    group.add_argument("--npy-val-target", metavar="y.npy", help="validation targets for --npy-val")
