"""`plot_dark_current_histogram`: the distribution of a dark-current map, with thresholds.

matplotlib is an optional dependency (``pip install ccdbadpix[plot]``).
"""

import astropy.units as u
import numpy as np

from ccdbadpix.utils._optional_deps import pyplot

__all__ = ["plot_dark_current_histogram"]


def plot_dark_current_histogram(rate, *, thresholds=None, ax=None, bins=200, title=None):
    """Histogram of a dark-current map on a logarithmic axis, with thresholds.

    Parameters
    ----------
    rate : `~astropy.units.Quantity`
        Dark-current map (e.g. from `~ccdbadpix.measure_dark_current`).
    thresholds : dict or sequence of `~astropy.units.Quantity`, optional
        Thresholds to mark, as ``{"hot": 1 * u.electron / u.s, ...}`` or a list.
    ax : `matplotlib.axes.Axes`, optional
        Axes to draw in; default: a new figure.
    bins : int, optional
        Number of logarithmic bins.
    title : str, optional
        Axes title.

    Returns
    -------
    ax : `matplotlib.axes.Axes`

    Examples
    --------
    >>> import numpy as np
    >>> import astropy.units as u
    >>> from ccdbadpix.plotting import plot_dark_current_histogram
    >>> rate = np.random.default_rng(0).lognormal(-4, 1, (64, 64)) * u.electron / u.s
    >>> ax = plot_dark_current_histogram(rate, thresholds={"hot": 1 * u.electron / u.s})
    >>> ax.get_xscale()
    'log'
    """
    if not isinstance(rate, u.Quantity):
        raise TypeError("rate must be a Quantity (e.g. electron / s)")
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    values = rate.value[np.isfinite(rate.value)]
    positive = values[values > 0]
    if positive.size == 0:
        raise ValueError("rate has no positive finite values to histogram")
    lo, hi = np.percentile(positive, 0.01), positive.max()
    edges = np.logspace(np.log10(lo), np.log10(hi * 1.01), bins)
    ax.hist(positive, bins=edges, histtype="stepfilled", color="0.7", edgecolor="0.3")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"dark current [{rate.unit.to_string()}]")
    ax.set_ylabel("pixels")
    if thresholds is not None:
        items = thresholds.items() if isinstance(thresholds, dict) else (
            (f"{t}", t) for t in thresholds)
        for (label, value), colour in zip(items, ("red", "orange", "tab:blue", "tab:green"),
                                          strict=False):
            v = u.Quantity(value).to_value(rate.unit)
            ax.axvline(v, color=colour, ls="--", label=f"{label}: {u.Quantity(value):g}")
        ax.legend(fontsize="small")
    n_nonpos = values.size - positive.size
    if n_nonpos:
        ax.text(0.02, 0.95, f"{n_nonpos} pixels <= 0 not shown", transform=ax.transAxes,
                fontsize="small", va="top")
    if title:
        ax.set_title(title)
    return ax

