"""`HotPixelTrend`: the result of `ccdbadpix.trend_hot_pixels`."""

import os

import numpy as np
from astropy import units as u
from astropy.io import fits as pyfits
from astropy.table import QTable
from astropy.time import Time

from ccdbadpix.dq.flags import DQ
from ccdbadpix.dq.mask import DQMask
from ccdbadpix.trend._fit import fit_counts, increment_scatter
from ccdbadpix.utils._checks import _boolean
from ccdbadpix.utils._files import _atomic_write
from ccdbadpix.utils._units import month

__all__ = ["HotPixelTrend"]

_PIX_MONTH = u.pix / month
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
        time = self.table["time"]
        t = self.table["months"].to_value(month)
        # trend_hot_pixels checked that every known date lies within the epochs
        breaks = [int(np.searchsorted(time.mjd, date.utc.mjd, side="right"))
                  for date in known_steps or ()]
        rows, step_rows, self._fitted = [], [], []
        n = len(t)
        for j, label in enumerate(self._labels):
            y = np.asarray(self.table[f"count_{label}"], dtype=float)
            result = fit_counts(t, y, known_breaks=breaks, detect=detect, step_sigma=step_sigma,
                         max_steps=max_steps)
            self._fitted.append(result)
            new = np.asarray(self.table[f"new_{label}"].filled(0), dtype=float)
            keep = np.ones(n, bool)
            keep[0] = False
            keep[list(result.breaks)] = False
            dt = np.diff(t, prepend=t[0])
            new_rate = new[keep].sum() / dt[keep].sum() if dt[keep].sum() > 0 else np.nan
            # counting noise: pixels turn hot (and heal) one by one, so the counts
            # are a random walk about the line and their residuals are correlated. A
            # least-squares slope through such a walk has variance 6 lam / (5 T) for
            # lam events per month over T months; quote at least that.
            events = new[keep].sum() + np.count_nonzero(self.healed(label))
            span = dt[keep].sum()
            walk = np.sqrt(1.2 * events) / span if span > 0 else np.nan
            slope_err = max(result.slope_err, walk) if np.isfinite(walk) else result.slope_err
            sigma_inc = increment_scatter(t, y, result.breaks)
            offs = result.offsets
            rows.append((self._level_value(j), result.slope, slope_err,
                         result.slope * 12 / self.n_pixels, offs[0], len(result.breaks),
                         None, result.scatter, new_rate))
            for k in result.breaks:
                is_known = k in breaks
                if is_known:
                    when = known_steps[breaks.index(k)]
                else:
                    when = Time((time[k - 1].mjd + time[k].mjd) / 2, format="mjd", scale="utc")
                # the jump of the counts across the step less the growth over the gap:
                # neighbouring epochs share all but the pixels that turned hot between
                # them, so this is more precise than the difference of the offsets
                gap = t[k] - t[k - 1]
                size = (y[k] - y[k - 1]) - result.slope * gap
                size_err = float(np.hypot(sigma_inc * np.sqrt(gap), slope_err * gap))
                step_rows.append((self._level_value(j), when.utc.isot, size, size_err,
                                  is_known))
        names = ("threshold", "rate", "rate_err", "fraction_per_year", "intercept", "n_steps",
                 "step", "scatter", "new_rate")
        cols = list(zip(*rows, strict=True))
        fits = QTable()
        fits["threshold"] = (u.Quantity(cols[0]) if self.kind == "rate" else list(cols[0]))
        fits["rate"] = np.array(cols[1]) * _PIX_MONTH
        fits["rate_err"] = np.array(cols[2]) * _PIX_MONTH
        fits["fraction_per_year"] = np.array(cols[3]) / u.yr
        fits["intercept"] = np.array(cols[4]) * u.pix
        fits["n_steps"] = np.array(cols[5], dtype=int)
        totals = {}
        for row in step_rows:
            totals[str(row[0])] = totals.get(str(row[0]), 0.0) + row[2]
        fits["step"] = np.array([totals.get(str(v), 0.0) for v in cols[0]]) * u.pix
        fits["scatter"] = np.array(cols[7]) * u.pix
        fits["new_rate"] = np.array(cols[8]) * _PIX_MONTH
        for name in ("rate", "rate_err", "new_rate", "intercept", "step", "scatter"):
            fits[name].info.format = ".2f"
        fits["fraction_per_year"].info.format = ".3g"
        fits.meta["t_ref"] = self.table["time"][0].isot
        fits.meta["n_pixels"] = self.n_pixels
        assert tuple(fits.colnames) == names
        self.fits = fits
        steps = QTable()
        step_cols = list(zip(*step_rows, strict=True)) if step_rows else [[]] * 5
        if self.kind == "rate":
            unit = self.thresholds.unit
            steps["threshold"] = u.Quantity(list(step_cols[0]), unit) if step_rows else \
                u.Quantity([], unit)
        else:
            steps["threshold"] = np.array(step_cols[0], dtype=str)
        steps["time"] = Time(list(step_cols[1]) if step_rows else [], format="isot",
                             scale="utc")
        steps["size"] = np.array(step_cols[2], dtype=float) * u.pix
        steps["size_err"] = np.array(step_cols[3], dtype=float) * u.pix
        steps["known"] = np.array(step_cols[4], dtype=bool)
        self.steps = steps

    def _level_value(self, j):
        return self.thresholds[j] if self.kind == "rate" else self._labels[j]

    def _index(self, threshold):
        """Index of a threshold (Quantity, number in the thresholds' unit, or label)."""
        if threshold is None:
            return 0
        if self.kind == "mask":
            if threshold in self._labels:
                return self._labels.index(threshold)
            raise ValueError(f"threshold must be one of {self._labels}, got {threshold!r}")
        if isinstance(threshold, str) and threshold in self._labels:
            return self._labels.index(threshold)
        try:
            if isinstance(threshold, bool | np.bool_):
                raise TypeError
            value = (u.Quantity(threshold).to_value(self.thresholds.unit)
                     if isinstance(threshold, u.Quantity | str) else float(threshold))
        except (TypeError, ValueError, u.UnitsError):
            raise ValueError(f"threshold must be one of the trended thresholds "
                             f"{self.thresholds} (a Quantity, a number in "
                             f"{self.thresholds.unit}, or a label of {self._labels}), got "
                             f"{threshold!r}") from None
        match = np.flatnonzero(np.isclose(self.thresholds.value, value, rtol=1e-9))
        if not match.size:
            raise ValueError(f"threshold {threshold} is not one of the trended thresholds "
                             f"{self.thresholds}")
        return int(match[0])

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
        from ccdbadpix.trend.trend import unmasked_risk

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
        from ccdbadpix.trend.trend import _max_interval

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
        from ccdbadpix.trend.trend import _Tracker

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
        hot, inter = self.hot(label), self.intermittent(label)
        healed = self.healed(label) & ~inter
        dq = np.zeros(hot.shape, np.uint32)
        dq[hot] |= np.uint32(DQ.HOT | DQ.DO_NOT_USE)
        dq[inter] |= np.uint32(DQ.TELEGRAPH | DQ.DO_NOT_USE)
        dq[healed] |= np.uint32(DQ.OTHER_BAD_PIXEL)
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
        t = self.table["time"]
        lines = [f"{len(t)} epochs from {t[0].isot[:10]} to {t[-1].isot[:10]} "
                 f"({self.table['months'][-1].to_value(month):.1f} months), "
                 f"{self.n_pixels} pixels"]
        unit = "" if self.kind == "mask" else f" {self.thresholds.unit.to_string()}"
        head = "threshold" if self.kind == "rate" else "flags"
        cadence_head = " ".join(f"{'cadence ' + str(n) + ' stamp' + ('s' if n > 1 else ''):>17}"
                                for n in np.atleast_1d(n_stamps))
        lines.append(f"{head:>16} {'last count':>10} {'pix/month':>18} {'%/yr':>8} "
                     f"{'steps':>5} {cadence_head}")
        notes = []
        for j, row in enumerate(self.fits):
            level = (f"{row['threshold'].value:g}{unit}" if self.kind == "rate"
                     else str(row["threshold"]))
            rate, err = float(row["rate"].value), float(row["rate_err"].value)
            cad = []
            for n in np.atleast_1d(n_stamps):
                c = self.recommend_cadence(max_risk, stamp_shape, int(n), threshold=self._labels[j])
                cad.append(f"{c.to_value(month):12.1f} mon" if np.isfinite(c) else
                           f"{'never needed':>16}")
            if not (rate > 0 and err <= rate):  # no cadence follows from such a growth
                cad = ["not significant"] * len(cad)
                why = "is not positive" if not rate > 0 else "is smaller than its error"
                notes.append(f"growth at {level}: {rate:.2f} +- {err:.2f} pix/month {why}, "
                             "so no cadence follows from it")
            lines.append(
                f"{level:>16} {int(self.table['count_' + self._labels[j]][-1]):10d} "
                f"{row['rate'].value:9.2f} +- {row['rate_err'].value:5.2f} "
                f"{100 * row['fraction_per_year'].value:8.4f} {row['n_steps']:5d} "
                + " ".join(f"{c:>17}" for c in cad))
        lines.append(f"cadence: longest mask-update interval keeping the risk that a "
                     f"{'x'.join(map(str, stamp_shape))} stamp holds an unmasked hot pixel "
                     f"at most {max_risk:.0%}")
        lines += notes
        for row in self.steps:
            level = (f"{row['threshold'].value:g}{unit}" if self.kind == "rate"
                     else str(row["threshold"]))
            lines.append(f"step at {level}: {row['size'].value:+.0f} +- "
                         f"{row['size_err'].value:.0f} pixels near {row['time'].isot[:10]}"
                         f" ({'known' if row['known'] else 'detected'})")
        return "\n".join(lines)

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
        if not isinstance(path, str | os.PathLike):
            raise TypeError(f"path must be a file name (str or path-like), got {path!r}")
        overwrite = _boolean(overwrite, "overwrite")
        table = self.table.copy()
        table.meta["fits"] = [{name: _plain(row[name]) for name in self.fits.colnames}
                              for row in self.fits]
        table.meta["steps"] = [{name: _plain(row[name]) for name in self.steps.colnames}
                               for row in self.steps]
        table.meta["units"] = {"rate": "pix / month", "fraction_per_year": "1 / yr",
                               "intercept": "pix", "step": "pix", "size": "pix"}
        table.meta["n_pixels"] = self.n_pixels
        return _atomic_write(path, lambda tmp: table.write(tmp, format="ascii.ecsv",
                                                           overwrite=True), overwrite)

    # -- figures -------------------------------------------------------------------
    def plot(self, fig=None, risk=True, max_risk=0.1, n_stamps=(1, 8)):
        """Counts against time per threshold with the fits and steps, and the risk.

        The left column is the NIRSpec report's Figure 1: one panel per threshold with
        the counts, the fitted line of common slope (broken at the steps) and the steps.
        With ``risk``, the right panel is `plot_risk` for the lowest threshold. Needs
        matplotlib.

        Parameters
        ----------
        fig : `matplotlib.figure.Figure`, optional
            Figure to draw in (empty); default: a new one.
        risk : bool, optional
            Add the risk-against-interval panel. Default True.
        max_risk : float, optional
            Risk marked in the risk panel, with the cadence it implies. Default 0.1.
        n_stamps : sequence of int, optional
            Numbers of 32x32 stamps drawn in the risk panel. Default (1, 8).

        Returns
        -------
        fig : `matplotlib.figure.Figure`

        Examples
        --------
        >>> from ccdbadpix import trend_hot_pixels
        >>> from ccdbadpix.simulate import simulate_hot_pixel_series
        >>> sim = simulate_hot_pixel_series((64, 64), 7, new_per_month=10, seed=3)
        >>> fig = trend_hot_pixels(sim.frames).plot()
        >>> len(fig.axes)  # four thresholds and the risk
        5
        """
        from ccdbadpix.trend.plotting import plot_counts

        _check_figure(fig, "fig", "matplotlib.figure.Figure")
        _boolean(risk, "risk")
        self._check_risk_options(max_risk, n_stamps)
        return plot_counts(self, fig=fig, risk=risk, max_risk=max_risk, n_stamps=n_stamps)

    def plot_risk(self, max_interval=None, stamp_shape=(32, 32), n_stamps=(1, 8),
                  max_risk=None, threshold=None, ax=None, basis="growth"):
        """Risk of an unmasked hot pixel in a stamp against the mask-update interval.

        Parameters
        ----------
        max_interval : `~astropy.units.Quantity`, optional
            Right end of the interval axis; default: three times the cadence of the
            fewest stamps (1 month to 5 years).
        stamp_shape : tuple of int, optional
            Stamp size, default (32, 32).
        n_stamps : sequence of int, optional
            One curve per number of stamps. Default (1, 8).
        max_risk : float, optional
            Draw this risk and the cadence it implies for each curve.
        threshold : optional
            Which threshold's growth (default: the lowest).
        ax : `matplotlib.axes.Axes`, optional
            Axes to draw in; default: a new figure.
        basis : {"growth", "new"}, optional
            As in `unmasked_risk`.

        Returns
        -------
        ax : `matplotlib.axes.Axes`

        Examples
        --------
        >>> from ccdbadpix import trend_hot_pixels
        >>> from ccdbadpix.simulate import simulate_hot_pixel_series
        >>> sim = simulate_hot_pixel_series((64, 64), 7, new_per_month=10, seed=3)
        >>> ax = trend_hot_pixels(sim.frames).plot_risk(max_risk=0.1)
        >>> [line.get_label() for line in ax.get_lines()][:2]
        ['1 stamp of 32x32', '8 stamps of 32x32']
        """
        from ccdbadpix.trend.plotting import plot_risk
        from ccdbadpix.trend.trend import _interval_years

        _check_figure(ax, "ax", "matplotlib.axes.Axes")
        if max_interval is not None:
            _interval_years(max_interval, "max_interval")
        self._check_risk_options(max_risk, n_stamps, stamp_shape)
        return plot_risk(self, max_interval=max_interval, stamp_shape=stamp_shape,
                         n_stamps=n_stamps, max_risk=max_risk, threshold=threshold, ax=ax,
                         basis=basis)

    def _check_risk_options(self, max_risk, n_stamps, stamp_shape=(32, 32)):
        """Check the risk options of the figures before anything is drawn."""
        from ccdbadpix.trend.trend import _max_interval

        if max_risk is not None:
            if isinstance(max_risk, bool | np.bool_) or np.ndim(max_risk) != 0:
                raise TypeError(f"max_risk must be a probability between 0 and 1, got "
                                f"{max_risk!r}")
            _max_interval(0.0, max_risk, stamp_shape=stamp_shape, n_stamps=n_stamps)
        else:
            _max_interval(0.0, 0.5, stamp_shape=stamp_shape, n_stamps=n_stamps)

    def plot_first_hot(self, threshold=None, ax=None):
        """Map of when each pixel first turned hot (colour = date), intermittent ringed.

        Parameters
        ----------
        threshold : optional
            Which threshold (default: the lowest).
        ax : `matplotlib.axes.Axes`, optional
            Axes to draw in; default: a new figure.

        Returns
        -------
        ax : `matplotlib.axes.Axes`

        Examples
        --------
        >>> from ccdbadpix import trend_hot_pixels
        >>> from ccdbadpix.simulate import simulate_hot_pixel_series
        >>> sim = simulate_hot_pixel_series((64, 64), 7, new_per_month=10, seed=3)
        >>> ax = trend_hot_pixels(sim.frames).plot_first_hot()
        >>> ax.get_title()
        'pixels >= 1 DN / s: first seen hot'
        """
        from ccdbadpix.trend.plotting import plot_first_hot

        return plot_first_hot(self, threshold=threshold, ax=ax)


def _check_figure(value, name, kind):
    """``value`` must be None or a matplotlib object of class ``kind``."""
    if value is None:
        return
    module, _, cls = kind.rpartition(".")
    import importlib

    if not isinstance(value, getattr(importlib.import_module(module), cls)):
        raise TypeError(f"{name} must be a {kind} or None, got {type(value).__name__}")


def _plain(value):
    if isinstance(value, u.Quantity):
        return float(value.value)
    if isinstance(value, Time):
        return value.isot
    if isinstance(value, np.generic):
        return value.item()
    return value
