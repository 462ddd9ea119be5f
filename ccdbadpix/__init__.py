"""ccdbadpix: find, classify and trend bad pixels of CCD and infrared detectors.

An astropy/ccdproc plugin: `~astropy.nddata.CCDData` in, JWST-convention DQ bit
masks (`DQMask`) out.
"""

try:
    from ._version import version as __version__
except ImportError:  # pragma: no cover - only without an install
    __version__ = "0.0.0"

from .dqflags import DQ, DQ_DESCRIPTIONS, DQ_FLAGS, dq_to_boolean, flag_names, flags_to_value

__all__ = [
    "DQ",
    "DQ_DESCRIPTIONS",
    "DQ_FLAGS",
    "__version__",
    "dq_to_boolean",
    "flag_names",
    "flags_to_value",
]
