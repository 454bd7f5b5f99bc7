"""How a notebook cell is named to a student or a TA: the way Jupyter shows it.

Jupyter numbers no markdown cell, and ``In [n]`` counts runs, not cells, so a cell is
named by its 1-based position among the notebook's code cells and its first line:
``code cell 3 (`for step in range(N_RECORDS):`)``.  Every note, reason and message
that names a cell gets its words here, never from a raw index (``index`` in a bundle's
cell record counts every cell from 0, markdown included; ``ordinal`` counts the
non-empty code cells the kernel ran, from 0).

A bundle's cell records list every code cell of the notebook in order, so a code
cell's number is one more than the records before it; its first line is the record's
``line`` (bundles cached before it was recorded name the number alone).
"""
from __future__ import annotations

from ..errors import printable
from ..message import Message, say, student

FIRST_LINE_CHARS = 40     # a first line longer than this is cut, ending '...'
MAX_LISTED = 5            # cells named in one list ('code cells 3, 4 did not run')


def _text(source) -> str:
    return "".join(map(str, source)) if isinstance(source, list) else str(source or "")


def first_line(source) -> str:
    """The cell's first non-blank line, stripped, printable, at most FIRST_LINE_CHARS."""
    line = next((ln.strip() for ln in _text(source).splitlines() if ln.strip()), "")
    line = printable(line)
    if len(line) > FIRST_LINE_CHARS:
        line = line[:FIRST_LINE_CHARS - 3].rstrip() + "..."
    return line


def label(number, line: str = "") -> str:
    """'code cell 3 (`for step in range(...)`)', or 'code cell 3' without a first line."""
    name = f"code cell {number}"
    line = first_line(line)
    if not line:
        return name
    return f"{name} ({line})" if "`" in line else f"{name} (`{line}`)"


def listed(labels) -> str:
    """'code cell 3 (`a`), code cell 4 (`b`)', at most MAX_LISTED then 'and N more'."""
    labels = list(labels)
    shown = ", ".join(labels[:MAX_LISTED])
    more = len(labels) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def in_notebook(nb, index: int) -> str:
    """The label of ``nb``'s cell ``index`` (an index that counts every cell)."""
    cells = list((nb.get("cells") if isinstance(nb, dict) else None) or [])
    if not isinstance(index, int) or not 0 <= index < len(cells):
        return f"cell {index}"
    cell = cells[index] if isinstance(cells[index], dict) else {}
    if cell.get("cell_type") != "code":
        return f"{cell.get('cell_type') or 'a'} cell (cell {index + 1} of {len(cells)})"
    number = 1 + sum(1 for c in cells[:index] if isinstance(c, dict)
                     and c.get("cell_type") == "code")
    return label(number, cell.get("source", ""))


def _records(bundle) -> list:
    return [r for r in (getattr(bundle, "cells", None) or [])
            if isinstance(r, dict) and isinstance(r.get("index"), int)
            and not isinstance(r.get("index"), bool)]


def _found(bundle, index, ordinal):
    """(the code cell's number, its first line) for a bundle's record, or the words
    for a cell the records do not know."""
    records = _records(bundle)
    key, value = ("index", index) if index is not None else ("ordinal", ordinal)
    rec = next((r for r in records if r.get(key) == value), None)
    if rec is None:
        return "a code cell" if index is None else \
            f"cell {value + 1} of the notebook (markdown cells counted)"
    return 1 + sum(1 for r in records if r["index"] < rec["index"]), str(rec.get("line", ""))


def in_bundle(bundle, *, index=None, ordinal=None) -> str:
    """The label of the code cell a bundle's records know by ``index`` (every cell
    counted from 0) or by ``ordinal`` (the kernel's count of non-empty code cells)."""
    found = _found(bundle, index, ordinal)
    return found if isinstance(found, str) else label(*found)


def said_in_bundle(bundle, *, index=None, ordinal=None) -> Message:
    """``in_bundle`` as a message in parts: the first line is the notebook's code
    (``grader.message``), shown as code whatever it holds."""
    found = _found(bundle, index, ordinal)
    if isinstance(found, str):
        return say(found)
    number, line = found[0], first_line(found[1])
    return say("code cell {n} (`{line}`)", n=number, line=student(line)) if line else \
        say("code cell {n}", n=number)
