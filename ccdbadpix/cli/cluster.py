"""The ``ccdbadpix cluster`` command: cluster the ramps of a cube and sample pixels per
cluster for a person to verify."""

from ccdbadpix.cli._args import check_inputs, check_outputs, nonnegative_int, positive_int
from ccdbadpix.cli._common import IMAGE_SUFFIXES, add_ramp_input, input_header, ramp_kwargs

__all__ = []

OPTIONS = None


def add_parser(subparsers):
    """The ``cluster`` subcommand and its options."""
    clu = subparsers.add_parser(
        "cluster", help="cluster ramps, sample pixels per cluster to verify",
        description="Cluster the pixels of an up-the-ramp dark cube by their ramp features "
        "(Gaussian mixture) and write a sample of pixels per cluster (ECSV) for a person to "
        "verify and label; the verified sample trains a RampClassifier.")
    add_ramp_input(clu)
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
    return clu


def run(args):
    """Cluster the ramps, print the cluster sizes, write the sample (and sheet)."""
    check_outputs([("--output", args.output), ("--sheet", args.sheet)], args.overwrite,
                  inputs=[args.ramps],
                  suffixes={"--output": {".ecsv"}, "--sheet": IMAGE_SUFFIXES})
    check_inputs([("RAMPS", args.ramps)])
    input_header(args.ramps)  # a readable FITS file, before any work

    from ccdbadpix.ramps.clustering import cluster_ramps

    clusters = cluster_ramps(args.ramps, n_components=args.components,
                             max_components=args.max_components,
                             n_per_cluster=args.per_cluster, seed=args.seed,
                             **ramp_kwargs(args))
    print(f"{args.ramps}: {clusters.n_components} clusters")
    _print_sizes(clusters.sizes)
    path = clusters.write_sample(args.output, overwrite=args.overwrite)
    print(f"wrote {path or args.output} (up to {args.per_cluster} pixels per cluster)")
    if args.sheet:
        fig = clusters.plot_contact_sheet(args.sheet, max_per_cluster=args.sheet_per_cluster,
                                          overwrite=args.overwrite)
        if fig is not None and hasattr(fig, "savefig"):
            from ccdbadpix.utils._optional_deps import pyplot

            pyplot().close(fig)
        print(f"wrote {args.sheet}")
    return 0


def _print_sizes(sizes):
    """Pixels per cluster (a mapping or an array of sizes) and their total."""
    import numpy as np

    items = sizes.items() if hasattr(sizes, "items") else enumerate(np.ravel(sizes))
    total = 0
    for k, n in items:
        total += int(n)
        print(f"  cluster {k!s:>3}: {int(n):9d} pixels")
    print(f"  {'total':>11}: {total:9d} pixels")
