"""Sparse transforms over several arguments (argnums a tuple, as JAX's and the dense
transforms'): a tuple of sparse Jacobians (rows x each argument's size), of gradients
(each argument's shape), of tuples of sparse Hessian blocks; against closed forms, the
plan kept across calls, the other arguments in its key by value, has_aux, bad argnums."""

from __future__ import annotations

import numpy as np
import pytest

import hyperdiff as hd

rng = np.random.default_rng(0)
A = rng.uniform(0.5, 1.5, 3)
B = rng.uniform(0.5, 1.5, 4)


def residual(a, b):
    return np.concatenate([a * b[:3], np.sin(b)])


def residual_jacobians(a, b):
    ja = np.zeros((7, 3))
    ja[[0, 1, 2], [0, 1, 2]] = b[:3]
    jb = np.zeros((7, 4))
    jb[[0, 1, 2], [0, 1, 2]] = a
    jb[3 + np.arange(4), np.arange(4)] = np.cos(b)
    return ja, jb


def objective(a, b):
    return np.sum(a**2 * b[:3]) + np.sum(b[1:] * b[:-1] ** 3)


def objective_gradients(a, b):
    ga = 2 * a * b[:3]
    gb = np.zeros(4)
    gb[:3] += a**2
    gb[:-1] += 3 * b[1:] * b[:-1] ** 2
    gb[1:] += b[:-1] ** 3
    return ga, gb


def objective_hessians(a, b):
    haa = np.diag(2 * b[:3])
    hab = np.zeros((3, 4))
    hab[[0, 1, 2], [0, 1, 2]] = 2 * a
    hbb = np.zeros((4, 4))
    k = np.arange(3)
    hbb[k, k] += 6 * b[1:] * b[:-1]
    hbb[k, k + 1] += 3 * b[:-1] ** 2
    hbb[k + 1, k] += 3 * b[:-1] ** 2
    return ((haa, hab), (hab.T, hbb))


def close(got, want):
    got = got.toarray() if hasattr(got, "toarray") else got
    np.testing.assert_allclose(got, want, rtol=4e-16, atol=4e-16)


@pytest.mark.parametrize("check", [True, False])
def test_jacobian_of_two_arguments(check):
    jac = hd.jacobian(residual, argnums=(0, 1), sparsity="auto", check_sparsity=check)
    for a, b in ((A, B), (A + 0.1, B - 0.2)):  # the plan, then reused
        got = jac(a, b)
        assert isinstance(got, tuple) and len(got) == 2
        assert [g.shape for g in got] == [(7, 3), (7, 4)]
        for g, w in zip(got, residual_jacobians(a, b), strict=True):
            close(g, w)
    got = hd.jacobian(residual, argnums=(1, 0), sparsity="auto")(A, B)  # in argnums' order
    close(got[0], residual_jacobians(A, B)[1])
    close(got[1], residual_jacobians(A, B)[0])


def test_gradient_and_value_of_two_arguments():
    a2 = A.reshape(3, 1)  # a gradient has its argument's shape

    def f(a, b):
        return objective(a.reshape(-1), b)

    got = hd.grad(f, argnums=(0, 1), sparsity="auto")(a2, B)
    want = objective_gradients(A, B)
    assert got[0].shape == (3, 1) and got[1].shape == (4,)
    close(got[0].reshape(-1), want[0])
    close(got[1], want[1])
    value, got = hd.value_and_grad(objective, argnums=(0, 1), sparsity="auto")(A, B)
    assert value == objective(A, B)
    close(got[0], want[0])
    close(got[1], want[1])


@pytest.mark.parametrize("check", [True, False])
def test_hessian_blocks_of_two_arguments(check):
    got = hd.hessian(objective, argnums=(0, 1), sparsity="auto", check_sparsity=check)(A, B)
    want = objective_hessians(A, B)
    for i in range(2):
        for j in range(2):
            assert got[i][j].shape == want[i][j].shape
            close(got[i][j], want[i][j])


def test_plan_kept_and_other_arguments_by_value():
    calls = []

    def f(a, t, b):
        calls.append(t)
        return t * residual(a, b)

    jac = hd.jacobian(f, argnums=(0, 2), sparsity="auto")
    jac(A, 2.0, B)
    calls.clear()
    got = jac(A - 0.3, 2.0, B + 0.1)  # new values of a and b: the plan holds
    assert len(calls) == 1
    for g, w in zip(got, residual_jacobians(A - 0.3, B + 0.1), strict=True):
        close(g, 2.0 * w)
    got = jac(A, 3.0, B)  # t by value: its own plan
    for g, w in zip(got, residual_jacobians(A, B), strict=True):
        close(g, 3.0 * w)


def test_has_aux_and_a_pattern_given():
    def f(a, b):
        return residual(a, b), {"b": b}

    (ja, jb), aux = hd.jacobian(f, argnums=(0, 1), sparsity="auto", has_aux=True)(A, B)
    for got, want in zip((ja, jb), residual_jacobians(A, B), strict=True):
        close(got, want)
    np.testing.assert_array_equal(aux["b"], B)
    pattern = np.hstack([w != 0 for w in residual_jacobians(A, B)])  # (the whole v's)
    got = hd.jacobian(residual, argnums=(0, 1), sparsity=pattern)(A, B)
    close(got[1], residual_jacobians(A, B)[1])


def test_bad_argnums():
    with pytest.raises(ValueError, match="twice"):
        hd.jacobian(residual, argnums=(0, -2), sparsity="auto")(A, B)
    with pytest.raises(TypeError, match="argnums"):
        hd.jacobian(residual, argnums=(0, 1.0), sparsity="auto")
    with pytest.raises(TypeError, match="argnums"):
        hd.grad(objective, argnums=(0, 2), sparsity="auto")(A, B)


def test_patterns_of_two_arguments():
    pa, pb = hd.jacobian_sparsity(residual, argnums=(0, 1))(A, B)
    for got, want in zip((pa, pb), residual_jacobians(A, B), strict=True):
        np.testing.assert_array_equal(got.toarray(), want != 0)
    blocks = hd.hessian_sparsity(objective, argnums=(0, 1))(A, B)
    for got_row, want_row in zip(blocks, objective_hessians(A, B), strict=True):
        for got, want in zip(got_row, want_row, strict=True):
            np.testing.assert_array_equal(got.toarray(), want != 0)
