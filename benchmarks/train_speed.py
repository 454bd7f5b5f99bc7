"""Single-image SGD steps/s: the reference's compiled chunks vs the course's plain loop.

Same machine, same process, same data; median over repeats.  Run:
    python -m benchmarks.train_speed [--repeats 5]
"""
import argparse
import resource
import statistics
import time

import jax

from reference import data, fast_sgd, model, train


def rate(fn, n_steps, repeats):
    fn()                                             # compile / warm up
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn())
        out.append(n_steps / (time.perf_counter() - t))
    return statistics.median(out), min(out), max(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--data", help="course-layout file (default: built-in synthetic)")
    a = ap.parse_args()
    tx, ty, _, _ = data.load_prepared(a.data)
    tx_j, ty_j = jax.numpy.asarray(tx), jax.numpy.asarray(ty)
    p = model.init_params(jax.random.PRNGKey(0))
    key = jax.random.PRNGKey(1)
    n = 20000
    plain_n = 4000
    res = {
        "plain Python loop (lecture)": rate(lambda: train.plain_python_sgd(
            p, key, tx, ty, n_steps=plain_n), plain_n, a.repeats),
        "grad inside lax.scan": rate(lambda: train._scan_chunk(
            p, key, tx_j, ty_j, n_steps=n, lr=1e-3, batch=1), n, a.repeats),
        "reference (deferred rank-one, lax.scan)": rate(lambda: fast_sgd.sgd_chunk(
            p, key, tx_j, ty_j, n_steps=n, lr=1e-3), n, a.repeats),
    }
    base = res["plain Python loop (lecture)"][0]
    print(f"{'method':<42}{'median steps/s':>15}{'min':>9}{'max':>9}{'x plain':>9}")
    for k, (med, lo, hi) in res.items():
        print(f"{k:<42}{med:>15,.0f}{lo:>9,.0f}{hi:>9,.0f}{med / base:>9.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
