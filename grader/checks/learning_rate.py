"""A learning rate off by 10x (or of the wrong sign), read from the shape of the
accuracy history.

When the trained accuracy misses the goal (or, for a rate 10x too large, whose
unstable history shows even when the goal is reached), the grader trains the course
network itself (``reference.train``, fixed PRNG seeds) on the kernel's own training
images, with the student's record schedule, at the course learning rate, at 10x less
and 10x more and with the sign flipped, and compares the student's history with those
test-accuracy curves by two features: the mean accuracy (how fast it rises) and the
mean jump between records (how unstable it is).  It names a variant only when the
history is clearly nearer to it than to the course rate's curve.  Curves are kept by
data digest and schedule, in memory and in the batch's cache folder
(``reference_curves.py``): each is trained once per course data set.
"""
from __future__ import annotations

import numpy as np

from .reference_curves import curve

MAX_STEPS = 400_000          # longer schedules are not re-trained for a diagnosis
CLEARLY = 0.7                # variant distance / course distance at most this
SEEDS = (0, 1, 2)            # reference runs per rate; their features are averaged
UNSTABLE = 0.05              # mean jump between records below which a passing history is
                             # not compared at all (an honest run is far smoother)


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
                [_features(curve(ctx, rate, every, n, s)) for s in SEEDS], axis=0)))
            for k, rate in rates.items() if k in ("", *variants)}
    best = min(dist, key=dist.get)
    return best if best and dist[best] <= CLEARLY * dist[""] else ""
