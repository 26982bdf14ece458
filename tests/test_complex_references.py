"""hyperdiff's complex values and derivatives against high-precision references,
and its complex values against numpy's, bit for bit (sin, cos, sinh, cosh, exp: to 4 ulps).

tests/data/references_complex.json holds, per function and point set
("complex128", "complex64"), the value and complex derivatives computed with
mpmath at 50 digits by numerical differentiation
(tests/generate_complex_references.py), independently of the closed-form
derivatives in the C++ core. Complex numbers are [re, im] pairs.

Errors are measured separately in the real and imaginary part, in ulps of the
part dtype (float64, float32) at the modulus of the reference,
|got.re - ref.re| / spacing(|ref|) and the same for .im: a part that is tiny
next to the other (or exactly zero) is held to the accuracy of the complex
number, which is what complex libm can deliver. A reference of exactly 0 is
measured in units of the smallest subnormal.

Seeds may themselves be complex: dual(z; 1j) gives .d = 1j f'(z), and
DualVec/HyperDualVec with seeds (1, 1j) give (f', 1j f') and
(f'', 1j f'', -f''): products with 1 and 1j are exact, so each part is held to
the same tolerance as f' or f''.

Value parity: through every kind (Dual, HyperDual, DualVec, HyperDualVec; for
binary functions also with a plain ndarray or a Python complex on either
side), ``.value`` must be numpy's own result bit for bit (sin, cos, sinh, cosh and exp,
which run vectorized: within 4 ulps, zeros, infinities and nans exact), the sign of a zero
part included (nan payloads aside), on random points, on every combination of
special real and imaginary parts (signed zeros, the branch points, points on
and next to the cuts, tiny, subnormal and huge parts), with inf and nan parts,
and, for binary functions, with a signed-zero first operand (0 ** w).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from reference_harness import check_derivatives as harness_check_derivatives
from reference_harness import check_values as harness_check_values
from reference_harness import function_cases
from reference_harness import probe_cases as harness_probe_cases

import hyperdiff as hd
from hyperdiff._table import COMPLEX_BINARY, COMPLEX_UNARY

REFERENCES = Path(__file__).resolve().parent / "data" / "references_complex.json"
DTYPES = ("complex128", "complex64")

# Allowed error in ulps of the part dtype at |ref|, by what is compared.
# Complex libm (glibc's csin, cexp, clog, casin, ...) is not correctly rounded,
# and a chain rule then composes a few such results. No per-function overrides.
ULPS: Mapping[str, float] = {"value": 4.0, "first": 8.0, "second": 16.0}
ORDER = {"f0": "value", "f1": "first", "fx": "first", "fy": "first",
         "f2": "second", "fxx": "second", "fxy": "second", "fyy": "second"}  # fmt: skip

# The table's entries with complex kernels (from the C++ core's exported table): one
# added there is tested here once tests/data/references_complex.json has it.
UNARY_FUNCTIONS = tuple(sorted(u.__name__ for u in COMPLEX_UNARY))
BINARY_FUNCTIONS = tuple(sorted(u.__name__ for u in COMPLEX_BINARY))
FUNCTIONS = {"unary": UNARY_FUNCTIONS, "binary": BINARY_FUNCTIONS}
ARGS = {"unary": ("x",), "binary": ("x", "y")}


@cache
def references() -> dict[str, Any]:
    with REFERENCES.open() as fh:
        return json.load(fh)


def tolerance(key: str) -> float:
    return ULPS[ORDER[key]]


def as_complex(pairs: Sequence[Sequence[float]]) -> np.ndarray:
    """[[re, im], ...] as a complex128 array."""
    parts = np.asarray(pairs, dtype=np.float64).reshape(-1, 2)
    return parts[:, 0] + 1j * parts[:, 1]


def part_dtype(dtype: np.dtype) -> np.dtype:
    """float64 for complex128, float32 for complex64."""
    return np.empty(0, dtype).real.dtype


def ulp_errors(got: Any, ref: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """|got - ref| of the real and of the imaginary part in ulps of the part dtype
    of ``dtype`` at |ref|; nan counts as infinite."""
    got = np.asarray(got).astype(np.complex128)
    real = part_dtype(dtype)
    unit = np.spacing(np.abs(ref).astype(real)).astype(np.float64)
    unit = np.maximum(unit, float(np.spacing(np.finfo(real).tiny)))
    errors = []
    for g, r in ((got.real, ref.real), (got.imag, ref.imag)):
        with np.errstate(over="ignore", invalid="ignore"):
            err = np.abs(g - r) / unit
        errors.append(np.where(np.isnan(err), np.inf, err))
    return errors[0], errors[1]


# --------------------------------------------------------------------------
# Probes: ways to seed the derivative parts, and the reference each part of
# the result must then reproduce (times an exact factor 1, 1j or -1).


@dataclass(frozen=True)
class Part:
    name: str  # as in messages: "d", "grad[1]", "hess[0,1]"
    get: Callable[[Any], Any]
    key: str  # the reference
    factor: complex = 1


def attribute(name: str, key: str, factor: complex = 1) -> Part:
    return Part(name, lambda r: getattr(r, name), key, factor)


def grad(k: int, key: str, factor: complex = 1) -> Part:
    return Part(f"grad[{k}]", lambda r: r.grad[k], key, factor)


def hess(a: int, b: int, key: str, factor: complex = 1) -> Part:
    return Part(f"hess[{a},{b}]", lambda r: r.hess[a, b], key, factor)


def hyper(v: np.ndarray, e1: complex, e2: complex) -> Any:
    return hd.hyperdual(v, e1=e1, e2=e2, e12=0.0, dtype=v.dtype)


def dual(v: np.ndarray, d: complex) -> Any:
    return hd.dual(v, d, dtype=v.dtype)


def dualvec(v: np.ndarray, *seeds: complex) -> Any:
    return hd.dualvec(v, np.array(seeds), dtype=v.dtype)


def hyperdualvec(v: np.ndarray, *seeds: complex) -> Any:
    """One seed set: the gradient and the symmetric Hessian block."""
    return hd.hyperdualvec(v, np.array(seeds), dtype=v.dtype)


@dataclass(frozen=True)
class Probe:
    id: str
    label: str
    call: Callable[..., Any]
    parts: tuple[Part, ...]
    # A seed of the kind the result must have, from the first argument.
    seed: Callable[[np.ndarray], Any] = field(default=lambda x: dual(x, 1.0))


UNARY_PROBES = (
    Probe("dual", "dual(z; 1)", lambda f, x: f(dual(x, 1.0)), (attribute("d", "f1"),)),
    Probe("dual_i", "dual(z; 1j)", lambda f, x: f(dual(x, 1j)), (attribute("d", "f1", 1j),)),
    Probe(
        "hyperdual",
        "hyperdual(z; 1, 1)",
        lambda f, x: f(hyper(x, 1.0, 1.0)),
        (attribute("e1", "f1"), attribute("e2", "f1"), attribute("e12", "f2")),
        lambda x: hyper(x, 1.0, 1.0),
    ),
    Probe(
        "hyperdual_i",
        "hyperdual(z; 1, 1j)",
        lambda f, x: f(hyper(x, 1.0, 1j)),
        (attribute("e1", "f1"), attribute("e2", "f1", 1j), attribute("e12", "f2", 1j)),
        lambda x: hyper(x, 1.0, 1.0),
    ),
    Probe(
        "dualvec",
        "dualvec(z; (1, 1j))",
        lambda f, x: f(dualvec(x, 1.0, 1j)),
        (grad(0, "f1"), grad(1, "f1", 1j)),
        lambda x: dualvec(x, 1.0, 1j),
    ),
    Probe(
        "hyperdualvec",
        "hyperdualvec(z; (1, 1j))",
        lambda f, x: f(hyperdualvec(x, 1.0, 1j)),
        (
            grad(0, "f1"),
            grad(1, "f1", 1j),
            hess(0, 0, "f2"),
            hess(0, 1, "f2", 1j),
            hess(1, 0, "f2", 1j),
            hess(1, 1, "f2", -1),
        ),
        lambda x: hyperdualvec(x, 1.0, 1j),
    ),
)

BINARY_PROBES = (
    Probe(
        "hyper_x-hyper_y",
        "hyperdual(z; 1, 0), hyperdual(w; 0, 1)",
        lambda f, x, y: f(hyper(x, 1.0, 0.0), hyper(y, 0.0, 1.0)),
        (attribute("e1", "fx"), attribute("e2", "fy"), attribute("e12", "fxy")),
        lambda x: hyper(x, 1.0, 1.0),
    ),
    Probe(
        "hyper_xx-hyper_0",
        "hyperdual(z; 1, 1), hyperdual(w; 0, 0)",
        lambda f, x, y: f(hyper(x, 1.0, 1.0), hyper(y, 0.0, 0.0)),
        (attribute("e1", "fx"), attribute("e2", "fx"), attribute("e12", "fxx")),
        lambda x: hyper(x, 1.0, 1.0),
    ),
    Probe(
        "hyper_0-hyper_yy",
        "hyperdual(z; 0, 0), hyperdual(w; 1, 1)",
        lambda f, x, y: f(hyper(x, 0.0, 0.0), hyper(y, 1.0, 1.0)),
        (attribute("e1", "fy"), attribute("e2", "fy"), attribute("e12", "fyy")),
        lambda x: hyper(x, 1.0, 1.0),
    ),
    Probe(
        "hyper_xx-ndarray",
        "hyperdual(z; 1, 1), ndarray w",
        lambda f, x, y: f(hyper(x, 1.0, 1.0), y),
        (attribute("e1", "fx"), attribute("e2", "fx"), attribute("e12", "fxx")),
        lambda x: hyper(x, 1.0, 1.0),
    ),
    Probe(
        "ndarray-hyper_yy",
        "ndarray z, hyperdual(w; 1, 1)",
        lambda f, x, y: f(x, hyper(y, 1.0, 1.0)),
        (attribute("e1", "fy"), attribute("e2", "fy"), attribute("e12", "fyy")),
        lambda x: hyper(x, 1.0, 1.0),
    ),
    Probe(
        "dual_x-dual_0",
        "dual(z; 1), dual(w; 0)",
        lambda f, x, y: f(dual(x, 1.0), dual(y, 0.0)),
        (attribute("d", "fx"),),
    ),
    Probe(
        "dual_0-dual_y",
        "dual(z; 0), dual(w; 1)",
        lambda f, x, y: f(dual(x, 0.0), dual(y, 1.0)),
        (attribute("d", "fy"),),
    ),
    Probe(
        "dual_x-ndarray",
        "dual(z; 1), ndarray w",
        lambda f, x, y: f(dual(x, 1.0), y),
        (attribute("d", "fx"),),
    ),
    Probe(
        "ndarray-dual_y",
        "ndarray z, dual(w; 1)",
        lambda f, x, y: f(x, dual(y, 1.0)),
        (attribute("d", "fy"),),
    ),
    Probe(
        "dualvec",
        "dualvec(z; (1, 0)), dualvec(w; (0, 1j))",
        lambda f, x, y: f(dualvec(x, 1.0, 0.0), dualvec(y, 0.0, 1j)),
        (grad(0, "fx"), grad(1, "fy", 1j)),
        lambda x: dualvec(x, 1.0, 0.0),
    ),
    Probe(
        "hyperdualvec",
        "hyperdualvec(z; (1, 0)), hyperdualvec(w; (0, 1))",
        lambda f, x, y: f(hyperdualvec(x, 1.0, 0.0), hyperdualvec(y, 0.0, 1.0)),
        (
            grad(0, "fx"),
            grad(1, "fy"),
            hess(0, 0, "fxx"),
            hess(0, 1, "fxy"),
            hess(1, 0, "fxy"),
            hess(1, 1, "fyy"),
        ),
        lambda x: hyperdualvec(x, 1.0, 0.0),
    ),
)

PROBES = {"unary": UNARY_PROBES, "binary": BINARY_PROBES}


# --------------------------------------------------------------------------
# Checks against the references.


@dataclass
class Case:
    """One function on one point set, with numpy's own value there."""

    arity: str
    name: str
    dtype: str
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ref = references()[self.arity][self.name][self.dtype]
        self.fn: np.ufunc = getattr(np, self.name)
        self.args = [as_complex(self.ref[a]).astype(self.dtype) for a in ARGS[self.arity]]
        self.numpy_value = np.asarray(self.fn(*self.args))
        # Errors are in ulps of numpy's result dtype (float_power: complex128).
        self.out_dtype = self.numpy_value.dtype
        self.tol = tolerance("f0")

    def run(self, probe: Probe) -> Any:
        return probe.call(self.fn, *self.args)

    def fail(self, what: str, err: np.ndarray, got: np.ndarray, expected: np.ndarray) -> None:
        """Record ``what`` as failed at its worst point."""
        i = int(np.argmax(err))
        names = ARGS[self.arity]
        point = ", ".join(f"{a}={v[i]!r}" for a, v in zip(names, self.args, strict=True))
        self.failures.append(
            f"{self.name} [{self.dtype}] {what}: worst {err[i]:.3g} ulps at {point}: "
            f"got {got[i]!r}, expected {expected[i]!r}; "
            f"{np.count_nonzero(err > 0)}/{err.size} points over"
        )

    def check_part(self, probe: Probe, result: Any, part: Part) -> None:
        """A part of ``result`` against its reference times its factor. The parts
        are formed from the value (exp2' = ln2 2^z, power's p/x, p log x), which is
        numpy's own: the tolerance adds numpy's relative error in the value there."""
        ref = as_complex(self.ref[part.key]) * part.factor
        got = np.broadcast_to(np.asarray(part.get(result)), ref.shape)
        f0 = as_complex(self.ref["f0"])
        with np.errstate(divide="ignore", invalid="ignore"):
            value_error = np.nan_to_num(np.abs(self.numpy_value - f0) / np.abs(f0))
        real = part_dtype(self.out_dtype)
        unit = np.maximum(np.spacing(np.abs(ref).astype(real)), np.spacing(np.finfo(real).tiny))
        tol = tolerance(part.key) + value_error * np.abs(ref) / unit.astype(np.float64)
        factor = "" if part.factor == 1 else f"{part.factor} * "
        for component, err in zip(("re", "im"), ulp_errors(got, ref, self.out_dtype), strict=True):
            if (err > tol).any():
                limit = f"{tolerance(part.key)} + numpy's value error"
                what = f"{probe.label} .{part.name}.{component} vs {factor}{part.key} (tol {limit})"
                self.fail(what, np.where(err > tol, err, 0.0), got, ref)

    def check_value(self, probe: Probe, result: Any) -> None:
        """``result.value`` against the reference, unless numpy's own value is
        further off (numpy's log1p near 0); bit parity with numpy is
        test_*_value_parity's."""
        ref = as_complex(self.ref["f0"])
        got = np.broadcast_to(np.asarray(result.value), ref.shape)
        if got.dtype != self.out_dtype:
            self.failures.append(
                f"{self.name} [{self.dtype}] {probe.label} .value: dtype {got.dtype}, "
                f"numpy gives {self.out_dtype}"
            )
        numpy_errors = ulp_errors(self.numpy_value, ref, self.out_dtype)
        errors = ulp_errors(got, ref, self.out_dtype)
        for component, err, numpy_err in zip(("re", "im"), errors, numpy_errors, strict=True):
            bad = err > np.maximum(self.tol, numpy_err)
            if bad.any():
                what = f"{probe.label} .value.{component} vs f0 (tol {self.tol})"
                self.fail(what, np.where(bad, err, 0.0), got, ref)

    def check_kind(self, probe: Probe, result: Any) -> None:
        seed = probe.seed(self.args[0])
        if type(result) is not type(seed) or result.dtype != self.out_dtype:
            self.failures.append(
                f"{self.name} [{self.dtype}] {probe.label}: result is "
                f"{type(result).__name__} of {result.dtype}, expected "
                f"{type(seed).__name__} of {self.out_dtype}"
            )

    def check_parts(self, probe: Probe, result: Any) -> None:
        for part in probe.parts:
            self.check_part(probe, result, part)

    def assert_passed(self) -> None:
        if self.failures:
            pytest.fail("\n".join(self.failures), pytrace=False)


def cases(arity: str) -> list[Any]:
    return function_cases(FUNCTIONS[arity], DTYPES)


def probe_cases(arity: str) -> list[Any]:
    return harness_probe_cases(FUNCTIONS[arity], DTYPES, PROBES[arity])


def check_values(arity: str, name: str, dtype: str) -> None:
    harness_check_values(Case(arity, name, dtype), PROBES[arity])


def check_derivatives(arity: str, name: str, dtype: str, probe: Probe) -> None:
    harness_check_derivatives(Case(arity, name, dtype), probe)


@pytest.mark.parametrize(("name", "dtype"), cases("unary"))
def test_unary_value(name: str, dtype: str) -> None:
    check_values("unary", name, dtype)


@pytest.mark.parametrize(("name", "dtype", "probe"), probe_cases("unary"))
def test_unary_derivatives(name: str, dtype: str, probe: Probe) -> None:
    check_derivatives("unary", name, dtype, probe)


@pytest.mark.parametrize(("name", "dtype"), cases("binary"))
def test_binary_value(name: str, dtype: str) -> None:
    check_values("binary", name, dtype)


@pytest.mark.parametrize(("name", "dtype", "probe"), probe_cases("binary"))
def test_binary_derivatives(name: str, dtype: str, probe: Probe) -> None:
    check_derivatives("binary", name, dtype, probe)


# --------------------------------------------------------------------------
# Value parity with numpy, bit for bit (the sign of a zero part included; nan
# payloads aside), on random points and on and near branch cuts.

SEED = 20240612
N_RANDOM = 200


def parts_of(dtype: str, *, nonfinite: bool = False) -> list[float]:
    """Real or imaginary parts: zeros of both signs, the branch points, points on
    and near the cuts (tiny parts), tan's pole, exp's overflow, the largest."""
    f32 = dtype == "complex64"
    tiny, huge = (1e-30, 1e30) if f32 else (1e-300, 1e300)
    subnormal = 1e-40 if f32 else 5e-324
    overflow = 89.0 if f32 else 710.0
    values = [0.0, 0.5, 1.0, 2.0, 1e-8, tiny, subnormal, np.pi / 2, overflow, 1e10, huge]
    values = [v for x in values for v in (x, -x)]
    if nonfinite:
        values += [np.inf, -np.inf, np.nan]
    return values


def special_points(dtype: str, *, nonfinite: bool = False) -> np.ndarray:
    """Every combination of the parts (with inf and nan only in ``nonfinite``:
    at least one part inf or nan)."""
    values = np.array(parts_of(dtype, nonfinite=nonfinite), dtype=part_dtype(np.dtype(dtype)))
    re, im = (a.ravel() for a in np.meshgrid(values, values, indexing="ij"))
    if nonfinite:
        keep = ~(np.isfinite(re) & np.isfinite(im))
        re, im = re[keep], im[keep]
    z = np.empty(re.shape, dtype=dtype)
    z.real, z.imag = re, im
    return z


def random_points(name: str, dtype: str, n: int) -> np.ndarray:
    """n points: half in the box |re|, |im| <= 3, half at magnitudes 1e-10 to 1e10."""
    rng = np.random.default_rng([SEED, sum(map(ord, f"{name}/{dtype}"))])
    box = rng.uniform(-3, 3, n // 2) + 1j * rng.uniform(-3, 3, n // 2)
    radius = np.exp(rng.uniform(np.log(1e-10), np.log(1e10), n - n // 2))
    wide = radius * np.exp(1j * rng.uniform(-np.pi, np.pi, n - n // 2))
    return np.concatenate([box, wide]).astype(dtype)


def unary_points(name: str, dtype: str, kind: str) -> np.ndarray:
    if kind == "random":
        reference = as_complex(references()["unary"][name][dtype]["x"]).astype(dtype)
        return np.concatenate([reference, random_points(name, dtype, N_RANDOM)])
    return special_points(dtype, nonfinite=kind == "nonfinite")


def binary_points(name: str, dtype: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
    if kind == "random":
        table = references()["binary"][name][dtype]
        x = as_complex(table["x"]).astype(dtype)
        y = as_complex(table["y"]).astype(dtype)
        rx = random_points(name, dtype, N_RANDOM)
        ry = random_points(name + "/y", dtype, N_RANDOM)
        # Integer exponents: numpy's power takes repeated products for |n| < 100.
        ry[::4] = np.round(ry[::4].real)
        return np.concatenate([x, rx]), np.concatenate([y, ry])
    finite = special_points(dtype)
    if kind == "zero_x":
        # The four signed zeros against every finite special point (0 ** w).
        z = finite[finite == 0]
        return np.repeat(z, finite.size), np.tile(finite, z.size)
    # Every special point (but zero: "zero_x") against a few special ones.
    z = special_points(dtype, nonfinite=kind == "nonfinite")
    z = z[z != 0]
    w = np.concatenate([finite[:: max(1, finite.size // 24)], np.array([2, -3, 0.5, 1j, 150])])
    w = w.astype(dtype)
    return np.repeat(z, w.size), np.tile(w, z.size)


def unary_kinds(x: np.ndarray) -> Iterator[tuple[str, Any]]:
    yield "dual", dual(x, 1.0)
    yield "hyperdual", hyper(x, 1.0, 1j)
    yield "dualvec", dualvec(x, 1.0, 1j)
    yield "hyperdualvec", hyperdualvec(x, 1.0, 1j)


def binary_kinds(x: np.ndarray, y: np.ndarray) -> Iterator[tuple[str, Any, Any]]:
    yield "dual, ndarray", dual(x, 1.0), y
    yield "ndarray, dual", x, dual(y, 1.0)
    yield "dual, dual", dual(x, 1.0), dual(y, 1j)
    yield "hyperdual, hyperdual", hyper(x, 1.0, 0.0), hyper(y, 0.0, 1.0)
    yield "dualvec, dualvec", dualvec(x, 1.0, 0.0), dualvec(y, 0.0, 1.0)
    yield "hyperdualvec, hyperdualvec", hyperdualvec(x, 1.0, 0.0), hyperdualvec(y, 0.0, 1.0)


# Entries whose complex values are glibc's formulas vectorized (kernels.hpp's
# complex_block), not glibc's scalar csin/ccos/csinh/ccosh/cexp: within VECTORIZED_ULPS of numpy's
# in each part at the modulus (libmvec's documented bound, as for real values), with
# numpy's zeros (and their signs), infinities and nans exactly.
VECTORIZED = frozenset({"sin", "cos", "sinh", "cosh", "exp"})
VECTORIZED_ULPS = 4.0


def mismatches(got: np.ndarray, expected: np.ndarray, ulps: float = 0.0) -> np.ndarray:
    """Where ``got`` and ``expected`` differ in a part: in value (by more than ``ulps``
    of the part dtype at |expected| where both parts are finite and numpy's is not
    zero), in being nan, or in the sign of a zero."""
    bad = np.zeros(expected.shape, dtype=bool)
    with np.errstate(all="ignore"):
        spacing = ulps * np.finfo(expected.real.dtype).eps * np.abs(expected)
    for g, e in ((got.real, expected.real), (got.imag, expected.imag)):
        nan = np.isnan(g) | np.isnan(e)
        loose = np.isfinite(g) & np.isfinite(e) & (e != 0) & np.isfinite(spacing)
        with np.errstate(all="ignore"):
            differ = np.where(loose, np.abs(g - e) > spacing, g != e)
        bad |= np.where(nan, np.isnan(g) != np.isnan(e), differ | (np.signbit(g) != np.signbit(e)))
    return bad


def describe(
    name: str, kind: str, got: np.ndarray, expected: np.ndarray, points: Sequence[np.ndarray]
) -> str:
    bad = mismatches(got, expected, VECTORIZED_ULPS if name in VECTORIZED else 0.0)
    where = np.flatnonzero(bad)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(got.astype(np.complex128) - expected.astype(np.complex128))
        scale = np.maximum(
            np.abs(expected.astype(np.complex128)), np.finfo(expected.real.dtype).tiny
        )
        rel = np.where(bad, diff / scale, 0.0)
    lines = [
        f"np.{name} [{expected.dtype}] through {kind}: {where.size}/{bad.size} values differ "
        f"from numpy's (max relative difference {np.nanmax(rel):.3g})"
    ]
    for i in where[:8]:
        args = ", ".join(repr(p[i]) for p in points)
        lines.append(f"  at ({args}): got {got[i]!r}, numpy {expected[i]!r}")
    return "\n".join(lines)


def check_parity(
    name: str, results: Sequence[tuple[str, Any]], points: Sequence[np.ndarray]
) -> None:
    """Each result's value is numpy's on ``points`` (VECTORIZED ones within ulps)."""
    fn = getattr(np, name)
    with np.errstate(all="ignore"):
        expected = np.asarray(fn(*points))
    failures = []
    for kind, result in results:
        got = np.asarray(result.value)
        if got.dtype != expected.dtype:
            failures.append(f"np.{name} through {kind}: dtype {got.dtype}, numpy {expected.dtype}")
        elif mismatches(got, expected, VECTORIZED_ULPS if name in VECTORIZED else 0.0).any():
            failures.append(describe(name, kind, got, expected, points))
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


POINT_KINDS = {
    "unary": ("random", "special", "nonfinite"),
    "binary": ("random", "special", "nonfinite", "zero_x"),
}

# Known value differences from numpy, by (function, point kind); each is an
# xfail(strict=True), so a fix shows up as an unexpected pass.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {}


def parity_cases(arity: str) -> list[Any]:
    return [
        pytest.param(
            name,
            dtype,
            kind,
            id=f"{name}-{dtype}-{kind}",
            marks=[pytest.mark.xfail(reason=KNOWN_DIFFERENCES[name, kind], strict=True)]
            if (name, kind) in KNOWN_DIFFERENCES
            else [],
        )
        for name in FUNCTIONS[arity]
        for dtype in DTYPES
        for kind in POINT_KINDS[arity]
    ]


@pytest.mark.parametrize(("name", "dtype", "kind"), parity_cases("unary"))
def test_unary_value_parity(name: str, dtype: str, kind: str) -> None:
    x = unary_points(name, dtype, kind)
    fn = getattr(np, name)
    with np.errstate(all="ignore"):
        results = [(label, fn(arg)) for label, arg in unary_kinds(x)]
    check_parity(name, results, (x,))


@pytest.mark.parametrize(("name", "dtype", "kind"), parity_cases("binary"))
def test_binary_value_parity(name: str, dtype: str, kind: str) -> None:
    x, y = binary_points(name, dtype, kind)
    fn = getattr(np, name)
    with np.errstate(all="ignore"):
        results = [(label, fn(a, b)) for label, a, b in binary_kinds(x, y)]
    check_parity(name, results, (x, y))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BINARY_FUNCTIONS)
def test_binary_value_parity_python_scalar(name: str, dtype: str) -> None:
    """A Python complex scalar operand (the fast path) gives numpy's value."""
    fn = getattr(np, name)
    x = random_points(name, dtype, 64)
    failures = []
    for w in (2 + 0j, -3 + 0j, 0.5 + 0j, 1j, 1.5 - 0.25j, 150 + 0j):
        for label, a, b, args in (
            ("dual, complex", dual(x, 1.0), w, (x, np.full(x.shape, w))),
            ("complex, dual", w, dual(x, 1.0), (np.full(x.shape, w), x)),
        ):
            with np.errstate(all="ignore"):
                got = np.asarray(fn(a, b).value)
                expected = np.asarray(fn(a if a is w else x, b if b is w else x))
            if got.dtype != expected.dtype:
                failures.append(
                    f"np.{name}({label}) w={w}: dtype {got.dtype}, numpy {expected.dtype}"
                )
            elif mismatches(got, expected).any():
                failures.append(describe(name, f"{label} w={w}", got, expected, args))
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


def test_component_dtype_follows_the_input() -> None:
    """complex64 input stays complex64 with a real or complex seed; dtype= narrows."""
    z64 = np.array([1 + 2j, -0.5j], dtype=np.complex64)
    z128 = z64.astype(np.complex128)
    assert hd.dual(z64, 1.0).dtype == np.complex64
    assert hd.dual(z64, 1j).dtype == np.complex64
    assert hd.hyperdual(z64, 1.0, 1.0).dtype == np.complex64
    assert np.sin(hd.dual(z64, 1.0)).dtype == np.complex64
    assert hd.dual(z128, 1.0).dtype == np.complex128
    assert hd.dual(z128, 1.0, dtype=np.complex64).dtype == np.complex64


# --------------------------------------------------------------------------
# The reference file.


def test_reference_file_covers_the_functions() -> None:
    """The reference file has every function, both point sets, full tables of pairs."""
    columns = {
        "unary": ("x", "f0", "f1", "f2"),
        "binary": ("x", "y", "f0", "fx", "fy", "fxx", "fxy", "fyy"),
    }
    refs = references()
    for arity, parts in columns.items():
        assert set(refs[arity]) == set(FUNCTIONS[arity]), arity
        for name, sets in refs[arity].items():
            assert set(sets) == set(DTYPES), name
            for dtype, table in sets.items():
                assert set(table) == set(parts), (name, dtype)
                shapes = {np.shape(v) for v in table.values()}
                assert shapes == {(len(table["x"]), 2)}, (name, dtype)
