"""How much small telegraph noise one ramp can show at all: an information bound.

Issue 11 asks for telegraph recall of at least 0.9 for levels 2-5 read noises apart with
at least 3 switches in 40+ groups, at most 0.1 % of good pixels mislabelled. This script
measures what the best single-ramp test can reach on the cleanest possible data: white
read noise (with a 10 % per-pixel spread) plus a symmetric two-state Markov telegraph
process, nothing else (no shot noise, no cosmic rays, no 1/f noise, no glitches). The
test is the likelihood ratio of a two-state hidden Markov model (levels, noise and
switching probability fitted by Baum-Welch, `ccdbadpix.ramps._telegraph`, here run to
30 iterations) against one Gaussian, the statistic `classify_ramps` gives its forest
(``two_level_llr``). Its threshold is set on the good pixels for a false-alarm rate of
0.1 % (and 0.01 %); the recall of telegraph pixels is printed by amplitude (read noises)
and mean dwell time (groups), for the dwell times of ``REALISTIC_EFFECTS`` (1.5-8
groups) and for a slower population (8-20 groups), and over the issue's whole
population with amplitudes log-uniform in 2-12 read noises as in
``benchmarks/bench_classify_ramps.py`` (kept at 2-5).

No classifier, however trained, does better than this ceiling on these ramps; the
recall `bench_classify_ramps.py` prints is to be read against it. Seeded; prints only.

    python benchmarks/bench_telegraph_bound.py [--ngroups 80] [--pixels 20000]
"""

import argparse

import numpy as np

from ccdbadpix.ramps import _telegraph


def _residuals(y):
    """Residuals of each column of ``y`` (n, P) from its least-squares line, float32."""
    n = y.shape[0]
    t = np.arange(n) - (n - 1) / 2
    slope = (t @ y) / (t @ t)
    return (y - y.mean(0) - np.outer(t, slope)).astype(np.float32)


def _telegraph_ramps(rng, n, m, amp, dwell, sigma):
    """(n, m) white noise of per-pixel sigma plus two-state Markov telegraph levels, and
    the number of switches of each ramp."""
    state = rng.integers(0, 2, m)
    levels = np.empty((n, m))
    switches = np.zeros(m, int)
    for k in range(n):
        if k:
            flip = rng.random(m) < 1 / dwell
            state = np.where(flip, 1 - state, state)
            switches += flip
        levels[k] = state
    return rng.standard_normal((n, m)) * sigma + levels * amp, switches


def _llr(y):
    return _telegraph.two_level_statistic(_residuals(y))[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ngroups", type=int, default=80)
    parser.add_argument("--pixels", type=int, default=20000)
    args = parser.parse_args()
    n, m = args.ngroups, args.pixels
    rng = np.random.default_rng(20261201)
    _telegraph._ITERATIONS = 30  # near convergence: the ceiling, not today's 3 iterations
    good = _llr(rng.standard_normal((n, m)) * rng.normal(1, 0.1, m))
    print(f"{n} groups, {m} good pixels and {m} telegraph pixels per population; "
          "two-state HMM likelihood ratio")
    for name, dwell_range in (("dwell 1.5-8 groups (REALISTIC_EFFECTS)", (1.5, 8)),
                              ("dwell 8-20 groups", (8, 20))):
        amp = rng.uniform(2, 5, m)
        dwell = np.exp(rng.uniform(*np.log(dwell_range), m))
        y, switches = _telegraph_ramps(rng, n, m, amp, dwell, rng.normal(1, 0.1, m))
        llr, seen = _llr(y), switches >= 3
        log_amp = np.exp(rng.uniform(np.log(2), np.log(12), m))  # as the benchmark draws
        y2, sw2 = _telegraph_ramps(rng, n, m, log_amp, dwell, rng.normal(1, 0.1, m))
        issue = (sw2 >= 3) & (log_amp <= 5)
        llr2 = _llr(y2)
        for fpr in (1e-3, 1e-4):
            thr = np.quantile(good, 1 - fpr)
            print(f"\n== {name}, good pixels flagged {100 * fpr:g} % (threshold {thr:.1f})")
            for lo, hi in ((2, 3), (3, 4), (4, 5)):
                cells = []
                for dlo, dhi in ((dwell_range[0], 2.5), (2.5, 4), (4, 8), (8, 20)):
                    sel = seen & (amp >= lo) & (amp < hi) & (dwell >= dlo) & (dwell < dhi)
                    if sel.sum() >= 50:
                        cells.append(f"dwell {dlo:g}-{dhi:g}: {(llr[sel] > thr).mean():.2f}")
                print(f"  levels {lo}-{hi} read noises apart: " + "; ".join(cells))
            print(f"  all, amplitude uniform 2-5: recall {(llr[seen] > thr).mean():.3f}; "
                  f"amplitude log-uniform 2-12 kept at 2-5 (the benchmark's population): "
                  f"recall {(llr2[issue] > thr).mean():.3f} of {int(issue.sum())}")


if __name__ == "__main__":
    main()
