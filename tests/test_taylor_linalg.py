"""Linear algebra on Taylor arrays of degree 3 and more (issue 16): solve, inv, det,
slogdet and solve_triangular by their perturbation recurrences, against mpmath's
derivatives of t -> f(A + t V) at 50 digits; the rules written to order 2 refuse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest

import hyperdiff as hd

RNG = np.random.default_rng(1616)
N = 4
A = RNG.normal(size=(N, N)) + 3 * np.eye(N)  # well conditioned (1-norm condition < 10)
V = RNG.normal(size=(N, N))
B = RNG.normal(size=N)
ORDER = 6


def _mp_series(g: Callable[[Any], Any], order: int) -> np.ndarray:
    """d^k/dt^k of the entries of g(A + t V) at t = 0, k = 0 .. order (mpmath)."""
    with mpmath.workdps(50):
        a, v = mpmath.matrix(A.tolist()), mpmath.matrix(V.tolist())
        rows = []
        for k in range(order + 1):
            value = mpmath.diff(lambda t: g(a + t * v), 0, k)
            rows.append(
                np.array(value.tolist() if hasattr(value, "tolist") else value, dtype=float)
            )
        return np.array([np.ravel(r) for r in rows])


def _flat(planes: np.ndarray) -> np.ndarray:
    return planes.reshape(planes.shape[0], -1)


def _entries(m: Any) -> Any:
    return mpmath.matrix([[m[i, j] for j in range(m.cols)] for i in range(m.rows)])


@pytest.mark.parametrize(
    ("name", "ours", "reference"),
    [
        ("solve", lambda a: np.linalg.solve(a, B), lambda a: mpmath.lu_solve(a, mpmath.matrix(B))),
        ("inv", np.linalg.inv, lambda a: _entries(a**-1)),
        ("det", np.linalg.det, mpmath.det),
        ("slogdet", lambda a: np.linalg.slogdet(a)[1], lambda a: mpmath.log(abs(mpmath.det(a)))),
        (
            "solve_triangular",
            lambda a: hd.linalg.solve_triangular(a * np.triu(np.ones((N, N))), B),
            lambda a: mpmath.lu_solve(
                mpmath.matrix([[a[i, j] if j >= i else 0 for j in range(N)] for i in range(N)]),
                mpmath.matrix(B),
            ),
        ),
    ],
)
def test_linalg_at_degree_six_matches_mpmath(
    name: str, ours: Callable[[Any], Any], reference: Callable[[Any], Any]
) -> None:
    got = _flat(hd.taylor(ours, A, V, ORDER))
    want = _mp_series(reference, ORDER)
    for k in range(ORDER + 1):  # each degree to 1e-12 of its largest entry (det's
        # degrees 5 and 6 are zero: to 1e-12 of its lower ones)
        scale = max(1.0, float(np.max(np.abs(want[k] if name != "det" else want))))
        np.testing.assert_allclose(got[k], want[k], rtol=0, atol=1e-12 * scale)


def test_linalg_in_float32_complex_and_stacks() -> None:
    got = hd.taylor(np.linalg.inv, A.astype(np.float32), V.astype(np.float32), 4)
    assert got.dtype == np.float32
    want = _mp_series(lambda a: _entries(a**-1), 4)
    np.testing.assert_allclose(_flat(got), want, rtol=0, atol=2e-4 * np.max(np.abs(want)))
    # a stack of two matrices, complex: both against the real one's (V real)
    stack = np.stack([A, A]).astype(complex)
    got_c = hd.taylor(np.linalg.det, stack, np.stack([V, V]).astype(complex), 4, holomorphic=True)
    want_det = _mp_series(mpmath.det, 4)[:, 0]
    np.testing.assert_allclose(got_c[:, 0].real, want_det, rtol=1e-12)
    np.testing.assert_allclose(got_c[:, 1], got_c[:, 0], rtol=1e-15)
    assert np.all(got_c.imag == 0)


def test_mixed_partial_through_solve() -> None:
    # a bundle (order (2, 1)) through solve: d^3/dx^2 dy of solve(A + x V + y I, b)[0]
    def f(x: Any, y: Any) -> Any:
        return np.linalg.solve(A + x * V + y * np.eye(N), B)[0]

    got = hd.derivative(f, order=(2, 1), argnums=(0, 1))(0.0, 0.0)
    with mpmath.workdps(50):
        a, v, eye = mpmath.matrix(A.tolist()), mpmath.matrix(V.tolist()), mpmath.eye(N)
        want = mpmath.diff(
            lambda x, y: mpmath.lu_solve(a + x * v + y * eye, B.tolist())[0], (0, 0), (2, 1)
        )
    assert got == pytest.approx(float(want), rel=1e-12)


def test_rules_written_to_order_two_refuse_beyond_it() -> None:
    sym = A + A.T
    with pytest.raises(
        TypeError, match=r"numpy\.linalg\.eigh supports Taylor arrays to degree 2, not 3"
    ):
        hd.taylor(lambda a: np.linalg.eigh(a)[0], sym, V + V.T, 3)
    with pytest.raises(TypeError, match=r"numpy\.linalg\.cholesky .* not 4"):
        hd.taylor(np.linalg.cholesky, sym @ sym, V + V.T, 4)
    with pytest.raises(TypeError, match=r"scipy\.linalg\.lu_factor's mirror\) supports .* not 3"):
        hd.taylor(hd.linalg.lu_factor, A, V, 3)
    # det at a singular matrix: its rule there (adjugate, minors) is of order 2
    singular = np.outer(np.arange(1.0, 5.0), np.ones(N))
    with pytest.raises(TypeError, match=r"numpy\.linalg\.det of a Taylor array of degree 3"):
        hd.taylor(np.linalg.det, singular, V, 3)
    assert hd.taylor(np.linalg.det, singular, V, 2).shape == (3,)  # order 2 still answers
