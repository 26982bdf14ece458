"""numpy's selections and writes on dual arrays: compress, choose, extract (new arrays)
and put, place, putmask, copyto, fill_diagonal, put_along_axis (writes into their first
argument, as numpy's do).

Each one only moves elements, so it is run twice: once by numpy on the values (its
checks, casts, cycling of short value lists, the value plane bit for bit), and once on
element numbers (the target's elements 0, 1, ... and the sources' -1, -2, ...), which
says where every element of the result comes from; every part plane is then one gather.
A write into a dual array writes its parts as well; a dual value written into a plain
ndarray is refused (its parts would be dropped).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._arrays import DualArray, admit
from ._functions import (
    _indices,
    _kind_out,
    _planes,
    _safe_out,
    _store,
    _value_of,
    common_kind,
    implements,
)
from ._shapes import _numbers, _with_value


def _gathered(cls: type[DualArray], sources: list[Any], index: np.ndarray, dtype: Any) -> Any:
    """Part planes whose element i is element index[i] of the sources, flattened and
    joined in order."""
    flat = np.concatenate(
        [_planes(s, cls)[1:].reshape(cls._planes - 1, -1) for s in sources], axis=1, dtype=dtype
    )
    return flat[:, index]


def _numbered(sources: Sequence[Any], sign: int = 1) -> list[np.ndarray]:
    """The sources' element numbers 0, 1, ... counted on from one source to the next
    (sign=-1: -1, -2, ..., told apart from a target's own 0, 1, ...)."""
    numbers, start = [], 0
    for s in sources:
        shape = np.shape(s)
        numbers.append(_numbers(shape, start) if sign > 0 else -1 - _numbers(shape, start))
        start += int(np.prod(shape, dtype=np.int64))
    return numbers


# --- new arrays -----------------------------------------------------------------------------
@implements(np.compress)
def _compress(condition: Any, a: Any, axis: Any = None, out: Any = None) -> Any:
    cls = _kind_out("compress", out, a)
    condition = _value_of(condition)
    value = np.compress(condition, _value_of(a), axis)  # numpy's checks
    _safe_out(out, value.dtype)
    index = np.compress(condition, _numbers(np.shape(a)), axis)
    return _store(cls._wrap(_with_value(value, _gathered(cls, [a], index, value.dtype))), out)


@implements(np.extract)
def _extract(condition: Any, arr: Any) -> Any:
    cls = common_kind("extract", arr)
    condition = _value_of(condition)
    value = np.extract(condition, _value_of(arr))
    index = np.extract(condition, _numbers(np.shape(arr)))
    return cls._wrap(_with_value(value, _gathered(cls, [arr], index, value.dtype)))


@implements(np.choose)
def _choose(a: Any, choices: Sequence[Any], out: Any = None, mode: str = "raise") -> Any:
    # a picks, for each element, which choice it comes from: a plain index array
    a = _indices(a)
    choices = list(choices)
    cls = _kind_out("choose", out, *choices)
    # (mode: the caller's string, which numpy checks)
    value = np.choose(a, [_value_of(c) for c in choices], mode=mode)  # type: ignore[call-overload]
    index = np.choose(a, _numbered(choices), mode=mode)  # type: ignore[call-overload]
    return _store(cls._wrap(_with_value(value, _gathered(cls, choices, index, value.dtype))), out)


# --- writes into the first argument -------------------------------------------------------------
def _write(name: str, target: Any, sources: Sequence[Any], run: Callable[..., None]) -> None:
    """run(target, *sources) as numpy does it, on the values and on the element numbers;
    a dual target gets both (in place); a plain one only plain sources. A list holding
    dual scalars, or an object array of them, is a dual array here (x[key] = item's rule)."""
    sources = [admit(s) for s in sources]
    if not isinstance(target, DualArray):
        if any(isinstance(s, DualArray) for s in sources):
            raise TypeError(
                f"numpy.{name} would write dual numbers into a plain {type(target).__name__}, "
                "dropping their derivative parts: write into a dual array (e.g. "
                "hd.dual(target, 0.0)) instead"
            )
        run(target, *sources)
        return
    cls = common_kind(name, target, *sources)
    dtype = target.dtype
    if dtype.kind != "c" and any(np.asarray(_planes(s, cls)[0]).dtype.kind == "c" for s in sources):
        raise TypeError(
            f"numpy.{name} casts the values to the array's dtype: complex values into a real "
            "dual array would drop their imaginary parts"
        )
    value = np.array(target._stack[0])
    run(value, *(_value_of(s) for s in sources))  # numpy's checks, casts and values
    index = np.arange(target.size, dtype=np.intp).reshape(target.shape)
    run(index, *_numbered(sources, -1))
    # the target's own elements first, then the sources' (-1 - k: size + k)
    position = np.where(index >= 0, index, target.size - 1 - index)
    parts = _gathered(cls, [target, *sources], position, dtype)
    target._stack[0] = value
    target._stack[1:] = parts.reshape(target._stack[1:].shape)


@implements(np.put, in_place=True)
def _put(a: Any, ind: Any, v: Any, mode: str = "raise") -> None:
    ind = _indices(ind)
    _write("put", a, [v], lambda t, s: np.put(t, ind, s, mode=mode))  # type: ignore[arg-type]


@implements(np.place, in_place=True)
def _place(arr: Any, mask: Any, vals: Any) -> None:
    mask = _value_of(mask)
    _write("place", arr, [vals], lambda t, s: np.place(t, mask, s))


@implements(np.putmask, in_place=True)
def _putmask(a: Any, mask: Any, values: Any) -> None:
    mask = _value_of(mask)
    _write("putmask", a, [values], lambda t, s: np.putmask(t, mask, s))


@implements(np.copyto, in_place=True)
def _copyto(dst: Any, src: Any, casting: str = "same_kind", where: Any = True) -> None:
    where = _value_of(where)

    def run(t: np.ndarray, s: Any) -> None:
        # (element numbers: intp into intp, whatever the values' casting)
        np.copyto(t, s, casting="unsafe" if t.dtype == np.intp else casting, where=where)  # type: ignore[arg-type]

    _write("copyto", dst, [src], run)


@implements(np.fill_diagonal, in_place=True)
def _fill_diagonal(a: Any, val: Any, wrap: bool = False) -> None:
    _write("fill_diagonal", a, [val], lambda t, s: np.fill_diagonal(t, s, wrap))


@implements(np.put_along_axis, in_place=True)
def _put_along_axis(arr: Any, indices: Any, values: Any, axis: Any) -> None:
    index = _indices(indices)
    _write("put_along_axis", arr, [values], lambda t, s: np.put_along_axis(t, index, s, axis))
