"""What a sandbox uid can leave behind once its processes are gone, removed before the
uid is leased again (``uids._clean``): at ``-j 1`` the next student gets the same uid.

- files it owns at the top of the shared scratch folders (``/tmp``, ``/var/tmp``,
  ``/dev/shm``, ``/dev/mqueue``: POSIX shared memory, semaphores and message queues
  are files there): what a kernel without a private file system wrote, or the socket
  folder of a run whose grader was killed;
- its keyrings (user, user-session, persistent), which the kernel keeps for a uid
  until reboot, and the SysV shared memory, semaphores and message queues it owns or
  created.  Removed by a child that becomes the uid: root without CAP_SYS_ADMIN (a
  default container) may neither read another uid's keyrings nor remove its IPC.

A confined kernel cannot make the last two (``seccomp.SHARED_STATE``); this clears
what a kernel could still leave (an unconfined one, or one of an older grader).
"""
from __future__ import annotations

import os
import shutil

SCRATCH = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue")
SYSVIPC = {"shm": "shmid", "sem": "semid", "msg": "msqid"}
# run as root in a fresh (single-threaded) Python that becomes the uid: argv is the
# uid, the number of keyctl (-1: none) and (kind, id) pairs of SysV objects to remove
AS_UID = """import ctypes, os, sys
uid, keyctl = int(sys.argv[1]), int(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
os.setgroups([])
os.setresgid(uid, uid, uid)
os.setresuid(uid, uid, uid)
if keyctl >= 0:
    for ring in (-4, -5):                   # KEY_SPEC_USER_KEYRING, _USER_SESSION_KEYRING
        libc.syscall(keyctl, 7, ring)       # KEYCTL_CLEAR
    kept = libc.syscall(keyctl, 22, -1, -2)     # KEYCTL_GET_PERSISTENT, into the process's
    if kept > 0:
        libc.syscall(keyctl, 7, kept)
for kind, ident in zip(sys.argv[3::2], map(int, sys.argv[4::2])):     # IPC_RMID
    {"shm": lambda: libc.shmctl(ident, 0, None), "sem": lambda: libc.semctl(ident, 0, 0),
     "msg": lambda: libc.msgctl(ident, 0, None)}[kind]()
"""


def sweep_files(uid: int | None):
    """Delete what ``uid`` owns at the top of the shared scratch folders."""
    if uid is None:
        return
    for top in SCRATCH:
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


def sysv_objects(uid: int) -> list:
    """(kind, id) of every SysV IPC object of this IPC namespace that ``uid`` owns
    or created (``/proc/sysvipc``)."""
    found = []
    for kind, id_column in SYSVIPC.items():
        try:
            with open(f"/proc/sysvipc/{kind}") as fh:
                header, *rows = [line.split() for line in fh if line.strip()]
            at = {name: header.index(name) for name in (id_column, "uid", "cuid")}
        except (OSError, ValueError):       # no SysV IPC in this kernel, or a new layout
            continue
        found += [(kind, int(r[at[id_column]])) for r in rows
                  if str(uid) in (r[at["uid"]], r[at["cuid"]])]
    return found


def clear_kernel_state(uid: int):
    """Clear ``uid``'s keyrings and remove its SysV IPC objects (``AS_UID``; the
    grader is root here).  Where a call is denied (Docker's default profile denies
    keyrings to the grader too) there is nothing of that kind to clear."""
    import subprocess
    import sys
    try:
        from .seccomp import number
        keyctl = number("keyctl")
    except (ImportError, OSError, RuntimeError):    # no libseccomp: unconfined anyway
        keyctl = -1
    objects = [str(v) for pair in sysv_objects(uid) for v in pair]
    subprocess.run([sys.executable, "-I", "-S", "-c", AS_UID, str(uid), str(keyctl), *objects],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60, check=False)
