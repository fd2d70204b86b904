"""Shared plot helpers: legends that never hide data, and a log-scale axis whose tick labels never overlap.

Legends live in the plot's title line (outside the data area) via :func:`title_with_legend`; where a legend has to
sit inside a plot, :func:`boxed_legend` gives it a semi-opaque background. :class:`LogAxis` replaces pyqtgraph's
log-mode ticks, which label every minor tick (``0.1 0.08 0.06 …`` stacked on top of each other) when the range is
under a decade.
"""
from __future__ import annotations

import html
import math
from typing import Iterable, List, Sequence, Tuple

import numpy as np
import pyqtgraph as pg

LEGEND_BRUSH = (255, 255, 255, 190)     # white, ~75 % opaque: readable, yet curves behind stay visible
LEGEND_PEN = (160, 160, 160, 200)


def title_with_legend(title: str, entries: Iterable[Tuple[str, str]], glyph: str = "━━", wrap: int = 0) -> str:
    """HTML for a plot title followed by coloured legend entries ``(label, colour)``.

    ``glyph`` is drawn in the entry's colour before its label; an entry may carry its own glyph as a third item.
    ``wrap`` > 0 starts a new line after every ``wrap`` entries (a long legend would widen the plot past its tab).
    """
    parts = [f"<b>{html.escape(title)}</b>"]
    for i, entry in enumerate(entries):
        if wrap and i and i % wrap == 0:
            parts.append("<br>")
        label, color = entry[0], entry[1]
        mark = entry[2] if len(entry) > 2 else glyph
        parts.append(f"<span style='color:{color}; font-weight:bold; font-size:9pt'>{html.escape(mark)}</span>"
                     f"<span style='color:#333; font-size:9pt'>&nbsp;{html.escape(label)}</span>")
    return "&nbsp;&nbsp;&nbsp;".join(parts).replace("&nbsp;&nbsp;&nbsp;<br>&nbsp;&nbsp;&nbsp;", "<br>")


def fit_title(plot: pg.PlotItem, title: str, entries: Sequence[tuple] = (), glyph: str = "━━", wrap: int = 0,
              **text_options) -> None:
    """Give ``plot`` the title :func:`title_with_legend` makes, with as many legend entries per line as fit its
    width (at most ``wrap`` when > 0), re-fitted whenever the plot is resized: in a narrow window the legend wraps
    instead of being cut off at the right edge. ``text_options`` go to ``setTitle`` (e.g. ``size="10pt"``)."""
    plot._fitted_title = (title, list(entries), glyph, wrap, text_options)
    if not getattr(plot, "_fit_title_connected", False):
        plot._fit_title_connected = True
        plot.geometryChanged.connect(lambda: _refit_title(plot))
    _refit_title(plot)


def _refit_title(plot: pg.PlotItem) -> None:
    from shiboken6 import isValid

    if not isValid(plot) or not isValid(plot.titleLabel) or plot.scene() is None:   # being torn down
        return
    title, entries, glyph, wrap, options = plot._fitted_title
    room = plot.geometry().width() - 8
    most = min(wrap, len(entries)) if wrap > 0 else len(entries)
    for per_line in range(most, 0, -1) if entries else (0,):
        text = title_with_legend(title, entries, glyph, wrap=per_line if per_line < len(entries) else 0)
        if getattr(plot, "_title_text", None) != text:
            plot.setTitle(text, **options)
            plot._title_text = text
        plot.titleLabel.setMinimumWidth(0)      # a long title is cut; it never widens the plot
        if room <= 0 or plot.titleLabel.item.boundingRect().width() <= room:
            return


def plain_axes(plot: pg.PlotItem) -> None:
    """No automatic "(x0.001)" SI scaling on the axes: the tick labels show the values themselves."""
    for name in ("left", "bottom"):
        plot.getAxis(name).enableAutoSIPrefix(False)


def boxed_legend(plot: pg.PlotItem, offset=(10, 10)) -> pg.LegendItem:
    """A legend with a semi-opaque white box, for plots whose legend has to sit inside the data area."""
    legend = plot.addLegend(offset=offset)
    legend.setBrush(pg.mkBrush(*LEGEND_BRUSH))
    legend.setPen(pg.mkPen(*LEGEND_PEN))
    return legend


# ---------------------------------------------------------------------------------------------- log axis
_MANTISSAS = ((1, 0), (2, 1), (5, 1), (3, 2), (4, 2), (6, 2), (7, 2), (8, 2), (9, 2))


def _nice_step(span: float, n: int) -> float:
    raw = span / max(n, 1)
    base = 10.0 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * base >= raw:
            return m * base
    return 10 * base


def pick_log_ticks(lo: float, hi: float, size_px: float, min_gap_px: float = 15.0) -> List[float]:
    """Tick positions (log10 units) for a log axis showing ``10**lo .. 10**hi`` over ``size_px`` pixels.

    Candidates by priority: decades, then 2× and 5×, then the other digits, then (for ranges under a factor of
    ~2) evenly spaced values; each is kept only if it is at least ``min_gap_px`` from every tick already kept, so
    labels never overlap whatever the range.
    """
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo or size_px <= 0:
        return []
    px_per_unit = size_px / (hi - lo)
    candidates = []
    for k in range(int(math.floor(lo)) - 1, int(math.ceil(hi)) + 1):
        for mantissa, prio in _MANTISSAS:
            v = k + math.log10(mantissa)
            if lo <= v <= hi:
                candidates.append((prio, v))
    if sum(1 for prio, _ in candidates if prio <= 1) < 3:
        a, b = 10.0 ** lo, 10.0 ** hi
        step = _nice_step(b - a, 4)
        for x in np.arange(math.ceil(a / step) * step, b + step * 1e-9, step):
            if x > 0:
                candidates.append((3, math.log10(x)))
    chosen: List[float] = []
    for _, v in sorted(candidates):
        if all(abs(v - c) * px_per_unit >= min_gap_px for c in chosen):
            chosen.append(v)
    return sorted(chosen)


def format_tick(value: float) -> str:
    """Compact label: ``0.05``, ``2.5``, ``1e-05``, ``3e+04``."""
    text = f"{value:.3g}"
    return text.replace("e-0", "e-").replace("e+0", "e+")


class LogAxis(pg.AxisItem):
    """Axis for log-mode plots with non-overlapping labels at decades / 2 / 5 / … (see :func:`pick_log_ticks`)."""

    def __init__(self, orientation: str = "left", min_gap_px: float = 15.0, **kwargs):
        super().__init__(orientation, **kwargs)
        self.min_gap_px = min_gap_px

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802 (pyqtgraph's name)
        return [(None, pick_log_ticks(minVal, maxVal, size, self.min_gap_px))]

    def logTickStrings(self, values: Sequence[float], scale, spacing):  # noqa: N802
        return [format_tick(10.0 ** v) for v in values]
