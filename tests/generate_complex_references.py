"""Generate high-precision references for hyperdiff's complex elementwise functions.

The complex counterpart of tests/generate_references.py, with the same
discipline and helpers: every function is written with mpmath primitives only
(principal branches, as numpy's), and its derivatives come from ``mp.diff``
at complex points, so they are independent of the closed-form derivative
formulas in the C++ core. For a holomorphic function the derivative along the
real direction, which is what ``mp.diff`` takes, is the complex derivative.
The entries are those of the elementwise tables with complex kernels: the
holomorphic unary functions, rint (locally constant away from half-integer
parts: derivatives 0), and add, subtract, multiply, divide, power and
float_power (power computed in complex128).

Each value is recomputed at rising working precision (50, 100, ... 800 digits)
and settled separately in its real and imaginary part: a part is settled when
two successive results agree far below float64 resolution; one that is
exactly zero at every precision, or never settles while shrinking to noise
far below the rest of the number (|f0|, or the other part once that is
settled), is an exact zero (imag(exp(x)) on the real axis, the second
derivative of a product).

For every unary function the file stores f0 = f(z), f1 = f'(z),
f2 = f''(z) at 24 points; for every binary function f0, fx, fy, fxx, fxy, fyy
(complex partials) at 24 (x, y) pairs. There are two point sets per function:
"complex128" (random doubles for the real and imaginary parts) and
"complex64" (parts exactly representable in float32, with every stored real
and imaginary part a normal float32 or exactly zero). Points lie mostly in
|re|, |im| <= 3, some at much larger or smaller magnitudes, a few
hand-picked ones on the axes, some twice the margin from the branch points
(where 1 - z^2 or 1 + z^2 cancels) and, for power, integer real exponents
(numpy's repeated-product path); all are kept a relative 1e-3 away from numpy's
branch cuts and branch points (sqrt, log*: the negative real axis; log1p:
re < -1; arcsin, arccos, arctanh: the real axis beyond +-1; arccosh: the real
axis below 1; arctan, arcsinh: the imaginary axis beyond +-i) and from poles.
Every f0 is also checked against numpy's complex128 result (loosely), which
catches any difference of branch convention between mpmath and numpy.

Complex numbers are stored as [re, im] pairs of floats, each part the
50-digit result rounded to the nearest float64 (json stores floats exactly).

Rerun from the repository root (needs only numpy and mpmath; well under a
minute):

    python tests/generate_complex_references.py

It overwrites tests/data/references_complex.json. The output is
deterministic: a fixed seed and one numpy random stream per (function, point
set).
"""

from __future__ import annotations

import cmath
import itertools
import json
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from generate_references import (
    BINARY_ORDERS,
    BINARY_PARTS,
    DIFF_DPS,
    MP_DPS,
    SEED,
    UNARY_ORDERS,
    UNARY_PARTS,
    ZERO_RTOL,
    Case,
    Domain,
    Sampler,
    fits,
    loguniform,
    mix,
    near_half_integer,
    pair,
    partial,
    rng_for,
    settled,
    to_float,
    uniform,
)
from mpmath import mp, mpc, mpf

N_POINTS = 24
DTYPES = ("complex128", "complex64")
PART_DTYPE = {"complex128": "float64", "complex64": "float32"}
OUTPUT = Path(__file__).resolve().parent / "data" / "references_complex.json"

# Relative distance kept from branch cuts, branch points and poles.
MARGIN = 1e-3
# f0 must agree with numpy's complex128 value to this relative tolerance: a
# check of the branch conventions (another branch is off by O(1)), not of
# accuracy (numpy's log1p(z) is log|1 + z| + i arg(1 + z), 1e-4 off at |z| = 1e-12).
NUMPY_RTOL = 1e-2

ComplexPoint = tuple[complex, ...]
MpFunction = Callable[..., mpc]


# --------------------------------------------------------------------------
# Samplers: (rng, n) -> n complex values (one argument) or (n, 2) (two).


def box(half: float) -> Sampler:
    """Real and imaginary parts uniform on [-half, half]."""
    parts = uniform(-half, half)

    def sample(rng: np.random.Generator, n: int) -> np.ndarray:
        return parts(rng, n) + 1j * parts(rng, n)

    return sample


def polar(lo: float, hi: float) -> Sampler:
    """|z| log-uniform on [lo, hi], the angle uniform."""
    radius = loguniform(lo, hi)
    angle = uniform(-math.pi, math.pi)

    def sample(rng: np.random.Generator, n: int) -> np.ndarray:
        return radius(rng, n) * np.exp(1j * angle(rng, n))

    return sample


def shifted(sample: Sampler, by: complex) -> Sampler:
    def shifted_sample(rng: np.random.Generator, n: int) -> np.ndarray:
        return sample(rng, n) + by

    return shifted_sample


# --------------------------------------------------------------------------
# Predicates naming points to skip: on or near a branch cut or point, or a pole.


def left_ray_distance(z: complex, end: float) -> float:
    """Distance from z to the real ray (-inf, end]."""
    return abs(z.imag) if z.real <= end else abs(z - end)


def real_rays_distance(z: complex) -> float:
    """Distance from z to the real rays (-inf, -1] and [1, inf)."""
    return abs(z.imag) if abs(z.real) >= 1 else abs(abs(z.real) - 1 + 1j * z.imag)


def near_log_cut(z: complex) -> bool:
    """sqrt, log: the negative real axis; scale free, so relative to |z|."""
    return left_ray_distance(z, 0.0) <= MARGIN * abs(z)


def near_log1p_cut(z: complex) -> bool:
    return left_ray_distance(z, -1.0) <= MARGIN * max(1.0, abs(z))


def near_real_cuts(z: complex) -> bool:
    """arcsin, arccos, arctanh: the real axis beyond +-1."""
    return real_rays_distance(z) <= MARGIN * max(1.0, abs(z))


def near_imag_cuts(z: complex) -> bool:
    """arctan, arcsinh: the imaginary axis beyond +-i."""
    return real_rays_distance(z * -1j) <= MARGIN * max(1.0, abs(z))


def near_arccosh_cut(z: complex) -> bool:
    return left_ray_distance(z, 1.0) <= MARGIN * max(1.0, abs(z))


def near_tan_pole(z: complex) -> bool:
    """tan: poles at pi/2 + k pi on the real axis."""
    pole = (math.floor(z.real / math.pi) + 0.5) * math.pi
    return abs(z - pole) <= MARGIN * max(1.0, abs(z))


def near_tanh_pole(z: complex) -> bool:
    """tanh(z) = -i tan(i z): poles at i (pi/2 + k pi)."""
    return near_tan_pole(z * 1j)


def near_half_integer_part(z: complex) -> bool:
    """rint: not differentiable where either part is a half-integer."""
    return near_half_integer(z.real) or near_half_integer(z.imag)


def is_zero(z: complex) -> bool:
    return z == 0


def y_is_zero(z: complex, w: complex) -> bool:
    return w == 0


def base_near_log_cut(z: complex, w: complex) -> bool:
    return near_log_cut(z)


def cdom(
    sample: Sampler,
    extra: Sequence[complex] = (),
    avoid: Callable[..., bool] | None = None,
) -> Domain:
    """A one-argument complex domain; ``extra`` are fixed points added to the draws."""
    return Domain(sample, tuple((complex(e),) for e in extra), avoid)


def cdom2(
    sample: Sampler,
    extra: Sequence[tuple[complex, complex]] = (),
    avoid: Callable[..., bool] | None = None,
) -> Domain:
    """A two-argument complex domain; ``extra`` are fixed (x, y) pairs."""
    return Domain(sample, tuple((complex(x), complex(y)) for x, y in extra), avoid)


# --------------------------------------------------------------------------
# Domains. "complex128" sets mix the box |re|, |im| <= 3 with wider magnitudes;
# "complex64" sets narrow the magnitudes where f0, f1 or f2 would leave the
# float32 range. Draws whose references do not fit are dropped (point_set).

BOX = box(3.0)
# Points with a zero part, where a part of the result is often exactly zero.
AXES = (0.5, -2.0, 2j, -0.5j)
# Points twice the margin from a branch point (where 1 - a^2 or 1 + a^2 cancels).
NEAR_MINUS_ONE = (-0.998, -1 + 0.002j, -1.01 - 0.01j)
NEAR_ONE = (0.998, -0.998, 1 + 0.002j, -1 - 0.002j, 1.01 + 0.01j)
NEAR_I = (0.998j, -0.998j, 0.002 + 1j, -0.002 - 1j, 0.01 + 1.01j)
NEAR_ACOSH = (1.002, 1 + 0.002j, -1 + 0.01j, 1.01 - 0.01j)

ANY = cdom(mix(BOX, BOX, polar(1e-12, 1e12)), (*AXES, 1e10 - 1e-10j))
ANY32 = cdom(mix(BOX, BOX, polar(1e-6, 1e6)), (*AXES, 1e4 - 1e-4j))
NONZERO = cdom(mix(BOX, BOX, polar(1e-12, 1e12)), (*AXES, 1e-10 + 1e-11j), avoid=is_zero)
NONZERO32 = cdom(mix(BOX, BOX, polar(1e-6, 1e6)), (*AXES, 1e-6 + 2e-7j), avoid=is_zero)
LOG = cdom(
    mix(BOX, BOX, polar(1e-15, 1e15)),
    (0.5, 2.0, 2j, -0.5j, -2 + 0.1j, -2 - 0.1j, 1e-10 - 1e-11j, 1e12 + 1j),
    avoid=near_log_cut,
)
LOG32 = cdom(
    mix(BOX, BOX, polar(1e-6, 1e6)),
    (0.5, 2.0, 2j, -0.5j, -2 + 0.1j, -2 - 0.1j, 1e-6 - 2e-7j),
    avoid=near_log_cut,
)
LOG1P = cdom(
    mix(BOX, BOX, shifted(polar(1e-2, 1.0), -1.0), polar(1e-12, 1e12)),
    (0.5, -0.5, 2j, -0.5j, -1.5 + 0.1j, -1.5 - 0.1j, 1e-10 + 1e-10j, *NEAR_MINUS_ONE),
    avoid=near_log1p_cut,
)
LOG1P32 = cdom(
    mix(BOX, BOX, shifted(polar(1e-2, 1.0), -1.0), polar(1e-6, 1e6)),
    (0.5, -0.5, 2j, -0.5j, -1.5 + 0.1j, -1.5 - 0.1j, 2e-5 + 1e-5j, *NEAR_MINUS_ONE),
    avoid=near_log1p_cut,
)
EXP = cdom(mix(BOX, BOX, polar(1e-10, 500.0)), (*AXES, 1e-10 + 1e-10j, 100 + 3j))
EXP32 = cdom(mix(BOX, BOX, polar(1e-5, 60.0)), (*AXES, 1e-5 + 1e-5j, 40 + 3j))
TRIG = cdom(mix(BOX, BOX, polar(1e-10, 500.0)), (*AXES, 1e-10 + 1e-10j, 1e3 + 1j, 2 + 100j))
TRIG32 = cdom(mix(BOX, BOX, polar(1e-5, 60.0)), (*AXES, 1e-5 + 1e-5j, 300 + 1j, 2 + 40j))
HYP = cdom(mix(BOX, BOX, polar(1e-10, 500.0)), (*AXES, 1e-10 + 1e-10j, 1 + 1e3j, 100 + 2j))
HYP32 = cdom(mix(BOX, BOX, polar(1e-5, 60.0)), (*AXES, 1e-5 + 1e-5j, 1 + 300j, 40 + 2j))
TAN = cdom(
    mix(BOX, BOX, polar(1e-10, 500.0)),
    (*AXES, 1.5687963 + 0.001j, 1e-10 + 1e-10j, 1e3 + 1j, 2 + 100j),
    avoid=near_tan_pole,
)
TAN32 = cdom(
    mix(BOX, BOX, polar(1e-5, 60.0)),
    (*AXES, 1.5687963 + 0.001j, 1e-5 + 1e-5j, 300 + 1j, 2 + 30j),
    avoid=near_tan_pole,
)
TANH = cdom(
    mix(BOX, BOX, polar(1e-10, 500.0)),
    (*AXES, 0.001 + 1.5687963j, 1e-10 + 1e-10j, 1j + 20, 100 + 2j),
    avoid=near_tanh_pole,
)
TANH32 = cdom(
    mix(BOX, BOX, polar(1e-5, 60.0)),
    (*AXES, 0.001 + 1.5687963j, 1e-5 + 1e-5j, 1j + 8, 30 + 2j),
    avoid=near_tanh_pole,
)
ASIN = cdom(
    mix(BOX, BOX, polar(1e-10, 1e10)),
    (0.5, -0.75, 2j, -0.5j, 2 + 0.1j, -2 - 0.1j, 1e-10 + 1e-10j, 1e8 + 1e8j, *NEAR_ONE),
    avoid=near_real_cuts,
)
ASIN32 = cdom(
    mix(BOX, BOX, polar(1e-5, 1e5)),
    (0.5, -0.75, 2j, -0.5j, 2 + 0.1j, -2 - 0.1j, 1e-5 + 1e-5j, 1e4 + 1e4j, *NEAR_ONE),
    avoid=near_real_cuts,
)
ATAN = cdom(
    mix(BOX, BOX, polar(1e-10, 1e10)),
    (0.5j, -0.75j, 2.0, -0.5, 0.1 + 2j, -0.1 - 2j, 1e-10 + 1e-10j, 1e8 + 1e8j, *NEAR_I),
    avoid=near_imag_cuts,
)
ATAN32 = cdom(
    mix(BOX, BOX, polar(1e-5, 1e5)),
    (0.5j, -0.75j, 2.0, -0.5, 0.1 + 2j, -0.1 - 2j, 1e-5 + 1e-5j, 1e4 + 1e4j, *NEAR_I),
    avoid=near_imag_cuts,
)
ACOSH = cdom(
    mix(BOX, BOX, polar(1e-10, 1e10)),
    (2.0, 2j, -0.5j, -2 + 0.1j, 0.5 - 0.1j, 0.01j, 1e8 + 1e8j, *NEAR_ACOSH),
    avoid=near_arccosh_cut,
)
ACOSH32 = cdom(
    mix(BOX, BOX, polar(1e-5, 1e5)),
    (2.0, 2j, -0.5j, -2 + 0.1j, 0.5 - 0.1j, 0.01j, 1e4 + 1e4j, *NEAR_ACOSH),
    avoid=near_arccosh_cut,
)

ROUNDING = cdom(
    mix(box(100.0), polar(1e-5, 1e10)),
    (0.25 - 0.75j, 2.25, 0.3j, 1e6 + 0.25 - 3.75j),
    avoid=near_half_integer_part,
)
ROUNDING32 = cdom(
    mix(box(100.0), polar(1e-5, 1e6)),
    (0.25 - 0.75j, 2.25, 0.3j, 1e4 + 0.25 - 3.75j),
    avoid=near_half_integer_part,
)


def rint(z: mpc) -> mpc:
    """Each part rounded to the nearest integer, ties to even (numpy's rint)."""
    return mpc(mp.nint(z.real), mp.nint(z.imag))


UNARY: tuple[Case, ...] = (
    Case("negative", lambda z: -z, ANY, ANY32),
    Case("positive", lambda z: +z, ANY, ANY32),
    Case("sqrt", mp.sqrt, LOG, LOG32),
    Case("square", lambda z: z * z, ANY, ANY32),
    Case("reciprocal", lambda z: 1 / z, NONZERO, NONZERO32),
    Case("exp", mp.exp, EXP, EXP32),
    Case("exp2", lambda z: mp.power(2, z), EXP, EXP32),
    Case("expm1", mp.expm1, EXP, EXP32),
    Case("log", mp.log, LOG, LOG32),
    Case("log2", lambda z: mp.log(z, 2), LOG, LOG32),
    Case("log10", mp.log10, LOG, LOG32),
    Case("log1p", mp.log1p, LOG1P, LOG1P32),
    Case("sin", mp.sin, TRIG, TRIG32),
    Case("cos", mp.cos, TRIG, TRIG32),
    Case("tan", mp.tan, TAN, TAN32),
    Case("arcsin", mp.asin, ASIN, ASIN32),
    Case("arccos", mp.acos, ASIN, ASIN32),
    Case("arctan", mp.atan, ATAN, ATAN32),
    Case("sinh", mp.sinh, HYP, HYP32),
    Case("cosh", mp.cosh, HYP, HYP32),
    Case("tanh", mp.tanh, TANH, TANH32),
    Case("arcsinh", mp.asinh, ATAN, ATAN32),
    Case("arccosh", mp.acosh, ACOSH, ACOSH32),
    Case("arctanh", mp.atanh, ASIN, ASIN32),
    Case("rint", rint, ROUNDING, ROUNDING32),
)

WIDE = mix(BOX, polar(1e-5, 1e5))
INDEPENDENT = cdom2(pair(WIDE, WIDE), ((2.0, 3j), (0.5j, -2.0), (1 + 1j, 1 - 1j)))
QUOTIENT = cdom2(pair(WIDE, WIDE), ((2.0, 3j), (0.5j, -2.0), (1 + 1j, 1 - 1j)), avoid=y_is_zero)
# Integer real exponents with |y| < 100 take numpy's repeated-product path.
POWER_EXTRA = (
    (2.5 + 1j, 2.0),
    (0.5 - 0.3j, -3.0),
    (1.5 + 0.5j, 7.0),
    (3.0, 0.5),
    (2j, 1.5 - 1j),
    (1.5 + 0.5j, 0.5 + 0.25j),
)
POWER = cdom2(pair(mix(BOX, polar(1e-3, 1e3)), box(4.0)), POWER_EXTRA, avoid=base_near_log_cut)

BINARY: tuple[Case, ...] = (
    Case("add", lambda z, w: z + w, INDEPENDENT),
    Case("subtract", lambda z, w: z - w, INDEPENDENT),
    Case("multiply", lambda z, w: z * w, INDEPENDENT),
    Case("divide", lambda z, w: z / w, QUOTIENT),
    Case("power", mp.power, POWER),
    Case("float_power", mp.power, POWER),
)


# --------------------------------------------------------------------------
# Reference computation.


def to_pair(v: mpc | mpf) -> list[float]:
    """[re, im], each rounded to the nearest float64."""
    v = mpc(v)
    return [to_float(v.real), to_float(v.imag)]


def settle_part(results: Sequence[mpf]) -> mpf | None:
    """The last value of one part if two successive results agree, else None."""
    for a, b in itertools.pairwise(results):
        if settled(a, b):
            return b
    return None


def complex_derivative(
    fn: MpFunction, point: ComplexPoint, orders: tuple[int, ...], f0: mpc
) -> mpc:
    """The complex mixed partial of ``fn`` of the given orders at ``point``
    (all orders zero: the value itself).

    It is computed at rising precision until its real and imaginary parts have
    each settled. A part that is exactly zero at every precision, or never
    settles while shrinking to noise far below |f0| and the other, settled,
    part, is an exact zero.
    """
    results: list[mpc] = []
    parts: list[mpf | None] = [None, None]
    for dps in DIFF_DPS:
        with mp.workdps(dps):
            results.append(mpc(+partial(fn, tuple(mpc(t) for t in point), orders)))
        parts = [settle_part([r.real for r in results]), settle_part([r.imag for r in results])]
        if None not in parts:
            return mpc(*parts)
    scale = max([abs(f0), *(abs(p) for p in parts if p is not None)])
    for k in range(2):
        if parts[k] is None:
            history = [(r.real, r.imag)[k] for r in results]
            if not (all(h == 0 for h in history) or abs(history[-1]) <= ZERO_RTOL * scale):
                raise ArithmeticError(f"derivative {orders} at {point} does not settle: {results}")
            parts[k] = mpf(0)
    return mpc(*parts)


def references(fn: MpFunction, point: ComplexPoint) -> list[list[float]]:
    """[f0, derivatives...] at ``point``, each as [re, im] rounded to float64."""
    orders = UNARY_ORDERS if len(point) == 1 else BINARY_ORDERS
    f0 = complex_derivative(fn, point, (0,) * len(point), mpc(fn(*(mpc(t) for t in point))))
    return [to_pair(f0)] + [to_pair(complex_derivative(fn, point, o, f0)) for o in orders]


def in_dtype(point: Sequence[complex], dtype: str) -> ComplexPoint:
    """``point`` rounded to ``dtype``, as Python complex numbers."""
    return tuple(complex(v) for v in np.asarray(point, dtype=np.complex128).astype(dtype))


def accepted(domain: Domain, point: ComplexPoint) -> bool:
    return all(cmath.isfinite(t) for t in point) and not (domain.avoid and domain.avoid(*point))


def check_branch(name: str, point: ComplexPoint, f0: list[float]) -> None:
    """mpmath's f0 is numpy's branch: the same to NUMPY_RTOL in complex128."""
    with np.errstate(all="ignore"):
        ours = complex(getattr(np, name)(*(np.complex128(t) for t in point)))
    ref = complex(*f0)
    if not abs(ours - ref) <= NUMPY_RTOL * abs(ref):
        raise ValueError(f"{name} at {point}: mpmath gives {ref}, numpy {ours}")


def point_set(case: Case, dtype: str) -> dict[str, list[list[float]]]:
    """N_POINTS points of ``case`` in ``dtype`` with their references."""
    domain = case.domain(PART_DTYPE[dtype])
    rng = rng_for(case.name, dtype)
    rows: dict[ComplexPoint, list[list[float]]] = {}

    def add(point: ComplexPoint, *, required: bool) -> None:
        if point in rows or not accepted(domain, point):
            if required:
                raise ValueError(f"{case.name}/{dtype}: fixed point {point} rejected")
            return
        refs = references(case.fn, point)
        if fits([part for ref in refs for part in ref], PART_DTYPE[dtype]):
            check_branch(case.name, point, refs[0])
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
    table = {n: [to_pair(mpc(p[i])) for p in rows] for i, n in enumerate(names)}
    table.update({n: [r[i] for r in rows.values()] for i, n in enumerate(parts)})
    return table


def build() -> dict[str, object]:
    mp.dps = MP_DPS
    return {
        "meta": {
            "mp_dps": MP_DPS,
            "seed": SEED,
            "generator": "tests/generate_complex_references.py",
            "format": "complex numbers as [re, im]",
        },
        "unary": {c.name: {dt: point_set(c, dt) for dt in DTYPES} for c in UNARY},
        "binary": {c.name: {dt: point_set(c, dt) for dt in DTYPES} for c in BINARY},
    }


def dumps(data: object) -> str:
    """JSON, one [re, im] pair a line."""
    text = json.dumps(data, indent=1, allow_nan=False)
    number = r"-?\d[\d.eE+-]*"
    return re.sub(rf"\[\s*({number}),\s*({number})\s*\]", r"[\1, \2]", text) + "\n"


def main() -> None:
    data = build()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(dumps(data))
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
