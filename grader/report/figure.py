"""The student's own figure on the feedback page: the picture the plot check judged.

The plot check records which picture it read (its details' ``figure``: the cell's
ordinal and the picture's place among that cell's pictures, ``checks/plot.py``); the
picture itself is in the bundle (``bundle.images``: base64 PNGs the kernel sent).
Whatever the kernel sent is untrusted, so before the page shows it the picture must be
valid base64 of at most ``MAX_BYTES``, start with the PNG signature, open as a PNG of
at most ``MAX_SIDE`` pixels a side and ``MAX_PIXELS`` in all, and decode to the end;
then the grader writes it again itself (``png``: no chunk of the student's file is
kept).  When there is no such picture, the page says why in one line.  No I/O here.
"""
from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass

from ..message import say
from ..run import cells

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 4_000_000          # the picture as the kernel sent it (decoded from base64)
MAX_SIDE = 4000                # pixels, either side
MAX_PIXELS = 8_000_000         # pixels in all (a 16 x 10 inch figure at 200 dpi is 6.4 M)
PLOT = "plot"


@dataclass(frozen=True)
class OwnFigure:
    """What the page shows of the student's figure: ``png`` (re-encoded by the grader)
    with its ``caption`` (a message in parts), or ``note``: why there is none."""
    png: bytes | None = None
    caption: tuple = ()
    note: tuple = ()


def png(b64) -> tuple[bytes | None, str]:
    """(the picture written again by the grader as PNG, "") or (None, why it is not
    shown), for a base64 string the kernel sent."""
    from PIL import Image
    if not isinstance(b64, str) or len(b64) > MAX_BYTES * 4 // 3 + 8:
        return None, "it is not a picture of at most 4 MB"
    try:
        raw = base64.b64decode(b64, validate=False)
    except (binascii.Error, ValueError):
        return None, "it is not base64 data"
    if not raw.startswith(SIGNATURE):
        return None, "it is not a PNG file"
    if len(raw) > MAX_BYTES:
        return None, "it is larger than 4 MB"
    try:
        with Image.open(io.BytesIO(raw), formats=["PNG"]) as im:
            w, h = im.size
            if not (0 < w <= MAX_SIDE and 0 < h <= MAX_SIDE and w * h <= MAX_PIXELS):
                return None, f"it is {w} x {h} pixels, larger than a figure (at most " \
                             f"{MAX_SIDE} a side, {MAX_PIXELS // 1_000_000} million in all)"
            im.load()
            out = io.BytesIO()
            im.convert("RGBA" if "A" in im.getbands() else "RGB").save(out, format="PNG")
            return out.getvalue(), ""
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None, "it is not a PNG that can be read to the end"


def _judged(result) -> tuple:
    """(the plot check's result, the (cell, index) of the picture it judged or None)."""
    plot = next((c for c in getattr(result, "checks", []) or [] if c.name == PLOT), None)
    where = plot.details.get("figure") if plot is not None else None
    if not isinstance(where, dict):
        return plot, None
    cell, index = where.get("cell"), where.get("index")
    ok = all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (cell, index))
    return plot, (cell, index) if ok else None


def own_figure(result, bundle) -> OwnFigure | None:
    """The student's figure for the page (None: nothing to say, no plot check)."""
    plot, where = _judged(result)
    if plot is None:
        return None
    if where is None:
        return OwnFigure(note=say("Your own figure: not shown, as the plot check found no "
                                  "picture of the recorded accuracies to judge.").parts)
    cell, index = where
    name = cells.said_in_bundle(bundle, ordinal=cell)
    images = getattr(bundle, "images", None)
    pictures = images.get(str(cell)) if isinstance(images, dict) else None
    got, why = png(pictures[index]) if isinstance(pictures, list) and index < len(pictures) \
        else (None, "the picture is no longer in the grader's records of the run")
    if got is None:
        return OwnFigure(note=say("Your own figure (shown by {cell}): not shown, as {why}.",
                                  cell=name, why=why).parts)
    caption = say("Your own figure, as {cell} displayed it (the picture the plot check "
                  "judged):", cell=name)
    return OwnFigure(png=got, caption=caption.parts)
