"""The data report: what a table held, what each column became, and which task was chosen and why."""
from dataclasses import asdict, dataclass, field
from typing import List


@dataclass
class ColumnReport:
    """One column: its ``kind`` (see :data:`pyffnn.data.columns.KINDS`), ``role`` (``"feature"``, ``"target"`` or
    ``"ignored"``), how many cells are missing, and a short note (what was encoded, imputed or why it is left out)."""

    name: str
    kind: str
    role: str
    n_missing: int
    note: str = ""


@dataclass
class DataReport:
    """Rows read and used, every column's kind and role, notices, and the task with its reason."""

    source: str
    n_rows: int
    n_used: int
    columns: List[ColumnReport] = field(default_factory=list)
    notices: List[str] = field(default_factory=list)
    task: str = ""
    task_reason: str = ""

    def column(self, name):
        """The :class:`ColumnReport` of ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self):
        return asdict(self)

    def format(self, max_columns=40):
        """A short plain-text report (the one the command line prints)."""
        n_missing = sum(c.n_missing for c in self.columns)
        lines = [f"{self.source}: {self.n_rows} rows, {len(self.columns)} columns, {n_missing} missing cells; "
                 f"{self.n_used} rows used"]
        width = max([len(c.name) for c in self.columns[:max_columns]] + [6])
        width = min(width, 28)
        lines.append(f"  {'column':<{width}}  {'kind':<11}  {'role':<7}  {'missing':>7}  note")
        for c in self.columns[:max_columns]:
            name = c.name if len(c.name) <= width else c.name[:width - 1] + "…"
            lines.append(f"  {name:<{width}}  {c.kind:<11}  {c.role:<7}  {c.n_missing:>7}  {c.note}".rstrip())
        if len(self.columns) > max_columns:
            lines.append(f"  ... and {len(self.columns) - max_columns} more columns")
        lines.extend(f"note: {n}" for n in self.notices)
        if self.task:
            lines.append(f"task: {self.task} ({self.task_reason})")
        return "\n".join(lines)

    def __str__(self):
        return self.format()
