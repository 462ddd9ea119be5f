"""The ``ccdbadpix trend`` command: hot-pixel trending of darks, rate maps or masks."""

import fnmatch
import glob
from pathlib import Path

import astropy.units as u

__all__ = []

_STAMP_HELP = "stamp size, e.g. 32x32 (default) or 64"


def _bit_map(text):
    """'1=DO_NOT_USE,1024=REFERENCE_PIXEL' -> {1: 'DO_NOT_USE', 1024: 'REFERENCE_PIXEL'}."""
    out = {}
    for part in text.split(","):
        value, _, flags = part.partition("=")
        try:
            key = int(value.strip())
        except ValueError:
            raise ValueError(f"bit map entry {part!r}: expected VALUE=FLAG, e.g. "
                             "1=DO_NOT_USE") from None
        if not flags.strip():
            raise ValueError(f"bit map entry {part!r}: expected VALUE=FLAG, e.g. 1=DO_NOT_USE")
        out[key] = [f.strip() for f in flags.split("+")]
    return out


def _convention_spec(text):
    """'dq' | 'bad' | 'good' | 'value:N' | 'bits:V=FLAG,...' -> DQMask.read keywords."""
    if text in ("dq", "bad", "good"):
        return {"convention": text}
    kind, _, rest = text.partition(":")
    if kind == "value":
        try:
            return {"bad_value": int(rest)}
        except ValueError:
            raise ValueError(f"convention {text!r}: expected value:N, e.g. value:1024") from None
    if kind == "bits":
        return {"bit_map": _bit_map(rest)}
    raise ValueError(f"convention {text!r}: expected dq, bad, good, value:N or "
                     "bits:V=FLAG,V=FLAG")


def _stamp(text):
    parts = text.lower().split("x")
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"--stamp {text!r}: expected NY x NX, e.g. 32x32") from None
    if len(shape) not in (1, 2) or min(shape) < 1:
        raise ValueError(f"--stamp {text!r}: expected NY x NX, e.g. 32x32")
    return shape if len(shape) == 2 else (shape[0], shape[0])


def _thresholds(text):
    """'1,3,10,100 DN/s' -> Quantity."""
    numbers, _, unit = text.strip().partition(" ")
    try:
        values = [float(v) for v in numbers.split(",")]
        return u.Quantity(values, unit.strip() or "DN/s")
    except (ValueError, TypeError):
        raise ValueError(f"--thresholds {text!r}: expected comma-separated numbers and a "
                         "unit, e.g. '1,3,10,100 DN/s'") from None


def add_trend_parser(sub):
    trend = sub.add_parser(
        "trend", help="trend hot pixels over many epochs -> ECSV table, plots, cadence",
        description="Count the hot pixels of darks, rate maps or bad-pixel masks taken at "
        "many epochs, follow every pixel through time, fit the growth in pixels per month "
        "(robust, with a common slope across steps), and print the growth per threshold "
        "and the recommended mask-update cadence.")
    trend.add_argument("files", nargs="+", help="FITS files or glob patterns, any order")
    trend.add_argument("-o", "--output", default="hot_pixel_trend.ecsv", metavar="ECSV",
                       help="per-epoch table to write, with the fits in its metadata "
                       "(default hot_pixel_trend.ecsv)")
    trend.add_argument("--fits-output", metavar="ECSV",
                       help="also write the per-threshold fits as their own ECSV table")
    trend.add_argument("--plots", metavar="PREFIX", help="also save PREFIX_counts.png, "
                       "PREFIX_risk.png and PREFIX_first_hot.png")
    trend.add_argument("--thresholds", type=str, metavar="'1,3,10,100 DN/s'",
                       help="dark-current thresholds of darks and rate maps (default "
                       "'1,3,10,100 DN/s')")
    trend.add_argument("--flags", nargs="+", metavar="FLAGS",
                       help="for masks: the flags that count, one level per entry "
                       "(default DO_NOT_USE; e.g. HOT WARM or HOT,WARM)")
    dates = trend.add_mutually_exclusive_group()
    dates.add_argument("--dates-from-names", action="store_true",
                       help="take each date from the file name (YYYYMMDD or YYMMDD)")
    dates.add_argument("--dates", nargs="+", metavar="DATE",
                       help="one date per file, in the order given (default: DATE-OBS, "
                       "DATE-BEG, MJD-OBS or USEAFTER of each header)")
    trend.add_argument("--convention", choices=("dq", "bad", "good"),
                       help="read the files as masks: dq = JWST flags, bad = non-zero is "
                       "bad, good = non-zero is good")
    trend.add_argument("--bad-value", type=int, metavar="N",
                       help="read the files as masks whose bad pixels equal N")
    trend.add_argument("--bit-map", metavar="V=FLAG,...",
                       help="read the files as masks of this layout, e.g. "
                       "'1=DO_NOT_USE,1024=REFERENCE_PIXEL'")
    trend.add_argument("--file-convention", nargs=2, action="append", default=[],
                       metavar=("GLOB", "SPEC"),
                       help="layout of the mask files matching GLOB: dq, bad, good, "
                       "value:N or bits:V=FLAG,...; repeatable, first match wins")
    trend.add_argument("--steps", default="auto", metavar="auto|none|DATE,...",
                       help="steps in the counts: detect (auto, default), none, or known "
                       "change dates")
    trend.add_argument("--gain", type=u.Quantity, help="gain, e.g. '1.8 electron/DN'")
    trend.add_argument("--unit", help="unit of files without BUNIT (e.g. DN/s)")
    trend.add_argument("--max-risk", type=float, default=0.1, metavar="P",
                       help="largest acceptable risk of an unmasked hot pixel in a stamp "
                       "(default 0.1)")
    trend.add_argument("--stamp", default="32x32", help=_STAMP_HELP)
    trend.add_argument("--n-stamps", type=int, nargs="+", default=[1, 8], metavar="N",
                       help="numbers of stamps for the cadence (default 1 8)")
    trend.add_argument("--overwrite", action="store_true", help="replace existing files")
    trend.add_argument("--no-progress", action="store_true", help="no progress bar")
    return trend


def _files(patterns):
    files = []
    for pattern in patterns:
        if Path(pattern).exists():
            files.append(pattern)
            continue
        matches = sorted(glob.glob(pattern))
        if not matches:
            raise FileNotFoundError(f"no file matches {pattern}")
        files.extend(matches)
    return files


def _mask_convention(args):
    default = None
    chosen = [x for x in (args.convention, args.bad_value, args.bit_map) if x is not None]
    if len(chosen) > 1:
        raise ValueError("give at most one of --convention, --bad-value, --bit-map")
    if args.convention:
        default = {"convention": args.convention}
    elif args.bad_value is not None:
        default = {"bad_value": args.bad_value}
    elif args.bit_map:
        default = {"bit_map": _bit_map(args.bit_map)}
    rules = [(pattern, _convention_spec(spec)) for pattern, spec in args.file_convention]
    if not rules:
        return default

    def convention(path):
        name = Path(path).name
        for pattern, spec in rules:
            if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(str(path), pattern):
                return spec
        if default is None:
            raise ValueError(f"{name} matches no --file-convention and no --convention, "
                             "--bad-value or --bit-map is given")
        return default

    return convention


def cmd_trend(args):
    from .cli import _check_outputs, _save_figure
    from .trending import trend_hot_pixels

    files = _files(args.files)
    plots = ([f"{args.plots}_{kind}.png" for kind in ("counts", "risk", "first_hot")]
             if args.plots else [])
    _check_outputs([args.output, args.fits_output, *plots], args.overwrite)
    stamp = _stamp(args.stamp)
    if not 0 < args.max_risk < 1:
        raise ValueError(f"--max-risk must be between 0 and 1, got {args.max_risk}")
    if any(n < 1 for n in args.n_stamps):
        raise ValueError(f"--n-stamps must be positive, got {args.n_stamps}")
    times = "filename" if args.dates_from_names else args.dates
    steps = args.steps.strip()
    steps = ("auto" if steps == "auto" else None if steps.lower() == "none"
             else [s.strip() for s in steps.split(",")])
    kwargs = {}
    if args.thresholds is not None:
        kwargs["thresholds"] = _thresholds(args.thresholds)
    if args.flags is not None:
        kwargs["mask_flags"] = args.flags
    trend = trend_hot_pixels(files, times=times, steps=steps, gain=args.gain,
                             unit=args.unit, mask_convention=_mask_convention(args),
                             progress=False if args.no_progress else None, **kwargs)
    kind = "masks" if trend.kind == "mask" else "dark-current maps"
    print(f"{len(files)} {kind}")
    print(trend.summary(max_risk=args.max_risk, stamp_shape=stamp, n_stamps=args.n_stamps))
    written = [str(trend.write(args.output, overwrite=args.overwrite))]
    if args.fits_output:
        from ._helpers import _atomic_write

        table = trend.fits
        _atomic_write(args.fits_output, lambda tmp: table.write(tmp, format="ascii.ecsv",
                                                                overwrite=True),
                      args.overwrite)
        written.append(args.fits_output)
    if plots:
        _save_figure(trend.plot(), plots[0], args.overwrite)
        ax = trend.plot_risk(stamp_shape=stamp, n_stamps=args.n_stamps,
                             max_risk=args.max_risk)
        _save_figure(ax.figure, plots[1], args.overwrite, bbox_inches="tight")
        ax = trend.plot_first_hot()
        _save_figure(ax.figure, plots[2], args.overwrite, bbox_inches="tight")
        written += plots
    print("wrote " + ", ".join(written))
    return 0
