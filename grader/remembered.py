"""Derived files a re-score would otherwise make again, kept in the batch's cache.

``remembered(folder, inputs, make, ...)`` is ``make()``, kept in ``folder`` under a
digest of ``inputs`` (everything the value depends on, the code that makes it
included: callers add a digest of their own module).  A kept file that does not load
is made again and replaced; a cache that cannot be written costs time, never a result.
Only the grader writes here: the batch's cache is never reachable from a kernel.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from reference.atomic import atomic_write


def code_digest(module_file) -> str:
    """A module's source, digested (a kept value's key names the code that made it)."""
    return hashlib.sha256(Path(module_file).read_bytes()).hexdigest()


def remembered(folder, inputs, make, *, suffix: str, dump, load):
    """``make()`` kept in ``folder`` (None: made every time); ``dump(value) -> bytes``
    and ``load(bytes) -> value`` (raising on anything it should not be)."""
    if folder is None:
        return make()
    path = Path(folder) / (hashlib.sha256(repr(inputs).encode()).hexdigest()[:40] + suffix)
    try:
        return load(path.read_bytes())
    except Exception:           # unreadable, damaged or not what it should be: made anew
        pass
    value = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda fh: fh.write(dump(value)))
    except OSError:
        pass
    return value
