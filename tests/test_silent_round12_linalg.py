"""Round twelve: linear algebra where numpy reads less than the matrix it is given.

- numpy.linalg.pinv(a, hermitian=True) is the pseudo-inverse of the Hermitian matrix of
  a's lower triangle (its eigh reads no more); the parts were those of the full a's
  Gram matrix on the value's eigenbasis: wrong for a non-Hermitian direction, and wrong
  for every direction at a non-Hermitian value.

References are closed forms (d inv(H) = -H^-1 dH H^-1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

_RNG = np.random.default_rng(12)


def _lower_hermitian(a: np.ndarray) -> np.ndarray:
    """The Hermitian matrix numpy's eigh reads from a (UPLO='L')."""
    strict = np.tril(a, -1)
    result: np.ndarray = strict + strict.conj().T + np.diag(a.diagonal().real)
    return result


def _matrix(n: int, complex_: bool) -> np.ndarray:
    a = _RNG.standard_normal((n, n))
    if complex_:
        a = a + 1j * _RNG.standard_normal((n, n))
    return a


@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.float32, np.complex64])
@pytest.mark.parametrize("value", ["hermitian", "not hermitian"])
@pytest.mark.parametrize("direction", ["hermitian", "not hermitian"])
def test_pinv_hermitian_differentiates_the_lower_triangle_numpy_reads(
    dtype: Any, value: str, direction: str
) -> None:
    complex_ = np.dtype(dtype).kind == "c"
    a0 = _matrix(4, complex_) + 4 * np.eye(4)
    if value == "hermitian":
        a0 = _lower_hermitian(a0)
    b = _matrix(4, complex_)
    if direction == "hermitian":
        b = _lower_hermitian(b)
    a0, b = a0.astype(dtype), b.astype(dtype)
    y = np.linalg.pinv(hd.hyperdual(a0, e1=b, e2=b), hermitian=True)
    np.testing.assert_array_equal(y.value, np.linalg.pinv(a0, hermitian=True))
    h = np.linalg.inv(_lower_hermitian(a0.astype(np.complex128)))
    dh = _lower_hermitian(b.astype(np.complex128))
    first = -h @ dh @ h
    second = 2 * h @ dh @ h @ dh @ h
    rtol = 1e-4 if np.dtype(dtype).itemsize * (1 if complex_ else 2) == 8 else 1e-11
    for part, expected in ((y.e1, first), (y.e2, first), (y.e12, second)):
        scale = np.max(np.abs(expected))
        assert np.max(np.abs(part - expected)) <= rtol * scale


@pytest.mark.parametrize("complex_", [False, True])
def test_pinv_hermitian_jacobian_of_a_rank_deficient_matrix(complex_: bool) -> None:
    # rank 2 of 3: pinv = sum over the kept eigenpairs of q q^H / w; along a direction
    # that keeps the rank (the derivative of H(t) = V(t) D V(t)^H) the closed form is
    # that of the truncated result: d pinv = -P dH P + (I - H P) dH^H P P + P P dH^H
    # (I - P H), with P = pinv(H) (Golub and Pereyra's formula)
    v = _RNG.standard_normal((3, 2)) + (1j * _RNG.standard_normal((3, 2)) if complex_ else 0)
    w = _RNG.standard_normal((3, 2)) + (1j * _RNG.standard_normal((3, 2)) if complex_ else 0)
    d = np.diag([2.0, -1.5])
    h0 = v @ d @ v.conj().T
    h0 = (h0 + h0.conj().T) / 2
    dh = w @ d @ v.conj().T + v @ d @ w.conj().T
    # the upper triangle of a (and of the direction) is noise numpy does not read
    noise = np.triu(_RNG.standard_normal((3, 3)), 1)
    y = np.linalg.pinv(hd.dual(h0 + noise, np.tril(dh) + 3 * noise), hermitian=True)
    p = np.linalg.pinv(h0, hermitian=True)
    eye = np.eye(3)
    expected = (
        -p @ dh @ p + (eye - h0 @ p) @ dh.conj().T @ p @ p + p @ p @ dh.conj().T @ (eye - p @ h0)
    )
    np.testing.assert_allclose(y.d, expected, rtol=0, atol=1e-12 * np.max(np.abs(expected)))
