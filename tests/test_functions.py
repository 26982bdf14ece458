"""numpy functions on dual arrays (the __array_function__ registry) and the ndarray
methods built on them. References are independent of the implementation: numpy's
own function applied to each plane for the linear and structural functions, closed
forms computed with plain float loops for the nonlinear ones."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

SHAPE = (3, 4, 2)
MASK = np.random.default_rng(1).random(SHAPE) < 0.5
MASK_ROW = np.array([True, False, True, True])
KINDS = ("dual", "hyperdual")
DTYPES = (np.float64, np.float32)


def make(kind: str, shape: tuple[int, ...], dtype: Any = np.float64, seed: int = 0) -> Any:
    """A dual array with random value and parts (all distinct, so mix-ups show)."""
    rng = np.random.default_rng(seed)
    planes = 2 if kind == "dual" else 4
    data = [rng.normal(size=shape).astype(dtype) for _ in range(planes)]
    return (hd.dual if kind == "dual" else hd.hyperdual)(*data, dtype=dtype)


def planes_of(x: Any) -> list[np.ndarray]:
    return list(x._stack)


# --- linear and structural functions: numpy's function on every plane ------------------
# Each case is f(a, b) for two arrays of SHAPE, evaluated on dual arrays and on each
# plane as plain arrays; the dual result's planes must be numpy's, bit for bit.
LINEAR: dict[str, Callable[[Any, Any], Any]] = {
    "sum": lambda a, b: np.sum(a),
    "sum-axis0": lambda a, b: np.sum(a, axis=0),
    "sum-neg-keepdims": lambda a, b: np.sum(a, axis=-1, keepdims=True),
    "sum-axes": lambda a, b: np.sum(a, axis=(0, 2)),
    "sum-where": lambda a, b: np.sum(a, axis=1, where=MASK),
    "sum-where-row": lambda a, b: np.sum(a[:, :, 0], axis=1, where=MASK_ROW),
    "sum-dtype32": lambda a, b: np.sum(a, axis=0, dtype=np.float32),
    "mean": lambda a, b: np.mean(a),
    "mean-axes": lambda a, b: np.mean(a, axis=(-1, 0), keepdims=True),
    "mean-where": lambda a, b: np.mean(a, axis=0, where=MASK),
    "mean-dtype64": lambda a, b: np.mean(a, axis=1, dtype=np.float64),
    "cumsum": lambda a, b: np.cumsum(a),
    "cumsum-axis": lambda a, b: np.cumsum(a, axis=-2),
    "nansum": lambda a, b: np.nansum(a, axis=2),
    "trace": lambda a, b: np.trace(a),
    "trace-axes": lambda a, b: np.trace(a, offset=1, axis1=-1, axis2=1),
    "diagonal": lambda a, b: np.diagonal(a, offset=-1, axis1=0, axis2=2),
    "diag-extract": lambda a, b: np.diag(a[:, :, 0], k=1),
    "diag-build": lambda a, b: np.diag(a[0, :, 1], k=-1),
    "reshape": lambda a, b: np.reshape(a, (4, -1)),
    "reshape-F": lambda a, b: np.reshape(a, (2, 12), order="F"),
    # (orders A and K of one axis longer than 1: else refused, test_silent_round12_arrays)
    "reshape-A": lambda a, b: np.reshape(np.transpose(a)[1, :, :1], (2, 2), order="A"),
    "ravel": lambda a, b: np.ravel(a),
    "ravel-F": lambda a, b: np.ravel(a, order="F"),
    "ravel-K": lambda a, b: np.ravel(np.swapaxes(a, 0, 1)[1:2, ::-1, 1:2], order="K"),
    "transpose": lambda a, b: np.transpose(a),
    "transpose-axes": lambda a, b: np.transpose(a, (1, -1, 0)),
    "swapaxes": lambda a, b: np.swapaxes(a, 0, -1),
    "moveaxis": lambda a, b: np.moveaxis(a, [0, 1], [-1, 0]),
    "squeeze": lambda a, b: np.squeeze(a[:, :1, :1]),
    "squeeze-axis": lambda a, b: np.squeeze(a[:, :1], axis=-2),
    "expand_dims": lambda a, b: np.expand_dims(a, (0, -1)),
    "flip": lambda a, b: np.flip(a),
    "flip-axes": lambda a, b: np.flip(a, (0, 2)),
    "roll": lambda a, b: np.roll(a, 5),
    "roll-axes": lambda a, b: np.roll(a, (1, -1), axis=(0, 2)),
    "tile": lambda a, b: np.tile(a, 2),
    "tile-more": lambda a, b: np.tile(a, (2, 1, 1, 3)),
    "repeat": lambda a, b: np.repeat(a, 2),
    "repeat-axis": lambda a, b: np.repeat(a, [1, 0, 2], axis=0),
    "take": lambda a, b: np.take(a, [0, 2, 2], axis=1),
    "take-flat": lambda a, b: np.take(a, [[3, 1], [0, 23]]),
    "take-wrap": lambda a, b: np.take(a, [-5, 7], axis=-2, mode="wrap"),
    "take_along_axis": lambda a, b: np.take_along_axis(
        a, np.argsort(MASK.astype(int), axis=1), axis=1
    ),
    "take_along_axis-None": lambda a, b: np.take_along_axis(a, np.array([5, 0, 5]), axis=None),
    "diff": lambda a, b: np.diff(a),
    "diff-n2-axis": lambda a, b: np.diff(a, n=2, axis=1),
    "diff-prepend-append": lambda a, b: np.diff(a, axis=0, prepend=b[:1], append=b[1:2]),
    "broadcast_to": lambda a, b: np.broadcast_to(a[:, :1], (5, 3, 7, 2)),
    "concatenate": lambda a, b: np.concatenate([a, b, a], axis=1),
    "concatenate-None": lambda a, b: np.concatenate([a, b[0]], axis=None),
    "stack": lambda a, b: np.stack([a, b], axis=-1),
    "hstack": lambda a, b: np.hstack([a, b]),
    "hstack-1d": lambda a, b: np.hstack([a[0, 0], b[1, 1], a[0, 0, 0]]),
    "vstack": lambda a, b: np.vstack([a[0], b[1]]),
    "vstack-1d": lambda a, b: np.vstack([a[0, :, 0], b[1, :, 1]]),
    "dstack": lambda a, b: np.dstack([a[:, :, 0], b[:, :, 1]]),
    "column_stack": lambda a, b: np.column_stack([a[0, :, 0], b[0]]),
    "atleast_3d": lambda a, b: np.atleast_3d(a[0, 0]),
    "where": lambda a, b: np.where(MASK, a, b),
    "where-broadcast": lambda a, b: np.where(MASK_ROW[:, None], a[0], b[1, 0]),
    "select": lambda a, b: np.select([MASK, ~MASK & (MASK_ROW[:, None])], [a, b], default=b[::-1]),
    "copy": lambda a, b: np.copy(a),
    "zeros_like": lambda a, b: np.zeros_like(a),
}


@pytest.mark.parametrize("name", LINEAR)
def test_linear_functions_act_on_every_plane(name: str) -> None:
    f = LINEAR[name]
    # every kind and dtype, contiguous and as non-contiguous views (one test item
    # per function keeps pytest's per-item overhead down)
    for kind, dtype, layout in itertools.product(KINDS, DTYPES, ("C", "strided")):
        if layout == "C":
            a, b = make(kind, SHAPE, dtype, 1), make(kind, SHAPE, dtype, 2)
        else:  # reversed axes and a step
            a = np.transpose(make(kind, (2, 4, 3), dtype, 1))
            b = make(kind, (3, 8, 2), dtype, 2)[:, ::2]
        result = f(a, b)
        case = f"{kind} {np.dtype(dtype)} {layout}"
        assert type(result) is type(a), case
        for p, (pa, pb) in enumerate(zip(planes_of(a), planes_of(b), strict=True)):
            expected = np.asarray(f(pa, pb))
            np.testing.assert_array_equal(result._stack[p], expected, err_msg=f"{case} plane {p}")
            assert (result.shape, result.dtype) == (expected.shape, expected.dtype), case


@pytest.mark.parametrize("kind", KINDS)
def test_plain_operands_are_constants(kind: str) -> None:
    x = make(kind, (2, 3))
    c = np.arange(6.0).reshape(2, 3)
    cases = {
        "concatenate": (np.concatenate([x, c]), np.concatenate([x.value, c])),
        "stack": (np.stack([c, x]), np.stack([c, x.value])),
        "where": (np.where(c > 2, x, 7.0), np.where(c > 2, x.value, 7.0)),
        "select": (np.select([c > 3], [x], default=c), np.select([c > 3], [x.value], c)),
        "diff": (np.diff(x, prepend=1.0), np.diff(x.value, prepend=1.0)),
    }
    for name, (result, value) in cases.items():
        np.testing.assert_array_equal(result.value, value, err_msg=name)
        part_planes = result._stack[1:]
        # every part is the part of x where x was chosen, else zero
        rebuilt = {
            "concatenate": lambda p: np.concatenate([p, 0 * c]),
            "stack": lambda p: np.stack([0 * c, p]),
            "where": lambda p: np.where(c > 2, p, 0.0),
            "select": lambda p: np.select([c > 3], [p], default=0 * c),
            "diff": lambda p: np.diff(p, prepend=0.0),
        }[name]
        for p, plane in enumerate(part_planes, start=1):
            np.testing.assert_array_equal(plane, rebuilt(x._stack[p]), err_msg=name)


def test_dtype_promotion_follows_numpy() -> None:
    x32 = hd.dual(np.ones(3, dtype=np.float32), 1.0)
    assert np.concatenate([x32, np.ones(2, dtype=np.float32)]).dtype == np.float32
    assert np.concatenate([x32, np.ones(2)]).dtype == np.float64
    assert np.concatenate([x32, np.arange(2)]).dtype == np.float64  # as numpy's
    assert np.concatenate([x32, x32], dtype=np.float64).dtype == np.float64
    assert np.where(x32.value > 0, x32, 0.5).dtype == np.float32  # Python scalars are weak
    assert np.clip(x32, 0.5, 2.0).dtype == np.float32
    assert np.sum(x32).dtype == np.float32 and np.prod(x32).dtype == np.float32
    assert np.mean(x32, dtype=np.float64).dtype == np.float64
    assert np.polyval(np.array([1.0, 2.0]), x32).dtype == np.float64  # as numpy's
    assert np.polyval(np.array([1.0, 2.0], dtype=np.float32), x32).dtype == np.float32


def test_kinds_do_not_mix() -> None:
    x, y = hd.dual(np.ones(2), 1.0), hd.hyperdual(np.ones(2), 1.0)
    for f in (
        lambda: np.concatenate([x, y]),
        lambda: np.stack([y, x]),
        lambda: np.where([True, False], x, y),
        lambda: np.clip(x, y, 2.0),
        lambda: np.polyval(x, y),
        lambda: np.select([np.array([True, False])], [x], default=y),
    ):
        with pytest.raises(TypeError, match="cannot combine Dual and HyperDual in numpy"):
            f()


# --- nonlinear functions: closed forms with plain float loops ------------------------------
def closed_form_prod(a: list[float], b: list[float], c: list[float], d: list[float]) -> list[float]:
    """prod of x_i = a_i + b_i e1 + c_i e2 + d_i e1 e2, as (value, e1, e2, e12):
    e1 = sum_i b_i prod_{j!=i} a_j, e12 = sum_i d_i prod_{j!=i} a_j
    + sum_{i!=k} b_i c_k prod_{j!=i,k} a_j."""
    n = len(a)

    def rest(*skip: int) -> float:
        return math.prod(a[j] for j in range(n) if j not in skip)

    e1 = sum(b[i] * rest(i) for i in range(n))
    e2 = sum(c[i] * rest(i) for i in range(n))
    e12 = sum(d[i] * rest(i) for i in range(n))
    e12 += sum(b[i] * c[k] * rest(i, k) for i in range(n) for k in range(n) if i != k)
    return [rest(), e1, e2, e12]


def hyperdual_with_zeros(shape: tuple[int, ...], dtype: Any, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    value = rng.uniform(0.5, 1.5, shape) * rng.choice([-1, 1], shape)
    flat = value.reshape(-1)
    flat[[1, 5]] = 0.0  # zeros in the values: one row with a zero, one with two (n=4)
    flat[[4, 6]] = 0.0
    parts = [rng.normal(size=shape) for _ in range(3)]
    return hd.hyperdual(value, *parts, dtype=dtype)


def reference_along(x: Any, axis: int, f: Callable[..., list[list[float]]]) -> np.ndarray:
    """f on every 1-d slice along axis of the float64 planes, with Python floats;
    f returns one list per plane, which becomes the last axis of the result."""
    planes = np.moveaxis(x._stack.astype(np.float64), axis + 1 if axis >= 0 else axis, -1)
    results = {
        index: np.array(f(*(planes[(p, *index)].tolist() for p in range(x._planes))))
        for index in np.ndindex(planes.shape[1:-1])
    }
    length = next(iter(results.values())).shape[-1]
    out = np.empty((x._planes, *planes.shape[1:-1], length))
    for index, value in results.items():
        out[(slice(None), *index)] = value
    return out


def tolerance(dtype: Any) -> dict[str, float]:
    return {"rtol": 1e-13, "atol": 1e-14} if dtype == np.float64 else {"rtol": 2e-6, "atol": 1e-6}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_prod_is_exact_at_second_order_with_zeros(axis: int, dtype: Any) -> None:
    x = hyperdual_with_zeros((3, 4, 5), dtype, seed=3 + axis)
    result = np.prod(x, axis=axis)
    assert result.dtype == dtype
    ref = reference_along(x, axis, lambda a, b, c, d: [[v] for v in closed_form_prod(a, b, c, d)])
    np.testing.assert_allclose(result._stack, ref[..., 0], **tolerance(dtype))
    # the value agrees with numpy's to a few ulps (another multiplication order)
    np.testing.assert_allclose(
        result.value, np.prod(x.value, axis=axis), rtol=8 * np.finfo(dtype).eps
    )


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 8, 9, 33])
def test_prod_and_cumprod_of_every_length(n: int) -> None:
    x = hyperdual_with_zeros((max(n, 7),), np.float64, seed=n)[:n]
    ref = closed_form_prod(*(p.tolist() for p in x._stack))
    np.testing.assert_allclose(np.prod(x)._stack, ref, rtol=1e-13, atol=1e-14)
    cumulative = np.cumprod(x)
    assert cumulative.shape == (n,)
    for i in range(n) if n < 10 else (0, n // 2, n - 1):  # the closed form is O(n^3)
        prefix = closed_form_prod(*(p[: i + 1].tolist() for p in x._stack))
        np.testing.assert_allclose(cumulative._stack[:, i], prefix, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
def test_cumprod_along_an_axis(kind: str, dtype: Any) -> None:
    x = hyperdual_with_zeros((3, 4, 5), dtype, seed=7)
    if kind == "dual":
        x = hd.dual(x.value, x.e1)

    def prefixes(*rows: list[float]) -> list[list[float]]:
        full = [*rows, *([[0.0] * len(rows[0])] * (4 - len(rows)))]
        out = [closed_form_prod(*(r[: i + 1] for r in full)) for i in range(len(rows[0]))]
        return [[o[p] for o in out] for p in range(len(rows))]

    result = np.cumprod(x, axis=-2)
    expected = reference_along(x, -2, prefixes).swapaxes(-1, -2)
    np.testing.assert_allclose(result._stack, expected, **tolerance(dtype))
    assert result.dtype == dtype
    np.testing.assert_allclose(
        result.value, np.cumprod(x.value, axis=-2), rtol=8 * np.finfo(dtype).eps
    )


def test_prod_arguments() -> None:
    x = hyperdual_with_zeros((2, 4), np.float64, seed=11)
    masked = np.prod(x, axis=1, where=MASK_ROW, initial=3.0, keepdims=True)
    assert masked.shape == (2, 1)
    for row in range(2):
        keep = [i for i in range(4) if MASK_ROW[i]]
        ref = closed_form_prod(*(p[row, keep].tolist() for p in x._stack))
        np.testing.assert_allclose(masked._stack[:, row, 0], [3 * r for r in ref], rtol=1e-13)
    full = np.prod(x, keepdims=True)
    assert full.shape == (1, 1)
    ref = closed_form_prod(*(p.ravel().tolist() for p in x._stack))
    np.testing.assert_allclose(full._stack.ravel(), ref, rtol=1e-13, atol=1e-15)
    assert np.prod(x, dtype=np.float32).dtype == np.float32


def test_polyval_by_horner_with_dual_x_and_coefficients() -> None:
    coefficients = [1.5, -2.0, 0.25, 3.0]  # 1.5 x^3 - 2 x^2 + x/4 + 3
    v = np.array([-1.25, 0.0, 0.5, 2.0])
    x = hd.hyperdual(v, 1.0, 1.0)
    y = np.polyval(coefficients, x)
    np.testing.assert_array_equal(y.value, np.polyval(coefficients, v))  # same arithmetic
    for i, t in enumerate(v.tolist()):
        d1 = 3 * 1.5 * t**2 - 2 * 2.0 * t + 0.25
        d2 = 6 * 1.5 * t - 2 * 2.0
        assert (y.e1[i], y.e2[i], y.e12[i]) == pytest.approx((d1, d1, d2), rel=1e-15, abs=1e-15)
    # coefficients with parts (e2) and x with e1: e12 = d/dx of the e2-polynomial
    c = hd.hyperdual(np.array(coefficients), 0.0, np.array([1.0, 2.0, 3.0, 4.0]))
    y = np.polyval(c, hd.hyperdual(v, 1.0))
    for i, t in enumerate(v.tolist()):
        assert y.e2[i] == pytest.approx(t**3 + 2 * t**2 + 3 * t + 4, rel=1e-15)
        assert y.e12[i] == pytest.approx(3 * t**2 + 4 * t + 3, rel=1e-15)
    # dual coefficients at a plain point: the parts are a polynomial in the parts
    y = np.polyval(hd.dual(np.array(coefficients), np.array([0.0, 1.0, 0.0, 0.0])), 0.5)
    assert isinstance(y, hd.Dual) and y.shape == () and y.d == 0.25


def test_clip_carries_the_parts_of_the_chosen_operand() -> None:
    v = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, np.nan, -0.0])
    x = hd.hyperdual(v, np.arange(1.0, 10.0), 0.5)
    lo = hd.hyperdual(-1.0, 100.0, 0.0)
    result = np.clip(x, lo, 1.0)
    np.testing.assert_array_equal(result.value, np.clip(v, -1.0, 1.0))
    assert np.signbit(np.clip(hd.dual(-0.0, 1.0), 0.0, 1.0).value)  # numpy keeps -0.0
    expected_e1 = []
    for t, e1 in zip(v.tolist(), np.arange(1.0, 10.0).tolist(), strict=True):
        if math.isnan(t):
            expected_e1.append(math.nan)  # a nan value has nan parts
        elif t < -1.0:
            expected_e1.append(100.0)  # the lower bound's part
        elif t > 1.0:
            expected_e1.append(0.0)  # a plain upper bound is a constant
        else:
            expected_e1.append(e1)  # inside, or at a bound (a tie keeps x)
    np.testing.assert_array_equal(result.e1, expected_e1)
    assert x.clip(max=0.0).shape == v.shape
    np.testing.assert_array_equal(x.clip(None, 0.0).value, v.clip(None, 0.0))


def first_extremum(values: list[float], parts: list[float], largest: bool) -> float:
    best = 0
    for i, t in enumerate(values):
        if math.isnan(t):
            return math.nan
        if (t > values[best]) if largest else (t < values[best]):
            best = i
    return parts[best]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("largest", [True, False])
def test_min_max_select_the_first_extreme_element(largest: bool, dtype: Any) -> None:
    v = np.array([[3.0, 1.0, 3.0, -2.0], [-2.0, -2.0, 5.0, 5.0], [0.0, np.nan, 9.0, -9.0]])
    x = hd.hyperdual(v, np.arange(12.0).reshape(3, 4), 1.0, -np.arange(12.0).reshape(3, 4))
    x = x.astype(dtype)
    f = np.max if largest else np.min
    for axis in (1, -1, 0, None):
        result = f(x, axis=axis)
        np.testing.assert_array_equal(result.value, f(x.value, axis=axis))
        planes = x._stack.astype(np.float64)
        if axis is None:
            planes = planes.reshape(4, 1, -1)
        elif axis == 0:
            planes = planes.swapaxes(1, 2)
        for p in (1, 3):
            expected = [
                first_extremum(row, parts, largest)
                for row, parts in zip(planes[0].tolist(), planes[p].tolist(), strict=True)
            ]
            np.testing.assert_array_equal(result._stack[p].ravel(), expected)
    assert (x.max(axis=1, keepdims=True).shape, np.amin(x, axis=0).shape) == ((3, 1), (4,))


def test_min_max_initial_and_where() -> None:
    x = hd.dual(np.array([[1.0, 4.0, 2.0], [0.5, 0.25, 3.0]]), np.array([[1.0, 2, 3], [4, 5, 6]]))
    mask = np.array([True, False, True])
    result = np.max(x, axis=1, initial=2.0, where=mask)
    np.testing.assert_array_equal(result.value, np.max(x.value, axis=1, initial=2.0, where=mask))
    np.testing.assert_array_equal(result.d, [0.0, 6.0])  # a tie with initial: the constant
    result = np.min(x, axis=0, initial=0.3)
    np.testing.assert_array_equal(result.d, [0.0, 5.0, 0.0])
    with pytest.raises(ValueError, match="initial"):
        np.max(x, where=mask)
    with pytest.raises(ValueError):
        np.max(hd.dual(np.ones((0, 2))), axis=0)
    empty = np.max(hd.dual(np.ones((0, 2)), 1.0), axis=0, initial=-1.0)
    np.testing.assert_array_equal(empty._stack, [[-1.0, -1.0], [0.0, 0.0]])


@pytest.mark.parametrize("kind", KINDS)
def test_sort_moves_the_parts_with_their_elements(kind: str) -> None:
    v = np.array([[2.0, -1.0, 2.0, 0.5, -1.0], [4.0, 3.0, 2.0, 1.0, 0.0]])
    parts = [v * 0 + np.arange(5.0) + k for k in (1, 10, 100)]
    x = hd.dual(v, parts[0]) if kind == "dual" else hd.hyperdual(v, *parts)
    result = np.sort(x, axis=1)
    np.testing.assert_array_equal(result.value, np.sort(v, axis=1))
    for row in range(2):
        order = sorted(range(5), key=lambda i: v[row, i])  # stable: ties keep their order
        for p in range(1, x._planes):
            np.testing.assert_array_equal(result._stack[p, row], x._stack[p, row, order])
    np.testing.assert_array_equal(np.argsort(x, axis=0), np.argsort(v, axis=0))
    np.testing.assert_array_equal(x.argsort(), np.argsort(v))
    flat = np.sort(x, axis=None)
    np.testing.assert_array_equal(flat.value, np.sort(v, axis=None))
    y = x.copy()
    y.sort(axis=0)
    np.testing.assert_array_equal(y._stack, np.sort(x, axis=0)._stack)
    nan = np.sort(hd.dual(np.array([np.nan, 1.0, 0.0]), np.array([1.0, 2.0, 3.0])))
    np.testing.assert_array_equal(nan.d, [3.0, 2.0, 1.0])  # nan sorts last, as in numpy


def test_argmin_argmax_by_value() -> None:
    v = np.array([[3.0, 7.0, 7.0], [-1.0, -5.0, -5.0]])
    x = hd.dual(v, -v * 100)  # parts that would order the elements differently
    for f in (np.argmax, np.argmin):
        assert f(x) == f(v)
        np.testing.assert_array_equal(f(x, axis=1), f(v, axis=1))
        np.testing.assert_array_equal(f(x, axis=0, keepdims=True), f(v, axis=0, keepdims=True))
    assert x.argmax() == 1 and x.argmin(axis=1).tolist() == [0, 1]
    np.testing.assert_array_equal(np.where(x > 0), np.nonzero(v > 0))
    np.testing.assert_array_equal(np.where(x)[1], np.nonzero(v)[1])
    np.testing.assert_array_equal(np.where(x, 1.0, 0.0), np.where(v, 1.0, 0.0))  # a constant


def test_nansum_treats_nan_values_as_constant_zeros() -> None:
    v = np.array([1.0, np.nan, 2.0, np.nan])
    x = hd.dual(v, np.array([1.0, 2.0, 4.0, 8.0]))
    assert np.nansum(x).value == np.nansum(v) and np.nansum(x).d == 5.0


def test_sum_of_many_planes_is_exact_to_rounding() -> None:
    """A Hessian's 1-d array (276 planes of 99: summed by one BLAS product): the value
    numpy's sum bit for bit, every part the exact sum (math.fsum) to rounding."""
    from hyperdiff._multivariate import hyperdualvec_type

    cls = hyperdualvec_type(22)
    data = np.random.default_rng(4).uniform(-1, 1, (cls._planes, 99))
    data[5] = 0.0  # an all-zero plane sums to 0
    summed = np.sum(cls._wrap(data))
    assert summed._stack[0] == np.sum(data[0])
    exact = np.array([math.fsum(plane) for plane in data])
    np.testing.assert_allclose(summed._stack, exact, rtol=0, atol=4 * np.spacing(99.0))
    assert summed._stack[5] == 0


def test_mean_where_float32_is_numpys() -> None:
    x = make("hyperdual", (5, 7), np.float32, seed=5)
    mask = np.random.default_rng(2).random((5, 7)) < 0.6
    for axis in (None, 0, 1):
        result = np.mean(x, axis=axis, where=mask)
        np.testing.assert_array_equal(result.value, np.mean(x.value, axis=axis, where=mask))
        np.testing.assert_array_equal(result.e12, np.mean(x.e12, axis=axis, where=mask))


# --- new arrays, shapes ---------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_like_functions_make_constants_of_the_same_kind(kind: str) -> None:
    x = make(kind, (2, 3), np.float32)
    for f, value in ((np.zeros_like, 0.0), (np.ones_like, 1.0)):
        y = f(x)
        assert type(y) is type(x) and y.dtype == np.float32 and y.shape == (2, 3)
        np.testing.assert_array_equal(y.value, value)
        np.testing.assert_array_equal(y._stack[1:], 0.0)
    assert np.empty_like(x, dtype=np.float64, shape=(4,)).shape == (4,)
    assert np.ones_like(x, dtype=np.float64).dtype == np.float64
    full = np.full_like(x, 2.5, shape=(3,))
    np.testing.assert_array_equal(full._stack, [[2.5] * 3] + [[0.0] * 3] * (x._planes - 1))
    filler = make(kind, (), seed=9)
    full = np.full_like(x, filler)
    expected = filler._stack.astype(np.float32)[:, None, None]
    np.testing.assert_array_equal(full._stack, np.broadcast_to(expected, full._stack.shape))
    with pytest.raises(TypeError, match="float64, float32, complex128 or complex64"):
        np.zeros_like(x, dtype=np.int64)


def test_shape_queries_atleast_and_broadcasting() -> None:
    for shape in ((), (3,), (2, 3), (2, 1, 3)):
        x = make("dual", shape)
        v = np.zeros(shape)
        assert np.shape(x) == shape and np.ndim(x) == len(shape) and np.size(x) == v.size
        for f in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
            assert f(x).shape == f(v).shape, (f.__name__, shape)
    x = make("dual", (2, 3))
    assert np.size(x, axis=-1) == 3
    a, b = np.atleast_2d(x, np.ones(2))
    assert isinstance(a, hd.Dual) and isinstance(b, np.ndarray) and b.shape == (1, 2)
    p, q = np.broadcast_arrays(x, np.ones((4, 1, 1)))
    assert (p.shape, q.shape, type(q)) == ((4, 2, 3), (4, 2, 3), np.ndarray)
    np.testing.assert_array_equal(p.d[3], x.d)


def test_zero_dimensional_inputs() -> None:
    x = hd.hyperdual(2.0, 1.0, 1.0, 0.5)
    for f in (np.sum, np.mean, np.prod, np.max, np.min, np.nansum, np.squeeze, np.copy, np.flip):
        r = f(x)
        assert r.shape == () and np.array_equal(r._stack, x._stack), f.__name__
    for f in (np.cumsum, np.cumprod, np.ravel, np.atleast_1d):
        assert f(x).shape == (1,) and np.array_equal(f(x)._stack[:, 0], x._stack), f.__name__
    assert np.argmax(x) == 0 and np.clip(x, 0.0, 1.0).e1 == 0.0
    assert np.polyval([1.0, 0.0, 0.0], x).e12 == 4.0  # x^2: 2 e1 e2 + 2 x e12 = 2 + 2


# --- out=, dtype=, unsupported arguments, unregistered functions ----------------------------
def test_out_argument() -> None:
    x = make("hyperdual", (3, 4))
    out = hd.hyperdual(np.zeros(4))
    assert np.sum(x, axis=0, out=out) is out
    np.testing.assert_array_equal(out._stack, np.sum(x, axis=0)._stack)
    assert np.prod(x, axis=0, out=out) is out
    np.testing.assert_array_equal(out._stack, np.prod(x, axis=0)._stack)
    assert x.max(axis=0, out=out) is out and x.mean(0, out=out) is out
    out2 = hd.hyperdual(np.zeros((3, 4)))
    assert np.cumsum(x, axis=1, out=out2) is out2 and np.clip(x, 0, 1, out=out2) is out2
    np.testing.assert_array_equal(out2._stack, np.clip(x, 0, 1)._stack)
    assert np.concatenate([x[:1], x[1:]], out=out2) is out2
    np.testing.assert_array_equal(out2._stack, x._stack)
    # plain inputs written to a dual out=: constants, zero parts
    assert np.sum(np.ones((3, 4)), axis=0, out=out) is out
    np.testing.assert_array_equal(out._stack, [[3.0] * 4] + [[0.0] * 4] * 3)
    assert np.concatenate([np.ones(1), np.ones(3)], out=out) is out
    for bad in (np.zeros(4), hd.dual(np.zeros(4))):
        with pytest.raises(TypeError, match="would drop the derivative parts"):
            np.sum(x, axis=0, out=bad)
    with pytest.raises(TypeError, match="must be a HyperDual"):
        np.take(x, [0], out=np.zeros(1))
    with pytest.raises(ValueError, match="shape"):
        np.sum(x, axis=1, out=out)


def test_unsupported_arguments_raise_clear_errors() -> None:
    x = make("dual", (3, 4))
    with pytest.raises(TypeError, match=r"complex64 components.*dtype=int64.*numpy\.sum"):
        np.sum(x, dtype=np.int64)
    with pytest.raises(TypeError, match="float64, float32, complex128 or complex64"):
        np.cumprod(x, dtype=np.int32)
    with pytest.raises(TypeError, match=r"argument order= of numpy\.sort"):
        np.sort(x, order="f")
    with pytest.raises(TypeError, match=r"argument where= of numpy\.clip"):
        np.clip(x, 0.0, 1.0, where=x.value > 0)
    with pytest.raises(TypeError, match=r"argument device= of numpy\.zeros_like"):
        np.zeros_like(x, device="gpu")
    with pytest.raises(TypeError, match="indices"):
        np.take(x, hd.dual(np.array([0.0]), 1.0))
    with pytest.raises(TypeError, match="where= must be a boolean array"):
        np.sum(x, where=x)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda x: np.packbits(x), r"numpy\.packbits"),
        (lambda x: np.einsum_path("i,i", x, x), r"numpy\.einsum_path"),
        (lambda x: np.array2string(x), r"numpy\.array2string"),
    ],
)
def test_unregistered_functions_raise_naming_them(call: Callable[[Any], Any], name: str) -> None:
    with pytest.raises(TypeError, match=f"hyperdiff does not support {name}"):
        call(make("dual", (4,)))


# --- the ndarray methods ---------------------------------------------------------------------
def test_methods_are_the_functions() -> None:
    x = make("hyperdual", (3, 4), seed=4)
    pairs = [
        (x.sum(axis=1), np.sum(x, axis=1)),
        (x.mean(0), np.mean(x, 0)),
        (x.prod(axis=-1, keepdims=True), np.prod(x, axis=-1, keepdims=True)),
        (x.cumsum(1), np.cumsum(x, 1)),
        (x.cumprod(), np.cumprod(x)),
        (x.max(), np.max(x)),
        (x.min(axis=0), np.min(x, axis=0)),
        (x.clip(-0.5, 0.5), np.clip(x, -0.5, 0.5)),
        (x[:, :1].squeeze(), np.squeeze(x[:, :1])),
        (x.swapaxes(0, 1), np.swapaxes(x, 0, 1)),
        (x.take([2, 0], axis=1), np.take(x, [2, 0], axis=1)),
        (x.repeat(2, axis=0), np.repeat(x, 2, axis=0)),
        (x.diagonal(1), np.diagonal(x, 1)),
        (x.trace(-1), np.trace(x, -1)),
    ]
    for method, function in pairs:
        np.testing.assert_array_equal(method._stack, function._stack)
    assert x.argmax() == np.argmax(x.value) and x.argmin() == np.argmin(x.value)
    np.testing.assert_array_equal(x.nonzero(), np.nonzero(x.value))


@pytest.mark.parametrize(
    "join", [np.concatenate, np.concat, np.stack, np.vstack, np.hstack, np.dstack, np.block]
)
def test_a_dual_array_as_the_sequence_joins_its_rows(join: Any) -> None:
    """numpy takes an array for the sequence of arrays to join: its rows (a dual array
    once reached np.concatenate's fast path, which asked for its truth value)."""
    values = np.arange(6.0).reshape(2, 3)
    got = join(hd.dual(values, np.full((2, 3), 2.0)))
    want = join(values)
    np.testing.assert_array_equal(got.value, want)
    np.testing.assert_array_equal(got.d, np.full(want.shape, 2.0))
    with pytest.raises(ValueError, match="zero-dimensional arrays cannot be concatenated"):
        np.concatenate(hd.dual(np.arange(3.0), 1.0))
