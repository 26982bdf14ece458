"""Sparse plans never go silently stale (issue 19's check): what f reads besides its
arguments (a global, a matrix it closes over, edited in place or replaced) changes its
pattern, and the probe direction of every compressed pass (J w, each term's H w, H w
of a star coloring) notices: the pattern is detected again and the result recomputed.
References: the closed forms of each f's Jacobian / Hessian."""

from __future__ import annotations

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _sparsity

X = np.linspace(0.3, 1.4, 9)
N = X.size


@pytest.fixture
def detections(monkeypatch):
    """How many times a pattern was detected (Jacobian and Hessian plans)."""
    count = {"jacobian": 0, "hessian": 0}
    jacobian_sparsity, hessian_pattern = _sparsity.jacobian_sparsity, _sparsity._hessian_pattern

    def counted_jacobian(*a, **k):
        count["jacobian"] += 1
        return jacobian_sparsity(*a, **k)

    def counted_hessian(*a, **k):
        count["hessian"] += 1
        return hessian_pattern(*a, **k)

    monkeypatch.setattr(_sparsity, "jacobian_sparsity", counted_jacobian)
    monkeypatch.setattr(_sparsity, "_hessian_pattern", counted_hessian)
    return count


def shifted_product_jacobian(u, k):
    """d/du of u * u_{i-k} (np.roll(u, k) * u): row i has u_{i-k} at i, u_i at i-k."""
    jac = np.diag(np.roll(u, k))
    i = np.arange(u.size)
    jac[i, (i - k) % u.size] += u
    return jac


def cubic_sum_hessian(u, k):
    """Hessian of sum_i u_i^2 u_{i-k}: 2 u_{i-k} at (i, i), 2 u_i at (i, i-k), (i-k, i)."""
    n = u.size
    i, j = np.arange(n), (np.arange(n) - k) % n
    hess = np.zeros((n, n))
    np.add.at(hess, (i, i), 2 * u[j])
    np.add.at(hess, (i, j), 2 * u)
    np.add.at(hess, (j, i), 2 * u)
    return hess


def test_jacobian_global_shift_replans_once(detections):
    state = {"k": 1}
    jac = hd.jacobian(lambda u: np.roll(u, state["k"]) * u, sparsity="auto")
    for k in (1, 1, 3, 3, 4):
        state["k"] = k
        np.testing.assert_array_equal(jac(X).toarray(), shifted_product_jacobian(X, k))
    assert detections["jacobian"] == 3  # k = 1, 3, 4: one detection each


def test_jacobian_closure_edited_in_place_with_every_slot_used():
    # a tridiagonal stencil: 3 colors, every (color, row) slot read, so only the
    # probe sees an entry added far from the band
    stencil = 2 * np.eye(N) - np.eye(N, k=1) - np.eye(N, k=-1)
    jac = hd.jacobian(lambda u: stencil @ u + u**3, sparsity="auto")
    np.testing.assert_allclose(jac(X).toarray(), stencil + np.diag(3 * X**2), rtol=1e-15)
    stencil[0, 3] = 0.5  # column 3 has column 0's color
    np.testing.assert_allclose(jac(X).toarray(), stencil + np.diag(3 * X**2), rtol=1e-15)
    stencil[0, 3] = 0.0  # back: the wider pattern holds it (a zero stored)
    np.testing.assert_allclose(jac(X).toarray(), stencil + np.diag(3 * X**2), rtol=1e-15)


def test_jacobian_closure_replaced():
    box = [np.eye(N)]
    jac = hd.jacobian(lambda u: np.exp(box[0] @ u), sparsity="auto")
    np.testing.assert_allclose(jac(X).toarray(), np.diag(np.exp(X)), rtol=1e-15)
    box[0] = np.triu(np.ones((N, N)))  # row i: sum of u_i .. u_{n-1}
    s = np.cumsum(X[::-1])[::-1]
    want = np.exp(s)[:, None] * np.triu(np.ones((N, N)))
    np.testing.assert_allclose(jac(X).toarray(), want, rtol=1e-14)


def test_jacobian_values_changing_keep_the_plan(detections):
    """A captured constant whose values change but not its zeros: the plan holds, the
    probe agrees, no detection; different points x, the same."""
    scale = np.ones(N)
    jac = hd.jacobian(lambda u: scale * np.sin(u) * np.roll(u, 1), sparsity="auto")
    for t in (1.0, -2.5, 1e-3):
        scale[:] = t
        x = X * (1 + t)
        want = t * (np.diag(np.cos(x) * np.roll(x, 1)) + np.diag(np.sin(x)[1:], -1))
        want[0, -1] = t * np.sin(x[0])
        np.testing.assert_allclose(jac(x).toarray(), want, rtol=1e-14, atol=1e-300)
    assert detections["jacobian"] == 1


def test_hessian_term_scheme_global_and_closure_replaced(detections):
    state = {"k": 1}
    hess = hd.hessian(lambda u: np.sum(u**2 * np.roll(u, state["k"])), sparsity="auto")
    for k in (1, 2, 2, -1):
        state["k"] = k
        np.testing.assert_allclose(hess(X).toarray(), cubic_sum_hessian(X, k), rtol=1e-15)
    assert detections["hessian"] == 3
    pairs = [np.array([[0, 1, 2], [3, 4, 5]])]  # sum u_a^2 u_b over the pairs (a, b)

    def f(u):
        a, b = pairs[0]
        return np.sum(u[a] ** 2 * u[b])

    def want(u):
        a, b = pairs[0]
        h = np.zeros((N, N))
        np.add.at(h, (a, a), 2 * u[b])
        np.add.at(h, (a, b), 2 * u[a])
        np.add.at(h, (b, a), 2 * u[a])
        return h

    hess = hd.hessian(f, sparsity="auto")
    np.testing.assert_allclose(hess(X).toarray(), want(X), rtol=1e-15)
    pairs[0] = np.array([[0, 1, 2], [5, 3, 4]])  # the same sizes, other variables
    np.testing.assert_allclose(hess(X).toarray(), want(X), rtol=1e-15)


def test_hessian_term_gains_a_variable_of_its_own_color(detections):
    """Each term (u_i - 0.5)^2 has one variable: one color for all. Coupled, the term
    (u_i - u_{i-1})^2 moves by 0 along that color, so the pass's blocks are all 0, and
    so is each color's row of S^T H_t w (H_t's rows cancel within the color); the
    term's w^T H_t w = 2 (w_i - w_{i-1})^2 is not: detected again, H right."""
    state = {"coupled": False}

    def f(u):
        return np.sum((u - (np.roll(u, 1) if state["coupled"] else 0.5)) ** 2)

    hess = hd.hessian(f, sparsity="auto")
    np.testing.assert_array_equal(hess(X).toarray(), 2 * np.eye(N))
    state["coupled"] = True
    d = np.eye(N) - np.roll(np.eye(N), 1, axis=0)  # (u - roll(u, 1)) = d @ u
    np.testing.assert_array_equal(hess(X).toarray(), 2 * d.T @ d)
    assert detections["hessian"] == 2


@pytest.mark.parametrize("check", [True, False])
def test_results_own_their_index_arrays(check):
    """scipy's eliminate_zeros edits a result's index arrays in place: the plan's own
    must not change with them (the next call would put its values in the wrong
    places)."""
    x = np.array([1.0, 0.0, 2.0, 3.0])
    y = np.array([1.0, 5.0, 2.0, 3.0])

    def f(u):  # row i > 0: u_i u_{i-1}
        return np.concatenate([u[:1], u[1:] * u[:-1]])

    def jac(u):
        return np.diag(np.concatenate([[1.0], u[:-1]])) + np.diag(u[1:], -1)

    def g(u):  # sum u_{i+1}^2 u_i
        return np.sum(u[1:] ** 2 * u[:-1])

    def hess(u):
        h = np.diag(np.concatenate([[0.0], 2 * u[:-1]])) + np.diag(2 * u[1:], 1)
        return h + np.diag(2 * u[1:], -1)

    cases = [
        (hd.jacobian(f, sparsity="auto", check_sparsity=check), jac),
        (hd.hessian(g, sparsity="auto", check_sparsity=check), hess),
    ]
    for transform, want in cases:
        first = transform(x)
        first.eliminate_zeros()  # x_1 = 0: entries dropped
        np.testing.assert_array_equal(first.toarray(), want(x))
        np.testing.assert_array_equal(transform(y).toarray(), want(y))


def test_hessian_star_coloring_and_dense_read_global():
    """No sum of terms (a cumulative sum's last element): a star coloring's H S at
    n = 9, the dense Hessian read at the pattern at n = 4 (too few variables for H S)."""
    state = {"k": 1}

    def f(u):
        return np.cumsum(u**2 * np.roll(u, state["k"]))[-1]

    for x in (X, X[:4]):
        state["k"] = 1
        hess = hd.hessian(f, sparsity="auto")
        np.testing.assert_allclose(hess(x).toarray(), cubic_sum_hessian(x, 1), rtol=1e-14)
        plan = next(
            next(iter(c.cell_contents.values()))
            for c in hess.__wrapped__.__closure__
            if isinstance(c.cell_contents, dict) and c.cell_contents
        )
        assert plan.terms is None and (plan.star() is None) == (x.size == 4)
        state["k"] = 2
        np.testing.assert_allclose(hess(x).toarray(), cubic_sum_hessian(x, 2), rtol=1e-14)


def test_branch_on_a_value_f_reads():
    """f branches on a captured flag (not a traced value: detection follows it)."""
    flags = {"coupled": False}

    def f(u):
        return u**2 * (np.roll(u, 2) if flags["coupled"] else 1.0)

    jac = hd.jacobian(f, sparsity="auto")
    np.testing.assert_allclose(jac(X).toarray(), np.diag(2 * X), rtol=1e-15)
    flags["coupled"] = True
    want = np.diag(2 * X * np.roll(X, 2))
    i = np.arange(N)
    want[i, (i - 2) % N] += X**2
    np.testing.assert_allclose(jac(X).toarray(), want, rtol=1e-15)


def test_local_pattern_of_a_branch_raises_on_the_other_branch_even_unchecked():
    """A pattern given (the local one at a point) that the global detection cannot
    vouch for is probed in every pass, check_sparsity=False or not."""

    def f(u):  # the local pattern changes with u
        return u**2 * np.roll(u, 1) if u[0] > 0 else 3 * u

    local = hd.jacobian_sparsity(f, local=True)(-X)
    for check in (True, False):
        jac = hd.jacobian(f, sparsity=local, check_sparsity=check)
        np.testing.assert_array_equal(jac(-X).toarray(), 3 * np.eye(N))
        with pytest.raises(ValueError, match="outside its sparsity pattern"):
            jac(X)


def test_pure_f_never_replans(detections):
    """Rounding alone (exp, cancellation in a stencil, float32) never re-plans."""

    def residual(u):
        inner = -u[:-2] + 2.0 * u[1:-1] - u[2:] + 1e-2 * np.exp(u[1:-1])
        return np.concatenate([u[:1], inner, u[-1:]])

    def rosen(u):
        return np.sum(100.0 * (u[1:] - u[:-1] ** 2) ** 2 + (1.0 - u[:-1]) ** 2)

    jac = hd.jacobian(residual, sparsity="auto")
    hess = hd.hessian(rosen, sparsity="auto")
    star = hd.hessian(lambda u: np.cumsum(np.exp(u[1:] * u[:-1]))[-1], sparsity="auto")
    rng = np.random.default_rng(5)
    for _ in range(4):
        x = rng.uniform(-3, 3, 200)
        for dtype in (np.float64, np.float32):
            jac(x.astype(dtype))
            hess(x.astype(dtype))
        star(x[:12])
    assert detections == {"jacobian": 2, "hessian": 3}  # one per dtype, and the star's


def test_a_pattern_that_changes_every_call_raises():
    state = {"k": 0}

    def f(u):  # reads what its own calls change
        state["k"] += 1
        return np.roll(u, state["k"]) * u

    with pytest.raises(ValueError, match="changes from one call to the next"):
        hd.jacobian(f, sparsity="auto")(X)

    def g(u):
        state["k"] += 1
        return np.sum(u**2 * np.roll(u, state["k"]))

    with pytest.raises(ValueError, match="changes from one call to the next"):
        hd.hessian(g, sparsity="auto")(X)


def test_check_sparsity_option():
    with pytest.raises(ValueError, match="check_sparsity"):
        hd.jacobian(np.sin, check_sparsity=False)
    with pytest.raises(ValueError, match="check_sparsity"):
        hd.hessian(np.sum, check_sparsity=False)
    x = X[:5]
    got = hd.hessian(lambda u: np.sum(np.sin(u) * u), sparsity="auto", check_sparsity=False)(x)
    np.testing.assert_allclose(got.toarray(), np.diag(2 * np.cos(x) - x * np.sin(x)), rtol=1e-15)


def test_pattern_given_is_probed_and_raises_when_f_changes():
    """A pattern given cannot be replaced: a change of f that leaves it raises."""
    stencil = 2 * np.eye(N) - np.eye(N, k=1) - np.eye(N, k=-1)
    jac = hd.jacobian(lambda u: stencil @ u, sparsity=stencil != 0)
    np.testing.assert_array_equal(jac(X).toarray(), stencil)
    stencil[0, 3] = 0.5  # column 3 has column 0's color: only the probe sees it
    with pytest.raises(ValueError, match="outside its sparsity pattern"):
        jac(X)
    state = {"k": 1}

    def f(u):
        return np.sum(u**2 * np.roll(u, state["k"]))

    hess = hd.hessian(f, sparsity=hd.hessian_sparsity(f)(X))
    np.testing.assert_allclose(hess(X).toarray(), cubic_sum_hessian(X, 1), rtol=1e-15)
    state["k"] = 3
    with pytest.raises(ValueError, match="outside the sparsity pattern"):
        hess(X)


def test_infinite_derivatives_are_not_judged():
    """sqrt'(0) = inf: J w is inf both ways (inf - inf is no mismatch), no re-plan."""
    x = np.array([0.0, 1.0, 4.0])
    with np.errstate(divide="ignore"):
        want = np.diag(0.5 / np.sqrt(x))
    np.testing.assert_array_equal(hd.jacobian(np.sqrt, sparsity="auto")(x).toarray(), want)
    got = hd.hessian(lambda u: np.sum(u**1.5), sparsity="auto")(x).toarray()
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(got, np.diag(0.75 / np.sqrt(x)), rtol=1e-15)


@pytest.mark.parametrize("check", [True, False])
def test_pattern_given_with_duplicate_entries(check):
    """A CSR pattern listing (0, 0) twice reads its slot once (it was summed twice:
    2 * J[0, 0], or a ValueError from the probe)."""
    import scipy.sparse as sp

    indices, indptr = np.array([0, 0, 1, 2]), np.array([0, 2, 3, 4])
    pattern = sp.csr_array((np.ones(4, dtype=bool), indices, indptr), shape=(3, 3))
    x = np.array([1.0, 2.0, 3.0])
    jac = hd.jacobian(lambda u: 2 * u, sparsity=pattern, check_sparsity=check)(x)
    np.testing.assert_array_equal(jac.toarray(), 2 * np.eye(3))
    hess = hd.hessian(lambda u: np.sum(u**3), sparsity=pattern, check_sparsity=check)(x)
    np.testing.assert_array_equal(hess.toarray(), np.diag(6 * x))
