"""Render batches of synthetic galaxy images from simple physical models.

Every function works on a whole batch at once: per-galaxy parameters are 1-d
arrays of length B and images are float32 arrays of shape (B, 69, 69), in
units of the sky noise (one unit = the standard deviation of the sky).

The pipeline mirrors how a survey cutout comes about:

1. light profiles on the sky: Sersic bulges, exponential disks (optionally
   with logarithmic spiral arms, a bar or a ring), neighbouring stars and
   small galaxies;
2. atmospheric seeing: a Gaussian point-spread function, applied as a
   multiplication in Fourier space;
3. detector noise: Gaussian with variance (sky + signal / gain), the normal
   limit of photon (Poisson) counting noise on top of a sky background;
4. the display stretch SDSS uses for its colour cutouts, an asinh curve
   (linear for faint light, logarithmic for bright cores), then clipping
   and quantising to 0..255.
"""
from __future__ import annotations

import numpy as np

SIZE = 69
# Noise model and display stretch (intensities in units of the sky noise): a
# bright core of 100 sky units gets ~3.6 sky units of photon noise, and the
# sky's own noise becomes ~3.3 grey levels (about 3 after clipping at 0, as
# measured in the corners of the real SDSS sample).
GAIN, STRETCH = 8.0, dict(offset=3.0, scale=50.0, soft=15.0)
_Y, _X = (np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) - (SIZE - 1) / 2)
_K2 = (np.fft.fftfreq(SIZE)[:, None] ** 2
       + np.fft.rfftfreq(SIZE)[None, :] ** 2).astype(np.float32)


def col(a):
    """A per-galaxy parameter as a (B, 1, 1) float32 column for broadcasting."""
    return np.asarray(a, dtype=np.float32)[:, None, None]


def sersic_b(n):
    """b_n that makes r_e enclose half of a Sersic profile's light
    (Ciotti & Bertin's expansion; accurate to <1e-4 for n >= 0.5)."""
    n = np.asarray(n, dtype=np.float64)
    return 2 * n - 1 / 3 + 4 / (405 * n) + 46 / (25515 * n ** 2)


def disk_frame(x0, y0, pa, q):
    """Coordinates of every pixel in the galaxy's own plane.

    The galaxy centre sits at (x0, y0) pixels from the image centre, its major
    axis at position angle ``pa``; an inclined circular disk appears with axis
    ratio ``q``, so dividing the minor-axis coordinate by q undoes the tilt.
    Returns (u, w): major-axis and de-projected minor-axis coordinates.
    """
    dx, dy = _X - col(x0), _Y - col(y0)
    c, s = np.cos(col(pa)), np.sin(col(pa))
    return dx * c + dy * s, (dy * c - dx * s) / col(q)


def sersic(u, w, re, n, *, core=0.6, cap=8.0):
    """Sersic profile I(r) = exp(-b_n ((r / r_e)^(1/n) - 1)).

    Normalised to 1 at the half-light radius r_e (not at the centre: for
    n = 4 the centre is ~2000x brighter than r_e, which would make every
    elliptical a point source). The radius is softened by ``core`` pixels
    (a pixel integrates the cusp) and the result capped at ``cap``.
    n = 1 is an exponential disk, n = 4 a de Vaucouleurs elliptical.
    """
    r = np.sqrt(u * u + w * w + np.float32(core * core))
    expo = np.exp(np.log(r / col(re)) / col(n))
    out = np.exp(col(sersic_b(n)) * (1.0 - expo))
    return np.minimum(out, np.float32(cap), out=out)


def spiral_arms(u, w, amp, pitch, m, phase, r_in):
    """Brightness modulation 1 + A cos(m (theta - ln r / tan(pitch)) + phase).

    Along a logarithmic spiral the angle grows with ln r, the shape real
    spiral arms follow; a small pitch angle gives tightly wound arms and a
    negative one the opposite sense of winding. The modulation fades in
    over the inner ``r_in`` pixels, where the log spiral has no meaning.
    """
    r = np.sqrt(u * u + w * w) + np.float32(1e-3)
    theta = np.arctan2(w, u)
    arg = col(m) * (theta - np.log(r) / np.tan(col(pitch))) + col(phase)
    fade = 1.0 - np.exp(-(r / col(r_in)) ** 2)
    return 1.0 + col(amp) * fade * np.cos(arg)


def ring(u, w, radius, width):
    """A Gaussian ring of stars at ``radius`` in the disk plane (peak 1)."""
    r = np.sqrt(u * u + w * w)
    return np.exp(-0.5 * ((r - col(radius)) / col(width)) ** 2)


def add_point_sources(img, which, x, y, flux):
    """Add stars (delta functions before seeing) to images ``which``."""
    iy = np.clip(np.rint(y + (SIZE - 1) / 2), 0, SIZE - 1).astype(int)
    ix = np.clip(np.rint(x + (SIZE - 1) / 2), 0, SIZE - 1).astype(int)
    np.add.at(img, (which, iy, ix), np.asarray(flux, np.float32))
    return img


def seeing(img, sigma):
    """Blur each image with a Gaussian PSF of width ``sigma`` pixels.

    Convolution is a product in Fourier space; the transform of a Gaussian
    of width sigma is exp(-2 pi^2 sigma^2 k^2). Edges wrap around, which is
    harmless because the borders hold only faint light.
    """
    ft = np.fft.rfft2(img)
    ft *= np.exp(np.float32(-2 * np.pi ** 2) * col(sigma) ** 2 * _K2)
    return np.fft.irfft2(ft, s=(SIZE, SIZE)).astype(np.float32)


def observe(img, rng, *, gain):
    """Photon-like noise: Gaussian with variance 1 (sky) + signal / gain."""
    var = 1.0 + np.maximum(img, 0) / np.float32(gain)
    noise = rng.standard_normal(img.shape, dtype=np.float32)
    return img + noise * np.sqrt(var)


def asinh_stretch(img, *, offset, scale, soft):
    """SDSS-cutout-like display: pixel = offset + scale * asinh(I / soft),
    rounded and clipped to uint8."""
    pix = offset + scale * np.arcsinh(img / np.float32(soft))
    return np.clip(np.rint(pix), 0, 255).astype(np.uint8)


def _add_sersic(img, sel, ie, x0, y0, pa, q, re, n):
    """Add Sersic components to the images ``sel`` only (bars, neighbours)."""
    if len(sel):
        u, w = disk_frame(x0[sel], y0[sel], pa[sel], q[sel])
        img[sel] += col(ie[sel]) * sersic(u, w, re[sel], n[sel])


def _light(p):
    """Noiseless sky brightness of one batch before seeing, (B, 69, 69)."""
    b = len(p["x0"])
    img = np.zeros((b, SIZE, SIZE), np.float32)
    if p["b_ie"].any():
        u, w = disk_frame(p["x0"], p["y0"], p["pa"], p["b_q"])
        img += col(p["b_ie"]) * sersic(u, w, p["b_re"], p["b_n"])
    if p["d_ie"].any():
        u, w = disk_frame(p["x0"], p["y0"], p["pa"], p["d_q"])
        disk = sersic(u, w, p["d_re"], np.ones(b), cap=np.inf)
        if p["a_amp"].any():
            disk *= spiral_arms(u, w, p["a_amp"], p["a_pitch"], p["a_m"],
                                p["a_phase"], 0.3 * p["d_re"])
        if p["ring_ie"].any():
            disk += col(p["ring_ie"]) * ring(u, w, p["ring_r"], 0.15 * p["ring_r"])
        img += col(p["d_ie"]) * disk
        if p["dust"].any():     # dust lane: absorption within ~1 px of the mid-plane
            img *= 1.0 - col(p["dust"]) * np.exp(-0.5 * (w * col(p["d_q"])) ** 2)
    one = np.ones(b)
    _add_sersic(img, np.flatnonzero(p["bar_ie"]), p["bar_ie"], p["x0"], p["y0"],
                p["bar_pa"], 0.3 * one, p["bar_re"], 0.5 * one)
    _add_sersic(img, np.flatnonzero(p["nb_kind"] == 2), p["nb_ie"], p["nb_x"], p["nb_y"],
                p["nb_pa"], p["nb_q"], p["nb_re"], 1.5 * one)
    stars = np.flatnonzero(p["nb_kind"] == 1)
    return add_point_sources(img, stars, p["nb_x"][stars], p["nb_y"][stars],
                             p["nb_flux"][stars])


def render(p, rng):
    """uint8 images (B, 69, 69) of the galaxies described by ``p``.

    ``p`` maps names to arrays of length B (``reference.synthetic`` draws
    them): centre x0, y0; position angle pa; PSF width psf; bulge b_ie, b_re,
    b_n, b_q; disk d_ie, d_re, d_q; arms a_amp, a_pitch, a_m, a_phase; bar
    bar_ie, bar_re, bar_pa; ring ring_ie, ring_r; dust lane depth dust; and a
    neighbour nb_kind (0 none, 1 star, 2 galaxy), nb_x, nb_y, nb_flux, nb_ie,
    nb_re, nb_q, nb_pa. A component with zero brightness is skipped.
    """
    img = seeing(_light(p), p["psf"])
    return asinh_stretch(observe(img, rng, gain=GAIN), **STRETCH)
