"""Tests of ccdbadpix.simulate against the injected ground truth."""

import os

import numpy as np
import pytest
from astropy import units as u
from astropy.io import fits
from astropy.nddata import CCDData
from scipy import ndimage

from ccdbadpix.simulate import (
    DEFAULT_AMPLITUDES,
    DEFAULT_FRACTIONS,
    PIXEL_CLASSES,
    DarkSimulation,
    RampSimulation,
    simulate_darks,
    simulate_ramps,
)

E_S = u.electron / u.s


def _ipc(image, alpha):
    kernel = np.array([[0, alpha, 0], [alpha, 1 - 4 * alpha, alpha], [0, alpha, 0]])
    return ndimage.convolve(image, kernel, mode="nearest")


def _slopes(sim):
    """Least-squares slope (DN/s) of every pixel's ramp."""
    t = sim.times.to_value(u.s)
    tc = t - t.mean()
    return np.tensordot(tc, sim.data, axes=(0, 0)) / (tc**2).sum()


def _isolated(sim, name):
    """Pixels of class ``name`` whose 8 neighbours are good and never hit by a cosmic ray.

    The simulator accepts rare adjacency of defects (a neighbour of a saturated pixel
    gets a large IPC signal), so per-class shape tests look at isolated pixels.
    """
    clean = sim.labels == 0
    if name != "cosmic_ray":  # a cosmic ray's own cluster neighbours are fine
        clean &= sim.cosmic_ray_group < 0
    padded = np.pad(clean, 1, constant_values=True)
    ny, nx = clean.shape
    ok = np.ones_like(clean)
    for dy in range(3):
        for dx in range(3):
            if (dy, dx) != (1, 1):
                ok &= padded[dy:dy + ny, dx:dx + nx]
    m = sim.mask(name) & ok
    if name != "cosmic_ray":
        m &= sim.cosmic_ray_group < 0
    assert m.sum() >= 10, name
    return m


@pytest.fixture(scope="module")
def sim():
    # enriched defect fractions so every class has enough pixels to test
    fractions = dict.fromkeys(DEFAULT_FRACTIONS, 0.015)
    return simulate_ramps((96, 96), ngroups=30, fractions=fractions, seed=11,
                          amplitudes={"telegraph": (20, 25)})


# ----------------------------------------------------------------------------- ramps
def test_ramp_shapes_dtypes_units(sim):
    assert isinstance(sim, RampSimulation)
    assert sim.data.shape == (30, 96, 96) and sim.data.dtype == np.float32
    assert sim.classes == PIXEL_CLASSES
    assert sim.labels.shape == (96, 96) and sim.labels.dtype == np.int8
    assert sim.labels.min() >= 0 and sim.labels.max() < len(PIXEL_CLASSES)
    assert sim.cosmic_ray_group.dtype == np.int16 and sim.ipc_lit.dtype == bool
    assert sim.dark_current.unit == E_S and sim.dark_current.shape == (96, 96)
    assert sim.bias.unit == u.DN and sim.bias.shape == (96, 96)
    assert sim.times.unit == u.s
    np.testing.assert_allclose(sim.times.value, 10.737 * np.arange(1, 31))
    assert sim.gain == 1 * u.electron / u.DN and sim.read_noise == 10 * u.electron
    assert sim.saturation == 60000 * u.DN and sim.group_time == 10.737 * u.s
    assert sim.hot_threshold == 1 * E_S and sim.warm_threshold == 0.1 * E_S
    assert sim.ipc_alpha == 0.01
    m = sim.meta
    assert (m["NGROUPS"], m["NINTS"], m["BUNIT"], m["SEED"]) == (30, 1, "DN", 11)
    assert m["TGROUP"] == 10.737 and m["GAIN"] == 1 and m["RDNOISE"] == 10
    assert m["SATURATE"] == 60000 and m["IPCALPHA"] == 0.01
    assert [m[f"CLASS{i}"] for i in range(len(PIXEL_CLASSES))] == list(PIXEL_CLASSES)
    assert np.all(sim.data <= 60000)


def test_default_fractions():
    assert set(DEFAULT_FRACTIONS) == set(PIXEL_CLASSES[1:])
    assert sum(DEFAULT_FRACTIONS.values()) < 1
    sim = simulate_ramps((128, 128), ngroups=3, seed=2)
    n = sim.labels.size
    for code, name in enumerate(PIXEL_CLASSES):
        f = DEFAULT_FRACTIONS.get(name, 1 - sum(DEFAULT_FRACTIONS.values()))
        count = (sim.labels == code).sum()
        assert abs(count - f * n) <= 3 * np.sqrt(n * f * (1 - f)) + 1, name


def test_partial_fractions_merge_and_zero(sim):
    fractions = {"hot": 0.1, "dead": 0.0}
    s = simulate_ramps((64, 64), ngroups=3, fractions=fractions, seed=3)
    assert fractions == {"hot": 0.1, "dead": 0.0}  # input not modified
    assert abs(s.mask("hot").mean() - 0.1) < 0.01
    assert s.mask("dead").sum() == 0
    assert abs(s.mask("warm").mean() - DEFAULT_FRACTIONS["warm"]) < 0.005
    for code in range(1, len(PIXEL_CLASSES)):
        assert (sim.labels == code).sum() == round(0.015 * 96 * 96)


def test_reproducible_and_seed_dependent():
    a = simulate_ramps((32, 32), ngroups=5, seed=7)
    b = simulate_ramps((32, 32), ngroups=5, seed=7)
    c = simulate_ramps((32, 32), ngroups=5, seed=8)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.cosmic_ray_group, b.cosmic_ray_group)
    assert not np.array_equal(a.data, c.data)
    assert not np.array_equal(a.labels, c.labels)


def test_good_hot_warm_rates(sim):
    rate = sim.dark_current.to_value(E_S)
    good, hot, warm = sim.mask("good"), sim.mask("hot"), sim.mask("warm")
    assert np.all(rate[good] < 0.1) and np.all(rate[good] > 0)
    assert 0.002 < np.median(rate[good]) < 0.01
    assert np.all(rate[hot] >= 1) and np.all((rate[warm] >= 0.1) & (rate[warm] < 1))
    assert np.all(sim.data[:, hot] < 60000 - 1000)  # hot pixels do not saturate
    # fitted slopes recover the IPC-convolved truth within noise
    expected = _ipc(rate, sim.ipc_alpha)
    fitted = _slopes(sim) * sim.gain.value
    t = sim.times.to_value(u.s)
    sig_rn = 10 * np.sqrt(2) / np.sqrt(((t - t.mean()) ** 2).sum())  # read noise
    sig = np.sqrt(sig_rn**2 + expected / t[-1])  # plus shot noise (generous)
    for m in (_isolated(sim, "hot"), _isolated(sim, "warm")):
        assert np.all(np.abs(fitted[m] - expected[m]) < 5 * sig[m])


def test_dead_pixels(sim):
    dead = sim.mask("dead")
    assert np.all(sim.dark_current[dead] == 0)
    std = np.diff(sim.data[:, dead], axis=0).std(axis=0) / np.sqrt(2)
    assert np.all(std < 0.35 * 10)  # read noise is 10 DN
    assert np.sum(std == 0) == dead.sum() // 2  # half exactly constant
    np.testing.assert_allclose(sim.data[0, dead], sim.bias.value[dead], atol=10)
    good_std = np.diff(sim.data[:, sim.mask("good")], axis=0).std(axis=0) / np.sqrt(2)
    assert np.median(good_std) == pytest.approx(10, rel=0.15)


def test_saturated_pixels(sim):
    sat = sim.mask("saturated")
    cube = sim.data[:, sat]
    assert np.all(cube[-1] == 60000)
    first = np.argmax(cube == 60000, axis=0)
    assert np.all(first <= 0.6 * 30)
    for j, f in enumerate(first):  # stays there
        assert np.all(cube[f:, j] == 60000)
    assert not np.any(sim.data[0, sim.mask("good")] == 60000)


def test_telegraph_pixels(sim):
    tel = _isolated(sim, "telegraph")
    d = np.diff(sim.data[:, tel], axis=0)
    up, down = (d > 100).sum(axis=0), (d < -100).sum(axis=0)  # 7 sigma of a difference
    assert np.all(up >= 1) and np.all(down >= 1) and np.all(up + down >= 2)
    good = np.diff(sim.data[:, _isolated(sim, "good")], axis=0)
    assert not np.any(np.abs(good) > 100)


def test_nonlinear_pixels(sim):
    nl, good = _isolated(sim, "nonlinear"), _isolated(sim, "good")
    x = sim.times.to_value(u.s) / sim.times[-1].value
    # significance of the quadratic coefficient for independent 10 DN read noise
    sigma = 10 * np.sqrt(np.linalg.inv(np.vander(x, 3).T @ np.vander(x, 3))[0, 0])
    assert np.all(np.polyfit(x, sim.data[:, nl], 2)[0] / sigma < -5)  # concave
    assert np.mean(np.abs(np.polyfit(x, sim.data[:, good], 2)[0] / sigma) > 3) < 0.01
    rise = sim.data[:, nl].max(axis=0) - sim.bias.value[nl]
    assert np.all(rise < 250 * 10) and np.all(rise > 10 * 10)  # plateau far below full well


def test_decreasing_pixels(sim):
    dec = _isolated(sim, "decreasing")
    slopes = _slopes(sim)[dec] * sim.times[-1].value  # DN over the ramp
    assert np.all(slopes < -2 * 10)
    assert np.all(slopes > -60 * 10)


def test_cosmic_ray_pixels(sim):
    cr = sim.mask("cosmic_ray")
    g = sim.cosmic_ray_group
    assert np.all(g[cr] >= 1) and np.all(g[cr] < 30)
    ys, xs = np.nonzero(_isolated(sim, "cosmic_ray"))
    d = np.diff(sim.data, axis=0)
    for y, x in zip(ys, xs, strict=True):
        step = d[g[y, x] - 1, y, x]
        assert step > 5 * 10
        assert np.all(d[: g[y, x] - 1, y, x] < step)  # nothing bigger before the first hit
    # cluster neighbours keep their own labels but get a step at the same group
    neighbours = (g >= 0) & ~cr
    assert neighbours.sum() >= cr.sum()
    assert np.any(sim.labels[neighbours] == 0)
    assert np.all(g[~neighbours & ~cr] == -1)


def test_no_cluster_and_no_ipc():
    s = simulate_ramps((48, 48), ngroups=5, cosmic_ray_cluster_size=(0, 0), ipc_alpha=0,
                       fractions={"cosmic_ray": 0.05}, seed=4)
    assert np.array_equal(s.cosmic_ray_group >= 0, s.mask("cosmic_ray"))
    assert not s.ipc_lit.any()


def test_ipc_neighbour_of_isolated_hot_pixel():
    alpha = 0.02
    fractions = dict.fromkeys(DEFAULT_FRACTIONS, 0.0) | {"hot": 4 / 1600}
    s = simulate_ramps((40, 40), ngroups=5, read_noise=0, dark_current=0, bias_spread=0,
                       ipc_alpha=alpha, fractions=fractions, seed=5)
    hot = s.mask("hot")
    isolated = [(y, x) for y, x in zip(*np.nonzero(hot), strict=True)
                if 1 < y < 38 and 1 < x < 38 and hot[y - 2:y + 3, x - 2:x + 3].sum() == 1]
    assert isolated
    y, x = isolated[0]
    charge = (s.data[:, y, x] - 12000) / (1 - 4 * alpha)
    assert charge[-1] > 0
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        np.testing.assert_allclose(s.data[:, y + dy, x + dx] - 12000, alpha * charge,
                                   rtol=1e-4, atol=1e-3)
    np.testing.assert_array_equal(s.data[:, y + 1, x + 1], 12000)  # diagonal untouched
    rate = s.dark_current.to_value(E_S)[y, x]
    assert s.ipc_lit[y - 1, x] == (alpha * rate >= 0.1)


def test_ipc_lit_definition(sim):
    rate = sim.dark_current.to_value(E_S)
    expected = (sim.labels == 0) & (_ipc(rate, sim.ipc_alpha) >= 0.1)
    np.testing.assert_array_equal(sim.ipc_lit, expected)
    assert sim.ipc_lit.any()


def test_nints_and_to_ccddata():
    s = simulate_ramps((16, 16), ngroups=4, nints=2, seed=6)
    assert s.data.shape == (2, 4, 16, 16) and s.meta["NINTS"] == 2
    assert not np.array_equal(s.data[0], s.data[1])
    with pytest.raises(ValueError, match="nints == 1"):
        s.to_ccddata()
    reads = s.to_ccddata(integration=1)
    np.testing.assert_array_equal(reads[3].data, s.data[1, 3])
    reads = simulate_ramps((16, 16), ngroups=4, seed=6).to_ccddata()
    assert len(reads) == 4 and all(isinstance(r, CCDData) for r in reads)
    assert reads[0].unit == u.DN and reads[0].header["EXPTIME"] == pytest.approx(10.737)
    assert reads[3].header["EXPTIME"] == pytest.approx(4 * 10.737)


def test_write_roundtrip(tmp_path, sim):
    path = tmp_path / "ramp.fits"
    sim.write(path)
    with fits.open(path) as hdul:
        np.testing.assert_array_equal(hdul["SCI"].data, sim.data)
        assert hdul[0].header["NGROUPS"] == 30
        np.testing.assert_allclose(hdul["TIMES"].data["TIME"], sim.times.value)
        np.testing.assert_array_equal(hdul["LABELS"].data, sim.labels)
        names = [hdul["LABELS"].header[f"CLASS{i}"] for i in range(len(PIXEL_CLASSES))]
        assert names == list(PIXEL_CLASSES)
        np.testing.assert_array_equal(hdul["CRGROUP"].data, sim.cosmic_ray_group)
        np.testing.assert_array_equal(hdul["IPCLIT"].data.astype(bool), sim.ipc_lit)
    with pytest.raises(FileExistsError, match=r"ramp\.fits"):
        sim.write(path)
    sim.write(str(path), overwrite=True)
    assert os.listdir(tmp_path) == ["ramp.fits"]  # no temporary file left behind


def test_progress_bar(capsys):
    s = simulate_ramps((8, 8), ngroups=3, progress=True, seed=1)
    assert s.data.shape == (3, 8, 8)


def test_quantity_and_float_inputs_agree():
    a = simulate_ramps((16, 16), ngroups=3, group_time=5, gain=2, read_noise=5, bias=1000,
                       bias_spread=10, saturation=30000, seed=9)
    b = simulate_ramps((16, 16), ngroups=3, group_time=5 * u.s, gain=2 * u.electron / u.adu,
                       read_noise=5 * u.electron, bias=1000 * u.DN, bias_spread=10 * u.DN,
                       saturation=30000 * u.adu, seed=9)
    np.testing.assert_array_equal(a.data, b.data)
    assert a.gain == 2 * u.electron / u.DN


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"ngroups": 2}, ValueError, "ngroups must be at least 3"),
    ({"ngroups": 3.5}, TypeError, "ngroups"),
    ({"nints": 0}, ValueError, "nints"),
    ({"shape": (0, 5)}, ValueError, "shape"),
    ({"shape": (5,)}, ValueError, "shape"),
    ({"shape": (5.0, 5)}, TypeError, "shape"),
    ({"group_time": 0}, ValueError, "group_time"),
    ({"group_time": 1 * u.m}, u.UnitsError, "group_time"),
    ({"group_time": "10 s"}, TypeError, "group_time"),
    ({"gain": -1}, ValueError, "gain"),
    ({"gain": 1 * u.s}, u.UnitsError, "gain"),
    ({"read_noise": -1}, ValueError, "read_noise"),
    ({"read_noise": np.nan}, ValueError, "read_noise"),
    ({"ipc_alpha": 0.25}, ValueError, "ipc_alpha"),
    ({"ipc_alpha": -0.1}, ValueError, "ipc_alpha"),
    ({"saturation": 10000}, ValueError, "saturation"),
    ({"dark_current": 0.5}, ValueError, "dark_current"),
    ({"dark_current": 1 * u.DN}, u.UnitsError, "dark_current"),
    ({"warm_threshold": 2}, ValueError, "warm_threshold"),
    ({"fractions": {"bogus": 0.1}}, ValueError, "bogus"),
    ({"fractions": {"good": 0.5}}, ValueError, "good"),
    ({"fractions": {"hot": -0.1}}, ValueError, "hot"),
    ({"fractions": {"hot": 0.6, "warm": 0.5}}, ValueError, "sum"),
    ({"fractions": [0.1]}, TypeError, "fractions"),
    ({"amplitudes": {"bogus": (1, 2)}}, ValueError, "bogus"),
    ({"amplitudes": {"telegraph": (5, 1)}}, ValueError, "telegraph"),
    ({"amplitudes": {"telegraph": (1, 2, 3)}}, ValueError, "telegraph"),
    ({"amplitudes": {"hot": (0.5, 2)}}, ValueError, "hot"),
    ({"cosmic_ray_cluster_size": (3, 1)}, ValueError, "cosmic_ray_cluster_size"),
    ({"cosmic_ray_cluster_size": 2}, ValueError, "cosmic_ray_cluster_size"),
    ({"saturation": 12500, "bias_spread": 0, "ngroups": 60}, ValueError, "saturate"),
])
def test_ramp_bad_input(kwargs, error, match):
    kwargs = {"shape": (8, 8), "ngroups": 3} | kwargs
    with pytest.raises(error, match=match):
        simulate_ramps(**kwargs)


def test_default_amplitudes_documented_keys():
    assert set(PIXEL_CLASSES[1:]) - {"warm"} <= set(DEFAULT_AMPLITUDES)
    with pytest.raises(TypeError):
        DEFAULT_FRACTIONS["hot"] = 1  # read-only


# ----------------------------------------------------------------------------- darks
@pytest.fixture(scope="module")
def darks():
    return simulate_darks((64, 64), exposure_times=[60, 600] * u.s, hot_fraction=0.01,
                          warm_fraction=0.02, nonproportional_fraction=0.01,
                          hot_rate=(1, 1000) * E_S, ipc_alpha=0.02, bias=100, seed=21)


def test_dark_shapes_units(darks):
    assert isinstance(darks, DarkSimulation)
    assert len(darks.darks) == 2 and len(darks.saturated) == 2
    for d, t in zip(darks.darks, (60, 600), strict=True):
        assert isinstance(d, CCDData) and d.unit == u.adu and d.shape == (64, 64)
        assert d.header["EXPTIME"] == t and d.header["BUNIT"] == "adu"
    assert darks.exposure_times.unit == u.s
    assert darks.rate.unit == E_S and darks.observed_rate.unit == E_S
    assert darks.gain == 1.5 * u.electron / u.adu and darks.saturation == 65535 * u.adu
    assert darks.bias == 100 * u.adu


def test_dark_truth_maps(darks):
    rate = darks.rate.to_value(E_S)
    n = rate.size
    assert darks.hot.sum() == round(0.01 * n)
    assert darks.nonproportional.sum() == round(0.01 * n)
    np.testing.assert_array_equal(darks.hot, rate >= 1)
    np.testing.assert_array_equal(darks.warm, (rate >= 0.1) & (rate < 1))
    assert darks.warm.sum() == round(0.02 * n)
    assert not np.any(darks.hot & darks.nonproportional)
    # no two hot pixels are 4-neighbours
    h = darks.hot
    assert not np.any(h[1:] & h[:-1]) and not np.any(h[:, 1:] & h[:, :-1])
    obs = _ipc(rate, 0.02)
    np.testing.assert_allclose(darks.observed_rate.to_value(E_S), obs)
    np.testing.assert_array_equal(darks.ipc_lit, ~h & (obs >= 1))
    assert darks.ipc_lit.any()


def test_dark_rates_recovered(darks):
    obs = darks.observed_rate.to_value(E_S)
    for d, sat, t in zip(darks.darks, darks.saturated, (60, 600), strict=True):
        measured = (d.data - 100) * 1.5 / t
        ok = ~sat & ~darks.nonproportional
        # nonproportional offsets leak to neighbours through IPC
        ok &= ~ndimage.binary_dilation(darks.nonproportional)
        sigma = np.sqrt(obs * t + 10**2) / t
        assert np.all(np.abs(measured - obs)[ok] < 5.5 * sigma[ok])
        np.testing.assert_array_equal(d.data[sat], 65535)
        assert np.all(d.data <= 65535)
    assert darks.saturated[1].sum() > 0
    assert not np.any(darks.saturated[0] & ~darks.saturated[1])


def test_dark_nonproportional(darks):
    short, long_ = (d.data - 100 for d in darks.darks)
    r_short, r_long = short * 1.5 / 60, long_ * 1.5 / 600
    np_ = darks.nonproportional
    sigma = np.sqrt((10 / 60) ** 2 + (10 / 600) ** 2 + darks.observed_rate.value / 60)
    excess = (r_short - r_long) / sigma
    assert np.all(excess[np_] > 3)
    normal = ~np_ & ~ndimage.binary_dilation(np_) & ~darks.saturated[1]
    assert np.mean(np.abs(excess[normal]) > 3) < 0.01


def test_dark_defaults_scalar_time_and_seed():
    a = simulate_darks((32, 32), exposure_times=100, seed=1)
    b = simulate_darks((32, 32), exposure_times=100 * u.s, seed=1)
    c = simulate_darks((32, 32), exposure_times=100, seed=2)
    assert len(a.darks) == 1 and a.exposure_times.shape == (1,)
    np.testing.assert_array_equal(a.darks[0].data, b.darks[0].data)
    assert not np.array_equal(a.darks[0].data, c.darks[0].data)
    assert not a.ipc_lit.any()
    np.testing.assert_array_equal(a.rate, a.observed_rate)
    d = simulate_darks((32, 32), exposure_times=(1, 2) * u.min, seed=1)
    assert d.darks[1].header["EXPTIME"] == 120


def test_dark_inputs_not_modified():
    times = np.array([10.0, 20.0]) * u.s
    simulate_darks((16, 16), exposure_times=times, seed=1)
    np.testing.assert_array_equal(times.value, [10, 20])


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"exposure_times": 0}, ValueError, "exposure_times"),
    ({"exposure_times": [10, -1]}, ValueError, "exposure_times"),
    ({"exposure_times": 5 * u.m}, u.UnitsError, "exposure_times"),
    ({"gain": 0}, ValueError, "gain"),
    ({"gain": 1 * u.electron}, u.UnitsError, "gain"),
    ({"read_noise": -1}, ValueError, "read_noise"),
    ({"hot_fraction": -0.1}, ValueError, "hot_fraction"),
    ({"hot_fraction": 0.5, "warm_fraction": 0.6}, ValueError, "sum"),
    ({"hot_rate": (10, 1)}, ValueError, "hot_rate"),
    ({"hot_rate": 5 * E_S}, ValueError, "hot_rate"),
    ({"warm_rate": (0.1, 1) * u.s}, u.UnitsError, "warm_rate"),
    ({"saturation": -1}, ValueError, "saturation"),
    ({"ipc_alpha": 0.3}, ValueError, "ipc_alpha"),
    ({"shape": (4, -4)}, ValueError, "shape"),
    ({"hot_fraction": 0.45}, ValueError, "4-adjacent"),
])
def test_dark_bad_input(kwargs, error, match):
    kwargs = {"shape": (8, 8)} | kwargs
    with pytest.raises(error, match=match):
        simulate_darks(**kwargs)
