"""np.linalg.det of 1 x 1, 2 x 2 and 3 x 3 matrices (stacks of them: a finite-element
energy's deformation gradients) runs as the cofactor polynomial in the algebra
(linalg._small_det). Against the exact polynomial det(A + t E) (Leibniz's formula in
fractions, the entries multiples of 1/8): every derivative along a line to degree 4
for each kind, real and complex, singular matrices included; the mixed partials of
the Hessian from multilinearity; the value numpy's own."""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd


def eighths(*shape: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(-16, 17, shape) / 8.0


def exact(x: Any) -> Any:
    if isinstance(x, complex | np.complexfloating):
        return (Fraction(float(x.real)), Fraction(float(x.imag)))
    return (Fraction(float(x)), Fraction(0))


def cmul(a: Any, b: Any) -> Any:
    return (a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0])


def poly_mul(p: list[Any], q: list[Any]) -> list[Any]:
    out = [(Fraction(0), Fraction(0))] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        for j, b in enumerate(q):
            c = cmul(a, b)
            out[i + j] = (out[i + j][0] + c[0], out[i + j][1] + c[1])
    return out


def det_series(a: np.ndarray, e: np.ndarray) -> list[complex]:
    """d^k/dt^k det(a + t e) at 0, k = 0..4, exactly (Leibniz: a polynomial in t)."""
    n = a.shape[0]
    total = [(Fraction(0), Fraction(0))] * (n + 1)
    for perm in itertools.permutations(range(n)):
        sign = np.linalg.det(np.eye(n)[list(perm)])
        term = [(Fraction(round(sign)), Fraction(0))]
        for i, j in enumerate(perm):
            term = poly_mul(term, [exact(a[i, j]), exact(e[i, j])])
        total = [(s[0] + t[0], s[1] + t[1]) for s, t in zip(total, term, strict=True)]
    factorial = [1, 1, 2, 6, 24]
    coefficients = total + [(Fraction(0), Fraction(0))] * (5 - len(total))
    pairs = zip(coefficients, factorial, strict=True)
    return [complex(float(c[0] * f), float(c[1] * f)) for c, f in pairs]


def stack(n: int, complex_: bool, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Four n x n matrices (the last singular for n > 1) and directions."""
    a = eighths(4, n, n, seed=seed)
    e = eighths(4, n, n, seed=seed + 1)
    if complex_:
        a = a + 1j * eighths(4, n, n, seed=seed + 2)
        e = e + 1j * eighths(4, n, n, seed=seed + 3)
    if n > 1:
        a[3, -1] = 2 * a[3, 0]  # rank n - 1
    return a, e


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_derivatives_along_a_line_to_degree_four(n: int, complex_: bool) -> None:
    a, e = stack(n, complex_, seed=10 * n)
    got = hd.taylor(np.linalg.det, a, e, 4, holomorphic=complex_)
    want = np.array([det_series(a[k], e[k]) for k in range(len(a))]).T
    np.testing.assert_array_equal(got[0], np.linalg.det(a))  # numpy's value
    scale = np.max(np.abs(want), axis=0)
    np.testing.assert_allclose(got[1:], want[1:] if complex_ else want[1:].real,
                               rtol=0, atol=4e-15 * float(np.max(scale)))  # fmt: skip


@pytest.mark.parametrize("kind", ["dual", "hyperdual", "float32"])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_first_and_second_parts_of_every_kind(n: int, kind: str) -> None:
    a, e = stack(n, False, seed=7 + n)
    want = np.array([det_series(a[k], e[k]) for k in range(len(a))]).real
    if kind == "dual":
        out = np.linalg.det(hd.dual(a, e))
        np.testing.assert_allclose(out.d, want[:, 1], rtol=1e-15, atol=1e-15)
        return
    if kind == "float32":
        e32 = e.astype(np.float32)
        out = np.linalg.det(hd.hyperdual(a.astype(np.float32), e32, e32))
        assert out.e1.dtype == np.float32
        np.testing.assert_allclose(out.e1, want[:, 1], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(out.e12, want[:, 2], rtol=1e-6, atol=1e-6)
        return
    out = np.linalg.det(hd.hyperdual(a, e, e))
    np.testing.assert_array_equal(out.value, np.linalg.det(a))
    np.testing.assert_allclose(out.e1, want[:, 1], rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(out.e12, want[:, 2], rtol=1e-15, atol=1e-14)


@pytest.mark.parametrize("n", [2, 3])
def test_hessian_of_a_singular_matrix_from_multilinearity(n: int) -> None:
    """d det / d a_ij is det(a, row i replaced by e_j); d2 det / d a_ij d a_kl is
    det(a, rows i and k replaced by e_j, e_l) for i != k and 0 for i == k."""
    a = np.outer(np.arange(1.0, n + 1), np.arange(2.0, n + 2)) / 8  # rank 1

    def replaced(rows: dict[int, int]) -> float:
        m = a.copy()
        for row, col in rows.items():
            m[row] = np.eye(n)[col]
        return det_series(m, np.zeros_like(m))[0].real

    grad = np.array([[replaced({i: j}) for j in range(n)] for i in range(n)])
    hess = np.zeros((n, n, n, n))
    for i, j, k, col in np.ndindex(n, n, n, n):
        if i != k:
            hess[i, j, k, col] = replaced({i: j, k: col})
    np.testing.assert_array_equal(hd.grad(np.linalg.det)(a), grad)
    np.testing.assert_array_equal(hd.hessian(np.linalg.det)(a), hess)


def test_non_finite_matrices_keep_the_general_rule() -> None:
    """A stack with an inf or nan entry takes the general rule (its nan parts)."""
    a = eighths(3, 2, 2, seed=3) + 2 * np.eye(2)
    a[1, 0, 0] = np.inf
    out = np.linalg.det(hd.dual(a, np.ones_like(a)))
    np.testing.assert_array_equal(out.value, np.linalg.det(a))
    assert np.isnan(out.d[1]) and np.all(np.isfinite(out.d[[0, 2]]))
