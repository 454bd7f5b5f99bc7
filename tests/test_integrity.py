"""The integrity report (grader/integrity.py, grader/report/integrity.py): pure, no kernels.

Measured with the defaults (K = 30, threshold 0.6): the planted copies of the six honest
styles in tests/integrity_cases.py score 0.92-0.99 (renamed 0.94-0.99, cells reordered
0.94-0.98, comments changed 0.94-0.99, all three 0.92-0.98); the 15 honest pairs 0.04-0.24
and a copy against the other honest students at most 0.18.  The bundled examples:
full_marks, late, late_with_extension, fails_gradient and fails_plot_line_only are one
notebook (0.97-1.00), real_world_dict_params is full_marks edited (its loss, accuracy,
training loop and plot kept: 0.64-0.71), real_world_namedtuple a rewrite (0.43-0.55).
"""
import copy
import itertools
import json

import nbformat
import numpy as np
import pytest

from grader import integrity
from grader.integrity import code as integrity_code
from grader.errors import RubricError
from grader.report import integrity as integrity_report
from grader.report import publish
from grader.results import CheckResult, SubmissionResult
from grader.rubric import DEFAULT_RUBRIC, from_mapping, load
from grader.run.artifacts import Bundle
from grader.intake.submissions import Submission
from tests import integrity_cases as cases
from tests.conftest import ROOT

THRESHOLD = from_mapping({"checks": {"net": {"points": 1}}}).integrity.code_threshold
KINDS = ("renamed", "reordered", "comments", "all_three")
EXAMPLES = ROOT / "grader" / "examples" / "submissions"
SAME_WORK = {"full_marks", "late", "late_with_extension", "fails_gradient", "fails_plot_line_only"}


class Ctx:
    """The batch context's reference answers and tolerance (checks/context.py's close)."""
    rtol, atol = 1e-3, 1e-5

    def __init__(self, net, loss):
        self.net, self.loss = net, loss

    def close(self, a, b, scale=None):
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=self.rtol, atol=self.atol))


CTX = Ctx([np.array([0.1, 0.2, 0.3, 0.4, 0.5]), np.array([0.5, 0.4, 0.3, 0.2, 0.1])], [1.5, 2.5])


def write_notebooks(folder, notebooks: dict) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    subs = []
    for sid, nb in notebooks.items():
        path = folder / f"{sid}.ipynb"
        if isinstance(nb, bytes):
            path.write_bytes(nb)
        else:
            nbformat.write(nb, path)
        subs.append(Submission(sid, path, None, ""))
    return subs


def result(sid, history=(0.5, 0.7), **diagnoses):
    checks = [CheckResult(name, 0.0, 10, "wrong", details={"diagnosis": key})
              for name, key in diagnoses.items()]
    return SubmissionResult(sid, checks + [CheckResult("plot", 10, 10, "ok")], late=None,
                            final=50.0, history=list(history))


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Every honest notebook and every planted copy, analysed as one batch."""
    notebooks = {sid: cases.filled(answers) for sid, answers in cases.HONEST.items()}
    for src in cases.HONEST:
        notebooks.update({f"{src}-{kind}": nb for kind, nb in cases.copies(src).items()
                          if kind != "original"})
    subs = write_notebooks(tmp_path_factory.mktemp("planted"), notebooks)
    found = integrity.analyse(subs, [], {}, CTX, threshold=THRESHOLD)
    fps = integrity.fingerprints(found.code, integrity.given()[0])
    return found, integrity.code_pairs(fps), fps


def pair_of(pairs, a, b):
    return pairs.get(tuple(sorted((a, b)))) or integrity.Pair(*sorted((a, b)))


@pytest.mark.parametrize("src", sorted(cases.HONEST))
@pytest.mark.parametrize("kind", KINDS)
def test_planted_copies_are_flagged(planted, src, kind):
    found, pairs, _ = planted
    p = pair_of(pairs, src, f"{src}-{kind}")
    assert p.similarity >= THRESHOLD and p.matched >= integrity.MIN_MATCHED, p
    assert any(f.flagged and {f.a, f.b} == {src, f"{src}-{kind}"} for f in found.pairs)


def test_honest_students_are_not_flagged_against_each_other(planted):
    found, pairs, _ = planted
    honest = sorted(cases.HONEST)
    for a, b in itertools.combinations(honest, 2):
        assert pair_of(pairs, a, b).similarity < THRESHOLD - 0.2, (a, b)
    for src, kind, other in itertools.product(honest, KINDS, honest):
        if other != src:     # a copy of ana is not a copy of ben
            assert pair_of(pairs, f"{src}-{kind}", other).similarity < THRESHOLD, (src, kind, other)
    flagged = {frozenset(((p.a.split("-")[0]), (p.b.split("-")[0]))) for p in found.pairs if p.flagged}
    assert all(len(f) == 1 for f in flagged), flagged


def test_the_ranking_puts_flagged_pairs_first_by_similarity(planted):
    found, _, _ = planted
    flags = [p.flagged for p in found.pairs]
    assert flags == sorted(flags, reverse=True) and any(flags) and not all(flags)
    sims = [p.similarity for p in found.pairs if p.flagged]
    assert sims == sorted(sims, reverse=True)
    assert found.compared == len(found.code) * (len(found.code) - 1) // 2


def test_figures_are_copydetects_compare_files(planted):
    """The all-pairs matrix gives exactly compare_files' shares and matched characters."""
    from copydetect import compare_files
    _, pairs, fps = planted
    for a, b in itertools.combinations(sorted(fps)[:14], 2):
        matched, shares, _ = compare_files(fps[a], fps[b])
        p = pair_of(pairs, a, b)
        assert p.shares == pytest.approx(tuple(min(float(s), 1.0) for s in shares), abs=1e-12)
        if p.shares[0] >= p.shares[1]:
            assert p.matched == matched


def test_each_notebook_is_fingerprinted_once(monkeypatch, tmp_path):
    import copydetect
    made = []
    real = copydetect.CodeFingerprint
    monkeypatch.setattr(copydetect, "CodeFingerprint",
                        lambda *a, **kw: made.append(1) or real(*a, **kw))
    subs = write_notebooks(tmp_path, {s: cases.filled(a) for s, a in cases.HONEST.items()})
    integrity.analyse(subs, [], {}, CTX, threshold=THRESHOLD)
    assert len(made) == len(subs) + 1          # and once for the given code


def test_the_bundled_examples(tmp_path):
    """The examples that are one notebook by construction are flagged; the rewrite is not."""
    subs = [Submission(p.parent.name, p, None, "") for p in sorted(EXAMPLES.glob("*/*.ipynb"))]
    found = integrity.analyse(subs, [], {}, CTX, threshold=THRESHOLD)
    flagged = {frozenset((p.a, p.b)) for p in found.pairs if p.flagged}
    copies = SAME_WORK | {"real_world_dict_params"}
    assert flagged == {frozenset(c) for c in itertools.combinations(sorted(copies), 2)}


def test_given_code_is_the_generated_student_notebook():
    from grader import student_notebook
    text, cells = integrity.given()
    student = nbformat.reads(student_notebook.generate(student_notebook.default_solution()),
                             as_version=4)
    code = [c.source.strip() for c in student.cells if c.cell_type == "code"]
    assert set(code) == set(cells) and all(c in text for c in code)
    assert "raise NotImplementedError()" in text and "### BEGIN SOLUTION" not in text
    assert "jnp.sum(-correctLabel * jnp.log(a)" in text        # code shown in its text


def test_magics_and_shell_lines_are_skipped():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%matplotlib inline\n!pip install jax\nx = 1"),
        nbformat.v4.new_code_cell("%%bash\necho hi"),
        nbformat.v4.new_code_cell("%%time\ny = 2\n  %timeit f()"),
        nbformat.v4.new_markdown_cell("<script>not code</script>")])
    assert integrity_code.notebook_code(nb) == "\n\nx = 1\n\ny = 2\n"


def test_unreadable_notebooks_are_skipped_with_a_note(tmp_path):
    subs = write_notebooks(tmp_path, {"ana": cases.filled(cases.HONEST["ana"]),
                                      "bad": b"\x00\xff not json", "empty": b"",
                                      "given_only": cases.template()})
    subs.append(Submission("nothing", None, None, ""))
    found = integrity.analyse(subs, [], {}, CTX, threshold=THRESHOLD)
    assert list(found.code) == ["ana"] and found.pairs == []
    assert [s.split(":")[0] for s in found.skipped] == ["bad", "empty", "given_only", "nothing"]
    page = integrity_report.integrity_html(found)
    assert "Fewer than 2 gradable notebooks (1)" in page


# --- behaviour ---------------------------------------------------------------------

def params(seed, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return {f"params/{i}": (0.1 * rng.standard_normal(s)).astype(dtype)
            for i, s in enumerate([(100, 4761), (100,), (5, 100), (5,)])}


def bundle(sid, arrays):
    return Bundle(key=sid, status="executed", arrays=arrays)


def test_identical_trained_parameters_flag_a_pair():
    bundles = {f"s{i}": bundle(f"s{i}", params(i)) for i in range(8)}
    bundles["s1"] = bundle("s1", params(0, np.float64))      # the same values, as float64
    bundles["s2"].arrays["loss_grad/0/0"] = "not an array"    # ignored, as are gradients
    results = {s: result(s) for s in bundles}
    found, notes = integrity.behaviour(bundles, results, CTX)
    assert list(found) == [("s0", "s1")] and notes == []
    (text, strong), = found["s0", "s1"]
    assert strong and "identical trained parameters" in text


def test_a_recipe_shared_by_much_of_the_class_is_not_counted():
    bundles = {f"s{i}": bundle(f"s{i}", params(0 if i < 4 else i)) for i in range(10)}
    found, notes = integrity.behaviour(bundles, {s: result(s) for s in bundles}, CTX)
    assert found == {} and notes == ["4 of 10 students have identical trained parameters: a "
                                     "common recipe (the lecture's fixed seeds), not counted"]


def test_untrained_identical_parameters_are_shown_but_do_not_flag():
    bundles = {s: bundle(s, params(0)) for s in ("a", "b")} | {"c": bundle("c", params(1)),
                                                                  "d": bundle("d", params(2))}
    results = {s: result(s, history=()) for s in bundles}
    found, _ = integrity.behaviour(bundles, results, CTX)
    (text, strong), = found["a", "b"]
    assert not strong and "a shared start?" in text


def outputs(net_shift=0.0, loss_shift=0.0):
    return {**{f"net/{i}": r + net_shift for i, r in enumerate(CTX.net)},
            **{f"loss/{i}": np.asarray(r + loss_shift) for i, r in enumerate(CTX.loss)}}


def test_shared_wrong_outputs_are_evidence_and_shared_right_ones_are_not():
    arrays = {"a": outputs(net_shift=0.05, loss_shift=0.7), "b": outputs(net_shift=0.05, loss_shift=0.7),
              "c": outputs(), "d": outputs(), "e": outputs(net_shift=0.01), "f": outputs(),
              "g": outputs(), "h": outputs(), "i": outputs(), "j": {"net/0": [1, 2]}}
    bundles = {s: bundle(s, a) for s, a in arrays.items()}
    found, notes = integrity.behaviour(bundles, {s: result(s) for s in bundles}, CTX)
    assert list(found) == [("a", "b")] and notes == []
    assert [t for t, _ in found["a", "b"]] == ["the same wrong `net` outputs on every probe",
                                               "the same wrong `loss` outputs on every probe"]
    assert all(strong for _, strong in found["a", "b"])


def test_a_mistake_the_grader_names_or_many_share_does_not_flag():
    arrays = {s: outputs(net_shift=0.05) for s in "abcd"} | {s: outputs() for s in "efghij"}
    arrays.update(k=outputs(loss_shift=0.3), m=outputs(loss_shift=0.3))
    bundles = {s: bundle(s, a) for s, a in arrays.items()}
    results = {s: result(s) for s in bundles}
    results.update(k=result("k", loss="loss_missing_term"), m=result("m", loss="loss_missing_term"))
    found, notes = integrity.behaviour(bundles, results, CTX)
    assert notes == ["4 of 12 students give the same wrong `net` outputs: a common mistake, "
                     "not counted"]
    (text, strong), = found["k", "m"]
    assert not strong and "a known mistake: loss_missing_term" in text


def test_behaviour_alone_flags_a_pair_in_the_report(tmp_path):
    notebooks = {s: cases.filled(a) for s, a in cases.HONEST.items()}
    subs = write_notebooks(tmp_path, notebooks)
    bundles = {s: bundle(s, params(i)) for i, s in enumerate(notebooks)}
    bundles["eli"] = bundle("eli", params(0))                   # ana's parameters
    results = [result(s) for s in notebooks]
    found = integrity.analyse(subs, results, bundles, CTX, threshold=THRESHOLD)
    top = found.pairs[0]
    assert (top.a, top.b, top.flagged, top.strong) == ("ana", "eli", True, True)
    assert [p for p in found.pairs if p.flagged] == [top]
    assert top.similarity < THRESHOLD


# --- the report ----------------------------------------------------------------------

HOSTILE = '''x = "</script><script>alert('pwned')</script>"
html = "<img src=x onerror=alert(1)> & <b>bold</b>"
def net(params, imageVector):
    W1, b1, W2, b2 = params
    return 1 / (1 + jnp.exp(-(W2 @ jnp.tanh(W1 @ imageVector + b1) + b2)))  # </pre><script>
for index_of_something in range(1000):
    accumulated_values = [value * 2 + index_of_something for value in range(index_of_something)]
    print("<script>alert(2)</script>", accumulated_values[:3], index_of_something ** 2)
'''


def hostile_notebook():
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("<script>alert('md')</script>"),
        nbformat.v4.new_code_cell(HOSTILE)])


def test_student_code_is_escaped_in_the_page(tmp_path):
    subs = write_notebooks(tmp_path / "in", {"eve": hostile_notebook(), "mal": hostile_notebook(),
                                             "ana": cases.filled(cases.HONEST["ana"])})
    subs.append(Submission("<b>x</b>", subs[0].notebook, None, ""))
    results = [result(s.student_id) for s in subs]
    written, _ = integrity_report.write(subs, results, {}, CTX, load(DEFAULT_RUBRIC), tmp_path)
    page = written["integrity.html"].read_text("utf-8")
    assert "<script" not in page and "<img" not in page and "<b>x" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(" in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert page.count("<mark>") >= 2 and "(flagged)" in page
    data = json.loads(written["integrity.json"].read_text("utf-8"))
    assert data["flagged"] == 3 and data["code_threshold"] == THRESHOLD
    pair = data["pairs"][0]
    assert pair["flagged"] and pair["similarity"] == 1.0 and pair["matched_lines"]["a"]


def test_a_lone_surrogate_in_student_code_does_not_stop_the_report(tmp_path):
    nb = nbformat.writes(hostile_notebook()).replace("alert(2)", "alert(\\ud800)")
    subs = write_notebooks(tmp_path / "in", {"eve": nb.encode(), "mal": nb.encode()})
    written, _ = integrity_report.write(subs, [], {}, CTX, load(DEFAULT_RUBRIC), tmp_path)
    assert "alert(\\ud800)" in written["integrity.html"].read_text("utf-8")
    assert json.loads(written["integrity.json"].read_text())["flagged"] == 1


def test_the_report_never_changes_a_grade(tmp_path):
    subs = write_notebooks(tmp_path / "in", {s: cases.filled(a) for s, a in cases.HONEST.items()})
    results = [result(s.student_id, net="softmax") for s in subs]
    bundles = {s.student_id: bundle(s.student_id, {**params(0), **outputs(0.05)}) for s in subs}
    before = [copy.deepcopy(r.to_dict()) for r in results]
    arrays = {s: dict(b.arrays) for s, b in bundles.items()}
    integrity_report.write(subs, results, bundles, CTX, load(DEFAULT_RUBRIC), tmp_path)
    assert [r.to_dict() for r in results] == before
    assert all(bundles[s].arrays.keys() == arrays[s].keys() for s in arrays)
    assert "common recipe" in (tmp_path / "integrity.html").read_text("utf-8")


def test_a_failing_analysis_writes_a_page_and_never_stops_the_batch(tmp_path, monkeypatch):
    monkeypatch.setattr(integrity, "analyse", lambda *a, **kw: 1 / 0)
    written, _ = integrity_report.write([], [], {}, CTX, load(DEFAULT_RUBRIC), tmp_path)
    assert "could not be computed: ZeroDivisionError" in written["integrity.html"].read_text()
    assert json.loads(written["integrity.json"].read_text())["error"].startswith("ZeroDivision")


def test_segments_cut_long_unmatched_stretches():
    text = "".join(f"line {i}\n" for i in range(60))
    spans = [(text.index("line 20"), text.index("line 20") + 7),
             (text.index("line 40"), text.index("line 40") + 7)]
    segs = integrity_report.segments(text, spans, context=3)
    assert [k for _, k in segs] == ["gap", "code", "match", "code", "gap", "code", "match",
                                    "code", "gap"]
    assert [t for t, k in segs if k != "code"] == [
        "... 17 lines ...", "line 20", "... 13 lines ...", "line 40", "... 16 lines ..."]
    assert segs[1][0] == "\nline 17\nline 18\nline 19\n"
    assert segs[3][0] == "\nline 21\nline 22\nline 23\n"
    assert integrity_report.segments("a\nb", []) == [("a\nb", "code")]


def test_the_previous_run_keeps_its_integrity_report(tmp_path):
    for name in ("grades.csv", "integrity.html", "integrity.json"):
        (tmp_path / name).write_text(name)
    stage = tmp_path / ".staging"
    stage.mkdir()
    publish.archive(tmp_path, stage)
    moved = next((tmp_path / "previous").iterdir())
    assert sorted(p.name for p in moved.iterdir()) == ["grades.csv", "integrity.html",
                                                        "integrity.json"]


# --- rubric --------------------------------------------------------------------------

def test_the_rubric_sets_the_threshold():
    assert load(DEFAULT_RUBRIC).integrity.code_threshold == THRESHOLD == 0.6
    rub = from_mapping({"checks": {"net": {"points": 1}}, "integrity": {"code_threshold": 0.8}})
    assert rub.integrity.code_threshold == 0.8


@pytest.mark.parametrize("value, words", [
    ({"code_threshold": 1.5}, "integrity.code_threshold: expected a fraction in (0, 1]"),
    ({"code_threshold": 0}, "integrity.code_threshold: expected a fraction in (0, 1]"),
    ({"code_threshold": "high"}, "integrity.code_threshold: expected a number"),
    ({"k": 3}, "integrity.k: unknown key (expected one of code_threshold)"),
    ([0.5], "integrity: expected a mapping"),
])
def test_a_bad_integrity_section_is_one_line_naming_the_file(value, words):
    with pytest.raises(RubricError) as err:
        from_mapping({"checks": {"net": {"points": 1}}, "integrity": value}, source="r.yaml")
    assert str(err.value).startswith(f"r.yaml: {words}") and "\n" not in str(err.value)


CELLS = ["import jax.numpy as jnp\n# a comment\nx = jnp.ones(3)  # more",
         "def net(params, x):\n    W1, b1, W2, b2 = params\n    return W2 @ jnp.tanh(W1 @ x + b1) + b2",
         "s = 'a string \\udc80 with a lone surrogate'"]


def test_filtered_code_kept_in_the_cache_is_read_back_not_filtered_again(tmp_path, monkeypatch):
    first = integrity_code.lexed(CELLS, tmp_path)
    want = integrity_code.filtered(CELLS)
    assert first[:2] == want[:2] and np.array_equal(first[2], want[2])
    monkeypatch.setattr(integrity_code, "filtered", lambda c: pytest.fail("filtered again"))
    again = integrity_code.lexed(CELLS, tmp_path)
    assert again[:2] == want[:2] and again[2].dtype == want[2].dtype
    assert np.array_equal(again[2], want[2])


def test_changed_code_or_a_damaged_kept_file_is_filtered_anew(tmp_path):
    integrity_code.lexed(CELLS, tmp_path)
    other = integrity_code.lexed(CELLS[:2], tmp_path)
    assert other[1] == integrity_code.filtered(CELLS[:2])[1]
    for kept in tmp_path.iterdir():
        kept.write_text('{"code": 1}')
    again = integrity_code.lexed(CELLS, tmp_path)
    assert again[1] == integrity_code.filtered(CELLS)[1]
    assert integrity_code.lexed(CELLS, None)[1] == again[1]           # no cache: filtered
