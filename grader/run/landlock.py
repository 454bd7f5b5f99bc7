"""Landlock, the kernel's unprivileged access control, through its three system calls.

A process restricts itself (and everything it starts) to an allowlist of folders
and files with the rights given for each; what the ruleset "handles" and no rule
allows is denied.  No namespace, capability or mount is needed, so it works as root
inside a default Docker container (whose seccomp profile allows these calls since
Docker 20.10.18) and as a user who may not create namespaces.  What each ABI adds:
1 files; 2 REFER (links and renames across folders); 3 TRUNCATE; 4 TCP bind and
connect; 5 device ioctls; 6 scopes (abstract unix sockets, signals to processes
outside the domain).  Standard library only: the kernel launcher uses it.
"""
from __future__ import annotations

import ctypes
import os
import struct

SYS_CREATE, SYS_ADD_RULE, SYS_RESTRICT = 444, 445, 446     # same on x86_64 and aarch64
CREATE_VERSION = 1
RULE_PATH_BENEATH, RULE_NET_PORT = 1, 2

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK = 1 << 8, 1 << 9, 1 << 10, 1 << 11
MAKE_SYM, REFER, TRUNCATE, IOCTL_DEV = 1 << 12, 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX, SCOPE_SIGNAL = 1 << 0, 1 << 1

# the file-system rights each ABI handles
_FS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1,
       5: (1 << 16) - 1}
READ = READ_FILE | READ_DIR
RUN = READ | EXECUTE
WRITE = (WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SOCK | MAKE_FIFO
         | MAKE_SYM | REFER | TRUNCATE)
FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV   # rights a file rule may carry

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class LandlockError(OSError):
    pass


def abi() -> int:
    """The Landlock ABI this kernel offers (0: none, or disabled, or denied by seccomp)."""
    v = _libc.syscall(SYS_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_VERSION))
    return int(v) if v > 0 else 0


def handled_fs(version: int) -> int:
    return _FS.get(min(version, 5), 0)


def _check(ret, what):
    if ret < 0:
        err = ctypes.get_errno()
        raise LandlockError(err, f"landlock {what}: {os.strerror(err)}")
    return ret


def restrict(rules, *, version: int | None = None, deny_tcp=True, scoped=True) -> int:
    """Restrict this process to ``rules`` ([(path, rights)], missing paths skipped);
    TCP bind/connect denied from ABI 4, abstract unix sockets and signals scoped to the
    domain from ABI 6.  Returns the ABI used; raises LandlockError if it cannot."""
    version = abi() if version is None else version
    if version < 1:
        raise LandlockError(0, "landlock is not available")
    fs = handled_fs(version)
    net = NET_BIND_TCP | NET_CONNECT_TCP if deny_tcp and version >= 4 else 0
    scope = SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL if scoped and version >= 6 else 0
    attr = struct.pack("=QQQ", fs, net, scope)
    size = 8 if version < 4 else 16 if version < 6 else 24
    buf = ctypes.create_string_buffer(attr[:size], size)
    fd = _check(_libc.syscall(SYS_CREATE, buf, ctypes.c_size_t(size), ctypes.c_uint32(0)),
                "create_ruleset")
    try:
        for path, rights in rules:
            _add(fd, path, rights & fs)
        _check(_libc.prctl(38, 1, 0, 0, 0), "no_new_privs")        # PR_SET_NO_NEW_PRIVS
        _check(_libc.syscall(SYS_RESTRICT, ctypes.c_int(fd), ctypes.c_uint32(0)), "restrict_self")
    finally:
        os.close(fd)
    return version


def _add(ruleset, path, rights):
    try:
        pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return                                  # nothing there: nothing to allow
    try:
        if not os.path.isdir(path):
            rights &= FILE_ONLY
        if not rights:
            return
        attr = ctypes.create_string_buffer(struct.pack("=Qi", rights, pfd), 12)
        _check(_libc.syscall(SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH),
                             attr, ctypes.c_uint32(0)), f"add_rule {path}")
    finally:
        os.close(pfd)
