"""The methods of binary ufuncs on dual arrays: reduce, accumulate, outer, at, reduceat.

- reduce: add, multiply, maximum, minimum are np.sum, np.prod, np.max, np.min; the other
  associative table entries (fmax, fmin, logaddexp, logaddexp2, hypot) reduce by
  pairwise halving with the exact binary kernel, their values numpy's own reduce.
- accumulate: add is np.cumsum, multiply np.cumprod; the other associative entries scan
  in log steps with the kernel (the earlier operand first, so maximum's ties keep the
  earlier element's parts, as numpy's sequential loop does), values numpy's.
- outer(a, b) is the ordinary call on a[..., None, ...] and b, for every binary entry.
- the other entries (subtract, divide, power, arctan2, fmod, ...) reduce and accumulate
  as numpy defines them for a function that is not associative: a fold along the axis
  from the first element (or `initial`), f(f(a0, a1), a2) ..., with the exact binary
  kernel on whole slices, the values numpy's own.
- at: in place, unbuffered (repeated indices apply again): add and subtract on every
  plane at once, every other entry in rounds (the k-th occurrence of every index in
  round k) with the binary kernel, the value numpy's own.
- reduceat: add is numpy's reduceat of every plane (linear); every other entry is the
  ufunc's reduce over each segment (a[i_k:i_(k+1)], or a[i_k] where i_(k+1) <= i_k).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ._arrays import DualArray
from ._functions import (
    _axes,
    _cumprod,
    _cumsum,
    _keepdims_shape,
    _max,
    _min,
    _planes,
    _prefix_product,
    _prod,
    _store,
    _sum,
    _to_last,
    _tree_product,
    common_kind,
)
from ._multivariate import common_product, lift_arguments
from ._ufuncs import (
    BINARY,
    VALUE_ONLY,
    component_dtype,
    register_ufunc_rules,
    ufunc_name,
    unsupported,
)

# associative table entries: reduce and accumulate by a tree or a log-step scan
_ASSOCIATIVE = frozenset(
    (np.maximum, np.minimum, np.fmax, np.fmin, np.logaddexp, np.logaddexp2, np.hypot)
)
_REDUCTIONS = {np.add: _sum, np.multiply: _prod, np.maximum: _max, np.minimum: _min}
_ACCUMULATIONS = {np.add: _cumsum, np.multiply: _cumprod}


def apply_method(
    ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """ufunc.method(*inputs, **kwargs) with a dual array among the inputs or out=."""
    name = f"{ufunc_name(ufunc)}.{method}"
    if ufunc in VALUE_ONLY and method != "at":  # boolean results: of the values
        if any(isinstance(o, DualArray) for o in _outs(kwargs)):
            raise TypeError(f"out= of {name} cannot be a dual array: its result is boolean")
        values = [x._stack[0] if isinstance(x, DualArray) else x for x in inputs]
        return getattr(ufunc, method)(*values, **kwargs)
    if ufunc not in BINARY:
        raise unsupported(name)
    if method != "at":  # an outer and an inner transform's kinds meet in their product
        product = common_product({type(x) for x in inputs if isinstance(x, DualArray)})
        if product is not None:
            inputs = lift_arguments(product, inputs)
    if method == "outer":
        return _outer(ufunc, name, *inputs, **kwargs)
    if method == "at":
        return _at(ufunc, name, *inputs, **kwargs)
    kwargs = dict(kwargs)
    outs = _outs(kwargs)
    if len(outs) > 1:
        raise TypeError(f"{name} has one output")
    kwargs["out"] = outs[0] if outs else None
    if method == "reduce":
        return _reduce(ufunc, name, *inputs, **kwargs)
    if method == "accumulate":
        return _accumulate(ufunc, name, *inputs, **kwargs)
    if method == "reduceat":
        return _reduceat(ufunc, name, *inputs, **kwargs)
    raise unsupported(name)


register_ufunc_rules(method=apply_method)  # _ufuncs.apply_ufunc's other methods


def _outs(kwargs: dict[str, Any]) -> tuple[Any, ...]:
    out = kwargs.get("out")
    return () if out is None else tuple(o for o in (out if isinstance(out, tuple) else (out,)))


def _no_arguments(name: str, **given: Any) -> None:
    for key, (value, default) in given.items():
        if value is not default:
            raise TypeError(f"hyperdiff does not support the argument {key}= of {name}")


def _outer(ufunc: np.ufunc, name: str, a: Any, b: Any, **kwargs: Any) -> Any:
    # outer(a, b)[i..., j...] = f(a[i...], b[j...]): a gets b.ndim new trailing axes
    a = a if isinstance(a, DualArray) else np.asarray(a)
    return ufunc(a.reshape(np.shape(a) + (1,) * np.ndim(b)), b, **kwargs)


def _reduce(
    ufunc: np.ufunc,
    name: str,
    array: Any,
    axis: Any = 0,
    dtype: Any = None,
    out: Any = None,
    keepdims: bool = False,
    initial: Any = np._NoValue,
    where: Any = True,
) -> Any:
    initial = None if initial is np._NoValue else initial
    if ufunc in _REDUCTIONS:
        if ufunc in (np.maximum, np.minimum):
            _no_arguments(name, dtype=(dtype, None))
            return _REDUCTIONS[ufunc](array, axis, out, keepdims, initial, where)
        return _REDUCTIONS[ufunc](array, axis, dtype, out, keepdims, initial, where)
    if ufunc not in _ASSOCIATIVE:
        _no_arguments(name, dtype=(dtype, None), where=(where, True))
        return _fold(ufunc, name, array, axis, out, keepdims, initial)
    _no_arguments(name, dtype=(dtype, None), initial=(initial, None), where=(where, True))
    cls = common_kind(name, array, out)
    data = _planes(array, cls)
    # numpy's value (and its checks: an empty axis without identity raises; keepdims:
    # the caller's bool, which numpy's stubs want as a literal)
    value = np.asarray(ufunc.reduce(data[0], axis=axis, keepdims=keepdims))  # type: ignore[call-overload]
    axes = _axes(axis, data.ndim - 1)
    result = _tree_product(cls._wrap(_to_last(data, axes)), ufunc)
    if keepdims:
        result = result.reshape(_keepdims_shape(data.shape[1:], axes))
    result._stack[0] = value
    return _store(result, out)


def _accumulate(
    ufunc: np.ufunc, name: str, array: Any, axis: int = 0, dtype: Any = None, out: Any = None
) -> Any:
    if ufunc in _ACCUMULATIONS:
        return _ACCUMULATIONS[ufunc](array, axis, dtype, out)
    _no_arguments(name, dtype=(dtype, None))
    if ufunc not in _ASSOCIATIVE:
        return _fold(ufunc, name, array, axis, out, accumulate=True)
    cls = common_kind(name, array, out)
    data = _planes(array, cls)
    value = ufunc.accumulate(data[0], axis=axis)  # numpy's value and checks
    ax = normalize_axis_index(axis, data.ndim - 1) + 1
    scan = _prefix_product(cls._wrap(np.moveaxis(data, ax, -1)), ufunc)
    result = np.moveaxis(scan._stack, -1, ax).copy()
    result[0] = value
    return _store(cls._wrap(result), out)


def _fold(
    ufunc: np.ufunc,
    name: str,
    array: Any,
    axis: Any,
    out: Any,
    keepdims: bool = False,
    initial: Any = None,
    accumulate: bool = False,
) -> Any:
    """reduce (or accumulate) of an entry that is not associative, in numpy's order:
    f(f(a0, a1), a2) ..., from `initial` when given; one binary call per element of the
    axis, each on the whole slice, the value plane numpy's own."""
    cls = common_kind(name, array, out)
    data = _planes(array, cls)
    # numpy's value and checks (one axis: such a function is not reorderable)
    if accumulate:
        value = ufunc.accumulate(data[0], axis=axis)
    else:
        start = {} if initial is None else {"initial": initial}
        value = np.asarray(ufunc.reduce(data[0], axis=axis, keepdims=keepdims, **start))
    if axis is None or data.ndim == 1:
        data, axis = data.reshape(cls._planes, -1), 0
    (ax,) = _axes(axis, data.ndim - 1)
    items = cls._wrap(np.moveaxis(data, ax + 1, 1))
    acc: Any = items[0] if initial is None else initial
    steps = [acc]
    for k in range(1 if initial is None else 0, items.shape[0]):
        acc = ufunc(acc, items[k])
        steps.append(acc)
    if accumulate:
        result = np.stack([s._stack for s in steps], axis=ax + 1)
    else:
        result = np.array(_planes(acc, cls, value.dtype)).reshape((cls._planes, *value.shape))
    _check_fold(ufunc, name, result, value)
    return _store(cls._wrap(result), out)


def _check_fold(ufunc: np.ufunc, name: str, result: np.ndarray, value: np.ndarray) -> None:
    """Put numpy's value in the fold's value plane, where they agree to rounding. numpy
    2.4's arctan2.reduce and power.reduce (and their float32 accumulate) skip elements:
    the fold's parts must not ride on the value of another function."""
    tol = 8 * np.finfo(value.dtype).eps
    if not np.allclose(result[0], value, rtol=tol, atol=0, equal_nan=True):
        raise TypeError(
            f"{name} is not numpy's own definition here: it gives {value.ravel()[:3]} where "
            f"the fold {ufunc.__name__}({ufunc.__name__}(a0, a1), a2) ... gives "
            f"{result[0].ravel()[:3]} (a numpy defect); write the fold, e.g. "
            f"functools.reduce(np.{ufunc.__name__}, ...), to differentiate it"
        )
    result[0] = value


def _reduceat(
    ufunc: np.ufunc,
    name: str,
    array: Any,
    indices: Any,
    axis: int = 0,
    dtype: Any = None,
    out: Any = None,
) -> Any:
    _no_arguments(name, dtype=(dtype, None))
    cls = common_kind(name, array, out)
    data = _planes(array, cls)
    index = np.asarray(indices)
    value = ufunc.reduceat(data[0], index, axis=axis)  # numpy's value and checks
    ax = normalize_axis_index(axis, data.ndim - 1) + 1
    if ufunc is np.add:  # linear: numpy's add.reduceat of every plane
        return _store(cls._wrap(np.add.reduceat(data, index, axis=ax)), out)
    # the fold of each segment a[i_k:i_(k+1)] (a[i_k] alone where i_(k+1) <= i_k)
    items = cls._wrap(np.moveaxis(data, ax, 1))
    ends = [*index[1:].tolist(), items.shape[0]]
    pieces = [
        functools.reduce(ufunc, (items[k] for k in range(i + 1, j)), items[i])
        for i, j in zip(index.tolist(), ends, strict=True)
    ]
    result = np.stack([p._stack for p in pieces], axis=ax)
    _check_fold(ufunc, name, result, value)
    return _store(cls._wrap(result), out)


def _at(ufunc: np.ufunc, name: str, a: Any, indices: Any, b: Any = None, **kwargs: Any) -> Any:
    # a[indices] op= b, unbuffered: every occurrence of a repeated index applies again
    if kwargs:
        raise TypeError(f"hyperdiff does not support the arguments {sorted(kwargs)} of {name}")
    if not isinstance(a, DualArray):
        raise TypeError(
            f"{name} into a plain array would drop the derivative parts of its operand; "
            "make the target a dual array, from the input: np.zeros_like(x, shape=...) "
            "(a plain array outside the transforms)"
        )
    if isinstance(indices, DualArray):
        raise TypeError("dual arrays cannot be used as indices; index with x.value")
    cls = common_kind(name, a, b)
    size = a.size
    # the flat element numbers the indices select, exactly as numpy reads them
    targets = np.arange(size, dtype=np.intp).reshape(a.shape)[indices]
    flat_targets = np.ravel(targets)
    # in numpy's loop dtype (a float64 b into a float32 a: each step rounds into a)
    operand = _planes(b, cls, component_dtype(a, b))
    operand = np.broadcast_to(
        operand.reshape(
            (cls._planes, *(1,) * (targets.ndim - operand.ndim + 1), *operand.shape[1:])
        ),
        (cls._planes, *targets.shape),
    ).reshape(cls._planes, -1)
    work = a._stack.reshape(cls._planes, -1)  # a view when a's planes are contiguous
    if ufunc not in (np.add, np.subtract):
        value = work[0].copy()
        ufunc.at(value, flat_targets, operand[0])  # numpy's values, bit for bit
        # repeated targets in rounds: the k-th occurrence of every target in round k
        order = np.argsort(flat_targets, kind="stable")
        sorted_targets = flat_targets[order]
        starts = np.r_[0, np.flatnonzero(np.diff(sorted_targets)) + 1]
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
        for r in range(int(rank.max(initial=-1)) + 1):
            chosen = rank == r
            where = flat_targets[chosen]
            operands = cls._wrap(work[:, where]), cls._wrap(operand[:, chosen])
            applied: DualArray = ufunc(*operands)
            work[:, where] = applied._stack
        work[0] = value
    elif work.dtype.itemsize // (2 if work.dtype.kind == "c" else 1) != 8:
        # linear, float32 components: numpy's add.at of every plane, rounding each step
        # as numpy's own (a - b is a + (-b) bit for bit; the index a tuple with a slice,
        # which numpy takes and its stubs do not)
        np.add.at(work, (slice(None), flat_targets), -operand if ufunc is np.subtract else operand)  # type: ignore[arg-type]
    else:
        # linear, float64 components: one bincount over all planes, each target's sum
        # from its own parts first, then the operand's in index order, bincount's
        # sequential sum in float64: numpy's add.at bit for bit (but for a sum of -0.0
        # alone, +0.0), whose loop over a slice of the planes and the targets is slow
        # (1.9 against 0.5 ms for 83 planes of 1,200 targets); the value numpy's add.at
        signed = -operand if ufunc is np.subtract else operand
        np.add.at(work[0], flat_targets, signed[0])
        touched, slot = np.unique(flat_targets, return_inverse=True)
        k, planes = len(touched), cls._planes - 1
        weights = np.concatenate([work[1:, touched], signed[1:]], axis=1)
        slots = np.concatenate([np.arange(k), slot.reshape(-1)])
        index = (slots + k * np.arange(planes)[:, None]).reshape(-1)

        def sums(w: np.ndarray) -> np.ndarray:
            return np.bincount(index, w.reshape(-1), minlength=planes * k).reshape(planes, k)

        if weights.dtype.kind == "c":  # (components apart: 1j * an inf would be nan)
            total = np.empty((planes, k), dtype=weights.dtype)
            total.real, total.imag = sums(weights.real), sums(weights.imag)
            work[1:, touched] = total
        else:
            work[1:, touched] = sums(weights)
    if not np.shares_memory(work, a._stack):
        a._stack[...] = work.reshape(a._stack.shape)
    return None
