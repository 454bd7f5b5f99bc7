"""Compact bundles: large gradients kept as sketches, W1 in float32, compressed; the
checks' verdicts are the same as on the full arrays (tests/test_checks_functions.py
runs every function check on both)."""
import numpy as np
import pytest

from grader.run import artifacts, compact
from grader.run.artifacts import Bundle
from tests.pure_layer import bundle, context

RTOL, ATOL = 1e-3, 1e-5


@pytest.fixture(scope="module")
def ctx():
    return context()


def matches(a, b, ctx, seed=3):
    s = compact.sketch(a, seed=seed, part=0, directions=ctx.probes.inputs["directions"])
    return s.matches(b, rtol=RTOL, atol=ATOL, scale=float(np.max(np.abs(b))),
                     directions=ctx.probes.inputs["directions"])


def test_an_array_within_the_tolerance_everywhere_always_matches(ctx):
    """The sketch never fails an array the full comparison would pass."""
    rng = np.random.default_rng(0)
    ref = ctx.grads[0][0]
    tol = ATOL + RTOL * 0.01 * np.max(np.abs(ref)) + RTOL * np.abs(ref)
    for _ in range(5):
        near = ref + 0.999 * tol * rng.choice([-1.0, 1.0], size=ref.shape)
        assert np.allclose(near, ref, rtol=RTOL, atol=ATOL + RTOL * 0.01 * np.max(np.abs(ref)))
        assert matches(near, ref, ctx)


def test_wrong_arrays_do_not_match(ctx):
    ref = ctx.grads[0][0]
    assert not matches(2 * ref, ref, ctx)                      # a factor
    assert not matches(ref.T.copy(), ref, ctx)                 # the shape
    wrong = ref.copy()
    where = compact.sample_positions(3, ref.size)[5]
    wrong.reshape(-1)[where] += 1.0                            # one kept entry
    assert not matches(wrong, ref, ctx)
    nan = ref.copy()
    nan.reshape(-1)[0] = np.nan                                # anywhere, kept or not
    assert not matches(nan, ref, ctx)


def test_an_error_the_sample_misses_shows_in_the_inner_products(ctx):
    ref = ctx.grads[0][0]
    kept = set(compact.sample_positions(3, ref.size).tolist())
    rest = np.array([i for i in range(ref.size) if i not in kept])
    wrong = ref.copy()
    wrong.reshape(-1)[rest] += 50 * np.sign(ctx.probes.inputs["directions"][0].reshape(-1)[rest])
    assert not matches(wrong, ref, ctx)


def test_the_kept_positions_depend_on_the_batch_seed():
    a, b = compact.sample_positions(1, 476100), compact.sample_positions(2, 476100)
    assert len(a) == compact.SAMPLE and len(set(a.tolist()) & set(b.tolist())) < 50
    assert np.array_equal(a, compact.sample_positions(1, 476100))
    assert compact.sketch_seed(1) != compact.sketch_seed(2)


def test_small_arrays_and_non_gradients_are_kept_whole(ctx):
    arrays = {"loss_grad/0/1": np.ones(100), "params/0": np.ones((100, 4761)),
              "params/1": np.ones(100), "history": np.linspace(0, 1, 50),
              "batch_grad/0": np.ones((100, 4761))}
    out = compact.compact(arrays, seed=1, directions=ctx.probes.inputs["directions"])
    assert out["loss_grad/0/1"].dtype == np.float64 and np.all(out["loss_grad/0/1"] == 1)
    assert out["params/0"].dtype == np.float32 and out["params/1"].dtype == np.float64
    assert isinstance(out["batch_grad/0"], compact.Sketch)
    assert out["batch_grad/0"].dots.shape == (len(ctx.probes.inputs["directions"]) // 4,)


def test_a_course_sized_bundle_is_under_3_mb_and_reads_back_the_same(ctx, tmp_path):
    """Trained W1 and six per-image gradients plus a batch gradient, as a course
    notebook's probe leaves them (27 MB before)."""
    rng = np.random.default_rng(0)
    b = bundle()
    b.arrays["params/0"] = rng.standard_normal((100, 4761))
    for i, k in enumerate(("params/1", "params/2", "params/3")):
        b.arrays[k] = rng.standard_normal(ctx.grads[0][i + 1].shape)
    for j in range(6):
        for i, g in enumerate(ctx.grads[0]):
            b.arrays[f"loss_grad/{j}/{i}"] = g * (1 + j)
    full = sum(a.nbytes for a in b.arrays.values())
    kept = Bundle(**{**b.__dict__, "arrays": compact.compact(
        b.arrays, seed=5, directions=ctx.probes.inputs["directions"])})
    folder = artifacts.save(kept, tmp_path)
    size = sum(f.stat().st_size for f in folder.iterdir())
    assert full > 25e6 and size < 3 * 2 ** 20, (full, size)
    back = artifacts.load(tmp_path, b.key)
    for k, v in kept.arrays.items():
        w = back.arrays[k]
        if isinstance(v, compact.Sketch):
            assert (w.shape, w.seed, w.part, w.finite) == (v.shape, v.seed, v.part, v.finite)
            assert np.array_equal(w.sample, v.sample) and np.array_equal(w.dots, v.dots)
        else:
            assert np.array_equal(w, v) and w.dtype == v.dtype


def test_a_bundle_of_the_old_format_is_run_again(tmp_path):
    folder = artifacts.save(Bundle(key="old", status="executed"), tmp_path)
    meta = (folder / "bundle.json").read_text().replace(
        f'"format": {artifacts.BUNDLE_FORMAT}', '"format": 3')
    (folder / "bundle.json").write_text(meta)
    assert artifacts.load(tmp_path, "old") is None
