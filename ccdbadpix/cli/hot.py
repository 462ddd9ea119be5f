"""The ``ccdbadpix hot`` command: hot and warm pixels of dark frames -> DQ mask file."""

from ccdbadpix.cli._args import (
    check_inputs,
    check_outputs,
    data_unit,
    finite_float,
    positive_float,
    positive_int,
    quantity,
)
from ccdbadpix.cli._common import (
    FITS_SUFFIXES,
    WARM_HELP,
    check_jwst,
    input_header,
    jwst_keywords,
    save_mask_plot,
    tenth,
)

__all__ = []

#: Library parameters this command calls by another option than the common ones.
OPTIONS = {"exposure_key": None}


def add_parser(subparsers):
    """The ``hot`` subcommand and its options."""
    hot = subparsers.add_parser(
        "hot", help="hot and warm pixels of dark frames -> DQ mask file",
        description="Find hot and warm pixels in one or several darks (FITS files, "
        "bias-subtracted) and write a JWST-convention DQ mask.")
    hot.add_argument("darks", nargs="+", help="dark FITS files (counts or rates, with BUNIT)")
    hot.add_argument("-o", "--output", required=True, help="mask file to write")
    hot.add_argument("--format", choices=("fits", "jwst"), default="fits",
                     help="'fits' (DQ image + DQ_DEF) or 'jwst' (CRDS-style MASK file)")
    hot.add_argument("--exposure-time", "--exptime", dest="exptime", type=positive_float,
                     nargs="+", metavar="SECONDS",
                     help="exposure time(s) in s, one for all darks or one per dark; "
                     "default: EXPTIME of each file")
    hot.add_argument("--unit", type=data_unit(rates=True),
                     help="unit of files without BUNIT (adu, DN, electron, adu/s)")
    hot.add_argument("--gain", type=quantity("gain"),
                     help="electron/adu, e.g. 1.5 (a plain number is electron/adu) or "
                     "'1.5 electron/adu'; default: GAIN keyword of the darks")
    hot.add_argument("--threshold", type=quantity("rate"),
                     help="hot threshold (default '1 electron/s'; darks in adu need a gain, "
                     "'3 DN/s' does not)")
    hot.add_argument("--warm-threshold", type=_warm_threshold,
                     help=f"warm threshold, or 'none' for no WARM flags; {WARM_HELP}; "
                     "none with --method sigma")
    hot.add_argument("--method", choices=("absolute", "sigma"), default="absolute")
    hot.add_argument("--sigma", type=positive_float, default=5.0,
                     help="sigma of --method sigma (default 5)")
    hot.add_argument("--maxiters", type=positive_int, default=5,
                     help="maxiters of --method sigma (default 5)")
    hot.add_argument("--saturation", type=quantity("level"),
                     help="saturation level, e.g. '65535 adu'")
    hot.add_argument("--neighbors", choices=("none", "above", "cross"), default="above",
                     help="IPC-lit neighbours: none, above (default) or cross")
    hot.add_argument("--ipc", type=finite_float,
                     help="IPC coupling per neighbour, in [0, 0.125) (default: measured)")
    hot.add_argument("--instrument", help="INSTRUME keyword (needed for --format jwst)")
    hot.add_argument("--detector", help="DETECTOR keyword (needed for --format jwst)")
    hot.add_argument("--useafter", help="USEAFTER date (for --format jwst)")
    hot.add_argument("--pedigree", help="PEDIGREE (GROUND, SIMULATION, INFLIGHT ...)")
    hot.add_argument("--author", help="AUTHOR keyword")
    hot.add_argument("--plot", metavar="PNG", help="also save a map of the flagged pixels")
    hot.add_argument("--overwrite", action="store_true", help="replace existing files")
    return hot


def _warm_threshold(text):
    """argparse type of hot --warm-threshold: a rate or 'none'."""
    if text.strip().lower() == "none":
        return "none"
    return quantity("rate")(text)


def run(args):
    """Find the hot pixels of the darks, write the mask (and map), print a summary."""
    check_outputs([("--output", args.output), ("--plot", args.plot)], args.overwrite,
                  inputs=args.darks, suffixes={"--output": FITS_SUFFIXES, "--plot": {".png"}})
    check_inputs([("DARK", path) for path in args.darks])
    headers = [input_header(path) for path in args.darks]
    check_jwst(args, headers[0])
    exptime = _exposure_time(args)
    gain, source = args.gain, "--gain"
    if gain is None:
        gain, source = _header_gain(args.darks, headers), "GAIN keyword"
    warm = _warm(args)

    from ccdbadpix.darks.hotpixels import find_hot_pixels

    darks = args.darks[0] if len(args.darks) == 1 else args.darks
    mask = find_hot_pixels(
        darks, exposure_time=exptime, unit=args.unit, gain=gain,
        threshold=args.threshold, warm_threshold=warm, method=args.method,
        sigma=args.sigma, maxiters=args.maxiters, saturation=args.saturation,
        neighbors=args.neighbors, ipc=args.ipc,
    )
    path = mask.write(args.output, format=args.format, overwrite=args.overwrite,
                      **jwst_keywords(args))
    _report(args, mask, warm, gain, source)
    print(f"wrote {path} ({args.format})")
    if args.plot:
        save_mask_plot(mask, args.plot, args.overwrite)
        print(f"wrote {args.plot}")
    return 0


def _exposure_time(args):
    """--exposure-time: None, one value for all darks, or one per dark."""
    if args.exptime is None:
        return None
    if len(args.exptime) not in (1, len(args.darks)):
        raise ValueError(f"--exposure-time has {len(args.exptime)} values for "
                         f"{len(args.darks)} darks (give one, or one per dark)")
    return args.exptime[0] if len(args.exptime) == 1 else args.exptime


def _warm(args):
    """The warm threshold: given, none, or a tenth of the hot one (absolute method)."""
    warm = args.warm_threshold
    if warm is None and args.method == "absolute":
        return tenth(args.threshold)
    return None if warm == "none" else warm


def _header_gain(paths, headers):
    """The GAIN keyword of the inputs (electron per adu), or None; one value for all."""
    import math
    from pathlib import Path

    gains = {}
    for path, header in zip(paths, headers, strict=True):
        if "GAIN" not in header:
            continue
        value = header["GAIN"]
        try:
            gain = float(value)
        except (TypeError, ValueError):
            gain = math.nan
        if isinstance(value, bool) or not math.isfinite(gain) or gain <= 0:
            raise ValueError(f"{path}: GAIN = {value!r} is not a positive number; give "
                             "--gain")
        gains[path] = gain
    if len(set(gains.values())) > 1:
        listed = ", ".join(f"{Path(p).name} {g:g}" for p, g in gains.items())
        raise ValueError(f"the darks have different GAIN keywords ({listed}); give --gain")
    return next(iter(gains.values()), None)


def _report(args, mask, warm, gain, source):
    """The mask's summary and the thresholds, neighbours and gain it was made with."""
    print(mask.summary())
    line = (f"hot threshold {mask.meta['HOTRATE']:.4g} {mask.meta['RATEUNIT']}, warm "
            + (f"{mask.meta['WARMTHR']:.4g} {mask.meta['WARMUNIT']}" if warm is not None
               else "none")
            + f", neighbours: {args.neighbors}")
    if gain is not None:
        line += f", gain {float(getattr(gain, 'value', gain)):g} ({source})"
    print(line)
