"""Gradebook files for the tools a course already keeps its grades in.

* ``canvas_grades.csv``: from the roster the TA exports from Canvas's gradebook
  (``--roster``): Canvas's identity columns as exported (Student, ID, SIS User ID,
  SIS Login ID or Login ID, Section) and one score column, the roster's own column
  for the assignment (``Homework 3: Galaxy Classifier (884211)``), so Canvas fills
  that assignment instead of creating another.  The column is ``--canvas-column``
  when given (a column the roster does not have is an error), else the assignment
  column (a header ending in ``(<assignment id>)``) named like the rubric's
  assignment (case and punctuation aside: exactly, else the one containing it), else
  the roster's only assignment column; several candidates and no match is an error
  naming them.  A roster with no assignment column gets one named for the assignment
  (Canvas then creates it on import; listed as a problem).
  Students are matched to roster rows by, in this order: the SIS Login ID (or Login
  ID; an e-mail login also by the part before ``@``), the SIS User ID, the Canvas
  user ID (the ``ID`` column), then the user id at the end of a ``login_userid`` id
  (how Canvas's bulk download names a student: ``smithbob_23456``); each compared,
  case aside, with the grader's student id and the id the platform gave.  A kind of
  id is tried for every row before the next kind, and a student fills one row.
  Every roster student gets a row: 0 for one who submitted nothing.  Students graded
  but not on the roster are listed as problems.
* ``nbgrader_grades.csv``: the columns of nbgrader's own CSV export.

Every cell goes through ``tables.SafeWriter`` (no spreadsheet formulas).  No I/O
but the reading of the roster and the writes at the end.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError, not_found, printable
from . import atomic, lateness
from .tables import SafeWriter
from .text import num

IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Login ID", "Integration ID",
            "Root Account", "Section")
LOGINS = ("SIS Login ID", "Login ID")
ASSIGNMENT_COLUMN = re.compile(r"(?P<name>.*?)\s*\((?P<id>\d+)\)\s*")
USER_ID_AT_END = re.compile(r".+_(\d+)")
NBGRADER = ("assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
            "email", "raw_score", "late_submission_penalty", "score", "max_score")


class Roster(NamedTuple):
    """A Canvas gradebook export: its columns, its student rows and the column
    canvas_grades.csv fills (``score``)."""
    columns: list
    students: list
    score: str


def read_roster(path, *, assignment: str = "", column: str | None = None) -> Roster:
    """The Canvas gradebook export at ``path``, the 'Points Possible' row and Canvas's
    test student left out, with the column for ``assignment`` (``column``: the TA's
    choice, ``--canvas-column``).  InputError (one line) when the file is not such an
    export or the column cannot be settled."""
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
    students = [r for r in rows if r.get("Student") and r.get("ID") and "points possible"
                not in r["Student"].lower() and r["Student"].lower() != "student, test"]
    return Roster(columns, students, score_column(columns, assignment, column, where=path))


def _norm(text) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def assignment_columns(columns) -> list:
    """The roster's assignment columns: Canvas names each ``<name> (<assignment id>)``."""
    return [c for c in columns if c not in IDENTITY and ASSIGNMENT_COLUMN.fullmatch(c)]


def _listed(columns) -> str:
    shown = ", ".join(f'"{printable(c)}"' for c in columns[:8])
    return shown + (f" and {len(columns) - 8} more" if len(columns) > 8 else "")


def score_column(columns, assignment: str, wanted: str | None = None, *,
                 where="the roster") -> str:
    """The column canvas_grades.csv fills: ``wanted`` (``--canvas-column``: one of the
    assignment columns, as written or case and punctuation aside), else the
    assignment column named like ``assignment`` (exactly, else the one containing its
    name; case and punctuation aside), else the only assignment column, else (no
    assignment column at all) ``assignment`` itself.  InputError otherwise."""
    cols = assignment_columns(columns)
    if wanted:
        hit = [c for c in cols if c == wanted.strip()] or \
            [c for c in cols if _norm(c) == _norm(wanted)]
        if len(hit) == 1:
            return hit[0]
        raise InputError(f'--canvas-column "{printable(wanted)}": not an assignment column '
                         f"of {where} (its assignment columns: {_listed(cols) or 'none'})")
    if not cols:
        return assignment
    want = _norm(assignment)
    name = lambda c: _norm(ASSIGNMENT_COLUMN.fullmatch(c)["name"])  # noqa: E731
    same = [c for c in cols if want and name(c) == want]
    within = [c for c in cols if want and want in name(c)]
    for found in (same, within, cols):
        if len(found) == 1:
            return found[0]
        if found:
            raise InputError(f"{where}: {len(found)} assignment columns could be "
                             f"{printable(assignment) or 'this assignment'}'s "
                             f"({_listed(found)}); choose one with --canvas-column \"NAME (ID)\"")
    return assignment


def _ids(result) -> set:
    return {i.lower() for i in (result.student_id, result.original_id or "") if i}


def _keys(row, kind) -> list:
    """The roster row's ids of one kind, lower case, in the order they are tried."""
    if kind == "login":
        logins = [row.get(c, "").lower() for c in LOGINS if row.get(c)]
        return logins + [x.split("@")[0] for x in logins if "@" in x and x.split("@")[0]]
    return [row.get(kind, "").lower()] if row.get(kind) else []


def match_roster(results, students) -> dict:
    """{index of a roster row: the result filling it}: by login, SIS User ID, Canvas
    user ID, then the user id ending a ``login_userid`` id (the module's docstring)."""
    index, tail = {}, {}
    for r in results:
        for key in _ids(r):
            index.setdefault(key, r)
            m = USER_ID_AT_END.fullmatch(key)
            if m:
                tail.setdefault(m[1], r)
    matched, used = {}, set()
    for kind, table in (("login", index), ("SIS User ID", index), ("ID", index), ("ID", tail)):
        for i, row in enumerate(students):
            if i in matched:
                continue
            r = next((table[k] for k in _keys(row, kind)
                      if k in table and id(table[k]) not in used), None)
            if r is not None:
                matched[i] = r
                used.add(id(r))
    return matched


def canvas_csv(results, roster: Roster) -> tuple[str, list]:
    """(canvas_grades.csv as text, problems: graded students not on the roster, a
    roster without the assignment's column)."""
    columns, students, score = roster
    ident = [c for c in columns if c in IDENTITY]
    matched = match_roster(results, students)
    buf = io.StringIO()
    out = SafeWriter(buf)
    out.writerow([*ident, score])
    for i, row in enumerate(students):
        r = matched.get(i)
        out.writerow([row.get(c, "") for c in ident] + [num(r.final) if r else "0"])
    on = {id(r) for r in matched.values()}
    extra = sorted(r.student_id for r in results if id(r) not in on)
    problems = [f"graded but not on the Canvas roster (not in canvas_grades.csv): "
                f"{', '.join(extra[:20])}"] if extra else []
    if score not in columns:
        problems.append(f"the Canvas roster has no assignment column: canvas_grades.csv's "
                        f"column \"{printable(score)}\" makes Canvas create a new assignment "
                        f"on import")
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
        text, problems = canvas_csv(results, roster)
        written["canvas_grades.csv"] = atomic.write_text(out / "canvas_grades.csv", text)
    return written, problems
