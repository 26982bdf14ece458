"""Inputs that are containers (JAX's pytrees: dicts, and lists or tuples of arrays or
containers): results are shaped as jax.grad / jax.jacfwd / jax.hessian give them,
written out here by hand, with values from closed forms."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pytest

import hyperdiff as hd

PARAMS = {"w": np.array([1.0, 2.0]), "b": 0.5}


def model(p: Any) -> Any:
    # sum(w^2) b + b^3: d/dw = 2 w b, d/db = sum(w^2) + 3 b^2
    return np.sum(p["w"] ** 2) * p["b"] + p["b"] ** 3


def test_grad_and_value_and_grad_of_a_dict() -> None:
    g = hd.grad(model)(PARAMS)
    assert set(g) == {"w", "b"} and g["w"].shape == (2,) and np.shape(g["b"]) == ()
    np.testing.assert_array_equal(g["w"], [1.0, 2.0])
    assert g["b"] == 5.75
    value, g2 = hd.value_and_grad(model)(PARAMS)
    assert value == 2.625 and g2["b"] == 5.75
    assert PARAMS == {"w": PARAMS["w"], "b": 0.5}  # the input is not mutated


def test_jacobian_of_a_dict() -> None:
    # jacfwd(lambda p: p["w"] * p["b"])(p): {"w": (2, 2), "b": (2,)}
    jac = hd.jacobian(lambda p: p["w"] * p["b"])(PARAMS)
    np.testing.assert_array_equal(jac["w"], 0.5 * np.eye(2))
    np.testing.assert_array_equal(jac["b"], [1.0, 2.0])


def test_hessian_of_a_dict_is_a_dict_of_dicts() -> None:
    # jax.hessian(f)(p)["w"]["b"].shape == (2,), ["w"]["w"] (2, 2), ["b"]["b"] ()
    h = hd.hessian(model)(PARAMS)
    np.testing.assert_array_equal(h["w"]["w"], np.eye(2))
    np.testing.assert_array_equal(h["w"]["b"], [2.0, 4.0])
    np.testing.assert_array_equal(h["b"]["w"], [2.0, 4.0])
    assert h["b"]["b"] == 3.0
    chunked = hd.hessian(model, chunk_size=1)(PARAMS)
    np.testing.assert_array_equal(chunked["w"]["b"], h["w"]["b"])


def test_containers_among_several_arguments() -> None:
    def g(x: Any, p: Any) -> Any:
        return np.sum(x * p["w"]) + p["b"]

    x = np.array([3.0, 4.0])
    gx, gp = hd.grad(g, argnums=(0, 1))(x, PARAMS)
    np.testing.assert_array_equal(gx, PARAMS["w"])
    np.testing.assert_array_equal(gp["w"], x)
    assert gp["b"] == 1.0
    h = hd.hessian(g, argnums=(0, 1))(x, PARAMS)
    np.testing.assert_array_equal(h[0][1]["w"], np.eye(2))  # d2/dx dw
    np.testing.assert_array_equal(h[0][1]["b"], [0.0, 0.0])
    np.testing.assert_array_equal(h[1][0]["w"], np.eye(2))


def test_nested_tuples_and_lists() -> None:
    g = hd.grad(lambda t: t[0] * t[1][0] + t[1][1])((2.0, [np.array(3.0), 4.0]))
    assert isinstance(g, tuple) and isinstance(g[1], list)
    assert (float(g[0]), float(g[1][0]), float(g[1][1])) == (3.0, 2.0, 1.0)
    # a flat list of numbers stays one array input
    np.testing.assert_array_equal(hd.grad(lambda v: v[0] * v[1])([1.0, 2.0]), [2.0, 1.0])


def test_elementwise_takes_arrays() -> None:
    with pytest.raises(TypeError, match="not containers"):
        hd.grad(lambda p: p["w"] ** 2, elementwise=True)(PARAMS)


class _Params(NamedTuple):
    w: Any
    b: Any


def _named_model(p: Any) -> Any:
    return np.sum(p.w**2) * p.b + p.b**3  # model's, read by field names


def test_named_tuples_stay_named() -> None:
    """A named tuple is a pytree node as in JAX: f reads its fields (it got a plain
    tuple: an AttributeError), and results keep its type."""
    p = _Params(np.array([1.0, 2.0]), 0.5)
    g = hd.grad(_named_model)(p)
    assert type(g) is _Params
    np.testing.assert_array_equal(g.w, [1.0, 2.0])
    assert g.b == 5.75
    value, g2 = hd.value_and_grad(_named_model)(p)
    assert value == 2.625 and type(g2) is _Params
    h = hd.hessian(_named_model)(p)  # d2/dw2 = 2 b I, d2/dw db = 2 w, d2/db2 = 6 b
    assert type(h) is _Params and type(h.w) is _Params
    np.testing.assert_array_equal(h.w.w, np.eye(2))
    np.testing.assert_array_equal(h.w.b, [2.0, 4.0])
    assert h.b.b == 3.0
    out = hd.jacobian(lambda p: _Params(p.w * 3.0, p.b**2))(p)
    assert type(out) is _Params and type(out.w) is _Params
    np.testing.assert_array_equal(out.w.w, 3.0 * np.eye(2))
    assert out.b.b == 1.0
    _, tangent = hd.jvp(_named_model, (p,), (_Params(np.ones(2), 1.0),))
    assert tangent == 3.0 + 5.75
    (pulled,) = hd.vjp(lambda p: p.w * p.b, p)[1](np.ones(2))
    assert type(pulled) is _Params and pulled.b == 3.0


@pytest.mark.parametrize("transform", [hd.grad, hd.jacobian, hd.hessian])
def test_sparse_transforms_refuse_containers_saying_what_to_do(transform: Any) -> None:
    """sparsity= differentiates one array (or several, by argnums): a dict or a list of
    arrays is refused naming that (it was "needs a float input, not object")."""
    for tree in (PARAMS, [np.ones(2), np.ones(2)]):
        with pytest.raises(TypeError, match="pass each array as its own argument"):
            transform(
                lambda p: np.sum(np.asarray(p["w"] if isinstance(p, dict) else p[0])),
                sparsity="auto",
            )(tree)


def test_hvp_of_containers() -> None:
    """H v of container primals, shaped as they are (hvp refused them): model's Hessian
    (d2/dw2 = 2 b I, d2/dw db = 2 w, d2/db2 = 6 b) times v = (w: (1, -1), b: 2)."""
    v = {"w": np.array([1.0, -1.0]), "b": 2.0}
    got = hd.hvp(model, (PARAMS,), (v,))
    assert set(got) == {"w", "b"}
    np.testing.assert_array_equal(got["w"], [1.0 * 1 + 2 * 1.0 * 2, -1.0 + 2 * 2.0 * 2])
    assert got["b"] == 2 * 1.0 * 1 + 2 * 2.0 * -1 + 6 * 0.5 * 2
    p = _Params(np.array([1.0, 2.0]), 0.5)
    named, extra = hd.hvp(
        lambda p, z: _named_model(p) + z[0] ** 2 * p.b,
        (p, np.array([3.0])),
        (_Params(np.array([1.0, -1.0]), 2.0), np.array([1.0])),
    )
    assert type(named) is _Params
    np.testing.assert_array_equal(named.w, got["w"])
    assert named.b == got["b"] + 2 * 3.0 * 1.0  # (+ d2/db dz z's direction)
    np.testing.assert_array_equal(extra, [2 * 0.5 * 1.0 + 2 * 3.0 * 2.0])
    with pytest.raises(ValueError, match="hvp: a tangent"):
        hd.hvp(model, (PARAMS,), ({"w": np.ones(2)},))
