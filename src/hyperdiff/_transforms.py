"""Function transforms: derivatives of unchanged numpy functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._arrays import Dual, DualArray, HyperDual, dual, hyperdual


def _parts(result: Any, kind: type[DualArray], order: int, shape: tuple[int, ...]) -> Any:
    """f' (order 1, from .d) or f'' (order 2, from .e12) of one output."""
    if isinstance(result, tuple):
        return tuple(_parts(r, kind, order, shape) for r in result)
    if isinstance(result, list):
        return [_parts(r, kind, order, shape) for r in result]
    if isinstance(result, DualArray):
        if type(result) is not kind:
            raise TypeError(
                f"the function returned a {type(result).__name__}, expected {kind.__name__}"
            )
        return np.array(result._data[1 if order == 1 else 3])
    if isinstance(result, np.ndarray) and result.dtype == object:
        # the slow path: an object array of dual scalars (after np.asarray)
        out = np.empty(result.shape)
        for index, item in np.ndenumerate(result):
            out[index] = _parts(item, kind, order, ()) if isinstance(item, DualArray) else 0.0
        return out
    # the output does not depend on the input: its derivative is zero
    return np.zeros(np.broadcast_shapes(np.shape(result), shape))


def derivative(f: Callable[..., Any], order: int = 1, argnums: int = 0) -> Callable[..., Any]:
    """Elementwise derivative of f with respect to its argument `argnums`.

    `derivative(f)(x)` is f'(x) at every point of x (any shape); `order=2` gives
    f''(x) in the same single pass, through hyper-dual numbers.
    """
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, not {order!r}")
    if not isinstance(argnums, int):
        raise TypeError("derivative takes one argument index; use jacobian/hessian for several")

    def df(*args: Any, **kwargs: Any) -> Any:
        if not -len(args) <= argnums < len(args):
            raise TypeError(
                f"argnums={argnums} but the function got {len(args)} positional arguments"
            )
        x = args[argnums]
        if isinstance(x, DualArray):
            raise TypeError(
                "derivative got a dual array: nested transforms are not supported; "
                "use derivative(f, order=2) for second derivatives"
            )
        seeded = dual(x, 1.0) if order == 1 else hyperdual(x, 1.0, 1.0)
        new_args = list(args)
        new_args[argnums] = seeded
        result = f(*new_args, **kwargs)
        return _parts(result, Dual if order == 1 else HyperDual, order, seeded.shape)

    df.__name__ = f"derivative_{getattr(f, '__name__', 'f')}"
    df.__doc__ = f"d^{order}/dx^{order} of {getattr(f, '__name__', 'f')}, elementwise."
    return df
