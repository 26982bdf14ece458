"""Complex dual arrays: the functions of z that are not holomorphic.

Parts are derivatives along real parameters (DESIGN.md), so a function that is
not complex-differentiable is exact all the same: real, imag and conj are
real-linear and act on every plane alike, and abs, angle and sign are real
functions of the real and imaginary parts, built from the table's hypot and
arctan2. For a real dual array they are numpy's real meanings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._algebra import layout
from ._arrays import DualArray, not_holomorphic_result
from ._functions import implements
from ._taylor_arrays import TaylorArray
from ._ufuncs import COMPLEX_RULES, _output, _store

# conjugate, absolute, sign: see _ufuncs.NOT_HOLOMORPHIC


def _is_complex(x: DualArray) -> bool:
    return x._stack.dtype.kind == "c"


@implements(np.real)
def real(val: Any) -> Any:
    if not _is_complex(val):
        return val  # numpy returns a real array itself
    return not_holomorphic_result("numpy.real", (val,), val._wrap(val._stack.real))


@implements(np.imag)
def imag(val: Any) -> Any:
    if not _is_complex(val):
        return val._wrap(np.zeros_like(val._stack))
    return not_holomorphic_result("numpy.imag", (val,), val._wrap(val._stack.imag))


@implements(np.iscomplexobj)
def iscomplexobj(x: DualArray) -> bool:
    return x.dtype.kind == "c"


@implements(np.isrealobj)
def isrealobj(x: DualArray) -> bool:
    return x.dtype.kind != "c"


# Elementwise tests of the value (bool results).
@implements(np.iscomplex)
def iscomplex(x: Any) -> Any:
    return np.iscomplex(x.value)


@implements(np.isreal)
def isreal(x: Any) -> Any:
    return np.isreal(x.value)


# abs and angle take numpy's own value: the table's hypot and arctan2 run through
# libmvec, within an ulp or two of the scalar libm numpy calls.
@implements(np.angle)
def angle(z: Any, deg: bool = False) -> Any:
    parts = (z._wrap(z._stack.imag), z._wrap(z._stack.real)) if _is_complex(z) else (0, z)
    result = np.arctan2(*parts)
    if deg:
        result = result * (180 / np.pi)
    result._stack[0] = np.angle(z.value, deg=deg)
    return not_holomorphic_result("numpy.angle", (z,), result)


def conjugate(x: DualArray) -> DualArray:
    return x._wrap(np.conjugate(x._stack))


def absolute(x: DualArray) -> DualArray:
    # (np.hypot of dual arrays is a dual array: numpy's stubs say ndarray)
    result: DualArray = np.hypot(x._wrap(x._stack.real), x._wrap(x._stack.imag))  # type: ignore[assignment]
    result._stack[0] = np.absolute(x.value)
    return result


def sign(x: DualArray) -> DualArray:
    # z/|z| for the parts; numpy's own value (it divides by |z| its own way and
    # gives 0 at 0, where the parts are nan: sign is not differentiable there)
    result = x / absolute(x)
    result._stack[0] = np.sign(x.value)
    zero = x.value == 0
    if np.any(zero) and not isinstance(x, TaylorArray):  # (Taylor kernels: nan already)
        _nan_at_zero(x, result._stack, zero)
    return result


def _nan_at_zero(x: DualArray, data: np.ndarray, zero: np.ndarray) -> None:
    """sign's parts at z = 0: nan along each direction that moves z there, and in each
    second-order part of a pair with one (the division's strong zeros left those 0:
    a Hessian of Re sign(x + iy) was 0 at the origin, its gradient nan); 0 along the
    others."""
    first, pairs = layout(type(x))  # type: ignore[arg-type]  # (mypy#11470)
    nan = complex(np.nan, np.nan)
    moves = [zero & (x._stack[1 + a] != 0) for a in range(first)]
    for a in range(first):
        data[1 + a, ...][moves[a]] = nan
    for q, (a, b) in enumerate(pairs):
        pair = moves[a] | moves[b] | (zero & (x._stack[1 + first + q] != 0))
        data[1 + first + q, ...][pair] = nan


_COMPLEX_UFUNCS: dict[np.ufunc, Callable[[DualArray], DualArray]] = {
    np.conjugate: conjugate,
    np.absolute: absolute,
    np.sign: sign,
}


def apply(ufunc: np.ufunc, x: DualArray, out: Any = None) -> DualArray:
    result = not_holomorphic_result(f"numpy.{ufunc.__name__}", (x,), _COMPLEX_UFUNCS[ufunc](x))
    target = _output(out, type(result), result.dtype, result.shape)
    return _store(target, type(result), result._stack)


# conjugate (of any dual array) and the non-holomorphic absolute and sign of complex ones
COMPLEX_RULES.update(dict.fromkeys(_COMPLEX_UFUNCS, apply))
