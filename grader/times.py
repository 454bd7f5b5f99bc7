"""Submission times: parse what nbgrader, Gradescope and TAs' manifests write into
aware datetimes; read a manifest of ``student_id,submitted_at``."""
from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from .errors import SubmissionsError, one_line as _one_line, printable as _show

_TIME = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})[T ](\d{1,2}:\d{2}(?::\d{2})?)(?:\.(\d+))?\s*(.*)")
_OFFSET = re.compile(r"(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?")


def read_manifest(path, *, default_tz: str = "UTC") -> dict[str, datetime]:
    """Read a CSV with columns student_id and submitted_at into {id: aware time}.

    Naive times are taken to be in default_tz.  Any bad row raises
    SubmissionsError naming the file and line.
    """
    path, zone = Path(path), time_zone(default_tz)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return _manifest_rows(path, csv.DictReader(handle), zone)
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
            times[sid] = parse_time(when, zone)
        except ValueError as err:
            raise SubmissionsError(f"{where}: bad submitted_at for {_show(sid)!r}: {err}") from None
    return times


def parse_time(value, zone=timezone.utc) -> datetime:
    """Turn a timestamp into an aware datetime; naive values get ``zone``.

    Accepts datetimes, ISO 8601, nbgrader's ``2015-02-02 14:58:23.948203
    America/Los_Angeles``, ``... UTC`` and Gradescope's ``... -0700``.
    """
    if isinstance(zone, str):
        zone = time_zone(zone)
    if isinstance(value, datetime):
        return value if value.utcoffset() is not None else value.replace(tzinfo=zone)
    match = _TIME.fullmatch(str(value).strip())
    if not match:
        raise ValueError(f"unrecognised time {_show(str(value)[:60])!r}")
    day, clock, fraction, rest = match.groups()
    y, m, d = (int(x) for x in day.split("-"))
    hms = [int(x) for x in clock.split(":")] + [0]
    naive = datetime(y, m, d, hms[0], hms[1], hms[2], int((fraction or "0")[:6].ljust(6, "0")))
    rest = rest.strip()
    if not rest:
        return naive.replace(tzinfo=zone)
    if rest in ("Z", "UTC", "GMT"):
        return naive.replace(tzinfo=timezone.utc)
    offset = _OFFSET.fullmatch(rest)
    if offset:
        span = timedelta(hours=int(offset[2]), minutes=int(offset[3] or 0))
        return naive.replace(tzinfo=timezone(-span if offset[1] == "-" else span))
    return naive.replace(tzinfo=time_zone(rest))


def time_zone(name: str):
    """A tzinfo for a zone name; SubmissionsError for unknown names."""
    if name in ("UTC", "Z"):
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        raise SubmissionsError(f"unknown time zone {_show(name)!r}") from None
