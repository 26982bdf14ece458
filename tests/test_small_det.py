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


# --- inv and slogdet of small matrices (linalg._small_inverse, slogdet's small path) --
def to_exact(m: np.ndarray) -> list[list[Any]]:
    return [[exact(v) for v in row] for row in m]


def cadd(a: Any, b: Any) -> Any:
    return (a[0] + b[0], a[1] + b[1])


def cdiv(a: Any, b: Any) -> Any:
    norm = b[0] * b[0] + b[1] * b[1]
    return ((a[0] * b[0] + a[1] * b[1]) / norm, (a[1] * b[0] - a[0] * b[1]) / norm)


def mat_mul(x: list[list[Any]], y: list[list[Any]]) -> list[list[Any]]:
    n, k, m = len(x), len(y), len(y[0])
    zero = (Fraction(0), Fraction(0))
    out = [[zero] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            for p in range(k):
                out[i][j] = cadd(out[i][j], cmul(x[i][p], y[p][j]))
    return out


def exact_inverse(m: list[list[Any]]) -> list[list[Any]]:
    """Gauss-Jordan in exact arithmetic (m invertible)."""
    n = len(m)
    one, zero = (Fraction(1), Fraction(0)), (Fraction(0), Fraction(0))
    rows = [list(r) + [one if i == j else zero for j in range(n)] for i, r in enumerate(m)]
    for c in range(n):
        pivot = next(r for r in range(c, n) if rows[r][c] != zero)
        rows[c], rows[pivot] = rows[pivot], rows[c]
        p = rows[c][c]
        rows[c] = [cdiv(v, p) for v in rows[c]]
        for r in range(n):
            if r != c and rows[r][c] != zero:
                f = rows[r][c]
                rows[r] = [
                    cadd(v, cmul((-f[0], -f[1]), w)) for v, w in zip(rows[r], rows[c], strict=True)
                ]
    return [row[n:] for row in rows]


def inverse_series(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    """d^k/dt^k (a + t e)^-1 at 0, k = 0..4: k! a^-1 (-e a^-1)^k, exactly."""
    inverse = exact_inverse(to_exact(a))
    step = mat_mul([[(-v[0], -v[1]) for v in row] for row in to_exact(e)], inverse)
    out, term, factorial = [], inverse, 1
    for k in range(5):
        out.append([[complex(float(v[0] * factorial), float(v[1] * factorial)) for v in row]
                    for row in term])  # fmt: skip
        term = mat_mul(term, step)
        factorial *= k + 1
    return np.array(out)


def log_det_series(a: np.ndarray, e: np.ndarray) -> list[float]:
    """d^k/dt^k log|det(a + t e)| at 0, k = 1..4 (real a, e; det(a) != 0): log(p(t) /
    p(0)) of the exact polynomial p, as a power series."""
    p = [Fraction(v.real) for v in det_series(a, e)]  # derivatives: coefficients * k!
    c = [p[k] / [1, 1, 2, 6, 24][k] for k in range(5)]
    q = [v / c[0] for v in c]  # 1 + q1 t + ...
    log = [Fraction(0)] * 5  # log(1 + u), u = q - 1: sum (-1)^(j+1) u^j / j
    u = [Fraction(0), *q[1:]]
    power = [Fraction(1)] + [Fraction(0)] * 4
    for j in range(1, 5):
        power = [sum(power[i] * u[k - i] for i in range(k + 1)) for k in range(5)]
        log = [lv + Fraction((-1) ** (j + 1), j) * pv for lv, pv in zip(log, power, strict=True)]
    return [float(log[k] * [1, 1, 2, 6, 24][k]) for k in range(1, 5)]


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_inverse_along_a_line_to_degree_four(n: int, complex_: bool) -> None:
    a, e = stack(n, complex_, seed=30 + n)
    a = a[:3] + 3 * np.eye(n)  # (invertible)
    e = e[:3]
    got = hd.taylor(np.linalg.inv, a, e, 4, holomorphic=complex_)
    want = np.stack([inverse_series(a[k], e[k]) for k in range(3)], axis=1)
    np.testing.assert_array_equal(got[0], np.linalg.inv(a))  # numpy's value
    scale = float(np.max(np.abs(want)))
    np.testing.assert_allclose(got[1:], want[1:] if complex_ else want[1:].real,
                               rtol=0, atol=1e-14 * scale)  # fmt: skip


def test_inverse_of_a_singular_matrix_raises_as_numpy() -> None:
    a = np.stack([np.eye(2), [[1.0, 2.0], [2.0, 4.0]]])
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.inv(hd.dual(a, np.ones_like(a)))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_slogdet_along_a_line_to_degree_four(n: int) -> None:
    a, e = stack(n, False, seed=40 + n)
    a = a[:3] + np.diag([-3.0] + [3.0] * (n - 1))  # (a negative det among them)
    e = e[:3]
    got = hd.taylor(lambda m: np.linalg.slogdet(m)[1], a, e, 4)
    np.testing.assert_array_equal(got[0], np.linalg.slogdet(a)[1])  # numpy's value
    want = np.array([log_det_series(a[k], e[k]) for k in range(3)]).T
    scale = float(np.max(np.abs(want)))
    np.testing.assert_allclose(got[1:], want, rtol=0, atol=1e-13 * scale)
    sign = np.linalg.slogdet(hd.dual(a, e))[0]
    np.testing.assert_array_equal(sign, np.linalg.slogdet(a)[0])


def test_slogdet_of_a_stack_with_a_singular_matrix() -> None:
    a = np.stack([np.eye(2) * 2, [[1.0, 2.0], [2.0, 4.0]], [[0.0, 1.0], [3.0, 1.0]]])
    out = np.linalg.slogdet(hd.dual(a, eighths(3, 2, 2, seed=5)))[1]
    np.testing.assert_array_equal(out.value, np.linalg.slogdet(a)[1])
    assert np.isnan(out.d[1]) and np.all(np.isfinite(out.d[[0, 2]]))


# --- eigvalsh of 2 x 2 stacks in closed form ---------------------------------------------
def _mp_eigenvalues(a0: np.ndarray, a1: np.ndarray, t0: float, order: int) -> list[float]:
    """d^order/dt^order of the ascending eigenvalues of a0 + t a1 at t0, by mpmath's
    own symmetric eigensolver at 50 digits (an independent reference)."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50

    def eigenvalue(k: int) -> Any:
        def f(t: Any) -> Any:
            m = mpmath.matrix([[a0[i, j] + t * a1[i, j] for j in range(2)] for i in range(2)])
            values = sorted(mpmath.eigsy(m, eigvals_only=True))
            return values[k]

        return mpmath.diff(f, mpmath.mpf(t0), order)

    return [float(eigenvalue(k)) for k in range(2)]


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigvalsh_2x2_against_mpmath(order: int, uplo: str) -> None:
    a0 = np.array([[2.0, 0.75], [0.75, -1.0]])
    a1 = np.array([[0.5, -1.25], [-1.25, 2.0]])
    # the other triangle holds garbage, which eigvalsh never reads
    junk = np.array([[0.0, 9.0], [0.0, 0.0]]) if uplo == "L" else np.array([[0.0, 0.0], [9.0, 0.0]])

    def f(t: Any) -> Any:
        return np.linalg.eigvalsh(a0 + t * a1 + junk * (1.0 + t), UPLO=uplo)

    got = np.asarray(hd.derivative(f, order=order)(0.3))
    want = _mp_eigenvalues(a0, a1, 0.3, order)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["dual", "hyperdual", "dualvec", "float32"])
def test_eigvalsh_2x2_stacks_against_the_general_rule(kind: str, monkeypatch: Any) -> None:
    """The closed form against the rotations' rule (another implementation, switched on
    by hand), the value numpy's eigvalsh to the bit."""
    from hyperdiff import linalg

    rng = np.random.default_rng(11)
    value = rng.standard_normal((400, 2, 2))
    value = value + np.swapaxes(value, -1, -2)
    parts = rng.standard_normal((4, 400, 2, 2))
    if kind == "dual":
        a = hd.dual(value, parts[0])
    elif kind == "hyperdual":
        a = hd.hyperdual(value, parts[0], parts[1], parts[2])
    elif kind == "dualvec":
        a = hd.dualvec(value, parts[:3])
    else:
        a = hd.dual(value.astype(np.float32), parts[0].astype(np.float32))
    got = np.asarray(np.linalg.eigvalsh(a)._stack)
    np.testing.assert_array_equal(got[0], np.linalg.eigvalsh(np.asarray(a._stack)[0]))
    monkeypatch.setattr(linalg, "_eigvalsh_2x2", None)  # (a call would fail)
    monkeypatch.setattr(linalg, "_small", lambda a: False)
    want = np.asarray(np.linalg.eigvalsh(a)._stack)
    gaps = np.abs(np.diff(got[0], axis=-1))[..., 0]
    well = gaps > 1e-2 * np.max(np.abs(got[0]), axis=-1)  # (well separated: both accurate)
    tol = 1e-4 if kind == "float32" else 1e-11
    scale = np.max(np.abs(want)) + 1
    assert np.all(np.abs(got[1:, well] - want[1:, well]) <= tol * scale)


def test_eigvalsh_2x2_repeated_and_non_finite() -> None:
    """Repeated eigenvalues are refused as by the general rule; a part that is not
    finite takes the general rule."""
    a = hd.dual(np.eye(2), np.array([[1.0, 0.0], [0.0, 2.0]]))
    with pytest.raises(np.linalg.LinAlgError, match="repeated eigenvalues"):
        np.linalg.eigvalsh(a)
    b = hd.dual(np.diag([1.0, 3.0]), np.array([[np.inf, 0.0], [0.0, 1.0]]))
    got = np.asarray(np.linalg.eigvalsh(b)._stack)
    np.testing.assert_array_equal(got[0], [1.0, 3.0])
    assert np.isinf(got[1][0]) and got[1][1] == 1.0
