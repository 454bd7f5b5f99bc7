"""Grading on dask.distributed beside the local pool: same notebooks, same machine.

    python -m benchmarks.cluster_speed --n 10 --workers 2 [--repeats 1] [--data F]

Each repeat writes N submissions (benchmarks/make_submissions.py) and grades them,
from an empty cache each time, (a) with the local pool (``-j W``) and (b) on a
``LocalCluster`` of W single-threaded process workers (``--scheduler``).  Both runs
must prove they graded (benchmarks/proof.py) and give the same grades.csv.  From the
two runs' wall times and timings.json it reports, in seconds:

* ``t``: a notebook's cost on a local worker (worker-seconds, ``notebook_s / N``);
* ``o``: what the engine adds to each notebook's task (worker-seconds: the Dask run's
  ``notebook_s / N`` minus the local one's);
* ``F``: what the engine adds once per batch (the Dask run's execution phase minus the
  local one's, less ``N o / W``: the self-test's round trip, the workers' first imports);
* ``S``, ``R`` and ``r``: on the grader's machine whatever the engine, the batch set-up,
  the reference curves the learning-rate diagnosis trains (once per record schedule
  per batch: timings.json ``reference_curves_s``) and the rest of scoring and
  reports per notebook;

and projects a course of ``--course`` notebooks onto 10, 50 and 200 workers:
``T(N, W) = S + F + R + ceil(N / W) (t + o) + N r``.  On paper: every notebook is taken to
cost the mean, and the scheduler to keep every worker busy.
"""
import argparse
import csv
import json
import math
import shutil
import statistics
import tempfile
from pathlib import Path

from benchmarks.grade_speed import grade
from benchmarks.make_submissions import write
from reference import synthetic

ROOT = Path(__file__).resolve().parents[1]
RUBRIC = ROOT / "grader" / "data" / "rubric.yaml"


def _rows(out: Path) -> dict:
    return {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}


def one_repeat(a, data_file) -> dict:
    import dask
    from distributed import LocalCluster
    tmp = Path(tempfile.mkdtemp(prefix="gg-cluster-bench-"))
    try:
        subs = write(a.n, tmp / "subs")
        t_local, local = grade(subs, tmp / "local", data_file, RUBRIC, a.workers)
        with dask.config.set({"distributed.scheduler.allowed-failures": 3,
                              "distributed.scheduler.worker-saturation": 1.0}):
            with LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:
                t_dask, remote = grade(subs, tmp / "dask", data_file, RUBRIC, a.workers,
                                       extra=("--scheduler", cluster.scheduler_address))
        if _rows(tmp / "local") != _rows(tmp / "dask"):
            raise SystemExit("benchmark stopped: the cluster's grades.csv differs from the "
                             "local pool's")
        o = (remote["notebook_s"] - local["notebook_s"]) / a.n
        return {"local_s": t_local, "dask_s": t_dask, "t": local["notebook_s"] / a.n, "o": o,
                "F": remote["execute_s"] - local["execute_s"] - a.n * o / a.workers,
                "S": local["setup_s"], "R": local["reference_curves_s"],
                "r": (local["score_and_report_s"] - local["reference_curves_s"]) / a.n,
                "local_execute_s": local["execute_s"], "dask_execute_s": remote["execute_s"]}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def projection(rows, course: int) -> tuple[list, dict]:
    m = {k: statistics.median(r[k] for r in rows) for k in ("t", "o", "F", "S", "R", "r")}
    return [(w, m["S"] + max(m["F"], 0) + m["R"] + math.ceil(course / w) * (m["t"] + max(m["o"], 0))
             + course * m["r"]) for w in (10, 50, 200)], m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--course", type=int, default=1000, help="notebooks in the projection")
    ap.add_argument("--data", help="data file (default: built-in synthetic)")
    a = ap.parse_args()
    data_file = Path(a.data or synthetic.cached_default()).resolve()
    rows = []
    for _ in range(a.repeats):
        rows.append(one_repeat(a, data_file))
        print(json.dumps({k: round(v, 2) for k, v in rows[-1].items()}), flush=True)
    table, m = projection(rows, a.course)
    print(f"N = {a.n}, {a.workers} workers, {a.repeats} repeats; both runs proved they graded "
          f"(benchmarks/proof.py) and gave the same grades.csv")
    print(f"wall: local {statistics.median(r['local_s'] for r in rows):.1f} s, dask "
          f"{statistics.median(r['dask_s'] for r in rows):.1f} s; t = {m['t']:.1f}, "
          f"o = {m['o']:.2f} (worker-s per notebook), F = {m['F']:.1f}, S = {m['S']:.1f}, "
          f"R = {m['R']:.1f}, r = {m['r']:.2f} s")
    print(f"| workers | {a.course} notebooks: S + F + R + ceil(N/W) (t + o) + N r |")
    print("| --- | --- |")
    for w, secs in table:
        print(f"| {w} | {secs / 60:.1f} min |")


if __name__ == "__main__":
    main()
