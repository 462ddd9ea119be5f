"""Bad input to the ramp classifier, clustering, trending and simulators (issue 9, sec. 3).

Every case names the parameter at fault; the cubes are tiny (8 x 8 pixels, 5 groups)
so that the whole table runs in a few seconds.
"""

import functools

import numpy as np
from _bad_input__cases import Case
from astropy import units as u
from astropy.nddata import CCDData
from astropy.table import Table
from astropy.time import Time

from ccdbadpix import (
    DQMask,
    RampClassifier,
    classify_ramps,
    estimate_read_noise,
    month,
    ramp_features,
    trend_hot_pixels,
    unmasked_risk,
)
from ccdbadpix.dq.flags import DQ
from ccdbadpix.ramps.clustering import cluster_ramps, training_set_from_sample
from ccdbadpix.simulate import simulate_hot_pixel_series, simulate_ramps

DN_S = u.DN / u.s
E_S = u.electron / u.s
NAN, INF = float("nan"), float("inf")
DATES = ["2024-01-01", "2024-07-01", "2025-01-01"]


@functools.cache
def _sim():
    return simulate_ramps((8, 8), ngroups=5, seed=0)


def _cube():
    return _sim().data


def _times():
    return _sim().times


@functools.cache
def _model():
    """A small fitted forest over the ramp features (classes good, hot, dead)."""
    rng = np.random.default_rng(0)
    from ccdbadpix.ramps.features import FEATURE_NAMES

    x = rng.normal(size=(60, len(FEATURE_NAMES)))
    y = np.repeat(["good", "hot", "dead"], 20)
    x[y == "hot", 0] += 5
    x[y == "dead", 1] -= 5
    return RampClassifier(3, random_state=0).fit(x, y)


def _classify(**kwargs):
    kwargs = {"times": _times(), "gain": 1.0, "read_noise": 10.0, "progress": False,
              **kwargs}
    return lambda tmp: classify_ramps(kwargs.pop("ramps", _cube()), **kwargs)


def _classify_model(**kwargs):
    return _classify(model=_model(), **kwargs)


def _features(**kwargs):
    kwargs = {"times": _times(), "gain": 1.0, "read_noise": 10.0, **kwargs}
    return lambda tmp: ramp_features(kwargs.pop("ramps", _cube()), **kwargs)


def _read_noise(**kwargs):
    kwargs = {"times": _times(), "gain": 1.0, **kwargs}
    return lambda tmp: estimate_read_noise(kwargs.pop("ramps", _cube()), **kwargs)


def _cluster(**kwargs):
    kwargs = {"times": _times(), "gain": 1.0, "read_noise": 10.0, "n_components": 2,
              **kwargs}
    return lambda tmp: cluster_ramps(kwargs.pop("ramps", _cube()), **kwargs)


@functools.cache
def _rampfeats():
    return ramp_features(_cube(), times=_times(), gain=1.0, read_noise=10.0)


@functools.cache
def _sample():
    from ccdbadpix.ramps.features import FEATURE_NAMES

    table = Table([np.zeros(4) for _ in FEATURE_NAMES], names=FEATURE_NAMES)
    table["verified_label"] = ["good", "hot", "", "good"]
    return table


def _sample_without(column):
    table = _sample().copy()
    del table[column]
    return table


def _unverified():
    table = _sample().copy()
    table["verified_label"] = [""] * len(table)
    return table


def _text_file(tmp):
    path = tmp / "sample.ecsv"
    path.write_text("this is not a table\x00\x01\n")
    return path


def _maps():
    maps = np.zeros((3, 4, 4))
    maps[:, 0, :2] = 5
    maps[2, 1, 1] = 50
    return maps * DN_S


def _trend_rates(**kwargs):
    kwargs = {"times": DATES, "steps": None, "progress": False, **kwargs}
    return lambda tmp: trend_hot_pixels(kwargs.pop("darks", _maps()), **kwargs)


def _masks():
    out = []
    for k, date in enumerate(DATES):
        dq = np.zeros((4, 4), np.uint32)
        dq[0, : k + 1] = DQ.HOT | DQ.DO_NOT_USE
        out.append(DQMask(dq, meta={"DATE-OBS": date}))
    return out


def _trend_masks(**kwargs):
    kwargs = {"steps": None, "progress": False, **kwargs}
    return lambda tmp: trend_hot_pixels(_masks(), **kwargs)


@functools.cache
def _trend():
    return trend_hot_pixels(_maps(), times=DATES, steps=None, progress=False)


def _method(name, *args, **kwargs):
    return lambda tmp: getattr(_trend(), name)(*args, **kwargs)


def _risk(*args, **kwargs):
    args = args or (0.0002, 1 * u.yr)
    return lambda tmp: unmasked_risk(*args, **kwargs)


def _simramps(**kwargs):
    kwargs = {"shape": (8, 8), "ngroups": 5, "seed": 0, **kwargs}
    return lambda tmp: simulate_ramps(**kwargs)


def _simseries(**kwargs):
    kwargs = {"shape": (16, 16), "n_epochs": 3, "new_per_month": 1, "initial_hot": 2,
              "intermittent": 1, "seed": 0, **kwargs}
    return lambda tmp: simulate_hot_pixel_series(**kwargs)


def _write_sim(path, **kwargs):
    def call(tmp):
        target = path(tmp)
        return _sim().write(target, **kwargs)

    return call


def _existing(tmp):
    path = tmp / "exists.fits"
    path.write_bytes(b"x")
    return path


def _existing_ecsv(tmp):
    path = tmp / "exists.ecsv"
    path.write_bytes(b"x")
    return path


V, T, U = ValueError, TypeError, u.UnitsError
VT = (ValueError, TypeError)

CASES = [
    # ------------------------------------------------------------------ classify_ramps
    Case("ramps-priors-sum-above-1", _classify_model(
        priors={"good": 0.9, "hot": 0.9, "dead": 0.9}), V, "priors"),
    Case("ramps-priors-two-sum-above-1", _classify_model(priors={"hot": 0.6, "dead": 0.5}),
         V, "priors"),
    Case("ramps-priors-unknown-class", _classify_model(priors={"alien": 0.1}), V, "priors"),
    Case("ramps-priors-zero", _classify_model(priors={"hot": 0.0}), V, "priors"),
    Case("ramps-priors-one", _classify_model(priors={"hot": 1.0}), V, "priors"),
    Case("ramps-priors-negative", _classify_model(priors={"hot": -0.1}), V, "priors"),
    Case("ramps-priors-nan", _classify_model(priors={"hot": NAN}), V, "priors"),
    Case("ramps-priors-string", _classify_model(priors={"hot": "abc"}), VT, "priors"),
    Case("ramps-priors-bool", _classify_model(priors={"hot": True}), VT, "priors"),
    Case("ramps-priors-not-dict", _classify_model(priors=[0.1]), T, "priors"),
    Case("ramps-priors-key-not-str", _classify_model(priors={1: 0.1}), VT, "priors"),
    Case("ramps-read-noise-zero", _classify(read_noise=0.0), V, "read_noise"),
    Case("ramps-read-noise-negative", _classify(read_noise=-1.0), V, "read_noise"),
    Case("ramps-read-noise-nan", _classify(read_noise=NAN), V, "read_noise"),
    Case("ramps-read-noise-inf", _classify(read_noise=INF), V, "read_noise"),
    Case("ramps-read-noise-string", _classify(read_noise="abc"), T, "read_noise"),
    Case("ramps-read-noise-metres", _classify(read_noise=5 * u.m), U, "read_noise"),
    Case("ramps-read-noise-array", _classify(read_noise=[1.0, 2.0]), VT, "read_noise"),
    Case("ramps-read-noise-bool", _classify(read_noise=True), T, "read_noise"),
    Case("ramps-read-noise-zero-dn", _classify(read_noise=0 * u.DN), V, "read_noise"),
    Case("ramps-significance-zero", _classify(significance=0), V, "significance"),
    Case("ramps-significance-above-half", _classify(significance=0.7), V, "significance"),
    Case("ramps-significance-nan", _classify(significance=NAN), V, "significance"),
    Case("ramps-significance-string", _classify(significance="0.01"), T, "significance"),
    Case("ramps-min-confidence-negative", _classify(min_confidence=-0.1), V, "min_confidence"),
    Case("ramps-min-confidence-above-1", _classify(min_confidence=1.5), V, "min_confidence"),
    Case("ramps-min-confidence-nan", _classify(min_confidence=NAN), V, "min_confidence"),
    Case("ramps-min-confidence-string", _classify(min_confidence="abc"), T, "min_confidence"),
    Case("ramps-min-confidence-none", _classify(min_confidence=None), T, "min_confidence"),
    Case("ramps-min-confidence-array", _classify(min_confidence=[0.5]), VT, "min_confidence"),
    Case("ramps-hot-threshold-inf", _classify(hot_threshold=INF * E_S), V, "hot_threshold"),
    Case("ramps-hot-threshold-nan", _classify(hot_threshold=NAN * E_S), V, "hot_threshold"),
    Case("ramps-hot-threshold-zero", _classify(hot_threshold=0 * E_S), V, "hot_threshold"),
    Case("ramps-hot-threshold-negative", _classify(hot_threshold=-1 * E_S), V,
         "hot_threshold"),
    Case("ramps-hot-threshold-string", _classify(hot_threshold="abc"), T, "hot_threshold"),
    Case("ramps-hot-threshold-metres", _classify(hot_threshold=1 * u.m), U, "hot_threshold"),
    Case("ramps-hot-threshold-array", _classify(hot_threshold=[1, 2] * E_S), V,
         "hot_threshold"),
    Case("ramps-hot-threshold-plain-inf", _classify(hot_threshold=INF), V, "hot_threshold"),
    Case("ramps-warm-above-hot", _classify(warm_threshold=2 * E_S, hot_threshold=1 * E_S), V,
         "warm_threshold"),
    Case("ramps-warm-equals-hot", _classify(warm_threshold=1 * E_S), V, "warm_threshold"),
    Case("ramps-warm-threshold-nan", _classify(warm_threshold=NAN * E_S), V,
         "warm_threshold"),
    Case("ramps-warm-threshold-zero", _classify(warm_threshold=0 * E_S), V, "warm_threshold"),
    Case("ramps-warm-threshold-negative", _classify(warm_threshold=-0.1 * E_S), V,
         "warm_threshold"),
    Case("ramps-warm-threshold-inf", _classify(warm_threshold=INF * E_S), V,
         "warm_threshold"),
    Case("ramps-warm-threshold-string", _classify(warm_threshold="x"), T, "warm_threshold"),
    Case("ramps-warm-threshold-bool", _classify(warm_threshold=True), T, "warm_threshold"),
    Case("ramps-times-metres", _classify(times=np.arange(1, 6) * u.m), U, "times"),
    Case("ramps-times-wrong-length", _classify(times=np.arange(1, 5) * u.s), V, "times"),
    Case("ramps-times-decreasing", _classify(times=np.arange(5, 0, -1) * u.s), V, "times"),
    Case("ramps-times-nan", _classify(times=[1, 2, NAN, 4, 5] * u.s), V, "times"),
    Case("ramps-times-string", _classify(times="abc"), T, "times"),
    Case("ramps-times-strings", _classify(times=["a", "b", "c", "d", "e"]), T, "times"),
    Case("ramps-times-2d", _classify(times=np.ones((5, 2)) * u.s), V, "times"),
    Case("ramps-times-dimensionless", _classify(times=np.arange(1, 6) * u.one), U, "times"),
    Case("ramps-group-time-string", _classify(times=None, group_time="abc"), T, "group_time"),
    Case("ramps-group-time-negative", _classify(times=None, group_time=-1.0), V,
         "group_time"),
    Case("ramps-group-time-zero", _classify(times=None, group_time=0 * u.s), V, "group_time"),
    Case("ramps-group-time-nan", _classify(times=None, group_time=NAN), V, "group_time"),
    Case("ramps-group-time-inf", _classify(times=None, group_time=INF * u.s), V,
         "group_time"),
    Case("ramps-group-time-metres", _classify(times=None, group_time=5 * u.m), U,
         "group_time"),
    Case("ramps-group-time-list", _classify(times=None, group_time=[1, 2]), V, "group_time"),
    Case("ramps-group-time-bool", _classify(times=None, group_time=True), T, "group_time"),
    Case("ramps-group-time-missing", _classify(times=None), V, "group_time"),
    Case("ramps-gain-zero", _classify(gain=0.0), V, "gain"),
    Case("ramps-gain-negative", _classify(gain=-1.5), V, "gain"),
    Case("ramps-gain-nan", _classify(gain=NAN), V, "gain"),
    Case("ramps-gain-inf", _classify(gain=INF), V, "gain"),
    Case("ramps-gain-string", _classify(gain="abc"), T, "gain"),
    Case("ramps-gain-seconds", _classify(gain=1 * u.s), U, "gain"),
    Case("ramps-gain-array", _classify(gain=[1.0, 2.0]), VT, "gain"),
    Case("ramps-gain-bool", _classify(gain=True), T, "gain"),
    Case("ramps-unit-nonsense", _classify(unit="nonsense"), U, "unit"),
    Case("ramps-unit-metres", _classify(unit="m"), U, "unit"),
    Case("ramps-unit-number", _classify(unit=5), (U, T), "unit"),
    Case("ramps-unit-rate", _classify(unit="DN/s"), U, "unit"),
    Case("ramps-n-jobs-zero", _classify(n_jobs=0), V, "n_jobs"),
    Case("ramps-n-jobs-negative", _classify(n_jobs=-2), V, "n_jobs"),
    Case("ramps-n-jobs-float", _classify(n_jobs=1.5), VT, "n_jobs"),
    Case("ramps-n-jobs-string", _classify(n_jobs="2"), VT, "n_jobs"),
    Case("ramps-n-jobs-bool", _classify(n_jobs=True), VT, "n_jobs"),
    Case("ramps-dq-mapping-bad-flag", _classify(dq_mapping={"hot": ("NOT_A_FLAG",)}), V,
         "dq_mapping"),
    Case("ramps-dq-mapping-unknown-class", _classify(dq_mapping={"alien": ("HOT",)}), V,
         "dq_mapping"),
    Case("ramps-dq-mapping-not-dict", _classify(dq_mapping="hot"), T, "dq_mapping"),
    Case("ramps-dq-mapping-negative", _classify(dq_mapping={"hot": -1}), V, "dq_mapping"),
    Case("ramps-dq-mapping-float", _classify(dq_mapping={"hot": 3.5}), VT, "dq_mapping"),
    Case("ramps-dq-mapping-none-flag", _classify(dq_mapping={"hot": [None]}), VT,
         "dq_mapping"),
    Case("ramps-2d", _classify(ramps=np.zeros((8, 8))), V, "ramps"),
    Case("ramps-5d", _classify(ramps=np.zeros((1, 1, 5, 8, 8))), V, "ramps"),
    Case("ramps-two-groups", _classify(ramps=np.zeros((2, 8, 8)), times=[1, 2]), V,
         "ramps"),
    Case("ramps-empty-axis", _classify(ramps=np.zeros((5, 0, 8))), V, "ramps"),
    Case("ramps-strings", _classify(ramps=np.full((5, 8, 8), "a")), T, "ramps"),
    Case("ramps-complex", _classify(ramps=np.zeros((5, 8, 8), complex)), T, "ramps"),
    Case("ramps-bool-dtype", _classify(ramps=np.zeros((5, 8, 8), bool)), T, "ramps"),
    Case("ramps-none", _classify(ramps=None), T, "ramps"),
    Case("ramps-empty-list", _classify(ramps=[]), V, "ramps"),
    Case("ramps-list-of-arrays", _classify(ramps=[np.zeros((8, 8))] * 5), T, "ramps"),
    Case("ramps-reads-of-two-shapes", _classify(
        ramps=[CCDData(np.zeros((8, 8)), unit="DN")] * 4 + [CCDData(np.zeros((4, 4)),
                                                                    unit="DN")]), V, "ramps"),
    Case("ramps-missing-file", lambda tmp: classify_ramps(tmp / "nope.fits", group_time=1),
         FileNotFoundError, "nope.fits"),
    Case("ramps-model-missing-file", _classify(model="no_such_model.npz"),
         (FileNotFoundError, ValueError), "no_such_model"),
    Case("ramps-model-number", _classify(model=5), T, "model"),
    Case("ramps-model-unfitted", _classify(model=RampClassifier()), V, "model"),
    Case("ramps-progress-string", _classify(progress="yes"), T, "progress"),
    Case("ramps-compute-string", _classify(compute="no"), T, "compute"),
    # ------------------------------------------------------------------- ramp_features
    Case("features-integration-out-of-range", _features(integration=1), V, "integration"),
    Case("features-integration-negative", _features(integration=-1), V, "integration"),
    Case("features-integration-string", _features(integration="a"), T, "integration"),
    Case("features-integration-float", _features(integration=0.5), T, "integration"),
    Case("features-integration-bool", _features(integration=True), T, "integration"),
    Case("features-read-noise-zero", _features(read_noise=0), V, "read_noise"),
    Case("features-read-noise-negative", _features(read_noise=-3 * u.electron), V,
         "read_noise"),
    Case("features-read-noise-nan", _features(read_noise=NAN * u.DN), V, "read_noise"),
    Case("features-read-noise-string", _features(read_noise="abc"), T, "read_noise"),
    Case("features-gain-zero", _features(gain=0), V, "gain"),
    Case("features-gain-string", _features(gain="1.5 electron"), T, "gain"),
    Case("features-times-metres", _features(times=np.arange(1, 6) * u.m), U, "times"),
    Case("features-group-time-string", _features(times=None, group_time="x"), T,
         "group_time"),
    Case("features-unit-nonsense", _features(unit="bananas"), U, "unit"),
    Case("features-2d", _features(ramps=np.zeros((8, 8))), V, "ramps"),
    Case("features-two-groups", _features(ramps=np.zeros((2, 8, 8)), times=[1, 2]), V,
         "ramps"),
    Case("features-progress-string", _features(progress="yes"), T, "progress"),
    # -------------------------------------------------------------- estimate_read_noise
    Case("read-noise-2d", _read_noise(ramps=np.zeros((8, 8))), V, "ramps"),
    Case("read-noise-times-metres", _read_noise(times=np.arange(1, 6) * u.m), U, "times"),
    Case("read-noise-gain-zero", _read_noise(gain=0), V, "gain"),
    Case("read-noise-gain-string", _read_noise(gain="abc"), T, "gain"),
    Case("read-noise-group-time-negative", _read_noise(times=None, group_time=-2), V,
         "group_time"),
    Case("read-noise-unit-metres", _read_noise(unit=u.m), U, "unit"),
    Case("read-noise-times-wrong-length", _read_noise(times=[1, 2, 3]), V, "times"),
    Case("read-noise-5d", _read_noise(ramps=np.zeros((1, 1, 5, 8, 8))), V, "ramps"),
    Case("read-noise-constant-ramps", _read_noise(ramps=np.ones((5, 8, 8))), V,
         "read_noise"),
    Case("read-noise-unit-rate", _read_noise(unit="electron/s"), U, "unit"),
    # ------------------------------------------------------------------ cluster_ramps
    Case("cluster-n-components-zero", _cluster(n_components=0), V, "n_components"),
    Case("cluster-n-components-string", _cluster(n_components="3"), T, "n_components"),
    Case("cluster-n-components-float", _cluster(n_components=1.5), T, "n_components"),
    Case("cluster-n-components-bool", _cluster(n_components=True), T, "n_components"),
    Case("cluster-max-components-one", _cluster(n_components=None, max_components=1), V,
         "max_components"),
    Case("cluster-n-per-cluster-zero", _cluster(n_per_cluster=0), V, "n_per_cluster"),
    Case("cluster-max-fit-pixels-one", _cluster(max_fit_pixels=1), V, "max_fit_pixels"),
    Case("cluster-n-init-zero", _cluster(n_init=0), V, "n_init"),
    Case("cluster-covariance-type", _cluster(covariance_type="round"), V, "covariance_type"),
    Case("cluster-features-unknown", _cluster(features=["nope"]), V, "features"),
    Case("cluster-features-empty", _cluster(features=[]), V, "features"),
    Case("cluster-features-twice", _cluster(features=["rate", "rate"]), V, "features"),
    Case("cluster-seed-string", _cluster(seed="abc"), T, "seed"),
    Case("cluster-seed-negative", _cluster(seed=-1), V, "seed"),
    Case("cluster-seed-float", _cluster(seed=1.5), T, "seed"),
    Case("cluster-exclude-shape", _cluster(exclude=np.zeros((4, 4), bool)), V, "exclude"),
    Case("cluster-exclude-not-bool", _cluster(exclude=np.zeros((8, 8))), V, "exclude"),
    Case("cluster-balance-string", _cluster(balance="yes"), T, "balance"),
    Case("cluster-read-noise-zero", _cluster(read_noise=0), V, "read_noise"),
    Case("cluster-integration-out-of-range", _cluster(integration=3), V, "integration"),
    Case("cluster-integration-string", _cluster(integration="0"), T, "integration"),
    Case("cluster-gain-string", _cluster(gain="abc"), T, "gain"),
    Case("cluster-features-with-times", lambda tmp: cluster_ramps(
        _rampfeats(), times=_times(), n_components=2), V, "times"),
    Case("cluster-too-many-components", _cluster(n_components=100), V, "n_components"),
    # -------------------------------------------------------- training_set_from_sample
    Case("sample-number", lambda tmp: training_set_from_sample(5), T, "sample"),
    Case("sample-missing-file", lambda tmp: training_set_from_sample(tmp / "none.ecsv"),
         FileNotFoundError, "none.ecsv"),
    Case("sample-unreadable-file", lambda tmp: training_set_from_sample(_text_file(tmp)), V,
         "sample.ecsv"),
    Case("sample-no-verified-label", lambda tmp: training_set_from_sample(
        _sample_without("verified_label")), V, "verified_label"),
    Case("sample-lacks-feature", lambda tmp: training_set_from_sample(
        _sample_without("rate")), V, "sample"),
    Case("sample-nothing-verified", lambda tmp: training_set_from_sample(_unverified()), V,
         "verified_label"),
    Case("sample-features-unknown", lambda tmp: training_set_from_sample(
        _sample(), features=["nope"]), V, "features"),
    Case("sample-features-empty", lambda tmp: training_set_from_sample(
        _sample(), features=[]), V, "features"),
    Case("sample-features-number", lambda tmp: training_set_from_sample(
        _sample(), features=5), T, "features"),
    # ------------------------------------------------------- RampClassifier fit/predict
    Case("classifier-fit-wrong-width", lambda tmp: RampClassifier(2).fit(
        np.zeros((10, 3)), ["a"] * 5 + ["b"] * 5), V, "features"),
    Case("classifier-fit-labels-length", lambda tmp: RampClassifier(
        2, feature_names=("a", "b")).fit(np.zeros((10, 2)), ["a", "b"]), V, "labels"),
    Case("classifier-fit-nan-features", lambda tmp: RampClassifier(
        2, feature_names=("a", "b")).fit(np.full((4, 2), NAN), ["a", "b"] * 2), V,
        "features"),
    Case("classifier-fit-one-class", lambda tmp: RampClassifier(
        2, feature_names=("a", "b")).fit(np.zeros((4, 2)), ["a"] * 4), V, "labels"),
    Case("classifier-fit-table-lacks-columns", lambda tmp: RampClassifier(2).fit(
        Table({"rate": [1.0, 2.0]}), ["a", "b"]), V, "features"),
    Case("classifier-fit-sample-weight-length", lambda tmp: RampClassifier(
        2, feature_names=("a", "b")).fit(np.zeros((4, 2)), ["a", "b"] * 2,
                                         sample_weight=[1.0]), V, "sample_weight"),
    Case("classifier-fit-n-estimators-zero", lambda tmp: RampClassifier(
        0, feature_names=("a", "b")).fit(np.zeros((4, 2)), ["a", "b"] * 2), V,
        "n_estimators"),
    Case("classifier-fit-min-samples-leaf-zero", lambda tmp: RampClassifier(
        2, min_samples_leaf=0, feature_names=("a", "b")).fit(np.zeros((4, 2)),
                                                              ["a", "b"] * 2), V,
        "min_samples_leaf"),
    Case("classifier-fit-max-depth-negative", lambda tmp: RampClassifier(
        2, max_depth=-1, feature_names=("a", "b")).fit(np.zeros((4, 2)), ["a", "b"] * 2),
        V, "max_depth"),
    Case("classifier-predict-unfitted", lambda tmp: RampClassifier().predict(
        np.zeros((1, 2))), RuntimeError, "fit"),
    Case("classifier-predict-wrong-width", lambda tmp: _model().predict(np.zeros((3, 2))),
         V, "features"),
    Case("classifier-predict-proba-1d", lambda tmp: _model().predict_proba(np.zeros(5)), V,
         "features"),
    # ---------------------------------------------------------------- trend_hot_pixels
    Case("trend-thresholds-string", _trend_rates(thresholds="abc"), T, "thresholds"),
    Case("trend-thresholds-plain-numbers", _trend_rates(thresholds=[1, 2]), T, "thresholds"),
    Case("trend-thresholds-zero", _trend_rates(thresholds=[0, 1] * DN_S), V, "thresholds"),
    Case("trend-thresholds-negative", _trend_rates(thresholds=-1 * DN_S), V, "thresholds"),
    Case("trend-thresholds-nan", _trend_rates(thresholds=[NAN, 1] * DN_S), V, "thresholds"),
    Case("trend-thresholds-inf", _trend_rates(thresholds=INF * DN_S), V, "thresholds"),
    Case("trend-thresholds-duplicate", _trend_rates(thresholds=[1, 1] * DN_S), V,
         "thresholds"),
    Case("trend-thresholds-empty", _trend_rates(thresholds=[] * DN_S), V, "thresholds"),
    Case("trend-thresholds-2d", _trend_rates(thresholds=np.ones((2, 2)) * DN_S), V,
         "thresholds"),
    Case("trend-thresholds-metres", _trend_rates(thresholds=1 * u.m), U, "thresholds"),
    Case("trend-thresholds-electron-no-gain", _trend_rates(thresholds=1 * E_S), U,
         "thresholds|gain"),
    Case("trend-thresholds-with-masks", _trend_masks(thresholds=1 * DN_S), V, "thresholds"),
    Case("trend-times-number", _trend_rates(times=5), T, "times"),
    Case("trend-times-word", _trend_rates(times="bogus"), V, "times"),
    Case("trend-times-wrong-length", _trend_rates(times=DATES[:2]), V, "times"),
    Case("trend-times-not-dates", _trend_rates(times=["2024-01-01", "x", "y"]), V,
         r"times\[1\]"),
    Case("trend-times-single-time", _trend_rates(times=Time("2024-01-01")), V, "times"),
    Case("trend-times-same-date", _trend_rates(times=[DATES[0]] * 3), V, "same date"),
    Case("trend-times-nan-mjd", _trend_rates(times=[60000.0, NAN, 60100.0]), V,
         r"times\[1\]"),
    Case("trend-times-bool", _trend_rates(times=[True, False, True]), VT, r"times\[0\]"),
    Case("trend-mask-flags-unknown", _trend_masks(mask_flags="NOT_A_FLAG"), V, "mask_flags"),
    Case("trend-mask-flags-empty", _trend_masks(mask_flags=[]), V, "mask_flags"),
    Case("trend-mask-flags-zero", _trend_masks(mask_flags=0), V, "mask_flags"),
    Case("trend-mask-flags-negative", _trend_masks(mask_flags=-1), V, "mask_flags"),
    Case("trend-mask-flags-float", _trend_masks(mask_flags=3.5), VT, "mask_flags"),
    Case("trend-mask-flags-none-entry", _trend_masks(mask_flags=["HOT", None]), VT,
         "mask_flags"),
    Case("trend-mask-flags-number-object", _trend_masks(mask_flags=object()), T,
         "mask_flags"),
    Case("trend-mask-flags-with-rates", _trend_rates(mask_flags="HOT"), V, "mask_flags"),
    Case("trend-steps-number", _trend_rates(steps=5), T, "steps"),
    Case("trend-steps-word", _trend_rates(steps="sometimes"), V, "steps"),
    Case("trend-steps-not-a-date", _trend_rates(steps=["no date"]), V, r"steps\[0\]"),
    Case("trend-steps-outside", _trend_rates(steps=["2025-06-01"]), V, "steps"),
    Case("trend-step-sigma-zero", _trend_rates(step_sigma=0), V, "step_sigma"),
    Case("trend-step-sigma-nan", _trend_rates(step_sigma=NAN), V, "step_sigma"),
    Case("trend-step-sigma-string", _trend_rates(step_sigma="abc"), T, "step_sigma"),
    Case("trend-step-sigma-inf", _trend_rates(step_sigma=INF), V, "step_sigma"),
    Case("trend-max-steps-negative", _trend_rates(max_steps=-1), V, "max_steps"),
    Case("trend-max-steps-float", _trend_rates(max_steps=1.5), VT, "max_steps"),
    Case("trend-max-steps-string", _trend_rates(max_steps="abc"), T, "max_steps"),
    Case("trend-max-steps-bool", _trend_rates(max_steps=True), T, "max_steps"),
    Case("trend-gain-zero", _trend_rates(gain=0), V, "gain"),
    Case("trend-gain-string", _trend_rates(gain="abc"), T, "gain"),
    Case("trend-gain-nan", _trend_rates(gain=NAN), V, "gain"),
    Case("trend-unit-nonsense", _trend_rates(darks=[np.ones((4, 4))] * 3, unit="bananas"),
         (U, V), "unit"),
    Case("trend-darks-number", _trend_rates(darks=5), T, "darks"),
    Case("trend-darks-empty", _trend_rates(darks=[], times=None), V, "darks|epochs"),
    Case("trend-darks-one-map", _trend_rates(darks=_maps()[0], times=None), V, "darks"),
    Case("trend-exposure-key-number", _trend_rates(exposure_key=5), T, "exposure_key"),
    Case("trend-mask-convention-bad", _trend_rates(mask_convention=5), T, "mask_convention"),
    Case("trend-progress-string", _trend_rates(progress="yes"), T, "progress"),
    # ------------------------------------------------------------------ unmasked_risk
    Case("risk-fraction-nan", _risk(NAN, 1 * u.yr), V, "fraction_per_year"),
    Case("risk-fraction-inf", _risk(INF, 1 * u.yr), V, "fraction_per_year"),
    Case("risk-fraction-nan-in-array", _risk([0.1, NAN], 1 * u.yr), V, "fraction_per_year"),
    Case("risk-fraction-string", _risk("abc", 1 * u.yr), T, "fraction_per_year"),
    Case("risk-fraction-metres", _risk(1 * u.m, 1 * u.yr), U, "fraction_per_year"),
    Case("risk-fraction-bool", _risk(True, 1 * u.yr), T, "fraction_per_year"),
    Case("risk-interval-nan", _risk(0.0002, NAN * u.yr), V, "interval"),
    Case("risk-interval-inf", _risk(0.0002, INF * u.yr), V, "interval"),
    Case("risk-interval-negative", _risk(0.0002, -1 * u.yr), V, "interval"),
    Case("risk-interval-plain", _risk(0.0002, 6), T, "interval"),
    Case("risk-interval-metres", _risk(0.0002, 1 * u.m), T, "interval"),
    Case("risk-stamp-fractional", _risk(stamp_shape=(32, 32.5)), V, "stamp_shape"),
    Case("risk-stamp-fractional-count", _risk(stamp_shape=2.5), V, "stamp_shape"),
    Case("risk-stamp-zero", _risk(stamp_shape=(0, 32)), V, "stamp_shape"),
    Case("risk-stamp-negative", _risk(stamp_shape=-4), V, "stamp_shape"),
    Case("risk-stamp-3d", _risk(stamp_shape=(2, 2, 2)), V, "stamp_shape"),
    Case("risk-stamp-string", _risk(stamp_shape="32x32"), T, "stamp_shape"),
    Case("risk-stamp-nan", _risk(stamp_shape=(NAN, 32)), V, "stamp_shape"),
    Case("risk-stamp-bool", _risk(stamp_shape=True), T, "stamp_shape"),
    Case("risk-n-stamps-zero", _risk(n_stamps=0), V, "n_stamps"),
    Case("risk-n-stamps-negative", _risk(n_stamps=-8), V, "n_stamps"),
    Case("risk-n-stamps-fractional", _risk(n_stamps=1.5), V, "n_stamps"),
    Case("risk-n-stamps-string", _risk(n_stamps="8"), VT, "n_stamps"),
    Case("risk-n-stamps-array-with-zero", _risk(n_stamps=np.array([1, 0], np.int32)), V,
         "n_stamps"),
    Case("risk-n-stamps-bool", _risk(n_stamps=True), VT, "n_stamps"),
    # ------------------------------------------------------------ HotPixelTrend methods
    Case("trend-risk-interval-plain", _method("unmasked_risk", 6), T, "interval"),
    Case("trend-risk-interval-nan", _method("unmasked_risk", NAN * month), V, "interval"),
    Case("trend-risk-threshold-unknown", _method("unmasked_risk", 1 * u.yr,
                                                 threshold=2 * DN_S), V, "threshold"),
    Case("trend-risk-threshold-metres", _method("unmasked_risk", 1 * u.yr,
                                                threshold=1 * u.m), (V, U), "threshold"),
    Case("trend-risk-basis", _method("unmasked_risk", 1 * u.yr, basis="wild"), V, "basis"),
    Case("trend-risk-stamp", _method("unmasked_risk", 1 * u.yr, stamp_shape=(0, 3)), V,
         "stamp_shape"),
    Case("trend-risk-n-stamps", _method("unmasked_risk", 1 * u.yr, n_stamps=0), V,
         "n_stamps"),
    Case("trend-cadence-risk-zero", _method("recommend_cadence", 0), V, "max_risk"),
    Case("trend-cadence-risk-one", _method("recommend_cadence", 1), V, "max_risk"),
    Case("trend-cadence-risk-nan", _method("recommend_cadence", NAN), V, "max_risk"),
    Case("trend-cadence-risk-string", _method("recommend_cadence", "0.1"), T, "max_risk"),
    Case("trend-cadence-risk-percent", _method("recommend_cadence", 10 * u.percent / u.s),
         (T, U), "max_risk"),
    Case("trend-cadence-stamp-fractional", _method("recommend_cadence", 0.1,
                                                   stamp_shape=1.5), V, "stamp_shape"),
    Case("trend-cadence-n-stamps", _method("recommend_cadence", 0.1, n_stamps=-1), V,
         "n_stamps"),
    Case("trend-cadence-basis", _method("recommend_cadence", 0.1, basis=None), V, "basis"),
    Case("trend-plot-max-risk", _method("plot", max_risk=2), V, "max_risk"),
    Case("trend-plot-max-risk-nan", _method("plot", max_risk=NAN), V, "max_risk"),
    Case("trend-plot-n-stamps", _method("plot", n_stamps=[0]), V, "n_stamps"),
    Case("trend-plot-n-stamps-string", _method("plot", n_stamps="8"), VT, "n_stamps"),
    Case("trend-plot-fig", _method("plot", fig="figure"), T, "fig"),
    Case("trend-plot-risk-max-interval", _method("plot_risk", max_interval=5), T,
         "max_interval"),
    Case("trend-plot-risk-max-risk", _method("plot_risk", max_risk=1.5), V, "max_risk"),
    Case("trend-write-missing-folder", lambda tmp: _trend().write(tmp / "no" / "t.ecsv"),
         FileNotFoundError, "no"),
    Case("trend-write-exists", lambda tmp: _trend().write(_existing_ecsv(tmp)),
         FileExistsError, "exists.ecsv"),
    Case("trend-write-path-number", lambda tmp: _trend().write(5), T, "path"),
    Case("trend-write-overwrite-string", lambda tmp: _trend().write(
        tmp / "t.ecsv", overwrite="no"), T, "overwrite"),
    Case("trend-model-threshold", _method("model", threshold="7"), V, "threshold"),
    Case("trend-first-hot-threshold", _method("first_hot", threshold=99 * DN_S), V,
         "threshold"),
    # ---------------------------------------------------------------- simulate_ramps
    Case("sim-shape-1d", _simramps(shape=(8,)), V, "shape"),
    Case("sim-shape-zero", _simramps(shape=(8, 0)), V, "shape"),
    Case("sim-shape-float", _simramps(shape=(8.5, 8)), T, "shape"),
    Case("sim-shape-string", _simramps(shape="8x8"), V, "shape"),
    Case("sim-ngroups-two", _simramps(ngroups=2), V, "ngroups"),
    Case("sim-ngroups-float", _simramps(ngroups=5.5), T, "ngroups"),
    Case("sim-ngroups-string", _simramps(ngroups="5"), T, "ngroups"),
    Case("sim-nints-zero", _simramps(nints=0), V, "nints"),
    Case("sim-fractions-sum-above-1", _simramps(fractions={"hot": 0.6, "warm": 0.6}), V,
         "fractions"),
    Case("sim-fractions-negative", _simramps(fractions={"hot": -0.1}), V, "fractions"),
    Case("sim-fractions-unknown", _simramps(fractions={"alien": 0.1}), V, "fractions"),
    Case("sim-fractions-not-dict", _simramps(fractions=[0.1]), T, "fractions"),
    Case("sim-fractions-nan", _simramps(fractions={"hot": NAN}), V, "fractions"),
    Case("sim-read-noise-negative", _simramps(read_noise=-1 * u.electron), V, "read_noise"),
    Case("sim-read-noise-nan", _simramps(read_noise=NAN), V, "read_noise"),
    Case("sim-read-noise-string", _simramps(read_noise="abc"), T, "read_noise"),
    Case("sim-read-noise-seconds", _simramps(read_noise=1 * u.s), U, "read_noise"),
    Case("sim-gain-zero", _simramps(gain=0), V, "gain"),
    Case("sim-group-time-zero", _simramps(group_time=0 * u.s), V, "group_time"),
    Case("sim-group-time-metres", _simramps(group_time=1 * u.m), U, "group_time"),
    Case("sim-ipc-too-large", _simramps(ipc_alpha=0.3), V, "ipc_alpha"),
    Case("sim-thresholds-reversed", _simramps(hot_threshold=0.05 * E_S), V,
         "warm_threshold"),
    Case("sim-dark-current-above-warm", _simramps(dark_current=1 * E_S), V, "dark_current"),
    Case("sim-saturation-low", _simramps(saturation=100 * u.DN), V, "saturation"),
    Case("sim-amplitudes-reversed", _simramps(amplitudes={"telegraph": (5, 1)}), V,
         "amplitudes"),
    Case("sim-cluster-size", _simramps(cosmic_ray_cluster_size=(9, 9)), V,
         "cosmic_ray_cluster_size"),
    Case("sim-seed-string", _simramps(seed="abc"), T, "seed"),
    Case("sim-seed-negative", _simramps(seed=-1), V, "seed"),
    Case("sim-seed-float", _simramps(seed=1.5), T, "seed"),
    Case("sim-seed-bool", _simramps(seed=True), T, "seed"),
    Case("sim-progress-string", _simramps(progress="yes"), T, "progress"),
    Case("sim-write-missing-folder", _write_sim(lambda tmp: tmp / "no" / "s.fits"),
         FileNotFoundError, "no"),
    Case("sim-write-exists", _write_sim(_existing), FileExistsError, "exists.fits"),
    Case("sim-write-path-none", _write_sim(lambda tmp: None), T, "path"),
    Case("sim-write-overwrite-string", _write_sim(lambda tmp: tmp / "s.fits",
                                                  overwrite="yes"), T, "overwrite"),
    # ------------------------------------------------------- simulate_hot_pixel_series
    Case("series-shape-3d", _simseries(shape=(4, 4, 4)), V, "shape"),
    Case("series-n-epochs-one", _simseries(n_epochs=1), V, "n_epochs"),
    Case("series-n-epochs-float", _simseries(n_epochs=3.0), T, "n_epochs"),
    Case("series-start-bogus", _simseries(start="not a time"), V, "start"),
    Case("series-interval-zero", _simseries(interval=0), V, "interval"),
    Case("series-interval-metres", _simseries(interval=1 * u.m), U, "interval"),
    Case("series-new-negative", _simseries(new_per_month=-1), V, "new_per_month"),
    Case("series-new-nan", _simseries(new_per_month=NAN), V, "new_per_month"),
    Case("series-initial-negative", _simseries(initial_hot=-1), V, "initial_hot"),
    Case("series-amplitude-reversed", _simseries(amplitude=(5, 1) * DN_S), V, "amplitude"),
    Case("series-background-high", _simseries(background=0.9 * DN_S), V, "background"),
    Case("series-noise-negative", _simseries(noise=-1), V, "noise"),
    Case("series-heal-fraction", _simseries(heal_fraction=1.5), V, "heal_fraction"),
    Case("series-output", _simseries(output="cube"), V, "output"),
    Case("series-output-number", _simseries(output=1), T, "output"),
    Case("series-exposure-zero", _simseries(exposure_time=0 * u.s), V, "exposure_time"),
    Case("series-mask-threshold-zero", _simseries(mask_threshold=0), V, "mask_threshold"),
    Case("series-step-outside", _simseries(step_time="2023-01-01", step_pixels=2), V,
         "step_time"),
    Case("series-step-pixels-without-time", _simseries(step_pixels=2), V, "step_pixels"),
    Case("series-too-many-pixels", _simseries(initial_hot=1000), V, "initial_hot"),
    Case("series-seed-string", _simseries(seed="abc"), T, "seed"),
    Case("series-seed-negative", _simseries(seed=-5), V, "seed"),
    Case("series-intermittent-float", _simseries(intermittent=0.5), T, "intermittent"),
]


def _ramp_file_with_gain(value):
    def call(tmp):
        from astropy.io import fits

        header = fits.Header()
        header["GAIN"] = value
        header["TGROUP"] = 10.0
        path = tmp / "gain_keyword.fits"
        cube = np.random.default_rng(0).normal(1000, 5, (5, 4, 4)).astype(np.float32)
        fits.PrimaryHDU(cube, header).writeto(path)
        return classify_ramps(path, progress=False)
    return call


CASES += [
    Case(f"ramps-gain-keyword-{name}", _ramp_file_with_gain(value), ValueError,
         r"gain_keyword\.fits.*GAIN keyword")
    for name, value in (("text", "abc"), ("zero", 0.0), ("negative", -2.0), ("bool", True))
]
