"""Detector-wide estimates of `~ccdbadpix.ramps.classify.classify_ramps` from a sample
block of ramps: the per-pixel read noise, the first-group levels and the common ramp
shape (reset anomaly, last-frame effect) every pixel shares; how much of that shape
each pixel follows (`profile_gain`); and the row-correlated noise of the readout
(`row_residuals`, `row_noise`, `subtract_row_noise`).

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
    # the variance of the float32 differences (ddof=1), one difference at a time: no
    # (n - 1, P) temporaries
    diff = y[1] - y[0]
    total, square = diff.astype(np.float64), np.empty(y.shape[1])
    sumsq = total * total
    for j in range(1, n - 1):
        np.subtract(y[j + 1], y[j], out=diff)
        total += diff
        np.multiply(diff, diff, out=square, dtype=np.float64)
        sumsq += square
    mean = total / (n - 1)
    var = (sumsq - (n - 1) * mean * mean) / (n - 2) - np.maximum(mean, 0)
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


_LACKS_SHAPE = 0.5  # profile gain below which a ramp does not share the detector's shape


def without_missing_shape(y, profile, times, sigma_r):
    """Ramps ``y`` (n, P electrons from the first group, ``profile`` already subtracted)
    with the shape they lack put back, and each ramp's `profile_gain`.

    A pixel that does not take part in the readout's effects on the photodiode (a dead
    pixel has no reset anomaly) is left holding the inverse of the detector's shape
    once that is subtracted: an excursion in the first groups, and a slope, that are
    no property of its own and look like a step. A ramp that follows less than half of
    the shape gets back the part it lacks, ``(1 - gain) * profile``, if it then does not
    integrate (least-squares slope under three read-noise errors); other ramps are
    returned as they are (a copy only where something changed).
    """
    gain = profile_gain(y, profile, times, sigma_r)
    if _profile_direction(profile, times, 1.0, sigma_r) is None:
        return y, gain
    lacking = np.flatnonzero(gain < _LACKS_SHAPE)
    if not lacking.size:
        return y, gain
    p = np.asarray(profile, np.float32)[:, None]
    restored = y[:, lacking] + p * (1 - gain[lacking])
    flat = _weighted_sum(_slope_direction(tuple(np.asarray(times, np.float64))),
                         restored) < 3 * sigma_r
    if not flat.any():
        return y, gain
    y = y.copy()
    y[:, lacking[flat]] = restored[:, flat]
    return y, gain


@functools.lru_cache(maxsize=64)
def _slope_direction(times):
    """Unit vector along a straight line's slope (float32): its product with a ramp of
    white noise sigma has error sigma."""
    t = np.asarray(times, np.float64) - np.mean(times)
    return (t / np.sqrt(t @ t)).astype(np.float32)


_ROW_COLUMNS = 256  # columns per row whose median measures the row's noise
_ROW_MIN_COLUMNS = 32  # fewer finite columns: the row is left as it is


def _median_last(values):
    """Median over the last axis, ignoring NaN (NaN where fewer than
    ``_ROW_MIN_COLUMNS`` are finite), the robust spread (IQR / 1.349) of each row, and
    the number of finite values; by sorting, which puts NaN last."""
    s = np.sort(values, axis=-1)
    k = np.isfinite(values).sum(-1)

    def at(q):
        idx = np.clip(np.floor(q * (k - 1)).astype(np.intp), 0, None)
        return np.take_along_axis(s, idx[..., None], -1)[..., 0]

    lo = np.take_along_axis(s, np.clip((k - 1) // 2, 0, None)[..., None], -1)[..., 0]
    hi = np.take_along_axis(s, np.clip(k // 2, 0, None)[..., None], -1)[..., 0]
    few = k < _ROW_MIN_COLUMNS
    med = np.where(few, np.nan, 0.5 * (lo + hi))
    spread = np.where(few, np.nan, (at(0.75) - at(0.25)) / 1.349)
    return med, spread, k


def row_stride(ncols):
    """The column step that samples at most ``_ROW_COLUMNS`` columns of a row evenly."""
    return max(1, -(-ncols // _ROW_COLUMNS))


def row_residuals(block, times):
    """Per-row median residuals of each read of a (ngroups, rows, cols) block of counts
    (the columns already sampled, `row_stride`) from each pixel's own least-squares
    line.

    Returns (median, spread, ncols): (ngroups, rows) medians over the columns (ramps
    with a non-finite read left out; NaN for a row with too few), the robust spread of
    those residuals, and how many columns entered each median. A read's median is
    estimated on its own, so its error does not add up along the ramp. Rows are
    independent: the result of a row does not depend on which other rows share the
    block.
    """
    y = np.ascontiguousarray(block, np.float32)
    n = y.shape[0]
    t = np.asarray(times, np.float64) - np.mean(times)
    # the line of each pixel, in a fixed order of additions: the same bits whatever the
    # memory layout, tiling or BLAS threads
    fit = _weighted_sum(np.stack([np.full(n, 1 / n), t / (t @ t)]), y.reshape(n, -1))
    fit = fit.reshape(2, *y.shape[1:])
    resid = y - fit[0] - t.astype(np.float32).reshape(-1, *(1,) * (y.ndim - 1)) * fit[1]
    return _median_last(resid)


def row_noise(medians, spreads, ncols, times):
    """The readout's row-correlated (1/f) noise of one integration, from `row_residuals`
    of all its rows: (ngroups, ny) offsets of each row in each read, and (rms, floor),
    the rms of the row noise the offsets remove and that of the error they add, in
    counts per read.

    A row's offset in a read is how far its median residual departs from the
    detector's (the median over rows: what all rows share is the detector-wide ramp
    shape, removed separately), less its straight line in time: so a row keeps its
    level and its least-squares dark current (a glow or gradient along the columns
    stays), and so does every pixel. A median of ``m`` residuals of spread ``s`` misses
    by about ``s * sqrt(pi / (2 m))``.
    """
    n = medians.shape[0]
    frame = np.nanmedian(medians, axis=1, keepdims=True) if np.isfinite(medians).any() \
        else np.zeros((n, 1))
    ok = np.isfinite(medians).all(0)
    dev = np.where(ok, medians - frame, 0)
    t = np.asarray(times, np.float64) - np.mean(times)
    dev = dev - dev.mean(0) - np.outer(t, (t @ dev) / (t @ t))
    dev = dev.astype(np.float32)
    if not ok.any():
        return dev, (0.0, 0.0)
    floor2 = np.pi / 2 * np.nanmedian(spreads[:, ok]) ** 2 / float(np.median(ncols[:, ok]))
    total2 = float(np.mean(dev[:, ok].astype(np.float64) ** 2))
    return dev, (float(np.sqrt(max(total2 - floor2, 0))), float(np.sqrt(floor2)))


def subtract_row_noise(block, offsets):
    """A (ngroups, rows, ...) block with the per-row offsets (ngroups, rows) of each read
    removed (float32).

    A difference that is exactly 0 stays 0: a repeated value (a saturated, stuck or
    constant pixel) is not read through the noisy chain, and keeping it exact keeps
    what makes such a pixel recognisable; such a ramp keeps its first read too, and
    loses only the changes of the offsets where its value changes. Pure and pixel by
    pixel: tiling does not change a bit.
    """
    y = np.asarray(block, np.float32)
    n = y.shape[0]
    c = np.asarray(offsets, np.float32).reshape(n, y.shape[1], -1)
    out = y - c.reshape((n, y.shape[1]) + (1,) * (y.ndim - 2))
    repeated = (y[1:] == y[:-1]).any(0)
    if repeated.any():  # only these ramps need the difference by difference sum
        rows = np.nonzero(repeated)[0]
        d = np.diff(y[:, repeated], axis=0)
        d = np.where(d == 0, np.float32(0), d - np.diff(c[:, rows, 0], axis=0))
        fixed = np.empty((n, rows.size), np.float32)
        fixed[0] = y[0][repeated]
        np.cumsum(d, axis=0, out=fixed[1:])
        fixed[1:] += fixed[0]
        out[:, repeated] = fixed
    return out
