"""`cluster_ramps`: the benchmark-building workflow of the Ariel AIRS-CH1 study.

Cluster the per-pixel ramp features with a Gaussian Mixture, draw a few pixels of each
cluster for a person to verify by eye (a table to fill in and a contact sheet of their
ramps), then train a `~ccdbadpix.ramps.forest.RampClassifier` on the verified labels:

1. ``clusters = cluster_ramps(ramps, times=..., gain=...)``;
2. ``clusters.write_sample("sample.ecsv")`` and ``clusters.plot_contact_sheet("sheet.pdf")``;
3. fill in the ``verified_label`` column of ``sample.ecsv``;
4. ``RampClassifier().fit(*training_set_from_sample("sample.ecsv"))``.
"""

from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.table import MaskedColumn, Table

from ccdbadpix.ramps._cluster_fit import (
    _balanced_subset,
    _choose_mixture,
    _fit_preprocessor,
    _number_by_size,
    _population_weights,
    _predict,
)
from ccdbadpix.ramps._cluster_inputs import (
    DEFAULT_CLUSTER_FEATURES,
    _check_covariance_type,
    _check_features,
    _check_int,
    _check_seed,
    _features_to_cluster,
    _usable_pixels,
)
from ccdbadpix.ramps._clusters import RampClusters
from ccdbadpix.ramps._kernel import FEATURE_NAMES
from ccdbadpix.utils._checks import _boolean

__all__ = ["DEFAULT_CLUSTER_FEATURES", "RampClusters", "cluster_ramps",
           "training_set_from_sample"]

#: Class names a person verifying the sample would usually use.
SUGGESTED_LABELS = ("good", "hot", "warm", "dead", "telegraph", "nonlinear", "saturated",
                    "cosmic_ray", "decreasing", "noisy")

_LABEL_WIDTH = 32  # characters of the in-memory verified_label column

_INSTRUCTIONS = (
    "Pixels drawn at random from each cluster of cluster_ramps, to verify by eye "
    "(see the contact sheet of their ramps).",
    "Fill in verified_label with a class name (" + ", ".join(SUGGESTED_LABELS)
    + ", or your own) and pass the table or this file to RampClassifier.fit via "
    "ccdbadpix.ramps.clustering.training_set_from_sample; rows left empty are ignored.",
)


def cluster_ramps(ramps, *, n_components=None, max_components=12, features=None,
                  n_per_cluster=20, covariance_type="diag", balance=True, n_init=1,
                  max_fit_pixels=50_000, exclude=None, seed=0, times=None, group_time=None,
                  gain=None, read_noise=None, unit=None, integration=0, progress=False):
    """Cluster pixels by their ramp features and draw a sample of each cluster to verify.

    The first step of the Ariel AIRS-CH1 benchmark workflow: a Gaussian Mixture over
    per-pixel ramp features groups pixels that behave alike; a person looks at a few
    pixels of each cluster (`RampClusters.plot_contact_sheet`), writes their class into
    the ``verified_label`` column of `RampClusters.sample` (`RampClusters.write_sample`),
    and trains a `~ccdbadpix.ramps.forest.RampClassifier` on them
    (`training_set_from_sample`).

    The features (default `DEFAULT_CLUSTER_FEATURES`: all of `ramp_features` but
    ``log_ngroups``) are transformed with a signed logarithm,
    ``sign(x) * log(1 + |x|)``, which tames their heavy tails, standardised
    (`sklearn.preprocessing.StandardScaler`) and rotated onto their principal axes
    (`sklearn.decomposition.PCA`, all axes kept), each fitted on the subsample below.
    The rotation matters for the default diagonal covariances: several features measure
    the same thing (the noise level, the largest step), and on the raw axes a diagonal
    mixture counts that evidence several times over, spends components on the
    correlated tails of the good pixels and lets such a broad component take in, for
    example, the dead pixels that still show some noise. Pixels whose ramp or features
    are not finite, and those in ``exclude``, are left out (cluster -1).

    The mixture (`sklearn.mixture.GaussianMixture`) is fitted on a random subsample of at
    most ``max_fit_pixels`` pixels and then assigns every pixel to its most probable
    component. The number of components is ``n_components``, or the one of
    2..``max_components`` with the lowest Bayesian information criterion (BIC).

    Good pixels dominate a detector, so a mixture fitted on a plain subsample spends its
    components on the shape of the good-pixel cloud and lets rare defects share a
    cluster with good pixels. With ``balance=True`` the fit subsample keeps every
    atypical pixel (one more than 10 robust sigmas from the median along any principal
    axis) and only as many typical ones (at least 30 % of the subsample); after the
    fit, the mixture weights are corrected back to the population, so the assignment of
    the pixels is not biased toward the defect clusters.

    Parameters
    ----------
    ramps : `~ccdbadpix.ramps.features.RampFeatures`, or ramps
        Features from `ramp_features`, or ramps as `ramp_features` takes them (ndarray
        (ngroups, ny, nx) or (nints, ngroups, ny, nx) in DN, Quantity, list of
        `~astropy.nddata.CCDData`, FITS path), whose features are then computed.
    n_components : int, optional
        Number of clusters; default: chosen by BIC.
    max_components : int, optional
        Largest number of clusters the BIC choice tries (at least 2).
    features : sequence of str, optional
        Features to cluster on (names of `FEATURE_NAMES`).
    n_per_cluster : int, optional
        Pixels drawn at random from each cluster into `RampClusters.sample`.
    covariance_type : {'diag', 'full', 'tied', 'spherical'}, optional
        Covariance of each component. ``'full'`` models correlated features at a much
        higher cost (and BIC penalty).
    balance : bool, optional
        Fit on a subsample in which atypical pixels are over-represented (see above).
    max_fit_pixels : int, optional
        Pixels the mixture is fitted on at most (before balancing).
    exclude : array of bool, optional
        (ny, nx) pixels to leave out (e.g. reference pixels).
    seed : int or None, optional
        Seed of the subsampling, the mixture and the sample; the same seed gives the same
        clusters and sample.
    times, group_time, gain, read_noise, unit, integration
        As for `ramp_features`, when ``ramps`` are ramps.
    progress : bool, optional
        Show progress bars (features, then the numbers of components tried).

    Returns
    -------
    RampClusters

    Raises
    ------
    ValueError
        For bad parameter values (the message names the parameter) or too few usable
        pixels.

    Examples
    --------
    >>> import numpy as np
    >>> from ccdbadpix.ramps.clustering import cluster_ramps
    >>> from ccdbadpix.simulate import simulate_ramps
    >>> sim = simulate_ramps((64, 64), ngroups=30, seed=1,
    ...                      fractions={"dead": 0.03, "saturated": 0.03})
    >>> clusters = cluster_ramps(sim.data, times=sim.times, gain=sim.gain,
    ...                          read_noise=sim.read_noise, max_components=8,
    ...                          n_per_cluster=5)
    >>> 2 <= clusters.n_components <= 8, sorted(clusters.bic) == list(range(2, 9))
    (True, True)
    >>> int(clusters.sizes.sum()) == 64 * 64
    True

    The share of the dead and of the saturated pixels that land in clusters holding
    mostly other pixels than good ones (here all do; on other detectors some may share a
    cluster with good pixels, so inspect the sample of each cluster):

    >>> good = sim.mask("good")
    >>> good_share = np.array([good[clusters.labels == c].mean()
    ...                        for c in range(clusters.n_components)])
    >>> [round(float(np.mean(good_share[clusters.labels[sim.mask(name)]] < 0.5)), 2)
    ...  for name in ("dead", "saturated")]
    [1.0, 1.0]
    >>> clusters.sample.colnames[:5]
    ['cluster', 'x', 'y', 'verified_label', 'rate']
    """
    n_components = None if n_components is None else _check_int(n_components,
                                                                 "n_components", 1)
    max_components = _check_int(max_components, "max_components", 2)
    n_per_cluster = _check_int(n_per_cluster, "n_per_cluster", 1)
    max_fit_pixels = _check_int(max_fit_pixels, "max_fit_pixels", 2)
    n_init = _check_int(n_init, "n_init", 1)
    covariance_type = _check_covariance_type(covariance_type)
    names = _check_features(features)
    seed = _check_seed(seed)
    balance = _boolean(balance, "balance")
    progress = _boolean(progress, "progress")
    options = dict(times=times, group_time=group_time, gain=gain, read_noise=read_noise,
                   unit=unit)
    feats, cube, ramp_unit = _features_to_cluster(ramps, names, options, integration,
                                                  progress)
    pixels = _usable_pixels(feats, names, exclude)
    all_values = feats.values.reshape(len(feats.names), -1)  # a view
    rows = [feats.names.index(n) for n in names]

    def raw(index):  # (len(index), nfeatures) float64, copying only those pixels
        return all_values[:, index][rows].T.astype(np.float64)

    # the random draws, in this order: fit subsample, balancing, mixture seed, sample
    rng = np.random.default_rng(seed)
    fit = pixels if pixels.size <= max_fit_pixels else np.sort(
        rng.choice(pixels, max_fit_pixels, replace=False))
    preprocessor, z_fit = _fit_preprocessor(raw(fit))
    weight = None
    if balance:
        keep, weight = _balanced_subset(z_fit, rng)
        z_fit = z_fit[keep]
    candidates = [n_components] if n_components is not None else list(
        range(2, max_components + 1))
    if z_fit.shape[0] < max(candidates) + 1:
        raise ValueError(f"only {z_fit.shape[0]} usable pixels to fit {max(candidates)} "
                         "components (n_components / max_components)")
    random_state = int(rng.integers(2**31 - 1))
    best, gm, bic = _choose_mixture(z_fit, candidates, covariance_type, n_init,
                                    random_state, progress)
    if weight is not None:  # weights of the population, not of the balanced fit
        _population_weights(gm, z_fit, weight)
    flat = _predict(gm, preprocessor, raw, pixels, feats.finite.size)
    sizes = _number_by_size(gm, flat, pixels, best)

    means = _cluster_means(feats, all_values, flat[pixels], pixels, sizes)
    drawn = _draw_sample(np.random.default_rng(rng.integers(2**63 - 1)), flat[pixels],
                         pixels, sizes, n_per_cluster)
    sample = _sample_table(feats, all_values, flat, drawn)
    for table in (sample, means):
        if "rate" in table.colnames:
            table["rate"].unit = u.electron / u.s
    sample.meta.update(cluster_features=list(names), n_components=int(best),
                       covariance_type=covariance_type, balance=bool(balance),
                       seed=seed if seed is None else int(seed))
    return RampClusters(labels=flat.reshape(feats.finite.shape), n_components=int(best),
                        bic=None if n_components is not None else bic, sizes=sizes,
                        means=means, sample=sample, features=feats, feature_names=names,
                        mixture=gm, preprocessor=preprocessor, ramps=cube,
                        ramp_unit=ramp_unit)


def _cluster_means(feats, all_values, ids, pixels, sizes):
    """Table of ``cluster``, ``size`` and the mean of every feature, one row per cluster."""
    best = sizes.size
    means = Table([np.arange(best), sizes], names=("cluster", "size"))
    with np.errstate(invalid="ignore", divide="ignore"):
        for i, name in enumerate(feats.names):
            total = np.bincount(ids, weights=all_values[i, pixels].astype(np.float64),
                                minlength=best)
            means[name] = total / sizes
    return means


def _draw_sample(rng, ids, pixels, sizes, n_per_cluster):
    """Flat indices of up to ``n_per_cluster`` pixels drawn from each cluster, in order."""
    draws = []
    members_by = np.argsort(ids, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    for c in range(sizes.size):
        members = pixels[members_by[bounds[c]:bounds[c + 1]]]
        n = min(n_per_cluster, members.size)
        if n:
            draws.append(rng.choice(members, n, replace=False))
    return np.concatenate(draws) if draws else np.zeros(0, dtype=np.int64)


def _sample_table(feats, all_values, flat, drawn):
    """The sample to verify: cluster, x, y, an empty ``verified_label``, every feature."""
    ys, xs = np.unravel_index(drawn, feats.finite.shape)
    sample = Table([flat[drawn], xs, ys, np.zeros(drawn.size, dtype=f"U{_LABEL_WIDTH}")],
                   names=("cluster", "x", "y", "verified_label"))
    for i, name in enumerate(feats.names):
        sample[name] = all_values[i, drawn]
    sample["verified_label"].description = (
        "to fill in: the class you see (" + ", ".join(SUGGESTED_LABELS) + ", or your own)")
    sample.meta["comments"] = list(_INSTRUCTIONS)
    return sample


def training_set_from_sample(sample, features=None):
    """Features and labels of the verified rows of a sample, to train a classifier.

    Parameters
    ----------
    sample : `~astropy.table.Table`, str or `~pathlib.Path`
        `RampClusters.sample`, or a file of it (e.g. from `RampClusters.write_sample`)
        with ``verified_label`` filled in. Rows whose label is empty or masked are left
        out.
    features : sequence of str, optional
        Feature columns to return (default `FEATURE_NAMES`, what
        `~ccdbadpix.ramps.forest.RampClassifier` expects).

    Returns
    -------
    features : `~astropy.table.Table`
        One column per feature, one row per verified pixel.
    labels : `~numpy.ndarray`
        The verified class names (str, stripped of surrounding spaces).

    Examples
    --------
    >>> from ccdbadpix.ramps.forest import RampClassifier
    >>> from ccdbadpix.ramps.clustering import cluster_ramps, training_set_from_sample
    >>> from ccdbadpix.simulate import simulate_ramps
    >>> sim = simulate_ramps((24, 24), ngroups=10, seed=0, fractions={"hot": 0.1})
    >>> clusters = cluster_ramps(sim.data, times=sim.times, gain=sim.gain,
    ...                          read_noise=sim.read_noise, n_components=3)
    >>> sample = clusters.sample
    >>> truth = sim.observable_labels()[sample["y"], sample["x"]]
    >>> sample["verified_label"] = [sim.classes[i] for i in truth]  # a person's verdicts
    >>> x, y = training_set_from_sample(sample)
    >>> len(x) == len(sample), "hot" in y
    (True, True)
    >>> clf = RampClassifier(n_estimators=5, random_state=0).fit(x, y)
    """
    if isinstance(sample, str | Path):
        path = Path(sample)
        if not path.exists():
            raise FileNotFoundError(f"sample: no file at {path}")
        try:
            sample = Table.read(path)
        except Exception as exc:  # astropy's readers raise many kinds of errors
            raise ValueError(f"sample: cannot read {path} as a table (e.g. the ECSV file of "
                             f"RampClusters.write_sample): {exc}") from exc
    if not isinstance(sample, Table):
        raise TypeError(f"sample must be an astropy Table or a path, got "
                        f"{type(sample).__name__}")
    names = FEATURE_NAMES if features is None else _check_features(features)
    if "verified_label" not in sample.colnames:
        raise ValueError("sample has no verified_label column (use RampClusters.sample or "
                         "its file from write_sample)")
    missing = [n for n in names if n not in sample.colnames]
    if missing:
        raise ValueError(f"sample lacks the feature columns {missing}")
    col = sample["verified_label"]
    labels = np.asarray(col.filled("") if isinstance(col, MaskedColumn) else col).astype(str)
    labels = np.char.strip(labels)
    filled = labels != ""
    if not filled.any():
        raise ValueError("no row of the sample has a verified_label: fill in the class "
                         f"of some pixels ({', '.join(SUGGESTED_LABELS)}, or your own)")
    table = Table([np.asarray(sample[n])[filled] for n in names], names=names)
    return table, labels[filled]
