"""Darks combined into a dark-current map: a rate per pixel in a common unit, saturated
pixels measured in shorter darks, pixels whose signal is not proportional to exposure time
found and measured free of their offset; `measure_dark_current`."""

import itertools
from dataclasses import dataclass

import astropy.units as u
import numpy as np

from ccdbadpix.darks._inputs import _load_darks
from ccdbadpix.utils._checks import _real
from ccdbadpix.utils._units import (
    _as_quantity,
    _convert_factor,
    _count_unit,
    _dn_to_adu,
    _gain_value,
)

__all__ = ["measure_dark_current"]


@dataclass
class _DarkCurrent:
    """Result of combining darks: the rate map and what was learnt on the way."""

    rate: np.ndarray  # in `unit`, NaN where unmeasurable
    unit: u.UnitBase
    unmeasurable: np.ndarray
    saturated_longest: np.ndarray | None
    saturated_all: np.ndarray | None
    nonproportional: np.ndarray | None
    gain: float | None  # electron per adu


def _working_unit(darks, gain):
    if gain is not None or all(_count_unit(d.unit) == u.electron for d in darks):
        return u.electron / u.s
    if any(_count_unit(d.unit) == u.electron for d in darks):
        raise u.UnitsError("darks mix electron and adu/DN units: give gain= to convert")
    return u.adu / u.s


def _saturated(dark, saturation, gain):
    """Pixels at or above the saturation level in one dark."""
    count = _count_unit(dark.unit)
    level = saturation.value * _convert_factor(saturation.unit, count, gain, "saturation")
    values = dark.values
    if dark.is_rate:
        scale = _dn_to_adu(dark.unit).to(count / u.s) * dark.exptime
        return values * scale >= level * (1 - 1e-7)
    scale = _dn_to_adu(dark.unit).to(count)
    return values >= level / scale * (1 - 1e-7)


def _nonproportional(rates, darks, saturated, unmeasurable, nsigma, rtol):
    """Pixels whose dark signal does not scale with exposure time (consecutive pairs)."""
    from astropy.stats import mad_std

    order = np.argsort([d.exptime for d in darks])
    flagged = np.zeros(rates[0].shape, dtype=bool)
    for short, long in itertools.pairwise(order):
        rs, rl = rates[short], rates[long]
        valid = ~unmeasurable
        if saturated is not None:
            valid &= ~saturated[short] & ~saturated[long]
        diff = rs - rl
        dv = diff[valid]
        if dv.size < 10:
            continue
        center = np.median(dv)
        sigma = mad_std(dv)
        # shot noise of the two rate measurements (rates read as electrons when no gain)
        shot = np.clip(np.maximum(rs, rl), 0, None) * (1 / darks[short].exptime
                                                        + 1 / darks[long].exptime)
        dev = np.abs(diff - center)
        scale = np.maximum(np.abs(rs), np.abs(rl))
        flagged |= valid & (dev > nsigma * np.sqrt(sigma**2 + shot)) & (dev > rtol * scale)
    return flagged

def _saturation_level(saturation, darks):
    """``saturation=`` as a Quantity count level (None stays None), checked against ``darks``."""
    if saturation is None:
        return None
    if isinstance(saturation, (bool, np.bool_)):
        raise TypeError(f"saturation must be a number or a Quantity, got {saturation!r}")
    saturation = _as_quantity(saturation, "saturation", default_unit=darks[0].unit * (
        u.s if darks[0].is_rate else 1))
    if _count_unit(saturation.unit) is None or not _dn_to_adu(saturation.unit).is_equivalent(
            _count_unit(saturation.unit)):
        raise u.UnitsError(f"saturation must be a level in adu, DN or electron, got "
                           f"{saturation.unit}")
    if saturation.ndim != 0:
        raise ValueError(f"saturation must be a single level, got shape {saturation.shape}")
    if not np.isfinite(saturation.value) or saturation.value <= 0:
        raise ValueError(f"saturation must be a positive level, got {saturation}")
    if any(d.exptime is None for d in darks):
        raise ValueError("saturation needs the exposure time of each dark")
    return saturation


def _rates(darks, work, gain):
    """Each dark as a rate map in ``work`` (new arrays; float32 input stays float32)."""
    rates = []
    for i, d in enumerate(darks):
        factor = _convert_factor(d.unit, work * (1 if d.is_rate else u.s), gain, f"darks[{i}]")
        if not d.is_rate:
            factor /= d.exptime
        dtype = np.float32 if d.values.dtype == np.float32 else np.float64
        rates.append(np.multiply(d.values, dtype(factor), dtype=dtype))
    return rates


def _unmeasurable(darks, rates):
    """Pixels not finite, or masked, in any dark."""
    unmeasurable = np.zeros(rates[0].shape, dtype=bool)
    for d, r in zip(darks, rates, strict=True):
        with np.errstate(invalid="ignore", over="ignore"):
            all_finite = np.isfinite(r.sum())
        if not all_finite:
            unmeasurable |= ~np.isfinite(r)
        if d.bad is not None:
            unmeasurable |= d.bad
    return unmeasurable


def _unsaturated_rate(rates, order, saturated):
    """The longest dark's rate, taken from the longest unsaturated dark where it saturates.

    ``order`` lists the darks longest first; ``saturated`` is None or one boolean map per
    dark. Returns the rate and the pixels saturated in the longest dark and in every dark
    (both None without ``saturated``).
    """
    rate = rates[order[0]]
    if saturated is None:
        return rate, None, None
    sat_longest = saturated[order[0]].copy()
    sat_all = sat_longest.copy()
    if len(order) > 1:
        rate = rate.copy()
        for i in order[1:]:
            use = sat_all & ~saturated[i]
            rate[use] = rates[i][use]
            sat_all &= saturated[i]
        # saturated everywhere: the shortest dark gives the tightest lower bound
        rate[sat_all] = rates[order[-1]][sat_all]
    return rate, sat_longest, sat_all


def _offset_free_rate(rate, rates, darks, order, select):
    """Set ``rate`` of the ``select`` pixels to their offset-free dark current, in place.

    Signal = offset + rate * t: the slope between the longest and the shortest dark is the
    dark current of these pixels, free of the offset.
    """
    if select.any():
        lng, sht = darks[order[0]].exptime, darks[order[-1]].exptime
        rate[select] = ((rates[order[0]][select] * lng - rates[order[-1]][select] * sht)
                        / (lng - sht))


def _combine(darks, gain=None, saturation=None, nonproportional_sigma=5.0,
             nonproportional_rtol=0.1):
    """Dark-current map from one or several darks (see `measure_dark_current`)."""
    g = _gain_value(gain)
    work = _working_unit(darks, g)
    _real(nonproportional_sigma, "nonproportional_sigma", low=0, low_open=True,
          expected="a positive number")
    _real(nonproportional_rtol, "nonproportional_rtol", low=0, expected="a number >= 0")
    saturation = _saturation_level(saturation, darks)

    rates = _rates(darks, work, g)
    unmeasurable = _unmeasurable(darks, rates)
    order = sorted(range(len(darks)), key=lambda i: -(darks[i].exptime or 0))
    saturated = None
    if saturation is not None:
        saturated = [_saturated(d, saturation, g) for d in darks]
    rate, sat_longest, sat_all = _unsaturated_rate(rates, order, saturated)

    nonprop = None
    if len(darks) > 1:
        nonprop = _nonproportional(rates, darks, saturated, unmeasurable,
                                   nonproportional_sigma, nonproportional_rtol) & ~unmeasurable
        _offset_free_rate(rate, rates, darks, order,
                          nonprop if sat_longest is None else nonprop & ~sat_longest)
    if unmeasurable.any():
        rate[unmeasurable] = np.nan  # ``rate`` is our own array, never the input
    return _DarkCurrent(rate, work, unmeasurable, sat_longest, sat_all, nonprop, g)


def measure_dark_current(darks, *, exposure_time=None, gain=None, saturation=None, unit=None,
                         exposure_key="EXPTIME"):
    """Dark-current map (a rate per pixel) from one or several dark frames.

    Parameters
    ----------
    darks : `~astropy.nddata.CCDData`, `~astropy.units.Quantity`, array, path, or a sequence
        One dark or several; `~astropy.nddata.NDData` is accepted too.
        Bias-subtracted darks in counts (adu, DN or electron) or rate maps
        (adu/s, DN/s, electron/s). Several darks should have different exposure
        times.
    exposure_time : `~astropy.units.Quantity`, float or sequence, optional
        Exposure time(s) in seconds; default: the ``exposure_key`` header keyword.
    gain : `~astropy.units.Quantity` or float, optional
        Electrons per adu (or DN). With a gain the map is in electron/s.
    saturation : `~astropy.units.Quantity` or float, optional
        Saturation level of the darks (in the darks' units when a plain number).
        With several darks, a pixel saturated in a long dark is measured in the
        longest dark in which it is not; pixels saturated in every dark keep
        the lower bound saturation / exposure time. Pixels whose dark signal is not
        proportional to exposure time (an offset that does not grow with time)
        get the slope of signal against exposure time between the longest and the
        shortest dark.
    unit : `~astropy.units.Unit`, optional
        Unit of plain-array darks (or of FITS files without BUNIT).
    exposure_key : str, optional
        Header keyword of the exposure time in seconds. Default ``"EXPTIME"``.

    Returns
    -------
    rate : `~astropy.units.Quantity`
        Dark current per pixel, in electron/s with a gain (or electron input),
        else adu/s; NaN where a pixel is not finite or masked in the input (the
        ``mask`` of a CCDData/NDData, which must have the image's shape, or the
        mask of a `numpy.ma` array).

    Raises
    ------
    ValueError, TypeError, astropy.units.UnitsError
        For bad input (a non-positive or non-finite exposure time, gain or
        saturation, a value of the wrong type or unit, a mask of the wrong shape);
        the message names the parameter.

    Examples
    --------
    >>> import numpy as np
    >>> import astropy.units as u
    >>> from astropy.nddata import CCDData
    >>> from ccdbadpix import measure_dark_current
    >>> dark = CCDData(np.full((2, 2), 30.0), unit="adu", meta={"EXPTIME": 60})
    >>> measure_dark_current(dark, gain=2 * u.electron / u.adu)
    <Quantity [[1., 1.],
               [1., 1.]] electron / s>
    """
    loaded = _load_darks(darks, unit=unit, exposure_time=exposure_time,
                         exposure_key=exposure_key)
    result = _combine(loaded, gain=gain, saturation=saturation)
    return u.Quantity(result.rate, result.unit, copy=False)
