"""Small calls: derivative at a single point (a Dual, the outputs' shapes checked) and
expm's values and block parts on 4x4 matrices. References: closed forms, numpy, and
scipy.linalg.expm / expm_frechet."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.linalg

import hyperdiff as hd

RNG = np.random.default_rng(20261202)


def test_derivative_at_one_point() -> None:
    x = 0.7
    np.testing.assert_allclose(
        hd.derivative(lambda t: np.sin(t) * np.arange(3.0))(x), np.cos(x) * np.arange(3.0), 1e-15
    )
    assert hd.derivative(np.sin, order=2)(x) == pytest.approx(-np.sin(x), rel=1e-15)
    assert hd.derivative(hd.derivative(np.sin))(x) == pytest.approx(-np.sin(x), rel=1e-15)
    assert hd.derivative(lambda t: 3.0)(np.array([x])).shape == (1,)  # a constant: zeros


@pytest.mark.parametrize("order", [1, 2])
def test_derivative_at_one_point_still_checks_shapes(order: int) -> None:
    with pytest.raises(ValueError, match="is not its input's"):
        hd.derivative(lambda t: np.sum(t), order=order)(np.array([0.5]))
    with pytest.raises(ValueError, match="is not its input's"):
        hd.derivative(lambda t: (t, t[0]), order=order)(np.array([[0.5]]))


def random_matrix(n: int = 4) -> np.ndarray:
    return RNG.normal(size=(n, n)) + 1j * RNG.normal(size=(n, n))


def test_expm_of_dual_against_expm_frechet() -> None:
    a, e = random_matrix(), random_matrix()
    got = hd.linalg.expm(hd.dual(a, e))
    np.testing.assert_array_equal(got.value, hd.linalg.expm(a))  # the plain value's bits
    value, frechet = scipy.linalg.expm_frechet(a, e)
    np.testing.assert_allclose(got.value, value, rtol=1e-13, atol=1e-13 * np.abs(value).max())
    np.testing.assert_allclose(got.d, frechet, rtol=1e-12, atol=1e-13 * np.abs(frechet).max())


def test_derivative_of_expm_of_i_t_h() -> None:
    a = random_matrix()
    h = (a + a.conj().T) / 2
    t = 0.3
    got = hd.derivative(lambda s: hd.linalg.expm(1j * s * h))(t)
    want = 1j * h @ scipy.linalg.expm(1j * t * h)  # d/dt expm(i t H) = i H expm(i t H)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13 * np.abs(want).max())


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
def test_plain_expm_keeps_dtype_and_matches_scipy(dtype: type) -> None:
    a = np.stack([random_matrix(3), 8 * random_matrix(3)])  # the second needs squarings
    a = (a if np.dtype(dtype).kind == "c" else a.real).astype(dtype)
    got = hd.linalg.expm(a)
    assert got.dtype == dtype
    want = scipy.linalg.expm(a.astype(np.complex128))
    tol = 1e-12 if dtype in (np.float64, np.complex128) else 1e-4
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.abs(want).max())


@pytest.mark.parametrize("x", [0.3, 2, np.float64(0.3), np.array(0.3), np.array([0.3, 2.0])])
def test_transforms_of_numbers_and_small_arrays(x: Any) -> None:
    # d sin = cos, d2 sin = -sin; the result shaped like the input (a 0-d array for a number)
    a = np.asarray(x, dtype=np.float64)
    for got in (hd.jacobian(np.sin)(x), hd.derivative(np.sin)(x)):
        expected = np.diag(np.cos(a)) if a.ndim and got.ndim == 2 else np.cos(a)
        assert got.shape == expected.shape and got.dtype == np.float64
        np.testing.assert_allclose(got, expected, rtol=1e-15)
    if a.ndim == 0:
        assert hd.grad(np.sin)(x) == pytest.approx(np.cos(a), rel=1e-15)
        assert hd.grad(np.sin)(x).shape == ()
        assert hd.hessian(np.sin)(x) == pytest.approx(-np.sin(a), rel=1e-15)
