"""Every table entry at special values: infinities, huge and tiny magnitudes
(subnormals included), signed zeros and the ends of each function's domain.

The references are the functions' derivatives in closed form, evaluated with
mpmath at 50 digits here in the test (never with hyperdiff). Where a closed
form is not finite at the point it is replaced by a limit:

- at +-inf: the limit along x -> +-inf, from the closed form at 1e1000 and
  1e2000 (far beyond every dtype's range): equal after rounding -> that value;
  growing -> +-inf; anything else (oscillation, poles piling up) -> nan;
- at a finite singular point (a pole, sqrt(0), a domain end), for each part
  not finite there: the one-sided limit from the side a signed zero names
  (IEEE's 1/-0 = -inf), else from the side where that part is real (x^y at
  x = -0: d/dx from the left at an integer y, d/dy from the right), read from
  two steps toward the zero as at +-inf (so log x -> -inf shows); if both
  sides of a nonzero point are real and disagree, the derivative is
  undefined: nan.
- where numpy's value is nan (outside the domain, inf - inf), nan.
Where both arguments are infinite, a smooth binary function's partials are the
limit along the diagonal if it is the same along the ray (1, 2), else nan (hypot's
x/r: 1/sqrt 2 and 1/sqrt 5 there); piecewise ones (maximum, fmod, ...) take the
diagonal, a tie (numpy's value treats inf == inf as one: maximum(inf, inf) = inf),
and follow their convention at ties. Partials at the origin are nan unless the closed form
states a convention (hypot: 0; power: d/dx x^0 = 0). power's x tends to inf
and 0 much further (DEEP_PROXIES), since x^y's limits in x with a tiny y
fixed show only where |y log x| is large.

The closed forms themselves are checked against mpmath's numerical
differentiation (mp.diff) at an ordinary point, so a typo there cannot agree
with a typo in the C++ core.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from functools import cache, partial
from typing import Any

import mpmath
import numpy as np
import pytest
from mpmath import mp, mpf

import hyperdiff as hd
from hyperdiff import _core

DTYPES = ("float64", "float32")
MP_DPS = 50
# Allowed error in ulps (as tests/test_references.py): values, first and
# second derivatives.
ULPS = {"value": 4.0, "first": 6.0, "second": 8.0}

# The special points per dtype: infinities, the largest finite magnitudes,
# huge values whose square overflows, tiny and subnormal ones, signed zeros,
# and domain ends (+-1: arcsin, arccos, arctanh, arccosh, log1p, logit;
# -2: a pole of gammaln; 0.5: the middle of logit).
POINTS = {
    "float64": (
        math.inf, 1.7e308, 1e300, 1e200, 1e160, 1e-300, 5e-324, 0.0, 1.0, 0.5, 2.0,
        -math.inf, -1.7e308, -1e300, -1e200, -1e160, -1e-300, -5e-324, -0.0, -1.0, -0.5, -2.0,
    ),
    "float32": (
        math.inf, 3e38, 1e30, 1e20, 1e-30, 1e-40, 1e-45, 0.0, 1.0, 0.5, 2.0,
        -math.inf, -3e38, -1e30, -1e20, -1e-30, -1e-40, -1e-45, -0.0, -1.0, -0.5, -2.0,
    ),
}  # fmt: skip
# Binary functions: a smaller set, all pairs.
BINARY_POINTS = {
    "float64": (
        math.inf, 1.7e308, 1e200, 1e-300, 5e-324, 0.0, 1.0, 2.5,
        -math.inf, -1e300, -5e-324, -0.0, -1.0, -0.5,
    ),
    "float32": (
        math.inf, 3e38, 1e20, 1e-30, 1e-45, 0.0, 1.0, 2.5,
        -math.inf, -1e30, -1e-45, -0.0, -1.0, -0.5,
    ),
}  # fmt: skip

# --------------------------------------------------------------------------
# Closed forms. Unary: x -> (f1, f2). Binary: (x, y) -> (fx, fy, fxx, fxy, fyy).
# Non-differentiable points take the convention of DESIGN.md section 1
# (piecewise constant: 0; |x|' = sign(x) with sign(0) = 0; maximum and the
# like follow the first argument at a tie; hypot's partials 0 at the origin).

Mp = Any
# A partial that is identically zero (the chain rule skips it): it stays 0
# even where numpy's value is nan, e.g. d2/dx2 (x + y) at (inf, -inf).
ZERO = mpf(0)
Unary = Callable[[Mp], tuple[Mp, Mp]]
Binary = Callable[[Mp, Mp], tuple[Mp, Mp, Mp, Mp, Mp]]

LN2, LN10 = mp.ln2, mp.ln10  # constants evaluated at the working precision


def _cbrt(x: Mp) -> Mp:
    return mp.sign(x) * mp.cbrt(abs(x))


def _expit(x: Mp) -> Mp:
    return 1 / (1 + mp.exp(-x))


def _expit_parts(x: Mp) -> tuple[Mp, Mp]:
    # s' = s (1 - s) = 1/(4 cosh^2(x/2)), s'' = s' (1 - 2s) with 1 - 2s = -tanh(x/2)
    d = 1 / (4 * mp.cosh(x / 2) ** 2)
    return d, -d * mp.tanh(x / 2)


def _polygamma_parts(x: Mp) -> tuple[Mp, Mp]:
    """log|Gamma|' = digamma, '' = trigamma; below 0 by reflection (mpmath's
    own is slow at high precision). Toward -inf the poles at the negative
    integers pile up: no limit."""
    if x <= -INF_PROXIES[0]:
        raise ValueError("no limit at -inf")
    if x > 0:
        return mp.psi(0, x), mp.psi(1, x)
    if mp.isint(x):
        raise ZeroDivisionError("pole")
    s = mp.sinpi(x)
    y = 1 - x
    with mp.workdps(MP_DPS):  # (near a pole, mpmath's psi at a side step's precision is slow)
        psi0, psi1 = mp.psi(0, y), mp.psi(1, y)
    return psi0 - mp.pi * mp.cospi(x) / s, -psi1 + (mp.pi / s) ** 2


def _gauss(x: Mp) -> Mp:
    """erf'(x) = 2/sqrt(pi) exp(-x^2)."""
    return 2 / mp.sqrt(mp.pi) * mp.exp(-(x**2))


def _normal_pdf(x: Mp) -> Mp:
    """ndtr'(x) = exp(-x^2/2)/sqrt(2 pi)."""
    return mp.exp(-(x**2) / 2) / mp.sqrt(2 * mp.pi)


def _zero(_: Mp) -> tuple[Mp, Mp]:
    return mpf(0), ZERO


UNARY: dict[str, Unary] = {
    "negative": lambda x: (mpf(-1), ZERO),
    "positive": lambda x: (mpf(1), ZERO),
    "absolute": lambda x: (mp.sign(x), ZERO),
    "sign": _zero,
    "sqrt": lambda x: (1 / (2 * mp.sqrt(x)), -1 / (4 * x * mp.sqrt(x))),
    "cbrt": lambda x: (1 / (3 * _cbrt(x) ** 2), -2 / (9 * x * _cbrt(x) ** 2)),
    "square": lambda x: (2 * x, mpf(2)),
    "reciprocal": lambda x: (-1 / x**2, 2 / x**3),
    "exp": lambda x: (mp.exp(x), mp.exp(x)),
    "exp2": lambda x: (LN2 * 2**x, LN2**2 * 2**x),
    "expm1": lambda x: (mp.exp(x), mp.exp(x)),
    "log": lambda x: (1 / x, -1 / x**2),
    "log2": lambda x: (1 / (x * LN2), -1 / (x**2 * LN2)),
    "log10": lambda x: (1 / (x * LN10), -1 / (x**2 * LN10)),
    "log1p": lambda x: (1 / (1 + x), -1 / (1 + x) ** 2),
    "sin": lambda x: (mp.cos(x), -mp.sin(x)),
    "cos": lambda x: (-mp.sin(x), -mp.cos(x)),
    "tan": lambda x: (1 / mp.cos(x) ** 2, 2 * mp.tan(x) / mp.cos(x) ** 2),
    "arcsin": lambda x: (1 / mp.sqrt(1 - x**2), x / (1 - x**2) ** mpf(1.5)),
    "arccos": lambda x: (-1 / mp.sqrt(1 - x**2), -x / (1 - x**2) ** mpf(1.5)),
    "arctan": lambda x: (1 / (1 + x**2), -2 * x / (1 + x**2) ** 2),
    "sinh": lambda x: (mp.cosh(x), mp.sinh(x)),
    "cosh": lambda x: (mp.sinh(x), mp.cosh(x)),
    "tanh": lambda x: (1 / mp.cosh(x) ** 2, -2 * mp.tanh(x) / mp.cosh(x) ** 2),
    "arcsinh": lambda x: (1 / mp.sqrt(1 + x**2), -x / (1 + x**2) ** mpf(1.5)),
    "arccosh": lambda x: (1 / mp.sqrt(x**2 - 1), -x / (x**2 - 1) ** mpf(1.5)),
    "arctanh": lambda x: (1 / (1 - x**2), 2 * x / (1 - x**2) ** 2),
    "deg2rad": lambda x: (mp.pi / 180, ZERO),
    "rad2deg": lambda x: (180 / mp.pi, ZERO),
    "floor": _zero,
    "ceil": _zero,
    "trunc": _zero,
    "rint": _zero,
    "erf": lambda x: (_gauss(x), -2 * x * _gauss(x)),
    "erfc": lambda x: (-_gauss(x), 2 * x * _gauss(x)),
    "expit": _expit_parts,
    "logit": lambda x: (1 / (x * (1 - x)), (2 * x - 1) / (x * (1 - x)) ** 2),
    "gammaln": lambda x: _polygamma_parts(x),
    "ndtr": lambda x: (_normal_pdf(x), -x * _normal_pdf(x)),
}  # fmt: skip

# The functions themselves, for checking the closed forms with mp.diff.
UNARY_FUNCTIONS: dict[str, Callable[[Mp], Mp]] = {
    "negative": lambda x: -x, "positive": lambda x: x, "absolute": abs,
    "sign": mp.sign, "sqrt": mp.sqrt, "cbrt": _cbrt, "square": lambda x: x**2,
    "reciprocal": lambda x: 1 / x, "exp": mp.exp, "exp2": lambda x: 2**x,
    "expm1": mp.expm1, "log": mp.log, "log2": lambda x: mp.log(x, 2),
    "log10": mp.log10, "log1p": mp.log1p, "sin": mp.sin, "cos": mp.cos, "tan": mp.tan,
    "arcsin": mp.asin, "arccos": mp.acos, "arctan": mp.atan, "sinh": mp.sinh,
    "cosh": mp.cosh, "tanh": mp.tanh, "arcsinh": mp.asinh, "arccosh": mp.acosh,
    "arctanh": mp.atanh, "deg2rad": lambda x: x * mp.pi / 180,
    "rad2deg": lambda x: x * 180 / mp.pi, "floor": mp.floor, "ceil": mp.ceil,
    "trunc": lambda x: mp.sign(x) * mp.floor(abs(x)), "rint": mp.nint, "erf": mp.erf,
    "erfc": mp.erfc, "expit": _expit, "logit": lambda x: mp.log(x / (1 - x)),
    "gammaln": lambda x: mp.log(abs(mp.gamma(x))), "ndtr": mp.ncdf,
}  # fmt: skip
# An ordinary point of each (for mp.diff).
ORDINARY = {"arccosh": mpf(1.75), "logit": mpf(0.3)}


def _pow(x: Mp, y: Mp, k: int = 0) -> Mp:
    """x^(y - k) as exp((y - k) log|x|) (mp.power multiplies out huge integer
    exponents), its sign at x < 0 from the exact y (y - k rounds to y at 1e200);
    beyond |y log x| = 1e6, far out of every dtype's range, 2^(+-2e6) (mpmath
    takes minutes for exp(1e2000))."""
    if x == 0:
        return mp.power(x, y - k)
    sign = 1
    if x < 0:
        if not mp.isint(y):
            return mpmath.mpc(0, 1)  # not real
        sign = 1 if mp.isint(y / 2) == (k % 2 == 0) else -1
    t = (y - k) * mp.log(abs(x))
    if abs(t) > 10**6:
        return sign * mp.ldexp(mpf(1), int(mp.sign(t)) * 2 * 10**6)
    return sign * mp.exp(t)


NONREAL = mpmath.mpc(0, 1)


def _power(x: Mp, y: Mp) -> tuple[Mp, Mp, Mp, Mp, Mp]:
    """x^y's partials. y = 0: x^0 = 1 for every x (numpy's 0^0 too), so d/dx
    and d2/dx2 are 0 there. x < 0: x^y is real at integer y only, so the
    partials in y are not real (mpmath's 0 * log(x) would hide it at y = 0).
    A part that divides by zero (at x = 0) is inf: not finite, so its limit."""

    def part(f: Callable[[], Mp]) -> Mp:
        try:
            return f()
        except ZeroDivisionError:
            return mp.inf

    fx = part(lambda: mpf(0) if y == 0 else y * _pow(x, y, 1))
    fxx = part(lambda: mpf(0) if y == 0 else y * (y - 1) * _pow(x, y, 2))
    if x < 0:
        if abs(y) >= INF_PROXIES[0]:
            # real at integer y only: as y -> +-inf through the reals the parts
            # have a limit only where they vanish (their sign is no limit)
            fx, fxx = (v if abs(v) < mpf("1e-400") else NONREAL for v in (fx, fxx))
        return fx, NONREAL, fxx, NONREAL, NONREAL
    lg = mp.log(x)
    return (
        fx,
        part(lambda: _pow(x, y) * lg),
        fxx,
        part(lambda: _pow(x, y, 1) * (1 + y * lg)),
        part(lambda: _pow(x, y) * lg**2),
    )


def _arctan2(x: Mp, y: Mp) -> tuple[Mp, Mp, Mp, Mp, Mp]:
    r2 = x**2 + y**2
    return y / r2, -x / r2, -2 * x * y / r2**2, (x**2 - y**2) / r2**2, 2 * x * y / r2**2


def _hypot(x: Mp, y: Mp) -> tuple[Mp, Mp, Mp, Mp, Mp]:
    if x == 0 and y == 0:
        return (mpf(0),) * 5
    r = mp.hypot(x, y)
    return x / r, y / r, y**2 / r**3, -x * y / r**3, x**2 / r**3


def _logaddexp(base: Mp) -> Binary:
    """The partials of log_base(base^x + base^y)."""

    def partials(x: Mp, y: Mp) -> tuple[Mp, Mp, Mp, Mp, Mp]:
        ln = mp.log(base)
        s = 1 / (1 + mp.exp((y - x) * ln))  # base^x / (base^x + base^y)
        t = 1 / (1 + mp.exp((x - y) * ln))
        k = ln * s * t
        return s, t, k, -k, k

    return partials


def _select(first: bool) -> tuple[Mp, Mp, Mp, Mp, Mp]:
    return (mpf(1), mpf(0)) if first else (mpf(0), mpf(1))


LINEAR = (ZERO,) * 3

BINARY: dict[str, Binary] = {
    "add": lambda x, y: (mpf(1), mpf(1), *LINEAR),
    "subtract": lambda x, y: (mpf(1), mpf(-1), *LINEAR),
    "multiply": lambda x, y: (y, x, ZERO, mpf(1), ZERO),
    "divide": lambda x, y: (1 / y, -x / y**2, ZERO, -1 / y**2, 2 * x / y**3),
    "power": _power,
    "arctan2": _arctan2,
    "hypot": _hypot,
    # maximum and the like follow the first argument at a tie
    "maximum": lambda x, y: (*_select(x >= y), *LINEAR),
    "minimum": lambda x, y: (*_select(x <= y), *LINEAR),
    "fmax": lambda x, y: (*_select(x >= y), *LINEAR),
    "fmin": lambda x, y: (*_select(x <= y), *LINEAR),
    # x - n y with n the integer quotient (constant between its jumps)
    "fmod": lambda x, y: (mpf(1), -mp.sign(x / y) * mp.floor(abs(x / y)), *LINEAR),
    "remainder": lambda x, y: (mpf(1), -mp.floor(x / y), *LINEAR),
    "floor_divide": lambda x, y: (ZERO, ZERO, *LINEAR),
    "logaddexp": _logaddexp(mp.e),
    "logaddexp2": _logaddexp(mpf(2)),
    # |x| with y's sign (y's sign bit: Python floats, see SIGNED); |x|' = sign(x), 0 at 0
    "copysign": lambda x, y: (mp.sign(x) * math.copysign(1, y), ZERO, *LINEAR),
}  # fmt: skip

# Piecewise functions: at (+-inf, +-inf) their value is a tie (inf == inf) and the
# partials follow its convention; a smooth function's take the limit where it exists
PIECEWISE = frozenset(
    {"maximum", "minimum", "fmax", "fmin", "fmod", "remainder", "floor_divide", "copysign"}
)

# Closed forms that read a signed zero: called with the point's Python floats.
SIGNED = frozenset({"copysign"})

BINARY_FUNCTIONS: dict[str, Callable[[Mp, Mp], Mp]] = {
    "add": lambda x, y: x + y, "subtract": lambda x, y: x - y,
    "multiply": lambda x, y: x * y, "divide": lambda x, y: x / y, "power": mp.power,
    "arctan2": mp.atan2, "hypot": mp.hypot, "logaddexp": lambda x, y: mp.log(mp.exp(x) + mp.exp(y)),
    "logaddexp2": lambda x, y: mp.log(2**x + 2**y, 2),
}  # fmt: skip
BINARY_ORDINARY = (mpf(1.25), mpf(-0.75))
BINARY_ORDINARY_POWER = (mpf(1.25), mpf(2.75))

# --------------------------------------------------------------------------
# References.

INF_PROXIES = (mpf(10) ** 1000, mpf(10) ** 2000)
# Steps aside from a singular point: 2^-3000 and 2^-6000 from 0 (far below the
# smallest subnormal, 2^-1074; two, so a slow divergence such as log x shows),
# 2^-2400 relative from any other point (1/sqrt of it overflows every dtype),
# exact at SIDE_PREC bits.
SIDE_STEPS = (mpf(2) ** -3000, mpf(2) ** -6000)
# x^y's limits in x with y fixed hold only where |y log x| is large, beyond
# 1e2000 for y = 5e-324: power's x tends to inf and 0 through these (mpmath's
# exponents are unbounded).
DEEP_PROXIES = (mpf(2) ** (2**1100), mpf(2) ** (2**1200))
DEEP_STEPS = tuple(1 / p for p in DEEP_PROXIES)
# Arguments of a closed form that take DEEP_PROXIES and DEEP_STEPS.
DEEP = {"power": (0,)}
SIDE_RELATIVE_STEP = mpf(2) ** -2400
SIDE_PREC = 2600  # bits, plus the point's binary exponent


def _real(v: Any) -> bool:
    return isinstance(v, mpf) or (isinstance(v, mpmath.mpc) and v.imag == 0)


def _to_dtype(v: Any, dtype: str) -> float:
    """An mpmath result rounded to ``dtype`` (non-real: nan)."""
    if not _real(v):
        return math.nan
    with np.errstate(over="ignore", under="ignore"):
        return float(np.array(float(mpmath.re(v))).astype(dtype))


def _parts(fn: Callable[..., tuple[Mp, ...]], args: tuple[Mp, ...], n: int) -> list[Any]:
    """The closed form's parts at ``args``, None where a part is not finite (all
    None where the closed form raises)."""
    try:
        parts = fn(*args)
    except (ZeroDivisionError, ValueError):
        return [None] * n
    return [None if _real(v) and not mp.isfinite(mpmath.re(v)) else v for v in parts]


def _limit_of(a: float, b: float) -> float:
    """The limit of a sequence from two rounded terms, the second further along:
    equal -> that value; growing with one sign -> +-inf; anything else -> nan."""
    if a == b or (math.isnan(a) and math.isnan(b)):
        return a
    if a * b > 0 and abs(b) > abs(a):
        return math.copysign(math.inf, b)
    return math.nan


def _sides(point: tuple[float, ...], args: tuple[Mp, ...], deep: tuple[int, ...]) -> list[Any]:
    """``args`` moved aside from a singular ``point``, in the order to try: a
    signed zero's own side first, then the other, each as two steps toward the
    zero (2^-3000, 2^-6000; for the arguments in ``deep``, DEEP_STEPS); a point
    without a zero (x = +-1) one relative step both ways."""
    zeros = [i for i, v in enumerate(point) if v == 0]
    if not zeros:
        finite = [i for i, v in enumerate(point) if not math.isinf(v)]
        return [
            [
                tuple(
                    a * (1 + k * SIDE_RELATIVE_STEP) if i in finite else a
                    for i, a in enumerate(args)
                )
            ]
            for k in (-1, 1)
        ]
    sides = []
    for k in (1, -1):
        steps = []
        for n in range(2):
            moved = list(args)
            for i in zeros:
                step = DEEP_STEPS[n] if i in deep else SIDE_STEPS[n]
                moved[i] = k * math.copysign(1.0, point[i]) * step
            steps.append(tuple(moved))
        sides.append(steps)
    return sides


def _rounded_at(
    fn: Callable[..., tuple[Mp, ...]],
    point: tuple[float, ...],
    args: tuple[Mp, ...],
    dtype: str,
    domain: Callable[..., bool],
    n: int,
    deep: tuple[int, ...],
) -> list[float]:
    """``fn`` at ``args`` (``point`` with its infinities replaced by a proxy)
    rounded to ``dtype``, each part not finite there replaced by its limit at
    the singular point (nan where it has none)."""
    parts = _parts(fn, args, n)
    out = [math.nan if v is None else _to_dtype(v, dtype) for v in parts]
    missing = [k for k, v in enumerate(parts) if v is None]
    zeros = sum(v == 0 for v in point)
    if not missing or zeros > 1:  # the origin of a binary function: depends on the path
        return out
    finite = [abs(mpf(v)) for v in point if v != 0 and not math.isinf(v)]
    with mp.workprec(SIDE_PREC + max([int(mp.mag(v)) for v in finite], default=0)):
        # (deep steps with an infinite y would take mpmath minutes: |y log x| ~ 1e1331)
        deep_zeros = () if any(math.isinf(v) for v in point) else deep
        sides = [
            [_parts(fn, a, n) if domain(*a) else [None] * n for a in steps]
            for steps in _sides(point, args, deep_zeros)
        ]
    for k in missing:
        # each part from the sides where it is real (x^y at x < 0: d/dx at an
        # integer y, but not d/dy)
        found = [
            [_to_dtype(at[k], dtype) for at in side]
            for side in sides
            if all(at[k] is not None and _real(at[k]) for at in side)
        ]
        if not found:
            continue
        if zeros:  # the first real side, its limit from the two steps
            out[k] = _limit_of(*found[0])
        else:  # both sides: they must agree
            values = [side[0] for side in found]
            out[k] = values[0] if all(v == values[0] for v in values) else math.nan
    return out


def _limit_at(
    fn: Callable[..., tuple[Mp, ...]],
    point: tuple[float, ...],
    dtype: str,
    n: int,
    domain: Callable[..., bool] = lambda *args: True,
    deep: tuple[int, ...] = (),
    rays: bool = False,
) -> tuple[float, ...]:
    """The closed form ``fn`` at ``point`` rounded to ``dtype``, or its limit
    there (see the top of the file); ``domain`` says whether a point aside is
    in the function's real domain; the arguments in ``deep`` tend to their
    infinities and zeros through DEEP_PROXIES and DEEP_STEPS."""
    if not any(math.isinf(v) for v in point):
        return tuple(_rounded_at(fn, point, tuple(mpf(v) for v in point), dtype, domain, n, deep))
    infinite = [i for i, v in enumerate(point) if math.isinf(v)]
    limits = []
    for ray in (1, 2) if rays and len(infinite) > 1 else (1,):
        rounded = []
        for k, proxy in enumerate(INF_PROXIES):
            args = tuple(
                mpf(v)
                if not math.isinf(v)
                else math.copysign(1, v)
                * (DEEP_PROXIES[k] if i in deep else proxy)
                * (ray if i == infinite[-1] else 1)
                for i, v in enumerate(point)
            )
            rounded.append(_rounded_at(fn, point, args, dtype, domain, n, deep))
        limits.append([_limit_of(a, b) for a, b in zip(*rounded, strict=True)])
    # a limit that differs along the diagonal and along (1, 2) does not exist: nan
    return tuple(
        a if all(b == a or (math.isnan(a) and math.isnan(b)) for b in along) else math.nan
        for a, *along in zip(*limits, strict=True)
    )


def _real_at(name: str, x: Mp) -> bool:
    if name == "gammaln":  # log|Gamma| is real off its poles (and mpmath is slow near them)
        return True
    try:
        return _real(UNARY_FUNCTIONS[name](x))
    except (ZeroDivisionError, ValueError):
        return False


def table(arity: str) -> list[tuple[str, str]]:
    """(name, module) of every table entry the extension exports."""
    entries = _core.UNARY_FUNCTIONS if arity == "unary" else _core.BINARY_FUNCTIONS
    return [(name, module) for name, module, _ in entries]


def ufunc(name: str, module: str) -> np.ufunc:
    if module != "numpy":
        pytest.importorskip(module)
    return getattr(importlib.import_module(module), name)


@cache
def unary_expected(name: str, dtype: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, f1, f2) at the special points; nan where numpy's value is nan."""
    x = np.array(POINTS[dtype], dtype)
    module = dict(table("unary"))[name]
    with np.errstate(all="ignore"):
        values = ufunc(name, module)(x)
    f1, f2 = [], []
    with mp.workdps(MP_DPS):
        for v, value in zip(x.tolist(), values, strict=True):
            if np.isnan(value):  # nan, but an identically zero f2 stays 0
                d1 = math.nan
                d2 = 0.0 if UNARY[name](ORDINARY.get(name, mpf(0.375)))[1] is ZERO else math.nan
            else:
                d1, d2 = _limit_at(UNARY[name], (v,), dtype, 2, partial(_real_at, name))
            f1.append(d1)
            f2.append(d2)
    return x, np.array(f1), np.array(f2)


@cache
def binary_expected(name: str, dtype: str) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    pts = BINARY_POINTS[dtype]
    xs = np.array([a for a in pts for _ in pts], dtype)
    ys = np.array([b for _ in pts for b in pts], dtype)
    module = dict(table("binary"))[name]
    with np.errstate(all="ignore"):
        values = ufunc(name, module)(xs, ys)
    rows = []
    with mp.workdps(MP_DPS):
        for a, b, value in zip(xs.tolist(), ys.tolist(), values, strict=True):
            if name in SIGNED:
                rows.append(tuple(float(v) for v in BINARY[name](a, b)))
            elif np.isnan(value):  # nan, but an identically zero partial stays 0
                parts = BINARY[name](*BINARY_ORDINARY_POWER)
                rows.append(tuple(0.0 if v is ZERO else math.nan for v in parts))
            else:
                smooth = name not in PIECEWISE  # (a tie at (inf, inf) keeps its convention)
                rows.append(
                    _limit_at(BINARY[name], (a, b), dtype, 5, deep=DEEP.get(name, ()), rays=smooth)
                )
    cols = np.array(rows).T
    return xs, ys, dict(zip(("fx", "fy", "fxx", "fxy", "fyy"), cols, strict=True))


# --------------------------------------------------------------------------
# Comparison.


def ulp_error(got: np.ndarray, ref: np.ndarray, dtype: str) -> np.ndarray:
    """|got - ref| in ulps of ``dtype`` at ``ref`` (a subnormal unit at 0);
    equal infinities and nan against nan are 0, any other non-finite mismatch inf."""
    got = np.asarray(got, np.float64)
    ref = np.asarray(ref, np.float64)
    unit = np.spacing(np.abs(ref).astype(dtype)).astype(np.float64)
    unit = np.maximum(unit, float(np.spacing(np.finfo(dtype).tiny)))
    with np.errstate(all="ignore"):
        err = np.abs(got - ref) / unit
    same = (got == ref) | (np.isnan(got) & np.isnan(ref))
    return np.where(same, 0.0, np.where(np.isnan(err), np.inf, err))


def report(what: str, points: list[np.ndarray], got: np.ndarray, ref: np.ndarray, dtype: str,
           tol: float, err: np.ndarray | None = None) -> list[str]:  # fmt: skip
    if err is None:
        err = ulp_error(got, ref, dtype)
    bad = np.flatnonzero(err > tol)
    return [
        f"{what} at {tuple(float(p[i]) for p in points)}: got {float(got[i])!r}, "
        f"expected {float(ref[i])!r}"
        for i in bad
    ]


def check_value(
    fn: np.ufunc,
    args: list[np.ndarray],
    got: np.ndarray,
    dtype: str,
    exact: Callable[..., Mp] | None = None,
) -> list[str]:
    """Value parity with numpy: the same nan/inf/sign pattern, finite values
    within ULPS; or, where ``exact`` (the function in mpmath) is given, within
    ULPS of the true value where numpy's is not (scipy's gammaln(5e-324) = inf,
    the true value 744.44)."""
    with np.errstate(all="ignore"):
        expected = np.asarray(fn(*args))
    err = ulp_error(got, expected, dtype)
    if exact is not None:
        for i in np.flatnonzero(err > ULPS["value"]):
            with mp.workdps(MP_DPS):
                true = _to_dtype(exact(*(mpf(float(a[i])) for a in args)), dtype)
            if ulp_error(got[i], true, dtype) <= ULPS["value"]:
                err[i] = 0.0
    return report("value", args, got, expected, dtype, ULPS["value"], err)


def hyper(v: np.ndarray, e1: float, e2: float) -> Any:
    return hd.hyperdual(v, e1=e1, e2=e2, e12=0.0)


# --------------------------------------------------------------------------
# The sweep.


def unary_cases() -> list[Any]:
    return [
        pytest.param(name, dtype, id=f"{name}-{dtype}")
        for name, _ in table("unary")
        for dtype in DTYPES
    ]


# Known wrong derivatives at special points, left for now: the sweep skips
# them (a test below reproduces each as a strict xfail, so a fix shows).
KNOWN_BINARY: dict[str, str] = {}


def binary_cases() -> list[Any]:
    return [
        pytest.param(
            name,
            dtype,
            id=f"{name}-{dtype}",
            marks=[pytest.mark.skip(reason=KNOWN_BINARY[name])] if name in KNOWN_BINARY else [],
        )
        for name, _ in table("binary")
        for dtype in DTYPES
    ]


def test_every_entry_has_a_closed_form() -> None:
    assert {name for name, _ in table("unary")} == set(UNARY)
    assert {name for name, _ in table("binary")} == set(BINARY)


@pytest.mark.parametrize("name", [n for n, _ in table("unary")])
def test_unary_closed_form_against_mp_diff(name: str) -> None:
    """The closed forms above against numerical differentiation of the function."""
    with mp.workdps(MP_DPS):
        x = ORDINARY.get(name, mpf(0.375))
        f1, f2 = UNARY[name](x)
        fn = UNARY_FUNCTIONS[name]
        assert abs(f1 - mp.diff(fn, x, 1)) < mpf(10) ** -30
        assert abs(f2 - mp.diff(fn, x, 2)) < mpf(10) ** -30


@pytest.mark.parametrize("name", sorted(BINARY_FUNCTIONS))
def test_binary_closed_form_against_mp_diff(name: str) -> None:
    with mp.workdps(MP_DPS):
        x, y = BINARY_ORDINARY_POWER if name == "power" else BINARY_ORDINARY
        parts = BINARY[name](x, y)
        fn = BINARY_FUNCTIONS[name]
        orders = ((1, 0), (0, 1), (2, 0), (1, 1), (0, 2))
        for part, order in zip(parts, orders, strict=True):
            assert abs(part - mp.diff(fn, (x, y), order)) < mpf(10) ** -30, order


@pytest.mark.parametrize(("name", "dtype"), unary_cases())
def test_unary_special_values(name: str, dtype: str) -> None:
    module = dict(table("unary"))[name]
    fn = ufunc(name, module)
    x, f1, f2 = unary_expected(name, dtype)
    failures: list[str] = []
    with np.errstate(all="ignore"):
        dual = fn(hd.dual(x, 1.0))
        hyperdual = fn(hyper(x, 1.0, 1.0))
    exact = UNARY_FUNCTIONS[name]
    failures += check_value(fn, [x], dual.value, dtype, exact)
    failures += check_value(fn, [x], hyperdual.value, dtype, exact)
    failures += report("Dual .d vs f1", [x], dual.d, f1, dtype, ULPS["first"])
    for part in ("e1", "e2"):
        got = getattr(hyperdual, part)
        failures += report(f"HyperDual .{part} vs f1", [x], got, f1, dtype, ULPS["first"])
    failures += report("HyperDual .e12 vs f2", [x], hyperdual.e12, f2, dtype, ULPS["second"])
    if failures:
        pytest.fail(f"{name} [{dtype}]:\n" + "\n".join(failures), pytrace=False)


@pytest.mark.parametrize(("name", "dtype"), binary_cases())
def test_binary_special_values(name: str, dtype: str) -> None:
    module = dict(table("binary"))[name]
    fn = ufunc(name, module)
    x, y, ref = binary_expected(name, dtype)
    first, second = ULPS["first"], ULPS["second"]
    failures: list[str] = []
    with np.errstate(all="ignore"):
        mixed = fn(hyper(x, 1.0, 0.0), hyper(y, 0.0, 1.0))
        xx = fn(hyper(x, 1.0, 1.0), hyper(y, 0.0, 0.0))  # y's zero parts: strong zeros
        yy = fn(x, hyper(y, 1.0, 1.0))
        dx = fn(hd.dual(x, 1.0), y)
        dy = fn(hd.dual(x, 0.0), hd.dual(y, 1.0))
    failures += check_value(fn, [x, y], mixed.value, dtype)
    failures += check_value(fn, [x, y], dx.value, dtype)
    checks = (
        ("Dual(x; 1), y: .d vs fx", dx.d, "fx", first),
        ("Dual(x; 0), Dual(y; 1): .d vs fy", dy.d, "fy", first),
        ("HyperDual(x; 1, 0), (y; 0, 1): .e1 vs fx", mixed.e1, "fx", first),
        ("HyperDual(x; 1, 0), (y; 0, 1): .e2 vs fy", mixed.e2, "fy", first),
        ("HyperDual(x; 1, 0), (y; 0, 1): .e12 vs fxy", mixed.e12, "fxy", second),
        ("HyperDual(x; 1, 1), (y; 0, 0): .e12 vs fxx", xx.e12, "fxx", second),
        ("x, HyperDual(y; 1, 1): .e12 vs fyy", yy.e12, "fyy", second),
    )
    for what, got, key, tol in checks:
        failures += report(what, [x, y], got, ref[key], dtype, tol)
    if failures:
        pytest.fail(f"{name} [{dtype}]:\n" + "\n".join(failures), pytrace=False)


# --------------------------------------------------------------------------
# The defects this sweep was written for (issue 11, item 3), each against its
# closed form.


def seeded_pair(f: Callable[..., Any], x: float, y: float, dtype: str = "float64") -> Any:
    """(fx, fy, fxx, fxy, fyy) of f at (x, y), read from hyper-dual seeds:
    (x; 1, 0), (y; 0, 1) for fx, fy, fxy; (x; 1, 1) with a plain y for fxx;
    a plain x with (y; 1, 1) for fyy."""
    xs, ys = np.array([x], dtype), np.array([y], dtype)
    with np.errstate(all="ignore"):
        mixed = f(hyper(xs, 1.0, 0.0), hyper(ys, 0.0, 1.0))
        xx = f(hyper(xs, 1.0, 1.0), ys)
        yy = f(xs, hyper(ys, 1.0, 1.0))
    return (mixed.e1[0], mixed.e2[0], xx.e12[0], mixed.e12[0], yy.e12[0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("f", [np.logaddexp, np.logaddexp2])
def test_logaddexp_at_infinite_arguments(f: np.ufunc, dtype: str) -> None:
    # s = base^x / (base^x + base^y): fx = s, fy = 1 - s, fxx = fyy = -fxy = ln(base) s (1 - s)
    k = math.log(2) if f is np.logaddexp2 else 1.0
    inf = math.inf
    cases = {
        (1.5, -inf): (1.0, 0.0, 0.0, 0.0, 0.0),
        (-inf, 1.5): (0.0, 1.0, 0.0, 0.0, 0.0),
        (1.5, inf): (0.0, 1.0, 0.0, 0.0, 0.0),
        (inf, -inf): (1.0, 0.0, 0.0, 0.0, 0.0),
        (1.5, 1.5): (0.5, 0.5, k / 4, -k / 4, k / 4),
        # numpy's value takes inf == inf as a tie, but s's limit depends on the
        # direction (1/2 along the diagonal, 0 or 1 along (t, 2 t)): no partials
        (-inf, -inf): (math.nan,) * 5,
        (inf, inf): (math.nan,) * 5,
    }
    for (x, y), want in cases.items():
        got = seeded_pair(f, x, y, dtype)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=0, err_msg=f"{f.__name__}{x, y}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_erf_derivatives_vanish_at_infinity(name: str, dtype: str) -> None:
    f = getattr(pytest.importorskip("scipy.special"), name)
    x = np.array([math.inf, -math.inf, 1e200 if dtype == "float64" else 1e20], dtype)
    y = f(hyper(x, 1.0, 1.0))
    assert np.array_equal(y.e1, np.zeros(3)) and np.array_equal(y.e12, np.zeros(3))


def _ndtr_sample(dtype: str) -> np.ndarray:
    """Normals, tails to +-40 (ndtr(-38.5) is scipy's smallest nonzero), subnormals,
    +-0, +-inf and nan."""
    rng = np.random.default_rng(15)
    info = np.finfo(dtype)
    edges = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, math.sqrt(2), 8 * math.sqrt(2)]
    tiny = [info.smallest_subnormal, info.smallest_normal / 4, info.smallest_normal, info.max]
    with np.errstate(over="ignore"):  # (float32: tails beyond its range are inf)
        x = np.concatenate([rng.normal(size=3000), rng.uniform(-40, 40, 3000), edges, tiny])
        return np.concatenate([x, -x]).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_ndtr_value_is_scipys_bit_for_bit(dtype: str) -> None:
    """ndtr's value is cephes' own ndtr (special.hpp) on every kind and the Taylor
    kernels: scipy's bits, the sign of zeros and nan included (through libmvec's
    vectorized exp, one value in ten would differ)."""
    sc = pytest.importorskip("scipy.special")
    x = _ndtr_sample(dtype)
    want = sc.ndtr(x)
    ones = np.ones((2, *x.shape), dtype)
    results = {
        "Dual": sc.ndtr(hd.dual(x, 1.0)).value,
        "HyperDual": sc.ndtr(hyper(x, 1.0, 1.0)).value,
        "DualVec2": sc.ndtr(hd.dualvec_type(2)._wrap(np.concatenate([x[None], ones]))).value,
        "Taylor3": hd.taylor(sc.ndtr, x, 1.0, 3)[0],
    }
    for kind, got in results.items():
        assert got.dtype == want.dtype, kind
        np.testing.assert_array_equal(got, want, err_msg=kind)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want), err_msg=kind)


@pytest.mark.parametrize("dtype", DTYPES)
def test_arctan2_partials_at_infinite_arguments(dtype: str) -> None:
    # every partial of atan2 is homogeneous of degree -1 or -2: 0 at infinity
    inf = math.inf
    for x, y in [(2.0, inf), (2.0, -inf), (inf, 2.0), (-inf, -0.0), (inf, inf), (-inf, inf)]:
        assert seeded_pair(np.arctan2, x, y, dtype) == (0.0,) * 5, (x, y)


@pytest.mark.parametrize("f", [np.arcsinh, np.arccosh])
def test_inverse_hyperbolic_derivatives_where_the_square_overflows(f: np.ufunc) -> None:
    # asinh' = 1/sqrt(1 + x^2) ~ 1/x, asinh'' = -x/(1 + x^2)^(3/2) ~ -1/x^2 (acosh alike)
    x = np.array([1e200, 1e160, 1.7e308])
    y = f(hyper(x, 1.0, 1.0))
    np.testing.assert_allclose(y.e1, 1 / x, rtol=1e-15)
    np.testing.assert_allclose(y.e12, [-0.0, -1e-320, 0.0], rtol=0, atol=1e-323)
    y32 = f(hd.dual(np.array([1e30, 3e38], np.float32), 1.0))
    np.testing.assert_allclose(y32.d, 1 / np.array([1e30, 3e38]), rtol=1e-6)


def test_power_partial_where_the_power_overflows() -> None:
    # d/dx x^y = y x^(y-1) = 1 at x = y = 5e-324 (x^(y-1) = 1/x overflows);
    # 2.5 x^1.5 = 2.5e300 at x = 1e200 (x^2.5 overflows)
    assert seeded_pair(np.power, 5e-324, 5e-324)[0] == pytest.approx(1.0, rel=1e-15)
    assert seeded_pair(np.power, 1e200, 2.5)[0] == pytest.approx(2.5e300, rel=1e-15)


def test_divide_zero_by_a_subnormal() -> None:
    # d/dy (x/y) = -x/y^2 = 0 at x = 0; d2/dy2 = 2x/y^3 = 0
    for x in (0.0, -0.0):
        _, fy, _, _, fyy = seeded_pair(np.divide, x, 5e-324)
        assert (fy, fyy) == (0.0, 0.0)


def test_tanh_derivative_where_cosh_squared_overflows() -> None:
    # tanh' = 1/cosh^2 x = 4 e^-2x / (1 + e^-2x)^2: subnormal for x in (354.4, 372.5), then 0
    x = np.arange(350.0, 376.0, 0.5)
    y = np.tanh(hyper(np.concatenate([x, -x]), 1.0, 1.0))
    with mp.workdps(MP_DPS):
        d1 = [1 / mp.cosh(mpf(v)) ** 2 for v in np.concatenate([x, -x])]
        want = np.array([_to_dtype(d, "float64") for d in d1])
        want2 = np.array([_to_dtype(-2 * mp.tanh(v) * d, "float64") for v, d in zip(
            np.concatenate([x, -x]).tolist(), d1, strict=True)])  # fmt: skip
    tiny = np.finfo(np.float64).tiny
    assert ((want < tiny) & (want > 0)).sum() > 60  # the subnormal range is in the sweep
    # as mpmath rounds, to within a unit where subnormal, else to the sweep's budget
    for got, ref, budget in ((y.e1, want, ULPS["first"]), (y.e12, want2, ULPS["second"])):
        err = ulp_error(got, ref, "float64")
        assert err[np.abs(ref) < tiny].max() <= 1.0 and err.max() <= budget


@pytest.mark.parametrize("dtype", ["complex128", "complex64"])
def test_complex_tanh_at_huge_real_parts(dtype: str) -> None:
    # tanh -> +-1 and its derivatives -> 0 as |Re z| grows (cosh z overflows)
    z = np.array([400 + 1j, -400 + 2j, 1e30 + 0.5j, -1e30 - 3j, 30 + 1j, 89 + 0.25j], dtype)
    y = np.tanh(hyper(z, 1.0, 1.0))
    with mp.workdps(MP_DPS):
        d1 = [complex(1 / mp.cosh(mpmath.mpc(v)) ** 2) for v in z.tolist()]
    d1 = np.array(d1).astype(dtype)
    assert np.all(np.isfinite(y.e1)) and np.all(np.isfinite(y.e12))
    np.testing.assert_allclose(y.e1, d1, rtol=1e-5 if dtype == "complex64" else 1e-13, atol=0)
    np.testing.assert_allclose(y.e12, -2 * np.tanh(z) * d1, rtol=1e-4, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_divide_first_order_where_its_terms_overflow(dtype: str) -> None:
    # (x/x)' = 0: as x'/y - q y'/y its terms overflow at the smallest normal
    # number with parts of 8 (inf - inf); the quotient rule (x' - q y')/y does not
    tiny = np.finfo(dtype).tiny
    x = hd.dual(np.full(3, tiny, dtype), np.array([8.0, -8.0, 1.0], dtype))
    assert np.array_equal((x / x).d, np.zeros(3))
    assert np.array_equal(hd.derivative(lambda v: v / v)(np.full(40, tiny, dtype)), np.zeros(40))


@pytest.mark.parametrize("dtype", ["complex128", "complex64"])
def test_complex_power_partials_where_the_power_overflows(dtype: str) -> None:
    # z^w overflows, d/dz = w z^(w-1) and d2/dz2 = w (w-1) z^(w-2) do not
    z0 = 1e200 + 1e200j if dtype == "complex128" else 1e20 + 1e20j
    z, w = np.array([z0], dtype), np.array([2.5], dtype)
    y = np.power(hyper(z, 1.0, 1.0), w)
    with mp.workdps(MP_DPS):
        zm = mpmath.mpc(z0)
        fx = complex(mpf(2.5) * mp.power(zm, 1.5))
        fxx = complex(mpf(2.5) * mpf(1.5) * mp.power(zm, 0.5))
    rtol = 1e-13 if dtype == "complex128" else 1e-5
    np.testing.assert_allclose(y.e1, [fx], rtol=rtol)
    np.testing.assert_allclose(y.e12, [fxx], rtol=rtol)
