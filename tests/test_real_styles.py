"""Notebooks in the styles real students write (tests/fixtures/make_styles.py), graded
in one batch through real kernels: each gets full marks, with the notes that say what
the grader accepted on its behalf."""
import csv
import json

import nbformat
import pytest

from grader import cli
from tests.conftest import TEST_RUBRIC
from tests.fixtures.make_styles import STYLES, notebook


@pytest.fixture(scope="module")
def graded(tmp_path_factory, easy_data):
    subs = tmp_path_factory.mktemp("styles")
    for sid, (cells, _, _) in STYLES.items():
        (subs / sid).mkdir()
        nbformat.write(notebook(cells), subs / sid / "homework.ipynb")
        (subs / sid / "timestamp.txt").write_text("2025-10-30 12:00:00 America/New_York")
    out = tmp_path_factory.mktemp("out") / "grading"
    rc = cli.main(["grade", str(subs), "--out", str(out), "--rubric", str(TEST_RUBRIC),
                   "--data", str(easy_data), "-j", "2", "--no-progress"])
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    students = {s["student_id"]: s for s in json.loads((out / "grades.json").read_text())["students"]}
    return rc, rows, students


@pytest.mark.parametrize("sid", sorted(STYLES))
def test_each_style_gets_its_points_and_says_what_it_accepted(graded, sid):
    rc, rows, students = graded
    _, points, words = STYLES[sid]
    said = " ".join([*students[sid]["notes"], *(c["message"] for c in students[sid]["checks"])])
    assert float(rows[sid]["final"]) == points, (sid, said[:1500])
    for w in words:
        assert w in said, (w, said[:1500])
