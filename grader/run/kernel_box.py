"""One sandboxed kernel's life, as one object: its box, the manager that starts it, and
the clean-up that always follows (execute.py runs the cells in between).

``KernelRun.start`` makes the kernel manager for the box (unix sockets, or abstract ones
under Landlock ABI 6+, when confined); ``KernelRun.clean_up`` records the kernel's peak
memory, kills everything it started and removes its folders, whatever happened.
``NO_KERNELS`` switches kernel starts off (the test suite's pure tier).
"""
from __future__ import annotations

import os
import resource
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager

from . import cgroups, sandbox, uids
from .client import CappedKernelManager

# set: no kernel starts (a test tier without them); when it names a file (an absolute
# path), each refused start is also noted there, so the tier can tell who tried
NO_KERNELS = "GALAXY_GRADER_NO_KERNELS"


class NoKernel(Exception):
    """The sandboxed kernel never became usable: the grader's fault, not the student's."""


def refuse_if_switched_off(student_id: str) -> None:
    switch = os.environ.get(NO_KERNELS)
    if not switch:
        return
    if switch.startswith("/"):
        with open(switch, "a") as fh:
            fh.write(f"{student_id}\n")
    raise NoKernel(f"kernels are switched off here ({NO_KERNELS} is set)")


@dataclass
class KernelRun:
    """A kernel in ``box`` as ``uid`` under ``protections``; ``km``, ``ipc`` (a socket
    folder) and ``pid`` are filled in as it starts."""
    box: object
    uid: int | None
    protections: object
    km: CappedKernelManager | None = None
    ipc: Path | None = None
    pid: int | None = None

    def start(self, private: Path, job, nb_name: str) -> CappedKernelManager:
        """The kernel manager for this box (the kernel starts with the client)."""
        refuse_if_switched_off(job.student_id)
        prot = self.protections
        kdirs = sandbox.write_kernelspec(private, self.box, job.limits, self.uid, prot,
                                         nb_name, job.data_name)
        self.km = km = CappedKernelManager(
            kernel_name="gg-sandbox", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kdirs)]))
        if not prot.confined:
            return km
        km.transport = "ipc"                  # no network inside: unix sockets
        if prot.mode == "landlock" and prot.landlock_abi >= 6:
            km.ip = f"@gg-{secrets.token_hex(12)}"   # abstract: Landlock keeps other kernels out
            return km
        self.ipc = Path(tempfile.mkdtemp(prefix="ipc-", dir="/tmp"))
        if self.uid is not None:
            os.chown(self.ipc, self.uid, self.uid)
        km.ip = str(self.ipc / "k")
        return km

    def started(self) -> None:
        """The kernel is up: note its pid and close its socket folder to it."""
        self.pid = getattr(self.km.provisioner, "pid", None)
        if self.ipc is not None and self.uid is not None:
            os.chown(self.ipc, 0, 0)           # sockets made: the kernel may add nothing more
            os.chmod(self.ipc, 0o755)

    def clean_up(self, stats: dict) -> None:
        """Record the kernel's peak memory in ``stats``, kill everything it started,
        remove its folders."""
        peak = cgroups.peak_mb(self.box.cgroups)
        if peak is not None:
            stats["kernel_peak_mb"] = max(round(peak, 1), stats.get("kernel_peak_mb", 0))
        uids.kill_tree(self.pid, self.uid, self.box.cgroups)
        if self.km is not None:
            self.km.close_contexts()
        if not self.protections.confined:
            uids.sweep_files(self.uid)
        for folder in (self.ipc, self.box.path, self.box.io):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)


def own_peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it does not
    carry over the parent's peak into a forked-and-exec'd worker)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
