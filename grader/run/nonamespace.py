"""Confinement without namespaces: where bubblewrap cannot create them (root inside a
default Docker container such as Gradescope's, a user denied user namespaces).

The launcher, before it becomes the kernel:

1. drops privileges: to the run's pool uid when the grader is root and the Python
   runtime is open to other users; else, as root, every capability (bounding set
   too), so the kernel is root in name only;
2. sets no_new_privs and restricts itself with Landlock (``landlock.py``) to an
   allowlist: the system's programs and libraries, the Python runtime and its
   third-party packages (never the project's own: a folder holding them is
   list-only, each other entry readable), its own working folder, its probe files,
   its sockets' folder, a few devices and its own ``/proc/<pid>``; TCP denied (ABI
   4), abstract sockets and signals scoped to itself (ABI 6);
3. loads a seccomp filter (``seccomp.py``, ``KERNEL_DENY``): no internet or packet
   sockets (Landlock cannot stop UDP), no ptrace or other processes' memory, no
   namespaces, mounts, BPF, io_uring or file handles, and, as in every mode, no
   keyrings, SysV IPC or POSIX message queues (state a uid finds again later).

What this mode does not give, unlike bubblewrap: no size-capped disk (the file-size
rlimit caps single files), no pid or IPC namespace (other processes are visible by
number, not reachable), no cgroups where /sys is read-only.  docs/security.md has
the table.  Standard library plus pyseccomp (libseccomp): the launcher imports this.
"""
from __future__ import annotations

import os
import sys

from . import landlock as ll
from .confine import ETC, covered, runtime_folders
from .seccomp import KERNEL_DENY, OWNER_DENY, load_filter

SYSTEM = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
PROC_FILES = ("/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/proc/loadavg",
              "/proc/filesystems", "/proc/sys/vm/overcommit_memory")
SYS_FOLDERS = ("/sys/devices/system/cpu",)


def runtime_rules() -> list:
    """(path, rights) for the Python runtime and its packages, the project's own
    packages left out: a folder holding one is list-only, each other entry readable."""
    folders = runtime_folders()
    hidden = covered(folders)
    rules = []
    for folder in folders:
        inside = [h for h in hidden if h.startswith(folder.rstrip("/") + "/")]
        if not inside:
            rules.append((folder, ll.RUN))
            continue
        rules += _around(folder, inside)
    return rules


def _around(folder, hidden) -> list:
    """Rules that show everything below ``folder`` but the ``hidden`` folders."""
    rules = [(folder, ll.READ_DIR)]
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return rules
    for name in entries:
        path = os.path.join(folder, name)
        if path in hidden or name.startswith("galaxy_grader") or "__editable__" in name:
            continue
        deeper = [h for h in hidden if h.startswith(path + "/")]
        rules += _around(path, deeper) if deeper else [(path, ll.RUN)]
    return rules


def kernel_rules(*, sandbox, io, outputs, ipc, pid) -> list:
    """The allowlist of one kernel (module docstring, step 2)."""
    rules = [(p, ll.RUN) for p in SYSTEM if os.path.isdir(p) and not os.path.islink(p)]
    rules += [(p, ll.READ) for p in ETC]
    rules += runtime_rules()
    rules += [(sandbox, ll.RUN | ll.WRITE), (io, ll.READ)]
    rules += [(os.path.join(io, n), ll.READ_FILE | ll.WRITE_FILE | ll.TRUNCATE) for n in outputs]
    if ipc:
        rules.append((ipc, ll.READ | ll.WRITE))
    rules += [(d, ll.READ_FILE | ll.WRITE_FILE) for d in DEVICES]
    rules += [(f"/proc/{pid}", ll.READ)] + [(p, ll.READ_FILE) for p in PROC_FILES]
    rules += [(p, ll.READ) for p in SYS_FOLDERS]
    return rules


CAP_DAC_OVERRIDE = 1


def drop_privileges(uid, override=False):
    """Become ``uid`` (no groups, no capability; with ``override``, CAP_DAC_OVERRIDE
    alone, kept across exec as an ambient capability, so a uid of its own can still
    reach a Python runtime under a folder closed to other users: Landlock decides what
    it may open).  As root with ``uid`` None: keep root's uid but no capability at all.
    The bounding set keeps nothing else either way."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    keep = {CAP_DAC_OVERRIDE} if override and uid is not None else set()
    if os.geteuid() == 0:
        for cap in range(64):
            if cap not in keep:
                libc.prctl(24, cap, 0, 0, 0)    # PR_CAPBSET_DROP (past the last: EINVAL)
        libc.prctl(47, 4, 0, 0, 0)              # PR_CAP_AMBIENT_CLEAR_ALL
    if uid is not None:
        if keep:
            libc.prctl(8, 1, 0, 0, 0)           # PR_SET_KEEPCAPS: survive setuid
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)                          # clears the effective set
        if keep:
            _capset(libc, 1 << CAP_DAC_OVERRIDE)
            if libc.prctl(47, 2, CAP_DAC_OVERRIDE, 0, 0) != 0:      # PR_CAP_AMBIENT_RAISE
                raise OSError(ctypes.get_errno(), "cannot keep CAP_DAC_OVERRIDE")
        return
    if os.geteuid() == 0:
        _capset(libc, 0)


def _capset(libc, mask):
    """Effective, permitted and inheritable capabilities all set to ``mask``."""
    import ctypes
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)          # _LINUX_CAPABILITY_VERSION_3
    data = (ctypes.c_uint32 * 6)(mask, mask, mask, 0, 0, 0)
    if libc.syscall(126 if _x86() else 91, header, data) != 0:   # capset
        raise OSError(ctypes.get_errno(), "capset failed")


def _x86() -> bool:
    return os.uname().machine in ("x86_64", "amd64")


def confine_self(spec, ipc):
    """Steps 1-3 of the module docstring, in this process (the launcher, just before
    it becomes the kernel).  Raises if any step fails: the kernel never runs with
    less than was reported."""
    rules = kernel_rules(sandbox=spec["sandbox"], io=spec["io"], outputs=spec["outputs"],
                         ipc=ipc, pid=os.getpid()) + [tuple(r) for r in spec.get("more", ())]
    drop_privileges(spec.get("uid"), override=bool(spec.get("override")))
    ll.restrict(rules)
    load_filter(KERNEL_DENY, no_effect=OWNER_DENY if spec.get("uid") is None else ())


SELFTEST = r"""
import os, socket, sys
bad = []
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as fh:
            fh.read(1)
        bad.append("read " + path)
    except OSError:
        pass
try:
    import grader
    bad.append("grader importable")
except Exception:          # ImportError, or PermissionError from an editable install's finder
    pass
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    bad.append("internet socket")
except OSError:
    pass
try:
    os.kill(os.getppid(), 0)
    bad.append("signals reach the grader")
except OSError:
    pass
open(os.environ["GG_OUT"], "w").write("ok")
print("; ".join(bad))
sys.exit(3 if bad else 0)
"""


def closed_folder() -> str:
    """The first folder on the way to the Python runtime that other uids cannot enter
    (a venv or pyenv under /root, mode 0700), as 'FOLDER (mode 700)', or ""."""
    from pathlib import Path
    for folder in runtime_folders():
        for parent in [*reversed(Path(folder).parents), Path(folder)]:
            try:
                mode = parent.stat().st_mode
            except OSError:
                continue
            if not mode & 0o001:
                return f"{parent} (mode {mode & 0o777:o})"
    return ""


def kernel_uid_modes(root: bool) -> tuple:
    """The kernel uid modes to try, best first: 'pool' (a uid of the run's pool),
    'pool-override' (the same with CAP_DAC_OVERRIDE, when the runtime sits in a folder
    closed to other uids), 'root-no-caps' (root's uid without any capability, where
    that capability cannot be kept), 'self' (the grader is not root: its own uid)."""
    if not root:
        return ("self",)
    return ("pool-override", "root-no-caps") if closed_folder() else ("pool",)


def selftest(uid, secret: str, more=(), override=False) -> str:
    """'' when a Python confined this way here cannot read the project's code, the
    probe secret or other processes' environments, open internet sockets or signal
    the grader, and can write its output; else why not.  ``more``: rules added to the
    allowlist (a test that the self-test catches a wrong one)."""
    import json
    import shutil
    import subprocess
    import tempfile
    from .confine import PROJECT
    folder = tempfile.mkdtemp(prefix="gg-landlock-")
    try:
        io = os.path.join(folder, "io")
        os.mkdir(io)
        out = os.path.join(io, "out.json")
        open(out, "w").close()
        if uid is not None:
            os.chown(folder, uid, uid)
            os.chown(out, uid, uid)
        spec = {"sandbox": folder, "io": io, "outputs": ["out.json"], "uid": uid,
                "override": override, "more": [list(r) for r in more]}
        secrets_ = [os.path.join(d, f) for d in covered([PROJECT] + runtime_folders())
                    for f in sorted(os.listdir(d))[:3] if f.endswith(".py")]
        secrets_ += [secret, "/etc/passwd", f"/proc/{os.getpid()}/environ", "/proc/1/environ"]
        boot = ("import json, os, sys; sys.path.insert(0, sys.argv[1]); "
                "from grader.run import nonamespace as n; n.confine_self(json.loads(sys.argv[2]), None); "
                "os.execve(sys.executable, [sys.executable, '-I', '-c', n.SELFTEST] + sys.argv[3:], "
                "{'GG_OUT': os.environ['GG_OUT'], 'PATH': '/usr/bin:/bin'})")
        try:
            run = subprocess.run([sys.executable, "-c", boot, PROJECT, json.dumps(spec), *secrets_],
                                 capture_output=True, text=True, timeout=60, cwd=folder,
                                 env={"GG_OUT": out, "PATH": "/usr/bin:/bin"})
        except (OSError, subprocess.SubprocessError) as exc:
            return f"a confined Python could not run ({type(exc).__name__})"
        if run.returncode != 0:
            said = run.stdout.strip() or \
                (run.stderr.strip().splitlines() or [f"exit status {run.returncode}"])[-1]
            return f"confinement without namespaces failed: {said[:200]}"
        with open(out) as fh:
            return "" if fh.read() == "ok" else "the confined Python could not write its output"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
