"""has_aux=True, with JAX's semantics: f returns (output, aux); the transform returns
(result, aux), value_and_grad ((value, aux), grad); aux is returned as values, not
differentiated (jax.grad(f, has_aux=True) gives aux as a plain array)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

X = np.array([1.0, 2.0, 2.0])


def loss(x: Any) -> Any:
    # sum x^2, with aux: its square root, a constant and a nested structure
    return np.sum(x**2), {"norm": np.sqrt(np.sum(x**2)), "count": 3, "xs": [x * 2]}


def _check_aux(aux: Any) -> None:
    assert aux["count"] == 3
    assert type(aux["norm"]) is np.ndarray and aux["norm"] == 3.0
    assert type(aux["xs"][0]) is np.ndarray
    np.testing.assert_array_equal(aux["xs"][0], 2 * X)


@pytest.mark.parametrize("chunk_size", [None, 1])
def test_grad_and_value_and_grad(chunk_size: int | None) -> None:
    g, aux = hd.grad(loss, has_aux=True, chunk_size=chunk_size)(X)
    np.testing.assert_array_equal(g, 2 * X)
    _check_aux(aux)
    (value, aux), g = hd.value_and_grad(loss, has_aux=True, chunk_size=chunk_size)(X)
    assert value == 9.0
    np.testing.assert_array_equal(g, 2 * X)
    _check_aux(aux)


def test_jacobian_hessian_derivative() -> None:
    jac, aux = hd.jacobian(lambda x: (x**2, np.sum(x)), has_aux=True)(X)
    np.testing.assert_array_equal(jac, np.diag(2 * X))
    assert aux == 5.0
    h, aux = hd.hessian(loss, has_aux=True)(X)
    np.testing.assert_array_equal(h, 2 * np.eye(3))
    _check_aux(aux)
    d, aux = hd.derivative(lambda x: (np.sin(x), np.cos(x)), has_aux=True)(X)
    np.testing.assert_allclose(d, np.cos(X), rtol=1e-15)
    np.testing.assert_allclose(aux, np.cos(X), rtol=1e-15)
    g, aux = hd.grad(lambda a, b: (a * b, a + b), argnums=(0, 1), has_aux=True)(2.0, 3.0)
    assert (float(g[0]), float(g[1]), float(aux)) == (3.0, 2.0, 5.0)


def test_aux_keeps_an_enclosing_transforms_parts() -> None:
    # the inner grad's aux t * sum(v) = 2 t at v = (1, 1): d/dt 2 t = 2
    def inner_aux(t: Any) -> Any:
        return hd.grad(lambda v: (np.sum(t * v**2), t * np.sum(v)), has_aux=True)(np.ones(2))[1]

    assert hd.derivative(inner_aux)(3.0) == 2.0


def test_f_without_a_pair_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match=r"has_aux=True\) needs f to return a pair"):
        hd.grad(np.sum, has_aux=True)(X)
