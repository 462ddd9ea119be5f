"""The classifier says when a cube lies outside its training domain, and when ramps fall."""

import warnings

import numpy as np
import pytest
from astropy import units as u
from astropy.utils.exceptions import AstropyUserWarning
from scipy.special import ndtri

from ccdbadpix import RampClassifier, classify_ramps
from ccdbadpix.ramps.training import TRAINING_RANGES, training_domain
from ccdbadpix.simulate import simulate_ramps


def _classify(sim, data=None, **kwargs):
    return classify_ramps(sim.data if data is None else data, times=sim.times, gain=sim.gain,
                          progress=False, **kwargs)


def test_default_model_records_its_training_domain():
    domain = RampClassifier.default().meta["domain"]
    assert domain == training_domain()
    assert domain["ngroups"] == list(TRAINING_RANGES["ngroups"])


def test_inside_the_domain_no_warning():
    sim = simulate_ramps((24, 24), ngroups=30, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = _classify(sim)
    assert res.meta["DOMAIN"] == "inside"
    assert res.meta["FALLING"] < 0.05


def test_three_reads_warn_and_are_recorded():
    sim = simulate_ramps((24, 24), ngroups=3, seed=2)
    with pytest.warns(AstropyUserWarning, match=r"groups per integration 3 is below the 5-200"):
        res = _classify(sim)
    assert res.meta["DOMAIN"] == "outside"
    assert any("groups per integration 3" in h for h in res.meta["HISTORY"])


def test_three_reads_fall_back_to_dark_current_significance():
    """Below the training domain the forest is not run: no dead, telegraph or cosmic-ray
    label from three reads; hot only where the dark current is significantly hot."""
    sim = simulate_ramps((128, 128), ngroups=3, fractions={"hot": 0.02}, seed=7)
    with pytest.warns(AstropyUserWarning, match="shape classifier is not run"):
        res = _classify(sim)
    assert res.meta["SHAPES"] is False
    names = {res.classes[c] for c in np.unique(res.labels)}
    assert names <= {"good", "warm", "hot", "uncertain"}
    assert len(res.cosmic_rays) == 0
    true_rate = sim.dark_current.to_value(u.electron / u.s)
    err = float(np.median(res.dark_current_err.value))
    flagged = res.dq.to_boolean(flags="HOT")
    strong = (sim.labels == sim.classes.index("hot")) & (true_rate > 1 + 6 * err)
    assert strong.sum() > 30 and flagged[strong].mean() > 0.97
    # IPC-lit pixels aside, and those with a cosmic-ray step (an event, not noise, that
    # three reads cannot tell from a hot pixel)
    quiet = sim.observable_labels(ambiguous_step=1.0) == sim.classes.index("good")
    # the thresholds are unresolved (error ~ several e/s): the test is family-wise over
    # the pixels, so noise makes no pixel hot or warm at all (the per-pixel test at 1 %
    # flagged about 0.5 % of them)
    assert res.meta["HOTRESOL"] is False and res.meta["WARMRESO"] is False
    n = int(res.finite.sum())
    assert res.meta["ZHOT"] == pytest.approx(ndtri(1 - 0.01 / n), abs=1e-4)
    assert res.meta["ZWARM"] == res.meta["ZHOT"]
    assert not np.any(res.dq.to_boolean(flags=["HOT", "WARM"])[quiet])
    # the shapes are back with enough groups
    long = simulate_ramps((32, 32), ngroups=12, seed=7)
    assert _classify(long).meta["SHAPES"] is True


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(ngroups=260), r"groups per integration 260 is above"),
    (dict(ngroups=20, group_time=0.1 * u.s), r"group time 0.1 s is below"),
    (dict(ngroups=20, read_noise=80 * u.electron), r"read noise .* is above"),
])
def test_other_limits_warn(kwargs, match):
    sim = simulate_ramps((16, 16), seed=3, **kwargs)
    with pytest.warns(AstropyUserWarning, match=match):
        res = _classify(sim)
    assert res.meta["DOMAIN"] == "outside"


def test_soft_edges_of_continuous_ranges():
    """A read noise a little below the range (log-uniform edges are soft) is inside."""
    sim = simulate_ramps((16, 16), ngroups=20, read_noise=2.6 * u.electron, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _classify(sim).meta["DOMAIN"] == "inside"


def test_model_without_domain_is_not_judged():
    sim = simulate_ramps((16, 16), ngroups=3, seed=5)
    model = RampClassifier.default()
    model.meta = {k: v for k, v in model.meta.items() if k != "domain"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=".*cannot resolve")  # 3 reads: expected
        res = _classify(sim, model=model)
    assert res.meta["DOMAIN"] == "inside"


def test_falling_ramps_are_reported():
    """Ramps read out inverted (counts falling as charge accumulates) are said to be."""
    sim = simulate_ramps((32, 32), ngroups=30, dark_current=0.8 * u.electron / u.s,
                         warm_threshold=1 * u.electron / u.s,
                         hot_threshold=3 * u.electron / u.s, seed=6)
    inverted = 60000 - sim.data
    with pytest.warns(AstropyUserWarning, match=r"ramps fall significantly.*negated cube"):
        res = _classify(sim, inverted)
    assert res.meta["FALLING"] > 0.9
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=".*cannot resolve")  # 0.8 e/s vs 1 e/s
        upright = _classify(sim, 60000 - inverted)
    assert upright.meta["FALLING"] < 0.05
    np.testing.assert_array_equal(upright.labels, _classify(sim).labels)
