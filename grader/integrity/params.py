"""Students whose trained parameters are the same (``grader/integrity/__init__.py``).

A cached bundle holds the four arrays a notebook trained (W1, b1, W2, b2).  Two students
have the same parameters when every array has the same shape and every value agrees
within ``PARAM_RTOL`` of the larger array's scale (float32 and float64 copies of one
result agree); a group is *exactly* equal when every value is equal as a float64,
bit for bit.  The report names every group (``SameParams``); which of them flag a pair
is decided in ``grader/integrity/__init__.py``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PARAM_RTOL = 1e-6
NAMES = "W1, b1, W2, b2"


@dataclass
class SameParams:
    """One group of students with the same trained parameters."""
    students: list         # sorted ids, two or more
    exact: bool            # every value equal (else equal within PARAM_RTOL)
    trained: list          # those of them that recorded training (a history)
    counted: bool = True   # flags its pairs; False: shared by much of the class
    among: int = 0         # students whose parameters were read

    def words(self) -> str:
        """How equal, in words: the behaviour evidence of each pair of the group."""
        return (f"identical trained parameters ({NAMES} exactly equal)" if self.exact else
                f"identical trained parameters ({NAMES} agree within {PARAM_RTOL:g})")


def read(bundle):
    """The four trained parameter arrays, or None."""
    arrays = getattr(bundle, "arrays", None) or {}
    ps = [arrays.get(f"params/{i}") for i in range(4)]
    ok = all(isinstance(p, np.ndarray) and p.dtype.kind in "biuf" and p.size for p in ps)
    return ps if ok else None


def same(xs, ys, rtol=PARAM_RTOL) -> bool:
    """Equal shapes and every value within rtol of the larger array's scale."""
    for x, y in zip(xs, ys):
        x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
        if x.shape != y.shape or not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            return False
        scale = max(float(np.max(np.abs(x))), float(np.max(np.abs(y))), 1e-30)
        if float(np.max(np.abs(x - y))) > rtol * scale:
            return False
    return len(xs) == len(ys)


def exactly(xs, ys) -> bool:
    """Every value equal as a float64 (float32 and float64 copies of one value are)."""
    return len(xs) == len(ys) and all(
        np.array_equal(np.asarray(x, np.float64), np.asarray(y, np.float64))
        for x, y in zip(xs, ys))


def groups(values: dict) -> list:
    """Students whose values are the same (``same``), in groups of two or more.  Each
    is compared in full only with groups whose sums could agree (|sum x - sum y| is at
    most size * PARAM_RTOL * scale when every value agrees)."""
    def signature(v):
        return [(x.shape, float(np.sum(x, dtype=np.float64)), float(np.max(np.abs(x))))
                for x in v]

    def near(s, r):
        return all(a[0] == b[0] and abs(a[1] - b[1]) <= 2 * PARAM_RTOL * max(a[2], b[2]) *
                   max(int(np.prod(a[0])), 1) + 1e-9 for a, b in zip(s, r))
    clusters = []                            # [(representative, signature, [students])]
    for sid, v in values.items():
        sig = signature(v)
        for rep, rsig, members in clusters:
            if len(sig) == len(rsig) and near(sig, rsig) and same(v, rep):
                members.append(sid)
                break
        else:
            clusters.append((v, sig, [sid]))
    return [members for _, _, members in clusters if len(members) > 1]


def identical(values: dict, results: dict, is_common) -> list:
    """[SameParams] for ``values`` ({student: read(bundle)}); ``is_common(group, among)``
    says which groups are shared by too many to count (the lecture's fixed seeds)."""
    found = []
    for group in groups(values):
        first = values[group[0]]
        found.append(SameParams(
            sorted(group), all(exactly(first, values[s]) for s in group[1:]),
            sorted(s for s in group if getattr(results.get(s), "history", None)),
            not is_common(group, len(values)), len(values)))
    return found
