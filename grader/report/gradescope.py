"""Gradescope autograder output (``/autograder/results/results.json``).

The top-level ``score`` is the final grade (late penalty applied), so
Gradescope does not add up the tests itself; each check is one test.
"""
from __future__ import annotations

import json
import math

from . import atomic
from .text import clip, late_arithmetic, num

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def _summary(result) -> str:
    lines = [f"Status: {result.status}",
             f"Checks: {num(result.score)} of {num(result.possible)}"
             + (f" (incl. {num(result.extra)} extra credit)" if result.extra else ""),
             f"Late policy: {late_arithmetic(result)}"]
    explanation = (result.late or {}).get("explanation")
    if explanation:
        lines.append(f"Submission time: {explanation}")
    lines.append(f"Final grade: {num(result.final)}")
    lines += [f"Note: {clip(n)}" for n in result.notes]
    return "\n".join(lines)


def _number(value) -> float:
    value = float(value)
    return round(value, 4) if math.isfinite(value) else 0.0


def results_json(result, *, visibility: str = "visible",
                 stdout_visibility: str = "hidden") -> dict:
    """One submission in Gradescope's results.json format."""
    for v in (visibility, stdout_visibility):
        if v not in VISIBILITIES:
            raise ValueError(f"unknown Gradescope visibility {v!r} "
                             f"(expected one of {', '.join(VISIBILITIES)})")
    tests = [{"name": c.name + (" (extra credit)" if c.extra_credit
                                and "extra" not in c.name else ""),
              "score": _number(c.score), "max_score": _number(c.possible),
              "status": "passed" if c.passed else "failed", "output": clip(c.message),
              "visibility": visibility, "number": str(i),
              "tags": ["extra credit"] if c.extra_credit else []}
             for i, c in enumerate(result.checks, start=1)]
    return {"score": _number(result.final),
            "execution_time": int(round(result.seconds or 0))
            if math.isfinite(result.seconds or 0) else 0,
            "output": _summary(result), "visibility": visibility,
            "stdout_visibility": stdout_visibility, "tests": tests}


def write_results_json(result, path, **kwargs):
    data = results_json(result, **kwargs)
    return atomic.write_text(path, json.dumps(data, indent=2, sort_keys=True,
                                              ensure_ascii=False) + "\n")
