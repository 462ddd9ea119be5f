"""trend_hot_pixels, HotPixelTrend and unmasked_risk against simulated truth and real masks."""

import glob
import os

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import CCDData
from astropy.table import QTable
from astropy.time import Time

from ccdbadpix import DQ, DQMask, month, trend_hot_pixels, unmasked_risk
from ccdbadpix.simulate import simulate_hot_pixel_series

DN_S = u.DN / u.s
THRESHOLDS = (1, 3, 10, 100) * DN_S


@pytest.fixture(scope="module")
def series():
    """Three years, monthly, with healing and intermittent pixels, noiseless."""
    return simulate_hot_pixel_series((256, 256), 37, new_per_month=120, initial_hot=400,
                                     heal_fraction=0.25, intermittent=60, seed=11)


@pytest.fixture(scope="module")
def stepped():
    """Three years, monthly, 900 pixels turning hot at once half way."""
    return simulate_hot_pixel_series((256, 256), 37, new_per_month=120, initial_hot=400,
                                     heal_fraction=0.0, intermittent=0, step_pixels=900,
                                     step_time="2024-01-20", seed=12)


# --------------------------------------------------------------------------- the risk law
def test_unmasked_risk_reproduces_the_nirspec_report():
    """0.02 %/yr: 1 yr 19 % / 81 %, 2 yr 34 % / 96 %, 6 months 10 % / 57 %."""
    report = {1 * u.yr: (19, 81), 2 * u.yr: (34, 96), 6 * month: (10, 57)}
    for interval, (one, eight) in report.items():
        p1 = unmasked_risk(0.0002, interval)
        p8 = unmasked_risk(0.0002, interval, n_stamps=8)
        assert round(100 * p1) == one
        # the report compounds its rounded one-stamp figure: 1 - (1 - 0.10)**8 = 57 %
        assert round(100 * (1 - (1 - round(p1, 2)) ** 8)) == eight
        assert abs(100 * p8 - eight) < 1.2
    assert unmasked_risk(0.0002, 1 * u.yr, n_stamps=8) == pytest.approx(
        1 - (1 - 0.0002) ** (1024 * 8))


def test_unmasked_risk_units_broadcasting_and_errors():
    same = [unmasked_risk(0.02 * u.percent / u.yr, 12 * month),
            unmasked_risk(0.0002 / u.yr, 365.25 * u.day),
            unmasked_risk(0.0002, 1 * u.yr, stamp_shape=1024)]
    assert np.allclose(same, unmasked_risk(0.0002, 1 * u.yr))
    grid = unmasked_risk(0.0002, [0, 6, 12] * month, n_stamps=np.array([[1], [8]]))
    assert grid.shape == (2, 3) and np.all(grid[:, 0] == 0) and np.all(np.diff(grid) > 0)
    assert unmasked_risk(-0.001, 1 * u.yr) == 0.0  # shrinking counts carry no risk
    assert unmasked_risk(0.5, 10 * u.yr) == 1.0
    with pytest.raises(TypeError, match="interval must be a time Quantity"):
        unmasked_risk(0.0002, 1.0)
    with pytest.raises(ValueError, match="interval must not be negative"):
        unmasked_risk(0.0002, -1 * u.yr)
    with pytest.raises(ValueError, match="n_stamps"):
        unmasked_risk(0.0002, 1 * u.yr, n_stamps=0)
    with pytest.raises(ValueError, match="stamp_shape"):
        unmasked_risk(0.0002, 1 * u.yr, stamp_shape=(0, 32))
    with pytest.raises(u.UnitsError, match="fraction_per_year"):
        unmasked_risk(0.0002 * u.m, 1 * u.yr)


# ----------------------------------------------------------------------- counts and fits
def test_exact_counts_from_darks_in_any_order_and_dtype(series):
    """Darks in counts with EXPTIME, shuffled, mixed dtypes: counts equal the truth."""
    dark = simulate_hot_pixel_series((256, 256), 37, new_per_month=120, initial_hot=400,
                                     heal_fraction=0.25, intermittent=60, seed=11,
                                     output="dark")
    frames = []
    for k, frame in enumerate(dark.frames):
        dtype = (np.float32, np.float64)[k % 2]
        frames.append(CCDData(frame.data.astype(dtype), unit=frame.unit,
                              meta=frame.meta.copy()))
    order = np.random.default_rng(3).permutation(len(frames))
    before = [f.data.copy() for f in frames]
    trend = trend_hot_pixels([frames[i] for i in order], steps=None, progress=False)
    assert all(np.array_equal(f.data, b) for f, b in zip(frames, before, strict=True))
    assert np.all(np.diff(trend.table["time"].mjd) > 0)
    assert np.allclose(trend.table["time"].mjd, series.times.mjd, atol=1e-5)
    for thr in THRESHOLDS:
        label = f"{thr.value:g}"
        assert np.array_equal(trend.table[f"count_{label}"], series.counts(thr)), label
    # the same thresholds in electron/s with a gain give the same counts
    gain = 2.0 * u.electron / u.DN
    other = trend_hot_pixels(dark.frames, thresholds=THRESHOLDS * gain * (u.DN / u.DN),
                             gain=gain, steps=None, progress=False)
    assert np.array_equal(other.table["count_20"], series.counts(10 * DN_S))  # 20 e/s


def test_growth_rate_recovered_on_three_years(series):
    trend = trend_hot_pixels(series.frames, progress=False)
    assert len(trend.steps) == 0
    for row in trend.fits:
        truth = series.realized_rate(row["threshold"]).to_value(u.pix / month)
        assert row["rate"].to_value(u.pix / month) == pytest.approx(truth, rel=0.04)
        assert row["rate_err"].value < 0.05 * truth
        assert row["fraction_per_year"].to_value(1 / u.yr) == pytest.approx(
            row["rate"].value * 12 / 256**2)
    # the rate of pixels hot for the first time sees through the healing
    new_truth = series.new_per_month * np.log(5000 / 1) / np.log(5000 / 0.5)
    assert trend.fits["new_rate"][0].value == pytest.approx(new_truth, rel=0.06)


def test_step_half_way_is_detected_and_the_slope_kept(stepped):
    auto = trend_hot_pixels(stepped.frames, progress=False)
    known = trend_hot_pixels(stepped.frames, steps=["2024-01-20"], progress=False)
    plain = trend_hot_pixels(stepped.frames, steps=None, progress=False)
    step_epoch = int(np.searchsorted(stepped.times.mjd, Time("2024-01-20").mjd))
    for j, thr in enumerate(THRESHOLDS):
        truth = stepped.realized_rate(thr).to_value(u.pix / month)
        true_step = int(np.count_nonzero(stepped.step & (stepped.amplitude >= thr)))
        for trend in (auto, known):
            row = trend.fits[j]
            assert row["n_steps"] == 1
            assert row["rate"].value == pytest.approx(truth, rel=0.05)
            assert row["step"].value == pytest.approx(true_step, rel=0.1, abs=20)
        assert plain.fits["rate"][j].value > 1.3 * truth  # a step fitted as growth
        step = auto.steps[auto.steps["threshold"] == thr][0]
        assert stepped.times[step_epoch - 1] < step["time"] < stepped.times[step_epoch]
        assert not step["known"]
    assert np.all(known.steps["known"])
    assert np.all(known.steps["time"].isot == Time("2024-01-20").isot)


@pytest.mark.parametrize("seed", [21, 22, 23, 24])
def test_no_step_is_invented_and_the_error_is_honest(seed):
    """Counts that random-walk about the line (pixels turn hot one by one, noise makes
    pixels near a threshold flicker) hold no step, and rate_err covers the scatter."""
    sim = simulate_hot_pixel_series((192, 192), 37, new_per_month=40, initial_hot=300,
                                    noise=0.05 * DN_S, seed=seed)
    trend = trend_hot_pixels(sim.frames, progress=False)
    assert len(trend.steps) == 0
    assert np.all(trend.fits["n_steps"] == 0)
    for row in trend.fits:
        expected = sim.expected_rate(row["threshold"]).value
        assert abs(row["rate"].value - expected) < 3.5 * row["rate_err"].value


# -------------------------------------------------------------------------- pixel tracking
def _truth_states(sim, threshold):
    return np.array([sim.hot(k, threshold) for k in range(len(sim.times))])


def test_new_healed_returned_and_intermittent_pixels(series):
    trend = trend_hot_pixels(series.frames, steps=None, progress=False)
    for thr in (1 * DN_S, 100 * DN_S):
        label = f"{thr.value:g}"
        hot = _truth_states(series, thr)
        ever = np.logical_or.accumulate(hot, axis=0)
        on = hot[1:] & ~hot[:-1]
        assert np.array_equal(trend.table[f"new_{label}"][1:], (on & ~ever[:-1]).sum((1, 2)))
        assert np.array_equal(trend.table[f"returned_{label}"][1:],
                              (on & ever[:-1]).sum((1, 2)))
        assert np.array_equal(trend.table[f"healed_{label}"][1:],
                              (hot[:-1] & ~hot[1:]).sum((1, 2)))
        assert trend.table[f"new_{label}"].mask[0]
        # intermittent: hot, then not, then hot again
        healed_once = np.logical_or.accumulate(ever[:-1] & ~hot[1:], axis=0)
        inter = np.any(hot[2:] & healed_once[:-1], axis=0)
        assert np.array_equal(trend.intermittent(thr), inter)
        assert inter.sum() > 10
        assert np.array_equal(trend.hot(thr), hot[-1])
        assert np.array_equal(trend.healed(thr), ever[-1] & ~hot[-1])
        first = np.where(ever.any(0), np.argmax(hot, axis=0), -1)
        assert np.array_equal(trend.first_hot_epoch(thr), first)
    # only intermittent-capable pixels can be intermittent, and healed pixels show up
    assert not np.any(trend.intermittent() & ~series.intermittent)
    healers = (np.isfinite(series.heal) & (series.heal < series.times[-1].mjd)
               & (series.amplitude >= 1 * DN_S))
    assert np.all(trend.healed()[healers])


def test_first_hot_map_matches_the_onsets(series):
    trend = trend_hot_pixels(series.frames, steps=None, progress=False)
    first = trend.first_hot()
    mjd = series.times.mjd
    bright = series.amplitude >= 1 * DN_S  # (amplitudes start at 0.5 DN/s)
    new = np.isfinite(series.onset) & (series.onset > mjd[0]) & bright
    expected = mjd[np.searchsorted(mjd, series.onset[new])]
    assert np.allclose(first[new], expected, atol=1e-5)
    initial = np.isneginf(series.onset) & bright
    assert np.allclose(first[initial], mjd[0], atol=1e-5)
    never = ~np.isfinite(series.amplitude.value) | (series.amplitude < 1 * DN_S)
    assert np.all(np.isnan(first[never & ~series.intermittent]))


def test_tracking_mask_flags(series):
    trend = trend_hot_pixels(series.frames, steps=None, progress=False)
    mask = trend.tracking_mask(10 * DN_S)
    assert isinstance(mask, DQMask)
    assert np.array_equal(mask.to_boolean(flags="HOT"), trend.hot(10 * DN_S))
    assert np.array_equal(mask.to_boolean(flags="TELEGRAPH"), trend.intermittent(10 * DN_S))
    healed_only = trend.healed(10 * DN_S) & ~trend.intermittent(10 * DN_S)
    assert np.array_equal(mask.to_boolean(flags="OTHER_BAD_PIXEL"), healed_only)
    assert not np.any(mask.to_boolean(flags="DO_NOT_USE") & healed_only)
    assert mask.meta["NEPOCHS"] == 37


# ------------------------------------------------------------------------------- risk
def test_recommend_cadence_inverts_the_risk(series):
    trend = trend_hot_pixels(series.frames, progress=False)
    for n in (1, 8):
        cadence = trend.recommend_cadence(0.1, n_stamps=n)
        assert cadence.unit == month
        assert trend.unmasked_risk(cadence, n_stamps=n) == pytest.approx(0.1, rel=1e-9)
        assert trend.unmasked_risk(cadence * 1.01, n_stamps=n) > 0.1
    f = trend.fits["fraction_per_year"][0].to_value(1 / u.yr)
    assert trend.unmasked_risk(1 * u.yr) == pytest.approx(unmasked_risk(f, 1 * u.yr))
    assert trend.recommend_cadence(0.1, n_stamps=8) < trend.recommend_cadence(0.1)
    # healing lowers the net growth, not the rate at which pixels turn hot
    assert trend.unmasked_risk(1 * u.yr, basis="new") > trend.unmasked_risk(1 * u.yr)
    with pytest.raises(ValueError, match="max_risk"):
        trend.recommend_cadence(1.5)
    with pytest.raises(ValueError, match="basis"):
        trend.unmasked_risk(1 * u.yr, basis="net")
    with pytest.raises(ValueError, match="not one of the trended thresholds"):
        trend.unmasked_risk(1 * u.yr, threshold=2 * DN_S)


def test_no_growth_means_no_update_needed():
    maps = np.zeros((4, 16, 16))
    maps[:, 3, 3] = 50
    trend = trend_hot_pixels(maps * DN_S, times=["2024-01-01", "2024-04-01", "2024-07-01",
                                                 "2024-10-01"], steps=None, progress=False)
    assert np.all(trend.fits["rate"].value == pytest.approx(0, abs=1e-9))
    assert not np.isfinite(trend.recommend_cadence(0.1))


# ------------------------------------------------------------------------------ inputs
def test_masks_with_flags_as_levels(series):
    masks = []
    for frame, time in zip(series.frames, series.times, strict=True):
        dq = np.zeros(frame.shape, np.uint32)
        dq[frame.data >= 10] = DQ.HOT | DQ.DO_NOT_USE
        dq[(frame.data >= 1) & (frame.data < 10)] = DQ.WARM
        masks.append(DQMask(dq, meta={"DATE-OBS": time.isot}))
    trend = trend_hot_pixels(masks[::-1], mask_flags=["HOT", "WARM", "HOT,WARM"],
                             steps=None, progress=False)
    assert trend.kind == "mask"
    assert np.array_equal(trend.table["count_HOT"], series.counts(10 * DN_S))
    assert np.array_equal(trend.table["count_HOT,WARM"], series.counts(1 * DN_S))
    assert np.array_equal(trend.table["count_WARM"],
                          series.counts(1 * DN_S) - series.counts(10 * DN_S))
    assert list(trend.fits["threshold"]) == ["HOT", "WARM", "HOT,WARM"]
    with pytest.raises(ValueError, match="mask_flags"):
        trend_hot_pixels(masks, mask_flags=["NOT_A_FLAG"])
    with pytest.raises(ValueError, match="thresholds apply to darks"):
        trend_hot_pixels(masks, thresholds=THRESHOLDS)


def test_paths_globs_and_dates_from_file_names(tmp_path, series):
    when = {}
    for k, frame in enumerate(series.frames[:6]):
        date = series.times[k].strftime("%y%m%d" if k % 2 else "%Y%m%d")
        header = frame.meta.copy()
        del header["DATE-OBS"]
        path = tmp_path / f"rate_{date}_det1.fits"
        CCDData(frame.data, unit=frame.unit, meta=header).write(path)
        when[str(path)] = series.times[k]
    pattern = str(tmp_path / "rate_*_det1.fits")
    with pytest.raises(ValueError, match=r"no date.*times="):
        trend_hot_pixels(pattern, progress=False)
    trend = trend_hot_pixels(pattern, times="filename", steps=None, progress=False)
    days = np.floor(series.times.mjd[:6])
    assert np.array_equal(trend.table["time"].mjd, days)
    assert np.array_equal(trend.table["count_3"], series.counts(3 * DN_S)[:6])
    # explicit dates, one per file in the order given (name order is not time order)
    files = sorted(glob.glob(pattern))
    assert [when[f] for f in files] != sorted(when.values(), key=lambda t: t.mjd)
    trend = trend_hot_pixels(files, times=[when[f] for f in files], steps=None,
                             progress=False)
    assert np.allclose(trend.table["time"].mjd, series.times.mjd[:6])
    assert np.array_equal(trend.table["count_100"], series.counts(100 * DN_S)[:6])


def test_bad_input_gives_clear_errors(series, tmp_path):
    frames = series.frames[:3]
    bare = [CCDData(f.data, unit=f.unit) for f in frames]
    with pytest.raises(ValueError, match=r"has no date.*DATE-OBS.*times="):
        trend_hot_pixels(bare)
    with pytest.raises(ValueError, match="at least two epochs"):
        trend_hot_pixels(frames[:1])
    with pytest.raises(ValueError, match="at least two epochs"):
        trend_hot_pixels(frames[0])
    small = CCDData(frames[1].data[:100], unit=frames[1].unit, meta=frames[1].meta)
    with pytest.raises(ValueError, match="different shapes"):
        trend_hot_pixels([frames[0], small, frames[2]])
    with pytest.raises(ValueError, match="same date"):
        trend_hot_pixels([frames[0], frames[0]])
    with pytest.raises(ValueError, match="times has 2 dates for 3 epochs"):
        trend_hot_pixels(frames, times=["2024-01-01", "2024-02-01"])
    with pytest.raises(ValueError, match="mixes masks"):
        trend_hot_pixels([frames[0], DQMask(np.zeros((256, 256), np.uint32))])
    with pytest.raises(u.UnitsError, match="gain"):
        trend_hot_pixels(frames, thresholds=[1, 10] * u.electron / u.s)
    with pytest.raises(ValueError, match="steps must be"):
        trend_hot_pixels(frames, steps="yes")
    with pytest.raises(ValueError, match="not between the first"):
        trend_hot_pixels(frames, steps=["2019-01-01"])
    with pytest.raises(TypeError, match="thresholds must be a Quantity"):
        trend_hot_pixels(frames, thresholds=[1, 3])
    path = tmp_path / "plain_mask.fits"
    fits.writeto(path, np.zeros((256, 256), np.int16))
    with pytest.raises(ValueError, match="mask_convention"):
        trend_hot_pixels([path, path])


def test_write_ecsv_roundtrip_and_no_overwrite(series, tmp_path):
    trend = trend_hot_pixels(series.frames[:13], progress=False)
    path = trend.write(tmp_path / "trend.ecsv")
    back = QTable.read(path)
    assert np.array_equal(back["count_1"], trend.table["count_1"])
    assert back["months"].unit == month
    assert back.meta["fits"][0]["rate"] == pytest.approx(trend.fits["rate"][0].value)
    with pytest.raises(FileExistsError):
        trend.write(path)
    trend.write(path, overwrite=True)


# ------------------------------------------------------------------------- real masks
def _nircam_convention(path):
    """How each community NIRCam mask marks its bad pixels (see the data README)."""
    if "20230710" in os.path.basename(path):
        return {"bad_value": 1024}  # only 1024, on 90578 bad pixels
    return {"bit_map": {1: "DO_NOT_USE", 1024: "REFERENCE_PIXEL"}}


def test_real_nircam_masks_trended(shared_data):
    files = sorted(glob.glob(str(shared_data / "nircam_lw_masks" / "*.fits*")))
    assert len(files) == 8
    trend = trend_hot_pixels(files[::-1], times="filename", mask_flags="DO_NOT_USE",
                             mask_convention=_nircam_convention, progress=False)
    expected, dtypes = [], set()
    for path in files:
        data = fits.getdata(path)
        dtypes.add(data.dtype.itemsize)
        if "20230710" in path:
            expected.append(int(np.count_nonzero(data == 1024)))
        else:
            expected.append(int(np.count_nonzero(data & 1)))
    assert dtypes == {2, 4, 8}
    order = np.argsort([Time(trend.table["time"][i]).mjd for i in range(8)])
    assert np.array_equal(order, np.arange(8))
    by_name = dict(zip(trend.table["name"], trend.table["count_DO_NOT_USE"], strict=True))
    assert by_name == {os.path.basename(f): n for f, n in zip(files, expected, strict=True)}
    assert list(trend.table["name"][:3]) == ["nrc_badpix_230120_NRCALONG.fits.gz",
                                              "nrc_badpix_230701_NRCALONG.fits.gz",
                                              "nrc_badpix_20230710_NRCALONG.fits.gz"]
    assert by_name["nrc_badpix_230120_NRCALONG.fits.gz"] == 21106
    assert by_name["nrc_badpix_251016_NRCALONG.fits.gz"] == 3095 + 8
    # the 8-pixel reference edge flagged from 240627 on is not counted among the pixels
    assert trend.n_pixels == 2048**2 - (2048**2 - 2032**2)
    assert trend.table["time"][2].isot.startswith("2023-07-10")
    assert np.isfinite(trend.fits["rate"][0].value)


# ------------------------------------------------------------------------------ figures
def test_figures_show_the_fit_the_steps_and_the_risk(stepped):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    trend = trend_hot_pixels(stepped.frames, progress=False)
    fig = trend.plot(max_risk=0.1)
    counts_axes, risk_ax = fig.axes[:4], fig.axes[4]
    step_epoch = int(np.searchsorted(stepped.times.mjd, Time("2024-01-20").mjd))
    for j, ax in enumerate(counts_axes):
        label = f"{THRESHOLDS[j].value:g}"
        dots, first, second = ax.get_lines()[:3]
        assert np.array_equal(dots.get_ydata(), trend.table[f"count_{label}"])
        model = trend.model(THRESHOLDS[j])
        assert np.allclose(first.get_ydata(), model[:step_epoch])  # broken at the step
        assert np.allclose(second.get_ydata(), model[step_epoch:])
        assert f"{trend.fits['rate'][j].value:.1f}" in first.get_label()
        assert "step" in [line.get_label() for line in ax.get_lines()]
    one = risk_ax.get_lines()[0]
    months = one.get_xdata() * month
    assert np.allclose(one.get_ydata(), 100 * trend.unmasked_risk(months))
    plt.close(fig)
    ax = trend.plot_risk(n_stamps=[8], basis="new", max_interval=3 * u.yr)
    line = ax.get_lines()[0]
    assert line.get_xdata()[-1] == pytest.approx(36)
    assert np.allclose(line.get_ydata(), 100 * trend.unmasked_risk(
        line.get_xdata() * month, n_stamps=8, basis="new"))
    plt.close(ax.figure)
    ax = trend.plot_first_hot(100 * DN_S)
    assert ax.collections[0].get_offsets().shape[0] == int(trend.ever_hot(100 * DN_S).sum())
    plt.close(ax.figure)


def test_several_exposure_times_per_epoch_and_other_date_forms(series):
    """An epoch may be darks of several exposure times (combined as in
    measure_dark_current); dates may be Time, ISO strings or MJD numbers."""
    epochs = []
    for frame in series.frames[:4]:
        rate = np.asarray(frame.data, dtype=np.float64)
        pair = [CCDData(rate * t, unit="adu", meta={"EXPTIME": t,
                                                    "DATE-OBS": frame.meta["DATE-OBS"]})
                for t in (100.0, 1000.0)]
        epochs.append(pair)
    trend = trend_hot_pixels(epochs, steps=None, progress=True)
    for thr in THRESHOLDS:
        assert np.array_equal(trend.table[f"count_{thr.value:g}"],
                              series.counts(thr)[:4])
    mjd = series.times.mjd[:4]
    for times in (series.times[:4], list(mjd), [t.isot for t in series.times[:4]]):
        other = trend_hot_pixels([f.data * DN_S for f in series.frames[:4]], times=times,
                                 steps=None, progress=False)
        assert np.allclose(other.table["time"].mjd, mjd, atol=1e-6)
        assert np.array_equal(other.table["count_1"], trend.table["count_1"])
