"""Padding does not hide a copy from the integrity report (issue 22, item 8): pure, no kernels.

Each padded notebook below is ana's notebook (tests/integrity_cases.py) verbatim behind,
or beside, something a student who knows grader/integrity/code.py would try.  Before the
fix every one of them was in no pair at all: the first 200,000 characters were kept,
counted before comments were stripped, and the cells were filtered as one text.
"""
import random

import nbformat
import pytest

from grader import integrity
from grader.integrity import code as integrity_code, padding as integrity_padding
from tests import integrity_cases as cases
from tests.conftest import ROOT
from tests.test_integrity import CTX, THRESHOLD, write_notebooks

rng = random.Random(7)


def padded(*before, after=()):
    nb = cases.filled(cases.HONEST["ana"])
    nb.cells[0:0] = [nbformat.v4.new_code_cell(c) for c in before]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in after]
    return nb


PADDED = {    # student -> (notebook, compared whole?)
    "comment_cell": (padded(("# " + "padding " * 12 + "\n") * 2500), True),
    "open_quote": (padded("'''"), True),          # a SyntaxError: the cells after it run
    "trivial_lines": (padded("x = 1\n" * 40_000), False),
    "long_string": (padded("s = '" + "a" * 300_000 + "'"), True),
    "long_docstring": (padded('s = """' + "words and\n" * 30_000 + '"""'), True),
    "random_numbers": (padded("".join(f"x = {rng.randrange(10**9)}\n" for _ in range(20_000))),
                       False),
    "unused_function": (padded("def unused(a, b):\n" + "".join(
        f"    a{i} = a * {i} + b ** {i % 7} - {i}\n" for i in range(6_000)) + "    return a\n"),
        False),
    "after": (padded(after=["y = 2\n" * 50_000]), False),
    "over_lexing_budget": (padded('q = 1; s = """\n# """ + unused\n', "z = 3\n" * 100_000,
                                  "# " * 300_000), False),
}


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    notebooks = {s: cases.filled(a) for s, a in cases.HONEST.items()}
    notebooks.update({s: nb for s, (nb, _) in PADDED.items()})
    subs = write_notebooks(tmp_path_factory.mktemp("padded"), notebooks)
    return integrity.analyse(subs, [], {}, CTX, threshold=THRESHOLD)


@pytest.mark.parametrize("sid", sorted(PADDED))
def test_a_padded_copy_is_flagged_with_its_source(found, sid):
    pair = next((p for p in found.pairs if {p.a, p.b} == {"ana", sid}), None)
    assert pair is not None and pair.flagged, (sid, pair)
    assert pair.similarity >= 0.95 and pair.matched >= integrity.MIN_MATCHED
    whole = PADDED[sid][1]
    named = [n for n in found.partial if n.startswith(f"{sid}: not compared whole")]
    assert bool(named) != whole, found.partial


def test_padding_flags_no_one_else(found):
    """Only ana and her padded copies are flagged (with each other); honest figures stay."""
    copies = set(PADDED) | {"ana"}
    for p in found.pairs:
        assert p.flagged == ({p.a, p.b} <= copies), (p.a, p.b, p.similarity)


def test_the_caps_sit_far_above_a_real_notebook():
    """The course's whole solution, given cells included, is under 1/40 of either cap."""
    cells, _ = integrity_code.read_code(ROOT / "reference" / "solution.ipynb")
    _, text, _ = integrity_code.filtered(cells)
    assert 1_000 < integrity_code.count(text) < integrity_code.MAX_FINGERPRINTS / 40
    assert sum(map(len, cells)) < integrity_code.MAX_LEXED / 40


def test_cells_are_filtered_on_their_own_with_positions_in_the_joined_code():
    cells = ["\nx = g(1, 2)  # one", "'''", "def f(a, b):\n    return a + b * 2 - a / b\n"]
    code, text, _ = integrity_code.filtered(cells)
    assert code == "\n\n".join(cells)
    assert text == "V=V(1,2)" + "SS" + "defF(V,V):returnV+V*2-V/V"   # the quote ends with its cell
    fp = integrity_code.fingerprints({"a": cells, "b": cells}, "")["a"]
    assert fp.raw_code == code and fp.filtered_code == text
    from copydetect import compare_files
    _, _, (slices, _) = compare_files(fp, fp)
    assert code[slices[0][0]:].startswith("x = g(1")     # a leading newline is counted


def test_strings_and_comments_are_found_by_pythons_rules():
    cells = ['s = """\n# """ + t  # a comment\n', "u = '#' + r'\\'' + \"a\\\"b\"  # c\n",
             "'''never closed\nx = 1\n", 'f"{a}" ; b"x"\n\n   \n# only a comment']
    assert integrity_padding.stripped(cells) == [
        ['s = "S" + t  '], ["u = \"S\" + r\"S\" + \"S\"  "], ['"S"\'never closed', "x = 1"],
        ['f"S" ; b"S"']]


def test_a_line_is_kept_as_often_as_another_notebook_has_it():
    shared = integrity_padding.Shared({
        "pad": [["x = 1"] * 500 + ["unique_thing(3, 4)", "w = 2"]],
        "other": [["y = 1", "y = 1", "w = 3"]], "third": [["z = 1"]]})
    cells, kept, cut = shared.reduced("pad", budget=10_000)
    assert cells == ["x = 1\nx = 1"] and kept == 2 and not cut
    cells, kept, cut = shared.reduced("pad", budget=7)
    assert cells == ["x = 1"] and kept == 1 and cut


def test_still_over_the_cap_after_reduction_keeps_the_first_fingerprints(monkeypatch):
    monkeypatch.setattr(integrity_code, "MAX_FINGERPRINTS", 50)
    body = [f"v{i} = f(v{i - 1}, {i})" for i in range(1, 40)]
    notes = []
    fps = integrity_code.fingerprints({"a": ["\n".join(body)], "b": ["\n".join(body)]}, "",
                                      notes)
    assert all(integrity_code.count(fp.filtered_code) == 50 for fp in fps.values())
    assert len(notes) == 2 and notes[0].startswith("a: not compared whole")
    assert notes[0].endswith("up to 500,000 characters and 50 fingerprints")


def test_the_report_names_a_notebook_compared_in_part(found):
    from grader.report import integrity as report
    data = report.integrity_json(found)
    assert data["compared_in_part"] == found.partial
    assert len(found.partial) == sum(not whole for _, whole in PADDED.values())
    assert "trivial_lines: not compared whole" in report.integrity_html(found)
