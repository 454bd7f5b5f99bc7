"""Late-submission policies for the grader.

Everything here is a pure function: give it the time a notebook was
submitted, the deadline (and any extension), and the policy named in the
course config, and it says whether the work is late and what the grade is
multiplied by.  Nothing is read from or written to disk, and nothing here
is worded for people: ``grader.report.lateness`` explains a verdict.

All datetimes must be timezone-aware.  Times are compared and subtracted in
UTC, so deadlines in one zone and submissions in another (or across a
daylight-saving change) are handled correctly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable


def _multiplier_policy(late: bool, multiplier: float) -> float:
    """The course rule: the whole grade is scaled by ``multiplier`` when late."""
    return multiplier if late else 1.0


def _zero_policy(late: bool, multiplier: float) -> float:
    """Late work earns nothing."""
    return 0.0 if late else 1.0


def _none_policy(late: bool, multiplier: float) -> float:
    """Lateness is reported but never penalised."""
    return 1.0


# Each policy takes (late, configured multiplier) and returns the factor applied.
POLICIES: dict[str, Callable[[bool, float], float]] = {
    "multiplier": _multiplier_policy,
    "zero": _zero_policy,
    "none": _none_policy,
}


@dataclass(frozen=True)
class LateResult:
    """The verdict for one submission, with the facts it was reached from.

    ``minutes_late`` counts from the deadline itself (not from the end of the
    grace period) and is 0 whenever the work is not late.  ``deadline`` is the
    deadline that was applied: the student's extension if they had one, else
    the course deadline (None when the assignment has no deadline).
    ``multiplier`` is the factor the grade is multiplied by (1.0 when on time).
    ``submitted_at``, ``course_deadline``, ``grace_minutes`` and ``policy`` are
    the inputs, kept so that reports can explain the verdict in words
    (``grader.report.lateness``); this module holds no wording.
    """

    late: bool
    minutes_late: float
    deadline: datetime | None
    extension_applied: bool
    multiplier: float
    submitted_at: datetime | None = None
    course_deadline: datetime | None = None
    grace_minutes: float = 0.0
    policy: str = "multiplier"

    @property
    def after_deadline(self) -> timedelta | None:
        """Submission time minus the applied deadline (negative when early), or None."""
        return _after(self.submitted_at, self.deadline)

    def to_dict(self) -> dict:
        """The verdict for grades.json (datetimes as ISO 8601 strings).

        grades.json also has an ``explanation`` in words; the report layer adds it.
        """
        return {
            "late": self.late,
            "minutes_late": self.minutes_late,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "extension_applied": self.extension_applied,
            "multiplier": self.multiplier,
        }


def assess(
    submitted_at: datetime | None,
    *,
    deadline: datetime | None,
    grace_minutes: float = 0,
    extension: datetime | None = None,
    policy: str = "multiplier",
    multiplier: float = 0.8,
) -> LateResult:
    """Decide whether a submission is late and which multiplier applies.

    An extension replaces the course deadline for that student.  Work is late
    only when it arrives strictly after deadline + grace.  An unknown
    submission time, or no deadline at all, is never late.  Raises ValueError
    for naive datetimes, an unknown policy or a nonsensical grace/multiplier.
    """
    rule = _check_inputs(submitted_at, deadline, extension, grace_minutes, policy, multiplier)
    applied = extension if extension is not None else deadline
    facts = dict(deadline=applied, extension_applied=extension is not None,
                 submitted_at=submitted_at, course_deadline=deadline,
                 grace_minutes=grace_minutes, policy=policy)
    delta = _after(submitted_at, applied)
    if delta is None:
        return LateResult(late=False, minutes_late=0.0, multiplier=1.0, **facts)
    late = delta > timedelta(minutes=grace_minutes)
    minutes = delta.total_seconds() / 60 if late else 0.0
    return LateResult(late=late, minutes_late=minutes,
                      multiplier=float(rule(late, multiplier)), **facts)


def apply(late: LateResult, raw_total: float) -> float:
    """The final grade: the raw total (extra credit included) times the multiplier.

    Course rule: a late grade is the original grade, extra credit and all,
    multiplied by the late factor (e.g. 105 late under x 0.8 gives 84.0).
    """
    return float(raw_total) * late.multiplier


def _after(submitted_at: datetime | None, deadline: datetime | None) -> timedelta | None:
    """submitted_at - deadline, compared in UTC; None when either is unknown."""
    if submitted_at is None or deadline is None:
        return None
    return submitted_at.astimezone(timezone.utc) - deadline.astimezone(timezone.utc)


def _check_inputs(submitted_at, deadline, extension, grace_minutes, policy, multiplier):
    """Validate the arguments of assess and return the policy function."""
    for name, value in (("submitted_at", submitted_at), ("deadline", deadline),
                        ("extension", extension)):
        if value is None:
            continue
        if not isinstance(value, datetime):
            raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} {value.isoformat()} has no time zone; "
                             "give an aware datetime")
    if policy not in POLICIES:
        known = ", ".join(sorted(POLICIES))
        raise ValueError(f"unknown late policy {policy!r}; known policies: {known}")
    if not math.isfinite(grace_minutes) or grace_minutes < 0:
        raise ValueError(f"grace_minutes must be a finite number >= 0, got {grace_minutes!r}")
    if not math.isfinite(multiplier) or multiplier < 0:
        raise ValueError(f"multiplier must be a finite number >= 0, got {multiplier!r}")
    return POLICIES[policy]
