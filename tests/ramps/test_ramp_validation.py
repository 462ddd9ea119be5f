"""Validation of ramp, trend and simulator inputs beyond the bad-input table: wrapped
integer ramps, the priors rule, finite headers, float64 risk and the mask-flag default."""

import warnings

import numpy as np
import pytest
from astropy import units as u
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning

from ccdbadpix import DQ, DQMask, classify_ramps, ramp_features, trend_hot_pixels, unmasked_risk
from ccdbadpix.simulate import simulate_hot_pixel_series, simulate_ramps

DN_S = u.DN / u.s
DATES = ["2024-01-01", "2024-07-01", "2025-01-01"]
WRAPPED = [(3, 4), (10, 20), (25, 7), (30, 30)]


@pytest.fixture(scope="module")
def uint16_cube():
    """A 32x32 uint16 cube of 12 groups in which four pixels count past 65535 and wrap."""
    sim = simulate_ramps((32, 32), ngroups=12, seed=11, fractions={})
    cube = np.round(sim.data).astype(np.float64)
    for y, x in WRAPPED:  # a bright pixel starting at 65450 DN, rising 40 DN per group
        cube[:, y, x] = 65450 + 40 * np.arange(cube.shape[0])
    # a pixel falling by 30000 DN (a drop, but less than half the uint16 range): no wrap
    cube[6:, 15, 15] -= 30000
    return sim, (cube % 65536).astype(np.uint16)


def _wrap_mask():
    mask = np.zeros((32, 32), bool)
    for y, x in WRAPPED:
        mask[y, x] = True
    return mask


def _check_wrapped(result, mask):
    assert result.meta["NWRAP"] == mask.sum()
    assert result.dq.meta["NWRAP"] == mask.sum()
    dnu = result.dq.to_boolean(flags="DO_NOT_USE")
    assert dnu[mask].all()
    assert np.all(result.labels[mask] == result.classes.index("uncertain"))
    assert np.all(result.confidence[mask] == 0)


@pytest.mark.parametrize("kind", ["memory", "fits", "dask"])
def test_wrapped_uint16_ramps_are_do_not_use(uint16_cube, kind, tmp_path):
    sim, cube = uint16_cube
    assert int(cube[-1, 3, 4]) < 1000 and int(cube[0, 3, 4]) == 65450  # really wrapped
    common = dict(gain=sim.gain, read_noise=sim.read_noise, progress=False)
    if kind == "memory":
        ramps = cube
    elif kind == "fits":
        ramps = tmp_path / "ramps.fits"
        fits.PrimaryHDU(cube).writeto(ramps)
        with fits.open(ramps) as hdul:  # stored as int16 + BZERO, read back as uint16
            assert hdul[0].header["BZERO"] == 32768
    else:
        da = pytest.importorskip("dask.array")
        ramps = da.from_array(cube, chunks=(12, 16, 16))
    result = classify_ramps(ramps, times=sim.times, **common)
    mask = _wrap_mask()
    _check_wrapped(result, mask)
    # every other pixel is classified as the same counts given as floats with the wrapped
    # ramps unusable (NaN): the detector-wide rate prior learns from neither
    floats = cube.astype(np.float32)
    floats[:, mask] = np.nan
    plain = classify_ramps(floats, times=sim.times, **common)
    assert plain.meta["NWRAP"] == 0
    assert np.array_equal(result.labels[~mask], plain.labels[~mask])
    assert np.array_equal(result.dq.data[~mask], plain.dq.data[~mask])  # incl. (15, 15)


def test_unwrapped_integer_ramps_record_zero(uint16_cube):
    sim, _ = uint16_cube
    clean = np.round(sim.data).astype(np.uint16)
    result = classify_ramps(clean, times=sim.times, gain=sim.gain,
                            read_noise=sim.read_noise, progress=False)
    assert result.meta["NWRAP"] == 0


def test_wrapped_signed_int16_ramps_flagged():
    sim = simulate_ramps((16, 16), ngroups=8, seed=2, fractions={}, bias=3000 * u.DN,
                         bias_spread=100 * u.DN)
    cube = np.round(sim.data).astype(np.int64)
    cube[:, 5, 6] = 32700 + 30 * np.arange(8)  # passes 32767 and wraps to -32768...
    wrapped = ((cube + 32768) % 65536 - 32768).astype(np.int16)
    result = classify_ramps(wrapped, times=sim.times, gain=sim.gain,
                            read_noise=sim.read_noise, progress=False)
    assert result.meta["NWRAP"] == 1
    assert result.dq.to_boolean(flags="DO_NOT_USE")[5, 6]


@pytest.fixture(scope="module")
def small_sim():
    return simulate_ramps((16, 16), ngroups=10, seed=4)


def _classify(sim, **kwargs):
    return classify_ramps(sim.data, times=sim.times, gain=sim.gain, progress=False, **kwargs)


def test_priors_may_sum_to_one_but_not_more(small_sim):
    ok = _classify(small_sim, priors={"hot": 0.5, "dead": 0.5})
    assert ok.meta["PRIORS"].startswith("{")
    with pytest.raises(ValueError, match=r"priors must make a distribution.*sum to 1\.1"):
        _classify(small_sim, priors={"hot": 0.6, "dead": 0.5})
    with pytest.raises(ValueError, match=r"priors\['hot'\] must be a probability in \(0, 1\)"):
        _classify(small_sim, priors={"hot": 1.0})


def test_header_values_are_finite(small_sim):
    result = _classify(small_sim, hot_threshold=2 * u.electron / u.s,
                       read_noise=1e-3 * u.electron, min_confidence=1.0)
    for key, value in result.meta.items():
        if isinstance(value, float):
            assert np.isfinite(value), key


def test_read_noise_must_be_positive_yet_may_be_tiny(small_sim):
    result = _classify(small_sim, read_noise=1e-3)
    assert result.read_noise.value == pytest.approx(1e-3)
    for bad in (0, -1, np.nan, np.inf):
        with pytest.raises(ValueError, match="read_noise must be a positive, finite"):
            _classify(small_sim, read_noise=bad)


def test_threshold_numbers_are_electron_per_second(small_sim):
    a = _classify(small_sim, hot_threshold=2.0, warm_threshold=0.2)
    b = _classify(small_sim, hot_threshold=2 * u.electron / u.s,
                  warm_threshold=0.2 * u.electron / u.s)
    assert np.array_equal(a.labels, b.labels)
    assert a.meta["HOTTHR"] == 2.0


# --------------------------------------------------------------------- unmasked_risk
def test_unmasked_risk_int32_stamps_do_not_overflow():
    p_year = 1e-12
    n = np.array([1, 8, 2**22], dtype=np.int32)  # 1024 * 2**22 = 2**32 pixels
    risk = unmasked_risk(p_year, 1 * u.yr, n_stamps=n)
    expected = -np.expm1(1024.0 * n.astype(float) * np.log1p(-p_year))
    assert np.all((risk >= 0) & (risk <= 1))
    assert risk == pytest.approx(expected, rel=1e-12)
    assert risk[2] == pytest.approx(1 - np.exp(-(2.0**32) * 1e-12), rel=1e-9)
    python_ints = unmasked_risk(p_year, 1 * u.yr, n_stamps=[1, 8, 2**22])
    assert np.array_equal(risk, python_ints)


def test_unmasked_risk_whole_float_stamp_shape_accepted():
    assert unmasked_risk(0.0002, 1 * u.yr, stamp_shape=(32.0, 32.0)) == unmasked_risk(
        0.0002, 1 * u.yr, stamp_shape=(32, 32))
    assert unmasked_risk(0.0002, 1 * u.yr, stamp_shape=1024) == unmasked_risk(
        0.0002, 1 * u.yr)


# --------------------------------------------------------------- mask flags in trends
def _masks(flags):
    out = []
    for k, date in enumerate(DATES):
        dq = np.zeros((8, 8), np.uint32)
        dq[0, : 2 * k + 1] = flags
        out.append(DQMask(dq, meta={"DATE-OBS": date}))
    return out


def test_masks_count_hot_by_default():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trend = trend_hot_pixels(_masks(DQ.HOT), steps=None, progress=False)
    assert trend.table.colnames[3] == "count_HOT"
    assert list(trend.table["count_HOT"]) == [1, 3, 5]


def test_masks_without_the_counted_flag_warn():
    masks = _masks(DQ.DO_NOT_USE)  # a foreign mask: DO_NOT_USE only
    with pytest.warns(AstropyUserWarning, match=r"HOT: no pixel counted.*mask_flags="):
        trend = trend_hot_pixels(masks, steps=None, progress=False)
    assert list(trend.table["count_HOT"]) == [0, 0, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trend = trend_hot_pixels(masks, mask_flags="DO_NOT_USE", steps=None, progress=False)
    assert list(trend.table["count_DO_NOT_USE"]) == [1, 3, 5]


def test_rate_thresholds_warn_only_when_none_counts():
    maps = np.zeros((3, 8, 8))
    maps[:, 0, 0] = 2
    with warnings.catch_warnings():  # the 100 DN/s level counts nothing: plausible
        warnings.simplefilter("error")
        trend_hot_pixels(maps * DN_S, times=DATES, steps=None, progress=False)
    with pytest.warns(AstropyUserWarning, match="no pixel reaches any threshold"):
        trend_hot_pixels(maps * u.DN / u.hr, times=DATES, steps=None, progress=False)


def test_simulated_mask_series_trends_with_the_default():
    sim = simulate_hot_pixel_series((32, 32), 4, new_per_month=3, initial_hot=10,
                                    output="mask", seed=0)
    trend = trend_hot_pixels(sim.frames, steps=None, progress=False)
    assert np.array_equal(trend.table["count_HOT"],
                          [int(f.to_boolean(flags="HOT").sum()) for f in sim.frames])


# ------------------------------------------------------------------------ simulators
def test_simulator_seeds_of_numpy_types_and_generators():
    a = simulate_ramps((8, 8), ngroups=4, seed=3)
    b = simulate_ramps((8, 8), ngroups=4, seed=np.int64(3))
    c = simulate_ramps((8, 8), ngroups=4, seed=np.random.default_rng(3))
    assert np.array_equal(a.data, b.data) and np.array_equal(a.data, c.data)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        simulate_hot_pixel_series((8, 8), 3, seed=-1)


def test_wrapped_ramps_have_no_features(uint16_cube):
    """ramp_features treats a wrapped integer ramp like a non-finite one."""
    sim, cube = uint16_cube
    mask = _wrap_mask()
    feats = ramp_features(cube, times=sim.times, gain=sim.gain, read_noise=sim.read_noise)
    np.testing.assert_array_equal(~feats.finite, mask)
    assert (feats.values[:, mask] == 0).all()
    plain = ramp_features(cube.astype(np.float32), times=sim.times, gain=sim.gain,
                          read_noise=sim.read_noise)
    assert plain.finite.all()
    np.testing.assert_array_equal(feats.values[:, ~mask], plain.values[:, ~mask])
