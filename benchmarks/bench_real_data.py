"""classify_ramps on the real detector cubes of ``../shared/data``, against a plain check.

The real cubes (see ``../shared/data/README.md``):

- NIRSpec CV3 dark (JWST CRDS reference, NRS1 SUB512): all 10 groups of SCI (group 0 is
  all zeros: every group had the zero frame subtracted, a constant per pixel that changes
  no slope or difference, so the ramp starts at 0 with the first read as its reference;
  issue 11 counted its 30 pixels >= 1 DN/s this way), 10.737 s per group (inferred, not
  a keyword), gain 1;
- PRIME H4RG: three reads ``DarkN{1,2,3}-0.fit.ref`` stacked into a (3, 4096, 128) cube,
  gain 2 e/count (the source's ramp code), about 2.9 s per read (assumed: typical H4RG
  full-frame readout; every rate scales with it);
- MIRI JPL ground-test ramps (Si:As): SCI (5 integrations, 50 groups, 64, 72), TGROUP from
  the header (0.085 s; its first 4 columns are reference pixels), gain 5.5 e/DN (the
  pre-flight conversion gain of the MIRI detector overview in the JWST user documentation,
  the value of the ground-test era; in flight ~4 e/DN was measured, which would lower
  every electron rate by ~27 %).

Printed, per cube: shape, groups, assumed group time and gain, the estimated read noise
and the run time; ``result.summary()`` (pixels and median confidence per class) and
``result.dq.counts()``; then issue 11's checks against an independent least-squares
slope per pixel computed here with numpy (mean over integrations, electron/s): pixels
with an LSQ slope at or above the hot threshold and how many carry HOT, pixels carrying
HOT below it, pixels standing out by more than 5 and 30 robust sigmas (one-sided, above
the median) and the fraction with HOT, and the share of ``telegraph`` and ``decreasing``
labels among typical pixels (group-difference robust std within 2 robust sigmas of the
detector's median and LSQ slope within 2 robust sigmas of its median), each with the
target of issue 11's "Done when" next to it. Warnings raised by ``classify_ramps`` are
printed too; for MIRI also the median LSQ rate of each integration and the labels of the
reference columns.

Contact sheets: for each class present, ``<cube>_<class>.png`` in ``--out``: up to 16
ramps chosen with a fixed seed (counts minus the first group against time, every
integration, with the LSQ line), titled with the pixel (y, x), label, confidence, LSQ
rate and HOT flag; and ``<cube>_overview.png``, four example ramps of every class in
one figure (those of the docs' "Real detectors" page).

Run: ``python benchmarks/bench_real_data.py [--out DIR] [--overwrite] [--no-sheets]
[--hot-threshold 1.0] [--only nirspec|prime|miri]``; the data folder is
``$CCDBADPIX_DATA`` or ``<repo>/../shared/data``.
"""

import argparse
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.io import fits

from ccdbadpix import DQ, RampClassifier, classify_ramps
from ccdbadpix.utils._files import _atomic_write
from ccdbadpix.utils._optional_deps import pyplot

SEED = 11
N_EXAMPLES = 16
MIRI_FILE = "MIRI_5582_89_S_20180308-010230_SCE1_pipe.fits"


@dataclass
class Cube:
    """One real cube: counts (nints, ngroups, ny, nx), read times (s), gain (e/count)."""

    name: str
    data: np.ndarray
    group_time: float
    gain: float
    assumptions: str
    targets: dict
    ref_columns: int = 0  # MIRI SUB64: the first 4 columns are reference pixels


def _data_dir():
    env = os.environ.get("CCDBADPIX_DATA")
    folder = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if not folder.is_dir():
        sys.exit(f"bench_real_data: real data folder not found at {folder}; set "
                 "CCDBADPIX_DATA to the folder holding nirspec_dark/, prime_h4rg_dark/ and "
                 "miri_ground_ramps/")
    return folder


def _nirspec(folder):
    sci = fits.getdata(folder / "nirspec_dark" / "jwst_nirspec_dark_0046.fits", "SCI")
    if sci.shape[0] != 10 or np.any(sci[0] != 0):
        sys.exit(f"bench_real_data: NIRSpec SCI: expected 10 groups, group 0 all zeros; "
                 f"got shape {sci.shape}")
    return Cube("nirspec", np.asarray(sci, np.float32)[None], 10.737, 1.0,
                "all 10 groups (group 0 all zeros: the zero frame, subtracted from every "
                "group, is the ramp's reference read); 10.737 s per group inferred from the "
                "median dark current (no keyword); gain 1 e/DN assumed",
                dict(lsq_hot="all", telegraph="<= 0.15 % of pixels, none typical",
                     decreasing="none typical"))


def _prime(folder):
    reads = [fits.getdata(folder / "prime_h4rg_dark" / f"DarkN{i}-0.fit.ref")
             for i in (1, 2, 3)]
    if any(r.shape != reads[0].shape or r.ndim != 2 for r in reads):
        sys.exit(f"bench_real_data: PRIME reads of unequal shapes {[r.shape for r in reads]}")
    return Cube("prime", np.stack(reads).astype(np.float32)[None], 2.9, 2.0,
                "3 reads; gain 2 e/count (the source's ramp code); 2.9 s per read ASSUMED "
                "(typical H4RG full-frame readout, not stated by the source)",
                dict(hot_fraction="<= 1 % of pixels", sigma30="HOT on >= 90 %",
                     dead_telegraph="none", warning="a short-ramp warning"))


def _miri(folder):
    path = folder / "miri_ground_ramps" / MIRI_FILE
    with fits.open(path) as hdul:
        sci = np.asarray(hdul["SCI"].data)
        tgroup = hdul[0].header.get("TGROUP")
    source = "TGROUP keyword" if tgroup is not None else "README value, no TGROUP keyword"
    tgroup = float(tgroup) if tgroup is not None else 0.085
    if sci.ndim != 4 or not math.isfinite(tgroup) or tgroup <= 0:
        sys.exit(f"bench_real_data: {path.name}: expected a 4-D SCI and a positive TGROUP, "
                 f"got shape {sci.shape} and TGROUP {tgroup}")
    return Cube("miri", sci, tgroup, 5.5,
                f"group time {tgroup} s ({source}); gain 5.5 e/DN (JWST docs' pre-flight MIRI "
                "conversion gain; ~4 in flight); Si:As, not HgCdTe",
                dict(telegraph="none typical", decreasing="none typical"), ref_columns=4)


LOADERS = {"nirspec": _nirspec, "prime": _prime, "miri": _miri}


def _lsq(data, times):
    """Least-squares slope and intercept per pixel and integration (counts/s, counts)."""
    t = times - times.mean()
    y = np.asarray(data, np.float64)
    mean = y.mean(axis=1)
    slope = np.tensordot(t, y, axes=([0], [1])) / (t @ t)
    return slope, mean - slope * times.mean()


def _robust(x):
    """Median and 1.4826 x MAD of an array."""
    med = float(np.median(x))
    return med, 1.4826 * float(np.median(np.abs(x - med)))


def _diff_noise(data):
    """Per-pixel robust std of the group differences, pooled over integrations."""
    d = np.diff(np.asarray(data, np.float64), axis=1)
    d = np.moveaxis(d, 0, 1).reshape(-1, *d.shape[2:])
    med = np.median(d, axis=0)
    return 1.4826 * np.median(np.abs(d - med), axis=0)


def _run(cube, hot_threshold, model):
    times = cube.group_time * np.arange(cube.data.shape[1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        res = classify_ramps(cube.data, group_time=cube.group_time * u.s,
                             gain=cube.gain * u.electron / u.DN,
                             hot_threshold=hot_threshold * u.electron / u.s,
                             model=model, progress=False)
        elapsed = time.perf_counter() - t0
    return res, times, elapsed, [str(w.message) for w in caught]


def _header(cube, res, elapsed, caught):
    nints, ngroups, ny, nx = cube.data.shape
    print(f"\n== {cube.name}: input shape {cube.data.shape} ({cube.data.dtype}), {nints} "
          f"integration(s) x {ngroups} groups of {ny} x {nx} pixels")
    print(f"  assumptions: {cube.assumptions}")
    print(f"  group time {cube.group_time} s, gain {cube.gain} e/DN; read noise estimated "
          f"{res.read_noise:.3g} = {res.read_noise.value / cube.gain:.3g} DN; "
          f"classify_ramps {elapsed:.2f} s ({ny * nx / elapsed:,.0f} pixels/s)")
    print(f"  warnings from classify_ramps: {len(caught)}"
          + ("".join(f"\n    - {m}" for m in caught) or " (none)"))
    print("  " + res.summary().replace("\n", "\n  "))
    print(f"  DQ flag counts: {res.dq.counts()}")


def _dark_split(cube, res, lsq, hot_threshold):
    """The dark-current split against the LSQ check, and the stand-out pixels."""
    hot = (np.asarray(res.dq.data) & np.uint32(DQ.HOT)) != 0
    above = lsq >= hot_threshold
    npix = lsq.size
    unit = "e/s" + (" = DN/s" if cube.gain == 1 else "")
    target = cube.targets.get("lsq_hot", "-")
    print(f"  {cube.name}: pixels with LSQ >= {hot_threshold:g} {unit}: {int(above.sum())}, "
          f"with HOT: {int((above & hot).sum())} (target: {target}); HOT with LSQ below it: "
          f"{int((hot & ~above).sum())}; HOT in all: {int(hot.sum())} = "
          f"{100 * hot.mean():.2f} % (target: {cube.targets.get('hot_fraction', '-')})")
    med, sig = _robust(lsq)
    print(f"  LSQ slope median {med:.4g} e/s, robust sigma {sig:.4g} e/s over {npix} pixels")
    for k in (5, 30):
        out = (lsq - med) > k * sig
        frac = (hot[out].mean() if out.any() else float("nan"))
        tgt = cube.targets.get("sigma30", "-") if k == 30 else "-"
        print(f"  stand out by > {k} sigma: {int(out.sum())}, with HOT: {int(hot[out].sum())} "
              f"= {100 * frac:.1f} % (target: {tgt}); their labels: "
              f"{_label_counts(res, out)}")
    return med, sig


def _label_counts(res, sel):
    counts = np.bincount(res.labels[sel].ravel(), minlength=len(res.classes))
    return {c: int(n) for c, n in zip(res.classes, counts, strict=True) if n}


def _typical(cube, res, lsq, noise, med, sig):
    """Share of telegraph / decreasing labels among pixels of typical noise and rate."""
    nmed, nsig = _robust(noise)
    typical = (np.abs(noise - nmed) <= 2 * nsig) & (np.abs(lsq - med) <= 2 * sig)
    npix = lsq.size
    print(f"  typical pixels (group-difference robust std {nmed:.3g} +- {2 * nsig:.3g} DN, "
          f"LSQ within 2 sigma): {int(typical.sum())} of {npix}")
    for name in ("telegraph", "decreasing", "dead"):
        lab = res.mask(name)
        n_typ = int((lab & typical).sum())
        print(f"  {name}: {int(lab.sum())} = {100 * lab.mean():.3f} % of pixels; among typical: "
              f"{n_typ} = {100 * n_typ / max(int(typical.sum()), 1):.3f} % "
              f"(target: {_target_of(cube, name)})")


def _target_of(cube, name):
    if name in cube.targets:
        return cube.targets[name]
    if name in ("telegraph", "dead") and "dead_telegraph" in cube.targets:
        return cube.targets["dead_telegraph"] + " at all"
    return "-"


def _examples(res, name, rng):
    y, x = np.nonzero(res.mask(name))
    pick = np.sort(rng.choice(y.size, size=min(N_EXAMPLES, y.size), replace=False))
    return y[pick], x[pick]


def _draw_class(cube, res, name, times, fit, hot, rng):
    """One contact sheet: a 4 x 4 grid of the example ramps of class ``name``."""
    plt = pyplot()
    fig, axes = plt.subplots(4, 4, figsize=(13, 10), squeeze=False)
    slope, icpt = fit
    ys, xs = _examples(res, name, rng)
    for ax, y, x in zip(axes.ravel(), ys, xs, strict=False):
        for i in range(cube.data.shape[0]):
            ramp = cube.data[i, :, y, x].astype(float)
            ax.plot(times, ramp - ramp[0], ".-", ms=3, lw=0.7, color=f"C{i % 10}")
            ax.plot(times, icpt[i, y, x] + slope[i, y, x] * times - ramp[0], "k--", lw=0.6)
        rate = slope[:, y, x].mean() * cube.gain
        ax.set_title(f"({y}, {x}) {name} c={res.confidence[y, x]:.2f}\nLSQ {rate:.3g} e/s"
                     f"{' HOT' if hot[y, x] else ''}", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(ys):]:
        ax.set_axis_off()
    fig.suptitle(f"{cube.name}: {name} ({int(res.mask(name).sum())} pixels), counts minus "
                 f"the first group [DN] vs time [s]; dashed: LSQ line", fontsize=10)
    fig.tight_layout()
    return fig


def _draw_overview(cube, res, times, fit, hot, rng, columns=4):
    """One figure of the whole cube: a row per class present, ``columns`` example ramps
    each (the figure of the docs' "Real detectors" page)."""
    plt = pyplot()
    names = [n for n in res.classes if res.mask(n).any()]
    fig, axes = plt.subplots(len(names), columns, figsize=(2.4 * columns, 1.55 * len(names)),
                             squeeze=False)
    slope, icpt = fit
    for row, name in zip(axes, names, strict=True):
        ys, xs = _examples(res, name, rng)
        for ax, y, x in zip(row, ys[:columns], xs[:columns], strict=False):
            for i in range(cube.data.shape[0]):
                ramp = cube.data[i, :, y, x].astype(float)
                ax.plot(times, ramp - ramp[0], ".-", ms=2, lw=0.6, color=f"C{i % 10}")
                ax.plot(times, icpt[i, y, x] + slope[i, y, x] * times - ramp[0], "k--",
                        lw=0.5)
            rate = slope[:, y, x].mean() * cube.gain
            ax.set_title(f"{name} ({y},{x}) {rate:.2g} e/s{' HOT' if hot[y, x] else ''}",
                         fontsize=7)
            ax.tick_params(labelsize=5)
        for ax in row[len(ys[:columns]):]:
            ax.set_axis_off()
    fig.suptitle(f"{cube.name}: example ramps per label (counts minus the first group, DN, "
                 "vs time, s; dashed: least-squares line)", fontsize=8)
    fig.tight_layout()
    return fig


def _sheets(cube, res, times, fit, out, overwrite):
    plt = pyplot()
    hot = (np.asarray(res.dq.data) & np.uint32(DQ.HOT)) != 0
    rng = np.random.default_rng(SEED)
    written = []
    for name in res.classes:
        if not res.mask(name).any():
            continue
        fig = _draw_class(cube, res, name, times, fit, hot, rng)
        path = out / f"{cube.name}_{name}.png"
        _atomic_write(path, lambda tmp, f=fig: f.savefig(tmp, format="png", dpi=90),
                      overwrite)
        plt.close(fig)
        written.append(path.name)
    fig = _draw_overview(cube, res, times, fit, hot, np.random.default_rng(SEED))
    path = out / f"{cube.name}_overview.png"
    _atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=72), overwrite)
    plt.close(fig)
    written.append(path.name)
    print(f"  contact sheets in {out}: {', '.join(written)}")


def _extras(cube, res, slope):
    """Per-integration median LSQ rate; labels of the reference columns."""
    if slope.shape[0] > 1:
        meds = ", ".join(f"{v:.3g}" for v in np.median(slope, axis=(1, 2)) * cube.gain)
        print(f"  median LSQ rate per integration: {meds} e/s")
    if cube.ref_columns:
        ref = np.zeros(res.labels.shape, bool)
        ref[:, :cube.ref_columns] = True
        print(f"  labels of the {int(ref.sum())} pixels of columns x < {cube.ref_columns} "
              f"(reference pixels, not light-sensitive): {_label_counts(res, ref)}")


def run_cube(cube, args, model):
    res, times, elapsed, caught = _run(cube, args.hot_threshold, model)
    _header(cube, res, elapsed, caught)
    slope, icpt = _lsq(cube.data, times)
    lsq = slope.mean(axis=0) * cube.gain
    med, sig = _dark_split(cube, res, lsq, args.hot_threshold)
    _typical(cube, res, lsq, _diff_noise(cube.data), med, sig)
    _extras(cube, res, slope)
    if not args.no_sheets:
        _sheets(cube, res, times, (slope, icpt), args.out, args.overwrite)


def _positive(text):
    value = float(text)
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive finite rate in e/s, got {text}")
    return value


def _prepare_out(args, names):
    """Create ``--out``; refuse existing sheets of the selected cubes unless --overwrite."""
    if args.no_sheets:
        return
    args.out.mkdir(parents=True, exist_ok=True)
    existing = sorted(p.name for n in names for p in args.out.glob(f"{n}_*.png"))
    if existing and not args.overwrite:
        sys.exit(f"bench_real_data: {args.out} already holds {', '.join(existing[:4])}"
                 f"{' ...' if len(existing) > 4 else ''}; pass --overwrite to replace them "
                 "or choose another --out")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench_real_data_out"))
    parser.add_argument("--overwrite", action="store_true")
    parser.add_argument("--no-sheets", action="store_true")
    parser.add_argument("--hot-threshold", type=_positive, default=1.0, help="e/s")
    parser.add_argument("--only", choices=sorted(LOADERS))
    args = parser.parse_args()
    folder = _data_dir()
    names = [args.only] if args.only else list(LOADERS)
    _prepare_out(args, names)
    model = RampClassifier.default()
    for name in names:
        run_cube(LOADERS[name](folder), args, model)


if __name__ == "__main__":
    main()
