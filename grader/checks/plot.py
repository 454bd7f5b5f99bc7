"""The plot check: a displayed figure shows the recorded accuracies as visible points.

The kernel records every figure as data (``grader.run.kernel_capture._snapshot``),
but whatever the kernel writes is untrusted.  So a curve only counts when:

1. its figure was displayed: the grader itself received an image for the cell
   the snapshot names (``bundle.cells[i]["images"] >= 1`` for the executed cell
   whose ``"ordinal"`` is the snapshot's ``"cell"``), and that picture shows the
   series where the record says it was drawn (``picture.read``: the grader
   draws the claim again and compares it with the PNG it received);
2. its y values are the student's recorded history (``accuracies``, or the plotted
   series that stands in for it: ``history.py``) within the rubric's ``values_atol``;
3. the last recorded value agrees with the grader's own test accuracy of the
   final ``params`` within the rubric's ``last_value_tolerance``;
4. it shows its data points: markers the grader sees in the picture, beyond the
   line (never the record's word for it);
5. it has at least ``min_points`` points.
"""
from __future__ import annotations

import numpy as np

from ..message import say, student
from ..results import CheckResult
from . import history as hs
from .catalog import PLOT
from .figures import accuracy_series, shown_series, shows_points
from .picture import Reading, read
from .diagnoses import named
from .training import accuracy_of, recomputed_accuracy, student_params

EXAMPLE = "plt.plot(steps, accuracies, 'o-')"


def _matches(series, history, atol) -> bool:
    """The series' y values are the recorded history (same length, within atol)."""
    ys = series["y"]
    if series["n"] != len(history) or len(ys) > len(history):
        return False
    return bool(np.allclose(ys, history[:len(ys)], rtol=0.0, atol=atol))


def _presentation_problem(best, seen: Reading, need) -> str:
    """What is wrong with how the (verified) curve is drawn, or ""."""
    if not (seen.markers and shows_points(best)):
        if best.get("marker") is not None and not shows_points(best):
            return (f"the accuracy curve ({best['n']} points) has markers of size 0, which "
                    f"show no points: give the markers a visible size (e.g. {EXAMPLE})")
        return (f"the accuracy curve ({best['n']} points) is drawn as a bare line: plot the "
                f"data points too so a reader can see there is data (e.g. {EXAMPLE})")
    if seen.points < need:
        return (f"the accuracy plot shows {seen.points} points inside its axes; at least "
                f"{need} expected")
    return ""


MAX_READ = 4            # pictures compared per notebook


def _read(bundle, series, cell) -> Reading:
    pictures = bundle.images if isinstance(getattr(bundle, "images", None), dict) else {}
    return read(series, series.get("drawn"), pictures.get(str(cell), []))


def _seen(bundle, same) -> tuple:
    """(series, what the grader reads in the picture, its cell) for the best of the
    curves that match the history: shown with markers, then shown, then the most points."""
    best = None
    for s, cell in sorted(same, key=lambda sc: (-shows_points(sc[0]), -sc[0]["n"]))[:MAX_READ]:
        got = _read(bundle, s, cell)
        if best is None or (got.shown, got.markers) > (best[1].shown, best[1].markers):
            best = (s, got, cell)
    return best


def judged(seen: Reading, cell) -> dict:
    """The details entry naming the picture the check read: {"figure": {"cell": the
    cell's ordinal, "index": the picture's place among the cell's pictures}}, or {}."""
    if seen.index is None or not isinstance(cell, int):
        return {}
    return {"figure": {"cell": cell, "index": seen.index}}


def _training_set_accuracy(bundle, ctx, names, last, test_acc):
    """The grader's accuracy of the final params on the kernel's training images when
    the last record is exactly that and not the test accuracy, else None."""
    params, _, _ = student_params(bundle, ctx, names)
    n_train, n_test = len(ctx.probes.train_y), len(ctx.probes.test_y)
    if params is None or abs(last - test_acc) <= 0.5 / n_test:
        return None
    train_acc = accuracy_of(params, ctx.probes.train_x, ctx.probes.train_y)
    return train_acc if abs(last - train_acc) <= 0.5 / n_train else None


def check_plot(bundle, ctx, spec, names) -> CheckResult:
    def fail(msg, **details):
        return CheckResult(PLOT, 0.0, spec.points, msg, details=details)

    atol, tol = spec.values_atol, spec.last_value_tolerance
    if not accuracy_series(bundle.probe.get("figures", [])):
        return fail("no plot of accuracy (values between 0 and 1) against step was found")
    shown = shown_series(bundle)
    if not shown:
        return fail("the accuracy plot is a figure that was never displayed: the grader "
                    "received no image of it (show it with plt.show() in the notebook)")
    acc, why = recomputed_accuracy(bundle, ctx, names)
    found = hs.recorded(bundle, names, prefer=acc)
    hist_name = (say("`{n}`", n=student(found.name)) if found.name else "accuracy series") \
        if found else f"`{names.get('history', 'accuracies')}`"
    if found is None:
        return fail(say("no recorded {h} found to compare the plot with", h=hist_name))
    history = found.values
    same = [(s, c) for s, c in shown if _matches(s, history, atol)]
    if not same:
        return fail(say("the plotted values are not the recorded {h} ({n} values): plot the "
                        "accuracies your training recorded", h=hist_name, n=len(history)))
    params = f"`{names.get('params', 'params')}`"
    if acc is None:
        return fail(say("the recorded {h} cannot be checked against your trained {p}: {why}",
                        h=hist_name, p=params, why=why))
    last = float(history[-1])
    on_training = _training_set_accuracy(bundle, ctx, names, last, acc)
    if on_training is not None:
        hint, seen = named("accuracy_on_training_set", train=on_training, test=acc)
        return fail(f"the last recorded accuracy {last:.3f} is not the test accuracy "
                    f"the grader measured for your final {params}. {hint}",
                    last_recorded=last, recomputed=acc, **seen)
    if not abs(last - acc) <= tol:
        return fail(f"the last recorded accuracy {last:.3f} does not agree with the test "
                    f"accuracy {acc:.3f} the grader measured for your final {params} "
                    f"(tolerance {tol:g}): plot the accuracies of the network you trained",
                    last_recorded=last, recomputed=acc)
    if not any(shows_points(s) for s, _ in same):    # the record's own word loses points
        best, cell = max(same, key=lambda sc: sc[0]["n"])
        seen = _read(bundle, best, cell)
        return fail(_presentation_problem(best, Reading(True), spec.min_points),
                    **(judged(seen, cell) if seen.shown else {}))
    best, seen, cell = _seen(bundle, same)
    if not seen.shown:
        return fail(f"the picture of the accuracy plot does not show the curve the notebook "
                    f"recorded for it ({seen.why}): the grader grades the plot it received",
                    picture=seen.why)
    problem = _presentation_problem(best, seen, spec.min_points)
    if problem:
        return fail(problem, **judged(seen, cell))
    return CheckResult(PLOT, spec.points, spec.points,
                       say("accuracy plot with {n} visible data points, matching the recorded "
                           "{h}", n=seen.points, h=hist_name),
                       details={"last_recorded": last, "recomputed": acc, **judged(seen, cell)})
