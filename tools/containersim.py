"""Run a command as it would run where courses grade, without Docker (the project's own
equivalent of the docker-sim wrappers its acceptance uses; tests/test_containers.py).

    python tools/containersim.py docker-default [--ro-sys] -- CMD...
    python tools/containersim.py user-nsdeny [--uid N] -- CMD...

docker-default: root with Docker's 14 default capabilities and a seccomp filter that,
like Docker's default profile for a container without CAP_SYS_ADMIN, makes namespace
creation and joining, mounts and the new mount API fail (EPERM; clone3 ENOSYS), loaded
without no_new_privs as runc does; ``--ro-sys`` also mounts /sys read-only (no cgroups).
user-nsdeny: a non-root uid (1500 unless --uid) under the same filter (Ubuntu 24.04's
AppArmor user-namespace restriction, rootless containers).  Needs root and setpriv.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DOCKER_CAPS = ("chown", "dac_override", "fsetid", "fowner", "mknod", "net_raw", "setgid",
               "setuid", "setfcap", "setpcap", "net_bind_service", "sys_chroot", "kill",
               "audit_write")
NAMESPACE_CALLS = ("unshare", "setns", "mount", "umount2", "pivot_root", "move_mount",
                   "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr")


def _ro_sys(argv):
    """Re-run this command in a private mount namespace whose /sys mounts are read-only."""
    script = ('for m in $(findmnt -rn -o TARGET | grep "^/sys"); do '
              'mount -o remount,bind,ro "$m" 2>/dev/null; done; exec "$@"')
    args = [a for a in argv if a != "--ro-sys"]
    os.execvp("unshare", ["unshare", "-m", "--propagation", "private", "--", "sh", "-c",
                          script, "sh", sys.executable, __file__, *args])


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" not in argv or not argv or argv[0] not in ("docker-default", "user-nsdeny"):
        print(__doc__, file=sys.stderr)
        return 2
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        print("containersim: needs root and setpriv (util-linux)", file=sys.stderr)
        return 2
    mode, opts, cmd = argv[0], argv[1:argv.index("--")], argv[argv.index("--") + 1:]
    if "--ro-sys" in opts:
        _ro_sys(argv)
    from grader.run.nonamespace import load_filter
    load_filter(NAMESPACE_CALLS, network=False, namespaces=True, no_new_privs=False)
    if mode == "docker-default":
        bounding = "-all," + ",".join(f"+{c}" for c in DOCKER_CAPS)
        prefix = ["setpriv", f"--bounding-set={bounding}", "--inh-caps=-all",
                  "--ambient-caps=-all", "--"]
    else:
        uid = opts[opts.index("--uid") + 1] if "--uid" in opts else "1500"
        prefix = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                  "--inh-caps=-all", "--"]
    os.execvp("setpriv", prefix + cmd)
    return 1


if __name__ == "__main__":
    sys.exit(main())
