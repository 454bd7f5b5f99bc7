"""The mistake catalogue through real kernels: a correct notebook and one notebook per
known mistake (tests/fixtures/make_mistakes.py), graded as one batch on data where the
fixtures' short recipe passes.  Each mistake gets its own diagnosis and no other; the
correct notebook gets none."""
import csv
import json

import nbformat
import pytest

from grader import cli
from grader.checks.diagnoses import MISTAKES as CATALOGUE
from tests.conftest import TEST_RUBRIC
from tests.fixtures.make_mistakes import MISTAKES, base_notebook, mistake_notebook

pytestmark = pytest.mark.slow
CORRECT = "correct"


@pytest.fixture(scope="module")
def graded(tmp_path_factory, medium_data):
    subs = tmp_path_factory.mktemp("mistakes")
    for sid in [CORRECT, *MISTAKES]:
        (subs / sid).mkdir()
        nb = base_notebook() if sid == CORRECT else mistake_notebook(sid)
        nbformat.write(nb, subs / sid / "homework.ipynb")
        (subs / sid / "timestamp.txt").write_text("2025-10-30 12:00:00 America/New_York")
    out = tmp_path_factory.mktemp("out") / "grading"
    rc = cli.main(["grade", str(subs), "--out", str(out), "--rubric", str(TEST_RUBRIC),
                   "--data", str(medium_data), "-j", "2", "--no-progress"])
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    students = {s["student_id"]: s for s in json.loads((out / "grades.json").read_text())["students"]}
    return rc, rows, students


def diagnoses(student) -> set:
    return {c["details"]["diagnosis"] for c in student["checks"] if "diagnosis" in c["details"]}


def test_the_correct_notebook_gets_full_marks_and_no_diagnosis(graded):
    _, rows, students = graded
    assert float(rows[CORRECT]["final"]) == 105, students[CORRECT]["checks"]
    assert diagnoses(students[CORRECT]) == set()


@pytest.mark.parametrize("sid", sorted(MISTAKES))
def test_each_mistake_gets_its_diagnosis_and_only_that_one(graded, sid):
    _, rows, students = graded
    key, final, _ = MISTAKES[sid]
    said = [c["message"] for c in students[sid]["checks"]]
    assert diagnoses(students[sid]) == {key}, said
    sentence = CATALOGUE[key].split("{")[0]
    assert any(sentence in m for m in said), (sentence, said)
    assert float(rows[sid]["final"]) == final, said


def test_every_catalogued_mistake_has_a_notebook():
    assert {key for key, _, _ in MISTAKES.values()} == set(CATALOGUE)
