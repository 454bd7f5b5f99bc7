"""Trusted reference answers for one batch's probe inputs (computed once)."""
from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from reference import model, synthetic

from ..probes import ProbeSet, params_of
from ..run.compact import Sketch
from .kept import Kept

# compiled once per process: op-by-op dispatch would compile ~60 small programs
_net = jax.jit(model.net)
_loss = jax.jit(model.loss)
_fraction_correct = jax.jit(model.fractionCorrect)
_batch_grad = jax.jit(model.batch_loss_grad)
_ON_DEVICE = Kept(8)             # a data array -> its JAX copy


def on_device(a):
    """One of the batch's data arrays (never changed in place) as a JAX array, copied
    once per process: the same sets are scored and trained on over and over."""
    return _ON_DEVICE.get((a,), lambda: jnp.asarray(a))


def use_compile_cache() -> None:
    """Keep this process's compiled reference programs in the grader's own cache folder
    (beside the built-in data set, never reachable from a kernel), so a re-score or the
    next batch loads them instead of compiling them again (about a second a run)."""
    if jax.config.jax_compilation_cache_dir:
        return
    folder = synthetic.cache_dir() / "jax"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return                      # no cache folder: compile as before
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)


@dataclass
class Context:
    probes: ProbeSet
    rtol: float
    atol: float
    net: list            # reference net output per probe image
    loss: list
    grads: list          # list (per image) of 4 arrays
    fraction_correct: float
    batch_grad: list
    hidden: tuple | None = None   # (x, y) held-back galaxies, prepared; never in a kernel
    hidden_source: str = ""       # how they were chosen, for reports
    seed: int = 0                 # the batch seed (private): part of the cache key
    data_digest: str = ""         # the kernels' data file's digest (keys reference curves)
    curve_dir: str | None = None  # where reference curves are kept (the batch's cache)

    @classmethod
    def build(cls, probes: ProbeSet, *, rtol: float, atol: float, hidden=None,
              hidden_source: str = "", seed: int = 0) -> "Context":
        inp = probes.inputs
        P = [jnp.asarray(p) for p in params_of(inp)]
        X, Y = jnp.asarray(inp["images"]), jnp.asarray(inp["labels"])
        net = [np.asarray(_net(P, x), np.float64) for x in X]
        loss = [float(_loss(P, x, y)) for x, y in zip(X, Y)]
        grads = [[np.asarray(g, np.float64) for g in model.loss_grad(P, x, y)] for x, y in zip(X, Y)]
        fc = float(_fraction_correct(P, jnp.asarray(inp["fc_images"]), jnp.asarray(inp["fc_labels"])))
        bg = [np.asarray(g, np.float64) for g in _batch_grad(
            P, jnp.asarray(inp["batch_images"]), jnp.asarray(inp["batch_labels"]))]
        return cls(probes, rtol, atol, net, loss, grads, fc, bg, hidden, hidden_source, seed)

    def close(self, a, b, scale=None) -> bool:
        """Equal within the rubric's tolerance (atol scaled to the array's size); ``a``
        may be a sketch of a large array (run/compact.py)."""
        if isinstance(a, Sketch):
            b = np.asarray(b, np.float64)
            return a.matches(b, rtol=self.rtol, atol=self.atol,
                             scale=float(np.max(np.abs(b))) if scale is None else scale,
                             directions=self.probes.inputs["directions"])
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        if a.shape != b.shape or not np.all(np.isfinite(a)):
            return False
        s = float(np.max(np.abs(b))) if scale is None else scale
        return bool(np.allclose(a, b, rtol=self.rtol, atol=self.atol + self.rtol * 0.01 * s))
