"""Student ids as the platforms and folders give them, and how any name a student
controls is shown.

Two forms of an id, each made in one place:

* ``sanitise_id``: the key the grader files a student under (grades, cache, feedback
  file names, overrides): ``[A-Za-z0-9._@-]`` only, with a hash of the raw id
  whenever it had to change, so two distinct raw ids never become one key.
* ``errors.printable``: the id as given, for the ``original_id`` column and every note: each
  control, format or line-separator character (Unicode categories Cc, Cf, Zl, Zp:
  newlines, escapes, the bidi controls U+202A-U+202E and U+2066-U+2069, zero-width
  characters) is written out as ``\\u202e``, so nothing reorders or hides a line in
  a terminal, a spreadsheet, a web page or Markdown.  Writing them out instead of
  dropping them keeps ``al\\u200bice`` apart from ``alice``: no id can pose as another
  student's (the Canvas roster is matched on these ids).

An id is never refused for its characters: it comes from the platform or the TA's
folders, not from a claim the student makes in a notebook, and honest names carry
format characters (U+200C, the zero-width non-joiner, is part of Persian spelling).
Leading whitespace and ``= + - @`` are a spreadsheet's business, handled where every
CSV cell is written (``report.tables.spreadsheet_safe``).
"""
from __future__ import annotations

import hashlib
import re


def sanitise_id(raw: str) -> str:
    """Reduce a name to [A-Za-z0-9._@-], at most 64 characters plus a hash.

    The 8-character hash is added whenever the name had to change, so
    distinct raw names stay distinct (names differing only in case share it).
    """
    clean = re.sub(r"[^A-Za-z0-9._@-]", "_", raw).lstrip(".")[:64]
    if clean == raw and clean:
        return clean
    digest = hashlib.sha1(raw.lower().encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{clean or 'student'}-{digest}"
