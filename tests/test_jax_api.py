"""hessp, vjp and linearize, JAX's (and scipy's) signatures, against closed forms."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd


def quartic(x: Any, scale: float = 1.0) -> Any:
    # scale * sum(x^4) + x0 x1: H = diag(12 scale x^2) + [[0, 1], [1, 0]] block
    return scale * np.sum(x**4) + x[0] * x[1]


def test_hessp_has_scipys_signature() -> None:
    x, p = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, -1.0])
    hessian = np.diag(12 * 3.0 * x**2)
    hessian[0, 1] = hessian[1, 0] = 1.0
    np.testing.assert_allclose(hd.hessp(quartic)(x, p, 3.0), hessian @ p, rtol=1e-15)


def test_hessp_in_scipy_minimize() -> None:
    optimize = pytest.importorskip("scipy.optimize")
    x0 = np.array([1.3, 0.7, 0.8, 1.9, 1.2])
    result = optimize.minimize(
        optimize.rosen,
        x0,
        jac=hd.grad(optimize.rosen),
        hessp=hd.hessp(optimize.rosen),
        method="trust-krylov",
    )
    assert result.success
    np.testing.assert_allclose(result.x, np.ones(5), atol=1e-6)


def test_vjp_returns_a_cotangent_per_primal() -> None:
    # f(x, y) = (x0 y, x1^2): c . J = ((c0 y, 2 c1 x1), c0 x0)
    def f(x: Any, y: Any) -> Any:
        return np.stack([x[0] * y, x[1] ** 2])

    x, y = np.array([1.0, 2.0]), 3.0
    out, vjp_fn = hd.vjp(f, x, y)
    np.testing.assert_array_equal(out, [3.0, 4.0])
    dx, dy = vjp_fn(np.array([2.0, 5.0]))
    np.testing.assert_array_equal(dx, [6.0, 20.0])
    assert dy == 2.0
    with pytest.raises(ValueError, match="cotangent of shape"):
        vjp_fn(np.ones(3))


def test_linearize_gives_jvps_at_the_point() -> None:
    x = np.array([0.0, 1.0])
    value, f_jvp = hd.linearize(np.sin, x)
    np.testing.assert_array_equal(value, np.sin(x))
    np.testing.assert_allclose(f_jvp(np.array([2.0, 3.0])), np.cos(x) * [2.0, 3.0], rtol=1e-15)


def test_jvp_and_linearize_take_containers_as_jax() -> None:
    """Primals that are dicts, lists or tuples of arrays reach f as such; each tangent has
    its primal's structure (dict keys in any order). Closed forms: p = sum(u^2) c,
    q = v0 v1, dp = 2 u.du c + sum(u^2) dc, dq = dv0 v1 + v0 dv1."""
    u, v0, v1 = np.array([1.0, 2.0]), np.array([3.0, -1.0]), np.array([0.5, 4.0])
    du, dv0, dv1 = np.array([1.0, -2.0]), np.array([0.0, 1.0]), np.array([2.0, 3.0])

    def f(d: dict[str, Any], c: Any) -> dict[str, Any]:
        return {"p": np.sum(d["u"] ** 2) * c, "q": d["v"][0] * d["v"][1]}

    primal = {"u": u, "v": [v0, v1]}
    tangent = {"v": (dv0, dv1), "u": du}  # another key order, a tuple for the list
    value, derivative = hd.jvp(f, (primal, 2.0), (tangent, 0.5))
    np.testing.assert_array_equal(value["p"], np.sum(u**2) * 2.0)
    np.testing.assert_array_equal(value["q"], v0 * v1)
    np.testing.assert_allclose(derivative["p"], 2 * u @ du * 2.0 + np.sum(u**2) * 0.5, rtol=1e-15)
    np.testing.assert_allclose(derivative["q"], dv0 * v1 + v0 * dv1, rtol=1e-15)
    assert primal["u"] is u and isinstance(primal["v"], list)  # the user's containers untouched
    value, f_jvp = hd.linearize(lambda d: np.sin(d["x"]) * d["y"], {"x": u, "y": v0})
    np.testing.assert_allclose(
        f_jvp({"x": du, "y": dv0}), np.cos(u) * du * v0 + np.sin(u) * dv0, rtol=4e-16, atol=4e-16
    )  # (the second entry cancels: 0.077 of terms 0.83 and 0.91)


@pytest.mark.parametrize(
    ("primal", "tangent"),
    [({"a": np.ones(2)}, {"b": np.ones(2)}), ([np.ones(2), np.ones(2)], [np.ones(2)]),
     ({"a": np.ones(2)}, np.ones(2))],
)  # fmt: skip
def test_jvp_of_containers_of_another_structure_raises(primal: Any, tangent: Any) -> None:
    with pytest.raises(ValueError, match=r"a tangent .* for a primal"):
        hd.jvp(lambda d: d, (primal,), (tangent,))


def test_hvp_of_a_container() -> None:
    """H v shaped as the container primal (hvp took arrays only): sum(a^3), H = 6 a I."""
    got = hd.hvp(lambda d: np.sum(d["a"] ** 3), ({"a": np.ones(2)},), ({"a": np.ones(2)},))
    assert set(got) == {"a"}
    np.testing.assert_array_equal(got["a"], [6.0, 6.0])
