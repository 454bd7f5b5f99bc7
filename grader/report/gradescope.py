"""Gradescope autograder output (``/autograder/results/results.json``).

The top-level ``score`` is the final grade (late penalty applied), so
Gradescope does not add up the tests itself; each check is one test.  A test's
output is its message as HTML (``output_format: html``: code in ``<code>``, every
part escaped by ``text.html_message``, so nothing a student wrote becomes markup);
the summary is ``output_format: text``.  The grader's held-back accuracy is the
leaderboard entry.  The
text comes from the same view-model as the feedback pages (``view.Feedback``).
"""
from __future__ import annotations

import json
import math

from ..errors import one_line
from . import atomic, view
from .text import html_message

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def _summary(fb, sandbox: str = "") -> str:
    lines = [f"Status: {fb.status}", f"Checks: {fb.total}", f"Late policy: {fb.late}"]
    if fb.submission_time:
        lines.append(f"Submission time: {fb.submission_time}")
    lines.append(f"Final grade: {fb.final}")
    if fb.accuracy_line:
        lines.append(fb.accuracy_line)
    lines += [f"Note: {n}" for n in fb.notes]
    if sandbox:
        lines.append(f"Graded in: {sandbox}")
    return "\n".join(lines)


def _number(value) -> float:
    value = float(value)
    return round(value, 4) if math.isfinite(value) else 0.0


def _test(number: int, row, visibility: str) -> dict:
    return {"name": row.label, "score": _number(row.score), "max_score": _number(row.possible),
            "status": "passed" if row.passed else "failed",
            "output": str(html_message(row.parts)), "output_format": "html",
            "visibility": visibility, "number": str(number),
            "tags": ["extra credit"] if row.extra_credit else []}


def results_json(result, *, visibility: str = "visible",
                 stdout_visibility: str = "hidden", sandbox: str = "") -> dict:
    """One submission in Gradescope's results.json format; ``sandbox``: the
    confinement that graded it, in a few words."""
    for v in (visibility, stdout_visibility):
        if v not in VISIBILITIES:
            raise ValueError(f"unknown Gradescope visibility {v!r} "
                             f"(expected one of {', '.join(VISIBILITIES)})")
    fb = view.build(result)
    seconds = result.seconds or 0
    doc = {"score": _number(result.final),
           "execution_time": int(round(seconds)) if math.isfinite(seconds) else 0,
           "output": _summary(fb, sandbox), "output_format": "text", "visibility": visibility,
           "stdout_visibility": stdout_visibility,
           "tests": [_test(i, row, visibility) for i, row in enumerate(fb.rows, start=1)]}
    accuracy = view.fraction(result.accuracy)
    if accuracy is not None:        # measured by the grader on held-back galaxies
        doc["leaderboard"] = [{"name": "Held-back accuracy", "value": round(accuracy, 4)}]
    return doc


def write_results_json(result, path, **kwargs):
    data = results_json(result, **kwargs)
    return atomic.write_text(path, json.dumps(data, indent=2, sort_keys=True,
                                              ensure_ascii=False) + "\n")


def failure_json(reason: str) -> dict:
    """results.json for a submission that could not be graded: 0 and why, in one line."""
    return {"score": 0.0, "execution_time": 0, "visibility": "visible",
            "stdout_visibility": "hidden", "tests": [], "output_format": "text",
            "output": f"Not graded: {one_line(reason)[:1000]}"}


def write_failure_json(reason, path):
    return atomic.write_text(path, json.dumps(failure_json(reason), indent=2, sort_keys=True,
                                              ensure_ascii=False) + "\n")
