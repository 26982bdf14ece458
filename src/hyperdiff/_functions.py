"""The registry of numpy functions (`__array_function__`) that dual arrays support.

Anything not registered raises a TypeError naming the function, rather than
letting numpy compute a derivative-free or wrong answer.

Every function here is written once for all kinds, on the planes `_stack`
(shape (planes, *shape), value plane first):
- linear and structural functions (sum, mean, cumsum, trace, reshape, concatenate,
  take, ...) are the numpy function applied to `_stack` with the axes shifted by one,
  which applies it to every plane at once;
- selections (min, max, sort, where, clip) choose by the value and carry the parts
  of the chosen element; their value plane is numpy's own result on the values, so
  values agree with numpy bit for bit (signed zeros, nan placement included);
- nonlinear functions (prod, cumprod, polyval) are composed from the exact ufuncs.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from . import _core
from ._arrays import (
    FUNCTION_REGISTRY,
    HOLOMORPHIC,
    DualArray,
    cast_into,
    combine_error,
    not_holomorphic_result,
    register_rules,
    zero_d_array,
)
from ._table import COMPONENT_NAMES
from ._ufuncs import COMPONENT_DTYPES, admit, component_dtype

# numpy function -> implementation on dual arrays (the dict DualArray's C
# __array_function__ reads)
_REGISTRY: dict[Callable[..., Any], Callable[..., Any]] = FUNCTION_REGISTRY


# numpy functions that write into their first argument (np.put, np.copyto, ...)
_IN_PLACE: set[Callable[..., Any]] = set()


def implements(
    *funcs: Callable[..., Any], in_place: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        for f in funcs:
            _REGISTRY[f] = _as_array(impl) if f in _ZERO_D_ARRAYS else impl
            if in_place:
                _IN_PLACE.add(f)
        return impl

    return register


# numpy functions that give a 0-d result as a 0-d array, not as numpy's scalar (a
# dual array's in-place operators write into the one, rebind the other: _is_number)
_ZERO_D_ARRAYS = frozenset(
    (np.where, np.select, np.piecewise, np.copy, np.tensordot, np.empty_like,
     np.zeros_like, np.ones_like, np.full_like)
)  # fmt: skip


def _as_array(impl: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(impl)
    def zero_d(*args: Any, **kwargs: Any) -> Any:
        return zero_d_array(impl(*args, **kwargs))

    return zero_d


def not_holomorphic(
    name: str, position: int | None = None, keyword: str = ""
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An implementation of a function that is not complex-differentiable (name: its
    numpy name), whose results holomorphic=True's variables make with nan parts
    (not_holomorphic_result): in every argument, or in the one at position (or
    keyword) alone (vdot conjugates its first)."""

    def wrap(impl: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(impl)
        def checked(*args: Any, **kwargs: Any) -> Any:
            result = impl(*args, **kwargs)
            if not HOLOMORPHIC:
                return result
            if position is None:
                return not_holomorphic_result(name, (*args, *kwargs.values()), result)
            chosen = args[position : position + 1] or (kwargs.get(keyword),)
            return not_holomorphic_result(name, chosen, result)

        return checked

    return wrap


def dispatch_function(func: Any, types: Any, args: Any, kwargs: Any, impl: Any) -> Any:
    """__array_function__'s general path; impl is func's registered implementation or
    None, looked up by DualArray's C __array_function__ (_core.array_function_method)."""
    for t in types:
        if not issubclass(t, _OPERAND_TYPES):
            return NotImplemented
    if impl is None:
        module = getattr(func, "__module__", None) or "numpy"
        raise TypeError(f"hyperdiff does not support {module}.{func.__name__}")
    if any(issubclass(t, np.ma.MaskedArray) for t in types):
        _refuse_masked(func, (args, kwargs))
    if kwargs:  # numpy's own wrappers forward unset arguments as np._NoValue: unset
        kwargs = {k: v for k, v in kwargs.items() if v is not np._NoValue}
    if len(types) > 1:  # an outer and an inner transform's kinds meet in their product
        from ._multivariate import common_product, lift_arguments

        product = common_product(t for t in types if issubclass(t, DualArray))
        if product is not None:
            _refuse_lifted_targets(func, impl, product, types, args, kwargs)
            args, kwargs = lift_arguments(product, args), lift_arguments(product, kwargs)
    return impl(*args, **kwargs)


def _refuse_masked(func: Any, arguments: Any) -> None:
    """A TypeError for a masked array with masked entries among a numpy function's
    arguments beside a dual array (as the ufuncs refuse it, _arrays._refuse_masked): dual
    arrays carry no mask, so the result would use the masked entries' data silently
    (np.kron(m, x): numpy's result is masked there, np.dot(m, x) ignores the mask).
    Boolean ones are conditions (np.where's, select's), read as numpy reads them."""
    if isinstance(arguments, dict):
        arguments = tuple(arguments.values())
    if isinstance(arguments, list | tuple):
        for argument in arguments:
            _refuse_masked(func, argument)
    elif (
        isinstance(arguments, np.ma.MaskedArray)
        and arguments.dtype != bool
        and np.ma.getmaskarray(arguments).any()
    ):
        module = getattr(func, "__module__", None) or "numpy"
        raise TypeError(
            f"hyperdiff does not support {module}.{func.__name__} of a dual array and a "
            "masked array with masked entries: dual arrays carry no mask; use np.where "
            "with the mask (or m.filled(value))"
        )


def _refuse_lifted_targets(
    func: Any, impl: Any, product: type[DualArray], types: Any, args: Any, kwargs: Any
) -> None:
    """Lifting makes new arrays: an array func writes into (out=, np.put's first
    argument) lifted into the product kind would take the write in a copy, and the
    caller's array would silently stay as it was."""
    position = _out_position(impl)
    out = kwargs.get(
        "out", args[position] if position is not None and len(args) > position else None
    )
    targets = list(out) if isinstance(out, tuple) else [out]
    if func in _IN_PLACE and args:
        targets.append(args[0])
    for target in targets:
        if isinstance(target, DualArray) and type(target) is not product:
            other = next(t for t in types if issubclass(t, DualArray) and t is not type(target))
            raise combine_error(f"numpy.{func.__name__}", type(target), other)


@functools.cache
def _out_position(impl: Callable[..., Any]) -> int | None:
    """Where an implementation takes out= positionally (np.cumsum(a, 0, None, out))."""
    try:
        parameters = list(inspect.signature(impl).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    for position, parameter in enumerate(parameters):
        if parameter.kind not in positional:
            return None  # (out= after *args: keyword only)
        if parameter.name == "out":
            return position
    return None


register_rules(dispatch_function=dispatch_function)  # DualArray's general path


_OPERAND_TYPES = (DualArray, np.ndarray)


# --- helpers ----------------------------------------------------------------------
Planes = np.ndarray  # an array of shape (planes, *shape)


def common_kind(name: str, *operands: Any) -> type[DualArray]:
    """The one dual kind among the operands; Dual and HyperDual do not mix."""
    kinds = {type(op) for op in operands if isinstance(op, DualArray)}
    if len(kinds) > 1:
        a, b = sorted(kinds, key=lambda k: (k._tag, k.__name__))[:2]
        where = name if name.startswith(("numpy.", "scipy.")) else f"numpy.{name}"
        raise combine_error(where, a, b)
    if not kinds:
        raise TypeError(f"hyperdiff's numpy.{name} needs a dual array operand")
    return kinds.pop()


def _planes(x: Any, cls: type[DualArray], dtype: np.dtype | None = None) -> Planes:
    """x as planes of kind cls: a dual's `_stack`, or a constant (value plane, zero parts)."""
    x = admit(x)  # an object array of dual scalars: a dual array
    if isinstance(x, DualArray):
        if type(x) is not cls:
            raise combine_error("a numpy function", type(x), cls)
        return x._stack if dtype is None or x.dtype == dtype else x._stack.astype(dtype)
    a = np.asarray(x)
    if dtype is None:
        dtype = component_dtype(a)
    data = np.zeros((cls._planes, *a.shape), dtype=dtype)
    data[0] = a
    return data


def _aligned(planes: Planes, ndim: int) -> Planes:
    """Planes with leading length-1 axes, so they broadcast like an ndim array would."""
    shape = planes.shape[1:]
    return planes.reshape((planes.shape[0], *(1,) * (ndim - len(shape)), *shape))


def _float_dtype(dtype: Any, name: str) -> np.dtype | None:
    if dtype is None:
        return None
    dt: np.dtype = np.dtype(dtype)
    if dt not in COMPONENT_DTYPES:
        raise TypeError(
            f"dual arrays have {COMPONENT_NAMES} components: dtype={dt} is not supported "
            f"in numpy.{name}"
        )
    return dt


def _unsupported(name: str, argument: str) -> TypeError:
    return TypeError(f"hyperdiff does not support the argument {argument}= of numpy.{name}")


def _kind_out(name: str, out: Any, *operands: Any) -> type[DualArray]:
    """The operands' kind (the out= array's when all operands are plain), with out=
    checked against it."""
    if any(isinstance(op, DualArray) for op in operands):
        cls = common_kind(name, *operands)
    else:
        cls = common_kind(name, out)
    _check_out(out, cls, name)
    return cls


def _check_out(out: Any, cls: type[DualArray], name: str) -> None:
    if out is not None and type(out) is not cls:
        raise TypeError(
            f"out= of numpy.{name} must be a {cls.__name__} array: writing to "
            f"{type(out).__name__} would drop the derivative parts"
        )


def _store(result: DualArray, out: DualArray | None, name: str = "the function") -> Any:
    if out is None:
        return result
    if out.shape != result.shape:
        raise ValueError(f"out= has shape {out.shape}; the result has shape {result.shape}")
    cast_into(name, out._stack, result._stack)
    return out


def _with_dual_initial(
    value_function: Callable[..., Any],
    reduce: Callable[..., Any],
    combine: Callable[[Any, Any], Any],
    a: Any,
    initial: DualArray,
    out: Any,
    **kw: Any,
) -> Any:
    """A reduction given a dual `initial`: reduce(a) without it, combined with it
    (sum: +, prod: *, max/min: np.maximum/np.minimum with initial first, which wins
    ties as numpy's reduction sees it first); the value numpy's own (and its checks:
    initial must be a scalar), value_function(a.value, initial=initial.value, **kw)."""
    value = np.asarray(value_function(_value_of(a), initial=_value_of(initial), **kw))
    result = combine(initial, reduce(a))
    result = result if isinstance(result, DualArray) else type(initial)._wrap(result)
    result._stack[0] = value
    return _store(result, out)


def _safe_out(out: DualArray | None, dtype: np.dtype) -> None:
    """numpy's rule for the out= of take and compress (stricter than _store's
    same_kind): out's dtype must cast safely to the array's, as numpy checks it."""
    if out is not None and not np.can_cast(out.dtype, dtype, "safe"):
        raise TypeError(
            f"Cannot cast array data from {out.dtype!r} to {dtype!r} according to the rule 'safe'"
        )


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """Normalized axes of an array of ndim dimensions (None: all of them)."""
    return tuple(range(ndim)) if axis is None else normalize_axis_tuple(axis, ndim)


def _shift(axes: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of `_stack` that are the array's axes (the plane axis is 0)."""
    return tuple(a + 1 for a in axes)


def _where_mask(where: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    if where is True:
        return None
    if isinstance(where, DualArray):
        raise TypeError("where= must be a boolean array, not a dual array")
    return np.broadcast_to(np.asarray(where, dtype=bool), shape)


@contextlib.contextmanager
def _errors_of(on_values: Callable[[], Any]) -> Iterator[None]:
    """numpy's own error for the user's array: when numpy refuses the stacked planes
    (its message would count the plane axis), the same call on the value plane raises
    what numpy says of the user's array."""
    try:
        yield
    except (ValueError, IndexError, TypeError):
        on_values()
        raise


def _to_last(data: Planes, axes: tuple[int, ...]) -> Planes:
    """Move the array axes `axes` to the end and merge them into one axis."""
    kept = [a for a in range(data.ndim - 1) if a not in axes]
    moved = np.transpose(data, (0, *_shift(tuple(kept)), *_shift(axes)))
    merged = math.prod(data.shape[1 + a] for a in axes)
    return moved.reshape((*moved.shape[: 1 + len(kept)], merged))  # (not -1: sizes may be 0)


def _keepdims_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _constant_planes(cls: type[DualArray], value: float, dtype: np.dtype) -> Planes:
    """One element (value, 0, ...) as planes, shaped (planes, 1) for broadcasting."""
    planes = np.zeros((cls._planes, 1), dtype=dtype)
    planes[0] = value
    return planes


# --- reductions ---------------------------------------------------------------------
def _pending_sum(a: DualArray, axis: Any, keepdims: bool) -> np.ndarray | None:
    """The planes of the sum of all of a's elements when a is a pending graph of many
    planes (fusion.hpp's by planes: a Hessian's HyperDualVec of a short vector), summed
    tile by tile and never written in full; else None."""
    if keepdims or not (axis is None or (a.ndim == 1 and axis in (0, -1, (0,), (-1,)))):
        return None
    return _core.pending_sum(a)


@implements(np.sum)
def _sum(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = True,
) -> Any:
    # linear: the sum of every plane. One reduction over `_stack` sums each plane in
    # the same order (pairwise along the contiguous axis) as numpy sums the values.
    if isinstance(initial, DualArray):
        given = {"axis": axis, "dtype": dtype, "keepdims": keepdims, "where": where}
        return _with_dual_initial(
            np.sum, lambda x: _sum(x, **given), np.add, a, initial, out, **given
        )
    plain = dtype is None and out is None and initial is None and where is True
    if plain and isinstance(a, DualArray):  # the common call, with no checks to make
        sums = _pending_sum(a, axis, keepdims)
        if sums is not None:
            return a._wrap(sums)
        data = a._stack
        if axis is None and data.ndim == 2 and _many_short_rows(data) and not keepdims:
            # numpy's reduce costs ~30 ns a row (T3's Hessian: 5,151 rows of 99, 150 us);
            # one matrix-vector product sums them in a third of that, the value by numpy
            summed = data @ np.ones(data.shape[1], dtype=data.dtype)
            summed[0] = np.add.reduce(data[0])
            return a._wrap(summed)
        if axis is None:  # (a 1-d array's one axis as an int: numpy parses it faster)
            axes: Any = 1 if data.ndim == 2 else tuple(range(1, data.ndim))
        else:
            axes = _shift(_axes(axis, data.ndim - 1))
        short = _short_trailing_sum(data, axes, keepdims)
        if short is not None:
            return a._wrap(short)
        # (keepdims: the caller's bool, which numpy's stubs want as a literal)
        return a._wrap(np.add.reduce(data, axis=axes, keepdims=keepdims))  # type: ignore[call-overload]
    cls = _kind_out("sum", out, a)
    data = _planes(a, cls)
    shape = data.shape[1:]
    dt = _float_dtype(dtype, "sum")
    axes = _shift(_axes(axis, len(shape)))
    mask = _where_mask(where, shape)
    kw: dict[str, Any] = {"axis": axes, "dtype": dt, "keepdims": keepdims}
    if mask is not None:
        kw["where"] = mask
    result = np.sum(data, **kw)
    if initial is not None:  # a constant: it adds to the value only
        result[0] = np.sum(data[0], **{**kw, "axis": tuple(a - 1 for a in axes)}, initial=initial)
    return _store(cls._wrap(result), out)


def _short_trailing_sum(data: np.ndarray, axes: Any, keepdims: bool) -> np.ndarray | None:
    """The planes' sums over their last axes when those hold few elements (at most 16)
    and the rest many (a stack of small matrices' entries: np.sum(F * F, axis=(1, 2))
    of 5000 2 x 2), else None. numpy's reduce then costs ~15 ns an output (a loop
    per output: 2.2 ms for 27 planes of 5000 2 x 2, 0.2 here); here the parts are k - 1
    adds of whole slices, and the value plane numpy's own reduce (its bits)."""
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    if not axes or axes != tuple(range(data.ndim - len(axes), data.ndim)) or keepdims:
        return None
    k = math.prod(data.shape[a] for a in axes)
    rest = data.shape[: data.ndim - len(axes)]
    # (one axis read in place, a diagonal's; several merged: C order, no copy)
    if not (
        2 <= k <= 16 and math.prod(rest) >= 1024 and (len(axes) == 1 or data.flags.c_contiguous)
    ):
        return None
    flat = data.reshape(*rest, k)
    out: np.ndarray = flat[..., 0] + flat[..., 1]
    for i in range(2, k):
        out += flat[..., i]
    out[0] = np.add.reduce(data[0], axis=tuple(a - 1 for a in axes))
    return out


def _many_short_rows(data: np.ndarray) -> bool:
    """Planes of a 1-d array that one BLAS product sums faster than numpy's reduce: many
    (a Hessian's) and short (where BLAS's order of the sum and numpy's pairwise one
    differ by an ulp or two, not by the O(n) of a long naive sum). Real ones only: a
    complex product by ones multiplies each component by the other's 0 (inf + 0i times
    1 + 0i is inf + nan i), where numpy's sum of inf + 0i is inf + 0i."""
    return (
        len(data) >= 256
        and data.shape[1] <= 1024
        and data.dtype == np.float64
        and data.flags.c_contiguous
    )


@implements(np.nansum)
def _nansum(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = True,
) -> Any:
    # numpy replaces nan values by 0 and sums; a replaced element is the constant 0
    cls = _kind_out("nansum", out, a)
    data = _planes(a, cls)
    nan = np.isnan(data[0])
    if nan.any():
        data = data.copy()
        data[:, nan] = 0
    return _sum(cls._wrap(data), axis, dtype, out, keepdims, initial, where)


@implements(np.mean)
def _mean(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: bool = False,
    *,
    where: Any = True,
) -> Any:
    # linear: numpy's mean of `_stack` (its sum, divided by the count, in numpy's dtypes)
    if dtype is None and out is None and where is True and isinstance(a, DualArray):
        sums = _pending_sum(a, axis, keepdims)
        if sums is not None:  # (numpy's mean: the sum divided by the count)
            return a._wrap(np.true_divide(sums, a.size))
    cls = _kind_out("mean", out, a)
    data = _planes(a, cls)
    shape = data.shape[1:]
    kw: dict[str, Any] = {
        "axis": _shift(_axes(axis, len(shape))),
        "dtype": _float_dtype(dtype, "mean"),
        "keepdims": keepdims,
    }
    mask = _where_mask(where, shape)
    if mask is not None:
        kw["where"] = mask
    return _store(cls._wrap(np.mean(data, **kw)), out)


@implements(np.var)
@not_holomorphic("numpy.var")
def _var(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    ddof: float = 0,
    keepdims: bool = False,
    *,
    where: Any = True,
    mean: Any = None,
    correction: Any = None,
    _std: bool = False,
) -> Any:
    # numpy's own steps on dual arrays: d = a - mean(a), sum(d conj(d)) / (n - ddof)
    for name, value, default in (
        ("dtype", dtype, None),
        ("out", out, None),
        ("where", where, True),
        ("mean", mean, None),
    ):
        if value is not default:
            raise _unsupported("var" if not _std else "std", name)
    if correction is not None:
        ddof = correction
    shape = np.shape(a)
    axes = _axes(axis, len(shape))
    count = math.prod(shape[i] for i in axes)
    d = a - np.mean(a, axis=axes, keepdims=True)
    if d.dtype.kind == "c":  # |d|^2 as numpy forms it: re^2 + im^2
        re, im = d.real, d.imag
        squares = re * re + im * im
    else:
        squares = d * d
    result = np.sum(squares, axis=axes, keepdims=keepdims) / max(count - ddof, 0)
    return np.sqrt(result) if _std else result


@implements(np.std)
@not_holomorphic("numpy.std")
def _std(a: Any, *args: Any, **kwargs: Any) -> Any:
    result = _var(a, *args, **kwargs, _std=True)
    if isinstance(a, DualArray) and not in_range(result.value):
        axis = args[0] if args else kwargs.get("axis")
        again = rescaled(a, _axes(axis, a.ndim), lambda y: _var(y, *args, **kwargs, _std=True))
        if again is not None:
            again._stack[0] = result._stack[0]  # numpy's value (over- or underflowed)
            return again
    return result


def in_range(value: Any, power: float = 2) -> bool:
    """Whether a root of a sum of powers (a p-norm, std) has a value at which none of
    the powers summed over- or underflowed (n < 2^32 terms): then rescaled has nothing
    to do. The common case, decided on the result (one comparison) before anything
    else is computed."""
    if isinstance(value, float):  # (np.float64 is one: a Python comparison, fast)
        low, high = _safe_roots("d", power)
        return low <= abs(value) <= high
    low, high = _safe_roots(value.dtype.char, power)
    if value.ndim == 0:
        return bool(low <= abs(value.item()) <= high)
    magnitude = np.abs(value)
    return bool(np.all((magnitude >= low) & (magnitude <= high)))


@functools.cache
def _safe_roots(char: str, power: float) -> tuple[float, float]:
    info = np.finfo(char)
    return 2.0 ** ((info.minexp + 64) / power), 2.0 ** ((info.maxexp - 32) / power)


def rescaled(a: DualArray, axes: tuple[int, ...], f: Callable[[Any], Any], power: float = 2) -> Any:
    """f(a) for f homogeneous of degree 1 in a (a norm, std) reducing `axes`, computed
    as f(a s) / s with s a power of two per reduced slice, where a slice's largest entry
    would over- or underflow raised to `power`: then f's parts are its own, where those
    of the root of a sum of powers that rounded to inf or 0 are 0 or inf (norm of
    [1e-170, 0]: parts inf for 1). Exact (s a power of two); the value plane is left for
    the caller to set (numpy's value). None where no slice needs it (the common case)."""
    info = np.finfo(a.dtype)
    axes = tuple(ax % a.ndim for ax in axes)
    big = np.max(np.abs(a.value), axis=axes, keepdims=True, initial=0.0)
    # the exponents the scaled values may take: their powers normal, with a margin
    low, high = math.ceil(info.minexp / power) + 8, math.floor((info.maxexp - 32) / power)
    finite = np.isfinite(big) & (big > 0)
    exponent = np.frexp(np.where(finite, big, 1.0))[1]
    outside = finite & ((exponent < low) | (exponent > high))
    if not np.any(outside):
        return None
    shift = exponent  # the value to [1/2, 1)
    if power == 2:
        # sums of squares: the geometric mean of the value's and the parts' magnitudes
        # to 1, as far as the value stays in range (second-order parts multiply two
        # parts where the value squares: 1e-170 with parts 1 then has f'' in range)
        parts = np.max(
            np.abs(a._stack[1:]), axis=(0, *(ax + 1 for ax in axes)), keepdims=True, initial=0.0
        )[0]
        has_parts = np.isfinite(parts) & (parts > 0)
        middle = (exponent + np.frexp(np.where(has_parts, parts, 1.0))[1]) // 2
        shift = np.clip(np.where(has_parts, middle, exponent), exponent - high, exponent - low)
    scale = np.where(outside, np.ldexp(1.0, -shift), 1.0).astype(info.dtype)
    result = f(a * scale)
    return result / np.reshape(scale, np.shape(result))


@implements(np.cumsum)
def _cumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    cls = _kind_out("cumsum", out, a)
    data = _planes(a, cls)
    if axis is None:
        data, axis = data.reshape(cls._planes, -1), 0
    ax = normalize_axis_index(axis, data.ndim - 1) + 1
    result = np.cumsum(data, axis=ax, dtype=_float_dtype(dtype, "cumsum"))
    return _store(cls._wrap(result), out)


# binary ufuncs that select one operand (at a tie the first): order matters at ties
_SELECTING = frozenset((np.maximum, np.minimum, np.fmax, np.fmin))


def _tree_product(x: DualArray, ufunc: np.ufunc = np.multiply) -> DualArray:
    """The product over the last axis by pairwise halving: log2(n) exact multiplies
    (or the reduction by another associative binary ufunc: logaddexp, hypot, ...).

    The order of the multiplications differs from numpy's sequential one, so values
    agree with np.prod to a few ulps, not bit for bit (the tree rounds less; np.prod
    puts numpy's value in plane 0).
    A selecting ufunc (fmax, fmin: at a tie the first operand's parts) pairs
    neighbours, so every pair keeps the earlier element first and a tie keeps the
    first occurrence's parts, as numpy's sequential loop and np.max do; the others pair
    the two halves (contiguous views, no copy).
    """
    n = x.shape[-1]
    if n == 0:
        data = np.zeros((x._planes, *x.shape[:-1]), dtype=x.dtype)
        data[0] = ufunc.identity
        return x._wrap(data)
    if n == 1:  # nothing to combine: a copy, as numpy's reduction is a new array (a view
        # of x here would let p = np.prod(x, axis=1); p *= 2 write into x)
        return x._wrap(x._stack[..., 0].copy())
    ordered = ufunc in _SELECTING
    while n > 1:
        half = n // 2
        if ordered:
            paired = ufunc(x[..., 0 : 2 * half : 2], x[..., 1 : 2 * half : 2])
        else:
            paired = ufunc(x[..., :half], x[..., half : 2 * half])
        if n % 2:  # the odd element waits for the next round
            paired = x._wrap(np.concatenate([paired._stack, x._stack[..., 2 * half :]], axis=-1))
        x, n = paired, half + n % 2
    return x[..., 0]


def _prepare_product(
    name: str, a: Any, dtype: Any, where: Any, cls: type[DualArray]
) -> tuple[Planes, tuple[int, ...]]:
    data = _planes(a, cls, _float_dtype(dtype, name))
    mask = _where_mask(where, data.shape[1:])
    if mask is not None:  # numpy's masked-out elements count as the identity, 1
        data = np.where(mask, data, _aligned(_constant_planes(cls, 1, data.dtype), data.ndim - 1))
    return data, data.shape[1:]


@implements(np.prod)
def _prod(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = True,
) -> Any:
    if isinstance(initial, DualArray):
        given = {"axis": axis, "dtype": dtype, "keepdims": keepdims, "where": where}
        return _with_dual_initial(
            np.prod, lambda x: _prod(x, **given), np.multiply, a, initial, out, **given
        )
    cls = _kind_out("prod", out, a)
    data, shape = _prepare_product("prod", a, dtype, where, cls)
    axes = _axes(axis, len(shape))
    result = _tree_product(cls._wrap(_to_last(data, axes)))
    if initial is not None:  # a constant factor, in the result's dtype as numpy casts it
        result = np.multiply(result, np.asarray(initial, dtype=result.dtype))
    if keepdims:
        result = result.reshape(_keepdims_shape(shape, axes))
    # numpy's value, as nanprod gives it: the tree's differs by a few ulps, and a branch
    # on it could go another way than f does at x (the parts stay the tree's)
    given = {"initial": initial} if initial is not None else {}
    planes = np.array(result._stack)
    planes[0] = np.prod(data[0], axis=axes, keepdims=keepdims, **given)
    return _store(cls._wrap(planes), out)


def _prefix_product(x: DualArray, ufunc: np.ufunc = np.multiply) -> DualArray:
    """Inclusive prefix products over the last axis, as a work-efficient log-step scan:
    multiply neighbouring pairs, scan the pairs (half as long), then fill in the even
    positions with one more multiply. About 2n exact multiplies in 2 log2(n) ufunc
    calls, no division (zeros in the values are fine). The order of multiplication
    differs from numpy's sequential one: values agree to a few ulps on short axes;
    on long ones both round like sqrt(n) ulps (against a long double reference this
    scan is no less accurate than numpy's loop; np.cumprod puts numpy's value in plane
    0). Any associative binary ufunc scans
    alike (maximum, logaddexp, ...); the earlier operand is always the first."""
    n = x.shape[-1]
    if n <= 1:
        return x._wrap(x._stack.copy())
    pairs = _prefix_product(ufunc(x[..., 0 : n - n % 2 : 2], x[..., 1::2]), ufunc)
    result = np.empty_like(x._stack)
    result[..., 0] = x._stack[..., 0]
    result[..., 1::2] = pairs._stack  # 2i+1: the product of the pairs up to i
    evens = (n - 1) // 2  # 2i for i >= 1: the pairs up to i-1, times element 2i
    result[..., 2::2] = ufunc(pairs[..., :evens], x[..., 2::2])._stack
    return x._wrap(result)


@implements(np.cumprod)
def _cumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    cls = _kind_out("cumprod", out, a)
    data, _ = _prepare_product("cumprod", a, dtype, True, cls)
    if axis is None:
        data, axis = data.reshape(cls._planes, -1), 0
    ax = normalize_axis_index(axis, data.ndim - 1) + 1
    scan = _prefix_product(cls._wrap(np.moveaxis(data, ax, -1)))
    result = np.moveaxis(scan._stack, -1, ax).copy()
    # numpy's value, as the other accumulations give it (_accumulate): the scan's
    # differs by an ulp or so, and a branch on it could take another side than f does
    # (cumprod(tanh(x) + 1) at x = -0 times 1 made a tie numpy has one ulp apart, so
    # argsort of it differed and the Jacobian came from the other order)
    result[0] = np.cumprod(data[0], axis=ax - 1)
    return _store(cls._wrap(result), out)


def _extremum(
    name: str,
    value_function: Callable[..., Any],
    select: Callable[..., Any],
    a: Any,
    axis: Any,
    out: Any,
    keepdims: bool,
    initial: Any,
    where: Any,
) -> Any:
    """min/max: numpy's value; the parts of the first element attaining it."""
    if isinstance(initial, DualArray):  # (reduced from -inf/inf: where= may leave none)
        lowest = -np.inf if name == "max" else np.inf
        combine = np.maximum if name == "max" else np.minimum

        def reduce(x: Any) -> Any:
            return _extremum(name, value_function, select, x, axis, None, keepdims, lowest, where)

        given = {"axis": axis, "keepdims": keepdims, "where": where}
        return _with_dual_initial(value_function, reduce, combine, a, initial, out, **given)
    cls = _kind_out(name, out, a)
    data = _planes(a, cls)
    shape = data.shape[1:]
    kw: dict[str, Any] = {"axis": axis, "keepdims": keepdims}
    if initial is not None:
        kw["initial"] = initial
    if where is not True:
        kw["where"] = where
    value = np.asarray(value_function(data[0], **kw))  # numpy's checks and messages too
    axes = _axes(axis, len(shape))
    candidates = _to_last(data, axes)
    mask = _where_mask(where, shape)
    if initial is not None:
        # The initial value is a constant that numpy's reduction sees first (and so
        # wins ties); masked-out elements are never chosen.
        start = _aligned(_constant_planes(cls, initial, data.dtype), candidates.ndim - 1)
        if mask is not None:
            keep = _to_last(mask[None], axes)[0]
            candidates = np.where(keep, candidates, start)
        start = np.broadcast_to(start, (*candidates.shape[:-1], 1))
        candidates = np.concatenate([start, candidates], axis=-1)
    index = select(candidates[0], axis=-1, keepdims=True)
    parts = np.take_along_axis(candidates[1:], index[None], axis=-1)
    result = np.empty((cls._planes, *value.shape), dtype=data.dtype)
    result[0] = value
    result[1:] = parts.reshape(result[1:].shape)
    # a nan value has nan derivatives, as np.maximum/np.minimum give it
    np.copyto(result[1:], np.nan, where=np.isnan(value))
    return _store(cls._wrap(result), out)


@implements(np.max, np.amax)
def _max(
    a: Any,
    axis: Any = None,
    out: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = True,
) -> Any:
    return _extremum("max", np.max, np.argmax, a, axis, out, keepdims, initial, where)


@implements(np.min, np.amin)
def _min(
    a: Any,
    axis: Any = None,
    out: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = True,
) -> Any:
    return _extremum("min", np.min, np.argmin, a, axis, out, keepdims, initial, where)


def _value_of(a: Any) -> Any:
    return a._stack[0] if isinstance(a, DualArray) else a


@implements(np.argmax)
def _argmax(a: Any, axis: Any = None, out: Any = None, **kwargs: Any) -> Any:
    return np.argmax(_value_of(a), axis=axis, out=_value_of(out), **kwargs)


@implements(np.argmin)
def _argmin(a: Any, axis: Any = None, out: Any = None, **kwargs: Any) -> Any:
    return np.argmin(_value_of(a), axis=axis, out=_value_of(out), **kwargs)


@implements(np.nonzero)
def _nonzero(a: Any) -> Any:
    return np.nonzero(_value_of(a))


# --- diagonals ----------------------------------------------------------------------
def _two_axes(a: DualArray, axis1: int, axis2: int) -> tuple[int, int]:
    if a.ndim < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    return normalize_axis_index(axis1, a.ndim) + 1, normalize_axis_index(axis2, a.ndim) + 1


@implements(np.trace)
def _trace(
    a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None, out: Any = None
) -> Any:
    cls = _kind_out("trace", out, a)
    ax1, ax2 = _two_axes(a, axis1, axis2)
    data = None
    if dtype is None:  # (numpy's trace: the diagonal's sum along its last axis)
        diagonal = np.diagonal(a._stack, offset, ax1, ax2)
        data = _short_trailing_sum(diagonal, diagonal.ndim - 1, False)
    if data is None:
        data = np.trace(a._stack, offset, ax1, ax2, dtype=_float_dtype(dtype, "trace"))
    return _store(cls._wrap(data), out)


@implements(np.diagonal)
def _diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    ax1, ax2 = _two_axes(a, axis1, axis2)
    return a._wrap(np.diagonal(a._stack, offset, ax1, ax2))


@implements(np.diag)
def _diag(v: Any, k: int = 0) -> Any:
    if v.ndim not in (1, 2):
        raise ValueError("Input must be 1- or 2-d.")
    if v.ndim == 2:  # numpy's: a (read-only) view, which sees later writes into v
        return _diagonal(v, k)
    # np.diag decides by ndim, so it cannot take the planes at once: one call per plane
    return v._wrap(np.stack([np.diag(plane, k) for plane in v._stack]))


# --- selection by a condition ---------------------------------------------------------
@implements(np.where)
def _where(condition: Any, *xy: Any) -> Any:
    if not xy:  # np.where(c) is np.nonzero(c), of the values
        return np.nonzero(_value_of(condition))
    if len(xy) != 2:
        raise ValueError("either both or neither of x and y should be given")
    if isinstance(condition, DualArray):
        condition = condition._stack[0]
    x, y = xy
    if not (isinstance(x, DualArray) or isinstance(y, DualArray)):
        return np.where(condition, x, y)  # only the condition was dual: plain numpy
    cls = common_kind("where", x, y)
    dtype = component_dtype(x, y)
    shape = np.broadcast_shapes(np.shape(condition), np.shape(x), np.shape(y))
    planes = [_aligned(_planes(op, cls, dtype), len(shape)) for op in (x, y)]
    return cls._wrap(np.where(condition, *planes))


@implements(np.select)
def _select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Any:
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    cls = common_kind("select", *choicelist, default)
    dtype = component_dtype(*choicelist, default)
    conditions = [np.asarray(_value_of(c)) for c in condlist]
    for c in conditions:
        if c.dtype != bool:
            raise TypeError("invalid entry in condlist: should be boolean ndarray")
    choices = [_planes(c, cls, dtype) for c in (*choicelist, default)]
    shape = np.broadcast_shapes(*(c.shape for c in conditions), *(c.shape[1:] for c in choices))
    result = np.array(np.broadcast_to(_aligned(choices[-1], len(shape)), (cls._planes, *shape)))
    # the first condition that holds wins, as in numpy: apply them from the last
    for c, choice in zip(conditions[::-1], choices[-2::-1], strict=True):
        np.copyto(result, _aligned(choice, len(shape)), where=c)
    return cls._wrap(result)


@implements(np.clip)
def _clip(
    a: Any,
    a_min: Any = np._NoValue,
    a_max: Any = np._NoValue,
    out: Any = None,
    *,
    min: Any = np._NoValue,  # numpy's names
    max: Any = np._NoValue,
    **kwargs: Any,
) -> Any:
    if kwargs:
        raise _unsupported("clip", next(iter(kwargs)))
    lo = a_min if a_min is not np._NoValue else min
    hi = a_max if a_max is not np._NoValue else max
    lo = None if lo is np._NoValue else lo
    hi = None if hi is np._NoValue else hi
    cls = _kind_out("clip", out, a, lo, hi)
    # numpy's value (its checks too; np.clip keeps -0.0 where np.maximum gives 0.0)
    value = np.clip(_value_of(a), _value_of(lo), _value_of(hi))
    # clip is minimum(maximum(a, lo), hi): the exact ufuncs carry the parts of the
    # chosen operand (a tie keeps a, a nan value has nan parts)
    result = a if isinstance(a, DualArray) else cls._wrap(_planes(a, cls))
    if lo is not None:
        result = np.maximum(result, lo)
    if hi is not None:
        result = np.minimum(result, hi)
    result = result.copy() if result is a else result
    result._stack[0] = value
    return _store(result, out)


# --- joining ----------------------------------------------------------------------
@implements(np.concatenate)
def _concatenate(
    arrays: Sequence[Any],
    axis: Any = 0,
    out: Any = None,
    *,
    dtype: Any = None,
    casting: str = "same_kind",
) -> Any:
    if isinstance(arrays, DualArray):  # (numpy's: the array's rows are the sequence)
        arrays = list(arrays)
    cls = _kind_out("concatenate", out, *arrays)
    if out is None and (axis == 0 or axis == -1) and dtype is None:
        joined = _joined(arrays, cls, axis)
        if joined is not None:
            return joined
    # constants in their own dtype: numpy's casting= then judges every input
    planes = [_planes(x, cls) for x in arrays]
    dt = _float_dtype(dtype, "concatenate") or component_dtype(*arrays)
    if axis is None:
        planes, axis = [p.reshape(cls._planes, -1) for p in planes], 0
    if planes[0].ndim == 1:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    ax = normalize_axis_index(axis, planes[0].ndim - 1) + 1
    # (casting: the caller's string, which numpy checks)
    result = np.concatenate(planes, axis=ax, dtype=dt, casting=casting)  # type: ignore[call-overload]
    return _store(cls._wrap(result), out)


def _joined(arrays: Sequence[Any], cls: type[DualArray], axis: int) -> DualArray | None:
    """np.concatenate along the first axis of dual arrays of kind cls and one dtype
    (axis -1: of 1-d ones), into fresh planes: a piece whose planes are pending
    (fusion) runs its operations straight into its slice (_core.planes_into), never
    written apart and copied; the others are copied, without flushing the pending
    operations that read them (so that those run once, into their slice). When every
    piece is pending, the result is too (_core.join_pending: its planes written so when
    read; a sparse Jacobian's recovery reads them block by block, never in full). None
    for anything else."""
    if len(arrays) == 0 or any(type(x) is not cls for x in arrays):
        return None
    headers = [x._header for x in arrays]  # (shape and dtype, nothing computed)
    first = headers[0]
    if first.ndim < 2 or (axis == -1 and first.ndim != 2):
        return None
    if any(h.dtype != first.dtype or h.shape[2:] != first.shape[2:] for h in headers):
        return None
    if any(h.ndim != first.ndim for h in headers):
        return None
    pending = _core.join_pending(arrays)  # (every piece pending: written when read)
    if pending is not None:
        return pending  # type: ignore[no-any-return]
    sizes = [h.shape[1] for h in headers]
    result = np.empty((first.shape[0], sum(sizes), *first.shape[2:]), first.dtype)
    start = 0
    for x, size in zip(arrays, sizes, strict=True):
        piece = result[:, start : start + size]
        if not _core.planes_into(x, piece):
            piece[...] = x._stack
        start += size
    return cls._wrap(result)


@implements(np.stack)
def _stack(
    arrays: Sequence[Any],
    axis: int = 0,
    out: Any = None,
    *,
    dtype: Any = None,
    casting: str = "same_kind",
) -> Any:
    cls = _kind_out("stack", out, *arrays)
    planes = [_planes(x, cls) for x in arrays]
    dt = _float_dtype(dtype, "stack") or component_dtype(*arrays)
    ax = normalize_axis_index(axis, planes[0].ndim) + 1
    # (casting: the caller's string, which numpy checks)
    result = np.stack(planes, axis=ax, dtype=dt, casting=casting)  # type: ignore[call-overload]
    return _store(cls._wrap(result), out)


def _atleast(x: Any, ndim: int) -> Any:
    """numpy's atleast_1d/2d/3d of one array, dual or plain."""
    if not isinstance(x, DualArray):
        return (np.atleast_1d, np.atleast_2d, np.atleast_3d)[ndim - 1](x)
    shape = x.shape
    if len(shape) >= ndim:
        return x
    if ndim == 1:
        shape = (1,)
    elif ndim == 2:
        shape = (1, *shape) if shape else (1, 1)
    else:  # numpy: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)
        shape = {0: (1, 1, 1), 1: (1, *shape, 1), 2: (*shape, 1)}[len(shape)]
    return x.reshape(shape)


def _atleast_all(arys: tuple[Any, ...], ndim: int) -> Any:
    result = tuple(_atleast(x, ndim) for x in arys)
    return result[0] if len(result) == 1 else result


@implements(np.atleast_1d)
def _atleast_1d(*arys: Any) -> Any:
    return _atleast_all(arys, 1)


@implements(np.atleast_2d)
def _atleast_2d(*arys: Any) -> Any:
    return _atleast_all(arys, 2)


@implements(np.atleast_3d)
def _atleast_3d(*arys: Any) -> Any:
    return _atleast_all(arys, 3)


@implements(np.hstack)
def _hstack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Any:
    arrays = [_atleast(x, 1) for x in tup]
    axis = 0 if arrays and np.ndim(arrays[0]) == 1 else 1
    return _concatenate(arrays, axis, dtype=dtype, casting=casting)


@implements(np.vstack)
def _vstack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Any:
    return _concatenate([_atleast(x, 2) for x in tup], 0, dtype=dtype, casting=casting)


@implements(np.dstack)
def _dstack(tup: Sequence[Any]) -> Any:
    return _concatenate([_atleast(x, 3) for x in tup], 2)


@implements(np.column_stack)
def _column_stack(tup: Sequence[Any]) -> Any:
    def column(x: Any) -> Any:  # 0-d and 1-d inputs become columns
        if np.ndim(x) >= 2:
            return x
        return (x if isinstance(x, DualArray) else np.asarray(x)).reshape(-1, 1)

    return _concatenate([column(x) for x in tup], 1)


# --- broadcasting -------------------------------------------------------------------
def _shape_tuple(shape: Any) -> tuple[int, ...]:
    return (int(shape),) if np.ndim(shape) == 0 else tuple(int(n) for n in shape)


@implements(np.broadcast_to)
def _broadcast_to(array: Any, shape: Any, subok: bool = False) -> Any:
    if not isinstance(array, DualArray):
        return np.broadcast_to(array, shape)
    target = _shape_tuple(shape)
    if len(target) < array.ndim:  # numpy's error, before the plane axis could be remapped
        np.broadcast_to(array._stack[0], target)
    data = _aligned(array._stack, len(target))
    return array._wrap(np.broadcast_to(data, (array._planes, *target)))


@implements(np.broadcast_arrays)
def _broadcast_arrays(*args: Any, subok: bool = False) -> tuple[Any, ...]:
    shape = np.broadcast_shapes(*(np.shape(x) for x in args))
    if all(np.shape(x) == shape for x in args):  # numpy's: the arrays themselves
        return tuple(
            x if isinstance(x, DualArray) else np.array(x, copy=None, subok=subok) for x in args
        )
    return tuple(_broadcast_to(x, shape) for x in args)


# --- shape and order ------------------------------------------------------------------
def _memory_order(a: DualArray, order: str, name: str) -> None:
    """A TypeError for numpy's orders 'A' and 'K' where they could differ from 'C': they
    read the array in its memory layout, which numpy sets by the array's history (np.sin
    of x.T is F-ordered, as is an F-ordered input and its copies) and a dual array does
    not keep (a transform seeds an F-ordered input C-ordered; results are C-ordered), so
    its elements would come out in another order than numpy's. With at most one axis
    longer than 1 every order reads the same elements."""
    if sum(n > 1 for n in a.shape) > 1:
        raise TypeError(
            f"hyperdiff does not support numpy.{name} with order={order!r} of a dual array "
            f"of shape {a.shape}: that order follows numpy's memory layout of the array, "
            "which dual arrays do not keep (numpy's np.sin(x.T) is F-ordered, hyperdiff's "
            "C-ordered); use order='C' or 'F'"
        )


def _plane_order(a: DualArray, order: str | None, name: str) -> str:
    """C or F ('A': refused where it could be either, _memory_order)."""
    if order is None:
        order = "C"
    if order == "A":
        _memory_order(a, order, name)
        return "C"
    if order not in ("C", "F"):
        raise ValueError(f"order must be one of 'C', 'F', 'A' in numpy.{name}, not {order!r}")
    return order


@implements(np.reshape)
def _reshape(
    a: Any, shape: Any = None, order: str = "C", *, copy: bool | None = None, **kwargs: Any
) -> Any:
    if "newshape" in kwargs:  # numpy < 2.4
        shape = kwargs.pop("newshape")
    if kwargs:
        raise _unsupported("reshape", next(iter(kwargs)))
    target = _shape_tuple(shape)
    if order == "C" and copy is not True:
        # a pending colored seed stays pending (np.pad of u.reshape(m, m) then writes
        # its planes once, into the pad's interior: _shapes._pad), as does a pending
        # graph, a view of its planes once they are asked for (a sparse Jacobian's
        # recovery reads r.reshape(-1) off r's pass)
        reshaped = _core.pending_reshape(a, target)
        if reshaped is not None:
            return reshaped
    planes = a._planes
    # (order: the caller's string, which numpy checks)
    with _errors_of(lambda: np.reshape(a._stack[0], target, order=order, copy=copy)):  # type: ignore[call-overload]
        if _plane_order(a, order, "reshape") == "C":
            return a._wrap(np.reshape(a._stack, (planes, *target), copy=copy))
        # F order with the plane axis moved last (slowest in F order): every plane alike
        moved = np.moveaxis(a._stack, 0, -1)
        reshaped = np.reshape(moved, (*target, planes), order="F", copy=copy)
        return a._wrap(np.moveaxis(reshaped, -1, 0))


@implements(np.ravel)
def _ravel(a: Any, order: str = "C") -> Any:
    if order in ("A", "K"):  # memory order: refused where it could differ from C's
        _memory_order(a, order, "ravel")
        order = "C"
    return _reshape(a, -1, order)


@implements(np.transpose)
def _transpose(a: Any, axes: Any = None) -> Any:
    order = tuple(range(a.ndim))[::-1] if axes is None else normalize_axis_tuple(axes, a.ndim)
    if len(order) != a.ndim:
        raise ValueError("axes don't match array")
    return a._wrap(np.transpose(a._stack, (0, *_shift(order))))


@implements(np.swapaxes)
def _swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    ax1, ax2 = (normalize_axis_index(x, a.ndim) + 1 for x in (axis1, axis2))
    return a._wrap(np.swapaxes(a._stack, ax1, ax2))


@implements(np.moveaxis)
def _moveaxis(a: Any, source: Any, destination: Any) -> Any:
    src = _shift(normalize_axis_tuple(source, a.ndim, "source"))
    dst = _shift(normalize_axis_tuple(destination, a.ndim, "destination"))
    return a._wrap(np.moveaxis(a._stack, src, dst))


@implements(np.squeeze)
def _squeeze(a: Any, axis: Any = None) -> Any:
    if axis is None:
        axes = tuple(i for i, n in enumerate(a.shape) if n == 1)
    else:
        axes = normalize_axis_tuple(axis, a.ndim)
    return a._wrap(np.squeeze(a._stack, axis=_shift(axes)))


@implements(np.expand_dims)
def _expand_dims(a: Any, axis: Any) -> Any:
    count = 1 if np.ndim(axis) == 0 else len(axis)
    return a._wrap(np.expand_dims(a._stack, _shift(normalize_axis_tuple(axis, a.ndim + count))))


@implements(np.flip)
def _flip(m: Any, axis: Any = None) -> Any:
    return m._wrap(np.flip(m._stack, _shift(_axes(axis, m.ndim))))


@implements(np.roll)
def _roll(a: Any, shift: Any, axis: Any = None) -> Any:
    """numpy's roll as numpy writes it: along each axis, the slices [-s:] and [:-s]
    joined (np.concatenate of the dual array's slices: a pending graph or colored seed
    is written straight into the result, never computed apart first, as np.roll of the
    planes did: a periodic stencil's sparse Jacobian at 1e5, 5.2 -> 2.4 ms); the
    shifts of one axis add up; a new array even when nothing moves."""
    if axis is None:  # numpy rolls the flattened array (a 1-d one: itself)
        if a.ndim == 1:
            return _roll(a, shift, 0)
        return np.reshape(_roll(np.reshape(a, -1), shift, 0), a.shape)
    pairs = np.broadcast(shift, axis)
    if pairs.ndim > 1:
        raise ValueError("'shift' and 'axis' should be scalars or 1D sequences")
    shifts = [0] * a.ndim
    for step, ax in pairs:
        shifts[normalize_axis_index(operator.index(ax), a.ndim)] += operator.index(step)
    result = a
    for ax, step in enumerate(shifts):
        size = a.shape[ax]
        if size == 0 or step % size == 0:
            continue
        cut = step % size
        head = (slice(None),) * ax + (slice(size - cut, None),)
        tail = (slice(None),) * ax + (slice(None, size - cut),)
        result = np.concatenate([result[head], result[tail]], axis=ax)
    return result.copy() if result is a else result


@implements(np.tile)
def _tile(A: Any, reps: Any) -> Any:
    reps = _shape_tuple(reps)
    ndim = max(len(reps), A.ndim)
    data = A._stack.reshape((A._planes, *(1,) * (ndim - A.ndim), *A.shape))
    return A._wrap(np.tile(data, (1, *(1,) * (ndim - len(reps)), *reps)))


@implements(np.repeat)
def _repeat(a: Any, repeats: Any, axis: Any = None) -> Any:
    if isinstance(repeats, DualArray):
        raise TypeError("repeats must be integers, not a dual array")
    if axis is None:
        return a._wrap(np.repeat(a._stack.reshape(a._planes, -1), repeats, axis=1))
    return a._wrap(np.repeat(a._stack, repeats, axis=normalize_axis_index(axis, a.ndim) + 1))


# --- indexing -------------------------------------------------------------------------
def _indices(indices: Any) -> np.ndarray:
    if isinstance(indices, DualArray):
        raise TypeError("dual arrays cannot be used as indices; index with x.value")
    array = np.asarray(indices)
    if array.size == 0 and not isinstance(indices, np.ndarray):
        return array.astype(np.intp)  # numpy's rule: an empty list is no float index
    return array


@implements(np.take)
def _take(a: Any, indices: Any, axis: Any = None, out: Any = None, mode: str = "raise") -> Any:
    cls = _kind_out("take", out, a)
    data = _planes(a, cls)
    index = _indices(indices)
    _safe_out(out, data.dtype)
    # (mode: the caller's string, which numpy checks)
    with _errors_of(lambda: np.take(data[0], index, axis=axis, mode=mode)):  # type: ignore[call-overload]
        if axis is None:
            data, axis = data.reshape(cls._planes, -1), 0
        ax = normalize_axis_index(axis, data.ndim - 1) + 1
        # (mode: the caller's string, which numpy checked above)
        return _store(cls._wrap(np.take(data, index, axis=ax, mode=mode)), out)  # type: ignore[call-overload]


@implements(np.take_along_axis)
def _take_along_axis(arr: Any, indices: Any, axis: Any = -1) -> Any:
    index = _indices(indices)
    if not isinstance(arr, DualArray):
        raise TypeError("dual arrays cannot be used as indices; index with x.value")
    data = arr._stack
    if axis is None:  # numpy: over the flattened array, with 1-d indices
        if index.ndim != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        data, axis = data.reshape(arr._planes, -1), 0
    ax = normalize_axis_index(axis, data.ndim - 1) + 1
    if index.ndim != data.ndim - 1:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    return arr._wrap(np.take_along_axis(data, index[None], axis=ax))


def _sort_args(name: str, order: Any) -> None:
    if order is not None:
        raise _unsupported(name, "order")


@implements(np.sort)
def _sort(
    a: Any, axis: Any = -1, kind: Any = None, order: Any = None, *, stable: Any = None
) -> Any:
    _sort_args("sort", order)
    data = a._stack
    if axis is None:
        data, axis = data.reshape(a._planes, -1), 0
    ax = normalize_axis_index(axis, data.ndim - 1)
    result = np.empty_like(data)
    # numpy's sorted values (its placement of -0.0/0.0 and nan); the parts follow a
    # stable sort, so equal values keep their order, as numpy's stable sort does
    result[0] = np.sort(data[0], axis=ax, kind=kind, stable=stable)
    index = np.argsort(data[0], axis=ax, kind="stable")
    result[1:] = np.take_along_axis(data[1:], index[None], axis=ax + 1)
    return a._wrap(result)


@implements(np.argsort)
def _argsort(
    a: Any, axis: Any = -1, kind: Any = None, order: Any = None, *, stable: Any = None
) -> Any:
    _sort_args("argsort", order)
    return np.argsort(a._stack[0], axis=axis, kind=kind, stable=stable)


# --- arithmetic built from the ufuncs -------------------------------------------------
@implements(np.polyval)
def _polyval(p: Any, x: Any) -> Any:
    # Horner's scheme as numpy writes it (y = y * x + pv from zeros_like(x)), with the
    # exact ufuncs: values agree with numpy bit for bit, parts are exact.
    common_kind("polyval", p, x)
    coefficients = p if isinstance(p, DualArray) else np.asarray(p)
    y: Any = np.zeros_like(x) if isinstance(x, DualArray) else np.zeros_like(np.asarray(x))
    for i in range(len(coefficients)):
        y = y * x + coefficients[i]
    return y


@implements(np.diff)
def _diff(
    a: Any, n: int = 1, axis: int = -1, prepend: Any = np._NoValue, append: Any = np._NoValue
) -> Any:
    """numpy's diff: a (with prepend and append joined) differenced n times along axis,
    each time np.subtract of its slices [1:] and [:-1], as numpy's own diff does: the
    subtract ufunc's chain rule (and its fused graph: a stencil's x[1:] - x[:-1] never
    computes x's planes apart)."""
    cls = common_kind("diff", a, prepend, append)
    if n == 0:
        return a
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    extras = [e for e in (prepend, append) if e is not np._NoValue]
    if np.ndim(a) == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    if extras or not isinstance(a, DualArray):
        # numpy concatenates a, prepend and append as arrays: their dtypes promote (a
        # bool or int8 prepend keeps float32, a Python float is a float64 array)
        dtype = component_dtype(
            a, *(e if isinstance(e, DualArray) else np.asanyarray(e) for e in extras)
        )
        data = _planes(a, cls, dtype)
        ax = normalize_axis_index(axis, data.ndim - 1) + 1
        pieces = []
        for extra, where in ((prepend, 0), (append, 1)):
            if extra is np._NoValue:
                continue
            planes = _planes(extra, cls, dtype)
            if planes.ndim == 1:  # a scalar spans the other axes, as in numpy
                shape = list(data.shape)
                shape[ax] = 1
                planes = np.broadcast_to(planes.reshape(-1, *(1,) * (data.ndim - 1)), shape)
            pieces.append((where, planes))
        data = np.concatenate(
            [p for w, p in pieces if w == 0] + [data] + [p for w, p in pieces if w == 1], axis=ax
        )
        a = cls._wrap(data)
    ax = normalize_axis_index(axis, a.ndim)
    upper = (slice(None),) * ax + (slice(1, None),)
    lower = (slice(None),) * ax + (slice(None, -1),)
    for _ in range(n):
        a = np.subtract(a[upper], a[lower])
    return a


# --- new arrays like a dual array ---------------------------------------------------------
def _like(
    name: str, a: Any, dtype: Any, shape: Any, device: Any, fill: Callable[[Planes], None]
) -> Any:
    if device not in (None, "cpu"):
        raise _unsupported(name, "device")
    dt = _float_dtype(dtype, name) or a.dtype
    target = a.shape if shape is None else _shape_tuple(shape)
    data = np.empty((a._planes, *target), dtype=dt)
    fill(data)
    return a._wrap(data)


# order= and subok= only choose a memory layout or subclass: results are the same
@implements(np.zeros_like)
def _zeros_like(
    a: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None, **kw: Any
) -> Any:
    return _like("zeros_like", a, dtype, shape, kw.pop("device", None), lambda d: d.fill(0))


@implements(np.ones_like)
def _ones_like(
    a: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None, **kw: Any
) -> Any:
    def fill(data: Planes) -> None:
        data.fill(0)
        data[0] = 1

    return _like("ones_like", a, dtype, shape, kw.pop("device", None), fill)


@implements(np.empty_like)
def _empty_like(
    prototype: Any,
    dtype: Any = None,
    order: str = "K",
    subok: bool = True,
    shape: Any = None,
    **kw: Any,
) -> Any:
    return _like("empty_like", prototype, dtype, shape, kw.pop("device", None), lambda d: None)


@implements(np.full_like)
def _full_like(
    a: Any,
    fill_value: Any,
    dtype: Any = None,
    order: str = "K",
    subok: bool = True,
    shape: Any = None,
    **kw: Any,
) -> Any:
    cls = common_kind("full_like", a, fill_value)
    if not isinstance(a, DualArray):  # a plain prototype and a dual fill value
        a = cls._wrap(_planes(a, cls))

    def fill(data: Planes) -> None:
        data[...] = _aligned(_planes(fill_value, cls), data.ndim - 1)

    return _like("full_like", a, dtype, shape, kw.pop("device", None), fill)


@implements(np.copy)
def _copy(a: Any, order: str = "K", subok: bool = False) -> Any:
    return a.copy()


@implements(np.shape)
def _shape(a: DualArray) -> tuple[int, ...]:
    return a.shape


@implements(np.ndim)
def _ndim(a: DualArray) -> int:
    return a.ndim


@implements(np.size)
def _size(a: DualArray, axis: Any = None) -> int:
    if axis is None:
        return a.size
    return math.prod(a.shape[i] for i in _axes(axis, a.ndim))
