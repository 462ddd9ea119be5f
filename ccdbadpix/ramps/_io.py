"""Reading and validating up-the-ramp inputs for `classify_ramps` and friends."""

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.nddata import NDData
from astropy.utils.exceptions import AstropyUserWarning

from ccdbadpix.utils._checks import _real
from ccdbadpix.utils._files import _fits_error, _open_fits
from ccdbadpix.utils._units import _count_unit, _dn_to_adu, _gain_value

__all__ = []

_TIME_KEYS = ("TGROUP", "GROUPTIM", "TFRAME")


@dataclass
class _Ramps:
    """A validated ramp cube: ``cube`` is (nints, ngroups, ny, nx) (ndarray, memmap or dask)."""

    cube: object
    times: np.ndarray  # (ngroups,) s, strictly increasing
    count_unit: u.UnitBase  # adu or electron
    gain: float | None  # electron per count unit; None if unknown
    meta: fits.Header
    source: str
    #: (ny, nx) bool of ramps whose integer counter wrapped (dask for dask cubes), or None
    wrapped: object = None

    @property
    def shape(self):
        return self.cube.shape[-2:]

    @property
    def is_dask(self):
        return type(self.cube).__module__.startswith("dask")


def _is_dask(x):
    return type(x).__module__.startswith("dask")


def _check_cube_shape(shape, name):
    if len(shape) not in (3, 4):
        raise ValueError(f"{name} must be a cube (ngroups, ny, nx) or (nints, ngroups, ny, "
                         f"nx), got shape {tuple(shape)}")
    if shape[-3] < 3:
        raise ValueError(f"{name} has {shape[-3]} groups; classifying ramps needs at least 3")
    if min(shape) < 1:
        raise ValueError(f"{name} has an empty axis: shape {tuple(shape)}")


def _read_fits(path):
    """(cube, header, times or None, unit or None) from a FITS file.

    Unscaled cubes stay memory-mapped (the file handle is closed; the map lives as long
    as the array), so tiles are read from disk as they are classified.
    """
    # memmap=None: memory-mapped where the data allow it; scaled integer cubes (BZERO,
    # e.g. raw uint16 ramps) are read and scaled instead
    with _open_fits(path, "ramps") as hdul:
        header = fits.Header()
        header.extend(hdul[0].header, unique=True)
        cube_hdu = hdul["SCI"] if "SCI" in hdul else None
        if cube_hdu is None:
            for hdu in hdul:
                if hdu.is_image and hdu.header.get("NAXIS", 0) in (3, 4):
                    cube_hdu = hdu
                    break
        if cube_hdu is None or not cube_hdu.is_image or \
                cube_hdu.header.get("NAXIS", 0) not in (3, 4):
            raise _fits_error(path, "ramps", "it holds no 3-D or 4-D image (a SCI extension "
                                             "or a primary cube of ramps)")
        if cube_hdu is not hdul[0]:
            header.extend(cube_hdu.header, unique=True, update=True)
        times = _file_times(hdul["TIMES"], path) if "TIMES" in hdul else None
        cube = cube_hdu.data
    return cube, header, times, header.get("BUNIT")


def _file_times(hdu, path):
    """The TIME column (s) of a TIMES table extension."""
    if hdu.is_image:
        raise _fits_error(path, "ramps", "its TIMES extension is an image; expected a table "
                                         "with a TIME column (s)")
    columns = {name.upper(): name for name in hdu.columns.names}
    if "TIME" not in columns:
        raise _fits_error(path, "ramps", "its TIMES table has no TIME column (columns: "
                                         f"{', '.join(hdu.columns.names) or 'none'})")
    try:
        return np.array(hdu.data[columns["TIME"]], dtype=float)
    except (TypeError, ValueError):
        raise _fits_error(path, "ramps", "the TIME column of its TIMES table does not hold "
                                         "numbers") from None


def _parse_unit(unit, name):
    try:
        unit = u.Unit(unit)
    except (ValueError, TypeError):
        try:  # FITS headers often write ADU, Dn, ELECTRONS
            unit = u.Unit(str(unit).strip().lower().rstrip("s"))
        except (ValueError, TypeError):
            raise u.UnitsError(f"{name} is not a unit astropy understands: {unit!r}") from None
    count = _count_unit(unit)
    if count is None or not _dn_to_adu(unit).is_equivalent(count):
        raise u.UnitsError(f"{name} must be counts (DN, adu or electron), got {unit}")
    return count, float(_dn_to_adu(unit).to(count))


def _times_from(times, group_time, ngroups, header, source):
    if times is not None:
        if isinstance(times, u.Quantity) and not times.unit.is_equivalent(u.s):
            raise u.UnitsError(f"times must be in units of time, got "
                               f"{times.unit.to_string() or 'dimensionless'}")
        t = times.to_value(u.s) if isinstance(times, u.Quantity) else times
        if isinstance(t, str | bytes) or np.asarray(t).dtype.kind not in "uif":
            raise TypeError(f"times must be numbers or a Quantity in s, got {times!r}")
        t = np.asarray(t, dtype=float)
        if t.shape != (ngroups,):
            raise ValueError(f"times must have one value per group ({ngroups}), got shape "
                             f"{t.shape}")
    else:
        if group_time is None:
            for key in _TIME_KEYS:
                if key in header:
                    group_time = float(header[key])
                    break
        if group_time is None:
            raise ValueError(f"{source} carries no group time (keywords {_TIME_KEYS}): pass "
                             "group_time= or times=")
        if isinstance(group_time, u.Quantity):
            if not group_time.unit.is_equivalent(u.s):
                raise u.UnitsError(f"group_time must be a time, got {group_time.unit}")
            group_time = group_time.to_value(u.s)
        if np.ndim(group_time) != 0:
            raise ValueError("group_time must be a single value; use times= for irregular "
                             "sampling")
        group_time = _real(group_time, "group_time", low=0, low_open=True,
                           expected="positive (a finite time in s)")
        t = group_time * np.arange(1, ngroups + 1)
    if not np.all(np.isfinite(t)):
        raise ValueError("times must be finite")
    if np.any(np.diff(t) <= 0):
        raise ValueError(f"times must be strictly increasing, got {t.tolist()}")
    return t


def _load_ramps(ramps, *, times=None, group_time=None, gain=None, unit=None):
    """Normalise any supported ramp input into a `_Ramps`."""
    header = fits.Header()
    file_times = None
    source = "ramps"
    unit_name = "unit"
    if isinstance(ramps, str | Path):
        path = Path(ramps)
        if not path.exists():
            raise FileNotFoundError(f"ramps: no file at {path}")
        cube, header, file_times, file_unit = _read_fits(path)
        source = path.name
        if unit is None and file_unit is not None:
            unit, unit_name = file_unit, f"the BUNIT of {path.name}"
    elif isinstance(ramps, u.Quantity):
        cube, unit, unit_name = ramps.value, ramps.unit, "the unit of ramps"
    elif isinstance(ramps, list | tuple):
        if not ramps:
            raise ValueError("ramps is an empty sequence")
        if not all(isinstance(r, NDData) for r in ramps):
            raise TypeError("ramps given as a sequence must hold CCDData/NDData reads, one "
                            "per group")
        shapes = {np.shape(r.data) for r in ramps}
        if len(shapes) != 1 or len(next(iter(shapes))) != 2:
            raise ValueError(f"ramps: the reads must be 2-D images of one shape, got "
                             f"{sorted(shapes)}")
        units = {r.unit for r in ramps}
        if len(units) != 1:
            raise u.UnitsError(f"ramps: the reads have different units: {units}")
        if unit is None:
            unit, unit_name = units.pop(), "the unit of the reads"
        cube = np.stack([np.asarray(r.data) for r in ramps])
        metas = [r.meta or {} for r in ramps]
        header = fits.Header()
        for key, value in metas[0].items():
            if key not in ("COMMENT", "HISTORY", "") and np.isscalar(value):
                header[key] = value
        if times is None and group_time is None and all("EXPTIME" in m for m in metas):
            file_times = np.array([float(m["EXPTIME"]) for m in metas])
    elif isinstance(ramps, np.ndarray) or _is_dask(ramps):
        cube = ramps
    else:
        raise TypeError("ramps must be a cube (ndarray, Quantity or dask array), a sequence "
                        f"of CCDData reads, or a FITS path; got {type(ramps).__name__}")
    _check_cube_shape(np.shape(cube), "ramps")
    if np.dtype(cube.dtype).kind not in "uif":
        raise TypeError(f"ramps must hold numbers, got dtype {cube.dtype}")
    count, scale = _parse_unit(unit if unit is not None else u.DN, unit_name)
    if cube.ndim == 3:
        cube = cube[None]
    wrapped = _wrapped(cube)
    if scale != 1.0:
        cube = cube * scale
    ngroups = cube.shape[1]
    if times is None and file_times is not None and group_time is None:
        times = file_times
    t = _times_from(times, group_time, ngroups, header, source)
    g = _gain_value(gain)
    if g is None and "GAIN" in header and count != u.electron:
        value = header["GAIN"]
        try:
            if isinstance(value, bool):
                raise TypeError
            g = _gain_value(float(value), "the GAIN keyword")
        except (TypeError, ValueError):
            raise ValueError(f"{source}: the GAIN keyword ({value!r}) is not a positive "
                             "number; pass gain= (electron/DN)") from None
    if count == u.electron:
        g = 1.0
    return _Ramps(cube=cube, times=t, count_unit=count, gain=g, meta=header, source=source,
                  wrapped=wrapped)


def _wrapped(cube):
    """(ny, nx) map of the ramps whose integer counter wrapped around, or None.

    For a cube of integers of up to 32 bits, a pixel wrapped when its count drops by more
    than half the range of the dtype between two consecutive groups of an integration
    (a uint16 ramp going from 65450 to 64): no detector signal does that. A lazy dask
    array for dask cubes; None for float cubes.
    """
    dtype = np.dtype(cube.dtype)
    if dtype.kind not in "ui" or dtype.itemsize > 4:
        return None
    info = np.iinfo(dtype)
    half = (int(info.max) - int(info.min) + 1) // 2
    if _is_dask(cube):
        wide = cube.astype(np.int64)
        return ((wide[:, :-1] - wide[:, 1:]) > half).any(axis=(0, 1))
    out = np.zeros(cube.shape[-2:], bool)
    for i in range(cube.shape[0]):
        prev = np.asarray(cube[i, 0], dtype=np.int64)
        for k in range(1, cube.shape[1]):
            frame = np.asarray(cube[i, k], dtype=np.int64)
            out |= (prev - frame) > half
            prev = frame
    return out


def _rate_threshold(value, name, count_unit, gain):
    """A rate threshold in electron/s (given in electron/s or counts/s), positive, finite."""
    expected = "a positive, finite rate (a Quantity in electron/s or DN/s, or electron/s)"
    if not isinstance(value, u.Quantity):
        value = _real(value, name, expected=expected) * u.electron / u.s
    if value.ndim != 0:
        raise ValueError(f"{name} must be a single rate, got shape {value.shape}")
    unit = _dn_to_adu(value.unit)
    if unit.is_equivalent(u.electron / u.s):
        rate = value.to_value(u.electron / u.s)
    elif unit.is_equivalent(u.adu / u.s):
        if gain is None:
            raise u.UnitsError(f"{name} is in {value.unit} but the gain is unknown: pass gain=")
        rate = u.Quantity(value.value, unit).to_value(u.adu / u.s) * gain
    else:
        raise u.UnitsError(f"{name} must be a rate in electron/s or DN/s, got "
                           f"{value.unit.to_string() or 'dimensionless'}")
    if not np.isfinite(rate) or rate <= 0:
        raise ValueError(f"{name} must be {expected}, got {value}")
    return float(rate)


def _resolve_gain(ramps, hot_threshold, warm_threshold):
    """Gain (electron per count) to use; raise when thresholds need a missing one."""
    if ramps.gain is not None:
        return ramps.gain
    in_electrons = [isinstance(q, u.Quantity) is False or
                    _dn_to_adu(q.unit).is_equivalent(u.electron / u.s)
                    for q in (hot_threshold, warm_threshold)]
    if any(in_electrons):
        raise u.UnitsError("the ramps are in DN/adu and no gain was given (no GAIN keyword "
                           "either): pass gain= (electron/DN) or give hot_threshold and "
                           "warm_threshold in DN/s")
    warnings.warn("gain unknown: thresholds are in DN/s, shot noise is computed for "
                  "1 electron/DN", AstropyUserWarning, stacklevel=3)
    return 1.0
