"""JWST data-quality (DQ) pixel flags as an astropy bit-flag map.

The 32 flags and their values are those of the JWST pipeline
(``stdatamodels.jwst.datamodels.dqflags.pixel``); DQ arrays are ``uint32``.
"""

from collections import OrderedDict

import numpy as np
from astropy.nddata.bitmask import (
    bitfield_to_boolean_mask,
    extend_bit_flag_map,
    interpret_bit_flags,
)

__all__ = [
    "DQ",
    "DQ_DESCRIPTIONS",
    "DQ_FLAGS",
    "dq_to_boolean",
    "flag_names",
    "flags_to_value",
]

_TABLE = (
    # name, value, description (wording of the JWST DQ_DEF tables)
    ("DO_NOT_USE", 1, "Bad pixel. Do not use."),
    ("SATURATED", 2, "Pixel saturated during exposure"),
    ("JUMP_DET", 4, "Jump detected during exposure"),
    ("DROPOUT", 8, "Data lost in transmission"),
    ("OUTLIER", 16, "Flagged by outlier detection"),
    ("PERSISTENCE", 32, "High persistence"),
    ("AD_FLOOR", 64, "Below A/D floor"),
    ("CHARGELOSS", 128, "Charge migration"),
    ("RESERVED", 256, "Reserved"),
    ("NON_SCIENCE", 512, "Pixel not on science portion of detector"),
    ("DEAD", 1024, "Dead pixel"),
    ("HOT", 2048, "Hot pixel"),
    ("WARM", 4096, "Warm pixel"),
    ("LOW_QE", 8192, "Low quantum efficiency"),
    ("RC", 16384, "RC pixel"),
    ("TELEGRAPH", 32768, "Telegraph pixel"),
    ("NONLINEAR", 65536, "Pixel highly nonlinear"),
    ("BAD_REF_PIXEL", 131072, "Reference pixel cannot be used"),
    ("NO_FLAT_FIELD", 262144, "Flat field cannot be measured"),
    ("NO_GAIN_VALUE", 524288, "Gain cannot be measured"),
    ("NO_LIN_CORR", 1048576, "Linearity correction not available"),
    ("NO_SAT_CHECK", 2097152, "Saturation check not available"),
    ("UNRELIABLE_BIAS", 4194304, "Bias variance large"),
    ("UNRELIABLE_DARK", 8388608, "Dark variance large"),
    ("UNRELIABLE_SLOPE", 16777216, "Slope variance large (i.e., noisy pixel)"),
    ("UNRELIABLE_FLAT", 33554432, "Flat variance large"),
    ("OPEN", 67108864, "Open pixel (counts move to adjacent pixels)"),
    ("ADJ_OPEN", 134217728, "Adjacent to open pixel"),
    ("FLUX_ESTIMATED", 268435456, "Pixel flux estimated due to missing/bad data"),
    ("MSA_FAILED_OPEN", 536870912, "Pixel sees light from failed-open shutter"),
    ("OTHER_BAD_PIXEL", 1073741824, "A catch-all flag"),
    ("REFERENCE_PIXEL", 2147483648, "Pixel is a reference pixel"),
)

#: Ordered mapping of the 32 JWST pixel flag names to their values.
DQ_FLAGS = OrderedDict((name, value) for name, value, _ in _TABLE)

#: Mapping of flag names to a one-line description (used in DQ_DEF tables).
DQ_DESCRIPTIONS = OrderedDict((name, text) for name, _, text in _TABLE)

#: The JWST pixel flags as an `astropy.nddata.bitmask` flag map: ``DQ.HOT == 2048``,
#: ``DQ["HOT"] == 2048``, and usable as ``flag_name_map`` of astropy's bitmask tools.
DQ = extend_bit_flag_map("DQ", **DQ_FLAGS)
# the flag map locks its attributes; its docstring is set past that lock
type.__setattr__(DQ, "__doc__", """The 32 JWST pixel flags as an `astropy.nddata.bitmask` flag map.

Flags are attributes and items (``DQ.HOT == DQ["HOT"] == 2048``); the map is
accepted as ``flag_name_map`` by astropy's bitmask functions.

Examples
--------
>>> import numpy as np
>>> from astropy.nddata.bitmask import bitfield_to_boolean_mask
>>> from ccdbadpix import DQ
>>> DQ.HOT, DQ["WARM"], DQ.HOT | DQ.DO_NOT_USE
(2048, 4096, 2049)
>>> dq = np.array([0, DQ.HOT, DQ.WARM])
>>> bitfield_to_boolean_mask(dq, ignore_flags="WARM", flag_name_map=DQ, good_mask_value=False)
array([False,  True, False])
""")


def flags_to_value(flags, name="flags"):
    """Turn flag names (or an integer) into a DQ integer value.

    Parameters
    ----------
    flags : int, str, or iterable of str or int
        An integer DQ value, a comma- or ``+``-separated string of flag names
        (``"HOT,WARM"``, ``"HOT+WARM"``), or a sequence of names or values.
        Names are case-insensitive.
    name : str, optional
        Name of the parameter being converted, used in error messages.

    Returns
    -------
    value : int
        The bitwise OR of the flags (``0`` for ``None`` or an empty sequence).

    Raises
    ------
    ValueError
        If a name is not one of the 32 JWST flags or a value is not a sum of them.

    Examples
    --------
    >>> from ccdbadpix import flags_to_value
    >>> flags_to_value("HOT,DO_NOT_USE")
    2049
    >>> flags_to_value(["dead", "warm"])
    5120
    """
    if flags is None:
        return 0
    if isinstance(flags, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, a string of flag names or a sequence "
                        "of them")
    if isinstance(flags, (int, np.integer)):
        value = int(flags)
        if value < 0 or value >= 2**32:
            raise ValueError(f"{name}: DQ value {value} is outside the uint32 range")
        return value
    if isinstance(flags, str):
        items = [s.strip() for s in flags.replace("+", ",").replace("|", ",").split(",")]
    elif np.iterable(flags) and not isinstance(flags, (bytes, dict)):
        items = list(np.ravel(flags)) if isinstance(flags, np.ndarray) else list(flags)
    else:
        raise TypeError(f"{name} must be an integer DQ value, a string of flag names or a "
                        f"sequence of them, got {flags!r}")
    value = 0
    for item in items:
        if item is None:
            raise TypeError(f"{name}: None is not a DQ flag name or value")
        if isinstance(item, str):
            if not item:
                continue
            key = item.upper()
            if key not in DQ_FLAGS:
                raise ValueError(
                    f"{name}: unknown DQ flag name {item!r}; expected one of "
                    f"{', '.join(DQ_FLAGS)}"
                )
            value |= DQ_FLAGS[key]
        else:
            value |= flags_to_value(item, name)
    return value


def flag_names(value):
    """Names of the flags set in a DQ value.

    Parameters
    ----------
    value : int
        A DQ value (bitwise OR of flags).

    Returns
    -------
    names : list of str
        Flag names in the order of their bit, lowest first.

    Examples
    --------
    >>> from ccdbadpix import flag_names
    >>> flag_names(2049)
    ['DO_NOT_USE', 'HOT']
    """
    value = flags_to_value(value, "value")
    return [name for name, bit in DQ_FLAGS.items() if value & bit]


def dq_to_boolean(dq, flags=None, ignore_flags=None):
    """Boolean bad-pixel mask (True = bad) from a DQ array.

    Parameters
    ----------
    dq : array-like of int
        DQ values.
    flags : int, str or sequence, optional
        Only these flags make a pixel bad. Default: any flag does.
    ignore_flags : int, str or sequence, optional
        These flags are ignored (pixels carrying only them are good). Cannot be
        combined with ``flags``.

    Returns
    -------
    mask : `numpy.ndarray` of bool

    Examples
    --------
    >>> import numpy as np
    >>> from ccdbadpix import DQ, dq_to_boolean
    >>> dq = np.array([0, DQ.HOT, DQ.WARM, DQ.HOT | DQ.DO_NOT_USE], dtype=np.uint32)
    >>> dq_to_boolean(dq)
    array([False,  True,  True,  True])
    >>> dq_to_boolean(dq, flags="HOT")
    array([False,  True, False,  True])
    >>> dq_to_boolean(dq, ignore_flags="WARM")
    array([False,  True, False,  True])
    """
    if flags is not None and ignore_flags is not None:
        raise ValueError("give either flags or ignore_flags, not both")
    dq = np.asarray(dq)
    if dq.dtype.kind not in "ui":
        raise TypeError(f"dq must be an integer array, got dtype {dq.dtype}")
    if dq.size and dq.dtype.kind == "i" and dq.min() < 0:
        raise ValueError("dq holds negative values; DQ values are unsigned 32-bit integers")
    if dq.size and dq.dtype.itemsize > 4 and dq.max() > 0xFFFFFFFF:
        raise ValueError("dq holds values above 2**32-1; DQ values are uint32")
    if flags is not None:
        wanted = flags_to_value(flags, "flags")
        if wanted == 0:
            raise ValueError(f"flags must name at least one DQ flag, got {flags!r} (to count "
                             "every flag, leave flags=None)")
        ignore = (~wanted) & 0xFFFFFFFF
    else:
        ignore = flags_to_value(ignore_flags, "ignore_flags")
    return bitfield_to_boolean_mask(
        dq.astype(np.uint32, copy=False),
        ignore_flags=interpret_bit_flags(ignore),
        good_mask_value=False,
        dtype=bool,
    )
