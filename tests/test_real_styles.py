"""Notebooks in the styles real students write (tests/fixtures/make_styles.py), graded
in one batch through real kernels: each gets full marks, with the notes that say what
the grader accepted on its behalf."""
import pytest

from tests.conftest import grade_batch
from tests.fixtures.make_styles import STYLES, notebook

pytestmark = pytest.mark.usefixtures("kernel")   # real kernels: the kernel tier


@pytest.fixture(scope="module")
def graded(tmp_path_factory, easy_data):
    notebooks = {sid: notebook(cells) for sid, (cells, _, _) in STYLES.items()}
    return grade_batch(notebooks, easy_data, tmp_path_factory, "styles")


@pytest.mark.parametrize("sid", sorted(STYLES))
def test_each_style_gets_its_points_and_says_what_it_accepted(graded, sid):
    rc, rows, students = graded
    _, points, words = STYLES[sid]
    said = " ".join([*students[sid]["notes"], *(c["message"] for c in students[sid]["checks"])])
    assert float(rows[sid]["final"]) == points, (sid, said[:1500])
    for w in words:
        assert w in said, (w, said[:1500])
