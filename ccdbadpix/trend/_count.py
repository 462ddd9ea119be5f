"""Counting a trend's epochs one at a time: each epoch's hot map per level, folded into
the pixel tracker, in bounded memory."""

import numpy as np
from astropy import units as u

from ccdbadpix.dq.flags import DQ
from ccdbadpix.trend._inputs import _load_mask
from ccdbadpix.trend._tracker import _Tracker
from ccdbadpix.utils._progress import _progress

__all__ = []

_NOT_SCIENCE = DQ.REFERENCE_PIXEL | DQ.NON_SCIENCE
#: The per-epoch, per-level counts, in the order `_Tracker.update` returns them.
_COUNTS = ("count", "new", "returned", "healed")


class _MaskReader:
    """Hot maps of mask epochs: the pixels carrying each level's flags."""

    def __init__(self, levels):
        self.flags = levels.flags
        self.not_science = None  # pixels ever flagged REFERENCE_PIXEL or NON_SCIENCE

    def __call__(self, k, epoch):
        """``(shape, hot maps, measured)`` of epoch ``k``; every mask pixel is measured."""
        data = _load_mask(epoch).data
        ns = (data & np.uint32(_NOT_SCIENCE)) != 0
        self.not_science = ns if self.not_science is None else self.not_science | ns
        return data.shape, [(data & value) != 0 for value in self.flags], None

    def n_excluded(self):
        """Pixels left out of the fractions: not science at any epoch."""
        return int(np.count_nonzero(self.not_science)) if self.not_science is not None else 0


class _RateReader:
    """Hot maps of dark and rate epochs: the pixels at or above each threshold."""

    def __init__(self, levels, n_epochs, gain, unit, exposure_key):
        self.thresholds = levels.values
        self.load = _rate_loader(gain, unit, exposure_key)
        self.unit = self.gain = self.values = None  # set by the first epoch
        self.unmeasured = np.zeros(n_epochs, dtype=np.int64)
        self.medians = np.full(n_epochs, np.nan)

    def __call__(self, k, epoch):
        """``(shape, hot maps, measured)`` of epoch ``k``; NaN rates are not measured."""
        dc = self.load(epoch)
        self._check_unit(dc, epoch)
        data = dc.rate
        finite = np.isfinite(data)
        with np.errstate(invalid="ignore"):
            hots = [data >= _at_least(v, data.dtype) for v in self.values]
        self.unmeasured[k] = data.size - int(np.count_nonzero(finite))
        self.medians[k] = _median(data, finite)
        return data.shape, hots, (None if finite.all() else finite)

    def _check_unit(self, dc, epoch):
        """The first epoch sets the working unit and thresholds; the others must match."""
        if self.unit is None:
            self.unit, self.gain = dc.unit, dc.gain
            self.values = _rate_threshold_values(self.thresholds, self.unit, dc.gain)
        elif dc.unit != self.unit:
            raise u.UnitsError(f"{epoch.name} gives rates in {dc.unit} but earlier "
                               f"epochs in {self.unit}; give gain=")

    def median_rates(self):
        """The per-epoch medians in the thresholds' unit."""
        from ccdbadpix.utils._units import _convert_factor

        unit = self.thresholds.unit
        return self.medians * _convert_factor(self.unit, unit, self.gain, "median") * unit

    def n_excluded(self):
        return 0


def _count_epochs(epochs, n_levels, read, progress):
    """Fold every epoch's hot maps (from ``read``) into a `_Tracker`.

    Returns the tracker and a dict of (n_epochs, n_levels) arrays: ``count`` (pixels
    hot), ``new`` (hot for the first time), ``returned`` (hot again after healing),
    ``healed`` (hot at the previous epoch, not now).
    """
    n_ep = len(epochs)
    counts = {name: np.zeros((n_ep, n_levels), dtype=np.int64) for name in _COUNTS}
    tracker = shape = None
    for k, epoch in enumerate(_progress(epochs, progress)):
        epoch_shape, hots, measured = read(k, epoch)
        if tracker is None:
            shape = epoch_shape
            tracker = _Tracker(n_levels, shape, n_ep)
        elif epoch_shape != shape:
            raise ValueError(f"the epochs have different shapes: {epochs[0].name} {shape}, "
                             f"{epoch.name} {epoch_shape}")
        for j, hot in enumerate(hots):
            row = tracker.update(j, hot, measured)
            for name, value in zip(_COUNTS, row, strict=True):
                counts[name][k, j] = value
        tracker.n += 1
    return tracker, counts


def _show_progress(epochs, progress):
    """None: a progress bar for more than 20 epochs or images of 4 Mpix or more."""
    if progress is not None:
        return progress
    big = epochs[0].shape is not None and np.prod(epochs[0].shape) >= 4_000_000
    return len(epochs) > 20 or big


def _rate_loader(gain, unit, exposure_key):
    from ccdbadpix.darks._inputs import _load_darks
    from ccdbadpix.darks.current import _combine

    def load(epoch):
        loaded = _load_darks(epoch.item, unit=unit, exposure_key=exposure_key)
        for d in loaded:
            d.name = epoch.name
        return _combine(loaded, gain=gain)

    return load


def _at_least(value, dtype):
    """The smallest number of ``dtype`` at or above ``value``: ``x >= it`` in that dtype
    is ``x >= value`` exactly, without converting the image to float64."""
    if dtype != np.float32:
        return value
    v = np.float32(value)
    return np.nextafter(v, np.float32(np.inf)) if v < value else v


def _median(data, finite):
    """Median of the measured rates; above 1 Mpix, of every 4th pixel in x and y."""
    if not finite.any():
        return np.nan
    if data.size > 1_000_000:
        data, finite = data[::4, ::4], finite[::4, ::4]
        if not finite.any():
            return np.nan
    return float(np.median(data[finite]))


def _rate_threshold_values(levels, work_unit, gain):
    from ccdbadpix.utils._units import _convert_factor

    factor = _convert_factor(levels.unit, work_unit, gain, "thresholds")
    return levels.value * factor
