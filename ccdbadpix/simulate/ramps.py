"""Up-the-ramp dark cubes of an HxRG array with every pixel class and its truth
(`simulate_ramps`, `RampSimulation`)."""

import contextlib
from types import MappingProxyType, SimpleNamespace

import numpy as np
from astropy import units as u
from astropy.utils.console import ProgressBar

from ccdbadpix.simulate._common import (
    _E_S,
    _check,
    _curved_rates,
    _detector,
    _fraction,
    _int,
    _ipc,
    _lognormal_below,
    _loguniform,
    _merge,
    _shape,
    _value,
)
from ccdbadpix.simulate._ramp_effects import (
    DEFAULT_EFFECTS,
    REALISTIC_EFFECTS,
    _check_effects,
    _cosmic_events,
    _draw_effects,
    _frozen,
    _more_cosmic_rays,
    _ramp_header,
    _readout_effects,
    _telegraph_levels,
)
from ccdbadpix.simulate._ramp_simulation import RampSimulation
from ccdbadpix.utils._checks import _boolean, _seed

__all__ = ["DEFAULT_AMPLITUDES", "DEFAULT_EFFECTS", "DEFAULT_FRACTIONS", "PIXEL_CLASSES",
           "REALISTIC_EFFECTS", "RampSimulation", "simulate_ramps"]

#: Pixel class names; ``labels`` are integer codes into this tuple.
PIXEL_CLASSES = ("good", "hot", "warm", "dead", "telegraph", "nonlinear",
                 "saturated", "cosmic_ray", "decreasing", "noisy")

#: Default fraction of pixels per defect class (``good`` is the rest).
DEFAULT_FRACTIONS = MappingProxyType({
    "hot": 0.004, "warm": 0.006, "dead": 0.002, "telegraph": 0.003, "nonlinear": 0.002,
    "saturated": 0.001, "cosmic_ray": 0.004, "decreasing": 0.002, "noisy": 0.0})

#: Default (min, max) defect amplitudes of `simulate_ramps`. ``hot``: rate in multiples
#: of ``hot_threshold`` (the top is lowered so that hot pixels never saturate);
#: ``dead``: residual group-to-group noise of the noisy half of the dead pixels, in
#: multiples of the read noise; ``telegraph``: separation of the two levels,
#: ``nonlinear``: plateau above the bias, ``cosmic_ray``: step of the primary pixel,
#: ``decreasing``: total fall over the ramp, ``noisy``: per-read white noise of noisy
#: pixels (log-uniform), all in multiples of the read noise
#: (1 electron if the read noise is 0); ``nonlinear_tau``: RC time constant and
#: ``saturated``: time at which saturation is reached, as fractions of the ramp duration.
DEFAULT_AMPLITUDES = MappingProxyType({
    "hot": (1.0, 100.0), "dead": (0.05, 0.2), "telegraph": (4.0, 20.0),
    "nonlinear": (20.0, 200.0), "nonlinear_tau": (0.1, 0.4), "saturated": (0.1, 0.5),
    "cosmic_ray": (10.0, 500.0), "decreasing": (5.0, 50.0), "noisy": (1.5, 4.0)})


# ----------------------------------------------------------------------------- ramps
def simulate_ramps(shape=(256, 256), ngroups=30, *, nints=1, group_time=10.737 * u.s,
                   gain=1.0 * u.electron / u.DN, read_noise=10 * u.electron,
                   bias=12000 * u.DN, bias_spread=500 * u.DN,
                   dark_current=0.005 * u.electron / u.s,
                   hot_threshold=1 * u.electron / u.s, warm_threshold=0.1 * u.electron / u.s,
                   saturation=60000 * u.DN, ipc_alpha=0.01,
                   fractions=None, amplitudes=None, cosmic_ray_cluster_size=(1, 4),
                   effects=None, seed=None, progress=False):
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
    - ``nonlinear``: good ramp plus RC-like charge ``A (1 - exp(-t / tau))``; ``saturated``:
      rate reaching saturation at a fraction ``amplitudes["saturated"]`` of the ramp;
    - ``cosmic_ray``: good ramp plus one (10 % of pixels: two) positive charge steps at a
      group > 0; ``cosmic_ray_cluster_size`` (min, max) of the 8 neighbours get steps of
      5-50 % of it at the same group and keep their own labels (steps are repeated at the
      same groups in every integration, as the truth is per pixel);
    - ``decreasing``: good ramp plus a readout offset falling linearly by
      ``amplitudes["decreasing"]`` read noises over the ramp;
    - ``noisy``: good ramp with per-read white noise of ``amplitudes["noisy"]`` read
      noises (off by default: ``DEFAULT_FRACTIONS["noisy"]`` is 0).

    ``effects`` (all off by default, `DEFAULT_EFFECTS`; `REALISTIC_EFFECTS` holds what
    real H2RG/H4RG darks show) adds what real HxRG darks have. The effects draw from a
    generator spawned from ``seed``: with the same seed they do not move the defects, and
    those that change neither the charge nor the telegraph switching keep the noise draws:

    - ``read_noise_spread`` (0; realistic 0.1): lognormal sigma of the per-pixel read
      noise around ``read_noise`` (all pixels but dead and noisy ones);
    - ``decaying_hot`` (0; 0.5): share of hot and warm pixels whose rate decays as
      ``r0 exp(-t / tau)``, with an end-to-start change of the slope drawn uniformly in
      ``hot_decay`` (0.1, 0.5) over the ramp (t = 0 to ``ngroups * group_time``); their
      ``dark_current`` truth, which decides hot or warm, is the ramp-average rate;
    - ``nonlinearity`` (0; 0.08): every pixel reads its (IPC-convolved) charge Q as
      ``Q (1 - beta Q)``, ``beta = nonlinearity U(0.7, 1.3) / Q_full`` with ``Q_full =
      (saturation - bias) gain``: a deficit of about ``nonlinearity`` at full well
      (at most 0.15); saturated pixels still saturate at their drawn time;
    - ``reset_anomaly`` (0; 5) and ``reset_anomaly_groups`` (1): an offset
      ``A exp(-k / reset_anomaly_groups)`` at group k, ``A = reset_anomaly x read noise
      x lognormal(0, 0.3)`` per pixel (not dead), the same in every integration (< 0: low);
      ``reset_outliers`` (0; 5e-4): share of pixels with 10-300 read noises instead (+/-);
    - ``correlated_noise`` (0; 0.3 read noises rms per read) over ``channels`` (4)
      readout channels (vertical stripes read in parallel, in the same direction): a
      1/f series over the readout order of a channel (pixel by pixel, row after row),
      common to all channels, new in each read, added to every pixel: row banding
      plus a high-frequency part; ``read_glitches`` (0; 1e-4): chance of each pixel in
      each read to read off by 5-30 read noises, either way, in that read only;
    - ``telegraph_dwell`` (None: random switching times; realistic (1.5, 8)): (min, max)
      mean dwell time in groups, log-uniform per pixel, of a two-state Markov process
      (ramps with less than one up and one down transition are redrawn);
      ``telegraph_three_levels`` (0; 0.2): share of telegraph pixels with a third level
      (``A x U(0.3, 0.7)`` or ``2 A``, half each);
    - ``cosmic_ray_halo`` (0; 0.03): share of each hit's charge added to each of its 8
      neighbours; ``showers`` (0; 0.1) and ``snowballs`` (0; 0.02): shares of the
      events that are tracks (3-15 pixels in a straight line, 20-100 % of the primary's
      step each) or snowballs (radius 2-4 pixels, a core of the snowball's charge,
      drawn up to 10 times ``amplitudes["cosmic_ray"]`` max, and a halo falling off
      with radius); with any of the three, each pixel's cosmic-ray charge is clipped to
      stay below 80 % of its full well;
    - ``dead_kinds`` ({"constant": 0.5, "low_noise": 0.5, "stuck": 0}; realistic 0.3,
      0.5, 0.2): shares of dead pixels reading exactly the bias, reading with
      ``amplitudes["dead"]`` read noises, or stuck at a level drawn uniformly between the
      bias and 80 % of the way to saturation; they must sum to 1.

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
    effects : dict, optional
        Detector effects (see above) merged into `DEFAULT_EFFECTS`, e.g. `REALISTIC_EFFECTS`.
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
    >>> sim.classes[:4], int(sim.mask("hot").sum())  # hot: 0.4 % of 4096 pixels
    (('good', 'hot', 'warm', 'dead'), 16)
    """
    ny, nx = _shape(shape)
    seed, progress = _seed(seed), _boolean(progress, "progress")
    det = _check_detector(ngroups, nints, group_time, gain, read_noise, bias, bias_spread,
                          dark_current, hot_threshold, warm_threshold, saturation, ipc_alpha)
    frac, amp, cluster = _check_defects(fractions, amplitudes, cosmic_ray_cluster_size)
    eff = _check_effects(effects)
    det.shape, det.npix = (ny, nx), ny * nx
    hot_hi = _hot_rate_top(det, frac, amp)

    # every random number from one generator, in this order: truth, defects, the cube;
    # the effects draw from a spawned generator, so that without them nothing changes
    rng = np.random.default_rng(seed)
    erng = rng.spawn(1)[0]
    truth = _draw_truth(rng, det, frac, amp, hot_hi)
    defects = _draw_defects(rng, erng, det, amp, cluster, truth, eff)
    fx = _draw_effects(erng, det, eff, amp, truth, defects)
    data, tel_stats = _integrate(rng, det, truth, defects, fx, progress)
    tel_step = np.zeros(det.npix, np.float32)
    tel_step[truth.idx["telegraph"]] = defects.tel_amp
    return RampSimulation(
        data=data[0] if det.nints == 1 else data, times=det.times * u.s,
        classes=PIXEL_CLASSES, labels=truth.labels.reshape(ny, nx),
        dark_current=truth.rate_map * _E_S, ipc_lit=truth.ipc_lit,
        cosmic_ray_group=defects.cr_group.reshape(ny, nx), gain=det.g * u.electron / u.DN,
        read_noise=det.rn * u.electron, group_time=det.dt * u.s,
        bias=truth.bias_map.reshape(ny, nx) * u.DN, saturation=det.sat * u.DN,
        ipc_alpha=det.alpha, hot_threshold=det.hot_thr * _E_S,
        warm_threshold=det.warm_thr * _E_S, meta=_ramp_header(seed, det, eff, PIXEL_CLASSES, amp),
        cosmic_ray_step=defects.cr_step.reshape(ny, nx) * u.electron,
        read_noise_map=defects.sigma.reshape(ny, nx) * u.electron,
        telegraph_switches=tel_stats[0].reshape(ny, nx),
        telegraph_min_reads=tel_stats[1].reshape(ny, nx),
        telegraph_step=tel_step.reshape(ny, nx) * u.electron, effects=_frozen(eff),
        **_curved_rates(truth, defects, det.times))


def _check_detector(ngroups, nints, group_time, gain, read_noise, bias, bias_spread,
                    dark_current, hot_threshold, warm_threshold, saturation, ipc_alpha):
    """The detector and readout parameters as plain floats (DN, electron, s)."""
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
    return SimpleNamespace(
        ngroups=ngroups, nints=nints, dt=dt, g=g, rn=rn, dc=dc, hot_thr=hot_thr,
        warm_thr=warm_thr, alpha=alpha, b0=b0, bs=bs, sat=sat, t_ramp=ngroups * dt,
        times=dt * np.arange(1, ngroups + 1), unit_e=rn if rn > 0 else 1.0)


def _check_defects(fractions, amplitudes, cosmic_ray_cluster_size):
    """Class fractions, (min, max) amplitudes and cosmic-ray cluster sizes, checked."""
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
    _check(amp["noisy"][0] >= 1, "amplitudes['noisy'] min must be >= 1 (read noise)")
    for k in ("saturated", "nonlinear_tau"):
        _check(amp[k][0] > 0, f"amplitudes[{k!r}] min must be > 0")
    if not (isinstance(cosmic_ray_cluster_size, tuple | list)
            and len(cosmic_ray_cluster_size) == 2):
        raise ValueError("cosmic_ray_cluster_size must be (min, max), got "
                         f"{cosmic_ray_cluster_size!r}")
    cluster = tuple(_int(c, "cosmic_ray_cluster_size", 0) for c in cosmic_ray_cluster_size)
    _check(cluster[0] <= cluster[1] <= 8, "cosmic_ray_cluster_size must satisfy "
           f"0 <= min <= max <= 8, got {cosmic_ray_cluster_size!r}")
    return frac, amp, cluster


def _hot_rate_top(det, frac, amp):
    """Highest hot-pixel rate (electron/s): lowered so that hot ramps never saturate."""
    headroom = (det.sat - det.b0 - 4 * det.bs) * det.g  # electrons before saturation, worst
    hot_hi = min(amp["hot"][1] * det.hot_thr, 0.7 * headroom / det.t_ramp)
    if frac["hot"] > 0 or frac["warm"] > 0:
        _check(hot_hi >= amp["hot"][0] * det.hot_thr, "hot and warm pixels would saturate "
               f"within the {det.t_ramp:g} s ramp; raise saturation or shorten the ramp")
    return hot_hi


def _draw_truth(rng, det, frac, amp, hot_hi):
    """Ground truth: defect positions per class, labels, bias map and intrinsic rates."""
    npix, (ny, nx) = det.npix, det.shape
    counts = [round(frac[c] * npix) for c in PIXEL_CLASSES[1:]]
    chosen = rng.choice(npix, size=sum(counts), replace=False)
    idx = dict(zip(PIXEL_CLASSES[1:], np.split(chosen, np.cumsum(counts)[:-1]), strict=True))
    labels = np.zeros(npix, np.int8)
    for code, name in enumerate(PIXEL_CLASSES[1:], start=1):
        labels[idx[name]] = code
    bias_map = (det.b0 + det.bs * np.clip(rng.standard_normal(npix), -4, 4)).astype(np.float32)
    hot_thr, warm_thr = det.hot_thr, det.warm_thr
    rate = _lognormal_below(rng, det.dc, warm_thr, npix)
    rate[idx["hot"]] = _loguniform(rng, amp["hot"][0] * hot_thr, hot_hi, counts[0])
    rate[idx["warm"]] = _loguniform(rng, warm_thr, hot_thr, counts[1])
    rate[idx["warm"]] = np.minimum(rate[idx["warm"]], np.nextafter(hot_thr, 0))
    rate[idx["dead"]] = 0.0
    i_sat = idx["saturated"]
    t_sat = rng.uniform(*amp["saturated"], i_sat.size) * det.t_ramp
    rate[i_sat] = (det.sat - bias_map[i_sat]) * det.g / ((1 - 4 * det.alpha) * t_sat)
    rate_map = rate.reshape(ny, nx)
    ipc_lit = (labels.reshape(ny, nx) == 0) & (_ipc(rate_map, det.alpha) >= warm_thr)
    return SimpleNamespace(idx=idx, labels=labels, bias_map=bias_map, rate=rate,
                           rate_map=rate_map, ipc_lit=ipc_lit)


def _draw_defects(rng, erng, det, amp, cluster, truth, eff):
    """Per-read noise (dead pixels), telegraph, nonlinear and decreasing amplitudes and
    the cosmic-ray events, scheduled by group."""
    unit_e, npix, ngroups, idx = det.unit_e, det.npix, det.ngroups, truth.idx
    sigma = np.full(npix, det.rn, np.float32)  # per-read noise, electrons
    i_dead, kinds = idx["dead"], eff["dead_kinds"]
    n_const, n_stuck = (int(i_dead.size * kinds[k] + 1e-9) for k in ("constant", "stuck"))
    n_low = i_dead.size - n_const - n_stuck  # constant | low noise | stuck
    sigma[i_dead[:n_const]] = 0.0
    sigma[i_dead[n_const:n_const + n_low]] = det.rn * rng.uniform(*amp["dead"], n_low)
    sigma[i_dead[n_const + n_low:]] = 0.0
    dead = np.zeros(npix, bool)
    dead[i_dead] = True
    n_tel, n_nl, n_dec = (idx[c].size for c in ("telegraph", "nonlinear", "decreasing"))
    tel_amp = (_loguniform(rng, *amp["telegraph"], n_tel) * unit_e).astype(np.float32)
    nl_amp = _loguniform(rng, *amp["nonlinear"], n_nl) * unit_e
    nl_tau = rng.uniform(*amp["nonlinear_tau"], n_nl) * det.t_ramp
    dec_amp = (_loguniform(rng, *amp["decreasing"], n_dec) * unit_e).astype(np.float32)
    events = _cosmic_events(rng, idx["cosmic_ray"], det.shape, ngroups,
                            np.array(amp["cosmic_ray"]) * unit_e, cluster, dead)
    if any(eff[k] > 0 for k in ("cosmic_ray_halo", "showers", "snowballs")):
        pix, grp, ev_amp = _more_cosmic_rays(erng, det, eff, truth, events,
                                             amp["cosmic_ray"][1] * unit_e, dead)
    else:
        pix, grp, ev_amp = events[:3]
    order = np.argsort(grp, kind="stable")
    pix, grp, ev_amp = pix[order], grp[order], ev_amp[order]
    cr_group = np.full(npix, ngroups, np.int16)
    np.minimum.at(cr_group, pix, grp.astype(np.int16))
    cr_group[cr_group == ngroups] = -1
    cr_step = np.zeros(npix, np.float32)
    np.maximum.at(cr_step, pix, ev_amp.astype(np.float32))
    return SimpleNamespace(
        sigma=sigma, tel_amp=tel_amp, nl_amp=nl_amp, nl_tau=nl_tau, dec_amp=dec_amp,
        pix=pix, ev_amp=ev_amp, bounds=np.searchsorted(grp, np.arange(ngroups + 1)),
        cr_group=cr_group, cr_step=cr_step, i_stuck=i_dead[n_const + n_low:])


def _integrate(rng, det, truth, defects, fx, progress):
    """The (nints, ngroups, ny, nx) float32 cube in DN, group by group, in place, and
    (2, npix) each pixel's fewest telegraph transitions and reads at one level (-1: none)."""
    (ny, nx), ngroups, nints = det.shape, det.ngroups, det.nints
    data = np.empty((nints, ngroups, ny, nx), np.float32)
    base = truth.rate * det.dt
    lam, charge = np.empty(det.npix), np.empty((ny, nx), np.float32)
    rc = np.exp(-np.concatenate([[0.0], det.times])[:, None] / defects.nl_tau)  # (ng + 1, n_nl)
    i_tel = truth.idx["telegraph"]
    tel_stats = np.full((2, det.npix), -1, np.int16)
    with ProgressBar(nints * ngroups) if progress else contextlib.nullcontext() as bar:
        for i in range(nints):
            charge[...] = 0
            levels, stats = _telegraph_levels(rng, fx.tel, ngroups)
            tel_stats[:, i_tel] = stats if i == 0 else np.minimum(tel_stats[:, i_tel], stats)
            for k in range(ngroups):
                np.copyto(lam, base)
                lam[truth.idx["nonlinear"]] += defects.nl_amp * (rc[k] - rc[k + 1])
                if fx.decay is not None:
                    lam[fx.decay[0]] = fx.decay[1][k]
                b0, b1 = defects.bounds[k], defects.bounds[k + 1]
                np.add.at(lam, defects.pix[b0:b1], defects.ev_amp[b0:b1])
                charge += rng.poisson(lam).reshape(ny, nx)
                _read(rng, data[i, k], charge, levels[:, k], k, det, truth, defects, fx)
                if bar is not None:
                    bar.update()
    return data, tel_stats


def _read(rng, out, charge, telegraph, k, det, truth, defects, fx):
    """Read group ``k`` into ``out`` (DN): IPC, non-linearity, readout offsets, read
    noise, bias, clip."""
    _ipc(charge, det.alpha, out=out)
    flat = out.reshape(-1)
    if fx.beta is not None:  # Q (1 - beta Q), flat beyond its maximum (far above full well)
        q = np.minimum(flat, fx.top)
        np.multiply(q, 1 - fx.beta * q, out=flat)
    flat[truth.idx["telegraph"]] += telegraph
    flat[truth.idx["decreasing"]] -= defects.dec_amp * (k / (det.ngroups - 1))
    if fx.reset is not None and np.exp(-k / fx.reset_groups) > 1e-7:
        flat += fx.reset * np.float32(np.exp(-k / fx.reset_groups))
    flat[truth.idx["dead"]] = 0.0
    if fx.stuck is not None:
        flat[fx.i_stuck] = fx.stuck
    out += rng.standard_normal(det.shape, dtype=np.float32) * defects.sigma.reshape(det.shape)
    _readout_effects(fx, out)
    out *= np.float32(1 / det.g)
    out += truth.bias_map.reshape(det.shape)
    np.minimum(out, np.float32(det.sat), out=out)
