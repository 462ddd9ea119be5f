"""Time classify_ramps of this checkout against a baseline checkout on the same cubes.

The cubes are simulated once by this checkout (plain ``simulate_ramps`` cubes and, at a
smaller size, realistic detectors of ``bench_classify_ramps.DETECTORS``), written to a
temporary directory, and each version is timed in its own subprocess whose
``PYTHONPATH`` puts that checkout first (both are the package ``ccdbadpix``, so they
cannot share one interpreter). Each subprocess makes one warm-up call per cube (imports,
per-ramp-length caches, the model); then, cube by cube, the two versions are timed back
to back (best of ``--repeat`` calls each, the order alternating) over ``--rounds``
rounds, and the best of all is printed, since other jobs on the machine make single
timings noisy. Nothing is asserted.

Run: ``python benchmarks/bench_speed_vs_baseline.py --baseline /path/to/baseline/checkout
[--current /path/to/this/checkout] [--size 512] [--real-size 384] [--detectors 2]
[--repeat 3] [--rounds 3]``
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _cubes(size, real_size, detectors):
    """(name, simulation) of the benchmark cubes."""
    sys.path.insert(0, str(HERE))
    from bench_classify_ramps import DETECTORS

    from ccdbadpix.simulate import simulate_ramps

    for ngroups, seed in ((80, 1), (30, 2)):
        sim = simulate_ramps((size, size), ngroups=ngroups, seed=seed)
        yield f"plain {size}x{size}", sim
    for name in list(DETECTORS)[:detectors]:
        sim = simulate_ramps((real_size, real_size), **DETECTORS[name])
        yield f"{name.split(',')[0]} {real_size}x{real_size}", sim


def _worker(paths, repeat):
    """Serve timings: load the cubes, warm up on each, then for every index read from
    stdin print the best of ``repeat`` calls on that cube (s)."""
    import warnings

    import ccdbadpix
    from ccdbadpix import classify_ramps

    warnings.simplefilter("ignore")
    calls = []
    for path in paths:
        saved = np.load(path)
        cube, times, gain = saved["cube"], saved["times"], float(saved["gain"])
        calls.append(lambda cube=cube, times=times, gain=gain: classify_ramps(
            cube, times=times, gain=gain, progress=False))
        calls[-1]()  # warm-up: imports, the model, per-ramp-length caches
    print(ccdbadpix.__file__, flush=True)
    for line in sys.stdin:
        best = np.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            calls[int(line)]()
            best = min(best, time.perf_counter() - t0)
        print(best, flush=True)


def _start(checkout, paths, repeat):
    """A worker process whose package is the one in ``checkout``, and the file it loaded."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--repeat", str(repeat),
           *paths]
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    return proc, proc.stdout.readline().strip()


def _ask(proc, index):
    proc.stdin.write(f"{index}\n")
    proc.stdin.flush()
    return float(proc.stdout.readline())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="checkout of the baseline version")
    parser.add_argument("--current", default=str(HERE.parent), help="checkout to compare")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--real-size", type=int, default=384)
    parser.add_argument("--detectors", type=int, default=2,
                        help="how many of bench_classify_ramps.DETECTORS, in order")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.paths, args.repeat)
        return
    if not args.baseline:
        parser.error("--baseline is required")
    with tempfile.TemporaryDirectory() as tmp:
        names, paths, groups = [], [], []
        for i, (name, sim) in enumerate(_cubes(args.size, args.real_size, args.detectors)):
            path = os.path.join(tmp, f"cube{i}.npz")
            np.savez(path, cube=sim.data, times=sim.times.to_value("s"),
                     gain=sim.gain.to_value("electron / DN"))
            names.append(name)
            paths.append(path)
            groups.append(sim.data.shape[-3])
        keys = ("baseline", "current")
        workers = {k: _start(c, paths, args.repeat)
                   for k, c in zip(keys, (args.baseline, args.current), strict=True)}
        best = {k: np.full(len(paths), np.inf) for k in keys}
        for r in range(args.rounds):  # cube by cube, the two versions back to back
            for i in range(len(paths)):
                for k in (keys if (r + i) % 2 == 0 else keys[::-1]):
                    best[k][i] = min(best[k][i], _ask(workers[k][0], i))
        for proc, _ in workers.values():
            proc.stdin.close()
            proc.wait()
    for k in keys:
        print(f"{k}: {workers[k][1]}")
    print(f"{'cube':40s} {'groups':>6s} {'baseline s':>10s} {'current s':>10s} {'ratio':>6s}")
    for i, name in enumerate(names):
        b, c = best["baseline"][i], best["current"][i]
        print(f"{name:40s} {groups[i]:6d} {b:10.3f} {c:10.3f} {c / b:6.2f}")


if __name__ == "__main__":
    main()
