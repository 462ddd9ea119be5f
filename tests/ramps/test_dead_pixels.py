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
