"""A constant factor's zeros are structural in sparsity detection (as a constant
matrix's are in L @ x), and a constant exponent's (x ** 0 is 1): x * mask,
sum(outer(x, x) * L) and einsum("i,ij,j", x, L, x) keep L's pattern, where they
made the pattern dense (a Hessian over 2,000 variables then took the dense path,
hours). And einsum of three or more operands on dual arrays:
two at a time (numpy's greedy path), a Hessian's pass keeping its last contraction as
terms. References: closed forms, and the dense transforms' nonzeros (independent of
detection and coloring)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sparsity_harness import check_hessian_pattern, check_jacobian_pattern, plans_of

import hyperdiff as hd

RNG = np.random.default_rng(7)
POINTS = [RNG.uniform(0.2, 0.9, 6) for _ in range(3)]
MASK = np.array([0.0, 1.5, 0.0, -2.0, 1.0, -0.0])
TRIDIAGONAL = np.diag(np.full(6, 2.0)) - np.eye(6, k=1) - np.eye(6, k=-1)
SPARSE_A = np.where(RNG.uniform(size=(6, 6)) < 0.3, RNG.normal(size=(6, 6)), 0.0)

# the family: products with a constant holding zeros, in every broadcasting form, and
# the functions that reach numpy's multiply through them
JACOBIAN_CASES = {
    "mask": lambda x: x * MASK,
    "mask_left": lambda x: MASK * np.sin(x),
    "scalar_zero": lambda x: np.concatenate([0.0 * x[:3], x[3:] ** 2]),
    "int_zeros": lambda x: np.array([0, 1, 2, 0, 1, 1]) * x,
    "complex_zero": lambda x: np.real(np.array([0j, 1 + 1j, 1, 0, 2 - 0.5j, 1]) * x),
    "row": lambda x: (np.sin(x).reshape(2, 3) * np.array([[1.0, 0.0, 2.0]])).ravel(),
    "column": lambda x: (x.reshape(3, 2) * np.array([[0.0], [1.0], [3.0]])).ravel(),
    "outer": lambda x: (np.outer(x[:3], x[3:]) * TRIDIAGONAL[:3, :3]).ravel(),
    "np_multiply": lambda x: np.multiply(MASK, x**2),
    "einsum3": lambda x: np.einsum("ij,jk,k->i", SPARSE_A, np.eye(6), x**2),
    "mask_of_sum": lambda x: MASK * (x + x[::-1]),
    "zero_exponents": lambda x: x ** np.array([0.0, 1.0, 0.0, 2.0, 0.5, 0.0]),
    "zero_exponents_float": lambda x: np.float_power(np.sin(x), MASK * 2),
}


@pytest.mark.parametrize("name", sorted(JACOBIAN_CASES))
def test_jacobian_patterns_are_exact(name):
    # exact: the global pattern is the union of the dense Jacobian's nonzeros
    check_jacobian_pattern(JACOBIAN_CASES[name], POINTS, exact=True)


def test_mask_pattern_is_the_masks():
    got = hd.jacobian_sparsity(lambda x: x * MASK)(POINTS[0]).toarray()
    np.testing.assert_array_equal(got, np.diag(MASK != 0))


def test_nan_factor_is_no_zero():
    factor = np.array([np.nan, 0.0, 1.0, 1.0, 1.0, 1.0])
    got = hd.jacobian_sparsity(lambda x: x * factor)(POINTS[0]).toarray()
    np.testing.assert_array_equal(np.diag(got), factor != 0)


def test_a_traced_zero_is_no_constant():
    # floor(x) is 0 at this point, not at every point: the global pattern of
    # x * floor(x) keeps x; the local one is the Jacobian's nonzeros there (none)
    f = lambda x: x * np.floor(x)  # noqa: E731
    x = np.full(4, 0.5)
    got = hd.jacobian_sparsity(f)(x).toarray()
    np.testing.assert_array_equal(got, np.eye(4, dtype=bool))
    local = hd.jacobian_sparsity(f, local=True)(x).toarray()
    np.testing.assert_array_equal(local, np.asarray(hd.jacobian(f)(x)) != 0)
    check_jacobian_pattern(f, [x, np.full(4, 1.5)], exact=False)


HESSIAN_CASES = {
    "outer_L": lambda x: np.sum(np.outer(x, x) * TRIDIAGONAL),
    "einsum_xLx": lambda x: np.einsum("i,ij,j->", x, TRIDIAGONAL, x),
    "einsum_implicit": lambda x: np.einsum("i,ij,j", np.sin(x), SPARSE_A, x),
    "einsum_Lxx": lambda x: np.einsum("ij,i,j->", SPARSE_A, x**2, x),
    "einsum_four": lambda x: np.einsum("i,ij,jk,k->", x, SPARSE_A, TRIDIAGONAL, np.cos(x)),
    "masked_products": lambda x: np.sum(x[1:] * x[:-1] * MASK[1:]),
    "zero_exponents": lambda x: np.sum((x[1:] * x[:-1]) ** (MASK[1:] + 1)) + np.sum(x**MASK),
}


@pytest.mark.parametrize("name", sorted(HESSIAN_CASES))
def test_hessian_values_and_patterns(name):
    check_hessian_pattern(HESSIAN_CASES[name], POINTS)


def test_quadratic_form_hessian_closed_form_and_pattern():
    n = 40
    a = np.diag(np.arange(1.0, n + 1)) + np.diag(np.full(n - 1, 0.5), 1)
    f = lambda x: np.einsum("i,ij,j->", x, a, x)  # noqa: E731
    x = RNG.uniform(size=n)
    h = hd.hessian(f, sparsity="auto")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no dense path's PerformanceWarning)
        got = h(x)
    np.testing.assert_array_equal(got.toarray(), a + a.T)  # exact: sums of two entries
    pattern = hd.hessian_sparsity(f)(x).toarray()
    np.testing.assert_array_equal(pattern, (a + a.T) != 0)
    (plan,) = plans_of(h)
    assert plan.terms is not None  # x . (a x): terms, as x @ a @ x


def test_changed_mask_is_seen():
    mask = np.array([0.0, 1.0, 0.0, 1.0])
    j = hd.jacobian(lambda x: x * mask, sparsity="auto")
    x = np.arange(1.0, 5.0)
    np.testing.assert_array_equal(j(x).toarray(), np.diag(mask))
    mask[0] = 3.0  # in place, a closure's constant: the probe's check, then detected again
    np.testing.assert_array_equal(j(x).toarray(), np.diag(mask))


# --- einsum of three or more operands on dual arrays ------------------------------------
def test_einsum_three_operands_value_and_closed_forms():
    a = RNG.normal(size=(3, 4))
    b = RNG.normal(size=(4, 5))
    x = RNG.uniform(0.5, 1.5, 5)
    f = lambda x: np.einsum("ij,jk,k->i", a, b, x**3)  # noqa: E731
    jac = hd.jacobian(f)(x)
    np.testing.assert_allclose(jac, a @ b @ np.diag(3 * x**2), rtol=1e-13)
    # the value plane is numpy's own einsum of the values, to the bit
    g = lambda x: np.einsum("ij,jk,k->i", a, b, 2.0 * x)  # noqa: E731  (2 x: exact)
    value = hd.jvp(g, (x,), (np.ones(5),))[0]
    assert np.array_equal(np.asarray(value), np.einsum("ij,jk,k->i", a, b, 2.0 * x))


def test_einsum_three_duals_second_order_closed_form():
    # f = (u . v)(v . w) with u, v, w linear in x: its Hessian is exact in rationals
    x = np.array([0.5, -1.25, 2.0])
    f = lambda x: np.einsum("i,i,j,j->", x, 2 * x, x, x[::-1])  # noqa: E731
    # f = 2 |x|^2 (x . rev x); H = 4 I s + 4 x r^T + 4 r x^T + 2|x|^2 (P + P^T)
    r, s, q = x[::-1], x @ x[::-1], x @ x
    flip = np.eye(3)[::-1]
    want = 4 * s * np.eye(3) + 8 * np.outer(x, r) + 8 * np.outer(r, x) + 2 * q * (flip + flip.T)
    np.testing.assert_allclose(hd.hessian(f)(x), want, rtol=1e-14)


def test_einsum_three_operands_taylor_order_three():
    a = np.array([[1.0, 2.0], [0.5, -1.0]])
    v0, v1 = np.array([1.0, 2.0]), np.array([0.25, -0.5])
    # g(t) = v(t)^T a v(t) v(t)_0 with v = v0 + t v1: a cubic; g''' = 6 (v1^T a v1) v1_0
    g = lambda t: np.einsum("i,ij,j,->", v0 + t * v1, a, v0 + t * v1, (v0 + t * v1)[0])  # noqa: E731
    third = hd.derivative(g, order=3)(0.0)
    assert float(third) == pytest.approx(6 * (v1 @ a @ v1) * v1[0], rel=1e-14)


def test_einsum_three_operands_strong_zero_and_errors():
    x = np.array([0.0, 1.0])
    # 0 * sqrt(x)'s infinite part: the algebra's strong zero, as a product of two
    f = lambda x: np.einsum("i,i,i->i", np.zeros(2), np.sqrt(x), np.ones(2))  # noqa: E731
    np.testing.assert_array_equal(hd.jacobian(f)(x), np.zeros((2, 2)))
    with pytest.raises(ValueError):
        hd.jacobian(lambda x: np.einsum("i,j,k->", x, x))(x)  # numpy's own error
