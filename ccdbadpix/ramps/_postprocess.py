"""Post-processing of `~ccdbadpix.ramps.classify.classify_ramps`: from the forest's
vote fractions to output probabilities, labels' DQ flags and the provenance header.

The forest votes for one straight-line class; `_split_linear` shares its votes out
between ``good``, ``warm`` and ``hot`` by the measured dark current, `_apply_priors`
updates the probabilities for new class priors (MaxiMask), `_dq_map` turns labels into
DQ values and `_provenance` writes what was done into a FITS header.
"""

import contextlib

import numpy as np
from astropy.io import fits

from ccdbadpix.dq.flags import flags_to_value
from ccdbadpix.ramps._ebayes import probability_above, rate_prior
from ccdbadpix.utils._files import _fits_str

__all__ = []

_LINEAR = ("good", "hot", "warm")
_NONFINITE_FLAGS = ("DO_NOT_USE", "OTHER_BAD_PIXEL")


def _split_linear(probs, classes, model_classes, rate, rate_err, hot, warm, z, prior):
    """Output probabilities: the model's straight-line votes shared out by dark current.

    The share above a threshold is the empirical-Bayes posterior probability that the
    true dark current is at or above it (`~ccdbadpix.ramps._ebayes`, with the detector's
    own rate distribution as the prior), and it is given only where the dark current is
    significantly above the threshold, ``rate - z * err >= threshold`` (a one-sided test
    at ``z["hot"]`` or ``z["warm"]`` standard errors,
    `~ccdbadpix.ramps._domain.threshold_z`): noise never makes a pixel warm or hot.

    A ``nonlinear`` ramp (decelerating: the RC-like approach of a pixel that debiases
    as it fills) whose dark current (its early rate) is significantly above the hot
    threshold is a hot pixel, as a detector team calls it, and one significantly in the
    warm band a warm pixel (e.g. a neighbour lit through IPC by a decelerating hot
    pixel): the same shares of its ``nonlinear`` votes go to ``hot`` and ``warm``.
    Returns the probabilities and the (ny, nx) map of pixels whose ``hot`` or ``warm``
    share came mostly from ``nonlinear`` votes (flagged NONLINEAR as well, `_dq_map`).
    """
    out = np.zeros((len(classes), *rate.shape), np.float32)
    linear = np.zeros(rate.shape, np.float32)
    for j, name in enumerate(model_classes):
        if name in _LINEAR:
            linear += probs[j]
        else:
            out[classes.index(name)] = probs[j]
    with np.errstate(invalid="ignore"):
        low_hot = rate - np.float32(z["hot"]) * rate_err
        low_warm = rate - np.float32(z["warm"]) * rate_err
    above_hot = probability_above(rate, rate_err, prior, hot, where=low_hot >= hot)
    above_warm = probability_above(rate, rate_err, prior, warm, where=low_warm >= warm)
    above_warm = np.maximum(above_warm, above_hot)
    out[classes.index("good")] = linear * (1 - above_warm)
    out[classes.index("warm")] = linear * (above_warm - above_hot)
    out[classes.index("hot")] = linear * above_hot
    curved = np.zeros(rate.shape, bool)
    if "nonlinear" in model_classes:
        j = classes.index("nonlinear")
        for name, share in (("hot", above_hot), ("warm", above_warm - above_hot)):
            moved = out[j] * share
            curved |= moved > linear * share
            out[classes.index(name)] += moved
        out[j] -= out[j] * above_warm
    return out, curved


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


#: Labels whose flags say nothing of the dark current: the dark-current split itself
#: (good, warm, hot), a pixel that does not integrate (dead), one already HOT (saturated).
_NO_DARK_CURRENT_FLAGS = ("good", "warm", "hot", "dead", "saturated")


def _dq_map(labels, classes, mapping, finite, rate, rate_err, hot, warm, z, curved=None):
    """DQ values per label, plus the flags of the dark current whatever the shape label.

    A pixel labelled by its shape (nonlinear, telegraph, cosmic_ray, decreasing,
    uncertain) also carries the ``hot`` flags (HOT|DO_NOT_USE) when its dark current is
    significantly at or above ``hot``: ``rate - z["hot"] * rate_err >= hot``, a
    one-sided test; the ``warm`` flags likewise (``z["warm"]``) for the warm band. A
    decelerating hot pixel is then HOT|NONLINEAR|DO_NOT_USE (labelled ``hot`` and
    marked in ``curved`` by `_split_linear`, or labelled ``nonlinear``), a decelerating
    warm one WARM|NONLINEAR|DO_NOT_USE, and a cosmic-ray hit of ordinary dark current
    gets nothing.
    """
    dq = np.zeros(labels.shape, np.uint32)
    for code, name in enumerate(classes):
        value = flags_to_value(mapping.get(name, ()), name=f"dq_mapping[{name!r}]")
        if value:
            dq[labels == code] |= np.uint32(value)
    shaped = finite & ~np.isin(labels, [classes.index(c) for c in _NO_DARK_CURRENT_FLAGS
                                        if c in classes])
    with np.errstate(invalid="ignore"):
        is_hot = rate - np.float32(z["hot"]) * rate_err >= hot
        is_warm = (rate - np.float32(z["warm"]) * rate_err >= warm) & ~is_hot
    for name, sel in (("hot", is_hot), ("warm", is_warm)):
        value = flags_to_value(mapping.get(name, ()), name=f"dq_mapping[{name!r}]")
        dq[shaped & sel] |= np.uint32(value)
    if curved is not None and "nonlinear" in classes:
        value = flags_to_value(mapping.get("nonlinear", ()), name="dq_mapping['nonlinear']")
        rated = np.isin(labels, [classes.index("hot"), classes.index("warm")])
        dq[finite & curved & rated] |= np.uint32(value)
    dq[~finite] |= np.uint32(flags_to_value(_NONFINITE_FLAGS))
    return dq


def _label(layers, usable, model, classes, priors, hot, warm, min_confidence, z,
           shapes=True):
    """Probabilities, labels and confidence of every pixel from the tile layers.

    ``classes`` are the output classes, ``uncertain`` last: the label of pixels whose
    best probability is below ``min_confidence`` and of the ramps not ``usable``.
    Straight-line votes are split by `_split_linear` with a one-sided test at ``z``
    (per threshold) standard errors. Without ``shapes`` the forest's votes are set
    aside: every ramp is a straight line, good, warm or hot by its dark current alone.
    """
    ncls = len(model.classes)
    rate, rate_err = layers[ncls], layers[ncls + 1]
    votes = layers[:ncls]
    if not shapes:
        votes = np.zeros_like(votes)
        votes[model.classes.index("good")] = 1
    prior = rate_prior(rate, rate_err, usable, (warm, hot))
    probs, curved = _split_linear(votes, classes[:-1], model.classes, rate, rate_err, hot,
                                  warm, z, prior)
    probs = _apply_priors(probs, classes[:-1], priors, _train_priors(model))
    labels, confidence = _best_class(probs)
    labels[(_label_support(probs, labels, classes, confidence) < min_confidence)
           | ~usable] = len(classes) - 1
    confidence[~usable] = 0
    return probs, labels, confidence, curved


#: Classes that all say "hot pixel" (HOT|DO_NOT_USE): a split vote between them is no
#: doubt that the pixel is hot, e.g. a hot pixel levelling off as it debiases, which
#: looks saturated to some trees.
_HOT_FAMILY = ("hot", "saturated")


def _label_support(probs, labels, classes, confidence):
    """The probability that decides whether a label stands against ``min_confidence``:
    the label's own, or for a label of `_HOT_FAMILY` the sum over that family."""
    family = [classes.index(c) for c in _HOT_FAMILY if c in classes]
    if len(family) < 2:
        return confidence
    pooled = probs[family].sum(0)
    return np.where(np.isin(labels, family), np.maximum(pooled, confidence), confidence)


def _best_class(probs):
    """``probs.argmax(0)`` as int16 and the probability there, class by class: numpy's
    argmax along the first axis of a C-ordered array copies it transposed first.

    The first of equal maxima wins (with a NaN anywhere, numpy's argmax itself).
    """
    if np.isnan(probs).any():
        best = probs.argmax(0)
        return best.astype(np.int16), np.take_along_axis(probs, best[None], 0)[0]
    best = np.zeros(probs.shape[1:], np.int16)
    top = probs[0].copy()
    better = np.empty(top.shape, bool)
    for j in range(1, probs.shape[0]):
        np.greater(probs[j], top, out=better)
        np.copyto(best, np.int16(j), where=better)
        np.copyto(top, probs[j], where=better)
    return best, top


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
    """FITS header of the result: the input's identity, the settings and the counts."""
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
