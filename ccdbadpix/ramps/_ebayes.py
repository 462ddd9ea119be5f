"""Empirical-Bayes split of straight-line ramps into good, warm and hot.

One pixel's measured dark current ``r`` with error ``e`` says little when ``e`` is not
small against the thresholds; the detector's other pixels say how true dark currents
are distributed. `rate_prior` estimates that distribution from the whole detector as a
discrete prior on a grid of rates (the nonparametric maximum-likelihood estimate of a
normal-means mixture, by EM: Kiefer & Wolfowitz 1956; Koenker & Mizera 2014), and
`probability_above` gives each pixel's posterior probability that its true dark current
is at or above a threshold. A pixel measured a little above the threshold on a detector
where almost no pixel is that bright is most likely an ordinary pixel with a noisy
estimate; on a detector with many such pixels it is most likely one of them.

Both are global, deterministic functions of the assembled rate map: the sample is a
fixed stride over the pixels, every sum runs in a fixed order, so the result does not
depend on tiles, chunks or threads.
"""

import numpy as np

from ccdbadpix.utils._threads import _one_blas_thread

__all__ = []

_GRID = 48        # grid points of the prior
_SAMPLES = 2000   # pixels per part (bulk, outliers) used to fit the prior
_ITERATIONS = 100
_WIDE = 10.0      # beyond this many errors from a threshold the posterior is 0 or 1


def _sample(rate, err, outlier_z=5.0):
    """A weighted sample of (rate, err): every outlier (up to `_SAMPLES`, by stride) and a
    stride sample of the bulk, each pixel weighted by how many it stands for."""
    med, med_err = np.median(rate), np.median(err)
    tail = rate > med + outlier_z * med_err
    parts = []
    for part in (np.flatnonzero(~tail), np.flatnonzero(tail)):
        if part.size == 0:
            continue
        step = max(1, part.size // _SAMPLES)
        pick = part[::step]
        parts.append((pick, np.full(pick.size, part.size / pick.size)))
    idx = np.concatenate([p for p, _ in parts])
    return rate[idx], err[idx], np.concatenate([w for _, w in parts])


def rate_prior(rate, err, usable, thresholds=()):
    """Grid prior of the detector's true dark currents (NPMLE by EM).

    Parameters
    ----------
    rate, err : `~numpy.ndarray`
        Measured dark current and its standard error per pixel (electron/s).
    usable : `~numpy.ndarray`
        bool: pixels to learn from (finite ramps).
    thresholds : sequence of float
        Rates put on the grid themselves, so that the prior mass on either side of each
        threshold is resolved.

    Returns
    -------
    grid, weights : `~numpy.ndarray`
        float64 support points (sorted) and their probabilities; ``None, None`` when no
        pixel is usable.
    """
    ok = usable & np.isfinite(rate) & np.isfinite(err) & (err > 0)
    if not ok.any():
        return None, None
    r, e, a = _sample(rate[ok].astype(np.float64), err[ok].astype(np.float64))
    grid = np.unique(np.concatenate([np.quantile(r, np.linspace(0, 1, _GRID)),
                                     np.asarray(thresholds, np.float64)]))
    w = _em_weights(_likelihood(r, e, grid), a / a.sum())
    return grid, w / w.sum()


def _em_weights(like, a):
    """The grid weights after `_ITERATIONS` EM steps from the uniform prior.

    Each step is ``w <- w * (like.T @ (a / (like @ w)))`` (the posterior of every pixel,
    weighted and summed over pixels), two matrix-vector products: the same maths as
    ``post = like * w; post /= post.sum(1); w = (a[:, None] * post).sum(0)``, other
    rounding (BLAS order), on one BLAS thread so that the thread count cannot change it.
    """
    w = np.full(like.shape[1], 1.0 / like.shape[1])
    grid_major = np.ascontiguousarray(like.T)
    with _one_blas_thread():
        for _ in range(_ITERATIONS):
            w = w * (grid_major @ (a / np.maximum(like @ w, 1e-300)))
    return w


def _likelihood(r, e, grid):
    """(npix, ngrid) normal likelihoods of the grid rates, scaled per pixel to a maximum
    of 1 (the scale cancels in every posterior)."""
    z = (r[:, None] - grid[None]) / e[:, None]
    logl = -0.5 * z * z
    return np.exp(logl - logl.max(1, keepdims=True))


def probability_above(rate, err, prior, threshold, where=None):
    """Posterior probability that each pixel's true dark current is >= ``threshold``.

    Computed only where ``where`` is True (default everywhere) and 0 elsewhere. Pixels
    more than `_WIDE` errors from the threshold get 0 or 1 directly (the posterior there
    is 0 or 1 to many digits); without a prior (``grid is None``) every pixel gets
    ``rate >= threshold``.
    """
    grid, w = prior
    sel = np.ones(rate.shape, bool) if where is None else where
    out = (sel & (rate >= threshold)).astype(np.float32)
    if grid is None:
        return out
    with np.errstate(invalid="ignore", divide="ignore"):
        near = sel & (np.abs(rate - threshold) < _WIDE * err)
    near &= np.isfinite(rate) & (err > 0)
    idx = np.flatnonzero(near.ravel())
    if idx.size:
        flat = out.reshape(-1)
        like = _likelihood(rate.ravel()[idx].astype(np.float64),
                           err.ravel()[idx].astype(np.float64), grid) * w
        total = np.maximum(like.sum(1), 1e-300)
        flat[idx] = like[:, grid >= threshold].sum(1) / total
    return out
