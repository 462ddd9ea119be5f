"""Private helpers shared by the simulators (`ccdbadpix.simulate`)."""

import numbers

import numpy as np
from astropy import units as u
from astropy.io import fits
from scipy import ndimage
from scipy.special import ndtr, ndtri

from ccdbadpix.utils._units import _dn_to_adu

_GOOD_SIGMA = 0.5  # lognormal spread (natural log) of normal pixels' dark current
_E_S = u.electron / u.s


# ----------------------------------------------------------------------------- helpers
def _value(x, unit, name, *, shape=()):
    """Return ``x`` as float(s) in ``unit``; plain numbers are taken to be in ``unit``."""
    if isinstance(x, list | tuple) and any(isinstance(e, u.Quantity) for e in x):
        try:
            x = u.Quantity(x)
        except u.UnitsError:
            raise u.UnitsError(f"{name} mixes incompatible units: {x!r}") from None
    if isinstance(x, u.Quantity):
        try:  # adu and DN are the same thing here, also inside composite units
            v = u.Quantity(x.value, _dn_to_adu(x.unit)).to_value(_dn_to_adu(unit))
        except u.UnitsError:
            raise u.UnitsError(f"{name} must be in units convertible to {unit!r}, "
                               f"got {x.unit!r}") from None
    elif isinstance(x, str | bytes | bool | np.bool_) or x is None:
        raise TypeError(f"{name} must be a number or Quantity in {unit!r}, got {x!r}")
    else:
        try:
            v = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a number or Quantity in {unit!r}, "
                            f"got {type(x).__name__}") from None
    v = np.array(v, dtype=float)
    if shape is not None and v.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite, got {x!r}")
    return float(v) if v.ndim == 0 else v


def _int(x, name, minimum):
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {x!r}")
    if x < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {x}")
    return int(x)


def _shape(shape):
    if not isinstance(shape, tuple | list) or len(shape) != 2:
        raise ValueError(f"shape must be a tuple of two positive integers, got {shape!r}")
    return tuple(_int(n, "shape", 1) for n in shape)


def _check(ok, message):
    if not ok:
        raise ValueError(message)


def _ipc(image, alpha, out=None):
    """Convolve with the IPC cross kernel [[0,a,0],[a,1-4a,a],[0,a,0]] (edges: nearest)."""
    if alpha == 0:
        return np.copyto(out, image) if out is not None else image.copy()
    kernel = np.array([[0, alpha, 0], [alpha, 1 - 4 * alpha, alpha], [0, alpha, 0]])
    return ndimage.convolve(image, kernel, output=out, mode="nearest")


def _loguniform(rng, lo, hi, n):
    if lo <= 0:
        return rng.uniform(lo, hi, n)
    return np.exp(rng.uniform(np.log(lo), np.log(hi), n))


def _lognormal_below(rng, median, upper, n):
    """Lognormal rates around ``median`` truncated strictly below ``upper``."""
    if median == 0:
        return np.zeros(n)
    pmax = ndtr((np.log(upper) - np.log(median)) / _GOOD_SIGMA)
    return median * np.exp(_GOOD_SIGMA * ndtri(rng.uniform(0, pmax, n)))


def _detector(gain, read_noise, dark_current, hot_threshold, warm_threshold, ipc_alpha,
              count_unit):
    """Validate the parameters shared by both simulators; return plain floats."""
    g = _value(gain, u.electron / count_unit, "gain")
    rn = _value(read_noise, u.electron, "read_noise")
    dc = _value(dark_current, _E_S, "dark_current")
    hot = _value(hot_threshold, _E_S, "hot_threshold")
    warm = _value(warm_threshold, _E_S, "warm_threshold")
    alpha = _value(ipc_alpha, u.dimensionless_unscaled, "ipc_alpha")
    _check(g > 0, f"gain must be > 0, got {g} electron/{count_unit}")
    _check(rn >= 0, f"read_noise must be >= 0, got {rn} electron")
    _check(0 < warm < hot, "need 0 < warm_threshold < hot_threshold, got "
           f"{warm} and {hot} electron/s")
    _check(0 <= dc < warm, "dark_current must be >= 0 and below warm_threshold "
           f"({warm} electron/s), got {dc}")
    _check(0 <= alpha < 0.25, f"ipc_alpha must be in [0, 0.25), got {alpha}")
    return g, rn, dc, hot, warm, alpha


def _fraction(x, name):
    v = _value(x, u.dimensionless_unscaled, name)
    _check(v >= 0, f"{name} must be >= 0, got {v}")
    return v


def _merge(user, defaults, name, what):
    if user is None:
        return dict(defaults)
    if not isinstance(user, dict):
        raise TypeError(f"{name} must be a dict of {what}, got {type(user).__name__}")
    for key in user:
        _check(key in defaults, f"unknown {name} key {key!r}; valid keys: {sorted(defaults)}")
    return {**defaults, **user}


def _header(seed, cards):
    """FITS header from (key, value, comment) cards, plus SEED if ``seed`` is an integer."""
    header = fits.Header(cards)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        header["SEED"] = (int(seed), "numpy default_rng seed")
    return header


# ----------------------------------------------------------------------------- results


def _curved_rates(truth, defects, times):
    """``early_dark_current`` and ``mean_dark_current`` of a ramp simulation: (ny, nx)
    electron/s, each pixel's rate, plus for the RC-like ``nonlinear`` pixels (charge
    ``nl_amp (1 - exp(-t / nl_tau))``) their mean RC rate from the first to the third
    read (early) and from the first to the last read (mean)."""
    out = {}
    idx = truth.idx["nonlinear"]
    for name, k in (("early_dark_current", min(2, len(times) - 1)),
                    ("mean_dark_current", len(times) - 1)):
        rate = np.array(truth.rate_map, np.float64)
        if len(idx):
            t0, t1, tau = times[0], times[k], defects.nl_tau
            rate.reshape(-1)[idx] += (defects.nl_amp * (np.exp(-t0 / tau) - np.exp(-t1 / tau))
                                      / (t1 - t0))
        out[name] = rate * _E_S
    return out
