"""Transforms f calls under sparsity detection. A pointwise one (hd.derivative of any
order, jacobian/grad/hessian with elementwise=True) is traced as a nonlinear
elementwise function of its differentiated arguments; its values from sparse transforms
agree with closed forms. Any other (grad, jacobian, hessian, jvp, ...) raises a
TypeError naming it and saying what to use; before, detection met it with an error
about object arrays."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sparsity_harness import check_hessian_pattern, check_jacobian_pattern

import hyperdiff as hd

sp = pytest.importorskip("scipy.sparse")

N = 9
RNG = np.random.default_rng(19)
POINTS = [RNG.uniform(0.2, 1.5, N) for _ in range(2)]


def _cube_prime_residual(x: Any) -> Any:
    """r_0 = x_0, r_i = 3 x_i^2 x_(i-1): d/dz z^3 taken inside f."""
    cube_prime = hd.derivative(lambda z: z**3)
    return np.concatenate([x[:1], cube_prime(x[1:]) * x[:-1]])


def _cube_prime_jacobian(x: np.ndarray) -> np.ndarray:
    j = np.zeros((N, N))
    j[0, 0] = 1.0
    i = np.arange(1, N)
    j[i, i] = 6 * x[i] * x[i - 1]
    j[i, i - 1] = 3 * x[i] ** 2
    return j


@pytest.mark.parametrize("check", [True, False])
def test_a_derivative_inside_a_residual(check: bool) -> None:
    jac = hd.jacobian(_cube_prime_residual, sparsity="auto", check_sparsity=check)
    for x in POINTS:
        got = jac(x)
        assert sp.issparse(got) and got.nnz == 2 * N - 1
        np.testing.assert_allclose(got.toarray(), _cube_prime_jacobian(x), rtol=1e-14)
    want = _cube_prime_jacobian(POINTS[0]) != 0
    pattern = hd.jacobian_sparsity(_cube_prime_residual)(POINTS[0]).toarray()
    np.testing.assert_array_equal(pattern, want)
    local = hd.jacobian_sparsity(_cube_prime_residual, local=True)(POINTS[0]).toarray()
    np.testing.assert_array_equal(local, want)


def _cosine_energy(x: Any) -> Any:
    """sum_i cos(x_(i+1)) x_i^2, the cosine as d/dz sin z taken inside f."""
    return np.sum(hd.derivative(np.sin)(x[1:]) * x[:-1] ** 2)


def _cosine_energy_hessian(x: np.ndarray) -> np.ndarray:
    h = np.zeros((N, N))
    i = np.arange(N - 1)
    h[i, i] += 2 * np.cos(x[i + 1])
    h[i + 1, i + 1] += -np.cos(x[i + 1]) * x[i] ** 2
    h[i, i + 1] = h[i + 1, i] = -2 * x[i] * np.sin(x[i + 1])
    return h


def test_a_derivative_inside_a_sum_of_terms() -> None:
    hess = hd.hessian(_cosine_energy, sparsity="auto")
    for x in POINTS:
        np.testing.assert_allclose(
            hess(x).toarray(), _cosine_energy_hessian(x), rtol=1e-13, atol=1e-15
        )
    pattern = hd.hessian_sparsity(_cosine_energy)(POINTS[0]).toarray()
    np.testing.assert_array_equal(pattern, _cosine_energy_hessian(POINTS[0]) != 0)


def test_a_derivative_of_a_full_sum() -> None:
    """d/ds s^3 at s = sum(x^2) (a sum kept as terms, read as its number): 3 s^2, whose
    Hessian is 24 x x^T + 12 s I."""

    def f(x: Any) -> Any:
        return hd.derivative(lambda s: s**3)(np.sum(x**2))

    for x in POINTS:
        want = 24 * np.outer(x, x) + 12 * np.sum(x**2) * np.eye(N)
        np.testing.assert_allclose(hd.hessian(f, sparsity="auto")(x).toarray(), want, rtol=1e-13)
        got = hd.jacobian(lambda x: f(x) * x, sparsity="auto")(x).toarray()
        s = np.sum(x**2)
        np.testing.assert_allclose(got, 12 * s * np.outer(x, x) + 3 * s**2 * np.eye(N), rtol=1e-13)


@pytest.mark.parametrize("order", [2, 3, 4])
def test_higher_orders(order: int) -> None:
    """d^k/dz^k exp(2 z) = 2^k exp(2 z) at x_i, times x_(i+1)."""

    def r(x: Any) -> Any:
        return hd.derivative(lambda z: np.exp(2 * z), order=order)(x[:-1]) * x[1:]

    for x in POINTS:
        want = np.zeros((N - 1, N))
        i = np.arange(N - 1)
        want[i, i] = 2**order * 2 * np.exp(2 * x[i]) * x[i + 1]
        want[i, i + 1] = 2**order * np.exp(2 * x[i])
        np.testing.assert_allclose(hd.jacobian(r, sparsity="auto")(x).toarray(), want, rtol=1e-13)


def test_elementwise_transforms_of_two_arguments() -> None:
    """d/db (a sin b) = a cos b and d2/da db = cos b, elementwise, at a = x and b the
    reversed x: element i reads x_i and x_(n-1-i)."""

    def r(x: Any) -> Any:
        y = x[::-1]
        _, db = hd.jacobian(lambda a, b: a * np.sin(b), argnums=(0, 1), elementwise=True)(x, y)
        return db + x

    def s(x: Any) -> Any:
        h = hd.hessian(lambda a, b: a**2 * np.sin(b), argnums=(0, 1), elementwise=True)(x, x[::-1])
        return np.sum(h[0][1] * x)  # sum_i 2 x_i cos(x_(n-1-i)) x_i

    for x in POINTS:
        y = x[::-1]
        want = np.diag(np.cos(y) + 1.0)
        want[np.arange(N), np.arange(N)[::-1]] += -x * np.sin(y)
        np.testing.assert_allclose(hd.jacobian(r, sparsity="auto")(x).toarray(), want, rtol=1e-14)
        g = hd.grad(s)(x)
        np.testing.assert_allclose(g, 4 * x * np.cos(y) - 2 * x[::-1] ** 2 * np.sin(x), rtol=1e-13)
    check_jacobian_pattern(r, POINTS, exact=True, exact_local=True)
    check_hessian_pattern(s, POINTS)


def test_a_traced_argument_it_is_not_pointwise_in() -> None:
    """derivative in a, with p traced too: every element then reads all of p (and the
    values stay exact): d/da (a * sum(p)) = sum(p), p = x[:3]."""

    def r(x: Any) -> Any:
        return hd.derivative(lambda a, p: a * np.sum(p))(x, x[:3])

    for x in POINTS:
        want = np.zeros((N, N))
        want[:, :3] = 1.0
        np.testing.assert_allclose(hd.jacobian(r, sparsity="auto")(x).toarray(), want)
    assert hd.jacobian_sparsity(r)(POINTS[0])[:, :3].toarray().all()


def test_aux_is_traced() -> None:
    """has_aux: the aux (the reversed input, doubled) as f computes it, traced."""

    def r(x: Any) -> Any:
        d, aux = hd.derivative(lambda a: (a**3, 2 * a[::-1]), has_aux=True)(x)
        return d + aux

    for x in POINTS:
        want = np.diag(6 * x) + 2 * np.eye(N)[::-1]
        np.testing.assert_allclose(hd.jacobian(r, sparsity="auto")(x).toarray(), want, rtol=1e-14)
    check_jacobian_pattern(r, POINTS, exact=True, exact_local=True)


def _stiffness(x: Any) -> Any:
    return np.sum(x[1:] ** 2 * x[:-1] ** 2)


NESTED = [  # (the name the error gives, f calling it)
    ("grad", lambda x: hd.grad(_stiffness)(x)),
    ("jacobian", lambda x: hd.jacobian(np.sin)(x) @ x),
    ("hessian", lambda x: hd.hessian(_stiffness)(x) @ x),
    ("hessian_diag", lambda x: hd.hessian_diag(_stiffness)(x)),
    ("jvp", lambda x: hd.jvp(np.sin, (x,), (x,))[1]),
    ("hvp", lambda x: hd.hvp(_stiffness, (x,), (x,))[1]),
    ("vjp", lambda x: hd.vjp(np.sin, x)[1](x)[0]),
    ("taylor", lambda x: hd.taylor(np.sin, x, x, 2)[1]),
    ("value_and_grad", lambda x: hd.value_and_grad(_stiffness)(x)[1]),
    ("jacobian", lambda x: hd.jacobian(np.sin, sparsity="auto")(x) @ x),
]


@pytest.mark.parametrize(("name", "f"), NESTED, ids=[f"{n}-{k}" for k, (n, _) in enumerate(NESTED)])
def test_other_transforms_raise_naming_themselves(name: str, f: Any) -> None:
    for detect in (hd.jacobian_sparsity(f), hd.jacobian(f, sparsity="auto")):
        with pytest.raises(TypeError, match=rf"hyperdiff\.{name} called inside f"):
            detect(POINTS[0])
    with pytest.raises(TypeError, match=r"hyperdiff\.grad called inside f.*hessian"):
        hd.hessian(lambda x: np.sum(hd.grad(_stiffness)(x)), sparsity="auto")(POINTS[0])


def test_a_given_pattern_runs_the_nested_transform() -> None:
    """The Jacobian of a gradient with its pattern given: the Hessian of
    sum x_(i+1)^2 x_i^2, tridiagonal, in closed form."""
    x = POINTS[0]
    i = np.arange(N - 1)
    want = np.zeros((N, N))
    want[i, i] += 2 * x[i + 1] ** 2
    want[i + 1, i + 1] += 2 * x[i] ** 2
    want[i, i + 1] = want[i + 1, i] = 4 * x[i] * x[i + 1]
    pattern = sp.csr_array(want != 0)
    got = hd.jacobian(hd.grad(_stiffness), sparsity=pattern)(x)
    np.testing.assert_allclose(got.toarray(), want, rtol=1e-14)
