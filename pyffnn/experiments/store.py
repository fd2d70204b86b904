"""The run store: every training run's configuration, curves, metrics and status in one SQLite file.

The database lives at ``$PYFFNN_RUNS_DB`` or, by default, in the per-user data folder (``platformdirs``), e.g.
``~/.local/share/pyffnn/runs.sqlite``.  It is opened in WAL mode with a busy timeout, so the app, several
command lines and sweep workers can write at once; every write is one short transaction, so a writer killed at
any moment (even ``kill -9``) leaves the file consistent.  A run whose process died while it was ``running`` is
reported as ``interrupted`` (its pid is gone on this host, or its heartbeat is stale on another host).

>>> store = RunStore()                       # or RunStore("runs.sqlite")
>>> for run in store.list_runs(status="finished"):
...     print(run.id, run.config["architecture"], run.metrics.get("val_loss"))
"""
import json
import math
import os
import socket
import sqlite3
import time
from dataclasses import dataclass, field

from ..errors import FFNNError

SCHEMA_VERSION = 1
ENV_VAR = "PYFFNN_RUNS_DB"
STATUSES = ("running", "finished", "diverged", "interrupted", "failed")
# A 'running' row from another host whose heartbeat is older than this is taken as interrupted.
STALE_AFTER = 300.0
BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT,
    sweep       TEXT,
    status      TEXT NOT NULL CHECK (status IN ('running','finished','diverged','interrupted','failed')),
    created     REAL NOT NULL,
    ended       REAL,
    duration    REAL,
    heartbeat   REAL NOT NULL,
    host        TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    config      TEXT NOT NULL,
    metrics     TEXT NOT NULL DEFAULT '{}',
    model_path  TEXT,
    error       TEXT
);
CREATE INDEX IF NOT EXISTS runs_status ON runs(status);
CREATE INDEX IF NOT EXISTS runs_sweep ON runs(sweep);
CREATE TABLE IF NOT EXISTS curves (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch   INTEGER NOT NULL,
    name    TEXT NOT NULL,
    value   REAL,
    PRIMARY KEY (run_id, name, epoch)
) WITHOUT ROWID;
"""


def default_path():
    """Where the run store lives: ``$PYFFNN_RUNS_DB``, else ``runs.sqlite`` in the per-user data folder."""
    env = os.environ.get(ENV_VAR)
    if env:
        return os.path.abspath(os.path.expanduser(env))
    import platformdirs
    return os.path.join(platformdirs.user_data_dir("pyffnn", appauthor=False), "runs.sqlite")


@dataclass
class Run:
    """One row of the store.  ``config`` and ``metrics`` are dicts; ``curves`` (``{name: [values]}``, with
    ``epochs``) is filled by :meth:`RunStore.get_run` and :meth:`RunStore.list_runs` with ``curves=True``."""

    id: int
    name: str
    sweep: str
    status: str
    created: float
    ended: float
    duration: float
    host: str
    pid: int
    config: dict
    metrics: dict
    model_path: str
    error: str
    curves: dict = field(default_factory=dict)
    epochs: list = field(default_factory=list)

    def to_dict(self):
        """A JSON-ready dict of the whole run (what ``pyffnn runs export`` writes)."""
        return {"id": self.id, "name": self.name, "sweep": self.sweep, "status": self.status,
                "created": self.created, "ended": self.ended, "duration": self.duration, "host": self.host,
                "pid": self.pid, "config": self.config, "metrics": self.metrics, "model_path": self.model_path,
                "error": self.error, "epochs": self.epochs, "curves": self.curves}


def _json(value):
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False, default=_plain)
    except (TypeError, ValueError) as exc:
        raise FFNNError(f"run configuration and metrics must be JSON-serialisable finite values: {exc}") from None


def _plain(value):
    """numpy scalars/arrays as Python values for JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _finite_or_none(value):
    value = float(value)
    return value if math.isfinite(value) else None


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


class RunStore:
    """The SQLite run store at ``path`` (default :func:`default_path`).  Safe to use from several processes.

    One connection per store object; use one store per thread (sqlite3 connections are not shared across
    threads).  ``close()`` or a ``with`` block releases it.
    """

    def __init__(self, path=None):
        self.path = default_path() if path is None else os.path.abspath(os.fspath(path))
        if os.path.isdir(self.path):
            raise FFNNError(f"run store {self.path!r} is a directory; give a file name such as runs.sqlite")
        folder = os.path.dirname(self.path)
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise FFNNError(f"cannot create the folder {folder!r} for the run store: {exc.strerror}") from None
        # Opening can meet "database is locked" although a busy timeout is set: switching to WAL and recovering the
        # WAL of a writer killed mid-commit take locks that SQLite does not wait for. Those are momentary, so the
        # open is retried (bounded by the same timeout) before it is reported.
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        pause = 0.01
        while True:
            try:
                self._open()
                break
            except sqlite3.OperationalError as exc:
                self._close_quietly()
                if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                    raise FFNNError(f"run store {self.path!r} is not a usable SQLite database ({exc}); "
                                    f"choose another file with --runs-db or ${ENV_VAR}") from None
                time.sleep(pause)
                pause = min(0.2, pause * 2)
            except sqlite3.DatabaseError as exc:
                self._close_quietly()
                raise FFNNError(f"run store {self.path!r} is not a usable SQLite database ({exc}); "
                                f"choose another file with --runs-db or ${ENV_VAR}") from None
        self.host = socket.gethostname()

    # ----- connection ------------------------------------------------------------------------------------------
    def _open(self):
        self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                   check_same_thread=False)
        self._db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            self._close_quietly()
            raise FFNNError(f"run store {self.path!r}: the file system does not support SQLite's WAL mode "
                            f"(got {mode!r}); put the store on a local disk (--runs-db or ${ENV_VAR})")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: never corrupt, at worst lose a commit
        self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _migrate(self):
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise FFNNError(f"run store {self.path!r} has schema version {version}, newer than this pyffnn "
                            f"understands ({SCHEMA_VERSION}); upgrade pyffnn or use another store")
        if version == SCHEMA_VERSION:
            return
        with self._write():
            if self._db.execute("PRAGMA user_version").fetchone()[0] == 0:  # re-read inside the write lock
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _write(self):
        return _Transaction(self._db)

    def _close_quietly(self):
        try:
            self._db.close()
        except Exception:
            pass

    def close(self):
        """Close the connection (idempotent)."""
        self._close_quietly()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ----- writing (one short transaction each) ----------------------------------------------------------------
    def start_run(self, config, name=None, sweep=None):
        """Insert a ``running`` run with ``config`` (a JSON-ready dict); returns its id."""
        now = time.time()
        with self._write():
            cur = self._db.execute(
                "INSERT INTO runs (name, sweep, status, created, heartbeat, host, pid, config) "
                "VALUES (?, ?, 'running', ?, ?, ?, ?, ?)",
                (name, sweep, now, now, self.host, os.getpid(), _json(config)))
            return cur.lastrowid

    def log_epochs(self, run_id, rows):
        """Append per-epoch values: ``rows`` is a list of ``(epoch, {name: value})``; also a heartbeat."""
        values = [(run_id, int(epoch), str(k), _finite_or_none(v))
                  for epoch, logs in rows for k, v in logs.items() if isinstance(v, (int, float))]
        with self._write():
            self._db.executemany("INSERT OR REPLACE INTO curves (run_id, epoch, name, value) VALUES (?, ?, ?, ?)",
                                 values)
            self._db.execute("UPDATE runs SET heartbeat=? WHERE id=?", (time.time(), run_id))

    def heartbeat(self, run_id):
        """Mark the run as alive now (long epochs call this between chunks)."""
        with self._write():
            self._db.execute("UPDATE runs SET heartbeat=? WHERE id=?", (time.time(), run_id))

    def update_config(self, run_id, **fields):
        """Merge ``fields`` into the run's configuration."""
        with self._write():
            row = self._db.execute("SELECT config FROM runs WHERE id=?", (run_id,)).fetchone()
            if row is None:
                raise FFNNError(f"no run with id {run_id} in {self.path}")
            config = json.loads(row[0])
            config.update(fields)
            self._db.execute("UPDATE runs SET config=? WHERE id=?", (_json(config), run_id))

    def finish_run(self, run_id, status, metrics=None, model_path=None, error=None, duration=None):
        """Close a run with its final ``status``, ``metrics`` dict, model file and error text."""
        if status not in STATUSES or status == "running":
            raise FFNNError(f"final status must be one of {', '.join(STATUSES[1:])}, got {status!r}")
        metrics = {k: _finite_or_none(v) for k, v in (metrics or {}).items() if isinstance(v, (int, float))}
        now = time.time()
        with self._write():
            row = self._db.execute("SELECT created FROM runs WHERE id=?", (run_id,)).fetchone()
            if row is None:
                raise FFNNError(f"no run with id {run_id} in {self.path}")
            self._db.execute(
                "UPDATE runs SET status=?, metrics=?, model_path=COALESCE(?, model_path), error=?, ended=?, "
                "duration=?, heartbeat=? WHERE id=?",
                (status, _json(metrics), None if model_path is None else os.path.abspath(os.fspath(model_path)),
                 error, now, now - row[0] if duration is None else float(duration), now, run_id))

    def set_model_path(self, run_id, model_path):
        """Record (or change) the model file of a run, e.g. once the CLI has saved it."""
        with self._write():
            self._db.execute("UPDATE runs SET model_path=? WHERE id=?", (os.path.abspath(os.fspath(model_path)),
                                                                         run_id))

    def add_run(self, record):
        """Insert a whole run recorded elsewhere (a Dask worker's run, sent back to the submitting process):
        ``record`` is :meth:`Run.to_dict`-shaped (``config``, ``status``, ``metrics``, ``epochs``, ``curves``,
        ``name``, ``sweep``, ``created``, ``duration``, ``host``, ``pid``, ``error``); returns the new id."""
        status = record.get("status", "finished")
        if status not in STATUSES or status == "running":
            raise FFNNError(f"a recorded run's status must be one of {', '.join(STATUSES[1:])}, got {status!r}")
        now = time.time()
        created = float(record.get("created") or now)
        duration = record.get("duration")
        metrics = {k: _finite_or_none(v) for k, v in (record.get("metrics") or {}).items()
                   if isinstance(v, (int, float))}
        epochs = list(record.get("epochs") or [])
        with self._write():
            cur = self._db.execute(
                "INSERT INTO runs (name, sweep, status, created, ended, duration, heartbeat, host, pid, config, "
                "metrics, model_path, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.get("name"), record.get("sweep"), status, created,
                 created + float(duration or 0.0), None if duration is None else float(duration), now,
                 str(record.get("host") or self.host), int(record.get("pid") or 0), _json(record.get("config") or {}),
                 _json(metrics), record.get("model_path"), record.get("error")))
            run_id = cur.lastrowid
            values = [(run_id, int(epoch), str(name), None if v is None else _finite_or_none(v))
                      for name, vals in (record.get("curves") or {}).items()
                      for epoch, v in zip(epochs, vals)]
            self._db.executemany("INSERT OR REPLACE INTO curves (run_id, epoch, name, value) VALUES (?, ?, ?, ?)",
                                 values)
            return run_id

    def interrupt_running(self, sweep=None, ids=None, error="interrupted"):
        """Mark the still-``running`` runs of a ``sweep`` (or with these ``ids``) ``interrupted``; returns how
        many.  A sweep that is stopped calls this for the runs its killed workers left open."""
        where, args = ["status='running'"], []
        if sweep is not None:
            where.append("sweep=?")
            args.append(sweep)
        if ids is not None:
            ids = [int(i) for i in ids]
            where.append(f"id IN ({','.join('?' * len(ids))})" if ids else "0")
            args.extend(ids)
        if sweep is None and ids is None:
            raise FFNNError("interrupt_running needs a sweep name or run ids")
        now = time.time()
        with self._write():
            return self._db.execute(
                f"UPDATE runs SET status='interrupted', error=COALESCE(error, ?), ended=?, duration=?-created "
                f"WHERE {' AND '.join(where)}", [error, now, now] + args).rowcount

    def sweeps(self):
        """``[(sweep name, number of runs, first created)]`` of every sweep in the store, newest first."""
        return [tuple(r) for r in self._db.execute(
            "SELECT sweep, COUNT(*), MIN(created) FROM runs WHERE sweep IS NOT NULL GROUP BY sweep "
            "ORDER BY MIN(created) DESC").fetchall()]

    def delete_runs(self, run_ids):
        """Delete runs and their curves; returns how many existed."""
        ids = [int(i) for i in run_ids]
        with self._write():
            n = 0
            for rid in ids:
                n += self._db.execute("DELETE FROM runs WHERE id=?", (rid,)).rowcount
            return n

    # ----- reading ---------------------------------------------------------------------------------------------
    def _mark_interrupted(self):
        """Runs left 'running' by a dead process become 'interrupted' (pid gone here, or heartbeat stale)."""
        rows = self._db.execute("SELECT id, host, pid, heartbeat FROM runs WHERE status='running'").fetchall()
        now = time.time()
        dead = [rid for rid, host, pid, beat in rows
                if (host == self.host and not _pid_alive(pid)) or now - beat > STALE_AFTER]
        if dead:
            with self._write():
                for rid in dead:
                    self._db.execute("UPDATE runs SET status='interrupted', ended=heartbeat, "
                                     "duration=heartbeat-created WHERE id=? AND status='running'", (rid,))

    def list_runs(self, status=None, sweep=None, contains=None, ids=None, curves=False, limit=None):
        """Runs, newest first, filtered by ``status``, ``sweep`` name, a text ``contains`` (in the name, the
        architecture or the data source) or a list of ``ids``; with ``curves=True`` their curves too."""
        self._mark_interrupted()
        where, args = [], []
        if status is not None:
            if status not in STATUSES:
                raise FFNNError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
            where.append("status=?")
            args.append(status)
        if sweep is not None:
            where.append("sweep=?")
            args.append(sweep)
        if contains:
            where.append("(COALESCE(name,'') || ' ' || config) LIKE ?")
            args.append(f"%{contains}%")
        if ids is not None:
            ids = [int(i) for i in ids]
            where.append(f"id IN ({','.join('?' * len(ids))})" if ids else "0")
            args.extend(ids)
        sql = "SELECT * FROM runs" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        runs = [self._run(row) for row in self._db.execute(sql, args).fetchall()]
        if curves:
            for run in runs:
                self._load_curves(run)
        return runs

    def get_run(self, run_id):
        """One run with its curves; an FFNNError naming the store if there is no such id."""
        found = self.list_runs(ids=[run_id], curves=True)
        if not found:
            raise FFNNError(f"no run with id {run_id} in {self.path} ('pyffnn runs list' shows the ids)")
        return found[0]

    def _run(self, row):
        cols = ("id", "name", "sweep", "status", "created", "ended", "duration", "heartbeat", "host", "pid",
                "config", "metrics", "model_path", "error")
        d = dict(zip(cols, row))
        d.pop("heartbeat")
        d["config"], d["metrics"] = json.loads(d["config"]), json.loads(d["metrics"])
        return Run(**d)

    def _load_curves(self, run):
        rows = self._db.execute("SELECT epoch, name, value FROM curves WHERE run_id=? ORDER BY epoch",
                                (run.id,)).fetchall()
        epochs = sorted({e for e, _, _ in rows})
        index = {e: i for i, e in enumerate(epochs)}
        curves = {}
        for epoch, name, value in rows:
            curves.setdefault(name, [None] * len(epochs))[index[epoch]] = value
        run.epochs, run.curves = epochs, curves

    def integrity_check(self):
        """SQLite's ``PRAGMA integrity_check``: ``"ok"`` for a sound file."""
        return self._db.execute("PRAGMA integrity_check").fetchone()[0]


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error): takes the write lock up front, so concurrent
    writers wait their turn (busy timeout) instead of failing halfway."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")
        return False
