"""Elementwise operations on views whose planes have gaps (v[1:-1, 1:-1] of a padded
grid, large enough that the kernels run over the gaps instead of copying: _ufuncs'
run_layout). References: numpy on each plane (linear operations round alike, so
exactly), the chain rule written out (sin, power); the results keep the gaps' layout
and behave as any array (reshape, in-place writes), the inputs are unchanged."""

from __future__ import annotations

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _ufuncs

M = 70  # a 68 x 68 interior: 4624 elements a plane, past _ufuncs._RUN_MIN


@pytest.fixture
def grid() -> tuple[np.ndarray, hd.DualArray]:
    rng = np.random.default_rng(3)
    data = rng.uniform(0.5, 1.5, (3, M, M))  # value and two directions
    return data, hd.dualvec(data[0], data[1:])


def interior(v: hd.DualArray, rows: slice, cols: slice) -> hd.DualArray:
    view = v[rows, cols]
    assert _ufuncs.run_layout(view._stack) is not None  # the case under test
    return view


def test_linear_operations_are_numpy_on_the_planes(grid):
    data, v = grid
    before = data.copy()
    c = interior(v, slice(1, -1), slice(1, -1))
    up, left = (
        interior(v, slice(None, -2), slice(1, -1)),
        interior(v, slice(1, -1), slice(None, -2)),
    )
    r = 4.0 * c - up - left + c
    want = 4.0 * data[:, 1:-1, 1:-1] - data[:, :-2, 1:-1] - data[:, 1:-1, :-2] + data[:, 1:-1, 1:-1]
    np.testing.assert_array_equal(np.concatenate([r.value[None], r.grad]), want)
    np.testing.assert_array_equal(r.reshape(-1).grad, want[1:].reshape(2, -1))
    np.testing.assert_array_equal(np.concatenate([v.value[None], v.grad]), before)


def test_nonlinear_operations_follow_the_chain_rule(grid):
    data, v = grid
    c = interior(v, slice(1, -1), slice(1, -1))
    x, dx = data[0, 1:-1, 1:-1], data[1:, 1:-1, 1:-1]
    s = np.sin(c)
    np.testing.assert_allclose(s.value, np.sin(x), rtol=1e-15)
    np.testing.assert_allclose(s.grad, np.cos(x) * dx, rtol=1e-14)
    cube = c**3
    np.testing.assert_allclose(cube.value, x**3, rtol=1e-15)
    np.testing.assert_allclose(cube.grad, 3 * x**2 * dx, rtol=1e-14)
    product = s * cube  # two results in the gaps' layout
    np.testing.assert_allclose(
        product.grad, (np.cos(x) * x**3 + 3 * np.sin(x) * x**2) * dx, rtol=1e-14
    )


def test_results_in_place_and_mixed_with_contiguous_arrays(grid):
    data, v = grid
    c = interior(v, slice(1, -1), slice(1, -1))
    r = 2.0 * c
    r += 1.0
    r -= v[:-2, :-2].copy()  # a contiguous operand: copied, as before
    want = 2.0 * data[:, 1:-1, 1:-1]
    want[0] += 1.0
    want -= data[:, :-2, :-2]
    np.testing.assert_array_equal(np.concatenate([r.value[None], r.grad]), want)


@pytest.mark.parametrize("n", [M - 2, 200])
def test_jacobian_of_a_stencil_on_a_padded_grid(n):
    """A 5-point Laplacian plus u^3 on an n x n interior (zero outside): its Jacobian's
    closed form. Rows of 68 are gathered block by block, rows of 200 read where they are
    (fusion.hpp's kDirectRun)."""

    def residual(u):
        v = np.pad(u.reshape(n, n), 1)
        c = v[1:-1, 1:-1]
        return (4.0 * c - v[:-2, 1:-1] - v[2:, 1:-1] - v[1:-1, :-2] - v[1:-1, 2:] + c**3).ravel()

    import scipy.sparse as sp

    u = np.random.default_rng(4).uniform(-1, 1, n * n)
    one = sp.eye_array(n)
    shift = sp.eye_array(n, k=1) + sp.eye_array(n, k=-1)
    want = 4 * sp.eye_array(n * n) - sp.kron(one, shift) - sp.kron(shift, one)
    want = (want + sp.diags_array(3 * u**2)).tocsr()
    got = hd.jacobian(residual, sparsity="auto")(u)
    want.sort_indices()
    np.testing.assert_array_equal(got.indptr, want.indptr)
    np.testing.assert_array_equal(got.indices, want.indices)
    np.testing.assert_allclose(got.data, want.data, rtol=1e-15, atol=0)


@pytest.mark.parametrize(
    "widths",
    [1, ((1, 0), (0, 2)), ((0, 0), (3, 1)), {0: (2, 2)}, ((2, 1), (1, 2), (0, 1))],
    ids=["1", "1-0-0-2", "0-0-3-1", "dict", "3-d"],
)
def test_constant_pad_writes_zero_parts_into_every_margin(widths):
    """np.pad(mode='constant') of a dual array writes its parts' zeros into each axis's
    two margins and the array's own parts inside (_shapes._pad), nothing else: in a
    memory scope whose cache hands it a block that held nan (blocks of 256 KiB and
    more are reused as they were left), every plane against numpy's pad of it."""
    shape = (3, 40, 30) if isinstance(widths, tuple) and len(widths) == 3 else (120, 110)
    rng = np.random.default_rng(5)
    planes = rng.uniform(-1, 1, (4, *shape))
    x = hd.dualvec(planes[0], list(planes[1:]))
    want = np.stack([np.pad(p, widths) for p in planes])
    with hd.reuse_memory():
        dirty = np.full(want.shape, np.nan)
        del dirty  # (its block, cached, is the pad's next one of this size)
        got = np.pad(x, widths)
        np.testing.assert_array_equal(np.concatenate([got.value[None], got.grad]), want)
