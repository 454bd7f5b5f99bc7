"""Stochastic gradient descent for the course network, in compiled chunks.

``train_sgd`` is the course recipe: one random *training* image per step,
learning rate 1e-3, test accuracy recorded every ``record_every`` steps.  The
steps between two records run inside one compiled ``lax.scan`` (no Python
dispatch per step).  ``train_minibatch`` is the extra-credit variant: the
gradient averaged over a batch with ``jax.vmap``.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from . import fast_sgd
from .model import batch_loss_grad, fractionCorrect, init_params, loss_grad, sgd_update


@dataclass
class TrainResult:
    params: list
    steps: list = field(default_factory=list)       # step number of each record
    accuracy: list = field(default_factory=list)    # test accuracy at that step

    @property
    def final_accuracy(self) -> float:
        return self.accuracy[-1]


@partial(jax.jit, static_argnames=("n_steps", "batch"))
def _scan_chunk(params, key, train_x, train_y, *, n_steps, lr, batch):
    """``n_steps`` SGD steps on random training images, inside one scan."""
    idx = jax.random.randint(key, (n_steps, batch), 0, train_x.shape[0])

    def step(p, i):
        if batch == 1:
            g = loss_grad(p, train_x[i[0]], train_y[i[0]])
        else:
            g = batch_loss_grad(p, train_x[i], train_y[i])
        return sgd_update(p, g, lr), None

    params, _ = jax.lax.scan(step, params, idx)
    return params


def run_sgd(params, key, train_x, train_y, test_x, test_y, *, lr=1e-3,
            n_records=100, record_every=2000, batch=1, method="auto",
            progress=None):
    """Train and record test accuracy after every ``record_every`` steps.

    ``method``: "scan" (jax.grad inside lax.scan), "lowrank" (the same SGD
    with W1's rank-one updates deferred, see ``fast_sgd``) or "auto"
    (lowrank for single-image SGD, scan otherwise).
    """
    train_x, train_y = jnp.asarray(train_x), jnp.asarray(train_y)
    test_x, test_y = jnp.asarray(test_x), jnp.asarray(test_y)
    if method == "auto":
        method = "lowrank" if batch == 1 else "scan"
    result = TrainResult(params=params)
    for r in range(n_records):
        key, sub = jax.random.split(key)
        if method == "lowrank":
            params = fast_sgd.sgd_chunk(params, sub, train_x, train_y,
                                        n_steps=record_every, lr=lr)
        else:
            params = _scan_chunk(params, sub, train_x, train_y,
                                 n_steps=record_every, lr=lr, batch=batch)
        result.steps.append((r + 1) * record_every)
        result.accuracy.append(float(fractionCorrect(params, test_x, test_y)))
        if progress is not None:
            progress(r + 1, n_records, result.accuracy[-1])
    result.params = params
    return result


def train_sgd(train_x, train_y, test_x, test_y, *, seed=0, lr=1e-3,
              n_records=100, record_every=2000, batch=1, d=100, method="auto",
              progress=None):
    """The course recipe from a fresh 0.1 * normal start with PRNG seed ``seed``."""
    key_init, key_train = jax.random.split(jax.random.PRNGKey(seed))
    params = init_params(key_init, d=d, n_in=train_x.shape[1], n_out=train_y.shape[1])
    return run_sgd(params, key_train, train_x, train_y, test_x, test_y, lr=lr,
                   n_records=n_records, record_every=record_every, batch=batch,
                   method=method, progress=progress)


def plain_python_sgd(params, key, train_x, train_y, *, n_steps, lr=1e-3):
    """The lecture's loop: one Python iteration and one jitted gradient per step.
    Kept as the speed baseline (benchmarks/train_speed.py)."""
    idx = np.asarray(jax.random.randint(key, (n_steps,), 0, train_x.shape[0]))
    for i in idx:
        params = sgd_update(params, loss_grad(params, train_x[i], train_y[i]), lr)
    return params


def plot_curve(steps, accuracy, path, *, threshold=0.66, title="Test accuracy"):
    """Accuracy against step, data points drawn as markers (course rule)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(steps, accuracy, "o-", markersize=3, label="test accuracy")
    ax.axhline(threshold, color="gray", ls="--", label=f"goal {threshold:.2f}")
    ax.set_xlabel("SGD step")
    ax.set_ylabel("test accuracy")
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    from . import synthetic
    from .data import load_prepared
    ap = argparse.ArgumentParser(prog="python -m reference.train",
                                 description="Train the course network and plot test accuracy.")
    ap.add_argument("--data", help="course-layout .pkl.gz (default: built-in synthetic set)")
    ap.add_argument("--records", type=int, default=100, help="number of accuracy records")
    ap.add_argument("--every", type=int, default=2000, help="steps between records")
    ap.add_argument("--batch", type=int, default=1, help="mini-batch size (1 = course recipe)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plot", default="accuracy.png", help="where to save the plot")
    args = ap.parse_args(argv)
    try:
        tx, ty, vx, vy = load_prepared(args.data or synthetic.cached_default())
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from tqdm import tqdm
    bar = tqdm(total=args.records, unit="record", file=sys.stderr)

    def progress(r, n, acc):
        bar.update(1)
        bar.set_postfix(acc=f"{acc:.3f}")

    res = train_sgd(tx, ty, vx, vy, seed=args.seed, lr=args.lr, n_records=args.records,
                    record_every=args.every, batch=args.batch, progress=progress)
    bar.close()
    for s, a in zip(res.steps, res.accuracy):
        print(f"step {s:>8d}  test accuracy {a:.4f}")
    plot_curve(res.steps, res.accuracy, args.plot)
    print(f"final test accuracy {res.final_accuracy:.4f}; best {max(res.accuracy):.4f}; "
          f"plot saved to {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
