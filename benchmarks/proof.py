"""A baseline that did not run is not a figure: each timed run proves it graded.

The honest styles of benchmarks/make_submissions.py (``compiled``, ``python_loop``)
have every function right; their training is short, so whether they reach the
accuracy goal depends on the data.  A grader that really ran them gives every check
that does not depend on training length full points; a run where it did not (a venv
without jax: every kernel fails at ``import jax`` and a batch "finishes" in seconds)
stops the benchmark with what went wrong instead of printing a ratio.
"""
import json
from pathlib import Path

HONEST = ("_compiled", "_python_loop")


class NotGraded(SystemExit):
    def __init__(self, what: str, why: str):
        super().__init__(f"benchmark stopped: {what} did not grade what it timed ({why})")


def honest(student_id: str) -> bool:
    return student_id.endswith(HONEST)


def check_scores(what: str, scores: dict, at_least: float) -> dict:
    """``scores``: student id -> score; every honest one must be ``at_least``."""
    good = {s: v for s, v in scores.items() if honest(s)}
    if not good:
        raise NotGraded(what, "no honest notebook in the batch")
    low = {s: v for s, v in good.items() if v < at_least}
    if low:
        raise NotGraded(what, f"honest notebooks scored {low}, below {at_least}")
    return scores


# the grader's checks an honest notebook passes whatever its training length
UNTRAINED = ("data_prep", "net", "loss", "loss_grad", "fraction_correct", "extra_credit")


def grader_scores(out: Path, n: int) -> dict:
    """The final grades of a ``grader grade`` run, checked: ``n`` students, and every
    honest one with full points on each of ``UNTRAINED``."""
    students = json.loads((Path(out) / "grades.json").read_text())["students"]
    if len(students) != n:
        raise NotGraded("grader grade", f"{len(students)} students in grades.json for {n}")
    for s in students:
        lost = [c["name"] for c in s["checks"]
                if c["name"] in UNTRAINED and c["score"] < c["possible"]]
        if honest(s["student_id"]) and lost:
            raise NotGraded("grader grade", f"honest {s['student_id']} lost points on {lost}")
    return {s["student_id"]: float(s["final"]) for s in students}


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
