"""Object arrays of dual scalars (np.array of dual scalars, lists mixing them with
numbers) meeting dual arrays: lifted to one dual array of their kind, the numbers
constants. References are closed forms."""

from __future__ import annotations

import numpy as np
import pytest

import hyperdiff as hd

X = np.array([1.0, 2.0, 3.0])


def test_concatenate_with_a_list_of_dual_scalars() -> None:
    x = hd.dual(X, 1.0)
    got = np.concatenate([x, [np.prod(x), np.mean(x)]])
    # d prod = x1 x2 + x0 x2 + x0 x1 = 11, d mean = 1 along (1, 1, 1)
    np.testing.assert_array_equal(got.value, [1, 2, 3, 6, 2])
    np.testing.assert_array_equal(got.d, [1, 1, 1, 11, 1])


def test_matmul_of_an_object_array_by_a_dual_matrix() -> None:
    x = hd.dual(X, 1.0)
    w = hd.dual(np.arange(6.0).reshape(3, 2), 1.0)
    got = np.array(list(map(np.sin, x))) @ w
    # d (sin(x) @ W) = cos(x) @ W + sin(x) @ 1
    np.testing.assert_allclose(got.value, np.sin(X) @ np.arange(6.0).reshape(3, 2), rtol=1e-15)
    np.testing.assert_allclose(
        got.d, np.cos(X) @ np.arange(6.0).reshape(3, 2) + np.sin(X) @ np.ones((3, 2)), rtol=1e-15
    )


def test_numbers_in_the_object_array_are_constants() -> None:
    x = hd.dual(X, np.array([1.0, 10.0, 100.0]))
    mixed = np.array([x[0], 2.0, x[2]], dtype=object)
    got = mixed * x  # (x0, 2, x2) * x
    np.testing.assert_array_equal(got.value, [1, 4, 9])
    np.testing.assert_array_equal(got.d, [2 * 1 * 1, 2 * 10, 2 * 3 * 100])
    got = x - mixed
    np.testing.assert_array_equal(got.d, [0, 10, 0])


def test_float32_dual_scalars_stay_float32() -> None:
    x = hd.dual(X.astype(np.float32), 1.0)
    got = np.array([x[0], 0.5], dtype=object) + x[:2]
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.d, np.array([2, 1], dtype=np.float32))


def test_gradient_through_an_array_built_from_dual_scalars() -> None:
    # f(v) = sum((v0 v1, v2) * (v0, v1)) = v0^2 v1 + v1 v2
    def f(v: np.ndarray) -> object:
        return np.sum(np.array([v[0] * v[1], v[2]]) * v[:2])

    got = hd.grad(f)(X)
    np.testing.assert_allclose(got, [2 * 1 * 2, 1 + 3, 2], rtol=1e-15)
    got = hd.hessian(f)(X)
    np.testing.assert_allclose(got, [[4, 2, 0], [2, 0, 1], [0, 1, 0]], rtol=1e-15)


def test_an_object_array_of_numbers_is_a_plain_array() -> None:
    x = hd.dual(X, 1.0)
    got = np.array([1.0, 2, 3.5], dtype=object) * x
    np.testing.assert_array_equal(got.value, [1, 4, 10.5])
    np.testing.assert_array_equal(got.d, [1, 2, 3.5])


def test_kinds_that_do_not_mix_raise() -> None:
    x = hd.dual(X, 1.0)
    h = hd.hyperdual(1.0, 1.0, 1.0)
    with pytest.raises(TypeError, match="cannot combine"):
        np.array([x[0], h], dtype=object) + x[:2]
    with pytest.raises(TypeError, match="cannot combine"):
        np.concatenate([x, [h]])


def test_object_arrays_of_other_things_raise() -> None:
    x = hd.dual(X, 1.0)
    with pytest.raises(TypeError, match="not dual scalars"):
        np.array(["a", "b", "c"], dtype=object) + x
    with pytest.raises(TypeError, match="not dual scalars"):
        np.array([x[0], None], dtype=object) * x[:2]
    rows = np.empty(2, dtype=object)
    rows[0], rows[1] = x, x  # dual arrays, not scalars
    with pytest.raises(TypeError, match="not dual scalars"):
        rows + x[0]


def test_assigning_an_object_array_of_dual_scalars() -> None:
    x = hd.dual(np.zeros(4), 0.0)
    y = hd.dual(X, np.array([1.0, 10.0, 100.0]))
    x[1:] = np.array([y[2], 5.0, y[0]], dtype=object)
    np.testing.assert_array_equal(x.value, [0, 3, 5, 1])
    np.testing.assert_array_equal(x.d, [0, 100, 0, 1])
    x[:2] = [y[1], 7.0]  # a list holding dual scalars
    np.testing.assert_array_equal(x.d, [10, 0, 0, 1])


def test_hyperdiff_linalg_lifts_object_arrays_of_dual_scalars() -> None:
    # M(t) = [[t, 1], [2, t]] from a dual scalar: det = t^2 - 2, d det = 2t; d M = I, so
    # d inv = -inv^2 and d solve(M, b) = -inv @ x
    t = hd.dual(np.array(0.5), 1.0)
    m = np.array([[t, 1.0], [2.0, t]])
    assert m.dtype == object
    values = np.array([[0.5, 1.0], [2.0, 0.5]])
    inverse = np.linalg.inv(values)
    det = hd.linalg.det(m)
    assert (det.value, det.d) == (0.25 - 2, 1.0)
    np.testing.assert_allclose(hd.linalg.inv(m).d, -inverse @ inverse, rtol=1e-15)
    x = hd.linalg.solve(m, np.array([1.0, 0.0]))
    np.testing.assert_allclose(x.d, -inverse @ x.value, rtol=1e-15)


SQUARE_FUNCTIONS = ["cholesky", "det", "eigvalsh", "expm", "inv", "logm", "sqrtm", "norm"]
SQUARE_FUNCTIONS += ["pinv", "slogdet", "svd", "qr", "eig", "eigh", "cho_factor", "lu_factor"]


@pytest.mark.parametrize("name", SQUARE_FUNCTIONS)
def test_every_square_function_takes_the_object_array_as_its_dual_array(name: str) -> None:
    """hyperdiff.linalg's functions called directly on an object array of dual scalars
    (where numpy and scipy refuse object arrays) give what they give for the same matrix
    as one dual array: the lifting alone is under test (the dual path has references)."""
    values = np.array([[4.0, 1.0, 0.5], [1.0, 5.0, 1.0], [0.5, 1.0, 6.0]])
    parts = np.array([[1.0, 0.5, 0.0], [0.5, 2.0, 0.1], [0.0, 0.1, 3.0]])
    dual = hd.dual(values, parts)
    objects = np.empty((3, 3), dtype=object)
    for i in range(3):
        for j in range(3):
            objects[i, j] = dual[i, j]
    function = getattr(hd.linalg, name)
    got, want = function(objects), function(dual)
    several = isinstance(want, tuple)
    for g, w in zip(got if several else (got,), want if several else (want,), strict=True):
        assert type(g) is type(w)
        if isinstance(w, hd.DualArray):
            np.testing.assert_array_equal(g._stack, w._stack)
        else:
            np.testing.assert_array_equal(g, w)
