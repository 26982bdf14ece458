"""numpy 2's array-API functions in np.linalg (matmul, matrix_transpose, vecdot, outer,
cross, diagonal, trace, tensordot, matrix_norm, vector_norm) under sparsity detection,
as the numpy functions they equal. The dense transforms took them; detection raised
"does not support". Patterns against the dense Jacobian's and Hessian's nonzeros at
random points, values against the dense transforms'."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sparsity_harness import check_hessian_pattern, check_jacobian_pattern

import hyperdiff as hd

pytest.importorskip("scipy.sparse")
if not hasattr(np.linalg, "vector_norm"):  # (numpy 2)
    pytest.skip("numpy 1 has no array-API functions in np.linalg", allow_module_level=True)

M = 4
RNG = np.random.default_rng(41)
POINTS = [RNG.uniform(0.5, 1.5, 9 * M) for _ in range(2)]


def _stack(x: Any) -> Any:
    return x.reshape(M, 3, 3)


FUNCTIONS: dict[str, tuple[Callable[[Any], Any], bool]] = {  # (f, exact pattern)
    "matmul": (lambda x: np.linalg.matmul(_stack(x), _stack(x)[::-1]), True),
    "matrix_transpose": (lambda x: np.linalg.matrix_transpose(_stack(x)) * x[0], True),
    "vecdot": (lambda x: np.linalg.vecdot(_stack(x), _stack(x)[::-1]), True),
    "vecdot, axis 1": (lambda x: np.linalg.vecdot(_stack(x), _stack(x) ** 2, axis=1), True),
    "outer": (lambda x: np.linalg.outer(x[:5], x[5:9] ** 2), True),
    "cross": (lambda x: np.linalg.cross(_stack(x), _stack(x)[::-1]), True),
    "cross, axis 1": (lambda x: np.linalg.cross(_stack(x), _stack(x)[:, ::-1], axis=1), True),
    "diagonal": (lambda x: np.linalg.diagonal(_stack(x), offset=1) ** 2, True),
    "trace": (lambda x: np.linalg.trace(_stack(x) ** 2, offset=-1), True),
    "trace, dtype": (lambda x: np.linalg.trace(_stack(x), dtype=np.float64) ** 2, True),
    "tensordot": (lambda x: np.linalg.tensordot(_stack(x), _stack(x)[0], axes=1), True),
    "matrix_norm": (lambda x: np.linalg.matrix_norm(_stack(x)), True),
    "matrix_norm, nuc": (lambda x: np.linalg.matrix_norm(_stack(x), ord="nuc"), True),
    "matrix_norm, 1, keepdims": (
        lambda x: np.linalg.matrix_norm(_stack(x), ord=1, keepdims=True),
        False,  # (max of column sums: at a point, one column's entries)
    ),
    "vector_norm": (lambda x: np.linalg.vector_norm(_stack(x)), True),
    "vector_norm, keepdims": (lambda x: np.linalg.vector_norm(_stack(x), keepdims=True), True),
    "vector_norm, axis": (lambda x: np.linalg.vector_norm(_stack(x), axis=-1, ord=3), True),
    "vector_norm, axes": (
        lambda x: np.linalg.vector_norm(_stack(x), axis=(0, 2), keepdims=True),
        True,
    ),
    "vector_norm, inf": (lambda x: np.linalg.vector_norm(_stack(x), axis=1, ord=np.inf), False),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_jacobian_patterns(name: str) -> None:
    f, exact = FUNCTIONS[name]

    def flat(x: Any) -> Any:
        return np.reshape(f(x), -1)

    check_jacobian_pattern(flat, POINTS, exact=exact)
    for x in POINTS:  # numpy's own values
        np.testing.assert_allclose(
            hd.jacobian_sparsity(flat, local=True)(x).shape, (np.size(f(x)), x.size)
        )


@pytest.mark.parametrize(
    "name", ["matmul", "vecdot", "cross", "trace", "matrix_norm", "vector_norm, axes"]
)
def test_hessian_patterns(name: str) -> None:
    f, _ = FUNCTIONS[name]
    check_hessian_pattern(lambda x: np.sum(f(x) ** 2), POINTS)


def test_numpys_errors() -> None:
    """Inputs np.linalg refuses are refused under detection too (numpy's ValueError)."""
    x = POINTS[0]
    with pytest.raises(ValueError, match="one-dimensional"):
        hd.jacobian_sparsity(lambda x: np.linalg.outer(_stack(x), x).reshape(-1))(x)
    with pytest.raises(ValueError, match="3-dimensional"):
        hd.jacobian_sparsity(lambda x: np.linalg.cross(x.reshape(-1, 2), x.reshape(-1, 2)))(x)


# --- numpy's appliers under detection: f's own function traced ------------------------------
def _times_its_sum(v: Any) -> Any:
    return v * np.sum(v)


def test_apply_along_axis() -> None:
    """v * sum(v) on each line of a (4, 3, 3) stack along each axis: the Jacobian of a
    line is diag(sum v) + v 1^T, no line reading another."""
    x = POINTS[0]
    for axis in (0, 1, -1):

        def f(x: Any, axis: int = axis) -> Any:
            return np.apply_along_axis(_times_its_sum, axis, _stack(x)).reshape(-1)

        want = np.zeros((x.size, x.size))
        index = np.arange(x.size).reshape(M, 3, 3)
        lines = np.moveaxis(index, axis, -1).reshape(-1, index.shape[axis])
        for line in lines:
            v = x[line]
            want[np.ix_(line, line)] = np.diag(np.full(v.size, v.sum())) + np.outer(
                v, np.ones(v.size)
            )
        got = hd.jacobian(f, sparsity="auto")(x).toarray()
        np.testing.assert_allclose(got, want, rtol=1e-14)
        np.testing.assert_array_equal(hd.jacobian_sparsity(f)(x).toarray(), want != 0)


def test_piecewise() -> None:
    """x^2 on the first two points, 7 from the fifth on, sin between: derivative 2x,
    0, cos x."""
    x = POINTS[0][:6]
    where = [np.arange(6) < 2, np.arange(6) > 4]

    def f(x: Any) -> Any:
        return np.piecewise(x, where, [lambda t: t**2, 7.0, lambda t: np.sin(t)])

    want = np.where(where[0], 2 * x, np.where(where[1], 0.0, np.cos(x)))
    np.testing.assert_allclose(hd.jacobian(f, sparsity="auto")(x).toarray(), np.diag(want))
    hess = hd.hessian(lambda x: np.sum(f(x)), sparsity="auto")(x).toarray()
    np.testing.assert_allclose(
        hess, np.diag(np.where(where[0], 2.0, np.where(where[1], 0, -np.sin(x))))
    )


@pytest.mark.parametrize("axis", [-1, -2, -3, (-1, 0), (-2, -1)])
def test_vector_norm_of_a_negative_axis(axis: Any) -> None:
    """The dense transforms' np.linalg.vector_norm along negative axes (a ValueError,
    'repeated axis', for an int one): grad of ||v|| is v / ||v||, per vector."""
    x = POINTS[0]

    def f(x: Any) -> Any:
        return np.sum(np.linalg.vector_norm(_stack(x), axis=axis))

    a = _stack(x)
    norms = np.sqrt(np.sum(a * a, axis=axis, keepdims=True))
    np.testing.assert_allclose(hd.grad(f)(x), (a / norms).reshape(-1), rtol=1e-14)
    np.testing.assert_allclose(hd.grad(f, sparsity="auto")(x), (a / norms).reshape(-1), rtol=1e-14)


@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid(indexing: str) -> None:
    """X^2 + Y^3 on the grid of x[:3] and x[3:7]: point (a, b) reads x_a and x_(3+b)."""
    x = POINTS[0][:7]

    def f(x: Any) -> Any:
        grid_x, grid_y = np.meshgrid(x[:3], x[3:7], indexing=indexing)
        return (grid_x**2 + grid_y**3).reshape(-1)

    grid_a, grid_b = np.meshgrid(np.arange(3), np.arange(4), indexing=indexing)
    a, b = grid_a.reshape(-1), grid_b.reshape(-1)
    want = np.zeros((a.size, 7))
    want[np.arange(a.size), a] = 2 * x[a]
    want[np.arange(a.size), 3 + b] = 3 * x[3 + b] ** 2
    np.testing.assert_allclose(hd.jacobian(f, sparsity="auto")(x).toarray(), want, rtol=1e-14)
    np.testing.assert_array_equal(hd.jacobian_sparsity(f)(x).toarray(), want != 0)


# --- fits and counts (the dense transforms took them; detection did not) ---------------------
T8 = np.linspace(0.0, 1.0, 8)
BINS = np.array([0, 1, 1, 2, 0, 2, 1, 0])


def test_polyfit_is_the_pseudo_inverse() -> None:
    """np.polyfit's coefficients are pinv(V) y: their Jacobian in y is pinv(V)."""
    y = POINTS[0][:8]
    got = hd.jacobian(lambda y: np.polyfit(T8, y, 2), sparsity="auto")(y).toarray()
    np.testing.assert_allclose(got, np.linalg.pinv(np.vander(T8, 3)), rtol=1e-12, atol=1e-14)


def test_bincount_of_weights() -> None:
    """Bin k sums the weights whose index is k: J[k, i] = 1 where BINS[i] == k, exact
    and exactly that pattern."""
    y = POINTS[0][:8]

    def f(y: Any) -> Any:
        return np.bincount(BINS, weights=y**2, minlength=4)

    want = np.zeros((4, 8))
    want[BINS, np.arange(8)] = 2 * y
    np.testing.assert_array_equal(hd.jacobian(f, sparsity="auto")(y).toarray(), want)
    np.testing.assert_array_equal(hd.jacobian_sparsity(f)(y).toarray(), want != 0)


def test_histogram_of_weights_and_roots() -> None:
    """np.histogram's weighted bins (a dense superset, the values exact) and np.roots
    (the companion matrix's eigenvalues, dense, at a point: globally its count of
    roots is unknown), against the dense transforms."""
    y = POINTS[0][:8]

    def hist(y: Any) -> Any:
        return np.histogram(T8, bins=3, weights=y**2)[0]

    want = np.zeros((3, 8))
    want[np.minimum((T8 * 3).astype(int), 2), np.arange(8)] = 2 * y
    np.testing.assert_allclose(hd.jacobian(hist, sparsity="auto")(y).toarray(), want)

    def roots(y: Any) -> Any:  # (how many: by the leading zeros' values, a point's)
        return np.sort(np.roots(y[:3]).real)

    for x in POINTS:
        want = np.asarray(hd.jacobian(roots)(x)) != 0
        assert not np.any(want & ~hd.jacobian_sparsity(roots, local=True)(x).toarray())
    with pytest.raises(TypeError, match=r"numpy\.roots"):
        hd.jacobian_sparsity(roots)(POINTS[0])
