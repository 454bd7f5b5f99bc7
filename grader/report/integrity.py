"""The integrity report: ``integrity.html`` and ``integrity.json`` (pairs that look copied).

The figures come from ``grader.integrity`` (pure); this module only shapes them for
``templates/integrity.html.j2`` (autoescaped: every piece of a student's code is text,
never markup) and for JSON, and writes both atomically.  It reads the results and
never changes them: the report is evidence for a person, not a grade.

The page opens with an index of the pairs shown in detail (flagged first, with their
figures), each linking to its section (``#pair-N``, also each pair's ``section`` in JSON),
then names every group of students whose trained parameters are identical (exactly, or
within ``integrity.params.PARAM_RTOL``), counted or not.  Its stylesheet sets no width:
the two code panes share the window and wrap long lines, so it fits 1280 px.
"""
from __future__ import annotations

import itertools
import json
from pathlib import Path

from .. import integrity
from ..rubric import Integrity
from . import atomic, render
from .text import clip, num

MAX_PAIRS_WITH_CODE = 50        # pairs shown side by side (at most integrity.LOCATED)
MAX_SHOWN_CODE = 40_000         # characters of each notebook's code on the page


def _pct(value) -> str:
    return f"{num(100 * value)} %"


def _lines(text: str, spans) -> list:
    """[[first line, last line]] (1-based) of each matched span."""
    return [[text.count("\n", 0, s) + 1, text.count("\n", 0, max(e - 1, s)) + 1]
            for s, e in spans]


def _reasons(pair, threshold) -> list:
    why = []
    if pair.similarity >= threshold and pair.matched >= integrity.MIN_MATCHED:
        why.append(f"code similarity {_pct(pair.similarity)} is at least the threshold "
                   f"{_pct(threshold)}")
    if pair.strong:
        why.append("behaviour evidence (below)")
    return why


def segments(text: str, spans, context: int = 6) -> list:
    """[(text, kind)]: kind "match" for matched spans, "code" around them, "gap" for an
    unmatched stretch cut to ``context`` lines beside the matches (all code, no match)."""
    out, at = [], 0
    for start, end in sorted(spans):
        start, end = max(start, at), min(end, len(text))
        if start < end:
            out += _unmatched(text[at:start], context, head=bool(out)) + [
                (text[start:end], "match")]
            at = end
    return out + _unmatched(text[at:], context, tail=False) if out else [(text, "code")]


def _unmatched(chunk: str, context: int, head=True, tail=True) -> list:
    """Lines after the previous match (head) and before the next one (tail)."""
    lines = chunk.split("\n")        # the first and last are the matches' own lines
    keep_head, keep_tail = context + 1 if head else 0, context + 1 if tail else 0
    if len(lines) <= keep_head + keep_tail + 1:
        return [(chunk, "code")] if chunk else []
    cut = len(lines) - keep_head - keep_tail - (not tail and lines[-1] == "")
    return ([("\n".join(lines[:keep_head]) + "\n", "code")] if keep_head else []) + \
        [(f"... {cut} lines ...", "gap")] + \
        ([("\n" + "\n".join(lines[-keep_tail:]), "code")] if keep_tail else [])


def _side(code: dict, sid, spans) -> dict:
    text = code.get(sid, "")
    cut = text[:MAX_SHOWN_CODE]
    shown = segments(cut, [(s, min(e, len(cut))) for s, e in spans if s < len(cut)])
    if len(text) > len(cut):
        shown.append((f"\n... {len(text) - len(cut)} more characters not shown", "gap"))
    return {"student": sid, "segments": shown}


def _pair_view(rank, pair, findings, with_code) -> dict:
    view = {"rank": rank, "anchor": f"pair-{rank}", "a": pair.a, "b": pair.b,
            "flagged": pair.flagged,
            "similarity": _pct(pair.similarity), "share_a": _pct(pair.shares[0]),
            "share_b": _pct(pair.shares[1]), "matched": pair.matched,
            "reasons": _reasons(pair, findings.threshold), "evidence": list(pair.evidence),
            "sides": None}
    if with_code and pair.slices is not None:
        view["sides"] = [_side(findings.code, pair.a, pair.slices[0]),
                         _side(findings.code, pair.b, pair.slices[1])]
    return view


def _same_view(group, anchors: dict) -> dict:
    """One group of students with the same trained parameters, for the page."""
    return {"students": group.students, "exact": group.exact, "counted": group.counted,
            "among": group.among, "untrained": not group.trained,
            "links": [(anchors[k], f"{k[0]} and {k[1]}") for k in
                      itertools.combinations(group.students, 2) if k in anchors]}


def _same_json(group) -> dict:
    return {"students": group.students, "exactly_equal": group.exact,
            "flags_pairs": group.counted, "recorded_training": group.trained}


def _detailed(findings) -> list:
    """The pairs with a section of their own (flagged, or with behaviour evidence)."""
    return [p for p in findings.pairs if p.flagged or p.evidence]


def integrity_html(findings, failure: str = "") -> str:
    """The page; ``findings`` is None when the analysis failed (``failure`` says why)."""
    if findings is None:
        return render.html("integrity.html.j2", failure=clip(failure), findings=None,
                           detector=integrity.DETECTOR, pairs=[], others=[], skipped=[],
                           common=[], students=0, same=[], params_read=0)
    detailed = _detailed(findings)
    others = [p for p in findings.pairs if not (p.flagged or p.evidence)]
    pairs = [_pair_view(i, p, findings, i <= MAX_PAIRS_WITH_CODE)
             for i, p in enumerate(detailed, 1)]
    anchors = {(v["a"], v["b"]): v["anchor"] for v in pairs}
    return render.html(
        "integrity.html.j2", failure="", findings=findings, detector=findings.detector,
        threshold=_pct(findings.threshold), students=len(findings.code),
        flagged=sum(p.flagged for p in findings.pairs),
        baseline={k: _pct(v) for k, v in findings.baseline.items()},
        pairs=pairs, same=[_same_view(g, anchors) for g in findings.same_params],
        params_read=findings.params_read,
        others=[_pair_view(i, p, findings, False) for i, p in enumerate(others, len(detailed) + 1)],
        # the page's one list of notebooks not compared whole; integrity.json has two
        skipped=[clip(s, 400) for s in findings.skipped + findings.partial],
        common=[clip(c, 400) for c in findings.common])


def integrity_json(findings, failure: str = "") -> dict:
    """The machine-readable report (fractions, not percentages)."""
    base = {"note": "evidence for a person to read, not a verdict; no grade was changed",
            "detector": integrity.DETECTOR}
    if findings is None:
        return {**base, "error": failure}
    sections = {(p.a, p.b): f"pair-{rank}" for rank, p in enumerate(_detailed(findings), 1)}
    return {**base, "code_threshold": findings.threshold, "min_matched": integrity.MIN_MATCHED,
            "students_compared": len(findings.code), "pairs_compared": findings.compared,
            "similarity_baseline": findings.baseline, "skipped": findings.skipped,
            "compared_in_part": findings.partial,
            "not_counted": findings.common,
            "flagged": sum(p.flagged for p in findings.pairs),
            "trained_parameters_read": findings.params_read,
            "identical_trained_parameters": [_same_json(g) for g in findings.same_params],
            "pairs": [{"a": p.a, "b": p.b, "flagged": p.flagged,
                       "section": sections.get((p.a, p.b)),
                       "similarity": round(p.similarity, 4),
                       "share": {"a": round(p.shares[0], 4), "b": round(p.shares[1], 4)},
                       "matched_characters": p.matched, "behaviour": list(p.evidence),
                       "behaviour_flags": p.strong,
                       "matched_lines": None if p.slices is None else {
                           "a": _lines(findings.code.get(p.a, ""), p.slices[0]),
                           "b": _lines(findings.code.get(p.b, ""), p.slices[1])}}
                      for p in findings.pairs]}


def write(submissions, results, bundles, ctx, rubric, out_dir, cache=None) -> tuple[dict, dict]:
    """Analyse the batch and write integrity.html and integrity.json: ({name: path}, what
    integrity.json holds, for the class report's needs-attention table); ``cache``: the
    folder the analysis keeps filtered code in between runs.

    An analysis that fails (a bug, odd values) writes a page saying so and never stops
    the batch; a file that cannot be written raises ReportWriteError like every report."""
    out = Path(out_dir)
    threshold = getattr(rubric, "integrity", Integrity()).code_threshold
    try:
        findings = integrity.analyse(submissions, results, bundles, ctx, threshold=threshold,
                                      cache=cache)
        page, data = integrity_html(findings), integrity_json(findings)
    except Exception as exc:
        failure = f"{type(exc).__name__}: {clip(exc, 300)}"
        page, data = integrity_html(None, failure), integrity_json(None, failure)
    page = page.encode("utf-8", "backslashreplace").decode("utf-8")   # lone surrogates
    return {"integrity.html": atomic.write_text(out / "integrity.html", page),
            "integrity.json": atomic.write_text(out / "integrity.json",
                                                json.dumps(data, indent=1))}, data
