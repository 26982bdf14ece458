"""The operators' C fast path for a dual of shape () and a constant array
(register_operators.cpp's spread_binary: T7a's (1j t) * H): each of the dual's planes
one number broadcast over the array, the result of the array's shape.

Against the same operation on the dual broadcast to the array's shape first (the
same-shape path: the same kernel per element, none of the broadcasting), bit for bit,
on every kind, dtype, table function and operand order; and against numpy's own
products for multiply, the value and each part plane."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _core
from hyperdiff._multivariate import hyperdualvec_type
from hyperdiff._table import FAST_BINARY
from hyperdiff._taylor_arrays import taylor_type

KINDS = {
    "Dual": lambda: hd.Dual,
    "HyperDual": lambda: hd.HyperDual,
    "DualVec3": lambda: hd.dualvec_type(3),
    "HyperDualVec2": lambda: hyperdualvec_type(2),
    "Taylor3": lambda: taylor_type(3),
}
DTYPES = [np.float64, np.float32, np.complex128, np.complex64]


def _random(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    x = rng.uniform(0.5, 2.0, shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.uniform(-1.0, 1.0, shape)
    return x.astype(dtype)


def _same_bits(got: Any, want: Any) -> bool:
    a, b = np.atleast_1d(got), np.atleast_1d(want)
    return (
        a.dtype == b.dtype
        and a.shape == b.shape
        and np.array_equal(a.view(np.uint8), b.view(np.uint8))
    )


def _every_table_function(operands: tuple[Any, Any], reference: tuple[Any, Any]) -> list[Any]:
    """(got, want) of every FAST_BINARY ufunc on the dual and constant `operands`, in
    either order, against the same on `reference`: the same class and bits (a ufunc the
    reference has no rule for raises the TypeError on both); at least 8 compared."""
    pairs = []
    with np.errstate(all="ignore"):
        for ufunc in FAST_BINARY:
            for first in (True, False):
                these = operands if first else operands[::-1]
                those = reference if first else reference[::-1]
                try:
                    want = ufunc(*those)
                except TypeError:  # no rule for this kind or dtype: the fast path declines too
                    with pytest.raises(TypeError):
                        ufunc(*these)
                    continue
                got = ufunc(*these)
                assert type(got) is type(want), ufunc.__name__
                assert _same_bits(got._stack, want._stack), (ufunc.__name__, first)
                pairs.append((got, want))
    assert len(pairs) >= 8
    return pairs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_scalar_dual_with_constant_array_as_broadcast_first(
    kind: str, dtype: Any, shape: tuple[int, ...]
) -> None:
    cls = KINDS[kind]()
    rng = np.random.default_rng(7)
    planes = _random(rng, (cls._planes,), dtype)
    constant = _random(rng, shape, dtype)
    constant.flat[1] = 0.0  # (a zero constant: strong zeros and 0 / 0)
    before = constant.copy()
    scalar = cls._wrap(planes.copy())
    spread = cls._wrap(
        np.ascontiguousarray(
            np.broadcast_to(planes.reshape(-1, *([1] * len(shape))), (len(planes), *shape))
        )
    )
    for got, _ in _every_table_function((scalar, constant), (spread, constant)):
        assert got.shape == shape
    # (the C path's, not the general path's: _core.fast_binary answers)
    assert _core.fast_binary(FAST_BINARY[np.multiply], scalar, constant) is not None
    assert _same_bits(scalar._stack, planes)  # the operands as they were
    assert _same_bits(constant, before)


@pytest.mark.parametrize("dtype", DTYPES)
def test_scalar_dual_times_constant_array_is_numpy_product(dtype: Any) -> None:
    rng = np.random.default_rng(8)
    planes = _random(rng, (hd.dualvec_type(3)._planes,), dtype)
    constant = _random(rng, (4, 4), dtype)
    u = hd.dualvec_type(3)._wrap(planes.copy())
    for got, order in ((u * constant, 0), (constant * u, 1)):
        for p, plane in enumerate(got._stack):
            want = planes[p] * constant if order == 0 else constant * planes[p]
            # (complex: the plain product, to 2 ulps of numpy's SIMD loops)
            np.testing.assert_allclose(plane, want, rtol=2 * np.finfo(dtype).eps, atol=0)
            if np.dtype(dtype).kind == "f":
                assert _same_bits(plane, want)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
def test_complex_number_times_scalar_dual_promotes_as_numpy(kind: str, dtype: Any) -> None:
    """1j * t, t a dual of shape () (T7a's first product; _arrays._times_constant): the
    value numpy's product of the number and the value, each part plane the number times
    it, in numpy's promoted dtype (NEP 50: float32 with a Python complex is complex64);
    an infinite part keeps its strong zeros (1j * inf: 0 + inf j, not nan + inf j)."""
    cls = KINDS[kind]()
    rng = np.random.default_rng(9)
    planes = _random(rng, (cls._planes,), dtype)
    t = cls._wrap(planes.copy())
    for c in (1j, 0.5 - 2j):
        for got, first in ((c * t, True), (t * c, False)):
            want_dtype = np.result_type(dtype, np.complex64)
            assert got._stack.dtype == want_dtype and got.shape == ()
            for p in range(cls._planes):
                one = planes[p]
                want = np.multiply(c, one) if first else np.multiply(one, c)
                assert _same_bits(got._stack[p], want), (p, c, first)
    assert _same_bits(t._stack, planes)
    infinite = planes.copy()
    infinite[1] = np.inf
    got = 1j * cls._wrap(infinite)
    assert got._stack[1] == complex(0.0, np.inf)


# (dual dtype, constant dtype) where numpy promotes the constant to the dual's dtype
PROMOTED = [
    (np.complex128, np.float64),
    (np.complex128, np.float32),
    (np.complex128, np.complex64),
    (np.float64, np.float32),
    (np.complex64, np.float32),
]


@pytest.mark.parametrize(("dtype", "constant_dtype"), PROMOTED)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dual_shape", [(), (2, 3)])
def test_constant_array_of_a_narrower_dtype_as_cast_first(
    kind: str, dtype: Any, constant_dtype: Any, dual_shape: tuple[int, ...]
) -> None:
    """A floating-point constant array numpy promotes to the dual's dtype ((1j t) * H
    for a real H): the fast path takes it as numpy's ufuncs do, cast first, so bit for
    bit the operation with the constant cast by numpy beforehand, for every table
    function and operand order; a product's every plane numpy's product of that plane
    and the constant; the constant untouched. (It was the general path's, ~10 us at
    shape ().)"""
    cls = KINDS[kind]()
    rng = np.random.default_rng(10)
    planes = _random(rng, (cls._planes, *dual_shape), dtype)
    constant = _random(rng, (2, 3), constant_dtype)
    constant.flat[1] = 0.0
    before = constant.copy()
    cast = constant.astype(dtype)
    dual = cls._wrap(planes.copy())
    for got, _ in _every_table_function((dual, constant), (dual, cast)):
        assert got.dtype == np.dtype(dtype)
    index = FAST_BINARY[np.multiply]
    assert _core.fast_binary(index, dual, constant) is not None  # the C path answers
    # a product is linear in the dual: each plane numpy's product with the constant
    # (complex64 x complex128 to 2 ulps: numpy's SIMD loops may fuse a multiply-add)
    got = dual * constant
    assert _same_bits(got._stack[0], planes[0] * constant)
    for plane, one in zip(got._stack, planes, strict=True):
        want = one * constant
        if np.dtype(constant_dtype).kind == "f":
            assert _same_bits(plane, want)
        else:
            np.testing.assert_allclose(plane, want, rtol=2 * np.finfo(dtype).eps, atol=0)
    assert _same_bits(dual._stack, planes)
    assert _same_bits(constant, before)


@pytest.mark.parametrize(
    ("dtype", "constant_dtype"),
    [(np.float32, np.float64), (np.complex64, np.float64), (np.float64, np.int64),
     (np.float64, np.bool_), (np.float32, np.complex64)],
)  # fmt: skip
def test_constant_array_numpy_would_widen_is_not_cast(dtype: Any, constant_dtype: Any) -> None:
    """A constant whose dtype numpy would widen the result to (or an integer or bool
    one) is the general path's: the result in numpy's promoted dtype, never the
    dual's narrower one."""
    cls = hd.dualvec_type(3)
    rng = np.random.default_rng(11)
    dual = cls._wrap(_random(rng, (cls._planes, 2, 3), dtype))
    constant = rng.uniform(0.5, 2.0, (2, 3)).astype(constant_dtype)
    assert _core.fast_binary(FAST_BINARY[np.multiply], dual, constant) is None
    got = dual * constant
    assert got.dtype == np.result_type(dtype, constant_dtype)
    assert _same_bits(got._stack[0], dual._stack[0] * constant)
