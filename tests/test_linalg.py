"""numpy.linalg (and hyperdiff.linalg.expm) on dual arrays.

Each function F is evaluated along a line A(t) = A + t B (b(t) = b + t c for a vector
operand). The value plane must be numpy's F on the values, bit for bit, as linalg.py
claims (expm: scipy.linalg.expm to 1e-13; multi_dot documents a different rounding).
The first and second derivatives at t = 0 are compared with an independent reference:
mpmath at 40 digits, numerically differentiating mpmath's own F (mp.diffs) on the
exact values of the float inputs, plus a few standard closed forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pytest
import scipy.linalg
from mpmath import mp

import hyperdiff as hd

SEED = 20261125
RNG = np.random.default_rng(SEED)


@pytest.fixture(autouse=True)
def _same_numbers_in_any_order() -> None:
    """Each test draws the same random inputs whichever tests ran before it."""
    global RNG
    RNG = np.random.default_rng(SEED)


N = 4
RTOL = {np.float64: 1e-12, np.float32: 2e-4}


# --- inputs -------------------------------------------------------------------------
def rand(*shape: int) -> np.ndarray:
    # float32-representable, so one mpmath reference serves float64 and float32 inputs
    return RNG.standard_normal(shape).astype(np.float32).astype(np.float64)


def f32(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float32).astype(np.float64)


def general(n: int) -> np.ndarray:
    """Well conditioned: random plus n I."""
    return f32(rand(n, n) + n * np.eye(n))


def spd(n: int) -> np.ndarray:
    m = rand(n, n)
    return f32(m @ m.T + n * np.eye(n))


def symmetric(n: int) -> np.ndarray:
    """Symmetric with well separated eigenvalues."""
    m = rand(n, n)
    s = f32((m + m.T) / 4 + np.diag(4.0 * np.arange(n)))
    assert np.min(np.diff(np.linalg.eigvalsh(s))) > 0.5
    return s


def sym(m: np.ndarray) -> np.ndarray:
    return f32((m + m.T) / 2)


def garbage_lower(s: np.ndarray, size: float = 8.0) -> np.ndarray:
    """s with its strict lower triangle overwritten: numpy's UPLO='U' never reads it."""
    return np.triu(s) + np.tril(rand(*s.shape), -1) * size


def garbage_upper(s: np.ndarray, size: float = 8.0) -> np.ndarray:
    return np.tril(s) + np.triu(rand(*s.shape), 1) * size


# --- mpmath helpers -----------------------------------------------------------------
def flat(m: Any) -> list[Any]:
    return [m[i, j] for i in range(m.rows) for j in range(m.cols)]


def from_lower(a: Any) -> Any:
    """The symmetric matrix whose lower triangle is a's."""
    n = a.rows
    return mp.matrix([[a[max(i, j), min(i, j)] for j in range(n)] for i in range(n)])


def from_upper(a: Any) -> Any:
    return from_lower(a.T)


def mp_eigh(a: Any, hint: np.ndarray) -> tuple[list[Any], Any]:
    """Ascending eigenvalues, eigenvectors with the signs of numpy's (hint) columns."""
    e, q = mp.eigsy(a)
    order = sorted(range(a.rows), key=lambda i: e[i])
    vectors = mp.matrix(a.rows, a.rows)
    for new, old in enumerate(order):
        sign = 1 if sum(q[i, old] * hint[i, new] for i in range(a.rows)) > 0 else -1
        for i in range(a.rows):
            vectors[i, new] = sign * q[i, old]
    return [e[i] for i in order], vectors


def mp_qr(a: Any, hint: np.ndarray, of: str) -> tuple[Any, Any]:
    """Reduced QR with the signs of numpy's: hint is numpy's Q (of="Q") or R (of="R")."""
    q, r = mp.qr(a, mode="skinny")
    for j in range(a.cols):
        if of == "Q":
            flip = sum(q[i, j] * hint[i, j] for i in range(a.rows)) < 0
        else:
            flip = (r[j, j] > 0) != (hint[j, j] > 0)
        if flip:
            for i in range(a.rows):
                q[i, j] = -q[i, j]
            for k in range(a.cols):
                r[j, k] = -r[j, k]
    return q, r


def mp_singular_values(a: Any) -> list[Any]:
    return sorted(mp.svd_r(a, compute_uv=False), reverse=True)


def mp_power(a: Any, k: int) -> Any:
    base = a if k >= 0 else mp.inverse(a)
    out = mp.eye(a.rows)
    for _ in range(abs(k)):
        out = out * base
    return out


def mp_vector_norm(v: Any, ord: Any) -> Any:
    x = [abs(v[i]) for i in range(len(v))]
    if ord is None or ord == 2:
        return mp.sqrt(sum(y * y for y in x))
    if ord == np.inf:
        return max(x)
    if ord == -np.inf:
        return min(x)
    if ord == 0:
        return mp.mpf(sum(1 for y in x if y != 0))
    return sum(y**ord for y in x) ** (mp.mpf(1) / ord)


def mp_matrix_norm(a: Any, ord: Any) -> Any:
    rows, cols = range(a.rows), range(a.cols)
    if ord == "fro":
        return mp.sqrt(sum(a[i, j] ** 2 for i in rows for j in cols))
    if ord in (1, -1):
        sums = [sum(abs(a[i, j]) for i in rows) for j in cols]
        return max(sums) if ord == 1 else min(sums)
    if ord in (np.inf, -np.inf):
        sums = [sum(abs(a[i, j]) for j in cols) for i in rows]
        return max(sums) if ord == np.inf else min(sums)
    s = mp_singular_values(a)
    return {2: s[0], -2: s[-1], "nuc": sum(s)}[ord]


def taylor(func: Callable[..., list[Any]], pairs: list[tuple[np.ndarray, Any]]) -> list[Any]:
    """[F, dF/dt, d2F/dt2] at t = 0 of F(A + t B, ...), entrywise, from mpmath."""
    with mp.workdps(40):
        mats = [
            (mp.matrix(v.astype(np.float64).tolist()), 0 if d is None else mp.matrix(d.tolist()))
            for v, d in pairs
        ]
        values: dict[Any, list[Any]] = {}

        def at(t: Any) -> list[Any]:  # F evaluated once per point, for every entry
            if t not in values:
                values[t] = func(*(v + t * d for v, d in mats))
            return values[t]

        count = len(at(mp.mpf(0)))
        series = [list(mp.diffs(lambda t, i=i: at(t)[i], 0, 2)) for i in range(count)]
        return [np.array([float(s[k]) for s in series]) for k in range(3)]


# --- the cases ----------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """F along a line. inputs: (value, direction or None for a plain operand);
    call: the function under test on dual/plain operands; numpy: numpy's F on the
    values (the expected value plane); mp: F on mpmath matrices, given numpy's value
    result (to fix eigenvector and QR signs), as a flat list."""

    name: str
    inputs: tuple[tuple[np.ndarray, np.ndarray | None], ...]
    call: Callable[..., Any]
    numpy: Callable[..., Any]
    mp: Callable[..., list[Any]]
    exact: bool = True  # the value plane equals numpy's bit for bit
    value_rtol: float = 0.0

    def values(self, dtype: Any) -> list[np.ndarray]:
        return [v.astype(dtype) for v, _ in self.inputs]


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(name: str, inputs: Any, call: Any, numpy: Any, mp_func: Any, **kw: Any) -> None:
        cases.append(Case(name, tuple(inputs), call, numpy, mp_func, **kw))

    a, da = general(N), rand(N, N)
    b, db = rand(N), rand(N)
    bm, dbm = rand(N, 2), rand(N, 2)
    solve = np.linalg.solve
    add("solve-1d-b", [(a, da), (b, db)], solve, solve, lambda h, x, y: flat(mp.lu_solve(x, y)))
    mp_solve = lambda h, x, y: flat(mp.inverse(x) * y)  # noqa: E731
    add("solve-2d-b", [(a, da), (bm, dbm)], solve, solve, mp_solve)
    add("solve-plain-a-dual-b", [(a, None), (bm, dbm)], solve, solve, mp_solve)
    add("solve-plain-a-dual-1d-b", [(a, None), (b, db)], solve, solve, mp_solve)
    add("solve-dual-a-plain-b", [(a, da), (b, None)], solve, solve, mp_solve)
    add("inv", [(a, da)], np.linalg.inv, np.linalg.inv, lambda h, x: flat(mp.inverse(x)))
    add("det", [(a, da)], np.linalg.det, np.linalg.det, lambda h, x: [mp.det(x)])
    negative = general(N)[[1, 0, 2, 3]]  # two rows swapped: det < 0
    assert np.linalg.det(negative) < 0
    add("det-negative", [(negative, da)], np.linalg.det, np.linalg.det, lambda h, x: [mp.det(x)])
    logabsdet = lambda x: np.linalg.slogdet(x)[1]  # noqa: E731
    mp_logabsdet = lambda h, x: [mp.log(abs(mp.det(x)))]  # noqa: E731
    add("slogdet", [(a, da)], logabsdet, logabsdet, mp_logabsdet)
    add("slogdet-negative", [(negative, da)], logabsdet, logabsdet, mp_logabsdet)

    s, ds = symmetric(N), sym(rand(N, N))
    for uplo, stored, read in (("L", garbage_upper, from_lower), ("U", garbage_lower, from_upper)):
        x, dx = stored(s), stored(ds)

        def values(a: Any, u: str = uplo) -> Any:
            return np.linalg.eigh(a, UPLO=u)[0]

        def vectors(a: Any, u: str = uplo) -> Any:
            return np.linalg.eigh(a, UPLO=u)[1]

        def eigvalsh(a: Any, u: str = uplo) -> Any:
            return np.linalg.eigvalsh(a, UPLO=u)

        add(
            f"eigh-values-{uplo}",
            [(x, dx)],
            values,
            values,
            lambda h, m, r=read: mp_eigh(r(m), np.eye(N))[0],
        )
        add(
            f"eigh-vectors-{uplo}",
            [(x, dx)],
            vectors,
            vectors,
            lambda h, m, r=read: flat(mp_eigh(r(m), h)[1]),
        )
        add(
            f"eigvalsh-{uplo}",
            [(x, dx)],
            eigvalsh,
            eigvalsh,
            lambda h, m, r=read: mp_eigh(r(m), np.eye(N))[0],
        )

    p, dp = spd(N), rand(N, N)  # numpy reads the lower triangle: a general direction
    cholesky = np.linalg.cholesky
    add(
        "cholesky",
        [(garbage_upper(p), dp)],
        cholesky,
        cholesky,
        lambda h, m: flat(mp.cholesky(from_lower(m))),
    )
    upper = lambda m: np.linalg.cholesky(m, upper=True)  # noqa: E731
    add("cholesky-upper", [(p, sym(dp))], upper, upper, lambda h, m: flat(mp.cholesky(m).T))

    for shape in ((5, 3), (N, N)):
        t, dt = rand(*shape), rand(*shape)
        label = "x".join(map(str, shape))
        q_of = lambda m: np.linalg.qr(m)[0]  # noqa: E731
        r_of = lambda m: np.linalg.qr(m)[1]  # noqa: E731
        r_mode = lambda m: np.linalg.qr(m, mode="r")  # noqa: E731
        add(f"qr-Q-{label}", [(t, dt)], q_of, q_of, lambda h, m: flat(mp_qr(m, h, "Q")[0]))
        add(f"qr-R-{label}", [(t, dt)], r_of, r_of, lambda h, m: flat(mp_qr(m, h, "R")[1]))
        add(f"qr-mode-r-{label}", [(t, dt)], r_mode, r_mode, lambda h, m: flat(mp_qr(m, h, "R")[1]))

    t, dt = rand(6, 3), rand(6, 3)
    y, dy = rand(6), rand(6)
    ym, dym = rand(6, 2), rand(6, 2)

    def lstsq_part(k: int) -> Callable[..., Any]:
        return lambda m, v: np.linalg.lstsq(m, v)[k]

    def mp_lstsq(m: Any, v: Any) -> Any:
        return mp.inverse(m.T * m) * (m.T * v)

    def mp_residuals(h: Any, m: Any, v: Any) -> list[Any]:
        r = v - m * mp_lstsq(m, v)
        return [sum(r[i, j] ** 2 for i in range(r.rows)) for j in range(r.cols)]

    x_of, res_of, s_of = lstsq_part(0), lstsq_part(1), lstsq_part(3)
    mp_x = lambda h, m, v: flat(mp_lstsq(m, v))  # noqa: E731
    add("lstsq-x", [(t, dt), (y, dy)], x_of, x_of, mp_x)
    add("lstsq-x-2d-b", [(t, dt), (ym, dym)], x_of, x_of, mp_x)
    add("lstsq-x-plain-a", [(t, None), (y, dy)], x_of, x_of, mp_x)
    add("lstsq-residuals", [(t, dt), (y, dy)], res_of, res_of, mp_residuals)
    add("lstsq-residuals-2d-b", [(t, dt), (ym, dym)], res_of, res_of, mp_residuals)
    add(
        "lstsq-singular-values",
        [(t, dt), (y, dy)],
        s_of,
        s_of,
        lambda h, m, v: mp_singular_values(m),
    )

    pinv = np.linalg.pinv
    add("pinv-tall", [(t, dt)], pinv, pinv, lambda h, m: flat(mp.inverse(m.T * m) * m.T))
    add("pinv-wide", [(t.T, dt.T)], pinv, pinv, lambda h, m: flat(m.T * mp.inverse(m * m.T)))

    for k in (1, 2, 3, 5, 0, -1, -2, -3):

        def power(m: Any, k: int = k) -> Any:
            return np.linalg.matrix_power(m, k)

        add(f"matrix_power-{k}", [(a, da)], power, power, lambda h, m, k=k: flat(mp_power(m, k)))

    m1, m2, m3 = rand(3, 4), rand(4, 5), rand(5, 2)
    add(
        "multi_dot",
        [(m1, rand(3, 4)), (m2, None), (m3, rand(5, 2))],
        lambda *xs: np.linalg.multi_dot(list(xs)),
        lambda *xs: np.linalg.multi_dot(list(xs)),
        lambda h, x, y, z: flat(x * y * z),
        exact=False,  # documented: left to right, not numpy's cost-optimal order
        value_rtol=1e-13,
    )

    v, dv = rand(5), rand(5)
    for ord in (None, 1, 2, np.inf, -np.inf, 3):  # ord 0: see its own test

        def vnorm(x: Any, o: Any = ord) -> Any:
            return np.linalg.norm(x, ord=o)

        add(
            f"norm-vector-{ord}",
            [(v, dv)],
            vnorm,
            vnorm,
            lambda h, x, o=ord: [mp_vector_norm(x, o)],
        )
    w, dw = rand(4, 3), rand(4, 3)
    for ord in ("fro", 1, -1, np.inf, -np.inf, 2, -2, "nuc"):

        def mnorm(x: Any, o: Any = ord) -> Any:
            return np.linalg.norm(x, ord=o)

        add(
            f"norm-matrix-{ord}",
            [(w, dw)],
            mnorm,
            mnorm,
            lambda h, x, o=ord: [mp_matrix_norm(x, o)],
        )

    wide, dwide = rand(3, 4), rand(3, 4)  # the singular values are those of the 3 x 3 side
    for ord in (2, -2, "nuc"):

        def wnorm(x: Any, o: Any = ord) -> Any:
            return np.linalg.norm(x, ord=o)

        add(
            f"norm-matrix-wide-{ord}",
            [(wide, dwide)],
            wnorm,
            wnorm,
            lambda h, x, o=ord: [mp_matrix_norm(x, o)],
        )

    def columns(x: Any, o: Any = None) -> list[Any]:
        return [mp_vector_norm(x[:, j], o) for j in range(x.cols)]

    def rows(x: Any, o: Any = None) -> list[Any]:
        return [mp_vector_norm(x[i, :].T, o) for i in range(x.rows)]

    for name, call, mp_func in [
        ("norm-2d-default", lambda x: np.linalg.norm(x), lambda h, x: [mp_matrix_norm(x, "fro")]),
        ("norm-axis-0", lambda x: np.linalg.norm(x, axis=0), lambda h, x: columns(x)),
        ("norm-axis-1-ord-1", lambda x: np.linalg.norm(x, 1, axis=1), lambda h, x: rows(x, 1)),
        ("norm-axis-0-ord-3", lambda x: np.linalg.norm(x, 3, axis=0), lambda h, x: columns(x, 3)),
        (
            "norm-axis-1-ord-inf",
            lambda x: np.linalg.norm(x, np.inf, axis=-1),
            lambda h, x: rows(x, np.inf),
        ),
        (
            "norm-axis-keepdims",
            lambda x: np.linalg.norm(x, axis=1, keepdims=True),
            lambda h, x: rows(x),
        ),
        (
            "norm-default-keepdims",
            lambda x: np.linalg.norm(x, keepdims=True),
            lambda h, x: [mp_matrix_norm(x, "fro")],
        ),
        (
            "norm-axes-10-ord-1",
            lambda x: np.linalg.norm(x, 1, axis=(1, 0)),
            lambda h, x: [mp_matrix_norm(x.T, 1)],
        ),
        (
            "norm-axes-ord-nuc-keepdims",
            lambda x: np.linalg.norm(x, "nuc", axis=(0, 1), keepdims=True),
            lambda h, x: [mp_matrix_norm(x, "nuc")],
        ),
    ]:
        add(name, [(w, dw)], call, call, mp_func)

    for label, scale in (("small", 0.5), ("squared", 4.0)):  # "squared": norm > theta_13
        e, de = scale * rand(N, N), rand(N, N)
        assert (np.max(np.sum(np.abs(e), axis=0)) > 5.372) == (label == "squared")
        add(
            f"expm-{label}",
            [(e, de)],
            hd.linalg.expm,
            scipy.linalg.expm,
            lambda h, m: flat(mp.expm(m)),
            exact=False,
            value_rtol=1e-13,
        )
    return cases


CASES = _cases()
CASE_IDS = [c.name for c in CASES]


@cache
def mp_reference(name: str) -> list[np.ndarray]:
    """The reference of a case (its inputs are float32-representable: one for both dtypes)."""
    case = next(c for c in CASES if c.name == name)
    values = case.values(np.float64)
    for v, d in case.inputs:
        np.testing.assert_array_equal(f32(v), v)
        np.testing.assert_array_equal(v if d is None else f32(d), v if d is None else d)
    hint = np.asarray(case.numpy(*values))
    return taylor(lambda *mats: case.mp(hint, *mats), list(case.inputs))


def components(x: Any) -> list[np.ndarray]:
    if isinstance(x, hd.Dual):
        return [x.value, x.d]
    if isinstance(x, hd.HyperDual):
        return [x.value, x.e1, x.e2, x.e12]
    return [np.asarray(x)]


def operands(case: Case, kind: str, dtype: type) -> list[Any]:
    out = []
    for v, (_, d) in zip(case.values(dtype), case.inputs, strict=True):
        if d is None:
            out.append(v)
        elif kind == "dual":
            out.append(hd.dual(v, d.astype(dtype)))
        else:
            out.append(hd.hyperdual(v, d.astype(dtype), d.astype(dtype)))
    return out


def assert_close(
    got: np.ndarray, ref: np.ndarray, rtol: float, name: str, scale: float | None = None
) -> None:
    if scale is None:
        scale = float(np.max(np.abs(ref), initial=0.0))
    np.testing.assert_allclose(
        np.ravel(got), np.ravel(ref), rtol=rtol, atol=rtol * scale, err_msg=name
    )


# --- values and derivatives against mpmath --------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("kind", ["dual", "hyperdual"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_value_and_derivatives(case: Case, kind: str, dtype: type) -> None:
    args = operands(case, kind, dtype)
    before = [p.copy() for x in args for p in components(x)]
    got = case.call(*args)
    after = [p for x in args for p in components(x)]
    for x, y in zip(before, after, strict=True):
        np.testing.assert_array_equal(x, y)  # inputs are not mutated

    expected = np.asarray(case.numpy(*case.values(dtype)))
    assert isinstance(got, hd.Dual if kind == "dual" else hd.HyperDual)
    parts = components(got)
    assert got.shape == expected.shape
    assert all(p.dtype == dtype for p in parts)  # float32 stays float32
    ref = mp_reference(case.name)
    rtol = RTOL[dtype]
    # tolerances relative to the scale of the result and its derivatives (a derivative
    # that is exactly 0 comes out of mpmath's differencing as ~1e-100)
    scale = max(float(np.max(np.abs(r), initial=0.0)) for r in ref)
    assert_close(got.value, ref[0], rtol if dtype == np.float64 else 1e-5, "value", scale)
    if kind == "dual":
        assert_close(parts[1], ref[1], rtol, "d", scale)
    else:
        assert_close(parts[1], ref[1], rtol, "e1", scale)
        assert_close(parts[2], ref[1], rtol, "e2", scale)
        assert_close(parts[3], ref[2], rtol, "e12", scale)
    # last, so that a rounding difference does not hide the derivative checks
    if case.exact:
        np.testing.assert_array_equal(got.value, expected)
    else:
        rtol = case.value_rtol if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(
            got.value, expected, rtol=rtol, atol=rtol * np.max(abs(expected))
        )


def test_slogdet_sign_is_numpys() -> None:
    for a in (general(N), general(N)[[1, 0, 2, 3]]):
        result = np.linalg.slogdet(hd.hyperdual(a, rand(N, N), rand(N, N)))
        sign, logabsdet = np.linalg.slogdet(a)
        assert np.asarray(result.sign) == sign and result[0] == sign
        np.testing.assert_array_equal(result.logabsdet.value, logabsdet)


def test_cholesky_upper_reads_the_upper_triangle_as_numpy() -> None:
    """numpy.linalg.cholesky(a, upper=True) factors the matrix whose upper triangle is a's."""
    p, dp = spd(N), sym(rand(N, N))
    stored, dstored = garbage_lower(p, 0.5), garbage_lower(dp)  # stays positive definite
    got = np.linalg.cholesky(hd.hyperdual(stored, dstored, dstored), upper=True)
    np.testing.assert_array_equal(got.value, np.linalg.cholesky(stored, upper=True))
    ref = taylor(lambda m: flat(mp.cholesky(from_upper(m)).T), [(stored, dstored)])
    assert_close(got.e1, ref[1], 1e-12, "e1")
    assert_close(got.e12, ref[2], 1e-12, "e12")


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((50,), {}),
        ((50,), {"ord": 2}),
        ((50,), {"ord": 1}),
        ((50,), {"ord": 3}),
        ((50,), {"ord": -np.inf}),
        ((20, 30), {}),
        ((20, 30), {"ord": "fro"}),
        ((20, 30), {"ord": 1}),
        ((20, 30), {"ord": np.inf}),
        ((20, 30), {"ord": 2}),
        ((20, 30), {"ord": -2}),
        ((20, 30), {"ord": "nuc"}),
        ((20, 30), {"axis": 0}),
        ((20, 30), {"ord": 2, "axis": 1}),
        ((2, 20, 30), {"ord": "fro", "axis": (1, 2)}),
    ],
    ids=lambda p: str(p).replace(" ", ""),
)
def test_norm_values_are_numpys_bit_for_bit(shape: tuple[int, ...], kwargs: dict[str, Any]) -> None:
    """Over many inputs: the 5-entry cases above can agree by luck when the summation
    order differs from numpy's."""
    for _ in range(10):
        a = rand(*shape)
        got = np.linalg.norm(hd.dual(a, rand(*shape)), **kwargs)
        np.testing.assert_array_equal(got.value, np.linalg.norm(a, **kwargs))


def test_norm_ord_0_counts_nonzeros_with_zero_derivative() -> None:
    v = np.array([1.5, 0.0, -2.0, 3.0])
    for x in (hd.dual(v, 1.0), hd.hyperdual(v, 1.0, 1.0)):
        got = np.linalg.norm(x, 0)
        np.testing.assert_array_equal(np.asarray(components(got)[0]), np.linalg.norm(v, 0))
        # like floor and sign, a piecewise-constant function: a dual array with zero parts
        assert isinstance(got, type(x))
        for part in components(got)[1:]:
            np.testing.assert_array_equal(part, 0.0)


# --- closed forms -------------------------------------------------------------------
def test_closed_forms_of_inverse_solve_and_det() -> None:
    a, b, c = general(N), rand(N, N), rand(N, N)
    v, w = rand(N), rand(N)
    x = np.linalg.inv(a)
    # mixed second derivative with different directions: d2/ds dt inv(A + sB + tC)
    got = np.linalg.inv(hd.hyperdual(a, b, c))
    assert_close(got.e1, -x @ b @ x, 1e-13, "e1")
    assert_close(got.e2, -x @ c @ x, 1e-13, "e2")
    assert_close(got.e12, x @ b @ x @ c @ x + x @ c @ x @ b @ x, 1e-12, "e12")
    # e1 = e2 = B: d2/dt2 inv(A + tB) = 2 X B X B X
    got = np.linalg.inv(hd.hyperdual(a, b, b))
    assert_close(got.e12, 2 * x @ b @ x @ b @ x, 1e-12, "inv''")
    # solve(A + tB, v + tw): X (w - B x0); d2 = -2 X B x'
    got = np.linalg.solve(hd.hyperdual(a, b, b), hd.hyperdual(v, w, w))
    x0 = x @ v
    first = x @ (w - b @ x0)
    assert_close(got.e1, first, 1e-13, "solve'")
    assert_close(got.e12, -2 * x @ b @ first, 1e-12, "solve''")
    got = np.linalg.solve(hd.dual(a, b), v)
    assert_close(got.d, -x @ b @ x @ v, 1e-13, "solve' plain b")
    # d det = det tr(X B); d2 det = det (tr(XB)^2 - tr(XBXB))
    got = np.linalg.det(hd.hyperdual(a, b, b))
    det, xb = np.linalg.det(a), x @ b
    assert_close(got.e1, det * np.trace(xb), 1e-13, "det'")
    assert_close(got.e12, det * (np.trace(xb) ** 2 - np.trace(xb @ xb)), 1e-12, "det''")


def test_closed_forms_of_expm() -> None:
    """d/dx expm(xA) = A expm(xA), d2/dx2 = A^2 expm(xA), with A large enough to square."""
    a = rand(N, N)
    for x in (0.3, 2.5):
        got = hd.linalg.expm(hd.hyperdual(x * a, a, a))
        e = scipy.linalg.expm(x * a)
        np.testing.assert_allclose(got.value, e, rtol=1e-13, atol=1e-13 * np.max(abs(e)))
        assert_close(got.e1, a @ e, 1e-12, "expm'")
        assert_close(got.e12, a @ a @ e, 1e-12, "expm''")


def test_expm_frechet_derivatives_against_mpmath_blocks() -> None:
    """All first-order parts at once (a Jacobian's planes, stacked matrices, real and
    complex, with squarings): L(A, E) is the top right block of mpmath's expm of
    [[A, E], [0, A]] (scipy's is 1e-12 off at these norms); the value is the one
    hyperdiff's expm gives a plain matrix."""
    rng = np.random.default_rng(3)
    for a, holomorphic in (
        (4.0 * rng.normal(size=(2, 3, 3)), False),
        (rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3)), True),
    ):
        jac = hd.jacobian(hd.linalg.expm, holomorphic=holomorphic)(a)
        want = np.zeros(a.shape + a.shape, dtype=a.dtype)
        for index in np.ndindex(a.shape):  # E = the unit matrix at index
            s = index[:-2]  # (the other stacked matrices' parts are zero)
            e = np.zeros_like(a[s])
            e[index[-2:]] = 1
            block = np.block([[a[s], e], [np.zeros_like(e), a[s]]])
            with mp.workdps(30):
                exact = mp.expm(mp.matrix(block.tolist())).tolist()
            want[(*s, ..., *index)] = np.array(exact, dtype=a.dtype)[:3, 3:]
        assert_close(jac, want, 5e-14, "L(A, E)")
        value = hd.linalg.expm(hd.dual(a, np.ones_like(a))).value
        assert np.array_equal(value, hd.linalg.expm(a))


def test_closed_forms_of_vector_two_norm() -> None:
    v, c = rand(6), rand(6)
    r = np.linalg.norm(v)
    for call in (
        np.linalg.norm,
        lambda x: np.linalg.norm(x, 2),
        lambda x: np.linalg.norm(x, axis=0),
    ):
        got = call(hd.hyperdual(v, c, c))
        assert_close(got.e1, v @ c / r, 1e-14, "|v|'")
        assert_close(got.e12, (c @ c - (v @ c) ** 2 / r**2) / r, 1e-13, "|v|''")
    # a Jet layout's planes (pairs (a, b) and (a, a)), a matrix's norm by its flat vector
    for x in (v, v.reshape(2, 3)):
        assert_close(hd.grad(np.linalg.norm)(x), x / r, 1e-14, "grad |v|")
        hessian = hd.hessian(np.linalg.norm)(x).reshape(6, 6)
        assert_close(hessian, (np.eye(6) - np.outer(v, v) / r**2) / r, 1e-13, "hessian |v|")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_norm_of_every_layout_by_closed_form(dtype: Any) -> None:
    """The Frobenius norm's x . x on every layout (its C++ pass, _core.self_dot_parts,
    reads the pair table): the Hessian by blocks of 3 (HyperDualVec(3) on the diagonal,
    HyperDualVec(3, 3) off it: pairs (a, K1 + b)), its diagonal (pairs (a, a) only), the
    gradient (no pairs), a Dual and a HyperDual, against the closed forms of r = |x|:
    x / r and (I - x x^T / r^2) / r; float32 to float32 rounding."""
    x = RNG.standard_normal((2, 4)).astype(dtype)
    v = x.astype(np.float64).ravel()
    r = np.linalg.norm(v)
    hess = (np.eye(8) - np.outer(v, v) / r**2) / r
    tol = 1e-13 if dtype == np.float64 else 1e-5
    got = hd.hessian(np.linalg.norm, chunk_size=3)(x)
    assert got.dtype == dtype
    np.testing.assert_allclose(got.reshape(8, 8), hess, rtol=tol, atol=tol)
    np.testing.assert_allclose(hd.hessian_diag(np.linalg.norm)(x).ravel(), np.diag(hess), rtol=tol)
    np.testing.assert_allclose(hd.grad(np.linalg.norm)(x).ravel(), v / r, rtol=tol)
    c = RNG.standard_normal((2, 4)).astype(dtype)
    w = c.astype(np.float64).ravel()
    got = np.linalg.norm(hd.hyperdual(x, c, c))
    np.testing.assert_allclose(got.e1, v @ w / r, rtol=tol)
    np.testing.assert_allclose(got.e12, w @ hess @ w, rtol=10 * tol)
    np.testing.assert_allclose(np.linalg.norm(hd.dual(x, c)).d, v @ w / r, rtol=tol)


# --- stacks ---------------------------------------------------------------------------
def _stack(make: Callable[[], np.ndarray]) -> np.ndarray:
    return np.array([[make() for _ in range(3)] for _ in range(2)])


STACKED: list[tuple[str, Callable[[], np.ndarray], Callable[[Any], Any]]] = [
    ("inv", lambda: general(N), np.linalg.inv),
    ("det", lambda: general(N), np.linalg.det),
    ("slogdet", lambda: general(N), lambda x: np.linalg.slogdet(x)[1]),
    ("eigh-values", lambda: symmetric(N), lambda x: np.linalg.eigh(x)[0]),
    ("eigh-vectors", lambda: symmetric(N), lambda x: np.linalg.eigh(x)[1]),
    ("eigvalsh", lambda: symmetric(N), np.linalg.eigvalsh),
    ("cholesky", lambda: spd(N), np.linalg.cholesky),
    ("cholesky-upper", lambda: spd(N), lambda x: np.linalg.cholesky(x, upper=True)),
    ("qr-Q", lambda: rand(5, 3), lambda x: np.linalg.qr(x)[0]),
    ("qr-R", lambda: rand(5, 3), lambda x: np.linalg.qr(x)[1]),
    ("qr-mode-r", lambda: rand(5, 3), lambda x: np.linalg.qr(x, mode="r")),
    ("pinv", lambda: rand(5, 3), np.linalg.pinv),
    ("matrix_power-5", lambda: general(N), lambda x: np.linalg.matrix_power(x, 5)),
    ("matrix_power--2", lambda: general(N), lambda x: np.linalg.matrix_power(x, -2)),
    ("norm-fro", lambda: rand(3, 4), lambda x: np.linalg.norm(x, axis=(-2, -1))),
    ("expm", lambda: rand(N, N), hd.linalg.expm),
]


@pytest.mark.parametrize(("make", "func"), [s[1:] for s in STACKED], ids=[s[0] for s in STACKED])
def test_stacked_matrices_match_each_matrix(make: Callable[[], np.ndarray], func: Any) -> None:
    a = _stack(make)
    m, n = a.shape[-2:]
    direction = _stack(lambda: sym(rand(n, n)) if m == n else rand(m, n))
    got = func(hd.hyperdual(a, direction, direction))
    for i, j in np.ndindex(2, 3):
        one = func(hd.hyperdual(a[i, j], direction[i, j], direction[i, j]))
        if func is hd.linalg.expm:  # the scaling is chosen for the whole stack
            np.testing.assert_allclose(got.value[i, j], one.value, rtol=1e-13, atol=1e-13)
        else:
            np.testing.assert_array_equal(got.value[i, j], one.value)
        for name in ("e1", "e2", "e12"):
            assert_close(getattr(got, name)[i, j], getattr(one, name), 1e-12, name)


def test_stacked_solve_matches_each_system() -> None:
    a, da = _stack(lambda: general(N)), _stack(lambda: rand(N, N))
    b, db = rand(2, 3, N, 2), rand(2, 3, N, 2)
    for rhs in (hd.hyperdual(b, db, db), b):
        got = np.linalg.solve(hd.hyperdual(a, da, da), rhs)
        assert got.shape == (2, 3, N, 2)
        for i, j in np.ndindex(2, 3):
            one = np.linalg.solve(hd.hyperdual(a[i, j], da[i, j], da[i, j]), rhs[i, j])
            np.testing.assert_array_equal(got.value[i, j], one.value)
            for name in ("e1", "e12"):
                assert_close(getattr(got, name)[i, j], getattr(one, name), 1e-12, name)
    # a b without the stack's axes (a 1-D b: one vector) is the same for every matrix.
    # A stack of 2 x 2 matrices, e1 != e2: a b misaligned with the stack's axes would
    # broadcast its 2 level-one planes (e1, e2) against the stack: wrong parts, no error
    a, da, da2 = a[:, :2], da[:, :2], _stack(lambda: rand(N, N))[:, :2]
    v, dv, dv2, w, dw = rand(N), rand(N), rand(N), rand(N, 2), rand(N, 2)
    for shared in (hd.dual(v, dv), hd.hyperdual(v, dv, dv2), hd.hyperdual(w, dw, -dw)):
        matrices = hd.dual(a, da) if isinstance(shared, hd.Dual) else hd.hyperdual(a, da, da2)
        got = np.linalg.solve(matrices, shared)
        assert got.shape == (2, 2, *shared.shape)
        np.testing.assert_array_equal(got.value, np.linalg.solve(a, shared.value))
        for i, j in np.ndindex(2, 2):
            one = np.linalg.solve(matrices[i, j], shared)
            for p, q in zip(components(got)[1:], components(one)[1:], strict=True):
                assert_close(p[i, j], q, 1e-12, "part")


# --- plain arrays, dispatch and errors -------------------------------------------------
PLAIN: list[tuple[str, Callable[[], tuple[np.ndarray, ...]], dict[str, Any]]] = [
    ("solve", lambda: (general(N), rand(N)), {}),
    ("inv", lambda: (general(N),), {}),
    ("det", lambda: (general(N),), {}),
    ("slogdet", lambda: (general(N),), {}),
    ("eigh", lambda: (symmetric(N),), {"UPLO": "U"}),
    ("eigvalsh", lambda: (symmetric(N),), {}),
    ("cholesky", lambda: (spd(N),), {}),
    ("cholesky", lambda: (spd(N),), {"upper": True}),
    ("qr", lambda: (rand(5, 3),), {}),
    ("qr", lambda: (rand(5, 3),), {"mode": "r"}),
    ("lstsq", lambda: (rand(6, 3), rand(6)), {}),
    ("pinv", lambda: (rand(3, 5),), {}),
    ("matrix_power", lambda: (general(N), -3), {}),
    ("multi_dot", lambda: ([rand(3, 4), rand(4, 5), rand(5, 2)],), {}),
    ("norm", lambda: (rand(4, 3),), {"ord": "nuc"}),
    ("norm", lambda: (rand(4, 3),), {"ord": 3, "axis": 0}),
]


@pytest.mark.parametrize(("name", "make", "kwargs"), PLAIN, ids=[f"{p[0]}-{p[2]}" for p in PLAIN])
def test_plain_arrays_give_numpys_results(name: str, make: Any, kwargs: dict[str, Any]) -> None:
    args = make()
    got = getattr(hd.linalg, name)(*args, **kwargs)
    expected = getattr(np.linalg, name)(*args, **kwargs)
    got_items = got if isinstance(got, tuple) else (got,)
    expected_items = expected if isinstance(expected, tuple) else (expected,)
    assert len(got_items) == len(expected_items)
    for g, e in zip(got_items, expected_items, strict=True):
        assert isinstance(g, (np.ndarray, np.generic, int))
        np.testing.assert_array_equal(g, e)


def test_plain_expm_matches_scipy_and_mpmath() -> None:
    for scale in (0.1, 1.0, 16.0):
        a = scale * rand(N, N)
        got = hd.linalg.expm(a)
        assert isinstance(got, np.ndarray) and got.dtype == np.float64
        with mp.workdps(40):
            exact = np.array(mp.expm(mp.matrix(a.tolist())).tolist(), dtype=np.float64)
        assert_close(got, exact, 1e-13, "expm vs mpmath")
        if scale <= 1.0:  # scipy's own error grows to ~1e-12 at large norms
            assert_close(got, scipy.linalg.expm(a), 1e-13, "expm vs scipy")


def test_hyperdiff_linalg_functions_are_the_dispatch_targets() -> None:
    a, da, b = general(N), rand(N, N), rand(N)
    x = hd.dual(a, da)
    for name in ("inv", "det", "cholesky", "eigvalsh"):
        operand = hd.dual(spd(N), sym(da)) if name in ("cholesky", "eigvalsh") else x
        ours, theirs = getattr(hd.linalg, name)(operand), getattr(np.linalg, name)(operand)
        np.testing.assert_array_equal(ours.value, theirs.value)
        np.testing.assert_array_equal(ours.d, theirs.d)
    ours, theirs = hd.linalg.solve(x, b), np.linalg.solve(x, b)
    np.testing.assert_array_equal(ours.d, theirs.d)
    assert hd.linalg.LinAlgError is np.linalg.LinAlgError


@pytest.mark.parametrize(
    "call",
    [
        lambda x, y: np.linalg.solve(x, y),
        lambda x, y: np.linalg.solve(y, x),
        lambda x, y: np.linalg.lstsq(x, y),
        lambda x, y: np.linalg.multi_dot([x, y, x]),
    ],
    ids=["solve", "solve-swapped", "lstsq", "multi_dot"],
)
def test_mixing_dual_with_hyperdual_raises(call: Callable[[Any, Any], Any]) -> None:
    a = general(N)
    with pytest.raises(TypeError, match="Dual and HyperDual"):
        call(hd.dual(a, 1.0), hd.hyperdual(a, 1.0, 1.0))


def test_qr_complete_mode_is_refused() -> None:
    with pytest.raises(TypeError, match="complete"):
        np.linalg.qr(hd.dual(rand(5, 3), 1.0), mode="complete")


@pytest.mark.parametrize(
    "call",
    [np.linalg.inv, lambda x: np.linalg.solve(x, np.ones(2))],
    ids=["inv", "solve"],
)  # det is differentiable there: tests/test_linalg_rank.py
@pytest.mark.parametrize("kind", ["dual", "hyperdual"])
def test_singular_value_matrix_raises_linalg_error(call: Any, kind: str) -> None:
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    x = hd.dual(singular, np.eye(2)) if kind == "dual" else hd.hyperdual(singular, 1.0, 1.0)
    with pytest.raises(np.linalg.LinAlgError):
        call(x)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_expm_hessian_and_nested_against_mpmath(dtype: type) -> None:
    """The block-triangular parts of expm (first order; second order from both orders of
    the two perturbations) on a symmetric Hessian kind, a stack of matrices and a nested
    transform: the mixed and pure second partials of sum(W * expm(x A + y B + x y C))
    (large enough to need squarings) against mpmath's expm differentiated by mp.diff."""
    rng = np.random.default_rng(7)
    mats = [rng.normal(size=(N, N)) for _ in range(4)]
    if dtype is np.complex128:
        mats = [m + 1j * rng.normal(size=(N, N)) for m in mats]
    a, b, c, w = (2.0 * m for m in mats)
    point = np.array([0.7, -0.4])

    def f(v: Any) -> Any:
        return np.sum(w * hd.linalg.expm(v[0] * a + v[1] * b + v[0] * v[1] * c)).real

    def f_mp(x: Any, y: Any) -> Any:
        m = mp.matrix((x * a + y * b + x * y * c).tolist())
        e = mp.expm(m)
        return mp.re(sum(w[i, j] * e[i, j] for i in range(N) for j in range(N)))

    with mp.workdps(40):
        d = {
            n: float(mp.diff(f_mp, tuple(point), n))
            for n in ((1, 0), (0, 1), (2, 0), (1, 1), (0, 2))
        }
    want = np.array([[d[2, 0], d[1, 1]], [d[1, 1], d[0, 2]]])
    grad_want = [d[1, 0], d[0, 1]]
    assert_close(hd.hessian(f)(point), want, 1e-12, "expm hessian")
    assert_close(hd.jacobian(hd.grad(f))(point), want, 1e-12, "expm nested")
    assert_close(hd.grad(f)(point), np.array(grad_want), 1e-12, "expm grad")
    # a stack of three matrices, each its own exponential
    stack = np.stack([a, b, c]) / 4
    got = hd.linalg.expm(hd.dual(stack, np.stack([b, c, a]) / 4))
    for k in range(3):
        single = hd.linalg.expm(hd.dual(stack[k], [b, c, a][k] / 4))
        assert_close(got.value[k], single.value, 1e-14, "expm stack value")
        assert_close(got.d[k], single.d, 1e-13, "expm stack part")
