"""``grader grade``: discover -> execute (cached bundles) -> score -> report."""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from reference import data as ref_data

from . import __version__, pipeline, probes, rubric as rubric_mod
from .checks.context import Context
from .run import artifacts, sandbox
from .run.execute import Job
from .run.executor import LocalPoolExecutor
from .submissions import discover


class GradeError(ValueError):
    """A bad input to ``grader grade``; the message is one line."""


def execution_settings(rubric) -> dict:
    """The rubric parts that change what execution produces (the cache key)."""
    return {"names": asdict(rubric.names), "probes": asdict(rubric.probes),
            "timeouts": asdict(rubric.timeouts), "limits": asdict(rubric.limits),
            "data_name": rubric.data.name_in_notebook}


def prepare_batch(rubric, data_override=None):
    """Data file, its digest, probe set and trusted reference answers."""
    data_file = Path(data_override) if data_override else rubric.data_path()
    data_file = ref_data.resolve(data_file).resolve()
    prepared = ref_data.load_prepared(data_file)          # validates; one-line errors
    pset = probes.make(prepared, seed=rubric.probes.seed, n_images=rubric.probes.n_images,
                       batch_size=rubric.probes.batch_size)
    hidden = None
    if rubric.check("hidden_accuracy").enabled and rubric.data.hidden_file:
        hx, hy, _, _ = ref_data.load_prepared(Path(rubric.source).parent / rubric.data.hidden_file)
        hidden = (hx, hy)
    ctx = Context.build(pset, rtol=rubric.probes.rtol, atol=rubric.probes.atol, hidden=hidden)
    return data_file, artifacts.file_digest(data_file), ctx


def make_jobs(subs, rubric, data_file, digest, probe_path, work_dir, hide=()):
    settings = execution_settings(rubric)
    # paths kernels must not see (they are covered inside each kernel's mount namespace)
    hidden = [rubric.source, data_file] + ([Path(rubric.source).parent / rubric.data.hidden_file]
                                           if rubric.data.hidden_file else [])
    hide = sorted({str(Path(h).absolute()) for h in [*hide, *hidden]})
    jobs = {}
    for sub in subs:
        if sub.notebook is None:
            continue
        try:
            raw = Path(sub.notebook).read_bytes()
        except OSError as exc:
            raw = f"unreadable: {exc}".encode()
        key = artifacts.cache_key(raw, digest, settings, __version__)
        jobs[sub.student_id] = Job(
            student_id=sub.student_id, notebook=str(sub.notebook), key=key,
            data_file=str(data_file), data_name=rubric.data.name_in_notebook,
            probe_inputs=str(probe_path), names=asdict(rubric.names),
            timeouts=asdict(rubric.timeouts), limits=asdict(rubric.limits),
            work_dir=str(work_dir), extra={"hide": hide})
    return jobs


def execute_all(jobs, cache: Path | None, workers: int, progress=True) -> dict:
    """Bundles for every job: cached ones reused, the rest run in parallel."""
    bundles, todo = {}, []
    for sid, job in jobs.items():
        cached = artifacts.load(cache, job.key) if cache else None
        if cached is not None:
            bundles[sid] = cached
        else:
            todo.append(job)
    bar = None
    if progress and todo:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), unit="notebook", desc="executing", file=sys.stderr)
    for job, bundle in LocalPoolExecutor(workers).map(todo):
        if cache and bundle.status in ("executed", "invalid"):
            artifacts.save(bundle, cache)          # saved as each finishes: resumable
        bundles[job.student_id] = bundle
        if bar:
            bar.update(1)
            bar.set_postfix_str(job.student_id[:20])
    if bar:
        bar.close()
    return bundles


def _remove_stale_work_dirs():
    """Scratch folders of earlier runs of ours that were killed (their pid is gone)."""
    for old in Path(tempfile.gettempdir()).glob("galaxy-grader-*-*"):
        pid = old.name.split("-")[2]
        try:
            if pid.isdigit() and old.stat().st_uid == os.getuid() and \
                    not Path(f"/proc/{pid}").exists():
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


def execute_submissions(subs, rub, data_file, digest, ctx, *, cache, workers, progress, hide=()):
    """Write the probe inputs to a private work folder and execute every submission."""
    _remove_stale_work_dirs()
    work = Path(tempfile.mkdtemp(prefix=f"galaxy-grader-{os.getpid()}-"))
    os.chmod(work, 0o711)          # sandbox uids must reach their own folders inside
    try:
        probe_path = probes.save(ctx.probes.inputs, work / "probe-inputs.npz")
        os.chmod(probe_path, 0o600)
        job_map = make_jobs(subs, rub, data_file, digest, probe_path, work, hide)
        return execute_all(job_map, cache, workers, progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check_out_dir(out: Path, submissions: Path):
    out_r, sub_r = out.resolve(), submissions.resolve()
    if out_r == sub_r or sub_r in out_r.parents:
        raise GradeError(f"{out}: the output folder must not be inside the submissions folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise GradeError(f"{out}: output folder is not writable ({exc.strerror})") from None


def _keep_previous(out: Path):
    """Move an earlier run's results aside (never overwrite them)."""
    old = out / "grades.csv"
    if not old.exists():
        return
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(old.stat().st_mtime))
    dest = out / "previous" / stamp
    n = 1
    while dest.exists():
        dest = out / "previous" / f"{stamp}-{n}"
        n += 1
    dest.mkdir(parents=True)
    for name in ("grades.csv", "grades.json", "feedback", "class_report.html", "class"):
        if (out / name).exists():
            shutil.move(str(out / name), str(dest / name))


def _execution_summary(bundles) -> dict:
    """Where execution time went and the peak memory of workers and kernels."""
    ran = [b for b in bundles if b is not None and b.cells]
    cells = sum(c.get("seconds", 0) for b in ran for c in b.cells)
    peak = lambda k: max((b.stats.get(k, 0) for b in ran), default=0)   # noqa: E731
    total = lambda k: round(sum(b.stats.get(k, 0) for b in ran), 3)   # noqa: E731
    return {"notebooks_run": len(ran), "student_cells_s": round(cells, 3),
            "notebook_s": round(sum(b.seconds for b in ran), 3),
            **{k: total(k) for k in ("kernel_start_s", "capture_setup_s", "probe_s")},
            "worker_peak_mb": peak("worker_peak_mb"), "kernel_peak_mb": peak("kernel_peak_mb")}


def main(*, submissions, out="grading-output", rubric=None, data=None, manifest=None,
         assignment=None, jobs=None, cache=None, progress=True) -> int:
    """Grade every notebook under ``submissions``.

    submissions: folder in any supported layout; out: output folder (never
    inside submissions); rubric: rubric.yaml (default: the course's); data:
    data file overriding the rubric's; manifest: CSV of submission times;
    jobs: parallel kernels (default: CPU count); cache: bundle cache folder
    (default: <out>/cache).  Returns 0 when every notebook was graded.
    """
    t0 = time.monotonic()
    submissions, out = Path(submissions), Path(out)
    rub = rubric_mod.load(rubric)
    found = discover(submissions, manifest=Path(manifest) if manifest else None,
                     assignment=assignment)
    _check_out_dir(out, submissions)
    cache = Path(cache) if cache else out / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    data_file, digest, ctx = prepare_batch(rub, data)
    t1 = time.monotonic()
    bundles = execute_submissions(found.submissions, rub, data_file, digest, ctx, cache=cache,
                                  workers=jobs or os.cpu_count() or 1, progress=progress,
                                  hide=(submissions, out, cache))
    t2 = time.monotonic()
    results = [pipeline.score(s, bundles.get(s.student_id), ctx, rub) for s in found.submissions]
    for r in results:       # a file name that is not UTF-8 is shown escaped in the reports
        r.notebook = os.fsencode(r.notebook).decode("utf-8", "backslashreplace")
    from . import report
    _keep_previous(out)
    report.write_all(results, out, rubric=rub, problems=list(found.problems),
                     protections=sandbox.detect_protections().describe())
    t3 = time.monotonic()
    report.atomic.write_text(out / "timings.json", json.dumps(
        {"setup_s": round(t1 - t0, 3), "execute_s": round(t2 - t1, 3),
         "score_and_report_s": round(t3 - t2, 3), "total_s": round(t3 - t0, 3),
         "workers": jobs or os.cpu_count(), **_execution_summary(bundles.values())},
        indent=1))
    print(report.summary_table(results))
    for p in found.problems:
        print(f"note: {p}")
    print(f"results written to {out}/ (grades.csv, grades.json, feedback/, class_report.html)")
    return 0 if all(r.status == "graded" for r in results) else 1
