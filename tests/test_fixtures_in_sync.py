"""The committed fixture notebooks and the package's example submissions are what
``python -m tests.fixtures.make_fixtures`` writes (run it after changing them)."""
import json

import pytest

from tests.fixtures import make_examples as me
from tests.fixtures import make_fixtures as mf

REGENERATE = "stale: run `python -m tests.fixtures.make_fixtures` from the repository root"


def test_every_fixture_has_a_notebook_and_nothing_else_is_there():
    assert {p.stem for p in mf.HERE.glob("*.ipynb")} == set(mf.VARIANTS)


@pytest.mark.parametrize("name", sorted(mf.VARIANTS))
def test_fixture_notebook_is_generated(name):
    committed = (mf.HERE / f"{name}.ipynb").read_text(encoding="utf-8")
    assert json.loads(committed) == json.loads(mf.render(name)), f"{name}.ipynb {REGENERATE}"


def test_examples_are_what_make_examples_writes():
    assert me.DIR.parts[-3:] == ("grader", "examples", "submissions")
    assert {p.name for p in me.DIR.iterdir()} == set(me.EXAMPLES)
    for sid in me.EXAMPLES:
        files = me.render(sid)
        assert {p.name for p in (me.DIR / sid).iterdir()} == set(files), sid
        for name, text in files.items():
            path = me.DIR / sid / name
            assert not path.is_symlink()        # grading refuses links leaving the folder
            assert path.read_text(encoding="utf-8") == text, f"{path} {REGENERATE}"
