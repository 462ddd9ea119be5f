"""Dark frames in, dark-current maps out: inputs, units, exposure times, saturation."""

import itertools
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.nddata import CCDData, NDData

from ccdbadpix.utils._checks import _real
from ccdbadpix.utils._files import _fits_error, _open_fits
from ccdbadpix.utils._units import _as_quantity, _count_unit, _dn_to_adu

__all__ = ["measure_dark_current"]


@dataclass
class _Dark:
    """One dark frame, normalised: raw values, their unit and the exposure time."""

    values: np.ndarray
    unit: u.UnitBase
    exptime: float | None  # seconds
    bad: np.ndarray | None
    name: str
    is_rate: bool  # a rate map (count / s) rather than counts
    header: dict | fits.Header = field(default_factory=dict)  # read-only use


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


def _gain_value(gain, name="gain"):
    if gain is None:
        return None
    if isinstance(gain, (bool, np.bool_, str, bytes)):
        raise TypeError(f"{name} must be a positive number or Quantity in electron / adu, "
                        f"got {gain!r}")
    if isinstance(gain, u.Quantity):
        q = u.Quantity(gain.value, _dn_to_adu(gain.unit))
        if not q.unit.is_equivalent(u.electron / u.adu):
            raise u.UnitsError(f"{name} must be in electron / adu or electron / DN, "
                               f"got {gain.unit}")
        value = q.to_value(u.electron / u.adu)
    else:
        value = gain
    if np.ndim(value) != 0:
        raise ValueError(f"{name} must be a single number, got shape {np.shape(value)}")
    try:
        value = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a positive number or Quantity in electron / adu, "
                        f"got {gain!r}") from exc
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be positive, got {gain}")
    return value


def _convert_factor(unit, target, gain, name):
    """Factor turning a value in ``unit`` into ``target`` (adu<->electron through gain)."""
    unit, target = _dn_to_adu(unit), _dn_to_adu(target)
    if unit.is_equivalent(target):
        return unit.to(target)
    if gain is not None:
        for per, factor in ((u.electron / u.adu, gain), (u.adu / u.electron, 1.0 / gain)):
            if (unit * per).is_equivalent(target):
                return factor * (unit * per).to(target)
    hint = ""
    if gain is None and {_count_unit(unit), _count_unit(target)} == {u.adu, u.electron}:
        hint = "; give gain= (electron / adu) to convert between them"
    raise u.UnitsError(f"{name} is in {unit.to_string()}, which cannot be compared with "
                       f"{target.to_string()}{hint}")


def _exptime_seconds(value, name):
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a time Quantity or a number of seconds, got {value!r}")
    try:
        q = _as_quantity(value, name, default_unit=u.s, physical=u.s)
    except TypeError as exc:
        raise TypeError(f"{name} must be a time Quantity or a number of seconds, "
                        f"got {value!r}") from exc
    if q.ndim != 0:
        raise ValueError(f"{name} must be a single time per dark, got shape {q.shape}")
    t = float(q.to_value(u.s))
    if not np.isfinite(t) or t <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return t


def _input_mask(mask, shape, name):
    """The bad pixels of an input mask (None if none), which must match the image."""
    if mask is None or mask is np.ma.nomask:
        return None
    mask = np.asarray(mask)
    if mask.shape != shape:
        raise ValueError(f"{name} has shape {mask.shape}; it must match the image {shape}")
    if mask.dtype.kind not in "biu":
        raise TypeError(f"{name} must be boolean (True = bad), got dtype {mask.dtype}")
    return mask.astype(bool) if mask.any() else None


def _load_one(dark, index, unit, exposure_time, exposure_key):
    label = f"darks[{index}]"
    header = {}
    bad = None
    name = label
    if isinstance(dark, (str, Path)):
        path = Path(dark)
        if not path.exists():
            raise FileNotFoundError(f"{label}: no file at {path}")
        dark = _read_ccd(path, label, unit)
        name = path.name
    if isinstance(dark, NDData):
        values = np.asarray(dark.data)
        dunit = dark.unit if dark.unit is not None else unit
        header = dark.meta if dark.meta is not None else header  # a Header or a dict
        bad = _input_mask(dark.mask, values.shape, f"{label}.mask")
    elif isinstance(dark, u.Quantity):
        values, dunit = dark.value, dark.unit
    elif isinstance(dark, np.ndarray) or np.ndim(dark) == 2:
        values = np.ma.getdata(dark)  # a numpy.ma array's mask marks unmeasurable pixels
        bad = _input_mask(np.ma.getmask(dark), values.shape, f"{label}.mask")
        dunit = unit
        if dunit is None:
            raise ValueError(f"{label} is a plain array: give unit= (e.g. u.adu) or pass a "
                             "Quantity or CCDData")
    else:
        raise TypeError(f"{label} must be a CCDData, NDData, Quantity, array or FITS path, "
                        f"got {type(dark).__name__}")
    if dunit is None:
        raise ValueError(f"{label} has no unit: give unit=")
    dunit = u.Unit(dunit)
    if values.ndim != 2:
        raise ValueError(f"{label} must be a 2-D image, got shape {values.shape}")
    if values.dtype.kind not in "uif":
        raise TypeError(f"{label} must hold numbers, got dtype {values.dtype}")
    count = _count_unit(dunit)
    norm = _dn_to_adu(dunit)
    if count is None or not (norm.is_equivalent(count) or norm.is_equivalent(count / u.s)):
        raise u.UnitsError(f"{label} is in {dunit}; expected counts (adu, DN, electron) or "
                           "a rate (adu / s, DN / s, electron / s)")

    if exposure_time is not None:
        exptime = _exptime_seconds(exposure_time, "exposure_time")
    elif exposure_key and exposure_key in header:
        exptime = _exptime_seconds(header[exposure_key], f"{label} {exposure_key}")
    else:
        exptime = None
    is_rate = norm.is_equivalent(count / u.s)
    if not is_rate and exptime is None:
        raise ValueError(f"{label} is in {dunit} (counts) and has no exposure time: give "
                         f"exposure_time= or set {exposure_key} in its header")
    return _Dark(values, dunit, exptime, bad, name, is_rate, header)


def _read_ccd(path, label, unit=None):
    from astropy.wcs import FITSFixedWarning

    with _open_fits(path, label) as hdul:  # a clear error for what is not a FITS image
        if not any(h.is_image and h.header.get("NAXIS", 0) >= 2 for h in hdul):
            raise _fits_error(path, label, "it holds no image HDU")
    with warnings.catch_warnings():  # e.g. 'datfix' setting MJD-OBS from DATE-OBS
        warnings.simplefilter("ignore", FITSFixedWarning)
        if unit is not None:
            return CCDData.read(path, unit=unit, format="fits")
        try:
            return CCDData.read(path, format="fits")
        except ValueError as exc:
            raise ValueError(f"{label}: {path} has no BUNIT; give unit=") from exc


def _input_unit(unit):
    """``unit=`` as a count or count-rate unit (None stays None)."""
    if unit is None:
        return None
    try:
        parsed = u.Unit(unit)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"unit: {unit!r} is not a unit; expected e.g. 'adu', 'DN', "
                         "'electron' or 'adu / s'") from exc
    count = _count_unit(parsed)
    norm = _dn_to_adu(parsed)
    if count is None or not (norm.is_equivalent(count) or norm.is_equivalent(count / u.s)):
        raise u.UnitsError(f"unit is {parsed.to_string() or 'dimensionless'}; expected counts "
                           "(adu, DN, electron) or a rate (adu / s, DN / s, electron / s)")
    return parsed


def _load_darks(darks, unit=None, exposure_time=None, exposure_key="EXPTIME"):
    """Normalise ``darks`` (one or several) into a list of `_Dark`."""
    single = isinstance(darks, (NDData, u.Quantity, np.ndarray, str, Path))
    if isinstance(darks, (u.Quantity, np.ndarray)) and np.ndim(darks) != 2:
        raise ValueError(f"darks must be 2-D images (a list for several), got shape "
                         f"{np.shape(darks)}")
    if darks is None or not (single or np.iterable(darks)):
        raise TypeError("darks must be a CCDData, NDData, Quantity, array or FITS path, or a "
                        f"sequence of them, got {type(darks).__name__}")
    items = [darks] if single else list(darks)
    if not items:
        raise ValueError("darks is empty")
    unit = _input_unit(unit)
    if exposure_key is not None and (not isinstance(exposure_key, str) or not exposure_key):
        raise TypeError(f"exposure_key must be a header keyword name, got {exposure_key!r}")
    if exposure_time is None or np.ndim(getattr(exposure_time, "value", exposure_time)) == 0:
        times = [exposure_time] * len(items)
    else:
        times = list(exposure_time)
        if len(times) != len(items):
            what = "1 dark" if len(items) == 1 else f"{len(items)} darks"
            raise ValueError(f"exposure_time has {len(times)} values for {what}")
    loaded = [_load_one(d, i, unit, t, exposure_key) for i, (d, t) in
              enumerate(zip(items, times, strict=True))]
    shapes = {d.values.shape for d in loaded}
    if len(shapes) > 1:
        raise ValueError(f"darks have different shapes: {sorted(shapes)}")
    if len(loaded) > 1 and any(d.exptime is None for d in loaded):
        raise ValueError("with several darks each needs an exposure time (EXPTIME or "
                         "exposure_time=)")
    times = [d.exptime for d in loaded]
    if len(set(times)) != len(times):
        raise ValueError(f"darks must have different exposure times, got {times} s; "
                         "combine darks of equal exposure first (e.g. ccdproc.combine)")
    return loaded


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


def _combine(darks, gain=None, saturation=None, nonproportional_sigma=5.0,
             nonproportional_rtol=0.1):
    """Dark-current map from one or several darks (see `measure_dark_current`)."""
    g = _gain_value(gain)
    work = _working_unit(darks, g)
    _real(nonproportional_sigma, "nonproportional_sigma", low=0, low_open=True,
          expected="a positive number")
    _real(nonproportional_rtol, "nonproportional_rtol", low=0, expected="a number >= 0")
    if saturation is not None:
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

    rates = []
    for i, d in enumerate(darks):
        factor = _convert_factor(d.unit, work * (1 if d.is_rate else u.s), g, f"darks[{i}]")
        if not d.is_rate:
            factor /= d.exptime
        dtype = np.float32 if d.values.dtype == np.float32 else np.float64
        rates.append(np.multiply(d.values, dtype(factor), dtype=dtype))

    unmeasurable = np.zeros(rates[0].shape, dtype=bool)
    for d, r in zip(darks, rates, strict=True):
        with np.errstate(invalid="ignore", over="ignore"):
            all_finite = np.isfinite(r.sum())
        if not all_finite:
            unmeasurable |= ~np.isfinite(r)
        if d.bad is not None:
            unmeasurable |= d.bad

    order = sorted(range(len(darks)), key=lambda i: -(darks[i].exptime or 0))
    saturated = sat_all = sat_longest = None
    if saturation is not None:
        saturated = [_saturated(d, saturation, g) for d in darks]
        sat_longest = saturated[order[0]].copy()
    rate = rates[order[0]]
    if saturated is not None and len(darks) > 1:
        rate = rate.copy()
        sat_all = sat_longest.copy()
        for i in order[1:]:
            use = sat_all & ~saturated[i]
            rate[use] = rates[i][use]
            sat_all &= saturated[i]
        # saturated everywhere: the shortest dark gives the tightest lower bound
        rate[sat_all] = rates[order[-1]][sat_all]
    elif saturated is not None:
        sat_all = sat_longest.copy()

    nonprop = None
    if len(darks) > 1:
        nonprop = _nonproportional(rates, darks, saturated, unmeasurable,
                                   nonproportional_sigma, nonproportional_rtol) & ~unmeasurable
        # signal = offset + rate * t: the slope between the longest and the shortest
        # dark is the dark current of these pixels, free of the offset
        sel = nonprop if sat_longest is None else nonprop & ~sat_longest
        if sel.any():
            lng, sht = darks[order[0]].exptime, darks[order[-1]].exptime
            rate[sel] = ((rates[order[0]][sel] * lng - rates[order[-1]][sel] * sht)
                         / (lng - sht))
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
