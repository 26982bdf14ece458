"""Numeric numpy functions on dual arrays: order statistics (median, quantile,
percentile), averages and integrals (average, trapezoid, gradient), interpolation and
grids (interp, linspace, geomspace), convolution, rounding and cleaning (round,
nan_to_num, real_if_close), sinc, the function appliers (apply_along_axis,
piecewise), and the comparisons of values (isclose, allclose, array_equal, unique).

Values are numpy's own results on the value plane wherever numpy computes them;
the parts follow from the calculus of each function:
- order statistics are x_(lo) + g (x_(hi) - x_(lo)) for the sorted values, with lo,
  hi and the weight g fixed by the order of the values and the method (numpy's
  Hyndman-Fan table, copied below): the parts interpolate with the same weights;
- linear functions (gradient, linspace in its end points, convolution in each
  operand) are numpy's function of the part planes (bilinear ones by the algebra's
  product rule, _algebra.apply);
- the rest is composed from the exact ufuncs (average, trapezoid, interp, geomspace,
  sinc), or has derivative zero (round) or follows the value's selection.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple
from numpy.lib.stride_tricks import sliding_window_view

from . import _algebra, _core
from ._arrays import DualArray
from ._functions import (
    _aligned,
    _axes,
    _float_dtype,
    _keepdims_shape,
    _kind_out,
    _planes,
    _store,
    _to_last,
    _unsupported,
    _value_of,
    common_kind,
    implements,
    not_holomorphic,
)
from ._sets import _first_occurrences
from ._shapes import _with_value
from ._ufuncs import component_dtype


def _plain(name: str, argument: str, x: Any) -> Any:
    if isinstance(x, DualArray):
        raise TypeError(
            f"hyperdiff's numpy.{name} takes {argument} as a plain array: derivatives with "
            f"respect to {argument} are not supported"
        )
    return x


def _as_dual(x: Any, cls: type[DualArray], dtype: Any = None) -> Any:
    """x as a dual array of kind cls (a constant when plain)."""
    if isinstance(x, DualArray):
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)
    return cls._wrap(_planes(x, cls, None if dtype is None else np.dtype(dtype)))


# --- order statistics -------------------------------------------------------------------
def _compute_virtual_index(n: int, q: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    return n * q + (alpha + q * (1 - alpha - beta)) - 1


def _discrete(index: np.ndarray, previous_wins: Callable[..., np.ndarray]) -> np.ndarray:
    previous = np.floor(index)
    gamma = index - previous
    chosen = np.where(previous_wins(gamma, index), previous, previous + 1).astype(np.intp)
    result: np.ndarray = np.maximum(chosen, 0)
    return result


# numpy's quantile methods (numpy/lib/_function_base_impl.py, _QuantileMethods): the
# virtual index of each quantile in the sorted sample, and the method's weight rule
# (None: the method picks one element)
_VIRTUAL_INDEX: dict[str, Callable[[int, np.ndarray], np.ndarray]] = {
    "inverted_cdf": lambda n, q: _discrete(n * q - 1, lambda g, _: g == 0),
    "averaged_inverted_cdf": lambda n, q: n * q - 1,
    "closest_observation": lambda n, q: _discrete(
        n * q - 1 - 0.5, lambda g, i: (g == 0) & (np.floor(i) % 2 == 1)
    ),
    "interpolated_inverted_cdf": lambda n, q: _compute_virtual_index(n, q, 0, 1),
    "hazen": lambda n, q: _compute_virtual_index(n, q, 0.5, 0.5),
    "weibull": lambda n, q: _compute_virtual_index(n, q, 0, 0),
    "linear": lambda n, q: (n - 1) * q,
    "median_unbiased": lambda n, q: _compute_virtual_index(n, q, 1 / 3.0, 1 / 3.0),
    "normal_unbiased": lambda n, q: _compute_virtual_index(n, q, 3 / 8.0, 3 / 8.0),
    "lower": lambda n, q: np.floor((n - 1) * q).astype(np.intp),
    "higher": lambda n, q: np.ceil((n - 1) * q).astype(np.intp),
    "midpoint": lambda n, q: 0.5 * (np.floor((n - 1) * q) + np.ceil((n - 1) * q)),
    "nearest": lambda n, q: np.around((n - 1) * q).astype(np.intp),
}
_FIX_GAMMA: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "averaged_inverted_cdf": lambda g, _: np.where(g == 0, 0.5, 1.0),
    "midpoint": lambda g, i: np.where(i % 1 == 0, 0.0, 0.5),
}


def _quantile_weights(n: Any, q: np.ndarray, method: str) -> tuple[np.ndarray, ...]:
    """(lo, hi, g): quantile = sorted[lo] + g (sorted[hi] - sorted[lo]), as numpy forms it
    (n: the sample size, or an array of sizes broadcasting against q)."""
    index = np.asarray(_VIRTUAL_INDEX[method](n, q))
    if index.dtype.kind in "iu":  # a method that picks one element
        return index, index, np.zeros(index.shape)
    lo = np.array(np.floor(index))
    hi = np.array(lo + 1)
    last = np.broadcast_to(np.subtract(n, 1), index.shape)
    above, below = index >= last, index < 0
    lo[above] = hi[above] = last[above]
    lo[below] = hi[below] = 0
    gamma = index - np.where(above, -1.0, lo)  # (numpy's weight there: lo = hi anyway)
    fix = _FIX_GAMMA.get(method)
    if fix is not None:
        gamma = fix(gamma, index)
    return lo.astype(np.intp), hi.astype(np.intp), np.asarray(gamma, dtype=np.float64)


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's _lerp: a + (b - a) t, or b - (b - a)(1 - t) for t >= 0.5."""
    diff = b - a
    result: np.ndarray = np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)
    return result


@functools.cache
def _nan_layout_moves_kept_axes() -> bool:
    """Whether numpy's nanquantile/nanpercentile over several axes but not all, with a q
    of two or more axes, lay their result out with the axes -1, 0, ..., q.ndim - 2 of
    (*kept, *q.shape) moved to the front rather than q's axes (numpy 2.4: _ureduce
    passes axis=-1 and _nanquantile_ureduce_func moves [axis + i for i < q.ndim]).
    Asked of numpy itself, once: slices of constant values and a q of shape (2, 1)."""
    probe = np.zeros((3, 1, 2))
    return bool(np.nanquantile(probe, np.zeros((2, 1)), axis=(1, 2)).shape != (2, 1, 3))


def quantile_layout(data: Any, lead: int, q_ndim: int, several_nan_axes: bool) -> Any:
    """data laid out (lead axes, *kept, *q.shape), in numpy's layout of a quantile's
    result: q's axes first after the lead ones, or, for numpy's nan-functions reducing
    several axes but not all (several_nan_axes), the axes numpy moves there instead."""
    n_kept = data.ndim - lead - q_ndim
    if several_nan_axes and n_kept and q_ndim > 1 and _nan_layout_moves_kept_axes():
        source = (data.ndim - 1, *range(lead, lead + q_ndim - 1))
    else:
        source = tuple(range(lead + n_kept, data.ndim))
    return np.moveaxis(data, source, tuple(range(lead, lead + q_ndim)))


def _order_statistic(
    name: str,
    a: Any,
    q: np.ndarray,
    axis: Any,
    method: str,
    keepdims: bool,
    out: Any,
    value: np.ndarray,
    skip_nan: bool = False,
) -> Any:
    """The dual result of a quantile-like function whose value numpy gave: the parts of
    the sorted sample interpolated at the quantiles' indices with numpy's weights
    (skip_nan: numpy's nan-functions, each slice's sample its values that are not nan)."""
    cls = _kind_out(name, out, a)
    data = _planes(a, cls)
    shape = data.shape[1:]
    axes = _axes(axis, len(shape))
    sample = _to_last(data, axes)  # (planes, *kept, n)
    n = sample.shape[-1]
    order = np.argsort(sample[0], axis=-1, kind="stable")  # nan last, as numpy's sort
    parts = np.take_along_axis(sample[1:], order[None], axis=-1)
    if skip_nan:  # the present values come first in each sorted slice: count them
        present = np.sum(~np.isnan(sample[0]), axis=-1)
        counts = present.reshape((*present.shape, *(1,) * q.ndim))
        lo, hi, gamma = _quantile_weights(counts, q, method)
        kept = parts.shape[1:-1]
        lo, hi = (np.broadcast_to(i, (*kept, *q.shape)) for i in (lo, hi))
        gamma = np.broadcast_to(gamma, (*kept, *q.shape)).astype(parts.real.dtype)

        def gather(index: np.ndarray) -> np.ndarray:
            flat = np.clip(index, 0, max(n - 1, 0)).reshape((1, *kept, -1))
            return np.take_along_axis(parts, flat, axis=-1).reshape(
                (parts.shape[0], *kept, *q.shape)
            )

        result = _lerp(gather(lo), gather(hi), gamma)
    else:
        lo, hi, gamma = _quantile_weights(n, q, method)
        gamma = gamma.astype(parts.real.dtype)
        result = _lerp(parts[..., lo], parts[..., hi], gamma)
    # (planes-1, *kept, *q.shape) -> numpy's order of the values
    result = quantile_layout(result, 1, q.ndim, skip_nan and len(axes) > 1)
    if keepdims:
        result = result.reshape((result.shape[0], *q.shape, *_keepdims_shape(shape, axes)))
    value = np.asarray(value)
    result = result.reshape((result.shape[0], *value.shape))
    np.copyto(result, np.nan, where=np.isnan(value))  # a nan in the sample: nan parts
    return _store(cls._wrap(_with_value(value, result)), out)


def _quantile_args(name: str, q: Any, weights: Any) -> np.ndarray:
    if weights is not None:
        raise _unsupported(name, "weights")
    return np.asanyarray(_plain(name, "q", q))


@implements(np.quantile)
def _quantile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: Any = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    *,
    weights: Any = None,
    interpolation: Any = None,
) -> Any:
    q_array = _quantile_args("quantile", q, weights)
    if interpolation is not None:  # numpy's deprecated name
        raise _unsupported("quantile", "interpolation")
    # (numpy's value of the q given: a Python float q keeps float32 results float32)
    # (method, keepdims: the caller's, which numpy checks)
    value = np.quantile(_value_of(a), q, axis=axis, method=method, keepdims=keepdims)  # type: ignore[call-overload]
    return _order_statistic("quantile", a, q_array, axis, method, keepdims, out, value)


@implements(np.percentile)
def _percentile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: Any = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    *,
    weights: Any = None,
    interpolation: Any = None,
) -> Any:
    q_array = _quantile_args("percentile", q, weights)
    if interpolation is not None:
        raise _unsupported("percentile", "interpolation")
    # (method, keepdims: the caller's, which numpy checks)
    value = np.percentile(_value_of(a), q, axis=axis, method=method, keepdims=keepdims)  # type: ignore[call-overload]
    fraction = np.true_divide(q_array, 100)
    return _order_statistic("percentile", a, fraction, axis, method, keepdims, out, value)


@implements(np.median)
def _median(
    a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False, keepdims: bool = False
) -> Any:
    # the mean of the middle one or two sorted values: the midpoint method at q = 1/2
    value = np.median(_value_of(a), axis=axis, keepdims=keepdims)
    return _order_statistic("median", a, np.asarray(0.5), axis, "midpoint", keepdims, out, value)


# --- averages, integrals, differences ---------------------------------------------------------
@implements(np.average)
def _average(
    a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *, keepdims: Any = False
) -> Any:
    # numpy's own steps (sum(a w) / sum(w)) on dual arrays
    keepdims = keepdims is True
    shape = np.shape(a)
    axes = None if axis is None else normalize_axis_tuple(axis, len(shape), argname="axis")
    if weights is None:
        avg = np.mean(a, axis=axes, keepdims=keepdims)
        scale: Any = np.asarray(np.prod(shape) / max(np.prod(np.shape(avg)), 1))
        scale = scale.astype(avg.dtype if isinstance(avg, DualArray) else np.asarray(avg).dtype)
    else:
        w = weights if isinstance(weights, DualArray) else np.asanyarray(weights)
        if np.shape(w) != shape:
            if axes is None:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            if np.shape(w) != tuple(shape[ax] for ax in axes):
                raise ValueError(
                    "Shape of weights must be consistent with shape of a along specified axis."
                )
            w = np.transpose(w, np.argsort(axes))
            w = np.reshape(w, tuple(s if ax in axes else 1 for ax, s in enumerate(shape)))
        # numpy sums the weights in the result's dtype (bool or int weights of a float32
        # a: float32, not int64's quotient, float64)
        kinds = [np.asarray(_value_of(x)).dtype for x in (a, w)]
        floor = ("f8",) if kinds[0].kind in "biu" else ()
        scale = np.sum(w, axis=axes, keepdims=keepdims, dtype=np.result_type(*kinds, *floor))
        if np.any(_value_of(scale) == 0.0):
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        avg = np.sum(np.multiply(a, w), axis=axes, keepdims=keepdims) / scale
    if not returned:
        return avg
    if np.shape(scale) != np.shape(avg):
        scale = np.broadcast_to(scale, np.shape(avg)).copy()
    return avg, scale


@implements(np.trapezoid)
def _trapezoid(y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Any:
    # numpy's formula: sum(d (y[1:] + y[:-1]) / 2) along the axis
    y = y if isinstance(y, DualArray) else np.asanyarray(y)
    if x is None:
        d = dx
    else:
        x = x if isinstance(x, DualArray) else np.asanyarray(x)
        if np.ndim(x) == 1:
            d = np.diff(x)
            shape = [1] * np.ndim(y)
            shape[axis] = np.shape(d)[0]
            d = np.reshape(d, shape)
        else:
            d = np.diff(x, axis=axis)
    nd = np.ndim(y)
    upper = [slice(None)] * nd
    lower = [slice(None)] * nd
    upper[axis] = slice(1, None)
    lower[axis] = slice(None, -1)
    return np.sum(d * (y[tuple(upper)] + y[tuple(lower)]) / 2.0, axis=axis)


@implements(np.gradient)
def _gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    # linear in f for fixed spacing: numpy's gradient of every plane
    for spacing in varargs:
        _plain("gradient", "the spacing", spacing)
    if not isinstance(f, DualArray):
        raise TypeError("hyperdiff's numpy.gradient needs f as a dual array")
    # (the caller's spacings and edge_order, which numpy checks: its stubs want literals)
    if f.ndim == 0:
        np.gradient(f._stack[0], *varargs, axis=axis, edge_order=edge_order)  # type: ignore[call-overload]  # numpy's error
    axes = tuple(a + 1 for a in _axes(axis, f.ndim))
    result = np.gradient(f._stack, *varargs, axis=axes, edge_order=edge_order)  # type: ignore[call-overload]
    if len(axes) == 1:
        return f._wrap(result)
    return tuple(f._wrap(r) for r in result)


# --- interpolation and grids --------------------------------------------------------------------
@implements(np.interp)
def _interp(
    x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None
) -> Any:
    # piecewise linear: on the segment xp[j] <= x < xp[j+1] (the last one closed),
    # f = fp[j] + t (fp[j+1] - fp[j]), t = (x - xp[j]) / (xp[j+1] - xp[j]); outside,
    # left/right (default fp[0], fp[-1]). Exact in x and in fp, and in both (the mixed
    # part through t times fp); at a knot the derivative in x is the right segment's
    # (at the last knot the left one's).
    _plain("interp", "xp", xp)
    if period is not None:
        # numpy's reduction to one period: x and xp modulo the period, the knots sorted
        # and extended by one at each end (left and right unused)
        _plain("interp", "period", period)
        value = np.interp(_value_of(x), xp, _value_of(fp), period=period)  # numpy's checks
        period = abs(period)
        knots = np.asarray(xp, dtype=np.float64) % period
        order = np.argsort(knots)
        knots = knots[order]
        values = (fp if isinstance(fp, DualArray) else np.asarray(fp))[order]
        result = _interp(
            x % period if isinstance(x, DualArray) else np.asarray(x, np.float64) % period,
            np.concatenate((knots[-1:] - period, knots, knots[:1] + period)),
            np.concatenate((values[-1:], values, values[:1])),
        )
        return result._wrap(_with_value(value, result._stack[1:]))
    cls = common_kind("interp", x, fp, left, right)
    value = np.interp(_value_of(x), xp, _value_of(fp), _value_of(left), _value_of(right))
    value = np.asarray(value)
    knots = np.asarray(xp, dtype=np.float64)
    f = _as_dual(fp, cls, value.dtype)
    at = _as_dual(x, cls, np.float64) if isinstance(x, DualArray) else np.asarray(x, np.float64)
    xv = np.asarray(_value_of(x), dtype=np.float64)
    low = f[0] if left is None else left
    high = f[-1] if right is None else right
    if len(knots) == 1:
        inside: Any = np.broadcast_to(f[0], xv.shape) if xv.ndim else f[0]
    else:
        j = np.clip(np.searchsorted(knots, xv, side="right") - 1, 0, len(knots) - 2)
        x0, x1 = knots[j], knots[j + 1]
        f0, f1 = f[j], f[j + 1]
        # repeated last knots: x on them has a segment of length 0, where numpy's value
        # is fp[-1], its derivative in x 0 (the constant beyond; the left one a jump)
        empty = x1 == x0
        t = (at - x0) / np.where(empty, 1.0, x1 - x0)
        inside = f0 + t * (f1 - f0)
        if np.any(empty):
            inside = np.where(empty, f1, inside)
    result = np.where(xv < knots[0], low, np.where(xv > knots[-1], high, inside))
    result = _as_dual(result, cls, value.dtype)
    data = result._stack.reshape((cls._planes, *value.shape))
    return cls._wrap(_with_value(value, data[1:]))


def _device(name: str, device: Any) -> None:
    if device not in (None, "cpu"):
        raise _unsupported(name, "device")


@implements(np.linspace)
def _linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: int = 0,
    *,
    device: Any = None,
) -> Any:
    # linear in (start, stop): numpy's linspace of every plane's end points
    _device("linspace", device)
    cls = common_kind("linspace", start, stop)
    dt = _float_dtype(dtype, "linspace")
    common = component_dtype(start, stop)  # (a Python float end point is weak, as in numpy)
    first, last = _planes(start, cls, common), _planes(stop, cls, common)
    ndim = len(np.broadcast_shapes(first.shape[1:], last.shape[1:]))
    first, last = _aligned(first, ndim), _aligned(last, ndim)
    # (retstep: the caller's bool, which numpy's stubs want as a literal)
    value = np.linspace(first[0], last[0], num, endpoint, retstep, dt, axis)  # type: ignore[call-overload]
    ax = normalize_axis_index(axis, ndim + 1) + 1
    parts = np.linspace(first[1:], last[1:], num, endpoint, retstep, dt, ax)  # type: ignore[call-overload]
    if not retstep:
        return cls._wrap(_with_value(value, parts))
    step_parts = np.reshape(parts[1], (cls._planes - 1, *np.shape(value[1])))
    return cls._wrap(_with_value(value[0], parts[0])), cls._wrap(_with_value(value[1], step_parts))


@implements(np.geomspace)
def _geomspace(
    start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: int = 0
) -> Any:
    # start (stop/start)^t at t = i/div: exp and log of the exact ufuncs, end points as
    # numpy sets them (start and, with endpoint, stop exactly)
    cls = common_kind("geomspace", start, stop)
    dt = _float_dtype(dtype, "geomspace")
    value = np.asarray(np.geomspace(_value_of(start), _value_of(stop), num, endpoint, dt, axis))
    shape = np.broadcast_shapes(np.shape(start), np.shape(stop))
    common = component_dtype(start, stop)
    a, b = _as_dual(start, cls, common), _as_dual(stop, cls, common)
    a = np.broadcast_to(a, shape)[None]
    b = np.broadcast_to(b, shape)[None]
    div = (num - 1) if endpoint else num
    t = (np.arange(num, dtype=np.float64) / max(div, 1)).reshape((num, *(1,) * len(shape)))
    with np.errstate(divide="ignore", invalid="ignore"):
        grid = a * np.exp(t * np.log(b / a))
    data = np.array(np.broadcast_to(grid._stack, (cls._planes, num, *shape)))
    if num > 0:
        # (np.broadcast_to kept a and b dual arrays: numpy's stubs say ndarray)
        data[:, 0] = a._stack[:, 0]  # type: ignore[attr-defined]
        if endpoint and num > 1:
            data[:, -1] = b._stack[:, 0]  # type: ignore[attr-defined]
    data = np.moveaxis(data, 1, normalize_axis_index(axis, len(shape) + 1) + 1)
    return cls._wrap(_with_value(value, data[1:]))


# --- convolution ----------------------------------------------------------------------------
def _batched_convolve(mode: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """np.convolve(x[b], y[b], mode) for every b: the shorter operand, reversed, against
    sliding windows of the longer one padded with zeros."""

    def convolve(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        n, m = x.shape[-1], y.shape[-1]
        short, long = (x, y) if n <= m else (y, x)
        k = short.shape[-1]
        padded = np.pad(long, ((0, 0), (k - 1, k - 1)))
        windows = sliding_window_view(padded, k, axis=-1)  # (batch, n + m - 1, k)
        full: np.ndarray = np.einsum("bkj,bj->bk", windows, short[:, ::-1])
        lo, hi = min(n, m), max(n, m)
        if mode == "same":
            return full[:, (lo - 1) // 2 : (lo - 1) // 2 + hi]
        if mode == "valid":
            return full[:, lo - 1 : hi]
        return full

    return convolve


def _bilinear_1d(
    name: str,
    op: Callable[..., Any],
    batched: Callable[..., Any],
    a: Any,
    v: Any,
    conjugate: str = "",
) -> Any:
    cls = common_kind(name, a, v)
    if isinstance(a, DualArray) and isinstance(v, DualArray):
        return _algebra.apply(name, op, a, v, batched=batched, conjugate=conjugate)
    # one plain operand: the parts are op(parts, constant), one batched call
    dual, plain = (a, v) if isinstance(a, DualArray) else (v, a)
    plain = np.asarray(plain)
    value = np.asarray(op(a._stack[0] if a is dual else plain, v._stack[0] if v is dual else plain))
    const = np.broadcast_to(plain, (cls._planes - 1, *plain.shape))
    with np.errstate(invalid="ignore"):  # (the parts' inf 0: strong_zeros)
        parts = batched(dual._stack[1:], const) if a is dual else batched(const, dual._stack[1:])
    planes = _with_value(value, parts)
    x, y = (dual._stack, plain[None]) if a is dual else (plain[None], dual._stack)
    return cls._wrap(_algebra.strong_zeros(cls, op, batched, x, y, planes, conjugate))


def _check_1d(name: str, a: Any, v: Any, mode: str) -> None:
    if np.ndim(a) != 1 or np.ndim(v) != 1 or mode not in ("full", "same", "valid"):
        # numpy's error for the values
        getattr(np, name)(np.atleast_1d(_value_of(a)), np.atleast_1d(_value_of(v)), mode)
        getattr(np, name)(_value_of(a), _value_of(v), mode)


@implements(np.convolve)
def _convolve(a: Any, v: Any, mode: str = "full") -> Any:
    a, v = (np.atleast_1d(x) if np.ndim(x) == 0 else x for x in (a, v))  # numpy's ndmin=1
    _check_1d("convolve", a, v, mode)
    return _bilinear_1d(
        "convolve",
        lambda x, y: np.convolve(x, y, mode),  # type: ignore[call-overload]  # (mode: a str)
        _batched_convolve(mode),
        a,
        v,
    )


@implements(np.correlate)
@not_holomorphic("numpy.correlate", 1, "v")
def _correlate(a: Any, v: Any, mode: str = "valid") -> Any:
    # correlate(a, v) = convolve(a, conj(v) reversed): real-bilinear (the conjugate is
    # real-linear), so the product rule holds for complex parts too
    # numpy computes correlate(a, v) for a shorter a as correlate(v, a) reversed, so its
    # "same" window then starts at min(n, m)//2 of the full result, not (min - 1)//2: one
    # entry later for an even min
    _check_1d("correlate", a, v, mode)
    full = _batched_convolve("full")
    conv = _batched_convolve(mode)

    def batched(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        n, m = x.shape[-1], y.shape[-1]
        if mode == "same" and n < m:
            return full(x, np.conj(y[:, ::-1]))[:, n // 2 : n // 2 + m]
        return conv(x, np.conj(y[:, ::-1]))

    return _bilinear_1d(
        "correlate",
        lambda x, y: np.correlate(x, y, mode),  # type: ignore[call-overload]  # (mode: a str)
        batched,
        a,
        v,
        conjugate="second",
    )


# --- rounding and cleaning ----------------------------------------------------------------
@implements(np.round, np.around)
def _round(a: Any, decimals: int = 0, out: Any = None) -> Any:
    # piecewise constant: numpy's rounded value, derivative 0 (floor's convention)
    cls = _kind_out("round", out, a)
    value = np.round(_planes(a, cls)[0], decimals)
    data = np.zeros((cls._planes, *value.shape), dtype=value.dtype)
    data[0] = value
    return _store(cls._wrap(data), out)


@implements(np.nan_to_num)
def _nan_to_num(
    x: Any, copy: bool = True, nan: Any = 0.0, posinf: Any = None, neginf: Any = None
) -> Any:
    # the identity where the value is finite; a replaced nan/inf is a constant (zero
    # parts). Complex: the real and imaginary components each on their own.
    for name, c in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        _plain("nan_to_num", name, c)
    data = x._stack if not copy else x._stack.copy()
    value = data[0, ...]  # (a view also for a 0-d x, where data[0] is a scalar)
    components = [(value.real, data[1:].real)]
    if data.dtype.kind == "c":
        components.append((value.imag, data[1:].imag))
    for v, parts in components:
        np.copyto(parts, 0, where=~np.isfinite(v))
    np.nan_to_num(value, copy=False, nan=nan, posinf=posinf, neginf=neginf)
    return x if not copy else x._wrap(data)


@implements(np.real_if_close)
@not_holomorphic("numpy.real_if_close")
def _real_if_close(a: Any, tol: float = 100) -> Any:
    # numpy's test, on the parts too: dropping imaginary parts must drop only noise
    if a.dtype.kind != "c":
        return a
    if tol > 1:
        tol = np.finfo(a.dtype.type).eps * tol
    if np.all(np.abs(a._stack.imag) < tol):
        return a.real
    return a


def _sinc_derivatives(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d/dy and d2/dy2 of sin(y)/y: below |y| = 1, where (y cos y - sin y)/y^2 cancels
    (every digit at y ~ 1e-8), its Taylor series (twelve terms: 1e-25 at |y| = 1)."""
    near = np.abs(y) < 1
    t = np.where(near, y, 0.5)
    d1 = np.zeros_like(t)
    d2 = np.zeros_like(t)
    # sin(y)/y = sum_k (-1)^k y^(2k) / (2k+1)!, by Horner in y^2 from the top term
    for k in range(12, 0, -1):
        c = (-1.0) ** k / math.factorial(2 * k + 1)
        d1 = d1 * t * t + 2 * k * c
        d2 = d2 * t * t + 2 * k * (2 * k - 1) * c
    d1 = d1 * t
    far = np.where(near, 1.0, y)
    sin, cos = np.sin(far), np.cos(far)
    return (
        np.where(near, d1, (far * cos - sin) / far**2),
        np.where(near, d2, ((2 - far**2) * sin - 2 * far * cos) / far**3),
    )


def _sinc_taylor(y: np.ndarray, d: int) -> list[np.ndarray]:
    """g^(j)(y), j = 0..d, of g = sin(y)/y, from y g^(j) + j g^(j-1) = sin^(j)(y): upward
    (stable for j < |y|: errors shrink by j/|y|) from sin(y)/y, downward (stable for
    j >= |y|, and exact at y = 0: g^(2m)(0) = (-1)^m/(2m+1)) from g^(K) = 0 at
    K = e d + 40, where |y|^K/K! for |y| <= d is below 1e-17."""
    sines = (np.sin(y), np.cos(y), -np.sin(y), -np.cos(y))  # sin^(j) = sines[j % 4]
    with np.errstate(divide="ignore", invalid="ignore"):
        up = [sines[0] / y]
        for j in range(1, d + 1):
            up.append((sines[j % 4] - j * up[-1]) / y)
    down: list[np.ndarray] = [np.zeros_like(y)] * (d + 1)
    g = np.zeros_like(y)
    for k in range(int(np.e * d) + 40, 0, -1):
        g = (sines[k % 4] - y * g) / k  # g^(k - 1)
        if k <= d + 1:
            down[k - 1] = g
    size = np.abs(y)
    return [np.where(j < size, u, w) for j, (u, w) in enumerate(zip(up, down, strict=True))]


def _sinc_composed(x: Any) -> Any:
    """sinc of a Taylor array of degree d (or a bundle): f(x0 + h) = sum_j f^(j)(x0) h^j/j!
    with h = x - x0 (value plane zero, so h^(d+1) = 0), by Horner in h."""
    d = x._order
    value = np.sinc(x._stack[0])
    y = np.pi * x._stack[0].astype(np.complex128 if value.dtype.kind == "c" else np.float64)
    derivatives = _sinc_taylor(y, d)
    h = x - x._stack[0]
    result: Any = np.asarray(np.pi**d * derivatives[d] / math.factorial(d), dtype=value.dtype)
    for j in range(d - 1, -1, -1):
        c = np.asarray(np.pi**j * derivatives[j] / math.factorial(j), dtype=value.dtype)
        result = result * h + c
    result._stack[0] = value
    return result


@implements(np.sinc)
def _sinc(x: Any) -> Any:
    # sinc(x) = sin(pi x) / (pi x): numpy's value, and f', f'' at the value (from the
    # series near 0) through the kinds' chain rule; beyond second order composed from
    # its derivatives (_sinc_composed)
    cls = type(x)
    if x._order > 2:
        return _sinc_composed(x)
    value = np.sinc(x._stack[0])
    dtype = value.dtype
    # the derivatives in float64 (complex128), rounded to the dtype once
    y = np.pi * x._stack[0].astype(np.complex128 if dtype.kind == "c" else np.float64)
    d1, d2 = _sinc_derivatives(y)
    f0, f1, f2 = (np.ascontiguousarray(d, dtype=dtype) for d in (value, np.pi * d1, np.pi**2 * d2))
    result = np.empty(x._stack.shape, dtype=dtype)
    kind = cls._kind if cls._kind >= 0 else cls._layout
    _core.chain_unary(kind, np.ascontiguousarray(x._stack, dtype=dtype), f0, f1, f2, result)
    return cls._wrap(result)


# --- appliers ----------------------------------------------------------------------------------
_PLAIN_RESULTS = (np.ndarray, np.generic, int, float, complex, bool)


def _stack_results(results: list[Any]) -> Any:
    if all(isinstance(r, _PLAIN_RESULTS) for r in results):
        return np.stack([np.asanyarray(r) for r in results])
    return np.stack(results)  # (dual arrays; sparsity detection's tracers)


@implements(np.apply_along_axis)
def _apply_along_axis(
    func1d: Callable[..., Any], axis: int, arr: Any, *args: Any, **kwargs: Any
) -> Any:
    # numpy's loop over the 1-d slices (a Python loop over elements, as numpy's own)
    axis = normalize_axis_index(axis, arr.ndim)
    moved = np.moveaxis(arr, axis, -1)
    outer = moved.shape[:-1]
    if 0 in outer:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    results = [func1d(moved[index], *args, **kwargs) for index in np.ndindex(outer)]
    stacked = _stack_results(results)
    res_ndim = stacked.ndim - 1
    stacked = np.reshape(stacked, (*outer, *stacked.shape[1:]))
    dims = list(range(stacked.ndim))
    permute = dims[:axis] + dims[stacked.ndim - res_ndim :] + dims[axis : stacked.ndim - res_ndim]
    return np.transpose(stacked, permute)


@implements(np.piecewise)
def _piecewise(x: Any, condlist: Any, funclist: Sequence[Any], *args: Any, **kw: Any) -> Any:
    # numpy's algorithm on the dual array: y[cond] = func(x[cond]) or the constant
    n2 = len(funclist)
    if isinstance(condlist, DualArray):
        condlist = condlist._stack[0]
    if np.isscalar(condlist) or (not isinstance(condlist[0], (list, np.ndarray)) and x.ndim != 0):
        condlist = [condlist]
    conditions = np.asarray(condlist, dtype=bool)
    n = len(conditions)
    if n == n2 - 1:
        otherwise = ~np.any(conditions, axis=0, keepdims=True)
        conditions = np.concatenate([conditions, otherwise], axis=0)
        n += 1
    elif n != n2:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    y = np.zeros_like(x)
    for cond, func in zip(conditions, funclist, strict=False):
        if not callable(func):
            y[cond] = func
        else:
            vals = x[cond]
            if vals.size > 0:
                y[cond] = func(vals, *args, **kw)
    return y


# --- comparisons of values ------------------------------------------------------------------------
@implements(np.isclose)
def _isclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Any:
    # (tolerances by value too: a dual one reached numpy's call and came back here)
    return np.isclose(_value_of(a), _value_of(b), _value_of(rtol), _value_of(atol), equal_nan)


@implements(np.allclose)
def _allclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Any:
    # (tolerances by value too: a dual one reached numpy's call and came back here)
    return np.allclose(_value_of(a), _value_of(b), _value_of(rtol), _value_of(atol), equal_nan)


@implements(np.array_equal)
def _array_equal(a1: Any, a2: Any, equal_nan: bool = False) -> Any:
    return np.array_equal(_value_of(a1), _value_of(a2), equal_nan=equal_nan)


@implements(np.array_equiv)
def _array_equiv(a1: Any, a2: Any) -> Any:
    return np.array_equiv(_value_of(a1), _value_of(a2))


@implements(np.unique)
def _unique(
    ar: Any,
    return_index: bool = False,
    return_inverse: bool = False,
    return_counts: bool = False,
    axis: Any = None,
    *,
    equal_nan: bool = True,
    sorted: bool = True,
) -> Any:
    # numpy's unique values (and indices, inverse, counts); a selection, so each unique
    # value carries the parts of its first occurrence (the convention of max and sort)
    # (the caller's flags: numpy's values differ with return_index, a complex nan's)
    def unique(*, index: bool, inverse: bool, counts: bool) -> tuple[np.ndarray, ...]:
        found = np.unique(  # type: ignore[call-overload]  # (the caller's bools)
            ar._stack[0],
            return_index=index,
            return_inverse=inverse,
            return_counts=counts,
            axis=axis,
            equal_nan=equal_nan,
            sorted=sorted,
        )
        return found if isinstance(found, tuple) else (found,)

    found = unique(index=return_index, inverse=return_inverse, counts=return_counts)
    if axis is None:
        result = _first_occurrences(found[0], [ar])
    else:  # the first occurrence of each row
        first = found[1] if return_index else unique(index=True, inverse=False, counts=False)[1]
        parts = np.take(ar._stack[1:], first, axis=normalize_axis_index(axis, ar.ndim) + 1)
        result = ar._wrap(_with_value(found[0], parts))
    return (result, *found[1:]) if len(found) > 1 else result


# --- nan-aware order statistics ---------------------------------------------------------------
def _nan_order_statistic(function: Callable[..., Any], scale: float) -> Callable[..., Any]:
    """nanquantile (scale 1) and nanpercentile (q in percent, scale 100): numpy's value
    over each slice's present values (nan read as missing); the parts of those values
    interpolated with numpy's weights for that slice's count."""
    name = function.__name__

    def statistic(
        a: Any,
        q: Any,
        axis: Any = None,
        out: Any = None,
        overwrite_input: bool = False,
        method: str = "linear",
        keepdims: Any = np._NoValue,
        *,
        weights: Any = None,
    ) -> Any:
        fraction = np.true_divide(_quantile_args(name, q, weights), scale)
        value = function(_value_of(a), q, axis=axis, method=method, keepdims=keepdims)
        keep = keepdims is True
        return _order_statistic(name, a, fraction, axis, method, keep, out, value, skip_nan=True)

    return statistic


implements(np.nanquantile)(_nan_order_statistic(np.nanquantile, 1))
implements(np.nanpercentile)(_nan_order_statistic(np.nanpercentile, 100))


@implements(np.nanmedian)
def _nanmedian(
    a: Any,
    axis: Any = None,
    out: Any = None,
    overwrite_input: bool = False,
    keepdims: Any = np._NoValue,
) -> Any:
    # the mean of the middle one or two present values: midpoint at q = 1/2
    value = np.nanmedian(_value_of(a), axis=axis, keepdims=keepdims)
    keep = keepdims is True
    half = np.asarray(0.5)
    return _order_statistic("nanmedian", a, half, axis, "midpoint", keep, out, value, skip_nan=True)
