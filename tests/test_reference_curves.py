"""grader.checks.reference_curves: curves keyed by the data's digest, kept on disk."""
from types import SimpleNamespace

import numpy as np
import pytest

from grader.checks import reference_curves as rc


def _ctx(tmp_path, data_seed=0, digest=""):
    rng = np.random.default_rng(data_seed)
    x = rng.random((80, 30), dtype=np.float32)
    y = np.eye(5, dtype=np.float32)[rng.integers(0, 5, 80)]
    probes = SimpleNamespace(train_x=x[:60], train_y=y[:60], test_x=x[60:], test_y=y[60:],
                             inputs={"W1": np.zeros((8, 30))})
    return SimpleNamespace(probes=probes, data_digest=digest, curve_dir=str(tmp_path))


@pytest.fixture(autouse=True)
def _empty_memory():
    rc._MEMORY.clear()
    yield
    rc._MEMORY.clear()


def test_a_curve_is_trained_once_then_read_from_the_cache_folder(tmp_path):
    first = rc.curve(_ctx(tmp_path), 1e-2, 10, 4, 0)
    assert first.shape == (4,) and len(list(tmp_path.glob("*.npy"))) == 1
    rc._MEMORY.clear()                           # a new process, the same cache folder
    spent = rc.training_seconds()
    again = rc.curve(_ctx(tmp_path), 1e-2, 10, 4, 0)
    assert rc.training_seconds() == spent and np.array_equal(first, again)


def test_other_data_in_a_context_at_the_same_address_gets_its_own_curve(tmp_path):
    a = rc.curve(_ctx(tmp_path, data_seed=0), 1e-1, 10, 4, 0)
    b = rc.curve(_ctx(tmp_path, data_seed=1), 1e-1, 10, 4, 0)
    assert len(list(tmp_path.glob("*.npy"))) == 2 and not np.array_equal(a, b)
    assert _ctx(tmp_path, 0).data_digest == "" and rc.data_digest(_ctx(tmp_path, 0)) != \
        rc.data_digest(_ctx(tmp_path, 1))


def test_a_file_that_is_not_the_curve_is_trained_again_and_replaced(tmp_path):
    good = rc.curve(_ctx(tmp_path), 1e-2, 10, 4, 1)
    (path,) = tmp_path.glob("*.npy")
    for bad in (b"not numpy", None):
        if bad is None:
            np.save(path, np.full(4, 7.0))       # a number no accuracy can be
        else:
            path.write_bytes(bad)
        rc._MEMORY.clear()
        assert np.array_equal(rc.curve(_ctx(tmp_path), 1e-2, 10, 4, 1), good)
        assert np.array_equal(np.load(path), good)


def test_a_cache_folder_that_cannot_be_written_costs_time_not_a_curve(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")                        # a file where the folder should be
    ctx = _ctx(tmp_path)
    ctx.curve_dir = str(blocked / "curves")
    assert rc.curve(ctx, 1e-2, 10, 3, 0).shape == (3,)
