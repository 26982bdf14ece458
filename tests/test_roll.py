"""np.roll of dual arrays is numpy's own construction, the slices [-s:] and [:-s]
joined along each axis, so a pending graph or colored seed goes straight into the
result (a periodic stencil's sparse Jacobian). Checked plane by plane against numpy's
roll of each plane (shifts summed per axis, negative and past the length, tuple axes,
the flattened roll), a fresh array when nothing moves, numpy's errors, and a periodic
stencil's Jacobian in closed form past the fusion's size."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd


def rolled_planes(a: Any, shift: Any, axis: Any) -> np.ndarray:
    """numpy's roll of each plane of a (the reference: np.roll of plain arrays)."""
    return np.stack([np.roll(plane, shift, axis=axis) for plane in a._stack])


CASES = [
    ((7,), 3, None),
    ((7,), -9, None),
    ((7,), 0, None),
    ((7,), 7, 0),
    ((4, 5), 2, None),
    ((4, 5), -1, 0),
    ((4, 5), 6, 1),
    ((4, 5), (1, 2), (0, 1)),
    ((4, 5), (1, 2, -4), (1, 1, 0)),  # (shifts of one axis add up)
    ((4, 5), [3], [-1]),
    ((2, 3, 4), (-1, 5), (2, 0)),
    ((0, 3), 2, 0),
    ((3, 0), 1, 1),
]


@pytest.mark.parametrize(("shape", "shift", "axis"), CASES)
def test_roll_moves_every_plane_as_numpy(shape: tuple[int, ...], shift: Any, axis: Any) -> None:
    rng = np.random.default_rng(len(shape))
    a = hd.dualvec(rng.normal(size=shape), rng.normal(size=(3, *shape)))
    got = np.roll(a, shift, axis=axis)
    assert type(got) is type(a) and got.shape == a.shape
    assert np.array_equal(got._stack, rolled_planes(a, shift, axis))
    # a new array, as numpy's, even when nothing moves
    before = a._stack.copy()
    got._stack[...] = 0.0
    assert np.array_equal(a._stack, before)


def test_roll_errors_as_numpy() -> None:
    a = hd.dual(np.arange(6.0).reshape(2, 3), 1.0)
    with pytest.raises(ValueError, match="1D sequences"):
        np.roll(a, [[1]], axis=[[0]])
    with pytest.raises(ValueError):
        np.roll(a, (1, 2, 3), axis=(0, 1))  # (shapes that do not broadcast)
    with pytest.raises(TypeError):
        np.roll(a, 1.5, axis=0)
    with pytest.raises(np.exceptions.AxisError):
        np.roll(a, 1, axis=2)


@pytest.mark.parametrize("size", [11, 40_000])
def test_periodic_stencil_jacobian_in_closed_form(size: int) -> None:
    """r = roll(u, 1) - 2 u + roll(u, -1) + u^3 / 3: J = the periodic path Laplacian
    plus diag(u^2), its corners included (the sparse transform past the fusion's
    size, the dense one below it); the value numpy's, bit for bit."""
    u = np.random.default_rng(size).uniform(-1, 1, size)

    def residual(v: Any) -> Any:
        return np.roll(v, 1) - 2.0 * v + np.roll(v, -1) + v**3 / 3.0

    if size > 100:
        jac = hd.jacobian(residual, sparsity="auto")(u)
        assert jac.nnz == 3 * size
        np.testing.assert_allclose(jac.diagonal(), -2.0 + u**2, rtol=4e-16, atol=4e-16)
        for k in (1, -1, size - 1, 1 - size):
            assert np.all(jac.diagonal(k) == 1.0)
    else:
        dense = np.asarray(hd.jacobian(residual)(u))
        want = np.diag(-2.0 + u**2) + np.eye(size, k=1) + np.eye(size, k=-1)
        want[0, -1] = want[-1, 0] = 1.0
        np.testing.assert_allclose(dense, want, rtol=4e-16, atol=4e-16)
    value = residual(hd.dual(u, 1.0)).value
    cube = (hd.dual(u, 1.0) ** 3).value  # (numpy's u**3 to an ulp: pow's own rounding)
    np.testing.assert_array_equal(value, np.roll(u, 1) - 2.0 * u + np.roll(u, -1) + cube / 3.0)
