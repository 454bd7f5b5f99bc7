"""``grader check``: one notebook, graded the way the TA's run grades it.

Prints each rubric item with pass/fail, the reason and the points at stake.
Probe inputs are never shown.  ``quick`` stops every cell after QUICK_CELL_SECONDS
(a longer training cell is cut short: the notebook is re-run without it) and checks
only the network's pieces, for iterating on parts (b)-(c).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError, printable
from ..graded import QUICK_CELL_SECONDS, grade_one
from ..report import view
from ..run import sandbox
from ..run.notebook import read_notebook


def format_result(result, *, quick=False) -> str:
    """The TA's check of one notebook as text, worded like the feedback pages
    (``report.view``), one row per rubric item in aligned columns."""
    fb = view.build(result)
    how = (f" (--quick: each cell stopped after {QUICK_CELL_SECONDS} s, so long training is "
           "cut short; the network's pieces only)" if quick else "")
    lines = [f"TA's check of {fb.notebook}, graded as `grader grade` grades it{how}"]
    rows = [("PASS" if r.passed else "FAIL", r.label, f"{r.points}/{r.out_of}", r.message)
            for r in fb.rows]
    label = max((len(r[1]) for r in rows), default=0)
    points = max((len(r[2]) for r in rows), default=0)
    lines += [f"  [{mark}] {name:<{label}}  {pts:>{points}}  {message}"
              for mark, name, pts, message in rows]
    lines.append(f"  total {fb.total}")
    if fb.accuracy_line:
        lines.append(f"  {fb.accuracy_line}")
    lines += [f"  note: {n}" for n in fb.notes]
    if quick:
        lines.append("  trained accuracy and the plot are checked without --quick")
    return "\n".join(lines)


def _require_notebook(path: Path) -> None:
    """A file that is no notebook (``grader check README.md``) is the TA's slip: one line
    naming it, before anything runs (a missing one is ``grade_one``'s to say)."""
    nb, why = read_notebook(path) if path.is_file() else (True, "")
    if nb is None:
        raise InputError(f"{printable(path)}: {why}")


def main(*, notebook, rubric=None, data=None, quick=False, allow_unconfined=False) -> int:
    """Self-check ``notebook``; exit status 0 when every item passed.

    notebook: the .ipynb to check; rubric: rubric.yaml (default: course's);
    data: data file (default: the rubric's, else the built-in synthetic set);
    quick: skip long training (each cell stopped after 20 s); allow_unconfined:
    run even where the kernel cannot be confined.
    """
    _require_notebook(Path(notebook))
    result = grade_one(notebook, rubric=rubric, data=data, quick=quick,
                       allow_unconfined=allow_unconfined)
    print(format_result(result, quick=quick))
    print(f"  sandbox: {sandbox.detect_protections().short()}")
    return 0 if all(c.passed for c in result.checks) else 1
