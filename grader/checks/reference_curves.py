"""Test-accuracy curves of the course network trained by the grader (``reference.train``),
for the learning-rate diagnosis: kept in memory and, when the batch has a cache folder,
on disk beside the cached bundles.

A curve depends only on the training data, the rate, the record schedule, the seed and
the hidden width, so it is keyed by the data's digest and those (never by an object's
address, which a later batch can reuse): a re-score, a regrade of a few students or the
next batch on the same course data trains nothing again.  A file that does not read back
as the curve it should be is trained again and replaced.
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import jax
import numpy as np

from reference import train

from .. import __version__
from ..run.artifacts import arrays_digest
from .context import on_device

_MEMORY: dict = {}
_MAX_MEMORY = 48
_TRAINING = {"seconds": 0.0}     # spent training curves in this process


def data_digest(ctx) -> str:
    """The batch data's digest (the data file's, set by prepare_batch); for a context
    built without one, a digest of the training and test arrays, computed once."""
    if not ctx.data_digest:
        p = ctx.probes
        ctx.data_digest = f"arrays-{arrays_digest((p.train_x, p.train_y, p.test_x, p.test_y))}"
    return ctx.data_digest


def _name(digest, lr, every, n, seed, d) -> str:
    what = repr((digest, float(lr), int(every), int(n), int(seed), int(d),
                 __version__, jax.__version__))
    return hashlib.sha256(what.encode()).hexdigest()[:40] + ".npy"


def _read(path: Path, n: int):
    try:
        curve = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    ok = curve.dtype == np.float64 and curve.shape == (n,) and bool(
        np.all((curve >= 0) & (curve <= 1)))
    return curve if ok else None


def _write(folder: Path, name: str, curve) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            np.save(fh, curve, allow_pickle=False)
        os.replace(tmp, folder / name)
    except OSError:
        pass                        # a read-only cache costs time, never a grade


def curve(ctx, lr, every, n, seed) -> np.ndarray:
    """Test accuracy after each of ``n`` records ``every`` steps apart, at rate ``lr``
    from the start drawn with ``seed``, on the batch's own training and test images."""
    p = ctx.probes
    d = int(p.inputs["W1"].shape[0])
    name = _name(data_digest(ctx), lr, every, n, seed, d)
    if name in _MEMORY:
        return _MEMORY[name]
    folder = Path(ctx.curve_dir) if ctx.curve_dir else None
    found = _read(folder / name, n) if folder else None
    if found is None:
        t0 = time.monotonic()
        res = train.train_sgd(*map(on_device, (p.train_x, p.train_y, p.test_x, p.test_y)),
                              seed=seed, lr=lr, n_records=n, record_every=every, d=d)
        found = np.asarray(res.accuracy, dtype=np.float64)
        _TRAINING["seconds"] += time.monotonic() - t0
        if folder:
            _write(folder, name, found)
    if len(_MEMORY) >= _MAX_MEMORY:
        _MEMORY.pop(next(iter(_MEMORY)))
    _MEMORY[name] = found
    return found


def training_seconds() -> float:
    """Seconds this process has spent training curves (cached ones cost nothing)."""
    return round(_TRAINING["seconds"], 3)
