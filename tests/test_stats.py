"""hyperdiff.stats: scipy.stats' most used log densities and distribution functions for dual
arrays. Values against scipy.stats' own (a few ulps: computed by the same formulas), first and
second derivatives against mpmath's closed forms differentiated by mp.diff at 30 digits; plain
inputs go to scipy.stats itself; scipy.stats handed a dual array raises the TypeError naming
the mirror."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

st = pytest.importorskip("scipy.stats")
mp = pytest.importorskip("mpmath")


def _t_logpdf(x: Any, df: Any) -> Any:
    return (
        mp.loggamma((df + 1) / 2)
        - mp.loggamma(df / 2)
        - mp.log(df * mp.pi) / 2
        - (df + 1) / 2 * mp.log(1 + x * x / df)
    )


def _t_cdf(x: Any, df: Any) -> Any:  # I_{df/(df+x^2)}(df/2, 1/2)/2 below 0, 1 - it above
    tail = mp.betainc(df / 2, 0.5, 0, df / (df + x * x), regularized=True) / 2
    return tail if x < 0 else 1 - tail


def _beta_logpdf(x: Any, a: Any, b: Any) -> Any:
    return (a - 1) * mp.log(x) + (b - 1) * mp.log(1 - x) - mp.log(mp.beta(a, b))


# name: (hyperdiff's of (s, constants...), scipy's of (s, constants...), mpmath's of s,
#        points s, constants): s is the differentiated argument
CASES: dict[
    str, tuple[Callable[..., Any], Callable[..., Any], Callable[[Any], Any], list[float]]
] = {
    "norm.logpdf(x)": (
        lambda s: hd.stats.norm.logpdf(s, 0.5, 2.0),
        lambda s: st.norm.logpdf(s, 0.5, 2.0),
        lambda s: -(((s - 0.5) / 2) ** 2) / 2 - mp.log(mp.sqrt(2 * mp.pi) * 2),
        [-3.0, 0.2, 4.0],
    ),
    "norm.logpdf(scale)": (
        lambda s: hd.stats.norm.logpdf(1.5, 0.5, s),
        lambda s: st.norm.logpdf(1.5, 0.5, s),
        lambda s: mp.log(mp.npdf(1.5, 0.5, s)),
        [0.3, 2.0],
    ),
    "norm.pdf(loc)": (
        lambda s: hd.stats.norm.pdf(1.5, s, 2.0),
        lambda s: st.norm.pdf(1.5, s, 2.0),
        lambda s: mp.npdf(1.5, s, 2.0),
        [-1.0, 1.2],
    ),
    "norm.cdf(x)": (
        lambda s: hd.stats.norm.cdf(s, 0.5, 2.0),
        lambda s: st.norm.cdf(s, 0.5, 2.0),
        lambda s: mp.ncdf(s, 0.5, 2.0),
        [-3.0, 0.2, 4.0],
    ),
    "norm.logcdf(x)": (
        lambda s: hd.stats.norm.logcdf(s),
        lambda s: st.norm.logcdf(s),
        lambda s: mp.log(mp.ncdf(s)),
        [-30.0, -2.0, 1.0],
    ),
    "norm.sf(x)": (
        lambda s: hd.stats.norm.sf(s, 0.5),
        lambda s: st.norm.sf(s, 0.5),
        lambda s: 1 - mp.ncdf(s, 0.5),
        [-1.0, 3.0],
    ),
    "norm.logsf(x)": (
        lambda s: hd.stats.norm.logsf(s),
        lambda s: st.norm.logsf(s),
        lambda s: mp.log(mp.ncdf(-s)),
        [-1.0, 25.0],
    ),
    "t.logpdf(x)": (
        lambda s: hd.stats.t.logpdf(s, 3.5),
        lambda s: st.t.logpdf(s, 3.5),
        lambda s: _t_logpdf(s, mp.mpf(3.5)),
        [-2.0, 0.5, 7.0],
    ),
    "t.logpdf(df)": (
        lambda s: hd.stats.t.logpdf(0.7, s),
        lambda s: st.t.logpdf(0.7, s),
        lambda s: _t_logpdf(mp.mpf(0.7), s),
        [1.5, 12.0],
    ),
    "t.pdf(scale)": (
        lambda s: hd.stats.t.pdf(0.7, 3.5, 0.2, s),
        lambda s: st.t.pdf(0.7, 3.5, 0.2, s),
        lambda s: mp.exp(_t_logpdf((0.7 - mp.mpf(0.2)) / s, mp.mpf(3.5))) / s,
        [0.4, 2.0],  # (not 0.5: z = 1 is where this derivative is 0)
    ),
    "t.cdf(x)": (
        lambda s: hd.stats.t.cdf(s, 3.5),
        lambda s: st.t.cdf(s, 3.5),
        lambda s: _t_cdf(s, mp.mpf(3.5)),
        [-2.0, 0.5],
    ),
    "gamma.logpdf(x)": (
        lambda s: hd.stats.gamma.logpdf(s, 2.5, 0.0, 1.5),
        lambda s: st.gamma.logpdf(s, 2.5, 0.0, 1.5),
        lambda s: 1.5 * mp.log(s / 1.5) - s / 1.5 - mp.loggamma(2.5) - mp.log(1.5),
        [0.1, 3.0],
    ),
    "gamma.logpdf(a)": (
        lambda s: hd.stats.gamma.logpdf(2.0, s),
        lambda s: st.gamma.logpdf(2.0, s),
        lambda s: (s - 1) * mp.log(2) - 2 - mp.loggamma(s),
        [0.5, 4.0],
    ),
    "gamma.cdf(x)": (
        lambda s: hd.stats.gamma.cdf(s, 2.5),
        lambda s: st.gamma.cdf(s, 2.5),
        lambda s: mp.gammainc(2.5, 0, s, regularized=True),
        [0.3, 4.0],
    ),
    "beta.logpdf(x)": (
        lambda s: hd.stats.beta.logpdf(s, 2.5, 3.0),
        lambda s: st.beta.logpdf(s, 2.5, 3.0),
        lambda s: _beta_logpdf(s, mp.mpf(2.5), 3),
        [0.1, 0.7],
    ),
    "beta.pdf(b)": (
        lambda s: hd.stats.beta.pdf(0.3, 2.5, s),
        lambda s: st.beta.pdf(0.3, 2.5, s),
        lambda s: mp.exp(_beta_logpdf(mp.mpf(0.3), mp.mpf(2.5), s)),
        [0.7, 3.0],
    ),
    "beta.cdf(x)": (
        lambda s: hd.stats.beta.cdf(s, 2.5, 3.0),
        lambda s: st.beta.cdf(s, 2.5, 3.0),
        lambda s: mp.betainc(2.5, 3, 0, s, regularized=True),
        [0.1, 0.7],
    ),
    "poisson.logpmf(mu)": (
        lambda s: hd.stats.poisson.logpmf(3, s),
        lambda s: st.poisson.logpmf(3, s),
        lambda s: 3 * mp.log(s) - mp.log(6) - s,
        [0.5, 7.0],
    ),
    "poisson.pmf(mu)": (
        lambda s: hd.stats.poisson.pmf(3, s),
        lambda s: st.poisson.pmf(3, s),
        lambda s: s**3 / 6 * mp.exp(-s),
        [0.5, 7.0],
    ),
    "binom.logpmf(p)": (
        lambda s: hd.stats.binom.logpmf(3, 10, s),
        lambda s: st.binom.logpmf(3, 10, s),
        lambda s: mp.log(mp.binomial(10, 3)) + 3 * mp.log(s) + 7 * mp.log(1 - s),
        [0.1, 0.6],
    ),
    "binom.pmf(p)": (
        lambda s: hd.stats.binom.pmf(3, 10, s),
        lambda s: st.binom.pmf(3, 10, s),
        lambda s: mp.binomial(10, 3) * s**3 * (1 - s) ** 7,
        [0.1, 0.6],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_derivatives(name: str) -> None:
    f, scipy_f, ref, points = CASES[name]
    s = np.array(points)
    y = f(hd.hyperdual(s, 1.0, 1.0))
    np.testing.assert_allclose(y.value, scipy_f(s), rtol=4e-15, atol=1e-300)
    np.testing.assert_array_equal(f(s), scipy_f(s))  # plain inputs: scipy.stats itself
    for i, p in enumerate(points):
        with mp.workdps(30):
            want = [float(mp.diff(ref, mp.mpf(p), k)) for k in (1, 2)]
        np.testing.assert_allclose(float(y.e1[i]), want[0], rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(float(y.e2[i]), want[0], rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(float(y.e12[i]), want[1], rtol=1e-11, atol=1e-300)


def test_outside_the_support() -> None:
    # scipy's values (-inf, 0, 1) with derivative 0; invalid scale nan as scipy
    x = hd.dual(np.array([-1.0, 0.5, 2.0]), 1.0)
    cases = [  # (hyperdiff, scipy, the points outside)
        (hd.stats.gamma.logpdf(x, 2.5), st.gamma.logpdf(x.value, 2.5), [0]),
        (hd.stats.gamma.cdf(x, 2.5), st.gamma.cdf(x.value, 2.5), [0]),
        (hd.stats.beta.logpdf(x, 2.5, 3.0), st.beta.logpdf(x.value, 2.5, 3.0), [0, 2]),
        (hd.stats.beta.cdf(x, 2.5, 3.0), st.beta.cdf(x.value, 2.5, 3.0), [0, 2]),
    ]
    for got, want, outside in cases:
        np.testing.assert_allclose(got.value, want, rtol=4e-15)
        np.testing.assert_array_equal(got.d[outside], 0.0)
        assert np.all(got.d[1] != 0)
    p = hd.dual(np.float64(0.3), 1.0)
    k = np.array([-1, 2.5, 11, 4])
    got = hd.stats.binom.logpmf(k, 10, p)
    np.testing.assert_allclose(got.value, st.binom.logpmf(k, 10, 0.3), rtol=4e-15)
    np.testing.assert_array_equal(got.d[:3], 0.0)
    got = hd.stats.poisson.logpmf(k, hd.dual(np.float64(2.0), 1.0))
    np.testing.assert_allclose(got.value, st.poisson.logpmf(k, 2.0), rtol=4e-15)
    np.testing.assert_array_equal(got.d[:2], 0.0)
    got = hd.stats.norm.logpdf(x, 0.0, np.array([1.0, -1.0, 2.0]))
    np.testing.assert_array_equal(np.isnan(got.value), [False, True, False])


def test_integer_arguments_and_nothing_mutated() -> None:
    mu = hd.dual(np.array([1.0, 2.0]), 1.0)
    with pytest.raises(TypeError, match=r"hyperdiff\.stats\.poisson\.logpmf in its argument k"):
        hd.stats.poisson.logpmf(hd.dual(np.array([1.0, 2.0]), 1.0), mu)
    with pytest.raises(TypeError, match=r"hyperdiff\.stats\.binom\.logpmf in its argument n"):
        hd.stats.binom.logpmf(2, hd.dual(np.float64(10.0), 1.0), 0.3)
    x = hd.dual(np.array([0.2, 0.4]), np.array([1.0, 2.0]))
    before = (x.value.copy(), x.d.copy())
    hd.stats.beta.logpdf(x, 2.0, 3.0)
    hd.stats.norm.cdf(x, 0.1, 2.0)
    np.testing.assert_array_equal(x.value, before[0])
    np.testing.assert_array_equal(x.d, before[1])


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda x: st.norm.logpdf(x),
            r"scipy\.stats\.norm\.logpdf .*hyperdiff\.stats\.norm\.logpdf",
        ),
        (
            lambda x: st.norm(1.0, 2.0).cdf(x),
            r"scipy\.stats\.norm\.cdf .*hyperdiff\.stats\.norm\.cdf",
        ),
        (lambda x: st.t.logpdf(0.3, x), r"scipy\.stats\.t\.logpdf .*hyperdiff\.stats\.t\.logpdf"),
        (lambda x: st.gamma.logpdf(x, 2.0), r"hyperdiff\.stats\.gamma\.logpdf"),
        (lambda x: st.beta.cdf(x, 2.0, 3.0), r"hyperdiff\.stats\.beta\.cdf"),
        (lambda x: st.poisson.logpmf(3, x), r"hyperdiff\.stats\.poisson\.logpmf"),
        (lambda x: st.binom.logpmf(3, 10, x), r"hyperdiff\.stats\.binom\.logpmf"),
        (lambda x: st.norm.ppf(x), r"scipy\.stats\.norm\.ppf .*scipy\.special functions"),
        (
            lambda x: st.multivariate_normal.logpdf(x, np.zeros(2), np.eye(2)),
            r"scipy\.stats\.multivariate_normal\.logpdf .*hyperdiff\.stats\.multivariate_normal",
        ),
    ],
)
def test_scipy_stats_raise_naming_the_mirror(call: Callable[[Any], Any], message: str) -> None:
    x = hd.dual(np.array([0.3, 0.6]), 1.0)
    with pytest.raises(TypeError, match=message):
        call(x)


def _mvn_logpdf_mp(x: Any, mean: Any, cov: Any) -> Any:
    """mpmath's log density of one point: -(d log 2 pi + log det cov + dev^T cov^-1 dev)/2."""
    dev = mp.matrix([x[i] - mean[i] for i in range(len(x))])
    c = mp.matrix(cov)
    maha = (dev.T * mp.lu_solve(c, dev))[0, 0]
    return -(len(x) * mp.log(2 * mp.pi) + mp.log(mp.det(c)) + maha) / 2


def test_multivariate_normal_along_directions() -> None:
    # f(t) = logpdf at (x, mean, cov) + t (V_x, V_mean, V_cov): hyperdiff's e1 = e2 = V
    # against mp.diff of mpmath's f at t = 0, each argument in turn (cov's V symmetric)
    rng = np.random.default_rng(3)
    x = np.array([[0.3, 0.5, -0.2], [1.0, 2.0, 0.4]])
    mean = np.array([0.1, -0.2, 0.3])
    b = rng.standard_normal((3, 3))
    cov = b @ b.T + 3 * np.eye(3)
    v = {"x": rng.standard_normal(x.shape), "mean": rng.standard_normal(3)}
    w = rng.standard_normal((3, 3))
    v["cov"] = (w + w.T) / 4
    base = {"x": x, "mean": mean, "cov": cov}
    for arg in ("x", "mean", "cov"):
        args = dict(base)
        args[arg] = hd.hyperdual(base[arg], v[arg], v[arg])
        y = hd.stats.multivariate_normal.logpdf(args["x"], args["mean"], args["cov"])
        np.testing.assert_allclose(y.value, st.multivariate_normal.logpdf(x, mean, cov), rtol=1e-14)
        for i in range(2):

            def f(t: Any, i: int = i, arg: str = arg) -> Any:
                # the point i's arguments as mpmath values, arg moved by t along its V
                step = {k: 0.0 * val for k, val in v.items()}
                step[arg] = v[arg]
                xi = [mp.mpf(a) + t * d for a, d in zip(x[i], step["x"][i], strict=True)]
                mi = [mp.mpf(a) + t * d for a, d in zip(mean, step["mean"], strict=True)]
                ci = mp.matrix(cov.tolist()) + t * mp.matrix(step["cov"].tolist())
                return _mvn_logpdf_mp(xi, mi, ci)

            with mp.workdps(30):
                want = [float(mp.diff(f, 0, k)) for k in (1, 2)]
            np.testing.assert_allclose(float(y.e1[i]), want[0], rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(float(y.e12[i]), want[1], rtol=1e-11, atol=1e-14)


def test_multivariate_normal_shapes_as_scipy() -> None:
    # scipy's reading of mean and cov (scalar, diagonal, matrix; points of dimension 1)
    x2 = np.array([[0.3, 0.5], [1.0, 2.0], [-1.0, 0.0]])
    cases = [
        (x2, [0.1, -0.2], [[2.0, 0.3], [0.3, 1.0]]),
        (x2, [0.1, -0.2], [2.0, 0.5]),
        (x2[0], None, [[2.0, 0.3], [0.3, 1.0]]),
        (np.array([0.3, 1.2]), 0.5, 2.0),
        (np.array(0.4), 0.5, 2.0),
    ]
    for x, mean, cov in cases:
        got = hd.stats.multivariate_normal.pdf(hd.dual(x, 1.0), mean, cov)
        want = st.multivariate_normal.pdf(x, mean, cov)
        assert np.shape(got.value) == np.shape(want)
        np.testing.assert_allclose(got.value, want, rtol=1e-14)
    with pytest.raises(ValueError, match="positive definite"):
        hd.stats.multivariate_normal.logpdf(hd.dual(x2, 1.0), None, [[1.0, 2.0], [2.0, 1.0]])
