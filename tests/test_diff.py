"""np.diff of dual arrays is numpy's own definition, subtract of the slices [1:] and
[:-1] n times, so its derivatives follow the subtract ufunc's chain rule (and a fused
graph: a stencil's np.diff(x) never computes x's planes apart). Checked against
closed forms, small and past the fusion's size, and against the slices written out
where values are inf or nan (the parts there are the subtract's, not each plane's own
difference)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import hyperdiff as hd


@pytest.mark.parametrize("size", [7, 40_000])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_diff_jacobian_in_closed_form(size: int, order: int) -> None:
    """np.diff(x**3, n=order): row i is sum_k (-1)^(order-k) C(order, k) x[i+k]^3, so
    J[i, i+k] = (-1)^(order-k) C(order, k) 3 x[i+k]^2 (the sparse transform past the
    fusion's size, the dense one below it); the value is numpy's diff of the cubes,
    bit for bit."""
    x = np.random.default_rng(size + order).uniform(0.5, 1.5, size)
    f = lambda y: np.diff(y**3, n=order)  # noqa: E731
    rows = size - order
    if size > 100:
        jac = hd.jacobian(f, sparsity="auto")(x)
        assert jac.shape == (rows, size) and jac.nnz == rows * (order + 1)
        diagonal = jac.diagonal
    else:
        dense = np.asarray(hd.jacobian(f)(x))
        assert dense.shape == (rows, size)
        assert np.count_nonzero(dense) == rows * (order + 1)
        diagonal = dense.diagonal
    i = np.arange(rows)
    for k in range(order + 1):
        coefficient = (-1) ** (order - k) * math.comb(order, k)
        np.testing.assert_allclose(diagonal(k), coefficient * 3 * x[i + k] ** 2, rtol=4e-15, atol=0)
    cube = hd.dual(x, 1.0) ** 3  # (its value numpy's x**3 to an ulp: pow's own rounding)
    np.testing.assert_array_equal(np.diff(cube, n=order).value, np.diff(cube.value, n=order))


@pytest.mark.parametrize("size", [9, 40_000])
def test_diff_hessian_of_an_energy(size: int) -> None:
    """sum(diff(x)^2) / 2 + sum(cos(x)): H = the path Laplacian (1, 2, ..., 2, 1 on the
    diagonal, -1 beside it) - diag(cos x), in closed form."""
    x = np.random.default_rng(size).uniform(-1, 1, size)

    def energy(y: np.ndarray) -> np.ndarray:
        return np.sum(0.5 * np.diff(y) ** 2) + np.sum(np.cos(y))

    h = hd.hessian(energy, sparsity="auto")(x)
    want = np.zeros(size)
    want[:-1] += 1.0
    want[1:] += 1.0
    got = h.toarray() if size < 100 else None
    if got is not None:
        expected = np.diag(want - np.cos(x)) - np.eye(size, k=1) - np.eye(size, k=-1)
        np.testing.assert_allclose(got, expected, rtol=4e-15, atol=1e-15)
    np.testing.assert_allclose(h.diagonal(), want - np.cos(x), rtol=4e-15, atol=1e-15)
    np.testing.assert_array_equal(h.diagonal(1), -np.ones(size - 1))
    np.testing.assert_array_equal(h.diagonal(-1), -np.ones(size - 1))
    assert h.nnz == 3 * size - 2


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("order", [1, 2])
def test_diff_is_subtract_of_the_slices_with_inf_and_nan(axis: int, order: int) -> None:
    """Every plane of np.diff equals the slices' difference written out (numpy's own
    definition of diff), with inf, nan and -0 among the values and the parts: where
    inf - inf gives nan, the parts are the subtract's nan too."""
    rng = np.random.default_rng(order)
    value = rng.uniform(-2, 2, (5, 6))
    value[1, 2] = value[1, 3] = np.inf
    value[3, 1] = np.nan
    value[0, 4] = -0.0
    parts = rng.uniform(-2, 2, (3, 5, 6))
    parts[0, 2, 2] = -0.0
    parts[1, 4, 5] = np.inf
    a = hd.dualvec(value, parts)
    got = np.diff(a, n=order, axis=axis)
    want = a
    upper = [slice(None)] * 2
    lower = [slice(None)] * 2
    upper[axis], lower[axis] = slice(1, None), slice(None, -1)
    for _ in range(order):
        want = want[tuple(upper)] - want[tuple(lower)]
    assert type(got) is type(want) and got.shape == want.shape
    got_planes, want_planes = got._stack, want._stack
    assert np.array_equal(got_planes, want_planes, equal_nan=True)
    assert np.array_equal(np.signbit(got_planes), np.signbit(want_planes))
    assert np.isnan(got.value).any() and np.isnan(got._stack[1:]).any()


def test_diff_arguments_as_numpy() -> None:
    x = hd.dual(np.array([1.0, 4.0, 9.0]), 1.0)
    assert np.diff(x, n=0) is x
    with pytest.raises(ValueError, match="non-negative"):
        np.diff(x, n=-1)
    with pytest.raises(ValueError, match="at least one dimensional"):
        np.diff(x[0])
    got = np.diff(x, prepend=0.0, append=np.float32(10.0))
    np.testing.assert_array_equal(got.value, np.diff(x.value, prepend=0.0, append=10.0))
    np.testing.assert_array_equal(got._stack[1], [1.0, 0.0, 0.0, -1.0])
    assert np.diff(x[:1]).shape == (0,) and np.diff(x[:0]).shape == (0,)
    x32 = hd.dual(np.ones(3, np.float32), 1.0)
    assert np.diff(x32).dtype == np.float32 and np.diff(x32, prepend=0.0).dtype == np.float64
