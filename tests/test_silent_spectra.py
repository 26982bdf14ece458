"""Linear algebra at repeated and nearly repeated spectra.

1. svd had no sqrt(eps) guard (eigh has one, tests/test_silent_eigh.py): the singular
   values of 2 I + 0.3 m m^T with m's columns 1e-6 from parallel are 2 and 2 + 3.6e-14
   (1.6e-14 of the scale) apart and never meet, yet derivative() of svd's U was 15% off
   (|U| weighted: -3.429 where mpmath at 70 digits gives -2.970) and order 2 of the
   singular values 8% off (5.751 for 5.331). Now a gap below sqrt(eps) scale is refused
   where the parts divide by it (vectors, order >= 2), as in eigh.
2. Exactly repeated values, rounded into a float matrix, come out of LAPACK up to
   3 n eps scale apart: eigvalsh answered 9 of 300 such matrices (n eps was the rule;
   now 8 n eps), norm(A, 2), cond and svd some with a repeated largest singular value,
   and eigvals / eig of a non-normal matrix with a double eigenvalue 91 of 300 (its
   computed values are off by eps |A| cond(V), Bauer-Fike, so the pair splits far
   beyond n eps |w|): now refused, eig's tolerance scaled by |A|_F |V^-1|_F. There the
   sorted values and the vectors have no derivative: any number is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath as mp
import numpy as np
import pytest

import hyperdiff as hd

X = np.array([0.4, -0.7, 0.9, 0.3, 0.5, -0.2])
V = np.array([1.0, 0.5, -0.3, 0.2, 0.1, 0.4])
WEIGHTS = np.arange(9.0).reshape(3, 3)
PHASES = np.exp(1j * np.array([0.3, -1.1, 2.0]))


def _matrix(y: Any, closeness: float, complex_: bool = False) -> Any:
    """Symmetric positive definite (its singular values are its eigenvalues), with a
    pair 2, 2 + ~0.36 closeness^2 that never meets; complex: D M D^H, D unitary."""
    m = np.stack([y[:3], y[:3] * 1.1 + y[3:] * closeness], axis=1)  # 3 x 2
    a = 2.0 * np.eye(3) + 0.3 * (m @ m.T)
    return PHASES[:, None] * a * PHASES.conj()[None, :] if complex_ else a


def _u_weighted(closeness: float, complex_: bool = False) -> Callable[[Any], Any]:
    return lambda t: np.sum(
        np.abs(np.linalg.svd(_matrix(X + t * V, closeness, complex_))[0]) * WEIGHTS
    )


def _values_weighted(closeness: float) -> Callable[[Any], Any]:
    return lambda t: np.linalg.svd(_matrix(X + t * V, closeness), compute_uv=False) @ [3, 2, 1]


def _mp_svd(closeness: float, t: Any) -> tuple[Any, list[Any]]:
    y = [mp.mpf(float(a)) + t * mp.mpf(float(b)) for a, b in zip(X, V, strict=True)]
    c = mp.mpf(closeness)
    m0, m1 = y[:3], [y[i] * mp.mpf(1.1) + y[3 + i] * c for i in range(3)]
    a = mp.matrix(3, 3)
    for i in range(3):
        for j in range(3):
            a[i, j] = (2 if i == j else 0) + mp.mpf(0.3) * (m0[i] * m0[j] + m1[i] * m1[j])
    u, s, _ = mp.svd_r(a)
    order = sorted(range(3), key=lambda k: -s[k])
    return u, [s[k] for k in order] + [order]


def _mp_references(closeness: float) -> tuple[float, float]:
    """(d/dt sum |U| W, d2/dt2 sum (3, 2, 1) s) by central differences at 70 digits."""
    with mp.workdps(70):
        h = mp.mpf("1e-25")

        def u_weighted(t: Any) -> Any:
            u, rest = _mp_svd(closeness, t)
            order = rest[3]
            return sum(abs(u[i, order[j]]) * WEIGHTS[i, j] for i in range(3) for j in range(3))

        def values(t: Any) -> Any:
            s = _mp_svd(closeness, t)[1]
            return 3 * s[0] + 2 * s[1] + s[2]

        du = (u_weighted(h) - u_weighted(-h)) / (2 * h)
        d2 = (values(h) - 2 * values(0) + values(-h)) / h**2
        return float(du), float(d2)


def test_the_pair_is_as_described() -> None:
    # (to LAPACK's rounding, which differs by CPU: s[2] was 2 + 1e-14 on an AVX-512
    # machine; the pair's true gap is 0.36e-12)
    s = np.linalg.svd(_matrix(X, 1e-6), compute_uv=False)
    assert s[2] == pytest.approx(2.0, abs=1e-13) and 0 <= s[1] - s[2] < 1e-12


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("closeness", [1e-6, 1e-5])
@pytest.mark.parametrize(
    "transform",
    [
        lambda c, z: hd.derivative(_u_weighted(c, z))(0.0),
        lambda c, z: hd.derivative(
            lambda t: np.linalg.svd(_matrix(X + t * V, c, z), compute_uv=False), order=2
        )(0.0),
        lambda c, z: hd.hessian(lambda y: np.linalg.svdvals(_matrix(X + y[0] * V, c, z)))(
            np.zeros(1)
        ),
        lambda c, z: hd.derivative(
            lambda t: np.abs(np.linalg.svd(_matrix(X + t * V, c, z), hermitian=True)[0])
        )(0.0),
        lambda c, z: hd.derivative(lambda t: np.linalg.svd(_matrix(X + t * V, c, z))[2])(0.0),
    ],
    ids=["U", "values order 2", "hessian", "hermitian U", "Vh"],
)
def test_nearly_repeated_singular_values_are_refused_where_parts_divide_by_the_gap(
    transform: Any, closeness: float, complex_: bool
) -> None:
    with pytest.raises(np.linalg.LinAlgError, match="sqrt"):
        transform(closeness, complex_)


def test_first_order_singular_values_of_the_pair_still_answer() -> None:
    f = _values_weighted(1e-4)  # the pair 3.6e-10 apart
    h = 1e-4
    assert hd.derivative(f)(0.0) == pytest.approx((f(h) - f(-h)) / (2 * h), rel=1e-7)


@pytest.mark.parametrize("closeness", [1e-2, 0.3])  # gaps 3.6e-6 and 3.5e-3
def test_apart_svd_agrees_with_mpmath(closeness: float) -> None:
    du, d2 = _mp_references(closeness)
    assert hd.derivative(_u_weighted(closeness))(0.0) == pytest.approx(du, rel=1e-8)
    assert hd.derivative(_values_weighted(closeness), order=2)(0.0) == pytest.approx(d2, rel=1e-8)


def _exact_repeats(kind: str, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Matrices (and directions) whose exact spectrum repeats its first value, rounded
    into floats: symmetric, hermitian, non-normal diagonalizable ('general', 'complex
    general'), or rectangular with a repeated largest singular value ('rectangular')."""
    rng = np.random.default_rng(20261201)
    cases = []
    for trial in range(count):
        n = (3, 4, 6, 10)[trial % 4]
        w = rng.uniform(-2, 2, n)
        w[1] = w[0]
        scale = 10.0 ** rng.integers(-5, 6)
        d = rng.standard_normal((n, n))
        z = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
        if kind == "symmetric":
            q = np.linalg.qr(rng.standard_normal((n, n)))[0]
            a = scale * (q * w) @ q.T
            cases.append(((a + a.T) / 2, d + d.T))
        elif kind == "hermitian":
            q = np.linalg.qr(z)[0]
            a = scale * (q * w) @ q.conj().T
            cases.append(((a + a.conj().T) / 2, z + z.conj().T))
        elif kind == "general":
            x = rng.standard_normal((n, n))
            cases.append((scale * x @ np.diag(w) @ np.linalg.inv(x), d))
        elif kind == "complex general":
            cases.append((scale * z @ np.diag(w + 0.5j * w) @ np.linalg.inv(z), z))
        else:
            u = np.linalg.qr(rng.standard_normal((n + 2, n)))[0]
            v = np.linalg.qr(rng.standard_normal((n, n)))[0]
            s = np.abs(w)
            s[0] = s[1] = np.max(s) + 0.5
            cases.append((scale * (u * s) @ v.T, rng.standard_normal((n + 2, n))))
    return cases


@pytest.mark.parametrize(
    ("kind", "function"),
    [
        ("symmetric", np.linalg.eigvalsh),
        ("symmetric", lambda a: np.linalg.eigh(a)[1]),
        ("hermitian", np.linalg.eigvalsh),
        ("hermitian", lambda a: np.linalg.eigh(a)[1]),
        ("general", np.linalg.eigvals),
        ("complex general", np.linalg.eigvals),
        ("general", lambda a: np.linalg.eig(a)[1]),
        ("rectangular", lambda a: np.linalg.norm(a, 2)),
        ("rectangular", np.linalg.cond),
        ("rectangular", lambda a: np.linalg.svd(a)[0]),
    ],
    ids=[
        "eigvalsh",
        "eigh vectors",
        "complex eigvalsh",
        "complex eigh vectors",
        "eigvals",
        "complex eigvals",
        "eig vectors",
        "norm 2",
        "cond",
        "svd U",
    ],
)
def test_exactly_repeated_values_are_refused(kind: str, function: Any) -> None:
    answered = []
    for number, (a, d) in enumerate(_exact_repeats(kind, 120)):
        try:
            hd.derivative(lambda t, a=a, d=d: function(a + t * d))(0.0)
            answered.append(number)
        except np.linalg.LinAlgError:
            pass
    assert answered == []


def test_a_non_normal_pair_apart_still_answers() -> None:
    """eig's cond(V) scaled tolerance leaves a separated non-normal spectrum alone:
    eigenvalues of x diag(1, 1 + 1e-4, 3) x^-1 against mpmath."""
    x = np.array([[1.0, 0.5, 0.2], [0.1, 1.0, -0.3], [0.4, 0.2, 1.0]])
    d = np.array([[0.3, -0.2, 0.5], [0.1, 0.7, -0.4], [0.6, 0.2, -0.1]])
    a = x @ np.diag([1.0, 1.0 + 1e-4, 3.0]) @ np.linalg.inv(x)
    got = hd.derivative(lambda t: np.sort(np.linalg.eigvals(a + t * d).real))(0.0)
    with mp.workdps(60):
        h = mp.mpf("1e-25")

        def values(t: Any) -> list[Any]:
            e = mp.eig(mp.matrix(a.tolist()) + t * mp.matrix(d.tolist()))[0]
            return sorted(mp.re(v) for v in e)

        plus, minus = values(h), values(-h)
        want = [float((p - m) / (2 * h)) for p, m in zip(plus, minus, strict=True)]
    np.testing.assert_allclose(got, want, rtol=1e-8)


def _root_derivatives(degree: int) -> tuple[np.ndarray, np.ndarray, list[float], list[float]]:
    """Wilkinson's polynomial prod (x - k), k = 1..degree, moved along dc = 1e-3 (every
    coefficient): the roots' first and second derivatives, r' = -q(r) / p'(r) and
    r'' = -(p''(r) r'^2 + 2 q'(r) r') / p'(r), at 50 digits."""
    roots = np.arange(1.0, degree + 1)
    c = np.poly(roots)  # (integers below 2^53: exact)
    dc = np.full_like(c, 1e-3)
    first, second = [], []
    with mp.workdps(50):
        for r in roots:
            x = mp.mpf(r)
            dp = mp.fsum(mp.mpf(c[k]) * (degree - k) * x ** (degree - k - 1) for k in range(degree))
            ddp = mp.fsum(
                mp.mpf(c[k]) * (degree - k) * (degree - k - 1) * x ** (degree - k - 2)
                for k in range(degree - 1)
            )
            q = mp.fsum(mp.mpf(dc[k]) * x ** (degree - k) for k in range(degree + 1))
            dq = mp.fsum(
                mp.mpf(dc[k]) * (degree - k) * x ** (degree - k - 1) for k in range(degree)
            )
            r1 = -q / dp
            first.append(float(r1))
            second.append(float(-(ddp * r1**2 + 2 * dq * r1) / dp))
    return c, dc, first, second


@pytest.mark.parametrize(("degree", "order"), [(12, 2), (14, 2), (16, 1), (16, 2)])
def test_ill_conditioned_roots_are_refused(degree: int, order: int) -> None:
    """eig of the companion matrix (np.roots): the old answers were off by 490x
    (degree 12, order 2), 4e8x (14, order 2) and 9% (16, order 1) against mpmath; the
    eigenvalues' error bars eps |A| cond(V) now cover their gaps (LinAlgError)."""
    c, dc, _, _ = _root_derivatives(degree)
    with pytest.raises(np.linalg.LinAlgError):
        hd.derivative(lambda t: np.sort(np.roots(c + t * dc).real), order=order)(0.0)


@pytest.mark.parametrize(("degree", "order", "rtol"), [(5, 1, 1e-11), (5, 2, 1e-10), (8, 1, 1e-8)])
def test_better_conditioned_roots_still_answer(degree: int, order: int, rtol: float) -> None:
    c, dc, first, second = _root_derivatives(degree)
    got = hd.derivative(lambda t: np.sort(np.roots(c + t * dc).real), order=order)(0.0)
    np.testing.assert_allclose(got, first if order == 1 else second, rtol=rtol)
