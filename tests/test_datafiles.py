"""grader.datafiles: course files read once per content, through the grader's cache."""
import stat

import numpy as np
import pytest

from grader import datafiles
from reference import data
from tests.conftest import tiny_arrays


@pytest.fixture
def cache(monkeypatch, tmp_path):
    monkeypatch.setenv("GALAXY_GRADER_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "raw"


def course(tmp_path, seed=0, name="dataG.pkl.gz"):
    return data.write_course_file(tmp_path / name, *tiny_arrays(n_train=30, n_test=8, seed=seed))


def same(a, b):
    return all(x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(a, b))


def test_a_file_read_again_comes_from_the_cache_with_the_same_arrays(cache, tmp_path, monkeypatch):
    path = course(tmp_path)
    first = datafiles.read_raw(path)
    assert same(first, data.read_raw(path))
    (kept,) = cache.iterdir()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o700      # the held-back rows are in it
    monkeypatch.setattr(data, "read_raw", lambda p: pytest.fail("read the file again"))
    assert same(datafiles.read_raw(path), first)
    assert same(datafiles.load_prepared(path), (*data.prepare(*first[:2]), *data.prepare(*first[2:])))


def test_a_changed_file_is_read_again(cache, tmp_path):
    path = course(tmp_path)
    datafiles.read_raw(path)
    course(tmp_path, seed=1)                               # same name, new content
    assert same(datafiles.read_raw(path), data.read_raw(path))


def test_a_damaged_cache_entry_is_read_from_the_file_and_replaced(cache, tmp_path):
    path = course(tmp_path)
    datafiles.read_raw(path)
    (kept,) = cache.iterdir()
    (kept / "0.npy").write_bytes(b"\x93NUMPY garbage")
    assert same(datafiles.read_raw(path), data.read_raw(path))
    (kept / "1.npy").unlink()
    assert same(datafiles.read_raw(path), data.read_raw(path))


def test_a_cached_entry_that_no_longer_validates_is_not_used(cache, tmp_path):
    path = course(tmp_path)
    datafiles.read_raw(path)
    (kept,) = cache.iterdir()
    np.save(kept / "1.npy", np.full((30, 5), 0.5, np.float32))   # not one-hot
    assert same(datafiles.read_raw(path), data.read_raw(path))


def test_a_bad_file_keeps_its_one_line_error_and_nothing_is_kept(cache, tmp_path):
    bad = tmp_path / "dataG.pkl.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(data.DataFileError) as info:
        datafiles.read_raw(bad)
    assert str(bad) in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(data.DataFileError, match="file not found"):
        datafiles.read_raw(tmp_path / "missing.pkl.gz")
    assert not cache.exists() or not any(cache.iterdir())


def test_at_most_keep_files_are_kept_the_least_recently_used_goes(cache, tmp_path, monkeypatch):
    import os
    import time
    monkeypatch.setattr(datafiles, "KEEP", 2)
    paths = [course(tmp_path, seed=i, name=f"d{i}.pkl.gz") for i in range(3)]
    for p in paths[:2]:
        datafiles.read_raw(p)
    old = time.time() - 100
    aged = next(d for d in cache.iterdir())
    os.utime(aged, (old, old))
    datafiles.read_raw(paths[2])
    assert len(list(cache.iterdir())) == 2 and not aged.exists()


def test_an_unwritable_cache_still_reads_the_file(tmp_path, monkeypatch):
    (tmp_path / "cache").write_text("a file where the folder should be")
    monkeypatch.setenv("GALAXY_GRADER_CACHE", str(tmp_path / "cache"))
    path = course(tmp_path)
    assert same(datafiles.read_raw(path), data.read_raw(path))


def test_held_back_galaxies_are_drawn_once_per_seed(cache, monkeypatch):
    from reference import synthetic
    first = datafiles.drawn(12, seed=5)
    assert same(first, synthetic.generate(n_train=0, n_test=12, seed=5)[2:])
    monkeypatch.setattr(synthetic, "generate", lambda **k: pytest.fail("drawn again"))
    assert same(datafiles.drawn(12, seed=5), first)
    monkeypatch.undo()
    monkeypatch.setenv("GALAXY_GRADER_CACHE", str(cache.parent))
    other = datafiles.drawn(12, seed=6)                   # another seed: its own galaxies
    assert not np.array_equal(other[0], first[0])
    (folder,) = [d for d in cache.iterdir() if same(datafiles._kept(d.name, None, lambda o: None), other)]
    np.save(folder / "1.npy", np.zeros((12, 5), np.float32))       # not one-hot: drawn anew
    assert same(datafiles.drawn(12, seed=6), other)


def test_a_folder_a_killed_run_left_half_written_goes_after_an_hour(cache, tmp_path):
    import os
    import time
    cache.mkdir(parents=True)
    old, fresh = cache / ".abc.123.tmp", cache / ".def.456.tmp"
    for d in (old, fresh):
        d.mkdir()
        (d / "0.npy").write_bytes(b"partial")
    hour_ago = time.time() - 3700
    os.utime(old, (hour_ago, hour_ago))
    datafiles.read_raw(course(tmp_path))
    assert not old.exists() and fresh.exists()         # one may still be being written
