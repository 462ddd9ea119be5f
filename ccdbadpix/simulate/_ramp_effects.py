"""Detector effects of `~ccdbadpix.simulate.simulate_ramps` seen in real HxRG darks:
the ``effects`` presets, their validation, the header that records them and the random
draws they need."""

from collections.abc import Mapping
from types import MappingProxyType, SimpleNamespace

import numpy as np
from astropy import units as u

from ccdbadpix.simulate._common import _check, _header, _int, _ipc, _loguniform, _value

#: Detector effects of `simulate_ramps`, all off: the simulation of earlier versions.
#: See `simulate_ramps` for the meaning and unit of each key.
DEFAULT_EFFECTS = MappingProxyType({
    "read_noise_spread": 0.0, "decaying_hot": 0.0, "hot_decay": (0.1, 0.5),
    "nonlinearity": 0.0, "reset_anomaly": 0.0, "reset_anomaly_groups": 1.0,
    "reset_outliers": 0.0,
    "correlated_noise": 0.0, "channels": 4, "read_glitches": 0.0, "telegraph_dwell": None,
    "telegraph_three_levels": 0.0, "cosmic_ray_halo": 0.0, "showers": 0.0, "snowballs": 0.0,
    "dead_kinds": MappingProxyType({"constant": 0.5, "low_noise": 0.5, "stuck": 0.0})})

#: What real H2RG/H4RG darks show: the effects used for the default classifier's
#: training set and the benchmarks (pass as ``effects=REALISTIC_EFFECTS``).
REALISTIC_EFFECTS = MappingProxyType({
    **DEFAULT_EFFECTS, "read_noise_spread": 0.1, "decaying_hot": 0.5, "nonlinearity": 0.08,
    "reset_anomaly": 5.0, "reset_outliers": 5e-4, "correlated_noise": 0.3,
    "read_glitches": 1e-4,
    "telegraph_dwell": (1.5, 8.0),
    "telegraph_three_levels": 0.2, "cosmic_ray_halo": 0.03, "showers": 0.1, "snowballs": 0.02,
    "dead_kinds": MappingProxyType({"constant": 0.3, "low_noise": 0.5, "stuck": 0.2})})

_MAX_NONLINEARITY = 0.15  # deficit at full well; 1.3x that keeps Q (1 - beta Q) invertible
_CR_EFFECTS = ("cosmic_ray_halo", "showers", "snowballs")
_NB_DY = np.array([-1, 1, 0, 0, -1, -1, 1, 1])
_NB_DX = np.array([0, 0, -1, 1, -1, 1, -1, 1])


# ----------------------------------------------------------------------------- checks
def _number(x, key, lo, hi=np.inf, lo_open=False):
    v = _value(x, u.dimensionless_unscaled, f"effects[{key!r}]")
    ok = bool(np.isfinite(v)) and (v > lo if lo_open else v >= lo) and v <= hi
    _check(ok, f"effects[{key!r}] must be in {'(' if lo_open else '['}{lo}, {hi}], got {v}")
    return v


def _pair(x, key, lo, hi, what):
    lo_v, hi_v = _value(x, u.dimensionless_unscaled, f"effects[{key!r}]", shape=(2,))
    _check(lo <= lo_v <= hi_v and (hi_v < hi if hi == 1 else hi_v <= hi),
           f"effects[{key!r}] must be (min, max) with {what}, got {x!r}")
    return float(lo_v), float(hi_v)


def _check_dead_kinds(kinds):
    if not isinstance(kinds, Mapping):
        raise TypeError(f"effects['dead_kinds'] must be a dict of shares, got {kinds!r}")
    valid = DEFAULT_EFFECTS["dead_kinds"]
    for k in kinds:
        _check(k in valid, f"unknown effects['dead_kinds'] key {k!r}; valid: {sorted(valid)}")
    shares = {k: _number(kinds.get(k, 0.0), "dead_kinds", 0, 1) for k in valid}
    _check(abs(sum(shares.values()) - 1) < 1e-9,
           f"effects['dead_kinds'] shares must sum to 1, got {sum(shares.values())}")
    return shares


def _check_effects(effects):
    """The effects merged into `DEFAULT_EFFECTS`, every key and value checked."""
    if effects is None:
        effects = {}
    if not isinstance(effects, Mapping):
        raise TypeError(f"effects must be a dict of effects, got {type(effects).__name__}")
    for key in effects:
        _check(key in DEFAULT_EFFECTS,
               f"unknown effects key {key!r}; valid keys: {sorted(DEFAULT_EFFECTS)}")
    e = {**DEFAULT_EFFECTS, **effects}
    out = {k: _number(e[k], k, 0) for k in ("read_noise_spread", "correlated_noise")}
    out["reset_anomaly"] = _number(e["reset_anomaly"], "reset_anomaly", -np.inf)
    out.update({k: _number(e[k], k, 0, 1) for k in ("decaying_hot", "telegraph_three_levels",
                                                   "showers", "snowballs", "read_glitches",
                                                   "reset_outliers")})
    out["nonlinearity"] = _number(e["nonlinearity"], "nonlinearity", 0, _MAX_NONLINEARITY)
    out["cosmic_ray_halo"] = _number(e["cosmic_ray_halo"], "cosmic_ray_halo", 0, 1 / 8)
    out["reset_anomaly_groups"] = _number(e["reset_anomaly_groups"], "reset_anomaly_groups",
                                          0, lo_open=True)
    out["channels"] = _int(e["channels"], "effects['channels']", 1)
    out["hot_decay"] = _pair(e["hot_decay"], "hot_decay", 0, 1, "0 <= min <= max < 1")
    dwell = e["telegraph_dwell"]
    out["telegraph_dwell"] = None if dwell is None else _pair(
        dwell, "telegraph_dwell", 1, np.inf, "1 <= min <= max (groups)")
    _check(out["showers"] + out["snowballs"] <= 1, "effects['showers'] + "
           f"effects['snowballs'] must be <= 1, got {out['showers'] + out['snowballs']}")
    out["dead_kinds"] = _check_dead_kinds(e["dead_kinds"])
    return {k: out[k] for k in DEFAULT_EFFECTS}


def _frozen(eff):
    return MappingProxyType({**eff, "dead_kinds": MappingProxyType(dict(eff["dead_kinds"]))})


def _effects_cards(eff):
    """FITS header cards (key, value, comment) describing the effects."""
    dwell = eff["telegraph_dwell"] or (0.0, 0.0)
    dk = eff["dead_kinds"]
    return [
        ("RNSPREAD", eff["read_noise_spread"], "lognormal sigma of per-pixel read noise"),
        ("DECAYHOT", eff["decaying_hot"], "share of hot/warm pixels decaying"),
        ("HOTDECLO", eff["hot_decay"][0], "min fractional slope change"),
        ("HOTDECHI", eff["hot_decay"][1], "max fractional slope change"),
        ("NONLIN", eff["nonlinearity"], "non-linearity deficit at full well"),
        ("RESETAN", eff["reset_anomaly"], "[read noise] reset anomaly in group 0"),
        ("RESETGRP", eff["reset_anomaly_groups"], "[groups] reset anomaly decay"),
        ("RESETOUT", eff["reset_outliers"], "share of pixels with 10-300 RN reset anomaly"),
        ("CORRNOIS", eff["correlated_noise"], "[read noise] 1/f noise rms per read"),
        ("NCHANNEL", eff["channels"], "readout channels"),
        ("GLITCHES", eff["read_glitches"], "chance of a one-read glitch per read"),
        ("TELDWLO", dwell[0], "[groups] min telegraph dwell, 0 = random"),
        ("TELDWHI", dwell[1], "[groups] max telegraph dwell, 0 = random"),
        ("TEL3LEV", eff["telegraph_three_levels"], "share of three-level telegraph"),
        ("CRHALO", eff["cosmic_ray_halo"], "cosmic-ray charge to each neighbour"),
        ("CRSHOWER", eff["showers"], "share of cosmic rays that are tracks"),
        ("CRSNOWB", eff["snowballs"], "share of cosmic rays that are snowballs"),
        ("DEADCONS", dk["constant"], "share of dead pixels at the bias"),
        ("DEADLOWN", dk["low_noise"], "share of dead pixels with low noise"),
        ("DEADSTUK", dk["stuck"], "share of dead pixels stuck at a level")]


def _ramp_header(seed, det, eff, classes, amp):
    """The simulation's keywords (NGROUPS, NINTS, TGROUP, GAIN, ... effects, NOISYMIN,
    CLASS0..)."""
    return _header(seed, [
        ("BUNIT", "DN", "data unit"), ("ORIGIN", "ccdbadpix.simulate", "simulator"),
        ("NGROUPS", det.ngroups, "groups per integration"),
        ("NINTS", det.nints, "integrations"), ("TGROUP", det.dt, "[s] time between groups"),
        ("GAIN", det.g, "[electron/DN] gain"),
        ("RDNOISE", det.rn, "[electron] read noise per read"),
        ("BIAS", det.b0, "[DN] mean bias"), ("BIASSPRD", det.bs, "[DN] bias spread"),
        ("DARKCUR", det.dc, "[electron/s] good median"),
        ("HOTTHR", det.hot_thr, "[electron/s] hot threshold"),
        ("WARMTHR", det.warm_thr, "[electron/s] warm threshold"),
        ("SATURATE", det.sat, "[DN] saturation level incl. bias"),
        ("IPCALPHA", det.alpha, "IPC coupling per 4-neighbour")] + _effects_cards(eff)
        + [("NOISYMIN", float(amp["noisy"][0]), "[read noise] least noise of noisy pixels")]
        + [(f"CLASS{i}", name, f"class of label {i}") for i, name in enumerate(classes)])


# ----------------------------------------------------------------------------- draws
def _telegraph_states(rng, n, ngroups):
    """(n, ngroups) 0/1 levels with 2..k transitions at random group boundaries."""
    kmax = max(2, min(ngroups - 1, ngroups // 5))
    k = rng.integers(2, kmax + 1, n)
    ranks = rng.random((n, ngroups - 1)).argsort(axis=1)
    toggles = (ranks < k[:, None]).astype(np.int8)
    states = np.empty((n, ngroups), np.float32)
    states[:, 0] = rng.integers(0, 2, n)
    states[:, 1:] = (states[:, :1] + np.cumsum(toggles, axis=1)) % 2
    return states


def _markov_states(rng, dwell, three, ngroups):
    """(n, ngroups) states 0/1 (0/1/2 where ``three``) of a symmetric Markov chain that
    leaves its state with probability 1 / dwell at each group boundary."""
    n = dwell.size
    switch = rng.random((n, ngroups - 1)) < 1 / dwell[:, None]
    step = np.where(three[:, None], rng.integers(1, 3, (n, ngroups - 1)), 1)
    nlev = np.where(three, 3, 2)
    states = np.empty((n, ngroups), np.int64)
    states[:, 0] = (rng.random(n) * nlev).astype(np.int64)
    states[:, 1:] = (states[:, :1] + np.cumsum(switch * step, axis=1)) % nlev[:, None]
    return states


def _telegraph_levels(rng, tel, ngroups):
    """One integration's (n, ngroups) float32 telegraph offsets (electron) and (2, n) of
    each pixel's level transitions and fewest reads at one of its levels; at least one
    up and one down in every ramp."""
    n = tel.levels.shape[0]
    if tel.dwell is None:  # random boundaries (main generator, as without effects)
        states = _telegraph_states(rng, n, ngroups).astype(np.int64)
        if tel.three.any():  # each high segment at the second or third level
            seg = np.cumsum(np.diff(states, axis=1, prepend=states[:, :1]) != 0, axis=1)
            third = np.take_along_axis(tel.rng.random((n, ngroups)) < 0.5, seg, axis=1)
            states[tel.three[:, None] & (states == 1) & third] = 2
    else:
        states, todo = np.zeros((n, ngroups), np.int64), np.arange(n)
        for _ in range(1000):
            if not todo.size:
                break
            s = _markov_states(tel.rng, tel.dwell[todo], tel.three[todo], ngroups)
            d = np.diff(np.take_along_axis(tel.levels[todo], s, axis=1), axis=1)
            ok = (d > 0).any(axis=1) & (d < 0).any(axis=1)
            states[todo[ok]], todo = s[ok], todo[~ok]
        states[todo] = _telegraph_states(tel.rng, todo.size, ngroups)  # practically never
    levels = np.take_along_axis(tel.levels, states, axis=1)
    counts = np.stack([(states == s).sum(axis=1) for s in range(3)])
    fewest = np.where(counts > 0, counts, ngroups).min(axis=0)
    return levels, np.stack([(np.diff(levels, axis=1) != 0).sum(axis=1), fewest])


def _correlated_noise(rng, shape, channels, rms):
    """(ny, nx/channels) float32 1/f series over the readout order of one channel
    (rows of the channel one after the other), zero mean, std ``rms``."""
    ny, nx = shape
    width = -(-nx // channels)
    n = ny * width
    if n < 2:
        return np.zeros((ny, width), np.float32)
    f = np.fft.rfftfreq(n)
    spec = rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)
    spec[0] = 0
    spec[1:] /= np.sqrt(f[1:])
    series = np.fft.irfft(spec, n)
    series *= rms / series.std()
    return series.reshape(ny, width).astype(np.float32)


def _add_correlated(out, row):
    """Add a channel's series ``row`` to every channel of ``out`` (same readout order)."""
    width = row.shape[1]
    for x0 in range(0, out.shape[1], width):
        block = out[:, x0:x0 + width]
        block += row[:, :block.shape[1]]


def _readout_effects(fx, out):
    """Add, in place, to one read ``out`` (electron) the correlated noise and the
    one-read glitches (a share ``fx.glitch`` of the pixels, 5-30 read noises either way:
    readout spikes, not charge)."""
    if fx.corr is not None:
        _add_correlated(out, _correlated_noise(fx.rng, out.shape, fx.corr[1], fx.corr[0]))
    if fx.glitch:
        flat = out.reshape(-1)
        m = fx.rng.binomial(flat.size, fx.glitch)
        pix = fx.rng.integers(0, flat.size, m)
        amp = _loguniform(fx.rng, 5, 30, m) * fx.unit_e * fx.rng.choice([-1.0, 1.0], m)
        np.add.at(flat, pix, amp.astype(np.float32))


def _cosmic_events(rng, idx, shape, ngroups, amp, cluster, dead):
    """Primary and cluster-neighbour cosmic-ray steps as (pixel, group, electrons) and
    the number of hits (primaries, then second hits, lead the arrays)."""
    n = idx.size
    g1 = rng.integers(1, ngroups, n)
    a1 = _loguniform(rng, *amp, n)
    second = rng.random(n) < 0.1  # occasionally a second hit
    g2, a2 = rng.integers(1, ngroups, n)[second], _loguniform(rng, *amp, n)[second]
    y, x = np.divmod(idx, shape[1])
    k = rng.integers(cluster[0], cluster[1] + 1, n)
    hit = rng.random((n, 8)).argsort(axis=1) < k[:, None]
    ny_, nx_ = y[:, None] + _NB_DY, x[:, None] + _NB_DX
    hit &= (ny_ >= 0) & (ny_ < shape[0]) & (nx_ >= 0) & (nx_ < shape[1])
    nb_pix = (ny_ * shape[1] + nx_)[hit]
    keep = ~dead[nb_pix]
    pix = np.concatenate([idx, idx[second], nb_pix[keep]])
    grp = np.concatenate([g1, g2, np.broadcast_to(g1[:, None], hit.shape)[hit][keep]])
    namp = (a1[:, None] * rng.uniform(0.05, 0.5, (n, 8)))[hit][keep]
    return pix, grp, np.concatenate([a1, a2, namp]), n + g2.size


def _spread(shape, pix, grp, dy, dx, amp, dead):
    """Events at offsets (dy, dx) (m, k) of the m pixels ``pix``, inside the array and
    not on dead pixels; ``amp`` (m, k) electrons, 0 for no event."""
    y, x = np.divmod(pix, shape[1])
    yy, xx = y[:, None] + dy.astype(np.int64), x[:, None] + dx.astype(np.int64)
    ok = (amp > 0) & (yy >= 0) & (yy < shape[0]) & (xx >= 0) & (xx < shape[1])
    p = (yy * shape[1] + xx)[ok]
    keep = ~dead[p]
    return p[keep], np.broadcast_to(grp[:, None], ok.shape)[ok][keep], amp[ok][keep]


def _shapes(rng, a1, track, snow, amp_hi):
    """Offsets and charges of the extra pixels of tracks and snowballs; the charge of
    snowball primaries (their core charge)."""
    m = int(track.sum())
    length = rng.integers(3, 16, m)
    theta = rng.uniform(0, 2 * np.pi, m)
    d = np.stack([np.sin(theta), np.cos(theta)])
    d /= np.abs(d).max(axis=0)  # one pixel per step along the dominant axis
    i = np.arange(1, 15)
    t_dy, t_dx = np.rint(d[0][:, None] * i), np.rint(d[1][:, None] * i)
    t_amp = np.where(i < length[:, None], a1[track][:, None] * rng.uniform(0.2, 1, (m, 14)), 0)
    core = _loguniform(rng, amp_hi, 10 * amp_hi, int(snow.sum()))
    radius = rng.uniform(2, 4, core.size)[:, None]
    s_dy, s_dx = (g.ravel() for g in np.mgrid[-4:5, -4:5])
    r = np.hypot(s_dy, s_dx)
    s_dy, s_dx, r = s_dy[r > 0], s_dx[r > 0], r[r > 0]
    rc = radius / 2
    fall = 0.5 * np.exp(-3 * (r - rc) / (radius - rc))
    s_amp = core[:, None] * np.where(r <= rc, 1.0, np.where(r <= radius, fall, 0.0))
    return (t_dy, t_dx, t_amp), (np.broadcast_to(s_dy, s_amp.shape),
                                 np.broadcast_to(s_dx, s_amp.shape), s_amp), core


def _more_cosmic_rays(rng, det, eff, truth, events, amp_hi, dead):
    """Today's events plus halos, tracks and snowballs, summed per (pixel, group),
    sorted by group, and clipped to 80 % of each pixel's full well."""
    pix, grp, amp, nhits = events
    n = truth.idx["cosmic_ray"].size
    kind = rng.random(n)
    track = kind < eff["showers"]
    snow = ~track & (kind < eff["showers"] + eff["snowballs"])
    tr, sb, core = _shapes(rng, amp[:n], track, snow, amp_hi)
    amp = amp.copy()
    amp[:n][snow] = core
    halo = np.ones(nhits, bool)
    halo[:n] = ~snow
    h_amp = eff["cosmic_ray_halo"] * amp[:nhits][halo][:, None] * np.ones(8)
    parts = [(pix, grp, amp),
             _spread(det.shape, pix[:nhits][halo], grp[:nhits][halo], _NB_DY, _NB_DX, h_amp,
                     dead),
             _spread(det.shape, pix[:n][track], grp[:n][track], *tr, dead),
             _spread(det.shape, pix[:n][snow], grp[:n][snow], *sb, dead)]
    pix, grp, amp = (np.concatenate(a) for a in zip(*parts, strict=True))
    key, inv = np.unique(grp.astype(np.int64) * det.npix + pix, return_inverse=True)
    amp = np.bincount(inv, weights=amp)
    grp, pix = np.divmod(key, det.npix)
    full = (det.sat - truth.bias_map.astype(float)) * det.g
    room = np.maximum(0.8 * full - truth.rate * det.t_ramp, 0)
    total = np.bincount(pix, weights=amp, minlength=det.npix)
    scale = np.minimum(1, room / np.where(total > 0, total, 1))
    amp = amp * scale[pix]
    keep = amp > 0
    return pix[keep], grp[keep], amp[keep]


def _draw_effects(rng, det, eff, amp, truth, defects):
    """The per-pixel parameters of the effects: noise map (in place in
    ``defects.sigma``), decaying rates, non-linearity, reset anomaly, stuck levels and
    telegraph levels."""
    idx, npix, unit_e = truth.idx, det.npix, det.unit_e
    sigma, i_dead = defects.sigma, idx["dead"]
    if eff["read_noise_spread"] > 0:
        spread = np.exp(eff["read_noise_spread"] * rng.standard_normal(npix))
        spread[i_dead] = 1
        sigma *= spread.astype(np.float32)
    sigma[idx["noisy"]] = _loguniform(rng, *amp["noisy"], idx["noisy"].size) * unit_e
    fx = SimpleNamespace(rng=rng, beta=None, reset=None, decay=None, corr=None,
                         i_stuck=defects.i_stuck, stuck=None, unit_e=unit_e,
                         glitch=eff["read_glitches"])
    hw = np.concatenate([idx["hot"], idx["warm"]])
    decays = hw[rng.random(hw.size) < eff["decaying_hot"]]
    if decays.size:
        change = rng.uniform(*eff["hot_decay"], decays.size)
        tau = -det.t_ramp / np.log1p(-change)
        r0 = truth.rate[decays] * det.t_ramp / tau / change  # mean over the ramp = truth
        edges = det.dt * np.arange(det.ngroups + 1)[:, None]
        fx.decay = decays, r0 * tau * -np.diff(np.exp(-edges / tau), axis=0)
    full = (det.sat - truth.bias_map.astype(float)) * det.g
    if eff["nonlinearity"] > 0:
        beta = eff["nonlinearity"] * rng.uniform(0.7, 1.3, npix) / full
        i_sat = idx["saturated"]  # charge that reads as full well at the intended time
        bq = beta[i_sat] * full[i_sat]
        truth.rate[i_sat] *= (1 - np.sqrt(1 - 4 * bq)) / (2 * bq)
        truth.ipc_lit = (truth.labels.reshape(det.shape) == 0) & (
            _ipc(truth.rate_map, det.alpha) >= det.warm_thr)
        fx.beta, fx.top = beta.astype(np.float32), (0.5 / beta).astype(np.float32)
    if eff["reset_anomaly"] != 0:
        fx.reset = (eff["reset_anomaly"] * unit_e * rng.lognormal(0, 0.3, npix)
                    ).astype(np.float32)
        fx.reset[i_dead] = 0
        fx.reset_groups = eff["reset_anomaly_groups"]
    if defects.i_stuck.size:
        level = rng.uniform(0, 0.8, defects.i_stuck.size) * full[defects.i_stuck]
        fx.stuck = level.astype(np.float32)
    if eff["correlated_noise"] > 0:
        fx.corr = eff["correlated_noise"] * unit_e, eff["channels"]
    fx.tel = _telegraph_truth(rng, eff, defects.tel_amp)
    if eff["reset_outliers"] > 0:
        _reset_outliers(rng, fx, eff, npix, unit_e, i_dead)
    return fx


def _reset_outliers(rng, fx, eff, npix, unit_e, i_dead):
    """A share ``reset_outliers`` of the pixels (not dead) get a reset anomaly of 10-300
    read noises (log-uniform, either way) instead of the detector's, in place."""
    pick = np.flatnonzero(rng.random(npix) < eff["reset_outliers"])
    pick = pick[~np.isin(pick, i_dead)]
    if fx.reset is None:
        fx.reset = np.zeros(npix, np.float32)
        fx.reset_groups = eff["reset_anomaly_groups"]
    sign = rng.choice([-1.0, 1.0], pick.size)
    fx.reset[pick] = (_loguniform(rng, 10, 300, pick.size) * unit_e * sign).astype(np.float32)


def _telegraph_truth(rng, eff, tel_amp):
    """Per telegraph pixel: dwell time (or None), three-level flag, (n, 3) levels."""
    n = tel_amp.size
    three = rng.random(n) < eff["telegraph_three_levels"]
    dwell = None
    if eff["telegraph_dwell"] is not None:
        lo, hi = eff["telegraph_dwell"]
        dwell = _loguniform(rng, lo, hi, n)
    third = np.where(rng.random(n) < 0.5, rng.uniform(0.3, 0.7, n), 2.0) * tel_amp
    levels = np.stack([np.zeros(n, np.float32), tel_amp, third.astype(np.float32)], axis=1)
    return SimpleNamespace(rng=rng, three=three, dwell=dwell, levels=levels)
