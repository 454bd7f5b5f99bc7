"""A learning rate off by 10x (or of the wrong sign), read from the shape of the
accuracy history.

When the trained accuracy misses the goal (or, for a rate 10x too large, whose
unstable history shows even when the goal is reached), the grader trains the course
network itself (``reference.train``, fixed PRNG seeds) on the kernel's own training
images, with the student's record schedule, at the course learning rate, at 10x less
and 10x more and with the sign flipped, and compares the student's history with those
test-accuracy curves by two features: the mean accuracy (how fast it rises) and the
mean jump between records (how unstable it is).  It names a variant only when the
history is clearly nearer to it than to the course rate's curve.  Curves are kept per
process, so a batch trains each schedule once.
"""
from __future__ import annotations

import time

import numpy as np

from reference import train

MAX_STEPS = 400_000          # longer schedules are not re-trained for a diagnosis
CLEARLY = 0.7                # variant distance / course distance at most this
SEEDS = (0, 1, 2)            # reference runs per rate; their features are averaged
UNSTABLE = 0.05              # mean jump between records below which a passing history is
                             # not compared at all (an honest run is far smoother)
_CURVES: dict = {}
_MAX_CURVES = 24
_TRAINING = {"seconds": 0.0}     # spent training reference curves in this process


def schedule(steps, n_records, default_every) -> tuple[int, int, bool] | None:
    """(steps between records, records after training steps, whether the first
    record is before any step) from the notebook's steps; the course's spacing when
    they are unknown; None when they are not evenly spaced."""
    if steps is None:
        return default_every, n_records, False
    s = np.asarray(steps, dtype=np.float64)
    first_at_zero = bool(s[0] == 0)
    gaps = np.diff(s)
    every = float(gaps[0]) if gaps.size else float(s[0])
    if every < 1 or every != int(every) or not np.all(gaps == every) or \
            s[0] not in (0, every):
        return None
    return int(every), n_records - first_at_zero, first_at_zero


def _curve(ctx, lr, every, n, seed):
    key = (id(ctx.probes.train_x), lr, every, n, seed)
    if key not in _CURVES:
        if len(_CURVES) >= _MAX_CURVES:
            _CURVES.pop(next(iter(_CURVES)))
        p, t0 = ctx.probes, time.monotonic()
        res = train.train_sgd(p.train_x, p.train_y, p.test_x, p.test_y, seed=seed, lr=lr,
                              n_records=n, record_every=every,
                              d=int(p.inputs["W1"].shape[0]))
        _CURVES[key] = np.asarray(res.accuracy, dtype=np.float64)
        _TRAINING["seconds"] += time.monotonic() - t0
    return _CURVES[key]


def training_seconds() -> float:
    """Seconds this process has spent training reference curves (a batch's fixed cost:
    each record schedule is trained once)."""
    return round(_TRAINING["seconds"], 3)


def _jumps(curve) -> float:
    return float(np.abs(np.diff(curve)).mean()) if curve.size > 1 else 0.0


def _features(curve) -> np.ndarray:
    """(mean accuracy, log of the mean jump between records): how fast it rises and
    how unstable it is, on scales where 10x in the rate moves each by about as much."""
    return np.array([curve.mean(), np.log(max(_jumps(curve), 1e-3))])


SMALL, LARGE, SIGN = "learning_rate_small", "learning_rate_large", "update_sign"
VARIANTS = (SMALL, LARGE, SIGN)


def unstable(history) -> bool:
    """Whether a history jumps enough between records to be worth comparing."""
    return _jumps(history.values) >= UNSTABLE


def diagnose(ctx, history, lr, default_every, variants=VARIANTS) -> str:
    """One of ``variants`` (a rate 10x too small or large, or the update's sign
    flipped: SMALL, LARGE, SIGN) or ""."""
    plan = schedule(history.steps, history.values.size, default_every)
    if plan is None or plan[1] < 2 or plan[0] * plan[1] > MAX_STEPS:
        return ""
    every, n, from_zero = plan
    own = _features(history.values[1:] if from_zero else history.values)
    rates = {"": lr, SMALL: lr / 10, LARGE: lr * 10, SIGN: -lr}
    dist = {k: float(np.linalg.norm(own - np.mean(
                [_features(_curve(ctx, rate, every, n, s)) for s in SEEDS], axis=0)))
            for k, rate in rates.items() if k in ("", *variants)}
    best = min(dist, key=dist.get)
    return best if best and dist[best] <= CLEARLY * dist[""] else ""
