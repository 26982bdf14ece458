"""np.interp of constant points on constant knots in sparsity detection: each point on
its segment's two values (left/right beyond the ends), as the dual rule selects them.
The pattern was every value for every point: a profile resampled from 1e5 knots onto
3e5 points had a dense 3e5 x 1e5 pattern. References: the dense Jacobian's nonzeros
(independent of detection), and the interpolation weights in closed form."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sparsity_harness import check_hessian_pattern, check_jacobian_pattern

import hyperdiff as hd

KNOTS = np.linspace(0.0, 1.0, 7)
# below, on the first knot, inside, on an inner knot, on the last, above, nan
POINTS = np.array([-0.5, 0.0, 0.1, 1 / 6, 0.5, 0.99, 1.0, 1.5, np.nan])
REPEATED = np.array([0.0, 0.2, 0.2, 0.5, 1.0, 1.0, 1.0])

CASES = {
    "values": lambda f: np.interp(POINTS, KNOTS, f**2),
    "traced_ends": lambda f: np.interp(POINTS, KNOTS, np.sin(f), left=f[3], right=f[2] * f[1]),
    "constant_ends": lambda f: np.interp(POINTS, KNOTS, f, left=0.0, right=2.0),
    "2d_points": lambda f: np.interp(POINTS[:8].reshape(2, 4), KNOTS, f**3).ravel(),
    "one_knot": lambda f: np.interp(POINTS, KNOTS[:1], f[:1]) * f[1],
    "repeated_knots": lambda f: np.interp(POINTS, REPEATED, f**2),
    "list_points": lambda f: np.interp([0.3, 0.7], list(KNOTS), f) * f[0],
}
AT = [np.random.default_rng(s).uniform(0.5, 1.5, 7) for s in range(3)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_patterns_hold_and_values_match(name):
    f = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (the nan point)
        check_jacobian_pattern(f, AT, exact=False)
        check_hessian_pattern(lambda z: np.nansum(f(z) ** 2), AT)


def test_pattern_is_the_segments():
    got = hd.jacobian_sparsity(CASES["traced_ends"])(AT[0]).toarray()
    want = np.zeros((POINTS.size, 7), dtype=bool)
    want[0, 3] = True  # below: left = f[3]
    want[1, 0] = True  # on the first knot: fp[0] alone
    want[2, [0, 1]] = True
    want[3, 1] = True  # on knot 1
    want[4, 3] = True  # 0.5: knot 3
    want[5, [5, 6]] = want[6, [5, 6]] = True
    want[7, [1, 2]] = True  # above: right = f[2] f[1]
    want[8, [5, 6]] = True  # nan: the last segment's, as the dual rule reads
    np.testing.assert_array_equal(got, want)


def test_resampled_profile_is_sparse_and_exact():
    knots = np.linspace(0.0, 1.0, 2001)
    points = np.linspace(0.0, 1.0, 5003)
    v = np.random.default_rng(1).uniform(size=knots.size)
    j = hd.jacobian(lambda v: np.interp(points, knots, v), sparsity="auto")(v)
    assert j.nnz <= 2 * points.size
    # closed form: weights 1 - t and t of each point's segment
    seg = np.clip(np.searchsorted(knots, points, side="right") - 1, 0, knots.size - 2)
    t = (points - knots[seg]) / (knots[seg + 1] - knots[seg])
    want = np.zeros((points.size, knots.size))
    rows = np.arange(points.size)
    want[rows, seg] += 1 - t
    want[rows, seg + 1] += t
    np.testing.assert_allclose(j.toarray(), want, rtol=1e-15, atol=1e-15)


def test_numpy_shape_errors_stay():
    with pytest.raises(ValueError):
        hd.jacobian_sparsity(lambda f: np.interp(POINTS, KNOTS, f[:5]))(AT[0])
