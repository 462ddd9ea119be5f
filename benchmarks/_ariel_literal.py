"""Literal, vectorised baseline of the Ariel AIRS-CH1 bad-pixel classifier.

The published method computes per-pixel features of the up-the-ramp signal, min-max
normalises them over the dataset being classified and feeds them to a Random Forest whose
tree-vote fraction is the confidence. This module implements it *as written* (no noise
normalisation, no other improvements) so that benchmarks can compare against it.

Features (21 per pixel, see `FEATURE_NAMES`):

- signal moments of the ramp values: mean, std, skewness, kurtosis;
- rate of change ``d = np.diff(ramp)``: sum of variations ``sum |d|``, mean, std, median,
  ``max |d|``, ``max |d|`` over the mean ``|d|`` of the other differences, number of
  jumps ``|d - median(d)| > 5 * 1.4826 * MAD(d)``, skewness and kurtosis of ``d``;
- wavelets: ``pywt.wavedec(ramp, "db1", axis=0)`` (default, i.e. maximum, level); the
  first 4 approximation and the first 4 detail coefficients of the deepest level,
  zero-padded when that level has fewer than 4.

Undefined moments (constant ramps or differences) are set to 0.

Run ``python benchmarks/_ariel_literal.py`` for a self-check on the project simulator.
"""

import time
import warnings
from typing import NamedTuple

import numpy as np
import pywt
from scipy import stats
from sklearn.ensemble import RandomForestClassifier

__all__ = ["FEATURE_NAMES", "ArielLiteralClassifier", "LiteralResult", "ariel_features",
           "minmax_normalise", "run_literal"]

_NWAVE = 4
_MAD_SCALE = 1.4826
_JUMP_NSIGMA = 5.0
_SUBSET_TAG = 0x41726965  # "Arie"

#: Names of the columns returned by `ariel_features`, in order.
FEATURE_NAMES = (
    "signal_mean", "signal_std", "signal_skew", "signal_kurtosis",
    "diff_sum_abs", "diff_mean", "diff_std", "diff_median", "diff_max_abs",
    "diff_max_abs_over_others", "diff_n_jumps", "diff_skew", "diff_kurtosis",
    *(f"wavelet_approx_{i}" for i in range(_NWAVE)),
    *(f"wavelet_detail_{i}" for i in range(_NWAVE)),
)


def _first_n(coeffs, n):
    """First ``n`` rows of ``coeffs`` (ncoeff, npix), zero-padded to ``n`` rows."""
    out = np.zeros((n, coeffs.shape[1]), dtype=np.float64)
    k = min(n, coeffs.shape[0])
    out[:k] = coeffs[:k]
    return out


def _tile_features(ramp):
    """Features of a tile of ramps.

    Parameters
    ----------
    ramp : `~numpy.ndarray`
        float64 (ngroups, npix) ramp values.

    Returns
    -------
    `~numpy.ndarray`
        float64 (npix, nfeat).
    """
    ngroups, npix = ramp.shape
    feats = np.empty((npix, len(FEATURE_NAMES)), dtype=np.float64)
    with warnings.catch_warnings():
        # scipy warns about (and returns NaN for) the moments of constant data.
        warnings.simplefilter("ignore", RuntimeWarning)
        feats[:, 0] = ramp.mean(axis=0)
        feats[:, 1] = ramp.std(axis=0)
        feats[:, 2] = stats.skew(ramp, axis=0)
        feats[:, 3] = stats.kurtosis(ramp, axis=0)

        d = np.diff(ramp, axis=0)
        absd = np.abs(d)
        sum_abs = absd.sum(axis=0)
        max_abs = absd.max(axis=0)
        median = np.median(d, axis=0)
        feats[:, 4] = sum_abs
        feats[:, 5] = d.mean(axis=0)
        feats[:, 6] = d.std(axis=0)
        feats[:, 7] = median
        feats[:, 8] = max_abs
        # max |d| over the mean |d| of the other ngroups - 2 differences
        others = (sum_abs - max_abs) / max(ngroups - 2, 1)
        feats[:, 9] = np.divide(max_abs, others, out=np.zeros(npix), where=others > 0)
        dev = np.abs(d - median)
        mad = np.median(dev, axis=0)
        feats[:, 10] = np.count_nonzero(dev > _JUMP_NSIGMA * _MAD_SCALE * mad, axis=0)
        feats[:, 11] = stats.skew(d, axis=0)
        feats[:, 12] = stats.kurtosis(d, axis=0)

    coeffs = pywt.wavedec(ramp, "db1", axis=0)
    j = 13
    feats[:, j:j + _NWAVE] = _first_n(coeffs[0], _NWAVE).T
    feats[:, j + _NWAVE:j + 2 * _NWAVE] = _first_n(coeffs[1], _NWAVE).T
    np.nan_to_num(feats, copy=False, nan=0.0)
    return feats


def ariel_features(cube, times, tile_pixels=65536):
    """Per-pixel ramp features of the Ariel AIRS-CH1 method.

    Parameters
    ----------
    cube : `~numpy.ndarray`
        (ngroups, ny, nx) ramp cube in DN, ``ngroups >= 3``.
    times : array-like or `~astropy.units.Quantity`
        (ngroups,) group times in s. The published features are per group index, so the
        times are only checked for length.
    tile_pixels : int, optional
        Approximate number of pixels per tile of whole rows; bounds the memory used
        (about ``10 * ngroups * tile_pixels * 8`` bytes of temporaries).

    Returns
    -------
    features : `~numpy.ndarray`
        float32 (ny * nx, nfeat), pixels in row-major (y, x) order.
    names : list of str
        The ``nfeat`` feature names (`FEATURE_NAMES`).
    """
    cube = np.asarray(cube)
    if cube.ndim != 3 or cube.shape[0] < 3:
        raise ValueError(f"cube must be (ngroups >= 3, ny, nx), got shape {cube.shape}")
    ngroups, ny, nx = cube.shape
    if np.shape(times) != (ngroups,):
        raise ValueError(f"times must have shape ({ngroups},), got {np.shape(times)}")
    rows = max(1, int(tile_pixels) // max(nx, 1))
    out = np.empty((ny * nx, len(FEATURE_NAMES)), dtype=np.float32)
    for y0 in range(0, ny, rows):
        y1 = min(ny, y0 + rows)
        ramp = cube[:, y0:y1].reshape(ngroups, -1).astype(np.float64)
        out[y0 * nx:y1 * nx] = _tile_features(ramp)
    return out, list(FEATURE_NAMES)


def minmax_normalise(features):
    """Min-max normalise each column over the dataset being classified.

    Parameters
    ----------
    features : `~numpy.ndarray`
        (npix, nfeat) features of one dataset.

    Returns
    -------
    `~numpy.ndarray`
        float32 (npix, nfeat) in [0, 1]; a constant column maps to 0.
    """
    x = np.asarray(features, dtype=np.float64)
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    scale = np.divide(1.0, span, out=np.zeros_like(span), where=span > 0)
    return ((x - lo) * scale).astype(np.float32)


class ArielLiteralClassifier:
    """Random Forest of the Ariel method; the tree-vote fraction is the confidence.

    Parameters
    ----------
    seed : int, optional
        ``random_state`` of the forest.
    n_estimators : int, optional
        Number of trees.
    n_jobs : int, optional
        Parallel jobs of the forest.
    """

    def __init__(self, seed=0, n_estimators=100, n_jobs=2):
        self.seed = seed
        self.forest = RandomForestClassifier(n_estimators=n_estimators, n_jobs=n_jobs,
                                             random_state=seed)

    def fit(self, X, y):
        """Fit the forest on normalised features ``X`` (npix, nfeat) and labels ``y``.

        Returns
        -------
        ArielLiteralClassifier
            ``self``.
        """
        self.forest.fit(X, np.asarray(y).ravel())
        return self

    def predict(self, X):
        """Classify normalised features ``X`` (npix, nfeat).

        Returns
        -------
        labels : `~numpy.ndarray`
            (npix,) predicted class labels.
        confidence : `~numpy.ndarray`
            (npix,) float, largest class probability (fraction of tree votes).
        """
        proba = self.forest.predict_proba(X)
        best = proba.argmax(axis=1)
        return self.forest.classes_[best], proba[np.arange(len(best)), best]


class LiteralResult(NamedTuple):
    """Result of `run_literal`.

    Attributes
    ----------
    labels : `~numpy.ndarray`
        (ny, nx) predicted labels of the test cube.
    confidence : `~numpy.ndarray`
        (ny, nx) float tree-vote fraction of the predicted label.
    timing : dict
        ``features_s`` / ``features_pix_per_s``: feature extraction plus normalisation of
        the test cube; ``predict_s`` / ``predict_pix_per_s``: forest prediction of the test
        cube; ``train_features_s`` and ``fit_s`` for the training cube; ``npix_test`` and
        ``npix_train`` (pixels used to fit).
    train_mask : `~numpy.ndarray`
        (ny, nx) bool of the training cube's pixels used to fit the forest.
    """

    labels: np.ndarray
    confidence: np.ndarray
    timing: dict
    train_mask: np.ndarray


def _normalised_features(cube, times):
    t0 = time.perf_counter()
    x = minmax_normalise(ariel_features(cube, times)[0])
    return x, time.perf_counter() - t0


def run_literal(train_cube, train_times, train_labels, test_cube, test_times,
                train_fraction=0.5, seed=0):
    """Train the literal method on one cube and classify another.

    Each cube is min-max normalised with its own minima and maxima. The forest is fitted
    on a random ``train_fraction`` of the training cube's pixels (drawn from
    ``default_rng([0x41726965, seed])``; the forest uses ``random_state=seed``).
    If ``test_cube is train_cube`` the features are computed once; evaluate on
    ``~result.train_mask`` for held-out pixels.

    Parameters
    ----------
    train_cube, test_cube : `~numpy.ndarray`
        (ngroups, ny, nx) cubes in DN (the two may differ in every dimension).
    train_times, test_times : array-like
        (ngroups,) group times in s of each cube.
    train_labels : `~numpy.ndarray`
        (ny, nx) integer labels of the training cube.
    train_fraction : float, optional
        Fraction of the training pixels used to fit, in (0, 1].
    seed : int, optional
        Seed of the pixel subset and of the forest.

    Returns
    -------
    LiteralResult
        ``(labels, confidence, timing, train_mask)``.
    """
    if not 0 < train_fraction <= 1:
        raise ValueError(f"train_fraction must be in (0, 1], got {train_fraction}")
    train_labels = np.asarray(train_labels)
    if train_labels.shape != np.shape(train_cube)[1:]:
        raise ValueError(f"train_labels shape {train_labels.shape} does not match the "
                         f"cube's (ny, nx) {np.shape(train_cube)[1:]}")
    x_train, t_train_feat = _normalised_features(train_cube, train_times)
    if test_cube is train_cube:
        x_test, t_feat = x_train, t_train_feat
    else:
        x_test, t_feat = _normalised_features(test_cube, test_times)

    # Tag the seed so the subset never replays a simulator's ``default_rng(seed)`` stream
    # (same seed, same ``choice`` call would pick exactly the simulated defect positions).
    rng = np.random.default_rng([_SUBSET_TAG, seed])
    npix = train_labels.size
    ntrain = max(1, round(train_fraction * npix))
    train_mask = np.zeros(npix, dtype=bool)
    train_mask[rng.choice(npix, ntrain, replace=False)] = True

    clf = ArielLiteralClassifier(seed=seed)
    t0 = time.perf_counter()
    clf.fit(x_train[train_mask], train_labels.ravel()[train_mask])
    t_fit = time.perf_counter() - t0

    t0 = time.perf_counter()
    labels, confidence = clf.predict(x_test)
    t_pred = time.perf_counter() - t0

    shape = np.shape(test_cube)[1:]
    ntest = labels.size
    timing = {
        "features_s": t_feat, "features_pix_per_s": ntest / t_feat,
        "predict_s": t_pred, "predict_pix_per_s": ntest / t_pred,
        "train_features_s": t_train_feat, "fit_s": t_fit,
        "npix_test": ntest, "npix_train": ntrain,
    }
    return LiteralResult(labels.reshape(shape), confidence.reshape(shape), timing,
                         train_mask.reshape(train_labels.shape))


if __name__ == "__main__":
    import astropy.units as u
    from sklearn.metrics import f1_score

    from ccdbadpix.simulate import simulate_ramps

    sim = simulate_ramps((256, 256), ngroups=60, seed=1)
    sim2 = simulate_ramps((256, 256), ngroups=40, gain=2.5 * u.electron / u.DN,
                          read_noise=18 * u.electron, group_time=5 * u.s, bias=8000 * u.DN,
                          ipc_alpha=0.02, seed=2)
    t1, t2 = sim.times.to_value(u.s), sim2.times.to_value(u.s)

    res = run_literal(sim.data, t1, sim.labels, sim.data, t1, train_fraction=0.5, seed=0)
    held = ~res.train_mask
    f1_self = f1_score(sim.labels[held], res.labels[held], average="macro")
    res2 = run_literal(sim.data, t1, sim.labels, sim2.data, t2, train_fraction=0.5, seed=0)
    f1_other = f1_score(sim2.labels.ravel(), res2.labels.ravel(), average="macro")

    print(f"features: {len(FEATURE_NAMES)} ({', '.join(FEATURE_NAMES)})")
    print(f"macro-F1 held-out pixels of sim (50 % train): {f1_self:.3f}")
    print(f"macro-F1 on sim2 (trained on sim):          {f1_other:.3f}")
    for name, r in (("sim", res), ("sim2", res2)):
        t = r.timing
        print(f"{name}: features {t['features_s']:.2f} s ({t['features_pix_per_s']:.3g} pix/s), "
              f"predict {t['predict_s']:.2f} s ({t['predict_pix_per_s']:.3g} pix/s), "
              f"fit {t['fit_s']:.2f} s on {t['npix_train']} pix")
    per_class = f1_score(sim.labels[held], res.labels[held], average=None,
                         labels=range(len(sim.classes)))
    per_class2 = f1_score(sim2.labels.ravel(), res2.labels.ravel(), average=None,
                          labels=range(len(sim.classes)))
    print("per-class F1 (sim held-out / sim2):")
    for name, a, b in zip(sim.classes, per_class, per_class2, strict=True):
        print(f"  {name:<11s} {a:.3f} / {b:.3f}")
