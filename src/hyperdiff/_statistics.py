"""numpy's statistics on dual arrays: the nan-aware reductions (nanmean, nanvar,
nanstd, nanprod, nanmax, nanmin, nanargmax, nanargmin, nancumsum, nancumprod; nansum is
in _functions, nanmedian, nanquantile and nanpercentile beside the order statistics in
_numeric), ptp, cov and corrcoef.

cov and corrcoef are numpy's own steps (weighted means, the centred product X X^H,
the scaling by the standard deviations) on dual arrays, with numpy's values.

numpy reads a nan value as missing: the sums put the constant 0 in its place, the
products the constant 1, max and min skip it. So a nan element contributes no parts,
whatever its parts are, and each function is its plain counterpart on the array with
those constants in place (the substitution is made on every plane at once). Values are
numpy's own nan-function on the value plane, so they agree with numpy bit for bit
(warnings on all-nan slices included); the parts follow from the calculus of the plain
function. A result whose value is nan (an all-nan slice) has nan parts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._arrays import DualArray
from ._functions import (
    _axes,
    _cumprod,
    _cumsum,
    _extremum,
    _kind_out,
    _planes,
    _prod,
    _store,
    _sum,
    _unsupported,
    _value_of,
    common_kind,
    implements,
    not_holomorphic,
)


def _substituted(name: str, a: Any, out: Any, fill: float) -> tuple[DualArray, np.ndarray]:
    """a with every nan value (and all its parts) replaced by the constant `fill`, and
    where the values are present (not nan)."""
    cls = _kind_out(name, out, a)
    data = _planes(a, cls)
    nan = np.isnan(data[0])
    if nan.any():
        data = data.copy()
        data[:, nan] = 0
        data[0, nan] = fill
    return cls._wrap(data), ~nan


def _numpy_value(result: DualArray, value: Any) -> DualArray:
    """result with numpy's value; a nan value gets nan parts."""
    value = np.asarray(value)
    data = np.array(result._stack.reshape((result._planes, *value.shape)))  # (own memory)
    data[0] = value
    nan = np.isnan(value)
    if nan.any():
        data[1:, nan] = np.nan
    return result._wrap(data)


def _defaults(name: str, **given: Any) -> None:
    for argument, value in given.items():
        if value is not np._NoValue and value is not None and value is not True:
            raise _unsupported(name, argument)


def _keep(keepdims: Any) -> bool:
    return keepdims is True


@implements(np.nanmean)
def _nanmean(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: Any = np._NoValue,
    *,
    where: Any = np._NoValue,
) -> Any:
    # sum over the present values / their count: linear, so the parts are the sums of
    # the present parts over the same count
    _defaults("nanmean", where=where)
    value = np.nanmean(_value_of(a), axis=axis, dtype=dtype, keepdims=keepdims)
    filled, present = _substituted("nanmean", a, out, 0.0)
    total = _sum(filled, axis, dtype, None, _keep(keepdims))
    count = np.sum(present, axis=axis, keepdims=_keep(keepdims)).astype(total.real.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        total._stack[1:] /= count
    return _store(_numpy_value(total, value), out)


@implements(np.nanvar)
def _nanvar(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    ddof: float = 0,
    keepdims: Any = np._NoValue,
    *,
    where: Any = np._NoValue,
    mean: Any = np._NoValue,
    correction: Any = np._NoValue,
    _std: bool = False,
) -> Any:
    # numpy's steps (d = a - mean over the present values, zero where missing;
    # sum(d conj(d)) / (count - ddof)) on the dual array
    name = "nanstd" if _std else "nanvar"
    _defaults(name, where=where, mean=mean)
    if correction is not np._NoValue:
        ddof = correction
    function = np.nanstd if _std else np.nanvar
    value = function(_value_of(a), axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    filled, present = _substituted(name, a, out, 0.0)
    axes = _axes(axis, filled.ndim)
    count = np.sum(present, axis=axes, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        centered = filled - _sum(filled, axes, None, None, True) / count.astype(filled.real.dtype)
        centered = np.where(present, centered, 0.0)
        if centered.dtype.kind == "c":
            squares = centered.real * centered.real + centered.imag * centered.imag
        else:
            squares = centered * centered
        denominator = np.maximum(count - ddof, 0).astype(squares.dtype)
        if not _keep(keepdims):
            denominator = denominator.reshape(np.shape(value))
        result = _sum(squares, axes, None, None, _keep(keepdims)) / denominator
        if _std:
            result = np.sqrt(result)
    return _store(_numpy_value(result, value), out)


@implements(np.nanstd)
def _nanstd(a: Any, *args: Any, **kwargs: Any) -> Any:
    return _nanvar(a, *args, **kwargs, _std=True)


@implements(np.nanprod)
def _nanprod(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: Any = np._NoValue,
    initial: Any = np._NoValue,
    where: Any = np._NoValue,
) -> Any:
    kw = {k: v for k, v in (("initial", initial), ("where", where)) if v is not np._NoValue}
    value = np.nanprod(_value_of(a), axis=axis, dtype=dtype, keepdims=keepdims, **kw)
    filled, _ = _substituted("nanprod", a, out, 1.0)
    result = _prod(
        filled, axis, dtype, None, _keep(keepdims), kw.get("initial"), where=kw.get("where", True)
    )
    return _store(_numpy_value(result, value), out)


@implements(np.nancumsum)
def _nancumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    # a running sum of the data with 0 in place of nan: the same sums numpy makes
    filled, _ = _substituted("nancumsum", a, out, 0.0)
    return _cumsum(filled, axis, dtype, out)


@implements(np.nancumprod)
def _nancumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    value = np.nancumprod(_value_of(a), axis=axis, dtype=dtype)
    filled, _ = _substituted("nancumprod", a, out, 1.0)
    return _store(_numpy_value(_cumprod(filled, axis, dtype), value), out)


def _skipping_nan(select: Callable[..., Any], fill: float) -> Callable[..., Any]:
    """argmax/argmin of the values with nan read as `fill` (never chosen unless the
    whole slice is nan, where the value is nan and so are the parts)."""

    def choose(values: np.ndarray, axis: int, keepdims: bool) -> Any:
        return select(np.where(np.isnan(values), fill, values), axis=axis, keepdims=keepdims)

    return choose


def _nanextremum(
    name: str, value_function: Callable[..., Any], select: Callable[..., Any], fill: float
) -> Callable[..., Any]:
    def extremum(
        a: Any,
        axis: Any = None,
        out: Any = None,
        keepdims: Any = np._NoValue,
        initial: Any = np._NoValue,
        where: Any = np._NoValue,
    ) -> Any:
        # the parts of the first present element attaining numpy's value
        initial = None if initial is np._NoValue else initial
        where = True if where is np._NoValue else where
        return _extremum(
            name,
            value_function,
            _skipping_nan(select, fill),
            a,
            axis,
            out,
            _keep(keepdims),
            initial,
            where,
        )

    return extremum


implements(np.nanmax)(_nanextremum("nanmax", np.nanmax, np.argmax, -np.inf))
implements(np.nanmin)(_nanextremum("nanmin", np.nanmin, np.argmin, np.inf))


@implements(np.nanargmax)
def _nanargmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = np._NoValue) -> Any:
    return np.nanargmax(_value_of(a), axis=axis, out=out, keepdims=keepdims)


@implements(np.nanargmin)
def _nanargmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = np._NoValue) -> Any:
    return np.nanargmin(_value_of(a), axis=axis, out=out, keepdims=keepdims)


@implements(np.ptp)
def _ptp(a: Any, axis: Any = None, out: Any = None, keepdims: Any = np._NoValue) -> Any:
    # max - min: the parts of the first maximum minus those of the first minimum
    cls = _kind_out("ptp", out, a)
    value = np.ptp(_value_of(a), axis=axis, keepdims=keepdims)
    top = _extremum("ptp", np.max, np.argmax, a, axis, None, _keep(keepdims), None, True)
    bottom = _extremum("ptp", np.min, np.argmin, a, axis, None, _keep(keepdims), None, True)
    return _store(_numpy_value(cls._wrap(top._stack - bottom._stack), value), out)


# --- covariance and correlation ----------------------------------------------------------------
def _integer_weights(name: str, weights: Any, n: int, check_integer: bool) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if check_integer and not np.all(w == np.around(w)):
        raise TypeError("fweights must be integer")
    if w.ndim > 1:
        raise RuntimeError(f"cannot handle multidimensional {name}")
    if w.shape[0] != n:
        raise RuntimeError(f"incompatible numbers of samples and {name}")
    if np.any(w < 0):
        raise ValueError(f"{name} cannot be negative")
    return w


@implements(np.cov)
@not_holomorphic("numpy.cov")
def _cov(
    m: Any,
    y: Any = None,
    rowvar: bool = True,
    bias: bool = False,
    ddof: Any = None,
    fweights: Any = None,
    aweights: Any = None,
    *,
    dtype: Any = None,
) -> Any:
    # numpy's steps: X minus its (weighted) row means, X W X^H / fact
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if isinstance(weights, DualArray):  # (before numpy's call below: it would come back)
            raise TypeError(f"hyperdiff's numpy.cov takes {name} as constants, not a dual array")
    values = {"m": _value_of(m), "y": _value_of(y)}
    value = np.cov(
        values["m"], values["y"], rowvar, bias, ddof, fweights, aweights, dtype=dtype
    )  # numpy's checks, warnings and values
    cls = common_kind("cov", m, y)
    if dtype is None:
        dtype = np.result_type(*(v for v in values.values() if v is not None), np.float64)
    x = cls._wrap(_planes(m, cls, np.dtype(dtype)))
    # (numpy's functions of dual arrays give dual arrays: their stubs say ndarray)
    x = np.atleast_2d(x)  # type: ignore[assignment]
    if not rowvar and np.ndim(m) != 1:
        x = x.T
    if x.shape[0] == 0:
        return value
    if y is not None:
        other = np.atleast_2d(cls._wrap(_planes(y, cls, np.dtype(dtype))))
        if not rowvar and other.shape[0] != 1:
            other = other.T
        x = np.concatenate((x, other), axis=0)  # type: ignore[assignment]
    if ddof is None:
        ddof = 0 if bias else 1
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = _integer_weights("fweights", fweights, n, True)
    if aweights is not None:
        a = _integer_weights("aweights", aweights, n, False)
        w = a if w is None else w * a
    avg, w_sum = np.average(x, axis=1, weights=w, returned=True)
    w_sum = _value_of(w_sum)[0]
    if w is None:
        fact = n - ddof
    elif ddof == 0:
        fact = w_sum
    elif aweights is None:
        fact = w_sum - ddof
    else:
        fact = w_sum - ddof * np.sum(w * np.asarray(aweights, dtype=float)) / w_sum
    fact = max(fact, 0.0)
    centered = x - avg[:, None]
    other = centered.T if w is None else (centered * w).T
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.dot(centered, np.conjugate(other)) * np.true_divide(1, fact)
    return _numpy_value(np.squeeze(c), value)


@implements(np.corrcoef)
@not_holomorphic("numpy.corrcoef")
def _corrcoef(x: Any, y: Any = None, rowvar: bool = True, *, dtype: Any = None) -> Any:
    # cov / (stddev_i stddev_j), the real and imaginary parts clipped to [-1, 1] as numpy
    value = np.corrcoef(_value_of(x), _value_of(y), rowvar, dtype=dtype)
    c = _cov(x, y, rowvar, dtype=dtype)
    if np.ndim(c) == 0:
        return c / c
    d = np.diagonal(c)
    stddev = np.sqrt(d.real)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = c / stddev[:, None] / stddev[None, :]
    if c.dtype.kind == "c":
        c = np.clip(c.real, -1, 1) + 1j * np.clip(c.imag, -1, 1)
    else:
        c = np.clip(c, -1, 1)
    return _numpy_value(c, value)
