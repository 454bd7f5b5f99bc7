"""The committed fixture notebooks and the package's example submissions are what
``tests/fixtures/make_fixtures.py`` writes (run it after changing it)."""
import json

import pytest

from tests.fixtures import make_fixtures as mf

REGENERATE = "stale: run `python tests/fixtures/make_fixtures.py` from the repository root"


def test_every_fixture_has_a_notebook_and_nothing_else_is_there():
    assert {p.stem for p in mf.HERE.glob("*.ipynb")} == set(mf.VARIANTS)


@pytest.mark.parametrize("name", sorted(mf.VARIANTS))
def test_fixture_notebook_is_generated(name):
    committed = (mf.HERE / f"{name}.ipynb").read_text(encoding="utf-8")
    assert json.loads(committed) == json.loads(mf.render(name)), f"{name}.ipynb {REGENERATE}"


def test_examples_are_exact_copies_of_their_fixtures():
    assert mf.EXAMPLES_DIR.parts[-3:] == ("grader", "examples", "submissions")
    assert set(mf.EXAMPLES) <= set(mf.VARIANTS)
    assert {p.name for p in mf.EXAMPLES_DIR.iterdir()} == {f"{n}.ipynb" for n in mf.EXAMPLES}
    for name in mf.EXAMPLES:
        example = mf.EXAMPLES_DIR / f"{name}.ipynb"
        assert not example.is_symlink()        # grading refuses links leaving the folder
        assert example.read_bytes() == (mf.HERE / f"{name}.ipynb").read_bytes(), \
            f"grader/examples/submissions/{name}.ipynb {REGENERATE}"
