"""Reading the kernel's figure records (``kernel_capture._snapshot``), which are
untrusted: every value is type-checked here before a check or the history uses it.
"""
from __future__ import annotations

import math


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _whole(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dicts(value) -> list:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def accuracy_series(figures) -> list:
    """[(series, figure's cell)] for every visible series of >= 2 values in [0, 1];
    its ``"x"`` is a list of finite numbers, one per value, or None."""
    out = []
    for fig in _dicts(figures):
        for ax in _dicts(fig.get("axes")):
            for s in _dicts(ax.get("series")):
                ys = s.get("y") if isinstance(s.get("y"), list) else []
                ys = [_number(v) for v in ys]
                n = _whole(s.get("n"))
                if (n is None or n < 2 or not ys or s.get("visible", True) is not True
                        or any(v is None or not 0 <= v <= 1 for v in ys)):
                    continue
                xs = [_number(v) for v in s["x"]] if isinstance(s.get("x"), list) else []
                x = xs if len(xs) == len(ys) and all(v is not None and math.isfinite(v)
                                                     for v in xs) else None
                out.append(({**s, "y": ys, "n": n, "x": x}, fig.get("cell")))
    return out


def displayed(cell, records, figures=()) -> bool:
    """Whether the grader received an image for the executed cell with this ordinal,
    and at least as many images as that cell has figure records (a record planted
    beside an unrelated image would otherwise borrow that image).

    Bundles whose cell records carry no ``"images"`` count (cached before the
    grader counted images) cannot confirm anything: nothing counts as displayed.
    """
    cell = _whole(cell)
    records = _dicts(records)
    if cell is None or not any("images" in r for r in records):
        return False
    claimed = max(1, sum(1 for f in _dicts(figures) if _whole(f.get("cell")) == cell))
    return any(_whole(r.get("ordinal")) == cell and (_whole(r.get("images")) or 0) >= claimed
               for r in records)


def shows_points(series) -> bool:
    """A visible marker of non-zero size (a marker of size 0 is no marker)."""
    size = _number(series.get("markersize"))
    return series.get("marker") is not None and size is not None and size > 0 and \
        math.isfinite(size)
