"""Round thirteen: numpy's functions beyond the elementary table (interp, the order
statistics, ...). Each section is one family of silently wrong derivatives:

- np.nanquantile / np.nanpercentile over several axes (not all) with a q of two or more
  axes: numpy lays its values out with other axes in front than q's (its own
  _nanquantile_ureduce_func); the parts were laid out as q first and reshaped into the
  values' shape, so each value carried another slice's derivative (and the sparsity
  tracer's pattern was another slice's, or broadcasting failed);
- np.interp with repeated last knots (xp[-2] == xp[-1]) at x on them: numpy's value
  fp[-1], parts nan from the segment of length 0 (0 / 0).

References are closed forms run in numpy: a quantile is equivariant (Q(2 x) = 2 Q(x)),
so the parts along the direction 2 x are twice numpy's value in whatever layout numpy
gives it; np.interp is linear in fp (numpy's interp of the unit vectors); numpy's
values perturbed slice by slice give the dependency pattern. No hyperdiff on the
reference side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import hyperdiff as hd

# --- nanquantile / nanpercentile: numpy's layout of the values --------------------------
_RNG = np.random.default_rng(13)
_SAMPLE = _RNG.permutation(60).reshape(3, 4, 5).astype(np.float64)  # distinct values
_WITH_NAN = _SAMPLE.copy()
_WITH_NAN[0, 1, 2] = _WITH_NAN[2, 3, 0] = np.nan

# name -> (function, q as a fraction -> its argument)
_NAN_STATISTICS: dict[str, tuple[Callable[..., Any], Callable[[Any], Any]]] = {
    "nanquantile": (np.nanquantile, lambda q: q),
    "nanpercentile": (np.nanpercentile, lambda q: np.multiply(q, 100)),
    "quantile": (np.quantile, lambda q: q),
    "percentile": (np.percentile, lambda q: np.multiply(q, 100)),
}
_QS = {  # (numpy takes q of at most two axes)
    "0-d": np.asarray(0.3),
    "1-d": np.array([0.2, 0.7]),
    "2-d": np.array([[0.1], [0.5], [0.9]]),
    "2-d wide": np.array([[0.1, 0.4], [0.5, 0.6], [0.9, 1.0]]),
    "2-d row": np.array([[0.25, 0.5, 1.0]]),
}
_AXES = {"(0, 2)": (0, 2), "(2, 0)": (2, 0), "1": 1, "None": None}
_METHODS = ("linear", "nearest")


@pytest.mark.parametrize("axis", list(_AXES))
@pytest.mark.parametrize("q", list(_QS))
@pytest.mark.parametrize("name", list(_NAN_STATISTICS))
def test_quantile_parts_follow_numpys_layout(name: str, q: str, axis: str) -> None:
    function, scaled = _NAN_STATISTICS[name]
    samples = (_SAMPLE, _WITH_NAN) if name.startswith("nan") else (_SAMPLE,)
    for sample in samples:
        for method in _METHODS:
            for keepdims in (False, True):
                kwargs = {"axis": _AXES[axis], "method": method, "keepdims": keepdims}
                value = function(sample, scaled(_QS[q]), **kwargs)
                # Q(x + t 2x) = (1 + 2t) Q(x): the parts are exactly 2 Q(x), numpy's layout
                dual = function(hd.dual(sample, 2 * sample), scaled(_QS[q]), **kwargs)
                np.testing.assert_array_equal(dual.value, value)
                np.testing.assert_array_equal(dual.d, 2 * value)
                hyper = function(
                    hd.hyperdual(sample, 2 * sample, -sample), scaled(_QS[q]), **kwargs
                )
                np.testing.assert_array_equal(hyper.e1, 2 * value)
                np.testing.assert_array_equal(hyper.e2, -value)


def _slice_pattern(function: Callable[..., Any], q: Any, axis: Any) -> np.ndarray:
    """Which outputs depend on which inputs, by numpy alone: shifting a whole kept slice
    by a constant shifts exactly that slice's outputs (and all of them)."""
    base = np.asarray(function(_SAMPLE, q, axis=axis))
    reduced = tuple(range(_SAMPLE.ndim)) if axis is None else np.atleast_1d(axis) % _SAMPLE.ndim
    kept = [i for i in range(_SAMPLE.ndim) if i not in reduced]
    pattern = np.zeros((base.size, _SAMPLE.size), dtype=bool)
    for index in np.ndindex(*(_SAMPLE.shape[i] for i in kept)):
        where = [slice(None)] * _SAMPLE.ndim
        for i, k in zip(kept, index, strict=True):
            where[i] = slice(k, k + 1)
        members = np.zeros(_SAMPLE.shape, dtype=bool)
        members[tuple(where)] = True
        moved = np.asarray(function(_SAMPLE + 1000.0 * members, q, axis=axis))
        pattern[np.ravel(moved != base)[:, None] & members.ravel()[None, :]] = True
    return pattern


@pytest.mark.parametrize("axis", ["(0, 2)", "1"])
@pytest.mark.parametrize("q", ["2-d", "2-d wide", "1-d"])
@pytest.mark.parametrize("name", ["nanquantile", "nanpercentile"])
def test_quantile_sparsity_follows_numpys_layout(name: str, q: str, axis: str) -> None:
    function, scaled = _NAN_STATISTICS[name]
    qs, ax = scaled(_QS[q]), _AXES[axis]

    def f(x: Any) -> Any:
        return function(x, qs, axis=ax)

    pattern = hd.jacobian_sparsity(f)(_SAMPLE).toarray()
    np.testing.assert_array_equal(pattern, _slice_pattern(function, qs, ax))
    jac = hd.jacobian(f, sparsity="auto")(_SAMPLE)
    np.testing.assert_allclose(jac @ (2 * _SAMPLE).ravel(), 2 * f(_SAMPLE).ravel(), rtol=1e-14)


# --- np.interp on repeated last knots ----------------------------------------------------
# knots -> points (on the repeated last knots, and elsewhere)
_KNOT_CASES = {
    "last two": (np.array([0.0, 1.0, 2.5, 2.5]), np.array([2.5, 1.0, 2.0, 0.0, 3.0, -1.0])),
    "last three": (np.array([0.0, 1.0, 1.0, 1.0]), np.array([1.0, 0.5, 0.0])),
    "only two": (np.array([2.0, 2.0]), np.array([2.0, 1.0, 3.0])),
    "interior too": (np.array([0.0, 1.0, 1.0, 2.0, 2.0]), np.array([2.0, 1.0, 1.5, 0.25])),
}
_FP_DTYPES = [np.float64, np.float32, np.complex128]


def _fp_for(xp: np.ndarray, dtype: Any) -> np.ndarray:
    fp = 1.5 + np.arange(len(xp)) ** 2 * 0.75
    return (fp * (1 - 0.5j) if np.dtype(dtype).kind == "c" else fp).astype(dtype)


@pytest.mark.parametrize("dtype", _FP_DTYPES)
@pytest.mark.parametrize("case", list(_KNOT_CASES))
def test_interp_repeated_last_knots_in_fp(case: str, dtype: Any) -> None:
    xp, x = _KNOT_CASES[case]
    fp = _fp_for(xp, dtype)
    value = np.interp(x, xp, fp)
    # linear in fp: the derivative along a direction dp is numpy's interp of dp
    direction = (np.arange(len(xp)) + 1.0).astype(dtype)
    along = np.interp(x, xp, direction)
    with np.errstate(all="raise"):
        dual = np.interp(x, xp, hd.dual(fp, direction))
        hyper = np.interp(x, xp, hd.hyperdual(fp, direction, 2 * direction))
    np.testing.assert_array_equal(dual.value, value)
    np.testing.assert_array_equal(dual.d, along)
    np.testing.assert_array_equal(hyper.e1, along)
    np.testing.assert_array_equal(hyper.e2, 2 * along)
    np.testing.assert_array_equal(hyper.e12, 0 * along)
    if dtype is np.float64:
        basis = np.stack([np.interp(x, xp, e) for e in np.eye(len(xp))], axis=-1)
        np.testing.assert_array_equal(hd.jacobian(lambda p: np.interp(x, xp, p))(fp), basis)


def _slope(x: float, xp: np.ndarray, fp: np.ndarray) -> Any:
    """d/dx interp at x: the segment's slope (the right one at a knot, the left one at
    the last knot), 0 outside and on repeated last knots (the constant beyond)."""
    if x < xp[0] or x > xp[-1] or (x == xp[-1] and xp[-2] == xp[-1]):
        return 0.0 * fp[0]
    j = min(int(np.searchsorted(xp, x, side="right")) - 1, len(xp) - 2)
    return (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])


@pytest.mark.parametrize("dtype", _FP_DTYPES)
@pytest.mark.parametrize("case", list(_KNOT_CASES))
def test_interp_repeated_last_knots_in_x(case: str, dtype: Any) -> None:
    xp, x = _KNOT_CASES[case]
    fp = _fp_for(xp, dtype)
    slopes = np.array([_slope(v, xp, fp) for v in x])
    with np.errstate(all="raise"):
        dual = np.interp(hd.dual(x, 1.0), xp, fp)
        got = hd.derivative(lambda t: np.interp(t, xp, fp))(x)
    np.testing.assert_array_equal(dual.value, np.interp(x, xp, fp))
    np.testing.assert_allclose(dual.d, slopes, rtol=1e-15)
    np.testing.assert_allclose(got, slopes, rtol=1e-15)
    if dtype is np.float64:  # both at once: d/dx d/dfp is the slope's d/dfp
        for v in x:
            hessian = hd.hessian(lambda z, v=v: np.interp(v + z[0], xp, z[1:]))(np.r_[0.0, fp])
            basis = np.array([_slope(v, xp, e) for e in np.eye(len(xp))])
            np.testing.assert_allclose(hessian[0, 1:], basis, rtol=1e-15)
            np.testing.assert_array_equal(hessian[1:, 1:], 0.0)


# --- np.partition: each position's parts are its element's --------------------------------
# numpy's np.partition (SIMD) and np.argpartition arrange the elements differently when
# nan is among the values: the parts came from argpartition's arrangement, so away from
# kth a value carried another element's parts (np.partition(x, k)[:k] ** 2 had wrong
# derivatives). Reference: numpy's partition of the values (which keeps the bits of
# neither nan nor -0.0: equal values, nan equal to nan); the parts seeded as element
# numbers say which element each position carries.
def _with_nan_and_zeros(dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng(31)
    values = rng.integers(-3, 4, shape).astype(np.float64)
    values[rng.random(shape) < 0.25] = np.nan
    values[values == 0] = np.where(rng.random(shape) < 0.5, -0.0, 0.0)[values == 0]
    if np.dtype(dtype).kind == "c":
        imag = rng.integers(-1, 2, shape).astype(np.float64)
        imag[rng.random(shape) < 0.1] = np.nan
        values = values + 1j * imag
    return values.astype(dtype)


def _bits(x: Any) -> np.ndarray:
    x = np.ascontiguousarray(np.atleast_1d(x))
    real = x.real.dtype if x.dtype.kind == "c" else x.dtype
    return x.view(np.dtype(f"u{real.itemsize}"))


_PARTITION_CASES = {  # name -> (shape, kth, axis)
    "1-d": ((24,), 5, -1),
    "1-d kth list": ((24,), [0, 7, 20], 0),
    "2-d axis 0": ((16, 3), 4, 0),
    "2-d axis 1": ((3, 16), [2, 9], 1),
    "axis None": ((4, 6), 11, None),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
@pytest.mark.parametrize("case", list(_PARTITION_CASES))
def test_partition_parts_are_their_elements(case: str, dtype: Any) -> None:
    shape, kth, axis = _PARTITION_CASES[case]
    values = _with_nan_and_zeros(dtype, shape)
    numbers = np.arange(1, values.size + 1).reshape(shape).astype(dtype)  # element i + 1
    expected = np.partition(values, kth, axis=axis)
    hyper = np.partition(hd.hyperdual(values, numbers, -numbers, 2 * numbers), kth, axis=axis)
    np.testing.assert_array_equal(_bits(hyper.value), _bits(expected))
    carried = np.asarray(hyper.e1.real, dtype=np.int64) - 1
    np.testing.assert_array_equal(hyper.e2, -hyper.e1)
    np.testing.assert_array_equal(hyper.e12, 2 * hyper.e1)
    # each position carries one element, each element once, one of the value's value
    np.testing.assert_array_equal(np.sort(carried, axis=None), np.arange(values.size))
    np.testing.assert_array_equal(values.ravel()[carried], expected)


@pytest.mark.parametrize("case", ["1-d", "2-d axis 1"])
def test_partition_gradients_and_local_pattern(case: str) -> None:
    shape, kth, axis = _PARTITION_CASES[case]
    values = _with_nan_and_zeros(np.float64, shape)
    values[np.isnan(values)] = 9.0  # nan-free ties here: the gradient stays finite
    values.ravel()[:3] = np.nan  # and nan only where the squares below do not reach
    ks = np.max(np.atleast_1d(kth))

    def f(x: Any) -> Any:
        return np.sum(np.partition(x, kth, axis=axis)[..., :ks] ** 2, axis=-1)

    # closed form: 2 v e_i for the elements numpy's partition put before the largest kth
    # (of equal values, the m-th at a position the m-th of the row: the convention)
    expected = np.partition(values, kth, axis=axis)
    grad = np.zeros((np.size(f(values)), values.size))
    chosen = np.zeros(grad.shape, dtype=bool)
    for row, line in enumerate(np.reshape(expected, (-1, shape[-1]))):
        for j, v in enumerate(line[:ks]):
            equal = np.flatnonzero(values.reshape(-1, shape[-1])[row] == v)
            element = row * shape[-1] + equal[np.sum(line[:j] == v)]
            grad[row, element] += 2 * v
            chosen[row, element] = True
    jac = np.reshape(hd.jacobian(f)(values), grad.shape)
    np.testing.assert_array_equal(jac, grad)
    pattern = hd.jacobian_sparsity(f, local=True)(values).toarray()
    np.testing.assert_array_equal(pattern, chosen)


# --- np.convolve of a 0-d operand ----------------------------------------------------------
# numpy reads a 0-d operand as one element (ndmin=1); a 0-d dual operand raised an
# IndexError or a broadcasting ValueError from hyperdiff's internals.
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("which", ["a", "v", "both"])
def test_convolve_zero_dimensional_operands(which: str, mode: str) -> None:
    s, t = 0.7, 1.25
    other = np.array([1.0, -2.0, 0.5])
    if which == "both":  # (s + e)(t + e): derivative s + t, second 2
        hyper = np.convolve(hd.hyperdual(s, 1.0, 1.0), hd.hyperdual(t, 1.0, 1.0), mode)
        np.testing.assert_array_equal(hyper.value, np.convolve(s, t, mode))
        np.testing.assert_array_equal(hyper.e1, [s + t])
        np.testing.assert_array_equal(hyper.e12, [2.0])
        return
    a, v = (hd.dual(s, 1.0), other) if which == "a" else (other, hd.dual(s, 1.0))

    def plain(c: float) -> np.ndarray:
        return np.convolve(c, other, mode) if which == "a" else np.convolve(other, c, mode)

    result = np.convolve(a, v, mode)
    np.testing.assert_array_equal(result.value, plain(s))
    np.testing.assert_array_equal(result.d, plain(1.0))  # linear in the 0-d operand


# --- unique and the set functions: each value carries an element of that value -------------
# The parts of each value were found by np.searchsorted in numpy's unique values with
# nan collapsed: a complex nan (1 + nan j, nan + 0j, ...) past the end raised an
# IndexError, and numpy's several nans (unique_values, equal_nan=False) all carried the
# first nan's parts; np.unique's value of a complex nan differed from numpy's (it asked
# numpy with return_index=True, whose nan is another). Reference: numpy's own results on
# the values; the parts, seeded as element numbers, say which element each value carries.
def _set_sample(dtype: Any) -> np.ndarray:
    real = np.array([2.0, 0.0, np.nan, -1.0, -0.0, 2.0, np.nan, 0.0, -1.0, 3.0])
    if np.dtype(dtype).kind != "c":
        return real.astype(dtype)
    imag = np.array([1.0, 0.0, 0.0, np.nan, 0.0, 1.0, np.nan, 0.0, 2.0, np.nan])
    return (real + 1j * imag).astype(dtype)


_SET_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "unique": np.unique,
    "unique no equal_nan": lambda x: np.unique(x, equal_nan=False),
    "unique counts": lambda x: np.unique(x, return_counts=True)[0],
    "unique_values": np.unique_values,
    "unique_counts": lambda x: np.unique_counts(x).values,
    "unique_inverse": lambda x: np.unique_inverse(x).values,
    "unique_all": lambda x: np.unique_all(x).values,
    "union1d": lambda x: np.union1d(x[:6], x[4:]),
    "setxor1d": lambda x: np.setxor1d(x[:4], x[6:]),
    "setdiff1d": lambda x: np.setdiff1d(x, x[3:5]),
    "intersect1d": lambda x: np.intersect1d(x[:6], x[4:]),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
@pytest.mark.parametrize("name", list(_SET_FUNCTIONS))
def test_set_functions_carry_an_element_of_each_value(name: str, dtype: Any) -> None:
    function = _SET_FUNCTIONS[name]
    values = _set_sample(dtype)
    expected = np.asarray(function(values))
    result = function(hd.hyperdual(values, np.arange(1, 11).astype(dtype), 1.0))
    np.testing.assert_array_equal(_bits(result.value), _bits(expected))
    np.testing.assert_array_equal(result.e2, 1.0)
    carried = np.asarray(result.e1.real, dtype=np.int64) - 1
    nan = np.isnan(expected)
    # a number: its first occurrence (x[:6] and x[4:] read as one array, in order)
    sources = np.concatenate([values[:6], values[4:]]) if name == "union1d" else values
    numbers = np.concatenate([np.arange(6), np.arange(4, 10)]) if name == "union1d" else None
    for value, element in zip(expected[~nan], carried[~nan], strict=True):
        first = int(np.flatnonzero(sources == value)[0])
        assert element == (first if numbers is None else numbers[first])
    # a nan: a nan element, a different one for each of numpy's nans
    assert np.all(np.isnan(values[carried[nan]]))
    assert len(set(carried[nan])) == np.count_nonzero(nan)


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
def test_unique_complex_nan_value_is_numpys(dtype: Any) -> None:
    # numpy's unique keeps one nan of several; which one depends on return_index
    both, real = complex(np.nan, np.nan), complex(np.nan, 0.0)
    values = np.array([1 + 1j, both, real, 2 - 1j, both, 1 + 1j])
    values = values.astype(dtype)  # numpy's unique: nan+nanj; with return_index: nan+0j
    for flags in ({}, {"return_counts": True}, {"return_inverse": True}):
        expected = np.unique(values, **flags)
        result = np.unique(hd.dual(values, np.arange(1, 7).astype(dtype)), **flags)
        if flags:
            np.testing.assert_array_equal(result[1], expected[1])
            expected, result = expected[0], result[0]
        np.testing.assert_array_equal(_bits(result.value), _bits(expected))
        assert np.isnan(values[int(result.d[-1].real) - 1])


# --- dtypes of constants beside float32 dual arrays ------------------------------------------
# np.diff's prepend/append and np.average's weights: numpy promotes them with a as arrays
# (a bool or int8 prepend keeps float32; bool or int weights are summed in float32), the
# dual results were float64.
_CONSTANTS = {
    "bool": np.array([True, False, True, True]),
    "int8": np.array([1, 2, 0, 3], dtype=np.int8),
    "int64": np.array([1, 2, 0, 3]),
    "float32": np.array([0.5, 1.5, 2.0, 1.0], dtype=np.float32),
    "float64": np.array([0.5, 1.5, 2.0, 1.0]),
    "python float": 2.5,
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("constant", list(_CONSTANTS))
def test_diff_and_average_take_numpys_dtype(constant: str, dtype: Any) -> None:
    c = _CONSTANTS[constant]
    x = np.array([0.25, -1.0, 3.0, 2.0], dtype=dtype)
    dx = np.array([1.0, 2.0, -1.0, 0.5], dtype=dtype)
    for kw in ({"prepend": c}, {"append": c}, {"prepend": c, "append": c}):
        expected = np.diff(x, **kw)
        result = np.diff(hd.dual(x, dx), **kw)
        assert result.dtype == expected.dtype
        np.testing.assert_array_equal(result.value, expected)
        zeros = {k: np.zeros_like(np.asarray(v, dtype=expected.dtype)) for k, v in kw.items()}
        np.testing.assert_array_equal(result.d, np.diff(dx.astype(expected.dtype), **zeros))
    if np.ndim(c):
        expected = np.average(x, weights=c)
        result = np.average(hd.dual(x, dx), weights=c)
        assert result.dtype == np.asarray(expected).dtype
        np.testing.assert_allclose(result.value, expected, rtol=4 * np.finfo(dtype).eps)
        slope = np.sum(dx * c) / np.sum(c)  # linear in x
        np.testing.assert_allclose(result.d, slope, rtol=4 * np.finfo(dtype).eps)


# --- np.block of nested lists under nested transforms -----------------------------------------
# An outer and an inner transform's arrays meet in their product kind, lifted there by
# the dispatch; only the first level of a list was looked into, so np.block's nested
# lists reached it unlifted and raised (a misleading "writes in place" TypeError).
_WEIGHTS = np.array([[1.0, -2.0, 0.5, 3.0], [0.25, 1.5, -1.0, 2.0]])


def _blocked(a: Any, b: Any) -> Any:
    # rows [a0, a1, b0, b1] and [b2, b3, a2, a3]; f = (sum of weights times them)^2
    return np.sum(_WEIGHTS * np.block([[a[:2], b[:2]], [b[2:], a[2:]]])) ** 2


@pytest.mark.parametrize("outer", ["a", "b"])
def test_block_of_nested_lists_under_nested_transforms(outer: str) -> None:
    a, b = np.array([0.5, -1.0, 2.0, 0.25]), np.array([1.5, 0.75, -0.5, 1.0])
    ca = _WEIGHTS[[0, 0, 1, 1], [0, 1, 2, 3]]  # the weight each a_i meets
    cb = _WEIGHTS[[0, 0, 1, 1], [2, 3, 0, 1]]
    mixed = 2 * np.outer(ca, cb)  # d2 f / da_i db_j
    if outer == "a":
        got = hd.jacobian(lambda u: hd.grad(lambda v: _blocked(u, v))(b))(a).T
    else:
        got = hd.jacobian(lambda v: hd.grad(lambda u: _blocked(u, v))(a))(b)
    np.testing.assert_allclose(got, mixed, rtol=1e-15)

    def deeper(u: Any, v: Any) -> Any:  # three levels: sum(u v), mixed partials the identity
        joined = np.block([[[u, v]]])[0, 0]
        return np.sum(joined[:4] * joined[4:])

    got = hd.jacobian(lambda u: hd.grad(lambda v: deeper(u, v))(b))(a)
    np.testing.assert_array_equal(got, np.eye(4))


# --- masked arrays beside dual arrays in numpy's functions ----------------------------------
# The ufuncs refuse a masked array with masked entries beside a dual array (round 8); the
# numpy functions used its masked entries' data silently: np.kron(m, x) is masked there
# in numpy, the dual result was not; np.dot, np.convolve, np.interp(fp=m), ... summed
# them in. Now a TypeError naming the function; a mask without masked entries (or a
# boolean condition) is read as numpy reads it.
_MASKED_CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "numpy.kron": lambda m, x: np.kron(m, x),
    "numpy.dot": lambda m, x: np.dot(m, x),
    "numpy.outer": lambda m, x: np.outer(x, m),
    "numpy.einsum": lambda m, x: np.einsum("i,i->", m, x),
    "numpy.concatenate": lambda m, x: np.concatenate([x, m]),
    "numpy.stack": lambda m, x: np.stack([m, x]),
    "numpy.convolve": lambda m, x: np.convolve(x, m),
    "numpy.interp": lambda m, x: np.interp(x, [0.0, 1.0, 2.0, 3.0], m),
    "numpy.cross": lambda m, x: np.cross(m[:3], x[:3]),
    "numpy.where": lambda m, x: np.where([True, False, True, False], x, m),
    "numpy.tensordot": lambda m, x: np.tensordot(m, x, 1),
}


@pytest.mark.parametrize("name", list(_MASKED_CALLS))
def test_masked_constants_beside_dual_arrays(name: str) -> None:
    call = _MASKED_CALLS[name]
    x = hd.dual(np.array([0.5, 1.5, 2.5, 0.25]), np.array([1.0, -1.0, 2.0, 0.5]))
    masked = np.ma.array([1.0, 2.0, 3.0, 4.0], mask=[False, True, False, False])
    with pytest.raises(TypeError, match=rf"{name} of a dual array and a masked array"):
        call(masked, x)
    unmasked = np.ma.array([1.0, 2.0, 3.0, 4.0])  # no masked entries: numpy's data
    result, plain = call(unmasked, x), call(unmasked.data, x)
    np.testing.assert_array_equal(result.value, plain.value)
    np.testing.assert_array_equal(result.d, plain.d)


def test_masked_boolean_conditions_are_numpys() -> None:
    x = hd.dual(np.array([0.5, 1.5, 2.5]), 1.0)
    condition = np.ma.array([True, False, True], mask=[False, True, False])
    result = np.where(condition, x, 0.0)
    np.testing.assert_array_equal(result.value, np.where(condition, x.value, 0.0))
    np.testing.assert_array_equal(result.d, [1.0, 0.0, 1.0])


# --- np.pad's linear_ramp with dual end values ------------------------------------------------
# The ramp's end values were taken as constants: a dual end value's parts were dropped
# (d/de sum(np.pad(a, 2, 'linear_ramp', end_values=e)) was 0, not 3). The ramp is linear
# in the array and the end values together: the parts are numpy's pad of the parts.
_RAMPS = {  # name -> (shape, pad_width, end values of e (4 numbers) and k (plain ones' scale))
    "scalar": ((3,), 2, lambda e, k: e[0]),
    "pair": ((3,), (1, 3), lambda e, k: (e[0], e[1])),
    "mixed pair": ((3,), (2, 1), lambda e, k: (1.5 * k, e[2])),
    "per axis": ((2, 3), ((1, 2), (2, 1)), lambda e, k: ((e[0], e[1]), (e[2], e[3]))),
    "per axis mixed": ((2, 3), ((1, 1), (0, 2)), lambda e, k: ((e[0], -0.5 * k), e[2:])),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("case", list(_RAMPS))
def test_pad_linear_ramp_end_values_carry_parts(case: str, dtype: Any) -> None:
    shape, width, ends = _RAMPS[case]
    a = np.arange(1, 1 + np.prod(shape)).reshape(shape).astype(dtype)
    a = a * (1 - 0.5j) if a.dtype.kind == "c" else a
    da = np.full(shape, 0.5, dtype=dtype)
    e, de = (
        np.array([2.0, -1.0, 3.0, 0.5], dtype=dtype),
        np.array([1.0, 2.0, -1.0, 4.0], dtype=dtype),
    )
    hyper = np.pad(
        hd.hyperdual(a, da, 0), width, "linear_ramp", end_values=ends(hd.hyperdual(e, 0, de), 1)
    )
    np.testing.assert_array_equal(
        hyper.value, np.pad(a, width, "linear_ramp", end_values=ends(e, 1))
    )
    zeros = np.zeros(4, dtype=dtype)  # (and the plain end values' parts: zero)
    np.testing.assert_array_equal(
        hyper.e1, np.pad(da, width, "linear_ramp", end_values=ends(zeros, 0))
    )
    np.testing.assert_array_equal(
        hyper.e2, np.pad(0 * da, width, "linear_ramp", end_values=ends(de, 0))
    )
    np.testing.assert_array_equal(hyper.e12, 0)


# --- np.interp with period= ----------------------------------------------------------------
# (was a TypeError) numpy's reduction to one period, on the dual arrays: x and xp modulo
# the period, knots sorted and extended by one at each end. References: numpy's periodic
# interp of the values, of the unit vectors in fp (linear in fp), and its chords across
# x +- 2^-10 (linear between knots: the slope to rounding).
_PERIODIC_X = np.array([-180.0, -171, -185, 185, -11, -5, 0.5, 365, 190.5, 11, 725])  # (no knots)
_PERIODIC_XP = np.array([190.0, -190, 350, -350])


@pytest.mark.parametrize("period", [360, -360.0, 725.5])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_interp_period(dtype: Any, period: float) -> None:
    fp = np.array([5.0, 10.0, 3.0, 4.0]).astype(dtype)
    fp = fp * (1 - 0.5j) if fp.dtype.kind == "c" else fp

    def interp(x: Any, f: Any) -> Any:
        return np.interp(x, _PERIODIC_XP, f, period=period)

    dual = interp(hd.dual(_PERIODIC_X, 1.0), fp)
    np.testing.assert_array_equal(dual.value, interp(_PERIODIC_X, fp))
    h = 2.0**-10
    chords = (interp(_PERIODIC_X + h, fp) - interp(_PERIODIC_X - h, fp)) / (2 * h)
    np.testing.assert_allclose(dual.d, chords, rtol=1e-9)
    in_fp = np.interp(
        _PERIODIC_X, _PERIODIC_XP, hd.dual(fp, np.array([1.0, -2.0, 0.5, 3.0])), period=period
    )
    np.testing.assert_array_equal(in_fp.value, interp(_PERIODIC_X, fp))
    along = interp(_PERIODIC_X, np.array([1.0, -2.0, 0.5, 3.0]))  # (numpy: a slope times x - xp)
    np.testing.assert_allclose(in_fp.d, along, rtol=0, atol=4 * np.finfo(float).eps * 3)


# --- sliding_window_view ----------------------------------------------------------------------
# (was a TypeError) numpy's read-only view of the windows of every plane; writeable=True
# writes through, as numpy's does.
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize(
    ("window", "axis"),
    [(2, 1), ((2, 2), None), ((2, 3), (0, 1)), (2, -1), ((2, 2), (1, 0)), (3, 0)],
)
def test_sliding_window_view_of_every_plane(window: Any, axis: Any, dtype: Any) -> None:
    x = (np.arange(12.0).reshape(3, 4) ** 1.5).astype(dtype)
    hyper = sliding_window_view(hd.hyperdual(x, 2 * x, -x, x * x), window, axis)
    for got, plane in ((hyper.value, x), (hyper.e1, 2 * x), (hyper.e2, -x), (hyper.e12, x * x)):
        np.testing.assert_array_equal(got, sliding_window_view(plane, window, axis))
    with pytest.raises(ValueError, match="read-only"):
        hyper[0] = 1.0
    # a moving sum's Jacobian: ones on the windows' band
    jac = hd.jacobian(lambda v: sliding_window_view(v, 3).sum(axis=-1))(np.arange(6.0))
    np.testing.assert_array_equal(jac, sum(np.eye(4, 6, k) for k in range(3)))
    written = hd.dual(np.arange(5.0), 1.0)
    sliding_window_view(written, 2, writeable=True)[0, 1] = hd.dual(9.0, 7.0)  # x[1], as numpy
    np.testing.assert_array_equal(written.value, [0.0, 9.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(written.d, [1.0, 7.0, 1.0, 1.0, 1.0])


@pytest.mark.parametrize("traced", [False, True])
def test_as_strided_is_refused_not_a_crash(traced: bool) -> None:
    # a float32 dual array's object array has 8-byte items: strides of 4 read half
    # pointers, and the interpreter died (numpy gives no hook to check them)
    from numpy.lib.stride_tricks import as_strided

    x = np.arange(6, dtype=np.float32)

    def f(v: Any) -> Any:
        return as_strided(v, shape=(4, 3), strides=(4, 4)).sum()

    run = hd.jacobian_sparsity if traced else hd.grad
    with pytest.raises(TypeError, match="as_strided"):
        run(f)(x)
    with pytest.raises(TypeError, match="sliding_window_view"):
        as_strided(hd.dual(x, np.float32(1)), shape=(4, 3), strides=(4, 4))
