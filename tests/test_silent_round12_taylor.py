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


# x^y with both operands carrying parts at x = 0: z = exp(y log x) took every plane
# as a strong zero, so `derivative(np.power, order=(3, 0), argnums=(0, 1))(0.0, 3.0)`
# (d^3 x^3 / dx^3 = 6) was 0, and jacobian(hessian(v0 ** v1)) at (0, 3) likewise;
# past a non-integer exponent (x^2.5: the third derivative is infinite) 0 too.
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_power_of_two_variables_at_zero_base(dtype, n: int) -> None:
    with np.errstate(all="ignore"):
        for k in range(1, 6):
            got = hd.derivative(np.power, order=(k, 0), argnums=(0, 1))(dtype(0.0), dtype(n))
            assert got == (math.factorial(n) if k == n else 0.0), (n, k, got)
        # along a moving exponent (t, n + t): t^n (1 + t log t + ...): plane n is n!,
        # the next infinite (no number)
        planes = hd.taylor(lambda t: np.power(t, dtype(n) + t), np.array(0.0, dtype), 1.0, n + 1)
        assert list(planes[: n + 1]) == [0.0] * n + [math.factorial(n)]
        assert np.isnan(planes[n + 1])


def test_power_of_two_variables_nests_and_stops_at_noninteger_exponents() -> None:
    with np.errstate(all="ignore"):
        third = hd.jacobian(hd.hessian(lambda v: v[0] ** v[1]))(np.array([0.0, 3.0]))
        expected = np.zeros((2, 2, 2))
        expected[0, 0, 0] = 6.0  # every other third partial -> 0 as x -> 0+
        np.testing.assert_array_equal(third, expected)
        for k, expected_k in [(1, 0.0), (2, 0.0), (3, np.nan), (4, np.nan)]:
            got = hd.derivative(np.power, order=(k, 0), argnums=(0, 1))(0.0, 2.5)
            np.testing.assert_array_equal(got, expected_k)


# f' as numpy code (Entry.prime) runs on outside the domain where scipy's value is nan:
# `derivative(scipy.special.exp1, order=3)(-2.0)` was 1.847 (E1 is nan there, orders 1
# and 2 nan); entr's f2 = -1/x gave order 2 at x < 0 (value -inf, order 1 nan) as 1.0.
OUTSIDE = [
    ("exp1", -2.0),
    ("exp1", -1e-6),
    ("entr", -1.0),
    ("ndtri", 1.5),
    ("erfinv", -2.0),
]


@pytest.mark.parametrize(("name", "x"), OUTSIDE)
def test_prime_rules_outside_the_domain_give_no_number(name: str, x: float) -> None:
    import scipy.special as sc

    f = getattr(sc, name)
    with np.errstate(all="ignore"):
        assert not np.isfinite(f(x))
        for order in range(1, 6):
            assert np.isnan(hd.derivative(f, order=order)(x)), (name, order)
        planes = hd.taylor(f, np.array([x, 0.25]), 1.0, 4)
    assert np.isnan(planes[1:, 0]).all()
    assert np.isfinite(planes[:, 1]).all()
