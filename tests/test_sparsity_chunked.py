"""Sparse Jacobians whose coloring needs more than _MAX_CHUNK colors (a dense row: a
residual with a constraint on all of x) run in passes of at most that many
directions, never an array of c planes of f's output, and agree with the closed
form; the same rules as one pass: the probe, stale plans, a pattern given that
misses a nonzero. Also the coloring's validity test against a brute force, term
gradients and Hessians over too many colors leaving the term scheme, and dense
Hessians seeking no star coloring."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sparsity_harness import plans_of

import hyperdiff as hd
from hyperdiff import _sparsity, _transforms

N = 300  # > _MAX_CHUNK colors: the dense row's columns all conflict


@pytest.fixture(autouse=True)
def _no_term_rows(monkeypatch):
    """The dense row kept whole (a row that is no sum of terms): these tests are the
    chunked passes'; test_sparsity_term_rows.py has its row of terms."""
    monkeypatch.setattr(_sparsity, "_TERM_ROWS_FROM", 1 << 62)


def constrained(x):
    """A chain residual and a constraint on all of x: an arrowhead's dense row."""
    return np.concatenate([x[1:] - x[:-1] ** 2, [np.sum(x**2) - 1.0]])


def constrained_jacobian(x):
    n = x.size
    jac = np.zeros((n, n), dtype=np.result_type(x, np.float64))
    i = np.arange(n - 1)
    jac[i, i + 1] = 1.0
    jac[i, i] = -2 * x[:-1]
    jac[-1] = 2 * x
    return jac


@pytest.mark.parametrize("check", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_dense_row_in_chunks_equals_closed_form(check, dtype):
    rng = np.random.default_rng(1)
    calls = []

    def f(x):
        calls.append(type(x))
        return constrained(x)

    jac = hd.jacobian(f, sparsity="auto", check_sparsity=check, holomorphic=dtype == np.complex128)
    for _ in range(2):  # the plan, then reused
        x = rng.uniform(0.5, 1.5, N).astype(dtype)
        if dtype == np.complex128:
            x = x + 1j * rng.uniform(-0.5, 0.5, N)
        got = jac(x)
        want = constrained_jacobian(x)
        tol = 4 * np.finfo(dtype).eps
        assert got.dtype == want.dtype or (dtype == np.float32 and got.dtype == np.float32)
        np.testing.assert_allclose(got.toarray(), want, rtol=tol, atol=tol)
    (plan,) = plans_of(jac)
    assert plan.count == N  # every column meets the last row
    assert plan.chunk <= _transforms._MAX_CHUNK < plan.directions
    assert not hasattr(plan, "seed")  # no (colors, n) array
    passes = -(-plan.directions // plan.chunk)
    calls.clear()
    jac(x)
    assert len(calls) == passes


def test_chunked_probe_finds_a_stale_plan():
    """f reads an index array it closes over; changed in one row to another column of
    the old one's color, the new nonzero lands in a slot the pattern reads: only the
    probe (in the last pass) sees it, and the pattern is detected again."""
    n, dense = 600, 200  # the dense row over x[:200]: 200 colors, shared past it
    idx = (np.arange(n) - 1) % n

    def f(x):
        return np.concatenate([x - x[idx] ** 2, [np.sum(x[:dense] ** 2)]])

    def want(x):
        jac = np.eye(n + 1, n)
        jac[np.arange(n), idx] -= 2 * x[idx]
        jac[n, :dense] = 2 * x[:dense]
        return jac

    x = np.random.default_rng(2).uniform(0.5, 1.5, n)
    jac = hd.jacobian(f, sparsity="auto")
    np.testing.assert_allclose(jac(x).toarray(), want(x), rtol=1e-15, atol=0)
    (plan,) = plans_of(jac)
    assert plan.chunk < plan.directions and plan.count < n
    row = 400
    same = [
        k for k in np.flatnonzero(plan.colors == plan.colors[idx[row]]) if k not in (row, idx[row])
    ]
    idx[row] = same[0]
    np.testing.assert_allclose(jac(x).toarray(), want(x), rtol=1e-15, atol=0)
    assert plans_of(jac)[0] is not plan  # detected again


def test_unchecked_chunked_stale_plan_by_its_unused_slots():
    """Without the probe, a changed shift puts nonzeros in slots no entry of the old
    pattern reads (every column its own color here): the plan is detected again."""
    state = {"shift": 1}

    def f(x):
        return np.concatenate([x - np.roll(x, state["shift"]) ** 2, [np.sum(x**2)]])

    x = np.random.default_rng(6).uniform(0.5, 1.5, N)
    jac = hd.jacobian(f, sparsity="auto", check_sparsity=False)
    jac(x)
    state["shift"] = 2
    want = np.eye(N + 1, N)
    j = np.arange(N)
    want[j, (j - 2) % N] -= 2 * np.roll(x, 2)
    want[N] = 2 * x
    np.testing.assert_allclose(jac(x).toarray(), want, rtol=1e-15, atol=0)


def test_chunked_pattern_given_that_misses_a_nonzero_raises():
    x = np.random.default_rng(3).uniform(0.5, 1.5, N)
    pattern = constrained_jacobian(x) != 0
    pattern[-1, 7] = False  # the dense row's entry of x_7
    with pytest.raises(ValueError, match="outside its sparsity pattern"):
        hd.jacobian(constrained, sparsity=pattern)(x)
    # a pattern given that holds, wider than f's: its extra entries are 0
    wider = pattern.copy()
    wider[-1, 7] = wider[0, 5] = True
    got = hd.jacobian(constrained, sparsity=wider)(x)
    np.testing.assert_allclose(got.toarray(), constrained_jacobian(x), rtol=1e-15, atol=0)
    assert got.nnz == np.count_nonzero(wider)


def test_valid_coloring_against_brute_force():
    rng = np.random.default_rng(4)
    sp = pytest.importorskip("scipy.sparse")
    for trial in range(60):
        m, n = rng.integers(1, 30, 2)
        p = sp.random(m, n, density=rng.uniform(0.05, 0.5), random_state=trial, format="csr")
        k = int(rng.integers(1, n + 1))
        colors = rng.integers(0, k, n)
        brute = all(
            len(set(colors[p.indices[p.indptr[i] : p.indptr[i + 1]]]))
            == p.indptr[i + 1] - p.indptr[i]
            for i in range(m)
        )
        assert _sparsity._valid(p, colors, k) == brute


def test_wide_row_colors_without_jones_plassmann(monkeypatch):
    """A row over half the inputs and more conflicts than _GREEDY_EDGES: the
    sequential greedy (Jones-Plassmann colored one of that row's columns a round, each
    round over every edge: 91 s at n = 5000, found by fuzzing); a valid coloring."""

    def refuse(*args, **kwargs):
        raise AssertionError("Jones-Plassmann for a wide row")

    monkeypatch.setattr(_sparsity, "_jones_plassmann", refuse)
    n = 5000
    i = np.arange(n - 1)
    rows = np.concatenate([i, i, np.full(n // 2, n - 1)])
    wide = np.random.default_rng(5).choice(n, n // 2, replace=False)  # (no cyclic colors)
    cols = np.concatenate([i, i + 1, wide])
    p = sp.csr_array((np.ones(rows.size, dtype=bool), (rows, cols)), shape=(n, n))
    assert _sparsity._conflicts(p).nnz > _sparsity._GREEDY_EDGES
    colors, k = _sparsity.color_columns(p)
    assert _sparsity._valid(p, colors, k)
    assert n // 2 <= k <= n // 2 + 2  # the wide row's count (its columns: a clique)


@pytest.mark.parametrize("half", [False, True])
def test_term_gradient_over_too_many_colors_is_the_dense_one(half):
    """sum(outer(v, v)): every term pair reads two inputs, and every input meets every
    other, so its terms need as many colors as v has elements (n: as many as inputs;
    150 < n: past one pass): the dense gradient, 2 sum(v) on v's inputs."""
    x = np.random.default_rng(5).uniform(0.5, 1.5, N)
    k = N // 2 if half else N

    def f(u):
        return np.sum(np.outer(u[:k], u[:k]))

    grad = hd.grad(f, sparsity="auto")
    want = np.zeros(N)
    want[:k] = 2 * np.sum(x[:k])
    np.testing.assert_allclose(grad(x), want, rtol=1e-13)
    (plan,) = plans_of(grad)
    assert isinstance(plan, _sparsity._DenseGradientPlan)


def test_dense_hessian_seeks_no_star_coloring(monkeypatch):
    """(sum x)^2 plus a chain: H is dense, so a star coloring (at least edges / n + 1
    colors) costs more than the dense Hessian; none is sought (the greedy's Python loop
    is O(n^3) on a dense graph: 49 s at n = 1000) and H is the dense one's."""

    def refuse(adj):
        raise AssertionError("a star coloring sought for a dense pattern")

    monkeypatch.setattr(_sparsity, "_greedy_star", refuse)
    n = 200
    x = np.random.default_rng(7).uniform(0.5, 1.5, n)

    def f(u):
        return np.sum(np.sin(u[1:] * u[:-1])) + np.sum(u) ** 2

    hess = hd.hessian(f, sparsity="auto")
    want = np.full((n, n), 2.0)
    i = np.arange(n - 1)
    s, c = np.sin(x[1:] * x[:-1]), np.cos(x[1:] * x[:-1])
    want[i, i + 1] += c - s * x[1:] * x[:-1]
    want[i + 1, i] += c - s * x[1:] * x[:-1]
    want[i, i] += -s * x[1:] ** 2
    want[i + 1, i + 1] += -s * x[:-1] ** 2
    np.testing.assert_allclose(hess(x).toarray(), want, rtol=1e-13, atol=1e-13)
    (plan,) = plans_of(hess)
    assert plan.star() is None


def test_hessian_terms_over_too_many_colors_leave_the_term_scheme():
    """sum(outer(x, x)): terms x_i x_j over all pairs, n colors; the term scheme's pass
    would hold n (n + 1) / 2 pair planes of n^2 terms (3.6 TiB of weights at n = 1000,
    6.5 GB at 200): the plan drops the terms, and H = 2 everywhere."""
    n = 200
    x = np.random.default_rng(8).uniform(0.5, 1.5, n)
    hess = hd.hessian(lambda u: np.sum(np.outer(u, u)), sparsity="auto")
    np.testing.assert_array_equal(hess(x).toarray(), np.full((n, n), 2.0))
    (plan,) = plans_of(hess)
    assert plan.terms is None


@pytest.mark.parametrize("n", [4, 5, 7, 17])
def test_few_inputs_keep_the_term_scheme_of_a_norm_squared(n):
    """sum(cumsum(x_k x_(k+1))) + norm(x)^2 at small n: the cumsum's terms need n
    colors; the term pass (which keeps the norm squared as x's squares) still runs.
    (H S of a star coloring computes the norm as sqrt, then squared: rounding outside
    the tridiagonal pattern, a ValueError when the plan left its terms at c >= n.)"""
    m = n - 1
    want = 2.0 * np.eye(n)
    k = np.arange(m)
    want[k, k + 1] = want[k + 1, k] = m - k

    def f(x):
        return np.sum(np.cumsum(x[1:] * x[:-1])) + np.linalg.norm(x) ** 2

    for seed in range(6):
        x = np.random.default_rng(seed).uniform(-1, 1, n)
        for check in (True, False):
            got = hd.hessian(f, sparsity="auto", check_sparsity=check)(x)
            np.testing.assert_allclose(got.toarray(), want, rtol=1e-14, atol=1e-14)
