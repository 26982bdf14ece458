"""ndarray methods on dual arrays that used to raise AttributeError (round twelve's
arrays breaker): dot, var, std, round, all, any, compress, searchsorted, put,
fill, partition, mT, item, tolist.

Values against numpy's own method on the values (bit for bit); parts against the
complex step f(x + i h v).imag / h of numpy's method (h = 1e-30: exact to rounding for
these, and independent of hyperdiff)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

RNG = np.random.default_rng(12)
X = RNG.uniform(-1, 1, (3, 4))
V = RNG.uniform(-1, 1, (3, 4))
H = 1e-30


def _complex_step(f: Callable[[Any], Any]) -> np.ndarray:
    return np.asarray(f(X + 1j * H * V)).imag / H


def _part(r: Any) -> np.ndarray:
    return np.asarray(r.d if isinstance(r, hd.Dual) else np.zeros(np.shape(r)))


def _var(a: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """numpy's var without the conjugate (holomorphic: the complex step's reference)."""
    d = a - a.mean(axis=axis, keepdims=True)
    n = a.size if axis is None else a.shape[axis]
    return (d * d).sum(axis=axis, keepdims=keepdims) / (n - ddof)


# method, and numpy's method or a holomorphic equal of it (the complex step's reference)
METHODS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "dot": (lambda a: a.dot(a.T), lambda a: a.dot(a.T)),
    "dot vector": (lambda a: a[0].dot(a[1]), lambda a: a[0].dot(a[1])),
    "var": (lambda a: a.var(axis=0), lambda a: _var(a, axis=0)),
    "var ddof": (lambda a: a.var(ddof=1), lambda a: _var(a, ddof=1)),
    "std": (
        lambda a: a.std(axis=1, keepdims=True),
        lambda a: np.sqrt(_var(a, axis=1, keepdims=True)),
    ),
    "compress": (
        lambda a: a.compress([True, False, True, True], axis=1),
        lambda a: a.compress([True, False, True, True], axis=1),
    ),
    "mT": (lambda a: a.reshape(2, 2, 3).mT * 2.0, lambda a: a.reshape(2, 2, 3).mT * 2.0),
    "item flat": (lambda a: a.item(5), lambda a: a.item(5)),
    "item index": (lambda a: a.item(2, 1), lambda a: a.item(2, 1)),
    "item one": (lambda a: a[1:2, 2:3].item(), lambda a: a[1:2, 2:3].item()),
}


@pytest.mark.parametrize("name", METHODS)
def test_methods_values_and_parts(name: str) -> None:
    f, reference = METHODS[name]
    got = f(hd.dual(X, V))
    np.testing.assert_array_equal(got.value, np.asarray(f(X)))
    np.testing.assert_allclose(_part(got), _complex_step(reference), rtol=1e-13, atol=1e-15)


def test_value_only_methods() -> None:
    x = hd.dual(X, V)
    assert x.all() == X.all() and x.any(axis=0).tolist() == X.any(axis=0).tolist()
    s = np.sort(X[0])
    np.testing.assert_array_equal(
        hd.dual(s, 1.0).searchsorted([0.0, 0.5]), s.searchsorted([0, 0.5])
    )
    r = x.round(1)
    np.testing.assert_array_equal(r.value, X.round(1))
    np.testing.assert_array_equal(r.d, 0.0)  # (a step function)


def test_in_place_methods_write_the_planes() -> None:
    """put, fill and partition change the array itself (and its views), parts with it."""
    x = hd.dual(X.copy(), V.copy())
    view = x[0]
    x.put([0, 5], hd.dual(np.array([9.0, 8.0]), 1.0))
    want = X.copy()
    want.put([0, 5], [9.0, 8.0])
    np.testing.assert_array_equal(x.value, want)
    np.testing.assert_array_equal(x.d.ravel()[[0, 5]], 1.0)
    assert view.value[0] == 9.0 and view.d[0] == 1.0
    x.fill(2.5)
    np.testing.assert_array_equal(x.value, 2.5)
    np.testing.assert_array_equal(x.d, 0.0)
    y = hd.dual(X.copy(), V.copy())
    y.partition(1, axis=1)
    order = np.argpartition(X, 1, axis=1)
    np.testing.assert_array_equal(y.value, np.take_along_axis(X, order, axis=1))
    np.testing.assert_array_equal(y.d, np.take_along_axis(V, order, axis=1))


def test_tolist_gives_dual_scalars() -> None:
    x = hd.dual(X, V)
    rows = x.tolist()
    assert len(rows) == 3 and len(rows[0]) == 4
    assert rows[2][1].value == X[2, 1] and rows[2][1].d == V[2, 1]
    rows[2][1] += 1.0  # a copy: the array stays as it was
    assert x.value[2, 1] == X[2, 1]
    with pytest.raises(TypeError, match="drop"):
        float(rows[0][0])
    with pytest.raises(ValueError, match="size 1"):
        x.item()
