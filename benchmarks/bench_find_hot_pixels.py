"""Time find_hot_pixels on a 4096 x 4096 dark against a plain numpy threshold.

The anchor ("floor") is what a notebook does on the same data in the same process:
``rate = dark * gain / exptime; hot = rate >= threshold``. The target is to stay
within 3x of that floor for the default call (one dark, ``neighbors="above"``).
The other modes are printed for information.

Run: ``python benchmarks/bench_find_hot_pixels.py [--size 4096] [--repeat 5]``
"""

import argparse

import astropy.units as u
import numpy as np
from _timing import best_time, peak_mib  # benchmarks/_timing.py, beside this script
from astropy.nddata import CCDData

from ccdbadpix import find_hot_pixels


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    rng = np.random.default_rng(42)
    n = args.size
    exptime, gain = 1000.0, 1.5
    rate_e = rng.lognormal(np.log(0.01), 0.5, (n, n)).astype(np.float32)
    hot = rng.random((n, n)) < 1e-3
    rate_e[hot] = rng.uniform(1, 100, hot.sum())
    data = (rng.poisson(rate_e * exptime) / gain + rng.normal(0, 7, (n, n))).astype(np.float32)
    dark = CCDData(data, unit="adu", meta={"EXPTIME": exptime})
    threshold = 1 * u.electron / u.s

    def floor():
        rate = dark.data * (gain / exptime)
        return rate >= 1.0

    def default():
        return find_hot_pixels(dark, gain=gain * u.electron / u.adu, threshold=threshold)

    # same answer, or the comparison means nothing
    np.testing.assert_array_equal(default().to_boolean(), floor())

    t_floor = best_time(floor, args.repeat)
    print(f"find_hot_pixels on a {n} x {n} float32 dark (best of {args.repeat})")
    print(f"{'case':<44s}{'time [s]':>10s}{'ratio':>8s}")
    print(f"{'numpy floor: rate >= threshold':<44s}{t_floor:10.4f}{1.0:8.2f}")
    cases = [
        ("find_hot_pixels default (neighbors='above')", default),
        ("  + warm_threshold", lambda: find_hot_pixels(
            dark, gain=gain * u.electron / u.adu, threshold=threshold,
            warm_threshold=0.1 * u.electron / u.s)),
        ("  neighbors='none' (IPC measured)", lambda: find_hot_pixels(
            dark, gain=gain * u.electron / u.adu, threshold=threshold, neighbors="none")),
        ("  neighbors='cross', ipc=0.01", lambda: find_hot_pixels(
            dark, gain=gain * u.electron / u.adu, threshold=threshold, neighbors="cross",
            ipc=0.01)),
        ("  method='sigma'", lambda: find_hot_pixels(dark, method="sigma")),
    ]
    for label, func in cases:
        t = best_time(func, args.repeat if "default" in label else max(1, args.repeat // 2))
        print(f"{label:<44s}{t:10.4f}{t / t_floor:8.2f}")
    ratio = best_time(default, args.repeat) / t_floor
    print(f"default / floor = {ratio:.2f} (target <= 3)")
    input_mib = data.nbytes / 2**20
    print(f"peak traced memory of the default call: {peak_mib(default):.0f} MiB "
          f"(input {input_mib:.0f} MiB; floor {peak_mib(floor):.0f} MiB)")


if __name__ == "__main__":
    main()
