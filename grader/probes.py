"""Grader-chosen probe inputs, drawn from the rubric's probe seed.

They are handed to the student's kernel only after all student cells ran,
so no student code can see them in advance.  ``Truth`` holds the trusted
reference answers for the same inputs, computed in the grader's process.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .run.protocol import PARAMS

N_DIRECTIONS = 3
FD_STEP = 1e-2
N_ROWS = 5
N_FC = 200


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


def make(prepared, *, seed: int, n_images: int, batch_size: int) -> ProbeSet:
    """Probe inputs for one batch; ``prepared`` = (train_x, train_y, test_x, test_y)."""
    tx, ty, vx, vy = prepared
    rng = np.random.default_rng(seed)
    d, n_in, n_out = 100, tx.shape[1], ty.shape[1]
    params = [0.1 * rng.standard_normal(s).astype(np.float32)
              for s in ((d, n_in), (d,), (n_out, d), (n_out,))]
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


def params_of(inputs) -> list:
    return [inputs[k] for k in PARAMS]


def save(inputs: dict, path: Path) -> Path:
    """Write inputs for the kernel; the ragged directions go as dir0, dir1, ..."""
    flat = {k: v for k, v in inputs.items() if k != "directions"}
    np.savez(path, **flat, **{f"dir{i}": d for i, d in enumerate(inputs["directions"])})
    return path
