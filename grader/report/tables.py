"""``grades.csv`` (LMS gradebook import) and ``grades.json`` (everything).

Both only read the results: points, totals and final grades are the numbers
the pipeline stored, never recomputed.  Output is deterministic: rows sorted
by student id, fixed number formatting, JSON keys sorted.  Wall-clock
``seconds`` varies between runs, so it is in the JSON but not in the CSV.
"""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from ..intake import overrides
from . import atomic, lateness
from ..errors import printable
from .text import num

TAIL = ("raw_total", "extra_credit", "possible", "late", "minutes_late", "extension_applied",
        "multiplier", "final", "status", "submitted_at", "time_source", "overrides")


def check_names(results, rubric=None) -> list:
    """Check columns: rubric order first, then any other check in order of appearance."""
    seen = {c.name for r in results for c in r.checks}
    order = [n for n in (getattr(rubric, "checks", None) or {}) if n in seen]
    for r in results:
        order += [c.name for c in r.checks if c.name not in order]
    return order


def _column(name: str) -> str:
    """A check's column name; renamed only if it would clash with a fixed column."""
    return f"check_{name}" if name in TAIL or name in ("student_id", "original_id") else name


FORMULA_STARTS = ("=", "+", "-", "@")


def spreadsheet_safe(cell) -> str:
    """A CSV cell no spreadsheet runs as a formula: text starting with = + - @ or with
    whitespace of any kind (a spreadsheet may drop it and read what follows) gets a
    leading apostrophe (OWASP's CSV-injection advice)."""
    text = str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) or text[:1].isspace() else text


class SafeWriter:
    """csv.writer whose every cell is ``spreadsheet_safe``: every CSV we write uses it."""

    def __init__(self, buf):
        self._out = csv.writer(buf, lineterminator="\n")

    def writerow(self, row):
        self._out.writerow([spreadsheet_safe(c) for c in row])


def csv_text(results, rubric=None) -> str:
    """The gradebook CSV as text: header row, one row per student, sorted by id; the ids
    with hidden characters written out (``errors.printable``; intake already did for
    discovered ones).  ``late`` and ``minutes_late`` are blank when the submission time
    is unknown (neither late nor on time)."""
    checks = check_names(results, rubric)
    buf = io.StringIO()
    out = SafeWriter(buf)
    out.writerow(["student_id", *(_column(n) for n in checks), *TAIL, "original_id"])
    for r in sorted(results, key=lambda r: r.student_id):
        points = {c.name: num(c.score) for c in r.checks}
        out.writerow([printable(r.student_id), *(points.get(n, "") for n in checks),
                      num(r.score), num(r.extra), num(r.possible), lateness.flag(r),
                      "" if lateness.time_unknown(r) else num(lateness.minutes_late(r)),
                      "yes" if lateness.extended(r) else "no",
                      num(lateness.multiplier(r)), num(r.final), r.status,
                      r.submitted_at or "", r.time_source or "", overrides.column(r),
                      printable(r.original_id or r.student_id)])
    return buf.getvalue()


def write_csv(results, path, *, rubric=None) -> Path:
    return atomic.write_text(path, csv_text(results, rubric))


def grades_dict(results, *, rubric=None, problems=(), protections: str = "") -> dict:
    """Everything in one JSON-friendly mapping (non-finite numbers become null)."""
    data = {"rubric": rubric.to_dict() if rubric is not None else None,
            "problems": [str(p) for p in problems],
            "protections": str(protections or ""),
            "students": [student_dict(r)
                         for r in sorted(results, key=lambda r: r.student_id)]}
    return _finite(data)


def student_dict(result) -> dict:
    """One student in grades.json: ``to_dict()`` plus the late verdict in words."""
    d = result.to_dict()
    if d.get("late") is not None:
        d["late"]["explanation"] = lateness.explanation(result.late)
    return d


def json_text(results, **kwargs) -> str:
    data = grades_dict(results, **kwargs)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False,
                      allow_nan=False, default=str) + "\n"


def write_json(results, path, **kwargs) -> Path:
    return atomic.write_text(path, json_text(results, **kwargs))


def _finite(value):
    """NaN/inf -> None (strict JSON); tuples -> lists; recurse into containers."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return _finite(value.tolist())              # numpy scalars and arrays
    return value


def summary_table(results) -> str:
    """Fixed-width end-of-run summary: student, raw, late, final, status."""
    head = ("student", "raw", "late", "final", "status")
    rows = [(printable(r.student_id), num(r.score), lateness.short(r), num(r.final), r.status)
            for r in sorted(results, key=lambda r: r.student_id)]
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(head)]
    right = {1, 3}

    def line(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    out = [line(head), line(["-" * w for w in widths])] + [line(row) for row in rows]
    return "\n".join(out) + "\n"
