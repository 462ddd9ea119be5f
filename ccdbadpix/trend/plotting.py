"""Figures of a `HotPixelTrend`: counts with fits, risk against interval, first-hot map.

The three figure functions are the methods `HotPixelTrend.plot`, `HotPixelTrend.plot_risk`
and `HotPixelTrend.plot_first_hot` (their first argument is the trend).
"""

import importlib
import itertools

import numpy as np
from astropy import units as u

from ccdbadpix.trend.risk import _interval_years, _max_interval
from ccdbadpix.utils._checks import _boolean
from ccdbadpix.utils._optional_deps import pyplot
from ccdbadpix.utils._units import month

__all__ = []


def _check_counts_options(fig, risk, max_risk, n_stamps):
    """Check the options of `HotPixelTrend.plot` before anything is drawn."""
    _check_figure(fig, "fig", "matplotlib.figure.Figure")
    _boolean(risk, "risk")
    _check_risk_options(max_risk, n_stamps)


def _check_risk_plot_options(ax, max_interval, max_risk, n_stamps, stamp_shape):
    """Check the options of `HotPixelTrend.plot_risk` before anything is drawn."""
    _check_figure(ax, "ax", "matplotlib.axes.Axes")
    if max_interval is not None:
        _interval_years(max_interval, "max_interval")
    _check_risk_options(max_risk, n_stamps, stamp_shape)


def _check_risk_options(max_risk, n_stamps, stamp_shape=(32, 32)):
    """Check the risk options of the figures before anything is drawn."""
    if max_risk is not None:
        if isinstance(max_risk, bool | np.bool_) or np.ndim(max_risk) != 0:
            raise TypeError(f"max_risk must be a probability between 0 and 1, got "
                            f"{max_risk!r}")
        _max_interval(0.0, max_risk, stamp_shape=stamp_shape, n_stamps=n_stamps)
    else:
        _max_interval(0.0, 0.5, stamp_shape=stamp_shape, n_stamps=n_stamps)


def _check_figure(value, name, kind):
    """``value`` must be None or a matplotlib object of class ``kind``."""
    if value is None:
        return
    module, _, cls = kind.rpartition(".")
    if not isinstance(value, getattr(importlib.import_module(module), cls)):
        raise TypeError(f"{name} must be a {kind} or None, got {type(value).__name__}")


def _level_text(trend, j):
    if trend.kind == "mask":
        return trend._labels[j]
    return f">= {trend.thresholds[j].value:g} {trend.thresholds.unit.to_string()}"


def plot_counts(trend, fig=None, risk=True, max_risk=0.1, n_stamps=(1, 8)):
    """Counts against time per threshold with the fits and steps, and the risk.

    The left column is the NIRSpec report's Figure 1: one panel per threshold with
    the counts, the fitted line of common slope (broken at the steps) and the steps.
    With ``risk``, the right panel is `plot_risk` for the lowest threshold. Needs
    matplotlib.

    Parameters
    ----------
    fig : `matplotlib.figure.Figure`, optional
        Figure to draw in (empty); default: a new one.
    risk : bool, optional
        Add the risk-against-interval panel. Default True.
    max_risk : float, optional
        Risk marked in the risk panel, with the cadence it implies. Default 0.1.
    n_stamps : sequence of int, optional
        Numbers of 32x32 stamps drawn in the risk panel. Default (1, 8).

    Returns
    -------
    fig : `matplotlib.figure.Figure`

    Examples
    --------
    >>> from ccdbadpix import trend_hot_pixels
    >>> from ccdbadpix.simulate import simulate_hot_pixel_series
    >>> sim = simulate_hot_pixel_series((64, 64), 7, new_per_month=10, seed=3)
    >>> fig = trend_hot_pixels(sim.frames).plot()
    >>> len(fig.axes)  # four thresholds and the risk
    5
    """
    _check_counts_options(fig, risk, max_risk, n_stamps)
    plt = pyplot()
    n = len(trend._labels)
    if fig is None:
        fig = plt.figure(figsize=(12.5 if risk else 7.5, 1.4 + 1.9 * n))
    grid = fig.add_gridspec(n, 2 if risk else 1, width_ratios=[1.35, 1] if risk else None)
    axes = []
    for j in range(n):
        axes.append(fig.add_subplot(grid[j, 0], sharex=axes[0] if axes else None))
    dates = trend.table["time"].datetime64
    for j, ax in enumerate(axes):
        label = trend._labels[j]
        counts = np.asarray(trend.table[f"count_{label}"])
        fit = trend._fitted[j]
        row = trend.fits[j]
        model = trend.model(label)
        ax.plot(dates, counts, "o", ms=4, color="k", label="counts")
        bounds = [0, *fit.breaks, len(dates)]
        for s, (a, b) in enumerate(itertools.pairwise(bounds)):
            ax.plot(dates[a:b], model[a:b], "-", color="tab:red", lw=1.5,
                    label=(f"{row['rate'].value:.1f} ± {row['rate_err'].value:.1f} "
                           "pix/month" if s == 0 else None))
        for k in fit.breaks:
            mid = dates[k - 1] + (dates[k] - dates[k - 1]) / 2
            ax.axvline(mid, ls="--", color="tab:blue", lw=1,
                       label="step" if k == fit.breaks[0] else None)
        ax.set_ylabel("pixels")
        ax.set_title(f"pixels {_level_text(trend, j)}", fontsize="medium", loc="left")
        ax.legend(loc="best", fontsize="small")
        if j < n - 1:
            ax.tick_params(labelbottom=False)
    axes[-1].set_xlabel("date")
    for tick in axes[-1].get_xticklabels():
        tick.set_rotation(30)
        tick.set_horizontalalignment("right")
    if risk:
        plot_risk(trend, n_stamps=n_stamps, max_risk=max_risk, ax=fig.add_subplot(grid[:, 1]))
    fig.tight_layout()
    return fig


def plot_risk(trend, max_interval=None, stamp_shape=(32, 32), n_stamps=(1, 8),
              max_risk=None, threshold=None, ax=None, basis="growth"):
    """Risk of an unmasked hot pixel in a stamp against the mask-update interval.

    Parameters
    ----------
    max_interval : `~astropy.units.Quantity`, optional
        Right end of the interval axis; default: three times the cadence of the
        fewest stamps (1 month to 5 years).
    stamp_shape : tuple of int, optional
        Stamp size, default (32, 32).
    n_stamps : sequence of int, optional
        One curve per number of stamps. Default (1, 8).
    max_risk : float, optional
        Draw this risk and the cadence it implies for each curve.
    threshold : optional
        Which threshold's growth (default: the lowest).
    ax : `matplotlib.axes.Axes`, optional
        Axes to draw in; default: a new figure.
    basis : {"growth", "new"}, optional
        As in `unmasked_risk`.

    Returns
    -------
    ax : `matplotlib.axes.Axes`

    Examples
    --------
    >>> from ccdbadpix import trend_hot_pixels
    >>> from ccdbadpix.simulate import simulate_hot_pixel_series
    >>> sim = simulate_hot_pixel_series((64, 64), 7, new_per_month=10, seed=3)
    >>> ax = trend_hot_pixels(sim.frames).plot_risk(max_risk=0.1)
    >>> [line.get_label() for line in ax.get_lines()][:2]
    ['1 stamp of 32x32', '8 stamps of 32x32']
    """
    _check_risk_plot_options(ax, max_interval, max_risk, n_stamps, stamp_shape)
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.2))
    if max_interval is None:  # a few times the longest cadence, within 1 month - 5 years
        cadence = trend.recommend_cadence(max_risk or 0.5, stamp_shape,
                                          int(np.min(n_stamps)), threshold, basis)
        top = float(np.clip(3 * cadence.to_value(month), 1, 60)) if np.isfinite(cadence) else 24
    else:
        top = u.Quantity(max_interval).to_value(month)
    if not top > 0:
        raise ValueError(f"max_interval must be a positive time, got {max_interval}")
    grid = np.linspace(0, top, 200) * month
    stamp = "x".join(str(s) for s in np.atleast_1d(stamp_shape))
    for n in np.atleast_1d(n_stamps):
        risk = trend.unmasked_risk(grid, stamp_shape=stamp_shape, n_stamps=int(n),
                                   threshold=threshold, basis=basis)
        line, = ax.plot(grid.value, 100 * np.asarray(risk),
                        label=f"{int(n)} stamp{'s' if n > 1 else ''} of {stamp}")
        if max_risk is not None:
            cadence = trend.recommend_cadence(max_risk, stamp_shape, int(n), threshold, basis)
            if np.isfinite(cadence) and cadence.value <= top:
                ax.axvline(cadence.value, color=line.get_color(), ls=":", lw=1)
                ax.annotate(f"{cadence.value:.1f} mon", (cadence.value, 100 * max_risk),
                            xytext=(3, 4), textcoords="offset points", fontsize="small",
                            color=line.get_color())
    if max_risk is not None:
        ax.axhline(100 * max_risk, color="0.4", ls="--", lw=1,
                   label=f"max risk {max_risk:.0%}")
    j = trend._index(threshold)
    frac = trend._fraction(threshold, basis).to_value(1 / u.yr)
    ax.set_xlabel("time since the last mask update [months]")
    ax.set_ylabel("risk of an unmasked hot pixel [%]")
    what = "turning hot" if basis == "new" else "net growth"
    ax.set_title(f"pixels {_level_text(trend, j)}: {100 * frac:.3g} % of pixels per year "
                 f"({what})", fontsize="medium")
    ax.set_xlim(0, top)
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return ax


def plot_first_hot(trend, threshold=None, ax=None):
    """Map of when each pixel first turned hot (colour = date), intermittent ringed.

    Parameters
    ----------
    threshold : optional
        Which threshold (default: the lowest).
    ax : `matplotlib.axes.Axes`, optional
        Axes to draw in; default: a new figure.

    Returns
    -------
    ax : `matplotlib.axes.Axes`

    Examples
    --------
    >>> from ccdbadpix import trend_hot_pixels
    >>> from ccdbadpix.simulate import simulate_hot_pixel_series
    >>> sim = simulate_hot_pixel_series((64, 64), 7, new_per_month=10, seed=3)
    >>> ax = trend_hot_pixels(sim.frames).plot_first_hot()
    >>> ax.get_title()
    'pixels >= 1 DN / s: first seen hot'
    """
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 6))
    first = trend.first_hot_epoch(threshold)
    ny, nx = first.shape
    size = max(0.5, 4000.0 / max(ny, nx))
    years = trend.table["time"].decimalyear
    y, x = np.nonzero(first >= 0)
    points = ax.scatter(x, y, c=years[first[y, x]], s=size, marker="s", linewidths=0,
                        cmap="viridis", vmin=years[0], vmax=years[-1])
    inter = trend.intermittent(threshold)
    if inter.any():
        yi, xi = np.nonzero(inter)
        ax.scatter(xi, yi, s=3 * size + 4, facecolors="none", edgecolors="red",
                   linewidths=0.8, label=f"intermittent ({int(inter.sum())})")
        ax.legend(loc="upper right", fontsize="small")
    fig = ax.figure
    fig.colorbar(points, ax=ax, label="first seen hot [year]")
    ax.set_xlim(-0.5, nx - 0.5)
    ax.set_ylim(-0.5, ny - 0.5)
    ax.set_aspect("equal")
    ax.set_xlabel("x [pixel]")
    ax.set_ylabel("y [pixel]")
    ax.set_title(f"pixels {_level_text(trend, trend._index(threshold))}: first seen hot",
                 fontsize="medium")
    return ax
