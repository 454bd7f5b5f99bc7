"""``grader list``: the batch as ``grader grade`` would see it, with nothing executed.

One row per student: the notebook chosen, the submission time, where that time came
from, whether it is late under the rubric, and the notes discovery made (several
notebooks, an ignored timestamp, a duplicate id); then the batch's problems.  Run it
before grading to catch a wrong layout, a zone or a missing manifest row.
"""
from __future__ import annotations

import os

from .. import intake, rubric as rubric_mod
from ..errors import printable
from ..report.text import clip

COLUMNS = ("student", "notebook", "submitted", "source", "late", "notes")


def rows(found, rub, root) -> list:
    """(student, notebook, submitted, source, late, notes) per submission, as text."""
    out = []
    for s in found.submissions:
        late = rub.assess_late(s)
        verdict = ("unknown" if s.submitted_at is None else
                   "yes" if late.late else "no") + (" (extension)" if late.extension_applied else "")
        nb = printable(os.path.relpath(s.notebook, root)) if s.notebook else "-"
        out.append((s.student_id, nb, s.submitted_at.isoformat() if s.submitted_at else "-",
                    s.time_source, verdict, clip("; ".join(s.notes), 200) or "-"))
    return out


def table(rows_) -> str:
    widths = [max(len(str(r[i])) for r in [COLUMNS, *rows_]) for i in range(len(COLUMNS))]
    widths[-1] = 0
    line = lambda r: "  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(COLUMNS), *(line(r) for r in rows_)])


def main(*, submissions, rubric=None, manifest=None, assignment=None, file_times=False) -> int:
    """Print the batch; returns 0 when every student has a notebook and a time."""
    rub = rubric_mod.load(rubric)
    found = intake.find(submissions, rub, manifest=manifest, assignment=assignment,
                        file_times=file_times)
    listed = rows(found, rub, submissions)
    print(f"layout: {found.layout}; {len(listed)} student(s); deadline "
          f"{rub.deadline.isoformat() if rub.deadline else 'none'}")
    print(table(listed))
    _, named = intake.overrides_for(found, rub)     # a typo'd extension or override stops here
    for p in list(found.problems) + intake.unknown_times(found.submissions) + named:
        print(f"note: {p}")
    ok = all(s.notebook and s.submitted_at for s in found.submissions)
    return 0 if ok and found.submissions else 1
