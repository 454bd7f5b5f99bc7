"""Matplotlib helpers: Agg-only figures rendered straight to PNG bytes.

Figures are built with ``matplotlib.figure.Figure`` on an Agg canvas (never
pyplot), so nothing global is touched, no GUI backend is needed and every
figure is released as soon as its PNG is made.
"""
from __future__ import annotations

import io
import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

STEPS_PER_RECORD = 2000
DPI = 100


def new_figure(width=6.4, height=3.6):
    """A figure with one axes, on an Agg canvas."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot(1, 1, 1)


def png_bytes(fig) -> bytes:
    """Render and release a figure; no timestamp metadata, so output is stable."""
    buf = io.BytesIO()
    try:
        fig.tight_layout()
    except (ValueError, RuntimeError):
        pass
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    fig.clear()
    return buf.getvalue()


def finite(values) -> list:
    out = []
    for v in values:
        try:
            v = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(v):
            out.append(v)
    return out


def accuracy_curve_png(history, threshold=None, title="") -> bytes:
    """The student's recorded test accuracies re-plotted, points marked, threshold drawn."""
    values = []
    for v in history:
        try:
            values.append(float(v))
        except (TypeError, ValueError):
            values.append(float("nan"))
    steps = [(i + 1) * STEPS_PER_RECORD for i in range(len(values))]
    fig, ax = new_figure()
    ax.plot(steps, values, "o-", markersize=3, linewidth=1, label="recorded test accuracy")
    good = finite(values)
    percent = bool(good) and max(good) > 1.5        # student recorded percentages
    if threshold is not None:
        line = threshold * 100 if percent else threshold
        ax.axhline(line, color="tab:red", linestyle="--",
                   label=f"threshold {line:g}{'%' if percent else ''}")
    ax.set_xlabel("training step")
    ax.set_ylabel("test accuracy" + (" (%)" if percent else ""))
    if title:
        ax.set_title(str(title).replace("$", r"\$"))   # no mathtext from ids
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return png_bytes(fig)
