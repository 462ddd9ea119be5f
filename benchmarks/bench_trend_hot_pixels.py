"""Speed, memory and accuracy of trend_hot_pixels against a plain numpy count-and-polyfit.

The anchor ("floor") is the least any hot-pixel trending must do, run on the same data in
the same process: count the pixels at or above each threshold at every epoch,
``[(frame >= t).sum() for t in thresholds]``, and fit the counts against time with
``np.polyfit``. ``trend_hot_pixels`` also follows every pixel through time (new, returned,
healed, intermittent, first-hot epoch), handles units, dates and NaNs, and fits a robust
common-slope line with step detection; the ratio (ours / floor) shows what that costs.

Printed:

- full detector (default 2048 x 2048, 24 monthly float32 rate maps): seconds per epoch,
  megapixels/s and ratio to the floor, for CCDData frames in memory and for FITS paths
  (read one epoch at a time; the files were just written, so they come from the page
  cache); peak traced memory during the call against one epoch's rate map;
- accuracy on simulated 3-year series (default 512 x 512, 37 monthly epochs, 5 seeds):
  fitted growth against the simulation's realised growth per threshold, without a step,
  with a step half way (found at the right epoch? its size against the true number of
  step pixels above the threshold) and with 0.05 DN/s of noise (no step may be invented);
  the floor's ``np.polyfit`` slope is shown alongside;
- with ``--profile``: the ten ``ccdbadpix`` functions with the largest cumulative time in
  a cProfile of the full-detector call.

Run: ``python benchmarks/bench_trend_hot_pixels.py [--quick] [--profile]
[--size 2048] [--epochs 24] [--acc-size 512] [--seeds 5] [--repeat 3]``
"""

import argparse
import cProfile
import pstats
import tempfile
import time
import warnings
from pathlib import Path

import astropy.units as u
import numpy as np
from _timing import best_time, peak_mib  # benchmarks/_timing.py, beside this script
from astropy.io import fits
from astropy.wcs import FITSFixedWarning

from ccdbadpix import month, trend_hot_pixels
from ccdbadpix.simulate import simulate_hot_pixel_series

THRESHOLDS = (1.0, 3.0, 10.0, 100.0)  # DN/s, the defaults of trend_hot_pixels
DN_S = u.DN / u.s


def _months(sim):
    return (sim.times.mjd - sim.times.mjd[0]) * u.day.to(month)


def _floor(arrays, t_months):
    """Counts at the thresholds per epoch, then a straight line per threshold."""
    counts = np.array([[int((frame >= t).sum()) for t in THRESHOLDS] for frame in arrays])
    slopes = [np.polyfit(t_months, counts[:, j], 1)[0] for j in range(len(THRESHOLDS))]
    return counts, slopes


def _table_counts(trend):
    return np.column_stack([np.asarray(trend.table[f"count_{label}"])
                            for label in trend._labels])


def _simulate_full(size, n_epochs, seed=1):
    # the hot-pixel density of the simulator's 512 x 512 defaults, scaled to the area
    scale = (size / 512) ** 2
    return simulate_hot_pixel_series(
        (size, size), n_epochs, new_per_month=100 * scale, initial_hot=round(500 * scale),
        intermittent=round(50 * scale), output="rate", seed=seed)


def full_detector(size, n_epochs, repeat, profile):
    t0 = time.perf_counter()
    sim = _simulate_full(size, n_epochs)
    frames = sim.frames
    arrays = [f.data for f in frames]
    t_months = _months(sim)
    frame_mib = arrays[0].nbytes / 2**20
    npix = size * size
    print(f"== full detector: {size} x {size} float32 rate maps, {n_epochs} monthly epochs "
          f"(one epoch {frame_mib:.0f} MiB; simulated in {time.perf_counter() - t0:.1f} s)")

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        paths = []
        for k, frame in enumerate(frames):
            path = Path(tmp) / f"rate_{k:03d}.fits"
            frame.write(path)
            paths.append(str(path))
        print(f"  wrote {n_epochs} FITS files in {time.perf_counter() - t0:.1f} s")

        def ours_mem():
            return trend_hot_pixels(frames, progress=False)

        def ours_fits():
            return trend_hot_pixels(paths, progress=False)

        def floor_mem():
            return _floor(arrays, t_months)

        def floor_fits():
            return _floor((fits.getdata(p) for p in paths), t_months)

        # same counts, or the comparison means nothing
        ref = floor_mem()[0]
        np.testing.assert_array_equal(_table_counts(ours_mem()), ref)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            np.testing.assert_array_equal(_table_counts(ours_fits()), ref)
        np.testing.assert_array_equal(floor_fits()[0], ref)
        fixed = sum(issubclass(w.category, FITSFixedWarning) for w in caught)
        if fixed:
            print(f"  note: trend_hot_pixels on the {n_epochs} FITS paths emitted {fixed} "
                  "FITSFixedWarning (CCDData.read builds a WCS from each header, DATE-OBS -> "
                  "MJD-OBS); silenced below")
        warnings.simplefilter("ignore", FITSFixedWarning)

        rows = []
        for label, func in (("numpy floor, arrays in memory", floor_mem),
                            ("trend_hot_pixels, CCDData in memory", ours_mem),
                            ("numpy floor, fits.getdata per epoch", floor_fits),
                            ("trend_hot_pixels, FITS paths", ours_fits)):
            rows.append((label, best_time(func, repeat), peak_mib(func)))
        print(f"  (best of {repeat}; ratio = time / the floor on the same input)")
        print(f"  {'case':<38s}{'time [s]':>9s}{'s/epoch':>9s}{'Mpix/s':>9s}{'ratio':>7s}"
              f"{'peak MiB':>10s}{'x epoch':>9s}")
        for i, (label, t, peak) in enumerate(rows):
            base = rows[i - i % 2][1]
            print(f"  {label:<38s}{t:9.2f}{t / n_epochs:9.3f}{npix * n_epochs / t / 1e6:9.0f}"
                  f"{t / base:7.2f}{peak:10.0f}{peak / frame_mib:9.1f}")
        print("  peak MiB: tracemalloc peak during one call (Python objects and NumPy buffers "
              "allocated by the call: the pixel tracker, per-epoch temporaries, arrays read "
              "from FITS); not the frames already in memory before the call, nor memory-mapped "
              "file pages or BLAS/LAPACK work space. x epoch: peak / one epoch's float32 map.")

        if profile:
            _profile(ours_mem, "the CCDData frames")
            _profile(ours_fits, "the FITS paths")


def _where(key):
    filename, line, name = key
    if "ccdbadpix" in filename:
        filename = filename[filename.rindex("ccdbadpix"):]
    elif "site-packages" in filename:
        filename = filename[filename.rindex("site-packages") + 14:]
    return f"{filename}:{line}({name})" if line else name


def _profile(func, what, n=10, n_own=5):
    prof = cProfile.Profile()
    prof.enable()
    func()
    prof.disable()
    stats = pstats.Stats(prof)
    print(f"\n  cProfile of trend_hot_pixels on {what} ({stats.total_tt:.2f} s profiled): "
          f"top {n} cumulative inside ccdbadpix, then top {n_own} by own time anywhere")
    print(f"  {'ncalls':>8s}{'tottime':>9s}{'cumtime':>9s}  function")

    def show(keys, limit):
        for key in keys[:limit]:
            _, ncalls, tottime, cumtime, _ = stats.stats[key]
            print(f"  {ncalls:8d}{tottime:9.3f}{cumtime:9.3f}  {_where(key)}")

    stats.sort_stats("cumulative")
    show([k for k in stats.fcn_list if "ccdbadpix" in k[0] and "benchmarks" not in k[0]], n)
    print("  " + "-" * 40)
    stats.sort_stats("tottime")
    show(stats.fcn_list, n_own)


# ------------------------------------------------------------------------------ accuracy
CASES = {
    "no step": {},
    "step half way": {"step_pixels": 400},
    "small step": {"step_pixels": 100},
    "noise 0.05 DN/s": {"noise": 0.05 * DN_S},
    "noise 0.25 DN/s": {"noise": 0.25 * DN_S},  # background pixels reach 1 DN/s (4 sigma)
}


def _run_case(size, n_epochs, seeds, kw):
    """Per threshold: lists of per-seed figures."""
    out = {t: {"rel": [], "pull": [], "poly": [], "found": 0, "spurious": 0, "ratio": [],
               "size_pull": []} for t in THRESHOLDS}
    for seed in seeds:
        kwargs = dict(kw)
        step_k = None
        if kwargs.get("step_pixels"):
            step_k = n_epochs // 2  # the step falls between epochs step_k - 1 and step_k
            start = simulate_hot_pixel_series((4, 4), n_epochs, new_per_month=0,
                                              initial_hot=0, intermittent=0).times
            kwargs["step_time"] = start[step_k - 1] + (start[step_k] - start[step_k - 1]) / 3
        sim = simulate_hot_pixel_series((size, size), n_epochs, seed=seed, **kwargs)
        trend = trend_hot_pixels(sim.frames, progress=False)
        _, poly = _floor([f.data for f in sim.frames], _months(sim))
        mjd = sim.times.mjd
        for j, thr in enumerate(THRESHOLDS):
            truth = sim.realized_rate(thr * DN_S).value
            row = trend.fits[j]
            rate, err = row["rate"].value, row["rate_err"].value
            res = out[thr]
            res["rel"].append((rate - truth) / truth)
            res["pull"].append(abs(rate - truth) / err)
            res["poly"].append((poly[j] - truth) / truth)
            steps = trend.steps[np.isclose(trend.steps["threshold"].to_value(DN_S), thr)]
            for s in steps:
                when = s["time"].mjd
                if step_k is not None and mjd[step_k - 1] < when < mjd[step_k]:
                    res["found"] += 1
                    n_true = int((sim.amplitude[sim.step].to_value(DN_S) >= thr).sum())
                    res["ratio"].append(s["size"].value / n_true)
                    res["size_pull"].append(abs(s["size"].value - n_true) / s["size_err"].value)
                else:
                    res["spurious"] += 1
    return out


def accuracy(size, n_epochs, seeds):
    print(f"\n== accuracy: {size} x {size}, {n_epochs} monthly epochs, seeds "
          f"{seeds[0]}..{seeds[-1]} (simulator defaults: 100 new/month, 500 initially hot, "
          "20 % of them healing, 50 intermittent; the step: 400 or 100 pixels turning hot "
          f"between epochs {n_epochs // 2 - 1} and {n_epochs // 2}, all amplitudes)")
    print("  rate err: (fitted - realised) / realised growth, mean and sd over seeds; "
          "|err|/rate_err: median; polyfit: the floor's slope, same measure;")
    print("  steps: right epoch found / seeds, spurious steps in all seeds; size: found step "
          "/ true step pixels above the threshold, mean (min-max), and median "
          "|size - true|/size_err")
    print(f"  {'case':<17s}{'thr':>5s}{'rate err %':>14s}{'|err|/err':>10s}"
          f"{'polyfit %':>14s}{'found':>7s}{'spur.':>6s}  size")
    t0 = time.perf_counter()
    for name, kw in CASES.items():
        out = _run_case(size, n_epochs, seeds, kw)
        for thr in THRESHOLDS:
            r = out[thr]
            rel, poly = 100 * np.array(r["rel"]), 100 * np.array(r["poly"])
            found = f"{r['found']}/{len(seeds)}" if "step_pixels" in kw else "-"
            size_txt = "-"
            if r["ratio"]:
                ratio = np.array(r["ratio"])
                size_txt = (f"{ratio.mean():.3f} ({ratio.min():.3f}-{ratio.max():.3f})"
                            f"{np.median(r['size_pull']):6.2f}")
            print(f"  {name:<17s}{thr:5g}{rel.mean():+7.2f} ±{rel.std():5.2f}"
                  f"{np.median(r['pull']):10.2f}{poly.mean():+7.2f} ±{poly.std():5.2f}"
                  f"{found:>7s}{r['spurious']:6d}  {size_txt}")
            name = ""
    print(f"  ({time.perf_counter() - t0:.1f} s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the script")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the full-detector call, top 10 inside ccdbadpix")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--acc-size", type=int, default=None)
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    quick = dict(size=256, epochs=6, acc_size=256, seeds=1, repeat=1)
    full = dict(size=2048, epochs=24, acc_size=512, seeds=5, repeat=3)
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    t0 = time.perf_counter()
    full_detector(args.size, args.epochs, args.repeat, args.profile)
    accuracy(args.acc_size, 37, list(range(args.seeds)))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
