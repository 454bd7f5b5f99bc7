import jax
import jax.numpy as jnp
import numpy as np
import pytest

from reference import model


@pytest.fixture
def setup():
    params = model.init_params(jax.random.PRNGKey(0))
    rng = np.random.default_rng(1)
    x = jnp.asarray(rng.random((8, model.N_PIXELS), dtype=np.float32))
    y = jnp.asarray(np.eye(5, dtype=np.float32)[rng.integers(0, 5, 8)])
    return params, x, y


def test_shapes(setup):
    params, x, y = setup
    assert [p.shape for p in params] == [(100, 4761), (100,), (5, 100), (5,)]
    out = model.net(params, x[0])
    assert out.shape == (5,)
    assert bool(jnp.all((out > 0) & (out < 1)))
    grads = model.loss_grad(params, x[0], y[0])
    assert [g.shape for g in grads] == [p.shape for p in params]


def test_net_matches_numpy(setup):
    params, x, _ = setup
    W1, b1, W2, b2 = (np.asarray(p, np.float64) for p in params)
    v = np.asarray(x[0], np.float64)
    expected = 1.0 / (1.0 + np.exp(-(W2 @ np.tanh(W1 @ v + b1) + b2)))
    np.testing.assert_allclose(model.net(params, x[0]), expected, rtol=1e-5)


def test_loss_matches_numpy(setup):
    params, x, y = setup
    for i in range(4):
        a = np.asarray(model.net(params, x[i]), np.float64)
        t = np.asarray(y[i], np.float64)
        expected = np.sum(-t * np.log(a) - (1 - t) * np.log(1 - a))
        np.testing.assert_allclose(model.loss(params, x[i], y[i]), expected, rtol=1e-5)


def test_loss_finite_when_output_saturates(setup):
    params, x, y = setup
    W1, b1, W2, b2 = params
    huge = [W1, b1, W2, b2 + jnp.array([200.0, -200.0, 200.0, -200.0, 0.0])]
    a = model.net(huge, x[0])
    assert float(a[0]) == 1.0 and float(a[1]) == 0.0   # saturated in float32
    value = model.loss(huge, x[0], jnp.array([0.0, 1.0, 1.0, 0.0, 0.0]))
    assert np.isfinite(float(value)) and float(value) > 300   # ~ 200 + 200, not inf
    assert all(bool(jnp.all(jnp.isfinite(g))) for g in model.loss_grad(huge, x[0], y[0]))


def test_gradient_matches_central_differences_float64():
    with jax.enable_x64(True):
        params = [p.astype(jnp.float64) for p in model.init_params(jax.random.PRNGKey(3), d=20)]
        rng = np.random.default_rng(2)
        x = jnp.asarray(rng.random(model.N_PIXELS))
        y = jnp.eye(5)[2]
        grads = jax.grad(model.loss)(params, x, y)
        for trial in range(5):
            direction = [jnp.asarray(rng.normal(size=p.shape)) for p in params]
            eps = 1e-6
            plus = model.loss([p + eps * d for p, d in zip(params, direction)], x, y)
            minus = model.loss([p - eps * d for p, d in zip(params, direction)], x, y)
            fd = (plus - minus) / (2 * eps)
            analytic = sum(jnp.vdot(g, d) for g, d in zip(grads, direction))
            np.testing.assert_allclose(float(analytic), float(fd), rtol=1e-6, atol=1e-8)


def test_fraction_correct_equals_python_loop(setup):
    params, x, y = setup
    manual = np.mean([int(np.argmax(model.net(params, xi)) == np.argmax(yi)) for xi, yi in zip(x, y)])
    assert float(model.fractionCorrect(params, x, y)) == pytest.approx(manual)
    # And it really depends on the labels: relabel every image as its prediction.
    pred = jnp.eye(5)[jnp.argmax(model.batched_net(params, x), axis=1)]
    assert float(model.fractionCorrect(params, x, pred)) == 1.0


def test_batch_gradient_is_mean_of_single_gradients(setup):
    params, x, y = setup
    batched = model.batch_loss_grad(params, x, y)
    singles = [model.loss_grad(params, xi, yi) for xi, yi in zip(x, y)]
    for k in range(4):
        mean = np.mean([np.asarray(s[k]) for s in singles], axis=0)
        np.testing.assert_allclose(batched[k], mean, rtol=1e-4, atol=1e-6)


def test_init_is_seeded():
    a = model.init_params(jax.random.PRNGKey(7))
    b = model.init_params(jax.random.PRNGKey(7))
    c = model.init_params(jax.random.PRNGKey(8))
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    assert float(jnp.std(a[0])) == pytest.approx(0.1, rel=0.02)
