"""Per-pixel ramp features in physical, noise-normalised units (`ramp_features`)."""

import concurrent.futures
from dataclasses import dataclass

import numpy as np
from astropy import units as u
from astropy.table import Table

from ccdbadpix.ramps._detector import (
    common_profile,
    level_reference,
    read_noise_tile,
    row_noise,
    row_residuals,
    row_stride,
    subtract_row_noise,
)
from ccdbadpix.ramps._features_kernel import ramp_feature_tile
from ccdbadpix.ramps._io import _load_ramps
from ccdbadpix.ramps._kernel import FEATURE_NAMES
from ccdbadpix.utils._checks import _boolean, _integer, _real
from ccdbadpix.utils._progress import _progress

__all__ = ["FEATURE_NAMES", "RampFeatures", "estimate_read_noise", "ramp_features"]

_TILE_BYTES = 8_000_000


def _read_noise_value(read_noise, gain):
    """Read noise in electron (> 0, finite) from a Quantity (electron or DN) or a float
    (electron)."""
    expected = "a positive, finite noise per read (electron, or DN as a Quantity)"
    if isinstance(read_noise, u.Quantity):
        if read_noise.ndim != 0:
            raise ValueError(f"read_noise must be a single value, got shape {read_noise.shape}")
        if read_noise.unit.is_equivalent(u.electron):
            value = read_noise.to_value(u.electron)
        elif read_noise.unit in (u.DN, u.adu):
            value = read_noise.value * gain
        else:
            raise u.UnitsError(f"read_noise must be in electron or DN, got "
                               f"{read_noise.unit.to_string() or 'dimensionless'}")
    else:
        value = _real(read_noise, "read_noise", expected=expected)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"read_noise must be {expected}, got {read_noise}")
    return float(value)


def _sample_window(shape, max_rows=128, max_cols=512):
    """(rows, columns) slices of the central sample block of an image of ``shape``."""
    ny, nx = shape
    y0, x0 = max(0, (ny - max_rows) // 2), max(0, (nx - max_cols) // 2)
    return slice(y0, y0 + max_rows), slice(x0, x0 + max_cols)


def _window_block(cube, integration, window, unusable=None):
    """The (rows, columns) ``window`` of one integration as a float32 numpy array; NaN
    where the (ny, nx) map ``unusable`` (e.g. wrapped integer ramps) is True."""
    block = cube[integration, :, *window]
    if hasattr(block, "compute"):
        block = block.compute()
    block = np.array(block, dtype=np.float32)
    if unusable is not None:
        bad = unusable[window]
        block[:, np.asarray(bad.compute() if hasattr(bad, "compute") else bad)] = np.nan
    return block


def _sample_block(cube, integration=0, unusable=None):
    """The central sample block of one integration (`_window_block`)."""
    return _window_block(cube, integration, _sample_window(cube.shape[-2:]), unusable)


def _estimate(block, times, gain):
    """Read noise (electron) from a (ngroups, ny, nx) block of counts."""
    est = read_noise_tile(block, times, gain)
    value = float(np.nanmedian(est)) if np.isfinite(est).any() else np.nan
    if not np.isfinite(value) or value <= 0:
        raise ValueError("the read noise cannot be estimated from these ramps (the group "
                         "differences have no scatter); pass read_noise=")
    return value


def _noise_and_level(cube, times, gain, read_noise=None, unusable=None, n_jobs=1):
    """The detector-wide estimates every tile needs, as a dict.

    ``rn_eff``: the white read noise per read (given, or estimated on one central
    sample block of the first integration after the detector-wide ramp shape and the
    row noise are removed), floored: what the ramps' scatter is judged against.
    ``rn``: the read noise reported, the given one or, estimated, the white noise and
    the row noise per read together. ``err_scale``: how much the row noise adds to the
    error of a dark current (a row keeps its own least-squares dark current, row noise
    included), >= 1. ``level_ref``: the detector's (median, spread) of first-group
    levels. ``common``: the detector-wide ramp shape of every integration
    (`_common_profiles`). ``rows``: the row-noise corrections (`_row_noise`; None when
    there is none to remove), ``row_stats`` (rms, floor) of that noise. Ramps
    ``unusable`` ((ny, nx) bool) take no part. ``n_jobs`` threads measure the row noise.
    """
    first = _sample_block(cube, unusable=unusable)  # read once, used three times
    common = _common_profiles(cube, times, unusable, first=first)
    rows, row_stats = _row_noise(cube, times, unusable, sample=first, n_jobs=n_jobs)
    block = first - common[0][:, None, None]
    if rows is not None:
        block = subtract_row_noise(block, rows[0][:, _sample_window(cube.shape[-2:])[0]])
    white = _estimate(block, times, gain) if read_noise is None else read_noise
    rn_eff = max(white, 1e-6)
    row_read = row_stats[0] * gain if rows is not None else 0.0
    rn = float(np.hypot(white, row_read)) if read_noise is None else read_noise
    return dict(rn=rn, rn_eff=rn_eff, err_scale=float(np.hypot(rn_eff, row_read) / rn_eff),
                level_ref=level_reference(block[0], rn_eff / gain), common=common,
                rows=rows, row_stats=row_stats)


_ROW_GATE = 2.0  # row noise is removed when its variance exceeds this many times the
# variance the removal adds (the error of the per-row medians)


def _row_block(cube, integration, window, unusable):
    """The columns `row_stride` samples of the (rows, columns) ``window`` of one
    integration, as float32, NaN where unusable."""
    rows, cols = window
    step = row_stride(len(range(*cols.indices(cube.shape[-1]))))
    return _window_block(cube, integration, (rows, slice(cols.start, cols.stop, step)),
                         unusable)


def _row_noise(cube, times, unusable=None, sample=None, n_jobs=1):
    """The row-correlated readout noise of every integration: (nints, ngroups, ny)
    float32 offsets of each row in each read
    (`~ccdbadpix.ramps._detector.row_noise`), or None when the central sample block
    shows no row noise worth removing, and (rms, floor) of the first integration
    (counts per read).

    Decided on the sample block (`_sample_block`, or ``sample`` when already read), so
    a detector without such noise costs one look at that block; otherwise every row of
    every integration is measured, blocks of rows in ``n_jobs`` threads (rows are
    independent: the same bits for any number).
    """
    window = _sample_window(cube.shape[-2:])
    if sample is None:
        gate = _row_block(cube, 0, window, unusable)
    else:
        gate = sample[:, :, ::row_stride(sample.shape[-1])]
    sample = row_noise(*row_residuals(gate, times), times)[1]
    if not sample[0] ** 2 > _ROW_GATE * sample[1] ** 2:
        return None, sample
    nints, n, ny = cube.shape[:3]
    step = max(1, _TILE_BYTES // (4 * n * cube.shape[3]))
    out, stats = np.empty((nints, n, ny), np.float32), None

    def part(job):
        i, y0 = job
        window = (slice(y0, y0 + step), slice(None))
        return row_residuals(_row_block(cube, i, window, unusable), times)

    for i in range(nints):
        jobs = [(i, y0) for y0 in range(0, ny, step)]
        if n_jobs == 1 or len(jobs) == 1:
            parts = [part(job) for job in jobs]
        else:
            with concurrent.futures.ThreadPoolExecutor(n_jobs) as pool:
                parts = list(pool.map(part, jobs))
        out[i], s = row_noise(*(np.concatenate(p, axis=1) for p in zip(*parts, strict=True)),
                              times)
        stats = s if stats is None else stats
    return out, stats


def _common_profiles(cube, times, unusable=None, first=None):
    """(nints, ngroups) float32 detector-wide ramp shape of each integration
    (`~ccdbadpix.ramps._detector.common_profile` of its central sample block; ``first``:
    that block of the first integration, when already read)."""
    return np.stack([common_profile(first if i == 0 and first is not None else
                                    _sample_block(cube, integration=i, unusable=unusable),
                                    times) for i in range(cube.shape[0])])


def estimate_read_noise(ramps, *, times=None, group_time=None, gain=None, unit=None):
    """Robust read-noise estimate of a ramp cube, in electron (DN when the gain is unknown).

    The median over a central block of pixels of the variance of each pixel's group
    differences, with the pixel's own shot noise removed and corrected for the bias of
    a median of few-sample variances, after the detector-wide ramp shape is removed
    (as `classify_ramps` does). When the readout's row-correlated noise is removed from
    the ramps (`classify_ramps` header ``ROWCORR``), the estimate is the white noise
    and that row noise per read together, as both are in each ramp's dark current.
    Jumps,
    telegraph steps and hot pixels barely move it.

    Parameters
    ----------
    ramps, times, group_time, gain, unit
        As for `classify_ramps`.

    Returns
    -------
    `~astropy.units.Quantity`
        Read noise per read.

    Examples
    --------
    >>> import astropy.units as u
    >>> from ccdbadpix import estimate_read_noise
    >>> from ccdbadpix.simulate import simulate_ramps
    >>> sim = simulate_ramps((64, 64), ngroups=20, read_noise=12 * u.electron, seed=3)
    >>> rn = estimate_read_noise(sim.data, times=sim.times, gain=sim.gain)
    >>> bool(abs(rn.value - 12) < 1)
    True
    """
    r = _load_ramps(ramps, times=times, group_time=group_time, gain=gain, unit=unit)
    g = r.gain if r.gain is not None else 1.0
    unit = u.electron if r.gain is not None else r.count_unit
    return _noise_and_level(r.cube, r.times, g)["rn"] * unit


@dataclass(frozen=True, eq=False)
class RampFeatures:
    """Feature maps of a ramp cube, from `ramp_features`.

    Attributes
    ----------
    values : `~numpy.ndarray`
        (nfeatures, ny, nx) float32; row ``i`` is feature ``names[i]``. For several
        integrations, the features of integration 0 (see ``integration=``).
    names : tuple of str
        Feature names (`FEATURE_NAMES`).
    read_noise : `~astropy.units.Quantity`
        Read noise used for the normalisation (electron).
    gain : `~astropy.units.Quantity`
        Gain used (electron/DN).
    times : `~astropy.units.Quantity`
        Group times.
    finite : `~numpy.ndarray`
        (ny, nx) bool: False where a ramp holds NaN or inf, or where an integer counter
        wrapped around (its features are 0).

    Examples
    --------
    >>> from ccdbadpix import ramp_features
    >>> from ccdbadpix.simulate import simulate_ramps
    >>> sim = simulate_ramps((16, 16), ngroups=12, seed=2)
    >>> feats = ramp_features(sim.data, times=sim.times, gain=sim.gain)
    >>> feats["chi2_clean"].shape, feats.names[0]
    ((16, 16), 'rate')
    """

    values: np.ndarray
    names: tuple
    read_noise: u.Quantity
    gain: u.Quantity
    times: u.Quantity
    finite: np.ndarray

    def __getitem__(self, name):
        """The (ny, nx) map of feature ``name``."""
        if name not in self.names:
            raise KeyError(f"unknown feature {name!r}; features: {self.names}")
        return self.values[self.names.index(name)]

    def to_table(self, mask=None):
        """One row per pixel (``x``, ``y`` and every feature), optionally only ``mask``.

        Examples
        --------
        >>> import astropy.units as u
        >>> from ccdbadpix import ramp_features
        >>> from ccdbadpix.simulate import simulate_ramps
        >>> sim = simulate_ramps((8, 8), ngroups=10, seed=0)
        >>> table = ramp_features(sim.data, times=sim.times, gain=sim.gain,
        ...                       read_noise=sim.read_noise).to_table()
        >>> len(table), table.colnames[:4]
        (64, ['x', 'y', 'rate', 'rate_z'])
        """
        ny, nx = self.values.shape[1:]
        yy, xx = np.mgrid[:ny, :nx]
        sel = np.ones((ny, nx), bool) if mask is None else np.asarray(mask, bool)
        if sel.shape != (ny, nx):
            raise ValueError(f"mask must have shape {(ny, nx)}, got {sel.shape}")
        table = Table([xx[sel], yy[sel]], names=("x", "y"))
        for i, name in enumerate(self.names):
            table[name] = self.values[i][sel]
        table["rate"].unit = u.electron / u.s
        return table


def ramp_features(ramps, *, times=None, group_time=None, gain=None, read_noise=None,
                  unit=None, integration=0, progress=False):
    """Compute the per-pixel ramp features the classifier uses.

    Features are in physical, noise-normalised units (electron/s for rates, noise sigmas
    for steps and residuals), so that they mean the same on any detector: the Ariel
    AIRS-CH1 feature set (moments, group-difference statistics, jump counts, wavelet
    coefficients) made noise-aware, plus a linear fit and its chi-square, curvature,
    two-level statistics for telegraph noise, steps in read-noise units and the onset of
    saturation. See `FEATURE_NAMES`.

    Parameters
    ----------
    ramps : array, `~astropy.units.Quantity`, sequence of `~astropy.nddata.CCDData`, or path
        (ngroups, ny, nx) or (nints, ngroups, ny, nx) counts; plain arrays are DN.
    times, group_time : optional
        Group read times (s), or the constant interval between groups.
    gain : `~astropy.units.Quantity` or float, optional
        electron/DN; default the GAIN keyword, else 1 (for electron data, 1).
    read_noise : `~astropy.units.Quantity` or float, optional
        Per-read noise (electron, or DN as a Quantity); estimated when not given.
    unit : str or `~astropy.units.Unit`, optional
        Unit of a plain array or of a FITS cube without BUNIT (default DN).
    integration : int, optional
        Which integration of a 4-D cube to describe.
    progress : bool, optional
        Show a progress bar over tiles.

    Returns
    -------
    RampFeatures

    Examples
    --------
    >>> from ccdbadpix import ramp_features
    >>> from ccdbadpix.simulate import simulate_ramps
    >>> sim = simulate_ramps((32, 32), ngroups=20, seed=1)
    >>> feats = ramp_features(sim.data, times=sim.times, gain=sim.gain,
    ...                       read_noise=sim.read_noise)
    >>> feats.values.shape == (len(feats.names), 32, 32)
    True
    >>> hot = sim.mask("hot")
    >>> bool((feats["rate"][hot] > 0.9).all())  # electron/s, hot threshold 1
    True
    """
    r = _load_ramps(ramps, times=times, group_time=group_time, gain=gain, unit=unit)
    g = r.gain if r.gain is not None else 1.0
    integration = _integer(integration, "integration")
    if not 0 <= integration < r.cube.shape[0]:
        raise ValueError(f"integration must be in [0, {r.cube.shape[0] - 1}], got "
                         f"{integration}")
    progress = _boolean(progress, "progress")
    est = _noise_and_level(
        r.cube, r.times, g, None if read_noise is None else _read_noise_value(read_noise, g))
    common, rows = est["common"][integration], est["rows"]
    ngroups, (ny, nx) = r.cube.shape[1], r.shape
    step = max(1, _TILE_BYTES // (4 * ngroups * nx))
    out = np.empty((len(FEATURE_NAMES), ny, nx), np.float32)
    finite = np.empty((ny, nx), bool)
    for y0 in _progress(range(0, ny, step), progress):
        block = r.cube[integration, :, y0:y0 + step]
        if hasattr(block, "compute"):
            block = block.compute()
        block = np.asarray(block, dtype=np.float32)
        if rows is not None:
            block = subtract_row_noise(block, rows[integration][:, y0:y0 + step])
        block = block - common[:, None, None]  # a copy: the input stays as it was
        out[:, y0:y0 + step] = ramp_feature_tile(block, r.times, g, est["rn_eff"],
                                                 est["level_ref"], common)
        finite[y0:y0 + step] = np.isfinite(block).all(0)
    if r.wrapped is not None:  # integer counters that wrapped: as unusable as NaN
        wrapped = np.asarray(r.wrapped.compute() if hasattr(r.wrapped, "compute")
                             else r.wrapped)
        finite &= ~wrapped
        out[:, wrapped] = 0
    return RampFeatures(values=out, names=FEATURE_NAMES, read_noise=est["rn"] * u.electron,
                        gain=g * u.electron / u.DN, times=r.times * u.s, finite=finite)
