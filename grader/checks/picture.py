"""What the picture the grader received shows, read by the grader itself.

The kernel's figure record says where each series' points landed in the picture
it drew (``kernel_capture._geometry``) and how the series is drawn.  None of it
is trusted: the grader draws that claim again (matplotlib's Agg, the renderer the
inline backend uses) on a canvas of the picture's size, and compares it with the
PNG the cell displayed, which the kernel sent and cannot change afterwards:

- the picture has the size the record claims;
- the claimed pixels are an affine (or logarithmic) map of the data values: the
  picture places these values, not any others;
- the claimed line and markers are ink in the picture (``drawing.PRESENT``),
  and the ring just around them is mostly background (``drawing.RING``): a
  thick line is not a thin line with markers;
- markers are visible when the claimed markers add at least one pixel per point
  beyond the line, and the picture has ink there.

A record edited to say ``marker='o'`` over a line-only picture fails the third
rule; a record planted beside an unrelated picture fails the first or second.
"""
from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass

import numpy as np

from .drawing import compare, number

MAX_PIXELS = 16_000_000        # a larger picture is not decoded (no figure is that big)
FIT_PX = 1.0                    # claimed pixels vs the affine map of the values


@dataclass(frozen=True)
class Reading:
    shown: bool                 # the picture shows the series where the record places it
    markers: bool = False       # ... with markers visible beyond its line
    points: int = 0             # data points inside the axes
    why: str = ""               # what did not agree, when not shown
    index: int | None = None    # which of the cell's pictures was read (None: none was)


def decode(b64) -> np.ndarray | None:
    """An RGB array of a base64 PNG, or None (not a PNG, or too big to be a figure)."""
    from PIL import Image
    try:
        with Image.open(io.BytesIO(base64.b64decode(b64, validate=False))) as im:
            if im.format != "PNG" or im.width * im.height > MAX_PIXELS:
                return None
            return np.asarray(im.convert("RGB"), dtype=np.int16)
    except (OSError, ValueError, TypeError, binascii.Error, Image.DecompressionBombError):
        return None


def _claim(series, drawn):
    """The validated drawing claim for one series, or (None, why)."""
    canvas = drawn.get("canvas") if isinstance(drawn, dict) else None
    if not (isinstance(canvas, list) and len(canvas) == 2
            and all(number(v, 1, 20000) for v in canvas)):
        return None, "the record has no picture size"
    px, box, style = series.get("px"), series.get("box"), series.get("style")
    dpi = number(drawn.get("dpi"), 10, 2000)
    if not (isinstance(px, list) and isinstance(box, list) and len(box) == 4
            and isinstance(style, dict) and dpi):
        return None, "the record does not say where the series was drawn"
    pts = [(number(p[0], -1e6, 1e6), number(p[1], -1e6, 1e6)) for p in px
           if isinstance(p, list) and len(p) == 2]
    box = [number(v, -1e6, 1e6) for v in box]
    if len(pts) != len(px) or None in box or any(None in p for p in pts):
        return None, "the record's pixel positions are not numbers"
    return {"canvas": (int(canvas[0]), int(canvas[1])), "dpi": dpi, "px": np.asarray(pts),
            "box": box, "style": style}, ""


def _fits(pixels, values) -> bool:
    """pixels = a * f(values) + b, f the identity or log10, within FIT_PX."""
    values = np.asarray(values, dtype=np.float64)
    if np.ptp(values) == 0:
        return bool(np.ptp(pixels) <= FIT_PX)
    for f in (lambda v: v, lambda v: np.log10(v) if np.all(v > 0) else None):
        u = f(values)
        if u is None or np.ptp(u) == 0:
            continue
        a, b = np.polyfit(u, pixels, 1)
        if np.max(np.abs(a * u + b - pixels)) <= FIT_PX:
            return True
    return False


def _places_values(series, claim) -> bool:
    px, ys = claim["px"], series["y"]
    xs = series.get("x") or list(range(len(ys)))
    n = min(len(px), len(ys), len(xs))
    if n < 2 or n != len(ys):
        return False
    up = np.polyfit(np.asarray(ys[:n], float), px[:n, 1], 1)[0] < 0 if np.ptp(ys[:n]) else True
    return up and _fits(px[:n, 0], xs[:n]) and _fits(px[:n, 1], ys[:n])


def read(series, drawn, pictures) -> Reading:
    """Whether any of ``pictures`` (base64 PNGs the cell displayed) shows ``series``
    (one accuracy series of a figure record, with its ``"px"``, ``"box"`` and
    ``"style"`` from the record's ``"drawn"``) as the record claims."""
    claim, why = _claim(series, drawn)
    if claim is None:
        return Reading(False, why=why)
    if not _places_values(series, claim):
        return Reading(False, why="the record's pixel positions do not follow the values")
    sized = [(i, img) for i, img in enumerate(map(decode, pictures))
             if img is not None and img.shape[1::-1] == claim["canvas"]]
    if not sized:
        return Reading(False, why="no picture of the size the record claims was displayed")
    best = Reading(False, why="the picture does not show the series where the record says")
    for i, img in sized:
        got = Reading(*compare(claim, img, series.get("marker"), series.get("markersize"),
                               series.get("kind")), index=i)
        if got.shown and (got.markers or not best.shown) or not best.shown and got.why:
            best = got
    return best
