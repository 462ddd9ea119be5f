"""One-read glitches of good pixels are not telegraph noise (issue 11: a single read off
by many read noises, as on the real NIRSpec dark, is no defect of the pixel)."""

import pytest

from ccdbadpix import classify_ramps
from ccdbadpix.simulate import simulate_ramps


@pytest.mark.parametrize("ngroups", [30, 60])
def test_glitched_good_pixels_stay_good(ngroups):
    kw = dict(shape=(96, 96), ngroups=ngroups, read_noise=12, gain=2, group_time=10,
              seed=42)
    plain = simulate_ramps(**kw, effects={"read_glitches": 0.0})
    sim = simulate_ramps(**kw, effects={"read_glitches": 0.003})
    # good pixels, no cosmic ray, with at least one glitched read (the same seed without
    # glitches gives the same ramps but for the glitched reads)
    glitched = ((sim.data != plain.data).any(axis=0) & (sim.labels == 0)
                & (sim.cosmic_ray_step.value == 0))
    assert glitched.sum() > 200
    res = classify_ramps(sim.data, times=sim.times, gain=sim.gain, progress=False)
    labels = res.labels[glitched]
    assert (labels == res.classes.index("good")).mean() >= 0.9
    assert (labels == res.classes.index("telegraph")).mean() <= 0.005
