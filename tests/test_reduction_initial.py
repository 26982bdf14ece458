"""Reductions given a differentiated `initial=` (np.sum, np.prod, np.max, np.min, their
ufunc.reduce forms, np.nansum): the result depends on initial as numpy combines it
(added, multiplied, or compared first, so it wins ties), in the dense transforms (the
value numpy's own) and in sparsity detection, whose patterns left initial out (a sparse
Jacobian with check_sparsity=False was silently wrong: [0, 1, 2] for [1, 1, 1])."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

X = np.array([0.7, -1.3, 2.1, 0.4, 1.9])

# f(v), its gradient at X in closed form: each reduces v[1:] from initial v[0] ** 2
CASES: dict[str, tuple[Callable[[Any], Any], np.ndarray]] = {
    "sum": (lambda v: np.sum(v[1:], initial=v[0] ** 2), np.array([2 * X[0], 1, 1, 1, 1])),
    "add.reduce": (
        lambda v: np.add.reduce(v[1:], initial=v[0] ** 2),
        np.array([2 * X[0], 1, 1, 1, 1]),
    ),
    "nansum": (lambda v: np.nansum(v[1:], initial=v[0] ** 2), np.array([2 * X[0], 1, 1, 1, 1])),
    "prod": (
        lambda v: np.prod(v[1:], initial=v[0] ** 2),
        np.array(
            [2 * X[0] * np.prod(X[1:])]
            + [X[0] ** 2 * np.prod(np.delete(X[1:], k)) for k in range(4)]
        ),
    ),
    "max": (lambda v: np.max(v[1:], initial=v[0] ** 2), np.array([0, 0, 1, 0, 0.0])),
    "max, initial wins": (
        lambda v: np.max(v[1:], initial=3 * v[0] ** 2 + 1),
        np.array([6 * X[0], 0, 0, 0, 0]),
    ),
    "maximum.reduce": (
        lambda v: np.maximum.reduce(v[1:], initial=v[0] ** 2),
        np.array([0, 0, 1, 0, 0.0]),
    ),
    "min": (lambda v: np.min(v[1:], initial=v[0] ** 2), np.array([0, 1, 0, 0, 0.0])),
    "min, initial wins": (
        lambda v: np.min(v[1:], initial=-(v[0] ** 2) - 2),
        np.array([-2 * X[0], 0, 0, 0, 0]),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_gradient_and_value(name: str) -> None:
    f, want = CASES[name]
    np.testing.assert_allclose(hd.grad(f)(X), want, rtol=1e-15, atol=1e-15)
    value = f(hd.dual(X, np.ones_like(X)))  # the value is numpy's own
    assert np.asarray(value.value).tobytes() == np.asarray(f(X)).tobytes()


@pytest.mark.parametrize("name", CASES)
def test_sparsity_patterns_include_initial(name: str) -> None:
    f, want = CASES[name]

    def g(v: Any) -> Any:
        return f(v) * np.ones(2)

    pattern = hd.jacobian_sparsity(g)(X).toarray()
    assert pattern[:, 0].all()  # every output depends on initial's v[0]
    assert (pattern[0] >= (want != 0)).all()  # and on every element it may pick
    sparse = hd.jacobian(g, sparsity="auto", check_sparsity=False)(X).toarray()
    np.testing.assert_allclose(sparse, np.vstack([want, want]), rtol=1e-15, atol=1e-15)


def test_hessians_of_a_product_and_of_squares_from_initial() -> None:
    def p(v: Any) -> Any:
        return np.prod(v[1:], initial=v[0])

    def h(v: Any) -> Any:
        return np.sum(v[1:] ** 2, initial=v[0] ** 3)

    x = X[:3]
    want_p = np.array([[0, x[2], x[1]], [x[2], 0, x[0]], [x[1], x[0], 0]])
    want_h = np.diag([6 * x[0], 2, 2])
    for f, want in ((p, want_p), (h, want_h)):
        np.testing.assert_allclose(hd.hessian(f)(x), want, rtol=1e-15)
        pattern = hd.hessian_sparsity(f)(x).toarray()
        assert (pattern >= (want != 0)).all()
        sparse = hd.hessian(f, sparsity="auto", check_sparsity=False)(x).toarray()
        np.testing.assert_allclose(sparse, want, rtol=1e-15)


def test_ties_where_out_dtype_and_numpys_checks() -> None:
    x = np.array([2.0, 2.0, 1.0])  # a tie: numpy sees initial first
    np.testing.assert_array_equal(hd.grad(lambda v: np.max(v[1:], initial=v[0]))(x), [1, 0, 0])
    none = np.zeros(2, dtype=bool)  # where= leaves no element: initial alone
    g = hd.grad(lambda v: np.max(v[1:], where=none, initial=v[0]))(x)
    np.testing.assert_array_equal(g, [1, 0, 0])
    g = hd.grad(lambda v: np.sum(v[1:], where=np.array([True, False]), initial=v[0]))(x)
    np.testing.assert_array_equal(g, [1, 1, 0])
    d = hd.dual(np.array([1.0, 2.0, 3.0], dtype=np.float32), 1.0)
    out = hd.dual(np.zeros((), dtype=np.float32))
    assert np.sum(d[1:], initial=d[0], out=out) is out
    assert out.dtype == np.float32 and out.value == 6 and out.d == 3
    with pytest.raises(ValueError):  # numpy's: initial must be a scalar
        np.sum(d[1:], initial=d)
    z = np.array([1 + 1j, 2 - 1j, 0.5j])
    got = hd.jacobian(lambda w: np.sum(w[1:] ** 2, initial=w[0] ** 3), holomorphic=True)(z)
    np.testing.assert_allclose(got, [3 * z[0] ** 2, 2 * z[1], 2 * z[2]], rtol=1e-15)
