"""``grader grade``: check the inputs, ``grade()`` the batch (discover -> execute with
the bundle cache -> score), ``report.write()`` every output, print the summary."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .. import rubric as rubric_mod
from ..errors import InputError
from ..graded import Batch, Graded, Options, engine, grade

__all__ = ["main", "grade", "Batch", "Options", "Graded"]


def _check_out_dir(out: Path, submissions: Path):
    out_r, sub_r = out.resolve(), submissions.resolve()
    if out_r == sub_r or sub_r in out_r.parents:
        raise InputError(f"{out}: the output folder must not be inside the submissions folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise InputError(f"{out}: output folder is not writable ({exc.strerror})") from None


def main(*, submissions, out="grading-output", rubric=None, data=None, manifest=None,
         assignment=None, jobs=None, cache=None, progress=True, allow_unconfined=False,
         file_times=False, overrides=None, force=False, students=(), roster=None,
         scheduler=None, canvas_column=None) -> int:
    """Grade every notebook under ``submissions``.

    submissions: folder in any supported layout; out: output folder (never
    inside submissions); rubric: rubric.yaml (default: the course's); data:
    data file overriding the rubric's; manifest: CSV of submission times;
    jobs: parallel kernels (default: CPU count); cache: bundle cache folder
    (default: <out>/cache); allow_unconfined: grade even where kernels cannot
    be confined (every report says so); file_times: a notebook's modification
    time stands in when nothing else gives its submission time (otherwise the
    time is unknown: no penalty, listed for review); overrides: the TA's
    overrides file (default: overrides.yaml beside the rubric, when present);
    force: re-execute every notebook instead of reusing the cache; students:
    re-execute only these and re-score everyone else from the cache, so their
    grades merge into the class's (everyone else must have been graded before);
    roster: Canvas gradebook export, for canvas_grades.csv; canvas_column: the
    roster's column for this assignment (default: the one named like the rubric's
    assignment, else the only one; ``gradebooks``' docstring); scheduler: a
    dask.distributed scheduler's address (or scheduler file) whose workers run the
    notebooks instead of local processes (docs/cluster.md).
    Returns 0 when every notebook was graded.
    """
    submissions, out = Path(submissions), Path(out)
    if canvas_column and not roster:
        raise InputError("--canvas-column names a column of the Canvas roster: give --roster too")
    rub = rubric_mod.load(rubric)           # every input is checked before anything runs
    options = Options(data=data, cache=Path(cache) if cache else out / "cache", jobs=jobs,
                      scheduler=scheduler, progress=progress,
                      allow_unconfined=allow_unconfined, force=force)
    where = engine(options)                 # a machine that cannot confine stops here
    if where.warning:
        print(f"warning: {where.warning}", file=sys.stderr)
    if where.sandbox:
        print(f"sandbox: {where.sandbox}")
    batch = Batch.find(submissions, rub, manifest=manifest, assignment=assignment,
                       file_times=file_times, overrides=overrides, students=students)
    from .. import report
    canvas_roster = report.gradebooks.read_roster(roster, assignment=rub.assignment,
                                                  column=canvas_column) if roster else None
    _check_out_dir(out, submissions)
    graded = grade(batch, options, where=where)
    written = report.write(graded, out, roster=canvas_roster)
    print(summary(graded, written, out))
    return 0 if all(r.status == "graded" for r in graded.results) else 1


def what_happened(graded: Graded) -> str:
    """One line: how many were graded, how each notebook's run was had (read from the
    cache, executed now, or the run of another student's identical notebook) and the
    TA's overrides applied: '7 graded: 6 from cache, 1 executed; 1 override applied'."""
    results = graded.results
    done = sum(r.status == "graded" for r in results)
    line = f"{done} graded" + (f", {len(results) - done} not graded"
                               if done < len(results) else "")
    seen, cached, executed, shared = set(), 0, 0, 0
    for b in (graded.bundles.get(s.student_id) for s in graded.submissions):
        if b is not None and id(b) in seen:
            shared += 1
        elif b is not None:
            seen.add(id(b))
            cached += b.cached
            executed += bool(b.cells) and not b.cached      # a kernel ran it now
    if seen:
        line += f": {cached} from cache, {executed} executed" + (
            f", {shared} identical to another's notebook (graded from its run)" if shared else "")
    overrides = sum("override" in c.details for r in results for c in r.checks)
    if overrides:
        line += f"; {overrides} override{'s' if overrides > 1 else ''} applied"
    return line


def summary(graded: Graded, written, out: Path) -> str:
    """What the console shows after a run: the table, notes, where the results are."""
    from .. import report
    lines = [report.summary_table(graded.results), what_happened(graded)]
    lines += [f"note: {p}" for p in [*graded.problems, *written.problems]]
    lines.append(f"results written to {out}/ (grades.csv, grades.json, feedback/, "
                 f"class_report.html, integrity.html, {', '.join(written.gradebooks)})")
    return "\n".join(lines)
