"""Pure kernels of the full ramp features (the path of the ramps the first pass leaves).

`_basics` corrects each ramp for its jumps and fits it; `_features` turns that into the
`FEATURE_NAMES` rows, one named group of features at a time. Like `ccdbadpix.ramps._kernel`
every function takes plain numpy arrays and returns new ones, so the results are the same
in memory, over tiles of a memory-mapped file, or under ``dask.array.map_blocks``; the
arithmetic (and so every bit of the features the shipped model was trained on) is fixed.
"""

import functools

import numpy as np
import pywt

from ccdbadpix.ramps._detector import profile_gain, without_missing_shape
from ccdbadpix.ramps._kernel import (
    FEATURE_NAMES,
    _best_step,
    _design,
    _prepare,
    _two_columns,
    _weighted_sum,
)
from ccdbadpix.ramps._telegraph import scale_ratios, two_level_statistic

__all__ = []

_FLAT = 1e-3  # a difference below this many noise sigmas counts as exactly flat


def _line_weights(t):
    """Centred times and the least-squares slope weights."""
    tc = t - t.mean()
    return tc, tc / float((tc * tc).sum())


def _steps(z, thr):
    """Differences that are steps: beyond ``thr`` and not half of a one-read excursion.

    A single read off by a few sigma gives two neighbouring differences of opposite sign
    and about equal size; treating the larger one as a step would shift the rest of the
    ramp. A step followed by an ordinary noise difference of the other sign (a third of
    the step or less) is still a step.
    """
    az = np.abs(z)
    big = az > thr
    half = az > 0.5 * thr
    pos = z > 0
    excursion = np.zeros_like(big)
    low = np.minimum(az[1:], az[:-1])
    low *= 3
    alike = low > np.maximum(az[1:], az[:-1])
    pair = half[1:] & half[:-1] & (pos[1:] != pos[:-1]) & alike
    excursion[:-1] |= pair
    excursion[1:] |= pair
    return big & ~excursion


def _basics(y, t, sigma_r):
    """Quantities shared by the features (full path, unsettled pixels only).

    ``y`` (n, P) electrons relative to the first group, ``t`` (n,) s, ``sigma_r`` read
    noise in electrons (> 0). Returns a dict of (P,) and (m, P) arrays.
    """
    n = t.size
    m = n - 1
    des = _design(tuple(t))
    dt = np.diff(t).astype(np.float32)[:, None]
    d = np.diff(y, axis=0)
    if m >= 4:  # trimmed mean: robust to one jump either way, much cheaper than a median
        mu = (d.sum(0) - d.max(0) - d.min(0)) / np.float32(dt.sum() - 2 * dt.mean())
    else:
        mu = np.median(d / dt, axis=0)
    var_d = np.maximum(mu, 0) * dt  # (m, P); in place below, the bits of the plain sums
    var_d += 2 * sigma_r**2
    sd = np.sqrt(var_d)
    z = mu * dt
    np.subtract(d, z, out=z)
    z /= sd
    thr = des["thr"]
    jumps = _steps(z, thr)
    dc = np.where(jumps, mu * dt, d)
    yc = np.empty_like(y)
    yc[0] = 0
    for k in range(m):  # row by row: much faster than a strided cumsum along axis 0
        np.add(yc[k], dc[k], out=yc[k + 1])
    tc, w = _line_weights(t)
    tc32, w32 = tc.astype(np.float32), w.astype(np.float32)
    rate = _weighted_sum(w32, yc)
    res_c = yc - yc.mean(0) - rate * tc32[:, None]
    span = float(t[-1] - t[0])
    dof = max(n - 2, 1)
    step_group, step_size = _remove_small_step(yc, rate, res_c, sigma_r, des, tc32)
    lam = np.maximum(rate, 0)
    shot = lam * np.float32(span / 6)
    var_res = np.float32(sigma_r**2) + shot
    chi2_clean = (res_c * res_c).sum(0) / dof / var_res
    rate_raw = _weighted_sum(w32, y)
    res_r = y - y.mean(0) - rate_raw * tc32[:, None]
    chi2_raw = (res_r * res_r).sum(0) / dof / var_res
    hit = (jumps & (z > 0)).any(0) & ~(jumps & (z < 0)).any(0)  # upward jumps only
    two_level = _two_level(res_r, chi2_raw, dof, hit)
    rate_err = np.sqrt(np.float32(sigma_r**2 * float((w * w).sum()))
                       + lam * np.float32(6 / (5 * span)))
    if des["k"]:
        kap = des["kappa"][2:].astype(np.float32)[:, None]
        c = _weighted_sum(des["basis"][2:], yc)
        z2 = c * c / (np.float32(sigma_r**2) + lam * kap)
        curv = c[0] / np.sqrt(np.float32(sigma_r**2) + lam * kap[0])
        c_raw = _weighted_sum(des["basis"][2:], y)
        lowfreq = (c_raw * c_raw / (np.float32(sigma_r**2) + lam * kap)).mean(0)
        lowfreq_clean = z2.mean(0)
    else:
        curv = lowfreq = lowfreq_clean = np.zeros_like(rate)
    flat = np.abs(d) <= _FLAT * sd
    noise = _noise_ratio(d, jumps, mu, dt, sigma_r)
    shown, shown_err = _rate_shown(y, yc, rate, rate_err, curv, sigma_r, des)
    return dict(n=n, m=m, y=y, dt=dt, d=d, mu=mu, var_d=var_d, z=z, thr=thr, jumps=jumps,
                yc=yc, rate=rate, rate_err=rate_err, var_res=var_res, shot=shot,
                res_c=res_c, res_r=res_r, chi2_clean=chi2_clean, chi2_raw=chi2_raw,
                curv=curv, flat=flat, lowfreq=lowfreq, lowfreq_clean=lowfreq_clean,
                step_group=step_group, step_size=step_size, noise_ratio=noise,
                rate_shown=shown, rate_shown_err=shown_err, two_level=two_level)


def _two_level(res_r, chi2_raw, dof, hit):
    """`two_level_statistic` of the ramps as read whose residuals show excess variance
    (the reduced chi-square two of its standard deviations above 1, at least eight
    groups) and that are not ``hit`` (upward jumps only: a cosmic ray, the most common
    unsettled ramp); (3, P) float32, zeros elsewhere. The raw ramp, since the jump
    correction would cut the larger telegraph steps and any step of a noisy pixel."""
    out = np.zeros((3, res_r.shape[1]), np.float32)
    if res_r.shape[0] < 8:
        return out
    cols = np.flatnonzero((chi2_raw > 1 + 2 * np.sqrt(2 / dof)) & ~hit)
    if cols.size:
        wide = _two_columns(res_r[:, cols])  # one column would sum in another order
        out[:, cols] = np.stack(two_level_statistic(wide))[:, :cols.size]
    return out


def _rate_shown(y, yc, rate, rate_err, curv, sigma_r, des):
    """The dark current a pixel shows, and its error: the least-squares slope, or for a
    decelerating ramp its early rate when that has the higher 3-sigma lower bound.

    A hot pixel debiases as it fills, so its ramp bends over and the straight-line
    slope underestimates the dark current it has; its early rate is what it shows
    before debiasing: the slope at the start of a parabola through the ramp or, for a
    ramp that bends over within a few groups, the mean rate of its first two group
    differences, whichever has the higher 3-sigma lower bound. Only ramps bending down
    by more than 3 sigma once corrected for their jumps (``curvature_z < -3``, from
    ``yc``) can use it; the first differences are taken as read (``y``), since the jump
    correction takes a large first difference for a hit, while a ramp whose only
    oddity is a hit at its start is straight once corrected.
    """
    if des["n"] < 4:
        return rate, rate_err
    best, best_err = rate, rate_err
    for key, ramps in (("slope0", yc), ("first", y)):
        r0 = _weighted_sum(des[key], ramps)
        e0 = np.sqrt(np.float32(sigma_r**2 * des[key + "_rn"])
                     + np.maximum(r0, 0) * np.float32(des[key + "_walk"]))
        use = (curv < -3) & (r0 - 3 * e0 > best - 3 * best_err)
        best, best_err = np.where(use, r0, best), np.where(use, e0, best_err)
    return best, best_err


def _noise_ratio(d, jumps, mu, dt, sigma_r):
    """A pixel's own noise over the noise expected of it, from its second differences.

    For read noise s and dark current mu a second difference of the reads has variance
    ``6 s**2 + 2 mu dt``; a smooth change of slope (a decelerating hot pixel) adds
    almost nothing to it, and the pairs touching a detected jump are left out. 1 for a
    pixel as noisy as the detector, 2 for one twice as noisy; 1 with fewer than four
    usable second differences.
    """
    d2 = np.diff(d, axis=0)
    keep = ~(jumps[1:] | jumps[:-1])
    expected = 2 * np.maximum(mu, 0) * dt[1:]
    expected += 6 * np.float32(sigma_r**2)
    d2 *= d2  # in place: the bits of np.where(keep, d2 * d2 / expected, 0)
    d2 /= expected
    np.copyto(d2, 0, where=~keep)
    num = d2.sum(0)
    count = keep.sum(0)
    return np.where(count >= 4, np.sqrt(num / np.maximum(count, 1)), 1).astype(np.float32)


def _remove_small_step(yc, rate, res_c, sigma_r, des, tc32):
    """Remove, in place, an upward step too small for the group differences to show.

    A cosmic ray of a few read noises hides among the group differences but raises the
    fitted dark current by several of its errors. `_best_step` finds it from the whole
    ramp; when it is beyond the jump threshold and explains more of the residuals than a
    parabola would (a debiasing hot pixel's ramp bends over smoothly, its large first
    differences are no step), it is taken out of ``yc`` and of ``rate``, and ``res_c`` is
    refitted, so the dark current of a hit pixel is not
    biased by the hit. Returns the group of the step removed (-1 if none) and its size.
    """
    stat, j, size = _best_step(res_c, np.maximum(rate, 0), sigma_r**2, des)
    found = np.flatnonzero((stat > des["thr"]) & (size > 0))
    if found.size and des["k"]:  # a step must fit better than a parabola (debiasing)
        curve = _weighted_sum(des["basis"][2], res_c[:, found])
        explained = size[found] ** 2 * des["step_c"][j[found] - 1]  # by the step
        found = found[explained > curve * curve]
    group = np.full(rate.shape, -1, np.int32)
    if found.size:
        jf, sf = j[found], size[found]
        n = yc.shape[0]
        later = (np.arange(n)[:, None] >= jf) * sf
        slope = sf * des["step_slope"][jf - 1]
        yc[:, found] -= later
        rate[found] -= slope
        # element-wise refit (the mean falls by sf (n - j) / n): no reduction over a
        # subset whose width would change the bits
        res_c[:, found] += sf * ((n - jf) / np.float32(n)) + slope * tc32[:, None] - later
        group[found] = jf
    return group, np.where(group >= 0, size, 0).astype(np.float32)


def _moments(x, axis=0):
    """Skewness and excess kurtosis along ``axis`` (0 where the variance is 0)."""
    mean = x.mean(axis)
    c = x - mean
    var = (c * c).mean(axis)
    ok = var > 0
    safe = np.where(ok, var, 1)
    c2 = c * c
    skew = np.where(ok, (c2 * c).mean(axis) / safe**1.5, 0)
    kurt = np.where(ok, (c2 * c2).mean(axis) / safe**2 - 3, 0)
    return skew, kurt


def _features(b, t, sigma_r, first, level_ref, profile=None, gain_of_profile=None):
    """The full feature matrix (nfeat, P) float32 from `_basics` output.

    ``first`` (P,) is the first-group value in counts and ``level_ref`` the detector's
    (median, spread) of it, so a ramp stuck at a high level (saturated from the first
    read) differs from one stuck at the bias (dead); ``profile`` the detector-wide ramp
    shape subtracted from the ramps, electrons (`profile_gain`; or ``gain_of_profile``,
    measured before `without_missing_shape`).
    """
    n = b["n"]
    out = np.empty((len(FEATURE_NAMES), b["z"].shape[1]), np.float32)
    f = dict(zip(FEATURE_NAMES, out, strict=True))
    f["rate"][:] = b["rate"]
    f["rate_z"][:] = b["rate"] / b["rate_err"]
    _half_and_fit_features(f, b, sigma_r)
    _difference_features(f, b, sigma_r)
    _residual_features(f, b)
    _wavelet_features(f, b)
    f["level_z"][:] = (first - np.float32(level_ref[0])) / np.float32(level_ref[1])
    f["log_ngroups"][:] = np.log(n)
    f["profile_gain"][:] = (profile_gain(b["y"], profile, t, sigma_r)
                            if gain_of_profile is None else gain_of_profile)
    np.nan_to_num(out, copy=False, nan=0.0, posinf=1e6, neginf=-1e6)
    np.clip(out, -1e6, 1e6, out=out)
    return out


def _half_and_fit_features(f, b, sigma_r):
    """Early / late halves of the jump-corrected ramp, and the fit statistics of `_basics`."""
    m, dt = b["m"], b["dt"]
    h = max(1, m // 2)
    dc = np.diff(b["yc"], axis=0)
    t_e, t_l = float(dt[:h].sum()), float(dt[h:].sum()) if m > h else float(dt[-1:].sum())
    r_e = dc[:h].sum(0) / np.float32(t_e)
    r_l = (dc[h:].sum(0) if m > h else dc[-1:].sum(0)) / np.float32(t_l)
    s2 = np.float32(2 * sigma_r**2)
    err_e = np.sqrt(s2 / np.float32(t_e**2) + np.maximum(r_e, 0) / np.float32(t_e))
    err_l = np.sqrt(s2 / np.float32(t_l**2) + np.maximum(r_l, 0) / np.float32(t_l))
    f["rate_early_z"][:] = r_e / err_e
    f["late_early_z"][:] = (r_l - r_e) / np.sqrt(err_e**2 + err_l**2)
    f["late_early_ratio"][:] = (r_l - r_e) / (np.abs(r_l) + np.abs(r_e) + 3 * err_e + 3 * err_l)
    f["curvature_z"][:] = b["curv"]
    f["chi2_clean"][:] = b["chi2_clean"]
    f["chi2_raw"][:] = b["chi2_raw"]
    f["lowfreq_chi2"][:] = b["lowfreq"]
    f["lowfreq_chi2_clean"][:] = b["lowfreq_clean"]


def _difference_features(f, b, sigma_r):
    """Steps and scatter of the noise-normalised group differences."""
    m, z, dt, d = b["m"], b["z"], b["dt"], b["d"]
    f["jump_max_z"][:] = z.max(0)
    f["jump_min_z"][:] = z.min(0)
    dev_rn = (d - b["mu"] * dt) / np.float32(sigma_r)
    f["step_max_rn"][:] = dev_rn.max(0)
    f["step_min_rn"][:] = dev_rn.min(0)
    thr = b["thr"]
    f["n_jumps_up"][:] = (z > thr).sum(0)
    f["n_jumps_down"][:] = (z < -thr).sum(0)
    f["diff_std_z"][:] = z.std(0)
    f["diff_std_clean_z"][:] = _clean_scatter(z, b["jumps"])
    az = np.abs(z)
    f["diff_mean_abs_z"][:] = az.mean(0)
    amax = az.max(0)
    others = (az.sum(0) - amax) / max(m - 1, 1)
    f["diff_max_over_others"][:] = amax / np.maximum(others, 1e-3)
    f["diff_skew"][:], f["diff_kurtosis"][:] = _moments(z)


def _clean_scatter(z, jumps):
    """Std of the normalised differences ``z`` (m, P) without the jumps and the one
    largest other difference, scaled to 1 for white read noise (`_trimmed_scale`).

    Leaving out the largest difference keeps an excursion too small to be a jump (a
    reset anomaly the pixel does not share, a small step) from hiding how quiet a ramp
    is: a dead pixel stays well below 1 whatever its first groups do.
    """
    m = z.shape[0]
    keep = ~jumps
    if m >= 4:
        az = np.where(keep, np.abs(z), -1)
        keep = keep & (np.arange(m)[:, None] != az.argmax(0))
    nk = np.maximum(keep.sum(0), 1)
    zk = np.where(keep, z, 0)
    mk = zk.sum(0) / nk
    std = np.sqrt(np.maximum((zk * zk).sum(0) / nk - mk * mk, 0))
    return std / np.float32(_trimmed_scale(m)) if m >= 4 else std


@functools.lru_cache(maxsize=64)
def _trimmed_scale(m, samples=20000):
    """Mean `_clean_scatter` of m differences of unit white-noise reads over sqrt(2),
    without jumps: from seeded simulated noise, once per m."""
    rng = np.random.default_rng(20260612)
    d = np.diff(rng.standard_normal((m + 1, samples)), axis=0) / np.sqrt(2)
    d = d - (d.sum(0) - d.max(0) - d.min(0)) / (m - 2)  # as z: the trimmed mean removed
    keep = np.arange(m)[:, None] != np.abs(d).argmax(0)
    dk = np.where(keep, d, 0)
    mk = dk.sum(0) / (m - 1)
    return float(np.sqrt(np.maximum((dk * dk).sum(0) / (m - 1) - mk * mk, 0)).mean())


def _residual_features(f, b):
    """Shape of the residuals of the raw and the jump-corrected ramp; flat stretches."""
    n, m = b["n"], b["m"]
    res_r, res_c = b["res_r"], b["res_c"]
    skew, kurt = _moments(res_r)
    f["resid_skew"][:], f["resid_kurtosis"][:] = skew, kurt
    if n > 3:
        corr = 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))
        f["bimodality"][:] = (skew**2 + 1) / (kurt + corr)
    else:
        f["bimodality"][:] = 0
    sign = res_c > 0
    f["runs_fraction"][:] = (sign[1:] != sign[:-1]).mean(0)
    den = (res_c * res_c).sum(0)
    f["resid_lag1"][:] = np.where(den > 0, (res_c[1:] * res_c[:-1]).sum(0)
                                  / np.where(den > 0, den, 1), 0)
    f["shot_fraction"][:] = b["shot"] / b["var_res"]
    flat = b["flat"]
    f["flat_fraction"][:] = flat.mean(0)
    moving = ~flat
    last_moving = m - 1 - np.argmax(moving[::-1], axis=0)  # last non-flat difference
    trailing = np.where(moving.any(0), m - 1 - last_moving, m)
    f["saturation_onset"][:] = 1 - trailing / m


def _wavelet_features(f, b):
    """Haar wavelet decomposition of the noise-normalised raw residuals."""
    level = max(1, min(3, pywt.dwt_max_level(b["n"], 2)))
    # pixels along the last axis: PyWavelets is much faster on contiguous rows
    coeffs = pywt.wavedec(np.ascontiguousarray((b["res_r"] / np.sqrt(b["var_res"])).T),
                          "haar", level=level, axis=-1)
    f["wavelet_d1_rms"][:] = np.sqrt((coeffs[-1] ** 2).mean(-1))
    scale = np.float32(2 ** (level / 2))
    f["wavelet_coarse_max"][:] = np.abs(coeffs[1]).max(-1) / scale
    f["wavelet_approx_range"][:] = np.ptp(coeffs[0], axis=-1) / scale
    f["scale_ratio_2"][:], f["scale_ratio_4"][:] = scale_ratios(b["res_c"], b["n"])
    f["two_level_llr"][:], f["two_level_switches"][:], f["two_level_separation"][:] = (
        b["two_level"])


def features_of(tile, times, gain, read_noise, level_ref, profile=None):
    """Full features (nfeat, P) float32 of a (ngroups, P) tile of counts (0 if non-finite),
    ``profile`` (counts) the detector-wide shape already subtracted from it, if any."""
    t = np.asarray(times, dtype=np.float64)
    npix = tile.shape[1]
    tile = _two_columns(tile)
    y, finite = _prepare(tile, gain)
    first = np.where(finite, tile[0], 0).astype(np.float32)
    profile = None if profile is None else np.asarray(profile, np.float64) * gain
    y, pg = without_missing_shape(y, profile, t, read_noise)
    feats = _features(_basics(y, t, read_noise), t, read_noise, first, level_ref, profile, pg)
    feats[:, ~finite] = 0
    return feats[:, :npix]


def ramp_feature_tile(ramps, times, gain, read_noise, level_ref, profile=None):
    """Full features (nfeat, ...) float32 of a (ngroups, ...) block of ramps (counts)."""
    n = ramps.shape[0]
    feats = features_of(np.asarray(ramps, np.float32).reshape(n, -1), times, gain,
                        read_noise, level_ref, profile)
    return feats.reshape((len(FEATURE_NAMES), *ramps.shape[1:]))


