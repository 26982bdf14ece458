"""Round fifteen: a non-finite number must not turn entries that are finite in exact
arithmetic into nan (the chain rules' strong zero: a zero part stands for a direction
not perturbed, so its products are 0 even against inf).

- Products of dual arrays (matmul, dot, einsum, tensordot, inner, outer, kron, the
  matmul ufunc) ran BLAS (or the small-matrix C++ pass, which skips zero planes and
  rows but not single zero entries) on the planes, where a constant's or a value's inf
  met the zeros of a seed: grad(lambda x: c @ x) with c = [1, 2, inf] was [nan, nan,
  inf], silently, where np.sum(c * x) gives [1, 2, inf] (_algebra.strong_zeros).
- The product rule's mixed term x_a y_b + x_b y_a (multiply's fxy = 1) was formed with
  plain products: the Hessian of sum(E(x[1:]) x[:-1]), E = exp(exp(.)) overflowing at
  one point, was nan along that point's row and column, where the entries are 0 or
  E'(x) (kinds.hpp: both factors parts, either's zero strong).
- Complex parts: the derivative times the seed 1 + 0i is (a - 0 b, 0 a + b), whose
  0 inf made exp's derivative at 709.9 + 0.1i inf + nan i (numpy's exp there is
  inf + 2.018e307i), at every order and kind (common.hpp's part_times: a zero component
  of a part is a strong zero too).

References: closed forms by loops over the entries (no product of inf and an exact
zero), numpy's own exp for the complex values.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

# numpy's own products of matrices holding inf warn of an invalid value (OpenBLAS's
# kernels), and exp overflows: the values' warnings, not what these tests check
pytestmark = pytest.mark.filterwarnings(
    "ignore:invalid value encountered:RuntimeWarning",
    "ignore:overflow encountered:RuntimeWarning",
)


def _same(got: Any, want: np.ndarray, rtol: float) -> None:
    """Equal non-finite entries (inf with its sign, nan), finite ones within rtol."""
    got = np.asarray(got)
    assert got.shape == want.shape
    assert np.array_equal(np.isnan(got), np.isnan(want)), (got, want)
    finite = np.isfinite(want)
    assert np.array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    assert np.all(np.isfinite(got[finite])), (got, want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=rtol, atol=0)


# --- products of a constant holding inf and a dual array -----------------------------
_LEFT: dict[str, Callable[[np.ndarray, Any], Any]] = {
    "matmul": lambda a, b: a @ b,
    "np.matmul": lambda a, b: np.matmul(a, b),
    "dot": lambda a, b: np.dot(a, b),
    "einsum": lambda a, b: np.einsum("ij,jk->ik", a, b),
    "tensordot": lambda a, b: np.tensordot(a, b, 1),
}


# (m, n, p): the small-matrix C++ pass (m n p <= 256, 2 <= p <= 8), BLAS beyond, vectors
@pytest.mark.parametrize("shape", [(2, 2, 2), (3, 4, 5), (1, 5, 3), (3, 5, 1), (10, 10, 10)])
@pytest.mark.parametrize("name", sorted(_LEFT))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_constant_with_inf_times_a_dual_matrix(
    name: str, shape: tuple[int, int, int], dtype: type
) -> None:
    m, n, p = shape
    a = np.arange(1.0, m * n + 1).reshape(m, n).astype(dtype)
    a[0, n - 1] = np.inf
    a[m - 1, 0] = -np.inf
    b = np.linspace(0.5, 2.0, n * p).reshape(n, p).astype(dtype)
    # d(a b)[i, c] / d b[j, d] = a[i, j] where c == d, else 0 (no inf 0)
    want = np.zeros((m, p, n, p))
    for c in range(p):
        want[:, c, :, c] = a
    _same(hd.jacobian(lambda v: _LEFT[name](a, v))(b), want, 0)
    # and on the right: (v a^T)[d, k] = sum_j v[d, j] a[k, j]
    right = np.zeros((p, m, p, n))
    for d in range(p):
        right[d, :, d, :] = a
    _same(hd.jacobian(lambda v: _LEFT[name](v, a.T))(b.T.copy()), right, 0)


_VECTOR: dict[str, Callable[[np.ndarray, Any], Any]] = {
    "matmul": lambda c, x: c @ x,
    "dot": lambda c, x: np.dot(c, x),
    "inner": lambda c, x: np.inner(c, x),
    "einsum": lambda c, x: np.einsum("i,i->", c, x),
    "tensordot": lambda c, x: np.tensordot(c, x, 1),
    "vecdot": lambda c, x: np.vecdot(c, x),
}


@pytest.mark.parametrize("n", [2, 3, 8, 40])
@pytest.mark.parametrize("name", sorted(_VECTOR))
def test_the_gradient_of_a_dot_product_with_inf(name: str, n: int) -> None:
    c = np.arange(1.0, n + 1)
    c[n // 2] = np.inf
    _same(hd.grad(lambda x: _VECTOR[name](c, x))(np.ones(n)), c, 0)
    _same(hd.grad(lambda x: _VECTOR[name](x, -c))(np.ones(n)), -c, 0)


# --- products of two dual arrays, one holding an overflowed value ---------------------
def _big(x: Any) -> Any:
    return np.exp(np.exp(x))  # inf at 7


_OUTER: dict[str, Callable[[Any, Any], Any]] = {
    "outer": np.outer,
    "einsum": lambda u, v: np.einsum("i,k->ik", u, v),
    "matmul": lambda u, v: u[:, None] @ v[None, :],
    "kron": lambda u, v: np.kron(u, v).reshape(len(u), len(v)),
    "multiply": lambda u, v: u[:, None] * v[None, :],
}


@pytest.mark.parametrize("n", [2, 3, 9, 20])
@pytest.mark.parametrize("name", sorted(_OUTER))
def test_the_jacobian_of_an_outer_product_with_an_overflow(name: str, n: int) -> None:
    x = np.linspace(0.1, 0.5, n)
    x[1] = 7.0
    e = np.exp(x)
    big, d_big = np.exp(e), np.exp(e) * e
    # f[i, k] = E(x_i) x_k: df[i, k]/dx_j = E'(x_i) x_k [i == j] + E(x_i) [k == j]
    want = np.zeros((n, n, n))
    for i, k, j in itertools.product(range(n), repeat=3):
        terms = [d_big[i] * x[k]] * (i == j) + [big[i]] * (k == j)
        want[i, k, j] = sum(terms) if terms else 0.0
    _same(hd.jacobian(lambda v: _OUTER[name](_big(v), v))(x), want, 1e-14)


@pytest.mark.parametrize("n", [3, 12])
@pytest.mark.parametrize(
    "product", [lambda u, v: u @ v, lambda u, v: np.dot(u, v), lambda u, v: np.sum(u * v)]
)
def test_the_hessian_of_a_product_with_an_overflow(
    product: Callable[[Any, Any], Any], n: int
) -> None:
    x = np.linspace(0.1, 0.5, n)
    x[1] = 7.0
    e = np.exp(x)
    big = np.exp(e)
    # f = sum E(x_i) x_i: H = diag(E''(x_i) x_i + 2 E'(x_i)), E' = E e, E'' = E e (e + 1)
    want = np.zeros((n, n))
    for i in range(n):
        want[i, i] = big[i] * e[i] * (e[i] + 1) * x[i] + 2 * big[i] * e[i]
    _same(hd.hessian(lambda v: product(_big(v), v))(x), want, 1e-14)


def _elementwise_product(u: Any, v: Any) -> Any:
    return np.sum(u[1:] * v[:-1])


@pytest.mark.parametrize("n", [3, 8])
def test_the_product_rules_mixed_term_keeps_strong_zeros(n: int) -> None:
    x = np.linspace(0.1, 0.5, n)
    x[1] = 7.0
    e = np.exp(x)
    big = np.exp(e)
    d1, d2 = big * e, big * e * (e + 1)
    # f = sum_i E(x_{i+1}) x_i: H[i+1, i+1] = E''(x_{i+1}) x_i, H[i, i+1] = E'(x_{i+1})
    want = np.zeros((n, n))
    for i in range(n - 1):
        want[i + 1, i + 1] = d2[i + 1] * x[i]
        want[i, i + 1] = want[i + 1, i] = d1[i + 1]
    _same(hd.hessian(lambda v: _elementwise_product(_big(v), v))(x), want, 1e-14)
    # and f = x_0 (inf x_1) x_2 (np.prod): linear in each, so H[i, i] = 0, and every
    # H[i, j] = inf times the third (positive)
    c = np.array([1.0, np.inf, 1.0])
    y = np.array([0.3, 0.4, 0.5])
    prod = np.where(np.eye(3) == 1, 0.0, np.inf)
    _same(hd.hessian(lambda v: np.prod(c * v))(y), prod, 1e-15)


# --- complex parts: 1 + 0i times an overflowed derivative ------------------------------
# exp at 709.9 + yi: e^709.9 overflows, e^709.9 sin y does not (numpy: inf + 2.018e307i)
_POINTS = np.array([709.9 + 0.1j, 709.9 + 3.0j, 709.9 - 0.1j, 709.9 + 1.5j])


def _exp_parts(z: np.ndarray) -> np.ndarray:
    want = np.exp(z)
    assert np.all(np.isinf(want.real) != np.isinf(want.imag))  # one part finite
    return want


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_the_complex_derivatives_of_exp_where_one_part_overflows(order: int) -> None:
    got = hd.derivative(np.exp, holomorphic=True, order=order)(_POINTS)
    want = _exp_parts(_POINTS)
    _same(got.real, want.real, 0)
    _same(got.imag, want.imag, 4e-16)


_KINDS: dict[str, Callable[[np.ndarray], Any]] = {
    "dual": lambda z: np.exp(hd.dual(z, 1.0))._stack[1:],
    "hyperdual": lambda z: np.exp(hd.hyperdual(z, 1.0, 1.0, 0.0))._stack[1:],
    "dualvec": lambda z: np.exp(hd.dualvec(z, [np.ones_like(z), np.ones_like(z)]))._stack[1:],
    "hyperdualvec": lambda z: np.exp(hd.hyperdualvec(z, [np.ones_like(z)]))._stack[1:],
}


@pytest.mark.parametrize("kind", sorted(_KINDS))
def test_every_kinds_complex_parts_of_exp_where_one_part_overflows(kind: str) -> None:
    got = _KINDS[kind](_POINTS)  # every part is exp(z)
    want = np.broadcast_to(_exp_parts(_POINTS), got.shape)
    _same(got.real, want.real, 0)
    _same(got.imag, want.imag, 4e-16)


def test_real_variables_through_a_complex_exp_that_overflows() -> None:
    # f(u, v) = exp(u + iv): df/du = e, df/dv = i e; Re f has the Hessian
    # [[Re e, -Im e], [-Im e, -Re e]], its off-diagonal finite
    u, v = 709.9, 0.1
    e = np.exp(complex(u, v))
    jac = hd.jacobian(lambda w: np.exp(w[0] + 1j * w[1]))(np.array([u, v]))
    want = np.array([e, complex(-e.imag, e.real)])
    _same(jac.real, want.real, 0)
    _same(jac.imag, want.imag, 4e-16)
    grad = hd.grad(lambda w: np.real(np.exp(w[0] + 1j * w[1])))(np.array([u, v]))
    _same(grad, np.array([e.real, -e.imag]), 4e-16)
    hess = hd.hessian(lambda w: np.real(np.exp(w[0] + 1j * w[1])))(np.array([u, v]))
    _same(hess, np.array([[e.real, -e.imag], [-e.imag, -e.real]]), 4e-16)


@pytest.mark.parametrize("elementwise", [False, True])
def test_the_wirtinger_derivative_of_exp_where_one_part_overflows(elementwise: bool) -> None:
    # df/dz = (d_x - i d_y)/2 with d_x = e, d_y = i e: formed with numpy's complex
    # product 1j d_y and quotient / 2, whose 0 inf gave inf + nan i for e = inf + 2e307i
    # (df/dz-bar = (d_x + i d_y)/2 is inf - inf there: the overflow, not recoverable)
    dz, _ = hd.wirtinger(np.exp, elementwise=elementwise)(_POINTS)
    want = _exp_parts(_POINTS)
    if not elementwise:
        dz = np.diagonal(dz)
    _same(dz.real, want.real, 0)
    _same(dz.imag, want.imag, 4e-16)


def _same_complex(got: Any, want: np.ndarray) -> None:
    got = np.asarray(got)
    _same(got.real, want.real, 0)
    _same(got.imag, want.imag, 0)


# a complex constant with an infinite real or imaginary part, its partner finite
@pytest.mark.parametrize("shape", [(2, 2, 2), (3, 4, 5), (10, 10, 10)])
@pytest.mark.parametrize("name", sorted(_LEFT))
@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
def test_a_complex_constant_with_inf_times_a_dual_matrix(
    name: str, shape: tuple[int, int, int], dtype: type
) -> None:
    m, n, p = shape
    a = (np.arange(1.0, m * n + 1) + 1j * np.arange(m * n)[::-1]).reshape(m, n).astype(dtype)
    a[0, n - 1] = complex(np.inf, 2.0)
    a[m - 1, 0] = complex(-3.0, -np.inf)
    b = (np.linspace(0.5, 2.0, n * p) - 0.5j).reshape(n, p).astype(dtype)
    want = np.zeros((m, p, n, p), dtype=dtype)
    for c in range(p):
        want[:, c, :, c] = a
    got = hd.jacobian(lambda v: _LEFT[name](a, v), holomorphic=True)(b)
    _same_complex(got, want)
    # a real variable through the complex constant: the same partials
    _same_complex(hd.jacobian(lambda v: _LEFT[name](a, v))(b.real.copy()), want)


@pytest.mark.parametrize("conjugating", [lambda c, z: np.vdot(c, z), lambda c, z: np.vecdot(c, z)])
def test_a_conjugating_product_with_inf(conjugating: Callable[[Any, Any], Any]) -> None:
    c = np.array([1 + 2j, complex(np.inf, 1.0), 3 - 1j, complex(0.5, -np.inf)])
    z = np.array([1 + 1j, 2 - 1j, 0.5j, 1.5])
    _same_complex(hd.jacobian(lambda v: conjugating(c, v), holomorphic=True)(z), np.conj(c))


@pytest.mark.parametrize("n", [3, 6])
@pytest.mark.parametrize("dual_first", [False, True])
def test_convolve_and_correlate_with_inf(n: int, dual_first: bool) -> None:
    c = np.array([1.0, np.inf, -2.0, 3.0])
    m = len(c)
    x = np.linspace(0.5, 1.5, n)
    # convolve(c, x)[k] = sum_j c[j] x[k - j]: d/dx[i] = c[k - i]
    conv = np.zeros((n + m - 1, n))
    for k, i in itertools.product(range(n + m - 1), range(n)):
        if 0 <= k - i < m:
            conv[k, i] = c[k - i]
    pair = (lambda v: (v, c)) if dual_first else (lambda v: (c, v))
    _same(hd.jacobian(lambda v: np.convolve(*pair(v)))(x), conv, 0)
    # correlate(a, v, "full")[k] = sum_j a[j + k - (len(v) - 1)] v[j]
    corr = np.zeros((n + m - 1, n))
    for k, i in itertools.product(range(n + m - 1), range(n)):
        if dual_first:  # d/da[i] = v[i - k + len(v) - 1], v = c
            j = i - k + m - 1
        else:  # d/dv[i] = a[i + k - (len(v) - 1)], a = c, v = x
            j = i + k - (n - 1)
        if 0 <= j < m:
            corr[k, i] = c[j]
    _same(hd.jacobian(lambda v: np.correlate(*pair(v), "full"))(x), corr, 0)


def test_einsum_of_three_operands_with_inf() -> None:
    # einsum of more than two operands multiplies plane combinations one by one
    c = np.array([1.0, np.inf, -2.0])
    x = np.array([0.5, 1.0, 1.5])
    _same(hd.grad(lambda v: np.einsum("i,i,i->", c, v, np.ones(3)))(x), c, 0)
    _same(hd.grad(lambda v: np.einsum("i,i,i->", c, v, v))(x), 2 * c * x, 0)
    a = np.diag(c)  # v a v: the Hessian a + a^T, its zeros 0 beside inf
    want = np.where(np.eye(3) == 1, 2 * c[:, None], 0.0)
    _same(hd.hessian(lambda v: np.einsum("i,ij,j->", v, a, v))(x), want, 0)


@pytest.mark.parametrize("order", [3, 4])
def test_taylor_products_of_a_constant_series_and_an_overflowing_one(order: int) -> None:
    # (3 + 0 t) E(t): the Leibniz sums' a_j b_{k-j} with a_j = 0 (j >= 1) and b_{k-j}
    # inf (E's coefficients overflow at 6.55, its value 5e303 does not) were nan, where
    # 3 E^(k) is +inf (overflowed) at 6.55 and finite at 0.3, in either operand order
    x = np.array([6.55, 0.3])
    e = np.exp(x)
    big = np.exp(e)
    closed = {  # E^(k) = E B_k(e), the Touchard polynomials in e
        3: big * e * (e**2 + 3 * e + 1),
        4: big * e * (e**3 + 6 * e**2 + 7 * e + 1),
    }
    want = 3 * closed[order]
    assert want[0] == np.inf and np.isfinite(want[1])
    for f in (lambda t: (0 * t + 3) * _big(t), lambda t: _big(t) * (0 * t + 3)):
        _same(hd.derivative(f, order=order)(x), want, 1e-13)


def test_a_cotangents_zeros_against_an_infinite_jacobian() -> None:
    # vjp contracts the cotangent with J: a zero weight on an output whose partials
    # overflow left nan in every column J's inf was in
    x = np.array([0.3, 7.0, 0.5])
    e = np.exp(x)
    big = np.exp(e)
    _, vjp_fn = hd.vjp(lambda v: _big(v) * v[::-1], x)
    (got,) = vjp_fn(np.array([1.0, 0.0, 0.0]))  # J's row 0: [E'(x0) x2, 0, E(x0)]
    _same(got, np.array([big[0] * e[0] * x[2], 0.0, big[0]]), 1e-14)
    a = np.array([[1 + 1j, complex(np.inf, 2.0), 2], [3, 4j, 5], [1, 1, -1j]])
    _, vjp_fn = hd.vjp(lambda z: a @ z, np.array([1 + 1j, 2 - 1j, 0.5j]), holomorphic=True)
    (got,) = vjp_fn(np.array([0.0, 1.0, 0.0]))
    _same_complex(got, a[1])


def test_the_wirtinger_derivative_inside_another_transform() -> None:
    # the inner wirtinger's d_x, d_y are dual arrays of the outer kind: combined on
    # their planes component by component too (1j d_y gave nan to the outer part)
    z0 = complex(709.9, 0.1)
    e = np.exp(z0)
    for part, want in ((np.real, e.real), (np.imag, e.imag)):
        got = hd.grad(lambda a, part=part: part(hd.wirtinger(np.exp)(z0 + a[0])[0]))(np.zeros(1))
        _same(got, np.array([want]), 4e-16)


@pytest.mark.parametrize(
    "solve",
    [
        np.linalg.solve,
        lambda a, b: np.linalg.inv(a) @ b,
        lambda a, b: np.linalg.lstsq(a, b)[0],
    ],
)
def test_solving_for_a_right_hand_side_with_an_infinite_part(
    solve: Callable[[Any, Any], Any],
) -> None:
    # b = sqrt(v): sqrt'(0) = inf in column 0 only; a^-1's zeros in column 0 keep x's
    # rows 1, 2 at 0 there (LAPACK's substitutions and a^-1 @ b_k gave nan)
    a = np.array([[2.0, 0.0, 0.0], [0.0, 3.0, 1.0], [0.0, 1.0, 4.0]])
    v = np.array([0.0, 1.0, 2.0])
    inverse = np.array([[0.5, 0.0, 0.0], [0.0, 4.0, -1.0], [0.0, -1.0, 3.0]]) / [[1], [11], [11]]
    want = inverse * np.where(v == 0, np.inf, 0.5 / np.sqrt(np.where(v == 0, 1.0, v)))
    want[:, 0] = [np.inf, 0.0, 0.0]
    _same(hd.jacobian(lambda u: solve(a, np.sqrt(u)))(v), want, 1e-14)


def test_the_small_products_say_when_an_operand_is_not_finite() -> None:
    # _core.matrix_product_parts reports an inf or nan in x or y (then strong_zeros
    # mends its planes; a finite product pays no check of its own)
    from hyperdiff import _core

    pairs = np.array([[0, 1]], dtype=np.int64)
    for where, bad in [(None, 0.0), ((0, 1, 2), np.inf), ((3, 0, 0), np.nan), ((2, 1, 1), -np.inf)]:
        x, y = np.ones((4, 2, 3)), np.ones((4, 3, 2))
        if where is not None:
            x[where] = bad
        expected = where is not None
        assert _core.matrix_product_parts(np.empty((4, 2, 2)), x, y, 2, pairs) is expected
        assert _core.matrix_product_parts(np.empty((4, 3, 3)), y, x, 2, pairs) is expected
