"""Hot-pixel trending over many epochs: counts, growth rates, steps, mask-update risk.

`trend_hot_pixels` does what the JWST NIRSpec hot-pixel trending report does by hand:
count the pixels above several dark-current thresholds at every epoch, follow each pixel
through time (new, healed, intermittent), fit the growth in pixels per month with a
robust straight line that is not thrown off by a step in the counts, and turn the growth
into the risk that a target-acquisition stamp holds a hot pixel the mask does not know
yet (`unmasked_risk`) and into a mask-update cadence.
"""

import warnings

import numpy as np
from astropy import units as u
from astropy.table import MaskedColumn, QTable
from astropy.time import Time
from astropy.utils.exceptions import AstropyUserWarning

from ccdbadpix import __version__
from ccdbadpix.dq.flags import DQ, flags_to_value
from ccdbadpix.trend._inputs import _assign_times, _describe, _load_mask
from ccdbadpix.trend.result import HotPixelTrend
from ccdbadpix.utils._checks import _boolean, _integer, _real
from ccdbadpix.utils._progress import _progress
from ccdbadpix.utils._units import month

__all__ = ["HotPixelTrend", "month", "trend_hot_pixels", "unmasked_risk"]

_DEFAULT_THRESHOLDS = (1, 3, 10, 100) * u.DN / u.s
_DEFAULT_MASK_FLAGS = "HOT"
_NOT_SCIENCE = DQ.REFERENCE_PIXEL | DQ.NON_SCIENCE


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


# ------------------------------------------------------------------------------ levels
def _levels_for_rates(thresholds):
    q = _DEFAULT_THRESHOLDS if thresholds is None else thresholds
    if not isinstance(q, u.Quantity):
        raise TypeError("thresholds must be a Quantity of dark-current rates, e.g. "
                        f"(1, 3, 10, 100) * u.DN / u.s, got {thresholds!r}")
    q = np.atleast_1d(q)
    if q.ndim != 1 or q.size == 0 or not np.all(np.isfinite(q.value)) or np.any(q.value <= 0):
        raise ValueError(f"thresholds must be positive rates, got {thresholds!r}")
    if np.unique(q.value).size != q.size:
        raise ValueError(f"thresholds must be different, got {thresholds!r}")
    return np.sort(q)


def _levels_for_masks(mask_flags):
    if mask_flags is None:
        mask_flags = _DEFAULT_MASK_FLAGS
    if isinstance(mask_flags, str | int | np.integer):
        items = [mask_flags]
    elif isinstance(mask_flags, list | tuple):
        items = list(mask_flags)
    else:
        raise TypeError("mask_flags must be a flag name, a DQ value or a list of those (one "
                        f"level each), got {mask_flags!r}")
    if not items:
        raise ValueError("mask_flags must name at least one flag")
    levels = []
    for item in items:
        if not isinstance(item, str | int | np.integer | list | tuple) or isinstance(
                item, bool):
            raise TypeError(f"mask_flags entries must be flag names or DQ values, got "
                            f"{item!r}")
        value = flags_to_value(item, "mask_flags")
        if value == 0:
            raise ValueError(f"mask_flags entry {item!r} names no flag")
        levels.append((str(item), np.uint32(value)))
    return levels


def _label(value):
    return f"{value:g}"


# ---------------------------------------------------------------------------- tracking
class _Tracker:
    """Per-pixel state through the epochs, for every level, in bounded memory."""

    HOT, EVER, HEALED, INTERMITTENT = 1, 2, 4, 8

    def __init__(self, n_levels, shape, n_epochs):
        self.state = np.zeros((n_levels, *shape), dtype=np.uint8)
        dtype = np.int16 if n_epochs < 2**15 else np.int32
        self.first = np.full((n_levels, *shape), -1, dtype=dtype)
        self.n = 0

    def update(self, level, hot, measured):
        """Fold in one epoch's hot map of one level; return (count, new, returned, healed).

        Whole-array bit operations on the uint8 state (bit 0 hot now, 1 ever hot, 2 has
        healed, 3 intermittent), so every epoch costs a few passes over the image.
        """
        state = self.state[level]
        was = state & np.uint8(self.HOT)
        if measured is not None:  # unmeasured pixels keep their previous state
            hot = np.where(measured, hot, was.view(bool))
        h = np.ascontiguousarray(hot, dtype=bool).view(np.uint8)
        ever = (state >> 1) & np.uint8(1)
        on = h & (was ^ np.uint8(1))
        new = on & (ever ^ np.uint8(1))
        returned = on & ever
        healed = was & (h ^ np.uint8(1))
        comeback = returned & (state >> 2)  # hot again after having healed
        np.copyto(self.first[level], self.n, where=new.view(bool))
        state &= np.uint8(0xFF ^ self.HOT)
        state |= h | (h << 1) | (healed << 2) | (comeback << 3)
        count = int(np.count_nonzero(h if measured is None else h.view(bool) & measured))
        return (count, int(np.count_nonzero(new)), int(np.count_nonzero(returned)),
                int(np.count_nonzero(healed)))


def _rate_loader(gain, unit, exposure_key):
    from ccdbadpix.darks.current import _combine, _load_darks

    def load(epoch):
        loaded = _load_darks(epoch.item, unit=unit, exposure_key=exposure_key)
        for d in loaded:
            d.name = epoch.name
        return _combine(loaded, gain=gain)

    return load


def _at_least(value, dtype):
    """The smallest number of ``dtype`` at or above ``value``: ``x >= it`` in that dtype
    is ``x >= value`` exactly, without converting the image to float64."""
    if dtype != np.float32:
        return value
    v = np.float32(value)
    return np.nextafter(v, np.float32(np.inf)) if v < value else v


def _median(data, finite):
    """Median of the measured rates; above 1 Mpix, of every 4th pixel in x and y."""
    if not finite.any():
        return np.nan
    if data.size > 1_000_000:
        data, finite = data[::4, ::4], finite[::4, ::4]
        if not finite.any():
            return np.nan
    return float(np.median(data[finite]))


def _rate_threshold_values(levels, work_unit, gain):
    from ccdbadpix.darks.current import _convert_factor

    factor = _convert_factor(levels.unit, work_unit, gain, "thresholds")
    return levels.value * factor


def trend_hot_pixels(darks, *, times=None, thresholds=None, mask_flags=None,
                     steps="auto", step_sigma=6.0, max_steps=3, gain=None, unit=None,
                     exposure_key="EXPTIME", mask_convention=None, progress=None):
    """Trend the hot pixels of a detector over many epochs.

    Every epoch is a dark-current map (or darks to make one) or a bad-pixel mask. The
    pixels above each threshold (or carrying the given flags) are counted and followed
    one by one through time, and the counts are fitted with a robust straight line
    of common slope across steps, in pixels per month.

    Parameters
    ----------
    darks : sequence, glob pattern or cube
        The epochs, in any order: `~astropy.nddata.CCDData` darks in counts with
        ``EXPTIME`` or rate maps (DN/s, adu/s, electron/s), `~astropy.nddata.NDData`,
        `~astropy.units.Quantity` rate maps, FITS paths, a list of darks of different
        exposure times for one epoch (combined with `measure_dark_current`), or
        `DQMask` masks (read with `DQMask.read` and a stated convention, or given as
        paths with ``mask_convention``). A (n_epochs, ny, nx) Quantity cube is split into
        epochs. Dtypes may differ between epochs; shapes may not.
    times : sequence of dates or ``"filename"``, optional
        One date per epoch (`~astropy.time.Time`, ISO strings, or MJD numbers), in the
        order of ``darks``. ``"filename"``: the ``YYYYMMDD`` or ``YYMMDD`` date in each
        file name. Default: the header's DATE-OBS (with TIME-OBS), DATE-BEG, MJD-OBS or
        USEAFTER.
    thresholds : `~astropy.units.Quantity`, optional
        Dark-current thresholds for dark and rate inputs. Default (1, 3, 10, 100) DN/s,
        the NIRSpec report's. Rates in electron/s need ``gain`` to compare with DN/s.
    mask_flags : str, int or sequence, optional
        For mask inputs: each entry (a flag name, ``"HOT,WARM"`` or a value) is one
        level; a pixel counts when it carries any of the entry's flags. Default
        ``"HOT"``: the pixels flagged hot, as a hot-pixel trend counts them. Masks that
        mark their bad pixels only DO_NOT_USE (as foreign masks read with a
        ``"bad"`` convention do) need ``mask_flags="DO_NOT_USE"``; a level that counts
        no pixel at any epoch gives a warning.
    steps : ``"auto"``, None or sequence of dates, optional
        Steps in the counts (e.g. a change in how neighbours are flagged): ``"auto"``
        detects them, None fits one straight line, a sequence of dates gives known
        change dates (a new segment starts with the first epoch after each date; further
        steps are not searched). All segments share one slope.
    step_sigma : float, optional
        A detected step must be this many robust residual scatters tall. Default 6.
    max_steps : int, optional
        At most this many detected steps per threshold. Default 3.
    gain : `~astropy.units.Quantity` or float, optional
        electron/DN, to compare electron rates with DN thresholds (or the reverse).
    unit : `~astropy.units.Unit`, optional
        Unit of plain-array darks or FITS files without BUNIT.
    exposure_key : str, optional
        Header keyword of the exposure time of darks in counts. Default ``"EXPTIME"``.
    mask_convention : str, dict, sequence or callable, optional
        How to read mask files without a ``DQ_DEF`` table: ``"bad"``, ``"good"``,
        ``"dq"``, a dict of `DQMask.read` keywords (``{"bad_value": 1024}``,
        ``{"bit_map": {1: "DO_NOT_USE", 1024: "REFERENCE_PIXEL"}}``), one of these per
        epoch, or a function of the path returning one. Given, every path is read as a
        mask.
    progress : bool or None, optional
        Show a progress bar over the epochs; None: when there are more than 20 or the
        images are large.

    Returns
    -------
    trend : `HotPixelTrend`
        ``.table`` (per epoch), ``.fits`` (per threshold), ``.steps``, pixel tracking,
        ``.unmasked_risk``, ``.recommend_cadence`` and ``.plot``.

    Raises
    ------
    ValueError
        Fewer than two epochs, epochs without dates, two epochs on one date, shapes
        that differ, masks mixed with darks, or a mask file whose layout is not stated.
    astropy.units.UnitsError
        Thresholds that cannot be compared with the darks' units (e.g. no ``gain``).

    Examples
    --------
    Three rate maps, a year apart, with 2, 3 and 5 pixels above 1 DN/s:

    >>> import numpy as np
    >>> import astropy.units as u
    >>> from ccdbadpix import trend_hot_pixels
    >>> maps = np.zeros((3, 8, 8))
    >>> maps[:, 0, :2] = 5
    >>> maps[1:, 1, 0] = 20
    >>> maps[2, 2, :2] = 200
    >>> trend = trend_hot_pixels(maps * u.DN / u.s, steps=None,
    ...                          times=["2023-01-01", "2024-01-01", "2025-01-01"])
    >>> trend.table["count_1"].tolist(), trend.table["new_1"].filled(-1).tolist()
    ([2, 3, 5], [-1, 1, 2])
    >>> print(f"{trend.fits['rate'][0]:.3f}")
    0.125 pix / month
    """
    step_sigma, max_steps, progress = _check_options(steps, step_sigma, max_steps, progress,
                                                     mask_convention)
    epochs = _describe(darks, mask_convention)
    epochs = _assign_times(epochs, times)
    kind = epochs[0].kind
    if kind == "mask":
        if thresholds is not None:
            raise ValueError("thresholds apply to darks and rate maps; for masks choose the "
                             "flags that count with mask_flags=")
        levels = _levels_for_masks(mask_flags)
        labels = [name for name, _ in levels]
        level_values = [name for name, _ in levels]
    else:
        if mask_flags is not None:
            raise ValueError("mask_flags apply to masks; for darks and rate maps choose the "
                             "dark-current levels with thresholds=")
        thr = _levels_for_rates(thresholds)
        labels = [_label(v) for v in thr.value]
        level_values = thr
    known = None if steps is None or isinstance(steps, str) else [
        _assign_step_date(s, i) for i, s in enumerate(steps)]
    first_mjd, last_mjd = epochs[0].time.utc.mjd, epochs[-1].time.utc.mjd
    for i, date in enumerate(known or ()):
        if not first_mjd <= date.utc.mjd < last_mjd:
            raise ValueError(f"steps[{i}]: step date {date.utc.isot[:10]} is not between the "
                             f"first ({epochs[0].time.utc.isot[:10]}) and last "
                             f"({epochs[-1].time.utc.isot[:10]}) epochs")

    n_ep, n_lev = len(epochs), len(labels)
    counts = np.zeros((n_ep, n_lev), dtype=np.int64)
    new = np.zeros_like(counts)
    returned = np.zeros_like(counts)
    healed = np.zeros_like(counts)
    unmeasured = np.zeros(n_ep, dtype=np.int64)
    medians = np.full(n_ep, np.nan)
    tracker = None
    shape = None
    not_science = None
    rate_unit = None
    load_rate = _rate_loader(gain, unit, exposure_key) if kind == "rate" else None
    if progress is None:
        big = epochs[0].shape is not None and np.prod(epochs[0].shape) >= 4_000_000
        progress = n_ep > 20 or big
    for k, epoch in enumerate(_progress(epochs, progress)):
        if kind == "mask":
            mask = _load_mask(epoch)
            data = mask.data
            measured = None
            hots = [(data & value) != 0 for _, value in levels]
            ns = (data & np.uint32(_NOT_SCIENCE)) != 0
            not_science = ns if not_science is None else not_science | ns
        else:
            dc = load_rate(epoch)
            if rate_unit is None:
                rate_unit, gain_used = dc.unit, dc.gain
                thr_values = _rate_threshold_values(level_values, rate_unit, dc.gain)
            elif dc.unit != rate_unit:
                raise u.UnitsError(f"{epoch.name} gives rates in {dc.unit} but earlier "
                                   f"epochs in {rate_unit}; give gain=")
            data = dc.rate
            finite = np.isfinite(data)
            measured = None if finite.all() else finite
            with np.errstate(invalid="ignore"):
                hots = [data >= _at_least(v, data.dtype) for v in thr_values]
            unmeasured[k] = data.size - int(np.count_nonzero(finite))
            medians[k] = _median(data, finite)
        if shape is None:
            shape = data.shape
            tracker = _Tracker(n_lev, shape, n_ep)
        elif data.shape != shape:
            raise ValueError(f"the epochs have different shapes: {epochs[0].name} {shape}, "
                             f"{epoch.name} {data.shape}")
        for j, hot in enumerate(hots):
            counts[k, j], new[k, j], returned[k, j], healed[k, j] = tracker.update(
                j, hot, measured)
        tracker.n += 1

    time = Time([e.time.utc.isot for e in epochs], format="isot", scale="utc")
    table = QTable()
    table["time"] = time
    table["name"] = [e.name for e in epochs]
    table["months"] = ((time.mjd - time.mjd[0]) * u.day).to(month)
    first = np.zeros(n_ep, bool)
    first[0] = True
    for j, label in enumerate(labels):
        what = (f">= {level_values[j]:g}" if kind == "rate" else f"flagged {label}")
        table[f"count_{label}"] = counts[:, j]
        table[f"count_{label}"].description = f"pixels {what}"
        for name, values, text in (("new", new, "hot for the first time"),
                                   ("returned", returned, "hot again after healing"),
                                   ("healed", healed, "no longer hot")):
            table[f"{name}_{label}"] = MaskedColumn(values[:, j], mask=first,
                                                    description=f"pixels {what}: {text}")
    if kind == "rate":
        from ccdbadpix.darks.current import _convert_factor

        to_thresholds = _convert_factor(rate_unit, level_values.unit, gain_used, "median")
        table["median_rate"] = medians * to_thresholds * level_values.unit
        table["unmeasured"] = unmeasured
    _warn_empty_levels(counts, labels, kind)
    n_pixels = int(np.prod(shape)) - (int(np.count_nonzero(not_science))
                                      if not_science is not None else 0)
    table.meta.update({
        "creator": f"ccdbadpix {__version__} trend_hot_pixels",
        "kind": kind, "n_pixels": n_pixels,
        "levels": ([f"{v:g}" for v in level_values] if kind == "rate" else labels),
        "step_search": ("auto" if steps == "auto" else "none" if known is None
                        else [d.utc.isot[:19] for d in known])})
    return HotPixelTrend._build(
        table=table, labels=labels, levels=level_values, kind=kind, tracker=tracker,
        n_pixels=n_pixels, known_steps=known, detect=steps == "auto",
        step_sigma=float(step_sigma), max_steps=int(max_steps))


def _check_options(steps, step_sigma, max_steps, progress, mask_convention):
    """Check the scalar options of `trend_hot_pixels` before any file is read."""
    if isinstance(steps, str):
        if steps != "auto":
            raise ValueError(f"steps must be 'auto', None or a sequence of dates, got "
                             f"{steps!r}")
    elif steps is not None and ((isinstance(steps, Time) and steps.isscalar)
                                or not np.iterable(steps)):
        raise TypeError(f"steps must be 'auto', None or a sequence of dates, got {steps!r}")
    step_sigma = _real(step_sigma, "step_sigma", low=0, low_open=True)
    max_steps = _integer(max_steps, "max_steps", 0)
    progress = _boolean(progress, "progress", allow_none=True)
    if not (mask_convention is None or callable(mask_convention)
            or isinstance(mask_convention, str | dict | list | tuple)):
        raise TypeError("mask_convention must be None, 'dq', 'bad', 'good', a dict of "
                        "DQMask.read keywords, a list of those, or a function of the path; "
                        f"got {type(mask_convention).__name__}")
    return step_sigma, max_steps, progress


def _warn_empty_levels(counts, labels, kind):
    """Warn about mask levels that count no pixel at any epoch (likely the wrong flags),
    or rate thresholds when none counts any pixel (likely the wrong unit)."""
    empty = [label for j, label in enumerate(labels) if not counts[:, j].any()]
    if kind == "mask" and empty:
        hint = ("the masks carry none of these flags: choose the flags they use with "
                "mask_flags= (e.g. 'DO_NOT_USE' for masks read with a 'bad' convention)")
    elif len(empty) == len(labels):  # a high threshold may well count no pixel
        hint = "no pixel reaches any threshold: check the thresholds and their unit"
    else:
        return
    warnings.warn(f"{', '.join(empty)}: no pixel counted at any epoch; {hint}",
                  AstropyUserWarning, stacklevel=3)


def _assign_step_date(value, index):
    from ccdbadpix.trend._inputs import _as_time

    return _as_time(value, f"steps[{index}]")
