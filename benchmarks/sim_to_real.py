"""Sim-to-real check: train on synthetic galaxies only, classify real SDSS ones.

The course network is trained with the course recipe on the synthetic set and
then applied to every image of the real Galaxy Zoo 1 sample. Both label sets
are mapped to three coarse classes that exist in both:

    elliptical      real 0      <-> synthetic 1 (round) + 2 (in-between)
    face-on disk    real 1 + 2  <-> synthetic 0 (no spiral) + 4 (tight spiral)
    edge-on disk    real 3      <-> synthetic 3
    (real 4, mergers, has no synthetic counterpart and is left out)

Prints the balanced accuracy (mean recall over the three classes; chance 1/3).

    python -m benchmarks.sim_to_real [--seed 0] [--data-seed 0] [--records 100]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from reference import synthetic
from reference.data import prepare, read_raw
from reference.model import batched_net
from reference.train import train_sgd

REAL = Path(__file__).resolve().parents[2] / "shared/data/sdss_gz1_5class.pkl.gz"
SYN_TO_COARSE = np.array([1, 0, 0, 2, 1])     # synthetic class -> coarse class
REAL_TO_COARSE = np.array([0, 1, 1, 2, -1])   # real class -> coarse class (-1: drop)
COARSE = ("elliptical", "face-on disk", "edge-on disk")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", default=str(REAL), help="real sample in the course layout")
    ap.add_argument("--seed", type=int, default=0, help="training seed")
    ap.add_argument("--data-seed", type=int, default=0, help="synthetic data seed")
    ap.add_argument("--records", type=int, default=100, help="x 2000 SGD steps")
    args = ap.parse_args(argv)

    tr_x, tr_y, te_x, te_y = synthetic.generate(seed=args.data_seed)
    tx, ty = prepare(tr_x, tr_y)
    vx, vy = prepare(te_x, te_y)
    res = train_sgd(tx, ty, vx, vy, seed=args.seed, n_records=args.records, record_every=2000)

    r_tx, r_ty, r_vx, r_vy = read_raw(args.real)
    rx, ry = prepare(np.concatenate([r_tx, r_vx]), np.concatenate([r_ty, r_vy]))
    truth = REAL_TO_COARSE[ry.argmax(axis=1)]
    keep = truth >= 0
    pred = SYN_TO_COARSE[np.asarray(batched_net(res.params, rx)).argmax(axis=1)]
    truth, pred = truth[keep], pred[keep]

    print(f"synthetic test accuracy {res.final_accuracy:.3f} (data seed {args.data_seed}, "
          f"training seed {args.seed}, {args.records * 2000} steps)")
    print("real -> predicted  " + "  ".join(f"{c[:9]:>9s}" for c in COARSE))
    recalls = []
    for c, name in enumerate(COARSE):
        row = np.bincount(pred[truth == c], minlength=3)
        recalls.append(row[c] / row.sum())
        print(f"{name:>17s}  " + "  ".join(f"{v:9d}" for v in row))
    print(f"balanced accuracy on {keep.sum()} real galaxies: {np.mean(recalls):.3f} "
          f"(chance 0.333)")


if __name__ == "__main__":
    main()
