"""Shared wording and number formatting for every report (no I/O here)."""
from __future__ import annotations

import hashlib
import math
import re
from datetime import datetime

from ..submissions import sanitise_id


def num(value) -> str:
    """Up to 2 decimals, no trailing zeros: 84.0 -> '84', 73.599999 -> '73.6'; None -> ''."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value).lower()
    try:
        value = float(value)
    except (TypeError, ValueError, OverflowError):
        return "?"
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def duration(minutes) -> str:
    """Minutes in words: '45 s', '3 h 12 min', '2 d 1 h 0 min'."""
    seconds = max(float(minutes or 0) * 60, 0.0)
    if seconds < 60:
        return f"{seconds:.0f} s"
    days, rest = divmod(int(seconds // 60), 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = ([f"{days} d"] if days else []) + ([f"{hours} h"] if days or hours else [])
    return " ".join(parts + [f"{mins} min"])


def when(iso) -> str:
    """An ISO time as '2025-10-31 23:59 -04:00' (unparseable text is returned as is)."""
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M}" + (f" {offset[:3]}:{offset[3:5]}" if offset else "")


def raw_words(result) -> str:
    """'raw 105 (incl. 5 extra credit)'."""
    extra = f" (incl. {num(result.extra)} extra credit)" if result.extra else ""
    return f"raw {num(result.score)}{extra}"


def late_arithmetic(result) -> str:
    """The late-penalty arithmetic in one sentence, using the result's own numbers."""
    late = result.late or {}
    mult = late.get("multiplier", 1.0)
    ext = bool(late.get("extension_applied"))
    deadline = late.get("deadline")
    prefix = f"extension to {when(deadline)} applied; " if ext and deadline else ""
    which = "extended deadline" if ext else "deadline"
    if late.get("late"):
        after = f"{duration(late.get('minutes_late'))} after the {which}"
        after += f" {when(deadline)}" if deadline else ""
        return (f"{prefix}{raw_words(result)} x {num(mult)} (late: {after}) "
                f"= {num(result.final)}")
    factor = "" if mult == 1 else f" x {num(mult)}"
    return f"{prefix}on time: no penalty; {raw_words(result)}{factor} = {num(result.final)}"


def late_flag(result) -> str:
    """'yes' / 'no' for the late column."""
    return "yes" if (result.late or {}).get("late") else "no"


def summary_table(results) -> str:
    """Fixed-width end-of-run summary: student, raw, late, final, status."""
    head = ("student", "raw", "late", "final", "status")
    rows = []
    for r in sorted(results, key=lambda r: r.student_id):
        late = r.late or {}
        flag = f"yes x{num(late.get('multiplier'))}" if late.get("late") else "no"
        if late.get("extension_applied"):
            flag += " (ext)"
        rows.append((printable(r.student_id), num(r.score), flag, num(r.final), r.status))
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(head)]
    right = {1, 3}
    def line(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    out = [line(head), line(["-" * w for w in widths])] + [line(row) for row in rows]
    return "\n".join(out) + "\n"


MAX_TEXT = 2000


def clip(text, limit: int = MAX_TEXT) -> str:
    """Any value as text of at most ``limit`` characters (a message may quote huge output)."""
    try:
        text = str(text)
    except Exception:             # a str() that raises must not stop a report
        text = "<unprintable>"
    if len(text) <= limit:
        return text
    return f"{text[:limit]} ... [{len(text) - limit} more characters cut]"


def printable(text) -> str:
    """Control characters (newlines, escapes) shown as '?', for one-line output."""
    return re.sub(r"[\x00-\x1f\x7f]", "?", str(text))


def file_names(student_ids) -> dict:
    """A safe, distinct file stem per student id (distinct even on case-blind disks)."""
    out, used = {}, set()
    for sid in student_ids:
        stem = sanitise_id(str(sid))
        if stem.lower() in used:
            digest = hashlib.sha1(str(sid).encode("utf-8", "surrogatepass")).hexdigest()[:8]
            stem = f"{stem}-{digest}"
            n = 2
            while stem.lower() in used:
                stem, n = f"{stem}-{n}", n + 1
        used.add(stem.lower())
        out[sid] = stem
    return out


_MD_SPECIAL = re.compile(r"([\\`\[\]<>&|])")


def md(text) -> str:
    """Escape student-controlled text for Markdown (no raw HTML, no table breaks)."""
    flat = " ".join(clip(text).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)
