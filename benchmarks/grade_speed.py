"""Grading wall time: `grader grade` vs sequential `jupyter nbconvert --execute`.

    python -m benchmarks.grade_speed --n 20 --repeats 3 [--data F]

Same machine, same run, same notebooks and data.  For each repeat it times
(a) executing every notebook one after another with nbconvert in a folder
holding the data file (the bare execution cost), (b) `grader grade -j <cores>`
from an empty cache, (c) re-scoring after a rubric change (cache reused) and,
with ``--nbgrader-python``, (d) nbgrader autograde with equivalent tests.
Prints medians and spreads of the ratios; the grader's own phase timings
(timings.json) give the check-and-report overhead and the peak memory of its
workers and kernels.  ``--no-bare`` skips (a), for large N.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import proof
from benchmarks.make_submissions import write
from reference import synthetic

ROOT = Path(__file__).resolve().parents[1]


def bare(subs: Path, data_file: Path, work: Path) -> float:
    work.mkdir()
    shutil.copy(data_file, work / "dataG.pkl.gz")
    t = time.perf_counter()
    for nb in sorted(subs.glob("*.ipynb")):
        shutil.copy(nb, work / nb.name)
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                        "--execute", "--allow-errors", "--ExecutePreprocessor.timeout=300",
                        "--output", f"out-{nb.name}", str(work / nb.name)],
                       capture_output=True, check=False)
    wall = time.perf_counter() - t
    proof.executed_cleanly("bare nbconvert", sorted(work.glob("out-*.ipynb")))
    return wall


def grade(subs, out, data_file, rubric, jobs, extra=()):
    """Wall seconds and timings.json of one ``grader grade`` run, proven to have graded."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out),
                    "--data", str(data_file), "--rubric", str(rubric), "-j", str(jobs),
                    "--no-progress", *extra], capture_output=True, check=False, cwd=ROOT)
    wall = time.perf_counter() - t
    proof.grader_scores(out, len(list(Path(subs).glob("*.ipynb"))))
    return wall, json.loads((out / "timings.json").read_text())


PHASES = ("setup_s", "score_and_report_s", "reference_curves_s", "score_during_execution_s")


def overhead(t: dict) -> dict:
    """Check-and-report overhead against execution, both in worker-seconds.

    Execution is what running the notebook costs anyway: kernel start and the
    student's cells.  Overhead is everything the grader adds: per notebook the
    capture set-up cell, the probe cell, sandbox set-up and tear-down (the rest
    of each notebook's time); per batch the set-up (data, reference answers)
    and the scoring and reports, counted once per worker they keep waiting.
    """
    execution = t["kernel_start_s"] + t["student_cells_s"]
    per_notebook = t["notebook_s"] - execution
    batch = (t["setup_s"] + t["score_and_report_s"]) * t["workers"]
    return {"execution_ws": execution, "overhead_ws": per_notebook + batch,
            "capture_ws": t["capture_setup_s"], "probe_ws": t["probe_s"]}


def spread(xs):
    return f"median {statistics.median(xs):.3f} (min {min(xs):.3f}, max {max(xs):.3f})"


def nbgrader(python, n, data_file) -> float:
    """Seconds of nbgrader's autograde step alone (course set-up and export not counted)."""
    env = {**os.environ, "PATH": f"{Path(python).parent}:{os.environ['PATH']}"}
    done = subprocess.run([python, "-m", "benchmarks.nbgrader_baseline",
                           "--n", str(n), "--data", str(data_file)], check=False,
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:       # the baseline proves its own grades (proof.py)
        raise SystemExit(f"benchmark stopped: nbgrader baseline failed:\n"
                         f"{(done.stdout + done.stderr)[-2000:]}")
    return float(re.search(r"notebooks in ([0-9.]+) s", done.stdout).group(1))


def one_repeat(a, data_file, rubric) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="gg-bench-"))
    try:
        subs = write(a.n, tmp / "subs")
        row = {} if a.no_bare else {"bare_s": bare(subs, data_file, tmp / "bare")}
        t_grade, timings = grade(subs, tmp / "out", data_file, rubric, a.jobs)
        changed = tmp / "rubric.yaml"
        changed.write_text(rubric.read_text().replace("plot:            {points: 15",
                                                      "plot:            {points: 20"))
        t_rescore, _ = grade(subs, tmp / "out", data_file, changed, a.jobs)
        row.update(grade_s=t_grade, rescore_s=t_rescore, per_notebook_s=t_grade / a.n,
                   **overhead(timings), worker_peak_mb=timings["worker_peak_mb"],
                   **{k: timings.get(k, 0.0) for k in PHASES},
                   kernel_peak_mb=timings["kernel_peak_mb"])
        if a.nbgrader_python:
            row["nbgrader_s"] = nbgrader(a.nbgrader_python, a.n, data_file)
        return row
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def summary(a, rows):
    print(f"N = {a.n}, {a.repeats} repeats, -j {a.jobs}")
    ratio = lambda f: spread([f(x) for x in rows])    # noqa: E731
    if not a.no_bare:
        print("grade / sequential bare execution:", ratio(lambda x: x["grade_s"] / x["bare_s"]))
    print("check-and-report overhead / execution (worker-seconds):",
          ratio(lambda x: x["overhead_ws"] / x["execution_ws"]))
    print("re-score / first grading:", ratio(lambda x: x["rescore_s"] / x["grade_s"]))
    if a.nbgrader_python:
        print("nbgrader autograde / grade:", ratio(lambda x: x["nbgrader_s"] / x["grade_s"]))
    print("grade seconds per notebook:", ratio(lambda x: x["per_notebook_s"]))
    print(f"peak memory: grader worker {max(x['worker_peak_mb'] for x in rows):.0f} MB, "
          f"kernel {max(x['kernel_peak_mb'] for x in rows):.0f} MB (largest over all runs)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--data", help="data file (default: built-in synthetic)")
    ap.add_argument("--nbgrader-python", help="a Python with nbgrader installed (adds (d))")
    ap.add_argument("--no-bare", action="store_true", help="skip (a): grading and re-scoring only")
    ap.add_argument("--json", help="also write every repeat's figures to this file")
    a = ap.parse_args()
    data_file = Path(a.data or synthetic.cached_default()).resolve()
    rows = []
    for _ in range(a.repeats):
        rows.append(one_repeat(a, data_file, ROOT / "grader" / "data" / "rubric.yaml"))
        print(json.dumps({k: round(v, 2) for k, v in rows[-1].items()}), flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1))
    summary(a, rows)


if __name__ == "__main__":
    main()
