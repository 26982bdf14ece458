"""What the fusion tests share (cpp/bindings/fusion.hpp): recording from small sizes, a
probe of whether an array is recorded, and eager evaluation as the reference bits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hyperdiff import _core
from hyperdiff._arrays import DualArray


@pytest.fixture
def record_from_64() -> Iterator[None]:
    """Fast calls record from 64 elements (the default: 2^15), so test-sized arrays do."""
    previous = _core.fusion_min_count(64)
    yield
    _core.fusion_min_count(previous)


def pending(x: DualArray) -> bool:
    """Whether x's planes are a recorded operation (not yet computed)."""
    return isinstance(DualArray.__dict__["_store"].__get__(x), _core.Deferred)


def eager(f: Callable[..., Any], *args: Any) -> Any:
    """f(*args) with recording off: the reference bits (the same kernels, one operation
    at a time; seeds written in full)."""
    previous = _core.fusion_min_count(1 << 62)
    try:
        return f(*args)
    finally:
        _core.fusion_min_count(previous)
