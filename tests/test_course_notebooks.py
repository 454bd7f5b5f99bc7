"""Notebooks written the way the course leads its students (tests/fixtures/make_course.py),
graded in one batch through real kernels: each gets the grade a careful TA gives by the
rubric (written beside it in COURSE), and the feedback says which notebook value was
graded as the trained parameters and why."""
import pytest

from tests.conftest import grade_batch
from tests.fixtures.make_course import COURSE, notebook

pytestmark = pytest.mark.usefixtures("kernel")   # real kernels: the kernel tier


@pytest.fixture(scope="module")
def graded(tmp_path_factory, easy_data):
    notebooks = {sid: notebook(cells) for sid, (cells, *_) in COURSE.items()}
    return grade_batch(notebooks, easy_data, tmp_path_factory, "course")


@pytest.mark.parametrize("sid", sorted(COURSE))
def test_each_course_notebook_gets_the_grade_a_ta_gives(graded, sid):
    rc, rows, students = graded
    _, points, ta, words = COURSE[sid]
    said = " ".join([*students[sid]["notes"], *(c["message"] for c in students[sid]["checks"])])
    assert float(rows[sid]["final"]) == points, (sid, ta, said[:3000])
    for w in words:
        assert w in said, (w, said[:3000])


def test_the_gradient_is_never_graded_as_the_trained_parameters(graded):
    _, _, students = graded
    for sid, s in students.items():
        acc = next(c for c in s["checks"] if c["name"] == "trained_accuracy")
        assert acc["details"].get("params_from") not in ("grads", "g", "p0"), (sid, acc)
