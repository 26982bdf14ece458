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


# --- the seeds of hessian(f, argnums=(...)) (its plan's path: T6's X and Y) -----------
def sum_of_squares_blocks(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """d2/dX2, d2/dX dY and d2/dY2 of sum((X Y)^2), by hand: 2 [a = c] (Y Y^T)_bd,
    2 (X_ac Y_bd + (X Y)_ad [b = c]) and 2 (X^T X)_ce [d = f]."""
    eye = np.eye(x.shape[0])
    xx = np.einsum("ac,bd->abcd", eye, y @ y.T)
    xy = np.einsum("ac,bd->abcd", x, y) + np.einsum("ad,bc->abcd", x @ y, eye)
    yy = np.einsum("ce,df->cdef", x.T @ x, eye)
    return 2 * xx, 2 * xy, 2 * yy


def squares(x: Any, y: Any) -> Any:
    return np.sum((x @ y) ** 2)


def pairs_of(n: int, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    g = np.random.default_rng(n)
    return [(g.normal(size=(n, n)), g.normal(size=(n, n))) for _ in range(count)]


def test_the_plans_seeds_are_kept_through_products() -> None:
    # x @ y reads its operands without exposing them, so the same seeds come back
    seen: list[tuple[int, int]] = []

    def f(x: Any, y: Any) -> Any:
        seen.append((id(x._header), id(y._header)))
        return squares(x, y)

    h = hd.hessian(f, argnums=(0, 1))
    for x, y in pairs_of(4, 4):
        got = h(x, y)
        xx, xy, yy = sum_of_squares_blocks(x, y)
        np.testing.assert_allclose(got[0][0], xx, rtol=1e-13, atol=1e-12)
        np.testing.assert_allclose(got[0][1], xy, rtol=1e-13, atol=1e-12)
        np.testing.assert_allclose(got[1][1], yy, rtol=1e-13, atol=1e-12)
    assert len(set(seen)) == 1


@pytest.mark.parametrize(
    "change",
    ["in place", "matmul in place", "setitem", "value", "planes", "view", "kept", "out", "none"],
)
def test_the_plans_seeds_as_made_whatever_f_did(change: str) -> None:
    # the first call changes its seed X after a product read it (or keeps it); every
    # call's Hessian is the closed form of its product, so later calls must see seeds
    # as made
    kept: list[Any] = []

    def f(x: Any, y: Any) -> Any:
        z = x @ y
        if not kept:
            if change == "in place":
                x *= 2.0
            elif change == "matmul in place":
                x @= y
            elif change == "setitem":
                x[0, 1] = 3.0 * x[0, 1]
            elif change == "value":
                x.value[0, 0] = 5.0
            elif change == "planes":
                x._stack[1 + 2, 0, 2] = 7.0
            elif change == "view":
                v = x[1:]
                v[0, 0] = 4.0 * v[0, 0]
            elif change == "out":
                np.multiply(x, 2.0, out=x)
        kept.append(x if change == "kept" else None)
        return np.sum(z**2)

    h = hd.hessian(f, argnums=(0, 1))
    for x, y in pairs_of(3, 3) + pairs_of(3, 3):
        got = h(x, y)
        for block, want in zip(
            (got[0][0], got[0][1], got[1][1]), sum_of_squares_blocks(x, y), strict=True
        ):
            np.testing.assert_allclose(block, want, rtol=1e-13, atol=1e-12)
    if change == "kept":  # each kept seed as its call made it
        for v in kept:
            planes = v._stack
            np.testing.assert_array_equal(planes[1 : 1 + 9].reshape(9, 9), np.eye(9))
            assert not np.any(planes[1 + 9 : 1 + 18])
            assert not np.any(planes[1 + 18 :])


def test_the_plans_seeds_by_dtype_and_shape() -> None:
    h = hd.hessian(squares, argnums=(0, 1))
    for n in (2, 3, 2):
        for x, y in pairs_of(n, 2):
            for dtype, tol in ((np.float64, 1e-13), (np.float32, 2e-5)):
                xd, yd = x.astype(dtype), y.astype(dtype)
                got = h(xd, yd)
                assert got[0][1].dtype == dtype
                _, xy, yy = sum_of_squares_blocks(xd.astype(np.float64), yd.astype(np.float64))
                np.testing.assert_allclose(got[0][1], xy, rtol=tol, atol=tol * np.abs(xy).max())
                np.testing.assert_allclose(got[1][1], yy, rtol=tol, atol=tol * np.abs(yy).max())


def test_a_product_honours_a_pair_plane_written_into_the_seed() -> None:
    # products skip a kept seed's pair planes (known zero) until the seed is exposed:
    # a pair plane f writes (through `_stack`, which exposes it) must reach x @ y. Pair
    # q = 5 is (0, 5), two of X's variables, so y has no parts there: (x y)_q = x_q y0
    n, q = 18, 5
    products: list[np.ndarray] = []

    def f(x: Any, y: Any) -> Any:
        x._stack[1 + n + q] = 1.0
        products.append((x @ y)._stack[1 + n + q])
        return squares(x, y)

    h = hd.hessian(f, argnums=(0, 1))
    for x, y in pairs_of(3, 3):
        h(x, y)
        np.testing.assert_allclose(products[-1], np.ones((3, 3)) @ y, rtol=1e-15)


# --- hessian(f)(X) of one matrix (the common call's path) -----------------------------
def squared_square_hessian(x: np.ndarray) -> np.ndarray:
    """The Hessian of sum((X X)^2): with M = X X, dM = E X + X E and d2M = E1 E2 + E2 E1
    over unit directions E, d2 = 2 <dM1, dM2> + 2 <M, d2M> (einsums of numpy floats)."""
    n = x.shape[0]
    units = np.eye(n * n).reshape(n * n, n, n)
    m = x @ x
    dm = np.einsum("kab,bc->kac", units, x) + np.einsum("ab,kbc->kac", x, units)
    d2m = np.einsum("kab,lbc->klac", units, units)
    d2m = d2m + d2m.transpose(1, 0, 2, 3)
    h = 2 * np.einsum("kad,lad->kl", dm, dm) + 2 * np.einsum("ad,klad->kl", m, d2m)
    return h.reshape(n, n, n, n)


def squared_square(x: Any) -> Any:
    return np.sum((x @ x) ** 2)


@pytest.mark.parametrize("change", ["in place", "planes", "view", "kept", "none"])
def test_a_matrix_seed_is_kept_and_as_made(change: str) -> None:
    seen: list[int] = []
    kept: list[Any] = []

    def f(x: Any) -> Any:
        seen.append(id(x._header))
        z = x @ x
        if not kept:
            if change == "in place":
                x *= 2.0
            elif change == "planes":
                x._stack[1 + 4, 1, 1] = 3.0
            elif change == "view":
                v = x[1:]
                v[0, 1] = 5.0 * v[0, 1]
        kept.append(x if change == "kept" else None)
        return np.sum(z**2)

    h = hd.hessian(f)
    for x, _ in pairs_of(3, 4):
        np.testing.assert_allclose(h(x), squared_square_hessian(x), rtol=1e-12, atol=1e-11)
    if change == "none":
        assert len(set(seen)) == 1  # one seed for the four calls
    if change == "kept":
        for v, (x, _) in zip(kept, pairs_of(3, 4), strict=True):
            np.testing.assert_array_equal(v.value, x)
            np.testing.assert_array_equal(v._stack[1:10].reshape(9, 9), np.eye(9))
            assert not np.any(v._stack[10:])


def test_matrix_seeds_by_shape_and_dtype() -> None:
    h = hd.hessian(squared_square)
    for n in (2, 3, 2):
        for x, _ in pairs_of(n, 2):
            want = squared_square_hessian(x)
            np.testing.assert_allclose(h(x), want, rtol=1e-12, atol=1e-11)
            got = h(x.astype(np.float32))
            assert got.dtype == np.float32
            want = squared_square_hessian(x.astype(np.float32).astype(np.float64))
            np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * np.abs(want).max())


# --- random programs of matrices: kept seeds against chunked passes (no kept seeds) --
_PROGRAM_STEPS = (
    lambda x, y: x @ x,
    lambda x, y: x @ y,
    lambda x, y: y @ x,
    lambda x, y: x.T @ y,
    lambda x, y: np.sin(x) * y,
    lambda x, y: x + 2.0 * y,
    lambda x, y: np.exp(-x) @ y,
    lambda x, y: x[::-1] @ y,
    lambda x, y: np.tanh(x @ y),
    lambda x, y: np.cumsum(x, axis=0) * y,
    lambda x, y: np.roll(x, 1) @ y.T,
)
_CHANGES = ("none", "in place", "setitem", "view", "planes", "kept", "matmul in place")


def _program(steps: list[int], change: str, at: int, kept: list[Any]) -> Any:
    first = [True]

    def f(x: Any, y: Any = None) -> Any:
        y = x if y is None else y
        z = x
        for i, k in enumerate(steps):
            z = _PROGRAM_STEPS[k](z, y)
            if i == at and first[0]:  # the first call changes its seed after a step
                if change == "in place":
                    x *= 1.5
                elif change == "setitem":
                    x[0, 0] = x[0, 0] * 2.0
                elif change == "view":
                    v = x[1:]
                    v[0, 0] = v[0, 0] + 1.0
                elif change == "planes":
                    x._stack[2, 0, 1] = 0.5
                elif change == "kept":
                    kept.append(x)
                elif change == "matmul in place":
                    x @= y
        first[0] = False
        return np.sum(z**2) + np.sum(np.sin(z))

    return f


@pytest.mark.parametrize("transform", [hd.hessian, hd.grad])
@pytest.mark.parametrize("case", range(48))
def test_random_programs_of_matrices_see_seeds_as_made(transform: Any, case: int) -> None:
    # later calls of a transform whose first call changed (or kept) its seed, against
    # the same with chunk_size=3, whose passes keep no seed
    g = np.random.default_rng(case)
    steps = [int(k) for k in g.integers(len(_PROGRAM_STEPS), size=g.integers(1, 4))]
    change = _CHANGES[case % len(_CHANGES)]
    dtype = (np.float64, np.float64, np.float32)[case % 3]
    tol = 1e-10 if dtype == np.float64 else 2e-3
    n = 2 + case % 2
    kept: list[Any] = []
    f = _program(steps, change, int(g.integers(len(steps))), kept)
    points = [g.uniform(-1, 1, (n, n)).astype(dtype) for _ in range(4)]
    argnums: Any = (0, 1) if case % 4 < 2 else 0
    h = transform(f, argnums=argnums)
    reference = transform(f, argnums=argnums, chunk_size=3)
    pairs = zip(points, points[1:] + points[:1], strict=True)
    args = [(p, q) if argnums == (0, 1) else (p,) for p, q in pairs]
    h(*args[0])  # (the call that changes its seed)
    for a in args[1:]:
        got, want = np.asarray(h(*a)), np.asarray(reference(*a))  # (blocks of one shape)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * (1 + np.abs(want).max()))


# --- grad and jacobian keep their seeds too (DualVec: no pairs) --------------------------
def rosen_gradient(x: np.ndarray) -> np.ndarray:
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return g


def scaled_squares_jacobian(x: np.ndarray) -> np.ndarray:
    """The Jacobian of x^2 x_0: diag(2 x x_0) + x^2 in column 0."""
    j = np.diag(2 * x * x[0])
    j[:, 0] += x**2
    return j


@pytest.mark.parametrize("transform", ["grad", "jacobian"])
@pytest.mark.parametrize("change", ["in place", "setitem", "planes", "view", "kept", "none"])
def test_first_order_seeds_are_kept_and_as_made(transform: str, change: str) -> None:
    seen: list[int] = []
    kept: list[Any] = []

    def f(v: Any) -> Any:
        seen.append(id(v._header))
        out = rosen(v) if transform == "grad" else v**2 * v[0]  # (np.sum would expose v)
        if not kept:
            if change == "in place":
                v *= 3.0
            elif change == "setitem":
                v[2] = 5.0 * v[2]
            elif change == "planes":
                v._stack[1 + 4, 1] = 2.0
            elif change == "view":
                w = v[1:]
                w[0] = w[0] * 7.0
        kept.append(v if change == "kept" else None)
        return out

    d = hd.grad(f) if transform == "grad" else hd.jacobian(f)
    want = rosen_gradient if transform == "grad" else scaled_squares_jacobian
    xs = points(12, 4)
    for x in xs:
        np.testing.assert_allclose(d(x), want(x), rtol=1e-13, atol=1e-12)
    if change == "none":
        assert len(set(seen)) == 1  # one seed for the four calls
    if change == "kept":
        for v, x in zip(kept, xs, strict=True):
            np.testing.assert_array_equal(v.value, x)
            np.testing.assert_array_equal(v._stack[1:], np.eye(12))
