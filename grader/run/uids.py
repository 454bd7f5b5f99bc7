"""The kernels' uids and process lifecycle (when the grader runs as root).

Each running kernel gets a uid of its own from a pool private to this grader run
(file locks under ``/run/galaxy-grader``); a uid that still has a process (a
zombie included) is never handed out; everything a kernel left behind is killed
and removed (``leftovers.py``: files, keyrings, SysV IPC) before its uid is used
again.  The grader's processes are child subreapers, so orphans are collected even
when the grader is PID 1.
"""
from __future__ import annotations

import fcntl
import os
import signal
import tempfile
import time
from pathlib import Path

from . import cgroups
from .leftovers import clear_kernel_state, sweep_files
from ..errors import GraderError

UID_BASE = 61000
UID_SLOTS = 64                  # uids per pool (one pool per grader run)
UID_POOLS = 32
UID_RANGE = range(UID_BASE, UID_BASE + UID_POOLS * UID_SLOTS)   # every sandbox uid
_LOCK_DIR = Path("/run/galaxy-grader") if os.path.isdir("/run") else \
    Path(tempfile.gettempdir()) / "galaxy-grader-uids"
_pool = None                    # (index, open lock file) held by this grader run


def _take_lock(folder: Path, name: str, count: int, usable=lambda index: True):
    """(index, open file) of the first of ``count`` lock files we can lock
    exclusively and ``usable`` accepts, or None."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for index in range(count):
        fh = open(folder / name.format(index), "w")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            continue
        if usable(index):
            return index, fh
        fh.close()
    return None


def reserve_pool() -> int | None:
    """Take a uid pool for this grader run (held until the process exits);
    its index travels to the workers in each Job.  None when not root."""
    global _pool
    if os.geteuid() != 0:
        return None
    if _pool is None:
        _pool = _take_lock(_LOCK_DIR, "pool-{}.lock", UID_POOLS)
        if _pool is None:
            raise GraderError("every sandbox uid pool is in use by other grader runs on this machine")
    return _pool[0]


def pool_uids(index: int) -> range:
    """The uids of pool ``index``."""
    return range(UID_BASE + index * UID_SLOTS, UID_BASE + (index + 1) * UID_SLOTS)


def pool_holders() -> dict:
    """{pool index: pid of the process that took its lock} for every pool held now, from
    ``/proc/locks`` (0 where that process has exited but a child of it still holds the
    lock): which uids a grader run of this machine owns, so that a test looks at its own
    run's kernels only, whatever other runs do beside it."""
    inodes = {}
    for index in range(UID_POOLS):
        try:
            inodes[os.stat(_LOCK_DIR / f"pool-{index}.lock").st_ino] = index
        except OSError:
            pass
    held = {}
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return held
    for line in lines:
        fields = line.split()       # "1: FLOCK  ADVISORY  WRITE 1234 fe:00:5678 0 EOF"
        if len(fields) < 6 or fields[1] != "FLOCK" or "->" in fields:     # "->": a waiter
            continue
        try:
            index = inodes.get(int(fields[5].rsplit(":", 1)[1]))
            if index is not None:
                held[index] = int(fields[4])
        except (ValueError, IndexError):
            pass
    return held


def _has_tasks(uid: int) -> bool:
    """Whether any process (a zombie included) still runs as ``uid``."""
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    return True
            except OSError:
                pass
    return False


def _clean(uid: int) -> bool:
    """Kill what an earlier holder of ``uid`` left running (a grader killed
    mid-run) and remove what it left behind (``leftovers.py``); False if a process
    of it still remains (an unreaped zombie)."""
    kill_tree(None, uid)
    reap_orphans()
    if _has_tasks(uid):
        return False
    sweep_files(uid)
    clear_kernel_state(uid)
    return True


class UidLease:
    """An exclusive uid from this run's pool (file lock), so concurrent kernels
    never share a uid; a uid that still has a process is skipped."""

    def __init__(self, pool: int | None = None):
        self.uid, self._fh = None, None
        if os.geteuid() != 0:
            return
        pool = reserve_pool() if pool is None else pool
        first = pool_uids(pool).start
        taken = _take_lock(_LOCK_DIR / f"pool-{pool}", "{}.lock", UID_SLOTS,
                           lambda slot: _clean(first + slot))
        if taken is None:
            raise GraderError("no free sandbox uid (every uid of this run's pool is busy)")
        self.uid, self._fh = first + taken[0], taken[1]

    @classmethod
    def none(cls) -> "UidLease":
        """No uid: the kernel keeps the grader's (Landlock mode, protections.kernel_uid)."""
        lease = cls.__new__(cls)
        lease.uid, lease._fh = None, None
        return lease

    def release(self):
        if self._fh:
            self._fh.close()
            self._fh = None


def become_subreaper():
    """Orphans of our kernels are re-parented to this process (not to PID 1,
    which in a container may be us and never reap them); ``reap_orphans``
    collects them."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def reap_orphans():
    """Collect every exited child of ours that nothing else waits for (zombies)."""
    me = str(os.getpid())
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and fields[1] == me:
            try:
                os.waitpid(int(entry.name), os.WNOHANG)
            except ChildProcessError:
                pass


def kill_tree(pid: int | None, uid: int | None, groups=()):
    """SIGKILL the kernel's session, its cgroups and, with an own uid, every
    process of that uid."""
    if pid:
        try:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if groups:
        cgroups.remove(groups)
    if uid is None:
        return
    for _ in range(20):
        found = False
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    if entry.stat().st_uid == uid:
                        os.kill(int(entry.name), signal.SIGKILL)
                        found = True
                except (ProcessLookupError, PermissionError, FileNotFoundError):
                    pass
        if not found:
            return
        time.sleep(0.05)
