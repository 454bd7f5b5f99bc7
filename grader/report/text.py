"""Shared wording and number formatting for every report (no I/O here)."""
from __future__ import annotations

import hashlib
import math
import re
from datetime import datetime

from markupsafe import Markup, escape

from ..errors import one_line, printable
from ..intake.ids import sanitise_id
from ..message import CODE, TEXT, fence, parse, plain


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
    return span(float(minutes or 0) * 60)


def span(seconds) -> str:
    """A duration in seconds in words (negative counts as 0): '45 s', '3 h 12 min'."""
    seconds = max(float(seconds), 0.0)
    if seconds < 60:
        return f"{seconds:.0f} s"
    days, rest = divmod(int(seconds // 60), 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = ([f"{days} d"] if days else []) + ([f"{hours} h"] if days or hours else [])
    return " ".join(parts + [f"{mins} min"])


def clock(moment: datetime) -> str:
    """A datetime as '2025-10-31 23:59 -04:00' (minutes; the offset when it has one)."""
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M}" + (f" {offset[:3]}:{offset[3:5]}" if offset else "")


# --- the wording of points: every report says totals and extra credit this way -------

def extra_words(extra) -> str:
    """' (incl. 5 extra credit)', or nothing when no extra credit was earned."""
    return f" (incl. {num(extra)} extra credit)" if extra else ""


def total_words(result) -> str:
    """'105 of 100 (incl. 5 extra credit)'."""
    return f"{num(result.score)} of {num(result.possible)}{extra_words(result.extra)}"


def raw_words(result) -> str:
    """'raw 105 (incl. 5 extra credit)'."""
    return f"raw {num(result.score)}{extra_words(result.extra)}"


def check_label(check) -> str:
    """A check's name for people: 'bonus (extra credit)'; 'extra_credit' stays as is."""
    tag = " (extra credit)" if check.extra_credit and "extra" not in check.name else ""
    return clip(check.name, 200) + tag


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


def figure_names(stems: dict) -> dict:
    """{student id: the stem of the file of their own figure}: '<stem>-figure', never
    another student's stem nor another figure's (case aside: 'bob-figure' is a student
    too)."""
    used = {s.lower() for s in stems.values()}
    out = {}
    for sid, stem in stems.items():
        name, n = f"{stem}-figure", 2
        while name.lower() in used:
            name, n = f"{stem}-figure-{n}", n + 1
        used.add(name.lower())
        out[sid] = name
    return out


_MD_SPECIAL = re.compile(r"([\\`\[\]<>&|])")


def md(text) -> str:
    """Escape student-controlled text for Markdown (no raw HTML, no table breaks, bidi
    and other hidden characters written out as ``\\u202e``)."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(clip(text)))


# --- messages in parts (grader.message): code shown as code, the rest escaped --------

class Markdown(str):
    """Markdown already escaped (``md_message``): the Markdown templates leave it as is."""


def message_parts(message, parts=(), limit: int = MAX_TEXT) -> tuple:
    """The parts to show for ``message``: ``parts`` when they are that message (an
    override rewrites the message and keeps no parts of its own), else the grader's
    backticks read from the message; cut to ``limit`` characters in all."""
    if not (parts and plain(parts) == str(message)):
        parts = parse(clip(message, 10 * limit))
    out, left = [], limit
    for kind, text in parts:
        if left <= 0:
            break
        out.append((kind, text[:left]))
        left -= len(text)
    if left < 0:
        out.append((TEXT, f" ... [{-left} more characters cut]"))
    return tuple(out)


def _code_span(code: str, *, table: bool) -> str:
    """A Markdown code span holding ``code`` on one line (a longer fence round a
    backtick; ``|`` escaped in a table row, where GitHub reads it before the span)."""
    code = one_line(code)
    if table:
        code = code.replace("|", "\\|")
    pad = " " if code[:1] in ("`", " ") or code[-1:] in ("`", " ") else ""
    return f"{fence(code)}{pad}{code}{pad}{fence(code)}"


def _line(text: str) -> str:
    """A part on one printable line, its edges kept (the parts around it need them)."""
    return printable(re.sub(r"\s+", " ", text))


def md_message(parts, *, table: bool = False) -> Markdown:
    """``parts`` in Markdown: code spans for code, every other part escaped as ``md``
    escapes."""
    return Markdown("".join(_code_span(t, table=table) if k == CODE
                            else _MD_SPECIAL.sub(r"\\\1", _line(t))
                            for k, t in parts if t.strip() or k != CODE))


def html_message(parts) -> Markup:
    """``parts`` in HTML: ``<code>`` for code, every part escaped and on one printable
    line (no bidi controls, no line breaks)."""
    return Markup("".join(f"<code>{escape(one_line(t))}</code>" if k == CODE
                          else str(escape(_line(t))) for k, t in parts))
