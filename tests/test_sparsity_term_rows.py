"""Sparse Jacobians with a row of terms: a residual joined with a constraint on all of
x (np.sum(x**2) - 1: a dense row, as many colors as inputs when read whole). The sum
kept as terms, each reading one input, the plan colors F (the rows with that row
replaced by its terms' rows) and sums the terms' rows into it: a few colors, one pass,
O(n). Checked against closed forms, in every spelling the trace and the pass keep
(np.concatenate with keepdims or a list, np.append, np.hstack; np.sum, np.mean, x @ x,
w @ r**2, scaled and added), for float64, float32 and complex128; stale plans (f's
index arrays or pieces changed) found by the probe; a pass that keeps no terms where
its trace did goes to the plain plan."""

from __future__ import annotations

import numpy as np
import pytest
from sparsity_harness import plans_of

import hyperdiff as hd
from hyperdiff import _sparsity

N = 300  # past _MAX_CHUNK: read whole, the dense row would need N colors


def chain(x):
    return x[1:] - x[:-1] ** 2


def chain_rows(x):
    """The chain residual's rows, closed form."""
    n = x.size
    jac = np.zeros((n - 1, n), dtype=np.result_type(x, np.float64))
    i = np.arange(n - 1)
    jac[i, i + 1] = 1.0
    jac[i, i] = -2 * x[:-1]
    return jac


def weights(n):
    return np.linspace(0.5, 2.0, n)


# (f, its Jacobian in closed form): the row of terms spelled as users write it
SPELLINGS = {
    "concatenate keepdims": (
        lambda x: np.concatenate([chain(x), np.sum(x**2, keepdims=True) - 1.0]),
        lambda x: np.vstack([chain_rows(x), 2 * x]),
    ),
    "append x @ x": (
        lambda x: np.append(chain(x), x @ x - 1.0),
        lambda x: np.vstack([chain_rows(x), 2 * x]),
    ),
    "concatenate list, mean and a constant": (
        lambda x: np.concatenate([chain(x), [3.0 * np.mean(np.sin(x)), 2.0]]),
        lambda x: np.vstack([chain_rows(x), 3.0 * np.cos(x) / x.size, 0 * x]),
    ),
    "hstack first and last, weighted": (
        lambda x: np.hstack([np.sum(x) * 2.0, chain(x), weights(x.size) @ x**2]),
        lambda x: np.vstack([2.0 + 0 * x, chain_rows(x), 2 * weights(x.size) * x]),
    ),
    "norm squared, mean and a keepdims sum's element": (
        lambda x: np.hstack(
            [
                np.linalg.norm(x) ** 2 - 2.0 * np.mean(x) + np.sum(x**2, keepdims=True)[0],
                chain(x),
            ]
        ),
        lambda x: np.vstack([4 * x - 2.0 / x.size, chain_rows(x)]),
    ),
    "times, over and plus variable numbers": (
        lambda x: np.concatenate(
            [chain(x), [x[0] * np.sum(x**2), np.sum(x**2) / x[1], np.sum(x**2) + x[0] * x[1]]]
        ),
        lambda x: np.vstack(
            [
                chain_rows(x),
                2 * x[0] * x + np.where(np.arange(x.size) == 0, np.sum(x**2), 0.0),
                2 * x / x[1] - np.where(np.arange(x.size) == 1, np.sum(x**2) / x[1] ** 2, 0.0),
                2 * x
                + np.where(np.arange(x.size) == 0, x[1], 0.0)
                + np.where(np.arange(x.size) == 1, x[0], 0.0),
            ]
        ),
    ),
    "two sums of other sizes, and a row of terms appended twice": (
        lambda x: np.append(
            np.append(chain(x), np.sum(x**2) + 0.5 * np.sum(np.exp(x[::2]))),
            np.sum(x[1:] * x[:-1]) / 4.0,
        ),
        lambda x: np.vstack(
            [
                chain_rows(x),
                2 * x + 0.5 * np.where(np.arange(x.size) % 2 == 0, np.exp(x), 0.0),
                (np.append(x[1:], 0.0) + np.append(0.0, x[:-1])) / 4.0,
            ]
        ),
    ),
}


@pytest.mark.parametrize("check", [True, False])
@pytest.mark.parametrize("name", sorted(SPELLINGS))
def test_row_of_terms_equals_closed_form(name, check):
    f, closed = SPELLINGS[name]
    rng = np.random.default_rng(2)
    calls = []

    def counted(x):
        calls.append(type(x))
        return f(x)

    jac = hd.jacobian(counted, sparsity="auto", check_sparsity=check)
    for _ in range(2):  # the plan, then reused
        x = rng.uniform(0.5, 1.5, N)
        got = jac(x)
        want = closed(x)
        assert got.shape == want.shape and got.dtype == np.float64
        # (a few ulps: a row's sum of terms adds them in another order than its closed form)
        np.testing.assert_allclose(got.toarray(), want, rtol=1e-15, atol=4e-16)
    (plan,) = plans_of(jac)
    assert isinstance(plan, _sparsity._TermRowsPlan)
    assert plan.count <= 4  # (the chain's 2; x[0] and x[1] read by every term: 2 more)
    # the result's pattern: the closed form's, every row of terms dense
    assert np.array_equal(got.toarray() != 0, want != 0)
    calls.clear()
    jac(x)
    assert len(calls) == 1  # one pass of a few directions, not N / 128 of 128


@pytest.mark.parametrize("dtype", [np.float32, np.complex128])
def test_row_of_terms_other_dtypes(dtype):
    f, closed = SPELLINGS["concatenate keepdims"]
    rng = np.random.default_rng(3)
    x = rng.uniform(0.5, 1.5, N).astype(dtype)
    if dtype == np.complex128:
        x = x + 1j * rng.uniform(-0.5, 0.5, N)
    got = hd.jacobian(f, sparsity="auto", holomorphic=dtype == np.complex128)(x)
    assert got.dtype == dtype
    tol = 4 * np.finfo(dtype).eps
    np.testing.assert_allclose(got.toarray(), closed(x), rtol=tol, atol=tol)


def test_large_n_is_one_pass_of_few_colors():
    n = 50_000
    f, _ = SPELLINGS["concatenate keepdims"]
    x = np.random.default_rng(4).uniform(0.5, 1.5, n)
    jac = hd.jacobian(f, sparsity="auto")
    got = jac(x).tocsr()
    (plan,) = plans_of(jac)
    assert plan.count <= 3 and plan.seed.shape == (plan.count + 1, n)
    np.testing.assert_array_equal(got[[n - 1]].toarray()[0], 2 * x)
    i = np.arange(n - 1)
    np.testing.assert_array_equal(got[i, i + 1], np.ones(n - 1))
    np.testing.assert_array_equal(got[i, i], -2 * x[:-1])
    assert got.nnz == 3 * n - 2


def test_changed_index_array_is_detected_again():
    """The row of terms reads x at a closure's indices, changed in place between calls
    (not in the plan's key): the probe finds the stale plan, the result is right."""
    n = N
    idx = np.arange(0, n, 3)

    def f(x):
        return np.append(chain(x), np.sum(x[idx] ** 2))

    def closed(x):
        row = np.zeros(n)
        row[idx] = 2 * x[idx]
        return np.vstack([chain_rows(x), row])

    jac = hd.jacobian(f, sparsity="auto")
    x = np.random.default_rng(5).uniform(0.5, 1.5, n)
    np.testing.assert_allclose(jac(x).toarray(), closed(x), rtol=4e-16, atol=4e-16)
    idx += 1  # the same size and pieces: only the probe sees it
    np.testing.assert_allclose(jac(x).toarray(), closed(x), rtol=4e-16, atol=4e-16)
    (plan,) = plans_of(jac)
    assert isinstance(plan, _sparsity._TermRowsPlan)


def test_changed_pieces_are_detected_again():
    flag = [True]

    def f(x):
        if flag[0]:
            return np.append(chain(x), np.sum(x**2))
        return np.concatenate([[np.sum(x**3)], chain(x)])

    jac = hd.jacobian(f, sparsity="auto", check_sparsity=False)
    x = np.random.default_rng(6).uniform(0.5, 1.5, N)
    np.testing.assert_allclose(
        jac(x).toarray(), np.vstack([chain_rows(x), 2 * x]), rtol=4e-16, atol=4e-16
    )
    flag[0] = False  # other pieces: a stale plan even unchecked
    np.testing.assert_allclose(
        jac(x).toarray(), np.vstack([3 * x**2, chain_rows(x)]), rtol=4e-16, atol=4e-16
    )


def test_pass_without_terms_goes_to_the_plain_plan():
    """A pass whose output keeps no row of terms where the trace did (here f adds a
    dual array to the sum outside the trace): the plain plan, fresh, decides."""

    def f(x):
        s = np.sum(x**2, keepdims=True)
        if not isinstance(x, _sparsity.SparsityTracer):
            s = s + 0.0 * x[:1]  # (a _Terms plus an array: summed)
        return np.concatenate([chain(x), s])

    jac = hd.jacobian(f, sparsity="auto")
    x = np.random.default_rng(7).uniform(0.5, 1.5, N)
    want = np.vstack([chain_rows(x), 2 * x])
    for _ in range(2):
        np.testing.assert_allclose(jac(x).toarray(), want, rtol=4e-16, atol=4e-16)
    (plan,) = plans_of(jac)
    assert type(plan) is _sparsity._JacobianPlan  # and kept


def test_has_aux_gives_values():
    def f(x):
        s = np.sum(x**2)
        return np.append(chain(x), s - 1.0), {"norm2": s, "first": x[0]}

    x = np.random.default_rng(8).uniform(0.5, 1.5, N)
    jac, aux = hd.jacobian(f, sparsity="auto", has_aux=True)(x)
    np.testing.assert_allclose(jac.toarray(), np.vstack([chain_rows(x), 2 * x]), rtol=4e-16)
    assert float(aux["norm2"]) == pytest.approx(np.sum(x**2), rel=1e-15)
    assert float(aux["first"]) == x[0]


def test_few_wide_rows_keep_the_plain_plan():
    """A row of terms below _TERM_ROWS_FROM inputs: the plain plan (no second trace)."""
    n = 20

    def f(x):
        return np.append(chain(x), np.sum(x**2))

    jac = hd.jacobian(f, sparsity="auto")
    x = np.random.default_rng(9).uniform(0.5, 1.5, n)
    np.testing.assert_allclose(
        jac(x).toarray(), np.vstack([chain_rows(x), 2 * x]), rtol=4e-16, atol=4e-16
    )
    (plan,) = plans_of(jac)
    assert type(plan) is _sparsity._JacobianPlan


def test_keepdims_sum_in_gradient_and_hessian():
    """A keepdims sum (shape (1,)) is a row, not a scalar sum of terms: the sparse
    gradient and Hessian of an f that indexes it agree with the dense ones."""

    def f(x):
        return np.sum(np.sin(x) * x, keepdims=True)[0] + x[0] ** 2 * x[1]

    x = np.random.default_rng(10).uniform(0.5, 1.5, 40)
    np.testing.assert_allclose(
        hd.grad(f, sparsity="auto")(x), hd.grad(f)(x), rtol=1e-15, atol=1e-15
    )
    np.testing.assert_allclose(
        hd.hessian(f, sparsity="auto")(x).toarray(), hd.hessian(f)(x), rtol=1e-15, atol=1e-15
    )


@pytest.mark.parametrize("transform", [hd.grad, hd.hessian])
def test_aux_of_a_term_scheme_is_values(transform):
    """An aux holding sums the pass keeps as terms (np.sum, x @ x, a norm) gives
    their values, as the dense transform's aux does (it gave the pass's objects)."""

    def f(x):
        aux = {"sum": np.sum(x**3), "dot": x @ x, "norm": np.linalg.norm(x)}
        return np.sum(x**2) + np.sum(x[1:] * x[:-1]), aux  # (a sum of terms)

    x = np.random.default_rng(11).uniform(0.5, 1.5, 30)
    _, aux = transform(f, sparsity="auto", has_aux=True)(x)
    _, want = transform(f, has_aux=True)(x)
    for key, value in want.items():
        assert type(aux[key]) is type(value)
        np.testing.assert_allclose(aux[key], value, rtol=1e-15)


def test_inputs_no_row_reads_keep_their_columns():
    """The last inputs read by no row: J keeps x's size of columns (the fuzzer's
    find: J_F's pattern was rebuilt with the columns its indices reach)."""
    n = 100

    def f(x):
        y = x[:60]
        return np.append(chain(y), np.sum(y**2))

    x = np.random.default_rng(12).uniform(0.5, 1.5, n)
    got = hd.jacobian(f, sparsity="auto")(x)
    want = np.zeros((60, n))
    want[:, :60] = np.vstack([chain_rows(x[:60]), 2 * x[:60]])
    assert got.shape == (60, n)
    np.testing.assert_allclose(got.toarray(), want, rtol=4e-16, atol=4e-16)


def lagrangian(x):
    """A chain objective and a multiplier x[-1] times a constraint on the rest."""
    return np.sum((x[1:-1] - x[:-2] ** 2) ** 2) + x[-1] * (np.sum(x[:-1] ** 2) - 1.0)


def lagrangian_derivatives(x):
    n = x.size
    k = np.arange(n - 2)
    d = x[1:-1] - x[:-2] ** 2
    grad = np.zeros(n)
    grad[k] += -4 * x[:-2] * d
    grad[k + 1] += 2 * d
    grad[:-1] += 2 * x[-1] * x[:-1]
    grad[-1] = np.sum(x[:-1] ** 2) - 1.0
    hess = np.zeros((n, n))
    hess[k, k] += 8 * x[:-2] ** 2 - 4 * d
    hess[k + 1, k + 1] += 2.0
    hess[k, k + 1] += -4 * x[:-2]
    hess[k + 1, k] += -4 * x[:-2]
    j = np.arange(n - 1)
    hess[j, j] += 2 * x[-1]
    hess[j, -1] = hess[-1, j] = 2 * x[:-1]
    return grad, hess


@pytest.mark.parametrize("check", [True, False])
def test_lagrangian_hessian_is_terms(check):
    """A multiplier times a sum of terms is a sum of terms each reading the multiplier
    too: the arrowhead Hessian of a Lagrangian in one pass of few colors (it took the
    star coloring's n row seeds: O(n^2), 7 s at n = 1e4)."""
    calls = []

    def f(x):
        calls.append(1)
        return lagrangian(x)

    hess = hd.hessian(f, sparsity="auto", check_sparsity=check)
    for shift in (0.0, 0.2):
        x = np.random.default_rng(13).uniform(0.5, 1.5, N) + shift
        grad, want = lagrangian_derivatives(x)
        np.testing.assert_allclose(hess(x).toarray(), want, rtol=1e-14, atol=1e-13)
        np.testing.assert_allclose(hd.grad(f, sparsity="auto")(x), grad, rtol=1e-14, atol=1e-13)
    (plan,) = plans_of(hess)
    assert plan.terms is not None and plan.count <= 4
    calls.clear()
    hess(x)
    assert len(calls) == 1


@pytest.mark.parametrize("spell", ["x - mean", "mean - x", "x * mean", "x / mean"])
def test_a_sum_of_terms_with_an_array(spell):
    """A sum of terms met by an array in a ufunc (x - np.mean(x)) is summed first; the
    fuzzer found it recursing when the sum took every subtraction (RecursionError).
    Against the closed form, or for a product and a quotient the dense Hessian (no
    terms kept there)."""
    n = 30

    def f(x):
        m = np.mean(x)
        t = {"x - mean": x - m, "mean - x": m - x, "x * mean": x * m, "x / mean": x / m}[spell]
        return np.sum(t**2) + 0.5 * np.sum(x**2)

    x = np.random.default_rng(14).uniform(0.5, 1.5, n)
    if spell in ("x - mean", "mean - x"):
        want = 2 * (np.eye(n) - np.ones((n, n)) / n) + np.eye(n)
    else:
        want = hd.hessian(f)(x)
    got = hd.hessian(f, sparsity="auto")(x).toarray()
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(hd.grad(f, sparsity="auto")(x), hd.grad(f)(x), rtol=1e-13)


@pytest.mark.parametrize("late", ["piece", "added number"])
def test_write_after_the_join_keeps_the_joined_values(late):
    """numpy's join copies its pieces (and a sum its number): a write into a piece
    after the join must not reach the row kept apart, so such an f takes the plain
    plan (the trace sees the write into a held array)."""

    def f(x):
        r = x[1:] - x[:-1] ** 2
        first = x[:1] * 1.0
        out = np.append(r, np.sum(x**2) + first[0])
        if late == "piece":
            r[0] = 7.0 * x[0]
        else:
            first[0] = 7.0 * x[1]
        return out

    x = np.random.default_rng(15).uniform(0.5, 1.5, N)
    last = 2 * x
    last[0] += 1.0
    want = np.vstack([chain_rows(x), last])
    jac = hd.jacobian(f, sparsity="auto")
    np.testing.assert_allclose(jac(x).toarray(), want, rtol=1e-15, atol=4e-16)
    np.testing.assert_allclose(jac(x).toarray(), want, rtol=1e-15, atol=4e-16)


def test_weights_edited_after_the_product():
    """w @ r**2 then w edited in place: the product saw the old weights, and so must
    the pass's sum of terms (it read the edited array at the end: a wrong gradient)."""
    n = 40
    w = np.linspace(0.5, 2.0, n)

    def f(x):
        value = w @ x**2
        w[0] += 1.0  # (f's state: each call sees the last one's weights)
        return value

    x = np.random.default_rng(16).uniform(0.5, 1.5, n)
    grad = hd.grad(f, sparsity="auto")
    for _ in range(3):
        got = grad(x)
        read = w.copy()
        read[0] -= 1.0  # the weights the last call of f (the pass) read, before its edit
        np.testing.assert_allclose(got, 2 * read * x, rtol=1e-15)
