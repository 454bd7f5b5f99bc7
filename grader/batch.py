"""The batch engine every verb shares: prepare (data, held-back galaxies, probe
inputs, reference answers), make jobs, test the sandbox, run the jobs on an
executor, collect the bundles (cached, resumable).

``grader grade``, ``grader check`` and ``grader gradescope`` are thin verbs
over it.
"""
from __future__ import annotations

import os
import sys
from dataclasses import asdict
from pathlib import Path

from . import __version__, datafiles, heldback, probes
from .checks import context
from .checks.context import Context
from .errors import InputError, data_errors
from .run import artifacts, compact, sandbox, scratch, uids
from .run.artifacts import Bundle
from .run.execute import Job
from .run.executor import LocalPoolExecutor, SerialExecutor
from .run.protections import Protections


def execution_settings(rubric, seed: int) -> dict:
    """The rubric parts that change what execution produces (the cache key)."""
    return {"names": asdict(rubric.names), "probes": {**asdict(rubric.probes), "seed": seed},
            "timeouts": asdict(rubric.timeouts), "limits": asdict(rubric.limits),
            "data_name": rubric.data.name_in_notebook}


def prepare_batch(rubric, data_override=None, curve_dir=None):
    """The data file the kernels get, its digest, and the trusted context: probe
    inputs and reference answers, and the held-back galaxies (heldback.py);
    ``curve_dir``: where the learning-rate diagnosis keeps its reference curves."""
    context.use_compile_cache()
    seed = heldback.batch_seed(rubric.probes.seed)
    source = Path(data_override) if data_override else rubric.data_path()
    hidden_file = (Path(rubric.source).parent / rubric.data.hidden_file
                   if rubric.data.hidden_file else None)
    with data_errors():
        data_file, hidden, how = heldback.kernel_data_and_hidden(
            source, hidden_file=hidden_file, fraction=rubric.data.hidden_fraction, seed=seed)
        prepared = datafiles.load_prepared(data_file)      # validates; one-line errors
    pset = probes.make(prepared, seed=seed, n_images=rubric.probes.n_images,
                       batch_size=rubric.probes.batch_size)
    ctx = Context.build(pset, rtol=rubric.probes.rtol, atol=rubric.probes.atol, hidden=hidden,
                        hidden_source=how, seed=seed)
    ctx.data_digest = digest = artifacts.file_digest(data_file)
    ctx.curve_dir = str(curve_dir) if curve_dir else None
    return data_file, digest, ctx


def make_jobs(subs, rubric, data_file, digest, probe_path, work_dir, seed):
    settings = execution_settings(rubric, seed)
    extra = {"uid_pool": uids.reserve_pool(), "sketch_seed": compact.sketch_seed(seed)}
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
            work_dir=str(work_dir), extra=extra)
    return jobs


def execute_all(jobs, cache: Path | None, workers: int, progress=True, rerun=(),
                executor=None, on_ready=None) -> dict:
    """Bundles for every job: cached ones reused (except for the students in
    ``rerun``, or everyone when it is True), the rest run in parallel on
    ``executor`` (default: ``workers`` local processes).  Jobs with one cache key
    (identical notebooks: a resubmission, a copy) are executed once and share the
    bundle.  ``on_ready(student_ids, bundle)``, when given, is called in this thread
    as each bundle is ready (cached ones once the workers are busy), so the grader
    scores while kernels still run."""
    by_key, todo, students = {}, {}, {}
    for sid, job in jobs.items():
        students.setdefault(job.key, []).append(sid)
        again = rerun is True or sid in rerun
        if job.key in by_key or job.key in todo:
            continue
        cached = artifacts.load(cache, job.key) if cache and not again else None
        if cached is not None:
            by_key[job.key] = cached
        else:
            todo[job.key] = job
    waiting = list(by_key)                      # cached: handed over once kernels run

    def ready(keys):
        for key in keys:
            if on_ready is not None:
                on_ready(students[key], by_key[key])
    bar = None
    if progress and todo:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), unit="notebook", desc="executing", file=sys.stderr)
    for job, bundle in (executor or LocalPoolExecutor(workers)).map(list(todo.values())):
        if cache and bundle.status in ("executed", "invalid"):
            artifacts.save(bundle, cache)          # saved as each finishes: resumable
        by_key[job.key] = bundle
        if bar:
            bar.update(1)
            bar.set_postfix_str(job.student_id[:20])
        ready([job.key] + waiting)
        waiting = []
    if bar:
        bar.close()
    ready(waiting)
    return {sid: by_key[job.key] for sid, job in jobs.items()}


def shared_runs(bundles: dict) -> int:
    """How many students' bundles are another student's (identical notebooks)."""
    return len(bundles) - len({id(b) for b in bundles.values()})


SELFTEST_CELL = "import numpy\nwith open({name!r}, 'rb') as fh:\n    fh.read(16)\n"


def require_confinement(allow_unconfined: bool, workers: dict | None = None) -> str:
    """The protections line for reports; refuses to go on unconfined unless allowed.
    ``workers``: the protections a cluster worker recorded (else this machine's)."""
    prot = sandbox.detect_protections() if workers is None else Protections(**workers)
    if not prot.confined and not allow_unconfined:
        raise InputError(
            f"kernels cannot be confined on this machine ({prot.why_unconfined}): students "
            f"could read the answer key (docs/security.md); pass --allow-unconfined to grade "
            f"anyway" if workers is None else
            f"the cluster's workers cannot confine kernels ({prot.why_unconfined}): "
            f"docs/cluster.md says how to run them, or pass --allow-unconfined to grade anyway")
    return prot.describe()


def self_test(rub, data_file, digest, probe_path, work, executor=None) -> Bundle:
    """Run one trivial notebook through the real sandbox (on ``executor``'s workers)
    before the batch: a fault that is not the student's (no kernel starts, the data
    cannot be read in the sandbox) stops the batch here with one line, instead of
    zeroing everyone.  Locally a passed test holds for the process while the data,
    limits and confinement are the same; a cluster's workers are tested every batch."""
    proof = None if executor is not None else \
        (digest, rub.data.name_in_notebook, repr(sorted(asdict(rub.timeouts).items())),
         repr(sorted(asdict(rub.limits).items())),
         repr(sorted(sandbox.detect_protections().to_dict().items())))
    if proof in _PROVEN:
        return _PROVEN[proof]
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        SELFTEST_CELL.format(name=rub.data.name_in_notebook))])
    path = work / "self-test.ipynb"
    path.write_text(nbformat.writes(nb))
    sub = type("S", (), {"student_id": "self-test", "notebook": path})()
    job = make_jobs([sub], rub, data_file, digest, probe_path, work, 0)["self-test"]
    _, bundle = next(iter((executor or SerialExecutor()).map([job])))
    why = bundle.reason if bundle.status != "executed" else \
        next((c["error"] for c in bundle.cells if c["status"] != "ok"), "") or \
        ("; ".join(bundle.notes) if not bundle.probe else "")
    if why:
        raise InputError(f"sandbox self-test failed, nothing was graded: {why}"
                         f"{'' if executor else _closed_hint()}")
    if proof is not None:
        _PROVEN[proof] = bundle
    return bundle


_PROVEN: dict = {}     # (data, limits, confinement) -> a self-test passed in this process


def _closed_hint() -> str:
    """Name a folder on the way to the Python runtime that other uids cannot enter
    (a venv or conda under /root, mode 0700): an unconfined kernel under its own uid
    cannot start from there."""
    if os.geteuid() != 0 or sandbox.detect_protections().confined:
        return ""
    from .run.nonamespace import closed_folder
    closed = closed_folder()
    return (f"; {closed} holds the grader's Python and the kernel's uid cannot enter it: "
            f"install bubblewrap, or put the environment where every user can read it"
            if closed else "")


def execute_submissions(subs, rub, data_file, digest, ctx, *, cache, workers, progress,
                        rerun=(), only_rerun=False, client=None, allow_unconfined=False,
                        on_ready=None):
    """Write the probe inputs to a private work folder, test the sandbox and
    execute every submission (``rerun``: re-execute these ids, or all when True,
    despite the cache; ``only_rerun``: everyone else must come from the cache;
    ``client``: a dask.distributed client whose workers run the notebooks)."""
    scratch.sweep()                # folders of runs that were killed
    executor = None
    held = scratch.Scratch()       # sandbox uids reach only their own folders inside
    work = held.path
    try:
        probe_path = probes.save(ctx.probes.inputs, work / "probe-inputs.npz")
        os.chmod(probe_path, 0o600)
        job_map = make_jobs(subs, rub, data_file, digest, probe_path, work, ctx.seed)
        missing = [sid for sid, j in job_map.items() if rerun is not True and sid not in rerun
                   and (not cache or artifacts.load(cache, j.key) is None)]
        if only_rerun and missing:
            raise InputError(f"--student re-grades into the existing grades, but "
                             f"{', '.join(sorted(missing)[:5])} have no cached run in {cache}: "
                             f"grade the whole folder first")
        if client is not None:
            from .run.cluster import BatchFiles, DaskExecutor
            executor = DaskExecutor(client, BatchFiles.read(data_file, probe_path))
        if missing or rerun:
            tested = self_test(rub, data_file, digest, probe_path, work, executor)
            if executor is not None:
                require_confinement(allow_unconfined, tested.protections)
        return execute_all(job_map, cache, workers, progress, rerun, executor, on_ready)
    finally:
        if executor is not None:
            executor.close()
        held.release()


def _weakest(bundles) -> Protections:
    """The weakest protections the bundles recorded where they ran (else this machine's)."""
    recorded = [Protections(**b.protections) for b in bundles
                if b is not None and isinstance(b.protections, dict) and b.protections]
    if not recorded:
        return sandbox.detect_protections()
    return next((p for p in recorded if not p.confined), recorded[0])


def sandbox_of(bundles) -> str:
    """The confinement that graded these bundles, in a few words."""
    return _weakest(bundles).short()


def protections_of(bundles) -> tuple[str, bool]:
    """(the protections line for reports, confined) from where the bundles ran."""
    prot = _weakest(bundles)
    return prot.describe(), prot.confined


def execution_summary(bundles) -> dict:
    """Where this run's execution time went and the peak memory of its workers and
    kernels: ``notebooks_run`` counts the distinct notebooks a kernel ran now (neither a
    bundle read from the cache nor a student sharing another's identical notebook),
    ``from_cache`` the distinct bundles read from the cache."""
    distinct = list({id(b): b for b in bundles if b is not None}.values())
    ran = [b for b in distinct if b.cells and not b.cached]
    cells = sum(c.get("seconds", 0) for b in ran for c in b.cells)
    peak = lambda k: max((b.stats.get(k, 0) for b in ran), default=0)   # noqa: E731
    total = lambda k: round(sum(b.stats.get(k, 0) for b in ran), 3)   # noqa: E731
    return {"notebooks_run": len(ran), "from_cache": sum(b.cached for b in distinct),
            "student_cells_s": round(cells, 3),
            "notebook_s": round(sum(b.seconds for b in ran), 3),
            **{k: total(k) for k in ("kernel_start_s", "capture_setup_s", "probe_s")},
            "worker_peak_mb": peak("worker_peak_mb"), "kernel_peak_mb": peak("kernel_peak_mb")}
