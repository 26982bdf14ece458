"""The differential fuzzer, widened (tests/test_silent_fuzz.py's programs and references,
never hyperdiff run another way): new steps (ufunc methods of binary functions, the
np.fft family, scipy.special entries beyond the base grammar, the scipy.linalg mirrors,
hd.stats densities) in programs checked by the base fuzzer's every transform; and new
checks on every program: derivative of orders 4 to 6 and hd.taylor to order 6 (scalar
and vector outputs, and along an input curve) against Cauchy integrals (analytic
programs), mixed orders (1, 2), pytree inputs and outputs for jacobian and grad (dicts,
tuples, lists; argnums tuples; has_aux; jvp refuses containers, counted), jvp and
linearize with complex primals and tangents, float32 results of every transform in
numpy's dtype, complex64 holomorphic Jacobians.

Long runs: OPENBLAS_NUM_THREADS=1 python tests/test_silent_fuzz_wide.py SEED PROGRAMS
(the default, 16 programs, takes a few seconds; seed 4 with 200 programs: ~6,300
checks per mode, clean).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from test_silent_fuzz import (
    FAMILIES,
    WEIGHTS,
    Failure,
    Program,
    Step,
    Tally,
    _pick,
    _spd,
    assert_clean,
    attempt,
    check_program,
    close,
    directional,
    main,
    make_program,
    near_a_kink,
)
from test_silent_fuzz import run as run_programs

import hyperdiff as hd

special = pytest.importorskip("scipy.special")
N = 6
PROGRAMS = int(os.environ.get("HYPERDIFF_FUZZ_PROGRAMS", "16"))
SEED = int(os.environ.get("HYPERDIFF_FUZZ_SEED", "20261202"))


# --- new steps --------------------------------------------------------------------------
def _methods(rng: np.random.Generator) -> Step:
    """reduce, accumulate, outer, at and reduceat of binary ufuncs (positive operands:
    power, logaddexp, hypot, arctan2 stay smooth)."""
    i, j = _pick(rng), _pick(rng)
    ufuncs = [np.add, np.subtract, np.multiply, np.divide, np.power, np.logaddexp, np.hypot]
    ufunc = ufuncs[rng.integers(len(ufuncs))]
    idx = rng.integers(0, N, 4)
    starts = np.sort(rng.choice(N, 3, replace=False))

    def pos(a: Any) -> Any:
        return 1.0 + 0.2 * a * a

    table: list[tuple[str, Callable[[list[Any]], Any]]] = [
        ("reduce", lambda r: r[j(r)] * ufunc.reduce(pos(r[i(r)]).reshape(2, 3), axis=1).repeat(3)),
        ("accumulate", lambda r: ufunc.accumulate(pos(r[i(r)]).reshape(3, 2), axis=0).ravel()),
        ("outer", lambda r: ufunc.outer(pos(r[i(r)][:2]), pos(r[j(r)][3:])).ravel()),
        ("reduceat", lambda r: ufunc.reduceat(pos(r[i(r)]), starts).repeat(2)),
        ("at", lambda r: _at(ufunc, pos(r[i(r)]), idx, pos(r[j(r)])[:4])),
    ]
    name, fn = table[rng.integers(len(table))]
    if name == "reduce" and ufunc is np.power:  # (numpy 2.4's power.reduce skips elements:
        ufunc = np.divide  # hyperdiff refuses it, tests/test_coverage_issue14.py)
    exact = ufunc in (np.add, np.subtract, np.multiply, np.divide) and name != "reduce"
    # (reduce of add/multiply: pairwise summation or a tree, documented within rounding)
    analytic = ufunc not in (np.logaddexp, np.hypot)  # (real only)
    return Step(
        f"{ufunc.__name__}.{name}", fn, analytic=analytic, exact=exact, constants=[idx, starts]
    )


def _at(ufunc: np.ufunc, a: Any, idx: np.ndarray, b: Any) -> Any:
    c = a.copy()
    ufunc.at(c, idx, b)
    return c


def _fft(rng: np.random.Generator) -> Step:
    i, j = _pick(rng), _pick(rng)
    f = np.fft
    norm = [None, "ortho", "forward"][rng.integers(3)]
    table: list[tuple[str, Callable[[list[Any]], Any], bool]] = [
        ("fft", lambda r: f.fft(r[i(r)] + 0.5j * r[j(r)], norm=norm).real, False),
        ("ifft", lambda r: f.ifft(r[i(r)], norm=norm).imag * r[j(r)], False),
        (
            "rfft_irfft",
            lambda r: f.irfft(f.rfft(r[i(r)]) * (1.0 + r[j(r)][:4]), N, norm=norm),
            False,
        ),
        ("fft2", lambda r: np.abs(f.fft2(r[i(r)].reshape(2, 3) + 2.0, norm=norm)).ravel(), False),
        (
            "rfftn",
            lambda r: f.rfftn(r[i(r)].reshape(2, 3), norm=norm).real.ravel().repeat(2)[:N],
            False,
        ),
        ("hfft", lambda r: f.hfft(r[i(r)][:4] + 0.3j * r[j(r)][:4], N, norm=norm), False),
        ("ihfft", lambda r: f.ihfft(r[i(r)], norm=norm).real.repeat(2)[:N], False),
        ("fft_n", lambda r: f.fft(r[i(r)], n=4, norm=norm).real.repeat(2)[:N] * r[j(r)], False),
        ("fftshift", lambda r: f.fftshift(r[i(r)]) * r[j(r)], True),
    ]
    name, fn, analytic = table[rng.integers(len(table))]
    # (.real, .imag, abs and the real transforms: no Cauchy reference)
    return Step(name, fn, analytic=analytic, exact=False)


def _scipy(rng: np.random.Generator) -> Step:
    """scipy.special entries (values scipy's; at argument ranges away from poles) and
    the scipy.linalg mirrors and hd.stats densities."""
    i, j = _pick(rng), _pick(rng)
    lin = hd.linalg
    stats = hd.stats
    table: list[tuple[str, Callable[[list[Any]], Any], bool]] = [
        ("erfc", lambda r: special.erfc(r[i(r)]), True),
        ("ndtr", lambda r: special.ndtr(r[i(r)]) * r[j(r)], True),
        ("log_ndtr", lambda r: special.log_ndtr(r[i(r)]), True),
        ("erfcx", lambda r: special.erfcx(0.5 * r[i(r)]), True),
        ("gamma", lambda r: special.gamma(2.0 + 0.3 * r[i(r)]), True),
        ("digamma", lambda r: special.digamma(2.0 + r[i(r)] ** 2), True),
        ("expit", lambda r: special.expit(r[i(r)]), False),
        ("logit", lambda r: special.logit(0.5 + 0.2 * np.tanh(r[i(r)])), False),
        ("j0", lambda r: special.j0(r[i(r)] * r[j(r)]), False),
        ("i0e", lambda r: special.i0e(1.0 + r[i(r)] ** 2), False),
        (
            "expm",
            lambda r: lin.expm(0.3 * r[i(r)].reshape(2, 3)[:, :2]).ravel().repeat(2)[:N],
            False,
        ),
        ("sqrtm", lambda r: lin.sqrtm(_spd(r[i(r)])).ravel()[:N], False),
        ("logm", lambda r: lin.logm(_spd(r[i(r)])).ravel()[:N], False),
        (
            "solve_triangular",
            lambda r: lin.solve_triangular(
                np.triu(2.0 * np.eye(3) + 0.3 * np.outer(r[i(r)][:3], r[j(r)][3:])), r[j(r)][:3]
            ).repeat(2),
            False,
        ),
        (
            "cho_solve",
            lambda r: lin.cho_solve(lin.cho_factor(_spd(r[i(r)])), r[j(r)].reshape(3, 2)).ravel(),
            False,
        ),
        (
            "lu_solve",
            lambda r: lin.lu_solve(
                lin.lu_factor(3.0 * np.eye(3) + 0.3 * np.outer(r[i(r)][:3], r[j(r)][3:])),
                r[j(r)][:3],
            ).repeat(2),
            False,
        ),
        ("norm.logpdf", lambda r: stats.norm.logpdf(r[i(r)], r[j(r)], 1.0 + r[j(r)] ** 2), False),
        ("t.logpdf", lambda r: stats.t.logpdf(r[i(r)], 3.0 + r[j(r)] ** 2), False),
        (
            "gamma.logpdf",
            lambda r: stats.gamma.logpdf(1.0 + r[i(r)] ** 2, 2.0 + r[j(r)] ** 2),
            False,
        ),
    ]
    name, fn, analytic = table[rng.integers(len(table))]
    return Step(name, fn, analytic=analytic, exact=False)


WIDE_FAMILIES = [*FAMILIES, _methods, _fft, _scipy]
WIDE_WEIGHTS = np.array([*WEIGHTS, 3, 2, 3])


def make_wide_program(rng: np.random.Generator, analytic: bool) -> Program:
    program = make_program(rng, analytic, WIDE_FAMILIES, WIDE_WEIGHTS)
    new = [_methods, _fft, _scipy][rng.integers(3)](rng)  # one new step at least
    if analytic and not new.analytic:
        new = _methods(rng)
    program.steps.insert(int(rng.integers(len(program.steps) + 1)), new)
    return program


# --- new checks -------------------------------------------------------------------------
def _taylor_reference(g: Callable[[Any], np.ndarray], order: int) -> tuple[np.ndarray, np.ndarray]:
    """g^(k)(0) for k = 0..order by Cauchy's integral on two circles (32 points); the
    error per k: the circles' difference plus rounding."""
    estimates, scales = [], []
    for r in (0.2, 0.07):
        m = 32
        values = np.array([g(t) for t in r * np.exp(2j * np.pi * np.arange(m) / m)])
        k = np.arange(order + 1)[:, None]
        weights = np.exp(-2j * np.pi * k * np.arange(m) / m)  # (order + 1, m)
        factor = np.array([math.factorial(int(i)) / r**i for i in k[:, 0]])[:, None]
        estimates.append(factor * (weights @ values) / m)
        scales.append(factor[:, 0] * np.max(np.abs(values)))
    error = np.max(np.abs(estimates[0] - estimates[1]), axis=1)
    error += 64 * np.finfo(float).eps * np.maximum(scales[0], scales[1])
    return estimates[0], error


def check_wide(program: Program, rng: np.random.Generator, tally: Tally) -> None:
    """The checks the base fuzzer does not make, on one program."""
    x = rng.uniform(0.3, 1.2, N) * rng.choice([-1.0, 1.0], N)
    v, u = rng.normal(size=N), rng.normal(size=N)
    with np.errstate(all="raise"):
        try:
            out = np.asarray(program(x))
            program.scalar(x)
        except FloatingPointError:
            tally.skipped += 1
            return
    if not np.all(np.isfinite(out)) or out.dtype.kind == "c":
        tally.skipped += 1
        return
    analytic = program.analytic
    if not analytic and near_a_kink(program, x):
        tally.skipped += 1
        return
    # (tally.programs: counted by the base checks, on the same program)

    if analytic:  # orders 4..6 and taylor against Cauchy integrals
        ref, err = _taylor_reference(lambda t: np.ravel(program.scalar(x + t * v)), 6)
        along = lambda t: program.scalar(x + t * v)  # noqa: E731
        for k in (4, 5, 6):
            got = attempt(lambda: np.reshape(hd.derivative(along, order=k)(0.0), (1,)))  # noqa: B023
            close(f"derivative(order={k})", got, ref[k].real, err[k], program, tally, rtol=1e-7)
        planes = attempt(lambda: np.reshape(hd.taylor(program.scalar, x, v, 6), (7, 1)))
        close("taylor(order=6)", planes, ref.real, float(err.max()), program, tally, rtol=1e-7)
        ref, err = _taylor_reference(lambda t: np.ravel(program(x + t * v)), 4)
        planes = attempt(lambda: np.reshape(hd.taylor(program, x, v, 4), (5, -1)))
        close("taylor of the vector", planes, ref.real, float(err.max()), program, tally, rtol=1e-7)
        # an input curve: x(t) = x + t v + t^2 u / 2, its derivatives [v, u]
        ref, err = _taylor_reference(
            lambda t: np.ravel(program.scalar(x + t * v + t * t * u / 2)), 4
        )
        planes = attempt(lambda: np.reshape(hd.taylor(program.scalar, x, [v, u], 4), (5, 1)))
        close("taylor along a curve", planes, ref.real, float(err.max()), program, tally, rtol=1e-7)

    # mixed (1, 2): T(v, u, u) = (D3(u + v) - D3(u - v) - 2 D3(v)) / 6
    def plane(t: Any, s: Any) -> Any:
        return program.scalar(x + t * v + s * u)

    d3 = [directional(program.scalar, x, w, 3, analytic) for w in (u + v, u - v, v)]
    mixed = attempt(
        lambda: np.reshape(hd.derivative(plane, order=(1, 2), argnums=(0, 1))(0.0, 0.0), (1,))
    )
    want = (d3[0][0] - d3[1][0] - 2 * d3[2][0]).real / 6
    error = (d3[0][1] + d3[1][1] + 2 * d3[2][1]) / 3
    close("derivative(order=(1, 2))", mixed, want, error, program, tally, rtol=1e-8)

    _check_trees(program, x, v, analytic, tally)
    _check_narrow(program, x, v, analytic, tally)
    if analytic:
        _check_complex(program, x, u, v, tally)


def _check_trees(
    program: Program, x: np.ndarray, v: np.ndarray, analytic: bool, tally: Tally
) -> None:
    """Inputs split into a dict and a list (argnums tuples), outputs as a tuple holding
    a dict, has_aux: each block of the Jacobian against the directional references."""
    eye = np.eye(N)
    jac = [directional(program, x, eye[i], 1, analytic) for i in range(N)]
    j_ref = np.stack([c for c, _ in jac], axis=-1).real
    j_err = max(e for _, e in jac)

    def tree_f(d: dict[str, Any], rest: list[Any]) -> Any:
        y = program(np.concatenate([d["a"], rest[0], np.reshape(rest[1], (1,))]))
        return y[:2], {"tail": y[2:], "sum": np.sum(y)}

    args = ({"a": x[:3]}, [x[3:5], x[5]])
    blocks = attempt(lambda: hd.jacobian(tree_f, argnums=(0, 1))(*args))
    if isinstance(blocks, TypeError):
        close("tree jacobian", blocks, j_ref, j_err, program, tally)
        return
    head, tail = blocks
    for name, got, rows in (
        ("head", head, j_ref[:2]),
        ("tail", tail["tail"], j_ref[2:]),
        ("sum", tail["sum"], j_ref.sum(axis=0)),
    ):
        assembled = np.concatenate([got[0]["a"], got[1][0], np.expand_dims(got[1][1], -1)], axis=-1)
        close(f"tree jacobian ({name})", assembled, rows, j_err * N, program, tally)

    def with_aux(a: Any, b: Any) -> Any:
        y = program.scalar(np.concatenate([a, b]))
        return y, {"value": y * 1.0, "count": 3}

    gradient = attempt(lambda: hd.grad(with_aux, argnums=(1, 0), has_aux=True)(x[:2], x[2:]))
    if not isinstance(gradient, TypeError):
        (gb, ga), aux = gradient
        if not (isinstance(aux, dict) and aux["count"] == 3 and np.ndim(aux["value"]) == 0):
            raise Failure(f"has_aux: aux {aux!r} in {program.describe()}")
        value, want = float(aux["value"]), float(program.scalar(x))
        if value != want and (program.exact or abs(value - want) > 1e-12 * (1 + abs(want))):
            raise Failure(f"has_aux: aux value {value}, f's {want} in {program.describe()}")
        gradient = np.concatenate([ga, gb])
    close("grad(argnums=(1, 0), has_aux)", gradient, program.w @ j_ref, j_err * N, program, tally)
    pair = attempt(
        lambda: hd.jvp(tree_f, ({"a": x[:3]}, [x[3:5], x[5]]), ({"a": v[:3]}, [v[3:5], v[5]]))
    )
    if isinstance(pair, TypeError):  # (jvp takes arrays, not containers: counted)
        close("tree jvp", pair, j_ref @ v, j_err, program, tally)


def _check_narrow(
    program: Program, x: np.ndarray, v: np.ndarray, analytic: bool, tally: Tally
) -> None:
    """float32 inputs: every transform's result in numpy's dtype for the program."""
    x32, v32 = x.astype(np.float32), v.astype(np.float32)
    with np.errstate(all="ignore"):
        want = attempt(lambda: np.asarray(program.scalar(x32)).dtype)
    if isinstance(want, TypeError):
        return
    along = lambda t: program.scalar(x32 + t * v32)  # noqa: E731
    results = {
        "hessian": lambda: hd.hessian(program.scalar)(x32),
        "hessian_diag": lambda: hd.hessian_diag(program.scalar)(x32),
        "grad": lambda: hd.grad(program.scalar)(x32),
        "jvp": lambda: hd.jvp(program.scalar, (x32,), (v32,))[1],
        "hvp": lambda: hd.hvp(program.scalar, (x32,), (v32,)),
        "derivative(order=3)": lambda: hd.derivative(along, order=3)(np.float32(0)),
        "taylor": lambda: hd.taylor(program.scalar, x32, v32, 3),
    }
    ref2, err2 = directional(program.scalar, x, v, 2, analytic)
    for name, run in results.items():
        with np.errstate(all="ignore"):
            got = attempt(run)
        if isinstance(got, TypeError):
            close(f"float32 {name}", got, ref2.real, err2, program, tally)
            continue
        tally.checks += 1
        if np.asarray(got).dtype != want:
            raise Failure(
                f"float32 {name} of dtype {np.asarray(got).dtype}, f's {want}: "
                + program.describe()
            )
    with np.errstate(all="ignore"):
        second = attempt(lambda: float(np.ravel(hd.taylor(program.scalar, x32, v32, 2))[2]))
    if not isinstance(second, TypeError):
        second = np.reshape(second, (1,))
    bound = err2 + 3e-3 * (1.0 + float(np.abs(ref2).max()))
    close("float32 taylor plane 2", second, ref2.real, bound, program, tally)


def _check_complex(
    program: Program, x: np.ndarray, u: np.ndarray, v: np.ndarray, tally: Tally
) -> None:
    """jvp and linearize at a complex point along a complex tangent (f holomorphic:
    d/dt f(z + t w) = f'(z) w), complex64 holomorphic results in numpy's dtype."""
    z = x + 0.1j * u
    w = v + 0.5j * u
    ref, err = directional(program, z, w, 1, True)
    pair = attempt(lambda: hd.jvp(program, (z,), (w,)))
    if not isinstance(pair, TypeError):
        pair = np.ravel(pair[1])
    close("jvp (complex point and tangent)", pair, ref, err, program, tally)
    linear = attempt(lambda: np.ravel(hd.linearize(program, z)[1](w)))
    close("linearize (complex)", linear, ref, err, program, tally)
    z64 = z.astype(np.complex64)
    with np.errstate(all="ignore"):
        want = attempt(lambda: np.asarray(program(z64)).dtype)
        got = attempt(lambda: hd.jacobian(program, holomorphic=True)(z64))
    if not isinstance(want, TypeError) and not isinstance(got, TypeError):
        tally.checks += 1
        if np.asarray(got).dtype != want:
            raise Failure(
                f"complex64 jacobian of dtype {got.dtype}, f's {want}: {program.describe()}"
            )


def run(seed: int, programs: int, record_all: bool) -> Tally:
    return run_programs(seed, programs, record_all, make_wide_program, (check_program, check_wide))


@pytest.mark.parametrize("record_all", [False, True], ids=["eager", "fused"])
def test_random_wide_programs(record_all: bool) -> None:
    assert_clean(run(SEED, PROGRAMS, record_all), PROGRAMS)


if __name__ == "__main__":
    import sys

    main(run, sys.argv, SEED, PROGRAMS)
