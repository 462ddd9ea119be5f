"""Inter-pixel capacitance (IPC): `measure_ipc` around isolated bright pixels, and the exact
inversion of the IPC kernel that gives each pixel's own signal."""

import warnings

import numpy as np
from astropy.stats import mad_std
from astropy.utils.exceptions import AstropyUserWarning
from scipy import fft

from ccdbadpix.utils._checks import _integer, _real

__all__ = ["measure_ipc"]


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
