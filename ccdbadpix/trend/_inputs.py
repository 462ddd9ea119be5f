"""Epochs of a hot-pixel trend: inputs, their dates, their kind, loaded one at a time."""

import glob
import re
from dataclasses import dataclass
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.nddata import NDData
from astropy.time import Time

from ccdbadpix.dq.mask import DQMask
from ccdbadpix.utils._files import FITSFileError, _fits_error, _open_fits

__all__ = []

#: Header keywords searched for the date of an epoch, in this order.
DATE_KEYWORDS = ("DATE-OBS", "DATE-BEG", "MJD-OBS", "USEAFTER")
_NAME_DATE = re.compile(r"(?<!\d)(\d{8}|\d{6})(?!\d)")


@dataclass
class _Epoch:
    """One epoch: where it came from, when, what it is, and how to get its data."""

    index: int  # position in the user's input
    name: str
    item: object  # the user's object (or path)
    kind: str  # "rate" or "mask"
    header: object  # a header-like mapping (read-only use)
    shape: tuple | None
    time: Time | None = None
    convention: dict | None = None


def _label(index, item):
    if isinstance(item, str | Path):
        return Path(item).name
    return f"darks[{index}]"


def _has_magic(path):
    return any(c in str(path) for c in "*?[")


def _expand(darks):
    """The list of per-epoch items: paths (globs expanded), objects, or cubes split."""
    if isinstance(darks, str | Path):
        matches = sorted(glob.glob(str(darks))) if _has_magic(darks) else [darks]
        if not matches:
            raise FileNotFoundError(f"darks: no file matches {darks}")
        return matches
    if isinstance(darks, DQMask | NDData):
        raise ValueError("darks must hold at least two epochs (a list of darks, rate maps or "
                         "masks), got a single image")
    if isinstance(darks, u.Quantity | np.ndarray):
        if darks.ndim != 3:
            raise ValueError("darks given as one array must be a cube (n_epochs, ny, nx) of "
                             f"rate maps, got shape {darks.shape}")
        return list(darks)
    try:
        items = list(darks)
    except TypeError:
        raise TypeError("darks must be a sequence of darks, rate maps, masks or paths, or a "
                        f"glob pattern, got {type(darks).__name__}") from None
    out = []
    for item in items:
        if isinstance(item, str | Path) and _has_magic(item) and not Path(item).exists():
            matches = sorted(glob.glob(str(item)))
            if not matches:
                raise FileNotFoundError(f"darks: no file matches {item}")
            out.extend(matches)
        else:
            out.append(item)
    return out


def _convention_for(mask_convention, index, item, n):
    """DQMask.read keywords for one path (None: decide from the file)."""
    conv = mask_convention
    if callable(conv):
        conv = conv(item)
    elif isinstance(conv, list | tuple):
        if len(conv) != n:
            raise ValueError(f"mask_convention has {len(conv)} entries for {n} epochs")
        conv = conv[index]
    if conv is None:
        return None
    if isinstance(conv, str):
        return {"convention": conv}
    if isinstance(conv, dict):
        unknown = set(conv) - {"convention", "bad_value", "bit_map", "bad_flags", "hdu"}
        if unknown:
            raise ValueError(f"mask_convention has unknown keys {sorted(unknown)}; use those "
                             "of DQMask.read: convention, bad_value, bit_map, bad_flags, hdu")
        return dict(conv)
    raise TypeError("mask_convention must be None, 'dq', 'bad', 'good', a dict of "
                    "DQMask.read keywords, a list of those, or a function of the path; got "
                    f"{type(conv).__name__}")


def _inspect_path(path, index, convention):
    """Kind, header (primary merged with the image HDU) and shape of a FITS file."""
    path = Path(path)
    with _open_fits(path, f"darks[{index}]") as hdul:
        header = fits.Header(hdul[0].header)
        image = None
        for hdu in hdul:
            if hdu.is_image and hdu.header.get("NAXIS", 0) >= 2:
                image = hdu
                break
        if image is None:
            raise _fits_error(path, f"darks[{index}]", "it holds no image HDU")
        if image is not None and image is not hdul[0]:
            for card in image.header.cards:
                if card.keyword not in header and card.keyword not in ("", "COMMENT",
                                                                       "HISTORY"):
                    header[card.keyword] = card.value
        shape = None
        if image is not None:
            shape = tuple(image.header[f"NAXIS{i}"] for i in (2, 1))
        is_mask = convention is not None or "DQ_DEF" in hdul
        if not is_mask and "BUNIT" not in header and image is not None and \
                image.header.get("BITPIX", -32) > 0 and image.header.get("BSCALE", 1) == 1:
            is_mask = None  # an integer image without a unit: we cannot tell
    return ("mask" if is_mask else "rate" if is_mask is False else None), header, shape


def _describe(darks, mask_convention):
    """One `_Epoch` per input, without loading image data from files."""
    items = _expand(darks)
    n = len(items)
    epochs = []
    for i, item in enumerate(items):
        name = _label(i, item)
        if isinstance(item, str | Path):
            conv = _convention_for(mask_convention, i, item, n)
            kind, header, shape = _inspect_path(item, i, conv)
            if kind is None:
                raise ValueError(
                    f"darks[{i}] ({name}) is an integer image without BUNIT: if it is a mask, "
                    "say how to read it with mask_convention= (e.g. 'bad' for 1 = bad, or "
                    "{'bad_value': 1024}); if it is a dark, give unit=")
            epochs.append(_Epoch(i, name, item, kind, header, shape, convention=conv))
        elif isinstance(item, DQMask):
            epochs.append(_Epoch(i, name, item, "mask", item.meta, item.shape))
        elif isinstance(item, np.ndarray) and item.dtype == bool:
            epochs.append(_Epoch(i, name, DQMask.from_array(item), "mask", {}, item.shape))
        elif isinstance(item, NDData):
            epochs.append(_Epoch(i, name, item, "rate", item.meta or {}, np.shape(item.data)))
        elif isinstance(item, u.Quantity | np.ndarray):
            epochs.append(_Epoch(i, name, item, "rate", {}, np.shape(item)))
        elif isinstance(item, list | tuple):  # several darks of one epoch
            if not item:
                raise ValueError(f"darks[{i}] is an empty list")
            first = item[0]
            header = getattr(first, "meta", None) or {}
            if isinstance(first, str | Path):
                _, header, _ = _inspect_path(first, i, None)
            epochs.append(_Epoch(i, f"darks[{i}]", item, "rate", header, None))
        else:
            raise TypeError(f"darks[{i}] must be a CCDData, NDData, Quantity, array, DQMask, "
                            f"FITS path or a list of darks of one epoch, got "
                            f"{type(item).__name__}")
    kinds = {e.kind for e in epochs}
    if len(kinds) > 1:
        masks = [e.name for e in epochs if e.kind == "mask"][:3]
        raise ValueError("darks mixes masks (e.g. " + ", ".join(masks) + ") with darks or "
                         "rate maps; trend one kind at a time")
    if n < 2:
        raise ValueError(f"trending needs at least two epochs, got {n}")
    shapes = {e.shape for e in epochs if e.shape is not None}
    if len(shapes) > 1:
        detail = ", ".join(f"{e.name} {e.shape}" for e in epochs if e.shape is not None)
        raise ValueError(f"the epochs have different shapes: {detail}")
    return epochs


def date_from_name(name):
    """The date in a file name, ``YYYYMMDD`` or ``YYMMDD`` (20YY), as a `~astropy.time.Time`."""
    stem = Path(str(name)).name
    for match in _NAME_DATE.finditer(stem):
        digits = match.group(1)
        year, rest = (digits[:4], digits[4:]) if len(digits) == 8 else ("20" + digits[:2],
                                                                         digits[2:])
        try:
            return Time(f"{year}-{rest[:2]}-{rest[2:]}T00:00:00", format="isot", scale="utc")
        except ValueError:
            continue
    raise ValueError(f"no date (YYYYMMDD or YYMMDD) in the file name {stem!r}")


def _header_time(header):
    for key in DATE_KEYWORDS:
        if key not in header or header[key] in (None, ""):
            continue
        value = header[key]
        try:
            if key == "MJD-OBS":
                return Time(float(value), format="mjd", scale="utc"), key
            text = str(value).strip()
            if "T" not in text and "TIME-OBS" in header and key == "DATE-OBS":
                text = f"{text}T{str(header['TIME-OBS']).strip()}"
            return Time(text, scale="utc"), key
        except (ValueError, TypeError):
            raise ValueError(f"cannot read {key} = {value!r} as a date") from None
    return None, None


def _as_time(value, what):
    if isinstance(value, Time):
        if not value.isscalar:
            raise ValueError(f"{what} must be a single date, got {len(value)} dates")
        return value
    try:
        if isinstance(value, bool | np.bool_):
            raise TypeError
        if isinstance(value, int | float | np.integer | np.floating):
            if not np.isfinite(value):
                raise ValueError
            return Time(float(value), format="mjd", scale="utc")
        return Time(value, scale="utc")
    except (ValueError, TypeError):
        raise ValueError(f"{what}: {value!r} is not a date (give a Time, an ISO string such "
                         "as '2024-01-31' or an MJD number)") from None


def _assign_times(epochs, times):
    """Set ``epoch.time`` from ``times`` (a sequence, 'filename') or the headers."""
    if isinstance(times, str):
        if times != "filename":
            raise ValueError(f"times must be a sequence of dates or 'filename', got {times!r}")
        for e in epochs:
            if not isinstance(e.item, str | Path):
                raise ValueError(f"times='filename' needs file paths, but {e.name} is a "
                                 f"{type(e.item).__name__}")
            try:
                e.time = date_from_name(e.item)
            except ValueError as exc:
                raise ValueError(f"times='filename': {exc}") from None
    elif times is not None:
        if isinstance(times, Time) and times.isscalar:
            raise ValueError("times must hold one date per epoch, got a single date")
        if not np.iterable(times):
            raise TypeError(f"times must be a sequence of dates (one per epoch) or "
                            f"'filename', got {times!r}")
        values = list(times)
        if len(values) != len(epochs):
            raise ValueError(f"times has {len(values)} dates for {len(epochs)} epochs")
        for e, value in zip(epochs, values, strict=True):
            e.time = _as_time(value, f"times[{e.index}]")
    else:
        for e in epochs:
            e.time, _ = _header_time(e.header)
            if e.time is None:
                raise ValueError(
                    f"{e.name} has no date: no {', '.join(DATE_KEYWORDS)} in its header; give "
                    "times= (one date per epoch), or times='filename' for dates in file names")
    mjd = np.array([e.time.utc.mjd for e in epochs])
    order = np.argsort(mjd, kind="stable")
    same = np.flatnonzero(np.diff(mjd[order]) == 0)
    if same.size:
        a, b = epochs[order[same[0]]], epochs[order[same[0] + 1]]
        raise ValueError(f"{a.name} and {b.name} have the same date "
                         f"({a.time.utc.isot}); each epoch needs its own")
    return [epochs[i] for i in order]


def _load_mask(epoch):
    if isinstance(epoch.item, DQMask):
        return epoch.item
    conv = epoch.convention or {}
    try:
        return DQMask.read(epoch.item, **conv)
    except FITSFileError:  # the file itself is bad: no convention can help
        raise
    except ValueError as exc:
        raise ValueError(f"{epoch.name}: {exc}; give mask_convention=") from None
