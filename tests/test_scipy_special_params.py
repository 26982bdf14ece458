"""scipy.special partials in parameters without closed forms (src/hyperdiff/_special.py:
the classic series and continued fractions run in hyperdiff's dual arithmetic), against
mpmath's functions differentiated by mp.diff at 30 digits, at random points across the
domain (tails, x near a, tiny and large shapes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

sc = pytest.importorskip("scipy.special")
mp = pytest.importorskip("mpmath")

EPS = np.finfo(np.float64).eps


def _lower(a: Any, x: Any) -> Any:
    return mp.gammainc(a, 0, x, regularized=True)


def _upper(a: Any, x: Any) -> Any:
    return mp.gammainc(a, x, mp.inf, regularized=True)


def _root(f: Callable[[Any], Any], start: float) -> Any:
    """The t with f(t) = 0 near scipy's float64 answer (mpmath's secant from there)."""
    return mp.findroot(f, mp.mpf(start))


def test_incomplete_gamma_in_its_shape() -> None:
    """P_a and P_aa (hyper-dual in a) at a log-uniform in [1e-8, 1e4] and x near a or
    anywhere in [e^-30, e^5]: within 16 ulps times P_a's conditioning in a and x
    (1 + a |log(x/a)| + |x - a|: the series' prefactor x^a e^-x scaled to scipy's value).
    The references differentiate the side that is not 1 - tiny (P for x < a, else Q)."""
    rng = np.random.default_rng(14)
    a = np.exp(rng.uniform(np.log(1e-8), np.log(1e4), 24))
    x = np.where(
        np.arange(24) % 2 == 0,
        a * np.exp(rng.normal(0.0, 1.0, 24) * np.where(np.arange(24) % 4 == 0, 0.05, 1.0)),
        np.exp(rng.uniform(-30.0, 5.0, 24)),
    )
    y = sc.gammainc(hd.hyperdual(a, 1.0, 1.0), x)
    np.testing.assert_array_equal(y.value, sc.gammainc(a, x))
    with mp.workdps(30):
        for i, (p, q) in enumerate(zip(a.tolist(), x.tolist(), strict=True)):
            s, t = mp.mpf(p), mp.mpf(q)
            f, sign = (_lower, 1) if q < p else (_upper, -1)
            want = [sign * float(mp.diff(lambda v, f=f, t=t: f(v, t), s, n)) for n in (1, 2)]
            if abs(want[0]) < 1e-290:
                continue  # (underflowed tails)
            rtol = 16 * EPS * (1 + p * abs(np.log(q / p)) + abs(q - p))
            np.testing.assert_allclose(y.e1[i], want[0], rtol=rtol, err_msg=f"{p}, {q}")
            # (P_aa against its own size or P_a's: it crosses 0 where P_a is extreme)
            tol = rtol * max(abs(want[1]), abs(want[0]))
            np.testing.assert_allclose(y.e12[i], want[1], atol=tol, err_msg=f"{p}, {q}")


def _beta_lower(a: Any, b: Any, x: Any) -> Any:
    return mp.betainc(a, b, 0, x, regularized=True)


def _student(df: Any, t: Any) -> Any:
    x = df / (df + t * t)
    half = mp.betainc(df / 2, mp.mpf(1) / 2, 0, x, regularized=True) / 2
    return 1 - half if t > 0 else half


def _fisher(n: Any, d: Any, x: Any) -> Any:
    return mp.betainc(n / 2, d / 2, 0, n * x / (n * x + d), regularized=True)


def _gamma_cdf(a: Any, b: Any, x: Any) -> Any:  # gdtr: a the rate, b the shape
    return _lower(b, a * x)


def _chi2_cdf(v: Any, x: Any) -> Any:
    return _lower(v / 2, x / 2)


def _chi2_sf(v: Any, x: Any) -> Any:
    return _upper(v / 2, x / 2)


def _beta_upper(a: Any, b: Any, x: Any) -> Any:
    return 1 - _beta_lower(a, b, x)


def _poisson_weights(mu: Any) -> list[Any]:
    """e^-mu mu^j/j! for j = 0 .. mu + 12 sqrt(mu) + 40 (the rest below 1e-40), the count
    rounded up to tens (mp.diff's steps must not change it)."""
    weights = [mp.exp(-mu)]
    for j in range(1, int(mu + 12 * mp.sqrt(mu) + 40) // 10 * 10 + 10):
        weights.append(weights[-1] * mu / j)
    return weights


def _chi2_noncentral(x: Any, k: Any, nc: Any) -> Any:
    """The Poisson(nc/2) mixture of P(k/2 + j, x/2), P(a + 1, y) = P(a, y) - y^a e^-y/Gamma(a + 1)
    (DLMF 8.8.5) at mpmath's precision."""
    a, y = k / 2, x / 2
    total, p = mp.mpf(0), _lower(a, y)
    for j, w in enumerate(_poisson_weights(nc / 2)):
        total += w * p
        p -= mp.exp((a + j) * mp.log(y) - y - mp.loggamma(a + j + 1))
    return total


def _f_noncentral(n: Any, d: Any, nc: Any, f: Any) -> Any:
    """The Poisson(nc/2) mixture of I_y(n/2 + j, d/2), y = n f/(d + n f),
    I_y(a + 1, b) = I_y(a, b) - y^a (1 - y)^b/(a B(a, b)) (DLMF 8.17.20)."""
    a, b, y = n / 2, d / 2, n * f / (d + n * f)
    total, p = mp.mpf(0), _beta_lower(a, b, y)
    for j, w in enumerate(_poisson_weights(nc / 2)):
        total += w * p
        c = a + j
        p -= mp.exp(c * mp.log(y) + b * mp.log1p(-y) - mp.log(c) - mp.log(mp.beta(c, b)))
    return total


# cdflib's continuous binomial, negative binomial and Poisson cdfs (bdtrik, ... invert them)
def _binomial(k: Any, n: Any, p: Any) -> Any:
    return _beta_lower(n - k, k + 1, 1 - p)


def _negative_binomial(k: Any, n: Any, p: Any) -> Any:
    return _beta_lower(n, k + 1, p)


def _poisson(k: Any, m: Any) -> Any:
    return _upper(k + 1, m)


# name: (function, mpmath reference, point): every partial and second partial at once. An
# inverse's reference is (F, i): the root t of F(args with t at i) = args[i], by
# mpmath's secant from scipy's answer
IN_EVERY_ARGUMENT: dict[str, tuple[Callable[..., Any], Any, tuple[float, ...]]] = {
    "gammainc": (sc.gammainc, _lower, (2.7, 1.9)),
    "gammaincc": (sc.gammaincc, _upper, (0.45, 3.5)),
    "chdtr": (sc.chdtr, _chi2_cdf, (4.5, 3.0)),
    "chdtrc": (sc.chdtrc, _chi2_sf, (3.3, 9.1)),
    "gdtr": (sc.gdtr, _gamma_cdf, (0.7, 3.2, 4.1)),
    "gdtrc": (sc.gdtrc, lambda a, b, x: 1 - _gamma_cdf(a, b, x), (0.6, 3.3, 2.1)),
    # (not y = 0.3: x = 1.49995 is P's mode, where x_yy crosses 0)
    "gammaincinv": (sc.gammaincinv, (_lower, 1), (2.5, 0.6)),
    "gammainccinv": (sc.gammainccinv, (_upper, 1), (0.8, 0.6)),
    "chdtri": (sc.chdtri, (_chi2_sf, 1), (3.5, 0.3)),
    "chdtriv": (sc.chdtriv, (_chi2_cdf, 0), (0.4, 3.1)),
    "gdtrib": (sc.gdtrib, (_gamma_cdf, 1), (0.8, 0.4, 3.1)),
    "gdtrix": (sc.gdtrix, (_gamma_cdf, 2), (0.8, 2.5, 0.4)),
    "gdtria": (sc.gdtria, (_gamma_cdf, 0), (0.4, 2.5, 1.7)),
    # through betainc (the t cdf both sides of |t| = sqrt(df), where its form switches)
    "stdtr": (sc.stdtr, _student, (3.5, 1.2)),
    "stdtr(t < 0)": (sc.stdtr, _student, (0.7, -4.0)),
    "stdtr(small t)": (sc.stdtr, _student, (7.0, -1e-3)),
    "stdtrit": (sc.stdtrit, (_student, 1), (6.0, 0.1)),
    "fdtr": (sc.fdtr, _fisher, (3.0, 5.5, 0.8)),
    "fdtrc": (sc.fdtrc, lambda n, d, x: 1 - _fisher(n, d, x), (0.7, 12.0, 3.0)),
    # betainc's inverses, in the shapes too (the implicit function theorem, 3 variables)
    "betaincinv": (sc.betaincinv, (_beta_lower, 2), (2.0, 3.5, 0.3)),
    "betainccinv": (sc.betainccinv, (_beta_upper, 2), (0.5, 1.5, 0.7)),
    "btdtria": (sc.btdtria, (_beta_lower, 0), (0.4, 2.0, 0.3)),
    "btdtrib": (sc.btdtrib, (_beta_lower, 1), (1.5, 0.4, 0.3)),
    # the noncentral distributions in their degrees of freedom (Poisson mixtures on duals)
    "chndtr": (sc.chndtr, _chi2_noncentral, (3.0, 2.5, 1.3)),
    "chndtr(nc = 30)": (sc.chndtr, _chi2_noncentral, (40.0, 4.0, 30.0)),
    "ncfdtr": (sc.ncfdtr, _f_noncentral, (3.0, 7.0, 2.0, 1.5)),
    # inverses in a shape or a count (cdflib's continuous counts)
    "stdtridf": (sc.stdtridf, (_student, 0), (0.8, 1.3)),
    "fdtridfd": (sc.fdtridfd, (_fisher, 1), (3.0, 0.6, 1.5)),
    "pdtrik": (sc.pdtrik, (_poisson, 0), (0.4, 3.0)),
    "bdtrik": (sc.bdtrik, (_binomial, 0), (0.4, 10.0, 0.3)),
    "bdtrin": (sc.bdtrin, (_binomial, 1), (3.3, 0.4, 0.3)),
    "nbdtrik": (sc.nbdtrik, (_negative_binomial, 0), (0.4, 5.0, 0.3)),
    "nbdtrin": (sc.nbdtrin, (_negative_binomial, 1), (3.3, 0.4, 0.3)),
    "chndtridf": (sc.chndtridf, (_chi2_noncentral, 1), (3.0, 0.4, 1.3)),
    "chndtrix": (sc.chndtrix, (_chi2_noncentral, 0), (0.4, 3.0, 1.3)),
    "chndtrinc": (sc.chndtrinc, (_chi2_noncentral, 2), (6.0, 3.0, 0.4)),
    "ncfdtridfd": (sc.ncfdtridfd, (_f_noncentral, 1), (2.0, 0.4, 1.3, 1.1)),
    "ncfdtridfn": (sc.ncfdtridfn, (_f_noncentral, 0), (0.48, 3.0, 1.3, 1.1)),
}


# (3-20 s each: an mpmath mixture inside findroot inside mp.diff)
SLOW = {"chndtridf", "chndtrinc", "chndtrix", "ncfdtridfd", "ncfdtridfn"}


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=[pytest.mark.slow] * (n in SLOW)) for n in sorted(IN_EVERY_ARGUMENT)],
)
def test_in_every_argument(name: str) -> None:
    """hd.grad and hd.hessian (DualVec, HyperDualVec) in all arguments, the shapes too."""
    f, ref, point = IN_EVERY_ARGUMENT[name]
    z = np.array(point)
    n = len(point)
    if isinstance(ref, tuple):
        forward, i = ref
        # the inverse at the p scipy's answer solves (cdflib's are roots to its tolerance:
        # ncfdtridfd's 1e-6)
        answer = float(f(*point))
        with mp.workdps(40):
            shift = forward(*map(mp.mpf, point[:i]), answer, *map(mp.mpf, point[i + 1 :]))
            shift -= point[i]

        def ref(*args: Any) -> Any:
            target = args[i] + shift
            return _root(lambda t: forward(*args[:i], t, *args[i + 1 :]) - target, answer)

    def at(i: int, j: int | None = None) -> float:
        orders = tuple(int(k == i) + int(k == j) for k in range(n))
        with mp.workdps(40):  # (the inverses' roots inside mp.diff's steps)
            return float(mp.diff(ref, tuple(mp.mpf(p) for p in point), orders))

    rtol = 1e-12 if name == "ncfdtridfd" else 1e-13  # (5e-13: cdflib's root is 1e-6 off)
    np.testing.assert_allclose(hd.grad(lambda v: f(*v))(z), [at(i) for i in range(n)], rtol=rtol)
    upper = {(i, j): at(i, j) for i in range(n) for j in range(i, n)}
    want = np.array([[upper[min(i, j), max(i, j)] for j in range(n)] for i in range(n)])
    got = hd.hessian(lambda v: f(*v))(z)  # (atol: entries 1e-3 of the largest, fdtrc's F_dfd,x)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-15 * np.max(np.abs(want)))


def test_gamma_shape_edges() -> None:
    """P is constant in a at x = 0 and x = inf (partials 0); nan where scipy's value is;
    shapes beyond the checked range raise (but only when the shape is a dual array and
    the side computed, P for x < a + 1, else Q, has not underflowed to 0)."""
    a = hd.hyperdual(np.array([1.0, 2.0, -1.0, 2.0, 2.0]), 1.0, 1.0)
    y = sc.gammainc(a, np.array([0.0, np.inf, 1.0, -1.0, np.nan]))
    np.testing.assert_array_equal(y.e1, [0.0, 0.0, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(y.e12, [0.0, 0.0, np.nan, np.nan, np.nan])
    with pytest.raises(TypeError, match=r"scipy\.special\.gammainc .* only for a <= 10000"):
        sc.gdtr(1.0, hd.dual(np.array([2e4]), 1.0), 2e4)
    y = sc.gammainc(hd.dual(np.array([2e4]), 1.0), 3.0)  # (P underflows to 0: so do partials)
    assert y.value[0] == 0.0 and y.d[0] == 0.0
    x = sc.gammainc(2e4, hd.dual(np.array([2e4]), 1.0))  # (in x: the density, any a)
    with mp.workdps(30):
        want = mp.diff(lambda t: _lower(mp.mpf(2e4), t), mp.mpf(2e4))
    np.testing.assert_allclose(x.d, [float(want)], rtol=1e-12)


def test_distributions_in_their_shapes() -> None:
    """hd.stats' gamma, beta and t cdfs differentiate in their shapes and degrees of
    freedom through gammainc, betainc and stdtr."""
    x, scale = 2.5, 1.5
    s = hd.hyperdual(np.array([1.7]), 1.0, 1.0)
    for y, ref in (
        (hd.stats.gamma.cdf(x, s, scale=scale), lambda a: _lower(a, mp.mpf(x) / scale)),
        (hd.stats.beta.cdf(0.3, s, 2.5), lambda a: _beta_lower(a, 2.5, mp.mpf(0.3))),
        (hd.stats.t.cdf(x, s, scale=scale), lambda df: _student(df, mp.mpf(x) / scale)),
    ):
        with mp.workdps(30):
            want = [float(mp.diff(ref, mp.mpf(1.7), n)) for n in (1, 2)]
        np.testing.assert_allclose([y.e1[0], y.e12[0]], want, rtol=1e-13)


def _gradient_and_hessian(
    f: Callable[..., Any], p: float, q: float, digits: int
) -> tuple[list[float], list[list[float]]]:
    """mp.diff's gradient and Hessian of an mpmath function of two variables at (p, q)."""
    with mp.workdps(digits):
        point = (mp.mpf(p), mp.mpf(q))
        grad = [float(mp.diff(f, point, o)) for o in ((1, 0), (0, 1))]
        orders = (((2, 0), (1, 1)), ((1, 1), (0, 2)))
        return grad, [[float(mp.diff(f, point, o)) for o in row] for row in orders]


def test_incomplete_beta_in_its_shapes() -> None:
    """I_a, I_b and their second partials (hd.hessian in (a, b)) at a, b log-uniform in
    [1e-3, 1e4], x near the mean or anywhere in (0, 1): within 64 ulps times
    (1 + a |log x| + b |log(1 - x)|) of the largest partial (references: the side that is
    not 1 - tiny, I or -I_(1-x)(b, a), by mp.diff at 30 digits)."""
    rng = np.random.default_rng(16)
    n = 10
    a, b = np.exp(rng.uniform(np.log(1e-3), np.log(1e4), (2, n)))
    mean = a / (a + b)
    spread = np.sqrt(mean * (1 - mean) / (a + b + 1))
    x = np.where(
        np.arange(n) % 2 == 0,
        np.clip(mean + rng.normal(0.0, 1.0, n) * spread, 1e-6, 1 - 1e-6),
        rng.uniform(0.0, 1.0, n),
    )
    for p, q, t in zip(a.tolist(), b.tolist(), x.tolist(), strict=True):
        if t < p / (p + q):
            ref = lambda u, v, t=t: _beta_lower(u, v, mp.mpf(t))  # noqa: E731
        else:
            ref = lambda u, v, t=t: -_beta_lower(v, u, 1 - mp.mpf(t))  # noqa: E731
        grad, hess = _gradient_and_hessian(ref, p, q, 30)
        scale = max(map(abs, [*grad, *hess[0], *hess[1]]))
        if scale < 1e-280:
            continue  # (underflowed, or in the subnormal range where scipy's value is)
        tol = 64 * EPS * (1 + p * abs(np.log(t)) + q * abs(np.log1p(-t))) * scale
        f = lambda v, t=t: sc.betainc(v[0], v[1], t)  # noqa: E731
        np.testing.assert_allclose(hd.grad(f)(np.array([p, q])), grad, rtol=0, atol=tol)
        np.testing.assert_allclose(hd.hessian(f)(np.array([p, q])), hess, rtol=0, atol=tol)


def test_incomplete_beta_in_every_argument_and_edges() -> None:
    """betainc and betaincc: the full 3 x 3 Hessian at one point; constant in a, b at
    x = 0 and 1; nan outside; shapes beyond 1e4 raise where the value has not underflowed."""
    point = (2.5, 0.75, 0.6)

    def at(i: int, j: int | None = None) -> float:
        orders = tuple(int(k == i) + int(k == j) for k in range(3))
        with mp.workdps(30):
            return float(mp.diff(_beta_lower, tuple(mp.mpf(v) for v in point), orders))

    hess = [[at(i, j) for j in range(3)] for i in range(3)]
    for f, sign in ((sc.betainc, 1.0), (sc.betaincc, -1.0)):
        np.testing.assert_allclose(
            hd.hessian(lambda v, f=f: f(*v))(np.array(point)), sign * np.array(hess), rtol=1e-13
        )
    a = hd.hyperdual(np.array([2.0, 2.0, -1.0, 2.0]), 1.0, 1.0)
    y = sc.betainc(a, 3.0, np.array([0.0, 1.0, 0.5, 1.5]))
    np.testing.assert_array_equal(y.e1, [0.0, 0.0, np.nan, np.nan])
    np.testing.assert_array_equal(y.e12, [0.0, 0.0, np.nan, np.nan])
    with pytest.raises(TypeError, match=r"scipy\.special\.betainc .* only up to 10000"):
        sc.betainc(hd.dual(np.array([2e4]), 1.0), 2e4, 0.5)


def test_bessel_k_in_its_order() -> None:
    """kv and kve in (v, x) by hd.hessian at v in [-30, 40] (both signs: K is even in v)
    and x log-uniform in [1e-3, 500]: within 64 ulps times (1 + |v| log(1 + |v|/x) + x)
    of mp.diff at 40 digits (mpmath's besselk itself fails at orders in the hundreds);
    v = 0: K_v = 0 exactly; complex z raises."""
    rng = np.random.default_rng(10)
    v = rng.uniform(-30.0, 40.0, 6)
    x = np.exp(rng.uniform(np.log(1e-3), np.log(500.0), 6))
    for f, scale, points in ((sc.kv, lambda t: 1, slice(0, 4)), (sc.kve, mp.exp, slice(4, 6))):
        for p, q in zip(v[points].tolist(), x[points].tolist(), strict=True):
            if not 0 < f(p, q) < np.inf:
                continue  # (over- or underflowed)
            ref = lambda s, t, scale=scale: mp.besselk(s, t) * scale(t)  # noqa: E731
            grad, hess = _gradient_and_hessian(ref, p, q, 40)
            rtol = 64 * EPS * (1 + abs(p) * np.log1p(abs(p) / q) + q)
            g = lambda z, f=f: f(z[0], z[1])  # noqa: E731
            np.testing.assert_allclose(hd.grad(g)(np.array([p, q])), grad, rtol=rtol)
            np.testing.assert_allclose(hd.hessian(g)(np.array([p, q])), hess, rtol=rtol)
    y = sc.kv(hd.hyperdual(np.array([0.0]), 1.0, 1.0), 1.3)
    assert y.e1[0] == 0.0
    with pytest.raises(
        TypeError, match=r"scipy\.special\.kv and kve in their order v only at real z"
    ):
        sc.kv(hd.dual(np.array([1.0]), 1.0), 1.0 + 1.0j)


# --- derivatives of any order by recurrences that do not cancel (Entry.series) ---------
def _erfcx(t: Any) -> Any:
    return mp.exp(t * t) * mp.erfc(t)


def _dawsn(t: Any) -> Any:
    return mp.sqrt(mp.pi) / 2 * mp.exp(-t * t) * mp.erfi(t)


def _log_ndtr(t: Any) -> Any:
    return mp.log(mp.ncdf(t)) if t < 0 else mp.log1p(-mp.ncdf(-t))


# name: (function, mpmath reference, points (tails, the switches between methods), rtol)
SERIES: dict[str, tuple[Callable[..., Any], Callable[..., Any], list[float], float]] = {
    "erfcx": (sc.erfcx, _erfcx, [-20.0, -3.0, -0.4, 0.0, 0.3, 0.6, 1.5, 5.0, 9.0, 1e3], 2e-14),
    "dawsn": (
        sc.dawsn,
        _dawsn,
        [-40.0, -2.2, -0.5, 0.0, 0.9, 1.5, 2.5, 3.7, 6.0, 8.5, 12.0, 1e4],
        2e-14,
    ),
    # (between -3 and 0 log Phi's high derivatives are 1e-4 of the terms of any recurrence:
    # a sweep of [-3.5, 0.5] at order 10 found 8e-12 at worst)
    "log_ndtr": (
        sc.log_ndtr,
        _log_ndtr,
        [-1e3, -40.0, -8.0, -2.0, -1.2, -0.619, -0.3, 0.0, 2.0, 20.0],
        1.5e-11,
    ),
}


@pytest.mark.parametrize("name", sorted(SERIES))
def test_series_entries_at_every_order(name: str) -> None:
    """Orders 3, 6 and 10 against mp.diff at 40 digits (the old f' series cancelled:
    order 8 of erfcx at 5 was 7e-8 off, of log_ndtr at -8, 2e-3)."""
    f, exact, points, rtol = SERIES[name]
    with mp.workdps(40):
        for x0 in points:
            for k in (3, 6, 10):
                want = float(mp.diff(exact, mp.mpf(x0), k))
                got = hd.derivative(f, order=k)(x0)
                # (dawsn's even derivatives at 0 are 0: mp.diff's are 1e-100)
                assert got == pytest.approx(want, rel=rtol, abs=1e-90), (x0, k)


def test_series_entries_compose_with_an_input_curve() -> None:
    """Taylor arrays of any input curve x(t) (Horner's rule in x - x0): hd.taylor with
    x', x'' against mpmath's Taylor coefficients of f(x(t)); the value is scipy's."""
    x0, curve = 2.5, [0.7, -1.3]
    for f, exact in ((sc.erfcx, _erfcx), (sc.dawsn, _dawsn), (sc.log_ndtr, _log_ndtr)):
        planes = hd.taylor(f, np.array([x0]), [np.array([c]) for c in curve], 6)[:, 0]
        assert planes[0] == f(x0)
        with mp.workdps(40):
            path = lambda t, g=exact: g(x0 + curve[0] * t + curve[1] * t * t / 2)  # noqa: E731
            want = [float(c * mp.factorial(k)) for k, c in enumerate(mp.taylor(path, 0, 6))]
        np.testing.assert_allclose(planes, want, rtol=1e-13)


def test_series_entries_second_order_and_refusals() -> None:
    """Hyper-duals take f' and f'' from the same series (the closed forms 2xD - 2/sqrt(pi)
    and their derivative lost 9e-13 at 6.9); complex Taylor arrays raise."""
    x = np.array([4.0, 6.9])
    for f, exact in ((sc.erfcx, _erfcx), (sc.dawsn, _dawsn)):
        y = f(hd.hyperdual(x, 1.0, 1.0))
        with mp.workdps(40):
            want = [[float(mp.diff(exact, mp.mpf(p), n)) for p in x] for n in (1, 2)]
        np.testing.assert_allclose([y.e1, y.e12], want, rtol=4 * EPS)
    with pytest.raises(TypeError, match=r"scipy\.special\.erfcx of complex Taylor arrays"):
        hd.derivative(sc.erfcx, order=3, holomorphic=True)(0.3 + 0.2j)


# every argument of the inverses and noncentral cdfs above, each a hyper-dual in turn
NEW_IN_EVERY_ARGUMENT = [
    "chndtr", "ncfdtr", "stdtridf", "fdtridfd", "pdtrik", "bdtrik", "bdtrin",
    "nbdtrik", "nbdtrin", "chndtridf", "ncfdtridfd", "ncfdtridfn",
]  # fmt: skip


def test_values_are_scipys_bit_for_bit() -> None:
    """The rules add derivatives and leave scipy's value untouched, in every argument."""
    for name in NEW_IN_EVERY_ARGUMENT:
        f, _, point = IN_EVERY_ARGUMENT[name]
        want = f(*point)
        for i in range(len(point)):
            args: list[Any] = list(point)
            args[i] = hd.hyperdual(np.array([point[i]]), 1.0, 1.0)
            np.testing.assert_array_equal(f(*args).value, [want], err_msg=f"{name}[{i}]")


@pytest.mark.filterwarnings("ignore:floating point number truncated:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:non-integer arg n is deprecated:DeprecationWarning")
def test_counts_scipy_floors_differentiate_to_zero() -> None:
    """pdtr's k, bdtr's k and n, nbdtr's k and n, smirnov's n (and their inverses in p): scipy
    floors or truncates them, so their partials are 0 (as np.floor's), the others mp.diff's."""
    k = hd.hyperdual(np.array([3.5]), 1.0, 1.0)
    for y in (sc.pdtr(k, 2.0), sc.bdtr(k, 10, 0.3), sc.nbdtr(k, 5, 0.3), sc.bdtri(k, 10, 0.4)):
        assert y.e1[0] == 0.0 and y.e12[0] == 0.0
    for f in (sc.smirnov, sc.smirnovi):
        y = f(k, 0.3)
        assert y.e1[0] == 0.0 and y.e12[0] == 0.0 and y.value[0] == f(3.5, 0.3)
    n = hd.hyperdual(np.array([10.0]), 1.0, 1.0)
    for y in (sc.bdtr(3, n, 0.3), sc.nbdtrc(3, n, 0.3), sc.nbdtri(3, n, 0.4)):
        assert y.e1[0] == 0.0 and y.e12[0] == 0.0
    m = hd.hyperdual(np.array([2.0]), 1.0, 1.0)
    y = sc.pdtr(3.7, m)  # (in m: Q(4, m)'s)
    with mp.workdps(30):
        want = [float(mp.diff(lambda t: _upper(4, t), 2, n)) for n in (1, 2)]
    np.testing.assert_allclose([y.e1[0], y.e12[0]], want, rtol=1e-14)


def test_inverses_without_a_root_give_nan() -> None:
    """cdflib returns its search bound (1e100, 1e10, ...) where F = p has no root: the
    derivatives there are nan, not F's rule at the bound."""
    for y in (
        sc.stdtridf(hd.hyperdual(np.array([1.0, 0.8]), 1.0, 1.0), 1.3),
        sc.nctdtridf(hd.hyperdual(np.array([0.4, 0.6]), 1.0, 1.0), 1.3, np.array([1.0, 2.0])),
    ):
        assert np.isnan(y.e1[0]) and np.isnan(y.e12[0]) and np.isfinite(y.e1[1])


def test_noncentral_mixtures_refuse_beyond_their_terms() -> None:
    """The Poisson mixtures sum up to 10^4 terms: beyond, a TypeError naming them (only for
    a dual degrees of freedom: in x and nc the closed forms hold at any nc)."""
    with pytest.raises(TypeError, match=r"scipy\.special\.chndtr, ncfdtr, nctdtr .* 10000"):
        sc.chndtr(2e4, hd.dual(np.array([3.0]), 1.0), 2e4)
    y = sc.chndtr(2e4, 3.0, hd.dual(np.array([2e4]), 1.0))
    assert np.isfinite(y.d[0])


@pytest.mark.parametrize("df, nc, t", [(5.0, 1.2, 2.0), (3.5, -0.8, -1.5), (12.0, 1.0, 1.5)])
def test_noncentral_t_in_df(df: float, nc: float, t: float) -> None:
    """nctdtr's partials in df (Lenth's Poisson mixture of betainc on dual arrays) against
    its definition F = int Phi(t s - nc) rho(s) ds, rho the density of sqrt(chi2_df/df),
    differentiated under the integral (mpmath's quadrature, 30 digits): with
    L = d log(rho)/d df = log(df/2)/2 + 1/2 - psi(df/2)/2 + log s - s^2/2,
    F_df = int Phi rho L, F_df,df = int Phi rho (L^2 + L'), L' = 1/(2 df) - psi1(df/2)/4,
    F_df,nc = -int phi rho L, F_df,t = int s phi rho L. nctdtridf by composition
    (nctdtr(nctdtridf(p, nc, t), nc, t) = p: gradient (1, 0, 0), Hessian 0)."""
    z = np.array([df, nc, t])
    grad = hd.grad(lambda v: sc.nctdtr(*v))(z)
    hess = hd.hessian(lambda v: sc.nctdtr(*v))(z)
    with mp.workdps(30):
        v, mu, x = mp.mpf(df), mp.mpf(nc), mp.mpf(t)
        c = mp.log(2) + v / 2 * mp.log(v / 2) - mp.loggamma(v / 2)
        base = mp.log(v / 2) / 2 + mp.mpf(1) / 2 - mp.psi(0, v / 2) / 2
        slope = 1 / (2 * v) - mp.psi(1, v / 2) / 4

        def mean(h: Callable[[Any], Any], power: int = 1) -> Any:  # int h rho L^power
            def g(s: Any) -> Any:
                rho = mp.exp(c + (v - 1) * mp.log(s) - v * s * s / 2)
                return rho * h(s) * (base + mp.log(s) - s * s / 2) ** power

            return mp.quad(g, [0, 0.5, 1, 2, 4, mp.inf])

        cdf = lambda s: mp.ncdf(x * s - mu)  # noqa: E731
        f_df = float(mean(cdf))
        f_dfdf = float(mean(cdf, 2) + slope * mean(cdf, 0))
        f_dfnc = float(mean(lambda s: -mp.npdf(x * s - mu)))
        f_dft = float(mean(lambda s: s * mp.npdf(x * s - mu)))
    np.testing.assert_allclose(grad[0], f_df, rtol=1e-12)
    np.testing.assert_allclose(hess[0], [f_dfdf, f_dfnc, f_dft], rtol=1e-12)
    p = float(sc.nctdtr(df, nc, t))
    back = np.array([p, nc, t])
    composed = lambda u: sc.nctdtr(sc.nctdtridf(*u), u[1], u[2])  # noqa: E731
    np.testing.assert_allclose(hd.grad(composed)(back), [1, 0, 0], atol=1e-8)
    np.testing.assert_allclose(hd.hessian(composed)(back), np.zeros((3, 3)), atol=1e-6)


def _gradient_hessian_mp(f: Callable[..., Any], point: tuple[float, ...]) -> tuple[Any, Any]:
    """mp.diff's gradient and Hessian of an mpmath function at point (30 digits)."""
    n = len(point)
    with mp.workdps(30):
        z = tuple(mp.mpf(p) for p in point)

        def at(*ks: int) -> float:
            return float(mp.diff(f, z, tuple(sum(k == i for k in ks) for i in range(n))))

        return [at(i) for i in range(n)], [[at(i, j) for j in range(n)] for i in range(n)]


@pytest.mark.parametrize(
    "point",
    [(0.117, 7.35, 18.4), (8.91, 0.298, 42.2), (1.85, 22.6, -17.0), (13.6, 14.8, 12.5)],
)
def test_kummer_in_its_parameters(point: tuple[float, ...]) -> None:
    """hyp1f1 in (a, b, x) (a, b by Kummer's series on dual arrays, positive terms; x < 0 by
    Kummer's transformation) against mp.diff of mpmath's hyp1f1: 2e-14 (random points in
    a, b in [0.1, 30], x in [-30, 60]: 1.3e-14 at worst); a < 0 refuses."""
    grad, hess = _gradient_hessian_mp(mp.hyp1f1, point)
    z = np.array(point)
    np.testing.assert_allclose(hd.grad(lambda v: sc.hyp1f1(*v))(z), grad, rtol=2e-14)
    got = hd.hessian(lambda v: sc.hyp1f1(*v))(z)
    np.testing.assert_allclose(got, hess, rtol=2e-14, atol=2e-14 * np.max(np.abs(hess)))
    assert sc.hyp1f1(*point[:2], hd.dual(np.array([point[2]]), 1.0)).value[0] == sc.hyp1f1(*point)
    with pytest.raises(TypeError, match=r"scipy\.special\.hyp1f1 in its parameters"):
        sc.hyp1f1(hd.dual(np.array([-0.5]), 1.0), 2.0, 1.0)


@pytest.mark.parametrize("point", [(0.4, 0.486, 7.47, -8.09), (0.99, 0.939, 3.47, -2.73),
                                   (2.5, 1.5, 4.0, 0.85), (0.3, 6.0, 1.2, 0.4)])  # fmt: skip
def test_gauss_in_its_parameters(point: tuple[float, ...]) -> None:
    """hyp2f1 in (a, b, c) by Gauss's series on dual arrays (positive terms; z < 0 by
    Pfaff's transformation) against mp.diff of mpmath's hyp2f1: 1e-13 (the z-partials are
    scipy's hyp2f1 at (a + 1, b + 1, c + 1), 6e-11 off at z = -2.1: rtol 1e-10 for them);
    z beyond [-9, 0.9] and complex z refuse."""
    grad, hess = _gradient_hessian_mp(mp.hyp2f1, point)
    z = np.array(point)
    got = hd.grad(lambda v: sc.hyp2f1(*v))(z)
    np.testing.assert_allclose(got[:3], grad[:3], rtol=1e-13)
    np.testing.assert_allclose(got[3], grad[3], rtol=1e-10)
    got = hd.hessian(lambda v: sc.hyp2f1(*v))(z)
    np.testing.assert_allclose(got[:3, :3], np.array(hess)[:3, :3], rtol=1e-13)
    np.testing.assert_allclose(got, hess, rtol=1e-10, atol=1e-13 * np.max(np.abs(hess)))
    a = hd.dual(np.array([0.5]), 1.0)
    for far in (0.95, -10.0, 0.5 + 0.1j):
        with pytest.raises(TypeError, match=r"scipy\.special\.hyp2f1 in its parameters"):
            sc.hyp2f1(a, 1.0, 2.0, far)


# Bessel functions in their order v (_bessel_in_v: power series or Schlaefli's integrals on
# dual arrays, each point by whichever its rounding bound accepts): against mp.diff of
# mpmath's functions at points of each method (series: small x; integrals: x > v, negative
# and integer orders; Hankel's expansions: large x), gradient and Hessian in (v, x), within
# 2e-13 of the function's scale
# (sqrt(J^2 + Y^2) where J and Y oscillate, x > |v|; else the value); bench/special_orders.py
# measures the worst over random points.
BESSEL_ORDERS: dict[
    str, tuple[Callable[..., Any], Callable[..., Any], list[tuple[float, float]]]
] = {
    "jv": (sc.jv, mp.besselj, [(2.3, 0.05), (0.0, 7.7), (-3.5, 4.0), (5.0, 40.0), (30.0, 8.0)]),
    "yv": (sc.yv, mp.bessely, [(1.5, 0.3), (-2.3, 12.0), (7.2, 55.0), (3.7, 2500.0)]),
    "iv": (sc.iv, mp.besseli, [(0.5, 0.01), (12.0, 35.0), (-1.3, 3.0)]),
    "ive": (sc.ive, lambda v, x: mp.besseli(v, x) * mp.exp(-x), [(2.5, 80.0), (-6.5, 900.0)]),
}


@pytest.mark.parametrize("name", sorted(BESSEL_ORDERS))
def test_bessel_in_their_order(name: str) -> None:
    f, exact, points = BESSEL_ORDERS[name]
    for point in points:
        grad, hess = _gradient_hessian_mp(exact, point)
        v, x = point
        scale = abs(f(v, x))
        if name in ("jv", "yv") and x > abs(v):
            scale = float(np.hypot(sc.jv(v, x), sc.yv(v, x)))
        z = np.array(point)
        got = hd.grad(lambda u: f(u[0], u[1]))(z)
        np.testing.assert_allclose(got, grad, rtol=2e-13, atol=2e-13 * scale, err_msg=f"{point}")
        got = hd.hessian(lambda u: f(u[0], u[1]))(z)
        np.testing.assert_allclose(got, hess, rtol=2e-13, atol=2e-13 * scale, err_msg=f"{point}")
        assert f(hd.dual(np.array([v]), 1.0), x).value[0] == f(v, x)


def test_bessel_orders_hankel_edges_and_refusals() -> None:
    """hankel1e = (J + iY) e^-ix in v from J's and Y's; x = 0: nan; where neither method's
    rounding bound is within 1e-12 (J_v(x) exponentially small, x + pi |v| large), complex
    z: TypeError naming the function."""
    point = (1.3, 2.7)
    with mp.workdps(30):
        exact = lambda s, t: mp.hankel1(s, t) * mp.exp(-1j * t)  # noqa: E731
        want = [complex(mp.diff(exact, point, k)) for k in ((1, 0), (2, 0), (1, 1))]
    h = hd.hessian(lambda u: sc.hankel1e(u[0], u[1]).imag)(np.array(point))
    g = hd.grad(lambda u: sc.hankel1e(u[0], u[1]).real)(np.array(point))
    np.testing.assert_allclose(
        [g[0], h[0, 0], h[0, 1]], [want[0].real, want[1].imag, want[2].imag], rtol=1e-13
    )
    y = sc.jv(hd.hyperdual(np.array([1.5, 2.0]), 1.0, 1.0), np.array([0.0, 3.0]))
    assert np.isnan(y.e1[0]) and np.isfinite(y.e1[1])
    for call in (
        lambda d: sc.jv(d + 99.6, 60.0),
        lambda d: sc.yv(d + 40, 300.0),
        lambda d: sc.iv(d, 1.0 + 1.0j),
    ):
        with pytest.raises(TypeError, match=r"scipy\.special\.[jyi]v in its order v only"):
            call(hd.dual(np.array([0.4]), 1.0))


# Orthogonal polynomials in their parameters (integer degrees: the recurrences in the degree
# on dual arrays, _orthogonal), against mp.diff of mpmath's jacobi, gegenbauer, laguerre.
ORTHOGONAL: dict[str, tuple[Callable[..., Any], Callable[..., Any], list[tuple[Any, ...]]]] = {
    "eval_jacobi": (sc.eval_jacobi, mp.jacobi, [(5, 0.7, 1.3, 0.4), (30, 2.7, -0.3, -0.8)]),
    "eval_gegenbauer": (sc.eval_gegenbauer, mp.gegenbauer, [(7, 0.7, 0.3), (40, 3.5, -0.6)]),
    "eval_genlaguerre": (sc.eval_genlaguerre, mp.laguerre, [(6, 0.7, 2.3), (40, 2.5, 30.0)]),
    "eval_sh_jacobi": (
        sc.eval_sh_jacobi,
        lambda n, p, q, x: mp.jacobi(n, p - q, q - 1, 2 * x - 1) / mp.binomial(2 * n + p - 1, n),
        [(6, 2.5, 1.3, 0.3)],
    ),
}


@pytest.mark.parametrize("name", sorted(ORTHOGONAL))
def test_orthogonal_polynomials_in_their_parameters(name: str) -> None:
    f, exact, points = ORTHOGONAL[name]
    for n, *point in points:
        grad, hess = _gradient_hessian_mp(lambda *u, n=n: exact(n, *u), tuple(point))
        z = np.array(point)
        np.testing.assert_allclose(hd.grad(lambda u, n=n: f(n, *u))(z), grad, rtol=1e-13)
        got = hd.hessian(lambda u, n=n: f(n, *u))(z)
        np.testing.assert_allclose(got, hess, rtol=1e-13, atol=1e-13 * np.max(np.abs(hess)))
    with pytest.raises(TypeError, match=rf"scipy\.special\.{name} at non-integer degrees"):
        # (beyond the hypergeometric series' reach: |1 - x|/2 > 0.9, |x| > 1000)
        far = {"eval_sh_jacobi": 0.02, "eval_genlaguerre": -1200.0}.get(name, -0.95)
        f(2.5, hd.dual(np.array([2.5]), 1.0), *points[0][2:-1], far)


def test_hyperu_in_its_parameters() -> None:
    """hyperu in a and b by its integral on dual arrays (a trapezoid rule in log t; a <= 0 by
    Kummer's transformation) against mp.diff of mpmath's hyperu (the x-partials are scipy's
    hyperu at a + 1, b + 1, itself 1e-10 off at some points: not checked here); a <= 0 with
    1 + a - b <= 0 refuses."""
    for a, b, x in ((2.3, 0.7, 1.4), (0.3, 4.5, 0.2), (-1.2, -2.5, 3.0)):
        grad, hess = _gradient_hessian_mp(lambda s, t, x=x: mp.hyperu(s, t, x), (a, b))
        z = np.array([a, b])
        f = lambda u, x=x: sc.hyperu(u[0], u[1], x)  # noqa: E731
        scale = abs(sc.hyperu(a, b, x))
        np.testing.assert_allclose(hd.grad(f)(z), grad, rtol=1e-13, atol=1e-13 * scale)
        np.testing.assert_allclose(hd.hessian(f)(z), hess, rtol=1e-13, atol=1e-13 * scale)
    with pytest.raises(TypeError, match=r"scipy\.special\.hyperu in its parameters a and b"):
        sc.hyperu(hd.dual(np.array([-1.5]), 1.0), 3.5, 1.0)


def _wright(a: Any, b: Any, x: Any) -> Any:
    return mp.fsum(x**k / mp.factorial(k) * mp.rgamma(a * k + b) for k in range(80))


def test_wright_bessel_in_its_parameters() -> None:
    """wright_bessel and log_wright_bessel in a and b by the series on dual arrays (positive
    terms, scaled by the largest) against mp.diff of the series summed by mpmath (80 terms,
    x <= 3); b = 0, where 1/Gamma(b) = 0, included."""
    for a, b, x in ((0.7, 1.3, 2.5), (2.0, 0.0, 3.0)):
        for f, exact in ((sc.wright_bessel, _wright), (sc.log_wright_bessel, None)):
            ref = exact or (lambda s, t, x: mp.log(_wright(s, t, x)))
            grad, hess = _gradient_hessian_mp(lambda s, t, x=x, ref=ref: ref(s, t, x), (a, b))
            g = lambda u, x=x, f=f: f(u[0], u[1], x)  # noqa: E731
            z = np.array([a, b])
            np.testing.assert_allclose(hd.grad(g)(z), grad, rtol=1e-13, atol=1e-14)
            np.testing.assert_allclose(hd.hessian(g)(z), hess, rtol=1e-13, atol=1e-14)


def test_rgamma_near_its_poles() -> None:
    """1/Gamma's f' and f'' at -n + h (h from 1e-300 to 1e-3, both sides): by the
    reflection 1/Gamma(x) = Gamma(1 - x) sin(pi x)/pi (psi^2 - psi1 cancelled by 1/h:
    f'' at -3 + 1e-9 was -89 for 15, and nan below h = 1e-154) against mp.diff."""
    x = np.array([1e-300, -1e-300, 1e-8, -3 + 1e-9, -3 - 1e-9, -7 + 1e-3, -1 - 1e-13, -40.5])
    y = sc.rgamma(hd.hyperdual(x, 1.0, 1.0))
    with mp.workdps(40):
        want = [[float(mp.diff(mp.rgamma, mp.mpf(p), k)) for p in x] for k in (1, 2)]
    np.testing.assert_allclose(y.e1, want[0], rtol=4 * EPS)
    np.testing.assert_allclose(y.e12, want[1], rtol=4 * EPS)


def test_besselpoly_in_lmb_and_nu() -> None:
    """besselpoly(a, l, v) = int_0^1 x^l J_v(2 a x) dx in l and v by Gauss-Legendre panels on
    dual arrays (J_v in v by the Bessel rule) against mp.diff of the series integrated
    termwise, sum_k (-1)^k a^(2k+v) / (k! Gamma(k+v+1) (2k+v+l+1)) (the a-partials are
    scipy's besselpoly at l + 1, l + 2: 2e-13 off at a = 6)."""
    for point in ((1.3, 0.7, 1.5), (6.0, 0.2, 3.0)):

        def exact(s: Any, t: Any, a: float = point[0]) -> Any:
            return mp.fsum(
                (-1) ** k
                * mp.mpf(a) ** (2 * k + t)
                / (mp.factorial(k) * mp.gamma(k + t + 1))
                / (2 * k + t + s + 1)
                for k in range(90)
            )

        grad, hess = _gradient_hessian_mp(exact, point[1:])
        f = lambda u, a=point[0]: sc.besselpoly(a, u[0], u[1])  # noqa: E731
        z = np.array(point[1:])
        np.testing.assert_allclose(hd.grad(f)(z), grad, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(hd.hessian(f)(z), hess, rtol=1e-13, atol=1e-14)


def _against_mp(f: Callable[..., Any], exact: Callable[..., Any], point: Any, scale: float) -> None:
    """hd.grad and hd.hessian of f at point against mp.diff of exact, to 1e-13 of
    max(|partial|, scale), in the partials involving the first argument (the order or
    degree: the others are the closed forms tested elsewhere)."""
    grad, hess = _gradient_hessian_mp(exact, point)
    z = np.array(point)
    g = lambda u: f(*u)  # noqa: E731
    np.testing.assert_allclose(hd.grad(g)(z)[0], grad[0], rtol=1e-13, atol=1e-13 * scale)
    np.testing.assert_allclose(hd.hessian(g)(z)[0], hess[0], rtol=1e-13, atol=1e-13 * scale)


def test_hyp0f1_and_struve_in_their_order() -> None:
    """hyp0f1(v, z) in v by its series on dual arrays, or (z < 0 beyond the alternating
    series' reach) Gamma(v) w^(1-v) J_(v-1)(2w), w = sqrt(-z); struve and modstruve in v by
    their power series, or H_v = Y_v + its integral (DLMF 11.5.2) for larger x; against
    mp.diff of mpmath's hyp0f1, struveh, struvel, to 1e-13 of the function's scale (J's
    and Y's envelope where H or 0F1 oscillate). Beyond them: TypeError naming the function."""
    for v, z in ((1.5, 2.0), (-2.3, 1.7), (3.2, -60.0)):
        scale = abs(sc.hyp0f1(v, z))
        if z < 0:  # (the envelope of Gamma(v) w^(1-v) J_(v-1)(2w))
            w = np.sqrt(-z)
            scale = abs(sc.gamma(v) * w ** (1 - v)) * np.hypot(
                sc.jv(v - 1, 2 * w), sc.yv(v - 1, 2 * w)
            )
        _against_mp(sc.hyp0f1, mp.hyp0f1, (v, z), scale)
    for v, x in ((1.5, 2.0), (-0.7, 25.0), (-4.5, 6.0)):
        scale = max(abs(sc.struve(v, x)), np.hypot(sc.jv(v, x), sc.yv(v, x)))
        _against_mp(sc.struve, mp.struveh, (v, x), scale)
    for v, x in ((2.5, 8.0), (-4.5, 6.0)):
        _against_mp(sc.modstruve, mp.struvel, (v, x), abs(sc.modstruve(v, x)))
    d = hd.dual(np.array([0.4]), 1.0)
    for call, name in (
        (lambda: sc.hyp0f1(d + 100.2, -900.0), "hyp0f1"),  # (J_99.6(60): exponentially small)
        (lambda: sc.struve(d + 40, 300.0), "struve"),  # (Y_40(300): x < v^2/4, both large)
        (lambda: sc.modstruve(d - 211, 100.0), "modstruve"),  # (below v = -200)
    ):
        with pytest.raises(TypeError, match=rf"scipy\.special\.{name} in its order v only"):
            call()


# Orthogonal polynomials in their degree n (scipy's hypergeometric forms on dual arrays),
# integer degrees included (where the value's series terminates and its n-partials' do not)
DEGREES: list[tuple[Callable[..., Any], Callable[..., Any], tuple[float, ...]]] = [
    (sc.eval_jacobi, mp.jacobi, (2.5, 0.7, 1.3, 0.4)),
    (sc.eval_gegenbauer, mp.gegenbauer, (3.0, 0.7, 0.3)),
    (sc.eval_genlaguerre, mp.laguerre, (3.5, 0.7, 2.3)),
    (sc.eval_legendre, mp.legendre, (3.0, -0.6)),
    (sc.eval_chebyu, mp.chebyu, (-3.4, 0.6)),
    (sc.eval_chebyc, lambda n, x: 2 * mp.chebyt(n, x / 2), (2.5, 0.7)),
    (sc.eval_sh_chebyt, lambda n, x: mp.chebyt(n, 2 * x - 1), (4.0, 0.7)),
]


def test_orthogonal_polynomials_in_their_degree() -> None:
    for f, exact, point in DEGREES:
        _against_mp(f, exact, point, abs(f(*point)))
    with pytest.raises(TypeError, match=r"scipy\.special\.eval_legendre at non-integer degrees"):
        sc.eval_legendre(hd.dual(np.array([2.5]), 1.0), -0.9)  # (|1 - x|/2 > 0.9)


def _ferrers(m: int) -> Callable[..., Any]:
    """mpmath's P_v^m at m >= 0 from its P_v^-m (DLMF 14.9.3; its legenp is slow there)."""

    def p(v: Any, x: Any) -> Any:
        ratio = (-1) ** m * mp.rf(v - m + 1, 2 * m) if m > 0 else 1
        return ratio * mp.re(mp.legenp(v, -abs(m), x, type=2))

    return p


def _weber(v: Any, x: Any) -> Any:  # scipy's V_v = mpmath's V(-v - 1/2, x)
    return mp.pcfv(-v - mp.mpf(1) / 2, x)


def _pcfw(a: Any, x: Any) -> Any:
    """W(a, x) = 2^(-3/4) Re(r w1 - sqrt(2)/r w2), r = |Gamma(1/4 + ia/2)/Gamma(3/4 + ia/2)|^(1/2),
    w1 = e^(-ix^2/4) 1F1(1/4 - ia/2; 1/2; ix^2/2), w2 = x e^(-ix^2/4) 1F1(3/4 - ia/2; 3/2;
    ix^2/2) (DLMF 12.14; mpmath's pcfw agrees to 30 digits and is ~100x slower)."""
    r = mp.sqrt(abs(mp.gamma(0.25 + 0.5j * a) / mp.gamma(0.75 + 0.5j * a)))
    phase = mp.exp(-0.25j * x * x)
    w1 = phase * mp.hyp1f1(0.25 - 0.5j * a, 0.5, 0.5j * x * x)
    w2 = x * phase * mp.hyp1f1(0.75 - 0.5j * a, 1.5, 0.5j * x * x)
    return mp.re(2 ** mp.mpf(-0.75) * (r * w1 - mp.sqrt(2) / r * w2))


def _slope(f: Callable[..., Any]) -> Callable[..., Any]:
    return lambda v, x: mp.diff(lambda t: f(v, t), x)


def _pcfd_slope(v: Any, x: Any) -> Any:  # D_v' = x/2 D_v - D_(v+1) (DLMF 12.8.3)
    return x / 2 * mp.pcfd(v, x) - mp.pcfd(v + 1, x)


def _weber_slope(v: Any, x: Any) -> Any:  # V_v' = x/2 V_v - (v + 1) V_(v+1) (DLMF 12.8.8)
    return x / 2 * _weber(v, x) - (v + 1) * _weber(v + 1, x)


def test_legendre_and_parabolic_cylinder_in_their_order() -> None:
    """lpmv(m, v, x) in the degree v by its hypergeometric series in (1 - x)/2 (m >= 0, < 0,
    x > 1 at m = 0, v < -1/2 by P_v = P_(-v-1)), at v = 40.3 by the recurrence in v from it;
    pbdv, pbvv (both outputs) in v by their Kummer series, D at larger x > 0 by hyperu and
    the recurrence in v, at x < 0 by the connection formulas, where they oscillate (v = 10.2,
    x = 3) by the recurrence in v from small orders; pbwa in a by Taylor steps
    from x = 0 (two at x = 1.2, five at 4.8); against mp.diff of mpmath's legenp, pcfd,
    pcfv and W's Kummer form, to 1e-13 of the function's scale; values scipy's bit for
    bit. Beyond them: TypeError naming the function."""
    for m, v, x in ((2, 1.5, 0.7), (-1, 2.5, 0.3), (0, 2.5, 1.5), (1, -3.3, -0.6), (2, 40.3, 0.2)):
        f = lambda v, x, m=m: sc.lpmv(m, v, x)  # noqa: E731
        _against_mp(f, _ferrers(m), (v, x), abs(f(v, x)))
    for f, exact, slope, points in (
        (sc.pbdv, mp.pcfd, _pcfd_slope, ((1.37, 2.3), (3.3, 7.0), (2.7, -6.0), (10.2, 3.0))),
        (sc.pbvv, _weber, _weber_slope, ((5.5, -6.0),)),
        (sc.pbwa, _pcfw, _slope(_pcfw), ((0.5, 1.2), (-4.5, 4.8))),
    ):
        for v, x in points:
            y, yp = f(v, x)
            q = v - x * x / 4 if f is sc.pbwa else x * x / 4 - v - 0.5  # (y'' = q y)
            reach = np.sqrt(max(abs(q), 1.0))  # (the envelope's scale where y oscillates)
            first = lambda v, x, f=f: f(v, x)[0]  # noqa: E731
            _against_mp(first, exact, (v, x), max(abs(y), abs(yp) / reach))
            if f is sc.pbwa and x > 2:  # (mp.diff of W's Kummer form: 0.8 s here)
                continue
            second = lambda v, x, f=f: f(v, x)[1]  # noqa: E731
            _against_mp(second, slope, (v, x), max(abs(yp), abs(y) * reach))
    v = hd.hyperdual(np.array([1.37, 3.3, 2.7]), 1.0, 1.0)
    x = np.array([2.3, 7.0, -6.0])
    for got, want in zip(sc.pbdv(v, x), sc.pbdv(v.value, x), strict=True):
        np.testing.assert_array_equal(got.value, want)
    np.testing.assert_array_equal(sc.lpmv(1, v, 0.3).value, sc.lpmv(1, v.value, 0.3))
    d = hd.dual(np.array([0.5]), 1.0)
    for call, name in (
        (lambda: sc.lpmv(0, d + 2, -0.99), "lpmv in its degree v"),  # ((1 - x)/2 > 0.99)
        (lambda: sc.lpmv(1, d + 1200, 0.3), "lpmv in its degree v"),  # (degrees beyond 1000)
        (lambda: sc.pbdv(d + 9.8, -5.0), "pbdv in its order v"),  # (all cancel or grow)
        (lambda: sc.pbvv(d + 19.8, -7.5), "pbvv in its order v"),
        (lambda: sc.pbwa(d + 3.5, 4.5), "pbwa in its parameter a"),  # (W falls: x > 2 sqrt a)
    ):
        with pytest.raises(TypeError, match=rf"scipy\.special\.{name} only"):
            call()
