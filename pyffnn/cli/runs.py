"""``pyffnn runs list|show|compare|export|delete``: the run store from the command line, and the recording of
``pyffnn train`` runs.

    pyffnn runs list --status finished --filter spiral
    pyffnn runs show 12
    pyffnn runs compare 12 13 14 --png curves.png
    pyffnn runs export 12 13 --output runs.json        (or --format csv)
    pyffnn runs delete 12 13
"""
import csv
import io
import json
import sys
import time

from ..errors import FFNNError
from ..experiments.logger import RunLogger, data_fingerprint
from ..experiments.store import STATUSES, RunStore
from ..fileio import atomic_write

METRIC_COLUMNS = ("loss", "val_loss", "accuracy", "val_accuracy", "test_loss", "test_accuracy", "test_r2")


def add_runs_db_option(p):
    """The ``--runs-db FILE`` option every command that reads or writes the run store takes."""
    p.add_argument("--runs-db", metavar="FILE",
                   help="run store (SQLite file; default $PYFFNN_RUNS_DB or the per-user data folder)")


# ---------------------------------------------------------------------------------------------------------------
# recording `pyffnn train`
# ---------------------------------------------------------------------------------------------------------------

def train_logger(args, ds, source, preprocessing):
    """The RunLogger for a ``pyffnn train`` run, or None with ``--no-record``.  Opens the store now, so that a
    bad ``--runs-db`` fails before training, not after."""
    if getattr(args, "no_record", False):
        return None
    store = RunStore(args.runs_db)
    config = {"preprocessing": preprocessing, "split": {"val": args.val, "test": args.test, "seed": args.seed},
              "command": "pyffnn " + " ".join(sys.argv[1:]) if sys.argv[1:] else None}
    return RunLogger(store, data=data_fingerprint(ds.X, ds.y, source=source), config=config,
                     model_path=None, name=getattr(args, "run_name", None))


def record_train_result(logger, output, scores):
    """After ``pyffnn train`` saved the model: record its path and the split scores."""
    if logger is None or logger.run_id is None:
        return
    metrics = {}
    for split, s in scores.items():
        prefix = {"train": "train", "validation": "val", "test": "test"}[split]
        for key in ("loss", "accuracy", "mse", "r2"):
            if s.get(key) is not None:
                metrics[f"{prefix}_{key}"] = s[key]
    logger.add_metrics(**metrics)
    logger.set_model_path(output)
    print(f"recorded as run {logger.run_id} in {logger.store.path}")


# ---------------------------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------------------------

def _fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _table(header, rows):
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h)) for i, h in enumerate(header)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def _settings(run):
    """The settings a reader compares runs by, flattened to one level."""
    c = run.config
    opt = c.get("optimizer") or {}
    fit = c.get("fit") or {}
    data = c.get("data") or {}
    source = data.get("source")
    if isinstance(source, dict):
        source = source.get("dataset") or source.get("csv") or source.get("npy") or json.dumps(source)
    out = {"architecture": c.get("architecture"), "optimizer": opt.get("name"), "lr": opt.get("lr"),
           "batch_size": fit.get("batch_size"), "l2": fit.get("l2"), "epochs": fit.get("epochs"),
           "seed": c.get("seed"), "data": source}
    for key, value in (c.get("sweep_params") or {}).items():
        out.setdefault(key, value)
    return out


def _metric(run, key):
    m = run.metrics
    if key in m:
        return m[key]
    return {"loss": m.get("train_loss"), "accuracy": m.get("train_accuracy")}.get(key)


def _when(t):
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else "-"


# ---------------------------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------------------------

def _parse_ids(texts):
    ids = []
    for text in texts:
        for part in str(text).split(","):
            part = part.strip()
            if not part:
                continue
            if "-" in part[1:]:
                lo, hi = part.split("-", 1)
                if not (lo.isdigit() and hi.isdigit()) or int(lo) > int(hi):
                    raise FFNNError(f"bad run id range {part!r}; write e.g. 3-7")
                ids.extend(range(int(lo), int(hi) + 1))
            elif part.isdigit():
                ids.append(int(part))
            else:
                raise FFNNError(f"bad run id {part!r}; run ids are the numbers 'pyffnn runs list' shows")
    return ids


def _get_runs(store, ids):
    runs = {r.id: r for r in store.list_runs(ids=ids, curves=True)}
    missing = [i for i in ids if i not in runs]
    if missing:
        raise FFNNError(f"no run with id {', '.join(map(str, missing))} in {store.path} "
                        "('pyffnn runs list' shows the ids)")
    return [runs[i] for i in ids]


def _cmd_list(args):
    with RunStore(args.runs_db) as store:
        runs = store.list_runs(status=args.status, sweep=args.sweep, contains=args.filter, limit=args.limit)
        if not runs:
            print(f"no runs in {store.path}" + (" match" if args.status or args.sweep or args.filter else ""))
            return 0
        header = ["id", "status", "started", "architecture", "optimizer", "lr", "epochs", "loss", "val_loss",
                  "accuracy", "time", "name"]
        rows = []
        for r in runs:
            s = _settings(r)
            rows.append([str(r.id), r.status, _when(r.created), _fmt(s["architecture"]), _fmt(s["optimizer"]),
                         _fmt(s["lr"]), _fmt(r.metrics.get("epoch")), _fmt(_metric(r, "loss")),
                         _fmt(_metric(r, "val_loss")), _fmt(_first(_metric(r, "val_accuracy"), _metric(r, "accuracy"))),
                         "-" if r.duration is None else f"{r.duration:.1f}s", r.name or r.sweep or ""])
        print(_table(header, rows))
    return 0


def _cmd_show(args):
    with RunStore(args.runs_db) as store:
        run = store.get_run(args.id)
    print(f"run {run.id}  {run.status}" + (f"  ({run.name})" if run.name else "")
          + (f"  sweep {run.sweep}" if run.sweep else ""))
    print(f"started   {_when(run.created)} on {run.host} (pid {run.pid})")
    print("duration  " + ("-" if run.duration is None else f"{run.duration:.2f}s"))
    print(f"model     {run.model_path or '-'}")
    if run.error:
        print(f"error     {run.error}")
    print("configuration:")
    for line in json.dumps(run.config, indent=2, sort_keys=True).splitlines():
        print("  " + line)
    print("metrics:")
    for key, value in sorted(run.metrics.items()):
        print(f"  {key}: {_fmt(value)}")
    if run.epochs:
        print(f"curves ({len(run.epochs)} epochs): " + ", ".join(
            f"{name} {_fmt(vals[0])} -> {_fmt(vals[-1])}" for name, vals in sorted(run.curves.items())))
    return 0


def _cmd_compare(args):
    ids = _parse_ids(args.ids)
    if len(ids) < 1:
        raise FFNNError("give at least one run id to compare")
    with RunStore(args.runs_db) as store:
        runs = _get_runs(store, ids)
    settings = [_settings(r) for r in runs]
    keys = [k for k in settings[0] if any(s.get(k) != settings[0].get(k) for s in settings)] or ["architecture"]
    metrics = [m for m in METRIC_COLUMNS if any(_metric(r, m) is not None for r in runs)]
    header = ["id", "status"] + keys + metrics
    rows = [[str(r.id), r.status] + [_fmt(s.get(k)) for k in keys] + [_fmt(_metric(r, m)) for m in metrics]
            for r, s in zip(runs, settings)]
    print(_table(header, rows))
    same = {k: v for k, v in settings[0].items() if k not in keys and v is not None}
    if same and len(runs) > 1:
        print("same in all: " + ", ".join(f"{k}={_fmt(v)}" for k, v in same.items()))
    if args.png:
        curves = args.curves.split(",")
        from ..experiments.plots import plot_curves
        plot_curves(runs, curves, args.png)
        print(f"wrote {args.png}")
    return 0


def _cmd_export(args):
    with RunStore(args.runs_db) as store:
        runs = _get_runs(store, _parse_ids(args.ids)) if args.ids else store.list_runs(curves=True)
    if args.format == "json":
        text = json.dumps([r.to_dict() for r in runs], indent=2, sort_keys=True)
    else:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["run_id", "status", "architecture", "optimizer", "lr", "batch_size", "l2", "seed",
                         "epoch", "curve", "value"])
        for r in runs:
            s = _settings(r)
            for name, values in sorted(r.curves.items()):
                for epoch, value in zip(r.epochs, values):
                    writer.writerow([r.id, r.status, s["architecture"], s["optimizer"], s["lr"], s["batch_size"],
                                     s["l2"], s["seed"], epoch + 1, name, "" if value is None else repr(value)])
        text = buf.getvalue()
    if args.output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        atomic_write(args.output, lambda f: f.write(text.encode("utf-8")))
        print(f"exported {len(runs)} runs to {args.output}", file=sys.stderr)
    return 0


def _cmd_delete(args):
    ids = _parse_ids(args.ids)
    with RunStore(args.runs_db) as store:
        _get_runs(store, ids)  # all or nothing: an unknown id deletes none
        n = store.delete_runs(ids)
    print(f"deleted {n} run{'s' if n != 1 else ''} (model files are kept)")
    return 0


def add_parser(sub):
    """Register ``pyffnn runs ...`` into the command line's subparsers."""
    p = sub.add_parser("runs", help="list, show, compare, export or delete recorded training runs",
                       description="The run store: every 'pyffnn train', sweep and app run is recorded there.")
    rsub = p.add_subparsers(dest="runs_command", metavar="ACTION", required=True)

    q = rsub.add_parser("list", help="list runs, newest first")
    q.add_argument("--status", choices=STATUSES)
    q.add_argument("--sweep", metavar="NAME", help="only the runs of this sweep")
    q.add_argument("--filter", metavar="TEXT", help="only runs whose name or configuration contains TEXT")
    q.add_argument("--limit", type=int, metavar="N")
    q.set_defaults(func=_cmd_list)

    q = rsub.add_parser("show", help="a run's configuration, metrics and curves")
    q.add_argument("id", type=int, metavar="ID")
    q.set_defaults(func=_cmd_show)

    q = rsub.add_parser("compare", help="compare runs side by side; --png overlays their curves")
    q.add_argument("ids", nargs="+", metavar="ID", help="run ids (also 3,4 or 3-7)")
    q.add_argument("--png", metavar="FILE", help="write overlaid curves to a PNG (needs pip install pyffnn[plot])")
    q.add_argument("--curves", default="loss,val_loss", metavar="NAMES",
                   help="curves to overlay, comma-separated (default loss,val_loss)")
    q.set_defaults(func=_cmd_compare)

    q = rsub.add_parser("export", help="write runs (configuration, metrics, curves) as JSON or CSV")
    q.add_argument("ids", nargs="*", metavar="ID", help="run ids (default: all)")
    q.add_argument("--format", choices=("json", "csv"), default="json")
    q.add_argument("--output", "-o", metavar="FILE", help="output file (default: standard output)")
    q.set_defaults(func=_cmd_export)

    q = rsub.add_parser("delete", help="delete runs from the store (their model files are kept)")
    q.add_argument("ids", nargs="+", metavar="ID")
    q.set_defaults(func=_cmd_delete)
    for q in rsub.choices.values():
        add_runs_db_option(q)
    return p



def _first(*values):
    return next((v for v in values if v is not None), None)
