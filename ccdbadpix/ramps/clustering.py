"""`cluster_ramps`: the benchmark-building workflow of the Ariel AIRS-CH1 study.

Cluster the per-pixel ramp features with a Gaussian Mixture, draw a few pixels of each
cluster for a person to verify by eye (a table to fill in and a contact sheet of their
ramps), then train a `~ccdbadpix.ramps.forest.RampClassifier` on the verified labels:

1. ``clusters = cluster_ramps(ramps, times=..., gain=...)``;
2. ``clusters.write_sample("sample.ecsv")`` and ``clusters.plot_contact_sheet("sheet.pdf")``;
3. fill in the ``verified_label`` column of ``sample.ecsv``;
4. ``RampClassifier().fit(*training_set_from_sample("sample.ecsv"))``.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.table import MaskedColumn, Table

from ccdbadpix.ramps._io import _load_ramps
from ccdbadpix.ramps._kernel import FEATURE_NAMES
from ccdbadpix.ramps.features import RampFeatures, ramp_features
from ccdbadpix.utils._checks import _boolean
from ccdbadpix.utils._files import _atomic_write
from ccdbadpix.utils._optional_deps import optional_import
from ccdbadpix.utils._progress import _progress

__all__ = ["DEFAULT_CLUSTER_FEATURES", "RampClusters", "cluster_ramps",
           "training_set_from_sample"]

#: Features `cluster_ramps` clusters on by default: every feature of `ramp_features`
#: except ``log_ngroups``, which is the same for every pixel of a cube.
DEFAULT_CLUSTER_FEATURES = tuple(n for n in FEATURE_NAMES if n != "log_ngroups")

#: Class names a person verifying the sample would usually use.
SUGGESTED_LABELS = ("good", "hot", "warm", "dead", "telegraph", "nonlinear", "saturated",
                    "cosmic_ray", "decreasing")

_COVARIANCE_TYPES = ("diag", "full", "tied", "spherical")
_ATYPICAL_SIGMA = 10.0  # robust sigmas (any feature) beyond which a pixel is atypical
_TYPICAL_SHARE = 0.3  # typical pixels kept by balance=True, at least this share
_REG_COVAR = 1e-3  # added to the covariance diagonals (standardised units)
_CHUNK = 262_144  # pixels predicted at a time
_LABEL_WIDTH = 32  # characters of the in-memory verified_label column

_INSTRUCTIONS = (
    "Pixels drawn at random from each cluster of cluster_ramps, to verify by eye "
    "(see the contact sheet of their ramps).",
    "Fill in verified_label with a class name (" + ", ".join(SUGGESTED_LABELS)
    + ", or your own) and pass the table or this file to RampClassifier.fit via "
    "ccdbadpix.ramps.clustering.training_set_from_sample; rows left empty are ignored.",
)


def _signed_log(x):
    """``sign(x) * log(1 + |x|)``: compresses the heavy tails of the features."""
    return np.sign(x) * np.log1p(np.abs(x))


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_features(features):
    if features is None:
        return DEFAULT_CLUSTER_FEATURES
    if isinstance(features, str):
        features = (features,)
    if not np.iterable(features) or not all(isinstance(n, str) for n in features):
        raise TypeError(f"features must be a sequence of feature names, got {features!r}")
    names = tuple(features)
    if not names:
        raise ValueError("features must name at least one feature")
    unknown = [n for n in names if n not in FEATURE_NAMES]
    if unknown:
        raise ValueError(f"features: unknown feature name(s) {unknown}; valid names are "
                         f"{FEATURE_NAMES}")
    if len(set(names)) != len(names):
        raise ValueError(f"features names a feature twice: {list(names)}")
    return names


def _balanced_subset(z, rng):
    """Indices into ``z`` to fit on, and each one's weight in the full population.

    A pixel is atypical when any coordinate of ``z`` lies more than `_ATYPICAL_SIGMA`
    robust sigmas (interquartile range / 1.349, or the standard deviation where the
    range is 0) from the median. All atypical pixels are kept, and as many typical ones
    (at least `_TYPICAL_SHARE` of ``z``); the typical pixels left out are represented by the
    weights of the ones kept.
    """
    median = np.median(z, axis=0)
    q1, q3 = np.percentile(z, [25, 75], axis=0)
    scale = (q3 - q1) / 1.349
    std = z.std(axis=0)
    scale = np.where(scale > 0, scale, np.where(std > 0, std, np.inf))
    atypical = (np.abs(z - median) > _ATYPICAL_SIGMA * scale).any(axis=1)
    n_atyp, typical = int(atypical.sum()), np.flatnonzero(~atypical)
    keep = min(typical.size, max(n_atyp, int(_TYPICAL_SHARE * z.shape[0])))
    kept = rng.permutation(typical)[:keep]
    index = np.concatenate([np.flatnonzero(atypical), np.sort(kept)])
    weight = np.ones(index.size)
    if keep:
        weight[n_atyp:] = typical.size / keep
    return index, weight


def _fit_mixture(z, k, covariance_type, n_init, random_state):
    from sklearn.mixture import GaussianMixture

    return GaussianMixture(n_components=k, covariance_type=covariance_type,
                           reg_covar=_REG_COVAR, max_iter=300, n_init=n_init,
                           random_state=random_state).fit(z)


def _permute_mixture(gm, order):
    """Reorder the components of a fitted mixture in place (component ``order[i]`` -> i)."""
    names = ["weights_", "means_"]
    if gm.covariance_type != "tied":
        names += ["covariances_", "precisions_", "precisions_cholesky_"]
    for name in names:
        setattr(gm, name, getattr(gm, name)[order])


def _one_thread():
    """Context limiting BLAS/OpenMP threads: the small matrix products of a mixture run
    faster on one thread than on several contended ones, and give the same bits whatever
    the caller's thread settings."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _check_suffix(path):
    FigureCanvasBase = optional_import("matplotlib.backend_bases", "plotting").FigureCanvasBase

    fmt = Path(path).suffix.lower().lstrip(".")
    supported = FigureCanvasBase.get_supported_filetypes()
    if fmt not in supported:
        raise ValueError(f"path must end in an image format matplotlib writes (.png, .pdf, "
                         f"...: {sorted(supported)}), got {str(path)!r}")
    return fmt


@dataclass(frozen=True, eq=False)
class RampClusters:
    """Gaussian-Mixture clusters of ramp features and a sample to verify, from `cluster_ramps`.

    Attributes
    ----------
    labels : `~numpy.ndarray`
        (ny, nx) int cluster of each pixel, -1 for pixels left out (non-finite ramps or
        features, ``exclude``). Clusters are numbered by size, largest first.
    n_components : int
        Number of clusters (mixture components; a component may end up with no pixel).
    bic : dict or None
        Bayesian information criterion of each number of components tried, when
        ``n_components`` was chosen by it; None when it was given.
    sizes : `~numpy.ndarray`
        Pixels in each cluster.
    means : `~astropy.table.Table`
        One row per cluster: ``cluster``, ``size`` and the mean of every feature.
    sample : `~astropy.table.Table`
        Up to ``n_per_cluster`` pixels drawn at random from each cluster: ``cluster``,
        ``x``, ``y``, an empty ``verified_label`` column to fill in, and every feature.
    features : `~ccdbadpix.ramps.features.RampFeatures`
        The feature maps clustered.
    feature_names : tuple of str
        The features the mixture was fitted on.
    mixture : `sklearn.mixture.GaussianMixture`
        The fitted mixture; component ``i`` is cluster ``i``. It works on the
        features after ``preprocessor``.
    preprocessor : `sklearn.pipeline.Pipeline`
        Fitted map from raw feature values, (npixels, len(feature_names)), to the space
        of the mixture: signed logarithm, standardisation, rotation onto the principal
        axes. ``mixture.predict(preprocessor.transform(x))`` clusters new pixels.
    ramps : array or None
        The (ngroups, ny, nx) counts the features describe, kept (not copied) for
        `plot_contact_sheet`; None when the clusters were built from `RampFeatures`.
    ramp_unit : str
        Unit of ``ramps`` (``"DN"`` or ``"electron"``).

    Examples
    --------
    >>> from ccdbadpix.ramps.clustering import cluster_ramps
    >>> from ccdbadpix.simulate import simulate_ramps
    >>> sim = simulate_ramps((16, 16), ngroups=10, seed=0)
    >>> clusters = cluster_ramps(sim.data, times=sim.times, gain=sim.gain,
    ...                          read_noise=sim.read_noise, n_components=2,
    ...                          n_per_cluster=4)
    >>> clusters
    <RampClusters 2 clusters (given) of 256 pixels, 0 left out; sample of 8>
    >>> clusters.labels.shape, len(clusters.means)
    ((16, 16), 2)
    """

    labels: np.ndarray
    n_components: int
    bic: dict | None
    sizes: np.ndarray
    means: Table
    sample: Table
    features: RampFeatures = field(repr=False)
    feature_names: tuple = field(repr=False)
    mixture: object = field(repr=False)
    preprocessor: object = field(repr=False)
    ramps: object = field(default=None, repr=False)
    ramp_unit: str = "DN"

    def __repr__(self):
        how = "chosen by BIC" if self.bic is not None else "given"
        excluded = int((self.labels < 0).sum())
        return (f"<RampClusters {self.n_components} clusters ({how}) of "
                f"{self.labels.size - excluded} pixels, {excluded} left out; "
                f"sample of {len(self.sample)}>")

    def write_sample(self, path, overwrite=False):
        """Write `sample` as an ECSV table for a person to fill in ``verified_label``.

        The file's header explains what to do. Once filled in, pass the file to
        `training_set_from_sample`. (Reading it back with `~astropy.table.Table.read`,
        the still-empty ``verified_label`` column comes back masked and one character
        wide: assign the whole column, ``t["verified_label"] = names``, rather than
        single items, which astropy would truncate.)

        Parameters
        ----------
        path : str or `~pathlib.Path`
            Output file (``.ecsv``).
        overwrite : bool, optional
            Replace an existing file (otherwise `FileExistsError`).

        Returns
        -------
        `~pathlib.Path`
            The file written (atomically).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from astropy.table import MaskedColumn, Table
        >>> from ccdbadpix.ramps.clustering import cluster_ramps
        >>> from ccdbadpix.simulate import simulate_ramps
        >>> sim = simulate_ramps((24, 24), ngroups=10, seed=0)
        >>> clusters = cluster_ramps(sim.data, times=sim.times, gain=sim.gain,
        ...                          read_noise=sim.read_noise, n_components=2,
        ...                          n_per_cluster=3)
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "sample.ecsv"
        >>> _ = clusters.write_sample(path)
        >>> Table.read(path).colnames[:4]
        ['cluster', 'x', 'y', 'verified_label']
        """
        table = self.sample.copy()
        return _atomic_write(
            path, lambda tmp: table.write(tmp, format="ascii.ecsv", overwrite=True), overwrite)

    def plot_contact_sheet(self, path=None, *, ramps=None, max_per_cluster=12,
                           overwrite=False):
        """Grid of the sampled ramps: one row per cluster, one small panel per pixel.

        Each panel shows a pixel's signal minus its first group against time, titled
        with its (x, y); the first panel of a row names the cluster and its size. The
        pixels are the first ``max_per_cluster`` rows of each cluster in `sample`.

        Parameters
        ----------
        path : str or `~pathlib.Path`, optional
            Save the figure there, in the format of its extension (``.png``, ``.pdf``,
            ...), atomically.
        ramps : optional
            The ramps, when the clusters were built from `RampFeatures` (anything
            `ramp_features` accepts; of several integrations the first is drawn).
        max_per_cluster : int, optional
            Panels per row at most.
        overwrite : bool, optional
            Replace an existing ``path`` (otherwise `FileExistsError`).

        Returns
        -------
        `matplotlib.figure.Figure`

        Examples
        --------
        >>> from ccdbadpix.ramps.clustering import cluster_ramps
        >>> from ccdbadpix.simulate import simulate_ramps
        >>> sim = simulate_ramps((24, 24), ngroups=10, seed=0)
        >>> clusters = cluster_ramps(sim.data, times=sim.times, gain=sim.gain,
        ...                          read_noise=sim.read_noise, n_components=2,
        ...                          n_per_cluster=3)
        >>> fig = clusters.plot_contact_sheet()
        >>> len(fig.axes)  # 2 clusters x 3 pixels
        6
        """
        from ccdbadpix.plotting.figures import _pyplot

        max_per_cluster = _check_int(max_per_cluster, "max_per_cluster", 1)
        fmt = None
        if path is not None:
            fmt = _check_suffix(path)
            if Path(path).exists() and not overwrite:
                raise FileExistsError(f"{path} already exists; pass overwrite=True to "
                                      "replace it")
        cube, unit = self.ramps, self.ramp_unit
        if ramps is not None:
            r = _load_ramps(ramps, times=self.features.times)
            cube, unit = r.cube[0], ("electron" if r.count_unit == u.electron else "DN")
        if cube is None:
            raise ValueError("ramps: these clusters were built from RampFeatures, which "
                             "hold no ramps; pass ramps= to draw them")
        if tuple(cube.shape[-2:]) != self.labels.shape:
            raise ValueError(f"ramps must cover the clustered pixels {self.labels.shape}, "
                             f"got shape {tuple(cube.shape)}")
        times = self.features.times.to_value(u.s)
        rows = []
        for c in range(self.n_components):
            picked = self.sample[self.sample["cluster"] == c][:max_per_cluster]
            if len(picked):
                rows.append((c, picked))
        if not rows:
            raise ValueError("the sample is empty: nothing to draw")
        ncols = max(len(p) for _, p in rows)
        plt = _pyplot()
        fig = plt.figure(figsize=(0.6 + 1.55 * ncols, 0.7 + 1.25 * len(rows)))
        axes = fig.subplots(len(rows), ncols, squeeze=False, sharex=True)
        for i, (c, picked) in enumerate(rows):
            for j in range(ncols):
                ax = axes[i, j]
                if j >= len(picked):
                    ax.set_axis_off()
                    continue
                x, y = int(picked["x"][j]), int(picked["y"][j])
                ramp = cube[:, y, x]
                ramp = np.asarray(ramp.compute() if hasattr(ramp, "compute") else ramp,
                                  dtype=float)
                ax.plot(times, ramp - ramp[0], color=f"C{c % 10}", lw=0.8)
                ax.set_title(f"({x}, {y})", fontsize=6, pad=2)
                ax.tick_params(labelsize=5, length=2, pad=1)
                ax.locator_params(nbins=3)
                ax.yaxis.get_offset_text().set_fontsize(5)
                if j == 0:
                    ax.set_ylabel(f"cluster {c}\n{int(self.sizes[c])} px", fontsize=7)
        fig.supxlabel("time [s]", fontsize=8)
        fig.supylabel(f"signal - first group [{unit}]", fontsize=8)
        fig.subplots_adjust(left=0.5 / fig.get_figwidth() + 0.06, right=0.98,
                            bottom=0.45 / fig.get_figheight(), top=1 - 0.2 / fig.get_figheight(),
                            wspace=0.45, hspace=0.55)
        if path is not None:
            _atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=150), overwrite)
        return fig


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

    Dead and saturated pixels land in clusters of their own, with few good pixels:

    >>> good = sim.mask("good")
    >>> good_share = np.array([good[clusters.labels == c].mean()
    ...                        for c in range(clusters.n_components)])
    >>> [float(np.mean(good_share[clusters.labels[sim.mask(name)]] < 0.5))
    ...  for name in ("dead", "saturated")]
    [1.0, 1.0]
    >>> clusters.sample.colnames[:5]
    ['cluster', 'x', 'y', 'verified_label', 'rate']
    """
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    if n_components is not None:
        n_components = _check_int(n_components, "n_components", 1)
    max_components = _check_int(max_components, "max_components", 2)
    n_per_cluster = _check_int(n_per_cluster, "n_per_cluster", 1)
    max_fit_pixels = _check_int(max_fit_pixels, "max_fit_pixels", 2)
    n_init = _check_int(n_init, "n_init", 1)
    if covariance_type not in _COVARIANCE_TYPES:
        raise ValueError(f"covariance_type must be one of {_COVARIANCE_TYPES}, got "
                         f"{covariance_type!r}")
    names = _check_features(features)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TypeError(f"seed must be an integer or None, got {seed!r}")
    if seed is not None and seed < 0:
        raise ValueError(f"seed must be a non-negative integer or None, got {seed}")
    balance = _boolean(balance, "balance")
    progress = _boolean(progress, "progress")

    cube, ramp_unit = None, "DN"
    if isinstance(ramps, RampFeatures):
        given = {k: v for k, v in dict(times=times, group_time=group_time, gain=gain,
                                       read_noise=read_noise, unit=unit).items()
                 if v is not None}
        if integration != 0:
            given["integration"] = integration
        if given:
            raise ValueError(f"ramps are RampFeatures already: {sorted(given)} only apply "
                             "when ramps are given")
        feats = ramps
    else:
        r = _load_ramps(ramps, times=times, group_time=group_time, gain=gain, unit=unit)
        if isinstance(integration, bool) or not isinstance(integration, int | np.integer):
            raise TypeError(f"integration must be an integer, got {integration!r}")
        feats = ramp_features(r.cube, times=r.times, gain=r.gain, read_noise=read_noise,
                              unit=r.count_unit, integration=integration, progress=progress)
        cube = r.cube[integration]
        ramp_unit = "electron" if r.count_unit == u.electron else "DN"
    missing = [n for n in names if n not in feats.names]
    if missing:
        raise ValueError(f"features: the RampFeatures lack {missing}")

    shape = feats.finite.shape
    valid = feats.finite.copy()
    if exclude is not None:
        exclude = np.asarray(exclude)
        if exclude.shape != shape or exclude.dtype != bool:
            raise ValueError(f"exclude must be a boolean map of shape {shape}, got "
                             f"{exclude.dtype} {exclude.shape}")
        valid &= ~exclude
    all_values = feats.values.reshape(len(feats.names), -1)  # a view
    rows = [feats.names.index(n) for n in names]
    for i in rows:
        valid &= np.isfinite(all_values[i]).reshape(shape)
    pixels = np.flatnonzero(valid)
    if pixels.size < 2:
        raise ValueError(f"only {pixels.size} pixels have finite ramps and features (and "
                         "are not excluded): nothing to cluster")

    def raw(index):  # (len(index), nfeatures) float64, copying only those pixels
        return all_values[:, index][rows].T.astype(np.float64)

    rng = np.random.default_rng(seed)
    fit = pixels if pixels.size <= max_fit_pixels else np.sort(
        rng.choice(pixels, max_fit_pixels, replace=False))
    preprocessor = make_pipeline(FunctionTransformer(_signed_log), StandardScaler(),
                                 PCA(svd_solver="full"))
    with _one_thread():  # the same scaling and projection whatever the BLAS threads
        z_fit = preprocessor.fit_transform(raw(fit))
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

    models, bic = {}, {}
    with _one_thread():
        for k in _progress(candidates, progress and len(candidates) > 1):
            models[k] = _fit_mixture(z_fit, k, covariance_type, n_init, random_state)
            bic[k] = float(models[k].bic(z_fit))
        best = n_components if n_components is not None else min(bic, key=bic.get)
        gm = models[best]
        if weight is not None:  # weights of the population, not of the balanced fit
            resp = gm.predict_proba(z_fit)
            w = np.maximum((weight[:, None] * resp).sum(axis=0), 1e-12 * weight.sum())
            gm.weights_ = w / w.sum()
        flat = np.full(valid.size, -1, dtype=np.int64)
        for start in range(0, pixels.size, _CHUNK):
            chunk = pixels[start:start + _CHUNK]
            flat[chunk] = gm.predict(preprocessor.transform(raw(chunk)))

    # number clusters by size, largest first, and reorder the mixture to match
    sizes = np.bincount(flat[pixels], minlength=best)
    order = np.argsort(-sizes, kind="stable")
    _permute_mixture(gm, order)
    rank = np.empty(best, dtype=np.int64)
    rank[order] = np.arange(best)
    flat[pixels] = rank[flat[pixels]]
    labels = flat.reshape(shape)
    sizes = sizes[order]

    # per-cluster means of every feature
    ids = flat[pixels]
    means = Table([np.arange(best), sizes], names=("cluster", "size"))
    with np.errstate(invalid="ignore", divide="ignore"):
        for i, name in enumerate(feats.names):
            total = np.bincount(ids, weights=all_values[i, pixels].astype(np.float64),
                                minlength=best)
            means[name] = total / sizes
    # the sample to verify
    draws = []
    sample_rng = np.random.default_rng(rng.integers(2**63 - 1))
    members_by = np.argsort(ids, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    for c in range(best):
        members = pixels[members_by[bounds[c]:bounds[c + 1]]]
        n = min(n_per_cluster, members.size)
        if n:
            draws.append(sample_rng.choice(members, n, replace=False))
    drawn = np.concatenate(draws) if draws else np.zeros(0, dtype=np.int64)
    ys, xs = np.unravel_index(drawn, shape)
    sample = Table([flat[drawn], xs, ys, np.zeros(drawn.size, dtype=f"U{_LABEL_WIDTH}")],
                   names=("cluster", "x", "y", "verified_label"))
    for i, name in enumerate(feats.names):
        sample[name] = all_values[i, drawn]
    for table in (sample, means):
        if "rate" in table.colnames:
            table["rate"].unit = u.electron / u.s
    sample["verified_label"].description = (
        "to fill in: the class you see (" + ", ".join(SUGGESTED_LABELS) + ", or your own)")
    sample.meta["comments"] = list(_INSTRUCTIONS)
    sample.meta.update(cluster_features=list(names), n_components=int(best),
                       covariance_type=covariance_type, balance=bool(balance),
                       seed=seed if seed is None else int(seed))
    return RampClusters(labels=labels, n_components=int(best),
                        bic=None if n_components is not None else bic, sizes=sizes,
                        means=means, sample=sample, features=feats, feature_names=names,
                        mixture=gm, preprocessor=preprocessor, ramps=cube,
                        ramp_unit=ramp_unit)


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
