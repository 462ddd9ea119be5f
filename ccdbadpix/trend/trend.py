"""Hot-pixel trending over many epochs: counts, growth rates, steps, mask-update risk.

`trend_hot_pixels` does what the JWST NIRSpec hot-pixel trending report does by hand:
count the pixels above several dark-current thresholds at every epoch, follow each pixel
through time (new, healed, intermittent), fit the growth in pixels per month with a
robust straight line that is not thrown off by a step in the counts, and turn the growth
into the risk that a target-acquisition stamp holds a hot pixel the mask does not know
yet (`unmasked_risk`) and into a mask-update cadence.
"""

import numpy as np
from astropy import units as u
from astropy.table import MaskedColumn, QTable
from astropy.time import Time

from ccdbadpix import __version__
from ccdbadpix.trend._count import _count_epochs, _MaskReader, _RateReader, _show_progress
from ccdbadpix.trend._inputs import _as_time, _assign_times, _describe
from ccdbadpix.trend._levels import _levels, _warn_empty_levels
from ccdbadpix.trend.result import HotPixelTrend
from ccdbadpix.utils._checks import _boolean, _integer, _real
from ccdbadpix.utils._units import month

__all__ = ["trend_hot_pixels"]


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
    epochs = _assign_times(_describe(darks, mask_convention), times)
    levels = _levels(epochs[0].kind, thresholds, mask_flags)
    known = _known_steps(steps, epochs)
    read = (_MaskReader(levels) if levels.kind == "mask"
            else _RateReader(levels, len(epochs), gain, unit, exposure_key))
    tracker, counts = _count_epochs(epochs, len(levels.labels), read,
                                    _show_progress(epochs, progress))
    table = _table(epochs, levels, counts, read)
    _warn_empty_levels(counts["count"], levels.labels, levels.kind)
    n_pixels = int(np.prod(tracker.state.shape[1:])) - read.n_excluded()
    table.meta.update(_meta(levels, n_pixels, steps, known))
    return HotPixelTrend._build(
        table=table, labels=levels.labels, levels=levels.values, kind=levels.kind,
        tracker=tracker, n_pixels=n_pixels, known_steps=known, detect=steps == "auto",
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


def _known_steps(steps, epochs):
    """The known step dates (`~astropy.time.Time`), each between the first and last
    epochs; None when steps are detected or not fitted."""
    if steps is None or isinstance(steps, str):
        return None
    known = [_as_time(s, f"steps[{i}]") for i, s in enumerate(steps)]
    first_mjd, last_mjd = epochs[0].time.utc.mjd, epochs[-1].time.utc.mjd
    for i, date in enumerate(known):
        if not first_mjd <= date.utc.mjd < last_mjd:
            raise ValueError(f"steps[{i}]: step date {date.utc.isot[:10]} is not between the "
                             f"first ({epochs[0].time.utc.isot[:10]}) and last "
                             f"({epochs[-1].time.utc.isot[:10]}) epochs")
    return known


def _table(epochs, levels, counts, read):
    """The per-epoch table: time, name, months, and per level the count, new, returned
    and healed pixels (the last three masked at the first epoch); rate inputs add the
    median rate and the unmeasured pixels."""
    time = Time([e.time.utc.isot for e in epochs], format="isot", scale="utc")
    table = QTable()
    table["time"] = time
    table["name"] = [e.name for e in epochs]
    table["months"] = ((time.mjd - time.mjd[0]) * u.day).to(month)
    first = np.zeros(len(epochs), bool)
    first[0] = True
    for j, label in enumerate(levels.labels):
        what = (f">= {levels.values[j]:g}" if levels.kind == "rate" else f"flagged {label}")
        table[f"count_{label}"] = counts["count"][:, j]
        table[f"count_{label}"].description = f"pixels {what}"
        for name, text in (("new", "hot for the first time"),
                           ("returned", "hot again after healing"),
                           ("healed", "no longer hot")):
            table[f"{name}_{label}"] = MaskedColumn(counts[name][:, j], mask=first,
                                                    description=f"pixels {what}: {text}")
    if levels.kind == "rate":
        table["median_rate"] = read.median_rates()
        table["unmeasured"] = read.unmeasured
    return table


def _meta(levels, n_pixels, steps, known):
    """The table's metadata: what made it, what was counted and how steps were sought."""
    return {
        "creator": f"ccdbadpix {__version__} trend_hot_pixels",
        "kind": levels.kind, "n_pixels": n_pixels,
        "levels": ([f"{v:g}" for v in levels.values] if levels.kind == "rate"
                   else levels.labels),
        "step_search": ("auto" if steps == "auto" else "none" if known is None
                        else [d.utc.isot[:19] for d in known])}
