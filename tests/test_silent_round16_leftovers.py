"""Round sixteen: round fifteen's non-finite leftovers, where an inf or an overflow
turned entries that are finite in exact arithmetic into nan (or inf), silently.

- np.cross of dual arrays ran without strong zeros (its differences of products): the
  Jacobian of cross(a, v) with a = [1, inf, 2] was [[nan, nan, inf], ..., [-inf, nan,
  nan]] where the entries are a's (or 0): the parts are now the strong products of
  the terms added less those subtracted.
- Complex add, subtract, negative and positive multiplied their parts by their
  partials +-1 + 0i: 0 times an overflowed component made the other one nan (d/dz of
  exp(z) + 1 at 709.9 + 0.1i was inf + nan i, exp's own inf + 2.018e307i), at every
  kind and order (C++: common.hpp's unit_times).
- hd.wirtinger: df/dz-bar of a holomorphic f where d_x and d_y overflow was inf - inf
  (exp at 709.9 + 0.1i: nan, exactly 0), and df/dz = (d_x - i d_y)/2 overflowed in the
  sum (exp at 709.5: inf, exp(709.5) = 1.35e308).
- Nested beyond total order 2, a bundle's read-out of a partial in a variable a point
  does not depend on was inf - inf where that point's series overflow (the Hessian of
  sum(derivative(exp(exp(t)))(x)) at [0.3, 7] all nan): 0 there, for pointwise inner
  transforms (_taylor_arrays.note_seed).
- A nested pointwise transform's probe judged the values alone: f mixing points only
  through the enclosing transform's directions passed, with J 1 sums.
- Linear algebra of a matrix whose part holds an inf (sqrt at 0 on the diagonal): the
  products of that part with a0^-1's zeros were nan (inv, eigvalsh, cholesky, qr).
- A constant's zero times an infinite part (sqrt at 0) was 0 inf = nan in elementwise
  products at every kind (c * sqrt(v), i sqrt(t), x / inf), where c @ sqrt(v) gave 0:
  x 0 is 0 for every x (binary.hpp's constant_zeros, _arrays._times_constant).

References: closed forms by loops over the entries (no product of inf and an exact
zero), numpy's own exp, cosh, sinh for the complex derivatives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath as mp
import numpy as np
import pytest

import hyperdiff as hd

pytestmark = pytest.mark.filterwarnings(
    "ignore:invalid value encountered:RuntimeWarning",
    "ignore:overflow encountered:RuntimeWarning",
)


def _same(got: Any, want: np.ndarray, rtol: float = 0.0) -> None:
    """Equal non-finite entries (inf with its sign, nan), finite ones within rtol,
    component by component for complex arrays."""
    got = np.asarray(got)
    assert got.shape == want.shape, (got.shape, want.shape)
    if want.dtype.kind == "c" or got.dtype.kind == "c":
        _same(got.real, np.asarray(want.real), rtol)
        _same(got.imag, np.asarray(want.imag), rtol)
        return
    assert np.array_equal(np.isnan(got), np.isnan(want)), (got, want)
    infinite = np.isinf(want)
    assert np.array_equal(got[infinite], want[infinite]), (got, want)
    finite = np.isfinite(want)
    assert np.all(np.isfinite(got[finite])), (got, want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=rtol, atol=0)


# --- np.cross with an inf -----------------------------------------------------------
def _cross_jacobian(a: np.ndarray, left: bool) -> np.ndarray:
    """d cross(a, v)[..., i] / d v[..., j] (left) or of cross(v, a), over a's leading
    axes (each vector its own block): +-a_(i+1) at j = i + 2, -+a_(i+2) at j = i + 1,
    0 elsewhere, entry by entry."""
    batch = a.shape[:-1]
    want = np.zeros((*batch, 3, *batch, 3), dtype=np.result_type(a, 1.0))
    for b in np.ndindex(*batch):
        for i in range(3):
            plus, minus = a[(*b, (i + 1) % 3)], a[(*b, (i + 2) % 3)]
            want[(*b, i, *b, (i + 2) % 3)] = plus if left else -plus
            want[(*b, i, *b, (i + 1) % 3)] = -minus if left else minus
    return want


@pytest.mark.parametrize("batch", [(), (2,)])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("where", [0, 1, 2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("inf", [np.inf, -np.inf])
def test_the_jacobian_of_a_cross_product_with_inf(
    inf: float, dtype: type, where: int, left: bool, batch: tuple[int, ...]
) -> None:
    a = np.broadcast_to(np.arange(1.0, 4.0), (*batch, 3)).astype(dtype)
    a[..., where] = inf
    if dtype is np.complex128:
        a = a + 0.5j  # (inf + 0.5i: its imaginary part stays 0.5)
    v = np.broadcast_to(np.linspace(0.5, 2.0, 3), (*batch, 3)).astype(dtype)
    f = (lambda u: np.cross(a, u)) if left else (lambda u: np.cross(u, a))
    got = hd.jacobian(f, holomorphic=dtype is np.complex128)(v)
    _same(got, _cross_jacobian(a, left))


@pytest.mark.parametrize("axis", [0, 1])
def test_a_cross_product_with_inf_along_another_axis(axis: int) -> None:
    a = np.array([[1.0, 4.0], [np.inf, -5.0], [2.0, 6.0]])  # vectors along axis 0
    v = np.linspace(0.5, 2.0, 6).reshape(3, 2)
    got = hd.jacobian(lambda u: np.cross(a, u, axis=0))(v)
    want = np.moveaxis(_cross_jacobian(a.T.copy(), True), (0, 1, 2, 3), (1, 0, 3, 2))
    _same(got, want)
    if axis:  # the same through axisa, axisb, axisc
        got = hd.jacobian(lambda u: np.cross(a, u, axisa=0, axisb=0, axisc=0))(v)
        _same(got, want)


def test_the_hessian_of_a_cross_product_with_inf() -> None:
    # f = sum_i w_i ((c x)_(i+1) x_(i+2) - (c x)_(i+2) x_(i+1)): d2f/dx_p dx_q for the
    # pair {p, q} = {i + 1, i + 2} is w_i (c_(i+1) - c_(i+2)), the other entries 0
    c = np.array([1.0, np.inf, 2.0])
    w = np.array([1.0, 2.0, 3.0])
    want = np.zeros((3, 3))
    for i in range(3):
        p, q = (i + 1) % 3, (i + 2) % 3
        want[p, q] = want[q, p] = w[i] * c[p] - w[i] * c[q]
    got = hd.hessian(lambda x: np.sum(w * np.cross(c * x, x)))(np.array([0.5, 1.5, 2.5]))
    _same(got, want)


def test_a_finite_cross_product_keeps_its_bits() -> None:
    # the mended path runs only where a part is not finite: the value is numpy's
    a = np.array([[1.0, 2.0, 3.0], [0.1, -0.2, 0.3]])
    x = hd.dual(np.array([0.5, 1.5, 2.5]), np.array([1.0, 0.0, -1.0]))
    y = np.cross(a, x)
    assert np.array_equal(y.value, np.cross(a, x.value))
    assert np.array_equal(y.d, np.cross(a, x.d))


# --- complex sums, differences, negation with an overflowed part -------------------------
_LINEAR: dict[str, tuple[Callable[[Any], Any], Callable[[np.ndarray], np.ndarray], int]] = {
    # f, its first derivative (numpy's own at the values), and its second and third as
    # a multiple of exp
    "exp(z) + 1": (lambda z: np.exp(z) + 1, np.exp, 1),
    "exp(z) - 2j": (lambda z: np.exp(z) - 2j, np.exp, 1),
    "1j - exp(z)": (lambda z: 1j - np.exp(z), lambda z: -np.exp(z), -1),
    "z + exp(z)": (lambda z: z + np.exp(z), lambda z: np.exp(z) + 1, 1),
    "-exp(z)": (lambda z: -np.exp(z), lambda z: -np.exp(z), -1),
    "+exp(z)": (lambda z: +np.exp(z), np.exp, 1),
    "exp(z) + exp(z)": (lambda z: np.exp(z) + np.exp(z), lambda z: np.exp(z) + np.exp(z), 2),
}
_TOP = {np.complex128: 709.9, np.complex64: 88.75}  # Re exp(z) overflows, Im does not


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("name", sorted(_LINEAR))
@pytest.mark.parametrize("order", [1, 2, 3])
def test_complex_sums_of_an_overflowed_part(order: int, name: str, dtype: type) -> None:
    # the partials of add, subtract, negative, positive are +-1 + 0i: 0 times an inf
    # component of the part made the other component nan (d/dz (exp z + 1) at
    # 709.9 + 0.1i was inf + nan i, exp's own inf + 2.018e307i)
    f, derivative, times = _LINEAR[name]
    z = np.array([_TOP[dtype] + 0.1j, 1.0 + 1.0j, _TOP[dtype] - 0.25j], dtype=dtype)
    want = derivative(z)
    higher = np.exp(z) if times == 1 else -np.exp(z) if times == -1 else np.exp(z) + np.exp(z)
    assert np.isnan(want.imag).sum() == 0 and np.isinf(want.real).any()
    tolerance = 2e-7 if dtype is np.complex64 else 4e-16
    if order == 1:
        _same(hd.derivative(f, holomorphic=True)(z), want, tolerance)
        _same(np.diag(hd.jacobian(f, holomorphic=True)(z)), want, tolerance)
    if order == 2:  # the first derivative of a second-order pass: e1, the Hessian's g
        h = hd.hyperdual(z, 1.0, 1.0)
        _same(f(h).e1, want, tolerance)
        hessian = hd.hessian(lambda u: np.sum(f(u)), holomorphic=True)(z)
        _same(np.diag(hessian), higher, tolerance)
    if order == 3:  # Taylor planes: plane 1
        _same(hd.taylor(f, z, 1.0, 3, holomorphic=True)[1], want, tolerance)
        _same(hd.derivative(f, order=3, holomorphic=True)(z), higher, tolerance)


# --- wirtinger near the top of the range ----------------------------------------------
_HOLOMORPHIC: dict[str, tuple[Callable[[Any], Any], Callable[[np.ndarray], np.ndarray]]] = {
    # f, f' (numpy's own at the values)
    "exp": (np.exp, np.exp),
    "cosh": (np.cosh, np.sinh),
    "sinh": (np.sinh, np.cosh),
    "tan(z) * 0 + exp": (lambda z: np.exp(z) + np.tan(z) * 0, np.exp),
}
_POINTS = np.array([709.9 + 0.1j, 709.5 + 0.0j, 709.9 + 1.0j, 1.0 + 1.0j, 709.7 - 2.5j])


@pytest.mark.parametrize("elementwise", [True, False])
@pytest.mark.parametrize("name", sorted(_HOLOMORPHIC))
def test_wirtinger_of_a_holomorphic_function_near_overflow(name: str, elementwise: bool) -> None:
    f, derivative = _HOLOMORPHIC[name]
    dz, dz_bar = hd.wirtinger(f, elementwise=elementwise)(_POINTS)
    if not elementwise:
        off = ~np.eye(len(_POINTS), dtype=bool)
        assert np.all(dz[off] == 0) and np.all(dz_bar[off] == 0)
        dz, dz_bar = np.diag(dz), np.diag(dz_bar)
    _same(dz_bar, np.zeros(len(_POINTS), complex))
    _same(dz, derivative(_POINTS), 4e-16)


def test_wirtinger_of_a_function_that_is_not_holomorphic_near_overflow() -> None:
    # the holomorphic part's df/dz-bar is 0, conj's 1: where d_x, d_y overflow the sum
    # is inf - inf, and nothing says that f is holomorphic there, so it stays nan
    z = np.array([709.9 + 0.1j, 1.0 + 1.0j])
    dz, dz_bar = hd.wirtinger(lambda u: np.exp(u) + np.conj(u), elementwise=True)(z)
    assert np.isnan(dz_bar[0]) and dz_bar[1] == 1
    _same(dz, np.exp(z), 4e-16)  # (conj's (1 - i (-i))/2 = 0)
    _dz, dz_bar = hd.wirtinger(lambda u: np.exp(u) * np.abs(u), elementwise=True)(z)
    assert np.isnan(dz_bar[0])


# --- nested beyond total order 2: a pointwise transform inside another -------------------
def _g(t: Any) -> Any:
    return np.exp(np.exp(t))  # its derivatives overflow at 7


def _g_derivatives(x: np.ndarray, orders: range) -> dict[int, np.ndarray]:
    """d^k/dt^k exp(exp(t)) at x (mpmath, 40 digits; where it overflows, inf)."""
    mp.mp.dps = 40
    out = {}
    for k in orders:
        values = [mp.diff(lambda t: mp.exp(mp.exp(t)), mp.mpf(float(v)), k) for v in x]
        out[k] = np.array([float(v) if abs(v) < 1e308 else np.inf for v in values])
    return out


_INNER: dict[str, tuple[Callable[[Any], Any], int]] = {
    # an elementwise transform of _g at every point, and the order it differentiates to
    "derivative": (lambda x: hd.derivative(_g)(x), 1),
    "derivative order=2": (lambda x: hd.derivative(_g, order=2)(x), 2),
    "derivative order=3": (lambda x: hd.derivative(_g, order=3)(x), 3),
    "grad elementwise": (lambda x: hd.grad(_g, elementwise=True)(x), 1),
    "hessian elementwise": (lambda x: hd.hessian(_g, elementwise=True)(x), 2),
    "hessian_diag elementwise": (lambda x: hd.hessian_diag(_g, elementwise=True)(x), 2),
    "mixed (1, 1) of g(a) b": (
        lambda x: hd.derivative(lambda a, b: _g(a) * b, order=(1, 1), argnums=(0, 1))(x, x),
        1,
    ),
    "wirtinger elementwise": (
        lambda x: hd.wirtinger(_g, elementwise=True)(x.astype(complex))[0].real,
        1,
    ),
}


@pytest.mark.parametrize(
    ("name", "outer"),
    [
        (name, outer)
        for name in sorted(_INNER)
        for outer in ("hessian of the sum", "jacobian", "jacobian of jacobian")
        if outer != "jacobian" or _INNER[name][1] >= 2  # (total order 2: no bundle)
    ],
)
def test_a_pointwise_transform_nested_with_an_overflowing_point(name: str, outer: str) -> None:
    # the bundle's read-out of a partial in a variable a point does not depend on was
    # inf - inf where that point's series overflow: hessian(sum(derivative(g)(x))) at
    # [0.3, 7, -0.5] was all nan, its entries at 0.3 and -0.5 finite and the mixed ones 0
    inner, k = _INNER[name]
    x = np.array([0.3, 7.0, -0.5])
    if outer == "hessian of the sum":
        got, order = hd.hessian(lambda v: np.sum(inner(v)))(x), k + 2
    elif outer == "jacobian":
        got, order = hd.jacobian(inner)(x), k + 1
    else:
        got, order = hd.jacobian(hd.jacobian(inner))(x), k + 2
    diagonal = _g_derivatives(x, range(order, order + 1))[order]
    n = len(x)
    point = np.arange(n)
    on = np.zeros(got.shape, dtype=bool)
    on[(point,) * got.ndim] = True
    entries = got[on]
    assert not np.isfinite(entries[1])  # (inf in exact arithmetic)
    np.testing.assert_allclose(entries[[0, 2]], diagonal[[0, 2]], rtol=1e-13, atol=0)
    # 0 in exact arithmetic: the finite reads as they were (the interpolation's
    # rounding), the others 0
    off = got[~on]
    assert np.all(np.isfinite(off)), got
    assert np.all(np.abs(off) <= 1e-13 * np.abs(diagonal[[0, 2]]).max()), got


def test_a_pointwise_transform_closing_over_the_outer_variable() -> None:
    # F(x) = C T, C = sum_i g'(x_i), T = sum_j x_j (the closure reaches every point):
    # d2F/dx_0 dx_1 = C_01 T + C_0 + C_1 = g''(0.3) + g''(7) = inf, so point 7's
    # partial in x_0 is not 0, though its input does not hold x_0 (no record: the
    # closure's lift into the bundle)
    x = np.array([0.3, 7.0, -0.5])
    got = hd.hessian(lambda v: np.sum(hd.derivative(lambda t: _g(t) * np.sum(v))(v)))(x)
    assert not np.isfinite(got[0, 1]) and not np.isfinite(got[1, 0])
    # the same through a second argument of the outer kind
    got = hd.hessian(lambda v: np.sum(hd.derivative(lambda t, w: _g(t) * np.sum(w))(v, v)))(x)
    assert not np.isfinite(got[0, 1]) and not np.isfinite(got[1, 0])


def test_elementwise_inputs_at_other_points_of_the_outer_variable() -> None:
    # F(x) = sum_i g'(x_i) x_r(i), r(i) = n - 1 - i (b reaches point i through x[::-1]):
    # d2F/dx_1 dx_2 = g''(x_1) + g''(x_2) = inf at x_1 = 7, so point 1's partial in x_2
    # is not 0 (the record is the union over the inputs a, b); the entries of points
    # 0 and 3 alone: the third derivative times x_r(p) at p = q, g''(x_p) + g''(x_r(p))
    # at q = r(p)
    x = np.array([0.3, 7.0, -0.5, 0.45])

    def f(v: Any) -> Any:
        def g(a: Any, b: Any) -> Any:
            return _g(a) * b

        return np.sum(hd.grad(g, argnums=(0, 1), elementwise=True)(v, v[::-1])[0])

    got = hd.hessian(f)(x)
    assert not np.isfinite(got[1, 2]) and not np.isfinite(got[2, 1])
    d = _g_derivatives(x[[0, 3]], range(2, 4))
    want = np.array([[d[3][0] * x[3], d[2][0] + d[2][1]], [d[2][0] + d[2][1], d[3][1] * x[0]]])
    np.testing.assert_allclose(got[np.ix_([0, 3], [0, 3])], want, rtol=1e-13)


# --- nested pointwise transforms: mixing points through the outer directions only --------
_S = float(np.array([0.3, -0.7, 1.1, 0.4]).sum())  # (the points below: sum(t) = _S)


def _mixing(t: Any) -> Any:
    return t + (t.sum() - _S) ** 2  # its values pass the probe at sum(t) = _S


_MIXING_THROUGH_THE_OUTER_PARTS: dict[str, Callable[[np.ndarray], Any]] = {
    # f mixes points, but its values pass the probe at the point: the outer parts of its
    # per-point derivatives show it (main gave J 1 sums, silently: jacobian(derivative(
    # t + (sum(t) - s)^2)) was 8 everywhere, the per-point derivative's 0)
    "jacobian(derivative)": lambda x: hd.jacobian(hd.derivative(_mixing))(x),
    "jacobian(grad elementwise)": lambda x: hd.jacobian(hd.grad(_mixing, elementwise=True))(x),
    "jvp(derivative)": lambda x: hd.jvp(hd.derivative(_mixing), (x,), (np.ones_like(x),)),
    "grad(sum(derivative))": lambda x: hd.grad(lambda v: np.sum(hd.derivative(_mixing)(v)))(x),
    "jacobian(wirtinger elementwise)": lambda x: hd.jacobian(
        lambda v: hd.wirtinger(_mixing, elementwise=True)(v.astype(complex))[0].real
    )(x),
    "jacobian(derivative order=(1,))": lambda x: hd.jacobian(
        lambda v: hd.derivative(_mixing, order=(1,), argnums=(0,))(v)
    )(x),
}


@pytest.mark.parametrize("name", sorted(_MIXING_THROUGH_THE_OUTER_PARTS))
def test_a_nested_pointwise_transform_refuses_mixing_through_the_outer_parts(name: str) -> None:
    x = np.array([0.3, -0.7, 1.1, 0.4])
    with pytest.raises(ValueError, match="mixes points"):
        _MIXING_THROUGH_THE_OUTER_PARTS[name](x)


def test_a_nested_pointwise_transform_of_several_points_of_the_outer_variable() -> None:
    # pointwise in its inputs a = x, b = x[::-1], each point's outer parts those of
    # both: d/dv_j of sin(b_i) at i is cos(x_j) where j = n - 1 - i
    x = np.array([0.3, -0.7, 1.1, 0.4])

    def f(a: Any, b: Any) -> Any:
        return a * np.sin(b)

    got = hd.jacobian(lambda v: hd.grad(f, argnums=(0, 1), elementwise=True)(v, v[::-1])[0])(x)
    np.testing.assert_allclose(got, np.fliplr(np.diag(np.cos(x[::-1]))), rtol=1e-15, atol=0)


# --- linear algebra of a matrix whose part holds an inf -------------------------------
def _diagonal(x: Any) -> Any:
    return np.diag(np.sqrt(x) + 1.0)  # diag(1 + sqrt(x)): d/dx_0 is inf E_00 at x_0 = 0


_X = np.array([0.0, 1.0, 4.0])
_D = 1 + np.sqrt(_X)  # the diagonal, 1, 2, 3
_DD = np.array([np.inf, 0.5, 0.25])  # d d_j / d x_j
_ON_DIAGONAL: dict[str, tuple[Callable[[Any], Any], Callable[[np.ndarray], np.ndarray], bool]] = {
    # F, F's derivative along the diagonal entry (phi'(d)), and whether F is a matrix
    # (else the vector of the diagonal's images)
    "inv": (np.linalg.inv, lambda d: -1 / d**2, True),
    "solve": (lambda a: np.linalg.solve(a, np.ones(3)), lambda d: -1 / d**2, False),
    "cholesky": (np.linalg.cholesky, lambda d: 0.5 / np.sqrt(d), True),
    "matrix_power 3": (lambda a: np.linalg.matrix_power(a, 3), lambda d: 3 * d**2, True),
    "a @ a": (lambda a: a @ a, lambda d: 2 * d, True),
    "eigvalsh": (np.linalg.eigvalsh, lambda d: np.ones_like(d), False),
    "solve_triangular": (
        lambda a: hd.linalg.solve_triangular(a, np.ones(3)),
        lambda d: -1 / d**2,
        False,
    ),
}


@pytest.mark.parametrize("name", sorted(_ON_DIAGONAL))
def test_linear_algebra_of_a_part_holding_inf(name: str) -> None:
    # the parts a0^-1 v a0^-1 and their like were products of v = inf E_00 with a0's
    # zeros (inv's part off the diagonal nan, exact 0; eigvalsh [inf, nan, nan], exact
    # [inf, 0, 0]; cholesky all nan): a part that is not finite now has its products
    # with zeros strong (_algebra.linear, linalg's level products)
    f, derivative, matrix = _ON_DIAGONAL[name]
    got = hd.jacobian(lambda x: f(_diagonal(x)))(_X)
    column = derivative(_D) * _DD  # (inf times a positive or negative number)
    if matrix:
        want = np.zeros((3, 3, 3))
        want[np.arange(3), np.arange(3), np.arange(3)] = column
    else:
        want = np.diag(column)
    _same(np.abs(got), np.abs(want), 1e-15)  # (signs as numpy's factors have them)
    assert np.array_equal(np.signbit(got[want != 0]), np.signbit(want[want != 0]))


@pytest.mark.parametrize("name", ["det", "slogdet", "trace", "norm"])
def test_scalar_functions_of_a_matrix_whose_part_holds_inf(name: str) -> None:
    f = {
        "det": np.linalg.det,
        "slogdet": lambda a: np.linalg.slogdet(a)[1],
        "trace": np.trace,
        "norm": np.linalg.norm,
    }[name]
    got = hd.grad(lambda x: f(_diagonal(x)))(_X)
    assert got[0] == np.inf and np.all(np.isfinite(got[1:]))


# --- a constant's zeros against an infinite part --------------------------------------
_CONSTANTS: dict[str, Callable[[Any, type], Any]] = {
    # sqrt(t) times a constant c that is 0 at t = 0 (sqrt' = inf there) and 2 at t = 1
    "array c * x": lambda s, dtype: np.array([0.0, 2.0, 0.0], dtype=dtype) * s,
    "x * array c": lambda s, dtype: s * np.array([0.0, 2.0, 0.0], dtype=dtype),
    "np.multiply(x, c)": lambda s, dtype: np.multiply(s, np.array([0.0, 2.0, 0.0], dtype=dtype)),
    "x * 0.0 + x * [0, 2, 0]": lambda s, dtype: s * 0.0 + s * np.array([0, 2, 0], dtype=dtype),
    "x / inf + x * c": lambda s, dtype: s / np.inf + s * np.array([0, 2, 0], dtype=dtype),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(_CONSTANTS))
@pytest.mark.parametrize("order", [1, 2, 3])
def test_a_constants_zero_times_an_infinite_part(order: int, name: str, dtype: type) -> None:
    # x 0 is 0 for every x: d/dt (0 sqrt(t)) at 0 is 0, not 0 inf = nan (the products of
    # matrices had it: c @ sqrt(v) gave [0, 1, 0] where sum(c * sqrt(v)) gave nan)
    t = np.array([0.0, 1.0, 0.0], dtype=dtype)

    def f(u: Any) -> Any:
        return _CONSTANTS[name](np.sqrt(u), dtype)

    # d^k/dt^k 2 sqrt(t) at 1: 1, -1/2, 3/4
    want = np.array([0.0, {1: 1.0, 2: -0.5, 3: 0.75}[order], 0.0])
    _same(hd.derivative(f, order=order)(t), want, 1e-6 if dtype is np.float32 else 1e-15)
    if order == 1:
        _same(hd.jacobian(f)(t), np.diag(want), 1e-6 if dtype is np.float32 else 1e-15)
        _same(hd.grad(lambda u: np.sum(f(u)))(t), want, 1e-6 if dtype is np.float32 else 1e-15)
    if order == 2:
        hessian = hd.hessian(lambda u: np.sum(f(u)))(t)
        _same(hessian, np.diag(want), 1e-6 if dtype is np.float32 else 1e-15)


@pytest.mark.parametrize(
    ("c", "want"),
    [
        (1j, [complex(0, np.inf), 0.5j]),
        (np.array([2j, 0j]), [complex(0, np.inf), 0j]),
        (0j, [0j, 0j]),
    ],
)
def test_a_complex_constants_zero_component_times_an_infinite_part(c: Any, want: list) -> None:
    # d/dt (i sqrt(t)) at 0 is 0 + inf i: its real part was 0 inf = nan (numpy's product
    # of i and inf + 0i), as Re(i sqrt(t)) = 0 for every t
    t = np.array([0.0, 1.0])
    got = hd.derivative(lambda u: c * np.sqrt(u))(t)
    _same(got, np.array(want, dtype=complex))
