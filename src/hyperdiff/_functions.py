"""The registry of numpy functions (`__array_function__`) that dual arrays support.

Anything not registered raises a TypeError naming the function, rather than
letting numpy compute a derivative-free or wrong answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._arrays import DualArray

_REGISTRY: dict[Callable[..., Any], Callable[..., Any]] = {}


def implements(*funcs: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        for f in funcs:
            _REGISTRY[f] = impl
        return impl

    return register


def dispatch_function(func: Any, types: Any, args: Any, kwargs: Any) -> Any:
    if not all(issubclass(t, (DualArray, np.ndarray)) for t in types):
        return NotImplemented
    impl = _REGISTRY.get(func)
    if impl is None:
        module = getattr(func, "__module__", None) or "numpy"
        raise TypeError(f"hyperdiff does not support {module}.{func.__name__}")
    return impl(*args, **kwargs)


@implements(np.shape)
def _shape(a: DualArray) -> tuple[int, ...]:
    return a.shape


@implements(np.ndim)
def _ndim(a: DualArray) -> int:
    return a.ndim


@implements(np.size)
def _size(a: DualArray, axis: int | None = None) -> int:
    return a.size if axis is None else a.shape[axis]


@implements(np.reshape)
def _reshape(a: DualArray, shape: Any = None, order: str = "C", **kwargs: Any) -> Any:
    return a.reshape(kwargs.get("newshape", shape), order=order)


@implements(np.ravel)
def _ravel(a: DualArray, order: str = "C") -> Any:
    if order != "C":
        raise ValueError("dual arrays ravel in C order only")
    return a.ravel()


@implements(np.transpose)
def _transpose(a: DualArray, axes: Any = None) -> Any:
    return a.transpose() if axes is None else a.transpose(axes)


@implements(np.copy)
def _copy(a: DualArray, order: str = "K", subok: bool = False) -> Any:
    return a.copy()
