"""The Gaussian-Mixture steps of `~ccdbadpix.ramps.clustering.cluster_ramps`, on plain
arrays: the preprocessing (signed log, scaling, rotation), the balanced fit subsample,
the choice of the number of components by BIC, the prediction and the numbering of the
clusters by size. The random draws happen in the caller, in a fixed order."""

import numpy as np

from ccdbadpix.utils._progress import _progress

__all__ = []

_ATYPICAL_SIGMA = 10.0  # robust sigmas (any feature) beyond which a pixel is atypical
_TYPICAL_SHARE = 0.3  # typical pixels kept by balance=True, at least this share
_REG_COVAR = 1e-3  # added to the covariance diagonals (standardised units)
_CHUNK = 262_144  # pixels predicted at a time


def _signed_log(x):
    """``sign(x) * log(1 + |x|)``: compresses the heavy tails of the features."""
    return np.sign(x) * np.log1p(np.abs(x))


def _one_thread():
    """Context limiting BLAS/OpenMP threads: the small matrix products of a mixture run
    faster on one thread than on several contended ones, and give the same bits whatever
    the caller's thread settings."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _fit_preprocessor(x):
    """The fitted map of raw features to the mixture's space, and ``x`` mapped by it."""
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    preprocessor = make_pipeline(FunctionTransformer(_signed_log), StandardScaler(),
                                 PCA(svd_solver="full"))
    with _one_thread():  # the same scaling and projection whatever the BLAS threads
        z = preprocessor.fit_transform(x)
    return preprocessor, z


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
    """A ``k``-component `sklearn.mixture.GaussianMixture` fitted on ``z``."""
    from sklearn.mixture import GaussianMixture

    return GaussianMixture(n_components=k, covariance_type=covariance_type,
                           reg_covar=_REG_COVAR, max_iter=300, n_init=n_init,
                           random_state=random_state).fit(z)


def _choose_mixture(z, candidates, covariance_type, n_init, random_state, progress):
    """(number of components, its mixture, BIC per candidate): the lowest BIC wins."""
    models, bic = {}, {}
    with _one_thread():
        for k in _progress(candidates, progress and len(candidates) > 1):
            models[k] = _fit_mixture(z, k, covariance_type, n_init, random_state)
            bic[k] = float(models[k].bic(z))
    best = min(bic, key=bic.get)
    return best, models[best], bic


def _population_weights(gm, z, weight):
    """Set the mixture weights to the population's, from the balanced fit's ``weight``."""
    with _one_thread():
        resp = gm.predict_proba(z)
    w = np.maximum((weight[:, None] * resp).sum(axis=0), 1e-12 * weight.sum())
    gm.weights_ = w / w.sum()


def _predict(gm, preprocessor, raw, pixels, size):
    """(size,) int64 component of each of ``pixels`` (-1 elsewhere), chunk by chunk;
    ``raw(index)`` gives the raw features of those pixels."""
    flat = np.full(size, -1, dtype=np.int64)
    with _one_thread():
        for start in range(0, pixels.size, _CHUNK):
            chunk = pixels[start:start + _CHUNK]
            flat[chunk] = gm.predict(preprocessor.transform(raw(chunk)))
    return flat


def _permute_mixture(gm, order):
    """Reorder the components of a fitted mixture in place (component ``order[i]`` -> i)."""
    names = ["weights_", "means_"]
    if gm.covariance_type != "tied":
        names += ["covariances_", "precisions_", "precisions_cholesky_"]
    for name in names:
        setattr(gm, name, getattr(gm, name)[order])


def _number_by_size(gm, flat, pixels, best):
    """Renumber clusters by size, largest first (``flat`` in place, the mixture to
    match); returns the sizes in the new order."""
    sizes = np.bincount(flat[pixels], minlength=best)
    order = np.argsort(-sizes, kind="stable")
    _permute_mixture(gm, order)
    rank = np.empty(best, dtype=np.int64)
    rank[order] = np.arange(best)
    flat[pixels] = rank[flat[pixels]]
    return sizes[order]
