"""Shared fixtures: small data sets and the real SDSS sample when it is beside the checkout."""
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_SAMPLE = ROOT.parent / "shared" / "data" / "sdss_gz1_5class.pkl.gz"


@pytest.fixture(scope="session")
def real_sample():
    """Path of the real SDSS sample (CI has ../shared beside the checkout)."""
    if not REAL_SAMPLE.exists():
        pytest.skip(f"real sample not found at {REAL_SAMPLE}")
    return REAL_SAMPLE


def tiny_arrays(n_train=40, n_test=10, k=5, seed=0):
    """A tiny valid data set in the course layout (random pixels)."""
    rng = np.random.default_rng(seed)
    def split(n):
        img = rng.integers(0, 256, size=(n, 69, 69, 1), dtype=np.uint8)
        lab = np.eye(k, dtype=np.float32)[rng.integers(0, k, n)]
        return img, lab
    return (*split(n_train), *split(n_test))
