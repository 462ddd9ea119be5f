"""What a `DQMask` is made from, checked and converted: a native DQ array, a header, and the
foreign mask layouts (``convention``, ``bad_value``, ``bit_map``, a ``DQ_DEF`` table) mapped
onto JWST DQ values."""

import re
import warnings
from collections.abc import Mapping

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning

from ccdbadpix.dq.flags import DQ, flags_to_value

__all__ = []

_UINT32_MAX = 2**32 - 1
_CONVENTIONS = (None, "dq", "bad", "good")


def _as_dq_array(data, name="data"):
    """Validate and convert DQ values to a uint32 array (always a copy)."""
    array = np.asarray(data)
    if array.dtype == bool:
        raise TypeError(
            f"{name} is a boolean mask; use DQMask.from_array(mask, convention='bad') "
            "to say which flag its True pixels get"
        )
    if array.dtype.kind not in "ui":
        raise TypeError(f"{name} must be an integer array of DQ values, got dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D image, got shape {array.shape}")
    if array.size and array.dtype.kind == "i" and array.min() < 0:
        raise ValueError(f"{name} holds negative values; DQ values are unsigned 32-bit integers")
    if array.size and array.dtype.itemsize > 4 and array.max() > _UINT32_MAX:
        raise ValueError(f"{name} holds values above 2**32-1; DQ values are uint32")
    return array.astype(np.uint32, copy=True)


def _as_header(meta, name="meta"):
    """A new FITS header holding ``meta`` (a Header, a mapping or None)."""
    if meta is None:
        return fits.Header()
    if isinstance(meta, fits.Header):
        return meta.copy()
    if not isinstance(meta, Mapping):
        raise TypeError(f"{name} must be a FITS header or a dict, got {type(meta).__name__}")
    header = fits.Header()
    for key, value in meta.items():
        try:
            header[key] = value
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"{name}[{key!r}] cannot be a FITS header card: {exc}") from exc
    return header


def _check_layout(convention, bad_value, bit_map):
    """Validate how a foreign mask is to be read (`DQMask.read`, `DQMask.from_array`)."""
    if convention is not None and not isinstance(convention, str):
        raise ValueError(f"convention must be one of 'dq', 'bad', 'good' (or None), "
                         f"got {convention!r}")
    if bad_value is not None:
        if isinstance(bad_value, (bool, np.bool_)) or not isinstance(bad_value,
                                                                   (int, np.integer)):
            raise TypeError(f"bad_value must be an integer (the value of bad pixels), "
                            f"got {bad_value!r}")
        if convention in ("bad", "good") or bit_map is not None:
            raise ValueError("bad_value cannot be combined with "
                             f"{'bit_map' if bit_map is not None else 'convention='}"
                             f"{'' if bit_map is not None else repr(convention)}")
    if bit_map is None:
        return
    if not isinstance(bit_map, Mapping):
        raise TypeError(f"bit_map must be a dict of foreign value to JWST flag name(s), "
                        f"got {type(bit_map).__name__}")
    if convention in ("bad", "good"):
        raise ValueError(f"bit_map cannot be combined with convention={convention!r}")
    for bit, names in bit_map.items():
        if isinstance(bit, (bool, np.bool_)) or not isinstance(bit, (int, np.integer)):
            raise TypeError(f"bit_map keys must be integer values of the foreign mask, "
                            f"got {bit!r}")
        if not 0 <= bit < 2**32:
            raise ValueError(f"bit_map: foreign value {bit} is outside the uint32 range")
        if names is None or isinstance(names, (float, bool, np.bool_, np.floating)):
            raise TypeError(f"bit_map[{bit}] must be JWST flag name(s) or a DQ value, "
                            f"got {names!r}")
        if isinstance(names, (int, np.integer)):
            flags_to_value(names, f"bit_map[{bit}]")  # a DQ value must fit in uint32


def _flag_items(names):
    """The single flag names (or values) in a bit-map entry: 'A,B', ['A', 'B'], 5."""
    if isinstance(names, str):
        return [item.strip() for item in re.split(r"[,+|]", names)] or [""]
    if isinstance(names, list | tuple):
        return [item for entry in names for item in _flag_items(entry)]
    return [names]


def _resolve_bit_map(bit_map):
    """Validate a foreign bit map; unknown names become OTHER_BAD_PIXEL (with a warning).

    Every name of an entry keeps its flag: ``("RC", "WEIRD")`` gives RC | OTHER_BAD_PIXEL.
    """
    resolved, unknown = {}, []
    for bit, names in bit_map.items():
        bit = int(bit)
        if bit == 0:  # e.g. a GOOD=0 row
            continue
        if bit < 0 or bit >= 2**32:
            raise ValueError(f"bit_map: foreign value {bit} is outside the uint32 range")
        value = 0
        for item in _flag_items(names):
            if not isinstance(item, str):
                value |= flags_to_value(item, f"bit_map[{bit}]")
                continue
            try:
                flag = flags_to_value(item, f"bit_map[{bit}]")
            except ValueError:
                flag = 0
            if flag == 0:  # a name with no JWST flag (or an empty one)
                unknown.append(f"{item or '(no name)'}={bit}")
                flag = DQ.OTHER_BAD_PIXEL
            value |= flag
        resolved[bit] = value
    if unknown:
        warnings.warn(
            "flags with no JWST name mapped to OTHER_BAD_PIXEL: " + ", ".join(unknown),
            AstropyUserWarning,
            stacklevel=4,
        )
    return resolved


def _apply_bit_map(values, bit_map):
    resolved = _resolve_bit_map(bit_map)
    values = values.astype(np.uint64, copy=False)
    out = np.zeros(values.shape, dtype=np.uint32)
    known = 0
    for bit, target in resolved.items():
        known |= bit
        out |= ((values & np.uint64(bit)) != 0).astype(np.uint32) * np.uint32(target)
    stray = (values & np.uint64(~known & 0xFFFFFFFF)) != 0
    if stray.any():
        present = np.bitwise_or.reduce(values[stray])
        warnings.warn(
            f"{int(stray.sum())} pixels carry bits not in the layout "
            f"(value bits {int(present) & ~known:#x}); flagged OTHER_BAD_PIXEL",
            AstropyUserWarning,
            stacklevel=3,
        )
        out[stray] |= np.uint32(DQ.OTHER_BAD_PIXEL)
    return out


def convert_foreign(array, *, convention="dq", bad_value=None, bit_map=None,
                    bad_flags="DO_NOT_USE", dq_def=None):
    """Map a mask of any layout onto JWST DQ values.

    Returns the uint32 array and a HISTORY line describing the mapping.
    """
    if convention not in _CONVENTIONS:
        raise ValueError("convention must be one of 'dq', 'bad', 'good' (or None), "
                         f"got {convention!r}")
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"the mask must be a 2-D image, got shape {array.shape}")
    bad_value_flags = flags_to_value(bad_flags, "bad_flags")
    if bad_value_flags == 0:
        raise ValueError("bad_flags must name at least one flag")

    def _from_bad(bad, how):
        return np.where(bad, np.uint32(bad_value_flags), np.uint32(0)), how

    if array.dtype.kind not in "biuf":
        raise TypeError(f"the mask must hold integers or booleans, got dtype {array.dtype}")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ValueError("the mask holds NaN or infinite values")

    if bad_value is not None:
        return _from_bad(array == bad_value, f"pixels equal to {bad_value} are bad")
    if array.dtype == bool:
        if convention == "good":
            return _from_bad(~array, "boolean mask, True = good")
        return _from_bad(array, "boolean mask, True = bad")
    if convention == "bad":
        return _from_bad(array != 0, "non-zero = bad")
    if convention == "good":
        return _from_bad(array == 0, "non-zero = good, zero = bad")

    if array.dtype.kind == "f":
        if np.any(array != np.round(array)):
            raise ValueError("a DQ mask must hold whole numbers")
        array = array.astype(np.int64)
    if array.size and array.min() < 0:
        raise ValueError("the mask holds negative values; DQ values are unsigned")
    if array.size and array.max() >= 2**32:
        raise ValueError("the mask holds values above 2**32-1")

    if bit_map is not None:
        return _apply_bit_map(array, bit_map), "foreign layout mapped with bit_map"
    if dq_def is not None:
        return _apply_bit_map(array, dq_def), "DQ_DEF flags mapped onto JWST values by name"
    if convention == "dq":
        return array.astype(np.uint32), "values are JWST DQ flags"
    raise ValueError(
        "the integer mask has no DQ_DEF table: say how to read it with convention='dq' "
        "(values are JWST DQ flags), convention='bad' (non-zero = bad), "
        "convention='good' (non-zero = good), bad_value=N or bit_map={value: 'FLAG'}"
    )
