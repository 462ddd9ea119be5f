"""The ``ccdbadpix`` command line: ``hot``, ``info``, ``demo``."""

import argparse
import sys
import time
from pathlib import Path

import astropy.units as u
import numpy as np

from . import __version__

__all__ = ["main"]


def _quantity(text):
    """argparse type: a Quantity such as '1 electron/s' or '65535 adu'."""
    try:
        return u.Quantity(text)
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a quantity; write e.g. '1 electron/s' or '3 DN/s'") from exc


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
    hot.add_argument("--exptime", type=float, nargs="+", metavar="SECONDS",
                     help="exposure time(s) in s; default: EXPTIME of each file")
    hot.add_argument("--unit", help="unit of files without BUNIT (adu, DN, electron, adu/s)")
    hot.add_argument("--gain", type=_quantity, help="gain, e.g. '1.5 electron/adu'")
    hot.add_argument("--threshold", type=_quantity,
                     help="hot threshold (default '1 electron/s'; needs --gain for adu darks)")
    hot.add_argument("--warm-threshold", type=_quantity, help="warm threshold")
    hot.add_argument("--method", choices=("absolute", "sigma"), default="absolute")
    hot.add_argument("--sigma", type=float, default=5.0, help="sigma of --method sigma")
    hot.add_argument("--maxiters", type=int, default=5, help="maxiters of --method sigma")
    hot.add_argument("--saturation", type=_quantity,
                     help="saturation level, e.g. '65535 adu'")
    hot.add_argument("--neighbors", choices=("none", "above", "cross"), default="above",
                     help="IPC-lit neighbours: none, above (default) or cross")
    hot.add_argument("--ipc", type=float, help="IPC coupling per neighbour (default: measured)")
    hot.add_argument("--instrument", help="INSTRUME keyword (needed for --format jwst)")
    hot.add_argument("--detector", help="DETECTOR keyword (needed for --format jwst)")
    hot.add_argument("--useafter", help="USEAFTER date (for --format jwst)")
    hot.add_argument("--pedigree", help="PEDIGREE (GROUND, SIMULATION, INFLIGHT ...)")
    hot.add_argument("--author", help="AUTHOR keyword")
    hot.add_argument("--plot", metavar="PNG", help="also save a map of the flagged pixels")
    hot.add_argument("--overwrite", action="store_true", help="replace existing files")

    info = sub.add_parser("info", help="flag counts of a mask file",
                          description="Print the flags of a DQ mask file (any layout).")
    info.add_argument("mask", help="mask FITS file")
    info.add_argument("--convention", choices=("dq", "bad", "good"),
                      help="how to read an integer mask without a DQ_DEF table")
    info.add_argument("--bad-value", type=int, help="the value that marks bad pixels")

    demo = sub.add_parser("demo", help="simulate a detector and run ccdbadpix on it",
                          description="Simulate darks of a detector with known hot, warm, "
                          "IPC-lit, saturating and non-proportional pixels; find them; write "
                          "the masks and figures; report recovery against the truth.")
    demo.add_argument("--out", default="ccdbadpix_demo", help="output folder")
    demo.add_argument("--size", type=int, default=1024, help="detector size in pixels")
    demo.add_argument("--seed", type=int, default=2026, help="random seed")
    demo.add_argument("--overwrite", action="store_true", help="replace existing files")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _cmd_hot(args):
    from .hotpixels import find_hot_pixels

    exptime = None
    if args.exptime is not None:
        exptime = args.exptime[0] if len(args.exptime) == 1 else args.exptime
    darks = args.darks[0] if len(args.darks) == 1 else args.darks
    mask = find_hot_pixels(
        darks, exposure_time=exptime, unit=args.unit, gain=args.gain,
        threshold=args.threshold, warm_threshold=args.warm_threshold, method=args.method,
        sigma=args.sigma, maxiters=args.maxiters, saturation=args.saturation,
        neighbors=args.neighbors, ipc=args.ipc,
    )
    keywords = {k: getattr(args, k) for k in ("instrument", "detector", "useafter",
                                                "pedigree", "author")
                if getattr(args, k) is not None}
    path = mask.write(args.output, format=args.format, overwrite=args.overwrite, **keywords)
    print(mask.summary())
    print(f"hot threshold {mask.meta['HOTRATE']:.4g} {mask.meta['RATEUNIT']}, "
          f"neighbours: {args.neighbors}")
    print(f"wrote {path} ({args.format})")
    if args.plot:
        _save_plot(mask, args.plot, args.overwrite)
        print(f"wrote {args.plot}")
    return 0


def _save_plot(mask, path, overwrite, title=None):
    from ._helpers import _atomic_write
    from .plotting import plot_mask

    ax = plot_mask(mask, title=title)
    fig = ax.figure
    fig.tight_layout()
    _atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"), overwrite)
    import matplotlib.pyplot as plt

    plt.close(fig)


def _cmd_info(args):
    from .mask import DQMask

    mask = DQMask.read(args.mask, convention=args.convention, bad_value=args.bad_value)
    print(mask.summary())
    for key in ("BPFUNC", "BPMETHOD", "HOTRATE", "RATEUNIT", "BPNEIGH", "INSTRUME",
                "DETECTOR", "USEAFTER", "CREATOR"):
        if key in mask.meta:
            print(f"  {key:<9s}= {mask.meta[key]}")
    return 0


def _recovery(found, truth):
    tp = int(np.count_nonzero(found & truth))
    precision = tp / max(int(found.sum()), 1)
    recall = tp / max(int(truth.sum()), 1)
    return precision, recall


def _cmd_demo(args):
    from ._helpers import _atomic_write, _progress
    from .darks import measure_dark_current
    from .hotpixels import find_hot_pixels
    from .plotting import plot_dark_current_histogram
    from .simulate import simulate_darks

    if args.size < 16:
        raise ValueError("--size must be at least 16")
    out = Path(args.out)
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
        sim = results["sim"]
        common = dict(gain=gain, threshold=1 * e_s, warm_threshold=0.1 * e_s,
                      saturation=65535 * u.adu)
        results["none"] = find_hot_pixels(sim.darks, neighbors="none", **common)
        results["cross"] = find_hot_pixels(sim.darks, neighbors="cross", **common)
        results["rate"] = measure_dark_current(sim.darks, gain=gain, saturation=65535 * u.adu)

    def write():
        mask = results["cross"]
        mask.write(out / "hot_pixels.fits", overwrite=args.overwrite)
        mask.write(out / "hot_pixels_jwst_mask.fits", format="jwst", instrument="NIRSPEC",
                   detector="NRS1", useafter="2026-01-01T00:00:00", pedigree="SIMULATION",
                   description="ccdbadpix demo mask (simulated detector)",
                   overwrite=args.overwrite)

    def figures():
        import matplotlib.pyplot as plt

        _save_plot(results["cross"], out / "hot_pixel_map.png", args.overwrite,
                   title="ccdbadpix demo: flagged pixels (neighbours='cross')")
        ax = plot_dark_current_histogram(
            results["rate"], thresholds={"hot": 1 * e_s, "warm": 0.1 * e_s},
            title="dark current of the simulated detector")
        fig = ax.figure
        fig.tight_layout()
        _atomic_write(out / "dark_current_histogram.png",
                      lambda tmp: fig.savefig(tmp, dpi=110, format="png"), args.overwrite)
        plt.close(fig)

    steps = [("simulating darks", simulate), ("finding hot pixels", find),
             ("writing masks", write), ("drawing figures", figures)]
    for label, step in _progress(steps, enabled=not args.no_progress):
        if args.no_progress:
            print(f"{label} ...")
        step()

    sim, none, cross = results["sim"], results["none"], results["cross"]
    hot_p, hot_r = _recovery(none.to_boolean(flags="HOT"), sim.hot)
    warm_p, warm_r = _recovery(none.to_boolean(flags="WARM"), sim.warm)
    ipc_flagged = int(np.count_nonzero(none.to_boolean(flags="HOT") & sim.ipc_lit))
    np_p, np_r = _recovery(cross.to_boolean(flags="UNRELIABLE_DARK"), sim.nonproportional)
    sat = sim.saturated[-1]
    print()
    print(f"ccdbadpix {__version__} demo: {args.size} x {args.size} detector, darks of "
          f"90 s and 1000 s, gain 1.5 e/adu, IPC alpha {sim.ipc_alpha}")
    print(f"  IPC coupling measured: {none.meta['IPCALPHA']:.4f}")
    print(f"  hot pixels (>= 1 e/s):   {int(sim.hot.sum()):6d} injected, precision "
          f"{hot_p:.3f}, recall {hot_r:.3f}")
    print(f"  warm pixels (0.1-1 e/s): {int(sim.warm.sum()):6d} injected, precision "
          f"{warm_p:.3f}, recall {warm_r:.3f}")
    print(f"  IPC-lit neighbours:      {int(sim.ipc_lit.sum()):6d} above threshold, "
          f"{ipc_flagged} flagged hot with neighbors='none'")
    print(f"  saturated in 1000 s:     {int(sat.sum()):6d}, flagged SATURATED "
          f"{int(np.count_nonzero(cross.to_boolean(flags='SATURATED') & sat))}")
    print(f"  not proportional to t:   {int(sim.nonproportional.sum()):6d} injected, "
          f"precision {np_p:.3f}, recall {np_r:.3f}")
    print(f"  cross neighbours flagged OTHER_BAD_PIXEL: {cross.meta['NNEIGH']}")
    print(f"wrote {out}/hot_pixels.fits, hot_pixels_jwst_mask.fits, hot_pixel_map.png, "
          f"dark_current_histogram.png in {time.perf_counter() - start:.1f} s")
    return 0


def main(argv=None):
    """Entry point of the ``ccdbadpix`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    commands = {"hot": _cmd_hot, "info": _cmd_info, "demo": _cmd_demo}
    try:
        return commands[args.command](args)
    except (ValueError, TypeError, u.UnitsError, OSError) as exc:
        hint = " (use --overwrite)" if isinstance(exc, FileExistsError) else ""
        print(f"ccdbadpix {args.command}: error: {exc}{hint}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
