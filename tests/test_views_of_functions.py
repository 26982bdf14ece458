"""numpy functions that answer with a view of their argument: a later write into the
argument shows through the view. hyperdiff's np.diag of a matrix was a copy (the
dense transforms read the diagonal as it was before the write, and sparsity
detection missed the written dependency: a silently wrong sparse Jacobian with
check_sparsity=False).

The family: every function sparsity detection moves elements by (_MOVES) that numpy
answers with a view of its first argument is one detection treats as a view (_VIEWS:
used after a write into its base, it raises), and the dense transforms read such a
view after a write as numpy does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _sparsity

# a call of each function of _MOVES on a 3 x 4 matrix (or its 12 elements)
CALLS: dict[Any, Callable[[Any], Any]] = {
    np.reshape: lambda a: np.reshape(a, (4, 3)),
    np.ravel: np.ravel,
    np.transpose: np.transpose,
    np.moveaxis: lambda a: np.moveaxis(a, 0, 1),
    np.swapaxes: lambda a: np.swapaxes(a, 0, 1),
    np.rollaxis: lambda a: np.rollaxis(a, 1),
    np.squeeze: lambda a: np.squeeze(a[None]),
    np.expand_dims: lambda a: np.expand_dims(a, 0),
    np.broadcast_to: lambda a: np.broadcast_to(a, (2, 3, 4)),
    np.atleast_1d: np.atleast_1d,
    np.atleast_2d: np.atleast_2d,
    np.atleast_3d: np.atleast_3d,
    np.flip: np.flip,
    np.fliplr: np.fliplr,
    np.flipud: np.flipud,
    np.rot90: np.rot90,
    np.roll: lambda a: np.roll(a, 1),
    np.concatenate: lambda a: np.concatenate([a, a]),
    np.stack: lambda a: np.stack([a, a]),
    np.hstack: lambda a: np.hstack([a, a]),
    np.vstack: lambda a: np.vstack([a, a]),
    np.dstack: lambda a: np.dstack([a, a]),
    np.column_stack: lambda a: np.column_stack([a, a]),
    np.tile: lambda a: np.tile(a, 2),
    np.repeat: lambda a: np.repeat(a, 2),
    np.take: lambda a: np.take(a, [0, 2]),
    np.take_along_axis: lambda a: np.take_along_axis(a, np.zeros((3, 1), int), 1),
    np.diag: np.diag,
    np.diagonal: np.diagonal,
    np.diagflat: np.diagflat,
    np.triu: np.triu,
    np.tril: np.tril,
    np.copy: np.copy,
    np.append: lambda a: np.append(a, a),
    np.delete: lambda a: np.delete(a, 0, axis=0),
    np.insert: lambda a: np.insert(a, 0, 1.0, axis=0),
    np.split: lambda a: np.split(a, 3)[0],
    np.array_split: lambda a: np.array_split(a, 3)[0],
    np.hsplit: lambda a: np.hsplit(a, 2)[0],
    np.vsplit: lambda a: np.vsplit(a, 3)[0],
    np.block: lambda a: np.block([a, a]),
    np.where: lambda a: np.where(True, a, 0.0),
    np.pad: lambda a: np.pad(a, 1),
    np.asarray: np.asarray,
    np.array: np.array,
    np.zeros_like: np.zeros_like,
    np.ones_like: np.ones_like,
    np.empty_like: np.empty_like,
    np.full_like: lambda a: np.full_like(a, 2.0),
    np.asanyarray: np.asanyarray,
    np.ascontiguousarray: np.ascontiguousarray,
    np.broadcast_arrays: lambda a: np.broadcast_arrays(a, a)[0],
    np.fft.fftshift: np.fft.fftshift,
    np.fft.ifftshift: np.fft.ifftshift,
    np.resize: lambda a: np.resize(a, (2, 6)),
    np.compress: lambda a: np.compress([True, False, True], a, axis=0),
    np.extract: lambda a: np.extract(a > 5, a),
}
if hasattr(np, "matrix_transpose"):
    CALLS[np.matrix_transpose] = np.matrix_transpose


def test_every_move_is_called() -> None:
    assert set(CALLS) == set(_sparsity._MOVES)


@pytest.mark.parametrize("func", list(CALLS), ids=lambda f: f.__name__)
def test_detection_treats_numpys_views_as_views(func: Any) -> None:
    a = np.arange(12.0).reshape(3, 4)
    if np.shares_memory(CALLS[func](a), a):
        assert func in _sparsity._VIEWS


def _diagonal_after_a_write(x: Any) -> Any:
    y = x * 1.0
    d = np.diag(y.reshape(3, 4))
    y[5] = x[0] ** 2  # the diagonal's second element (numpy's view shows it)
    return d * 1.0


X = np.linspace(0.3, 1.4, 12)


def test_a_matrix_diagonal_sees_a_later_write() -> None:
    want = np.zeros((3, 12))
    want[0, 0], want[1, 0], want[2, 10] = 1.0, 2 * X[0], 1.0
    np.testing.assert_array_equal(_diagonal_after_a_write(X), [X[0], X[0] ** 2, X[10]])
    np.testing.assert_allclose(hd.jacobian(_diagonal_after_a_write)(X), want, rtol=1e-15)
    with pytest.raises(ValueError, match="read-only"):  # (numpy's diagonal: read-only)
        hd.jacobian(lambda x: np.diag(x.reshape(3, 4)).__setitem__(0, 1.0))(X)


@pytest.mark.parametrize("check", [True, False])
def test_detection_refuses_a_diagonal_read_after_a_write(check: bool) -> None:
    with pytest.raises(TypeError, match="used after a write"):
        hd.jacobian(_diagonal_after_a_write, sparsity="auto", check_sparsity=check)(X)


def test_a_vector_diagonal_is_a_new_matrix() -> None:
    """np.diag of a vector is a copy: a later write into the vector does not show."""

    def f(x: Any) -> Any:
        y = x[:3] * 1.0
        d = np.diag(y)
        y[0] = 0.0
        return d.ravel()

    want = np.zeros((9, 12))
    want[[0, 4, 8], [0, 1, 2]] = 1.0
    np.testing.assert_array_equal(hd.jacobian(f, sparsity="auto")(X).toarray(), want)
    np.testing.assert_array_equal(hd.jacobian(f)(X), want)


# np.asarray and its kin are not dispatched (numpy calls __array__): a dual array gives
# an object array of dual scalars, a copy (README)
NOT_DISPATCHED = {np.asarray, np.asanyarray, np.ascontiguousarray, np.array}


@pytest.mark.parametrize("func", list(CALLS), ids=lambda f: f.__name__)
def test_dual_arrays_view_where_numpy_does(func: Any) -> None:
    a = np.arange(12.0).reshape(3, 4)
    if func in NOT_DISPATCHED or not np.shares_memory(CALLS[func](a), a):
        return
    dual = hd.dual(a, np.ones_like(a))
    assert np.shares_memory(CALLS[func](dual)._stack, dual._stack)


def test_flat_in_detection() -> None:
    """x.flat reads and writes (detection had no flat: an AttributeError)."""

    def f(x: Any) -> Any:
        y = x.reshape(2, 3) * 1.0
        y.flat[[0, 4]] = x[5] ** 2
        return np.array([v**2 for v in y.flat])

    x = np.linspace(0.3, 1.4, 6)
    want = np.zeros((6, 6))
    want[[0, 4], 5] = 4 * x[5] ** 3
    want[[1, 2, 3], [1, 2, 3]] = 2 * x[1:4]
    want[5, 5] = 2 * x[5]
    np.testing.assert_allclose(hd.jacobian(f, sparsity="auto")(x).toarray(), want, rtol=1e-15)
    np.testing.assert_array_equal(hd.jacobian_sparsity(f)(x).toarray(), want != 0)
