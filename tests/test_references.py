"""hyperdiff's values and derivatives against high-precision references.

tests/data/references.json holds, per function and point set ("float64",
"float32"), the value and derivatives computed with mpmath at 50 digits by
numerical differentiation (tests/generate_references.py), i.e. independently
of the closed-form derivatives in the C++ core.

Errors are in ulps of the result dtype at the reference, |got - ref| /
spacing(|ref|). A reference of exactly 0 is measured in units of the smallest
subnormal, so a derivative that is exactly zero (floor's, or a second partial
of add) must come out as zero.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
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
from hyperdiff._special import names as special_names
from hyperdiff._table import BINARY, UNARY, resolve_late, ufunc_name

REFERENCES = Path(__file__).resolve().parent / "data" / "references.json"
DTYPES = ("float64", "float32")

# Allowed error in ulps of the result dtype, by what is compared. The
# transcendental functions come from glibc's libmvec, documented to <= 4 ulps
# (measured here: mostly <= 2). Values: that bound. First derivatives: a rule
# that squares a libm result (tan' = 1 + tan^2, tanh' = 1/cosh^2) doubles its
# error. Second derivatives: cubes it (tan'' = 2 tan (1 + tan^2)) plus the
# roundings of the rule. No per-function overrides.
ULPS: Mapping[str, float] = {"value": 4.0, "first": 6.0, "second": 8.0}
ORDER = {"f0": "value", "f1": "first", "fx": "first", "fy": "first",
         "f2": "second", "fxx": "second", "fxy": "second", "fyy": "second"}  # fmt: skip


def _table_names(table: Mapping[np.ufunc, int], module: str | None = None) -> tuple[str, ...]:
    """The ufuncs the C++ core's exported table dispatches (aliases such as fabs and
    float_power included; scipy.special's when scipy is importable), by name: a function
    added to the table is tested here once tests/data/references.json has it (python
    tests/generate_references.py; test_reference_file_covers_the_functions fails until)."""
    resolve_late(import_modules=True)
    found = (ufunc_name(u).rsplit(".", 1) for u in table)
    return tuple(sorted({n for m, n in found if module is None or m == module}))


UNARY_FUNCTIONS = _table_names(UNARY)
BINARY_FUNCTIONS = _table_names(BINARY)
FUNCTIONS = {"unary": UNARY_FUNCTIONS, "binary": BINARY_FUNCTIONS}
ARGS = {"unary": ("x",), "binary": ("x", "y")}
SCIPY_FUNCTIONS = frozenset(
    _table_names(UNARY, "scipy.special") + _table_names(BINARY, "scipy.special")
)


@cache
def references() -> dict[str, Any]:
    with REFERENCES.open() as fh:
        return json.load(fh)


def tolerance(key: str) -> float:
    return ULPS[ORDER[key]]


def ufunc(name: str) -> np.ufunc:
    if name in SCIPY_FUNCTIONS:
        return getattr(pytest.importorskip("scipy.special"), name)
    return getattr(np, name)


def ulp_error(got: np.ndarray, ref: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """|got - ref| in ulps of ``dtype`` at ``ref``; nan counts as infinite."""
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    unit = np.spacing(np.abs(ref).astype(dtype)).astype(np.float64)
    unit = np.maximum(unit, float(np.spacing(np.finfo(dtype).tiny)))
    with np.errstate(over="ignore", invalid="ignore"):
        err = np.abs(got - ref) / unit
    return np.where(np.isnan(err), np.inf, err)


# --------------------------------------------------------------------------
# Probes: ways to seed the derivative parts, and the reference each part of
# the result must then reproduce.


def hyper(v: np.ndarray, e1: float, e2: float) -> Any:
    return hd.hyperdual(v, e1=e1, e2=e2, e12=0.0)


@dataclass(frozen=True)
class Probe:
    id: str
    label: str
    kind: str  # "dual" or "hyperdual": the kind of the result
    call: Callable[..., Any]
    parts: Mapping[str, str]  # result part -> reference key


UNARY_PROBES = (
    Probe(
        "dual",
        "dual(x; 1)",
        "dual",
        lambda f, x: f(hd.dual(x, 1.0)),
        {"d": "f1"},
    ),
    Probe(
        "hyperdual",
        "hyperdual(x; 1, 1)",
        "hyperdual",
        lambda f, x: f(hyper(x, 1.0, 1.0)),
        {"e1": "f1", "e2": "f1", "e12": "f2"},
    ),
)

BINARY_PROBES = (
    Probe(
        "hyper_x-hyper_y",
        "hyperdual(x; 1, 0), hyperdual(y; 0, 1)",
        "hyperdual",
        lambda f, x, y: f(hyper(x, 1.0, 0.0), hyper(y, 0.0, 1.0)),
        {"e1": "fx", "e2": "fy", "e12": "fxy"},
    ),
    Probe(
        "hyper_xx-hyper_0",
        "hyperdual(x; 1, 1), hyperdual(y; 0, 0)",
        "hyperdual",
        lambda f, x, y: f(hyper(x, 1.0, 1.0), hyper(y, 0.0, 0.0)),
        {"e1": "fx", "e2": "fx", "e12": "fxx"},
    ),
    Probe(
        "hyper_0-hyper_yy",
        "hyperdual(x; 0, 0), hyperdual(y; 1, 1)",
        "hyperdual",
        lambda f, x, y: f(hyper(x, 0.0, 0.0), hyper(y, 1.0, 1.0)),
        {"e1": "fy", "e2": "fy", "e12": "fyy"},
    ),
    Probe(
        "hyper_xx-ndarray",
        "hyperdual(x; 1, 1), ndarray y",
        "hyperdual",
        lambda f, x, y: f(hyper(x, 1.0, 1.0), y),
        {"e1": "fx", "e2": "fx", "e12": "fxx"},
    ),
    Probe(
        "ndarray-hyper_yy",
        "ndarray x, hyperdual(y; 1, 1)",
        "hyperdual",
        lambda f, x, y: f(x, hyper(y, 1.0, 1.0)),
        {"e1": "fy", "e2": "fy", "e12": "fyy"},
    ),
    Probe(
        "dual_x-dual_0",
        "dual(x; 1), dual(y; 0)",
        "dual",
        lambda f, x, y: f(hd.dual(x, 1.0), hd.dual(y, 0.0)),
        {"d": "fx"},
    ),
    Probe(
        "dual_0-dual_y",
        "dual(x; 0), dual(y; 1)",
        "dual",
        lambda f, x, y: f(hd.dual(x, 0.0), hd.dual(y, 1.0)),
        {"d": "fy"},
    ),
    Probe(
        "dual_x-ndarray",
        "dual(x; 1), ndarray y",
        "dual",
        lambda f, x, y: f(hd.dual(x, 1.0), y),
        {"d": "fx"},
    ),
    Probe(
        "ndarray-dual_y",
        "ndarray x, dual(y; 1)",
        "dual",
        lambda f, x, y: f(x, hd.dual(y, 1.0)),
        {"d": "fy"},
    ),
)

PROBES = {"unary": UNARY_PROBES, "binary": BINARY_PROBES}


# --------------------------------------------------------------------------
# Checks.


@dataclass
class Case:
    """One function on one point set, with numpy's own value there."""

    arity: str
    name: str
    dtype: str
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ref = references()[self.arity][self.name][self.dtype]
        self.fn = ufunc(self.name)
        self.args = [np.asarray(self.ref[a], self.dtype) for a in ARGS[self.arity]]
        self.numpy_value = np.asarray(self.fn(*self.args))
        # Errors are in ulps of numpy's result dtype (float_power: float64).
        self.out_dtype = self.numpy_value.dtype
        self.tol = tolerance("f0")

    def run(self, probe: Probe) -> Any:
        return probe.call(self.fn, *self.args)

    def fail(
        self,
        what: str,
        err: np.ndarray,
        bad: np.ndarray,
        got: np.ndarray,
        expected: np.ndarray,
        note: str = "",
    ) -> None:
        """Record ``what`` as failed at its worst point among ``bad``."""
        i = int(np.argmax(np.where(bad, err, -1.0)))
        names = ARGS[self.arity]
        point = ", ".join(f"{a}={v[i]!r}" for a, v in zip(names, self.args, strict=True))
        self.failures.append(
            f"{self.name} [{self.dtype}] {what}: worst {err[i]:.3g} ulps "
            f"({note.lstrip('; ') or 'over tolerance'}) at {point}: got {got[i]!r}, expected "
            f"{expected[i]!r}; {np.count_nonzero(bad)}/{bad.size} points over"
        )

    def check_part(self, probe: Probe, result: Any, part: str, key: str) -> None:
        """``result.<part>`` against the reference ``key``."""
        ref = np.asarray(self.ref[key])
        got = np.broadcast_to(np.asarray(getattr(result, part)), ref.shape)
        err = ulp_error(got, ref, self.out_dtype)
        tol = tolerance(key)
        if (err > tol).any():
            self.fail(f"{probe.label} .{part} vs {key} (tol {tol})", err, err > tol, got, ref)

    def check_value(self, probe: Probe, result: Any) -> None:
        """``result.value`` against the reference and numpy's own value.

        numpy's (or scipy's) value is the contract, so the value must be
        within tol of the reference unless numpy's own is further off (scipy's
        erfc tail is ~150 ulps off), and within tol of numpy's unless it is
        within tol of the reference (more accurate than numpy is fine).
        """
        what = f"{probe.label} .value (tol {self.tol})"
        ref = np.asarray(self.ref["f0"])
        got = np.broadcast_to(np.asarray(result.value), ref.shape)
        if got.dtype != self.out_dtype:
            self.failures.append(
                f"{self.name} [{self.dtype}] {what}: dtype {got.dtype}, "
                f"numpy gives {self.out_dtype}"
            )
        err = ulp_error(got, ref, self.out_dtype)
        numpy_err = ulp_error(self.numpy_value, ref, self.out_dtype)
        bad = err > np.maximum(self.tol, numpy_err)
        if bad.any():
            i = int(np.argmax(np.where(bad, err, -1.0)))
            note = f"; numpy's own {numpy_err[i]:.3g} ulps there"
            self.fail(f"{what} vs f0", err, bad, got, ref, note)
        off_numpy = ulp_error(got, self.numpy_value, self.out_dtype)
        bad = (off_numpy > self.tol) & (err > self.tol)
        if bad.any():
            what = f"{what} vs numpy.{self.name}"
            self.fail(what, off_numpy, bad, got, self.numpy_value)

    def check_kind(self, probe: Probe, result: Any) -> None:
        x = self.args[0]
        seed = hd.dual(x, 1.0) if probe.kind == "dual" else hyper(x, 1.0, 1.0)
        if type(result) is not type(seed):
            self.failures.append(
                f"{self.name} [{self.dtype}] {probe.label}: result is "
                f"{type(result).__name__}, expected {type(seed).__name__}"
            )

    def check_parts(self, probe: Probe, result: Any) -> None:
        for part, key in probe.parts.items():
            self.check_part(probe, result, part, key)

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


def test_reference_file_covers_the_functions() -> None:
    """The reference file has every function, both point sets, full tables."""
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
                lengths = {len(v) for v in table.values()}
                assert lengths == {len(table["x"])}, (name, dtype)


def test_references_cover_the_package_table() -> None:
    """Every differentiable ufunc the package dispatches has references, and
    every referenced function is dispatched (scipy's only when importable)."""
    dispatched = {name.rsplit(".", 1)[1] for name in hd.supported_ufuncs()}
    from hyperdiff._table import VALUE_ONLY

    value_only = {ufunc.__name__ for ufunc in VALUE_ONLY}
    referenced = set(UNARY_FUNCTIONS) | set(BINARY_FUNCTIONS)
    try:
        import scipy.special  # noqa: F401
    except ImportError:
        referenced -= SCIPY_FUNCTIONS
    # conjugate is not in the table: the identity on real components (test_complex.py)
    # (scipy.special functions differentiated on the value: tests/test_scipy_special.py)
    on_the_value = {name.rsplit(".", 1)[1] for name in special_names()} - referenced
    assert dispatched - value_only - {"conjugate"} - on_the_value == referenced
