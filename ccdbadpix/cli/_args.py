"""What every ``ccdbadpix`` command shares: option types that check their values, error
messages in the command line's words, and the checks of outputs made before any work.

Nothing here imports more than astropy.units, and that only when an option is parsed,
so that ``ccdbadpix --help`` stays fast.
"""

import argparse
import math
import os
import re
from pathlib import Path

__all__ = []

# --------------------------------------------------------------------------- types
# argparse names the option in front of an ArgumentTypeError ("argument --sigma: ..."),
# so these messages say only what is wrong with the value.


def _float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_float(text):
    """argparse type: a finite number above zero."""
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def unit_interval(text):
    """argparse type: a number in [0, 1]."""
    value = _float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def open_unit_interval(text):
    """argparse type: a number strictly between 0 and 1."""
    value = _float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {text}")
    return value


def finite_float(text):
    """argparse type: a finite number (its range is checked where it is used)."""
    return _float(text)


def _int(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def int_at_least(minimum, what=None):
    """argparse type: a whole number of at least ``minimum`` (``what`` names the range)."""
    def parse(text):
        value = _int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"must be {what or f'at least {minimum}'}, got {text}")
        return value

    parse.__name__ = "int"  # argparse's fallback message names the type
    return parse


#: argparse type: a whole number of at least 1.
positive_int = int_at_least(1)
#: argparse type: a whole number of at least 0 (e.g. a random seed).
nonnegative_int = int_at_least(0, "a non-negative whole number")


def uint32(text):
    """argparse type: a mask value, 0 to 2**32 - 1."""
    value = _int(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be a mask value from 0 to 4294967295, "
                                         f"got {text}")
    return value


def _units():
    import astropy.units as u

    from ccdbadpix.utils._units import _dn_to_adu

    return u, _dn_to_adu


#: kind -> (what it is, units it must convert to, unit of a plain number or None)
_KINDS = {
    "rate": ("a dark-current rate", ("electron / s", "adu / s"), None),
    "level": ("a level in counts", ("electron", "adu"), None),
    "gain": ("a gain", ("electron / adu",), "electron / adu"),
    "time": ("a time", ("s",), "s"),
    "noise": ("a read noise", ("electron", "adu"), "electron"),
}
_EXAMPLES = {"rate": "'1 electron/s' or '3 DN/s'", "level": "'65535 adu'",
             "gain": "1.5 or '1.5 electron/adu'", "time": "10.7 or '10.7 s'",
             "noise": "12 or '12 DN'"}


def quantity(kind):
    """argparse type: a positive, finite quantity of one physical kind.

    A plain number is accepted where the kind has a natural unit (gain: electron/adu,
    time: s, read noise: electron); rates and levels need their unit.
    """
    what, allowed, default = _KINDS[kind]

    def parse(text):
        u, dn_to_adu = _units()
        example = _EXAMPLES[kind]
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is not None:
            if default is None:
                raise argparse.ArgumentTypeError(
                    f"{text!r} has no unit; write {what} with its unit, e.g. {example}")
            q = u.Quantity(number, default)
        else:
            try:
                q = u.Quantity(text)
            except (TypeError, ValueError):
                raise argparse.ArgumentTypeError(
                    f"{text!r} is not a quantity; write e.g. {example}") from None
            if q.unit == u.dimensionless_unscaled and default is not None:
                q = u.Quantity(q.value, default)
            if q.ndim != 0:
                raise argparse.ArgumentTypeError(f"expected one value, got {text!r}")
            unit = dn_to_adu(q.unit)
            if not any(unit.is_equivalent(a) for a in allowed):
                raise argparse.ArgumentTypeError(
                    f"{text!r} is not {what} (expected {' or '.join(allowed)}, "
                    f"e.g. {example})")
        if not math.isfinite(q.value) or q.value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive and finite, got {text!r}")
        if number is not None and kind == "gain":
            return number  # a plain number: electron per adu (DN), as the library reads it
        return q

    parse.__name__ = kind  # argparse's fallback message names the type
    return parse


def data_unit(rates):
    """argparse type: a unit of counts (adu, DN, electron), or also of count rates."""
    expected = "adu, DN or electron" + (", or a rate such as DN/s" if rates else "")

    def parse(text):
        u, dn_to_adu = _units()
        try:
            unit = dn_to_adu(u.Unit(text))
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"{text!r} is not a unit; expected {expected}"
                                             ) from None
        kinds = [u.adu, u.electron] + ([u.adu / u.s, u.electron / u.s] if rates else [])
        if not any(unit.is_equivalent(k) for k in kinds):
            raise argparse.ArgumentTypeError(f"{text!r} is not {expected}")
        return text

    parse.__name__ = "unit"
    return parse


# --------------------------------------------------------------------- messages
#: library parameter -> command-line option, shared by every command (a command adds its
#: own with `cli_message`'s ``extra``)
_COMMON_OPTIONS = {
    "exposure_time": "--exposure-time",
    "unit": "--unit",
    "gain": "--gain",
    "threshold": "--threshold",
    "warm_threshold": "--warm-threshold",
    "hot_threshold": "--hot-threshold",
    "method": "--method",
    "sigma": "--sigma",
    "maxiters": "--maxiters",
    "saturation": "--saturation",
    "neighbors": "--neighbors",
    "ipc": "--ipc",
    "instrument": "--instrument",
    "detector": "--detector",
    "useafter": "--useafter",
    "pedigree": "--pedigree",
    "author": "--author",
    "format": "--format",
    "overwrite": "--overwrite",
    "group_time": "--group-time",
    "read_noise": "--read-noise",
    "min_confidence": "--min-confidence",
    "model": "--model",
    "n_jobs": "--jobs",
    "n_components": "--components",
    "max_components": "--max-components",
    "n_per_cluster": "--per-cluster",
    "max_per_cluster": "--sheet-per-cluster",
    "seed": "--seed",
    "convention": "--convention",
    "bad_value": "--bad-value",
    "bit_map": "--bit-map",
    "thresholds": "--thresholds",
    "mask_flags": "--flags",
    "steps": "--steps",
    "max_risk": "--max-risk",
    "stamp_shape": "--stamp",
    "n_stamps": "--n-stamps",
}
#: what stands for a value the message leaves open, per option
_METAVARS = {"--bit-map": "V=FLAG,...", "--bad-value": "N"}
_VERBS = r"(?=\s+(?:must|is|are|has|have|needs|cannot|should|of|and|or|given)\b|\s*[:(,;])"


def _replace_parameter(text, name, option):
    """Every way ``name`` appears in a message, said with ``option``."""
    lead = r"(?<![\w.\-\[])"
    # name={...}, name='x', name="x", name=True, name=N, name=
    text = re.sub(lead + re.escape(name) + r"=\{[^}]*\}",
                  f"{option} {_METAVARS.get(option, 'VALUE')}", text)
    text = re.sub(lead + re.escape(name) + r"=(['\"])(.*?)\1", rf"{option} \2", text)
    text = re.sub(lead + re.escape(name) + r"=True\b", option, text)
    text = re.sub(r"\{'" + re.escape(name) + r"': ([^}]*)\}", rf"{option} \1", text)
    text = re.sub(lead + re.escape(name) + r"=(?=\w)", f"{option} ", text)
    text = re.sub(lead + re.escape(name) + r"=", option, text)
    # name[i]: an item of a list option, e.g. times[0] -> --dates
    text = re.sub(lead + re.escape(name) + r"\[\d+\]", option, text)
    # name as the subject of a sentence: "gain must be ...", "warm_threshold (0.1) ..."
    # (never "the gain is unknown", which speaks of the quantity, not of the option)
    if "_" in name:
        return re.sub(lead + re.escape(name) + r"(?![\w\[])", option, text)
    return re.sub(r"(?:^|(?<=[;:]\s)|(?<=\bgive\s)|(?<=\bpass\s)|(?<=\band\s)|(?<=\bor\s)"
                  r"|(?<=\bbelow\s)|(?<=\babove\s))"
                  + re.escape(name) + _VERBS, option, text)


def cli_message(text, extra=None, files=()):
    """A library error message said in the command line's words.

    Parameter names become options (``exposure_time=`` -> ``--exposure-time``,
    ``method='sigma'`` -> ``--method sigma``, ``overwrite=True`` -> ``--overwrite``), the
    labels ``darks[i]`` become the i-th input file, and Python spellings of units
    (``u.month``) the command line's.

    Parameters
    ----------
    text : str
        The message.
    extra : dict, optional
        Parameter -> option pairs of this command, used before the common ones.
    files : sequence of str
        The input files, in the order the library numbers them (``darks[0]``, ...).
    """
    options = {**_COMMON_OPTIONS, **(extra or {})}
    for name in sorted(options, key=len, reverse=True):  # warm_threshold before threshold
        if options[name]:
            text = _replace_parameter(text, name, options[name])
    files = list(files)

    def label(match):
        i = int(match.group(1))
        if i >= len(files):
            return match.group(0)
        if match.group(2) and str(files[i]) in text:  # "darks[0]: cannot read FILE: ..."
            return ""
        return str(files[i]) + (match.group(2) or "")

    text = re.sub(r"\bdarks\[(\d+)\](?: \([^)]*\))?(: )?", label, text)
    return text


# ------------------------------------------------------------------------ outputs
def _key(path):
    return Path(os.path.abspath(os.path.expanduser(str(path))))


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return _key(a) == _key(b)


def check_outputs(outputs, overwrite, inputs=(), suffixes=None):
    """Fail before any work when an output cannot or must not be written.

    Parameters
    ----------
    outputs : sequence of (str, path or None)
        The option that names each output (e.g. ``"--output"``) and the path given
        (None: not asked for).
    overwrite : bool
        Whether existing files may be replaced.
    inputs : sequence of paths
        The input files: no output may be one of them, even with ``overwrite``.
    suffixes : dict, optional
        Option -> the file extensions that output may have (lower case, with the dot).

    Raises
    ------
    ValueError
        An output is an input, is given twice, is a folder, or has an extension its
        writer cannot write.
    FileExistsError
        An output exists and ``overwrite`` is false.
    FileNotFoundError, NotADirectoryError
        An output's folder does not exist or is not a folder.
    """
    seen = {}
    for option, path in outputs:
        if path is None:
            continue
        path = Path(path)
        if not path.name or path.name in (".", ".."):
            raise ValueError(f"{option} {path}: give a file name, not a folder")
        for item in inputs:
            if _same_file(path, item):
                raise ValueError(f"{option} {path} is the input file {item}; write the "
                                 "output to another file (the input is never replaced)")
        key = _key(path)
        if key in seen:
            raise ValueError(f"{path} is given for two outputs ({seen[key]} and {option})")
        seen[key] = option
        if path.is_dir():
            raise ValueError(f"{option} {path} is a folder; give a file name")
        allowed = (suffixes or {}).get(option)
        if allowed and path.suffix.lower() not in allowed:
            raise ValueError(f"{option} {path}: expected a file ending in "
                             f"{', '.join(sorted(allowed))}")
        parent = path.parent if str(path.parent) else Path(".")
        if parent.exists() and not parent.is_dir():
            raise NotADirectoryError(f"{option} {path}: {parent} is not a folder")
        if not parent.is_dir():
            raise FileNotFoundError(f"{option} {path}: folder {parent} does not exist")
        if path.exists() and not overwrite:
            raise FileExistsError(f"{option} {path} already exists")
        if not os.access(parent, os.W_OK):
            raise PermissionError(f"{option} {path}: folder {parent} is not writable")


def check_inputs(option_paths):
    """Every input is an existing file (not a folder); name the option when not."""
    for option, path in option_paths:
        if path is None:
            continue
        p = Path(path)
        if p.is_dir():
            raise IsADirectoryError(f"{option}: {path} is a folder, not a file")
        if not p.is_file():
            raise FileNotFoundError(f"{option}: no file at {path}")
