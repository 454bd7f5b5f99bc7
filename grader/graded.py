"""The grading facade, like nbclient's ``execute(nb)``: ``grade(batch, options) -> Graded``.

A ``Batch`` is what a TA hands the grader, read and checked before anything runs
(``Batch.find``: the submissions with their times, the TA's overrides, the students to
re-execute); ``Options`` say how to run it.  ``grade`` executes the notebooks (reusing
and filling the bundle cache, the only files it touches) and scores them; the
``Graded`` it returns holds everything the reports need, and ``report.write(graded,
out)`` writes every output.  ``grader grade``, ``grader check`` and ``grader
gradescope`` all grade through here (the last two a batch of one: ``grade_one``).

Where notebooks run is decided in one place (``engine``): this machine's processes,
confined as it allows, or a dask.distributed cluster's workers (docs/cluster.md).
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import batch as engine_mod, intake, pipeline, rubric as rubric_mod
from .checks import reference_curves
from .errors import InputError, not_found, printable
from .run import sandbox
from .run.kernel_box import own_peak_mb
from .intake.submissions import Submission

QUICK_CELL_SECONDS = 20        # ``grader check --quick``: each cell stopped after this


@dataclass(frozen=True)
class Batch:
    """What to grade: the rubric, the submissions (in discovery order), the batch-level
    problems found reading them, the TA's overrides and the students to re-execute
    (``--student``: everyone else is re-scored from the cache)."""
    rubric: object
    submissions: tuple
    problems: tuple = ()
    overrides: dict = field(default_factory=dict)
    rerun: frozenset = frozenset()

    @classmethod
    def find(cls, submissions, rubric, *, manifest=None, assignment=None, file_times=False,
             overrides=None, students=()) -> Batch:
        """Read ``submissions`` (any layout) as ``grader grade`` does; a one-line
        InputError for a bad folder, manifest, overrides file, ``--student`` id or an
        extension or override for a typo of a student's id (``intake.overrides_for``), and
        for a folder without a notebook (a wrong or empty folder: grading it would only
        replace the last grades with an empty gradebook)."""
        found = intake.find(submissions, rubric, manifest=manifest, assignment=assignment,
                            file_times=file_times)
        if not any(s.notebook for s in found.submissions):
            raise InputError(f"{printable(submissions)}: no notebooks found in the submissions "
                             f"folder; nothing graded, earlier results left as they were")
        ta_overrides, named = intake.overrides_for(found, rubric, overrides)
        rerun = intake.selected(found, students) if students else set()
        return cls(rubric=rubric, submissions=tuple(found.submissions),
                   problems=tuple(found.problems) + tuple(intake.unknown_times(found.submissions))
                   + tuple(named), overrides=ta_overrides, rerun=frozenset(rerun))


@dataclass(frozen=True)
class Options:
    """How to run a batch.  cache: the bundle cache folder (None: nothing cached);
    jobs: parallel local kernels (default: CPU count); scheduler: a dask.distributed
    scheduler's address or file (None: run locally); force: re-execute everyone despite
    the cache; only: the checks to run (None: every check of the rubric)."""
    data: object = None
    cache: Path | None = None
    jobs: int | None = None
    scheduler: str | None = None
    progress: bool = True
    allow_unconfined: bool = False
    force: bool = False
    only: tuple | None = None


@dataclass
class Graded:
    """A graded batch, in memory: ``results`` in the batch's order, one per submission;
    ``bundles`` {student id: what executing the notebook left (None: not run)};
    ``protections``: the line every report shows about confinement; ``problems``: the
    batch-level lines; ``timings``: timings.json as of the end of scoring."""
    rubric: object
    submissions: tuple
    results: list
    bundles: dict = field(default_factory=dict)
    ctx: object = None
    protections: str = ""
    problems: tuple = ()
    timings: dict = field(default_factory=dict)
    clock: tuple | None = None       # (monotonic start, end of execution, the process's CPU
                                     # seconds then); None: not timed
    chart_dir: str | None = None     # where the reports keep drawn charts (the batch's cache)
    lexed_dir: str | None = None     # where the integrity analysis keeps filtered code (same)

    def timings_until_now(self) -> dict:
        """``timings`` with the time since scoring began and memory brought up to now
        (the reports' share included); as it is for a Graded that was not timed."""
        if self.clock is None:
            return dict(self.timings)
        now, cpu = time.monotonic(), time.process_time()
        return {**self.timings, "score_and_report_s": round(now - self.clock[1], 3),
                "score_and_report_cpu_s": round(cpu - self.clock[2], 3),
                "total_s": round(now - self.clock[0], 3), "grader_peak_mb": own_peak_mb()}


class Local:
    """Notebooks run in this machine's processes.  Made before anything runs: a machine
    that cannot confine kernels stops here unless ``allow_unconfined``."""

    def __init__(self, options: Options):
        self.line = engine_mod.require_confinement(options.allow_unconfined)
        here = sandbox.detect_protections()
        self.warning = "" if here.confined else self.line     # what the TA is warned of
        self.sandbox, self.name = here.short(), "local"

    @contextmanager
    def started(self):
        yield None

    def protections(self, bundles) -> tuple[str, bool]:
        return self.line, sandbox.detect_protections().confined


class Cluster:
    """Notebooks run on a dask.distributed cluster's workers, whose confinement is
    tested on a worker (dask.distributed is imported only for a cluster run)."""

    def __init__(self, options: Options):
        self.scheduler = self.name = options.scheduler
        self.warning = self.sandbox = ""          # nothing is known before a worker says

    @contextmanager
    def started(self):
        from .run import cluster
        client = cluster.connect(self.scheduler)
        try:
            yield client
        finally:
            client.close()

    def protections(self, bundles) -> tuple[str, bool]:
        return engine_mod.protections_of(bundles.values())


def engine(options: Options):
    """Where the notebooks run: the one place that tells a local run from a cluster's."""
    return Local(options) if options.scheduler is None else Cluster(options)


def grade(batch: Batch, options: Options = Options(), *, where=None) -> Graded:
    """Execute and score every submission of ``batch``; writes nothing but the bundle
    cache.  ``where``: an ``engine(options)`` already made (the verbs make it first, so
    an unconfined machine is refused before anything else happens)."""
    t0, trained = time.monotonic(), reference_curves.training_seconds()
    where, rub, cache = where or engine(options), batch.rubric, options.cache
    if cache is not None:
        Path(cache).mkdir(parents=True, exist_ok=True)
    with where.started() as client:
        data_file, digest, ctx = engine_mod.prepare_batch(
            rub, options.data, curve_dir=derived(cache, "curves"))
        scorer = _Scorer(batch, ctx, options.only, cache)
        t1 = time.monotonic()
        bundles = engine_mod.execute_submissions(
            batch.submissions, rub, data_file, digest, ctx, cache=cache,
            workers=options.jobs or os.cpu_count() or 1,
            progress=options.progress, rerun=True if options.force else batch.rerun,
            only_rerun=bool(batch.rerun), client=client,
            allow_unconfined=options.allow_unconfined, on_ready=scorer)
    t2, cpu2 = time.monotonic(), time.process_time()
    protections, confined = where.protections(bundles)
    results = scorer.results(bundles)
    for r in results if not confined else ():
        r.notes.insert(0, protections)     # every report says the kernels ran unconfined
    t3 = time.monotonic()
    timings = {"setup_s": round(t1 - t0, 3), "execute_s": round(t2 - t1, 3),
               "score_s": round(t3 - t2, 3), "score_and_report_s": round(t3 - t2, 3),
               "score_and_report_cpu_s": round(time.process_time() - cpu2, 3),
               "score_during_execution_s": round(scorer.seconds, 3),
               "total_s": round(t3 - t0, 3),
               "reference_curves_s": round(reference_curves.training_seconds() - trained, 3),
               "workers": options.jobs or os.cpu_count(), "engine": where.name,
               "grader_peak_mb": own_peak_mb(),
               "sandbox": engine_mod.sandbox_of(bundles.values()),
               "shared_runs": engine_mod.shared_runs(bundles),
               **engine_mod.execution_summary(bundles.values())}
    return Graded(rubric=rub, submissions=batch.submissions, results=results, bundles=bundles,
                  ctx=ctx, protections=protections, problems=batch.problems, timings=timings,
                  clock=(t0, t2, cpu2),
                  chart_dir=derived(cache, "charts"), lexed_dir=derived(cache, "lexed"))


def derived(cache, what: str) -> str | None:
    """The batch cache's folder for one kind of derived file (``grader.remembered``):
    "curves" (reference curves), "charts" (drawn curves and charts), "lexed" (filtered
    code); None without a cache."""
    return str(Path(cache) / what) if cache else None


class _Scorer:
    """Scores each submission as soon as its bundle is ready (called by the engine while
    later notebooks still run), then whoever is left."""

    def __init__(self, batch, ctx, only, cache=None):
        self.batch, self.ctx, self.only = batch, ctx, only
        self.subs = {s.student_id: s for s in batch.submissions}
        self.done, self.seconds = {}, 0.0
        self.derived = {"charts": derived(cache, "charts"), "lexed": derived(cache, "lexed")}

    def __call__(self, student_ids, bundle):
        from . import report
        t = time.monotonic()
        for sid in student_ids:
            self.done[sid] = r = self._score(self.subs[sid], bundle)
            report.draw_ahead(r, self.subs[sid].notebook, self.batch.rubric, **self.derived)
        self.seconds += time.monotonic() - t

    def results(self, bundles) -> list:
        return [self.done.get(s.student_id) or self._score(s, bundles.get(s.student_id))
                for s in self.batch.submissions]

    def _score(self, sub, bundle):
        r = pipeline.score(sub, bundle, self.ctx, self.batch.rubric, only=self.only,
                           overrides=self.batch.overrides)
        r.notebook = printable(r.notebook)  # a file name shown escaped: not UTF-8, controls, bidi
        return r


def grade_one(notebook, *, rubric=None, data=None, quick=False, submitted_at=None,
              time_source="none", allow_unconfined=False, student_id=None, deadline=None):
    """Execute and score one notebook (nothing cached, one kernel); its SubmissionResult.
    ``quick``: the network's pieces only, each cell stopped after QUICK_CELL_SECONDS;
    ``student_id`` (default: the file's stem) picks the rubric's extension;
    ``deadline`` replaces the rubric's (a platform's own due date)."""
    path = Path(notebook)
    if not path.is_file():
        raise InputError(not_found(path))
    rub = rubric_mod.load(rubric)
    if deadline is not None:
        rub = replace(rub, deadline=deadline)
    options = Options(data=data, jobs=1, progress=False, allow_unconfined=allow_unconfined,
                      only=pipeline.QUICK_CHECKS if quick else None)
    if quick:
        rub = replace(rub, timeouts=replace(rub.timeouts, cell_seconds=QUICK_CELL_SECONDS))
    sub = Submission(student_id=student_id or path.stem, notebook=path, submitted_at=submitted_at,
                     time_source=time_source, notes=())
    return grade(Batch(rubric=rub, submissions=(sub,)), options).results[0]
