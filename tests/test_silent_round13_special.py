"""Round 13, scipy.special: derivatives against independent references (mpmath, dps 50).

1. Counts scipy truncates. scipy's binomial and negative binomial cdfs take their counts
   as C ints: bdtr(k, n, p) truncates n (bdtr(0, 2.5, p) is (1 - p)^2), nbdtr(k, n, p)
   truncates k and n (nbdtr(-0.5, 2.5, p) is p^2). The rules used the float n (and
   floor(k) for nbdtr), so their derivatives in p belonged to another function:
   `derivative(lambda p: bdtr(0, 2.5, p))(0.3)` was -1.464 (the value's -1.4), at
   floor(k) = n (a constant 1) -0.327 instead of 0, and nbdtr(-0.5, n, p) gave 0 for
   n p^(n-1), silently; the inverses bdtri, nbdtri (through the same rules) likewise,
   and pdtri(-0.5, y), which truncates k where pdtr floors it, gave nan parts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath as mp
import numpy as np
import pytest

import hyperdiff as hd

sc = pytest.importorskip("scipy.special")

mp.mp.dps = 50

pytestmark = [
    # (scipy's own warnings on a float count it truncates)
    pytest.mark.filterwarnings("ignore:floating point number truncated:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:non-integer arg n is deprecated:DeprecationWarning"),
]


def _binomial_cdf(k: int, n: int, p: Any) -> Any:
    """P(X <= k), X ~ Binomial(n, p), as the finite sum (1 at k >= n)."""
    return mp.fsum(mp.binomial(n, j) * p**j * (1 - p) ** (n - j) for j in range(min(k, n) + 1))


def _negative_binomial_cdf(k: int, n: int, p: Any) -> Any:
    """scipy's nbdtr: P(at most k failures before the n-th success), success rate p."""
    return mp.fsum(mp.binomial(n + j - 1, j) * p**n * (1 - p) ** j for j in range(k + 1))


def _poisson_cdf(k: int, m: Any) -> Any:
    return mp.fsum(mp.exp(-m) * m**j / mp.factorial(j) for j in range(k + 1))


# name: (scipy's function of (k, n, p), the reference F(k, n, p) at scipy's counts, the
# counts scipy uses: bdtr floors k and truncates n, nbdtr truncates both)
def _trunc(x: float) -> int:
    return int(np.trunc(x))


def _floor(x: float) -> int:
    return int(np.floor(x))


CDFS: dict[str, tuple[Callable[..., Any], Callable[..., Any], Callable[[float, float], Any]]] = {
    "bdtr": (sc.bdtr, _binomial_cdf, lambda k, n: (_floor(k), _trunc(n))),
    "bdtrc": (
        sc.bdtrc,
        lambda k, n, p: 1 - _binomial_cdf(k, n, p) if k >= 0 else mp.mpf(1),
        lambda k, n: (_floor(k), _trunc(n)),
    ),
    "nbdtr": (sc.nbdtr, _negative_binomial_cdf, lambda k, n: (_trunc(k), _trunc(n))),
    "nbdtrc": (
        sc.nbdtrc,
        lambda k, n, p: 1 - _negative_binomial_cdf(k, n, p),
        lambda k, n: (_trunc(k), _trunc(n)),
    ),
}
# (k, n): fractional n; fractional k of either sign; floor(k) = trunc(n) (bdtr constant)
COUNTS = [(0.5, 2.5), (1.7, 4.9), (-0.5, 3.0), (-0.5, 2.5), (2.3, 2.5), (1.0, 3.0), (0.0, 1.5)]


def _close(got: float, reference: Any, rtol: float) -> bool:
    return bool(abs(got - float(reference)) <= rtol * max(abs(float(reference)), 1e-300))


@pytest.mark.parametrize("name", sorted(CDFS))
@pytest.mark.parametrize("k, n", COUNTS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_count_cdfs_in_p_at_scipy_s_counts(name: str, k: float, n: float, dtype: Any) -> None:
    function, reference, counts = CDFS[name]
    ki, ni = counts(k, n)
    p = np.array([0.3, 0.7], dtype=dtype)
    values = function(dtype(k), dtype(n), p)
    rtol = 1e-13 if dtype == np.float64 else 1e-5
    for order in (1, 2):
        got = hd.derivative(lambda q: function(dtype(k), dtype(n), q), order=order)(p)
        assert got.dtype == dtype
        for pv, value, g in zip(p, values, got, strict=True):
            if np.isnan(value):  # (bdtr at k < 0, nbdtr at k < 0: no derivative either)
                assert np.isnan(g), (name, k, n, order, g)
                continue
            exact = mp.diff(lambda q: reference(ki, ni, q), mp.mpf(float(pv)), order)
            assert _close(float(g), exact, rtol), (name, k, n, float(pv), order, g, exact)


@pytest.mark.parametrize("name", sorted(CDFS))
def test_count_cdfs_dualvec_and_mixed_kinds(name: str) -> None:
    """A gradient (DualVec) and a Hessian (HyperDualVec) of sums over points, k and n
    fractional: the diagonal of F'' and F' at scipy's counts."""
    function, reference, counts = CDFS[name]
    k, n = 1.5, 4.5
    ki, ni = counts(k, n)
    p = np.array([0.2, 0.45, 0.8])
    grad = hd.grad(lambda q: np.sum(function(k, n, q)))(p)
    hess = hd.hessian(lambda q: np.sum(function(k, n, q)))(p)
    for i, pv in enumerate(p):
        f1 = mp.diff(lambda q: reference(ki, ni, q), mp.mpf(float(pv)), 1)
        f2 = mp.diff(lambda q: reference(ki, ni, q), mp.mpf(float(pv)), 2)
        assert _close(grad[i], f1, 1e-13), (name, pv, grad[i], f1)
        assert _close(hess[i, i], f2, 1e-13), (name, pv, hess[i, i], f2)
    assert np.all(hess[~np.eye(3, dtype=bool)] == 0)


# inverses in the probability: p(y) with F(k, n, p) = y at scipy's counts; p' = 1 / F_p,
# p'' = -F_pp / F_p^3 (F's derivatives from the finite sums)
INVERSES: dict[str, tuple[Callable[..., Any], str]] = {
    "bdtri": (sc.bdtri, "bdtr"),
    "nbdtri": (sc.nbdtri, "nbdtr"),
}


@pytest.mark.parametrize("name", sorted(INVERSES))
@pytest.mark.parametrize("k, n", [(0.5, 2.5), (1.7, 4.9), (-0.5, 3.0), (1.0, 3.0)])
def test_count_inverses_in_y_at_scipy_s_counts(name: str, k: float, n: float) -> None:
    inverse, forward = INVERSES[name]
    _, reference, counts = CDFS[forward]
    ki, ni = counts(k, n)
    y = np.array([0.3, 0.6])
    values = inverse(k, n, y)
    first = hd.derivative(lambda t: inverse(k, n, t))(y)
    second = hd.derivative(lambda t: inverse(k, n, t), order=2)(y)
    for pv, g1, g2 in zip(values, first, second, strict=True):
        if np.isnan(pv):
            assert np.isnan(g1) and np.isnan(g2), (name, k, n, g1, g2)
            continue
        f1 = mp.diff(lambda q: reference(ki, ni, q), mp.mpf(float(pv)), 1)
        f2 = mp.diff(lambda q: reference(ki, ni, q), mp.mpf(float(pv)), 2)
        assert _close(g1, 1 / f1, 1e-11), (name, k, n, g1, 1 / f1)
        assert _close(g2, -f2 / f1**3, 1e-10), (name, k, n, g2, -f2 / f1**3)


@pytest.mark.parametrize("k", [-0.5, 0.5, 2.7])
def test_pdtri_at_its_truncated_count(k: float) -> None:
    """pdtri(k, y) = m with Q(trunc(k) + 1, m) = y: m'(y) = 1 / F_m, F = pdtr."""
    ki = int(np.trunc(k))
    y = np.array([0.3, 0.6])
    m = sc.pdtri(k, y)
    got = hd.derivative(lambda t: sc.pdtri(k, t), order=2)(y)
    first = hd.derivative(lambda t: sc.pdtri(k, t))(y)
    for mv, g1, g2 in zip(m, first, got, strict=True):
        f1 = mp.diff(lambda q: _poisson_cdf(ki, q), mp.mpf(float(mv)), 1)
        f2 = mp.diff(lambda q: _poisson_cdf(ki, q), mp.mpf(float(mv)), 2)
        assert _close(g1, 1 / f1, 1e-11), (k, g1, 1 / f1)
        assert _close(g2, -f2 / f1**3, 1e-10), (k, g2, -f2 / f1**3)


# 2. stdtr's mixed partial at t = 0. Its partials in df run stdtr's formula, whose branch
# near t = 0 is 1/2 + sign(t)/2 I(...) with the sign a constant: 0 at t = 0, which dropped
# the term's slope, so d^2 stdtr / d df dt at t = 0 was 0 (the derivative in df of the
# density at 0: 0.0923 at df = 0.75), and stdtrit's at p = 1/2 (-1.03) likewise, silently.


def _student_density_at_zero(df: Any) -> Any:
    return mp.gamma((df + 1) / 2) / (mp.sqrt(df * mp.pi) * mp.gamma(df / 2))


STUDENT_DF = [0.05, 0.75, 3.0, 7.5, 19.3, 20.0, 55.5, 1e4]


@pytest.mark.parametrize("df", STUDENT_DF)
def test_stdtr_mixed_partial_at_zero(df: float) -> None:
    reference = mp.diff(_student_density_at_zero, mp.mpf(df))
    hessian = hd.hessian(lambda v: sc.stdtr(v[0], v[1]))(np.array([df, 0.0]))
    assert _close(hessian[0, 1], reference, 1e-14), (df, hessian[0, 1], reference)
    assert hessian[1, 0] == hessian[0, 1]
    assert hessian[0, 0] == 0 and hessian[1, 1] == 0  # (stdtr(df, 0) = 1/2; the density's peak)
    nested = hd.derivative(lambda d: hd.derivative(lambda t: sc.stdtr(d, t))(0.0))(df)
    assert _close(nested, reference, 1e-14), (df, nested, reference)
    # stdtrit(df, p) = t: at p = 1/2, t = 0 and t_(df p) = -f_df / f^2 (f the density at 0)
    inverse = hd.hessian(lambda v: sc.stdtrit(v[0], v[1]))(np.array([df, 0.5]))
    expected = -reference / _student_density_at_zero(mp.mpf(df)) ** 2
    assert _close(inverse[0, 1], expected, 1e-14), (df, inverse[0, 1], expected)


def test_stdtr_mixed_partial_at_zero_among_points_and_float32() -> None:
    """t = 0 among other points of an array (elementwise Hessians) and in float32."""
    df = np.array([0.75, 0.75, 3.0, 3.0])
    t = np.array([0.0, 0.5, 0.0, -2.0])
    blocks = hd.hessian(lambda d, u: sc.stdtr(d, u), argnums=(0, 1), elementwise=True)(df, t)
    for i in range(4):
        dfi, ti = mp.mpf(df[i]), mp.mpf(t[i])
        # d/d df of Student's density at t: the reference by mpmath's pdf
        reference = mp.diff(
            lambda n, u=ti: _student_density_at_zero(n) * (1 + u**2 / n) ** (-(n + 1) / 2), dfi
        )
        assert _close(blocks[0][1][i], reference, 1e-12), (i, blocks[0][1][i], reference)
    single = hd.hessian(lambda v: sc.stdtr(v[0], v[1]))(np.array([0.75, 0.0], dtype=np.float32))
    assert single.dtype == np.float32
    reference = mp.diff(_student_density_at_zero, mp.mpf(float(np.float32(0.75))))
    assert _close(float(single[0, 1]), reference, 1e-6)
