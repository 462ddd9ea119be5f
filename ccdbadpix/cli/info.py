"""The ``ccdbadpix info`` command: the flags of a DQ mask file (any layout)."""

from ccdbadpix.cli._args import check_inputs
from ccdbadpix.cli._common import mask_layout

__all__ = []

OPTIONS = None
#: Header keywords printed below the flag counts, when the mask has them.
_KEYWORDS = ("BPFUNC", "BPMETHOD", "HOTRATE", "RATEUNIT", "BPNEIGH", "INSTRUME", "DETECTOR",
             "USEAFTER", "CREATOR")


def add_parser(subparsers):
    """The ``info`` subcommand and its options."""
    info = subparsers.add_parser("info", help="flag counts of a mask file",
                                 description="Print the flags of a DQ mask file (any layout).")
    info.add_argument("mask", help="mask FITS file")
    info.add_argument("--convention", choices=("dq", "bad", "good"),
                      help="how to read an integer mask without a DQ_DEF table")
    info.add_argument("--bad-value", type=int, help="the value that marks bad pixels")
    info.add_argument("--bit-map", metavar="V=FLAG,...",
                      help="read an integer mask of this layout, e.g. "
                      "'1=DO_NOT_USE,1024=REFERENCE_PIXEL' (V=FLAG1+FLAG2 for several)")
    return info


def run(args):
    """Read the mask in the layout given and print its flag counts and keywords."""
    layout = mask_layout(args) or {}
    check_inputs([("MASK", args.mask)])

    from ccdbadpix.dq.mask import DQMask

    mask = DQMask.read(args.mask, **layout)
    print(mask.summary())
    for key in _KEYWORDS:
        if key in mask.meta:
            print(f"  {key:<9s}= {mask.meta[key]}")
    return 0
