"""Which students a TA should look at first, and why (the class report's first table).

Pure: reads results (and the integrity report's flagged pairs) and words the reasons;
nothing is recomputed and no file is read.  A student is listed when they are below the
pass mark, were not graded (not run, unreadable, a check that crashed), have no known
submission time, are in a pair the integrity check flagged, or had a TA override.

Results that were not graded are *counted apart*: their final grade (0, or an
incomplete total) stays out of the class mean, the histogram and every check's pass
rate (``counted`` and ``checked`` are the one place that rule lives).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from . import lateness
from .text import clip, num

PASS_FRACTION = 0.6          # the pass mark's default share of the points possible (the
                             # rubric's report.pass_percent sets it: ``pass_fraction``)


@dataclass(frozen=True)
class Flagged:
    """One pair the integrity check flagged: the two ids, why in words, its anchor."""
    a: str
    b: str
    why: str
    link: str = "integrity.html"


def counted(result) -> bool:
    """In the class mean, the histogram and the pass rates: the notebook was graded."""
    return result.status == "graded"


def checked(result, check) -> bool:
    """The check really ran on this notebook (not a notebook that was not run, not a
    check that crashed on it): only those count in a check's pass rate."""
    return result.status != "not graded" and "traceback" not in check.details


def failed_checks(result) -> list:
    """Names of the regular checks that ran and did not pass (extra credit left out: not
    earning it is no failure)."""
    return [c.name for c in result.checks
            if checked(result, c) and not c.extra_credit and not c.passed]


def pass_fraction(rubric=None) -> float:
    """The share of the points possible a final grade must reach: the rubric's
    ``report.pass_percent``, else PASS_FRACTION."""
    report = getattr(rubric, "report", None)
    return report.pass_percent / 100 if report is not None else PASS_FRACTION


def pass_mark(result, fraction=PASS_FRACTION) -> float:
    return fraction * result.possible


def below_pass(result, fraction=PASS_FRACTION) -> bool:
    final = result.final
    return counted(result) and isinstance(final, (int, float)) and math.isfinite(final) \
        and final < pass_mark(result, fraction)


def _not_graded(result) -> str:
    if result.status == "check error":
        broken = [c.name for c in result.checks if "traceback" in c.details]
        return (f"check error: the grader failed on {', '.join(broken) or 'a check'} "
                f"(a grader bug; the total is incomplete)")
    why = next((n for n in result.notes if str(n).startswith("not run:")), "")
    return f"not graded ({clip(why, 300)})" if why else f"not graded ({clip(result.status, 100)})"


def _overrides(result) -> list:
    out = []
    for c in result.checks:
        o = c.details.get("override")
        if isinstance(o, dict):
            out.append(f"TA override: {c.name} {num(o.get('points'))} of {num(c.possible)} "
                       f"(the grader gave {num(o.get('grader_points'))}): "
                       f"{clip(o.get('reason', ''), 300)}")
    return out


MAX_PAIRS_NAMED = 3          # a student in more flagged pairs gets one summary line


def _flags(sid, flagged) -> list:
    """The integrity reasons for one student: a line per flagged pair, or, when a whole
    class shares one piece of work, one line naming the closest few and linking to the
    integrity report's index of pairs."""
    mine = [(p.b if sid == p.a else p.a, p) for p in flagged if sid in (p.a, p.b)]
    if len(mine) <= MAX_PAIRS_NAMED:
        return [(f"flagged by the integrity check with {clip(other, 200)}: {p.why}", p.link)
                for other, p in mine]
    named = "; ".join(f"{clip(other, 200)} ({p.why})" for other, p in mine[:MAX_PAIRS_NAMED])
    return [(f"flagged by the integrity check in {len(mine)} pairs: {named}; and "
             f"{len(mine) - MAX_PAIRS_NAMED} more (the integrity report's index lists them)",
             "integrity.html")]


def reasons(result, flagged=(), fraction=PASS_FRACTION) -> list:
    """[(reason in words, link or "")] for one student, most pressing first."""
    out = []
    if not counted(result):
        out.append((_not_graded(result), ""))
    if below_pass(result, fraction):
        out.append((f"below the pass mark: final {num(result.final)}, pass mark "
                    f"{num(pass_mark(result, fraction))} ({num(100 * fraction)} % of "
                    f"{num(result.possible)})", ""))
    if lateness.time_unknown(result):
        out.append(("submission time unknown: no late penalty applied", ""))
    out += _flags(result.student_id, flagged)
    out += [(text, "") for text in _overrides(result)]
    return out


def rows(results, flagged=(), stems=None, fraction=PASS_FRACTION) -> list:
    """The needs-attention table: one row per student with at least one reason."""
    out = []
    for r in results:
        why = reasons(r, flagged, fraction)
        if why:
            stem = (stems or {}).get(r.student_id)
            out.append({"student_id": r.student_id,
                        "link": f"feedback/{stem}.html" if stem else "",
                        "reasons": [{"text": t, "link": link} for t, link in why]})
    return out


def flagged_pairs(data) -> list:
    """[Flagged] from integrity.json's mapping (``report.integrity.integrity_json``);
    the link is the pair's section on integrity.html (its ``section``; for a file
    without it, its rank among the pairs shown in detail there)."""
    out, rank = [], 0
    pairs = data.get("pairs") if isinstance(data, dict) else None
    for p in pairs if isinstance(pairs, list) else []:
        if not isinstance(p, dict):
            continue
        if p.get("flagged") or p.get("behaviour"):
            rank += 1
        if not p.get("flagged"):
            continue
        sim = p.get("similarity")
        why = [f"code similarity {num(100 * sim)} %"] if isinstance(sim, (int, float)) else []
        why += ["behaviour evidence"] if p.get("behaviour_flags") else []
        section = p.get("section")
        anchor = section if isinstance(section, str) and section.startswith("pair-") \
            else f"pair-{rank}"
        out.append(Flagged(str(p.get("a")), str(p.get("b")), ", ".join(why) or "flagged",
                           f"integrity.html#{anchor}"))
    return out
