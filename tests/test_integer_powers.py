"""x**3 and x**4 with an exponent that is one number: by products (binary.hpp's
Power::integer_eval, kernels.hpp) instead of pow, on every real kind, eager (small
arrays) and fused (large ones), float64 and float32. References are exact: x^n, n
x^(n-1) and n (n-1) x^(n-2) in rational arithmetic (fractions), rounded once; the
value within 2 ulps of the exact one (x^4 as (x x)(x x)) and 3 of numpy's pow. Zeros,
infinities, nan, over- and underflow take power's edges: their limits, signs
included."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

SMALL, LARGE = 300, 40_000  # eager, and recorded by the fusion


def exact(x: float, n: int, order: int) -> float:
    """d^order/dx^order x^n at x, rounded once (inf beyond the largest float)."""
    coefficient = 1
    for k in range(order):
        coefficient *= n - k
    value = coefficient * Fraction(x) ** (n - order)
    try:
        return float(value)
    except OverflowError:
        return float(np.copysign(np.inf, float(np.sign(value))))


def ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Distance in units of the last place of want (of got's dtype)."""
    spacing = np.spacing(np.abs(want).astype(got.dtype))
    return np.abs(got.astype(np.float64) - want) / spacing.astype(np.float64)


def points(size: int, dtype: Any) -> np.ndarray:
    rng = np.random.default_rng(size)
    x = rng.uniform(-4, 4, size) * 10.0 ** rng.integers(-3, 4, size)
    return x.astype(dtype)


def kinds(x: np.ndarray) -> list[tuple[str, Any, list[int]]]:
    """(name, x seeded as the kind, first-order planes, second-order ones) for every
    real kind; each seed has x' = 1 on the planes named."""
    one, zero = np.ones_like(x), np.zeros_like(x)
    return [
        ("Dual", hd.dual(x, one), [1], []),
        ("HyperDual", hd.hyperdual(x, one, one, zero), [1, 2], [3]),
        ("DualVec", hd.dualvec(x, [one, one, one]), [1, 2, 3], []),
        ("HyperDualVec", hd.hyperdualvec(x, [one, one]), [1, 2], [3, 4, 5]),
    ]


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["eager", "fused"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [3, 4, 3.0, 4.0])
def test_integer_power_against_exact_derivatives(n: Any, dtype: Any, size: int) -> None:
    x = points(size, dtype)
    k = int(n)
    picked = np.random.default_rng(0).choice(size, 200, replace=False)
    want = [np.array([exact(float(x[i]), k, order) for i in picked]) for order in range(3)]
    numpy_value = (x**n)[picked].astype(np.float64)
    for name, seeded, firsts, seconds in kinds(x):
        planes = np.array((seeded**n)._stack)[:, picked]
        assert planes.dtype == dtype, name
        value_ulps = ulps(planes[0], want[0])
        assert value_ulps.max() <= 2.0, (name, value_ulps.max())
        assert ulps(planes[0], numpy_value).max() <= 3.0, name
        for p in firsts:
            assert ulps(planes[p], want[1]).max() <= 2.0, (name, p)
        for p in seconds:
            assert ulps(planes[p], want[2]).max() <= 2.0, (name, p)


EDGES = [0.0, -0.0, np.inf, -np.inf, 1e-320, -1e-310, 2e-308, 1e-160, -1e-105, 1e-110,
         1e102, -1e103, 1e155, 1e200, -1.7e308, 1.0, -1.0]  # fmt: skip


@pytest.mark.parametrize("n", [3, 4])
def test_integer_power_at_zeros_infinities_and_over_and_underflow(n: int) -> None:
    """The limits, signs included (4 x^3 at -0 is -0, 12 x^2 there +0; 3 x^2 at -inf
    +inf, 6 x -inf), and the partials of overflowing or underflowing powers as the
    exact numbers rounded once (power's edges, in long double), fused and eager."""
    for size in (len(EDGES), LARGE):
        x = np.resize(np.array(EDGES), size)
        seeded = hd.hyperdual(x, np.ones_like(x), np.ones_like(x), np.zeros_like(x))
        with np.errstate(all="ignore"):
            planes = np.array((seeded**n)._stack)[:, : len(EDGES)]
        for i, xi in enumerate(EDGES):
            for order, plane in ((1, planes[1, i]), (2, planes[3, i])):
                if np.isinf(xi):
                    sign = np.sign(xi) ** (n - order)
                    want = sign * np.inf
                else:
                    want = exact(xi, n, order)
                close = plane == want or abs(plane - want) <= 4 * np.spacing(abs(want))
                assert close, (n, xi, order, plane, want)
                if want != 0 or xi == 0:  # (a partial that underflows: 0 of either sign)
                    assert np.signbit(plane) == np.signbit(want), (n, xi, order, plane, want)
    nan = hd.hyperdual(np.full(3, np.nan), np.ones(3), np.ones(3), np.zeros(3)) ** n
    assert np.all(np.isnan(np.array(nan._stack)))


def test_other_exponents_keep_pow() -> None:
    """2.5, 5, -3 and an array of threes take pow as before: their derivatives against
    the exact ones (a rounding or two of pow's and its quotients)."""
    x = points(SMALL, np.float64)
    x = np.abs(x) + 0.5
    for n in (2.5, 5, -3):
        got = hd.dual(x, np.ones_like(x)) ** n
        want = n * x ** (n - 1)
        np.testing.assert_allclose(got.d, want, rtol=1e-14)
    threes = np.full_like(x, 3.0)
    got = hd.dual(x, np.ones_like(x)) ** threes
    np.testing.assert_allclose(got.d, 3 * x**2, rtol=1e-14)
