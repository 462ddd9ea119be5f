"""Training sets and the default model of the ramp classifier.

The default model (`RampClassifier.default`) is trained here on many simulated
detectors whose settings are drawn at random over wide ranges (domain randomisation):
gain, read noise, group time, number of groups (5-200), bias level and spread,
saturation, IPC coupling, dark current and every defect amplitude. Features are in
noise-normalised units, so what the forest learns is the shape of a ramp, not the
scale of one detector. Rebuild it with::

    python -m ccdbadpix.ramps.training ccdbadpix/ramps/data/default_ramp_model.npz --overwrite
"""

import argparse

import numpy as np
from astropy import units as u

from ccdbadpix.ramps._detector import subtract_row_noise
from ccdbadpix.ramps._features_kernel import features_of
from ccdbadpix.ramps._kernel import FEATURE_NAMES, _cheap
from ccdbadpix.ramps.features import _noise_and_level
from ccdbadpix.ramps.forest import RampClassifier
from ccdbadpix.simulate.ramps import PIXEL_CLASSES, simulate_ramps

__all__ = ["TRAINING_RANGES", "random_detector_settings", "simulate_training_set",
           "train_default_model", "training_domain"]

#: The classes a straight-line ramp can have; they are merged into ``good`` for training,
#: since ``classify_ramps`` splits them by dark current, not by shape.
LINEAR_CLASSES = ("good", "hot", "warm")


#: The ranges the detectors of the training set are drawn from (log-uniformly): what the
#: default model has seen. Recorded in the model's ``meta["domain"]``; `classify_ramps`
#: warns about data outside them.
TRAINING_RANGES = {"ngroups": (5, 200), "group_time_s": (0.5, 30.0),
                   "read_noise_e": (3.0, 40.0), "gain_e_per_dn": (0.5, 5.0)}


def _logu(rng, lo, hi):
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def random_detector_settings(rng, ngroups_range=TRAINING_RANGES["ngroups"]):
    """Keyword arguments of `simulate_ramps` for one randomly drawn detector.

    Parameters
    ----------
    rng : `numpy.random.Generator`
    ngroups_range : tuple of int, optional
        Range of the number of groups (drawn log-uniformly).

    Returns
    -------
    dict

    Examples
    --------
    >>> import numpy as np
    >>> from ccdbadpix.ramps.training import random_detector_settings
    >>> kw = random_detector_settings(np.random.default_rng(0))
    >>> 5 <= kw["ngroups"] <= 200
    True
    """
    ngroups = round(_logu(rng, *ngroups_range))
    bias = rng.uniform(1000, 20000)
    spread = _logu(rng, 30, 1500)
    hot = _logu(rng, 0.3, 3)
    gain = _logu(rng, *TRAINING_RANGES["gain_e_per_dn"])
    read_noise = _logu(rng, *TRAINING_RANGES["read_noise_e"])
    saturation = min(bias + 4 * spread + rng.uniform(15000, 50000), 65535)
    # strongly curved ramps up to half the charge headroom (very hot pixels filling up)
    nl_max = max(400.0, 0.5 * (saturation - bias - 4 * spread) * gain / read_noise)
    amp = {
        "telegraph": (rng.uniform(2, 3), rng.uniform(10, 40)),
        "nonlinear": (rng.uniform(10, 30), _logu(rng, 100, nl_max)),
        "nonlinear_tau": (rng.uniform(0.05, 0.15), rng.uniform(0.3, 0.6)),
        "saturated": (rng.uniform(0.05, 0.2), rng.uniform(0.4, 0.9)),
        "cosmic_ray": (rng.uniform(6, 12), _logu(rng, 200, 3000)),
        "decreasing": (rng.uniform(3, 6), rng.uniform(25, 100)),
        "dead": (rng.uniform(0.0, 0.05), rng.uniform(0.2, 0.35)),
        "noisy": (rng.uniform(1.5, 1.8), rng.uniform(3, 6)),
    }
    return dict(
        ngroups=ngroups, group_time=_logu(rng, *TRAINING_RANGES["group_time_s"]) * u.s,
        gain=gain * u.electron / u.DN, read_noise=read_noise * u.electron, bias=bias * u.DN,
        bias_spread=spread * u.DN, saturation=saturation * u.DN,
        dark_current=_logu(rng, 0.001, 0.03) * hot / 1.0 * u.electron / u.s,
        hot_threshold=hot * u.electron / u.s, warm_threshold=hot / 10 * u.electron / u.s,
        ipc_alpha=rng.uniform(0, 0.03), amplitudes=amp,
        cosmic_ray_cluster_size=(0, int(rng.integers(1, 6))), effects=_random_effects(rng))


def _random_effects(rng):
    """Detector effects of one training detector, drawn around `REALISTIC_EFFECTS`: each
    is off for some detectors and up to about twice its realistic size for others."""
    kinds = rng.dirichlet((1.0, 1.5, 0.7))
    return {
        "read_noise_spread": rng.uniform(0, 0.25),
        "decaying_hot": rng.uniform(0, 1),
        "hot_decay": (0.05, rng.uniform(0.3, 0.6)),
        "nonlinearity": rng.uniform(0, 0.15),
        "reset_anomaly": _logu(rng, 0.3, 20) * rng.choice([-1, 1]) if rng.random() < 0.7
        else 0.0,
        "reset_anomaly_groups": rng.uniform(0.5, 2.5),
        "correlated_noise": rng.uniform(0, 0.5),
        "channels": int(rng.choice([1, 4, 32])),
        # Markov switching every few groups, or (None) a few switches at random times
        "telegraph_dwell": (_logu(rng, 2, 4), _logu(rng, 4, 20)) if rng.random() < 0.5
        else None,
        "telegraph_three_levels": rng.uniform(0, 0.3),
        "cosmic_ray_halo": rng.uniform(0, 0.05),
        "showers": rng.uniform(0, 0.2),
        "snowballs": rng.uniform(0, 0.05),
        "dead_kinds": dict(zip(("constant", "low_noise", "stuck"), kinds.tolist(),
                               strict=True)),
        "read_glitches": rng.uniform(0, 3e-4),
        "reset_outliers": rng.uniform(0, 2e-3),
    }


def simulate_training_set(n_detectors=150, *, shape=(64, 64), seed=0, fraction=0.02,
                          good_per_detector=100, ngroups_range=TRAINING_RANGES["ngroups"],
                          progress=False):
    """Features and labels from many randomly drawn simulated detectors.

    Each detector gets `random_detector_settings`, ``fraction`` of its pixels in each
    defect class, its read noise estimated from the data (as `classify_ramps` does),
    and its features computed for every pixel. Labels are the observable labels
    (`RampSimulation.observable_labels`, decelerating hot pixels ``nonlinear`` by their
    shape), with ``hot``/``warm`` merged into ``good``.
    The forest of `classify_ramps` only sees ramps the cheap first pass did not settle,
    so the set keeps every defect pixel, every good pixel the first pass leaves to the
    forest (the hard ones: read-noise outliers, small steps, IPC), and
    ``good_per_detector`` settled good pixels per detector.

    Parameters
    ----------
    n_detectors : int, optional
    shape : tuple of int, optional
        Size of each simulated detector.
    seed : int, optional
        Seed of the whole set.
    fraction : float, optional
        Fraction of pixels per defect class.
    good_per_detector : int, optional
        Good (straight-line) pixels kept per detector.
    ngroups_range : tuple of int, optional
        Range of the number of groups.
    progress : bool, optional
        Progress bar over detectors.

    Returns
    -------
    features : `~numpy.ndarray`
        (nsamples, nfeatures) float32.
    labels : `~numpy.ndarray`
        (nsamples,) str.
    class_priors : dict
        Fraction of each of the ten classes among all simulated pixels (before the
        merge and the subsampling): the training priors for ``priors=``.

    Examples
    --------
    >>> from ccdbadpix import FEATURE_NAMES
    >>> from ccdbadpix.ramps.training import simulate_training_set
    >>> x, y, priors = simulate_training_set(2, shape=(32, 32), seed=1)
    >>> x.shape[1] == len(FEATURE_NAMES), "telegraph" in set(y)
    (True, True)
    """
    from ccdbadpix.utils._progress import _progress

    rng = np.random.default_rng(seed)
    fractions = {c: fraction for c in PIXEL_CLASSES[1:]}
    xs, ys = [], []
    totals = np.zeros(len(PIXEL_CLASSES))
    for _ in _progress(range(n_detectors), progress):
        while True:
            kw = random_detector_settings(rng, ngroups_range)
            try:
                sim = simulate_ramps(shape, fractions=fractions, seed=int(rng.integers(2**31)),
                                     **kw)
                break
            except ValueError:  # e.g. hot pixels that cannot avoid saturation: redraw
                continue
        t = sim.times.to_value(u.s)
        g = sim.gain.value
        cube = sim.data[None]
        est = _noise_and_level(cube, t, g)
        rn, level, common = est["rn_eff"], est["level_ref"], est["common"]
        data = sim.data if est["rows"] is None else subtract_row_noise(sim.data,
                                                                        est["rows"][0])
        tile = data.reshape(data.shape[0], -1) - common[0][:, None]
        feats = features_of(tile, t, g, rn, level, common[0]).T
        obs = sim.observable_labels(curved_hot="nonlinear").ravel()  # the shape
        totals += np.bincount(obs, minlength=len(PIXEL_CLASSES))
        names = np.asarray(PIXEL_CLASSES)[obs]
        names[np.isin(names, LINEAR_CLASSES)] = "good"
        settled = _cheap(tile, t, g, rn, common[0])[0]
        good = names == "good"
        easy = np.flatnonzero(good & settled)
        hard = ~(good & settled) & _visible(sim).ravel()
        keep = np.concatenate([np.flatnonzero(hard),
                               rng.choice(easy, min(easy.size, good_per_detector),
                                          replace=False)])
        xs.append(feats[keep])
        ys.append(names[keep])
    priors = {c: float(n / totals.sum()) for c, n in zip(PIXEL_CLASSES, totals, strict=True)}
    return np.concatenate(xs), np.concatenate(ys), priors


def _visible(sim):
    """False for defects too faint to be seen in ramps this short, left out of training:
    telegraph levels under 3.5 read noises apart in fewer than 20 groups, noisy pixels
    under twice the read noise in fewer than 12 groups (their labels would only teach the
    forest to call noise telegraph or noisy), and telegraph pixels whose only visit to a
    level lasts one read (a one-read excursion: no ramp tells it from a one-read glitch
    of a good pixel, `REALISTIC_EFFECTS`' ``read_glitches``)."""
    n = sim.data.shape[-3]
    rn = sim.read_noise.to_value(u.electron)
    tel = sim.mask("telegraph")
    faint_rtn = tel & (sim.telegraph_step.to_value(u.electron) < 3.5 * rn)
    faint_noisy = sim.mask("noisy") & (sim.read_noise_map.to_value(u.electron) < 2 * rn)
    glitch_like = tel & (sim.telegraph_min_reads < 2)
    return ~((faint_rtn & (n < 20)) | (faint_noisy & (n < 12)) | glitch_like)


def training_domain(ngroups_range=None):
    """The ranges of the training set, as a model records them in ``meta["domain"]``.

    Parameters
    ----------
    ngroups_range : tuple of int, optional
        The range of the number of groups, if not the default one.

    Returns
    -------
    dict
        Name -> [low, high] (``ngroups``, ``group_time_s``, ``read_noise_e``,
        ``gain_e_per_dn``).

    Examples
    --------
    >>> from ccdbadpix.ramps.training import training_domain
    >>> training_domain()["ngroups"]
    [5, 200]
    """
    ranges = dict(TRAINING_RANGES)
    if ngroups_range is not None:
        ranges["ngroups"] = tuple(ngroups_range)
    return {name: [lo, hi] for name, (lo, hi) in ranges.items()}


def train_default_model(n_detectors=150, *, seed=0, n_estimators=48, min_samples_leaf=4,
                        max_depth=24, class_weight=None, progress=False, **kwargs):
    """Train a model the way the shipped default was trained.

    Parameters
    ----------
    n_detectors : int, optional
        Simulated detectors in the training set.
    seed : int, optional
        Seed of the training set and the forest.
    n_estimators, min_samples_leaf, max_depth, class_weight : optional
        Forest settings (see `RampClassifier`). Class weights default to the natural
        frequencies of the training set, which resemble those among the ramps the
        forest sees in use.
    progress : bool, optional
        Progress bar while simulating.
    **kwargs
        Passed to `simulate_training_set`.

    Returns
    -------
    RampClassifier

    Examples
    --------
    >>> from ccdbadpix.ramps.training import train_default_model
    >>> model = train_default_model(3, shape=(32, 32), n_estimators=4, seed=2)
    >>> model.classes
    ('cosmic_ray', 'dead', 'decreasing', 'good', 'noisy', 'nonlinear', 'saturated',
     'telegraph')
    """
    x, y, priors = simulate_training_set(n_detectors, seed=seed, progress=progress, **kwargs)
    model = RampClassifier(n_estimators, min_samples_leaf=min_samples_leaf,
                           max_depth=max_depth, class_weight=class_weight,
                           random_state=seed)
    model.fit(x, y)
    model.meta = {"name": "ccdbadpix default", "n_detectors": n_detectors, "seed": seed,
                  "n_samples": int(y.size), "class_priors": priors,
                  "feature_names": list(FEATURE_NAMES),
                  "domain": training_domain(kwargs.get("ngroups_range"))}
    return model


def main(argv=None):
    """Command-line entry: train the default model and save it."""
    parser = argparse.ArgumentParser(description="Train the default ramp classifier.")
    parser.add_argument("output", help="output .npz path")
    parser.add_argument("--detectors", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trees", type=int, default=48)
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    model = train_default_model(args.detectors, seed=args.seed, n_estimators=args.trees,
                                progress=True)
    model.save(args.output, overwrite=args.overwrite)
    print(model)


if __name__ == "__main__":  # pragma: no cover
    main()
