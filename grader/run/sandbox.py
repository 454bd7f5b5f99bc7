"""A private working folder and a locked-down kernel for one submission.

What is enforced, when the OS allows it (``Protections`` says which held):
- rlimits on every kernel process: address space, file size, open files, CPU
  seconds, process count, no core dumps;
- an unprivileged uid of its own (when the grader runs as root), so the
  kernel cannot write the grader's files and RLIMIT_NPROC binds;
- no network: a fresh network namespace (``unshare -n``) with the kernel
  talking over unix sockets (ZMQ ipc transport);
- a scrubbed environment; the whole process tree (session and uid) killed
  at the end.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

UID_BASE = 61000
UID_SLOTS = 64
_LOCK_DIR = Path(tempfile.gettempdir()) / "galaxy-grader-uids"


@dataclass(frozen=True)
class Protections:
    rlimits: bool
    own_uid: bool
    no_network: bool

    def describe(self) -> str:
        on = [n for n, v in (("resource limits", self.rlimits), ("unprivileged uid", self.own_uid),
                             ("no network", self.no_network)) if v]
        off = [n for n, v in (("unprivileged uid", self.own_uid),
                              ("no network", self.no_network)) if not v]
        return f"active: {', '.join(on) or 'none'}" + (f"; not available: {', '.join(off)}" if off else "")

    def to_dict(self):
        return asdict(self)


_PROTECTIONS = None


def detect_protections() -> Protections:
    """Probe once per process what this machine lets us enforce."""
    global _PROTECTIONS
    if _PROTECTIONS is None:
        root = os.geteuid() == 0
        net = bool(shutil.which("unshare")) and _runs(["unshare", "-n", "true"])
        _PROTECTIONS = Protections(rlimits=True, own_uid=root, no_network=net)
    return _PROTECTIONS


def _runs(cmd) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


class UidLease:
    """An exclusive uid slot (file lock), so concurrent kernels never share a uid."""

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
            return
        raise RuntimeError("no free sandbox uid slot")

    def release(self):
        if self._fh:
            self._fh.close()
            self._fh = None


def make_sandbox(parent: Path, notebook_bytes: bytes, nb_name: str, data_file: Path | None,
                 data_name: str, uid: int | None) -> Path:
    """Fresh folder: a copy of the notebook and a read-only copy of the data."""
    box = Path(tempfile.mkdtemp(prefix="box-", dir=parent))
    (box / nb_name).write_bytes(notebook_bytes)
    for sub in ("tmp", ".gg"):
        (box / sub).mkdir()
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
        for path in (box, box / "tmp", box / ".gg", box / nb_name):
            os.chown(path, uid, uid)
    return box


def kernel_env(box: Path) -> dict:
    """A scrubbed environment: nothing of the grader's leaks in."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(box), "TMPDIR": str(box / "tmp"), "MPLCONFIGDIR": str(box / "tmp"),
        "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1", "PYTHONHASHSEED": "0",
        "JAX_PLATFORMS": "cpu", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    for keep in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "VIRTUAL_ENV",
                 "JAX_COMPILATION_CACHE_DIR", "XLA_FLAGS"):
        if keep in os.environ:
            env[keep] = os.environ[keep]
    return env


def write_kernelspec(private: Path, box: Path, limits: dict, uid: int | None,
                     protections: Protections) -> Path:
    """A kernelspec whose argv is our launcher; returns the kernels folder."""
    spec = {"uid": uid, "gid": uid, "sandbox": str(box), "limits": limits,
            "env": kernel_env(box),
            "kernel_cmd": [sys.executable, "-m", "ipykernel_launcher"]}
    spec_path = private / f"launch-{box.name}.json"
    spec_path.write_text(json.dumps(spec))
    argv = [sys.executable, "-m", "grader.run.launch", "--spec", str(spec_path),
            "-f", "{connection_file}"]
    if protections.no_network:
        argv = ["unshare", "-n", "--"] + argv
    kdir = private / f"kernels-{box.name}" / "gg-sandbox"
    kdir.mkdir(parents=True)
    (kdir / "kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": "galaxy-grader sandbox", "language": "python",
         "interrupt_mode": "message",
         "env": {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}}))
    return kdir.parent


def kill_tree(pid: int | None, uid: int | None):
    """SIGKILL the kernel's session and, with an own uid, every process of that uid."""
    if pid:
        try:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if uid is None:
        return
    for _ in range(3):
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
