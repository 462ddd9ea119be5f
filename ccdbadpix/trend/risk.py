"""The risk that a stamp holds a pixel turned hot since the last mask update, and the
mask-update cadence that keeps it below a limit (`unmasked_risk`)."""

import numpy as np
from astropy import units as u

__all__ = ["unmasked_risk"]


def _numbers(value, name):
    """``value`` as a float64 array of finite numbers (no bools, strings or objects)."""
    a = np.asarray(value)
    if a.dtype.kind not in "uif":
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return a


def _fraction_per_year(value):
    name = "fraction_per_year"
    if isinstance(value, u.Quantity):
        if value.unit.is_equivalent(1 / u.yr):
            return _numbers(value.to_value(1 / u.yr), name)
        if value.unit.is_equivalent(u.dimensionless_unscaled):
            return _numbers(value.to_value(u.dimensionless_unscaled), name)
        raise u.UnitsError(f"fraction_per_year must be a fraction (per year), got unit "
                           f"{value.unit}")
    return _numbers(value, name)


def _interval_years(interval, name="interval"):
    if not isinstance(interval, u.Quantity) or not interval.unit.is_equivalent(u.yr):
        raise TypeError(f"{name} must be a time Quantity (e.g. 6 * ccdbadpix.month or "
                        f"1 * u.yr), got {interval!r}")
    return _numbers(interval.to_value(u.yr), name)


def _stamp_pixels(stamp_shape):
    """Pixels of a stamp, as a float: (ny, nx) or a count, of positive whole numbers."""
    a = np.atleast_1d(np.asarray(stamp_shape))
    if a.dtype.kind not in "uif":
        raise TypeError(f"stamp_shape must be (ny, nx) or a pixel count, got "
                        f"{stamp_shape!r}")
    a = a.astype(np.float64)
    if (a.ndim != 1 or a.size not in (1, 2) or not np.all(np.isfinite(a)) or np.any(a < 1)
            or np.any(a != np.round(a))):
        raise ValueError(f"stamp_shape must be (ny, nx) or a pixel count of positive "
                         f"integers, got {stamp_shape!r}")
    return float(np.prod(a))


def _n_stamps(n_stamps):
    """Numbers of stamps as float64 (an int32 array times a stamp size would overflow)."""
    n = np.asarray(n_stamps)
    if n.dtype.kind not in "iu" or np.any(n < 1):
        raise ValueError(f"n_stamps must be a positive integer (or integers), got "
                         f"{n_stamps!r}")
    return n.astype(np.float64)


def unmasked_risk(fraction_per_year, interval, stamp_shape=(32, 32), n_stamps=1):
    """Probability that a stamp holds a pixel that turned hot since the last mask update.

    A fraction ``p = fraction_per_year * interval`` of all pixels turns hot during the
    interval, each independently. A stamp of ``N`` pixels then holds at least one of them
    with probability ``P = 1 - (1 - p)**N``, and at least one of ``n_stamps`` stamps
    does with ``1 - (1 - P)**n_stamps``, as in the JWST NIRSpec hot-pixel report.

    Parameters
    ----------
    fraction_per_year : float, array or `~astropy.units.Quantity`
        Fraction of all pixels turning hot per year (e.g. ``0.0002``, or
        ``0.02 * u.percent / u.yr``). Negative growth counts as none.
    interval : `~astropy.units.Quantity`
        Time since the mask was made (e.g. ``6 * ccdbadpix.month``, ``1 * u.yr``);
        arrays broadcast against ``fraction_per_year`` and ``n_stamps``.
    stamp_shape : tuple of int or int, optional
        Stamp size, (ny, nx) or a pixel count. Default (32, 32), a target-acquisition
        stamp: 1024 pixels.
    n_stamps : int or array of int, optional
        Number of stamps (e.g. 8 target acquisitions). Default 1.

    Returns
    -------
    risk : float or `~numpy.ndarray`
        Probability in [0, 1].

    Examples
    --------
    The report's numbers, 0.02 % of the pixels turning hot per year:

    >>> import astropy.units as u
    >>> from ccdbadpix import month, unmasked_risk
    >>> for interval in (6 * month, 1 * u.yr, 2 * u.yr):
    ...     one, eight = unmasked_risk(0.0002, interval, n_stamps=[1, 8])
    ...     print(f"{interval:.0f}: {one:.0%} of stamps, {eight:.0%} for 8 stamps")
    6 month: 10% of stamps, 56% for 8 stamps
    1 yr: 19% of stamps, 81% for 8 stamps
    2 yr: 34% of stamps, 96% for 8 stamps

    (The report quotes 57 % for eight stamps after six months: it compounded the
    rounded 10 %, ``1 - 0.9**8 = 0.57``.)
    """
    f = np.clip(_fraction_per_year(fraction_per_year), 0.0, None)
    years = _interval_years(interval)
    if np.any(years < 0):
        raise ValueError(f"interval must not be negative, got {interval}")
    p = np.clip(f * years, 0.0, 1.0)
    n_pix = _stamp_pixels(stamp_shape) * _n_stamps(n_stamps)
    with np.errstate(divide="ignore"):
        risk = -np.expm1(n_pix * np.log1p(-p))
    return float(risk) if np.ndim(risk) == 0 else risk


def _max_interval(fraction_per_year, max_risk, stamp_shape=(32, 32), n_stamps=1):
    """The longest interval (years) whose `unmasked_risk` is at most ``max_risk``."""
    if isinstance(max_risk, u.Quantity):
        if not max_risk.unit.is_equivalent(u.dimensionless_unscaled):
            raise u.UnitsError(f"max_risk must be a probability (dimensionless), got "
                               f"{max_risk.unit}")
        max_risk = max_risk.to_value(u.dimensionless_unscaled)
    risk = _numbers(max_risk, "max_risk")
    if np.any((risk <= 0) | (risk >= 1)):
        raise ValueError(f"max_risk must be between 0 and 1 (exclusive), got {max_risk!r}")
    f = _fraction_per_year(fraction_per_year)
    n_pix = _stamp_pixels(stamp_shape) * _n_stamps(n_stamps)
    p = -np.expm1(np.log1p(-risk) / n_pix)  # largest per-pixel probability allowed
    with np.errstate(divide="ignore"):
        return np.where(f > 0, p / np.where(f > 0, f, 1.0), np.inf)
