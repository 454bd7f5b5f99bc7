"""The class report page: who needs attention, summary, charts, pass rates, students.

Rendered from ``templates/class_report.html.j2`` with autoescaping on; this module
only gathers the values (as text) the template shows.  Who needs attention and why,
and what is counted apart, is ``attention``'s.
"""
from __future__ import annotations

import base64
import statistics

from . import attention, lateness, render
from .charts import RATE_BANDS, finite, rate_band
from .text import clip, num


def _stats(results) -> str:
    counted = [r for r in results if attention.counted(r)]
    grades = finite(r.final for r in counted)
    apart = len(results) - len(counted)
    late = sum(lateness.is_late(r) for r in results)
    unknown = sum(lateness.time_unknown(r) for r in results)
    parts = [f"{len(results)} students", f"{len(counted)} graded"] + \
        ([f"{apart} not graded, counted apart (not in the mean, the histogram or the "
          f"pass rates)"] if apart else []) + [f"{late} late"] + \
        ([f"{unknown} submission time unknown"] if unknown else [])
    try:
        if grades:
            parts += [f"mean final {num(statistics.fmean(grades))}",
                      f"median final {num(statistics.median(grades))} "
                      f"(over {len(grades)} graded final grades)"]
    except (ArithmeticError, ValueError):   # e.g. overflow summing huge grades
        parts.append("mean and median not computable")
    return ", ".join(parts)


def _student(r, stems) -> dict:
    """One row of the students table (the link: that student's feedback page)."""
    stem = (stems or {}).get(r.student_id)
    return {"student_id": r.student_id, "link": f"feedback/{stem}.html" if stem else "",
            "raw": num(r.score), "extra": num(r.extra), "late": lateness.column(r),
            "multiplier": num(lateness.multiplier(r)), "final": num(r.final),
            "status": r.status, "failed": ", ".join(clip(n, 100)
                                                    for n in attention.failed_checks(r)),
            "accuracy": num(r.accuracy), "seconds": num(r.seconds)}


def _rate(name, passed, checked) -> dict:
    percent = 100 * passed / checked if checked else None
    band = RATE_BANDS[rate_band(percent)] if percent is not None else None
    return {"check": name, "passed": passed, "checked": checked,
            "percent": num(percent), "width": num(percent or 0),
            "colour": band[1] if band else "transparent"}


def class_report_html(results, images: dict, *, rates, problems=(), protections="",
                      stems=None, flagged=(), pass_fraction=attention.PASS_FRACTION) -> str:
    """The page; images: {name: png bytes}; rates: [(check, passed, checked)];
    flagged: the integrity check's flagged pairs (``attention.Flagged``);
    pass_fraction: the pass mark's share of the points possible."""
    apart = sum(not attention.counted(r) for r in results)
    return render.html(
        "class_report.html.j2", stats=_stats(results),
        attention=attention.rows(results, flagged, stems, pass_fraction),
        pass_percent=num(100 * pass_fraction),
        images=[(n, base64.b64encode(b).decode("ascii")) for n, b in images.items()],
        rates=[_rate(n, p, t) for n, p, t in rates], apart=apart,
        bands=[{"colour": c, "label": label} for _, c, label in RATE_BANDS],
        students=[_student(r, stems) for r in results],
        unknown_time=[_student(r, stems) for r in results if lateness.time_unknown(r)],
        problems=[clip(p) for p in problems], protections=clip(protections or "", 20000))
