"""numpy's searching, counting, sorting and set functions on dual arrays, and its
histograms.

Most only look at the values: searchsorted, digitize, count_nonzero, argwhere,
flatnonzero, lexsort, isin, all, any and the *_indices_from helpers return numpy's plain
result on `x.value` (indices and booleans have no derivative). The unique and set
functions return values chosen from their inputs: each value carries the parts of its
first occurrence, as np.unique does (intersect1d: in ar1 when it is a dual array, else
in ar2); sort_complex carries the parts of the values it sorts. bincount, histogram,
histogram2d and histogramdd sum weights per bin: linear in the weights, so dual weights
give dual counts (the bins fixed by the values); the bin edges, when numpy spreads them
between the data's min and max, move with those two elements.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._arrays import DualArray
from ._functions import _planes, _value_of, common_kind, implements
from ._shapes import _with_value


def _values(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return type(x)(_value_of(k) for k in x)
    return _value_of(x)


# --- value-only ---------------------------------------------------------------------------
@implements(np.searchsorted)
def _searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None) -> Any:
    # (side: the caller's string, which numpy checks)
    return np.searchsorted(_value_of(a), _value_of(v), side, _value_of(sorter))  # type: ignore[call-overload]


@implements(np.digitize)
def _digitize(x: Any, bins: Any, right: bool = False) -> Any:
    return np.digitize(_value_of(x), _value_of(bins), right)


@implements(np.count_nonzero)
def _count_nonzero(a: Any, axis: Any = None, *, keepdims: bool = False) -> Any:
    return np.count_nonzero(_value_of(a), axis=axis, keepdims=keepdims)


@implements(np.argwhere)
def _argwhere(a: Any) -> Any:
    return np.argwhere(_value_of(a))


@implements(np.flatnonzero)
def _flatnonzero(a: Any) -> Any:
    return np.flatnonzero(_value_of(a))


@implements(np.lexsort)
def _lexsort(keys: Any, axis: int = -1) -> Any:
    return np.lexsort(_values(keys), axis)


@implements(np.isin)
def _isin(
    element: Any,
    test_elements: Any,
    assume_unique: bool = False,
    invert: bool = False,
    *,
    kind: Any = None,
) -> Any:
    return np.isin(_value_of(element), _value_of(test_elements), assume_unique, invert, kind=kind)


# --- unique values and sets ------------------------------------------------------------------
def _unique_keys(x: np.ndarray) -> np.ndarray:
    """Rows of unsigned keys, equal exactly where numpy's unique takes the values as
    equal: -0.0 as 0.0, and every nan as one (complex: whichever component is nan)."""
    nan = np.isnan(x)
    components = (x.real, x.imag) if x.dtype.kind == "c" else (x,)
    columns = [np.where(nan, np.array(np.nan, c.dtype), c + c.dtype.type(0)) for c in components]
    return np.stack([c.view(np.dtype(f"u{c.dtype.itemsize}")) for c in columns], axis=-1)


def _first_occurrences(values: np.ndarray, sources: Sequence[Any]) -> Any:
    """values (each found among the sources) as a dual array whose parts are those of
    its first occurrence in the sources, flattened and joined in order (numpy's several
    nans without equal_nan: the m-th nan of values that of the m-th nan element)."""
    cls = common_kind("a set function", *sources)
    planes = [_planes(s, cls).reshape(cls._planes, -1) for s in sources]
    joined = np.concatenate(planes, axis=1)
    dtype = np.result_type(values.dtype, joined.dtype)
    n = joined.shape[1]
    keys = np.concatenate([_unique_keys(x.astype(dtype)) for x in (joined[0], values)])
    ids = np.unique(keys, axis=0, return_inverse=True)[1].reshape(-1)
    source_ids, value_ids = ids[:n], ids[n:]
    order = np.argsort(source_ids, kind="stable")  # each value's elements in order
    first = np.searchsorted(source_ids[order], value_ids)
    # the rank of each of values among its equal ones (0 but for numpy's several nans)
    ranked = np.argsort(value_ids, kind="stable")
    rank = np.empty_like(ranked)
    rank[ranked] = np.arange(len(ranked)) - np.searchsorted(value_ids[ranked], value_ids[ranked])
    count = np.bincount(source_ids, minlength=int(ids.max(initial=0)) + 1)[value_ids]
    position = order[first + np.minimum(rank, count - 1)]
    parts = joined[1:, position].astype(values.dtype, copy=False)
    return cls._wrap(_with_value(values, parts))


@implements(np.unique_values)
def _unique_values(x: Any) -> Any:
    return _first_occurrences(np.unique_values(x._stack[0]), [x])


def _unique_result(function: Any, x: Any) -> Any:
    found = function(x._stack[0])
    return found._replace(values=_first_occurrences(found.values, [x]))


@implements(np.unique_counts)
def _unique_counts(x: Any) -> Any:
    return _unique_result(np.unique_counts, x)


@implements(np.unique_inverse)
def _unique_inverse(x: Any) -> Any:
    return _unique_result(np.unique_inverse, x)


@implements(np.unique_all)
def _unique_all(x: Any) -> Any:
    return _unique_result(np.unique_all, x)


@implements(np.union1d)
def _union1d(ar1: Any, ar2: Any) -> Any:
    common_kind("union1d", ar1, ar2)
    return _first_occurrences(np.union1d(_value_of(ar1), _value_of(ar2)), [ar1, ar2])


@implements(np.intersect1d)
def _intersect1d(
    ar1: Any, ar2: Any, assume_unique: bool = False, return_indices: bool = False
) -> Any:
    common_kind("intersect1d", ar1, ar2)
    # (return_indices: the caller's bool, which numpy's stubs want as a literal)
    found = np.intersect1d(_value_of(ar1), _value_of(ar2), assume_unique, return_indices)  # type: ignore[call-overload]
    values = found[0] if return_indices else found
    source = ar1 if isinstance(ar1, DualArray) else ar2
    result = _first_occurrences(values, [source])
    return (result, *found[1:]) if return_indices else result


@implements(np.setdiff1d)
def _setdiff1d(ar1: Any, ar2: Any, assume_unique: bool = False) -> Any:
    # ar1's values not in ar2: ar1's parts (none when ar1 is plain)
    common_kind("setdiff1d", ar1, ar2)
    values = np.setdiff1d(_value_of(ar1), _value_of(ar2), assume_unique)
    if not isinstance(ar1, DualArray):
        return values
    return _first_occurrences(values, [ar1])


@implements(np.setxor1d)
def _setxor1d(ar1: Any, ar2: Any, assume_unique: bool = False) -> Any:
    common_kind("setxor1d", ar1, ar2)
    values = np.setxor1d(_value_of(ar1), _value_of(ar2), assume_unique)
    return _first_occurrences(values, [ar1, ar2])


# --- counts per bin ----------------------------------------------------------------------------
def _bin_sums(index: np.ndarray, weights: DualArray, length: int) -> np.ndarray:
    """Sums of the weights' planes per bin, all planes in one np.bincount (plane p's
    bins offset by p * length), in numpy's order of summation and its float64."""
    planes = weights._stack.reshape(weights._planes, -1)
    offsets = (np.arange(weights._planes) * length)[:, None]
    bins, size = (index + offsets).ravel(), length * len(planes)
    if planes.dtype.kind != "c":
        return np.bincount(bins, planes.ravel(), size).reshape(weights._planes, length)
    # complex weights (numpy's histogram takes them): the real and imaginary parts' sums
    sums = np.empty(size, dtype=np.complex128)
    sums.real = np.bincount(bins, planes.real.ravel(), size)
    sums.imag = np.bincount(bins, planes.imag.ravel(), size)
    return sums.reshape(weights._planes, length)


@implements(np.bincount)
def _bincount(x: Any, /, weights: Any = None, minlength: int = 0) -> Any:
    # the weights' sums per bin: linear in the weights
    if isinstance(x, DualArray):
        raise TypeError("numpy.bincount counts integers: x cannot be a dual array")
    value = np.bincount(x, _value_of(weights), minlength)  # numpy's checks and values
    if not isinstance(weights, DualArray):
        return value
    sums = _bin_sums(np.ravel(x).astype(np.intp), weights, len(value))
    return weights._wrap(_with_value(value, sums[1:]))


def _moving_edges(cls: type[DualArray], column: Any, edges: np.ndarray) -> Any:
    """numpy's edges spread between the min and max of a dual data column (constant
    data: v -+ 0.5), moving with those two elements."""
    low, high = np.min(column), np.max(column)
    if low._stack[0] == high._stack[0]:
        low, high = low - 0.5, high + 0.5
    spread: Any = np.linspace(low, high, len(edges))  # (dual ends: a dual array)
    return cls._wrap(_with_value(edges, spread._stack[1:]))


def _binned(
    cls: type[DualArray],
    values: list[np.ndarray],
    edges: Sequence[np.ndarray],
    weights: Any,
    counts: np.ndarray,
    density: Any,
    edges_out: Sequence[Any],
) -> Any:
    """numpy's counts with the parts of the weights summed per bin (numpy's bins on the
    values, the last one closed, out of range and nan dropped); density= divides by the
    bin volumes (dual when their edges move) and the total."""
    n = values[0].size
    index, inside = np.zeros(n, dtype=np.intp), np.ones(n, dtype=bool)
    for v, e in zip(values, edges, strict=True):
        flat = v.ravel()
        k = np.searchsorted(e, flat, side="right")
        k[flat == e[-1]] -= 1
        inside &= (k >= 1) & (k <= len(e) - 1)
        index = index * (len(e) - 1) + np.clip(k - 1, 0, len(e) - 2)
    if not isinstance(weights, DualArray):
        weights = cls._wrap(_planes(np.ones(n) if weights is None else weights, cls))
    w = weights.reshape(-1)[inside]
    sums: Any = w._wrap(_bin_sums(index[inside], w, counts.size).reshape(-1, *counts.shape))
    if density:
        total = np.sum(sums)
        for i, e in enumerate(edges_out):
            shape = [1] * counts.ndim
            shape[i] = counts.shape[i]
            sums = sums / np.reshape(np.diff(e), shape)
        sums = sums / total
    return cls._wrap(_with_value(counts, sums._stack[1:]))


@implements(np.histogram)
def _histogram(
    a: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None
) -> Any:
    if isinstance(bins, DualArray) or isinstance(range, DualArray):
        raise TypeError("hyperdiff's numpy.histogram takes bins and range as plain values")
    cls = common_kind("histogram", a, weights)
    values = np.asarray(_value_of(a))
    counts, edges = np.histogram(values, bins, range, density, _value_of(weights))
    # the edges: constants, or spread between min(a) and max(a) (numpy's rule when
    # neither explicit edges nor a range are given)
    edges_out: Any = edges
    if isinstance(a, DualArray) and np.ndim(bins) == 0 and range is None and a.size:
        edges_out = _moving_edges(cls, a, edges)
    if not isinstance(weights, DualArray) and not (density and isinstance(edges_out, DualArray)):
        return counts, edges_out
    return _binned(cls, [values], [edges], weights, counts, density, [edges_out]), edges_out


@implements(np.histogram_bin_edges)
def _histogram_bin_edges(a: Any, bins: Any = 10, range: Any = None, weights: Any = None) -> Any:
    # numpy's edges; spread between min(a) and max(a) they move with those two elements
    return _histogram(a, bins, range, None, weights)[1]


# --- truth values and index helpers: of the values ------------------------------------------
@implements(np.all)
def _all(a: Any, axis: Any = None, out: Any = None, keepdims: Any = np._NoValue, **kw: Any) -> Any:
    return np.all(_value_of(a), axis=axis, out=out, keepdims=keepdims, **kw)


@implements(np.any)
def _any(a: Any, axis: Any = None, out: Any = None, keepdims: Any = np._NoValue, **kw: Any) -> Any:
    return np.any(_value_of(a), axis=axis, out=out, keepdims=keepdims, **kw)


@implements(np.diag_indices_from)
def _diag_indices_from(arr: Any) -> Any:
    return np.diag_indices_from(_value_of(arr))


@implements(np.tril_indices_from)
def _tril_indices_from(arr: Any, k: int = 0) -> Any:
    return np.tril_indices_from(_value_of(arr), k)


@implements(np.triu_indices_from)
def _triu_indices_from(arr: Any, k: int = 0) -> Any:
    return np.triu_indices_from(_value_of(arr), k)


@implements(np.sort_complex)
def _sort_complex(a: Any) -> Any:
    # sorted by the values (real part, then imaginary), the parts following; complex128
    # for real input, as numpy's
    result = np.sort(a)
    return result if result.dtype.kind == "c" else result.astype(np.complex128)


def _columns(sample: Any) -> list[Any]:
    """histogramdd's sample as its D coordinate arrays (an (N, D) array or D arrays)."""
    if isinstance(sample, (list, tuple)):
        return list(sample)
    if np.ndim(sample) == 1:
        return [sample]
    return [sample[:, i] for i in range(np.shape(sample)[1])]


@implements(np.histogramdd)
def _histogramdd(
    sample: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None
) -> Any:
    # numpy's counts and edges; dual weights sum per bin (linear in them), the bins fixed
    # by the values; an axis's edges spread between the data's min and max (an int bin
    # count and no range) move with those two elements
    columns = _columns(sample)
    if any(isinstance(b, DualArray) for b in (bins if isinstance(bins, list) else [bins])):
        raise TypeError("hyperdiff's numpy.histogramdd takes bins as plain values")
    cls = common_kind("histogramdd", *columns, weights)
    values = [np.asarray(_value_of(c)) for c in columns]
    counts, edges = np.histogramdd(values, bins, range, density, _value_of(weights))
    d = len(columns)
    counts_per_axis = [bins] * d if np.ndim(bins) == 0 else list(bins)
    edges_out: list[Any] = list(edges)
    for i, column in enumerate(columns):
        spread = np.ndim(counts_per_axis[i]) == 0 and (range is None or range[i] is None)
        if isinstance(column, DualArray) and spread and column.size:
            edges_out[i] = _moving_edges(cls, column, edges[i])
    if not isinstance(weights, DualArray) and not (
        density and any(isinstance(e, DualArray) for e in edges_out)
    ):
        return counts, edges_out
    return _binned(cls, values, edges, weights, counts, density, edges_out), edges_out


@implements(np.histogram2d)
def _histogram2d(
    x: Any, y: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None
) -> Any:
    # numpy's steps: histogramdd of the pair
    if len(x) != len(y):
        raise ValueError("x and y must have the same length.")
    try:
        n = len(bins)
    except TypeError:
        n = 1
    if n not in {1, 2}:
        bins = [np.asarray(bins), np.asarray(bins)]
    counts, edges = _histogramdd([x, y], bins, range, density, weights)
    return counts, edges[0], edges[1]
