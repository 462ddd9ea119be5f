"""ccdbadpix: find, classify and trend bad pixels of CCD and infrared detectors.

An astropy/ccdproc plugin: `~astropy.nddata.CCDData` in, JWST-convention DQ bit
masks (`DQMask`) out.
"""

# The public names are imported on first use (PEP 562), so that ``import ccdbadpix``
# and the ``ccdbadpix`` command start fast: the modules behind them pull in scipy,
# astropy.nddata and friends, and some of those pull in more on use.
import importlib

try:
    from ccdbadpix._version import version as __version__
except ImportError:  # pragma: no cover - only without an install
    __version__ = "0.0.0"

# The month unit is defined and enabled at import (astropy.units only), so that
# ``u.Unit("pix / month")`` parses and trend tables written as ECSV read back.
from ccdbadpix.utils._units import month as month

#: The subpackage each public name comes from.
_LAZY = {
    "DQ": "dq",
    "DQ_DESCRIPTIONS": "dq",
    "DQ_FLAGS": "dq",
    "DQMask": "dq",
    "dq_to_boolean": "dq",
    "flag_names": "dq",
    "flags_to_value": "dq",
    "find_hot_pixels": "darks",
    "measure_dark_current": "darks",
    "measure_ipc": "darks",
    "DEFAULT_DQ_MAPPING": "ramps",
    "FEATURE_NAMES": "ramps",
    "RampClassification": "ramps",
    "RampClassifier": "ramps",
    "RampClusters": "ramps",
    "RampFeatures": "ramps",
    "classify_ramps": "ramps",
    "cluster_ramps": "ramps",
    "estimate_read_noise": "ramps",
    "ramp_features": "ramps",
    "training_set_from_sample": "ramps",
    "HotPixelTrend": "trend",
    "trend_hot_pixels": "trend",
    "unmasked_risk": "trend",
}
#: Submodules reachable as attributes without an import of their own.
_SUBMODULES = ("simulate",)

__all__ = [
    "DEFAULT_DQ_MAPPING",
    "DQ",
    "DQ_DESCRIPTIONS",
    "DQ_FLAGS",
    "FEATURE_NAMES",
    "DQMask",
    "HotPixelTrend",
    "RampClassification",
    "RampClassifier",
    "RampClusters",
    "RampFeatures",
    "__version__",
    "classify_ramps",
    "cluster_ramps",
    "dq_to_boolean",
    "estimate_read_noise",
    "find_hot_pixels",
    "flag_names",
    "flags_to_value",
    "measure_dark_current",
    "measure_ipc",
    "month",
    "ramp_features",
    "training_set_from_sample",
    "trend_hot_pixels",
    "unmasked_risk",
]


def __getattr__(name):
    """Import a public name (or the ``simulate`` submodule) on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))
