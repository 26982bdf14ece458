"""numpy's elementwise functions outside the C++ table, whose calculus is one line:

    ldexp(x, n) = x 2^n           d/dx = 2^n (exact: every plane scaled by 2^n)
    frexp(x) = (m, e), x = m 2^e  m = x 2^-e with e fixed by the value: m' = 2^-e x'
    modf(x) = (x - trunc(x), trunc(x))   parts (x', 0)
    divmod(x, y) = (floor_divide(x, y), remainder(x, y))   the table's two
    heaviside(x, h) = 0, h, 1 for x <, =, > 0   parts: h's where x == 0, else 0
    spacing(x), fix(x)            piecewise constant: parts 0 (as floor, sign)
    i0(x)                         numpy's Chebyshev expansions run on the dual array;
                                  beyond second order its derivatives
                                  2^-k sum_j C(k, j) I_|2j-k|(x), composed

Values are numpy's own (the ufunc on the value plane). Integer results (frexp's
exponent) and the booleans of isposinf/isneginf are plain arrays of the values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._arrays import DualArray, cast_into
from ._functions import _aligned, _planes, _value_of, common_kind, implements
from ._shapes import _with_value
from ._ufuncs import ELEMENTWISE_RULES, ufunc_name


def _integer(ufunc: np.ufunc, name: str, x: Any) -> Any:
    if isinstance(x, DualArray):
        raise TypeError(f"{ufunc_name(ufunc)} takes {name} as integers: it cannot be a dual array")
    return x


def _store(ufunc: np.ufunc, results: tuple[Any, ...], out: Any) -> Any:
    """The results, or written into out= (a dual array for a dual result, a plain one for
    a plain result), as numpy's out= returns them."""
    if out is None:
        return results if len(results) > 1 else results[0]
    outs = out if isinstance(out, tuple) else (out,)
    if len(outs) != len(results):
        raise ValueError(f"{ufunc_name(ufunc)} has {len(results)} outputs, out= has {len(outs)}")
    written = []
    for result, target in zip(results, outs, strict=True):
        if target is None:
            written.append(result)
            continue
        if isinstance(result, DualArray):
            if type(target) is not type(result):
                raise TypeError(
                    f"out= of {ufunc_name(ufunc)} must be a {type(result).__name__} array: "
                    f"writing to {type(target).__name__} would drop the derivative parts"
                )
            if target.shape != result.shape:
                raise ValueError(f"out= has shape {target.shape}; the result has {result.shape}")
            cast_into(ufunc_name(ufunc), target._stack, result._stack)
        else:
            target[...] = result
        written.append(target)
    return tuple(written) if len(written) > 1 else written[0]


def _constant_like(x: DualArray, value: np.ndarray) -> DualArray:
    """value (a piecewise constant function of x) with zero parts."""
    return x._wrap(_with_value(value, np.zeros((x._planes - 1, *np.shape(value)), value.dtype)))


def _ldexp(ufunc: np.ufunc, inputs: tuple[Any, ...], out: Any) -> Any:
    x, n = inputs
    n = _integer(ufunc, "the exponent", n)
    cls = common_kind("ldexp", x)
    data = _planes(x, cls)
    shape = np.broadcast_shapes(data.shape[1:], np.shape(n))
    return _store(ufunc, (cls._wrap(np.ldexp(_aligned(data, len(shape)), n)),), out)


def _frexp(ufunc: np.ufunc, inputs: tuple[Any, ...], out: Any) -> Any:
    (x,) = inputs
    mantissa, exponent = np.frexp(x._stack[0])
    parts = np.ldexp(x._stack[1:], -exponent[None])
    return _store(ufunc, (x._wrap(_with_value(mantissa, parts)), exponent), out)


def _modf(ufunc: np.ufunc, inputs: tuple[Any, ...], out: Any) -> Any:
    (x,) = inputs
    fraction, integral = np.modf(x._stack[0])
    return _store(
        ufunc, (x._wrap(_with_value(fraction, x._stack[1:])), _constant_like(x, integral)), out
    )


def _divmod(ufunc: np.ufunc, inputs: tuple[Any, ...], out: Any) -> Any:
    x, y = inputs
    quotient, remainder = np.floor_divide(x, y), np.remainder(x, y)
    values = np.divmod(_value_of(x), _value_of(y))  # numpy's (one computation for both)
    quotient._stack[0], remainder._stack[0] = values
    return _store(ufunc, (quotient, remainder), out)


def _heaviside(ufunc: np.ufunc, inputs: tuple[Any, ...], out: Any) -> Any:
    x, h = inputs
    cls = common_kind("heaviside", x, h)
    value = np.heaviside(_value_of(x), _value_of(h))
    h_parts = _aligned(_planes(h, cls), value.ndim)[1:]
    parts = np.where(_value_of(x) == 0, h_parts, 0).astype(value.dtype, copy=False)
    return _store(ufunc, (cls._wrap(_with_value(value, parts)),), out)


def _spacing(ufunc: np.ufunc, inputs: tuple[Any, ...], out: Any) -> Any:
    (x,) = inputs
    return _store(ufunc, (_constant_like(x, np.spacing(x._stack[0])),), out)


_RULES: dict[np.ufunc, Callable[[np.ufunc, tuple[Any, ...], Any], Any]] = {
    np.ldexp: _ldexp,
    np.frexp: _frexp,
    np.modf: _modf,
    np.divmod: _divmod,
    np.heaviside: _heaviside,
    np.spacing: _spacing,
}
ELEMENTWISE_RULES.update(_RULES)


@implements(np.fix)
def _fix(x: Any, out: Any = None) -> Any:
    # rounding toward zero: numpy's np.fix is np.trunc (parts 0, as floor)
    return np.trunc(x, out=out) if out is not None else np.trunc(x)


@implements(np.isposinf)
def _isposinf(x: Any, out: Any = None) -> Any:
    return np.isposinf(_value_of(x), out)


@implements(np.isneginf)
def _isneginf(x: Any, out: Any = None) -> Any:
    return np.isneginf(_value_of(x), out)


def _chebyshev(x: Any, coefficients: Any) -> Any:
    """numpy's _chbevl (Clenshaw's recurrence for a Chebyshev series) on dual arrays."""
    b0: Any = coefficients[0]
    b1: Any = 0.0
    b2: Any = 0.0
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _i0_derivatives(x: np.ndarray, d: int) -> list[np.ndarray]:
    """I0^(k)(x), k = 0..d, in float64: 2^-k sum_j C(k, j) I_|2j-k|(x) (positive terms
    at x >= 0; I0 is even, so I0^(k)(x) = (-1)^k I0^(k)(|x|)), with I_n = I0 r_1 ... r_n
    from the ratios r_n = I_n/I_(n-1) = x/(2n + x r_(n+1)) run down from r_N = 0 (stable,
    no division by x: r_n = 0 at x = 0; N - d = 30 + 8 sqrt(|x|) terms leave the ratios
    within an ulp up to |x| = 713, where I0 overflows)."""
    a = np.abs(x)
    finite = np.isfinite(a)
    a = np.where(finite, a, 0.0)
    top = float(np.max(a, initial=0.0))
    ratios: list[np.ndarray] = [np.ones_like(a)] * (d + 1)
    r = np.zeros_like(a)
    for n in range(d + 30 + int(8 * math.sqrt(min(top, 800.0))), 0, -1):
        r = a / (2 * n + a * r)
        if n <= d:
            ratios[n] = r
    value = np.i0(np.where(finite, a, np.abs(x)))
    bessel = [value]  # I_n(|x|), n = 0..d
    for n in range(1, d + 1):
        bessel.append(bessel[-1] * ratios[n])
    sign = np.where(x < 0, -1.0, 1.0)
    out = [value]
    for k in range(1, d + 1):
        total = sum(math.comb(k, j) * bessel[abs(2 * j - k)] for j in range(k + 1))
        # at +-inf every derivative is I0's (infinite) value, signed as (-1)^k at -inf
        out.append(np.where(finite, sign**k * total / 2.0**k, sign**k * value))
    return out


def _i0_composed(x: Any) -> Any:
    """i0 of a Taylor array of degree d (or a bundle): sum_k I0^(k)(x0) h^k/k! with
    h = x - x0 (value plane zero, so h^(d+1) = 0), by Horner in h. (Derivatives of
    numpy's Chebyshev expansions drift from I0's beyond the second: 2e-8 relative at
    the sixth at 0, 3e-4 at the seventh at 1e-3.)"""
    d = x._order
    value = np.i0(x._stack[0])
    with np.errstate(over="ignore", invalid="ignore"):
        derivatives = _i0_derivatives(x._stack[0].astype(np.float64), d)
        h = x - x._stack[0]
        result: Any = np.asarray(derivatives[d] / math.factorial(d), dtype=value.dtype)
        for k in range(d - 1, -1, -1):
            result = result * h + np.asarray(derivatives[k] / math.factorial(k), dtype=value.dtype)
    result._stack[0] = value
    return result


@implements(np.i0)
def _i0(x: Any) -> Any:
    # numpy's own Chebyshev expansions (Cephes: |x| <= 8 and beyond) evaluated on dual
    # arrays, so the parts are the derivatives of what numpy computes (I0' = I1 to
    # within about 1e-13 relative). |x| is x times the sign of its value (taken +1 at
    # 0): I0 is even, and so its derivatives at 0 (I0'' = 1/2) are kept. Beyond second
    # order I0's own derivatives, composed (_i0_composed).
    if x.dtype.kind == "c":
        raise TypeError("i0 not supported for complex values")
    if x._order > 2:
        return _i0_composed(x)
    value = np.i0(x._stack[0])  # numpy's value
    # numpy's tables _i0A and _i0B, from the module of np.i0's implementation (the
    # dispatcher's attribute, unknown to numpy's stubs)
    constants = np.i0._implementation.__globals__  # type: ignore[attr-defined]
    a = x * np.where(x._stack[0] < 0, -1.0, 1.0).astype(x.dtype)
    small = a._stack[0] <= 8.0
    far = np.where(small, 16.0, a)  # (the other branch's argument, kept in its range)
    near = np.where(small, a, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        y_near = np.exp(near) * _chebyshev(near / 2.0 - 2, constants["_i0A"])
        y_far = np.exp(far) * _chebyshev(32.0 / far - 2.0, constants["_i0B"]) / np.sqrt(far)
        result = np.where(small, y_near, y_far)
    return x._wrap(_with_value(value, result._stack[1:]))
