"""Tile runners of `~ccdbadpix.ramps.classify.classify_ramps`: the pure per-tile
function `classify_tile`, run over row tiles in threads (`_run_tiles`) or under
``dask.array.map_blocks`` (`_run_dask`)."""

import concurrent.futures
import contextlib
import math

import numpy as np

from ccdbadpix.ramps._detector import subtract_row_noise, without_missing_shape
from ccdbadpix.ramps._features_kernel import _basics, _features
from ccdbadpix.ramps._kernel import _cheap, _prepare, _two_columns
from ccdbadpix.utils._optional_deps import HAS_DISTRIBUTED, optional_import
from ccdbadpix.utils._threads import _one_blas_thread

__all__ = ["classify_tile"]

_FIXED_LAYERS = 4  # rate, rate_err, finite, settled fraction


def classify_tile(block, times, gain, read_noise, level_ref, model, shapes=True, common=None,
                  rows=None):
    """Classify one (nints, ngroups, ty, tx) block of ramps; a pure function.

    Parameters
    ----------
    block : `~numpy.ndarray`
        Counts (DN or electron), float.
    times : `~numpy.ndarray`
        (ngroups,) read times in s.
    gain, read_noise : float
        electron per count and electron per read.
    level_ref : tuple of float
        Detector (median, spread) of first-group levels, counts.
    model : `RampClassifier`
        A fitted model.
    shapes : bool, optional
        False: too few groups for shapes; no forest, no jump correction: every ramp's
        dark current is its least-squares slope.
    common : `~numpy.ndarray`, optional
        (nints, ngroups) detector-wide ramp shape subtracted from every ramp of each
        integration (`~ccdbadpix.ramps._detector.common_profile`).
    rows : `~numpy.ndarray`, optional
        (nints, ngroups, ty) offsets of each row of the block in each read
        (`~ccdbadpix.ramps._detector.row_noise`), removed first.

    Returns
    -------
    `~numpy.ndarray`
        float32 (nlayers, ty, tx): the model's class vote fractions averaged over
        integrations (one layer per ``model.classes``), then the jump-corrected dark
        current (electron/s), its uncertainty, 1 where the ramps are finite, the fraction
        of integrations settled by the cheap pass, and per integration
        the group of its largest step beyond the jump threshold (-1 if none), that step
        (electron) and the vote fraction for ``cosmic_ray`` in that integration.
    """
    nints, n = block.shape[:2]
    shape = block.shape[2:]
    npix = int(np.prod(shape))
    ncls = len(model.classes)
    t = np.asarray(times, np.float64)
    out = np.zeros((ncls + _FIXED_LAYERS + 3 * nints, npix), np.float32)
    probs, rate_sum, var_sum = out[:ncls], out[ncls], out[ncls + 1]
    cr = model.classes.index("cosmic_ray") if "cosmic_ray" in model.classes else None
    finite_all = np.ones(npix, bool)
    for i in range(nints):
        tile = np.asarray(block[i], dtype=np.float32)
        if rows is not None:
            tile = subtract_row_noise(tile, rows[i])
        tile = tile.reshape(n, npix)
        profile = None if common is None else np.asarray(common[i], np.float32)
        if profile is not None:
            tile = tile - profile[:, None]
        p, rate, err, finite, settled, group, step = _classify_integration(
            tile, t, gain, read_noise, level_ref, model, shapes, profile)
        finite_all &= finite
        probs += p
        rate_sum += np.where(finite, rate, 0)
        var_sum += np.where(finite, err * err, 0)
        out[ncls + 3] += settled
        base = ncls + _FIXED_LAYERS + 3 * i
        out[base], out[base + 1] = group, step
        out[base + 2] = p[cr] if cr is not None else 0
    probs /= nints
    out[ncls] = rate_sum / nints
    out[ncls + 1] = np.sqrt(var_sum) / nints
    out[ncls + 2] = finite_all
    out[ncls + 3] /= nints
    bad = ~finite_all
    if bad.any():
        out[:, bad] = 0
        out[ncls + _FIXED_LAYERS::3, bad] = -1
    return out.reshape((out.shape[0], *shape))


def _classify_integration(tile, t, gain, read_noise, level_ref, model, shapes, profile=None):
    """One integration's (ngroups, P) tile (``profile``, counts, the detector-wide shape
    subtracted from it, if any): the cheap pass, then the forest on the rest.

    Returns the vote fractions (ncls, P), rate and its error (electron/s), finite and
    settled masks, and the group and size of the largest step (-1 and 0 if none).
    """
    npix = tile.shape[1]
    ncls = len(model.classes)
    good = model.classes.index("good") if "good" in model.classes else None
    settled, rate, err, finite = _cheap(tile, t, gain, read_noise, profile)
    if good is None:
        settled[:] = False
    p = np.zeros((ncls, npix), np.float32)
    if good is not None:
        p[good, settled] = 1
    group = np.full(npix, -1, np.float32)
    step = np.zeros(npix, np.float32)
    todo = np.flatnonzero(~settled & finite)
    if todo.size and shapes:
        _full_path(tile, todo, t, gain, read_noise, level_ref, model,
                   p, rate, err, group, step, profile)
    return p, rate, err, finite, settled, group, step


def _full_path(tile, todo, t, gain, read_noise, level_ref, model, p, rate, err, group, step,
               profile=None):
    """Features and forest votes of the pixels ``todo``, written into the given arrays."""
    nt = todo.size
    sub = _two_columns(tile[:, todo])  # one lone pixel: same bits as among others
    y, _ = _prepare(sub, gain)
    profile = None if profile is None else profile.astype(np.float64) * gain
    y, pg = without_missing_shape(y, profile, t, read_noise)
    b = _basics(y, t, read_noise)
    feats = _features(b, t, read_noise, sub[0], level_ref, profile, pg)[:, :nt]
    p[:, todo] = model.predict_proba(feats.T).T
    # the error of a pixel noisier than the detector scales with its own noise
    rate[todo] = b["rate_shown"][:nt]
    err[todo] = b["rate_shown_err"][:nt] * np.maximum(b["noise_ratio"][:nt], 1)
    z = b["z"][:, :nt]
    k = z.argmax(0)
    has = z[k, np.arange(nt)] > b["thr"]
    group[todo[has]] = k[has] + 1
    dev = b["d"][:, :nt] - b["mu"][:nt] * b["dt"]
    step[todo[has]] = dev[k[has], np.flatnonzero(has)]
    small = ~has & (b["step_group"][:nt] > 0)  # a step only the whole ramp shows
    group[todo[small]] = b["step_group"][:nt][small]
    step[todo[small]] = b["step_size"][:nt][small]


def _run_tiles(cube, params, n_jobs, progress, tile_bytes):
    """Apply `classify_tile` over row tiles of an in-memory or memory-mapped cube.

    Each tile holds at most about ``tile_bytes`` of float32 ramps (at least one row);
    the tiles are of equal height and their number a multiple of ``n_jobs``, so that
    every thread gets the same share (a pixel's result does not depend on its tile).
    """
    from ccdbadpix.utils._progress import _progress

    nints, n, ny, nx = cube.shape
    most = max(1, tile_bytes // (4 * nints * n * nx))
    count = n_jobs * math.ceil(math.ceil(ny / most) / n_jobs)
    rows = math.ceil(ny / min(count, ny))
    starts = list(range(0, ny, rows))
    nlayers = len(params["model"].classes) + _FIXED_LAYERS + 3 * nints
    out = np.empty((nlayers, ny, nx), np.float32)

    def work(y0):
        block = np.asarray(cube[:, :, y0:y0 + rows], dtype=np.float32)
        out[:, y0:y0 + rows] = classify_tile(block, **_rows_of(params, y0, y0 + rows))
        return y0

    with _one_blas_thread():  # the tiles themselves run in parallel
        if n_jobs == 1:
            for y0 in _progress(starts, progress):
                work(y0)
        else:
            with concurrent.futures.ThreadPoolExecutor(n_jobs) as pool:
                for _ in _progress(pool.map(work, starts), progress, total=len(starts)):
                    pass
    return out


def _rows_of(params, y0, y1):
    """``params`` with the row-noise corrections cut to rows y0:y1 of the detector."""
    if params.get("rows") is None:
        return params
    return {**params, "rows": params["rows"][:, :, y0:y1]}


def _run_dask(cube, params):
    """The same kernel under ``dask.array.map_blocks`` (lazy; computed by the caller)."""
    dask = optional_import("dask", "dask input")
    da = optional_import("dask.array", "dask input")

    nints, n = cube.shape[:2]
    cube = cube.rechunk({0: nints, 1: n})
    nlayers = len(params["model"].classes) + _FIXED_LAYERS + 3 * nints
    static = {k: v for k, v in params.items() if k != "model"}

    def kernel(block, model, block_info=None):
        y0, y1 = block_info[0]["array-location"][2]
        return classify_tile(np.asarray(block, np.float32), model=model,
                             **_rows_of(static, y0, y1))[None]

    # the forest travels once (scattered to the workers of a distributed client, or as
    # its own task), not inside every block's task
    model = dask.delayed(params["model"], pure=True)
    if HAS_DISTRIBUTED:
        from distributed import default_client

        with contextlib.suppress(ValueError):  # no client: the local scheduler
            model = default_client().scatter(params["model"], broadcast=True)
    return da.map_blocks(kernel, cube, model, dtype=np.float32,
                         chunks=((1,), (nlayers,), *cube.chunks[2:]))[0]
