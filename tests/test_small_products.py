"""Products of small dual matrices and vectors in one C++ call (_core.small_matrix_product),
and a small product's record of its zero planes (_core.matrix_product_parts with record:
fusion.hpp's zero_planes), read by the next product and by norm's dot instead of a scan.

The record may change no bit: each product and dot is checked against the product rule
written out with numpy plane by plane, and bit for bit against the same kernel on a copy
that has no record. And it must not outlive what it describes: a write through the
planes (setitem, an in-place operator, `_stack`) or the array's end drops it, which the
products after such a write show against the reference."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _core
from hyperdiff._algebra import _pair_table, layout
from hyperdiff.linalg import _dot_with_itself

RNG = np.random.default_rng(20261204)
CLS = hd.hyperdualvec_type(10)  # 66 planes: past the kernel's record threshold (64)
SHAPE = (CLS._planes, 4, 4)
DTYPES = [np.float64, np.float32, np.complex128, np.complex64]


def seed(directions: range, dtype: Any = np.float64) -> np.ndarray:
    """Planes of a Hessian's seed matrix: a random value, direction d a unit at entry
    3 i of its i-th plane, every other plane zero."""
    planes = np.zeros(SHAPE, dtype=dtype)
    planes[0] = RNG.standard_normal(SHAPE[1:])
    for i, d in enumerate(directions):
        planes[1 + d].flat[3 * i] = 1.0
    return planes


def reference_product(x: np.ndarray, y: np.ndarray, cls: Any = CLS) -> np.ndarray:
    """x @ y in the algebra of cls, numpy's matmul plane by plane (the product rule)."""
    first, pairs = layout(cls)
    out = [x[0] @ y[0]] + [x[k] @ y[0] + x[0] @ y[k] for k in range(1, len(x))]
    for q, (a, b) in enumerate(pairs.tolist()):
        out[1 + first + q] = out[1 + first + q] + (x[1 + a] @ y[1 + b] + x[1 + b] @ y[1 + a])
    return np.stack(out)


def reference_self_dot(x: np.ndarray) -> np.ndarray:
    """x . x (x read as one vector) in the algebra of CLS, plane by plane."""
    first, pairs = layout(CLS)
    v = x.reshape(len(x), -1)
    out = [v[0] @ v[0]] + [2 * (v[0] @ v[k]) for k in range(1, len(v))]
    for q, (a, b) in enumerate(pairs.tolist()):
        out[1 + first + q] = out[1 + first + q] + 2 * (v[1 + a] @ v[1 + b])
    return np.array(out)


def unrecorded_product(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The kernel on copies (no record: every plane scanned)."""
    first, table = _pair_table(CLS)
    x, y = x.copy(), y.copy()
    out = np.empty(SHAPE, dtype=x.dtype)
    out[0] = x[0] @ y[0]
    assert not _core.matrix_product_parts(out, x, y, first, table)
    return out


def close(got: np.ndarray, want: np.ndarray) -> None:
    eps = np.finfo(got.dtype).eps
    np.testing.assert_allclose(got, want, rtol=0, atol=16 * eps * max(np.abs(want).max(), 1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_products_and_norm_through_records_change_no_bit(dtype: Any) -> None:
    """T6's chain on a HyperDualVec(10) of 4 x 4 matrices (X: directions 0-4, Y: 5-9):
    X X, then (X X) Y and (X X) X reading X X's record, then the dot of (X X) Y with
    itself reading its record (real dtypes: complex norms take another path)."""
    x, y = seed(range(5), dtype), seed(range(5, 10), dtype)
    dense = RNG.standard_normal(SHAPE).astype(dtype)
    xs, ys = CLS._wrap(x.copy()), CLS._wrap(y.copy())
    xx = xs @ xs
    zero = ~reference_product(x, x).reshape(len(x), -1).any(axis=1)
    assert zero.sum() > 20  # (planes the record holds)
    for got, want in (
        (xx._read, reference_product(x, x)),
        ((xx @ ys)._read, reference_product(xx._read, y)),
        ((xx @ xs)._read, reference_product(xx._read, x)),
        ((xs @ xx)._read, reference_product(x, xx._read)),
        ((xx @ xx)._read, reference_product(xx._read, xx._read)),
        # every plane of the left factor nonzero, the right one's unit planes: pair terms
        # x_a y_b added to planes whose own terms x_k y0 + x0 y_k were written first
        ((CLS._wrap(dense.copy()) @ ys)._read, reference_product(dense, y)),
    ):
        close(got, want)
        assert not np.signbit(got[zero & ~want.reshape(len(x), -1).any(axis=1)].real).any()
    z = xx @ ys
    np.testing.assert_array_equal(z._read, unrecorded_product(xx._read, y))
    np.testing.assert_array_equal((z @ xx)._read, unrecorded_product(z._read, xx._read))
    if np.dtype(dtype).kind == "f":
        planes = z._read.copy()
        dot = _dot_with_itself(z)._read
        close(dot, reference_self_dot(planes))
        first, table = _pair_table(CLS)
        plain = np.empty(len(planes), dtype=dtype)
        assert _core.self_dot_parts(plain, planes.reshape(len(planes), -1), first, table)
        np.testing.assert_array_equal(dot[1:], plain[1:])
        zero_dot = reference_self_dot(planes) == 0
        assert zero_dot.sum() >= 5 and not np.signbit(dot[zero_dot]).any()


def test_a_dot_against_an_infinite_value_computes_the_zero_planes() -> None:
    """The dot's zero planes are +0 only against a finite x0: a product of finite
    matrices whose value overflows is recorded, and its dot with itself then has nan
    (0 inf) where the record says zero, as numpy's rule gives."""
    x = seed(range(5))
    x[0] *= 1e160  # (x x's value: 1e320 overflows)
    with np.errstate(over="ignore"):
        xx = CLS._wrap(x.copy()) @ CLS._wrap(x.copy())
    planes = xx._read.copy()
    assert np.isinf(planes[0]).any() and (~planes.reshape(len(planes), -1).any(axis=1)).sum() > 20
    with np.errstate(invalid="ignore", over="ignore"):
        got = _dot_with_itself(xx)._read
        want = reference_self_dot(planes)
    assert np.isnan(want[1:]).sum() > 20
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))


def written(how: str, xx: Any, ys: Any) -> Any:
    """xx with entry (1, 2) given parts in planes its record holds as zero (directions 5
    and 6 and their pair), written as `how` says."""
    term = ys[0, 0] * ys[0, 3]
    if how == "setitem":
        xx[1, 2] = xx[1, 2] + term
    elif how == "inplace":
        bump = CLS._wrap(np.zeros_like(xx._read))
        bump[1, 2] = term
        xx += bump
    elif how == "stack":
        xx._stack[:, 1, 2] += term._stack
    else:  # a view's planes written: its base's record goes too
        view = xx.reshape(16)
        view[6] = view[6] + term
    return xx


@pytest.mark.parametrize("how", ["setitem", "inplace", "stack", "view"])
def test_a_write_drops_the_record(how: str) -> None:
    """After X X's planes are written where its record says zero, its products and its
    norm's dot see the new planes (a record kept past the write would skip them)."""
    x, y = seed(range(5)), seed(range(5, 10))
    xs, ys = CLS._wrap(x.copy()), CLS._wrap(y.copy())
    xx = written(how, xs @ xs, ys)
    planes = xx._read.copy()
    hit = [1 + 5, 1 + 6]  # the term's first-order planes
    assert np.all(planes[hit, 1, 2] != 0)
    for got, want in (
        ((xx @ ys)._read, reference_product(planes, y)),
        ((ys @ xx)._read, reference_product(y, planes)),
        (_dot_with_itself(xx)._read, reference_self_dot(planes)),
    ):
        close(got, want)


def test_a_record_leaves_with_its_array() -> None:
    """A freed output's record must not pass to the next array at its address: arrays
    made right after the free (CPython hands the address back) with every plane nonzero,
    multiplied against the reference."""
    x, y = seed(range(5)), seed(range(5, 10))
    xs = CLS._wrap(x.copy())
    first, table = _pair_table(CLS)
    reused = 0
    for _ in range(20):
        xx = xs @ xs
        address = id(xx._read)
        del xx
        gc.collect()
        full = np.empty(SHAPE)
        if id(full) != address:
            continue
        reused += 1
        full[...] = RNG.standard_normal(SHAPE)
        out = np.empty(SHAPE)
        out[0] = full[0] @ y[0]
        assert not _core.matrix_product_parts(out, full, y, first, table)
        close(out, reference_product(full, y))
    assert reused > 0  # (else nothing here was checked)


def test_the_record_is_only_made_when_asked() -> None:
    """Without record, out is the caller's array: a later write to it by the caller (no
    `_stack` involved) must be seen by the next product."""
    x, y = seed(range(5)), seed(range(5, 10))
    first, table = _pair_table(CLS)
    xx = np.empty(SHAPE)
    xx[0] = x[0] @ x[0]
    assert not _core.matrix_product_parts(xx, x, x, first, table)
    xx[1 + 7, 0, 0] = 2.0  # a plane the product wrote as zeros
    out = np.empty(SHAPE)
    out[0] = xx[0] @ y[0]
    assert not _core.matrix_product_parts(out, xx, y, first, table)
    close(out, reference_product(xx, y))


def test_the_small_product_takes_what_the_kernel_takes() -> None:
    """_core.small_matrix_product: the value numpy's matmul bit for bit, the parts the
    product rule's; None (the caller's general path) for operands it does not take."""
    first, table = _pair_table(CLS)
    x, y = seed(range(5)), seed(range(5, 10))
    planes = _core.small_matrix_product(x, y, first, table)
    assert planes is not None
    np.testing.assert_array_equal(planes[0], np.matmul(x[0], y[0]))
    close(planes, reference_product(x, y))
    wide = np.zeros((CLS._planes, 4, 9))
    taken = [
        (x, y.astype(np.float32)),  # dtypes differ
        (x, y.transpose(0, 2, 1)),  # not C order
        (x, y[..., :1]),  # p = 1 (a matrix-vector product: BLAS)
        (x, wide),  # p = 9 > 8
        (x[:, :3], y),  # rows cut: its planes not C order
        (x.tolist(), y),  # not an array
        (x[:5], y[:5]),  # planes other than the layout's
    ]
    for a, b in taken[:-1]:
        assert _core.small_matrix_product(a, b, first, table) is None
    with pytest.raises(ValueError, match="1 \\+ first \\+ q"):
        _core.small_matrix_product(*taken[-1], first, table)
    infinite = x.copy()
    infinite[3, 0, 0] = np.inf
    assert _core.small_matrix_product(infinite, y, first, table) is None  # (strong zeros)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "cls",
    [hd.Dual, hd.HyperDual, hd.dualvec_type(3), hd.hyperdualvec_type(3), hd.hyperdualvec_type(10)],
    ids=lambda c: c.__name__,
)
@pytest.mark.parametrize(
    "shapes", [((4, 3), (3,)), ((3,), (3, 4)), ((5,), (5,)), ((2, 8), (8,)), ((1, 16), (16, 8))]
)
def test_products_with_vectors(cls: Any, dtype: Any, shapes: Any) -> None:
    """Matrix-vector, vector-matrix and vector-vector products (numpy's matmul promotes the
    vector and drops its axis) in one C++ call: the value numpy's matmul bit for bit, the
    parts the product rule's (each vector a row or a column of the reference)."""
    a_shape, b_shape = shapes
    a = RNG.standard_normal((cls._planes, *a_shape)).astype(dtype)
    b = RNG.standard_normal((cls._planes, *b_shape)).astype(dtype)
    got = (cls._wrap(a.copy()) @ cls._wrap(b.copy()))._read
    value = np.matmul(a[0], b[0])
    assert got.shape == (cls._planes, *value.shape)
    np.testing.assert_array_equal(got[0], value)
    rows = a if len(a_shape) == 2 else a[:, None, :]
    columns = b if len(b_shape) == 2 else b[:, :, None]
    want = reference_product(rows, columns, cls).reshape(got.shape)
    close(got, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
def test_two_vectors_in_one_call(dtype: Any) -> None:
    """v @ w of two vectors: numpy's matmul of the values is a numpy scalar, taken as a
    0-d value (a 0-d dual array of the caller's kind, as numpy's path gave), the value
    numpy's bits and the parts the product rule's."""
    cls = hd.hyperdualvec_type(3)
    first, table = _pair_table(cls)
    v = RNG.standard_normal((cls._planes, 6)).astype(dtype)
    w = RNG.standard_normal((cls._planes, 6)).astype(dtype)
    planes = _core.small_matrix_product(v, w, first, table)
    assert planes is not None and planes.shape == (cls._planes,) and planes.dtype == dtype
    assert planes[0] == np.matmul(v[0], w[0])
    want = reference_product(v[:, None, :], w[:, :, None], cls).reshape(planes.shape)
    close(planes, want)
    got = cls._wrap(v.copy()) @ cls._wrap(w.copy())
    assert type(got) is cls and got.shape == ()


def test_a_column_on_many_planes_is_left_to_blas() -> None:
    """x @ v past 8192 components of x (HyperDualVec(50)'s 1,326 planes of 5 x 5) is
    declined (numpy's one GEMV of the stacked planes is faster); a row vector and a
    smaller x are taken."""
    cls = hd.hyperdualvec_type(50)
    first, table = _pair_table(cls)
    a = RNG.standard_normal((cls._planes, 5, 5))
    v = RNG.standard_normal((cls._planes, 5))
    assert _core.small_matrix_product(a, v, first, table) is None
    assert _core.small_matrix_product(v, a, first, table) is not None
    row = np.ascontiguousarray(a[:, :1])  # 1,326 x 5 components
    assert _core.small_matrix_product(row, v, first, table) is not None
