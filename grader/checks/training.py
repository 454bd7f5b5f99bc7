"""Checks of the data preparation and the trained network (the plot: ``plot.py``)."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from reference import model

from ..message import say, student
from ..results import CheckResult
from . import choice
from . import history as hs
from .choice import accuracy_of
from . import learning_rate
from .catalog import DATA_PREP, HELD_BACK, TEST_SET, TRAINED_ACCURACY
from .diagnoses import caused, named
from .functions import gradient_is_reference, gradient_is_wrong, wrong_parts
from ..run.protocol import rows_key


def _rows_mistake(role, rows, truth) -> str:
    """The known preparation mistake these rows show, or ""."""
    if not role.endswith("images") or rows.shape != truth.shape:
        return ""
    if np.allclose(rows, truth * 256 / 255, atol=1e-5):
        return "divided_by_255"
    return "not_scaled" if rows.max() > 1 else ""


def _data_problems(bundle, ctx, names) -> tuple[list, str]:
    """(what does not match the data file, the known mistake it shows or "")."""
    p, meta = ctx.probes, bundle.probe
    problems, mistake = [], ""
    for role, truth in (("train_images", p.train_rows), ("test_images", p.test_rows),
                        ("train_labels", p.train_labels_rows),
                        ("test_labels", p.test_labels_rows)):
        shape = meta.get(f"{role}_shape")
        rows = bundle.arrays.get(rows_key(role))
        if not isinstance(shape, list) or not all(type(n) is int for n in shape):
            shape = None                     # written by the kernel: not trusted to be sizes
        if shape is None or rows is None:
            problems.append(f"`{names.get(role, role)}` not found")
            continue
        if tuple(shape[1:]) != truth.shape[1:]:
            if role.endswith("labels") and len(shape) == 1:
                mistake = mistake or "labels_not_one_hot"
            problems.append(f"`{names.get(role, role)}` has shape {tuple(shape)}, expected "
                            f"(N, {truth.shape[1]})")
            continue
        if rows.shape != truth.shape or not np.allclose(rows, truth, atol=1e-6):
            mistake = mistake or _rows_mistake(role, rows, truth)
            problems.append(f"`{names.get(role, role)}` rows do not match the data file")
    return problems, mistake


def data_is_right(bundle, ctx, names) -> bool:
    return not _data_problems(bundle, ctx, names)[0]


def check_data_prep(bundle, ctx, spec, names) -> CheckResult:
    problems, mistake = _data_problems(bundle, ctx, names)
    if problems:
        hint, seen = named(mistake) if mistake else ("", {})
        return CheckResult(DATA_PREP, 0.0, spec.points,
                           "; ".join(problems) + (". " + hint if hint else ""), details=seen)
    return CheckResult(DATA_PREP, spec.points, spec.points,
                       "images flattened to 4761-vectors and divided by 256; labels one-hot")


def student_params(bundle, ctx=None, names=None):
    """(the student's trained params as 4 arrays of consistent shapes, "", {}), or
    (None, why, the details naming a known mistake or {}).  Which notebook value they
    are: ``choice.choose`` (with ``ctx``, ties are settled by the recorded accuracy)."""
    chosen = choice.choose(bundle, ctx, names)
    ps = chosen.arrays
    name = student(chosen.name) if chosen.name else \
        str((names or {}).get("params") or "params")[:60]
    kind = student(str(bundle.probe.get("params_kind") or "")[:300])
    if ps is None:
        err = bundle.probe.get("errors", {}).get("params", "")
        return None, say("no trained `{name}` found{err}{kind}", name=name,
                         err=say(" ({e})", e=student(err)) if err else "",
                         kind=say("; found {k}", k=kind) if kind else ""), {}
    if len(ps) != 4:
        return None, say("`{name}` is {kind}; expected W1, b1, W2, b2", name=name,
                         kind=kind or f"{len(ps)} entries"), {}
    W1, b1, W2, b2 = ps
    n_in, n_out = model.N_PIXELS, model.N_CLASSES
    if W1.ndim != 2 or W1.shape[1] != n_in:
        hint, seen = named("w1_transposed") if W1.shape[:1] == (n_in,) else ("", {})
        return None, f"W1 has shape {W1.shape}; expected (d, {n_in})" + \
            (". " + hint if hint else ""), seen
    d = W1.shape[0]
    if b1.shape != (d,) or W2.shape != (n_out, d) or b2.shape != (n_out,):
        return None, f"params shapes {[a.shape for a in ps]} do not fit together", {}
    if not all(np.all(np.isfinite(a)) for a in ps):
        return None, "params contain NaN or infinite values", {"nonfinite": True}
    return [jnp.asarray(a, jnp.float32) for a in ps], "", {}


def recomputed_accuracy(bundle, ctx, names=None):
    """(the grader's own test accuracy of the student's final params, "") or (None, why).

    The one place that recomputes it: the accuracy and plot checks both use it.
    """
    params, why, _ = student_params(bundle, ctx, names)
    if params is None:
        return None, why
    return accuracy_of(params, ctx.probes.test_x, ctx.probes.test_y), ""


def _params_note(bundle, ctx, names) -> str:
    """"; <which notebook value was graded and why>" when there was a choice to make."""
    said = choice.note(choice.choose(bundle, ctx, names), names.get("params", "params"),
                       student(str(bundle.probe.get("params_kind") or "")[:200]))
    return say("; {said}", said=said) if said else ""


SET_NAMES = {HELD_BACK: "the grader's held-back galaxies (never seen by the notebook)",
             TEST_SET: "the notebook's test set"}


def _measured(hidden: float, test: float, held_back: bool) -> str:
    """Each accuracy named by the set it is on: the graded one first."""
    if not held_back:
        return f"accuracy on {SET_NAMES[TEST_SET]} {test:.3f} (measured by the grader)"
    return (f"accuracy on {SET_NAMES[HELD_BACK]} {hidden:.3f}, on the notebook's test set "
            f"{test:.3f} (both measured by the grader)")


def _width_note(d: int) -> str:
    return "" if d == model.HIDDEN else (
        f"; the network has d = {d} hidden units (the lecture's has {model.HIDDEN}): graded "
        "on what it reaches on the held-back galaxies, like any other width")


def _step_mistake(bundle, ctx, spec, names, history, variants=learning_rate.VARIANTS) -> str:
    """The update step's known mistake the history shows, or "": asked only when the
    data and the gradient are right, since then the step is what is left to blame."""
    if history is None or not data_is_right(bundle, ctx, names) or \
            not gradient_is_reference(bundle, ctx):
        return ""
    return learning_rate.diagnose(ctx, history, spec.learning_rate, spec.steps_per_record,
                                  variants)


SUSPECTS = "Train longer or check the update step."


def _hint(bundle, ctx, spec, names, history, otherwise=SUSPECTS) -> tuple[str, dict]:
    """What a low or diverged accuracy follows from: a gradient the loss_grad check
    found wrong, else the update step's known mistake, else ``otherwise``."""
    if gradient_is_wrong(bundle, ctx):
        return caused("loss_grad", loss_grad=names.get("loss_grad", "loss_grad"),
                      wrong=", ".join(wrong_parts(bundle, ctx)))
    key = _step_mistake(bundle, ctx, spec, names, history)
    return named(key, lr=spec.learning_rate) if key else (otherwise, {})


def check_trained_accuracy(bundle, ctx, spec, names) -> CheckResult:
    """Points from accuracy on held-back galaxies the kernel never saw; a test
    accuracy far above it means the network was fitted to the test set."""
    params, why, seen = student_params(bundle, ctx, names)
    if params is None:
        if seen.get("nonfinite"):           # training diverged: the step may be to blame
            hint, mistake = _hint(bundle, ctx, spec, names, hs.recorded(bundle, names), "")
            why, seen = why + (f". {hint}" if hint else ""), {**seen, **mistake}
        return CheckResult(TRAINED_ACCURACY, 0.0, spec.points, why, details=seen)
    width, d = spec.hidden_width, int(params[0].shape[0])
    if width is not None and d != width:
        return CheckResult(TRAINED_ACCURACY, 0.0, spec.points,
                           f"the network has {d} hidden units; this course's rubric asks "
                           f"for d = {width}", details={"hidden_units": d})
    test, _ = recomputed_accuracy(bundle, ctx, names)
    hidden = accuracy_of(params, *ctx.hidden) if ctx.hidden is not None else test
    history = hs.recorded(bundle, names, prefer=test)
    last = float(history.values[-1]) if history is not None else None
    thr, floor, gap = spec.threshold, spec.floor, spec.max_gap
    seen = (_measured(hidden, test, ctx.hidden is not None)
            + (f", last recorded by the notebook {last:.3f}" if last is not None else "")
            + _params_note(bundle, ctx, names) + _width_note(d))
    details = {"accuracy": hidden, "hidden": hidden, "test": test, "last_recorded": last,
               "accuracy_on": HELD_BACK if ctx.hidden is not None else TEST_SET,
               "threshold": thr, "hidden_source": ctx.hidden_source, "hidden_units": d,
               "params_from": choice.choose(bundle, ctx, names).name}
    if gap is not None and test - hidden > gap:
        hint, mistake = named("trained_on_test_data")
        return CheckResult(TRAINED_ACCURACY, 0.0, spec.points,
                           say("accuracy on the notebook's test set is {over:.3f} above the "
                               "accuracy on the grader's held-back galaxies, which the "
                               "notebook never saw (allowed: {gap:.2f}); {seen}. {hint}",
                               over=test - hidden, gap=gap, seen=seen, hint=hint),
                           details={**details, **mistake, "flag": True})
    if hidden >= thr:
        score, msg = spec.points, say("accuracy reaches the goal {thr:.2f}: {seen}",
                                      thr=thr, seen=seen)
        key = _step_mistake(bundle, ctx, spec, names, history, (learning_rate.LARGE,)) \
            if history is not None and learning_rate.unstable(history) else ""
        if key:
            hint, mistake = named(key, lr=spec.learning_rate)
            msg, details = msg + f". {hint}", {**details, **mistake}
    else:
        frac = max(0.0, (hidden - floor) / (thr - floor)) if thr > floor else 0.0
        score = round(spec.points * frac, 2)
        hint, mistake = _hint(bundle, ctx, spec, names, history)
        msg = say("accuracy is below the goal {thr:.2f} (partial credit from {floor:.2f} "
                  "up): {seen}. {hint}", thr=thr, floor=floor, seen=seen, hint=hint)
        details.update(mistake)
    return CheckResult(TRAINED_ACCURACY, score, spec.points, msg, details=details)
