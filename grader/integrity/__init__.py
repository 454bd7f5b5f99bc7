"""Integrity evidence: pairs of submissions that look copied.  It never changes a grade.

Code.  The detector is copydetect, a maintained implementation of winnowing (the
fingerprinting of MOSS: Schleimer, Wilkerson & Aiken, SIGMOD 2003), chosen over a
hand-written fingerprinter.  Its pygments filter replaces every identifier with one
letter and drops comments and whitespace, so renamed variables and changed, added or
removed comments do not hide a copy; a fingerprint hashes K filtered characters (a
statement or two), so moving cells only loses the few that straddle a cell boundary.
Every K-gram is kept (window 1), so the figures are the same on every run.  The code
the assignment gives (the code cells of the student notebook ``grader.student_notebook``
generates from the packaged solution, and the code its text shows) is boilerplate:
given cells left as given are not compared and its fingerprints never count.  A
student's share is copydetect's (their fingerprinted code also found in the other
notebook); a pair's similarity is the larger share.  The default threshold (rubric
``integrity: code_threshold``, 0.6) sits between honest work in different styles
(at most 0.24) and planted copies (at least 0.92): tests/test_integrity.py.  What of a
notebook is compared (cell by cell), and caps that padding cannot push a copy past:
``grader/integrity/code.py``.

Behaviour (cached bundles): identical trained parameters (``grader/integrity/params.py``;
every group of students is named in the report, counted or not), and identical *wrong*
probe outputs of ``net`` or ``loss``.  A value shared by ``COMMON_MIN`` students who are at
least ``COMMON_SHARE`` of those it was read for is the lecture's fixed-seed recipe or a
common mistake: noted, never counted.  Either flags a pair on its own, except a
mistake the grader names (e.g. the lecture's sigmoid typo) or parameters that neither
notebook trained: those are shown only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from . import params as trained_params
from .code import K, fingerprints, given, read_code
from .params import groups

MIN_MATCHED = 120       # filtered characters a code match needs before it can flag
COMMON_MIN, COMMON_SHARE = 3, 0.2
TOP_UNFLAGGED = 20      # pairs below the threshold still listed, for scale
LOCATED = 100           # pairs (in rank order) whose matched regions are found
DETECTOR = (f"copydetect (winnowing, as in MOSS): identifiers and comments ignored, "
            f"{K}-character fingerprints, the assignment's given code removed")


@dataclass
class Pair:
    a: str
    b: str
    similarity: float = 0.0            # the larger of the two shares
    shares: tuple = (0.0, 0.0)         # matched share of a's and of b's own code
    matched: int = 0                   # matched filtered characters (the larger share's)
    slices: tuple | None = None        # ([(start, end)] in a's code, in b's); None: not located
    evidence: list = field(default_factory=list)   # behaviour, in words
    strong: bool = False               # behaviour that flags the pair on its own
    flagged: bool = False


@dataclass
class Findings:
    threshold: float
    code: dict                         # student -> the code compared
    pairs: list                        # ranked: flagged first
    compared: int = 0
    skipped: list = field(default_factory=list)
    partial: list = field(default_factory=list)    # notebooks compared in part (padding)
    common: list = field(default_factory=list)     # shared values not counted
    baseline: dict = field(default_factory=dict)   # median, 95th percentile similarity
    detector: str = DETECTOR
    same_params: list = field(default_factory=list)   # [SameParams]: every group, named
    params_read: int = 0               # students whose trained parameters were read


def matched_matrix(fps: dict) -> tuple[list, np.ndarray]:
    """(ids, M): M[i, j] = characters of i's filtered code whose fingerprints are also
    j's: ``compare_files``'s ``token_overlap`` for i against j (every fingerprint kept,
    so the union of the matched K-grams), for all pairs at once instead of 0.2-1 ms a
    pair (300 students are 44,850 pairs).  Share of i's code: M[i, j] / coverage(i)."""
    ids = sorted(fps)
    owners: dict = {}
    for i, sid in enumerate(ids):
        for h in fps[sid].hashes:
            owners.setdefault(h, []).append(i)
    owners = {h: np.array(o) for h, o in owners.items() if len(o) > 1}
    M = np.zeros((len(ids), len(ids)), np.int64)
    for i, sid in enumerate(ids):
        kept = sorted((p, h) for h, ps in fps[sid].hash_idx.items() if h in owners for p in ps)
        if not kept:
            continue
        pos = np.array([p for p, _ in kept])
        who = [owners[h] for _, h in kept]
        hit = np.zeros((len(ids), len(pos)), bool)
        hit[np.concatenate(who), np.repeat(np.arange(len(pos)), [len(w) for w in who])] = True
        hit[i] = False
        last = np.maximum.accumulate(np.where(hit, np.arange(len(pos)), -1), axis=1)
        prev = np.concatenate([np.full((len(ids), 1), -1), last[:, :-1]], axis=1)
        gap = np.where(prev >= 0, np.minimum(pos - pos[np.maximum(prev, 0)], K), K)
        M[i] = np.sum(np.where(hit, gap, 0), axis=1)
    return ids, M


def code_pairs(fps: dict) -> dict:
    """{(a, b): Pair} for every pair sharing a fingerprint (a < b), figures only."""
    ids, M = matched_matrix(fps)
    cover = np.array([max(float(fps[s].token_coverage), 1.0) for s in ids])
    S = np.clip(M / cover[:, None], 0.0, 1.0)
    pairs = {}
    for i, j in zip(*np.nonzero(np.triu(M + M.T, 1))):
        a_side = S[i, j] >= S[j, i]
        pairs[ids[i], ids[j]] = Pair(ids[i], ids[j], float(max(S[i, j], S[j, i])),
                                     (float(S[i, j]), float(S[j, i])),
                                     int(M[i, j] if a_side else M[j, i]))
    return pairs


def locate(pair: Pair, fps: dict) -> Pair:
    """The pair's matched regions in each student's code, from ``compare_files``."""
    from copydetect import compare_files
    pair.slices = ([], [])
    if pair.a in fps and pair.b in fps:
        _, _, slices = compare_files(fps[pair.a], fps[pair.b])
        pair.slices = tuple([(int(s), int(e)) for s, e in zip(*sl)] if len(sl) == 2 else []
                            for sl in slices)
    return pair


def _common(group, among) -> bool:
    return len(group) >= COMMON_MIN and len(group) >= COMMON_SHARE * among


def _outputs(bundle, fn, n):
    """The student's finite outputs for ``fn`` on all ``n`` probes, or None."""
    arrays = getattr(bundle, "arrays", None) or {}
    outs = [arrays.get(f"{fn}/{i}") for i in range(n)]
    ok = all(isinstance(o, np.ndarray) and o.dtype.kind in "biuf" and o.size and
             np.all(np.isfinite(o)) for o in outs)
    return outs if outs and ok else None


def _diagnosis(result, check):
    for c in getattr(result, "checks", None) or []:
        if c.name == check and isinstance(c.details, dict):
            return c.details.get("diagnosis")
    return None


def _uncommon_pairs(values: dict, notes: list, common: str, among: int | None = None):
    """Pairs of students with identical ``values``; a group shared by too many of the
    ``among`` students read (a common recipe or mistake) is noted instead."""
    among = len(values) if among is None else among
    for g in groups(values):
        if _common(g, among):
            notes.append(f"{len(g)} of {among} students {common}")
            continue
        yield from combinations(sorted(g), 2)


def same_params(bundles: dict, results: dict) -> tuple[list, int]:
    """([SameParams] of the students with the same trained parameters, how many were read)."""
    values = {s: p for s, b in bundles.items() if (p := trained_params.read(b)) is not None}
    return trained_params.identical(values, results, _common), len(values)


def behaviour(bundles: dict, results: dict, ctx, same=None) -> tuple[dict, list]:
    """({(a, b): [(evidence, strong)]}, [notes on shared values not counted]); ``same``:
    ``same_params``'s groups when already found."""
    found, notes = {}, []
    for group in same_params(bundles, results)[0] if same is None else same:
        if not group.counted:
            notes.append(f"{len(group.students)} of {group.among} students have identical "
                         "trained parameters: a common recipe (the lecture's fixed seeds), "
                         "not counted")
            continue
        for a, b in combinations(group.students, 2):
            trained = a in group.trained or b in group.trained
            found.setdefault((a, b), []).append((
                group.words() + ("" if trained else "; neither recorded training: a shared "
                                 "start?"), trained))
    for fn, reference in (("net", getattr(ctx, "net", None)), ("loss", getattr(ctx, "loss", None))):
        if not reference:
            continue
        read = {s: o for s, b in bundles.items()
                if (o := _outputs(b, fn, len(reference))) is not None}
        wrong = {s: o for s, o in read.items()
                 if not all(ctx.close(x, r) for x, r in zip(o, reference))}
        for a, b in _uncommon_pairs(wrong, notes, f"give the same wrong `{fn}` outputs: a "
                                    "common mistake, not counted", among=len(read)):
            named = _diagnosis(results.get(a), fn)
            named = named if named and named == _diagnosis(results.get(b), fn) else None
            found.setdefault((a, b), []).append((
                f"the same wrong `{fn}` outputs on every probe" +
                (f" (a known mistake: {named}; honest students make it too)" if named else ""),
                not named))
    return found, notes


def analyse(submissions, results, bundles, ctx, *, threshold: float, cache=None) -> Findings:
    """Every pair of readable notebooks, compared; pure apart from reading the notebooks
    (and ``cache``, where each notebook's filtered code is kept: ``code.lexed``)."""
    boilerplate, given_cells = given()
    cells, skipped, partial = {}, [], []
    for s in submissions:
        found, why = read_code(s.notebook, given_cells) if s.notebook else (None, "no notebook")
        if not found:
            skipped.append(f"{s.student_id}: {why or 'no code'}")
        else:
            cells[s.student_id] = found
    by_id = {r.student_id: r for r in results}
    fps = fingerprints(cells, boilerplate, partial, cache) if len(cells) > 1 else {}
    code = {s: fps[s].raw_code if s in fps else "\n\n".join(c) for s, c in cells.items()}
    pairs = code_pairs(fps) if fps else {}
    n = len(code)
    sims = [p.similarity for p in pairs.values()] + [0.0] * (n * (n - 1) // 2 - len(pairs))
    mine = {s: b for s, b in (bundles or {}).items() if s in code}
    same, read = same_params(mine, by_id)
    evidence, notes = behaviour(mine, by_id, ctx, same)
    for key, items in evidence.items():
        pair = pairs.setdefault(key, Pair(*key))
        pair.evidence = [e for e, _ in items]
        pair.strong = any(strong for _, strong in items)
    for p in pairs.values():
        p.flagged = p.strong or (p.similarity >= threshold and p.matched >= MIN_MATCHED)
    ranked = sorted(pairs.values(), key=lambda p: (not p.flagged, -p.similarity,
                                                    -len(p.evidence), p.a, p.b))
    quiet = [p for p in ranked if not (p.flagged or p.evidence)][:TOP_UNFLAGGED]
    keep = {(p.a, p.b) for p in quiet}
    shown = [p for p in ranked if p.flagged or p.evidence or (p.a, p.b) in keep]
    for p in shown[:LOCATED]:
        locate(p, fps)
    baseline = {"median": float(np.median(sims)), "p95": float(np.percentile(sims, 95))} \
        if sims else {}
    return Findings(threshold, code, shown, len(sims), skipped, partial, notes, baseline,
                    same_params=same, params_read=read)
