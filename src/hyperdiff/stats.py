"""A few scipy.stats distributions' log densities and distribution functions, for dual arrays.

scipy.stats' distribution methods convert their arguments with `np.asarray` (a dual array
becomes an object array of dual scalars) and then call numpy's `isnan`, `place`, `xlogy`, ...
on that object array, which numpy refuses; no protocol lets a dual array through. So a dual
array handed to `scipy.stats.norm.logpdf` (and the others) raises the package's TypeError
pointing here, and these mirrors give the most used methods under scipy's names and
signatures: plain inputs go to scipy.stats; dual ones get the closed forms below, written with
numpy and scipy.special functions that differentiate (values within a few ulps of scipy's;
outside the support the log densities are -inf and the distribution functions 0 or 1, as
scipy's, with derivative 0). A shape parameter differentiates where its scipy.special
function does (gammaln, xlogy, betaln, gammainc, betainc, stdtr: in all of them; the
series behind gammainc's and betainc's shapes take shapes up to 1e4, beyond which a dual
shape raises naming the function).

    norm.logpdf, pdf, cdf, logcdf, sf, logsf (x, loc=0, scale=1)
    t.logpdf, pdf, cdf (x, df, loc=0, scale=1)
    gamma.logpdf, pdf, cdf (x, a, loc=0, scale=1)
    beta.logpdf, pdf, cdf (x, a, b, loc=0, scale=1)
    poisson.logpmf, pmf (k, mu, loc=0)          (k: integer constants)
    binom.logpmf, pmf (k, n, p, loc=0)          (k, n: integer constants)
    multivariate_normal.logpdf, pdf (x, mean=None, cov=1)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._arrays import register_rules

__all__ = ["beta", "binom", "gamma", "multivariate_normal", "norm", "poisson", "t"]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _sc() -> Any:
    import scipy.special

    return scipy.special


def _scipy_dist(name: str) -> Any:
    import scipy.stats

    return getattr(scipy.stats, name)


def _any_dual(*args: Any) -> bool:
    from ._arrays import DualArray

    return any(isinstance(a, DualArray) for a in args)


def _t_logpdf_in_large_df(out: Any, z: Any, df: Any, log_scale: Any) -> Any:
    """Student's log density with its df parts from df >= 20 by forms that do not cancel
    (out's value kept): gammaln((df + 1)/2) - gammaln(df/2) - log(df)/2 by Stirling's
    difference series (_half_gamma_ratio: the psi difference cancelled, d/d df was 9x off
    at df = 1e8, of the wrong sign at 1e12), and where u = z^2/df <= 1/2, (df + 1)/2
    log1p(u) as (df + 1) u/2 + (df + 1)/2 (log1p(u) - u) (_log1p_minus; the parts of
    log1p(u) and of u/(1 + u) cancelled to u^2)."""
    from ._special import _half_gamma_ratio, _log1p_minus

    big = _values(df) >= 20
    safe_df = np.where(big, df, 20.0)
    u = z * z / safe_df
    small = _values(u) <= 0.5
    kernel = np.where(
        small,
        z * z / 2
        + z * z / (2 * safe_df)
        + (safe_df + 1) / 2 * _log1p_minus(np.where(small, u, 0.0)),
        (safe_df + 1) / 2 * np.log1p(u),
    )
    series = _half_gamma_ratio(safe_df / 2) - _LOG_SQRT_2PI - kernel - log_scale
    stable = np.where(big, series, out)
    stable._stack[0] = _values(out)  # (the value as computed before: scipy's formula)
    return stable


def _values(x: Any) -> Any:
    from ._arrays import DualArray

    return x.value if isinstance(x, DualArray) else np.asarray(x)


def _constant(name: str, **args: Any) -> None:
    for arg, value in args.items():
        if _any_dual(value):
            raise TypeError(
                f"hyperdiff cannot differentiate hyperdiff.stats.{name} in its argument {arg} "
                "(a dual array here): it is an integer"
            )


def _standardized(x: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    """z = (x - loc)/scale and log(scale) (nan where scale <= 0, as scipy)."""
    bad = _values(scale) <= 0
    z = (x * np.float64(1.0) - loc) / scale  # in float64 at least, as scipy.stats computes
    if np.any(bad):
        z = np.where(bad, np.nan, z)
    return z, np.log(np.where(bad, 1.0, scale))


def _inside(z: Any, lo: float, hi: float, f: Any, outside: float) -> Any:
    """f(z) on [lo, hi] (z clamped into it elsewhere, so f sees valid arguments), the
    constant outside beyond."""
    zv = _values(z)
    out_lo, out_hi = zv < lo, zv > hi
    if not (np.any(out_lo) or np.any(out_hi)):
        return f(z)
    mid = (lo + hi) / 2 if np.isfinite(hi) else lo + 1.0
    inside = np.where(out_lo | out_hi, mid, z)
    return np.where(out_lo | out_hi, outside, f(inside))


def _at_ends(density: Any, z: Any, ends: tuple[float, ...], power: Any) -> Any:
    """density (exp of the log density) with, where z (the variable or a parameter) is an
    end of its range, power(z) (the density as powers of z and 1 - z): there the log
    density is a log of 0, -inf with infinite parts, whose exp has nan parts (0 inf) where
    the density's are finite (gamma.pdf(x, 2) at x = 0: 1, -2; poisson.pmf(1, mu) at
    mu = 0: 1, -2)."""
    zv = _values(z)
    at = np.isin(zv, ends)
    if not np.any(at):
        return density
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(at, power(np.where(at, z, ends[0])), density)


class _Norm:
    """hyperdiff's mirror of scipy.stats.norm (logpdf, pdf, cdf, logcdf, sf, logsf)."""

    def logpdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        """-z^2/2 - log sqrt(2 pi) - log scale, z = (x - loc)/scale."""
        if not _any_dual(x, loc, scale):
            return _scipy_dist("norm").logpdf(x, loc, scale)
        z, log_scale = _standardized(x, loc, scale)
        return -(z * z) / 2 - _LOG_SQRT_2PI - log_scale

    def pdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        if not _any_dual(x, loc, scale):
            return _scipy_dist("norm").pdf(x, loc, scale)
        return np.exp(self.logpdf(x, loc, scale))

    def cdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        """ndtr(z)."""
        if not _any_dual(x, loc, scale):
            return _scipy_dist("norm").cdf(x, loc, scale)
        return _sc().ndtr(_standardized(x, loc, scale)[0])

    def logcdf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        """log_ndtr(z)."""
        if not _any_dual(x, loc, scale):
            return _scipy_dist("norm").logcdf(x, loc, scale)
        return _sc().log_ndtr(_standardized(x, loc, scale)[0])

    def sf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        """ndtr(-z)."""
        if not _any_dual(x, loc, scale):
            return _scipy_dist("norm").sf(x, loc, scale)
        return _sc().ndtr(-_standardized(x, loc, scale)[0])

    def logsf(self, x: Any, loc: Any = 0, scale: Any = 1) -> Any:
        """log_ndtr(-z)."""
        if not _any_dual(x, loc, scale):
            return _scipy_dist("norm").logsf(x, loc, scale)
        return _sc().log_ndtr(-_standardized(x, loc, scale)[0])


class _T:
    """hyperdiff's mirror of scipy.stats.t (logpdf, pdf, cdf)."""

    def logpdf(self, x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
        """gammaln((df+1)/2) - gammaln(df/2) - log(df pi)/2 - (df+1)/2 log1p(z^2/df)
        - log scale."""
        if not _any_dual(x, df, loc, scale):
            return _scipy_dist("t").logpdf(x, df, loc, scale)
        normal = np.isposinf(_values(df))
        if np.any(normal):  # the normal density, as scipy (the formula's inf - inf is nan)
            z, log_scale = _standardized(x, loc, scale)
            rest = self.logpdf(x, np.where(normal, 1.0, df), loc, scale)
            return np.where(normal, -(z * z) / 2 - _LOG_SQRT_2PI - log_scale, rest)
        sc = _sc()
        z, log_scale = _standardized(x, loc, scale)
        out = (
            sc.gammaln((df + 1) / 2)
            - sc.gammaln(df / 2)
            - np.log(df * np.pi) / 2
            - (df + 1) / 2 * np.log1p(z * z / df)
            - log_scale
        )
        if _any_dual(df) and np.any(_values(df) >= 20):
            out = _t_logpdf_in_large_df(out, z, df, log_scale)
        return out

    def pdf(self, x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
        if not _any_dual(x, df, loc, scale):
            return _scipy_dist("t").pdf(x, df, loc, scale)
        return np.exp(self.logpdf(x, df, loc, scale))

    def cdf(self, x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
        """stdtr(df, z)."""
        if not _any_dual(x, df, loc, scale):
            return _scipy_dist("t").cdf(x, df, loc, scale)
        return _sc().stdtr(df, _standardized(x, loc, scale)[0])


class _Gamma:
    """hyperdiff's mirror of scipy.stats.gamma (logpdf, pdf, cdf)."""

    def logpdf(self, x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
        """xlogy(a - 1, z) - z - gammaln(a) - log scale for z >= 0, -inf below."""
        if not _any_dual(x, a, loc, scale):
            return _scipy_dist("gamma").logpdf(x, a, loc, scale)
        sc = _sc()
        z, log_scale = _standardized(x, loc, scale)
        inner = _inside(z, 0.0, np.inf, lambda u: sc.xlogy(a - 1, u) - u, -np.inf)
        return inner - sc.gammaln(a) - log_scale

    def pdf(self, x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
        if not _any_dual(x, a, loc, scale):
            return _scipy_dist("gamma").pdf(x, a, loc, scale)
        return _at_ends(
            np.exp(self.logpdf(x, a, loc, scale)),
            _standardized(x, loc, scale)[0],
            (0.0,),
            lambda z: z ** (a - 1) * np.exp(-z - _sc().gammaln(a)) / scale,
        )

    def cdf(self, x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
        """gammainc(a, z), 0 below the support."""
        if not _any_dual(x, a, loc, scale):
            return _scipy_dist("gamma").cdf(x, a, loc, scale)
        sc = _sc()
        z = _standardized(x, loc, scale)[0]
        return _inside(z, 0.0, np.inf, lambda u: sc.gammainc(a, u), 0.0)


class _Beta:
    """hyperdiff's mirror of scipy.stats.beta (logpdf, pdf, cdf)."""

    def logpdf(self, x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
        """xlogy(a - 1, z) + xlog1py(b - 1, -z) - betaln(a, b) - log scale on [0, 1]."""
        if not _any_dual(x, a, b, loc, scale):
            return _scipy_dist("beta").logpdf(x, a, b, loc, scale)
        sc = _sc()
        z, log_scale = _standardized(x, loc, scale)
        inner = _inside(z, 0.0, 1.0, lambda u: sc.xlogy(a - 1, u) + sc.xlog1py(b - 1, -u), -np.inf)
        return inner - sc.betaln(a, b) - log_scale

    def pdf(self, x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
        if not _any_dual(x, a, b, loc, scale):
            return _scipy_dist("beta").pdf(x, a, b, loc, scale)
        return _at_ends(
            np.exp(self.logpdf(x, a, b, loc, scale)),
            _standardized(x, loc, scale)[0],
            (0.0, 1.0),
            lambda z: z ** (a - 1) * (1 - z) ** (b - 1) * np.exp(-_sc().betaln(a, b)) / scale,
        )

    def cdf(self, x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
        """betainc(a, b, z), 0 below the support and 1 above."""
        if not _any_dual(x, a, b, loc, scale):
            return _scipy_dist("beta").cdf(x, a, b, loc, scale)
        sc = _sc()
        z = _standardized(x, loc, scale)[0]
        below = _values(z) < 0
        return np.where(below, 0.0, _inside(z, 0.0, 1.0, lambda u: sc.betainc(a, b, u), 1.0))


def _counts(k: Any, loc: Any, upper: Any = np.inf) -> tuple[Any, Any]:
    """k - loc and where it is a count in [0, upper] (elsewhere the log pmf is -inf)."""
    j = np.asarray(k) - np.asarray(loc)
    return j, (j == np.floor(j)) & (j >= 0) & (j <= upper)


class _Poisson:
    """hyperdiff's mirror of scipy.stats.poisson (logpmf, pmf) in mu."""

    def logpmf(self, k: Any, mu: Any, loc: Any = 0) -> Any:
        """xlogy(k, mu) - gammaln(k + 1) - mu."""
        if not _any_dual(k, mu, loc):
            return _scipy_dist("poisson").logpmf(k, mu, loc)
        _constant("poisson.logpmf", k=k, loc=loc)
        sc = _sc()
        j, ok = _counts(k, loc)
        return np.where(ok, sc.xlogy(j, mu) - sc.gammaln(j + 1) - mu, -np.inf)

    def pmf(self, k: Any, mu: Any, loc: Any = 0) -> Any:
        if not _any_dual(k, mu, loc):
            return _scipy_dist("poisson").pmf(k, mu, loc)
        j, ok = _counts(k, loc)
        j = np.where(ok, j, 0)
        return _at_ends(
            np.exp(self.logpmf(k, mu, loc)),
            mu,
            (0.0,),
            lambda m: np.where(ok, m**j * np.exp(-m - _sc().gammaln(j + 1)), 0.0),
        )


class _Binom:
    """hyperdiff's mirror of scipy.stats.binom (logpmf, pmf) in p."""

    def logpmf(self, k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
        """-log(n + 1) - betaln(n - k + 1, k + 1) + xlogy(k, p) + xlog1py(n - k, -p)."""
        if not _any_dual(k, n, p, loc):
            return _scipy_dist("binom").logpmf(k, n, p, loc)
        _constant("binom.logpmf", k=k, n=n, loc=loc)
        sc = _sc()
        j, ok = _counts(k, loc, np.asarray(n))
        combiln = -np.log(np.asarray(n) + 1.0) - sc.betaln(np.asarray(n) - j + 1, j + 1)
        return np.where(ok, combiln + sc.xlogy(j, p) + sc.xlog1py(n - j, -p), -np.inf)

    def pmf(self, k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
        if not _any_dual(k, n, p, loc):
            return _scipy_dist("binom").pmf(k, n, p, loc)
        j, ok = _counts(k, loc, np.asarray(n))
        j = np.where(ok, j, 0)
        comb = np.exp(-np.log(np.asarray(n) + 1.0) - _sc().betaln(np.asarray(n) - j + 1, j + 1))
        return _at_ends(
            np.exp(self.logpmf(k, n, p, loc)),
            p,
            (0.0, 1.0),
            lambda q: np.where(ok, comb * q**j * (1 - q) ** (np.asarray(n) - j), 0.0),
        )


class _MultivariateNormal:
    """hyperdiff's mirror of scipy.stats.multivariate_normal (logpdf, pdf)."""

    def logpdf(self, x: Any, mean: Any = None, cov: Any = 1) -> Any:
        """-(d log(2 pi) + log det cov + (x - mean)^T cov^-1 (x - mean))/2, over x's last
        axis (cov: a matrix, a vector (diagonal) or a scalar; positive definite)."""
        if not _any_dual(x, mean, cov):
            return _scipy_dist("multivariate_normal").logpdf(x, mean, cov)
        cov_ndim, mean_ndim = np.ndim(cov), np.ndim(mean) if mean is not None else 0
        dim = np.shape(mean)[-1] if mean_ndim else (np.shape(cov)[-1] if cov_ndim else 1)
        if cov_ndim < 2:  # a scalar times the identity, or a vector: the diagonal
            cov = cov * np.eye(dim)
        if np.min(np.linalg.eigvalsh(_values(cov))) <= 0:
            raise ValueError("multivariate_normal: cov must be symmetric positive definite")
        if not _any_dual(x):
            x = np.asarray(x, dtype=float)
        if np.ndim(x) == 0 or (dim == 1 and np.shape(x)[-1] != 1):
            x = x[..., None]  # points of dimension 1
        dev = x if mean is None else x - mean
        shape = np.shape(dev)[:-1]
        flat = np.reshape(dev, (-1, dim))
        solved = np.linalg.solve(cov, flat.T)  # cov^-1 (x - mean), one column per point
        maha = np.sum(flat.T * solved, axis=0)
        logdet = np.linalg.slogdet(cov)[1]
        out = np.reshape(-(dim * math.log(2 * math.pi) + logdet + maha) / 2, shape)
        return np.squeeze(out) if np.ndim(out) else out

    def pdf(self, x: Any, mean: Any = None, cov: Any = 1) -> Any:
        if not _any_dual(x, mean, cov):
            return _scipy_dist("multivariate_normal").pdf(x, mean, cov)
        return np.exp(self.logpdf(x, mean, cov))


norm = _Norm()
t = _T()
multivariate_normal = _MultivariateNormal()
gamma = _Gamma()
beta = _Beta()
poisson = _Poisson()
binom = _Binom()

MIRRORS = {
    "norm": ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"),
    "t": ("logpdf", "pdf", "cdf"),
    "gamma": ("logpdf", "pdf", "cdf"),
    "beta": ("logpdf", "pdf", "cdf"),
    "poisson": ("logpmf", "pmf"),
    "binom": ("logpmf", "pmf"),
    "multivariate_normal": ("logpdf", "pdf"),
}


def scipy_stats_refusal(frame: Any) -> str | None:
    """The TypeError message when a scipy.stats distribution's method (frame: the first
    frame above numpy's) is converting a dual array, else None."""
    dist, method = None, None
    while frame is not None and frame.f_globals.get("__name__", "").startswith("scipy"):
        if frame.f_globals["__name__"].startswith("scipy.stats"):
            owner = frame.f_locals.get("self")
            name = getattr(owner, "name", None) or getattr(
                getattr(owner, "dist", None), "name", None
            )
            kind = type(owner).__name__
            if name is None and kind.endswith(("_gen", "_frozen")):  # multivariate ones
                name = kind.rsplit("_", 1)[0]
            if isinstance(name, str):
                dist, method = name, frame.f_code.co_name.lstrip("_")
        frame = frame.f_back
    if dist is None:
        return None
    if method in MIRRORS.get(dist, ()):
        where = f"use hyperdiff.stats.{dist}.{method} (same signature)"
    else:
        where = (
            "hyperdiff.stats mirrors " + ", ".join(sorted(MIRRORS)) + "'s log densities and "
            "distribution functions; otherwise write the formula with numpy and scipy.special "
            "functions on the dual array (those differentiate)"
        )
    return (
        f"scipy.stats.{dist}.{method} cannot differentiate dual arrays (it converts them with "
        f"np.asarray and calls numpy functions that refuse the object array); {where}"
    )


register_rules(scipy_stats_refusal=scipy_stats_refusal)  # DualArray.__array__'s
