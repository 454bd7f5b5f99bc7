"""Read and prepare the course data file ``dataG.pkl.gz``.

The file is a gzip'd pickle of ``(train_images_raw, train_labels,
test_images_raw, test_labels)``: images (N, 69, 69, 1) with values 0..255,
labels one-hot (N, K).

Security: unpickling runs code named in the file.  This loader is meant for
files an instructor supplies, and even then it only lets the pickle rebuild
numpy arrays and builtin containers (``SafeUnpickler``); anything else is
rejected before it can run.

With no file given, the built-in synthetic SDSS-like set is used
(``reference.synthetic``), generated once and cached on disk.
"""
from __future__ import annotations

import gzip
import io
import pickle
import zlib
from pathlib import Path

import numpy as np

from .atomic import atomic_write

IMAGE_SHAPE = (69, 69, 1)
COURSE_FILE_NAME = "dataG.pkl.gz"

_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("builtins", "tuple"), ("builtins", "list"), ("builtins", "dict"),
}


class DataFileError(ValueError):
    """A course data file that cannot be used; the message is one line."""


class SafeUnpickler(pickle.Unpickler):
    """Unpickler that can only build numpy arrays and builtin containers."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused to load {module}.{name}")


def _fail(path, problem):
    return DataFileError(f"{path}: {problem}")


def read_raw(path):
    """Return the 4-tuple stored in ``path`` after full validation."""
    path = Path(path)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise _fail(path, "file not found") from None
    except OSError as exc:
        raise _fail(path, f"cannot read file ({exc.strerror})") from None
    if blob[:2] != b"\x1f\x8b":
        raise _fail(path, "not a gzip file (expected a gzip'd pickle)")
    try:
        raw = gzip.decompress(blob)
    except EOFError:
        raise _fail(path, f"gzip data ends early after {len(blob)} bytes "
                          "(the file is truncated: copy it again)") from None
    except (OSError, zlib.error) as exc:
        raise _fail(path, f"corrupt gzip data ({exc})") from None
    try:
        obj = SafeUnpickler(io.BytesIO(raw)).load()
    except pickle.UnpicklingError as exc:
        raise _fail(path, f"not a safe pickle of numpy arrays ({exc})") from None
    except Exception as exc:  # truncated or garbled streams raise many types
        raise _fail(path, f"not a readable pickle ({type(exc).__name__}: {exc})") from None
    validate(obj, path)
    return obj


def validate(obj, path="<data>"):
    """Check the course layout; raise DataFileError naming the first problem."""
    if not isinstance(obj, (tuple, list)) or len(obj) != 4:
        what = f"a {type(obj).__name__} of length {len(obj)}" if isinstance(obj, (tuple, list)) \
            else f"a {type(obj).__name__}"
        raise _fail(path, f"expected a 4-tuple (train_images, train_labels, test_images, "
                          f"test_labels), found {what}")
    names = ("train_images_raw", "train_labels", "test_images_raw", "test_labels")
    for name, arr in zip(names, obj):
        if not isinstance(arr, np.ndarray):
            raise _fail(path, f"{name} is a {type(arr).__name__}, expected a numpy array")
    for name, arr in zip(names[0::2], obj[0::2]):
        _check_images(path, name, arr)
    for name, arr in zip(names[1::2], obj[1::2]):
        _check_labels(path, name, arr)
    for split, (x, y) in (("train", obj[:2]), ("test", obj[2:])):
        if len(x) != len(y):
            raise _fail(path, f"{split} set has {len(x)} images but {len(y)} labels")
    if obj[1].shape[1] != obj[3].shape[1]:
        raise _fail(path, f"train labels have {obj[1].shape[1]} classes but test labels "
                          f"have {obj[3].shape[1]}")


def _check_images(path, name, arr):
    if arr.ndim != 4 or arr.shape[1:] != IMAGE_SHAPE:
        raise _fail(path, f"{name} has shape {arr.shape}, expected (N, 69, 69, 1)")
    if arr.shape[0] == 0:
        raise _fail(path, f"{name} is empty")
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise _fail(path, f"{name} has dtype {arr.dtype}, expected uint8 or a number type")
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise _fail(path, f"{name} contains NaN or infinite values")
    lo, hi = arr.min(), arr.max()
    if lo < 0 or hi > 255:
        raise _fail(path, f"{name} values span {lo}..{hi}, expected 0..255")


def _check_labels(path, name, arr):
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise _fail(path, f"{name} has shape {arr.shape}, expected one-hot (N, K)")
    if arr.shape[0] == 0:
        raise _fail(path, f"{name} is empty")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
            or arr.dtype == bool):
        raise _fail(path, f"{name} has dtype {arr.dtype}, expected numbers")
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise _fail(path, f"{name} contains NaN or infinite values")
    bad = ~(np.all((arr == 0) | (arr == 1), axis=1) & (arr.sum(axis=1) == 1))
    if bad.any():
        row = int(np.argmax(bad))
        raise _fail(path, f"{name} row {row} is not one-hot: {arr[row].tolist()}")


def prepare(images_raw, labels):
    """Flatten images to 4761-vectors scaled by 1/256 (the course's recipe)."""
    raw = np.asarray(images_raw)
    x = np.multiply(raw.reshape(len(raw), -1), np.float32(1 / 256), dtype=np.float32)
    return x, np.asarray(labels, dtype=np.float32)


def load_prepared(path):
    """(train_x, train_y, test_x, test_y) ready for the network.  The caller
    chooses the file (the built-in synthetic set: ``synthetic.cached_default()``)."""
    tr_img, tr_lab, te_img, te_lab = read_raw(path)
    return (*prepare(tr_img, tr_lab), *prepare(te_img, te_lab))


def write_course_file(path, train_images, train_labels, test_images, test_labels):
    """Write the 4-tuple in the course layout, atomically (``reference.atomic``),
    with reproducible bytes (no time stamp in the gzip header)."""
    def write(raw):
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as fh:
            pickle.dump((train_images, train_labels, test_images, test_labels), fh, protocol=4)
    return atomic_write(path, write)
