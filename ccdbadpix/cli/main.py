"""The ``ccdbadpix`` command line: ``hot``, ``classify``, ``cluster``, ``trend``, ``info``,
``demo``."""

# Only the standard library at import time: ``ccdbadpix --help`` must not wait for numpy,
# astropy or scipy. Each command imports what it uses.
import argparse
import sys
import time
from pathlib import Path

from ccdbadpix import __version__
from ccdbadpix.cli._args import (
    check_inputs,
    check_outputs,
    cli_message,
    data_unit,
    finite_float,
    nonnegative_int,
    positive_float,
    positive_int,
    quantity,
    unit_interval,
)

__all__ = ["main"]

#: Extensions each kind of output may have.
FITS_SUFFIXES = {".fits", ".fit", ".fts"}
#: Image formats matplotlib writes (its standard backends).
IMAGE_SUFFIXES = {".png", ".pdf", ".svg", ".svgz", ".eps", ".ps", ".jpg", ".jpeg", ".tif",
                  ".tiff", ".webp", ".pgf", ".raw", ".rgba"}
#: Library parameters a command calls by another option than the common ones.
_COMMAND_OPTIONS = {
    "trend": {"times": "--dates",
              "mask_convention": "--convention, --bad-value, --bit-map or --file-convention",
              "interval": None},
    "hot": {"exposure_key": None},
}
_JWST_KEYS = ("instrument", "detector", "useafter", "pedigree", "author")
_WARM_HELP = ("default: a tenth of the hot threshold, in its unit (0.1 electron/s for the "
              "default 1 electron/s)")


def _add_ramp_input(parser):
    parser.add_argument("ramps", help="ramp cube FITS file: (ngroups, ny, nx) or (nints, "
                        "ngroups, ny, nx), plain or JWST-style SCI extension")
    parser.add_argument("--group-time", type=quantity("time"), metavar="SECONDS",
                        help="time between reads in s; default: the TIMES table or the "
                        "TGROUP keyword")
    parser.add_argument("--gain", type=quantity("gain"),
                        help="electron/DN, e.g. 1.8 (a plain number is electron/DN) or "
                        "'1.8 electron/DN'; default: GAIN keyword")
    parser.add_argument("--unit", type=data_unit(rates=False),
                        help="unit of a cube without BUNIT (DN, adu, electron)")


def _warm_threshold(text):
    """argparse type of hot --warm-threshold: a rate or 'none'."""
    if text.strip().lower() == "none":
        return "none"
    return quantity("rate")(text)


def _demo_size(text):
    value = positive_int(text)
    if value < 16:
        raise argparse.ArgumentTypeError(f"must be at least 16, got {text}")
    return value


def _parser():
    parser = argparse.ArgumentParser(
        prog="ccdbadpix",
        description="Find, classify and trend bad pixels of CCD and infrared detectors.",
    )
    parser.add_argument("--version", action="version", version=f"ccdbadpix {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    hot = sub.add_parser("hot", help="hot and warm pixels of dark frames -> DQ mask file",
                         description="Find hot and warm pixels in one or several darks "
                         "(FITS files, bias-subtracted) and write a JWST-convention DQ mask.")
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
                     help=f"warm threshold, or 'none' for no WARM flags; {_WARM_HELP}; "
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

    cls = sub.add_parser(
        "classify", help="classify every pixel of an up-the-ramp dark cube -> DQ mask",
        description="Classify every pixel of an up-the-ramp dark cube as good, hot, warm, "
        "dead, telegraph, nonlinear, saturated, cosmic_ray, decreasing or uncertain, with a "
        "confidence; write the DQ mask (and optionally the labels and figures) and print "
        "the pixels per class and the cosmic-ray events.")
    _add_ramp_input(cls)
    cls.add_argument("-o", "--output",
                     help="mask file to write (default: RAMPS_mask.fits in the current folder)")
    cls.add_argument("--format", choices=("fits", "jwst"), default="fits",
                     help="'fits' (DQ image + DQ_DEF) or 'jwst' (CRDS-style MASK file)")
    cls.add_argument("--read-noise", type=quantity("noise"), metavar="RN",
                     help="read noise per read in electron (or '12 DN'); default: estimated")
    cls.add_argument("--hot-threshold", type=quantity("rate"), metavar="QUANTITY",
                     help="hot dark current, default '1 electron/s' ('3 DN/s' needs no gain)")
    cls.add_argument("--warm-threshold", type=quantity("rate"), metavar="QUANTITY",
                     help=f"warm dark current; {_WARM_HELP}")
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
    for key in _JWST_KEYS:
        cls.add_argument(f"--{key}", help=f"{key.upper()[:8]} keyword of the mask")
    cls.add_argument("--overwrite", action="store_true", help="replace existing files")
    cls.add_argument("--no-progress", action="store_true", help="no progress bar")

    clu = sub.add_parser(
        "cluster", help="cluster ramps, sample pixels per cluster to verify",
        description="Cluster the pixels of an up-the-ramp dark cube by their ramp features "
        "(Gaussian mixture) and write a sample of pixels per cluster (ECSV) for a person to "
        "verify and label; the verified sample trains a RampClassifier.")
    _add_ramp_input(clu)
    clu.add_argument("-o", "--output", required=True, metavar="ECSV",
                     help="sample table to write")
    clu.add_argument("--components", type=positive_int, metavar="N",
                     help="number of clusters (default: chosen automatically, up to "
                     "--max-components)")
    clu.add_argument("--max-components", type=positive_int, default=12, metavar="N",
                     help="largest number of clusters tried (default 12)")
    clu.add_argument("--per-cluster", type=positive_int, default=20, metavar="N",
                     help="pixels sampled per cluster (default 20)")
    clu.add_argument("--seed", type=nonnegative_int, default=0,
                     help="random seed (default 0)")
    clu.add_argument("--sheet", metavar="PNG|PDF", help="also save a contact sheet of the "
                     "sampled ramps")
    clu.add_argument("--sheet-per-cluster", type=positive_int, default=12, metavar="N",
                     help="ramps per cluster on the contact sheet (default 12)")
    clu.add_argument("--overwrite", action="store_true", help="replace existing files")

    from ccdbadpix.cli.trend import add_trend_parser

    add_trend_parser(sub)

    info = sub.add_parser("info", help="flag counts of a mask file",
                          description="Print the flags of a DQ mask file (any layout).")
    info.add_argument("mask", help="mask FITS file")
    info.add_argument("--convention", choices=("dq", "bad", "good"),
                      help="how to read an integer mask without a DQ_DEF table")
    info.add_argument("--bad-value", type=int, help="the value that marks bad pixels")
    info.add_argument("--bit-map", metavar="V=FLAG,...",
                      help="read an integer mask of this layout, e.g. "
                      "'1=DO_NOT_USE,1024=REFERENCE_PIXEL' (V=FLAG1+FLAG2 for several)")

    demo = sub.add_parser("demo", help="simulate a detector and run ccdbadpix on it",
                          description="Simulate darks of a detector with known hot, warm, "
                          "IPC-lit, saturating and non-proportional pixels, and up-the-ramp "
                          "cubes with every ramp class (at most 256 x 256); find and classify "
                          "them; write the masks and figures; report recovery against the "
                          "truth.")
    demo.add_argument("--out", default="ccdbadpix_demo", help="output folder")
    demo.add_argument("--size", type=_demo_size, default=1024,
                      help="detector size in pixels (at least 16; default 1024)")
    demo.add_argument("--seed", type=nonnegative_int, default=2026,
                      help="random seed (default 2026)")
    demo.add_argument("--overwrite", action="store_true", help="replace existing files")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _input_header(path):
    """The header of a FITS input (primary merged with its first image extension); a
    file that is not FITS is refused here, before any work."""
    from astropy.io import fits

    from ccdbadpix.utils._files import _open_fits

    with _open_fits(path, "") as hdul:
        header = fits.Header(hdul[0].header)
        for hdu in hdul[1:]:
            if hdu.is_image and hdu.header.get("NAXIS", 0) >= 2:
                header.extend(hdu.header, unique=True, update=True)
                break
    return header


def _jwst_keywords(args):
    return {k: getattr(args, k) for k in _JWST_KEYS if getattr(args, k) is not None}


def _check_jwst(args, header):
    """Before any work: can a ``--format jwst`` file be written with these keywords?"""
    if args.format != "jwst":
        return
    from ccdbadpix.dq._io import check_jwst_keywords

    check_jwst_keywords(header, **_jwst_keywords(args))


def _header_gain(paths, headers):
    """The GAIN keyword of the inputs (electron per adu), or None; one value for all."""
    import math

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


def _tenth(threshold):
    """The default warm threshold: a tenth of the hot one, in its unit."""
    import astropy.units as u

    return (threshold if threshold is not None else 1 * u.electron / u.s) / 10


def _cmd_hot(args):
    outputs = [("--output", args.output), ("--plot", args.plot)]
    check_outputs(outputs, args.overwrite, inputs=args.darks,
                  suffixes={"--output": FITS_SUFFIXES, "--plot": {".png"}})
    check_inputs([("DARK", path) for path in args.darks])
    headers = [_input_header(path) for path in args.darks]
    _check_jwst(args, headers[0])
    exptime = None
    if args.exptime is not None:
        if len(args.exptime) not in (1, len(args.darks)):
            raise ValueError(f"--exposure-time has {len(args.exptime)} values for "
                             f"{len(args.darks)} darks (give one, or one per dark)")
        exptime = args.exptime[0] if len(args.exptime) == 1 else args.exptime
    gain, source = args.gain, "--gain"
    if gain is None:
        gain, source = _header_gain(args.darks, headers), "GAIN keyword"
    warm = args.warm_threshold
    if warm is None and args.method == "absolute":
        warm = _tenth(args.threshold)
    elif warm == "none":
        warm = None

    from ccdbadpix.darks.hotpixels import find_hot_pixels

    darks = args.darks[0] if len(args.darks) == 1 else args.darks
    mask = find_hot_pixels(
        darks, exposure_time=exptime, unit=args.unit, gain=gain,
        threshold=args.threshold, warm_threshold=warm, method=args.method,
        sigma=args.sigma, maxiters=args.maxiters, saturation=args.saturation,
        neighbors=args.neighbors, ipc=args.ipc,
    )
    path = mask.write(args.output, format=args.format, overwrite=args.overwrite,
                      **_jwst_keywords(args))
    print(mask.summary())
    line = (f"hot threshold {mask.meta['HOTRATE']:.4g} {mask.meta['RATEUNIT']}, warm "
            + (f"{mask.meta['WARMTHR']:.4g} {mask.meta['WARMUNIT']}" if warm is not None
               else "none")
            + f", neighbours: {args.neighbors}")
    if gain is not None:
        line += f", gain {float(getattr(gain, 'value', gain)):g} ({source})"
    print(line)
    print(f"wrote {path} ({args.format})")
    if args.plot:
        _save_plot(mask, args.plot, args.overwrite)
        print(f"wrote {args.plot}")
    return 0


def _save_plot(mask, path, overwrite, title=None):
    import matplotlib.pyplot as plt

    from ccdbadpix.plotting.figures import plot_mask
    from ccdbadpix.utils._files import _atomic_write

    ax = plot_mask(mask, title=title)
    fig = ax.figure
    fig.tight_layout()
    try:
        _atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"), overwrite)
    finally:
        plt.close(fig)


def _save_figure(fig, path, overwrite, **kwargs):
    import matplotlib.pyplot as plt

    from ccdbadpix.utils._files import _atomic_write

    fmt = Path(path).suffix.lstrip(".").lower() or "png"
    try:
        _atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format=fmt, **kwargs),
                      overwrite)
    finally:
        plt.close(fig)


def _ramp_kwargs(args):
    return {k: getattr(args, k) for k in ("group_time", "gain", "unit")
            if getattr(args, k) is not None}


def _write_labels(result, path, overwrite):
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


def _cmd_classify(args):
    output = args.output or f"{Path(args.ramps).name.split('.')[0]}_mask.fits"
    plots = ([f"{args.plots}_{kind}.png" for kind in ("map", "confidence", "ramps")]
             if args.plots else [])
    inputs = [p for p in (args.ramps, args.model) if p is not None]
    check_outputs([("--output", output), ("--labels", args.labels),
                   *(("--plots", p) for p in plots)], args.overwrite, inputs=inputs,
                  suffixes={"--output": FITS_SUFFIXES, "--labels": FITS_SUFFIXES})
    check_inputs([("RAMPS", args.ramps), ("--model", args.model)])
    _check_jwst(args, _input_header(args.ramps))
    kwargs = _ramp_kwargs(args)
    for key in ("read_noise", "hot_threshold", "model"):
        if getattr(args, key) is not None:
            kwargs[key] = getattr(args, key)
    kwargs["warm_threshold"] = (args.warm_threshold if args.warm_threshold is not None
                                else _tenth(args.hot_threshold))

    import numpy as np

    from ccdbadpix.ramps.classify import classify_ramps

    result = classify_ramps(args.ramps, min_confidence=args.min_confidence, n_jobs=args.jobs,
                            progress=False if args.no_progress else None, **kwargs)
    path = result.dq.write(output, format=args.format, overwrite=args.overwrite,
                           **_jwst_keywords(args))
    ny, nx = result.labels.shape
    print(f"{args.ramps}: {ny} x {nx} pixels, {result.times.size} groups, "
          f"{result.meta['NINTS']} integration(s)")
    print(result.summary())
    events = result.cosmic_rays
    hit = int(np.sum(events["npix"])) if len(events) else 0
    print(f"cosmic-ray events: {len(events)} ({hit} pixel hits)")
    print(f"wrote {path} ({args.format}, {int(result.dq.to_boolean().sum())} flagged pixels)")
    if args.labels:
        _write_labels(result, args.labels, args.overwrite)
        print(f"wrote {args.labels}")
    if plots:
        name = Path(args.ramps).name
        ax = result.plot_map(title=f"{name}: pixel classes")
        _save_figure(ax.figure, plots[0], args.overwrite, bbox_inches="tight")
        _save_figure(result.plot_confidence(), plots[1], args.overwrite)
        _save_figure(result.plot_ramps(), plots[2], args.overwrite)
        print("wrote " + ", ".join(plots))
    return 0


def _cmd_cluster(args):
    check_outputs([("--output", args.output), ("--sheet", args.sheet)], args.overwrite,
                  inputs=[args.ramps],
                  suffixes={"--output": {".ecsv"}, "--sheet": IMAGE_SUFFIXES})
    check_inputs([("RAMPS", args.ramps)])
    _input_header(args.ramps)  # a readable FITS file, before any work

    import numpy as np

    from ccdbadpix.ramps.clustering import cluster_ramps

    clusters = cluster_ramps(args.ramps, n_components=args.components,
                             max_components=args.max_components,
                             n_per_cluster=args.per_cluster, seed=args.seed,
                             **_ramp_kwargs(args))
    print(f"{args.ramps}: {clusters.n_components} clusters")
    sizes = clusters.sizes
    items = sizes.items() if hasattr(sizes, "items") else enumerate(np.ravel(sizes))
    total = 0
    for k, n in items:
        total += int(n)
        print(f"  cluster {k!s:>3}: {int(n):9d} pixels")
    print(f"  {'total':>11}: {total:9d} pixels")
    path = clusters.write_sample(args.output, overwrite=args.overwrite)
    print(f"wrote {path or args.output} (up to {args.per_cluster} pixels per cluster)")
    if args.sheet:
        fig = clusters.plot_contact_sheet(args.sheet, max_per_cluster=args.sheet_per_cluster,
                                          overwrite=args.overwrite)
        if fig is not None and hasattr(fig, "savefig"):
            import matplotlib.pyplot as plt

            plt.close(fig)
        print(f"wrote {args.sheet}")
    return 0


def _cmd_info(args):
    from ccdbadpix.cli.trend import mask_layout

    layout = mask_layout(args) or {}
    check_inputs([("MASK", args.mask)])

    from ccdbadpix.dq.mask import DQMask

    mask = DQMask.read(args.mask, **layout)
    print(mask.summary())
    for key in ("BPFUNC", "BPMETHOD", "HOTRATE", "RATEUNIT", "BPNEIGH", "INSTRUME",
                "DETECTOR", "USEAFTER", "CREATOR"):
        if key in mask.meta:
            print(f"  {key:<9s}= {mask.meta[key]}")
    return 0


def _recovery(found, truth):
    import numpy as np

    tp = int(np.count_nonzero(found & truth))
    precision = tp / max(int(found.sum()), 1)
    recall = tp / max(int(truth.sum()), 1)
    return precision, recall


def _print_hot_recovery(sim, mask):
    """The demo's hot-pixel report, every figure taken from the mask that is written."""
    import numpy as np

    flagged = {name: mask.to_boolean(flags=name) for name in
               ("HOT", "WARM", "SATURATED", "UNRELIABLE_DARK")}
    print(f"hot_pixels.fits, hot_pixels_jwst_mask.fits and hot_pixel_map.png: "
          f"neighbors='none' (pixels hot in their own right, IPC coupling measured "
          f"{mask.meta['IPCALPHA']:.4f}, simulated {sim.ipc_alpha})")
    for line in mask.summary().splitlines():
        print(f"  {line}")
    rows = (("hot pixels (>= 1 e/s):", sim.hot, "HOT"),
            ("warm pixels (0.1-1 e/s):", sim.warm, "WARM"),
            ("not proportional to t:", sim.nonproportional, "UNRELIABLE_DARK"))
    for label, truth, flag in rows:
        precision, recall = _recovery(flagged[flag], truth)
        print(f"  {label:<25}{int(truth.sum()):6d} injected, {int(flagged[flag].sum())} "
              f"flagged {flag}, precision {precision:.3f}, recall {recall:.3f}")
    lit = int(np.count_nonzero(flagged["HOT"] & sim.ipc_lit))
    print(f"  {'IPC-lit neighbours:':<25}{int(sim.ipc_lit.sum()):6d} above the hot threshold only "
          f"through IPC, {lit} flagged HOT")
    sat = sim.saturated[-1]
    both = int(np.count_nonzero(flagged["SATURATED"] & sat))
    print(f"  {'saturated in 1000 s:':<25}{int(sat.sum()):6d} simulated, "
          f"{int(flagged['SATURATED'].sum())} flagged SATURATED ({both} of them truly "
          "saturated)")


def _print_class_recovery(sim, res, seconds):
    """Per-class precision and recall of a ramp classification against the truth."""
    import numpy as np

    truth = sim.observable_labels(ambiguous_step=1.0)
    scored = truth >= 0
    ngroups = sim.times.size
    ny, nx = res.labels.shape
    counts = res.counts()
    print(f"ramp classification: {ny} x {nx} pixels, {ngroups} groups, read noise "
          f"{sim.read_noise:.3g}, in {seconds:.2f} s; 'labelled' counts every pixel, as "
          "ramp_class_map.png does; precision and recall leave out the "
          f"{int((~scored).sum())} pixels with a cosmic-ray step of 1-6 read noises (too "
          "small to see, yet biasing the dark current):")
    print(f"  {'class':<12}{'true':>7}{'labelled':>9}{'precision':>11}{'recall':>8}")
    for code, name in enumerate(sim.classes):
        found = (res.labels == res.classes.index(name)) & scored
        true = truth == code
        precision, recall = _recovery(found, true)
        print(f"  {name:<12}{int(true.sum()):7d}{counts[name]:9d}{precision:11.3f}"
              f"{recall:8.3f}")
    accuracy = float(np.mean(res.labels[scored] == truth[scored]))
    print(f"  uncertain (confidence < {res.meta['MINCONF']:g}): {counts['uncertain']} pixels; "
          f"accuracy {accuracy:.4f}; {len(res.cosmic_rays)} cosmic-ray events")
    print(f"  ramp_dq_mask.fits: {int(res.dq.to_boolean().sum())} flagged pixels")


def _cadence_text(trend, max_risk, n_stamps):
    """'every 8.7 months (264 days)', or why no cadence follows from the fitted growth."""
    from ccdbadpix.trend.trend import month

    fit = trend.fits[0]
    rate, err = fit["rate"].value, fit["rate_err"].value
    if not rate > 0:
        return f"no cadence: the fitted growth ({rate:.2g} +- {err:.2g} pix/month) is not positive"
    if err > rate:
        return (f"no cadence: the fitted growth ({rate:.2g} +- {err:.2g} pix/month) is not "
                "significant")
    cadence = trend.recommend_cadence(max_risk, n_stamps=n_stamps)
    return f"every {cadence.to_value(month):.2g} months ({cadence.to_value('d'):.0f} days)"


def _print_trend_recovery(sim, trend):
    """The demo's trending report: fitted growth and steps against the truth."""
    import astropy.units as u
    import numpy as np

    from ccdbadpix.trend.trend import month

    ny, nx = sim.frames[0].shape
    print(f"hot-pixel trend: {ny} x {nx} pixels, {len(sim.times)} monthly epochs "
          f"{sim.times[0].isot[:10]} to {sim.times[-1].isot[:10]}, "
          f"{int(sim.step.sum())} pixels added at once on {sim.step_time.isot[:10]}:")
    print(f"  {'threshold':>12}{'fitted pix/month':>20}{'true':>8}{'step found':>12}"
          f"{'true step':>11}")
    for row in trend.fits:
        thr = row["threshold"]
        true_step = int(np.count_nonzero(sim.step & (sim.amplitude >= thr)))
        fitted = f"{row['rate'].value:.1f} +- {row['rate_err'].value:.1f}"
        step = f"{row['step'].value:.0f}" if row["n_steps"] else "none"
        print(f"  {thr.value:>7g} DN/s{fitted:>20}"
              f"{sim.realized_rate(thr).to_value(u.pix / month):8.1f}{step:>12}"
              f"{true_step:>11d}")
    frac = trend.fits["fraction_per_year"][0].to_value(1 / u.yr)
    print(f"  {100 * frac:.3g} % of the pixels turn hot (>= 1 DN/s) per year (NIRSpec: "
          "0.02 %); to keep the risk of an unmasked hot pixel below 10 %, update the mask")
    for n in (1, 8):
        print(f"    {_cadence_text(trend, 0.1, n)} for {n} 32x32 stamp{'s' if n > 1 else ''}")


#: Files the demo writes into --out.
_DEMO_OUTPUTS = ("hot_pixels.fits", "hot_pixels_jwst_mask.fits", "hot_pixel_map.png",
                 "dark_current_histogram.png", "ramp_dq_mask.fits", "ramp_class_map.png",
                 "hot_pixel_trend.ecsv", "trend_counts.png", "trend_risk.png")


def _check_demo_folder(out, overwrite):
    """--out is a folder (or can be made), none of the demo's files is in the way."""
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} is a file, not a folder; give a folder (it is "
                                 "made if missing)")
    if out.is_dir():
        check_outputs([("--out", out / name) for name in _DEMO_OUTPUTS], overwrite)
        return
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise NotADirectoryError(f"--out {out}: {parent} is not a folder")


def _cmd_demo(args):
    out = Path(args.out)
    _check_demo_folder(out, args.overwrite)

    import astropy.units as u

    from ccdbadpix.darks.current import measure_dark_current
    from ccdbadpix.darks.hotpixels import find_hot_pixels
    from ccdbadpix.plotting.figures import plot_dark_current_histogram
    from ccdbadpix.ramps.classify import classify_ramps
    from ccdbadpix.simulate import simulate_darks, simulate_hot_pixel_series, simulate_ramps
    from ccdbadpix.trend.trend import trend_hot_pixels
    from ccdbadpix.utils._files import _atomic_write
    from ccdbadpix.utils._progress import _progress

    out.mkdir(parents=True, exist_ok=True)
    e_s = u.electron / u.s
    gain = 1.5 * u.electron / u.adu
    start = time.perf_counter()
    results = {}

    def simulate():
        results["sim"] = simulate_darks(
            (args.size, args.size), exposure_times=(90, 1000) * u.s, gain=gain,
            read_noise=10 * u.electron, hot_fraction=2e-3, hot_rate=(1, 300) * e_s,
            warm_fraction=4e-3, nonproportional_fraction=5e-4, saturation=65535 * u.adu,
            ipc_alpha=0.015, seed=args.seed)

    def find():
        # the one mask the demo writes, plots and reports on
        sim = results["sim"]
        results["mask"] = find_hot_pixels(sim.darks, neighbors="none", gain=gain,
                                          threshold=1 * e_s, warm_threshold=0.1 * e_s,
                                          saturation=65535 * u.adu)
        results["rate"] = measure_dark_current(sim.darks, gain=gain, saturation=65535 * u.adu)

    def write():
        mask = results["mask"]
        mask.write(out / "hot_pixels.fits", overwrite=args.overwrite)
        mask.write(out / "hot_pixels_jwst_mask.fits", format="jwst", instrument="NIRSPEC",
                   detector="NRS1", useafter="2026-01-01T00:00:00", pedigree="SIMULATION",
                   description="ccdbadpix demo mask (simulated detector)",
                   overwrite=args.overwrite)

    def figures():
        import matplotlib.pyplot as plt

        _save_plot(results["mask"], out / "hot_pixel_map.png", args.overwrite,
                   title="ccdbadpix demo: flagged pixels (neighbors='none')")
        ax = plot_dark_current_histogram(
            results["rate"], thresholds={"hot": 1 * e_s, "warm": 0.1 * e_s},
            title="dark current of the simulated detector")
        fig = ax.figure
        fig.tight_layout()
        try:
            _atomic_write(out / "dark_current_histogram.png",
                          lambda tmp: fig.savefig(tmp, dpi=110, format="png"), args.overwrite)
        finally:
            plt.close(fig)

    ramp_size = min(args.size, 256)

    def classify():
        sim = simulate_ramps((ramp_size, ramp_size), ngroups=40, seed=args.seed)
        results["ramp_sim"] = sim
        t0 = time.perf_counter()
        results["classes"] = classify_ramps(sim.data, times=sim.times, gain=sim.gain,
                                            progress=False)
        results["classify_time"] = time.perf_counter() - t0

    def write_classes():
        res = results["classes"]
        res.dq.write(out / "ramp_dq_mask.fits", overwrite=args.overwrite)
        ax = res.plot_map(title=f"ccdbadpix demo: classes of {ramp_size} x {ramp_size} "
                          "simulated ramps")
        _save_figure(ax.figure, out / "ramp_class_map.png", args.overwrite,
                     bbox_inches="tight")

    trend_size = max(256, min(args.size, 1024))

    def trend():
        # three years of monthly darks with about NIRSpec's density of new hot pixels
        # (0.02-0.03 % of the pixels per year); half way, a change in how neighbours are
        # flagged adds a batch of pixels at once (the report's mid-2023 jump)
        scale = (trend_size / 1024) ** 2
        sim = simulate_hot_pixel_series(
            (trend_size, trend_size), 37, start="2022-07-12", new_per_month=25 * scale,
            initial_hot=round(2000 * scale), heal_fraction=0.1,
            intermittent=round(100 * scale), step_time="2024-01-20",
            step_pixels=round(600 * scale), noise=0.02 * u.DN / u.s, seed=args.seed)
        results["trend_sim"] = sim
        results["trend"] = trend_hot_pixels(sim.frames, progress=False)

    def write_trend():
        res = results["trend"]
        res.write(out / "hot_pixel_trend.ecsv", overwrite=args.overwrite)
        _save_figure(res.plot(), out / "trend_counts.png", args.overwrite)
        ax = res.plot_risk(n_stamps=(1, 8), max_risk=0.1)
        _save_figure(ax.figure, out / "trend_risk.png", args.overwrite, bbox_inches="tight")

    steps = [("simulating darks", simulate), ("finding hot pixels", find),
             ("writing masks", write), ("drawing figures", figures),
             ("simulating and classifying ramps", classify),
             ("writing the ramp mask and map", write_classes),
             ("simulating and trending three years of darks", trend),
             ("writing the trend table and figures", write_trend)]
    for label, step in _progress(steps, enabled=not args.no_progress):
        if args.no_progress:
            print(f"{label} ...")
        step()

    print()
    print(f"ccdbadpix {__version__} demo: {args.size} x {args.size} detector, darks of "
          f"90 s and 1000 s, gain 1.5 e/adu, IPC alpha {results['sim'].ipc_alpha}")
    _print_hot_recovery(results["sim"], results["mask"])
    _print_class_recovery(results["ramp_sim"], results["classes"], results["classify_time"])
    _print_trend_recovery(results["trend_sim"], results["trend"])
    print(f"wrote {out}/{', '.join(_DEMO_OUTPUTS)} in {time.perf_counter() - start:.1f} s")
    return 0


def main(argv=None):
    """Entry point of the ``ccdbadpix`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from ccdbadpix.cli.trend import cmd_trend

    commands = {"hot": _cmd_hot, "classify": _cmd_classify, "cluster": _cmd_cluster,
                "trend": cmd_trend, "info": _cmd_info, "demo": _cmd_demo}
    from astropy.units import UnitsError

    try:
        return commands[args.command](args)
    except BrokenPipeError:  # e.g. piped into head: the reader has gone, nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ValueError, TypeError, UnitsError, OSError, ImportError) as exc:
        message = _error_message(args, exc)
        print(f"ccdbadpix {args.command}: error: {message}", file=sys.stderr)
        return 2


def _error_message(args, exc):
    """The message of an error, in the command line's words (options, file names)."""
    files = getattr(args, "input_files", None) or getattr(args, "darks", ())
    message = cli_message(str(exc), extra=_COMMAND_OPTIONS.get(args.command), files=files)
    if isinstance(exc, FileExistsError) and "--overwrite" not in message:
        message += " (use --overwrite)"
    return message


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
