"""The inputs of `~ccdbadpix.ramps.clustering.cluster_ramps`: checked options, the
features to cluster (given, or computed from ramps) and the pixels that can be clustered."""

import numpy as np
from astropy import units as u

from ccdbadpix.ramps._io import _load_ramps
from ccdbadpix.ramps._kernel import FEATURE_NAMES
from ccdbadpix.ramps.features import RampFeatures, ramp_features

__all__ = ["DEFAULT_CLUSTER_FEATURES"]

#: Features `cluster_ramps` clusters on by default: every feature of `ramp_features`
#: except ``log_ngroups``, which is the same for every pixel of a cube.
DEFAULT_CLUSTER_FEATURES = tuple(n for n in FEATURE_NAMES if n != "log_ngroups")

_COVARIANCE_TYPES = ("diag", "full", "tied", "spherical")


def _check_int(value, name, minimum):
    """An int of at least ``minimum`` (bool refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_features(features):
    """Feature names to cluster on: known, different, at least one (default
    `DEFAULT_CLUSTER_FEATURES`)."""
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


def _check_covariance_type(covariance_type):
    if covariance_type not in _COVARIANCE_TYPES:
        raise ValueError(f"covariance_type must be one of {_COVARIANCE_TYPES}, got "
                         f"{covariance_type!r}")
    return covariance_type


def _check_seed(seed):
    """A non-negative integer or None, returned as given."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TypeError(f"seed must be an integer or None, got {seed!r}")
    if seed is not None and seed < 0:
        raise ValueError(f"seed must be a non-negative integer or None, got {seed}")
    return seed


def _features_to_cluster(ramps, names, options, integration, progress):
    """(features, cube of the clustered integration or None, its unit) of the input.

    ``ramps`` are `RampFeatures` (then ``options``, the ramp-reading keywords, must all
    be None and ``integration`` 0) or ramps whose features are computed here.
    """
    cube, ramp_unit = None, "DN"
    if isinstance(ramps, RampFeatures):
        given = {k: v for k, v in options.items() if v is not None}
        if integration != 0:
            given["integration"] = integration
        if given:
            raise ValueError(f"ramps are RampFeatures already: {sorted(given)} only apply "
                             "when ramps are given")
        feats = ramps
    else:
        read_noise = options.pop("read_noise")
        r = _load_ramps(ramps, **options)
        if isinstance(integration, bool) or not isinstance(integration, int | np.integer):
            raise TypeError(f"integration must be an integer, got {integration!r}")
        feats = ramp_features(r.cube, times=r.times, gain=r.gain, read_noise=read_noise,
                              unit=r.count_unit, integration=integration, progress=progress)
        cube = r.cube[integration]
        ramp_unit = "electron" if r.count_unit == u.electron else "DN"
    missing = [n for n in names if n not in feats.names]
    if missing:
        raise ValueError(f"features: the RampFeatures lack {missing}")
    return feats, cube, ramp_unit


def _usable_pixels(feats, names, exclude):
    """Flat indices of the pixels to cluster: finite ramps and features, not excluded."""
    shape = feats.finite.shape
    valid = feats.finite.copy()
    if exclude is not None:
        exclude = np.asarray(exclude)
        if exclude.shape != shape or exclude.dtype != bool:
            raise ValueError(f"exclude must be a boolean map of shape {shape}, got "
                             f"{exclude.dtype} {exclude.shape}")
        valid &= ~exclude
    all_values = feats.values.reshape(len(feats.names), -1)  # a view
    for i in (feats.names.index(n) for n in names):
        valid &= np.isfinite(all_values[i]).reshape(shape)
    pixels = np.flatnonzero(valid)
    if pixels.size < 2:
        raise ValueError(f"only {pixels.size} pixels have finite ramps and features (and "
                         "are not excluded): nothing to cluster")
    return pixels
