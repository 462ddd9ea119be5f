"""CCD dark-frame simulator; public as `ccdbadpix.simulate.simulate_darks`."""

from dataclasses import dataclass

import numpy as np
from astropy import units as u
from astropy.nddata import CCDData

from ccdbadpix.simulate._common import (
    _E_S,
    _check,
    _detector,
    _fraction,
    _header,
    _ipc,
    _lognormal_below,
    _loguniform,
    _shape,
    _value,
)
from ccdbadpix.utils._checks import _seed

__all__ = ["DarkSimulation", "simulate_darks"]


@dataclass(frozen=True, eq=False)
class DarkSimulation:
    """Simulated CCD dark frames with per-pixel ground truth; see `simulate_darks`.

    Attributes
    ----------
    darks : list of `~astropy.nddata.CCDData`
        One float32 dark per exposure time, unit adu, header EXPTIME [s] and BUNIT.
    exposure_times : `~astropy.units.Quantity`
        Exposure times (n,) in s.
    rate : `~astropy.units.Quantity`
        (ny, nx) intrinsic dark current in electron/s.
    observed_rate : `~astropy.units.Quantity`
        (ny, nx) noiseless dark current after IPC, electron/s.
    hot, warm, ipc_lit, nonproportional : `~numpy.ndarray`
        (ny, nx) bool truth: intrinsic rate >= ``hot_threshold``; in [warm_threshold,
        hot_threshold); not hot but ``observed_rate >= hot_threshold`` (lit by IPC);
        extra charge independent of exposure time.
    saturated : list of `~numpy.ndarray`
        Per dark, (ny, nx) bool maps of pixels at the saturation level.
    gain, read_noise, bias, saturation : `~astropy.units.Quantity`
        The values used (electron/adu, electron, adu, adu).
    hot_threshold, warm_threshold : `~astropy.units.Quantity`
        The truth thresholds used, electron/s.
    ipc_alpha : float
        IPC coupling to each of the four nearest neighbours.

    Examples
    --------
    >>> from ccdbadpix.simulate import simulate_darks
    >>> sim = simulate_darks((32, 32), seed=3)
    >>> len(sim.darks), sim.darks[1].header["EXPTIME"], sim.rate.unit
    (2, 1000.0, Unit("electron / s"))
    """

    darks: list
    exposure_times: u.Quantity
    rate: u.Quantity
    observed_rate: u.Quantity
    hot: np.ndarray
    warm: np.ndarray
    ipc_lit: np.ndarray
    nonproportional: np.ndarray
    saturated: list
    gain: u.Quantity
    read_noise: u.Quantity
    bias: u.Quantity
    saturation: u.Quantity
    hot_threshold: u.Quantity
    warm_threshold: u.Quantity
    ipc_alpha: float

    def __repr__(self):
        return f"<DarkSimulation {len(self.darks)} darks of shape {self.rate.shape}>"


def _nonadjacent(rng, shape, n):
    """``n`` random flat indices of which no two are 4-neighbours."""
    npix = shape[0] * shape[1]
    m = min(npix, int(n * 1.25) + 16)
    while True:
        cand = rng.choice(npix, size=m, replace=False)
        rank = np.full(shape, m, np.int64)
        rank.flat[cand] = np.arange(m)
        pad = np.pad(rank, 1, constant_values=m)
        nb = np.minimum.reduce([pad[:-2, 1:-1], pad[2:, 1:-1], pad[1:-1, :-2], pad[1:-1, 2:]])
        keep = cand[np.arange(m) < nb.flat[cand]]
        if keep.size >= n:
            return keep[:n]
        _check(m < npix, f"cannot place {n} hot pixels without 4-adjacent pairs in {shape}: "
               "lower hot_fraction")
        m = min(npix, 2 * m)


def simulate_darks(shape=(512, 512), exposure_times=(90, 1000) * u.s, *,
                   gain=1.5 * u.electron / u.adu, read_noise=10 * u.electron,
                   bias=0 * u.adu, dark_current=0.01 * u.electron / u.s,
                   hot_fraction=1e-3, hot_rate=(1, 100) * u.electron / u.s,
                   warm_fraction=2e-3, warm_rate=(0.1, 1) * u.electron / u.s,
                   nonproportional_fraction=5e-4, saturation=65535 * u.adu,
                   ipc_alpha=0.0, hot_threshold=1 * u.electron / u.s,
                   warm_threshold=0.1 * u.electron / u.s, seed=None):
    """Simulate CCD dark frames of several exposure times with known hot pixels.

    Each dark is ``bias + (Poisson(rate * t) + offset, IPC-convolved, + read noise) /
    gain`` in adu, clipped at ``saturation``. Normal pixels have a lognormal rate around
    ``dark_current`` below ``warm_threshold``; hot pixels (no two 4-adjacent) a
    log-uniform rate in ``hot_rate``, warm pixels in ``warm_rate``; non-proportional
    pixels are otherwise normal pixels with an extra charge ``offset`` of 20-200 read
    noises (1 electron if the read noise is 0) that does not grow with exposure time.

    Parameters
    ----------
    shape : tuple of two int, optional
        (ny, nx) of the detector.
    exposure_times : `~astropy.units.Quantity` or float or sequence, optional
        Positive exposure time(s), default unit s; a scalar gives one dark.
    gain : `~astropy.units.Quantity` or float, optional
        electron/adu (DN is accepted as adu).
    read_noise : `~astropy.units.Quantity` or float, optional
        Gaussian read noise in electron.
    bias : `~astropy.units.Quantity` or float, optional
        Bias level in adu added to the darks (0: bias-subtracted darks).
    dark_current : `~astropy.units.Quantity` or float, optional
        Median dark current of normal pixels in electron/s, below ``warm_threshold``.
    hot_fraction, warm_fraction, nonproportional_fraction : float, optional
        Fractions of pixels of each kind (sum < 1).
    hot_rate, warm_rate : `~astropy.units.Quantity` or (float, float), optional
        (min, max) rate ranges in electron/s.
    saturation : `~astropy.units.Quantity` or float, optional
        Saturation level in adu, above ``bias``.
    ipc_alpha : float, optional
        IPC coupling to each 4-neighbour, in [0, 0.25).
    hot_threshold, warm_threshold : `~astropy.units.Quantity` or float, optional
        Rates (electron/s) defining the ``hot`` and ``warm`` truth maps.
    seed : int or None, optional
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    DarkSimulation

    Raises
    ------
    ValueError, TypeError, astropy.units.UnitsError
        Invalid values, types, or units of a parameter (named in the message).

    Examples
    --------
    >>> from ccdbadpix.simulate import simulate_darks
    >>> sim = simulate_darks((64, 64), exposure_times=[60, 600], seed=0)
    >>> [d.shape for d in sim.darks], sim.darks[0].unit
    ([(64, 64), (64, 64)], Unit("adu"))
    >>> int(sim.hot.sum()), sim.exposure_times
    (4, <Quantity [ 60., 600.] s>)
    """
    ny, nx = _shape(shape)
    texp = np.atleast_1d(_value(exposure_times, u.s, "exposure_times", shape=None))
    _check(texp.ndim == 1 and texp.size > 0 and np.all(texp > 0),
           f"exposure_times must be positive, got {exposure_times!r}")
    g, rn, dc, hot_thr, warm_thr, alpha = _detector(
        gain, read_noise, dark_current, hot_threshold, warm_threshold, ipc_alpha, u.adu)
    b0, sat = _value(bias, u.adu, "bias"), _value(saturation, u.adu, "saturation")
    _check(sat > b0, f"saturation ({sat} adu) must be above the bias ({b0} adu)")
    (hot_lo, hot_hi), (warm_lo, warm_hi) = (
        _value(r, _E_S, n, shape=(2,)) for r, n in ((hot_rate, "hot_rate"),
                                                    (warm_rate, "warm_rate")))
    _check(0 < hot_lo <= hot_hi, f"hot_rate must be (min, max), 0 < min <= max: {hot_rate!r}")
    _check(0 < warm_lo <= warm_hi, f"warm_rate must be (min, max), 0 < min <= max: "
           f"{warm_rate!r}")
    fr = [_fraction(f, n) for f, n in [(hot_fraction, "hot_fraction"),
                                       (warm_fraction, "warm_fraction"),
                                       (nonproportional_fraction, "nonproportional_fraction")]]
    _check(sum(fr) < 1, f"hot, warm and nonproportional fractions must sum to < 1: {sum(fr)}")

    rng = np.random.default_rng(_seed(seed))  # pixels first, then each dark's noise
    rate_map, offset, nonprop = _draw_pixels(rng, (ny, nx), fr, (hot_lo, hot_hi),
                                             (warm_lo, warm_hi), dc, warm_thr, rn)
    observed = _ipc(rate_map, alpha)
    hot = rate_map >= hot_thr
    darks, saturated = [], []
    for t in texp:
        data = _expose(rng, rate_map, offset, t, g, rn, b0, sat, alpha)
        header = _header(seed, [
            ("IMAGETYP", "DARK", "simulated dark"), ("EXPTIME", float(t), "[s] exposure"),
            ("BUNIT", "adu", "data unit"), ("GAIN", g, "[electron/adu]"),
            ("RDNOISE", rn, "[electron] read noise"), ("SATURATE", sat, "[adu] saturation"),
            ("IPCALPHA", alpha, "IPC coupling")])
        darks.append(CCDData(data, unit=u.adu, meta=header))
        saturated.append(data >= np.float32(sat))
    return DarkSimulation(
        darks=darks, exposure_times=texp * u.s, rate=rate_map * _E_S,
        observed_rate=observed * _E_S, hot=hot, warm=(rate_map >= warm_thr) & ~hot,
        ipc_lit=~hot & (observed >= hot_thr), nonproportional=nonprop,
        saturated=saturated, gain=g * u.electron / u.adu, read_noise=rn * u.electron,
        bias=b0 * u.adu, saturation=sat * u.adu, hot_threshold=hot_thr * _E_S,
        warm_threshold=warm_thr * _E_S, ipc_alpha=alpha)


def _draw_pixels(rng, shape, fractions, hot_rate, warm_rate, dc, warm_thr, rn):
    """Intrinsic rate map (electron/s), extra non-proportional charge map (electron) and
    the non-proportional pixels: hot pixels first (no two 4-adjacent), then the others."""
    npix = shape[0] * shape[1]
    n_hot, n_warm, n_np = (round(f * npix) for f in fractions)
    i_hot = _nonadjacent(rng, shape, n_hot)
    rest = np.ones(npix, bool)
    rest[i_hot] = False
    others = rng.choice(np.flatnonzero(rest), size=n_warm + n_np, replace=False)
    i_warm, i_np = others[:n_warm], others[n_warm:]
    rate = _lognormal_below(rng, dc, warm_thr, npix)
    rate[i_hot] = _loguniform(rng, *hot_rate, n_hot)
    rate[i_warm] = _loguniform(rng, *warm_rate, n_warm)
    offset = np.zeros(npix)
    offset[i_np] = _loguniform(rng, 20, 200, n_np) * (rn if rn > 0 else 1.0)
    nonprop = np.zeros(npix, bool)
    nonprop[i_np] = True
    return rate.reshape(shape), offset.reshape(shape), nonprop.reshape(shape)


def _expose(rng, rate_map, offset, t, g, rn, b0, sat, alpha):
    """One float32 dark of ``t`` s in adu: Poisson charge plus offset, IPC, read noise,
    gain, bias, clipped at saturation."""
    charge = _ipc(rng.poisson(rate_map * t) + offset, alpha)
    charge += rn * rng.standard_normal(rate_map.shape)
    return np.minimum(b0 + charge / g, sat).astype(np.float32)
