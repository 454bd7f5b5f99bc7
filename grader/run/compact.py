"""Bundles that scale: keep what the checks read of the large arrays, not the arrays.

A student's gradient of W1 (100 x 4761) is 3.8 MB in float64, and a bundle held
seven of them.  The checks ask two things of a gradient: is it the reference (or a
known wrong) gradient within the rubric's tolerance, and what is its inner product
with the probe's finite-difference directions.  So a large gradient is kept as a
``Sketch``:

* ``sample``: its values at ``SAMPLE`` flat positions drawn from the batch's
  private seed (the kernel never learns which), compared entry by entry with the
  rubric's tolerance;
* ``dots``: its inner products with each probe direction's matching part, exact,
  for the self-consistency check and compared with a bound that every array
  passing the entry-wise test also passes (so an honest gradient never fails on
  the sketch where it would pass in full).

Other large float64 arrays (the trained W1) are kept in float32, which is what
the grader's JAX computes in anyway; the bundle's arrays are written compressed.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .protocol import GRADIENTS

LARGE = 20_000          # elements: above this an array is sketched (gradients) or float32
SAMPLE = 2048           # sampled entries per sketch


@dataclass(frozen=True)
class Sketch:
    """What the checks keep of one large gradient array (see the module's docstring)."""
    shape: tuple
    seed: int
    part: int               # which parameter (0..3) in the student's structure
    sample: np.ndarray
    dots: np.ndarray        # one per probe direction, NaN where the shapes differ
    finite: bool

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def matches(self, ref, *, rtol: float, atol: float, scale: float, directions) -> bool:
        """True when the full ``ref`` would pass ``np.allclose(self, ref, rtol,
        atol + rtol * 0.01 * scale)`` on the sampled entries, and the inner products
        with the directions agree within the bound that tolerance implies."""
        ref = np.asarray(ref, np.float64)
        if tuple(ref.shape) != self.shape or not self.finite:
            return False
        tol = atol + rtol * 0.01 * scale
        flat = ref.reshape(-1)
        if not np.allclose(self.sample, flat[sample_positions(self.seed, flat.size)],
                           rtol=rtol, atol=tol):
            return False
        for got, d in zip(self.dots, part_directions(directions, self.part)):
            d = np.asarray(d, np.float64).reshape(-1)
            bound = float(np.sum(np.abs(d) * (tol + rtol * np.abs(flat))))
            if d.size != flat.size or not abs(got - float(d @ flat)) <= bound:
                return False
        return True


@lru_cache(maxsize=16)
def sample_positions(seed: int, size: int) -> np.ndarray:
    """The flat positions a sketch keeps, for a batch seed and an array size (drawn
    once per process: every comparison of a batch's sketches uses the same)."""
    rng = np.random.default_rng([seed, size])
    positions = np.sort(rng.choice(size, size=min(SAMPLE, size), replace=False))
    positions.flags.writeable = False
    return positions


def part_directions(directions, part: int) -> list:
    """Each probe direction's block for parameter ``part`` (directions come in fours)."""
    return list(directions[part::4])


def sketch(arr: np.ndarray, *, seed: int, part: int, directions) -> Sketch:
    a = np.asarray(arr, np.float64)
    flat = a.reshape(-1)
    dots = [float(np.asarray(d, np.float64).reshape(-1) @ flat)
            if np.size(d) == flat.size else float("nan")
            for d in part_directions(directions, part)]
    return Sketch(shape=tuple(a.shape), seed=seed, part=part,
                  sample=flat[sample_positions(seed, flat.size)].copy(),
                  dots=np.asarray(dots), finite=bool(np.all(np.isfinite(flat))))


def directional(g, d, j: int) -> float:
    """<g, d> for a full array, or a sketch's stored product with direction ``j``."""
    if isinstance(g, Sketch):
        return float(g.dots[j]) if j < len(g.dots) else float("nan")
    return float(np.vdot(g, d))


def _gradient_part(key: str):
    """The parameter index of a gradient result key (``loss_grad/2/0``, ``batch_grad/0``)."""
    role, _, rest = key.partition("/")
    last = rest.rpartition("/")[2]
    return int(last) if role in GRADIENTS and last.isdigit() else None


def compact(arrays: dict, *, seed: int, directions) -> dict:
    """The arrays a bundle keeps: large gradients sketched, other large float64 arrays
    in float32, everything else unchanged."""
    out = {}
    for key, arr in arrays.items():
        part = _gradient_part(key)
        if isinstance(arr, np.ndarray) and arr.size > LARGE and part is not None:
            out[key] = sketch(arr, seed=seed, part=part, directions=directions)
        elif isinstance(arr, np.ndarray) and arr.size > LARGE and arr.dtype == np.float64:
            out[key] = arr.astype(np.float32)
        else:
            out[key] = arr
    return out


def probe_directions(probe_inputs: str) -> list:
    """The finite-difference directions in a probe-inputs file (``dir0``, ``dir1``, ...)."""
    with np.load(probe_inputs, allow_pickle=False) as npz:
        n = sum(1 for k in npz.files if k.startswith("dir") and k[3:].isdigit())
        return [npz[f"dir{i}"] for i in range(n)]


def sketch_seed(batch_seed: int) -> int:
    """The sketches' seed, derived from the batch's private seed."""
    return int.from_bytes(hashlib.sha256(f"sketch:{batch_seed}".encode()).digest()[:4], "big")
