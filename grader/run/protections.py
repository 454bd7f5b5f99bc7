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


MODES = {
    "bubblewrap": "bubblewrap: allowlisted read-only file system without the answer key, own "
                  "process/network/IPC namespaces, size-capped disk, seccomp filter (no "
                  "keyrings, SysV IPC or message queues)",
    "landlock": "Landlock without namespaces: allowlisted file system without the answer key, "
                "seccomp filter (no internet sockets, ptrace, namespaces, keyrings, SysV IPC "
                "or message queues), signals "
                "and abstract sockets scoped to the kernel; no size-capped disk, no own pid "
                "or IPC namespace",
}


@dataclass(frozen=True)
class Protections:
    rlimits: bool
    own_uid: bool
    confined: bool = False            # allowlisted file system without the answer key
    cgroup_memory: bool = False       # the kernel's whole process tree shares one memory limit
    cgroup_pids: bool = False
    cgroup_freezer: bool = False      # every process of a kernel frozen, then killed
    why_unconfined: str = ""
    mode: str = ""                    # "bubblewrap", "landlock" (MODES), "" unconfined
    landlock_abi: int = 0
    kernel_uid: str = ""              # pool | root-no-caps | self (landlock mode)

    _NAMES = (("resource limits", "rlimits"), ("unprivileged uid", "own_uid"),
              ("confinement", "confined"),
              ("memory cgroup", "cgroup_memory"), ("process-count cgroup", "cgroup_pids"),
              ("freezer cgroup", "cgroup_freezer"))

    @property
    def no_network(self) -> bool:
        return self.confined

    @property
    def signals_isolated(self) -> bool:
        """A kernel cannot signal the grader: another uid, or Landlock's signal scope."""
        return self.own_uid or (self.mode == "landlock" and self.landlock_abi >= 6)

    @property
    def files_isolated(self) -> bool:
        """A kernel cannot change the grader's files: another uid, or confined (out of
        view, or Landlock plus the seccomp filter on modes and times)."""
        return self.own_uid or self.confined

    @property
    def sockets_isolated(self) -> bool:
        """The host's unix sockets are out of reach: out of view (namespaces), or owned
        by another uid.  Landlock (ABI <= 7) does not restrict connecting to them."""
        return self.namespaces or (self.own_uid and self.kernel_uid != "pool-override")

    @property
    def processes_capped(self) -> bool:
        """A fork storm stops: RLIMIT_NPROC binds an unprivileged uid; else a pids cgroup."""
        return self.own_uid or self.cgroup_pids

    @property
    def namespaces(self) -> bool:
        """The kernel sees its own view of the machine (bubblewrap), not host paths."""
        return self.confined and self.mode in ("bubblewrap", "")

    def _label(self, attr) -> str:
        name = dict((a, n) for n, a in self._NAMES)[attr]
        if attr == "confined" and self.confined:
            return f"confinement ({MODES.get(self.mode or 'bubblewrap')}" + \
                (f"; Landlock ABI {self.landlock_abi}" if self.landlock_abi else "") + \
                ("; kernels run as root without any capability: the Python runtime is "
                 "closed to other uids" if self.kernel_uid == "root-no-caps" else "") + \
                ("; kernels keep CAP_DAC_OVERRIDE to reach a Python runtime closed to other "
                 "uids" if self.kernel_uid == "pool-override" else "") + ")"
        return name

    def short(self) -> str:
        """The confinement in a few words (start lines, timings.json, results.json)."""
        if not self.confined:
            return "UNCONFINED (no sandbox: students could read the answer key)"
        if self.mode == "landlock":
            who = {"pool": "a uid of its own",
                   "pool-override": "a uid of its own with CAP_DAC_OVERRIDE only",
                   "root-no-caps": "root without capabilities",
                   "self": "the grader's uid"}.get(self.kernel_uid, self.kernel_uid)
            return f"Landlock ABI {self.landlock_abi} + seccomp, no namespaces; kernels as {who}"
        return "bubblewrap namespaces" + ("; kernels as a uid of their own" if self.own_uid else "")

    def describe(self) -> str:
        on = [self._label(a) for _, a in self._NAMES if getattr(self, a)]
        off = [self._label(a) for _, a in self._NAMES if not getattr(self, a)]
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
        root = os.geteuid() == 0
        groups = cgroups.available() if root else {}
        found = _ladder(root)
        _PROTECTIONS = Protections(rlimits=True, cgroup_memory=groups.get("memory", False),
                                   cgroup_pids=groups.get("pids", False),
                                   cgroup_freezer=groups.get("freezer", False), **found)
    return _PROTECTIONS


def _ladder(root: bool) -> dict:
    """The strongest confinement that proves itself here: bubblewrap with namespaces,
    else Landlock and seccomp without them, else none (with what was found and what
    would work).  ``$GALAXY_GRADER_BWRAP=none`` / ``$GALAXY_GRADER_LANDLOCK=none``
    leave a rung out (tests of the lower rungs)."""
    from .confine import bwrap_path, selftest
    bwrap = bwrap_path()
    why_ns = "bubblewrap (bwrap) is not installed" if bwrap is None else selftest(bwrap, root)
    if not why_ns:
        return {"own_uid": root, "confined": True, "mode": "bubblewrap"}
    why_ll, abi, uid_mode = _landlock_rung(root)
    if not why_ll:
        return {"own_uid": uid_mode.startswith("pool"), "confined": True, "mode": "landlock",
                "landlock_abi": abi, "kernel_uid": uid_mode}
    return {"own_uid": root, "why_unconfined": f"{environment(root)}: namespaces: {why_ns}; "
            f"without namespaces: {why_ll}. {advice(root)}"}


def _landlock_rung(root: bool):
    """('' or why not, Landlock ABI, kernel uid mode)."""
    if os.environ.get("GALAXY_GRADER_LANDLOCK") == "none":
        return "switched off ($GALAXY_GRADER_LANDLOCK=none)", 0, ""
    from . import landlock, nonamespace
    abi = landlock.abi()
    if abi < 1:
        return "the kernel offers no Landlock (or a seccomp profile denies it)", 0, ""
    if not root and abi < 6:
        return (f"Landlock ABI {abi} cannot keep a kernel of the grader's own uid from "
                "signalling the grader (ABI 6, Linux 6.12, can)"), abi, ""
    try:
        import pyseccomp  # noqa: F401  (libseccomp through ctypes)
    except (ImportError, OSError) as exc:
        return f"no seccomp filter ({type(exc).__name__}: install libseccomp2)", abi, ""
    from ..heldback import secret_path
    from .uids import UID_BASE
    whys = []
    for uid_mode in nonamespace.kernel_uid_modes(root):
        why = nonamespace.selftest(UID_BASE - 1 if uid_mode.startswith("pool") else None,
                                   str(secret_path()), override=uid_mode == "pool-override")
        if not why:
            return "", abi, uid_mode
        whys.append(f"{uid_mode}: {why}")
    return "; ".join(whys), abi, ""


def environment(root: bool) -> str:
    """Where the grader seems to run, in words."""
    import pathlib
    container = pathlib.Path("/.dockerenv").exists() or "docker" in _read("/proc/1/cgroup") \
        or os.environ.get("container")
    who = "root" if root else f"uid {os.geteuid()}"
    return f"{who} {'inside a container' if container else 'on this machine'}"


def advice(root: bool) -> str:
    return ("What works, with libseccomp2 installed: a kernel with Landlock (Linux 5.13+); or "
            "bubblewrap with namespaces (a container run with --security-opt "
            "seccomp=unconfined and --cap-add SYS_ADMIN, or a machine that allows user "
            "namespaces)" + ("" if root else "; as a non-root user, Landlock ABI 6 "
                             "(Linux 6.12+)"))


def _read(path: str) -> str:
    try:
        with open(path) as fh:
            return fh.read(4096)
    except OSError:
        return ""
