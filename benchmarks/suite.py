"""The whole benchmark suite, one command: reference training speed, grading speed, cluster.

    python -m benchmarks.suite [--n 20] [--repeats 3] [--data F] [--nbgrader-python P]

Runs ``train_speed.py`` (issue 2: compiled SGD against the course's plain loop),
``grade_speed.py`` (issue 6: ``grader grade`` against sequential ``nbconvert
--execute`` and, with ``--nbgrader-python``, nbgrader autograde) and
``cluster_speed.py`` (issue 14: the Dask engine beside the local pool), one after the
other on the same machine, and prints the reports.  Every baseline proves it graded
what it timed (benchmarks/proof.py) or stops the suite; each one's set-up is one
command, printed first (``BASELINES``).
"""
import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINES = {
    "nbconvert --execute, local pool, Dask LocalCluster": "pip install -e '.[test]'",
    "nbgrader autograde (--nbgrader-python /tmp/nbg-venv/bin/python)":
        "python3 -m venv /tmp/nbg-venv && /tmp/nbg-venv/bin/pip install nbgrader jax jaxlib "
        "matplotlib",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20, help="submissions per grading repeat")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data", help="data file (default: built-in synthetic)")
    ap.add_argument("--nbgrader-python", help="a Python with nbgrader installed")
    a = ap.parse_args()
    for what, setup in BASELINES.items():
        print(f"baseline {what}: set up with `{setup}`")
    data = ["--data", a.data] if a.data else []
    runs = [["-m", "benchmarks.train_speed", "--repeats", str(a.repeats), *data],
            ["-m", "benchmarks.grade_speed", "--n", str(a.n), "--repeats", str(a.repeats), *data,
             *(["--nbgrader-python", a.nbgrader_python] if a.nbgrader_python else [])],
            ["-m", "benchmarks.cluster_speed", "--n", str(min(a.n, 10)), "--repeats", "1", *data]]
    for cmd in runs:
        print(f"$ python {' '.join(cmd)}",
              flush=True)
        rc = subprocess.run([sys.executable, *cmd], cwd=HERE.parent).returncode
        if rc:
            sys.exit(f"benchmarks.suite: {cmd[1]} failed (exit {rc})")


if __name__ == "__main__":
    main()
