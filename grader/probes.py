"""Probe inputs: the one maker of the arrays the student's functions are called on.

``make``: the grader's, drawn from the rubric's private probe seed and the batch's
data.  They are handed to the student's kernel only after all student cells ran,
so no student code can see them in advance; the trusted reference answers for the
same inputs are computed in the grader's process (``grader.checks.context``).

``public_inputs``: the students' self-check's (``grader.release``), drawn from a
public seed (never the rubric's) with random images, so no data file is needed.

Both draw their parameters with ``random_params``, in the reference model's shapes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reference.model import HIDDEN, N_CLASSES, N_PIXELS

from .run.protocol import PARAMS

N_DIRECTIONS = 3
FD_STEP = 1e-2
N_ROWS = 5
N_FC = 200

PUBLIC_SEED = 4242            # the self-check's public inputs; never the rubric's probe seed
PUBLIC_IMAGES, PUBLIC_FC, PUBLIC_BATCH = 4, 40, 4


@dataclass
class ProbeSet:
    inputs: dict          # arrays handed to the kernel
    test_x: np.ndarray    # prepared test images, for the grader's own accuracy
    test_y: np.ndarray
    train_x: np.ndarray   # the kernel's training images, prepared (diagnoses only)
    train_y: np.ndarray
    train_rows: np.ndarray   # prepared training rows at inputs["rows_train"]
    test_rows: np.ndarray
    train_labels_rows: np.ndarray
    test_labels_rows: np.ndarray


def random_params(rng, *, n_in: int = N_PIXELS, n_out: int = N_CLASSES,
                  d: int = HIDDEN) -> list:
    """W1, b1, W2, b2 as 0.1 times standard normal draws from ``rng`` (float32)."""
    return [0.1 * rng.standard_normal(s).astype(np.float32)
            for s in ((d, n_in), (d,), (n_out, d), (n_out,))]


def make(prepared, *, seed: int, n_images: int, batch_size: int) -> ProbeSet:
    """Probe inputs for one batch; ``prepared`` = (train_x, train_y, test_x, test_y)."""
    tx, ty, vx, vy = prepared
    rng = np.random.default_rng(seed)
    params = random_params(rng, n_in=tx.shape[1], n_out=ty.shape[1])
    pick = rng.choice(len(vx), size=n_images, replace=False)
    dirs = [rng.standard_normal(p.shape).astype(np.float32)
            for _ in range(N_DIRECTIONS) for p in params]
    for j in range(N_DIRECTIONS):           # each direction has unit norm overall
        block = dirs[4 * j:4 * j + 4]
        norm = np.sqrt(sum(float(np.sum(b.astype(np.float64) ** 2)) for b in block))
        dirs[4 * j:4 * j + 4] = [b / norm for b in block]
    fc = rng.choice(len(vx), size=min(N_FC, len(vx)), replace=False)
    batch = rng.choice(len(tx), size=batch_size, replace=False)
    rows_train = np.sort(rng.choice(len(tx), size=min(N_ROWS, len(tx)), replace=False))
    rows_test = np.sort(rng.choice(len(vx), size=min(N_ROWS, len(vx)), replace=False))
    inputs = {**dict(zip(PARAMS, params)),
              "images": vx[pick], "labels": vy[pick],
              "directions": dirs,
              "fd_step": np.array([FD_STEP]),
              "fc_images": vx[fc], "fc_labels": vy[fc],
              "batch_images": tx[batch], "batch_labels": ty[batch],
              "rows_train": rows_train, "rows_test": rows_test}
    return ProbeSet(inputs=inputs, test_x=vx, test_y=vy, train_x=tx, train_y=ty, train_rows=tx[rows_train],
                    test_rows=vx[rows_test], train_labels_rows=ty[rows_train],
                    test_labels_rows=vy[rows_test])


def public_inputs(seed: int = PUBLIC_SEED) -> dict:
    """Random parameters and images in the course layout, drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    params = random_params(rng)

    def images(n):
        return (rng.integers(0, 256, (n, N_PIXELS)) / 256).astype(np.float32)

    def labels(n):
        return np.eye(N_CLASSES, dtype=np.float32)[rng.integers(0, N_CLASSES, n)]

    return {**dict(zip(PARAMS, params)),
            "images": images(PUBLIC_IMAGES), "labels": labels(PUBLIC_IMAGES),
            "fc_images": images(PUBLIC_FC), "fc_labels": labels(PUBLIC_FC),
            "batch_images": images(PUBLIC_BATCH), "batch_labels": labels(PUBLIC_BATCH)}


def params_of(inputs) -> list:
    return [inputs[k] for k in PARAMS]


def save(inputs: dict, path: Path) -> Path:
    """Write inputs for the kernel; the ragged directions go as dir0, dir1, ..."""
    flat = {k: v for k, v in inputs.items() if k != "directions"}
    np.savez(path, **flat, **{f"dir{i}": d for i, d in enumerate(inputs["directions"])})
    return path
