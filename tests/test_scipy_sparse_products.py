"""scipy.sparse matrices times dual arrays and sparsity tracers (issue 19's residuals:
finite-difference and finite-element codes write `A @ u` with A a scipy.sparse matrix).

`A @ x`, `A.dot(x)`, `x @ A` and an spmatrix's `A * x` (its matrix product) are linear in
x: their Jacobian is the matrix itself, an independent reference; the Hessian of
sum(sin(A u)) is A^T diag(-sin(A u)) A. Values are scipy's own product, bit for bit.
What scipy cannot take (elementwise products of sparse arrays, constructors, solvers)
raises a TypeError naming it; detection's patterns are the matrix's nonzero structure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

sp = pytest.importorskip("scipy.sparse")

N = 6
FORMATS = ("csr", "csc", "coo", "bsr", "dia", "lil", "dok")
DTYPES = (np.float64, np.float32, np.complex128)


def _matrix(fmt: str, array: bool, dtype: Any = np.float64, rows: int = N) -> Any:
    """A (rows, N) sparse matrix with an explicit zero stored (a structural entry
    whose derivative is an exact 0) and a full last column."""
    rng = np.random.default_rng(rows)
    dense = np.where(rng.random((rows, N)) < 0.4, rng.normal(size=(rows, N)), 0.0)
    dense[:, -1] = 1.5
    if np.dtype(dtype).kind == "c":
        dense = dense * (1 - 0.5j)
    coo = sp.coo_matrix(dense.astype(dtype))
    coo = sp.coo_matrix(
        (np.append(coo.data, 0), (np.append(coo.row, 0), np.append(coo.col, 0))),
        shape=coo.shape,
    )
    m = coo.asformat(fmt)
    return sp.csr_array(m).asformat(fmt) if array else m


def _point(dtype: Any = np.float64) -> np.ndarray:
    return np.linspace(-0.7, 1.3, N).astype(dtype if np.dtype(dtype).kind == "f" else float)


@pytest.mark.parametrize("array", [False, True], ids=["spmatrix", "sparray"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_matrix_times_dual_is_the_matrix(fmt: str, array: bool) -> None:
    a = _matrix(fmt, array, rows=N + 2)
    x = _point()
    dense = a.toarray()
    for f in (lambda u: a @ u, lambda u: a.dot(u)) if fmt != "coo" else (lambda u: a @ u,):
        jac = hd.jacobian(f)(x)
        assert np.array_equal(jac, dense)
        value, tangent = hd.jvp(f, (x,), (np.ones(N),))
        assert np.array_equal(value, a @ x)  # scipy's own product, bit for bit
        np.testing.assert_allclose(tangent, dense.sum(axis=1), rtol=1e-15)
    y = np.linspace(0.3, 1.1, N + 2)
    assert np.array_equal(hd.jacobian(lambda u: u @ a)(y), dense.T)
    assert np.array_equal(hd.derivative(lambda t: (t * y) @ a)(2.0), y @ a)
    assert np.array_equal(hd.jacobian(lambda u: a.T @ u)(y), dense.T)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtypes_follow_scipy(dtype: Any) -> None:
    a = _matrix("csr", True, dtype)
    x = _point(np.float32 if dtype == np.float32 else np.float64)
    out = hd.derivative(lambda t: a @ (t * x), order=2)(np.float64(1.0))
    expected = a @ x
    assert np.asarray(out).dtype == np.result_type(a.dtype, np.float64)
    np.testing.assert_array_equal(out, 0 * expected)  # linear in t: no second derivative
    first = hd.derivative(lambda t: a @ (t * x))(np.float64(2.0))
    np.testing.assert_allclose(first, expected, rtol=1e-6 if dtype == np.float32 else 1e-15)


@pytest.mark.parametrize("array", [False, True], ids=["spmatrix", "sparray"])
def test_matrix_times_dual_matrix(array: bool) -> None:
    a = _matrix("csr", array, rows=4)
    u = np.arange(N * 3, dtype=float).reshape(N, 3) / 7
    jac = hd.jacobian(lambda w: a @ w)(u)  # (4, 3, N, 3)
    expected = np.einsum("ij,cd->icjd", a.toarray(), np.eye(3))
    assert np.array_equal(jac, expected)
    out = hd.jacobian(lambda w: a @ w)(u[:, :1])  # an (N, 1) column: scipy's (4, 1)
    assert out.shape == (4, 1, N, 1)
    w = np.arange(12.0).reshape(2, N) / 5
    assert np.array_equal(
        hd.jacobian(lambda v: v @ a.T)(w), np.einsum("ij,cd->cidj", a.toarray(), np.eye(2))
    )


def test_second_order_through_the_matrix() -> None:
    a = _matrix("csr", True)
    x = _point()
    dense = a.toarray()

    def energy(u: Any) -> Any:
        return np.sum(np.sin(a @ u))

    expected = dense.T @ np.diag(-np.sin(dense @ x)) @ dense  # closed form
    np.testing.assert_allclose(hd.hessian(energy)(x), expected, rtol=1e-13, atol=1e-14)
    sparse_h = hd.hessian(energy, sparsity="auto")(x)
    np.testing.assert_allclose(sparse_h.toarray(), expected, rtol=1e-13, atol=1e-14)
    grad = hd.grad(energy)(x)
    np.testing.assert_allclose(grad, dense.T @ np.cos(dense @ x), rtol=1e-14)


def test_spmatrix_star_is_its_product() -> None:
    m = _matrix("csr", False)
    x = _point()
    assert np.array_equal(hd.jacobian(lambda u: m * u)(x), m.toarray())
    assert np.array_equal(hd.jacobian(lambda u: u * m)(x), m.toarray().T)
    pattern = hd.jacobian_sparsity(lambda u: m * u)(x)
    assert (pattern != (hd.jacobian_sparsity(lambda u: m @ u)(x))).nnz == 0


REFUSED: dict[str, Callable[[Any, Any], Any]] = {
    "csr_array.__mul__": lambda a, u: a * u,  # a sparse array's `*`: elementwise
    "csr_array.__rmul__": lambda a, u: u * a,
    "csr_array.multiply": lambda a, u: a.multiply(u),
    "csr_array.__add__": lambda a, u: a + u,
    "scipy.sparse.linalg.spsolve": lambda a, u: sp.linalg.spsolve(a, u),
    "coo_array.dot": lambda a, u: a.tocoo().dot(u),  # (scipy raises for what it cannot convert)
}


@pytest.mark.parametrize("name", REFUSED)
@pytest.mark.parametrize("transform", ["dense", "detection"])
def test_what_scipy_converts_is_refused(name: str, transform: str) -> None:
    pytest.importorskip("scipy.sparse.linalg")
    a = sp.csr_array(np.eye(N) * 2 + np.eye(N, k=1))
    x = _point()
    run = hd.jacobian if transform == "dense" else hd.jacobian_sparsity
    with pytest.raises(TypeError, match=r"scipy\.sparse|sparsity detection|csr_array"):
        run(lambda u: REFUSED[name](a, u))(x)
    assert a.nnz == 2 * N - 1  # untouched


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("local", [False, True])
def test_detection_reads_the_nonzero_structure(fmt: str, local: bool) -> None:
    a = _matrix(fmt, True)
    stored = a.copy()
    x = _point()
    dense = a.toarray()

    def residual(u: Any) -> Any:
        return a @ u + (u @ a) ** 2 + np.cos(a.T @ u)

    pattern = hd.jacobian_sparsity(residual, local=local)(x).toarray()
    jac = hd.jacobian(residual)(x)
    structure = (dense != 0).astype(int)
    expected = (structure + structure.T) > 0  # the explicit zero: no dependency
    assert np.array_equal(pattern, expected)
    assert np.all(pattern[jac != 0])  # never a dependency missed
    np.testing.assert_allclose(
        hd.jacobian(residual, sparsity="auto")(x).toarray(), jac, rtol=1e-14, atol=1e-15
    )
    hess = hd.hessian_sparsity(lambda u: np.sum((a @ u) ** 3), local=local)(x).toarray()
    assert np.array_equal(hess, (structure.T @ structure) > 0)
    assert (a != stored).nnz == 0 and a.nnz == stored.nnz  # its explicit zero kept


def test_least_squares_with_a_sparse_operator() -> None:
    optimize = pytest.importorskip("scipy.optimize")
    n = 40
    lap = sp.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(n, n), format="csr") * n**2
    source = np.linspace(0, 1, n)

    def residual(u: Any) -> Any:
        return lap @ u - u**3 + source

    jac = hd.jacobian(residual, sparsity="auto")
    fit = optimize.least_squares(residual, np.zeros(n), jac=jac, method="trf", xtol=1e-14)
    assert fit.cost < 1e-15
    closed = lap.toarray() - np.diag(3 * fit.x**2)
    np.testing.assert_allclose(jac(fit.x).toarray(), closed, rtol=1e-14)
