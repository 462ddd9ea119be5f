"""The ``ccdbadpix classify`` command: classify every pixel of an up-the-ramp dark cube
-> DQ mask, labels and figures."""

from pathlib import Path

from ccdbadpix.cli._args import (
    check_inputs,
    check_outputs,
    positive_int,
    quantity,
    unit_interval,
)
from ccdbadpix.cli._common import (
    FITS_SUFFIXES,
    JWST_KEYS,
    WARM_HELP,
    add_ramp_input,
    check_jwst,
    input_header,
    jwst_keywords,
    ramp_kwargs,
    save_figure,
    tenth,
)

__all__ = []

OPTIONS = None


def add_parser(subparsers):
    """The ``classify`` subcommand and its options."""
    cls = subparsers.add_parser(
        "classify", help="classify every pixel of an up-the-ramp dark cube -> DQ mask",
        description="Classify every pixel of an up-the-ramp dark cube as good, hot, warm, "
        "dead, telegraph, nonlinear, saturated, cosmic_ray, decreasing or uncertain, with a "
        "confidence; write the DQ mask (and optionally the labels and figures) and print "
        "the pixels per class and the cosmic-ray events.")
    add_ramp_input(cls)
    cls.add_argument("-o", "--output",
                     help="mask file to write (default: RAMPS_mask.fits in the current folder)")
    cls.add_argument("--format", choices=("fits", "jwst"), default="fits",
                     help="'fits' (DQ image + DQ_DEF) or 'jwst' (CRDS-style MASK file)")
    cls.add_argument("--read-noise", type=quantity("noise"), metavar="RN",
                     help="read noise per read in electron (or '12 DN'); default: estimated")
    cls.add_argument("--hot-threshold", type=quantity("rate"), metavar="QUANTITY",
                     help="hot dark current, default '1 electron/s' ('3 DN/s' needs no gain)")
    cls.add_argument("--warm-threshold", type=quantity("rate"), metavar="QUANTITY",
                     help=f"warm dark current; {WARM_HELP}")
    cls.add_argument("--min-confidence", type=unit_interval, default=0.5, metavar="F",
                     help="pixels whose label has a lower probability are 'uncertain' "
                     "(default 0.5)")
    cls.add_argument("--model", metavar="PATH", help="a saved RampClassifier (default: the "
                     "model shipped with ccdbadpix)")
    cls.add_argument("--labels", metavar="FITS", help="also write LABELS, CONFIDENCE and "
                     "DARKCUR images (class names in CLASS0, CLASS1, ...)")
    cls.add_argument("--plots", metavar="PREFIX", help="also save PREFIX_map.png, "
                     "PREFIX_confidence.png and PREFIX_ramps.png")
    cls.add_argument("--jobs", type=positive_int, default=2, help="threads (default 2)")
    for key in JWST_KEYS:
        cls.add_argument(f"--{key}", help=f"{key.upper()[:8]} keyword of the mask")
    cls.add_argument("--overwrite", action="store_true", help="replace existing files")
    cls.add_argument("--no-progress", action="store_true", help="no progress bar")
    return cls


def run(args):
    """Classify the ramps, write the mask (labels, figures), print the classes."""
    output = args.output or f"{Path(args.ramps).name.split('.')[0]}_mask.fits"
    plots = ([f"{args.plots}_{kind}.png" for kind in ("map", "confidence", "ramps")]
             if args.plots else [])
    inputs = [p for p in (args.ramps, args.model) if p is not None]
    check_outputs([("--output", output), ("--labels", args.labels),
                   *(("--plots", p) for p in plots)], args.overwrite, inputs=inputs,
                  suffixes={"--output": FITS_SUFFIXES, "--labels": FITS_SUFFIXES})
    check_inputs([("RAMPS", args.ramps), ("--model", args.model)])
    check_jwst(args, input_header(args.ramps))

    from ccdbadpix.ramps.classify import classify_ramps

    result = classify_ramps(args.ramps, min_confidence=args.min_confidence, n_jobs=args.jobs,
                            progress=False if args.no_progress else None,
                            **_classify_kwargs(args))
    path = result.dq.write(output, format=args.format, overwrite=args.overwrite,
                           **jwst_keywords(args))
    _report(args, result)
    print(f"wrote {path} ({args.format}, {int(result.dq.to_boolean().sum())} flagged pixels)")
    if args.labels:
        _write_labels(result, args.labels, args.overwrite)
        print(f"wrote {args.labels}")
    if plots:
        _save_plots(result, plots, Path(args.ramps).name, args.overwrite)
        print("wrote " + ", ".join(plots))
    return 0


def _classify_kwargs(args):
    """The keywords of `classify_ramps` from the options given (warm: a tenth of hot)."""
    kwargs = ramp_kwargs(args)
    for key in ("read_noise", "hot_threshold", "model"):
        if getattr(args, key) is not None:
            kwargs[key] = getattr(args, key)
    kwargs["warm_threshold"] = (args.warm_threshold if args.warm_threshold is not None
                                else tenth(args.hot_threshold))
    return kwargs


def _report(args, result):
    """The cube's size, the pixels per class and the cosmic-ray events."""
    import numpy as np

    ny, nx = result.labels.shape
    print(f"{args.ramps}: {ny} x {nx} pixels, {result.times.size} groups, "
          f"{result.meta['NINTS']} integration(s)")
    print(result.summary())
    events = result.cosmic_rays
    hit = int(np.sum(events["npix"])) if len(events) else 0
    print(f"cosmic-ray events: {len(events)} ({hit} pixel hits)")


def _write_labels(result, path, overwrite):
    """LABELS, CONFIDENCE and DARKCUR images in one FITS file, written atomically."""
    import astropy.units as u
    import numpy as np
    from astropy.io import fits

    from ccdbadpix.utils._files import _atomic_write

    labels = fits.ImageHDU(result.labels.astype(np.int16), name="LABELS")
    for i, name in enumerate(result.classes):
        labels.header[f"CLASS{i}"] = (name, f"class of label {i}")
    conf = fits.ImageHDU(np.asarray(result.confidence, np.float32), name="CONFIDENCE")
    conf.header["COMMENT"] = "probability of the label (vote fraction)"
    dark = fits.ImageHDU(result.dark_current.to_value(u.electron / u.s).astype(np.float32),
                         name="DARKCUR")
    dark.header["BUNIT"] = "electron/s"
    hdul = fits.HDUList([fits.PrimaryHDU(header=result.meta.copy()), labels, conf, dark])
    _atomic_write(path, lambda tmp: hdul.writeto(tmp, overwrite=True), overwrite)


def _save_plots(result, plots, name, overwrite):
    """The class map, the confidence and example ramps, as the three ``plots`` files."""
    ax = result.plot_map(title=f"{name}: pixel classes")
    save_figure(ax.figure, plots[0], overwrite, bbox_inches="tight")
    save_figure(result.plot_confidence(), plots[1], overwrite)
    save_figure(result.plot_ramps(), plots[2], overwrite)
