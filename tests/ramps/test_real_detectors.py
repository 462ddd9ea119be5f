"""classify_ramps on real detectors (../shared/data): issue 11's checks, each against an
independent least-squares slope or noise measure computed here with numpy.

The cubes and their assumptions are those of ``benchmarks/bench_real_data.py``: the
NIRSpec CV3 dark (all 10 groups; group 0 is the reference read all groups had
subtracted), 10.737 s per group and gain 1, so rates are DN/s; the PRIME H4RG dark as
three reads, 2.9 s apart, gain 2 e/count.
"""

import warnings

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning

from ccdbadpix import DQ, classify_ramps


def _lsq_slope(cube, dt):
    """(ny, nx) least-squares slope per second of a (ngroups, ny, nx) cube."""
    t = dt * np.arange(cube.shape[0])
    tc = t - t.mean()
    return np.tensordot(tc, np.asarray(cube, np.float64), axes=1) / float(tc @ tc)


def _robust(x):
    med = np.median(x)
    return med, 1.4826 * np.median(np.abs(x - med))


@pytest.fixture(scope="module")
def nirspec(shared_data):
    sci = fits.getdata(shared_data / "nirspec_dark" / "jwst_nirspec_dark_0046.fits", "SCI")
    sci = np.asarray(sci, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inside the model's domain: nothing to say
        res = classify_ramps(sci, group_time=10.737 * u.s, gain=1 * u.electron / u.DN,
                             progress=False)
    return sci, res


def test_nirspec_every_pixel_above_1_dn_s_carries_hot(nirspec):
    sci, res = nirspec
    lsq = _lsq_slope(sci, 10.737)
    hot = res.dq.to_boolean(flags="HOT")
    above = lsq >= 1.0
    assert above.sum() >= 25  # the issue counted 30 such pixels in this file
    assert hot[above].all()
    dnu = res.dq.to_boolean(flags="DO_NOT_USE")
    assert dnu[above].all()


def test_nirspec_telegraph_rare_and_never_on_typical_pixels(nirspec):
    sci, res = nirspec
    d = np.diff(np.asarray(sci, np.float64), axis=0)
    noise = 1.4826 * np.median(np.abs(d - np.median(d, axis=0)), axis=0)
    lsq = _lsq_slope(sci, 10.737)
    (nmed, nsig), (lmed, lsig) = _robust(noise), _robust(lsq)
    typical = (np.abs(noise - nmed) <= 2 * nsig) & (np.abs(lsq - lmed) <= 2 * lsig)
    telegraph = res.mask("telegraph")
    assert telegraph.mean() <= 0.0015
    assert not (telegraph & typical).any()
    # the DQ flag follows the label
    assert np.array_equal(res.dq.to_boolean(flags="TELEGRAPH"), telegraph)


def test_prime_three_reads(shared_data):
    reads = [fits.getdata(shared_data / "prime_h4rg_dark" / f"DarkN{i}-0.fit.ref")
             for i in (1, 2, 3)]
    cube = np.stack(reads).astype(np.float32)
    with pytest.warns(AstropyUserWarning) as caught:
        res = classify_ramps(cube, group_time=2.9 * u.s, gain=2 * u.electron / u.DN,
                             progress=False)
    said = " ".join(str(w.message) for w in caught)
    assert "groups per integration 3 is below the 5-200 the model was trained on" in said
    assert "cannot resolve hot_threshold 1 electron/s" in said  # error ~3 e/s on 5.8 s
    assert res.meta["SHAPES"] is False
    hot = (np.asarray(res.dq.data) & np.uint32(DQ.HOT)) != 0
    assert hot.mean() <= 0.01
    lsq = _lsq_slope(cube, 2.9)
    med, sig = _robust(lsq)
    standout = (lsq - med) > 30 * sig
    assert standout.sum() > 100  # the issue counted 153
    assert hot[standout].mean() >= 0.9
    for name in ("dead", "telegraph", "nonlinear", "cosmic_ray", "decreasing", "noisy"):
        assert not res.mask(name).any(), name
