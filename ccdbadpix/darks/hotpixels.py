"""`find_hot_pixels`: hot and warm pixels of dark frames, as a JWST DQ mask, in named steps
(check the options, measure the dark current, compare with the thresholds, remove IPC,
assemble the DQ image and its header)."""

import warnings
from dataclasses import dataclass

import astropy.units as u
import numpy as np
from astropy.stats import sigma_clip
from astropy.utils.exceptions import AstropyUserWarning
from scipy import ndimage

from ccdbadpix.darks._inputs import _load_darks
from ccdbadpix.darks._provenance import _provenance
from ccdbadpix.darks.current import _combine
from ccdbadpix.darks.ipc import _IPC_MAX, _measured_ipc, _remove_ipc
from ccdbadpix.dq.flags import DQ, flags_to_value
from ccdbadpix.dq.mask import DQMask
from ccdbadpix.utils._checks import _integer, _real
from ccdbadpix.utils._units import _as_quantity, _convert_factor

__all__ = ["find_hot_pixels"]

_NEIGHBOR_MODES = ("none", "above", "cross")
_CROSS = ndimage.generate_binary_structure(2, 1)


@dataclass
class _Found:
    """The pixels `find_hot_pixels` flags, before they become DQ flags."""

    hot: np.ndarray
    warm: np.ndarray | None
    low: np.ndarray | None  # method="sigma": the low outliers
    thr: float  # hot threshold in the dark-current unit
    warm_thr: float | None  # warm threshold in the dark-current unit
    own_hot: np.ndarray | None = None  # hot in their own right (IPC removed)
    alpha: float | None = None  # IPC coupling used


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

def _flag_values(hot_flags, warm_flags, neighbor_flags):
    """The DQ values of the ``*_flags`` options, each naming at least one flag."""
    values = {}
    for name, flags in (("hot_flags", hot_flags), ("warm_flags", warm_flags),
                        ("neighbor_flags", neighbor_flags)):
        values[name] = flags_to_value(flags, name)
        if values[name] == 0:
            raise ValueError(f"{name} must name at least one DQ flag, got {flags!r}")
    return values


def _rate_thresholds(method, threshold, warm_threshold, current):
    """Hot (None for ``method="sigma"``) and warm thresholds in the dark-current unit."""
    thr = warm = None
    if method == "absolute":
        thr = _threshold_value(threshold, "threshold", current.unit, current.gain)
    if warm_threshold is not None:
        warm = _threshold_value(warm_threshold, "warm_threshold", current.unit, current.gain)
        if thr is not None and warm >= thr:
            raise ValueError(f"warm_threshold ({warm_threshold}) must be below threshold "
                             f"({threshold})")
    return thr, warm


def _sigma_outliers(rate, sigma, maxiters):
    """The Ariel rule: upper clipping bound, high and low outliers of `sigma_clip`."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        # non-finite pixels are flagged as unmeasurable
        warnings.filterwarnings("ignore", "Input data contains invalid values",
                                AstropyUserWarning)
        _, lower, upper = sigma_clip(rate, sigma=sigma, maxiters=maxiters,
                                     return_bounds=True)
        return float(upper), rate > upper, rate < lower


def _above_thresholds(current, method, thr, warm_thr, sigma, maxiters):
    """Pixels whose observed dark current is hot or warm (saturated everywhere: hot)."""
    rate, sat_all = current.rate, current.saturated_all
    low = None
    if method == "absolute":
        with np.errstate(invalid="ignore"):
            hot = rate >= thr
    else:
        thr, hot, low = _sigma_outliers(rate, sigma, maxiters)
    if sat_all is not None:
        hot |= sat_all
    warm = None
    if warm_thr is not None:
        with np.errstate(invalid="ignore"):
            warm = (rate >= warm_thr) & ~hot
    return _Found(hot, warm, low, thr, warm_thr)


def _hot_in_own_right(found, current, alpha, replace):
    """Pixels hot with the IPC kernel inverted: IPC also takes ``4 alpha`` of a pixel's own.

    Sets ``found.own_hot`` and ``found.alpha``; with ``replace`` (``neighbors="none"``) the
    pixels hot and warm in their own right replace the observed ones.
    """
    rate, sat_all = current.rate, current.saturated_all
    filled = np.where(np.isfinite(rate), rate, 0.0)
    own = _remove_ipc(filled, alpha)
    own_hot = own >= found.thr
    if sat_all is not None:
        own_hot |= sat_all
    found.own_hot, found.alpha = own_hot, alpha
    if replace:
        found.hot = own_hot
        if found.warm_thr is not None:
            found.warm = (own >= found.warm_thr) & ~own_hot


def _dq_image(found, current, values, cross):
    """The DQ image of the found pixels, and the cross neighbours (None unless ``cross``)."""
    dq = np.zeros(current.rate.shape, dtype=np.uint32)  # flags are sparse: set them by index
    dq[found.hot] = np.uint32(values["hot_flags"])
    if found.warm is not None:
        dq[found.warm] |= np.uint32(values["warm_flags"])
    ring = None
    if cross:
        ring = ndimage.binary_dilation(found.own_hot, structure=_CROSS) & ~found.hot
        dq[ring] |= np.uint32(values["neighbor_flags"])
    if current.saturated_longest is not None:
        dq[current.saturated_longest] |= np.uint32(DQ.SATURATED)
    if current.saturated_all is not None:
        dq[current.saturated_all] |= np.uint32(DQ.SATURATED | DQ.HOT | DQ.DO_NOT_USE)
    if current.nonproportional is not None:
        dq[current.nonproportional] |= np.uint32(DQ.UNRELIABLE_DARK)
    if found.low is not None:
        dq[found.low] |= np.uint32(DQ.UNRELIABLE_DARK)
    if current.unmeasurable.any():
        dq[current.unmeasurable] |= np.uint32(DQ.DO_NOT_USE | DQ.UNRELIABLE_DARK)
    return dq, ring


#: Above these, a hot-pixel result is implausible (see `_warn_if_implausible`).
_IMPLAUSIBLE_HOT_FRACTION = 0.25
_IMPLAUSIBLE_MEDIAN = {u.electron / u.s: 1000.0, u.adu / u.s: 1000.0}


def _warn_if_implausible(rate, hot, unmeasurable, work, thr):
    """Warn when most pixels are hot or the median dark current is beyond any detector's.

    Cooled astronomical CCDs and infrared arrays have median dark currents far below
    1 electron/s, and a few per cent of hot pixels at most; darks that still hold the
    bias, or a wrong exposure time, unit or gain, give far more.
    """
    n_bad = int(np.count_nonzero(unmeasurable))
    n = rate.size - n_bad
    n_hot = np.count_nonzero(hot) - (np.count_nonzero(hot & unmeasurable) if n_bad else 0)
    fraction = n_hot / n
    limit = _IMPLAUSIBLE_MEDIAN.get(work, np.inf)
    # the median is above the limit exactly when more than half the pixels are: a count
    # (NaN, where unmeasurable, never counts), without copying and sorting the whole map;
    # the median itself only for the message
    with np.errstate(invalid="ignore"):
        high = np.count_nonzero(rate > limit) > n / 2
    if fraction <= _IMPLAUSIBLE_HOT_FRACTION and not high:
        return
    median = float(np.median(rate[~unmeasurable]))
    unit = work.to_string()
    what = (f"{100 * fraction:.3g} % of the {n} measurable pixels are hot (threshold "
            f"{thr:.4g} {unit}, median dark current {median:.4g} {unit})")
    if high:
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
    values = _flag_values(hot_flags, warm_flags, neighbor_flags)
    loaded = _load_darks(darks, unit=unit, exposure_time=exposure_time,
                         exposure_key=exposure_key)
    current = _combine(loaded, gain=gain, saturation=saturation,
                       nonproportional_sigma=nonproportional_sigma,
                       nonproportional_rtol=nonproportional_rtol)
    if current.unmeasurable.all():
        raise ValueError("darks: no pixel is finite and unmasked; there is no dark current "
                         "to measure")
    if threshold is None and method == "absolute":
        threshold = 1 * u.electron / u.s
    thr, warm_thr = _rate_thresholds(method, threshold, warm_threshold, current)

    found = _above_thresholds(current, method, thr, warm_thr, sigma, maxiters)
    if neighbors != "above":
        alpha = float(ipc) if ipc is not None else _measured_ipc(current.rate)
        _hot_in_own_right(found, current, alpha, replace=neighbors == "none")
    dq, ring = _dq_image(found, current, values, cross=neighbors == "cross")

    _warn_if_implausible(current.rate, found.hot, current.unmeasurable, current.unit,
                         found.thr)
    header = _provenance(loaded, current, method=method, threshold=threshold, thr=found.thr,
                         warm_threshold=warm_threshold, sigma=sigma, maxiters=maxiters,
                         saturation=saturation, neighbors=neighbors, alpha=found.alpha,
                         hot=found.hot, warm=found.warm)
    if ring is not None:
        header["NNEIGH"] = (int(np.count_nonzero(ring)), "cross neighbours flagged")
        header["NEIGHFLG"] = (int(values["neighbor_flags"]), "DQ value of cross neighbours")
    return DQMask._wrap(dq, header)
