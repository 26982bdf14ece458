"""derivative's pointwise probe and functions that move points.

derivative(f) (and every elementwise=True pass) checks that f acts point by point with
one more direction seeded w_i = +-2^k at point i: one of 256 numbers (float64; float32
32), all different on the first 256 points, then from a hash of the index. A function
that only moves points (np.sort, a permutation) passes when every moved point lands on
one of equal weight: then the per-point derivatives come back without an error. A
strict xfail: the probe's design (one plane, exact powers of two) cannot tell (1 in 256
far swaps; a second probe plane would cost every elementwise pass).
tests/test_pointwise_probe.py measures the rate.
"""

from __future__ import annotations

import numpy as np
import pytest

import hyperdiff as hd


def test_a_sort_that_swaps_points_is_refused() -> None:
    x = np.arange(64.0)
    x[[3, 9]] = x[[9, 3]]  # np.sort swaps them back: not point by point
    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(np.sort)(x)


@pytest.mark.xfail(strict=True, reason="points 300 and 533 have one probe weight: undetectable")
def test_a_sort_that_swaps_points_of_equal_weight_is_refused() -> None:
    x = np.arange(600.0)
    x[[300, 533]] = x[[533, 300]]  # d sort(x)_i / d x_i is 0 at both, derivative says 1
    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(np.sort)(x)
