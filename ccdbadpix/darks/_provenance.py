"""The header of a hot-pixel mask: how it was made (method, thresholds with units, IPC,
inputs, counts, software version), FITS-safe."""

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.time import Time

from ccdbadpix.utils._files import _fits_str

__all__ = []


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
