"""A differential fuzzer: random small numpy programs, every transform against an
independent reference.

Each program is a chain of steps drawn from a grammar (ufuncs, arithmetic, indexing of
every kind, writes through views and indices, np.add.at with repeated indices, out=
aliasing an input, reductions with axis/keepdims/where=, cumulative ones, shapes,
multilinear functions, linear algebra, kinks, complex intermediates), run by numpy
itself for the reference and on dual arrays by hyperdiff. The references never run
hyperdiff: derivatives of t -> f(x + t v) at t = 0 from numpy's own evaluations, by
Cauchy's integral on two circles of complex t (programs whose steps are all analytic;
checked against differences along real t, which see a pole inside both circles) or by
Richardson-extrapolated central differences (the others; a program whose steps reach
a kink is skipped). Tolerances come from the estimates' errors. Checked: jacobian (and
chunked), jvp, grad, value_and_grad, hessian (and chunked), hessian_diag, hvp, sparse
jacobian and hessian (with and without the probe), jacobian of grad, grad of a grad,
derivative of orders 1 to 3 along a direction, holomorphic jacobian, hessian and
derivatives at complex points, float32 inputs; the values against numpy's f (bit for bit
where every step promises it); nothing passed in mutated. A refusal (TypeError,
ValueError, ...) is counted, never taken for a wrong number. Every program runs eagerly
and with every operation recorded (fusion).

Long runs: python tests/test_silent_fuzz.py SEED PROGRAMS prints the counts, the
refusals and every failure; HYPERDIFF_FUZZ_PROGRAMS=2000 HYPERDIFF_FUZZ_SEED=7 python -m
pytest -q -p no:cacheprovider tests/test_silent_fuzz.py runs them under pytest (the
default, 16 programs, takes a few seconds).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _core

special = pytest.importorskip("scipy.special")

N = 6  # variables; registers are vectors of N entries (2 x 3 when reshaped)
PROGRAMS = int(os.environ.get("HYPERDIFF_FUZZ_PROGRAMS", "16"))
SEED = int(os.environ.get("HYPERDIFF_FUZZ_SEED", "20261201"))


@dataclass
class Step:
    """One step: out = run(registers) (vectors of N), with its properties."""

    name: str
    run: Callable[[list[Any]], Any]
    analytic: bool = True  # holomorphic in its inputs (Cauchy's reference applies)
    exact: bool = True  # numpy's value bit for bit (no libm/libmvec difference allowed)
    constants: list[np.ndarray] = field(default_factory=list)  # must stay unchanged


@dataclass
class Program:
    steps: list[Step]
    w: np.ndarray  # the scalar output's weights

    @property
    def analytic(self) -> bool:
        return all(s.analytic for s in self.steps)

    @property
    def exact(self) -> bool:
        return all(s.exact for s in self.steps)

    def __call__(self, x: Any) -> Any:
        registers = [x]
        for step in self.steps:
            registers.append(step.run(registers))
        return registers[-1]

    def scalar(self, x: Any) -> Any:
        return np.sum(self(x) * self.w)

    def describe(self) -> str:
        return " -> ".join(s.name for s in self.steps)


# --- the grammar ------------------------------------------------------------------------
def _copy(a: Any) -> Any:
    return a.copy() if hasattr(a, "copy") else np.array(a)


def _unary(rng: np.random.Generator) -> Step:
    table: list[tuple[str, Callable[[Any], Any], bool]] = [
        ("sin", np.sin, False),
        ("cos", np.cos, False),
        ("tanh", np.tanh, False),
        ("arctan", np.arctan, False),
        ("exp", lambda a: np.exp(0.5 * a), False),
        ("expm1", lambda a: np.expm1(0.5 * a), False),
        ("sinh", np.sinh, False),
        ("cosh", lambda a: np.cosh(0.5 * a), False),
        ("arcsinh", np.arcsinh, False),
        ("log", lambda a: np.log(1.5 + a * a), False),
        ("log1p", lambda a: np.log1p(a * a), False),
        ("log2", lambda a: np.log2(2.0 + a * a), False),
        ("sqrt", lambda a: np.sqrt(1.0 + a * a), True),
        ("square", np.square, True),
        ("cube", lambda a: a**3, False),
        ("power", lambda a: (1.5 + a * a) ** 0.75, False),
        ("npower", lambda a: np.power(1.0 + a * a, -1.5), False),
        ("reciprocal", lambda a: np.reciprocal(2.0 + a * a), True),
        ("negative", np.negative, True),
    ]
    name, fn, exact = table[rng.integers(len(table))]
    i = _pick(rng)
    return Step(name, lambda r: fn(r[i(r)]), exact=exact)


def _pick(rng: np.random.Generator) -> Callable[[list[Any]], int]:
    """Which register a step reads: a recent one, fixed when the program is made."""
    back = int(rng.integers(1, 4))
    return lambda r: max(0, len(r) - back)


def _binary(rng: np.random.Generator) -> Step:
    table: list[tuple[str, Callable[[Any, Any], Any]]] = [
        ("add", lambda a, b: a + b),
        ("subtract", lambda a, b: a - b),
        ("multiply", lambda a, b: a * b),
        ("divide", lambda a, b: a / (2.0 + b * b)),
        ("rdivide", lambda a, b: (1.0 + a * a) / (3.0 + b)),
        ("scalar", lambda a, b: a * 1.5 - 0.25 + b * 0.5),
    ]
    name, fn = table[rng.integers(len(table))]
    i, j = _pick(rng), _pick(rng)
    return Step(name, lambda r: fn(r[i(r)], r[j(r)]))


def _indexing(rng: np.random.Generator) -> Step:
    i, j = _pick(rng), _pick(rng)
    perm = rng.permutation(N)
    rep = rng.integers(0, N, N)
    mask = rng.random(N) < 0.5
    mask[0] = True
    k = int(mask.sum())
    choice = rng.integers(0, 2, N)
    cols = rng.integers(0, 3, 3)
    shift = int(rng.integers(1, N))
    table: list[tuple[str, Callable[[list[Any]], Any]]] = [
        ("fancy", lambda r: r[i(r)][perm]),
        ("repeat", lambda r: r[i(r)][rep]),
        ("reverse", lambda r: r[i(r)][::-1] * r[j(r)]),
        ("strided", lambda r: np.concatenate([r[i(r)][::2], r[j(r)][1::2]])),
        ("boolean", lambda r: np.concatenate([r[i(r)][mask], r[j(r)][: N - k]])),
        ("mixed", lambda r: r[i(r)].reshape(2, 3)[[1, 0, 1], 1:].ravel()),
        ("mixed2", lambda r: r[i(r)].reshape(2, 3)[:, cols].ravel()),
        ("take", lambda r: np.take(r[i(r)], rep)),
        ("roll", lambda r: np.roll(r[i(r)], shift)),
        ("where", lambda r: np.where(mask, r[i(r)], r[j(r)])),
        ("choose", lambda r: np.choose(choice, [r[i(r)], r[j(r)]])),
        ("select", lambda r: np.select([mask, ~mask], [r[i(r)], 2.0 * r[j(r)]])),
        ("ellipsis", lambda r: r[i(r)].reshape(2, 3)[..., ::-1].ravel()),
        ("newaxis", lambda r: (r[i(r)][:, None] * r[j(r)][None, :3]).sum(axis=1)),
    ]
    name, fn = table[rng.integers(len(table))]
    return Step(name, fn, constants=[perm, rep, mask, choice, cols])


def _writes(rng: np.random.Generator) -> Step:
    i, j = _pick(rng), _pick(rng)
    rep = rng.integers(0, N, N)
    idx = rng.integers(0, N, 3)
    mask = rng.random(N) < 0.5
    mask[1] = True
    k = int(mask.sum())

    def augmented(r: list[Any]) -> Any:
        c = _copy(r[i(r)])
        c[rep] += r[j(r)]  # repeated indices: numpy adds one of each, the last
        return c

    def add_at(r: list[Any]) -> Any:
        c = _copy(r[i(r)])
        np.add.at(c, rep, r[j(r)])
        return c

    def subtract_at(r: list[Any]) -> Any:
        c = _copy(r[i(r)])
        np.multiply.at(c, idx, 1.5)
        np.subtract.at(c, rep[:3], r[j(r)][:3])
        return c

    def put(r: list[Any]) -> Any:
        c = _copy(r[i(r)])
        np.put(c, idx, r[j(r)][:3] * 2.0)
        return c

    def place(r: list[Any]) -> Any:
        c = _copy(r[i(r)])
        np.place(c, mask, r[j(r)][:k])
        return c

    def putmask(r: list[Any]) -> Any:
        c = _copy(r[i(r)])
        np.putmask(c, mask, r[j(r)])
        return c

    def view_write(r: list[Any]) -> Any:
        c = _copy(r[i(r)])
        y = c[::2]
        y[...] = r[j(r)][:3] * 3.0
        y *= r[j(r)][3:]
        return c

    def setitem_fancy(r: list[Any]) -> Any:
        c = _copy(r[i(r)])
        c[idx] = r[j(r)][idx[::-1]]  # repeated targets: numpy keeps the last
        return c

    def setitem_mixed(r: list[Any]) -> Any:
        c = _copy(r[i(r)]).reshape(2, 3)
        c[[1, 0], 1:] = r[j(r)].reshape(2, 3)[:, :2]
        return c.ravel()

    def out_alias(r: list[Any]) -> Any:
        c = _copy(r[i(r)])
        np.multiply(c, r[j(r)], out=c)
        np.add(c, 1.0, out=c)
        return c

    def out_unary(r: list[Any]) -> Any:
        c = _copy(r[i(r)])
        np.sin(c, out=c)
        return c

    def out_other(r: list[Any]) -> Any:
        c = _copy(r[j(r)])
        np.subtract(r[i(r)], c[::-1], out=c)
        return c

    def inplace_ops(r: list[Any]) -> Any:
        c = _copy(r[i(r)])
        c *= r[j(r)]
        c -= 0.5
        c /= 2.0 + r[j(r)] ** 2
        return c

    table = [
        augmented,
        add_at,
        subtract_at,
        put,
        place,
        putmask,
        view_write,
        setitem_fancy,
        setitem_mixed,
        out_alias,
        out_unary,
        out_other,
        inplace_ops,
    ]
    fn = table[rng.integers(len(table))]
    return Step(fn.__name__, fn, exact=fn is not out_unary, constants=[rep, idx, mask])


def _reductions(rng: np.random.Generator) -> Step:
    i, j = _pick(rng), _pick(rng)
    where = rng.random((2, 3)) < 0.7
    where[:, 0] = True
    table: list[tuple[str, Callable[[list[Any]], Any], bool]] = [
        ("sum", lambda r: r[i(r)] * np.sum(r[j(r)]), True),
        (
            "sum_axis",
            lambda r: (r[i(r)].reshape(2, 3) - r[j(r)].reshape(2, 3).sum(axis=0)).ravel(),
            True,
        ),
        (
            "mean_keep",
            lambda r: (
                r[i(r)].reshape(2, 3) * np.mean(r[j(r)].reshape(2, 3), axis=1, keepdims=True)
            ).ravel(),
            True,
        ),
        (
            "sum_where",
            lambda r: (
                r[i(r)]
                + np.sum(r[j(r)].reshape(2, 3), axis=1, where=where, keepdims=True).repeat(3)
            ),
            True,
        ),
        # (prod, cumprod: a tree of products, a few ulps from numpy's loop, documented)
        (
            "prod",
            lambda r: r[i(r)] * np.prod(1.0 + 0.2 * r[j(r)].reshape(3, 2), axis=1).repeat(2),
            False,
        ),
        ("cumsum", lambda r: np.cumsum(r[i(r)]), True),
        ("cumprod", lambda r: np.cumprod(1.0 + 0.3 * r[i(r)]), False),
        ("cumsum2", lambda r: np.cumsum(r[i(r)].reshape(2, 3), axis=0).ravel(), True),
        ("dot_self", lambda r: r[i(r)] * (r[i(r)] @ r[j(r)]), True),
        ("var", lambda r: r[i(r)] * np.var(r[j(r)]), True),
    ]
    name, fn, exact = table[rng.integers(len(table))]
    # (numpy's var of complex numbers is of |x - mean|^2: not holomorphic)
    return Step(name, fn, analytic=name != "var", exact=exact, constants=[where])


def _shapes(rng: np.random.Generator) -> Step:
    i, j = _pick(rng), _pick(rng)
    table: list[tuple[str, Callable[[list[Any]], Any]]] = [
        ("concatenate", lambda r: np.concatenate([r[i(r)][3:], r[j(r)][:3]])),
        ("stack", lambda r: np.stack([r[i(r)], r[j(r)]]).sum(axis=0)),
        ("transpose", lambda r: r[i(r)].reshape(2, 3).T.ravel()),
        ("swap", lambda r: np.swapaxes(r[i(r)].reshape(2, 3, 1), 0, 2).ravel() * r[j(r)]),
        (
            "broadcast_to",
            lambda r: (np.broadcast_to(r[i(r)][:3], (2, 3)) * r[j(r)].reshape(2, 3)).ravel(),
        ),
        ("vstack", lambda r: np.vstack([r[i(r)][:3], r[j(r)][3:]]).ravel()),
        ("flip", lambda r: np.flip(r[i(r)].reshape(2, 3), axis=1).ravel()),
        ("tile", lambda r: np.tile(r[i(r)][:3], 2) + r[j(r)]),
    ]
    name, fn = table[rng.integers(len(table))]
    return Step(name, fn)


def _multilinear(rng: np.random.Generator) -> Step:
    i, j = _pick(rng), _pick(rng)
    m3 = rng.normal(size=(3, 3)) / 2
    m6 = rng.normal(size=(N, N)) / 3
    table: list[tuple[str, Callable[[list[Any]], Any]]] = [
        ("matmul", lambda r: (r[i(r)].reshape(2, 3) @ m3).ravel()),
        (
            "matmul2",
            lambda r: np.concatenate(
                [(r[i(r)].reshape(2, 3) @ r[j(r)].reshape(3, 2)).ravel(), r[j(r)][:2]]
            ),
        ),
        ("dot", lambda r: np.dot(m6, r[i(r)])),
        ("outer", lambda r: np.outer(r[i(r)][:2], r[j(r)][3:]).ravel()),
        ("einsum", lambda r: np.einsum("ij,jk->ik", r[i(r)].reshape(2, 3), m3).ravel()),
        ("einsum2", lambda r: np.einsum("i,i,j->j", r[i(r)], r[j(r)], m6[0])),
        ("tensordot", lambda r: np.tensordot(r[i(r)].reshape(2, 3), m3, axes=([1], [0])).ravel()),
        ("kron", lambda r: np.kron(r[i(r)][:2], r[j(r)][:3])),
    ]
    name, fn = table[rng.integers(len(table))]
    return Step(name, fn, constants=[m3, m6])


def _matrix(a: Any, b: Any) -> Any:
    """A well-conditioned 3 x 3 matrix from two registers."""
    return 3.0 * np.eye(3) + 0.3 * np.outer(a[:3], b[3:]) + 0.2 * a[3:].reshape(3, 1)


def _spd(a: Any) -> Any:
    """Symmetric positive definite, its eigenvalues apart: m m^T has rank 2, so over
    2 I one eigenvalue stayed 2, and a nearly rank-1 m (add.outer's rows) made a pair at
    2 + 1e-9, whose avoided crossing (width ~1e-2 in t) the differences' steps span."""
    m = a.reshape(2, 3).T  # 3 x 2
    return np.diag([1.5, 2.0, 2.5]) + 0.3 * (m @ m.T)


def _linalg(rng: np.random.Generator) -> Step:
    i, j = _pick(rng), _pick(rng)
    lin = np.linalg
    table: list[tuple[str, Callable[[list[Any]], Any], bool]] = [
        (
            "solve",
            lambda r: np.concatenate(
                [lin.solve(_matrix(r[i(r)], r[j(r)]), r[j(r)][:3]), r[i(r)][3:]]
            ),
            True,
        ),
        (
            "solve_matrix",
            lambda r: lin.solve(_matrix(r[i(r)], r[j(r)]), r[j(r)].reshape(3, 2)).ravel(),
            True,
        ),
        ("inv", lambda r: lin.inv(_matrix(r[i(r)], r[j(r)])).ravel()[:N], True),
        ("det", lambda r: r[i(r)] * lin.det(_matrix(r[i(r)], r[j(r)])), True),
        ("slogdet", lambda r: r[i(r)] * lin.slogdet(_matrix(r[i(r)], r[j(r)]))[1], False),
        ("eigh", lambda r: np.concatenate([lin.eigh(_spd(r[i(r)]))[0], r[j(r)][:3]]), False),
        ("eigvalsh", lambda r: np.tile(lin.eigvalsh(_spd(r[i(r)])), 2), False),
        (
            "svd",
            lambda r: np.concatenate(
                [lin.svd(r[i(r)].reshape(2, 3), compute_uv=False), r[j(r)][2:] * 2.0]
            ),
            False,
        ),
        ("norm", lambda r: r[j(r)] * lin.norm(r[i(r)]), False),
        ("norm_fro", lambda r: r[j(r)] * lin.norm(r[i(r)].reshape(2, 3), "fro"), False),
        ("qr", lambda r: np.abs(lin.qr(_matrix(r[i(r)], r[j(r)]))[1])[np.triu_indices(3)], False),
        ("cholesky", lambda r: lin.cholesky(_spd(r[i(r)]))[np.tril_indices(3)], False),
    ]
    name, fn, analytic = table[rng.integers(len(table))]
    return Step(name, fn, analytic=analytic, exact=False)


def _kinks(rng: np.random.Generator) -> Step:
    """Functions with kinks or branches (the references: differences; the inputs keep
    away from the kinks)."""
    i, j = _pick(rng), _pick(rng)
    table: list[tuple[str, Callable[[list[Any]], Any], bool]] = [
        ("abs", lambda r: np.abs(r[i(r)]), True),
        ("maximum", lambda r: np.maximum(r[i(r)], 0.3 * r[j(r)]), True),
        ("minimum", lambda r: np.minimum(r[i(r)], r[j(r)] - 0.2), True),
        ("fmax", lambda r: np.fmax(r[i(r)], 0.1), True),
        ("fmin", lambda r: np.fmin(r[i(r)], r[j(r)][::-1]), True),
        ("clip", lambda r: np.clip(r[i(r)], -0.8, 0.9), True),
        ("sort", lambda r: np.sort(r[i(r)]) * r[j(r)], True),
        ("argsort", lambda r: r[j(r)][np.argsort(r[i(r)])], True),
        ("partition", lambda r: np.partition(r[i(r)], 2), True),
        ("max", lambda r: r[j(r)] * np.max(r[i(r)]), True),
        ("min_axis", lambda r: r[j(r)] - np.min(r[i(r)].reshape(2, 3), axis=0).repeat(2), True),
        ("where_value", lambda r: np.where(r[i(r)] > 0.1, r[i(r)] * 2.0, r[j(r)]), True),
        ("hypot", lambda r: np.hypot(r[i(r)], 0.5 + r[j(r)] * 0.0 + 0.1 * r[j(r)]), False),
        ("arctan2", lambda r: np.arctan2(r[i(r)], 2.0 + np.abs(r[j(r)])), False),
        (
            "complex",
            lambda r: np.real((r[i(r)] + 0.5j * r[j(r)]) ** 2 * np.exp(0.3j * r[i(r)])),
            False,
        ),
        ("complex_abs", lambda r: np.abs(r[i(r)] + (0.7 + 0.2j) * (1.0 + r[j(r)] ** 2)), False),
        ("complex_angle", lambda r: np.angle(1.5 + np.sin(r[i(r)]) + 0.5j * r[j(r)]), False),
        ("complex_conj", lambda r: np.real(np.conj(r[i(r)] * (1 + 2j)) * (r[j(r)] + 1j)), True),
    ]
    name, fn, exact = table[rng.integers(len(table))]
    return Step(name, fn, analytic=False, exact=exact)


def _library(rng: np.random.Generator) -> Step:
    """numpy and scipy functions beyond the ufunc table's: scipy.special ufuncs,
    pseudo-inverses, FFTs, order statistics, interpolation, convolution, a custom_jvp
    rule, nan-reductions."""
    i, j = _pick(rng), _pick(rng)
    lin = np.linalg
    grid = np.linspace(-1.0, 1.0, N)
    at = rng.uniform(-0.9, 0.9, 3)
    table: list[tuple[str, Callable[[list[Any]], Any], bool]] = [
        ("erf", lambda r: special.erf(r[i(r)]), True),
        ("gammaln", lambda r: special.gammaln(3.0 + r[i(r)] ** 2), False),
        ("expit", lambda r: special.expit(r[i(r)] * r[j(r)]), False),
        ("xlogy", lambda r: special.xlogy(r[i(r)], 2.0 + r[j(r)] ** 2), False),
        ("pinv", lambda r: lin.pinv(r[i(r)].reshape(2, 3)).ravel(), False),
        (
            "lstsq",
            lambda r: np.tile(lin.lstsq(np.vander(grid, 2), r[i(r)], rcond=None)[0], 3),
            False,
        ),
        (
            "matrix_power",
            lambda r: lin.matrix_power(_matrix(r[i(r)], r[j(r)]) / 3, 3).ravel()[:N],
            True,
        ),
        ("fft", lambda r: np.real(np.fft.fft(r[i(r)]) * np.fft.ifft(r[j(r)])), False),
        ("rfft", lambda r: np.concatenate([np.fft.rfft(r[i(r)]).real, r[j(r)][:2]]), False),
        ("median", lambda r: r[j(r)] * np.median(r[i(r)]), False),
        ("percentile", lambda r: r[j(r)] + np.percentile(r[i(r)], 35.0), False),
        ("interp", lambda r: np.interp(grid * 0.8, grid, r[i(r)]), False),
        ("convolve", lambda r: np.convolve(r[i(r)], r[j(r)][:3], "same"), True),
        ("custom_jvp", lambda r: _custom_sin(r[i(r)]) * r[j(r)], True),
        ("nansum", lambda r: r[j(r)] * np.nansum(r[i(r)].reshape(2, 3), axis=0).repeat(2), True),
        ("polyval", lambda r: np.polyval(r[i(r)][:3], at).repeat(2) * r[j(r)], True),
    ]
    name, fn, analytic = table[rng.integers(len(table))]
    return Step(name, fn, analytic=analytic, exact=False, constants=[grid, at])


@hd.custom_jvp
def _custom_sin(z: Any) -> Any:
    return np.sin(z)


@_custom_sin.defjvp
def _custom_sin_jvp(primals: Any, tangents: Any) -> Any:
    return _custom_sin(primals[0]), np.cos(primals[0]) * tangents[0]


FAMILIES = [
    _unary,
    _binary,
    _indexing,
    _writes,
    _reductions,
    _shapes,
    _multilinear,
    _linalg,
    _kinks,
    _library,
]
WEIGHTS = np.array([3, 2, 3, 3, 2, 2, 2, 1.5, 1.5, 1.5])


def make_program(
    rng: np.random.Generator,
    analytic: bool,
    families: list[Callable[[np.random.Generator], Step]] = FAMILIES,
    weights: np.ndarray = WEIGHTS,
) -> Program:
    steps = []
    for _ in range(int(rng.integers(2, 6))):
        family = families[rng.choice(len(families), p=weights / weights.sum())]
        step = family(rng)
        if analytic and not step.analytic:
            continue
        steps.append(step)
    if not steps:
        steps.append(_unary(rng))
    return Program(steps, rng.normal(size=N))


# --- references: numpy's own evaluations -------------------------------------------
def _cauchy(g: Callable[[Any], np.ndarray], k: int) -> tuple[np.ndarray, float]:
    """g^(k)(0) by the trapezoid rule for Cauchy's integral on |t| = r (24 points), at
    two radii: a pole between them (a division near its zero) makes them differ, which
    the half rules (every other point) cannot see. The error: their difference and the
    half rules' estimates (directional also compares with differences along real t)."""
    estimates, error = [], 0.0
    for r in (0.2, 0.07):
        m = 24
        t = r * np.exp(2j * np.pi * np.arange(m) / m)
        values = np.array([g(ti) for ti in t])
        weights = np.exp(-2j * np.pi * k * np.arange(m) / m)[:, None]
        full = math.factorial(k) / r**k * np.mean(values * weights, axis=0)
        half = math.factorial(k) / r**k * np.mean((values * weights)[::2], axis=0)
        scale = np.max(np.abs(values)) * math.factorial(k) / r**k
        error += float(np.max(np.abs(full - half)) + 64 * np.finfo(float).eps * scale)
        estimates.append(full)
    error += float(np.max(np.abs(estimates[0] - estimates[1])))
    return estimates[0], error


def _richardson(
    g: Callable[[Any], np.ndarray], k: int, scale: float = 1.0
) -> tuple[np.ndarray, float]:
    """g^(k)(0) by central differences at steps h0 / 2^i, extrapolated (error h^2,
    h^4, ...); the error estimated from the last two levels."""
    h0 = {1: 0.02, 2: 0.04, 3: 0.08}[k] * scale
    center = g(0.0)

    def stencil(h: float) -> np.ndarray:
        if k == 1:
            return (g(h) - g(-h)) / (2 * h)
        if k == 2:
            return (g(h) - 2 * center + g(-h)) / h**2
        return (g(2 * h) - 2 * g(h) + 2 * g(-h) - g(-2 * h)) / (2 * h**3)

    table = [[stencil(h0 / 2**i)] for i in range(5)]
    for level in range(1, 5):
        for i in range(level, 5):
            prev = table[i][level - 1]
            table[i].append(prev + (prev - table[i - 1][level - 1]) / (4**level - 1))
    best, error = table[-1][-1], np.inf
    for level in range(1, 5):
        estimate = float(np.max(np.abs(table[4][level] - table[4][level - 1])))
        if estimate < error:
            best, error = table[4][level], estimate
    scale = float(np.max(np.abs(center))) + 1.0
    rounding = 1e3 * np.finfo(float).eps * scale / (h0 / 16) ** k
    return best, error + rounding


def directional(
    f: Callable[[Any], Any],
    x: np.ndarray,
    v: np.ndarray,
    k: int,
    analytic: bool,
    scale: float = 1.0,
) -> tuple[np.ndarray, float]:
    """d^k/dt^k f(x + t v) at t = 0 (flattened), and the error bound of the estimate
    (scale: of the differences' steps)."""

    def g(t: Any) -> np.ndarray:
        return np.ravel(np.asarray(f(x + t * v)))

    steps = _richardson(lambda t: g(t).real if np.isrealobj(x) else g(t), k, scale)
    if not analytic:
        return steps
    # a pole inside both circles (a matrix singular at some complex t) shifts both
    # alike: the differences along real t must agree with them
    value, error = _cauchy(g, k)
    disagreement = float(np.max(np.abs(value - steps[0])))
    if disagreement > 10 * steps[1] + error:
        error = max(error, disagreement)
    return value, error


def near_a_kink(program: Program, x: np.ndarray) -> bool:
    """Whether the differences' steps reach a kink (a sort's swap, max's switch): the
    first derivatives from steps 8 times longer and 100 times shorter disagree."""
    for e in np.eye(x.size):
        long, long_error = directional(program, x, e, 1, False, 8.0)
        short, short_error = directional(program, x, e, 1, False, 0.01)
        if np.max(np.abs(long - short)) > 10 * (long_error + short_error) + 1e-7:
            return True
    return False


def hessian_reference(
    f: Callable[[Any], Any], x: np.ndarray, analytic: bool
) -> tuple[np.ndarray, float]:
    """By polarization: H_ij = (D2(e_i + e_j) - D2(e_i) - D2(e_j)) / 2."""
    n, eye = x.size, np.eye(x.size)
    diag = [directional(f, x, eye[i], 2, analytic) for i in range(n)]
    h = np.empty((n, n), dtype=complex)
    error = max(e for _, e in diag)
    for i in range(n):
        h[i, i] = diag[i][0][0]
        for j in range(i + 1, n):
            d, e = directional(f, x, eye[i] + eye[j], 2, analytic)
            h[i, j] = h[j, i] = (d[0] - diag[i][0][0] - diag[j][0][0]) / 2
            error = max(error, e)
    return h, 2 * error


# --- checks ---------------------------------------------------------------------------
class Failure(AssertionError):
    pass


@dataclass
class Tally:
    programs: int = 0
    checks: int = 0
    skipped: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def attempt(fn: Callable[[], Any]) -> Any:
    """fn's result, or the error it raised (a TypeError: what hyperdiff cannot
    differentiate; ValueError, AttributeError, NotImplementedError: refusals too, never
    a wrong number), counted by message."""
    try:
        return fn()
    except (TypeError, ValueError, AttributeError, NotImplementedError) as error:
        return TypeError(f"{type(error).__name__}: {error}")


def close(
    what: str,
    got: Any,
    want: np.ndarray,
    error: float,
    program: Program,
    tally: Tally,
    rtol: float = 1e-10,
) -> None:
    if isinstance(got, TypeError):  # a refusal, never a wrong number: counted
        message = str(got)[:100]
        tally.refused[message] = tally.refused.get(message, 0) + 1
        return
    got = np.asarray(got)
    if got.dtype == object:
        raise Failure(f"{what}: an object array ({program.describe()})")
    if got.shape != want.shape:
        raise Failure(f"{what}: shape {got.shape}, expected {want.shape} ({program.describe()})")
    scale = float(np.max(np.abs(want), initial=0.0))
    if not np.isfinite(error) or error > 1e-3 * (1.0 + scale):
        tally.skipped += 1  # the reference cannot decide here
        return
    tally.checks += 1
    bound = 10 * error + rtol * (1.0 + scale)
    worst = float(np.max(np.abs(got - want), initial=0.0))
    if not worst <= bound:
        raise Failure(
            f"{what}: off by {worst:.3g} (bound {bound:.3g}) in {program.describe()}"
            f"\ngot {got}\nwant {want}"
        )


def same_value(what: str, got: Any, want: Any, program: Program, tally: Tally) -> None:
    got, want = np.asarray(got), np.asarray(want)
    tally.checks += 1
    if program.exact:
        if got.tobytes() != want.tobytes():
            raise Failure(
                f"{what}: value not numpy's bit for bit in {program.describe()}: {got} vs {want}"
            )
        return
    scale = 1.0 + float(np.max(np.abs(want), initial=0.0))
    if not np.max(np.abs(got - want), initial=0.0) <= 1e-12 * scale:
        raise Failure(
            f"{what}: value differs from numpy's in {program.describe()}: {got} vs {want}"
        )


def check_program(program: Program, rng: np.random.Generator, tally: Tally) -> None:
    x = rng.uniform(0.3, 1.2, N) * rng.choice([-1.0, 1.0], N)
    saved = x.copy()
    constants = [(c, c.copy()) for s in program.steps for c in s.constants]
    analytic = program.analytic
    v, u = rng.normal(size=N), rng.normal(size=N)
    eye = np.eye(N)
    with np.errstate(all="raise"):
        try:
            out = program(x)
            scalar = program.scalar(x)
        except FloatingPointError:
            tally.skipped += 1
            return
    if not np.all(np.isfinite(out)):
        tally.skipped += 1
        return
    if not analytic and near_a_kink(program, x):
        tally.skipped += 1
        return
    tally.programs += 1
    jac = [directional(program, x, eye[i], 1, analytic) for i in range(N)]
    j_ref = np.stack([c for c, _ in jac], axis=-1).real
    j_err = max(e for _, e in jac)

    close("jacobian", attempt(lambda: hd.jacobian(program)(x)), j_ref, j_err, program, tally)
    pair = attempt(lambda: hd.jvp(program, (x,), (v,)))
    if not isinstance(pair, TypeError):
        same_value("jvp's primal", pair[0], out, program, tally)
        pair = pair[1]
    close("jvp", pair, j_ref @ v, j_err * np.abs(v).sum(), program, tally)
    pair = attempt(lambda: hd.value_and_grad(program.scalar)(x))
    if not isinstance(pair, TypeError):
        same_value("value_and_grad's value", pair[0], scalar, program, tally)
        pair = pair[1]
    close("grad", pair, program.w @ j_ref, j_err * np.abs(program.w).sum(), program, tally)

    # elementwise derivative: diag(J) where J is diagonal; a ValueError where it is not
    # (the probe-free pass must see every mixing program the probe sees)
    pointwise = attempt(lambda: hd.derivative(program)(x))
    off = j_ref - np.diag(np.diag(j_ref)) if j_ref.shape == (N, N) else None
    tolerance = 10 * j_err + 1e-10 * (1.0 + float(np.max(np.abs(j_ref), initial=0.0)))
    if off is not None and float(np.max(np.abs(off))) <= tolerance:
        close("derivative (elementwise)", pointwise, np.diag(j_ref).copy(), j_err, program, tally)
    elif off is not None and float(np.max(np.abs(off))) > 1e3 * tolerance:
        tally.checks += 1
        if not isinstance(pointwise, TypeError):
            raise Failure(
                f"derivative (elementwise) of a mixing program answered {pointwise} "
                f"in {program.describe()}"
            )

    h_ref, h_err = hessian_reference(program.scalar, x, analytic)
    h_ref = h_ref.real
    close(
        "hessian",
        attempt(lambda: hd.hessian(program.scalar)(x)),
        h_ref,
        h_err,
        program,
        tally,
        rtol=1e-9,
    )
    for check in (True, False):  # sparse passes: the tracer's pattern, then colors
        jac = hd.jacobian(program, sparsity="auto", check_sparsity=check)
        hess = hd.hessian(program.scalar, sparsity="auto", check_sparsity=check)
        sparse = attempt(lambda: _dense(jac(x)))  # noqa: B023
        close(f"sparse jacobian (check {check})", sparse, j_ref, j_err, program, tally)
        sparse = attempt(lambda: _dense(hess(x)))  # noqa: B023
        close(f"sparse hessian (check {check})", sparse, h_ref, h_err, program, tally, rtol=1e-9)
    chunked = attempt(lambda: hd.hessian(program.scalar, chunk_size=2)(x))
    close("hessian(chunk_size=2)", chunked, h_ref, h_err, program, tally, rtol=1e-9)
    chunked = attempt(lambda: hd.jacobian(program, chunk_size=4)(x))
    close("jacobian(chunk_size=4)", chunked, j_ref, j_err, program, tally)
    diagonal = attempt(lambda: hd.hessian_diag(program.scalar)(x))
    close("hessian_diag", diagonal, np.diag(h_ref).copy(), h_err, program, tally, rtol=1e-9)
    close(
        "hvp",
        attempt(lambda: hd.hvp(program.scalar, (x,), (v,))),
        h_ref @ v,
        h_err * np.abs(v).sum(),
        program,
        tally,
        rtol=1e-9,
    )
    close(
        "jacobian(grad)",
        attempt(lambda: hd.jacobian(hd.grad(program.scalar))(x)),
        h_ref,
        h_err,
        program,
        tally,
        rtol=1e-9,
    )
    grad_of_grad = attempt(lambda: hd.grad(lambda y: hd.grad(program.scalar)(y) @ u)(x))
    close(
        "grad(grad . u)",
        grad_of_grad,
        h_ref @ u,
        h_err * np.abs(u).sum(),
        program,
        tally,
        rtol=1e-9,
    )

    along = lambda t: program.scalar(x + t * v)  # noqa: E731
    for order in (1, 2, 3):
        ref, err = directional(program.scalar, x, v, order, analytic)
        got = attempt(lambda: hd.derivative(along, order=order)(0.0))  # noqa: B023
        got = got if isinstance(got, TypeError) else np.reshape(got, (1,))
        close(f"derivative(order={order})", got, ref.real, err, program, tally, rtol=1e-8)

    # mixed orders by polarization: T(v, u) = (D2(v + u) - D2(v - u)) / 4 and
    # T(v, v, u) = (D3(v + u) - D3(v - u) - 2 D3(u)) / 6
    def plane(t: Any, s: Any) -> Any:
        return program.scalar(x + t * v + s * u)

    d2 = [directional(program.scalar, x, w, 2, analytic) for w in (v + u, v - u)]
    mixed = attempt(lambda: hd.derivative(plane, order=(1, 1), argnums=(0, 1))(0.0, 0.0))
    mixed = mixed if isinstance(mixed, TypeError) else np.reshape(mixed, (1,))
    want = (d2[0][0] - d2[1][0]).real / 4
    close("derivative(order=(1, 1))", mixed, want, (d2[0][1] + d2[1][1]) / 2, program, tally)
    d3 = [directional(program.scalar, x, w, 3, analytic) for w in (v + u, v - u, u)]
    mixed = attempt(lambda: hd.derivative(plane, order=(2, 1), argnums=(0, 1))(0.0, 0.0))
    mixed = mixed if isinstance(mixed, TypeError) else np.reshape(mixed, (1,))
    want = (d3[0][0] - d3[1][0] - 2 * d3[2][0]).real / 6
    error = (d3[0][1] + d3[1][1] + 2 * d3[2][1]) / 3
    close("derivative(order=(2, 1))", mixed, want, error, program, tally, rtol=1e-8)

    x32 = x.astype(np.float32)
    with np.errstate(all="ignore"):
        want = attempt(lambda: np.asarray(program(x32)).dtype)  # numpy's promotion
        j32 = attempt(lambda: hd.jacobian(program)(x32))
    if not isinstance(want, TypeError):  # (numpy may refuse a cast float32 cannot take)
        if not isinstance(j32, TypeError) and np.asarray(j32).dtype != want:
            raise Failure(
                f"float32 jacobian of dtype {np.asarray(j32).dtype}, f's {want}: "
                + program.describe()
            )
        close(
            "float32 jacobian", j32, j_ref, j_err + 3e-3 * (1 + np.abs(j_ref).max()), program, tally
        )

    if analytic:  # holomorphic at a complex point
        z = x + 0.1j * u
        jz = [directional(program, z, eye[i], 1, True) for i in range(N)]
        close(
            "holomorphic jacobian",
            attempt(lambda: hd.jacobian(program, holomorphic=True)(z)),
            np.stack([c for c, _ in jz], axis=-1),
            max(e for _, e in jz),
            program,
            tally,
        )
        hz, hz_err = hessian_reference(program.scalar, z, True)
        hessian_z = attempt(lambda: hd.hessian(program.scalar, holomorphic=True)(z))
        close("holomorphic hessian", hessian_z, hz, hz_err, program, tally, rtol=1e-9)
        for order in (2, 3):
            ref, err = directional(program.scalar, z, v, order, True)
            got = attempt(
                lambda: hd.derivative(
                    lambda t: program.scalar(z + t * v),
                    order=order,  # noqa: B023
                    holomorphic=True,
                )(0j)
            )
            got = got if isinstance(got, TypeError) else np.reshape(got, (1,))
            close(
                f"holomorphic derivative(order={order})", got, ref, err, program, tally, rtol=1e-8
            )

    if not np.array_equal(x, saved):
        raise Failure(f"the input was mutated by {program.describe()}")
    for c, before in constants:
        if not np.array_equal(c, before):
            raise Failure(f"a constant of {program.describe()} was mutated")


def _dense(matrix: Any) -> np.ndarray:
    return np.asarray(matrix.toarray())


@contextmanager
def fusion(record_all: bool) -> Iterator[None]:
    previous = _core.fusion_min_count(1 if record_all else 1 << 15)
    try:
        yield
    finally:
        _core.fusion_min_count(previous)


def run(
    seed: int,
    programs: int,
    record_all: bool,
    make: Callable[[np.random.Generator, bool], Program] = make_program,
    checks: tuple[Callable[[Program, np.random.Generator, Tally], None], ...] = (check_program,),
) -> Tally:
    """Programs made from `seed`; every failure is kept (tally.failures), each program
    made and checked from its own seed (seed, number), so one reruns alone."""
    tally = Tally()
    with fusion(record_all):
        for number in range(programs):
            rng = np.random.default_rng((seed, number))
            program = make(rng, number % 2 == 0)  # every other one analytic
            try:
                for check in checks:
                    check(program, rng, tally)
            except Failure as failure:
                tally.failures.append(
                    f"program {number} (seed {seed}, fused {record_all}): {failure}"
                )
    return tally


@pytest.mark.parametrize("record_all", [False, True], ids=["eager", "fused"])
def test_random_programs(record_all: bool) -> None:
    assert_clean(run(SEED, PROGRAMS, record_all), PROGRAMS)


def assert_clean(tally: Tally, programs: int) -> None:
    """No failure, and enough programs and checks for the run to mean something."""
    assert not tally.failures, "\n\n".join(tally.failures)
    assert tally.programs >= programs // 2
    assert tally.checks >= 10 * tally.programs


def main(runs: Callable[[int, int, bool], Tally], argv: list[str], seed: int, count: int) -> None:
    """A long run from the command line (SEED PROGRAMS): counts, refusals, failures."""
    seed = int(argv[1]) if len(argv) > 1 else seed
    count = int(argv[2]) if len(argv) > 2 else count
    for mode in (False, True):
        t = runs(seed, count, mode)
        print(f"fusion={mode}: {t.programs} programs, {t.checks} checks, {t.skipped} skipped")
        for message, times in sorted(t.refused.items()):
            print(f"  refused {times}x: {message}")
        for failure in t.failures:
            print(failure[:1500], "\n")


if __name__ == "__main__":
    import sys

    main(run, sys.argv, SEED, PROGRAMS)
