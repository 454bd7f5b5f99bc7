"""TA overrides (regrade requests): a check's points for one student, with a reason.

``overrides.yaml`` (beside the rubric, or ``--overrides FILE``)::

    ada:
      plot: {points: 15, reason: "markers visible in the PDF she submitted"}

It is read and validated like the rubric (one-line errors naming the file), applied
when a result is scored, so it survives every re-run and re-score, and shows in the
feedback page, grades.json and the CSV with its reason.  An override for a check the
rubric does not grade is an error; the students it names are checked against the
batch by ``intake.overrides_for`` (a typo of a batch id is an error with "did you
mean", students of another folder a note).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .. import yamlfile
from ..errors import InputError, not_found
from ..message import Message, say

FILE_NAME = "overrides.yaml"


@dataclass(frozen=True)
class Override:
    points: float
    reason: str


def default_path(rubric) -> Path | None:
    """``overrides.yaml`` beside the rubric file, when there is one."""
    path = Path(rubric.source).parent / FILE_NAME
    return path if path.is_file() else None


def load(path, *, rubric) -> dict:
    """{student id: {check name: Override}} from ``path``, validated against the rubric."""
    path = Path(path)
    try:
        raw = yamlfile.read(path) or {}
    except FileNotFoundError:
        raise InputError(not_found(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read overrides ({type(exc).__name__})") from None
    except yamlfile.Refused as exc:
        raise InputError(f"{path}: cannot read overrides: {exc}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected student ids mapping to checks")
    return {str(sid): _student(path, str(sid), checks, rubric) for sid, checks in raw.items()}


def _student(path, sid, checks, rubric) -> dict:
    if not isinstance(checks, dict) or not checks:
        raise InputError(f"{path}: {sid}: expected check names mapping to points and a reason")
    out = {}
    for name, entry in checks.items():
        where = f"{path}: {sid}.{name}"
        spec = rubric.checks.get(str(name))
        if spec is None or not spec.enabled:
            raise InputError(f"{where}: the rubric grades no check {name!r} (checks: "
                             f"{', '.join(n for n, c in rubric.checks.items() if c.enabled)})")
        if not isinstance(entry, dict) or set(entry) != {"points", "reason"}:
            raise InputError(f"{where}: expected {{points: N, reason: \"...\"}}")
        points, reason = entry["points"], entry["reason"]
        if isinstance(points, bool) or not isinstance(points, (int, float)) or \
                not 0 <= points <= spec.points:
            raise InputError(f"{where}: points must be a number from 0 to {spec.points:g}")
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(f"{where}: give the reason as text")
        out[str(name)] = Override(float(points), reason.strip())
    return out


def apply(checks: list, mine: dict) -> list:
    """The check results with this student's overrides in place (pure)."""
    out = []
    for c in checks:
        o = mine.get(c.name)
        if o is None:
            out.append(c)
            continue
        note = {"points": o.points, "reason": o.reason, "grader_points": c.score}
        said = Message(c.parts) if c.parts and Message(c.parts) == c.message else c.message
        out.append(replace(c, score=o.points, details={**c.details, "override": note}, parts=(),
                           message=say("TA override to {p:g}: {why} (the grader gave {g:g}: "
                                       "{said})", p=o.points, why=o.reason, g=c.score,
                                       said=said)))
    return out


def column(result) -> str:
    """The CSV's words for a result's overrides: 'plot 15 (reason); ...' or ''."""
    return "; ".join(f"{c.name} {c.details['override']['points']:g} "
                     f"({c.details['override']['reason']})"
                     for c in result.checks if "override" in c.details)
