"""``pyffnn sweep``: a grid or random search over layers, learning rate, batch size, optimizer, L2 and seeds.

    pyffnn sweep --dataset spiral --layers 8tanh,16tanh-16tanh --lr 0.01,0.001 --seeds 0,1,2 --epochs 200
    pyffnn sweep penguins.csv --target species --layers 8relu,16relu --optimizer adam,sgd --processes 2
    pyffnn sweep --dataset moons --random 20 --lr 1e-4:1e-1 --l2 0:1e-3 --random-seed 7
    pyffnn sweep --dataset xor --lr 0.1,0.01 --scheduler tcp://HOST:8786

The data goes through the same path as ``pyffnn train`` (CSV reading, built-in sets, preprocessing, the
train/validation/test split); every run is recorded in the run store under the sweep's name
(``pyffnn runs list --sweep NAME``).  Values are comma-separated; for ``--random``, ``LOW:HIGH`` draws ``--lr``
log-uniformly and ``--l2`` log-uniformly (uniformly when LOW is 0).
"""
import math
import sys

from ..errors import FFNNError
from . import runs as runs_cli
from . import table_data
from .runs import _fmt  # one cell format for the runs and sweep tables

_SHOW = ("layers", "lr", "batch_size", "optimizer", "l2", "seed", "epochs")


def _split_list(text, what):
    items = [t.strip() for t in str(text).split(",")]
    if not all(items):
        raise FFNNError(f"--{what} {text!r}: an empty value; write the values separated by commas, e.g. 0.01,0.001")
    return items


def _number(text, what, kind=float):
    try:
        value = kind(text)
    except ValueError:
        raise FFNNError(f"--{what}: {text!r} is not a{'n integer' if kind is int else ' number'}") from None
    if kind is float and not math.isfinite(value):
        raise FFNNError(f"--{what}: {text!r} is not a finite number")
    return value


def _floats_or_range(text, what, random):
    from ..experiments.space import LogUniform, Uniform
    if ":" in text:
        if not random:
            raise FFNNError(f"--{what} {text!r}: a LOW:HIGH range is for --random N; a grid needs a list such as "
                            "0.01,0.001")
        low, _, high = text.partition(":")
        low, high = _number(low, what), _number(high, what)
        if not low < high:
            raise FFNNError(f"--{what} {text!r}: LOW must be below HIGH")
        if low < 0 or (what == "lr" and low == 0):
            raise FFNNError(f"--{what} {text!r}: LOW must be > 0" + (" (or 0 for --l2)" if what == "l2" else ""))
        return Uniform(low, high) if low == 0 else LogUniform(low, high)
    return [_number(t, what) for t in _split_list(text, what)]


def _batch_sizes(text):
    return [None if t.lower() in ("full", "all") else _number(t, "batch-size", int)
            for t in _split_list(text, "batch-size")]


def space_from_args(args):
    """The sweep space of the command line's options."""
    random = args.random is not None
    space = {"layers": _split_list(args.layers, "layers")}
    if args.lr is not None:
        space["lr"] = _floats_or_range(args.lr, "lr", random)
    space["batch_size"] = _batch_sizes(args.batch_size)
    space["optimizer"] = _split_list(args.optimizer, "optimizer")
    space["l2"] = _floats_or_range(args.l2, "l2", random)
    space["seed"] = [_number(t, "seeds", int) for t in _split_list(args.seeds, "seeds")]
    space["epochs"] = [_number(t, "epochs", int) for t in _split_list(args.epochs, "epochs")]
    return space


def results_table(result):
    """The rows of a :class:`SweepResult` as a text table, best first, with the varied settings only."""
    rows = result.rows
    varied = [k for k in _SHOW if len({repr(r.get(k)) for r in rows}) > 1] or ["layers"]
    metrics = [m for m in (result.metric, "val_loss", "val_accuracy", "loss", "accuracy")
               if any(r.get(m) is not None for r in rows)]
    metrics = list(dict.fromkeys(metrics))
    header = ["rank", "run", "status"] + varied + metrics
    body = [[str(i + 1), _fmt(r["run_id"]), r["status"]] + [_fmt(r.get(k)) for k in varied]
            + [_fmt(r.get(m)) for m in metrics] for i, r in enumerate(rows)]
    return runs_cli._table(header, body)


def _cmd_sweep(args):
    from ..experiments.sweep import Sweep, sweep_data
    from .commands import _load_data, _output_layer

    sources = 3 - [args.file, args.csv, args.dataset].count(None)
    if sources != 1:
        raise FFNNError("give the data once: a CSV FILE, --csv FILE or --dataset NAME")
    if args.random is None and args.random_seed is not None:
        raise FFNNError("--random-seed only applies to --random N")
    space = space_from_args(args)
    args.seed = args.split_seed  # table_data's data and split seed
    tt = _load_data(args)
    ds = tt.dataset
    if tt.from_csv and not args.quiet_data:
        print(table_data.report_text(tt))
    pre, parts = table_data.split(args, tt, sys.stdout)
    (_, X_tr, y_tr), (_, X_va, y_va), _ = parts
    if len(X_va) == 0:
        raise FFNNError("--val 0 leaves no validation rows to compare the runs by; give --val, e.g. 0.15")
    source = {"csv": args.csv, "skip_rows": args.skip_rows, "header": args.header} if args.csv is not None \
        else {"dataset": args.dataset, "samples": ds.n_samples}
    data = sweep_data((X_tr, pre.model_targets(y_tr)), validation_data=(X_va, pre.model_targets(y_va)),
                      output=_output_layer(ds), source=source,
                      config={"preprocessing": {"standardize": pre.scaler_ is not None},
                              "split": {"val": args.val, "test": args.test, "seed": args.split_seed},
                              "command": "pyffnn " + " ".join(sys.argv[1:]) if sys.argv[1:] else None})
    metric = args.metric
    if metric == "auto":
        metric = "val_loss"
    total = [0]

    def progress(row):
        total[0] += 1
        value = row.get(metric)
        print(f"[{total[0]}/{len(job.points)}] run {_fmt(row['run_id'])} {row['status']}"
              + (f" {metric}={_fmt(value)}" if value is not None else "")
              + (f" ({row['error']})" if row["error"] and row["status"] != "finished" else ""),
              file=sys.stderr, flush=True)

    job = Sweep(space, data, method="random" if args.random is not None else "grid", n_runs=args.random,
                random_state=args.random_seed or 0, epochs=1, processes=args.processes, scheduler=args.scheduler,
                runs_db=args.runs_db, name=args.name, metric=metric, dtype=args.dtype, on_result=progress)
    where = f"the Dask cluster at {args.scheduler}" if args.scheduler else \
        ("this process" if job.processes == 0 else f"{min(job.processes, len(job.points))} local processes")
    print(f"sweep {job.name}: {len(job.points)} runs on {where}, recorded in {job.store.path}", file=sys.stderr,
          flush=True)
    try:
        result = job.run()
    except KeyboardInterrupt:
        result = job.result()
        if result.rows:
            print(results_table(result))
        print(f"{len(job.points) - len(result.rows)} runs did not finish; they are marked interrupted "
              f"('pyffnn runs list --sweep {job.name}')", file=sys.stderr)
        raise
    print(results_table(result))
    best = result.best
    if best is None:
        print(f"no run finished with a {metric}; see 'pyffnn runs list --sweep {job.name}'", file=sys.stderr)
        return 1
    print(f"best: run {best['run_id']} ({metric}={_fmt(best[metric])}); 'pyffnn runs show {best['run_id']}', "
          f"all runs: 'pyffnn runs list --sweep {job.name}'")
    return 0


def add_parser(sub, add_data_options):
    """Register ``pyffnn sweep`` into the command line's subparsers; ``add_data_options(group)`` adds the data
    options it shares with ``pyffnn train``."""
    import argparse

    p = sub.add_parser(
        "sweep", help="train many networks (a grid or random search) in parallel and rank them",
        description="Train one network per combination of the given values (or --random N draws), on local "
                    "processes or a Dask cluster; every run is recorded in the run store under the sweep's name.\n"
                    "Lists are comma-separated. The input size and output layer follow from the data, as in "
                    "'pyffnn train'.",
        epilog="examples:\n"
               "  pyffnn sweep --dataset spiral --layers 8tanh,16tanh-16tanh --lr 0.01,0.001 --seeds 0,1,2\n"
               "  pyffnn sweep penguins.csv --target species --optimizer adam,sgd --batch-size 16,64\n"
               "  pyffnn sweep --dataset moons --random 20 --lr 1e-4:1e-1 --l2 0:1e-3\n"
               "  pyffnn sweep --dataset xor --lr 0.1,0.01 --scheduler tcp://HOST:8786   # pip install pyffnn[dask]",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    data = p.add_argument_group("data (as for 'pyffnn train')")
    add_data_options(data)
    data.add_argument("--split-seed", type=int, default=0, metavar="N",
                      help="seed of the generated data and of the train/validation/test split (default 0)")
    space = p.add_argument_group("search space (comma-separated values)")
    space.add_argument("--layers", default="16tanh", metavar="SPECS",
                       help="hidden layers to try, e.g. '8tanh,16tanh-16tanh' (default 16tanh)")
    space.add_argument("--lr", metavar="VALUES", help="learning rates, e.g. 0.01,0.001, or with --random a range "
                                                      "LOW:HIGH drawn log-uniformly (default: the optimizer's)")
    space.add_argument("--batch-size", default="32", metavar="VALUES", help="minibatch sizes, 'full' for the whole "
                                                                            "training set (default 32)")
    space.add_argument("--optimizer", default="adam", metavar="NAMES", help="optimizers, e.g. adam,sgd (default adam)")
    space.add_argument("--l2", default="0", metavar="VALUES", help="L2 penalties, e.g. 0,1e-4, or with --random "
                                                                   "LOW:HIGH (default 0)")
    space.add_argument("--seeds", "--seed", default="0", metavar="VALUES",
                       help="weight and shuffling seeds, e.g. 0,1,2 (default 0)")
    space.add_argument("--epochs", default="100", metavar="VALUES", help="epochs per run (default 100)")
    space.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    how = p.add_argument_group("how")
    how.add_argument("--random", type=int, metavar="N", help="N random draws instead of the whole grid")
    how.add_argument("--random-seed", type=int, metavar="N", help="seed of the random draws (default 0)")
    how.add_argument("--processes", type=int, metavar="N",
                     help="local worker processes (default: the number of CPUs; 0 runs in this process)")
    how.add_argument("--scheduler", metavar="ADDRESS",
                     help="run on a Dask cluster instead, e.g. tcp://HOST:8786 (needs pip install pyffnn[dask])")
    how.add_argument("--metric", default="auto", choices=("auto", "val_loss", "val_accuracy", "loss", "accuracy"),
                     help="rank runs by val_loss (default), val_accuracy, loss or accuracy")
    how.add_argument("--name", metavar="NAME", help="the sweep's name in the run store (default sweep-DATE-TIME-PID)")
    runs_cli.add_runs_db_option(how)
    p.set_defaults(func=_cmd_sweep)
    return p
