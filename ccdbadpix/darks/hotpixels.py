"""`find_hot_pixels`: hot and warm pixels of dark frames, as a JWST DQ mask."""

import warnings

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.stats import mad_std, sigma_clip
from astropy.time import Time
from astropy.utils.exceptions import AstropyUserWarning
from scipy import fft, ndimage

from ccdbadpix.darks.current import _combine, _convert_factor, _load_darks
from ccdbadpix.dq.flags import DQ, flags_to_value
from ccdbadpix.dq.mask import DQMask
from ccdbadpix.utils._checks import _integer, _real
from ccdbadpix.utils._files import _fits_str
from ccdbadpix.utils._units import _as_quantity

__all__ = ["find_hot_pixels", "measure_ipc"]

_NEIGHBOR_MODES = ("none", "above", "cross")
_CROSS = ndimage.generate_binary_structure(2, 1)


#: Largest accepted IPC coupling (exclusive). The kernel ``[[0,a,0],[a,1-4a,a],[0,a,0]]``
#: multiplies a checkerboard pattern by ``1 - 8a``: from ``a = 1/8`` on, some patterns
#: are (nearly) cancelled and no inversion can recover the pixels' own signal (noise is
#: amplified a million-fold at 0.2). Measured couplings are about 0.01-0.03.
_IPC_MAX = 0.125


def _remove_ipc(image, alpha):
    """Own signal of each pixel: invert the IPC kernel ``[[0,a,0],[a,1-4a,a],[0,a,0]]``.

    Exact for the kernel applied with the edge pixels repeated beyond the image
    (`scipy.ndimage.convolve` ``mode="nearest"``), which the type-II discrete cosine
    transform diagonalises: the kernel's response at frequencies ``(ky, kx)`` is
    ``1 - 4a + 2a (cos(pi ky / ny) + cos(pi kx / nx))``, above ``1 - 8a > 0`` for every
    accepted ``a < 1/8``.
    """
    if alpha == 0:
        return image
    ny, nx = image.shape
    response = (1.0 - 4.0 * alpha) + 2.0 * alpha * (
        np.cos(np.pi * np.arange(ny) / ny)[:, None] + np.cos(np.pi * np.arange(nx) / nx))
    coefficients = fft.dctn(image, type=2, norm="ortho")
    coefficients /= response.astype(coefficients.dtype, copy=False)
    return fft.idctn(coefficients, type=2, norm="ortho")


def measure_ipc(rate, *, min_snr=50, isolation=0.25, min_pixels=3):
    """Inter-pixel-capacitance coupling measured around isolated bright pixels.

    The charge of a pixel couples a fraction ``alpha`` into each of its four
    nearest neighbours (kernel ``[[0, a, 0], [a, 1-4a, a], [0, a, 0]]``). Around an
    isolated hot pixel, the neighbours' excess over the background is
    ``alpha / (1 - 4 alpha)`` times the pixel's own excess; the median of that
    ratio over the isolated bright pixels gives ``alpha``.

    Parameters
    ----------
    rate : array-like or `~astropy.units.Quantity`
        A dark-current (or any signal) map with some isolated bright pixels.
    min_snr : float, optional
        Bright pixels used stand at least this many robust standard deviations
        above the median.
    isolation : float, optional
        A bright pixel is isolated when none of its four neighbours exceeds this
        fraction of its excess (so it is not part of a cluster of defects).
    min_pixels : int, optional
        Fewest isolated bright pixels needed; with fewer the coupling cannot be
        measured and `None` is returned.

    Returns
    -------
    alpha : float or None
        The coupling per neighbour, or `None` if it could not be measured.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import ndimage
    >>> from ccdbadpix import measure_ipc
    >>> rng = np.random.default_rng(1)
    >>> charge = rng.normal(10.0, 0.1, (64, 64))
    >>> charge[8::16, 8::16] = 5000.0
    >>> kernel = np.array([[0, 0.01, 0], [0.01, 0.96, 0.01], [0, 0.01, 0]])
    >>> round(measure_ipc(ndimage.convolve(charge, kernel)), 3)
    0.01
    """
    image = np.asarray(getattr(rate, "value", rate))
    if image.dtype.kind not in "uif":
        raise TypeError(f"rate must be an image of numbers, got {type(rate).__name__} "
                        f"of dtype {image.dtype}")
    if image.ndim != 2:
        raise ValueError(f"rate must be a 2-D image, got shape {image.shape}")
    _real(min_snr, "min_snr", low=0, low_open=True, expected="a positive number")
    isolation = _real(isolation, "isolation", low=0, high=1, low_open=True,
          expected="a fraction in (0, 1]")
    _integer(min_pixels, "min_pixels", 1)
    image = image.astype(np.float32 if image.dtype == np.float32 else float, copy=False)
    finite = np.isfinite(image)
    values = image[finite]
    if values.size < 9:
        return None
    sample = values[:: max(1, values.size // 1_000_000)]  # background statistics only
    background = np.median(sample)
    noise = mad_std(sample)
    excess = np.where(finite, image - background, 0.0)
    bright = excess[1:-1, 1:-1] > min_snr * max(float(noise), np.finfo(float).tiny)
    y, x = np.nonzero(bright)
    y, x = y + 1, x + 1  # interior pixels only
    if y.size == 0:
        return None
    centre = excess[y, x]
    neigh = np.stack([excess[y - 1, x], excess[y + 1, x], excess[y, x - 1], excess[y, x + 1]])
    # isolated: a local maximum whose eight neighbours hold a small fraction of its excess
    diag = np.stack([excess[y - 1, x - 1], excess[y - 1, x + 1], excess[y + 1, x - 1],
                     excess[y + 1, x + 1]])
    isolated = (neigh.max(axis=0) < isolation * centre) & (diag.max(axis=0) < centre)
    if isolated.sum() < min_pixels:
        return None
    ratio = float(np.median(neigh[:, isolated].mean(axis=0) / centre[isolated]))
    ratio = max(ratio, 0.0)
    return ratio / (1.0 + 4.0 * ratio)


def _threshold_value(value, name, work, gain):
    q = _as_quantity(value, name)
    if q.ndim != 0:
        raise ValueError(f"{name} must be a single value, got shape {q.shape}")
    value = float(q.value * _convert_factor(q.unit, work, gain, name))
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive, finite rate, got {q}")
    return value


def _choice(value, name, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, "
                         f"got {value!r}")


def _check_options(method, neighbors, threshold, sigma, maxiters, ipc):
    """Validate find_hot_pixels' scalar options before any work."""
    _choice(method, "method", ("absolute", "sigma"))
    _choice(neighbors, "neighbors", _NEIGHBOR_MODES)
    if method == "sigma" and threshold is not None:
        raise ValueError("threshold is not used with method='sigma'; give sigma= instead")
    _real(sigma, "sigma", low=0, low_open=True, expected="a positive number")
    if maxiters is not None:
        _integer(maxiters, "maxiters", 1)
    if ipc is not None:
        expected = f"a coupling per neighbour in [0, {_IPC_MAX})"
        alpha = _real(ipc, "ipc", low=0, expected=expected)
        if alpha >= _IPC_MAX:
            raise ValueError(f"ipc must be {expected}: from 1/8 on the IPC kernel cannot be "
                             f"inverted (measured couplings are about 0.01-0.03), got {ipc}")


def _measured_ipc(rate):
    """IPC coupling measured on the dark-current map (0, with a warning, if impossible)."""
    alpha = measure_ipc(rate)
    if alpha is None:
        warnings.warn("could not measure the IPC coupling (too few isolated bright "
                      "pixels); assuming none. Pass ipc= to set it.",
                      AstropyUserWarning, stacklevel=3)
        return 0.0
    if alpha >= _IPC_MAX:
        raise ValueError(f"the IPC coupling measured on the darks ({alpha:.3g}) is 1/8 or "
                         "more, which cannot be inverted; pass ipc= (a coupling below 1/8)")
    return alpha


#: Above these, a hot-pixel result is implausible (see `_warn_if_implausible`).
_IMPLAUSIBLE_HOT_FRACTION = 0.25
_IMPLAUSIBLE_MEDIAN = {u.electron / u.s: 1000.0, u.adu / u.s: 1000.0}


def _warn_if_implausible(rate, hot, unmeasurable, work, thr):
    """Warn when most pixels are hot or the median dark current is beyond any detector's.

    Cooled astronomical CCDs and infrared arrays have median dark currents far below
    1 electron/s, and a few per cent of hot pixels at most; darks that still hold the
    bias, or a wrong exposure time, unit or gain, give far more.
    """
    measurable = ~unmeasurable
    n = int(np.count_nonzero(measurable))
    fraction = np.count_nonzero(hot & measurable) / n
    median = float(np.median(rate[measurable]))
    limit = _IMPLAUSIBLE_MEDIAN.get(work, np.inf)
    if fraction <= _IMPLAUSIBLE_HOT_FRACTION and median <= limit:
        return
    unit = work.to_string()
    what = (f"{100 * fraction:.3g} % of the {n} measurable pixels are hot (threshold "
            f"{thr:.4g} {unit}, median dark current {median:.4g} {unit})")
    if median > limit:
        what = (f"the median dark current, {median:.4g} {unit}, is far above any cooled "
                f"detector's ({100 * fraction:.3g} % of the pixels are hot)")
    warnings.warn(
        f"find_hot_pixels: implausible result: {what}. The darks are likely not "
        "bias-subtracted, or the exposure time, unit or gain is wrong (or the threshold is "
        "below the detector's typical dark current).", AstropyUserWarning, stacklevel=3)


def find_hot_pixels(darks, *, exposure_time=None, gain=None, threshold=None,
                    warm_threshold=None, method="absolute", sigma=5.0, maxiters=5,
                    saturation=None, neighbors="above", ipc=None, unit=None,
                    exposure_key="EXPTIME", hot_flags="HOT,DO_NOT_USE", warm_flags="WARM",
                    neighbor_flags="OTHER_BAD_PIXEL", nonproportional_sigma=5.0,
                    nonproportional_rtol=0.1):
    """Find hot and warm pixels in dark frames; return a JWST-convention DQ mask.

    The darks are turned into a dark-current map (counts / exposure time, times
    the gain), and pixels above a threshold are flagged.

    Parameters
    ----------
    darks : `~astropy.nddata.CCDData`, `~astropy.units.Quantity`, array, path, or a sequence
        One dark or several; `~astropy.nddata.NDData` is accepted too.
        One bias-subtracted dark, or several of different exposure times, in
        counts (adu, DN, electron) or as rate maps (adu/s, DN/s, electron/s).
        Plain arrays need ``unit=``. Inputs are not modified.
    exposure_time : `~astropy.units.Quantity`, float or sequence, optional
        Exposure time(s) (seconds if plain numbers). Default: each dark's
        ``exposure_key`` header keyword (``EXPTIME``).
    gain : `~astropy.units.Quantity` or float, optional
        Electrons per adu (or DN); turns counts into electrons.
    threshold : `~astropy.units.Quantity`, optional
        Hot-pixel threshold on the dark current, in electron/s, adu/s or DN/s
        (with a gain, either works). Default ``1 electron / s``. Pixels at or
        above it are hot. Not used with ``method="sigma"``.
    warm_threshold : `~astropy.units.Quantity`, optional
        Pixels at or above it, but not hot, are warm.
    method : {"absolute", "sigma"}
        ``"absolute"``: compare with ``threshold``. ``"sigma"``: the Ariel data
        challenge rule, ``sigma_clip(rate, sigma=sigma, maxiters=maxiters)``:
        high outliers are hot, low outliers are flagged UNRELIABLE_DARK, so that
        with ``neighbors="above"`` the bad pixels are exactly the clipped ones.
    sigma, maxiters : float, int
        Clipping parameters of ``method="sigma"``.
    saturation : `~astropy.units.Quantity` or float, optional
        Saturation level of the darks (plain numbers in the darks' unit). Pixels
        saturated in the longest dark are flagged SATURATED; with several darks
        their rate is measured in a shorter dark; pixels saturated in every dark
        are flagged SATURATED, HOT and DO_NOT_USE.
    neighbors : {"above", "none", "cross"}
        ``"above"``: every pixel above the threshold, including neighbours lit
        only through inter-pixel capacitance (IPC). ``"none"``: only pixels hot
        in their own right: the IPC kernel ``[[0, a, 0], [a, 1-4a, a], [0, a, 0]]``
        is inverted exactly (solved in the discrete cosine transform domain, edge
        pixels repeated beyond the image) before comparing with the threshold. ``"cross"``:
        ``"above"`` plus the four neighbours of each pixel hot in its own right,
        flagged with
        ``neighbor_flags`` (so they can be ignored separately).
    ipc : float, optional
        IPC coupling per neighbour (``alpha``) for ``"none"`` and ``"cross"``, in
        [0, 1/8): from 1/8 on the kernel cancels some patterns (a checkerboard is
        multiplied by ``1 - 8a``) and cannot be inverted; measured couplings are
        about 0.01-0.03. Default: measured from the dark-current map with
        `measure_ipc` (zero, with a warning, when it cannot be measured).
    unit : `~astropy.units.Unit`, optional
        Unit of plain-array darks or of FITS files without BUNIT.
    exposure_key : str, optional
        Header keyword holding the exposure time in seconds.
    hot_flags, warm_flags, neighbor_flags : str, optional
        DQ flags given to hot pixels (default ``HOT,DO_NOT_USE``), warm pixels
        (``WARM``) and cross neighbours (``OTHER_BAD_PIXEL``).
    nonproportional_sigma, nonproportional_rtol : float, optional
        With several exposure times, a pixel whose dark current differs between
        two exposure times by more than ``nonproportional_sigma`` standard
        deviations (robust scatter of the difference plus shot noise) and more
        than ``nonproportional_rtol`` of its rate is flagged UNRELIABLE_DARK:
        its dark signal is not proportional to exposure time.

    Returns
    -------
    mask : `~ccdbadpix.DQMask`
        The DQ mask; its header records the method, thresholds with units,
        neighbour mode, IPC coupling, inputs, counts and version. Pixels that are
        not finite or masked in the input (the ``mask`` of a CCDData/NDData, the
        mask of a `numpy.ma` array) are not measured and are flagged DO_NOT_USE
        and UNRELIABLE_DARK.

    Raises
    ------
    astropy.units.UnitsError
        If the threshold and the dark current cannot be compared (e.g. a
        threshold in electron/s for darks in adu without a gain).
    ValueError
        For a missing or non-positive exposure time, images of different shapes,
        unknown method or neighbour mode, a non-positive or non-finite threshold,
        gain, saturation or ``sigma``, flags naming no flag, an input mask of the
        wrong shape, darks with no finite unmasked pixel, and other bad input
        (the message names the parameter).
    TypeError
        For a value of the wrong type (a string or a boolean where a number
        belongs, an unsupported kind of dark).

    Warns
    -----
    astropy.utils.exceptions.AstropyUserWarning
        When the result is implausible: more than 25 % of the measurable pixels
        are hot, or the median dark current is above 1000 electron/s (or 1000
        adu/s without a gain), far above any cooled detector's. Darks that still
        hold the bias, or a wrong exposure time, unit or gain, do this. Also when
        the IPC coupling must be measured and cannot be.

    Examples
    --------
    >>> import numpy as np
    >>> import astropy.units as u
    >>> from astropy.nddata import CCDData
    >>> from ccdbadpix import find_hot_pixels
    >>> data = np.zeros((5, 5))
    >>> data[2, 2] = 600.0                      # 600 adu in 100 s: 6 adu/s
    >>> dark = CCDData(data, unit="adu", meta={"EXPTIME": 100.0})
    >>> mask = find_hot_pixels(dark, gain=1.5 * u.electron / u.adu,
    ...                        threshold=1 * u.electron / u.s)
    >>> mask.counts()
    {'DO_NOT_USE': 1, 'HOT': 1}
    >>> mask.meta["HOTTHR"], mask.meta["HOTUNIT"]
    (1.0, 'electron / s')
    """
    _check_options(method, neighbors, threshold, sigma, maxiters, ipc)
    values = {}
    for name, flags in (("hot_flags", hot_flags), ("warm_flags", warm_flags),
                        ("neighbor_flags", neighbor_flags)):
        values[name] = flags_to_value(flags, name)
        if values[name] == 0:
            raise ValueError(f"{name} must name at least one DQ flag, got {flags!r}")

    loaded = _load_darks(darks, unit=unit, exposure_time=exposure_time,
                         exposure_key=exposure_key)
    current = _combine(loaded, gain=gain, saturation=saturation,
                       nonproportional_sigma=nonproportional_sigma,
                       nonproportional_rtol=nonproportional_rtol)
    rate, work = current.rate, current.unit
    if current.unmeasurable.all():
        raise ValueError("darks: no pixel is finite and unmasked; there is no dark current "
                         "to measure")

    if threshold is None and method == "absolute":
        threshold = 1 * u.electron / u.s
    thr = warm = None
    if method == "absolute":
        thr = _threshold_value(threshold, "threshold", work, current.gain)
    if warm_threshold is not None:
        warm = _threshold_value(warm_threshold, "warm_threshold", work, current.gain)
        if thr is not None and warm >= thr:
            raise ValueError(f"warm_threshold ({warm_threshold}) must be below threshold "
                             f"({threshold})")

    low = None
    with np.errstate(invalid="ignore"):
        if method == "absolute":
            hot_obs = rate >= thr
        else:
            with warnings.catch_warnings():  # non-finite pixels are flagged below
                warnings.filterwarnings("ignore", "Input data contains invalid values",
                                        AstropyUserWarning)
                _, lower, upper = sigma_clip(rate, sigma=sigma, maxiters=maxiters,
                                             return_bounds=True)
            thr = float(upper)
            hot_obs = rate > upper
            low = rate < lower
        sat_all = current.saturated_all
        if sat_all is not None:
            hot_obs |= sat_all
        warm_obs = None
        if warm is not None:
            warm_obs = (rate >= warm) & ~hot_obs

    alpha = None
    hot = hot_obs
    if neighbors != "above":
        alpha = float(ipc) if ipc is not None else _measured_ipc(rate)
        filled = np.where(np.isfinite(rate), rate, 0.0)
        with np.errstate(invalid="ignore"):
            own = _remove_ipc(filled, alpha)
            own_hot = own >= thr  # intrinsic rate: IPC also takes 4a of a pixel's own
            if sat_all is not None:
                own_hot |= sat_all
            if neighbors == "none":
                hot = own_hot
                if warm is not None:
                    warm_obs = (own >= warm) & ~own_hot

    # assemble the DQ image
    dq = np.zeros(rate.shape, dtype=np.uint32)  # flags are sparse: set them by index
    dq[hot] = np.uint32(values["hot_flags"])
    if warm_obs is not None:
        dq[warm_obs] |= np.uint32(values["warm_flags"])
    if neighbors == "cross":
        ring = ndimage.binary_dilation(own_hot, structure=_CROSS) & ~hot
        dq[ring] |= np.uint32(values["neighbor_flags"])
    if current.saturated_longest is not None:
        dq[current.saturated_longest] |= np.uint32(DQ.SATURATED)
    if sat_all is not None:
        dq[sat_all] |= np.uint32(DQ.SATURATED | DQ.HOT | DQ.DO_NOT_USE)
    if current.nonproportional is not None:
        dq[current.nonproportional] |= np.uint32(DQ.UNRELIABLE_DARK)
    if low is not None:
        dq[low] |= np.uint32(DQ.UNRELIABLE_DARK)
    if current.unmeasurable.any():
        dq[current.unmeasurable] |= np.uint32(DQ.DO_NOT_USE | DQ.UNRELIABLE_DARK)

    _warn_if_implausible(rate, hot, current.unmeasurable, work, thr)
    header = _provenance(loaded, current, method=method, threshold=threshold, thr=thr,
                         warm_threshold=warm_threshold, sigma=sigma, maxiters=maxiters,
                         saturation=saturation, neighbors=neighbors, alpha=alpha,
                         hot=hot, warm=warm_obs)
    if neighbors == "cross":
        header["NNEIGH"] = (int(np.count_nonzero(ring)), "cross neighbours flagged")
        header["NEIGHFLG"] = (int(values["neighbor_flags"]), "DQ value of cross neighbours")
    return DQMask._wrap(dq, header)


def _card_value(value):
    """A dark's metadata value as a FITS card value (a `~astropy.time.Time` as ISO text)."""
    if isinstance(value, Time):
        return value.utc.isot if value.isscalar else _fits_str(value)
    if isinstance(value, (str, bool, np.bool_)) or (
            isinstance(value, (int, float, np.number)) and np.isfinite(value)):
        return value
    return _fits_str(value)


def _provenance(loaded, current, *, method, threshold, thr, warm_threshold, sigma, maxiters,
                saturation, neighbors, alpha, hot, warm):
    """FITS-safe header recording how a hot-pixel mask was made."""
    from ccdbadpix import __version__

    work = current.unit.to_string()
    header = fits.Header()
    first = loaded[0].header
    for key in ("TELESCOP", "INSTRUME", "DETECTOR", "SUBARRAY", "DATE-OBS", "SUBSTRT1",
                "SUBSTRT2", "SUBSIZE1", "SUBSIZE2"):
        if key in first:
            header[key] = _card_value(first[key])
    header["ORIGIN"] = ("ccdbadpix", "software that made this mask")
    header["CREATOR"] = (_fits_str(f"ccdbadpix {__version__}"), "software and version")
    header["BPFUNC"] = ("find_hot_pixels", "ccdbadpix function that made this mask")
    header["BPMETHOD"] = (method, "hot-pixel method: absolute or sigma")
    header["RATEUNIT"] = (work, "unit of the dark-current map")
    if method == "absolute":
        q = u.Quantity(threshold)
        header["HOTTHR"] = (float(q.value), "hot threshold as given")
        header["HOTUNIT"] = (q.unit.to_string(), "unit of HOTTHR")
    else:
        header["BPSIGMA"] = (float(sigma), "sigma_clip sigma")
        header["BPMAXIT"] = (int(maxiters) if maxiters is not None else -1, "sigma_clip maxiters")
    header["HOTRATE"] = (float(thr), f"hot threshold in {work}")
    if warm_threshold is not None:
        q = u.Quantity(warm_threshold)
        header["WARMTHR"] = (float(q.value), "warm threshold as given")
        header["WARMUNIT"] = (q.unit.to_string(), "unit of WARMTHR")
    header["BPNEIGH"] = (neighbors, "neighbour mode: none, above or cross")
    if alpha is not None:
        header["IPCALPHA"] = (float(alpha), "IPC coupling per neighbour used")
    if current.gain is not None:
        header["GAIN"] = (current.gain, "gain used [electron / adu]")
    if saturation is not None:
        q = u.Quantity(saturation)
        header["SATURATE"] = (float(q.value), f"saturation level [{q.unit.to_string()}]")
    header["NDARKS"] = (len(loaded), "number of darks combined")
    for i, d in enumerate(loaded, start=1):
        if i > 99:
            break
        header[f"DARK{i}"] = (_fits_str(d.name), "input dark")
        if d.exptime is not None:
            header[f"EXPTIM{i}"] = (d.exptime, f"exposure time of DARK{i} [s]")
    header["NHOT"] = (int(np.count_nonzero(hot)), "hot pixels")
    if warm is not None:
        header["NWARM"] = (int(np.count_nonzero(warm)), "warm pixels")
    if current.saturated_all is not None:  # NSAT: the pixels flagged SATURATED
        header["NSAT"] = (int(np.count_nonzero(current.saturated_longest)),
                          "pixels saturated in the longest dark")
        header["NSATALL"] = (int(np.count_nonzero(current.saturated_all)),
                             "pixels saturated in every dark")
    if current.nonproportional is not None:
        header["NNONPROP"] = (int(np.count_nonzero(current.nonproportional)),
                              "dark not proportional to time")
    header["NNONFIN"] = (int(np.count_nonzero(current.unmeasurable)),
                         "non-finite or masked input pixels")
    header["DATE"] = (Time.now().isot[:19], "mask creation date (UTC)")
    header.add_history(f"ccdbadpix find_hot_pixels: method={method}, hot >= {thr:.6g} {work}, "
                       f"neighbors={neighbors}")
    return header
