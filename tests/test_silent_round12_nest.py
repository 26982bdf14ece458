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
    # y broadcast from one point: the planes along x alone are probed
    "y a scalar": (lambda x, y: x * y + (x.sum() - S) ** 2 * y[0], (2, 1), (0, 1)),
}


@pytest.mark.parametrize("name", sorted(MIXED_LATE))
def test_mixed_partials_refuse_functions_mixing_points_beyond_first_order(name: str) -> None:
    f, orders, argnums = MIXED_LATE[name]
    y = Y[:1] if name == "y a scalar" else Y
    for a in argnums:  # the premise: each argument's Jacobian diagonal (x's, y's of 5)
        jac = hd.jacobian(f, argnums=a)(X, y).reshape(len(X), -1)
        if jac.shape[1] == len(X):
            assert np.count_nonzero(jac - np.diag(np.diag(jac))) == 0
    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(f, order=orders, argnums=argnums)(X, y)


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


# --- 2. elementwise probes through nested bundles -----------------------------------------
# Beyond total order 2 a nested pass runs in a bundle of Taylor series, whose mixed
# partials are interpolated: a partial of the probe (seeded 2^-64 .. 2^63) and a unit
# seed carries the rounding of the larger. Every second-order elementwise transform
# (derivative order 2, hessian / hessian_diag / laplacian elementwise=True) nested in or
# around another transform, and every elementwise one around a second-order one, raised
# "mixes points" for pointwise functions of more than one point. Such passes now probe
# with weights near 1 and are judged within the bundle's rounding.
def _sin_derivative(k: int) -> Callable[[Any], Any]:
    return lambda y: np.sin(y + k * np.pi / 2)


INNER: dict[str, tuple[int, Callable[[Callable[[Any], Any]], Callable[[Any], Any]]]] = {
    "derivative": (1, lambda g: hd.derivative(g)),
    "derivative order 2": (2, lambda g: hd.derivative(g, order=2)),
    "derivative order 3": (3, lambda g: hd.derivative(g, order=3)),
    "grad elementwise": (1, lambda g: hd.grad(g, elementwise=True)),
    "hessian elementwise": (2, lambda g: hd.hessian(g, elementwise=True)),
    "hessian_diag elementwise": (2, lambda g: hd.hessian_diag(g, elementwise=True)),
    "laplacian elementwise": (2, lambda g: hd.laplacian(g, elementwise=True)),
}
OUTER: dict[str, tuple[int, Callable[[Callable[[Any], Any]], Callable[[Any], Any]]]] = {
    "derivative": (1, lambda F: hd.derivative(F)),
    "derivative order 2": (2, lambda F: hd.derivative(F, order=2)),
    "derivative order 3": (3, lambda F: hd.derivative(F, order=3)),
    "grad elementwise": (1, lambda F: hd.grad(F, elementwise=True)),
    "hessian elementwise": (2, lambda F: hd.hessian(F, elementwise=True)),
}
POINTS = np.linspace(0.3, 1.7, 24)


@pytest.mark.parametrize("outer", sorted(OUTER))
@pytest.mark.parametrize("inner", sorted(INNER))
def test_elementwise_transforms_nested_at_the_outer_variable(inner: str, outer: str) -> None:
    (k, make_inner), (m, make_outer) = INNER[inner], OUTER[outer]
    got = make_outer(lambda y: make_inner(np.sin)(y))(POINTS)
    np.testing.assert_allclose(got, _sin_derivative(k + m)(POINTS), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("outer", sorted(OUTER))
@pytest.mark.parametrize("inner", sorted(INNER))
def test_elementwise_transforms_nested_closing_over_the_outer_variable(
    inner: str, outer: str
) -> None:
    (k, make_inner), (m, make_outer) = INNER[inner], OUTER[outer]
    a = 0.75  # d^m/da^m a^3 sin^(k)(y): 3 a^2, 6 a, 6
    got = make_outer(lambda a: make_inner(lambda y: a**3 * np.sin(y))(POINTS))(a)
    factor = {1: 3 * a**2, 2: 6 * a, 3: 6.0}[m]
    np.testing.assert_allclose(got, factor * _sin_derivative(k)(POINTS), rtol=1e-12, atol=1e-13)


def _mixing_nestings(x: np.ndarray) -> list[Callable[[], Any]]:
    s, a = float(x.sum()), 0.75
    d, h = hd.derivative, hd.hessian

    def cube(z: Any) -> Any:
        return d(lambda t: t**3)(z)

    return [
        # closing over the outer variable: mixing at first, second and third order
        lambda: d(lambda a: d(lambda y: a * np.sin(y[::-1]), order=2)(x))(a),
        lambda: d(lambda a: d(lambda y: a * (y + (y.sum() - s) ** 2), order=2)(x))(a),
        lambda: d(lambda a: h(lambda y: a * (y + (y.sum() - s) ** 2), elementwise=True)(x))(a),
        lambda: d(lambda a: d(lambda y: a * (y + (y.sum() - s) ** 3), order=3)(x))(a),
        # around an inner transform at the outer variable
        lambda: d(lambda y: cube(y)[::-1], order=2)(x),
        lambda: d(lambda y: cube(y) + (y.sum() - s) ** 2, order=2)(x),
        lambda: h(lambda y: cube(y) + (y.sum() - s) ** 2, elementwise=True)(x),
        lambda: d(lambda y: cube(y) + (y.sum() - s) ** 3, order=3)(x),
        lambda: d(lambda y: d(lambda z: z**3, order=2)(y)[::-1])(x),
        lambda: hd.grad(lambda v: np.sum(d(lambda z: z + (z.sum() - s) ** 2, order=2)(v)))(x),
        lambda: hd.wirtinger(
            lambda y: d(lambda z: z**3, order=2, holomorphic=True)(y)[::-1], elementwise=True
        )(x + 0.5j),
    ]


@pytest.mark.parametrize("n", [3, 6, 40])
def test_nested_elementwise_probes_still_refuse_functions_mixing_points(n: int) -> None:
    for case in _mixing_nestings(np.linspace(0.25, 1.5, n)):
        with pytest.raises(ValueError, match="mixes points"):
            case()


# --- 3. outputs constant in an elementwise transform's variables ---------------------------
# An output of an enclosing transform's variables alone (d/dy of a^2, nested in d/da)
# was taken for a reduction ("its output's shape () is not its input's") by every
# elementwise transform, and a constant output gave one 0 instead of zeros at every
# point from grad, jacobian, hessian, hessian_diag, laplacian and wirtinger with
# elementwise=True (derivative gave them). Both give zeros at every point now.
ELEMENTWISE: dict[str, Callable[[Callable[[Any], Any], np.ndarray], Any]] = {
    "derivative": lambda g, y: hd.derivative(g)(y),
    "derivative order 2": lambda g, y: hd.derivative(g, order=2)(y),
    "derivative order 3": lambda g, y: hd.derivative(g, order=3)(y),
    "mixed partial": lambda g, y: hd.derivative(
        lambda u, v: g(u) + 0 * v, order=(1, 1), argnums=(0, 1)
    )(y, y),
    "grad": lambda g, y: hd.grad(g, elementwise=True)(y),
    "jacobian": lambda g, y: hd.jacobian(g, elementwise=True)(y),
    "hessian": lambda g, y: hd.hessian(g, elementwise=True)(y),
    "hessian_diag": lambda g, y: hd.hessian_diag(g, elementwise=True)(y),
    "laplacian": lambda g, y: hd.laplacian(g, elementwise=True)(y),
    "wirtinger": lambda g, y: hd.wirtinger(g, elementwise=True)(y + 0.5j)[1],
}


@pytest.mark.parametrize("output", ["outer scalar", "outer array", "number", "array"])
@pytest.mark.parametrize("transform", sorted(ELEMENTWISE))
def test_elementwise_outputs_constant_in_the_variables(transform: str, output: str) -> None:
    y = np.array([0.3, 0.7, 1.1])
    run = ELEMENTWISE[transform]
    a = 0.6

    def g_of(a: Any) -> Callable[[Any], Any]:
        return {
            "outer scalar": lambda v: a**2,
            "outer array": lambda v: a**2 * np.ones(3),
            "number": lambda v: 2.0,
            "array": lambda v: np.full(3, 2.0),
        }[output]

    got = run(g_of(a), y)  # at the top level
    assert np.shape(got) == (3,) and not np.any(got)
    got = hd.derivative(lambda a: run(g_of(a), y))(a)  # nested, a the outer variable
    assert np.shape(got) == (3,) and not np.any(got)
    # with a part that varies beside it: the pointwise derivative of y^3 in y
    if transform in ("derivative", "grad", "jacobian"):
        got = hd.derivative(lambda a: run(lambda v: (v**3, a**2), y)[0])(a)
        np.testing.assert_array_equal(got, np.zeros(3))
        got = run(lambda v: (v**3 * a, a**2), y)
        np.testing.assert_allclose(got[0], 3 * a * y**2, rtol=1e-15)
        assert np.shape(got[1]) == (3,) and not np.any(got[1])


def test_complex_elementwise_transforms_nested_through_bundles() -> None:
    z = np.linspace(0.3, 1.2, 20) + 0.4j
    d = hd.derivative
    # wirtinger around a holomorphic second and third derivative: d/dz of 12 z^2, 60 z^2
    got = hd.wirtinger(lambda z: d(lambda w: w**4, order=2, holomorphic=True)(z), elementwise=True)(
        z
    )
    np.testing.assert_allclose(got[0], 24 * z, rtol=1e-13)
    np.testing.assert_allclose(got[1], 0, atol=1e-14 * np.max(np.abs(24 * z)))  # (interpolated)
    got = hd.wirtinger(lambda z: d(lambda w: w**5, order=3, holomorphic=True)(z), elementwise=True)(
        z
    )
    np.testing.assert_allclose(got[0], 120 * z, rtol=1e-13)
    # a checked holomorphic second derivative around a first: d^2/dz^2 4 z^3 = 24 z
    got = d(
        lambda z: d(lambda w: w**4, holomorphic=True)(z),
        2,
        holomorphic=True,
        check_holomorphic=True,
    )(z)
    np.testing.assert_allclose(got, 24 * z, rtol=1e-13)
    # d^2/da^2 of the holomorphic f'' of a^2 w^4: 2 * 12 w^2
    got = d(lambda a: d(lambda w: a**2 * w**4, order=2, holomorphic=True)(z), order=2)(0.7)
    np.testing.assert_allclose(got, 24 * z**2, rtol=1e-13)


def test_mixed_partials_refuse_mixing_seen_only_along_a_broadcast_argument() -> None:
    """y of one point (broadcast, its seeds shared): at y = 1 the planes along x alone
    are pointwise (the mixing term carries y - 1), and only d3/dx2dy = 2 + 2 for every
    pair of points shows it; the partials read along y are probed too."""

    def f(x: Any, y: Any) -> Any:
        return x * y + (x.sum() - S) ** 2 * (y - 1.0)

    y = np.array([1.0])
    assert X.sum() == S  # (the premise: the first derivatives in x are diagonal here)
    hd.derivative(f, order=2)(X, y)  # d2/dx2 carries y - 1: pointwise at y = 1
    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(f, order=(2, 1), argnums=(0, 1))(X, y)


def test_mixed_partials_along_a_broadcast_argument_of_pointwise_functions() -> None:
    """The same probe lets pointwise functions through, their partials the closed forms'."""
    y = np.array([0.7])

    def g(x: Any, y: Any) -> Any:
        return x**3 * y[0] + np.sin(x) * y**2

    def h(x: Any, y: Any) -> Any:
        return np.exp(x * y) * y

    got = hd.derivative(g, order=(2, 1), argnums=(0, 1))(X, y)
    np.testing.assert_allclose(got, 6 * X - 2 * y * np.sin(X), rtol=1e-13)
    got = hd.derivative(g, order=(1, 2), argnums=(0, 1))(X, y)
    np.testing.assert_allclose(got, 2 * np.cos(X), rtol=1e-13)
    got = hd.derivative(h, order=(2, 2), argnums=(0, 1))(X, y)
    want = np.exp(X * y) * (6 * y + 6 * X * y**2 + X**2 * y**3)
    np.testing.assert_allclose(got, want, rtol=1e-12)
