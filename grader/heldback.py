"""The private batch seed and the galaxies the kernel never sees.

- The probe inputs and the held-back galaxies are drawn from one batch seed.
  A rubric may name it (``probes.seed``: test rubrics, reproductions); the
  course rubric does not, and then it is a secret kept in the grader's cache
  folder (``probe-secret``, created once, mode 0600), never in a file a
  student gets.  TAs who grade on several machines copy that one file.
- Held-back galaxies, in order of preference: the rubric's ``hidden_file``;
  for the built-in synthetic set, galaxies drawn from the same generator with
  a seed derived from the batch seed; for any other data file (the course
  file), a seeded slice of the *training* set withheld from the kernel's copy
  (``hidden_fraction``; the test set stays whole, so the accuracy students
  see stays comparable with the lecture's).  See docs/security.md.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import numpy as np

from reference import data as ref_data
from reference import synthetic

from . import datafiles
from .errors import InputError

SECRET_NAME = "probe-secret"
N_SYNTHETIC_HIDDEN = 1000


def secret_path() -> Path:
    """Where the private probe secret lives: $GALAXY_GRADER_SECRET, else the cache."""
    return Path(os.environ.get("GALAXY_GRADER_SECRET") or synthetic.cache_dir() / SECRET_NAME)


def batch_seed(explicit: int | None) -> int:
    """The rubric's seed, else the grader's private secret (made on first use)."""
    if explicit is not None:
        return int(explicit)
    path = secret_path()
    try:
        return int(path.read_text().strip())
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: unreadable probe secret ({exc})") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{SECRET_NAME}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"{secrets.randbits(62)}\n")
    try:
        os.link(tmp, path)                 # first writer wins; others read its value
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return int(path.read_text().strip())


def _derived(seed: int, purpose: int) -> int:
    return int(np.random.SeedSequence([seed, purpose]).generate_state(1, np.uint64)[0] >> 1)


def kernel_data_and_hidden(source: Path | None, *, hidden_file: Path | None, fraction: float,
                           seed: int):
    """(data file the kernel gets, (hidden_x, hidden_y) prepared, how it was chosen)."""
    data_file = Path(source or synthetic.cached_default()).resolve()
    if hidden_file is not None:
        hx, hy, _, _ = datafiles.load_prepared(hidden_file)
        return data_file, (hx, hy), f"held-back file {hidden_file.name}"
    if source is None:
        img, lab = datafiles.drawn(N_SYNTHETIC_HIDDEN, _derived(seed, 1))
        return data_file, ref_data.prepare(img, lab), \
            f"{N_SYNTHETIC_HIDDEN} galaxies from the generator with a private seed"
    return _withhold(data_file, fraction, seed)


def _withhold(data_file: Path, fraction: float, seed: int):
    tr_img, tr_lab, te_img, te_lab = datafiles.read_raw(data_file)
    n = len(tr_img)
    k = max(1, min(n - 1, round(n * fraction)))
    rng = np.random.default_rng(_derived(seed, 2))
    held = np.zeros(n, bool)
    held[rng.choice(n, size=k, replace=False)] = True
    from .run.artifacts import file_digest
    tag = hashlib.sha256(f"{file_digest(data_file)}:{seed}:{k}".encode()).hexdigest()[:24]
    copy = synthetic.cache_dir() / "withheld" / f"{tag}.pkl.gz"
    if not copy.exists():
        copy.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        ref_data.write_course_file(copy, tr_img[~held], tr_lab[~held], te_img, te_lab)
        os.chmod(copy, 0o644)
    return copy, ref_data.prepare(tr_img[held], tr_lab[held]), \
        f"{k} training galaxies withheld from the notebook's copy"
