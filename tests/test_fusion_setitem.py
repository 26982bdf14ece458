"""x[key] = item with a basic key and a pending item: the item's recorded operations
run straight into x's slice (fusion's planes_into), never written apart and copied.
numpy's semantics hold whatever item reads: x itself, a view of x, x's base, slices
overlapping the one written. Each scenario's planes equal, bit for bit, the same code
run eagerly (every operation computed, then assigned), and its values numpy's own run
on the values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from fusion_harness import eager, pending, record_from_64  # noqa: F401

import hyperdiff as hd

N = 300


def _residual(x: Any) -> Any:
    r = np.empty_like(x)
    r[0] = x[0]
    r[1:-1] = -x[:-2] + 2 * x[1:-1] - x[2:] + 0.01 * np.exp(x[1:-1])
    r[-1] = x[-1]
    return r


def _reads_itself(x: Any) -> Any:
    x = x * 1.0
    x[1:] = x[:-1] * 2.0 + 1.0
    return x


def _reads_a_view(x: Any) -> Any:
    x = x * 1.0
    v = x[:-1]
    x[1:] = v * 2.0 + np.sin(v)
    return x + v[0]


def _into_a_view(x: Any) -> Any:
    big = x * 1.0
    s = big[5:]
    s[:-5] = big[:-10] * 3.0 + np.cos(s[5:])
    return big


def _whole(x: Any) -> Any:
    x = x * 1.0
    y = np.exp(x) * 2.0
    x[:] = y + x
    return x * y


def _strided(x: Any) -> Any:
    x = x * 1.0
    y = x[::2] * 3.0
    x[1::2] = y
    x[::2] = np.exp(y) - x[1::2]
    return x


def _reversed(x: Any) -> Any:  # (a negative step: the general assignment)
    x = x * 1.0
    x[::-1] = np.sin(x) * 2.0
    return x


def _two_dims(x: Any) -> Any:
    a = x.reshape(3, -1) * 1.0
    a[1:, 2:-2] = np.tanh(a[:-1, 4:]) * a[1:, :-4]
    a[0, ...] = a[2] ** 3
    return a


def _kept_item(x: Any) -> Any:
    x = x * 1.0
    y = np.sqrt(x + 2.0) * 4.0
    x[2:] = y[:-2]
    return y * 2.0 + x  # (y still read after it was written into x)


def _integer_key(x: Any) -> Any:
    a = x.reshape(3, -1) * 1.0
    a[1] = np.exp(a[0]) + a[2]
    return a


SCENARIOS: dict[str, Callable[[Any], Any]] = {
    "residual": _residual,
    "reads itself": _reads_itself,
    "reads a view": _reads_a_view,
    "into a view": _into_a_view,
    "whole": _whole,
    "strided": _strided,
    "reversed": _reversed,
    "two dims": _two_dims,
    "kept item": _kept_item,
    "integer key": _integer_key,
}


def _seeded(n: int) -> Any:
    rng = np.random.default_rng(11)
    return hd.dualvec(rng.uniform(0.2, 0.9, n), rng.uniform(-1.0, 1.0, (3, n)))


@pytest.mark.usefixtures("record_from_64")
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_written_slices_keep_numpy_semantics(name: str) -> None:
    f = SCENARIOS[name]
    x = _seeded(N)
    got = f(x)
    want = eager(f, _seeded(N))
    np.testing.assert_array_equal(got._stack, want._stack)
    np.testing.assert_allclose(got.value, f(x.value.copy()), rtol=1e-14, atol=1e-15)


@pytest.mark.usefixtures("record_from_64")
def test_the_item_runs_into_the_slice() -> None:
    """The pending item is not computed apart: it stays pending (its graph ran into
    the slice), and read later gives the same bits."""
    x = _seeded(N)
    r = np.empty_like(x)
    item = -x[:-2] + 2 * x[1:-1] - x[2:] + 0.01 * np.exp(x[1:-1])
    assert pending(item)
    r[1:-1] = item
    assert pending(item)
    np.testing.assert_array_equal(r._stack[:, 1:-1], item._stack)


def test_at_the_default_threshold() -> None:
    """The bench's size (fusion records from its default count): the residual
    written into r, against eager evaluation and numpy's values."""
    x = _seeded(100_000)
    got = _residual(x)
    want = eager(_residual, _seeded(100_000))
    np.testing.assert_array_equal(got._stack, want._stack)
    np.testing.assert_allclose(got.value, _residual(x.value.copy()), rtol=1e-14, atol=1e-15)
