"""scipy.special functions whose derivatives are scipy (or numpy) functions themselves.

One table, evaluated on the value: each entry gives f' and f'' (or the partials of a
function of two dual arguments) at the value from scipy's own ufuncs (psi' =
polygamma(1, x), i0' = i1, Bessel functions by their recurrences), and the C++ chain
rule of every kind (`_core.chain_unary` / `chain_binary`, kinds.hpp) combines them with
the parts. The value is scipy's own call on the value plane, so it is scipy's bit for
bit; the derivatives are computed in float64 (complex128) and rounded to the result's
dtype. Arguments that are orders or shape parameters without a rule (pbdv's v, yn's n)
must be constants: a dual array there is a TypeError naming the function and the argument.

scipy is imported on first use (it stays an optional dependency); `table()` is empty
until scipy.special is imported. The five scipy.special functions of the C++ table
(erf, erfc, expit, logit, gammaln: elementary.hpp) stay there; erf and erfc of complex
values come here. Kinds beyond second order (Taylor) are refused: the rules give f'
and f'' only.
"""

from __future__ import annotations

import functools
import itertools
import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _characteristic, _core
from ._ufuncs import (
    _check_kwargs,
    _dual_type,
    _output,
    _store,
    check_component_dtype,
    register_ufunc_rules,
)

Arrays = tuple[Any, ...]


@dataclass(frozen=True)
class Entry:
    """A scipy.special ufunc: its public name, argument names, the positions that may be
    dual arrays, and its rule. With one dual position the rule maps (f0, *values) to
    (f1, f2) in that argument (f2 may be a function, called for second-order kinds
    only); with two, to (fx, fy, fxx, fxy, fyy); for a function of several outputs
    (sici, airy), f0 is their tuple and the rule gives one (f1, f2) each. `complex`:
    the function is holomorphic in its dual arguments and scipy has complex loops. With
    three or more dual positions the rule gives the gradient, then the Hessian's upper
    triangle row by row."""

    name: str
    args: tuple[str, ...]
    dual: tuple[int, ...]
    rule: Callable[..., Arrays]
    complex: bool = False
    why: str = ""  # why the other arguments are not differentiable (in the TypeError)
    order: int = 2  # 1: the rule's second derivatives are not written (second-order kinds raise)
    # f' as numpy code on the argument (one dual position of one argument): Taylor arrays
    # of any degree then run it on their series one degree shorter (_taylor_by_prime)
    prime: Callable[[Any], Any] | None = None
    # or f's derivatives 0..d at a real float64 value (series(x, d), shape (d + 1, *x.shape))
    # by recurrences that do not cancel: Taylor arrays compose them (_taylor_by_series)
    series: Callable[[Any, int], Any] | None = None
    # the values at which scipy's own call would crash the process (Mathieu and spheroidal
    # functions: fixed-size Fortran arrays): a message, raised as ValueError before it
    crashes: Callable[..., str | None] | None = None


# --- the rules (values are float64 or complex128 arrays) ---------------------------------

_SQRT_2PI = math.sqrt(2 * math.pi)
_SQRT_PI_2 = math.sqrt(math.pi) / 2
_TWO_SQRT_PI = 2 / math.sqrt(math.pi)


def _sc() -> Any:
    import scipy.special

    return scipy.special


# B_2k, k = 1..12: the asymptotic series of the polygamma functions
_BERNOULLI = (
    1 / 6,
    -1 / 30,
    1 / 42,
    -1 / 30,
    5 / 66,
    -691 / 2730,
    7 / 6,
    -3617 / 510,
    43867 / 798,
    -174611 / 330,
    854513 / 138,
    -236364091 / 2730,
)


def _trigamma_tetragamma(x: Any) -> Arrays:
    """(polygamma(1, x), polygamma(2, x)) of a real array, vectorized here (scipy's
    polygamma is a Hurwitz zeta call per element, 10-20x slower than the rest of the
    rules): shift to z >= 8 by psi_n(x) = psi_n(x + 1) - (-1)^n n!/x^(n+1), then
      psi1(z) ~ 1/z + 1/(2z^2) + sum_k B_2k / z^(2k+1),
      psi2(z) ~ -1/z^2 - 1/z^3 - sum_k (2k+1) B_2k / z^(2k+2),  k = 1..12
    (the first omitted term is below 1e-17 relative at z >= 8); x <= 0 by the reflections
      psi1(x) = pi^2/sin^2(pi x) - psi1(1 - x),
      psi2(x) = psi2(1 - x) - 2 pi^3 cos(pi x)/sin^3(pi x),
    with the argument reduced exactly (r = x - round(x)); at the poles 0, -1, ...
    scipy's inf and -inf. Complex x the same way, by real parts (shift while Re z < 8,
    reflect where Re x <= 0)."""
    x = np.asarray(x)
    x = x.astype(np.complex128 if x.dtype.kind == "c" else np.float64, copy=False)
    with np.errstate(all="ignore"):
        neg = x.real <= 0
        z = np.where(neg, 1 - x, x)
        acc1, acc2 = np.zeros_like(z), np.zeros_like(z)
        while True:
            small = z.real < 8
            if not small.any():
                break
            inv = 1 / np.where(small, z, np.inf)  # (0 where z is shifted enough)
            inv2 = inv * inv
            acc1 += inv2
            acc2 -= 2 * inv2 * inv
            z += small
        w = 1 / (z * z)
        s1, s2 = np.zeros_like(z), np.zeros_like(z)
        for k in range(len(_BERNOULLI), 0, -1):
            s1 = s1 * w + _BERNOULLI[k - 1]
            s2 = s2 * w + (2 * k + 1) * _BERNOULLI[k - 1]
        inv = 1 / z
        p1 = acc1 + inv + w / 2 + s1 * w * inv
        p2 = acc2 - w - w * inv - s2 * w * w
        if neg.any():
            r = x - np.round(x.real)
            if x.dtype.kind == "c":
                sn, cs = np.sin(np.pi * r), np.cos(np.pi * r)
            else:  # cos(pi r) as sin(pi (1/2 - |r|)): exact zero at half-integers
                sn, cs = np.sin(np.pi * r), np.sin(np.pi * (0.5 - np.abs(r)))
            pole = r == 0
            csc2, cot_csc2 = np.pi**2 / (sn * sn), 2 * np.pi**3 * cs / sn**3
            if x.dtype.kind == "c":  # far from the real axis by q = exp(2 i s pi r),
                # s = sign Im r, |q| < e^-40: 1/sin^2 = -4q/(1 - q)^2, cot = -i s (1 + q)/(1 - q)
                # (sin overflows from |Im pi r| = 710, where 1/sin^2 is 0: nan at 228j)
                sign = np.where(r.imag < 0, -1.0, 1.0)
                q = np.exp(2j * np.pi * sign * r)
                far_csc2 = -4 * q / ((1 - q) * (1 - q))
                far_cot = -1j * sign * (1 + q) / (1 - q)
                far = np.abs(np.pi * r.imag) > 20
                csc2 = np.where(far, np.pi**2 * far_csc2, csc2)
                cot_csc2 = np.where(far, 2 * np.pi**3 * far_cot * far_csc2, cot_csc2)
            p1 = np.where(neg, np.where(pole, np.inf, csc2 - p1), p1)
            p2 = np.where(neg, np.where(pole, -np.inf, p2 - cot_csc2), p2)
    return p1, p2


def _psi_n(n: int, x: Any) -> Any:
    """polygamma(n, x): n = 1, 2 here (real or complex), others scipy's."""
    if n not in (1, 2):
        return _sc().polygamma(n, x)
    return _trigamma_tetragamma(x)[n - 1]


def _digamma(f0: Any, x: Any) -> Arrays:
    # psi' = polygamma(1, x), psi'' = polygamma(2, x)
    return _trigamma_tetragamma(x)


def _psi(x: Any) -> Any:
    """scipy's psi; at real x < 0 (not a pole) by the reflection psi(1 - x) - pi cot(pi r),
    r = x - round(x) exact: scipy's rounds pi x to eps/d of the distance d to the pole
    (psi(-3 + 1e-8) 2.6e-9 off, and so Gamma' = Gamma psi)."""
    sc = _sc()
    out = sc.psi(x)
    if np.iscomplexobj(x):
        return out
    with np.errstate(all="ignore"):
        negative = (x < 0) & (x != np.floor(x)) & np.isfinite(x)
        if not np.any(negative):
            return out
        t = np.where(negative, x, -0.5)
        r = t - np.round(t)  # cot(pi r) = cos/sin, cos(pi r) = sin(pi (1/2 - |r|)): exact 0
        cotangent = np.sin(np.pi * (0.5 - np.abs(r))) / np.sin(np.pi * r)
        reflected = sc.psi(1 - t) - np.pi * cotangent
        return np.where(negative, reflected, out)


def _gamma(f0: Any, x: Any) -> Arrays:
    # Gamma' = Gamma psi, Gamma'' = Gamma (psi^2 + psi1)
    psi = _psi(x)
    return f0 * psi, f0 * (psi * psi + _psi_n(1, x))


def _loggamma(f0: Any, x: Any) -> Arrays:
    # log Gamma' = psi, '' = psi1
    return _psi(x), _psi_n(1, x)


def _rgamma(f0: Any, x: Any) -> Arrays:
    # (1/Gamma)' = -psi/Gamma, '' = (psi^2 - psi1)/Gamma; at the poles -n of Gamma,
    # 1/Gamma(-n + h) = (-1)^n n! h (1 - psi(n + 1) h + ...): f1 = (-1)^n n!,
    # f2 = -2 (-1)^n n! psi(n + 1)
    sc = _sc()
    with np.errstate(invalid="ignore", divide="ignore"):
        psi = sc.psi(x)
        f1 = -f0 * psi
        f2 = f0 * (psi * psi - _psi_n(1, x))
        re = np.real(x)
        pole = (re <= 0) & (re == np.floor(re)) & (np.imag(x) == 0)
        n = np.where(pole, -re, 0.0)
        signed_factorial = np.where(n % 2 == 1, -1.0, 1.0) * sc.gamma(n + 1)
        f1 = np.where(pole, signed_factorial, f1)
        f2 = np.where(pole, -2 * signed_factorial * sc.psi(n + 1), f2)
        # near the poles psi^2 and psi1 cancel (by 1/h for x = -n + h: f2 at -3 + 1e-9 was
        # -89 for 15) or overflow (h < 1e-154): for real -170 < x < 1/2 by the reflection
        # 1/Gamma(x) = Gamma(1 - x) sin(pi x)/pi, with A = psi(1 - x), B = psi1(1 - x),
        #   f1 = Gamma(1 - x) (cos(pi x) - sin(pi x) A/pi),
        #   f2 = Gamma(1 - x)/pi (sin(pi x) (A^2 + B - pi^2) - 2 pi A cos(pi x)),
        # smooth through the poles (sin, cos by x - round(x): exact zeros there)
        if not np.iscomplexobj(x):
            near = (x < 0.5) & (x > -170)
            if np.any(near):
                t = np.where(near, x, 0.0)
                k = np.round(t)
                parity = np.where(k % 2 == 0, 1.0, -1.0)
                sin, cos = parity * np.sin(np.pi * (t - k)), parity * np.cos(np.pi * (t - k))
                g, a = sc.gamma(1 - t), sc.psi(1 - t)
                b = _psi_n(1, 1 - t)
                r1 = g * (cos - sin * a / np.pi)
                r2 = g / np.pi * (sin * (a * a + b - np.pi**2) - 2 * np.pi * a * cos)
                f1, f2 = np.where(near, r1, f1), np.where(near, r2, f2)
        # at +inf 1/Gamma and its derivatives tend to 0 (0 * psi's inf above); at -inf
        # scipy's 0 is no limit (1/Gamma swings through its zeros growing factorially)
        real_inf = np.isinf(re) & (np.imag(x) == 0)
        f1 = np.where(real_inf, np.where(re > 0, 0.0, np.nan), f1)
        f2 = np.where(real_inf, np.where(re > 0, 0.0, np.nan), f2)
    return f1, f2


def _polygamma_in_x(n: Any) -> Callable[..., Arrays]:
    def rule(f0: Any, x: Any) -> Arrays:
        return _sc().polygamma(n + 1, x), _sc().polygamma(n + 2, x)

    return rule


def _beta(f0: Any, a: Any, b: Any) -> Arrays:
    # B(a, b): B_a = B (psi(a) - psi(a+b)), B_ab = B ((.)(.) - psi1(a+b)), ...; B_ab where
    # those cancel by _beta_mixed
    la, lb, l_aa, l_ab, l_bb = _betaln(f0, a, b)
    mixed = _beta_mixed(f0, a, b, f0 * (la * lb + l_ab))
    return f0 * la, f0 * lb, f0 * (la * la + l_aa), mixed, f0 * (lb * lb + l_bb)


_BETA_TERMS = 64


def _beta_mixed(f0: Any, a: Any, b: Any, out: Any) -> Any:
    """d2/da db B(a, b). B (la lb - psi1(a+b)), la = psi(a) - psi(a+b), cancels where a
    shape is small (B ~ 1/a while B_ab ~ 1: 39% off at a = 1e-8, b = 0.5; at a, b ~ 1e-6
    18 times the answer). There, with s = a + b and phi_k(x) = psi^(k)(x + 1) (smooth near
    0), by series without the poles' terms:
      s <= 1:  B_ab = G (s P(a, b) P(b, a) + T),  G = B a b / s,
               P(u, h) = sum_k>=1 (-1)^(k+1) h^(k-1) phi_k(s)/k!  ((phi(s) - phi(s - h))/h),
               T = sum_k>=2 (-1)^(k+1) phi_k(s) (a^(k-2) + b^(k-2))/k!
               (G = Gamma(1+a) Gamma(1+b)/Gamma(1+s), B = (1/a + 1/b) G; terms fall as
               max(a, b)/(1 + s) <= 1/2);
      s > 1, u = min(a, b) <= max/8 = v:  B_ab = -H ((psi(1+u) - psi(s)) D1 + D2),  H = u B,
               D1 = sum_k>=1 psi^(k)(v) u^(k-1)/k!,  D2 = sum_k>=2 (k-1) psi^(k)(v) u^(k-2)/k!
               ((psi(v + u) - psi(v))/u and its u-derivative; terms fall as u/v <= 1/8);
    elsewhere `out`, the product form (its terms cancel by less than 10)."""
    sc = _sc()
    with np.errstate(all="ignore"):
        a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
        f0 = np.broadcast_to(f0, a.shape)
        total = a + b
        valid = (a > 0) & (b > 0) & np.isfinite(f0)
        low = valid & (total <= 1)
        u, v = np.minimum(a, b), np.maximum(a, b)
        apart = valid & ~low & (u <= v / 8) & np.isfinite(v)
        if not (np.any(low) or np.any(apart)):
            return out
        k = np.arange(1, _BETA_TERMS + 1, dtype=np.float64).reshape((-1,) + (1,) * a.ndim)
        fact = sc.gamma(k + 1)
        if np.any(low):
            s_ = np.where(low, total, 1.0)
            a_, b_ = np.where(low, a, 0.5), np.where(low, b, 0.5)
            phi = sc.polygamma(k.astype(np.int64), s_ + 1) / fact  # phi_k(s)/k!
            sign = np.where(k % 2 == 1, 1.0, -1.0)
            p_ab = np.sum(sign * b_ ** (k - 1) * phi, axis=0)
            p_ba = np.sum(sign * a_ ** (k - 1) * phi, axis=0)
            upper = k >= 2
            t = np.sum(np.where(upper, sign * phi * (a_ ** (k - 2) + b_ ** (k - 2)), 0.0), axis=0)
            g = f0 * a_ * b_ / s_
            out = np.where(low, g * (s_ * p_ab * p_ba + t), out)
        if np.any(apart):
            u_, v_ = np.where(apart, u, 0.5), np.where(apart, v, 4.0)
            psi_k = sc.polygamma(k.astype(np.int64), v_) / fact  # psi^(k)(v)/k!
            d1 = np.sum(psi_k * u_ ** (k - 1), axis=0)
            d2 = np.sum(np.where(k >= 2, (k - 1) * psi_k * u_ ** (k - 2), 0.0), axis=0)
            h = f0 * u_
            mixed = -h * ((sc.psi(1 + u_) - sc.psi(u_ + v_)) * d1 + d2)
            out = np.where(apart, mixed, out)
    return out


def _betaln(f0: Any, a: Any, b: Any) -> Arrays:
    # log B(a, b): psi(a) - psi(a+b), psi(b) - psi(a+b), then the psi1 differences
    # (_psi_differences: they cancel where b << a or a << b, both large)
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    da, d_aa = _psi_differences(a, a + b, -b)
    db, d_bb = _psi_differences(b, a + b, -a)
    return da, db, d_aa, -_psi_n(1, a + b), d_bb


def _gammainc_density(a: Any, x: Any) -> Arrays:
    """d/dx P(a, x) = x^(a-1) e^-x / Gamma(a) and its derivative
    x^(a-2) e^-x (a-1) / Gamma(a) - P' (xlogy keeps x = 0 exact: 0^0 = 1). For a >= 10
    the log of a x^a e^-x / Gamma(a + 1) is a (log1p(t) - t) + log(a / 2 pi) / 2 - mu(a),
    t = x/a - 1, mu Stirling's series: its terms of size a log x cancel in the other form
    (a relative error of 1e-11 at a = 2e4)."""
    sc = _sc()
    a, x = np.broadcast_arrays(a, x)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        lg = sc.gammaln(a)
        f1 = np.exp(sc.xlogy(a - 1, x) - x - lg)
        g = np.where(a == 1, 0.0, (a - 1) * np.exp(sc.xlogy(a - 2, x) - x - lg))
        large = a >= 10
        if large.any():
            b = np.where(large, a, 10.0)
            w = 1 / (b * b)
            mu = np.zeros_like(b)
            for k in range(len(_BERNOULLI), 0, -1):  # mu(b) = sum_k B_2k / (2k (2k-1) b^(2k-1))
                mu = mu * w + _BERNOULLI[k - 1] / (2 * k * (2 * k - 1))
            prefix = np.exp(b * _log1p_minus(x / b - 1) + np.log(b / (2 * np.pi)) / 2 - mu / b)
            f1 = np.where(large, prefix / x, f1)  # (0 at x = 0: 0/0 is nan, b log1p(-1) = -inf)
            g = np.where(large, f1 * (a - 1) / x, g)
            f1, g = (np.where(large & (x == 0), 0.0, v) for v in (f1, g))
        f2 = g - f1
    # x = inf: both are 0 (x^k e^-x -> 0), where the logs above give inf - inf
    at_infinity = (x == np.inf) & (a > 0) & (a < np.inf)
    return np.where(at_infinity, 0.0, f1), np.where(at_infinity, 0.0, f2)


def _log1p_minus(t: Any) -> Any:
    """log(1 + t) - t without cancellation at small t: with u = t/(2 + t) (|u| <= 1/5
    for |t| <= 1/2), log(1 + t) = 2 atanh(u) and t = 2u/(1 - u), so
    log(1 + t) - t = -2u^2/(1 - u) + 2 (u^3/3 + u^5/5 + ...); elsewhere as written."""
    with np.errstate(invalid="ignore", divide="ignore"):
        near = np.abs(t) <= 0.5
        u = np.where(near, t, 0.0) / (2 + np.where(near, t, 0.0))
        u2 = u * u
        tail = np.zeros_like(u)
        for k in range(25, 1, -1):  # u^2 <= 1/25: 24 terms reach 1e-33
            tail = tail * u2 + 1 / (2 * k - 1)
        series = -2 * u2 / (1 - u) + 2 * u * u2 * tail
        return np.where(near, series, np.log1p(t) - t)


_BETA_SHAPE_LIMIT = 1e4  # checked against mpmath up to here (tests/test_scipy_special_params.py)


def _regularized_beta_in_ab(a: Any, b: Any, x: Any) -> Arrays:
    """(I_a, I_b, I_aa, I_ab, I_bb) of I_x(a, b) = betainc(a, b, x) as Numerical Recipes
    6.4 computes I: where x < (a + 1)/(a + b + 2) the continued fraction (Lentz's method)
      I = x^a (1 - x)^b / (a B(a, b)) / (1 + d_1/(1 + d_2/(1 + ...))),
      d_2m+1 = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)),
      d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)),
    elsewhere I = 1 - I_(1 - x)(b, a), on a HyperDualVec in (a, b) (its planes are these
    five partials), scaled to scipy's value (a B(a, b) as (a + b)(a + b + 1) B(a + 1,
    b + 1)/b: at tiny a or b the second parts of log B(a, b) ~ -log a cancel). Constant
    in a, b at x = 0 and 1 and where the side computed underflows to 0: partials 0; nan
    where scipy's value is. Elsewhere a or b > 1e4 raises (the range checked against
    mpmath)."""
    from ._multivariate import hyperdualvec

    sc = _sc()
    a, b, x = (np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(a, b, x))
    with np.errstate(invalid="ignore", divide="ignore"):
        below = x < (a + 1) / (a + b + 2)
        small = np.where(below, sc.betainc(a, b, x), sc.betaincc(a, b, x))
    valid = (a > 0) & (b > 0) & (a < np.inf) & (b < np.inf) & (x >= 0) & (x <= 1)
    constant = valid & ((x == 0) | (x == 1) | (small == 0))
    inside = valid & ~constant
    if np.any(inside & (np.maximum(a, b) > _BETA_SHAPE_LIMIT)):
        raise TypeError(
            "hyperdiff differentiates the regularized incomplete beta function "
            "(scipy.special.betainc and the functions built on it) in its shapes a and b "
            f"only up to {_BETA_SHAPE_LIMIT:g}, where its continued fraction is checked "
            "against mpmath"
        )
    # the side computed: I_y(p, q) with (p, q, y) = (a, b, x) or (b, a, 1 - x)
    p, q = np.where(below, a, b), np.where(below, b, a)
    y = np.where(inside, np.where(below, x, 1 - x), 0.5)
    p, q = np.where(inside, p, 1.0), np.where(inside, q, 1.0)
    seed_a, seed_b = below.astype(np.float64), (~below).astype(np.float64)
    pp: Any = hyperdualvec(p, np.stack([seed_a, seed_b]))
    qq: Any = hyperdualvec(q, np.stack([seed_b, seed_a]))
    both = pp + qq
    c = pp * 0 + 1
    d = 1 / (1 - both * y / (pp + 1))
    fraction = d
    converging, m = _Convergence(inside), 0
    while converging.running():
        m += 1
        before = fraction
        for step in (
            m * (qq - m) * y / ((pp + (2 * m - 1)) * (pp + 2 * m)),
            -(pp + m) * (both + m) * y / ((pp + 2 * m) * (pp + (2 * m + 1))),
        ):
            d = 1 / (1 + step * d)
            c = 1 + step / c
            fraction = fraction * (c * d)
        converging.update(fraction - before, fraction)
    # p B(p, q) = (p + q)(p + q + 1) B(p + 1, q + 1) / q: smooth in both shapes (log
    # B(p + 1, q) ~ -log q cancelled in the second parts at tiny q: betainc(a, 0.7, 0.7)''
    # in a at a = 1e-20 was 1.73, truly 1.12)
    log_front = pp * np.log(y) + qq * np.log1p(-y) - sc.betaln(pp + 1, qq + 1)
    front = np.exp(log_front) * qq / (both * (both + 1))
    side = front * fraction
    with np.errstate(invalid="ignore", divide="ignore"):
        side = side * np.where(inside, small / side.value, 1.0)  # (scaled to scipy's value)
    planes = np.where(below, 1.0, -1.0) * side._stack[1:]  # I = 1 - I_(1 - x)(b, a) above
    good = inside & converging.done & np.all(np.isfinite(planes), axis=0)
    known = np.where(constant, 0.0, np.nan)
    return tuple(np.where(good, plane, known) for plane in planes)


def _gammainc(f0: Any, a: Any, x: Any) -> Arrays:
    return _gamma_partials(a, x)


def _gammaincc(f0: Any, a: Any, x: Any) -> Arrays:
    return _negated(_gamma_partials(a, x))


def _gamma_partials(a: Any, x: Any) -> Arrays:
    """(P_a, P_x, P_aa, P_ax, P_xx) of P(a, x) = gammainc(a, x); P_a and P_aa as functions
    (one series or continued fraction for both, run only for a dual a):
    P_ax = d/da (x^(a-1) e^-x / Gamma(a)) = P_x (log x - psi(a))."""
    density, slope = _gammainc_density(a, x)
    mixed = np.where(density == 0, 0.0, density * (np.log(x) - _sc().psi(a)))
    # at a = 0 the density x^(a-1) e^-x / Gamma(a) is 0, its a-derivative x^-1 e^-x (1/Gamma's
    # derivative 1 there), not 0 * psi(0)
    with np.errstate(divide="ignore", over="ignore"):
        mixed = np.where((a == 0) & (x > 0), np.exp(-x) / x, mixed)
    in_a = functools.cache(functools.partial(_regularized_gamma_in_a, a, x))
    return lambda: in_a()[0], density, lambda: in_a()[1], mixed, slope


def _negated(partials: Arrays) -> Arrays:
    return tuple((lambda d=d: -d()) if callable(d) else -d for d in partials)


# --- partials in a parameter without a closed form: the classic algorithm in dual arithmetic ---
# The series or continued fraction scipy's value comes from, run as numpy code on a
# hyper-dual array in the parameter (hyperdiff's own arithmetic carries its parts) until the
# parts have converged as well as the value; the result is scaled to scipy's value, so its
# parts share the value's rounding (an ulp of it, not of a recomputed prefactor).

_EPS = float(np.finfo(np.float64).eps)
_GAMMA_SHAPE_LIMIT = 1e4  # checked against mpmath up to here (tests/test_scipy_special_params.py)
_ITERATIONS = 100_000  # (a bound: terms that never converge, nan from overflow, give nan)


class _Convergence:
    """When a series or continued fraction run on dual arrays has converged, element by
    element: every plane's change within an ulp of its total; or, as the parts converge
    at the value's geometric rate times a polynomial in the step (their own changes can
    stall at the rounding of larger planes), twice the steps the value took to settle
    within 4 ulps and the parts within 1e-8 (and still settled), plus 5; or a plane not
    finite (its result: nan)."""

    def __init__(self, pending: Any) -> None:
        self.done = ~pending
        self.settled_at = np.full(pending.shape, np.inf)
        self.step = 0

    def running(self) -> bool:
        return not self.done.all() and self.step < _ITERATIONS

    def update(self, change: Any, total: Any) -> None:
        self.step += 1
        with np.errstate(divide="ignore", invalid="ignore"):  # (a 0 total: not yet)
            size = np.abs(change._stack) / np.abs(total._stack)
        # (Lentz's product drifts by an ulp or two a step); and the parts' within 1e-8: a
        # value whose terms carry a factor 0 or tiny (1F1(a; b; x) at a = 0 or 1e-26: all
        # but the first 0 or below an ulp) settles at once while its parts' series run on
        # (1F1's d/da there stopped after 7 terms, 4e-7 off; 2F1's 9e-6)
        parts = np.all((size[1:] <= 1e-8) | (change._stack[1:] == 0), axis=0)
        settled = (size[0] <= 4 * _EPS) & parts
        self.settled_at = np.where(settled, np.minimum(self.settled_at, self.step), np.inf)
        self.done |= np.all(size <= _EPS, axis=0) | (self.step >= 2 * self.settled_at + 5)
        self.done |= ~np.all(np.isfinite(total._stack), axis=0)


def _regularized_gamma_in_a(a: Any, x: Any) -> Arrays:
    """(P_a, P_aa) of P(a, x) = gammainc(a, x) as Numerical Recipes 6.2 computes P: where
    x < a + 1 the series
      P = x^a e^-x / Gamma(a + 1) sum_n x^n / ((a + 1) ... (a + n)),
    elsewhere Q = 1 - P (P_a = -Q_a) by the continued fraction (Lentz's method)
      Q = a x^a e^-x / Gamma(a + 1) / (x + 1 - a - 1 (1 - a)/(x + 3 - a - 2 (2 - a)/...))
    (a / Gamma(a + 1), not 1 / Gamma(a): at tiny a the second parts of log Gamma(a) cancel),
    on a hyper-dual a. P is constant in a at x = 0 and x = inf, and so to rounding where
    scipy's P (x < a + 1) or Q (elsewhere) underflows to 0: partials 0 there; nan where
    scipy's value is (a < 0, x < 0) or a = inf. At a = 0 (scipy's P = 1 for x > 0) both
    forms are analytic in a (1/Gamma(a + 1), Gamma(a, x) -> E1(x)): the partials there are
    the one-sided limits, P_a = -E1(x) (not nan). Elsewhere a > 1e4 raises (the range
    checked against mpmath)."""
    from ._arrays import hyperdual

    sc = _sc()
    a, x = (np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(a, x))
    below = x < a + 1
    small = np.where(below, sc.gammainc(a, x), sc.gammaincc(a, x))  # the side computed
    constant = (a > 0) & ((x == 0) | (x == np.inf) | (small == 0))
    inside = (a >= 0) & (a < np.inf) & (x > 0) & (x < np.inf) & ~constant
    if np.any(inside & (a > _GAMMA_SHAPE_LIMIT)):
        raise TypeError(
            "hyperdiff differentiates the regularized incomplete gamma function "
            "(scipy.special.gammainc and the functions built on it) in its shape a only for "
            f"a <= {_GAMMA_SHAPE_LIMIT:g}, where its series and continued fraction are "
            "checked against mpmath"
        )
    lower, upper = inside & below, inside & ~below
    shape: Any = hyperdual(np.where(inside, a, 1.0), 1.0, 1.0)
    # the series on `lower` (x = 0 elsewhere: converged at once)
    xs = np.where(lower, x, 0.0)
    term = total = shape * 0 + 1
    summed, n = _Convergence(lower), 0
    while summed.running():
        n += 1
        term = term * xs / (shape + n)
        total = total + term
        summed.update(term, total)
    log_x = np.log(np.where(lower, x, 1.0))
    p = np.exp(log_x * shape - xs - sc.gammaln(shape + 1)) * total
    # the continued fraction on `upper` (x = a + 2 elsewhere, any x > a + 1 converges)
    xc = np.where(upper, x, shape.value + 2)
    b = xc + 1 - shape
    c = 1 / (shape * 0 + 1e-300)
    d = 1 / b
    fraction = d
    fractions, m = _Convergence(upper), 0
    while fractions.running():
        m += 1
        step = -m * (m - shape)
        b = b + 2
        d = 1 / (step * d + b)
        c = b + step / c
        before, fraction = fraction, fraction * (c * d)
        fractions.update(fraction - before, fraction)
    q = shape * np.exp(np.log(xc) * shape - xc - sc.gammaln(shape + 1)) * fraction
    with np.errstate(invalid="ignore", divide="ignore"):
        p = p * np.where(lower, small / p.value, 1.0)  # (scaled to scipy's value)
        q = q * np.where(upper & (q.value != 0), small / q.value, 1.0)  # (Q(0, x) = 0)
    scaled = np.where(lower, p, -q)  # P's parts, or Q's negated
    known = np.where(constant, 0.0, np.nan)
    converged = inside & summed.done & fractions.done
    return tuple(np.where(converged, part, known) for part in (scaled.e1, scaled.e12))


def _xlogy(f0: Any, x: Any, y: Any) -> Arrays:
    # x log y (0 where x = 0): fx = log y, fy = x/y, fxx = 0, fxy = 1/y, fyy = -x/y^2,
    # as quotients: x (1/y) and (x (1/y)) (1/y) overflowed with 1/y at a subnormal y
    # (xlogy(1e-300, y)' at 1e-310 was inf for 1e10, its fyy -inf at x = 1e-320 for -1e300)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q = np.where(x == 0, 0, x / y)  # (xlogy(0, y) = 0 for every y: constant in y)
        return np.log(y), q, np.zeros_like(q), 1 / y, np.where(x == 0, 0, -(q / y))


def _xlog1py(f0: Any, x: Any, y: Any) -> Arrays:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 1 / (1 + y)
        q = np.where(x == 0, 0, x * r)
        return np.log1p(y), q, np.zeros_like(q), r, np.where(x == 0, 0, -q * r)


def _relative_entropy(kl: bool) -> Callable[..., Arrays]:
    # rel_entr = x log(x/y) (x, y > 0; 0 at x = 0): fx = log(x/y) + 1, fy = -x/y,
    # fxx = 1/x, fxy = -1/y, fyy = x/y^2; kl_div = rel_entr - x + y: fx - 1, fy + 1.
    # Outside the domain (value inf) the derivatives are nan. Near x = y, where the partials
    # of kl_div vanish, log(x/y) = log1p((x - y)/y) and 1 - x/y = (y - x)/y (x - y exact
    # for y/2 <= x <= 2y): log x - log y and 1 - q were 5e-4 off at y = 3 (1 + 3e-13)
    def rule(f0: Any, x: Any, y: Any) -> Arrays:
        with np.errstate(divide="ignore", invalid="ignore"):
            inside = (x >= 0) & (y > 0)
            q = x / y
            close = (x >= y / 2) & (x <= 2 * y)
            log_q = np.where(close, np.log1p((x - y) / y), np.log(x) - np.log(y))
            fx = log_q + (0.0 if kl else 1.0)
            fy = (y - x) / y if kl else -q
            out = fx, fy, 1 / x, -1 / y, q / y
            return tuple(np.where(inside, d, np.nan) for d in out)

    return rule


# --- f' as numpy code (Entry.prime): every Taylor degree (_taylor_by_prime) ------------
# Each is f's derivative written with functions hyperdiff differentiates, so a Taylor
# array one degree shorter runs through it (f itself again where f' needs it). Only where
# the series of f' does not cancel: dawsn' = 1 - 2x D, erfcx' = 2x erfcx - 2/sqrt(pi) and
# phi/Phi for log_ndtr lose digits order by order in their tails (7e-8 at order 8), so
# those keep to order 2.
def _entr_prime(x: Any) -> Any:
    return -(np.log(x) + 1)


def _ndtri_prime(y: Any) -> Any:  # 1 / phi(ndtri(y))
    return _SQRT_2PI * np.exp(0.5 * _sc().ndtri(y) ** 2)


def _erfinv_prime(y: Any) -> Any:
    return _SQRT_PI_2 * np.exp(_sc().erfinv(y) ** 2)


def _erfi_prime(z: Any) -> Any:
    return _TWO_SQRT_PI * np.exp(z * z)


def _erf_prime(z: Any) -> Any:
    return _TWO_SQRT_PI * np.exp(-z * z)


def _erfc_prime(z: Any) -> Any:
    return -_TWO_SQRT_PI * np.exp(-z * z)


def _exp1_prime(z: Any) -> Any:
    return -np.exp(-z) / z


def _expi_prime(x: Any) -> Any:
    return np.exp(x) / x


def _log_expit_prime(x: Any) -> Any:
    return _sc().expit(-x)


def _entr(f0: Any, x: Any) -> Arrays:
    # -x log x: f1 = -(log x + 1), f2 = -1/x; nan below 0 (value -inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(np.log(x) + 1), np.where(x < 0, np.nan, -1 / x)


def _log_ndtr(f0: Any, x: Any) -> Arrays:
    # (log Phi)' = phi/Phi = m, (log Phi)'' = -m (x + m); below 0, m = sqrt(2/pi) /
    # erfcx(-x/sqrt 2) (Phi = erfc(-x/sqrt 2)/2 = exp(-x^2/2) erfcx(-x/sqrt 2)/2), which
    # neither underflows nor loses the ratio
    sc = _sc()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        m = np.where(
            x < 0,
            math.sqrt(2 / math.pi) / sc.erfcx(-x / math.sqrt(2)),
            np.exp(-(x * x) / 2) / (_SQRT_2PI * sc.ndtr(x)),
        )
        f2 = np.where(m == 0, 0.0, -m * (x + m))  # m == 0: x large, up to +inf
    # x + m cancels below -20 (m ~ |x|): there x + m = m S with the asymptotic series
    # S = sum_n (-1)^(n+1) (2n-1)!! / x^(2n) (1 - |x| / m, Mills' ratio), so
    # f2 = -m^2 S = -(m/x)^2 (x^2 S) (-1 at -inf; no overflow of m^2)
    far = x < -20
    if np.any(far):
        u = np.where(far, 1 / (x * x), 0.0)
        series, c = np.zeros_like(u), 1.0
        terms = []
        for n in range(1, 17):  # c = (2n-1)!!
            terms.append((-1.0) ** (n + 1) * c)
            c *= 2 * n + 1
        for t in reversed(terms):  # x^2 S by Horner in u
            series = series * u + t
        with np.errstate(over="ignore", invalid="ignore"):
            ratio = m / x
            far_f2 = np.where(np.isinf(x), -1.0, -ratio * ratio * series)
        f2 = np.where(far, far_f2, f2)
    return m, f2


def _ndtri(f0: Any, p: Any) -> Arrays:
    # x = ndtri(p): x' = 1/phi(x) = sqrt(2 pi) exp(x^2/2), x'' = x x'^2
    with np.errstate(over="ignore", invalid="ignore"):
        d = _SQRT_2PI * np.exp(f0 * f0 / 2)
        return d, f0 * d * d


def _erfinv(f0: Any, x: Any) -> Arrays:
    # y = erfinv(x): y' = sqrt(pi)/2 exp(y^2), y'' = 2 y y'^2
    with np.errstate(over="ignore", invalid="ignore"):
        d = _SQRT_PI_2 * np.exp(f0 * f0)
        return d, 2 * f0 * d * d


def _erfcinv(f0: Any, x: Any) -> Arrays:
    with np.errstate(over="ignore", invalid="ignore"):
        d = -_SQRT_PI_2 * np.exp(f0 * f0)
        return d, 2 * f0 * d * d


def _erfcx(f0: Any, x: Any) -> Arrays:
    # erfcx = exp(x^2) erfc(x): f1 = 2 x f0 - 2/sqrt(pi), f2 = 2 f0 + 2 x f1 for complex x;
    # both cancel for large real x (by 2 x^2, 4 x^4): real x by _erfcx_series
    if not np.iscomplexobj(x):
        series = _erfcx_series(x, 2)
        return series[1], series[2]
    f1 = 2 * x * f0 - _TWO_SQRT_PI
    # (complex: the same cancellation from |x| = 7; there erfcx(x) = w(ix): erfcx' =
    # i w'(ix), erfcx'' = -w''(ix), _faddeeva_far's)
    return _far(f1, 2 * f0 + 2 * x * f1, x, _erfcx_far)


def _erfcx_far(x: Any) -> Arrays:
    w1, w2 = _faddeeva_far(1j * x)
    return 1j * w1, -w2


def _put(d: Any, where: Any, values: Any) -> Any:
    """d (a new array) with values at where: an asymptotic form computed on those points only."""
    out = np.array(np.broadcast_to(d, where.shape))
    out[where] = values
    return out


def _by_bands(t: Any, edges: tuple[float, ...], series: Callable[[Any], Arrays]) -> Arrays:
    """series(mask) -> its (f1, f2) on t[mask], applied band by band of |t| (a series stopping
    when its terms are negligible stops early on the far bands, without waiting for the near)."""
    f1, f2 = np.full_like(t, np.nan), np.full_like(t, np.nan)  # (nan stays nan)
    a = np.abs(t)
    for lo, hi in itertools.pairwise(edges):
        m = (a >= lo) & ((a < hi) | (hi == np.inf))  # (|t| = inf in the last band)
        if np.any(m):
            f1[m], f2[m] = series(m)
    return f1, f2


def _odd_series(t: Any, r: complex) -> Arrays:
    """The first two derivatives of sum_n c_n t^-(2n+1), c_n = r^n (2n-1)!!, termwise, for
    |t| > 7 (|r| = 1/2): up to 50 terms (they fall to about exp(-t^2) of the first near
    n = t^2), until the terms are below 1e-17 of the sums (band by band of |t|)."""
    t = np.asarray(t, dtype=np.result_type(t, r))  # (complex for a complex r)
    return _by_bands(t, (0.0, 10.0, 20.0, np.inf), lambda m: _odd_series_on(t[m], r))


def _odd_series_on(t: Any, r: complex) -> Arrays:
    s1, s2 = np.zeros_like(t), np.zeros_like(t)
    with np.errstate(under="ignore"):
        u = 1 / (t * t)
        w = u  # t^-(2n+2)
        c: complex = 1.0  # r^n (2n-1)!!
        for n in range(50):
            a1 = c * (2 * n + 1) * w
            a2 = a1 * (2 * n + 2) / t
            s1 -= a1
            s2 += a2
            if np.all(np.abs(a2) <= 1e-17 * np.abs(s2)) and np.all(
                np.abs(a1) <= 1e-17 * np.abs(s1)
            ):
                break
            c *= r * (2 * n + 1)
            w = w * u
    return s1, s2


def _erf(f0: Any, z: Any) -> Arrays:
    # complex: erf' = 2/sqrt(pi) exp(-z^2), erf'' = -2 z erf'
    g = _TWO_SQRT_PI * np.exp(-z * z)
    return g, -2 * z * g


def _erfc(f0: Any, z: Any) -> Arrays:
    g = _TWO_SQRT_PI * np.exp(-z * z)
    return -g, 2 * z * g


def _erfi(f0: Any, z: Any) -> Arrays:
    # erfi' = 2/sqrt(pi) exp(z^2), erfi'' = 2 z erfi'
    with np.errstate(over="ignore", invalid="ignore"):
        g = _TWO_SQRT_PI * np.exp(z * z)
        return g, 2 * z * g


def _dawsn(f0: Any, z: Any) -> Arrays:
    # D' = 1 - 2 z D, D'' = -2 D - 2 z D' for complex z; both cancel for large real |z|
    # (by 2 z^2, 4 z^4): real z by _dawsn_series
    if not np.iscomplexobj(z):
        series = _dawsn_series(z, 2)
        return series[1], series[2]
    d1 = 1 - 2 * z * f0
    # (complex: the same cancellation from |z| = 7; there _dawsn_far)
    return _far(d1, -2 * f0 - 2 * z * d1, z, _dawsn_far)


def _dawsn_far(z: Any) -> Arrays:
    """(D', D'') at |z| >= 7 from D(y) = (i sqrt(pi)/2)(exp(-y^2) - w(y)) at y = +-z in the
    upper half plane (w' and w'' from _faddeeva_far; exp(-y^2) and w never cancel there:
    where one is not negligible it dominates), D odd: D'(-y) = D'(y), D''(-y) = -D''(y)."""
    lower = z.imag < 0
    y = np.where(lower, -z, z)
    w1, w2 = _faddeeva_far(y)
    c = 0.5j * math.sqrt(math.pi)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(-y * y)
        d2 = c * ((4 * y * y - 2) * e - w2)
        return c * (-2 * y * e - w1), np.where(lower, -d2, d2)


# --- f's own derivatives at the value (Entry.series): every Taylor degree ------------
# erfcx^(k)(x) = (-2)^k k! E_k(x), E_k = e^(x^2) i^k erfc(x) (i^k erfc: the repeated
# integrals of erfc, DLMF 7.18), which satisfy
#   E_k = (E_(k-2) - 2x E_(k-1)) / (2k),  E_0 = erfcx(x),  E_(-1) = 2/sqrt(pi).
# Upward this cancels for x > 0 (E_k is the minimal solution there: Gautschi 1961), so
# there the ratios r_k = E_k/E_(k-1) = 1/(2x + 2(k+1) r_(k+1)) run downward from r = 0
# far above (Miller's method as a continued fraction; positive terms), and E_0 scales them.


def _repeated_erfc(z: Any, count: int) -> Any:
    """E_0 .. E_count at z (Re z >= 1/2) by the downward ratios, from E_0 = erfcx(z)
    (scipy's): they converge once 2 Re(z) sqrt(2 n) >> 36, so they start that far up."""
    with np.errstate(over="ignore"):  # (z^2 overflows beyond 1e154: start = count + 20)
        smallest = np.float64(np.min(z.real, initial=np.inf))
        start = count + 20 + int(np.ceil(200 / smallest**2))
    ratio = np.zeros_like(z)
    ratios = np.empty((count + 1, *z.shape), dtype=z.dtype)
    ratios[0] = _sc().erfcx(z)
    for k in range(start, 0, -1):
        ratio = 1 / (2 * z + 2 * (k + 1) * ratio)
        if k <= count:
            ratios[k] = ratio
    return np.cumprod(ratios, axis=0)


def _powers(base: complex, count: int, ndim: int) -> Any:
    """base^k k! for k = 0 .. count, shaped to broadcast against (count + 1, *shape)."""
    k = np.arange(count + 1)
    factorials = np.array([math.factorial(int(j)) for j in k], dtype=np.float64)
    return (base**k * factorials).reshape((-1,) + (1,) * ndim)


def _erfcx_series(x: Any, degree: int) -> Any:
    """erfcx^(k)(x), k = 0 .. degree: E_k upward for x <= 1/2 (no cancellation below 0,
    under 12 ulps at order 10 up to 1/2), downward ratios above."""
    x = np.asarray(x, dtype=np.float64)
    e = np.empty((degree + 1, *x.shape))
    below, e[0] = np.full_like(x, 2 / math.sqrt(math.pi)), _sc().erfcx(x)
    with np.errstate(all="ignore"):
        for k in range(1, degree + 1):
            below, e[k] = e[k - 1], (below - 2 * x * e[k - 1]) / (2 * k)
        high = x > 0.5
        if high.any():
            e = np.where(high, _repeated_erfc(np.where(high, x, 1.0), degree), e)
    return e * _powers(-2.0, degree, x.ndim)


def _dawsn_series(x: Any, degree: int) -> Any:
    """dawsn^(k)(x), k = 0 .. degree. D(x) = sqrt(pi)/2 Im w(x), w(x) = erfcx(-ix), so
    D^(k) = sqrt(pi)/2 Im((-i)^k erfcx^(k)(-ix)); D's own recurrence (D' = 1 - 2xD) and
    the downward ratios at -ix both fail for 2 < |x| < 10 (no minimal solution there), so
    the ratios run at s = 1 - i|x| (Re s = 1: they converge) to 80 terms and the Taylor
    series of erfcx about s is re-expanded at -i|x| one unit away:
      erfcx^(k)(-i|x|)/k! = sum_(n >= k) C(n, k) (-1)^(n-k) erfcx^(n)(s)/n!
    (terms fall as 1/|s|^n), then scaled by the one complex factor that makes w's value
    e^(-x^2) + 2i/sqrt(pi) D(|x|) (scipy's D). D is odd: D^(k)(-x) = (-1)^(k+1) D^(k)(x)."""
    x = np.asarray(x, dtype=np.float64)
    terms = 80
    size = np.abs(x)
    with np.errstate(all="ignore"):
        s = 1 - 1j * np.where(np.isfinite(size), size, 0.0)
        at_s = _repeated_erfc(s, terms) * (-2.0) ** np.arange(terms + 1).reshape(
            (-1,) + (1,) * x.ndim
        )  # erfcx^(n)(s)/n!
        shift = np.array(
            [
                [math.comb(n, k) * (-1.0) ** (n - k) for n in range(terms + 1)]
                for k in range(degree + 1)
            ]
        )
        at_x = np.tensordot(shift, at_s, axes=(1, 0))  # erfcx^(k)(-i|x|)/k!
        value = np.exp(-size * size) + 2j / math.sqrt(math.pi) * _sc().dawsn(size)
        w = at_x * (value / at_x[0]) * _powers(-1j, degree, x.ndim)  # w^(k)(|x|)
        d = math.sqrt(math.pi) / 2 * w.imag
        odd = ((-1.0) ** (np.arange(degree + 1) + 1)).reshape((-1,) + (1,) * x.ndim)
        d = np.where(x < 0, d * odd, d)
        # (x = 0: the even derivatives of an odd function are 0; |x| = inf: D = 0 with all
        # its derivatives; nan stays nan)
        return np.where(np.isinf(x) | ((x == 0) & (odd < 0)), 0.0, d)


def _log_ndtr_series(x: Any, degree: int) -> Any:
    """log_ndtr^(k)(x), k = 0 .. degree, by hyperdiff's own Taylor arithmetic on x + t:
    below -1/2, log Phi(x) = -x^2/2 - log(2 pi)/2 + log(m(-x)) with Mills' ratio
    m(u) = sqrt(pi/2) erfcx(u/sqrt 2) (erfcx by _erfcx_series; log m ~ -log|x| has
    derivatives as large as its recurrence's terms, where log Phi's own, through ndtr, lose
    1e-4 at order 10 by -4); above, log1p(-ndtr(-x)) (ndtr's Taylor recurrence, C++).
    Between -3 and 0 the high derivatives are 1e-4 of the terms either way: up to 8e-12
    relative at order 10 (1e-12 at 6) near -1/2 .. -1 (tests/test_scipy_special_params.py)."""
    from ._taylor_arrays import taylor_array

    x = np.asarray(x, dtype=np.float64)
    sc = _sc()
    left = x < -0.5
    t = taylor_array(np.where(left, x, -1.0), [np.ones_like(x)], degree=degree)
    mills = math.sqrt(math.pi / 2) * sc.erfcx(-t / math.sqrt(2))
    lower = -t * t / 2 - math.log(2 * math.pi) / 2 + np.log(mills)
    u = taylor_array(np.where(left, 1.0, x), [np.ones_like(x)], degree=degree)
    upper = np.log1p(-sc.ndtr(-u))
    return np.where(left, lower._stack, upper._stack)


def _exp1(f0: Any, z: Any) -> Arrays:
    # E1' = -exp(-z)/z, E1'' = exp(-z) (1/z + 1/z^2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e = np.exp(-z) / z
        return -e, e * (1 + 1 / z)


def _expi(f0: Any, z: Any) -> Arrays:
    # Ei' = exp(z)/z, Ei'' = exp(z) (1/z - 1/z^2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e = np.exp(z) / z
        return e, e * (1 - 1 / z)


def _log_expit(f0: Any, x: Any) -> Arrays:
    # log s(x): f1 = s(-x), f2 = -s(x) s(-x)
    sc = _sc()
    s_minus = sc.expit(-x)
    return s_minus, -sc.expit(x) * s_minus


def _spence(f0: Any, z: Any) -> Arrays:
    # spence(z) = int_1^z log t / (1 - t) dt: f1 = log z/(1 - z) = -log1p(h)/h with
    # h = z - 1, f2 = (log1p(h) - h/(1 + h))/h^2; near z = 1 (|h| < 0.1) their series
    # f1 = sum_k (-1)^(k+1) h^k/(k+1)... (f1(1) = -1) and f2 = sum_{k>=2} (-1)^k
    # (k-1)/k h^(k-2) (f2(1) = 1/2); nan below 0 as scipy's value. Elsewhere log z, not
    # log1p(z - 1): 1 + (z - 1) loses small z (f1 4e-9 off at z = 1e-10, -inf at 1e-17
    # where it is -39); f2(0) = +inf (1/z beats log z)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = z - 1
        log_z = np.log(z)
        f1 = -log_z / h
        f2 = np.where(z == 0, np.inf, (log_z - h / z) / (h * h))
        near = np.abs(h) < 0.1
        if np.any(near):
            t = np.where(near, h, 0.0)
            s1 = np.zeros_like(t)
            s2 = np.zeros_like(t)
            for k in range(24, -1, -1):  # Horner, highest power first
                s1 = s1 * t + (-1.0) ** (k + 1) / (k + 1)
                s2 = s2 * t + (-1.0) ** k * (k + 1) / (k + 2)
            f1 = np.where(near, s1, f1)
            f2 = np.where(near, s2, f2)
        inside = z >= 0
        return np.where(inside, f1, np.nan), np.where(inside, f2, np.nan)


def _exponential(log_base: float, binary: bool = False) -> Callable[..., Arrays]:
    # b^x: f1 = ln b f0, f2 = ln^2 b f0 (exp10, exp2). 2^x overflows from x = 1024, ln2 2^x
    # and ln2^2 2^x only from 1024.53 and 1025.06: there (2 ln2) 2^(x-1) and (4 ln2^2)
    # 2^(x-2), exact shifts (they were inf). (10^x: ln10 > 1, its derivatives overflow first.)
    def rule(f0: Any, x: Any) -> Arrays:
        f1, f2 = log_base * f0, log_base * log_base * f0
        far = np.isinf(f0) & (x < np.inf) if binary else False
        if np.any(far):
            with np.errstate(over="ignore"):
                t = np.where(far, x, 0)
                f1 = np.where(far, 2 * log_base * np.exp2(t - 1), f1)
                f2 = np.where(far, 4 * log_base * log_base * np.exp2(t - 2), f2)
        return f1, f2

    return rule


def _expm1(f0: Any, x: Any) -> Arrays:
    e = np.exp(x)
    return e, e


def _log1p(f0: Any, x: Any) -> Arrays:
    # f1 = 1/(1 + x), f2 = -f1^2
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 1 / (1 + x)
        return r, -r * r


def _cbrt(f0: Any, x: Any) -> Arrays:
    # f1 = x^(-2/3)/3 = 1/(3 f0^2), f2 = -2/(9 x f0^2) = -2 f1/(3 x)
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = 1 / (3 * f0 * f0)
        return f1, -2 * f1 / (3 * x)


def _cosm1(f0: Any, x: Any) -> Arrays:
    return -np.sin(x), -np.cos(x)


def _exprel(f0: Any, x: Any) -> Arrays:
    # (e^x - 1)/x: f1 = (e^x (x - 1) + 1)/x^2, f2 = (e^x (x^2 - 2x + 2) - 2)/x^3, which
    # cancel near 0; there (|x| < 1/2) the series sum_k x^k/(k+1)! differentiated termwise
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        f1, f2 = _exprel_far(x)
    near = np.abs(x) < 0.5
    if np.any(near):
        t = np.where(near, x, 0.0)
        s1, s2 = np.zeros_like(t), np.zeros_like(t)
        for k in range(24, 0, -1):  # Horner in t: terms k x^(k-1)/(k+1)!, k(k-1) x^(k-2)/(k+1)!
            s1 = s1 * t + k / math.factorial(k + 1)
            s2 = s2 * t + (k + 1) * k / math.factorial(k + 2)
        f1, f2 = np.where(near, s1, f1), np.where(near, s2, f2)
    return f1, f2


_DEGREE = math.pi / 180


def _sindg(f0: Any, x: Any) -> Arrays:
    # sin(x deg): f1 = (pi/180) cos(x deg), f2 = -(pi/180)^2 sin(x deg), x reduced exactly
    # (scipy's cosdg and sindg are 0 beyond |x| = 1e14, cephes' total loss: sindg' at
    # x = 1.5e173, a multiple of 360, was 0, truly pi/180)
    s, c = _degree_sin_cos(x)
    return _DEGREE * c, -_DEGREE * _DEGREE * s


def _cosdg(f0: Any, x: Any) -> Arrays:
    s, c = _degree_sin_cos(x)
    return -_DEGREE * s, -_DEGREE * _DEGREE * c


def _degree_sin_cos(x: Any) -> Arrays:
    """(sin, cos) of x degrees, x reduced exactly to r in [-180, 180] (fmod by 360, then
    +-360), folded to q in [-90, 90] (180 - r or -180 - r: exact by Sterbenz; sin q = sin r,
    cos q = -cos r there), cos(q) as sin(90 - |q|), so neither loses the small one near a
    zero of the other."""
    r = np.fmod(x, 360.0)
    r = np.where(r > 180, r - 360, np.where(r < -180, r + 360, r))
    q = np.where(r > 90, 180 - r, np.where(r < -90, -180 - r, r))
    sign = np.where(np.abs(r) > 90, -1.0, 1.0)
    return np.sin(_DEGREE * q), sign * np.sin(_DEGREE * (90 - np.abs(q)))


def _tandg(f0: Any, x: Any) -> Arrays:
    # f1 = (pi/180) / cos^2, f2 = 2 (pi/180)^2 sin / cos^3, from x: scipy's tandg is 4e-6
    # off at 90 - 1e-9 (cotdg 1.5e-6 at 1e-10), and (pi/180)(1 + f0^2) took that error
    s, c = _degree_sin_cos(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = _DEGREE / (c * c)
        return f1, 2 * _DEGREE * f1 * s / c


def _cotdg(f0: Any, x: Any) -> Arrays:
    # f1 = -(pi/180) / sin^2, f2 = 2 (pi/180)^2 cos / sin^3
    s, c = _degree_sin_cos(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = -_DEGREE / (s * s)
        return f1, -2 * _DEGREE * f1 * c / s


def _boxcox(shift: float) -> Callable[..., Arrays]:
    # ((s + x)^l - 1)/l = L exprel(l L), L = log(s + x) (log1p for s = 1), in (x, l):
    # f_x = u^(l-1), f_xx = (l - 1) u^(l-2), f_xl = L u^(l-1), f_l = L^2 exprel'(l L),
    # f_ll = L^3 exprel''(l L), u = s + x (exprel's series keeps l L near 0 exact)
    def rule(f0: Any, x: Any, lmbda: Any) -> Arrays:
        u = shift + x
        log_u = np.log1p(x) if shift else np.log(x)
        e1, e2 = _exprel(None, lmbda * log_u)
        fx = u ** (lmbda - 1)
        return fx, log_u**2 * e1, (lmbda - 1) * u ** (lmbda - 2), log_u * fx, log_u**3 * e2

    return rule


def _log1p_ratio(t: Any) -> Arrays:
    """The first two derivatives of log1p(t)/t: (L'/t - L/t^2, L''/t - 2L'/t^2 + 2L/t^3) with
    L = log1p t, which cancel near 0; there (|t| < 1/2) the series sum_k (-1)^k t^k/(k+1)
    differentiated termwise (60 terms)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        big = np.log1p(t)
        r = 1 / (1 + t)
        d1 = r / t - big / (t * t)
        d2 = -r * r / t - 2 * r / (t * t) + 2 * big / (t * t * t)
    near = np.abs(t) < 0.5
    if np.any(near):
        u = np.where(near, t, 0.0)
        s1, s2 = np.zeros_like(u), np.zeros_like(u)
        for k in range(60, 0, -1):  # Horner: k t^(k-1)/(k+1), k (k-1) t^(k-2)/(k+1)
            s1 = s1 * u + (-1.0) ** k * k / (k + 1)
        for k in range(60, 1, -1):
            s2 = s2 * u + (-1.0) ** k * k * (k - 1) / (k + 1)
        d1, d2 = np.where(near, s1, d1), np.where(near, s2, d2)
    return d1, d2


def _inv_boxcox(shift: float) -> Callable[..., Arrays]:
    # x = e^g - s, g = log1p(l y)/l = y r(l y), r(t) = log1p(t)/t, in (y, l), u = x + s:
    # x_y = u^(1-l), x_yy = (1 - l) u^(1-2l), g_l = y^2 r'(l y), g_ll = y^3 r''(l y),
    # x_l = u g_l, x_ll = u (g_ll + g_l^2), x_yl = u^(1-l) ((1 - l) g_l - log u)
    def rule(f0: Any, y: Any, lmbda: Any) -> Arrays:
        u = f0 + shift
        r1, r2 = _log1p_ratio(lmbda * y)
        g_l, g_ll = y * y * r1, y * y * y * r2
        x_y = u ** (1 - lmbda)
        x_yl = x_y * ((1 - lmbda) * g_l - np.log(u))
        return x_y, u * g_l, (1 - lmbda) * u ** (1 - 2 * lmbda), x_yl, u * (g_ll + g_l * g_l)

    return rule


def _hyp1f1(f0: Any, a: Any, b: Any, x: Any) -> Arrays:
    # in x: d/dx 1F1(a; b; x) = a/b 1F1(a+1; b+1; x); in a and b by Kummer's series on
    # dual arrays (_kummer_series)
    sc = _sc()
    in_x = (
        (a / b) * sc.hyp1f1(a + 1, b + 1, x),
        (a * (a + 1) / (b * (b + 1)) * sc.hyp1f1(a + 2, b + 2, x)),
    )
    return _with_parameters((2,), in_x, _kummer_series, a, b, x)


def _kummer_series(a: Any, b: Any, x: Any) -> Any:
    """1F1(a; b; x) = sum_n (a)_n/(b)_n x^n/n! as numpy code on dual arrays, where its terms
    are all positive: a >= 0, b > 0 and x >= 0, or, by Kummer's transformation
    1F1(a; b; x) = e^x 1F1(b - a; b; -x), x < 0 and b >= a (no cancellation: each partial
    is a sum of terms of one sign, to a few ulps per term). Elsewhere a TypeError."""
    av, bv, xv = np.broadcast_arrays(_values(a), _values(b), _values(x))
    flip = xv < 0
    top = np.where(flip, b - a, a)
    positive = (av >= 0) & (bv > 0) & (_values(top) >= 0) | np.isnan(av + bv + xv)
    if not np.all(positive):
        raise TypeError(
            "hyperdiff differentiates scipy.special.hyp1f1 in its parameters a and b only "
            "where its series' terms are all positive: a >= 0, b > 0 and x >= 0, or x < 0 and "
            "b >= a"
        )
    z = np.where(flip, -x, x)
    term = total = z * 0 + 1
    # (at x = 0 too: the terms' values are 0 there, but not their parts, a x/b's mixed
    # partial in a and x 1/b; the sum ends when every plane's terms are 0)
    converging, n = _Convergence(~np.isinf(xv)), 0  # (nan: its terms nan, at once)
    while converging.running():
        term = term * (top + n) * z / ((b + n) * (n + 1))
        n += 1
        total = total + term
        converging.update(term, total)
    return np.where(flip, np.exp(x) * total, total)


def _hyp2f1(f0: Any, a: Any, b: Any, c: Any, z: Any) -> Arrays:
    # d/dz 2F1(a, b; c; z) = ab/c 2F1(a+1, b+1; c+1; z); in a, b and c by Gauss's series on
    # dual arrays (_gauss_series; real z only)
    sc = _sc()
    in_z = (
        (a * b / c) * sc.hyp2f1(a + 1, b + 1, c + 1, z),
        (a * (a + 1) * b * (b + 1) / (c * (c + 1)) * sc.hyp2f1(a + 2, b + 2, c + 2, z)),
    )
    if np.iscomplexobj(z):
        return (*[_refused(_GAUSS)] * 3, in_z[0], *[_refused(_GAUSS)] * 9, in_z[1])
    return _with_parameters((3,), in_z, _gauss_series, a, b, c, z)


_GAUSS = (
    "hyperdiff differentiates scipy.special.hyp2f1 in its parameters a, b and c only at real "
    "z in [-9, 0.9] where its series' terms are all positive: a, b >= 0, c > 0, and c >= b for "
    "z < 0"
)


def _refused(message: str) -> Callable[[], Any]:
    """A rule's partial that raises TypeError(message) when a call needs it."""

    def partial() -> Any:
        raise TypeError(message)

    return partial


def _gauss_series(a: Any, b: Any, c: Any, z: Any) -> Any:
    """2F1(a, b; c; z) = sum_n (a)_n (b)_n/(c)_n z^n/n! as numpy code on dual arrays, where
    its terms are all positive: a, b >= 0, c > 0, 0 <= z <= 0.9 (at most ~400 terms), or, by
    Pfaff's transformation 2F1(a, b; c; z) = (1 - z)^-a 2F1(a, c - b; c; z/(z - 1)),
    -9 <= z < 0 and c >= b. Elsewhere a TypeError."""
    av, bv, cv, zv = np.broadcast_arrays(*(_values(v) for v in (a, b, c, z)))
    flip = zv < 0
    second = np.where(flip, c - b, b)
    w = np.where(flip, z / (z - 1), z)
    inside = (av >= 0) & (bv >= 0) & (cv > 0) & (_values(second) >= 0) & (zv >= -9) & (zv <= 0.9)
    if not np.all(inside | np.isnan(av + bv + cv + zv)):
        raise TypeError(_GAUSS)
    term = total = w * 0 + 1
    # (at z = 0 too: its terms' parts are not 0 there, a b z/c's mixed partial in a and
    # z b/c)
    converging, n = _Convergence(~np.isinf(_values(w))), 0
    while converging.running():
        term = term * (a + n) * (second + n) * w / ((c + n) * (n + 1))
        n += 1
        total = total + term
        converging.update(term, total)
    return np.where(flip, (1 - z) ** -a * total, total)


def _student_density(df: Any, t: Any) -> Arrays:
    # Student's t cdf in t: f1 = the pdf, f2 = -(df + 1) t / (df + t^2) f1; the pdf's
    # log Gamma((df + 1)/2) - log Gamma(df/2) - log(df pi)/2 by _half_gamma_ratio's series
    # from df = 20 (gammaln's difference cancelled: 4e-10 off at df = 1e6, 6e-7 at 1e10),
    # and log1p(t^2/df) as 2 log|s|, s = t/sqrt(df), where s^2 would overflow
    sc = _sc()
    s = t / np.sqrt(df)
    large = np.abs(s) > 1e100
    log_kernel = np.where(large, 2 * np.log(np.abs(np.where(large, s, 1.0))), np.log1p(s * s))
    big = df >= 20
    z = np.where(big, df, 20.0) / 2
    series = _half_gamma_ratio(z) - 0.5 * math.log(2 * math.pi)  # (z = df/2 >= 10)
    direct = sc.gammaln((df + 1) / 2) - sc.gammaln(df / 2) - 0.5 * np.log(df * math.pi)
    log_pdf = np.where(big, series, direct) - (df + 1) / 2 * log_kernel
    slope = -(df + 1) * t / (df + t * t)
    normal = np.isposinf(df)  # scipy's stdtr is ndtr there: (df + 1)/2 log1p(t^2/df) is inf 0
    if np.any(normal):
        log_pdf = np.where(normal, -t * t / 2 - 0.5 * math.log(2 * math.pi), log_pdf)
        slope = np.where(normal, -t, slope)
    f1 = np.exp(log_pdf)
    return f1, slope * f1


def _half_gamma_ratio(z: Any) -> Any:
    """log Gamma(z + 1/2) - log Gamma(z) - log(z)/2 for z >= 10 by its asymptotic series
    sum_k (2^(1-2k) - 2) B_2k / (2k (2k - 1) z^(2k-1)) (B the Bernoulli numbers; the
    difference of Stirling's series at a = 1/2 and 0): -1/(8z) + 1/(192 z^3) - ..., ten
    terms (the next below 1e-19 at z = 10)."""
    terms = _HALF_GAMMA_TERMS
    w = 1 / (z * z)
    total: Any = np.zeros_like(w)
    for c in terms[::-1]:
        total = total * w + c
    return total / z


# (2^(1-2k) - 2) B_2k / (2k (2k - 1)), k = 1 .. 10: the coefficients of z^-(2k-1)
_HALF_GAMMA_TERMS = tuple(
    (2.0 ** (1 - 2 * k) - 2) * b / (2 * k * (2 * k - 1))
    for k, b in zip(range(1, 11), _BERNOULLI[:10], strict=True)
)


def _stdtr(f0: Any, df: Any, t: Any) -> Arrays:
    # in t by the density; in df through betainc (_through):
    #   stdtr = 1/2 + sign(t)/2 I_(t^2/(df + t^2))(1/2, df/2)   (t^2 < df),
    #   stdtr = I_(df/(df + t^2))(df/2, 1/2)/2, or 1 - that      (t < 0, t > 0, elsewhere)
    # (each argument of betainc computed directly, not as 1 - the other: no cancellation)
    def formula(n: Any, u: Any) -> Any:
        sc = _sc()
        side = np.sign(_values(u))
        square = u * u
        near = sc.betainc(0.5, n / 2, square / (n + square)) * side / 2 + 0.5
        tail = sc.betainc(n / 2, 0.5, n / (n + square)) / 2
        return np.where(square.value < n.value, near, np.where(side < 0, tail, 1 - tail))

    f1, f2 = _student_density(df, t)
    partials = _with_parameters((1,), (f1, f2), formula, df, t)
    # (the formula's near branch is sign(t) = 0 times a term of slope ~ 1 in t at t = 0)
    return _mixed_at_t_zero(partials, 3, df, t, f1)


def _mixed_at_t_zero(partials: Arrays, index: int, df: Any, t: Any, density: Any) -> Arrays:
    """partials with the one at `index`, d^2 F / d df dt of a (noncentral) t cdf F (its
    density in t `density`), set at t = 0 to d/d df of the density there, density L'(df)
    (at t = 0 the density is e^(-nc^2/2) e^L, L as _student_log_density_in_df's). Their
    formulas in df run on |t| (a sign, or t^2 / (t^2 + df) under betainc), whose slope
    dual arithmetic cannot see at t = 0: the mixed partial was 0 there (stdtr(0.75, 0)'s
    is 0.0923, stdtrit(0.75, p)'s at p = 1/2 -1.03)."""
    if not np.any(t == 0):
        return partials
    mixed = partials[index]
    at_zero = (t == 0) & np.isfinite(df)

    def corrected() -> Any:
        return np.where(at_zero, density * _student_log_density_in_df(df), _now(mixed))

    return (*partials[:index], corrected, *partials[index + 1 :])


def _student_log_density_in_df(df: Any) -> Any:
    """L'(df), L = log Gamma((df+1)/2) - log Gamma(df/2) - log(df pi)/2 (the log of Student's
    density at 0): H'(z)/2 at z = df/2, H(z) = log Gamma(z + 1/2) - log Gamma(z) - log(z)/2
    (_half_gamma_ratio). H' = psi(z + 1/2) - psi(z) - 1/(2z) cancels (5e-13 off at df =
    19); instead, by psi's recurrence, H'(z) = H'(z + m) + sum_(j < m) 1/(4 (z+j)
    (z+j+1/2) (z+j+1)) (positive terms) with z + m >= 10, where H' is the derivative of
    _half_gamma_ratio's series."""
    z = np.asarray(df, dtype=np.float64) / 2
    m = np.clip(np.ceil(10 - z), 0, None)
    top = z + m
    w = 1 / (top * top)
    total: Any = np.zeros_like(w)
    for k in range(len(_HALF_GAMMA_TERMS), 0, -1):  # sum_k -(2k-1) c_k top^(-2k)
        total = total * w - (2 * k - 1) * _HALF_GAMMA_TERMS[k - 1]
    total = total * w
    for j in range(int(np.max(m, initial=0))):
        u = z + j
        total = total + np.where(j < m, 1 / (4 * u * (u + 0.5) * (u + 1)), 0.0)
    return np.where(z > 0, total / 2, np.nan)


def _values(u: Any) -> Any:
    return u.value if hasattr(u, "value") else np.asarray(u)


def _through(formula: Callable[..., Any], *args: Any) -> Arrays:
    """A function's gradient and Hessian's upper triangle (Entry's order) by running its
    formula (numpy code on hyperdiff's arrays) on a HyperDualVec of all its arguments:
    its planes are these partials."""
    from ._multivariate import hyperdualvec

    args = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
    eye = np.eye(len(args)).reshape((len(args), len(args)) + (1,) * args[0].ndim)
    duals = [
        hyperdualvec(a, np.broadcast_to(seed, (len(args), *a.shape)))
        for a, seed in zip(args, eye, strict=True)
    ]
    return tuple(formula(*duals)._stack[1:])


def _with_parameters(
    known: tuple[int, ...], partials: Arrays, formula: Callable[..., Any], *args: Any
) -> Arrays:
    """The partials of f(*args) in Entry's order: those among the positions `known` (their
    gradient and Hessian triangle: closed forms) as given, every other one from _through,
    run only when a dual array in another position needs it."""
    full = functools.cache(functools.partial(_through, formula, *args))
    n, m = len(args), len(known)
    keys: list[tuple[int, ...]] = [(i,) for i in range(n)]
    keys += [(i, j) for i in range(n) for j in range(i, n)]
    given_keys: list[tuple[int, ...]] = [(known[i],) for i in range(m)]
    given_keys += [(known[i], known[j]) for i in range(m) for j in range(i, m)]
    given = dict(zip(given_keys, partials, strict=True))
    return tuple(
        given[key] if key in given else functools.partial(lambda k: full()[k], index)
        for index, key in enumerate(keys)
    )


# The noncentral chi-squared, F and t cdfs in their degrees of freedom: Poisson mixtures of
# central cdfs (gammainc, betainc), run as numpy code on dual arrays (_with_parameters),
# whose partials in the shapes the central functions' rules give.
def _poisson_weights(mu: Any, count: int) -> Any:
    """e^-mu mu^j / j!, j = 0 .. count - 1 on a new last axis, of a (dual) mu >= 0: in logs
    where mu > 0; where mu = 0 their Taylor polynomials to second order (1 - mu + mu^2/2,
    mu - mu^2, mu^2/2, then 0), whose planes are exact there (those of log mu are not)."""
    j = np.arange(count)
    m = mu[..., None]
    positive = _values(m) > 0
    safe = np.where(positive, m, 1.0)
    logs = j * np.log(safe) - safe - _sc().gammaln(j + 1.0)
    half = m * m / 2
    at_zero = np.where(
        j == 0, 1 - m + half, np.where(j == 1, m - 2 * half, np.where(j == 2, half, 0 * m))
    )
    return np.where(positive, np.exp(logs), at_zero)


_MIXTURE_TERMS = 10_000


def _mixture_terms(mu: Any, y: Any) -> int:
    """How many Poisson(mu) weights a mixture sums: the terms peak near j = mu, or where a
    central term falling as y^j/j! (a gamma cdf's tail) meets them, sqrt(mu y); 12 sqrt(peak)
    + 40 beyond they are below e^-70 of the largest. Beyond 10^4 terms: TypeError."""
    mu, y = (np.abs(_values(v)) for v in np.broadcast_arrays(_values(mu), _values(y)))
    peak = np.maximum(mu, np.sqrt(mu * y))
    count = np.max(np.where(np.isfinite(peak), peak + 12 * np.sqrt(peak) + 40, 0.0), initial=40)
    if count > _MIXTURE_TERMS:
        raise TypeError(
            "hyperdiff differentiates the noncentral chi-squared, F and t distribution "
            "functions (scipy.special.chndtr, ncfdtr, nctdtr and their inverses) in their "
            f"degrees of freedom only up to {_MIXTURE_TERMS} terms of their Poisson "
            "mixtures (noncentrality and x up to about 1e4)"
        )
    return int(count)


def _noncentral_chi2(x: Any, k: Any, nc: Any) -> Any:
    # F = sum_j Poisson(j; nc/2) P(k/2 + j, x/2)  (0 for x <= 0)
    y = np.where(_values(x) > 0, x / 2, 0.0)
    count = _mixture_terms(nc / 2, y)
    central = _sc().gammainc(k[..., None] / 2 + np.arange(count), y[..., None])
    return np.sum(_poisson_weights(nc / 2, count) * central, axis=-1)


def _noncentral_f(dfn: Any, dfd: Any, nc: Any, f: Any) -> Any:
    # F = sum_j Poisson(j; nc/2) I_y(dfn/2 + j, dfd/2), y = dfn f/(dfd + dfn f)  (0 for
    # f <= 0, 1 at f = inf)
    value = _values(f)
    y = np.where(value > 0, dfn * f / (dfd + dfn * f), 0.0)
    y = np.where(value == np.inf, 1.0, y)
    count = _mixture_terms(nc / 2, 0.0)
    j = np.arange(count)
    central = _sc().betainc(dfn[..., None] / 2 + j, dfd[..., None] / 2, y[..., None])
    return np.sum(_poisson_weights(nc / 2, count) * central, axis=-1)


def _noncentral_t(df: Any, nc: Any, t: Any) -> Any:
    # for t >= 0, with x = t^2/(t^2 + df) and mu = nc^2/2 (Lenth, AS 243):
    #   F = Phi(-nc) + 1/2 sum_j (w_j I_x(j + 1/2, df/2) + nc w_j c_j I_x(j + 1, df/2)),
    # w_j = Poisson(j; mu), c_j = j!/(sqrt 2 Gamma(j + 3/2)); F(t) = 1 - F(-t) with -nc below 0
    sc = _sc()
    side = np.where(_values(t) < 0, -1.0, 1.0)
    u, d = t * side, nc * side
    square = u * u
    x = np.where(np.isinf(_values(t)), 1.0, square / (square + df))
    count = _mixture_terms(d * d / 2, 0.0)
    j = np.arange(count)
    w = _poisson_weights(d * d / 2, count)
    c = np.exp(sc.gammaln(j + 1.0) - sc.gammaln(j + 1.5)) / math.sqrt(2)
    b, at = df[..., None] / 2, x[..., None]
    terms = w * (sc.betainc(j + 0.5, b, at) + d[..., None] * c * sc.betainc(j + 1.0, b, at))
    g = sc.ndtr(-d) + np.sum(terms, axis=-1) / 2
    return np.where(side > 0, g, 1 - g)


def _chdtr(sign: float) -> Callable[..., Arrays]:
    # chi-squared cdf = P(v/2, x/2): each partial of P over 2 per argument (chdtrc: negated)
    def rule(f0: Any, v: Any, x: Any) -> Arrays:
        p_a, p_x, p_aa, p_ax, p_xx = _gamma_partials(v / 2, x / 2)
        k1, k2 = sign / 2, sign / 4
        return lambda: k1 * p_a(), k1 * p_x, lambda: k2 * p_aa(), k2 * p_ax, k2 * p_xx

    return rule


# Complete elliptic integrals of the parameter m:
#   K' = (E - (1 - m) K) / (2 m (1 - m)),  E' = (E - K) / (2 m),
#   K'' = (m (1 - m) K - 2 (1 - 2m) (E - (1 - m) K)) / (4 m^2 (1 - m)^2),
#   E'' = (E' - K') / (2m) - E' / m;
# all cancel near m = 0, where (|m| < 0.1) the series K = pi/2 sum c_n^2 m^n and
# E = pi/2 sum c_n^2 m^n / (1 - 2n), c_n = (2n)! / (2^(2n) n!^2), are differentiated.
def _elliptic_series(m: Any, second_kind: bool) -> Arrays:
    c = [1.0]
    for n in range(1, 40):
        c.append(c[-1] * (2 * n - 1) / (2 * n))
    s1, s2 = np.zeros_like(m), np.zeros_like(m)
    for n in range(39, 0, -1):
        w = c[n] ** 2 / (1 - 2 * n) if second_kind else c[n] ** 2
        s1 = s1 * m + n * w
    for n in range(39, 1, -1):
        w = c[n] ** 2 / (1 - 2 * n) if second_kind else c[n] ** 2
        s2 = s2 * m + n * (n - 1) * w
    return math.pi / 2 * s1, math.pi / 2 * s2


def _elliptic(second_kind: bool) -> Callable[..., Arrays]:
    def rule(f0: Any, m: Any) -> Arrays:
        sc = _sc()
        with np.errstate(divide="ignore", invalid="ignore"):
            k, e = sc.ellipk(m), sc.ellipe(m)
            d = e - (1 - m) * k
            k1 = d / (2 * m * (1 - m))
            e1 = (e - k) / (2 * m)
            if second_kind:
                f1, f2 = e1, (e1 - k1) / (2 * m) - e1 / m
            else:  # (K'' over m (1 - m) once: m^2 (1 - m)^2 overflowed from m = -1e77)
                f1, f2 = k1, (k / 4 - (1 - 2 * m) * k1) / (m * (1 - m))
        # at m = -inf the limits 0 (K ~ log(4 sqrt(-m))/sqrt(-m), E ~ sqrt(-m)): inf/inf
        f1, f2 = (np.where(m == -np.inf, 0.0, f) for f in (f1, f2))
        near = np.abs(m) < 0.1
        if np.any(near):
            s1, s2 = _elliptic_series(np.where(near, m, 0.0), second_kind)
            f1, f2 = np.where(near, s1, f1), np.where(near, s2, f2)
        return f1, f2

    return rule


def _beta_density(a: Any, b: Any, x: Any) -> Arrays:
    """d/dx I_x(a, b) = x^(a-1) (1-x)^(b-1) / B(a, b) and its derivative
    ((a-1)/x - (b-1)/(1-x)) times it (xlogy/xlog1py keep x = 0, 1 exact)."""
    sc = _sc()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        lb = sc.betaln(a, b)
        f1 = np.exp(sc.xlogy(a - 1, x) + sc.xlog1py(b - 1, -x) - lb)
        up = np.where(
            a == 1, 0.0, (a - 1) * np.exp(sc.xlogy(a - 2, x) + sc.xlog1py(b - 1, -x) - lb)
        )
        down = np.where(
            b == 1, 0.0, (b - 1) * np.exp(sc.xlogy(a - 1, x) + sc.xlog1py(b - 2, -x) - lb)
        )
        inside = (x >= 0) & (x <= 1)
        return np.where(inside, f1, np.nan), np.where(inside, up - down, np.nan)


def _betainc(sign: float) -> Callable[..., Arrays]:
    # I_x(a, b) in (a, b, x) (betaincc = 1 - I: negated)
    def rule(f0: Any, a: Any, b: Any, x: Any) -> Arrays:
        partials = _beta_partials(a, b, x)
        return partials if sign > 0 else _negated(partials)

    return rule


def _beta_partials(a: Any, b: Any, x: Any) -> Arrays:
    """I_x(a, b)'s gradient in (a, b, x) and Hessian's upper triangle; those in a and b
    only (the continued fraction, one run for all five) as functions:
    I_ax = I_x (log x - psi(a) + psi(a + b)), I_bx = I_x (log(1 - x) - psi(b) + psi(a + b))."""
    sc = _sc()
    density, slope = _beta_density(a, b, x)
    both = sc.psi(a + b)
    with np.errstate(divide="ignore", invalid="ignore"):
        ax = np.where(density == 0, 0.0, density * (np.log(x) - sc.psi(a) + both))
        bx = np.where(density == 0, 0.0, density * (np.log1p(-x) - sc.psi(b) + both))
    in_ab = functools.cache(functools.partial(_regularized_beta_in_ab, a, b, x))
    i_a, i_b, i_aa, i_ab, i_bb = (functools.partial(lambda k: in_ab()[k], k) for k in range(5))
    return i_a, i_b, density, i_aa, i_ab, ax, i_bb, bx, slope


def _gdtr(sign: float) -> Callable[..., Arrays]:
    # gamma cdf gdtr(a, b, x) = P(b, a x), a the rate, b the shape (gdtrc: negated)
    def rule(f0: Any, a: Any, b: Any, x: Any) -> Arrays:
        partials = _gamma_partials(b, a * x)
        return _of_product(partials if sign > 0 else _negated(partials), a, x)

    return rule


def _counted(d1: Any, d2: Any, n: int) -> Arrays:
    """The partials of a function of n arguments whose first n - 1 are counts scipy floors
    or truncates (pdtr's k, bdtr's k and n): 0 in them, as np.floor's, and (d1, d2) in
    the last."""
    zero = np.zeros_like(d1)
    gradient = [zero] * (n - 1) + [d1]
    return (*gradient, *([zero] * (n * (n + 1) // 2 - 1)), d2)


def _scipy_count(x: Any) -> Any:
    """A float count as scipy's loops that take a C int pass it on: truncated toward 0
    (nbdtr(-0.5, n, p) is nbdtr(0, n, p)), nan beyond int's range (scipy's value is)."""
    x = np.asarray(x, dtype=np.float64)
    return np.where((x > -(2.0**31) - 1) & (x < 2.0**31), np.trunc(x), np.nan)


def _pdtr(sign: float, count: Callable[[Any], Any] = np.floor) -> Callable[..., Arrays]:
    # Poisson cdf pdtr(k, m) = Q(floor(k) + 1, m) in (k, m): f_m = -P'(k + 1, m) (pdtrc:
    # negated); nan at k < 0, as scipy's value. pdtri takes k as a C int (`count`
    # _scipy_count): pdtri(-0.5, y) is pdtri(0, y)
    def rule(f0: Any, k: Any, m: Any) -> Arrays:
        k = count(k)
        d1, d2 = _gammainc_density(np.where(k >= 0, k, np.nan) + 1, m)
        return _counted(-sign * d1, -sign * d2, 2)

    return rule


def _bdtr(sign: float) -> Callable[..., Arrays]:
    # binomial cdf bdtr(k, n, p) = I_{1-p}(n - floor(k), floor(k) + 1) in (k, n, p) (n a C
    # int: scipy truncates it, so bdtr(0, 2.5, p) is (1 - p)^2): f_p = -I', f_pp = I'', as
    # the density of I_p(k + 1, n - k) at p itself (at 1 - p, rounded, the parts of bdtrc
    # ~ p^(k+1) at p = 1e-8 were 6e-9 off, and 0 below p = 1e-17). Constant where
    # floor(k) = n (bdtr 1, bdtrc 0) and, for bdtrc, at k < 0 (1): 0 there; nan where
    # scipy's value is (k > n; k < 0 for bdtr)
    def rule(f0: Any, k: Any, n: Any, p: Any) -> Arrays:
        k, n = np.floor(k), _scipy_count(n)
        d1, d2 = _beta_density(k + 1, n - k, p)
        constant = ((k == n) | ((k < 0) & (sign < 0))) & (p >= 0) & (p <= 1)
        inside = (k >= 0) & (k < n)
        d1, d2 = (np.where(inside, d, np.where(constant, 0.0, np.nan)) for d in (d1, d2))
        return _counted(-sign * d1, -sign * d2, 3)

    return rule


# cdflib's binomial, negative binomial and Poisson cdfs, which bdtrik, bdtrin, nbdtrik,
# nbdtrin and pdtrik invert: continuous in the counts k and n (scipy's bdtr, nbdtr and
# pdtr floor them), through betainc and gammaincc:
#   binomial I_(1-p)(n - k, k + 1), negative binomial I_p(n, k + 1), Poisson Q(k + 1, m).
def _binomial(f0: Any, k: Any, n: Any, p: Any) -> Arrays:
    return _linear(_beta_partials(n - k, k + 1, 1 - p), ((-1, 1, 0), (1, 0, 0), (0, 0, -1)))


def _negative_binomial(f0: Any, k: Any, n: Any, p: Any) -> Arrays:
    return _linear(_beta_partials(n, k + 1, p), ((0, 1, 0), (1, 0, 0), (0, 0, 1)))


def _poisson(f0: Any, k: Any, m: Any) -> Arrays:
    return _negated(_gamma_partials(k + 1, m))


_CONTINUOUS_COUNTS: dict[str, Callable[..., Any]] = {
    "_binomial": lambda k, n, p: _sc().betainc(n - k, k + 1, 1 - p),
    "_negative_binomial": lambda k, n, p: _sc().betainc(n, k + 1, p),
    "_poisson": lambda k, m: _sc().gammaincc(k + 1, m),
    # pdtri's F: pdtr at k as pdtri takes it, a C int (pdtr floors it: pdtr(-0.5, m) is nan)
    "_pdtr_of_count": lambda k, m: _sc().pdtr(_scipy_count(k), m),
}


def _forward(name: str) -> Callable[..., Any]:
    """F of an inverse's rule, on floats: scipy.special's function of that name, or one of
    cdflib's continuous count distributions."""

    def value(*args: Any) -> Any:
        if name in _CONTINUOUS_COUNTS:
            return _CONTINUOUS_COUNTS[name](*args)
        with warnings.catch_warnings():  # (bdtr's, nbdtr's float counts: scipy warns)
            warnings.simplefilter("ignore", (RuntimeWarning, DeprecationWarning))
            return getattr(_sc(), name)(*args)

    return value


def _integer_order(rule: Callable[..., Arrays]) -> Callable[..., Arrays]:
    """The rule of a function of an integer order n (yn, kn, expn) at n truncated toward
    zero, as scipy's loops cast a float n (with a RuntimeWarning): its value is of that
    order, and so must its derivatives be."""

    def truncated(f0: Any, n: Any, x: Any) -> Arrays:
        return rule(f0, np.trunc(n) if np.asarray(n).dtype.kind == "f" else n, x)

    return truncated


def _expn(f0: Any, n: Any, x: Any) -> Arrays:
    # E_n' = -E_{n-1}, E_n'' = E_{n-2}, with E_0 = e^-x/x, E_{-1} = e^-x (1 + x)/x^2
    sc = _sc()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        e = np.exp(-x)
        below = {0: e / x, -1: e * (1 + x) / (x * x)}
        m1 = np.where(n >= 2, sc.expn(np.maximum(n - 1, 0), x), below[0])
        m2 = np.where(
            n >= 3, sc.expn(np.maximum(n - 2, 0), x), np.where(n == 2, below[0], below[-1])
        )
        m2 = np.where(n == 0, e * (x * x + 2 * x + 2) / (x * x * x), m2)
        m1 = np.where(n == 0, below[-1], m1)
        return -m1, m2


def _hyp0f1(f0: Any, v: Any, z: Any) -> Arrays:
    # d/dz 0F1(; v; z) = 0F1(; v+1; z)/v; in v by its series or J's order (_hyp0f1_in_v)
    sc = _sc()
    in_z = sc.hyp0f1(v + 1, z) / v, sc.hyp0f1(v + 2, z) / (v * (v + 1))
    return _with_parameters((1,), in_z, functools.partial(_hyp0f1_in_v, f0), v, z)


# Series on dual arrays whose parts are partials in an order or parameter, judged as
# _bessel_in_v's: the planes' rounding bound (eps times the terms' magnitudes times the
# roundings each carries) within 1e-12 of max(|plane|, the function's scale), else refused.
_ORDER_TOLERANCE = 1e-12
_SERIES_TERMS = 20_000


def _dual_series(first: Any, ratio: Callable[[int], Any], pending: Any) -> tuple[Any, Any]:
    """sum_k t_k, t_0 = first, t_k = t_(k-1) ratio(k), on dual arrays, summed at `pending`
    points until every plane's term is within an ulp of its total or 1e-17 of its terms'
    magnitudes (a plane may converge long after the value: a terminating series' parts, at
    integer degrees, do not terminate); and the bound on its planes' rounding over eps
    (each term's magnitude times 1 + 4k, four roundings a step), inf where it did not
    converge within _SERIES_TERMS terms or is not finite."""
    term = total = first
    magnitude = np.abs(first._stack)
    done = ~pending
    for k in range(1, _SERIES_TERMS + 1):
        if done.all():
            break
        term = term * ratio(k)
        total = total + term
        size = np.abs(term._stack)
        magnitude = magnitude + size * (1 + 4 * k)
        small = (size <= _EPS * np.abs(total._stack)) | (size <= 1e-17 * magnitude)
        done = done | np.all(small, axis=0) | ~np.all(np.isfinite(total._stack), axis=0)
    finite = np.all(np.isfinite(total._stack), axis=0)
    return total, np.where(done & finite, magnitude, np.inf)


def _nan_outside(inside: Any, dual: Any) -> Any:
    """dual with every plane nan outside `inside` (dual * nan keeps its zero planes 0: a
    partial that should be nan would stay 0); a plain array: nan outside `inside`."""
    if not hasattr(dual, "_stack"):
        return np.where(inside, dual, np.nan)
    return type(dual)._wrap(np.where(inside, dual._stack, np.nan))


def _accurate(total: Any, bound: Any, scale: Any) -> Any:
    """Where every plane's rounding bound (over eps) is within 1e-12 of max(|plane|, scale)."""
    size = np.maximum(np.abs(total._stack), scale)
    return np.all(_EPS * bound <= _ORDER_TOLERANCE * size, axis=0)


def _hyp0f1_in_v(value: Any, v: Any, z: Any) -> Any:
    """0F1(; v; z) as numpy code on dual arrays: its series sum_k z^k / ((v)_k k!) where
    its rounding is within 1e-12 (all of z > 0 up to its overflow: terms of one sign from
    k > -v; z < 0 while the alternating terms' cancellation allows, |z| up to ~20), else
    for z < 0 Gamma(v) w^(1-v) J_(v-1)(2w), w = sqrt(-z) (DLMF 10.16.9), J in its order
    by _bessel_in_v's series, integrals and expansions; its scale there the envelope
    Gamma(v) w^(1-v) sqrt(J^2 + Y^2) beyond 2w = |v - 1|. nan where scipy's value is not
    finite; TypeError where neither is accurate."""
    sc = _sc()
    vv, zv = np.broadcast_arrays(_values(v), _values(z))
    inside = np.isfinite(value) & np.isfinite(vv) & np.isfinite(zv)
    inside &= ~((vv <= 0) & (vv == np.floor(vv)))
    flat = (vv == np.inf) & np.isfinite(value)  # (0F1 -> 1 as v -> inf: partials 0)
    vs, zs = np.where(inside, v, 1.5), np.where(inside, z, 0.5)
    w0 = np.sqrt(np.abs(_values(zs)))
    scale = np.abs(value)
    oscillating = inside & (_values(zs) < 0) & (2 * w0 > np.abs(_values(vs) - 1))
    if oscillating.any():
        envelope = np.abs(sc.gamma(vv) * w0 ** (1 - vv)) * np.hypot(
            sc.jv(vv - 1, 2 * w0), sc.yv(vv - 1, 2 * w0)
        )
        scale = np.where(oscillating, envelope, scale)
    total, bound = _dual_series(vs * 0 + zs * 0 + 1, lambda k: zs / ((vs + (k - 1)) * k), inside)
    left = inside & ~_accurate(total, bound, scale)
    if np.any(left & (zv > 0)) or not left.any():
        if np.any(left & (zv > 0)):
            raise TypeError(
                "hyperdiff differentiates scipy.special.hyp0f1 in its order v only where its "
                f"series is accurate to 1e-12 (here v = {vv[left].flat[0]:g}, "
                f"z = {zv[left].flat[0]:g})"
            )
        return _nan_outside(inside | flat, np.where(inside, total, total * 0))
    vb = np.where(left, vs, 1.5)
    w = np.sqrt(-np.where(left, zs, -1.0))
    try:
        bessel = sc.gamma(vb) * w ** (1 - vb) * sc.jv(vb - 1, 2 * w)
    except TypeError as error:
        raise TypeError(
            "hyperdiff differentiates scipy.special.hyp0f1 in its order v only where its series "
            "or J_(v-1)(2 sqrt(-z)) in its order is accurate to 1e-12 of its size "
            f"(here v = {vv[left].flat[0]:g}, z = {zv[left].flat[0]:g})"
        ) from error
    return _nan_outside(inside | flat, np.where(inside, np.where(left, bessel, total), total * 0))


def _huber(f0: Any, delta: Any, r: Any) -> Arrays:
    # r^2/2 for |r| <= delta, delta |r| - delta^2/2 beyond: in (delta, r), inside
    # (0, r, 0, 0, 1), beyond (|r| - delta, delta sign r, -1, sign r, 0); nan below delta = 0
    # (scipy's value is inf there)
    inside = np.abs(r) <= delta
    partials = (
        np.where(inside, 0.0, np.abs(r) - delta),
        np.where(inside, r, delta * np.sign(r)),
        np.where(inside, 0.0, -1.0),
        np.where(inside, 0.0, np.sign(r)),
        inside * 1.0,
    )
    return tuple(np.where(delta < 0, np.nan, d) for d in partials)


def _pseudo_huber(f0: Any, delta: Any, r: Any) -> Arrays:
    # delta^2 (sqrt(1 + (r/delta)^2) - 1) = delta R - delta^2, R = sqrt(delta^2 + r^2): in
    # (delta, r), f_d = R + delta^2/R - 2 delta = v^2 R, f_r = delta r/R, f_dd = 3u - u^3 - 2
    # = -v^2 (u + 2), f_dr = r^3/R^3, f_rr = u^3, u = delta/R, v = 1 - u = r^2/(R (R + delta))
    # (the differences cancel as r -> 0); nan below delta = 0 (scipy's value is inf there)
    # (at r = +-inf, R = inf: r/R -> sign(r) and v -> 1, not inf/inf; f_r -> +-delta)
    big_r = np.hypot(delta, r)
    u = delta / big_r
    far = np.isinf(r) & np.isfinite(delta)
    ratio = np.where(far, np.sign(r), r / big_r)  # r/R
    v = np.where(far, 1.0, r * r / (big_r * (big_r + delta)))
    partials = (v * v * big_r, delta * ratio, -v * v * (u + 2), ratio**3, u**3)
    at_zero = (delta == 0) & (r == 0)  # (the value is 0 along r = 0 and along delta = 0)
    return tuple(np.where(delta < 0, np.nan, np.where(at_zero, 0.0, d)) for d in partials)


def _ellipkm1(f0: Any, p: Any) -> Arrays:
    # ellipkm1(p) = K(m), m = 1 - p: K' = F/(2 m p), K'' = (m p K - 2(1 - 2m) F)/(4 m^2 p^2),
    # F = E - p K, with K = ellipkm1(p) itself and p as given (1 - m loses p below 1e-16;
    # E(1 - p) is well conditioned there); d/dp = -d/dm. Near m = 0 (p > 1/2) the m-form
    # (its series at |m| < 0.1)
    sc = _sc()
    m = 1 - p
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        d = sc.ellipe(m) - p * f0
        f1 = -d / (2 * m * p)
        f2 = (m * p * f0 - 2 * (1 - 2 * m) * d) / (4 * m * m * p * p)
    near_zero = p > 0.5
    if np.any(near_zero):
        g1, g2 = _elliptic(False)(None, np.where(near_zero, m, 0.5))
        f1, f2 = np.where(near_zero, -g1, f1), np.where(near_zero, g2, f2)
    return f1, f2


# Orthogonal polynomials in x (n, alpha, beta constants), by their derivative identities:
#   C_n^(a)' = 2a C_{n-1}^(a+1)      P_n = C_n^(1/2)     U_n = C_n^(1)
#   T_n' = n U_{n-1}                H_n' = 2n H_{n-1}   He_n' = n He_{n-1}
#   L_n^(a)' = -L_{n-1}^(a+1)        P_n^(a,b)' = (n + a + b + 1)/2 P_{n-1}^(a+1,b+1)
# They hold for every real degree n (scipy evaluates a non-integer degree by the hypergeometric
# forms, e.g. P_n(x) = 2F1(-n, n+1; 1; (1-x)/2), whose z-derivative gives them); only a polynomial
# of integer degree below k has a k-th derivative 0 (the lowered degree's polynomial is 0 there).
# scipy's negative integer degrees of P, T, U are reflections, applied first (true for every n):
#   P_n = P_{-n-1}      T_n = T_{-n}      U_n = -U_{-n-2}
def _lowered(n: Any, k: int) -> tuple[Any, Any]:
    """The degree n - k for the k-th derivative's identity, and where that derivative is 0
    (n an integer below k); the degree is clamped to 0 there so scipy sees a valid polynomial."""
    zero = (n == np.floor(n)) & (n < k)
    return np.where(zero, 0, n - k), zero


def _gegenbauer_d(n: Any, a: Any, x: Any) -> Arrays:
    sc = _sc()
    (m1, z1), (m2, z2) = _lowered(n, 1), _lowered(n, 2)
    d1 = 2 * a * np.where(z1, 0.0, sc.eval_gegenbauer(m1, a + 1, x))
    d2 = 4 * a * (a + 1) * np.where(z2, 0.0, sc.eval_gegenbauer(m2, a + 2, x))
    return d1, d2


def _eval_gegenbauer(f0: Any, n: Any, a: Any, x: Any) -> Arrays:
    # in alpha by the recurrence on dual arrays (_orthogonal), in n by the hypergeometric form
    formula = functools.partial(_orthogonal, "gegenbauer", n, f0)
    rest = _with_parameters((1,), _gegenbauer_d(n, a, x), formula, a, x)
    return _with_degree(rest, functools.partial(_hypergeometric_form, "gegenbauer", f0), n, a, x)


def _eval_legendre(f0: Any, n: Any, x: Any) -> Arrays:
    # P_n' = C^(3/2)_(n-1), P_n'' = 3 C^(5/2)_(n-2); at non-integer n and x < 0 by the
    # Legendre functions' own relations (scipy's C^(3/2)_(n-1), a 2F1 near z = 1, is inf
    # there from x = -0.998 on: eval_gegenbauer(-0.3, 1.5, -0.998), truly 130.2):
    #   (1 - x^2) P' = n (P_(n-1) - x P_n),  (1 - x^2) P'' = 2x P' - n (n + 1) P
    m = np.where(n < -0.5, -n - 1, n)  # (P_n = P_(-n-1))
    d1, d2 = _gegenbauer_d(m, np.float64(0.5), x)
    left = (x < 0) & (m != np.floor(m))
    if np.any(left):
        sc = _sc()
        p, q = sc.eval_legendre(m, x), sc.eval_legendre(m - 1, x)
        w = (1 - x) * (1 + x)
        e1 = m * (q - x * p) / w
        e2 = (2 * x * e1 - m * (m + 1) * p) / w
        d1, d2 = np.where(left, e1, d1), np.where(left, e2, d2)
    return d1, d2


def _eval_chebyu(f0: Any, n: Any, x: Any) -> Arrays:
    d1, d2 = _gegenbauer_d(np.where(n < -1, -n - 2, n), np.float64(1.0), x)
    sign = np.where(n < -1, -1.0, 1.0)
    return sign * d1, sign * d2


def _eval_chebyt(f0: Any, n: Any, x: Any) -> Arrays:
    # T_n' = n U_{n-1}, T_n'' = n U_{n-1}' (n >= 0 after the reflection; U_{-1} = 0)
    sc = _sc()
    n = np.abs(n)
    m1, z1 = _lowered(n, 1)
    d1 = n * np.where(z1, 0.0, sc.eval_chebyu(m1, x))
    u1, _ = _eval_chebyu(None, n - 1, x)
    return d1, n * u1


def _eval_hermite(f0: Any, n: Any, x: Any) -> Arrays:
    sc = _sc()
    (m1, z1), (m2, z2) = _lowered(n, 1), _lowered(n, 2)  # scipy's degree is an integer
    h1 = np.where(z1, 0.0, sc.eval_hermite(m1.astype(np.int64), x))
    h2 = np.where(z2, 0.0, sc.eval_hermite(m2.astype(np.int64), x))
    return 2 * n * h1, 4 * n * (n - 1) * h2


def _eval_hermitenorm(f0: Any, n: Any, x: Any) -> Arrays:
    sc = _sc()
    (m1, z1), (m2, z2) = _lowered(n, 1), _lowered(n, 2)
    h1 = np.where(z1, 0.0, sc.eval_hermitenorm(m1.astype(np.int64), x))
    h2 = np.where(z2, 0.0, sc.eval_hermitenorm(m2.astype(np.int64), x))
    return n * h1, n * (n - 1) * h2


def _genlaguerre_d(n: Any, a: Any, x: Any) -> Arrays:
    sc = _sc()
    (m1, z1), (m2, z2) = _lowered(n, 1), _lowered(n, 2)
    l1 = np.where(z1, 0.0, sc.eval_genlaguerre(m1, a + 1, x))
    l2 = np.where(z2, 0.0, sc.eval_genlaguerre(m2, a + 2, x))
    return -l1, l2


def _eval_genlaguerre(f0: Any, n: Any, a: Any, x: Any) -> Arrays:
    formula = functools.partial(_orthogonal, "genlaguerre", n, f0)
    rest = _with_parameters((1,), _genlaguerre_d(n, a, x), formula, a, x)
    return _with_degree(rest, functools.partial(_hypergeometric_form, "genlaguerre", f0), n, a, x)


def _eval_laguerre(f0: Any, n: Any, x: Any) -> Arrays:
    def formula(n: Any, x: Any) -> Any:
        return _hypergeometric_form("genlaguerre", f0, n, 0.0, x, name="eval_laguerre")

    return _with_parameters((1,), _genlaguerre_d(n, np.float64(0.0), x), formula, n, x)


def _jacobi_d(n: Any, a: Any, b: Any, x: Any) -> Arrays:
    sc = _sc()
    c1 = (n + a + b + 1) / 2
    c2 = c1 * (n + a + b + 2) / 2
    (m1, z1), (m2, z2) = _lowered(n, 1), _lowered(n, 2)
    j1 = np.where(z1, 0.0, sc.eval_jacobi(m1, a + 1, b + 1, x))
    j2 = np.where(z2, 0.0, sc.eval_jacobi(m2, a + 2, b + 2, x))
    return c1 * j1, c2 * j2


def _eval_jacobi(f0: Any, n: Any, a: Any, b: Any, x: Any) -> Arrays:
    formula = functools.partial(_orthogonal, "jacobi", n, f0)
    rest = _with_parameters((2,), _jacobi_d(n, a, b, x), formula, a, b, x)
    return _with_degree(rest, functools.partial(_hypergeometric_form, "jacobi", f0), n, a, b, x)


def _eval_sh_jacobi(f0: Any, n: Any, p: Any, q: Any, x: Any) -> Arrays:
    # G_n^(p,q)(x) = P_n^(p-q, q-1)(2x - 1) / C(2n + p - 1, n) (scipy's normalization)
    d1, d2 = _jacobi_d(n, p - q, q - 1, 2 * x - 1)
    norm = _sc().binom(2 * n + p - 1, n)

    def formula(p: Any, q: Any, x: Any) -> Any:
        top = _orthogonal("jacobi", n, f0, p - q, q - 1, 2 * x - 1, name="eval_sh_jacobi")
        return top / _sc().binom(2 * n + p - 1, n)

    def in_degree(n: Any, p: Any, q: Any, x: Any) -> Any:
        top = _hypergeometric_form(
            "jacobi", f0 * norm, n, p - q, q - 1, 2 * x - 1, name="eval_sh_jacobi"
        )
        return top / _sc().binom(2 * n + p - 1, n)

    rest = _with_parameters((2,), (2 * d1 / norm, 4 * d2 / norm), formula, p, q, x)
    return _with_degree(rest, in_degree, n, p, q, x)


def _partial_keys(n: int) -> list[tuple[int, ...]]:
    """The arguments of each partial of a function of n, in Entry's order."""
    keys: list[tuple[int, ...]] = [(i,) for i in range(n)]
    return keys + [(i, j) for i in range(n) for j in range(i, n)]


def _with_degree(rest: Arrays, formula: Callable[..., Any], n: Any, *args: Any) -> Arrays:
    """The partials of f(n, *args) in Entry's order from `rest`, those in args alone (their
    gradient and Hessian triangle), and those involving the degree n from _through of
    formula(n, *args), run only when a dual n needs them."""
    full = functools.cache(functools.partial(_through, formula, n, *args))
    m = len(args)
    own: dict[tuple[int, ...], Any] = {}
    for key, partial in zip(_partial_keys(m), rest, strict=True):
        own[key] = partial
    keys = _partial_keys(m + 1)
    return tuple(
        functools.partial(lambda k: full()[k], index)
        if 0 in key
        else own[tuple(i - 1 for i in key)]
        for index, key in enumerate(keys)
    )


def _degree_rule(
    kind: str,
    in_x: Callable[..., Arrays],
    scale: float = 1.0,
    shift: float = 0.0,
    outer: float = 1.0,
) -> Callable[..., Arrays]:
    """The rule of outer p_n(scale x + shift), p = P, T or U (eval_legendre, eval_chebyc =
    2 T_n(x/2), ...), in x by in_x (the derivative identities), in the degree n by the
    hypergeometric form on dual arrays (_hypergeometric_form)."""
    rescaled = _rescaled(in_x, scale, shift, outer)

    def rule(f0: Any, n: Any, x: Any) -> Arrays:
        def formula(n: Any, x: Any) -> Any:
            return outer * _hypergeometric_form(kind, f0 / outer, n, scale * x + shift)

        return _with_parameters((1,), rescaled(f0, n, x), formula, n, x)

    return rule


# (the series' terms fall as |z|^k: at most ~400 to |z| = 0.9; Laguerre's 1F1 to |x| = 1000)
_GAUSS_REACH, _KUMMER_REACH = 0.9, 1000.0
_TRIG_DEGREE = 200


def _hypergeometric_form(
    kind: str, value: Any, n: Any, *args: Any, where: Any = True, name: str = ""
) -> Any:
    """scipy's orthogonal polynomials of real degree n (its double loops: hypergeometric
    forms, DLMF 18.5.7, 18.5.12, 18.5.17 and the Chebyshev and Legendre cases of 15.9.1)
    as numpy code on dual arrays (n too), z = (1 - x)/2:
      jacobi (a, b, x):    binom(n + a, n) 2F1(-n, n + a + b + 1; a + 1; z),
      gegenbauer (a, x):   Gamma(n + 2a)/(Gamma(n + 1) Gamma(2a)) 2F1(-n, n + 2a; a + 1/2; z),
      genlaguerre (a, x):  binom(n + a, n) 1F1(-n; a + 1; x),
      legendre (x):        2F1(-n, n + 1; 1; z),
      chebyt (x):          2F1(-n, n; 1/2; z),
      chebyu (x):          (n + 1) 2F1(-n, n + 2; 3/2; z),
    the series summed at `where` for |z| <= 0.9 (|x| <= 1000 for 1F1) with the rounding
    bound of _dual_series, which must be within 1e-12 of each partial's size or the
    polynomial's; elsewhere (there) TypeError. T and U at -1 < x < 1, |n| <= 200 by
    their trigonometric forms instead, T = cos(n t), U = sin((n + 1) t)/sin t, t = arccos x
    (the series' terms cancel there as n grows; these round to eps (1 + |n| t) of their
    envelope 1 (1/sin t)). nan where scipy's value is not finite."""
    sc = _sc()
    name = name or f"eval_{kind}"
    *params, x = args
    values = [_values(u) for u in (n, *args)]
    shape = np.broadcast_shapes(*(np.shape(u) for u in values))
    nv, *_, xv = (np.broadcast_to(u, shape) for u in values)
    inside = np.isfinite(value) & np.isfinite(sum(values)) & where
    trig = np.zeros(shape, dtype=bool)
    if kind in ("chebyt", "chebyu"):
        trig = inside & (xv > -1) & (xv < 1) & (np.abs(nv) <= _TRIG_DEGREE)
    if trig.any():
        t = np.arccos(np.where(trig, x, 0.0))
        m = np.where(trig, n, 0.5)
        trigonometric = np.cos(m * t) if kind == "chebyt" else np.sin((m + 1) * t) / np.sin(t)
    inside, sums = inside | trig, inside & ~trig
    laguerre = kind == "genlaguerre"
    reach = (np.abs(xv) <= _KUMMER_REACH) if laguerre else (np.abs(1 - xv) <= 2 * _GAUSS_REACH)
    if np.any(sums & ~reach):
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name} at non-integer degrees, or in its "
            "degree n, only by its hypergeometric series where it converges fast: "
            + ("|x| <= 1000" if laguerre else f"|1 - x|/2 <= {_GAUSS_REACH}")
            + f" (here n = {nv[sums & ~reach].flat[0]:g}, x = {xv[sums & ~reach].flat[0]:g})"
        )
    # the fronts binom(n + a, n), Gamma(n + 2a)/Gamma(n + 1) near a pole of Gamma(n + 1):
    # their rules' psi terms cancel by 1/d, 1/d^2 at n = -k + d (d/dn eval_genlaguerre at
    # n = -5 + 3e-7 was 1e-4 off, eval_laguerre's d2/dn2 at -2 + 1e-10 -5.2 for 0.49)
    rounded = np.round(nv)
    near_pole = sums & (rounded < 0) & (nv != rounded) & (np.abs(nv - rounded) < 1e-3)
    if kind in ("jacobi", "gegenbauer", "genlaguerre") and np.any(near_pole):
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name} at non-integer degrees, or in its "
            "degree n, not within 1e-3 of a negative integer (its hypergeometric form's "
            f"Gamma(n + 1) has a pole there) (here n = {nv[near_pole].flat[0]:g})"
        )
    n = np.where(sums, n, 0.5)
    x = np.where(sums, x, 0.0)
    params = [np.where(sums, a, 1.0) for a in params]
    z = x if laguerre else (1 - x) / 2
    one = sum(params, n * 0 + x * 0) * 0 + 1  # (a dual of every argument)
    if kind == "jacobi":
        a, b = params
        tops, bottoms, front = [-n, n + a + b + 1], [a + 1], sc.binom(n + a, n)
    elif kind == "gegenbauer":
        (a,) = params
        tops, bottoms = [-n, n + 2 * a], [a + 0.5]
        front = sc.gamma(n + 2 * a) * sc.rgamma(n + 1) * sc.rgamma(2 * a)
    elif laguerre:
        (a,) = params
        tops, bottoms, front = [-n], [a + 1], sc.binom(n + a, n)
    else:
        second, bottom, front = {
            "legendre": (n + 1, 1.0, one),
            "chebyt": (n, 0.5, one),
            "chebyu": (n + 2, 1.5, n + 1),
        }[kind]
        tops, bottoms = [-n, second], [one * bottom]

    result, bound = _hypergeometric_sum(one, front, tops, bottoms, z, sums)
    bad = sums & ~_accurate(result, bound, np.abs(value))
    if bad.any():
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name} at non-integer degrees, or in its "
            "degree n, only where its hypergeometric series is accurate to 1e-12 of its size "
            f"(here n = {nv[bad].flat[0]:g}, x = {xv[bad].flat[0]:g})"
        )
    if trig.any():
        result = np.where(trig, trigonometric, result)
    return _nan_outside(inside, result)


def _hypergeometric_sum(
    one: Any, front: Any, tops: list[Any], bottoms: list[Any], z: Any, pending: Any
) -> tuple[Any, Any]:
    """front pFq(tops; bottoms; z) as numpy code on dual arrays (`one`: 1 as a dual array of
    every argument), summed at `pending` by _dual_series, and its rounding bound over eps:
    the series' times |front|, front's value times the series', and 8 ulps of the product
    for front's own rounding."""

    def ratio(k: int) -> Any:
        top = functools.reduce(lambda u, t: u * (t + (k - 1)), tops, z / k)
        return top / functools.reduce(lambda u, t: u * (t + (k - 1)), bottoms, one)

    total, bound = _dual_series(one, ratio, pending)
    result = front * one * total
    front_data = (front * one)._stack
    bound = (
        np.abs(front_data) * bound[0] + np.abs(front_data[0]) * bound + 8 * np.abs(result._stack)
    )
    return result, bound


# (measured against mp.diff: first partials within 1e-13 of max(|ref|, |P|) at degrees 100,
# 400 and 1000, parameters in [-0.4, 10]; bench/special_orders.py at degrees 12-25)
_DEGREE_LIMIT = 1000
_JACOBI_EXPLICIT = 60


def _jacobi_degenerate(n: Any, a: Any, b: Any) -> Any:
    """Where the Jacobi recurrence divides by (k + a + b)(2k + a + b - 2), k = 2 .. n, near
    0 (within 0.1): its parts in a and b cancel there by 1/that (eval_jacobi(3, a, 0.5, x)''
    in a at a + b = -3 + 1e-2 was 8e-9 off, at -3 + 1e-6 1500 times the answer; nan at -3)."""
    s = np.asarray(_values(a) + _values(b), dtype=np.float64)
    n = np.broadcast_to(n, np.broadcast_shapes(np.shape(n), s.shape))
    s = np.broadcast_to(s, n.shape)
    near = np.zeros(n.shape, dtype=bool)
    top = int(np.max(np.where(np.isfinite(n), n, 0.0), initial=0.0))
    for k in range(2, top + 1):
        near |= (k <= n) & ((np.abs(k + s) < 0.1) | (np.abs(2 * k + s - 2) < 0.1))
    return near


def _jacobi_explicit(n: Any, a: Any, b: Any, x: Any, name: str = "") -> Any:
    """P_n^(a,b)(x) = sum_s C(n+a, n-s) C(n+b, s) ((x-1)/2)^s ((x+1)/2)^(n-s) as numpy code
    on dual arrays (integer n >= 0, a constant): the binomials as products of (a + s + j)/j
    and (b + n - s + j)/j, polynomials in a and b without division by them. Degrees beyond
    60, or rounding (eps times the terms' magnitudes) beyond 1e-12 of the partials' sizes:
    TypeError (naming `name`)."""
    n = np.asarray(n, dtype=np.float64)
    top = int(np.max(n, initial=0.0))
    if top > _JACOBI_EXPLICIT:
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name or 'eval_jacobi'} in its parameters "
            f"where a + b is near -k or 2 - 2k (its recurrence divides by those) only up to "
            f"degree {_JACOBI_EXPLICIT}"
        )
    down, up = (x - 1) / 2, (x + 1) / 2
    total: Any = 0 * down
    magnitude: Any = 0.0
    for s_ in range(top + 1):
        term = down**s_ * up ** np.maximum(n - s_, 0.0)
        for j in range(1, top + 1):  # C(n+a, n-s) = prod_(j <= n-s) (a + s + j)/j
            term = term * np.where(j <= n - s_, (a + s_ + j) / j, 1.0)
        for j in range(1, s_ + 1):  # C(n+b, s) = prod_(j <= s) (b + n - s + j)/j
            term = term * ((b + n - s_ + j) / j)
        term = np.where(s_ <= n, term, 0.0 * term)
        total = total + term
        magnitude = magnitude + np.abs(term._stack)
    size = np.maximum(np.abs(total._stack), np.abs(total._stack[:1]))
    if not np.all((_EPS * (4 * top + 4) * magnitude <= 1e-12 * size) | (size == 0)):
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name or 'eval_jacobi'} in its parameters "
            "where a + b is near -k or 2 - 2k only where its explicit sum's terms cancel by "
            "less than 1e4"
        )
    return total


def _orthogonal(kind: str, n: Any, value: Any, *args: Any, name: str = "") -> Any:
    """Jacobi P_n^(a,b)(x), Gegenbauer C_n^(a)(x) or Laguerre L_n^(a)(x) of integer degrees
    n (a constant) as numpy code on dual arrays (args: (a, b, x), (a, x) or (a, x)), by the
    three-term recurrences in the degree (DLMF 18.9.1, 18.9.2):
      2k (k+a+b)(2k+a+b-2) P_k = (2k+a+b-1)((2k+a+b)(2k+a+b-2) x + a^2 - b^2) P_(k-1)
                                 - 2 (k+a-1)(k+b-1)(2k+a+b) P_(k-2),
        P_1 = (a + 1) + (a + b + 2)(x - 1)/2;
      k C_k = 2 (k+a-1) x C_(k-1) - (k+2a-2) C_(k-2),  C_1 = 2 a x;
      k L_k = (2k-1+a-x) L_(k-1) - (k-1+a) L_(k-2),  L_1 = 1 + a - x;
    all from 1 at k = 0 (their parts are the partials in the parameters). nan where scipy's
    value is; degrees below 0 (scipy's 0): 0. A non-integer degree (scipy's hypergeometric
    forms) or one beyond 1000 raises (naming `name`, or eval_<kind>)."""
    name = name or f"eval_{kind}"
    n = np.asarray(n, dtype=np.float64)
    finite = np.isfinite(n)
    other = finite & ((n != np.floor(n)) | (n > _DEGREE_LIMIT))
    if np.any(other):  # (scipy's hypergeometric forms)
        form = _hypergeometric_form(kind, value, n, *args, where=other, name=name)
        n = np.where(other, 0.0, n)
        return np.where(other, form, _orthogonal(kind, n, value, *args, name=name))
    *params, x = args
    a = params[0]
    one = sum(params, x) * 0 + 1
    if kind == "jacobi" and np.any(degenerate := _jacobi_degenerate(n, a, params[1])):
        explicit = _jacobi_explicit(np.where(degenerate, n, 0.0), a, params[1], x, name=name)
        n = np.where(degenerate, 0.0, n)
        rest = _orthogonal(kind, n, value, *args, name=name)
        return np.where(degenerate, explicit, rest)
    if kind == "jacobi":
        b = params[1]
        p1 = (a + 1) + (a + b + 2) * (x - 1) / 2
    elif kind == "gegenbauer":
        p1 = 2 * a * x
    else:
        p1 = 1 + a - x
    result = np.where(n == 1, p1, one)
    previous, current = one, p1
    for k in range(2, int(np.max(np.where(finite, n, 0.0), initial=0.0)) + 1):
        if kind == "jacobi":
            s = 2 * k + a + b
            step = (s - 1) * ((s * (s - 2)) * x + a * a - b * b) * current
            step = (step - 2 * (k + a - 1) * (k + b - 1) * s * previous) / (
                2 * k * (k + a + b) * (s - 2)
            )
        elif kind == "gegenbauer":
            step = (2 * (k + a - 1) * x * current - (k + 2 * a - 2) * previous) / k
        else:
            step = ((2 * k - 1 + a - x) * current - (k - 1 + a) * previous) / k
        previous, current = current, step
        result = np.where(n == k, current, result)
    result = np.where(n < 0, one * 0, result)
    return _nan_outside(~np.isnan(value) & finite, result)


# Functions with several outputs: one (f1, f2) per output.
def _small_series(x: Any, hyperbolic: bool) -> Any:
    """d/dx (sin x / x) (or sinh x / x) = sum_k (+-1)^k 2k x^(2k-1) / (2k+1)!, for |x| < 1/2
    where (x cos x - sin x)/x^2 cancels."""
    t = np.where(np.abs(x) < 0.5, x, 0.0)
    out = np.zeros_like(t)
    for k in range(10, 0, -1):
        out = out * t * t + (1.0 if hyperbolic else (-1.0) ** k) * 2 * k / math.factorial(2 * k + 1)
    return out * t


def _sici(value: Any, x: Any, hyperbolic: bool = False) -> tuple[Arrays, Arrays]:
    # Si' = sin x/x (1 at 0), Si'' = (x cos x - sin x)/x^2 (series near 0);
    # Ci' = cos x/x, Ci'' = -sin x/x - cos x/x^2 (scipy's real Ci is even: Ci(|x|)).
    # shichi: sinh, cosh, and Chi'' = sinh x/x - cosh x/x^2.
    s, c = (np.sinh(x), np.cosh(x)) if hyperbolic else (np.sin(x), np.cos(x))
    sinc = np.where(x == 0, 1.0, s / x)
    d2 = (x * c - s) / (x * x)
    d2 = np.where(np.abs(x) < 0.5, _small_series(x, hyperbolic), d2)
    c2 = (sinc - c / (x * x)) if hyperbolic else (-sinc - c / (x * x))
    return (sinc, d2), (c / x, c2)


def _shichi(value: Any, x: Any) -> tuple[Arrays, Arrays]:
    return _sici(value, x, hyperbolic=True)


def _fresnel(value: Any, z: Any) -> tuple[Arrays, Arrays]:
    # S' = sin(pi z^2/2), S'' = pi z cos(pi z^2/2); C' = cos(.), C'' = -pi z sin(.)
    t = z * z / 2
    if not np.iscomplexobj(t):  # sin(pi t) with t reduced mod 2: exact zeros at integers
        t = t - 2 * np.round(t / 2)
    s, c = np.sin(np.pi * t), np.cos(np.pi * t)
    return (s, np.pi * z * c), (c, -np.pi * z * s)


def _airy(value: Any, z: Any) -> tuple[Arrays, ...]:
    # Ai'' = z Ai: (Ai, Ai') -> (Ai', z Ai), (z Ai, Ai + z Ai'); Bi the same
    ai, aip, bi, bip = value
    return (aip, z * ai), (z * ai, ai + z * aip), (bip, z * bi), (z * bi, bi + z * bip)


def _hyperu(f0: Any, a: Any, b: Any, x: Any) -> Arrays:
    # d/dx U(a, b, x) = -a U(a+1, b+1, x); in a and b by its integral on dual arrays
    # (_hyperu_integral)
    sc = _sc()
    in_x = -a * sc.hyperu(a + 1, b + 1, x), a * (a + 1) * sc.hyperu(a + 2, b + 2, x)
    return _with_parameters((2,), in_x, _hyperu_integral, a, b, x)


_HYPERU_SMALLEST = 0.02  # (the integral's left tail spans 50/a: 10^4 nodes at a = 0.02)


def _hyperu_integral(a: Any, b: Any, x: Any) -> Any:
    """U(a, b, x) = 1/Gamma(a) int_0^inf e^(-x t) t^(a-1) (1 + t)^(b-a-1) dt  (DLMF 13.4.4;
    a > 0, x > 0), with t = e^u a trapezoid rule in u: the integrand
    exp(a u - x e^u + (b - a - 1) log(1 + e^u)) is positive, analytic in the strip
    |Im u| < pi and falls off on both sides: steps h leave about e^(-2 pi d/h) times its
    growth in the strip up to Im u = d (below); the rule runs where the exponent is within
    50 of its peak. a <= 0.02 by Kummer's
    U(a, b, x) = x^(1-b) U(1 + a - b, 2 - b, x) where 1 + a - b > 0.02. Its rounding is
    bounded as _bessel_in_v's: eps times the terms' magnitudes times the exponent's parts'
    sizes, and must be within 1e-12 of each partial's size or U's; elsewhere TypeError."""
    av, bv, xv = np.broadcast_arrays(*(_values(u) for u in (a, b, x)))
    direct = av > _HYPERU_SMALLEST
    kummer = ~direct & (1 + av - bv > _HYPERU_SMALLEST)
    usable = (direct | kummer) & (xv > 0) & np.isfinite(av + bv + xv)
    if not np.all(usable | np.isnan(av + bv + xv)):
        raise TypeError(
            "hyperdiff differentiates scipy.special.hyperu in its parameters a and b only at "
            f"x > 0 where a > {_HYPERU_SMALLEST} or 1 + a - b > {_HYPERU_SMALLEST} (its integral "
            "representation, or Kummer's transformation of it)"
        )
    p = np.where(direct, a, 1 + a - b)
    q = np.where(direct, b, 2 - b)
    p, q, x = (np.where(usable, u, fill) for u, fill in ((p, 1.0), (q, 1.0), (x, 1.0)))
    pv, qv, xv = _values(p), _values(q), _values(x)
    # the exponent's peak and reach on a coarse grid, then the rule on [left, right]
    coarse = np.linspace(-60 / np.min(pv, initial=1.0) - 20, 20 + np.log(60 + np.max(pv)), 4001)
    grid = coarse.reshape((-1,) + (1,) * pv.ndim)
    with np.errstate(over="ignore"):
        exponent = pv * grid - xv * np.exp(grid) + (qv - pv - 1) * np.logaddexp(0, grid)
    top = np.max(exponent, axis=0)
    near = exponent >= top - 50
    step = coarse[1] - coarse[0]
    left = coarse[np.argmax(near, axis=0)] - step
    right = coarse[len(coarse) - 1 - np.argmax(near[::-1], axis=0)] + step
    # (steps of 1/4, and below 0.6/sqrt(c), c the exponent's curvature over the range (x e^u,
    # up to ~50 + a at its right end, and (b - a - 1)/4): in the strip the exponent grows by
    # c d^2/2 at Im u = d, so the error is e^(-2 pi^2/(h^2 c)) rather than e^(-2 pi^2/h),
    # below e^-50 either way)
    curvature = 1 + xv * np.exp(right) + np.abs(qv - pv - 1) / 4
    steps = (right - left) * np.maximum(4.0, np.sqrt(curvature) / 0.6)
    count = int(np.ceil(np.max(steps, initial=0.0))) + 1
    if count > 20_001:
        raise TypeError("hyperdiff's integral of scipy.special.hyperu needs too many nodes here")
    k = np.arange(count).reshape((-1,) + (1,) * pv.ndim)
    h = (right - left) / (count - 1)
    u = left + k * h
    log1p_e = np.logaddexp(0, u)
    integrand = np.exp(p * u - x * np.exp(u) + (q - p - 1) * log1p_e - top)
    terms = integrand * np.where((k == 0) | (k == count - 1), 0.5, 1.0) * h
    total = np.sum(terms, axis=0) * _sc().rgamma(p)
    rounding = 1 + np.abs(pv * u) + xv * np.exp(u) + np.abs((qv - pv - 1) * log1p_e) + np.abs(top)
    bound = _EPS * np.sum(np.abs(terms._stack) * rounding, axis=1) * np.abs(total.value)
    bound = bound / np.abs(np.sum(terms.value, axis=0))
    size = np.maximum(np.abs(total._stack), np.abs(total.value))
    if not np.all((bound <= 1e-12 * size) | ~usable):
        raise TypeError(
            "hyperdiff differentiates scipy.special.hyperu in its parameters a and b only where "
            "its integral's rounding is within 1e-12 of the partials' size"
        )
    total = total * np.exp(top)
    out = np.where(direct, total, x ** (1 - b) * total)
    return _nan_outside(usable, out)


def _powm1(f0: Any, x: Any, y: Any) -> Arrays:
    # x^y - 1: fx = y x^(y-1), fy = x^y log x, fxx = y (y-1) x^(y-2),
    # fxy = x^(y-1) (1 + y log x), fyy = x^y log^2 x
    # at x = 0 (y > 0) x^y is 0 for every y: fy = fyy = 0 (not 0 * log 0), and
    # fxy = x^(y-1) (1 + y log x) -> 0 for y > 1
    # where x^y overflows (x < e: powm1(2, y) from y = 1024) but x^y log x and x^y log^2 x
    # do not (to 1024.53, 1025.06), as (x^(y-1) log x) x and (x^(y-2) log^2 x) x x: they
    # were inf (1.43e308 at y = 1024.2)
    p, lx = f0 + 1, np.log(x)
    xm1, xm2 = x ** (y - 1), x ** (y - 2)
    zero = (x == 0) & (y > 0)
    with np.errstate(over="ignore", invalid="ignore"):
        over = np.isinf(p)
        fy = np.where(over & np.isfinite(xm1), (xm1 * lx) * x, p * lx)
        fyy = np.where(over & np.isfinite(xm2), ((xm2 * lx * lx) * x) * x, p * lx * lx)
    fy, fyy = np.where(zero, 0, fy), np.where(zero, 0, fyy)
    fxy = np.where(zero & (y > 1), 0, xm1 * (1 + y * lx))
    return y * xm1, fy, y * (y - 1) * xm2, fxy, fyy


def _poch(f0: Any, z: Any, m: Any) -> Arrays:
    # (z)_m = Gamma(z+m)/Gamma(z): with u = psi(z+m) - psi(z), v = psi(z+m),
    # fz = P u, fm = P v, fzz = P (u^2 + psi1(z+m) - psi1(z)), fzm = P (u v + psi1(z+m)),
    # fmm = P (v^2 + psi1(z+m))
    # At a pole z = -n of Gamma(z) (z + m none): P = Gamma(z + m) rgamma(z) is 0 and
    # f0 u = 0 inf; there rgamma(-n + e) = (-1)^n n! e (1 - psi(n + 1) e + ...) gives
    # fz = G r1, fzz = 2 G psi(z + m) r1 + G r2, fzm = G psi(z + m) r1, fm = fmm = 0
    # (G = Gamma(z + m), r1 = (-1)^n n!, r2 = -2 psi(n + 1) r1)
    sc = _sc()
    v = _psi(z + m)
    u = v - _psi(z)
    t = _psi_n(1, z + m)
    partials = (f0 * u, f0 * v, f0 * (u * u + t - _psi_n(1, z)), f0 * (u * v + t), f0 * (v * v + t))
    # At both poles (z and z + m integers <= 0) P is the finite ratio of products, a
    # rational function of z (m integer): by psi(1 - y) - psi(y) = pi cot(pi y), whose poles
    # cancel, fz = P u and fzz = P (u^2 + psi1(z + m) - psi1(z)) with u = psi(1 - z - m) -
    # psi(1 - z) and psi1(z + m) - psi1(z) = psi1(1 - z) - psi1(1 - z - m), not inf - inf; in
    # m P is not even continuous there (0 off the integers): nan
    g = sc.gamma(z + m)
    whole = (z <= 0) & (z == np.floor(z))
    pole = whole & np.isfinite(g) & (g != 0)
    both = whole & (z + m <= 0) & (z + m == np.floor(z + m))
    if np.any(both):
        a, b = np.where(both, 1 - z, 1.0), np.where(both, 1 - z - m, 1.0)
        w = sc.psi(b) - sc.psi(a)
        at_both = (f0 * w, np.nan, f0 * (w * w + _psi_n(1, a) - _psi_n(1, b)), np.nan, np.nan)
        partials = tuple(np.where(both, c, d) for c, d in zip(at_both, partials, strict=True))
    # near a pole of Gamma(z) (z < 1/2; z + m not within 0.1 of one): P = G R, G = Gamma(z + m),
    # R = rgamma(z) by rgamma's rule (x reduced exactly; the psi form's u^2 - psi1(z)
    # cancels by 1/d there: fzz at z = -3 + 1e-8 was 1e-8 off), G' = G v, G'' = G (v^2 + t)
    with np.errstate(invalid="ignore"):
        regular = (z + m >= 0.5) | (np.abs(z + m - np.round(z + m)) > 0.1)
        near = (z < 0.5) & (z > -170) & regular & ~pole & np.isfinite(g)
        whole_m = (z < 0.5) & ~regular & (m == np.round(m)) & (m >= 0) & (m <= 200)
    if np.any(near):
        r = sc.rgamma(z)
        q1, q2 = _rgamma(r, z)
        second = v * v + t
        near_pole = (
            g * (v * r + q1),
            f0 * v,
            g * (second * r + 2 * v * q1 + q2),
            g * (second * r + v * q1),
            f0 * second,
        )
        partials = tuple(np.where(near, a, b) for a, b in zip(near_pole, partials, strict=True))
    # and z + m near one too, m a whole number up to 200: P = z (z + 1) ... (z + m - 1), a
    # polynomial, its z-derivatives by the product's recurrence (the two poles' psi terms
    # cancel by 1/d: d/dz poch(z, 1) at z = -3 + 1e-8 was 2.6e-8 off)
    if np.any(whole_m):
        y = np.where(whole_m, z, 0.0)
        p0, p1, p2 = np.ones_like(y), np.zeros_like(y), np.zeros_like(y)
        for j in range(int(np.max(np.where(whole_m, m, 0.0)))):
            factor = np.where(j < m, y + j, 1.0)
            p0, p1, p2 = (
                p0 * factor,
                p1 * factor + np.where(j < m, p0, 0.0),
                p2 * factor + np.where(j < m, 2 * p1, 0.0),
            )
        zs = (np.where(whole_m, p1, partials[0]), np.where(whole_m, p2, partials[2]))
        partials = (zs[0], partials[1], zs[1], *partials[3:])
    if not np.any(pole):
        return partials
    n = np.where(pole, -z, 0.0)
    r1 = np.where(n % 2 == 1, -1.0, 1.0) * sc.gamma(n + 1)
    r2 = -2 * sc.psi(n + 1) * r1
    at_pole = (g * r1, 0.0, g * (2 * v * r1 + r2), g * v * r1, 0.0)
    return tuple(np.where(pole, a, b) for a, b in zip(at_pole, partials, strict=True))


def _wrightomega(f0: Any, z: Any) -> Arrays:
    # w' = w/(1 + w), w'' = w/(1 + w)^3; where w is infinite (w ~ z there) the limits
    # 1 and 0, not inf/inf
    r = 1 / (1 + f0)
    infinite = np.isinf(f0)
    return np.where(infinite, 1.0, f0 * r), np.where(infinite, 0.0, f0 * r * r * r)


def _constant(f0: Any, x: Any) -> Arrays:
    # piecewise constant (gammasgn, round): derivative 0, as numpy's floor and round
    zero = np.zeros_like(x)
    return zero, zero


def _now(partial: Any) -> Any:
    """A rule's partial, computed if it was given as a function."""
    return partial() if callable(partial) else partial


# --- inverses: one rule, the implicit function theorem -----------------------------------
# scipy's inverse of a function F in one argument takes F's value p in that argument's
# place: x = F^-1(..., p, ...) solves F(..., x, ...) = p. With G = F - p as a function of
# the inverse's arguments (G_p = -1, G_pm = 0) and the unknown x, at the solution
#   x_m = -G_m/F_x,   x_ml = -(G_ml + F_xm x_l + F_xl x_m + F_xx x_m x_l)/F_x
# (F_xm = 0 for m = p), so each inverse's rule is F's rule at (..., x, ...).
def _is_root(value: Callable[..., Any], at: list[Any], position: int, p: Any) -> Any:
    """Where x (at[position]) solves F(at) = p: F(x) within 1e-6 of p's tail (min(p, 1 - p),
    p a probability), or one Newton step from x within 1e-3 of x, its slope from F at
    x (1 +- 1e-4) (cdflib's roots are that far off at times, ncfdtrinc's 1e-4; its search
    bounds, where F is flat, are not roots; nan is not)."""
    with np.errstate(all="ignore"):
        gap = np.abs(value(*at) - p)
        close = gap <= 1e-6 * np.minimum(np.abs(p), np.abs(1 - p)) + 4 * _EPS
        x = at[position]
        ends = [value(*at[:position], x * (1 + s), *at[position + 1 :]) for s in (1e-4, -1e-4)]
        change = np.abs(ends[0] - ends[1]) / 2e-4  # (F's change per relative change of x)
        return close | (gap <= 1e-3 * change)


def _inverse_of(
    forward: Callable[..., Arrays],
    position: int,
    dual: tuple[int, ...],
    value: Callable[..., Any],
) -> Callable[..., Arrays]:
    """The rule of F's inverse in argument `position` from F's rule (F's dual positions
    `dual`, which are the inverse's) and F itself (`value`, on floats): every partial a
    function, so only those a call needs are computed (F's partials each once). Where
    scipy's answer does not solve F = p (cdflib returns its search bound, 1e100, where it
    finds no root): nan."""
    unknown = dual.index(position)
    n = len(dual)
    pairs = [(i, j) for i in range(n) for j in range(i, n)]

    def rule(f0: Any, *args: Any) -> Arrays:
        at = list(np.broadcast_arrays(*args, f0))
        p, at[position] = at[position], at.pop()
        solved = _is_root(value, at, position, p)
        if not solved.any():
            return tuple(np.full(p.shape, np.nan) for _ in range(n + len(pairs)))
        if not solved.all():  # (F's rule at a solved point there: its partials are nan)
            good = np.argmax(solved.ravel())
            p, *at = (np.where(solved, a, a.ravel()[good]) for a in (p, *at))
        parts = [functools.cache(d) if callable(d) else d for d in forward(p, *at)]
        upper = dict(zip(pairs, parts[n:], strict=True))

        def f(i: int) -> Any:
            return _now(parts[i])

        def f_x(i: int) -> Any:  # F_xi, 0 for p's place (F_x does not depend on p)
            return 0.0 if i == unknown else _now(upper[min(i, unknown), max(i, unknown)])

        def first(m: int) -> Any:
            return (1.0 if m == unknown else -f(m)) / f(unknown)

        def second(m: int, k: int) -> Any:
            g = 0.0 if unknown in (m, k) else _now(upper[m, k])
            x_m, x_k = first(m), first(k)
            f_xx = _now(upper[unknown, unknown])
            return -(g + f_x(m) * x_k + f_x(k) * x_m + f_xx * x_m * x_k) / f(unknown)

        def masked(partial: Callable[[], Any]) -> Any:
            return np.where(solved, partial(), np.nan)

        return (
            *(functools.partial(masked, functools.partial(first, m)) for m in range(n)),
            *(functools.partial(masked, functools.partial(second, m, k)) for m, k in pairs),
        )

    return rule


def _linear(partials: Arrays, matrix: tuple[tuple[int, ...], ...]) -> Arrays:
    """The partials in v of F(M v + c) from F's (Entry's order, at M v + c; functions
    allowed), M's rows F's arguments: gradient M^T g, Hessian M^T H M (lazily)."""
    m = np.array(matrix)
    rows, n = m.shape
    parts = [functools.cache(d) if callable(d) else d for d in partials]
    upper = dict(
        zip([(i, j) for i in range(rows) for j in range(i, rows)], parts[rows:], strict=True)
    )

    def gradient(i: int) -> Any:
        return sum(m[r, i] * _now(parts[r]) for r in range(rows) if m[r, i])

    def hessian(i: int, j: int) -> Any:
        return sum(
            m[r, i] * m[c, j] * _now(upper[min(r, c), max(r, c)])
            for r in range(rows)
            for c in range(rows)
            if m[r, i] and m[c, j]
        )

    return (
        *(functools.partial(gradient, i) for i in range(n)),
        *(functools.partial(hessian, i, j) for i in range(n) for j in range(i, n)),
    )


def _ndtri_exp(f0: Any, y: Any) -> Arrays:
    # x = ndtri(e^y): x' = e^y / phi(x) = sqrt(2 pi) e^(y + x^2/2), x'' = x' (1 + x x').
    # Below x = 0 y + x^2/2 cancels (x'' 2e-2 off at y = -1e5, x' inf from -1e20, where it
    # is 7e-11) and so does 1 + x x' (x x' -> -1): there e^y = Phi(x) = erfc(t)/2, t =
    # -x/sqrt 2, gives Mills' ratio x' = sqrt(pi/2) erfcx(t) and 1 + x x' = 1 - sqrt(pi) t
    # erfcx(t) = -(sqrt(pi)/2) erfcx'(t) (_erfcx_series: no cancellation), 0 and 0 at -inf
    with np.errstate(over="ignore", invalid="ignore"):
        d = _SQRT_2PI * np.exp(y + f0 * f0 / 2)
        f1, f2 = d, d * (1 + f0 * d)
    below = f0 < 0
    if np.any(below):
        e = _erfcx_series(np.where(below, -f0 / math.sqrt(2), 0.0), 1)
        mills = math.sqrt(math.pi / 2) * e[0]
        f1 = np.where(below, mills, f1)
        f2 = np.where(below, -_SQRT_PI_2 * mills * e[1], f2)
    return f1, f2


def _incomplete_elliptic(second_kind: bool) -> Callable[..., Arrays]:
    # in (phi, m), D = sqrt(1 - m sin^2): F_phi = 1/D, F_phiphi = m sin cos/D^3, F_phim =
    # sin^2/(2 D^3), F_m = G and F_mm = G_m of _amplitude_m (Carlson's forms: (E - F)/(2m)
    # and its kin cancel as m -> 0); E_phi = D, E_phiphi = -m sin cos/D, E_phim = -sin^2/(2D),
    # E_m = (E - F)/(2m) = -sin^3 R_D(cos^2, D^2, 1)/6, E_mm = -sin^5 J(D^2; cos^2; 1)/8, with
    # the period's 2k E(m): E(m)_m = -R_D(0, 1 - m, 1)/6, E(m)_mm = -J(1 - m; 0; 1)/8
    def rule(f0: Any, phi: Any, m: Any) -> Arrays:
        s, c = np.sin(phi), np.cos(phi)
        d2 = 1 - m * s * s
        d = np.sqrt(d2)
        if not second_kind:
            g, g_m = _amplitude_m(phi, m)
            return 1 / d, g, m * s * c / (d * d2), s * s / (2 * d * d2), g_m
        rd, j = _sc().elliprd, _carlson_j
        k = np.round(phi / math.pi)
        sr, cr = np.sin(phi - k * math.pi), np.cos(phi - k * math.pi)
        e_m = -(2 * k * rd(0.0, 1 - m, 1.0) + sr**3 * rd(cr * cr, d2, 1.0)) / 6
        e_mm = -(2 * k * j(1 - m, 0.0, 1.0) + sr**5 * j(d2, cr * cr, 1.0)) / 8
        return d, e_m, -m * s * c / d, -s * s / (2 * d), e_mm

    return rule


def _owens_t(f0: Any, h: Any, a: Any) -> Arrays:
    # T(h, a) = 1/(2 pi) int_0^a exp(-h^2 (1 + x^2)/2)/(1 + x^2) dx:
    # T_h = -phi(h) erf(a h/sqrt 2)/2, T_a = exp(-h^2 (1 + a^2)/2) / (2 pi (1 + a^2)),
    # T_hh = (h phi(h) erf(a h/sqrt 2) - phi(h) a sqrt(2/pi) exp(-a^2 h^2/2))/2,
    # T_ha = -h exp(-h^2 (1 + a^2)/2)/(2 pi), T_aa = -T_a a (h^2 + 2/(1 + a^2))
    sc = _sc()
    phi = np.exp(-h * h / 2) / _SQRT_2PI
    e = sc.erf(a * h / math.sqrt(2))
    q = 1 + a * a
    g = np.exp(-h * h * q / 2) / (2 * math.pi)
    t_a = g / q
    t_hh = (h * phi * e - phi * a * math.sqrt(2 / math.pi) * np.exp(-a * a * h * h / 2)) / 2
    return -phi * e / 2, t_a, t_hh, -h * g, -t_a * a * (h * h + 2 / q)


def _lambertw(f0: Any, z: Any, k: Any, tol: Any) -> Arrays:
    # z = W e^W: W' = 1/(e^W + z) (1 at z = 0), W'' = -W'^2 (e^W W' + 1)
    e = np.exp(f0)
    d = 1 / (e + z)
    return d, -d * d * (e * d + 1)


def _fdtr(sign: float) -> Callable[..., Arrays]:
    # F cdf = I_u(dfn/2, dfd/2), u = dfn x/(dfn x + dfd): in x the F density (_f_density);
    # in dfn, dfd through betainc (_through) (fdtrc: negated)
    def formula(n: Any, d: Any, x: Any) -> Any:
        return sign * _sc().betainc(n / 2, d / 2, n * x / (n * x + d))

    def rule(f0: Any, dfn: Any, dfd: Any, x: Any) -> Arrays:
        d1, d2 = _f_density(dfn, dfd, x)
        return _with_parameters((2,), (sign * d1, sign * d2), formula, dfn, dfd, x)

    return rule


def _f_density(n: Any, d: Any, x: Any) -> Arrays:
    """The F cdf's F' = u^a v^b / (x B(a, b)) and F'' = F' ((a - 1) v - (b + 1) u) / x,
    a = n/2, b = d/2, u = n x / (n x + d), v = 1 - u, each of u, v computed directly from
    r = d / (n x) or its reciprocal (no overflow, no 1 - u): as I'(u) u', the cancelled
    1 - u put F' 2e-3 off at x = 1e10 (n = 109, d = 0.0033) and (n x + d)^2 overflowed to
    inf beyond x = 1e20, where F' is 1e-23 (fdtri's 1/F' was 0 for 1.5e59). At x = 0:
    (n/d)^a x^(a-1) / B, by xlogy as the beta density."""
    sc = _sc()
    a, b = n / 2, d / 2
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        lb = sc.betaln(a, b)
        r, s = d / (n * x), n * x / d
        small = r <= 1
        u = np.where(small, 1 / (1 + r), s / (1 + s))
        v = np.where(small, r / (1 + r), 1 / (1 + s))
        f1 = np.exp(sc.xlogy(a, u) + sc.xlogy(b, v) - np.log(x) - lb)
        f2 = f1 * ((a - 1) * v - (b + 1) * u) / x
        c0 = sc.xlogy(a, n / d) - lb  # x = 0
        g1 = np.exp(c0 + sc.xlogy(a - 1, x))
        g2 = np.where(a == 1, 0.0, (a - 1) * np.exp(c0 + sc.xlogy(a - 2, x))) - (b + 1) * n / d * g1
        zero = x == 0
        return (
            np.where(x > 0, f1, np.where(zero, g1, np.nan)),
            np.where(x > 0, f2, np.where(zero, g2, np.nan)),
        )


def _nbdtr(sign: float) -> Callable[..., Arrays]:
    # negative binomial cdf nbdtr(k, n, p) = I_p(n, k + 1) in (k, n, p) (k and n C ints:
    # scipy truncates both, so nbdtr(-0.5, 2.5, p) is p^2) (nbdtrc: negated); nan, as
    # scipy's value, at k < 0 or n < 1
    def rule(f0: Any, k: Any, n: Any, p: Any) -> Arrays:
        k, n = _scipy_count(k), _scipy_count(n)
        valid = (k >= 0) & (n >= 1)
        d1, d2 = _beta_density(np.where(valid, n, np.nan), k + 1, p)
        return _counted(sign * d1, sign * d2, 3)

    return rule


# Struve functions in x (v constant), DLMF 11.4.27 and 11.4.29:
#   2 H_v' = H_{v-1} - H_{v+1} + (x/2)^v / (sqrt(pi) Gamma(v + 3/2)),
#   2 L_v' = L_{v-1} + L_{v+1} + (x/2)^v / (sqrt(pi) Gamma(v + 3/2)),
# applied twice (no division by x).
def _struve_terms(v: Any, x: Any) -> Arrays:
    """A(v) = (x/2)^v / (2 sqrt(pi) Gamma(v + 3/2)) at v - 1, v, v + 1, and A'(v)."""
    sc = _sc()
    c = 1 / (2 * math.sqrt(math.pi))

    def a(order: Any) -> Any:
        return (x / 2) ** order * sc.rgamma(order + 1.5) * c

    da = np.where(v == 0, 0.0, v / 2 * (x / 2) ** (v - 1) * sc.rgamma(v + 1.5) * c)
    return a(v - 1), a(v), a(v + 1), da


def _struve_series(v: Any, x: Any, sign: float, m: int) -> Any:
    """The m-th derivative of H_v (sign -1) or L_v (sign 1) from its power series
    sum_k sign^k (x/2)^(2k+v+1) / (Gamma(k+3/2) Gamma(k+v+3/2)), for |x| < 1 (fifteen
    terms); a term whose power the derivative takes to 0 is 0 (also at x = 0)."""
    sc = _sc()
    out = np.zeros(np.broadcast_shapes(np.shape(v), np.shape(x)))
    for k in range(15):
        power = 2 * k + v + 1
        falling = np.ones_like(power, dtype=np.float64)
        for i in range(m):
            falling = falling * (power - i)
        with np.errstate(all="ignore"):
            term = (
                sign**k * falling / 2.0**m * (x / 2) ** np.where(falling == 0, 0, power - m)
                * sc.rgamma(k + 1.5) * sc.rgamma(k + v + 1.5)
            )  # fmt: skip
        out = out + np.where(falling == 0, 0.0, term)
    return out


def _struve(modified: bool) -> Callable[..., Arrays]:
    def rule(f0: Any, v: Any, x: Any) -> Arrays:
        # in v by the power series or H = Y + K's integral on dual arrays (_struve_in_v)
        formula = functools.partial(_struve_in_v, modified, f0)
        return _with_parameters((1,), _struve_in_x(modified, f0, v, x), formula, v, x)

    return rule


def _struve_in_x(modified: bool, f0: Any, v: Any, x: Any) -> Arrays:
    # in x by DLMF 11.4.27, 11.4.29 (above)
    sc = _sc()
    fn = sc.modstruve if modified else sc.struve
    s = 1.0 if modified else -1.0
    am, a0, ap, da = _struve_terms(v, x)
    m2, m1, p1, p2 = fn(v - 2, x), fn(v - 1, x), fn(v + 1, x), fn(v + 2, x)
    d1 = (m1 + s * p1) / 2 + a0
    d2 = (m2 + 2 * s * f0 + p2) / 4 + (am + s * ap) / 2 + da
    # far out (|x| > 2 (|v| + 1)) H_(v+1) ~ its power term a0: they cancel (struve(0.7, x)'
    # at x = 4.5e77 was 6e38, truly ~1e-39); there (z^v C_v)' = z^v C_(v-1) (DLMF 11.4.25):
    # C' = C_(v-1) - (v/x) C, C'' = C_(v-2) - ((v-1)/x) C_(v-1) - (v/x) C' + (v/x^2) C
    with np.errstate(all="ignore"):
        far = np.abs(x) > 2 * (np.abs(v) + 1)
        if np.any(far):
            e1 = m1 - v / x * f0
            e2 = m2 - (v - 1) / x * m1 - v / x * e1 + v / (x * x) * f0
            d1, d2 = np.where(far, e1, d1), np.where(far, e2, d2)
    # below |x| = 1 the recurrences' terms cancel (inf - inf at x = 0): the series
    near = np.abs(x) < 1
    if np.any(near):
        d1 = np.where(near, _struve_series(v, x, s, 1), d1)
        d2 = np.where(near, _struve_series(v, x, s, 2), d2)
    return d1, d2


_STRUVE_NEGATIVE = 200.0


def _struve_in_v(modified: bool, value: Any, v: Any, x: Any) -> Any:
    """H_v(x) or L_v(x) at x > 0 as numpy code on dual arrays (v and x), each point by
    whichever representation's rounding bound is within 1e-12 of its scale (|H|, or
    sqrt(J^2 + Y^2) where it exceeds it beyond x = |v|, for H; |L|):
      the power series sum_k (+-1)^k (x/2)^(2k+v+1) / (Gamma(k+3/2) Gamma(k+v+3/2))
        (DLMF 11.2.1, 11.2.2; L's terms have one sign from k > -v - 3/2, so it serves L
        wherever its terms stay finite; H's alternate: x up to ~10),
      H_v = Y_v + 2 (x/2)^v / (sqrt(pi) Gamma(v + 1/2)) int_0^inf e^(-x t) (1 + t^2)^(v-1/2) dt
        (DLMF 11.5.2; Y_v in its order by _bessel_in_v; the integrand positive, by 32-point
        Gauss-Legendre panels on [0, t*] and [t*, T], t* its peak, T where it is e^-50 below).
    x = 0: 0 where scipy's value is (v > -1), else nan; x < 0: nan. TypeError elsewhere."""
    sc = _sc()
    name = "modstruve" if modified else "struve"
    vv, xv = np.broadcast_arrays(_values(v), _values(x))
    inside = np.isfinite(value) & np.isfinite(vv) & (xv > 0) & (xv < np.inf)
    if np.any(inside & (vv < -_STRUVE_NEGATIVE)):
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name} in its order v only from "
            f"v = -{_STRUVE_NEGATIVE:g} (its series' first terms, one by one, below)"
        )
    vs, xs = np.where(inside, v, 0.5), np.where(inside, x, 1.0)
    v0, x0 = _values(vs), _values(xs)
    scale = np.abs(value)
    if not modified:
        wide = inside & (xv > np.abs(vv))
        scale = np.where(wide, np.maximum(scale, np.hypot(sc.jv(vv, xv), sc.yv(vv, xv))), scale)
    half = xs / 2
    sign = 1.0 if modified else -1.0

    def term(k: int) -> Any:  # (a term's exponent rounds to eps times its size)
        power = np.exp((2 * k + vs + 1) * np.log(half))
        return sign**k * power * sc.rgamma(vs + (k + 1.5)) / sc.gamma(k + 1.5)

    # the terms from the recurrence t_k = t_(k-1) (+-x^2/4) / ((k + 1/2)(k + v + 1/2)) from
    # the first k0 with k0 + v + 3/2 > 0 (before: each its own, 1/Gamma's zeros included)
    k0 = int(np.max(np.floor(np.where(inside, -v0 - 1.5, -1.0)) + 1, initial=0.0))
    heads = [term(k) for k in range(k0 + 1)]
    pending = inside & (modified | (xv < 40))
    total, bound = _dual_series(
        heads[-1], lambda k: sign * half * half / ((k0 + k + 0.5) * (k0 + k + vs + 0.5)), pending
    )
    bound = bound + (1 + np.abs((2 * k0 + v0 + 1) * np.log(x0 / 2))) * np.abs(total._stack)
    for k, head in enumerate(heads[:-1]):
        total = total + head
        bound = bound + np.abs(head._stack) * (4 + np.abs((2 * k + v0 + 1) * np.log(x0 / 2)))
    left = inside & ~(pending & _accurate(total, bound, scale))
    result = total
    if left.any() and not modified:
        nu, at = np.where(left, vs, 0.5), np.where(left, xs, 1.0)
        k, bound = _struve_k_integral(nu, at)
        try:
            y = sc.yv(nu, at)
        except TypeError:
            y = None
        if y is not None:
            h = y + k
            result = np.where(left, h, result)
            left &= ~_accurate(h, bound, scale)
    if left.any():
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name} in its order v only where its "
            + (
                "power series"
                if modified
                else "power series or Y_v plus its integral (DLMF 11.5.2)"
            )
            + f" is accurate to 1e-12 of its size (here v = {vv[left].flat[0]:g}, "
            f"x = {xv[left].flat[0]:g})"
        )
    # (0 at x = 0 for every v near; at v = +inf, where H and L tend to 0 with their
    # partials, the limits 0; scipy's 0 of L at v = -inf is no limit: nan)
    zero = ((xv == 0) & (value == 0)) | ((vv == np.inf) & np.isfinite(value))
    return _nan_outside(inside | zero, np.where(inside, result, result * 0))


def _struve_k_integral(nu: Any, at: Any) -> tuple[Any, Any]:
    """K_v(x) = H_v - Y_v = 2 (x/2)^v / (sqrt(pi) Gamma(v + 1/2)) int_0^inf e^(-x t)
    (1 + t^2)^(v-1/2) dt on dual (v, x), x > 0, and its planes' rounding bound over eps
    (inf where the integrand does not fall e^-50 below its peak by t = 2100)."""
    v0, x0 = _values(nu), _values(at)
    c = v0 - 0.5
    # the exponent -x t + c log(1 + t^2): a peak inside where c > x (x t^2 - 2 c t + x = 0)
    peak = np.where(c > x0, (c + np.sqrt(np.maximum(c * c - x0 * x0, 0.0))) / x0, 0.0)

    def exponent(t: Any) -> Any:
        return -x0 * t + c * np.log1p(t * t)

    top = np.maximum(exponent(peak), 0.0)
    offsets = (1e-3 * 2.0 ** np.arange(22)).reshape((-1,) + (1,) * x0.ndim)  # to 2100
    t = peak + offsets
    far = exponent(t) <= top - 50
    stop = np.take_along_axis(t, np.argmax(far, axis=0)[None], axis=0)[0]
    total: Any = 0.0
    magnitude: Any = 0.0
    for a, b in ((np.zeros_like(peak), peak), (peak, stop)):
        nodes, w = _panels(a, b, 8)
        log1p = np.log1p(nodes * nodes)
        integrand = np.exp(-at * nodes + (nu - 0.5) * log1p - top)
        rounding = x0 * nodes + np.abs(c * log1p) + np.abs(top)
        part, size = _summed(integrand, w, rounding)
        total, magnitude = total + part, magnitude + size
    log_half = np.log(x0 / 2)
    prefactor = 2 / math.sqrt(math.pi) * np.exp(nu * np.log(at / 2) + top) * _sc().rgamma(nu + 0.5)
    k = total * prefactor
    factor = np.abs(prefactor.value)
    bound = magnitude * factor + (4 + np.abs(v0 * log_half) + np.abs(top)) * np.abs(k._stack)
    return k, np.where(far.any(axis=0), bound, np.inf)


def _integrals(value: Any, x: Any) -> tuple[Arrays, ...]:
    # itj0y0: (int_0^x J0, int_0^x Y0) -> (J0, -J1), (Y0, -Y1)
    sc = _sc()
    return (sc.j0(x), -sc.j1(x)), (sc.y0(x), -sc.y1(x))


def _integrals_i0k0(value: Any, x: Any) -> tuple[Arrays, ...]:
    sc = _sc()
    return (sc.i0(x), sc.i1(x)), (sc.k0(x), -sc.k1(x))


def _integrals_airy(value: Any, x: Any) -> tuple[Arrays, ...]:
    # itairy: int_0^x Ai(t), Bi(t), Ai(-t), Bi(-t) dt
    ai, aip, bi, bip = _sc().airy(x)
    ain, aipn, bin_, bipn = _sc().airy(-x)
    return (ai, aip), (bi, bip), (ain, -aipn), (bin_, -bipn)


def _integral_struve(modified: bool) -> Callable[..., Arrays]:
    # itstruve0 = int_0^x H0: (H0, H0'); itmodstruve0 likewise with L0
    def rule(f0: Any, x: Any) -> Arrays:
        sc = _sc()
        zero = np.zeros_like(x)
        h0 = (sc.modstruve if modified else sc.struve)(zero, x)
        d1, _ = _struve_in_x(modified, h0, zero, x)
        return h0, d1

    return rule


def _rescaled(
    rule: Callable[..., Arrays], scale: float, shift: float, outer: float = 1.0
) -> Callable[..., Arrays]:
    """f(x) = outer p(scale x + shift) from the rule of p: f' = outer scale p',
    f'' = outer scale^2 p'' (eval_sh_legendre = P_n(2x - 1), eval_chebyc = 2 T_n(x/2), ...)."""

    def rescaled(f0: Any, n: Any, x: Any) -> Arrays:
        d1, d2 = rule(None, n, scale * x + shift)
        return outer * scale * d1, outer * scale * scale * d2

    return rescaled


def _wofz(f0: Any, z: Any) -> Arrays:
    # Faddeeva w(z) = exp(-z^2) erfc(-iz): w' = -2z w + 2i/sqrt(pi), w'' = -2w - 2z w';
    # from |z| = 7 these cancel (w ~ i/(sqrt(pi) z): w' to |z|^2 ulps, w'' |z|^4; at
    # z = 1000 + i w'' was 4e-4 off, at 1e6 i 5e7 times): there _faddeeva_far
    d1 = -2 * z * f0 + 2j / math.sqrt(math.pi)
    d2 = -2 * f0 - 2 * z * d1
    return _far(d1, d2, z, lambda t: _faddeeva_far(t))


def _far(d1: Any, d2: Any, z: Any, series: Callable[[Any], Arrays]) -> Arrays:
    """(d1, d2) with series(z) on the points where |z| >= 7 (computed on those only)."""
    big = np.abs(z) >= 7
    if not np.any(big):
        return d1, d2
    big = np.broadcast_to(big, np.broadcast(d1, d2, z).shape)
    s1, s2 = series(np.broadcast_to(z, big.shape)[big])
    return _put(d1, big, s1), _put(d2, big, s2)


def _faddeeva_far(z: Any) -> Arrays:
    """(w', w'') of Faddeeva's w at |z| >= 7 from its asymptotic series w(z) ~ (i /
    sqrt(pi)) sum_n (2n-1)!! (1/2)^n z^-(2n+1) termwise (_odd_series: no cancellation,
    within 1e-15 of mpmath), valid for Im z >= 0; below, by w(z) = 2 exp(-z^2) - w(-z):
    w'(z) = -4z exp(-z^2) + w'(-z), w''(z) = (8z^2 - 4) exp(-z^2) - w''(-z)."""
    lower = z.imag < 0
    s1, s2 = _odd_series(np.where(lower, -z, z), 0.5)
    c = 1j / math.sqrt(math.pi)
    w1, w2 = c * s1, c * s2
    if np.any(lower):
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(-z * z)
            w1 = np.where(lower, -4 * z * e + w1, w1)
            w2 = np.where(lower, (8 * z * z - 4) * e - w2, w2)
    return w1, w2


def _voigt_profile(f0: Any, x: Any, sigma: Any, gamma: Any) -> Arrays:
    # V = c Re w(z), c = 1/(sigma sqrt(2 pi)), z = (x + i gamma) k, k = 1/(sigma sqrt 2), w
    # holomorphic (w1 = w', w2 = w''): z_x = k, z_gamma = i k, z_sigma = -z/sigma, so in
    # (x, sigma, gamma): V_x = c k Re w1, V_gamma = -c k Im w1, V_sigma = -(c/sigma) Re g,
    # g = z w1 + w; V_xx = -V_gg = c k^2 Re w2, V_xg = -c k^2 Im w2, V_xs = -(c k/sigma)
    # Re(2 w1 + z w2), V_gs = (c k/sigma) Im(2 w1 + z w2), V_ss = (c/sigma^2) Re(2g + z^2 w2
    # + 2 z w1)
    # Far from the centre (|z| >= 7 in the upper half plane, and sigma = 0) w1 = -2 z w +
    # 2i/sqrt(pi) cancels to |z|^2 ulps and g, h, q to |z|^4 (at sigma = 1e-4 V_sigma was
    # 3x off): there the asymptotic series (_voigt_far)
    z = (x + 1j * gamma) / (sigma * math.sqrt(2))
    w = _sc().wofz(z)
    w1, w2 = _wofz(w, z)
    c, k = 1 / (sigma * _SQRT_2PI), 1 / (sigma * math.sqrt(2))
    h = 2 * w1 + z * w2
    g = z * w1 + w
    ck2 = c * k * k
    near = (
        c * k * w1.real,
        -c / sigma * g.real,
        -c * k * w1.imag,
        ck2 * w2.real,
        -c * k / sigma * h.real,
        -ck2 * w2.imag,
        c / (sigma * sigma) * (2 * g + z * z * w2 + 2 * z * w1).real,
        c * k / sigma * h.imag,
        -ck2 * w2.real,
    )
    upper = (sigma > 0) & (gamma >= 0)  # (z in the upper half plane: the series' domain)
    far = (((np.abs(z) >= 7) & upper) | (sigma == 0)) & ~np.isnan(f0)
    if not np.any(far):
        return near
    shape = np.broadcast(x, sigma, gamma, f0).shape
    far = np.broadcast_to(far, shape)
    parts = _voigt_far(*(np.broadcast_to(a, shape)[far] for a in (x, sigma, gamma)))
    out = []
    for a, b in zip(near, parts, strict=True):
        a = np.array(np.broadcast_to(a, shape))
        a[far] = b
        out.append(a)
    return tuple(out)


def _voigt_far(x: Any, sigma: Any, gamma: Any) -> Arrays:
    """voigt_profile's partials (as _voigt_profile orders them) from the asymptotic series
    of Faddeeva's w(z) ~ (i / (sqrt(pi) z)) sum_k (2k-1)!! / (2 z^2)^k, differentiated term
    by term in zeta = x + i gamma and t = sigma^2 / zeta^2 = 1 / (2 z^2): each partial is
    (i / pi) sigma^e / zeta^j times sum_k p(k) (2k-1)!! t^k, no cancellation (g = z w1 + w's
    leading terms cancel exactly, as k = 0's weight 0). Within 3e-15 of mpmath from |z| = 7
    (40 terms); at sigma = 0 the Lorentzian's limits: V_sigma = 0, V_sigma_sigma = V_xx
    (the heat equation V_sigma = sigma V_xx), odd in gamma as scipy's Lorentzian."""
    zeta = x + 1j * gamma
    # beyond |zeta| = 1e153 every partial (1/zeta^2 and smaller) is below the subnormals:
    # 0 (zeta^2 overflowed there: nan parts at x = 2.4e216)
    huge = np.abs(zeta) > 1e153
    zeta = np.where(huge, 1.0, zeta)
    t = sigma * sigma / (zeta * zeta)
    k = np.arange(40.0)
    odd = np.cumprod(np.maximum(2 * k - 1, 1))  # (2k-1)!!

    def series(weight: np.ndarray, start: int) -> Any:  # sum_k>=start weight odd t^(k-start)
        total: Any = np.zeros_like(t)
        for coefficient in (weight * odd)[start:][::-1]:
            total = total * t + coefficient
        return total

    ip = 1j / np.pi
    first = ip / zeta**2 * series(-(2 * k + 1), 0)  # c k w1
    second = ip / zeta**3 * series((2 * k + 1) * (2 * k + 2), 0)  # c k^2 w2
    g = ip * sigma / zeta**3 * series(-2 * k, 1)  # (c / sigma) g
    h = ip * sigma / zeta**4 * series((2 * k + 1) * 2 * k, 1)  # (c k / sigma) h
    q = ip / zeta**3 * series(2 * k * (2 * k - 1), 1)  # (c / sigma^2) (2g + z^2 w2 + 2z w1)
    parts = (
        first.real,
        -g.real,
        -first.imag,
        second.real,
        -h.real,
        -second.imag,
        q.real,
        h.imag,
        -second.real,
    )
    return tuple(np.where(huge, 0.0, p) for p in parts)


# Kelvin functions: ber + i bei = J_0(x e^(3 pi i/4)), so with the derivatives scipy has
# (berp, beip, kerp, keip): ber'' = -ber'/x - bei, bei'' = -bei'/x + ber (ker, kei the
# same); at 0 the limits ber''(0) = 0, bei''(0) = 1/2; the third derivative (of berp,
# ...) d/dx ber'' = ber'/x^2 - ber''/x - bei' (0 at 0 for ber, bei).
def _kelvin_series(own_is_real: bool, x: Any, m: int) -> Any:
    """The m-th derivative of ber (own_is_real) or bei for |x| < 1 (0 elsewhere) from their
    power series ber = sum_k (-1)^k (x/2)^(4k) / (2k)!^2, bei = sum_k (-1)^k (x/2)^(4k+2) /
    (2k+1)!^2, twelve terms (the recurrences' terms -ber'/x and ber'/x^2 cancel to eps/x
    there: the third derivative of bei at x = 3e-160 was -2.5e154, truly -5e-159)."""
    t = np.where(np.abs(x) < 1, x, 0.0)
    total = np.zeros_like(t)
    for k in range(11, -1, -1):
        p = 4 * k + (0 if own_is_real else 2)
        if p >= m:
            c = (-1) ** k / (2.0**p * math.factorial(p // 2) ** 2) * math.perm(p, m)
            total = total + c * t ** (p - m)
    return total


def _kelvin(name: str, derivative: bool) -> Callable[..., Arrays]:
    def rule(f0: Any, x: Any) -> Arrays:
        sc = _sc()
        first = name[0] + "e"  # ber/bei or ker/kei
        real, imag = getattr(sc, first + "r"), getattr(sc, first + "i")
        real_p, imag_p = getattr(sc, first + "rp"), getattr(sc, first + "ip")
        own_is_real = name[2] == "r"
        vp = real_p(x) if own_is_real else imag_p(x)
        other, other_p = (imag(x), imag_p(x)) if own_is_real else (real(x), real_p(x))
        sign = -1.0 if own_is_real else 1.0  # ber'' = ... - bei, bei'' = ... + ber
        v2 = -vp / x + sign * other
        if name[0] == "b":
            v2 = np.where(x == 0, 0.0 if own_is_real else 0.5, v2)
        if not derivative:
            return vp, v2
        v3 = vp / (x * x) - v2 / x + sign * other_p
        if name[0] == "b":
            small = np.abs(x) < 1
            v2 = np.where(small, _kelvin_series(own_is_real, x, 2), v2)
            v3 = np.where(small, _kelvin_series(own_is_real, x, 3), v3)
        return v2, v3

    return rule


def _kelvin_all(value: Any, x: Any) -> tuple[Arrays, ...]:
    # kelvin(x) = (ber + i bei, ker + i kei, ber' + i bei', ker' + i kei'): each part's
    # derivatives from _kelvin's rules (the primed outputs' from those of berp, ...)
    def parts(first: str, derivative: bool) -> Arrays:
        real = _kelvin(first + "r", derivative)(None, x)
        imag = _kelvin(first + "i", derivative)(None, x)
        return real[0] + 1j * imag[0], real[1] + 1j * imag[1]

    return parts("be", False), parts("ke", False), parts("be", True), parts("ke", True)


def _minus_one_series(x: Any, sign: float) -> Arrays:
    """(1 - J0(x))/x (sign -1) or (I0(x) - 1)/x (sign 1) and its derivative, for |x| < 1,
    where 1 - J0 cancels: sum_k>=1 s^(k+1) x^(2k-1)/(4^k k!^2) and its termwise derivative."""
    t = np.where(np.abs(x) < 1, x, 0.0)
    s1, s2 = np.zeros_like(t), np.zeros_like(t)
    for k in range(12, 0, -1):  # Horner in t^2
        c = sign ** (k + 1) / (4**k * math.factorial(k) ** 2)
        s1 = s1 * t * t + c
        s2 = s2 * t * t + (2 * k - 1) * c
    return s1 * t, s2


def _integrals_over_t(modified: bool) -> Callable[..., tuple[Arrays, ...]]:
    # it2j0y0 = (int_0^x (1 - J0)/t, int_x^inf Y0/t): ((1 - J0)/x, J1/x - (1 - J0)/x^2),
    # (-Y0/x, Y1/x + Y0/x^2); it2i0k0: (I0 - 1)/x, I1/x - (I0 - 1)/x^2 and -K0/x,
    # K1/x + K0/x^2; the series below |x| = 1
    def rule(value: Any, x: Any) -> tuple[Arrays, ...]:
        sc = _sc()
        if modified:
            c0, c1, d0, d1, sign = sc.i0(x), sc.i1(x), sc.k0(x), sc.k1(x), 1.0
        else:
            c0, c1, d0, d1, sign = sc.j0(x), sc.j1(x), sc.y0(x), sc.y1(x), -1.0
        g = sign * (c0 - 1) / x
        first = g, c1 / x - g / x
        near = np.abs(x) < 1
        if np.any(near):
            s1, s2 = _minus_one_series(x, sign)
            first = np.where(near, s1, first[0]), np.where(near, s2, first[1])
        return first, (-d0 / x, d1 / x + d0 / (x * x))

    return rule


def _it2struve0(f0: Any, x: Any) -> Arrays:
    # int_x^inf H0(t)/t dt: f1 = -H0/x, f2 = H0/x^2 - H0'/x, H0' = 2/pi - H1; below |x| = 1
    # (where they cancel) from H0(x)/x = 2/pi sum_k (-1)^k x^(2k)/((2k+1)!!)^2
    sc = _sc()
    h0 = sc.struve(0, x)
    f1 = -h0 / x
    f2 = h0 / (x * x) - (2 / math.pi - sc.struve(1, x)) / x
    near = np.abs(x) < 1
    if np.any(near):
        t = np.where(near, x, 0.0)
        c = [(-1.0) ** k / math.prod(range(1, 2 * k + 2, 2)) ** 2 for k in range(16)]
        s1, s2 = np.zeros_like(t), np.zeros_like(t)
        for k in range(15, -1, -1):  # Horner in t^2: c_k t^2k, 2k c_k t^(2k-2)
            s1 = s1 * t * t + c[k]
        for k in range(15, 0, -1):
            s2 = s2 * t * t + 2 * k * c[k]
        f1 = np.where(near, -2 / math.pi * s1, f1)
        f2 = np.where(near, -2 / math.pi * s2 * t, f2)
    return f1, f2


def _modified_fresnel(sign: float) -> Callable[..., tuple[Arrays, ...]]:
    # modfresnelp (sign 1): F = int_x^inf e^(i t^2) dt, K = e^(-i(x^2 + pi/4)) F/sqrt(pi);
    # modfresnelm: i -> -i. F' = -e^(s i x^2), F'' = -2 s i x e^(s i x^2);
    # K' = -2 s i x K - e^(-s i pi/4)/sqrt(pi), K'' = -2 s i K - 2 s i x K'. Both cancel for
    # large x (by 2 x^2, 4 x^4): there (x > 7) the asymptotic series
    # K = c sum_n (2n-1)!! (-s i/2)^n x^-(2n+1), c = e^(-s i pi/4) s i/(2 sqrt(pi)), termwise
    def rule(value: Any, x: Any) -> tuple[Arrays, ...]:
        k = value[1]
        i = sign * 1j
        e = np.exp(i * x * x)
        k1 = -2 * i * x * k - np.exp(-i * math.pi / 4) / math.sqrt(math.pi)
        k2 = -2 * i * k - 2 * i * x * k1
        big = x > 7
        if np.any(big):
            s1, s2 = _odd_series(np.broadcast_to(x, big.shape)[big], -i / 2)
            c = np.exp(-i * math.pi / 4) * i / (2 * math.sqrt(math.pi))
            k1, k2 = _put(k1, big, c * s1), _put(k2, big, c * s2)
        return (-e, -2 * i * x * e), (k1, k2)

    return rule


def _psi_differences(a: Any, c: Any, gap: Any = None) -> Arrays:
    """(psi(a) - psi(c), psi1(a) - psi1(c)) of real arrays. Where both are >= 8 the
    differences cancel (binom(1e6, 2): psi(1e6 + 1) - psi(1e6 - 1) ~ 2e-6); there from the
    asymptotic series of _BERNOULLI term by term, the leading terms as exact differences:
      psi(x) ~ log x - 1/(2x) - sum_j B_2j/(2j x^2j),
      psi1(x) ~ 1/x + 1/(2x^2) + sum_j B_2j/x^(2j+1)
    (log(a/c) = log1p((a - c)/c), 1/a - 1/c = (c - a)/(ac), ...). gap: a - c when known
    exactly (c = a + b rounds b away at b << a: pass -b)."""
    d0 = _psi(a) - _psi(c)
    d1 = _psi_n(1, a) - _psi_n(1, c)
    big = (a >= 8) & (c >= 8)
    if not np.any(big):
        return d0, d1
    x, y = np.where(big, a, 8.0), np.where(big, c, 8.0)
    gap = x - y if gap is None else np.where(big, gap, 0.0)
    s0 = np.log1p(gap / y) + gap / (2 * x * y)
    s1 = -gap / (x * y) - gap * (x + y) / (2 * x * x * y * y)
    for j, bernoulli in enumerate(_BERNOULLI, start=1):
        s0 -= bernoulli / (2 * j) * (x ** (-2 * j) - y ** (-2 * j))
        s1 += bernoulli * (x ** (-2 * j - 1) - y ** (-2 * j - 1))
    return np.where(big, s0, d0), np.where(big, s1, d1)


def _binom(f0: Any, n: Any, k: Any) -> Arrays:
    # binom = Gamma(n+1)/(Gamma(k+1) Gamma(n-k+1)) in (n, k): with u = psi(n+1) - psi(n-k+1),
    # v = psi(n-k+1) - psi(k+1) (_psi_differences): f_n = f u, f_k = f v,
    # f_nn = f (u^2 + psi1(n+1) - psi1(n-k+1)), f_nk = f (u v + psi1(n-k+1)),
    # f_kk = f (v^2 - psi1(k+1) - psi1(n-k+1)). Where f = 0 (a pole of Gamma(k+1) or
    # Gamma(n-k+1): binom(1, 2)) the product rule on G R S = Gamma(n+1) rgamma(k+1)
    # rgamma(n-k+1), with rgamma's rule at its zeros.
    sc = _sc()
    a, b, c = n + 1, k + 1, n - k + 1
    (u, du), (v, _) = _psi_differences(a, c), _psi_differences(c, b)
    qb, qc = _psi_n(1, b), _psi_n(1, c)
    out = (f0 * u, f0 * v, f0 * (u * u + du), f0 * (u * v + qc), f0 * (v * v - qb - qc))
    # and near those poles (k + 1 or n - k + 1 below 1/2, n + 1 not): scipy's psi there
    # rounds pi x to eps/d of its distance d to the pole (binom(0.7, k)' at k = -5 + 8e-8
    # was 7.5e-9 off), rgamma's rule reduces x exactly
    with np.errstate(invalid="ignore"):
        near = ((b < 0.5) | (c < 0.5)) & (np.abs(b) < 170) & (np.abs(c) < 170)
        near &= (a >= 0.5) & (a < 170)  # (Gamma, rgamma of each in range: no 0 * inf)
    zero = (f0 == 0) | near
    if not np.any(zero):
        return out
    g = sc.gamma(a)
    g1, g2 = _gamma(g, a)
    r, s = sc.rgamma(b), sc.rgamma(c)
    (r1, r2), (s1, s2) = _rgamma(r, b), _rgamma(s, c)
    d_k = r1 * s - r * s1
    product = (
        g1 * r * s + g * r * s1,
        g * d_k,
        g2 * r * s + 2 * g1 * r * s1 + g * r * s2,
        g1 * d_k + g * (r1 * s1 - r * s2),
        g * (r2 * s - 2 * r1 * s1 + r * s2),
    )
    return tuple(np.where(zero, p, d) for p, d in zip(product, out, strict=True))


def _lpmv(f0: Any, m: Any, v: Any, x: Any) -> Arrays:
    # Ferrers' P_v^m (scipy's, Condon-Shortley phase) in x, DLMF 14.10.5 and Legendre's equation:
    # (1 - x^2) P' = (v + m) P_{v-1}^m - v x P, (1 - x^2) P'' = 2x P' - (v(v+1) - m^2/(1 - x^2)) P;
    # in the degree v by the hypergeometric series on dual arrays (_ferrers_in_v)
    w = 1 - x * x
    d1 = ((v + m) * _sc().lpmv(m, v - 1, x) - v * x * f0) / w
    d2 = (2 * x * d1 - (v * (v + 1) - m * m / w) * f0) / w
    return _with_parameters((1,), (d1, d2), functools.partial(_ferrers_in_v, f0, m), v, x)


# (z = (1 - x)/2 up to 0.99, x >= -0.98: the series' terms fall as z^k, a few thousand of
# them; the integer order up to 200, the front's product of m factors)
_FERRERS_REACH, _FERRERS_ORDER = 0.99, 200


def _ferrers_in_v(value: Any, m: Any, v: Any, x: Any) -> Any:
    """Ferrers' P_v^m(x) of an integer order m (scipy's lpmv, Condon-Shortley phase) as numpy
    code on dual arrays, after P_v^m = P_(-v-1)^m for v < -1/2 (DLMF 14.9.5): its
    hypergeometric series (_ferrers_series) where its rounding bound is within 1e-12 of
    each partial's size or |P|, else from that series at degrees v - n, v - n + 1 near
    max(m, 0) by the recurrence in the degree (_ferrers_recurrence, degrees up to 1000).
    The series' starts need z = (1 - x)/2 in [-0.9, 0.99] (x >= -0.98; |x| <= 1 unless
    m = 0, where scipy's value is P_v(x) up to x = 2.8); TypeError beyond, or where neither
    is accurate. nan where scipy's value is not finite (x = -1, |x| > 1 at m != 0), at
    x = +-1 for m != 0, or where m is no integer."""
    mv, vv, xv = np.broadcast_arrays(_values(m), _values(v), _values(x))
    inside = np.isfinite(value) & np.isfinite(mv + vv + xv)
    inside &= (mv == np.floor(mv)) & (np.abs(mv) <= _FERRERS_ORDER)
    inside &= (mv == 0) | (np.abs(xv) != 1)  # (there (1 - x^2)^(m/2)'s x-partials: inf)
    zv = (1 - xv) / 2
    reach = (zv <= _FERRERS_REACH) & (zv >= -_GAUSS_REACH) & ((mv == 0) | (np.abs(xv) <= 1))
    if np.any(inside & ~reach):
        where = inside & ~reach
        raise TypeError(
            "hyperdiff differentiates scipy.special.lpmv in its degree v only by its "
            f"hypergeometric series in z = (1 - x)/2 where it converges fast: -{_GAUSS_REACH} <= "
            f"z <= {_FERRERS_REACH}, |x| <= 1 unless m = 0 (here m = {mv[where].flat[0]:g}, "
            f"v = {vv[where].flat[0]:g}, x = {xv[where].flat[0]:g})"
        )
    order = np.where(inside, mv, 0.0)
    x = np.where(inside, x, 0.0)
    v = np.where(inside, v, 0.5)
    v = np.where(_values(v) < -0.5, -v - 1, v)
    result, bound = _ferrers_series(order, v, x, inside)
    left = inside & ~_accurate(result, bound, np.abs(value))
    if left.any():
        far, far_bound = _ferrers_recurrence(order, v, x, left)
        result, bound = np.where(left, far, result), np.where(left, far_bound, bound)
    bad = inside & ~_accurate(result, bound, np.abs(value))
    if bad.any():
        raise TypeError(
            "hyperdiff differentiates scipy.special.lpmv in its degree v only where its "
            "hypergeometric series, or the recurrence in v from it, is accurate to 1e-12 of its "
            f"size (here m = {mv[bad].flat[0]:g}, v = {vv[bad].flat[0]:g}, x = {xv[bad].flat[0]:g})"
        )
    return _nan_outside(inside, result)


def _ferrers_series(order: Any, v: Any, x: Any, pending: Any) -> tuple[Any, Any]:
    """P_v^m(x), v >= -1/2, integer m (`order`), by _hypergeometric_sum, z = (1 - x)/2:
      m >= 0:  (1 - x^2)^(m/2) (-v)_m (v + 1)_m / (2^m m!) 2F1(m - v, m + v + 1; m + 1; z)
               (P_v = 2F1(-v, v + 1; 1; z) differentiated m times, times (-1)^m (1 - x^2)^(m/2)),
      m < 0:   ((1 - x)/(1 + x))^(|m|/2) / |m|! 2F1(-v, v + 1; 1 + |m|; z)   (DLMF 14.3.1),
    the front's (-v)_m (v + 1)_m / (2^m m!) as the product of (j - v)(v + 1 + j)/(2 (j + 1)),
    j < m (exact zeros at integer v < m, where P is 0 and its v-partial is not)."""
    up, count = np.maximum(order, 0.0), np.abs(order)
    one = v * 0 + x * 0 + 1
    front = one
    for j in range(int(np.max(up, initial=0.0))):
        front = front * np.where(j < up, (j - v) * (v + (1 + j)) / (2 * (j + 1)), 1.0)
    base = np.where(order != 0, x, 0.0)
    front = front * np.where(order != 0, (1 - base) ** (count / 2) * (1 + base) ** (order / 2), 1.0)
    front = front * np.where(order < 0, _sc().rgamma(count + 1), 1.0)
    tops, bottoms = [up - v, up + v + 1], [one * (count + 1)]
    return _hypergeometric_sum(one, front, tops, bottoms, (1 - x) / 2, pending)


def _ferrers_recurrence(order: Any, v: Any, x: Any, pending: Any) -> tuple[Any, Any]:
    """P_v^m(x) at `pending` from _ferrers_series at degrees s = v - n, s + 1, s in
    [M - 1/2, M + 1/2), M = max(m, 0) (so no denominator below vanishes), by
      (k - m + 1) P_(k+1) = (2k + 1) x P_k - (k + m) P_(k-1)   (DLMF 14.10.3)
    on dual arrays up to v (at most 1000), with _three_term's rounding bound (the recurrence
    is neutral for |x| < 1, where P and Q oscillate alike: errors grow about linearly)."""
    vv = _values(v)
    count = np.where(pending, np.maximum(np.floor(vv - np.maximum(order, 0.0) + 0.5), 0.0), 0.0)
    if np.any(count > _DEGREE_LIMIT):
        where = pending & (count > _DEGREE_LIMIT)
        raise TypeError(
            "hyperdiff differentiates scipy.special.lpmv in its degree v only up to degrees "
            f"of {_DEGREE_LIMIT} beyond its order (here v = {vv[where].flat[0]:g})"
        )
    start = v - count
    (first, first_bound), (second, second_bound) = (
        _ferrers_series(order, start + k, x, pending) for k in (0, 1)
    )

    def coefficients(i: int) -> tuple[Any, Any]:
        k = start + i
        return (2 * k + 1) * x / (k - order + 1), -(k + order) / (k - order + 1)

    return _three_term(first, second, coefficients, count, (first_bound, second_bound), 0.0)


def _three_term(
    first: Any,
    second: Any,
    coefficients: Callable[[int], tuple[Any, Any]],
    count: Any,
    starts: tuple[Any, Any],
    scale: Any,
) -> tuple[Any, Any]:
    """y_count of y_(i+1) = alpha_i y_i + beta_i y_(i-1) ((alpha_i, beta_i) = coefficients(i),
    i = 1 .. count - 1) from y_0 = first, y_1 = second, on dual arrays (count per element),
    and its rounding bound over eps: each step's (4 ulps of its two terms, plane by plane
    through _majorant) and the starts' bounds (`starts`), each times |dy_count/dy_i| from
    the adjoint recurrence lam_i = alpha_i lam_(i+1) + beta_(i+1) lam_(i+2), run backward on
    the values (so errors grow as the recurrence makes them grow: a neutral one about
    linearly, not by the worst case), plus the value's bound relative to max(|y|, scale) on
    every plane (its errors enter the parts through the coefficients' partials)."""
    previous, current = first, second
    alphas, betas, locals_ = [], [], []
    steps = int(np.max(count, initial=0.0))
    for i in range(1, steps):
        alpha, beta = coefficients(i)
        step = alpha * current + beta * previous
        size = _majorant(alpha) * _majorant(current) + _majorant(beta) * _majorant(previous)
        active = i < count
        alphas.append(np.where(active, _values(alpha), 0.0))
        betas.append(np.where(active, _values(beta), 0.0))
        locals_.append(np.where(active, 4 * size._stack, 0.0))
        previous, current = np.where(active, current, previous), np.where(active, step, current)
    result: Any = np.where(count == 0, previous, current)
    # the adjoint: lam_i = dy_count/dy_i, from lam_count = 1 (0 beyond) down to lam_0
    later = latest = np.zeros(np.shape(count))
    rounding = np.zeros_like(result._stack)
    for i in range(steps, -1, -1):
        alpha_i = alphas[i - 1] if 1 <= i <= len(alphas) else 0.0
        beta_next = betas[i] if i < len(betas) else 0.0
        lam = np.where(
            i == count, 1.0, np.where(i > count, 0.0, alpha_i * later + beta_next * latest)
        )
        if 2 <= i <= len(locals_) + 1:  # (y_i's own rounding, made at step i - 1)
            rounding = rounding + np.abs(lam) * locals_[i - 2]
        if i <= 1:
            rounding = rounding + np.abs(lam) * starts[i]
        later, latest = lam, later
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.maximum(np.abs(result._stack[0]), scale)
        relative = np.where(rounding[0] == 0, 0.0, rounding[0] / size)
    return result, rounding + relative * np.abs(result._stack)


# Carlson's symmetric integrals. Their partials are integrals of the same kind,
#   J(a; b; c) = int_0^inf (t+a)^-3/2 (t+b)^-1/2 (t+c)^-3/2 dt  (symmetric in a, c),
#   K(a, b; c) = int_0^inf (t+a)^-1/2 (t+b)^-1/2 (t+c)^-5/2 dt,
# with R_D(x, y, z) = 3/2 int (t+x)^-1/2 (t+y)^-1/2 (t+z)^-3/2 dt:
#   dR_D/dx = -3/4 J(x; y; z),  dR_D/dz = -9/4 K(x, y; z),
#   J(a; b; c) = 2/3 (R_D(b, c, a) - R_D(a, b, c))/(c - a)   (partial fractions),
#   K(a, b; c) = (2 R_D(a, b, c) - a J(a; b; c) - b J(b; a; c))/(3c)   (R_D's homogeneity).
# J's difference cancels as a -> c; there (|c - a| < (a + c)/10) J is the series in
# h = (c - a)/2 about m = (a + c)/2 of ((t+m)^2 - h^2)^-3/2 (t+b)^-1/2:
#   J = sum_k (3/2)_k/k! h^2k T_(3+2k),
#   T_n = int (t+b)^-1/2 (t+m)^-n dt = m^(1/2-n)/(n - 1/2) 2F1(n - 1/2, 1/2; n + 1/2; 1 - b/m).
def _carlson_j(a: Any, b: Any, c: Any) -> Any:
    sc = _sc()
    j = 2 / 3 * (sc.elliprd(b, c, a) - sc.elliprd(a, b, c)) / (c - a)
    m, h = (a + c) / 2, (c - a) / 2
    near = np.abs(h) < m / 10
    if not np.any(near):
        return j
    m, h, b = (np.where(near, v, 1.0) for v in np.broadcast_arrays(m, h, b))
    series, weight = np.zeros_like(m), 1.0
    for k in range(12):  # (h/m)^2 <= 1/100: twelve terms leave ~1e-24
        n = 3 + 2 * k
        t = m ** (0.5 - n) / (n - 0.5) * sc.hyp2f1(n - 0.5, 0.5, n + 0.5, 1 - b / m)
        series = series + weight * h ** (2 * k) * t
        weight *= (1.5 + k) / (k + 1)
    return np.where(near, series, j)


def _carlson_k(a: Any, b: Any, c: Any) -> Any:
    # (a J(a; b; c) -> 0 as a -> 0, where J ~ a^-1/2: 0 there, not 0 inf)
    rd = _sc().elliprd(a, b, c)
    a_j = np.where(a == 0, 0.0, a * _carlson_j(a, b, c))
    b_j = np.where(b == 0, 0.0, b * _carlson_j(b, a, c))
    return (2 * rd - a_j - b_j) / (3 * c)


def _elliprf(f0: Any, x: Any, y: Any, z: Any) -> Arrays:
    # dR_F/dz = -R_D(x, y, z)/6 (each argument by symmetry); d2R_F/dz2 = 3/8 K(x, y; z),
    # d2R_F/dx dz = 1/8 J(x; y; z)
    rd = _sc().elliprd
    j, k = _carlson_j, _carlson_k
    gradient = (-rd(y, z, x) / 6, -rd(z, x, y) / 6, -rd(x, y, z) / 6)
    hessian = (
        3 / 8 * k(y, z, x),
        j(x, z, y) / 8,
        j(x, y, z) / 8,
        3 / 8 * k(z, x, y),
        j(y, x, z) / 8,
        3 / 8 * k(x, y, z),
    )
    return (*gradient, *hessian)


def _elliprc(f0: Any, x: Any, y: Any) -> Arrays:
    # R_C(x, y) = R_F(x, y, y): its partials summed along (x, y, y). Below y = 0 (scipy's
    # Cauchy principal value, where R_D is not defined), and where those are not finite
    # (y -> 0+), by the closed forms (which the principal value satisfies too), d = y - x:
    #   R_x = (R - x^-1/2)/(2d),  R_y = (x^1/2/y - R)/(2d),
    #   R_xx = (R_x + x^-3/2/2)/(2d) + R_x/d,  R_xy = R_y/(2d) - R_x/d,
    #   R_yy = -(x^1/2/y^2 + R_y)/(2d) - R_y/d
    f = _elliprf(f0, x, y, y)
    out = (f[0], 2 * f[2], f[3], 2 * f[5], 2 * f[7] + 2 * f[8])
    closed = ((y < 0) | ~np.all(np.isfinite(out), axis=0)) & np.isfinite(f0) & (x != y)
    if not np.any(closed):
        return out
    with np.errstate(all="ignore"):
        d, root = 2 * (y - x), np.sqrt(x)
        rx = (f0 - 1 / root) / d
        ry = (root / y - f0) / d
        forms = (
            rx,
            ry,
            (rx + 1 / (2 * x * root)) / d + 2 * rx / d,
            ry / d - 2 * rx / d,
            -(root / (y * y) + ry) / d - 2 * ry / d,
        )
    return tuple(np.where(closed, c, o) for c, o in zip(forms, out, strict=True))


def _elliprg(f0: Any, x: Any, y: Any, z: Any) -> Arrays:
    # dR_G/dz = (3 R_F - z R_D(x, y, z))/12, d2R_G/dz2 = -(x J(x; y; z) + y J(y; x; z))/16,
    # d2R_G/dx dz = (z J(x; y; z) - 2/3 R_D(y, z, x))/16 (each pair by symmetry)
    sc = _sc()
    rf, rd, j = sc.elliprf(x, y, z), sc.elliprd, _carlson_j
    gradient = tuple(
        (3 * rf - w * rd(u, v, w)) / 12 for u, v, w in ((y, z, x), (z, x, y), (x, y, z))
    )

    def cross(u: Any, v: Any, w: Any) -> Any:  # d2/du dw, v the third argument
        return (w * j(u, v, w) - 2 / 3 * rd(v, w, u)) / 16

    hessian = (
        -(y * j(y, z, x) + z * j(z, y, x)) / 16,
        cross(x, z, y),
        cross(x, y, z),
        -(z * j(z, x, y) + x * j(x, z, y)) / 16,
        cross(y, x, z),
        -(x * j(x, y, z) + y * j(y, x, z)) / 16,
    )
    return (*gradient, *hessian)


def _carlson_integrals(args: Arrays, exponents: Arrays, shifts: list[Arrays]) -> list[Any]:
    """int_0^inf prod_i (t + a_i)^-(e_i + s_i) dt for each shift s (the partials of Carlson's
    R_D, R_J: each derivative in a_i raises e_i by 1), by the trapezoid rule in v = log t,
    step 1/4, from 80 below log of the least positive argument to 30 above the largest: the
    integrand, analytic within pi of the real v axis (poles at t = -a_i), falls as e^(v/2)
    and e^(-3v/2) at the ends, so the sum is exact to rounding (mpmath's quadrature agrees
    within 3e-16). Nodes in blocks of 64 (memory). Divergent at a zero a_i where
    e_i + s_i >= 1: inf; nan where an argument is negative (scipy's principal values)."""
    a = [np.asarray(x, dtype=np.float64) for x in np.broadcast_arrays(*args)]
    positive = np.concatenate([x[(x > 0) & np.isfinite(x)].ravel() for x in a])
    low, high = (np.log(positive.min()), np.log(positive.max())) if positive.size else (0.0, 0.0)
    v = np.arange(low - 80, high + 30, 0.25)
    sums = [np.zeros(a[0].shape) for _ in shifts]
    for start in range(0, v.size, 64):
        t = np.exp(v[start : start + 64])
        tx = [t + x[..., None] for x in a]
        base = 0.25 * t * np.exp(-sum(e * np.log(u) for e, u in zip(exponents, tx, strict=True)))
        for k, shift in enumerate(shifts):
            term = base
            for u, n in zip(tx, shift, strict=True):
                term = term / u**n if n else term
            sums[k] += term.sum(axis=-1)
    for k, shift in enumerate(shifts):
        for x, e, n in zip(a, exponents, shift, strict=True):
            sums[k] = np.where((x == 0) & (e + n >= 1), np.inf, sums[k])
    return sums


def _carlson_partials(args: Arrays, exponents: Arrays) -> Arrays:
    """The gradient and the Hessian's upper triangle of R = 3/2 int prod (t + a_i)^-e_i dt:
    R_i = -3/2 e_i I(e + 1_i), R_ij = 3/2 e_i (e_j + [i = j]) I(e + 1_i + 1_j)."""
    n = len(args)
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    unit = np.eye(n, dtype=int)
    shifts = [tuple(unit[i]) for i in range(n)] + [tuple(unit[i] + unit[j]) for i, j in pairs]
    integrals = _carlson_integrals(args, exponents, shifts)
    gradient = [-1.5 * exponents[i] * integrals[i] for i in range(n)]
    hessian = [
        1.5 * exponents[i] * (exponents[j] + (i == j)) * integrals[n + k]
        for k, (i, j) in enumerate(pairs)
    ]
    return (*gradient, *hessian)


def _elliprd(f0: Any, x: Any, y: Any, z: Any) -> tuple[Any, ...]:
    # R_D = 3/2 int (t+x)^-1/2 (t+y)^-1/2 (t+z)^-3/2 dt: the gradient in closed form,
    # -3/4 J(x; y; z), -3/4 J(y; x; z), -9/4 K(x, y; z); the Hessian (integrals of one
    # more order, not among scipy's functions) by _carlson_integrals, on demand
    gradient = (
        -0.75 * _carlson_j(x, y, z),
        -0.75 * _carlson_j(y, x, z),
        -2.25 * _carlson_k(x, y, z),
    )
    hessian = functools.cache(lambda: _carlson_partials((x, y, z), (0.5, 0.5, 1.5))[3:])
    return (*gradient, *(functools.partial(lambda k: hessian()[k], k) for k in range(6)))


def _elliprj(f0: Any, x: Any, y: Any, z: Any, p: Any) -> Arrays:
    # R_J = 3/2 int (t+x)^-1/2 (t+y)^-1/2 (t+z)^-1/2 (t+p)^-1 dt. Its partials have closed
    # forms only as differences, (R_J - R_D(y, z, x))/(2 (p - x)) for x, which cancel as p
    # -> x: all by _carlson_integrals
    return _carlson_partials((x, y, z, p), (0.5, 0.5, 0.5, 1.0))


def _airye(value: Any, x: Any) -> tuple[Arrays, ...]:
    # airye (real x): Ai e^z, Ai' e^z with z = 2/3 x^(3/2); Bi e^(-z), Bi' e^(-z) (unscaled
    # below 0, where Ai's are nan). For y e^(s z), r = sqrt x: (y e)' = (y' e) + s r (y e),
    # (y e)'' = (y'' e) + 2 s r (y' e) + (s/(2r) + s^2 x)(y e), with Ai'' = x Ai. These cancel
    # for large x (Bi' e^-z - r Bi e^-z by x^(3/2), on scipy's values: up to ~1e-12 below 10);
    # past x = 10 the asymptotic series (DLMF 9.7.5-8; the other exponential is below
    # e^-2z < 1e-18 there), termwise:
    #   Ai e^z ~ x^(-1/4)/(2 sqrt pi) sum (-1)^k u_k z^-k,
    #   Ai' e^z ~ -x^(1/4)/(2 sqrt pi) sum (-1)^k v_k z^-k,
    #   Bi e^-z ~ x^(-1/4)/sqrt(pi) sum u_k z^-k,  Bi' e^-z ~ x^(1/4)/sqrt(pi) sum v_k z^-k
    eai, eaip, ebi, ebip = value
    r = np.sqrt(np.maximum(x, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):

        def scaled(s: Any, y: Any, y1: Any, y2: Any) -> Arrays:
            growth = np.where(s == 0, 0.0, s / (2 * r))  # (z'' = 1/(2r); unscaled: none)
            return y1 + s * r * y, y2 + 2 * s * r * y1 + (growth + s * s * x) * y

        s_bi = np.where(x > 0, -1.0, 0.0)
        out = [
            scaled(1.0, eai, eaip, x * eai),
            scaled(1.0, eaip, x * eai, eai + x * eaip),
            scaled(s_bi, ebi, ebip, x * ebi),
            scaled(s_bi, ebip, x * ebi, ebi + x * ebip),
        ]
    big = x > 10
    if np.any(big):
        t = np.broadcast_to(x, big.shape)[big]
        for i, series in enumerate(_airy_series(t)):
            out[i] = (_put(out[i][0], big, series[0]), _put(out[i][1], big, series[1]))
    return tuple(out)


def _airy_series(t: Any) -> list[Arrays]:
    """(f', f'') of airye's four outputs for t > 10 from DLMF 9.7.5-8 differentiated termwise:
    each is c sum_k w_k (3/2)^k t^(a - 3k/2), a = -1/4 or 1/4, w_k = (+-1)^k u_k or v_k,
    u_k = u_(k-1) (6k-5)(6k-3)(6k-1)/((2k-1) 216 k), v_k = -(6k+1)/(6k-1) u_k; up to 40 terms,
    until they are below 1e-17 of the sums."""
    root_pi = math.sqrt(math.pi)
    out = []
    for a, alternate, v_coefficients, scale in (  # Ai e^z, Ai' e^z, Bi e^-z, Bi' e^-z
        (-0.25, -1.0, False, 0.5),
        (0.25, -1.0, True, -0.5),
        (-0.25, 1.0, False, 1.0),
        (0.25, 1.0, True, 1.0),
    ):
        d1, d2 = np.zeros_like(t), np.zeros_like(t)
        u = 1.0
        for k in range(40):
            if k:
                u *= (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216 * k)
            w = -(6 * k + 1) / (6 * k - 1) * u if v_coefficients else u
            p = a - 1.5 * k
            term = alternate**k * w * 1.5**k * t ** (p - 1) * scale / root_pi
            a1, a2 = p * term, p * (p - 1) * term / t
            d1, d2 = d1 + a1, d2 + a2
            if np.all(np.abs(a1) <= 1e-17 * np.abs(d1)) and np.all(
                np.abs(a2) <= 1e-17 * np.abs(d2)
            ):
                break
        out.append((d1, d2))
    return out


def _mathieu(modified: bool, odd: bool) -> Callable[..., tuple[Arrays, Arrays]]:
    # (y, y') of Mathieu's equation y'' = -(a - 2q cos 2x) y (ce, se: scipy takes x in degrees,
    # its y' is d/dx in radians, so each x-derivative carries c = pi/180) or of the modified
    # y'' = (a - 2q cosh 2x) y (x in radians), a = mathieu_a(m, q) (even), mathieu_b (odd):
    # y: (c y', c^2 y''), y': (c y'', c^2 y'''), y''' = w' y + w y' for y'' = w y
    def rule(value: Any, m: Any, q: Any, x: Any) -> tuple[Arrays, Arrays]:
        sc = _sc()
        y, y1 = value
        a = (sc.mathieu_b if odd else sc.mathieu_a)(m, q)
        if modified:
            c, w, dw = 1.0, a - 2 * q * np.cosh(2 * x), -4 * q * np.sinh(2 * x)
        else:
            c = math.pi / 180
            t = c * x
            w, dw = -(a - 2 * q * np.cos(2 * t)), -4 * q * np.sin(2 * t)
        y2 = w * y
        return (c * y1, c * c * y2), (c * y2, c * c * (dw * y + w * y1))

    return rule


def _mathieu_in_q(odd: bool, kind: int = 0) -> Callable[..., tuple[Arrays, Arrays]]:
    # ce_m, se_m (mathieu_cem, mathieu_sem; kind 1, 2: the modified functions of that kind)
    # in q and x: in x as _mathieu; the partials with q from the Fourier series (the
    # Bessel-product series) with the characteristic value's parts (_characteristic),
    # computed only when q is a dual array
    in_x = _mathieu(kind > 0, odd)

    name = f"mathieu_{'mod' if kind else ''}{'sem' if odd else 'cem'}{kind or ''}"

    def rule(value: Any, m: Any, q: Any, x: Any) -> tuple[Arrays, Arrays]:
        if kind:
            partials = functools.partial(
                _characteristic.modified_mathieu_function, odd, kind, value, m, q, x
            )
        else:
            partials = functools.partial(_characteristic.mathieu_function, odd, value, m, q, x)
        check = functools.partial(_characteristic.check_range, name, "q", q, value[0], _MATHIEU_Q)
        return _with_x(in_x(value, m, q, x), partials, check)

    return rule


def _with_x(
    in_x: tuple[Arrays, Arrays], partials: Callable[[], Arrays], check: Callable[[], None]
) -> tuple[Arrays, Arrays]:
    """A rule's (f_p, f_x, f_pp, f_px, f_xx) of y and of y' = dy/dx (Mathieu's and the
    spheroidal functions: a parameter p and x) from in_x = ((y_x, y_xx), (y'_x, y'_xx))
    and partials() = (y_p, y_pp, y_px, y'_p, y'_pp, y'_px), computed once, after check(),
    where the first of them is needed (p a dual array)."""
    (y_x, y_xx), (yp_x, yp_xx) = in_x
    cached = functools.cache(partials)

    def part(i: int) -> Callable[[], Any]:
        def partial() -> Any:
            check()
            return cached()[i]

        return partial

    return (part(0), y_x, part(1), part(2), y_xx), (part(3), yp_x, part(4), part(5), yp_xx)


_MATHIEU_Q = 1e6  # (2000 rows)
_CV_CRASHES = 280.0  # pro_cv, obl_cv crash beyond (measured: 285 fine, 299 not)
_SPHEROIDAL_C = 1e3  # (1000 rows)


def _mathieu_characteristic(odd: bool) -> Callable[..., Arrays]:
    # a_m(q), b_m(q): eigenvalues of the Fourier coefficients' recurrences (_characteristic)
    def rule(f0: Any, m: Any, q: Any) -> Arrays:
        name = f"mathieu_{'b' if odd else 'a'}"
        _characteristic.check_range(name, "q", q, f0, _MATHIEU_Q)
        return _characteristic.mathieu_characteristic(odd, f0, m, q)

    return rule


def _wright_bessel(log: bool) -> Callable[..., Arrays]:
    # d/dx Phi(a, b, x) = Phi(a, a + b, x); log_wright_bessel: f1 = Phi(a, a+b)/Phi(a, b),
    # f2 = Phi(a, 2a+b)/Phi(a, b) - f1^2 (ratios through the logs: no overflow)
    # in a and b by the series on dual arrays (_wright_series)
    def rule(f0: Any, a: Any, b: Any, x: Any) -> Arrays:
        sc = _sc()
        if not log:
            in_x = sc.wright_bessel(a, a + b, x), sc.wright_bessel(a, 2 * a + b, x)
            return _with_parameters((2,), in_x, _wright_series, a, b, x)
        f1 = np.exp(sc.log_wright_bessel(a, a + b, x) - f0)
        in_x = f1, np.exp(sc.log_wright_bessel(a, 2 * a + b, x) - f0) - f1 * f1
        return _with_parameters((2,), in_x, functools.partial(_wright_series, log=True), a, b, x)

    return rule


_WRIGHT_TERMS = 20_000
_WRIGHT_SHAPE_LIMIT = 1e4


def _wright_series(a: Any, b: Any, x: Any, log: bool = False) -> Any:
    """Wright's Phi(a, b; x) = sum_k x^k / (k! Gamma(a k + b)) (or its log) as numpy code on
    dual arrays, at scipy's domain a, b, x >= 0: its terms are positive; each is
    e^(k log x - log k! - log Gamma(a k + b) - shift) (1/Gamma by rgamma below a k + b = 1,
    where Gamma may change sign or be infinite), shift the largest term's log, summed over
    k up to where the logs fall 40 below it. Its rounding is bounded as _bessel_in_v's (eps
    times the terms' magnitudes times their exponents' sizes) and must be within 1e-12 of
    each partial's size or the function's; elsewhere (or beyond 20000 terms) TypeError."""
    sc = _sc()
    name = "log_wright_bessel" if log else "wright_bessel"  # (the function called, in errors)
    av, bv, xv = (
        np.asarray(u, dtype=np.float64) for u in np.broadcast_arrays(*map(_values, (a, b, x)))
    )
    bad = ~((av >= 0) & (bv >= 0) & (xv >= 0) & np.isfinite(av + bv + xv))
    if np.any(~bad & (np.maximum(av, bv) > _WRIGHT_SHAPE_LIMIT)):
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name} in a and b only up to "
            f"{_WRIGHT_SHAPE_LIMIT:g} (the range its series is checked in)"
        )
    av, bv, xv = (np.where(bad, fill, u) for u, fill in ((av, 1.0), (bv, 1.0), (xv, 1.0)))
    with np.errstate(divide="ignore"):
        log_x = np.log(xv)

        def logs(k: Any) -> Any:  # (the terms' logs on plain values, -inf at 1/Gamma = 0)
            g = np.where(av * k + bv > 0, sc.gammaln(av * k + bv), np.inf)
            return np.where(k == 0, 0.0, k * log_x) - sc.gammaln(k + 1.0) - g

        count = 64
        while True:  # (the terms rise to their peak, then fall faster than geometrically)
            k = np.arange(count, dtype=np.float64).reshape((-1,) + (1,) * xv.ndim)
            values = logs(k)
            shift = np.max(values, axis=0)
            if np.all(values[-1] < shift - 40) or count > _WRIGHT_TERMS:
                break
            count *= 2
    if count > _WRIGHT_TERMS:
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name} in a and b only up to "
            f"{_WRIGHT_TERMS} terms of its series"
        )
    kk = k
    arg = a * kk + b
    small = av * kk + bv <= 1
    xs = np.where(bad, 1.0, x)
    power = np.where(kk == 0, 0.0, kk * np.log(xs))
    base = power - sc.gammaln(kk + 1.0) - shift
    safe = np.where(small, 2.0, arg)
    terms = np.where(
        small,
        np.exp(base) * sc.rgamma(np.where(small, arg, 1.0)),
        np.exp(base - sc.gammaln(safe)),
    )
    total = np.sum(terms, axis=0)
    rounding = 1 + np.abs(power.value if hasattr(power, "value") else power)
    rounding = (
        rounding
        + sc.gammaln(k + 1.0)
        + np.abs(np.where(small, 0.0, sc.gammaln(np.where(small, 2.0, av * k + bv))))
        + np.abs(shift)
    )
    bound = _EPS * np.sum(np.abs(terms._stack) * rounding, axis=1)
    size = np.maximum(np.abs(total._stack), np.abs(total.value))
    if not np.all((bound <= 1e-12 * size) | bad):
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name} in a and b only where its "
            "series' rounding is within 1e-12 of the partials' size"
        )
    out = np.log(total) + shift if log else total * np.exp(shift)
    return _nan_outside(~bad, out)


def _parabolic(kind: str) -> Callable[..., tuple[Arrays, ...]]:
    # (y, y') of y'' = q y: D_v, V_v (kind "d", "v": pbdv, pbvv): q = x^2/4 - v - 1/2;
    # W(a, x) (pbwa, "w"): q = a - x^2/4. In x, y: (y', q y); y': (q y, q' y + q y'); D and
    # V in their order v by their series on dual arrays (_parabolic_in_v)
    def rule(value: Any, v: Any, x: Any) -> tuple[Arrays, ...]:
        y, yp = value
        q, dq = (v - x * x / 4, -x / 2) if kind == "w" else (x * x / 4 - v - 0.5, x / 2)
        in_x = (yp, q * y), (q * y, dq * y + q * yp)
        in_v = _pbwa_in_a if kind == "w" else functools.partial(_parabolic_in_v, kind)
        return tuple(
            _with_parameters((1,), d, functools.partial(in_v, value, n), v, x)
            for n, d in enumerate(in_x)
        )

    return rule


_WEBER_TERMS = 1000


def _majorant(d: Any) -> Any:
    """A dual array with its planes' absolute values: sums and products of such arrays
    bound every plane of the same sums and products of the originals (triangle inequality)."""
    return type(d)._wrap(np.abs(d._stack))


def _pbwa_in_a(value: Any, output: int, a: Any, x: Any) -> Any:
    """W(a, x) (output 0) or W'(a, x) (output 1) as numpy code on dual arrays: W'' = (a -
    x^2/4) W integrated from 0 in N steps of h = x/N, |h| <= 1, by Taylor series
    (_weber_step), from W(a, 0) = 2^(-3/4) sqrt(G1/G3), W'(a, 0) = -2^(-1/4) sqrt(G3/G1),
    G1 = |Gamma(1/4 + ia/2)|, G3 = |Gamma(3/4 + ia/2)| (DLMF 12.14.6-7; the ratio by
    loggamma of complex dual arrays); scipy's value is nan beyond |a|, |x| <= 5 (its
    accurate region), and so are the parts. Its rounding bound over eps: each step's (its
    terms' majorant times 1 + 3n, plane by plane) and the start's (8 ulps), each times the
    sensitivity of the result to that step's state (the adjoint: products of the steps'
    transfer matrices, from the same series at the states (1, 0) and (0, 1)), plus the
    value's bound relative to the scale on every plane; within 1e-12 of each partial's
    size or the scale max(|W|, |W'|/sqrt|q|) (max(|W'|, |W| sqrt|q|) for W'), q = a -
    x^2/4, |q| at least 1, else TypeError (x beyond the turning point 2 sqrt(a) at a > 0,
    where W falls and the steps lose it). nan where scipy's value is not finite."""
    sc = _sc()
    y, yp = (np.asarray(u) for u in value)
    av, xv = np.broadcast_arrays(_values(a), _values(x))
    inside = np.isfinite(y) & np.isfinite(yp) & np.isfinite(av + xv)
    reach = np.sqrt(np.maximum(np.abs(av - xv * xv / 4), 1.0))
    scale = (
        np.maximum(np.abs(yp), np.abs(y) * reach)
        if output
        else np.maximum(np.abs(y), np.abs(yp) / reach)
    )
    a, x = np.where(inside, a, 0.5), np.where(inside, x, 0.5)
    one = a * 0 + x * 0 + 1
    ratio = np.exp(np.real(sc.loggamma(0.25 + 0.5j * a) - sc.loggamma(0.75 + 0.5j * a)) / 2)
    state = [one * (2**-0.75 * ratio), one * (-(2**-0.25) / ratio)]
    steps = max(1, math.ceil(np.max(np.abs(np.where(inside, xv, 0.0)), initial=0.0)))
    h = x / steps
    start = [8 * np.abs(u._stack) for u in state]
    roundings, transfers = [], []
    for j in range(steps):
        at = (a, j * h, h, inside)
        *state, size = _weber_step(*at, *state)
        roundings.append(size)
        columns = [_weber_step(*at, one, one * 0)[:2], _weber_step(*at, one * 0, one)[:2]]
        transfers.append([[_values(columns[k][i]) for k in (0, 1)] for i in (0, 1)])
    total = state[output]
    # adjoint: lam = d result / d state after each step, from the last step back
    lam = [np.full(np.shape(av), float(output == 0)), np.full(np.shape(av), float(output == 1))]
    bound = np.zeros_like(total._stack)
    for j in range(steps - 1, -2, -1):
        made = roundings[j] if j >= 0 else start  # (step j's rounding, or W, W' at 0's)
        bound = bound + np.abs(lam[0]) * made[0] + np.abs(lam[1]) * made[1]
        if j >= 0:
            t = transfers[j]
            lam = [lam[0] * t[0][0] + lam[1] * t[1][0], lam[0] * t[0][1] + lam[1] * t[1][1]]
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.maximum(np.abs(total._stack[0]), scale)
        relative = np.where(bound[0] == 0, 0.0, bound[0] / size)
    bound = bound + relative * np.abs(total._stack)
    bad = inside & ~_accurate(total, bound, scale)
    if bad.any():
        raise TypeError(
            "hyperdiff differentiates scipy.special.pbwa in its parameter a only where its "
            "Taylor series are accurate to 1e-12 of its size "
            f"(here a = {av[bad].flat[0]:g}, x = {xv[bad].flat[0]:g})"
        )
    return _nan_outside(inside, total)


def _weber_step(a: Any, x0: Any, h: Any, pending: Any, y: Any, yp: Any) -> tuple[Any, ...]:
    """One Taylor step of W'' = (a - x^2/4) W from x0 by h on dual arrays: W(x0 + t) =
    sum c_n t^n, c_0 = W, c_1 = W', (n + 2)(n + 1) c_(n+2) = (a - x0^2/4) c_n - x0/2 c_(n-1)
    - c_(n-2)/4; returns W(x0 + h), W'(x0 + h) and their rounding over eps (planes of both,
    stacked): the terms of the same series run on the planes' absolute values (_majorant,
    a bound of every coefficient's size), times 1 + 3n (a coefficient's roundings, n/2
    steps of four, and the power's n). Summed at `pending` while those terms exceed 1e-17
    of the bound (at most _WEBER_TERMS)."""
    q0, half = a - x0 * x0 / 4, x0 / 2
    big_q, big_half, big_h = _majorant(q0), _majorant(half), _majorant(h)
    c, big = [y, yp], [_majorant(y), _majorant(yp)]
    total, slope = y + yp * h, yp
    size = [np.abs(y._stack) + 4 * np.abs((big[1] * big_h)._stack), np.abs(yp._stack)]
    power, big_power = h, big_h  # (h^(n-1))
    done = ~pending
    for n in range(2, _WEBER_TERMS):
        if done.all():
            break
        m = n - 2
        step = q0 * c[m] - (half * c[m - 1] if m >= 1 else 0) - (c[m - 2] / 4 if m >= 2 else 0)
        big_step = big_q * big[m] + (big_half * big[m - 1] if m >= 1 else 0)
        big_step = big_step + (big[m - 2] / 4 if m >= 2 else 0)
        c.append(step / (n * (n - 1)))
        big.append(big_step / (n * (n - 1)))
        slope = slope + n * c[n] * power
        big_slope = np.abs((n * big[n] * big_power)._stack)
        power, big_power = power * h, big_power * big_h
        total = total + c[n] * power
        big_total = np.abs((big[n] * big_power)._stack)
        size = [size[0] + big_total * (1 + 3 * n), size[1] + big_slope * (1 + 3 * n)]
        small = (big_total <= 1e-17 * size[0]) & (big_slope <= 1e-17 * size[1])
        done |= np.all(small, axis=0)
    size = [np.where(done, u, np.inf) for u in size]
    return total, slope, np.stack(size)


def _parabolic_in_v(kind: str, value: Any, output: int, v: Any, x: Any) -> Any:
    """Output `output` of pbdv or pbvv (kind "d", "v"), y = D_v(x) or V_v(x) or its
    x-derivative (DLMF 12.8.3, 12.8.8 with U(a, x) = D_(-a-1/2)(x), V_v = V(-v-1/2, x))
      D_v' = x/2 D_v - D_(v+1),    V_v' = x/2 V_v - (v + 1) V_(v+1),
    as numpy code on dual arrays: at the order itself (_parabolic_at: the Kummer series, or
    hyperu or the connection formulas where they cancel), else both orders by the latter
    (_parabolic_far), else from the orders v - n, v - n + 1 in [-1/2, 3/2) by the
    recurrences in the order (_parabolic_by_order: where y oscillates, x^2/4 < v, for
    larger v the others cancel). TypeError where none is accurate to 1e-12 of each
    partial's size or y's scale:
    max(|y|, |y'|/sqrt(|q|)) (the envelope where y oscillates, q < 0; y''s max(|y'|,
    |y| sqrt(|q|))), |q| at least 1. nan where scipy's value is not finite."""
    name = f"pb{kind}v"
    y, yp = (np.asarray(u) for u in value)
    vv, xv = np.broadcast_arrays(_values(v), _values(x))
    inside = np.isfinite(y) & np.isfinite(yp) & np.isfinite(vv + xv)
    reach = np.sqrt(np.maximum(np.abs(xv * xv / 4 - vv - 0.5), 1.0))
    scale = (
        np.maximum(np.abs(yp), np.abs(y) * reach)
        if output
        else np.maximum(np.abs(y), np.abs(yp) / reach)
    )
    v, x = np.where(inside, v, 0.5), np.where(inside, x, 0.5)

    def evaluated(single: Callable[..., tuple[Any, Any]], pending: Any) -> tuple[Any, Any]:
        y0, b0 = single(kind, v, x, pending, name)
        if not output:
            return y0, b0
        y1, b1 = single(kind, v + 1, x, pending, name)
        c = 1.0 if kind == "d" else v + 1
        result = x / 2 * y0 - c * y1
        cd = (x * 0 + c)._stack
        bound = np.abs(xv) / 2 * b0 + np.abs(cd[0]) * b1 + b0[0] / 2 + np.abs(cd) * b1[0]
        return result, bound + 4 * np.abs(result._stack)

    # each way where the ones before it are not accurate (a refusal inside one, hyperu's:
    # the next): at the orders themselves, both by _parabolic_far (D, or x < 0), the
    # recurrence in v from small orders
    result, bound = evaluated(_parabolic_at, inside)
    left = inside & ~_accurate(result, bound, scale)
    for way in (_parabolic_far, _parabolic_by_order):
        if way is _parabolic_far and kind == "v":
            pending = left & (xv < 0)
        else:
            pending = left
        if not pending.any():
            continue
        try:
            other, other_bound = evaluated(way, pending)
        except TypeError:
            continue
        better = pending & _accurate(other, other_bound, scale)
        result = np.where(better, other, result)
        bound = np.where(better, other_bound, bound)
        left &= ~better
    bad = inside & ~_accurate(result, bound, scale)
    if bad.any():
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name} in its order v only where its "
            "series, hyperu in its parameters or the recurrence in v from them are accurate "
            f"to 1e-12 of its size (here v = {vv[bad].flat[0]:g}, x = {xv[bad].flat[0]:g})"
        )
    return _nan_outside(inside, result)


def _parabolic_scale(kind: str, v: Any, x: Any) -> Any:
    """max(|y|, |y'|/sqrt|q|) of D_v(x) or V_v(x) from scipy's values (q = x^2/4 - v - 1/2)."""
    with warnings.catch_warnings():  # (scipy's own warnings on its values stay its own)
        warnings.simplefilter("ignore", RuntimeWarning)
        y, yp = (_sc().pbdv if kind == "d" else _sc().pbvv)(v, x)
    reach = np.sqrt(np.maximum(np.abs(x * x / 4 - v - 0.5), 1.0))
    return np.maximum(np.abs(y), np.abs(yp) / reach)


def _parabolic_at(kind: str, v: Any, x: Any, pending: Any, name: str) -> tuple[Any, Any]:
    """D_v(x) or V_v(x) and its rounding bound over eps: by the Kummer series
    (_parabolic_kummer), or where they cancel beyond 1e-12 of the scale (_parabolic_scale),
    D at x > 0 and both at x < 0 by _parabolic_far."""
    result, bound = _parabolic_kummer(kind, v, x, pending)
    xv = _values(x)
    left = pending & ~_accurate(result, bound, _parabolic_scale(kind, _values(v), xv))
    if kind == "v":
        left &= xv < 0
    if left.any():
        try:
            far, far_bound = _parabolic_far(kind, v, x, left, name)
        except TypeError:  # (hyperu's refusal: the Kummer series' bound stands, and refuses)
            return result, bound
        result, bound = np.where(left, far, result), np.where(left, far_bound, bound)
    return result, bound


def _parabolic_by_order(kind: str, v: Any, x: Any, pending: Any, name: str) -> tuple[Any, Any]:
    """D_v(x) or V_v(x) from _parabolic_at at the orders s = v - n, s + 1, s in [-1/2, 1/2),
    by the recurrences in the order (DLMF 12.8.1, 12.8.6 with a = -k - 1/2)
      D_(k+1) = x D_k - k D_(k-1),    V_(k+1) = (x V_k - V_(k-1))/(k + 1),
    on dual arrays, with _three_term's rounding bound (up to 1000 steps)."""
    vv = _values(v)
    count = np.where(pending, np.maximum(np.floor(vv + 0.5), 0.0), 0.0)
    if np.any(count > _DEGREE_LIMIT):
        where = pending & (count > _DEGREE_LIMIT)
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name} in its order v only up to orders "
            f"of {_DEGREE_LIMIT} (here v = {vv[where].flat[0]:g})"
        )
    start = v - count
    (first, first_bound), (second, second_bound) = (
        _parabolic_at(kind, start + k, x, pending, name) for k in (0, 1)
    )

    def coefficients(i: int) -> tuple[Any, Any]:
        k = start + i
        return (x, -k) if kind == "d" else (x / (k + 1), -1 / (k + 1))

    scale = _parabolic_scale(kind, vv, _values(x))
    return _three_term(first, second, coefficients, count, (first_bound, second_bound), scale)


def _parabolic_kummer(kind: str, v: Any, x: Any, pending: Any) -> tuple[Any, Any]:
    """D_v(x) or V_v(x) (kind "d", "v") as y(0) u1 + y'(0) u2 on dual arrays (DLMF 12.4,
    12.2.6-7, 12.2.20-21, 12.7.12-13), z = x^2/2:
      u1 = e^(-x^2/4) 1F1(-v/2; 1/2; z),  u2 = x e^(-x^2/4) 1F1((1 - v)/2; 3/2; z),
      D_v(0) = sqrt(pi) 2^(v/2)/Gamma((1 - v)/2),  D_v'(0) = -sqrt(2 pi) 2^(v/2)/Gamma(-v/2),
      V_v(0) = -2^(-v/2) sin(pi v/2)/Gamma(1 + v/2),
      V_v'(0) = 2^((1 - v)/2) cos(pi v/2)/Gamma((1 + v)/2)
    (sin and cos by sindg/cosdg: exact zeros at integers), summed at `pending` with
    _hypergeometric_sum's rounding bounds added."""
    sc = _sc()
    one = v * 0 + x * 0 + 1
    if kind == "d":
        power = 2 ** (v / 2)
        at_0 = math.sqrt(math.pi) * power * sc.rgamma((1 - v) / 2)
        slope_0 = -_SQRT_2PI * power * sc.rgamma(-v / 2)
    else:
        power = 2 ** (-v / 2)
        at_0 = -power * sc.sindg(90 * v) * sc.rgamma(1 + v / 2)
        slope_0 = math.sqrt(2) * power * sc.cosdg(90 * v) * sc.rgamma((1 + v) / 2)
    z, gauss = x * x / 2, np.exp(-x * x / 4)
    even, even_bound = _hypergeometric_sum(one, at_0 * gauss, [-v / 2], [one * 0.5], z, pending)
    odd, odd_bound = _hypergeometric_sum(
        one, slope_0 * x * gauss, [(1 - v) / 2], [one * 1.5], z, pending
    )
    return even + odd, even_bound + odd_bound


def _parabolic_far(kind: str, v: Any, x: Any, pending: Any, name: str) -> tuple[Any, Any]:
    """D_v(x) or V_v(x) where the Kummer series cancel: D at x > 0 by _pbdv_far, both at
    x < 0 by the connection formulas of _parabolic_in_v (V_v(t) by its Kummer series, which
    do not cancel at t > 0: V grows there), with the rounding bounds of their terms."""
    sc = _sc()
    t = np.abs(x)
    far, far_bound = _pbdv_far(v, t, pending)
    if kind == "d" and not np.any(pending & (_values(x) < 0)):
        return far, far_bound
    grow, grow_bound = _parabolic_kummer("v", v, t, pending)
    cos = sc.cosdg(180 * v)
    if kind == "d":
        a, b = cos, math.pi * sc.rgamma(-v)
    else:
        a, b = -sc.sindg(180 * v) * sc.rgamma(v + 1), -cos
    mirrored = a * far + b * grow
    ad, bd = a._stack, b._stack
    bound = np.abs(ad[0]) * far_bound + np.abs(ad) * far_bound[0]
    bound = bound + np.abs(bd[0]) * grow_bound + np.abs(bd) * grow_bound[0]
    bound = bound + 8 * np.abs(mirrored._stack)
    negative = _values(x) < 0
    if kind == "d":
        return np.where(negative, mirrored, far), np.where(negative, bound, far_bound)
    return mirrored, np.where(negative, bound, np.inf)


def _pbdv_far(v: Any, t: Any, pending: Any) -> tuple[Any, Any]:
    """D_v(t), t > 0, on dual arrays: D_nu(t) = 2^(nu/2) e^(-t^2/4) U(-nu/2, 1/2, t^2/2)
    (DLMF 12.7.14; U by _hyperu_integral) at nu = v - n, nu + 1, n = ceil(v + 1/2) (so
    hyperu's a or 1 + a - b stays above 0.02), then up to v by D_(k+1) = t D_k - k D_(k-1)
    (DLMF 12.8.1; D_v(t) is its dominant solution as v grows: U(a, t)'s recurrence in a
    is minimal as a -> +inf), with _three_term's rounding bound from 64 ulps of the starts
    (hyperu's integral: a sum of positive terms)."""
    vv = _values(v)
    count = np.where(pending, np.maximum(np.ceil(vv + 0.5), 0.0), 0.0)
    t = np.where(pending, t, 1.0)
    nu = np.where(pending, v, -1.0) - count
    first, second = (  # (hyperu's TypeError where its integral is not accurate)
        2 ** (order / 2) * np.exp(-t * t / 4) * _hyperu_integral(-order / 2, t * 0 + 0.5, t * t / 2)
        for order in (nu, nu + 1)
    )
    starts = (64 * np.abs(first._stack), 64 * np.abs(second._stack))
    return _three_term(first, second, lambda i: (t, -(nu + i)), count, starts, 0.0)


# zeta in its exponent s (scipy has no function for d/ds): Euler-Maclaurin summation,
#   zeta(s, q) = sum_{k<N} (q+k)^-s + a^(1-s)/(s-1) + a^-s/2
#                + sum_j B_2j/(2j)! (s)_(2j-1) a^(-s-2j+1),       a = q + N,
# differentiated term by term in s (each term is a power of a times a rational function
# of s). N = 10 and the 12 terms of _BERNOULLI leave ~1e-19 for s > 0. Below s = 0 the
# sum and the integral term cancel (1e-14 relative at s = -0.25, 2e-13 at -1), so
# Riemann's zeta there comes from the functional equation zeta(s) = chi(s) zeta(1 - s),
# whose product rule cancels near s = 0 instead (chi ~ s, zeta(1 - s) ~ -1/s).
_EM_TERMS = 10


def _zeta_in_s(s: Any, q: Any, order: int = 2) -> tuple[Any, ...]:
    """(zeta, d/ds zeta, d2/ds2 zeta) at s > -1/4, q > 0 (Hurwitz; Riemann's at q = 1),
    to order: 1 leaves the second derivative out."""
    s, q = np.broadcast_arrays(np.asarray(s, dtype=np.float64), np.asarray(q, dtype=np.float64))
    t = q[..., None] + np.arange(_EM_TERMS)  # the summed points, on a last axis
    log_t = np.log(t)
    power = t ** -s[..., None]
    a = q + _EM_TERMS
    log_a = np.log(a)
    u = s - 1
    tail = a**-u / u  # the integral from a to infinity
    half = a**-s / 2
    value = power.sum(-1) + tail + half
    d1 = -(log_t * power).sum(-1) + tail * (-log_a - 1 / u) - log_a * half
    d2 = (log_t**2 * power).sum(-1) + tail * (log_a**2 + 2 * log_a / u + 2 / u**2) + log_a**2 * half
    rising = np.ones_like(s)  # (s)_(2j-1), with its first two derivatives by Leibniz
    rising_1 = np.zeros_like(s)
    rising_2 = np.zeros_like(s)
    for j, bernoulli in enumerate(_BERNOULLI, start=1):
        for i in range(2 * j - 3 if j > 1 else 0, 2 * j - 1):  # factors s+i not yet in
            factor = s + i
            rising_2 = rising_2 * factor + 2 * rising_1
            rising_1 = rising_1 * factor + rising
            rising = rising * factor
        weight = bernoulli / math.factorial(2 * j) * a ** (-s - 2 * j + 1)
        value = value + weight * rising
        d1 = d1 + weight * (rising_1 - log_a * rising)
        d2 = d2 + weight * (rising_2 - 2 * log_a * rising_1 + log_a**2 * rising)
    return (value, d1, d2)[: order + 1]


def _riemann_zeta_in_s(s: Any) -> tuple[Any, Any]:
    """(d/ds, d2/ds2) of Riemann's zeta(s) at every real s."""
    s = np.asarray(s, dtype=np.float64)
    direct = s >= -0.25
    _, d1, d2 = _zeta_in_s(np.where(direct, s, 1.5), 1.0)
    # zeta(s) = chi(s) Z(s), Z(s) = zeta(1 - s), chi = (2 pi)^s / pi sin(pi s / 2) Gamma(1 - s)
    r = np.where(direct, -1.0, s)
    z0, z1, z2 = _zeta_in_s(1 - r, 1.0)
    z1 = -z1  # d/ds zeta(1 - s)
    sc = _sc()
    log_2pi = math.log(2 * math.pi)
    power = np.exp(r * log_2pi) / math.pi
    sine, cosine = np.sin(np.pi * r / 2), np.cos(np.pi * r / 2)
    gamma = sc.gamma(1 - r)
    psi0, psi1 = sc.psi(1 - r), sc.polygamma(1, 1 - r)
    # the three factors' values and derivatives: A = power, S = sine, G = gamma
    a0, a1, a2 = power, power * log_2pi, power * log_2pi**2
    s0, s1, s2 = sine, np.pi / 2 * cosine, -((np.pi / 2) ** 2) * sine
    g0, g1, g2 = gamma, -gamma * psi0, gamma * (psi0**2 + psi1)
    chi0 = a0 * s0 * g0
    chi1 = a1 * s0 * g0 + a0 * s1 * g0 + a0 * s0 * g1
    chi2 = (
        a2 * s0 * g0 + a0 * s2 * g0 + a0 * s0 * g2
        + 2 * (a1 * s1 * g0 + a1 * s0 * g1 + a0 * s1 * g1)
    )  # fmt: skip
    reflected1 = chi1 * z0 + chi0 * z1
    reflected2 = chi2 * z0 + 2 * chi1 * z1 + chi0 * z2
    far, far1, far2 = _zeta_far(s, 1.0)
    return (
        np.where(far, far1, np.where(direct, d1, reflected1)),
        np.where(far, far2, np.where(direct, d2, reflected2)),
    )


def _zeta_far(s: Any, q: Any) -> Arrays:
    """(where, d/ds, d2/ds2) of zeta(s, q) where it is q^-s to the last bit (s > 1100 and
    s log1p(1/q) > 800: the next term (q + 1)^-s is below it by e^-800 or underflows):
    -log(q) q^-s and log(q)^2 q^-s (0 at q = 1; the series gave nan from s = 1e100 on)."""
    with np.errstate(all="ignore"):
        far = (s > 1100) & (s * np.log1p(1 / q) > 800)
        log_q = np.log(q)
        power = np.exp(-np.where(far, s, 0.0) * log_q)
        return (
            far,
            np.where(log_q == 0, 0.0, -log_q * power),
            np.where(log_q == 0, 0.0, log_q * log_q * power),
        )


def _hurwitz_zeta(f0: Any, s: Any, q: Any) -> Arrays:
    # in q: zeta(s, q) = sum_k (k + q)^-s: d/dq = -s zeta(s + 1, q), d2/dq2 = s (s + 1)
    # zeta(s + 2, q); d2/ds dq = -zeta(s + 1, q) - s d/ds zeta(s + 1, q). scipy's zeta(s, q)
    # is nan below s = 1, and so are these.
    sc = _sc()
    defined = (s > 1) & (q > 0)
    s_in, q_in = np.where(defined, s, 2.0), np.where(defined, q, 1.0)
    _, fs, fss = _zeta_in_s(s_in, q_in)
    _, fs_next = _zeta_in_s(s_in + 1, q_in, order=1)
    far, far_s, far_ss = _zeta_far(s, q)
    fs, fss = np.where(far, far_s, fs), np.where(far, far_ss, fss)
    fs_next = np.where(_zeta_far(s + 1, q)[0], _zeta_far(s + 1, q)[1], fs_next)
    zeta_next = sc.zeta(s + 1, q)
    fq, fqq = -s * zeta_next, s * (s + 1) * sc.zeta(s + 2, q)
    fsq = -zeta_next - s * fs_next
    nan = np.where(defined, 0.0, np.nan)
    return fs + nan, fq, fss + nan, fsq + nan, fqq


def _riemann_zeta(f0: Any, s: Any) -> Arrays:
    return _riemann_zeta_in_s(s)


# Spherical Bessel functions in z (n constant), for hyperdiff.special's spherical_jn, yn,
# in, kn (scipy's convert z with np.asarray first). y' is scipy's own (derivative=True); y'' and
# y''' come from the ODE  z^2 y'' + 2 z y' + (s z^2 - n(n+1)) y = 0  (s = 1 for j, y;
# -1 for the modified i, k), and for j and i near z = 0, where the ODE's terms divide
# by z and cancel, from their power series  sum_k s^k z^(n+2k) / (2^k k! (2n+2k+1)!!).
def _spherical_near_zero(n: Any, z: Any, sign: float, m: int) -> Any:
    """The m-th derivative of j_n (sign 1) or i_n (sign -1) for |z| < 1 (twelve terms)."""
    log_double_factorial = (n + 1) * math.log(2) + _sc().gammaln(n + 1.5) - math.log(math.pi) / 2
    coefficient = np.exp(-log_double_factorial)  # 1/(2n+1)!!
    out = np.zeros(np.broadcast_shapes(np.shape(n), np.shape(z)), dtype=np.result_type(z, 1.0))
    for k in range(12):
        power = n + 2 * k
        falling = np.ones_like(power, dtype=np.float64)
        for i in range(m):
            falling = falling * (power - i)
        with np.errstate(all="ignore"):
            term = falling * coefficient * z ** np.where(falling == 0, 0, power - m)
        out = out + np.where(falling == 0, 0.0, term)
        coefficient = coefficient * (-sign) / (2 * (k + 1) * (2 * n + 2 * k + 3))
    return out


def _spherical(name: str, sign: float, derivative: bool) -> Callable[..., Arrays]:
    """The rule of spherical_<name>(n, z, derivative) in z."""

    def rule(f0: Any, n: Any, z: Any) -> Arrays:
        sc = _sc()
        y = getattr(sc, f"spherical_{name}")(n, z)
        y1 = getattr(sc, f"spherical_{name}")(n, z, derivative=True)
        c = n * (n + 1.0)
        y2 = -2 * y1 / z - (sign - c / z**2) * y
        orders = (y2, 2 * y1 / z**2 - 2 * y2 / z - 2 * c / z**3 * y - (sign - c / z**2) * y1)
        if name in ("jn", "in"):  # regular at 0: the series below |z| = 1, where the
            # ODE's terms cancel (for n = 1 their 1/z^2 parts exactly)
            near = np.abs(z) < 1
            orders = tuple(
                np.where(near, _spherical_near_zero(n, z, sign, m), d)
                for m, d in ((2, orders[0]), (3, orders[1]))
            )
        return orders if derivative else (y1, orders[0])

    return rule


# Bessel functions in x with the order v constant, by the recurrences
#   C_v' = (C_{v-1} - C_{v+1})/2,  C_v'' = (C_{v-2} - 2 C_v + C_{v+2})/4   (J, Y)
#   I_v' = (I_{v-1} + I_{v+1})/2,  I_v'' = (I_{v-2} + 2 I_v + I_{v+2})/4
#   K_v' = -(K_{v-1} + K_{v+1})/2, K_v'' = (K_{v-2} + 2 K_v + K_{v+2})/4
# (no division by x, so exact at 0); the scaled ones by the product rule:
#   ive = iv e^-|x|: ive' = e^-|x| (I' - s I), ive'' = e^-|x| (I'' - 2 s I' + I), s = sign x
#   kve = kv e^x:    kve' = e^x (K' + K),       kve'' = e^x (K'' + 2 K' + K)
def _hankel_scaled(family: str, v: Any, x: Any) -> tuple[Any, Any, Any]:
    """ive or kve's first two derivatives where the recurrences' forms cancel (by x, x^2):
    real |x| > max(25, v^2/2) (ive; kve: v^2/4), from Hankel's expansions differentiated
    termwise,
      ive(v, x) ~ (2 pi x)^-1/2 sum_k (-1)^k a_k x^-k,  kve(v, x) ~ (pi/(2x))^1/2 sum_k a_k x^-k,
      a_k = a_{k-1} (4v^2 - (2k-1)^2)/(8k)
    (up to 50 terms, until they are below 1e-17 of the sums: at x = 25 the sums of f' and f''
    are within 1e-18 of the functions' for v <= 5; e^-2x, ive's other exponential, is below
    1e-21 there). ive at x < 0 (integer v): ive(v, x) = (-1)^v ive(v, -x).
    Returns (where, f1, f2 at those points)."""
    v = np.asarray(v, dtype=float)
    t = np.abs(x)
    # (past v^2/2 the first terms fall as 1/k! and ive's alternating sum's largest term is
    # below 10 times the sum; kve's terms keep one sign)
    big = (t > np.maximum(25.0, v * v / (2.0 if family == "i" else 4.0))) & np.isfinite(t)
    if family == "k":
        big &= x > 0
    if not np.any(big):
        return big, None, None
    vb = np.broadcast_to(v, big.shape)[big]
    xb = np.broadcast_to(x, big.shape)[big]
    tb = np.abs(xb)
    f1, f2 = _by_bands(
        tb, (0.0, 50.0, 200.0, np.inf), lambda m: _hankel_series(family, vb[m], tb[m])
    )
    if family == "i":  # the reflection: f'(x) = -(-1)^v g'(-x), f''(x) = (-1)^v g''(-x)
        parity = np.where(np.mod(vb, 2) == 1, -1.0, 1.0)
        f1, f2 = np.where(xb < 0, -parity * f1, f1), np.where(xb < 0, parity * f2, f2)
    return big, f1, f2


def _hankel_series(family: str, vb: Any, tb: Any) -> Arrays:
    a = np.full_like(tb, 1 / math.sqrt(2 * math.pi) if family == "i" else math.sqrt(math.pi / 2))
    u = 1 / tb
    w = np.sqrt(u) * u  # t^-(k + 3/2)
    f1, f2 = np.zeros_like(tb), np.zeros_like(tb)
    with np.errstate(under="ignore"):
        for k in range(50):
            a1 = a * (k + 0.5) * w
            a2 = a1 * (k + 1.5) * u
            f1, f2 = f1 - a1, f2 + a2
            if np.all(np.abs(a2) <= 1e-17 * np.abs(f2)) and np.all(
                np.abs(a1) <= 1e-17 * np.abs(f1)
            ):
                break
            a = a * (4 * vb * vb - (2 * k + 1) ** 2) / (8 * (k + 1))
            if family == "i":
                a = -a
            w = w * u
    return f1, f2


def _bessel(family: str, scaled: bool) -> Callable[..., Arrays]:
    # f'' is returned lazily (a function): first-order kinds never pay for C_{v-2}, C_{v+2}
    def rule(f0: Any, v: Any, x: Any) -> Arrays:
        sc = _sc()
        fn = {"j": sc.jv, "y": sc.yv, "i": sc.ive if scaled else sc.iv}.get(family)
        if family == "k":
            fn = sc.kve if scaled else sc.kv
        assert fn is not None
        m1, p1 = fn(v - 1, x), fn(v + 1, x)
        if family in "jy":
            return (m1 - p1) / 2, lambda: (fn(v - 2, x) - 2 * f0 + fn(v + 2, x)) / 4
        d1 = (m1 + p1) / 2 if family == "i" else -(m1 + p1) / 2

        def d2() -> Any:
            return (fn(v - 2, x) + 2 * f0 + fn(v + 2, x)) / 4

        if not scaled:
            return d1, d2
        e2: Callable[[], Any]
        if family == "i":
            s = np.sign(x.real) if np.iscomplexobj(x) else np.sign(x)
            e1, e2 = d1 - s * f0, lambda: d2() - 2 * s * d1 + f0
        else:
            e1, e2 = d1 + f0, lambda: d2() + 2 * d1 + f0
        if np.iscomplexobj(x):
            return e1, e2
        big, h1, h2 = _hankel_scaled(family, v, x)
        if h1 is None:
            return e1, e2
        return _put(e1, big, h1), lambda: _put(e2(), big, h2)

    return rule


def _bessel_both(family: str, scaled: bool, name: str) -> Callable[..., Arrays]:
    # jv, yv, iv, ive, kv, kve in (v, z): in z by the recurrences (_bessel), in the order v
    # (real z) by _bessel_k_in_v's quadrature (K) or _bessel_in_v's series and integrals,
    # run only for a dual v
    in_z = _bessel(family, scaled)

    def rule(f0: Any, v: Any, z: Any) -> Arrays:
        d1, d2 = in_z(f0, v, z)
        if family == "k":
            partial = functools.partial(_bessel_k_in_v, v, z, scaled)
        else:
            partial = functools.partial(_bessel_in_v, family, v, z, scaled, name)
        in_v = functools.cache(partial)
        v1, vv, vz = (functools.partial(lambda k: in_v()[k], k) for k in range(3))
        return v1, d1, vv, vz, d2

    return rule


def _bessel_k_in_v(v: Any, x: Any, scaled: bool) -> Arrays:
    """(K_v, K_vv, K_vx) of K_v(x) (e^x K_v(x) if scaled) at real x > 0 from
      K_v(x) = int_0^inf e^(-x cosh t) cosh(v t) dt  (DLMF 10.32.9),
    whose integrand and its partials in v (t sinh(v t), t^2 cosh(v t), times the same
    exponential) are positive for v >= 0 (K is even in v: odd partials change sign with
    v): the trapezoid rule on a HyperDualVec in (v, x), 200 steps over where the
    integrand is within e^-50 of its peak at sinh t = |v|/x (the integrand is even in t
    and analytic in a strip: the rule converges geometrically), scaled to scipy's value.
    x = 0 or a value that over- or underflows: nan or 0 partials with it."""
    from ._multivariate import hyperdualvec

    sc = _sc()
    if np.iscomplexobj(x):
        raise TypeError(
            "hyperdiff differentiates scipy.special.kv and kve in their order v only at real z"
        )
    v, x = (np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(v, x))
    value = (sc.kve if scaled else sc.kv)(v, x)
    inside = (x > 0) & (x < np.inf) & np.isfinite(v) & np.isfinite(value) & (value != 0)
    order, at = np.where(inside, np.abs(v), 0.0), np.where(inside, x, 1.0)
    peak = np.arcsinh(order / at)

    def log_integrand(t: Any) -> Any:
        return order * t - at * np.cosh(t)

    top = log_integrand(peak)
    offsets = (1e-3 * 2.0 ** np.arange(17)).reshape((-1,) + (1,) * v.ndim)  # to 65

    def end(direction: float) -> Any:
        t = np.maximum(peak + direction * offsets, 0.0)
        far = (log_integrand(t) <= top - 50) | (t == 0)
        return np.take_along_axis(t, np.argmax(far, axis=0)[None], axis=0)[0]

    start, stop = end(-1.0), end(1.0)
    steps = 200
    k = np.arange(steps + 1).reshape((-1,) + (1,) * v.ndim)
    h = (stop - start) / steps
    t = start + k * h
    weight = np.where((k == 0) & (start == 0), 0.5, 1.0) * h  # (t = 0: half, the even rule)
    seeds = np.stack([np.ones_like(order), np.zeros_like(order)])
    nu: Any = hyperdualvec(order, seeds)
    xx: Any = hyperdualvec(at, seeds[::-1])
    shift = top + at if scaled else top  # (the peak's exponent: its terms near 1)
    exponent = -xx * np.cosh(t) - shift + (xx if scaled else 0.0)
    total = np.sum((np.exp(nu * t + exponent) + np.exp(-nu * t + exponent)) / 2 * weight, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = total * np.where(inside, value / total.value, 1.0)
    odd = np.where(v < 0, -1.0, 1.0)  # d/dv of an even function of v
    partials = (odd * total._stack[1], total._stack[3], odd * total._stack[4])
    known = np.where(value == 0, 0.0, np.nan)
    return tuple(np.where(inside, p, known) for p in partials)


# Bessel functions in their order v (real x > 0), on a HyperDualVec in (v, x) whose planes
# are the partials; each point by whichever of two representations is accurate there:
#   the power series (J, I; v > -1)  C_v(x) = sum_k s^k (x/2)^(2k+v) / (k! Gamma(k+v+1)),
#     s = -1 (J), 1 (I) (DLMF 10.2.2, 10.25.2),
#   Schlaefli's integrals (DLMF 10.9.6, 10.9.7, 10.32.4), for every real v:
#     J_v = 1/pi int_0^pi cos(x sin t - v t) dt - sin(v pi)/pi int_0^inf e^(-x sinh t - v t) dt
#     Y_v = 1/pi int_0^pi sin(x sin t - v t) dt
#           - 1/pi int_0^inf (e^(v t) + cos(v pi) e^(-v t)) e^(-x sinh t) dt
#     I_v = 1/pi int_0^pi e^(x cos t) cos(v t) dt - sin(v pi)/pi int_0^inf e^(-x cosh t - v t) dt
#   by composite 32-point Gauss-Legendre rules (the finite integrals: a panel per 8 radians
#   of phase x + |v|; the infinite ones: 4 panels on each of [0, t*] and [t*, T], t* the
#   exponent's peak, T where it is e^-50 below).
#   Hankel's expansions for x > max(25, v^2/4) (_bessel_hankel_v).
# Each plane's rounding is bounded by eps times the sum of its terms' magnitudes, each
# weighed by 1 + the size of the arguments rounded in it (the phase x sin t - v t of size
# up to x + pi |v|, the exponents, the series' log of its first term and its steps): a point
# is taken where that bound is below 1e-12 of the plane's scale (its own size, or the
# function's: sqrt(J^2 + Y^2) for J and Y beyond x = |v|, where they oscillate and cross
# zero, else |C_v(x)|). Where neither
# representation is (J_v(x) exponentially small: x < v, both large; the phase's rounding
# beyond 1e-12 of the function's size, x + pi |v| beyond ~100 for J and Y, where Hankel's
# expansion does not reach, x < v^2/4): TypeError.
_BESSEL_V_TOLERANCE = 1e-12


@functools.cache
def _gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(n)


def _panels(a: Any, b: Any, count: int) -> tuple[Any, Any]:
    """Nodes and weights of `count` 32-point Gauss-Legendre panels splitting [a, b] per point
    (axis 0: nodes; numpy's rules of a few hundred points lose 1e-14 in their weights)."""
    t, w = _gauss_legendre(32)
    edges = np.arange(count).reshape(-1, 1) + (t.reshape(1, -1) + 1) / 2
    shape = (-1,) + (1,) * np.ndim(a)
    width = (b - a) / count
    nodes = a + width * edges.reshape(shape)
    weights = width / 2 * np.broadcast_to(w, (count, 32)).reshape(shape)
    return nodes, weights


def _summed(integrand: Any, weight: Any, rounding: Any) -> tuple[Any, Any]:
    """(sum of integrand * weight over axis 0, the bound on its planes' rounding in units of
    eps: each term's magnitude times 1 + the size of the arguments rounded in it)."""
    terms = integrand * weight
    return np.sum(terms, axis=0), np.sum(np.abs(terms._stack) * (1 + rounding), axis=1)


def _bessel_series_v(
    family: str, nu: Any, at: Any, pending: Any, damping: Any
) -> tuple[Any, Any, Any]:
    """The power series of J or I on dual (v, x) times e^-shift, shift its first term's
    log (a constant), times damping (ive's e^(x0 - x), or 1); (sum, its planes' rounding
    bound, shift), summed at `pending` points."""
    sc = _sc()
    v0, x0 = nu.value, at.value
    half = at / 2
    log_half, log_gamma = v0 * np.log(x0 / 2), sc.gammaln(v0 + 1)
    shift = log_half - log_gamma
    term = np.exp(nu * np.log(half) - sc.gammaln(nu + 1) - shift + damping)
    total, magnitude = term, np.abs(term._stack)
    square = half * half * (-1.0 if family == "j" else 1.0)
    converging, k = _Convergence(pending), 0
    while converging.running():
        k += 1
        term = term * square / (k * (nu + k))
        total = total + term
        magnitude = magnitude + np.abs(term._stack) * (1 + 4 * k)  # (4 roundings a step)
        converging.update(term, total)
    # (the first term's exponent rounds to eps times its parts' sizes: a relative error all
    # terms share)
    common = 1 + np.abs(log_half) + np.abs(log_gamma) + 2 * np.abs(x0)
    magnitude = magnitude + common * np.abs(total._stack)
    return total, np.where(converging.done, magnitude, np.inf), shift


def _bessel_integral_v(family: str, nu: Any, at: Any, damping: Any) -> tuple[Any, Any, Any]:
    """Schlaefli's integrals of J, Y or I on dual (v, x) (x > 0) times e^-shift, shift the
    largest exponent (a constant), times damping (ive's e^(x0 - x), or 1); (sum, its
    planes' rounding bound, shift)."""
    v0, x0 = nu.value, at.value
    # the infinite integrals' exponents c v t - x g(t): (c, g) and their coefficients
    sine = np.sin(np.pi * nu) / np.pi
    g: Callable[[Any], Any] = np.cosh if family == "i" else np.sinh
    tails: list[tuple[float, Callable[[Any], Any], Any]] = [(-1.0, g, -sine)]
    if family == "y":
        tails = [(1.0, g, -1 / np.pi), (-1.0, g, -np.cos(np.pi * nu) / np.pi)]
    peaks, tops = [], []
    for c, g, _ in tails:
        ratio = c * v0 / x0
        peak = (  # (where c v = x g'(t))
            np.arcsinh(np.maximum(ratio, 0.0))
            if family == "i"
            else np.arccosh(np.maximum(ratio, 1.0))
        )
        peaks.append(peak)
        tops.append(c * v0 * peak - x0 * g(peak))
    shift = np.maximum(np.max(tops, axis=0), x0 if family == "i" else 0.0)
    extra = 2 * np.abs(x0) if family == "i" else 0.0  # (ive's damping: x's rounding)
    # the finite integral: a panel per 8 radians of phase
    count = 1 + int(np.max(x0 + np.abs(v0), initial=0.0) // 8)
    theta, weight = _panels(np.zeros_like(x0), np.full_like(x0, np.pi), count)
    if family == "i":
        inner = np.exp(at * np.cos(theta) - shift + damping) * np.cos(nu * theta)
        rounding = 2 * x0 + np.abs(v0) * theta + extra
    else:
        phase = at * np.sin(theta) - nu * theta
        inner = (np.cos(phase) if family == "j" else np.sin(phase)) * np.exp(-shift)
        rounding = x0 + np.abs(v0) * theta + np.abs(shift)
    total, magnitude = _summed(inner, weight / np.pi, rounding)
    unbounded = np.zeros(x0.shape, dtype=bool)
    offsets = (1e-3 * 2.0 ** np.arange(22)).reshape((-1,) + (1,) * x0.ndim)  # to 2100
    for (c, g, coefficient), peak, top in zip(tails, peaks, tops, strict=True):
        t = peak + offsets
        far = c * v0 * t - x0 * g(t) <= top - 50
        stop = np.take_along_axis(t, np.argmax(far, axis=0)[None], axis=0)[0]
        unbounded |= ~far.any(axis=0)
        for a, b in ((np.zeros_like(peak), peak), (peak, stop)):
            nodes, w = _panels(a, b, 4)
            exponent = c * nu * nodes - at * g(nodes) - shift + damping
            rounding = np.abs(v0 * nodes) + x0 * g(nodes) + np.abs(shift) + np.pi * np.abs(v0)
            part, size = _summed(np.exp(exponent) * coefficient, w, rounding + extra)
            total, magnitude = total + part, magnitude + size
    return total, np.where(unbounded, np.inf, magnitude), shift


# 2 pi in three parts (30, 30 and 53 bits: k c1 and k c2 exact for k < 2^23), for x - 2 pi k
_TWO_PI = (6.283185303211212, 3.9683743166540886e-09, 2.068073192717642e-18)


def _reduced(x: Any) -> Any:
    """x - 2 pi k, k = round(x / 2 pi), to an ulp of the result (Cody and Waite), x < 5e7."""
    k = np.round(x / (2 * np.pi))
    return ((x - k * _TWO_PI[0]) - k * _TWO_PI[1]) - k * _TWO_PI[2]


def _bessel_hankel_v(family: str, nu: Any, at: Any, damping: Any) -> tuple[Any, Any, Any]:
    """Hankel's expansions (DLMF 10.17.3, 10.17.4, 10.40.1) on dual (v, x), for large x:
      J_v = sqrt(2/(pi x)) (P cos w - Q sin w),  Y_v = sqrt(2/(pi x)) (P sin w + Q cos w),
      e^-x I_v ~ (2 pi x)^-1/2 sum_k (-1)^k a_k / x^k  (+ e^-2x terms, below 1e-21 at x > 25),
      P = sum_k (-1)^k a_2k / x^2k, Q = sum_k (-1)^k a_2k+1 / x^2k+1,
      a_k = a_(k-1) (4v^2 - (2k-1)^2) / (8k),  w = x - (v/2 + 1/4) pi,
    with x - 2 pi k reduced exactly (_reduced) so that w rounds to eps (|v| + 1), not eps x.
    Summed while the terms fall and are above 1e-17 of the sums (the remainder, for
    k >= v - 1/2, is below the first omitted term: DLMF 10.17(iii)); (sum, its rounding
    bound plus the omitted term over eps, shift 0)."""
    v0, x0 = nu.value, at.value
    mu = 4 * nu * nu
    term = at * 0 + 1  # a_k / x^k
    even, odd = term, term * 0
    sign = -1.0 if family == "i" else 1.0
    alternating = term  # (I's sum)
    magnitude = np.abs(term._stack)
    active = np.ones(x0.shape, dtype=bool)
    last = np.abs(term._stack)
    omitted = np.zeros_like(last)
    for k in range(1, 200):
        step = term * (mu - (2 * k - 1) ** 2) / (8 * k * at)
        size = np.abs(step._stack)
        falling = (np.sum(size, axis=0) <= np.sum(last, axis=0)) | (k < np.abs(v0) + 0.5)
        small = np.all(
            size
            <= 1e-17 * np.abs(alternating._stack if family == "i" else even._stack + odd._stack)
            + 1e-300,
            axis=0,
        )
        stop = active & (~falling | small)
        omitted = np.where(stop, size, omitted)
        active &= ~stop
        if not active.any():
            break
        term = np.where(active, step, term)
        if family == "i":
            alternating = np.where(active, alternating + sign**k * step, alternating)
        elif k % 2 == 0:
            even = np.where(active, even + (-1.0) ** (k // 2) * step, even)
        else:
            odd = np.where(active, odd + (-1.0) ** (k // 2) * step, odd)
        magnitude = magnitude + np.where(active, size, 0.0) * (1 + 4 * k)
        last = np.where(active, size, last)
    omitted = np.where(active, np.inf, omitted)
    if family == "i":  # (I = e^x S / sqrt(2 pi x): e^(x - x0) in the sum, e^x0 the shift)
        total = alternating * np.exp(at - x0 + damping) / np.sqrt(2 * np.pi * at)
        factor = 1 / np.sqrt(2 * np.pi * x0)
        return total, factor * (magnitude * 8 + omitted / _EPS), x0
    phase = (at - x0) + _reduced(x0) - (nu / 2 + 0.25) * np.pi
    cos, sin = np.cos(phase), np.sin(phase)
    if family == "j":
        inner = even * cos - odd * sin
    else:
        inner = even * sin + odd * cos
    total = inner * np.sqrt(2 / (np.pi * at))
    factor = np.sqrt(2 / (np.pi * x0))
    rounding = 8 + np.pi * np.abs(v0)
    return total, factor * (magnitude * rounding + omitted / _EPS), np.zeros_like(x0)


def _bessel_in_v(family: str, v: Any, x: Any, scaled: bool, name: str) -> Arrays:
    """(C_v, C_vv, C_vx) of jv, yv, iv (ive if scaled) at real x > 0 (see above); nan
    where scipy's value is nan, inf or x <= 0, 0 where it underflows to 0 (x > 0)."""
    from ._multivariate import hyperdualvec

    sc = _sc()
    if np.iscomplexobj(x):
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name} in its order v only at real z"
        )
    v, x = (np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(v, x))
    fn = {"j": sc.jv, "y": sc.yv, "i": sc.ive if scaled else sc.iv}[family]
    value = fn(v, x)
    inside = (x > 0) & (x < np.inf) & np.isfinite(v) & np.isfinite(value) & (value != 0)
    scale = np.abs(value)
    if family != "i":  # (J and Y oscillate, and cross 0, beyond x = |v| only)
        scale = np.where(x > np.abs(v), np.hypot(sc.jv(v, x), sc.yv(v, x)), scale)
    seeds = np.stack([np.ones_like(v), np.zeros_like(v)])
    best = np.full((6, *v.shape), np.nan)
    left = inside.copy()
    methods = ("series", "integral", "hankel") if family in "ji" else ("integral", "hankel")
    for method in methods:
        todo = left & (v > -1) if method == "series" else left.copy()
        if method == "hankel":
            todo = todo & (x > 25) & (x > v * v / 4) & (x < 5e7)
        if method == "series" and family == "j":
            todo = todo & (x * x < 200 + 16 * (v + 1))  # (beyond: its terms cancel)
        if not todo.any():
            continue
        nu: Any = hyperdualvec(np.where(todo, v, 0.5), seeds)
        at: Any = hyperdualvec(np.where(todo, x, 1.0), seeds[::-1])
        damping = at.value - at if scaled else 0.0  # (ive = e^-x I: e^(x0 - x) e^-x0)
        if method == "series":
            total, magnitude, shift = _bessel_series_v(family, nu, at, todo, damping)
        elif method == "integral":
            total, magnitude, shift = _bessel_integral_v(family, nu, at, damping)
        else:
            total, magnitude, shift = _bessel_hankel_v(family, nu, at, damping)
        if scaled:
            shift = shift - at.value
        # (not scaled to scipy's value: J and Y cross 0, where their value's rounding is
        # not their parts')
        factor = np.exp(np.where(todo, shift, 0.0))
        planes = total._stack * factor
        bound = _EPS * magnitude * factor
        scales = np.maximum(np.abs(planes), scale)
        good = todo & np.all(bound <= _BESSEL_V_TOLERANCE * scales, axis=0)
        # and its value scipy's to the same tolerance: the bound is the rounding's, not the
        # rules' truncation (Y's tail integral at x = 1e-108, v = 1e-68, a cliff at
        # t = asinh(1/x) between Gauss nodes: Y off by 3e-4, its v-partial -2.89 for -1.571)
        good &= np.abs(planes[0] - value) <= _BESSEL_V_TOLERANCE * scale
        best = np.where(good, planes, best)
        left &= ~good
    if left.any():
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name} in its order v only where its "
            "power series, Schlaefli's integral or Hankel's expansion is accurate to 1e-12 of "
            "its size: not where J is exponentially small (x < v, both large), nor where the "
            "integral's phase x + pi |v| (J, Y) or I's cancellation leaves more rounding and "
            "x < v^2/4 (x and v both large) "
            f"(here v = {v[left].flat[0]:g}, x = {x[left].flat[0]:g})"
        )
    known = np.where((value == 0) & (x > 0), 0.0, np.nan)
    return tuple(np.where(inside, best[p], known) for p in (1, 3, 4))


def _hankel(kind: int, scaled: bool) -> Callable[..., Arrays]:
    # H_v' = (H_{v-1} - H_{v+1})/2, H_v'' = (H_{v-2} - 2 H_v + H_{v+2})/4 (as J's); the scaled
    # e = H e^(sz), s = -i (H^(1)) or i (H^(2)): e' = D1 + s e, e'' = D2 + 2 s D1 - e with D1,
    # D2 the recurrences on the scaled values (f'' lazily, as _bessel's)
    def rule(f0: Any, v: Any, z: Any) -> Arrays:
        fn = getattr(_sc(), f"hankel{kind}{'e' if scaled else ''}")
        d1 = (fn(v - 1, z) - fn(v + 1, z)) / 2

        def d2() -> Any:
            return (fn(v - 2, z) - 2 * f0 + fn(v + 2, z)) / 4

        s = -1j if kind == 1 else 1j
        in_v = functools.cache(functools.partial(_hankel_in_v, kind, scaled, v, z))
        v1, vv, vz = (functools.partial(lambda k: in_v()[k], k) for k in range(3))
        if not scaled:
            return v1, d1, vv, vz, d2
        return v1, d1 + s * f0, vv, vz, lambda: d2() + 2 * s * d1 - f0

    return rule


def _hankel_in_v(kind: int, scaled: bool, v: Any, z: Any) -> Arrays:
    """(H_v, H_vv, H_vz) of H = J + i Y (kind 1) or J - i Y at real z from J's and Y's
    (_bessel_in_v); the scaled e = H e^(sz): e_v = H_v e^(sz), e_vv = H_vv e^(sz),
    e_vz = (H_vz + s H_v) e^(sz), s = -i (kind 1) or i."""
    name = f"hankel{kind}{'e' if scaled else ''}"
    sign = 1j if kind == 1 else -1j
    j, y = (_bessel_in_v(f, v, z, False, name) for f in "jy")
    h = [a + sign * b for a, b in zip(j, y, strict=True)]
    if not scaled:
        return tuple(h)
    s = -sign
    e = np.exp(s * np.asarray(z))
    return h[0] * e, h[1] * e, (h[2] + s * h[0]) * e


# The fixed-order functions j0, j1, y0, y1, i0, i1, k0, k1 and the scaled i0e, i1e, k0e,
# k1e from their own (fast) ufuncs, C_0 and C_1, and the order-0/1 closed forms
#   J0' = -J1,          J0'' = J1/x - J0;    J1' = J0 - J1/x,  J1'' = 2J1/x^2 - J0/x - J1
#   I0' = I1,           I0'' = I0 - I1/x;    I1' = I0 - I1/x,  I1'' = 2I1/x^2 - I0/x + I1
#   K0' = -K1,          K0'' = K0 + K1/x;    K1' = -K0 - K1/x, K1'' = 2K1/x^2 + K0/x + K1
# (Y as J; C1/x = 1/2 at x = 0 for J and I). J1'' and I1'' cancel near 0, where
# (|x| < 1) their series sum_k (+-1)^k (2k+1)(2k) x^(2k-1) / (2^(2k+1) k! (k+1)!) is used.
# The forms are linear in C, so on the scaled values they give e^-|x| I^(k) and
# e^x K^(k), and the product rule the scaled functions' derivatives:
#   ive' = D1 - s ive, ive'' = D2 - 2 s D1 + ive (s = sign x);  kve' = D1 + kve, ...
def _order_one_series(x: Any, sign: float) -> Any:
    t = np.where(np.abs(x) < 1, x, 0.0)
    out = np.zeros_like(t)
    for k in range(12, 0, -1):  # Horner in t^2, then one factor t
        scale = 2 ** (2 * k + 1) * math.factorial(k) * math.factorial(k + 1)
        c = sign**k * (2 * k + 1) * (2 * k) / scale
        out = out * t * t + c
    return out * t


def _fixed_bessel(family: str, order: int, scaled: bool = False) -> Callable[..., Arrays]:
    def rule(f0: Any, x: Any) -> Arrays:
        sc = _sc()
        first, second = {
            "j": (sc.j0, sc.j1),
            "y": (sc.y0, sc.y1),
            "i": (sc.i0e, sc.i1e) if scaled else (sc.i0, sc.i1),
            "k": (sc.k0e, sc.k1e) if scaled else (sc.k0, sc.k1),
        }[family]
        c0, c1 = first(x), second(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = c1 / x
            if family in "ji":
                r = np.where(x == 0, 0.5, r)
            if family in "jy":
                d1, d2 = (-c1, r - c0) if order == 0 else (c0 - r, 2 * r / x - c0 / x - c1)
            elif family == "i":
                d1, d2 = (c1, c0 - r) if order == 0 else (c0 - r, 2 * r / x - c0 / x + c1)
            else:
                d1, d2 = (-c1, c0 + r) if order == 0 else (-c0 - r, 2 * r / x + c0 / x + c1)
            if order == 1 and family in "ji":
                near = np.abs(x) < 1
                series = _order_one_series(x, -1.0 if family == "j" else 1.0)
                if scaled:
                    series = series * np.exp(-np.abs(x))
                d2 = np.where(near, series, d2)
        c = c0 if order == 0 else c1
        if not scaled:
            return d1, d2
        if family == "i":
            s = np.sign(x)
            d1, d2 = d1 - s * c, d2 - 2 * s * d1 + c
        else:
            d1, d2 = d1 + c, d2 + 2 * d1 + c
        big, h1, h2 = _hankel_scaled(family, np.float64(order), x)
        if h1 is not None:
            d1, d2 = _put(d1, big, h1), _put(d2, big, h2)
        return d1, d2

    return rule


# --- inverses of the distribution functions, by _inverse or the implicit function theorem ---


def _solved(fx: Any, fy: Any, fxx: Any, fxy: Any, fyy: Any) -> Arrays:
    """The partials of x(p, y) solving F(x, y) = p, from F's partials at the solution:
    x_p = 1/F_x, x_y = -F_y/F_x, x_pp = -F_xx x_p^3, x_py = -(F_xx x_y + F_xy) x_p^2,
    x_yy = -(F_xx x_y^2 + 2 F_xy x_y + F_yy)/F_x (as (fx, fy, fxx, fxy, fyy) in p, y)."""
    x_p = 1 / fx
    x_y = -fy * x_p
    return (
        x_p,
        x_y,
        -fxx * x_p * x_p * x_p,
        -(fxx * x_y + fxy) * x_p * x_p,
        -(fxx * x_y * x_y + 2 * fxy * x_y + fyy) * x_p,
    )


def _of_product(partials: Arrays, a: Any, x: Any) -> Arrays:
    """The partials in (a, s, x) of H(s, a x) from H's (H_s, H_y, H_ss, H_sy, H_yy) at
    (s, a x), those in s as functions: F_a = x H_y, F_x = a H_y, F_aa = x^2 H_yy,
    F_as = x H_sy, F_ax = H_y + a x H_yy, F_sx = a H_sy, F_xx = a^2 H_yy."""
    h_s, h_y, h_ss, h_sy, h_yy = partials
    sy = h_sy if callable(h_sy) else lambda: h_sy
    return (
        x * h_y,
        h_s,
        a * h_y,
        x * x * h_yy,
        lambda: x * sy(),
        h_y + a * x * h_yy,
        h_ss,
        lambda: a * sy(),
        a * a * h_yy,
    )


def _ncx2_density(x: Any, k: Any, nc: Any) -> Any:
    """The noncentral chi-squared density (1/2) e^(-(x + nc)/2) (x/nc)^(v/2) I_v(sqrt(nc x)),
    v = k/2 - 1: as e^(-(sqrt x - sqrt nc)^2/2) ive (no overflow), and where q = nc x/4 is
    below (v + 1)/4 (ive underflows there for large v, and nc = 0 is the central density) by
    I_v's series in log form: (1/2) exp(-(x + nc)/2 + v log(x/2) - log Gamma(v + 1)) sum_j t_j,
    t_0 = 1, t_j = t_(j-1) q/(j (j + v)) (ratios below 1/4: 30 terms)."""
    sc = _sc()
    v = k / 2 - 1
    q = nc * x / 4
    bessel = np.exp(-((np.sqrt(x) - np.sqrt(nc)) ** 2) / 2 + v / 2 * (np.log(x) - np.log(nc)))
    bessel = bessel * sc.ive(v, np.sqrt(nc * x)) / 2
    near = q < (v + 1) / 4
    if not np.any(near):
        return bessel
    term, total = np.ones_like(q), np.ones_like(q)
    for n in range(1, 31):
        term = term * q / (n * (n + v))
        total = total + term
    log_head = -(x + nc) / 2 + sc.xlogy(v, x / 2) - sc.gammaln(v + 1)
    return np.where(near, np.exp(log_head) * total / 2, bessel)


def _ncx2_partials(x: Any, k: Any, nc: Any) -> Arrays:
    """(F_x, F_nc, F_xx, F_xnc, F_ncnc) of the noncentral chi-squared cdf F(x; k, nc), a
    Poisson(nc/2) mixture of central cdfs of k + 2j degrees: with f_k its density,
    F_nc = (F_{k+2} - F_k)/2 = -f_{k+2}, d f_k/d nc = (f_{k+2} - f_k)/2 and
    d f_k/dx = (v/x - 1/2) f_k + nc f_{k+2}/(2x), v = k/2 - 1. All 0 below x = 0 (F = 0)."""
    f, f2, f4 = (_ncx2_density(x, k + j, nc) for j in (0.0, 2.0, 4.0))
    v = k / 2 - 1
    partials = (
        f,
        -f2,
        (v / x - 0.5) * f + nc * f2 / (2 * x),
        -((v + 1) / x - 0.5) * f2 - nc * f4 / (2 * x),
        -(f4 - f2) / 2,
    )
    return tuple(np.where(x < 0, 0.0, d) for d in partials)


def _chndtr(f0: Any, x: Any, k: Any, nc: Any) -> Arrays:
    # in x and nc the closed forms, in df through the Poisson mixture
    return _with_parameters((0, 2), _ncx2_partials(x, k, nc), _noncentral_chi2, x, k, nc)


def _nrdtrimn(f0: Any, p: Any, std: Any, x: Any) -> Arrays:
    # mean = x - std ndtri(p): in (p, std, x), gradient then the Hessian's upper triangle
    q = _sc().ndtri(p)
    q1, q2 = _ndtri(q, p)
    zero = np.zeros_like(q)
    return -std * q1, -q, zero + 1, -std * q2, -q1, zero, zero, zero, zero


def _nrdtrisd(f0: Any, mn: Any, p: Any, x: Any) -> Arrays:
    # std = (x - mn)/q, q = ndtri(p): in (mn, p, x)
    q = _sc().ndtri(p)
    q1, q2 = _ndtri(q, p)
    r = 1 / q
    zero = np.zeros_like(q)
    s_p = -f0 * q1 * r
    s_pp = -f0 * (q2 * r - 2 * q1 * q1 * r * r)
    return -r, s_p, r, zero, q1 * r * r, zero, s_pp, -q1 * r * r, zero


def _exprel_far(x: Any) -> Arrays:
    """(e^x (x - 1) + 1)/x^2 and (e^x (x^2 - 2x + 2) - 2)/x^3 in r = 1/x, as
    e (r - r^2) + r^2 and e (r - 2 r^2 + 2 r^3) - 2 r^3: x^2 and x^3 overflowed below
    x = -1e154 (exprel'' nan at -1e200, truly -2/x^3, 0 in float64). Near the top of the
    range, e^x as h (...) h, h = e^(x/2): e^x overflows from 709.78 (float32 88.72) where
    exprel' is finite to 716.3 (93.2; it was inf there: exprel'(710) is 3.14e305)."""
    x = np.asarray(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = 1 / x
        r2 = r * r
        u, v = r - r2, r - 2 * r2 + 2 * r2 * r
        high = x > math.log(float(np.finfo(x.dtype).max)) - 8
        e = np.exp(np.where(high, 0, x))
        h = np.exp(np.where(high, x / 2, 0))
        return (
            np.where(high, (h * u) * h, e * u) + r2,
            np.where(high, (h * v) * h, e * v) - 2 * r2 * r,
        )


def _exprel_derivatives(z: Any) -> Arrays:
    """(exprel', exprel'') of exprel(z) = (e^z - 1)/z: below |z| = 2 the series
    sum_n z^n/(n! (n + m + 1)) (m = 1, 2; 30 terms), above (e^z (z - 1) + 1)/z^2 and
    (e^z (z^2 - 2z + 2) - 2)/z^3 (cancelling at most 12x at |z| = 2)."""
    near = np.abs(z) < 2
    t = np.where(near, z, 0.0)
    e1, e2, term = np.zeros_like(t), np.zeros_like(t), np.ones_like(t)
    for n in range(30):
        e1, e2 = e1 + term / (n + 2), e2 + term / (n + 3)
        term = term * t / (n + 1)
    w = np.where(near, 1.0, z)
    f1, f2 = _exprel_far(w)
    return np.where(near, e1, f1), np.where(near, e2, f2)


def _tklmbda(f0: Any, x: Any, lmbda: Any) -> Arrays:
    # Tukey's lambda cdf p = F(x, l) solves Q(p, l) = x, Q = (p^l - q^l)/l, q = 1 - p
    # (log(p/q) at l = 0), by _solved from Q's partials: Q_p = p^(l-1) + q^(l-1),
    # Q_pp = (l-1)(p^(l-2) - q^(l-2)), Q_pl = A p^(l-1) + B q^(l-1) (A, B = log p, log q),
    # and, as (e^(lA) - 1)/l = A exprel(lA), Q_l = A^2 exprel'(lA) - B^2 exprel'(lB),
    # Q_ll = A^3 exprel''(lA) - B^3 exprel''(lB) (no cancellation as l -> 0). q is
    # F(-x) (the distribution is symmetric), exact where p is near 1. All 0 outside the
    # support (p = 0 or 1).
    q = _sc().tklmbda(-x, lmbda)
    a, b = np.log(f0), np.log(q)
    pa, qb = f0 ** (lmbda - 1), q ** (lmbda - 1)
    a1, a2 = _exprel_derivatives(lmbda * a)
    b1, b2 = _exprel_derivatives(lmbda * b)
    partials = _solved(
        pa + qb,
        a * a * a1 - b * b * b1,
        (lmbda - 1) * (pa / f0 - qb / q),
        a * pa + b * qb,
        a * a * a * a2 - b * b * b * b2,
    )
    inside = (f0 > 0) & (q > 0) | np.isnan(f0)
    return tuple(np.where(inside, d, 0.0) for d in partials)


def _radian(f0: Any, d: Any, m: Any, s: Any) -> Arrays:
    # pi/180 (d + m/60 + s/3600): linear
    zero = np.zeros_like(f0)
    c = math.pi / 180
    return zero + c, zero + c / 60, zero + c / 3600, zero, zero, zero, zero, zero, zero


def _kolmogorov_series(y: Any) -> Arrays:
    """(K, K', K'') of kolmogorov(y) = 2 sum_k>=1 (-1)^(k-1) e^(-2 k^2 y^2) for y >= 1 (ten
    terms: e^-200 at y = 1), and below 1 by Jacobi's transformation 1 - kolmogorov(y) =
    sqrt(2 pi)/y sum_k>=1 e^(-c_k/y^2), c_k = (2k-1)^2 pi^2/8 (ten terms), differentiated
    termwise: d/dy e^(-c/y^2)/y = e^(-c/y^2) (2c/y^4 - 1/y^2), and again
    e^(-c/y^2) (4c^2/y^7 - 10c/y^5 + 2/y^3)."""
    y = np.asarray(y, dtype=np.float64)
    big = y >= 1
    t = np.where(big, y, 1.0)
    d1, d2 = np.zeros_like(t), np.zeros_like(t)
    for k in range(1, 11):
        e = 2 * (-1.0) ** (k - 1) * np.exp(-2 * k * k * t * t)
        d1 -= e * 4 * k * k * t
        d2 += e * (16 * k**4 * t * t - 4 * k * k)
    u = np.where(big, 1.0, y)
    s1, s2 = np.zeros_like(u), np.zeros_like(u)
    for k in range(1, 11):
        c = (2 * k - 1) ** 2 * math.pi**2 / 8
        e = np.exp(-c / (u * u))
        # (0 where e underflows: its powers of 1/u overflowed, 0 * inf nan at y = 1e-102)
        s1 += np.where(e == 0, 0.0, e * (2 * c / u**4 - 1 / u**2))
        s2 += np.where(e == 0, 0.0, e * (4 * c * c / u**7 - 10 * c / u**5 + 2 / u**3))
    root = math.sqrt(2 * math.pi)
    return np.where(big, d1, -root * s1), np.where(big, d2, -root * s2)


def _kolmogorov(f0: Any, y: Any) -> Arrays:
    # 1 (flat) at y <= 0: -0.0 there, so kolmogi's 1/f' at p = 1 is -inf (it decreases)
    d1, d2 = _kolmogorov_series(y)
    return np.where(y <= 0, -0.0, d1), np.where(y <= 0, 0.0, d2)


# --- elliptic: agm, Jacobi's functions ---


def _agm(f0: Any, a: Any, b: Any) -> Arrays:
    # M(a, b) = hi h(t), t = lo/hi, h(t) = (pi/2)/g(t^2), g(p) = K(1 - p) = ellipkm1(p)
    # (Gauss), with g', g'' of _ellipkm1: h' = -pi t g'/g^2,
    # h'' = -pi (g'/g^2 + 2 t^2 g''/g^2 - 4 t^2 g'^2/g^3); M_lo = h', M_hi = h - t h',
    # M_lolo = h''/hi, M_hilo = -t h''/hi, M_hihi = t^2 h''/hi. Both negative: M = -M(|a|, |b|)
    # (the first partials keep their sign, the second change it); of opposite signs nan.
    sign = np.sign(a + b)
    a, b = np.abs(a), np.abs(b)
    swapped = b > a
    hi, lo = np.maximum(a, b), np.minimum(a, b)
    t = lo / hi
    p = t * t
    g = _sc().ellipkm1(p)
    g1, g2 = _ellipkm1(g, p)
    h = math.pi / 2 / g
    h1 = -math.pi * t * g1 / (g * g)
    h2 = -math.pi * (g1 / g**2 + 2 * p * g2 / g**2 - 4 * p * g1 * g1 / g**3)
    # below t = 1e-10 K(1 - t^2) = L = log(4/t) (1 + O(t^2)) to the last bit, and so are
    # its derivatives (O(t^2 L) relative), so h = pi/(2L), h' = pi/(2 t L^2), h'' =
    # pi (2 - L)/(2 t^2 L^3) (g'' ~ 1/p^2 overflowed from t = 1e-77 on: M_aa inf)
    tiny = (t < 1e-10) & (t > 0)
    if np.any(tiny):
        u = np.where(tiny, t, 1.0)
        big_l = np.log(4 / u)
        h = np.where(tiny, math.pi / (2 * big_l), h)
        h1 = np.where(tiny, math.pi / (2 * u * big_l**2), h1)
        h2 = np.where(tiny, math.pi * (2 - big_l) / (2 * u * u * big_l**3), h2)
    m_hi, m_lo = h - t * h1, h1
    m_hihi, m_hilo, m_lolo = sign * p * h2 / hi, -sign * t * h2 / hi, sign * h2 / hi
    if np.any(tiny):  # (there t^2 h'' = pi (2 - L)/(2 L^3) without t^2: u^2 underflowed below
        # t = 1e-154, h'' = -inf and M_hihi = t^2 h''/hi nan at agm(4e254, 0.7), truly -1e-260)
        c = math.pi * (2 - big_l) / (2 * big_l**3)
        m_hihi = np.where(tiny, sign * c / hi, m_hihi)
        m_hilo = np.where(tiny, -sign * c / lo, m_hilo)
        m_lolo = np.where(tiny, sign * c / lo * (hi / lo), m_lolo)
    at_zero = lo == 0  # M(hi, 0) = 0 for every hi; d/dlo = inf (M ~ pi hi/(2 log(4 hi/lo)))
    m_hi, m_lo = np.where(at_zero, 0.0, m_hi), np.where(at_zero, np.inf, m_lo)
    m_hihi = np.where(at_zero, 0.0, m_hihi)
    fa, fb = np.where(swapped, m_lo, m_hi), np.where(swapped, m_hi, m_lo)
    faa, fbb = np.where(swapped, m_lolo, m_hihi), np.where(swapped, m_hihi, m_lolo)
    return fa, fb, faa, m_hilo, fbb


def _amplitude_m(phi: Any, m: Any) -> Arrays:
    """(G, G_m): G = dF(phi | m)/dm at fixed phi = 1/2 int_0^phi sin^2/D^3 = sin^3 R_D(cos^2, 1,
    D^2)/6, G_m = 3/4 int_0^phi sin^4/D^5 = 3/8 sin^5 K(cos^2, 1; D^2) (K of the Carlson
    rules), D^2 = 1 - m sin^2, phi reduced by the period: G(phi + k pi) = G(phi) + 2k G(pi/2)."""
    rd = _sc().elliprd
    k = np.round(phi / math.pi)
    r = phi - k * math.pi
    s, c = np.sin(r), np.cos(r)
    d2 = 1 - m * s * s
    g = 2 * k * rd(0.0, 1.0, 1 - m) / 6 + s**3 * rd(c * c, 1.0, d2) / 6
    g_m = 2 * k * 3 / 8 * _carlson_k(0.0, 1.0, 1 - m) + 3 / 8 * s**5 * _carlson_k(c * c, 1.0, d2)
    return g, g_m


def _ellipj(value: Any, u: Any, m: Any) -> tuple[Arrays, ...]:
    # In u: sn' = cn dn, cn' = -sn dn, dn' = -m sn cn, am' = dn. In m, through the amplitude
    # (sn = sin am, cn = cos am, dn^2 = 1 - m sn^2): F(am | m) = u gives A = d am/dm = -dn G,
    # G = dF/dm at fixed am and G_m of _amplitude_m (Carlson's forms, so no difference
    # cancels as u or m -> 0). Then sn_m = cn A, cn_m = -sn A, dn_m = -(sn^2 + 2 m sn cn A)/(2 dn),
    # and A_m = -dn_m G - dn G_m - sn^2 A/(2 dn^2) (G's am-derivative sin^2/(2 dn^3) times A).
    sn, cn, dn, am = value
    g, g_m = _amplitude_m(am, m)
    a = -dn * g
    sn_m, cn_m = cn * a, -sn * a
    dn_m = -(sn * sn + 2 * m * sn * cn * a) / (2 * dn)
    a_m = -dn_m * g - dn * g_m - sn * sn * a / (2 * dn * dn)
    sn_mm, cn_mm = -sn * a * a + cn * a_m, -cn * a * a - sn * a_m
    dn_mm = (-4 * sn * sn_m - 2 * m * (sn_m * sn_m + sn * sn_mm) - 2 * dn_m * dn_m) / (2 * dn)
    msc = m * sn * cn
    return (  # (f_u, f_m, f_uu, f_um, f_mm) of sn, cn, dn, am
        (cn * dn, sn_m, -sn * (dn * dn + m * cn * cn), cn_m * dn + cn * dn_m, sn_mm),
        (-sn * dn, cn_m, -cn * (dn * dn - m * sn * sn), -(sn_m * dn + sn * dn_m), cn_mm),
        (
            -msc,
            dn_m,
            -m * dn * (cn * cn - sn * sn),
            -(sn * cn + m * (sn_m * cn + sn * cn_m)),
            dn_mm,
        ),
        (dn, a, -msc, dn_m, a_m),
    )


# --- spheroidal wave functions, besselpoly, smirnov, the noncentral t and F ---------------


def _spheroidal(sigma: float, kappa: float) -> Callable[..., tuple[Arrays, Arrays]]:
    # (s, s') of the spheroidal equation P s'' = sigma (2 x s' - Q s), P = 1 - sigma x^2,
    # Q = lambda - kappa c^2 x^2 - m^2/P, lambda = pro_cv/obl_cv (or the _cv variants' cv):
    # prolate (sigma, kappa) = (1, 1); oblate angular (1, -1); oblate radial, in xi with
    # x = i xi, (-1, 1). Differentiated once more: P s''' = sigma (4 x s'' + (2 - Q) s' - Q' s),
    # Q' = -2 kappa c^2 x - 2 sigma x m^2/P^2. m and n are truncated to integers as scipy does.
    def rule(value: Any, m: Any, n: Any, c: Any, *rest: Any) -> tuple[Arrays, Arrays]:
        *cv, x = rest
        s, s1 = value
        m = np.trunc(m)
        if not cv:  # (only where scipy's function has a value: pro_cv crashes from c ~ 290)
            at = np.isfinite(s) & np.isfinite(c) & (np.abs(c) <= _CV_CRASHES)
            f = _sc().pro_cv if kappa * sigma > 0 else _sc().obl_cv
            cv = [np.where(at, f(*(np.where(at, u, 0.0) for u in (m, np.trunc(n), c))), np.nan)]
        p = 1 - sigma * x * x
        q = cv[0] - kappa * c * c * x * x - m * m / p
        q1 = -2 * kappa * c * c * x - 2 * sigma * x * m * m / (p * p)
        s2 = sigma * (2 * x * s1 - q * s) / p
        s3 = sigma * (4 * x * s2 + (2 - q) * s1 - q1 * s) / p
        return (s1, s2), (s2, s3)

    return rule


def _spheroidal_in_c(
    sigma: float, kappa: float, radial: bool
) -> Callable[..., tuple[Arrays, Arrays]]:
    # pro_ang1, obl_ang1 (pro_rad1, obl_rad1: radial) in c and x: in x as _spheroidal; the
    # partials with c from Flammer's expansions on the eigenvector of the characteristic
    # value's recurrence (_characteristic), computed only when c is a dual array
    in_x = _spheroidal(sigma, kappa)
    sign = kappa * sigma  # (1 prolate, -1 oblate)
    name = f"{'pro' if sign > 0 else 'obl'}_{'rad' if radial else 'ang'}1"

    def rule(value: Any, m: Any, n: Any, c: Any, x: Any) -> tuple[Arrays, Arrays]:
        bessel = _spherical_jn_derivatives if radial else None
        partials = functools.partial(
            _characteristic.spheroidal_function, sign, bessel, name, value, m, n, c, x
        )
        # (scipy crashes before: from c ~ 100 for the radial functions, ~ 175 for the
        # angular ones)
        check = functools.partial(_characteristic.check_range, name, "c", c, value[0], _CV_CRASHES)
        return _with_x(in_x(value, m, n, c, x), partials, check)

    return rule


def _spherical_jn_derivatives(n: int, z: Any) -> Arrays:
    """j_n and its first three derivatives at real z (_spherical's rule: the spherical
    Bessel equation, its series near 0)."""
    sc = _sc()
    rule = _spherical("jn", 1.0, True)
    return (sc.spherical_jn(n, z), sc.spherical_jn(n, z, derivative=True), *rule(None, n, z))


def _spheroidal_characteristic(sign: float) -> Callable[..., Arrays]:
    # pro_cv (sign 1), obl_cv (-1) in c: eigenvalues of the Legendre coefficients'
    # recurrence (_characteristic)
    def rule(f0: Any, m: Any, n: Any, c: Any) -> Arrays:
        name = "pro_cv" if sign > 0 else "obl_cv"
        _characteristic.check_range(name, "c", c, f0, _SPHEROIDAL_C)
        return _characteristic.spheroidal_characteristic(sign, f0, m, n, c)

    return rule


def _besselpoly(f0: Any, a: Any, lmb: Any, nu: Any) -> Arrays:
    # besselpoly(a, l, v) = int_0^1 x^l J_v(2 a x) dx; d/da puts 2x J_v'(2ax) under the
    # integral, 2 J_v' = J_(v-1) - J_(v+1), and 4 J_v'' = J_(v-2) - 2 J_v + J_(v+2):
    # f' = B(a, l+1, v-1) - B(a, l+1, v+1), f'' = B(a, l+2, v-2) - 2 B(a, l+2, v) + B(a, l+2, v+2)
    b = _sc().besselpoly
    f1 = b(a, lmb + 1, nu - 1) - b(a, lmb + 1, nu + 1)
    f2 = b(a, lmb + 2, nu - 2) - 2 * b(a, lmb + 2, nu) + b(a, lmb + 2, nu + 2)
    return _with_parameters((0,), (f1, f2), _besselpoly_integral, a, lmb, nu)


def _besselpoly_integral(a: Any, lmb: Any, nu: Any) -> Any:
    """int_0^1 x^l J_v(2 a x) dx as numpy code on dual arrays (J_v by _bessel_in_v's rule
    through scipy.special.jv): on [c, 1], c = min(1, 1/(2|a|)), composite Gauss-Legendre
    panels per 8 radians of 2 a x; on [0, c], where J is a power series, x = c e^-u, the
    integrand c^(l+1) e^-((l+1) u) J_v(2 a c e^-u) falling as e^-((l+v+1) u), panels up to
    e^-45. Needs l > -1, v >= 0 (a TypeError elsewhere, as where J's accuracy (1e-13 of its
    size) times the terms' magnitudes exceeds 1e-12 of the partials' sizes)."""
    sc = _sc()
    av, lv, vv = np.broadcast_arrays(
        *(np.asarray(_values(u), dtype=np.float64) for u in (a, lmb, nu))
    )
    finite = np.isfinite(av + lv + vv)
    if not np.all(((lv > -1) & (vv >= 0)) | ~finite):
        raise TypeError(
            "hyperdiff differentiates scipy.special.besselpoly in lmb and nu only where "
            "lmb > -1 and nu >= 0"
        )
    a, lmb, nu = (np.where(finite, u, fill) for u, fill in ((a, 1.0), (lmb, 0.0), (nu, 0.0)))
    av, lv, vv = (np.where(finite, u, fill) for u, fill in ((av, 1.0), (lv, 0.0), (vv, 0.0)))
    c = np.minimum(1.0, 1 / (2 * np.maximum(np.abs(av), 1e-300)))
    # [c, 1]
    count = 1 + int(np.max(2 * np.abs(av) * (1 - c), initial=0.0) // 8)
    x, w = _panels(c, np.ones_like(c), count)
    outer = np.exp(lmb * np.log(x)) * w
    inner = sc.jv(nu, 2 * a * x)
    terms = [outer * inner]
    scales = [np.abs(w * x**lv) * np.hypot(sc.jv(vv, 2 * av * x), sc.yv(vv, 2 * av * x))]
    # [0, c] in u
    stop = 45 / (lv + vv + 1)
    u, w = _panels(np.zeros_like(c), stop, 1 + int(np.max(stop, initial=0.0) // 2))
    outer = np.exp((lmb + 1) * (np.log(c) - u)) * w
    inner = sc.jv(nu, 2 * a * c * np.exp(-u))
    terms.append(outer * inner)
    scales.append(np.abs(_values(outer) * _values(inner)))
    total = np.sum(terms[0], axis=0) + np.sum(terms[1], axis=0)
    magnitude = sum(np.sum(np.abs(t._stack), axis=1) for t in terms)
    magnitude = magnitude + sum(np.sum(s, axis=0) for s in scales)
    size = np.maximum(np.abs(total._stack), np.abs(total.value))
    if not np.all((1e-13 * magnitude <= 1e-12 * size) | ~finite):
        raise TypeError(
            "hyperdiff differentiates scipy.special.besselpoly in lmb and nu only where its "
            "integral's terms cancel by less than 10 (J's accuracy, 1e-13, times them: 1e-12)"
        )
    return _nan_outside(finite, total)


def _smirnov_partials(n: Any, d: Any) -> Arrays:
    """(S', S'') of smirnov(n, d) = S = sum_{j <= n(1-d)} C(n, j) d a^(j-1) b^(n-j), a = d + j/n,
    b = 1 - d - j/n, term by term: the j = 0 term is b^n; for j >= 1, with w = C(n, j)
    a^(j-1) b^(n-j) (in logs) and g = (log w)' = (j-1)/a - (n-j)/b, (d w)' = w (1 + d g),
    (d w)'' = w (g (1 + d g) + g + d g'), g' = -(j-1)/a^2 - (n-j)/b^2; terms with b = 0 are
    left out (their piece of S starts there: the derivatives from the right). The terms are
    positive, but the j = 0 term's derivative cancels the others' as d -> 0 (by ~100 at
    n = 200, d = 1e-3). n is truncated to an integer as scipy does; at d = 0 and 1 the
    one-sided derivatives; nan (as scipy's value) outside [0, 1] and for n < 1. j runs in
    blocks of 256 (memory); past n = 1e5 the sum's cost (and ~n ulps) is refused: nan."""
    n, d = np.broadcast_arrays(np.trunc(np.asarray(n, dtype=np.float64)), np.asarray(d))
    inside = (d >= 0) & (d <= 1) & (n >= 1) & (n <= 1e5)
    nn, dd = np.where(inside, n, 1.0)[..., None], np.where(inside, d, 0.5)[..., None]
    b0, n0 = 1 - dd[..., 0], nn[..., 0]
    s1, s2 = -n0 * b0 ** (n0 - 1), np.where(n0 > 1, n0 * (n0 - 1) * b0 ** (n0 - 2), 0.0)
    gammaln = _sc().gammaln
    for start in range(1, int(np.max(nn, initial=1)) + 1, 256):
        j = np.arange(start, start + 256, dtype=np.float64)
        a, b = dd + j / nn, 1 - dd - j / nn
        keep = (j <= nn) & (b > 0)
        b = np.where(keep, b, 1.0)
        log_c = gammaln(nn + 1) - gammaln(j + 1) - gammaln(nn - j + 1)
        w = np.where(keep, np.exp(log_c + (j - 1) * np.log(a) + (nn - j) * np.log(b)), 0.0)
        g = (j - 1) / a - (nn - j) / b
        g1 = -(j - 1) / (a * a) - (nn - j) / (b * b)
        s1 = s1 + np.sum(w * (1 + dd * g), axis=-1)
        s2 = s2 + np.sum(w * (g * (1 + dd * g) + g + dd * g1), axis=-1)
    return np.where(inside, s1, np.nan), np.where(inside, s2, np.nan)


def _smirnov(f0: Any, n: Any, d: Any) -> Arrays:
    # n is a count scipy truncates: partials 0 in it (as pdtr's k, bdtr's k and n)
    d1, d2 = _smirnov_partials(n, d)
    return _counted(d1, d2, 2)


def _log_hyp1f1(a: Any, b: Any, z: Any) -> Arrays:
    """(log |M|, sign M) of M = hyp1f1(a, b, z), z >= 0 (nan elsewhere): scipy's below
    z = 700 where finite, else Kummer's e^z M(b - a, b, -z). scipy's hyp1f1 is called
    with no argument above 700: it overflows there, and hangs (seconds per element) at
    huge ones."""
    sc = _sc()
    valid = z >= 0
    near = valid & (z < 700)
    direct = sc.hyp1f1(a, b, np.where(near, z, 0.0))
    ok = near & np.isfinite(direct)
    far = np.where(valid & ~ok, z, 0.0)
    kummer = sc.hyp1f1(b - a, b, -far)
    return (
        np.where(ok, np.log(np.abs(direct)), np.where(valid, far + np.log(np.abs(kummer)), np.nan)),
        np.where(ok, np.sign(direct), np.sign(kummer)),
    )


_NCT_DF_MIN = 1e-12


def _nct_density(df: Any, nc: Any, t: Any) -> Arrays:
    """(f, f') of the noncentral t density f = d nctdtr/dt (scipy's _nct_pdf, Boost's). From
    f = (df/t) (F_(df+2)(c t) - F_df(t)), c = sqrt(1 + 2/df) (F the cdf with nc):
    f' = (df c f_(df+2)(c t) - (df + 1) f)/t, which cancels as t -> 0 (the difference is
    t f'(0)); below |t| = 1 f' from the density's closed form f = A (B + C),
    A = df^(df/2) G(df+1) e^(-nc^2/2)/(2^df G(df/2) r^(df+1)), r = sqrt(df + t^2),
    B = sqrt(2) nc t/r M(df/2 + 1, 3/2, z)/G((df+1)/2), C = M((df+1)/2, 1/2, z)/G(df/2 + 1),
    z = nc^2 t^2/(2 r^2) (M = hyp1f1, M' = (a/b) M(a+1, b+1, .)), so z is small there:
    f' = -(df + 1) t f/r^2 + A (B' + C'), z' = nc^2 df t/r^4. Past |t| = 1e100 (where Boost
    overflows, and gives nan at inf) the tail f = f(1e100) (1e100/|t|)^(df+1), f' = -(df+1) f/t."""
    from scipy.special import _ufuncs

    sc = _sc()

    def pdf(t: Any, df: Any, nc: Any) -> Any:  # (scipy's aborts the process below df ~ 2e-16)
        tiny = df < _NCT_DF_MIN
        return np.where(tiny, np.nan, _ufuncs._nct_pdf(t, np.where(tiny, 1.0, df), nc))

    big = np.abs(t) > 1e100
    t_in = np.where(big, np.copysign(1e100, t), t)
    f = pdf(t_in, df, nc) * np.where(big, (1e100 / np.abs(t)) ** (df + 1), 1.0)
    c = np.sqrt(1 + 2 / df)
    far = np.where(
        big, -(df + 1) * f / t, (df * c * pdf(c * t_in, df + 2, nc) - (df + 1) * f) / t_in
    )
    r2 = df + t * t
    z, z1 = nc * nc * t * t / (2 * r2), nc * nc * df * t / (r2 * r2)
    log_a = (
        df / 2 * np.log(df)
        + sc.gammaln(df + 1)
        - nc * nc / 2
        - df * math.log(2)
        - sc.gammaln(df / 2)
        - (df + 1) / 2 * np.log(r2)
    )
    k1 = math.sqrt(2) * nc / sc.gamma((df + 1) / 2)
    k2 = 1 / sc.gamma(df / 2 + 1)
    a1, a2 = df / 2 + 1, (df + 1) / 2

    def scaled(a: Any, b: Any) -> Any:  # A M(a, b, z), in logs (M overflows as nc grows)
        log_m, sign = _log_hyp1f1(a, b, z)
        return sign * np.exp(log_a + log_m)

    b1 = k1 * (
        df * r2**-1.5 * scaled(a1, 1.5) + t / np.sqrt(r2) * (a1 / 1.5) * scaled(a1 + 1, 2.5) * z1
    )
    c1 = k2 * (a2 / 0.5) * scaled(a2 + 1, 1.5) * z1
    near = -(df + 1) * t * f / r2 + b1 + c1
    return f, np.where(np.abs(t) < 1, near, far)


def _nct_partials(df: Any, nc: Any, t: Any) -> Arrays:
    """(F_nc, F_t, F_nc,nc, F_nc,t, F_tt) of the noncentral t cdf F = E[Phi(t S - nc)],
    S = sqrt(chi2_df/df) of density C_df s^(df-1) e^(-df s^2/2), C_v = 2 (v/2)^(v/2)/G(v/2).
    With m_k = E[S^k phi(t S - nc)]: F_t = m_1 (the density f), F_nc = -m_0,
    F_nc,nc = nc m_0 - t m_1, F_nc,t = t m_2 - nc m_1, F_tt = f'. Scaling s = u r turns
    s^(df+j-1) e^(-df s^2/2) into the chi density of df + j, so
    m_(1+j) = (C_df/C_(df+j)) r^(df+j+1) f_(df+j)(t r), r = sqrt((df + j)/df) (j = -1, 1);
    below df = 1 (no df - 1) m_0 = ((t^2 + df) m_2 - t nc m_1)/df, from integrating
    d/ds [phi(t s - nc) s^df e^(-df s^2/2)] over s > 0."""
    sc = _sc()

    def log_c(v: Any) -> Any:
        return math.log(2) + v / 2 * np.log(v / 2) - sc.gammaln(v / 2)

    def moment(j: float, v: Any) -> Any:  # m_(1+j), from the density of v + j degrees
        r = np.sqrt((v + j) / v)
        return (
            np.exp(log_c(v) - log_c(v + j)) * r ** (v + j + 1) * _nct_density(v + j, nc, t * r)[0]
        )

    f, f1 = _nct_density(df, nc, t)
    m2 = moment(1.0, df)
    above = df > 1 + _NCT_DF_MIN
    m0 = np.where(
        above, moment(-1.0, np.where(above, df, 2.0)), ((t * t + df) * m2 - t * nc * f) / df
    )
    return -m0, f, nc * m0 - t * f, t * m2 - nc * f, f1


def _nctdtr(f0: Any, df: Any, nc: Any, t: Any) -> Arrays:
    known = _nct_partials(df, nc, t)
    partials = _with_parameters((1, 2), known, _noncentral_t, df, nc, t)
    return _mixed_at_t_zero(partials, 5, df, t, known[1])  # (F_(df t); known[1]: F_t)


def _quiet_or_nan(function: Callable[..., Any], *args: Any) -> Any:
    """function(*args) (a scipy ufunc of Boost's), nan where it warns or raises (Boost's
    series did not converge, or overflowed: its value is not to be trusted), found element
    by element when it does."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            out = np.asarray(function(*args))
        if not caught:
            return out
    except (ArithmeticError, SystemError):
        pass
    flat = [np.broadcast_to(a, shape).ravel() for a in args]
    values = np.full(math.prod(shape), np.nan)
    for i in range(values.size):
        try:
            with warnings.catch_warnings(record=True) as one:
                warnings.simplefilter("always", RuntimeWarning)
                value = function(*(a[i] for a in flat))
        except (ArithmeticError, SystemError):
            continue
        if not one:
            values[i] = value
    return values.reshape(shape)


def _ncf_density(dfn: Any, dfd: Any, nc: Any, x: Any) -> Arrays:
    """(f, f') of the noncentral F density f = d ncfdtr/dx (scipy's _ncf_pdf, Boost's): a
    Poisson(nc/2) mixture of central F densities, summed, is x^(n/2-1) (d + n x)^(-a) M(a, n/2, z)
    up to constants, a = (n + d)/2, z = nc n x/(2 (d + n x)), so (log f)' = (n/2 - 1)/x -
    a n/(d + n x) + z' (a/(n/2)) M(a+1, n/2+1, z)/M(a, n/2, z), z' = nc n d/(2 (d + n x)^2).
    Below x = 1e-300 (where Boost overflows) f = f(1e-300) (x/1e-300)^(n/2-1); 0 at inf; at
    0 the limit of e^(-nc/2) (n/d)^(n/2) x^(n/2-1)/B(n/2, d/2) (Boost's is 0 for n < 2: inf),
    f' there 0 for n > 4, else nan (infinite, or for n = 2, 4 not written)."""
    from scipy.special import _ufuncs

    sc = _sc()
    tiny = (x > 0) & (x < 1e-300)
    x_in = np.where(tiny, 1e-300, np.where(x == np.inf, 1.0, x))
    scale = np.where(tiny, (x / 1e-300) ** (dfn / 2 - 1), np.where(x == np.inf, 0.0, 1.0))
    f = _quiet_or_nan(_ufuncs._ncf_pdf, x_in, dfn, dfd, nc) * scale
    a, b = (dfn + dfd) / 2, dfn / 2
    u = dfd + dfn * x
    z, z1 = nc * dfn * x / (2 * u), nc * dfn * dfd / (2 * u * u)
    (log_m1, s1), (log_m, s) = _log_hyp1f1(a + 1, b + 1, z), _log_hyp1f1(a, b, z)
    ratio = (a / b) * s1 * s * np.exp(log_m1 - log_m)
    f1 = f * ((b - 1) / x - a * dfn / u + z1 * ratio)
    zero = x == 0
    power = np.where(dfn > 2, 0.0, np.where(dfn < 2, np.inf, 1.0))  # (x^(n/2-1) at 0)
    f_zero = np.exp(-nc / 2) * (dfn / dfd) ** (dfn / 2) * power / sc.beta(dfn / 2, dfd / 2)
    f1_zero = np.where(dfn > 4, 0.0, np.nan)
    return np.where(zero, f_zero, f), np.where(
        zero, f1_zero, np.where((x < 0) | (x == np.inf), 0.0, f1)
    )


def _ncf_partials(dfn: Any, dfd: Any, nc: Any, x: Any) -> Arrays:
    """(F_nc, F_x, F_nc,nc, F_nc,x, F_xx) of the noncentral F cdf, the Poisson(mu = nc/2)
    mixture F = sum_j P_j I_y(a + j, b), y = dfn x/(dfd + dfn x), a, b = dfn/2, dfd/2. As
    dP_j/dmu = P_(j-1) - P_j and I_y(a, b) - I_y(a + 1, b) = y^a (1-y)^b/(a B(a, b)),
    F_nc = -(1/2) e^(-mu) y^a (1-y)^b M(a+b, a+1, mu y)/(a B(a, b)) (M = hyp1f1, in logs:
    _log_hyp1f1); with R = (log M)' = ((a+b)/(a+1))
    M(a+b+1, a+2, z)/M(a+b, a+1, z): F_nc,nc = F_nc (y R - 1)/2,
    F_nc,x = F_nc (a (1-y) - b y + mu y (1-y) R)/x; F_x, F_xx the density's (f, f').
    0 below x = 0 and at inf; F_nc,x at 0 is 0 for dfn > 2, else not written (nan)."""
    sc = _sc()
    a, b, mu = dfn / 2, dfd / 2, nc / 2
    u = dfd + dfn * x
    y, y1 = dfn * x / u, dfd / u  # (1 - y without cancellation)
    z = mu * y
    (log_m, sign), (log_m1, s1) = _log_hyp1f1(a + b, a + 1, z), _log_hyp1f1(a + b + 1, a + 2, z)
    head = -mu + sc.xlogy(a, y) + sc.xlog1py(b, -y) - np.log(a) - sc.betaln(a, b)
    f_n = -0.5 * sign * np.exp(head + log_m)
    ratio = (a + b) / (a + 1) * s1 * sign * np.exp(log_m1 - log_m)
    f, f1 = _ncf_density(dfn, dfd, nc, x)
    f_nn = f_n * (y * ratio - 1) / 2
    f_nx = f_n * (a * y1 - b * y + mu * y * y1 * ratio) / x
    f_nx = np.where(x == 0, np.where(dfn > 2, 0.0, np.nan), f_nx)
    outside = (x < 0) | (x == np.inf)
    f_n, f_nn, f_nx = (np.where(outside, 0.0, d) for d in (f_n, f_nn, f_nx))
    return f_n, f, f_nn, f_nx, f1


def _ncfdtr(f0: Any, dfn: Any, dfd: Any, nc: Any, f: Any) -> Arrays:
    partials = _ncf_partials(dfn, dfd, nc, f)
    return _with_parameters((2, 3), partials, _noncentral_f, dfn, dfd, nc, f)


def _undifferentiable(f0: Any, *args: Any) -> Arrays:
    raise AssertionError("an entry without dual arguments has no rule to call")


_ORDER_M = "m is an integer order"
_ORDERS_MN = "m and n are integer orders"


_INTEGER = "n is an integer order (scipy truncates it)"
_HERMITE_DEGREE = "n is an integer degree (scipy's loops take integers only)"
_SPHEROIDAL_CV = (
    "m and n are integer orders, and c and cv are not independent: the function exists only "
    "at cv = {0}_cv(m, n, c), where a derivative in c or cv alone is not defined; for the "
    "derivative in c use scipy.special.{0}_{1}(m, n, c, x), which takes cv from c"
)
_PRO_RAD2 = (
    "scipy's values fail the spheroidal equation (s'' from it and from finite differences of "
    "s' differ by 7% at m, n, c, x = 1, 2, 1.5, 1.3), so no derivative built on them is right"
)
_OBL_RAD2 = (
    "scipy's s' disagrees with its values' finite differences (-11.7 against 0.376 at "
    "m, n, c, x = 1, 2, 1.5, 1.3), so no derivative built on them is right"
)


# (name, arguments, F's rule, the argument F's value takes, the dual positions: F's, and F:
# scipy's, or cdflib's continuous count distributions)
_INVERSES: list[tuple[str, tuple[str, ...], Callable[..., Arrays], int, tuple[int, ...], str]] = [
    ("gammaincinv", ("a", "y"), _gammainc, 1, (0, 1), "gammainc"),
    ("gammainccinv", ("a", "y"), _gammaincc, 1, (0, 1), "gammaincc"),
    ("chdtri", ("v", "p"), _chdtr(-1.0), 1, (0, 1), "chdtrc"),
    ("chdtriv", ("p", "x"), _chdtr(1.0), 0, (0, 1), "chdtr"),
    ("gdtria", ("p", "b", "x"), _gdtr(1.0), 0, (0, 1, 2), "gdtr"),
    ("gdtrib", ("a", "p", "x"), _gdtr(1.0), 1, (0, 1, 2), "gdtr"),
    ("gdtrix", ("a", "b", "p"), _gdtr(1.0), 2, (0, 1, 2), "gdtr"),
    ("betaincinv", ("a", "b", "y"), _betainc(1.0), 2, (0, 1, 2), "betainc"),
    ("betainccinv", ("a", "b", "y"), _betainc(-1.0), 2, (0, 1, 2), "betaincc"),
    ("btdtria", ("p", "b", "x"), _betainc(1.0), 0, (0, 1, 2), "betainc"),
    ("btdtrib", ("a", "p", "x"), _betainc(1.0), 1, (0, 1, 2), "betainc"),
    ("stdtridf", ("p", "t"), _stdtr, 0, (0, 1), "stdtr"),
    ("stdtrit", ("df", "p"), _stdtr, 1, (0, 1), "stdtr"),
    ("fdtridfd", ("dfn", "p", "x"), _fdtr(1.0), 1, (0, 1, 2), "fdtr"),
    ("fdtri", ("dfn", "dfd", "p"), _fdtr(1.0), 2, (0, 1, 2), "fdtr"),
    ("pdtri", ("k", "y"), _pdtr(1.0, _scipy_count), 1, (0, 1), "_pdtr_of_count"),
    ("bdtri", ("k", "n", "y"), _bdtr(1.0), 2, (0, 1, 2), "bdtr"),
    ("nbdtri", ("k", "n", "y"), _nbdtr(1.0), 2, (0, 1, 2), "nbdtr"),
    ("pdtrik", ("p", "m"), _poisson, 0, (0, 1), "_poisson"),
    ("bdtrik", ("y", "n", "p"), _binomial, 0, (0, 1, 2), "_binomial"),
    ("bdtrin", ("k", "y", "p"), _binomial, 1, (0, 1, 2), "_binomial"),
    ("nbdtrik", ("y", "n", "p"), _negative_binomial, 0, (0, 1, 2), "_negative_binomial"),
    ("nbdtrin", ("k", "y", "p"), _negative_binomial, 1, (0, 1, 2), "_negative_binomial"),
    ("chndtrix", ("p", "df", "nc"), _chndtr, 0, (0, 1, 2), "chndtr"),
    ("chndtridf", ("x", "p", "nc"), _chndtr, 1, (0, 1, 2), "chndtr"),
    ("chndtrinc", ("x", "df", "p"), _chndtr, 2, (0, 1, 2), "chndtr"),
    ("nctdtridf", ("p", "nc", "t"), _nctdtr, 0, (0, 1, 2), "nctdtr"),
    ("nctdtrinc", ("df", "p", "t"), _nctdtr, 1, (0, 1, 2), "nctdtr"),
    ("nctdtrit", ("df", "nc", "p"), _nctdtr, 2, (0, 1, 2), "nctdtr"),
    ("ncfdtridfn", ("p", "dfd", "nc", "f"), _ncfdtr, 0, (0, 1, 2, 3), "ncfdtr"),
    ("ncfdtridfd", ("dfn", "p", "nc", "f"), _ncfdtr, 1, (0, 1, 2, 3), "ncfdtr"),
    ("ncfdtrinc", ("dfn", "dfd", "p", "f"), _ncfdtr, 2, (0, 1, 2, 3), "ncfdtr"),
    ("ncfdtri", ("dfn", "dfd", "nc", "p"), _ncfdtr, 3, (0, 1, 2, 3), "ncfdtr"),
    ("kolmogi", ("p",), _kolmogorov, 0, (0,), "kolmogorov"),
]


def _entries() -> list[tuple[tuple[str, ...], Entry]]:
    """(scipy.special names, entry) of every function the table covers."""
    x = ("x",)
    y, k = _bessel("y", False), _bessel("k", False)
    sh_legendre = _degree_rule("legendre", _eval_legendre, 2.0, -1.0)  # P_n(2x - 1)
    sh_chebyt = _degree_rule("chebyt", _eval_chebyt, 2.0, -1.0)
    sh_chebyu = _degree_rule("chebyu", _eval_chebyu, 2.0, -1.0)
    chebyc = _degree_rule("chebyt", _eval_chebyt, 0.5, 0.0, 2.0)  # 2 T_n(x/2)
    chebys = _degree_rule("chebyu", _eval_chebyu, 0.5, 0.0)  # U_n(x/2)
    return [
        (("psi", "digamma"), Entry("psi", x, (0,), _digamma, complex=True)),
        (("gamma",), Entry("gamma", x, (0,), _gamma, complex=True)),
        (("loggamma",), Entry("loggamma", x, (0,), _loggamma, complex=True)),
        (("rgamma",), Entry("rgamma", x, (0,), _rgamma, complex=True)),
        (("beta",), Entry("beta", ("a", "b"), (0, 1), _beta)),
        (("betaln",), Entry("betaln", ("a", "b"), (0, 1), _betaln)),
        (("gammainc",), Entry("gammainc", ("a", "x"), (0, 1), _gammainc)),
        (("gammaincc",), Entry("gammaincc", ("a", "x"), (0, 1), _gammaincc)),
        (("xlogy",), Entry("xlogy", ("x", "y"), (0, 1), _xlogy, complex=True)),
        (("xlog1py",), Entry("xlog1py", ("x", "y"), (0, 1), _xlog1py, complex=True)),
        (("entr",), Entry("entr", x, (0,), _entr, prime=_entr_prime)),
        (("rel_entr",), Entry("rel_entr", ("x", "y"), (0, 1), _relative_entropy(False))),
        (("kl_div",), Entry("kl_div", ("x", "y"), (0, 1), _relative_entropy(True))),
        (("log_ndtr",), Entry("log_ndtr", x, (0,), _log_ndtr, series=_log_ndtr_series)),
        (("ndtri",), Entry("ndtri", ("y",), (0,), _ndtri, prime=_ndtri_prime)),
        (("erfinv",), Entry("erfinv", ("y",), (0,), _erfinv, prime=_erfinv_prime)),
        (("erfcinv",), Entry("erfcinv", ("y",), (0,), _erfcinv)),
        (("erfcx",), Entry("erfcx", x, (0,), _erfcx, complex=True, series=_erfcx_series)),
        (("erf",), Entry("erf", ("z",), (0,), _erf, complex=True, prime=_erf_prime)),
        (("erfc",), Entry("erfc", x, (0,), _erfc, complex=True, prime=_erfc_prime)),
        (("erfi",), Entry("erfi", ("z",), (0,), _erfi, complex=True, prime=_erfi_prime)),
        (("dawsn",), Entry("dawsn", x, (0,), _dawsn, complex=True, series=_dawsn_series)),
        (("exp1",), Entry("exp1", ("z",), (0,), _exp1, complex=True, prime=_exp1_prime)),
        (("expi",), Entry("expi", x, (0,), _expi, complex=True, prime=_expi_prime)),
        (("log_expit",), Entry("log_expit", x, (0,), _log_expit, prime=_log_expit_prime)),
        (("spence",), Entry("spence", ("z",), (0,), _spence)),
        (("i0",), Entry("i0", x, (0,), _fixed_bessel("i", 0))),
        (("i1",), Entry("i1", x, (0,), _fixed_bessel("i", 1))),
        (("i0e",), Entry("i0e", x, (0,), _fixed_bessel("i", 0, scaled=True))),
        (("i1e",), Entry("i1e", x, (0,), _fixed_bessel("i", 1, scaled=True))),
        (("j0",), Entry("j0", x, (0,), _fixed_bessel("j", 0))),
        (("j1",), Entry("j1", x, (0,), _fixed_bessel("j", 1))),
        (("y0",), Entry("y0", x, (0,), _fixed_bessel("y", 0))),
        (("y1",), Entry("y1", x, (0,), _fixed_bessel("y", 1))),
        (("k0",), Entry("k0", x, (0,), _fixed_bessel("k", 0))),
        (("k1",), Entry("k1", x, (0,), _fixed_bessel("k", 1))),
        (("k0e",), Entry("k0e", x, (0,), _fixed_bessel("k", 0, scaled=True))),
        (("k1e",), Entry("k1e", x, (0,), _fixed_bessel("k", 1, scaled=True))),
        *(
            ((name, *aliases), Entry(name, ("v", "z"), (0, 1), rule, complex=complex_z))
            for name, aliases, rule, complex_z in (
                ("jv", ("jn",), _bessel_both("j", False, "jv"), True),
                ("yv", (), _bessel_both("y", False, "yv"), True),
                ("iv", (), _bessel_both("i", False, "iv"), True),
                ("ive", (), _bessel_both("i", True, "ive"), False),
                ("kv", (), _bessel_both("k", False, "kv"), True),
                ("kve", (), _bessel_both("k", True, "kve"), True),
                ("jve", (), _bessel_both("j", False, "jve"), False),  # (real z: jve = jv)
                ("yve", (), _bessel_both("y", False, "yve"), False),
            )
        ),
        (("exp10",), Entry("exp10", x, (0,), _exponential(math.log(10)))),
        (("exp2",), Entry("exp2", x, (0,), _exponential(math.log(2), binary=True))),
        (("expm1",), Entry("expm1", x, (0,), _expm1, complex=True)),
        (("log1p",), Entry("log1p", x, (0,), _log1p, complex=True)),
        (("cbrt",), Entry("cbrt", x, (0,), _cbrt)),
        (("cosm1",), Entry("cosm1", x, (0,), _cosm1)),
        (("exprel",), Entry("exprel", x, (0,), _exprel)),
        (("sindg",), Entry("sindg", x, (0,), _sindg)),
        (("cosdg",), Entry("cosdg", x, (0,), _cosdg)),
        (("tandg",), Entry("tandg", x, (0,), _tandg)),
        (("cotdg",), Entry("cotdg", x, (0,), _cotdg)),
        (("boxcox",), Entry("boxcox", ("x", "lmbda"), (0, 1), _boxcox(0.0))),
        (("boxcox1p",), Entry("boxcox1p", ("x", "lmbda"), (0, 1), _boxcox(1.0))),
        (("inv_boxcox",), Entry("inv_boxcox", ("y", "lmbda"), (0, 1), _inv_boxcox(0.0))),
        (("inv_boxcox1p",), Entry("inv_boxcox1p", ("y", "lmbda"), (0, 1), _inv_boxcox(1.0))),
        (
            ("hyp1f1",),
            Entry("hyp1f1", ("a", "b", "x"), (0, 1, 2), _hyp1f1),
        ),
        (
            ("hyp2f1",),
            Entry("hyp2f1", ("a", "b", "c", "z"), (0, 1, 2, 3), _hyp2f1, complex=True),
        ),
        (
            ("stdtr",),
            Entry(
                "stdtr",
                ("df", "t"),
                (0, 1),
                _stdtr,
            ),
        ),
        (("chdtr",), Entry("chdtr", ("v", "x"), (0, 1), _chdtr(1.0))),
        (("chdtrc",), Entry("chdtrc", ("v", "x"), (0, 1), _chdtr(-1.0))),
        (("ellipk",), Entry("ellipk", ("m",), (0,), _elliptic(False))),
        (("ellipe",), Entry("ellipe", ("m",), (0,), _elliptic(True))),
        (("ellipkm1",), Entry("ellipkm1", ("p",), (0,), _ellipkm1)),
        (
            ("hyperu",),
            Entry(
                "hyperu",
                ("a", "b", "x"),
                (0, 1, 2),
                _hyperu,
            ),
        ),
        (("powm1",), Entry("powm1", ("x", "y"), (0, 1), _powm1)),
        (("poch",), Entry("poch", ("z", "m"), (0, 1), _poch)),
        (("wrightomega",), Entry("wrightomega", ("z",), (0,), _wrightomega, complex=True)),
        (("gammasgn",), Entry("gammasgn", x, (0,), _constant)),
        (("round",), Entry("round", x, (0,), _constant)),
        (("ndtri_exp",), Entry("ndtri_exp", ("y",), (0,), _ndtri_exp)),
        (
            ("ellipkinc",),
            Entry("ellipkinc", ("phi", "m"), (0, 1), _incomplete_elliptic(False)),
        ),
        (
            ("ellipeinc",),
            Entry("ellipeinc", ("phi", "m"), (0, 1), _incomplete_elliptic(True)),
        ),
        (("owens_t",), Entry("owens_t", ("h", "a"), (0, 1), _owens_t)),
        (
            ("fdtr",),
            Entry("fdtr", ("dfn", "dfd", "x"), (0, 1, 2), _fdtr(1.0)),
        ),
        (
            ("fdtrc",),
            Entry("fdtrc", ("dfn", "dfd", "x"), (0, 1, 2), _fdtr(-1.0)),
        ),
        (("nbdtr",), Entry("nbdtr", ("k", "n", "p"), (0, 1, 2), _nbdtr(1.0))),
        (("nbdtrc",), Entry("nbdtrc", ("k", "n", "p"), (0, 1, 2), _nbdtr(-1.0))),
        (("struve",), Entry("struve", ("v", "x"), (0, 1), _struve(False))),
        (("modstruve",), Entry("modstruve", ("v", "x"), (0, 1), _struve(True))),
        (("itstruve0",), Entry("itstruve0", x, (0,), _integral_struve(False))),
        (("itmodstruve0",), Entry("itmodstruve0", x, (0,), _integral_struve(True))),
        (("itj0y0",), Entry("itj0y0", x, (0,), _integrals)),
        (("iti0k0",), Entry("iti0k0", x, (0,), _integrals_i0k0)),
        (("itairy",), Entry("itairy", x, (0,), _integrals_airy)),
        (("yn",), Entry("yn", ("n", "x"), (1,), _integer_order(y), why=_INTEGER)),
        (("kn",), Entry("kn", ("n", "x"), (1,), _integer_order(k), why=_INTEGER)),
        (
            ("eval_sh_legendre",),
            Entry("eval_sh_legendre", ("n", "x"), (0, 1), sh_legendre),
        ),
        (
            ("eval_sh_chebyt",),
            Entry("eval_sh_chebyt", ("n", "x"), (0, 1), sh_chebyt),
        ),
        (
            ("eval_sh_chebyu",),
            Entry("eval_sh_chebyu", ("n", "x"), (0, 1), sh_chebyu),
        ),
        (("eval_chebyc",), Entry("eval_chebyc", ("n", "x"), (0, 1), chebyc)),
        (("eval_chebys",), Entry("eval_chebys", ("n", "x"), (0, 1), chebys)),
        (("wofz",), Entry("wofz", ("z",), (0,), _wofz, complex=True)),
        (
            ("voigt_profile",),
            Entry("voigt_profile", ("x", "sigma", "gamma"), (0, 1, 2), _voigt_profile),
        ),
        *(((n,), Entry(n, x, (0,), _kelvin(n, False))) for n in ("ber", "bei", "ker", "kei")),
        *(
            ((n + "p",), Entry(n + "p", x, (0,), _kelvin(n, True)))
            for n in ("ber", "bei", "ker", "kei")
        ),
        (
            ("wright_bessel",),
            Entry(
                "wright_bessel",
                ("a", "b", "x"),
                (0, 1, 2),
                _wright_bessel(False),
            ),
        ),
        (
            ("log_wright_bessel",),
            Entry(
                "log_wright_bessel",
                ("a", "b", "x"),
                (0, 1, 2),
                _wright_bessel(True),
            ),
        ),
        (("pbdv",), Entry("pbdv", ("v", "x"), (0, 1), _parabolic("d"))),
        (("pbvv",), Entry("pbvv", ("v", "x"), (0, 1), _parabolic("v"))),
        (
            ("pbwa",),
            Entry("pbwa", ("a", "x"), (0, 1), _parabolic("w")),
        ),
        (("sici",), Entry("sici", x, (0,), _sici)),
        (("shichi",), Entry("shichi", x, (0,), _shichi)),
        (("fresnel",), Entry("fresnel", ("z",), (0,), _fresnel, complex=True)),
        (("airy",), Entry("airy", ("z",), (0,), _airy, complex=True)),
        (("betainc",), Entry("betainc", ("a", "b", "x"), (0, 1, 2), _betainc(1.0))),
        (("betaincc",), Entry("betaincc", ("a", "b", "x"), (0, 1, 2), _betainc(-1.0))),
        (("gdtr",), Entry("gdtr", ("a", "b", "x"), (0, 1, 2), _gdtr(1.0))),
        (("gdtrc",), Entry("gdtrc", ("a", "b", "x"), (0, 1, 2), _gdtr(-1.0))),
        (("pdtr",), Entry("pdtr", ("k", "m"), (0, 1), _pdtr(1.0))),
        (("pdtrc",), Entry("pdtrc", ("k", "m"), (0, 1), _pdtr(-1.0))),
        (("bdtr",), Entry("bdtr", ("k", "n", "p"), (0, 1, 2), _bdtr(1.0))),
        (("bdtrc",), Entry("bdtrc", ("k", "n", "p"), (0, 1, 2), _bdtr(-1.0))),
        (("expn",), Entry("expn", ("n", "x"), (1,), _integer_order(_expn), why=_INTEGER)),
        (("hyp0f1",), Entry("hyp0f1", ("v", "z"), (0, 1), _hyp0f1)),
        (("huber",), Entry("huber", ("delta", "r"), (0, 1), _huber)),
        (("pseudo_huber",), Entry("pseudo_huber", ("delta", "r"), (0, 1), _pseudo_huber)),
        (
            ("eval_gegenbauer",),
            Entry(
                "eval_gegenbauer",
                ("n", "alpha", "x"),
                (0, 1, 2),
                _eval_gegenbauer,
            ),
        ),
        (
            ("eval_legendre",),
            Entry("eval_legendre", ("n", "x"), (0, 1), _degree_rule("legendre", _eval_legendre)),
        ),
        (
            ("eval_chebyt",),
            Entry("eval_chebyt", ("n", "x"), (0, 1), _degree_rule("chebyt", _eval_chebyt)),
        ),
        (
            ("eval_chebyu",),
            Entry("eval_chebyu", ("n", "x"), (0, 1), _degree_rule("chebyu", _eval_chebyu)),
        ),
        (
            ("eval_hermite",),
            Entry("eval_hermite", ("n", "x"), (1,), _eval_hermite, why=_HERMITE_DEGREE),
        ),
        (
            ("eval_hermitenorm",),
            Entry("eval_hermitenorm", ("n", "x"), (1,), _eval_hermitenorm, why=_HERMITE_DEGREE),
        ),
        (
            ("eval_laguerre",),
            Entry("eval_laguerre", ("n", "x"), (0, 1), _eval_laguerre),
        ),
        (
            ("eval_genlaguerre",),
            Entry(
                "eval_genlaguerre",
                ("n", "alpha", "x"),
                (0, 1, 2),
                _eval_genlaguerre,
            ),
        ),
        (
            ("eval_jacobi",),
            Entry(
                "eval_jacobi",
                ("n", "alpha", "beta", "x"),
                (0, 1, 2, 3),
                _eval_jacobi,
            ),
        ),
        (
            ("eval_sh_jacobi",),
            Entry(
                "eval_sh_jacobi",
                ("n", "p", "q", "x"),
                (0, 1, 2, 3),
                _eval_sh_jacobi,
            ),
        ),
        (("chndtr",), Entry("chndtr", ("x", "df", "nc"), (0, 1, 2), _chndtr)),
        (("nrdtrimn",), Entry("nrdtrimn", ("p", "std", "x"), (0, 1, 2), _nrdtrimn)),
        (("nrdtrisd",), Entry("nrdtrisd", ("mn", "p", "x"), (0, 1, 2), _nrdtrisd)),
        (("tklmbda",), Entry("tklmbda", ("x", "lmbda"), (0, 1), _tklmbda)),
        (("kolmogorov",), Entry("kolmogorov", ("y",), (0,), _kolmogorov)),
        (("radian",), Entry("radian", ("d", "m", "s"), (0, 1, 2), _radian)),
        (("agm",), Entry("agm", ("a", "b"), (0, 1), _agm)),
        (("elliprf",), Entry("elliprf", ("x", "y", "z"), (0, 1, 2), _elliprf)),
        (("elliprc",), Entry("elliprc", ("x", "y"), (0, 1), _elliprc)),
        (("elliprg",), Entry("elliprg", ("x", "y", "z"), (0, 1, 2), _elliprg)),
        (("elliprd",), Entry("elliprd", ("x", "y", "z"), (0, 1, 2), _elliprd)),
        (("elliprj",), Entry("elliprj", ("x", "y", "z", "p"), (0, 1, 2, 3), _elliprj)),
        (("ellipj",), Entry("ellipj", ("u", "m"), (0, 1), _ellipj)),
        (("kelvin",), Entry("kelvin", x, (0,), _kelvin_all, complex=True)),
        (("binom",), Entry("binom", ("n", "k"), (0, 1), _binom)),
        (("lpmv",), Entry("lpmv", ("m", "v", "x"), (1, 2), _lpmv, why=_ORDER_M)),
        (("it2j0y0",), Entry("it2j0y0", x, (0,), _integrals_over_t(False))),
        (("it2i0k0",), Entry("it2i0k0", x, (0,), _integrals_over_t(True))),
        (("it2struve0",), Entry("it2struve0", x, (0,), _it2struve0)),
        (("airye",), Entry("airye", x, (0,), _airye)),
        # in q through the characteristic values' eigenproblems (_characteristic)
        *(
            (
                (name,),
                Entry(
                    name,
                    ("m", "q", "x"),
                    (1, 2),
                    _mathieu_in_q(odd, kind),
                    why=_ORDER_M,
                    crashes=_crashes_beyond(1, "q", 1e7),  # (nan values from 1e6)
                ),
            )
            for name, odd, kind in (
                ("mathieu_cem", False, 0),
                ("mathieu_sem", True, 0),
                ("mathieu_modcem1", False, 1),
                ("mathieu_modcem2", False, 2),
                ("mathieu_modsem1", True, 1),
                ("mathieu_modsem2", True, 2),
            )
        ),
        *(
            ((name,), Entry(name, ("m", "q"), (1,), _mathieu_characteristic(odd), why=_ORDER_M))
            for name, odd in (("mathieu_a", False), ("mathieu_b", True))
        ),
        (("modfresnelp",), Entry("modfresnelp", x, (0,), _modified_fresnel(1.0), complex=True)),
        (("modfresnelm",), Entry("modfresnelm", x, (0,), _modified_fresnel(-1.0), complex=True)),
        *(
            (
                (f"hankel{kind}{e}",),
                Entry(f"hankel{kind}{e}", ("v", "z"), (0, 1), rule, complex=True),
            )
            for kind in (1, 2)
            for e, rule in (("", _hankel(kind, False)), ("e", _hankel(kind, True)))
        ),
        (
            ("besselpoly",),
            Entry("besselpoly", ("a", "lmb", "nu"), (0, 1, 2), _besselpoly),
        ),
        (("smirnov",), Entry("smirnov", ("n", "d"), (0, 1), _smirnov)),
        (
            ("smirnovi",),
            Entry(
                "smirnovi",
                ("n", "p"),
                (0, 1),
                _inverse_of(_smirnov, 1, (0, 1), _forward("smirnov")),
            ),
        ),
        (("nctdtr",), Entry("nctdtr", ("df", "nc", "t"), (0, 1, 2), _nctdtr)),
        (("ncfdtr",), Entry("ncfdtr", ("dfn", "dfd", "nc", "f"), (0, 1, 2, 3), _ncfdtr)),
        # (s, s') in c and x; the _cv variants in x only (they exist only at cv = pro_cv(m,
        # n, c)); scipy crashes from |c| ~ 100 for the radial functions, ~ 175 for the
        # angular ones, by m and n: left to scipy
        *(
            (
                (kind + cv,),
                Entry(
                    kind + cv,
                    ("m", "n", "c", *(("cv",) if cv else ()), "x"),
                    (4,) if cv else (2, 3),
                    _spheroidal(*signs) if cv else _spheroidal_in_c(*signs, kind[4:7] == "rad"),
                    why=_SPHEROIDAL_CV.format(*kind.split("_")) if cv else _ORDERS_MN,
                    crashes=_crashes_beyond(2, "c", math.inf, float32_hangs=not cv),
                ),
            )
            for kind, signs in (
                ("pro_ang1", (1.0, 1.0)),
                ("pro_rad1", (1.0, 1.0)),
                ("obl_ang1", (1.0, -1.0)),
                ("obl_rad1", (-1.0, 1.0)),
            )
            for cv in ("", "_cv")
        ),
        # the second kind's radial functions not: scipy's fail their equation
        *(
            (
                (kind + cv,),
                Entry(
                    kind + cv,
                    ("m", "n", "c", *(("cv",) if cv else ()), "x"),
                    (),
                    _undifferentiable,
                    why=why,
                    crashes=_crashes_beyond(2, "c", math.inf, float32_hangs=not cv),
                ),
            )
            for kind, why in (("pro_rad2", _PRO_RAD2), ("obl_rad2", _OBL_RAD2))
            for cv in ("", "_cv")
        ),
        # inverses of a function F in one argument (scipy puts F's value there): F's rule
        # at the solution, by the implicit function theorem (_inverse_of)
        *(
            ((name,), Entry(name, args, dual, _inverse_of(forward, position, dual, _forward(f))))
            for name, args, forward, position, dual, f in _INVERSES
        ),
        *(
            (
                (name,),
                Entry(
                    name,
                    ("m", "n", "c"),
                    (2,),
                    rule,
                    why=_ORDERS_MN,
                    crashes=_crashes_beyond(2, "c", _CV_CRASHES, float32_hangs=True),
                ),
            )
            for name, rule in (
                ("pro_cv", _spheroidal_characteristic(1.0)),
                ("obl_cv", _spheroidal_characteristic(-1.0)),
            )
        ),
    ]


def _crashes_beyond(
    position: int, argument: str, limit: float, float32_hangs: bool = False
) -> Callable[..., str | None]:
    """The guard of a function scipy 1.17 crashes on (a segmentation fault or a double free,
    measured) where its argument at position is not finite or beyond limit in size, at
    orders scipy computes (its first arguments m, n: integers, m >= 0, and for the
    spheroidal functions n >= m; elsewhere scipy answers nan without computing); and,
    float32_hangs, whose float32 loop never returns (pro_cv, obl_cv and the spheroidal
    functions that call them: measured, plain scipy too)."""

    def crashes(*values: Any) -> str | None:
        if float32_hangs and np.result_type(*values) == np.float32:
            return (
                "scipy's float32 loop never returns (scipy 1.17; plain scipy too): "
                "hyperdiff refuses float32 values (pass float64)"
            )
        v = np.asarray(values[position])
        if v.dtype.kind not in "fc":
            return None
        with np.errstate(invalid="ignore"):
            beyond = ~(np.isfinite(v) & (np.abs(v) <= limit))
            orders = [np.asarray(o) for o in values[: min(position, 2)]]
            for order in orders:
                beyond = beyond & (order == np.floor(order)) & (order >= 0)
            if len(orders) == 2:
                beyond = beyond & (orders[1] >= orders[0])
        if not np.any(beyond):
            return None
        where = "not finite" if limit == math.inf else f"not finite or beyond {limit:g} in size"
        return (
            f"scipy crashes the process where {argument} is {where} (scipy 1.17; "
            f"plain scipy too): hyperdiff refuses those values"
        )

    return crashes


# Private ufuncs scipy's Python functions call (scipy.special.zeta calls _zeta or
# _riemann_zeta), with the public name and the rule.
def _private_entries() -> list[tuple[str, Entry]]:
    return [
        (
            "_lambertw",
            Entry(
                "lambertw",
                ("z", "k", "tol"),
                (0,),
                _lambertw,
                complex=True,
                why="k is the branch (an integer) and tol a tolerance",
            ),
        ),
        ("_zeta", Entry("zeta", ("x", "q"), (0, 1), _hurwitz_zeta)),
        ("_riemann_zeta", Entry("zeta", ("x",), (0,), _riemann_zeta)),
        ("zetac", Entry("zetac", ("x",), (0,), _riemann_zeta)),
    ]


def table() -> dict[np.ufunc, Entry]:
    """The scipy.special ufuncs this module differentiates (empty while scipy.special is
    not imported: no ufunc of it can have reached a dual array then)."""
    if "scipy.special" not in sys.modules:
        return {}
    return _scipy_table()


@functools.cache
def _scipy_table() -> dict[np.ufunc, Entry]:
    import scipy.special
    import scipy.special._ufuncs as private

    found: dict[np.ufunc, Entry] = {}
    for names, entry in _entries():
        for name in names:
            ufunc = getattr(scipy.special, name, None)
            if isinstance(ufunc, np.ufunc):
                found[ufunc] = entry
    for name, entry in _private_entries():
        ufunc = getattr(private, name, None)
        if isinstance(ufunc, np.ufunc):
            found[ufunc] = entry
    return found


def names(complex_values: bool = False) -> list[str]:
    """Public names (scipy.special.x) of the functions the table differentiates (of
    complex values: the holomorphic ones with scipy's complex loops)."""
    try:
        import scipy.special  # noqa: F401
    except ImportError:
        return []
    listed = [*_entries(), *(((e.name,), e) for _, e in _private_entries())]
    return sorted(
        {
            f"scipy.special.{name}"
            for aliases, e in listed
            if e.dual and (e.complex or not complex_values)
            for name in aliases
        }
    )


def _kind(cls: Any) -> Any:
    """What _core.chain_* takes for a kind: its index, or a Jet's layout."""
    return cls._kind if cls._kind >= 0 else cls._layout


def _wide(value: Any) -> np.ndarray:
    """A value in float64 or complex128 (derivatives are computed there)."""
    arr = np.asarray(value)
    if arr.dtype.kind in "biu":  # integer orders and counts stay integers (scipy's loops)
        return arr
    return arr.astype(np.complex128 if arr.dtype.kind == "c" else np.float64, copy=False)


def _planes(x: Any, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """A dual operand's planes in dtype, broadcast to shape, C-contiguous."""
    data = x._stack.astype(dtype, copy=False)
    if data.shape[1:] != shape:
        data = np.broadcast_to(
            data.reshape(data.shape[:1] + (1,) * (len(shape) + 1 - data.ndim) + data.shape[1:]),
            data.shape[:1] + shape,
        )
    return np.ascontiguousarray(data)


def _ready(d: Any, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    return np.ascontiguousarray(np.broadcast_to(np.asarray(d).astype(dtype, copy=False), shape))


def apply(ufunc: np.ufunc, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """ufunc(*inputs) for a table function with dual arrays among the inputs."""
    kwargs = dict(kwargs)
    out = kwargs.pop("out", None)
    _check_kwargs(ufunc, kwargs)
    return evaluate(table()[ufunc], ufunc, tuple(inputs), out)


register_ufunc_rules(special=apply, special_table=table)  # _ufuncs.apply_ufunc's


def evaluate(entry: Entry, function: Callable[..., Any], inputs: tuple[Any, ...], out: Any) -> Any:
    """function(*inputs) (scipy's function of the values) with entry's derivatives, for
    dual arrays among the inputs: the body of apply, and of hyperdiff.special's
    functions that scipy cannot dispatch."""
    DualArray = _dual_type()
    name = f"scipy.special.{entry.name}"
    if len(inputs) != len(entry.args):
        raise TypeError(f"{name} takes {len(entry.args)} arguments, not {len(inputs)}")
    duals = [n for n, a in enumerate(inputs) if isinstance(a, DualArray)]
    for n in duals:
        if n not in entry.dual:
            *others, last = [entry.args[d] for d in entry.dual] or [""]
            where = (
                f"only in {', '.join(others)}{' and ' if others else ''}{last}"
                if entry.dual
                else "in none of its arguments"
            )
            why = f" ({entry.why})" if entry.why else "" if entry.dual else " (no closed form)"
            raise TypeError(
                f"hyperdiff cannot differentiate {name} in its argument {entry.args[n]} "
                f"(a dual array here): {name} is differentiable {where}{why}"
            )
    if len({type(inputs[n]) for n in duals}) > 1:
        from ._multivariate import unify

        inputs = unify(inputs)
        kinds = list(dict.fromkeys(type(inputs[n]) for n in duals))
        if len(kinds) > 1:
            from ._arrays import combine_error

            raise combine_error(name, kinds[0], kinds[1])
    cls = type(inputs[duals[0]])
    if entry.prime is not None and len(inputs) == 1 and _univariate(cls):
        return _store(
            _output(out, cls, inputs[0].dtype, inputs[0].shape),
            cls,
            _taylor_by_prime(entry, function, inputs[0]),
        )
    if entry.series is not None and len(inputs) == 1 and _univariate(cls):
        if inputs[0].dtype.kind == "c":
            raise TypeError(f"hyperdiff does not support {name} of complex Taylor arrays")
        return _store(
            _output(out, cls, inputs[0].dtype, inputs[0].shape),
            cls,
            _taylor_by_series(entry, function, inputs[0]),
        )
    if getattr(cls, "_order", 2) > entry.order or (cls._kind < 0 and not hasattr(cls, "_layout")):
        gives = "first and second derivatives" if entry.order == 2 else "first derivatives"
        raise TypeError(
            f"hyperdiff does not support {name} on {cls.__name__} arrays: its rule gives "
            f"the {gives} only"
        )
    values = [
        a._stack[0] if isinstance(a, DualArray) else a if np.isscalar(a) else np.asarray(a)
        for a in inputs
    ]
    if entry.crashes is not None and (message := entry.crashes(*values)) is not None:
        raise ValueError(f"{name}: {message}")
    value = function(*values)  # scipy's own value (a tuple for sici, airy, ...)
    several = isinstance(value, tuple)
    f0s = [np.asarray(v) for v in (value if several else (value,))]
    f0 = f0s[0]
    dtype = check_component_dtype(f0.dtype)
    if dtype.kind == "c" and not entry.complex:
        raise TypeError(f"hyperdiff does not support {name} of complex values on dual arrays")
    shape = f0.shape
    wide = [_wide(v) for v in values]
    if f0.dtype == _wide(f0).dtype:
        wide_value = value
    else:
        wide_value = function(*wide)
    with np.errstate(all="ignore"):  # (the rules' inf and nan are the derivatives' own)
        derivatives = entry.rule(wide_value, *wide)
    chosen = [entry.dual.index(n) for n in duals]
    second_order = getattr(cls, "_order", 2) >= 2
    if not several and any(callable(d) for d in derivatives):
        with np.errstate(all="ignore"):
            derivatives = _needed(derivatives, len(entry.dual), chosen, second_order)
    elif several and any(callable(d) for output in derivatives for d in output):
        with np.errstate(all="ignore"):
            derivatives = tuple(
                _needed(d, len(entry.dual), chosen, second_order) for d in derivatives
            )
    if entry.name in _FLAT_TAILS and not several:
        derivatives = _flat_tails(derivatives, [wide[n] for n in entry.dual], wide_value)
    planes = [_planes(inputs[n], dtype, shape) for n in duals]

    def chained(value: Any, partials: Arrays) -> np.ndarray:
        # where scipy's value is nan (outside the domain) no derivative either: a rule's
        # partials there may be finite (fdtrc(-1, -7.5, x)'s in x was 0.619, the partials
        # in a shape from a formula 0), so they are made nan, and the chain rule's strong
        # zeros keep the parts of directions the point does not move in 0 (as np.arcsin's
        # kernel has it: grad of sum(erfinv(v)) at [2, .3] was [nan, nan], not [nan, 1.07])
        undefined = np.isnan(value)
        if np.any(undefined):
            partials = tuple(np.where(undefined, np.nan, d) for d in partials)
        return _chained(cls, planes, value, _chosen(partials, len(entry.dual), chosen), dtype)

    if several:  # one rule's derivatives per output
        if out is not None:
            raise TypeError(f"hyperdiff does not support out= of {name} on dual arrays")
        return tuple(cls._wrap(chained(*d)) for d in zip(f0s, derivatives, strict=True))
    target_out = _output(out, cls, dtype, shape)
    return _store(target_out, cls, chained(f0, derivatives))


def _univariate(cls: Any) -> bool:
    """A univariate Taylor kind (the bundles, several directions, are not handled by
    primes)."""
    from ._taylor_arrays import TaylorArray

    return issubclass(cls, TaylorArray) and hasattr(cls, "_degree")


def _taylor_by_prime(entry: Entry, function: Callable[..., Any], x: Any) -> np.ndarray:
    """The planes of f(x) for a Taylor array x of degree d (derivative-style planes) from
    f' as numpy code: y = f(x) has y' = f'(x) x', so y's planes 1..d are those of the
    series f'(x(t)) x'(t) to degree d - 1, which hyperdiff computes by running f' on x
    cut to degree d - 1 (f' may call f itself: each call one degree shorter, down to
    degree 1, where y_1 = f'(x_0) x_1) and multiplying by x' (x's planes 1..d)."""
    from ._arrays import tagged
    from ._taylor_arrays import taylor_type

    assert entry.prime is not None
    cls, data = type(x), x._stack
    degree = cls._degree
    value = np.asarray(function(data[0]))  # scipy's own value, bit for bit
    dtype = check_component_dtype(np.result_type(value, data))
    out = np.empty((degree + 1, *value.shape), dtype=dtype)
    out[0] = value
    with np.errstate(all="ignore"):
        if degree == 1:  # f'(x0) x1
            out[1] = np.asarray(entry.prime(data[0])) * data[1]
        else:
            lower = tagged(taylor_type(degree - 1), cls._tag)
            slope = entry.prime(lower._wrap(np.ascontiguousarray(data[:degree])))
            rate = lower._wrap(np.ascontiguousarray(data[1:]))
            product = slope * rate
            out[1:] = product._stack if isinstance(product, _dual_type()) else product
    # where scipy's value is nan (outside the domain: exp1 at x < 0), no derivative
    # either, as at orders 1 and 2 (f' may be finite there: -exp(-x)/x)
    out[1:] = np.where(np.isnan(value), np.nan, out[1:])
    return out


def _taylor_by_series(entry: Entry, function: Callable[..., Any], x: Any) -> np.ndarray:
    """The planes of f(x) for a Taylor array x of degree d from f's derivatives f_k at
    x's value x0 (Entry.series): f(x) = sum_k f_k/k! (x - x0)^k, by Horner's rule in
    hyperdiff's Taylor arithmetic (x - x0 has value 0: the sum ends at k = d)."""
    assert entry.series is not None
    data = x._stack
    degree = type(x)._degree
    value = np.asarray(function(data[0]))  # scipy's own value, bit for bit
    dtype = check_component_dtype(np.result_type(value, data))
    with np.errstate(all="ignore"):
        derivatives = entry.series(_wide(data[0]), degree)
        step = x - data[0]
        total = derivatives[degree] / math.factorial(degree)
        for k in range(degree - 1, -1, -1):
            total = total * step + derivatives[k] / math.factorial(k)
    out = np.array(total._stack, dtype=dtype)
    out[0] = value
    out[1:] = np.where(np.isnan(value), np.nan, out[1:])  # no derivative where no value
    return out


def _chained(
    cls: Any,
    planes: list[np.ndarray],
    f0: Any,
    chosen: tuple[list[Any], dict[Any, Any]],
    dtype: Any,
) -> np.ndarray:
    """f's planes from its value f0 and the gradient and Hessian of the dual arguments
    (whose planes are given): _core's unary chain rule for one; for several, as the chain
    rule is linear in the partials, a sum of binary chain rules over pairs (i, j): the first
    carries f0 and the gradient and Hessian of arguments 0 and 1, (0, j) adds f_j, f_0j,
    f_jj and (i, j) f_ij (an infinite part times a partial it does not carry gives nan
    there, not inf)."""
    gradient, hessian = chosen
    shape = np.shape(planes[0])[1:]
    ready = functools.partial(_ready, dtype=dtype, shape=shape)
    result = np.empty((cls._planes, *shape), dtype=dtype)
    if len(planes) == 1:
        f1, f2 = ready(gradient[0]), ready(hessian[0, 0])
        _core.chain_unary(_kind(cls), planes[0], ready(f0), f1, f2, result)
        return result
    zero = np.zeros(shape, dtype=dtype)
    for i, j in itertools.combinations(range(len(planes)), 2):
        if (i, j) == (0, 1):
            partials = (f0, *gradient[:2], hessian[0, 0], hessian[0, 1], hessian[1, 1])
        elif i == 0:
            partials = (zero, zero, gradient[j], zero, hessian[0, j], hessian[j, j])
        else:
            partials = (zero, zero, zero, zero, hessian[i, j], zero)
        term = result if (i, j) == (0, 1) else np.empty_like(result)
        _core.chain_binary(
            _kind(cls), planes[i], True, planes[j], True, [ready(d) for d in partials], term
        )
        if term is not result:
            result += term
    if len(planes) > 2:
        result[0] = f0  # (the sums' -0.0 + 0.0 would lose scipy's sign of zero)
    return result


# Functions finite at an infinite argument whose partials there tend to a limit, so to 0
# (f -> c and f' -> L force L = 0): their rules' inf * 0 and inf - inf at +-inf are that 0.
# Not for functions whose derivatives swing without a limit (fresnel, airy, itairy at
# -inf) or whose values there are no limits (rgamma at -inf).
_FLAT_TAILS = frozenset(
    {
        *("besselpoly", "beta", "boxcox", "boxcox1p", "chndtr", "ellipk", "ellipkm1"),
        *("elliprc", "elliprd", "elliprj", "exprel", "fdtr", "fdtrc", "kolmogorov"),
        *("nctdtr", "owens_t", "stdtr", "voigt_profile", "zeta", "zetac"),
    }
)


def _flat_tails(derivatives: Arrays, values: list[Any], f0: Any) -> Arrays:
    """A rule's partials (gradient, then the Hessian's upper triangle row by row) with
    their nan set to 0 where an argument they involve is +-inf and f0 is finite."""
    infinite = [np.isinf(v) for v in values]
    if not any(np.any(i) for i in infinite):
        return derivatives
    n = len(values)
    involved = [(i,) for i in range(n)] + [(i, j) for i in range(n) for j in range(i, n)]
    finite = np.isfinite(f0)
    out = []
    for d, args in zip(derivatives, involved, strict=True):
        flat = finite & functools.reduce(np.logical_or, [infinite[i] for i in args]) & np.isnan(d)
        out.append(np.where(flat, 0.0, d) if np.any(flat) else d)
    return tuple(out)


def _needed(derivatives: Arrays, n: int, chosen: list[int], second_order: bool) -> Arrays:
    """A rule's partials (gradient of n, then the Hessian's upper triangle row by row) with
    those it gives as functions called only where needed: the gradient in the chosen dual
    positions, the Hessian between them for second-order kinds; 0 elsewhere (f'' beyond
    first order, a partial in a parameter that is no dual array here)."""
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    needed = [i in chosen for i in range(n)]
    needed += [second_order and i in chosen and j in chosen for i, j in pairs]
    return tuple(
        (d() if wanted else np.zeros(())) if callable(d) else d
        for d, wanted in zip(derivatives, needed, strict=True)
    )


def _chosen(derivatives: Arrays, n: int, chosen: list[int]) -> tuple[list[Any], dict[Any, Any]]:
    """The gradient and Hessian of the chosen dual positions (indices into Entry.dual)
    from a rule's gradient of n partials and the Hessian's upper triangle, row by row:
    (f1, f2) for one dual position, (fx, fy, fxx, fxy, fyy) for two."""
    upper = iter(derivatives[n:])
    full = {(i, j): next(upper) for i in range(n) for j in range(i, n)}
    pairs = itertools.combinations_with_replacement(range(len(chosen)), 2)
    return [derivatives[c] for c in chosen], {(a, b): full[chosen[a], chosen[b]] for a, b in pairs}
