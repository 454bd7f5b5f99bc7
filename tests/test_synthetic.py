"""Tests for the synthetic SDSS-like galaxy set (reference.synthetic, reference.galaxies)."""
from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
import pytest

from reference import data, galaxies, synthetic

REAL_SAMPLE = Path(__file__).resolve().parents[2] / "shared/data/sdss_gz1_5class.pkl.gz"


@pytest.fixture(scope="module")
def small_set():
    return synthetic.generate(n_train=400, n_test=100, seed=7)


def test_same_seed_same_bytes_and_other_seed_differs():
    a = synthetic.generate(n_train=40, n_test=10, seed=3)
    b = synthetic.generate(n_train=40, n_test=10, seed=3)
    c = synthetic.generate(n_train=40, n_test=10, seed=4)
    assert all(x.tobytes() == y.tobytes() for x, y in zip(a, b))
    assert a[0].tobytes() != c[0].tobytes()


def test_course_layout(small_set):
    data.validate(small_set)
    tr_x, tr_y, te_x, te_y = small_set
    assert tr_x.dtype == np.uint8 and tr_x.shape == (400, 69, 69, 1)
    assert te_x.shape == (100, 69, 69, 1)
    assert tr_y.dtype == np.float32 and tr_y.shape == (400, 5) and te_y.shape == (100, 5)


def test_class_proportions_follow_galaxy10(small_set):
    assert len(synthetic.CLASS_NAMES) == len(synthetic.CLASS_FRACTIONS) == 5
    assert sum(synthetic.CLASS_FRACTIONS) == pytest.approx(1.0)
    assert max(synthetic.CLASS_FRACTIONS) == pytest.approx(6997 / 19405)
    for labels in small_set[1::2]:
        counts = labels.sum(axis=0)
        expected = np.array(synthetic.CLASS_FRACTIONS) * len(labels)
        assert np.all(np.abs(counts - expected) <= 1), (counts, expected)


def test_splits_are_shuffled(small_set):
    labels = small_set[1].argmax(axis=1)
    assert np.count_nonzero(np.diff(labels)) > 100     # not sorted by class


def test_pixel_statistics_close_to_real_sample(small_set):
    if not REAL_SAMPLE.exists():
        pytest.skip(f"real SDSS sample not found at {REAL_SAMPLE}")
    real = data.read_raw(REAL_SAMPLE)[0].astype(np.float64)
    syn = small_set[0].astype(np.float64)
    for stat in (np.mean, np.std):
        ratio = stat(syn) / stat(real)
        assert 1 / 1.5 < ratio < 1.5, (stat.__name__, stat(syn), stat(real))
    # sky pixels near zero, bright cores well below saturation on average
    assert np.median(syn[:, :5, :5]) < 10
    assert 80 < np.median(syn.max(axis=(1, 2, 3))) < 200


def _ellipticity(images):
    """1 - b/a from intensity-weighted second moments of the pixels above sky."""
    img = images[..., 0].astype(np.float64)
    w = np.clip(img - 20.0, 0, None)
    y, x = np.mgrid[0:69, 0:69]
    tot = w.sum(axis=(1, 2))
    mx, my = (w * x).sum((1, 2)) / tot, (w * y).sum((1, 2)) / tot
    dx, dy = x - mx[:, None, None], y - my[:, None, None]
    qxx, qyy, qxy = ((w * d).sum((1, 2)) / tot for d in (dx * dx, dy * dy, dx * dy))
    root = np.sqrt(((qxx - qyy) / 2) ** 2 + qxy ** 2)
    lam1, lam2 = (qxx + qyy) / 2 + root, (qxx + qyy) / 2 - root
    return 1 - np.sqrt(lam2 / lam1)


def test_classes_differ_in_physical_shape(small_set):
    images, labels = small_set[0], small_set[1].argmax(axis=1)
    e = {k: np.median(_ellipticity(images[labels == k])) for k in range(5)}
    assert e[1] < 0.15                      # completely round
    assert e[1] + 0.1 < e[2]                # in-between is flatter
    assert e[3] > 0.5 and e[3] > e[2] + 0.2  # edge-on disks are streaks
    # spirals are big, disk-dominated galaxies: more bright pixels than round ones
    area = (images[..., 0] > 30).sum(axis=(1, 2))
    assert np.median(area[labels == 4]) > 1.3 * np.median(area[labels == 1])
    # sizes are circularised: in-between galaxies cover about as much sky as round
    # ones (as in the real sample), so the bright area is no clue to the axis ratio
    assert 0.85 < np.median(area[labels == 2]) / np.median(area[labels == 1]) < 1.25


def test_smooth_galaxy_radii_are_circularised():
    rng = np.random.default_rng(0)
    for k in (1, 2):
        p = synthetic._sample_class(k, 2000, rng)
        circ = p["b_re"] * np.sqrt(p["b_q"])        # sqrt(a b) with a = r_e, b = q r_e
        assert 5.0 - 1e-9 <= circ.min() and circ.max() <= 13.0 + 1e-9
        assert np.all(p["b_re"] >= circ)            # the major axis is never shorter


def test_sersic_is_normalised_at_half_light_radius():
    # brightness 1 at r_e, and r_e encloses half of the light
    r = np.linspace(0.01, 400, 400_000)
    for n in (1.0, 2.5, 4.0):
        u = np.stack([r])[:, None, :].astype(np.float32)
        prof = galaxies.sersic(u, np.zeros_like(u), [5.0], [n], core=0.0, cap=np.inf)[0, 0]
        assert prof[np.searchsorted(r, 5.0)] == pytest.approx(1.0, rel=1e-3)
        light = np.cumsum(prof * r)
        assert light[np.searchsorted(r, 5.0)] / light[-1] == pytest.approx(0.5, abs=0.01)


def test_seeing_conserves_flux_and_has_the_psf_width():
    img = galaxies.add_point_sources(np.zeros((2, 69, 69), np.float32), np.array([0, 1]),
                                     np.array([0.0, 3.0]), np.array([0.0, -2.0]),
                                     np.array([100.0, 50.0]))
    out = galaxies.seeing(img, np.array([1.0, 1.3]))
    assert out.sum(axis=(1, 2)) == pytest.approx([100.0, 50.0], rel=1e-4)
    y, x = np.mgrid[0:69, 0:69] - 34
    var_x = (out[0] * x ** 2).sum() / out[0].sum()
    assert var_x == pytest.approx(1.0, rel=0.02)


def test_cached_default_generates_once_then_reuses(tmp_path, monkeypatch):
    monkeypatch.setenv("GALAXY_GRADER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(synthetic, "CACHE_SIZES", (50, 10))
    path = synthetic.cached_default(seed=2)
    assert path.parent == tmp_path / "cache" and path.exists()
    assert f"v{synthetic.GENERATOR_VERSION}" in path.name and "seed2" in path.name
    tr_x, _, te_x, _ = data.read_raw(path)
    assert len(tr_x) == 50 and len(te_x) == 10
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temp left

    def boom(**kwargs):
        raise AssertionError("cached set was generated again")
    monkeypatch.setattr(synthetic, "generate", boom)
    assert synthetic.cached_default(seed=2) == path


def test_cli_writes_and_refuses_to_overwrite(tmp_path, capsys):
    out, grid = tmp_path / "d.pkl.gz", tmp_path / "grid.png"
    assert synthetic.main(["--out", str(out), "--n-train", "30", "--n-test", "10",
                           "--seed", "1", "--grid", str(grid)]) == 0
    assert str(out) in capsys.readouterr().out
    assert len(data.read_raw(out)[0]) == 30
    assert grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    before = out.read_bytes()
    assert synthetic.main(["--out", str(out), "--n-train", "20", "--n-test", "5"]) == 2
    err = capsys.readouterr().err
    assert "exists" in err and "--force" in err and err.count("\n") == 1
    assert out.read_bytes() == before
    assert synthetic.main(["--out", str(out), "--n-train", "20", "--n-test", "5", "--force"]) == 0
    assert len(data.read_raw(out)[0]) == 20


def _calibration_rows(cal, minimum, reference=0.78):
    steps = list(range(cal.RECORD_EVERY, cal.RECORD_EVERY * cal.REF_RECORDS + 1, cal.RECORD_EVERY))
    rows = []
    for seed, acc in enumerate(minimum):
        curve = [0.5] * (cal.MIN_RECORDS - 1) + [acc] + [reference] * (cal.REF_RECORDS - cal.MIN_RECORDS)
        rows.append(cal.seed_row(seed, curve, steps))
    return rows


def test_calibration_verdicts():
    from benchmarks import calibrate_synthetic as cal
    rows = _calibration_rows(cal, [0.70] * 9 + [0.60])
    s = cal.summarise(rows, majority=0.361)
    assert (s["n_pass"], s["need"], s["n_seeds"]) == (9, 9, 10) and cal.targets_met(s)
    report = cal.format_report(rows, s)
    assert "9 of 10" in report and "100,000" in report and "200,000" in report
    assert not cal.targets_met(cal.summarise(_calibration_rows(cal, [0.70] * 8 + [0.6] * 2), 0.361))
    assert not cal.targets_met(cal.summarise(rows, majority=0.45))
    assert not cal.targets_met(cal.summarise(_calibration_rows(cal, [0.7] * 10, 0.9), 0.361))
    short = [cal.seed_row(0, [0.7] * cal.MIN_RECORDS, [2000] * cal.MIN_RECORDS)]
    assert short[0]["reference"] is None
    assert not cal.targets_met(cal.summarise(short, 0.361))     # no reference run: not proven


def test_calibration_short_run_is_prefix_of_long_run(monkeypatch):
    """The minimum recipe's records are the first records of the reference run,
    which is why the calibration trains each seed once."""
    from benchmarks import calibrate_synthetic as cal
    monkeypatch.setattr(cal, "RECORD_EVERY", 64)
    rng = np.random.default_rng(1)
    x = rng.random((200, 69 * 69), dtype=np.float32) / 4
    y = np.eye(5, dtype=np.float32)[rng.integers(0, 5, 200)]
    key = jax.random.PRNGKey(3)
    short, short_steps = cal.train_curve(key, (x, y, x[:50], y[:50]), 2)
    long, long_steps = cal.train_curve(key, (x, y, x[:50], y[:50]), 3)
    assert long[:2] == short and long_steps == [64, 128, 192] and short_steps == [64, 128]
