"""Student ids with hidden characters (issue 22, item 11): bidi controls, zero-width and
control characters are written out wherever an id is shown, a leading space or formula
sign never reaches a spreadsheet as is, and no two distinct ids become one."""
import csv
import io
import json
import os

import pytest

from grader.errors import printable as visible
from grader.intake.ids import sanitise_id
from grader.report import tables
from grader.errors import printable
from grader.report.text import md
from grader.results import SubmissionResult
from grader.intake.submissions import discover

HOSTILE = ["\u202eecila", " alice", "alice\u200b", "al\u2028ice", "\u2066alice\u2069",
           "alice\x85", "alice\U000e0001", "=1+2", "\u00a0alice"]


@pytest.mark.parametrize("raw, shown", [
    ("\u202eecila", "\\u202eecila"), ("alice\u200b", "alice\\u200b"),
    ("\u2066a\u2069", "\\u2066a\\u2069"), ("a\U000e0001", "a\\U000e0001"),
    ("a\x85b", "a\\x85b"), ("a\nb", "a\\x0ab"), ("José", "José"), ("jane+test", "jane+test"),
    ("caf\udce9", "caf\\xe9"),
])
def test_hidden_characters_are_written_out(raw, shown):
    assert visible(raw) == shown
    assert visible(shown) == shown                       # written out once, never twice


def test_no_two_ids_become_one():
    ids = ["alice"] + HOSTILE
    assert len({visible(i) for i in ids}) == len(ids)
    assert len({sanitise_id(i).lower() for i in ids}) == len(ids)


@pytest.mark.parametrize("cell", [" alice", "\talice", "\u00a0alice", "\u3000x", "\r=1",
                                  "=1+2", "+1", "-1", "@SUM(A1)"])
def test_a_leading_space_or_formula_sign_gets_an_apostrophe(cell):
    assert tables.spreadsheet_safe(cell) == "'" + cell


def test_terminal_and_markdown_show_no_hidden_character():
    assert printable("\u202eecila\u200b\x1b[2J") == "\\u202eecila\\u200b\\x1b[2J"
    assert md("\u202eecila <b>") == "\\\\u202eecila \\<b\\>"


def test_grades_csv_shows_every_id_visibly_and_distinctly():
    results = [SubmissionResult(sanitise_id(raw), [], late=None, final=1.0, original_id=raw)
               for raw in ["alice"] + HOSTILE]
    text = tables.csv_text(results)
    assert not any(c in text for c in "\u202e\u200b\u2028\u2066\x85\U000e0001")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["original_id"] for r in rows) == sorted([
        "alice", "\\u202eecila", "' alice", "alice\\u200b", "al\\u2028ice",
        "\\u2066alice\\u2069", "alice\\x85", "alice\\U000e0001", "'=1+2", "'\u00a0alice"])
    assert {r["student_id"] for r in rows} == {r.student_id for r in results}


def test_discovery_keeps_hostile_folder_names_apart_and_visible(tmp_path):
    for raw in ["alice"] + HOSTILE:
        os.makedirs(tmp_path / raw)
        (tmp_path / raw / "hw.ipynb").write_text("{}")
    subs = discover(tmp_path).submissions
    assert len(subs) == len(HOSTILE) + 1 and len({s.student_id.lower() for s in subs}) == len(subs)
    by_original = {s.original_id: s.student_id for s in subs}
    assert by_original["alice"] == "alice"
    assert by_original["\\u202eecila"].startswith("_ecila-")
    assert by_original[" alice"].startswith("_alice-")
    for sub in subs:
        assert not any(c in json.dumps(sub.to_dict()["original_id"], ensure_ascii=False)
                       for c in "\u202e\u200b\u2028\u2066")
