"""Crash-safe file writes: temp file in the same folder, fsync, ``os.replace``.

A reader never sees a half-written report: the old file stays in place until
the new one is complete on disk.  Failures raise ``ReportWriteError`` (an
``OSError``) with a one-line message naming the path, and leave no temp file.
"""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from ..errors import GraderError

_REASONS = {
    errno.ENOSPC: "the disk is full",
    getattr(errno, "EDQUOT", -1): "the disk quota is exceeded",
    errno.EACCES: "the folder is not writable (permission denied)",
    errno.EPERM: "the folder is not writable (operation not permitted)",
    errno.EROFS: "the folder is on a read-only file system",
    errno.ENOTDIR: "a parent of it is a file, not a folder",
    errno.EEXIST: "a parent of it is a file, not a folder",
    errno.ENOENT: "its folder does not exist",
    errno.EISDIR: "it is a folder",
}


class ReportWriteError(GraderError, OSError):
    """A report file could not be written; ``str()`` is one line naming the path."""

    def __init__(self, path, exc: OSError):
        reason = _REASONS.get(exc.errno) or (exc.strerror or str(exc)).splitlines()[0]
        super().__init__(f"cannot write {os.fsdecode(path)}: {reason}")
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
    """Atomically replace path's contents with data; returns the path."""
    path = Path(path)
    folder = ensure_dir(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ReportWriteError(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)             # mkstemp makes 0600; reports are for sharing
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise ReportWriteError(path, exc) from None
        raise
    _sync_dir(folder)
    return path


def write_text(path, text: str) -> Path:
    """Atomically write text as UTF-8 (newlines written exactly as given)."""
    return write_bytes(path, text.encode("utf-8"))


def _sync_dir(folder: Path) -> None:
    """Best effort: make the rename itself durable (not possible everywhere)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
