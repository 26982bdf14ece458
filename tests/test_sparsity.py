"""Sparse Jacobians and Hessians (issue 19): detected patterns against the known
patterns of stencils (scipy.sparse.diags / kron), values against closed forms and the
dense transforms, colors against the banded optimum, drop-in use in scipy."""

from __future__ import annotations

import numpy as np
import pytest

import hyperdiff as hd

sp = pytest.importorskip("scipy.sparse")


def dense(pattern) -> np.ndarray:
    return np.asarray(pattern.toarray(), dtype=bool)


def tridiagonal(n: int) -> np.ndarray:
    return dense(sp.diags([1.0, 1.0, 1.0], [-1, 0, 1], shape=(n, n)))


# --- the functions ------------------------------------------------------
def laplace_1d(u):
    """-u'' + u^3 on a grid, Dirichlet rows at the ends (a tridiagonal Jacobian)."""
    r = np.empty_like(u)
    r[1:-1] = -u[:-2] + 2 * u[1:-1] - u[2:] + u[1:-1] ** 3
    r[0] = u[0]
    r[-1] = u[-1]
    return r


def laplace_2d(u, m=5):
    """The 5-point Laplacian of u on an m x m grid (zero outside) plus sin(u)."""
    v = np.pad(u.reshape(m, m), 1)
    r = 4 * v[1:-1, 1:-1] - v[:-2, 1:-1] - v[2:, 1:-1] - v[1:-1, :-2] - v[1:-1, 2:]
    return (r + np.sin(v[1:-1, 1:-1])).ravel()


def laplace_2d_matmul(u, m=5):
    """The same operator as L U + U L^T with a dense constant L (zeros structural)."""
    lap = 2 * np.eye(m) - np.eye(m, k=1) - np.eye(m, k=-1)
    grid = u.reshape(m, m)
    return (lap @ grid + grid @ lap.T).ravel()


def laplacian_pattern_2d(m: int) -> np.ndarray:
    one = sp.diags([1.0, 1.0, 1.0], [-1, 0, 1], shape=(m, m))
    return dense(sp.kron(one, sp.eye(m)) + sp.kron(sp.eye(m), one))


def banded(x, half=2):
    """r_i = sum_{|k| <= half} (k + 2) x_{i+k}^2 (zero outside): band of 2 half + 1."""
    padded = np.pad(x, half)
    n = x.size
    return sum(
        (k + half + 1.0) * padded[half + k : half + k + n] ** 2 for k in range(-half, half + 1)
    )


def block_diagonal(x, blocks=4):
    a = np.arange(1.0, 10.0).reshape(3, 3)
    return np.tanh(np.einsum("ij,bj->bi", a, x.reshape(blocks, 3))).ravel()


def arrowhead(x):
    """r_i = x_0 x_i (i < n-1), r_{n-1} = sum x^2: first column, diagonal, last row."""
    return np.concatenate([x[0] * x[:-1], np.sum(x**2, keepdims=True)])


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hessian(x: np.ndarray) -> np.ndarray:
    """Closed form: the tridiagonal Hessian of rosenbrock."""
    n = x.size
    h = np.zeros((n, n))
    i = np.arange(n - 1)
    h[i, i] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    h[i + 1, i + 1] += 200
    h[i, i + 1] = h[i + 1, i] = -400 * x[:-1]
    return h


# --- patterns ------------------------------------------------------
def test_pattern_1d_laplacian():
    got = hd.jacobian_sparsity(laplace_1d)(np.zeros(9))
    want = tridiagonal(9)
    want[0, 1] = want[-1, -2] = False  # the Dirichlet rows
    assert got.shape == (9, 9)
    np.testing.assert_array_equal(dense(got), want)


@pytest.mark.parametrize("f", [laplace_2d, laplace_2d_matmul])
def test_pattern_2d_laplacian(f):
    got = hd.jacobian_sparsity(f)(np.ones(25))
    np.testing.assert_array_equal(dense(got), laplacian_pattern_2d(5))


def test_pattern_banded_block_arrowhead():
    n = 12
    got = dense(hd.jacobian_sparsity(banded)(np.ones(n)))
    rows, cols = np.indices((n, n))
    np.testing.assert_array_equal(got, abs(rows - cols) <= 2)
    got = dense(hd.jacobian_sparsity(block_diagonal)(np.ones(12)))
    np.testing.assert_array_equal(got, np.kron(np.eye(4), np.ones((3, 3))).astype(bool))
    got = dense(hd.jacobian_sparsity(arrowhead)(np.ones(6)))
    want = np.eye(6, dtype=bool)
    want[:, 0] = want[-1, :] = True
    np.testing.assert_array_equal(got, want)


def test_hessian_patterns():
    x = np.ones(4)
    # products pair their factors' inputs; a sum pairs nothing; sin(u) pairs u's with u's
    got = dense(hd.hessian_sparsity(lambda v: v[0] * v[1] + v[2] + np.sin(v[2] + v[3]))(x))
    want = np.zeros((4, 4), dtype=bool)
    want[0, 1] = want[1, 0] = True
    want[2:, 2:] = True
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(
        dense(hd.hessian_sparsity(rosenbrock)(np.ones(7))), tridiagonal(7)
    )
    # r @ r: each r_i with itself only (here diagonal)
    got = dense(hd.hessian_sparsity(lambda v: np.exp(v) @ np.exp(v))(x))
    np.testing.assert_array_equal(got, np.eye(4, dtype=bool))


def test_functions_move_and_reduce():
    x = np.ones(6)
    got = dense(hd.jacobian_sparsity(lambda v: np.cumsum(v[::-1])[::2])(x))
    want = np.array([[k >= 5 - j for k in range(6)] for j in (0, 2, 4)])
    np.testing.assert_array_equal(got, want)
    got = dense(hd.jacobian_sparsity(lambda v: np.linalg.solve(np.eye(3) + 1, v[:3]) + v[3:])(x))
    want = np.zeros((3, 6), dtype=bool)
    want[:, :3] = True
    want[[0, 1, 2], [3, 4, 5]] = True
    np.testing.assert_array_equal(got, want)
    got = dense(hd.jacobian_sparsity(lambda v: np.max(v.reshape(2, 3), axis=1))(x))
    np.testing.assert_array_equal(got, np.kron(np.eye(2), np.ones(3)).astype(bool))


# --- branches, errors ------------------------------------------------------
def branchy(x):
    if x[0] > 0:
        return x[1:] * x[0]
    return np.maximum(x[1:], 0.5) * 2


def test_branch_raises_globally_and_local_pattern_follows_it():
    with pytest.raises(TypeError, match="local=True"):
        hd.jacobian_sparsity(branchy)(np.ones(4))
    got = dense(hd.jacobian_sparsity(branchy, local=True)(np.array([1.0, 2, 3, 4])))
    want = np.zeros((3, 4), dtype=bool)
    want[:, 0] = True
    want[[0, 1, 2], [1, 2, 3]] = True
    np.testing.assert_array_equal(got, want)
    # x[0] <= 0: maximum takes x_i only where x_i >= 0.5
    got = dense(hd.jacobian_sparsity(branchy, local=True)(np.array([-1.0, 0.2, 3, 0.1])))
    want = np.zeros((3, 4), dtype=bool)
    want[1, 2] = True
    np.testing.assert_array_equal(got, want)


def test_unsupported_function_is_named():
    with pytest.raises(TypeError, match=r"numpy\.trim_zeros"):
        hd.jacobian_sparsity(np.trim_zeros)(np.ones(3))
    with pytest.raises(TypeError, match=r"numpy\.unique"):
        hd.jacobian_sparsity(np.unique)(np.ones(3))


# --- coloring ------------------------------------------------------
@pytest.mark.parametrize("half", [0, 1, 2, 5])
def test_banded_colors_are_the_band_width(half):
    n = 200
    pattern = sp.diags([np.ones(n)] * (2 * half + 1), range(-half, half + 1), shape=(n, n))
    colors, count = hd._sparsity.color_columns(pattern)
    assert count == 2 * half + 1  # the optimum: a row holds 2 half + 1 columns
    p = sp.csr_matrix(pattern)
    for row in range(n):  # no two columns of a row share a color
        cols = p.indices[p.indptr[row] : p.indptr[row + 1]]
        assert len(set(colors[cols])) == len(cols)


@pytest.mark.parametrize("points", [5, 9])
def test_2d_stencil_colors_are_the_optimum(points):
    m = 12
    one = sp.diags([1.0, 1.0, 1.0], [-1, 0, 1], shape=(m, m))
    if points == 5:
        pattern = sp.kron(one, sp.eye(m)) + sp.kron(sp.eye(m), one)
    else:
        pattern = sp.kron(one, one)
    colors, count = hd._sparsity.color_columns(pattern)
    assert count == points  # the optimum: a row holds that many columns
    p = sp.csr_matrix(pattern)
    for row in range(m * m):
        cols = p.indices[p.indptr[row] : p.indptr[row + 1]]
        assert len(set(colors[cols])) == len(cols)


def test_coloring_is_valid_on_a_random_pattern():
    rng = np.random.default_rng(1)
    p = sp.random(60, 40, density=0.08, random_state=rng, format="csr")
    colors, count = hd._sparsity.color_columns(p)
    for row in range(60):
        cols = p.indices[p.indptr[row] : p.indptr[row + 1]]
        assert len(set(colors[cols])) == len(cols)
    conflicts = (p.T @ p).tocsr()
    assert count <= int(np.diff(conflicts.indptr).max())  # at most max degree + 1
    # the vectorized greedy for large conflict graphs: a proper coloring too
    adjacency = hd._sparsity._conflicts(p)
    colors = hd._sparsity._jones_plassmann(adjacency)
    rows, cols = adjacency.nonzero()
    assert (colors >= 0).all() and (colors[rows] != colors[cols]).all()
    assert colors.max() + 1 <= int(np.diff(adjacency.indptr).max()) + 1


# --- values ------------------------------------------------------
def test_sparse_jacobian_values():
    u = np.linspace(-1, 1, 9)
    before = u.copy()
    j = hd.jacobian(laplace_1d, sparsity="auto")
    got = j(u)
    assert sp.issparse(got) and got.shape == (9, 9)
    want = np.diag(np.r_[1.0, 2 + 3 * u[1:-1] ** 2, 1.0])
    want += np.diag(np.r_[0.0, -np.ones(7)], 1) + np.diag(np.r_[-np.ones(7), 0.0], -1)
    np.testing.assert_allclose(got.toarray(), want, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(u, before)
    u2 = np.linspace(0, 2, 9)  # the plan is reused: a second point
    np.testing.assert_allclose(j(u2).toarray(), hd.jacobian(laplace_1d)(u2), rtol=1e-15)
    x = np.random.default_rng(0).normal(size=25)
    for f in (laplace_2d, laplace_2d_matmul, banded):
        np.testing.assert_allclose(
            hd.jacobian(f, sparsity="auto")(x).toarray(), hd.jacobian(f)(x), rtol=1e-14
        )


def test_sparse_jacobian_given_pattern_and_float32():
    x = np.linspace(0.5, 1.5, 8).astype(np.float32)
    pattern = hd.jacobian_sparsity(laplace_1d)(x)
    got = hd.jacobian(laplace_1d, sparsity=pattern)(x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.toarray(), hd.jacobian(laplace_1d)(x), rtol=1e-6)
    # a dense boolean array as the pattern
    got = hd.jacobian(laplace_1d, sparsity=pattern.toarray())(x.astype(np.float64))
    np.testing.assert_allclose(got.toarray(), hd.jacobian(laplace_1d)(x.astype(float)))


def test_changed_constant_gets_its_own_or_a_new_plan():
    def f(x, a):
        return a @ x

    j = hd.jacobian(f, sparsity="auto")
    x = np.ones(5)
    band = np.eye(5) + np.eye(5, k=1)
    np.testing.assert_array_equal(j(x, band).toarray(), band)
    full = np.arange(1.0, 26.0).reshape(5, 5)
    np.testing.assert_array_equal(j(x, full).toarray(), full)  # another array: its plan
    band[4, 0] = 7.0  # the same array changed in place: the pass's check, then detected again
    np.testing.assert_array_equal(j(x, band).toarray(), band)


def test_sparse_hessian_rosenbrock_closed_form():
    x = np.random.default_rng(2).uniform(-1, 2, 11)
    h = hd.hessian(rosenbrock, sparsity="auto")
    got = h(x)
    assert sp.issparse(got) and got.nnz == 11 + 2 * 10
    np.testing.assert_allclose(got.toarray(), rosenbrock_hessian(x), rtol=1e-14)
    x2 = x + 0.5
    np.testing.assert_allclose(h(x2).toarray(), rosenbrock_hessian(x2), rtol=1e-14)
    x32 = x.astype(np.float32)
    got = h(x32)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.toarray(), rosenbrock_hessian(x32.astype(float)), rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("check", [True, False])
def test_sparse_hessian_terms_pass_pending_seed_same_bits(monkeypatch, dtype, check):
    """The term scheme's pass at a size the fused pass records: x seeded pending in C++
    (_core.colored_seed of the HyperDualVec kind, its zero planes never in memory) and
    only the triangle's and the probe's planes handed out (_core.planes_into from a
    plane on): the same bits as the seed written out in full and every plane read,
    and Rosenbrock's closed form."""
    from hyperdiff import _core

    n = 40_000  # (past fusion.hpp's min_count, 2^15: the graph is recorded)
    x = np.random.default_rng(4).uniform(-1, 2, n).astype(dtype)
    weights = np.linspace(0.5, 2.0, n - 1)

    def weighted(v):
        r = np.sin(v[1:] - v[:-1] ** 2)
        return 0.5 * (weights @ r**2) + np.dot(np.exp(v[:-1]), weights)

    fs = (rosenbrock, weighted)
    seeds, into = _core.colored_seed, _core.planes_into
    taken: list[str] = []

    def seeded(*args):
        found = seeds(*args)
        taken.extend(["seed"] * (found is not None))
        return found

    def written(*args):
        done = into(*args)
        taken.extend(["into"] * (done and len(args) > 2 and args[2] > 0))
        return done

    monkeypatch.setattr(_core, "colored_seed", seeded)
    monkeypatch.setattr(_core, "planes_into", written)
    got = [hd.hessian(f, sparsity="auto", check_sparsity=check)(x) for f in fs]
    assert taken.count("seed") >= 2 and taken.count("into") >= 2, taken  # (the pending paths ran)
    monkeypatch.setattr(_core, "colored_seed", lambda *args: None)
    monkeypatch.setattr(_core, "planes_into", lambda *args: False)
    want = [hd.hessian(f, sparsity="auto", check_sparsity=check)(x) for f in fs]
    for a, b in zip(got, want, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.data, b.data)
    h = got[0].tocoo()
    closed = rosenbrock_hessian(x[:50].astype(float))  # (tridiagonal: its top corner)
    top = (h.row < 49) & (h.col < 49)
    single = dtype == np.float32  # (1200 x^2 - 400 y + 2 cancels: to float32's rounding)
    np.testing.assert_allclose(
        h.data[top], closed[h.row[top], h.col[top]], rtol=1e-5 if single else 1e-14,
        atol=1e-6 * np.abs(closed).max() if single else 0,
    )  # fmt: skip


def test_sparse_hessian_terms_and_fallback():
    x = np.random.default_rng(3).uniform(0.1, 1, 8)

    def least_squares(v):  # 0.5 r @ r + mean of a second set of terms
        r = v[1:] * v[:-1] - 1
        return 0.5 * (r @ r) + np.mean(np.cos(v)) + 3.0

    weights = np.linspace(0.5, 2.0, 7)

    def weighted(v):  # w @ r**2 and r @ w: terms with a constant's weights
        r = np.sin(v[1:] - v[:-1] ** 2)
        return 0.5 * (weights @ r**2) + np.dot(np.exp(v[:-1]), weights)

    def coupled(v):  # not a sum of terms: the dense Hessian, read at the pattern
        return np.sum(v[1:] * v[:-1]) ** 2

    for f in (least_squares, weighted, coupled):
        got = hd.hessian(f, sparsity="auto")(x)
        np.testing.assert_allclose(got.toarray(), hd.hessian(f)(x), rtol=1e-13, atol=1e-15)


def test_sparse_hessian_of_a_branching_f_with_its_local_pattern():
    def branchy(v):
        if np.sum(v) > 0:
            return np.sum(v[1:] ** 2 * v[:-1])
        return np.sum(v**4) + v[0] * v[-1]

    x = np.linspace(0.1, 0.6, 6)
    pattern = hd.hessian_sparsity(branchy, local=True)(x)
    want = tridiagonal(6)
    want[0, 0] = False  # v0 enters linearly
    np.testing.assert_array_equal(dense(pattern), want)
    h = hd.hessian(branchy, sparsity=pattern)  # the global trace cannot: dense, read
    np.testing.assert_allclose(h(x).toarray(), hd.hessian(branchy)(x), rtol=1e-14)
    with pytest.raises(ValueError, match="outside the sparsity pattern"):
        h(-x)  # the other branch pairs v0 with v5


def test_options_that_do_not_combine():
    with pytest.raises(TypeError, match="sparsity"):
        hd.jacobian(laplace_1d, sparsity="auto", chunk_size=2)
    with pytest.raises(TypeError, match="sparsity"):
        hd.hessian(laplace_1d, sparsity="auto", holomorphic=True)
    with pytest.raises(TypeError, match="argnums"):  # (a tuple: test_sparse_argnums.py)
        hd.jacobian(laplace_1d, (0, "1"), sparsity="auto")


def test_has_aux():
    """has_aux: the sparse result and f's aux as values (the dense transforms' pair),
    the plan kept across calls (each call its own aux)."""

    def residual(v):
        r = laplace_1d(v) + v**3
        return r, {"norm": np.sum(r**2), "first": v[0] * 2.0}

    def energy(v):
        return np.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2), v**2

    jac = hd.jacobian(residual, sparsity="auto", has_aux=True)
    hess = hd.hessian(energy, sparsity="auto", has_aux=True)
    for shift in (0.0, 0.5):
        x = np.linspace(0.1, 0.9, 9) + shift
        (got, aux), (want, want_aux) = jac(x), hd.jacobian(residual, has_aux=True)(x)
        np.testing.assert_allclose(got.toarray(), want, rtol=1e-14, atol=1e-15)
        assert aux["first"] == 2.0 * x[0] and type(aux["norm"]) is np.ndarray
        np.testing.assert_allclose(aux["norm"], want_aux["norm"], rtol=1e-15)
        (got, aux), (want, want_aux) = hess(x), hd.hessian(energy, has_aux=True)(x)
        np.testing.assert_allclose(got.toarray(), want, rtol=1e-13, atol=1e-12)
        np.testing.assert_array_equal(aux, want_aux)
    calls = []
    counted = hd.jacobian(
        lambda v: (calls.append(1), residual(v))[1], sparsity="auto", has_aux=True
    )
    counted(np.linspace(0.1, 0.9, 9))
    first = len(calls)
    counted(np.linspace(0.2, 0.8, 9))
    assert len(calls) - first == 1 < first  # the plan kept: one pass, no detection
    with pytest.raises(TypeError, match="pair"):
        hd.jacobian(laplace_1d, sparsity="auto", has_aux=True)(np.ones(4))


# --- many numpy functions: patterns against the dense Jacobian's nonzeros -----------------
_RNG = np.random.default_rng(0)
A = _RNG.normal(size=(4, 6))
A[A < 0] = 0  # structural zeros of a constant


def _assigned(v):
    r = v.copy()
    r[2:5] = v[:3] ** 2
    return r


CASES = {
    "reshape_T": lambda v: np.sin(v.reshape(2, 6).T).ravel(),
    "moveaxis": lambda v: np.moveaxis(v.reshape(2, 3, 2), 0, -1).ravel() * v[0],
    "concat_stack": lambda v: np.concatenate(
        [np.stack([v[:3], v[3:6]], axis=1).ravel(), v[6:] ** 2]
    ),
    "hstack_vstack": lambda v: np.vstack([v[:6], np.hstack([v[6:9], np.ones(3)])]).ravel(),
    "pad_edge": lambda v: np.pad(v[:6], 2, mode="edge") * 2,
    "pad_reflect": lambda v: np.pad(v.reshape(3, 4), 1, mode="reflect").ravel(),
    "roll_flip": lambda v: np.roll(np.flip(v), 3) * v,
    "tile_repeat": lambda v: np.tile(v[:3], 2) + np.repeat(v[3:6], 2),
    "take": lambda v: np.take(v, [0, 5, 5, 11]) ** 2,
    "diag_triu": lambda v: np.triu(np.outer(v[:4], v[4:8])).ravel(),
    "where_const": lambda v: np.where(np.arange(12) % 2 == 0, v, v[::-1] ** 2),
    "where_traced": lambda v: np.where(v > 0.5, v, 2 * v[::-1]),
    "sum_axis": lambda v: np.sum(v.reshape(3, 4) ** 2, axis=0),
    "mean_keep": lambda v: (
        v.reshape(3, 4) - np.mean(v.reshape(3, 4), axis=1, keepdims=True)
    ).ravel(),
    "prod": lambda v: np.prod(v.reshape(4, 3), axis=1),
    "max": lambda v: np.max(v.reshape(4, 3), axis=1),
    "cumsum": lambda v: np.cumsum(v.reshape(3, 4), axis=1).ravel(),
    "cumprod": lambda v: np.cumprod(v[:5]),
    "diff": lambda v: np.diff(v, n=2) * v[2:],
    "clip": lambda v: np.clip(v, 0.2, 0.8) * 3,
    "einsum_ij": lambda v: np.einsum("ij,j->i", A, np.exp(v[:6])),
    "einsum_trace": lambda v: np.einsum("ii->i", v[:9].reshape(3, 3)),
    "einsum_two": lambda v: np.einsum(
        "ij,jk->ik", v[:6].reshape(2, 3), v[6:].reshape(3, 2)
    ).ravel(),
    "matmul_batched": lambda v: (v.reshape(2, 2, 3) @ np.ones((3, 2))).ravel(),
    "dot_nd": lambda v: np.dot(v.reshape(2, 2, 3), np.arange(6.0).reshape(3, 2)).ravel(),
    "tensordot": lambda v: np.tensordot(
        v.reshape(2, 2, 3), v.reshape(3, 2, 2), axes=([2], [0])
    ).ravel(),
    "inner_outer": lambda v: np.concatenate(
        [np.inner(v.reshape(3, 4), v[:4]), np.outer(v[:2], v[2:4]).ravel()]
    ),
    "trace": lambda v: np.atleast_1d(np.trace(v[:9].reshape(3, 3))),
    "solve": lambda v: np.linalg.solve(v[:9].reshape(3, 3) + 3 * np.eye(3), v[9:]),
    "solve_const": lambda v: np.linalg.solve(np.eye(4) + 1, v.reshape(4, 3)).ravel(),
    "inv_det": lambda v: np.append(
        np.linalg.inv(v[:4].reshape(2, 2) + 2 * np.eye(2)).ravel(),
        np.linalg.det(v[4:8].reshape(2, 2)),
    ),
    "norm": lambda v: np.linalg.norm(v.reshape(3, 4), axis=1),
    "setitem": lambda v: _assigned(v),
    "matmul_const_zeros": lambda v: A @ v[:6],
    "arctan2_hypot": lambda v: np.arctan2(v[:6], v[6:]) + np.hypot(v[6:], 1.0),
    "maximum": lambda v: np.maximum(v[:6], v[6:]) ** 2,
    "broadcast": lambda v: (v[:3, None] * v[None, 3:7]).ravel(),
    "ufunc_reduce": lambda v: np.add.reduce(v.reshape(3, 4) ** 2, axis=1),
    # a ufunc's reduce and accumulate run along axis 0 unless told (np.sum: all axes)
    "ufunc_reduce_axis_0": lambda v: np.add.reduce(v.reshape(3, 4) ** 2),
    "ufunc_folds": lambda v: np.concatenate(
        [np.hypot.reduce(v.reshape(3, 4), axis=1), np.logaddexp.reduce(v.reshape(3, 4))]
    ),
    "ufunc_accumulate": lambda v: np.concatenate(
        [np.multiply.accumulate(v.reshape(3, 4)).ravel(), np.subtract.accumulate(v)]
    ),
    "ufunc_accumulate_axis_1": lambda v: np.arctan2.accumulate(v.reshape(3, 4), axis=1).ravel(),
    "ufunc_outer": lambda v: np.multiply.outer(v[:3], v[3:5]).ravel(),
    "floor_sign": lambda v: v * np.floor(v * 3) + np.sign(v),
    "astype_copy": lambda v: v.astype(float).copy() ** 3,
    "split": lambda v: np.split(v, 3)[1] * np.array_split(v, 2)[0][:4],
    "expand_squeeze": lambda v: np.squeeze(np.expand_dims(v, 0), 0) ** 2,
    "broadcast_to": lambda v: np.broadcast_to(v[:4], (3, 4)).ravel() * np.arange(12),
    "diagonal_diag": lambda v: (
        np.diag(np.diag(v[:3])).ravel() + np.diagonal(v[:9].reshape(3, 3)).sum()
    ),
    "std_var": lambda v: np.stack([np.std(v[:4]), np.var(v[4:])]),
    "convolve": lambda v: np.convolve(v**2, [1.0, 0.0, -2.0], "same"),
    "correlate": lambda v: np.correlate([0.5, 0.0, 3.0, 1.0], v**2),
    "sort": lambda v: np.sort(v.reshape(3, 4) ** 2, axis=0).ravel(),
}
# where the global pattern holds more than the nonzeros at a point: selections by value
# (where, max, clip, maximum, sort), floor(3 v) = 0 below 1/3, a zero constant weight
SUPERSETS = {"where_traced", "max", "clip", "maximum", "floor_sign", "broadcast_to", "sort"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_patterns_hold_the_nonzeros(name):
    f = CASES[name]
    x = np.random.default_rng(1).uniform(0.1, 0.9, 12)
    pattern = dense(hd.jacobian_sparsity(f)(x))
    jac = np.asarray(hd.jacobian(f)(x)).reshape(pattern.shape)
    nonzero = jac != 0
    assert not (nonzero & ~pattern).any()
    if name not in SUPERSETS:
        np.testing.assert_array_equal(pattern, nonzero)
    assert not (nonzero & ~dense(hd.jacobian_sparsity(f, local=True)(x))).any()
    np.testing.assert_allclose(
        hd.jacobian(f, sparsity="auto")(x).toarray(), jac, rtol=1e-13, atol=1e-15
    )

    def g(v):  # a scalar of f: its Hessian
        r = f(v)
        return np.sum(0.5 * r**2 + np.sin(r))

    hess = hd.hessian(g)(x)
    assert not ((hess != 0) & ~dense(hd.hessian_sparsity(g)(x))).any()
    np.testing.assert_allclose(
        hd.hessian(g, sparsity="auto")(x).toarray(), hess, rtol=1e-12, atol=1e-12
    )


# --- drop-in use in scipy ------------------------------------------------------------
def test_least_squares_with_sparse_jacobian():
    optimize = pytest.importorskip("scipy.optimize")
    x_true = np.linspace(0.2, 1.0, 30)
    b = laplace_1d(x_true)

    def fun(u):
        return laplace_1d(u) - b

    result = optimize.least_squares(
        fun,
        np.zeros(30),
        jac=hd.jacobian(fun, sparsity="auto"),
        method="trf",
        xtol=1e-15,
        ftol=1e-15,
        gtol=1e-15,
    )
    np.testing.assert_allclose(result.x, x_true, rtol=1e-10)


def test_solve_ivp_with_sparse_jacobian():
    integrate = pytest.importorskip("scipy.integrate")
    linalg = pytest.importorskip("scipy.linalg")
    n = 10
    a = -50 * (2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1))

    def rhs(t, y):
        return a @ y

    y0 = np.sin(np.linspace(0, 3, n))
    jac = hd.jacobian(rhs, argnums=1, sparsity="auto")
    sol = integrate.solve_ivp(rhs, (0, 0.05), y0, method="BDF", jac=jac, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sol.y[:, -1], linalg.expm(0.05 * a) @ y0, rtol=1e-6, atol=1e-9)
    assert sp.issparse(jac(0.0, y0))


# --- custom_jvp functions: the rule defines the derivative, not the body --------------------
@hd.custom_jvp
def ste_round(x):  # straight-through estimator: rounds, derivative 1
    return np.rint(x)


@ste_round.defjvp
def _ste_round_jvp(p, t):
    return ste_round(p[0]), t[0]


@hd.custom_jvp
def smooth_square(x):  # a quantized x**2 whose rule is the smooth 2 x
    return np.rint(x) * x


@smooth_square.defjvp
def _smooth_square_jvp(p, t):
    (x,), (dx,) = p, t
    return smooth_square(x), 2 * x * dx * (np.sum(np.ones_like(x)) / x.size)  # a sum inside


def test_custom_jvp_counts_dense_in_its_inputs():
    x = np.array([0.2, 1.7, 2.4, 3.1])
    f = lambda x: ste_round(x) + x[::-1]  # noqa: E731
    want = np.eye(4) + np.eye(4)[::-1]  # the rule's identity plus the reversal
    assert dense(hd.jacobian_sparsity(f)(x)).all()
    assert dense(hd.jacobian_sparsity(f, local=True)(x)).all()
    np.testing.assert_array_equal(hd.jacobian(f, sparsity="auto")(x).toarray(), want)
    g = lambda x: np.sum(smooth_square(x)) + np.sum(x[1:] * x[:-1])  # noqa: E731
    want = 2 * np.eye(4) + np.eye(4, k=1) + np.eye(4, k=-1)
    assert dense(hd.hessian_sparsity(g)(x)).all()
    np.testing.assert_allclose(hd.hessian(g, sparsity="auto")(x).toarray(), want, rtol=1e-15)


# --- plans: keyed on every argument, and a wrong pattern raises -----------------------------
def test_plan_per_non_differentiated_argument():
    x = np.arange(1.0, 7.0)
    n = x.size
    f = lambda x, k: np.roll(x, k) * x  # noqa: E731
    g = lambda x, k: np.sum(np.roll(x, k) * x**2)  # noqa: E731
    jac, hess = hd.jacobian(f, sparsity="auto"), hd.hessian(g, sparsity="auto")
    for k in (1, 2, 1, 3):
        i = np.arange(n)
        want = np.diag(np.roll(x, k))
        want[i, (i - k) % n] += x  # d/dx_{i-k} of x_{i-k} x_i
        np.testing.assert_array_equal(jac(x, k).toarray(), want)
        h = np.diag(2 * np.roll(x, k))  # g = sum_i x_{i-k} x_i^2
        h[i, (i - k) % n] += 2 * x
        h[(i - k) % n, i] += 2 * x
        np.testing.assert_array_equal(hess(x, k).toarray(), h)
        kw = hd.jacobian(lambda x, *, k: f(x, k), sparsity="auto")
        np.testing.assert_array_equal(kw(x, k=k).toarray(), want)


def test_pattern_given_that_misses_an_entry_raises():
    x = np.arange(1.0, 5.0)
    eye = np.eye(4, dtype=bool)
    # every (color, row) slot used: only the probe direction sees the missing entries
    with pytest.raises(ValueError, match="outside its sparsity pattern"):
        hd.jacobian(lambda x: x + 5 * np.roll(x, 1), sparsity=eye)(x)
    x1, x2 = np.array([1.0, 3.0, 2.0]), np.array([3.0, 1.0, 2.0])
    local = hd.jacobian_sparsity(np.sort, local=True)(x1)
    jac = hd.jacobian(np.sort, sparsity=local)
    np.testing.assert_array_equal(jac(x1).toarray(), np.eye(3)[[0, 2, 1]])
    with pytest.raises(ValueError, match="outside its sparsity pattern"):
        jac(x2)  # another ordering: another permutation

    def branchy(x):  # global detection cannot vouch for a pattern: each call is probed
        return x**2 * np.roll(x, 1) if x[0] > 0 else 3 * x

    jac = hd.jacobian(branchy, sparsity=hd.jacobian_sparsity(branchy, local=True)(-x))
    np.testing.assert_array_equal(jac(-x).toarray(), 3 * np.eye(4))
    with pytest.raises(ValueError, match="outside its sparsity pattern"):
        jac(x)  # the other branch: x_{i-1} x_i^2
    g = lambda x: 0.5 * np.sum(x) ** 2 + np.prod(x[:2])  # noqa: E731  (not a sum of terms)
    with pytest.raises(ValueError, match="outside the sparsity pattern"):
        hd.hessian(g, sparsity=eye)(x)


# --- what used to crash ----------------------------------------------------------------------
def test_term_scheme_sums_dual_arrays_do_not_keep():
    x = np.array([0.5, 1.5, 2.0, 0.3])
    cases = [
        (lambda x: np.einsum("i,i->", np.sin(x), x), np.diag(-np.sin(x) * x + 2 * np.cos(x))),
        (lambda x: np.vdot(x.reshape(2, 2), x.reshape(2, 2) ** 2), np.diag(6 * x)),
        (lambda x: np.sum(x**2) + np.sum(x > 1), 2 * np.eye(4)),
    ]
    for f, want in cases:
        np.testing.assert_allclose(hd.hessian(f, sparsity="auto")(x).toarray(), want, rtol=1e-14)


def linear_matrix(f, n):
    """The matrix of a linear f, column by column from unit vectors (numpy alone)."""
    return np.stack([np.ravel(f(e)) for e in np.eye(n)], axis=1)


def test_dot_kron_cross_round_real():
    x = np.array([0.5, 1.5, 2.0, 0.3, -1.2, 0.7])
    a = np.arange(1.0, 13.0).reshape(2, 3, 2)
    dot = lambda x: np.dot(np.stack([x, x]).reshape(2, 3, 2), x[:2])  # noqa: E731
    got = hd.jacobian_sparsity(lambda x: np.dot(a, x[:2]))(x)
    np.testing.assert_array_equal(dense(got), linear_matrix(lambda x: np.dot(a, x[:2]), 6) != 0)
    want = np.zeros((6, 6), dtype=bool)  # out[i, j] = x[2j] x[0] + x[2j+1] x[1]
    for j in range(3):
        want[[j, 3 + j]] = np.isin(np.arange(6), [0, 1, 2 * j, 2 * j + 1])
    np.testing.assert_array_equal(dense(hd.jacobian_sparsity(dot)(x)), want)
    kron = hd.jacobian(lambda x: np.kron(x[:2], x[2:5]), sparsity="auto")(x).toarray()
    want = np.zeros((6, 6))
    for i in range(2):
        for j in range(3):
            want[3 * i + j, i] = x[2 + j]
            want[3 * i + j, 2 + j] = x[i]
    np.testing.assert_array_equal(kron, want)

    def skew(v):
        return np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])

    cross = hd.jacobian(lambda x: np.cross(x[:3], x[3:]), sparsity="auto")(x).toarray()
    np.testing.assert_array_equal(cross, np.hstack([-skew(x[3:]), skew(x[:3])]))
    f = lambda x: np.round(x, 1) + np.real(x) * np.imag(x) + x  # noqa: E731
    np.testing.assert_array_equal(hd.jacobian(f, sparsity="auto")(x).toarray(), np.eye(6))


def test_linear_algebra_the_tracer_does_not_know_is_dense():
    x = np.array([2.0, 0.5, -0.3, 1.5])

    def f(x):
        m = x.reshape(2, 2)
        s = np.linalg.svd(m, compute_uv=False)
        _, r = np.linalg.qr(m)
        sol = np.linalg.lstsq(m, np.ones(2), rcond=None)[0]
        return np.concatenate([s, np.abs(np.linalg.eigvals(m @ m.T)), np.diag(r) ** 2, sol])

    assert dense(hd.jacobian_sparsity(f)(x)).all()
    got = hd.jacobian(f, sparsity="auto")(x).toarray()
    h = 1e-6  # central differences of numpy's f: the reference
    want = np.stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(4)], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
