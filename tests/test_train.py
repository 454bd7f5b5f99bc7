import jax
import jax.numpy as jnp
import numpy as np
import pytest

from reference import data, fast_sgd, model, synthetic, train


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.random((300, model.N_PIXELS), dtype=np.float32))
    y = jnp.asarray(np.eye(5, dtype=np.float32)[rng.integers(0, 5, 300)])
    return x, y


def test_lowrank_sgd_equals_grad_in_scan(small):
    """The deferred-update SGD is the course's SGD: same images, same updates."""
    x, y = small
    params = model.init_params(jax.random.PRNGKey(0))
    key = jax.random.PRNGKey(5)
    a = train._scan_chunk(params, key, x, y, n_steps=500, lr=1e-3, batch=1)
    b = fast_sgd.sgd_chunk(params, key, x, y, n_steps=500, lr=1e-3)
    for p0, pa, pb in zip(params, a, b):
        moved = float(jnp.max(jnp.abs(pa - p0)))
        assert moved > 1e-3                      # training really changed it
        assert float(jnp.max(jnp.abs(pa - pb))) < 1e-3 * moved


def test_lowrank_equals_python_loop_of_loss_grad(small):
    x, y = small
    params = model.init_params(jax.random.PRNGKey(1))
    key = jax.random.PRNGKey(2)
    idx = np.asarray(jax.random.randint(key, (70, 1), 0, 300)[:, 0])
    loop = params
    for i in idx:
        loop = model.sgd_update(loop, model.loss_grad(loop, x[i], y[i]), 1e-3)
    fast = fast_sgd.sgd_chunk(params, key, x, y, n_steps=70, lr=1e-3, block=32)  # 2 blocks + tail
    for a, b in zip(loop, fast):
        np.testing.assert_allclose(a, b, atol=2e-5)


def test_training_is_seeded(small):
    x, y = small
    r1 = train.train_sgd(x, y, x, y, seed=3, n_records=2, record_every=100)
    r2 = train.train_sgd(x, y, x, y, seed=3, n_records=2, record_every=100)
    r3 = train.train_sgd(x, y, x, y, seed=4, n_records=2, record_every=100)
    assert r1.accuracy == r2.accuracy and r1.steps == [100, 200]
    assert all(np.array_equal(a, b) for a, b in zip(r1.params, r2.params))
    assert not np.array_equal(r1.params[0], r3.params[0])


def test_minibatch_training_runs_and_learns(small):
    x, y = small
    res = train.train_sgd(x, y, x, y, seed=0, n_records=3, record_every=100, batch=10, lr=0.05)
    start = model.init_params(jax.random.split(jax.random.PRNGKey(0))[0])
    mean_loss = jax.vmap(model.loss, in_axes=(None, 0, 0))
    assert len(res.accuracy) == 3
    assert float(jnp.mean(mean_loss(res.params, x, y))) < 0.8 * float(jnp.mean(mean_loss(start, x, y)))


def test_plot_has_markers(tmp_path):
    import matplotlib.image as mpimg
    path = tmp_path / "acc.png"
    train.plot_curve([2000, 4000, 6000], [0.3, 0.5, 0.6], path)
    assert mpimg.imread(path).shape[0] > 100


@pytest.mark.slow
def test_course_recipe_reaches_goal_on_synthetic_default():
    tx, ty, vx, vy = data.load_prepared(synthetic.cached_default())
    res = train.train_sgd(tx, ty, vx, vy, seed=0, n_records=100, record_every=2000)
    print(f"synthetic default: final {res.final_accuracy:.3f} best {max(res.accuracy):.3f}")
    assert res.final_accuracy >= 0.66


@pytest.mark.slow
def test_course_recipe_on_real_sample(real_sample):
    tx, ty, vx, vy = data.load_prepared(real_sample)
    res = train.train_sgd(tx, ty, vx, vy, seed=0, n_records=100, record_every=2000)
    mb = train.train_sgd(tx, ty, vx, vy, seed=0, n_records=20, record_every=500, batch=10, lr=1e-2)
    print(f"real sample: single-image final {res.final_accuracy:.3f} best {max(res.accuracy):.3f}; "
          f"mini-batch(10, lr 1e-2, 10k steps) final {mb.final_accuracy:.3f} best {max(mb.accuracy):.3f}")
    assert res.final_accuracy >= 0.60
