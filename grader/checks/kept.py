"""Values the checks ask for more than once, computed once per process.

``Kept`` holds a value computed from objects a batch never changes (its data sets,
the reference context, a submission's bundle) under those objects' identities.  Each
object is held beside its value, so no id can be reused by another object while the
value is kept; past ``size`` entries the oldest goes.
"""
from __future__ import annotations


class Kept:
    def __init__(self, size: int):
        self._size = size
        self._store: dict = {}

    def get(self, objects: tuple, compute, key=()):
        """The value for ``objects`` (by identity) and the hashable ``key``: kept, or
        ``compute()`` now and kept; ``key`` None: computed, not kept."""
        if key is None:
            return compute()
        name = (key, *map(id, objects))
        hit = self._store.get(name)
        if hit is not None and all(a is b for a, b in zip(hit[0], objects)):
            return hit[1]
        value = compute()
        if len(self._store) >= self._size:
            self._store.pop(next(iter(self._store)))
        self._store[name] = (objects, value)
        return value

    def clear(self) -> None:
        self._store.clear()
