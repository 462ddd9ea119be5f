"""ccdbadpix: find, classify and trend bad pixels of CCD and infrared detectors.

An astropy/ccdproc plugin: `~astropy.nddata.CCDData` in, JWST-convention DQ bit
masks (`DQMask`) out.
"""

try:
    from ._version import version as __version__
except ImportError:  # pragma: no cover - only without an install
    __version__ = "0.0.0"

from . import simulate as simulate  # the submodule, ccdbadpix.simulate
from .classifier import RampClassifier
from .clustering import RampClusters, cluster_ramps, training_set_from_sample
from .darks import measure_dark_current
from .dqflags import DQ, DQ_DESCRIPTIONS, DQ_FLAGS, dq_to_boolean, flag_names, flags_to_value
from .hotpixels import find_hot_pixels, measure_ipc
from .mask import DQMask
from .rampfeatures import FEATURE_NAMES, RampFeatures, estimate_read_noise, ramp_features
from .rampresult import RampClassification
from .ramps import DEFAULT_DQ_MAPPING, classify_ramps
from .trending import HotPixelTrend, month, trend_hot_pixels, unmasked_risk

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
