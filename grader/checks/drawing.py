"""The grader draws a figure record's claim again and compares it with the picture.

Used by ``picture.read`` (which validates the claim first).  Drawing uses
matplotlib's Agg directly (no pyplot state), on a canvas of the picture's size,
with the series' own style, clipped to its axes' box.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

INK = 40
PRESENT, RING = 0.8, 0.35
MARGIN = 12                     # pixels around the series' box that are compared
MAX_MARKER = 40.0               # points: a larger claimed marker is not believed


def number(v, lo, hi):
    """A finite number in [lo, hi] from a kernel's record, else None."""
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    return float(v) if ok and lo <= v <= hi else None


def colour(v, default=(0, 0, 0, 1)):
    """An RGBA tuple of four numbers in [0, 1] from a kernel's record, else ``default``."""
    parts = [number(x, 0.0, 1.0) for x in v] if isinstance(v, list) and len(v) == 4 else [None]
    return default if None in parts else tuple(parts)


def _style(claim, marker, markersize, kind, with_markers):
    s = claim["style"]

    def num(k, hi, default):
        got = number(s.get(k), 0, hi)
        return default if got is None else got
    col = lambda k: colour(s.get(k))           # noqa: E731
    ls = s.get("ls") if s.get("ls") in {"-", "--", "-.", ":", "None", "solid", "dashed",
                                         "dashdot", "dotted", "none", " ", ""} else "-"
    size = number(markersize, 0, 1e4) or 0.0
    if kind == "scatter":
        size, ls = float(np.sqrt(size)), "None"       # a scatter's size is in points squared
    kw = {"color": col("color"), "linewidth": num("lw", 1e4, 1.5), "linestyle": ls,
          "drawstyle": s.get("drawstyle") if s.get("drawstyle") in
          {"default", "steps", "steps-pre", "steps-mid", "steps-post"} else "default",
          "alpha": num("alpha", 1, None)}
    every = s.get("markevery")
    if with_markers and isinstance(marker, str) and marker and size > 0:
        kw.update(marker=marker, markersize=size, markerfacecolor=col("mfc"),
                  markeredgecolor=col("mec"), markeredgewidth=min(num("mew", 1e4, 1.0), 10),
                  markevery=every if isinstance(every, int) and not isinstance(every, bool)
                  and every > 0 else None)
    return kw


def _render(claim, kw, shape) -> np.ndarray:
    """RGBA floats (h, w, 4) of the claimed series alone, on a transparent canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle
    h, w = shape
    dpi = claim["dpi"]
    fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    fig.patch.set_alpha(0)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    px = claim["px"]
    try:
        line = Line2D(px[:, 0], px[:, 1], **kw)
    except (ValueError, TypeError):           # a marker matplotlib does not know
        line = Line2D(px[:, 0], px[:, 1], **{k: v for k, v in kw.items() if "marker" not in k})
    x0, y0, x1, y1 = claim["box"]
    ax.add_line(line)
    line.set_clip_path(Rectangle((x0, y0), x1 - x0, y1 - y0, transform=ax.transData))
    canvas.draw()
    buf = np.asarray(canvas.buffer_rgba(), dtype=np.float32) / 255.0
    out = np.zeros((h, w, 4), np.float32)
    out[:min(h, buf.shape[0]), :min(w, buf.shape[1])] = buf[:h, :w]
    return out


def _ink(rgba, bg):
    """Where a transparent drawing laid on ``bg`` differs from it by more than INK."""
    comp = rgba[..., :3] * 255 * rgba[..., 3:] + bg * (1 - rgba[..., 3:])
    return np.abs(comp - bg).max(axis=-1) > INK


def _background(img, exclude):
    """The commonest colour of the picture outside ``exclude``."""
    px = img[~exclude]
    if px.size == 0:
        return np.array([255, 255, 255], np.float32)
    px = px.astype(np.int64)
    codes = (px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2]
    vals, counts = np.unique(codes, return_counts=True)
    c = int(vals[np.argmax(counts)])
    return np.array([c >> 16, (c >> 8) & 255, c & 255], np.float32)


def _crop(claim, shape, size):
    """The part of the picture around the points and inside the axes box, with room
    for a ring around the biggest claimed marker."""
    h, w = shape
    margin = MARGIN + size * claim["dpi"] / 72
    px = claim["px"]
    x0, y0, x1, y1 = claim["box"]
    lo_x, hi_x = max(px[:, 0].min(), x0), min(px[:, 0].max(), x1)
    lo_y, hi_y = max(px[:, 1].min(), y0), min(px[:, 1].max(), y1)
    a, b = int(max(0, lo_y - margin)), int(min(h, hi_y + margin + 1))
    c, d = int(max(0, lo_x - margin)), int(min(w, hi_x + margin + 1))
    return (slice(a, b), slice(c, d)) if b > a and d > c else None


def compare(claim, img, marker, markersize, kind) -> tuple:
    """(shown, markers visible, points inside the axes, why not shown)."""
    px, (x0, y0, x1, y1) = claim["px"], claim["box"]
    inside = int(np.sum((px[:, 0] >= x0) & (px[:, 0] <= x1) & (px[:, 1] >= y0) & (px[:, 1] <= y1)))
    style = _style(claim, marker, markersize, kind, True)
    if style.get("markersize", 0) > MAX_MARKER or style["linewidth"] > MAX_MARKER:
        return False, False, inside, f"the record claims markers or lines over {MAX_MARKER:g} points"
    where = _crop(claim, img.shape[:2], style.get("markersize", 0))
    if where is None or inside == 0:
        return False, False, 0, "the record places no point inside its axes"
    full = _render(claim, style, img.shape[:2])[where]
    bare = _render(claim, _style(claim, marker, markersize, kind, False), img.shape[:2])[where]
    pic = img[where].astype(np.float32)
    drawn = full[..., 3] > 0.02
    bg = _background(pic, ndimage.binary_dilation(drawn, iterations=2))
    want, line = _ink(full, bg), bare[..., 3] > 0.02
    if want.sum() < 4:
        return False, False, inside, "the record's series draws nothing visible"
    has = np.abs(pic - bg).max(axis=-1) > INK
    near = ndimage.binary_dilation(has, iterations=1)
    present = float(near[want].mean())
    ring = ndimage.binary_dilation(want, iterations=4) & ~ndimage.binary_dilation(want, iterations=1)
    around = float(has[ring].mean()) if ring.sum() >= want.sum() / 4 else 1.0
    if present < PRESENT or around > RING:
        return False, False, inside, (f"the picture does not show the series the record "
                                      f"describes ({present:.0%} of it drawn, {around:.0%} "
                                      f"of the ring around it inked)")
    extra = want & ~line
    markers = bool(extra.sum() >= inside and near[extra].mean() >= PRESENT)
    return True, markers, inside, ""
