"""numpy functions that build or rearrange arrays, on dual arrays: ediff1d, unwrap,
logspace, vander, diagflat, meshgrid, block, resize, trim_zeros, matrix_transpose,
unstack, cumulative_sum and cumulative_prod, astype, and the applier apply_over_axes.

Most move or copy elements, or are linear: numpy's function of every plane at once
(the plane axis kept out of their axes), or one gather of element numbers. The rest are
composed from the exact ufuncs (logspace: base**t; vander: running products) with
numpy's values put in the value plane. unwrap adds multiples of the period chosen by
the values: a piecewise constant correction, so its parts are the input's.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from ._arrays import DualArray
from ._functions import (
    _concatenate,
    _cumprod,
    _cumsum,
    _float_dtype,
    _kind_out,
    _planes,
    _store,
    _value_of,
    common_kind,
    implements,
)
from ._shapes import _gather, _numbers, _with_value
from ._ufuncs import component_dtype


def _dual(x: Any, cls: type[DualArray], dtype: Any = None) -> DualArray:
    if isinstance(x, DualArray):
        return x
    return cls._wrap(_planes(x, cls, None if dtype is None else np.dtype(dtype)))


@implements(np.ediff1d)
def _ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    # linear: differences of the flattened array, the given ends joined as they are
    cls = common_kind("ediff1d", ary, to_end, to_begin)
    dtype = ary.dtype if isinstance(ary, DualArray) else component_dtype(ary)
    data = _planes(ary, cls).reshape(cls._planes, -1)
    value = np.ediff1d(data[0], _value_of(to_end), _value_of(to_begin))  # numpy's checks
    pieces = [np.diff(data, axis=1)]
    if to_begin is not None:
        pieces.insert(0, _planes(to_begin, cls).reshape(cls._planes, -1))
    if to_end is not None:
        pieces.append(_planes(to_end, cls).reshape(cls._planes, -1))
    parts = np.concatenate([p[1:] for p in pieces], axis=1).astype(dtype, copy=False)
    return cls._wrap(_with_value(value, parts))


@implements(np.unwrap)
def _unwrap(p: Any, discont: Any = None, axis: int = -1, *, period: Any = 2 * np.pi) -> Any:
    # p plus multiples of the period picked by the values: the parts are p's
    for name, x in (("discont", discont), ("period", period)):
        if isinstance(x, DualArray):
            raise TypeError(f"hyperdiff's numpy.unwrap takes {name} as a plain number")
    value = np.unwrap(p._stack[0], discont, axis, period=period)
    return p._wrap(_with_value(value, p._stack[1:]))


@implements(np.logspace)
def _logspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    base: Any = 10.0,
    dtype: Any = None,
    axis: int = 0,
) -> Any:
    # base ** linspace(start, stop): exact in start, stop and base
    cls = common_kind("logspace", start, stop, base)
    _float_dtype(dtype, "logspace")
    value = np.logspace(
        _value_of(start), _value_of(stop), num, endpoint, _value_of(base), dtype, axis
    )
    exponents = np.linspace(_dual(start, cls), stop, num, endpoint, axis=axis)
    b = base
    if np.ndim(base):  # numpy: base broadcasts against the grid without its new axis
        b = np.expand_dims(base, axis)
    with np.errstate(all="ignore"):
        result = np.power(b, exponents)
    return cls._wrap(_with_value(value, result._stack[1:]))


@implements(np.vander)
def _vander(x: Any, N: Any = None, increasing: bool = False) -> Any:
    # columns x^0, x^1, ...: running products of x (exact at x = 0), numpy's values
    value = np.vander(x._stack[0], N, increasing)  # numpy's checks
    n = value.shape[1]
    if n == 0:
        return x._wrap(np.zeros((x._planes, *value.shape), dtype=value.dtype))
    ones = np.zeros((x._planes, x.shape[0], 1), dtype=x.dtype)
    ones[0] = 1
    factors = np.concatenate([ones, np.repeat(x._stack[..., None], n - 1, axis=2)], axis=2)
    powers = _cumprod(x._wrap(factors), axis=1)
    parts = powers._stack[1:] if increasing else powers._stack[1:, :, ::-1]
    return x._wrap(_with_value(value, parts))


@implements(np.diagflat)
def _diagflat(v: Any, k: int = 0) -> Any:
    # the flattened array on the k-th diagonal: every plane alike
    value = np.diagflat(v._stack[0], k)
    flat = v._stack.reshape(v._planes, -1)
    n = flat.shape[1]
    rows = np.arange(n) + max(-k, 0)
    cols = np.arange(n) + max(k, 0)
    parts = np.zeros((v._planes - 1, *value.shape), dtype=value.dtype)
    parts[:, rows, cols] = flat[1:]
    return v._wrap(_with_value(value, parts))


@implements(np.meshgrid)
def _meshgrid(*xi: Any, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> Any:
    # numpy's steps: each input reshaped along its own axis, then broadcast
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    ndim = len(xi)
    grids = []
    for i, x in enumerate(xi):
        shape = [1] * ndim
        shape[i] = -1
        # (arrays as they are: dual arrays, sparsity detection's tracers, ndarrays)
        x = np.asanyarray(x) if isinstance(x, (list, tuple, int, float, complex)) else x
        grids.append(np.reshape(x, shape))
    if indexing == "xy" and ndim > 1:
        grids[0] = np.reshape(grids[0], (1, -1, *(1,) * (ndim - 2)))
        grids[1] = np.reshape(grids[1], (-1, 1, *(1,) * (ndim - 2)))
    if not sparse:
        grids = list(np.broadcast_arrays(*grids))
    if copy:
        grids = [g.copy() for g in grids]
    return tuple(grids)


def _block_depth(arrays: Any) -> int:
    return 1 + _block_depth(arrays[0]) if isinstance(arrays, list) and arrays else 0


def _block_values(arrays: Any) -> Any:
    if isinstance(arrays, list):
        return [_block_values(a) for a in arrays]
    return _value_of(arrays)


def _leaves(arrays: Any) -> list[Any]:
    if isinstance(arrays, list):
        return [leaf for a in arrays for leaf in _leaves(a)]
    return [arrays]


@implements(np.block)
def _block(arrays: Any) -> Any:
    # numpy's value (and its checks of the nesting); the parts: the innermost lists
    # joined along the last axis, the next ones along the one before, ...
    value = np.block(_block_values(arrays))
    cls = common_kind("block", *_leaves(arrays))
    depth = _block_depth(arrays)
    ndim = value.ndim

    def join(nested: Any, level: int) -> Any:
        if not isinstance(nested, list):
            x = nested if isinstance(nested, DualArray) else np.asarray(nested)
            while np.ndim(x) < ndim:  # leading axes, as numpy's atleast_nd
                x = x[None]
            return _dual(x, cls)
        return _concatenate([join(a, level + 1) for a in nested], axis=level - depth)

    result = join(arrays, 0)
    return cls._wrap(_with_value(value, result._stack[1:]))


@implements(np.resize)
def _resize(a: Any, new_shape: Any) -> Any:
    # the flattened array repeated to the new size: a gather
    value = np.resize(a._stack[0], new_shape)
    index = np.resize(_numbers(a.shape), new_shape)
    return a._wrap(_with_value(value, _gather([a._stack[1:]], index, value.dtype)))


@implements(np.trim_zeros)
def _trim_zeros(filt: Any, trim: str = "fb", axis: Any = None) -> Any:
    # the slice numpy keeps, found from the values
    value = filt._stack[0]
    trim = trim.lower()
    if trim not in {"fb", "bf", "f", "b"}:
        raise ValueError(f"unexpected character(s) in `trim`: {trim!r}")
    axes = tuple(range(value.ndim)) if axis is None else normalize_axis_tuple(axis, value.ndim)
    if not axes:
        return filt
    nonzero = np.argwhere(value)
    if nonzero.size == 0:  # all zero: an empty slice on the axes
        start = stop = np.zeros(value.ndim, dtype=np.intp)
    else:
        start, stop = nonzero.min(axis=0), nonzero.max(axis=0) + 1
    index = tuple(
        slice(
            start[ax] if "f" in trim or nonzero.size == 0 else None,
            stop[ax] if "b" in trim or nonzero.size == 0 else None,
        )
        if ax in axes
        else slice(None)
        for ax in range(value.ndim)
    )
    kept = filt[index]
    if kept.size < filt.size and _in_poly1d() and np.any(filt._stack[1:]):
        # (np.poly1d strips leading zero coefficients: one that moves is a term whose
        # derivative the polynomial would lose; trim_zeros itself trims by the values)
        dropped = np.ones(value.shape, dtype=bool)
        dropped[index] = False
        if np.any(filt._stack[1:, dropped] != 0):
            raise TypeError(
                "hyperdiff cannot differentiate numpy.poly1d here: a leading coefficient is "
                "0 but its derivative parts are not, and numpy strips it as zero"
            )
    return kept


def _in_poly1d() -> bool:
    """Whether np.poly1d's constructor is calling (through numpy's dispatch)."""
    frame = sys._getframe(1)
    for _ in range(8):
        frame = frame.f_back  # type: ignore[assignment]
        if frame is None:
            return False
        if frame.f_code is np.poly1d.__init__.__code__:
            return True
    return False


@implements(np.matrix_transpose)
def _matrix_transpose(x: Any) -> Any:
    if x.ndim < 2:
        raise ValueError("Input array must be at least 2-dimensional")
    return x._wrap(np.swapaxes(x._stack, -1, -2))


@implements(np.unstack)
def _unstack(x: Any, *, axis: int = 0) -> Any:
    if x.ndim == 0:
        raise ValueError("Input array must be at least 1-d.")
    ax = normalize_axis_index(axis, x.ndim) + 1
    moved = np.moveaxis(x._stack, ax, 1)
    if x.ndim == 1:  # numpy's elements of a vector are scalars, copies (x[i]'s rule)
        return tuple(x._wrap(moved[:, i].copy()) for i in range(moved.shape[1]))
    return tuple(x._wrap(moved[:, i]) for i in range(moved.shape[1]))


def _cumulative(
    name: str, scan: Any, identity: float, x: Any, axis: Any, dtype: Any, out: Any, initial: bool
) -> Any:
    cls = _kind_out(name, out, x)
    data = _planes(x, cls)
    if axis is None:
        if data.ndim > 2:
            raise ValueError(
                "For arrays which have more than one dimension ``axis`` argument is required."
            )
        axis = 0
    if data.ndim == 1:
        raise ValueError(f"numpy.{name} of a 0-d array")
    ax = normalize_axis_index(axis, data.ndim - 1)
    result = scan(cls._wrap(data), ax, dtype)
    if initial:  # the identity, a constant, first
        shape = list(result._stack.shape)
        shape[ax + 1] = 1
        first = np.zeros(shape, dtype=result.dtype)
        first[0] = identity
        result = cls._wrap(np.concatenate([first, result._stack], axis=ax + 1))
    return _store(result, out)


def _cumulative_function(name: str, scan: Any, identity: float) -> Any:
    def cumulative(
        x: Any,
        /,
        *,
        axis: Any = None,
        dtype: Any = None,
        out: Any = None,
        include_initial: bool = False,
    ) -> Any:
        return _cumulative(name, scan, identity, x, axis, dtype, out, include_initial)

    return cumulative


if hasattr(np, "cumulative_sum"):  # numpy >= 2.1
    implements(np.cumulative_sum)(_cumulative_function("cumulative_sum", _cumsum, 0.0))
    implements(np.cumulative_prod)(_cumulative_function("cumulative_prod", _cumprod, 1.0))


@implements(np.apply_over_axes)
def _apply_over_axes(func: Any, a: Any, axes: Any) -> Any:
    # numpy's loop: func(val, axis) over the axes, a dropped axis expanded back
    value = a
    n = np.ndim(a)
    for axis in (axes,) if np.ndim(axes) == 0 else axes:
        axis = axis + n if axis < 0 else axis
        result = func(value, axis)
        if np.ndim(result) != np.ndim(value):
            result = np.expand_dims(result, axis)
            if np.ndim(result) != np.ndim(value):
                raise ValueError("function is not returning an array of the correct shape")
        value = result
    return value


@implements(np.astype)
def _astype(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Any:
    # every plane cast alike (float64, float32, complex128, complex64 only)
    if device not in (None, "cpu"):
        raise TypeError("hyperdiff does not support the argument device= of numpy.astype")
    if not copy and x.dtype == np.dtype(dtype):
        return x
    return x.astype(dtype)
