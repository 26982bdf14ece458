"""Round twelve: linear algebra (numpy.linalg, hyperdiff.linalg).

- numpy.linalg.pinv(a, hermitian=True) is the pseudo-inverse of the Hermitian matrix of
  a's lower triangle (its eigh reads no more); the parts were those of the full a's
  Gram matrix on the value's eigenbasis: wrong for a non-Hermitian direction, and wrong
  for every direction at a non-Hermitian value.
- numpy.linalg.lstsq's singular values s: at repeated kept ones (an identity, an
  orthogonal matrix) their parts were the diagonal of the perturbation in an arbitrary
  basis of the eigenspace, finite and wrong; they are not differentiable there, and
  are nan now (as lstsq's cut values), while x keeps its parts.
- Values-only singular values (svdvals, the 2-, -2- and nuclear norms, cond) and det
  of a stack holding a matrix with an infinite entry hung in LAPACK's SVD with vectors
  (numpy's own calls need none and give nan or inf); det raised at nan. Such a
  matrix now gets nan parts, the others theirs.

References are closed forms (d inv(H) = -H^-1 dH H^-1, d s_i = Re u_i^H dA v_i).
"""

from __future__ import annotations

import warnings
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


def _orthogonal(n: int, complex_: bool) -> np.ndarray:
    q, _ = np.linalg.qr(_matrix(n, complex_))
    return q


def _repeated_cases() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (a, which of its singular values (descending) are repeated)."""
    cases: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for complex_ in (False, True):
        tag = "complex" if complex_ else "real"
        eye = np.eye(3, dtype=complex if complex_ else float)
        cases[f"identity {tag}"] = (eye, np.ones(3, bool))
        cases[f"orthogonal {tag}"] = (_orthogonal(3, complex_), np.ones(3, bool))
        u, v = _orthogonal(3, complex_), _orthogonal(3, complex_)
        cases[f"s = 2, 2, 1 {tag}"] = (
            u @ np.diag([2.0, 2.0, 1.0]) @ v,
            np.array([True, True, False]),
        )
        u4 = _orthogonal(4, complex_)[:, :3]
        cases[f"tall s = 3, 1, 1 {tag}"] = (
            u4 @ np.diag([3.0, 1.0, 1.0]) @ v,
            np.array([False, True, True]),
        )
    return cases


_REPEATED = _repeated_cases()


@pytest.mark.parametrize("kind", ["dual", "hyperdual"])
@pytest.mark.parametrize("name", sorted(_REPEATED))
def test_lstsq_repeated_singular_values_are_not_finite_numbers(kind: str, name: str) -> None:
    a0, repeated = _REPEATED[name]
    m, n = a0.shape
    da = _RNG.standard_normal((m, n))
    if a0.dtype.kind == "c":
        da = da + 1j * _RNG.standard_normal((m, n))
    rhs = _RNG.standard_normal(m)
    a = hd.dual(a0, da) if kind == "dual" else hd.hyperdual(a0, e1=da, e2=da)
    x, _, rank, s = np.linalg.lstsq(a, rhs)
    assert rank == n
    parts = s.d if kind == "dual" else s.e1
    # repeated: no derivative (nan), never a finite wrong number
    assert np.all(np.isnan(parts[repeated]))
    # the simple ones: d s_i = Re(u_i^H dA v_i)
    u0, _, vh0 = np.linalg.svd(a0, full_matrices=False)
    expected = np.einsum("ji,jk,ik->i", u0.conj(), da, vh0.conj()).real
    np.testing.assert_allclose(parts[~repeated], expected[~repeated], rtol=1e-12, atol=1e-13)
    # x keeps its parts: x = pinv(A) b, d x = -A^+ dA x + (A^H A)^-1 dA^H (b - A x)
    p = np.linalg.pinv(a0)
    residual = rhs - a0 @ x.value
    dx = -p @ da @ x.value + np.linalg.inv(a0.conj().T @ a0) @ da.conj().T @ residual
    np.testing.assert_allclose(x.d if kind == "dual" else x.e1, dx, rtol=1e-11, atol=1e-12)


# name -> the function of a stack of matrices; numpy computes each from the singular
# values alone (gesdd without vectors), which gives nan or inf at an infinite entry
_VALUES_ONLY: dict[str, Any] = {
    "svdvals": np.linalg.svdvals,
    "svd(compute_uv=False)": lambda a: np.linalg.svd(a, compute_uv=False),
    "matrix_norm(ord=2)": lambda a: np.linalg.matrix_norm(a, ord=2),
    "matrix_norm(ord=-2)": lambda a: np.linalg.matrix_norm(a, ord=-2),
    "norm(ord='nuc')": lambda a: np.linalg.norm(a, "nuc", axis=(-2, -1)),
    "cond": np.linalg.cond,
    "cond(p=-2)": lambda a: np.linalg.cond(a, -2),
}


def _closed_form(name: str, a0: np.ndarray, da: np.ndarray) -> np.ndarray:
    """d/dt of the function at a0 + t da (one matrix): d s_i = u_i^T da v_i."""
    u, s, vh = np.linalg.svd(a0)
    ds = np.einsum("ji,jk,ik->i", u, da, vh)
    if name in ("svdvals", "svd(compute_uv=False)"):
        return ds
    if name == "matrix_norm(ord=2)":
        return ds[0]
    if name == "matrix_norm(ord=-2)":
        return ds[-1]
    if name == "norm(ord='nuc')":
        return np.sum(ds)
    if name == "cond":
        return ds[0] / s[-1] - s[0] * ds[-1] / s[-1] ** 2
    return ds[-1] / s[0] - s[-1] * ds[0] / s[0] ** 2


@pytest.mark.parametrize("name", sorted(_VALUES_ONLY))
def test_singular_values_of_a_stack_with_an_infinite_matrix_return(name: str) -> None:
    # LAPACK's SVD with vectors does not return on the identity with one infinite
    # entry (this matrix): the values-only functions called it there and hung
    function = _VALUES_ONLY[name]
    a0 = _RNG.standard_normal((3, 3, 3)) + 3 * np.eye(3)
    a0[1] = np.eye(3)
    a0[1, 0, 0] = np.inf
    da = _RNG.standard_normal((3, 3, 3))
    with np.errstate(all="ignore"):
        expected_value = function(a0)
    y = function(hd.dual(a0, da))
    np.testing.assert_array_equal(y.value, expected_value)
    assert np.all(np.isnan(y.d[1]))  # no derivative at a matrix with an infinite entry
    for k in (0, 2):
        np.testing.assert_allclose(y.d[k], _closed_form(name, a0[k], da[k]), rtol=1e-12)


def test_taylor_refusal_of_expm_names_its_real_module() -> None:
    a = np.array([[0.5, 0.1], [0.2, 0.3]])
    message = r"hyperdiff\.linalg\.expm \(scipy\.linalg\.expm's mirror\)"
    with pytest.raises(TypeError, match=message):
        hd.taylor(hd.linalg.expm, a, np.eye(2), 3)


@pytest.mark.parametrize("kind", ["dual", "hyperdual"])
@pytest.mark.parametrize("entry", [np.nan, np.inf])
def test_det_of_a_stack_with_a_non_finite_matrix(kind: str, entry: float) -> None:
    # numpy's det gives nan or inf there; its SVD rule (taken for the whole stack when
    # one matrix is not well conditioned) raised LinAlgError at nan and hung at inf
    a0 = _RNG.standard_normal((3, 3, 3)) + 3 * np.eye(3)
    a0[1] = np.eye(3)
    a0[1, 0, 0] = entry
    da = _RNG.standard_normal((3, 3, 3))
    a = hd.dual(a0, da) if kind == "dual" else hd.hyperdual(a0, e1=da, e2=da)
    with warnings.catch_warnings():  # numpy's own: "invalid value encountered in det"
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.linalg.det(a0)
        y = np.linalg.det(a)
    np.testing.assert_array_equal(y.value, expected)
    first = y.d if kind == "dual" else y.e1
    assert np.isnan(first[1])
    for k in (0, 2):  # d det = det tr(A^-1 dA), d^2 det = det (tr(M)^2 - tr(M^2))
        m = np.linalg.solve(a0[k], da[k])
        np.testing.assert_allclose(first[k], expected[k] * np.trace(m), rtol=1e-12)
        if kind == "hyperdual":
            second = expected[k] * (np.trace(m) ** 2 - np.trace(m @ m))
            np.testing.assert_allclose(y.e12[k], second, rtol=1e-12)
