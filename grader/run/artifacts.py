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
import stat
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from .compact import Sketch
from .protocol import FIGURES_BYTES

BUNDLE_FORMAT = 6                 # 3: history candidates, steps; 4: sketched gradients,
                                  # compressed; 5: parameter candidates, the code's reading;
                                  # 6: the pictures of the cells that drew figures
MAX_ARRAYS_BYTES = 200 * 1024 * 1024
# Members of a probe output (each costs ~60 us and 1.5 KB on every read, however small).
# The probe writes at most 48 per probe image (net, loss, loss_grad: up to 16 items of a
# returned list each) and 202 more: 490 with the rubric's 6 images, about 60 with plain
# returns.  A bundle keeps at most twice as many (a sketched gradient is two members).
MAX_ARRAYS = 4096
_ENTRY_BYTES = 256      # one member's directory entry, generously (46 bytes, name, zip64)


@dataclass
class Bundle:
    key: str
    status: str                       # "executed", "invalid", "error" (the grader's fault)
    reason: str = ""                  # why, when not executed
    cells: list = field(default_factory=list)   # {index, status, seconds, error}
    probe: dict = field(default_factory=dict)   # metadata written by the probe cell
    arrays: dict = field(default_factory=dict)  # name -> np.ndarray or compact.Sketch
    seconds: float = 0.0
    protections: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)   # phase seconds, peak memory (MB)
    code: dict = field(default_factory=dict)    # the grader's reading of the student's code
    images: dict = field(default_factory=dict)  # cell ordinal (str) -> [base64 PNG the
                                                # grader received], cells with figure records
    cached: bool = field(default=False, compare=False)   # read from the cache by this run,
                                                          # not executed now (never stored)

    def meta(self) -> dict:
        d = asdict(replace(self, arrays={}))
        d.pop("arrays")
        d.pop("cached")
        d["format"] = BUNDLE_FORMAT
        d["sketches"] = {k: {"shape": list(v.shape), "seed": v.seed, "part": v.part,
                             "finite": v.finite}
                         for k, v in self.arrays.items() if isinstance(v, Sketch)}
        return d

    def get_list(self, key):
        """A list-valued probe output (``key/0``, ``key/1``, ...) or None."""
        found = self.probe.get("found") if isinstance(self.probe, dict) else None
        n = found.get(key) if isinstance(found, dict) else None
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= len(self.arrays):
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


def arrays_digest(arrays) -> str | None:
    """The arrays' dtypes, shapes and bytes, digested; None when one is not numbers
    (an object array's bytes are addresses)."""
    h = hashlib.sha256()
    try:
        for value in arrays:
            a = np.ascontiguousarray(value)
            if a.dtype.kind not in "biuf":
                return None
            h.update(repr((a.dtype.str, a.shape)).encode())
            h.update(memoryview(a).cast("B"))
    except (TypeError, ValueError):
        return None
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
            np.savez_compressed(fh, **_flat_arrays(bundle.arrays))
        (tmp / "bundle.json").write_text(json.dumps(bundle.meta(), default=str))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _flat_arrays(arrays: dict) -> dict:
    """Plain arrays for the npz: a sketch's arrays under ``<key>#sample``/``#dots``."""
    flat = {}
    for k, v in arrays.items():
        if isinstance(v, Sketch):
            flat[f"{k}#sample"], flat[f"{k}#dots"] = v.sample, v.dots
        else:
            flat[k] = v
    return flat


def _with_sketches(arrays: dict, sketches: dict) -> dict:
    for k, m in sketches.items():
        arrays[k] = Sketch(shape=tuple(int(n) for n in m["shape"]), seed=int(m["seed"]),
                           part=int(m["part"]), sample=arrays.pop(f"{k}#sample"),
                           dots=arrays.pop(f"{k}#dots"), finite=bool(m["finite"]))
    return arrays


def load(cache: Path, key: str) -> Bundle | None:
    """The cached bundle, or None if absent or unreadable (then it is re-run)."""
    folder = cache / key
    try:
        meta = json.loads((folder / "bundle.json").read_text())
        if meta.pop("format", None) != BUNDLE_FORMAT:
            return None
        sketches = meta.pop("sketches", {})
        meta.pop("cached", None)
        with open(folder / "arrays.npz", "rb") as fh:
            _members(fh, 2 * MAX_ARRAYS).close()
            with np.load(fh, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        return Bundle(arrays=_with_sketches(arrays, sketches), cached=True, **meta)
    except (OSError, ValueError, TypeError, KeyError):
        return None


MAX_META_BYTES = 2 * FIGURES_BYTES    # a probe record's JSON: bounds what parsing it costs


def _open_plain(path: Path, uid: int | None, limit: int):
    """Open a file the kernel wrote: no link followed, never blocks (FIFOs),
    only a regular file of the kernel's own uid, at most ``limit`` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    fh = os.fdopen(fd, "rb")
    st = os.fstat(fd)
    why = ("not a regular file" if not stat.S_ISREG(st.st_mode) else
           "not written by the sandbox" if uid is not None and st.st_uid != uid else
           "hard-linked" if st.st_nlink != 1 else
           "too large" if st.st_size > limit else "")
    if why:
        fh.close()
        raise _Refused(why)
    return fh


class _Refused(ValueError):
    pass


def _members(fh, limit: int) -> zipfile.ZipFile:
    """The .npz opened as a zip archive of at most ``limit`` members.  Its end record
    (count and directory size, read the way zipfile reads them) is checked first, so a
    directory of 300,000 entries is refused before it is parsed; the count parsed is
    checked too (an end record can lie)."""
    end = zipfile._EndRecData(fh)
    if end is not None and (end[zipfile._ECD_ENTRIES_TOTAL] > limit or
                            end[zipfile._ECD_SIZE] > limit * _ENTRY_BYTES):
        raise _Refused(f"more than {limit:,} arrays")
    fh.seek(0)
    zf = zipfile.ZipFile(fh)
    if len(zf.infolist()) > limit:
        zf.close()
        raise _Refused(f"more than {limit:,} arrays")
    fh.seek(0)
    return zf


def valid_text(value, depth=0):
    """``value`` with every string made valid Unicode (a lone surrogate such as
    ``"\\ud800"``, legal in JSON, shown as ``\\ud800``): text from a kernel enters the
    grader through this, so no report can fail to encode it."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if depth > 64:                     # deeper than any real probe output: dropped
        return None
    if isinstance(value, dict):
        return {valid_text(k, depth + 1): valid_text(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [valid_text(v, depth + 1) for v in value]
    return value


def read_probe_output(stem: Path, nonce: str, uid: int | None = None) -> tuple[dict, dict, str]:
    """Read what the probe cell wrote; anything forged or oversized is dropped; its
    text is made valid (``valid_text``)."""
    try:
        with _open_plain(stem.with_suffix(".json"), uid, MAX_META_BYTES) as fh:
            text = fh.read(MAX_META_BYTES + 1)
        if not text:
            raise FileNotFoundError
        meta = valid_text(json.loads(text))
        if not isinstance(meta, dict) or meta.get("nonce") != nonce:
            return {}, {}, "probe output missing or not written by this run's probe"
        for k, kind in (("errors", dict), ("found", dict), ("figures", list)):
            meta[k] = meta[k] if isinstance(meta.get(k), kind) else kind()
        with _open_plain(stem.with_suffix(".npz"), uid, MAX_ARRAYS_BYTES) as fh:
            with _members(fh, MAX_ARRAYS) as zf:   # what the entries unpack to, before np.load
                if sum(i.file_size for i in zf.infolist()) > MAX_ARRAYS_BYTES:
                    raise _Refused("arrays too large")
            fh.seek(0)
            npz = np.load(fh, allow_pickle=False)
            arrays = {}
            for k in npz.files:
                arr = np.asarray(npz[k])
                if arr.dtype.kind not in "biuf":
                    raise _Refused(f"array {k[:40]!r} is not numeric")
                arrays[k] = arr
            npz.close()
        return meta, arrays, str(meta["errors"].get("probe", ""))[:400]
    except FileNotFoundError:
        return {}, {}, "probe output missing (the probe cell did not finish)"
    except _Refused as exc:
        return {}, {}, f"probe output refused ({exc})"
    except (OSError, ValueError, TypeError, RecursionError, MemoryError, EOFError) as exc:
        return {}, {}, f"probe output unreadable ({type(exc).__name__})"
    except Exception as exc:  # a crafted file must never stop the batch
        return {}, {}, f"probe output unreadable ({type(exc).__name__})"
