"""Course data files read once per content, the built-in held-back galaxies drawn once.

Reading a course file is a gzip'd pickle decompressed, unpickled and validated: about
a second for the built-in set, paid by every grading run and twice when galaxies are
withheld (the course file, then the kernels' copy); drawing the built-in set's held-back
galaxies takes most of a second more.  The arrays are kept as ``.npy`` files in the
grader's own cache folder (``synthetic.cache_dir()``, mode 0700 like the probe secret
beside it: never reachable from a kernel) under the file's SHA-256, or under a digest of
the generator's version and private seed, so a re-score reads them back in a fraction of
that.  What is read back is validated again, and anything that does not load or validate
is made anew; at most ``KEEP`` entries are kept, the least recently used going first.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import numpy as np

from reference import data as ref_data, synthetic

from .run.artifacts import file_digest

KEEP = 6


def _folder(digest: str) -> Path:
    return synthetic.cache_dir() / "raw" / digest[:40]


def _kept(digest: str, make, check):
    """The arrays kept under ``digest`` when they load and pass ``check`` (which raises
    ValueError or DataFileError on anything wrong), else ``make()``, kept now."""
    folder = _folder(digest)
    try:
        n = len(list(folder.glob("*.npy")))
        obj = tuple(np.load(folder / f"{i}.npy", allow_pickle=False) for i in range(n))
        check(obj)
        os.utime(folder)                   # recently used: kept longest
        return obj
    except (OSError, ValueError, ref_data.DataFileError):
        pass
    obj = make()
    _store(folder, obj)
    return obj


def _store(folder: Path, obj) -> None:
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.rmtree(folder, ignore_errors=True)      # one that did not read back
        tmp.mkdir(mode=0o700)
        for i, a in enumerate(obj):
            np.save(tmp / f"{i}.npy", np.asarray(a), allow_pickle=False)
        os.replace(tmp, folder)
    except OSError:
        pass                               # a read-only or full cache costs time only
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _prune(folder.parent)


def _prune(root: Path) -> None:
    """The ``KEEP`` most recently used entries stay; so do folders still being written,
    unless a killed run left them over an hour ago."""
    try:
        entries = [(d, d.stat().st_mtime) for d in root.iterdir()]
    except OSError:
        return
    kept = sorted((e for e in entries if not e[0].name.startswith(".")),
                  key=lambda e: e[1], reverse=True)
    stale = [d for d, t in entries if d.name.startswith(".") and t < time.time() - 3600]
    for old in [d for d, _ in kept[KEEP:]] + stale:
        shutil.rmtree(old, ignore_errors=True)


def read_raw(path) -> tuple:
    """``reference.data.read_raw(path)``: the same validated arrays (one-line errors
    naming the file), from the cache when this content was read before."""
    path = Path(path)
    try:
        digest = file_digest(path)
    except OSError:
        return ref_data.read_raw(path)     # its one-line error names the file
    return _kept(digest, lambda: ref_data.read_raw(path),
                 lambda obj: ref_data.validate(obj, path))


def _is_drawn(obj, n: int) -> None:
    images, labels = obj
    ok = images.shape == (n, *ref_data.IMAGE_SHAPE) and images.dtype == np.uint8 and \
        labels.shape == (n, len(synthetic.CLASS_NAMES)) and labels.dtype == np.float32 and \
        bool(np.all(labels.sum(axis=1) == 1)) and bool(np.all((labels == 0) | (labels == 1)))
    if not ok:
        raise ValueError("not the galaxies drawn")


def drawn(n: int, seed: int) -> tuple:
    """(images, labels) of ``n`` built-in galaxies drawn with ``seed`` (the batch's
    private held-back set): ``synthetic.generate``'s test split, drawn once per seed."""
    what = f"synthetic-drawn:{synthetic.GENERATOR_VERSION}:{n}:{seed}"
    return _kept(hashlib.sha256(what.encode()).hexdigest(),
                 lambda: synthetic.generate(n_train=0, n_test=n, seed=seed)[2:],
                 lambda obj: _is_drawn(obj, n))


def load_prepared(path) -> tuple:
    """``reference.data.load_prepared(path)``, reading through the cache."""
    tr_img, tr_lab, te_img, te_lab = read_raw(path)
    return (*ref_data.prepare(tr_img, tr_lab), *ref_data.prepare(te_img, te_lab))
