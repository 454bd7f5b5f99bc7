"""Hostile inputs that need no kernel: broken set-up and crafted probe output.

Broken set-up (data, rubric, output folder, a full disk) ends in a one-line
error and exit status 2 with nothing half-written; files a kernel could plant
where the grader reads its probe output (links, FIFOs, bombs) are refused
quickly; forged counts never make the grader loop.  The batch of hostile
notebooks itself is in test_hostile.py.
"""
import json
import os
import threading
import time
from pathlib import Path

import pytest

from grader import cli
from grader.run import artifacts, uids
from tests.conftest import TEST_RUBRIC


def _grade(subs, out, rubric, data):
    return cli.main(["grade", str(subs), "--out", str(out), "--rubric", str(rubric),
                     "--data", str(data), "-j", "1", "--no-progress"])


# --- broken set-up: one-line errors, exit status 2, nothing half-written ------------

def _broken_subs(tmp_path):
    subs = tmp_path / "subs"
    (subs / "ada").mkdir(parents=True)
    (subs / "ada" / "homework.ipynb").write_text("not JSON")    # never starts a kernel
    return subs


def _rubric(tmp_path, old, new):
    text = TEST_RUBRIC.read_text()
    assert old in text
    path = tmp_path / "rubric.yaml"
    path.write_text(text.replace(old, new))
    return path


def _data(tmp_path, kind, easy_data):
    path = tmp_path / f"{kind}.pkl.gz"
    if kind == "not_gzip":
        path.write_bytes(b"\x89PNG not a data file" * 100)
    elif kind == "truncated":
        path.write_bytes(Path(easy_data).read_bytes()[:100_000])
    elif kind == "wrong_layout":
        import gzip
        import pickle
        with gzip.open(path, "wb") as fh:
            pickle.dump({"images": [1, 2, 3]}, fh)
    return path


SETUP_CASES = {
    "data_missing": ({"data": "missing"}, "file not found"),
    "data_not_gzip": ({"data": "not_gzip"}, "not a gzip file"),
    "data_truncated": ({"data": "truncated"}, "truncated.pkl.gz: gzip data ends early"),
    "data_wrong_layout": ({"data": "wrong_layout"}, "expected a 4-tuple"),
    "rubric_wrong_type": ({"rubric": ("cell_seconds: 25", "cell_seconds: soon")},
                          "timeouts.cell_seconds: expected a number"),
    "rubric_unknown_key": ({"rubric": ("checks:", "grading_mode: strict\nchecks:")},
                           "grading_mode: unknown key"),
    "rubric_impossible_deadline": ({"rubric": ('"2025-10-31 23:59:00', '"2025-02-30 23:59:00')},
                                   "deadline: cannot read"),
    "out_not_writable": ({"out": "parent_is_a_file"}, "not writable"),
}


@pytest.mark.parametrize("case", SETUP_CASES)
def test_broken_setup_is_a_one_line_error(case, tmp_path, easy_data, capsys):
    change, fragment = SETUP_CASES[case]
    rubric, data, out = TEST_RUBRIC, Path(easy_data), tmp_path / "out"
    if "rubric" in change:
        rubric = _rubric(tmp_path, *change["rubric"])
    if change.get("data") == "missing":
        data = tmp_path / "missing.pkl.gz"
    elif "data" in change:
        data = _data(tmp_path, change["data"], easy_data)
    if "out" in change:                  # root ignores permissions: a file where a folder must be
        (tmp_path / "a_file").write_text("")
        out = tmp_path / "a_file" / "out"
    rc = _grade(_broken_subs(tmp_path), out, rubric, data)
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("grader grade: error:"), err
    assert fragment in err and "Traceback" not in err, err


def test_disk_full_leaves_no_partial_files_and_keeps_earlier_results(kernel, tmp_path, easy_data,
                                                                     monkeypatch, capsys):
    import errno

    from grader.report import atomic
    subs, out = _broken_subs(tmp_path), tmp_path / "out"
    assert _grade(subs, out, TEST_RUBRIC, easy_data) == 1           # earlier results
    earlier = {p.relative_to(out): p.read_bytes() for p in out.rglob("*")
               if p.is_file() and "cache" not in p.parts}
    assert Path("grades.csv") in earlier

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(atomic.os, "fsync", full)
    capsys.readouterr()
    rc = _grade(subs, out, TEST_RUBRIC, easy_data)
    monkeypatch.undo()
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "the disk is full" in err and len(err.splitlines()) == 1, err
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    for rel, data in earlier.items():           # in place, or moved aside intact
        copies = [out / rel] + [d / rel for d in (out / "previous").glob("*")]
        assert any(c.is_file() and c.read_bytes() == data for c in copies), rel


# --- what the kernel writes is data: crafted probe output never hurts the grader ----

def _probe_files(folder: Path, nonce="n" * 32, meta=None, arrays=None):
    import numpy as np
    stem = folder / f"out-{nonce}"
    stem.with_suffix(".json").write_text(json.dumps(meta or {"nonce": nonce, "found": {}}))
    with open(stem.with_suffix(".npz"), "wb") as fh:
        np.savez(fh, **(arrays or {"net/0": np.ones(5)}))
    return stem


def test_crafted_probe_output_is_refused_quickly(tmp_path):
    import numpy as np
    read = artifacts.read_probe_output
    nonce = "n" * 32
    good = _probe_files(tmp_path, nonce)
    assert read(good, nonce)[2] == "" and "net/0" in read(good, nonce)[1]
    assert "not written by this run" in read(good, "x" * 32)[2]
    cases = {}
    d = tmp_path / "link"
    d.mkdir()
    stem = _probe_files(d, nonce)
    stem.with_suffix(".json").unlink()
    stem.with_suffix(".json").symlink_to(good.with_suffix(".json"))
    cases["symlink"] = stem
    d = tmp_path / "fifo"
    d.mkdir()
    stem = _probe_files(d, nonce)
    stem.with_suffix(".json").unlink()
    os.mkfifo(stem.with_suffix(".json"))           # a reader that blocks would hang the batch
    cases["fifo"] = stem
    d = tmp_path / "bomb"
    d.mkdir()
    stem = _probe_files(d, nonce)
    stem.with_suffix(".json").write_text("[" * 200_000 + "]" * 200_000)
    cases["nesting bomb"] = stem
    d = tmp_path / "huge"
    d.mkdir()
    stem = _probe_files(d, nonce)
    with open(stem.with_suffix(".json"), "r+b") as fh:
        fh.truncate(artifacts.MAX_META_BYTES + 1)
    cases["oversized"] = stem
    d = tmp_path / "pickle"
    d.mkdir()
    stem = _probe_files(d, nonce, arrays={"net/0": np.array([{"a": 1}], dtype=object)})
    cases["pickled objects"] = stem
    d = tmp_path / "zipbomb"
    d.mkdir()
    stem = _probe_files(d, nonce)
    import zipfile
    with zipfile.ZipFile(stem.with_suffix(".npz"), "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("net/0.npy", "w", force_zip64=True) as fh:
        n = (artifacts.MAX_ARRAYS_BYTES // 8) + 1024
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (n,)})
        for _ in range(n * 8 // 2**20 + 1):
            fh.write(bytes(2**20))
    assert stem.with_suffix(".npz").stat().st_size < 2**20      # tiny, unpacks to > 200 MB
    cases["zip bomb"] = stem
    d = tmp_path / "hardlink"
    d.mkdir()
    os.link(good.with_suffix(".json"), d / f"out-{nonce}.json")
    os.link(good.with_suffix(".npz"), d / f"out-{nonce}.npz")
    cases["hard link"] = d / f"out-{nonce}"
    for what, stem in cases.items():
        got = []                          # in a thread: a read that blocks fails, not hangs
        t = threading.Thread(target=lambda: got.append(read(stem, nonce)), daemon=True)
        t.start()
        t.join(10)
        assert got, f"{what}: reading took over 10 s"
        meta, arrays, problem = got[0]
        assert (meta, arrays) == ({}, {}) and problem.startswith("probe output"), (what, problem)
    if os.geteuid() == 0:                        # a file of another uid than the kernel's
        assert "not written by the sandbox" in read(good, nonce, uid=uids.UID_BASE)[2]


def test_forged_counts_cannot_make_the_grader_loop():
    import numpy as np
    b = artifacts.Bundle(key="k", status="executed", arrays={"params/0": np.ones(3)},
                         probe={"found": {"params": 10**12, "x": True, "y": "array"}})
    t0 = time.monotonic()
    assert b.get_list("params") is None and b.get_list("x") is None
    assert b.get_list("missing") is None and time.monotonic() - t0 < 1
