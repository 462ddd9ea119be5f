"""Row-correlated (1/f) readout noise: measured over whole rows, removed from each ramp
without touching any pixel's least-squares dark current (issue 11: dead pixels under
strong 1/f noise)."""

import numpy as np
import pytest
from astropy import units as u

import ccdbadpix.ramps.features
from ccdbadpix import classify_ramps, estimate_read_noise, ramp_features
from ccdbadpix.ramps._detector import row_noise, row_residuals, subtract_row_noise
from ccdbadpix.simulate import REALISTIC_EFFECTS, simulate_ramps

#: The benchmark's strong-1/f detector, where dead pixels were missed before the rows
#: were corrected (their own noise, 0.3 read noises, hidden under 0.45 read noises of
#: 1/f noise).
STRONG_ROWS = dict(ngroups=100, gain=1.6 * u.electron / u.DN, read_noise=6 * u.electron,
                   group_time=3 * u.s, bias=15000 * u.DN, ipc_alpha=0.005, seed=102,
                   effects={**REALISTIC_EFFECTS, "correlated_noise": 0.45,
                            "reset_anomaly": 12.0, "read_noise_spread": 0.15,
                            "dead_kinds": {"low_noise": 1.0}})


@pytest.fixture(scope="module")
def strong():
    return simulate_ramps((128, 160), fractions={"dead": 0.01}, **STRONG_ROWS)


def _rows_ramps(rng, n=40, ny=50, nx=200, row_rms=3.0, rates=None):
    """White reads of unit noise, per-row offsets of ``row_rms`` in every read, and a
    dark current per row (counts per group)."""
    t = np.arange(n, dtype=float)
    rates = np.zeros(ny) if rates is None else rates
    offsets = row_rms * rng.standard_normal((n, ny, 1))
    y = rng.standard_normal((n, ny, nx)) + offsets + (t[:, None] * rates)[:, :, None]
    return t, y.astype(np.float32), offsets[..., 0]


def test_row_noise_measures_and_removes_the_row_offsets():
    rng = np.random.default_rng(3)
    rates = np.linspace(0, 2, 50)  # a gradient along the columns: real, to be kept
    t, y, offsets = _rows_ramps(rng, rates=rates)
    dev, (rms, floor) = row_noise(*row_residuals(y, t), t)
    # the truth per read: the offsets less their line over the ramp (which a row keeps)
    tc = t - t.mean()
    line = offsets.mean(0) + np.outer(tc, tc @ offsets / (tc @ tc))
    truth = offsets - line
    truth -= np.median(truth, axis=1, keepdims=True)  # what all rows share is not theirs
    assert rms == pytest.approx(np.sqrt(np.mean(truth ** 2)), rel=0.1)
    assert floor == pytest.approx(np.sqrt(np.pi / 2 / 200), rel=0.2)  # unit residuals
    np.testing.assert_allclose(dev, truth, atol=5 * floor)
    fixed = subtract_row_noise(y, dev)
    # what is left of the row offsets is the error of 200-column medians, read by read
    # (it does not add up along the ramp)
    m = fixed.mean(2)  # row means of each read
    left = m - m.mean(0) - np.outer(tc, tc @ m / (tc @ tc))  # less the rows' own lines
    left -= left.mean(1, keepdims=True)  # and what all rows share
    assert np.std(left) < 2 * floor
    # every pixel keeps its least-squares slope (the row's gradient included)
    slope = np.tensordot(tc, y, axes=(0, 0)) / (tc @ tc)
    slope_fixed = np.tensordot(tc, fixed, axes=(0, 0)) / (tc @ tc)
    np.testing.assert_allclose(slope_fixed, slope, atol=2e-4)
    np.testing.assert_array_equal(fixed, y - dev[:, :, None])


def test_repeated_values_stay_exact():
    rng = np.random.default_rng(4)
    t, y, _ = _rows_ramps(rng, n=20, ny=10, nx=64)
    y[8:, 2, 5] = y[8, 2, 5]  # saturated from read 8 on
    y[:, 3, 7] = 1234.0  # constant
    dev, _ = row_noise(*row_residuals(y, t), t)
    fixed = subtract_row_noise(y, dev)
    assert np.all(np.diff(fixed[8:, 2, 5]) == 0)
    assert np.all(fixed[:, 3, 7] == 1234.0)
    assert fixed[0, 2, 5] == y[0, 2, 5]
    np.testing.assert_allclose(np.diff(fixed[:9, 2, 5]),
                               np.diff(y[:9, 2, 5]) - np.diff(dev[:9, 2]), atol=1e-4)
    others = np.ones(y.shape[1:], bool)
    others[2, 5] = others[3, 7] = False
    np.testing.assert_allclose(fixed[:, others], (y - dev[:, :, None])[:, others])


def test_rows_with_too_few_columns_are_left_alone():
    rng = np.random.default_rng(5)
    t, y, _ = _rows_ramps(rng, nx=20)  # fewer than 32 columns
    dev, (rms, floor) = row_noise(*row_residuals(y, t), t)
    assert np.all(dev == 0) and rms == 0 and floor == 0


def test_row_noise_nan_columns_left_out():
    rng = np.random.default_rng(6)
    t, y, _ = _rows_ramps(rng)
    ref = row_residuals(y, t)
    y2 = y.copy()
    y2[:, :, 1::4] = np.nan  # a quarter of the columns unusable
    med, _, k = row_residuals(y2, t)
    assert np.all(k == 150)
    assert np.all(np.isfinite(med))
    assert np.std(med - ref[0]) < 0.15  # medians of 150 instead of 200 unit-noise values


def test_classify_corrects_rows_only_when_there_are_any(strong):
    res = classify_ramps(strong.data, times=strong.times, gain=strong.gain, progress=False)
    assert res.meta["ROWCORR"] is True
    # 0.45 read noises per read, most of it shared by the row
    rn = 6.0
    assert 0.25 * rn < res.meta["ROWNOISE"] < 0.5 * rn
    plain = simulate_ramps((64, 64), ngroups=30, seed=1)
    res = classify_ramps(plain.data, times=plain.times, gain=plain.gain, progress=False)
    assert res.meta["ROWCORR"] is False
    assert res.meta["ROWNOISE"] < 0.1 * plain.read_noise.to_value(u.electron)


def test_dead_pixels_under_strong_row_noise(strong, monkeypatch):
    data = strong.data.copy()
    res = classify_ramps(strong.data, times=strong.times, gain=strong.gain, progress=False)
    np.testing.assert_array_equal(strong.data, data)  # input untouched
    dead = strong.mask("dead")
    assert dead.sum() > 100
    recall = (res.labels[dead] == res.classes.index("dead")).mean()
    assert recall >= 0.97
    # without the row correction some of them hide under the row noise
    monkeypatch.setattr(ccdbadpix.ramps.features, "_ROW_GATE", np.inf)
    plain = classify_ramps(strong.data, times=strong.times, gain=strong.gain, progress=False)
    assert plain.meta["ROWCORR"] is False
    assert (plain.labels[dead] == res.classes.index("dead")).mean() < recall - 0.03
    # the noise each dead pixel shows: its own (0.3 read noises) and the part of the 1/f
    # noise that changes within a row (about 0.28), not the rows' (0.35 more)
    feats = ramp_features(strong.data, times=strong.times, gain=strong.gain)
    good = strong.labels == 0
    assert np.median(feats["diff_std_clean_z"][dead]) < 0.45
    assert np.median(feats["diff_std_clean_z"][good]) > 0.9
    # the read noise stays that of a ramp's slope: row noise included
    rn = estimate_read_noise(strong.data, times=strong.times, gain=strong.gain)
    assert rn.to_value(u.electron) > 6.0
