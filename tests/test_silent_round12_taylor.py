"""Round 12, higher orders: derivatives of order 3 and beyond against mpmath (dps 50).

np.i0 ran numpy's Chebyshev expansions (Cephes) on the dual array at every order, so
its derivatives were those of the approximation: close to I0's at orders 1 and 2, but
`derivative(np.i0, order=6)(0.0)` was 0.31249999404 (I0^(6)(0) = 5/16), the seventh
at 1e-3 off by 3e-4 relative, and the odd ones at 0 (zero by symmetry) 1e-10 .. 1e-7,
silently. Beyond second order i0 is now composed from I0's own derivatives.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import hyperdiff as hd

mp.mp.dps = 50

POINTS = np.array([-30.0, -2.5, -1e-3, 0.0, 1e-9, 0.1, 0.7, 3.0, 8.0, 8.5, 50.0, 300.0, 700.0])


def _i0_derivative(k: int, x: float) -> float:
    # I0^(k)(x) = 2^-k sum_j C(k, j) I_(2j-k)(x), in mpmath
    total = sum(math.comb(k, j) * mp.besseli(2 * j - k, mp.mpf(x)) for j in range(k + 1))
    return float(total / mp.mpf(2) ** k)


@pytest.mark.parametrize("order", [3, 4, 5, 6, 7, 8])
def test_i0_every_order_at_every_point(order: int) -> None:
    got = hd.derivative(np.i0, order=order)(POINTS)
    for x, g in zip(POINTS, got, strict=True):
        reference = _i0_derivative(order, float(x))
        scale = max(abs(reference), 1e-300)
        if order % 2 and x == 0:
            assert g == 0.0
        else:
            assert abs(g - reference) <= 4e-15 * scale, (order, x, g, reference)


def test_i0_taylor_mixed_partials_nesting_and_float32() -> None:
    x0 = 0.5
    planes = hd.taylor(np.i0, np.array(x0), 2.0, 6)
    for k in range(7):
        reference = 2.0**k * _i0_derivative(k, x0)
        assert abs(planes[k] - reference) <= 4e-15 * abs(reference), k
    assert planes[0] == np.i0(x0)  # numpy's value, bit for bit
    # d^4/dx^2 dy^2 of I0(x y) at (0.3, 0.7)
    mixed = hd.derivative(lambda x, y: np.i0(x * y), order=(2, 2), argnums=(0, 1))(0.3, 0.7)
    reference = float(mp.diff(lambda x, y: mp.besseli(0, x * y), (0.3, 0.7), (2, 2)))
    assert abs(mixed - reference) <= 1e-14 * abs(reference)
    third = hd.jacobian(hd.hessian(lambda v: np.sum(np.i0(v))))(np.array([1e-3]))[0, 0, 0]
    assert abs(third - _i0_derivative(3, 1e-3)) <= 4e-15 * _i0_derivative(3, 1e-3)
    single = hd.derivative(np.i0, order=6)(np.float32(1e-3))
    assert single.dtype == np.float32
    assert abs(float(single) - _i0_derivative(6, float(np.float32(1e-3)))) <= 2e-7
