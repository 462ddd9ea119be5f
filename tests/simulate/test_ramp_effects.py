"""Tests of the detector effects of simulate_ramps (``effects=``) against their truth."""

import hashlib

import numpy as np
import pytest
from astropy import units as u
from astropy.io import fits
from scipy import ndimage

from ccdbadpix.simulate import (
    DEFAULT_AMPLITUDES,
    DEFAULT_EFFECTS,
    DEFAULT_FRACTIONS,
    PIXEL_CLASSES,
    REALISTIC_EFFECTS,
    simulate_ramps,
)

E_S = u.electron / u.s
OLD_CLASSES = ("hot", "warm", "dead", "telegraph", "nonlinear", "saturated", "cosmic_ray",
               "decreasing")
NONE = dict.fromkeys(DEFAULT_FRACTIONS, 0.0)  # no defects at all
QUIET = dict(read_noise=0, dark_current=0, ipc_alpha=0, bias_spread=0)  # noiseless levels


def _digest(sim):
    h = hashlib.sha256()
    for a in (sim.data, sim.labels, sim.dark_current.value, sim.cosmic_ray_group,
              sim.cosmic_ray_step.value, sim.bias.value, sim.ipc_lit):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


# checksums of the simulator before effects existed (same seeds, same arguments)
REGRESSION = [
    (dict(shape=(64, 64), ngroups=20, seed=1),
     "4c147f08cd8d53a334bcfed5432902823a28f0e5bd36acccbfb69b57eccb648d"),
    (dict(shape=(48, 40), ngroups=12, nints=2, seed=2, fractions=dict.fromkeys(OLD_CLASSES, 0.03)),
     "decb27dd9a52a9d5abaa73e2355c45956ce1553f20f5390eb23955c270b6cef9"),
    (dict(shape=(32, 32), ngroups=30, seed=3, read_noise=5, gain=2, ipc_alpha=0.02,
          fractions={"saturated": 0.05, "cosmic_ray": 0.08, "dead": 0.05},
          cosmic_ray_cluster_size=(2, 6)),
     "f7735e6192c5de0942609bcfd1c1ee2215f53fc685f1cb73f7f71a076e469326"),
]


@pytest.mark.parametrize(("kwargs", "digest"), REGRESSION)
@pytest.mark.parametrize("effects", [None, {}, DEFAULT_EFFECTS])
def test_defaults_bit_identical_to_before_effects(kwargs, digest, effects):
    assert _digest(simulate_ramps(**kwargs, effects=effects)) == digest


def test_noisy_class_appended_and_off_by_default():
    assert PIXEL_CLASSES[:9] == ("good", "hot", "warm", "dead", "telegraph", "nonlinear",
                                 "saturated", "cosmic_ray", "decreasing")
    assert PIXEL_CLASSES[9] == "noisy" and DEFAULT_FRACTIONS["noisy"] == 0
    assert DEFAULT_AMPLITUDES["noisy"] == (1.5, 4.0)
    assert not simulate_ramps((32, 32), ngroups=3, seed=0).mask("noisy").any()


def _noise(sim):
    """Per-pixel white noise per read (electron) from group differences."""
    return np.diff(sim.data, axis=0).std(axis=0, ddof=1) / np.sqrt(2) * sim.gain.value


def test_read_noise_spread():
    sim = simulate_ramps((64, 64), ngroups=60, dark_current=0, ipc_alpha=0, fractions=NONE,
                         effects={"read_noise_spread": 0.3}, seed=31)
    truth = sim.read_noise_map.to_value(u.electron)
    assert np.log(truth / 10).std() == pytest.approx(0.3, abs=0.015)
    assert np.median(truth) == pytest.approx(10, rel=0.03)
    measured = _noise(sim)
    assert np.median(measured / truth) == pytest.approx(1, abs=0.02)
    assert np.corrcoef(np.log(measured).ravel(), np.log(truth).ravel())[0, 1] > 0.9
    plain = simulate_ramps((8, 8), ngroups=3, seed=1)
    np.testing.assert_array_equal(plain.read_noise_map[plain.labels == 0], 10 * u.electron)


def test_noisy_pixels():
    sim = simulate_ramps((64, 64), ngroups=120, fractions=NONE | {"noisy": 0.05}, ipc_alpha=0,
                         amplitudes={"noisy": (2, 3)}, seed=32)
    noisy = sim.mask("noisy")
    truth = sim.read_noise_map.to_value(u.electron)
    assert noisy.sum() == round(0.05 * 4096)
    assert np.all((truth[noisy] >= 20) & (truth[noisy] <= 30))
    ratio = _noise(sim)[noisy] / truth[noisy]
    assert np.median(ratio) == pytest.approx(1, abs=0.03) and np.all(np.abs(ratio - 1) < 0.35)
    good = sim.labels == 0
    assert np.median(_noise(sim)[good]) == pytest.approx(10, rel=0.03)
    assert np.all(sim.dark_current[noisy] < sim.warm_threshold)  # good-like rate
    np.testing.assert_array_equal(sim.observable_labels()[noisy], PIXEL_CLASSES.index("noisy"))


def test_noisy_boundary_left_out_of_the_observable_truth():
    """Good pixels whose noise spread reaches the least noise of noisy pixels, and noisy
    pixels near it, are -1 with ``noisy_within``: exactly those within k relative
    standard errors of a measured noise of that boundary."""
    sim = simulate_ramps((64, 64), ngroups=50, fractions=NONE | {"noisy": 0.05}, ipc_alpha=0,
                         amplitudes={"noisy": (1.4, 3)},
                         effects={"read_noise_spread": 0.15}, seed=33)
    assert sim.meta["NOISYMIN"] == 1.4
    ratio = sim.read_noise_map.to_value(u.electron) / 10
    rel = 1 + 2 / np.sqrt(2 * 48)
    near = (ratio > 1.4 / rel) & (ratio < 1.4 * rel)
    plain, ruled = sim.observable_labels(), sim.observable_labels(noisy_within=2)
    touched = np.isin(plain, [0, PIXEL_CLASSES.index("noisy")]) & near
    assert touched[sim.labels == 0].sum() > 5 and touched[sim.mask("noisy")].sum() > 5
    np.testing.assert_array_equal(ruled == -1, (plain == -1) | touched)
    np.testing.assert_array_equal(ruled[~touched], plain[~touched])


def _slope(t, y):
    tc = t - t.mean()
    return np.tensordot(tc, y - y.mean(axis=0), axes=(0, 0)) / (tc**2).sum()


def test_decaying_hot_pixels():
    fractions = NONE | {"hot": 0.03, "warm": 0.03}
    kw = dict(shape=(64, 64), ngroups=60, read_noise=2, ipc_alpha=0, fractions=fractions,
              amplitudes={"hot": (30, 100)}, seed=33)
    sim = simulate_ramps(**kw, effects={"decaying_hot": 1.0, "hot_decay": (0.3, 0.5)})
    t, rate = sim.times.to_value(u.s), sim.dark_current.to_value(E_S)
    hot = sim.mask("hot")

    def late_to_early(s):  # windows 40 groups apart: (1 - change) ** (40 / 60)
        return _slope(t[-20:], s.data[-20:, hot]) / _slope(t[:20], s.data[:20, hot])

    ratio = late_to_early(sim)  # 0.63-0.79 and Poisson noise of a few %
    assert np.all((ratio > 0.57) & (ratio < 0.86))
    assert ratio.min() < 0.66 and ratio.max() > 0.76  # the whole range of changes
    lsq = _slope(t, sim.data[:, hot])  # gain 1; -1 % at a change of 0.5, 0.7 % noise
    np.testing.assert_allclose(lsq, rate[hot], rtol=0.04)
    assert np.mean(lsq / rate[hot]) == pytest.approx(1, abs=0.015)
    half = late_to_early(simulate_ramps(**kw, effects={"decaying_hot": 0.5,
                                                      "hot_decay": (0.3, 0.5)}))
    assert 0.35 < np.mean(half < 0.9) < 0.65 and np.all(np.abs(half[half >= 0.9] - 1) < 0.1)
    # hot and warm by the (mean) dark current, as without effects
    assert np.all(rate[hot] >= 1) and np.all((rate[sim.mask("warm")] >= 0.1)
                                             & (rate[sim.mask("warm")] < 1))


def _pair(effects, **kwargs):
    """The same simulation without and with ``effects`` (same seed)."""
    kw = dict(shape=(64, 64), ngroups=20, ipc_alpha=0, seed=34) | kwargs
    return simulate_ramps(**kw), simulate_ramps(**kw, effects=effects)


def test_nonlinearity_deficit():
    fractions = {"saturated": 0, "hot": 0.05}
    base, nl = _pair({"nonlinearity": 0.1}, fractions=fractions)
    q_full = (60000 - base.bias.value) * 1.0
    q = base.data - base.bias.value  # electrons (gain 1)
    high = q > 3000
    beta_q_full = (base.data - nl.data)[high] / q[high] ** 2 * np.broadcast_to(q_full,
                                                                              q.shape)[high]
    assert high.sum() > 100
    assert np.all((beta_q_full > 0.07 * 0.98) & (beta_q_full < 0.13 * 1.02))  # read noise
    assert beta_q_full.min() < 0.075 and beta_q_full.max() > 0.125  # U(0.7, 1.3) spread
    low = q < 50
    assert np.all(np.abs(base.data - nl.data)[low] < 0.05)
    assert nl.effects["nonlinearity"] == 0.1 and nl.meta["NONLIN"] == 0.1


def test_nonlinear_saturated_pixels_still_saturate():
    sim = simulate_ramps((48, 48), ngroups=30, fractions={"saturated": 0.05},
                         effects={"nonlinearity": 0.15}, seed=35)
    sat = sim.mask("saturated")
    assert np.all(sim.data[-1, sat] == 60000)


def test_reset_anomaly():
    fractions = {"saturated": 0, "dead": 0.03}
    base, ra = _pair({"reset_anomaly": 5.0, "reset_anomaly_groups": 2.0}, nints=2,
                     fractions=fractions, gain=2)
    d = (ra.data - base.data) * 2  # electrons
    dead = base.mask("dead")
    np.testing.assert_array_equal(d[:, :, dead], 0)
    live = ~dead
    amp0 = d[:, 0][:, live]
    np.testing.assert_allclose(d[:, 1][:, live], amp0 * np.exp(-1 / 2), rtol=2e-3, atol=0.05)
    np.testing.assert_allclose(d[:, 4][:, live], amp0 * np.exp(-4 / 2), rtol=2e-3, atol=0.05)
    np.testing.assert_allclose(amp0[0], amp0[1], rtol=1e-3)  # same in every integration
    assert np.median(amp0) == pytest.approx(50, rel=0.05)  # 5 read noises
    assert np.log(amp0[0]).std() == pytest.approx(0.3, abs=0.02)
    assert np.all(amp0 > 0)
    # a negative anomaly: the first reads are low by the same amounts
    _, low = _pair({"reset_anomaly": -5.0, "reset_anomaly_groups": 2.0}, nints=2,
                   fractions=fractions, gain=2)
    np.testing.assert_allclose((low.data - base.data) * 2, -d, rtol=2e-3, atol=0.05)


def test_correlated_noise_row_banding():
    base, cn = _pair({"correlated_noise": 0.3, "channels": 4}, fractions={"saturated": 0,
                                                                         "dead": 0.02})
    d = (cn.data - base.data).astype(float)  # DN = electron here
    assert np.allclose(d.std(axis=(1, 2)), 3.0, rtol=0.01)  # 0.3 read noise per read
    w = 16
    for c in range(1, 4):  # common to all channels
        np.testing.assert_allclose(d[:, :, c * w:(c + 1) * w], d[:, :, :w], atol=0.01)
    assert np.all((d[:, base.mask("dead")] != 0).any(axis=0))  # dead pixels too
    rows = d[:, :, :w].mean(axis=2)  # (groups, rows): banding
    assert (rows.std(axis=1) / d.std(axis=(1, 2))).mean() > 0.5  # white noise: 1/sqrt(16)
    adjacent = np.mean([np.corrcoef(r[:-1], r[1:])[0, 1] for r in rows])
    assert adjacent > 0.5
    c = np.corrcoef(d.reshape(len(d), -1))[np.triu_indices(len(d), 1)]
    assert abs(c.mean()) < 0.08  # new in each read


def _levels(sim):
    """Noiseless telegraph levels (electron) of each integration: (nints, ngroups, n)."""
    data = sim.data if sim.data.ndim == 4 else sim.data[None]
    return (data[:, :, sim.mask("telegraph")] - 12000) * sim.gain.value


@pytest.mark.parametrize("dwell", [(1.5, 4.0), None])
def test_telegraph_switches_truth(dwell):
    sim = simulate_ramps((48, 48), ngroups=20, nints=3, fractions=NONE | {"telegraph": 0.1},
                         amplitudes={"telegraph": (2, 5)}, **QUIET,
                         effects={"telegraph_dwell": dwell, "telegraph_three_levels": 0.3},
                         seed=36)
    lv = _levels(sim)
    d = np.diff(lv, axis=1)
    assert np.all((d > 0).any(axis=1) & (d < 0).any(axis=1))  # up and down every time
    counts = (d != 0).sum(axis=1).min(axis=0)
    tel = sim.mask("telegraph")
    np.testing.assert_array_equal(sim.telegraph_switches[tel], counts)
    assert np.all(counts >= 2) and np.all(sim.telegraph_switches[~tel] == -1)
    # reads at the least-visited level, fewest over the integrations
    fewest = [min(np.unique(lv[i, :, j], return_counts=True)[1].min() for i in range(3))
              for j in range(tel.sum())]
    np.testing.assert_array_equal(sim.telegraph_min_reads[tel], fewest)
    assert np.all(sim.telegraph_min_reads[~tel] == -1) and min(fewest) >= 1
    step = sim.telegraph_step.to_value(u.electron)
    assert np.all((step[tel] >= 2) & (step[tel] <= 5)) and np.all(step[~tel] == 0)
    distinct = [np.unique(lv[:, :, j]).size for j in range(tel.sum())]
    assert set(distinct) <= {2, 3}
    assert 0.15 < np.mean(np.array(distinct) == 3) < 0.4
    two = np.array(distinct) == 2
    top = lv.max(axis=(0, 1)) / step[tel]  # A, 2 A, or (three levels seen as two) 0.3-0.7 A
    near = np.isclose(top, 1, atol=1e-3) | np.isclose(top, 2, atol=1e-3)
    assert np.all(near | (two & (top > 0.3 - 1e-3) & (top < 0.7 + 1e-3)))
    assert np.mean(np.isclose(top, 1, atol=1e-3)) > 0.7


def test_telegraph_markov_dwell_time():
    sim = simulate_ramps((32, 32), ngroups=80, fractions=NONE | {"telegraph": 0.1},
                         **QUIET, effects={"telegraph_dwell": (2.0, 2.0)}, seed=37)
    rate = (np.diff(_levels(sim)[0], axis=0) != 0).mean()
    assert rate == pytest.approx(0.5, abs=0.05)  # leaves a state every 2 groups on average
    slow = simulate_ramps((32, 32), ngroups=80, fractions=NONE | {"telegraph": 0.1},
                          **QUIET, effects={"telegraph_dwell": (8.0, 8.0)}, seed=37)
    assert (np.diff(_levels(slow)[0], axis=0) != 0).mean() == pytest.approx(1 / 8, abs=0.03)


def test_cosmic_ray_halo_showers_snowballs():
    kw = dict(shape=(96, 96), ngroups=10, fractions=NONE | {"cosmic_ray": 0.01, "dead": 0.02},
              **QUIET, seed=38)
    plain = simulate_ramps(**kw)
    sim = simulate_ramps(**kw, effects={"cosmic_ray_halo": 0.05, "showers": 0.4,
                                        "snowballs": 0.3})
    hit = sim.cosmic_ray_group >= 0
    assert hit.sum() > 3 * (plain.cosmic_ray_group >= 0).sum()
    charge = sim.data[-1] - sim.data[0]  # no dark current, no noise: only cosmic rays
    assert np.all(hit[charge > 0])  # every pixel with charge is recorded
    assert np.mean(charge[hit] > 0) > 0.9  # (a small halo step can collect 0 electrons)
    step = sim.cosmic_ray_step.to_value(u.electron)
    assert np.all(step[hit] > 0) and np.all(step[~hit] == 0)
    assert np.all(charge[hit] >= step[hit] - 5 * np.sqrt(step[hit]) - 1)  # Poisson charge
    g = sim.cosmic_ray_group
    for y, x in zip(*np.nonzero(hit), strict=True):  # nothing before the first group
        assert np.all(sim.data[:g[y, x], y, x] == sim.data[0, y, x])
    assert sim.data.max() < 0.85 * 60000 + 12000 * 0.2  # kept below saturation
    dead = sim.mask("dead")
    assert not hit[dead].any() and np.all(charge[dead] == 0)
    sizes = np.bincount(ndimage.label(hit, structure=np.ones((3, 3)))[0].ravel())[1:]
    assert sizes.max() >= 13  # a snowball of radius >= 2
    obs = sim.observable_labels()
    assert np.sum(obs == PIXEL_CLASSES.index("cosmic_ray")) > sim.mask("cosmic_ray").sum()


def test_dead_kinds():
    kinds = {"constant": 0.2, "low_noise": 0.3, "stuck": 0.5}
    sim = simulate_ramps((64, 64), ngroups=10, nints=2, fractions={"dead": 0.05},
                         effects={"dead_kinds": kinds}, seed=39)
    dead = sim.mask("dead")
    ramps = sim.data[:, :, dead].reshape(-1, dead.sum())
    bias = sim.bias.value[dead]
    flat = np.ptp(ramps, axis=0) == 0
    constant = flat & (ramps[0] == bias)
    stuck = flat & (ramps[0] != bias)
    assert np.all(ramps[0, stuck] > bias[stuck])
    n = dead.sum()
    assert constant.sum() == int(n * 0.2) and stuck.sum() == int(n * 0.5)
    assert np.all(ramps[0, stuck] <= bias[stuck] + 0.8 * (60000 - bias[stuck]) + 0.01)
    low = ~flat
    assert low.sum() == n - int(n * 0.2) - int(n * 0.5)
    noise = sim.read_noise_map.to_value(u.electron)[dead]
    np.testing.assert_array_equal(noise[flat], 0)
    assert np.all((noise[low] >= 0.5) & (noise[low] <= 2))  # amplitudes["dead"] x 10 e


def test_realistic_effects_run_and_are_recorded(tmp_path):
    assert REALISTIC_EFFECTS["read_noise_spread"] == 0.1
    assert REALISTIC_EFFECTS["dead_kinds"]["stuck"] == 0.2
    with pytest.raises(TypeError):
        REALISTIC_EFFECTS["nonlinearity"] = 0  # read-only
    sim = simulate_ramps((64, 64), ngroups=30, nints=2, effects=REALISTIC_EFFECTS,
                         fractions={"noisy": 0.01, "telegraph": 0.02}, seed=40)
    assert dict(sim.effects) == {**REALISTIC_EFFECTS, "dead_kinds": {
        "constant": 0.3, "low_noise": 0.5, "stuck": 0.2}}
    with pytest.raises(TypeError):
        sim.effects["showers"] = 1
    assert np.all(np.isfinite(sim.data)) and sim.data.max() <= 60000
    m = sim.meta
    assert (m["RNSPREAD"], m["NONLIN"], m["RESETAN"], m["CORRNOIS"]) == (0.1, 0.08, 5.0, 0.3)
    assert (m["TELDWLO"], m["TELDWHI"], m["DEADSTUK"], m["CLASS9"]) == (1.5, 8.0, 0.2, "noisy")
    assert sim.telegraph_switches[sim.mask("telegraph")].min() >= 2
    path = tmp_path / "ramp.fits"
    sim.write(path)
    with fits.open(path) as hdul:
        np.testing.assert_array_equal(hdul["RDNOISE"].data, sim.read_noise_map.value)
        np.testing.assert_array_equal(hdul["TELSWTCH"].data, sim.telegraph_switches)
        np.testing.assert_array_equal(hdul["TELMINRD"].data, sim.telegraph_min_reads)
        np.testing.assert_array_equal(hdul["TELSTEP"].data, sim.telegraph_step.value)
        assert hdul["LABELS"].header["CLASS9"] == "noisy"


def test_effects_input_not_modified():
    effects = {"dead_kinds": {"stuck": 1.0}, "hot_decay": [0.1, 0.2]}
    simulate_ramps((8, 8), ngroups=3, effects=effects, seed=1)
    assert effects == {"dead_kinds": {"stuck": 1.0}, "hot_decay": [0.1, 0.2]}


@pytest.mark.parametrize(("effects", "error", "match"), [
    ({"bogus": 1}, ValueError, "bogus"),
    ([("nonlinearity", 0.1)], TypeError, "effects"),
    ({"read_noise_spread": -0.1}, ValueError, "read_noise_spread"),
    ({"read_noise_spread": np.nan}, ValueError, "read_noise_spread"),
    ({"read_noise_spread": "0.1"}, TypeError, "read_noise_spread"),
    ({"decaying_hot": 1.5}, ValueError, "decaying_hot"),
    ({"hot_decay": (0.5, 0.1)}, ValueError, "hot_decay"),
    ({"hot_decay": (0.1, 1.0)}, ValueError, "hot_decay"),
    ({"hot_decay": 0.3}, ValueError, "hot_decay"),
    ({"nonlinearity": 0.5}, ValueError, "nonlinearity"),
    ({"nonlinearity": -0.01}, ValueError, "nonlinearity"),
    ({"reset_anomaly": float("nan")}, ValueError, "reset_anomaly"),
    ({"reset_anomaly": float("inf")}, ValueError, "reset_anomaly"),
    ({"reset_anomaly_groups": 0}, ValueError, "reset_anomaly_groups"),
    ({"correlated_noise": -0.3}, ValueError, "correlated_noise"),
    ({"channels": 0}, ValueError, "channels"),
    ({"channels": 2.5}, TypeError, "channels"),
    ({"telegraph_dwell": (8, 2)}, ValueError, "telegraph_dwell"),
    ({"telegraph_dwell": (0.5, 2)}, ValueError, "telegraph_dwell"),
    ({"telegraph_dwell": 3}, ValueError, "telegraph_dwell"),
    ({"telegraph_three_levels": -0.2}, ValueError, "telegraph_three_levels"),
    ({"cosmic_ray_halo": 0.2}, ValueError, "cosmic_ray_halo"),
    ({"showers": 2}, ValueError, "showers"),
    ({"snowballs": -0.1}, ValueError, "snowballs"),
    ({"showers": 0.6, "snowballs": 0.6}, ValueError, "showers"),
    ({"dead_kinds": {"constant": 0.5, "stuck": 0.2}}, ValueError, "sum to 1"),
    ({"dead_kinds": {"constant": 0.5, "zombie": 0.5}}, ValueError, "zombie"),
    ({"dead_kinds": {"constant": 1.5, "stuck": -0.5}}, ValueError, "dead_kinds"),
    ({"dead_kinds": 0.5}, TypeError, "dead_kinds"),
    ({"read_glitches": -1e-4}, ValueError, "read_glitches"),
    ({"read_glitches": 1.5}, ValueError, "read_glitches"),
    ({"read_glitches": float("nan")}, ValueError, "read_glitches"),
    ({"read_glitches": "1e-4"}, TypeError, "read_glitches"),
    ({"reset_outliers": -0.1}, ValueError, "reset_outliers"),
    ({"reset_outliers": float("nan")}, ValueError, "reset_outliers"),
])
def test_effects_bad_input(effects, error, match):
    with pytest.raises(error, match=match):
        simulate_ramps((8, 8), ngroups=3, effects=effects)


def test_noisy_amplitude_bad_input():
    with pytest.raises(ValueError, match="noisy"):
        simulate_ramps((8, 8), ngroups=3, amplitudes={"noisy": (0.5, 2)})


def test_read_glitches_are_one_read_offsets():
    """Glitches change single reads by 5-30 read noises, nothing else: the same seed with
    and without them differs only there, and labels and truth are the same."""
    kw = dict(shape=(48, 48), ngroups=20, read_noise=10, gain=2, seed=41, fractions={})
    plain = simulate_ramps(**kw, effects={"read_glitches": 0.0})
    glitchy = simulate_ramps(**kw, effects={"read_glitches": 0.002})
    assert glitchy.meta["GLITCHES"] == 0.002
    diff = (glitchy.data - plain.data) * 2 / 10  # read noises
    hit = diff != 0
    assert 0.5 * 0.002 * hit.size < hit.sum() < 1.5 * 0.002 * hit.size
    size = np.abs(diff[hit])
    assert size.min() >= 5 - 1e-2 and size.max() <= 30 + 1e-2
    assert (diff[hit] > 0).mean() == pytest.approx(0.5, abs=0.15)  # either way
    np.testing.assert_array_equal(glitchy.labels, plain.labels)
    np.testing.assert_array_equal(glitchy.dark_current, plain.dark_current)


def test_reset_outliers_get_a_large_first_read_offset():
    """A share of the pixels get a reset anomaly of 10-300 read noises either way (first
    groups only, reset_anomaly_groups 1); labels and truth stay as they are."""
    kw = dict(shape=(64, 64), ngroups=12, read_noise=10, gain=2, seed=43, fractions={})
    plain = simulate_ramps(**kw)
    sim = simulate_ramps(**kw, effects={"reset_outliers": 0.02})
    assert sim.meta["RESETOUT"] == 0.02
    first = (sim.data[0] - plain.data[0]) * 2 / 10  # read noises
    out = first != 0
    assert 0.5 * 0.02 * out.size < out.sum() < 1.5 * 0.02 * out.size
    assert np.abs(first[out]).min() >= 10 - 1e-2 and np.abs(first[out]).max() <= 300 + 1e-1
    assert 0.3 < (first[out] > 0).mean() < 0.7
    late = (sim.data[-1] - plain.data[-1]) * 2 / 10  # exp(-11): gone by the last group
    assert np.abs(late).max() < 1e-2 * 300
    np.testing.assert_array_equal(sim.labels, plain.labels)
