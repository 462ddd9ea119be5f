"""Figures: where the flagged pixels are, and the dark-current distribution.

matplotlib is an optional dependency (``pip install ccdbadpix[plot]``).
"""

import astropy.units as u
import numpy as np

from .dqflags import DQ
from .mask import DQMask

__all__ = ["plot_dark_current_histogram", "plot_mask"]

#: Drawing order (later on top) and colours of the flags shown by `plot_mask`.
_CATEGORIES = (
    ("OTHER_BAD_PIXEL", "cross neighbour / other", "0.6"),
    ("UNRELIABLE_DARK", "unreliable dark", "tab:blue"),
    ("WARM", "warm", "orange"),
    ("DEAD", "dead", "black"),
    ("TELEGRAPH", "telegraph", "tab:green"),
    ("NONLINEAR", "non-linear", "tab:purple"),
    ("HOT", "hot", "red"),
    ("SATURATED", "saturated", "magenta"),
)


def _pyplot():
    try:
        import matplotlib.pyplot as plt  # picks a non-interactive backend without a display
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install 'ccdbadpix[plot]'") from exc
    return plt


def plot_mask(mask, ax=None, *, title=None, marker_size=None):
    """Map of the flagged pixels of a mask, coloured by flag, with counts.

    Each flagged pixel is drawn as a dot (so that a few hot pixels stay visible
    on a 4k x 4k detector), coloured by its most severe flag.

    Parameters
    ----------
    mask : `~ccdbadpix.DQMask`
        The mask to show.
    ax : `matplotlib.axes.Axes`, optional
        Axes to draw in; default: a new figure.
    title : str, optional
        Axes title.
    marker_size : float, optional
        Dot size in points^2; default scales with the image size.

    Returns
    -------
    ax : `matplotlib.axes.Axes`

    Examples
    --------
    >>> from ccdbadpix import DQ, DQMask
    >>> from ccdbadpix.plotting import plot_mask
    >>> ax = plot_mask(DQMask([[0, DQ.HOT], [DQ.WARM, 0]]), title="example")
    >>> sorted(t.get_text() for t in ax.get_legend().get_texts())
    ['hot (1)', 'warm (1)']
    """
    if not isinstance(mask, DQMask):
        raise TypeError(f"mask must be a DQMask, got {type(mask).__name__}")
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 6))
    ny, nx = mask.shape
    size = marker_size if marker_size is not None else max(0.5, 4000.0 / max(ny, nx))
    data = mask.data
    drawn = np.zeros(mask.shape, dtype=bool)
    for name, label, colour in reversed(_CATEGORIES):  # most severe first
        sel = ((data & np.uint32(DQ[name])) != 0) & ~drawn
        drawn |= sel
        n = int(sel.sum())
        if n:
            y, x = np.nonzero(sel)
            ax.scatter(x, y, s=size, c=colour, marker="s", linewidths=0,
                       label=f"{label} ({n})")
    rest = (data != 0) & ~drawn
    if rest.any():
        y, x = np.nonzero(rest)
        ax.scatter(x, y, s=size, c="tab:brown", marker="s", linewidths=0,
                   label=f"other flags ({int(rest.sum())})")
    ax.set_xlim(-0.5, nx - 0.5)
    ax.set_ylim(-0.5, ny - 0.5)
    ax.set_aspect("equal")
    ax.set_xlabel("x [pixel]")
    ax.set_ylabel("y [pixel]")
    if title:
        ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper right", fontsize="small", markerscale=max(1.0, 20.0 / size),
                  framealpha=0.9)
    return ax


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
    plt = _pyplot()
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

