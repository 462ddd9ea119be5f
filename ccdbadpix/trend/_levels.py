"""The levels a trend counts: dark-current thresholds for darks and rate maps, flags for
masks; their labels, and which level a user means."""

import warnings
from dataclasses import dataclass

import numpy as np
from astropy import units as u
from astropy.utils.exceptions import AstropyUserWarning

from ccdbadpix.dq.flags import flags_to_value

__all__ = []

_DEFAULT_THRESHOLDS = (1, 3, 10, 100) * u.DN / u.s
_DEFAULT_MASK_FLAGS = "HOT"


@dataclass
class _Levels:
    """What a trend counts, one entry per level."""

    kind: str  # "rate" or "mask"
    labels: list  # column suffixes: "1", "3"... or the flag names
    values: object  # the thresholds (a Quantity) or the flag names (list of str)
    flags: list | None = None  # for masks: the DQ value of each level


def _levels(kind, thresholds, mask_flags):
    """The levels of a trend of ``kind`` epochs; the other kind's option must be None."""
    if kind == "mask":
        if thresholds is not None:
            raise ValueError("thresholds apply to darks and rate maps; for masks choose the "
                             "flags that count with mask_flags=")
        levels = _levels_for_masks(mask_flags)
        names = [name for name, _ in levels]
        return _Levels(kind, names, list(names), [value for _, value in levels])
    if mask_flags is not None:
        raise ValueError("mask_flags apply to masks; for darks and rate maps choose the "
                         "dark-current levels with thresholds=")
    thr = _levels_for_rates(thresholds)
    return _Levels(kind, [_label(v) for v in thr.value], thr)


def _levels_for_rates(thresholds):
    q = _DEFAULT_THRESHOLDS if thresholds is None else thresholds
    if not isinstance(q, u.Quantity):
        raise TypeError("thresholds must be a Quantity of dark-current rates, e.g. "
                        f"(1, 3, 10, 100) * u.DN / u.s, got {thresholds!r}")
    q = np.atleast_1d(q)
    if q.ndim != 1 or q.size == 0 or not np.all(np.isfinite(q.value)) or np.any(q.value <= 0):
        raise ValueError(f"thresholds must be positive rates, got {thresholds!r}")
    if np.unique(q.value).size != q.size:
        raise ValueError(f"thresholds must be different, got {thresholds!r}")
    return np.sort(q)


def _levels_for_masks(mask_flags):
    if mask_flags is None:
        mask_flags = _DEFAULT_MASK_FLAGS
    if isinstance(mask_flags, str | int | np.integer):
        items = [mask_flags]
    elif isinstance(mask_flags, list | tuple):
        items = list(mask_flags)
    else:
        raise TypeError("mask_flags must be a flag name, a DQ value or a list of those (one "
                        f"level each), got {mask_flags!r}")
    if not items:
        raise ValueError("mask_flags must name at least one flag")
    levels = []
    for item in items:
        if not isinstance(item, str | int | np.integer | list | tuple) or isinstance(
                item, bool):
            raise TypeError(f"mask_flags entries must be flag names or DQ values, got "
                            f"{item!r}")
        value = flags_to_value(item, "mask_flags")
        if value == 0:
            raise ValueError(f"mask_flags entry {item!r} names no flag")
        levels.append((str(item), np.uint32(value)))
    return levels


def _label(value):
    return f"{value:g}"


def _warn_empty_levels(counts, labels, kind):
    """Warn about mask levels that count no pixel at any epoch (likely the wrong flags),
    or rate thresholds when none counts any pixel (likely the wrong unit)."""
    empty = [label for j, label in enumerate(labels) if not counts[:, j].any()]
    if kind == "mask" and empty:
        hint = ("the masks carry none of these flags: choose the flags they use with "
                "mask_flags= (e.g. 'DO_NOT_USE' for masks read with a 'bad' convention)")
    elif len(empty) == len(labels):  # a high threshold may well count no pixel
        hint = "no pixel reaches any threshold: check the thresholds and their unit"
    else:
        return
    warnings.warn(f"{', '.join(empty)}: no pixel counted at any epoch; {hint}",
                  AstropyUserWarning, stacklevel=3)


def _level_index(kind, thresholds, labels, threshold):
    """Index of the level a user names: a threshold (Quantity, number in the thresholds'
    unit) or a label; None is the first (lowest) level."""
    if threshold is None:
        return 0
    if kind == "mask":
        if threshold in labels:
            return labels.index(threshold)
        raise ValueError(f"threshold must be one of {labels}, got {threshold!r}")
    if isinstance(threshold, str) and threshold in labels:
        return labels.index(threshold)
    try:
        if isinstance(threshold, bool | np.bool_):
            raise TypeError
        value = (u.Quantity(threshold).to_value(thresholds.unit)
                 if isinstance(threshold, u.Quantity | str) else float(threshold))
    except (TypeError, ValueError, u.UnitsError):
        raise ValueError(f"threshold must be one of the trended thresholds "
                         f"{thresholds} (a Quantity, a number in "
                         f"{thresholds.unit}, or a label of {labels}), got "
                         f"{threshold!r}") from None
    match = np.flatnonzero(np.isclose(thresholds.value, value, rtol=1e-9))
    if not match.size:
        raise ValueError(f"threshold {threshold} is not one of the trended thresholds "
                         f"{thresholds}")
    return int(match[0])
