"""Sparse Jacobians of holomorphic functions of complex inputs (issue 19: complex
residuals and right-hand sides, Schrodinger-type `-1j * (H @ y)` for solve_ivp's
complex BDF): `hd.jacobian(f, sparsity=..., holomorphic=True)` is f'(z) as scipy.sparse
CSR, against closed forms written out here (independent of detection, coloring and
the dense transforms). Functions that are not holomorphic are named, as the dense
holomorphic transforms name them; complex inputs need holomorphic=True."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

sp = pytest.importorskip("scipy.sparse")

N = 9


def _laplacian(n: int) -> Any:
    return sp.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(n, n), format="csr")


def _roll(n: int) -> np.ndarray:
    """P with (P z)_i = z_{i-1}: np.roll(z, 1)."""
    return np.roll(np.eye(n), 1, axis=0)


def _point(dtype: Any = np.complex128, n: int = N) -> np.ndarray:
    z = np.exp(1j * np.linspace(0.1, 1.7, n)) * (0.8 + 0.3j)
    return z.astype(dtype)


# f and its Jacobian f'(z) in closed form
CASES: dict[str, tuple[Callable[[Any], Any], Callable[[np.ndarray], np.ndarray]]] = {
    "cubic": (lambda z: z**3 - 2j * z, lambda z: np.diag(3 * z**2 - 2j)),
    "stencil": (
        lambda z: z[2:] - 2 * z[1:-1] + z[:-2] + np.exp(z[1:-1]),
        lambda z: (np.eye(N, k=2) + (np.exp(z) - 2) * np.eye(N, k=1) + np.eye(N))[: N - 2],
    ),
    "sparse operator": (
        lambda z: -1j * (_laplacian(N) @ z) + np.sin(z) * np.roll(z, 1),
        lambda z: (
            -1j * _laplacian(N).toarray()
            + np.diag(np.cos(z) * np.roll(z, 1))
            + np.diag(np.sin(z)) @ _roll(N)
        ),
    ),
    "products": (
        lambda z: np.cumsum(z) * z[0] / (1 + z**2),
        lambda z: (
            np.tril(np.ones((N, N))) * z[0] / (1 + z**2)[:, None]
            + np.outer(np.cumsum(z) / (1 + z**2), np.eye(N)[0])
            - np.diag(np.cumsum(z) * z[0] * 2 * z / (1 + z**2) ** 2)
        ),
    ),
}


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("name", CASES)
def test_holomorphic_sparse_jacobian_is_f_prime(name: str, dtype: Any) -> None:
    f, closed = CASES[name]
    z = _point(dtype)
    jac = hd.jacobian(f, sparsity="auto", holomorphic=True)
    expected = closed(z.astype(np.complex128))
    rtol = 1e-13 if dtype == np.complex128 else 2e-5
    for _ in range(2):  # the plan's first call and a kept one
        out = jac(z)
        assert sp.issparse(out) and out.dtype == f(z).dtype  # (a float64 operator: 128)
        scale = np.abs(expected).max()
        np.testing.assert_allclose(out.toarray(), expected, rtol=rtol, atol=rtol * scale)
    pattern = hd.jacobian_sparsity(f)(z).toarray()
    assert np.all(pattern[expected != 0])  # never a dependency missed
    local = hd.jacobian_sparsity(f, local=True)(z).toarray()
    assert np.all(local[expected != 0])


@pytest.mark.parametrize(
    "body, named",
    [
        (lambda z: np.conj(z) * z, "conjugate"),
        (lambda z: np.abs(z) * z, "absolute"),
        (lambda z: np.real(z) + 0j * z, "real"),
    ],
)
def test_functions_that_are_not_holomorphic_are_named(body: Any, named: str) -> None:
    z = _point()
    with pytest.raises(TypeError, match=named):
        hd.jacobian(body, sparsity="auto", holomorphic=True)(z)


def test_complex_inputs_need_holomorphic_and_it_needs_them() -> None:
    z = _point()
    with pytest.raises(TypeError, match="holomorphic=True"):
        hd.jacobian(lambda v: v**2, sparsity="auto")(z)
    with pytest.raises(TypeError, match="complex inputs"):
        hd.jacobian(lambda v: v**2, sparsity="auto", holomorphic=True)(z.real.copy())
    with pytest.raises(TypeError, match="holomorphic"):
        hd.hessian(lambda v: np.sum(v**3), sparsity="auto", holomorphic=True)(z)
    with pytest.raises(TypeError, match="sparse Hessians take real inputs"):
        hd.hessian(lambda v: np.sum(v**3), sparsity="auto")(z)


def test_a_stale_plan_is_detected_again() -> None:
    coupling = np.zeros(N, dtype=complex)

    def f(z: Any) -> Any:
        return z**2 + coupling * z[0]  # reads coupling, which the caller edits

    z = _point()
    jac = hd.jacobian(f, sparsity="auto", holomorphic=True)
    np.testing.assert_allclose(jac(z).toarray(), np.diag(2 * z), rtol=1e-15)
    coupling[4] = 2 - 1j  # a new dependency on z[0] for row 4
    expected = np.diag(2 * z)
    expected[4, 0] += 2 - 1j
    np.testing.assert_allclose(jac(z).toarray(), expected, rtol=1e-15)


def test_has_aux_with_holomorphic() -> None:
    z = _point()
    jac, aux = hd.jacobian(
        lambda v: (v**3, np.sum(v**2)), sparsity="auto", holomorphic=True, has_aux=True
    )(z)
    np.testing.assert_allclose(jac.toarray(), np.diag(3 * z**2), rtol=1e-15)
    np.testing.assert_allclose(aux, np.sum(z**2), rtol=1e-15)


def test_solve_ivp_with_a_complex_sparse_jacobian() -> None:
    integrate = pytest.importorskip("scipy.integrate")
    n = 40
    lap = _laplacian(n) * (n / 4) ** 2

    def rhs(t: float, y: Any) -> Any:  # a nonlinear Schrodinger equation
        return -1j * (lap @ y) - 0.5j * y**2 * np.roll(y, 1)

    jac = hd.jacobian(rhs, argnums=1, sparsity="auto", holomorphic=True)
    y0 = np.exp(-((np.linspace(-2, 2, n)) ** 2)).astype(complex)
    sol = integrate.solve_ivp(rhs, (0, 0.2), y0, method="BDF", jac=jac, rtol=1e-9, atol=1e-12)
    assert sol.success
    y = sol.y[:, -1]
    closed = -1j * lap.toarray() - 1j * np.diag(y * np.roll(y, 1)) - 0.5j * np.diag(y**2) @ _roll(n)
    np.testing.assert_allclose(jac(0.2, y).toarray(), closed, rtol=1e-14, atol=1e-12)
