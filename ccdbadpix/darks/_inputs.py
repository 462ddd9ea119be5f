"""Darks in: one or several frames of any kind (CCDData, NDData, Quantity, array, FITS path)
with their masks, units and exposure times, validated and normalised into `_Dark`."""

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.nddata import CCDData, NDData

from ccdbadpix.utils._files import _fits_error, _open_fits
from ccdbadpix.utils._units import _as_quantity, _count_unit, _dn_to_adu

__all__ = []


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


def _unpack(dark, label, unit):
    """Values, unit (None if unknown), header, bad pixels and name of one dark of any kind."""
    header, bad, name = {}, None, label
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
    return values, dunit, header, bad, name


def _load_one(dark, index, unit, exposure_time, exposure_key):
    label = f"darks[{index}]"
    values, dunit, header, bad, name = _unpack(dark, label, unit)
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
