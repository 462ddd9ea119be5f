"""The ``ccdbadpix trend`` command: hot-pixel trending of darks, rate maps or masks."""

import fnmatch
import glob
from pathlib import Path

from ccdbadpix.cli._args import (
    check_inputs,
    check_outputs,
    data_unit,
    open_unit_interval,
    positive_int,
    quantity,
)
from ccdbadpix.cli._common import bit_map, mask_layout, save_figure

__all__ = []

#: Library parameters this command calls by another option than the common ones.
OPTIONS = {"times": "--dates",
           "mask_convention": "--convention, --bad-value, --bit-map or --file-convention",
           "interval": None}
_STAMP_HELP = "stamp size, e.g. 32x32 (default) or 64"


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
        return {"bit_map": bit_map(rest)}
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
    import math

    import astropy.units as u

    numbers, _, unit = text.strip().partition(" ")
    try:
        values = [float(v) for v in numbers.split(",")]
        thresholds = u.Quantity(values, unit.strip() or "DN/s")
    except (ValueError, TypeError):
        raise ValueError(f"--thresholds {text!r}: expected comma-separated numbers and a "
                         "unit, e.g. '1,3,10,100 DN/s'") from None
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise ValueError(f"--thresholds {text!r}: every threshold must be positive and finite")
    return thresholds


def add_parser(subparsers):
    """The ``trend`` subcommand and its options."""
    trend = subparsers.add_parser(
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
                       "(default HOT; e.g. DO_NOT_USE, HOT WARM or HOT,WARM)")
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
    trend.add_argument("--gain", type=quantity("gain"),
                       help="gain, e.g. 1.8 (a plain number is electron/DN) or "
                       "'1.8 electron/DN'")
    trend.add_argument("--unit", type=data_unit(rates=True),
                       help="unit of files without BUNIT (e.g. DN/s)")
    trend.add_argument("--max-risk", type=open_unit_interval, default=0.1, metavar="P",
                       help="largest acceptable risk of an unmasked hot pixel in a stamp "
                       "(default 0.1)")
    trend.add_argument("--stamp", default="32x32", help=_STAMP_HELP)
    trend.add_argument("--n-stamps", type=positive_int, nargs="+", default=[1, 8],
                       metavar="N",
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
    default = mask_layout(args)
    try:
        rules = [(pattern, _convention_spec(spec)) for pattern, spec in args.file_convention]
    except ValueError as exc:
        raise ValueError(f"--file-convention: {exc}") from None
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


def _levels_match_kind(args, files, convention):
    """--flags count mask flags, --thresholds dark currents: refuse the one that does not
    apply to these files (read from their headers only)."""
    from ccdbadpix.trend._inputs import _describe

    kind = _describe(files, convention)[0].kind
    if kind != "mask" and args.flags is not None:
        raise ValueError("--flags counts flags of mask files, but these are dark-current "
                         "maps or darks: choose their levels with --thresholds (or read "
                         "the files as masks with --convention, --bad-value or --bit-map)")
    if kind == "mask" and args.thresholds is not None:
        raise ValueError("--thresholds applies to darks and rate maps, but these are masks: "
                         "choose the flags that count with --flags")


def run(args):
    """Trend the files, print the growth and cadences, write the table (fits, figures)."""
    stamp = _stamp(args.stamp)
    thresholds = _thresholds(args.thresholds) if args.thresholds is not None else None
    convention = _mask_convention(args)
    files = _files(args.files)
    args.input_files = files  # errors about darks[i] name the file
    plots = ([f"{args.plots}_{kind}.png" for kind in ("counts", "risk", "first_hot")]
             if args.plots else [])
    check_outputs([("--output", args.output), ("--fits-output", args.fits_output),
                   *(("--plots", p) for p in plots)], args.overwrite, inputs=files,
                  suffixes={"--output": {".ecsv"}, "--fits-output": {".ecsv"}})
    check_inputs([("FILES", f) for f in files])
    _levels_match_kind(args, files, convention)
    kwargs = {}
    if thresholds is not None:
        kwargs["thresholds"] = thresholds
    if args.flags is not None:
        kwargs["mask_flags"] = args.flags

    from ccdbadpix.trend.trend import trend_hot_pixels

    trend = trend_hot_pixels(files, times="filename" if args.dates_from_names else args.dates,
                             steps=_steps(args.steps), gain=args.gain, unit=args.unit,
                             mask_convention=convention,
                             progress=False if args.no_progress else None, **kwargs)
    print(f"{len(files)} {'masks' if trend.kind == 'mask' else 'dark-current maps'}")
    print(trend.summary(max_risk=args.max_risk, stamp_shape=stamp, n_stamps=args.n_stamps))
    written = [str(trend.write(args.output, overwrite=args.overwrite))]
    if args.fits_output:
        _write_fits(trend, args.fits_output, args.overwrite)
        written.append(args.fits_output)
    if plots:
        _save_plots(trend, plots, stamp, args)
        written += plots
    print("wrote " + ", ".join(written))
    return 0


def _steps(text):
    """--steps: 'auto', 'none' (None) or comma-separated dates."""
    text = text.strip()
    if text == "auto":
        return "auto"
    return None if text.lower() == "none" else [s.strip() for s in text.split(",")]


def _write_fits(trend, path, overwrite):
    """The per-threshold fits as their own ECSV table, written atomically."""
    from ccdbadpix.utils._files import _atomic_write

    table = trend.fits
    _atomic_write(path, lambda tmp: table.write(tmp, format="ascii.ecsv", overwrite=True),
                  overwrite)


def _save_plots(trend, plots, stamp, args):
    """The counts, the risk and the first-hot map, as the three ``plots`` files."""
    save_figure(trend.plot(), plots[0], args.overwrite)
    ax = trend.plot_risk(stamp_shape=stamp, n_stamps=args.n_stamps, max_risk=args.max_risk)
    save_figure(ax.figure, plots[1], args.overwrite, bbox_inches="tight")
    ax = trend.plot_first_hot()
    save_figure(ax.figure, plots[2], args.overwrite, bbox_inches="tight")
