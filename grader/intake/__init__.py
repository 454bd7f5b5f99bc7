"""What a TA hands the grader, read before anything runs: the submissions with their
times (in the course's zone, trusted sources first) and the TA's overrides.  Shared
by ``grader grade`` and ``grader list`` so both see exactly the same batch."""
from __future__ import annotations

import difflib
import re
from pathlib import Path

from . import overrides as ov
from ..student_notebook import DEFAULT_NAME
from ..errors import InputError, printable
from .submissions import discover


def find(submissions, rub, *, manifest=None, assignment=None, file_times=False):
    """The Discovery of ``submissions`` under the rubric's course zone, grading the
    notebook named like the assignment where a folder holds several."""
    return discover(Path(submissions), manifest=Path(manifest) if manifest else None,
                    assignment=assignment, default_assignment=rub.assignment,
                    default_tz=rub.local_zone(), file_times=file_times,
                    prefer=(DEFAULT_NAME, f"{rub.assignment}.ipynb",
                            f"{assignment}.ipynb" if assignment else DEFAULT_NAME))


def overrides_for(found, rub, path=None) -> tuple[dict, list]:
    """The TA's overrides (``path``, else overrides.yaml beside the rubric) and the
    rubric's extensions, checked against the batch's students: (overrides, notes).

    Both files must name students of this batch.  A name that is not one but is close
    to one (``late_with_extenson``: see ``named``) is a typo: a one-line InputError
    with "did you mean".  Names far from every id in the batch are taken for students
    of another folder (a subset regrade, the rest of the class): a note lists them and
    nothing is applied to them."""
    path = Path(path) if path else ov.default_path(rub)
    loaded = ov.load(path, rubric=rub) if path else {}
    ids = [s.student_id for s in found.submissions]
    notes = named(list(rub.extensions), ids, f"{rub.source}: extensions")
    if loaded:
        notes += named(list(loaded), ids, str(path))
    return loaded, notes


def named(names, student_ids, where: str) -> list:
    """Check the student ids a TA's file ``names`` against the batch's (case aside).
    An absent name whose closest batch id is a near miss (difflib ratio >= 0.85, the id
    not named by the file itself, the two differing in more than digits: ``s01`` and
    ``s02`` are two students) raises InputError naming ``where``, the name and the id
    meant; the other absent names come back as one note line (or [] when none)."""
    present = {s.lower(): s for s in student_ids}
    mine = {str(n).lower() for n in names}
    candidates = [k for k in present if k not in mine]
    absent = []
    for name in names:
        key = str(name).lower()
        if key in present:
            continue
        for near in difflib.get_close_matches(key, candidates, n=3, cutoff=NEAR_MISS):
            if re.sub(r"\d+", "", near) != re.sub(r"\d+", "", key):
                raise InputError(f"{printable(where)}: {printable(name)!r} is not a student "
                                 f"of this batch; did you mean {printable(present[near])!r}?")
        absent.append(printable(name))
    if not absent:
        return []
    shown = ", ".join(absent[:20]) + (f" and {len(absent) - 20} more" if absent[20:] else "")
    return [f"{printable(where)} names {len(absent)} student(s) not in this batch (a subset "
            f"regrade or another folder), not applied: {shown}"]


NEAR_MISS = 0.85          # difflib ratio from which an absent id is a typo of a present one


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
