"""Pairs zero by structure (cpp/bindings/fusion.hpp, live_pairs): a graph run by planes
and summed runs only the pairs (a, b) whose planes a and b meet at some element of some
node's operands; the others are zero. Checked against closed forms (Hessians of sums
of local terms, of separable sums, of gapped couplings, a dense one) and, for graphs
over arrays of random sparse planes, against numpy's sums of the planes computed
eagerly, bit for bit, with array inputs whose own pair planes are not zero (then no
pair may be dropped)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy.optimize import rosen_hess

import hyperdiff as hd
from hyperdiff import _core
from hyperdiff._algebra import layout
from hyperdiff._arrays import DualArray
from hyperdiff._multivariate import hyperdualvec_type


def pending(x: DualArray) -> bool:
    return isinstance(DualArray.__dict__["_store"].__get__(x), _core.Deferred)


pytestmark = pytest.mark.usefixtures("by_planes_from_small")


def by_planes_hessian(f: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
    """hd.hessian(f)(x), asserting that f's summed graph was recorded (runs by planes)."""
    seen: list[bool] = []

    def spy(v: Any) -> Any:
        terms = f(v)
        seen.append(pending(terms))
        return np.sum(terms)

    result: np.ndarray = hd.hessian(spy)(x)
    assert seen == [True]
    return result


def rosen_terms(x: Any) -> Any:
    return 100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2


@pytest.mark.parametrize("n", [60, 100, 128])
def test_rosenbrock(n: int) -> None:
    x = np.random.default_rng(n).uniform(-2, 2, n)
    want = rosen_hess(x)
    got = by_planes_hessian(rosen_terms, x)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-13 * np.abs(want).max())
    assert np.all(got[np.abs(np.subtract.outer(np.arange(n), np.arange(n))) > 1] == 0)


def test_rosenbrock_float32() -> None:
    x = np.random.default_rng(3).uniform(-2, 2, 100).astype(np.float32)
    got = by_planes_hessian(rosen_terms, x)
    assert got.dtype == np.float32
    want = rosen_hess(x.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-6 * np.abs(want).max())


@pytest.mark.parametrize("shift", [1, 2, 5, 50])
def test_products_of_shifted_copies(shift: int) -> None:
    # sum x_i x_(i+shift): H[i, i + shift] = H[i + shift, i] = 1, x[:-k] and x[k:] meeting
    # far from the diagonal when the shift is large
    n = 100
    x = np.random.default_rng(shift).uniform(0.5, 1.5, n)
    got = by_planes_hessian(lambda v: v[:-shift] * v[shift:], x)
    want = np.zeros((n, n))
    i = np.arange(n - shift)
    want[i, i + shift] = want[i + shift, i] = 1.0
    np.testing.assert_array_equal(got, want)


def test_sin_of_neighbours() -> None:
    n = 90
    x = np.random.default_rng(5).uniform(-1.5, 1.5, n)
    got = by_planes_hessian(lambda v: np.sin(v[:-1] * v[1:]), x)
    a, b = x[:-1], x[1:]
    u = a * b
    want = np.zeros((n, n))
    i = np.arange(n - 1)
    np.add.at(want, (i, i), -np.sin(u) * b**2)
    np.add.at(want, (i + 1, i + 1), -np.sin(u) * a**2)
    mixed = np.cos(u) - np.sin(u) * u
    want[i, i + 1] = want[i + 1, i] = mixed
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)
    assert np.all(got[np.abs(np.subtract.outer(np.arange(n), np.arange(n))) > 1] == 0)


def test_separable_sum_is_diagonal() -> None:
    n = 100
    x = np.random.default_rng(6).uniform(0.5, 2.0, n)
    got = by_planes_hessian(lambda v: np.log1p(v**2) * np.cos(v), x)
    g = np.log1p(x**2)
    dg, ddg = 2 * x / (1 + x**2), (2 - 2 * x**2) / (1 + x**2) ** 2
    want = np.diag(ddg * np.cos(x) - 2 * dg * np.sin(x) - g * np.cos(x))
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    assert np.count_nonzero(got - np.diag(np.diag(got))) == 0


def test_a_dense_hessian_keeps_every_pair() -> None:
    # (sum x)^2 / 2 - sum x^2 / 4: every pair meets at the product of the sums
    n = 100
    x = np.random.default_rng(8).uniform(-1, 1, n)

    def f(v: Any) -> Any:
        s = np.sum(v)
        return s * s / 2 - np.sum(v**2) / 4

    np.testing.assert_allclose(hd.hessian(f)(x), np.ones((n, n)) - np.eye(n) / 2, rtol=1e-14)
    # softmax's: diag(p) - p p^T (logsumexp: exp's terms, then the log of their sum)
    p = np.exp(x) / np.sum(np.exp(x))
    got = hd.hessian(lambda v: np.log(np.sum(np.exp(v))))(x)
    np.testing.assert_allclose(got, np.diag(p) - np.outer(p, p), rtol=1e-12, atol=1e-16)


def sparse_planes(g: np.random.Generator, k: int, count: int, pairs: bool) -> np.ndarray:
    """Planes of a HyperDualVec(k) array: values in [0.5, 1.5], each first-order plane
    nonzero on a short random range (or nowhere), pair planes zero except (pairs=True)
    a few entries at random, mostly where the pair's first-order planes do not meet."""
    planes = np.zeros((1 + k + k * (k + 1) // 2, count))
    planes[0] = g.uniform(0.5, 1.5, count)
    for a in range(k):
        if g.random() < 0.15:
            continue
        start = int(g.integers(0, count))
        planes[1 + a, start : start + int(g.integers(1, 4))] = g.uniform(-1, 1)
    if pairs:
        for _ in range(3):
            planes[g.integers(1 + k, len(planes)), g.integers(0, count)] = g.uniform(-1, 1)
    return planes


CHAINS: list[Callable[[Any], Any]] = [
    lambda x: np.sin(x[:-2] * x[2:]) + x[1:-1] ** 2,
    lambda x: np.exp(x[1:-1]) / (1.5 + x[:-2] ** 2) - 3.0 * x[2:],
    lambda x: np.sqrt(2.0 + x[:-2] * x[1:-1]) * np.cos(x[2:]),
    lambda x: np.log(x[2:]) * x[:-2] + np.tanh(x[1:-1] * x[1:-1]),
]


@pytest.mark.parametrize("pairs", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(6))
def test_sums_are_numpys_sums_of_the_eager_planes(seed: int, dtype: type, pairs: bool) -> None:
    g = np.random.default_rng(seed)
    cls = hyperdualvec_type(40)  # 861 planes of 90 elements: recorded, run by planes
    planes = sparse_planes(g, 40, 92, pairs).astype(dtype)
    chain = CHAINS[seed % len(CHAINS)]
    y = chain(cls._wrap(planes.copy()))
    assert pending(y)
    sums = _core.pending_sum(y)
    assert sums is not None
    previous = _core.fusion_plane_min(1 << 62)
    try:
        eager = chain(cls._wrap(planes.copy()))
        assert not pending(eager)
    finally:
        _core.fusion_plane_min(previous)
    want = np.array([np.add.reduce(plane) for plane in eager._stack])
    np.testing.assert_array_equal(sums, want)
    assert np.count_nonzero(want[1 + 40 :]) > 0  # (some pairs are not zero)


def test_a_pair_plane_of_an_input_is_kept_where_its_first_order_planes_do_not_meet() -> None:
    # an input whose plane (0, 1) is 1 at element 5, where neither plane 0 nor plane 1
    # is nonzero: nothing in the graph makes the pair meet, yet its sum is not zero
    cls = hyperdualvec_type(40)
    first, pairs = layout(cls)
    q = 1 + first + [tuple(p) for p in pairs.tolist()].index((0, 1))
    planes = np.zeros((cls._planes, 90))
    planes[0] = 1.0
    planes[1, 10] = planes[2, 20] = 1.0
    planes[q, 5] = 1.0
    y = 2.0 * cls._wrap(planes) + 1.0
    assert pending(y)
    sums = _core.pending_sum(y)
    assert sums is not None
    assert sums[q] == 2.0
    assert np.count_nonzero(sums[1 + first :]) == 1


@pytest.mark.parametrize(
    ("reduce", "scale"),
    [
        (np.mean, 1 / 99),
        (lambda t: np.sum(t, axis=0), 1.0),
        (lambda t: t.sum(axis=-1), 1.0),
        (lambda t: np.mean(t, axis=(0,)), 1 / 99),
    ],
)
def test_means_and_sums_along_the_one_axis(reduce: Callable[[Any], Any], scale: float) -> None:
    # summed by planes like np.sum(t) (_functions._pending_sum), numpy's mean: sum / count
    x = np.random.default_rng(9).uniform(-2, 2, 100)
    seen: list[bool] = []

    def f(v: Any) -> Any:
        terms = rosen_terms(v)
        seen.append(pending(terms))
        return reduce(terms)

    want = rosen_hess(x) * scale
    np.testing.assert_allclose(hd.hessian(f)(x), want, rtol=1e-13, atol=1e-13 * np.abs(want).max())
    assert seen == [True]


def test_a_sum_of_squared_residuals_read_from_their_planes() -> None:
    # r = [10 (x[1:] - x[:-1]^2), 1 - x[:-1]] is written out (its concatenation), so the
    # graph of np.sum(r**2) reads r, whose pair planes (a, a) are not zero: those pairs
    # run, as do those whose planes meet, and the rest are zero
    n = 100
    x = np.random.default_rng(10).uniform(-2, 2, n)

    def f(v: Any) -> Any:
        r = np.concatenate([10.0 * (v[1:] - v[:-1] ** 2), 1.0 - v[:-1]])
        return r**2

    want = rosen_hess(x)
    np.testing.assert_allclose(
        by_planes_hessian(f, x), want, rtol=1e-13, atol=1e-13 * np.abs(want).max()
    )


def test_hessians_of_each_term_written_out() -> None:
    # a vector output: its planes are written in full, the pairs zero by structure as +0
    n = 100
    x = np.random.default_rng(11).uniform(-2, 2, n)
    seen: list[bool] = []

    def f(v: Any) -> Any:
        terms = rosen_terms(v)
        seen.append(pending(terms))
        return terms

    got = hd.hessian(f)(x)
    assert seen == [True] and got.shape == (n - 1, n, n)
    want = np.zeros((n - 1, n, n))
    i = np.arange(n - 1)
    want[i, i, i] = 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    want[i, i, i + 1] = want[i, i + 1, i] = -400 * x[:-1]
    want[i, i + 1, i + 1] = 200.0
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13 * np.abs(want).max())
    assert np.count_nonzero(got) == np.count_nonzero(want)


UNARY: list[Callable[[Any], Any]] = [
    np.sin,
    np.exp,
    np.tanh,
    np.square,
    np.cos,
    np.arctan,
    lambda u: np.sqrt(u * u + 1.0),
    lambda u: 1.0 / (2.0 + u * u),
]
BINARY: list[Callable[[Any, Any], Any]] = [
    np.add,
    np.subtract,
    np.multiply,
    np.maximum,
    np.hypot,
    lambda a, b: a / (3.0 + b * b),
]


def random_terms(g: np.random.Generator, n: int, k: int, depth: int) -> Callable[[Any], Any]:
    """A random elementwise program of slices v[s : s + n - k] (s <= k), scaled or not."""
    if depth == 0 or g.random() < 0.25:
        s, c = int(g.integers(0, k + 1)), float(g.uniform(-1.5, 1.5))
        return lambda v: v[s : s + n - k] * c
    if g.random() < 0.4:
        f, a = UNARY[g.integers(len(UNARY))], random_terms(g, n, k, depth - 1)
        return lambda v: f(a(v))
    op = BINARY[g.integers(len(BINARY))]
    a, b = random_terms(g, n, k, depth - 1), random_terms(g, n, k, depth - 1)
    return lambda v: op(a(v), b(v))


@pytest.mark.parametrize("seed", range(4))
def test_random_programs_agree_with_eager(seed: int) -> None:
    # the pairs judged zero are zero: by planes (summed, or written out per term) against
    # the eager planes, which compute every pair
    g = np.random.default_rng(seed)
    reductions: list[Callable[[Any], Any]] = [np.sum, np.mean, lambda t: t]
    for _ in range(15):
        n, k = int(g.integers(80, 110)), int(g.integers(1, 6))
        terms, reduce = random_terms(g, n, k, int(g.integers(1, 5))), reductions[g.integers(3)]

        def f(v: Any, terms: Any = terms, reduce: Any = reduce) -> Any:
            return reduce(terms(v))

        x = g.uniform(-1.5, 1.5, n)
        got = hd.hessian(f)(x)
        previous = _core.fusion_plane_min(1 << 62)
        try:
            want = hd.hessian(f)(x)
        finally:
            _core.fusion_plane_min(previous)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
        assert np.array_equal(got != 0, want != 0)
