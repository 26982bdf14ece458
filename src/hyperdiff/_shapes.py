"""Shape and selection functions of numpy on dual arrays: triangles, splits, flips and
rotations, pad, append/insert/delete, rollaxis, partition.

Each one moves, copies or zeroes elements, so it is the same function of every plane:
numpy's own function on `_stack` with the array's axes shifted past the plane axis. Where
numpy's argument conventions would not survive the extra axis (insert's and pad's
broadcasting of values, delete's index forms), the function is run once on an array of
element numbers, which tells where every element of the result comes from; every plane
is then one gather. Selections by value (partition) pick by the value plane and carry the
parts of the element picked.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index
from numpy.lib.stride_tricks import sliding_window_view

from . import _core
from ._arrays import DualArray
from ._functions import (
    Planes,
    _concatenate,
    _indices,
    _planes,
    _unsupported,
    _value_of,
    common_kind,
    implements,
)
from ._ufuncs import component_dtype


def _numbers(shape: tuple[int, ...], start: int = 0) -> np.ndarray:
    """Element numbers start, start+1, ... of an array of this shape (C order)."""
    return np.arange(start, start + int(np.prod(shape, dtype=np.int64)), dtype=np.intp).reshape(
        shape
    )


def _gather(sources: list[Planes], index: np.ndarray, dtype: np.dtype) -> Planes:
    """Planes whose element at i is element index[i] of the sources' planes, flattened
    and joined in order."""
    flat = np.concatenate([s.reshape(s.shape[0], -1) for s in sources], axis=1, dtype=dtype)
    return flat[:, index]


def _with_value(value: Any, parts: Planes) -> Planes:
    """One array of planes: numpy's value and the parts (in the value's dtype)."""
    value = np.asarray(value)
    data = np.empty((1 + parts.shape[0], *value.shape), dtype=value.dtype)
    data[0] = value
    data[1:] = parts
    return data


def _kind_dtype(name: str, a: Any, *others: Any) -> tuple[type[DualArray], np.dtype]:
    cls = common_kind(name, a, *others)
    return cls, a.dtype if isinstance(a, DualArray) else component_dtype(a)


# --- triangles ------------------------------------------------------------------------
def _triangle(func: Callable[..., Any]) -> Callable[..., Any]:
    def triangle(m: Any, k: int = 0) -> Any:
        data = m._stack
        if m.ndim == 0:
            func(data[0], k)  # numpy's error
        if m.ndim == 1:  # numpy: a 1-d array is the row of an n x n matrix
            data = np.broadcast_to(data[:, None, :], (m._planes, m.shape[0], m.shape[0]))
        return m._wrap(func(data, k))

    return triangle


implements(np.tril)(_triangle(np.tril))
implements(np.triu)(_triangle(np.triu))


# --- splits ---------------------------------------------------------------------------
def _splitter(func: Callable[..., Any], axis_of: Callable[[int], int] | None) -> Callable[..., Any]:
    """split, array_split (axis given) and hsplit, vsplit, dsplit (axis from ndim)."""

    def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
        ios = _indices(indices_or_sections) if np.ndim(indices_or_sections) else indices_or_sections
        if axis_of is None:
            func(ary._stack[0], ios, axis)  # numpy's checks (views: cheap)
        else:
            func(ary._stack[0], ios)
            axis = axis_of(ary.ndim)
        ax = normalize_axis_index(axis, ary.ndim) + 1
        return [ary._wrap(p) for p in np.array_split(ary._stack, ios, axis=ax)]

    return split


implements(np.split)(_splitter(np.split, None))
implements(np.array_split)(_splitter(np.array_split, None))
implements(np.hsplit)(_splitter(np.hsplit, lambda ndim: 1 if ndim > 1 else 0))
implements(np.vsplit)(_splitter(np.vsplit, lambda ndim: 0))
implements(np.dsplit)(_splitter(np.dsplit, lambda ndim: 2))


# --- sliding windows -------------------------------------------------------------------------
@implements(sliding_window_view)
def _sliding_window_view(
    x: Any, window_shape: Any, axis: Any = None, *, subok: bool = False, writeable: bool = False
) -> Any:
    # numpy's view of the windows of every plane (read-only unless writeable, as numpy's)
    value = sliding_window_view(x._stack[0], window_shape, axis, writeable=writeable)  # checks
    if axis is None:
        axes: Any = range(x.ndim)
    else:
        axes = axis if np.iterable(axis) else (axis,)
    shifted = tuple(normalize_axis_index(a, x.ndim) + 1 for a in axes)
    data = sliding_window_view(x._stack, window_shape, shifted, writeable=writeable)
    assert data.shape[1:] == value.shape
    return x._wrap(data)


# --- flips and rotations ----------------------------------------------------------------
@implements(np.flipud)
def _flipud(m: Any) -> Any:
    np.flipud(m._stack[0])  # numpy's check (a view)
    return m._wrap(np.flip(m._stack, 1))


@implements(np.fliplr)
def _fliplr(m: Any) -> Any:
    np.fliplr(m._stack[0])
    return m._wrap(np.flip(m._stack, 2))


@implements(np.rot90)
def _rot90(m: Any, k: int = 1, axes: Any = (0, 1)) -> Any:
    np.rot90(m._stack[0], k, axes)  # numpy's checks (a view)
    shifted = tuple(normalize_axis_index(a, m.ndim) + 1 for a in axes)
    return m._wrap(np.rot90(m._stack, k, shifted))  # type: ignore[arg-type]  # (two: checked)


@implements(np.rollaxis)
def _rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    np.rollaxis(a._stack[0], axis, start)  # numpy's checks (a view)
    n = a.ndim
    axis = normalize_axis_index(axis, n)
    if start < 0:
        start += n
    if axis < start:  # numpy's rule: the axis lands just before `start`
        start -= 1
    order = [i for i in range(n) if i != axis]
    order.insert(start, axis)
    return a._wrap(np.transpose(a._stack, (0, *(i + 1 for i in order))))


# --- pad ------------------------------------------------------------------------------------
# modes that copy elements (their index runs through np.pad itself), and modes that
# are linear in the array (numpy's np.pad of the part planes, with the plane axis
# unpadded: reflect/symmetric with reflect_type='odd' are 2 edge - mirror image)
_PAD_SELECT = ("constant", "edge", "reflect", "symmetric", "wrap", "empty")
_PAD_LINEAR = ("mean", "linear_ramp")


def _pad_pairs(pad_width: Any, ndim: int) -> list[tuple[int, int]]:
    """(before, after) for every axis, as numpy reads pad_width (already checked)."""
    if isinstance(pad_width, dict):
        pairs = [(0, 0)] * ndim
        for axis, width in pad_width.items():
            pairs[axis] = (width, width) if np.ndim(width) == 0 else tuple(width)
        return pairs
    widths = np.broadcast_to(np.round(np.asarray(pad_width)).astype(np.intp), (ndim, 2))
    return [(int(b), int(a)) for b, a in widths]


def _joined_duals(x: Any) -> Any:
    """Nested lists or tuples holding dual arrays (pad's end_values pairs) as one dual
    array, their numbers broadcast and stacked; anything else as it is."""
    if not isinstance(x, list | tuple):
        return x
    items = [_joined_duals(y) for y in x]
    if not any(isinstance(y, DualArray) for y in items):
        return x
    return np.stack(np.broadcast_arrays(*items))


def _seed_padded(array: DualArray, pad_width: Any, cv: Any, kwargs: dict[str, Any]) -> Any:
    """np.pad(array, pad_width) with zeros around it, of a pending colored seed (a sparse
    Jacobian's, as u.reshape(m, m) keeps it): the margins of every plane zeroed and the
    interior written by the seed itself (_core.planes_into, row by row), where the
    general path computes its planes, pads the value and copies the parts in (a 300 x
    300 seed of 7 planes: 0.54 -> 0.21 ms). None for other constants (the general path)."""
    if set(kwargs) - {"constant_values"} or np.ndim(cv) != 0 or array.ndim == 0:
        return None
    # (0 or +0.0: numpy writes -0.0 as given, and the margins here are +0)
    if not (type(cv) is int or (type(cv) is float and math.copysign(1.0, cv) > 0)) or cv != 0:
        return None
    dtype = array.dtype
    np.pad(np.zeros((1,) * array.ndim, dtype=dtype), pad_width)  # numpy's checks of pad_width
    pairs = _pad_pairs(pad_width, array.ndim)
    shape = tuple(b + s + a for (b, a), s in zip(pairs, array.shape, strict=True))
    out = np.empty((array._planes, *shape), dtype=dtype)
    for axis, (before, after) in enumerate(pairs):  # the margins, each axis's two
        ahead = (slice(None),) * (axis + 1)
        out[(*ahead, slice(0, before))] = 0
        out[(*ahead, slice(shape[axis] - after, None))] = 0
    inside = tuple(slice(b, b + s) for (b, _), s in zip(pairs, array.shape, strict=True))
    if not _core.planes_into(array, out[(slice(None), *inside)]):
        return None
    return type(array)._wrap(out)


@implements(np.pad)
def _pad(array: Any, pad_width: Any, mode: Any = "constant", **kwargs: Any) -> Any:
    if callable(mode) or mode not in (*_PAD_SELECT, *_PAD_LINEAR):
        name = getattr(mode, "__name__", mode)
        raise TypeError(
            f"hyperdiff does not support numpy.pad with mode={name!r} (it picks by value "
            "or calls a function): use a selecting or linear mode"
        )
    if "end_values" in kwargs:  # (pairs of dual numbers: one dual array of them)
        kwargs = {**kwargs, "end_values": _joined_duals(kwargs["end_values"])}
    cv = kwargs.get("constant_values", 0)
    cls = common_kind("pad", array, cv, kwargs.get("end_values", 0))
    if mode == "constant" and type(array) is cls and _core.pending_seed(array):
        padded = _seed_padded(array, pad_width, cv, kwargs)
        if padded is not None:
            return padded
    data = _planes(array, cls)
    plain = {k: _value_of(v) for k, v in kwargs.items()}
    value = np.pad(data[0], pad_width, mode, **plain)  # numpy's checks, its values
    if mode in _PAD_LINEAR or kwargs.get("reflect_type", "even") == "odd":
        if mode == "linear_ramp":
            ends = kwargs.get("end_values", 0)
            if isinstance(ends, DualArray):  # linear in them too: each plane's end values
                planes = _planes(ends, cls)[1:]
                ramps = [
                    np.pad(d, pad_width, mode, end_values=e)
                    for d, e in zip(data[1:], planes, strict=True)
                ]
                return cls._wrap(_with_value(value, np.stack(ramps)))
            kwargs = {**kwargs, "end_values": 0}  # constants: zero parts
        if kwargs.get("stat_length") is not None:  # per axis: the plane axis's too
            stat = _pad_pairs(kwargs["stat_length"], array.ndim)
            kwargs = {**kwargs, "stat_length": [(1, 1), *stat]}
        pairs = [(0, 0), *_pad_pairs(pad_width, array.ndim)]
        return cls._wrap(_with_value(value, np.pad(data[1:], pairs, mode, **kwargs)))
    if mode == "constant" and not isinstance(cv, DualArray) and np.asarray(cv).dtype != object:
        # plain constants have zero parts: the parts are zeros around the array's own,
        # written once into the result (a 300 x 300 DualVec(5): 1.29 -> 0.2 ms as
        # numpy's pad of the planes, then its copy into the result: 0.33 -> 0.22)
        out = np.empty((data.shape[0], *value.shape), dtype=value.dtype)
        out[0] = value
        out[1:] = 0
        inside = [
            slice(b, b + s)
            for (b, _), s in zip(_pad_pairs(pad_width, array.ndim), array.shape, strict=True)
        ]
        out[(slice(1, None), *inside)] = data[1:]
        return cls._wrap(out)
    numbers = _numbers(array.shape)
    if mode in ("constant", "empty"):  # constants numbered -1, -2, ... (numpy pairs them)
        cv = 0 if mode == "empty" else cv
        constants = _planes(cv, cls)
        marks = -1 - _numbers(constants.shape[1:])
        index = np.pad(numbers, pad_width, "constant", constant_values=marks)
        index = np.where(index < 0, array.size - 1 - index, index)
        parts = _gather([data[1:], constants[1:]], index, value.dtype)
    else:
        parts = _gather([data[1:]], np.pad(numbers, pad_width, mode, **kwargs), value.dtype)
    return cls._wrap(_with_value(value, parts))


# --- append, insert, delete -----------------------------------------------------------------
def _flat(x: Any) -> Any:
    return x.reshape(-1) if isinstance(x, DualArray) else np.ravel(x)


@implements(np.append)
def _append(arr: Any, values: Any, axis: Any = None) -> Any:
    if axis is None:
        return _concatenate([_flat(arr), _flat(values)], 0)
    return _concatenate([arr, values], axis)


@implements(np.insert)
def _insert(arr: Any, obj: Any, values: Any, axis: Any = None) -> Any:
    cls, dtype = _kind_dtype("insert", arr, values)
    obj = _indices(obj) if not isinstance(obj, slice) else obj
    vdata = _planes(values, cls)
    if vdata.dtype.kind == "c" and dtype.kind != "c":
        raise TypeError(
            "numpy.insert casts the values to the array's dtype: complex values into a real "
            "dual array would drop their imaginary parts"
        )
    data = _planes(arr, cls, dtype)
    value = np.insert(data[0], obj, vdata[0], axis)  # numpy's checks and casts
    index = np.insert(_numbers(data.shape[1:]), obj, _numbers(vdata.shape[1:], arr.size), axis)
    return cls._wrap(_with_value(value, _gather([data[1:], vdata[1:]], index, value.dtype)))


@implements(np.delete)
def _delete(arr: Any, obj: Any, axis: Any = None) -> Any:
    obj = _indices(obj) if not isinstance(obj, slice) else obj
    index = np.delete(_numbers(arr.shape), obj, axis)
    return arr._wrap(_gather([arr._stack], index, arr.dtype))


# --- partition --------------------------------------------------------------------------------
@implements(np.partition)
def _partition(
    a: Any, kth: Any, axis: Any = -1, kind: str = "introselect", order: Any = None
) -> Any:
    if order is not None:
        raise _unsupported("partition", "order")
    data = a._stack
    if axis is None:
        data, axis = data.reshape(a._planes, -1), 0
    ax = normalize_axis_index(axis, data.ndim - 1)
    kth = _indices(kth)
    # numpy's partition of the values; the parts of an element of that value at each
    # position (np.argpartition is another algorithm: with nan among the values its
    # arrangement differs from np.partition's away from kth, its parts another element's)
    # (kind: the caller's string, which numpy checks)
    value = np.partition(data[0], kth, axis=ax, kind=kind)  # type: ignore[call-overload]
    index = _arrangement(data[0], value, ax)
    result = np.take_along_axis(data, index[None], axis=ax + 1)
    result[0] = value
    return a._wrap(result)


def _value_keys(x: np.ndarray) -> list[np.ndarray]:
    """Sort keys equal exactly where the values are (np.lexsort's order: the last key
    first), nan equal to nan and 0.0 to -0.0: numpy's SIMD partition keeps neither's bits."""
    if x.dtype.kind == "c":
        return [*_value_keys(x.imag), *_value_keys(x.real)]
    canonical = np.where(np.isnan(x), np.array(np.nan, dtype=x.dtype), x + x.dtype.type(0))
    return [canonical.view(np.dtype(f"u{x.dtype.itemsize}"))]


def _arrangement(values: np.ndarray, arranged: np.ndarray, axis: int) -> np.ndarray:
    """The index along axis of an element of values equal to each of arranged, an
    arrangement of each slice's values (numpy's partition): equal values matched in the
    order of their positions."""
    source = np.lexsort(_value_keys(values), axis=axis)
    target = np.lexsort(_value_keys(arranged), axis=axis)
    index = np.empty_like(source)
    np.put_along_axis(index, target, source, axis=axis)
    return index


@implements(np.argpartition)
def _argpartition(
    a: Any, kth: Any, axis: Any = -1, kind: str = "introselect", order: Any = None
) -> Any:
    # (kind: the caller's string, which numpy checks)
    return np.argpartition(_value_of(a), kth, axis=axis, kind=kind, order=order)  # type: ignore[arg-type]
