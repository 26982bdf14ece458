"""Stacks of small matrices and short rows (a finite-element energy's: corners picked
by an index array, 2 x 2 deformation gradients, sums over their entries) take paths
of their own: x[i] by numpy's take (C++ fast_getitem), strided operands copied row
by row as one item (_ufuncs._contiguous), sums over short trailing axes by whole
slices (_functions._short_trailing_sum), matmul of many small matrices entry by
entry (_algebra._small_matmul). Each against numpy run plane by plane: the planes of
a dual result are the same numpy operation on each plane (these are linear), the
value numpy's own bits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

EPS = np.finfo(np.float64).eps


def dual_stack(shape: tuple[int, ...], complex_: bool = False, seed: int = 0) -> Any:
    rng = np.random.default_rng(seed)
    value, grad = rng.standard_normal(shape), rng.standard_normal((3, *shape))
    if complex_:
        value = value + 1j * rng.standard_normal(shape)
        grad = grad + 1j * rng.standard_normal((3, *shape))
    return hd.dualvec(value, grad)


def planes(x: Any) -> np.ndarray:
    return np.asarray(x._stack)


@pytest.mark.parametrize("dtype", [np.intp, np.int8, np.int32, np.uint16, np.int64])
@pytest.mark.parametrize(
    "shape, key_shape", [((50,), (7,)), ((40, 3, 2), (40, 3)), ((9, 4), (2, 3, 2)), ((30, 5), (0,))]
)
def test_integer_array_keys_pick_what_numpy_picks(
    shape: tuple[int, ...], key_shape: tuple[int, ...], dtype: Any
) -> None:
    x = dual_stack(shape, seed=1)
    rng = np.random.default_rng(2)
    low = 0 if np.dtype(dtype).kind == "u" else -shape[0]
    key = rng.integers(low, shape[0], key_shape).astype(dtype)
    got = x[key]
    want = np.stack([p[key] for p in planes(x)])
    np.testing.assert_array_equal(planes(got), want)
    assert got.shape == want.shape[1:]
    assert not np.shares_memory(planes(got), planes(x))  # a copy, as numpy's x[key]


def test_integer_array_keys_of_views_and_complex_arrays() -> None:
    x = dual_stack((60, 4), complex_=True, seed=3)
    view = x[::3, 1:]  # planes not contiguous
    key = np.array([[0, -1], [5, 2]])
    want = np.stack([p[::3, 1:][key] for p in planes(x)])
    np.testing.assert_array_equal(planes(view[key]), want)


def test_integer_array_keys_out_of_bounds_and_other_keys() -> None:
    x = dual_stack((10, 2), seed=4)
    with pytest.raises(IndexError):
        x[np.array([0, 10])]
    with pytest.raises(IndexError):
        x[np.array([-11])]
    # a 0-d integer array is an integer (numpy's basic indexing: a view of x)
    row = x[np.array(3)]
    np.testing.assert_array_equal(planes(row), planes(x)[:, 3])
    # booleans are masks, not take's indices
    mask = np.arange(10) % 3 == 0
    np.testing.assert_array_equal(planes(x[mask]), planes(x)[:, mask])
    # a 0-d dual array refuses an index, as numpy's 0-d arrays do
    with pytest.raises(IndexError):
        x[0, 0][np.array([0])]


@pytest.mark.parametrize("complex_", [False, True])
def test_strided_short_rows_as_operands(complex_: bool) -> None:
    x = dual_stack((2000, 3, 2), complex_, seed=5)
    for a, b in ((x[:, 1], x[:, 0]), (x[:, 2, :], x[::1, 0, :]), (x[:, :, 1], x[:, :, 0])):
        got = a - b
        want = planes(a) - planes(b)
        np.testing.assert_array_equal(planes(got), want)
    wide = dual_stack((1000, 3, 9), seed=6)  # rows longer than 8: numpy's own copy
    np.testing.assert_array_equal(planes(wide[:, 1] * 2.0), planes(wide)[:, :, 1] * 2.0)


@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize(
    "shape, axis",
    [((3000, 2, 2), (1, 2)), ((3000, 2, 2), (-2, -1)), ((2000, 3), -1), ((1500, 8), 1),
     ((1100, 3, 3), (1, 2)), ((3000, 9), -1), ((3000, 2, 2), 1)],
)  # fmt: skip
def test_sums_over_short_trailing_axes(shape: tuple[int, ...], axis: Any, complex_: bool) -> None:
    x = dual_stack(shape, complex_, seed=7)
    got = np.sum(x, axis=axis)
    value = planes(x)[0]
    np.testing.assert_array_equal(got.value, np.sum(value, axis=axis))  # numpy's bits
    for k in range(1, 4):
        part = planes(x)[k]
        want = np.sum(part, axis=axis)
        scale = np.sum(np.abs(part), axis=axis)
        assert np.all(np.abs(planes(got)[k] - want) <= 4 * EPS * scale)


def test_short_trailing_sums_of_non_finite_entries() -> None:
    x = dual_stack((2000, 2, 2), seed=8)
    data = x._stack
    data[2, 5, 0, 1] = np.inf
    data[3, 6, 1, 1] = np.nan
    data[1, 7] = [[np.inf, -np.inf], [1.0, 2.0]]
    with np.errstate(invalid="ignore"):  # (inf - inf: numpy's warning, as numpy's sum)
        got = planes(np.sum(x, axis=(1, 2)))
        want = np.sum(planes(x), axis=(2, 3))
    np.testing.assert_array_equal(got, want)  # (nan where numpy's is nan)


@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("m, k, n", [(2, 2, 2), (3, 3, 3), (2, 3, 1), (1, 4, 4), (4, 1, 2)])
def test_many_small_matrices_times_a_constant(m: int, k: int, n: int, complex_: bool) -> None:
    x = dual_stack((1500, m, k), complex_, seed=9)
    rng = np.random.default_rng(10)
    right, left = rng.standard_normal((1500, k, n)), rng.standard_normal((1500, n, m))
    cases = ((x @ right, right, lambda p, c: p @ c), (left @ x, left, lambda p, c: c @ p))
    for got, c, product in cases:
        want = np.stack([product(p, c) for p in planes(x)])
        np.testing.assert_array_equal(got.value, want[0])  # numpy's matmul of the values
        scale = np.stack([product(np.abs(p), np.abs(c)) for p in planes(x)])
        assert np.all(np.abs(planes(got)[1:] - want[1:]) <= 8 * EPS * scale[1:])


def test_small_matrices_times_a_constant_with_an_infinity() -> None:
    """A constant's inf against a zero part gives 0 there (hyperdiff's strong zeros)."""
    x = dual_stack((1200, 2, 2), seed=11)
    x._stack[1:, 4] = 0.0  # matrix 4 has no derivative
    c = np.ones((1200, 2, 2))
    c[4, 0, 0] = np.inf
    got = x @ c
    assert np.all(planes(got)[1:, 4] == 0.0)
    np.testing.assert_array_equal(got.value, planes(x)[0] @ c)
    np.testing.assert_allclose(planes(got)[1:, :4], planes(x)[1:, :4] @ c[:4], rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
def test_stacked_matmul_kernel_against_numpy(dtype: Any) -> None:
    """_core.stacked_matmul: out[s] = x[s % len(x)] @ y[s % len(y)], against numpy's
    matmul of the repeated stacks (the sums in order: a few ulps of numpy's)."""
    from hyperdiff import _core

    rng = np.random.default_rng(12)
    for m, k, n in ((2, 2, 2), (1, 4, 3), (4, 1, 4), (3, 3, 1)):
        x = rng.standard_normal((6, m, k)).astype(dtype)
        y = rng.standard_normal((3, k, n)).astype(dtype)
        out = np.empty((12, m, n), dtype)
        assert _core.stacked_matmul(x, y, out) is True
        want = np.tile(x, (2, 1, 1)) @ np.tile(y, (4, 1, 1))
        scale = np.abs(np.tile(x, (2, 1, 1))) @ np.abs(np.tile(y, (4, 1, 1)))
        eps = np.finfo(dtype).eps
        assert np.all(np.abs(out - want) <= 2 * k * eps * scale)  # (both round: k eps each)
    x, y, out = np.ones((4, 2, 2)), np.ones((4, 2, 2)), np.zeros((4, 2, 2))
    for declined in (
        (x[:, :, :1], y, out),  # k of x and y differ
        (x, y, out[:3]),  # 3 not a multiple of 4
        (np.ones((4, 5, 2)), y, np.empty((4, 5, 2))),  # m = 5
        (x.astype(np.float32), y, out),  # dtypes differ
        (x, y[:, ::-1], out),  # not C order
        (x.astype(int), y.astype(int), out.astype(int)),
    ):
        assert _core.stacked_matmul(*declined) is None


def test_small_products_with_one_matrix_and_deeper_constants() -> None:
    x = dual_stack((1200, 2, 3), seed=13)
    one = np.random.default_rng(14).standard_normal((3, 2))
    got = x @ one
    np.testing.assert_array_equal(got.value, planes(x)[0] @ one)
    np.testing.assert_allclose(planes(got)[1:], planes(x)[1:] @ one, rtol=1e-14, atol=1e-14)
    # a constant stacked deeper than the dual: numpy's broadcasting of the stacks
    deep = np.random.default_rng(15).standard_normal((2, 1200, 3, 2))
    got = x @ deep
    assert got.shape == (2, 1200, 2, 2)
    want = np.stack([p @ deep for p in planes(x)])
    np.testing.assert_array_equal(got.value, want[0])
    np.testing.assert_allclose(planes(got)[1:], want[1:], rtol=1e-14, atol=1e-14)
    x32 = hd.dualvec(planes(x)[0].astype(np.float32), planes(x)[1:].astype(np.float32))
    one32 = one.astype(np.float32)
    got = x32 @ one32
    assert planes(got).dtype == np.float32
    want = planes(x32)[1:] @ one32
    scale = np.abs(planes(x32)[1:]) @ np.abs(one32)
    assert np.all(np.abs(planes(got)[1:] - want) <= 6 * np.finfo(np.float32).eps * scale)


@pytest.mark.parametrize("transposed", [False, True])
def test_products_of_two_dual_stacks_of_small_matrices(transposed: bool) -> None:
    """x @ y of two HyperDualVec stacks (a right Cauchy-Green tensor F^T F): plane k is
    x0 y_k + x_k y0, and each pair plane (a, b) adds x_a y_b + x_b y_a (the algebra's
    layout), each product numpy's matmul of a plane pair; the value numpy's."""
    from hyperdiff._algebra import layout

    rng = np.random.default_rng(16)
    value = rng.standard_normal((1500, 2, 2))
    f = hd.hyperdualvec(value, rng.standard_normal((3, 1500, 2, 2)))
    f = f * f  # (pair planes not zero)
    x = np.swapaxes(f, -1, -2) if transposed else f
    got = planes(x @ f)
    px, pf = planes(x), planes(f)
    first, pairs = layout(type(f))
    want = [px[0] @ pf[0]] + [px[0] @ pf[k] + px[k] @ pf[0] for k in range(1, len(px))]
    for p, (i, j) in enumerate(pairs):
        a, b = 1 + i, 1 + j
        want[1 + first + p] = want[1 + first + p] + (px[a] @ pf[b] + px[b] @ pf[a])
    want_planes = np.stack(want)
    np.testing.assert_array_equal(got[0], want_planes[0])
    scale = np.max(np.abs(want_planes), axis=(0,), keepdims=True) + 1
    assert np.all(np.abs(got - want_planes) <= 32 * EPS * scale)


def test_contiguous_copies_of_short_trailing_axes() -> None:
    from hyperdiff._ufuncs import contiguous

    base = np.arange(4.0 * 3000 * 3 * 2).reshape(4, 3000, 3, 2)
    for view in (base[:, :, 1], np.swapaxes(base[..., :2, :], -1, -2), base[:, ::2, :, ::-1],
                 base.astype(np.complex64)[:, :, 0], base[..., 0]):  # fmt: skip
        got = contiguous(view)
        assert got.flags.c_contiguous and got.dtype == view.dtype
        np.testing.assert_array_equal(got, view)


@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize(
    "shape, offset, axes",
    [((3000, 2, 2), 0, (-2, -1)), ((1200, 3, 3), 1, (1, 2)), ((2, 2, 1100), 0, (0, 1)),
     ((1100, 8, 8), -2, (-1, -2)), ((1100, 9, 9), 0, (1, 2)), ((5, 3, 3), 0, (1, 2))],
)  # fmt: skip
def test_trace_of_stacks(shape: tuple[int, ...], offset: int, axes: Any, complex_: bool) -> None:
    x = dual_stack(shape, complex_, seed=17)
    got = np.trace(x, offset, *axes)
    np.testing.assert_array_equal(got.value, np.trace(planes(x)[0], offset, *axes))
    for k in range(1, 4):
        want = np.trace(planes(x)[k], offset, *axes)
        scale = np.trace(np.abs(planes(x)[k]), offset, *axes)
        assert np.all(np.abs(planes(got)[k] - want) <= 8 * EPS * scale)


@pytest.mark.parametrize(
    "subscripts",
    ["...ij,...ij->...", "eij,eij->e", "eij,eij->ei", "...ij,...ij->...i", "eij,eij->",
     "eij,eij->ej", "eij,eji->e", "...ij,...ij"],
)  # fmt: skip
@pytest.mark.parametrize("constant", [False, True])
def test_einsum_contractions_of_trailing_axes(subscripts: str, constant: bool) -> None:
    """einsum of two operands of one shape summed over trailing labels (F : G) runs as
    np.sum(x * y): against the general rule (batched einsum over the planes: another
    implementation, switched on by hand), the value numpy's einsum of the values."""
    from hyperdiff import _algebra

    x = dual_stack((1500, 2, 2), seed=18) * dual_stack((1500, 2, 2), seed=19)
    y = np.random.default_rng(20).standard_normal((1500, 2, 2)) if constant else x * 0.5 + 1.0
    got = planes(np.einsum(subscripts, x, y))
    saved = _algebra._trailing_contraction, _algebra._einsum_matmul
    _algebra._trailing_contraction = _algebra._einsum_matmul = lambda *args: None
    try:
        want = planes(np.einsum(subscripts, x, y))
    finally:
        _algebra._trailing_contraction, _algebra._einsum_matmul = saved
    y0 = y if constant else planes(y)[0]
    np.testing.assert_array_equal(got[0], np.einsum(subscripts, planes(x)[0], y0))
    assert got.shape == want.shape
    scale = np.max(np.abs(want)) + 1
    assert np.all(np.abs(got - want) <= 1e-13 * scale)


def hyperdual_stack(shape: tuple[int, ...], complex_: bool = False, seed: int = 0) -> Any:
    rng = np.random.default_rng(seed)
    parts = rng.standard_normal((4, *shape))
    if complex_:
        parts = parts + 1j * rng.standard_normal((4, *shape))
    return hd.hyperdual(*parts)


# two-operand einsums numpy's optimized einsum runs as a batched matmul: batches,
# contractions, rows and columns, transposed ones, an operand's own summed label, an
# ellipsis, the implicit output, a matrix against a stack
MATMUL_LIKE = [
    ("eij,ejk->eik", (300, 2, 2), (300, 2, 2)),
    ("eij,ekj->eik", (300, 3, 2), (300, 4, 2)),
    ("eji,ejk->eik", (300, 3, 2), (300, 3, 4)),
    ("eij,eji->e", (300, 2, 3), (300, 3, 2)),
    ("ij,ejk->eik", (2, 3), (300, 3, 2)),
    ("eij,jk->kie", (300, 2, 3), (3, 4)),
    ("...ij,...jk->...ik", (5, 60, 2, 3), (5, 60, 3, 2)),
    ("eij,ejk", (300, 2, 3), (300, 3, 2)),
    ("eijl,ejk->eki", (300, 2, 3, 2), (300, 3, 2)),
    ("i,j->ij", (7,), (5,)),
    ("ij,ij->", (30, 4), (30, 4)),
    ("abc,cd->abd", (4, 5, 6), (6, 7)),
    ("eijk,ekj->ei", (40, 2, 3, 4), (40, 4, 3)),
]


@pytest.mark.parametrize("subscripts, first, second", MATMUL_LIKE)
@pytest.mark.parametrize("constant", ["", "first", "second"])
@pytest.mark.parametrize("complex_", [False, True])
def test_einsum_of_two_operands_as_matmul(
    subscripts: str, first: tuple[int, ...], second: tuple[int, ...], constant: str,
    complex_: bool,
) -> None:  # fmt: skip
    """The product rule's planes by numpy's einsum of the planes (an independent
    reference): E(x, y)' = E(x', y) + E(x, y'), and the e1 e2 plane
    E(x12, y) + E(x1, y2) + E(x2, y1) + E(x, y12); the value numpy's to the bit."""
    x = hyperdual_stack(first, complex_, seed=30)
    y = hyperdual_stack(second, complex_, seed=31)
    px, py = planes(x), planes(y)
    if constant == "first":
        x, px = px[0], np.concatenate([px[:1], np.zeros_like(px[1:])])
    elif constant == "second":
        y, py = py[0], np.concatenate([py[:1], np.zeros_like(py[1:])])

    def e(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.einsum(subscripts, a, b)

    got = planes(np.einsum(subscripts, x, y))
    want = [
        e(px[0], py[0]),
        e(px[1], py[0]) + e(px[0], py[1]),
        e(px[2], py[0]) + e(px[0], py[2]),
        e(px[3], py[0]) + e(px[1], py[2]) + e(px[2], py[1]) + e(px[0], py[3]),
    ]
    np.testing.assert_array_equal(got[0], want[0])
    for k in range(1, 4):
        scale = np.max(np.abs(want[k])) + 1
        assert got[k].shape == want[k].shape
        assert np.all(np.abs(got[k] - want[k]) <= 64 * EPS * scale), k


def test_einsum_as_matmul_keeps_strong_zeros_and_refusals() -> None:
    """0 times an infinite part stays 0 (the algebra's strong zero, as matmul's and the
    general rule's), and what numpy refuses stays refused: mismatched sizes; a
    diagonal ('ii,i->i') takes the general path."""
    x = hd.dual(np.array([[0.0, 1.0], [2.0, 3.0]]), np.array([[np.inf, 0.0], [0.0, 0.0]]))
    y = np.array([[0.0, 1.0], [0.0, 1.0]])
    np.testing.assert_array_equal(planes(np.einsum("ij,jk->ik", y, x))[1], np.zeros((2, 2)))
    with pytest.raises(ValueError):
        np.einsum("ij,jk->ik", x, np.ones((3, 2)))
    d = np.einsum("ii,i->i", x, np.ones(2))
    np.testing.assert_array_equal(planes(d)[1], [np.inf, 0.0])


def test_einsum_paths_inside_nested_transforms() -> None:
    """The matmul and pairwise einsum paths keep an outer and an inner transform's
    perturbations apart: mixed second derivatives of bilinear forms in closed form,
    d/dx grad_y sum(W * X Y) = W_ik at (y_jk, x_ij), and d/dx grad_y x^T A y = A^T."""
    rng = np.random.default_rng(40)
    w, a = rng.standard_normal((2, 2)), rng.standard_normal((4, 4))
    x0, y0 = rng.standard_normal(6), rng.standard_normal(6)

    def inner(x: Any) -> Any:
        return hd.grad(
            lambda y: np.sum(w * np.einsum("ij,jk->ik", x.reshape(2, 3), y.reshape(3, 2)))
        )(y0)

    got = np.asarray(hd.jacobian(inner)(x0)).reshape(3, 2, 2, 3)  # [j, k, i, j']
    want = np.einsum("ik,jl->jkil", w, np.eye(3))
    np.testing.assert_array_equal(got, want)
    u = rng.standard_normal(4)
    mixed = hd.jacobian(lambda x: hd.grad(lambda y: np.einsum("i,ij,j->", x, a, y))(u))(u)
    np.testing.assert_array_equal(np.asarray(mixed), a.T)
