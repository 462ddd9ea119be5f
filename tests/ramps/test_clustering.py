"""cluster_ramps: the Ariel benchmark workflow (cluster, sample, verify, train)."""

import numpy as np
import pytest
from astropy.table import Table

from ccdbadpix.ramps.clustering import (
    DEFAULT_CLUSTER_FEATURES,
    RampClusters,
    cluster_ramps,
    training_set_from_sample,
)
from ccdbadpix.ramps.features import FEATURE_NAMES, ramp_features
from ccdbadpix.ramps.forest import RampClassifier
from ccdbadpix.simulate import simulate_ramps

BOOSTED = {c: 0.03 for c in ("dead", "saturated", "telegraph", "nonlinear", "decreasing",
                             "cosmic_ray")}
N_PER_CLUSTER = 15


@pytest.fixture(scope="module")
def sim():
    return simulate_ramps((64, 64), ngroups=30, seed=1, fractions=BOOSTED)


@pytest.fixture(scope="module")
def feats(sim):
    return ramp_features(sim.data, times=sim.times, gain=sim.gain, read_noise=sim.read_noise)


@pytest.fixture(scope="module")
def clusters(sim):
    return cluster_ramps(sim.data, times=sim.times, gain=sim.gain, read_noise=sim.read_noise,
                         n_per_cluster=N_PER_CLUSTER, seed=0)


def _good_share(clusters, truth):
    """Fraction of (observably) good pixels in each cluster."""
    good = truth == 0
    return np.array([good[clusters.labels == c].mean() if clusters.sizes[c] else 0.0
                     for c in range(clusters.n_components)])


# ---------------------------------------------------------------- (a) BIC selection
def test_bic_selection_in_range_and_deterministic(clusters, feats):
    assert isinstance(clusters, RampClusters)
    assert 2 <= clusters.n_components <= 12
    assert sorted(clusters.bic) == list(range(2, 13))
    assert all(np.isfinite(v) for v in clusters.bic.values())
    assert clusters.n_components == min(clusters.bic, key=clusters.bic.get)
    again = cluster_ramps(feats, n_per_cluster=N_PER_CLUSTER, seed=0)
    assert again.n_components == clusters.n_components
    assert again.bic == pytest.approx(clusters.bic)
    np.testing.assert_array_equal(again.labels, clusters.labels)
    np.testing.assert_array_equal(again.sample["x"], clusters.sample["x"])
    np.testing.assert_array_equal(again.sample["y"], clusters.sample["y"])
    assert "chosen by BIC" in repr(clusters)


def test_given_n_components_and_small_max(feats):
    fixed = cluster_ramps(feats, n_components=4, n_per_cluster=3)
    assert fixed.n_components == 4 and fixed.bic is None
    assert fixed.mixture.n_components == 4
    small = cluster_ramps(feats, max_components=3, n_per_cluster=3)
    assert sorted(small.bic) == [2, 3] and small.n_components in (2, 3)


# ---------------------------------------------------------------- (b) purity
@pytest.mark.parametrize("name", ["dead", "saturated"])
def test_defects_in_clusters_where_good_pixels_are_a_minority(clusters, sim, name):
    truth = sim.observable_labels()
    share = _good_share(clusters, truth)
    where = clusters.labels[truth == sim.classes.index(name)]
    assert (where >= 0).all()
    # an unsupervised mixture: over five simulations (seeds 1-5) 83-100 % of the dead
    # and all the saturated pixels land in such clusters
    assert np.mean(share[where] < 0.5) >= 0.8


def test_clusters_numbered_by_size_and_consistent(clusters, sim):
    sizes = clusters.sizes
    assert sizes.shape == (clusters.n_components,)
    assert (np.diff(sizes) <= 0).all()  # largest first
    np.testing.assert_array_equal(sizes, np.bincount(clusters.labels[clusters.labels >= 0],
                                                     minlength=clusters.n_components))
    assert sizes.sum() == 64 * 64  # the simulation has no non-finite pixels
    # the largest cluster is the bulk of good pixels
    assert _good_share(clusters, sim.observable_labels())[0] > 0.9
    # the mixture's components are renumbered with the clusters
    finite = clusters.labels >= 0
    x = clusters.features.values.reshape(len(FEATURE_NAMES), -1)[
        [FEATURE_NAMES.index(n) for n in clusters.feature_names]][:, finite.ravel()].T
    predicted = clusters.mixture.predict(clusters.preprocessor.transform(x))
    np.testing.assert_array_equal(predicted, clusters.labels[finite])
    means = clusters.means
    assert len(means) == clusters.n_components
    assert means.colnames[:2] == ["cluster", "size"]
    assert set(FEATURE_NAMES) <= set(means.colnames)
    c = int(clusters.labels[0, 0])
    in_c = clusters.labels == c
    assert means["rate_z"][c] == pytest.approx(clusters.features["rate_z"][in_c].mean(),
                                               rel=1e-4)


# ---------------------------------------------------------------- (c) the sample
def test_sample_table(clusters):
    sample = clusters.sample
    assert sample.colnames[:4] == ["cluster", "x", "y", "verified_label"]
    assert set(FEATURE_NAMES) <= set(sample.colnames)
    assert clusters.feature_names == DEFAULT_CLUSTER_FEATURES
    assert "log_ngroups" not in clusters.feature_names
    assert (np.asarray(sample["verified_label"]) == "").all()
    counts = np.bincount(sample["cluster"], minlength=clusters.n_components)
    assert (counts <= N_PER_CLUSTER).all()
    np.testing.assert_array_equal(counts, np.minimum(clusters.sizes, N_PER_CLUSTER))
    np.testing.assert_array_equal(sample["cluster"], clusters.labels[sample["y"], sample["x"]])
    assert len({(int(x), int(y)) for x, y in zip(sample["x"], sample["y"], strict=True)}) == \
        len(sample)  # drawn without replacement
    np.testing.assert_array_equal(sample["rate_z"],
                                  clusters.features["rate_z"][sample["y"], sample["x"]])
    assert sample["rate"].unit == "electron / s"


def test_non_finite_and_excluded_pixels_are_left_out(sim):
    data = sim.data[:, :24, :24].copy()
    data[5, 3, 4] = np.nan
    data[:, 10, 11] = np.inf
    before = data.copy()
    exclude = np.zeros((24, 24), bool)
    exclude[0, :] = True
    out = cluster_ramps(data, times=sim.times, gain=sim.gain, read_noise=sim.read_noise,
                        n_components=2, n_per_cluster=4, exclude=exclude)
    np.testing.assert_array_equal(data, before)  # input not modified
    assert out.labels[3, 4] == -1 and out.labels[10, 11] == -1
    assert (out.labels[0] == -1).all()
    assert (out.labels >= 0).sum() == 24 * 24 - 24 - 2
    assert out.sizes.sum() == 24 * 24 - 24 - 2
    assert not ((out.sample["y"] == 0) | ((out.sample["y"] == 3) & (out.sample["x"] == 4))).any()


# ---------------------------------------------------------------- (d) ECSV round trip
def test_write_sample_round_trip_and_no_overwrite(clusters, tmp_path):
    path = tmp_path / "sample.ecsv"
    assert clusters.write_sample(path) == path
    text = path.read_text()
    assert text.startswith("# %ECSV")
    assert "verified_label" in text and "training_set_from_sample" in text
    back = Table.read(path)
    assert back.colnames == clusters.sample.colnames
    assert len(back) == len(clusters.sample)
    for name in ("cluster", "x", "y", "rate", "chi2_clean"):
        np.testing.assert_array_equal(back[name], clusters.sample[name])
    assert (np.asarray(back["verified_label"].filled("")) == "").all()
    assert back.meta["cluster_features"] == list(DEFAULT_CLUSTER_FEATURES)
    assert back["rate"].unit == "electron / s"
    with pytest.raises(FileExistsError, match="overwrite=True"):
        clusters.write_sample(path)
    clusters.write_sample(path, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sample.ecsv"]  # no temp files


# ---------------------------------------------------------------- (e) train on verified labels
def test_train_classifier_from_verified_sample(clusters, sim, tmp_path):
    path = clusters.write_sample(tmp_path / "sample.ecsv")
    table = Table.read(path)
    truth = sim.observable_labels()[table["y"], table["x"]]
    names = np.array([sim.classes[i] for i in truth])
    table["verified_label"] = names  # what a person fills in after looking at the ramps
    table.write(path, overwrite=True)

    x, y = training_set_from_sample(path)
    assert x.colnames == list(FEATURE_NAMES)
    assert len(x) == len(y) == len(table)
    np.testing.assert_array_equal(y, names)
    clf = RampClassifier(n_estimators=10, random_state=0).fit(x, y)
    predicted, _ = clf.predict(x)
    assert np.mean(predicted == names) >= 0.8
    # the same from the in-memory table, with a few rows left unverified
    partial = clusters.sample.copy()
    partial["verified_label"] = names
    partial["verified_label"][::2] = ""
    x2, y2 = training_set_from_sample(partial)
    assert len(x2) == len(partial) // 2
    np.testing.assert_array_equal(y2, names[1::2])


def test_training_set_errors(clusters, tmp_path):
    with pytest.raises(ValueError, match="verified_label"):
        training_set_from_sample(clusters.sample)  # nothing filled in yet
    path = clusters.write_sample(tmp_path / "empty.ecsv")
    with pytest.raises(ValueError, match="verified_label"):
        training_set_from_sample(path)
    no_label = clusters.sample.copy()
    no_label.remove_column("verified_label")
    with pytest.raises(ValueError, match="verified_label"):
        training_set_from_sample(no_label)
    filled = clusters.sample.copy()
    filled["verified_label"] = "good"
    filled.remove_column("rate_z")
    with pytest.raises(ValueError, match="rate_z"):
        training_set_from_sample(filled)
    x, _ = training_set_from_sample(filled, features=["rate", "chi2_clean"])
    assert x.colnames == ["rate", "chi2_clean"]
    with pytest.raises(FileNotFoundError):
        training_set_from_sample(tmp_path / "missing.ecsv")
    with pytest.raises(TypeError, match="sample"):
        training_set_from_sample(np.zeros(3))


# ---------------------------------------------------------------- (f) contact sheet
def test_contact_sheet_png_and_pdf(clusters, feats, sim, tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    png = tmp_path / "sheet.png"
    fig = clusters.plot_contact_sheet(png, max_per_cluster=4)
    shown = np.minimum(clusters.sizes, 4)
    assert sum(ax.has_data() for ax in fig.axes) == shown.sum()
    assert png.read_bytes()[:4] == b"\x89PNG"
    titles = {ax.get_title() for ax in fig.axes if ax.has_data()}
    first = clusters.sample[clusters.sample["cluster"] == 0][0]
    assert f"({first['x']}, {first['y']})" in titles
    plt.close(fig)
    with pytest.raises(FileExistsError):
        clusters.plot_contact_sheet(png)
    plt.close(clusters.plot_contact_sheet(png, max_per_cluster=2, overwrite=True))

    pdf = tmp_path / "sheet.pdf"
    plt.close(clusters.plot_contact_sheet(pdf, max_per_cluster=3))
    assert pdf.read_bytes()[:4] == b"%PDF"
    with pytest.raises(ValueError, match="path"):
        clusters.plot_contact_sheet(tmp_path / "sheet.nope")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.pdf", "sheet.png"]

    # clusters of RampFeatures hold no ramps: pass them to draw
    from_features = cluster_ramps(feats, n_components=3, n_per_cluster=2)
    assert from_features.ramps is None
    with pytest.raises(ValueError, match="ramps"):
        from_features.plot_contact_sheet()
    fig = from_features.plot_contact_sheet(ramps=sim.data)
    assert sum(ax.has_data() for ax in fig.axes) == len(from_features.sample)
    plt.close(fig)
    with pytest.raises(ValueError, match="ramps"):
        from_features.plot_contact_sheet(ramps=sim.data[:, :10, :10])


# ---------------------------------------------------------------- (g) bad input
@pytest.mark.parametrize(("kwargs", "name"), [
    ({"n_components": 0}, "n_components"),
    ({"max_components": 1}, "max_components"),
    ({"n_per_cluster": 0}, "n_per_cluster"),
    ({"max_fit_pixels": 1}, "max_fit_pixels"),
    ({"n_init": 0}, "n_init"),
    ({"features": ["rate", "no_such_feature"]}, "features"),
    ({"features": []}, "features"),
    ({"features": ["rate", "rate"]}, "features"),
    ({"covariance_type": "banana"}, "covariance_type"),
    ({"exclude": np.zeros((3, 3), bool)}, "exclude"),
    ({"gain": 2.0}, "gain"),
    ({"integration": 1}, "integration"),
])
def test_bad_parameters_raise_value_error(feats, kwargs, name):
    with pytest.raises(ValueError, match=name):
        cluster_ramps(feats, **kwargs)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"n_components": 2.5}, "n_components"),
    ({"n_per_cluster": True}, "n_per_cluster"),
    ({"seed": "abc"}, "seed"),
])
def test_bad_parameter_types_raise_type_error(feats, kwargs, name):
    with pytest.raises(TypeError, match=name):
        cluster_ramps(feats, **kwargs)


def test_bad_contact_sheet_and_too_few_pixels(clusters, sim):
    with pytest.raises(ValueError, match="max_per_cluster"):
        clusters.plot_contact_sheet(max_per_cluster=0)
    tiny = sim.data[:, :2, :2]
    with pytest.raises(ValueError, match="n_components"):
        cluster_ramps(tiny, times=sim.times, gain=sim.gain, read_noise=sim.read_noise,
                      n_components=8)
    with pytest.raises(ValueError, match="nothing to cluster"):
        cluster_ramps(tiny, times=sim.times, gain=sim.gain, read_noise=sim.read_noise,
                      exclude=np.ones((2, 2), bool))
