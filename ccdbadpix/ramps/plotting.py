"""Figures of a ramp classification: the detector map coloured by class
(`plot_classification`), the confidence (`plot_confidence`) and example ramps of each class
(`plot_class_ramps`).

matplotlib is an optional dependency (``pip install ccdbadpix[plot]``).
"""

import astropy.units as u
import numpy as np

from ccdbadpix.utils._optional_deps import optional_import, pyplot

__all__ = ["plot_class_ramps", "plot_classification", "plot_confidence"]


#: Colours of the `classify_ramps` classes (``good`` is the light background).
_CLASS_COLOURS = {
    "good": "#f2f2f2", "hot": "red", "warm": "orange", "dead": "black",
    "telegraph": "tab:green", "nonlinear": "tab:purple", "saturated": "magenta",
    "cosmic_ray": "tab:cyan", "decreasing": "tab:brown", "uncertain": "0.55",
}
#: Colour of good pixels with ``show_good=True``.
_GOOD_SHOWN = "#b9dfb9"
#: Display priority, most severe first: a block-reduced map shows the first class present.
_SEVERITY = ("saturated", "hot", "dead", "telegraph", "nonlinear", "decreasing",
             "cosmic_ray", "warm", "uncertain", "good")
_EXTRA_COLOURS = ("tab:olive", "tab:pink", "navy", "gold", "teal", "salmon")


def _check_result(result):
    if not all(hasattr(result, a) for a in ("classes", "labels", "confidence")):
        raise TypeError("result must be a RampClassification (from classify_ramps), got "
                        f"{type(result).__name__}")


def _class_colours(classes, show_good=False):
    extra = iter(_EXTRA_COLOURS * 4)
    colours = [_CLASS_COLOURS.get(name) or next(extra) for name in classes]
    if show_good and "good" in classes:
        colours[classes.index("good")] = _GOOD_SHOWN
    return colours


def _block_factor(shape, max_display):
    if max_display is None:
        return 1
    if int(max_display) < 1:
        raise ValueError(f"max_display must be a positive integer, got {max_display}")
    return max(1, -(-max(shape) // int(max_display)))


def _block_reduce(image, factor, reduce, fill):
    """``reduce`` (np.max or np.min) over factor x factor blocks, padding with ``fill``."""
    if factor == 1:
        return image
    ny, nx = image.shape
    padded = np.pad(image, ((0, -ny % factor), (0, -nx % factor)), constant_values=fill)
    by, bx = padded.shape[0] // factor, padded.shape[1] // factor
    return reduce(padded.reshape(by, factor, bx, factor), axis=(1, 3))


def _show_image(ax, image, factor, shape, **kwargs):
    """imshow of a (possibly block-reduced) image in the pixel coordinates of ``shape``."""
    ny, nx = shape
    h, w = image.shape
    im = ax.imshow(image, origin="lower", interpolation="nearest", aspect="equal",
                   extent=(-0.5, w * factor - 0.5, -0.5, h * factor - 0.5), **kwargs)
    ax.set_xlim(-0.5, nx - 0.5)
    ax.set_ylim(-0.5, ny - 0.5)
    ax.set_xlabel("x [pixel]")
    ax.set_ylabel("y [pixel]")
    return im


def plot_classification(result, ax=None, *, title=None, show_good=False, max_display=600):
    """Detector map of a ramp classification, coloured by class, with pixel counts.

    Every class has a fixed colour (hot red, warm orange, dead black, telegraph green,
    non-linear purple, saturated magenta, cosmic ray cyan, decreasing brown, uncertain
    grey); good pixels are the light background. The legend lists each class present
    with its number of pixels.

    Images larger than ``max_display`` pixels on a side (a 2048 x 2048 H2RG) are shown
    block-reduced: each displayed cell takes the most severe class of its block, so
    that isolated defects stay visible; the counts are always over all pixels.

    Parameters
    ----------
    result : `~ccdbadpix.RampClassification`
        The classification (from `~ccdbadpix.classify_ramps`).
    ax : `matplotlib.axes.Axes`, optional
        Axes to draw in; default: a new figure.
    title : str, optional
        Axes title.
    show_good : bool, optional
        Also colour the good pixels (pale green) and list them in the legend;
        default: they are the background and not listed.
    max_display : int or None, optional
        Largest displayed size in cells per side; None shows every pixel.

    Returns
    -------
    ax : `matplotlib.axes.Axes`

    Examples
    --------
    >>> from ccdbadpix import classify_ramps
    >>> from ccdbadpix.plotting import plot_classification
    >>> from ccdbadpix.simulate import simulate_ramps
    >>> sim = simulate_ramps((32, 32), ngroups=20, seed=0)
    >>> res = classify_ramps(sim.data, times=sim.times, gain=sim.gain)
    >>> ax = plot_classification(res, title="simulated H2RG corner")
    >>> legend = [t.get_text() for t in ax.get_legend().get_texts()]
    >>> legend[0].split()[0], legend[0] == f"hot ({res.counts()['hot']})"
    ('hot', True)
    """
    _check_result(result)
    colors = optional_import("matplotlib.colors", "plotting")
    BoundaryNorm, ListedColormap = colors.BoundaryNorm, colors.ListedColormap
    Patch = optional_import("matplotlib.patches", "plotting").Patch

    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 6))
    classes = tuple(result.classes)
    labels = np.asarray(result.labels)
    colours = _class_colours(classes, show_good)
    order = [c for c in _SEVERITY if c in classes] + [c for c in classes if c not in _SEVERITY]
    rank = np.empty(len(classes), np.int16)  # higher = more severe
    for r, name in enumerate(reversed(order)):
        rank[classes.index(name)] = r
    code_of_rank = np.argsort(rank)
    factor = _block_factor(labels.shape, max_display)
    shown = code_of_rank[_block_reduce(rank[labels], factor, np.max, -1).clip(0)]
    n = len(classes)
    _show_image(ax, shown, factor, labels.shape, cmap=ListedColormap(colours),
                norm=BoundaryNorm(np.arange(n + 1) - 0.5, n))
    counts = np.bincount(labels.ravel().clip(0, n - 1), minlength=n)
    handles = [Patch(facecolor=colours[i], edgecolor="0.4", linewidth=0.5,
                     label=f"{name} ({counts[i]})")
               for i, name in enumerate(classes)
               if counts[i] and (show_good or name != "good")]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  fontsize="small", title="class (pixels)", title_fontsize="small",
                  borderaxespad=0)
    if factor > 1:
        ax.text(0.0, -0.1, f"shown in {factor} x {factor} blocks (most severe class)",
                transform=ax.transAxes, fontsize="x-small", va="top")
    if title:
        ax.set_title(title)
    return ax


def _min_confidence(result):
    meta = getattr(result, "meta", None) or {}
    return float(meta["MINCONF"]) if "MINCONF" in meta else None


def plot_confidence(result, *, fig=None, bins=50, max_display=600):
    """Confidence map and one confidence histogram per class present.

    Left: the confidence of each pixel's label (block-reduced to the lowest confidence
    of each block for images larger than ``max_display``). Right: for every class
    with pixels, the histogram of their confidences (log counts), with the
    ``min_confidence`` below which pixels are labelled ``uncertain``.

    Parameters
    ----------
    result : `~ccdbadpix.RampClassification`
        The classification (from `~ccdbadpix.classify_ramps`).
    fig : `matplotlib.figure.Figure`, optional
        An empty figure to draw in; default: a new one.
    bins : int, optional
        Number of bins between 0 and 1.
    max_display : int or None, optional
        Largest displayed map size in cells per side; None shows every pixel.

    Returns
    -------
    fig : `matplotlib.figure.Figure`
        Its axes are the map, its colour bar, then the histograms (whose labels are
        ``"confidence histogram CLASS"``).

    Examples
    --------
    >>> from ccdbadpix import classify_ramps
    >>> from ccdbadpix.plotting import plot_confidence
    >>> from ccdbadpix.simulate import simulate_ramps
    >>> sim = simulate_ramps((32, 32), ngroups=20, seed=0)
    >>> res = classify_ramps(sim.data, times=sim.times, gain=sim.gain)
    >>> fig = plot_confidence(res, bins=20)
    >>> [ax.get_label() for ax in fig.axes][2:4]
    ['confidence histogram good', 'confidence histogram hot']
    """
    _check_result(result)
    if int(bins) < 1:
        raise ValueError(f"bins must be a positive integer, got {bins}")
    plt = pyplot()
    if fig is None:
        fig = plt.figure(figsize=(13, 6))
    classes = tuple(result.classes)
    labels = np.asarray(result.labels)
    conf = np.asarray(result.confidence, dtype=np.float32)
    present = [(i, name) for i, name in enumerate(classes) if np.any(labels == i)]
    ncols = 2 if len(present) > 3 else 1
    nrows = max(1, -(-len(present) // ncols))
    outer = fig.add_gridspec(1, 2, width_ratios=(1.15, 1.0), wspace=0.22, left=0.06,
                             right=0.98, bottom=0.09, top=0.93)
    ax_map = fig.add_subplot(outer[0])
    factor = _block_factor(conf.shape, max_display)
    im = _show_image(ax_map, _block_reduce(conf, factor, np.min, 1.0), factor, conf.shape,
                     cmap="viridis", vmin=0, vmax=1)
    title = "confidence of the label"
    if factor > 1:
        title += f" (lowest of {factor} x {factor} blocks)"
    ax_map.set_title(title, fontsize="medium")
    fig.colorbar(im, ax=ax_map, fraction=0.046, pad=0.03, label="confidence")
    inner = outer[1].subgridspec(nrows, ncols, hspace=0.9, wspace=0.35)
    edges = np.linspace(0, 1, int(bins) + 1)
    colours = _class_colours(classes, show_good=True)
    threshold = _min_confidence(result)
    for k, (i, name) in enumerate(present):
        ax = fig.add_subplot(inner[k // ncols, k % ncols], label=f"confidence histogram {name}")
        values = conf[labels == i]
        ax.hist(values, bins=edges, color=colours[i], edgecolor="0.3", linewidth=0.4)
        ax.set_yscale("log")
        ax.set_xlim(0, 1)
        if threshold is not None:
            ax.axvline(threshold, color="0.3", ls="--", lw=0.8)
        ax.set_title(f"{name} ({values.size})", fontsize="small")
        ax.tick_params(labelsize="x-small")
        if k // ncols == nrows - 1 or k + ncols >= len(present):
            ax.set_xlabel("confidence", fontsize="small")
    return fig


def plot_class_ramps(result, *, n_per_class=4, seed=0, fig=None, classes=None,
                     integration=0):
    """Example ramps of each class: one row per class, one column per example pixel.

    Each panel shows the signal minus the first group (electron) against the group
    time (s) for one integration, titled with the pixel's (x, y) and the confidence
    of its label. Examples are drawn at random without replacement, reproducibly
    (``numpy.random.default_rng(seed)``).

    Parameters
    ----------
    result : `~ccdbadpix.RampClassification`
        The classification (from `~ccdbadpix.classify_ramps`); it keeps its ramps.
    n_per_class : int, optional
        Examples per class (fewer when a class has fewer pixels).
    seed : int, optional
        Seed of the choice of examples.
    fig : `matplotlib.figure.Figure`, optional
        An empty figure to draw in; default: a new one sized to the grid.
    classes : sequence of str, optional
        Classes to show, in this order; default: every class with pixels.
    integration : int, optional
        Integration whose ramps are drawn.

    Returns
    -------
    fig : `matplotlib.figure.Figure`
        The first column's y labels name the classes.

    Examples
    --------
    >>> from ccdbadpix import classify_ramps
    >>> from ccdbadpix.plotting import plot_class_ramps
    >>> from ccdbadpix.simulate import simulate_ramps
    >>> sim = simulate_ramps((32, 32), ngroups=20, seed=0)
    >>> res = classify_ramps(sim.data, times=sim.times, gain=sim.gain)
    >>> fig = plot_class_ramps(res, n_per_class=3, classes=["hot", "dead"])
    >>> len(fig.axes), fig.axes[3].get_ylabel().split()[0]
    (6, 'dead')
    """
    _check_result(result)
    ramps = getattr(result, "ramps", None)
    if ramps is None or getattr(ramps, "cube", None) is None:
        raise ValueError("result holds no ramps to plot (was it made by classify_ramps?)")
    if int(n_per_class) < 1:
        raise ValueError(f"n_per_class must be a positive integer, got {n_per_class}")
    cube = ramps.cube
    if not 0 <= int(integration) < cube.shape[0]:
        raise ValueError(f"integration must be in 0..{cube.shape[0] - 1}, got {integration}")
    names = tuple(result.classes)
    labels = np.asarray(result.labels)
    if classes is None:
        classes = [name for i, name in enumerate(names) if np.any(labels == i)]
    else:
        unknown = [c for c in classes if c not in names]
        if unknown:
            raise ValueError(f"unknown classes {unknown}; classes: {names}")
        classes = list(classes)
    if not classes:
        raise ValueError("no class to plot")
    rng = np.random.default_rng(seed)
    chosen = []
    for name in classes:
        y, x = np.nonzero(labels == names.index(name))
        pick = np.sort(rng.choice(y.size, size=min(int(n_per_class), y.size), replace=False))
        chosen.append((name, y[pick], x[pick]))
    ncols = max(1, max(len(y) for _, y, _ in chosen))
    plt = pyplot()
    if fig is None:
        fig = plt.figure(figsize=(2.7 * ncols + 0.9, 1.75 * len(classes) + 0.7))
    width, height = fig.get_size_inches()
    # fixed margins in inches (a constrained layout of many panels is slow to draw)
    axes = fig.subplots(len(classes), ncols, squeeze=False, gridspec_kw=dict(
        left=min(0.4, 0.95 / width), right=1 - min(0.2, 0.1 / width),
        bottom=min(0.3, 0.45 / height), top=1 - min(0.2, 0.25 / height),
        hspace=0.55, wspace=0.32))
    t = u.Quantity(result.times).to_value(u.s)
    gain = u.Quantity(getattr(result, "gain", 1.0)).value
    colours = dict(zip(names, _class_colours(names, show_good=True), strict=True))
    colours["good"] = "tab:green"
    for row, (name, ys, xs) in zip(axes, chosen, strict=True):
        for ax, y, x in zip(row, ys, xs, strict=False):
            ramp = np.asarray(cube[int(integration), :, int(y), int(x)], dtype=float)
            ax.plot(t, (ramp - ramp[0]) * gain, ".-", color=colours[name], ms=2.5, lw=0.8)
            ax.set_title(f"({x}, {y})  conf {float(result.confidence[y, x]):.2f}",
                         fontsize="x-small")
            ax.tick_params(labelsize="xx-small")
            ax.locator_params(nbins=4)
        for ax in row[len(ys):]:
            ax.set_axis_off()
        if not len(ys):
            row[0].text(0.5, 0.5, f"{name}: no pixels", transform=row[0].transAxes, ha="center")
        row[0].set_ylabel(f"{name}\n[electron]", fontsize="small")
    for ax in axes[-1]:
        ax.set_xlabel("time [s]", fontsize="small")
    return fig
