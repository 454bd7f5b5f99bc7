"""Does the built-in synthetic set give the course's recipes the accuracy they should get?

Trains the course network on one synthetic data set with the *minimum recipe*
(d = 100, 0.1 * standard-normal start, one random training image per SGD step,
learning rate 1e-3 times the gradient of the summed cross-entropy, test
accuracy recorded every 2000 steps, 50 records) for several training seeds, and
checks the calibration targets:

* the minimum recipe's final recorded test accuracy is >= 0.68 for at least
  90 % of the training seeds (9 of 10);
* the majority class is <= 0.40 of the test split;
* the patient recipe (100 records) stays <= 0.85, so the data is not trivial.

Training seed T uses the keys ``python -m reference.train --seed T`` uses, and
the compiled trainer ``run_sgd`` picks for single images (``fast_sgd``: the same
updates as ``jax.grad`` in a loop). The first 50 records of a 100-record run
*are* the 50-record run: ``run_sgd`` splits one key per record, so record r uses
the same images whatever the total. Seeds that also get the 100-record check
therefore train once.

    python -m benchmarks.calibrate_synthetic [--data-seed 0] [--seeds 10] [--ref-seeds N]

Exit status 0 when every target is met, 1 otherwise.
"""
from __future__ import annotations

import argparse
import math
import sys
import time

import jax
import numpy as np

from reference import synthetic
from reference.data import load_prepared, prepare
from reference.model import init_params
from reference.train import run_sgd

GOAL, PASS_FRACTION = 0.68, 0.9        # minimum recipe: >= GOAL for >= 90 % of seeds
MAX_MAJORITY, MAX_REFERENCE = 0.40, 0.85
MIN_RECORDS, REF_RECORDS, RECORD_EVERY = 50, 100, 2000
LR, INIT_SCALE, HIDDEN = 1e-3, 0.1, 100


def load_data(data_seed):
    """Prepared (train_x, train_y, test_x, test_y) of synthetic data seed ``data_seed``.
    Seed 0 is read from the on-disk default (``cached_default``) that students get."""
    if data_seed == 0:
        return load_prepared(synthetic.cached_default())
    tr_x, tr_y, te_x, te_y = synthetic.generate(seed=data_seed)
    return (*prepare(tr_x, tr_y), *prepare(te_x, te_y))


def majority_fraction(labels):
    """Fraction of the most common class among one-hot ``labels``."""
    return float(np.max(np.mean(labels, axis=0)))


def train_curve(key, data, n_records):
    """Test accuracy after every RECORD_EVERY steps of the course's single-image SGD,
    from ``key``: one half draws the 0.1 * normal start, the other the images.
    Returns (accuracies, step number of each record)."""
    train_x, train_y, test_x, test_y = data
    key_init, key_train = jax.random.split(key)
    params = init_params(key_init, d=HIDDEN, n_in=train_x.shape[1], n_out=train_y.shape[1],
                         scale=INIT_SCALE)
    res = run_sgd(params, key_train, train_x, train_y, test_x, test_y, lr=LR,
                  n_records=n_records, record_every=RECORD_EVERY, batch=1)
    return res.accuracy, res.steps


def seed_row(seed, curve, steps):
    """One table row: minimum-recipe accuracy (record MIN_RECORDS) and, for a long
    enough run, the reference one (record REF_RECORDS), with the steps behind each."""
    long_run = len(curve) >= REF_RECORDS
    return dict(seed=seed, steps=steps[-1], min_steps=steps[MIN_RECORDS - 1],
                minimum=curve[MIN_RECORDS - 1],
                reference=curve[REF_RECORDS - 1] if long_run else None,
                ref_steps=steps[REF_RECORDS - 1] if long_run else None)


def summarise(rows, majority):
    """Counts and the verdict of every target (a dict of plain values)."""
    n_pass = sum(r["minimum"] >= GOAL for r in rows)
    need = math.ceil(PASS_FRACTION * len(rows) - 1e-9)
    refs = [r["reference"] for r in rows if r["reference"] is not None]
    return dict(n_pass=n_pass, need=need, n_seeds=len(rows), majority=majority,
                median_minimum=float(np.median([r["minimum"] for r in rows])),
                max_reference=max(refs) if refs else None,
                ok_minimum=n_pass >= need, ok_majority=majority <= MAX_MAJORITY,
                ok_reference=bool(refs) and max(refs) <= MAX_REFERENCE)


def format_report(rows, summary):
    """The calibration table and the verdicts, as text."""
    lines = [f"| training seed | minimum recipe ({MIN_RECORDS} records) | steps "
             f"| reference recipe ({REF_RECORDS} records) | steps |",
             "| ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        ref = "- | -" if r["reference"] is None else f"{r['reference']:.3f} | {r['ref_steps']:,}"
        lines.append(f"| {r['seed']} | {r['minimum']:.3f} | {r['min_steps']:,} | {ref} |")
    s = summary
    mark = {True: "ok", False: "FAILED"}
    lines += ["",
              f"minimum recipe >= {GOAL}: {s['n_pass']} of {s['n_seeds']} seeds "
              f"(need {s['need']}), median {s['median_minimum']:.3f}  [{mark[s['ok_minimum']]}]",
              f"majority class of the test split: {s['majority']:.3f} (<= {MAX_MAJORITY})  "
              f"[{mark[s['ok_majority']]}]",
              "reference recipe, highest: " + ("none run" if s["max_reference"] is None
                                               else f"{s['max_reference']:.3f}")
              + f" (<= {MAX_REFERENCE})  [{mark[s['ok_reference']]}]"]
    return "\n".join(lines)


def targets_met(summary):
    return summary["ok_minimum"] and summary["ok_majority"] and summary["ok_reference"]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.calibrate_synthetic",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--data-seed", type=int, default=0, help="synthetic data seed (0 = default)")
    ap.add_argument("--seeds", type=int, default=10, help="training seeds 0..N-1")
    ap.add_argument("--ref-seeds", type=int, default=None,
                    help="how many of them also run 100 records (default: all)")
    args = ap.parse_args(argv)
    n_ref = args.seeds if args.ref_seeds is None else min(args.ref_seeds, args.seeds)

    t0 = time.perf_counter()
    data = load_data(args.data_seed)
    majority = majority_fraction(data[3])
    print(f"synthetic data seed {args.data_seed} (generator v{synthetic.GENERATOR_VERSION}): "
          f"train x {data[0].shape}, test x {data[2].shape}, labels {data[1].shape[1]} classes; "
          f"loaded in {time.perf_counter() - t0:.1f} s", flush=True)
    rows = []
    for seed in range(args.seeds):
        t = time.perf_counter()
        n_records = REF_RECORDS if seed < n_ref else MIN_RECORDS
        curve, steps = train_curve(jax.random.PRNGKey(seed), data, n_records)
        rows.append(seed_row(seed, curve, steps))
        print(f"  seed {seed}: {steps[-1]:,} SGD steps, {len(curve)} records, "
              f"{time.perf_counter() - t:.0f} s", flush=True)
    total = sum(r["steps"] for r in rows)
    print(f"trained {total:,} single-image SGD steps in all, "
          f"{time.perf_counter() - t0:.0f} s wall\n")
    summary = summarise(rows, majority)
    print(format_report(rows, summary))
    met = targets_met(summary)
    print("\nall targets met" if met else "\ntargets NOT met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
