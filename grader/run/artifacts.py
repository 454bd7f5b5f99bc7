"""The artifact bundle: everything execution learned about one submission.

A bundle is a folder ``<cache>/<key>/`` with ``bundle.json`` (cells, errors,
timings, figures, probe metadata) and ``arrays.npz`` (probe outputs and the
student's trained parameters).  It is written atomically (temp folder, then
rename) and read back with ``allow_pickle=False``.  The key hashes the
notebook, the data and everything in the rubric that changes *execution*,
never points or thresholds: re-scoring after a rubric change reuses it.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

BUNDLE_FORMAT = 1
MAX_ARRAYS_BYTES = 200 * 1024 * 1024


@dataclass
class Bundle:
    key: str
    status: str                       # "executed", "invalid", "refused", "error"
    reason: str = ""                  # why, when not executed
    cells: list = field(default_factory=list)   # {index, status, seconds, error}
    probe: dict = field(default_factory=dict)   # metadata written by the probe cell
    arrays: dict = field(default_factory=dict)  # name -> np.ndarray
    seconds: float = 0.0
    protections: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def meta(self) -> dict:
        d = asdict(self)
        d.pop("arrays")
        d["format"] = BUNDLE_FORMAT
        return d

    def get_list(self, key):
        """A list-valued probe output (``key/0``, ``key/1``, ...) or None."""
        n = self.probe.get("found", {}).get(key)
        if not isinstance(n, int):
            return None
        items = [self.arrays.get(f"{key}/{i}") for i in range(n)]
        return None if any(i is None for i in items) else items


def file_digest(path: Path | None) -> str:
    if path is None:
        return "none"
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_key(notebook_bytes: bytes, data_digest: str, execution_settings: dict,
              version: str) -> str:
    h = hashlib.sha256()
    for part in (notebook_bytes, data_digest.encode(), version.encode(),
                 json.dumps(execution_settings, sort_keys=True, default=str).encode()):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:32]


def save(bundle: Bundle, cache: Path) -> Path:
    final = cache / bundle.key
    tmp = Path(tempfile.mkdtemp(prefix=f".{bundle.key}.", dir=cache))
    try:
        with open(tmp / "arrays.npz", "wb") as fh:
            np.savez(fh, **bundle.arrays)
        (tmp / "bundle.json").write_text(json.dumps(bundle.meta(), default=str))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def load(cache: Path, key: str) -> Bundle | None:
    """The cached bundle, or None if absent or unreadable (then it is re-run)."""
    folder = cache / key
    try:
        meta = json.loads((folder / "bundle.json").read_text())
        if meta.pop("format", None) != BUNDLE_FORMAT:
            return None
        with np.load(folder / "arrays.npz", allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        return Bundle(arrays=arrays, **meta)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def read_probe_output(stem: Path, nonce: str) -> tuple[dict, dict, str]:
    """Read what the probe cell wrote; anything forged or oversized is dropped."""
    try:
        meta = json.loads(stem.with_suffix(".json").read_text()[:50_000_000])
        if not isinstance(meta, dict) or meta.get("nonce") != nonce:
            return {}, {}, "probe output missing or not written by this run's probe"
        npz_path = stem.with_suffix(".npz")
        if npz_path.stat().st_size > MAX_ARRAYS_BYTES:
            return meta, {}, "probe arrays too large"
        with np.load(npz_path, allow_pickle=False) as npz:
            arrays = {k: np.asarray(npz[k]) for k in npz.files}
        return meta, arrays, ""
    except (OSError, ValueError, TypeError) as exc:
        return {}, {}, f"probe output unreadable ({type(exc).__name__})"
