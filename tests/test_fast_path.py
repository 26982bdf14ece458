"""The C++ fast path (register_operators.cpp: operators, __array_ufunc__'s common calls,
__getitem__, __pow__, __array_function__) and the checked path (the Python rules and
the checked kernels) give the same bits on every registered kind and component dtype.

Each case computes one operation both ways: the fast way (asserted to be taken, so the
test compares two paths) and a way the fast path never takes (out=, a keyword, a numpy
scalar, the planes made non-contiguous, Python's fallback called directly). Where the
fast path declines (strided, broadcast, 0-d against an array, a complex number on real
components) the result must still be the one the checked path gives on a contiguous copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _core
from hyperdiff._arrays import DualArray, _getitem
from hyperdiff._multivariate import dualvec_type, hyperdualdiag_type, hyperdualvec_type
from hyperdiff._table import BINARY, UNARY

KINDS: dict[str, Callable[[], type[DualArray]]] = {
    "Dual": lambda: hd.Dual,
    "HyperDual": lambda: hd.HyperDual,
    "DualVec3": lambda: dualvec_type(3),
    "HyperDualVec2": lambda: hyperdualvec_type(2),
    "HyperDualVec1x2": lambda: hyperdualvec_type(1, 2),
    "HyperDualDiag2": lambda: hyperdualdiag_type(2),
}
DTYPES = (np.float64, np.float32, np.complex128, np.complex64)


def make(kind: str, dtype: Any, shape: tuple[int, ...], seed: int = 0) -> DualArray:
    cls = KINDS[kind]()
    rng = np.random.default_rng(seed)
    data = rng.uniform(0.5, 1.5, (cls._planes, *shape))
    if np.dtype(dtype).kind == "c":
        data = data + 1j * rng.uniform(-0.5, 0.5, data.shape)
    return cls._wrap(data.astype(dtype))


def same(a: Any, b: Any) -> None:
    """Same kind, shape, dtype and bits."""
    assert type(a) is type(b)
    assert a._stack.shape == b._stack.shape and a._stack.dtype == b._stack.dtype
    assert np.ascontiguousarray(a._stack).tobytes() == np.ascontiguousarray(b._stack).tobytes()


def out_like(x: DualArray) -> DualArray:
    return type(x)._wrap(np.empty(x._stack.shape, x._stack.dtype))


def unary_for(dtype: Any) -> list[np.ufunc]:
    complex_ok = {u for u, i in UNARY.items() if _core.UNARY_FUNCTIONS[i][2]}
    wanted = [np.sin, np.exp, np.sqrt, np.log, np.tanh, np.square, np.reciprocal]
    return [u for u in wanted if np.dtype(dtype).kind == "f" or u in complex_ok]


def binary_for(dtype: Any) -> list[np.ufunc]:
    complex_ok = {u for u, i in BINARY.items() if _core.BINARY_FUNCTIONS[i][2]}
    wanted = [np.add, np.subtract, np.multiply, np.divide, np.power, np.maximum]
    return [u for u in wanted if np.dtype(dtype).kind == "f" or u in complex_ok]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("kind", KINDS)
def test_unary(kind: str, dtype: Any) -> None:
    for shape in ((7,), (3, 4), ()):
        x = make(kind, dtype, shape)
        for ufunc in unary_for(dtype):
            assert _core.fast_unary(UNARY[ufunc], x) is not None  # the fast path takes it
            fast = ufunc(x)
            same(fast, ufunc(x, out=out_like(x)))  # out=: the checked kernels
            same(fast, getattr(x, ufunc.__name__)() if hasattr(x, ufunc.__name__) else fast)
            # planes apart (x[1:] of a longer array) and strided views
            if shape:
                wide = make(kind, dtype, (shape[0] + 1, *shape[1:]))
                wide._stack[:, 1:] = x._stack
                same(fast, ufunc(wide[1:]))
                strided = type(x)._wrap(np.repeat(x._stack, 2, axis=-1)[..., ::2])
                assert _core.fast_unary(UNARY[ufunc], strided) is None  # declined
                same(fast, ufunc(strided))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("kind", KINDS)
def test_binary(kind: str, dtype: Any) -> None:
    for shape in ((7,), (3, 4), ()):
        x, y = make(kind, dtype, shape, 1), make(kind, dtype, shape, 2)
        for ufunc in binary_for(dtype):
            index = BINARY[ufunc]
            assert _core.fast_binary(index, x, y) is not None
            fast = ufunc(x, y)
            same(fast, ufunc(x, y, out=out_like(x)))
            if shape:  # broadcast: the fast path declines, the checked one broadcasts
                row = make(kind, dtype, shape[-1:], 3)
                full = type(x)._wrap(np.ascontiguousarray(np.broadcast_to(
                    row._stack[(slice(None),) + (None,) * (len(shape) - 1)], x._stack.shape
                )))  # fmt: skip
                assert _core.fast_binary(index, x, row) is None or len(shape) == 1
                same(ufunc(x, full), ufunc(x, row))
                scalar = make(kind, dtype, (), 4)  # a 0-d dual against an array
                full = type(x)._wrap(np.ascontiguousarray(
                    np.broadcast_to(scalar._stack.reshape(-1, *([1] * len(shape))), x._stack.shape)
                ))  # fmt: skip
                same(ufunc(x, full), ufunc(x, scalar))


NUMBERS = (3, -2, 2.5, 0.1, 1e-300, 2**53, 2**60, 1.5 + 0.5j, True)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("kind", ["Dual", "HyperDualVec2"])
def test_python_numbers(kind: str, dtype: Any) -> None:
    """A Python number meeting a dual array: C++ takes float, int, and complex for
    complex components, converted by numpy's own setitem; the rest go to Python. Either
    way the result is numpy's promotion and the checked kernels' bits."""
    x = make(kind, dtype, (5,))
    for number in NUMBERS:
        for ufunc in (np.add, np.multiply, np.subtract, np.divide):
            if isinstance(number, complex) and np.dtype(dtype).kind == "f":
                continue  # promotes to complex: the general path, tested elsewhere
            for a, b in ((x, number), (number, x)):
                fast = ufunc(a, b)
                operator = {np.add: "__add__", np.multiply: "__mul__"}.get(ufunc)
                if operator is not None and a is x:
                    same(fast, getattr(x, operator)(b))
                checked = ufunc(a, b, out=out_like(fast))
                same(fast, checked)
                assert fast.dtype == np.result_type(x.value, number)


@pytest.mark.parametrize("dtype", [np.float32, np.complex64], ids=lambda d: np.dtype(d).name)
def test_python_numbers_numpy_cannot_convert(dtype: Any) -> None:
    """Numbers past the dtype's range: numpy's overflow warning and inf (1e300 in
    float32), numpy's OverflowError (an int past float64's range), in both paths."""
    x = make("Dual", dtype, (5,))
    with pytest.warns(RuntimeWarning, match="overflow"):
        expected = np.add(x.value, 1e300)
    with pytest.warns(RuntimeWarning, match="overflow"):
        fast = x + 1e300
    with pytest.warns(RuntimeWarning, match="overflow"):
        checked = np.add(x, 1e300, out=out_like(x))
    same(fast, checked)
    assert np.array_equal(fast.value, expected) and np.all(np.isinf(fast.value.real))
    for call in (lambda: x + 2**1100, lambda: np.add(x, 2**1100, out=out_like(x))):
        with pytest.raises(OverflowError):
            call()


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("kind", KINDS)
def test_power(kind: str, dtype: Any) -> None:
    """x ** 2, 0.5, -1, 1 (a Python int, or 0.5 a Python float) are numpy's fast paths
    (square, sqrt, reciprocal, positive); other exponents are power's kernel. numpy 2
    takes np.power for a numpy scalar exponent, promoting (float32 ** np.float64(2) is
    float64), and for a Python float 2.0 or -1.0: the same bits as the fast functions
    for real components (which take them, on the promoted array), not for complex."""
    x = make(kind, dtype, (6,))
    for exponent, ufunc in ((2, np.square), (0.5, np.sqrt), (-1, np.reciprocal), (1, np.positive)):
        fast = x**exponent
        same(fast, ufunc(x, out=out_like(x)))
        integers = (np.int64(exponent),) if isinstance(exponent, int) else ()
        for scalar in (float(exponent), np.float64(exponent), *integers):
            promoted = x.astype(np.result_type(x.dtype, scalar))
            numpys = type(scalar) is float and scalar in (0.5, 1.0)
            if np.dtype(dtype).kind == "c" and not numpys:
                same(x**scalar, np.power(promoted, scalar, out=out_like(promoted)))
            else:
                same(x**scalar, ufunc(promoted, out=out_like(promoted)))
    for exponent in (3, 1.5):
        same(x**exponent, np.power(x, exponent, out=out_like(x)))


KEYS: tuple[tuple[tuple[int, ...], Any], ...] = (  # (the array's shape, the key)
    ((6,), 3),
    ((6,), -1),
    ((6,), slice(1, 5, 2)),
    ((3, 4), (slice(None), 1)),
    ((3, 4), (1, slice(None, None, -1))),
    ((6,), Ellipsis),
    ((6,), None),
    ((3, 4), (None, 2)),
    ((6,), np.array([0, 2, 3])),
    ((6,), [1, 1, 0]),
    ((6,), np.array([True, False, True, False, True, True])),
    ((2, 2), (np.array([0, 1]), np.array([1, 0]))),
    ((2, 3, 2), (np.array([0, 1]), slice(None), np.array([1, 0]))),  # separated: Python's
    ((2, 3, 2), (np.int64(1), slice(None), np.int64(0))),  # numpy integers: basic
    ((2, 3, 2), (np.int64(1), slice(None), [1, 0])),  # an integer and a list, separated
    ((2, 3, 2), (True, slice(None), 1)),  # a bool: advanced (numpy adds an axis)
)


@pytest.mark.parametrize("kind", KINDS)
def test_getitem(kind: str) -> None:
    for shape, key in KEYS:
        x = make(kind, np.float64, shape)
        fast = x[key]
        same(fast, _getitem(x, key))  # Python's fallback, called directly
        expected = np.stack([plane[key] for plane in x._stack])  # numpy, plane by plane
        assert np.array_equal(fast._stack, expected)


@pytest.mark.parametrize("kind", KINDS)
def test_array_function(kind: str) -> None:
    """A registered numpy function with no keywords runs straight from C; with keywords
    through Python's dispatch: the same implementation, the same bits."""
    x = make(kind, np.float64, (3, 4))
    same(np.sum(x), np.sum(x, axis=None))
    same(np.transpose(x), np.transpose(x, axes=None))
    same(np.concatenate((x, x)), np.concatenate((x, x), axis=0))


@pytest.mark.parametrize("dtype", [np.float64, np.complex128], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("kind", KINDS)
def test_times_a_constant(kind: str, dtype: Any) -> None:
    """A dual times a complex Python number or a broadcast float64/complex128 array
    (C++ declines both; Python scales the planes: _arrays._times_constant) gives
    numpy's value, shape and dtype, either order, and the checked kernels' parts: their
    bits on real components, to a complex product's rounding on complex ones (the
    kernels' complex product rounds its own way)."""
    rng = np.random.default_rng(5)
    for shape, constant in (
        ((), 1.5 - 0.5j),
        ((5,), 2j),
        ((), rng.normal(size=(3, 4))),
        ((4,), rng.normal(size=(2, 3, 4)) + 1j * rng.normal(size=(2, 3, 4))),
        ((3, 1), rng.normal(size=(1, 4))),
    ):
        if isinstance(constant, complex) and np.dtype(dtype).kind == "c":
            continue  # C++'s (test_python_numbers)
        x = make(kind, dtype, shape)
        value = x.value * constant
        out = type(x)._wrap(np.empty((x._stack.shape[0], *value.shape), value.dtype))
        checked = np.multiply(x, constant, out=out)
        for product, want in ((x * constant, value), (constant * x, constant * x.value)):
            assert type(product) is type(x)
            assert product.shape == value.shape and product.dtype == value.dtype
            assert np.array_equal(product.value, want)  # numpy's product, in its order
            if np.iscomplexobj(value):  # to a complex product's rounding
                error = np.abs(product._stack - checked._stack)
                assert np.all(error <= 4 * np.finfo(float).eps * np.abs(checked._stack))
            else:
                same(product, checked)


def test_times_an_infinite_constant_keeps_zero_parts() -> None:
    """inf times a part that is structurally zero stays 0 (the kernels' strong zero),
    as plain scaling would make nan: such constants take the checked path."""
    x = hd.dual(np.array([1.0, 2.0]), np.array([0.0, 1.0]))
    for constant in (np.array([np.inf, 3.0]), complex(np.inf, 1.0)):
        product = x * constant
        assert product._stack[1, 0] == 0  # not nan
    assert np.array_equal((x * np.array([np.inf, 3.0]))._stack, [[np.inf, 6.0], [0.0, 3.0]])
