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

import io
import time

import jax
import numpy as np

from reference import fast_sgd, train

from .. import __version__
from ..remembered import code_digest, remembered
from ..run.artifacts import arrays_digest
from .context import on_device

_MEMORY: dict = {}
_MAX_MEMORY = 48
_TRAINING = {"seconds": 0.0}     # spent training curves in this process
# what a kept curve also depends on: the training code, the grader's and JAX's versions
_TRAINED_BY = (code_digest(train.__file__), code_digest(fast_sgd.__file__), __version__,
               jax.__version__)


def data_digest(ctx) -> str:
    """The batch data's digest (the data file's, set by prepare_batch); for a context
    built without one, a digest of the training and test arrays, computed once."""
    if not ctx.data_digest:
        p = ctx.probes
        ctx.data_digest = f"arrays-{arrays_digest((p.train_x, p.train_y, p.test_x, p.test_y))}"
    return ctx.data_digest


def _loaded(n: int):
    def load(data: bytes):
        curve = np.load(io.BytesIO(data), allow_pickle=False)
        if not (curve.dtype == np.float64 and curve.shape == (n,) and
                bool(np.all((curve >= 0) & (curve <= 1)))):
            raise ValueError("not a test-accuracy curve")
        return curve
    return load


def _dumped(curve) -> bytes:
    buf = io.BytesIO()
    np.save(buf, curve, allow_pickle=False)
    return buf.getvalue()


def curve(ctx, lr, every, n, seed) -> np.ndarray:
    """Test accuracy after each of ``n`` records ``every`` steps apart, at rate ``lr``
    from the start drawn with ``seed``, on the batch's own training and test images."""
    p = ctx.probes
    d = int(p.inputs["W1"].shape[0])
    what = (data_digest(ctx), float(lr), int(every), int(n), int(seed), d, _TRAINED_BY)
    if what in _MEMORY:
        return _MEMORY[what]

    def train_now():
        t0 = time.monotonic()
        res = train.train_sgd(*map(on_device, (p.train_x, p.train_y, p.test_x, p.test_y)),
                              seed=seed, lr=lr, n_records=n, record_every=every, d=d)
        _TRAINING["seconds"] += time.monotonic() - t0
        return np.asarray(res.accuracy, dtype=np.float64)
    found = remembered(ctx.curve_dir, what, train_now, suffix=".npy", dump=_dumped,
                       load=_loaded(n))
    if len(_MEMORY) >= _MAX_MEMORY:
        _MEMORY.pop(next(iter(_MEMORY)))
    _MEMORY[what] = found
    return found


def training_seconds() -> float:
    """Seconds this process has spent training curves (cached ones cost nothing)."""
    return round(_TRAINING["seconds"], 3)
