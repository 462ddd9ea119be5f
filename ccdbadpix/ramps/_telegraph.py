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
    """Forward-backward pass of the symmetric two-state chain.

    ``e`` (2, n, P) emission densities, ``q`` (P,) switching probability, ``p0`` (P,)
    probability of state 0 at the first group. The recursions carry one number per
    pixel and group each way, the probability of state 0 given the groups so far (``pi``)
    and the state-0 share of the normalised backward vector (``rho``), in place, about
    fourteen numpy operations per group; everything else is vectorised over the groups
    afterwards. Returns the state posteriors ``gamma`` (2, n, P), the expected number of
    switches (P,) and the log-likelihood (P,).
    """
    e0, e1 = e[0], e[1]
    n = e.shape[1]
    de = e0 - e1
    drift = 1 - 2 * q
    pi, pred, c, rho = (np.empty_like(e0) for _ in range(4))
    pred[0] = p0
    np.multiply(p0, de[0], out=c[0])
    c[0] += e1[0]
    for k in range(n):  # forward: predicted and filtered probability of state 0
        if k:
            np.multiply(pi[k - 1], drift, out=pred[k])
            pred[k] += q
            np.multiply(pred[k], de[k], out=c[k])  # the group's predictive density
            c[k] += e1[k]
        np.multiply(pred[k], e0[k], out=pi[k])
        pi[k] /= c[k]
    rho[n - 1] = 0.5
    be0, be1, total = (np.empty_like(q) for _ in range(3))
    for k in range(n - 1, 0, -1):  # backward, normalised to sum 1
        np.multiply(rho[k], e0[k], out=be0)
        np.multiply(rho[k], e1[k], out=be1)
        np.subtract(e1[k], be1, out=be1)
        np.add(be0, be1, out=total)
        np.subtract(be1, be0, out=rho[k - 1])
        rho[k - 1] *= q
        rho[k - 1] += be0
        rho[k - 1] /= total
    g0 = pi * rho
    g0 /= g0 + (1 - pi) * (1 - rho)
    b0, b1 = rho[1:] * e0[1:], (1 - rho[1:]) * e1[1:]
    cross = q * (pi[:-1] * b1 + (1 - pi[:-1]) * b0)
    switches = (cross / (pred[1:] * b0 + (1 - pred[1:]) * b1)).sum(0)
    return np.stack([g0, 1 - g0]), switches, np.log(c).sum(0)


def _switching_start(r):
    """The switching probability the fit starts from, (P,) float32: the share of group
    boundaries where the residuals cross their median, in [0.05, 0.5]. A fixed start
    (0.2) left the fit of a fast-switching pixel (a switch every one or two groups) in a
    slow solution of two close levels three iterations later."""
    below = r < np.median(r, axis=0)
    crossings = np.count_nonzero(below[1:] != below[:-1], axis=0)
    return np.clip(crossings / max(r.shape[0] - 1, 1), 0.05, 0.5).astype(np.float32)


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
    q = _switching_start(r)
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
