"""One error hierarchy: every problem a user can fix is a ``GraderError`` whose
message is one line naming the file and what is wrong.  The CLI prints those as
one line; anything else is a bug and keeps its traceback.

The children keep ``ValueError`` (or ``OSError``) as a second base so that code
written against the old classes still catches them.
"""
from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager


class GraderError(Exception):
    """A bad input or set-up the user can fix; the message is one line."""


class InputError(GraderError, ValueError):
    """A bad argument or file given to a verb (``grader grade``, ``check``, ...)."""


class RubricError(GraderError, ValueError):
    """An unusable rubric; the message names the file and the key."""


class SubmissionsError(GraderError, ValueError):
    """A submissions folder, metadata file or manifest that cannot be used."""


class DataError(GraderError, ValueError):
    """A data file the grader cannot use (wraps ``reference.data.DataFileError``)."""


# where the others live (each beside the code that raises it):
# student_notebook.AssignError, report.atomic.ReportWriteError


@contextmanager
def data_errors():
    """Turn the data loader's one-line ``DataFileError`` (``reference`` never imports
    ``grader``) into a ``DataError``."""
    from reference.data import DataFileError
    try:
        yield
    except DataFileError as exc:
        raise DataError(str(exc)) from None


def not_found(path, *, folder: bool = False) -> str:
    """The one wording of a file or folder that is not there, across the CLI:
    ``<path>: file not found`` / ``<path>: folder not found``."""
    return f"{printable(path)}: {'folder' if folder else 'file'} not found"


def printable(value) -> str:
    """Printable one-line text: undecodable bytes escaped, control characters written
    as ``\x0a`` and the other characters that change how text around them shows
    (Unicode Cf, Zl, Zp: bidi controls, zero-width characters) as ``\u202e``."""
    text = str(value)
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _HIDDEN.sub(_written, text)


# Where Unicode assigns characters other than private use: planes 0-3 and 14 (planes 4-13
# are unassigned, 15-16 private use), a third of the code points, read at every start
ASSIGNED = (range(0xa0, 0x40000), range(0xe0000, 0xf0000))


def hidden_characters(planes=ASSIGNED) -> str:
    """Format and separator characters (Unicode categories Cf, Zl, Zp) in ``planes``."""
    return "".join(chr(c) for r in planes for c in r
                   if unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp"))


# C0/C1 controls, then format and separator characters
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f" + re.escape(hidden_characters()) + "]")


def _written(m) -> str:
    c = ord(m[0])
    return f"\\x{c:02x}" if c < 0xa0 else f"\\u{c:04x}" if c <= 0xFFFF else f"\\U{c:08x}"


def one_line(value) -> str:
    """Any value (an exception, a message) as printable text on one line: every run of
    whitespace one space, the rest as ``printable`` writes it.  The grader's one way of
    folding text to a line."""
    return printable(" ".join(str(value).split()))
