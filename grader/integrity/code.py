"""The code the integrity report compares, and its fingerprints (``grader/integrity.py``).

A notebook's code is its code cells, magic and shell lines blanked, the given cells left
as given left out.  What is fingerprinted is what copydetect's filter keeps of it:
comments, blank lines and whitespace go, every identifier becomes one letter and every
string's content one letter; a fingerprint hashes ``K`` characters of that.  Each cell is
filtered on its own, as Python compiles each cell on its own, so a cell that opens a
string and never closes it (a SyntaxError that costs its author nothing) hides no later
cell.

Caps, counted on what the filter keeps, never on characters a student can pad with:

* ``MAX_FINGERPRINTS`` (100,000) fingerprints a notebook: the course's whole solution
  has 2,432, a student's answers about 900 (the given cells left out);
* ``MAX_LEXED`` (500,000) characters handed to the tokeniser at once (pygments: 1-5
  microseconds and up to 140 bytes a character).

A notebook over either (padding: a huge comment cell, thousands of trivial statements,
a giant unused function) is compared on the part it shares with the class
(``grader/integrity/padding.py``): comments and strings stripped, then only its lines
that another notebook also has, and it is named in the report.  Padding that no other
notebook shares cannot push a copied part out of what is compared.

Filtering is the analysis's cost (about 0.1 s a notebook): each notebook's filtered code
is kept in the batch's cache (``lexed``), so a re-score filters only what changed.
"""
from __future__ import annotations

import io
import json
from functools import lru_cache
from importlib.metadata import version

import numpy as np

from ..remembered import code_digest, remembered
from . import padding as padding

K = 30                        # fingerprint length in filtered characters (about two statements)
MAX_FINGERPRINTS = 100_000    # per notebook (see above)
MAX_LEXED = 500_000           # characters of one notebook's code filtered at once
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}


def cell_code(source) -> str:
    """One code cell as Python: magic and shell lines blanked, non-Python cells dropped."""
    lines = str(source).split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        magic = (lines[0].split() or ["%%"])[0][2:]
        if magic not in _PYTHON_CELL_MAGICS:
            return ""
        lines = lines[1:]
    return "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in lines)


def notebook_cells(nb, skip=frozenset()) -> list:
    """The notebook's code cells with code, in order; a cell whose code is in ``skip``
    (a given cell left as given) is left out."""
    cells = (cell_code(c.get("source", "")) for c in nb.get("cells", [])
             if c.get("cell_type") == "code")
    return [c for c in cells if c.strip() and c.strip() not in skip]


def notebook_code(nb, skip=frozenset()) -> str:
    """The notebook's code cells (``notebook_cells``) as one text, one blank line apart."""
    return "\n\n".join(notebook_cells(nb, skip))


def read_code(path, skip=frozenset()) -> tuple[list | None, str]:
    """(code cells, "") or (None, why not): never raises for a broken notebook."""
    from ..run.notebook import read_notebook
    try:
        nb, why = read_notebook(path)
        return (notebook_cells(nb, skip), "") if nb is not None else (None, why)
    except Exception as exc:               # a crafted file must never stop the batch
        return None, f"notebook unreadable ({type(exc).__name__})"


@lru_cache(maxsize=1)
def given() -> tuple[str, frozenset]:
    """(the code the assignment gives, its code cells): the student notebook's code cells
    (generated from the packaged solution, as ``grader assign`` does) and the code blocks
    its text shows."""
    import re
    import nbformat
    from .. import student_notebook
    nb = nbformat.reads(student_notebook.generate(student_notebook.default_solution()),
                        as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    shown = re.findall(r"```(?:python)?\n(.*?)```", text, re.S) + re.findall(r"`([^`\n]+)`", text)
    cells = [cell_code(c.source) for c in nb.cells if c.cell_type == "code"]
    return "\n\n".join(cells + shown), frozenset(c.strip() for c in cells)


def filtered(cells) -> tuple[str, str, np.ndarray]:
    """(code, filtered code, offsets): the cells joined as ``notebook_code`` joins them,
    each through copydetect's filter on its own, and copydetect's map from positions in
    the filtered code to positions in the code (``compare_files`` reads it)."""
    from copydetect.utils import filter_code
    if isinstance(cells, str):
        cells = [cells]
    kept, parts, offsets, at, done = [], [], [], 0, 0
    for cell in cells:
        at += 2 * bool(kept)                           # the blank line between cells
        text, off = filter_code(cell, "notebook.py", "python")
        lead = len(cell) - len(cell.lstrip("\n"))     # pygments strips leading newlines
        if len(off):
            offsets.append(off + np.array([done, at + lead - done]))
        kept.append(cell)
        parts.append(text)
        at, done = at + len(cell), done + len(text)
    joined = np.concatenate(offsets) if offsets else np.zeros((0, 2), np.int64)
    return "\n\n".join(kept), "".join(parts), joined


# what a kept filtering also depends on: this module's code and the filter's libraries
_LEXED_BY = (code_digest(__file__), version("copydetect"), version("pygments"))


def _dumped(f) -> bytes:
    code, text, offsets = f
    return json.dumps({"code": code, "text": text, "offsets": offsets.tolist(),
                       "dtype": offsets.dtype.str}).encode()


def _loaded(data: bytes) -> tuple:
    try:
        d = json.loads(data)
        offsets = np.asarray(d["offsets"], dtype=np.dtype(d["dtype"])).reshape(-1, 2)
        if not isinstance(d["code"], str) or not isinstance(d["text"], str):
            raise TypeError("not text")
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a kept filtering ({exc})") from None
    return d["code"], d["text"], offsets


def lexed(cells, cache=None) -> tuple:
    """``filtered(cells)``, kept in ``cache`` (the batch's cache folder; None: filtered
    every time) under a digest of the cells, this module's code and the filter's versions."""
    cells = [cells] if isinstance(cells, str) else list(cells)
    return remembered(cache, (cells, _LEXED_BY), lambda: filtered(cells), suffix=".json",
                      dump=_dumped, load=_loaded)


def _whole(cells) -> bool:
    """Whether a notebook's code is filtered whole (else only what it shares: ``_in_part``)."""
    return sum(map(len, cells)) <= MAX_LEXED


def lex_ahead(notebook, cache) -> None:
    """Filter now, into ``cache``, what ``fingerprints`` will filter of this notebook."""
    cells, _ = read_code(notebook, given()[1])
    if cells and _whole(cells):
        lexed(cells, cache)


def count(filtered_code: str) -> int:
    """Fingerprints of a filtered code (every K-gram is one)."""
    return max(len(filtered_code) - K + 1, 0)


def _fingerprint(code: str, text: str, offsets, boilerplate):
    import copydetect
    fp = copydetect.CodeFingerprint("notebook.py", K, 1, boilerplate=boilerplate, filter=False,
                                    fp=io.StringIO(text))
    fp.raw_code, fp.offsets = code, offsets
    return fp


def fingerprints(code: dict, given: str, notes: list | None = None, cache=None) -> dict:
    """{student: copydetect.CodeFingerprint}, each notebook once, boilerplate removed;
    ``code`` maps a student to their code cells (or one text).  A notebook over the caps
    is compared on what it shares with the others (``integrity_padding``), with a line
    in ``notes``; ``cache``: where filtered code is kept (``lexed``)."""
    boilerplate = np.unique(np.array(sorted(_fingerprint(*filtered(given), None).hashes),
                                     dtype=np.int64))
    cells = {sid: [c] if isinstance(c, str) else list(c) for sid, c in code.items()}
    fps, over = {}, []
    for sid, cs in cells.items():
        if _whole(cs):
            whole = lexed(cs, cache)
            if count(whole[1]) <= MAX_FINGERPRINTS:
                fps[sid] = _fingerprint(*whole, boilerplate)
                continue
        over.append(sid)
    shared = padding.Shared({sid: padding.stripped(cs) for sid, cs in cells.items()}) \
        if over else None
    for sid in over:
        fps[sid], note = _in_part(sid, cells[sid], shared, boilerplate)
        if notes is not None:
            notes.append(note)
    return {sid: fps[sid] for sid in code}


def _in_part(sid, cells, shared, boilerplate):
    """(fingerprint, note) of a notebook over the caps: its lines that others also have."""
    kept, lines, cut = shared.reduced(sid, budget=MAX_LEXED)
    code, text, offsets = filtered(kept)
    note = (f"{sid}: not compared whole ({sum(map(len, cells)):,} characters of code; "
            f"limits {MAX_LEXED:,} characters, {MAX_FINGERPRINTS:,} fingerprints): compared "
            f"on the {lines:,} of its {sum(map(len, shared.lines[sid])):,} lines of code that "
            f"other notebooks also have, comments and strings left out")
    if cut or count(text) > MAX_FINGERPRINTS:
        text = text[:MAX_FINGERPRINTS + K - 1]
        note += f", up to {MAX_LEXED:,} characters and {MAX_FINGERPRINTS:,} fingerprints"
    return _fingerprint(code, text, offsets, boilerplate), note
