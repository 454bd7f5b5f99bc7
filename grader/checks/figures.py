"""Reading the kernel's figure records (``kernel_capture._snapshot``), which are
untrusted: every value is type-checked here before a check or the history uses it.

Reading is linear in what the kernel sent and capped (``MAX_FIGURES`` records,
``MAX_SERIES`` series, ``MAX_POINTS`` values each): a notebook that writes tens of
thousands of records costs the grader no more than one that writes the cap.
"""
from __future__ import annotations

import math
from collections import Counter

from ..run.protocol import MAX_FIGURES    # the latest records read (kept in a bundle)
MAX_SERIES = 2000           # series read over all figures
MAX_POINTS = 2000           # values read per series (the kernel keeps as many)


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _whole(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dicts(value) -> list:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _records(figures) -> list:
    return _dicts(figures[-MAX_FIGURES:] if isinstance(figures, list) else [])


def _drawn_series(fig, a, i) -> dict:
    """Where series ``i`` of axes ``a`` was drawn, from the record's ``"drawn"``."""
    drawn = fig.get("drawn")
    axes = _dicts(drawn.get("axes")) if isinstance(drawn, dict) else []
    ax = axes[a] if a < len(axes) else {}
    series = _dicts(ax.get("series"))
    got = series[i] if i < len(series) else {}
    return {"px": got.get("px"), "style": got.get("style"), "box": ax.get("box")}


def accuracy_series(figures) -> list:
    """[(series, figure's cell)] for every visible series of >= 2 values in [0, 1];
    its ``"x"`` is a list of finite numbers, one per value, or None; ``"drawn"`` is
    the figure's claim of where it was drawn (``picture.read`` checks it)."""
    out, seen = [], 0
    for fig in _records(figures):
        for a, ax in enumerate(_dicts(fig.get("axes"))):
            for i, s in enumerate(_dicts(ax.get("series"))):
                seen += 1
                if seen > MAX_SERIES:
                    return out
                ys = s.get("y") if isinstance(s.get("y"), list) else []
                ys = [_number(v) for v in ys[:MAX_POINTS]]
                n = _whole(s.get("n"))
                if (n is None or n < 2 or not ys or s.get("visible", True) is not True
                        or any(v is None or not 0 <= v <= 1 for v in ys)):
                    continue
                xs = [_number(v) for v in s["x"][:MAX_POINTS]] \
                    if isinstance(s.get("x"), list) else []
                x = xs if len(xs) == len(ys) and all(v is not None and math.isfinite(v)
                                                     for v in xs) else None
                out.append(({**s, "y": ys, "n": n, "x": x, **_drawn_series(fig, a, i),
                             "drawn": fig.get("drawn")}, fig.get("cell")))
    return out


def shown_series(bundle) -> list:
    """[(series, cell)] of ``accuracy_series`` whose cell the grader received an image
    for, and at least as many images as that cell has figure records (a record planted
    beside an unrelated image would otherwise borrow that image); computed once per
    bundle.  Bundles cached before the grader counted images confirm nothing."""
    memo = bundle.__dict__.get("_shown")
    if memo is not None:
        return memo
    figures = bundle.probe.get("figures", []) if isinstance(bundle.probe, dict) else []
    claimed = Counter(_whole(f.get("cell")) for f in _records(figures))
    images = {}
    for r in _dicts(bundle.cells):
        if "images" in r and _whole(r.get("ordinal")) is not None:
            images[r["ordinal"]] = max(images.get(r["ordinal"], 0), _whole(r.get("images")) or 0)
    shown = [(s, c) for s, c in accuracy_series(figures)
             if _whole(c) is not None and images.get(c, 0) >= max(1, claimed[c])]
    bundle.__dict__["_shown"] = shown
    return shown


def shows_points(series) -> bool:
    """A visible marker of non-zero size (a marker of size 0 is no marker)."""
    size = _number(series.get("markersize"))
    return series.get("marker") is not None and size is not None and size > 0 and \
        math.isfinite(size)
