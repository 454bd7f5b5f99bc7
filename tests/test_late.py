"""Tests for grader.late: deadlines, grace, extensions and policies (and their wording,
which lives in grader.report.lateness)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from grader.late import POLICIES, LateResult, apply, assess
from grader.report.lateness import explanation

PDT = timezone(timedelta(hours=-7))
NY = ZoneInfo("America/New_York")
DEADLINE = datetime(2025, 10, 21, 0, 0, tzinfo=PDT)


def test_on_time():
    result = assess(DEADLINE - timedelta(minutes=10), deadline=DEADLINE, grace_minutes=5)
    assert (result.late, result.minutes_late, result.multiplier) == (False, 0.0, 1.0)
    assert result.deadline == DEADLINE and not result.extension_applied
    assert "10 min before the deadline" in explanation(result)
    assert explanation(result).endswith("on time, grade x 1")


def test_late_one_minute_beyond_grace():
    result = assess(DEADLINE + timedelta(minutes=6), deadline=DEADLINE, grace_minutes=5)
    assert result.late and result.multiplier == 0.8
    assert result.minutes_late == pytest.approx(6.0)
    assert explanation(result) == (
        "submitted 2025-10-21 00:06 -07:00, 6 min after the deadline 2025-10-21 00:00 -07:00 "
        "(grace 5 min): late, grade x 0.8")


def test_explanation_matches_course_wording():
    result = assess(datetime(2025, 10, 21, 3, 12, tzinfo=PDT), deadline=DEADLINE,
                    grace_minutes=5)
    assert explanation(result) == (
        "submitted 2025-10-21 03:12 -07:00, 3 h 12 min after the deadline "
        "2025-10-21 00:00 -07:00 (grace 5 min): late, grade x 0.8")


def test_exactly_at_deadline_plus_grace_is_not_late():
    result = assess(DEADLINE + timedelta(minutes=5), deadline=DEADLINE, grace_minutes=5)
    assert not result.late and result.multiplier == 1.0 and result.minutes_late == 0
    assert "within the grace period" in explanation(result)
    just_after = assess(DEADLINE + timedelta(minutes=5, microseconds=1), deadline=DEADLINE,
                        grace_minutes=5)
    assert just_after.late


def test_extension_makes_it_on_time():
    extension = DEADLINE + timedelta(days=2)
    result = assess(DEADLINE + timedelta(days=1), deadline=DEADLINE, extension=extension)
    assert not result.late and result.multiplier == 1.0
    assert result.deadline == extension and result.extension_applied
    assert "before the extended deadline" in explanation(result)
    assert "course deadline 2025-10-21 00:00 -07:00" in explanation(result)


def test_missed_extension_is_late():
    extension = DEADLINE + timedelta(days=2)
    result = assess(extension + timedelta(hours=1), deadline=DEADLINE, extension=extension)
    assert result.late and result.multiplier == 0.8 and result.extension_applied
    assert result.minutes_late == pytest.approx(60.0)
    assert "1 h 0 min after the extended deadline" in explanation(result)


@pytest.mark.parametrize("policy, factor", [("zero", 0.0), ("none", 1.0), ("multiplier", 0.5)])
def test_policies_when_late(policy, factor):
    result = assess(DEADLINE + timedelta(days=1), deadline=DEADLINE, policy=policy,
                    multiplier=0.5)
    assert result.late and result.multiplier == factor
    assert result.minutes_late == pytest.approx(24 * 60)


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_policies_when_on_time(policy):
    assert assess(DEADLINE, deadline=DEADLINE, policy=policy).multiplier == 1.0


def test_unknown_policy_names_itself_and_the_known_ones():
    with pytest.raises(ValueError) as excinfo:
        assess(DEADLINE, deadline=DEADLINE, policy="halve")
    message = str(excinfo.value)
    assert "'halve'" in message and "multiplier, none, zero" in message


def test_late_multiplier_applies_to_total_with_extra_credit():
    result = assess(DEADLINE + timedelta(hours=3), deadline=DEADLINE)
    assert apply(result, 105) == pytest.approx(84.0)
    on_time = assess(DEADLINE, deadline=DEADLINE)
    assert apply(on_time, 105) == 105.0


def test_time_zone_crossing():
    deadline = datetime(2025, 10, 20, 23, 59, tzinfo=NY)          # 03:59 UTC next day
    on_time = assess(datetime(2025, 10, 21, 3, 58, tzinfo=timezone.utc), deadline=deadline)
    late = assess(datetime(2025, 10, 21, 4, 30, tzinfo=timezone.utc), deadline=deadline)
    assert not on_time.late
    assert late.late and late.minutes_late == pytest.approx(31.0)
    assert "2025-10-21 04:30 +00:00 (2025-10-21 00:30 -04:00)" in explanation(late)


def test_daylight_saving_change_counts_real_minutes():
    deadline = datetime(2025, 11, 2, 0, 0, tzinfo=NY)              # EDT, -04:00
    submitted = datetime(2025, 11, 2, 3, 0, tzinfo=NY)             # EST, -05:00
    result = assess(submitted, deadline=deadline)
    assert result.minutes_late == pytest.approx(4 * 60)


def test_unknown_submission_time_or_no_deadline_is_never_late():
    unknown = assess(None, deadline=DEADLINE)
    assert not unknown.late and unknown.multiplier == 1.0
    assert "unknown" in explanation(unknown)
    free = assess(DEADLINE + timedelta(days=30), deadline=None)
    assert not free.late and free.deadline is None and free.multiplier == 1.0
    assert "no deadline" in explanation(free)


@pytest.mark.parametrize("field", ["submitted_at", "deadline", "extension"])
def test_naive_datetimes_are_rejected(field):
    args = {"submitted_at": DEADLINE, "deadline": DEADLINE, "extension": None}
    args[field] = datetime(2025, 10, 21)
    with pytest.raises(ValueError, match=field):
        assess(args.pop("submitted_at"), **args)


def test_bad_grace_or_multiplier_rejected():
    with pytest.raises(ValueError, match="grace"):
        assess(DEADLINE, deadline=DEADLINE, grace_minutes=-1)
    with pytest.raises(ValueError, match="multiplier"):
        assess(DEADLINE, deadline=DEADLINE, multiplier=float("nan"))


def test_to_dict_is_json_friendly():
    result = assess(DEADLINE + timedelta(minutes=1), deadline=DEADLINE)
    data = result.to_dict()
    assert data["deadline"] == "2025-10-21T00:00:00-07:00"
    assert data["late"] is True and data["multiplier"] == 0.8
    assert sorted(data) == ["deadline", "extension_applied", "late", "minutes_late", "multiplier"]
    assert isinstance(result, LateResult)


def test_the_verdict_keeps_its_facts():
    extension = DEADLINE + timedelta(days=2)
    submitted = DEADLINE + timedelta(days=1)
    result = assess(submitted, deadline=DEADLINE, extension=extension, grace_minutes=5,
                    policy="zero")
    assert (result.submitted_at, result.course_deadline, result.deadline) == (
        submitted, DEADLINE, extension)
    assert (result.grace_minutes, result.policy) == (5, "zero")
    assert result.after_deadline == timedelta(days=-1)
    assert assess(None, deadline=DEADLINE).after_deadline is None


def test_late_module_has_no_wording():
    import grader.late as late
    assert not hasattr(LateResult, "explanation")
    assert not any(name.startswith("_fmt") or name == "_relative" for name in vars(late))
