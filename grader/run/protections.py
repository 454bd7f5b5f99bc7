"""Which protections this machine lets the grader enforce (probed once per process).

Reported with every batch (``grades.json``, the class report) and used by
``sandbox`` to build each kernel's confinement.  Without root, or without
namespaces and cgroups, the grader still runs with what is left.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from . import cgroups


@dataclass(frozen=True)
class Protections:
    rlimits: bool
    own_uid: bool
    no_network: bool
    fs_private: bool = False          # read-only file system, grader paths hidden, own /dev/shm
    cgroup_memory: bool = False       # the kernel's whole process tree shares one memory limit
    cgroup_pids: bool = False

    _NAMES = (("resource limits", "rlimits"), ("unprivileged uid", "own_uid"),
              ("no network", "no_network"),
              ("read-only file system outside the sandbox", "fs_private"),
              ("memory cgroup", "cgroup_memory"), ("process-count cgroup", "cgroup_pids"))

    def describe(self) -> str:
        on = [n for n, a in self._NAMES if getattr(self, a)]
        off = [n for n, a in self._NAMES if not getattr(self, a)]
        return f"active: {', '.join(on) or 'none'}" + (f"; not available: {', '.join(off)}" if off else "")

    def to_dict(self):
        return asdict(self)


_PROTECTIONS = None


def detect_protections() -> Protections:
    """Probe once per process what this machine lets us enforce."""
    global _PROTECTIONS
    if _PROTECTIONS is None:
        root = os.geteuid() == 0
        net = bool(shutil.which("unshare")) and _runs(["unshare", "-n", "-i", "true"])
        fs = net and root and _fs_selftest()
        groups = cgroups.available() if root else {}
        _PROTECTIONS = Protections(rlimits=True, own_uid=root, no_network=net, fs_private=fs,
                                   cgroup_memory=groups.get("memory", False),
                                   cgroup_pids=groups.get("pids", False))
    return _PROTECTIONS


def _fs_selftest() -> bool:
    folder = tempfile.mkdtemp(prefix="gg-selftest-")
    try:
        return _runs(["unshare", "-m", "--", sys.executable, "-m", "grader.run.launch",
                      "--selftest", folder], env=_launch_env())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _runs(cmd, env=None) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=20, env=env).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _launch_env() -> dict:
    return {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
