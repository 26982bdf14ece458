"""Selections, writes, searching and set functions of numpy on dual arrays (issue 14):
compress, choose, extract, put, place, putmask, copyto, fill_diagonal; searchsorted,
digitize, count_nonzero, argwhere, flatnonzero, lexsort, isin; unique_*, the 1-d set
operations; bincount and histogram with dual weights.

These only move, pick or sum elements, so every part plane is the same function of that
part: the reference is numpy's own function applied to each plane on its own (the value
plane bit for bit), for a Dual, a DualVec and a HyperDualVec kind, in float64 and
float32; sums per bin are checked against finite differences of numpy's histogram."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

KINDS = (type(hd.dual(0.0, 0.0)), hd.dualvec_type(3), hd.hyperdualvec_type(2))
DTYPES = (np.float64, np.float32)


def make(cls: Any, values: np.ndarray, dtype: Any, seed: int = 0) -> Any:
    rng = np.random.default_rng(seed)
    data = rng.normal(size=(cls._planes, *values.shape)).astype(dtype)
    data[0] = values
    return cls._wrap(data)


def per_plane(result: Any, reference: Callable[[int], Any]) -> None:
    for p in range(result._planes):
        expected = np.asarray(reference(p))
        assert result._stack[p].shape == expected.shape
        np.testing.assert_array_equal(result._stack[p], expected)
    assert result.dtype == np.asarray(reference(0)).dtype


VALUES = np.array([[3.0, -1.0, 0.0, 2.5], [0.0, 7.0, -2.0, 1.0], [4.0, 0.0, 5.0, -3.0]])

NEW: dict[str, Callable[[Any], Any]] = {
    "compress": lambda a: np.compress([True, False, True, True], a, axis=1),
    "compress-flat": lambda a: np.compress([False, True, True], a),
    "extract": lambda a: np.extract(np.arange(12).reshape(3, 4) % 3 == 0, a),
    "choose": lambda a: np.choose([[0, 2, 1, 0]], [a[0], a[1], a[2]]),
    "choose-wrap": lambda a: np.choose([3, -1, 1, 0], [a[0], a[1], a[2]], mode="wrap"),
}


@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtype", DTYPES)
def test_selections_pick_every_plane_alike(name: str, cls: Any, dtype: Any) -> None:
    x = make(cls, VALUES, dtype)
    per_plane(NEW[name](x), lambda p: NEW[name](x._stack[p]))


def _writer(name: str) -> Callable[[Any, Any], None]:
    return {
        "put": lambda t, v: np.put(t, [0, 5, 5, 11], v),
        "put-clip": lambda t, v: np.put(t, [20, -30], v, mode="clip"),
        "place": lambda t, v: np.place(t, np.arange(12).reshape(3, 4) % 5 == 1, v),
        "putmask": lambda t, v: np.putmask(t, np.arange(12).reshape(3, 4) > 6, v),
        "copyto": lambda t, v: np.copyto(t, v[:4], where=[True, False, False, True]),
        "fill_diagonal": lambda t, v: np.fill_diagonal(t, v[:2], wrap=True),
        "put_along_axis": lambda t, v: np.put_along_axis(
            t, np.array([[1], [3], [0]]), v[:3, None], 1
        ),
    }[name]


@pytest.mark.parametrize(
    "name", ["put", "put-clip", "place", "putmask", "copyto", "fill_diagonal", "put_along_axis"]
)
@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtype", DTYPES)
def test_writes_write_every_plane(name: str, cls: Any, dtype: Any) -> None:
    write = _writer(name)
    target = make(cls, VALUES, dtype, seed=1)
    source = make(cls, np.array([10.0, 20.0, 30.0, 40.0, 50.0]), dtype, seed=2)
    before = target._stack.copy()
    source_before = source._stack.copy()
    assert write(target, source) is None  # in place, as numpy's

    def reference(p: int) -> np.ndarray:
        plane = before[p].copy()
        write(plane, source_before[p])
        return plane

    per_plane(target, reference)
    np.testing.assert_array_equal(source._stack, source_before)  # the source is not touched
    # a plain value written into a dual array: zero parts where written
    plain_target = make(cls, VALUES, dtype, seed=1)
    write(plain_target, np.array([10.0, 20.0, 30.0, 40.0, 50.0], dtype=dtype))
    per_plane(plain_target, lambda p: reference(p) if p == 0 else _zeroed(before[p], write))


def _zeroed(plane: np.ndarray, write: Callable[[Any, Any], None]) -> np.ndarray:
    plane = plane.copy()
    write(plane, np.zeros(5, plane.dtype))
    return plane


def test_writes_into_a_view_reach_the_base() -> None:
    x = hd.dual(np.zeros((3, 3)), np.zeros((3, 3)))
    np.fill_diagonal(x[1:], hd.dual(1.0, 2.0))
    np.testing.assert_array_equal(x.value, [[0, 0, 0], [1, 0, 0], [0, 1, 0]])
    np.testing.assert_array_equal(x.d, [[0, 0, 0], [2, 0, 0], [0, 2, 0]])


def test_writing_dual_values_into_plain_arrays_is_refused() -> None:
    v = hd.dual(np.array([1.0, 2.0]), 1.0)
    for call in (
        lambda t: np.put(t, [0, 1], v),
        lambda t: np.place(t, [True, False, True], v),
        lambda t: np.putmask(t, [True, False, True], v),
        lambda t: np.copyto(t[:2], v),
        lambda t: np.fill_diagonal(t.reshape(1, 3), v),
        lambda t: np.put_along_axis(t, np.array([0, 2]), v, 0),
    ):
        target = np.zeros(3)
        with pytest.raises(TypeError, match="derivative parts"):
            call(target)
        np.testing.assert_array_equal(target, 0.0)  # nothing written
    with pytest.raises(TypeError, match="imaginary"):
        np.put(hd.dual(np.zeros(2), 0.0), [0], hd.dual(1j, 1.0))


def test_copyto_keeps_numpys_casting_rule() -> None:
    x = hd.dual(np.zeros(2, np.float32), 0.0)
    with pytest.raises(TypeError, match="Cannot cast"):
        np.copyto(x, hd.dual(np.ones(2), 1.0), casting="safe")
    np.copyto(x, hd.dual(np.ones(2), 1.0))
    assert x.dtype == np.float32 and np.all(x.d == 1.0)


# --- value-only --------------------------------------------------------------------------------
def test_value_only_functions_are_numpys_on_the_values() -> None:
    values = np.array([0.5, 0.0, -1.5, 2.0, 0.0, 3.5])
    x = hd.dual(values, np.arange(6.0))
    sorted_x = np.sort(x)
    cases: list[tuple[Any, Any]] = [
        (np.searchsorted(sorted_x, x), np.searchsorted(np.sort(values), values)),
        (
            np.searchsorted(sorted_x, 1.0, side="right"),
            np.searchsorted(np.sort(values), 1.0, "right"),
        ),
        (np.digitize(x, [-1.0, 1.0, 3.0], right=True), np.digitize(values, [-1.0, 1.0, 3.0], True)),
        (np.digitize(1.0, sorted_x), np.digitize(1.0, np.sort(values))),
        (np.count_nonzero(x), np.count_nonzero(values)),
        (np.count_nonzero(x.reshape(2, 3), axis=1), np.count_nonzero(values.reshape(2, 3), axis=1)),
        (np.argwhere(x), np.argwhere(values)),
        (np.flatnonzero(x), np.flatnonzero(values)),
        (np.lexsort((x, -x)), np.lexsort((values, -values))),
        (np.isin(x, [0.0, 2.0]), np.isin(values, [0.0, 2.0])),
        (np.isin(2.0, x), np.isin(2.0, values)),
        (np.all(x), np.all(values)),
        (
            np.any(x.reshape(2, 3), axis=0, keepdims=True),
            np.any(values.reshape(2, 3), 0, keepdims=True),
        ),
        (np.tril_indices_from(x.reshape(2, 3), 1), np.tril_indices_from(values.reshape(2, 3), 1)),
        (np.triu_indices_from(x.reshape(3, 2)), np.triu_indices_from(values.reshape(3, 2))),
        (np.diag_indices_from(x[:4].reshape(2, 2)), np.diag_indices_from(values[:4].reshape(2, 2))),
    ]
    for got, expected in cases:
        assert type(got) is type(expected)
        np.testing.assert_array_equal(got, expected)


# --- unique and sets --------------------------------------------------------------------
REPEATS = np.array([3.0, 1.0, 3.0, -2.0, 1.0, 5.0])


def first_parts(values: np.ndarray, source_values: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """The parts of each value's first occurrence in the source (independent reference)."""
    return np.array([parts[..., list(source_values).index(v)] for v in values]).T


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_unique_functions_carry_first_occurrences(cls: Any) -> None:
    x = make(cls, REPEATS, np.float64)
    parts = x._stack[1:]
    for function in (np.unique_all, np.unique_counts, np.unique_inverse):
        got, expected = function(x), function(REPEATS)
        assert type(got) is type(expected)
        np.testing.assert_array_equal(got.values.value, expected.values)
        np.testing.assert_array_equal(
            got.values._stack[1:], first_parts(expected.values, REPEATS, parts)
        )
        for field in expected._fields[1:]:
            np.testing.assert_array_equal(getattr(got, field), getattr(expected, field))
    u = np.unique_values(x)
    np.testing.assert_array_equal(u.value, np.unique_values(REPEATS))
    np.testing.assert_array_equal(u._stack[1:], first_parts(u.value, REPEATS, parts))


def test_set_operations() -> None:
    a = hd.dual(REPEATS, np.arange(6.0))
    other = np.array([5.0, 9.0, 1.0, 1.0])
    b = hd.dual(other, 10 + np.arange(4.0))
    joined = np.concatenate([REPEATS, other])
    joined_parts = np.concatenate([a.d, b.d])
    union = np.union1d(a, b)
    np.testing.assert_array_equal(union.value, np.union1d(REPEATS, other))
    np.testing.assert_array_equal(union.d, first_parts(union.value, joined, joined_parts))
    xor = np.setxor1d(a, b)
    np.testing.assert_array_equal(xor.value, np.setxor1d(REPEATS, other))
    np.testing.assert_array_equal(xor.d, first_parts(xor.value, joined, joined_parts))
    diff = np.setdiff1d(a, other)
    np.testing.assert_array_equal(diff.value, np.setdiff1d(REPEATS, other))
    np.testing.assert_array_equal(diff.d, first_parts(diff.value, REPEATS, a.d))
    assert type(np.setdiff1d(other, a)) is np.ndarray  # none of ar1's values is dual
    common, i1, i2 = np.intersect1d(a, b, return_indices=True)
    expected = np.intersect1d(REPEATS, other, return_indices=True)
    np.testing.assert_array_equal(common.value, expected[0])
    np.testing.assert_array_equal(common.d, a.d[expected[1]])  # ar1's parts
    np.testing.assert_array_equal(i1, expected[1])
    np.testing.assert_array_equal(i2, expected[2])
    from_b = np.intersect1d(REPEATS, b)  # ar1 plain: ar2's parts
    np.testing.assert_array_equal(
        from_b.d, b.d[np.intersect1d(REPEATS, other, return_indices=True)[2]]
    )


# --- counts per bin ---------------------------------------------------------------------
@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtype", DTYPES)
def test_bincount_sums_every_plane(cls: Any, dtype: Any) -> None:
    index = np.array([0, 3, 1, 3, 3, 0])
    w = make(cls, REPEATS, dtype)
    result = np.bincount(index, weights=w, minlength=6)
    for p in range(cls._planes):  # numpy's bincount of every plane (float64 sums, as numpy)
        np.testing.assert_array_equal(
            result._stack[p], np.bincount(index, w._stack[p], 6).astype(result.dtype)
        )
    np.testing.assert_array_equal(np.bincount(index), np.bincount(index))
    with pytest.raises(TypeError, match="bincount"):
        np.bincount(w)


def _fd(f: Callable[[np.ndarray], Any], x: np.ndarray, v: np.ndarray, h: float = 1e-4) -> Any:
    return (np.asarray(f(x + h * v)) - np.asarray(f(x - h * v))) / (2 * h)


DATA = np.array([0.3, 2.2, 1.1, 4.9, 3.3, 0.8, 2.8, 4.1])


@pytest.mark.parametrize(
    "kw", [{}, {"bins": 4, "density": True}, {"bins": [0.0, 1.0, 2.5, 5.0]}, {"range": (1, 4)}]
)
def test_histogram_in_weights_and_data(kw: dict[str, Any]) -> None:
    weights = np.linspace(0.5, 2.0, 8)
    direction = np.cos(np.arange(8.0))
    counts, edges = np.histogram(DATA, weights=hd.dual(weights, direction), **kw)
    expected, expected_edges = np.histogram(DATA, weights=weights, **kw)
    np.testing.assert_array_equal(counts.value, expected)
    np.testing.assert_array_equal(np.asarray(getattr(edges, "value", edges)), expected_edges)
    along = _fd(lambda w: np.histogram(DATA, weights=w, **kw)[0], weights, direction)
    np.testing.assert_allclose(counts.d, along, rtol=1e-9, atol=1e-12)
    # in the data: the counts are piecewise constant (plain), the edges spread between
    # min and max move with them unless given
    plain_counts, moving = np.histogram(hd.dual(DATA, direction), **kw)
    np.testing.assert_array_equal(
        np.asarray(plain_counts.value if kw.get("density") else plain_counts),
        np.histogram(DATA, **kw)[0],
    )
    edge_along = _fd(lambda x: np.histogram(x, **kw)[1], DATA, direction)
    bin_edges = np.histogram_bin_edges(
        hd.dual(DATA, direction), kw.get("bins", 10), kw.get("range")
    )
    np.testing.assert_array_equal(getattr(bin_edges, "value", bin_edges), expected_edges)
    np.testing.assert_allclose(
        getattr(moving, "d", np.zeros_like(edge_along)), edge_along, rtol=1e-9, atol=1e-12
    )


def test_histogram_edges_of_constant_data() -> None:
    # numpy's edges v -+ 0.5 around constant data: they move with min and max (here both
    # the first element, as np.min and np.max pick it)
    data = hd.dual(np.full(3, 2.0), np.array([1.0, 3.0, 5.0]))
    counts, edges = np.histogram(data, 4)
    expected_counts, expected_edges = np.histogram(np.full(3, 2.0), 4)
    np.testing.assert_array_equal(counts, expected_counts)
    np.testing.assert_array_equal(edges.value, expected_edges)
    np.testing.assert_array_equal(edges.d, 1.0)


@pytest.mark.parametrize("dtype", [np.float64, np.complex64])
def test_sort_complex_carries_the_parts_of_the_sorted_values(dtype: Any) -> None:
    values = np.array([2.0, -1.0, 2.0, 0.5], dtype=dtype)
    if np.dtype(dtype).kind == "c":
        values = values + np.array([1j, 0, -1j, 2j], dtype=dtype)
    x = make(hd.dualvec_type(2), values, dtype)
    result = np.sort_complex(x)
    expected = np.sort_complex(values)
    np.testing.assert_array_equal(result.value, expected)
    assert result.dtype == expected.dtype
    order = np.argsort(values, kind="stable")
    np.testing.assert_array_equal(result._stack[1:], x._stack[1:, order])


@pytest.mark.parametrize(
    "kw", [{}, {"bins": (3, 4)}, {"bins": 4, "density": True}, {"range": [(-1, 1), (-2, 2)]}]
)
def test_histogram2d_and_histogramdd_in_weights_and_data(kw: dict[str, Any]) -> None:
    rng = np.random.default_rng(3)
    x, y, w = rng.normal(size=40), rng.normal(size=40), rng.random(40)
    direction = np.cos(np.arange(40.0))
    counts, xedges, yedges = np.histogram2d(x, y, weights=hd.dual(w, direction), **kw)
    expected = np.histogram2d(x, y, weights=w, **kw)
    np.testing.assert_array_equal(counts.value, expected[0])
    np.testing.assert_array_equal(xedges, expected[1])
    np.testing.assert_array_equal(yedges, expected[2])
    along = _fd(lambda v: np.histogram2d(x, y, weights=v, **kw)[0], w, direction)
    np.testing.assert_allclose(counts.d, along, rtol=1e-9, atol=1e-10)
    # the data: counts piecewise constant, spread edges move with min and max
    sample = hd.dual(np.stack([x, y], axis=1), np.stack([direction, -direction], axis=1))
    plain_counts, edges = np.histogramdd(sample, **kw)
    dd = np.histogramdd(np.stack([x, y], axis=1), **kw)
    np.testing.assert_array_equal(getattr(plain_counts, "value", plain_counts), dd[0])
    for i in range(2):
        moved = _fd(
            lambda t, i=i: np.histogramdd(
                np.stack([x, y], axis=1) + t[0] * np.stack([direction, -direction], axis=1), **kw
            )[1][i],
            np.zeros(1),
            np.ones(1),
        )
        np.testing.assert_array_equal(getattr(edges[i], "value", edges[i]), dd[1][i])
        np.testing.assert_allclose(getattr(edges[i], "d", np.zeros_like(moved)), moved, atol=1e-9)
