"""Star coloring for sparse Hessians that are not sums of terms (issue 19): colorings
checked path by path against the definition, color counts against the known bounds,
and Hessian values against closed forms and the dense hessian."""

from __future__ import annotations

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff._sparsity import color_star

sp = pytest.importorskip("scipy.sparse")


def neighbors(pattern) -> list[set[int]]:
    full = np.asarray(sp.csr_array(pattern).toarray() != 0)
    full = full | full.T
    np.fill_diagonal(full, False)
    return [set(np.flatnonzero(row).tolist()) for row in full]


def is_star_coloring(pattern, colors) -> bool:
    """The definition, path by path: adjacent vertices differ, and no path a-b-c-d on
    four vertices has only two colors."""
    adj = neighbors(pattern)
    for b, around in enumerate(adj):
        if any(colors[b] == colors[c] for c in around):
            return False
        for c in around:
            for a in around - {c}:
                for d in adj[c] - {a, b}:
                    if colors[a] == colors[c] and colors[b] == colors[d]:
                        return False
    return True


def band(n: int, half: int):
    return sp.diags([1.0] * (2 * half + 1), list(range(-half, half + 1)), shape=(n, n))


def arrowhead(n: int):
    m = np.eye(n)
    m[0, :] = m[:, 0] = 1
    return m


def grid(m: int, nine: bool = False):
    one = sp.diags([1.0, 1.0, 1.0], [-1, 0, 1], shape=(m, m))
    if nine:
        return sp.kron(one, one)
    return sp.kron(one, sp.eye(m)) + sp.kron(sp.eye(m), one)


@pytest.mark.parametrize(
    ("name", "pattern", "low", "high"),
    [
        # a path on 4 or more vertices needs 3 colors (2 leave a two-colored P4)
        ("path", band(30, 1), 3, 3),
        # a band of half-width h holds cliques of h + 1; j mod (2h + 1) separates
        # every vertex from those within distance 2, a star coloring
        ("band 2", band(30, 2), 3, 5),
        ("band 3", band(40, 3), 4, 7),
        # one color for the hub, one for every leaf: a single star
        ("arrowhead", arrowhead(25), 2, 2),
        # (b + 2a) mod 5 on the grid is a distance-2 coloring of the 5-point stencil
        ("5-point grid", grid(9), 3, 5),
        # 3 x 3 blocks: a clique of 4 in each 2 x 2 square; (b + 3a) mod 9 works
        ("9-point grid", grid(9, nine=True), 4, 9),
    ],
)
def test_star_coloring_known_patterns(name, pattern, low, high):
    colors, count = color_star(pattern)
    assert low <= count <= high, name
    assert colors.shape == (pattern.shape[0],) and colors.max() + 1 == count
    assert is_star_coloring(pattern, colors), name


def test_star_coloring_random_pattern():
    rng = np.random.default_rng(4)
    for _ in range(3):
        p = sp.random(40, 40, density=0.06, random_state=rng) + sp.eye(40)
        p = p + p.T
        colors, count = color_star(p)
        assert is_star_coloring(p, colors)
        assert count <= 40


def test_star_coloring_rejects_what_the_check_must():
    # the checker itself: a proper 2-coloring of a path is no star coloring
    assert not is_star_coloring(band(6, 1), np.arange(6) % 2)
    assert is_star_coloring(band(6, 1), np.arange(6) % 3)


# --- Hessians that are no sum of terms: read off H S --------------------------------------
def plan_of(h):
    """The plan a sparse hessian transform made (its one call so far)."""
    for cell in h.__wrapped__.__closure__:
        kept = cell.cell_contents
        if isinstance(kept, dict) and kept:
            return next(iter(kept.values()))
    raise AssertionError("no plan")


def test_banded_least_squares_summed_by_cumsum():
    # f = r . r as a cumulative sum's last element (no sum of terms to the trace),
    # r = A x + x^3 / 10 with a tridiagonal A: H = 2 (J^T J + diag(r * 0.6 x)),
    # J = A + diag(0.3 x^2)
    n = 12
    a = (
        np.diag(np.full(n, 2.0))
        + np.diag(np.full(n - 1, -1.0), 1)
        + np.diag(np.full(n - 1, 0.5), -1)
    )

    def f(x):
        r = a @ x + x**3 / 10
        return np.cumsum(r * r)[-1]

    x = np.random.default_rng(5).uniform(-1, 1, n)
    h = hd.hessian(f, sparsity="auto")
    got = h(x)
    r = a @ x + x**3 / 10
    jac = a + np.diag(0.3 * x**2)
    want = 2 * (jac.T @ jac + np.diag(r * 0.6 * x))
    np.testing.assert_allclose(got.toarray(), want, rtol=1e-12, atol=1e-13)
    assert got.nnz == np.count_nonzero(band(n, 2).toarray())
    plan = plan_of(h)
    assert plan.terms is None and plan.star().count == 5  # a pentadiagonal H
    x2 = x * 1.5  # the plan again
    r2 = a @ x2 + x2**3 / 10
    jac2 = a + np.diag(0.3 * x2**2)
    want2 = 2 * (jac2.T @ jac2 + np.diag(r2 * 0.6 * x2))
    np.testing.assert_allclose(h(x2).toarray(), want2, rtol=1e-12, atol=1e-13)


def test_arrowhead_and_python_sum():
    # f = x0 sum_j x_j^2 + sum_j sin(x_j x_{j+1}) through a Python sum: an arrowhead
    # plus a band; H[0, j] = 2 x_j (j > 0), H[j, j] = 2 x0 (j > 0), and the band's
    # d^2 sin(uv): -v^2 sin, -u^2 sin, cos - uv sin
    n = 16
    x = np.random.default_rng(6).uniform(0.2, 1.2, n)

    def f(x):  # (the sums as cumsum's last: no sum of terms, so the star coloring)
        return x[0] * np.cumsum(x[1:] ** 2)[-1] + np.cumsum(np.sin(x[:-1] * x[1:]))[-1]

    def looped(x):  # (Python's sum of numbers: terms)
        return x[0] * np.cumsum(x[1:] ** 2)[-1] + sum(np.sin(x[i] * x[i + 1]) for i in range(n - 1))

    def kept(x):  # (x0 times a sum of terms: terms, each reading x0 too)
        return x[0] * np.sum(x[1:] ** 2) + sum(np.sin(x[i] * x[i + 1]) for i in range(n - 1))

    want = np.zeros((n, n))
    want[0, 1:] = want[1:, 0] = 2 * x[1:]
    want[np.arange(1, n), np.arange(1, n)] = 2 * x[0]
    for i in range(n - 1):
        u, v = x[i], x[i + 1]
        s, c = np.sin(u * v), np.cos(u * v)
        want[i, i] += -(v**2) * s
        want[i + 1, i + 1] += -(u**2) * s
        want[i, i + 1] += c - u * v * s
        want[i + 1, i] += c - u * v * s
    h = hd.hessian(f, sparsity="auto")
    np.testing.assert_allclose(h(x).toarray(), want, rtol=1e-13, atol=1e-14)
    assert plan_of(h).terms is None and plan_of(h).star() is not None
    h = hd.hessian(looped, sparsity="auto")
    np.testing.assert_allclose(h(x).toarray(), want, rtol=1e-13, atol=1e-14)
    # (terms, one of them x0 times the cumsum's last, reading all of x: 16 colors, 155
    # planes a pass, where the star coloring's H S reads 16 (1 + 3))
    assert plan_of(h).terms is None and plan_of(h).star() is not None
    h = hd.hessian(kept, sparsity="auto")
    np.testing.assert_allclose(h(x).toarray(), want, rtol=1e-13, atol=1e-14)
    assert plan_of(h).terms is not None


def test_2d_stencil_residual_squared():
    # f = |L u|^2 as a cumulative sum's last element, L the 5-point Laplacian on an
    # m x m grid: H = 2 L^T L
    m = 6
    lap = (6 * sp.eye(m * m) - grid(m)).toarray()  # 4 on the diagonal, -1 beside

    def f(u):
        v = np.pad(u.reshape(m, m), 1)
        r = 4 * v[1:-1, 1:-1] - v[:-2, 1:-1] - v[2:, 1:-1] - v[1:-1, :-2] - v[1:-1, 2:]
        return np.cumsum(r.ravel() ** 2)[-1]

    u = np.random.default_rng(7).uniform(-1, 1, m * m)
    h = hd.hessian(f, sparsity="auto")
    got = h(u)
    np.testing.assert_allclose(got.toarray(), 2 * lap.T @ lap, rtol=1e-14, atol=1e-13)
    plan = plan_of(h)
    reads = plan.star()
    assert plan.terms is None and reads is not None and reads.count < m * m // 2
    assert is_star_coloring(got, reads.colors)


def test_values_against_the_dense_hessian_and_given_patterns():
    n = 16
    x = np.random.default_rng(8).uniform(0.1, 1, n)

    def f(x):  # a cumulative sum's last element: no terms
        return np.cumsum(np.exp(x[1:] * x[:-1]) + x[:-1] ** 3)[-1]

    dense = hd.hessian(f)(x)
    np.testing.assert_allclose(hd.hessian(f, sparsity="auto")(x).toarray(), dense, rtol=1e-14)
    wider = band(n, 2)  # holds the detected tridiagonal: star coloring on it, zeros too
    h = hd.hessian(f, sparsity=wider)
    got = h(x)
    assert got.nnz == wider.nnz and plan_of(h).terms is None and plan_of(h).star() is not None
    np.testing.assert_allclose(got.toarray(), dense, rtol=1e-14)
    # a pattern that misses a detected entry is not trusted: read densely, it raises
    with pytest.raises(ValueError, match="outside the sparsity pattern"):
        hd.hessian(f, sparsity=sp.eye(n))(x)


def test_float32_and_a_non_scalar_output():
    x = np.linspace(0.1, 0.9, 8).astype(np.float32)

    def f(x):
        return np.cumsum(np.sin(x[1:] * x[:-1]) * x[1:])[-1]

    got = hd.hessian(f, sparsity="auto")(x)
    assert got.dtype == np.float32
    want = hd.hessian(f)(x.astype(np.float64))
    np.testing.assert_allclose(got.toarray(), want, rtol=2e-6, atol=1e-6)


def test_einsum_over_all_labels_of_one_shape_is_a_sum_of_terms():
    # einsum("ij,ij->", a, b) = sum(a * b): terms, as a . b; Rosenbrock's closed form
    x = np.random.default_rng(9).uniform(-1, 2, 13)

    def f(x):
        r = np.concatenate([10 * (x[1:] - x[:-1] ** 2), 1 - x[:-1]]).reshape(2, 12)
        return np.einsum("ij,ij->", r, r)

    n = x.size
    want = np.zeros((n, n))
    i = np.arange(n - 1)
    want[i, i] = 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    want[i + 1, i + 1] += 200
    want[i, i + 1] = want[i + 1, i] = -400 * x[:-1]
    h = hd.hessian(f, sparsity="auto")
    np.testing.assert_allclose(h(x).toarray(), want, rtol=1e-13, atol=1e-12)
    assert plan_of(h).terms is not None
