"""Kernel launcher: limits, cgroups, confinement, an unprivileged uid, ipykernel.

Started by jupyter_client as the kernelspec's argv:

    python -m grader.run.launch --spec SPEC.json -f {connection_file}

SPEC.json (written by the grader) holds the rlimits, the uid/gid to become,
the sandbox and io folders, the cgroups to join, what to confine
(``confine.py`` with bubblewrap, ``nonamespace.py`` without namespaces) and the kernel
command.  Standard library and pyseccomp (the seccomp filter of either mode) only:
this runs before every kernel and must start fast.  Any confinement step that fails
stops the launch (the kernel never runs with less protection than was reported).
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sys

MB = 1024 * 1024


def _rlimits(limits, own_uid=True):
    """Every rlimit; RLIMIT_NPROC only for a kernel with a uid of its own (it counts
    every process and thread of the uid: under the grader's uid, the grader's too)."""
    pairs = {
        resource.RLIMIT_AS: limits["memory_mb"] * MB,
        resource.RLIMIT_FSIZE: limits["file_size_mb"] * MB,
        resource.RLIMIT_NOFILE: limits["open_files"],
        resource.RLIMIT_CPU: limits["cpu_seconds"],
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NPROC: limits["processes"],
    }
    if not own_uid:
        pairs.pop(resource.RLIMIT_NPROC)
    for which, value in pairs.items():
        value = int(value)
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):   # cannot raise above a hard limit: keep it
            soft, hard = resource.getrlimit(which)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (cap, cap))


def die_with_parent(parent):
    """SIGKILL this process when ``parent`` dies (parent-death signal; a uid
    change clears it, and setpriv sets it again); exit now if it already died."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if parent and os.getppid() != parent:
        os._exit(1)


def _hand_over(spec, connection_file):
    """Copy the connection file into the io folder, readable by the kernel uid;
    returns (host path, path the kernel opens)."""
    host = os.path.join(spec["io"], "kernel.json")
    shutil.copyfile(connection_file, host)
    if spec.get("uid") is not None:
        os.chown(host, spec["uid"], spec["gid"])
    os.chmod(host, 0o400)
    return host, (f"{spec['confine']['io_inside']}/kernel.json" if spec.get("confine") else host)


_DROP = ("import ctypes, os, sys\n"
         "ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0)\n"    # PR_SET_NO_NEW_PRIVS
         "os.setgroups([]); os.setgid(int(sys.argv[1])); os.setuid(int(sys.argv[1]))\n"
         "os.execv(sys.argv[2], sys.argv[2:])\n")


def _as_user(spec, cmd):
    """Prefix ``cmd`` so it runs as the sandbox uid with no supplementary groups,
    no capabilities and no way to gain privileges (setuid programs)."""
    setpriv = shutil.which("setpriv")
    if setpriv:
        return [setpriv, f"--reuid={spec['uid']}", f"--regid={spec['gid']}", "--clear-groups",
                "--no-new-privs", "--pdeathsig=KILL", "--"] + cmd
    return [spec["python"], "-c", _DROP, str(spec["uid"])] + cmd


def _ipc_folder(connection_file):
    """The folder of the kernel's unix sockets (ipc transport), bound writable."""
    with open(connection_file) as fh:
        info = json.load(fh)
    return os.path.dirname(info["ip"]) if info.get("transport") == "ipc" else None


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    spec_path = argv[argv.index("--spec") + 1]
    connection_file = argv[argv.index("-f") + 1]
    with open(spec_path) as fh:
        spec = json.load(fh)
    die_with_parent(spec.get("parent"))
    if os.getpid() != os.getsid(0):
        os.setsid()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # oversize writes fail with EFBIG
    os.umask(0o077)
    if spec.get("cgroups"):
        from .cgroups import join
        join(spec["cgroups"])
    _, inside = _hand_over(spec, connection_file)
    cmd = spec["kernel_cmd"] + ["-f", inside]
    if spec.get("uid") is not None and not spec.get("landlock"):
        cmd = _as_user(spec, cmd)
    conf = spec.get("confine")
    if spec.get("landlock"):                 # no namespaces: confined in this process
        os.chdir(spec["sandbox"])
        _rlimits(spec["limits"], own_uid=spec.get("uid") is not None)
        die_with_parent(spec.get("parent"))
        from .nonamespace import confine_self
        confine_self({**spec, **spec["landlock"]}, _ipc_folder(connection_file))
        cmd = spec["kernel_cmd"] + ["-f", inside]
        os.execve(cmd[0], cmd, spec["env"])
    if conf:
        from .confine import bwrap_args
        from .seccomp import bpf_fd         # bwrap loads it before the kernel starts
        cmd = bwrap_args(bwrap=conf["bwrap"], sandbox=spec["sandbox"], io=spec["io"],
                         notebook=conf["notebook"], data_name=conf["data_name"],
                         ipc=_ipc_folder(connection_file), disk_mb=spec["limits"]["disk_mb"],
                         as_root=spec.get("uid") is not None, seccomp=bpf_fd(),
                         xla_cache=conf.get("xla_cache")) + cmd
    else:
        os.chdir(spec["sandbox"])
    _rlimits(spec["limits"])   # inherited through exec; RLIMIT_NPROC binds the new uid
    die_with_parent(spec.get("parent"))          # the worker died while we set up
    os.execve(cmd[0], cmd, spec["env"])


if __name__ == "__main__":
    main()
