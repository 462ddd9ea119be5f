"""Pure kernels of the telegraph-noise features: a two-state hidden Markov model and
Haar scale ratios.

Small telegraph noise (two levels a few read noises apart, switching every few groups)
barely shows in any one group difference; what gives it away is the pair of a two-level
distribution and persistence of the level. The likelihood ratio of a two-state hidden
Markov model (two levels, one noise, a symmetric switching probability) against one
Gaussian, both with the noise free, uses both: a pixel that is only noisier than the
rest gains nothing from the second level, one with a single step (a cosmic ray) gains
with a single switch. It is computed only for ramps whose residuals show excess
variance, with a fixed number of Baum-Welch iterations from a fixed start, column by
column, so every pixel's value is the same whatever tile it is in.
"""

import numpy as np
import pywt

__all__ = []

_ITERATIONS = 3  # Baum-Welch updates; more change the statistic by less than its noise
_TINY = np.float32(1e-30)


def _emissions(r, mu, s2):
    """(2, n, P) Gaussian densities of the (n, P) residuals for the two levels."""
    e = np.exp(-0.5 * (r[None] - mu[:, None]) ** 2 / s2) / np.sqrt(np.float32(2 * np.pi) * s2)
    return np.maximum(e, _TINY)


def _forward_backward(e, q, p0):
    """Scaled forward-backward pass of the symmetric two-state chain.

    Returns the state posteriors ``gamma`` (2, n, P), the expected number of switches
    (P,) and the log-likelihood (P,).
    """
    n = e.shape[1]
    a = np.empty_like(e)
    c = np.empty(e.shape[1:], e.dtype)
    a0 = np.stack([p0, 1 - p0]) * e[:, 0]
    c[0] = a0.sum(0)
    a[:, 0] = a0 / c[0]
    stay = 1 - q
    for k in range(1, n):
        prev = a[:, k - 1]
        ak = (prev * stay + prev[::-1] * q) * e[:, k]
        c[k] = ak.sum(0)
        a[:, k] = ak / c[k]
    b = np.empty_like(e)
    b[:, -1] = 1
    switches = np.zeros(e.shape[2], e.dtype)
    for k in range(n - 1, 0, -1):
        be = b[:, k] * e[:, k]
        switches += (a[0, k - 1] * be[1] + a[1, k - 1] * be[0]) * q / c[k]
        b[:, k - 1] = (stay * be + q * be[::-1]) / c[k]
    gamma = a * b
    gamma /= gamma.sum(0)
    return gamma, switches, np.log(c).sum(0)


def two_level_statistic(res):
    """Two-state hidden Markov model of residuals against one Gaussian.

    Parameters
    ----------
    res : ndarray
        (n, P) float32 residuals of each ramp from its straight line (any unit), at
        least two columns (a one-column array would sum in another order).

    Returns
    -------
    llr : ndarray
        (P,) log-likelihood ratio of the two-level model over one Gaussian (>= about 0).
    switches : ndarray
        (P,) expected number of switches between the levels.
    separation : ndarray
        (P,) distance between the two levels in units of the fitted noise.
    """
    n = res.shape[0]
    r = (res - res.mean(0)).astype(np.float32)
    var = np.maximum((r * r).mean(0), _TINY)
    sd = np.sqrt(var)
    mu = np.stack([-0.7 * sd, 0.7 * sd])
    s2 = var / 2
    q = np.full(var.shape, 0.2, np.float32)
    p0 = np.full(var.shape, 0.5, np.float32)
    for _ in range(_ITERATIONS):
        gamma, switches, _ = _forward_backward(_emissions(r, mu, s2), q, p0)
        weight = np.maximum(gamma.sum(1), _TINY)
        mu = (gamma * r[None]).sum(1) / weight
        s2 = np.maximum((gamma * (r[None] - mu[:, None]) ** 2).sum((0, 1)) / n, var * 1e-4)
        q = np.clip(switches / (n - 1), 1e-3, 0.5).astype(np.float32)
        p0 = gamma[0, 0]
    _, switches, ll2 = _forward_backward(_emissions(r, mu, s2), q, p0)
    ll1 = -0.5 * n * (np.log(np.float32(2 * np.pi) * var) + 1)
    return ll2 - ll1, switches, np.abs(mu[1] - mu[0]) / np.sqrt(s2)


def scale_ratios(res, n):
    """Power of residuals at 2- and 4-group scales over the 1-group scale, (2, P) float32.

    ``res`` (n, P) residuals (the jump-corrected ramps' from their lines). Mean squared
    Haar detail coefficients per level: for white noise every level has the same power
    whatever its size, so a pixel that is only noisier than the rest keeps ratios near
    1, while two levels that persist for a few groups (telegraph noise) raise the power
    of the coarser levels. Ramps too short for a level give ratio 1.
    """
    level = max(1, min(3, pywt.dwt_max_level(n, 2)))
    coeffs = pywt.wavedec(np.ascontiguousarray(res.T), "haar", level=level, axis=-1)
    power = [(c * c).mean(-1) for c in coeffs[:0:-1]]  # finest first
    out = np.ones((2, res.shape[1]), np.float32)
    for k in (1, 2):
        if k < len(power):
            np.divide(power[k], power[0], out=out[k - 1], where=power[0] > 0)
    return out
