"""Fixtures shared by test files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hyperdiff import _core


@pytest.fixture
def planes_read(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What each _core.elementwise_plane call of the transforms gave (a plane: the
    one-plane fused path ran; None: the planes were read in full)."""
    read: list[Any] = []
    plane_of = _core.elementwise_plane

    def counted(*args: Any) -> Any:
        read.append(plane_of(*args))
        return read[-1]

    monkeypatch.setattr(_core, "elementwise_plane", counted)
    return read


@pytest.fixture
def by_planes_from_small() -> Iterator[None]:
    """Graphs of many planes run by planes from 2^16 element-planes (fusion.hpp's
    run_by_planes; the default, 2^18, takes Hessians of n >= 80): short vectors do."""
    previous = _core.fusion_plane_min(1 << 16)
    yield
    _core.fusion_plane_min(previous)
