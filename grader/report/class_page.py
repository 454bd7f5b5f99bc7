"""The class report page: summary, embedded charts, pass rates, one row per student.

Rendered from ``templates/class_report.html.j2`` with autoescaping on; this
module only gathers the values (as text) the template shows.
"""
from __future__ import annotations

import base64
import statistics

from . import lateness, render
from .charts import finite
from .text import clip, num


def _stats(results) -> str:
    grades = finite(r.final for r in results)
    graded = sum(r.status == "graded" for r in results)
    late = sum(lateness.is_late(r) for r in results)
    unknown = sum(lateness.time_unknown(r) for r in results)
    parts = [f"{len(results)} students", f"{graded} graded", f"{late} late"] + \
        ([f"{unknown} submission time unknown"] if unknown else [])
    try:
        if grades:
            parts += [f"mean final {num(statistics.fmean(grades))}",
                      f"median final {num(statistics.median(grades))}"]
    except (ArithmeticError, ValueError):   # e.g. overflow summing huge grades
        parts.append("mean and median not computable")
    return ", ".join(parts)


def _student(r, stems) -> dict:
    """One row of the students table (the link: that student's feedback page)."""
    stem = (stems or {}).get(r.student_id)
    return {"student_id": r.student_id, "link": f"feedback/{stem}.html" if stem else "",
            "raw": num(r.score), "extra": num(r.extra), "late": lateness.flag(r) or "unknown",
            "multiplier": num(lateness.multiplier(r)), "final": num(r.final),
            "status": r.status, "accuracy": num(r.accuracy), "seconds": num(r.seconds)}


def class_report_html(results, images: dict, *, rates, problems=(), protections="",
                      stems=None) -> str:
    """The page; images: {name: png bytes}; rates: [(check, passed, checked)]."""
    return render.html(
        "class_report.html.j2", stats=_stats(results),
        images=[(n, base64.b64encode(b).decode("ascii")) for n, b in images.items()],
        rates=[{"check": n, "passed": p, "checked": t, "percent": num(100 * p / t) if t else ""}
               for n, p, t in rates],
        students=[_student(r, stems) for r in results],
        unknown_time=[_student(r, stems) for r in results if lateness.time_unknown(r)],
        problems=[clip(p) for p in problems], protections=clip(protections or "", 20000))
