"""The kernels' seccomp filters (pyseccomp over the system's libseccomp).

Two filters, one builder:

- every confined kernel, bubblewrap's included: ``SHARED_STATE`` fails with EPERM.
  These calls reach kernel objects that outlive the kernel's processes and are found
  again by uid or by key, not by anything the sandbox owns: a uid's keyrings (user,
  user-session, persistent; a user namespace does not hide them from a uid of the
  host's, and the grader's own session keyring is inherited), SysV shared memory,
  semaphores and message queues and POSIX message queues (per IPC namespace: shared
  by every kernel where there is none).  At ``-j 1`` the next student gets the same
  uid: a note left there would reach them.  No honest notebook uses them (numpy, JAX,
  matplotlib, ipykernel and zmq call none of them).  Bubblewrap loads this one
  (``--seccomp``, ``bpf_fd``) just before it runs the kernel's command.
- without namespaces (``nonamespace.py``): ``KERNEL_DENY`` (the above, plus ptrace,
  namespaces, mounts, BPF, io_uring, file handles, ...), internet and packet sockets,
  clone with namespace flags, and calls newer than the filter knows (ENOSYS).
"""
from __future__ import annotations

import errno
import os
import socket

SHARED_STATE = ("add_key", "keyctl", "request_key",
                "shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop",
                "semctl", "msgget", "msgsnd", "msgrcv", "msgctl", "ipc",
                "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",
                "mq_getsetattr")
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME
CLONE_NEW_FLAGS = (0x20000, 0x2000000, 0x4000000, 0x8000000, 0x10000000, 0x20000000,
                   0x40000000, 0x80)
KERNEL_DENY = ("ptrace", "process_vm_readv", "process_vm_writev", "unshare", "setns",
               "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
               "open_tree_attr", "fsopen",
               "fsconfig", "fsmount", "fspick", "mount_setattr",
               "bpf", "userfaultfd", "io_uring_setup", "io_uring_enter",
               "io_uring_register", "open_by_handle_at", "name_to_handle_at", "perf_event_open",
               "kexec_load", "init_module", "finit_module", "delete_module", "acct", "swapon",
               "swapoff", "reboot", "quotactl", "setdomainname", "sethostname") + SHARED_STATE
# a kernel that keeps the grader's uid owns the grader's files: Landlock does not cover
# changing their modes, owners, times or attributes, so these calls do nothing (they
# report success: IPython and shutil.copy set modes on the kernel's own new files)
OWNER_DENY = ("chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown",
              "fchownat", "utime", "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr",
              "fsetxattr", "removexattr", "lremovexattr", "fremovexattr", "setxattrat",
              "removexattrat", "file_setattr")
# calls newer than the libseccomp a machine may have: by number (the same on x86_64 and
# aarch64); every number from FUTURE on (calls not written yet) fails with ENOSYS
NUMBERS = {"fchmodat2": 452, "setxattrat": 463, "removexattrat": 466, "open_tree_attr": 467,
           "file_setattr": 469}
FUTURE = range(470, 600)
NET_FAMILIES = (socket.AF_INET, socket.AF_INET6, getattr(socket, "AF_PACKET", 17))


def build(deny, *, no_effect=(), network=False, namespaces=False, future=False):
    """A filter (not loaded): the calls in ``deny`` fail with EPERM, those in
    ``no_effect`` do nothing and report success, internet and packet sockets fail
    (``network``), clone with a CLONE_NEW* flag too and clone3 with ENOSYS so libc
    falls back to clone (``namespaces``), calls past the known ones fail with ENOSYS
    (``future``)."""
    import pyseccomp as sc
    f = sc.SyscallFilter(defaction=sc.ALLOW)
    for names, action in ((deny, sc.ERRNO(errno.EPERM)), (no_effect, sc.ERRNO(0))):
        for name in names:
            try:
                f.add_rule(action, NUMBERS.get(name, name))
            except (RuntimeError, ValueError, OSError):  # not a call on this architecture
                pass
    for number in FUTURE if future else ():
        f.add_rule(sc.ERRNO(errno.ENOSYS), number)
    for family in NET_FAMILIES if network else ():
        f.add_rule(sc.ERRNO(errno.EPERM), "socket", sc.Arg(0, sc.EQ, family))
    if namespaces:
        for flag in CLONE_NEW_FLAGS:
            f.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
        f.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    return f


def load_filter(deny=KERNEL_DENY, *, no_effect=(), network=True, namespaces=True,
                no_new_privs=True):
    """Load, in this process, the filter of ``build`` (``KERNEL_DENY``, sockets,
    namespaces and future calls by default).  ``no_new_privs=False`` (root with
    CAP_SYS_ADMIN only) loads it as a container runtime does."""
    import pyseccomp as sc
    f = build(deny, no_effect=no_effect, network=network, namespaces=namespaces, future=True)
    if not no_new_privs:
        f.set_attr(sc.Attr.CTL_NNP, 0)
    f.load()


def number(name: str) -> int:
    """The number of the system call ``name`` on this machine."""
    import pyseccomp as sc
    return sc.resolve_syscall(sc.system_arch(), name)


def bpf_fd(deny=SHARED_STATE) -> int:
    """An inheritable descriptor holding the BPF program of ``deny``, read from its
    start, for ``bwrap --seccomp FD`` (bwrap reads it to the end and loads it just
    before it runs the command)."""
    fd = os.memfd_create("gg-seccomp")
    with os.fdopen(fd, "wb", closefd=False) as fh:
        build(deny).export_bpf(fh)
    os.lseek(fd, 0, os.SEEK_SET)
    os.set_inheritable(fd, True)
    return fd
