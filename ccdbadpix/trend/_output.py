"""Output of a `HotPixelTrend`: the text summary and the ECSV table."""

import os

import numpy as np
from astropy import units as u
from astropy.time import Time

from ccdbadpix.utils._checks import _boolean
from ccdbadpix.utils._files import _atomic_write
from ccdbadpix.utils._units import month

__all__ = []


def _summary(trend, max_risk, stamp_shape, n_stamps):
    """`HotPixelTrend.summary`: epochs, growth per level, cadences, steps."""
    t = trend.table["time"]
    lines = [f"{len(t)} epochs from {t[0].isot[:10]} to {t[-1].isot[:10]} "
             f"({trend.table['months'][-1].to_value(month):.1f} months), "
             f"{trend.n_pixels} pixels"]
    unit = "" if trend.kind == "mask" else f" {trend.thresholds.unit.to_string()}"
    head = "threshold" if trend.kind == "rate" else "flags"
    cadence_head = " ".join(f"{'cadence ' + str(n) + ' stamp' + ('s' if n > 1 else ''):>17}"
                            for n in np.atleast_1d(n_stamps))
    lines.append(f"{head:>16} {'last count':>10} {'pix/month':>18} {'%/yr':>8} "
                 f"{'steps':>5} {cadence_head}")
    notes = []
    for j, row in enumerate(trend.fits):
        level = (f"{row['threshold'].value:g}{unit}" if trend.kind == "rate"
                 else str(row["threshold"]))
        rate, err = float(row["rate"].value), float(row["rate_err"].value)
        cad = _cadences(trend, trend._labels[j], max_risk, stamp_shape, n_stamps)
        if not (rate > 0 and err <= rate):  # no cadence follows from such a growth
            cad = ["not significant"] * len(cad)
            why = "is not positive" if not rate > 0 else "is smaller than its error"
            notes.append(f"growth at {level}: {rate:.2f} +- {err:.2f} pix/month {why}, "
                         "so no cadence follows from it")
        lines.append(
            f"{level:>16} {int(trend.table['count_' + trend._labels[j]][-1]):10d} "
            f"{row['rate'].value:9.2f} +- {row['rate_err'].value:5.2f} "
            f"{100 * row['fraction_per_year'].value:8.4f} {row['n_steps']:5d} "
            + " ".join(f"{c:>17}" for c in cad))
    lines.append(f"cadence: longest mask-update interval keeping the risk that a "
                 f"{'x'.join(map(str, stamp_shape))} stamp holds an unmasked hot pixel "
                 f"at most {max_risk:.0%}")
    return "\n".join(lines + notes + _step_lines(trend, unit))


def _cadences(trend, label, max_risk, stamp_shape, n_stamps):
    """The summary's cadence cells of one level, one per number of stamps."""
    cells = []
    for n in np.atleast_1d(n_stamps):
        c = trend.recommend_cadence(max_risk, stamp_shape, int(n), threshold=label)
        cells.append(f"{c.to_value(month):12.1f} mon" if np.isfinite(c) else
                     f"{'never needed':>16}")
    return cells


def _step_lines(trend, unit):
    """The summary's lines about the steps, one per step."""
    lines = []
    for row in trend.steps:
        level = (f"{row['threshold'].value:g}{unit}" if trend.kind == "rate"
                 else str(row["threshold"]))
        lines.append(f"step at {level}: {row['size'].value:+.0f} +- "
                     f"{row['size_err'].value:.0f} pixels near {row['time'].isot[:10]}"
                     f" ({'known' if row['known'] else 'detected'})")
    return lines


def _write(trend, path, overwrite):
    """`HotPixelTrend.write`: ``table`` as ECSV, ``fits`` and ``steps`` in its metadata."""
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a file name (str or path-like), got {path!r}")
    overwrite = _boolean(overwrite, "overwrite")
    table = trend.table.copy()
    table.meta["fits"] = [{name: _plain(row[name]) for name in trend.fits.colnames}
                          for row in trend.fits]
    table.meta["steps"] = [{name: _plain(row[name]) for name in trend.steps.colnames}
                           for row in trend.steps]
    table.meta["units"] = {"rate": "pix / month", "fraction_per_year": "1 / yr",
                           "intercept": "pix", "step": "pix", "size": "pix"}
    table.meta["n_pixels"] = trend.n_pixels
    return _atomic_write(path, lambda tmp: table.write(tmp, format="ascii.ecsv",
                                                       overwrite=True), overwrite)


def _plain(value):
    if isinstance(value, u.Quantity):
        return float(value.value)
    if isinstance(value, Time):
        return value.isot
    if isinstance(value, np.generic):
        return value.item()
    return value
