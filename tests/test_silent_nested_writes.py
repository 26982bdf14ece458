"""Writes between an outer and an inner transform's arrays, through numpy functions.

When an outer and an inner transform's arrays meet in a numpy function, the arguments
are lifted into their product kind: new arrays. A function that writes into one of them
(np.put's first argument, out=) wrote into that copy, and the caller's array silently
kept its old values: d/dx of sum(grad_y sum(t)) with np.sum(..., out=t) gave 0 for 2.
Now such a write raises (the target cannot hold both transforms' parts), and a target
already of the product kind takes the write. References: closed forms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

X = np.array([0.7, -0.4, 1.2])
Y = np.array([0.3, 1.1, -0.6])
MASK = np.array([True, False, True])

WRITES: dict[str, Callable[[Any, Any], None]] = {
    "put": lambda t, s: np.put(t, [0, 2], s[:2]),
    "place": lambda t, s: np.place(t, MASK, s[:2]),
    "putmask": lambda t, s: np.putmask(t, MASK, s),
    "copyto": lambda t, s: np.copyto(t, s, where=MASK),
    "fill_diagonal": lambda t, s: np.fill_diagonal(t.reshape(1, 3), s[0]),
    "put_along_axis": lambda t, s: np.put_along_axis(t, np.array([1]), s[:1], axis=0),
    "sum(out=)": lambda t, s: np.sum(np.stack([s, s]), axis=0, out=t),
    "cumsum(out=)": lambda t, s: np.cumsum(s, out=t),
    "cumsum(positional out)": lambda t, s: np.cumsum(s, 0, None, t),
    "clip(out=)": lambda t, s: np.clip(s, -1.0, 1.0, out=t),
    "concatenate(out=)": lambda t, s: np.concatenate([s[:1], s[1:]], out=t),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_an_outer_array_written_into_an_inner_one_raises(write: str) -> None:
    def outer(x: Any) -> Any:
        def inner(y: Any) -> Any:
            t = y * y  # the inner kind (its variable at the outer one's: symmetric)
            WRITES[write](t, x * 2.0)
            return np.sum(t * y)

        return np.sum(hd.grad(inner)(x))

    with pytest.raises(TypeError, match="writes in place"):
        hd.grad(outer)(X)


@pytest.mark.parametrize("write", list(WRITES))
def test_an_inner_array_written_into_an_outer_one_raises(write: str) -> None:
    def outer(x: Any) -> Any:
        def inner(y: Any) -> Any:
            t = x * 1.0  # the outer kind
            WRITES[write](t, y * x)
            return np.sum(t)

        return np.sum(hd.grad(inner)(Y))

    with pytest.raises(TypeError, match="writes in place"):
        hd.grad(outer)(X)


def test_a_product_target_takes_an_outer_write() -> None:
    # c = (x1^2, y1 x1, y2 x2): grad_y sum(c) = (0, x1, x2), whose sum's gradient in x is (0, 1, 1)
    def outer(x: Any) -> Any:
        def inner(y: Any) -> Any:
            c = y * x  # the product kind
            np.put(c, [0], x[1] ** 2)
            return np.sum(c)

        return np.sum(hd.grad(inner)(Y))

    np.testing.assert_array_equal(hd.grad(outer)(X), [0.0, 1.0, 1.0])
