"""Hot-pixel trend simulator; public as `ccdbadpix.simulate.simulate_hot_pixel_series`."""

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from astropy import units as u
from astropy.nddata import CCDData
from astropy.time import Time

from ccdbadpix.dq.flags import DQ
from ccdbadpix.dq.mask import DQMask
from ccdbadpix.simulate._common import (
    _check,
    _fraction,
    _header,
    _int,
    _lognormal_below,
    _loguniform,
    _shape,
    _value,
)
from ccdbadpix.utils._checks import _seed
from ccdbadpix.utils._units import month

__all__ = ["HotPixelSeries", "simulate_hot_pixel_series"]

_DN_S = u.DN / u.s
_PIX_MONTH = u.pix / month
_OUTPUTS = ("rate", "dark", "mask")


def _threshold(threshold):
    t = _value(threshold, _DN_S, "threshold")
    _check(t > 0, f"threshold must be > 0, got {t} DN/s")
    return t


@dataclass(frozen=True, eq=False)
class HotPixelSeries:
    """Simulated multi-year series of one detector's dark maps; see `simulate_hot_pixel_series`.

    Attributes
    ----------
    frames : list of `~astropy.nddata.CCDData` or `~ccdbadpix.DQMask`
        One frame per epoch in time order (rate maps, darks or masks, see ``output``).
    times : `~astropy.time.Time`
        Epoch times (n_epochs,).
    amplitude, background : `~astropy.units.Quantity`
        (ny, nx) rates in DN/s of each pixel when hot (NaN for normal pixels) and not.
    onset, heal : `~numpy.ndarray`
        (ny, nx) float MJD at which a pixel turns hot (-inf: hot from before the first
        epoch) and stops being hot (+inf: never heals); NaN for normal and intermittent
        pixels. A pixel is hot at time ``t`` iff ``onset <= t < heal``.
    intermittent, step : `~numpy.ndarray`
        (ny, nx) bool maps of the pixels toggling from epoch to epoch and of those
        turning hot together at ``step_time`` (a `~astropy.time.Time`, or None).
    intermittent_states : `~numpy.ndarray`
        (n_intermittent, n_epochs) bool: hot or not at each epoch, rows in the order of
        ``np.flatnonzero(intermittent)``.
    new_per_month, heal_per_month : float
        Mean rate of new hot pixels (Poisson) and realised number of healing pixels per
        month over the series.
    amplitude_range : `~astropy.units.Quantity`
        (min, max) of the log-uniform hot amplitudes, DN/s.
    interval, noise : `~astropy.units.Quantity`
        Time between epochs (month) and Gaussian noise of the measured maps (DN/s).
    output, seed : str, int or None
        ``"rate"``, ``"dark"`` or ``"mask"``; the seed of ``numpy.random.default_rng``.

    Examples
    --------
    >>> from ccdbadpix.simulate import simulate_hot_pixel_series
    >>> sim = simulate_hot_pixel_series((32, 32), 4, new_per_month=3, initial_hot=10,
    ...                                 intermittent=0, seed=0)
    >>> len(sim.frames), sim.times[-1].isot, sim.interval
    (4, '2022-10-11T07:30:00.000', <Quantity 1. month>)
    >>> sim.counts(), int(sim.hot(0).sum())
    (array([10, 12, 11, 11]), 10)
    """

    frames: list
    times: Time
    amplitude: u.Quantity
    background: u.Quantity
    onset: np.ndarray
    heal: np.ndarray
    intermittent: np.ndarray
    intermittent_states: np.ndarray
    step: np.ndarray
    step_time: Time
    new_per_month: float
    heal_per_month: float
    amplitude_range: u.Quantity
    interval: u.Quantity
    noise: u.Quantity
    output: str
    seed: object

    def __repr__(self):
        return (f"<HotPixelSeries {len(self.frames)} {self.output} frames of shape "
                f"{self.background.shape}, {self.times[0].isot} to {self.times[-1].isot}>")

    def true_rate(self, epoch):
        """Noiseless (ny, nx) rate in DN/s at epoch index ``epoch`` (negative counts back)."""
        n = len(self.times)
        k = _int(epoch, "epoch", -n)
        _check(k < n, f"epoch must be below {n}, got {k}")
        t = self.times.mjd[k]
        amp = self.amplitude.to_value(_DN_S)
        rate = self.background.to_value(_DN_S).copy()
        on = (self.onset <= t) & (t < self.heal)
        rate[on] = amp[on]
        idx = np.flatnonzero(self.intermittent)[self.intermittent_states[:, k]]
        rate.flat[idx] = amp.flat[idx]
        return rate * _DN_S

    def hot(self, epoch, threshold=1 * _DN_S):
        """(ny, nx) bool map of pixels whose true rate is >= ``threshold`` (DN/s) at ``epoch``."""
        return self.true_rate(epoch).to_value(_DN_S) >= _threshold(threshold)

    def counts(self, threshold=1 * _DN_S):
        """Number of pixels with true rate >= ``threshold`` (DN/s) at each epoch."""
        thr = _threshold(threshold)
        return np.array([int(self.hot(k, thr).sum()) for k in range(len(self.times))])

    def expected_rate(self, threshold=1 * _DN_S):
        """Expected net growth of the number of pixels at or above ``threshold``.

        ``(new_per_month - heal_per_month) * P(amplitude >= threshold)``, P from the
        log-uniform law. ``new_per_month`` is the Poisson mean, so the realised arrivals
        (`realized_rate`) scatter around it by Poisson noise; the step and the
        intermittent pixels are not included. Meant for thresholds above the normal
        pixels' rates (>= min(1, amplitude min) / 2 DN/s). In pix / month.
        """
        thr, (lo, hi) = _threshold(threshold), self.amplitude_range.to_value(_DN_S)
        p = float(thr <= lo) if hi == lo else np.clip(np.log(hi / thr) / np.log(hi / lo), 0, 1)
        return (self.new_per_month - self.heal_per_month) * float(p) * _PIX_MONTH

    def realized_rate(self, threshold=1 * _DN_S):
        """Realised net number of pixels crossing ``threshold`` per month over the series.

        Pixels turning hot minus pixels healing between the first and the last epoch,
        with amplitude >= ``threshold`` (DN/s), divided by the duration in months; step
        and intermittent pixels are left out. In pix / month.
        """
        thr = _threshold(threshold)
        t0, t1 = self.times.mjd[0], self.times.mjd[-1]
        keep = (self.amplitude.to_value(_DN_S) >= thr) & ~self.step & ~self.intermittent
        up = keep & (self.onset > t0) & (self.onset <= t1)
        down = keep & (self.heal > t0) & (self.heal <= t1)
        return (int(up.sum()) - int(down.sum())) / ((t1 - t0) * u.day.to(month)) * _PIX_MONTH


def _inside(rng, lo, hi, n, avoid):
    """``n`` uniform floats in (lo, hi), none equal to a value of ``avoid``."""
    x = rng.uniform(lo, hi, n)
    while (bad := (x <= lo) | np.isin(x, avoid)).any():
        x[bad] = rng.uniform(lo, hi, int(bad.sum()))
    return x


def _time(value, name):
    try:
        t = value if isinstance(value, Time) else Time(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a time astropy.time.Time accepts, got {value!r}: "
                         f"{err}") from None
    _check(t.isscalar, f"{name} must be a single time, got {value!r}")
    return t


def simulate_hot_pixel_series(shape=(512, 512), n_epochs=37, *, start="2022-07-12",
                              interval=1 * month, new_per_month=100.0, initial_hot=500,
                              amplitude=(0.5, 5000) * _DN_S, background=0.01 * _DN_S,
                              noise=0.0 * _DN_S, heal_fraction=0.2, intermittent=50,
                              step_time=None, step_pixels=0, output="rate",
                              exposure_time=1000 * u.s, mask_threshold=1 * _DN_S,
                              seed=None):
    """Simulate dark-current maps of one detector over years, with hot pixels appearing.

    Epoch ``k`` is at ``start + k * interval``. Normal pixels keep a lognormal rate
    around ``background`` (spread 0.5 in natural log), below min(1, amplitude min) / 2.
    Hot-capable pixels (distinct, at random positions) have a fixed log-uniform
    ``amplitude``, their rate when hot:

    - ``initial_hot`` are hot from the start (onset -inf); a fraction ``heal_fraction``
      of them heals at a time uniform between the first and the last epoch;
    - new ones arrive as a Poisson process of ``new_per_month``, onsets uniform between
      the first and the last epoch (never at an epoch time), and never heal;
    - ``step_pixels`` turn hot together at ``step_time`` and stay hot;
    - ``intermittent`` ones are hot at each epoch with probability 0.5, independently.

    The measured map is the true rate plus Gaussian noise of sigma ``noise``.

    Parameters
    ----------
    shape, n_epochs : tuple of two int, int, optional
        (ny, nx) of the detector; number of maps, at least 2.
    start : str or `~astropy.time.Time`, optional
        First epoch, anything `~astropy.time.Time` accepts.
    interval : `~astropy.units.Quantity` or float, optional
        Time between epochs (default unit month, a twelfth of a Julian year).
    new_per_month : float or `~astropy.units.Quantity`, optional
        Mean number of new hot pixels per month (pix / month).
    initial_hot, step_pixels, intermittent : int, optional
        Numbers of initially hot, step and intermittent pixels.
    amplitude : `~astropy.units.Quantity` or (float, float), optional
        (min, max) of the log-uniform hot rates, DN/s, 0 < min <= max.
    background : `~astropy.units.Quantity` or float, optional
        Median rate of normal pixels, DN/s, below min(1, amplitude min) / 2.
    noise : `~astropy.units.Quantity` or float, optional
        Gaussian noise of each measured map, DN/s (0: the maps are the truth).
    heal_fraction : float, optional
        Fraction of the initial hot pixels that heal (anneal), in [0, 1].
    step_time : str or `~astropy.time.Time`, optional
        Time of the step, strictly between the first and the last epoch.
    output : {"rate", "dark", "mask"}, optional
        Frames as float32 `~astropy.nddata.CCDData` rate maps in DN/s, darks in DN
        (rate times ``exposure_time``, header EXPTIME), or `~ccdbadpix.DQMask` with
        HOT | DO_NOT_USE where the measured rate is >= ``mask_threshold``. Every header
        has DATE-OBS.
    exposure_time, mask_threshold : `~astropy.units.Quantity` or float, optional
        Exposure time of the darks (s); rate at which the masks flag a pixel (DN/s).
    seed : int or None, optional
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    HotPixelSeries

    Raises
    ------
    ValueError, TypeError, astropy.units.UnitsError
        Invalid values (e.g. ``n_epochs < 2``, more special pixels than the detector
        has), types, or units of a parameter named in the message.

    Examples
    --------
    >>> from ccdbadpix.simulate import simulate_hot_pixel_series
    >>> sim = simulate_hot_pixel_series((64, 64), 13, new_per_month=5, initial_hot=20,
    ...                                 intermittent=4, seed=1)
    >>> len(sim.frames), sim.frames[0].unit, sim.frames[1].header["DATE-OBS"]
    (13, Unit("DN / s"), '2022-08-11T10:30:00')
    >>> sim.counts()[[0, -1]]  # true rate >= 1 DN/s at the first and the last epoch
    array([19, 69])
    >>> sim.expected_rate()  # (5 new - 4 healed / 12 months) * P(amplitude >= 1 DN/s)
    <Quantity 4.315... pix / month>
    """
    ny, nx = _shape(shape)
    seed = _seed(seed)
    p = _check_series(n_epochs, start, interval, new_per_month, initial_hot, step_pixels,
                      intermittent, amplitude, background, noise, heal_fraction, output,
                      exposure_time, mask_threshold)
    times, step_time, step_mjd = _epochs(p, step_time)
    npix = ny * nx
    fixed = p.n_init + p.n_step + p.n_int
    _check(fixed <= npix, f"initial_hot + step_pixels + intermittent ({fixed}) exceed the "
           f"{npix} pixels of the detector")

    rng = np.random.default_rng(seed)  # pixels first, then the noise of each frame
    px = _draw_pixels(rng, p, times, npix, step_mjd)
    sim = HotPixelSeries(
        frames=[], times=times, amplitude=px.amp.reshape(ny, nx) * _DN_S,
        background=px.back.reshape(ny, nx) * _DN_S, onset=px.onset.reshape(ny, nx),
        heal=px.heal.reshape(ny, nx), intermittent=px.inter.reshape(ny, nx),
        intermittent_states=px.states, step=px.step.reshape(ny, nx), step_time=step_time,
        new_per_month=p.new_rate, heal_per_month=px.n_heal / px.months,
        amplitude_range=[p.lo, p.hi] * _DN_S, interval=p.dt * month, noise=p.sigma * _DN_S,
        output=p.output, seed=seed)
    stamps = times.copy()
    stamps.precision = 0
    for k, date in enumerate(stamps.isot):
        rate = sim.true_rate(k).value
        if p.sigma > 0:
            rate = rate + p.sigma * rng.standard_normal((ny, nx))
        sim.frames.append(_frame(rate, k, date, p, seed))
    return sim


def _check_series(n_epochs, start, interval, new_per_month, initial_hot, step_pixels,
                  intermittent, amplitude, background, noise, heal_fraction, output,
                  exposure_time, mask_threshold):
    """The series parameters as plain numbers (month, DN/s, s), each checked."""
    n_epochs = _int(n_epochs, "n_epochs", 2)
    t_start = _time(start, "start")
    dt = _value(interval, month, "interval")
    _check(dt > 0, f"interval must be > 0, got {dt} month")
    new_rate = _value(new_per_month, _PIX_MONTH, "new_per_month")
    _check(new_rate >= 0, f"new_per_month must be >= 0, got {new_rate}")
    n_init = _int(initial_hot, "initial_hot", 0)
    n_step, n_int = _int(step_pixels, "step_pixels", 0), _int(intermittent, "intermittent", 0)
    lo, hi = _value(amplitude, _DN_S, "amplitude", shape=(2,))
    _check(0 < lo <= hi, f"amplitude must be (min, max), 0 < min <= max: {amplitude!r}")
    bg, sigma = _value(background, _DN_S, "background"), _value(noise, _DN_S, "noise")
    upper = min(1.0, lo) / 2
    _check(0 <= bg < upper, f"background must be >= 0 and below {upper} DN/s "
           f"(min(1, amplitude min) / 2), got {bg}")
    heal_frac = _fraction(heal_fraction, "heal_fraction")
    _check(sigma >= 0, f"noise must be >= 0, got {sigma} DN/s")
    _check(heal_frac <= 1, f"heal_fraction must be in [0, 1], got {heal_frac}")
    if not isinstance(output, str):
        raise TypeError(f"output must be one of {_OUTPUTS}, got {output!r}")
    _check(output in _OUTPUTS, f"output must be one of {_OUTPUTS}, got {output!r}")
    texp = _value(exposure_time, u.s, "exposure_time")
    _check(texp > 0, f"exposure_time must be > 0, got {texp} s")
    mthr = _value(mask_threshold, _DN_S, "mask_threshold")
    _check(mthr > 0, f"mask_threshold must be > 0, got {mthr} DN/s")
    return SimpleNamespace(
        n_epochs=n_epochs, t_start=t_start, dt=dt, new_rate=new_rate, n_init=n_init,
        n_step=n_step, n_int=n_int, lo=lo, hi=hi, bg=bg, sigma=sigma, upper=upper,
        heal_frac=heal_frac, output=output, texp=texp, mthr=mthr)


def _epochs(p, step_time):
    """The epoch times, and the step time (as a `~astropy.time.Time` and in MJD, or None)."""
    times = p.t_start + np.arange(p.n_epochs) * p.dt * month
    t0, t1 = times.mjd[0], times.mjd[-1]
    step_mjd = None
    if step_time is not None:
        step_time = _time(step_time, "step_time")
        step_mjd = step_time.mjd
        _check(t0 < step_mjd < t1, f"step_time must lie strictly between the first "
               f"({times[0].isot}) and the last ({times[-1].isot}) epoch, got {step_time.isot}")
    _check(p.n_step == 0 or step_time is not None, "step_pixels > 0 needs a step_time")
    return times, step_time, step_mjd


def _draw_pixels(rng, p, times, npix, step_mjd):
    """The hot-capable pixels: positions, amplitudes, onsets, heals, intermittent states;
    and the normal pixels' background rates."""
    tm = times.mjd
    t0, t1 = tm[0], tm[-1]
    months = (t1 - t0) * u.day.to(month)
    fixed = p.n_init + p.n_step + p.n_int
    n_new = int(rng.poisson(p.new_rate * months))
    _check(fixed + n_new <= npix, f"initial_hot + step_pixels + intermittent + new hot "
           f"pixels ({fixed} + {n_new} drawn from new_per_month) exceed the {npix} pixels")
    chosen = rng.choice(npix, size=fixed + n_new, replace=False)
    i_init, i_new, i_step, i_int = np.split(chosen, np.cumsum([p.n_init, n_new, p.n_step]))
    # rates rounded to float32 values, so that the float32 frames hold them exactly
    back = _lognormal_below(rng, p.bg, p.upper, npix).astype(np.float32).astype(float)
    amp = np.full(npix, np.nan)
    amp[chosen] = _loguniform(rng, p.lo, p.hi, chosen.size).astype(np.float32)
    onset, heal = np.full(npix, np.nan), np.full(npix, np.nan)
    onset[i_init], heal[i_init] = -np.inf, np.inf
    n_heal = round(p.heal_frac * p.n_init)
    heal[i_init[:n_heal]] = _inside(rng, t0, t1, n_heal, tm)
    onset[i_new], heal[i_new] = _inside(rng, t0, t1, n_new, tm), np.inf
    if p.n_step:
        onset[i_step], heal[i_step] = step_mjd, np.inf
    inter, step = np.zeros(npix, bool), np.zeros(npix, bool)
    inter[i_int], step[i_step] = True, True
    states = rng.random((p.n_int, p.n_epochs)) < 0.5
    return SimpleNamespace(back=back, amp=amp, onset=onset, heal=heal, inter=inter,
                           step=step, states=states, n_heal=n_heal, months=months)


def _frame(rate, k, date, p, seed):
    """Epoch ``k``'s frame of the measured ``rate`` map, as ``p.output`` asks."""
    cards = [("DATE-OBS", date, "epoch of the map (UTC)"), ("EPOCH", k, "epoch index"),
             ("SIMULATE", "ccdbadpix simulate_hot_pixel_series", "simulator")]
    if p.output == "rate":
        header = _header(seed, [*cards, ("BUNIT", "DN/s", "data unit")])
        return CCDData(rate.astype(np.float32), unit=_DN_S, meta=header)
    if p.output == "dark":
        header = _header(seed, [*cards, ("EXPTIME", p.texp, "[s] exposure"),
                                ("BUNIT", "DN", "data unit")])
        return CCDData((rate * p.texp).astype(np.float32), unit=u.DN, meta=header)
    header = _header(seed, [*cards, ("HOTTHR", p.mthr, "[DN/s] flag threshold")])
    dq = np.where(rate >= p.mthr, DQ.HOT | DQ.DO_NOT_USE, 0).astype(np.uint32)
    return DQMask(dq, meta=header)
