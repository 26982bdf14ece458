"""Graphs of many planes and few elements (cpp/bindings/fusion.hpp, run_by_planes):
Jet operations with second-order parts are recorded below fusion_min_count when they
have fusion_plane_min element-planes (a Hessian's HyperDualVec(n) of a short vector),
and their graph runs by tiles of pairs; np.sum of such a graph sums it tile by tile
(_core.pending_sum). The kernels and what each element sees are eager evaluation's,
so every plane has the same bits; the sums are numpy's (np.add.reduce's bits). Here
from 2^16 element-planes (the default, 2^18, takes Hessians of n >= 80)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from scipy.optimize import rosen_hess

import hyperdiff as hd
from hyperdiff import _core
from hyperdiff._arrays import DualArray
from hyperdiff._multivariate import hyperdualvec_type


def rng() -> np.random.Generator:
    """Each test's own numbers (the same whichever tests ran before, in whichever worker)."""
    return np.random.default_rng(31)


def pending(x: DualArray) -> bool:
    """Whether x's planes are a recorded operation (not yet computed)."""
    return isinstance(DualArray.__dict__["_store"].__get__(x), _core.Deferred)


pytestmark = pytest.mark.usefixtures("by_planes_from_small")


@contextmanager
def by_elements() -> Iterator[None]:
    """Nothing of few elements recorded: every such operation runs eagerly."""
    previous = _core.fusion_plane_min(1 << 62)
    try:
        yield
    finally:
        _core.fusion_plane_min(previous)


def rosen(x: Any) -> Any:
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def test_rosenbrock_hessian_against_its_closed_form_and_eager() -> None:
    x = rng().uniform(-2, 2, 100)
    seen: list[bool] = []

    def spy(v: Any) -> Any:
        d = v[1:] - v[:-1] ** 2
        seen.append(pending(d))
        return np.sum(100.0 * d**2 + (1 - v[:-1]) ** 2)

    got = hd.hessian(spy)(x)
    assert seen == [True]  # recorded (5,151 planes of 99 elements), summed by planes
    np.testing.assert_allclose(got, rosen_hess(x), rtol=1e-13, atol=1e-12)
    with by_elements():
        want = hd.hessian(rosen)(x)
    # each plane of Rosenbrock's has at most two nonzero terms: any order sums them alike
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(hd.hessian(rosen)(x), got)


def chain(x: Any) -> Any:
    y = np.exp(x[:-1] * x[1:]) / (1.5 + x[1:] ** 2) - 3.0 * x[:-1]
    return np.sqrt(2.0 + y * y) + np.sin(y) * x[1:]


@pytest.mark.parametrize(
    ("layout", "dtype"),
    [((60,), np.float64), ((60,), np.float32), ((40, 30), np.float64), ((50,), np.complex128)],
)
def test_same_bits_as_eager(layout: tuple[int, ...], dtype: type) -> None:
    # parts of every plane random (second-order ones too: nothing is assumed zero)
    cls = hyperdualvec_type(*layout)
    g = rng()
    planes = g.uniform(-1, 1, (cls._planes, 120)).astype(dtype)
    if np.dtype(dtype).kind == "c":
        planes = planes + 1j * g.uniform(-1, 1, planes.shape)
    planes[0] = g.uniform(0.2, 1.2, 120)

    def run() -> tuple[Any, Any]:
        x = cls._wrap(planes.copy())
        y = np.exp(x[:-1] * x[1:]) / (1.5 + x[1:] ** 2) - 3.0 * x[:-1]
        return y, np.sqrt(2.0 + y * y) + np.sin(y) * x[1:]  # y held: written in full

    held, got = run()
    assert pending(got)
    with by_elements():
        held_want, want = run()
    assert not pending(want)
    np.testing.assert_array_equal(got._stack, want._stack)
    np.testing.assert_array_equal(held._stack, held_want._stack)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pending_sum_is_numpys_sum_of_each_plane(dtype: type) -> None:
    cls = hyperdualvec_type(50)
    g = rng()
    scales = 10.0 ** g.integers(-3, 3, (cls._planes, 99))
    planes = (g.standard_normal((cls._planes, 99)) * scales).astype(dtype)
    x = cls._wrap(planes)
    y = x * x - np.cos(x)
    assert pending(y)
    sums = _core.pending_sum(y)
    assert sums is not None and sums.dtype == np.dtype(dtype)
    assert pending(y)  # summed without computing its planes
    data = y._stack
    # each plane as numpy sums one plane (the value: np.sum of the values, bit for bit)
    np.testing.assert_array_equal(sums, [np.add.reduce(plane) for plane in data])
    np.testing.assert_array_equal(np.sum(y).value, np.sum(data[0]))  # (computed now)


def test_hessians_of_other_functions_agree_with_eager() -> None:
    x = rng().uniform(0.5, 1.5, 70)  # 2,556 planes of 69 elements: recorded

    def f(v: Any) -> Any:
        return np.sum(chain(v))

    got = hd.hessian(f)(x)
    with by_elements():
        want = hd.hessian(f)(x)
    # the same planes, summed by numpy (here) and by a matrix-vector product (eager)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13 * np.abs(want).max())
    np.testing.assert_array_equal(got, got.T)


def test_a_write_after_recording_does_not_reach_the_graph() -> None:
    cls = hyperdualvec_type(60)
    x = cls._wrap(rng().uniform(-1, 1, (cls._planes, 80)))
    before = x._stack.copy()
    x = cls._wrap(before.copy())
    y = x[1:] * x[:-1] + 1.0
    assert pending(y)
    x._stack[:] = 0.0  # exposes x's planes: y is computed first
    with by_elements():
        z = cls._wrap(before)
        want = z[1:] * z[:-1] + 1.0
    np.testing.assert_array_equal(y._stack, want._stack)


def test_the_default_threshold_takes_hessians_of_80_variables_and_more() -> None:
    _core.fusion_plane_min(1 << 18)  # the default (the fixture restores its own)
    seen: list[bool] = []

    def spy(v: Any) -> Any:
        d = v[1:] - v[:-1] ** 2
        seen.append(pending(d))
        return np.sum(100.0 * d**2 + (1 - v[:-1]) ** 2)

    x = rng().uniform(-2, 2, 140)  # passes of 128 variables or fewer (_MAX_CHUNK): 3 of them
    np.testing.assert_allclose(hd.hessian(spy)(x), rosen_hess(x), rtol=1e-13, atol=1e-12)
    assert seen[0]  # the first, HyperDualVec(128): 8,385 planes of 139 elements
    np.testing.assert_allclose(hd.hessian(spy)(x[:100]), rosen_hess(x[:100]), rtol=1e-13)
    assert seen[-1]  # T3: 5,151 planes of 99 elements
    hd.hessian(spy)(x[:70])  # 2,556 planes of 69 elements: eager
    assert not seen[-1]


def test_layouts_of_few_pairs_are_not_recorded() -> None:
    # hessian_diag's K pairs and hvp's (K, 1): a tile would recompute as many first-order
    # planes as it has pairs (records() takes layouts of 4 pairs a first-order part)
    x = rng().uniform(0.5, 1.5, 2000)
    seen: list[bool] = []

    def f(v: Any) -> Any:
        y = v * v
        seen.append(pending(y))
        return np.sum(np.sin(y))

    np.testing.assert_allclose(
        hd.hessian_diag(f)(x), 2 * np.cos(x * x) - 4 * x * x * np.sin(x * x), rtol=1e-12
    )
    assert seen and not any(seen)
