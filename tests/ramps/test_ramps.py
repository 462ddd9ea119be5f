"""classify_ramps: class recovery, confidence, priors, inputs, dask, real NIRSpec data."""

import numpy as np
import pytest
from astropy import units as u
from astropy.io import fits
from astropy.nddata import CCDData
from scipy.special import ndtri

from ccdbadpix import DQ, RampClassifier, classify_ramps, ramp_features
from ccdbadpix.ramps._ebayes import probability_above, rate_prior
from ccdbadpix.simulate import PIXEL_CLASSES, simulate_ramps

BOOSTED = {c: 0.01 for c in PIXEL_CLASSES[1:]}

SETTINGS = {
    "defaults": dict(ngroups=60),
    "high-gain-many-groups": dict(ngroups=100, gain=1.6 * u.electron / u.DN,
                                  read_noise=6 * u.electron, group_time=3 * u.s,
                                  bias=15000 * u.DN, bias_spread=200 * u.DN, ipc_alpha=0.005),
    "noisy-long-groups": dict(ngroups=30, gain=4 * u.electron / u.DN,
                              read_noise=20 * u.electron, group_time=30 * u.s, bias=8000 * u.DN,
                              ipc_alpha=0.02),
}


def _classify(sim, **kwargs):
    return classify_ramps(sim.data, times=sim.times, gain=sim.gain, progress=False, **kwargs)


@pytest.fixture(scope="module")
def default_sim():
    return simulate_ramps((96, 96), ngroups=40, fractions=BOOSTED, seed=21)


@pytest.fixture(scope="module")
def default_result(default_sim):
    return _classify(default_sim)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_class_recovered(name):
    # noisy pixels from twice the read noise: at 1.5x the class is not yet reliable
    # (recall about 0.85, issue 11)
    sim = simulate_ramps((128, 128), fractions=BOOSTED, seed=3,
                         amplitudes={"noisy": (2.0, 4.0)}, **SETTINGS[name])
    res = _classify(sim, min_confidence=0)
    # rates within the one-sided test's reach of a threshold cannot be placed: left out
    z = ndtri(1 - res.meta["SIGLEVEL"])
    truth = sim.observable_labels(ambiguous_step=1.0,
                                  unresolved_within=(z + 2) * res.dark_current_err)
    for code, cls in enumerate(PIXEL_CLASSES):
        sel = truth == code
        if cls == "nonlinear" and sel.sum() < 10:
            continue  # every RC-like pixel is a decelerating hot pixel (or too close to
            # the threshold to say): test_decelerating_hot_pixels_are_hot
        recall = (res.labels[sel] == code).mean()
        assert recall >= 0.9, f"{name}: {cls} recall {recall:.3f}"
    good = truth == 0
    assert (res.labels[good] != 0).mean() <= 0.003
    scored = truth >= 0
    assert (res.labels[scored] == truth[scored]).mean() >= 0.98


def test_result_structure(default_result, default_sim):
    res = default_result
    assert res.classes == (*PIXEL_CLASSES, "uncertain")
    assert res.labels.shape == res.confidence.shape == default_sim.labels.shape
    assert res.probabilities.shape == (len(PIXEL_CLASSES), *default_sim.labels.shape)
    assert res.dq.data.dtype == np.uint32
    assert res.meta["BPMETHOD"] == "classify_ramps"
    assert sum(res.counts().values()) == res.labels.size


def test_confidence_semantics(default_result):
    res = default_result
    assert np.allclose(res.probabilities.sum(0)[res.finite], 1, atol=1e-5)
    assert np.all((res.confidence >= 0) & (res.confidence <= 1))
    best = res.probabilities.max(0)
    assert np.allclose(res.confidence, best)
    unc = res.labels == res.classes.index("uncertain")
    assert np.all(res.confidence[unc] < 0.5)
    assert np.all(res.confidence[~unc] >= 0.5)
    assert np.array_equal(res.labels[~unc], res.probabilities.argmax(0)[~unc])


def test_confidence_is_tree_vote_fraction(default_sim, default_result):
    """For shape classes, the confidence is the fraction of trees voting for the label."""
    sim, res = default_sim, default_result
    model = RampClassifier.default()
    feats = ramp_features(sim.data, times=sim.times, gain=sim.gain, read_noise=res.read_noise)
    shape_pix = ~res.settled & np.isin(res.labels, [res.classes.index(c) for c in
                                                    ("dead", "telegraph", "nonlinear")])
    assert shape_pix.sum() > 50
    votes = model.predict_proba(feats.to_table(shape_pix))
    names = np.asarray(res.classes)[res.labels[shape_pix]]
    col = [model.classes.index(n) for n in names]
    expected = votes[np.arange(len(col)), col]
    assert np.allclose(res.confidence[shape_pix], expected, atol=1e-6)
    assert np.all(np.isin(np.round(expected * len(model._trees)),
                          np.arange(len(model._trees) + 1)))


def test_hot_and_warm_split_by_dark_current(default_sim, default_result):
    res = default_result
    rate, err = res.dark_current.value, res.dark_current_err.value
    settled = res.settled
    z = ndtri(1 - res.meta["SIGLEVEL"])
    low = rate - z * err
    # hot share: the empirical-Bayes posterior where the dark current is significant
    prior = rate_prior(rate, err, res.finite, (0.1, 1.0))
    p_hot = probability_above(rate, err, prior, 1.0, where=low >= 1.0)
    assert np.allclose(res.probabilities[1][settled], p_hot[settled], atol=1e-6)
    hot = res.mask("hot")
    assert hot.sum() > 20 and np.all(low[hot] >= 1.0)
    warm = res.mask("warm")
    assert warm.sum() > 20 and np.all(low[warm] >= 0.1)
    # thresholds move the boundary: everything hot at 0.1 electron/s
    res2 = classify_ramps(default_sim.data, times=default_sim.times, gain=default_sim.gain,
                          hot_threshold=0.5 * u.electron / u.s,
                          warm_threshold=0.05 * u.electron / u.s)
    assert res2.mask("hot").sum() > hot.sum()


def test_thresholds_in_dn_per_second(default_sim, default_result):
    g = default_sim.gain.value
    res = classify_ramps(default_sim.data, times=default_sim.times, gain=default_sim.gain,
                         hot_threshold=1 / g * u.DN / u.s, warm_threshold=0.1 / g * u.DN / u.s)
    assert np.array_equal(res.labels, default_result.labels)


def test_min_confidence(default_sim):
    low = _classify(default_sim, min_confidence=0)
    high = _classify(default_sim, min_confidence=0.95)
    unc = low.classes.index("uncertain")
    assert (low.labels == unc).sum() == 0
    assert (high.labels == unc).sum() == (low.confidence < 0.95).sum()
    assert np.all(high.dq.data[high.labels == unc] & DQ.OTHER_BAD_PIXEL)


def test_priors_move_labels(default_sim, default_result):
    res = default_result
    tel = res.classes.index("telegraph")
    down = _classify(default_sim, priors={"telegraph": 1e-6})
    up = _classify(default_sim, priors={"telegraph": 0.5})
    assert (down.labels == tel).sum() < (res.labels == tel).sum()
    assert (up.labels == tel).sum() >= (res.labels == tel).sum()
    assert np.all(down.probabilities[tel] <= res.probabilities[tel] + 1e-6)
    assert np.all(up.probabilities[tel] >= res.probabilities[tel] - 1e-6)
    # MaxiMask's formula for the updated class, the rest renormalised
    pi_train = RampClassifier.default().train_priors["telegraph"]
    f = (pi_train / (1 - pi_train)) * ((1 - 0.5) / 0.5)
    p = res.probabilities[tel]
    assert np.allclose(up.probabilities[tel], np.where(p > 0, p / (p + f * (1 - p)), 0),
                       atol=1e-6)
    assert np.allclose(up.probabilities.sum(0)[res.finite], 1, atol=1e-5)
    with pytest.raises(ValueError, match="priors"):
        _classify(default_sim, priors={"martian": 0.1})
    with pytest.raises(ValueError, match="priors"):
        _classify(default_sim, priors={"telegraph": 1.5})


def test_dq_mapping(default_result):
    res = default_result
    dq = res.dq.data
    hot_dq = dq[res.mask("hot")]
    curved = hot_dq == DQ.HOT | DQ.NONLINEAR | DQ.DO_NOT_USE  # decelerating hot pixels
    assert np.all(curved | (hot_dq == DQ.HOT | DQ.DO_NOT_USE))
    assert 0 < curved.sum() < curved.size
    warm_dq = dq[res.mask("warm")]  # decelerating warm pixels: WARM|NONLINEAR|DO_NOT_USE
    assert np.all((warm_dq == DQ.WARM) | (warm_dq == DQ.WARM | DQ.NONLINEAR | DQ.DO_NOT_USE))
    assert np.all(dq[res.mask("dead")] == DQ.DEAD | DQ.DO_NOT_USE)
    assert np.all(dq[res.mask("saturated")] == DQ.SATURATED | DQ.HOT | DQ.DO_NOT_USE)
    assert np.all(dq[res.mask("good")] == 0)
    # shape labels: their own flags, plus those of a significant dark current
    low = (res.dark_current - ndtri(1 - res.meta["SIGLEVEL"]) * res.dark_current_err).value
    hot, warm = low >= 1, (low >= 0.1) & (low < 1)
    dark = np.where(hot, DQ.HOT | DQ.DO_NOT_USE, np.where(warm, DQ.WARM, 0))
    for name, own in (("telegraph", DQ.TELEGRAPH | DQ.DO_NOT_USE),
                      ("nonlinear", DQ.NONLINEAR | DQ.DO_NOT_USE),
                      ("decreasing", DQ.OTHER_BAD_PIXEL | DQ.DO_NOT_USE), ("cosmic_ray", 0),
                      ("noisy", DQ.UNRELIABLE_SLOPE)):
        sel = res.mask(name)
        assert sel.sum() > 0
        np.testing.assert_array_equal(dq[sel], own | dark[sel], err_msg=name)
    hit = res.mask("cosmic_ray")
    quiet_hit = hit & (res.dark_current.value < 0.1)
    assert quiet_hit.sum() > 0 and np.all(dq[quiet_hit] == 0)
    assert np.all(dq[hit & hot] == DQ.HOT | DQ.DO_NOT_USE)


def test_decelerating_hot_pixels_are_hot():
    """A hot pixel whose ramp bends over (RC-like: it debiases as it fills) is labelled
    ``hot`` and flagged HOT|NONLINEAR|DO_NOT_USE, as in the simulator's observable
    truth; one whose early dark current is not significantly hot keeps its shape label,
    and noise alone never makes it hot."""
    sim = simulate_ramps((64, 64), ngroups=40, fractions={"nonlinear": 0.05}, seed=31)
    res = _classify(sim)
    curved = sim.labels == sim.classes.index("nonlinear")
    assert curved.sum() >= 150
    z = ((res.dark_current - 1 * u.electron / u.s) / res.dark_current_err).value
    strong, weak = curved & (z > 4), curved & (z < 2)
    assert strong.sum() > 100 and weak.sum() > 10
    hot = res.classes.index("hot")
    assert (res.labels[strong] == hot).mean() >= 0.95
    flags = res.dq.data
    mostly_curved = strong & (res.labels == hot)
    assert (flags[mostly_curved] == DQ.HOT | DQ.NONLINEAR | DQ.DO_NOT_USE).mean() >= 0.9
    assert not np.any(flags[weak] & DQ.HOT)
    assert not np.any(res.labels[weak] == hot)
    truth = sim.observable_labels()
    early = sim.early_dark_current.to_value(u.electron / u.s)
    np.testing.assert_array_equal(truth[curved] == hot, early[curved] >= 1)
    shape_truth = sim.observable_labels(curved_hot="nonlinear")
    assert np.all(shape_truth[curved] == sim.classes.index("nonlinear"))
    with pytest.raises(ValueError, match="significance"):
        _classify(sim, significance=0.7)
    assert res.meta["SIGLEVEL"] == 0.01


def test_decelerating_warm_pixels_are_warm():
    """A pixel whose ramp bends over at a warm early rate (e.g. an IPC neighbour of a
    debiasing hot pixel) is labelled ``warm`` and flagged WARM|NONLINEAR|DO_NOT_USE, as
    the simulator's observable truth says; it is not ``nonlinear`` and not HOT."""
    sim = simulate_ramps((64, 64), ngroups=60, fractions={"nonlinear": 0.05},
                         amplitudes={"nonlinear": (30, 60), "nonlinear_tau": (0.3, 0.4)},
                         read_noise=5 * u.electron, seed=32)
    res = _classify(sim)
    early = sim.early_dark_current.to_value(u.electron / u.s)
    band = (sim.labels == sim.classes.index("nonlinear")) & (early > 0.2) & (early < 0.7)
    assert band.sum() >= 20
    warm = res.classes.index("warm")
    assert np.all(sim.observable_labels()[band] == warm)
    assert (res.labels[band] == warm).mean() >= 0.9
    flags = res.dq.data[band & (res.labels == warm)]
    assert np.all(flags & DQ.WARM)  # curved by most votes: WARM|NONLINEAR|DO_NOT_USE
    assert np.mean(flags == DQ.WARM | DQ.NONLINEAR | DQ.DO_NOT_USE) >= 0.9
    assert not np.any(res.dq.data[band] & DQ.HOT)


def test_cosmic_rays_reported_as_events(default_sim, default_result):
    sim, res = default_sim, default_result
    events = res.cosmic_rays
    assert len(events) > 0
    emap = res.cosmic_ray_map()[0]
    primaries = np.argwhere(sim.labels == sim.classes.index("cosmic_ray"))
    found = 0
    for y, x in primaries:
        if emap[y, x] >= 0:
            row = events[emap[y, x]]
            found += row["group"] == sim.cosmic_ray_group[y, x]
    assert found / len(primaries) >= 0.9
    assert np.all(events["npix"] >= 1)
    assert np.allclose(events["time"].value, sim.times.value[events["group"]])


def test_nonfinite_pixels_flagged_and_input_untouched():
    sim = simulate_ramps((32, 32), ngroups=15, seed=5)
    cube = sim.data.copy()
    cube[3, 4, 5] = np.nan
    cube[:, 6, 7] = np.inf
    before = cube.copy()
    res = classify_ramps(cube, times=sim.times, gain=sim.gain, read_noise=sim.read_noise)
    np.testing.assert_array_equal(cube, before)
    unc = res.classes.index("uncertain")
    for y, x in ((4, 5), (6, 7)):
        assert not res.finite[y, x]
        assert res.labels[y, x] == unc and res.confidence[y, x] == 0
        assert res.dq.data[y, x] & DQ.DO_NOT_USE


def test_model_save_load_round_trip(tmp_path, default_sim):
    model = RampClassifier.default()
    path = tmp_path / "model.npz"
    model.save(path)
    with np.load(path, allow_pickle=False) as npz:  # no object arrays anywhere
        assert all(npz[k].dtype != object for k in npz.files)
    loaded = RampClassifier.load(path)
    assert loaded.classes == model.classes and loaded.feature_names == model.feature_names
    x = ramp_features(default_sim.data, times=default_sim.times, gain=default_sim.gain).to_table()
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    np.testing.assert_array_equal(loaded.predict_proba(x, engine="numpy"),
                                  model.predict_proba(x))
    with pytest.raises(FileExistsError):
        model.save(path)
    bad = tmp_path / "bad.npz"
    np.savez(bad, header=np.array('{"format": "something else"}'))
    with pytest.raises(ValueError, match=r"bad\.npz is not a valid ccdbadpix forest"):
        RampClassifier.load(bad)


def test_fit_own_model_from_benchmark():
    sim = simulate_ramps((64, 64), ngroups=30, fractions=BOOSTED, seed=8)
    feats = ramp_features(sim.data, times=sim.times, gain=sim.gain)
    names = np.asarray(sim.classes)[sim.observable_labels()].ravel()
    table = feats.to_table()
    model = RampClassifier(20, random_state=0).fit(table, names)
    assert set(model.classes) == set(names)
    labels, _conf = model.predict(table)
    assert (labels == names).mean() > 0.97
    with pytest.raises(ValueError, match="labels"):
        RampClassifier(5).fit(table, names[:10])
    with pytest.raises(RuntimeError, match="not fitted"):
        RampClassifier(5).predict(table)


def test_input_forms_agree(tmp_path):
    sim = simulate_ramps((48, 48), ngroups=12, seed=9)
    ref = classify_ramps(sim.data, times=sim.times, gain=sim.gain, read_noise=sim.read_noise)
    same = dict(gain=sim.gain, read_noise=sim.read_noise)
    # Quantity cube, CCDData reads, a plain FITS cube, a JWST-style 4-D SCI extension
    results = [classify_ramps(sim.data * u.DN, times=sim.times, **same),
               classify_ramps(sim.to_ccddata(), **same)]
    path = tmp_path / "sim.fits"
    sim.write(path)
    results.append(classify_ramps(path, **same))
    jwst = tmp_path / "jwst.fits"
    primary = fits.PrimaryHDU()
    primary.header["TGROUP"] = sim.group_time.value
    sci = fits.ImageHDU(sim.data[None], name="SCI")
    sci.header["BUNIT"] = "DN"
    fits.HDUList([primary, sci]).writeto(jwst)
    results.append(classify_ramps(jwst, **same))
    for res in results:
        np.testing.assert_array_equal(res.labels, ref.labels)
    electrons = classify_ramps(sim.data * sim.gain.value * u.electron, times=sim.times,
                               read_noise=sim.read_noise)
    assert (electrons.labels == ref.labels).mean() > 0.995


def test_scaled_integer_fits_cube(tmp_path):
    """Raw uint16 ramps (BZERO = 32768) cannot be memory-mapped; they are read and scaled."""
    sim = simulate_ramps((32, 32), ngroups=10, bias=30000 * u.DN, seed=14)
    path = tmp_path / "raw.fits"
    hdu = fits.PrimaryHDU(np.round(sim.data).astype(np.uint16))
    hdu.header["TGROUP"] = sim.group_time.value
    hdu.writeto(path)
    assert fits.getheader(path)["BZERO"] == 32768
    res = classify_ramps(path, gain=sim.gain, read_noise=sim.read_noise)
    ref = classify_ramps(np.round(sim.data), times=sim.times, gain=sim.gain,
                         read_noise=sim.read_noise)
    np.testing.assert_array_equal(res.labels, ref.labels)


def test_several_integrations():
    sim = simulate_ramps((48, 48), ngroups=20, nints=3, fractions=BOOSTED, seed=10)
    res = classify_ramps(sim.data, times=sim.times, gain=sim.gain)
    assert res.jump_group.shape == (3, 48, 48)
    truth = sim.observable_labels(ambiguous_step=1.0)
    assert (res.labels[truth >= 0] == truth[truth >= 0]).mean() > 0.98


def test_read_noise_estimated():
    sim = simulate_ramps((64, 64), ngroups=25, read_noise=15 * u.electron,
                         gain=2 * u.electron / u.DN, seed=11)
    res = classify_ramps(sim.data, times=sim.times, gain=sim.gain)
    assert abs(res.read_noise.to_value(u.electron) - 15) < 1.0


@pytest.mark.parametrize(("kwargs", "exc", "match"), [
    (dict(ramps=np.zeros((2, 8, 8))), ValueError, "at least 3"),
    (dict(ramps=np.zeros((8, 8))), ValueError, "cube"),
    (dict(ramps=np.zeros((1, 2, 3, 4, 5))), ValueError, "cube"),
    (dict(times=[1.0, 2.0, 2.0, 3.0]), ValueError, "strictly increasing"),
    (dict(times=[1.0, 2.0, 3.0]), ValueError, "one value per group"),
    (dict(times=None, group_time=None), ValueError, "group time"),
    (dict(times=None, group_time=-1 * u.s), ValueError, "group_time must be positive"),
    (dict(times=None, group_time=3 * u.m), u.UnitsError, "group_time"),
    (dict(gain=None), u.UnitsError, "gain"),
    (dict(unit="m"), u.UnitsError, "counts"),
    (dict(warm_threshold=2 * u.electron / u.s), ValueError, "warm_threshold"),
    (dict(hot_threshold=1 * u.m), u.UnitsError, "hot_threshold"),
    (dict(min_confidence=1.5), ValueError, "min_confidence"),
    (dict(ramps="no/such/file.fits"), FileNotFoundError, "no file"),
    (dict(ramps=[np.zeros((4, 4))] * 3), TypeError, "CCDData"),
    (dict(ramps=np.array([["a"] * 4] * 4 * 4).reshape(4, 4, 2, 2)), TypeError, "numbers"),
])
def test_bad_input(kwargs, exc, match):
    args = dict(ramps=np.zeros((4, 8, 8), np.float32), times=[1.0, 2.0, 3.0, 4.0],
                gain=1.0)
    args.update(kwargs)
    ramps = args.pop("ramps")
    with pytest.raises(exc, match=match):
        classify_ramps(ramps, **args)


def test_ccddata_reads_must_share_shape():
    reads = [CCDData(np.zeros((4, 4)), unit="adu"), CCDData(np.zeros((5, 4)), unit="adu"),
             CCDData(np.zeros((4, 4)), unit="adu")]
    with pytest.raises(ValueError, match="one shape"):
        classify_ramps(reads, group_time=1.0, gain=1.0)


def test_dask_path_equals_in_memory():
    da = pytest.importorskip("dask.array")
    sim = simulate_ramps((96, 80), ngroups=20, fractions=BOOSTED, seed=12)
    ref = classify_ramps(sim.data, times=sim.times, gain=sim.gain, read_noise=sim.read_noise)
    lazy = da.from_array(sim.data, chunks=(7, 40, 32))
    res = classify_ramps(lazy, times=sim.times, gain=sim.gain, read_noise=sim.read_noise)
    np.testing.assert_array_equal(res.labels, ref.labels)
    np.testing.assert_array_equal(res.probabilities, ref.probabilities)
    np.testing.assert_array_equal(res.dq.data, ref.dq.data)


def test_dask_local_cluster():
    da = pytest.importorskip("dask.array")
    distributed = pytest.importorskip("dask.distributed")
    sim = simulate_ramps((64, 64), ngroups=15, seed=13)
    ref = classify_ramps(sim.data, times=sim.times, gain=sim.gain, read_noise=sim.read_noise)
    lazy = da.from_array(sim.data, chunks=(15, 32, 32))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        res = classify_ramps(lazy, times=sim.times, gain=sim.gain, read_noise=sim.read_noise)
        assert len(client.scheduler_info()["workers"]) == 2
    np.testing.assert_array_equal(res.labels, ref.labels)


def test_real_nirspec_dark(shared_data):
    """The NIRSpec CV3 dark ramp: its 62 stand-out pixels defective, its quiet pixels good."""
    path = shared_data / "nirspec_dark" / "jwst_nirspec_dark_0046.fits"
    sci = fits.getdata(path, "SCI").astype(float)
    # group 0 is the subtracted zero frame; slope = mean group difference after it
    slope = np.diff(sci[1:], axis=0).mean(0)
    med = np.median(slope)
    sigma = 1.4826 * np.median(np.abs(slope - med))
    standout = (slope - med) > 10 * sigma
    assert standout.sum() == 62
    res = classify_ramps(path, group_time=10.737 * u.s, gain=1.0, progress=False)
    assert res.meta["NGROUPS"] == 10
    assert res.dq.to_boolean()[standout].all()
    quiet = np.abs(slope - med) < 2 * sigma
    assert (res.labels[quiet] == 0).mean() >= 0.985
    assert not np.isin(res.labels[quiet], [res.classes.index(c) for c in
                                           ("hot", "saturated")]).any()


def test_hot_and_saturated_votes_pool_against_min_confidence():
    # a vote split between two labels that both mean "hot pixel" is no doubt
    from ccdbadpix.ramps._postprocess import _label_support

    classes = ("good", "hot", "saturated", "cosmic_ray", "uncertain")
    probs = np.array([[0.05, 0.05, 0.30], [0.46, 0.30, 0.40], [0.44, 0.25, 0.00],
                      [0.05, 0.40, 0.30]], np.float32)[:, :, None]
    labels = probs.argmax(0).astype(np.int16)
    support = _label_support(probs, labels, classes[:-1], probs.max(0))
    np.testing.assert_allclose(support[:, 0], [0.90, 0.40, 0.40])
