"""A run's outputs appear all at once, or not at all.

Every report is written into a staging folder inside the output folder
(``staged``); only once all of them are complete are the previous run's files
moved to ``previous/<time>/`` and the new ones moved in (``publish``), each a
rename on one file system.  A run that fails half way leaves the previous
results where they were and no half-written ones beside them.

Which files are the previous run's is what its writers returned: ``publish`` keeps
their names in ``.outputs`` (one a line) beside them, and the next run archives
exactly those (and whatever it is about to replace).  Only a folder written before
``.outputs`` existed falls back on the names listed here.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from .atomic import write_text

MANIFEST = ".outputs"
# for an output folder without MANIFEST: what runs wrote before it (cache/ and previous/ stay)
RESULTS = ("grades.csv", "grades.json", "feedback", "class_report.html", "canvas_grades.csv",
           "nbgrader_grades.csv", "integrity.html", "integrity.json", "timings.json")
PATTERNS = ("class_*.png",)


@contextmanager
def staged(out: Path):
    """A fresh staging folder in ``out``, removed if the block fails."""
    stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _listed(out: Path) -> list | None:
    """The names the previous run published (None: it kept no list)."""
    try:
        return [n for n in (out / MANIFEST).read_text("utf-8").splitlines()
                if n and "/" not in n and n not in (".", "..", "cache", "previous")]
    except FileNotFoundError:
        return None


def _earlier(out: Path, stage: Path) -> list:
    listed = _listed(out)
    names = set(RESULTS if listed is None else listed) | {p.name for p in stage.iterdir()}
    names.add(MANIFEST)
    found = [out / n for n in sorted(names) if (out / n).exists() or (out / n).is_symlink()]
    patterns = PATTERNS if listed is None else ()
    return found + sorted(p for pat in patterns for p in out.glob(pat) if p not in found)


def archive(out: Path, stage: Path) -> Path | None:
    """Move the previous run's files to ``out/previous/<time of its grades.csv>``."""
    old = _earlier(out, stage)
    if not old:
        return None
    first = out / "grades.csv" if (out / "grades.csv").exists() else old[0]
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(first.lstat().st_mtime))
    dest, n = out / "previous" / stamp, 1
    while dest.exists():
        dest, n = out / "previous" / f"{stamp}-{n}", n + 1
    dest.mkdir(parents=True)
    for path in old:
        os.replace(path, dest / path.name)
    return dest


def publish(stage: Path, out: Path, written=()) -> Path | None:
    """Archive the previous run, then move every staged output into ``out`` with the
    list of what was published (``written``: the names, relative to the stage, the
    writers returned; whatever else is staged is listed too); returns the archive
    folder (None when there was no previous run)."""
    names = {str(n).split("/")[0] for n in written} | {p.name for p in stage.iterdir()}
    write_text(stage / MANIFEST, "".join(f"{n}\n" for n in sorted(names - {MANIFEST})))
    dest = archive(out, stage)
    for path in sorted(stage.iterdir()):
        os.replace(path, out / path.name)
    return dest
