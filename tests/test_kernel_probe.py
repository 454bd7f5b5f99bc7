"""The probe's own helpers, imported on their own (no kernel)."""
import jax
import jax.numpy as jnp
import numpy as np

from grader.run import kernel_probe


def test_a_function_the_notebook_compiled_is_called_as_it_is():
    loss_grad = jax.jit(jax.grad(lambda w, x: jnp.sum((w * x) ** 2)))
    assert kernel_probe._compiled(loss_grad) is loss_grad


def test_a_plain_function_is_compiled_and_gives_the_same_value():
    def net(w, x):
        return jnp.tanh(w @ x)
    w, x = np.ones((3, 4), np.float32), np.arange(4, dtype=np.float32)
    run = kernel_probe._compiled(net)
    assert run is not net
    assert np.array_equal(np.asarray(run(w, x)), np.asarray(net(w, x)))


def test_a_function_that_does_not_trace_runs_as_it_is():
    def counts(w, x):
        return float(np.sum(np.asarray(w) > 0)) + len(x)   # Python on concrete values
    w, x = np.ones(3, np.float32), [1, 2]
    assert kernel_probe._compiled(counts)(w, x) == 5.0
