"""Whether a cube is one the classifier can speak about: the model's training domain, and
ramps that fall instead of rising.

A forest only knows the detectors it was trained on. The default model records the
ranges of its training set (``meta["domain"]``: groups, group time, read noise, gain);
a cube outside them is classified all the same, with a warning and a note in the
result's header, because its shape classes are not to be trusted (three reads cannot
tell a dead pixel or a telegraph pixel from noise). Raw data from controllers whose
output falls as charge accumulates make every ramp fall; that is said too.
"""

import warnings

import numpy as np
from astropy.utils.exceptions import AstropyUserWarning
from scipy.special import ndtri

__all__ = []

#: What each recorded range measures, and its unit, for messages.
_QUANTITIES = {"ngroups": ("groups per integration", ""),
               "group_time_s": ("group time", " s"),
               "read_noise_e": ("read noise", " electron"),
               "gain_e_per_dn": ("gain", " electron/DN")}
#: Continuous quantities (group time, read noise, gain) count as inside up to this factor
#: beyond their range: the training draws them log-uniformly, so its edges are soft; the
#: number of groups has no such margin.
_MARGIN = 1.25
#: Share of the finite ramps that must fall significantly to call the cube inverted.
_FALLING_SHARE = 0.5
_FALLING_SIGMA = 3.0


def outside_domain(model, times, read_noise, gain):
    """Notes on where a cube lies outside the model's training domain ([] if inside).

    Parameters
    ----------
    model : `~ccdbadpix.RampClassifier`
        Its ``meta["domain"]`` (validated when the model was read) gives the ranges; a
        model without one has no known domain.
    times : `~numpy.ndarray`
        Group times (s).
    read_noise, gain : float
        electron and electron/DN.
    """
    domain = model.meta.get("domain") or {}
    dt = np.diff(times)
    values = {"ngroups": times.size, "group_time_s": float(np.median(dt)),
              "read_noise_e": read_noise, "gain_e_per_dn": gain}
    notes = []
    for name, (low, high) in domain.items():
        if name not in values:
            continue
        what, unit = _QUANTITIES[name]
        value = values[name]
        margin = 1.0 if name == "ngroups" else _MARGIN
        if not low / margin <= value <= high * margin:
            side = "below" if value < low else "above"
            notes.append(f"{what} {value:.3g}{unit} is {side} the {low:g}-{high:g}{unit} "
                         "the model was trained on")
    return notes


def too_few_groups(model, times):
    """True when the cube has fewer groups than the model was trained on: too few reads
    to tell a shape (dead, telegraph...) from noise, so the shape classifier is not run."""
    low = (model.meta.get("domain") or {}).get("ngroups", [0, 0])[0]
    return times.size < low


def warn_outside_domain(notes, shapes=True, significance=None):
    """One warning for all the ways the cube is outside the training domain."""
    if not notes:
        return
    if shapes:
        what = ("The shape classes (dead, telegraph, nonlinear, cosmic_ray, decreasing, "
                "saturated) are not reliable outside that domain; the dark current and its "
                "error (dark_current, dark_current_err) are.")
    else:
        what = ("Too few groups to tell a shape from noise: the shape classifier is not "
                "run, and pixels are good, warm or hot by the significance of their dark "
                f"current only (one-sided, significance={significance:g}).")
    warnings.warn("classify_ramps: " + "; ".join(notes) + ". " + what, AstropyUserWarning,
                  stacklevel=3)


def falling_share(rate, rate_err, usable):
    """Share of the usable ramps whose dark current is significantly negative."""
    n = int(np.count_nonzero(usable))
    if n == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        falling = usable & (rate < -_FALLING_SIGMA * rate_err)
    return np.count_nonzero(falling) / n


def warn_if_falling(share):
    """Warn when most ramps fall: the output likely decreases as charge accumulates."""
    if share <= _FALLING_SHARE:
        return
    warnings.warn(
        f"classify_ramps: {100 * share:.0f} % of the ramps fall significantly. The "
        "detector's output probably decreases as charge accumulates (common in raw "
        "H4RG laboratory data): classify the negated cube (e.g. -cube, or "
        "cube.max() - cube) so that charge counts upwards.", AstropyUserWarning,
        stacklevel=3)


def unresolved_thresholds(rate_err, usable, thresholds, z):
    """The thresholds the data cannot resolve: {name: (threshold, median error)}.

    A threshold is resolved when a pixel at twice it would pass the one-sided test,
    ``2 thr - z err >= thr``, i.e. when the median dark-current error of the usable
    pixels is at most ``thr / z``.
    """
    n = int(np.count_nonzero(usable))
    if n == 0:
        return {}
    err = float(np.median(rate_err[usable]))
    return {name: (thr, err) for name, thr in thresholds.items() if z * err > thr}


def threshold_z(significance, usable, unresolved):
    """The z of the one-sided test of each threshold, {"hot": z, "warm": z}.

    ``ndtri(1 - significance)`` for a threshold the data resolve. For one they cannot
    (``unresolved``, keyed ``hot_threshold`` / ``warm_threshold``), the per-pixel test
    would flag a ``significance`` share of all pixels near it on noise alone (thousands
    on a large detector whose rate errors exceed the threshold), and the detector's own
    rate distribution cannot tell them apart either; there the test is family-wise
    (Bonferroni over the N usable pixels), ``ndtri(1 - significance / N)``: with
    probability ``1 - significance`` not one pixel whose true dark current is at or
    below the threshold is flagged.
    """
    z = float(ndtri(1 - significance))
    n = max(int(np.count_nonzero(usable)), 1)
    family = float(ndtri(1 - significance / n))
    return {name: family if f"{name}_threshold" in unresolved else z
            for name in ("hot", "warm")}


def warn_unresolved(unresolved, significance, zs):
    """One warning naming each threshold the dark-current errors are too large for, and
    the family-wise test (``zs``, `threshold_z`) that then decides."""
    if not unresolved:
        return
    parts = [f"{name} {thr:.3g} electron/s (median dark-current error {err:.3g} "
             "electron/s)" for name, (thr, err) in unresolved.items()]
    z = max(zs[name.split("_")[0]] for name in unresolved)
    warnings.warn(
        "classify_ramps: the data cannot resolve " + " and ".join(parts) + ": a pixel is "
        f"flagged only where its dark current is above the threshold by more than {z:.2f} "
        f"times its own error (one-sided, family-wise: significance={significance:g} "
        "over all pixels), so that noise flags no pixel; pixels near the threshold stay "
        "unflagged. Longer ramps or more integrations resolve it.", AstropyUserWarning,
        stacklevel=3)
