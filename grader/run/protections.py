"""Which protections this machine lets the grader enforce (probed once per process).

Reported with every batch (``grades.json``, the class report, each feedback
page) and used by ``sandbox`` to build each kernel's confinement.  A grader
that cannot confine kernels refuses to grade unless told otherwise
(``grader grade --allow-unconfined``); see docs/security.md.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from . import cgroups


@dataclass(frozen=True)
class Protections:
    rlimits: bool
    own_uid: bool
    confined: bool = False            # allowlisted read-only file system, own pid/net/ipc ns
    cgroup_memory: bool = False       # the kernel's whole process tree shares one memory limit
    cgroup_pids: bool = False
    cgroup_freezer: bool = False      # every process of a kernel frozen, then killed
    why_unconfined: str = ""

    _NAMES = (("resource limits", "rlimits"), ("unprivileged uid", "own_uid"),
              ("confinement (allowlisted read-only file system without the answer key, "
               "own process/network/IPC namespaces, size-capped disk)", "confined"),
              ("memory cgroup", "cgroup_memory"), ("process-count cgroup", "cgroup_pids"),
              ("freezer cgroup", "cgroup_freezer"))

    @property
    def no_network(self) -> bool:
        return self.confined

    def describe(self) -> str:
        on = [n for n, a in self._NAMES if getattr(self, a)]
        off = [n for n, a in self._NAMES if not getattr(self, a)]
        text = f"active: {', '.join(on) or 'none'}" + \
            (f"; not available: {', '.join(off)}" if off else "")
        if not self.confined:
            text = ("UNCONFINED: kernels can read this machine's files (the answer key "
                    f"included); {self.why_unconfined}. " + text)
        return text

    def to_dict(self):
        return asdict(self)


_PROTECTIONS = None


def detect_protections() -> Protections:
    """Probe once per process what this machine lets us enforce."""
    global _PROTECTIONS
    if _PROTECTIONS is None:
        from .confine import bwrap_path, selftest
        root = os.geteuid() == 0
        bwrap = bwrap_path()
        why = "bubblewrap (bwrap) is not installed" if bwrap is None else selftest(bwrap, root)
        groups = cgroups.available() if root else {}
        _PROTECTIONS = Protections(rlimits=True, own_uid=root, confined=not why,
                                   cgroup_memory=groups.get("memory", False),
                                   cgroup_pids=groups.get("pids", False),
                                   cgroup_freezer=groups.get("freezer", False),
                                   why_unconfined=why)
    return _PROTECTIONS
