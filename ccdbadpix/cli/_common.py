"""What several commands share: output suffixes, ramp-cube and mask-layout options, the
header of an input, JWST keywords, and saving figures. Only the standard library at
import time; each helper imports what it uses."""

from pathlib import Path

from ccdbadpix.cli._args import data_unit, quantity

__all__ = []

#: Extensions each kind of output may have.
FITS_SUFFIXES = {".fits", ".fit", ".fts"}
#: Image formats matplotlib writes (its standard backends).
IMAGE_SUFFIXES = {".png", ".pdf", ".svg", ".svgz", ".eps", ".ps", ".jpg", ".jpeg", ".tif",
                  ".tiff", ".webp", ".pgf", ".raw", ".rgba"}
#: Keywords of a ``--format jwst`` mask, one option each.
JWST_KEYS = ("instrument", "detector", "useafter", "pedigree", "author")
WARM_HELP = ("default: a tenth of the hot threshold, in its unit (0.1 electron/s for the "
             "default 1 electron/s)")


# -- options ----------------------------------------------------------------------------
def add_ramp_input(parser):
    """The ramp cube and how to read it: RAMPS, --group-time, --gain, --unit."""
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


def ramp_kwargs(args):
    """The library keywords of the ramp-cube options that were given."""
    return {k: getattr(args, k) for k in ("group_time", "gain", "unit")
            if getattr(args, k) is not None}


def bit_map(text):
    """'1=DO_NOT_USE,1024=REFERENCE_PIXEL' -> {1: 'DO_NOT_USE', 1024: 'REFERENCE_PIXEL'}."""
    out = {}
    for part in text.split(","):
        value, _, flags = part.partition("=")
        try:
            key = int(value.strip())
        except ValueError:
            raise ValueError(f"entry {part!r}: expected VALUE=FLAG, e.g. 1=DO_NOT_USE"
                             ) from None
        if not flags.strip():
            raise ValueError(f"entry {part!r}: expected VALUE=FLAG, e.g. 1=DO_NOT_USE")
        out[key] = [f.strip() for f in flags.split("+")]
    return out


def mask_layout(args):
    """DQMask.read keywords from --convention, --bad-value or --bit-map (at most one)."""
    chosen = [x for x in (args.convention, args.bad_value, args.bit_map) if x is not None]
    if len(chosen) > 1:
        raise ValueError("give at most one of --convention, --bad-value, --bit-map")
    if args.convention:
        return {"convention": args.convention}
    if args.bad_value is not None:
        return {"bad_value": args.bad_value}
    if args.bit_map:
        try:
            return {"bit_map": bit_map(args.bit_map)}
        except ValueError as exc:
            raise ValueError(f"--bit-map: {exc}") from None
    return None


def tenth(threshold):
    """The default warm threshold: a tenth of the hot one, in its unit."""
    import astropy.units as u

    return (threshold if threshold is not None else 1 * u.electron / u.s) / 10


# -- inputs -----------------------------------------------------------------------------
def input_header(path):
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


def jwst_keywords(args):
    """The JWST keywords given on the command line."""
    return {k: getattr(args, k) for k in JWST_KEYS if getattr(args, k) is not None}


def check_jwst(args, header):
    """Before any work: can a ``--format jwst`` file be written with these keywords?"""
    if args.format != "jwst":
        return
    from ccdbadpix.dq._io import check_jwst_keywords

    check_jwst_keywords(header, **jwst_keywords(args))


# -- figures ----------------------------------------------------------------------------
def save_figure(fig, path, overwrite, **kwargs):
    """Write ``fig`` atomically in the format of the suffix of ``path``, then close it."""
    from ccdbadpix.utils._files import _atomic_write
    from ccdbadpix.utils._optional_deps import pyplot

    fmt = Path(path).suffix.lstrip(".").lower() or "png"
    try:
        _atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format=fmt, **kwargs),
                      overwrite)
    finally:
        pyplot().close(fig)


def save_mask_plot(mask, path, overwrite, title=None):
    """A map of the flagged pixels of ``mask`` as a PNG file."""
    from ccdbadpix.dq.plotting import plot_mask

    fig = plot_mask(mask, title=title).figure
    fig.tight_layout()
    save_figure(fig, path, overwrite)
