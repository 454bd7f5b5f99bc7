"""A message in parts: the grader's words, code, and text a student supplied.

A check's ``message`` stays one plain string (grades.csv and grades.json, the console,
caches), written with the grader's convention of backticks around code:
``could not check `net`: ...``.  Its parts say what each piece is, so a page can show
code as code and escape what the student wrote without reading it as markup:

- ``TEXT``: the grader's own words;
- ``CODE``: code, the grader's (`net`) or quoted from the notebook (a cell's first line);
- ``STUDENT``: text the notebook supplied (an exception's message, a name the kernel
  handed over), shown as written, never read for backticks.

``say`` builds a message from a template in the grader's convention and values, each
marked ``student(...)`` when the notebook supplied it; ``parse`` reads the parts of a
plain message that was built without them (the grader's convention only: results
made before parts existed).  No I/O, no rendering here (``report.text`` renders).
"""
from __future__ import annotations

import re
import string

TEXT, CODE, STUDENT = "text", "code", "student"
KINDS = (TEXT, CODE, STUDENT)
_MARK = "\ue000"          # stands for a student value while the template is read


class Student(str):
    """A value the notebook supplied: never read for backticks."""


def student(value) -> Student:
    return Student(value if isinstance(value, str) else str(value))


class Message(str):
    """A plain message (the str) that also knows its ``parts``."""
    parts: tuple

    def __new__(cls, parts):
        parts = _merged(parts)
        self = super().__new__(cls, plain(parts))
        self.parts = parts
        return self

    def __getnewargs__(self):            # copies and pickles rebuild it from its parts
        return (self.parts,)

    def __add__(self, other):
        return Message(self.parts + parts_of(other))

    def __radd__(self, other):
        return Message(parts_of(other) + self.parts)


def _merged(parts) -> tuple:
    """Adjacent parts of one kind joined, empty ones dropped."""
    out = []
    for kind, text in parts:
        if not text:
            continue
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + text)
        else:
            out.append((kind, text))
    return tuple(out)


def fence(code: str) -> str:
    """The backticks around ``code`` in the convention: one more than its longest run."""
    longest, run = 0, 0
    for ch in code:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * (longest + 1)


def plain(parts) -> str:
    """The plain message of ``parts``: code between backticks."""
    out = []
    for kind, text in parts:
        if kind == CODE:
            pad = " " if text.startswith("`") or text.endswith("`") else ""
            out.append(f"{fence(text)}{pad}{text}{pad}{fence(text)}")
        else:
            out.append(text)
    return "".join(out)


_RUN = re.compile("`+")


def _spans(message: str):
    """(in code, text) of a message in the grader's convention, read as Markdown reads
    code spans: a run of backticks opens one that the next run of the same length
    closes (one space each side dropped when both are there); a run that nothing
    closes is text."""
    at, runs = 0, list(_RUN.finditer(message))
    i = 0
    while i < len(runs):
        run = runs[i]
        close = next((j for j in range(i + 1, len(runs))
                      if len(runs[j][0]) == len(run[0])), None)
        if close is None:
            i += 1
            continue
        yield False, message[at:run.start()]
        code = message[run.end():runs[close].start()]
        if len(code) > 1 and code[0] == code[-1] == " " and code.strip():
            code = code[1:-1]
        yield True, code
        at, i = runs[close].end(), close + 1
    yield False, message[at:]


def _read(message: str):
    """``_spans``, with ``_MARK`` + index + ``;`` coming out as (in code, index) for
    ``say``."""
    for in_code, piece in _spans(message):
        for j, chunk in enumerate(piece.split(_MARK)):
            if j:
                digits, _, chunk = chunk.partition(";")
                yield in_code, int(digits)
            yield in_code, chunk


def parse(message: str) -> tuple:
    """The parts of a plain message in the grader's convention (text, `code`, text)."""
    clean = str(message).replace(_MARK, "")
    return _merged((CODE if code else TEXT, text) for code, text in _read(clean))


def parts_of(value) -> tuple:
    """The parts of any message: its own, a student value's, else read as the grader's."""
    if isinstance(value, Message):
        return value.parts
    if isinstance(value, Student):
        return ((STUDENT, str(value)),) if value else ()
    return parse(value)


def say(template: str, **values) -> Message:
    """``template`` (``str.format`` fields, the grader's backticks) filled with
    ``values``: a ``Student`` value is the notebook's text (code inside backticks), a
    ``Message`` keeps its parts, anything else is the grader's and read like the
    template."""
    text, held = [], []
    for literal, field, spec, conv in string.Formatter().parse(template):
        text.append(literal.replace(_MARK, ""))
        if field is None:
            continue
        value = values[field]
        if isinstance(value, (Student, Message)):
            text.append(f"{_MARK}{len(held)};")
            held.append(value)
        else:
            value = repr(value) if conv == "r" else str(value) if conv == "s" else value
            text.append(format(value, spec or "").replace(_MARK, ""))
    parts = []
    for code, piece in _read("".join(text)):
        if isinstance(piece, str):
            parts.append((CODE if code else TEXT, piece))
        elif code:
            parts.append((CODE, str(held[piece])))
        else:
            parts.extend(parts_of(held[piece]))
    return Message(parts)


def valid(parts) -> tuple:
    """``parts`` as read from anywhere (a cached result, JSON), or () when they are not
    a sequence of (kind, text) pairs of known kinds."""
    try:
        out = tuple((str(k), str(t)) for k, t in parts)
    except (TypeError, ValueError):
        return ()
    return out if all(k in KINDS for k, _ in out) else ()
