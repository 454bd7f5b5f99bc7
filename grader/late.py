"""Late-submission policies for the grader.

Everything here is a pure function: give it the time a notebook was
submitted, the deadline (and any extension), and the policy named in the
course config, and it says whether the work is late and what the grade is
multiplied by.  Nothing is read from or written to disk.

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
    """The verdict for one submission.

    ``minutes_late`` counts from the deadline itself (not from the end of the
    grace period) and is 0 whenever the work is not late.  ``deadline`` is the
    deadline that was applied: the student's extension if they had one, else
    the course deadline (None when the assignment has no deadline).
    ``multiplier`` is the factor the grade is multiplied by (1.0 when on time).
    """

    late: bool
    minutes_late: float
    deadline: datetime | None
    extension_applied: bool
    multiplier: float
    explanation: str

    def to_dict(self) -> dict:
        """A JSON-friendly copy (datetimes as ISO 8601 strings)."""
        return {
            "late": self.late,
            "minutes_late": self.minutes_late,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "extension_applied": self.extension_applied,
            "multiplier": self.multiplier,
            "explanation": self.explanation,
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
    extended = extension is not None
    if applied is None or submitted_at is None:
        reason = ("no deadline is set" if applied is None else "the submission time is unknown "
                  f"({_which(extended)} {_fmt_time(applied)}{_grace(grace_minutes)})")
        return LateResult(False, 0.0, applied, extended, 1.0, f"not late: {reason}, grade x 1")
    delta = submitted_at.astimezone(timezone.utc) - applied.astimezone(timezone.utc)
    late = delta > timedelta(minutes=grace_minutes)
    factor = float(rule(late, multiplier))
    if late:
        verdict = f"late, grade x {factor:g}"
        if policy == "none":
            verdict = "late, not penalised (policy 'none'), grade x 1"
    elif delta > timedelta(0):
        verdict = f"within the grace period, on time, grade x {factor:g}"
    else:
        verdict = f"on time, grade x {factor:g}"
    course = f"; course deadline {_fmt_time(deadline)}" if extended and deadline else ""
    text = (f"submitted {_fmt_time(submitted_at, applied)}, {_relative(delta, extended)} "
            f"{_fmt_time(applied)}{_grace(grace_minutes)}{course}: {verdict}")
    minutes = delta.total_seconds() / 60 if late else 0.0
    return LateResult(late, minutes, applied, extended, factor, text)


def apply(late: LateResult, raw_total: float) -> float:
    """The final grade: the raw total (extra credit included) times the multiplier.

    Course rule: a late grade is the original grade, extra credit and all,
    multiplied by the late factor (e.g. 105 late under x 0.8 gives 84.0).
    """
    return float(raw_total) * late.multiplier


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


def _fmt_time(moment: datetime, other: datetime | None = None) -> str:
    """'2025-10-21 03:12 -07:00'; adds the time in other's zone when the offsets differ."""
    text = _clock(moment)
    if other is not None and other.utcoffset() != moment.utcoffset():
        text += f" ({_clock(moment.astimezone(other.tzinfo))})"
    return text


def _clock(moment: datetime) -> str:
    """Minute-resolution wall time with a +HH:MM offset."""
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:5]}"


def _fmt_delta(delta: timedelta) -> str:
    """A positive duration in words: '45 s', '3 h 12 min', '2 d 1 h 0 min'."""
    seconds = delta.total_seconds()
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = ([f"{days} d"] if days else []) + ([f"{hours} h"] if days or hours else [])
    return " ".join(parts + [f"{mins} min"])


def _which(extended: bool) -> str:
    return "extended deadline" if extended else "deadline"


def _grace(minutes: float) -> str:
    """' (grace 5 min)', or nothing when there is no grace period."""
    return f" (grace {minutes:g} min)" if minutes else ""


def _relative(delta: timedelta, extended: bool) -> str:
    """'3 h 12 min after the deadline', '10 min before the extended deadline'..."""
    if delta > timedelta(0):
        return f"{_fmt_delta(delta)} after the {_which(extended)}"
    if delta < timedelta(0):
        return f"{_fmt_delta(-delta)} before the {_which(extended)}"
    return f"exactly at the {_which(extended)}"
