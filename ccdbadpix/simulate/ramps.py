"""Up-the-ramp dark cubes of an HxRG array with every pixel class and its truth
(`simulate_ramps`, `RampSimulation`)."""

import contextlib
import os
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.nddata import CCDData
from astropy.utils.console import ProgressBar

from ccdbadpix.simulate._common import (
    _E_S,
    _check,
    _detector,
    _fraction,
    _header,
    _int,
    _ipc,
    _lognormal_below,
    _loguniform,
    _merge,
    _shape,
    _value,
)
from ccdbadpix.utils._checks import _boolean, _seed
from ccdbadpix.utils._files import _atomic_write

__all__ = ["DEFAULT_AMPLITUDES", "DEFAULT_FRACTIONS", "PIXEL_CLASSES", "RampSimulation",
           "simulate_ramps"]

#: Pixel class names; ``labels`` are integer codes into this tuple.
PIXEL_CLASSES = ("good", "hot", "warm", "dead", "telegraph", "nonlinear",
                 "saturated", "cosmic_ray", "decreasing")

#: Default fraction of pixels per defect class (``good`` is the rest).
DEFAULT_FRACTIONS = MappingProxyType({
    "hot": 0.004, "warm": 0.006, "dead": 0.002, "telegraph": 0.003, "nonlinear": 0.002,
    "saturated": 0.001, "cosmic_ray": 0.004, "decreasing": 0.002})

#: Default (min, max) defect amplitudes of `simulate_ramps`. ``hot``: rate in multiples
#: of ``hot_threshold`` (the top is lowered so that hot pixels never saturate);
#: ``dead``: residual group-to-group noise of the noisy half of the dead pixels, in
#: multiples of the read noise; ``telegraph``: separation of the two levels,
#: ``nonlinear``: plateau above the bias, ``cosmic_ray``: step of the primary pixel,
#: ``decreasing``: total fall over the ramp, all in multiples of the read noise
#: (1 electron if the read noise is 0); ``nonlinear_tau``: RC time constant and
#: ``saturated``: time at which saturation is reached, as fractions of the ramp duration.
DEFAULT_AMPLITUDES = MappingProxyType({
    "hot": (1.0, 100.0), "dead": (0.05, 0.2), "telegraph": (4.0, 20.0),
    "nonlinear": (20.0, 200.0), "nonlinear_tau": (0.1, 0.4), "saturated": (0.1, 0.5),
    "cosmic_ray": (10.0, 500.0), "decreasing": (5.0, 50.0)})

@dataclass(frozen=True, eq=False)
class RampSimulation:
    """Simulated up-the-ramp dark cube of an HxRG detector with per-pixel ground truth.

    Returned by `simulate_ramps`. Cosmic-ray clusters do not change the labels of the
    neighbours they hit: only primary hits on otherwise good ramps are labelled
    ``cosmic_ray``, while ``cosmic_ray_group`` marks every pixel that received a step.

    Attributes
    ----------
    data : `~numpy.ndarray`
        float32 cube in DN, shape (ngroups, ny, nx), or (nints, ngroups, ny, nx).
    times : `~astropy.units.Quantity`
        Group times (ngroups,) in s; group ``i`` is read at ``(i + 1) * group_time``.
    classes : tuple of str
        `PIXEL_CLASSES`.
    labels : `~numpy.ndarray`
        (ny, nx) int8 codes into ``classes``: the true class of each pixel.
    dark_current : `~astropy.units.Quantity`
        (ny, nx) intrinsic (pre-IPC) integration rate in electron/s (0 for dead pixels;
        the underlying linear rate for telegraph, nonlinear, cosmic-ray and decreasing).
    ipc_lit : `~numpy.ndarray`
        (ny, nx) bool: good pixels whose own rate is below ``warm_threshold`` but whose
        IPC-convolved rate (own and neighbours' ``dark_current``) is at or above it.
    cosmic_ray_group : `~numpy.ndarray`
        (ny, nx) int16 index of the first group with a cosmic-ray step, -1 if none.
    gain, read_noise, group_time, saturation : `~astropy.units.Quantity`
        The values used (electron/DN, electron, s, DN including the bias).
    hot_threshold, warm_threshold : `~astropy.units.Quantity`
        The class thresholds used, electron/s.
    bias : `~astropy.units.Quantity`
        (ny, nx) per-pixel bias map in DN.
    ipc_alpha : float
        IPC coupling to each of the four nearest neighbours.
    meta : `~astropy.io.fits.Header`
        Keywords describing the simulation (NGROUPS, NINTS, TGROUP, GAIN, ...).
    cosmic_ray_step : `~astropy.units.Quantity`
        (ny, nx) largest cosmic-ray charge step of each pixel in electron (0 if none).

    Examples
    --------
    >>> from ccdbadpix.simulate import simulate_ramps
    >>> sim = simulate_ramps((16, 16), ngroups=4, seed=0)
    >>> sim.data.shape, sim.labels.shape, sim.meta["NGROUPS"]
    ((4, 16, 16), (16, 16), 4)
    >>> int(sim.mask("good").sum()) == int((sim.labels == 0).sum())
    True
    """

    data: np.ndarray
    times: u.Quantity
    classes: tuple
    labels: np.ndarray
    dark_current: u.Quantity
    ipc_lit: np.ndarray
    cosmic_ray_group: np.ndarray
    gain: u.Quantity
    read_noise: u.Quantity
    group_time: u.Quantity
    bias: u.Quantity
    saturation: u.Quantity
    ipc_alpha: float
    hot_threshold: u.Quantity
    warm_threshold: u.Quantity
    meta: fits.Header
    cosmic_ray_step: u.Quantity = None

    def __repr__(self):
        return f"<RampSimulation data shape={self.data.shape} classes={len(self.classes)}>"

    def mask(self, name):
        """Boolean (ny, nx) truth map of pixel class ``name``.

        Examples
        --------
        >>> from ccdbadpix.simulate import simulate_ramps
        >>> simulate_ramps((8, 8), ngroups=3, seed=2).mask("hot").dtype
        dtype('bool')
        """
        _check(name in self.classes, f"unknown class {name!r}; valid: {self.classes}")
        return self.labels == self.classes.index(name)

    def observable_labels(self, cosmic_ray_step=6.0, ambiguous_step=None):
        """Labels as the ramps show them, the truth a ramp classifier is scored against.

        ``labels`` hold each pixel's intrinsic class. Two kinds of good pixels look
        otherwise in their own ramps: pixels lit through IPC by a hot neighbour integrate
        at their IPC-convolved rate (they become ``warm`` or ``hot`` by that rate), and
        neighbours of a cosmic-ray hit carry a step, directly or through IPC from the hit
        pixel (they become ``cosmic_ray`` when the step is at least ``cosmic_ray_step``
        read noises).

        Parameters
        ----------
        cosmic_ray_step : float, optional
            Smallest step, in read noises, that makes a hit neighbour a ``cosmic_ray``.
        ambiguous_step : float, optional
            If given, good pixels with a smaller step of at least this many read noises
            get the code -1: too small to be detected as a step, such a step still
            raises the measured dark current, so these ramps are neither clearly good
            nor clearly anything else. Leave them out of a score.

        Returns
        -------
        `~numpy.ndarray`
            (ny, nx) int8 codes into ``classes`` (or -1, see ``ambiguous_step``).

        Examples
        --------
        >>> from ccdbadpix.simulate import simulate_ramps
        >>> sim = simulate_ramps((64, 64), ngroups=10, seed=4)
        >>> obs = sim.observable_labels()
        >>> changed = obs != sim.labels
        >>> bool((sim.labels[changed] == 0).all())  # only good pixels change
        True
        """
        labels = self.labels.copy()
        good = labels == 0
        seen = _ipc(self.dark_current.to_value(_E_S), self.ipc_alpha)
        hot_thr, warm_thr = (q.to_value(_E_S) for q in (self.hot_threshold,
                                                       self.warm_threshold))
        labels[good & self.ipc_lit & (seen >= warm_thr)] = self.classes.index("warm")
        labels[good & self.ipc_lit & (seen >= hot_thr)] = self.classes.index("hot")
        if self.cosmic_ray_step is not None:
            unit_e = max(self.read_noise.to_value(u.electron), 1.0)
            step = _ipc(self.cosmic_ray_step.to_value(u.electron), self.ipc_alpha)
            labels[good & (step >= cosmic_ray_step * unit_e)] = self.classes.index("cosmic_ray")
            if ambiguous_step is not None:
                small = (step >= ambiguous_step * unit_e) & (step < cosmic_ray_step * unit_e)
                labels[good & small] = -1
        return labels

    def to_ccddata(self, integration=None):
        """Return the reads as a list of `~astropy.nddata.CCDData` (one per group, DN).

        Parameters
        ----------
        integration : int, optional
            Integration to return; required when the simulation has several.

        Returns
        -------
        list of `~astropy.nddata.CCDData`
            Copies of the reads; each header holds ``meta`` plus EXPTIME (the group time
            in s) and GROUP (0-based group index).

        Examples
        --------
        >>> from ccdbadpix.simulate import simulate_ramps
        >>> reads = simulate_ramps((8, 8), ngroups=3, seed=1).to_ccddata()
        >>> len(reads), reads[0].unit, reads[1].header["EXPTIME"]
        (3, Unit("DN"), 21.474)
        """
        cube = self.data
        if cube.ndim == 4:
            _check(integration is not None, "to_ccddata needs nints == 1, or pass "
                   f"integration= (0 to {cube.shape[0] - 1})")
            cube = cube[_int(integration, "integration", 0)]
        reads = []
        for i, t in enumerate(self.times.to_value(u.s)):
            header = self.meta.copy()
            header["EXPTIME"] = (float(t), "[s] time of this group read")
            header["GROUP"] = (i, "0-based group index")
            reads.append(CCDData(cube[i].copy(), unit=u.DN, meta=header))
        return reads

    def write(self, path, overwrite=False):
        """Write the cube and truth to a FITS file, atomically.

        Layout: primary HDU ``SCI`` (the cube, header ``meta``), ``TIMES`` binary table
        (column TIME in s), ``LABELS`` (uint8 codes; CLASS0..CLASS8 name the classes),
        ``DARKCUR`` (electron/s), ``CRGROUP`` (int16), ``IPCLIT`` (uint8), ``BIAS`` (DN).

        Parameters
        ----------
        path : str or path-like
            Output file.
        overwrite : bool, optional
            Replace an existing file; otherwise `FileExistsError` is raised.

        Examples
        --------
        >>> import os, tempfile
        >>> from astropy.io import fits
        >>> from ccdbadpix.simulate import simulate_ramps
        >>> path = os.path.join(tempfile.mkdtemp(), "ramp.fits")
        >>> simulate_ramps((8, 8), ngroups=3, seed=1).write(path)
        >>> with fits.open(path) as hdul:
        ...     print(hdul["SCI"].data.shape, hdul["LABELS"].header["CLASS3"])
        (3, 8, 8) dead
        """
        if not isinstance(path, str | os.PathLike):
            raise TypeError(f"path must be a file name (str or path-like), got {path!r}")
        overwrite = _boolean(overwrite, "overwrite")
        header = self.meta.copy()
        header["EXTNAME"] = "SCI"
        labels = fits.ImageHDU(self.labels.astype(np.uint8), name="LABELS")
        for i, name in enumerate(self.classes):
            labels.header[f"CLASS{i}"] = name
        times = fits.BinTableHDU.from_columns(
            [fits.Column("TIME", "D", unit="s", array=self.times.to_value(u.s))], name="TIMES")
        hdul = fits.HDUList([
            fits.PrimaryHDU(self.data, header=header), times, labels,
            fits.ImageHDU(self.dark_current.to_value(_E_S).astype(np.float32), name="DARKCUR"),
            fits.ImageHDU(self.cosmic_ray_group, name="CRGROUP"),
            fits.ImageHDU(self.ipc_lit.astype(np.uint8), name="IPCLIT"),
            fits.ImageHDU(self.bias.to_value(u.DN), name="BIAS")])
        hdul["DARKCUR"].header["BUNIT"] = "electron/s"
        hdul["BIAS"].header["BUNIT"] = "DN"
        _atomic_write(path, lambda tmp: hdul.writeto(tmp, overwrite=True), overwrite)


# ----------------------------------------------------------------------------- ramps
def _telegraph_states(rng, n, ngroups):
    """(n, ngroups) 0/1 levels with 2..k transitions at random group boundaries."""
    kmax = max(2, min(ngroups - 1, ngroups // 5))
    k = rng.integers(2, kmax + 1, n)
    ranks = rng.random((n, ngroups - 1)).argsort(axis=1)
    toggles = (ranks < k[:, None]).astype(np.int8)
    states = np.empty((n, ngroups), np.float32)
    states[:, 0] = rng.integers(0, 2, n)
    states[:, 1:] = (states[:, :1] + np.cumsum(toggles, axis=1)) % 2
    return states


def _cosmic_events(rng, idx, shape, ngroups, amp, cluster, dead):
    """Primary and cluster-neighbour cosmic-ray steps as (pixel, group, electrons)."""
    n = idx.size
    g1 = rng.integers(1, ngroups, n)
    a1 = _loguniform(rng, *amp, n)
    second = rng.random(n) < 0.1  # occasionally a second hit
    g2, a2 = rng.integers(1, ngroups, n)[second], _loguniform(rng, *amp, n)[second]
    y, x = np.divmod(idx, shape[1])
    dy = np.array([-1, 1, 0, 0, -1, -1, 1, 1])
    dx = np.array([0, 0, -1, 1, -1, 1, -1, 1])
    k = rng.integers(cluster[0], cluster[1] + 1, n)
    hit = rng.random((n, 8)).argsort(axis=1) < k[:, None]
    ny_, nx_ = y[:, None] + dy, x[:, None] + dx
    hit &= (ny_ >= 0) & (ny_ < shape[0]) & (nx_ >= 0) & (nx_ < shape[1])
    nb_pix = (ny_ * shape[1] + nx_)[hit]
    keep = ~dead[nb_pix]
    pix = np.concatenate([idx, idx[second], nb_pix[keep]])
    grp = np.concatenate([g1, g2, np.broadcast_to(g1[:, None], hit.shape)[hit][keep]])
    namp = (a1[:, None] * rng.uniform(0.05, 0.5, (n, 8)))[hit][keep]
    return pix, grp, np.concatenate([a1, a2, namp])


def simulate_ramps(shape=(256, 256), ngroups=30, *, nints=1, group_time=10.737 * u.s,
                   gain=1.0 * u.electron / u.DN, read_noise=10 * u.electron,
                   bias=12000 * u.DN, bias_spread=500 * u.DN,
                   dark_current=0.005 * u.electron / u.s,
                   hot_threshold=1 * u.electron / u.s, warm_threshold=0.1 * u.electron / u.s,
                   saturation=60000 * u.DN, ipc_alpha=0.01,
                   fractions=None, amplitudes=None, cosmic_ray_cluster_size=(1, 4),
                   seed=None, progress=False):
    """Simulate up-the-ramp dark cubes of an HxRG detector with known pixel classes.

    Each group adds Poisson-distributed dark charge to the previous one; the charge is
    convolved with the IPC kernel, read noise is added per read, the result is converted
    to DN, the bias added and the value clipped at ``saturation``. Defect pixels are put
    at random positions (without replacement; rare adjacency of two defects is accepted):

    - ``good``: lognormal dark current around ``dark_current``, below ``warm_threshold``;
    - ``hot`` / ``warm``: log-uniform rate in [hot_threshold, max] (max lowered so the
      ramp stays well below saturation) / in [warm_threshold, hot_threshold);
    - ``dead``: rate 0 and no IPC; half read exactly the bias, half with noise of
      ``amplitudes["dead"]`` times the read noise;
    - ``telegraph``: good ramp plus a two-level readout offset with at least one up and
      one down transition (switching times redrawn for each integration);
    - ``nonlinear``: good ramp plus RC-like charge ``A (1 - exp(-t / tau))``;
    - ``saturated``: rate reaching saturation at a fraction ``amplitudes["saturated"]``
      of the ramp duration;
    - ``cosmic_ray``: good ramp plus one (10 % of pixels: two) positive charge steps at a
      group > 0; ``cosmic_ray_cluster_size`` (min, max) of the 8 neighbours get steps of
      5-50 % of it at the same group and keep their own labels (steps are repeated at the
      same groups in every integration, as the truth is per pixel);
    - ``decreasing``: good ramp plus a readout offset falling linearly by
      ``amplitudes["decreasing"]`` read noises over the ramp.

    Parameters
    ----------
    shape : tuple of two int, optional
        (ny, nx) of the detector.
    ngroups : int, optional
        Groups per integration, at least 3.
    nints : int, optional
        Integrations (independent ramps of the same pixels).
    group_time : `~astropy.units.Quantity` or float, optional
        Time between group reads (default unit s).
    gain : `~astropy.units.Quantity` or float, optional
        electron/DN (adu is accepted as DN).
    read_noise : `~astropy.units.Quantity` or float, optional
        Per-read Gaussian noise in electron.
    bias, bias_spread : `~astropy.units.Quantity` or float, optional
        Mean and Gaussian spread (truncated at 4 sigma) of the bias map in DN.
    dark_current : `~astropy.units.Quantity` or float, optional
        Median dark current of good pixels in electron/s, below ``warm_threshold``.
    hot_threshold, warm_threshold : `~astropy.units.Quantity` or float, optional
        Rate thresholds (electron/s) of the hot and warm classes.
    saturation : `~astropy.units.Quantity` or float, optional
        Saturation level in DN including the bias.
    ipc_alpha : float, optional
        IPC coupling to each 4-neighbour, in [0, 0.25).
    fractions : dict, optional
        Fractions of pixels per defect class, merged into `DEFAULT_FRACTIONS`.
    amplitudes : dict, optional
        (min, max) per key of `DEFAULT_AMPLITUDES` (see there for units), merged in.
    cosmic_ray_cluster_size : tuple of two int, optional
        (min, max) number of the 8 neighbours also hit by each cosmic ray.
    seed : int or None, optional
        Seed of ``numpy.random.default_rng``.
    progress : bool, optional
        Show a progress bar over groups.

    Returns
    -------
    RampSimulation

    Raises
    ------
    ValueError, TypeError, astropy.units.UnitsError
        Invalid values (e.g. ``ngroups < 3``, fractions summing to 1 or more, hot pixels
        that cannot avoid saturation), types, or units of a parameter named in the message.

    Examples
    --------
    >>> from ccdbadpix.simulate import simulate_ramps
    >>> sim = simulate_ramps((64, 64), ngroups=10, seed=42)
    >>> sim.data.shape, sim.data.dtype, sim.labels.dtype
    ((10, 64, 64), dtype('float32'), dtype('int8'))
    >>> sim.classes[:4]
    ('good', 'hot', 'warm', 'dead')
    >>> int(sim.mask("hot").sum())  # 0.4 % of 4096 pixels
    16
    """
    ny, nx = _shape(shape)
    seed, progress = _seed(seed), _boolean(progress, "progress")
    ngroups, nints = _int(ngroups, "ngroups", 3), _int(nints, "nints", 1)
    dt = _value(group_time, u.s, "group_time")
    _check(dt > 0, f"group_time must be > 0, got {dt} s")
    g, rn, dc, hot_thr, warm_thr, alpha = _detector(
        gain, read_noise, dark_current, hot_threshold, warm_threshold, ipc_alpha, u.DN)
    b0, bs = _value(bias, u.DN, "bias"), _value(bias_spread, u.DN, "bias_spread")
    sat = _value(saturation, u.DN, "saturation")
    _check(bs >= 0, f"bias_spread must be >= 0, got {bs} DN")
    _check(sat > b0 + 4 * bs, f"saturation ({sat} DN) must be above the bias plus 4 "
           f"bias_spread ({b0 + 4 * bs} DN)")
    frac = _merge(fractions, DEFAULT_FRACTIONS, "fractions", "class fractions")
    frac = {k: _fraction(v, f"fractions[{k!r}]") for k, v in frac.items()}
    _check(sum(frac.values()) < 1, f"fractions must sum to < 1, got {sum(frac.values())}")
    amp = _merge(amplitudes, DEFAULT_AMPLITUDES, "amplitudes", "(min, max) ranges")
    for k, v in amp.items():
        lo, hi = amp[k] = tuple(_value(v, u.dimensionless_unscaled, f"amplitudes[{k!r}]",
                                       shape=(2,)))
        _check(0 <= lo <= hi, f"amplitudes[{k!r}] must satisfy 0 <= min <= max, got {v}")
    _check(amp["hot"][0] >= 1, "amplitudes['hot'] min must be >= 1 (hot_threshold)")
    _check(amp["dead"][1] < 1, "amplitudes['dead'] max must be < 1 (read noise)")
    for k in ("saturated", "nonlinear_tau"):
        _check(amp[k][0] > 0, f"amplitudes[{k!r}] min must be > 0")
    if not (isinstance(cosmic_ray_cluster_size, tuple | list)
            and len(cosmic_ray_cluster_size) == 2):
        raise ValueError("cosmic_ray_cluster_size must be (min, max), got "
                         f"{cosmic_ray_cluster_size!r}")
    cluster = tuple(_int(c, "cosmic_ray_cluster_size", 0) for c in cosmic_ray_cluster_size)
    _check(cluster[0] <= cluster[1] <= 8, "cosmic_ray_cluster_size must satisfy "
           f"0 <= min <= max <= 8, got {cosmic_ray_cluster_size!r}")

    rng = np.random.default_rng(seed)
    npix, t_ramp = ny * nx, ngroups * dt
    times = dt * np.arange(1, ngroups + 1)
    unit_e = rn if rn > 0 else 1.0
    headroom = (sat - b0 - 4 * bs) * g  # electrons available before saturation, worst case
    hot_hi = min(amp["hot"][1] * hot_thr, 0.7 * headroom / t_ramp)
    if frac["hot"] > 0 or frac["warm"] > 0:
        _check(hot_hi >= amp["hot"][0] * hot_thr, "hot and warm pixels would saturate "
               f"within the {t_ramp:g} s ramp; raise saturation or shorten the ramp")

    # ground truth: labels and intrinsic rates
    counts = [round(frac[c] * npix) for c in PIXEL_CLASSES[1:]]
    chosen = rng.choice(npix, size=sum(counts), replace=False)
    idx = dict(zip(PIXEL_CLASSES[1:], np.split(chosen, np.cumsum(counts)[:-1]), strict=True))
    labels = np.zeros(npix, np.int8)
    for code, name in enumerate(PIXEL_CLASSES[1:], start=1):
        labels[idx[name]] = code
    bias_map = (b0 + bs * np.clip(rng.standard_normal(npix), -4, 4)).astype(np.float32)
    rate = _lognormal_below(rng, dc, warm_thr, npix)
    rate[idx["hot"]] = _loguniform(rng, amp["hot"][0] * hot_thr, hot_hi, counts[0])
    rate[idx["warm"]] = _loguniform(rng, warm_thr, hot_thr, counts[1])
    rate[idx["warm"]] = np.minimum(rate[idx["warm"]], np.nextafter(hot_thr, 0))
    rate[idx["dead"]] = 0.0
    i_sat = idx["saturated"]
    t_sat = rng.uniform(*amp["saturated"], i_sat.size) * t_ramp
    rate[i_sat] = (sat - bias_map[i_sat]) * g / ((1 - 4 * alpha) * t_sat)
    rate_map = rate.reshape(ny, nx)
    ipc_lit = (labels.reshape(ny, nx) == 0) & (_ipc(rate_map, alpha) >= warm_thr)

    sigma = np.full(npix, rn, np.float32)  # per-read noise, electrons
    i_dead = idx["dead"]
    sigma[i_dead[: i_dead.size // 2]] = 0.0
    sigma[i_dead[i_dead.size // 2:]] = rn * rng.uniform(*amp["dead"], i_dead.size -
                                                        i_dead.size // 2)
    dead = np.zeros(npix, bool)
    dead[i_dead] = True
    i_tel, i_nl, i_dec = idx["telegraph"], idx["nonlinear"], idx["decreasing"]
    tel_amp = (_loguniform(rng, *amp["telegraph"], i_tel.size) * unit_e).astype(np.float32)
    nl_amp = _loguniform(rng, *amp["nonlinear"], i_nl.size) * unit_e
    nl_tau = rng.uniform(*amp["nonlinear_tau"], i_nl.size) * t_ramp
    dec_amp = (_loguniform(rng, *amp["decreasing"], i_dec.size) * unit_e).astype(np.float32)
    pix, grp, ev_amp = _cosmic_events(rng, idx["cosmic_ray"], (ny, nx), ngroups,
                                      np.array(amp["cosmic_ray"]) * unit_e, cluster, dead)
    order = np.argsort(grp, kind="stable")
    pix, grp, ev_amp = pix[order], grp[order], ev_amp[order]
    bounds = np.searchsorted(grp, np.arange(ngroups + 1))
    cr_group = np.full(npix, ngroups, np.int16)
    np.minimum.at(cr_group, pix, grp.astype(np.int16))
    cr_group[cr_group == ngroups] = -1
    cr_step = np.zeros(npix, np.float32)
    np.maximum.at(cr_step, pix, ev_amp.astype(np.float32))

    # the cube, group by group, in place
    data = np.empty((nints, ngroups, ny, nx), np.float32)
    base = rate * dt
    lam, charge = np.empty(npix), np.empty((ny, nx), np.float32)
    rc = np.exp(-np.concatenate([[0.0], times])[:, None] / nl_tau)  # (ngroups + 1, n_nl)
    bias2d, sigma2d = bias_map.reshape(ny, nx), sigma.reshape(ny, nx)
    with ProgressBar(nints * ngroups) if progress else contextlib.nullcontext() as bar:
        for i in range(nints):
            charge[...] = 0
            states = _telegraph_states(rng, i_tel.size, ngroups) * tel_amp[:, None]
            for k in range(ngroups):
                np.copyto(lam, base)
                lam[i_nl] += nl_amp * (rc[k] - rc[k + 1])
                np.add.at(lam, pix[bounds[k]:bounds[k + 1]], ev_amp[bounds[k]:bounds[k + 1]])
                charge += rng.poisson(lam).reshape(ny, nx)
                out = data[i, k]
                _ipc(charge, alpha, out=out)
                flat = out.reshape(-1)
                flat[i_tel] += states[:, k]
                flat[i_dec] -= dec_amp * (k / (ngroups - 1))
                flat[i_dead] = 0.0
                out += rng.standard_normal((ny, nx), dtype=np.float32) * sigma2d
                out *= np.float32(1 / g)
                out += bias2d
                np.minimum(out, np.float32(sat), out=out)
                if bar is not None:
                    bar.update()

    meta = _header(seed, [
        ("BUNIT", "DN", "data unit"), ("ORIGIN", "ccdbadpix.simulate", "simulator"),
        ("NGROUPS", ngroups, "groups per integration"), ("NINTS", nints, "integrations"),
        ("TGROUP", dt, "[s] time between groups"), ("GAIN", g, "[electron/DN] gain"),
        ("RDNOISE", rn, "[electron] read noise per read"), ("BIAS", b0, "[DN] mean bias"),
        ("BIASSPRD", bs, "[DN] bias spread"), ("DARKCUR", dc, "[electron/s] good median"),
        ("HOTTHR", hot_thr, "[electron/s] hot threshold"),
        ("WARMTHR", warm_thr, "[electron/s] warm threshold"),
        ("SATURATE", sat, "[DN] saturation level incl. bias"),
        ("IPCALPHA", alpha, "IPC coupling per 4-neighbour")]
        + [(f"CLASS{i}", name, f"class of label {i}") for i, name in enumerate(PIXEL_CLASSES)])
    return RampSimulation(
        data=data[0] if nints == 1 else data, times=times * u.s, classes=PIXEL_CLASSES,
        labels=labels.reshape(ny, nx), dark_current=rate_map * _E_S, ipc_lit=ipc_lit,
        cosmic_ray_group=cr_group.reshape(ny, nx), gain=g * u.electron / u.DN,
        read_noise=rn * u.electron, group_time=dt * u.s, bias=bias2d * u.DN,
        saturation=sat * u.DN, ipc_alpha=alpha, hot_threshold=hot_thr * _E_S,
        warm_threshold=warm_thr * _E_S, meta=meta,
        cosmic_ray_step=cr_step.reshape(ny, nx) * u.electron)
