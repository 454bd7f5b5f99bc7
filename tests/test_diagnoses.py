"""Which other function a wrong gradient is the gradient of (no kernel)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from grader.checks import diagnoses
from grader.probes import params_of
from tests.pure_layer import context


@pytest.fixture(scope="module")
def ctx():
    return context()


def _eager(ctx, fn):
    P = [jnp.asarray(p) for p in params_of(ctx.probes.inputs)]
    x, y = (jnp.asarray(ctx.probes.inputs[k][0]) for k in ("images", "labels"))
    return [np.asarray(g, np.float32) for g in jax.grad(fn)(P, x, y)]


@pytest.mark.parametrize("what", list(diagnoses.OTHER_FUNCTIONS))
def test_the_gradient_of_each_known_other_function_is_named(ctx, what):
    grad = _eager(ctx, diagnoses.OTHER_FUNCTIONS[what])
    assert diagnoses.other_gradient(ctx, grad) == what


def test_the_course_gradient_and_noise_are_not_named(ctx):
    right = _eager(ctx, diagnoses.model.loss)
    noise = [np.random.default_rng(0).normal(size=g.shape) for g in right]
    assert diagnoses.other_gradient(ctx, right) == ""
    assert diagnoses.other_gradient(ctx, noise) == ""
    assert diagnoses.other_gradient(ctx, right[:3]) == ""
