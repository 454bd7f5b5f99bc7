"""Matplotlib helpers: Agg-only figures rendered straight to PNG bytes.

Figures are built with ``matplotlib.figure.Figure`` on an Agg canvas (never
pyplot), so nothing global is touched, no GUI backend is needed and every
figure is released as soon as its PNG is made.
"""
from __future__ import annotations

import io
import math

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..remembered import code_digest, remembered as kept_file

DPI = 100


def new_figure(width=6.4, height=3.6):
    """A figure with one axes, on an Agg canvas."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot(1, 1, 1)


# pass-rate colours, (upper bound in %, colour, legend): the chart and the page's bars
RATE_BANDS = ((50.0, "#d62728", "below 50 %"), (80.0, "#f0a30a", "50 % to under 80 %"),
              (math.inf, "#2ca02c", "80 % or more"))


def rate_band(percent) -> int:
    """Index into RATE_BANDS for a pass rate in percent."""
    return next((i for i, (upper, _, _) in enumerate(RATE_BANDS) if percent < upper), 0)


def whole_numbers(axis) -> None:
    """Ticks on whole numbers only (counts of students)."""
    axis.set_major_locator(MaxNLocator(integer=True))


def png_bytes(fig) -> bytes:
    """Render and release a figure; no timestamp metadata, so output is stable."""
    buf = io.BytesIO()
    try:
        fig.tight_layout()
    except (ValueError, RuntimeError):
        pass
    try:
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    finally:
        fig.clear()
    return buf.getvalue()


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# what a kept chart also depends on: this module's code and matplotlib (digested once)
_DRAWN_BY = (code_digest(__file__), matplotlib.__version__)


def _png(data: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    return data


def remembered(folder, make, *inputs) -> bytes:
    """``make()``, a PNG drawn from ``inputs`` alone, kept in ``folder`` (the batch's
    cache, ``grader.remembered``) under a digest of them, this module's code and
    matplotlib's version: a re-score draws again only what changed.  None: drawn every
    time; a file that is not a PNG is drawn again."""
    return kept_file(folder, (inputs, _DRAWN_BY), make, suffix=".png", dump=bytes, load=_png)


def finite(values) -> list:
    out = []
    for v in values:
        try:
            v = float(v)
        except (TypeError, ValueError, OverflowError):
            continue
        if math.isfinite(v):
            out.append(v)
    return out


def fraction(value) -> float | None:
    """value as a float if it is a finite number in [0, 1], else None."""
    try:
        value = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) and 0.0 <= value <= 1.0 else None


def plottable_history(history, steps=()) -> tuple[list, list, str]:
    """(x, accuracies, note): the recorded accuracies that can be drawn, each at the
    notebook's own training step when those are known (one finite step per record),
    else at its record number (1, 2, 3, ...).

    The one place a student's history is validated before any chart: only finite
    values in [0, 1] are kept; the note says what was left out.
    """
    try:
        items = list(history or [])
    except TypeError:
        items = []
    try:
        at = [float(s) for s in (steps or [])]
    except (TypeError, ValueError, OverflowError):
        at = []
    if len(at) != len(items) or not all(math.isfinite(s) for s in at):
        at = [float(i + 1) for i in range(len(items))]
    xs, values = [], []
    for x, v in zip(at, items):
        v = fraction(v)
        if v is not None:
            xs.append(x)
            values.append(v)
    dropped = len(items) - len(values)
    note = ""
    if dropped:
        note = (f"{dropped} of {len(items)} recorded accuracies are not numbers between 0 "
                f"and 1 (e.g. NaN, infinite, negative or percentages) and are not plotted")
    return xs, values, note


def accuracy_curve_png(steps, values, threshold=None, title="", xlabel="training step",
                       *, cache=None) -> bytes:
    """The student's recorded test accuracies (from ``plottable_history``) re-plotted,
    points marked, threshold drawn; ``cache``: the folder ``remembered`` keeps it in."""
    return remembered(cache, lambda: _accuracy_curve(steps, values, threshold, title, xlabel),
                      "accuracy curve", steps, values, threshold, title, xlabel)


def _accuracy_curve(steps, values, threshold, title, xlabel) -> bytes:
    fig, ax = new_figure()
    ax.plot(steps, values, "o-", markersize=3, linewidth=1, label="recorded test accuracy")
    threshold = fraction(threshold)
    if threshold is not None:
        ax.axhline(threshold, color="tab:red", linestyle="--", label=f"threshold {threshold:g}")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("test accuracy")
    if title:
        ax.set_title(str(title)[:80].replace("$", r"\$"))   # no mathtext from ids
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return png_bytes(fig)
