"""The fits of a trend: one robust growth fit per level (`fit_counts`), its error with
the counting noise, and the ``fits`` and ``steps`` tables of `HotPixelTrend`."""

import numpy as np
from astropy import units as u
from astropy.table import QTable
from astropy.time import Time

from ccdbadpix.trend._fit import fit_counts, increment_scatter
from ccdbadpix.utils._units import month

__all__ = []

_PIX_MONTH = u.pix / month
_FIT_COLUMNS = ("threshold", "rate", "rate_err", "fraction_per_year", "intercept", "n_steps",
                "step", "scatter", "new_rate")


def _fit_levels(table, labels, levels, healed_pixels, n_pixels, known_steps, detect,
                step_sigma, max_steps):
    """Fit every level's counts; return the fits (`_LineFit`), fit rows and step rows.

    ``labels`` are the column suffixes of ``table``, ``levels`` the level values
    (thresholds or flag names), ``healed_pixels`` the
    pixels healed at the last epoch per level (they count in the counting noise).
    """
    time = table["time"]
    t = table["months"].to_value(month)
    # trend_hot_pixels checked that every known date lies within the epochs
    breaks = [int(np.searchsorted(time.mjd, date.utc.mjd, side="right"))
              for date in known_steps or ()]
    fitted, rows, step_rows = [], [], []
    for label, level, healed in zip(labels, levels, healed_pixels, strict=True):
        y = np.asarray(table[f"count_{label}"], dtype=float)
        result = fit_counts(t, y, known_breaks=breaks, detect=detect, step_sigma=step_sigma,
                            max_steps=max_steps)
        new = np.asarray(table[f"new_{label}"].filled(0), dtype=float)
        new_rate, slope_err = _rates(t, new, healed, result)
        fitted.append(result)
        rows.append((level, result.slope, slope_err, result.slope * 12 / n_pixels,
                     result.offsets[0], len(result.breaks), None, result.scatter, new_rate))
        step_rows += _step_rows(level, time, t, y, result, slope_err, breaks, known_steps)
    return fitted, rows, step_rows


def _rates(t, new, healed, result):
    """The rate of pixels hot for the first time (epochs after a step left out), and the
    slope's error: the fit's, or the counting noise when larger."""
    keep = np.ones(t.size, bool)
    keep[0] = False
    keep[list(result.breaks)] = False
    dt = np.diff(t, prepend=t[0])
    span = dt[keep].sum()
    new_rate = new[keep].sum() / span if span > 0 else np.nan
    # counting noise: pixels turn hot (and heal) one by one, so the counts
    # are a random walk about the line and their residuals are correlated. A
    # least-squares slope through such a walk has variance 6 lam / (5 T) for
    # lam events per month over T months; quote at least that.
    events = new[keep].sum() + healed
    walk = np.sqrt(1.2 * events) / span if span > 0 else np.nan
    slope_err = max(result.slope_err, walk) if np.isfinite(walk) else result.slope_err
    return new_rate, slope_err


def _step_rows(level, time, t, y, result, slope_err, breaks, known_steps):
    """One row per step of a level's fit: level, date, size, its error, known."""
    sigma_inc = increment_scatter(t, y, result.breaks)
    rows = []
    for k in result.breaks:
        is_known = k in breaks
        if is_known:
            when = known_steps[breaks.index(k)]
        else:
            when = Time((time[k - 1].mjd + time[k].mjd) / 2, format="mjd", scale="utc")
        # the jump of the counts across the step less the growth over the gap:
        # neighbouring epochs share all but the pixels that turned hot between
        # them, so this is more precise than the difference of the offsets
        gap = t[k] - t[k - 1]
        size = (y[k] - y[k - 1]) - result.slope * gap
        size_err = float(np.hypot(sigma_inc * np.sqrt(gap), slope_err * gap))
        rows.append((level, when.utc.isot, size, size_err, is_known))
    return rows


def _fits_table(rows, step_rows, kind, t_ref, n_pixels):
    """The ``fits`` table of `HotPixelTrend`, one row per level."""
    cols = list(zip(*rows, strict=True))
    fits = QTable()
    fits["threshold"] = (u.Quantity(cols[0]) if kind == "rate" else list(cols[0]))
    fits["rate"] = np.array(cols[1]) * _PIX_MONTH
    fits["rate_err"] = np.array(cols[2]) * _PIX_MONTH
    fits["fraction_per_year"] = np.array(cols[3]) / u.yr
    fits["intercept"] = np.array(cols[4]) * u.pix
    fits["n_steps"] = np.array(cols[5], dtype=int)
    totals = {}
    for row in step_rows:
        totals[str(row[0])] = totals.get(str(row[0]), 0.0) + row[2]
    fits["step"] = np.array([totals.get(str(v), 0.0) for v in cols[0]]) * u.pix
    fits["scatter"] = np.array(cols[7]) * u.pix
    fits["new_rate"] = np.array(cols[8]) * _PIX_MONTH
    for name in ("rate", "rate_err", "new_rate", "intercept", "step", "scatter"):
        fits[name].info.format = ".2f"
    fits["fraction_per_year"].info.format = ".3g"
    fits.meta["t_ref"] = t_ref
    fits.meta["n_pixels"] = n_pixels
    assert tuple(fits.colnames) == _FIT_COLUMNS
    return fits


def _steps_table(step_rows, kind, unit):
    """The ``steps`` table of `HotPixelTrend`, one row per step (``unit``: of rates)."""
    steps = QTable()
    step_cols = list(zip(*step_rows, strict=True)) if step_rows else [[]] * 5
    if kind == "rate":
        steps["threshold"] = u.Quantity(list(step_cols[0]), unit) if step_rows else \
            u.Quantity([], unit)
    else:
        steps["threshold"] = np.array(step_cols[0], dtype=str)
    steps["time"] = Time(list(step_cols[1]) if step_rows else [], format="isot",
                         scale="utc")
    steps["size"] = np.array(step_cols[2], dtype=float) * u.pix
    steps["size_err"] = np.array(step_cols[3], dtype=float) * u.pix
    steps["known"] = np.array(step_cols[4], dtype=bool)
    return steps
