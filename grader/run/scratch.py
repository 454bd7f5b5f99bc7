"""The grader's scratch folders in the system's temporary folder, and how a run knows
which of them are still in use.

A folder is ``galaxy-grader-<pid>-<random>`` (a cluster worker's:
``galaxy-grader-<pid>-worker-<random>``), owned by the grader's uid, mode 0711 (sandbox
uids reach only their own folders inside).  While a run uses it, the run holds an
exclusive ``flock`` on the folder's ``.in-use`` file; the kernel drops the lock when
the process ends, however it ends.  A later run removes the folders of runs that were
killed: those whose lock it can take.

The pid in the name is not enough to tell: a grader in another pid namespace (a
container sharing /tmp, ``unshare --pid``, a test's simulated container) does not see
the owner's pid in its /proc and would remove the folder of a run that is still
going.  A folder without a lock file (written by an older grader) is removed only when
its pid is gone here too and it was last changed over ``LEGACY_AGE_S`` ago.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path

PREFIX = "galaxy-grader-"
LOCK = ".in-use"
LEGACY_AGE_S = 24 * 3600


class Scratch:
    """A scratch folder held for this process (``path``) until ``release``."""

    def __init__(self, kind: str = "", root=None):
        self.path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-{kind}", dir=root))
        os.chmod(self.path, 0o711)
        self._fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self) -> None:
        """Remove the folder and drop the lock (twice is harmless)."""
        if self._fd is None:
            return
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._fd)
        self._fd = None


def _unused(folder: Path) -> bool:
    """Whether no live run holds ``folder`` (its lock can be taken, or, with no lock
    file, its pid is gone and it is old)."""
    try:
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    except FileNotFoundError:
        pid = folder.name[len(PREFIX):].split("-")[0]
        return pid.isdigit() and not Path(f"/proc/{pid}").exists() and \
            time.time() - folder.stat().st_mtime > LEGACY_AGE_S
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:                  # held: its run is still going
        return False
    finally:
        os.close(fd)


def sweep(root=None) -> list:
    """Remove this uid's scratch folders that no run holds; returns those removed."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        try:
            if folder.is_symlink() or not folder.is_dir() or \
                    folder.stat().st_uid != os.getuid() or not _unused(folder):
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
