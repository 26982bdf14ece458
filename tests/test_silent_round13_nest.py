"""Round 13, transforms and their composition.

1. An array of an outer and an inner transform's product kind (c * b, c the inner
   variable, b the outer one) kept past the inner transform's call passed, in a later
   call of a transform at that depth, for that call's perturbations: d/db of
   d/dc (c * kept) at kept = 0.5 b gave 1.2 (the kept array's inner part b counted as
   the new c's) where every kept seed raises. The product kinds were registered before
   their tag was set, so their instances were never counted as the inner transform's:
   they now retire with it (a TypeError, JAX's escaped tracer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

# --- 1. product-kind arrays kept past the inner transform's call ----------------------
Transform = Callable[[Callable[[Any], Any], Any], Any]  # (function, point) -> derivative

FIRST: dict[str, Transform] = {
    "derivative": lambda g, x: hd.derivative(g)(x),
    "grad": lambda g, x: hd.grad(lambda v: np.sum(g(v)))(np.reshape(x, (1,))),
    "jacobian": lambda g, x: hd.jacobian(g)(x),
    "jvp": lambda g, x: hd.jvp(g, (x,), (1.0,))[1],
    "elementwise grad": lambda g, x: hd.grad(g, elementwise=True)(np.array([x])),
}
SECOND: dict[str, Transform] = {
    "hessian": lambda g, x: hd.hessian(lambda v: np.sum(g(v)))(np.reshape(x, (1,))),
    "derivative order 2": lambda g, x: hd.derivative(g, order=2)(x),
    "derivative order 3": lambda g, x: hd.derivative(g, order=3)(x),
}


@pytest.mark.parametrize("inner", sorted(FIRST) + sorted(SECOND))
@pytest.mark.parametrize("outer", sorted(FIRST))
def test_product_arrays_kept_past_the_inner_call_are_refused(outer: str, inner: str) -> None:
    run_inner = {**FIRST, **SECOND}[inner]
    kept: list[Any] = []

    def f(b: Any) -> Any:
        kept.clear()
        run_inner(lambda c: kept.append(c * b) or c * b, 0.5)  # kept: c * b, both parts
        # a later call at the same depth: the kept array is a constant there (0.5 b);
        # its part along the first call's c must not pass for this call's c
        return run_inner(lambda c: c**3 * kept[0], 0.7)

    with pytest.raises(TypeError, match="kept from a transform call that has returned"):
        FIRST[outer](f, 2.0)


def test_product_arrays_used_within_their_call_are_fine() -> None:
    """The kept array used inside the same inner call, and the values after it."""
    kept: list[Any] = []

    def f(b: Any) -> Any:
        def g(c: Any) -> Any:
            kept.append(c * b)
            return c * kept[-1]  # c^2 b: d/dc = 2 c b

        return hd.derivative(g)(0.5)

    assert hd.derivative(f)(2.0) == pytest.approx(1.0, rel=1e-15)  # d/db (2 * 0.5 b)
    # the transforms' results (arrays of values) may be kept freely
    values = [hd.derivative(lambda c: c**2)(0.5)]
    assert hd.derivative(lambda c: c * values[0])(0.7) == pytest.approx(1.0)
