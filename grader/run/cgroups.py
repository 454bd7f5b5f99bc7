"""Per-kernel cgroups (v1 ``memory``, ``pids``, ``freezer``) bounding a process tree as a whole.

rlimits bind each process on its own: 64 processes of 6 GB each would still
take the machine down.  When the grader runs as root and the cgroup v1
controllers are mounted, each kernel joins a group of its own, created as a
child of the grader's own group (so any limit placed on the grader still
applies), with ``memory.limit_in_bytes`` and ``pids.max`` from the rubric.
The launcher joins the group before it starts the kernel; the grader kills
whatever is left in it and removes it afterwards.  Without cgroups the
rlimits still hold; ``Protections`` says which were active.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "freezer")
MB = 1024 * 1024


def _own_group(controller: str) -> Path | None:
    """This process's group in ``controller``'s v1 hierarchy, if we may create children in it."""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            if controller in names.split(","):
                folder = ROOT / controller / path.lstrip("/")
                if (folder / "cgroup.procs").exists() and os.access(folder, os.W_OK):
                    return folder
    except (OSError, ValueError):
        pass
    return None


def available() -> dict:
    """{controller: bool} for this machine (needs root and a writable v1 hierarchy)."""
    ok = os.geteuid() == 0
    return {c: ok and _own_group(c) is not None for c in CONTROLLERS}


def create(uid, limits: dict) -> list[str]:
    """Fresh groups for one kernel (named after its uid, or another unique name when
    it has none); returns the folders the launcher must join."""
    made = []
    for controller in CONTROLLERS:
        parent = _own_group(controller)
        if parent is None:
            continue
        folder = parent / f"galaxy-grader-{uid}"
        try:
            if folder.exists():
                remove([str(folder)])
            folder.mkdir(exist_ok=True)
            if controller == "memory":
                mem = int(limits["memory_mb"]) * MB
                (folder / "memory.limit_in_bytes").write_text(str(mem))
                if (folder / "memory.memsw.limit_in_bytes").exists():
                    (folder / "memory.memsw.limit_in_bytes").write_text(str(mem))
            elif controller == "pids":
                (folder / "pids.max").write_text(str(int(limits["processes"])))
            made.append(str(folder))
        except OSError:
            remove([str(folder)])
    return made


def join(folders):
    """Move the calling process into each group (the launcher, still root)."""
    for folder in folders:
        with open(os.path.join(folder, "cgroup.procs"), "w") as fh:
            fh.write(str(os.getpid()))


def _set_freezer(folder, state):
    try:
        Path(folder, "freezer.state").write_text(state)
    except OSError:
        pass


def remove(folders, wait: float = 5.0):
    """SIGKILL every process left in the groups, then delete them.  The freezer
    group is frozen first, so nothing in it can fork while it is being killed."""
    for folder in folders:
        frozen = Path(folder, "freezer.state").exists()
        if frozen:
            _set_freezer(folder, "FROZEN")
        deadline = time.monotonic() + wait
        while True:
            try:
                pids = Path(folder, "cgroup.procs").read_text().split()
            except OSError:
                pids = []
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, PermissionError, ValueError):
                    pass
            if frozen:
                _set_freezer(folder, "THAWED")      # killed tasks die once thawed
            try:
                os.rmdir(folder)
                break
            except FileNotFoundError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)


def peak_mb(folders) -> float | None:
    """The memory group's high-water mark, for reports (None without one)."""
    for folder in folders:
        p = Path(folder, "memory.max_usage_in_bytes")
        if p.exists():
            try:
                return int(p.read_text()) / MB
            except (OSError, ValueError):
                return None
    return None
