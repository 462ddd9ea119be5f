"""Pure per-tile kernels of the ramp classifier: the basics and the cheap first pass.

Every function here takes plain numpy arrays and returns new ones; nothing reads global
state, so the same code runs in memory, over tiles of a memory-mapped file, or under
``dask.array.map_blocks``. Ramps arrive as ``(ngroups, P)`` float arrays of P pixels.
This module holds the feature names, the projection basis of a set of group times, the
order-fixed sums and the cheap first pass (`_cheap`); the full features of the ramps the
first pass leaves are computed by `ccdbadpix.ramps._features_kernel`, the detector-wide
read-noise, level and common-shape estimates by `ccdbadpix.ramps._detector`.

All features are in physical, noise-normalised units: signal in electrons, steps and
residuals in units of the expected noise (read noise plus shot noise of the pixel's own
dark current), rates in electron/s. Nothing is scaled by the range of a dataset.
"""

import functools

import numpy as np
from scipy.special import ndtri
from scipy.stats import chi2

__all__ = []

#: Names of the per-pixel ramp features, in the order of the rows of
#: `ccdbadpix.ramps._features_kernel._features`.
FEATURE_NAMES = (
    "rate",              # jump-corrected least-squares dark current, electron/s
    "rate_z",            # rate / its uncertainty
    "rate_early_z",      # first-half rate / its uncertainty
    "late_early_z",      # (second-half rate - first-half rate) / uncertainty
    "late_early_ratio",  # the same, bounded in [-1, 1]
    "curvature_z",       # quadratic term of the jump-corrected ramp / noise
    "chi2_clean",        # reduced chi-square of a line through the jump-corrected ramp
    "chi2_raw",          # the same for the ramp as read
    "lowfreq_chi2",      # mean square of low-order polynomial residual terms / noise
    "lowfreq_chi2_clean",  # the same for the jump-corrected ramp
    "jump_max_z",        # largest step above the rate, in noise units
    "jump_min_z",        # most negative step, in noise units
    "step_max_rn",       # largest step in units of the read noise
    "step_min_rn",       # most negative step in units of the read noise
    "n_jumps_up",        # steps above the adaptive threshold
    "n_jumps_down",      # steps below minus the threshold
    "diff_std_z",        # std of the normalised group differences
    "diff_std_clean_z",  # the same without the jumps and the largest other difference
    "diff_mean_abs_z",   # sum of variations per difference, noise units
    "diff_max_over_others",  # max |step| over the mean |step| of the others
    "diff_skew",         # skewness of the normalised differences
    "diff_kurtosis",     # excess kurtosis of the normalised differences
    "resid_skew",        # skewness of the raw-ramp residuals
    "resid_kurtosis",    # excess kurtosis of the raw-ramp residuals
    "bimodality",        # Sarle's bimodality coefficient of the residuals (two levels)
    "runs_fraction",     # sign changes of the clean residuals per group
    "resid_lag1",        # lag-1 autocorrelation of the clean residuals
    "shot_fraction",     # share of the expected residual variance due to shot noise
    "flat_fraction",     # share of differences that are exactly flat (no integration)
    "saturation_onset",  # where a trailing flat plateau starts, fraction of the ramp
    "wavelet_d1_rms",    # rms of the finest Haar detail coefficients, noise units
    "wavelet_coarse_max",  # largest coarsest-level Haar detail, noise units
    "wavelet_approx_range",  # range of the coarsest Haar approximation, noise units
    "scale_ratio_2",     # Haar detail power at 2-group scale over 1-group scale, clean
    "scale_ratio_4",     # the same at the 4-group scale (slow two-level switching)
    "two_level_llr",     # two-state hidden Markov model over one Gaussian, log-likelihood
    "two_level_switches",  # expected switches between its two levels
    "two_level_separation",  # distance between the two levels, in units of its noise
    "level_z",           # first-group level above the detector's typical one, in spread
    "log_ngroups",       # natural log of the number of groups
    "profile_gain",      # share of the detector-wide ramp shape the pixel follows (1: all)
)


def _jump_threshold(m):
    """Adaptive jump threshold: a 0.1 % per-ramp false-alarm rate over m differences."""
    return max(3.5, float(ndtri(1 - 1e-3 / m)))


_NPOLY = 8  # orthogonal polynomials of degree 2.. used for low-frequency structure


@functools.lru_cache(maxsize=16)
def _design(times):
    """Projection basis for group times ``times`` (a tuple of s).

    Rows of ``basis`` (float32, (2 + k, n)) are orthonormal over the groups: the
    constant, the centred time, then polynomials of degree 2..k+1. ``kappa[j]`` is the
    variance a unit-rate Poisson random walk adds to projection ``j`` (electron^2 per
    electron/s), so projection ``j`` of a pixel with rate r and read noise s has variance
    ``s**2 + r * kappa[j]``.
    """
    t = np.asarray(times, dtype=np.float64)
    n = t.size
    k = max(0, min(_NPOLY, n - 2))
    x = (t - t.mean()) / max(np.ptp(t), 1e-30)
    vander = np.vander(x, 2 + k, increasing=True)
    q, r = np.linalg.qr(vander)
    q = q * np.sign(np.diag(r))  # row 1 increases with time
    basis = q.T
    walk = np.minimum.outer(t, t) - t[0]
    kappa = np.einsum("jn,nm,jm->j", basis, walk, basis)
    tc = t - t.mean()
    stt = float((tc * tc).sum())
    dt = np.diff(t)
    uniform = bool(np.allclose(dt, dt[0], rtol=1e-6))
    m = n - 1
    return dict(basis=basis.astype(np.float32), kappa=kappa, slope_norm=np.sqrt(stt), n=n,
                m=m, k=k, dt=dt, uniform=uniform, span=float(t[-1] - t[0]),
                thr=_jump_threshold(m), chi2_max=float(chi2.isf(1e-3, k)) if k else np.inf,
                var_lo=max(0.25, float(chi2.ppf(1e-5, max(m - 1, 1))) / max(m - 1, 1)),
                var_hi=float(chi2.isf(1e-6, max(m - 1, 1))) / max(m - 1, 1), w2=1.0 / stt,
                var_trim_lo=_trimmed_variance_bound(m),
                **_step_design(basis[:2], walk, tc / stt), **_initial_slope_design(t, walk))


@functools.lru_cache(maxsize=64)
def _trimmed_variance_bound(m, p=1e-3, samples=20000):
    """Lower bound of `_trimmed_variance` of m read-noise differences over its variance.

    For unit white-noise reads (neighbouring differences share a read) the trimmed
    variance of the m differences, over their variance 2, falls below the bound with
    probability ``p`` at most (about p/4 for six differences, p for hundreds): a scaled
    chi-square matched to its mean and variance from seeded simulated noise, computed
    once per m. 0 (no test) below six differences.
    """
    if m < 6:
        return 0.0
    rng = np.random.default_rng(20260611)
    d = np.diff(rng.standard_normal((m + 1, samples)), axis=0)
    mu = (d.sum(0) - d.max(0) - d.min(0)) / (m - 2)
    stat = _trimmed_variance((d * d).sum(0), d.max(0), d.min(0), mu, m) / 2
    mean, var = float(stat.mean()), float(stat.var())
    dof = 2 * mean * mean / var
    return mean * float(chi2.ppf(p, dof)) / dof


def _trimmed_variance(dsq, dmax, dmin, mu, m):
    """Variance of m differences without the largest and the smallest one.

    ``dsq`` the sum of their squares, ``dmax``/``dmin`` the extremes and ``mu`` the mean
    of the other m - 2. A step or a reset-anomaly excursion in one difference does not
    raise it, so a ramp quieter than the read noise still shows its low noise.
    """
    return (dsq - dmax * dmax - dmin * dmin - (m - 2) * mu * mu) / (m - 3)


def _initial_slope_design(t, walk):
    """Weights of the initial slope of a least-squares parabola, and their variances.

    ``slope0 @ y`` is the slope at the first group of the parabola through the ramp
    ``y``; its variance is ``s**2 * slope0_rn + rate * slope0_walk`` for read noise s.
    ``first`` (with ``first_rn``, ``first_walk``) is the same for the mean rate of the
    first two group differences. The rate a decelerating (debiasing) hot pixel shows at
    the start of its ramp.
    """
    x = t - t[0]
    w = np.linalg.pinv(np.stack([np.ones_like(x), x, x * x], axis=1))[1]
    first = np.zeros_like(x)  # mean rate of the first two group differences
    k = min(2, x.size - 1)
    first[0], first[k] = -1 / x[k], 1 / x[k]
    return dict(slope0=w.astype(np.float32), slope0_rn=float(w @ w),
                slope0_walk=float(w @ walk @ w), first=first.astype(np.float32),
                first_rn=float(first @ first), first_walk=float(first @ walk @ first))


def _step_design(line, walk, slope_weights):
    """Constants of the one-step search `_best_step` for these group times.

    A step of unit size at group ``j`` (``H_j``: 0 before, 1 from group j on) that a
    straight line cannot absorb is ``h_j = H_j - P H_j`` (P: projection on the constant
    and the slope). ``step_c[j-1] = h_j . h_j`` (its read-noise variance per unit
    electron^2), ``step_v[j-1] = h_j W h_j`` (per unit dark current, W the Poisson
    random walk's covariance) and ``step_slope[j-1] = w . H_j`` (how much a unit step
    raises the least-squares slope).
    """
    n = walk.shape[0]
    steps = np.tril(np.ones((n, n)))[:, 1:]  # column j-1 is H_j, j = 1..n-1
    h = steps - line.T @ (line @ steps)
    return dict(step_c=np.einsum("nj,nj->j", h, h).astype(np.float32),
                step_v=np.einsum("nj,nm,mj->j", h, walk, h).astype(np.float32),
                step_slope=(slope_weights @ steps).astype(np.float32))


def _best_step(res, lam, sigma2, des):
    """The most significant upward step of each ramp in its line-fit residuals.

    ``res`` (n, P) residuals of a least-squares line (electron), ``lam`` (P,) dark
    current (electron/s, >= 0), ``sigma2`` the read-noise variance. For a step at group
    j the likelihood-ratio statistic is ``S_j / sqrt(c_j sigma2 + v_j lam)`` with
    ``S_j`` the sum of the residuals from group j on (`_step_design`); it sees steps a
    few times smaller than a single group difference does, since the whole ramp on
    either side of the step takes part. Returns the statistic (P,), the group (P,) and
    the least-squares step size (P,) in electron.
    """
    n = res.shape[0]
    tail = np.empty((n - 1, res.shape[1]), res.dtype)  # S_j for j = 1..n-1
    tail[n - 2] = res[n - 1]
    for k in range(n - 3, -1, -1):  # row by row, the bits of cumsum: many times faster
        np.add(tail[k + 1], res[k + 1], out=tail[k])
    var = des["step_c"][:, None] * np.float32(sigma2) + des["step_v"][:, None] * lam
    stat = tail / np.sqrt(var)
    j = stat.argmax(0)
    cols = np.arange(res.shape[1])
    size = tail[j, cols] / des["step_c"][j]
    return stat[j, cols], j + 1, size


def _weighted_sum(weights, y):
    """``weights @ y`` for (K, n) or (n,) weights and (n, P) ramps, in a fixed order.

    A BLAS matrix product may add the groups in an order that depends on how many
    pixels the call holds (blocking, small-matrix kernels, threads), so a pixel's result
    would depend on its neighbours in the tile. Here the groups are added one by one
    with element-wise operations: every pixel gets the same bits whatever the tiling.
    """
    w = np.asarray(weights, np.float32)
    w2 = w[None] if w.ndim == 1 else w
    out = np.multiply(w2[:, :1], y[0])
    tmp = np.empty_like(out)
    for j in range(1, y.shape[0]):
        np.multiply(w2[:, j:j + 1], y[j], out=tmp)
        out += tmp
    return out[0] if w.ndim == 1 else out


def _two_columns(tile):
    """A C-contiguous (n, P) float32 tile with at least two pixels (the first repeated).

    numpy reduces a one-pixel (n, 1) array along the groups by pairwise summation but
    wider arrays row by row, so a lone pixel would get other bits than the same pixel
    among others; a repeated column keeps every reduction on the row-by-row path.
    """
    tile = np.ascontiguousarray(tile, dtype=np.float32)
    if tile.shape[1] == 1:
        tile = np.repeat(tile, 2, axis=1)
    return tile


_PROFILE_SIGNIFICANT = 3.0  # read noises: a shape smaller than this says nothing per pixel


def _profile_direction(profile, times, gain, sigma_r):
    """The part ``q`` (n,) of the detector-wide ramp shape ``profile`` (counts) that a
    straight line cannot absorb, and ``q / q.q`` (float32 both), or None when ``q`` is
    under three read noises: ``(q / q.q) . y`` is how much more of the shape a ramp ``y``
    holds than was subtracted from it."""
    if profile is None:
        return None
    basis = _design(tuple(times))["basis"][:2].astype(np.float64)
    p = np.asarray(profile, np.float64)
    q = p - basis.T @ (basis @ p)
    norm2 = float(q @ q)
    if norm2 * gain**2 < (_PROFILE_SIGNIFICANT * sigma_r) ** 2:
        return None
    return q.astype(np.float32), (q / norm2).astype(np.float32)


def _cheap(tile, times, gain, sigma_r, profile=None):
    """The cheap first pass on a (n, P) float32 tile of counts.

    Returns ``settled`` (bool, P): plainly linear ramps (no step beyond the jump
    threshold either way, group-difference scatter consistent with read plus shot noise,
    also without the largest and the smallest difference, so that a ramp that does not
    integrate but for one excursion - a dead pixel with the detector's reset anomaly
    subtracted - goes to the forest, no low-frequency structure or curvature in the
    residuals of a straight line, no significant fall), ``rate`` and ``rate_err``
    (electron/s) and ``finite``. Costs about five passes over the tile. With the
    detector-wide shape ``profile`` (counts) already subtracted from the tile, each ramp
    may hold more or less of it (`_profile_direction`): a pixel with a stronger reset
    anomaly than the detector's is still a plain straight line.
    """
    npix = tile.shape[1]
    tile = _two_columns(tile)
    direction = _profile_direction(profile, times, gain, sigma_r)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf ramps: finite=False
        if direction is not None:
            tile = tile - direction[0][:, None] * _weighted_sum(direction[1], tile)
        out = _cheap_pass(tile, times, gain, sigma_r)
    return tuple(a[:npix] for a in out)


def _cheap_pass(tile, times, gain, sigma_r):
    des = _design(tuple(times))
    g = np.float32(gain)
    proj = _weighted_sum(des["basis"], tile)  # (2 + k, P) counts
    rate = proj[1] * np.float32(g / des["slope_norm"])
    if des["uniform"]:
        dsq, dmax, dmin = _difference_stats(tile)
    else:
        d = np.diff(tile, axis=0)
        dsq = (d * d).sum(0)
    dsq *= g * g
    dsum = (tile[-1] - tile[0]) * g
    finite = np.isfinite(proj).all(0) & np.isfinite(dsq)
    m, s2 = des["m"], np.float32(sigma_r**2)
    lam = np.maximum(rate, 0)
    rate_err = np.sqrt(s2 * np.float32(des["w2"]) + lam * np.float32(6 / (5 * des["span"])))
    ok = finite & (rate > -4 * rate_err)
    if des["uniform"]:
        dmax, dmin = dmax * g, dmin * g
        mu = (dsum - dmax - dmin) / np.float32(max(m - 2, 1)) if m >= 4 else dsum / m
        var_d = 2 * s2 + np.maximum(mu, 0)
        sd = np.sqrt(var_d)
        ok &= (dmax - mu) < des["thr"] * sd
        ok &= (mu - dmin) < des["thr"] * sd
        mean_d = dsum / np.float32(m)
        var_obs = (dsq - m * mean_d * mean_d) / np.float32(max(m - 1, 1))
        trimmed = _trimmed_variance(dsq, dmax, dmin, mu, m) / var_d if m >= 6 else None
    else:
        dt = des["dt"].astype(np.float32)[:, None]
        mu = dsum / np.float32(des["span"])
        var_d = 2 * s2 + np.maximum(mu, 0) * dt
        z = (d * g - mu * dt) / np.sqrt(var_d)
        ok &= np.abs(z).max(0) < des["thr"]
        var_obs = z.var(0)
        var_d = np.float32(1)
        zmax, zmin = z.max(0), z.min(0)
        trimmed = (_trimmed_variance((z * z).sum(0), zmax, zmin,
                                     (z.sum(0) - zmax - zmin) / np.float32(m - 2), m)
                   if m >= 6 else None)
    ratio = var_obs / var_d
    ok &= (ratio > des["var_lo"]) & (ratio < des["var_hi"])
    if trimmed is not None:  # quieter than read noise but for one or two differences
        ok &= trimmed > des["var_trim_lo"]
    if des["k"]:
        kap = des["kappa"][2:].astype(np.float32)
        c = proj[2] * g
        z2 = c * c / (s2 + lam * kap[0])
        ok &= z2 < 12.25  # curvature below 3.5 sigma
        ok &= ~((c < 0) & (z2 > 9))  # bending down by 3 sigma: maybe a hot pixel
        for j in range(1, des["k"]):  # the sum over the polynomials, row by row as numpy
            c = proj[2 + j] * g
            z2 += c * c / (s2 + lam * kap[j])
        ok &= z2 < des["chi2_max"]
    _unsettle_small_steps(ok, tile, proj, des, g, rate, rate_err, s2)
    return ok, rate, rate_err, finite


def _difference_stats(tile):
    """``(d * d).sum(0)``, ``d.max(0)`` and ``d.min(0)`` of ``d = np.diff(tile, axis=0)``
    for a (n, P) tile, P >= 2, with the same bits (numpy adds the rows of a wide array
    one by one), one group difference at a time instead of through (n - 1, P)
    temporaries."""
    diff = tile[1] - tile[0]
    total = diff * diff
    high, low = diff.copy(), diff.copy()
    square = np.empty_like(diff)
    for j in range(1, tile.shape[0] - 1):
        np.subtract(tile[j + 1], tile[j], out=diff)
        np.multiply(diff, diff, out=square)
        total += square
        np.maximum(high, diff, out=high)
        np.minimum(low, diff, out=low)
    return total, high, low


def _unsettle_small_steps(ok, tile, proj, des, g, rate, rate_err, s2):
    """Leave to the full path, in place, settled ramps with a small upward step.

    Only ramps whose dark current is significantly positive are searched (`_best_step`):
    there a hidden cosmic-ray step could make the pixel look warm; the full path removes
    it.
    """
    cols = np.flatnonzero(ok & (rate > 3 * rate_err))
    if not cols.size:
        return
    line = des["basis"][:2]
    res = (tile[:, cols] - line[0][:, None] * proj[0, cols]
           - line[1][:, None] * proj[1, cols]) * g
    stat, _, size = _best_step(res, np.maximum(rate[cols], 0), s2, des)
    ok[cols[(stat > des["thr"]) & (size > 0)]] = False


def _prepare(tile, gain):
    """(n, P) counts -> (n, P) float32 electrons relative to the first group, finite mask."""
    y = np.asarray(tile, dtype=np.float32)
    finite = np.isfinite(y).all(0)
    with np.errstate(invalid="ignore", over="ignore"):  # non-finite ramps zeroed below
        y = y - y[0]
        y *= np.float32(gain)
    if not finite.all():
        y[:, ~finite] = 0
    return y, finite
