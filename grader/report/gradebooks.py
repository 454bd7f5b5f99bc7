"""Gradebook files for the tools a course already keeps its grades in.

* ``canvas_grades.csv``: from the roster the TA exports from Canvas's gradebook
  (``--roster``): Canvas's identity columns as exported (Student, ID, SIS User ID,
  SIS Login ID, Section) and one score column named for the assignment (the
  roster's own column for it when it has one, so Canvas updates that assignment
  instead of creating another).  Every roster student gets a row: 0 for one who
  submitted nothing.  Students graded but not on the roster are listed as problems.
* ``nbgrader_grades.csv``: the columns of nbgrader's own CSV export.

Every cell goes through ``tables.SafeWriter`` (no spreadsheet formulas).  No I/O
but the writes at the end.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..errors import InputError, not_found
from . import atomic, lateness
from .tables import SafeWriter
from .text import num

IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MATCH_ON = ("ID", "SIS User ID", "SIS Login ID")
NBGRADER = ("assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
            "email", "raw_score", "late_submission_penalty", "score", "max_score")


def read_roster(path) -> tuple[list, list]:
    """(the roster's columns, its student rows) from a Canvas gradebook export; the
    'Points Possible' row and Canvas's test student are left out."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            columns = [c.strip() for c in reader.fieldnames or []]
            rows = [{(k or "").strip(): (v or "").strip() for k, v in r.items()} for r in reader]
    except FileNotFoundError:
        raise InputError(not_found(path)) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read the Canvas roster ({type(exc).__name__})") from None
    if not {"Student", "ID"} <= set(columns):
        raise InputError(f"{path}:1: a Canvas gradebook export has columns Student and ID "
                         f"(found: {', '.join(columns[:6]) or 'nothing'})")
    students = [r for r in rows if r.get("Student") and "points possible" not in
                r["Student"].lower() and r["Student"].lower() != "student, test"]
    return columns, students


def _norm(text) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def score_column(columns, assignment: str) -> str:
    """The roster's column for this assignment ('Galaxy classifier (12345)'), else
    the assignment's name (Canvas then creates the assignment on import)."""
    want = _norm(assignment)
    return next((c for c in columns if c not in IDENTITY and want and
                 _norm(re.sub(r"\(\d+\)\s*$", "", c)) == want), assignment)


def canvas_csv(results, columns, roster, assignment) -> tuple[str, list]:
    """(canvas_grades.csv as text, problems: graded students not on the roster)."""
    by_id = {}
    for r in results:
        for key in {r.student_id, r.original_id or r.student_id}:
            by_id.setdefault(key.lower(), r)
    ident = [c for c in IDENTITY if c in columns]
    score = score_column(columns, assignment)
    buf, matched = io.StringIO(), set()
    out = SafeWriter(buf)
    out.writerow([*ident, score])
    for row in roster:
        r = next((by_id[row[c].lower()] for c in MATCH_ON if row.get(c, "").lower() in by_id),
                 None)
        if r is not None:
            matched.add(r.student_id)
        out.writerow([row.get(c, "") for c in ident] + [num(r.final) if r else "0"])
    extra = sorted(r.student_id for r in results if r.student_id not in matched)
    problems = [f"graded but not on the Canvas roster (not in canvas_grades.csv): "
                f"{', '.join(extra[:20])}"] if extra else []
    return buf.getvalue(), problems


def nbgrader_csv(results, rubric) -> str:
    """The columns of ``nbgrader export``'s CSV, one row per student."""
    buf = io.StringIO()
    out = SafeWriter(buf)
    out.writerow(NBGRADER)
    due = rubric.deadline.isoformat() if rubric is not None and rubric.deadline else ""
    for r in sorted(results, key=lambda r: r.student_id):
        penalty = r.score - r.final if lateness.is_late(r) else 0.0
        out.writerow([rubric.assignment if rubric is not None else "", due, r.submitted_at or "",
                      r.original_id or r.student_id, "", "", "", num(r.score), num(penalty),
                      num(r.final), num(r.possible)])
    return buf.getvalue()


def write(results, out: Path, *, rubric, roster=None) -> tuple[dict, list]:
    """Write the gradebooks; ({name: path}, problems).  ``roster``: what
    ``read_roster`` returned (read before grading, so a bad file costs no run)."""
    written = {"nbgrader_grades.csv": atomic.write_text(out / "nbgrader_grades.csv",
                                                         nbgrader_csv(results, rubric))}
    problems = []
    if roster is not None:
        columns, rows = roster
        text, problems = canvas_csv(results, columns, rows, rubric.assignment)
        written["canvas_grades.csv"] = atomic.write_text(out / "canvas_grades.csv", text)
    return written, problems
