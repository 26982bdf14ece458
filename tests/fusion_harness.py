"""What the fusion tests share (cpp/bindings/fusion.hpp): recording from small sizes, a
probe of whether an array is recorded, and eager evaluation as the reference bits."""

from __future__ import annotations

import os
import subprocess
import sys
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


def run_under_isa(isa: str, path: str, select: list[str]) -> None:
    """pytest of `path` (select: its -k or -m arguments) in a subprocess whose kernels
    are x86-64-`isa`'s (HYPERDIFF_ISA forces the build, as the kernel table picks
    one): skipped off x86-64, for the default build (what the rest of the file tests)
    and where this CPU does not run that build."""
    if not _core.isa().startswith("x86-64"):
        pytest.skip("one build of the kernels on this platform")
    if f"x86-64-{isa}" == _core.isa():
        pytest.skip("the default build is what the rest of this file tests")
    env = {**os.environ, "HYPERDIFF_ISA": isa}
    probe = [sys.executable, "-c", "import hyperdiff"]
    if subprocess.run(probe, env=env, capture_output=True).returncode != 0:
        pytest.skip(f"this CPU does not run x86-64-{isa}")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0"]
    result = subprocess.run([*cmd, *select, path], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
