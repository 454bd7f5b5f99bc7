"""Single-image SGD with W1's rank-one updates deferred over a block of steps.

Plain SGD changes W1 (d x 4761) by a rank-one outer product every step:
W1 <- W1 - lr * delta_t x_t^T.  Inside a block of B steps starting from W1_0,

    W1_t x_t = W1_0 x_t - lr * sum_{k<t} delta_k (x_k . x_t),

so the hidden pre-activations of the whole block come from two matrix
products done once per block (X W1_0^T and the Gram matrix X X^T), the
sequential part works on d- and B-sized vectors only, and W1 is brought up to
date with one more product at the end of the block.  This is the *same*
algorithm as the course's SGD (same images, same order, same updates) with
the floating-point sums grouped differently; ``tests/test_train.py`` checks it
against ``jax.grad`` inside ``lax.scan`` step for step.

The per-step head gradient still comes from ``jax.grad`` of the course loss.
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from .model import cross_entropy_from_logits

BLOCK = 64  # steps per deferred block; measured in benchmarks/train_speed.py


def _head_loss(z1, W2, b2, y):
    """Course loss as a function of the hidden pre-activation z1 = W1 x + b1."""
    return cross_entropy_from_logits(W2 @ jnp.tanh(z1) + b2, y)


_head_grad = jax.grad(_head_loss, argnums=(0, 1, 2))


def _block(params, X, Y, lr):
    """B SGD steps on the rows of X (B, n) / Y (B, k), in order."""
    W1, b1, W2, b2 = params
    P = X @ W1.T                      # (B, d): W1_0 x_t for every t
    G = X @ X.T                       # (B, B): x_k . x_t
    B = X.shape[0]
    D0 = jnp.zeros((B, W1.shape[0]), W1.dtype)

    def step(carry, t):
        b1, W2, b2, D = carry
        z1 = P[t] - lr * (G[t] @ D) + b1   # rows k >= t of D are still zero
        d1, gW2, gb2 = _head_grad(z1, W2, b2, Y[t])
        return (b1 - lr * d1, W2 - lr * gW2, b2 - lr * gb2, D.at[t].set(d1)), None

    (b1, W2, b2, D), _ = jax.lax.scan(step, (b1, W2, b2, D0), jnp.arange(B))
    return [W1 - lr * (D.T @ X), b1, W2, b2]


@partial(jax.jit, static_argnames=("n_steps", "block"))
def sgd_chunk(params, key, train_x, train_y, *, n_steps, lr, block=BLOCK):
    """``n_steps`` single-image SGD steps on random training images.

    Draws the same image indices as ``train._scan_chunk`` for the same key.
    """
    idx = jax.random.randint(key, (n_steps, 1), 0, train_x.shape[0])[:, 0]
    n_full, rem = divmod(n_steps, block)

    def body(p, ib):
        return _block(p, train_x[ib], train_y[ib], lr), None

    if n_full:
        params, _ = jax.lax.scan(body, params, idx[:n_full * block].reshape(n_full, block))
    if rem:
        tail = idx[n_full * block:]
        params = _block(params, train_x[tail], train_y[tail], lr)
    return params
