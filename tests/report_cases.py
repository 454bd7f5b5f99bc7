"""Synthetic results with real late assessments, for the reports' byte-for-byte tests.

``tests/fixtures/reports/grades.{csv,json}`` were written from these cases before the
reports moved to templates; ``test_report.py`` checks they are still reproduced exactly.
"""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from grader.late import assess
from grader.results import CheckResult, SubmissionResult
from grader.rubric import from_mapping

NY = ZoneInfo("America/New_York")
DEADLINE = datetime(2025, 10, 31, 23, 59, tzinfo=NY)
RUBRIC = from_mapping({
    "checks": {"data_prep": {"points": 5}, "net": {"points": 15}, "loss": {"points": 10},
               "trained_accuracy": {"points": 60, "threshold": 0.66},
               "extra_credit": {"points": 5},
               "plot": {"points": 10, "values_atol": 1e-6, "last_value_tolerance": 0.03}},
    "deadline": "2025-10-31 23:59:00 America/New_York"}, source="test-rubric")
PROBLEMS = ["manifest row 'dave' with no matching submission"]
PROTECTIONS = "kernels run with rlimits"


def _checks(points, msg="ok"):
    names = ("data_prep", "net", "loss", "trained_accuracy", "plot", "extra_credit")
    possible = (5, 15, 10, 60, 10, 5)
    return [CheckResult(n, s, p, f"{msg} ({n})", extra_credit=n == "extra_credit",
                        details={"accuracy": 0.7, "threshold": 0.66} if n == "trained_accuracy"
                        else {})
            for n, s, p in zip(names, points, possible) if s is not None]


def _lates():
    utc, pdt = timezone.utc, timezone(timedelta(hours=-7))
    ext = DEADLINE + timedelta(days=3)
    return {
        "late": assess(DEADLINE + timedelta(hours=3, minutes=12), deadline=DEADLINE),
        "on_time": assess(DEADLINE - timedelta(minutes=10), deadline=DEADLINE, grace_minutes=5),
        "grace": assess(DEADLINE + timedelta(minutes=4), deadline=DEADLINE, grace_minutes=5),
        "ext_ok": assess(DEADLINE + timedelta(days=1), deadline=DEADLINE, extension=ext),
        "ext_missed": assess(ext + timedelta(hours=1), deadline=DEADLINE, extension=ext),
        "zone": assess(datetime(2025, 11, 1, 4, 30, tzinfo=utc), deadline=DEADLINE,
                       grace_minutes=2.5),
        "seconds": assess(DEADLINE + timedelta(seconds=40), deadline=DEADLINE),
        "exact": assess(DEADLINE, deadline=DEADLINE),
        "days": assess(DEADLINE + timedelta(days=2, hours=1), deadline=DEADLINE,
                       policy="zero"),
        "none_policy": assess(DEADLINE.astimezone(pdt) + timedelta(hours=1),
                              deadline=DEADLINE, policy="none"),
        "unknown": assess(None, deadline=DEADLINE, grace_minutes=5),
        "unknown_ext": assess(None, deadline=DEADLINE, extension=ext),
        "free": assess(DEADLINE, deadline=None),
        "half": assess(DEADLINE + timedelta(minutes=30), deadline=DEADLINE, multiplier=0.5),
    }


def golden_results(wrap=lambda late: late):
    """One result per late case, points varied; ``wrap`` adapts the late value."""
    out = []
    for i, (name, late) in enumerate(_lates().items()):
        points = (5, 15, 10 if i % 3 else 0, 60 - 2.5 * i, 10, 5 if i % 2 else 0)
        raw = round(sum(points), 4)
        out.append(SubmissionResult(
            f"s{i:02d}_{name}", _checks(points), late=wrap(late),
            final=round(raw * late.multiplier, 2), seconds=1.5 * i, accuracy=0.6 + 0.01 * i,
            submitted_at=late.deadline.isoformat() if late.deadline else "",
            time_source="timestamp.txt", history=[0.1 * (i % 7), 0.5, 0.66 + 0.001 * i],
            notes=[f"note {i}"] if i % 4 == 0 else []))
    weird = SubmissionResult('<b>&"x', _checks((5, 15, 0, 1 / 3, 10, None), "<script>x"),
                             late=wrap(_lates()["late"]), final=float("nan"),
                             seconds=float("inf"), accuracy=float("nan"),
                             history=[float("nan"), 2.0], status="graded")
    carol = SubmissionResult("carol", [CheckResult("net", 0, 15, "not checked: timed out")],
                             late=wrap(_lates()["unknown"]), final=0.0, status="not graded",
                             notes=["not run: timed out"])
    return list(reversed(out)) + [weird, carol]
