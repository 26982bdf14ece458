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


# 2. Mixed partials at t = 0 of the t cdfs. Their partials in df run formulas in |t| (a
# sign, or t^2/(t^2 + df) under betainc), whose slope dual arithmetic cannot see at t = 0:
# d^2 F / d df dt there (the derivative in df of the density at 0) was 0, silently:
# stdtr(0.75, t)'s is 0.0923, nctdtr(0.75, 2, t)'s 0.0125; the inverses' at their p
# (stdtrit(0.75, p) at p = 1/2: -1.03) likewise.


def _t_density_at_zero(df: Any, nc: Any = 0) -> Any:
    """The (noncentral) t density at t = 0: e^(-nc^2/2) Gamma((df+1)/2) / (sqrt(df pi)
    Gamma(df/2))."""
    return mp.exp(-(nc**2) / 2) * mp.gamma((df + 1) / 2) / (mp.sqrt(df * mp.pi) * mp.gamma(df / 2))


STUDENT_DF = [0.05, 0.75, 3.0, 7.5, 19.3, 20.0, 55.5, 1e4]
# name: (F(df, t) with the other arguments, F's inverse in t given p, the nc)
T_CDFS: dict[str, tuple[Callable[..., Any], Callable[..., Any], float]] = {
    "stdtr": (sc.stdtr, sc.stdtrit, 0.0),
    "nctdtr": (lambda d, t: sc.nctdtr(d, 1.5, t), lambda d, p: sc.nctdtrit(d, 1.5, p), 1.5),
    "nctdtr(nc = -0.5)": (
        lambda d, t: sc.nctdtr(d, -0.5, t),
        lambda d, p: sc.nctdtrit(d, -0.5, p),
        -0.5,
    ),
}


@pytest.mark.parametrize("name", sorted(T_CDFS))
@pytest.mark.parametrize("df", STUDENT_DF)
def test_t_cdfs_mixed_partial_at_zero(name: str, df: float) -> None:
    cdf, inverse, nc = T_CDFS[name]
    if name != "stdtr" and df > 100:
        pytest.skip("scipy's nctdtr is Boost's series: slow at large df")
    f = _t_density_at_zero(mp.mpf(df), mp.mpf(nc))
    reference = mp.diff(lambda n: _t_density_at_zero(n, mp.mpf(nc)), mp.mpf(df))
    hessian = hd.hessian(lambda v: cdf(v[0], v[1]))(np.array([df, 0.0]))
    assert _close(hessian[0, 1], reference, 1e-14), (df, hessian[0, 1], reference)
    assert hessian[1, 0] == hessian[0, 1]
    assert hessian[0, 0] == 0  # (F(df, 0) does not depend on df)
    nested = hd.derivative(lambda d: hd.derivative(lambda t: cdf(d, t))(0.0))(df)
    assert _close(nested, reference, 1e-14), (df, nested, reference)
    # the inverse t(df, p) at p = F(df, 0): t = 0 and t_(df p) = -F_(df t) / F_t^2
    p = float(cdf(df, 0.0))
    if inverse(df, p) != 0:
        pytest.skip("the inverse's root is not exactly 0")
    mixed = hd.hessian(lambda v: inverse(v[0], v[1]))(np.array([df, p]))[0, 1]
    assert _close(mixed, -reference / f**2, 1e-13), (df, mixed, -reference / f**2)


def test_stdtr_mixed_partial_at_zero_among_points_and_float32() -> None:
    """t = 0 among other points of an array (elementwise Hessians) and in float32."""
    df = np.array([0.75, 0.75, 3.0, 3.0])
    t = np.array([0.0, 0.5, 0.0, -2.0])
    blocks = hd.hessian(lambda d, u: sc.stdtr(d, u), argnums=(0, 1), elementwise=True)(df, t)
    for i in range(4):
        dfi, ti = mp.mpf(df[i]), mp.mpf(t[i])
        # d/d df of Student's density at t: the reference by mpmath's pdf
        reference = mp.diff(
            lambda n, u=ti: _t_density_at_zero(n) * (1 + u**2 / n) ** (-(n + 1) / 2), dfi
        )
        assert _close(blocks[0][1][i], reference, 1e-12), (i, blocks[0][1][i], reference)
    single = hd.hessian(lambda v: sc.stdtr(v[0], v[1]))(np.array([0.75, 0.0], dtype=np.float32))
    assert single.dtype == np.float32
    reference = mp.diff(_t_density_at_zero, mp.mpf(float(np.float32(0.75))))
    assert _close(float(single[0, 1]), reference, 1e-6)


# 3. Kummer's and Gauss's series in their parameters at x = 0 (z = 0). The series' loop
# left out x = 0, where the terms' values are 0 but not their parts: a x/b's mixed partial
# in (a, x) is 1/b. d^2 hyp1f1 / da dx at x = 0 was 0 for 1/b, d^2 hyp2f1 / da dz 0 for
# b/c, silently.
HYP1F1_PARAMETERS = [(0.75, 3.0), (0.0, 3.0), (2.0, 0.5), (5.5, 1.25)]
HYP2F1_PARAMETERS = [(0.25, 1.5, 0.25), (0.0, 0.0, 1.0), (1.0, 2.0, 3.0), (3.5, 0.5, 7.0)]


def _hessian_reference(function: Callable[..., Any], point: tuple[float, ...]) -> Any:
    n = len(point)
    return np.array(
        [
            [
                float(mp.diff(function, point, tuple(int(i == k) + int(j == k) for k in range(n))))
                for j in range(n)
            ]
            for i in range(n)
        ]
    )


@pytest.mark.parametrize("x", [0.0, -0.0])
@pytest.mark.parametrize("a, b", HYP1F1_PARAMETERS)
def test_hyp1f1_hessian_at_zero(a: float, b: float, x: float) -> None:
    got = hd.hessian(lambda v: sc.hyp1f1(v[0], v[1], v[2]))(np.array([a, b, x]))
    reference = _hessian_reference(mp.hyp1f1, (a, b, x))
    assert np.allclose(got, reference, rtol=1e-14, atol=0), (got, reference)
    nested = hd.derivative(lambda s: hd.derivative(lambda u: sc.hyp1f1(s, b, u))(x))(a)
    assert nested == pytest.approx(1 / b, rel=1e-15)


@pytest.mark.parametrize("z", [0.0, -0.0])
@pytest.mark.parametrize("a, b, c", HYP2F1_PARAMETERS)
def test_hyp2f1_hessian_at_zero(a: float, b: float, c: float, z: float) -> None:
    got = hd.hessian(lambda v: sc.hyp2f1(v[0], v[1], v[2], v[3]))(np.array([a, b, c, z]))
    reference = _hessian_reference(mp.hyp2f1, (a, b, c, z))
    assert np.allclose(got, reference, rtol=1e-14, atol=0), (got, reference)


def test_series_parameters_at_zero_among_points_and_at_nan() -> None:
    """x = 0 among other points (elementwise), and nan where scipy's value is nan."""
    a = np.array([0.75, 0.75, 2.0])
    x = np.array([0.0, 0.5, 0.0])
    blocks = hd.hessian(lambda s, u: sc.hyp1f1(s, 3.0, u), argnums=(0, 1), elementwise=True)(a, x)
    for i in range(3):
        reference = mp.diff(lambda s, u: mp.hyp1f1(s, 3, u), (a[i], x[i]), (1, 1))
        assert _close(blocks[0][1][i], reference, 1e-14), (i, blocks[0][1][i], reference)
    at_nan = hd.hessian(lambda v: sc.hyp2f1(v[0], v[1], v[2], v[3]))(np.array([1, 2, 3, np.nan]))
    assert np.all(np.isnan(at_nan))
    at_nan = hd.hessian(lambda v: sc.hyp1f1(v[0], v[1], v[2]))(np.array([1.0, 2.0, np.nan]))
    assert np.all(np.isnan(at_nan))


# 4. No derivative where scipy's value is nan. The rules of functions of several arguments
# gave finite partials at arguments outside the domain: betainc(10, -0.5, x)'s in x
# 5.1e-4, gdtr(10, 1, -0.5)'s 1484, wright_bessel(10, -2, 2.5)'s 2e-4, fdtrc(-1, -7.5,
# 1)'s 0.619, and 0 for the partials that come from formulas or counts (fdtr, bdtr,
# nbdtr, eval_gegenbauer), silently. Every kind's parts are nan there now.
NAN_CASES = [
    ("betainc", (10.0, -0.5, 0.5)),
    ("betaincc", (10.0, -0.5, 0.5)),
    ("gdtr", (10.0, 1.0, -0.5)),
    ("gdtrc", (10.0, 1.0, -0.5)),
    ("fdtr", (40.0, -0.0, 10.0)),
    ("fdtrc", (-1.0, -7.5, 1.0)),
    ("wright_bessel", (10.0, -2.0, 2.5)),
    ("bdtr", (-7.5, 1.001, 3.0)),
    ("nbdtrc", (10.0, 0.999, 2.5)),
    ("eval_gegenbauer", (-1e300, -0.5, 2.5)),
]


@pytest.mark.parametrize("name, point", NAN_CASES, ids=[c[0] for c in NAN_CASES])
def test_parts_are_nan_where_scipy_s_value_is(name: str, point: tuple[float, ...]) -> None:
    function = getattr(sc, name)
    assert np.isnan(function(*point))
    v = np.array(point)
    gradient = hd.grad(lambda u: function(*u))(v)  # DualVec
    hessian = hd.hessian(lambda u: function(*u))(v)  # HyperDualVec
    assert np.all(np.isnan(gradient)) and np.all(np.isnan(hessian)), (gradient, hessian)
    for i in range(len(point)):  # Dual and HyperDual, one argument at a time

        def partial(t: Any, i: int = i) -> Any:
            return function(*point[:i], t, *point[i + 1 :])

        for order in (1, 2):
            got = hd.derivative(partial, order=order)(np.array([point[i], 0.5]))
            assert np.isnan(got[0]), (i, order, got)


# 5. scipy.special's Python functions that convert an argument with np.asarray and call a
# ufunc on the object array (jvp's order, comb's and perm's arguments) raised numpy's
# "ufunc 'jv' not supported for the input types", naming neither them nor what to use.
OBJECT_REFUSALS = [
    ("jvp", lambda v: sc.jvp(v, 2.0), "scipy.special.jv in v"),
    ("yvp", lambda v: sc.yvp(v, 2.0, 2), "scipy.special.yv in v"),
    ("ivp", lambda v: sc.ivp(v, 2.0), "scipy.special.iv in v"),
    ("kvp", lambda v: sc.kvp(v, 2.0), "scipy.special.kv in v"),
    ("h1vp", lambda v: sc.h1vp(v, 2.0), "scipy.special.hankel1 in v"),
    ("h2vp", lambda v: sc.h2vp(v, 2.0), "scipy.special.hankel2 in v"),
    ("comb", lambda n: sc.comb(n, 2.0), "scipy.special.binom"),
    ("comb", lambda k: sc.comb(5.0, k), "scipy.special.binom"),
    ("perm", lambda k: sc.perm(5.0, k), "scipy.special.poch"),
]


@pytest.mark.parametrize(
    "name, call, alternative",
    OBJECT_REFUSALS,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(OBJECT_REFUSALS)],
)
def test_object_array_functions_refuse_naming_themselves(
    name: str, call: Callable[[Any], Any], alternative: str
) -> None:
    with pytest.raises(TypeError, match=rf"scipy\.special\.{name} .*{alternative}"):
        hd.derivative(call)(np.array([0.7, 1.3]))


def test_bessel_derivatives_in_z_still_differentiate() -> None:
    """jvp's z is no object array: J_v''(z) and J_v'''(z) against mpmath."""
    z = np.array([0.7, 3.5])
    for order in (1, 2):
        got = hd.derivative(lambda u: sc.jvp(2.5, u), order=order)(z)
        for zi, g in zip(z, got, strict=True):
            reference = mp.diff(lambda u: mp.besselj(2.5, u), mp.mpf(zi), order + 1)
            assert _close(g, reference, 1e-13), (order, zi, g, reference)


def test_log_wright_bessel_refusal_names_it() -> None:
    """Its series' refusals named scipy.special.wright_bessel, not the function called."""
    for function in (sc.wright_bessel, sc.log_wright_bessel):
        name = function.__name__
        with pytest.raises(TypeError, match=rf"scipy\.special\.{name} in a and b"):
            hd.derivative(lambda a, f=function: f(a, 1.5, 0.0))(0.5)


def test_bessel_derivatives_in_a_scalar_order() -> None:
    """A 0-d order gets through scipy's np.asarray (numpy hands jv the dual scalar):
    d/dv and d^2/dv^2 of J_v'(2) at v = 1.5 against mpmath."""
    for order in (1, 2):
        got = hd.derivative(lambda v: sc.jvp(v, 2.0), order=order)(1.5)
        reference = mp.diff(lambda v: mp.diff(lambda z: mp.besselj(v, z), 2), 1.5, order)
        assert _close(float(got), reference, 1e-12), (order, got, reference)
