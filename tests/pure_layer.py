"""Hand-built bundles for the pure layer (checks and pipeline) - no kernel.

A "student" here is a set of outputs laid out exactly as the probe cell
(``grader/run/kernel_probe.py``) stores them, under the keys declared in
``grader/run/protocol.py``.  The right answers come from the grader's own
``Context`` (the reference model on the probe inputs); wrong students are
derived from them.

Every check's settings are built by ``spec`` and every rubric by ``rubric``:
the one place to adapt when the rubric's per-check settings change shape.
"""
from __future__ import annotations

import dataclasses
from dataclasses import asdict
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np

from grader import probes
from grader import rubric as rubric_mod
from grader.checks.context import Context
from grader.run.artifacts import Bundle
from grader.run.protocol import DATA_ROWS, FINITE_DIFFERENCES, PARAMS, result_key, rows_key
from reference import model
from reference.data import prepare
from tests.conftest import TEST_RUBRIC, tiny_arrays


@lru_cache(maxsize=1)
def rubric():
    """The test rubric (course points: net 15, loss 10, loss_grad 15 with 7 self-consistent...)."""
    return rubric_mod.load(TEST_RUBRIC)


def spec(name, **settings):
    """The rubric's settings for check ``name``, with ``settings`` overridden."""
    return dataclasses.replace(rubric().check(name), **settings)


def rubric_with(**specs):
    """The test rubric with some checks' settings replaced (name -> spec(...))."""
    r = rubric()
    return dataclasses.replace(r, checks={**r.checks, **specs})


def names(**renamed):
    return {**asdict(rubric().names), **renamed}


N_TRAIN, N_TEST = 40, 10


@lru_cache(maxsize=1)
def context() -> Context:
    """Reference answers on tiny random data: 2 probe images, a batch of 4, 10 test images."""
    tr, trl, te, tel = tiny_arrays(n_train=N_TRAIN, n_test=N_TEST, seed=0)
    prepared = (*prepare(tr, trl), *prepare(te, tel))
    pset = probes.make(prepared, seed=1, n_images=2, batch_size=4)
    p = rubric().probes
    return Context.build(pset, rtol=p.rtol, atol=p.atol)


@lru_cache(maxsize=1)
def reference_fd():
    """Reference loss of image 0 at params +/- h * direction_j, as the probe computes them."""
    ctx = context()
    inp = ctx.probes.inputs
    h, D = float(inp["fd_step"][0]), inp["directions"]
    x, y = jnp.asarray(inp["images"][0]), jnp.asarray(inp["labels"][0])
    loss, out = jax.jit(model.loss), {}
    for j in range(len(D) // 4):
        for sign, tag in zip((1, -1), FINITE_DIFFERENCES):
            P = [jnp.asarray(inp[k] + sign * h * D[4 * j + i]) for i, k in enumerate(PARAMS)]
            out[result_key(tag, j)] = float(loss(P, x, y))
    return out


def right():
    """Everything a correct notebook's probe returns (as a dict of parts for ``bundle``)."""
    ctx = context()
    return {"net": list(ctx.net), "loss": list(ctx.loss), "loss_grad": [list(g) for g in ctx.grads],
            "fd": dict(reference_fd()), "fraction_correct": ctx.fraction_correct,
            "batch_grad": list(ctx.batch_grad), "data": right_data()}


def right_data():
    """role -> (shape the notebook's array has, its rows at the probe's row indices)."""
    p = context().probes
    n_train, n_test = N_TRAIN, N_TEST
    return {"train_images": ([n_train, p.train_rows.shape[1]], p.train_rows),
            "test_images": ([n_test, p.test_rows.shape[1]], p.test_rows),
            "train_labels": ([n_train, p.train_labels_rows.shape[1]], p.train_labels_rows),
            "test_labels": ([n_test, p.test_labels_rows.shape[1]], p.test_labels_rows)}


def bundle(parts=None, *, errors=None, status="executed", reason="", notes=(), **overrides):
    """A bundle as the probe cell leaves it; ``overrides`` replace parts of ``right()``
    (a part set to None is absent, as when the student's function is missing)."""
    parts = {**(right() if parts is None else parts), **overrides}
    arrays, found, meta = {}, {}, {}

    def put(key, value):
        if isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                arrays[result_key(key, i)] = np.asarray(v, dtype=np.float64)
            found[key] = len(value)
        else:
            arrays[key] = np.asarray(value, dtype=np.float64)
            found[key] = "array"

    for role in ("net", "loss", "loss_grad"):
        for i, v in enumerate(parts.get(role) or []):
            if v is not None:
                put(result_key(role, i), v)
    for key, v in (parts.get("fd") or {}).items():
        put(key, v)
    for role in ("fraction_correct", "batch_grad", "params"):
        if parts.get(role) is not None:
            put(role, parts[role])
    if parts.get("history") is not None:             # read as one array, never called
        put("history", np.asarray(parts["history"], dtype=np.float64))
    for role, (shape, rows) in (parts.get("data") or {}).items():
        assert role in DATA_ROWS
        meta[f"{role}_shape"] = list(shape)
        put(rows_key(role), rows)
    probe = {"errors": dict(errors or {}), "found": found, "figures": [], **meta}
    return Bundle(key="k", status=status, reason=reason, probe=probe, arrays=arrays,
                  notes=list(notes), seconds=1.5)


def stored(b: Bundle, ctx: Context | None = None, seed: int = 7) -> Bundle:
    """``b`` as the cache keeps it: compacted as execution leaves it (run/compact.py),
    then written to and read back from a bundle cache."""
    import tempfile
    from pathlib import Path

    from grader.run import artifacts, compact
    ctx = ctx or context()
    kept = dataclasses.replace(b, arrays=compact.compact(
        b.arrays, seed=seed, directions=ctx.probes.inputs["directions"]))
    with tempfile.TemporaryDirectory() as cache:
        artifacts.save(kept, Path(cache))
        return artifacts.load(Path(cache), b.key)
