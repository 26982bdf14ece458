"""Generate high-precision reference values for hyperdiff's elementwise functions.

Every function is written here with mpmath primitives only, and its derivatives
come from ``mp.diff`` (high-precision numerical differentiation), so the
references are independent of the closed-form derivative formulas in the C++
core. ``mp.diff`` takes a step relative to each argument's magnitude, and each
derivative is recomputed at rising working precision (50, 100, ... 800
digits) until two successive results agree far below float64 resolution; one
that is exactly zero at every precision, or never settles while shrinking to
noise far below |f0|, is an exact zero (floor', a second partial of add).

For every unary function the file stores f0, f1, f2 at 32 points; for every
binary function f0, fx, fy, fxx, fxy, fyy at 32 (x, y) pairs. There are two
point sets per function: "float64" (random doubles) and "float32" (points
exactly representable in float32, with every stored value a normal float32).
Points lie in each function's natural domain, away from places where it is not
twice differentiable; a few hand-picked points probe edges of the domain.

Rerun from the repository root (needs only numpy and mpmath; a few seconds):

    python tests/generate_references.py

It overwrites tests/data/references.json. The output is deterministic: a fixed
seed, one numpy random stream per (function, point set), and each 50-digit
result rounded to the nearest float64 (json stores floats exactly).
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from mpmath import libmp, mp, mpf

MP_DPS = 50
SEED = 20240611
N_POINTS = 32
DTYPES = ("float64", "float32")
OUTPUT = Path(__file__).resolve().parent / "data" / "references.json"

# Working precisions (decimal digits) tried in turn for one derivative.
DIFF_DPS = (MP_DPS, 2 * MP_DPS, 4 * MP_DPS, 8 * MP_DPS, 16 * MP_DPS)
# Two successive precisions agreeing to this relative tolerance settle a value.
SETTLE_RTOL = mpf(10) ** -20
# A derivative still unsettled at the top precision and smaller than this
# times |f0| is numerical noise around an exact zero.
ZERO_RTOL = mpf(10) ** -(DIFF_DPS[-1] - 2 * MP_DPS)

UNARY_PARTS = ("f0", "f1", "f2")
UNARY_ORDERS = ((1,), (2,))
BINARY_PARTS = ("f0", "fx", "fy", "fxx", "fxy", "fyy")
BINARY_ORDERS = ((1, 0), (0, 1), (2, 0), (1, 1), (0, 2))

Point = tuple[float, ...]
MpFunction = Callable[..., mpf]
Sampler = Callable[[np.random.Generator, int], np.ndarray]
Predicate = Callable[..., bool]


# --------------------------------------------------------------------------
# Samplers: (rng, n) -> array of n values (one argument) or (n, 2) (two).


def uniform(lo: float, hi: float) -> Sampler:
    def sample(rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(lo, hi, n)

    return sample


def loguniform(lo: float, hi: float, *, signed: bool = False) -> Sampler:
    """|x| log-uniform on [lo, hi]; a random sign when ``signed``."""

    def sample(rng: np.random.Generator, n: int) -> np.ndarray:
        mag = np.exp(rng.uniform(math.log(lo), math.log(hi), n))
        return mag * rng.choice([-1.0, 1.0], n) if signed else mag

    return sample


def mix(*samplers: Sampler) -> Sampler:
    """Each draw (value or pair) from one of ``samplers``, chosen at random."""

    def sample(rng: np.random.Generator, n: int) -> np.ndarray:
        which = rng.integers(len(samplers), size=n)
        draws = np.stack([s(rng, n) for s in samplers])
        return draws[which, np.arange(n)]

    return sample


def pair(sx: Sampler, sy: Sampler) -> Sampler:
    """Independent x and y."""

    def sample(rng: np.random.Generator, n: int) -> np.ndarray:
        return np.column_stack([sx(rng, n), sy(rng, n)])

    return sample


def near(sx: Sampler, sd: Sampler) -> Sampler:
    """y = x + d: pairs a bounded distance apart."""

    def sample(rng: np.random.Generator, n: int) -> np.ndarray:
        x = sx(rng, n)
        return np.column_stack([x, x + sd(rng, n)])

    return sample


# --------------------------------------------------------------------------
# Predicates naming points to skip: not twice differentiable, or too close.


def frac_dist(t: float) -> float:
    """Distance from t to the nearest integer."""
    return abs(t - round(t))


def near_integer(x: float) -> bool:
    return frac_dist(x) < 1e-3


def nonpositive_integer(x: float) -> bool:
    return x <= 0 and near_integer(x)


def near_half_integer(x: float) -> bool:
    return frac_dist(x - 0.5) < 1e-3


def near_tan_pole(x: float) -> bool:
    return frac_dist(x / math.pi - 0.5) * math.pi < 1e-3


def is_zero(x: float) -> bool:
    return x == 0.0


def near_tie(x: float, y: float) -> bool:
    return abs(x - y) < 1e-3 * max(abs(x), abs(y), 1.0)


def quotient_near_integer(x: float, y: float) -> bool:
    return near_integer(x / y)


def y_is_zero(x: float, y: float) -> bool:
    return y == 0.0


@dataclass(frozen=True)
class Domain:
    sample: Sampler
    extra: tuple[Point, ...] = ()
    avoid: Predicate | None = None


def dom(sample: Sampler, extra: Sequence[float] = (), avoid: Predicate | None = None) -> Domain:
    """A one-argument domain; ``extra`` are fixed points added to the draws."""
    return Domain(sample, tuple((float(e),) for e in extra), avoid)


def dom2(sample: Sampler, extra: Sequence[Point] = (), avoid: Predicate | None = None) -> Domain:
    """A two-argument domain; ``extra`` are fixed (x, y) pairs."""
    return Domain(sample, tuple(extra), avoid)


@dataclass(frozen=True)
class Case:
    name: str
    fn: MpFunction
    float64: Domain
    float32: Domain | None = None  # None: same as float64

    def domain(self, dtype: str) -> Domain:
        return self.float32 if dtype == "float32" and self.float32 else self.float64


# --------------------------------------------------------------------------
# The functions, written with mpmath primitives (numpy / scipy semantics).


def expit(x: mpf) -> mpf:
    return 1 / (1 + mp.exp(-x))


def logit(x: mpf) -> mpf:
    return mp.log(x / (1 - x))


def gammaln(x: mpf) -> mpf:
    # scipy.special.gammaln is log|Gamma(x)|, real also for negative x.
    return mp.log(abs(mp.gamma(x)))


def cbrt(x: mpf) -> mpf:
    # The real cube root (mp.cbrt gives the complex principal root for x < 0).
    return mp.sign(x) * mp.cbrt(abs(x))


def trunc(x: mpf) -> mpf:
    return mp.sign(x) * mp.floor(abs(x))


def fmod(x: mpf, y: mpf) -> mpf:
    return x - trunc(x / y) * y


def remainder(x: mpf, y: mpf) -> mpf:
    return x - mp.floor(x / y) * y


def hypot(x: mpf, y: mpf) -> mpf:
    return mp.sqrt(x * x + y * y)


def logaddexp(x: mpf, y: mpf) -> mpf:
    return mp.log(mp.exp(x) + mp.exp(y))


def logaddexp2(x: mpf, y: mpf) -> mpf:
    return mp.log(mp.power(2, x) + mp.power(2, y)) / mp.log(2)


def deg2rad(x: mpf) -> mpf:
    return x * mp.pi / 180


def rad2deg(x: mpf) -> mpf:
    return x * 180 / mp.pi


# --------------------------------------------------------------------------
# Domains. "float64" sets sample each function's natural domain widely (with
# extra points at its edges); "float32" sets narrow it where f0, f1 or f2
# would leave the float32 range. Draws whose references are not all zero or
# normal in the set's dtype are dropped (point_set), so edges need no care.

SIGNED_WIDE = loguniform(1e-10, 1e10, signed=True)
SIGNED_WIDE32 = loguniform(1e-6, 1e6, signed=True)
SIGNED_MID = loguniform(1e-5, 1e5, signed=True)
AROUND_ZERO = mix(uniform(-100, 100), SIGNED_WIDE)
AROUND_ZERO32 = mix(uniform(-100, 100), SIGNED_WIDE32)

LINEAR = dom(SIGNED_WIDE, (1e300, -1e-300))
LINEAR32 = dom(SIGNED_WIDE32)
POWER_LAW = dom(SIGNED_WIDE, (1e100, -1e-100))
POWER_LAW32 = dom(SIGNED_WIDE32)
SQRT = dom(loguniform(1e-10, 1e10), (1e-100, 1e100))
SQRT32 = dom(loguniform(1e-8, 1e10))
ODD = dom(SIGNED_WIDE, (0.5, -2.0, 1e-100, 1e100))
ODD32 = dom(SIGNED_WIDE32, (0.5, -2.0))
EXP2 = dom(uniform(-1000, 1000), (1e-10, -0.5))
EXP2_32 = dom(uniform(-120, 120), (2.0**-20, -0.5))
SIN_LIKE = dom(uniform(-10, 10), (1e3, -1e3, 12345.678, 0.1))
TAN = dom(uniform(-10, 10), (1e3, 1.5687963, 1e-8), avoid=near_tan_pole)
TAN32 = dom(uniform(-10, 10), (1e3, 1.5687963, 2.0**-24), avoid=near_tan_pole)
LOG_LIKE = dom(loguniform(1e-10, 1e10), (1.0 + 2.0**-20, 1e-150, 1e150))
LOG_LIKE32 = dom(loguniform(1e-6, 1e10), (1.0 + 2.0**-20, 2.0**-19))
LOG1P = dom(
    mix(loguniform(1e-10, 1e10), uniform(-1 + 1e-6, 1.0)),
    (-1 + 1e-6, 1e-10, -1e-10, 1e-300),
)
LOG1P32 = dom(
    mix(loguniform(1e-6, 1e10), uniform(-1 + 1e-6, 1.0)),
    (-1 + 2.0**-20, 2.0**-30, -(2.0**-30)),
)
EXP_LIKE = dom(uniform(-700, 700), (1e-10, -1e-5, 0.5))
EXP_LIKE32 = dom(uniform(-80, 80), (2.0**-20, -(2.0**-20)))
EXPM1 = dom(
    mix(uniform(-700, 700), loguniform(1e-12, 1.0, signed=True)),
    (1e-10, -1e-10, 1e-300),
)
EXPM1_32 = dom(mix(uniform(-80, 80), loguniform(1e-6, 1.0, signed=True)), (2.0**-20, -(2.0**-30)))
UNIT_OPEN = dom(uniform(-1, 1), (1 - 1e-6, -1 + 1e-6, 1 - 1e-12, 1e-8))
UNIT_OPEN32 = dom(uniform(-1, 1), (1 - 2.0**-20, -1 + 2.0**-20, 2.0**-24))
ARCCOSH = dom(mix(loguniform(1.0 + 1e-10, 1e6), uniform(1.0, 2.0)), (1 + 1e-12, 1 + 1e-6, 1e100))
ARCCOSH32 = dom(
    mix(loguniform(1.0 + 2.0**-23, 1e6), uniform(1.0, 2.0)),
    (1 + 2.0**-23, 1 + 2.0**-12),
)
TANH = dom(mix(uniform(-20, 20), loguniform(1e-10, 20, signed=True)), (1e-10, 0.5, -19.0, 1e3))
TANH32 = dom(mix(uniform(-8, 8), loguniform(1e-6, 1.0, signed=True)), (2.0**-20, 0.5, -8.0))
DEGREES = dom(uniform(-720, 720), (1e5, -3e-5))
ROUNDING = dom(AROUND_ZERO, (0.25, -0.75, 1e6 + 0.25), avoid=near_integer)
ROUNDING32 = dom(AROUND_ZERO32, (0.25, -0.75, 1e4 + 0.25), avoid=near_integer)
ROUND_HALF = dom(uniform(-100, 100), (0.25, -2.75, 1e6 + 0.25), avoid=near_half_integer)
NONZERO = dom(AROUND_ZERO, (1e-30, -1e-30, -1e200), avoid=is_zero)
NONZERO32 = dom(AROUND_ZERO32, avoid=is_zero)
ERF = dom(mix(uniform(-6, 6), loguniform(1e-10, 6, signed=True)), (1e-10, -0.5, 5.9, 30.0))
ERFC = dom(uniform(-6, 20), (1e-10, 19.9, -5.9))
ERFC32 = dom(uniform(-4, 9), (8.9, -3.9))
# ndtr: down to -37 (value ~6e-300) in float64, -12 in float32, where every part is normal
NDTR = dom(mix(uniform(-8, 8), uniform(-37, 37)), (1e-10, -1.5, 1.5, -37.0, 9.0))
NDTR32 = dom(uniform(-12, 12), (2.0**-20, -1.5, 1.5, -12.0, 5.0))
EXPIT = dom(mix(uniform(-30, 30), uniform(-700, 700)), (1e-10, -700.0, 30.0))
EXPIT32 = dom(uniform(-80, 80), (2.0**-20, -80.0, 15.0))
LOGIT = dom(mix(uniform(0, 1), loguniform(1e-10, 0.5)), (1e-10, 1 - 1e-10, 0.5 + 1e-9, 1 - 1e-6))
LOGIT32 = dom(mix(uniform(0, 1), loguniform(1e-6, 0.5)), (2.0**-20, 1 - 2.0**-20, 0.5 + 2.0**-20))
# The minimum of Gamma, a half-integer, negative non-integers (log|Gamma|).
GAMMA_EXTRA = (1.4616321449683622, 2.5, -0.5, -1.5, -2.3, -3.7)
GAMMALN = dom(uniform(0, 50), (1e-6, *GAMMA_EXTRA, -10.25), avoid=nonpositive_integer)
GAMMALN32 = dom(uniform(0, 50), (1e-3, *GAMMA_EXTRA), avoid=nonpositive_integer)

UNARY: tuple[Case, ...] = (
    Case("negative", lambda x: -x, LINEAR, LINEAR32),
    Case("positive", lambda x: +x, LINEAR, LINEAR32),
    Case("absolute", abs, NONZERO, NONZERO32),
    Case("fabs", abs, NONZERO, NONZERO32),
    Case("sign", mp.sign, NONZERO, NONZERO32),
    Case("sqrt", mp.sqrt, SQRT, SQRT32),
    Case("cbrt", cbrt, POWER_LAW, POWER_LAW32),
    Case("square", lambda x: x * x, POWER_LAW, POWER_LAW32),
    Case("reciprocal", lambda x: 1 / x, POWER_LAW, POWER_LAW32),
    Case("exp", mp.exp, EXP_LIKE, EXP_LIKE32),
    Case("exp2", lambda x: mp.power(2, x), EXP2, EXP2_32),
    Case("expm1", mp.expm1, EXPM1, EXPM1_32),
    Case("log", mp.log, LOG_LIKE, LOG_LIKE32),
    Case("log2", lambda x: mp.log(x, 2), LOG_LIKE, LOG_LIKE32),
    Case("log10", mp.log10, LOG_LIKE, LOG_LIKE32),
    Case("log1p", mp.log1p, LOG1P, LOG1P32),
    Case("sin", mp.sin, SIN_LIKE),
    Case("cos", mp.cos, SIN_LIKE),
    Case("tan", mp.tan, TAN, TAN32),
    Case("arcsin", mp.asin, UNIT_OPEN, UNIT_OPEN32),
    Case("arccos", mp.acos, UNIT_OPEN, UNIT_OPEN32),
    Case("arctan", mp.atan, ODD, ODD32),
    Case("sinh", mp.sinh, EXP_LIKE, EXP_LIKE32),
    Case("cosh", mp.cosh, EXP_LIKE, EXP_LIKE32),
    Case("tanh", mp.tanh, TANH, TANH32),
    Case("arcsinh", mp.asinh, ODD, ODD32),
    Case("arccosh", mp.acosh, ARCCOSH, ARCCOSH32),
    Case("arctanh", mp.atanh, UNIT_OPEN, UNIT_OPEN32),
    Case("deg2rad", deg2rad, DEGREES),
    Case("rad2deg", rad2deg, DEGREES),
    Case("radians", deg2rad, DEGREES),
    Case("degrees", rad2deg, DEGREES),
    Case("floor", mp.floor, ROUNDING, ROUNDING32),
    Case("ceil", mp.ceil, ROUNDING, ROUNDING32),
    Case("trunc", trunc, ROUNDING, ROUNDING32),
    Case("rint", mp.nint, ROUND_HALF),
    Case("erf", mp.erf, ERF),
    Case("erfc", mp.erfc, ERFC, ERFC32),
    Case("expit", expit, EXPIT, EXPIT32),
    Case("logit", logit, LOGIT, LOGIT32),
    Case("gammaln", gammaln, GAMMALN, GAMMALN32),
    Case("ndtr", mp.ncdf, NDTR, NDTR32),
)

INDEPENDENT = dom2(pair(SIGNED_MID, SIGNED_MID))
POSITIVE_BASE = dom2(
    pair(loguniform(1e-5, 1e5), uniform(-20, 20)),
    ((2.5, 2.0), (0.5, -3.0), (1e-3, 0.5), (7.0, 1e-10)),
)
POSITIVE_BASE32 = dom2(
    pair(loguniform(1e-3, 1e3), uniform(-5, 5)), ((2.5, 2.0), (0.5, -3.0), (1e-3, 0.5))
)
ANGLE = dom2(
    pair(mix(uniform(-10, 10), SIGNED_MID), mix(uniform(-10, 10), SIGNED_MID)),
    ((1e-3, -1.0), (-1e-3, -1.0), (1.0, 1e-4)),
)
EXTREMA = dom2(
    pair(mix(uniform(-100, 100), SIGNED_MID), mix(uniform(-100, 100), SIGNED_MID)),
    avoid=near_tie,
)
QUOTIENT = dom2(
    pair(uniform(-100, 100), loguniform(0.1, 10, signed=True)),
    ((5.5, 2.0), (-5.5, 2.0), (5.5, -2.0), (-5.5, -2.0)),
    avoid=quotient_near_integer,
)
LOGADDEXP = dom2(
    mix(
        near(uniform(-300, 300), uniform(-60, 60)),
        pair(uniform(-50, 50), uniform(-50, 50)),
    ),
    ((0.0, 1e-10), (700.0, 690.0), (-700.0, -650.0)),
)
LOGADDEXP32 = dom2(near(uniform(-60, 60), uniform(-20, 20)), ((0.0, 2.0**-20), (80.0, 70.0)))
COPYSIGN = dom2(
    pair(SIGNED_MID, mix(uniform(-10, 10), SIGNED_MID)),
    ((2.0, -1e-2), (-2.0, 3.0)),
    avoid=y_is_zero,
)

BINARY: tuple[Case, ...] = (
    Case("add", lambda x, y: x + y, INDEPENDENT),
    Case("subtract", lambda x, y: x - y, INDEPENDENT),
    Case("multiply", lambda x, y: x * y, INDEPENDENT),
    Case("divide", lambda x, y: x / y, INDEPENDENT),
    Case("power", mp.power, POSITIVE_BASE, POSITIVE_BASE32),
    Case("float_power", mp.power, POSITIVE_BASE, POSITIVE_BASE32),
    Case("arctan2", mp.atan2, ANGLE),
    Case("hypot", hypot, dom2(pair(SIGNED_MID, SIGNED_MID), ((3.0, 4.0),))),
    Case("maximum", max, EXTREMA),
    Case("minimum", min, EXTREMA),
    Case("fmax", max, EXTREMA),
    Case("fmin", min, EXTREMA),
    Case("fmod", fmod, QUOTIENT),
    Case("remainder", remainder, QUOTIENT),
    Case("logaddexp", logaddexp, LOGADDEXP, LOGADDEXP32),
    Case("logaddexp2", logaddexp2, LOGADDEXP, LOGADDEXP32),
    Case("copysign", lambda x, y: abs(x) * mp.sign(y), COPYSIGN),
    Case("floor_divide", lambda x, y: mp.floor(x / y), QUOTIENT),
)


# --------------------------------------------------------------------------
# Reference computation.


def to_float(v: mpf) -> float:
    """Round to the nearest float64."""
    if not isinstance(v, mpf):
        raise TypeError(f"expected a real mpf, got {v!r}")
    return libmp.to_float(v._mpf_, rnd="n")


def settled(a: mpf, b: mpf) -> bool:
    """Nonzero and equal to SETTLE_RTOL (exact zeros can mean an unresolved step)."""
    return a != 0 and b != 0 and abs(a - b) <= SETTLE_RTOL * max(abs(a), abs(b))


def partial(fn: MpFunction, point: tuple[mpf, ...], orders: tuple[int, ...]) -> mpf:
    """``mp.diff`` one variable at a time at the current precision.

    Unlike ``mp.diff(fn, point, orders)``, each variable gets a step relative
    to its own magnitude, so large arguments (1e300) are resolved too.
    """
    if not any(orders):
        return fn(*point)
    i = next(k for k, n in enumerate(orders) if n)
    rest = (*orders[:i], 0, *orders[i + 1 :])

    def along(t: mpf) -> mpf:
        return partial(fn, (*point[:i], t, *point[i + 1 :]), rest)

    scale = max(0, int(mp.mag(point[i]))) if point[i] else 0
    step = mp.ldexp(1, scale - mp.prec - 10)
    return mp.diff(along, point[i], orders[i], h=step)


def derivative(fn: MpFunction, point: Point, orders: tuple[int, ...], f0: mpf) -> mpf:
    """The mixed partial of ``fn`` of the given orders at ``point``.

    It is computed at rising precision until two results agree. A derivative
    that is exactly zero at every precision, or never settles while shrinking
    to noise far below |f0|, is an exact zero.
    """
    results: list[mpf] = []
    for dps in DIFF_DPS:
        with mp.workdps(dps):
            results.append(+partial(fn, tuple(mpf(t) for t in point), orders))
        if len(results) > 1 and settled(results[-2], results[-1]):
            return results[-1]
    if all(r == 0 for r in results) or abs(results[-1]) <= ZERO_RTOL * abs(f0):
        return mpf(0)
    raise ArithmeticError(f"derivative {orders} at {point} does not settle: {results}")


def references(fn: MpFunction, point: Point) -> list[float]:
    """[f0, derivatives...] at ``point`` rounded to float64."""
    orders = UNARY_ORDERS if len(point) == 1 else BINARY_ORDERS
    f0 = fn(*(mpf(t) for t in point))
    return [to_float(f0)] + [to_float(derivative(fn, point, o, f0)) for o in orders]


def fits(values: Sequence[float], dtype: str) -> bool:
    """Every value is zero or a normal number of ``dtype``."""
    info = np.finfo(dtype)
    return all(v == 0.0 or float(info.tiny) <= abs(v) <= float(info.max) for v in values)


def in_dtype(point: Sequence[float], dtype: str) -> Point:
    """``point`` rounded to ``dtype``, as Python floats."""
    return tuple(float(v) for v in np.asarray(point, dtype=np.float64).astype(dtype))


def accepted(domain: Domain, point: Point) -> bool:
    return all(math.isfinite(t) for t in point) and not (domain.avoid and domain.avoid(*point))


def rng_for(name: str, dtype: str) -> np.random.Generator:
    """An independent, reproducible stream per (function, point set)."""
    return np.random.default_rng([SEED, zlib.crc32(f"{name}/{dtype}".encode())])


def point_set(case: Case, dtype: str) -> dict[str, list[float]]:
    """N_POINTS points of ``case`` in ``dtype`` with their references."""
    domain = case.domain(dtype)
    rng = rng_for(case.name, dtype)
    rows: dict[Point, list[float]] = {}

    def add(point: Point, *, required: bool) -> None:
        if point in rows or not accepted(domain, point):
            if required:
                raise ValueError(f"{case.name}/{dtype}: fixed point {point} rejected")
            return
        refs = references(case.fn, point)
        if fits(refs, dtype):
            rows[point] = refs
        elif required:
            raise ValueError(
                f"{case.name}/{dtype}: fixed point {point} out of {dtype} range: {refs}"
            )

    for point in domain.extra:
        add(in_dtype(point, dtype), required=True)
    for _ in range(100):
        if len(rows) >= N_POINTS:
            break
        for draw in domain.sample(rng, N_POINTS).reshape(N_POINTS, -1):
            if len(rows) < N_POINTS:
                add(in_dtype(draw, dtype), required=False)
    if len(rows) < N_POINTS:
        raise RuntimeError(f"{case.name}/{dtype}: only {len(rows)} usable points")

    arity = len(next(iter(rows)))
    names = ("x", "y")[:arity]
    parts = UNARY_PARTS if arity == 1 else BINARY_PARTS
    table = {n: [p[i] for p in rows] for i, n in enumerate(names)}
    table.update({n: [r[i] for r in rows.values()] for i, n in enumerate(parts)})
    return table


def build() -> dict[str, object]:
    mp.dps = MP_DPS
    return {
        "meta": {
            "mp_dps": MP_DPS,
            "seed": SEED,
            "generator": "tests/generate_references.py",
        },
        "unary": {c.name: {dt: point_set(c, dt) for dt in DTYPES} for c in UNARY},
        "binary": {c.name: {dt: point_set(c, dt) for dt in DTYPES} for c in BINARY},
    }


def main() -> None:
    data = build()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w") as fh:
        json.dump(data, fh, indent=1, allow_nan=False)
        fh.write("\n")
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
