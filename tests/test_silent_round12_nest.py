"""Round 12, transforms and their composition.

1. derivative(f, order=k >= 3) and the mixed partials derivative(f, order=(k_1, ...))
   probed f only at first order (derivative(f)): an f mixing points only at higher
   order, with a diagonal Jacobian at the point (x + (sum(x) - s)^3 where sum(x) = s),
   gave J-times-ones sums silently (6 n^3 for the per-point 6). Every order of the pass
   is probed now: the pass once more with each direction times the probe's power of two
   w, whose degree-p planes a pointwise f gives exactly w^p times.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest

import hyperdiff as hd

mpmath.mp.dps = 40

X = np.array([0.25, 0.5, 0.75, 0.5, 1.25])
Y = np.array([1.0, 0.5, 0.25, 2.0, 0.75])
S, T = float(X.sum()), float(Y.sum())


# --- 1. mixing beyond first order -------------------------------------------------------
# f(x) pointwise plus a term that mixes points but whose first derivatives vanish at X
# (sum(x) = S there): its Jacobian is diagonal, its higher derivatives are not
MIXING_LATE: dict[str, Callable[[Any], Any]] = {
    "cubic of the sum": lambda x: x + (x.sum() - S) ** 3,
    "square of the sum times x": lambda x: np.sin(x) + (x.sum() - S) ** 2 * x,
    "square of the sum times x^2": lambda x: x**3 + (x.sum() - S) ** 2 * x**2,
    "square of the sum, then exp": lambda x: np.exp(x + (x.sum() - S) ** 2),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("order", [3, 4, 5])
@pytest.mark.parametrize("name", sorted(MIXING_LATE))
def test_taylor_orders_refuse_functions_mixing_points_beyond_first_order(
    name: str, order: int, dtype: type
) -> None:
    f = MIXING_LATE[name]
    x = X.astype(dtype)
    jac = hd.jacobian(f)(x)
    assert np.count_nonzero(jac - np.diag(np.diag(jac))) == 0  # the premise: J diagonal
    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(f, order=order)(x)


MIXED_LATE: dict[str, tuple[Callable[..., Any], tuple[int, ...], tuple[int, ...]]] = {
    "product of sums": (lambda x, y: x * y + (x.sum() - S) * (y.sum() - T), (1, 1), (0, 1)),
    "square times sum": (
        lambda x, y: x**2 * y + (x.sum() - S) ** 2 * (y.sum() - T),
        (2, 1),
        (0, 1),
    ),
    "square of the sum times y": (lambda x, y: x**2 * y + (x.sum() - S) ** 2 * y, (2,), (0,)),
    "cube of the sum times y": (lambda x, y: np.sin(x) * y + (x.sum() - S) ** 3 * y, (3,), (0,)),
    "in y, second argument": (lambda x, y: x * y**2 + (y.sum() - T) ** 2 * x, (1, 2), (0, 1)),
}


@pytest.mark.parametrize("name", sorted(MIXED_LATE))
def test_mixed_partials_refuse_functions_mixing_points_beyond_first_order(name: str) -> None:
    f, orders, argnums = MIXED_LATE[name]
    for a in argnums:  # the premise: each argument's Jacobian diagonal
        jac = hd.jacobian(f, argnums=a)(X, Y)
        assert np.count_nonzero(jac - np.diag(np.diag(jac))) == 0
    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(f, order=orders, argnums=argnums)(X, Y)


# pointwise functions that the pass does not see pointwise by construction (a view round
# trip, np.where, a masked write), so they take the probe's passes: the check must
# let them through, and their derivatives agree with mpmath's
def _masked(x: Any) -> Any:
    y = np.tanh(x) * x
    y[np.asarray(getattr(x, "value", x)).real > 1.0] = 0.5
    return y


POINTWISE: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "view round trip": (
        lambda x: (np.sin(x) * np.exp(x))[::-1][::-1],
        lambda t: mpmath.sin(t) * mpmath.exp(t),
    ),
    "where": (
        lambda x: np.where(x > 0.6, np.log1p(x**2), x**5 / (1 + x)),
        lambda t: mpmath.log1p(t**2) if t > 0.6 else t**5 / (1 + t),
    ),
    "masked write": (_masked, lambda t: mpmath.mpf(0.5) if t > 1.0 else mpmath.tanh(t) * t),
    "far scales": (
        lambda x: np.exp(-40 * x)[::-1][::-1] + np.exp(30 * x),
        lambda t: mpmath.exp(-40 * t) + mpmath.exp(30 * t),
    ),
}


def _mp_derivative(g: Callable[[Any], Any], points: np.ndarray, order: int) -> np.ndarray:
    return np.array([float(mpmath.diff(g, mpmath.mpf(float(p)), order)) for p in points])


@pytest.mark.parametrize("order", [3, 4, 6])
@pytest.mark.parametrize("name", sorted(POINTWISE))
def test_taylor_orders_of_pointwise_functions_pass_the_probe(name: str, order: int) -> None:
    f, g = POINTWISE[name]
    x = np.linspace(0.2, 1.6, 40)
    expected = _mp_derivative(g, x, order)
    got = hd.derivative(f, order=order)(x)
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=0)
    got32 = hd.derivative(f, order=order)(x.astype(np.float32))
    assert got32.dtype == np.float32
    reference32 = _mp_derivative(g, x.astype(np.float32), order)
    np.testing.assert_allclose(got32, reference32, rtol=2e-3 * math.factorial(order), atol=0)


def test_probes_of_pointwise_functions_complex_nested_and_mixed() -> None:
    x = np.linspace(0.2, 1.6, 30)
    y = np.linspace(1.5, 0.5, 30)
    z = x + 0.5j
    # holomorphic: d^3/dz^3 z^5 = 60 z^2
    got = hd.derivative(lambda w: (w**5)[::-1][::-1], order=3, holomorphic=True)(z)
    np.testing.assert_allclose(got, 60 * z**2, rtol=1e-14)
    # inside an outer derivative, closing over its variable: d/da a^2 d^3/dy^3 y^5 = 120 a y^2
    a = 0.75
    got = hd.derivative(lambda a: hd.derivative(lambda t: a**2 * (t**5)[::-1][::-1], order=3)(x))(a)
    np.testing.assert_allclose(got, 120 * a * x**2, rtol=1e-13)
    # inside grad, at its variable: grad sum d^3/dt^3 t^5 = 120 t
    got = hd.grad(lambda v: np.sum(hd.derivative(lambda t: (t**5)[::-1][::-1], order=3)(v)))(x)
    np.testing.assert_allclose(got, 120 * x, rtol=1e-13)
    # mixed partials of a pointwise f: d^3/dx^2 dy (x^3 y^2) = 12 x y, both arguments
    # full-sized, and with a scalar y (broadcast: left to the first-order probe)
    g = lambda u, v: np.where(u > 0.0, u**3 * v**2, 0.0)  # noqa: E731
    got = hd.derivative(g, order=(2, 1), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(got, 12 * x * y, rtol=1e-12)
    got = hd.derivative(g, order=(2, 1), argnums=(0, 1))(x, 0.5)
    np.testing.assert_allclose(got, 6 * x, rtol=1e-12)
    # one point (nothing to mix) and a 0-d input
    assert hd.derivative(lambda t: (t**5)[::-1][::-1], order=3)(x[:1]) == pytest.approx(
        60 * x[0] ** 2
    )
    assert hd.derivative(lambda t: t[()] ** 5, order=4)(np.array(0.5)) == pytest.approx(60.0)
