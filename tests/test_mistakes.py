"""The mistake catalogue through real kernels: a correct notebook and one notebook per
known mistake (tests/fixtures/make_mistakes.py), graded as one batch on data where the
fixtures' short recipe passes.  Each mistake gets its own diagnosis and no other; the
correct notebook gets none."""
import pytest

from grader.checks.diagnoses import MISTAKES as CATALOGUE
from tests.conftest import grade_batch
from tests.fixtures.make_mistakes import MISTAKES, base_notebook, mistake_notebook

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("kernel")]
CORRECT = "correct"


@pytest.fixture(scope="module")
def graded(tmp_path_factory, medium_data):
    notebooks = {CORRECT: base_notebook(), **{sid: mistake_notebook(sid) for sid in MISTAKES}}
    return grade_batch(notebooks, medium_data, tmp_path_factory, "mistakes")


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
