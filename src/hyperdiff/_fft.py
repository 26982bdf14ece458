"""numpy.fft on dual arrays.

Every transform in numpy.fft is linear over the reals (irfft and hfft read only the
Hermitian half of their input, rfft and ihfft take real input: still real-linear),
so each part plane is the same transform of that part:

    F(x + sum_k p_k eps_k) = F(x) + sum_k F(p_k) eps_k     (second-order planes alike)

The value plane is numpy's own call on the user's array (its dtype, checks, warnings
and bit-exact result); the parts are one call on the stacked part planes, with the
array's axes shifted past the plane axis. A default `axes=None` means the user's axes
(all of them, or the last len(s) when s is given), never the plane axis.

irfft, irfft2, irfftn and hfft of complex input are real-linear but not complex-linear
(their real output drops the imaginary parts of the DC and Nyquist terms, and hfft
conjugates): not holomorphic, so holomorphic=True's variables raise through them
(_functions.not_holomorphic).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from ._arrays import DualArray, cast_into
from ._functions import Planes, _kind_out, _planes, implements, not_holomorphic


def _combine(
    name: str, cls: type[DualArray], value: np.ndarray, parts: np.ndarray, out: Any
) -> Any:
    """The value plane and the part planes as one dual array, or written into out."""
    result = np.empty((cls._planes, *value.shape), dtype=value.dtype)
    result[0] = value
    result[1:] = parts
    if out is None:
        return cls._wrap(result)
    if out.shape != value.shape:
        raise ValueError(
            f"out= of numpy.fft.{name} has shape {out.shape}; the result has {value.shape}"
        )
    cast_into(f"numpy.fft.{name}", out._stack, result)
    return out


def _data(name: str, a: Any, out: Any) -> tuple[type[DualArray], Planes]:
    cls = _kind_out(f"fft.{name}", out, a)
    return cls, _planes(a, cls)


def _one_axis(func: Callable[..., Any]) -> Callable[..., Any]:
    name = func.__name__

    def transform(a: Any, n: Any = None, axis: int = -1, norm: Any = None, out: Any = None) -> Any:
        cls, data = _data(name, a, out)
        value = func(data[0], n, axis, norm)  # numpy's checks and result on the array
        ax = normalize_axis_index(axis, data.ndim - 1) + 1
        return _combine(name, cls, value, func(data[1:], n, ax, norm), out)

    transform.__name__ = transform.__qualname__ = f"_{name}"
    return transform


def _user_axes(axes: Any, s: Any, ndim: int) -> tuple[int, ...]:
    """numpy.fft's axes: None means every axis, or the last len(s) when s is given."""
    if axes is None:
        return tuple(range(0 if s is None else ndim - len(s), ndim))
    return normalize_axis_tuple(axes, ndim, allow_duplicate=True)


def _many_axes(func: Callable[..., Any], default: Any) -> Callable[..., Any]:
    name = func.__name__

    def transform(
        a: Any, s: Any = None, axes: Any = default, norm: Any = None, out: Any = None
    ) -> Any:
        cls, data = _data(name, a, out)
        value = func(data[0], s, axes, norm)
        shifted = tuple(ax + 1 for ax in _user_axes(axes, s, data.ndim - 1))
        return _combine(name, cls, value, func(data[1:], s, shifted, norm), out)

    transform.__name__ = transform.__qualname__ = f"_{name}"
    return transform


def _register(func: Callable[..., Any], impl: Callable[..., Any]) -> None:
    if func in _REAL_OUTPUTS:  # a complex input's real output: not holomorphic in it
        impl = not_holomorphic(f"numpy.fft.{func.__name__}", 0, "a")(impl)
    implements(func)(impl)


_REAL_OUTPUTS = frozenset((np.fft.irfft, np.fft.hfft, np.fft.irfft2, np.fft.irfftn))
_f: Callable[..., Any]  # numpy's transforms, of three signatures
for _f in (np.fft.fft, np.fft.ifft, np.fft.rfft, np.fft.irfft, np.fft.hfft, np.fft.ihfft):
    _register(_f, _one_axis(_f))
for _f in (np.fft.fft2, np.fft.ifft2, np.fft.rfft2, np.fft.irfft2):
    _register(_f, _many_axes(_f, (-2, -1)))
for _f in (np.fft.fftn, np.fft.ifftn, np.fft.rfftn, np.fft.irfftn):
    _register(_f, _many_axes(_f, None))


def _shift(func: Callable[..., Any]) -> Callable[..., Any]:
    # a roll of every plane alike (a selection: the parts move with their elements)
    def shift(x: Any, axes: Any = None) -> Any:
        if axes is None:
            shifted: Any = tuple(range(1, x.ndim + 1))
        elif np.ndim(axes) == 0:
            shifted = normalize_axis_index(axes, x.ndim) + 1
        else:
            shifted = tuple(a + 1 for a in normalize_axis_tuple(axes, x.ndim, allow_duplicate=True))
        return x._wrap(func(x._stack, axes=shifted))

    return shift


implements(np.fft.fftshift)(_shift(np.fft.fftshift))
implements(np.fft.ifftshift)(_shift(np.fft.ifftshift))
