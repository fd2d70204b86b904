"""The command line's data path: CSV files and built-in sets both go through ``read_frame`` and one
``Preprocessor`` (kinds, encodings, imputation, scaling, target encoding), which the model file stores."""
import shlex
import warnings
from dataclasses import dataclass


from ..datasets import DataWarning, Preprocessor, dataset_from, load_builtin, read_frame, split_table
from ..errors import FFNNError

HEADER = {"auto": "auto", "yes": True, "no": False}


def read_csv_args(args):
    """The :class:`Table` of ``args.csv`` read with the --header, --skip-rows and --delimiter options."""
    return read_frame(args.csv, header=HEADER[args.header], skip_rows=args.skip_rows,
                      delimiter=getattr(args, "delimiter", None))


def _names(text):
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


@dataclass
class TrainingTable:
    table: object
    options: dict
    dataset: object       # every usable row, encoded in the data's units (not scaled)
    from_csv: bool


def _note_warnings(caught, stream):
    for w in caught:
        if issubclass(w.category, DataWarning):
            print(f"note: {w.message}", file=stream)


def load(args, stream):
    """The training table of ``args`` (a CSV file or a built-in set) with its unscaled dataset."""
    import pandas as pd

    if args.csv is not None:
        table = read_csv_args(args)
        target = _names(args.target) or [-1]
        options = dict(target=target if len(target) > 1 else target[0], drop=_names(args.drop) or (),
                       features=_names(args.features) or (), missing=args.missing, task=args.task)
    else:
        ds = load_builtin(args.dataset, n_samples=args.samples, noise=args.noise, random_state=args.seed)
        frame = pd.DataFrame(ds.X, columns=list(ds.feature_names))
        frame["y"] = ds.y
        table = read_frame(frame)
        options = dict(target="y", features=list(ds.feature_names),
                       task="regression" if ds.task == "regression" else "classification")
    options["derived"] = _names(getattr(args, "derived", None)) or ()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        pre = Preprocessor(standardize=False, **options).fit(table)
        dataset = dataset_from(table, pre)
    _note_warnings(caught, stream)
    return TrainingTable(table, options, dataset, args.csv is not None)


def report_text(tt):
    """The data report plus a hint for every text column that is one-hot encoded."""
    report = tt.dataset.report
    text = report.format()
    encoded = [c.name for c in report.columns if c.kind == "categorical" and c.role == "feature"]
    if encoded:
        text += (f"\nnote: text column(s) {', '.join(repr(n) for n in encoded)} one-hot encoded; use --drop "
                 f"{shlex.quote(encoded[0])} to leave one out")
    return text


def split(args, tt, stream):
    """``(pre, [(name, X, y), ...])`` for train/validation/test: the preprocessing fitted on the training rows
    (scaling included unless --no-standardize) and each split's features and targets (data units), through
    ``split_table`` (the app's path too)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        sp = split_table(tt.table, tt.dataset, val=args.val, test=args.test, random_state=args.seed, stratify=True,
                         standardize=not args.no_standardize, **tt.options)
        parts = [(name, sp.X(part), sp.y(part)) for name, part in (("train", "train"), ("validation", "val"),
                                                                     ("test", "test"))]
    _note_warnings(caught, stream)
    return sp.preprocessor, parts


def model_preprocessor(meta, path):
    """The model file's Preprocessor, or None for a model saved without one."""
    state = meta.get("preprocessor")
    if state is None:
        return None
    try:
        return Preprocessor.from_dict(state)
    except FFNNError as exc:
        raise FFNNError(f"{path}: its stored preprocessing is invalid: {exc}") from None


def predict_table(args, pre, n_inputs, stream):
    """``(table, X)`` for the rows of ``args.csv`` under the model's preprocessing."""
    table = read_csv_args(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        X = pre.transform(table)
    _note_warnings(caught, stream)
    if X.shape[1] != n_inputs:
        raise FFNNError(f"the model's preprocessing gives {X.shape[1]} features but the network takes {n_inputs}")
    return table, X


def kept_columns(table, keep):
    """``(names, rows of text)`` of the --keep columns, as they were written in the file."""
    names = _names(keep) or []
    frame = table.frame
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise FFNNError(f"--keep {missing[0]!r}: no such column; the columns are: {', '.join(map(str, frame.columns))}")
    cols = [frame[n].astype("string").fillna("").tolist() for n in names]
    return names, [list(r) for r in zip(*cols)] if cols else [[] for _ in range(len(frame))]
