"""Data-quality flags and masks: the 32 JWST pixel flags (`DQ`, `DQ_FLAGS`), `DQMask`
and the mask file formats (ccdbadpix FITS, CRDS-style JWST MASK, foreign layouts)."""

from ccdbadpix.dq.flags import (
           DQ,
           DQ_DESCRIPTIONS,
           DQ_FLAGS,
           dq_to_boolean,
           flag_names,
           flags_to_value,
)
from ccdbadpix.dq.mask import DQMask

__all__ = ["DQ", "DQ_DESCRIPTIONS", "DQ_FLAGS", "DQMask", "dq_to_boolean", "flag_names",
           "flags_to_value"]
