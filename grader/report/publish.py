"""A run's outputs appear all at once, or not at all.

Every report is written into a staging folder inside the output folder
(``staged``); only once all of them are complete are the previous run's files
moved to ``previous/<time>/`` and the new ones moved in (``publish``), each a
rename on one file system.  A run that fails half way leaves the previous
results where they were and no half-written ones beside them.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

# what a run writes into the output folder (beside cache/ and previous/, which stay)
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


def _earlier(out: Path, stage: Path) -> list:
    names = set(RESULTS) | {p.name for p in stage.iterdir()}
    found = [out / n for n in sorted(names) if (out / n).exists() or (out / n).is_symlink()]
    return found + sorted(p for pat in PATTERNS for p in out.glob(pat) if p not in found)


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


def publish(stage: Path, out: Path) -> Path | None:
    """Archive the previous run, then move every staged output into ``out``;
    returns the archive folder (None when there was no previous run)."""
    dest = archive(out, stage)
    for path in sorted(stage.iterdir()):
        os.replace(path, out / path.name)
    return dest
