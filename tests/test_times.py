"""grader.intake.times: submission times as nbgrader, Gradescope and TAs write them."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil.tz import gettz

from grader.intake.times import parse_time

# the course zones of the issue, each in winter and summer: 34 zone-and-season cases
ZONES = ["UTC", "America/Los_Angeles", "America/Denver", "America/Phoenix", "America/Chicago",
         "America/New_York", "America/Sao_Paulo", "Europe/London", "Europe/Berlin",
         "Europe/Moscow", "Africa/Johannesburg", "Asia/Kolkata", "Asia/Shanghai", "Asia/Tokyo",
         "Australia/Sydney", "Pacific/Auckland", "America/Halifax"]
MOMENTS = [datetime(2025, 1, 15, 23, 59, 30, 948203, tzinfo=timezone.utc),
           datetime(2025, 7, 15, 23, 59, 30, 948203, tzinfo=timezone.utc)]


def nbgrader_stamp(moment, zone, fmt="%Y-%m-%d %H:%M:%S.%f %Z"):
    """What nbgrader writes: now(gettz(timezone)).strftime(timestamp_format)."""
    return moment.astimezone(gettz(zone)).strftime(fmt)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("moment", MOMENTS, ids=["winter", "summer"])
def test_nbgrader_abbreviations_read_in_the_course_zone(zone, moment):
    stamp = nbgrader_stamp(moment, zone)
    assert parse_time(stamp, local=ZoneInfo(zone)) == moment, stamp
    short = nbgrader_stamp(moment, zone, "%Y-%m-%d %H:%M:%S %Z")        # zipcollect's format
    assert parse_time(short, local=ZoneInfo(zone)) == moment.replace(microsecond=0), short


def test_the_31_minutes_late_case_is_late():
    stamp = "2025-11-01 00:30:00.000000 EDT"
    deadline = datetime(2025, 10, 31, 23, 59, tzinfo=ZoneInfo("America/New_York"))
    when = parse_time(stamp, local=ZoneInfo("America/New_York"))
    assert (when - deadline).total_seconds() == 31 * 60


@pytest.mark.parametrize("text", ["20251107T235930+0000", "07 Nov 2025 23:59:30 UTC",
                                  "2025-11-07T23:59:30Z", "2025-11-07 23:59:30 -0000",
                                  "Fri, 07 Nov 2025 23:59:30 GMT", "2025-11-07 18:59:30 EST"])
def test_custom_nbgrader_and_lms_formats(text):
    want = datetime(2025, 11, 7, 23, 59, 30, tzinfo=timezone.utc)
    assert parse_time(text, local=ZoneInfo("America/New_York")) == want


NY = ZoneInfo("America/New_York")


def test_an_abbreviation_with_one_meaning_is_read_as_its_offset_with_a_note():
    """Issue 25 item 7: nbgrader on a Pacific server, a New York course: 21:30 PDT is
    00:30 EDT, 31 minutes after a 23:59 deadline (it used to be 'time unknown')."""
    notes = []
    when = parse_time("2025-10-31 21:30:00.000000 PDT", local=NY, notes=notes)
    deadline = datetime(2025, 10, 31, 23, 59, tzinfo=NY)
    assert (when - deadline).total_seconds() == 31 * 60
    assert notes == ["time zone 'PDT' read as UTC-07:00 (2025-11-01 00:30 EDT in the course "
                     "zone America/New_York)"]
    assert parse_time("2025-10-31 21:30 CEST", local=NY) == \
        datetime(2025, 10, 31, 19, 30, tzinfo=timezone.utc)
    assert parse_time("2025-10-31 21:30 NST") == datetime(2025, 11, 1, 1, 0, tzinfo=timezone.utc)
    quiet = []                                       # the course zone's own name: no note
    parse_time("2025-11-01 00:30:00 EDT", local=NY, notes=quiet)
    assert quiet == []


@pytest.mark.parametrize("abbr", ["CST", "IST", "BST", "PST", "AST"])
def test_an_ambiguous_abbreviation_needs_the_course_zone(abbr):
    with pytest.raises(ValueError, match=rf"'{abbr}' is ambiguous and not America/New_York's "
                                         r"on 2025-11-01 \(it is EDT\): set the rubric's "
                                         r"timestamp_zone"):
        parse_time(f"2025-11-01 00:30:00 {abbr}", local=NY)
    with pytest.raises(ValueError, match="ambiguous"):
        parse_time(f"2025-11-01 00:30:00 {abbr}")              # India? Ireland? Israel?
    chicago = ZoneInfo("America/Chicago")                       # the course's own CST is fine
    assert parse_time("2025-12-01 10:00 CST", local=chicago) == \
        datetime(2025, 12, 1, 10, 0, tzinfo=chicago)
    with pytest.raises(ValueError, match="'XYZ' is not America/New_York's"):
        parse_time("2025-11-01 00:30:00 XYZ", local=NY)


def test_times_without_a_zone_take_the_given_zone():
    ny = ZoneInfo("America/New_York")
    assert parse_time("2025-10-31 23:59", ny) == datetime(2025, 10, 31, 23, 59, tzinfo=ny)


@pytest.mark.parametrize("text", ["5", "sometime on tuesday", "2025-13-01 10:00", "",
                                  "2025-10-31 23:59 Mars/Olympus"])
def test_what_is_not_a_time_is_a_value_error(text):
    with pytest.raises(ValueError):
        parse_time(text)
