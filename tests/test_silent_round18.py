"""Round eighteen: exact zeros of partials read out of a bundle (nesting beyond total
order 2, mixed partials, hd.taylor inside a transform).

A bundle reads a mixed partial d^i f as a signed binomial sum of its Taylor planes
along the directions k <= i. Where f does not depend on one of i's variables, those
planes are equal along that variable (bitwise: the same operations on the same
numbers), and the sum is 0 in exact arithmetic; its rounding was not: d/dz of
hessian(u -> sin(u[1] + z))'s (0, 1) entry was -7.4e-17, jacobian(hessian(sin(u[1])))
had -7.4e-17 and -1.5e-16 where u[0] enters, the Jacobian of hd.taylor's third
coefficient at one point in another point's variable 8.3e-17. The read-out now gives 0
where a partial's grid of planes is constant along one of its variables.

References: closed forms (the entries in an unused variable are exactly 0; the others
within rounding of the closed form).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

_U = np.array([-1.131, -1.345, 0.42])
_Z = 1.051


def _sin_exp(w: float, e: float) -> np.ndarray:
    """d^a/dw^a d^b/de^b sin(w) exp(e), a in 0..3 (rows), b in 0..3 (columns: all alike)."""
    s = [np.sin(w), np.cos(w), -np.sin(w), -np.cos(w)]
    return np.array([[s[a] * np.exp(e) for _ in range(4)] for a in range(4)])


def _derivative_of_hessian(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    u = _U.astype(dtype)
    got = hd.derivative(lambda z: hd.hessian(lambda v: np.sin(v[1] + z) * np.exp(v[2]))(u))(
        dtype(_Z)
    )
    d = _sin_exp(float(u[1]) + _Z, float(u[2]))
    want = np.zeros((3, 3))
    want[1:, 1:] = [[d[3, 0], d[2, 1]], [d[2, 1], d[1, 2]]]
    return np.asarray(got), want


def _jacobian_of_hessian(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    u = _U.astype(dtype)
    got = hd.jacobian(hd.hessian(lambda v: np.sin(v[1]) * np.exp(v[2])))(u)
    d = _sin_exp(float(u[1]), float(u[2]))
    want = np.zeros((3, 3, 3))
    for i in (1, 2):
        for j in (1, 2):
            for k in (1, 2):
                a = (i == 1) + (j == 1) + (k == 1)
                want[i, j, k] = d[a, 3 - a]
    return np.asarray(got), want


def _hessian_of_derivative(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    # the outer variables (y, z): f does not depend on z
    y = dtype(_U[1])
    got = hd.hessian(lambda v: hd.derivative(lambda x: np.sin(x + v[0]) * np.exp(x))(dtype(_U[2])))(
        np.array([y, _Z], dtype=dtype)
    )
    w, e = float(_U[2]) + float(y), float(_U[2])
    # g(x) = sin(x + y) e^x: d/dx = (cos(x + y) + sin(x + y)) e^x; d^2/dy^2 of that
    want = np.zeros((2, 2))
    want[0, 0] = (-np.cos(w) - np.sin(w)) * np.exp(e)
    return np.asarray(got), want


def _hessian_of_hessian(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    u = _U.astype(dtype)
    got = hd.hessian(hd.hessian(lambda v: np.sin(v[1]) * np.exp(v[2])))(u)
    d = _sin_exp(float(u[1]), float(u[2]))
    want = np.zeros((3, 3, 3, 3))
    for idx in np.ndindex(3, 3, 3, 3):
        if 0 not in idx:
            a = sum(i == 1 for i in idx)
            want[idx] = d[a % 4, 0]  # (sin's a-th derivative times exp)
    return np.asarray(got), want


def _jacobian_of_taylor(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    # the third Taylor coefficient of sin along 1 at each point (-cos, pointwise):
    # d/dv_j at point i is sin(v_i) on the diagonal, exactly 0 off it
    v = np.array([0.3, 0.9, -0.4], dtype=dtype)
    got = hd.jacobian(lambda v: hd.taylor(np.sin, v, np.ones(3, dtype=dtype), 3)[3])(v)
    return np.asarray(got), np.diag(np.sin(v.astype(float)))


def _mixed_partial(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    # d^(2, 1) of sin(x) exp(z) in (x, y): f does not depend on y
    def f(x: Any, y: Any) -> Any:
        return np.sin(x) * np.exp(dtype(0.3)) + 0 * np.cos(x)

    got = hd.derivative(f, order=(2, 1), argnums=(0, 1))(dtype(0.7), dtype(1.3))
    got2 = hd.derivative(f, order=(2, 0), argnums=(0, 1))(dtype(0.7), dtype(1.3))
    want2 = -np.sin(float(dtype(0.7))) * np.exp(float(dtype(0.3)))
    return np.array([got, got2]), np.array([0.0, want2])


_CASES: dict[str, Callable[[Any], tuple[np.ndarray, np.ndarray]]] = {
    "derivative(hessian) closure": _derivative_of_hessian,
    "jacobian(hessian)": _jacobian_of_hessian,
    "hessian(derivative) closure": _hessian_of_derivative,
    "hessian(hessian)": _hessian_of_hessian,
    "jacobian(taylor)": _jacobian_of_taylor,
    "derivative order=(2, 1)": _mixed_partial,
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", list(_CASES))
def test_partials_in_an_unused_variable_are_exactly_zero(case: str, dtype: Any) -> None:
    got, want = _CASES[case](dtype)
    assert got.shape == want.shape
    zero = want == 0
    assert np.all(got[zero] == 0), f"{case}: {got[zero][got[zero] != 0]} where 0 is exact"
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(got[~zero], want[~zero], rtol=rtol, atol=0)


def test_complex_holomorphic_nesting_keeps_exact_zeros() -> None:
    # d/dz hessian(v -> sin(v[1] + z)) with complex points, holomorphic: row/column 0
    # (v[0] unused) exactly 0, the rest -cos(v[1] + z)
    u = np.array([0.3 + 0.2j, -0.5 + 0.1j])
    z = 0.4 - 0.3j
    got = hd.derivative(
        lambda z: hd.hessian(lambda v: np.sin(v[1] + z), holomorphic=True)(u), holomorphic=True
    )(z)
    assert got[0, 0] == 0 and got[0, 1] == 0 and got[1, 0] == 0
    np.testing.assert_allclose(got[1, 1], -np.cos(u[1] + z), rtol=1e-13)
