"""Reading and writing `DQMask` files: ccdbadpix FITS, CRDS-style MASK, foreign layouts."""

import re
import warnings
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.time import Time
from astropy.utils.exceptions import AstropyUserWarning

from ccdbadpix.dq.flags import DQ, DQ_DESCRIPTIONS, DQ_FLAGS, flags_to_value
from ccdbadpix.utils._files import _atomic_write, _fits_error, _fits_str, _open_fits

__all__ = []

_FRIENDLY_KEYWORDS = {
    "telescope": "TELESCOP",
    "instrument": "INSTRUME",
    "detector": "DETECTOR",
    "subarray": "SUBARRAY",
    "useafter": "USEAFTER",
    "pedigree": "PEDIGREE",
    "author": "AUTHOR",
    "description": "DESCRIP",
}
_STRUCTURAL = {"SIMPLE", "BITPIX", "EXTEND", "BZERO", "BSCALE", "XTENSION", "PCOUNT",
               "GCOUNT", "EXTNAME", "EXTVER", "CHECKSUM", "DATASUM", "TFIELDS"}
_PEDIGREE = re.compile(r"^(GROUND|SIMULATION|DUMMY|INFLIGHT \d{4}-\d{2}-\d{2} \d{4}-\d{2}-\d{2})$")
_CONVENTIONS = (None, "dq", "bad", "good")


def _clean_header(header):
    """A copy of a header without the structural cards of its HDU."""
    out = fits.Header()
    for card in header.cards:
        key = card.keyword
        if key in _STRUCTURAL or key.startswith("NAXIS") or re.match(r"^T(TYPE|FORM|UNIT)\d", key):
            continue
        out.append(card)
    return out


def _dq_def_table():
    rows = [(int(np.log2(value)), value, name, DQ_DESCRIPTIONS[name])
            for name, value in DQ_FLAGS.items()]
    columns = [
        fits.Column(name="BIT", format="J", array=np.array([r[0] for r in rows], np.int32)),
        fits.Column(name="VALUE", format="J", bzero=2**31,
                    array=np.array([r[1] for r in rows], np.uint32)),
        fits.Column(name="NAME", format="40A", array=np.array([r[2] for r in rows])),
        fits.Column(name="DESCRIPTION", format="80A", array=np.array([r[3] for r in rows])),
    ]
    return fits.BinTableHDU.from_columns(columns, name="DQ_DEF")


def _useafter(value, name="useafter"):
    try:
        return Time(value).isot[:19]
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name}: expected a date such as '2024-01-31T00:00:00', "
                         f"got {value!r}") from exc


def _apply_keywords(header, keywords):
    """Set the caller's keywords (friendly names or FITS keywords; None: not given)."""
    for key, value in keywords.items():
        if value is None:
            continue
        fits_key = _FRIENDLY_KEYWORDS.get(key.lower(), key.upper())
        if len(fits_key) > 8:
            raise ValueError(f"keyword {key!r} is longer than 8 characters and is not one of "
                             f"{', '.join(_FRIENDLY_KEYWORDS)}")
        if fits_key == "USEAFTER":
            value = _useafter(value)
        try:
            header[fits_key] = value
        except (ValueError, TypeError) as exc:
            raise ValueError(f"keyword {key!r}: {value!r} cannot be written in a FITS header "
                             f"({exc})") from None
    return header


def _complete_jwst_keywords(header):
    """Check and complete (in place) the keywords a JWST MASK needs, but for its shape."""
    missing = [k for k in ("INSTRUME", "DETECTOR") if k not in header]
    if missing:
        raise ValueError(
            "format='jwst' needs the keyword(s) "
            + ", ".join(missing)
            + "; pass e.g. instrument='NIRSPEC', detector='NRS1'"
        )
    if "USEAFTER" in header:
        header["USEAFTER"] = _useafter(header["USEAFTER"], "the header's USEAFTER")
    elif "DATE-OBS" in header:
        text = str(header["DATE-OBS"]).strip()
        if "T" not in text and str(header.get("TIME-OBS", "")).strip():
            text = f"{text}T{str(header['TIME-OBS']).strip()}"
        header["USEAFTER"] = _useafter(text, "the header's DATE-OBS/TIME-OBS")
    else:
        raise ValueError("format='jwst' needs useafter= (the mask's header has no USEAFTER "
                         "or DATE-OBS to take it from)")
    pedigree = str(header.get("PEDIGREE", "GROUND"))
    if not _PEDIGREE.match(pedigree):
        raise ValueError(
            "pedigree must be GROUND, SIMULATION, DUMMY or 'INFLIGHT YYYY-MM-DD "
            f"YYYY-MM-DD', got {pedigree!r}"
        )
    header["PEDIGREE"] = pedigree
    return header


def check_jwst_keywords(meta=None, **keywords):
    """Validate the keywords of a JWST MASK file without writing anything.

    Does the checks ``DQMask.write(format="jwst", **keywords)`` makes on a mask whose
    header is ``meta``, so that a caller can refuse bad keywords before long work.

    Parameters
    ----------
    meta : `~astropy.io.fits.Header` or dict, optional
        The header the mask will carry (e.g. its input's); USEAFTER, DATE-OBS/TIME-OBS,
        INSTRUME and DETECTOR are taken from it when the keywords do not give them.
    **keywords
        As for `DQMask.write` (``instrument``, ``detector``, ``useafter``, ``pedigree``...);
        None means not given.

    Returns
    -------
    header : `~astropy.io.fits.Header`
        ``meta`` (cleaned) with the keywords applied, USEAFTER and PEDIGREE resolved.

    Raises
    ------
    ValueError
        Naming the keyword that is missing or bad.
    """
    if meta is None:
        meta = fits.Header()
    elif not isinstance(meta, fits.Header):
        meta = fits.Header([(k, v) for k, v in dict(meta).items()
                            if k not in ("", "COMMENT", "HISTORY") and np.isscalar(v)])
    return _complete_jwst_keywords(_apply_keywords(_clean_header(meta), keywords))


def write_mask(mask, path, format="fits", overwrite=False, **keywords):
    """Implementation of `DQMask.write`."""
    if format not in ("fits", "jwst"):
        raise ValueError(f"format must be 'fits' or 'jwst', got {format!r}")
    header = _apply_keywords(_clean_header(mask.meta), keywords)
    header["DATE"] = (Time.now().isot[:19], "file creation date (UTC)")
    header["FILENAME"] = _fits_str(Path(path).name)

    if format == "fits":
        primary = fits.PrimaryHDU(data=mask.data, header=header)
        hdul = fits.HDUList([primary, _dq_def_table()])
    else:
        _complete_jwst_keywords(header)
        ny, nx = mask.shape
        defaults = {
            "TELESCOP": "JWST",
            "AUTHOR": "ccdbadpix",
            "DESCRIP": "Bad-pixel mask made with ccdbadpix",
            "SUBARRAY": "FULL" if (ny, nx) == (2048, 2048) else "GENERIC",
            "SUBSTRT1": 1,
            "SUBSTRT2": 1,
            "SUBSIZE1": nx,
            "SUBSIZE2": ny,
        }
        for key, value in defaults.items():
            header.setdefault(key, value)
        header["REFTYPE"] = "MASK"
        header["DATAMODL"] = "MaskModel"
        primary = fits.PrimaryHDU(header=header)
        hdul = fits.HDUList([primary, fits.ImageHDU(data=mask.data, name="DQ"), _dq_def_table()])

    return _atomic_write(path, lambda tmp: hdul.writeto(tmp, checksum=True), overwrite=overwrite)


def _dq_def_value(value, column, name, path):
    """A DQ_DEF VALUE as a uint32 bit pattern (int32 columns store bit 31 as negative)."""
    kind, size = column.dtype.kind, column.dtype.itemsize
    if kind == "f" and np.isfinite(value) and value == np.round(value):
        value = int(value)
    elif kind in "iu":
        value = int(value)
        if value < 0 and size <= 4:  # e.g. -2147483648 for REFERENCE_PIXEL (2**31)
            value += 2 ** (8 * size)
    else:
        shown = value.item() if isinstance(value, np.generic) else value
        raise _fits_error(path, "mask", f"its DQ_DEF VALUE of {name!r} is {shown!r}, not an "
                                        "integer")
    if not 0 <= value < 2**32:
        raise _fits_error(path, "mask", f"its DQ_DEF VALUE of {name!r} is {value}, outside "
                                        "the uint32 range")
    return value


def _bit_map_from_dq_def(hdu, path):
    """Foreign bit value -> JWST flag name(s), from a DQ_DEF table, mapping by name.

    A value given several names (e.g. RC and WEIRD both 16384) keeps them all.
    """
    if not isinstance(hdu, fits.BinTableHDU | fits.TableHDU):
        raise _fits_error(path, "mask", "its DQ_DEF extension is an image; expected a table "
                                        "with VALUE and NAME columns")
    names = {c.lower(): c for c in hdu.columns.names}
    if "value" not in names or "name" not in names:
        raise _fits_error(path, "mask", "its DQ_DEF table has no VALUE and NAME columns "
                                        f"(columns: {hdu.columns.names})")
    table = hdu.data
    if table is None or len(table) == 0:
        return {}
    values, labels = table[names["value"]], table[names["name"]]
    if values.ndim != 1 or labels.ndim != 1:
        raise _fits_error(path, "mask", "its DQ_DEF VALUE and NAME columns must hold one "
                                        "value per row")
    mapping = {}
    for value, label in zip(values, labels, strict=True):
        label = label.decode("ascii", "replace") if isinstance(label, bytes) else str(label)
        value = _dq_def_value(value, values, label.strip(), path)
        mapping.setdefault(value, []).append(label.strip())
    return {value: tuple(labels) for value, labels in mapping.items()}


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


def _is_2d_image(hdu):
    return hdu.is_image and hdu.header.get("NAXIS", 0) == 2


def _find_image_hdu(hdul, hdu, path):
    if hdu is not None:
        try:
            found = hdul[hdu]
        except (KeyError, IndexError, TypeError) as exc:
            raise ValueError(f"hdu {hdu!r} is not in {path}") from exc
        if not _is_2d_image(found):
            raise ValueError(f"hdu {hdu!r} of {path} is not a 2-D image")
        return found
    if "DQ" in hdul:
        if not _is_2d_image(hdul["DQ"]):
            raise _fits_error(path, "mask", "its DQ extension is not a 2-D image")
        return hdul["DQ"]
    for h in hdul:
        if _is_2d_image(h):
            return h
    raise _fits_error(path, "mask", "it holds no 2-D image HDU to read as a mask")


def read_mask(cls, path, *, convention=None, bad_value=None, bit_map=None,
              bad_flags="DO_NOT_USE", hdu=None, checksum="error"):
    """Implementation of `DQMask.read`."""
    if convention not in _CONVENTIONS:
        raise ValueError("convention must be one of 'dq', 'bad', 'good' (or None), "
                         f"got {convention!r}")
    path = Path(path)
    with _open_fits(path, "mask", checksum=checksum) as hdul:
        image = _find_image_hdu(hdul, hdu, path)
        data = np.array(image.data)
        dq_def = None
        use_dq_def = convention in (None, "dq") and bit_map is None and bad_value is None
        if use_dq_def and "DQ_DEF" in hdul:
            dq_def = _bit_map_from_dq_def(hdul["DQ_DEF"], path)
        header = _clean_header(hdul[0].header)
        if image is not hdul[0]:
            for card in _clean_header(image.header).cards:
                if card.keyword not in ("COMMENT", "HISTORY", ""):
                    header[card.keyword] = (card.value, card.comment)
    values, how = convert_foreign(data, convention=convention, bad_value=bad_value,
                                  bit_map=bit_map, bad_flags=bad_flags, dq_def=dq_def)
    header.add_history(f"ccdbadpix: read {path.name}: {how}")
    return cls._wrap(values, header)  # a fresh, validated uint32 array
