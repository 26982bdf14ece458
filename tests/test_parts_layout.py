"""The Jacobian's parts-last result and np.outer of two dual arrays on every kind.

A one-pass Jacobian is a view of the output's own planes when nothing else holds
them (else a copy); np.outer of two dual arrays is one batched product of
(m x 2)(2 x n) matrices per plane. References: closed forms of d(x_i y_j)/dx_k.
"""

from __future__ import annotations

import numpy as np
import pytest

import hyperdiff as hd

RNG = np.random.default_rng(20261201)


def outer_jacobian(x: np.ndarray) -> np.ndarray:
    """d(x_i x_j)/dx_k = delta_ik x_j + x_i delta_jk."""
    eye = np.eye(x.size)
    return np.einsum("ik,j->ijk", eye, x) + np.einsum("i,jk->ijk", x, eye)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_jacobian_of_outer(dtype: type) -> None:
    x = RNG.standard_normal(7).astype(dtype)
    got = hd.jacobian(lambda v: np.outer(v, v))(x)
    assert got.dtype == dtype and got.shape == (7, 7, 7)
    np.testing.assert_array_equal(got, outer_jacobian(x))  # one product each: exact


def test_jacobian_of_complex_outer() -> None:
    x = RNG.standard_normal(5)
    got = hd.jacobian(lambda v: np.outer(v, 1j * v + v**2))(x)
    eye = np.eye(5)
    y, dy = 1j * x + x**2, 1j + 2 * x
    expected = np.einsum("ik,j->ijk", eye, y) + np.einsum("i,j,jk->ijk", x, dy, eye)
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=1e-15)


def test_hessian_of_outer() -> None:
    # d2(x_i x_j)/dx_k dx_l = delta_ik delta_jl + delta_il delta_jk (the pairs' planes)
    x = RNG.standard_normal(4)
    eye = np.eye(4)
    expected = np.einsum("ik,jl->ijkl", eye, eye) + np.einsum("il,jk->ijkl", eye, eye)
    np.testing.assert_array_equal(hd.hessian(lambda v: np.outer(v, v))(x), expected)
    diagonal = hd.hessian_diag(lambda v: np.outer(v, v))(x)
    np.testing.assert_array_equal(diagonal, 2 * np.einsum("ik,jk->ijk", eye, eye))


def test_outer_of_mixed_dtypes_promotes() -> None:
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 4))
    got = np.outer(hd.dual(a[0].astype(np.float32), a[1].astype(np.float32)), hd.dual(*b))
    assert got.dtype == np.float64
    a32 = a.astype(np.float32).astype(np.float64)
    np.testing.assert_array_equal(got.value, np.outer(a32[0], b[0]))
    np.testing.assert_allclose(got.d, np.outer(a32[0], b[1]) + np.outer(a32[1], b[0]), rtol=1e-15)


def test_jacobians_of_outputs_sharing_planes_are_separate() -> None:
    x = RNG.standard_normal(6)
    pair = hd.jacobian(lambda v: (lambda y: (y, y.reshape(36)))(np.outer(v, v)))(x)
    same = hd.jacobian(lambda v: (lambda y: (y, y))(np.outer(v, v)))(x)
    for first, second in (pair, same):
        np.testing.assert_array_equal(first, outer_jacobian(x))
        np.testing.assert_array_equal(second.reshape(6, 6, 6), outer_jacobian(x))
        first[...] = 0.0  # one output's Jacobian written: the other is its own
        np.testing.assert_array_equal(second.reshape(6, 6, 6), outer_jacobian(x))


def test_writing_a_jacobian_does_not_reach_the_next_call() -> None:
    x = RNG.standard_normal((2, 3))
    before = x.copy()
    identity = hd.jacobian(lambda v: v)
    got = identity(x)
    np.testing.assert_array_equal(got, np.eye(6).reshape(2, 3, 2, 3))
    got[...] = 7.0  # a view of that call's seed planes, not of what the next call reads
    np.testing.assert_array_equal(identity(x), np.eye(6).reshape(2, 3, 2, 3))
    np.testing.assert_array_equal(x, before)
