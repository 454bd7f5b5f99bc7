"""Grading checks: each a pure function ``(bundle, ctx, settings, names) -> CheckResult``
with a frozen settings dataclass beside it (``Settings`` or a child of it).  The
pipeline (grader/pipeline.py) registers each function with its settings class; the
rubric validates a check's keys and types against that class."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """What every check takes from the rubric; a check with more subclasses this."""
    points: float
    enabled: bool = True
