"""grader.heldback: the private batch seed and the galaxies the kernel never sees."""
import stat

import numpy as np
import pytest

from grader import heldback
from grader.errors import InputError
from reference import data
from tests.conftest import tiny_arrays


def test_an_explicit_seed_is_used_as_it_is(monkeypatch, tmp_path):
    monkeypatch.setenv("GALAXY_GRADER_SECRET", str(tmp_path / "never-made"))
    assert heldback.batch_seed(7) == 7
    assert not (tmp_path / "never-made").exists()


def test_the_secret_is_made_once_private_and_then_reused(monkeypatch, tmp_path):
    path = tmp_path / "probe-secret"
    monkeypatch.setenv("GALAXY_GRADER_SECRET", str(path))
    first = heldback.batch_seed(None)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert heldback.batch_seed(None) == first and first > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["probe-secret"]


def test_an_unreadable_secret_is_a_one_line_error(monkeypatch, tmp_path):
    path = tmp_path / "probe-secret"
    path.write_text("not a number\n")
    monkeypatch.setenv("GALAXY_GRADER_SECRET", str(path))
    with pytest.raises(InputError) as info:
        heldback.batch_seed(None)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_a_course_file_loses_a_seeded_slice_of_its_training_set(monkeypatch, tmp_path):
    monkeypatch.setenv("GALAXY_GRADER_CACHE", str(tmp_path / "cache"))
    tr, trl, te, tel = tiny_arrays(n_train=200, n_test=30, seed=4)
    course = data.write_course_file(tmp_path / "dataG.pkl.gz", tr, trl, te, tel)
    kept, (hx, hy), how = heldback.kernel_data_and_hidden(course, hidden_file=None,
                                                          fraction=0.1, seed=11)
    ktr, _, kte, _ = data.read_raw(kept)
    assert len(ktr) == 180 and len(hx) == 20 and "20 training galaxies withheld" in how
    assert np.array_equal(kte, te)                       # the test set stays whole
    flat = {r.tobytes() for r in tr.reshape(len(tr), -1)}
    held = {r.tobytes() for r in (hx * 256).astype(np.uint8)}
    assert held <= flat and held.isdisjoint({r.tobytes() for r in ktr.reshape(len(ktr), -1)})
    again, (hx2, _), _ = heldback.kernel_data_and_hidden(course, hidden_file=None,
                                                         fraction=0.1, seed=11)
    assert again == kept and np.array_equal(hx2, hx)     # same seed, same slice
    _, (hx3, _), _ = heldback.kernel_data_and_hidden(course, hidden_file=None,
                                                     fraction=0.1, seed=12)
    assert not np.array_equal(hx3, hx)
