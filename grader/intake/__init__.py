"""What a TA hands the grader, read before anything runs: the submissions with their
times (in the course's zone, trusted sources first) and the TA's overrides.  Shared
by ``grader grade`` and ``grader list`` so both see exactly the same batch."""
from __future__ import annotations

from pathlib import Path

from . import overrides as ov
from ..student_notebook import DEFAULT_NAME
from ..errors import InputError
from .submissions import discover


def find(submissions, rub, *, manifest=None, assignment=None, file_times=False):
    """The Discovery of ``submissions`` under the rubric's course zone, grading the
    notebook named like the assignment where a folder holds several."""
    return discover(Path(submissions), manifest=Path(manifest) if manifest else None,
                    assignment=assignment, default_assignment=rub.assignment,
                    default_tz=rub.local_zone(), file_times=file_times,
                    prefer=(DEFAULT_NAME, f"{rub.assignment}.ipynb",
                            f"{assignment}.ipynb" if assignment else DEFAULT_NAME))


def overrides_for(found, rub, path=None) -> dict:
    """The TA's overrides (``path``, else overrides.yaml beside the rubric), checked
    against the batch's students."""
    path = Path(path) if path else ov.default_path(rub)
    loaded = ov.load(path, rubric=rub) if path else {}
    if loaded:
        ov.require_known_students(loaded, [s.student_id for s in found.submissions], path)
    return loaded


def selected(found, students) -> set:
    """The student ids ``--student`` names, as the batch spells them; an id the
    batch does not have is a one-line error."""
    by_lower = {s.student_id.lower(): s.student_id for s in found.submissions}
    missing = [s for s in students if s.lower() not in by_lower]
    if missing:
        raise InputError(f"--student {missing[0]}: no submission with that id "
                         f"(ids: {', '.join(sorted(by_lower.values())[:8])} ...)")
    return {by_lower[s.lower()] for s in students}


def unknown_times(subs) -> list:
    """The batch-level line listing notebooks whose submission time nothing gave."""
    unknown = sorted(s.student_id for s in subs if s.notebook and s.submitted_at is None)
    if not unknown:
        return []
    shown = ", ".join(unknown[:20]) + (f" and {len(unknown) - 20} more" if len(unknown) > 20 else "")
    return [f"submission time unknown for {len(unknown)} student(s), graded without a late "
            f"penalty; review them (a --manifest CSV, or --file-times): {shown}"]
