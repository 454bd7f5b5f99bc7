"""The member cap of a probe output and of a cached bundle (issue 22, item 4): each member
of an .npz, however small, costs about 60 us and 1.5 KB on every read, so 300,000 tiny
valid ones (under every byte cap) cost 20 s and 370 MB per read.  Now an archive with
more than ``MAX_ARRAYS`` is refused before its directory is parsed, for that student
only; a cached bundle with too many is run again."""
import inspect
import struct
import zipfile

import numpy as np
import pytest

from grader import probes
from grader.rubric import Probes
from grader.run import artifacts, kernel_probe
from grader.run.protocol import (DATA_ROWS, FINITE_DIFFERENCES, MAX_CANDIDATES, NAMESPACE,
                                 PARAMS_KEYS, PER_IMAGE, WHOLE_SET)
from tests.test_hostile_inputs import _probe_files

NONCE = "n" * 32
REFUSED = f"probe output refused (more than {artifacts.MAX_ARRAYS:,} arrays)"


def tiny(n):
    return {f"junk/{i}": np.zeros(1) for i in range(n)}


def test_the_cap_is_far_above_what_the_probe_writes():
    """Every call's list is cut to 16 items; with the rubric's images, at most 490."""
    assert "val[:16]" in inspect.getsource(kernel_probe._Caller)
    calls = (len(PER_IMAGE) * Probes().n_images + len(FINITE_DIFFERENCES) *
             probes.N_DIRECTIONS + len(WHOLE_SET) + len(PARAMS_KEYS))
    most = 16 * calls + (len(NAMESPACE) - 1) + MAX_CANDIDATES + len(DATA_ROWS)
    assert most == 490 and most * 8 < artifacts.MAX_ARRAYS


def test_a_probe_output_at_the_cap_is_read(tmp_path):
    meta, arrays, problem = artifacts.read_probe_output(
        _probe_files(tmp_path, NONCE, arrays=tiny(artifacts.MAX_ARRAYS)), NONCE)
    assert problem == "" and len(arrays) == artifacts.MAX_ARRAYS


def test_one_more_is_refused_before_the_directory_is_parsed(tmp_path, monkeypatch):
    stem = _probe_files(tmp_path, NONCE, arrays=tiny(artifacts.MAX_ARRAYS + 1))
    opened = []
    real = zipfile.ZipFile
    monkeypatch.setattr(zipfile, "ZipFile", lambda *a, **kw: opened.append(1) or real(*a, **kw))
    assert artifacts.read_probe_output(stem, NONCE) == ({}, {}, REFUSED)
    assert opened == []


def test_an_end_record_that_lies_is_caught_by_the_count_parsed(tmp_path):
    stem = _probe_files(tmp_path, NONCE, arrays=tiny(artifacts.MAX_ARRAYS + 1))
    path = stem.with_suffix(".npz")
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")           # entries on this disk and in all: 1
    data[end + 8:end + 12] = struct.pack("<HH", 1, 1)
    path.write_bytes(bytes(data))
    assert artifacts.read_probe_output(stem, NONCE) == ({}, {}, REFUSED)


@pytest.mark.parametrize("n,kept", [(2 * artifacts.MAX_ARRAYS, True),
                                    (2 * artifacts.MAX_ARRAYS + 1, False)])
def test_a_cached_bundle_with_too_many_arrays_is_run_again(tmp_path, n, kept):
    artifacts.save(artifacts.Bundle(key="k", status="executed", arrays=tiny(n)), tmp_path)
    got = artifacts.load(tmp_path, "k")
    assert (got is not None and len(got.arrays) == n) if kept else got is None


def test_arrays_digest_tells_apart_bytes_dtypes_and_shapes_and_refuses_objects():
    arrays_digest = artifacts.arrays_digest
    a = [np.arange(6, dtype=np.float32), np.ones(2)]
    assert arrays_digest(a) == arrays_digest([x.copy() for x in a])
    assert arrays_digest(a) != arrays_digest([a[0].reshape(2, 3), a[1]])
    assert arrays_digest(a) != arrays_digest([a[0].astype(np.float64), a[1]])
    assert arrays_digest(a) != arrays_digest([a[0] + 1, a[1]])
    assert arrays_digest([np.array([object()])]) is None
