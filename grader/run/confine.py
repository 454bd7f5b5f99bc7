"""File-system confinement inside the kernel's own mount namespace (root only).

Run by the launcher after ``unshare -m`` and before it drops to the sandbox
uid.  Standard library only (``ctypes`` for mount(2)), nothing kept running:

- every mount outside /proc, /sys and /dev is made read-only, so the kernel
  can write nowhere but its own sandbox folders (re-bound read-write);
- /tmp is replaced by an empty read-only tmpfs holding only those folders;
- /dev/shm becomes a small private tmpfs (it vanishes with the kernel);
- the paths the grader names (submissions, output folder, cache, rubric,
  data, held-back set) and shared places such as /home, /run and /var/tmp
  are covered: an empty read-only tmpfs over a folder, an empty read-only
  file over a file.

The mounts live in the new namespace only (propagation private): the
grader and the rest of the machine never see them.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
_KEEP = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC}
_SPECIAL = ("/proc", "/sys", "/dev")
_libc = None


class ConfineError(OSError):
    pass


def _mount(source, target, fstype, flags, data=None):
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    enc = lambda s: None if s is None else os.fsencode(s)   # noqa: E731
    if _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        err = ctypes.get_errno()
        raise ConfineError(err, f"mount {target}: {os.strerror(err)}")


def _under(path, top):
    return path == top or path.startswith(top.rstrip("/") + "/")


def _mounts():
    """(mount point, flags to keep) for every mount, parents first."""
    out = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            parts = line.split()
            point = parts[4].encode().decode("unicode_escape")
            opts = parts[5].split(",")
            keep = sum(v for k, v in _KEEP.items() if k in opts)
            out.append((point, keep, "ro" in opts))
    return out


def _skeleton(top, path):
    """Create path's folders under the fresh tmpfs at top, traversable by anyone."""
    for part in os.path.relpath(path, top).split(os.sep):
        top = os.path.join(top, part)
        if not os.path.isdir(top):
            os.mkdir(top)
            os.chmod(top, 0o711)


def lock_down(writable, hide=(), shm_mb=64, scratch=("/tmp",), keep=()):
    """Make this mount namespace read-only except ``writable``; cover ``hide``.

    Each ``scratch`` folder (shared /tmp) is replaced by an empty read-only
    tmpfs holding only the ``writable`` folders that lived in it, at their
    old paths, and, read-only, the ``keep`` folders the kernel needs (a
    Python installation under /tmp): other kernels' folders, other users'
    files and sockets there vanish from view.
    """
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    before = _mounts()
    writable = [os.path.realpath(w) for w in writable]
    keep = [k for k in {os.path.realpath(k) for k in keep} if os.path.isdir(k)]
    fds = {w: os.open(w, os.O_PATH | os.O_DIRECTORY) for w in keep + writable}
    try:
        placed = set()
        for top in scratch:
            if not os.path.isdir(top) or top in writable:
                continue
            _mount("gg-scratch", top, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
            for w in sorted(keep) + writable:      # kept (read-only) first: writable may nest
                if not _under(w, top) or w == top or w in placed:
                    continue
                _skeleton(top, w)
                _mount(f"/proc/self/fd/{fds[w]}", w, None, MS_BIND | MS_REC)
                if w not in writable:
                    _mount(None, w, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
                placed.add(w)
            _mount(None, top, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        for w in writable:
            if w not in placed:
                _mount(f"/proc/self/fd/{fds[w]}", w, None, MS_BIND | MS_REC)
    finally:
        for fd in fds.values():
            os.close(fd)
    for point, keep, ro in before:
        if ro or point in writable or any(_under(point, s) for s in _SPECIAL):
            continue
        try:
            _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | keep)
        except ConfineError:
            if point == "/":
                raise
    empty = "/dev/null"
    if os.path.isdir("/dev/shm"):
        _mount("gg-shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={int(shm_mb)}m,mode=1777")
        empty = "/dev/shm/.gg-hidden"      # an empty root-owned file, read-only below
        os.close(os.open(empty, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444))
    for path in hide:
        path = os.path.realpath(path)
        if not os.path.exists(path) or any(_under(w, path) for w in writable):
            continue
        if os.path.isdir(path):
            _mount("gg-hidden", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                   "size=4k,mode=0555")
        else:
            _mount(empty, path, None, MS_BIND)
            _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC)


def selftest(folder) -> bool:
    """Whether lock_down works here (run inside a throw-away ``unshare -m``)."""
    j = lambda *parts: os.path.join(folder, *parts)   # noqa: E731
    for d in ("rw", "hidden", "scratch/rw", "scratch/other", "scratch/python/bin"):
        os.makedirs(j(d), exist_ok=True)
    for f in ("hidden/x", "secret.txt", "scratch/python/bin/python"):
        with open(j(f), "w") as fh:
            fh.write("x")
    lock_down([j("rw"), j("scratch", "rw")], [j("hidden"), j("secret.txt")],
              scratch=(j("scratch"),), keep=[j("scratch", "python")])
    for f in ("rw/ok", "scratch/rw/ok"):
        open(j(f), "w").close()
    with open(j("scratch/python/bin/python")) as fh:     # kept: visible, read-only
        if fh.read() != "x":
            return False
    for f in ("not-ok", "secret.txt", "scratch/python/bin/python"):
        try:
            open(j(f), "a").close()
            return False
        except OSError:
            pass
    with open(j("secret.txt")) as fh:
        hidden_file = fh.read() == ""
    return hidden_file and not os.path.exists(j("hidden", "x")) and \
        not os.path.exists(j("scratch", "other"))
