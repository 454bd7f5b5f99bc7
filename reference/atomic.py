"""The project's one atomic file write (standard library only; ``grader`` uses it too).

A uniquely named temporary file beside the target, written, flushed and fsynced,
made readable (0644; ``mkstemp`` makes 0600), then renamed over the target, and
the rename itself made durable where the file system allows: readers never see
a partial file, concurrent writers of one path each write a whole one, and a
process killed mid-write leaves the old file.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path, write) -> Path:
    """Call ``write(binary_file)`` on a temporary file, then rename it to ``path``.
    OSErrors reach the caller (who names the path its own way)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_dir(path.parent)
    return path


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
