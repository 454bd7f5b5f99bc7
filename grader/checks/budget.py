"""A time budget for scoring one notebook, so one notebook cannot hold up a class.

Scoring is the grader's own work on what a kernel returned, linear in it and
capped; the budget is the backstop for what a cap missed.  It interrupts the
grader's main thread with SIGALRM (elsewhere, e.g. in a worker thread, checks
run without it) and raises ``OutOfTime``, a BaseException, so no check's own
``except Exception`` can swallow it.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

SCORING_SECONDS = 120.0         # per notebook; honest ones take well under a second


class OutOfTime(BaseException):
    """Scoring one notebook took longer than its budget."""


@contextmanager
def limit(seconds: float | None):
    """Raise OutOfTime in this block after ``seconds`` (None: no limit)."""
    usable = seconds is not None and hasattr(signal, "setitimer") and \
        threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def ring(signum, frame):
        raise OutOfTime()
    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
