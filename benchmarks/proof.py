"""A baseline that did not run is not a figure: each timed run proves it graded.

The honest styles of benchmarks/make_submissions.py (``compiled``, ``python_loop``)
earn full marks from any grader that really ran them; a run where they did not (a
venv without jax: every kernel fails at ``import jax`` and a batch "finishes" in
seconds) stops the benchmark with what went wrong instead of printing a ratio.
"""
import csv
import json
from pathlib import Path

HONEST = ("_compiled", "_python_loop")


class NotGraded(SystemExit):
    def __init__(self, what: str, why: str):
        super().__init__(f"benchmark stopped: {what} did not grade what it timed ({why})")


def honest(student_id: str) -> bool:
    return student_id.endswith(HONEST)


def check_scores(what: str, scores: dict, full: float) -> dict:
    """``scores``: student id -> score; every honest one must be ``full``."""
    good = {s: v for s, v in scores.items() if honest(s)}
    if not good:
        raise NotGraded(what, "no honest notebook in the batch")
    wrong = {s: v for s, v in good.items() if v != full}
    if wrong:
        raise NotGraded(what, f"honest notebooks scored {wrong} instead of {full}")
    return scores


def grader_scores(out: Path, n: int) -> dict:
    """The grader's grades.csv, checked: ``n`` rows, honest notebooks at 100 + extra credit."""
    rows = {r["student_id"]: r for r in csv.DictReader(open(Path(out) / "grades.csv"))}
    if len(rows) != n:
        raise NotGraded("grader grade", f"{len(rows)} rows in grades.csv for {n} notebooks")
    return check_scores("grader grade", {s: float(r["final"]) for s, r in rows.items()}, 105.0)


def executed_cleanly(what: str, notebooks) -> None:
    """Executed notebooks (nbconvert's output): honest ones have no error output."""
    for path in notebooks:
        if not honest(Path(path).stem.removeprefix("out-")):
            continue
        try:
            nb = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise NotGraded(what, f"{path}: {exc}") from None
        errors = [o.get("ename") for c in nb.get("cells", []) for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]
        if errors:
            raise NotGraded(what, f"{Path(path).name} raised {errors[0]}")
