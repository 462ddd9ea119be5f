"""Figures of a `HotPixelTrend`: counts with fits, risk against interval, first-hot map."""

import itertools

import numpy as np
from astropy import units as u

from ccdbadpix.utils._optional_deps import pyplot
from ccdbadpix.utils._units import month

__all__ = []


def _level_text(trend, j):
    if trend.kind == "mask":
        return trend._labels[j]
    return f">= {trend.thresholds[j].value:g} {trend.thresholds.unit.to_string()}"


def plot_counts(trend, fig=None, risk=True, max_risk=0.1, n_stamps=(1, 8)):
    """One panel per threshold: counts (dots), fitted common-slope line, steps (dashed);
    with ``risk``, a risk-against-interval panel on the right."""
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
    """Risk that a stamp holds an unmasked hot pixel against the update interval."""
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
    """Pixels coloured by the date they first turned hot; intermittent ones ringed."""
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
