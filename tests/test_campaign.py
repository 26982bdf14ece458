"""Property-test campaign: random compositions of the table's functions against mpmath.

Every elementwise function hyperdiff dispatches (hd.supported_ufuncs(), the
C++ table) is written once more here with mpmath primitives (MP_FUNCTIONS;
a test checks that the mapping covers the table, so a new entry forces a
mapping update). Hypothesis draws an expression tree of depth <= MAX_DEPTH in
one variable x (table functions, with constants as siblings of x-dependent
subtrees) and a few points, from ordinary values, values next to domain edges,
huge (1e200, 1e300, overflow thresholds), tiny (1e-300, subnormal) and
infinite ones. The tree runs on Dual (d = 1: f'), HyperDual (e1 = e2 = 1: f',
f''), DualVec with the two directions (1, 2) (f', 2f'), HyperDualVec with one
seed set (1, 2) (f', 2f', and the Hessian block f'' [[1, 2], [2, 4]]), and
through hd.derivative(order=1, 2), for float64 and float32 components and, with
the holomorphic entries only, complex128 and complex64.

The reference (``Model``) is exact arithmetic in mpmath, node by node: each
node's own value and partials at its exact inputs come from central
differences at raised working precision (mp.diff's method, written out so the
partials of a binary entry come from one 3x3 grid; the precision is raised
until the differences keep >= 160 significant bits), never from the
closed-form derivatives of the C++ core; the chain rule combines them with the
children's exact x-derivatives. So a node's (value, d/dx, d2/dx2) is exact to
far below the dtype's resolution.

Infinities and overflow follow one rule: a quantity whose exact magnitude
exceeds the dtype's largest finite number is seen by the parent as +-inf, as
in the package. A node with an infinite input uses the limits of its own
value and partials (evaluated at +-1e340, 1e380, 1e420, 1e460: converging,
tending to 0, or growing without bound with one sign; otherwise undefined),
and the chain rule runs in extended arithmetic, where 0 * inf and inf - inf
are undefined. A result that comes out undefined (nan: out of the domain, no
limit, an indeterminate form) is not compared; one that is defined (finite,
+-inf, or 0 after underflow) must be matched, so a nan where the reference is
defined fails.

Tolerance (``Model.outputs``): a linearized worst case of the rounding of
every node, propagated to the outputs by the same exact model. Each node's
value is perturbed by +-VALUE_ULPS ulps, and each of its parts by PART_ULPS
ulps of the size of its chain rule's terms (sum of |term|: a part that cancels
to far below its terms is rounded relative to them; for divide, the terms of
the documented quotient rule q'' = (a'' - 2 q' b' - q b'')/b), one node at a
time (ulp = eps * |q|, at least the smallest subnormal); the output's change,
summed over nodes, bounds the error of an implementation whose every node is
within those budgets (values: libmvec's documented <= 4 ulps; parts: the
budgets test_references.py and test_complex_references.py hold single
functions to; complex power: also times 1 + |w log z|, as glibc's cpow is
cexp(w clog z) and numpy's value is the contract). The tolerance is
TOLERANCE_FACTOR (2) times that bound plus 4 ulps of the reference: the factor
2 only covers the linearization. Cancellation, large condition numbers,
arguments far from the origin of sin: all are in the bound because they are in
the model, and nothing else is (no per-function slack), so a wrong formula, or
a right one evaluated badly, shows up as an error many times the bound.

A comparison is skipped when it is not well posed in the dtype: when the +- and
+-i perturbations of a node (or of x itself) change the result non-linearly
(a kink of floor/abs/maximum/fmod, a branch cut, a pole or domain edge within
rounding distance), or change its class (finite / inf / undefined), or when a
quantity sits within rounding distance of the overflow threshold.

KNOWN_DEFECTS lists defects being fixed (and the ones this campaign found):
the campaign skips the derivatives of a point where one of them applies, and
test_known_defect_is_still_present reproduces each one as a strict xfail, so a
fix makes it fail loudly until the entry is removed.

Examples per test: DEFAULT_EXAMPLES, deterministic (derandomize=True);
HYPERDIFF_CAMPAIGN_EXAMPLES=2000 python -m pytest tests/test_campaign.py runs
more, HYPERDIFF_CAMPAIGN_DEPTH deeper trees, HYPERDIFF_CAMPAIGN_SEED=n other
examples (hypothesis seeded with n instead of derandomized).
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import hyperdiff as hd
from hyperdiff._special import names as special_names
from hyperdiff._ufuncs import BINARY, COMPLEX_BINARY, COMPLEX_UNARY, UNARY, VALUE_ONLY

mpmath = pytest.importorskip("mpmath")
mp = mpmath.mp
mpf = mpmath.mpf
mpc = mpmath.mpc

DEFAULT_EXAMPLES = 40
EXAMPLES = int(os.environ.get("HYPERDIFF_CAMPAIGN_EXAMPLES", DEFAULT_EXAMPLES))
MAX_DEPTH = int(os.environ.get("HYPERDIFF_CAMPAIGN_DEPTH", 3))
SEED = os.environ.get("HYPERDIFF_CAMPAIGN_SEED")

# Error budgets per node, in ulps of the node's own result (see the module
# docstring): values within libmvec's 4 ulps; parts within the budgets that
# test_references.py / test_complex_references.py hold single functions to.
VALUE_ULPS = 4
PART_ULPS = {"real": 8, "complex": 16}
TOLERANCE_FACTOR = 2
# A +-perturbation pair whose effects do not cancel to this fraction is not
# linear: a kink, cut, pole or domain edge within rounding distance.
NONLINEAR = 1e-2

# Central differences: step 2**-STEP_BITS (relative below 1), working precision
# raised until every difference keeps KEEP_BITS significant bits.
STEP_BITS = 180
KEEP_BITS = 160
MODEL_PREC = 320  # the chain rule's arithmetic
MAX_WORKPREC = 40_000
NOISE_JUMP = 4500
LIMIT_EXPONENTS = (340, 380, 420, 460)  # x = +-10**E stands for +-inf
SATURATE = 10_000
SATURATED = (20_000, 30_000, 45_000, 67_500)  # ... for entries of exponential type
LIMIT_ZERO = mpf("1e-330")  # below float64's smallest subnormal


# --------------------------------------------------------------------------
# The table, once more in mpmath.


class Undefined(Exception):
    """Outside the real domain, a pole, or no limit: numpy gives nan."""


def _real(z: Any) -> Any:
    if isinstance(z, mpc):
        if z.imag != 0:
            raise Undefined
        return z.real
    return z


def _cbrt(a: Any) -> Any:
    return mp.sign(a) * mp.cbrt(abs(a)) if not isinstance(a, mpc) else mp.cbrt(a)


def _trunc(a: Any) -> Any:
    return mp.floor(a) if a >= 0 else mp.ceil(a)


def _rint(a: Any) -> Any:
    if isinstance(a, mpc):
        return mpc(mp.nint(a.real), mp.nint(a.imag))
    return mp.nint(a)  # ties to even, as numpy


def _gammaln(a: Any) -> Any:
    return mp.re(mp.loggamma(a))  # log|Gamma(a)|, also for a < 0


def _copysign(a: Any, b: Any) -> Any:
    if b == 0:
        raise Undefined  # the sign of a zero is not in the model
    return abs(a) if b > 0 else -abs(a)


def _fmod(a: Any, b: Any) -> Any:  # C fmod: the sign of a
    return a - b * _trunc(a / b)


def _remainder(a: Any, b: Any) -> Any:  # Python %: the sign of b
    return a - b * mp.floor(a / b)


def _power(a: Any, b: Any) -> Any:
    if a == 0 and not isinstance(b, mpc) and b <= 0:
        raise Undefined
    if a != 0 and abs(b * mp.log(abs(a))) > SATURATE:
        raise Undefined  # far out of range (and slow in mpmath): not modelled
    return mp.power(a, b)


def _logaddexp(a: Any, b: Any, base: Any) -> Any:
    """log_base(base**a + base**b), as max + log1p(base**-|a - b|)."""
    m, d = (a, b - a) if a >= b else (b, a - b)
    t = d * mp.log(base)
    return m + (mp.log1p(mp.exp(t)) / mp.log(base) if t > -SATURATE else 0)


def _first(a: Any, b: Any, pick: Callable[[Any, Any], bool]) -> Any:
    return a if pick(a, b) else b  # a tie follows the first argument


@dataclass(frozen=True)
class Entry:
    fn: Callable[..., Any]
    arity: int
    complex_ok: bool = False  # holomorphic, with a complex kernel
    # Exponential type: at |u| > SATURATE, value and derivatives are their
    # limits to far below any dtype's resolution (exp(-1e4) = 1e-4343), so the
    # model uses the limits (mpmath's exp of 1e300 takes seconds).
    saturates: bool = False
    # Piecewise (floor, abs, maximum, fmod, ...): the stencil is also taken
    # with twice the step, and a disagreement (a jump or kink inside it) makes
    # the point undefined.
    piecewise: bool = False


def _u(fn: Callable[[Any], Any], complex_ok: bool = False) -> Entry:
    return Entry(fn, 1, complex_ok)


def _pw(fn: Callable[..., Any], arity: int = 1) -> Entry:
    return Entry(fn, arity, piecewise=True)


def _sat(fn: Callable[[Any], Any], complex_ok: bool = False) -> Entry:
    return Entry(fn, 1, complex_ok, saturates=True)


def _b(fn: Callable[[Any, Any], Any], complex_ok: bool = False) -> Entry:
    return Entry(fn, 2, complex_ok)


# Keyed as hd.supported_ufuncs() names them.
MP_FUNCTIONS: dict[str, Entry] = {
    "numpy.negative": _u(lambda a: -a, True),
    "numpy.positive": _u(lambda a: +a, True),
    "numpy.conjugate": _u(lambda a: a),  # the identity on reals; not holomorphic
    "numpy.absolute": _pw(abs),
    "numpy.fabs": _pw(abs),
    "numpy.sign": _pw(mp.sign),
    "numpy.sqrt": _u(mp.sqrt, True),
    "numpy.cbrt": _u(_cbrt),
    "numpy.square": _u(lambda a: a * a, True),
    "numpy.reciprocal": _u(lambda a: 1 / a, True),
    "numpy.exp": _sat(mp.exp, True),
    "numpy.exp2": _sat(lambda a: mp.power(2, a), True),
    "numpy.expm1": _sat(mp.expm1, True),
    "numpy.log": _u(mp.log, True),
    "numpy.log2": _u(lambda a: mp.log(a) / mp.ln2, True),
    "numpy.log10": _u(lambda a: mp.log(a) / mp.ln10, True),
    "numpy.log1p": _u(mp.log1p, True),
    "numpy.sin": _u(mp.sin, True),
    "numpy.cos": _u(mp.cos, True),
    "numpy.tan": _u(mp.tan, True),
    "numpy.arcsin": _u(mp.asin, True),
    "numpy.arccos": _u(mp.acos, True),
    "numpy.arctan": _u(mp.atan, True),
    "numpy.sinh": _sat(mp.sinh, True),
    "numpy.cosh": _sat(mp.cosh, True),
    "numpy.tanh": _sat(mp.tanh, True),
    "numpy.arcsinh": _u(mp.asinh, True),
    "numpy.arccosh": _u(mp.acosh, True),
    "numpy.arctanh": _u(mp.atanh, True),
    "numpy.deg2rad": _u(lambda a: a * mp.pi / 180),
    "numpy.radians": _u(lambda a: a * mp.pi / 180),
    "numpy.rad2deg": _u(lambda a: a * 180 / mp.pi),
    "numpy.degrees": _u(lambda a: a * 180 / mp.pi),
    "numpy.floor": _pw(mp.floor),
    "numpy.ceil": _pw(mp.ceil),
    "numpy.trunc": _pw(_trunc),
    "numpy.rint": Entry(_rint, 1, True, piecewise=True),
    "scipy.special.erf": _sat(mp.erf),
    "scipy.special.erfc": _sat(mp.erfc),
    "scipy.special.expit": _sat(lambda a: 1 / (1 + mp.exp(-a))),
    "scipy.special.logit": _u(lambda a: mp.log(a / (1 - a))),
    "scipy.special.gammaln": _u(_gammaln),
    "scipy.special.ndtr": _sat(mp.ncdf),
    "numpy.add": _b(lambda a, b: a + b, True),
    "numpy.subtract": _b(lambda a, b: a - b, True),
    "numpy.multiply": _b(lambda a, b: a * b, True),
    "numpy.divide": _b(lambda a, b: a / b, True),
    "numpy.power": _b(_power, True),
    "numpy.float_power": _b(_power, True),
    # Piecewise at the origin (arctan2 jumps, hypot has a cone point).
    "numpy.arctan2": _pw(mp.atan2, 2),
    "numpy.hypot": _pw(mp.hypot, 2),
    "numpy.maximum": _pw(lambda a, b: _first(a, b, lambda p, q: p >= q), 2),
    "numpy.minimum": _pw(lambda a, b: _first(a, b, lambda p, q: p <= q), 2),
    "numpy.fmax": _pw(lambda a, b: _first(a, b, lambda p, q: p >= q), 2),
    "numpy.fmin": _pw(lambda a, b: _first(a, b, lambda p, q: p <= q), 2),
    "numpy.fmod": _pw(_fmod, 2),
    "numpy.remainder": _pw(_remainder, 2),
    "numpy.floor_divide": _pw(lambda a, b: mp.floor(a / b), 2),
    "numpy.logaddexp": _b(lambda a, b: _logaddexp(a, b, mp.e)),
    "numpy.logaddexp2": _b(lambda a, b: _logaddexp(a, b, 2)),
    "numpy.copysign": _pw(_copysign, 2),
}

PERIODIC = frozenset(
    MP_FUNCTIONS[n].fn for n in ("numpy.fmod", "numpy.remainder", "numpy.floor_divide")
)

# Piecewise constant: every partial is 0 where the function is defined (the
# package's convention, elementary.hpp / binary.hpp). The stencil would not
# see it where the steps are denser than its step: floor(0.5/x) at x = 3e-248
# steps every 2e-495, and its differences follow 0.5/x (campaign at 2000).
STEPS = frozenset(
    MP_FUNCTIONS[n].fn
    for n in ("numpy.sign", "numpy.floor", "numpy.ceil", "numpy.trunc", "numpy.rint")
) | {MP_FUNCTIONS["numpy.floor_divide"].fn}

# float_power computes in float64 whatever its inputs: kept out of 32-bit trees.
WIDENING = frozenset({"numpy.float_power"})


def _ufunc_names() -> dict[str, np.ufunc]:
    from hyperdiff._ufuncs import resolve_late, ufunc_name

    resolve_late(import_modules=True)  # scipy.special's entries (hyperdiff imports it lazily)
    table = [*UNARY, *BINARY, np.conjugate]
    return {ufunc_name(u): u for u in table}


UFUNCS = _ufunc_names()
COMPLEX_NAMES = frozenset(
    name for name, u in UFUNCS.items() if u in COMPLEX_UNARY or u in COMPLEX_BINARY
)


def test_mapping_covers_the_table() -> None:
    """MP_FUNCTIONS has every differentiable entry of the package's table, with
    its arity and holomorphic flag; scipy's entries may be missing from the
    table only when scipy is not installed."""
    value_only = {f"numpy.{u.__name__}" for u in VALUE_ONLY}
    # (scipy.special functions differentiated on the value: tests/test_scipy_special.py)
    on_the_value = set(special_names()) - set(UFUNCS)
    dispatched = set(hd.supported_ufuncs()) - value_only - on_the_value
    assert dispatched == set(UFUNCS)
    missing = dispatched - set(MP_FUNCTIONS)
    assert not missing, f"add mpmath mappings for {sorted(missing)}"
    extra = set(MP_FUNCTIONS) - dispatched
    assert all(name.startswith("scipy.") for name in extra), extra
    for name, u in UFUNCS.items():
        assert MP_FUNCTIONS[name].arity == u.nin, name
    assert {n for n, e in MP_FUNCTIONS.items() if e.complex_ok and n in UFUNCS} == COMPLEX_NAMES


# --------------------------------------------------------------------------
# Expression trees: ("x",), ("c", value), ("u", name, child), ("b", name, left, right).
# Every internal node has an x-dependent child; constants are Python scalars
# (exact in the dtype), so the package applies the one-argument rule to them.

Tree = tuple[Any, ...]


def depends(tree: Tree) -> bool:
    return tree[0] != "c"


def show(tree: Tree) -> str:
    if tree[0] == "x":
        return "x"
    if tree[0] == "c":
        return repr(tree[1])
    args = ", ".join(show(t) for t in tree[2:])
    return f"{tree[1]}({args})"


def run_numpy(tree: Tree, x: Any) -> Any:
    """The tree on ``x`` (a dual array of any kind), with numpy's ufuncs."""
    if tree[0] == "x":
        return x
    if tree[0] == "c":
        return tree[1]
    return UFUNCS[tree[1]](*(run_numpy(t, x) for t in tree[2:]))


# --------------------------------------------------------------------------
# The reference model.


@dataclass(frozen=True)
class Dtype:
    name: str
    complex: bool
    eps: float
    max: float
    denorm: float

    @classmethod
    def of(cls, name: str) -> Dtype:
        dt = np.dtype(name)
        fi = np.finfo(dt)
        return cls(name, dt.kind == "c", float(fi.eps), float(fi.max), float(fi.smallest_subnormal))


class Skip(Exception):
    """A quantity within rounding distance of the overflow threshold."""


@dataclass
class Jet:
    """A node's exact value and first and second x-derivatives (nan: undefined)."""

    v: Any
    d1: Any
    d2: Any
    # The sizes of the chain rule's terms (sum of |term|), to which its
    # rounding is relative: d1 and d2 may cancel to far below them.
    s1: Any = 0
    s2: Any = 0
    # The node's own error budget in units of VALUE_ULPS / PART_ULPS.
    budget: Any = 1
    # An absolute error of the value allowed on top (numpy's complex log1p).
    value_error: Any = 0


def _isnan(q: Any) -> bool:
    return bool(mp.isnan(q))


def _isinf(q: Any) -> bool:
    return bool(mp.isinf(q))


NAN = mpf("nan")


def _finite(q: Any) -> bool:
    return not (_isnan(q) or _isinf(q))


def _mag(q: Any) -> int:
    return int(mp.mag(q)) if q != 0 else -(10**6)


def _to_mp(value: Any, cplx: bool) -> Any:
    return mpc(float(value.real), float(value.imag)) if cplx else mpf(float(value))


def _step(a: Any) -> Any:
    """2**-STEP_BITS relative to |a| below 1, absolute above (periodic functions)."""
    return mp.ldexp(1, min(_mag(a), 0) - STEP_BITS) if a != 0 else mp.ldexp(1, -STEP_BITS)


def _call(entry: Entry, args: tuple[Any, ...], cplx: bool) -> Any:
    try:
        out = entry.fn(*args)
    except (ValueError, ZeroDivisionError, OverflowError):
        raise Undefined from None
    if not cplx:
        out = _real(out)
    if _isnan(out):
        raise Undefined
    return out


def _size(q: Any) -> Any:
    """max(|re|, |im|): a cheap magnitude (no square root at thousands of bits)."""
    return max(abs(q.real), abs(q.imag)) if isinstance(q, mpc) else abs(q)


def _differences(
    entry: Entry, args: tuple[Any, ...], steps: dict[int, Any], cplx: bool
) -> tuple[dict, dict]:
    """Central differences with ``steps`` (at the current precision): the
    value and the partials, and per partial (its difference, the size of the
    values differenced)."""
    idx = sorted(steps)

    def g(*offsets: int) -> Any:
        shifted = list(args)
        for i, k in zip(idx, offsets, strict=True):
            shifted[i] = args[i] + k * steps[i]
        return _call(entry, tuple(shifted), cplx)

    if len(idx) == 1:
        (i,) = idx
        h = steps[i]
        gp, g0, gm = g(1), g(0), g(-1)
        scale = max(_size(gp), _size(g0), _size(gm))
        d1, d2 = gp - gm, gp - 2 * g0 + gm
        out = {"g": g0, (i,): d1 / (2 * h), (i, i): d2 / (h * h)}
        return out, {(i,): (d1, scale), (i, i): (d2, scale)}
    i, j = idx
    hi, hj = steps[i], steps[j]
    grid = {(a, b): g(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)}
    scale = max(_size(q) for q in grid.values())
    diffs = {
        (i,): (grid[1, 0] - grid[-1, 0], 2 * hi),
        (j,): (grid[0, 1] - grid[0, -1], 2 * hj),
        (i, i): (grid[1, 0] - 2 * grid[0, 0] + grid[-1, 0], hi * hi),
        (j, j): (grid[0, 1] - 2 * grid[0, 0] + grid[0, -1], hj * hj),
        (i, j): (grid[1, 1] - grid[1, -1] - grid[-1, 1] + grid[-1, -1], 4 * hi * hj),
    }
    out = {"g": grid[0, 0], **{k: d / n for k, (d, n) in diffs.items()}}
    return out, {k: (d, scale) for k, (d, _) in diffs.items()}


def _noise(diff: Any, scale: Any, prec: int) -> bool:
    """``diff`` is within the rounding noise of values of size ``scale``."""
    return _size(diff) <= mp.ldexp(scale, 8 - prec)


def _kept_bits(diff: Any, scale: Any, prec: int) -> int:
    """Significant bits left in ``diff``, a difference of numbers of size ``scale``."""
    if not (_finite(diff) and _finite(scale)):
        raise Undefined
    return prec - (int(mp.mag(scale)) - int(mp.mag(_size(diff))))


def stencil(entry: Entry, args: tuple[Any, ...], dep: tuple[bool, ...], cplx: bool) -> dict:
    """The entry's value and its partials in the dependent arguments, at finite
    ``args``: central differences at a working precision raised until every
    difference keeps KEEP_BITS bits (mp.diff's method). A difference lost in
    the rounding noise is taken again NOISE_JUMP bits further; still noise
    there, it is an exact zero (a relative size below 2**-4000 cannot reach a
    double). A piecewise entry is also differenced with twice the step: a
    disagreement means a jump or kink within the stencil: undefined."""
    steps = {i: _step(a) for i, (a, d) in enumerate(zip(args, dep, strict=True)) if d}
    # Enough bits for x +- h next to every argument, and for the differences.
    span = max((_mag(a) for a in args if a != 0), default=0)
    prec = 2 * STEP_BITS + 64 + max(0, span - min(_mag(h) for h in steps.values()))
    jumped = False
    while True:
        with mp.workprec(prec):
            if not all(_finite(a) for a in args):
                raise Undefined
            out, diffs = _differences(entry, args, steps, cplx)
            if not all(_finite(s) for _, s in diffs.values()):
                raise Undefined
            noise = {k for k, (d, s) in diffs.items() if _noise(d, s, prec)}
            kept = min(
                (_kept_bits(d, s, prec) for k, (d, s) in diffs.items() if k not in noise),
                default=KEEP_BITS,
            )
            if entry.piecewise and not (noise and not jumped) and kept >= KEEP_BITS:
                wide, wdiffs = _differences(entry, args, {i: 2 * h for i, h in steps.items()}, cplx)
                for k, q in out.items():
                    w = 0 if k in wdiffs and _noise(*wdiffs[k], prec) else wide[k]
                    q = 0 if k in noise else q
                    if _size(w - q) > mp.ldexp(_size(q), -100):
                        raise Undefined
        if noise and not jumped:
            prec += NOISE_JUMP
            jumped = True
            continue
        if kept >= KEEP_BITS:
            return {k: (mpf(0) if k in noise else q) for k, q in out.items()}
        prec += int(KEEP_BITS - kept) + 64
        if prec > MAX_WORKPREC:
            raise Undefined


def _classify(samples: list[Any]) -> Any:
    """The limit of a sequence of samples at growing arguments: a common value,
    0 (all far below any subnormal), +-inf (growing in magnitude, one sign,
    not slowing down), else nan."""
    if any(_isnan(s) for s in samples):
        return NAN
    if all(_isinf(s) for s in samples) and len({mp.sign(s) for s in samples}) == 1:
        return samples[0]
    if any(_isinf(s) for s in samples):
        return NAN
    mags = [abs(s) for s in samples]
    if all(m < LIMIT_ZERO for m in mags):
        return mpf(0)
    last = samples[-1]
    if all(abs(s - last) <= mpf("1e-40") * abs(last) for s in samples[-2:]):
        if all(abs(s - last) <= mpf("1e-20") * abs(last) for s in samples):
            return last
    signs = {mp.sign(s) for s in samples}
    growth = [mags[k + 1] - mags[k] for k in range(len(mags) - 1)]
    if (
        len(signs) == 1
        and all(d > 0 for d in growth)
        and all(growth[k + 1] >= growth[k] * mpf("0.9") for k in range(len(growth) - 1))
        and mags[-1] > 1000
    ):
        return mp.inf * last.real / abs(last.real) if last.real != 0 else NAN
    return NAN


def limits(entry: Entry, args: tuple[Any, ...], dep: tuple[bool, ...], cplx: bool) -> dict:
    """The entry's value and partials as its infinite arguments tend to +-inf."""
    inf_at = [i for i, a in enumerate(args) if _isinf(a)]
    if cplx:
        raise Undefined  # complex infinities are not modelled
    if entry.fn in PERIODIC:
        raise Undefined  # numpy: fmod / remainder / floor_divide of inf are nan
    if entry.saturates:
        paths = [[(mpf(m),) for m in SATURATED]]
    else:
        big = [mpf(10) ** e for e in LIMIT_EXPONENTS]
        paths = [[(m,) * len(inf_at) for m in big]]
        if len(inf_at) == 2:  # the limit must not depend on the path
            paths += [[(m, m * mp.sqrt(m)) for m in big], [(m * mp.sqrt(m), m) for m in big]]
    results = []
    for path in paths:
        tables = []
        for mags in path:
            shifted = list(args)
            for i, m in zip(inf_at, mags, strict=True):
                shifted[i] = mp.sign(args[i]) * m
            try:
                tables.append(stencil(entry, tuple(shifted), dep, cplx))
            except Undefined:
                tables.append(None)
        if any(t is None for t in tables):
            return {}
        results.append({k: _classify([t[k] for t in tables]) for k in tables[0]})
    out = {}
    for k in results[0]:
        vals = [r[k] for r in results]
        same = all(
            (_isnan(v) and _isnan(vals[0])) or v == vals[0]
            or (_finite(v) and _finite(vals[0]) and abs(v - vals[0]) <= mpf("1e-20") * abs(v))
            for v in vals
        )  # fmt: skip
        out[k] = vals[0] if same else NAN
    return out


@functools.lru_cache(maxsize=1 << 16)
def _local(name: str, args: tuple[Any, ...], dep: tuple[bool, ...], cplx: bool) -> dict:
    """A node's own value and partials (limits at infinite arguments), {} if undefined."""
    entry = MP_FUNCTIONS[name]
    if entry.saturates and not cplx:
        args = tuple(mp.inf * mp.sign(a) if abs(a) > SATURATE else a for a in args)
    try:
        if _any_inf(args):
            out = limits(entry, args, dep, cplx)
        else:
            out = stencil(entry, args, dep, cplx)
    except Undefined:
        return {}
    if entry.fn in STEPS and out:
        out = {k: (q if k == "g" else mpf(0)) for k, q in out.items()}
    return out


# Defects being fixed in the C++ table (see the module docstring). Each: a
# predicate on (entry name, the inputs the node sees, the dtype), and a
# reproduction (tree, point, dtype) with what it gives today. The campaign skips
# the derivatives of a point whose model meets one;
# test_known_defect_is_still_present keeps each entry honest.
@dataclass(frozen=True)
class Defect:
    applies: Callable[[str, tuple[Any, ...], Dtype], bool]
    tree: Tree
    x: complex
    dtype: str


def _any_inf(args: tuple[Any, ...]) -> bool:
    return any(_isinf(a) for a in args)


def _x(name: str) -> Tree:
    return ("u", name, ("x",))


X: Tree = ("x",)
KNOWN_DEFECTS: dict[str, Defect] = {}

# Defects this campaign found and the chain rule no longer has (kinds.hpp;
# tests/test_chain_rule_edges.py covers each family in every kind): the
# reproduction (tree, point, dtype), checked like any example.
FORMER_DEFECTS: dict[str, tuple[Tree, complex, str]] = {
    # complex arccosh'' of 1j**x at x = -30j (|z| ~ 3e20): g_a g_b overflowed
    # in f2 g_a g_b (nan; want ~ 3e-41). Found with seed 2 at 400.
    "complex arccosh at a huge argument": (
        ("b", "numpy.add", ("c", 0.5), ("u", "numpy.arccosh", ("b", "numpy.power", ("c", 1j), X))),
        -30j,
        "complex64",
    ),
    # fmax's partial in the operand it does not select is a structural 0: times
    # cbrt'(0) = inf it gave nan (want 0). Found with seed 1 at 400.
    "selection of a constant over an infinite part": (
        ("u", "numpy.absolute", ("b", "numpy.fmax", ("u", "numpy.cbrt", X), ("c", 0.5))),
        0.0,
        "float32",
    ),
    # log(cosh x)'' in float32 at 45: the parts' product (cosh' = 1.7e19,
    # HyperDualVec's 2 cosh') overflowed in f2 g_a g_b: -inf, want 1/cosh^2 ~ 7e-39.
    "log of a huge value with huge parts (float32)": (
        ("u", "numpy.log", ("u", "numpy.absolute", ("u", "numpy.cosh", X))),
        45.0,
        "float32",
    ),
    # complex tan' = 1/cos^2 a where cos a overflows (a = 2/x = -2000j): nan,
    # want 4 e^(-2 |Im a|) (0 in the dtype). Found at 2000 examples.
    "complex tan far from the real axis": (
        ("u", "numpy.tan", ("b", "numpy.divide", ("c", 2.0), X)),
        0.001j,
        "complex128",
    ),
    # sqrt'' times tiny parts: their product underflowed to a subnormal first,
    # w-scaled parts did not scale the term exactly, and hd.derivative's probe
    # raised 'mixes points' (order 2). Found at 2000 examples.
    "subnormal parts' product in a second-order term (complex64)": (
        ("u", "numpy.sqrt", ("u", "numpy.sqrt", ("b", "numpy.power", X, X))),
        30j,
        "complex64",
    ),
    # arctan2(0.5/x, 0.5) at the smallest normal float32: d/dx (0.5/x) = -inf
    # (overflowed), d/dy atan2 = 3e-76 (underflowed): nan, which the model now
    # wants too (Model.times; the true derivative, -1, is lost in the dtype).
    "arctan2(huge, y) after an overflowed part": (
        ("b", "numpy.arctan2", ("b", "numpy.divide", ("c", 0.5), X), ("c", 0.5)),
        1.1754943508222875e-38,
        "float32",
    ),
}


def _known_defect(name: str, args: tuple[Any, ...], dtype: Dtype) -> str | None:
    for key, defect in KNOWN_DEFECTS.items():
        if defect.applies(name, args, dtype):
            return key
    return None


@dataclass
class Model:
    """The exact model of one tree at one point in one dtype."""

    tree: Tree
    x: Any  # mpf / mpc, or +-inf
    dtype: Dtype
    defects: set = field(default_factory=set)

    # -- node-local quantities

    def local(self, name: str, args: tuple[Any, ...], dep: tuple[bool, ...]) -> dict:
        return _local(name, args, dep, self.dtype.complex)

    def seen(self, q: Any) -> Any:
        """``q`` as the package holds it: beyond the largest finite number, +-inf."""
        if not _finite(q):
            return q
        if self.dtype.complex:
            m = max(abs(q.real), abs(q.imag)) if isinstance(q, mpc) else abs(q)
            if m > self.dtype.max * (1 - 64 * self.dtype.eps):
                raise Skip
            return q
        m = abs(q)
        band = 64 * self.dtype.eps
        if m > self.dtype.max * (1 + band):
            return mp.inf * mp.sign(q)
        if m >= self.dtype.max * (1 - band):
            raise Skip
        return q

    # -- evaluation

    def jets(self, perturb: tuple[int, str, Any] | None = None) -> tuple[Jet, list[Jet]]:
        """The root's jet and every internal node's (in post-order); ``perturb``
        = (node index, "v" / "d1" / "d2" / "x", offset) adds offset to one
        quantity (node index -1: x itself)."""
        nodes: list[Jet] = []
        with mp.workprec(MODEL_PREC):
            x = self.x
            if perturb is not None and perturb[1] == "x":
                x = x + perturb[2]
            root = self._eval(self.tree, x, nodes, perturb)
        return root, nodes

    def _eval(self, tree: Tree, x: Any, nodes: list[Jet], perturb: Any) -> Jet | None:
        kind = tree[0]
        if kind == "x":
            return Jet(x, mpf(1), mpf(0))
        if kind == "c":
            return None
        children = [self._eval(t, x, nodes, perturb) for t in tree[2:]]
        name = tree[1]
        args = []
        for t, c in zip(tree[2:], children, strict=True):
            if c is None:
                # the constant as the package holds it: numpy casts a Python
                # scalar to the array's dtype (1e-3 in float32 is 1.0000000475e-3,
                # which fmod(x, 1e-3) at x = 9.5004 turns into a relative
                # difference of 1e-3 in the value)
                val = np.array(t[1], dtype=self.dtype.name).item()
                args.append(mpc(val) if isinstance(val, complex) else mpf(val))
            else:
                args.append(self.seen(c.v))
        dep = tuple(c is not None for c in children)
        rounded = [t[0] == "u" or t[0] == "b" for t in tree[2:]]
        if any(
            r and self.pole_within_rounding(name, a) for r, a in zip(rounded, args, strict=True)
        ):
            jet = Jet(NAN, NAN, NAN)
        else:
            jet = self._apply(name, tuple(args), dep, children)
        if perturb is not None and perturb[0] == len(nodes) and perturb[1] != "x":
            setattr(jet, perturb[1], getattr(jet, perturb[1]) + perturb[2])
        nodes.append(jet)
        return jet

    def _apply(
        self, name: str, args: tuple[Any, ...], dep: tuple[bool, ...], children: list
    ) -> Jet:
        if any(_isnan(a) for a in args):
            return Jet(NAN, NAN, NAN)
        defect = _known_defect(name, args, self.dtype)
        if defect:
            self.defects.add(defect)
        loc = self.local(name, args, dep)
        if not loc:
            return Jet(NAN, NAN, NAN)
        idx = [i for i, d in enumerate(dep) if d]
        d1 = {i: self.seen(children[i].d1) for i in idx}
        d2 = {i: self.seen(children[i].d2) for i in idx}
        # (partial, part, multiplicity) of each chain-rule term
        first = [(loc[(i,)], d1[i], 1) for i in idx]
        second = [(loc[(i,)], d2[i], 1) for i in idx]
        second += [
            (loc[(a, b)], d1[a] * d1[b], 1 if a == b else 2) for a in idx for b in idx if a <= b
        ]
        v1 = sum((self.term(k * self.times(p, q)) for p, q, k in first), mpf(0))
        v2 = sum((self.term(k * self.times(p, q)) for p, q, k in second), mpf(0))
        s1 = sum((k * self.held(p) * abs(q) for p, q, k in first), mpf(0))
        s2 = sum((k * self.held(p) * abs(q) for p, q, k in second), mpf(0))
        if name == "numpy.divide" and dep[1] and _finite(args[1]) and args[1] != 0:
            # The documented quotient rule (DESIGN.md): q = a/b,
            # q' = (a' - q b')/b, q'' = (a'' - 2 q' b' - q b'')/b; its terms,
            # q' b' with q' rounded to its terms' size s1 (x/x: numpy's complex64
            # quotient is 1 - eps, q' = eps/x, not 0, and q'' = -2 eps/x^2)
            w, q = args[1], loc["g"]
            a1, a2 = (d1[0], d2[0]) if dep[0] else (0, 0)
            s1 = (abs(a1) + abs(q * d1[1])) / abs(w)
            s2 = (abs(a2) + 2 * (abs(v1) + s1) * abs(d1[1]) + abs(q * d2[1])) / abs(w)
        budget, value_error = 1, 0
        if self.dtype.complex and name in ("numpy.power", "numpy.float_power"):
            # glibc's cpow is cexp(w * clog(z)): the rounding of w * log(z) is
            # amplified by |w log z| (numpy's value, which the package returns).
            budget = 1 + abs(args[1] * mp.log(args[0])) if args[0] != 0 else 1
        if self.dtype.complex and name == "numpy.log1p":
            # numpy's complex log1p(z) is log|1 + z| + i arg(1 + z) with 1 + z
            # rounded: an absolute error up to eps / 2 in the real part, all of
            # log1p(2e-308) = 2e-308 (numpy gives 0). The package returns numpy's
            # value bit for bit (test_complex_references.py's value parity), so
            # the exact log1p is not its contract; the parts, 1/(1 + z), are exact.
            value_error = self.dtype.eps * abs(1 + args[0])
        return Jet(loc["g"], v1, v2, s1, s2, budget, value_error)

    def pole_within_rounding(self, name: str, a: Any) -> bool:
        """Whether a pole of the entry lies within VALUE_ULPS ulps of ``a``, a
        computed (rounded) argument: ill-posed. gammaln has a pole at every
        integer <= 0, and below -2^24 in float32 (-2^53 in float64) every float
        is one: gammaln(ceil(x - 0.25) + 0.001) at x = -3.5e16 in float32 is
        inf in the dtype (u + 0.001 rounds to the integer u) and finite in exact
        arithmetic; the +-ulps perturbations, non-integers, do not see it."""
        if name != "scipy.special.gammaln" or self.dtype.complex or not _finite(a) or a > 0:
            return False
        r = VALUE_ULPS * self.ulp(a)
        return mp.floor(a + r) >= mp.ceil(a - r)

    def times(self, partial: Any, part: Any) -> Any:
        """A node's partial times a part (or a product of two), as the chain rule
        in the dtype can form it: a nonzero partial below half the smallest
        subnormal (0 in the dtype) times a part beyond the largest finite number
        (+-inf, or two parts whose product overflows) is undefined: the dtype has
        lost both magnitudes, and the product could be anything (arctan2(0.5/x,
        0.5) at x = 1.2e-38 in float32: d/dx (0.5/x) = -inf, d/dy atan2 = 3e-76,
        the true derivative -1). The package gives nan there (kinds.hpp)."""
        lost = partial != 0 and abs(partial) < self.dtype.denorm / 2
        if lost and not (_finite(part) and abs(part) <= self.dtype.max):
            return NAN
        if _finite(partial) and _size(partial) > self.dtype.max:
            if self.dtype.complex:
                raise Skip  # complex infinities are not modelled
            partial = mp.inf * mp.sign(partial)  # the dtype holds inf
        return partial * part

    def term(self, q: Any) -> Any:
        """A chain-rule term as the dtype forms it: beyond the largest finite
        number +-inf, before the terms are added (power(x, x)'' at the smallest
        normal float64: the fxy term 1.8e308 overflows, the sum 9e307 would not;
        the package's inf, or nan where an inf meets a -inf, is the dtype's).
        Within a factor 4 of it (the seed products the parts carry, up to
        HyperDualVec's hess[1, 1]) it overflows in some parts and not in others:
        Skip."""
        if self.dtype.complex or not _finite(q) or abs(q) <= self.dtype.max / 4:
            return q
        if abs(q) <= self.dtype.max:
            raise Skip
        return mp.inf * mp.sign(q)

    def held(self, partial: Any) -> Any:
        """The size a partial's rounding in the dtype is relative to: the partial,
        but at least the smallest normal's (below it the dtype holds a partial
        to the smallest subnormal, absolutely: log'' = -1/a^2 at a = 1e20 in
        float32 keeps 13 bits, and a part of 1e20 lifts that error to 1e-5).
        A zero partial is exact."""
        if partial == 0:
            return mpf(0)
        return max(abs(partial), mpf(self.dtype.denorm) / self.dtype.eps)

    # -- outputs and their bounds

    def ulp(self, q: Any) -> Any:
        return max(self.dtype.eps * abs(q), self.dtype.denorm)

    def outputs(self) -> Outputs:
        base, nodes = self.jets()
        base_q = [self.seen_out(q) for q in (base.v, base.d1, base.d2)]
        bound = [mpf(0)] * 3
        ill = [False] * 3
        units = [1, 1j] if self.dtype.complex else [1]
        part_ulps = PART_ULPS["complex" if self.dtype.complex else "real"]

        def effect(perturb: tuple[int, str, Any]) -> list[Any]:
            try:
                root, _ = self.jets(perturb)
                got = [self.seen_out(q) for q in (root.v, root.d1, root.d2)]
            except Skip:
                return [None] * 3
            out = []
            for b, g in zip(base_q, got, strict=True):
                if _finite(b) and _finite(g):
                    out.append(g - b)
                elif (_isinf(b) and _isinf(g) and b == g) or (_isnan(b) and _isnan(g)):
                    out.append(mpf(0))
                else:
                    out.append(None)  # the class changed
            return out

        def pair(k: int, what: str, size: Any, into_bound: bool) -> None:
            for unit in units:
                plus = effect((k, what, unit * size))
                minus = effect((k, what, -unit * size))
                for c in range(3):
                    p, m = plus[c], minus[c]
                    if p is None or m is None:
                        ill[c] = True
                        continue
                    big = max(abs(p), abs(m))
                    if big and abs(p + m) > NONLINEAR * big:
                        ill[c] = True
                    if into_bound:
                        bound[c] += big

        with mp.workprec(MODEL_PREC):
            if _finite(self.x):  # x is exact: only kinks at x itself are looked for
                pair(-1, "x", VALUE_ULPS * self.ulp(self.x), False)
            for k, jet in enumerate(nodes):
                if _finite(jet.v) and abs(jet.v) <= self.dtype.max:
                    size = VALUE_ULPS * jet.budget * self.ulp(jet.v) + jet.value_error
                    pair(k, "v", size, True)
                for what, size in (("d1", jet.s1), ("d2", jet.s2)):
                    q = getattr(jet, what)
                    if _finite(q) and _finite(size) and abs(q) <= self.dtype.max:
                        size = part_ulps * jet.budget * self.ulp(max(abs(q), size))
                        eff = effect((k, what, size))
                        for c in range(3):
                            if eff[c] is None:
                                ill[c] = True
                            else:
                                bound[c] += abs(eff[c])
        for c in (1, 2):  # no derivative at a kink, or of an undefined value
            ill[c] = ill[c] or ill[c - 1] or _isnan(base_q[c - 1])
        return Outputs(base_q, bound, ill, set(self.defects))

    def seen_out(self, q: Any) -> Any:
        try:
            return self.seen(q)
        except Skip:
            return NAN


@dataclass
class Outputs:
    ref: list[Any]  # f, f', f'' (seen: +-inf beyond the dtype's range; nan: undefined)
    bound: list[Any]
    ill: list[bool]
    defects: set


# --------------------------------------------------------------------------
# Running the package and comparing.


@dataclass(frozen=True)
class Part:
    label: str
    order: int  # 0 value, 1 first, 2 second derivative
    scale: int  # the seed product the part carries


def _seeded(kind: str, xs: np.ndarray) -> Any:
    dt = xs.dtype
    one = np.ones_like(xs)
    if kind == "Dual":
        return hd.dual(xs, one)
    if kind == "HyperDual":
        return hd.hyperdual(xs, one, one, 0 * one)
    seeds = np.stack([one, 2 * one])
    if kind == "DualVec":
        return hd.dualvec(xs, seeds, dtype=dt)
    return hd.hyperdualvec(xs, seeds, dtype=dt)


KINDS = ("Dual", "HyperDual", "DualVec", "HyperDualVec", "derivative")


def run_package(tree: Tree, kind: str, xs: np.ndarray) -> Iterator[tuple[Part, np.ndarray]]:
    """(part, array) for each part of the tree's result on ``xs`` in ``kind``."""
    with np.errstate(all="ignore"):
        if kind == "derivative":
            kw = {"holomorphic": True} if xs.dtype.kind == "c" else {}
            f = lambda x: run_numpy(tree, x)  # noqa: E731
            yield Part("(f)", 1, 1), hd.derivative(f, **kw)(xs)
            yield Part("(f, order=2)", 2, 1), hd.derivative(f, order=2, **kw)(xs)
            return
        out = run_numpy(tree, _seeded(kind, xs))
    assert type(out).__name__.startswith(kind), (kind, type(out))
    assert out.dtype == xs.dtype, (kind, out.dtype, xs.dtype)
    yield Part(".value", 0, 1), out.value
    if kind == "Dual":
        yield Part(".d", 1, 1), out.d
    elif kind == "HyperDual":
        yield Part(".e1", 1, 1), out.e1
        yield Part(".e2", 1, 1), out.e2
        yield Part(".e12", 2, 1), out.e12
    else:
        yield Part(".grad[0]", 1, 1), out.grad[0]
        yield Part(".grad[1]", 1, 2), out.grad[1]
        if kind == "HyperDualVec":
            for a in range(2):
                for b in range(2):
                    yield Part(f".hess[{a},{b}]", 2, (a + 1) * (b + 1)), out.hess[a, b]


def mismatch(got: Any, ref: Any, bound: Any, dtype: Dtype) -> str | None:
    """Why ``got`` fails the reference, or None. ``ref`` is +-inf beyond the
    dtype's range; the tolerance is TOLERANCE_FACTOR * bound + 4 ulps."""
    g = complex(got) if dtype.complex else float(got)
    if _isinf(ref):
        if not dtype.complex and math.isinf(g) and (g > 0) == (ref > 0):
            return None
        return "want inf"
    if (dtype.complex and not np.isfinite(g)) or (not dtype.complex and not math.isfinite(g)):
        near_max = abs(ref) + TOLERANCE_FACTOR * bound >= dtype.max
        if near_max and not np.isnan(g):
            return None
        return "not finite"
    tol = TOLERANCE_FACTOR * bound + 4 * dtype.eps * abs(ref) + 2 * dtype.denorm
    with mp.workprec(MODEL_PREC):
        err = abs((mpc(g) if dtype.complex else mpf(g)) - ref)
    if err <= tol:
        return None
    return f"error {mp.nstr(err, 3)} > tol {mp.nstr(tol, 3)}"


def _event(what: str) -> None:
    """A hypothesis event (shown with --hypothesis-show-statistics), if in a test."""
    try:
        event(what)
    except InvalidArgument:
        pass


def check(tree: Tree, points: list[Any], dtype_name: str, *, skip_known: bool = True) -> None:
    """The tree at the points in every kind against the model; AssertionError
    listing every failure."""
    dtype = Dtype.of(dtype_name)
    xs = np.array(points, dtype=dtype_name)
    models = []
    for p in xs:
        try:
            models.append(Model(tree, _to_mp(p, dtype.complex), dtype).outputs())
        except Skip:
            models.append(None)
    # Repeat the points so the kernels' vector loops and their tails both run.
    reps = 7
    tiled = np.tile(xs, reps)
    failures: dict[tuple, str] = {}
    for kind in KINDS:
        for part, arr in run_package(tree, kind, tiled):
            arr = np.broadcast_to(np.asarray(arr), tiled.shape)
            for n, got in enumerate(arr):
                out = models[n % len(xs)]
                if out is None:
                    continue
                c = part.order
                if out.ill[c] or _isnan(out.ref[c]):
                    continue
                if skip_known and out.defects and c > 0:
                    _event(f"known defect skipped: {sorted(out.defects)}")
                    continue
                ref = out.ref[c] * part.scale
                ref = mp.inf * mp.sign(ref) if abs(ref) > dtype.max and not dtype.complex else ref
                why = mismatch(got, ref, out.bound[c] * part.scale, dtype)
                key = (kind, part.label, n % len(xs))
                if why and key not in failures:
                    failures[key] = (
                        f"{kind}{part.label} at x={xs[n % len(xs)]!r} (element {n}): got {got!r}, "
                        f"want {mp.nstr(ref, 17)} (bound "
                        f"{mp.nstr(out.bound[c] * part.scale, 3)}): {why}"
                    )
    if failures:
        lines = list(failures.values())
        more = f"\n... and {len(lines) - 12} more" if len(lines) > 12 else ""
        head = f"{show(tree)} [{dtype_name}] at {[p.item() for p in xs]}:\n"
        raise AssertionError(head + "\n".join(lines[:12]) + more)


# --------------------------------------------------------------------------
# Strategies.

REAL_CONSTANTS = (0.5, 2.0, 3.0, -1.5, 0.25, 10.0, -1.0, 1e-3, 1e3)
COMPLEX_CONSTANTS = (0.5, 2.0, -1.5, 1j, 0.5 - 2j, 3 + 1j)


def trees(names: list[str], constants: tuple, depth: int) -> st.SearchStrategy[Tree]:
    unary = sorted(n for n in names if MP_FUNCTIONS[n].arity == 1)
    binary = sorted(n for n in names if MP_FUNCTIONS[n].arity == 2)
    const = st.sampled_from(constants).map(lambda c: ("c", c))
    x = st.just(("x",))
    if depth == 0:
        return x
    sub = trees(names, constants, depth - 1)
    return st.one_of(
        x,
        st.tuples(st.just("u"), st.sampled_from(unary), sub),
        st.tuples(st.just("b"), st.sampled_from(binary), sub, const),
        st.tuples(st.just("b"), st.sampled_from(binary), const, sub),
        st.tuples(st.just("b"), st.sampled_from(binary), sub, sub),
    )


def _edges(width: int) -> list[float]:
    """Points next to domain edges and range limits, exact in the width."""
    mant = 52 if width == 64 else 23
    out = [0.0, 1.0, -1.0, 0.5, 2.0, math.pi / 2, math.pi]
    for m in (1, 2, 8, mant // 2, mant - 1, mant):
        out += [1 - 2.0**-m, -(1 - 2.0**-m), 1 + 2.0**-m, -1 + 2.0**-m, 2.0**-m, -(2.0**-m)]
    if width == 64:
        out += [1e200, -1e200, 1e300, -1e300, 1.7e308, -1.7e308, 1.5e154, -1.5e154, 1e154,
                709.0, 710.0, -745.0, -708.0, 27.0, -27.0, 1e-300, -1e-300, 5e-324, -5e-324,
                1e-310, 2.2250738585072014e-308, 1e-200, 1e-8, -1e-8]  # fmt: skip
    else:
        out += [1e30, -1e30, 3e38, -3e38, 1.5e19, -1.5e19, 88.0, 89.0, -103.0, -87.0, 9.0,
                -9.0, 1e-30, -1e-30, 1e-45, -1e-45, 1e-40, 1.1754944e-38, 1e-4, -1e-4]  # fmt: skip
    return out


def real_points(width: int) -> st.SearchStrategy[float]:
    ordinary = st.floats(-10, 10, width=width)
    anything = st.floats(allow_nan=False, width=width)
    infinite = st.sampled_from([math.inf, -math.inf])
    edges = st.sampled_from(_edges(width))
    return st.one_of(ordinary, edges, anything, infinite)


def complex_points(width: int) -> st.SearchStrategy[complex]:
    part = st.one_of(
        st.floats(-4, 4, width=width),
        st.sampled_from([0.0, 1.0, -1.0, 0.5, 1e-3, 30.0, -30.0, 1e-20]),
    )
    return st.builds(complex, part, part)


CAMPAIGN = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=SEED is None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _seeded_run(test: Callable[..., None]) -> Callable[..., None]:
    return test if SEED is None else seed(int(SEED))(test)


REAL_DTYPES = {"float64": 64, "float32": 32}
COMPLEX_DTYPES = {"complex128": 64, "complex64": 32}


def _names(dtype: str) -> list[str]:
    names = [n for n in UFUNCS if n in MP_FUNCTIONS]
    if np.dtype(dtype).kind == "c":
        names = [n for n in names if n in COMPLEX_NAMES]
    if np.dtype(dtype) in (np.float32, np.complex64):
        names = [n for n in names if n not in WIDENING]
    return names


@pytest.mark.parametrize("dtype", REAL_DTYPES)
def test_random_compositions_real(dtype: str) -> None:
    width = REAL_DTYPES[dtype]

    @_seeded_run
    @CAMPAIGN
    @given(
        tree=trees(_names(dtype), REAL_CONSTANTS, MAX_DEPTH),
        points=st.lists(real_points(width), min_size=1, max_size=3),
    )
    def run(tree: Tree, points: list[float]) -> None:
        check(tree, points, dtype)

    run()


@pytest.mark.parametrize("dtype", COMPLEX_DTYPES)
def test_random_compositions_complex(dtype: str) -> None:
    width = COMPLEX_DTYPES[dtype]

    @_seeded_run
    @CAMPAIGN
    @given(
        tree=trees(_names(dtype), COMPLEX_CONSTANTS, MAX_DEPTH),
        points=st.lists(complex_points(width), min_size=1, max_size=3),
    )
    def run(tree: Tree, points: list[complex]) -> None:
        check(tree, points, dtype)

    run()


@pytest.mark.parametrize("key", KNOWN_DEFECTS)
@pytest.mark.xfail(raises=AssertionError, strict=True, reason="a known defect, being fixed")
def test_known_defect_is_still_present(key: str) -> None:
    """Each KNOWN_DEFECTS entry's reproduction still fails; when it passes (the
    fix landed), strict xfail fails the suite until the entry is removed."""
    defect = KNOWN_DEFECTS[key]
    check(defect.tree, [defect.x], defect.dtype, skip_known=False)


@pytest.mark.parametrize("key", FORMER_DEFECTS)
def test_former_known_defect(key: str) -> None:
    tree, x, dtype = FORMER_DEFECTS[key]
    check(tree, [x], dtype, skip_known=False)


# Mismatches the campaign at 400 and 2000 examples reported where the model, not
# the package, was wrong (each fixed in the model, where its comment says why),
# and one where hd.derivative's check was:
MODEL_CORRECTIONS: dict[str, tuple[Tree, list[complex], str]] = {
    # the constant 1e-3 is 1.0000000475e-3 in float32 (Model._eval): the
    # package's fmod was exact, the reference took the float64 constant
    "fmod by a constant inexact in float32": (
        ("b", "numpy.fmod", X, ("c", 1e-3)),
        [9.500399589538574, 0.7653999924659729],
        "float32",
    ),
    # ceil(x - 0.25) + 0.001 rounds to an integer, a pole (Model.pole_within_rounding)
    "gammaln at a pole the rounding lands on (float32)": (
        (
            "u",
            "scipy.special.gammaln",
            (
                "b",
                "numpy.add",
                ("u", "numpy.ceil", ("b", "numpy.subtract", X, ("c", 0.25))),
                ("c", 0.001),
            ),
        ),
        [-3.5208975808987136e16],
        "float32",
    ),
    # numpy's complex log1p is log(1 + z) rounded: 0 at 2e-308 (Model._apply's value_error)
    "numpy's complex log1p near 0": (
        ("u", "numpy.log1p", X),
        [2e-308 + 0j, 1e-20 + 1e-20j],
        "complex128",
    ),
    # At 2000 examples: the fxy term 4 * 4.5e307 overflows in hess[0, 1], the
    # sum 9e307 does not (Model.term: a term is a quantity of the dtype)
    "power(x, x)'' at the smallest normal float64": (
        ("b", "numpy.power", X, X),
        [2.2250738585072014e-308],
        "float64",
    ),
    # At 2000 examples: power's fxx = y (y - 1) u^(y - 2) ~ 1e42 is beyond
    # complex64's range where its term is not (Model.times: complex: Skip)
    "complex64 power whose partial overflows": (
        ("b", "numpy.power", ("u", "numpy.arcsin", ("b", "numpy.power", X, ("c", -1.5))), X),
        [-1 + 30j],
        "complex64",
    ),
    # At 2000 examples: floor_divide's partials are 0 (STEPS), also where its
    # steps (every 2e-495 here) are denser than the stencil's
    "floor_divide with steps denser than the stencil": (
        ("b", "numpy.floor_divide", ("c", 0.5), X),
        [3.3525926605450627e-248],
        "float64",
    ),
    # At 2000 examples, the package's own error: hd.derivative's pointwise
    # probe raised where both sides were complex infinities with different nan
    # parts (d/dx 0.5/x overflows at x = 8.9e-282j); _transforms.py
    "complex infinities in the pointwise probe": (
        ("b", "numpy.float_power", ("b", "numpy.divide", ("c", 0.5), X), ("c", 0.5)),
        [8.905477828185667e-282j],
        "complex128",
    ),
}


@pytest.mark.parametrize("key", MODEL_CORRECTIONS)
def test_model_correction(key: str) -> None:
    tree, points, dtype = MODEL_CORRECTIONS[key]
    check(tree, points, dtype, skip_known=False)


@pytest.mark.parametrize("dtype", REAL_DTYPES)
def test_power_at_infinite_and_huge_points(dtype: str) -> None:
    """Once a KNOWN_DEFECTS entry: x**3.0 at x = inf had d/dx nan (want inf);
    x**2.5 at 1e200 had d/dx inf (x^2.5 overflows, 2.5 x^1.5 does not)."""
    check(("b", "numpy.power", ("x",), ("c", 3.0)), [math.inf, -math.inf], dtype, skip_known=False)
    huge = 1e200 if dtype == "float64" else 5e15
    check(("b", "numpy.power", ("x",), ("c", 2.5)), [huge, math.inf], dtype, skip_known=False)
