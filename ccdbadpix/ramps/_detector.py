"""Detector-wide estimates of `~ccdbadpix.ramps.classify.classify_ramps` from a sample
block of ramps: the per-pixel read noise, the first-group levels and the common ramp
shape (reset anomaly, last-frame effect) every pixel shares; and how much of that shape
each pixel follows (`profile_gain`).

Pure functions of plain numpy arrays, like `ccdbadpix.ramps._kernel`.
"""

import functools

import numpy as np
from scipy.stats import theilslopes

from ccdbadpix.ramps._kernel import _prepare, _profile_direction, _weighted_sum

__all__ = []


@functools.lru_cache(maxsize=64)
def _median_variance_scale(n, samples=40000):
    """Median of the difference-variance statistic for n reads of unit white noise, / 2.

    Computed once per n from seeded simulated noise (it has no simple closed form, the
    differences being correlated); it tends to 1 for many groups.
    """
    rng = np.random.default_rng(20261121)
    d = np.diff(rng.standard_normal((n, samples)), axis=0)
    return float(np.median(d.var(axis=0, ddof=1))) / 2


def read_noise_tile(ramps, times, gain):
    """Per-pixel read-noise estimates (electron) of a (ngroups, ...) block.

    From the sample variance of each pixel's group differences, with its own shot noise
    (the mean difference, in electrons) removed, scaled so that the *median* over pixels
    is unbiased for Gaussian read noise however few the groups (neighbouring differences
    share a read, and a median of few-sample variances sits below their mean; see
    `_median_variance_scale`). Take the median over pixels: jumps,
    telegraph steps and hot pixels only move the upper tail. NaN where undefined.
    """
    n = ramps.shape[0]
    y, finite = _prepare(np.asarray(ramps, np.float32).reshape(n, -1), gain)
    # float32 differences, kept as float64; then numpy's var(ddof=1) and mean, in place
    d = np.empty((n - 1, y.shape[1]))
    np.subtract(y[1:], y[:-1], out=d, dtype=np.float32)
    mean = d.sum(0) / (n - 1)
    d -= mean
    d *= d
    var = d.sum(0) / (n - 2) - np.maximum(mean, 0)
    est = np.sqrt(np.maximum(var, 0) / (2 * _median_variance_scale(n)))
    est = np.where(finite, est, np.nan)
    return est.reshape(ramps.shape[1:])


def level_reference(first_group, read_noise_counts):
    """(median, spread) of first-group levels, the spread floored at the read noise."""
    v = np.asarray(first_group, np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0.0, max(read_noise_counts, 1e-6)
    med = float(np.median(v))
    spread = 1.4826 * float(np.median(np.abs(v - med)))
    return med, max(spread, read_noise_counts, 1e-6)


_PROFILE_PIXELS = 4096  # pixels whose median group differences give the common shape


def common_profile(block, times):
    """The detector-wide additive ramp shape of a (ngroups, ...) block of counts, (ngroups,).

    Effects every pixel shares (the reset anomaly of the first groups, a last-frame
    effect, a drift of the readout) move the median group difference of the detector
    away from its median rate. ``p[k]`` is the sum of those departures up to group k
    (``p[0] = 0``): subtracting it from every ramp leaves each pixel's own behaviour,
    as a reference-pixel correction does for the bias, and keeps the median dark
    current. That rate is the Theil-Sen slope of the summed median differences over the
    groups after the first quarter (where a reset anomaly has died away; robust to a
    last-frame effect): a median of the group differences themselves would carry the
    read-to-read common-mode noise of the readout straight into every pixel's rate.
    Non-finite ramps are left out; 0 where no ramp is finite.
    """
    n = block.shape[0]
    flat = np.asarray(block).reshape(n, -1)
    flat = flat[:, ::max(1, flat.shape[1] // _PROFILE_PIXELS)]  # a fixed stride sample
    d = np.diff(flat.astype(np.float64), axis=0)
    d = d[:, np.isfinite(d).all(0)]
    if d.shape[1] == 0:
        return np.zeros(n, np.float32)
    med = np.median(d, axis=1)
    t = np.asarray(times, np.float64)
    cum = np.concatenate([[0.0], np.cumsum(med)])
    late = slice(n // 4, None) if n >= 8 else slice(None)
    base = float(theilslopes(cum[late], t[late]).slope)
    return (cum - base * (t - t[0])).astype(np.float32)


def profile_gain(y, profile, times, sigma_r):
    """How much of the detector-wide ramp shape each pixel follows (P,) float32.

    ``y`` (n, P) are ramps in electrons with ``profile`` (n,) electrons (the common shape,
    `common_profile` times the gain) already subtracted, ``sigma_r`` the read noise. The
    part of the shape a straight line cannot absorb, ``q``, is projected out of each
    ramp: 1 + (q . y) / (q . q) is 1 for a pixel with the detector's reset anomaly, about
    0 for one without it (a dead pixel, which does not take part in the readout's
    effects on the photodiode), above 1 for a stronger one. 1 everywhere when there is
    no profile or its non-linear part is under three read noises: too small to measure.
    """
    direction = _profile_direction(profile, times, 1.0, sigma_r)
    if direction is None:
        return np.ones(y.shape[1], np.float32)
    return np.clip(1 + _weighted_sum(direction[1], y), -3, 5)
