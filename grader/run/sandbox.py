"""A private working folder and a locked-down kernel for one submission.

What is enforced, when the OS allows it (``Protections`` says which held):
- rlimits on every kernel process: address space, file size, open files, CPU
  seconds, process count, no core dumps;
- an unprivileged uid of its own (when the grader runs as root), so the
  kernel cannot write the grader's files and RLIMIT_NPROC binds;
- no network: a fresh network namespace (``unshare -n``) with the kernel
  talking over unix sockets (ZMQ ipc transport), and its own IPC namespace;
- a private, read-only view of the file system (``unshare -m`` and
  ``confine.py``): writable only its own folders, /tmp emptied, the grader's
  paths (submissions, output, cache, rubric, data) and shared places hidden;
- one memory and one process-count cgroup for its whole process tree
  (``cgroups.py``);
- a scrubbed environment; the whole process tree (session, cgroups and uid)
  killed at the end, and anything left under the uid killed before the uid
  is used again.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import cgroups
from .protections import Protections, detect_protections

__all__ = ["Box", "Protections", "UidLease", "detect_protections", "kernel_env", "kill_tree",
           "make_sandbox", "sweep_files", "write_kernelspec"]

# shared places a kernel has no business seeing (covered when they hold nothing it needs)
SHARED_HIDE = ("/home", "/srv", "/media", "/run", "/var/tmp")
UID_BASE = 61000
UID_SLOTS = 64
_LOCK_DIR = Path(tempfile.gettempdir()) / "galaxy-grader-uids"


class UidLease:
    """An exclusive uid slot (file lock), so concurrent kernels never share a uid.

    Anything a previous holder of the uid left running is killed on taking it.
    """

    def __init__(self):
        self.uid, self._fh = None, None
        if os.geteuid() != 0:
            return
        _LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
        for slot in range(UID_SLOTS):
            fh = open(_LOCK_DIR / f"{slot}.lock", "w")
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                continue
            self.uid, self._fh = UID_BASE + slot, fh
            kill_tree(None, self.uid)      # what a grader killed mid-run left behind
            sweep_files(self.uid)
            return
        raise RuntimeError("no free sandbox uid slot")

    def release(self):
        if self._fh:
            self._fh.close()
            self._fh = None


@dataclass
class Box:
    """The folders of one kernel run: ``path`` (its cwd) and ``io`` (probe output)."""
    path: Path
    io: Path
    cgroups: list


def make_sandbox(parent: Path, notebook_bytes: bytes, nb_name: str, data_file: Path | None,
                 data_name: str, uid: int | None) -> Box:
    """Fresh folders: the kernel's cwd with a copy of the notebook and a read-only
    copy of the data, and a folder for the probe's output.  Both sit directly in
    the grader's root-owned ``parent``, so the kernel can fill them but never
    swap them for links."""
    box = Path(tempfile.mkdtemp(prefix="box-", dir=parent))
    io = Path(tempfile.mkdtemp(prefix="io-", dir=parent))
    (box / nb_name).write_bytes(notebook_bytes)
    (box / "tmp").mkdir()
    if data_file is not None:
        target = box / data_name
        try:
            os.link(data_file, target)      # same file system: no copy, same inode
            # a hard link shares permissions with the original: fall back to a copy
            # if the original is writable by the sandbox uid
            if os.stat(target).st_mode & 0o022:
                target.unlink()
                raise OSError
        except OSError:
            shutil.copyfile(data_file, target)
            os.chmod(target, 0o444)
    if uid is not None:
        for path in (box, box / "tmp", box / nb_name, io):
            os.chown(path, uid, uid)
    return Box(box, io, [])


def kernel_env(box: Path) -> dict:
    """A scrubbed environment: nothing of the grader's leaks in."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(box), "TMPDIR": str(box / "tmp"), "MPLCONFIGDIR": str(box / "tmp"),
        "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1", "PYTHONHASHSEED": "0",
        "JAX_PLATFORMS": "cpu", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    for keep in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "VIRTUAL_ENV", "XLA_FLAGS"):
        if keep in os.environ:
            env[keep] = os.environ[keep]
    return env


def _needed() -> list:
    """Folders the kernel must see: the Python installation and this package."""
    return [Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).parent,
            Path(os.path.realpath(sys.executable)).parent, Path(__file__).resolve().parents[2]]


def _hideable(paths, box: Path) -> list:
    """Grader paths to cover in the kernel's view, never one the kernel needs."""
    needed = [box, *_needed(), Path(tempfile.gettempdir())]
    out = []
    for p in paths:
        try:
            real = Path(os.path.realpath(p))
        except (OSError, ValueError):
            continue
        if real == Path("/") or any(n == real or real in Path(os.path.realpath(n)).parents
                                    for n in needed):
            continue
        out.append(str(real))
    return sorted(set(out))


def _scratch() -> list:
    """Folders replaced by an empty tmpfs holding only what the kernel needs:
    /tmp, and a shared place (/home, ...) that holds the Python installation."""
    needed = [os.path.realpath(n) for n in _needed()]
    shared = [s for s in SHARED_HIDE if os.path.isdir(s) and not os.path.islink(s)
              and any(n.startswith(s + "/") for n in needed)]
    return sorted({"/tmp", os.path.realpath(tempfile.gettempdir()), *shared})


def write_kernelspec(private: Path, box: Box, limits: dict, uid: int | None,
                     protections: Protections, hide=()) -> Path:
    """A kernelspec whose argv is our launcher; returns the kernels folder."""
    if uid is not None and (protections.cgroup_memory or protections.cgroup_pids):
        box.cgroups = cgroups.create(uid, limits)
    confine = None
    if protections.fs_private:
        confine = {"writable": [str(box.path), str(box.io)],
                   "hide": _hideable(list(SHARED_HIDE) + list(hide), box.path), "shm_mb": 64,
                   "scratch": _scratch(),
                   "keep": sorted({os.path.realpath(n) for n in _needed()})}
    spec = {"parent": os.getpid(), "uid": uid, "gid": uid, "sandbox": str(box.path), "limits": limits,
            "env": kernel_env(box.path), "confine": confine, "cgroups": box.cgroups,
            "kernel_cmd": [sys.executable, "-m", "ipykernel_launcher"]}
    spec_path = private / f"launch-{box.path.name}.json"
    spec_path.write_text(json.dumps(spec))
    argv = [sys.executable, "-m", "grader.run.launch", "--spec", str(spec_path),
            "-f", "{connection_file}"]
    if protections.no_network:
        argv = ["unshare", "-n", "-i"] + (["-m"] if protections.fs_private else []) + ["--"] + argv
    kdir = private / f"kernels-{box.path.name}" / "gg-sandbox"
    kdir.mkdir(parents=True)
    (kdir / "kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": "galaxy-grader sandbox", "language": "python",
         "interrupt_mode": "message",
         "env": {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}}))
    return kdir.parent


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


def sweep_files(uid: int | None):
    """Delete what the uid left in the shared scratch folders (top level of /tmp,
    /var/tmp, /dev/shm): what a kernel without a private file system wrote, or
    the socket folder of a run whose grader was killed."""
    if uid is None:
        return
    for top in ("/tmp", "/var/tmp", "/dev/shm"):
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for e in entries:
            try:
                if e.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if e.is_dir(follow_symlinks=False):
                    shutil.rmtree(e.path, ignore_errors=True)
                else:
                    os.unlink(e.path)
            except OSError:
                pass
