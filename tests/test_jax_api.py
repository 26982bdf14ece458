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
