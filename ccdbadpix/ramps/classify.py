"""`classify_ramps`: classify every pixel of an up-the-ramp dark cube."""

import concurrent.futures
import contextlib
import os
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
from astropy import units as u
from astropy.io import fits
from scipy.special import ndtr

from ccdbadpix.dq.flags import flags_to_value
from ccdbadpix.dq.mask import DQMask
from ccdbadpix.ramps._features_kernel import _basics, _features
from ccdbadpix.ramps._io import _load_ramps, _rate_threshold, _resolve_gain
from ccdbadpix.ramps._kernel import FEATURE_NAMES, _cheap, _prepare, _two_columns
from ccdbadpix.ramps.features import _noise_and_level, _read_noise_value
from ccdbadpix.ramps.forest import RampClassifier
from ccdbadpix.ramps.result import RampClassification
from ccdbadpix.simulate.ramps import PIXEL_CLASSES
from ccdbadpix.utils._checks import _boolean, _integer, _real
from ccdbadpix.utils._files import _fits_str
from ccdbadpix.utils._optional_deps import HAS_DISTRIBUTED, optional_import

__all__ = ["DEFAULT_DQ_MAPPING", "classify_ramps", "classify_tile"]

#: DQ flags set for each class by `classify_ramps`. ``cosmic_ray`` is an event, not a
#: persistent defect, so it sets nothing of its own (hits are reported in
#: ``cosmic_rays``); a hit pixel whose jump-corrected dark current is above a threshold
#: still gets the ``hot`` or ``warm`` flags.
DEFAULT_DQ_MAPPING = MappingProxyType({
    "good": (), "hot": ("HOT", "DO_NOT_USE"), "warm": ("WARM",),
    "dead": ("DEAD", "DO_NOT_USE"), "telegraph": ("TELEGRAPH", "DO_NOT_USE"),
    "nonlinear": ("NONLINEAR", "DO_NOT_USE"), "saturated": ("SATURATED", "HOT", "DO_NOT_USE"),
    "cosmic_ray": (), "decreasing": ("OTHER_BAD_PIXEL", "DO_NOT_USE"),
    "uncertain": ("OTHER_BAD_PIXEL",)})

_LINEAR = ("good", "hot", "warm")
_NONFINITE_FLAGS = ("DO_NOT_USE", "OTHER_BAD_PIXEL")
_TILE_BYTES = 16_000_000
_FIXED_LAYERS = 4  # rate, rate_err, finite, settled fraction


def classify_tile(block, times, gain, read_noise, level_ref, model):
    """Classify one (nints, ngroups, ty, tx) block of ramps; a pure function.

    Parameters
    ----------
    block : `~numpy.ndarray`
        Counts (DN or electron), float.
    times : `~numpy.ndarray`
        (ngroups,) read times in s.
    gain, read_noise : float
        electron per count and electron per read.
    level_ref : tuple of float
        Detector (median, spread) of first-group levels, counts.
    model : `RampClassifier`
        A fitted model.

    Returns
    -------
    `~numpy.ndarray`
        float32 (nlayers, ty, tx): the model's class vote fractions averaged over
        integrations (one layer per ``model.classes``), then the jump-corrected dark
        current (electron/s), its uncertainty, 1 where the ramps are finite, the fraction
        of integrations settled by the cheap pass, and per integration
        the group of its largest step beyond the jump threshold (-1 if none), that step
        (electron) and the vote fraction for ``cosmic_ray`` in that integration.
    """
    nints, n = block.shape[:2]
    shape = block.shape[2:]
    npix = int(np.prod(shape))
    ncls = len(model.classes)
    t = np.asarray(times, np.float64)
    out = np.zeros((ncls + _FIXED_LAYERS + 3 * nints, npix), np.float32)
    probs, rate_sum, var_sum = out[:ncls], out[ncls], out[ncls + 1]
    good = model.classes.index("good") if "good" in model.classes else None
    cr = model.classes.index("cosmic_ray") if "cosmic_ray" in model.classes else None
    finite_all = np.ones(npix, bool)
    for i in range(nints):
        tile = np.asarray(block[i], dtype=np.float32).reshape(n, npix)
        settled, rate, err, finite = _cheap(tile, t, gain, read_noise)
        if good is None:
            settled[:] = False
        finite_all &= finite
        p = np.zeros((ncls, npix), np.float32)
        if good is not None:
            p[good, settled] = 1
        group = np.full(npix, -1, np.float32)
        step = np.zeros(npix, np.float32)
        todo = np.flatnonzero(~settled & finite)
        if todo.size:
            nt = todo.size
            sub = _two_columns(tile[:, todo])  # one lone pixel: same bits as among others
            y, _ = _prepare(sub, gain)
            b = _basics(y, t, read_noise)
            feats = _features(b, t, read_noise, sub[0], level_ref)[:, :nt]
            p[:, todo] = model.predict_proba(feats.T).T
            rate[todo], err[todo] = b["rate"][:nt], b["rate_err"][:nt]
            z = b["z"][:, :nt]
            k = z.argmax(0)
            has = z[k, np.arange(nt)] > b["thr"]
            group[todo[has]] = k[has] + 1
            dev = b["d"][:, :nt] - b["mu"][:nt] * b["dt"]
            step[todo[has]] = dev[k[has], np.flatnonzero(has)]
        probs += p
        rate_sum += np.where(finite, rate, 0)
        var_sum += np.where(finite, err * err, 0)
        out[ncls + 3] += settled
        base = ncls + _FIXED_LAYERS + 3 * i
        out[base], out[base + 1] = group, step
        out[base + 2] = p[cr] if cr is not None else 0
    probs /= nints
    out[ncls] = rate_sum / nints
    out[ncls + 1] = np.sqrt(var_sum) / nints
    out[ncls + 2] = finite_all
    out[ncls + 3] /= nints
    bad = ~finite_all
    if bad.any():
        out[:, bad] = 0
        out[ncls + _FIXED_LAYERS::3, bad] = -1
    return out.reshape((out.shape[0], *shape))


def _split_linear(probs, classes, model_classes, rate, rate_err, hot, warm):
    """Output probabilities: the model's linear votes shared out by dark current."""
    out = np.zeros((len(classes), *rate.shape), np.float32)
    linear = np.zeros(rate.shape, np.float32)
    for j, name in enumerate(model_classes):
        if name in _LINEAR:
            linear += probs[j]
        else:
            out[classes.index(name)] = probs[j]
    err = np.maximum(rate_err, 1e-12)
    above_warm = ndtr((rate - warm) / err).astype(np.float32)
    above_hot = ndtr((rate - hot) / err).astype(np.float32)
    out[classes.index("good")] = linear * (1 - above_warm)
    out[classes.index("warm")] = linear * (above_warm - above_hot)
    out[classes.index("hot")] = linear * above_hot
    return out


def _apply_priors(probs, classes, priors, train_priors):
    """MaxiMask's prior update p' = p / (p + F (1 - p)) for each class in ``priors``.

    F = [pi_train / (1 - pi_train)] [(1 - pi_new) / pi_new]. The updated classes keep
    their new probabilities; the other classes share the remainder in proportion.
    """
    if not priors:
        return probs
    if not isinstance(priors, dict):
        raise TypeError(f"priors must be a dict of class name -> prior probability, got "
                        f"{type(priors).__name__}")
    out = probs.copy()
    given = []
    total = probs.sum(0)
    for name, new in priors.items():
        if name not in classes:
            raise ValueError(f"priors: unknown class {name!r}; classes: {classes}")
        if not 0 < float(new) < 1:
            raise ValueError(f"priors[{name!r}] must be in (0, 1), got {new}")
        train = train_priors.get(name)
        if train is None or not 0 < train < 1:
            raise ValueError(f"priors: the model has no training prior for {name!r}")
        f = (train / (1 - train)) * ((1 - new) / new)
        j = classes.index(name)
        p = probs[j]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[j] = np.where(p > 0, p / (p + f * (1 - p)), 0)
        given.append(j)
    others = [j for j in range(len(classes)) if j not in given]
    g_sum = out[given].sum(0)
    o_sum = probs[others].sum(0)
    over = g_sum > total
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(o_sum > 0, (total - np.minimum(g_sum, total)) / o_sum, 0)
        out[others] = probs[others] * scale
        out[given] = np.where(over, out[given] * total / g_sum, out[given])
    return out.astype(np.float32)


def _dq_map(labels, classes, mapping, finite, rate, hot, warm):
    """DQ values per label; a cosmic-ray-hit pixel keeps the flags of its dark current."""
    dq = np.zeros(labels.shape, np.uint32)
    for code, name in enumerate(classes):
        value = flags_to_value(mapping.get(name, ()), name=f"dq_mapping[{name!r}]")
        if value:
            dq[labels == code] |= np.uint32(value)
    hit = labels == classes.index("cosmic_ray")
    for name, low, high in (("hot", hot, np.inf), ("warm", warm, hot)):
        value = flags_to_value(mapping.get(name, ()), name=f"dq_mapping[{name!r}]")
        dq[hit & (rate >= low) & (rate < high)] |= np.uint32(value)
    dq[~finite] |= np.uint32(flags_to_value(_NONFINITE_FLAGS))
    return dq


def _run_tiles(cube, params, n_jobs, progress):
    """Apply `classify_tile` over row tiles of an in-memory or memory-mapped cube."""
    from ccdbadpix.utils._progress import _progress

    try:  # one BLAS thread per tile: the tiles themselves run in parallel
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        def threadpool_limits(*args, **kwargs):
            return contextlib.nullcontext()

    nints, n, ny, nx = cube.shape
    rows = max(1, _TILE_BYTES // (4 * nints * n * nx))
    starts = list(range(0, ny, rows))
    nlayers = len(params["model"].classes) + _FIXED_LAYERS + 3 * nints
    out = np.empty((nlayers, ny, nx), np.float32)

    def work(y0):
        block = np.asarray(cube[:, :, y0:y0 + rows], dtype=np.float32)
        out[:, y0:y0 + rows] = classify_tile(block, **params)
        return y0

    with threadpool_limits(1, user_api="blas"):
        if n_jobs == 1:
            for y0 in _progress(starts, progress):
                work(y0)
        else:
            with concurrent.futures.ThreadPoolExecutor(n_jobs) as pool:
                for _ in _progress(pool.map(work, starts), progress, total=len(starts)):
                    pass
    return out


def _run_dask(cube, params):
    """The same kernel under ``dask.array.map_blocks`` (lazy; computed by the caller)."""
    dask = optional_import("dask", "dask input")
    da = optional_import("dask.array", "dask input")

    nints, n = cube.shape[:2]
    cube = cube.rechunk({0: nints, 1: n})
    nlayers = len(params["model"].classes) + _FIXED_LAYERS + 3 * nints
    static = {k: v for k, v in params.items() if k != "model"}

    def kernel(block, model):
        return classify_tile(np.asarray(block, np.float32), model=model, **static)[None]

    # the forest travels once (scattered to the workers of a distributed client, or as
    # its own task), not inside every block's task
    model = dask.delayed(params["model"], pure=True)
    if HAS_DISTRIBUTED:
        from distributed import default_client

        with contextlib.suppress(ValueError):  # no client: the local scheduler
            model = default_client().scatter(params["model"], broadcast=True)
    return da.map_blocks(kernel, cube, model, dtype=np.float32,
                         chunks=((1,), (nlayers,), *cube.chunks[2:]))[0]


def classify_ramps(ramps, *, times=None, group_time=None, gain=None, read_noise=None,
                   hot_threshold=1 * u.electron / u.s, warm_threshold=0.1 * u.electron / u.s,
                   model=None, min_confidence=0.5, priors=None, unit=None, dq_mapping=None,
                   n_jobs=2, progress=None, compute=True):
    """Classify every pixel of an up-the-ramp dark cube, with a confidence per pixel.

    Each pixel's ramp is described by physical, noise-normalised features (see
    `ramp_features`); a cheap first pass settles ramps that are plainly noisy straight
    lines, and a Random Forest (`RampClassifier`, by default the model shipped with
    ccdbadpix) classifies the rest. Straight-line ramps are ``good``, ``warm`` or
    ``hot`` by their dark current against the thresholds, not by a learned shape.

    Parameters
    ----------
    ramps : array, `~astropy.units.Quantity`, dask array, list of `~astropy.nddata.CCDData`, path
        A cube (ngroups, ny, nx) or (nints, ngroups, ny, nx) of counts (DN, adu or
        electron; plain arrays are DN unless ``unit`` says otherwise), one CCDData read
        per group, or a FITS file (a plain cube, or JWST-style ``SCI`` 4-D).
    times : `~astropy.units.Quantity` or array, optional
        (ngroups,) read times (s); strictly increasing.
    group_time : `~astropy.units.Quantity` or float, optional
        Constant interval between reads (s), when ``times`` is not given. Default: the
        TGROUP keyword, or the EXPTIME of each CCDData read.
    gain : `~astropy.units.Quantity` or float, optional
        electron/DN. Default: the GAIN keyword; without either, thresholds must be given
        in DN/s.
    read_noise : `~astropy.units.Quantity` or float, optional
        Per-read noise (electron, or DN as a Quantity), positive. Estimated robustly
        from the data when not given (`estimate_read_noise`).
    hot_threshold, warm_threshold : `~astropy.units.Quantity`, optional
        Dark-current thresholds of the ``hot`` and ``warm`` classes (electron/s or DN/s;
        plain numbers are electron/s), positive and finite, ``warm < hot``.
    model : `RampClassifier` or path, optional
        The forest; default `RampClassifier.default`.
    min_confidence : float, optional
        Pixels whose best class has a lower probability are labelled ``uncertain``;
        in [0, 1].
    priors : dict, optional
        New prior probability per class name, e.g. ``{"telegraph": 0.01}``: the vote
        fractions are updated as in MaxiMask, ``p' = p / (p + F (1 - p))`` with
        ``F = [pi_train / (1 - pi_train)] [(1 - pi_new) / pi_new]``. Each prior is in
        (0, 1) and the priors given add up to at most 1 (the other classes share the
        rest).
    unit : str or `~astropy.units.Unit`, optional
        Unit of a plain array or of a FITS cube without BUNIT.
    dq_mapping : dict, optional
        Flags per class name, merged into `DEFAULT_DQ_MAPPING`.
    n_jobs : int, optional
        Threads over tiles for in-memory and FITS input.
    progress : bool or None, optional
        Progress bar over tiles; None shows it for cubes of a million pixels or more.
    compute : bool, optional
        For dask input, False returns the lazy layer stack of `classify_tile` instead
        (the per-tile results only: wrapped integer ramps are flagged when the layers
        are assembled into a `RampClassification`).

    Returns
    -------
    RampClassification
        Ramps holding NaN or inf, and integer ramps whose counter wrapped around (a drop
        of more than half the integer type's range between two groups, e.g. uint16
        65450 -> 64; counted in the header's ``NWRAP``), are ``uncertain`` with
        confidence 0 and flagged DO_NOT_USE and OTHER_BAD_PIXEL.

    Raises
    ------
    ValueError, TypeError, astropy.units.UnitsError
        Wrong shapes, fewer than 3 groups, times that do not increase, missing group
        time, units, or a parameter outside its range (the message names it).

    Examples
    --------
    >>> import astropy.units as u
    >>> from ccdbadpix import classify_ramps
    >>> from ccdbadpix.simulate import simulate_ramps
    >>> sim = simulate_ramps((64, 64), ngroups=40, seed=7)
    >>> result = classify_ramps(sim.data, times=sim.times, gain=sim.gain)
    >>> result.classes[:3], result.labels.shape
    (('good', 'hot', 'warm'), (64, 64))
    >>> truth = sim.observable_labels()
    >>> bool((result.labels == truth).mean() > 0.99)
    True
    """
    r = _load_ramps(ramps, times=times, group_time=group_time, gain=gain, unit=unit)
    g = _resolve_gain(r, hot_threshold, warm_threshold)
    hot = _rate_threshold(hot_threshold, "hot_threshold", r.count_unit, g)
    warm = _rate_threshold(warm_threshold, "warm_threshold", r.count_unit, g)
    if not warm < hot:
        raise ValueError(f"warm_threshold must be below hot_threshold, got {warm} and {hot} "
                         "electron/s")
    min_confidence = _real(min_confidence, "min_confidence", low=0, high=1)
    n_jobs = _integer(n_jobs, "n_jobs", 1)
    progress = _boolean(progress, "progress", allow_none=True)
    compute = _boolean(compute, "compute")
    rn_given = None if read_noise is None else _read_noise_value(read_noise, g)
    model = _check_model(model)
    mapping = _check_dq_mapping(dq_mapping, model)
    classes = tuple(c for c in PIXEL_CLASSES) + tuple(
        c for c in model.classes if c not in PIXEL_CLASSES) + ("uncertain",)
    priors = _check_priors(priors, classes[:-1], _train_priors(model))

    rn, rn_eff, level_ref = _noise_and_level(r.cube, r.times, g, rn_given)
    params = dict(times=r.times, gain=g, read_noise=rn_eff, level_ref=level_ref, model=model)
    nints = r.cube.shape[0]
    wrapped = r.wrapped
    if r.is_dask:
        lazy = _run_dask(r.cube, params)
        if not compute:
            return lazy
        if wrapped is None:
            layers = lazy.compute()
        else:
            layers, wrapped = optional_import("dask", "dask input").compute(lazy, wrapped)
    else:
        if progress is None:
            progress = int(np.prod(r.shape)) >= 1_000_000
        layers = _run_tiles(r.cube, params, n_jobs, progress)

    ncls = len(model.classes)
    rate, rate_err = layers[ncls], layers[ncls + 1]
    finite = layers[ncls + 2] > 0
    # ramps whose integer counter wrapped are as unusable as non-finite ones
    usable = finite if wrapped is None else finite & ~wrapped
    probs = _split_linear(layers[:ncls], classes[:-1], model.classes, rate, rate_err, hot,
                          warm)
    probs = _apply_priors(probs, classes[:-1], priors, _train_priors(model))
    best = probs.argmax(0)
    confidence = np.take_along_axis(probs, best[None], 0)[0]
    labels = best.astype(np.int16)
    labels[(confidence < min_confidence) | ~usable] = len(classes) - 1
    confidence[~usable] = 0
    dq = _dq_map(labels, classes, mapping, usable, rate, hot, warm)
    per_int = layers[ncls + _FIXED_LAYERS:].reshape(nints, 3, *r.shape)
    n_wrapped = 0 if wrapped is None else int(np.count_nonzero(wrapped))
    header = _provenance(r, g, rn, hot, warm, model, min_confidence, priors, labels, classes,
                         layers[ncls + 3], n_wrapped)
    return RampClassification(
        classes=classes, labels=labels, confidence=confidence, probabilities=probs,
        dq=DQMask._wrap(dq, header), dark_current=rate * u.electron / u.s,
        dark_current_err=rate_err * u.electron / u.s, read_noise=rn * u.electron,
        gain=g * u.electron / u.DN, times=r.times * u.s, finite=finite,
        settled=layers[ncls + 3] >= 1, jump_group=per_int[:, 0].astype(np.int16),
        jump_step=per_int[:, 1] * u.electron, cosmic_ray_vote=per_int[:, 2], meta=header,
        ramps=r)


def _check_model(model):
    """The fitted forest to use: the default, a `RampClassifier`, or one loaded from a path."""
    if model is None:
        return RampClassifier.default()
    if not isinstance(model, RampClassifier):
        if not isinstance(model, str | os.PathLike):
            raise TypeError(f"model must be a RampClassifier or the path of a saved one, got "
                            f"{type(model).__name__}")
        model = RampClassifier.load(model)
    if model.classes is None or model._trees is None:
        raise ValueError("model is an unfitted RampClassifier; fit() or load() it first")
    if tuple(model.feature_names) != FEATURE_NAMES:
        raise ValueError("model was trained on other features than classify_ramps computes "
                         f"(its feature_names are not FEATURE_NAMES: {model.feature_names})")
    return model


def _check_dq_mapping(dq_mapping, model):
    """`DEFAULT_DQ_MAPPING` updated with ``dq_mapping``, every entry checked."""
    mapping = dict(DEFAULT_DQ_MAPPING)
    if dq_mapping is None:
        return mapping
    if not isinstance(dq_mapping, Mapping):
        raise TypeError(f"dq_mapping must be a dict of class name -> flags, got "
                        f"{type(dq_mapping).__name__}")
    unknown = [k for k in dq_mapping if k not in mapping and k not in model.classes]
    if unknown:
        raise ValueError(f"dq_mapping: unknown classes {unknown}; classes: "
                         f"{sorted(set(mapping) | set(model.classes))}")
    for name, flags in dq_mapping.items():
        label = f"dq_mapping[{name!r}]"
        try:
            flags_to_value(flags, name=label)
        except TypeError:
            raise TypeError(f"{label} must be flag names or a DQ value, got {flags!r}") from None
    mapping.update(dq_mapping)
    return mapping


def _check_priors(priors, classes, train_priors):
    """``priors`` as {class: float}: known classes, each in (0, 1), together at most 1.

    The classes not given share what is left of the probability, so the given priors
    must leave room for them: their sum may not exceed 1.
    """
    if priors is None:
        return None
    if not isinstance(priors, Mapping):
        raise TypeError(f"priors must be a dict of class name -> prior probability, got "
                        f"{type(priors).__name__}")
    out = {}
    for name, value in priors.items():
        if name not in classes:
            raise ValueError(f"priors: unknown class {name!r}; classes: {list(classes)}")
        out[name] = _real(value, f"priors[{name!r}]", low=0, high=1, low_open=True,
                          high_open=True, expected="a probability in (0, 1)")
        train = train_priors.get(name)
        if train is None or not 0 < train < 1:
            raise ValueError(f"priors: the model has no training prior for {name!r}")
    total = sum(out.values())
    if total > 1 + 1e-9:
        raise ValueError(f"priors must make a distribution: the given priors sum to "
                         f"{total:g}, more than 1 ({out})")
    return out or None


def _train_priors(model):
    """pi_train of every output class: the class fractions of the forest's training set.

    ``good``/``warm``/``hot`` share the training fraction of the straight-line class(es)
    in the proportions of ``model.meta["class_priors"]`` when the model learned them
    merged (as the default model does), else equally.
    """
    priors = dict(model.train_priors)
    linear = sum(priors.get(c, 0.0) for c in _LINEAR)
    if linear > 0 and not all(c in priors for c in _LINEAR):
        ref = model.meta.get("class_priors", {})
        weights = np.array([float(ref.get(c, 1.0)) for c in _LINEAR])
        for c, w in zip(_LINEAR, weights / weights.sum(), strict=True):
            priors[c] = linear * float(w)
    return priors


def _provenance(r, gain, rn, hot, warm, model, min_confidence, priors, labels, classes,
                settled, n_wrapped=0):
    header = fits.Header()
    for key in ("TELESCOP", "INSTRUME", "DETECTOR", "SUBARRAY", "DATE-OBS"):
        if key in r.meta:
            header[key] = r.meta[key]
    header["BPMETHOD"] = ("classify_ramps", "ccdbadpix method")
    header["BPSOURCE"] = (_fits_str(r.source), "input ramps")
    header["NGROUPS"] = (int(r.times.size), "groups per integration")
    header["NINTS"] = (int(r.cube.shape[0]), "integrations")
    header["GAIN"] = (float(gain), "[electron/DN] gain used")
    header["RDNOISE"] = (float(rn), "[electron] read noise used")
    header["HOTTHR"] = (float(hot), "[electron/s] hot threshold")
    header["WARMTHR"] = (float(warm), "[electron/s] warm threshold")
    header["MINCONF"] = (float(min_confidence), "minimum confidence")
    header["MODEL"] = (_fits_str(model.meta.get("name", "user model")), "ramp classifier")
    header["NTREES"] = (len(model._trees), "trees in the forest")
    header["PRIORS"] = (_fits_str(priors or "training"), "class priors")
    header["SETTLED"] = (float(np.mean(settled)), "fraction settled by the first pass")
    header["NWRAP"] = (int(n_wrapped), "integer ramps that wrapped (DO_NOT_USE)")
    for code, name in enumerate(classes):
        header[f"N_{name[:6].upper()}"] = (int((labels == code).sum()), f"pixels {name}")
    with contextlib.suppress(Exception):
        from ccdbadpix import __version__

        header["BPVERS"] = (__version__, "ccdbadpix version")
    return header
