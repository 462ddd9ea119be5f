"""Private validators of scalar parameters: each error names the parameter and what it expects."""

import numbers

import numpy as np

__all__ = []


def _real(value, name, *, low=None, high=None, low_open=False, high_open=False,
          expected=None):
    """``value`` as a finite float within [low, high] (ends excluded when ``*_open``).

    Booleans, strings, arrays and other non-numbers raise `TypeError`; NaN, infinities
    and values out of range raise `ValueError`; both messages name ``name``.
    """
    if expected is None:
        lo = "" if low is None else f"{'>' if low_open else '>='} {low:g}"
        hi = "" if high is None else f"{'<' if high_open else '<='} {high:g}"
        expected = "a finite number" + (f" {lo}" if lo else "") + (
            f"{' and' if lo else ''} {hi}" if hi else "")
    shown = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, bool | np.bool_ | str | bytes) or np.ndim(value) != 0:
        raise TypeError(f"{name} must be {expected}, got {shown!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be {expected}, got {shown!r}") from None
    bad = not np.isfinite(number)
    if low is not None:
        bad |= number < low or (low_open and number == low)
    if high is not None:
        bad |= number > high or (high_open and number == high)
    if bad:
        raise ValueError(f"{name} must be {expected}, got {shown!r}")
    return number


def _integer(value, name, minimum=None, maximum=None):
    """``value`` as an int (an integer type, not a bool) within [minimum, maximum]."""
    expected = {None: "an integer", 0: "a non-negative integer",
                1: "a positive integer"}.get(minimum, f"an integer >= {minimum}")
    if maximum is not None:
        expected += f" {'and ' if minimum is not None else ''}<= {maximum}"
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {expected}, got {value!r}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {expected}, got {value}")
    return value


def _boolean(value, name, allow_none=False):
    """``value`` as a bool (True/False or numpy bools; None too with ``allow_none``)."""
    if value is None and allow_none:
        return None
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False{' or None' if allow_none else ''}, "
                        f"got {value!r}")
    return bool(value)


def _seed(seed, name="seed"):
    """A seed `numpy.random.default_rng` accepts: None, an integer >= 0, or a Generator,
    BitGenerator or SeedSequence."""
    if seed is None or isinstance(seed, np.random.Generator | np.random.BitGenerator |
                                  np.random.SeedSequence):
        return seed
    return _integer(seed, name, 0)
