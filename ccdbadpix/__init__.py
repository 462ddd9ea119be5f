"""ccdbadpix: find, classify and trend bad pixels of CCD and infrared detectors.

An astropy/ccdproc plugin: `~astropy.nddata.CCDData` in, JWST-convention DQ bit
masks (`DQMask`) out.
"""

# The public names are imported on first use (PEP 562), so that ``import ccdbadpix``
# and the ``ccdbadpix`` command start fast: the modules behind them pull in scipy,
# astropy.nddata and friends, and some of those pull in more on use.
import importlib

try:
    from ._version import version as __version__
except ImportError:  # pragma: no cover - only without an install
    __version__ = "0.0.0"

# The month unit is defined and enabled at import (astropy.units only), so that
# ``u.Unit("pix / month")`` parses and trend tables written as ECSV read back.
from ._helpers import month as month

#: Where each public name lives.
_LAZY = {
    "RampClassifier": "classifier",
    "RampClusters": "clustering",
    "cluster_ramps": "clustering",
    "training_set_from_sample": "clustering",
    "measure_dark_current": "darks",
    "DQ": "dqflags",
    "DQ_DESCRIPTIONS": "dqflags",
    "DQ_FLAGS": "dqflags",
    "dq_to_boolean": "dqflags",
    "flag_names": "dqflags",
    "flags_to_value": "dqflags",
    "find_hot_pixels": "hotpixels",
    "measure_ipc": "hotpixels",
    "DQMask": "mask",
    "FEATURE_NAMES": "rampfeatures",
    "RampFeatures": "rampfeatures",
    "estimate_read_noise": "rampfeatures",
    "ramp_features": "rampfeatures",
    "RampClassification": "rampresult",
    "DEFAULT_DQ_MAPPING": "ramps",
    "classify_ramps": "ramps",
    "HotPixelTrend": "trending",
    "trend_hot_pixels": "trending",
    "unmasked_risk": "trending",
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
