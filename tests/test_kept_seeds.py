"""A Hessian's seed planes kept from call to call (_core.keep_seed / kept_seed): handed
back only when nothing else holds them and they were never exposed (so their unit and
pair planes are as made), and then not scanned for pair planes by a graph run by
planes (fusion::zero_pairs). Whatever f does with its seed (keeps it, writes into it,
reads its planes), no later call may see a changed seed, and a graph must honour what
was written."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.optimize import rosen_hess

import hyperdiff as hd
from hyperdiff import _core
from hyperdiff._algebra import layout
from hyperdiff._multivariate import hyperdualvec_type

pytestmark = pytest.mark.usefixtures("by_planes_from_small")


def rosen(x: Any) -> Any:
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def points(n: int, count: int) -> list[np.ndarray]:
    g = np.random.default_rng(n)
    return [g.uniform(-2, 2, n) for _ in range(count)]


def test_a_kept_seed_is_handed_back_with_new_values() -> None:
    seen: list[int] = []

    def f(v: Any) -> Any:
        seen.append(id(v._header))  # (the planes, not exposed, not held)
        return rosen(v)

    h = hd.hessian(f)
    for x in points(70, 4):
        np.testing.assert_allclose(h(x), rosen_hess(x), rtol=1e-13, atol=1e-12)
    assert len(set(seen)) == 1  # one seed for the four calls


def test_a_seed_f_keeps_is_not_handed_back() -> None:
    kept: list[Any] = []

    def f(v: Any) -> Any:
        kept.append(v)
        return rosen(v)

    h = hd.hessian(f)
    xs = points(70, 3)
    for x in xs:
        np.testing.assert_allclose(h(x), rosen_hess(x), rtol=1e-13, atol=1e-12)
    for v, x in zip(kept, xs, strict=True):  # each as its call made it
        np.testing.assert_array_equal(v.value, x)
        np.testing.assert_array_equal(v._stack[1 : 1 + 70], np.eye(70))
        assert not np.any(v._stack[1 + 70 :])


@pytest.mark.parametrize("write", ["value", "unit", "pair", "read"])
def test_a_seed_f_writes_or_reads_is_not_handed_back(write: str) -> None:
    n = 70
    first, _ = layout(hyperdualvec_type(n))
    seeds: list[np.ndarray] = []

    def f(v: Any) -> Any:
        planes = v._stack  # (exposes the seed: it is not handed back after this call)
        seeds.append(planes.copy())
        if len(seeds) == 1:  # the first call writes into its seed (or only reads it)
            if write == "value":
                planes[0, 3] = 100.0
            elif write == "unit":
                planes[1 + 3, 3] = 7.0
            elif write == "pair":
                planes[1 + first + 5, 3] = 1.0
        return rosen(v)

    h = hd.hessian(f)
    x, y = points(n, 2)
    h(x)
    np.testing.assert_allclose(h(y), rosen_hess(y), rtol=1e-13, atol=1e-12)
    # the second call's seed as made: its values, unit planes and zero pairs
    np.testing.assert_array_equal(seeds[1][0], y)
    np.testing.assert_array_equal(seeds[1][1 : 1 + n], np.eye(n))
    assert not np.any(seeds[1][1 + n :])


def test_a_graph_honours_a_pair_plane_written_into_the_seed() -> None:
    # f writes 1 into its seed's plane of pair q, then sums 2 v + 1 by planes: the sum
    # of that plane is 2 (the seed, once exposed, is scanned again)
    n = 70
    q = 5
    sums: list[np.ndarray] = []

    def f(v: Any) -> Any:
        v._stack[1 + n + q, 3] = 1.0
        y = 2.0 * v + 1.0
        s = _core.pending_sum(y)
        assert s is not None
        sums.append(s)
        return np.sum(y)

    h = hd.hessian(f)
    for x in points(n, 3):
        hess = h(x)
        assert sums[-1][1 + n + q] == 2.0
        assert np.count_nonzero(sums[-1][1 + n :]) == 1
        assert np.count_nonzero(hess) == 2  # (pair q = (0, 5), and its mirror)


def test_float32_and_float64_seeds_are_kept_apart() -> None:
    h = hd.hessian(rosen)
    for x in points(80, 2):
        np.testing.assert_allclose(h(x), rosen_hess(x), rtol=1e-13, atol=1e-12)
        got = h(x.astype(np.float32))
        assert got.dtype == np.float32
        want = rosen_hess(x.astype(np.float32).astype(np.float64))
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-6 * np.abs(want).max())
