"""A private working folder and a locked-down kernel for one submission.

What is enforced, when the OS allows it (``Protections`` says which held):
- rlimits on every kernel process: address space, file size, open files, CPU
  seconds, process count, no core dumps;
- an unprivileged uid of its own (when the grader runs as root; ``uids.py``);
- confinement (``confine.py``, bubblewrap): an allowlisted, read-only view of
  the machine without the project's code, size-capped private working folder
  and /tmp, own pid, network, IPC and UTS namespaces;
- one memory, process-count and freezer cgroup for its whole process tree
  (``cgroups.py``);
- a scrubbed environment; the whole process tree (session, cgroups and uid)
  killed at the end.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import cgroups
from .protections import Protections, detect_protections

__all__ = ["Box", "Protections", "detect_protections", "kernel_cmd", "kernel_env",
           "make_sandbox", "write_kernelspec"]


@dataclass
class Box:
    """The host folders of one kernel run: ``path`` (notebook, data; the working
    folder itself when unconfined) and ``io`` (probe inputs and outputs)."""
    path: Path
    io: Path
    cgroups: list


def make_sandbox(parent: Path, notebook_bytes: bytes, nb_name: str, data_file: Path | None,
                 data_name: str, uid: int | None, private_data: bool = False) -> Box:
    """Fresh folders in the grader's root-owned ``parent``: the notebook and a
    read-only copy of the data; ``io`` (owned by the grader) with the two
    probe-output files, the only things in it the kernel's uid may write."""
    box = Path(tempfile.mkdtemp(prefix="box-", dir=parent))
    io = Path(tempfile.mkdtemp(prefix="io-", dir=parent))
    os.chmod(io, 0o755)
    (box / nb_name).write_bytes(notebook_bytes)
    (box / "tmp").mkdir()
    if data_file is not None:
        target = box / data_name
        try:
            if uid is None or private_data:     # a kernel that owns the link (the grader's
                raise OSError                   # uid) or overrides its mode: a private copy
            os.link(data_file, target)      # same file system: no copy, same inode
            # a hard link shares permissions with the original: fall back to a copy
            # if the original is writable by the sandbox uid
            if os.stat(target).st_mode & 0o022:
                target.unlink()
                raise OSError
        except OSError:
            shutil.copyfile(data_file, target)
            os.chmod(target, 0o444)
    from .confine import OUTPUTS
    for name in OUTPUTS:
        os.close(os.open(io / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if uid is not None:
        for path in (box, box / "tmp", box / nb_name, *(io / n for n in OUTPUTS)):
            os.chown(path, uid, uid)
    return Box(box, io, [])


def kernel_env(box: Path, namespaces: bool) -> dict:
    """A scrubbed environment: nothing of the grader's leaks in; paths as the kernel
    sees them (bubblewrap's view, else the host's)."""
    from .confine import HOME
    home = HOME if namespaces else str(box)
    tmp = "/tmp" if namespaces else str(box / "tmp")
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home, "TMPDIR": tmp, "MPLCONFIGDIR": tmp, "USER": "student",
        "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1", "PYTHONHASHSEED": "0",
        "JAX_PLATFORMS": "cpu", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    for keep in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "VIRTUAL_ENV", "XLA_FLAGS"):
        if keep in os.environ:
            env[keep] = os.environ[keep]
    return env


# an unconfined kernel starts without ``site``'s processing of the project's own
# install (an editable finder or a checkout on sys.path), so the answer key is
# not importable as a package; its files are still readable there (labelled)
_UNCONFINED_BOOT = """import os, runpy, site, sys
project, module = sys.argv.pop(1), sys.argv.pop(1)
venv = os.path.dirname(os.path.dirname(os.path.abspath(sys.executable)))
cfg = os.path.join(venv, 'pyvenv.cfg')
if os.path.isfile(cfg):     # without ``site``, a venv's own prefix is not set (3.11)
    with open(cfg) as fh:
        system = 'include-system-site-packages = true' in fh.read().lower()
    site.PREFIXES[:] = [venv] + (list(site.PREFIXES) if system else [])
    sys.prefix = sys.exec_prefix = venv
prefix = os.path.realpath(sys.prefix) + os.sep
def shows_project(p):
    r = os.path.realpath(p or '.')
    packages = os.path.basename(r) in ('site-packages', 'dist-packages')
    return (r + os.sep).startswith(project + os.sep) and not r.startswith(prefix) \\
        and not packages or (project + os.sep).startswith(r + os.sep)
for d in site.getsitepackages():
    if os.path.isdir(d):
        sys.path.append(d)
        for f in sorted(os.listdir(d)):
            if f.endswith('.pth') and 'galaxy_grader' not in f:
                site.addpackage(d, f, set())
sys.path[:] = [p for p in sys.path if not shows_project(p)]
sys.argv[0] = module
runpy.run_module(module, run_name='__main__', alter_sys=True)
"""


def kernel_cmd(namespaces: bool, module: str = "ipykernel_launcher") -> list:
    """The kernel's command: plain inside bubblewrap's view (the project is absent);
    elsewhere through ``_UNCONFINED_BOOT`` (the project left off the import path)."""
    if namespaces:
        return [sys.executable, "-m", module]
    from .confine import PROJECT
    return [sys.executable, "-S", "-c", _UNCONFINED_BOOT, PROJECT, module]


def write_kernelspec(private: Path, box: Box, limits: dict, uid: int | None,
                     protections: Protections, nb_name: str, data_name: str) -> Path:
    """A kernelspec whose argv is our launcher; returns the kernels folder."""
    if (uid is not None or os.geteuid() == 0) and (protections.cgroup_memory or
                                                   protections.cgroup_pids):
        box.cgroups = cgroups.create(uid if uid is not None else f"r-{box.path.name}", limits)
    confine = landlock = None
    env = kernel_env(box.path, protections.namespaces)
    if protections.namespaces:
        from . import xla_cache
        from .confine import IO, bwrap_path
        confine = {"bwrap": bwrap_path(), "notebook": str(box.path / nb_name),
                   "data_name": data_name, "io_inside": IO, "xla_cache": xla_cache.folder()}
        if confine["xla_cache"]:
            env.update(xla_cache.kernel_env())
    elif protections.confined:                      # no namespaces: nonamespace.py
        from .confine import OUTPUTS
        landlock = {"outputs": list(OUTPUTS),
                    "override": protections.kernel_uid == "pool-override"}
    spec = {"parent": os.getpid(), "uid": uid, "gid": uid, "sandbox": str(box.path),
            "io": str(box.io), "limits": limits, "python": sys.executable,
            "env": env, "confine": confine,
            "landlock": landlock, "cgroups": box.cgroups,
            "kernel_cmd": kernel_cmd(protections.namespaces)}
    spec_path = private / f"launch-{box.path.name}.json"
    spec_path.write_text(json.dumps(spec))
    argv = [sys.executable, "-m", "grader.run.launch", "--spec", str(spec_path),
            "-f", "{connection_file}"]
    kdir = private / f"kernels-{box.path.name}" / "gg-sandbox"
    kdir.mkdir(parents=True)
    (kdir / "kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": "galaxy-grader sandbox", "language": "python",
         "interrupt_mode": "message",
         "env": {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}}))
    return kdir.parent


