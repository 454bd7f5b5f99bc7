"""Reading a submissions folder without trusting it: visible entries, notebooks below a
folder (no hidden or checkpoint folders, no folder symlinks), whether a path stays
inside the real root, and the record of one submission before its notebook and time
are settled.  Shared by discovery (``submissions.py``) and the platforms' layouts
(``platforms.py``)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .errors import printable as _show

STAMP = "timestamp.txt"
IGNORED = {".ipynb_checkpoints", "__MACOSX"}


@dataclass
class Found:
    """A submission before its notebook and time are settled."""

    raw_id: str
    folder: Path
    files: list[Path] | None = None      # None: search folder for notebooks
    stamp: Path | None = None            # layout time file (timestamp.txt)
    time: datetime | None = None         # layout time already known (gradescope)
    notes: list[str] = field(default_factory=list)
    original: str | None = None          # the platform's own id, when not raw_id


def walk(folder: Path) -> list[Path]:
    """Notebooks below folder, skipping hidden/checkpoint folders and folder symlinks."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not hidden(d))
        found += [Path(top, f) for f in sorted(files) if is_notebook(f) and not hidden(f)]
    return found


def visible_entries(folder: Path) -> list[os.DirEntry]:
    """Visible entries of a folder sorted by name ([] when it cannot be listed)."""
    try:
        with os.scandir(folder) as it:
            return sorted((e for e in it if not hidden(e.name)), key=lambda e: e.name)
    except OSError:
        return []


def has_work(folder: Path) -> bool:
    """Whether a folder directly holds a notebook or a timestamp.txt."""
    return any(is_notebook(e.name) or e.name == STAMP for e in visible_entries(folder))


def inside(path: Path, real: Path) -> bool:
    """Whether path, with every symlink resolved, stays under the real root."""
    return Path(os.path.realpath(path)).is_relative_to(real)


def mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def hidden(name: str) -> bool:
    return name.startswith(".") or name in IGNORED


def is_notebook(name: str) -> bool:
    return name.lower().endswith(".ipynb")


def rel(path: Path, base: Path) -> str:
    return _show(os.path.relpath(path, base))


def summary(noun: str, names: list[str], tail: str = "", verb: str = "skipped") -> str:
    """'skipped 7 items in x: a, b, c, d, e and 2 more'."""
    shown = ", ".join(_show(n) for n in names[:5])
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    plural = "s" if len(names) != 1 else ""
    return f"{verb} {len(names)} {noun}{plural}{tail}: {shown}{more}"
