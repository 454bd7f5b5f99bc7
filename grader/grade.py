"""``grader grade``: discover -> execute (the batch engine, cached bundles) -> score -> report."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from . import batch, pipeline, rubric as rubric_mod
from .checks import reference_curves
from .errors import InputError, printable
from .run import sandbox
from .run.execute import own_peak_mb
from . import intake


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
         scheduler=None) -> int:
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
    roster: Canvas gradebook export, for canvas_grades.csv; scheduler: a
    dask.distributed scheduler's address (or scheduler file) whose workers run the
    notebooks instead of local processes (docs/cluster.md).
    Returns 0 when every notebook was graded.
    """
    t0, trained = time.monotonic(), reference_curves.training_seconds()
    submissions, out = Path(submissions), Path(out)
    rub = rubric_mod.load(rubric)
    if scheduler is None:        # else the workers' confinement is tested on a worker
        protections = batch.require_confinement(allow_unconfined)
        if not sandbox.detect_protections().confined:
            print(f"warning: {protections}", file=sys.stderr)
        print(f"sandbox: {sandbox.detect_protections().short()}")
    found = intake.find(submissions, rub, manifest=manifest, assignment=assignment,
                        file_times=file_times)
    ta_overrides = intake.overrides_for(found, rub, overrides)
    rerun = intake.selected(found, students) if students else set()
    from .report.gradebooks import read_roster
    canvas_roster = read_roster(roster) if roster else None      # a bad file stops us here
    _check_out_dir(out, submissions)
    cache = Path(cache) if cache else out / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    client = None
    if scheduler:                  # dask.distributed is imported only for a cluster run
        from .run import cluster
        client = cluster.connect(scheduler)
    try:
        data_file, digest, ctx = batch.prepare_batch(rub, data, curve_dir=cache / "curves")
        t1 = time.monotonic()
        bundles = batch.execute_submissions(
            found.submissions, rub, data_file, digest, ctx, cache=cache,
            workers=jobs or os.cpu_count() or 1, progress=progress,
            rerun=True if force else rerun, only_rerun=bool(students), client=client,
            allow_unconfined=allow_unconfined)
    finally:
        if client is not None:
            client.close()
    t2 = time.monotonic()
    if scheduler is None:
        confined = sandbox.detect_protections().confined
    else:
        protections, confined = batch.protections_of(bundles.values())
    results = [pipeline.score(s, bundles.get(s.student_id), ctx, rub, overrides=ta_overrides)
               for s in found.submissions]
    if not confined:
        for r in results:          # every student's report says the run was unconfined
            r.notes.insert(0, protections)
    for r in results:       # a file name shown escaped: not UTF-8, controls, bidi
        r.notebook = printable(r.notebook)
    t_scored = time.monotonic()
    from . import report
    from .report import integrity as integrity_report
    from .report import publish
    with publish.staged(out) as stage:          # all outputs, or none (the previous stay)
        books, roster_problems = report.gradebooks.write(results, stage, rubric=rub,
                                                         roster=canvas_roster)
        problems = list(found.problems) + intake.unknown_times(found.submissions) + \
            roster_problems
        report.write_all(results, stage, rubric=rub, problems=problems,
                         protections=protections)
        integrity_report.write(found.submissions, results, bundles, ctx, rub, stage)
        t3 = time.monotonic()
        report.atomic.write_text(stage / "timings.json", json.dumps(
            {"setup_s": round(t1 - t0, 3), "execute_s": round(t2 - t1, 3),
             "score_s": round(t_scored - t2, 3),
             "score_and_report_s": round(t3 - t2, 3), "total_s": round(t3 - t0, 3),
             "reference_curves_s": round(reference_curves.training_seconds() - trained, 3),
             "workers": jobs or os.cpu_count(), "engine": scheduler or "local",
             "grader_peak_mb": own_peak_mb(),
             "sandbox": batch.sandbox_of(bundles.values()),
             "shared_runs": batch.shared_runs(bundles),
             **batch.execution_summary(bundles.values())},
            indent=1))
        publish.publish(stage, out)
    print(report.summary_table(results))
    if batch.shared_runs(bundles):
        print(f"note: {batch.shared_runs(bundles)} notebook(s) identical to another student's "
              f"were executed once and graded from that run")
    for p in problems:
        print(f"note: {p}")
    print(f"results written to {out}/ (grades.csv, grades.json, feedback/, class_report.html, "
          f"integrity.html, {', '.join(sorted(books))})")
    return 0 if all(r.status == "graded" for r in results) else 1
