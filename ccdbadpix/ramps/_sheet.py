"""The contact sheet of `~ccdbadpix.ramps.clustering.RampClusters`: the sampled ramps,
one row per cluster, for a person to verify the clusters by eye."""

from pathlib import Path

import numpy as np
from astropy import units as u

from ccdbadpix.ramps._cluster_inputs import _check_int
from ccdbadpix.ramps._io import _load_ramps
from ccdbadpix.utils._files import _atomic_write
from ccdbadpix.utils._optional_deps import optional_import, pyplot

__all__ = []


def _check_suffix(path):
    """The image format of ``path``'s extension, one matplotlib writes."""
    FigureCanvasBase = optional_import("matplotlib.backend_bases", "plotting").FigureCanvasBase

    fmt = Path(path).suffix.lower().lstrip(".")
    supported = FigureCanvasBase.get_supported_filetypes()
    if fmt not in supported:
        raise ValueError(f"path must end in an image format matplotlib writes (.png, .pdf, "
                         f"...: {sorted(supported)}), got {str(path)!r}")
    return fmt


def _contact_sheet(clusters, path, ramps, max_per_cluster, overwrite):
    """`RampClusters.plot_contact_sheet`: checks, the figure, and the file if asked."""
    max_per_cluster = _check_int(max_per_cluster, "max_per_cluster", 1)
    fmt = None
    if path is not None:
        fmt = _check_suffix(path)
        if Path(path).exists() and not overwrite:
            raise FileExistsError(f"{path} already exists; pass overwrite=True to "
                                  "replace it")
    cube, unit = _sheet_cube(clusters, ramps)
    rows = _sheet_rows(clusters, max_per_cluster)
    fig = _draw_sheet(rows, cube, clusters.features.times.to_value(u.s), clusters.sizes, unit)
    if path is not None:
        _atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=150), overwrite)
    return fig


def _sheet_cube(clusters, ramps):
    """The (ngroups, ny, nx) counts to draw and their unit: kept, or read from ``ramps``."""
    cube, unit = clusters.ramps, clusters.ramp_unit
    if ramps is not None:
        r = _load_ramps(ramps, times=clusters.features.times)
        cube, unit = r.cube[0], ("electron" if r.count_unit == u.electron else "DN")
    if cube is None:
        raise ValueError("ramps: these clusters were built from RampFeatures, which "
                         "hold no ramps; pass ramps= to draw them")
    if tuple(cube.shape[-2:]) != clusters.labels.shape:
        raise ValueError(f"ramps must cover the clustered pixels {clusters.labels.shape}, "
                         f"got shape {tuple(cube.shape)}")
    return cube, unit


def _sheet_rows(clusters, max_per_cluster):
    """(cluster, its first sample rows) of every cluster with a sampled pixel."""
    sample = clusters.sample
    rows = []
    for c in range(clusters.n_components):
        picked = sample[sample["cluster"] == c][:max_per_cluster]
        if len(picked):
            rows.append((c, picked))
    if not rows:
        raise ValueError("the sample is empty: nothing to draw")
    return rows


def _draw_sheet(rows, cube, times, sizes, unit):
    """The figure: one small panel per sampled pixel, signal minus first group vs time."""
    ncols = max(len(p) for _, p in rows)
    plt = pyplot()
    fig = plt.figure(figsize=(0.6 + 1.55 * ncols, 0.7 + 1.25 * len(rows)))
    axes = fig.subplots(len(rows), ncols, squeeze=False, sharex=True)
    for i, (c, picked) in enumerate(rows):
        for j in range(ncols):
            ax = axes[i, j]
            if j >= len(picked):
                ax.set_axis_off()
                continue
            x, y = int(picked["x"][j]), int(picked["y"][j])
            ramp = cube[:, y, x]
            ramp = np.asarray(ramp.compute() if hasattr(ramp, "compute") else ramp,
                              dtype=float)
            ax.plot(times, ramp - ramp[0], color=f"C{c % 10}", lw=0.8)
            ax.set_title(f"({x}, {y})", fontsize=6, pad=2)
            ax.tick_params(labelsize=5, length=2, pad=1)
            ax.locator_params(nbins=3)
            ax.yaxis.get_offset_text().set_fontsize(5)
            if j == 0:
                ax.set_ylabel(f"cluster {c}\n{int(sizes[c])} px", fontsize=7)
    fig.supxlabel("time [s]", fontsize=8)
    fig.supylabel(f"signal - first group [{unit}]", fontsize=8)
    fig.subplots_adjust(left=0.5 / fig.get_figwidth() + 0.06, right=0.98,
                        bottom=0.45 / fig.get_figheight(), top=1 - 0.2 / fig.get_figheight(),
                        wspace=0.45, hspace=0.55)
    return fig
