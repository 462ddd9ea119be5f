"""Dead pixels that lack the detector's reset anomaly: found by the cheap pass's robust
noise test and by the forest's jump- and excursion-free noise feature (issue 11)."""

import numpy as np
from astropy import units as u

from ccdbadpix import classify_ramps
from ccdbadpix.ramps._features_kernel import _clean_scatter
from ccdbadpix.ramps._kernel import _cheap, _trimmed_variance, _trimmed_variance_bound
from ccdbadpix.simulate import REALISTIC_EFFECTS, simulate_ramps

#: Few long groups, high read noise, the realistic reset anomaly and 1/f noise: the
#: detector of the benchmark where most dead pixels were settled as good.
FEW_LONG_GROUPS = dict(ngroups=30, gain=4 * u.electron / u.DN, read_noise=20 * u.electron,
                       group_time=30 * u.s, ipc_alpha=0.02,
                       effects={**REALISTIC_EFFECTS, "nonlinearity": 0.12})


def _white_reads(rng, n, npix, sigma=1.0):
    return (sigma * rng.standard_normal((n, npix))).astype(np.float32)


def test_trimmed_variance_bound_false_alarm_rate():
    rng = np.random.default_rng(5)
    for m in (6, 9, 29, 99):  # at most the nominal 1e-3, and not negligible
        d = np.diff(rng.standard_normal((m + 1, 200_000)), axis=0)
        mu = (d.sum(0) - d.max(0) - d.min(0)) / (m - 2)
        stat = _trimmed_variance((d * d).sum(0), d.max(0), d.min(0), mu, m) / 2
        share = (stat < _trimmed_variance_bound(m)).mean()
        assert 1e-4 < share < 1.2e-3, (m, share)
    assert _trimmed_variance_bound(4) == 0  # too few differences: no test


def test_cheap_pass_leaves_quiet_ramp_with_one_excursion():
    # a ramp that does not integrate, with 0.3 read noise and the inverse of a 5-read-noise
    # reset anomaly in its first groups: its full scatter looks normal, it is not
    rng = np.random.default_rng(8)
    n, npix, rn = 30, 4000, 20.0
    t = 30.0 * np.arange(1, n + 1)
    quiet = _white_reads(rng, n, npix, 0.3 * rn)
    quiet[:3] -= (5 * rn * np.exp(-np.arange(3)))[:, None].astype(np.float32)
    settled = _cheap(quiet, t, 1.0, rn)[0]
    assert settled.mean() < 0.01
    normal = _white_reads(rng, n, npix, rn)
    settled = _cheap(normal, t, 1.0, rn)[0]
    assert settled.mean() > 0.98


def test_clean_scatter_ignores_one_excursion():
    rng = np.random.default_rng(9)
    m, npix = 99, 5000
    z = np.diff(rng.standard_normal((m + 1, npix)), axis=0).astype(np.float32) / np.sqrt(2)
    jumps = np.zeros(z.shape, bool)
    assert abs(float(_clean_scatter(z, jumps).mean()) - 1) < 0.01
    quiet = 0.4 * z
    quiet[0] += 3.5  # below a jump threshold of about 4.3
    clean = _clean_scatter(quiet, jumps)
    assert abs(float(np.median(clean)) - 0.4) < 0.02  # the scatter without the excursion
    assert np.median(quiet.std(0)) > 0.5  # which the plain std does not show


def test_dead_pixels_found_with_inverse_reset_anomaly():
    sim = simulate_ramps((96, 96), fractions={"dead": 0.02}, seed=31, **FEW_LONG_GROUPS)
    res = classify_ramps(sim.data, times=sim.times, gain=sim.gain, progress=False)
    dead = sim.mask("dead")
    said = res.labels == res.classes.index("dead")
    assert (sim.read_noise_map.value[dead] < 0.2 * sim.read_noise.value).all()
    assert dead.sum() > 150 and said[dead].mean() >= 0.95
    good = sim.mask("good")
    assert said[good].sum() <= 2
    # each kind: at the bias, low noise, stuck
    for kind in (sim.read_noise_map.value == 0, sim.read_noise_map.value > 0):
        assert said[dead & kind].mean() >= 0.9


def test_missing_shape_put_back_only_on_flat_ramps_that_lack_it():
    # the detector's reset anomaly (20 read noises, gone after a few groups) subtracted
    # from every ramp: a dead pixel never had it, a good and a hot pixel did
    from ccdbadpix.ramps._detector import profile_gain, without_missing_shape

    rng = np.random.default_rng(11)
    n, rn = 40, 10.0
    t = 10.0 * np.arange(1, n + 1)
    shape = 20 * rn * np.exp(-np.arange(n) / 1.5)
    profile = (shape - shape[0]).astype(np.float32)  # relative to the first group
    noise = rng.standard_normal((n, 3)).astype(np.float32) * np.float32(rn)
    dead = 0.3 * noise[:, 0]
    good = noise[:, 1] + profile + 0.5 * t
    hot = noise[:, 2] + 300 * (1 - np.exp(-t / 150)) * 10  # decelerating, no anomaly
    y = np.stack([dead, good, hot], axis=1).astype(np.float32)
    y -= y[0]
    y -= profile[:, None]
    out, gain = without_missing_shape(y, profile, t, rn)
    np.testing.assert_array_equal(gain, profile_gain(y, profile, t, rn))
    assert gain[0] < 0.2 and abs(gain[1] - 1) < 0.2
    # the dead ramp is flat again: its own noise, no excursion, no slope
    np.testing.assert_allclose(out[:, 0], y[:, 0] + profile * (1 - gain[0]), rtol=1e-6)
    assert np.abs(out[:, 0]).max() < 2 * rn
    np.testing.assert_array_equal(out[:, 1], y[:, 1])  # follows the shape: untouched
    np.testing.assert_array_equal(out[:, 2], y[:, 2])  # integrates: untouched
    np.testing.assert_array_equal(without_missing_shape(y, None, t, rn)[0], y)
