"""Sparsity detection with complex intermediates of real inputs.

The tracer took every traced array for real: np.imag of one was zero and |z| a
piecewise linear function. With a complex constant in the program (y + 0.2j, y * (1 +
2j)), np.imag((y + 1j y[::-1])^2) had an empty pattern and |y + 0.2j| no Hessian
entries: with check_sparsity=False the sparse Jacobian and Hessian came back zero
there, with the check a ValueError. Now a trace that meets a complex number (a
constant, astype(complex), eig's eigenvalues) keeps np.imag's sets and gives |z| its
second-order pairs. References: closed forms.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

X = np.array([0.7, -0.4, 1.2, 0.3, -0.9, 1.5])
N = X.size
MIRROR = np.arange(N)[::-1]


def _abs_hessian(c: float) -> np.ndarray:
    """Hessian of sum_i |y_i + c i y_r(i)| = sum_i sqrt(y_i^2 + c^2 y_r^2)."""
    hess = np.zeros((N, N))
    for i in range(N):
        r = MIRROR[i]
        a, b = X[i], X[r]
        rho3 = (a * a + c * c * b * b) ** 1.5
        hess[i, i] += c * c * b * b / rho3
        hess[r, r] += c * c * a * a / rho3
        hess[i, r] -= c * c * a * b / rho3
        hess[r, i] -= c * c * a * b / rho3
    return hess


@pytest.mark.parametrize("check", [True, False])
def test_the_modulus_of_a_complex_intermediate(check: bool) -> None:
    def f(y: Any) -> Any:
        return np.sum(np.abs(y + 0.2j))

    got = hd.hessian(f, sparsity="auto", check_sparsity=check)(X).toarray()
    np.testing.assert_allclose(got, np.diag(0.04 / (X**2 + 0.04) ** 1.5), rtol=1e-13)

    def g(y: Any) -> Any:
        return np.sum(np.abs(y + 0.2j * y[::-1]))

    got = hd.hessian(g, sparsity="auto", check_sparsity=check)(X).toarray()
    np.testing.assert_allclose(got, _abs_hessian(0.2), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("check", [True, False])
def test_the_imaginary_part_of_a_complex_intermediate(check: bool) -> None:
    def f(y: Any) -> Any:  # imag((y + i y_r)^2) = 2 y y_r
        return np.imag((y + 1j * y[::-1]) ** 2)

    want = 2 * np.diag(X[MIRROR])
    want[np.arange(N), MIRROR] += 2 * X
    got = hd.jacobian(f, sparsity="auto", check_sparsity=check)(X).toarray()
    np.testing.assert_allclose(got, want, rtol=1e-15)
    # sum (2 y_i y_r)^2 = 8 sum over pairs y_i^2 y_r^2
    hess = hd.hessian(lambda y: np.sum(f(y) ** 2), sparsity="auto", check_sparsity=check)(X)
    want = np.diag(16 * X[MIRROR] ** 2)
    want[np.arange(N), MIRROR] += 32 * X * X[MIRROR]
    np.testing.assert_allclose(hess.toarray(), want, rtol=1e-14)
