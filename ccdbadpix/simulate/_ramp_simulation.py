"""`RampSimulation`: a simulated up-the-ramp dark cube with its per-pixel truth, as
returned by `~ccdbadpix.simulate.simulate_ramps`."""

import os
from dataclasses import dataclass

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.nddata import CCDData

from ccdbadpix.simulate._common import _E_S, _check, _int, _ipc
from ccdbadpix.utils._checks import _boolean
from ccdbadpix.utils._files import _atomic_write

__all__ = ["RampSimulation"]


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
        the underlying linear rate for telegraph, nonlinear, cosmic-ray and decreasing;
        the ramp-average rate of decaying hot and warm pixels; before non-linearity).
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
    read_noise_map : `~astropy.units.Quantity`
        (ny, nx) per-read white noise of each pixel in electron, as used: ``read_noise``
        with its per-pixel spread, the noise of ``noisy`` pixels, the residual noise of
        dead pixels (0 for constant and stuck ones); correlated noise not included.
    telegraph_switches : `~numpy.ndarray`
        (ny, nx) int16: for telegraph pixels the smallest number of level transitions in
        an integration (at least 2), -1 for other pixels.
    telegraph_min_reads : `~numpy.ndarray`
        (ny, nx) int16: for telegraph pixels the fewest reads spent at one of its levels
        in an integration (1: a single one-read excursion, which no ramp can tell from a
        one-read glitch), -1 for other pixels.
    telegraph_step : `~astropy.units.Quantity`
        (ny, nx) separation of the two main telegraph levels in electron, 0 elsewhere.
    early_dark_current, mean_dark_current : `~astropy.units.Quantity`
        (ny, nx) electron/s: the dark current each pixel shows over its first two group
        intervals, and from its first to its last read; for ``nonlinear`` pixels
        (RC-like, decelerating) their ``dark_current`` plus the RC charge's rate over
        that span, for the others ``dark_current``.
    effects : `types.MappingProxyType`
        The detector effects used (`DEFAULT_EFFECTS` merged with the ``effects``
        argument of `simulate_ramps`), read-only.

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
    read_noise_map: u.Quantity = None
    telegraph_switches: np.ndarray = None
    telegraph_min_reads: np.ndarray = None
    telegraph_step: u.Quantity = None
    effects: object = None
    early_dark_current: u.Quantity = None
    mean_dark_current: u.Quantity = None

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

    def observable_labels(self, cosmic_ray_step=6.0, ambiguous_step=None,
                          unresolved_within=None, curved_hot="hot", noisy_within=None):
        """Labels as the ramps show them, the truth a ramp classifier is scored against.

        ``labels`` hold each pixel's intrinsic class. Two kinds of good pixels look
        otherwise in their own ramps: pixels lit through IPC by a hot neighbour integrate
        at their IPC-convolved rate (they become ``warm`` or ``hot`` by that rate), and
        neighbours of a cosmic-ray hit carry a step, directly or through IPC from the hit
        pixel (they become ``cosmic_ray`` when the step is at least ``cosmic_ray_step``
        read noises). A ``nonlinear`` pixel whose early dark current
        (``early_dark_current``) is at or above the hot threshold is a hot pixel that
        decelerates as it fills, and is ``hot`` (what a detector team calls it, and the
        label `~ccdbadpix.classify_ramps` gives it) unless ``curved_hot="nonlinear"``;
        one at or above the warm threshold is ``warm`` likewise.

        Parameters
        ----------
        cosmic_ray_step : float, optional
            Smallest step, in read noises, that makes a hit neighbour a ``cosmic_ray``.
        ambiguous_step : float, optional
            If given, good pixels with a smaller step of at least this many read noises
            get the code -1: too small to be detected as a step, such a step still
            raises the measured dark current, so these ramps are neither clearly good
            nor clearly anything else. Leave them out of a score.
        unresolved_within : `~astropy.units.Quantity`, optional
            Scalar or (ny, nx) rate (e.g. a few standard errors of each pixel's measured
            dark current). If given, ``good``, ``warm`` and ``hot`` pixels whose
            IPC-convolved dark current is closer than this to a threshold get the code
            -1: a classifier that flags a pixel only when its dark current is
            significantly above a threshold cannot place them. Leave them out of a score.
            So do ``nonlinear`` pixels (with ``curved_hot="hot"``) whose early dark
            current is that close to a threshold, or above it while their mean dark
            current (``mean_dark_current``) is below it: whether such a pixel is warm
            or hot depends on which rate one calls its dark current.
        noisy_within : float, optional
            If given, ``good`` and ``noisy`` pixels whose white noise
            (``read_noise_map`` over ``read_noise``) is within this many relative
            standard errors of a noise measured from the ramps (``1 / sqrt(2 (ngroups -
            2) nints)``) of the least noise of noisy pixels (header ``NOISYMIN``) get the
            code -1: the spread of good pixels' noise reaches that boundary, and the
            ramps cannot tell on which side of it such a pixel is. Leave them out of a
            score.
        curved_hot : {"hot", "nonlinear"}, optional
            The label of a decelerating pixel whose early dark current is at or above the
            warm or hot threshold: ``"hot"`` (default: ``warm`` or ``hot`` by that rate),
            or ``"nonlinear"``, its shape alone (what the forest of
            `~ccdbadpix.classify_ramps` learns).

        Returns
        -------
        `~numpy.ndarray`
            (ny, nx) int8 codes into ``classes`` (or -1, see ``ambiguous_step`` and
            ``unresolved_within``).

        Examples
        --------
        >>> from ccdbadpix.simulate import simulate_ramps
        >>> sim = simulate_ramps((64, 64), ngroups=10, seed=4)
        >>> obs = sim.observable_labels()
        >>> changed = obs != sim.labels
        >>> sorted({sim.classes[c] for c in sim.labels[changed]})  # what changes
        ['good', 'nonlinear']
        >>> curved = sim.mask("nonlinear")  # hot when their early rate is
        >>> early = sim.early_dark_current[curved].value
        >>> bool(((obs[curved] == sim.classes.index("hot")) == (early >= 1)).all())
        True
        """
        _check(curved_hot in ("hot", "nonlinear"),
               f"curved_hot must be 'hot' or 'nonlinear', got {curved_hot!r}")
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
        curved = labels == self.classes.index("nonlinear")
        early = (self.dark_current if self.early_dark_current is None
                 else self.early_dark_current).to_value(_E_S)
        if curved_hot == "hot":
            labels[curved & (early >= warm_thr)] = self.classes.index("warm")
            labels[curved & (early >= hot_thr)] = self.classes.index("hot")
        if unresolved_within is not None:
            within = np.broadcast_to(u.Quantity(unresolved_within).to_value(_E_S), seen.shape)
            if curved_hot == "hot":
                mean = self.mean_dark_current.to_value(_E_S)
                for thr in (warm_thr, hot_thr):
                    labels[curved & ((np.abs(early - thr) < within)
                                     | ((early >= thr) & (mean < thr)))] = -1
            linear = np.isin(labels, [self.classes.index(c) for c in ("good", "warm", "hot")])
            for thr in (warm_thr, hot_thr):
                labels[linear & (np.abs(seen - thr) < within)] = -1
        if noisy_within is not None:
            labels[self._near_noisy_boundary(noisy_within)
                   & np.isin(labels, [0, self.classes.index("noisy")])] = -1
        return labels

    def _near_noisy_boundary(self, k):
        """(ny, nx) bool: white noise within ``k`` relative standard errors of a measured
        noise of the least noise of noisy pixels (`observable_labels`)."""
        ratio = (self.read_noise_map / self.read_noise).decompose().value
        nints = self.data.shape[0] if self.data.ndim == 4 else 1
        rel = 1 + k / np.sqrt(2 * max(self.times.size - 2, 1) * nints)
        edge = float(self.meta.get("NOISYMIN", 1.5))
        return (ratio > edge / rel) & (ratio < edge * rel)

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
        (column TIME in s), ``LABELS`` (uint8 codes; CLASS0, CLASS1... name the classes),
        ``DARKCUR`` (electron/s), ``CRGROUP`` (int16), ``IPCLIT`` (uint8), ``BIAS`` (DN),
        and when present ``RDNOISE`` (``read_noise_map``, electron), ``TELSWTCH``
        (``telegraph_switches``, int16), ``TELMINRD`` (``telegraph_min_reads``, int16) and
        ``TELSTEP`` (``telegraph_step``, electron).

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
        for name, value in (("RDNOISE", self.read_noise_map), ("TELSWTCH", self.telegraph_switches),
                            ("TELMINRD", self.telegraph_min_reads),
                            ("TELSTEP", self.telegraph_step)):
            if value is not None:
                hdu = fits.ImageHDU(np.asarray(getattr(value, "value", value)), name=name)
                if isinstance(value, u.Quantity):
                    hdu.header["BUNIT"] = "electron"
                hdul.append(hdu)
        _atomic_write(path, lambda tmp: hdul.writeto(tmp, overwrite=True), overwrite)
