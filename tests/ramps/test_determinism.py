"""Bit-identical results whatever the tiling, dask chunks, memory layout or thread count.

A pixel's features, probabilities and flags must depend on its own ramp only, never on
which neighbours share its tile: BLAS matrix products and numpy's pairwise sums add in
an order that depends on the block they are given, so the kernels avoid both. Every
comparison here is exact equality.
"""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import ccdbadpix.ramps.classify
import ccdbadpix.ramps.features
from ccdbadpix import classify_ramps, cluster_ramps, ramp_features
from ccdbadpix.ramps._features_kernel import features_of
from ccdbadpix.simulate import PIXEL_CLASSES, simulate_ramps

BOOSTED = {c: 0.02 for c in PIXEL_CLASSES[1:]}
FIELDS = ("labels", "confidence", "probabilities", "finite", "settled", "jump_group",
          "jump_step", "cosmic_ray_vote", "dark_current", "dark_current_err")


# with 1/f readout noise the ramps are corrected row by row from a detector-wide pass
# first (`ROWCORR`): that, too, must not depend on how the cube is cut afterwards
ROW_NOISE = {"correlated_noise": 0.5, "channels": 4}


@pytest.fixture(scope="module", params=["plain", "row noise"])
def sim(request):
    effects = ROW_NOISE if request.param == "row noise" else None
    return simulate_ramps((48, 40), ngroups=24, fractions=BOOSTED, seed=12, effects=effects)


def _classify(data, sim, **kwargs):
    return classify_ramps(data, times=sim.times, gain=sim.gain, read_noise=sim.read_noise,
                          progress=False, **kwargs)


def _assert_identical(res, ref):
    for name in FIELDS:
        a, b = getattr(res, name), getattr(ref, name)
        a = getattr(a, "value", a)
        b = getattr(b, "value", b)
        np.testing.assert_array_equal(a, b, err_msg=name, strict=True)
    np.testing.assert_array_equal(res.dq.data, ref.dq.data, strict=True)


@pytest.fixture(scope="module")
def reference(sim):
    return _classify(sim.data, sim)


def test_reference_is_not_trivial(reference, sim):
    # the comparisons below are only worth something if many pixels take the full path
    assert (~reference.settled).sum() > 200
    assert len(np.unique(reference.labels)) >= 7
    assert reference.meta["ROWCORR"] == (sim.meta["CORRNOIS"] > 0)


@pytest.mark.parametrize("tile_bytes", [1, 24 * 40 * 4 * 3, 10**9])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_tiles_and_threads(sim, reference, monkeypatch, tile_bytes, n_jobs):
    monkeypatch.setattr(ccdbadpix.ramps.classify, "_TILE_BYTES", tile_bytes)
    _assert_identical(_classify(sim.data, sim, n_jobs=n_jobs), reference)


@pytest.mark.parametrize("blas_threads", [1, 2])
def test_blas_threads(sim, reference, blas_threads):
    with threadpool_limits(blas_threads):
        _assert_identical(_classify(sim.data, sim), reference)


def test_memory_layout(sim, reference):
    fortran = np.asfortranarray(sim.data)
    _assert_identical(_classify(fortran, sim), reference)
    strided = np.concatenate([sim.data, sim.data], axis=-1)[..., ::2]
    strided[...] = sim.data
    _assert_identical(_classify(strided, sim), reference)


@pytest.mark.parametrize("chunks", [(24, 48, 40), (7, 40, 32), (24, 5, 3)])
def test_dask_chunks(sim, reference, chunks):
    da = pytest.importorskip("dask.array")
    lazy = da.from_array(sim.data, chunks=chunks)
    _assert_identical(_classify(lazy, sim), reference)


def test_dask_one_pixel_chunks():
    """A chunk of one pixel: every reduction runs on a lone column."""
    da = pytest.importorskip("dask.array")
    small = simulate_ramps((8, 6), ngroups=15, fractions={c: 0.1 for c in PIXEL_CLASSES[1:]},
                           seed=4)
    ref = _classify(small.data, small)
    assert (~ref.settled).sum() >= 10
    res = _classify(da.from_array(small.data, chunks=(15, 1, 1)), small)
    _assert_identical(res, ref)


def test_lone_pixel_features(sim):
    """The features of one pixel alone equal its features among all the others."""
    tile = sim.data.reshape(sim.data.shape[0], -1).astype(np.float32)
    args = (sim.times.to_value("s"), sim.gain.value, sim.read_noise.value, (1e4, 20.0))
    every = features_of(tile, *args)
    for p in (0, 17, 1000, tile.shape[1] - 1):
        alone = features_of(tile[:, p:p + 1], *args)
        np.testing.assert_array_equal(alone[:, 0], every[:, p])
    pair = features_of(tile[:, [5, 900]], *args)
    np.testing.assert_array_equal(pair, every[:, [5, 900]])


def test_ramp_features_tiles_and_threads(sim, monkeypatch):
    ref = ramp_features(sim.data, times=sim.times, gain=sim.gain)
    monkeypatch.setattr(ccdbadpix.ramps.features, "_TILE_BYTES", 1)
    for threads in (1, 2):
        with threadpool_limits(threads):
            res = ramp_features(sim.data, times=sim.times, gain=sim.gain)
        np.testing.assert_array_equal(res.values, ref.values, strict=True)


def test_cluster_ramps_threads(sim):
    runs = []
    for threads in (1, 2):
        with threadpool_limits(threads):
            runs.append(cluster_ramps(sim.data, times=sim.times, gain=sim.gain,
                                      max_components=5, seed=3, progress=False))
    a, b = runs
    assert a.bic == b.bic
    np.testing.assert_array_equal(a.labels, b.labels, strict=True)
