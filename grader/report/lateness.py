"""Lateness in words: the explanation of a verdict and the late-penalty arithmetic.

``grader.late`` decides (a ``LateResult``: the verdict and the facts behind it);
this module only words it.  Every report says lateness through these functions,
so grades.json, the feedback pages, Gradescope and the summary all agree.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .text import clock, duration, num, raw_words, span


def explanation(late) -> str:
    """'submitted 2025-10-21 03:12 -07:00, 3 h 12 min after the deadline
    2025-10-21 00:00 -07:00 (grace 5 min): late, grade x 0.8' (grades.json's wording)."""
    if late is None:
        return ""
    applied, extended, grace = late.deadline, late.extension_applied, late.grace_minutes
    delta = late.after_deadline
    if delta is None and applied is not None:
        return (f"submission time unknown ({_which(extended)} {_moment(applied)}"
                f"{_grace(grace)}): lateness not assessed, no penalty applied, grade x 1")
    if delta is None:
        return "not late: no deadline is set, grade x 1"
    course = late.course_deadline
    course = f"; course deadline {_moment(course)}" if extended and course else ""
    return (f"submitted {_moment(late.submitted_at, applied)}, {_relative(delta, extended)} "
            f"{_moment(applied)}{_grace(grace)}{course}: {_verdict(late, delta)}")


def arithmetic(result) -> str:
    """The late-penalty arithmetic in one sentence, using the result's own numbers:
    'raw 105 (incl. 5 extra credit) x 0.8 (late: 3 h 12 min after the deadline
    2025-10-31 23:59 -04:00) = 84' (nothing is recomputed)."""
    late = result.late
    mult = multiplier(result)
    deadline = late.deadline if late is not None else None
    extended = late is not None and late.extension_applied
    prefix = f"extension to {clock(deadline)} applied; " if extended and deadline else ""
    if is_late(result):
        after = f"{duration(late.minutes_late)} after the {_which(extended)}"
        after += f" {clock(deadline)}" if deadline else ""
        return (f"{prefix}{raw_words(result)} x {num(mult)} (late: {after}) "
                f"= {num(result.final)}")
    factor = "" if mult == 1 else f" x {num(mult)}"
    when = "submission time unknown: no penalty applied" if time_unknown(result) else \
        "on time: no penalty"
    return f"{prefix}{when}; {raw_words(result)}{factor} = {num(result.final)}"


def is_late(result) -> bool:
    return bool(result.late is not None and result.late.late)


def time_unknown(result) -> bool:
    """A deadline applies but nothing said when the work was submitted: neither late nor
    on time (every report says 'unknown', never 'on time')."""
    late = result.late
    return bool(late is not None and late.deadline is not None and late.submitted_at is None)


def multiplier(result) -> float:
    """The factor that was applied (1.0 when the result has no late verdict)."""
    return result.late.multiplier if result.late is not None else 1.0


def minutes_late(result) -> float:
    return result.late.minutes_late if result.late is not None else 0


def extended(result) -> bool:
    return bool(result.late is not None and result.late.extension_applied)


def flag(result) -> str:
    """'yes' / 'no' for the late column; '' when the submission time is unknown."""
    return "" if time_unknown(result) else "yes" if is_late(result) else "no"


def short(result) -> str:
    """'no', 'yes x0.8', 'no (ext)', 'unknown': the summary table's late column."""
    text = f"yes x{num(multiplier(result))}" if is_late(result) else \
        "unknown" if time_unknown(result) else "no"
    return text + (" (ext)" if extended(result) else "")


def column(result) -> str:
    """The class report's late cell: 'no', 'no (ext)', '3 h 12 min' (how late),
    '3 h 12 min (ext)' (late even with the extension), 'unknown'."""
    text = duration(minutes_late(result)) if is_late(result) else \
        "unknown" if time_unknown(result) else "no"
    return text + (" (ext)" if extended(result) else "")


def _verdict(late, delta: timedelta) -> str:
    if late.late and late.policy == "none":
        return "late, not penalised (policy 'none'), grade x 1"
    if late.late:
        return f"late, grade x {late.multiplier:g}"
    if delta > timedelta(0):
        return f"within the grace period, on time, grade x {late.multiplier:g}"
    return f"on time, grade x {late.multiplier:g}"


def _moment(moment: datetime, other: datetime | None = None) -> str:
    """'2025-10-21 03:12 -07:00'; adds the time in other's zone when the offsets differ."""
    text = clock(moment)
    if other is not None and other.utcoffset() != moment.utcoffset():
        text += f" ({clock(moment.astimezone(other.tzinfo))})"
    return text


def _which(extended: bool) -> str:
    return "extended deadline" if extended else "deadline"


def _grace(minutes: float) -> str:
    """' (grace 5 min)', or nothing when there is no grace period."""
    return f" (grace {minutes:g} min)" if minutes else ""


def _relative(delta: timedelta, extended: bool) -> str:
    """'3 h 12 min after the deadline', '10 min before the extended deadline'..."""
    if delta > timedelta(0):
        return f"{span(delta.total_seconds())} after the {_which(extended)}"
    if delta < timedelta(0):
        return f"{span(-delta.total_seconds())} before the {_which(extended)}"
    return f"exactly at the {_which(extended)}"
