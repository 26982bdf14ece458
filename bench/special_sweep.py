"""A sweep of the scipy.special table (src/hyperdiff/_special.py) against mpmath.

For every entry of the table (iterated, not listed), every argument it differentiates and
every region of that argument's line (tiny 1e-300..1e-8, small, ordinary, big, large
1e3..1e300, their negatives, near 1, near the negative integers, 0 and +-inf), the other
arguments held at a base point: hyperdiff's f' and f'' (a HyperDual seeded e1 = e2 = 1)
against mpmath's mp.diff (relative steps) of the mpmath counterpart at 40 digits, and the
mixed partial between each pair of dual arguments (e1 in one, e2 in the other) over a few
regions of both. Each (function, argument, region) is classified by its worst point:

  agree    within 1e-10 relative, or 1e-13 of the point's scale (|f| + |f'| + |f''|)
  refused  hyperdiff raises TypeError
  nan      scipy's value is nan and so are the parts
  WRONG    finite and off, or nan/inf where mpmath's derivative is finite, or finite parts
           of a nan value
  value    scipy's value itself is off from mpmath's by more than 1e-10 (parts not judged)
  noref    mpmath failed or took longer than --timeout seconds there (or no counterpart)
  inf      an infinite argument (informational: nan parts where the value is finite)

    OPENBLAS_NUM_THREADS=1 python bench/special_sweep.py --points 1 --timeout 2   # all: ~1.5 h
    python bench/special_sweep.py --only gamma,jv --points 3 --verbose   # some, each point

Many WRONG lines are the reference's, not hyperdiff's: mp.diff's differences straddling a
domain edge or a pole at the point (x = 0 of sqrt-like functions), findroot's inverses
near the ends of their range, mpmath's absolute accuracy of betainc at tiny values. Read
each line before mending anything.

Functions without an mpmath counterpart here are listed at the end (skipped).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import mpmath as mp
import numpy as np
import scipy.special as sc

import hyperdiff as hd
from hyperdiff import _special

# --- mpmath counterparts ------------------------------------------------------------------

F = Callable[..., Any]


def _reg_inc_beta(a: Any, b: Any, x: Any) -> Any:
    return mp.betainc(a, b, 0, x, regularized=True)


def _reg_inc_beta_c(a: Any, b: Any, x: Any) -> Any:
    return mp.betainc(a, b, x, 1, regularized=True)


def _p(a: Any, x: Any) -> Any:
    return mp.gammainc(a, 0, x, regularized=True) if x > 0 else mp.mpf(0)


def _q(a: Any, x: Any) -> Any:
    return mp.gammainc(a, x, mp.inf, regularized=True) if x > 0 else mp.mpf(1)


def _bdtr(k: Any, n: Any, p: Any) -> Any:
    """scipy's binomial cdf: counts floored (n truncated)."""
    k, n = mp.floor(k), mp.floor(n)
    return _reg_inc_beta_c(k + 1, n - k, p)


def _ncdf(x: Any) -> Any:
    return mp.ncdf(x)


def _stdtr(df: Any, t: Any) -> Any:
    tail = _reg_inc_beta(df / 2, mp.mpf(1) / 2, df / (df + t * t)) / 2
    return 1 - tail if t > 0 else tail


def _fdtr(dfn: Any, dfd: Any, x: Any) -> Any:
    return _reg_inc_beta(dfn / 2, dfd / 2, dfn * x / (dfn * x + dfd))


def _fdtrc(dfn: Any, dfd: Any, x: Any) -> Any:
    return _reg_inc_beta_c(dfn / 2, dfd / 2, dfn * x / (dfn * x + dfd))


def _poisson_mix(nc: Any, term: F) -> Any:
    lam = nc / 2
    return mp.nsum(
        lambda j: mp.exp(-lam + j * mp.log(lam) - mp.loggamma(j + 1)) * term(j), [0, mp.inf]
    )


def _chndtr(x: Any, df: Any, nc: Any) -> Any:
    if nc == 0:
        return _p(df / 2, x / 2)
    return _poisson_mix(nc, lambda j: _p(df / 2 + j, x / 2))


def _ncfdtr(dfn: Any, dfd: Any, nc: Any, f: Any) -> Any:
    y = dfn * f / (dfn * f + dfd)
    if nc == 0:
        return _reg_inc_beta(dfn / 2, dfd / 2, y)
    return _poisson_mix(nc, lambda j: _reg_inc_beta(dfn / 2 + j, dfd / 2, y))


def _boxcox(x: Any, lm: Any) -> Any:
    return mp.log(x) if lm == 0 else mp.expm1(lm * mp.log(x)) / lm


def _boxcox1p(x: Any, lm: Any) -> Any:
    return mp.log1p(x) if lm == 0 else mp.expm1(lm * mp.log1p(x)) / lm


def _inv_boxcox(y: Any, lm: Any) -> Any:
    return mp.exp(y) if lm == 0 else mp.exp(mp.log1p(lm * y) / lm)


def _inv_boxcox1p(y: Any, lm: Any) -> Any:
    return mp.expm1(y) if lm == 0 else mp.expm1(mp.log1p(lm * y) / lm)


def _kolmogorov(y: Any) -> Any:
    if y <= 0:
        return mp.mpf(1)
    return 2 * mp.nsum(lambda k: (-1) ** (k - 1) * mp.exp(-2 * k * k * y * y), [1, mp.inf])


def _smirnov(n: Any, d: Any) -> Any:
    n = int(n)
    if d <= 0:
        return mp.mpf(1)
    if d >= 1:
        return mp.mpf(0)
    total = mp.mpf(0)
    for j in range(int(mp.floor(n * (1 - d))) + 1):
        total += (
            mp.binomial(n, j)
            * d
            * (d + mp.mpf(j) / n) ** (j - 1)
            * (1 - d - mp.mpf(j) / n) ** (n - j)
        )
    return total


def _wright(a: Any, b: Any, x: Any) -> Any:
    return mp.nsum(lambda k: x**k * mp.rgamma(k + 1) * mp.rgamma(a * k + b), [0, mp.inf])


def _besselpoly(a: Any, lm: Any, nu: Any) -> Any:
    s = lm + nu + 1
    return a**nu / (mp.gamma(nu + 1) * s) * mp.hyp1f2(s / 2, nu + 1, s / 2 + 1, -a * a)


def _voigt(x: Any, s: Any, g: Any) -> Any:
    z = (x + 1j * g) / (s * mp.sqrt(2))
    return mp.re(mp.exp(-z * z) * mp.erfc(-1j * z)) / (s * mp.sqrt(2 * mp.pi))


def _huber(d: Any, r: Any) -> Any:
    if d < 0:
        return mp.inf
    return r * r / 2 if abs(r) <= d else d * (abs(r) - d / 2)


def _owens_t(h: Any, a: Any) -> Any:
    return mp.quad(lambda t: mp.exp(-h * h * (1 + t * t) / 2) / (1 + t * t), [0, a]) / (2 * mp.pi)


def _kelvin_pair(x: Any, kind: str) -> Any:
    if kind == "b":
        return mp.besselj(0, x * mp.expjpi(mp.mpf(3) / 4))
    return mp.besselk(0, x * mp.expjpi(mp.mpf(1) / 4))


def _kelvin_prime(x: Any, kind: str) -> Any:
    if kind == "b":
        w = mp.expjpi(mp.mpf(3) / 4)
        return -w * mp.besselj(1, x * w)
    w = mp.expjpi(mp.mpf(1) / 4)
    return -w * mp.besselk(1, x * w)


def _modfresnel(x: Any, sign: int) -> tuple[Any, Any]:
    s = mp.sqrt(2 / mp.pi)
    inner = mp.sqrt(mp.pi / 2) * (mp.fresnelc(x * s) + sign * 1j * mp.fresnels(x * s))
    fp = mp.sqrt(mp.pi) / 2 * mp.expjpi(sign * mp.mpf(1) / 4) - inner
    kp = fp * mp.exp(-sign * 1j * (x * x + mp.pi / 4)) / mp.sqrt(mp.pi)
    return fp, kp


def _airye(x: Any) -> tuple[Any, ...]:
    zeta = mp.mpf(2) / 3 * mp.power(mp.mpc(x), mp.mpf(3) / 2)
    ea, eb = mp.exp(mp.re(zeta)), mp.exp(-abs(mp.re(zeta)))
    return (
        mp.airyai(x) * ea,
        mp.airyai(x, 1) * ea,
        mp.airybi(x) * eb,
        mp.airybi(x, 1) * eb,
    )


def _airye_part(i: int, x: Any) -> Any:
    return _airye(x)[i]


def _sh_jacobi(n: Any, p: Any, q: Any, x: Any) -> Any:
    return mp.jacobi(n, p - q, q - 1, 2 * x - 1) / mp.binomial(2 * n + p - 1, n)


def _one(f: F) -> F:
    return f


# name -> one mpmath function of the scipy arguments (a tuple for several outputs)
FORWARD: dict[str, Any] = {
    "_lambertw": lambda z, k, tol: mp.lambertw(z, int(k)),
    "_riemann_zeta": mp.zeta,
    "_zeta": lambda x, q: mp.zeta(x, q),
    "zetac": lambda x: mp.zeta(x) - 1,
    "agm": mp.agm,
    "airy": (
        lambda z: mp.airyai(z),
        lambda z: mp.airyai(z, 1),
        lambda z: mp.airybi(z),
        lambda z: mp.airybi(z, 1),
    ),
    "airye": tuple(functools.partial(_airye_part, i) for i in range(4)),
    "bdtr": lambda k, n, p: _bdtr(k, n, p),
    "bdtrc": lambda k, n, p: 1 - _bdtr(k, n, p),
    "bei": lambda x: mp.bei(0, x),
    "ber": lambda x: mp.ber(0, x),
    "beip": lambda x: mp.im(_kelvin_prime(x, "b")),
    "berp": lambda x: mp.re(_kelvin_prime(x, "b")),
    "kei": lambda x: mp.kei(0, x),
    "ker": lambda x: mp.ker(0, x),
    "keip": lambda x: mp.im(_kelvin_prime(x, "k")),
    "kerp": lambda x: mp.re(_kelvin_prime(x, "k")),
    "kelvin": (
        lambda x: _kelvin_pair(x, "b"),
        lambda x: _kelvin_pair(x, "k"),
        lambda x: _kelvin_prime(x, "b"),
        lambda x: _kelvin_prime(x, "k"),
    ),
    "besselpoly": _besselpoly,
    "beta": mp.beta,
    "betaln": lambda a, b: mp.log(abs(mp.beta(a, b))),
    "betainc": _reg_inc_beta,
    "betaincc": _reg_inc_beta_c,
    "binom": mp.binomial,
    "boxcox": _boxcox,
    "boxcox1p": _boxcox1p,
    "inv_boxcox": _inv_boxcox,
    "inv_boxcox1p": _inv_boxcox1p,
    "cbrt": lambda x: mp.sign(x) * mp.cbrt(abs(x)),
    "chdtr": lambda v, x: _p(v / 2, x / 2),
    "chdtrc": lambda v, x: _q(v / 2, x / 2),
    "chndtr": _chndtr,
    "cosdg": lambda x: mp.cospi(x / 180),
    "sindg": lambda x: mp.sinpi(x / 180),
    "tandg": lambda x: mp.tan(mp.pi * x / 180),
    "cotdg": lambda x: mp.cot(mp.pi * x / 180),
    "cosm1": lambda x: mp.cos(x) - 1,
    "dawsn": lambda x: mp.sqrt(mp.pi) / 2 * mp.exp(-x * x) * mp.erfi(x),
    "ellipe": mp.ellipe,
    "ellipk": mp.ellipk,
    "ellipkm1": lambda p: mp.ellipk(1 - p),
    "ellipeinc": lambda phi, m: mp.ellipe(phi, m),
    "ellipkinc": lambda phi, m: mp.ellipf(phi, m),
    "ellipj": (
        lambda u, m: mp.ellipfun("sn", u, m=m),
        lambda u, m: mp.ellipfun("cn", u, m=m),
        lambda u, m: mp.ellipfun("dn", u, m=m),
        None,
    ),
    "elliprc": mp.elliprc,
    "elliprd": mp.elliprd,
    "elliprf": mp.elliprf,
    "elliprg": mp.elliprg,
    "elliprj": mp.elliprj,
    "entr": lambda x: -x * mp.log(x) if x > 0 else (mp.mpf(0) if x == 0 else -mp.inf),
    "erf": mp.erf,
    "erfc": mp.erfc,
    "erfcx": lambda x: mp.exp(x * x) * mp.erfc(x),
    "erfi": mp.erfi,
    "eval_chebyc": lambda n, x: 2 * mp.chebyt(n, x / 2),
    "eval_chebys": lambda n, x: mp.chebyu(n, x / 2),
    "eval_chebyt": mp.chebyt,
    "eval_chebyu": mp.chebyu,
    "eval_gegenbauer": mp.gegenbauer,
    "eval_genlaguerre": mp.laguerre,
    "eval_hermite": lambda n, x: mp.hermite(int(n), x),
    "eval_hermitenorm": lambda n, x: mp.hermite(int(n), x / mp.sqrt(2)) / mp.sqrt(2) ** int(n),
    "eval_jacobi": mp.jacobi,
    "eval_laguerre": lambda n, x: mp.laguerre(n, 0, x),
    "eval_legendre": mp.legendre,
    "eval_sh_chebyt": lambda n, x: mp.chebyt(n, 2 * x - 1),
    "eval_sh_chebyu": lambda n, x: mp.chebyu(n, 2 * x - 1),
    "eval_sh_jacobi": _sh_jacobi,
    "eval_sh_legendre": lambda n, x: mp.legendre(n, 2 * x - 1),
    "exp1": mp.e1,
    "exp10": lambda x: mp.power(10, x),
    "exp2": lambda x: mp.power(2, x),
    "expi": mp.ei,
    "expm1": mp.expm1,
    "expn": lambda n, x: mp.expint(int(n), x),
    "exprel": lambda x: mp.expm1(x) / x if x != 0 else mp.mpf(1),
    "fdtr": _fdtr,
    "fdtrc": _fdtrc,
    "fresnel": (lambda z: mp.fresnels(z), lambda z: mp.fresnelc(z)),
    "gamma": mp.gamma,
    "gammainc": _p,
    "gammaincc": _q,
    "gammasgn": lambda x: mp.sign(mp.gamma(x)),
    "gdtr": lambda a, b, x: _p(b, a * x),
    "gdtrc": lambda a, b, x: _q(b, a * x),
    "hankel1": mp.hankel1,
    "hankel2": mp.hankel2,
    "hankel1e": lambda v, z: mp.hankel1(v, z) * mp.exp(-1j * z),
    "hankel2e": lambda v, z: mp.hankel2(v, z) * mp.exp(1j * z),
    "huber": _huber,
    "pseudo_huber": lambda d, r: d * d * (mp.sqrt(1 + (r / d) ** 2) - 1),
    "hyp0f1": mp.hyp0f1,
    "hyp1f1": mp.hyp1f1,
    "hyp2f1": mp.hyp2f1,
    "hyperu": mp.hyperu,
    "i0": lambda x: mp.besseli(0, x),
    "i1": lambda x: mp.besseli(1, x),
    "i0e": lambda x: mp.besseli(0, x) * mp.exp(-abs(x)),
    "i1e": lambda x: mp.besseli(1, x) * mp.exp(-abs(x)),
    "iv": mp.besseli,
    "ive": lambda v, z: mp.besseli(v, z) * mp.exp(-abs(mp.re(z))),
    "j0": lambda x: mp.besselj(0, x),
    "j1": lambda x: mp.besselj(1, x),
    "jv": mp.besselj,
    "jve": lambda v, z: mp.besselj(v, z) * mp.exp(-abs(mp.im(z))),
    "k0": lambda x: mp.besselk(0, x),
    "k1": lambda x: mp.besselk(1, x),
    "k0e": lambda x: mp.besselk(0, x) * mp.exp(x),
    "k1e": lambda x: mp.besselk(1, x) * mp.exp(x),
    "kn": lambda n, x: mp.besselk(int(n), x),
    "kv": mp.besselk,
    "kve": lambda v, z: mp.besselk(v, z) * mp.exp(z),
    "y0": lambda x: mp.bessely(0, x),
    "y1": lambda x: mp.bessely(1, x),
    "yn": lambda n, x: mp.bessely(int(n), x),
    "yv": mp.bessely,
    "yve": lambda v, z: mp.bessely(v, z) * mp.exp(-abs(mp.im(z))),
    "kl_div": lambda x, y: x * mp.log(x / y) - x + y,
    "rel_entr": lambda x, y: x * mp.log(x / y),
    "kolmogorov": _kolmogorov,
    "log1p": mp.log1p,
    "log_expit": lambda x: -mp.log1p(mp.exp(-x)),
    "log_ndtr": lambda x: mp.log(mp.ncdf(x)),
    "wright_bessel": _wright,
    "log_wright_bessel": lambda a, b, x: mp.log(_wright(a, b, x)),
    "loggamma": mp.loggamma,
    "modfresnelp": (lambda x: _modfresnel(x, 1)[0], lambda x: _modfresnel(x, 1)[1]),
    "modfresnelm": (lambda x: _modfresnel(x, -1)[0], lambda x: _modfresnel(x, -1)[1]),
    "modstruve": mp.struvel,
    "struve": mp.struveh,
    "nbdtr": lambda k, n, p: _reg_inc_beta(mp.floor(n), mp.floor(k) + 1, p),
    "nbdtrc": lambda k, n, p: _reg_inc_beta_c(mp.floor(n), mp.floor(k) + 1, p),
    "ncfdtr": _ncfdtr,
    "nrdtrimn": lambda p, s, x: x - s * mp.sqrt(2) * mp.erfinv(2 * p - 1),
    "nrdtrisd": lambda mn, p, x: (x - mn) / (mp.sqrt(2) * mp.erfinv(2 * p - 1)),
    "owens_t": _owens_t,
    "pdtr": lambda k, m: _q(mp.floor(k) + 1, m),
    "pdtrc": lambda k, m: _p(mp.floor(k) + 1, m),
    "poch": mp.rf,
    "powm1": mp.powm1,
    "psi": mp.digamma,
    "radian": lambda d, m, s: (d + m / 60 + s / 3600) * mp.pi / 180,
    "rgamma": mp.rgamma,
    "round": lambda x: mp.nint(x),
    "shichi": (mp.shi, mp.chi),
    "sici": (mp.si, mp.ci),
    "smirnov": _smirnov,
    "spence": lambda z: mp.polylog(2, 1 - z),
    "stdtr": _stdtr,
    "voigt_profile": _voigt,
    "wofz": lambda z: mp.exp(-z * z) * mp.erfc(-1j * z),
    "wrightomega": lambda z: mp.lambertw(mp.exp(z)),
    "xlog1py": lambda x, y: x * mp.log1p(y) if x != 0 else mp.mpf(0),
    "xlogy": lambda x, y: x * mp.log(y) if x != 0 else mp.mpf(0),
}

# name -> the derivative's mpmath counterpart (functions defined as integrals of it)
PRIME: dict[str, Any] = {
    "it2i0k0": (lambda x: (mp.besseli(0, x) - 1) / x, lambda x: -mp.besselk(0, x) / x),
    "it2j0y0": (lambda x: (1 - mp.besselj(0, x)) / x, lambda x: -mp.bessely(0, x) / x),
    "it2struve0": lambda x: -mp.struveh(0, x) / x,
    "itairy": (
        lambda x: mp.airyai(x),
        lambda x: mp.airybi(x),
        lambda x: mp.airyai(-x),
        lambda x: mp.airybi(-x),
    ),
    "iti0k0": (lambda x: mp.besseli(0, x), lambda x: mp.besselk(0, x)),
    "itj0y0": (lambda x: mp.besselj(0, x), lambda x: mp.bessely(0, x)),
    "itmodstruve0": lambda x: mp.struvel(0, x),
    "itstruve0": lambda x: mp.struveh(0, x),
}


def _tukey_quantile(p: Any, lm: Any) -> Any:
    if lm == 0:
        return mp.log(p / (1 - p))
    return (p**lm - (1 - p) ** lm) / lm


# name -> (forward function, position of the unknown in its arguments, the scipy
# argument that is its target value): the inverse solves forward(...) = target
INVERSE: dict[str, tuple[F, int, int]] = {
    # scipy args -> forward args: the unknown replaces the target at `pos` in the forward's
    "bdtri": (lambda k, n, p: _bdtr(k, n, p), 2, 2),
    "bdtrik": (lambda k, n, p: _reg_inc_beta_c(k + 1, n - k, p), 0, 0),
    "bdtrin": (lambda k, n, p: _reg_inc_beta_c(k + 1, n - k, p), 1, 1),
    "betaincinv": (_reg_inc_beta, 2, 2),
    "betainccinv": (_reg_inc_beta_c, 2, 2),
    "btdtria": (_reg_inc_beta, 0, 0),
    "btdtrib": (_reg_inc_beta, 1, 1),
    "chdtri": (lambda v, x: _q(v / 2, x / 2), 1, 1),
    "chdtriv": (lambda v, x: _p(v / 2, x / 2), 0, 0),
    "chndtridf": (_chndtr, 1, 1),
    "chndtrinc": (_chndtr, 2, 2),
    "chndtrix": (_chndtr, 0, 0),
    "erfinv": (mp.erf, 0, 0),
    "erfcinv": (mp.erfc, 0, 0),
    "fdtri": (_fdtr, 2, 2),
    "fdtridfd": (_fdtr, 1, 1),
    "gammaincinv": (_p, 1, 1),
    "gammainccinv": (_q, 1, 1),
    "gdtria": (lambda a, b, x: _p(b, a * x), 0, 0),
    "gdtrib": (lambda a, b, x: _p(b, a * x), 1, 1),
    "gdtrix": (lambda a, b, x: _p(b, a * x), 2, 2),
    "kolmogi": (_kolmogorov, 0, 0),
    "nbdtri": (lambda k, n, p: _reg_inc_beta(mp.floor(n), mp.floor(k) + 1, p), 2, 2),
    "nbdtrik": (lambda k, n, p: _reg_inc_beta(n, k + 1, p), 0, 0),
    "nbdtrin": (lambda k, n, p: _reg_inc_beta(n, k + 1, p), 1, 1),
    "ncfdtri": (_ncfdtr, 3, 3),
    "ncfdtridfd": (_ncfdtr, 1, 1),
    "ncfdtridfn": (_ncfdtr, 0, 0),
    "ncfdtrinc": (_ncfdtr, 2, 2),
    "ndtri": (_ncdf, 0, 0),
    "ndtri_exp": (lambda x: mp.log(mp.ncdf(x)), 0, 0),
    "pdtri": (lambda k, m: _q(mp.floor(k) + 1, m), 1, 1),
    "pdtrik": (lambda k, m: _q(k + 1, m), 0, 0),
    "smirnovi": (_smirnov, 1, 1),
    "stdtridf": (_stdtr, 0, 0),
    "stdtrit": (_stdtr, 1, 1),
    "tklmbda": (_tukey_quantile, 0, 0),
}
SKIPPED_WHY = {
    "nctdtr": "no mpmath noncentral t",
    "nctdtridf": "no mpmath noncentral t",
    "nctdtrinc": "no mpmath noncentral t",
    "nctdtrit": "no mpmath noncentral t",
    "lpmv": "the 'params' helper's entry",
    "pbdv": "the 'params' helper's entry",
    "pbvv": "the 'params' helper's entry",
    "pbwa": "the 'params' helper's entry",
}


def _inverse(name: str) -> F | None:
    if name not in INVERSE:
        return None
    forward, pos, target = INVERSE[name]
    tukey = name == "tklmbda"

    def solve(*args: Any) -> Any:
        args = list(args)
        y = args[target]
        rest = args[:target] + args[target + 1 :]
        if tukey:  # cdf x -> p with quantile(p, lmbda) = x, started from scipy's p
            start = mp.mpf(float(sc.tklmbda(float(args[0]), float(args[1]))))
            return mp.findroot(lambda p: forward(p, args[1]) - args[0], start, verify=False)
        fargs = list(rest)
        start = _START[0]
        fargs.insert(pos, None)

        def g(u: Any) -> Any:
            fargs[pos] = u
            return forward(*fargs) - y

        return mp.findroot(g, start, verify=False)

    return solve


_START = [mp.mpf(1)]  # the inverse's start: scipy's value at the point


# --- hyperdiff ----------------------------------------------------------------------------


def _hd(ufunc: Any, args: list[Any], i: int, j: int) -> Any:
    """ufunc's planes (value, e1, e2, e12) with e1 in argument i and e2 in j (i == j: one
    HyperDual e1 = e2 = 1), per output; a TypeError's text; or another exception's."""
    a: list[Any] = list(args)
    if i == j:
        a[i] = hd.hyperdual(np.asarray(a[i]), 1.0, 1.0)
    else:
        a[i] = hd.hyperdual(np.asarray(a[i]), 1.0, 0.0)
        a[j] = hd.hyperdual(np.asarray(a[j]), 0.0, 1.0)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = ufunc(*a)
    except TypeError as e:
        return "refused: " + str(e)
    except Exception as e:
        return f"error: {type(e).__name__}: {e}"
    outs = out if isinstance(out, tuple) else (out,)
    return [np.asarray(o._stack) for o in outs]


class Timeout(Exception):
    pass


@contextlib.contextmanager
def _limit(seconds: float) -> Iterator[None]:
    def handler(*_: Any) -> None:
        raise Timeout

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# --- points -------------------------------------------------------------------------------

BASE: dict[str, tuple[float, ...]] = {
    "_lambertw": (0.7, 0.0, 1e-8),
    "bdtr": (3.0, 10.0, 0.3),
    "bdtrc": (3.0, 10.0, 0.3),
    "bdtri": (3.0, 10.0, 0.3),
    "bdtrik": (0.3, 10.0, 0.3),
    "bdtrin": (3.0, 0.3, 0.3),
    "nbdtr": (3.0, 5.0, 0.3),
    "nbdtrc": (3.0, 5.0, 0.3),
    "nbdtri": (3.0, 5.0, 0.3),
    "nbdtrik": (0.3, 5.0, 0.3),
    "nbdtrin": (3.0, 0.3, 0.3),
    "chndtr": (2.0, 3.0, 1.5),
    "chndtrix": (0.4, 3.0, 1.5),
    "chndtridf": (2.0, 0.4, 1.5),
    "chndtrinc": (2.0, 3.0, 0.2),
    "ncfdtr": (3.0, 4.0, 1.5, 1.2),
    "ncfdtri": (3.0, 4.0, 1.5, 0.4),
    "ncfdtridfd": (3.0, 0.4, 1.5, 1.2),
    "ncfdtridfn": (0.4, 4.0, 1.5, 1.2),
    "ncfdtrinc": (3.0, 4.0, 0.2, 1.2),
    "eval_hermite": (3.0, 0.7),
    "eval_hermitenorm": (3.0, 0.7),
    "expn": (2.0, 0.7),
    "kn": (2.0, 0.7),
    "yn": (2.0, 0.7),
    "smirnov": (5.0, 0.3),
    "smirnovi": (5.0, 0.3),
    "pdtri": (3.0, 0.3),
    "pdtr": (3.0, 2.0),
    "pdtrc": (3.0, 2.0),
    "pdtrik": (0.3, 2.0),
    "huber": (1.0, 0.7),
    "pseudo_huber": (1.0, 0.7),
    "tklmbda": (0.7, 0.3),
    "eval_jacobi": (3.0, 0.7, 0.4, 0.3),
    "eval_sh_jacobi": (3.0, 2.5, 1.5, 0.3),
    "eval_gegenbauer": (3.0, 0.7, 0.3),
    "eval_genlaguerre": (3.0, 0.7, 0.3),
    "elliprj": (0.7, 1.3, 2.0, 0.5),
    "elliprd": (0.7, 1.3, 2.0),
    "elliprf": (0.7, 1.3, 2.0),
    "elliprg": (0.7, 1.3, 2.0),
    "hyp2f1": (0.7, 1.3, 2.2, 0.3),
    "hyp1f1": (0.7, 1.3, 0.8),
    "hyperu": (0.7, 1.3, 0.8),
    "voigt_profile": (0.7, 1.3, 0.8),
    "besselpoly": (0.7, 1.3, 0.8),
    "wright_bessel": (0.7, 1.3, 0.8),
    "log_wright_bessel": (0.7, 1.3, 0.8),
    "radian": (0.7, 1.3, 0.8),
    "gdtria": (0.3, 2.0, 1.5),
    "gdtrib": (1.2, 0.3, 1.5),
    "gdtrix": (1.2, 2.0, 0.3),
    "btdtria": (0.3, 2.0, 0.4),
    "btdtrib": (1.2, 0.3, 0.4),
    "fdtridfd": (3.0, 0.3, 1.5),
    "fdtri": (3.0, 4.0, 0.3),
    "stdtridf": (0.3, -1.0),
    "stdtrit": (3.0, 0.3),
    "chdtri": (3.0, 0.3),
    "chdtriv": (0.3, 2.0),
    "nrdtrimn": (0.3, 1.3, 0.8),
    "nrdtrisd": (0.2, 0.3, 0.8),
    "gammaincinv": (1.5, 0.3),
    "gammainccinv": (1.5, 0.3),
    "betaincinv": (1.5, 2.5, 0.3),
    "betainccinv": (1.5, 2.5, 0.3),
}

REGIONS: dict[str, tuple[float, float] | None] = {
    "tiny": (-300, -8),
    "small": (-8, -1),
    "ordinary": (-1, 1),
    "big": (1, 3),
    "large": (3, 300),
    "-tiny": (-300, -8),
    "-small": (-8, -1),
    "-ordinary": (-1, 1),
    "-big": (1, 3),
    "-large": (3, 300),
    "near1": None,
    "near-int": None,
    "0": None,
    "inf": None,
    "-inf": None,
}


def points(region: str, rng: np.random.Generator, count: int) -> list[float]:
    if region == "0":
        return [0.0]
    if region in ("inf", "-inf"):
        return [float(region)]
    if region == "near1":
        d = 10 ** rng.uniform(-16, -4, count)
        return list(1 - d * rng.choice([-1, 1], count))
    if region == "near-int":
        k = rng.integers(1, 6, count)
        d = 10 ** rng.uniform(-12, -3, count)
        return list(-k + d * rng.choice([-1, 1], count))
    lo, hi = REGIONS[region]  # type: ignore[misc]
    sign = -1 if region.startswith("-") else 1
    return list(sign * 10 ** rng.uniform(lo, hi, count))


# --- comparison ---------------------------------------------------------------------------

ORDER_OF_CLASSES = ["WRONG", "error", "value", "noref", "refused", "nan", "inf", "agree"]


def _to_float(v: Any) -> complex:
    return complex(v)


def _reference(name: str, k: int, args: list[float], i: int, j: int, timeout: float) -> Any:
    """(value, d_i, d_ii) or (value, d_ij) of output k from mpmath; None where none."""
    prime = False
    if name in FORWARD and FORWARD[name] is not None:
        f = FORWARD[name]
    elif name in PRIME:
        f, prime = PRIME[name], True
    elif name in INVERSE:
        f = _inverse(name)
    else:
        return None
    if isinstance(f, tuple):
        f = f[k]
        if f is None:
            return None
    elif k > 0:
        return None
    xs = [mp.mpc(a) if isinstance(a, complex) else mp.mpf(a) for a in args]

    def g(*vary: Any) -> Any:
        z = list(xs)
        if i == j:
            z[i] = vary[0]
        else:
            z[i], z[j] = vary
        return f(*z)

    with _limit(timeout):
        if prime:
            if i != j:
                return None
            return None, g(xs[i]), _diff(g, xs[i], 1)
        value = g(xs[i]) if i == j else g(xs[i], xs[j])
        if i == j:
            return value, _diff(g, xs[i], 1), _diff(g, xs[i], 2)
        return value, _diff(lambda u: _diff(lambda w: g(u, w), xs[j], 1), xs[i], 1)


_STEP_BITS = 80


def _diff(g: F, x: Any, n: int) -> Any:
    """g's n-th derivative at x by mp.diff's central differences with the step
    h = min(|x|, 1) 2^-80 (below the distance to a pole 1e-12 away by 2^-40: truncation
    ~2^-80 relative; mp.diff's own relative step grows for |x| < 1), at a working
    precision that keeps the differences' cancellation (n (80 + |log2 x|) bits: h^n against
    the argument's scale) above 40 digits."""
    mag = abs(int(mp.mag(x))) if x != 0 else 0
    scale = mp.mpf(1) if x == 0 else min(abs(x), mp.mpf(1))
    need = 156 + n * (mag + _STEP_BITS)
    with mp.workprec(max(mp.mp.prec, need // (n + 1) + 10)):
        return mp.diff(g, x, n, h=mp.ldexp(scale, -_STEP_BITS), addprec=0)


def classify(
    name: str, ufunc: Any, args: list[float], i: int, j: int, timeout: float
) -> tuple[str, str]:
    got = _hd(ufunc, args, i, j)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            plain = ufunc(*args)
    except Exception as e:
        return "error", f"scipy: {type(e).__name__}: {e}"[:160]
    plains = plain if isinstance(plain, tuple) else (plain,)
    if isinstance(got, str):
        if got.startswith("refused"):
            return "refused", got[:160]
        return "error", got[:160]
    infinite_arg = any(np.isinf(a) for a in args)
    worst, detail = "agree", ""
    for k, (planes, v) in enumerate(zip(got, plains, strict=True)):
        v = complex(v)
        parts = [complex(p) for p in planes.reshape(planes.shape[0], -1)[:, 0]]
        wanted = [parts[1], parts[3]] if i == j else [parts[3]]
        if infinite_arg:
            if np.isfinite(v) and not all(np.isfinite(w) for w in wanted):
                cls, why = "inf", f"out{k}: finite value {v} with parts {wanted}"
            else:
                cls, why = "inf", ""
        elif not np.isfinite(v):
            if all(np.isnan(w) for w in wanted) or not np.isnan(v):
                cls, why = ("nan" if np.isnan(v) else "inf"), ""
            else:
                cls, why = "WRONG", f"out{k}: nan value, parts {wanted}"
        else:
            _START[0] = mp.mpf(v.real)
            mp.mp.dps = 40
            try:
                ref = _reference(name, k, args, i, j, timeout)
            except Timeout:
                ref, cls, why = None, "noref", "timeout"
            except Exception as e:
                ref, cls, why = None, "noref", f"{type(e).__name__}: {str(e)[:60]}"
            else:
                cls, why = ("noref", "no counterpart") if ref is None else ("", "")
            if ref is not None:
                cls, why = _judge(v, wanted, ref, k)
        if ORDER_OF_CLASSES.index(cls) < ORDER_OF_CLASSES.index(worst):
            worst, detail = cls, why
    return worst, detail


def _judge(v: complex, wanted: list[complex], ref: Any, k: int) -> tuple[str, str]:
    value, *derivs = ref
    try:
        derivs = [complex(d) for d in derivs]
    except (OverflowError, ValueError):
        return "noref", "reference beyond float range"
    if value is not None:
        m0 = complex(value) if abs(value) < 1e308 else complex("inf")
        if not np.isfinite(m0) or abs(v - m0) > 1e-10 * abs(m0) + 1e-300:
            return "value", f"out{k}: scipy {v} vs mpmath {m0}"
    if v.imag == 0 and any(abs(d.imag) > 1e-10 * abs(d) for d in derivs):
        return "noref", "mpmath's derivative is complex: a step left the real domain"
    scale = abs(v) + sum(abs(d) for d in derivs)
    for h, r in zip(wanted, derivs, strict=True):
        if not np.isfinite(r) or (np.isinf(h) and abs(r) > 1e10):
            continue  # (an infinite derivative: mpmath's differences only grow there, and
            # straddle the domain's edge at x = 0: any sign)
        if not np.isfinite(h):
            return "WRONG", f"out{k}: {h} vs mpmath {r}"
        err = abs(h - r)
        if err > 1e-10 * abs(r) and err > 1e-13 * scale:
            return "WRONG", f"out{k}: {h} vs mpmath {r} (rel {err / max(abs(r), 1e-300):.2g})"
    return "agree", ""


# --- driver -------------------------------------------------------------------------------


def _tasks(
    name: str, entry: Any, base: list[Any], rng: np.random.Generator, count: int
) -> Iterator[tuple[str, int, int, list[list[Any]]]]:
    """(label, i, j, the points' argument lists): every dual argument over every region
    (i == j), then each pair of them over three regions of both (the mixed partial)."""
    for i in entry.dual:
        for region in REGIONS:
            lists = []
            for x in points(region, rng, count):
                args = list(base)
                args[i] = x
                lists.append(args)
            yield f"{name}[{entry.args[i]}] {region}", i, i, lists
    for a in range(len(entry.dual)):
        for b in range(a + 1, len(entry.dual)):
            i, j = entry.dual[a], entry.dual[b]
            for region in ("ordinary", "tiny", "big"):
                lists = []
                for _ in range(count):
                    args = list(base)
                    args[i] = points(region, rng, 1)[0]
                    args[j] = points(region, rng, 1)[0]
                    lists.append(args)
                yield f"{name}[{entry.args[i]},{entry.args[j]}] {region}", i, j, lists


def _record(
    where: str,
    cases: collections.Counter[str],
    details: list[str],
    counts: collections.Counter[str],
    wrong: list[str],
    verbose: bool,
) -> None:
    """Count a (function, argument, region) by its worst point's class; print it (all with
    --verbose, else WRONG and error) and keep the WRONG ones for the summary."""
    worst = min(cases, key=ORDER_OF_CLASSES.index)
    counts[worst] += 1
    line = f"{where}: {worst} {dict(cases)}"
    if worst == "WRONG":
        wrong.append(line + " | " + "; ".join(details[:2]))
    if verbose or worst in ("WRONG", "error"):
        print(line, "|", "; ".join(details[:2]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated ufunc names")
    parser.add_argument("--skip", default="", help="comma-separated ufunc names")
    parser.add_argument("--points", type=int, default=2, help="random points per region")
    parser.add_argument("--timeout", type=float, default=4.0, help="seconds per mpmath point")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    opts = parser.parse_args()
    only = set(filter(None, opts.only.split(",")))
    skip = set(filter(None, opts.skip.split(",")))
    table = _special.table()
    counts: collections.Counter[str] = collections.Counter()
    skipped: dict[str, str] = {}
    wrong: list[str] = []
    for ufunc, entry in sorted(table.items(), key=lambda kv: kv[0].__name__):
        name = ufunc.__name__
        if (only and name not in only) or name in skip:
            continue
        if not entry.dual:
            continue
        if name.startswith(("mathieu", "pro_", "obl_")) or name in SKIPPED_WHY:
            skipped[name] = SKIPPED_WHY.get(name, "the 'spheroidal' helper's entry; no mpmath")
            continue
        if name not in FORWARD and name not in PRIME and name not in INVERSE:
            skipped[name] = "no mpmath counterpart here"
            continue
        rng = np.random.default_rng([opts.seed, sum(map(ord, name))])
        base: list[Any] = list(BASE.get(name, (0.7,) * len(entry.args)))
        ins = [t.split("->")[0] for t in ufunc.types]
        base = [int(b) if all(t[n] == "l" for t in ins) else b for n, b in enumerate(base)]
        for where, i, j, points_args in _tasks(name, entry, base, rng, opts.points):
            cases = collections.Counter[str]()
            details = []
            for args in points_args:
                cls, why = classify(name, ufunc, args, i, j, opts.timeout)
                cases[cls] += 1
                if why:
                    details.append(f"{[float(u) for u in args]}: {why}")
            _record(where, cases, details, counts, wrong, opts.verbose)
    print("\nsummary (function, argument or pair, region) by worst class:")
    for cls in ORDER_OF_CLASSES:
        print(f"  {cls:8s} {counts[cls]}")
    print(f"\nWRONG ({len(wrong)}):")
    for line in wrong:
        print("  " + line)
    print(f"\nskipped ({len(skipped)}):")
    for name, why in sorted(skipped.items()):
        print(f"  {name}: {why}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
