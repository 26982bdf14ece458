"""np.concatenate of dual arrays along their first axis writes a pending piece's
operations straight into its slice of the result (_functions._joined,
_core.planes_into, fusion.hpp's compute `into`): the same bits as eager evaluation on
every kind and dtype, the pieces and the result independent arrays afterwards, and a
piece left pending still protected from writes to what it reads."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _core
from hyperdiff._arrays import DualArray

N = 1000


@pytest.fixture(autouse=True)
def record_from_64() -> Iterator[None]:
    previous = _core.fusion_min_count(64)
    yield
    _core.fusion_min_count(previous)


def pending(x: DualArray) -> bool:
    return isinstance(DualArray.__dict__["_store"].__get__(x), _core.Deferred)


def eager(f, *args):  # type: ignore[no-untyped-def]
    previous = _core.fusion_min_count(1 << 62)
    try:
        return f(*args)
    finally:
        _core.fusion_min_count(previous)


X = np.random.default_rng(3).uniform(0.1, 0.9, N)
KINDS = {
    "dual": lambda x, dt: hd.dual(x.astype(dt), 1.0),
    "hyperdual": lambda x, dt: hd.hyperdual(x.astype(dt), 1.0, 1.0, 0.0),
    "dualvec3": lambda x, dt: hd.dualvec(
        x.astype(dt), [np.ones(N, dt), x.astype(dt), x.astype(dt) ** 2]
    ),
    "hyperdualvec2": lambda x, dt: hd.hyperdualvec(x.astype(dt), [np.ones(N, dt), x.astype(dt)]),
}


def banded(x):  # type: ignore[no-untyped-def]
    inner = -x[:-2] + 2.0 * x[1:-1] - x[2:] + 1e-2 * np.exp(x[1:-1])
    return np.concatenate([x[:1], inner, x[-1:]])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
def test_same_bits_as_eager(kind: str, dtype: type) -> None:
    got = banded(KINDS[kind](X, dtype))
    want = eager(banded, KINDS[kind](X, dtype))
    assert type(got) is type(want) and got._data.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got._data, want._data)


def test_pieces_and_result_are_independent() -> None:
    x = KINDS["dualvec3"](X, np.float64)
    inner = np.sin(x[1:-1]) * 2.0
    assert pending(inner)
    joined = np.concatenate([x[:1], inner, x[-1:], inner])
    assert pending(inner)  # written into both slices, its graph kept
    want = eager(lambda v: np.sin(v[1:-1]) * 2.0, x).value  # (hyperdiff's sin: its bits)
    np.testing.assert_allclose(want, np.sin(X[1:-1]) * 2.0, rtol=1e-15)
    np.testing.assert_array_equal(joined.value[1:-1][: N - 2], want)
    np.testing.assert_array_equal(joined.value[N:], want)
    np.testing.assert_array_equal(joined._data[:, : N - 1][:, 1:], inner._data)
    joined._data[:] = 7.0
    np.testing.assert_array_equal(inner.value, want)  # no alias of the result
    np.testing.assert_array_equal(x.value, X)


def test_write_to_an_input_after_joining_does_not_reach_the_pending_piece() -> None:
    x = KINDS["dual"](X, np.float64)
    inner = x[1:] * 3.0
    joined = np.concatenate([inner, x[:1]])
    assert pending(inner)
    x[5] = 100.0  # inner's graph reads x's planes: it runs before the write
    np.testing.assert_array_equal(inner.value, X[1:] * 3.0)  # (a product: numpy's bits)
    np.testing.assert_array_equal(joined.value, np.concatenate([X[1:] * 3.0, X[:1]]))
    assert joined.value[5] == X[6] * 3.0


def test_two_dimensional_pieces_and_the_other_axis() -> None:
    x = hd.dualvec(X.reshape(40, 25), [np.ones((40, 25)), X.reshape(40, 25)])
    top, rest = np.exp(x[:10]), x[10:] + 1.0

    def join0(a, b):  # type: ignore[no-untyped-def]
        return np.concatenate([a, b])

    def join1(a, b):  # type: ignore[no-untyped-def]
        return np.concatenate([a, b], axis=1)

    for join in (join0, join1):
        got = join(np.exp(x[:20]), x[20:] + 1.0)
        want = eager(join, eager(np.exp, x[:20]), eager(lambda v: v + 1.0, x[20:]))
        np.testing.assert_array_equal(got._data, want._data)
    joined = np.concatenate([top, rest])
    np.testing.assert_array_equal(joined._data[:, :10], eager(np.exp, x[:10])._data)
    np.testing.assert_array_equal(
        joined._data[:, 10:], x._data[:, 10:] + np.array([1.0, 0, 0])[:, None, None]
    )


def test_planes_into_declines_what_it_does_not_take() -> None:
    x = KINDS["dual"](X, np.float64)
    y = np.sin(x)
    assert pending(y)
    assert not _core.planes_into(X, np.empty((2, N)))  # not a dual array
    assert not _core.planes_into(y, np.empty((2, N), np.float32))  # another dtype
    assert not _core.planes_into(y, np.empty((2, N + 1)))  # another shape
    assert not _core.planes_into(y, np.empty((2, N, 2))[..., 0])  # planes not contiguous
    assert pending(y)
    out = np.empty((2, N))
    assert _core.planes_into(y, out)
    np.testing.assert_array_equal(out, eager(np.sin, KINDS["dual"](X, np.float64))._data)
