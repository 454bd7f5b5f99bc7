"""Grading on dask.distributed beside the local pool: same notebooks, same machine.

    python -m benchmarks.cluster_speed --n 10 --workers 2 [--repeats 1] [--data F]

Each repeat writes N submissions (benchmarks/make_submissions.py) and grades them,
from an empty cache each time, (a) with the local pool (``-j W``) and (b) on a
``LocalCluster`` of W single-threaded process workers (``--scheduler``).  Both runs
must prove they graded (benchmarks/proof.py: honest notebooks at full marks) and give
the same grades.csv.  It prints

* the wall seconds of each and the engine's overhead per notebook,
  ``o = (T_dask - T_local) * W / N`` worker-seconds;
* the per-notebook cost ``t`` (worker-seconds: timings.json ``notebook_s / N``) and the
  batch set-up ``S`` (``setup_s``: data, reference answers);
* a projection of a course of ``--course`` notebooks onto 10, 50 and 200 workers:
  ``T(N, W) = S + ceil(N / W) * (t + o)`` (on paper: it assumes every notebook costs
  the mean and the scheduler keeps every worker busy).
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
        return {"local_s": t_local, "dask_s": t_dask,
                "overhead_ws": (t_dask - t_local) * a.workers / a.n,
                "task_ws": local["notebook_s"] / a.n, "setup_s": local["setup_s"],
                "dask_task_ws": remote["notebook_s"] / a.n}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def projection(rows, course: int) -> list:
    t = statistics.median(r["task_ws"] for r in rows)
    o = max(0.0, statistics.median(r["overhead_ws"] for r in rows))
    s = statistics.median(r["setup_s"] for r in rows)
    return [(w, s + math.ceil(course / w) * (t + o)) for w in (10, 50, 200)], t, o, s


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
    table, t, o, s = projection(rows, a.course)
    print(f"N = {a.n}, {a.workers} workers, {a.repeats} repeats; both runs graded the honest "
          f"notebooks to full marks and gave the same grades.csv")
    print(f"local {statistics.median(r['local_s'] for r in rows):.1f} s, dask "
          f"{statistics.median(r['dask_s'] for r in rows):.1f} s; engine overhead "
          f"o = {o:.2f} worker-s per notebook; per-notebook cost t = {t:.1f} worker-s; "
          f"set-up S = {s:.1f} s")
    print(f"| workers | {a.course} notebooks: S + ceil(N/W) (t + o) |")
    print("| --- | --- |")
    for w, secs in table:
        print(f"| {w} | {secs / 60:.1f} min |")


if __name__ == "__main__":
    main()
