"""What the shipped model costs per `classify_ramps` call: loading happens once per process.

The shipped forest is read from its compressed npz, validated tree by tree and compiled
into scikit-learn trees on first use, then kept for the process. Printed:

- reading + validating the file (`RampClassifier.load`) and compiling its trees, once;
- `classify_ramps` on a 256 x 256 x 60 simulated cube with the default model: the first
  call of the process (which loads it) and the best of the following calls;
- the baseline, in the same process: the same call given an already loaded and
  compiled model object (``model=``), which never loads anything.

The ratio of a later default-model call to the baseline should be 1.00 (no loading
cost after the first call); the first call's excess over the baseline is the one-off
loading cost.

Run: ``python benchmarks/bench_model_loading.py [--size 256] [--ngroups 60]``
"""

import argparse
import sys
import time
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np
from _timing import best_time

from ccdbadpix import RampClassifier, classify_ramps
from ccdbadpix.ramps import forest
from ccdbadpix.simulate import simulate_ramps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--ngroups", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    ref = resources.files("ccdbadpix.ramps") / "data" / "default_ramp_model.npz"
    with resources.as_file(ref) as path:
        t_load = best_time(lambda: RampClassifier.load(path), 3)
        loaded = RampClassifier.load(path)
    t0 = time.perf_counter()
    loaded._compiled = loaded._compile()
    t_compile = time.perf_counter() - t0
    print(f"model file: read + validate {t_load:.3f} s, compile {t_compile:.3f} s "
          f"({len(loaded._trees)} trees, {loaded.n_nodes:,} nodes)")

    sim = simulate_ramps((args.size, args.size), ngroups=args.ngroups, seed=5)
    kw = dict(times=sim.times, gain=sim.gain, progress=False)
    classify_ramps(sim.data[:, :16, :16], model=loaded, **kw)  # warm the kernels

    forest._default_model.cache_clear()  # as in a new process
    t0 = time.perf_counter()
    classify_ramps(sim.data, **kw)
    t_first = time.perf_counter() - t0
    t_later, t_base = np.inf, np.inf
    for _ in range(args.repeat):  # alternate, so that load from elsewhere hits both alike
        t_later = min(t_later, best_time(lambda: classify_ramps(sim.data, **kw), 1))
        t_base = min(t_base, best_time(
            lambda: classify_ramps(sim.data, model=loaded, **kw), 1))

    print(f"\nclassify_ramps on {args.size}x{args.size}x{args.ngroups} "
          f"(best of {args.repeat} for the later calls)")
    print(f"  {'case':52s} {'time [s]':>9s} {'ratio':>6s}")
    print(f"  {'baseline: model= an already loaded RampClassifier':52s} {t_base:9.3f} "
          f"{1:6.2f}")
    print(f"  {'default model, first call of the process':52s} {t_first:9.3f} "
          f"{t_first / t_base:6.2f}")
    print(f"  {'default model, later calls':52s} {t_later:9.3f} {t_later / t_base:6.2f}")
    print(f"  one-off loading cost of the first call: {t_first - t_base:.3f} s; "
          f"per later call: {max(t_later - t_base, 0):.3f} s")


if __name__ == "__main__":
    main()
