"""The ``pyffnn`` command line: train, predict, info, datasets, gui, runs and sweep.

    pyffnn train --dataset xor --layers 8tanh --epochs 200 --output xor.npz
    pyffnn train penguins.csv --target species --layers 16relu-16relu --output penguins.npz
    pyffnn predict penguins.npz new_penguins.csv --keep id --output predictions.csv --proba
    pyffnn info iris.npz

Exit codes: 0 success, 1 training diverged or another runtime failure, 2 bad usage or bad input.  Errors are one
line on stderr (``pyffnn: error: ...``); set PYFFNN_DEBUG=1 to get the traceback instead.
"""
import argparse
import csv
import errno
import importlib.util
import inspect
import json
import os
import signal
import subprocess
import sys

import numpy as np

from ..training.callbacks import EarlyStopping
from ..datasets import BUILTIN, StandardScaler, load_builtin
from ..data.columns import numbers
from ..data.preprocessor import MISSING_POLICIES, TASKS
from ..data.table_reader import parse_delimiter
from . import table_data
from ..errors import FFNNError, TrainingDiverged
from ..fileio import atomic_write, check_writable
from ..network import Network
from ..registry import losses as loss_table
from ..registry.activations import HIDDEN_NAMES
from ..registry.optimizers import NAMES as OPTIMIZER_NAMES
from ..registry.optimizers import make_optimizer
from ..training.progress import ProgressBar
from . import runs as runs_cli
from . import sweep as sweep_cli

PROG = "pyffnn"
METADATA_FORMAT = "pyffnn-cli/1"  # marks model metadata written by `pyffnn train`


# ---------------------------------------------------------------------------------------------------------------
# train
# ---------------------------------------------------------------------------------------------------------------

def _n_targets(ds):
    return 1 if ds.y.ndim == 1 else ds.y.shape[1]


def _output_layer(ds):
    if ds.task == "binary":
        return "1sigmoid"
    if ds.task == "multiclass":
        return f"{ds.n_classes}softmax"
    if ds.task == "multilabel":
        return f"{_n_targets(ds)}sigmoid"
    return f"{_n_targets(ds)}linear"


def _build_network(args, ds):
    """The network from --arch (checked against the data) or from --layers plus inferred input and output."""
    if args.arch is not None:
        net = Network(args.arch, dtype=args.dtype, random_state=args.seed)
        if net.n_inputs != ds.n_features:
            raise FFNNError(f"--arch {args.arch!r} takes {net.n_inputs} inputs, but the data has "
                            f"{ds.n_features} features ({', '.join(ds.feature_names)})")
        out, act = net.n_outputs, net.output_activation
        fits = {"binary": (out == 1 and act == "sigmoid") or (out == 2 and act == "softmax"),
                "multiclass": out == ds.n_classes and act == "softmax",
                "multilabel": out == _n_targets(ds) and act == "sigmoid",
                "regression": out == _n_targets(ds) and act != "softmax"}[ds.task]
        if not fits:
            raise FFNNError(f"the output layer of --arch {args.arch!r} ({out} {act}) does not fit the "
                            f"{ds.task} target {ds.target_name!r}; use {_output_layer(ds)}"
                            + (" (or 2softmax)" if ds.task == "binary" else ""))
        return net
    hidden = args.layers.strip()
    tokens = [str(ds.n_features)] + ([hidden] if hidden and hidden.lower() != "none" else []) + [_output_layer(ds)]
    return Network("-".join(tokens), dtype=args.dtype, random_state=args.seed)


_TABLE_OPTIONS = ("target", "drop", "features", "skip_rows")


def _load_data(args):
    if args.file is not None:
        args.csv = args.file
    if args.csv is not None:
        if args.samples is not None or args.noise is not None:
            raise FFNNError("--samples and --noise only apply to --dataset")
    else:
        given = [o for o in _TABLE_OPTIONS if getattr(args, o) not in (None, 0)]
        if given or args.task != "auto" or args.missing != "impute":
            raise FFNNError(f"--{(given or ['task'])[0].replace('_', '-')} only applies to a CSV file")
    return table_data.load(args, sys.stdout)


def _scores(net, task, X, y, pre, loss="auto"):
    """Metrics on one split: loss (the training objective) plus accuracy, or MSE and R² in the data's units.

    Accuracy is ``Network.evaluate``'s, so the command line, the library and the app decide classes by one rule."""
    scores = {"n": len(X)}
    if len(X) == 0:
        return scores
    if task != "regression":
        return {**scores, **{k: float(v) for k, v in net.evaluate(X, y, loss=loss).items()}}
    scores["loss"] = float(net.loss(X, pre.model_targets(y), loss=loss))
    pred = pre.decode(net.predict(X)).reshape(y.shape)
    residual = np.sum((pred - y) ** 2, axis=0)
    total = np.sum((y - y.mean(axis=0)) ** 2, axis=0)
    scores["mse"] = float(np.mean(residual)) / len(y)
    scores["r2"] = float(np.mean(1.0 - residual / total)) if np.all(total > 0) else None
    return scores


def _format_scores(name, s):
    text = f"{name:<11} n={s['n']:<6}"
    if s["n"] == 0:
        return text + " (empty)"
    text += f" loss={s['loss']:.4f}"
    if "accuracy" in s:
        return text + f"  accuracy={s['accuracy']:.4f}"
    r2 = "n/a" if s["r2"] is None else f"{s['r2']:.4f}"
    return text + f"  mse={s['mse']:.6g}  r2={r2}"


def _noise_used(args):
    if args.noise is not None:
        return args.noise
    return inspect.signature(BUILTIN[args.dataset].generator).parameters["noise"].default


def _plain(value):
    """numpy scalars and arrays to JSON-ready Python values."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


# options whose value comes from the model file with --resume (giving another value is an error)
_FROM_CHECKPOINT = {"val": 0.15, "test": 0.15, "no_standardize": False, "layers": "16tanh", "arch": None,
                    "dtype": "float64", "optimizer": "adam", "batch_size": 32, "l2": 0.0, "l1": 0.0, "seed": 0,
                    "loss": "auto"}


def _resume(args):
    """``--resume MODEL``: the network and optimizer from the checkpoint, the split and training settings from its
    metadata (written into ``args``), and the data source too unless one is given; returns (net, opt, metadata)."""
    given = [k for k, default in _FROM_CHECKPOINT.items() if getattr(args, k) != default]
    if given:
        names = ", ".join("--" + k.replace("_", "-") for k in given)
        raise FFNNError(f"{names}: with --resume the split, architecture and training settings come from the model "
                        "file; give --epochs (more epochs), --lr (a new rate), --patience, --output, the run-store "
                        "options and, for a CSV, the same data options as the first run")
    net, opt = Network.load(args.resume, with_optimizer=True)
    meta = net.metadata if isinstance(net.metadata, dict) else {}
    source, training = meta.get("source"), meta.get("training")
    if meta.get("format") != METADATA_FORMAT or not isinstance(source, dict) or not isinstance(training, dict):
        raise FFNNError(f"{args.resume} was not written by 'pyffnn train', so it does not say what it was trained "
                        "on; resume it from Python with Network.load(path, with_optimizer=True)")
    if opt is None:
        raise FFNNError(f"{args.resume} holds no optimizer state (it was saved by an older pyffnn); train anew")
    try:
        if args.csv is None and args.dataset is None and args.file is None:
            if "csv" in source:
                args.csv, args.skip_rows, args.header = source["csv"], source["skip_rows"], source["header"]
                args.delimiter = source.get("delimiter")
            else:
                args.dataset, args.samples, args.noise = source["dataset"], source["samples"], source["noise"]
        args.val, args.test, args.seed = training["val"], training["test"], training["seed"]
        args.batch_size, args.optimizer = training["batch_size"], training["optimizer"]
        args.loss = training.get("loss", "auto")
        preprocessor = meta["preprocessor"]
        args.no_standardize = not (isinstance(preprocessor, dict) and preprocessor.get("standardize", True))
    except KeyError as exc:
        raise FFNNError(f"{args.resume}: its metadata lacks {exc}; it cannot be resumed from the command line") \
            from None
    if args.lr is not None:
        if not getattr(opt, "has_learning_rate", False):
            raise FFNNError(f"--lr: the {args.optimizer} optimizer of {args.resume} has no learning rate")
        opt.lr = args.lr
    return net, opt, meta


def _cmd_train(args):
    check_writable(args.output)  # fail now, not after training
    if args.npy is not None:
        from . import npy_train
        return npy_train.run(args)
    if args.resume is not None:
        net, opt, meta = _resume(args)
    tt = _load_data(args)
    ds = tt.dataset
    if tt.from_csv and not args.quiet_data:
        print(table_data.report_text(tt))
    if args.resume is None:
        net = _build_network(args, ds)
        opt = make_optimizer(args.optimizer, args.lr)
        opt.l2, opt.l1 = args.l2, args.l1
    pre, parts = table_data.split(args, tt, sys.stdout)
    if args.resume is not None and json.loads(json.dumps(pre.to_dict())) != meta.get("preprocessor"):
        raise FFNNError(f"the data or its options (--target, --drop, --features, --derived, --task, --missing, "
                        f"--skip-rows, --header) differ from those {args.resume} was trained with; give the same ones")
    first_epoch = net.epochs_done
    (_, X_tr, y_tr), (_, X_va, y_va), (_, X_te, y_te) = parts
    model_targets = pre.model_targets

    source = {"csv": os.fspath(args.csv), "skip_rows": args.skip_rows, "header": args.header,
              "delimiter": args.delimiter} \
        if args.csv is not None else {"dataset": args.dataset, "samples": ds.n_samples, "noise": _noise_used(args)}
    logger = runs_cli.train_logger(args, ds, source, {"standardize": pre.scaler_ is not None,
                                                      "preprocessor": pre.to_dict()})
    callbacks = [] if logger is None else [logger]
    bar = None if args.quiet else ProgressBar()
    if bar is not None:
        callbacks.append(bar)
    if args.patience is not None:
        if len(X_va) == 0:
            raise FFNNError("--patience needs a validation split (--val > 0)")
        callbacks.append(EarlyStopping(monitor="val_loss", patience=args.patience, restore_best_weights=True))
    try:
        # the network's own generator (seeded with --seed) shuffles, so the saved checkpoint resumes exactly
        history = net.fit(X_tr, model_targets(y_tr), loss=args.loss, optimizer=opt, initial_epoch=first_epoch,
                          epochs=first_epoch + args.epochs, batch_size=args.batch_size, callbacks=callbacks,
                          validation_data=(X_va, model_targets(y_va)) if len(X_va) else None)
    finally:
        if bar is not None:
            bar.close()

    scores = {name: _scores(net, ds.task, X, y, pre, args.loss) for name, X, y in parts}
    metadata = {
        "format": METADATA_FORMAT,
        "task": ds.task,
        "classes": None if ds.classes is None else _plain(ds.classes),
        "feature_names": list(pre.feature_names_),
        "input_columns": list(pre.input_columns_),
        "target_name": ds.target_name,
        "target_names": list(pre.target_names_),
        # column of the target in the training table
        "target_index": ds.target_index,
        # everything predict needs to turn raw rows into network inputs (kinds, categories, imputation, scaling)
        "preprocessor": pre.to_dict(),
        "source": source,
        "training": {"loss": loss_table.resolve(args.loss, net.output_activation), "optimizer": args.optimizer,
                     "lr": opt.lr if opt.has_learning_rate else None, "epochs": net.epochs_done,
                     "batch_size": args.batch_size, "l2": opt.l2, "l1": opt.l1, "seed": args.seed, "val": args.val,
                     "test": args.test},
        "scores": scores,
    }
    # first: a closed or broken stdout must not lose the training; with the optimizer, so --resume can continue
    net.save(args.output, metadata=metadata, optimizer=opt)
    stopped = " (stopped early)" if history.stopped_early else ""
    resumed = "" if not first_epoch else f" (epochs {first_epoch + 1}-{net.epochs_done}, resumed)" \
        if net.epochs_done > first_epoch else f" (resumed after epoch {first_epoch}; no further epoch ran)"
    print(f"trained {net.spec} for {len(history.epoch)} epochs{resumed}{stopped} on {ds.n_samples} samples "
          f"({ds.task}, {ds.n_features} features)")
    for name, s in scores.items():
        print(_format_scores(name, s))
    print(f"model saved to {args.output}")
    runs_cli.record_train_result(logger, args.output, scores)
    return 0


# ---------------------------------------------------------------------------------------------------------------
# predict
# ---------------------------------------------------------------------------------------------------------------

def _model_task(net, meta):
    if meta.get("task") in ("binary", "multiclass", "multilabel", "regression"):
        return meta["task"]
    if net.output_activation in ("sigmoid", "softmax"):  # a model saved from Python without CLI metadata
        return "binary" if net.n_outputs == 1 or (net.n_outputs == 2 and net.output_activation == "softmax") \
            else "multiclass"
    return "regression"


_META_TYPES = {"classes": list, "feature_names": list, "target_name": str, "target_index": int,
               "scaler": dict, "target_scaler": dict}


def _prediction_metadata(net, path):
    """The metadata fields predict uses, type-checked (None when absent)."""
    meta = net.metadata if isinstance(net.metadata, dict) else {}
    fields = {}
    for key, kind in _META_TYPES.items():
        value = meta.get(key)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise FFNNError(f"{path}: metadata field {key!r} should be of type {kind.__name__}, got {value!r}")
        fields[key] = value
    fields["task"] = _model_task(net, meta)
    return fields


def _legacy_features(args, net, meta):
    """Features for a model saved without a preprocessor (older files, or Network.save from Python): the
    model's feature columns by name, else by position (one extra column is the training target)."""
    table = table_data.read_csv_args(args)
    names = [str(c) for c in table.frame.columns]
    wanted = meta["feature_names"]
    if wanted and len(wanted) == net.n_inputs and all(names.count(f) == 1 for f in wanted):
        columns = list(wanted)
    else:
        columns = list(names)
        if len(columns) == net.n_inputs + 1:
            target = meta["target_name"]
            index = -1 if meta["target_index"] is None else meta["target_index"]
            columns.remove(target if target in columns else columns[index % len(columns)])
    if len(columns) != net.n_inputs:
        raise FFNNError(f"{args.csv!r} has {len(names)} columns; expected {net.n_inputs} feature columns "
                        f"(or {net.n_inputs + 1} with a target column)")
    X = np.empty((len(table.frame), len(columns)))
    for j, name in enumerate(columns):
        try:
            X[:, j] = numbers(table.frame[name], table.decimal)
        except FFNNError as exc:
            raise FFNNError(f"{table.where(getattr(exc, 'row', 0))}, column {name!r}: {exc}") from None
        bad = ~np.isfinite(X[:, j])
        if bad.any():
            raise FFNNError(f"{table.where(int(np.flatnonzero(bad)[0]))}, column {name!r}: missing or not finite; "
                            "this model stores no preprocessing to fill it in")
    if meta["scaler"]:
        X = StandardScaler.from_dict(meta["scaler"]).transform(X)
    return table, X


def _cmd_predict(args):
    if args.output is not None:
        check_writable(args.output)
    net = Network.load(args.model)
    meta = _prediction_metadata(net, args.model)
    task = meta["task"]
    if args.proba and task == "regression":
        raise FFNNError("--proba needs a classification model; this model does regression")
    pre = table_data.model_preprocessor(net.metadata or {}, args.model)
    if task == "multilabel" and args.proba:
        raise FFNNError("--proba is not available for multi-label models; the output has one 0/1 column per target")
    if task in ("binary", "multiclass") and net.n_outputs > 1 and net.output_activation != "softmax":
        raise FFNNError(f"cannot predict classes with a {net.n_outputs}-output {net.output_activation} model "
                        "(multi-label outputs need a model trained by 'pyffnn train' on several targets)")
    if pre is not None:
        table, X = table_data.predict_table(args, pre, net.n_inputs, sys.stderr)
    else:
        table, X = _legacy_features(args, net, meta)
    keep_names, keep_rows = table_data.kept_columns(table, args.keep)
    out = net.predict(X)
    target_name = meta["target_name"] or "prediction"

    if task == "regression":
        values = out
        if pre is not None:
            values = pre.decode(out).reshape(len(out), -1)
        elif meta["target_scaler"]:
            values = StandardScaler.from_dict(meta["target_scaler"]).inverse_transform(out)
        targets = list(pre.target_names_) if pre is not None and len(pre.target_names_) == values.shape[1] else \
            [target_name] if values.shape[1] == 1 else [f"{target_name}{k + 1}" for k in range(values.shape[1])]
        names = targets
        rows = [[repr(float(v)) for v in row] for row in values]
    elif task == "multilabel":
        names = list(pre.target_names_)
        rows = [[str(pre.classes_[k][int(b)]) for k, b in enumerate(row)] for row in out > 0.5]
    else:
        proba = np.column_stack([1.0 - out[:, 0], out[:, 0]]) if net.n_outputs == 1 else out
        classes = (pre.classes_[0] if pre is not None else meta["classes"]) or list(range(proba.shape[1]))
        if len(classes) != proba.shape[1]:
            raise FFNNError(f"the model has {proba.shape[1]} classes but its metadata lists {len(classes)}")
        labels = [classes[k] for k in net.predict_classes(X)]
        names = [target_name] + ([f"proba_{c}" for c in classes] if args.proba else [])
        rows = [[str(label)] + ([f"{p:.6g}" for p in ps] if args.proba else []) for label, ps in zip(labels, proba)]

    _emit_csv(args.output, keep_names + names, [k + r for k, r in zip(keep_rows, rows)], "predictions")
    return 0


def _emit_csv(output, names, rows, what):
    """Write a header and rows as CSV to ``output``, or to stdout when it is None."""
    def write(stream):
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(rows)

    if output is None:
        write(sys.stdout)
        return
    atomic_write(output, write, mode="w", newline="", encoding="utf-8")
    print(f"wrote {len(rows)} {what} to {output}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------------------------
# info, datasets, gui
# ---------------------------------------------------------------------------------------------------------------

def _describe(value):
    if isinstance(value, list):
        return ", ".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _cmd_info(args):
    net = Network.load(args.model)
    print(net.summary())
    meta = net.metadata or {}
    if not meta:
        print("metadata: none")
        return 0
    print("metadata:")
    for key, value in meta.items():
        if key == "scores" and isinstance(value, dict):
            print("  scores:")
            for name, s in value.items():
                try:
                    line = _format_scores(name, s)
                except (KeyError, TypeError, ValueError):  # hand-edited or foreign metadata: show it as it is
                    line = f"{name}: {_describe(s)}"
                print("    " + line)
        elif isinstance(value, dict) and key in ("scaler", "target_scaler", "training", "source"):
            print(f"  {key}:")
            for k, v in value.items():
                print(f"    {k}: {_describe(v)}")
        else:
            print(f"  {key}: {_describe(value)}")
    return 0


def _cmd_datasets(args):
    if args.name is None:
        width = max(len(n) for n in BUILTIN)
        for name, info in BUILTIN.items():
            print(f"{name:<{width}}  {info.task:<10}  {info.description}")
        return 0
    if args.output is not None:
        check_writable(args.output)
    ds = load_builtin(args.name, n_samples=args.samples, noise=args.noise, random_state=args.seed)
    names = list(ds.feature_names) + [ds.target_name]
    rows = [[repr(float(v)) for v in x] + [str(t) if ds.classes is not None else repr(float(t))]
            for x, t in zip(ds.X, ds.y)]
    _emit_csv(args.output, names, rows, f"rows of {args.name!r}")
    return 0


def _cmd_gui(args):
    # The app is its own program: run it in a child process so the library never imports Qt or pyffnn_gui
    # (arrows point down: gui -> pyffnn).
    if importlib.util.find_spec("pyffnn_gui") is None:
        print(f"{PROG}: error: the app is not installed: pip install pyffnn[gui]", file=sys.stderr)
        return 2
    gui_args = list(args.gui_args)
    if gui_args[:1] == ["--"]:
        gui_args = gui_args[1:]
    return subprocess.call([sys.executable, "-m", "pyffnn_gui", *gui_args])


# ---------------------------------------------------------------------------------------------------------------
# argument parsing and main
# ---------------------------------------------------------------------------------------------------------------

def _int_at_least(minimum, what):
    """An argparse type: an integer >= ``minimum``, described as ``what`` in the error."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
        return value
    return parse


_positive_int = _int_at_least(1, "a positive integer")
_seed = _int_at_least(0, "a non-negative integer")


def _batch_size(text):
    if text.lower() in ("full", "all"):
        return None
    return _positive_int(text)


def _non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not np.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _delimiter(text):
    try:
        return parse_delimiter(text)
    except FFNNError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_header_option(p):
    p.add_argument("--header", choices=("auto", "yes", "no"), default="auto",
                   help="does the CSV start with a header row? (default: auto-detect)")
    p.add_argument("--skip-rows", type=_seed, default=0, metavar="N",
                   help="lines to skip at the top of the file, e.g. a title or metadata line (default 0)")
    p.add_argument("--delimiter", type=_delimiter, default=None, metavar="SEP",
                   help="field separator instead of the detected one: one character such as ',' ';' '|', "
                        "'\\t' or 'tab' for a tab, 'whitespace' for runs of blanks (default: auto)")


def _add_data_options(data):
    """The data options ``pyffnn train`` and ``pyffnn sweep`` share (one data path: table_data.load)."""
    data.add_argument("file", metavar="FILE", nargs="?", help="CSV file to train on (same as --csv FILE)")
    source = data.add_mutually_exclusive_group()
    source.add_argument("--csv", metavar="FILE", help="CSV file (comma, semicolon, tab or blank separated)")
    source.add_argument("--dataset", metavar="NAME", choices=sorted(BUILTIN),
                        help=f"built-in data set: {', '.join(BUILTIN)}")
    data.add_argument("--target", metavar="COL[,COL...]",
                      help="target column(s): header names or indices, negative from the end (default -1); several "
                           "numeric targets: multi-output regression, several true/false targets: multi-label")
    data.add_argument("--drop", metavar="COL[,COL...]", help="columns to leave out")
    data.add_argument("--features", metavar="COL[,COL...]",
                      help="columns to use even if left out by default (identifiers, dates, constants)")
    data.add_argument("--task", choices=TASKS, default="auto",
                      help="classification or regression (default auto: text, true/false, two values or a few "
                           "integers with several rows each are classes; other numbers are regression)")
    data.add_argument("--missing", choices=MISSING_POLICIES, default="impute",
                      help="missing feature cells: impute (mean + indicator column for numbers, most frequent "
                           "category), drop the rows, or error (default impute); rows with a missing target are "
                           "always left out")
    data.add_argument("--derived", metavar="F[,F...]",
                      help="extra inputs computed from the features, e.g. 'x1^2,x2^2,x1*x2,sin(x1),sin(x2)' "
                           "(square, product, sin, cos); stored in the model, so predict takes the raw columns")
    data.add_argument("--quiet-data", action="store_true", help="do not print the data report")
    _add_header_option(data)
    data.add_argument("--samples", type=_positive_int, metavar="N", help="samples to generate for --dataset")
    data.add_argument("--noise", type=_non_negative_float, metavar="F", help="noise level for --dataset")
    data.add_argument("--val", type=float, default=0.15, metavar="F",
                      help="validation fraction (default 0.15)")
    data.add_argument("--test", type=float, default=0.15, metavar="F", help="test fraction (default 0.15)")
    data.add_argument("--no-standardize", action="store_true",
                      help="do not scale features (and regression targets) to zero mean and unit variance")


def build_parser():
    """The argparse parser of the ``pyffnn`` command."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Feedforward neural networks with a fast C core: train, evaluate and predict.",
        epilog="Run 'pyffnn COMMAND --help' for the options of a command.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "train", help="train a network on a CSV file or a built-in data set and save it",
        description="Train a network, print train/validation/test scores and save the model.\n"
                    "The input size and the output layer follow from the data (binary: 1sigmoid,\n"
                    "K classes: Ksoftmax, regression: 1linear); --layers gives the hidden layers only.",
        epilog="examples:\n  pyffnn train --dataset spiral --layers 16tanh-16tanh --epochs 500 --lr 0.01\n"
               "  pyffnn train penguins.csv --target species --drop year --layers 8relu --output penguins.npz\n"
               "  pyffnn train wine_data.csv --skip-rows 1 --header no --output wine.npz\n"
               "  pyffnn train --resume wine.npz --epochs 100 --output wine.npz   # 100 more epochs\n\n"
               "Reading a CSV: the delimiter, header, decimal commas and compression (.gz/.bz2/.xz/.zip) are\n"
               "detected; text columns are one-hot encoded, true/false columns become 1/0, missing cells are\n"
               "imputed (--missing), identifier, date and constant columns are left out (--features keeps them).\n"
               "A data report (each column's kind and role, and the task with its reason) is printed first.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    data = p.add_argument_group("data")
    _add_data_options(data)
    from . import npy_train
    npy_train.add_options(p.add_argument_group("data larger than memory (memory-mapped .npy)"))

    model = p.add_argument_group("model")
    arch = model.add_mutually_exclusive_group()
    arch.add_argument("--layers", default="16tanh", metavar="SPEC",
                      help="hidden layers, e.g. '8tanh-8tanh' or '16relu-8maxout3'; 'none' for none "
                           f"(default 16tanh); activations: {', '.join(HIDDEN_NAMES)}")
    arch.add_argument("--arch", metavar="SPEC", help="the full architecture instead, e.g. '2-8tanh-1sigmoid'")
    model.add_argument("--dtype", choices=("float64", "float32"), default="float64")

    fit = p.add_argument_group("training")
    fit.add_argument("--optimizer", choices=OPTIMIZER_NAMES, default="adam")
    fit.add_argument("--loss", choices=loss_table.CHOICES, default="auto", metavar="LOSS",
                     help="auto (default: follows the output layer), mse, bce, ce or an alias; log_loss is the "
                          "cross-entropy of the output layer")
    fit.add_argument("--lr", type=_non_negative_float, help="learning rate (default: the optimizer's)")
    fit.add_argument("--epochs", type=_positive_int, default=200, help="default 200")
    fit.add_argument("--batch-size", type=_batch_size, default=32, metavar="N",
                     help="minibatch size; 1 = per-example, 'full' = whole training set (default 32)")
    fit.add_argument("--l2", type=_non_negative_float, default=0.0, help="L2 weight decay (default 0)")
    fit.add_argument("--l1", type=_non_negative_float, default=0.0,
                     help="L1 weight penalty l1*sum|W| (default 0; drives weights to exact zeros; not with lbfgs)")
    fit.add_argument("--patience", type=_positive_int, metavar="N",
                     help="stop when the validation loss has not improved for N epochs (keeps the best weights)")
    fit.add_argument("--seed", type=_seed, default=0, help="seed for data, split, weights and shuffling (default 0)")
    fit.add_argument("--quiet", action="store_true", help="no progress bar")
    fit.add_argument("--resume", metavar="MODEL",
                     help="continue training a model written by 'pyffnn train' for --epochs more epochs, exactly as "
                          "if it had not stopped (data, split, architecture and optimizer state from the file)")
    p.add_argument("--output", "-o", default="model.npz", metavar="FILE", help="model file (default model.npz)")
    record = p.add_argument_group("run store")
    record.add_argument("--no-record", action="store_true", help="do not record this run in the run store")
    record.add_argument("--run-name", metavar="TEXT", help="a label for the recorded run")
    runs_cli.add_runs_db_option(record)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser(
        "predict", help="predict the rows of a CSV file with a saved model",
        description="Write one prediction per CSV row (class labels as in training). Columns are matched by name and "
                    "prepared as in training (text categories, missing cells, scaling); other columns, such as the "
                    "training target, are ignored.")
    p.add_argument("model", metavar="MODEL", help="model file written by 'pyffnn train'")
    p.add_argument("csv", metavar="CSV", help="rows to predict")
    p.add_argument("--output", "-o", metavar="FILE", help="output CSV (default: standard output)")
    p.add_argument("--proba", action="store_true", help="add a probability column per class")
    p.add_argument("--keep", metavar="COL[,COL...]", help="copy these columns (e.g. an ID) into the output, first")
    _add_header_option(p)
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("info", help="show a model's layers and metadata",
                       description="Print the layer summary and the metadata saved with a model.")
    p.add_argument("model", metavar="MODEL")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("datasets", help="list the built-in data sets or write one as CSV",
                       description="Without NAME, list the built-in data sets; with NAME, write it as CSV.")
    p.add_argument("name", metavar="NAME", nargs="?", choices=sorted(BUILTIN))
    p.add_argument("--samples", type=_positive_int, metavar="N")
    p.add_argument("--noise", type=_non_negative_float, metavar="F")
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--output", "-o", metavar="FILE", help="output CSV (default: standard output)")
    p.set_defaults(func=_cmd_datasets)

    p = sub.add_parser("gui", help="start the desktop app (needs pip install pyffnn[gui])",
                       description="Start the pyffnn desktop app; further arguments are passed to it "
                                   "('pyffnn gui -- --help' shows the app's own options).")
    p.add_argument("gui_args", nargs=argparse.REMAINDER, metavar="ARGS")
    p.set_defaults(func=_cmd_gui)

    runs_cli.add_parser(sub)
    sweep_cli.add_parser(sub, _add_data_options)
    return parser


def _version():
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("pyffnn")
    except PackageNotFoundError:  # running from a source tree
        return "unknown"


def _error(message, code):
    try:
        print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr closed or broken: the exit code is all that can tell
        pass
    return code


def _os_error_text(exc):
    if exc.filename is not None and exc.strerror:
        if exc.strerror.startswith("cannot ") or str(exc.filename) in exc.strerror:
            return exc.strerror  # our own message already names the file
        return f"{exc.strerror}: {exc.filename}"
    return exc.strerror or str(exc)


class _ClosedStream:
    """Stands in for a standard stream the shell closed (``>&-``): writing to it is an error, not a crash."""

    def __init__(self, name):
        self.name = name

    def write(self, text):
        raise OSError(errno.EBADF, f"cannot write to standard {self.name}: it is closed")

    def flush(self):
        pass

    def isatty(self):
        return False


def _guard_streams():
    if sys.stdout is None:
        sys.stdout = _ClosedStream("output")
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # nowhere to report to: the exit code still tells


def _silence_stdout():
    """After a broken pipe (``pyffnn ... | head -1``): stop writing, and keep Python quiet at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def main(argv=None):
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    _guard_streams()
    try:
        code = _main(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # the reader went away, as after '| head -1': stop quietly, like any Unix tool
        _silence_stdout()
        return 128 + signal.SIGPIPE


def _main(argv):
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    if argv[:1] == ["gui"] and argv[1:2] not in (["-h"], ["--help"]):
        # everything after 'gui' belongs to the app (argparse's REMAINDER would reject a leading option)
        args = argparse.Namespace(command="gui", func=_cmd_gui, gui_args=argv[1:])
    else:
        parser = build_parser()
        args = parser.parse_args(argv)
        sources = 3 - [args.file, args.csv, args.dataset].count(None) if args.command == "train" else 1
        if args.command == "train" and args.npy is not None:
            sources += 1
        if sources > 1 or (sources == 0 and args.resume is None):  # --resume knows its data
            parser.error("give the data once: a CSV FILE, --csv FILE, --dataset NAME or --npy (or --resume MODEL)")
    try:
        return args.func(args)
    except TrainingDiverged as exc:
        return _error(str(exc), 1)
    except (FileNotFoundError, IsADirectoryError) as exc:
        return _error(_os_error_text(exc), 2)
    except (FFNNError, ValueError) as exc:
        return _error(str(exc), 2)
    except KeyboardInterrupt:
        return _error("interrupted", 130)
    except BrokenPipeError:
        raise
    except (OSError, RuntimeError, MemoryError) as exc:
        if os.environ.get("PYFFNN_DEBUG"):
            raise
        return _error(_os_error_text(exc) if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}", 1)
    except Exception as exc:  # a bug, not bad input: still one line (PYFFNN_DEBUG=1 shows the traceback)
        if os.environ.get("PYFFNN_DEBUG"):
            raise
        return _error(f"internal error: {type(exc).__name__}: {exc} (set PYFFNN_DEBUG=1 for details)", 1)


if __name__ == "__main__":
    sys.exit(main())
