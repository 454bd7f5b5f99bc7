"""The plot check: a displayed figure shows the recorded accuracies as visible points.

The kernel records every figure as data (``grader.run.kernel_capture._snapshot``),
but whatever the kernel writes is untrusted.  So a curve only counts when:

1. its figure was displayed: the grader itself received an image for the cell
   the snapshot names (``bundle.cells[i]["images"] >= 1`` for the executed cell
   whose ``"ordinal"`` is the snapshot's ``"cell"``);
2. its y values are the student's recorded history (``accuracies``) within the
   rubric's ``values_atol``;
3. the last recorded value agrees with the grader's own test accuracy of the
   final ``params`` within the rubric's ``last_value_tolerance``;
4. it shows its data points: visible markers of non-zero size;
5. it has at least ``min_points`` points.
"""
from __future__ import annotations

from dataclasses import dataclass

import math

import numpy as np

from ..results import CheckResult
from . import Settings
from .training import recomputed_accuracy

EXAMPLE = "plt.plot(steps, accuracies, 'o-')"


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _whole(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dicts(value) -> list:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _accuracy_series(figures) -> list:
    """[(series, figure's cell)] for every visible series of >= 2 values in [0, 1]."""
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
                out.append(({**s, "y": ys, "n": n}, fig.get("cell")))
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


def _matches(series, history, atol) -> bool:
    """The series' y values are the recorded history (same length, within atol)."""
    ys = series["y"]
    if series["n"] != len(history) or len(ys) > len(history):
        return False
    return bool(np.allclose(ys, history[:len(ys)], rtol=0.0, atol=atol))


def shows_points(series) -> bool:
    """A visible marker of non-zero size (a marker of size 0 is no marker)."""
    size = _number(series.get("markersize"))
    return series.get("marker") is not None and size is not None and size > 0 and \
        math.isfinite(size)


def _recorded(bundle):
    hist = bundle.arrays.get("history")
    if hist is None:
        return None
    hist = np.asarray(hist, dtype=np.float64).reshape(-1)
    return hist if hist.size else None


def _presentation_problem(best, need) -> str:
    """What is wrong with how the (verified) curve is drawn, or ""."""
    if not shows_points(best):
        if best.get("marker") is not None:
            return (f"the accuracy curve ({best['n']} points) has markers of size 0, which "
                    f"show no points: give the markers a visible size (e.g. {EXAMPLE})")
        return (f"the accuracy curve ({best['n']} points) is drawn as a bare line: plot the "
                f"data points too so a reader can see there is data (e.g. {EXAMPLE})")
    if best["n"] < need:
        return (f"the accuracy plot has {best['n']} points; at least {need} expected "
                f"(one every 2000 steps)")
    return ""


@dataclass(frozen=True)
class PlotSettings(Settings):
    min_points: int = 2                   # data points the curve must show
    values_atol: float = 1e-6             # plotted y vs the recorded history
    last_value_tolerance: float = 0.03    # last record vs the grader's own accuracy


def check_plot(bundle, ctx, spec, names) -> CheckResult:
    def fail(msg, **details):
        return CheckResult("plot", 0.0, spec.points, msg, details=details)

    hist_name = f"`{names.get('history', 'accuracies')}`"
    atol, tol = spec.values_atol, spec.last_value_tolerance
    cands = _accuracy_series(bundle.probe.get("figures", []))
    if not cands:
        return fail("no plot of accuracy (values between 0 and 1) against step was found")
    figures = bundle.probe.get("figures", [])
    shown = [s for s, cell in cands if displayed(cell, bundle.cells, figures)]
    if not shown:
        return fail("the accuracy plot is a figure that was never displayed: the grader "
                    "received no image of it (show it with plt.show() in the notebook)")
    history = _recorded(bundle)
    if history is None:
        return fail(f"no recorded {hist_name} found to compare the plot with")
    same = [s for s in shown if _matches(s, history, atol)]
    if not same:
        return fail(f"the plotted values are not the recorded {hist_name} "
                    f"({len(history)} values): plot the accuracies your training recorded")
    params = f"`{names.get('params', 'params')}`"
    acc, why = recomputed_accuracy(bundle, ctx)
    if acc is None:
        return fail(f"the recorded {hist_name} cannot be checked against your trained "
                    f"{params}: {why}")
    last = float(history[-1])
    if not abs(last - acc) <= tol:
        return fail(f"the last recorded accuracy {last:.3f} does not agree with the test "
                    f"accuracy {acc:.3f} the grader measured for your final {params} "
                    f"(tolerance {tol:g}): plot the accuracies of the network you trained",
                    last_recorded=last, recomputed=acc)
    best = max(same, key=lambda s: (shows_points(s), s["n"]))
    problem = _presentation_problem(best, spec.min_points)
    if problem:
        return fail(problem)
    return CheckResult("plot", spec.points, spec.points,
                       f"accuracy plot with {best['n']} visible data points, matching the "
                       f"recorded {hist_name}", details={"last_recorded": last,
                                                          "recomputed": acc})
