"""Robust straight-line fit of counts against time, with steps and a common slope.

The model of a count series ``y(t)`` with breaks before epochs ``b_1 < b_2 < ...`` is
``y = c_s + r * t``: one offset ``c_s`` per segment and a single slope ``r`` shared by all
segments (the growth does not change when, e.g., the way neighbours are flagged does).
It is fitted with `scipy.optimize.least_squares` and a Huber loss, so one odd epoch does
not pull the slope. Breaks are given (known change dates) or found by greedy forward
selection among the increments of the counts that stand out by ``step_sigma`` robust
sigmas: a break is kept when it lowers the Bayesian information criterion.
"""

from dataclasses import dataclass

import numpy as np
from astropy.stats import mad_std
from scipy.optimize import least_squares

__all__ = []

_HUBER = 1.345  # Huber's tuning constant, in robust sigmas (95 % efficiency)


@dataclass
class _LineFit:
    slope: float
    slope_err: float
    offsets: np.ndarray  # one per segment
    offsets_err: np.ndarray
    breaks: tuple  # indices of the first epoch of each segment after the first
    scatter: float  # robust residual scatter
    residuals: np.ndarray

    def model(self, t):
        """Fitted values at the epochs (``t`` as used in the fit)."""
        return self.offsets[_segments(len(t), self.breaks)] + self.slope * np.asarray(t)


def _segments(n, breaks):
    seg = np.zeros(n, dtype=int)
    for b in breaks:
        seg[b:] += 1
    return seg


def _design(t, breaks):
    seg = _segments(t.size, breaks)
    x = np.zeros((t.size, len(breaks) + 2))
    x[np.arange(t.size), seg] = 1.0
    x[:, -1] = t
    return x


def _scale(residuals, dof):
    """Robust scatter of residuals; 1 count at least (counts are integers)."""
    if dof <= 0:
        return 1.0
    s = float(mad_std(residuals)) * np.sqrt(residuals.size / dof)
    if not np.isfinite(s) or s == 0:
        s = float(np.sqrt(np.sum(residuals**2) / dof))
    return max(s, 1.0)


def _robust_fit(t, y, breaks):
    """Huber fit of the common-slope model; returns (params, covariance, scatter)."""
    x = _design(t, breaks)
    n, p = x.shape
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    scale = _scale(y - x @ beta, n - p)
    for _ in range(2):  # refine the scale once with the robust residuals
        result = least_squares(lambda b: x @ b - y, beta, loss="huber",
                               f_scale=_HUBER * scale, method="trf")
        beta = result.x
        scale = _scale(y - x @ beta, n - p)
    r = (y - x @ beta) / scale
    w = np.minimum(1.0, _HUBER / np.maximum(np.abs(r), 1e-12))  # Huber weights
    dof = n - p
    if dof > 0:
        s2 = float(np.sum(w * (y - x @ beta) ** 2) / dof)
        s2 = max(s2, 1.0 / 12.0)  # integer counts cannot be known better than rounding
        try:
            cov = s2 * np.linalg.inv(x.T @ (w[:, None] * x))
        except np.linalg.LinAlgError:
            cov = np.full((p, p), np.nan)
    else:
        cov = np.full((p, p), np.nan)
    return beta, cov, scale


def _bic(t, y, beta, breaks, scale):
    x = _design(t, breaks)
    r = (y - x @ beta) / scale
    rho = np.where(np.abs(r) <= _HUBER, 0.5 * r**2, _HUBER * np.abs(r) - 0.5 * _HUBER**2)
    n = y.size
    return 2 * np.sum(rho) + 2 * n * np.log(scale) + x.shape[1] * np.log(n)


def _result(t, y, breaks):
    beta, cov, scale = _robust_fit(t, y, breaks)
    err = np.sqrt(np.clip(np.diag(cov), 0, None))
    return _LineFit(slope=float(beta[-1]), slope_err=float(err[-1]), offsets=beta[:-1],
                    offsets_err=err[:-1], breaks=tuple(breaks), scatter=scale,
                    residuals=y - _design(t, breaks) @ beta)


def _increments(t, y, skip=()):
    """Increments less the median growth, per square root of their time span."""
    d, dt = np.diff(y), np.diff(t)
    dt = np.where(dt > 0, dt, np.min(dt[dt > 0]) if np.any(dt > 0) else 1.0)
    keep = np.ones(d.size, bool)
    keep[[k - 1 for k in skip]] = False
    growth = np.median(d[keep] / dt[keep]) if keep.any() else 0.0
    u = (d - growth * dt) / np.sqrt(dt)
    floor = 0.5 / np.sqrt(np.median(dt))  # counts are integers
    sigma = float(mad_std(u[keep])) if keep.sum() > 2 else 0.0
    return u, max(sigma, floor)


def increment_scatter(t, y, breaks=()):
    """Robust scatter of the epoch-to-epoch changes of ``y`` per square root of time,
    the steps at ``breaks`` left out."""
    return _increments(np.asarray(t, float), np.asarray(y, float), breaks)[1]


def _jump_scores(t, y):
    """How far each increment ``y[k] - y[k-1]`` stands out, in robust sigmas.

    Pixels turn hot one by one, so the counts walk about the growth line and neighbouring
    residuals are correlated; a step, in contrast, sits in a single increment. Each
    increment minus the median growth, scaled by the square root of its time span, is
    compared with the robust scatter of all of them. Entry ``k - 1`` scores the step
    before epoch ``k``.
    """
    u, sigma = _increments(t, y)
    return np.abs(u) / sigma


def fit_counts(t, y, *, known_breaks=(), detect=True, step_sigma=6.0, max_steps=3,
               min_segment=2):
    """Fit ``y(t)`` with a common slope across steps.

    Parameters
    ----------
    t, y : array
        Times (any unit, increasing) and counts.
    known_breaks : sequence of int
        Epoch indices where a new segment starts (known change dates).
    detect : bool
        Also look for further steps.
    step_sigma : float
        A detected step must stand out of the increments of the counts by this many
        robust sigmas (see `_jump_scores`) and lower the information criterion.
    max_steps : int
        At most this many detected steps.
    min_segment : int
        Epochs per segment at least (for detected steps).
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    breaks = sorted(set(int(b) for b in known_breaks))
    current = _result(t, y, breaks)
    if not detect or t.size < 2 * min_segment:
        return current
    scores = _jump_scores(t, y)
    beta, _, scale = _robust_fit(t, y, breaks)
    bic = _bic(t, y, beta, breaks, scale)
    for _ in range(max_steps):
        best = None
        bounds = [0, *breaks, t.size]
        for k in range(min_segment, t.size - min_segment + 1):
            if k in breaks or scores[k - 1] < step_sigma:
                continue
            # both new segments must keep ``min_segment`` epochs
            lo = max(b for b in bounds if b < k)
            hi = min(b for b in bounds if b > k)
            if k - lo < min_segment or hi - k < min_segment:
                continue
            trial = sorted([*breaks, k])
            if t.size - len(trial) - 2 < 1:
                continue
            beta, _, scale = _robust_fit(t, y, trial)
            value = _bic(t, y, beta, trial, scale)
            if best is None or value < best[0]:
                best = (value, trial)
        if best is None or best[0] >= bic:
            break
        bic, breaks = best
        current = _result(t, y, breaks)
    return current
