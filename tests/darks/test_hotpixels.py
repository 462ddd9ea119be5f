"""find_hot_pixels against simulated truth, published rules and real data."""

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import CCDData, NDData
from astropy.stats import sigma_clip
from astropy.utils.exceptions import AstropyUserWarning

from ccdbadpix import DQ, find_hot_pixels, measure_dark_current, measure_ipc
from ccdbadpix.simulate import simulate_darks

E_S = u.electron / u.s
GAIN = 1.5 * u.electron / u.adu


@pytest.fixture(scope="module")
def long_dark():
    """One 1000 s dark, no IPC: hot pixels 1-100 e/s, warm 0.1-1 e/s."""
    return simulate_darks((256, 256), exposure_times=1000 * u.s, gain=GAIN, read_noise=8,
                          hot_fraction=4e-3, warm_fraction=4e-3, nonproportional_fraction=0,
                          hot_rate=(0.3, 60) * E_S, seed=11)


def _clear(sim, threshold_e, nsigma=6):
    """Pixels whose true (observed) rate is unambiguously on one side of a threshold."""
    t = sim.exposure_times.to_value(u.s).max()
    rate = sim.observed_rate.to_value(E_S)
    sigma = np.sqrt(sim.read_noise.to_value(u.electron) ** 2 + np.clip(rate, 0, None) * t) / t
    return np.abs(rate - threshold_e) > nsigma * sigma


@pytest.mark.parametrize("threshold", [1 * E_S, 3 * E_S, 10 * E_S, 2 * u.adu / u.s,
                                       4 * u.DN / u.s])
def test_exact_recovery_at_thresholds_and_units(long_dark, threshold):
    mask = find_hot_pixels(long_dark.darks[0], gain=GAIN, threshold=threshold)
    thr_e = threshold.value * (GAIN.value if threshold.unit != E_S else 1.0)
    truth = long_dark.observed_rate.to_value(E_S) >= thr_e
    clear = _clear(long_dark, thr_e)
    assert clear.mean() > 0.99
    hot = mask.to_boolean(flags="HOT")
    assert truth[clear].sum() > 20
    np.testing.assert_array_equal(hot[clear], truth[clear])
    assert mask.meta["HOTTHR"] == threshold.value
    assert u.Unit(mask.meta["HOTUNIT"]) == threshold.unit
    assert mask.meta["HOTRATE"] == pytest.approx(thr_e)
    assert (mask.data[hot] & DQ.DO_NOT_USE).all()


def test_darks_in_dn_with_gain_per_dn(long_dark):
    data = long_dark.darks[0]
    in_dn = CCDData(data.data, unit=u.DN, meta=data.meta)
    a = find_hot_pixels(in_dn, gain=1.5 * u.electron / u.DN)
    b = find_hot_pixels(data, gain=GAIN)
    assert a == b


def test_warm_pixels(long_dark):
    mask = find_hot_pixels(long_dark.darks[0], gain=GAIN, threshold=1 * E_S,
                           warm_threshold=0.1 * E_S)
    rate = long_dark.observed_rate.to_value(E_S)
    truth = (rate >= 0.1) & (rate < 1)
    clear = _clear(long_dark, 0.1) & _clear(long_dark, 1.0)
    warm = mask.to_boolean(flags="WARM")
    np.testing.assert_array_equal(warm[clear], truth[clear])
    assert not (warm & mask.to_boolean(flags="HOT")).any()
    assert mask.meta["NWARM"] == warm.sum()
    with pytest.raises(ValueError, match=r"warm_threshold .* must be below threshold"):
        find_hot_pixels(long_dark.darks[0], gain=GAIN, warm_threshold=2 * E_S)


def test_input_types_agree(long_dark, tmp_path):
    ccd = long_dark.darks[0]
    ref = find_hot_pixels(ccd, threshold=1 * u.adu / u.s)
    t = ccd.header["EXPTIME"]
    as_quantity = find_hot_pixels(ccd.data * u.adu, exposure_time=t * u.s,
                                  threshold=1 * u.adu / u.s)
    as_array = find_hot_pixels(ccd.data, unit="adu", exposure_time=t,
                               threshold=1 * u.adu / u.s)
    as_nddata = find_hot_pixels(NDData(ccd.data, unit=u.adu), exposure_time=t * u.s,
                                threshold=1 * u.adu / u.s)
    as_rate = find_hot_pixels(ccd.data / t * u.adu / u.s, threshold=1 * u.adu / u.s)
    path = tmp_path / "dark.fits"
    ccd.write(path)
    as_path = find_hot_pixels(str(path), threshold=1 * u.adu / u.s)
    for other in (as_quantity, as_array, as_nddata, as_rate, as_path):
        np.testing.assert_array_equal(other.data, ref.data)
    assert as_path.meta["DARK1"] == "dark.fits"


def test_default_threshold_needs_gain_for_adu(long_dark):
    with pytest.raises(u.UnitsError, match="gain="):
        find_hot_pixels(long_dark.darks[0])
    with pytest.raises(u.UnitsError, match="gain="):
        find_hot_pixels(long_dark.darks[0], threshold=1 * E_S)
    with pytest.raises(u.UnitsError, match="threshold is in m / s"):
        find_hot_pixels(long_dark.darks[0], threshold=1 * u.m / u.s)


def test_inputs_are_not_modified(long_dark):
    ccd = long_dark.darks[0].copy()
    ccd.data[0, 0] = np.nan
    before = ccd.data.copy()
    header = ccd.header.copy()
    find_hot_pixels(ccd, gain=GAIN, neighbors="cross", ipc=0.01, saturation=60000)
    np.testing.assert_array_equal(ccd.data, before)
    assert ccd.header == header


def test_nonfinite_and_masked_pixels_are_flagged():
    data = np.full((8, 8), 10.0)
    data[1, 1] = np.nan
    data[2, 2] = np.inf
    data[3, 3] = -np.inf
    data[4, 4] = 5000.0
    mask_in = np.zeros((8, 8), bool)
    mask_in[5, 5] = True
    dark = CCDData(data, unit="electron", mask=mask_in, meta={"EXPTIME": 100})
    for method in ("absolute", "sigma"):
        mask = find_hot_pixels(dark, method=method)
        bad = DQ.DO_NOT_USE | DQ.UNRELIABLE_DARK
        for yx in [(1, 1), (2, 2), (3, 3), (5, 5)]:
            assert mask.data[yx] & bad == bad, (method, yx)
        assert mask.data[4, 4] & DQ.HOT
        assert mask.meta["NNONFIN"] == 4
        assert mask.counts()["HOT"] == 1


def test_sigma_method_is_sigma_clip(long_dark):
    rate = measure_dark_current(long_dark.darks[0], gain=GAIN)
    expected = sigma_clip(rate.value, sigma=4, maxiters=3).mask
    mask = find_hot_pixels(long_dark.darks[0], gain=GAIN, method="sigma", sigma=4, maxiters=3)
    np.testing.assert_array_equal(mask.to_boolean(), expected)
    high = expected & (rate.value > np.median(rate.value))
    np.testing.assert_array_equal(mask.to_boolean(flags="HOT"), high)
    assert mask.meta["BPMETHOD"] == "sigma" and mask.meta["BPSIGMA"] == 4
    with pytest.raises(ValueError, match="threshold is not used"):
        find_hot_pixels(long_dark.darks[0], method="sigma", threshold=1 * E_S)


def test_ariel_sigma_rule_on_real_airs_dark(shared_data):
    pd = pytest.importorskip("pandas")
    folder = shared_data / "ariel_adc2025" / "AIRS-CH0_calibration"
    dark = pd.read_parquet(folder / "dark.parquet").values.astype(np.float64).reshape(32, 356)
    # the challenge notebook's rule
    clipped = sigma_clip(dark, sigma=5, maxiters=5).mask
    assert clipped.sum() == 82
    mask = find_hot_pixels(dark, unit=u.adu / u.s, method="sigma", sigma=5, maxiters=5)
    np.testing.assert_array_equal(mask.to_boolean(), clipped)
    hot = mask.to_boolean(flags="HOT")
    assert hot.sum() == 74
    assert (dark[hot] > np.median(dark)).all()
    assert mask.counts()["UNRELIABLE_DARK"] == 8


# --------------------------------------------------------------------------- IPC
@pytest.fixture(scope="module")
def ipc_dark():
    return simulate_darks((256, 256), exposure_times=1000 * u.s, gain=GAIN, read_noise=5,
                          hot_fraction=3e-3, warm_fraction=0, nonproportional_fraction=0,
                          hot_rate=(3, 90) * E_S, ipc_alpha=0.02, seed=5)


def test_simulation_has_ipc_lit_pixels(ipc_dark):
    assert ipc_dark.ipc_lit.sum() > 20


def test_measure_ipc_recovers_coupling(ipc_dark):
    alpha = measure_ipc(ipc_dark.observed_rate)
    assert alpha == pytest.approx(0.02, rel=0.05)
    assert measure_ipc(np.zeros((16, 16))) is None


def test_neighbors_above_flags_ipc_lit(ipc_dark):
    mask = find_hot_pixels(ipc_dark.darks[0], gain=GAIN, neighbors="above")
    hot = mask.to_boolean(flags="HOT")
    assert hot[ipc_dark.hot].all()
    assert hot[ipc_dark.ipc_lit].all()
    clear = _clear(ipc_dark, 1.0)
    np.testing.assert_array_equal(hot[clear], (ipc_dark.hot | ipc_dark.ipc_lit)[clear])


@pytest.mark.parametrize("ipc", [None, 0.02])
def test_neighbors_none_leaves_ipc_lit_unflagged(ipc_dark, ipc):
    mask = find_hot_pixels(ipc_dark.darks[0], gain=GAIN, neighbors="none", ipc=ipc)
    hot = mask.to_boolean(flags="HOT")
    np.testing.assert_array_equal(hot, ipc_dark.hot)
    assert not mask.to_boolean()[ipc_dark.ipc_lit].any()
    assert mask.meta["IPCALPHA"] == pytest.approx(0.02, rel=0.05)


def test_neighbors_none_without_measurable_ipc_warns():
    dark = CCDData(np.full((8, 8), 0.01), unit="electron", meta={"EXPTIME": 1.0})
    with pytest.warns(AstropyUserWarning, match="IPC coupling"):
        mask = find_hot_pixels(dark, neighbors="none")
    assert mask.meta["IPCALPHA"] == 0


def test_neighbors_cross(ipc_dark):
    above = find_hot_pixels(ipc_dark.darks[0], gain=GAIN, neighbors="above")
    cross = find_hot_pixels(ipc_dark.darks[0], gain=GAIN, neighbors="cross")
    hot = cross.to_boolean(flags="HOT")
    np.testing.assert_array_equal(hot, above.to_boolean(flags="HOT"))
    # the documented neighbour flag sits on the 4 neighbours of every pixel hot in its
    # own right that are not hot themselves, and on nothing else
    own = np.pad(ipc_dark.hot, 1)
    ring = (own[:-2, 1:-1] | own[2:, 1:-1] | own[1:-1, :-2] | own[1:-1, 2:]) & ~hot
    np.testing.assert_array_equal(cross.to_boolean(flags="OTHER_BAD_PIXEL"), ring)
    assert cross.meta["NNEIGH"] == ring.sum()
    # the user can ignore the neighbour flag to get back the "above" mask
    np.testing.assert_array_equal(cross.to_boolean(ignore_flags="OTHER_BAD_PIXEL"),
                                  above.to_boolean())
    custom = find_hot_pixels(ipc_dark.darks[0], gain=GAIN, neighbors="cross",
                             neighbor_flags="ADJ_OPEN")
    np.testing.assert_array_equal(custom.to_boolean(flags="ADJ_OPEN"), ring)


# ------------------------------------------------------------------ two exposures
@pytest.fixture(scope="module")
def two_darks():
    return simulate_darks((200, 200), exposure_times=(90, 1000) * u.s, gain=GAIN,
                          read_noise=10, hot_fraction=3e-3, hot_rate=(1, 600) * E_S,
                          nonproportional_fraction=2e-3, saturation=65535 * u.adu, seed=21)


def test_two_exposures_saturation_and_proportionality(two_darks):
    sim = two_darks
    sat_long, sat_short = sim.saturated[1], sim.saturated[0]
    assert sat_long.sum() > 5 and sat_short.sum() == 0
    mask = find_hot_pixels(sim.darks, gain=GAIN, saturation=65535 * u.adu)
    # saturated in the long dark: flagged, and measured in the short one
    assert (mask.data[sat_long] & (DQ.SATURATED | DQ.HOT) == DQ.SATURATED | DQ.HOT).all()
    rate = measure_dark_current(sim.darks, gain=GAIN, saturation=65535)
    short = measure_dark_current(sim.darks[0], gain=GAIN)
    np.testing.assert_allclose(rate[sat_long], short[sat_long])
    np.testing.assert_allclose(rate[sat_long].value, sim.observed_rate[sat_long].value,
                               rtol=0.05)
    # dark current not proportional to exposure time
    np.testing.assert_array_equal(mask.to_boolean(flags="UNRELIABLE_DARK"), sim.nonproportional)
    assert mask.meta["NNONPROP"] == sim.nonproportional.sum()
    assert mask.meta["EXPTIM1"] == 90 and mask.meta["EXPTIM2"] == 1000
    # the CCD guide's comparison: each dark alone would call these pixels something else
    alone = find_hot_pixels(sim.darks[0], gain=GAIN)
    assert "UNRELIABLE_DARK" not in alone.counts()


def test_saturated_in_every_dark():
    data = np.zeros((10, 10))
    data[4, 4] = 1000.0
    darks = [CCDData(data, unit="adu", meta={"EXPTIME": t}) for t in (10, 100)]
    mask = find_hot_pixels(darks, threshold=50 * u.adu / u.s, saturation=1000)
    assert mask.data[4, 4] == DQ.SATURATED | DQ.HOT | DQ.DO_NOT_USE
    assert mask.meta["NSAT"] == 1
    rate = measure_dark_current(darks, saturation=1000 * u.adu)
    assert rate[4, 4] == 100 * u.adu / u.s  # the lower bound from the shortest dark


def test_ccdproc_uses_the_mask(long_dark):
    ccdproc = pytest.importorskip("ccdproc")
    mask = find_hot_pixels(long_dark.darks[0], gain=GAIN)
    science = CCDData(np.full(mask.shape, 100.0), unit="adu")
    reduced = ccdproc.ccd_process(science, bad_pixel_mask=mask.to_boolean())
    np.testing.assert_array_equal(reduced.mask, mask.to_boolean())
    assert reduced.mask.sum() == mask.meta["NHOT"]
    np.testing.assert_array_equal(mask.apply_to(science).mask, reduced.mask)


def test_mask_header_is_fits_safe(long_dark, tmp_path):
    mask = find_hot_pixels(long_dark.darks[0], gain=GAIN, warm_threshold=0.1 * E_S)
    for key in ("BPFUNC", "BPMETHOD", "HOTTHR", "HOTUNIT", "WARMTHR", "WARMUNIT", "BPNEIGH",
                "GAIN", "NDARKS", "EXPTIM1", "CREATOR", "NHOT", "NWARM"):
        assert key in mask.meta
    assert mask.meta["CREATOR"].startswith("ccdbadpix ")
    path = tmp_path / "m.fits"
    mask.write(path)
    with fits.open(path) as hdul:
        hdul.verify("exception")
        assert hdul[0].header["HOTUNIT"] == "electron / s"


# ------------------------------------------------------------------- bad input
def _dark(t=100.0, shape=(4, 4)):
    return CCDData(np.zeros(shape), unit="adu", meta={"EXPTIME": t})


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"darks": CCDData(np.zeros((4, 4)), unit="adu")}, ValueError, "no exposure time"),
    ({"darks": _dark(0.0)}, ValueError, "must be positive"),
    ({"darks": _dark(-5.0)}, ValueError, "must be positive"),
    ({"darks": _dark(), "exposure_time": 0 * u.s}, ValueError, "exposure_time must be positive"),
    ({"darks": _dark(), "exposure_time": 3 * u.m}, u.UnitsError, "exposure_time"),
    ({"darks": [_dark(10), _dark(100, (5, 5))]}, ValueError, "different shapes"),
    ({"darks": np.zeros((4, 4)), "exposure_time": 1}, ValueError, "give unit="),
    ({"darks": np.zeros((2, 4, 4)) * u.adu}, ValueError, "2-D"),
    ({"darks": np.zeros((4, 4)) * u.m, "exposure_time": 1}, u.UnitsError, "expected counts"),
    ({"darks": _dark(), "method": "median"}, ValueError, "method must be"),
    ({"darks": _dark(), "neighbors": "all"}, ValueError, "neighbors must be"),
    ({"darks": _dark(), "gain": 1.5 * u.m}, u.UnitsError, "gain must be in electron"),
    ({"darks": _dark(), "gain": -1.0}, ValueError, "gain must be positive"),
    ({"darks": [_dark(10), _dark(100)], "exposure_time": [1, 2, 3]}, ValueError,
     "3 values for 2 darks"),
    ({"darks": [], }, ValueError, "empty"),
    ({"darks": [_dark(10), _dark(10)]}, ValueError, "different exposure times"),
    ({"darks": "no_such_dark.fits"}, FileNotFoundError, "no file"),
    ({"darks": _dark(), "ipc": 0.3, "neighbors": "none"}, ValueError, "ipc must be"),
    ({"darks": _dark(), "sigma": 0, "method": "sigma"}, ValueError, "sigma must be a positive"),
    ({"darks": _dark(), "hot_flags": "SCORCHING"}, ValueError, "hot_flags: unknown DQ flag"),
])
def test_bad_input_is_named(kwargs, error, match):
    kwargs.setdefault("gain", GAIN)
    darks = kwargs.pop("darks")
    with pytest.raises(error, match=match):
        find_hot_pixels(darks, **kwargs)


# ------------------------------------------------------------ strong IPC coupling
@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.12])
def test_strong_ipc_is_removed_exactly(alpha):
    """Up to just below 1/8 the inversion recovers the IPC-free truth, noise and all."""
    sim = simulate_darks((128, 128), exposure_times=1000 * u.s, gain=GAIN, read_noise=5,
                         hot_fraction=4e-3, warm_fraction=0, nonproportional_fraction=0,
                         hot_rate=(3, 90) * E_S, ipc_alpha=alpha, seed=7)
    assert sim.ipc_lit.sum() > 10
    mask = find_hot_pixels(sim.darks[0], gain=GAIN, neighbors="none", ipc=alpha)
    np.testing.assert_array_equal(mask.to_boolean(flags="HOT"), sim.hot)
    # without noise the inversion gives back the simulator's intrinsic rate
    noiseless = find_hot_pixels(sim.observed_rate, neighbors="none", ipc=alpha,
                                threshold=1 * E_S)
    np.testing.assert_array_equal(noiseless.to_boolean(flags="HOT"), sim.hot)


def test_ipc_of_an_eighth_or_more_is_refused():
    sim = simulate_darks((32, 32), exposure_times=1000 * u.s, ipc_alpha=0.2, seed=2)
    for alpha in (0.125, 0.2, 0.24):
        with pytest.raises(ValueError, match=r"ipc must be .*\[0, 0\.125\)"):
            find_hot_pixels(sim.darks[0], gain=GAIN, neighbors="none", ipc=alpha)


# ---------------------------------------------------------- masks and metadata
def test_numpy_masked_dark_honours_its_mask():
    rng = np.random.default_rng(3)
    data = rng.normal(1000.0, 5.0, (16, 16))  # 10 adu/s in 100 s
    data[3, 4] = data[9, 9] = 50000.0  # hot
    masked = np.ma.array(data, mask=np.zeros(data.shape, bool))
    masked.mask[3, 4] = masked.mask[7, 7] = True  # one hot pixel and one normal one masked
    mask = find_hot_pixels(masked, unit="adu", exposure_time=100,
                           threshold=100 * u.adu / u.s)
    bad = DQ.DO_NOT_USE | DQ.UNRELIABLE_DARK
    assert mask.data[3, 4] == bad and mask.data[7, 7] == bad  # not measured, not HOT
    assert mask.data[9, 9] == DQ.HOT | DQ.DO_NOT_USE
    assert mask.meta["NNONFIN"] == 2 and mask.meta["NHOT"] == 1
    rate = measure_dark_current(masked, unit="adu", exposure_time=100)
    assert np.isnan(rate[masked.mask]).all() and np.isfinite(rate[~masked.mask]).all()
    # the same as a CCDData carrying the mask
    as_ccd = find_hot_pixels(CCDData(data, unit="adu", mask=masked.mask), exposure_time=100,
                             threshold=100 * u.adu / u.s)
    np.testing.assert_array_equal(as_ccd.data, mask.data)
    assert masked.mask.sum() == 2  # input untouched


@pytest.mark.parametrize("shape", [(16,), (1, 16), (16, 1), (8, 8)])
def test_mask_of_the_wrong_shape_is_refused(shape):
    dark = NDData(np.zeros((16, 16)), unit="adu", mask=np.ones(shape, bool))
    with pytest.raises(ValueError, match=r"darks\[0\]\.mask has shape"):
        find_hot_pixels(dark, exposure_time=10, gain=GAIN)
    with pytest.raises(ValueError, match=r"darks\[0\]\.mask has shape"):
        measure_dark_current(dark, exposure_time=10)


def test_time_in_metadata_is_written_as_iso():
    from astropy.time import Time

    dark = CCDData(np.zeros((4, 4)), unit="adu",
                   meta={"EXPTIME": 10.0, "DATE-OBS": Time(60000.5, format="mjd"),
                         "DETECTOR": "NRS1"})
    mask = find_hot_pixels(dark, gain=GAIN)
    assert mask.meta["DATE-OBS"] == "2023-02-25T12:00:00.000"
    assert mask.meta["DETECTOR"] == "NRS1"


@pytest.mark.parametrize("method", ["absolute", "sigma"])
def test_darks_without_a_finite_pixel_are_refused(method):
    data = np.full((6, 6), np.nan)
    with pytest.raises(ValueError, match="darks: no pixel is finite and unmasked"):
        find_hot_pixels(CCDData(data, unit="electron", meta={"EXPTIME": 10}), method=method)
    masked = CCDData(np.zeros((6, 6)), unit="electron", mask=np.ones((6, 6), bool),
                     meta={"EXPTIME": 10})
    with pytest.raises(ValueError, match="darks: no pixel is finite and unmasked"):
        find_hot_pixels(masked, method=method)
    # the dark-current map itself is defined: unmeasurable everywhere
    assert np.isnan(measure_dark_current(CCDData(data, unit="electron"),
                                         exposure_time=10)).all()


def test_threshold_must_be_positive(long_dark):
    for value in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="threshold must be a positive, finite rate"):
            find_hot_pixels(long_dark.darks[0], gain=GAIN, threshold=value * E_S)
        with pytest.raises(ValueError, match="warm_threshold must be a positive, finite"):
            find_hot_pixels(long_dark.darks[0], gain=GAIN, warm_threshold=value * E_S)


# --------------------------------------------------------------- sanity warning
@pytest.fixture(scope="module")
def biased():
    """Darks that still hold a 1000 adu bias (typical of a CCD)."""
    return simulate_darks((64, 64), exposure_times=(60, 600) * u.s, gain=GAIN,
                          bias=1000 * u.adu, seed=31)


def test_darks_with_the_bias_in_warn(biased):
    # 1000 adu in 600 s is 2.5 electron/s in every pixel: all of them hot
    with pytest.warns(AstropyUserWarning, match=r"implausible.*100 % of the 4096 measurable"
                                                r".*not bias-subtracted"):
        mask = find_hot_pixels(biased.darks, gain=GAIN)
    assert mask.meta["NHOT"] > 0.99 * 4096  # the result itself is unchanged
    # one 1 s dark with its bias: a median far above any cooled detector's
    one_second = CCDData(biased.darks[0].data, unit="adu", meta={"EXPTIME": 1.0})
    with pytest.warns(AstropyUserWarning, match=r"median dark current, 150\d electron / s, "
                                                r"is far above"):
        find_hot_pixels(one_second, gain=GAIN, method="sigma")
    with pytest.warns(AstropyUserWarning, match=r"median dark current, 100\d adu / s"):
        find_hot_pixels(one_second, method="sigma")


def test_normal_darks_do_not_warn(long_dark, two_darks, ipc_dark, biased):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        find_hot_pixels(long_dark.darks[0], gain=GAIN, warm_threshold=0.1 * E_S)
        find_hot_pixels(two_darks.darks, gain=GAIN, saturation=65535 * u.adu)
        find_hot_pixels(ipc_dark.darks[0], gain=GAIN, neighbors="cross")
        find_hot_pixels(long_dark.darks[0], gain=GAIN, method="sigma")
        # the same biased darks once the bias is subtracted
        unbiased = [CCDData(d.data - 1000, unit="adu", meta=d.meta) for d in biased.darks]
        find_hot_pixels(unbiased, gain=GAIN)
        # a high threshold in adu/s without a gain
        find_hot_pixels(long_dark.darks[0], threshold=5 * u.adu / u.s)
