"""hessian_diag and laplacian: the Hessian's diagonal in O(n) planes, against closed
forms (derived by hand for each function below)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

RNG = np.random.default_rng(20261201)


def chain(x: Any) -> Any:
    """g(x) = sum sin(x_i) x_{i+1}: d^2g/dx_i^2 = -sin(x_i) x_{i+1} (0 for the last)."""
    return np.sum(np.sin(x[:-1]) * x[1:])


def chain_diagonal(x: np.ndarray) -> np.ndarray:
    d = np.zeros_like(x)
    d[:-1] = -np.sin(x[:-1]) * x[1:]
    return d


@pytest.mark.parametrize("n", [1, 2, 17, 1000])
def test_laplacian_and_diagonal_of_a_chain(n: int) -> None:
    x = RNG.uniform(-2, 2, n)
    want = chain_diagonal(x)
    np.testing.assert_allclose(hd.hessian_diag(chain)(x), want, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(hd.laplacian(chain)(x), want.sum(), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("chunk_size", [1, 3, 7])
def test_chunked_passes(chunk_size: int) -> None:
    x = RNG.uniform(-2, 2, 20).reshape(4, 5)

    def f(t: Any) -> Any:
        return chain(t.ravel())

    got = hd.hessian_diag(f, chunk_size=chunk_size)(x)
    assert got.shape == (4, 5)
    np.testing.assert_allclose(got.ravel(), chain_diagonal(x.ravel()), rtol=1e-15, atol=1e-15)


def test_shapes_follow_the_hessians_diagonal() -> None:
    # out.shape + in.shape, a tuple over a tuple argnums, as diag of jax.hessian's blocks
    a, b = RNG.uniform(1, 2, (2, 3)), RNG.uniform(1, 2, 4)

    def f(x: Any, y: Any) -> Any:
        return np.stack([np.sum(x**2) * np.sum(y**3), np.sum(x**3)])

    da, db = hd.hessian_diag(f, argnums=(0, 1))(a, b)
    assert da.shape == (2, 2, 3) and db.shape == (2, 4)
    np.testing.assert_allclose(da[0], 2 * np.sum(b**3) * np.ones_like(a), rtol=1e-15)
    np.testing.assert_allclose(da[1], 6 * a, rtol=1e-15)
    np.testing.assert_allclose(db[0], 6 * b * np.sum(a**2), rtol=1e-15)
    np.testing.assert_array_equal(db[1], 0.0)
    lap = hd.laplacian(f, argnums=(0, 1))(a, b)
    assert lap.shape == (2,)
    want = 2 * a.size * np.sum(b**3) + 6 * np.sum(b) * np.sum(a**2)
    np.testing.assert_allclose(lap, [want, 6 * np.sum(a)], rtol=1e-14)


def test_elementwise_laplacian_of_a_field() -> None:
    # u = sin(x) e^y z^3: u_xx + u_yy + u_zz = 6 z sin(x) e^y (the first two cancel)
    x, y, z = (RNG.uniform(-1, 1, 1000) for _ in range(3))

    def u(x: Any, y: Any, z: Any) -> Any:
        return np.sin(x) * np.exp(y) * z**3

    want = 6 * z * np.sin(x) * np.exp(y)
    got = hd.laplacian(u, argnums=(0, 1, 2), elementwise=True)(x, y, z)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    dxx, dzz = hd.hessian_diag(u, argnums=(0, 2), elementwise=True)(x, y, z)
    np.testing.assert_allclose(dxx, -np.sin(x) * np.exp(y) * z**3, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(dzz, 6 * z * np.sin(x) * np.exp(y), rtol=1e-14, atol=1e-15)


def test_elementwise_of_a_mixing_function_raises() -> None:
    with pytest.raises(ValueError, match="mixes points"):
        hd.laplacian(lambda t: np.cumsum(t) ** 2, elementwise=True)(np.arange(4.0))


def test_float32_and_holomorphic() -> None:
    x = np.linspace(0.5, 1.5, 6, dtype=np.float32)
    got = hd.hessian_diag(lambda t: np.sum(t**4))(x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, 12 * x.astype(np.float64) ** 2, rtol=2e-7)
    z = np.array([0.5 + 1j, -1 + 0.25j])
    got_c = hd.hessian_diag(lambda t: np.sum(np.exp(t) * t), holomorphic=True)(z)
    np.testing.assert_allclose(got_c, np.exp(z) * (z + 2), rtol=1e-15)


def test_argnums_checked_when_made() -> None:
    with pytest.raises(TypeError, match="argnums"):
        hd.laplacian(chain, argnums=0.0)  # type: ignore[arg-type]
