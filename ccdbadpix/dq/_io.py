"""Reading and writing `DQMask` files: ccdbadpix FITS, CRDS-style MASK, foreign files (their
layouts are converted by `ccdbadpix.dq._layout`)."""

import re
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.time import Time

from ccdbadpix.dq._layout import _CONVENTIONS, convert_foreign
from ccdbadpix.dq.flags import DQ_DESCRIPTIONS, DQ_FLAGS
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
