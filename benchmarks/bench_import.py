"""What ``import ccdbadpix`` and ``ccdbadpix --help`` cost, against astropy alone.

Each case runs in a fresh Python process (best of ``--repeat``), so nothing is cached
in ``sys.modules``. The baseline, run the same way in the same session, imports
``astropy.nddata`` and ``astropy.io.fits``, which any astropy/ccdproc user's session
loads anyway. Target: ``import ccdbadpix`` at most 1.3x the baseline (the public names
load on first use); first use of ``find_hot_pixels`` and of ``classify_ramps`` shown
for comparison.

Run: ``python benchmarks/bench_import.py [--repeat 7]``
"""

import argparse
import subprocess
import sys
import time

CASES = {
    "baseline: import astropy.nddata, astropy.io.fits":
        "import astropy.nddata, astropy.io.fits",
    "import ccdbadpix": "import ccdbadpix",
    "ccdbadpix --help (parser only)":
        "import contextlib, io, ccdbadpix.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        ccdbadpix.cli.main(['--help'])\n"
        "    except SystemExit:\n        pass",
    "from ccdbadpix import find_hot_pixels": "from ccdbadpix import find_hot_pixels",
    "from ccdbadpix import classify_ramps": "from ccdbadpix import classify_ramps",
}


def _time(code, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    empty = _time("pass", args.repeat)
    times = {name: _time(code, args.repeat) for name, code in CASES.items()}
    base = times[next(iter(CASES))] - empty
    print(f"interpreter start-up alone: {empty:.3f} s (subtracted below)")
    print(f"{'case':52s} {'time [s]':>9s} {'ratio':>6s}")
    for name, t in times.items():
        print(f"{name:52s} {t - empty:9.3f} {(t - empty) / base:6.2f}")


if __name__ == "__main__":
    main()
