"""The grading pipeline, in order, in one place: bundle -> scored result.

Pure: no disk, no kernels.  Each check is a function
``(bundle, context, settings, names) -> CheckResult`` paired here with its entry
in ``grader.checks.catalog``, where its name, settings class and ``--quick``
membership are declared (the light table the rubric validates against).  The
rubric switches checks on and sets their settings.
"""
from __future__ import annotations

import traceback
from dataclasses import asdict
from typing import Callable, NamedTuple

from . import late as late_policies
from .intake import overrides as ov
from .checks import budget
from .checks import catalog as cat
from .checks import functions as fn
from .checks import history as hs
from .checks import plot
from .checks import training as tr
from .message import say, student
from .results import CheckResult, SubmissionResult
from .run import cells


class Check(NamedTuple):
    name: str
    function: Callable          # (bundle, ctx, settings, names) -> CheckResult
    settings: type              # the rubric's settings for it (grader.checks.Settings or a child)
    quick: bool = False         # part of ``grader check --quick`` (no long training)


FUNCTIONS = {
    cat.DATA_PREP: tr.check_data_prep,
    cat.NET: fn.check_net,
    cat.LOSS: fn.check_loss,
    cat.LOSS_GRAD: fn.check_loss_grad,
    cat.FRACTION_CORRECT: fn.check_fraction_correct,
    cat.TRAINED_ACCURACY: tr.check_trained_accuracy,
    cat.PLOT: plot.check_plot,
    cat.EXTRA_CREDIT: fn.check_extra_credit,
}
PIPELINE = tuple(Check(e.name, FUNCTIONS[e.name], e.settings, e.quick) for e in cat.CATALOG)
CHECKS = {c.name: c for c in PIPELINE}
QUICK_CHECKS = tuple(c.name for c in PIPELINE if c.quick)


def _not_checked(name, spec, why, **details) -> CheckResult:
    return CheckResult(name, 0.0, spec.points, f"not checked: {why}",
                       extra_credit=cat.BY_NAME[name].extra_credit, details=details)


def run_checks(bundle, ctx, rubric, *, only=None, seconds=budget.SCORING_SECONDS) -> list:
    """Every enabled check in order; after ``seconds`` the rest are not checked, with
    the reason (for this notebook alone)."""
    names = asdict(rubric.names)
    results = []
    todo = [(n, f) for n, f, _, _ in PIPELINE
            if rubric.check(n).enabled and not (only and n not in only)]
    try:
        with budget.limit(seconds):
            for name, check in todo:
                results.append(_one_check(name, check, bundle, ctx, rubric.check(name), names))
    except budget.OutOfTime:
        why = (f"scoring this notebook took over {seconds:g} s, the grader's limit per "
               f"notebook (what its kernel returned is too large to read)")
        results += [_not_checked(n, rubric.check(n), why, out_of_time=True)
                    for n, _ in todo[len(results):]]
    return results


def _one_check(name, check, bundle, ctx, spec, names) -> CheckResult:
    if bundle is None or bundle.status != "executed":
        return _not_checked(name, spec, bundle.reason if bundle is not None
                            else "notebook was not run")
    try:
        return check(bundle, ctx, spec, names)
    except Exception as exc:   # a grader bug: the batch goes on, the TA is told
        return CheckResult(
            name, 0.0, spec.points,
            say("could not check: the grader failed ({what})",   # may quote the notebook's values
                what=student(f"{type(exc).__name__}: {str(exc)[:200]}")),
            extra_credit=cat.BY_NAME[name].extra_credit,
            details={"traceback": traceback.format_exc(limit=20)[-4000:]})


def _download_notes(bundle, rubric) -> list:
    found = [c for c in (bundle.cells if bundle is not None else [])
             if isinstance(c, dict) and c.get("download")]
    return [f"{cells.in_bundle(bundle, index=c.get('index'))} tries to download: the grader "
            f"provides `{rubric.data.name_in_notebook}` beside the notebook, and downloads "
            f"are not possible while grading (no network); the rest of the notebook still ran"
            for c in found[:3]]


def _status(bundle, checks) -> str:
    """graded | not graded (not run) | check error (a check crashed: a grader bug)."""
    if bundle is None or bundle.status != "executed":
        return "not graded"
    return "check error" if any("traceback" in c.details for c in checks) else "graded"


def score(submission, bundle, ctx, rubric, *, only=None, overrides=None) -> SubmissionResult:
    """Checks, the TA's overrides for this student (``{student id: {check:
    Override}}``), raw total (extra credit included), late multiplier, final grade."""
    checks = run_checks(bundle, ctx, rubric, only=only)
    mine = {k.lower(): v for k, v in (overrides or {}).items()}.get(submission.student_id.lower())
    checks = ov.apply(checks, mine or {})
    late = rubric.assess_late(submission)
    raw = round(sum(c.score for c in checks), 4)
    acc = next((c.details.get("accuracy") for c in checks if c.name == cat.TRAINED_ACCURACY), None)
    test = next((c.details.get("test") for c in checks if c.name == cat.TRAINED_ACCURACY), None)
    found = hs.recorded(bundle, asdict(rubric.names), prefer=test) \
        if bundle is not None and bundle.status == "executed" else None
    notes = list(submission.notes) + (list(bundle.notes) if bundle else []) + \
        _download_notes(bundle, rubric) + ([found.note] if found and found.note else [])
    if bundle is not None and bundle.status != "executed":
        notes.append(f"not run: {bundle.reason}")
    return SubmissionResult(
        student_id=submission.student_id, original_id=submission.original_id or
        submission.student_id, checks=checks, late=late,
        final=round(late_policies.apply(late, raw), 2),
        status=_status(bundle, checks),
        notebook=str(submission.notebook or ""),
        submitted_at=submission.submitted_at.isoformat() if submission.submitted_at else "",
        time_source=submission.time_source, notes=notes,
        seconds=bundle.seconds if bundle else 0.0, accuracy=acc,
        history=[float(v) for v in found.values[:1000]] if found else [],
        history_steps=[float(v) for v in found.steps[:1000]]
        if found and found.steps is not None else [])
