"""The grader's file writes, through the project's one atomic write (``reference.atomic``).

A reader never sees a half-written report: the old file stays in place until
the new one is complete on disk.  Failures raise ``ReportWriteError`` (a
``GraderError`` and an ``OSError``) with a one-line message naming the path.
"""
from __future__ import annotations

import errno
import os
from pathlib import Path

from reference.atomic import atomic_write

from ..errors import GraderError, not_found

_REASONS = {
    errno.ENOSPC: "the disk is full",
    getattr(errno, "EDQUOT", -1): "the disk quota is exceeded",
    errno.EACCES: "the folder is not writable (permission denied)",
    errno.EPERM: "the folder is not writable (operation not permitted)",
    errno.EROFS: "the folder is on a read-only file system",
    errno.ENOTDIR: "a parent of it is a file, not a folder",
    errno.EEXIST: "a parent of it is a file, not a folder",
    errno.EISDIR: "it is a folder",
}


class ReportWriteError(GraderError, OSError):
    """A report file could not be written; ``str()`` is one line naming the path."""

    def __init__(self, path, exc: OSError):
        reason = _REASONS.get(exc.errno) or (exc.strerror or str(exc)).splitlines()[0]
        super().__init__(f"{not_found(Path(os.fsdecode(path)).parent, folder=True)} (cannot "
                         f"write {os.fsdecode(path)})" if exc.errno == errno.ENOENT else
                         f"cannot write {os.fsdecode(path)}: {reason}")
        self.errno, self.filename = exc.errno, os.fsdecode(path)

    def __str__(self) -> str:
        return self.args[0]


def ensure_dir(folder) -> Path:
    """Create folder (and parents) if needed; ReportWriteError when impossible."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:      # the name exists and is a file
        raise ReportWriteError(folder, OSError(errno.ENOTDIR, str(exc))) from None
    except OSError as exc:
        raise ReportWriteError(folder, exc) from None
    return folder


def write_bytes(path, data: bytes) -> Path:
    """Atomically replace path's contents with data (``reference.atomic``); a failure
    is a one-line ReportWriteError naming the path."""
    path = Path(path)
    ensure_dir(path.parent)
    try:
        return atomic_write(path, lambda handle: handle.write(data))
    except OSError as exc:
        raise ReportWriteError(path, exc) from None


def write_text(path, text: str) -> Path:
    """Atomically write text as UTF-8 (newlines written exactly as given)."""
    return write_bytes(path, text.encode("utf-8"))
