"""The two-state hidden Markov model of the telegraph features against brute force."""

import itertools

import numpy as np
import pytest

from ccdbadpix.ramps._telegraph import _forward_backward, two_level_statistic


def _enumerate(e, q, p0):
    """Posteriors, expected switches and log-likelihood of one pixel by summing over
    every path of states (exact for a short chain)."""
    n = e.shape[1]
    total, post, switches = 0.0, np.zeros((2, n)), 0.0
    for path in itertools.product((0, 1), repeat=n):
        p = (p0 if path[0] == 0 else 1 - p0) * e[path[0], 0]
        for k in range(1, n):
            p *= (q if path[k] != path[k - 1] else 1 - q) * e[path[k], k]
        total += p
        post[list(path), range(n)] += p
        switches += p * sum(a != b for a, b in itertools.pairwise(path))
    return post / total, switches / total, np.log(total)


@pytest.mark.parametrize("n", [1, 2, 7])
def test_forward_backward_equals_sum_over_paths(n):
    rng = np.random.default_rng(11)
    e = rng.uniform(0.01, 1, (2, n, 5))
    q, p0 = rng.uniform(0.01, 0.5, 5), rng.uniform(0, 1, 5)
    gamma, switches, loglik = _forward_backward(e, q, p0)
    for j in range(5):
        post, sw, ll = _enumerate(e[:, :, j], q[j], p0[j])
        np.testing.assert_allclose(gamma[:, :, j], post, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(switches[j], sw, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(loglik[j], ll, rtol=1e-9)


def test_two_level_statistic_separates_telegraph_from_noise():
    rng = np.random.default_rng(5)
    n, m = 60, 400
    white = rng.standard_normal((n, m)).astype(np.float32)
    state = np.cumsum(rng.random((n, m)) < 0.2, axis=0) % 2  # dwell about 5 groups
    rtn = (rng.standard_normal((n, m)) + 4 * state).astype(np.float32)
    llr_white, _, _ = two_level_statistic(white)
    llr_rtn, sw, sep = two_level_statistic(rtn)
    assert np.median(llr_rtn) > 10 * max(np.median(llr_white), 1)
    true_switches = np.abs(np.diff(state, axis=0)).sum(0)
    assert abs(np.median(sw) - np.median(true_switches)) < 3
    assert abs(np.median(sep) - 4) < 0.5


def test_fast_switching_telegraph_is_found():
    """Levels 4 read noises apart, a switch every 1.5 groups on average: the fit starts
    from the residuals' own crossing rate, so three iterations reach the fast solution
    (from a fixed slow start 0.2 they stayed in a slow one of two close levels, and only
    about 30 % of such pixels stood out from white noise)."""
    rng = np.random.default_rng(8)
    n = 80
    t = np.arange(n) - (n - 1) / 2

    def residuals(y):
        return (y - y.mean(0) - np.outer(t, (t @ y) / (t @ t))).astype(np.float32)

    white = residuals(rng.standard_normal((n, 20000)))
    state = np.cumsum(rng.random((n, 2000)) < 1 / 1.5, axis=0) % 2
    rtn = residuals(rng.standard_normal((n, 2000)) + 4 * state)
    threshold = np.quantile(two_level_statistic(white)[0], 0.999)
    assert (two_level_statistic(rtn)[0] > threshold).mean() > 0.9
