"""Mixed partials of any order and nesting beyond total order 2 (issue 16): bundles of
univariate Taylor series (hyperdiff._taylor.TaylorBundle), against mpmath and closed
forms."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _core

POINTS = [(0.3, 0.7), (1.2, -0.4), (-2.1, 1.6)]


def _mp_partial(f: Callable[..., Any], point: tuple[Any, ...], orders: tuple[int, ...]) -> Any:
    with mpmath.workdps(50):
        return mpmath.diff(f, tuple(mpmath.mpmathify(p) for p in point), orders)


def _exp_sin(x: Any, y: Any) -> Any:
    return np.exp(x * y) * np.sin(x)


def _mp_exp_sin(x: Any, y: Any) -> Any:
    return mpmath.exp(x * y) * mpmath.sin(x)


@pytest.mark.parametrize("orders", [(2, 1), (1, 1), (3, 2), (0, 3), (4, 0), (1, 4)])
def test_mixed_partial_of_exp_xy_sin_x_matches_mpmath(orders: tuple[int, int]) -> None:
    x = np.array([p[0] for p in POINTS])
    y = np.array([p[1] for p in POINTS])
    got = hd.derivative(_exp_sin, order=orders, argnums=(0, 1))(x, y)
    want = np.array([float(_mp_partial(_mp_exp_sin, p, orders)) for p in POINTS])
    scale = max(1.0, float(np.max(np.abs(want))))
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13 * scale)


def test_mixed_partial_float32_and_complex() -> None:
    x32 = np.array([p[0] for p in POINTS], dtype=np.float32)
    y32 = np.array([p[1] for p in POINTS], dtype=np.float32)
    got = hd.derivative(_exp_sin, order=(2, 1), argnums=(0, 1))(x32, y32)
    assert got.dtype == np.float32
    want = [
        float(_mp_partial(_mp_exp_sin, (float(a), float(b)), (2, 1)))
        for a, b in zip(x32, y32, strict=True)
    ]
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)
    z = np.array([0.3 + 0.2j, -0.5 + 1.1j])
    w = np.array([0.7 - 0.4j, 0.25 + 0.5j])
    got_c = hd.derivative(_exp_sin, order=(2, 1), argnums=(0, 1), holomorphic=True)(z, w)
    want_c = [complex(_mp_partial(_mp_exp_sin, (a, b), (2, 1))) for a, b in zip(z, w, strict=True)]
    np.testing.assert_allclose(got_c, want_c, rtol=1e-13)


def test_mixed_partial_of_three_arguments_and_broadcasting() -> None:
    f = lambda x, c, y: np.log(1 + x**2 * y) * c + np.cos(x - y) / (2 + y)  # noqa: E731
    mp_f = lambda x, y: mpmath.log(1 + x**2 * y) * 3 + mpmath.cos(x - y) / (2 + y)  # noqa: E731
    x = np.array([[0.3], [0.9]])  # broadcast against y's row
    y = np.array([0.2, 1.5, 0.7])
    got = hd.derivative(f, order=(2, 2), argnums=(0, 2))(x, 3.0, y)
    assert got.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            want = float(_mp_partial(mp_f, (x[i, 0], y[j]), (2, 2)))
            np.testing.assert_allclose(got[i, j], want, rtol=1e-12)


def test_mixed_partial_errors() -> None:
    with pytest.raises(ValueError, match="orders for"):
        hd.derivative(_exp_sin, order=(2, 1), argnums=0)
    with pytest.raises(ValueError, match="non-negative"):
        hd.derivative(_exp_sin, order=(2, -1), argnums=(0, 1))
    with pytest.raises(ValueError, match="repeats"):
        hd.derivative(_exp_sin, order=(1, 1), argnums=(0, -2))(1.0, 2.0)
    with pytest.raises(ValueError, match="mixes points"):  # f must act point by point
        hd.derivative(lambda x, y: np.cumsum(x * y), order=(1, 2), argnums=(0, 1))(
            np.ones(3), np.ones(3)
        )


# --- nesting: third- and fourth-order tensors ----------------------------------------------
RNG = np.random.default_rng(16)
C3 = RNG.integers(-5, 6, (4, 4, 4)).astype(float)
C4 = RNG.integers(-3, 4, (3, 3, 3, 3)).astype(float)
X4 = np.array([0.5, -1.25, 2.0, 0.75])  # dyadic: every sum in the passes is exact
X3 = np.array([0.5, -1.5, 0.25])


def _symmetrized(c: np.ndarray) -> np.ndarray:
    import itertools

    return sum(c.transpose(p) for p in itertools.permutations(range(c.ndim)))  # type: ignore[return-value]


def _cubic(x: Any) -> Any:
    return np.einsum("ijk,i,j,k->", C3, x, x, x)


def _quartic(x: Any) -> Any:
    return np.einsum("ijkl,i,j,k,l->", C4, x, x, x, x)


@pytest.mark.parametrize(
    "transform",
    [
        lambda f: hd.jacobian(hd.hessian(f)),
        lambda f: hd.hessian(hd.grad(f)),
        lambda f: hd.jacobian(hd.jacobian(hd.grad(f))),
        lambda f: hd.jacobian(lambda x: hd.jacobian(hd.grad(f))(x)),
    ],
    ids=["jacobian(hessian)", "hessian(grad)", "jacobian(jacobian(grad))", "closure"],
)
def test_third_order_tensor_of_a_cubic_is_exact(transform: Callable[..., Any]) -> None:
    t = transform(_cubic)(X4)
    assert t.shape == (4, 4, 4)
    np.testing.assert_array_equal(t, _symmetrized(C3))
    assert _core.transform_depth() == 0


def test_fourth_order_tensor_of_a_quartic_is_exact() -> None:
    want = _symmetrized(C4)
    np.testing.assert_array_equal(hd.hessian(hd.hessian(_quartic))(X3), want)
    np.testing.assert_array_equal(hd.jacobian(hd.jacobian(hd.hessian(_quartic)))(X3), want)


def test_nested_third_order_of_a_transcendental_function() -> None:
    def f(v: Any) -> Any:
        return np.exp(v[0] * v[1]) * np.sin(v[0])

    got = hd.jacobian(hd.hessian(f))(np.array([0.3, 0.7]))
    for i in range(2):
        for j in range(2):
            for k in range(2):
                orders = tuple(int((i == a) + (j == a) + (k == a)) for a in range(2))
                want = float(_mp_partial(_mp_exp_sin, (0.3, 0.7), orders))
                np.testing.assert_allclose(got[i, j, k], want, rtol=1e-13)
    g = hd.grad(lambda v: hd.hessian(f)(v)[0, 1])(np.array([1.2, -0.4]))
    want = [float(_mp_partial(_mp_exp_sin, (1.2, -0.4), o)) for o in ((2, 1), (1, 2))]
    np.testing.assert_allclose(g, want, rtol=1e-13)


def test_nesting_of_derivative_jvp_and_hvp_beyond_order_two() -> None:
    assert hd.derivative(hd.derivative(np.sin, order=2))(1.0) == pytest.approx(
        -np.cos(1.0), rel=1e-15
    )
    x3 = hd.derivative(
        lambda x: hd.derivative(lambda y: hd.derivative(lambda z: x * y * z)(1.0))(1.0)
    )
    assert x3(1.0) == 1.0
    w = np.array([0.5, -1.25, 2.0])
    # d/dx of hessian_y sum(x y^3) at y = x: diag(6 x^2) -> along ones, diag(12 x)
    _, tangent = hd.jvp(lambda x: hd.hessian(lambda y: np.sum(x * y**3))(x), (w,), (np.ones(3),))
    np.testing.assert_allclose(tangent, np.diag(12 * w), atol=1e-13)
    # sum(3 x^3) through jvp inside hessian and grad inside hvp: H = diag(18 x)
    jvp_of = lambda x: hd.jvp(lambda y: np.sum(y**3), (x,), (x,))[1]  # noqa: E731
    np.testing.assert_allclose(hd.hessian(jvp_of)(w), np.diag(18 * w), atol=1e-13)
    inner = lambda x: np.sum(hd.grad(lambda y: np.sum(x * y**3))(x))  # noqa: E731
    np.testing.assert_allclose(hd.hvp(inner, (w,), (np.ones(3),)), 18 * w, rtol=1e-14)
    # float32 and a Taylor pass around a first-order one
    c32 = C3.astype(np.float32)
    cubic32 = lambda x: np.einsum("ijk,i,j,k->", c32, x, x, x)  # noqa: E731
    t32 = hd.jacobian(hd.hessian(cubic32))(X4.astype(np.float32))
    assert t32.dtype == np.float32
    np.testing.assert_array_equal(t32, _symmetrized(C3).astype(np.float32))
    got = hd.derivative(lambda s: hd.derivative(lambda y: np.sin(s * y))(1.0), order=3)(0.5)
    # d/dy sin(s y) at y = 1 is s cos(s); its third derivative in s: s sin(s) - 3 cos(s)
    assert got == pytest.approx(0.5 * np.sin(0.5) - 3 * np.cos(0.5), rel=1e-14)


def test_inner_output_of_the_outer_variables_alone() -> None:
    # a Hessian of a function not of its own variable (x^3 closed over): zero, as an
    # array of the outer kind; and one of both
    x0 = np.array([0.5, 1.5])
    np.testing.assert_array_equal(
        hd.grad(lambda x: np.sum(hd.hessian(lambda y: np.sum(x**3))(x)))(x0), [0.0, 0.0]
    )
    np.testing.assert_array_equal(
        hd.hessian(lambda x: np.sum(hd.grad(lambda y: np.sum(x**3))(x)))(x0), np.zeros((2, 2))
    )
    # hessian_y sum(x^3 y^2) at y = x is diag(2 x^3): its Jacobian 6 x_i^2 at i = j = k
    t = hd.jacobian(lambda x: hd.hessian(lambda y: np.sum(x**3 * y**2))(x))(x0)
    want = np.zeros((2, 2, 2))
    want[0, 0, 0], want[1, 1, 1] = 6 * x0**2
    np.testing.assert_allclose(t, want, rtol=1e-15, atol=1e-15)


def test_bundle_arrays_pickle_and_read_their_partials() -> None:
    seen: list[Any] = []

    def f(x: Any, y: Any) -> Any:
        out = np.sin(x) * y**2
        seen.append(out)
        return out

    hd.derivative(f, order=(1, 2), argnums=(0, 1), check_pointwise=False)(0.5, 1.5)
    (bundle,) = seen
    back = pickle.loads(pickle.dumps(bundle))
    np.testing.assert_array_equal(back.partials(), bundle.partials())
    exponents = type(bundle)._exponents.tolist()
    partials = bundle.partials()
    want = {(0, 0): np.sin(0.5) * 2.25, (1, 0): np.cos(0.5) * 2.25, (1, 2): 2 * np.cos(0.5)}
    for k, v in want.items():
        assert partials[exponents.index(list(k))] == pytest.approx(v, rel=1e-15)


def test_long_inputs_and_f_of_the_whole_input() -> None:
    # 30,001 points (once run in chunks; now always whole), a closed form checks
    rng = np.random.default_rng(21)
    x, y = rng.uniform(-2, 2, (2, 30_001))
    f = lambda x, y: np.sin(x) * y**2 + np.exp(x * y)  # noqa: E731
    # d^3/dx^2 dy: -2 y sin x + (2 y + x y^2) e^(x y); d^2/dx dy: 2 y cos x + (1 + x y) e^(x y)
    want = -2 * y * np.sin(x) + (2 * y + x * y**2) * np.exp(x * y)
    want11 = 2 * y * np.cos(x) + (1 + x * y) * np.exp(x * y)
    w = rng.uniform(1, 2, x.size)
    for check in (True, False):  # with the probes, or on the promise
        d = lambda g, o, c=check: hd.derivative(g, order=o, argnums=(0, 1), check_pointwise=c)  # noqa: E731
        np.testing.assert_allclose(d(f, (2, 1))(x, y), want, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(d(f, (1, 1))(x, y), want11, rtol=1e-13, atol=1e-13)
        # one variable a scalar, broadcast against the other's chunks
        got = d(f, (2, 1))(x, 0.5)
        np.testing.assert_allclose(
            got, -np.sin(x) + (1 + x / 4) * np.exp(x / 2), rtol=1e-13, atol=1e-13
        )
        # functions that depend on the whole input are run on the whole input
        got = d(lambda u, v: u**2 * v * w[: len(u)], (2, 1))(x, y)
        np.testing.assert_allclose(got, 2 * w, rtol=1e-15)
        got = d(lambda u, v: u**2 * v * (len(u) / x.size), (2, 1))(x, y)
        np.testing.assert_allclose(got, 2.0, rtol=1e-15)


# --- nesting four deep, and the Taylor transforms inside others ---------------------------
def _mp_sin_exp(t: Any) -> Any:
    return mpmath.sin(t) * mpmath.exp(t)


def _sin_exp(x: Any) -> Any:
    return np.sin(x) * np.exp(x)


def _mp_derivative(k: int, x: float) -> float:
    with mpmath.workdps(50):
        return float(mpmath.diff(_mp_sin_exp, mpmath.mpf(x), k))


def test_four_and_five_deep_scalar_nesting() -> None:
    d, x = hd.derivative, 0.7
    cases = [
        (hd.grad(hd.grad(hd.grad(hd.grad(_sin_exp)))), 4),
        (d(d(d(d(_sin_exp)))), 4),
        (d(d(d(_sin_exp), order=2)), 4),
        (d(d(_sin_exp, order=2), order=2), 4),
        (d(d(_sin_exp, order=4)), 5),
        (d(d(_sin_exp, order=2), order=3), 5),
        (d(d(d(d(d(_sin_exp))))), 5),
    ]
    for transform, k in cases:
        assert transform(x) == pytest.approx(_mp_derivative(k, x), rel=1e-14, abs=1e-14)


def _tensor_want(f: Callable[..., Any], point: np.ndarray, order: int) -> np.ndarray:
    """The order-th derivative tensor of f at point from mpmath, one multi-index each."""
    import itertools

    n = len(point)
    want = np.empty((n,) * order)
    cache: dict[tuple[int, ...], float] = {}
    for index in itertools.product(range(n), repeat=order):
        orders = tuple(index.count(v) for v in range(n))
        if orders not in cache:
            cache[orders] = float(_mp_partial(f, tuple(point), orders))
        want[index] = cache[orders]
    return want


def test_fourth_and_fifth_order_tensors_three_and_four_deep() -> None:
    np.testing.assert_array_equal(
        hd.jacobian(hd.jacobian(hd.jacobian(hd.grad(_quartic))))(X3), _symmetrized(C4)
    )
    np.testing.assert_array_equal(hd.jacobian(hd.hessian(hd.grad(_quartic)))(X3), _symmetrized(C4))

    def g(v: Any) -> Any:
        return np.exp(v[0] * v[1]) * np.sin(v[0] + 2 * v[2])

    def mp_g(a: Any, b: Any, c: Any) -> Any:
        return mpmath.exp(a * b) * mpmath.sin(a + 2 * c)

    point = np.array([0.3, 0.7, -0.2])
    got = hd.jacobian(hd.hessian(hd.hessian(g)))(point)
    want = _tensor_want(mp_g, point, 5)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.max(np.abs(want)))


def test_taylor_transforms_nested_in_others() -> None:
    d = hd.derivative
    # the outer variable s in the mixed partial's first argument: d^(3, 1) g(s, 2)
    got = d(lambda s: d(_exp_sin, order=(2, 1), argnums=(0, 1))(s, 2.0))(0.7)
    assert got == pytest.approx(float(_mp_partial(_mp_exp_sin, (0.7, 2.0), (3, 1))), rel=1e-14)
    # in both: d/ds d^(1, 1) g(s, s) = d^(2, 1) g + d^(1, 2) g at (s, s)
    got = d(lambda s: d(_exp_sin, order=(1, 1), argnums=(0, 1), check_pointwise=False)(s, s))(0.7)
    want = sum(float(_mp_partial(_mp_exp_sin, (0.7, 0.7), o)) for o in ((2, 1), (1, 2)))
    assert got == pytest.approx(want, rel=1e-14)
    # hd.taylor inside grad: d/dv_i of sum_j sin'''(v_j) = -cos'(v_i) = sin(v_i)
    v = np.array([0.3, 0.9])
    got = hd.grad(lambda v: np.sum(hd.taylor(np.sin, v, np.ones(2), 3)[3]))(v)
    # (within 4e-15: the read-out of an interpolated fourth-order partial rounds to a few
    # ulps; this once passed at 1e-15 only because the other point added its rounding
    # noise, -6e-16, to a partial exactly 0)
    np.testing.assert_allclose(got, np.sin(v), rtol=4e-15)
    # derivative without its probe nested: d/ds (d/dy s y^2 at y = s) = 4 s, (s y^3)'' -> 12 s
    for c in (True, False):
        assert d(lambda s, c=c: d(lambda y: s * y**2, check_pointwise=c)(s))(1.5) == 6.0
        assert d(lambda s, c=c: d(lambda y: s * y**3, order=2, check_pointwise=c)(s))(1.5) == 18.0


def test_kinds_of_overlapping_transforms_meet_in_the_bundle_of_all() -> None:
    # z (of the outer A and the innermost C) meets y (of A and the Hessian's B): a bundle
    # over A, B, C. sum_i grad_z(z^2 y^2 x)_i at z = x is sum 2 x^2 y^2, its Hessian in y
    # diag(4 x^2), summed 4 sum x^2: the gradient 8 x
    def f(x: Any) -> Any:
        inner = lambda y: np.sum(hd.grad(lambda z: np.sum(z**2 * y**2 * x))(x))  # noqa: E731
        return np.sum(hd.hessian(inner)(x))

    x0 = np.array([0.5, 1.5, -2.0])
    np.testing.assert_allclose(hd.grad(f)(x0), 8 * x0, rtol=1e-14)
    # a mixed partial's bundle around a first-order transform: d/dy (a b y^2) at y = a
    # is 2 a^2 b, whose d^3/da^2 db is 4
    g = lambda a, b: hd.derivative(lambda y: a * b * y**2)(a)  # noqa: E731
    assert hd.derivative(g, order=(2, 1), argnums=(0, 1))(1.5, 2.0) == pytest.approx(4.0, rel=1e-14)


def test_an_array_of_a_returned_transform_meeting_a_later_one_raises() -> None:
    def f(x: Any) -> Any:
        kept: list[Any] = []
        hd.hessian(lambda y: kept.append(y) or np.sum(y))(x)  # y escapes its transform
        return np.sum(hd.grad(lambda y: np.sum(hd.grad(lambda z: np.sum(z * kept[0] * y))(y)))(x))

    with pytest.raises(TypeError, match="kept from a transform call that has returned"):
        hd.grad(f)(np.array([0.5, 1.5]))
