"""The fitted preprocessing of a table: column kinds and roles, imputation, one-hot categories, scaling and the
target encoding, as one small JSON-serialisable object stored in model files and applied to raw rows by predict.
"""
import math
import numbers
import warnings

import numpy as np

from . import columns as col
from . import derived as derived_features
from .dataset import DataError
from .report import ColumnReport, DataReport
from .scaling import StandardScaler
from .table_reader import Table, read_frame

FORMAT = "pyffnn-preprocessor/1"
MISSING_POLICIES = ("impute", "drop", "error")
TASKS = ("auto", "classification", "regression")
#: An integer-valued target with at most this many distinct values (and at least 3 rows per value) is read as
#: class labels by ``task="auto"``; two distinct values always are.
MAX_INTEGER_CLASSES = 20
_ROW_BLOCK = 4096  # rows of the feature matrix filled at a time (4096 x 20 float64 = 640 KiB, within L2)


class DataWarning(UserWarning):
    """Something in the data was handled but deserves a look (e.g. a category not seen in training)."""


def _as_table(data):
    import pandas as pd

    if isinstance(data, Table):
        return data
    if isinstance(data, pd.DataFrame):
        return read_frame(data)
    raise DataError(f"expected a pandas DataFrame or a Table, got {type(data).__name__}")


def _where(table, row, name):
    return f"{table.where(row)}, column {name!r}"


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


def _name_list(value, what):
    if value is None:
        return []
    if isinstance(value, (str, numbers.Integral)):
        return [value]
    try:
        return list(value)
    except TypeError:
        raise DataError(f"{what} must be a column name, an index or a list of them, got {value!r}") from None


def _resolve(spec, names, has_header, what):
    """The column name for ``spec``: a name (case-insensitive), an int index (negative from the end) or its text."""
    if isinstance(spec, str):
        if spec in names:
            return spec
        folded = [n.casefold() for n in names]
        if spec.strip().casefold() in folded:
            return names[folded.index(spec.strip().casefold())]
        try:
            spec = int(spec)
        except ValueError:
            if not has_header:
                raise DataError(f"{what} column {spec!r} given by name, but the file has no header row; "
                                f"give an index, or use the names x1..x{len(names)}") from None
            raise DataError(f"no column named {spec!r}; the columns are: {', '.join(names)}") from None
    if isinstance(spec, bool) or not isinstance(spec, numbers.Integral):
        raise DataError(f"{what} must be a column index (int) or a column name (str), got {spec!r}")
    width = len(names)
    if not -width <= spec < width:
        raise DataError(f"{what} column {spec} is out of range for a table with {width} columns "
                        f"(valid indices: {-width} to {width - 1})")
    return names[int(spec) % width]


def _category_texts(series):
    """Cells as category strings: stripped text, integers without '.0', other numbers as repr; <NA> if missing."""
    import pandas as pd

    if col.is_text(series):
        return col.texts(series)
    if pd.api.types.is_bool_dtype(series):
        return series.map(lambda v: None if pd.isna(v) else str(bool(v))).astype("string")
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.Series([None if math.isnan(v) else (str(int(v)) if v == int(v) else repr(float(v)))
                      for v in values], dtype="string")


def _class_values(series, kind, decimal):
    """(labels as a list of plain Python values, codes per row with -1 for missing)."""
    import pandas as pd

    if kind == "numeric":
        values = col.numbers(series, decimal)
        present = ~np.isnan(values)
        classes = np.unique(values[present])
        integral = bool(np.all(classes == np.round(classes)))
        if integral and classes.size and np.abs(classes).max() >= 2 ** 53:
            # as numbers, neighbouring integers this large are the same float: 1e20 and 1e20 + 1 would be one class
            raise DataError(f"the target {series.name!r} has integer class labels beyond ±2^53 (such as "
                            f"{classes[np.argmax(np.abs(classes))]:.17g}), which cannot be kept exactly as numbers; "
                            "use smaller labels or text labels")
        ints = integral
        labels = [int(c) if ints else float(c) for c in classes]
        codes = np.full(len(values), -1, dtype=np.int64)
        codes[present] = np.searchsorted(classes, values[present])
        return labels, codes
    if kind == "boolean":
        b = col.booleans(series)
        words = col.texts(series.astype("string")).str.lower() if col.is_text(series) else None
        if words is None:
            labels = [False, True]
        else:
            t = col.texts(series)
            true_text = t[(b == 1)].iloc[0] if (b == 1).any() else "True"
            false_text = t[(b == 0)].iloc[0] if (b == 0).any() else "False"
            labels = [false_text, true_text]
        codes = np.where(np.isnan(b), -1, b).astype(np.int64)
        return labels, codes
    t = _category_texts(series)
    cats = pd.Categorical(t)
    labels = [str(c) for c in cats.categories]
    return labels, cats.codes.astype(np.int64)


class Preprocessor:
    """Turns a table (a pandas DataFrame or a :class:`Table` from a file) into a float64 feature matrix and
    target, remembering everything needed to do the same to new rows.

    ``target``: the column(s) to predict: a name, an index (negative from the end) or a list (several numeric
    targets → multi-output regression; several true/false targets → multi-label); None for features only.
    ``drop``: columns to leave out.  ``features``: columns to use even if their kind is left out by default
    (identifier, date, constant).  ``kinds``: ``{column: "numeric"|"boolean"|"categorical"}`` overrides.
    ``missing``: ``"impute"`` (numbers: the mean plus a missing-indicator column; booleans and categories: the most
    frequent value), ``"drop"`` (leave out rows with a missing feature) or ``"error"``.  Rows whose target is
    missing are always left out, with a notice.  ``task``: ``"auto"``, ``"classification"`` or ``"regression"``.
    ``standardize``: True scales features and regression targets to zero mean and unit variance, ``"features"``
    only the features, False neither.  ``derived``: extra inputs computed from the encoded features before
    scaling, e.g. ``["x1^2", "x1*x2", "sin(x1)"]`` (see :mod:`pyffnn.data.derived`); they follow the encoded
    columns in ``feature_names_`` and are stored with the rest, so predict computes them from raw rows.

    Fitted attributes: ``task_`` (``"binary"``, ``"multiclass"``, ``"multilabel"`` or ``"regression"``),
    ``task_reason_``, ``feature_names_`` (encoded columns), ``input_columns_`` (raw columns used),
    ``target_names_``, ``classes_`` (per target; None for regression), ``report_`` (:class:`DataReport`),
    ``derived_`` (the derived features as ``{"op": ..., "columns": [...]}``).
    ``to_dict``/``from_dict`` round-trip it through JSON.
    """

    def __init__(self, target=-1, drop=(), features=(), kinds=None, missing="impute", task="auto",
                 standardize=True, derived=()):
        self.target = target
        self.drop = drop
        self.features = features
        self.kinds = kinds
        self.missing = missing
        self.task = task
        self.standardize = standardize
        self.derived = derived

    # ------------------------------------------------------------------------------------------------- fitting
    def _check_params(self):
        if self.standardize not in (True, False, "features"):
            raise DataError(f"standardize must be True, False or 'features', got {self.standardize!r}")
        if self.missing not in MISSING_POLICIES:
            raise DataError(f"missing must be one of {', '.join(MISSING_POLICIES)}, got {self.missing!r}")
        if self.task not in TASKS:
            raise DataError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")
        kinds = dict(self.kinds or {})
        for name, kind in kinds.items():
            if kind not in col.ENCODABLE:
                raise DataError(f"kinds[{name!r}] must be one of {', '.join(col.ENCODABLE)}, got {kind!r}")
        return kinds

    def fit(self, data, rows=None):
        """Learn kinds, roles, classes and categories from every row of ``data`` (a DataFrame or :class:`Table`)
        and the fill values and scaling from the rows at positions ``rows`` (default: all usable rows).
        Returns self."""
        table = _as_table(data)
        frame = table.frame
        kinds_given = self._check_params()
        names = list(frame.columns)
        has_header = table.has_header
        targets = [_resolve(t, names, has_header, "target") for t in _name_list(self.target, "target")]
        if len(set(targets)) != len(targets):
            raise DataError(f"target lists a column twice: {targets}")
        dropped = {_resolve(d, names, has_header, "drop") for d in _name_list(self.drop, "drop")}
        forced = {_resolve(f, names, has_header, "features") for f in _name_list(self.features, "features")}
        kinds_given = {_resolve(k, names, has_header, "kinds"): v for k, v in kinds_given.items()}
        if dropped & set(targets):
            raise DataError(f"column {sorted(dropped & set(targets))[0]!r} is both the target and dropped")
        notices = list(table.notices)
        reports, specs, target_specs = {}, [], []
        sums = {}  # the sum of each float column: a finite sum means no missing and no infinite cell

        for name in names:
            series = frame[name]
            total = np.add.reduce(series.to_numpy()) if series.dtype.kind == "f" else None
            if total is not None:
                sums[name] = total
            n_missing = _missing_cells(series, total)
            kind, note, bad = col.infer(name, series, table.decimal, unnamed=name in table.unnamed, total=total)
            if name in kinds_given:
                kind, note, bad = kinds_given[name], "kind set by you", None
            role = "target" if name in targets else "ignored" if name in dropped else "feature"
            if role == "feature" and kind in col.LEFT_OUT and name not in forced:
                reports[name] = ColumnReport(name, kind, "ignored", n_missing, f"left out: {note}")
                if kind != "empty":
                    notices.append(f"column {name!r} left out: {note} ({kind}); use features=[{name!r}] "
                                   f"(--features {name}) to use it")
                else:
                    notices.append(f"column {name!r} left out: {note}")
                continue
            if role == "ignored":
                reports[name] = ColumnReport(name, kind, "ignored", n_missing, "dropped as asked")
                continue
            if kind in ("identifier", "constant", "datetime", "empty"):
                kind = self._forced_kind(name, series, table, kind, role)
            if bad is not None:
                row, text = bad
                raise DataError(f"{_where(table, row, name)}: {text!r} is not a number, but the other values of "
                                f"this numeric column are; correct the cell, mark it as missing "
                                f"(na_values=[{text!r}]), or leave the column out (drop={name!r}, "
                                f"--drop {name})")
            reports[name] = ColumnReport(name, kind, role, n_missing, note)
            (target_specs if role == "target" else specs).append({"name": name, "kind": kind})

        self.input_columns_ = [s["name"] for s in specs]
        self.target_names_ = list(targets)
        self._decimal = table.decimal
        keep = np.ones(len(frame), dtype=bool)
        for t in targets:
            miss = frame[t].isna().to_numpy()
            if miss.any():
                notices.append(f"{int(miss.sum())} row(s) with a missing target {t!r} left out")
                keep &= ~miss
        if not keep.any():
            raise DataError(f"every row has a missing target ({', '.join(targets)})")
        self._fit_targets(table, target_specs, keep, reports)
        if self.missing == "drop" and specs:
            miss = frame[self.input_columns_].isna().any(axis=1).to_numpy() & keep
            if miss.any():
                notices.append(f"{int(miss.sum())} row(s) with a missing feature value left out (missing='drop')")
                keep &= ~miss
                if not keep.any():
                    raise DataError("every row has a missing feature value; use missing='impute' "
                                    "(--missing impute) to fill them in")
        if not specs:
            raise DataError("no feature columns are left" + (" (" + "; ".join(notices[-3:]) + ")" if notices else "")
                            + "; name some with features=[...] or drop fewer columns")
        usable = np.flatnonzero(keep)
        fit_rows = usable if rows is None else np.intersect1d(np.asarray(rows, dtype=np.int64), usable)
        if fit_rows.size == 0:
            raise DataError("no usable rows to fit the preprocessing on")
        self._fit_features(table, specs, fit_rows, reports, sums)
        self.columns_ = specs
        self.derived_ = derived_features.parse_all(self.derived, self.encoded_names_)
        self.usable_rows_ = usable
        self.scaler_ = self.target_scaler_ = None
        if self.standardize:
            self.scaler_ = StandardScaler().fit(self.transform(table, rows=fit_rows, scale=False))
            if self.task_ == "regression" and self.standardize is True:
                self.target_scaler_ = StandardScaler().fit(self.target_values(table, fit_rows).reshape(len(fit_rows),
                                                                                                     -1))
        self.report_ = DataReport(source=table.path or "DataFrame", n_rows=len(frame), n_used=int(usable.size),
                                  columns=[reports[n] for n in names], notices=notices,
                                  task=self.task_ if targets else "", task_reason=self.task_reason_)
        return self

    def _forced_kind(self, name, series, table, kind, role):
        """The kind a left-out column gets when the user asks for it as a feature or target."""
        if kind == "empty":
            raise DataError(f"column {name!r} is empty (every cell is missing); it cannot be a {role}")
        if not col.is_text(series) or np.all(~np.isnan(col.numbers(series, table.decimal, strict=False))
                                             | series.isna().to_numpy()):
            return "numeric"
        if kind == "datetime" and role == "feature":
            raise DataError(f"column {name!r} holds dates or times, which pyffnn cannot use as numbers; "
                            f"convert them (e.g. to a year or a day of the year) or use kinds={{{name!r}: "
                            f"'categorical'}}")
        return "categorical"

    def _fit_targets(self, table, target_specs, keep, reports):
        frame = table.frame
        self.classes_ = []
        self.target_kinds_ = []
        tasks, reasons = [], []
        for spec in target_specs:
            name, kind = spec["name"], spec["kind"]
            series = frame[name][keep]
            if kind == "numeric":
                values = col.numbers(series, table.decimal)
                if not np.isfinite(values).all():
                    i = int(np.flatnonzero(~np.isfinite(values))[0])
                    raise DataError(f"{_where(table, int(np.flatnonzero(keep)[i]), name)}: target "
                                    f"{float(values[i])!r} is not finite")
                task, reason, hint = self._numeric_task(name, values)
            else:
                hint = ""
                if self.task == "regression":
                    raise DataError(f"task='regression', but the target {name!r} holds {kind} values, not numbers")
                task = "classification"
                reason = f"{name!r} holds {'true/false values' if kind == 'boolean' else 'text'}"
            if task == "classification":
                labels, _ = _class_values(series, kind, table.decimal)
                if len(labels) < 2:
                    raise DataError(f"the target {name!r} has only one class ({str(labels[0])!r}); "
                                    "classification needs at least two")
                reason += f": {len(labels)} classes{hint}"
                self.classes_.append(labels)
                shown = ", ".join(str(c) for c in labels[:6]) + (", ..." if len(labels) > 6 else "")
                reports[name].note = f"{len(labels)} classes: {shown}"
            else:
                self.classes_.append(None)
                reports[name].note = "numbers (regression)"
            self.target_kinds_.append(kind)
            tasks.append(task)
            reasons.append(reason)
        if not target_specs:
            self.task_, self.task_reason_, self.classes_ = None, "no target", None
            return
        if len(set(tasks)) > 1:
            raise DataError("several targets must all be numbers (multi-output regression) or all classes "
                            f"(multi-label); here: {'; '.join(reasons)}; give task= or fewer targets")
        if tasks[0] == "regression":
            self.task_ = "regression"
            self.classes_ = None
        elif len(target_specs) == 1:
            self.task_ = "binary" if len(self.classes_[0]) == 2 else "multiclass"
        else:
            wide = [(s["name"], len(c)) for s, c in zip(target_specs, self.classes_) if len(c) != 2]
            if wide:
                raise DataError(f"several class targets must each have two classes (multi-label); {wide[0][0]!r} "
                                f"has {wide[0][1]}")
            self.task_ = "multilabel"
        self.task_reason_ = "; ".join(reasons)
        if self.task_ == "regression" and len(reasons) == 1:
            self.task_reason_ += ": regression"

    def _numeric_task(self, name, values):
        if self.task == "regression":
            return "regression", "task='regression' was asked for", ""
        distinct = np.unique(values)
        if self.task == "classification":
            if distinct.size > 1000:
                raise DataError(f"task='classification', but the target {name!r} has {distinct.size} distinct values")
            return "classification", "task='classification' was asked for", ""
        integral = bool(np.all(distinct == np.round(distinct)))
        if distinct.size == 2:
            return "classification", f"{name!r} holds two distinct values", ""
        if not integral:
            return "regression", f"{name!r} holds non-integer numbers", ""
        if distinct.size > MAX_INTEGER_CLASSES:
            return ("regression", f"{name!r} holds {distinct.size} distinct integers (more than {MAX_INTEGER_CLASSES})",
                    "")
        if values.size < 3 * distinct.size:
            return "regression", (f"{name!r} holds {distinct.size} distinct integers in {values.size} rows, "
                                  "too few rows per value to be classes"), ""
        return ("classification", f"{name!r} holds {distinct.size} distinct integers (at most {MAX_INTEGER_CLASSES})",
                "; give task='regression' if they are amounts")

    def _fit_features(self, table, specs, fit_rows, reports, sums):
        frame = table.frame
        every_row = fit_rows.size == len(frame)  # fit_rows is sorted and unique: all rows, in order
        for spec in specs:
            name, kind = spec["name"], spec["kind"]
            series = frame[name]
            sub = series if every_row else series.iloc[fit_rows]
            n_missing = _missing_cells(series, sums.get(name))
            if kind == "numeric":
                values = col.numbers(sub, table.decimal)
                total = sums[name] if every_row and name in sums else np.add.reduce(values)
                if np.isfinite(total):  # no NaN, no inf: the mean at once
                    spec["fill"] = float(total / values.size) if values.size else 0.0
                else:
                    bad = np.isinf(values)
                    if bad.any():
                        raise DataError(f"{_where(table, int(fit_rows[np.flatnonzero(bad)[0]]), name)}: "
                                        f"{float(values[bad][0])!r} is not a finite number")
                    present = values[~np.isnan(values)]
                    spec["fill"] = float(present.mean()) if present.size else 0.0
                spec["indicator"] = bool(n_missing) and self.missing == "impute"
                note = "numbers"
                if spec["indicator"]:
                    note += f"; missing → mean {spec['fill']:.4g} + indicator column"
            elif kind == "boolean":
                b = col.booleans(series)
                if b is None:
                    b = col.numbers(series, table.decimal)
                    if not np.isin(b[~np.isnan(b)], (0.0, 1.0)).all():
                        raise DataError(f"column {name!r} cannot be boolean: it holds values other than true/false")
                spec["labels"] = _class_values(series, "boolean", table.decimal)[0] if col.is_text(series) else None
                fb = b[fit_rows]
                fb = fb[~np.isnan(fb)]
                spec["fill"] = float(fb.mean() >= 0.5) if fb.size else 0.0
                note = "true/false → 1/0" + (f"; missing → {spec['fill']:g}" if n_missing else "")
            else:
                t = _category_texts(series)
                cats = sorted(t.dropna().unique().tolist())
                counts = _category_texts(sub).value_counts()
                spec["categories"] = cats
                spec["fill"] = str(counts.index[0]) if len(counts) else cats[0]
                note = f"{len(cats)} categories → one-hot, {len(cats)} columns"
                if n_missing:
                    note += f"; missing → {spec['fill']!r}"
            reports[name].note = note

    # --------------------------------------------------------------------------------------------- transforming
    def _check_fitted(self):
        if not hasattr(self, "columns_"):
            raise DataError("this Preprocessor is not fitted yet; call fit(table) first")

    @property
    def feature_names_(self):
        """Names of the network's inputs: the encoded columns, then the derived features."""
        return self.encoded_names_ + [derived_features.name_of(d) for d in getattr(self, "derived_", ())]

    @property
    def encoded_names_(self):
        """Names of the encoded columns (numbers, true/false, one-hot categories, missing indicators)."""
        self._check_fitted()
        names = []
        for spec in self.columns_:
            if spec["kind"] == "categorical":
                names.extend(f"{spec['name']}={c}" for c in spec["categories"])
            else:
                names.append(spec["name"])
                if spec.get("indicator"):
                    names.append(f"{spec['name']} (missing)")
        return names

    @property
    def n_features_(self):
        return len(self.feature_names_)

    def _as_input_table(self, data):
        import pandas as pd

        if isinstance(data, (Table, pd.DataFrame)):
            table = _as_table(data)
        else:
            arr = np.asarray(data, dtype=object)
            if arr.ndim == 1:
                arr = arr.reshape(1, -1)
            if arr.ndim != 2 or arr.shape[1] != len(self.input_columns_):
                raise DataError(f"expected rows of {len(self.input_columns_)} values "
                                f"({', '.join(self.input_columns_)}), got shape {arr.shape}; pass a DataFrame to "
                                "match columns by name")
            table = read_frame(pd.DataFrame(arr, columns=self.input_columns_).infer_objects())
        frame = table.frame
        matched = [c for c in self.input_columns_ if c in frame.columns]
        if (not table.has_header or not matched) and frame.shape[1] == len(self.input_columns_):
            # no header, or no name in common: the columns are the model's inputs, in order
            table = Table(frame.set_axis(self.input_columns_, axis=1), **{k: getattr(table, k) for k in (
                "path", "delimiter", "decimal", "has_header", "encoding", "skip_rows", "notices", "comment",
                "unnamed")})
        missing = [c for c in self.input_columns_ if c not in table.frame.columns]
        if missing:
            folded = {str(c).casefold(): c for c in table.frame.columns}
            renames = {folded[m.casefold()]: m for m in missing if m.casefold() in folded}
            if len(renames) == len(missing):
                table = Table(table.frame.rename(columns=renames), **{k: getattr(table, k) for k in (
                    "path", "delimiter", "decimal", "has_header", "encoding", "skip_rows", "notices", "comment",
                    "unnamed")})
            else:
                gone = [m for m in missing if m.casefold() not in folded]
                raise DataError(f"column {gone[0]!r} is missing" + (f" (and {len(gone) - 1} more)" if len(gone) > 1
                                                                      else "")
                                + f"; the model needs the columns: {', '.join(self.input_columns_)}")
        return table

    def transform(self, data, rows=None, scale=True, derived=True):
        """The feature matrix (float64, C-contiguous) for ``data`` (a DataFrame, a :class:`Table`, or rows of raw
        values in the order of ``input_columns_``), columns matched by name; extra columns are ignored.
        ``rows``: positions of the rows to take (default all).  ``scale=False``: encoded and imputed, not scaled.
        ``derived=False``: the encoded columns only (``encoded_names_``), without the derived features; finish
        them later with :meth:`derive`."""
        self._check_fitted()
        table = self._as_input_table(data)
        frame = table.frame
        positions = np.arange(len(frame)) if rows is None else np.asarray(rows, dtype=np.int64)
        if rows is not None and positions.size == len(frame) and np.array_equal(positions, np.arange(len(frame))):
            rows = None  # every row, in order: no gathered copy of each column
        n = positions.size
        n_encoded = len(self.encoded_names_)
        X = np.empty((n, self.n_features_ if derived else n_encoded), dtype=np.float64)
        j = 0
        ready = []  # (column of X, values) of complete numeric columns, copied below in row blocks
        for spec in self.columns_:
            name = spec["name"]
            series = frame[name]
            if rows is not None:
                series = series.iloc[positions]
            j += self._encode_column(spec, series, table, positions, X, j, ready)
        for start in range(0, n, _ROW_BLOCK):  # a block of X stays in cache while each column is written to it
            stop = min(n, start + _ROW_BLOCK)
            for k, values in ready:
                X[start:stop, k] = values[start:stop]
        if derived and self.derived_:
            X[:, n_encoded:] = derived_features.compute(self.derived_, X[:, :n_encoded], self.encoded_names_)
        if scale and self.scaler_ is not None:
            X -= self.scaler_.mean_[:X.shape[1]]
            X /= self.scaler_.scale_[:X.shape[1]]
        return X

    def derive(self, X, scale=False):
        """Encoded features ``X`` (``(n, len(encoded_names_))``, not scaled, as ``transform(..., scale=False,
        derived=False)`` gives) with the derived features appended: the network's inputs, scaled if ``scale``."""
        self._check_fitted()
        X = np.asarray(X, dtype=np.float64)
        n_encoded = len(self.encoded_names_)
        if X.ndim != 2 or X.shape[1] != n_encoded:
            raise DataError(f"derive expects encoded features of shape (n, {n_encoded}) "
                            f"({', '.join(self.encoded_names_)}), got shape {X.shape}")
        if self.derived_:
            X = np.hstack([X, derived_features.compute(self.derived_, X, self.encoded_names_)])
        if scale and self.scaler_ is not None:
            X = (X - self.scaler_.mean_) / self.scaler_.scale_
        return np.ascontiguousarray(X)

    def _decimal_for(self, table):
        """A file's own (sniffed) decimal mark; for a DataFrame of texts, the training file's."""
        return table.decimal if table.path is not None else getattr(self, "_decimal", ".")

    def _missing_cell(self, table, positions, mask, name):
        row = int(positions[np.flatnonzero(mask)[0]])
        hint = ("use missing='impute' (--missing impute) to fill it in" if self.missing == "error" else
                "this model was trained with missing='drop' and cannot fill it in; fill the cell or leave the row out")
        raise DataError(f"{_where(table, row, name)}: missing value; {hint}")

    def _encode_column(self, spec, series, table, positions, X, j, ready):
        name, kind = spec["name"], spec["kind"]
        if kind == "numeric":
            try:
                values = col.numbers(series, self._decimal_for(table))
            except col.NotNumeric as exc:
                raise DataError(f"{_where(table, int(positions[exc.row]), name)}: {exc.text!r} is not a number "
                                f"(the column was numeric in training)") from None
            if not spec.get("indicator") and np.isfinite(np.add.reduce(values)):
                ready.append((j, values))  # a finite sum: no missing and no infinite cell
                return 1
            miss = np.isnan(values)
            inf = np.isinf(values)
            if inf.any():
                raise DataError(f"{_where(table, int(positions[np.flatnonzero(inf)[0]]), name)}: "
                                f"{float(values[inf][0])!r} is not a finite number")
            X[:, j] = values
            if miss.any():
                if self.missing != "impute":
                    self._missing_cell(table, positions, miss, name)
                X[miss, j] = spec["fill"]
            if spec.get("indicator"):
                X[:, j + 1] = miss
                return 2
            return 1
        if kind == "boolean":
            b = col.booleans(series)
            if b is None:
                b = col.numbers(series, self._decimal_for(table), strict=False)
                bad = ~np.isnan(b) & ~np.isin(b, (0.0, 1.0)) | (np.isnan(b) & series.notna().to_numpy())
                if bad.any():
                    raise DataError(f"{_where(table, int(positions[np.flatnonzero(bad)[0]]), name)}: "
                                    f"{series.iloc[np.flatnonzero(bad)[0]]!r} is not true/false (yes/no)")
            miss = np.isnan(b)
            X[:, j] = b
            if miss.any():
                if self.missing != "impute":
                    self._missing_cell(table, positions, miss, name)
                X[miss, j] = spec["fill"]
            return 1
        import pandas as pd

        cats = spec["categories"]
        t = _category_texts(series)
        miss = t.isna().to_numpy()
        if miss.any():
            if self.missing != "impute":
                self._missing_cell(table, positions, miss, name)
            t = t.fillna(spec["fill"])
        codes = pd.Categorical(t, categories=cats).codes
        block = X[:, j:j + len(cats)]
        block[:] = 0.0
        known = codes >= 0
        block[np.flatnonzero(known), codes[known]] = 1.0
        if not known.all():
            unseen = sorted(set(t[~known].tolist()))
            shown = ", ".join(repr(u) for u in unseen[:5]) + (", ..." if len(unseen) > 5 else "")
            warnings.warn(f"column {name!r}: {int((~known).sum())} row(s) hold categories not seen in training "
                          f"({shown}); they are encoded as all zeros", DataWarning, stacklevel=3)
        return len(cats)

    def usable_rows(self, data):
        """Positions of the rows with every target present (and, with missing='drop', every feature)."""
        self._check_fitted()
        frame = _as_table(data).frame
        keep = np.ones(len(frame), dtype=bool)
        for t in self.target_names_:
            keep &= frame[t].notna().to_numpy()
        if self.missing == "drop":
            keep &= ~frame[self.input_columns_].isna().any(axis=1).to_numpy()
        return np.flatnonzero(keep)

    def target_values(self, data, rows=None):
        """The target of the rows at ``rows``: class indices (binary, multiclass), a 0/1 matrix (multilabel) or
        numbers in the data's units (regression, 2-D for several targets)."""
        self._check_fitted()
        if not self.target_names_:
            raise DataError("this Preprocessor has no target")
        table = _as_table(data)
        frame = table.frame
        positions = np.arange(len(frame)) if rows is None else np.asarray(rows, dtype=np.int64)
        out = []
        for name, kind, classes in zip(self.target_names_, self.target_kinds_, self.classes_ or
                                       [None] * len(self.target_names_)):
            if name not in frame.columns:
                raise DataError(f"the target column {name!r} is missing")
            series = frame[name]
            if rows is not None and not (positions.size == len(frame) and
                                         np.array_equal(positions, np.arange(len(frame)))):
                series = series.iloc[positions]
            if classes is None:
                values = col.numbers(series, self._decimal_for(table))
            else:
                labels, codes = _class_values(series, kind, self._decimal_for(table))
                lookup = {_key(c): k for k, c in enumerate(classes)}
                remap = np.array([lookup.get(_key(c), -1) for c in labels], dtype=np.int64)
                values = np.where(codes >= 0, remap[np.maximum(codes, 0)] if len(remap) else -1, -1)
                if (codes < 0).any() or (values < 0).any():
                    i = int(np.flatnonzero((codes < 0) | (values < 0))[0])
                    what = "missing" if codes[i] < 0 else f"{labels[codes[i]]!r}, a class not seen in training"
                    raise DataError(f"{_where(table, int(positions[i]), name)}: target is {what}")
            if np.isnan(values.astype(np.float64)).any():
                i = int(np.flatnonzero(np.isnan(values))[0])
                raise DataError(f"{_where(table, int(positions[i]), name)}: missing target value")
            out.append(values)
        if self.task_ in ("binary", "multiclass"):
            return out[0].astype(np.int64)
        if self.task_ == "multilabel":
            return np.column_stack(out).astype(np.float64)
        return out[0].astype(np.float64) if len(out) == 1 else np.column_stack(out).astype(np.float64)

    def model_targets(self, y):
        """``y`` as the network is trained on it: regression targets standardised, others unchanged."""
        if self.target_scaler_ is None or len(y) == 0:
            return y
        y = np.asarray(y, dtype=np.float64)
        return self.target_scaler_.transform(y.reshape(len(y), -1)).reshape(y.shape)

    def decode(self, outputs):
        """Network outputs → predictions in the data's terms: class labels (binary, multiclass), a 0/1 matrix
        (multilabel) or numbers in the data's units (regression)."""
        out = np.asarray(outputs, dtype=np.float64)
        if self.task_ == "regression":
            if self.target_scaler_ is not None:
                out = self.target_scaler_.inverse_transform(out.reshape(len(out), -1))
            return out[:, 0] if out.ndim == 2 and out.shape[1] == 1 else out
        if self.task_ == "multilabel":
            return (out > 0.5).astype(np.int64)
        classes = self.classes_[0]
        k = (out[:, 0] > 0.5).astype(np.int64) if out.shape[1] == 1 else out.argmax(axis=1)
        return np.array(classes, dtype=object)[k]

    # ------------------------------------------------------------------------------------------------- storing
    def to_dict(self):
        """A JSON-ready dict (plain lists, strings and numbers) that :meth:`from_dict` turns back into this."""
        self._check_fitted()
        return {
            "format": FORMAT, "missing": self.missing, "standardize": self.standardize,
            "decimal": self._decimal, "task": self.task_, "task_reason": self.task_reason_,
            "columns": [{k: _plain(v) for k, v in spec.items()} for spec in self.columns_],
            "targets": [{"name": n, "kind": k, "classes": None if self.classes_ is None else
                         [_plain(c) for c in self.classes_[i]]}
                        for i, (n, k) in enumerate(zip(self.target_names_, self.target_kinds_))],
            "feature_names": self.feature_names_,
            "derived": [{"op": d["op"], "columns": list(d["columns"])} for d in self.derived_],
            "scaler": None if self.scaler_ is None else self.scaler_.to_dict(),
            "target_scaler": None if self.target_scaler_ is None else self.target_scaler_.to_dict(),
        }

    @classmethod
    def from_dict(cls, state):
        """Rebuild a fitted Preprocessor from :meth:`to_dict` output; a malformed state is a DataError."""
        try:
            return cls._from_dict(state)
        except DataError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise DataError(f"not a valid preprocessing state: {type(exc).__name__}: {exc}") from None

    @classmethod
    def _from_dict(cls, state):
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise DataError(f"not a pyffnn preprocessing state (expected format {FORMAT!r})")
        pre = cls(missing=state["missing"], standardize=state["standardize"])
        pre._check_params()
        pre._decimal = state.get("decimal", ".")
        if pre._decimal not in (".", ","):
            raise DataError(f"invalid decimal mark {pre._decimal!r}")
        specs = []
        for spec in state["columns"]:
            if not isinstance(spec, dict) or not isinstance(spec["name"], str) or spec["kind"] not in col.ENCODABLE:
                raise DataError(f"invalid column in the preprocessing state: {spec!r}")
            spec = dict(spec)
            if spec["kind"] == "categorical":
                if not isinstance(spec["categories"], list) or not spec["categories"] or \
                        not all(isinstance(c, str) for c in spec["categories"]) or not isinstance(spec["fill"], str):
                    raise DataError(f"invalid categories for column {spec['name']!r}")
            else:
                fill = spec["fill"]
                if isinstance(fill, bool) or not isinstance(fill, (int, float)) or not math.isfinite(fill):
                    raise DataError(f"invalid fill value for column {spec['name']!r}: {fill!r}")
                spec["indicator"] = bool(spec.get("indicator", False))
            specs.append(spec)
        if not specs:
            raise DataError("the preprocessing state has no feature columns")
        pre.columns_ = specs
        pre.input_columns_ = [s["name"] for s in specs]
        pre.derived_ = []
        derived = state.get("derived", [])       # absent in files written before derived features existed
        if not isinstance(derived, list) or not all(isinstance(d, dict) for d in derived):
            raise DataError(f"invalid derived features in the preprocessing state: {derived!r:.80}")
        pre.derived_ = derived_features.parse_all(derived, pre.encoded_names_)
        pre.derived = [dict(d) for d in pre.derived_]
        targets = state["targets"]
        pre.target_names_ = [str(t["name"]) for t in targets]
        pre.target_kinds_ = [str(t["kind"]) for t in targets]
        pre.task_ = state["task"]
        if pre.task_ not in ("binary", "multiclass", "multilabel", "regression", None):
            raise DataError(f"invalid task {pre.task_!r} in the preprocessing state")
        pre.task_reason_ = str(state.get("task_reason", ""))
        pre.classes_ = None if pre.task_ in ("regression", None) else [list(t["classes"]) for t in targets]
        if pre.classes_ is not None and any(len(c) < 2 for c in pre.classes_):
            raise DataError("invalid classes in the preprocessing state")
        pre.scaler_ = None if state.get("scaler") is None else StandardScaler.from_dict(state["scaler"])
        pre.target_scaler_ = (None if state.get("target_scaler") is None
                              else StandardScaler.from_dict(state["target_scaler"]))
        if pre.scaler_ is not None and pre.scaler_.n_features_in_ != pre.n_features_:
            raise DataError(f"the scaler has {pre.scaler_.n_features_in_} features, the columns give {pre.n_features_}")
        pre.target = pre.target_names_
        return pre

    def __repr__(self):
        if not hasattr(self, "columns_"):
            return f"Preprocessor(target={self.target!r}, missing={self.missing!r}, task={self.task!r})"
        return (f"Preprocessor({len(self.input_columns_)} columns → {self.n_features_} features, "
                f"target={self.target_names_}, task={self.task_!r})")


def _missing_cells(series, total=None):
    if series.dtype.kind == "f":
        if total is not None and np.isfinite(total):
            return 0
        return col.missing_count(series.to_numpy())
    return int(series.isna().sum())


def _key(value):
    """Class labels compare by text, so 1 and '1' (an int label read back from JSON or a file) are the same."""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return str(value)
