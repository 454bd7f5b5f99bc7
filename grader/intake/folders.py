"""Reading a submissions folder without trusting it: visible entries, notebooks below a
folder (no hidden or checkpoint folders, no folder symlinks), where a link may lead
(``Bounds``: one rule for ``grader grade``, ``list`` and ``gradescope``), and the
record of one submission before its notebook and time are settled.  Shared by
discovery (``submissions.py``) and the platforms' layouts (``platforms.py``)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..errors import printable as _show

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
    home: Path | None = None             # the folder the submitter owns (None: only the
                                         # listed files, as in the flat and Canvas layouts)

    def own(self) -> tuple[Path, ...]:
        """What this submitter owns: their folder, else their files."""
        return (self.home,) if self.home is not None else tuple(self.files or ())


class Bounds:
    """Where a link in a submissions folder may lead, for every mode.

    A file (or a submitter's folder, or a timestamp.txt) is read only when, every
    link followed, it is the submitter's own: inside their own folder, or one of their
    own files in the flat and Canvas layouts, where a submitter owns files rather than
    a folder.  So ``hw.ipynb -> drafts/hw.ipynb`` in one student's folder is read (it is
    their file under a second name), while a link out of the submissions folder (the
    answer key in the installed package, the grader's files), to another submitter's
    file or folder, or to anything else in the folder (the platform's metadata, a
    hidden file) is refused with one line naming the link and, when it stays inside
    the folder, where it leads.  A target outside the folder is not named: a link
    must not become a way to learn the grader's file system.
    """

    def __init__(self, root: Path, owned=(), *, where: str = "the submissions folder"):
        self.root, self.where = Path(root), where
        self.real = Path(os.path.realpath(root))
        self._owned = [self.place(p) for p in owned]

    def place(self, path: Path) -> Path:
        """Where path sits under the real root, its own links not followed."""
        return self.real / os.path.relpath(path, self.root)

    def refusal(self, path: Path, own) -> str:
        """'' when path, every link followed, is one of ``own`` or inside one; else the
        reason in one line."""
        target = Path(os.path.realpath(path))
        mine = [self.place(p) for p in own]
        if any(target.is_relative_to(m) for m in mine):
            return ""
        name = rel(path, self.root)
        if not target.is_relative_to(self.real):
            return (f"{name} is a link leading out of {self.where}: submit the file itself, "
                    "not a link")
        shown = rel(target, self.real)
        if any(target.is_relative_to(o) for o in self._owned if o not in mine):
            kind = "folder" if os.path.isdir(target) else "file"
            return (f"{name} is a link to another student's {kind} ({shown}): "
                    "submit your own file")
        return f"{name} is a link to {shown}, which is not part of the submission"


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
    """Whether path, with every symlink resolved, stays under the real root (for the
    layout's own files: the metadata, nbgrader's ``submitted``; a submitter's files
    go through ``Bounds``)."""
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
