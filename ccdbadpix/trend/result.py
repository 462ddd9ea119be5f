"""`HotPixelTrend`: the result of `ccdbadpix.trend_hot_pixels`."""

import numpy as np
from astropy import units as u
from astropy.io import fits as pyfits

from ccdbadpix.dq.mask import DQMask
from ccdbadpix.trend._levels import _level_index
from ccdbadpix.trend._output import _summary, _write
from ccdbadpix.trend._tables import _fit_levels, _fits_table, _steps_table
from ccdbadpix.trend._tracker import _history_flags, _Tracker
from ccdbadpix.trend.plotting import plot_counts
from ccdbadpix.trend.plotting import plot_first_hot as _plot_first_hot
from ccdbadpix.trend.plotting import plot_risk as _plot_risk
from ccdbadpix.trend.risk import _max_interval, unmasked_risk
from ccdbadpix.utils._units import month

__all__ = ["HotPixelTrend"]

_BASES = ("growth", "new")


class HotPixelTrend:
    """Hot-pixel counts, growth fits and pixel histories over many epochs.

    Made by `trend_hot_pixels`; not meant to be built by hand.

    Attributes
    ----------
    table : `~astropy.table.QTable`
        One row per epoch in time order: ``time``, ``name``, ``months`` since the first
        epoch, and for every threshold label ``T`` (``"1"``, ``"3"``, ... for rates in
        the thresholds' unit, the flag names for masks) ``count_T`` (pixels above the
        threshold), ``new_T`` (hot for the first time), ``returned_T`` (hot again after
        having healed), ``healed_T`` (hot at the previous epoch, not now); the last three
        are masked at the first epoch. Rate inputs add ``median_rate`` (of the measured
        pixels; above 1 Mpix, of every 4th pixel in x and y) and ``unmeasured`` (NaN or
        masked pixels, which keep their previous state).
    fits : `~astropy.table.QTable`
        One row per threshold: ``threshold``, ``rate`` and ``rate_err`` (pix/month,
        the common slope across steps; the error is the larger of the fit's and the
        counting noise of the pixels turning hot or healing, ``sqrt(6 N / 5) / T`` for
        N such pixels over T months), ``fraction_per_year`` (of ``n_pixels``),
        ``intercept`` (fitted count at the first epoch), ``n_steps``, ``step`` (their
        total size, see ``steps``), ``scatter`` (robust residual scatter) and ``new_rate`` (pixels
        hot for the first time per month, epochs with a step left out).
    steps : `~astropy.table.QTable`
        One row per step: ``threshold``, ``time`` (known date, or midway between the
        epochs around a detected step), ``size`` (the jump of the counts across the step
        less the fitted growth over the gap), ``size_err`` (from the scatter of the
        epoch-to-epoch changes and ``rate_err``), ``known``.
    thresholds : `~astropy.units.Quantity` or list of str
        The levels: rate thresholds, or the mask flags counted.
    n_pixels : int
        Pixels the fractions refer to (for masks, those never flagged REFERENCE_PIXEL or
        NON_SCIENCE).
    kind : str
        ``"rate"`` or ``"mask"``: what the epochs were.

    Examples
    --------
    >>> import astropy.units as u
    >>> from ccdbadpix import trend_hot_pixels
    >>> from ccdbadpix.simulate import simulate_hot_pixel_series
    >>> sim = simulate_hot_pixel_series((128, 128), 13, new_per_month=20, seed=1)
    >>> trend = trend_hot_pixels(sim.frames)
    >>> print(trend.fits["threshold", "rate", "rate_err", "n_steps"])
    threshold     rate      rate_err  n_steps
      DN / s  pix / month pix / month
    --------- ----------- ----------- -------
          1.0        9.62        1.75       0
          3.0        7.63        1.63       0
         10.0        6.80        1.49       0
        100.0        3.24        1.21       0
    """

    def __init__(self):
        raise TypeError("HotPixelTrend is made by trend_hot_pixels()")

    @classmethod
    def _build(cls, *, table, labels, levels, kind, tracker, n_pixels, known_steps, detect,
               step_sigma, max_steps):
        self = cls.__new__(cls)
        self.table = table
        self.kind = kind
        self.thresholds = levels
        self.n_pixels = int(n_pixels)
        self._labels = list(labels)
        self._tracker = tracker
        self._fit_all(known_steps, detect, step_sigma, max_steps)
        return self

    # -- fits ----------------------------------------------------------------------
    def _fit_all(self, known_steps, detect, step_sigma, max_steps):
        """Fit every level's counts: ``fits``, ``steps`` and the line fits."""
        levels = self.thresholds if self.kind == "rate" else self._labels
        healed = [int(np.count_nonzero(self.healed(label))) for label in self._labels]
        self._fitted, rows, step_rows = _fit_levels(
            self.table, self._labels, levels, healed, self.n_pixels, known_steps, detect,
            step_sigma, max_steps)
        self.fits = _fits_table(rows, step_rows, self.kind, self.table["time"][0].isot,
                                self.n_pixels)
        unit = self.thresholds.unit if self.kind == "rate" else None
        self.steps = _steps_table(step_rows, self.kind, unit)

    def _level_value(self, j):
        return self.thresholds[j] if self.kind == "rate" else self._labels[j]

    def _index(self, threshold):
        """Index of a threshold (Quantity, number in the thresholds' unit, or label)."""
        return _level_index(self.kind, self.thresholds, self._labels, threshold)

    def model(self, threshold=None):
        """Fitted counts at the epochs (with the steps) for one threshold.

        Parameters
        ----------
        threshold : `~astropy.units.Quantity`, float, str or None
            A trended threshold (default: the lowest) or mask flag label.

        Returns
        -------
        counts : `~numpy.ndarray`

        Examples
        --------
        >>> import numpy as np, astropy.units as u
        >>> from ccdbadpix import trend_hot_pixels
        >>> maps = np.zeros((3, 4, 4)); maps[1:, 0, 0] = 5; maps[2, 0, 1] = 5
        >>> trend = trend_hot_pixels(maps * u.DN / u.s, steps=None,
        ...                          times=["2024-01-01", "2024-07-01", "2025-01-01"])
        >>> np.round(trend.model(1 * u.DN / u.s), 2)
        array([0., 1., 2.])
        """
        j = self._index(threshold)
        return self._fitted[j].model(self.table["months"].to_value(month))

    # -- risk ----------------------------------------------------------------------
    def _fraction(self, threshold, basis):
        if basis not in _BASES:
            raise ValueError(f"basis must be one of {_BASES}, got {basis!r}")
        row = self.fits[self._index(threshold)]
        if basis == "growth":
            return row["fraction_per_year"]
        return (row["new_rate"] / (self.n_pixels * u.pix)).to(1 / u.yr)

    def unmasked_risk(self, interval, stamp_shape=(32, 32), n_stamps=1, threshold=None,
                      basis="growth"):
        """Risk that a stamp holds a pixel turned hot since the mask was last updated.

        `ccdbadpix.unmasked_risk` with this detector's fraction of pixels turning hot
        per year.

        Parameters
        ----------
        interval : `~astropy.units.Quantity`
            Time since the last mask update (scalar or array).
        stamp_shape : tuple of int, optional
            Stamp size, default (32, 32).
        n_stamps : int, optional
            Number of stamps, default 1.
        threshold : optional
            Which threshold's growth (default: the lowest threshold, the first flag).
        basis : {"growth", "new"}, optional
            ``"growth"``: the fitted net growth (``fits["fraction_per_year"]``, the
            report's method); ``"new"``: the rate of pixels hot for the first time
            (``fits["new_rate"]``), which stays right when pixels also heal.

        Returns
        -------
        risk : float or `~numpy.ndarray`

        Examples
        --------
        >>> import astropy.units as u
        >>> from ccdbadpix import trend_hot_pixels
        >>> from ccdbadpix.simulate import simulate_hot_pixel_series
        >>> sim = simulate_hot_pixel_series((256, 256), 13, new_per_month=13, seed=2)
        >>> trend = trend_hot_pixels(sim.frames)
        >>> risk = trend.unmasked_risk(1 * u.yr, n_stamps=8)
        >>> 0 < risk < 1
        True
        """
        return unmasked_risk(self._fraction(threshold, basis), interval,
                             stamp_shape=stamp_shape, n_stamps=n_stamps)

    def recommend_cadence(self, max_risk, stamp_shape=(32, 32), n_stamps=1, threshold=None,
                          basis="growth"):
        """The longest mask-update interval that keeps `unmasked_risk` at most ``max_risk``.

        Parameters
        ----------
        max_risk : float
            Largest acceptable probability, between 0 and 1 (e.g. 0.1).
        stamp_shape, n_stamps, threshold, basis
            As in `unmasked_risk`.

        Returns
        -------
        interval : `~astropy.units.Quantity`
            In months (`ccdbadpix.month`, a twelfth of a year); infinite when the count
            does not grow.

        Examples
        --------
        >>> import astropy.units as u
        >>> from ccdbadpix import trend_hot_pixels
        >>> from ccdbadpix.simulate import simulate_hot_pixel_series
        >>> sim = simulate_hot_pixel_series((256, 256), 13, new_per_month=13, seed=2)
        >>> trend = trend_hot_pixels(sim.frames)
        >>> cadence = trend.recommend_cadence(0.1, n_stamps=8)
        >>> cadence.unit, bool(trend.unmasked_risk(cadence, n_stamps=8) <= 0.1 + 1e-9)
        (Unit("month"), True)
        """
        years = _max_interval(self._fraction(threshold, basis), max_risk,
                              stamp_shape=stamp_shape, n_stamps=n_stamps)
        return (years * u.yr).to(month)
    # -- pixels --------------------------------------------------------------------
    def first_hot_epoch(self, threshold=None):
        """Row of ``table`` at which each pixel was first above the threshold; -1: never.

        Pixels already hot at the first epoch get 0 (their true onset is earlier).
        """
        return self._tracker.first[self._index(threshold)].copy()

    def first_hot(self, threshold=None):
        """When each pixel was first seen above the threshold, as MJD; NaN if never.

        Pixels already hot at the first epoch get the first epoch's date.

        Examples
        --------
        >>> import numpy as np, astropy.units as u
        >>> from ccdbadpix import trend_hot_pixels
        >>> maps = np.zeros((3, 2, 2)); maps[1:, 0, 0] = 5
        >>> trend = trend_hot_pixels(maps * u.DN / u.s, steps=None,
        ...                          times=["2024-01-01", "2024-07-01", "2025-01-01"])
        >>> trend.first_hot()
        array([[60492.,    nan],
               [   nan,    nan]])
        """
        index = self.first_hot_epoch(threshold)
        mjd = self.table["time"].utc.mjd
        return np.where(index >= 0, mjd[np.clip(index, 0, None)], np.nan)

    def _state(self, threshold, bit):
        return (self._tracker.state[self._index(threshold)] & getattr(_Tracker, bit)) != 0

    def hot(self, threshold=None):
        """Pixels above the threshold at the last epoch (bool map)."""
        return self._state(threshold, "HOT")

    def ever_hot(self, threshold=None):
        """Pixels above the threshold at any epoch (bool map)."""
        return self._state(threshold, "EVER")

    def healed(self, threshold=None):
        """Pixels hot at some epoch and not at the last one (bool map)."""
        return self.ever_hot(threshold) & ~self.hot(threshold)

    def intermittent(self, threshold=None):
        """Pixels that were hot, then not, then hot again (bool map).

        Examples
        --------
        >>> import numpy as np, astropy.units as u
        >>> from ccdbadpix import trend_hot_pixels
        >>> maps = np.zeros((4, 2, 2)); maps[[0, 2], 0, 0] = 5; maps[:2, 1, 1] = 5
        >>> trend = trend_hot_pixels(maps * u.DN / u.s, steps=None,
        ...                          times=["2024-01-01", "2024-04-01", "2024-07-01",
        ...                                 "2024-10-01"])
        >>> trend.intermittent()
        array([[ True, False],
               [False, False]])
        >>> trend.healed()
        array([[ True, False],
               [False,  True]])
        """
        return self._state(threshold, "INTERMITTENT")

    def tracking_mask(self, threshold=None):
        """A `DQMask` of the pixel histories at one threshold.

        Pixels hot at the last epoch get HOT | DO_NOT_USE; intermittent pixels (hot,
        then not, then hot again: slow telegraph pixels) TELEGRAPH | DO_NOT_USE, since
        they come back; pixels that healed and stayed healed OTHER_BAD_PIXEL only.

        Examples
        --------
        >>> import numpy as np, astropy.units as u
        >>> from ccdbadpix import trend_hot_pixels
        >>> maps = np.zeros((4, 2, 2)); maps[[0, 2], 0, 0] = 5; maps[:2, 1, 1] = 5
        >>> maps[3, 0, 1] = 9
        >>> trend = trend_hot_pixels(maps * u.DN / u.s, steps=None,
        ...                          times=["2024-01-01", "2024-04-01", "2024-07-01",
        ...                                 "2024-10-01"])
        >>> trend.tracking_mask().counts()
        {'DO_NOT_USE': 2, 'HOT': 1, 'TELEGRAPH': 1, 'OTHER_BAD_PIXEL': 1}
        """
        j = self._index(threshold)
        label = self._labels[j]
        dq = _history_flags(self.hot(label), self.intermittent(label), self.healed(label))
        header = pyfits.Header()
        header["ORIGIN"] = "ccdbadpix"
        header["TRENDLVL"] = (str(self._level_value(j)), "trended threshold or flags")
        header["DATE-OBS"] = (self.table["time"][-1].isot[:19], "last epoch")
        header["NEPOCHS"] = (len(self.table), "epochs trended")
        header.add_history("ccdbadpix.trend_hot_pixels: HOT = hot at the last epoch, "
                           "TELEGRAPH = hot again after healing, OTHER_BAD_PIXEL = healed")
        return DQMask._wrap(dq, header)

    # -- output --------------------------------------------------------------------
    def summary(self, max_risk=0.1, stamp_shape=(32, 32), n_stamps=(1, 8)):
        """Text summary: epochs, growth per threshold, steps and recommended cadence.

        A growth that is not significant (its error larger than itself) or not positive
        gives no cadence: its cells say ``not significant`` and a line below gives the
        fitted rate.
        """
        return _summary(self, max_risk, stamp_shape, n_stamps)

    def __repr__(self):
        return (f"<HotPixelTrend {len(self.table)} epochs, {len(self.fits)} thresholds, "
                f"{len(self.steps)} steps>")

    def write(self, path, overwrite=False):
        """Write ``table`` as ECSV, with ``fits`` and ``steps`` in its metadata.

        Parameters
        ----------
        path : str or path-like
            Output file (``.ecsv``); written atomically.
        overwrite : bool, optional
            Replace an existing file.

        Returns
        -------
        path : `pathlib.Path`
        """
        return _write(self, path, overwrite)

    # -- figures -------------------------------------------------------------------
    # drawn by ccdbadpix.trend.plotting, whose figure functions are these methods
    plot = plot_counts
    plot_risk = _plot_risk
    plot_first_hot = _plot_first_hot
