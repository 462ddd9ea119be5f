"""Units shared by every concern: counts (adu = DN, electron), Quantities from numbers, the
gain and conversions between count units through it, and the month (astropy has none)."""

import astropy.units as u
import numpy as np

__all__ = []

#: Count units a dark may be in. DN (JWST) and adu (ccdproc) are the same thing, a
#: data number; they are treated as interchangeable.
_COUNT_UNITS = (u.adu, u.electron)

#: A month: astropy has none, so a twelfth of a Julian year (30.4375 days). Enabled so
#: that ``u.Unit("pix / month")`` parses, e.g. when an ECSV trend table is read back.
month = u.def_unit("month", u.year / 12, doc="a twelfth of a Julian year (30.4375 d)")
u.add_enabled_units([month])


def _dn_to_adu(unit):
    """The unit with every DN replaced by adu (they name the same quantity)."""
    unit = u.Unit(unit)
    if u.DN not in unit.bases:
        return unit
    bases = [u.adu if base == u.DN else base for base in unit.bases]
    return u.CompositeUnit(unit.scale, bases, unit.powers)


def _count_unit(unit):
    """The count part (adu or electron) of a unit, or None."""
    unit = _dn_to_adu(unit)
    for base in unit.bases:
        if base in _COUNT_UNITS:
            return base
    return None


def _as_quantity(value, name, default_unit=None, physical=None):
    """A Quantity from a Quantity or a plain number, with DN read as adu.

    ``physical`` is a unit the value must be convertible to (after DN->adu); the
    check raises `~astropy.units.UnitsError` naming the parameter.
    """
    if isinstance(value, u.Quantity):
        q = u.Quantity(value.value, _dn_to_adu(value.unit))
    else:
        if default_unit is None:
            raise TypeError(f"{name} must be an astropy Quantity, got {type(value).__name__}")
        try:
            q = u.Quantity(value, _dn_to_adu(default_unit), dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be a number or a Quantity, got {value!r}") from exc
    if physical is not None and not q.unit.is_equivalent(_dn_to_adu(physical)):
        raise u.UnitsError(
            f"{name} is in {q.unit.to_string() or 'dimensionless'}, which is not "
            f"convertible to {_dn_to_adu(physical).to_string()}"
        )
    return q


def _gain_value(gain, name="gain"):
    """``gain`` as a positive float in electron / adu (None stays None); DN reads as adu."""
    if gain is None:
        return None
    if isinstance(gain, (bool, np.bool_, str, bytes)):
        raise TypeError(f"{name} must be a positive number or Quantity in electron / adu, "
                        f"got {gain!r}")
    if isinstance(gain, u.Quantity):
        q = u.Quantity(gain.value, _dn_to_adu(gain.unit))
        if not q.unit.is_equivalent(u.electron / u.adu):
            raise u.UnitsError(f"{name} must be in electron / adu or electron / DN, "
                               f"got {gain.unit}")
        value = q.to_value(u.electron / u.adu)
    else:
        value = gain
    if np.ndim(value) != 0:
        raise ValueError(f"{name} must be a single number, got shape {np.shape(value)}")
    try:
        value = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a positive number or Quantity in electron / adu, "
                        f"got {gain!r}") from exc
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be positive, got {gain}")
    return value


def _convert_factor(unit, target, gain, name):
    """Factor turning a value in ``unit`` into ``target`` (adu<->electron through gain)."""
    unit, target = _dn_to_adu(unit), _dn_to_adu(target)
    if unit.is_equivalent(target):
        return unit.to(target)
    if gain is not None:
        for per, factor in ((u.electron / u.adu, gain), (u.adu / u.electron, 1.0 / gain)):
            if (unit * per).is_equivalent(target):
                return factor * (unit * per).to(target)
    hint = ""
    if gain is None and {_count_unit(unit), _count_unit(target)} == {u.adu, u.electron}:
        hint = "; give gain= (electron / adu) to convert between them"
    raise u.UnitsError(f"{name} is in {unit.to_string()}, which cannot be compared with "
                       f"{target.to_string()}{hint}")
