"""Tests of ccdbadpix.simulate.simulate_hot_pixel_series against its own ground truth."""

import re

import numpy as np
import pytest
from astropy import units as u
from astropy.nddata import CCDData
from astropy.time import Time

from ccdbadpix.dq.flags import DQ
from ccdbadpix.dq.mask import DQMask
from ccdbadpix.simulate import HotPixelSeries, simulate_hot_pixel_series
from ccdbadpix.utils._units import month

DN_S = u.DN / u.s
SMALL = {"shape": (64, 64), "n_epochs": 7, "new_per_month": 20, "initial_hot": 40,
         "intermittent": 10}


def _months(sim):
    return (sim.times[-1] - sim.times[0]).to_value(month)


def test_times_spacing_and_count():
    sim = simulate_hot_pixel_series((8, 8), 5, start="2023-01-01", interval=2,
                                    new_per_month=0.5, initial_hot=3, intermittent=2, seed=0)
    assert isinstance(sim, HotPixelSeries) and isinstance(sim.times, Time)
    assert len(sim.times) == len(sim.frames) == 5
    assert sim.times[0].isot == "2023-01-01T00:00:00.000"
    np.testing.assert_allclose(np.diff(sim.times.mjd), 2 * 30.4375, rtol=0, atol=1e-8)
    assert sim.interval.unit == month and sim.interval.value == 2
    days = simulate_hot_pixel_series((8, 8), 3, interval=90 * u.day, new_per_month=0,
                                     initial_hot=3, intermittent=0, seed=0)
    np.testing.assert_allclose(np.diff(days.times.mjd), 90, rtol=0, atol=1e-8)
    stamps = [f.header["DATE-OBS"] for f in sim.frames]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", s) for s in stamps)
    assert stamps[1] == "2023-03-02T21:00:00"  # 60.875 days later


@pytest.mark.parametrize("threshold", [0.6, 1.0, 10.0, 300.0])
def test_counts_match_noiseless_rate_frames(threshold):
    sim = simulate_hot_pixel_series(**SMALL, seed=1)
    assert sim.frames[0].unit == DN_S and sim.frames[0].data.dtype == np.float32
    seen = [int((f.data >= threshold).sum()) for f in sim.frames]
    assert list(sim.counts(threshold)) == seen
    assert list(sim.counts(threshold * DN_S)) == seen
    assert sim.counts(threshold)[-1] > sim.counts(threshold)[0]  # hot pixels appear
    for k in (0, 3, -1):
        np.testing.assert_array_equal(sim.true_rate(k).to_value(DN_S), sim.frames[k].data)
        np.testing.assert_array_equal(sim.hot(k, threshold), sim.frames[k].data >= threshold)


def test_normal_pixels_stay_below_one():
    sim = simulate_hot_pixel_series(**SMALL, seed=2)
    normal = np.isnan(sim.amplitude)
    assert normal.sum() == 64 * 64 - (~normal).sum() > 0
    assert sim.background.max() < 0.25 * DN_S  # min(1, 0.5) / 2
    for frame in sim.frames:
        assert frame.data[normal].max() < 0.25
    assert np.nanmin(sim.amplitude) >= 0.5 * DN_S and np.nanmax(sim.amplitude) <= 5000 * DN_S


def test_dark_output_is_rate_times_exposure():
    rate = simulate_hot_pixel_series(**SMALL, seed=3)
    dark = simulate_hot_pixel_series(**SMALL, seed=3, output="dark", exposure_time=500 * u.s)
    for r, d in zip(rate.frames, dark.frames, strict=True):
        assert d.unit == u.DN and d.header["EXPTIME"] == 500
        assert d.header["DATE-OBS"] == r.header["DATE-OBS"]
        np.testing.assert_allclose(d.data / d.header["EXPTIME"], r.data, rtol=1e-6)


def test_mask_output_counts_match_truth():
    sim = simulate_hot_pixel_series(**SMALL, seed=4, output="mask", mask_threshold=3)
    assert all(isinstance(f, DQMask) for f in sim.frames)
    flagged = [int((f.data != 0).sum()) for f in sim.frames]
    assert flagged == list(sim.counts(3 * DN_S))
    values = np.unique(np.concatenate([np.unique(f.data) for f in sim.frames]))
    assert list(values) == [0, DQ.HOT | DQ.DO_NOT_USE]
    assert sim.frames[2].meta["DATE-OBS"] == Time(sim.times[2], precision=0).isot
    np.testing.assert_array_equal(sim.frames[2].data != 0, sim.hot(2, 3))


def test_expected_rate_matches_realized_rate():
    sim = simulate_hot_pixel_series((256, 256), 37, new_per_month=400, seed=5)
    for threshold in (1.0, 20.0):
        expected = sim.expected_rate(threshold)
        realized = sim.realized_rate(threshold * DN_S)
        assert expected.unit == realized.unit == u.pix / month
        # ~14400 arrivals: the Poisson scatter is below 1 %
        assert realized.value == pytest.approx(expected.value, rel=0.04)
        # the truth counts grow by the realised net number plus the intermittent change
        counts = sim.counts(threshold)
        inter = sim.intermittent & (sim.amplitude >= threshold * DN_S)
        inter_change = int(sim.hot(-1, threshold)[inter].sum()) - int(
            sim.hot(0, threshold)[inter].sum())
        net = round(realized.value * _months(sim))
        assert counts[-1] - counts[0] == net + inter_change
    p = np.log(5000 / 1.0) / np.log(5000 / 0.5)
    assert sim.expected_rate().value == pytest.approx((400 - 100 / 36) * p)
    assert sim.expected_rate(6000).value == 0
    assert sim.expected_rate(0.1).value == pytest.approx(400 - 100 / 36)


def test_step_pixels_turn_hot_at_step_time():
    sim = simulate_hot_pixel_series((64, 64), 9, new_per_month=0, heal_fraction=0,
                                    intermittent=0, initial_hot=30, step_pixels=200,
                                    step_time="2023-01-01", seed=6)
    k = int(np.searchsorted(sim.times.mjd, sim.step_time.mjd))  # first epoch after
    assert sim.times[k - 1] < sim.step_time < sim.times[k]
    for threshold in (1.0, 50.0):
        counts = sim.counts(threshold)
        above = int((sim.step & (sim.amplitude >= threshold * DN_S)).sum())
        assert 0 < above <= 200
        assert counts[k] - counts[k - 1] == above
        assert np.all(np.diff(counts)[np.arange(8) != k - 1] == 0)
        assert not (sim.hot(k - 1, threshold) & sim.step).any()
    assert sim.step.sum() == 200 and np.all(sim.onset[sim.step] == sim.step_time.mjd)
    assert sim.realized_rate().value == 0  # step pixels are not part of the trend


def test_step_at_an_epoch_time_is_hot_at_that_epoch():
    start = Time("2022-07-12")
    sim = simulate_hot_pixel_series((32, 32), 4, start=start, new_per_month=0,
                                    initial_hot=0, intermittent=0, step_pixels=10,
                                    step_time=start + 2 * month, amplitude=(2, 20), seed=7)
    assert list(sim.counts()) == [0, 0, 10, 10]


def test_healing_pixels():
    sim = simulate_hot_pixel_series((64, 64), 6, new_per_month=0, initial_hot=50,
                                    heal_fraction=1, intermittent=0, amplitude=(2, 20),
                                    seed=8)
    counts = sim.counts()
    assert counts[0] == 50 and counts[-1] == 0 and np.all(np.diff(counts) <= 0)
    initial = np.isfinite(sim.amplitude)
    assert np.all(sim.onset[initial] == -np.inf)
    heal = sim.heal[initial]
    assert np.all((heal > sim.times.mjd[0]) & (heal < sim.times.mjd[-1]))
    assert not np.isin(heal, sim.times.mjd).any()
    assert sim.heal_per_month == pytest.approx(50 / 5)
    assert sim.realized_rate().value == pytest.approx(-10)
    half = simulate_hot_pixel_series((64, 64), 6, initial_hot=50, heal_fraction=0.3, seed=8)
    assert np.isfinite(half.heal).sum() == 15 and np.isposinf(half.heal).sum() > 35


def test_new_pixels_never_heal_and_onsets_inside():
    sim = simulate_hot_pixel_series(**SMALL, seed=9)
    new = np.isfinite(sim.onset)
    assert new.sum() > 0 and np.all(np.isposinf(sim.heal[new]))
    t = sim.times.mjd
    assert np.all((sim.onset[new] > t[0]) & (sim.onset[new] < t[-1]))
    assert np.all(np.isnan(sim.onset[sim.intermittent]) & np.isnan(sim.heal[sim.intermittent]))


def test_intermittent_states_match_frames():
    sim = simulate_hot_pixel_series((32, 32), 12, new_per_month=0, initial_hot=0,
                                    intermittent=30, amplitude=(2, 200), seed=10)
    idx = np.flatnonzero(sim.intermittent)
    assert sim.intermittent_states.shape == (30, 12) == (idx.size, 12)
    assert 0 < sim.intermittent_states.mean() < 1
    amp = sim.amplitude.to_value(DN_S).flat[idx]
    back = sim.background.to_value(DN_S).flat[idx]
    for k, frame in enumerate(sim.frames):
        state = sim.intermittent_states[:, k]
        np.testing.assert_array_equal(frame.data.flat[idx], np.where(state, amp, back))
    assert list(sim.counts()) == list(sim.intermittent_states.sum(axis=0))


def test_special_pixels_are_distinct():
    sim = simulate_hot_pixel_series((32, 32), 5, new_per_month=30, initial_hot=100,
                                    intermittent=100, step_pixels=100,
                                    step_time="2022-09-01", seed=11)
    capable = np.isfinite(sim.amplitude)
    initial = np.isneginf(sim.onset)
    new = np.isfinite(sim.onset) & ~sim.step
    assert initial.sum() == 100 and sim.intermittent.sum() == 100 and sim.step.sum() == 100
    assert capable.sum() == initial.sum() + new.sum() + 200
    assert not (sim.intermittent & (initial | new | sim.step)).any()


def test_noise():
    quiet = simulate_hot_pixel_series(**SMALL, seed=12)
    noisy = simulate_hot_pixel_series(**SMALL, seed=12, noise=0.2 * DN_S)
    np.testing.assert_array_equal(quiet.amplitude, noisy.amplitude)
    np.testing.assert_array_equal(quiet.true_rate(3), noisy.true_rate(3))
    diff = noisy.frames[3].data - quiet.frames[3].data
    assert diff.std() == pytest.approx(0.2, rel=0.05) and abs(diff.mean()) < 0.02
    assert noisy.noise == 0.2 * DN_S


def test_seed_reproducibility():
    a, b = (simulate_hot_pixel_series(**SMALL, seed=13) for _ in range(2))
    c = simulate_hot_pixel_series(**SMALL, seed=14)
    for fa, fb in zip(a.frames, b.frames, strict=True):
        np.testing.assert_array_equal(fa.data, fb.data)
    np.testing.assert_array_equal(a.onset, b.onset)
    np.testing.assert_array_equal(a.intermittent_states, b.intermittent_states)
    assert a.frames[0].header["SEED"] == 13 and a.seed == 13
    assert not np.array_equal(a.frames[-1].data, c.frames[-1].data)


def test_units_and_quantities():
    sim = simulate_hot_pixel_series((16, 16), 3, new_per_month=6 * u.pix / month,
                                    amplitude=[1, 100] * u.adu / u.s, initial_hot=5,
                                    intermittent=5, seed=15)
    assert sim.new_per_month == 6 and sim.amplitude_range.unit == DN_S
    assert list(sim.amplitude_range.value) == [1, 100]
    e_s = u.electron / u.s
    with pytest.raises(u.UnitsError, match="threshold"):
        sim.counts(1 * e_s)
    with pytest.raises(u.UnitsError, match="threshold"):
        sim.expected_rate(1 * e_s)
    with pytest.raises(u.UnitsError, match="mask_threshold"):
        simulate_hot_pixel_series((8, 8), 2, output="mask", mask_threshold=1 * e_s)
    with pytest.raises(u.UnitsError, match="amplitude"):
        simulate_hot_pixel_series((8, 8), 2, amplitude=(1, 10) * e_s)
    with pytest.raises(u.UnitsError, match="interval"):
        simulate_hot_pixel_series((8, 8), 2, interval=1 * u.m)


@pytest.mark.parametrize(("kwargs", "error", "name"), [
    ({"n_epochs": 1}, ValueError, "n_epochs"),
    ({"n_epochs": 2.0}, TypeError, "n_epochs"),
    ({"step_time": "2022-07-01", "step_pixels": 5}, ValueError, "step_time"),
    ({"step_time": "2023-01-01", "step_pixels": 5}, ValueError, "step_time"),
    ({"step_time": "2022-07-12", "step_pixels": 5}, ValueError, "step_time"),
    ({"step_time": "not a time"}, ValueError, "step_time"),
    ({"step_pixels": 5}, ValueError, "step_time"),
    ({"start": "yesterday-ish"}, ValueError, "start"),
    ({"initial_hot": 60, "intermittent": 10}, ValueError, "initial_hot"),
    ({"initial_hot": 0, "intermittent": 0, "new_per_month": 50}, ValueError, "new_per_month"),
    ({"output": "cube"}, ValueError, "output"),
    ({"output": 1}, TypeError, "output"),
    ({"heal_fraction": 1.5}, ValueError, "heal_fraction"),
    ({"amplitude": (10, 1)}, ValueError, "amplitude"),
    ({"background": 0.3}, ValueError, "background"),
    ({"interval": 0}, ValueError, "interval"),
    ({"noise": -1}, ValueError, "noise"),
    ({"exposure_time": 0}, ValueError, "exposure_time"),
    ({"shape": (8,)}, ValueError, "shape"),
])
def test_validation(kwargs, error, name):
    base = {"shape": (8, 8), "n_epochs": 4, "new_per_month": 0, "initial_hot": 2,
            "intermittent": 2}
    with pytest.raises(error, match=name):
        simulate_hot_pixel_series(**{**base, **kwargs})


def test_method_validation_and_repr():
    sim = simulate_hot_pixel_series((8, 8), 3, new_per_month=0, initial_hot=2,
                                    intermittent=0, seed=16)
    with pytest.raises(ValueError, match="epoch"):
        sim.true_rate(3)
    with pytest.raises(TypeError, match="epoch"):
        sim.hot(1.0)
    with pytest.raises(ValueError, match="threshold"):
        sim.counts(0)
    np.testing.assert_array_equal(sim.true_rate(-1), sim.true_rate(2))
    assert repr(sim).startswith("<HotPixelSeries 3 rate frames of shape (8, 8), 2022-07-12")
    assert isinstance(sim.frames[0], CCDData)
    with pytest.raises(AttributeError):
        sim.seed = 1


def test_threshold_equal_to_amplitude_counts_as_hot():
    sim = simulate_hot_pixel_series((16, 16), 3, new_per_month=0, initial_hot=7,
                                    intermittent=0, heal_fraction=0, amplitude=(2, 2),
                                    output="mask",
                                    mask_threshold=2, seed=17)
    assert np.all(sim.amplitude[np.isfinite(sim.amplitude)] == 2 * DN_S)
    assert [int((f.data != 0).sum()) for f in sim.frames] == [7, 7, 7]
    assert list(sim.counts(2)) == [7, 7, 7] and list(sim.counts(2.0001)) == [0, 0, 0]
    assert sim.expected_rate(2).value == 0  # no arrivals, no healing
