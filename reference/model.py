"""The course network, written the way students write it.

Names students see are kept: ``net``, ``loss``, ``loss_grad``,
``fractionCorrect`` and ``params = [W1, b1, W2, b2]``.  Everything is a pure
function with ``params`` first; the single-example functions are mapped over
batches with ``jax.vmap(..., in_axes=(None, 0))``.

Shapes (course values): W1 (d, 4761), b1 (d,), W2 (5, d), b2 (5,), d = 100.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

N_PIXELS = 69 * 69  # 4761: one g-band 69x69 cutout, flattened
N_CLASSES = 5
HIDDEN = 100


def init_params(key, *, d: int = HIDDEN, n_in: int = N_PIXELS,
                n_out: int = N_CLASSES, scale: float = 0.1):
    """Random start as in the course: ``scale`` times standard normal draws."""
    k1, k2, k3, k4 = jax.random.split(key, 4)
    return [scale * jax.random.normal(k1, (d, n_in)),
            scale * jax.random.normal(k2, (d,)),
            scale * jax.random.normal(k3, (n_out, d)),
            scale * jax.random.normal(k4, (n_out,))]


def logits(params, imageVector):
    """Output-layer pre-activation W2 tanh(W1 v + b1) + b2."""
    W1, b1, W2, b2 = params
    return W2 @ jnp.tanh(W1 @ imageVector + b1) + b2


def net(params, imageVector):
    """v_out = sigmoid(W2 tanh(W1 v_in + b1) + b2); sigmoid = 1/(1 + exp(-x))."""
    return jax.nn.sigmoid(logits(params, imageVector))


def cross_entropy_from_logits(z, correctLabel):
    """Summed binary cross-entropy -y log a - (1-y) log(1-a), a = sigmoid(z).

    Uses log(sigmoid(z)) and log(1 - sigmoid(z)) = log(sigmoid(-z)) so it stays
    finite where a rounds to exactly 0 or 1.
    """
    y = correctLabel
    return jnp.sum(-y * jax.nn.log_sigmoid(z) - (1.0 - y) * jax.nn.log_sigmoid(-z))


def loss(params, imageVector, correctLabel):
    """Cross-entropy of the network's output against a one-hot label."""
    return cross_entropy_from_logits(logits(params, imageVector), correctLabel)


loss_grad = jax.jit(jax.grad(loss))
"""Gradient of ``loss`` with respect to ``params`` (same list structure)."""

batched_net = jax.vmap(net, in_axes=(None, 0))


def fractionCorrect(params, images, labels):
    """Fraction of images whose arg-max output matches the label's arg-max."""
    predicted = jnp.argmax(batched_net(params, images), axis=1)
    return jnp.mean(predicted == jnp.argmax(labels, axis=1))


_per_example_grad = jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))


def batch_loss_grad(params, images, labels):
    """Mini-batch gradient: mean over the batch of per-image ``loss_grad``,
    computed with ``jax.vmap`` (the extra-credit variant)."""
    grads = _per_example_grad(params, images, labels)
    return [jnp.mean(g, axis=0) for g in grads]


def sgd_update(params, grads, lr):
    """One gradient-descent step: p - lr * g for every parameter."""
    return [p - lr * g for p, g in zip(params, grads)]
