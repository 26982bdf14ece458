"""Binary operations whose operands' planes are not blocks: numpy's broadcast_to views of
smaller operands ((n, 1) against (n, 3), a row against a matrix) and strided views, which
the kernels read a block of elements at a time (operands.hpp's run_gathered) instead of
copies made first.

Two references, both independent of the gathering: numpy's own broadcasting and copies
of the operands into contiguous planes, run through the operation (the kernels' results
there are checked against closed forms elsewhere), compared bit for bit; and for Dual's
product and quotient the rules themselves, written with numpy on the planes. Sizes on
both sides of the kernels' GIL threshold (4096 elements) and of a gather block."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff._multivariate import dualvec_type, hyperdualvec_type
from hyperdiff._taylor_arrays import taylor_type

RNG = np.random.default_rng(20261205)

KINDS: dict[str, Callable[[], type]] = {
    "Dual": lambda: type(hd.dual(np.zeros(1), 0.0)),
    "HyperDual": lambda: type(hd.hyperdual(np.zeros(1), 0.0, 0.0)),
    "DualVec3": lambda: dualvec_type(3),
    "HyperDualVec2": lambda: hyperdualvec_type(2),
    "Taylor3": lambda: taylor_type(3),
}
DTYPES = [np.float64, np.float32, np.complex128]

# (a's shape, b's shape): their broadcast is the result's
SHAPES = [
    ((7000, 1), (7000, 3)),  # a column against rows (bundle adjustment's cos(theta) * p)
    ((3,), (5000, 3)),  # a row against a matrix
    ((1, 4), (3, 1)),  # an outer broadcast, small
    ((2, 1, 5), (4, 1)),  # three axes
]
FUNCTIONS = [np.multiply, np.divide, np.add, np.subtract, np.arctan2, np.maximum]


def planes(cls: type, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    data = RNG.uniform(0.5, 2.0, (cls._planes, *shape))
    if np.dtype(dtype).kind == "c":
        data = data + 1j * RNG.uniform(0.5, 2.0, data.shape)
    return data.astype(dtype)


def contiguous_copy(x: Any, cls: type, shape: tuple[int, ...]) -> Any:
    """x broadcast to shape by numpy and copied into contiguous planes."""
    if isinstance(x, hd.DualArray):
        lead = (1,) * (len(shape) - x.ndim)
        stack = x._stack.reshape(x._stack.shape[:1] + lead + x.shape)
        return cls._wrap(np.broadcast_to(stack, (cls._planes, *shape)).copy())
    return np.broadcast_to(x, shape).copy()  # (np.ascontiguousarray makes 0-d 1-d)


def same(got: Any, want: Any) -> None:
    assert type(got) is type(want)
    assert got._stack.dtype == want._stack.dtype
    np.testing.assert_array_equal(got._stack, want._stack)


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_broadcast_operands_as_numpy_broadcasts_them(
    shapes: tuple[tuple[int, ...], tuple[int, ...]], kind: str, dtype: Any, function: Any
) -> None:
    cls = KINDS[kind]()
    if np.dtype(dtype).kind == "c" and function in (np.arctan2, np.maximum):
        pytest.skip("real functions")
    out_shape = np.broadcast_shapes(*shapes)
    a = cls._wrap(planes(cls, shapes[0], dtype))
    b = cls._wrap(planes(cls, shapes[1], dtype))
    constant = planes(cls, shapes[1], dtype)[0]
    kept = [a._stack.copy(), b._stack.copy(), constant.copy()]
    for x, y in [(a, b), (b, a), (a, constant), (constant, a)]:
        with np.errstate(all="ignore"):
            got = function(x, y)
            want = function(contiguous_copy(x, cls, out_shape), contiguous_copy(y, cls, out_shape))
        same(got, want)
    for before, after in zip(kept, [a._stack, b._stack, constant], strict=True):
        np.testing.assert_array_equal(before, after)  # nothing the user passed is mutated


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_dual_product_and_quotient_by_their_rules(dtype: Any) -> None:
    """(n, 1) against (n, 3): d(ab) = a' b + a b', d(a/b) = (a' b - a b') / b^2, numpy
    broadcasting the planes."""
    a0, a1 = planes(type(hd.dual(np.zeros(1))), (6000, 1), dtype)
    b0, b1 = planes(type(hd.dual(np.zeros(1))), (6000, 3), dtype)
    a, b = hd.dual(a0, a1), hd.dual(b0, b1)
    product, quotient = a * b, a / b
    eps = 4 * np.finfo(dtype).eps  # (within the rounding of the terms' sum)
    np.testing.assert_array_equal(product.value, a0 * b0)
    scale = np.abs(a1 * b0) + np.abs(a0 * b1)
    assert np.all(np.abs(product.d - (a1 * b0 + a0 * b1)) <= eps * scale)
    np.testing.assert_array_equal(quotient.value, a0 / b0)
    want = (a1 * b0 - a0 * b1) / b0**2
    assert np.all(np.abs(quotient.d - want) <= eps * scale / np.abs(b0) ** 2)


@pytest.mark.parametrize("kind", KINDS)
def test_strided_and_transposed_operands(kind: str) -> None:
    """Views whose planes are no blocks, against their contiguous copies: columns of a
    stack (x[:, 1]), every other element, a transpose; each against a broadcast too."""
    cls = KINDS[kind]()
    x = cls._wrap(planes(cls, (5000, 3, 2), np.float64))
    y = cls._wrap(planes(cls, (5000, 3, 2), np.float64))
    pairs = [
        (x[:, 1], y[:, 0]),
        (x[::2, 0], y[1::2, 2]),
        (x[:, :, 0].T, y[:, :, 1].T),
        (x[:, 1], y[:, 2, :1]),  # strided against a strided column broadcast
    ]
    for u, v in pairs:
        shape = np.broadcast_shapes(u.shape, v.shape)
        for function in (np.multiply, np.divide, np.hypot):
            same(
                function(u, v),
                function(contiguous_copy(u, cls, shape), contiguous_copy(v, cls, shape)),
            )


@pytest.mark.parametrize("kind", ["Dual", "DualVec3", "Taylor3"])
def test_out_overlapping_a_broadcast_operand(kind: str) -> None:
    """out= one operand while the other is its own column broadcast: the result is as if
    the operands were read first (a fresh target where they overlap)."""
    cls = KINDS[kind]()
    x = cls._wrap(planes(cls, (5000, 3), np.float64))
    want = np.multiply(
        contiguous_copy(x, cls, (5000, 3)), contiguous_copy(x[:, :1], cls, (5000, 3))
    )
    np.multiply(x, x[:, :1], out=x)
    same(x, want)


def test_nested_transform_over_broadcast_products() -> None:
    """Two broadcast products inside a Hessian, in closed form: f = sum_ik x_i^2 (x_i p_k)
    (a column (n, 1) against an (n, 3) stack, which is a column against the row p) is
    sum(p) sum_i x_i^3, so H = 6 sum(p) diag(x)."""
    p_row = np.array([0.5, -1.25, 2.0])
    x = RNG.uniform(0.5, 2.0, 40)
    f = lambda v: np.sum((v**2)[:, None] * (v[:, None] * p_row))  # noqa: E731
    got = hd.hessian(f)(x)
    np.testing.assert_allclose(got, np.diag(6 * p_row.sum() * x), rtol=1e-14, atol=1e-13)


def test_random_broadcasts_of_reversed_and_strided_views() -> None:
    """300 seeded draws: a kind, a binary function, an output shape of up to 3 axes
    (empty axes too), two operands broadcast to it (axes of length 1 or missing), each
    a view of a larger array taken with steps (reversed ones among them: negative
    strides), or a plain array; against contiguous copies of the broadcast operands."""
    draw = np.random.default_rng(7)
    functions = [np.multiply, np.divide, np.add, np.power, np.arctan2, np.hypot, np.maximum]

    def view(cls: type, shape: tuple[int, ...], dtype: Any) -> Any:
        steps = [int(draw.integers(1, 3)) for _ in shape]
        big = tuple(s * k for s, k in zip(shape, steps, strict=True))
        x = cls._wrap(draw.uniform(0.5, 2.0, (cls._planes, *big)).astype(dtype))
        key = tuple(
            slice(None, None, -k) if s and draw.random() < 0.3 else slice(0, s * k, k)
            for s, k in zip(shape, steps, strict=True)
        )
        return x[key]

    for _ in range(300):
        cls = list(KINDS.values())[int(draw.integers(len(KINDS)))]()
        dtype = [np.float64, np.float32][int(draw.integers(2))]
        out = tuple(int(s) for s in draw.integers(0, 5, int(draw.integers(0, 4))))
        shapes = [
            tuple(1 if draw.random() < 0.4 else s for s in out)[
                int(draw.integers(0, len(out) + 1)) :
            ]
            for _ in range(2)
        ]
        a = view(cls, shapes[0], dtype)
        b = view(cls, shapes[1], dtype) if draw.random() < 0.7 else draw.uniform(0.5, 2, shapes[1])
        b = np.asarray(b).astype(dtype) if not isinstance(b, hd.DualArray) else b
        x, y = (a, b) if draw.random() < 0.5 else (b, a)
        shape = np.broadcast_shapes(np.shape(x), np.shape(y))
        function = functions[int(draw.integers(len(functions)))]
        with np.errstate(all="ignore"):
            got = function(x, y)
            want = function(contiguous_copy(x, cls, shape), contiguous_copy(y, cls, shape))
        assert got._stack.dtype == want._stack.dtype
        np.testing.assert_array_equal(got._stack, want._stack)
