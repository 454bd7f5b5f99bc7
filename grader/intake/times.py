"""Submission times: parse what nbgrader, Gradescope and TAs' manifests write into
aware datetimes; read a manifest of ``student_id,submitted_at``."""
from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from ..errors import SubmissionsError, not_found, one_line as _one_line, printable as _show



def read_manifest(path, *, default_tz="UTC") -> dict[str, datetime]:
    """Read a CSV with columns student_id and submitted_at into {id: aware time}.

    Naive times are taken to be in default_tz (a zone name or tzinfo: the course's
    zone), which also reads abbreviations.  Any bad row raises SubmissionsError
    naming the file and line.
    """
    path = Path(path)
    zone = time_zone(default_tz) if isinstance(default_tz, str) else default_tz
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return _manifest_rows(path, csv.DictReader(handle), zone)
    except FileNotFoundError:
        raise SubmissionsError(not_found(path)) from None
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise SubmissionsError(f"{_show(path)}: cannot read manifest ({_one_line(err)})") from None


def _manifest_rows(path: Path, reader: csv.DictReader, zone) -> dict[str, datetime]:
    """Parse and validate the rows of an open manifest."""
    columns = [c.strip() for c in reader.fieldnames or []]
    if not {"student_id", "submitted_at"} <= set(columns):
        found = _show(", ".join(columns)) or "nothing"
        raise SubmissionsError(f"{_show(path)}:1: manifest header must have columns student_id "
                               f"and submitted_at (found: {found})")
    times: dict[str, datetime] = {}
    for row in reader:
        where = f"{_show(path)}:{reader.line_num}"
        row = {k.strip(): (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        sid, when = row.get("student_id", ""), row.get("submitted_at", "")
        if not sid:
            raise SubmissionsError(f"{where}: empty student_id")
        if sid.lower() in {k.lower() for k in times}:
            raise SubmissionsError(f"{where}: student_id {_show(sid)!r} appears twice")
        try:
            times[sid] = parse_time(when, zone, local=zone)
        except ValueError as err:
            raise SubmissionsError(f"{where}: bad submitted_at for {_show(sid)!r}: {err}") from None
    return times


def parse_time(value, zone=timezone.utc, *, local=None, notes=None) -> datetime:
    """Turn a timestamp into an aware datetime; naive values get ``zone``.

    Reads datetimes, ISO 8601 and what nbgrader, Gradescope and LMS exports write
    (python-dateutil parses the date and clock): ``2015-02-02 14:58:23.948203
    America/Los_Angeles``, ``... UTC``, ``... -0700``, ``20251107T235930+0000``,
    ``07 Nov 2025 23:59:30 UTC``.  A zone abbreviation (nbgrader writes ``%Z``:
    ``EDT``, ``CEST``) is read as ``local`` (the course's zone) when it is that
    zone's name at that date; else, when it has one meaning (``PDT`` is -07:00
    wherever it is written: ``ONE_MEANING``), as that offset, with a line saying so
    appended to ``notes``; else (``CST``, ``IST``, ``BST``: ``AMBIGUOUS``, or a name
    we do not know) ValueError says why, since guessing would move a deadline by hours.
    """
    if isinstance(zone, str):
        zone = time_zone(zone)
    if isinstance(value, datetime):
        return value if value.utcoffset() is not None else value.replace(tzinfo=zone)
    text = str(value).strip()
    if not _CLOCK.search(text):
        raise ValueError(f"unrecognised time {_show(text[:60])!r} (no date and clock time)")
    head, tail = _split_zone(text)
    when = _dateutil(head if tail else text)
    if tail is None:
        return when if when.utcoffset() is not None else when.replace(tzinfo=zone)
    if when.utcoffset() is not None:
        raise ValueError(f"time {_show(text[:60])!r} names two zones")
    if tail.upper() in _UTC_NAMES:
        return when.replace(tzinfo=timezone.utc)
    if "/" in tail:
        return when.replace(tzinfo=time_zone(tail))
    return _abbreviated(when, tail, local, notes)


_CLOCK = re.compile(r"\d{1,2}:\d{2}|T\d{4}")
_TAIL = re.compile(r"(.*\d(?:\s*[AaPp]\.?[Mm]\.?)?)\s+([A-Za-z][A-Za-z0-9_+\-/]*)")
_UTC_NAMES = {"UTC", "GMT", "Z", "UT", "ETC/UTC"}


def _split_zone(text):
    """(date and clock, trailing zone name) or (text, None)."""
    m = _TAIL.fullmatch(text)
    if m and not m[2].upper() in ("AM", "PM"):
        return m[1], m[2]
    return text, None


def _dateutil(text) -> datetime:
    from dateutil import parser

    def no_names(name, offset):
        if name and name.upper() not in _UTC_NAMES:
            raise ValueError(f"time zone name {_show(name)!r} inside the time")
        if not name and offset is None:
            return None                       # dateutil asks even for a naive time
        return timezone(timedelta(seconds=offset)) if offset else timezone.utc
    try:
        return parser.parse(text, tzinfos=no_names)
    except (ValueError, OverflowError) as err:
        raise ValueError(f"unrecognised time {_show(text[:60])!r} ({_one_line(err)[:80]})") from None


# Abbreviations with one meaning: the offset (hours) every zone writing the name has
# (tzdata 2025, checked against every zone, winter and summer), and that no other common
# usage contradicts.  Left out on purpose (AMBIGUOUS): CST/CDT (US central, China, Cuba),
# IST (India, Ireland, Israel), BST (British summer, Bangladesh), PST (US Pacific,
# Philippines), AST/ADT (Atlantic, Arabia), SST (Samoa, Singapore), GST (Gulf, South
# Georgia): those need the rubric's timestamp_zone.
ONE_MEANING = {
    "HST": -10, "HDT": -9, "AKST": -9, "AKDT": -8, "PDT": -7, "MST": -7, "MDT": -6,
    "EST": -5, "EDT": -4, "NST": -3.5, "NDT": -2.5,
    "WET": 0, "WEST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3,
    "WAT": 1, "CAT": 2, "SAST": 2, "EAT": 3, "PKT": 5, "WIB": 7, "WITA": 8, "WIT": 9,
    "HKT": 8, "AWST": 8, "JST": 9, "KST": 9, "ACST": 9.5, "ACDT": 10.5,
    "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}
AMBIGUOUS = {"CST", "CDT", "IST", "BST", "PST", "AST", "ADT", "SST", "GST"}


def _abbreviated(naive: datetime, abbr: str, local, notes=None) -> datetime:
    """``naive`` in ``local`` when ``abbr`` is that zone's name then; else at the one
    offset ``abbr`` means (``ONE_MEANING``), noted; else ValueError."""
    names = {}
    if local is not None and hasattr(local, "utcoffset"):
        for fold in (0, 1):
            moment = naive.replace(tzinfo=local, fold=fold)
            names.setdefault(moment.tzname(), moment)
        if abbr.upper() in {str(n).upper() for n in names}:
            return next(m for n, m in names.items() if str(n).upper() == abbr.upper())
    hours = ONE_MEANING.get(abbr.upper())
    if hours is not None:
        offset = timezone(timedelta(hours=hours), abbr.upper())
        when = naive.replace(tzinfo=offset)
        if notes is not None:
            there = when.astimezone(local) if names else None
            course = f" ({there:%Y-%m-%d %H:%M} {there.tzname()} in the course zone " \
                     f"{local})" if there else ""
            notes.append(f"time zone {_show(abbr)!r} read as UTC{_offset(hours)}{course}")
        return when
    if not names:
        raise ValueError(f"time zone abbreviation {_show(abbr)!r} is "
                         f"{'ambiguous' if abbr.upper() in AMBIGUOUS else 'not one we know'}: "
                         f"set the rubric's timestamp_zone to the course's zone")
    actual = " or ".join(str(n) for n in names)
    why = "ambiguous and " if abbr.upper() in AMBIGUOUS else ""
    raise ValueError(f"time zone abbreviation {_show(abbr)!r} is {why}not {local}'s on "
                     f"{naive:%Y-%m-%d} (it is {actual}): set the rubric's timestamp_zone "
                     f"to the zone that writes {_show(abbr)!r}")


def _offset(hours: float) -> str:
    """'-07:00', '+05:30'."""
    minutes = round(abs(hours) * 60)
    return f"{'-' if hours < 0 else '+'}{minutes // 60:02d}:{minutes % 60:02d}"


def time_zone(name: str):
    """A tzinfo for a zone name; SubmissionsError for unknown names."""
    if name in ("UTC", "Z"):
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        raise SubmissionsError(f"unknown time zone {_show(name)!r}") from None
