"""A deterministic synthetic SDSS-like galaxy data set: the project's default data.

The course's real data file cannot be shipped, so the harness renders its own
stand-in with the same layout (69x69x1 uint8 images, one-hot labels over the
course's 5 Galaxy10 classes) and roughly the same difficulty for the course
network. Each galaxy is drawn from a physical recipe for its class (see
``_sample_class``) and rendered by ``reference.galaxies``: light profiles,
seeing, noise and the asinh display stretch of SDSS cutouts.

``generate`` builds a data set in memory, ``cached_default`` keeps the default
one on disk, and ``python -m reference.synthetic --out FILE`` writes a file.
"""
from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from . import galaxies as g
from .data import write_course_file

GENERATOR_VERSION = 1
CLASS_NAMES = ("disk, face-on, no spiral", "smooth, completely round",
               "smooth, in-between round", "disk, edge-on, rounded bulge",
               "disk, face-on, tight spiral")
_GALAXY10_COUNTS = np.array([3461, 6997, 6292, 1534, 1121])
CLASS_FRACTIONS = tuple(float(c) for c in _GALAXY10_COUNTS / _GALAXY10_COUNTS.sum())
N_TRAIN, N_TEST = 17457, 1940
BATCH = 512
# Test hook: sizes cached_default uses (None = the defaults above).
CACHE_SIZES: tuple[int, int] | None = None


def _apportion(total, fractions):
    """Split ``total`` into integer counts by largest remainder."""
    exact = np.asarray(fractions) * total
    counts = np.floor(exact).astype(int)
    counts[np.argsort(counts - exact)[: total - counts.sum()]] += 1
    return counts


def _sample_class(k, n, rng):
    """Physical parameters of ``n`` galaxies of class ``k`` (dict of arrays).

    Sizes are in pixels, brightnesses (``*_ie``) are surface brightness at the
    half-light radius in sky-noise units. Smooth galaxies (1, 2) are single
    Sersic spheroids with n = 2.5-4: round ones have axis ratio q 0.76-1,
    in-between ones q 0.45-0.9 (most near 0.8). The ranges overlap on purpose:
    volunteers do not agree where "completely round" ends, and the real labels
    carry that disagreement. Disks (0, 3, 4) are exponential disks with a
    bulge: lenticular-like with a big bulge and at most a weak bar or ring
    (0), seen edge-on as a thin streak, half of them with a dust lane (3), or
    large and disk-dominated with two or three tightly wound arms (4).
    The bulge of a face-on disk is a little rounder than the disk it sits in.
    """
    u = lambda lo, hi: rng.uniform(lo, hi, n)
    logu = lambda lo, hi: np.exp(rng.uniform(np.log(lo), np.log(hi), n))
    z = np.zeros(n)
    p = dict(x0=u(-1.5, 1.5), y0=u(-1.5, 1.5), pa=u(0, np.pi), psf=u(1.0, 1.3),
             b_ie=z, b_re=z + 1, b_n=z + 4, b_q=z + 1, d_ie=z, d_re=z + 1, d_q=z + 1,
             a_amp=z, a_pitch=z + 0.3, a_m=z + 2, a_phase=u(0, 2 * np.pi),
             bar_ie=z, bar_re=z + 1, bar_pa=z, ring_ie=z, ring_r=z + 1, dust=z)
    if k in (1, 2):
        p.update(b_ie=logu(10.0, 40.0), b_re=logu(4.5, 12.0), b_n=u(2.5, 4.0),
                 b_q=u(0.76, 1.0) if k == 1 else 0.9 - 0.45 * u(0, 1) ** 1.5)
        return p
    d_re = {0: logu(5.0, 11.0), 3: logu(6.0, 14.0), 4: logu(7.0, 14.0)}[k]
    p.update(d_re=d_re, d_ie=logu(20.0, 60.0), b_n=u(1.5, 3.0), b_q=u(0.6, 0.95))
    if k == 0:      # lenticular-like: big bulge, smooth disk, maybe a bar or ring
        p.update(d_q=u(0.5, 1.0), b_re=d_re * u(0.3, 0.6), b_ie=logu(10.0, 45.0),
                 d_ie=logu(8.0, 35.0), b_n=u(2.0, 4.0),
                 bar_ie=logu(10.0, 30.0) * (rng.random(n) < 0.2), bar_re=d_re * u(0.4, 0.7),
                 bar_pa=u(0, np.pi),
                 ring_ie=logu(0.2, 0.5) * (rng.random(n) < 0.25), ring_r=d_re * u(0.5, 0.9))
    elif k == 3:    # thin disk seen edge-on, often split by a dust lane
        p.update(d_q=u(0.08, 0.25), b_re=d_re * u(0.15, 0.35), b_ie=logu(10.0, 40.0),
                 d_ie=logu(40.0, 100.0),
                 dust=u(0.2, 0.7) * (rng.random(n) < 0.5))
    else:           # disk-dominated spiral with two or three tightly wound arms
        p.update(d_q=u(0.6, 1.0), b_re=d_re * u(0.1, 0.25), b_ie=logu(8.0, 30.0),
                 a_amp=u(0.2, 0.55), a_m=np.where(rng.random(n) < 0.8, 2, 3),
                 a_pitch=u(0.2, 0.4) * rng.choice([-1.0, 1.0], n))
    if k != 3:
        p["b_q"] = np.clip(p["d_q"] + u(0.0, 0.2), 0, 1)
    return p


def _sample_neighbours(p, n, rng):
    """About one image in five gets a field star or a small background galaxy
    at least 14 pixels from the target; it does not depend on the class."""
    kind = rng.choice(3, n, p=[0.8, 0.12, 0.08])   # none, star, galaxy
    r, phi = rng.uniform(14, 32, n), rng.uniform(0, 2 * np.pi, n)
    p.update(nb_kind=kind, nb_x=r * np.cos(phi), nb_y=r * np.sin(phi),
             nb_flux=np.exp(rng.uniform(np.log(30), np.log(3000), n)),
             nb_ie=np.exp(rng.uniform(np.log(5), np.log(40), n)),
             nb_re=rng.uniform(1.0, 3.0, n), nb_q=rng.uniform(0.3, 1.0, n),
             nb_pa=rng.uniform(0, np.pi, n))


def _render_class(k, n, seed, pool):
    """``n`` images of class ``k`` from the class's own random streams."""
    rng = np.random.default_rng([seed, k])
    p = _sample_class(k, n, rng)
    _sample_neighbours(p, n, rng)
    starts = range(0, n, BATCH)
    jobs = [pool.submit(g.render, {key: v[s:s + BATCH] for key, v in p.items()},
                        np.random.default_rng([seed, k, 1 + s // BATCH])) for s in starts]
    return np.concatenate([j.result() for j in jobs]) if jobs else \
        np.zeros((0, g.SIZE, g.SIZE), np.uint8)


def generate(*, n_train=N_TRAIN, n_test=N_TEST, seed=0):
    """(train_images, train_labels, test_images, test_labels) in the course layout.

    Class counts follow the Galaxy10 proportions in both splits (stratified);
    the same seed always gives the same bytes.
    """
    n_cls = len(CLASS_NAMES)
    tr_counts, te_counts = _apportion(n_train, CLASS_FRACTIONS), _apportion(n_test, CLASS_FRACTIONS)
    tr_img, te_img, tr_lab, te_lab = [], [], [], []
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for k in range(n_cls):
            imgs = _render_class(k, tr_counts[k] + te_counts[k], seed, pool)
            te_img.append(imgs[:te_counts[k]]), tr_img.append(imgs[te_counts[k]:])
            te_lab += [k] * te_counts[k]
            tr_lab += [k] * tr_counts[k]
    shuffle = np.random.default_rng([seed, n_cls])
    out = []
    for imgs, labs in ((tr_img, tr_lab), (te_img, te_lab)):
        order = shuffle.permutation(len(labs))
        onehot = np.eye(n_cls, dtype=np.float32)[np.asarray(labs, int)][order]
        out += [np.concatenate(imgs)[order][..., None], onehot]
    return tuple(out)


def cache_dir():
    """``$GALAXY_GRADER_CACHE`` or ``~/.cache/galaxy-grader``."""
    env = os.environ.get("GALAXY_GRADER_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "galaxy-grader"


def cached_default(*, seed=0):
    """Path of the default synthetic set, generating it on first use.

    Safe against concurrent callers: ``write_course_file`` writes atomically.
    """
    n_train, n_test = CACHE_SIZES or (N_TRAIN, N_TEST)
    name = f"synthetic-v{GENERATOR_VERSION}-seed{seed}"
    if CACHE_SIZES:
        name += f"-{n_train}x{n_test}"
    path = cache_dir() / f"{name}.pkl.gz"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = generate(n_train=n_train, n_test=n_test, seed=seed)
    if not path.exists():   # another process may have finished meanwhile
        write_course_file(path, *arrays)
    return path


def save_example_grid(path, images, labels, per_class=8):
    """PNG with one row of ``per_class`` example images per class.

    Draws on a stand-alone matplotlib Figure (Agg canvas), so it neither needs
    a display nor touches pyplot's global state.
    """
    from matplotlib.figure import Figure
    labels = np.argmax(labels, axis=1) if np.ndim(labels) == 2 else np.asarray(labels)
    fig = Figure(figsize=(1.3 * per_class + 1.8, 1.4 * len(CLASS_NAMES)))
    axes = fig.subplots(len(CLASS_NAMES), per_class, squeeze=False)
    for k, row in enumerate(axes):
        idx = np.flatnonzero(labels == k)[:per_class]
        for j, ax in enumerate(row):
            if j < len(idx):
                ax.imshow(images[idx[j]].reshape(g.SIZE, g.SIZE), cmap="gray", vmin=0, vmax=255)
            ax.set_xticks([]), ax.set_yticks([])
        row[0].set_ylabel(f"{k}: {CLASS_NAMES[k]}".replace(", ", ",\n", 1), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    return Path(path)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m reference.synthetic",
                                 description="Write the synthetic SDSS-like galaxy data set.")
    ap.add_argument("--out", required=True, help="output file (course layout, .pkl.gz)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-train", type=int, default=N_TRAIN)
    ap.add_argument("--n-test", type=int, default=N_TEST)
    ap.add_argument("--grid", help="also save a PNG of example images per class")
    ap.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if out.exists() and not args.force:
        print(f"error: {out} exists; pass --force to overwrite it", file=sys.stderr)
        return 2
    arrays = generate(n_train=args.n_train, n_test=args.n_test, seed=args.seed)
    write_course_file(out, *arrays)
    print(f"wrote {out}: {len(arrays[0])} train + {len(arrays[2])} test images, seed {args.seed}")
    if args.grid:
        save_example_grid(args.grid, arrays[0], arrays[1])
        print(f"wrote {args.grid}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
