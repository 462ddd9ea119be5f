"""`plot_mask`: the flagged pixels of a `DQMask`, coloured by flag, with counts.

matplotlib is an optional dependency (``pip install ccdbadpix[plot]``).
"""

import numpy as np

from ccdbadpix.dq.flags import DQ
from ccdbadpix.dq.mask import DQMask
from ccdbadpix.utils._optional_deps import pyplot

__all__ = ["plot_mask"]

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


def plot_mask(mask, ax=None, *, title=None, marker_size=None):
    """Map of the flagged pixels of a mask, coloured by flag, with counts.

    Each flagged pixel is drawn as a dot (so that a few hot pixels stay visible
    on a 4k x 4k detector), coloured by its most severe flag. The legend gives the
    number of pixels carrying each flag, as `DQMask.counts` does (a saturated hot
    pixel counts as hot and as saturated, and is drawn as saturated).

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
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 6))
    ny, nx = mask.shape
    size = marker_size if marker_size is not None else max(0.5, 4000.0 / max(ny, nx))
    data = mask.data
    drawn = np.zeros(mask.shape, dtype=bool)
    for name, label, colour in reversed(_CATEGORIES):  # most severe first
        flagged = (data & np.uint32(DQ[name])) != 0
        sel = flagged & ~drawn
        drawn |= sel
        n = int(np.count_nonzero(flagged))  # as in mask.counts(), not only those drawn
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

