"""The whole benchmark suite, one command: reference training speed, then grading speed.

    python -m benchmarks.suite [--n 20] [--repeats 3] [--data F] [--nbgrader-python P]

Runs ``train_speed.py`` (issue 2: compiled SGD against the course's plain loop)
and ``grade_speed.py`` (issue 6: ``grader grade`` against sequential
``nbconvert --execute`` and, with ``--nbgrader-python``, nbgrader autograde),
one after the other on the same machine, and prints both reports.
"""
import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20, help="submissions per grading repeat")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data", help="data file (default: built-in synthetic)")
    ap.add_argument("--nbgrader-python", help="a Python with nbgrader installed")
    a = ap.parse_args()
    data = ["--data", a.data] if a.data else []
    runs = [["-m", "benchmarks.train_speed", "--repeats", str(a.repeats), *data],
            ["-m", "benchmarks.grade_speed", "--n", str(a.n), "--repeats", str(a.repeats), *data,
             *(["--nbgrader-python", a.nbgrader_python] if a.nbgrader_python else [])]]
    for cmd in runs:
        print(f"$ python {' '.join(cmd)}",
              flush=True)
        rc = subprocess.run([sys.executable, *cmd], cwd=HERE.parent).returncode
        if rc:
            sys.exit(f"benchmarks.suite: {cmd[1]} failed (exit {rc})")


if __name__ == "__main__":
    main()
