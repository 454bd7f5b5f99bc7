"""``grader gradescope``: grade one submission inside Gradescope's container.

Reads Gradescope's ``submission_metadata.json`` beside the submission folder: the
student's id (``users[]``: sid, else the email's local part, else Gradescope's user
id), so the rubric's per-student extensions apply; ``created_at``; and the
assignment's own ``due_date``, which replaces the rubric's deadline.  Reads the
submission folder as ``grader grade`` reads a student's (``submissions.read_submission``:
the notebook named like the assignment, else the newest; a link leading out of the
submission refused, the reason shown to the student), grades it through the same
facade (``graded.grade_one``: a batch of one) and writes ``results.json``.
Whatever fails, ``results.json`` is written: score 0 and the reason in one line.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import GraderError, InputError, not_found, printable
from ..graded import grade_one
from ..intake.platforms import submitter_id
from ..report.gradescope import write_failure_json, write_results_json
from ..run.protections import detect_protections
from ..student_notebook import DEFAULT_NAME
from ..intake.submissions import Submission, read_submission
from ..intake.times import parse_time

METADATA = "submission_metadata.json"
# what a student reads when the grader itself could not grade (the reason is in the
# autograder's output, which results.json keeps hidden from students)
STAFF_ONLY = ("grading failed on the grader's side, not because of your notebook; your "
              "course staff can see the reason in the autograder output")


@dataclass(frozen=True)
class Metadata:
    student_id: str | None = None
    created_at: object = None          # aware datetime or None
    due_date: object = None
    notes: tuple = ()


def read_metadata(path: Path) -> Metadata:
    """What Gradescope says about this submission; a missing file says nothing."""
    if not path.exists():
        return Metadata()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        users = [u for u in doc.get("users") or [] if isinstance(u, dict)]
        due = (doc.get("assignment") or {}).get("due_date")
        created = doc.get("created_at")
        return Metadata(student_id=_user_id(users[0]) if users else None,
                        created_at=parse_time(created) if created else None,
                        due_date=parse_time(due) if due else None,
                        notes=(f"group submission by "
                               f"{printable(', '.join(_user_id(u) for u in users))}",)
                        if len(users) > 1 else ())
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: cannot read Gradescope's metadata ({type(exc).__name__}: "
                         f"{str(exc)[:120]})") from None


def _user_id(user: dict) -> str:
    return submitter_id(user, str(user.get("id", "student")))


def find_notebook(folder: Path) -> Submission:
    """The submission in ``folder`` with the notebook to grade (the one named like the
    assignment, else the newest; not checkpoints) and notes on what else was there;
    InputError saying why when there is nothing to grade."""
    if not folder.is_dir():
        raise InputError(not_found(folder, folder=True))
    found = read_submission(folder, prefer=(DEFAULT_NAME,))
    if found.notebook is None:
        raise InputError(f"nothing to grade in your submission: {'; '.join(found.notes)}")
    return found


def main(*, submission, results, rubric=None, data=None, allow_unconfined=False) -> int:
    """Grade the notebook in ``submission``; always write ``results`` JSON.

    submission: Gradescope's submission folder; results: path of results.json;
    rubric/data: as for ``grader grade``.
    """
    folder, out = Path(submission), Path(results)
    try:                              # what is wrong with the submission: the student sees it
        found = find_notebook(folder)
    except GraderError as exc:
        write_failure_json(str(exc), out)
        print(f"wrote {out}: 0 points ({exc})")
        raise
    try:                              # what is wrong with the grader's set-up: only the staff
        meta = read_metadata(folder.parent / METADATA)
        result = grade_one(found.notebook, rubric=rubric, data=data,
                           submitted_at=meta.created_at, student_id=meta.student_id,
                           deadline=meta.due_date,
                           time_source=METADATA if meta.created_at else "none",
                           allow_unconfined=allow_unconfined)
    except Exception as exc:          # the student still gets results.json
        write_failure_json(STAFF_ONLY, out)
        print(f"wrote {out}: 0 points; not graded because: {type(exc).__name__}: {exc}")
        raise
    result.notes.extend(found.notes + meta.notes)
    write_results_json(result, out, sandbox=detect_protections().short())
    print(f"wrote {out}: {result.final:g} points")
    return 0
