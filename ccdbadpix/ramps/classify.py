"""`classify_ramps`: classify every pixel of an up-the-ramp dark cube."""

import os
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
from astropy import units as u
from scipy.special import ndtri

from ccdbadpix.dq.flags import flags_to_value
from ccdbadpix.dq.mask import DQMask
from ccdbadpix.ramps._domain import (
    falling_share,
    outside_domain,
    threshold_z,
    too_few_groups,
    unresolved_thresholds,
    warn_if_falling,
    warn_outside_domain,
    warn_unresolved,
)
from ccdbadpix.ramps._io import _load_ramps, _rate_threshold, _resolve_gain
from ccdbadpix.ramps._kernel import FEATURE_NAMES
from ccdbadpix.ramps._postprocess import _dq_map, _label, _provenance, _train_priors
from ccdbadpix.ramps._tiles import _FIXED_LAYERS, _run_dask, _run_tiles
from ccdbadpix.ramps.features import _noise_and_level, _read_noise_value
from ccdbadpix.ramps.forest import RampClassifier
from ccdbadpix.ramps.result import RampClassification
from ccdbadpix.simulate.ramps import PIXEL_CLASSES
from ccdbadpix.utils._checks import _boolean, _integer, _real
from ccdbadpix.utils._optional_deps import optional_import

__all__ = ["DEFAULT_DQ_MAPPING", "classify_ramps"]

#: DQ flags set for each class by `classify_ramps`. ``cosmic_ray`` is an event, not a
#: persistent defect, so it sets nothing of its own (hits are reported in
#: ``cosmic_rays``). ``noisy`` (white noise well above the detector's read noise, no
#: discrete levels) gets UNRELIABLE_SLOPE, the JWST flag of a noisy pixel's slope, without
#: DO_NOT_USE. Every pixel labelled by its shape (cosmic_ray and noisy included) also gets
#: the ``hot`` or ``warm`` flags when its jump-corrected dark current is significantly
#: above the threshold (``significance=``).
DEFAULT_DQ_MAPPING = MappingProxyType({
    "good": (), "hot": ("HOT", "DO_NOT_USE"), "warm": ("WARM",),
    "dead": ("DEAD", "DO_NOT_USE"), "telegraph": ("TELEGRAPH", "DO_NOT_USE"),
    "nonlinear": ("NONLINEAR", "DO_NOT_USE"), "saturated": ("SATURATED", "HOT", "DO_NOT_USE"),
    "cosmic_ray": (), "decreasing": ("OTHER_BAD_PIXEL", "DO_NOT_USE"),
    "noisy": ("UNRELIABLE_SLOPE",), "uncertain": ("OTHER_BAD_PIXEL",)})

_TILE_BYTES = 16_000_000  # float32 ramps per tile of in-memory and FITS input


def classify_ramps(ramps, *, times=None, group_time=None, gain=None, read_noise=None,
                   hot_threshold=1 * u.electron / u.s, warm_threshold=0.1 * u.electron / u.s,
                   model=None, min_confidence=0.5, priors=None, unit=None, dq_mapping=None,
                   n_jobs=2, progress=None, compute=True, significance=0.01):
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
        Pixels whose best class has a lower probability are labelled ``uncertain``
        (for ``hot`` and ``saturated``, which both mean a hot pixel, the two summed);
        in [0, 1].
    significance : float, optional
        One-sided false-alarm probability of every dark-current decision: a pixel is
        ``hot`` or ``warm`` (and a pixel labelled by its shape carries HOT|DO_NOT_USE or
        WARM) only when its dark current exceeds the threshold by more than
        ``ndtri(1 - significance)`` of its own standard errors; 0.01 (2.3 sigma) by
        default, in (0, 0.5]. Straight ramps that pass are split by the empirical-Bayes
        posterior of their true dark current, with the detector's own rate
        distribution as the prior. When the median error is too large for a threshold
        (``z * error > threshold``) a warning names it (header ``HOTRESOL``,
        ``WARMRESO``) and that threshold's test becomes family-wise,
        ``ndtri(1 - significance / N)`` over the N usable pixels, so that noise flags no
        pixel (header ``ZHOT``, ``ZWARM``: the z used). With fewer groups than the
        model was trained on, the forest is not run and every pixel is good, warm or
        hot by these tests alone (header ``SHAPES = F``, with a warning).
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
        For dask input, False returns the lazy layer stack of ``classify_tile`` instead
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
    g, hot, warm = _thresholds(r, hot_threshold, warm_threshold)
    min_confidence = _real(min_confidence, "min_confidence", low=0, high=1)
    significance = _real(significance, "significance", low=0, high=0.5, low_open=True)
    n_jobs = _integer(n_jobs, "n_jobs", 1)
    progress = _boolean(progress, "progress", allow_none=True)
    compute = _boolean(compute, "compute")
    rn_given = None if read_noise is None else _read_noise_value(read_noise, g)
    model = _check_model(model)
    mapping = _check_dq_mapping(dq_mapping, model)
    classes = _output_classes(model)
    priors = _check_priors(priors, classes[:-1], _train_priors(model))

    est = _noise_and_level(r.cube, r.times, g, rn_given, unusable=r.wrapped, n_jobs=n_jobs)
    rn = est["rn"]
    outside = outside_domain(model, r.times, rn, g)
    shapes = not too_few_groups(model, r.times)
    warn_outside_domain(outside, shapes, significance)
    params = dict(times=r.times, gain=g, read_noise=est["rn_eff"], level_ref=est["level_ref"],
                  model=model, shapes=shapes, common=est["common"], rows=est["rows"])
    if r.is_dask and not compute:
        return _run_dask(r.cube, params)
    layers, wrapped = _compute_layers(r, params, n_jobs, progress)
    settings = dict(gain=g, read_noise=rn, hot=hot, warm=warm, min_confidence=min_confidence,
                    priors=priors, mapping=mapping, outside=outside,
                    significance=significance, shapes=shapes, row_stats=est["row_stats"],
                    rows_removed=est["rows"] is not None, err_scale=est["err_scale"])
    result, unresolved = _assemble(r, layers, wrapped, model, classes, settings)
    warn_unresolved(unresolved, significance,
                    {"hot": result.meta["ZHOT"], "warm": result.meta["ZWARM"]})
    warn_if_falling(result.meta["FALLING"])
    return result


def _thresholds(r, hot_threshold, warm_threshold):
    """The gain (electron per count) and the hot and warm thresholds in electron/s."""
    g = _resolve_gain(r, hot_threshold, warm_threshold)
    hot = _rate_threshold(hot_threshold, "hot_threshold", r.count_unit, g)
    warm = _rate_threshold(warm_threshold, "warm_threshold", r.count_unit, g)
    if not warm < hot:
        raise ValueError(f"warm_threshold must be below hot_threshold, got {warm} and {hot} "
                         "electron/s")
    return g, hot, warm


def _output_classes(model):
    """The classes of the result: the simulator's, the model's others, then ``uncertain``."""
    return tuple(c for c in PIXEL_CLASSES) + tuple(
        c for c in model.classes if c not in PIXEL_CLASSES) + ("uncertain",)


def _compute_layers(r, params, n_jobs, progress):
    """The layer stack of `~ccdbadpix.ramps._tiles.classify_tile` over the whole cube,
    and the map of wrapped integer ramps (None if the input was not integer)."""
    if r.is_dask:
        lazy = _run_dask(r.cube, params)
        if r.wrapped is None:
            return lazy.compute(), None
        return optional_import("dask", "dask input").compute(lazy, r.wrapped)
    if progress is None:
        progress = int(np.prod(r.shape)) >= 1_000_000
    return _run_tiles(r.cube, params, n_jobs, progress, _TILE_BYTES), r.wrapped


def _assemble(r, layers, wrapped, model, classes, settings):
    """The `RampClassification` of the layer stack (labels, DQ flags and provenance), and
    the thresholds the data cannot resolve (`unresolved_thresholds`)."""
    ncls = len(model.classes)
    rate, rate_err = layers[ncls], layers[ncls + 1]
    rate_err *= np.float32(settings["err_scale"])  # the row noise a dark current keeps
    finite = layers[ncls + 2] > 0
    # ramps whose integer counter wrapped are as unusable as non-finite ones
    usable = finite if wrapped is None else finite & ~wrapped
    hot, warm, g, rn = settings["hot"], settings["warm"], settings["gain"], settings["read_noise"]
    z = ndtri(1 - settings["significance"])
    unresolved = unresolved_thresholds(rate_err, usable, {"hot_threshold": hot,
                                                          "warm_threshold": warm}, z)
    zs = threshold_z(settings["significance"], usable, unresolved)
    probs, labels, confidence, curved = _label(
        layers, usable, model, classes, settings["priors"], hot, warm,
        settings["min_confidence"], zs, settings["shapes"])
    dq = _dq_map(labels, classes, settings["mapping"], usable, rate, rate_err, hot, warm, zs,
                 curved)
    per_int = layers[ncls + _FIXED_LAYERS:].reshape(r.cube.shape[0], 3, *r.shape)
    if not settings["shapes"]:
        per_int[:, 2] = 0  # no cosmic-ray votes without the shape classifier
    n_wrapped = 0 if wrapped is None else int(np.count_nonzero(wrapped))
    header = _provenance(r, g, rn, hot, warm, model, settings["min_confidence"],
                         settings["priors"], labels, classes, layers[ncls + 3], n_wrapped)
    _domain_cards(header, settings["outside"], falling_share(rate, rate_err, usable))
    header["SIGLEVEL"] = (float(settings["significance"]),
                          "false-alarm prob. of dark-current flags")
    header["SHAPES"] = (bool(settings["shapes"]), "shape classifier run (enough groups)")
    header["ROWNOISE"] = (round(float(settings["row_stats"][0]) * g, 4),
                          "[electron] row noise rms per read")
    header["ROWCORR"] = (bool(settings["rows_removed"]), "row noise removed from the ramps")
    header["ZHOT"] = (round(zs["hot"], 4), "one-sided test: errors above hot_threshold")
    header["ZWARM"] = (round(zs["warm"], 4), "one-sided test: errors above warm_threshold")
    header["HOTRESOL"] = ("hot_threshold" not in unresolved, "hot threshold resolved")
    header["WARMRESO"] = ("warm_threshold" not in unresolved, "warm threshold resolved")
    return RampClassification(
        classes=classes, labels=labels, confidence=confidence, probabilities=probs,
        dq=DQMask._wrap(dq, header), dark_current=rate * u.electron / u.s,
        dark_current_err=rate_err * u.electron / u.s, read_noise=rn * u.electron,
        gain=g * u.electron / u.DN, times=r.times * u.s, finite=finite,
        settled=layers[ncls + 3] >= 1, jump_group=per_int[:, 0].astype(np.int16),
        jump_step=per_int[:, 1] * u.electron, cosmic_ray_vote=per_int[:, 2], meta=header,
        ramps=r), unresolved


def _domain_cards(header, outside, falling):
    """Record in ``header`` whether the cube is in the model's domain, and how many of its
    ramps fall."""
    header["DOMAIN"] = ("outside" if outside else "inside",
                        "cube within the model's training domain?")
    for note in outside:
        header.add_history(f"outside the training domain: {note}")
    header["FALLING"] = (round(float(falling), 6), "share of ramps falling (< -3 sigma)")


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
