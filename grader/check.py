"""``grader check``: one notebook, graded the way the TA's run grades it.

Prints each rubric item with pass/fail, the reason and the points at stake.
Probe inputs are never shown.  ``quick`` caps every cell at a few seconds and
checks only the network's pieces, for iterating on parts (b)-(c).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from . import pipeline, rubric as rubric_mod
from .report import view
from .run import sandbox
from .batch import execute_submissions, prepare_batch, require_confinement
from .errors import InputError
from .submissions import Submission

QUICK_CELL_SECONDS = 20


def run(notebook, *, rubric=None, data=None, quick=False, submitted_at=None,
        time_source="none", allow_unconfined=False, student_id=None, deadline=None):
    """Execute and score one notebook; returns its SubmissionResult.  ``student_id``
    (default: the file's stem) picks the rubric's extension; ``deadline`` replaces
    the rubric's (a platform's own due date)."""
    path = Path(notebook)
    if not path.is_file():
        raise InputError(f"{path}: notebook not found")
    rub = rubric_mod.load(rubric)
    if deadline is not None:
        rub = replace(rub, deadline=deadline)
    protections = require_confinement(allow_unconfined)
    if quick:
        rub = replace(rub, timeouts=replace(rub.timeouts, cell_seconds=QUICK_CELL_SECONDS))
    data_file, digest, ctx = prepare_batch(rub, data)
    sub = Submission(student_id=student_id or path.stem, notebook=path, submitted_at=submitted_at,
                     time_source=time_source, notes=())
    bundle = execute_submissions([sub], rub, data_file, digest, ctx, cache=None, workers=1,
                                 progress=False)[sub.student_id]
    result = pipeline.score(sub, bundle, ctx, rub, only=pipeline.QUICK_CHECKS if quick else None)
    if not sandbox.detect_protections().confined:
        result.notes.append(protections)
    return result


def format_result(result, *, quick=False) -> str:
    """The self-check as text, worded like the feedback pages (``report.view``)."""
    fb = view.build(result)
    lines = [f"Self-check of {fb.notebook}" + (" (quick: network pieces only)" if quick else "")]
    for row in fb.rows:
        mark = "PASS" if row.passed else "FAIL"
        lines.append(f"  [{mark}] {row.label:<17} {row.points}/{row.out_of}  {row.message}")
    lines.append(f"  total {fb.total}")
    if fb.accuracy_line:
        lines.append(f"  {fb.accuracy_line}")
    lines += [f"  note: {n}" for n in fb.notes]
    if quick:
        lines.append("  trained accuracy and the plot are checked without --quick")
    return "\n".join(lines)


def main(*, notebook, rubric=None, data=None, quick=False, allow_unconfined=False) -> int:
    """Self-check ``notebook``; exit status 0 when every item passed.

    notebook: the .ipynb to check; rubric: rubric.yaml (default: course's);
    data: data file (default: the rubric's, else the built-in synthetic set);
    quick: skip long training (each cell stopped after 20 s); allow_unconfined:
    run even where the kernel cannot be confined.
    """
    result = run(notebook, rubric=rubric, data=data, quick=quick,
                 allow_unconfined=allow_unconfined)
    print(format_result(result, quick=quick))
    print(f"  sandbox: {sandbox.detect_protections().short()}")
    return 0 if all(c.passed for c in result.checks) else 1
