"""numpy ufunc dispatch for dual arrays, built from the table the C++ core exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _core
from ._arrays import (  # noqa: F401  (admit, component_dtype, from_objects: importers find them here)
    DualArray,
    admit,
    cast_into,
    combine_error,
    component_dtype,
    from_objects,
    register_rules,
)

# The table's maps and names live in _table (below the array classes); importers of
# this module find them here too.
from ._table import (  # noqa: F401
    _FORCED_DTYPE,
    _LATE_MODULES,
    BINARY,
    COMPLEX_BINARY,
    COMPLEX_UNARY,
    COMPONENT_DTYPES,
    FAST_BINARY,
    NOT_HOLOMORPHIC,
    UNARY,
    VALUE_ONLY,
    check_component_dtype,
    resolve_late,
    ufunc_name,
    unsupported,
)


def _dual_type() -> type[DualArray]:
    """DualArray (for the modules that import it from here)."""
    return DualArray


# ufunc keyword arguments accepted only at their defaults (a `where=` mask
# would leave parts of `out` unwritten, a `dtype=` would recast the parts).
_DEFAULT_KWARGS = {
    "where": True,
    "casting": "same_kind",
    "order": "K",
    "subok": True,
    "dtype": None,
}


def _check_kwargs(ufunc: np.ufunc, kwargs: dict[str, Any]) -> None:
    for key, value in kwargs.items():
        default = _DEFAULT_KWARGS.get(key, ...)
        if value is default or (isinstance(value, str) and value == default):
            continue
        raise TypeError(f"hyperdiff does not support the argument {key}= of {ufunc_name(ufunc)}")


def kernel_planes(data: np.ndarray) -> np.ndarray:
    """A dual array's planes as the kernels take them: itself when each plane is one
    C-contiguous block (the planes may lie apart, as in the view x[1:]; the rule is the
    kernels' own, _core.plane_blocks), else a copy."""
    return data if _core.plane_blocks(data) else np.ascontiguousarray(data)


# A view whose planes are no single block but whose elements lie in C order, a few
# apart, within a block not much larger (v[1:-1, 1:-1] of a padded grid: rows with
# gaps of 2) is run by the kernels over that whole block, gaps too (an eighth more
# elements at most; the kernels raise nothing), instead of copying it first: the
# result has the same gaps, so a chain of such operations copies nothing. Only from
# _RUN_MIN elements a plane (below, copying costs less than the views).
_RUN_MIN = 4096
_RUN_SLACK = 1.125


def run_layout(data: np.ndarray) -> tuple[int, tuple[int, ...]] | None:
    """(run, strides): the block of `run` elements per plane that data's planes lie
    in, in C order, and the planes' own strides; None unless that block is one view
    away (each plane already one block: plane_blocks; or too sparse, or too small)."""
    size = data[0].size if data.ndim > 1 else 0
    if data.ndim < 3 or size < _RUN_MIN or _core.plane_blocks(data):
        return None
    item = data.itemsize
    strides, shape = data.strides[1:], data.shape[1:]
    span = item  # bytes from a plane's first element past its last, in C order
    for n, stride in zip(reversed(shape), reversed(strides), strict=True):
        if n > 1:
            if stride < span or stride % item:  # (smaller: not C order, or overlapping)
                return None
            span += stride * (n - 1)
    run = span // item
    if run > _RUN_SLACK * size or abs(data.strides[0]) < span:
        return None
    return run, strides


def _run_view(data: np.ndarray, run: int) -> np.ndarray:
    """data's planes as (P, run) blocks (run_layout's)."""
    return np.lib.stride_tricks.as_strided(
        data, (data.shape[0], run), (data.strides[0], data.itemsize), writeable=False
    )


def _in_layout(result: np.ndarray, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
    """A (P, run) result as planes of `shape` laid out as run_layout found them."""
    return np.lib.stride_tricks.as_strided(
        result, (result.shape[0], *shape), (result.strides[0], *strides)
    )


def _shared_run(
    operands: tuple[tuple[Any, bool], ...], dtype: np.dtype, shape: tuple[int, ...]
) -> tuple[int, tuple[int, ...]] | None:
    """The run_layout the dual operands share (same shape, strides and dtype: the
    kernel's), any other operand one element; else None."""
    layout = None
    for op, dual in operands:
        if not dual:
            if np.size(op) != 1:
                return None
            continue
        if op.shape != shape or op._stack.dtype != dtype:
            return None
        found = run_layout(op._stack)
        if found is None or (layout is not None and found != layout):
            return None
        layout = found
    return layout


def contiguous(arr: np.ndarray) -> np.ndarray:
    """np.ascontiguousarray, faster where the last axes are short and numpy's copy
    would loop over them innermost, a few elements a loop: where the last axis is
    contiguous but the rows are apart (corners[:, 1] of a (planes, 5000, 3, 2) stack:
    0.7 ms for 30 planes of 5000 x 2), each row copied as one item of its bytes (0.11
    ms); where the last two are small matrices in another order (a transposed stack of
    2 x 2), entry by entry over the stack."""
    if arr.flags.c_contiguous or arr.ndim < 2 or arr.size < 1024:
        return np.ascontiguousarray(arr)
    if arr.strides[-1] == arr.itemsize and 2 <= arr.shape[-1] <= 8:
        rows = np.ascontiguousarray(arr.view(np.dtype((np.void, arr.shape[-1] * arr.itemsize))))
        return rows.view(arr.dtype).reshape(arr.shape)
    if arr.ndim >= 3 and arr.shape[-1] * arr.shape[-2] <= 16:
        out = np.empty(arr.shape, dtype=arr.dtype)
        for i in range(arr.shape[-2]):
            for j in range(arr.shape[-1]):
                out[..., i, j] = arr[..., i, j]
        return out
    return np.ascontiguousarray(arr)


def _operand(op: Any, lead: tuple[int, ...], dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """An operand of the output's shape: its planes as blocks (a strided view copied:
    numpy's copy outruns the kernels' gather there), or numpy's broadcast_to view of a
    smaller one, which the kernels read a block at a time (never a full-size copy); or
    of one element a plane (broadcast in C++)."""
    arr = np.asarray(op, dtype=dtype)
    own = arr.shape[len(lead) :]
    if own == shape:
        return contiguous(arr)
    if arr.size == int(np.prod(lead, dtype=np.int64)):
        return np.ascontiguousarray(arr)
    arr = arr.reshape(lead + (1,) * (len(shape) - len(own)) + own)
    return np.broadcast_to(arr, lead + shape)


def _output(
    out: Any, cls: type[DualArray], dtype: np.dtype, shape: tuple[int, ...]
) -> DualArray | None:
    if out is None:
        return None
    if isinstance(out, tuple):
        if len(out) != 1:
            raise TypeError("hyperdiff ufuncs have one output")
        out = out[0]
    if out is None:
        return None
    if type(out) is not cls:
        raise TypeError(
            f"out= must be a {cls.__name__} array: writing to {type(out).__name__} would drop "
            "the derivative parts"
        )
    if out.shape != shape:
        raise ValueError(f"out= has shape {out.shape}; the result has {shape}")
    return out


def _store(
    out: DualArray | None, cls: type[DualArray], result: np.ndarray, name: str = "a ufunc"
) -> DualArray:
    if out is None:
        return cls._wrap(result)
    if result is not out._stack:
        cast_into(name, out._stack, result)
    return out


def _target(
    out: DualArray | None,
    planes: int,
    dtype: np.dtype,
    shape: tuple[int, ...],
    inputs: tuple[np.ndarray, ...],
) -> np.ndarray:
    """Where the kernel writes: out's own buffer when it is contiguous and no input
    overlaps it other than element for element, else a fresh array (cast into out by
    _store when out's dtype is another)."""
    if out is not None and out._stack.flags.c_contiguous and out._stack.dtype == dtype:
        target = out._stack
        if all(
            not np.may_share_memory(target, arr)
            or (
                arr.shape == target.shape
                and arr.strides == target.strides
                and arr.ctypes.data == target.ctypes.data
            )
            for arr in inputs
        ):
            return target
    return np.empty((planes, *shape), dtype=dtype)


def apply_unary(ufunc: np.ufunc, x: DualArray, out: Any = None) -> DualArray:
    """f(x) called from Python (-x, x.sin(), x ** np.float64(2)): C++'s fast path first
    (it takes the common call whole), then the checked path."""
    if out is None:
        fast = _core.fast_unary(UNARY[ufunc], x)
        if fast is not None:
            return fast
    return checked_unary(ufunc, x, out)


def checked_unary(ufunc: np.ufunc, x: DualArray, out: Any = None) -> DualArray:
    """f(x) where the fast path declined or does not apply (out=): the checked kernels,
    and the rare cases (complex values without a kernel)."""
    cls = type(x)
    if x._stack.dtype.kind == "c" and ufunc not in COMPLEX_UNARY:
        if ufunc in _special_table():  # (scipy's complex erf, erfc)
            special: DualArray = _apply_special(ufunc, (x,), {"out": out})
            return special
        if ufunc in NOT_HOLOMORPHIC:
            rule: DualArray = COMPLEX_RULES[ufunc](ufunc, x, out)
            return rule
        raise unsupported(f"{ufunc_name(ufunc)} of complex values")
    if out is None:  # the common call
        layout = run_layout(x._stack)
        if layout is not None:
            run, strides = layout
            result = np.empty((cls._planes, run), dtype=x._stack.dtype)
            cls._unary_kernel(UNARY[ufunc], _run_view(x._stack, run), result)
            return cls._wrap(_in_layout(result, x.shape, strides))
    data = kernel_planes(x._stack)
    if out is None:
        result = np.empty(data.shape, dtype=data.dtype)
        cls._unary_kernel(UNARY[ufunc], data, result)
        return cls._wrap(result)
    target_out = _output(out, cls, data.dtype, x.shape)
    result = _target(target_out, cls._planes, data.dtype, x.shape, (data,))
    cls._unary_kernel(UNARY[ufunc], data, result)
    return _store(target_out, cls, result, ufunc_name(ufunc))


def apply_binary(ufunc: np.ufunc, a: Any, b: Any, out: Any = None) -> DualArray:
    """f(a, b) where the fast path (C++: operators and __array_ufunc__ try it first)
    declined or does not apply: broadcasting, promotion, mixed kinds, out=."""
    a_dual, b_dual = isinstance(a, DualArray), isinstance(b, DualArray)
    if a_dual and b_dual and type(a) is not type(b):
        # an outer transform's variable meeting an inner one's: their product kind
        from ._multivariate import unify

        a, b = unify((a, b))
        if type(a) is not type(b):
            raise combine_error(ufunc_name(ufunc), type(a), type(b))
    if not (a_dual and b_dual):  # an object array of dual scalars: a dual array
        a, b = admit(a), admit(b)
        if isinstance(a, DualArray) and isinstance(b, DualArray):
            return apply_binary(ufunc, a, b, out)
    cls: type[DualArray] = type(a) if a_dual else type(b)
    if not a_dual:
        a = np.asarray(a) if not np.isscalar(a) else a
    if not b_dual:
        b = np.asarray(b) if not np.isscalar(b) else b
    dtype = component_dtype(a, b)
    if ufunc in _FORCED_DTYPE:
        dtype = _FORCED_DTYPE[ufunc] if dtype.kind == "f" else np.dtype(np.complex128)
    if dtype.kind == "c" and ufunc not in COMPLEX_BINARY:
        raise unsupported(f"{ufunc_name(ufunc)} of complex values")
    shape = np.broadcast_shapes(np.shape(a), np.shape(b))
    planes = (cls._planes,)
    layout = None if out is not None else _shared_run(((a, a_dual), (b, b_dual)), dtype, shape)
    if layout is not None:
        run, strides = layout
        xa = _run_view(a._stack, run) if a_dual else _operand(a, (), dtype, shape)
        xb = _run_view(b._stack, run) if b_dual else _operand(b, (), dtype, shape)
        result = np.empty((cls._planes, run), dtype=dtype)
        cls._binary_kernel(BINARY[ufunc], xa, a_dual, xb, b_dual, result)
        return cls._wrap(_in_layout(result, shape, strides))
    xa = _operand(a._stack if a_dual else a, planes if a_dual else (), dtype, shape)
    # (x * x of a strided view, as norms square: one copy of it, not two)
    same = b is a and a_dual
    xb = xa if same else _operand(b._stack if b_dual else b, planes if b_dual else (), dtype, shape)
    target_out = _output(out, cls, dtype, shape)
    result = _target(target_out, cls._planes, dtype, shape, (xa, xb))
    cls._binary_kernel(BINARY[ufunc], xa, a_dual, xb, b_dual, result)
    return _store(target_out, cls, result, ufunc_name(ufunc))


def apply_ufunc(
    ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """The body of DualArray.__array_ufunc__."""
    if _LATE_MODULES and ufunc not in UNARY and ufunc not in BINARY:
        resolve_late()  # scipy.special imported after hyperdiff
    if method != "__call__":  # reduce, accumulate, outer, at, reduceat
        return _apply_method(ufunc, method, inputs, kwargs)
    # (the common calls never get here: DualArray.__array_ufunc__ ran them in C++)
    if not any(isinstance(x, DualArray) for x in inputs):
        return _constant_into(ufunc, inputs, kwargs)  # only out= is a dual array
    if ufunc.signature is not None:  # a gufunc: the multilinear ones are supported
        rule = GUFUNC_RULES.get(ufunc)
        if rule is not None:
            return rule(ufunc, inputs, kwargs)
    if ufunc in VALUE_ONLY:
        if any(isinstance(o, DualArray) for o in _outputs(kwargs)):
            raise TypeError(
                f"out= of {ufunc_name(ufunc)} cannot be a dual array: its result is boolean, "
                "with no derivative parts"
            )
        values = [x.value if isinstance(x, DualArray) else x for x in inputs]
        return ufunc(*values, **kwargs)
    out = kwargs.pop("out", None)
    _check_kwargs(ufunc, kwargs)
    if len(inputs) == 1 and ufunc is np.conjugate and isinstance(inputs[0], DualArray):
        return COMPLEX_RULES[ufunc](ufunc, inputs[0], out)
    if len(inputs) == 1 and ufunc in UNARY:  # (__array_ufunc__ tried the fast path)
        return checked_unary(ufunc, inputs[0], out)
    if len(inputs) == 2 and ufunc in BINARY:
        return apply_binary(ufunc, inputs[0], inputs[1], out)
    if ufunc in _special_table():  # scipy.special functions differentiated on the value
        return _apply_special(ufunc, inputs, {**kwargs, "out": out})
    if ufunc in ELEMENTWISE_RULES:  # numpy ufuncs outside the table (ldexp, frexp, modf, ...)
        return ELEMENTWISE_RULES[ufunc](ufunc, inputs, out)
    raise unsupported(ufunc_name(ufunc))


# --- the rule modules beside this one: what they register at their import -----------------
# _ufunc_methods, _algebra, _complex and _special import this module, so it reaches them
# through these (hyperdiff's __init__ imports them all; tests/test_imports.py keeps the
# imports going down): ufunc methods (reduce, accumulate, outer, at, reduceat), the
# multilinear gufuncs (matmul, vecdot, matvec, vecmat), conjugate and the non-holomorphic
# absolute and sign of complex values, and scipy.special's functions differentiated on the
# value (their table read when asked: scipy.special is imported late, if at all).
GUFUNC_RULES: dict[np.ufunc, Callable[[np.ufunc, tuple[Any, ...], dict[str, Any]], Any]] = {}
COMPLEX_RULES: dict[np.ufunc, Callable[[np.ufunc, Any, Any], Any]] = {}
# numpy ufuncs with a rule of their own outside the table (_elementwise): f(ufunc, inputs, out)
ELEMENTWISE_RULES: dict[np.ufunc, Callable[[np.ufunc, tuple[Any, ...], Any], Any]] = {}


def _no_rules(*args: Any) -> Any:
    raise RuntimeError("hyperdiff's rule modules are not loaded: import hyperdiff")


_apply_method: Callable[[np.ufunc, str, tuple[Any, ...], dict[str, Any]], Any] = _no_rules
_apply_special: Callable[[np.ufunc, tuple[Any, ...], dict[str, Any]], Any] = _no_rules
_special_table: Callable[[], dict[np.ufunc, Any]] = dict


def register_ufunc_rules(
    *,
    method: Callable[[np.ufunc, str, tuple[Any, ...], dict[str, Any]], Any] | None = None,
    special: Callable[[np.ufunc, tuple[Any, ...], dict[str, Any]], Any] | None = None,
    special_table: Callable[[], dict[np.ufunc, Any]] | None = None,
) -> None:
    """The entry points of _ufunc_methods (method) and _special (special, special_table)."""
    global _apply_method, _apply_special, _special_table
    if method is not None:
        _apply_method = method
    if special is not None:
        _apply_special = special
    if special_table is not None:
        _special_table = special_table


def _outputs(kwargs: dict[str, Any]) -> tuple[Any, ...]:
    out = kwargs.get("out")
    return () if out is None else out if isinstance(out, tuple) else (out,)


def _constant_into(ufunc: np.ufunc, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """ufunc(plain inputs, out=dual): numpy's values (and casting rules) into the value
    plane; the result depends on no dual number, so its parts are zero."""
    kwargs = dict(kwargs)
    outs = _outputs(kwargs)
    kwargs.pop("out", None)
    _check_kwargs(ufunc, kwargs)  # a where= mask would leave parts unwritten
    if len(outs) != 1:
        raise TypeError(
            f"hyperdiff writes one out= dual array, {ufunc_name(ufunc)} has {len(outs)}"
        )
    (out,) = outs
    ufunc(*inputs, out=out._stack[0, ...], **kwargs)
    out._stack[1:] = 0
    return out


register_rules(apply_ufunc=apply_ufunc, apply_unary=apply_unary, apply_binary=apply_binary)
