"""Dual arrays as numpy users meet them: construction, operators, indexing,
broadcasting, out=, conventions at special values, and no silent loss of parts."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

RNG = np.random.default_rng(20261123)


# --- construction and components -------------------------------------------
def test_constructors_broadcast_parts_and_expose_views() -> None:
    x = hd.hyperdual(np.arange(6.0).reshape(2, 3), e1=1.0, e2=np.array([1.0, 2.0, 3.0]))
    assert isinstance(x, hd.HyperDual)
    assert (x.shape, x.ndim, x.size, len(x), x.dtype) == ((2, 3), 2, 6, 2, np.float64)
    np.testing.assert_array_equal(x.e1, np.ones((2, 3)))
    np.testing.assert_array_equal(x.e2, [[1, 2, 3], [1, 2, 3]])
    np.testing.assert_array_equal(x.e12, np.zeros((2, 3)))
    assert np.shares_memory(x.value, x._stack)  # zero-copy views
    d = hd.dual(3.0, 1.0)
    assert d.shape == () and d.value == 3.0 and d.d == 1.0
    assert (d**2).d == 6.0


def test_component_dtype_follows_numpy_promotion() -> None:
    f32 = np.ones(3, dtype=np.float32)
    assert hd.dual(f32, 1.0).dtype == np.float32  # Python scalars are weak
    assert hd.dual(f32, np.ones(3)).dtype == np.float64
    assert hd.dual(np.arange(3), 1).dtype == np.float64  # integers become float64
    x = hd.dual(f32, 1.0)
    assert (x * 2.0).dtype == np.float32
    assert (x * np.ones(3)).dtype == np.float64
    assert np.sin(x).d.dtype == np.float32
    assert np.float_power(x, 2.0).dtype == np.float64  # as numpy's float_power
    assert hd.dual(np.ones(2) + 1j, 1.0).dtype == np.complex128
    assert (x * 1j).dtype == np.complex64  # a Python complex stays weak too
    assert (hd.dual(np.ones(2), 1.0) + np.ones(2, np.complex64)).dtype == np.complex128
    with pytest.raises(TypeError, match="drop the imaginary parts"):
        hd.dual(np.ones(2) + 1j, 1.0, dtype=np.float64)
    with pytest.raises(TypeError, match=r"complex64 components, not (clongdouble|complex256)"):
        hd.dual(np.ones(2, dtype=np.clongdouble), 1.0)


def test_repr_iteration_and_shape_methods() -> None:
    x = hd.dual(np.arange(6.0).reshape(2, 3), 1.0)
    assert repr(hd.dual(3.0, 1.0)) == "Dual(value=3.0, d=1.0)"
    assert "d=" in repr(x) and "value=" in repr(x)
    assert "float32" in repr(x.astype(np.float32))
    rows = list(x)
    assert len(rows) == 2 and rows[1].shape == (3,)
    np.testing.assert_array_equal(x.T.value, x.value.T)
    np.testing.assert_array_equal(x.transpose(1, 0).d, np.ones((3, 2)))
    np.testing.assert_array_equal(x.reshape(3, 2).value, x.value.reshape(3, 2))
    np.testing.assert_array_equal(x.reshape(-1).value, np.arange(6.0))
    np.testing.assert_array_equal(x.ravel().value, np.arange(6.0))
    np.testing.assert_array_equal(np.reshape(x, (6,)).value, np.arange(6.0))
    assert np.shape(x) == (2, 3) and np.ndim(x) == 2 and np.size(x) == 6
    c = x.copy()
    c[0, 0] = 99.0
    assert x.value[0, 0] == 0.0
    with pytest.raises(TypeError):
        len(hd.dual(1.0, 1.0))


# --- indexing ----------------------------------------------------------------
def test_indexing_slicing_fancy_and_masks() -> None:
    v = np.arange(12.0).reshape(3, 4)
    x = hd.hyperdual(v, e1=v * 10, e2=1.0)
    for key in (1, (1, 2), slice(1, 3), (slice(None), [0, 3]), v > 5, (Ellipsis, 1), (None, 0)):
        np.testing.assert_array_equal(x[key].value, v[key])
        np.testing.assert_array_equal(x[key].e1, (v * 10)[key])
    with pytest.raises(TypeError, match="indices"):
        x[hd.dual(1.0, 0.0)]


def test_item_assignment_keeps_or_zeroes_parts() -> None:
    x = hd.dual(np.zeros(5), 1.0)
    x[1:3] = hd.dual(np.array([7.0, 8.0]), 2.0)
    x[4] = 5.0  # a real number has zero derivative
    np.testing.assert_array_equal(x.value, [0, 7, 8, 0, 5])
    np.testing.assert_array_equal(x.d, [1, 2, 2, 1, 0])
    with pytest.raises(TypeError, match="HyperDual"):
        x[0] = hd.hyperdual(1.0)


def test_item_assignment_by_one_int_is_numpys_on_every_plane() -> None:
    # r[i] = a number or a row of r's kind (a loop's residual: the fast path of one
    # int): each plane as numpy's r_plane[i] = item_plane; negative ints, a row of a
    # 2-d array, an element of r itself, a pending (recorded) item, out of range
    from hyperdiff._multivariate import hyperdualvec_type

    rng = np.random.default_rng(7)
    kind = hyperdualvec_type(2, 1)
    for shape in ((6,), (4, 3)):
        planes = rng.uniform(-1, 1, (kind._planes, *shape))
        r = kind._wrap(planes.copy())
        want = planes.copy()
        big = kind._wrap(rng.uniform(-1, 1, (kind._planes, 40_000)))
        for i in (0, 2, -1, -3):
            item = np.sin(r[i + 1]) * r[i]  # (reads r itself)
            want_item = np.asarray(item._stack).copy()
            r[i] = item
            want[:, i] = want_item
            np.testing.assert_array_equal(np.asarray(r._stack), want)
        pending = np.exp(big) * 2.0  # recorded (fusion's min count): run into r's slot
        row = pending[: shape[-1]] if len(shape) == 2 else pending[0]
        want[:, 1] = np.asarray(row._stack)
        r[1] = row
        np.testing.assert_array_equal(np.asarray(r._stack), want)
        with pytest.raises(IndexError):
            r[shape[0]] = r[0]


# --- operators ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("op", "fx", "fy"),
    [
        (lambda a, b: a + b, lambda a, b: 1.0, lambda a, b: 1.0),
        (lambda a, b: a - b, lambda a, b: 1.0, lambda a, b: -1.0),
        (lambda a, b: a * b, lambda a, b: b, lambda a, b: a),
        (lambda a, b: a / b, lambda a, b: 1 / b, lambda a, b: -a / b**2),
        (lambda a, b: a**b, lambda a, b: b * a ** (b - 1), lambda a, b: a**b * np.log(a)),
        (lambda a, b: a // b, lambda a, b: 0.0, lambda a, b: 0.0),
        (lambda a, b: a % b, lambda a, b: 1.0, lambda a, b: -np.floor(a / b)),
    ],
)
def test_operators_both_ways_with_scalars_and_arrays(op, fx, fy) -> None:  # type: ignore[no-untyped-def]
    a = np.array([1.5, 2.25, 3.75])
    b = 1.25
    for other in (b, np.float64(b), np.full(3, b)):
        left = op(hd.dual(a, 1.0), other)
        right = op(other, hd.dual(a, 1.0))
        np.testing.assert_allclose(left.value, op(a, b), rtol=1e-15)
        np.testing.assert_allclose(left.d, np.broadcast_to(fx(a, b), 3), rtol=1e-14)
        np.testing.assert_allclose(right.value, op(b, a), rtol=1e-15)
        np.testing.assert_allclose(right.d, np.broadcast_to(fy(b, a), 3), rtol=1e-14)


def test_unary_operators_and_comparisons() -> None:
    x = hd.dual(np.array([-2.0, 0.0, 3.0]), 1.0)
    np.testing.assert_array_equal((-x).d, [-1, -1, -1])
    np.testing.assert_array_equal((+x).d, [1, 1, 1])
    np.testing.assert_array_equal(abs(x).d, [-1, 0, 1])  # sign(0) = 0
    np.testing.assert_array_equal(x < 1, [True, True, False])
    np.testing.assert_array_equal(
        x == hd.dual(np.array([-2.0, 1.0, 3.0]), 5.0), [True, False, True]
    )
    np.testing.assert_array_equal(np.isfinite(x), [True, True, True])
    np.testing.assert_array_equal(np.signbit(-x), [False, True, True])


def test_in_place_operators_write_into_the_array() -> None:
    x = hd.dual(np.array([1.0, 2.0]), 1.0)
    data = x._stack
    x *= x
    x += 1.0
    assert x._stack is data
    np.testing.assert_array_equal(x.value, [2.0, 5.0])
    np.testing.assert_array_equal(x.d, [2.0, 4.0])


def test_kinds_do_not_mix() -> None:
    with pytest.raises(TypeError, match="cannot combine Dual and HyperDual"):
        hd.dual(1.0, 1.0) + hd.hyperdual(1.0, 1.0)


# --- broadcasting and out= ---------------------------------------------------
def test_broadcasting_matches_rowwise_application() -> None:
    a = hd.hyperdual(RNG.uniform(1, 2, (4, 1)), e1=RNG.normal(size=(4, 1)), e2=1.0)
    b = hd.hyperdual(RNG.uniform(1, 2, 5), e1=0.0, e2=RNG.normal(size=5), e12=1.0)
    for ufunc in (np.add, np.multiply, np.divide, np.power, np.arctan2, np.hypot):
        full = ufunc(a, b)
        assert full.shape == (4, 5)
        for i in range(4):
            row = ufunc(a[i], b)
            np.testing.assert_array_equal(full[i]._stack, row._stack, err_msg=ufunc.__name__)
    scalar = hd.hyperdual(1.5, 1.0, 2.0)
    np.testing.assert_array_equal((scalar * b)._stack[:, 2], (scalar * b[2])._stack)


def test_out_argument() -> None:
    x = hd.hyperdual(np.linspace(0.1, 1, 7), 1.0, 1.0)
    out = hd.hyperdual(np.zeros(7))
    res = np.sin(x, out=out)
    assert res is out
    np.testing.assert_array_equal(out._stack, np.sin(x)._stack)
    res = np.multiply(x, 2.0, out=(out,))
    assert res is out
    np.testing.assert_array_equal(out.e1, np.full(7, 2.0))
    strided = hd.hyperdual(np.zeros(14))[::2]  # non-contiguous out
    np.exp(x, out=strided)
    np.testing.assert_array_equal(strided._stack, np.exp(x)._stack)
    with pytest.raises(TypeError, match="drop the derivative"):
        np.sin(x, out=np.zeros(7))
    with pytest.raises(ValueError, match="shape"):
        np.sin(x, out=hd.hyperdual(np.zeros(3)))


def test_overlapping_out_is_computed_as_if_from_copies() -> None:
    v = np.arange(1.0, 9.0)
    x = hd.dual(v, v)
    expected = np.add(x[1:].copy(), x[:-1].copy())
    np.add(x[1:], x[:-1], out=x[1:])
    np.testing.assert_array_equal(x[1:]._stack, expected._stack)


@pytest.mark.parametrize("kind", ["dual", "dualvec", "hyperdualvec"])
def test_views_with_planes_apart_are_read_in_place(kind: str) -> None:
    """x[1:] of a (planes, n) array: each plane one block, the planes n apart. The
    kernels read it where it is; the results are those of contiguous copies."""
    v = np.linspace(0.5, 2.0, 12).reshape(3, 4)
    make = {
        "dual": lambda: hd.dual(v, np.cos(v)),
        "dualvec": lambda: hd.dualvec(v, np.stack([np.cos(v), v**2])),
        "hyperdualvec": lambda: hd.hyperdualvec(v, np.stack([np.cos(v), v**2])),
    }[kind]
    x = make()
    for view in (x[1:], x[:, 1:], x[1:, 1:3], x[2, 1:], x[1, 2], x[::2], x.T):
        copy = view.copy()
        for got, want in (
            (np.sin(view), np.sin(copy)),
            (view * view, copy * copy),
            (view / 3.0, copy / 3.0),
            (2.0**view, 2.0**copy),
        ):
            np.testing.assert_array_equal(got._stack, want._stack)
    a, b = x[:, 1:], x[:, :-1]
    np.testing.assert_array_equal((a - b**2)._stack, (a.copy() - b.copy() ** 2)._stack)
    if kind == "dual":  # rows 0 and 2 of each plane: not one block, refused by the kernels
        from hyperdiff import _core

        with pytest.raises(ValueError, match="C-contiguous within each plane"):
            _core.unary(0, 0, x._stack[:, ::2], np.empty((2, 2, 4)))


FAST_KINDS = {
    "Dual": lambda v, g: hd.dual(v, g[0]),
    "HyperDual": lambda v, g: hd.hyperdual(v, g[0], g[1], g[0] * g[1]),
    "DualVec3": lambda v, g: hd.dualvec(v, g),
    "HyperDualVec2": lambda v, g: hd.hyperdualvec(v, g[:2]),
    "HyperDualVec2x1": lambda v, g: hd.hyperdualvec(v, g[:2], g[2:]),
}


@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128", "complex64"])
@pytest.mark.parametrize("kind", list(FAST_KINDS))
def test_operators_in_cpp_agree_with_the_general_path(kind: str, dtype: str) -> None:
    """The common calls run whole in C++ (_core.fast_unary, fast_binary, fast_getitem);
    the general path (taken with out=) must give the same planes, bit for bit, and
    the same class and dtype (Python numbers are weak, as in numpy)."""
    shape = (3, 5)
    v = RNG.uniform(0.5, 2.0, shape)
    g = RNG.uniform(-1.0, 1.0, (3, *shape))
    if dtype.startswith("complex"):
        v, g = v + 0.5j * v[::-1], g - 0.25j
    make = FAST_KINDS[kind]
    a, b = make(v.astype(dtype), g.astype(dtype)), make((v**2).astype(dtype), g[::-1].astype(dtype))

    def general(ufunc: np.ufunc, *args: object) -> hd.DualArray:
        dual = next(x for x in args if isinstance(x, hd.DualArray))
        out = type(dual)._wrap(np.empty_like(dual._stack))
        return ufunc(*args, out=out)

    cases = [
        (a * b, general(np.multiply, a, b)),
        (a - b, general(np.subtract, a, b)),
        (a / 3, general(np.divide, a, 3)),
        (2.5 - a, general(np.subtract, 2.5, a)),
        (1.5 / a, general(np.divide, 1.5, a)),
        (a**3, general(np.power, a, 3)),
        (np.sin(a), general(np.sin, a)),
        (np.exp(b), general(np.exp, b)),
        (a[1:] * b[:-1], general(np.multiply, a[1:].copy(), b[:-1].copy())),
        (np.sqrt(a[:, 2:]), general(np.sqrt, a[:, 2:].copy())),
    ]
    if dtype.startswith("complex"):
        cases.append((a * (1 - 2j), general(np.multiply, a, 1 - 2j)))
    for got, want in cases:
        assert type(got) is type(a) and got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got._stack, want._stack)
    # these are the fast path's: C++ takes them whole
    from hyperdiff import _core
    from hyperdiff._ufuncs import FAST_BINARY, UNARY

    for args in ((a, b), (a, 3), (2.5, a), (a[1:], b[:-1])):
        assert _core.fast_binary(FAST_BINARY[np.subtract], *args) is not None
    assert _core.fast_unary(UNARY[np.sin], a[1:]) is not None
    assert _core.fast_unary(UNARY[np.sin], a[:, 2:]) is None  # rows apart: copied first
    assert _core.fast_getitem(a, (0, slice(1, 3))) is not None
    # exact identities of the fast path itself: a plain operand has no parts
    np.testing.assert_array_equal((a - 2)._stack[1:], a._stack[1:])
    np.testing.assert_array_equal((a * 2)._stack, a._stack * np.asarray(2, dtype))
    np.testing.assert_array_equal((2 * a)._stack, (a * 2)._stack)


def test_operators_in_cpp_leave_the_uncommon_cases_to_python() -> None:
    x = hd.dual(np.array([1.5, 2.5]), 1.0)
    x32 = hd.dual(np.array([1.5, 2.5], dtype=np.float32), 1.0)
    from hyperdiff import _core
    from hyperdiff._ufuncs import FAST_BINARY

    multiply = FAST_BINARY[np.multiply]
    m = hd.dual(np.arange(12.0).reshape(3, 4), 1.0)
    # (2**1100: numpy's conversion raises, and the general path raises numpy's error)
    for args in ((x, 2**1100), (x, True), (x, np.float32(2)), (x, 1j), (x, x32), (m[:, ::2], 2)):
        assert _core.fast_binary(multiply, *args) is None
    assert _core.fast_binary(FAST_BINARY.get(np.float_power), x, x) is None
    big = 2**60 + 1  # beyond float64's exact integers: numpy's own conversion (both paths)
    assert _core.fast_binary(multiply, x, big) is not None
    np.testing.assert_array_equal((x * big)._stack, x._stack * np.float64(big))
    np.testing.assert_array_equal((x32 * 16777217)._stack, x32._stack * np.float32(16777217))
    assert (x * True).dtype == np.float64 and (x * np.float32(2)).dtype == np.float64
    assert (x32 * 2.0).dtype == np.float32  # a Python float is weak
    z = x * 1j  # promotes: the general path
    assert z.dtype == np.complex128
    np.testing.assert_array_equal(z.d, [1j, 1j])
    assert (x32 * 1j).dtype == np.complex64
    assert (x * x32).dtype == np.float64  # two dtypes: promoted
    with pytest.raises(TypeError, match="cannot combine"):
        x * hd.hyperdual(np.array([1.5, 2.5]), 1.0, 1.0)
    with pytest.raises(ValueError):
        x * m  # shapes that do not broadcast
    assert (m * np.ones(4)).shape == (3, 4)  # broadcasting: the general path
    np.testing.assert_array_equal((m[:, ::2] * 2).d, np.full((3, 2), 2.0))  # not blocks
    with pytest.raises(TypeError, match=r"does not support numpy\.floor of complex"):
        np.floor(x * 1j)


def test_power_and_numpy_functions_in_cpp_match_their_general_paths() -> None:
    v = np.linspace(0.5, 2.0, 6)
    x = hd.hyperdual(v, 1.0, 1.0)
    for exponent, ufunc in ((2, np.square), (2.0, np.square), (0.5, np.sqrt), (-1, np.reciprocal)):
        np.testing.assert_array_equal((x**exponent)._stack, ufunc(x)._stack)  # numpy's fast paths
        # a numpy scalar exponent: the Python path, the same fast path
        np.testing.assert_array_equal((x ** np.float32(exponent))._stack, ufunc(x)._stack)
    np.testing.assert_array_equal((x**True)._stack, x._stack)
    cube = x**3  # the power kernel: 3 x^2, 6 x
    np.testing.assert_allclose(cube.e1, 3 * v**2, rtol=1e-15)
    np.testing.assert_allclose(cube.e12, 6 * v, rtol=1e-15)
    with pytest.raises(TypeError):
        x ** "2"
    m = hd.dual(np.arange(6.0).reshape(2, 3), 1.0)
    np.testing.assert_array_equal(np.sum(m).d, 6.0)  # registered, dual only: straight to it
    np.testing.assert_array_equal(np.sum(m, axis=0).d, [2.0, 2.0, 2.0])  # keywords
    both = np.concatenate([m, np.ones((1, 3))])  # a plain array among the types
    assert type(both) is hd.Dual and both.shape == (3, 3)
    np.testing.assert_array_equal(both.d[2], 0.0)
    with pytest.raises(TypeError, match=r"does not support numpy\.array_repr"):
        np.array_repr(m)


def test_indexing_in_cpp_is_numpys_on_each_plane() -> None:
    v = np.arange(24.0).reshape(2, 3, 4)
    x = hd.hyperdual(v, v + 1, v + 2, v + 3)
    keys = [
        1,
        -1,
        slice(1, None),
        (0, 2),
        (Ellipsis, 1),
        (None, 0),
        (slice(None), [0, 2]),
        v > 10,
        (np.array([0, 1]), slice(None), 3),
        (),
    ]
    for key in keys:
        want = np.stack([plane[key] for plane in x._stack])  # numpy on each plane
        got = x[key]
        assert type(got) is hd.HyperDual
        np.testing.assert_array_equal(got._stack, want)
    with pytest.raises(TypeError, match="cannot be used as indices"):
        x[hd.dual(0.0, 1.0)]
    with pytest.raises(TypeError, match="cannot be used as indices"):
        x[0, hd.dual(0.0, 1.0)]
    with pytest.raises(IndexError):
        x[5]


def test_inputs_are_not_mutated() -> None:
    v = np.array([0.5, 1.0])
    x = hd.dual(v, 1.0)
    before = x._stack.copy()
    np.sin(x) + x * 3 - x**2
    np.testing.assert_array_equal(x._stack, before)
    np.testing.assert_array_equal(v, [0.5, 1.0])


# --- identities ---------------------------------------------------------------
def test_identities_on_hyperduals() -> None:
    v = RNG.uniform(0.1, 10, 1000)
    x = hd.hyperdual(v, 1.0, 1.0)
    one = np.sin(x) ** 2 + np.cos(x) ** 2
    np.testing.assert_allclose(one.value, 1.0, rtol=0, atol=1e-15)  # libmvec: <= 4 ulps each
    np.testing.assert_allclose(one.e1, 0.0, atol=1e-14)
    np.testing.assert_allclose(one.e12, 0.0, atol=1e-14)
    back = np.exp(np.log(x))
    np.testing.assert_allclose(back.value, v, rtol=1e-15)  # exp and log each round
    np.testing.assert_allclose(back.e1, 1.0, rtol=1e-15)
    # f'' = 0 comes from E (-1/x^2) + E (1/x)^2: rounding relative to 1/x
    assert (np.abs(back.e12) <= 4 * np.finfo(float).eps / v).all()
    q = x / x
    np.testing.assert_array_equal(q.value, 1.0)
    np.testing.assert_array_equal(q.e1, 0.0)
    np.testing.assert_array_equal(q.e12, 0.0)


def test_float32_quotient_does_not_underflow() -> None:
    a = hd.dual(np.float32(1e-25), 0.0)
    b = hd.dual(np.float32(1e-25), 1.0)
    r = -a / b
    assert r.dtype == np.float32 and np.isfinite(r.d)
    assert r.d == pytest.approx(1e25, rel=1e-6)  # d/db (-a/b) = a/b^2
    h = -np.float32(1e-25) / hd.hyperdual(np.float32(1e-25), 1.0, 1.0)
    assert h.e1 == pytest.approx(1e25, rel=1e-6)
    assert h.e12 == -np.inf  # -2a/b^3 = -2e50 overflows float32, as it must


def test_denormals_are_not_flushed() -> None:
    # the core is built without -ffast-math, which would set flush-to-zero process-wide
    tiny = np.float64(5e-324)
    assert tiny * 1.0 != 0.0
    assert (hd.dual(tiny, 1.0) * 1.0).value == tiny


# --- values bit for bit where the value is a correctly rounded operation --------
EXACT_UNARY = ("negative", "positive", "absolute", "fabs", "sign", "sqrt", "square",
               "reciprocal", "floor", "ceil", "trunc", "rint", "deg2rad", "rad2deg")  # fmt: skip
EXACT_BINARY = ("add", "subtract", "multiply", "divide", "maximum", "minimum", "fmax", "fmin",
                "fmod", "remainder", "floor_divide", "copysign")  # fmt: skip
SPECIALS = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.5, np.inf, -np.inf, np.nan, 1e-310, 1e300])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", EXACT_UNARY)
def test_exact_unary_values_are_numpys(name: str, dtype: type) -> None:
    ufunc = getattr(np, name)
    with np.errstate(all="ignore"):
        v = np.concatenate([SPECIALS, RNG.normal(scale=100, size=200)]).astype(dtype)
        expected = ufunc(v)
    for x in (hd.dual(v, 1.0), hd.hyperdual(v, 1.0, 1.0)):
        np.testing.assert_array_equal(ufunc(x).value, expected)
        assert ufunc(x).value.dtype == expected.dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", EXACT_BINARY)
def test_exact_binary_values_are_numpys(name: str, dtype: type) -> None:
    ufunc = getattr(np, name)
    a = np.concatenate([np.repeat(SPECIALS, SPECIALS.size), RNG.normal(scale=10, size=300)])
    b = np.concatenate([np.tile(SPECIALS, SPECIALS.size), RNG.normal(scale=3, size=300)])
    with np.errstate(all="ignore"):
        a, b = a.astype(dtype), b.astype(dtype)
        expected = ufunc(a, b)
    got = ufunc(hd.hyperdual(a, 1.0), hd.hyperdual(b, 0.0, 1.0)).value
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))


# --- conventions at special values -----------------------------------------------
INF, NAN = np.inf, np.nan
SPECIAL_CASES = [
    # ufunc, x, f0, f1, f2 (the documented conventions and limits)
    (np.sqrt, 0.0, 0.0, INF, -INF),
    (np.cbrt, 0.0, 0.0, INF, -INF),
    (np.absolute, 0.0, 0.0, 0.0, 0.0),
    (np.sign, 0.0, 0.0, 0.0, 0.0),
    (np.floor, 2.0, 2.0, 0.0, 0.0),
    (np.rint, 2.5, 2.0, 0.0, 0.0),
    (np.log, 0.0, -INF, INF, -INF),
    (np.log, -1.0, NAN, NAN, NAN),
    (np.exp, -INF, 0.0, 0.0, 0.0),
    (np.exp, INF, INF, INF, INF),
    (np.arctan, INF, np.pi / 2, 0.0, 0.0),
    (np.arctan, -INF, -np.pi / 2, 0.0, 0.0),
    (np.arcsinh, INF, INF, 0.0, 0.0),
    (np.tanh, INF, 1.0, 0.0, 0.0),
    (np.arcsin, 1.0, np.pi / 2, INF, INF),
    (np.arcsin, 2.0, NAN, NAN, NAN),
    (np.sin, NAN, NAN, NAN, NAN),
    (np.reciprocal, 0.0, INF, -INF, INF),
]


def test_zero_parts_are_strong_zeros() -> None:
    # a constant (zero parts) never picks up nan from an infinite derivative
    c = np.sqrt(hd.hyperdual(0.0))
    assert (c.e1, c.e2, c.e12) == (0.0, 0.0, 0.0)
    d = np.log(hd.dual(np.array([0.0, 1.0]), np.array([0.0, 1.0])))
    np.testing.assert_array_equal(d.d, [0.0, 1.0])


@pytest.mark.parametrize(("ufunc", "x", "f0", "f1", "f2"), SPECIAL_CASES)
def test_special_values_follow_the_documented_conventions(ufunc, x, f0, f1, f2) -> None:  # type: ignore[no-untyped-def]
    r = ufunc(hd.hyperdual(x, 1.0, 1.0))
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(r.value, ufunc(np.float64(x)))
    np.testing.assert_array_equal([r.value, r.e1, r.e12], [f0, f1, f2])


def test_special_value_conventions_of_binary_functions() -> None:
    zero = hd.hyperdual(0.0, 1.0, 0.0), hd.hyperdual(0.0, 0.0, 1.0)
    h = np.hypot(*zero)
    assert (h.value, h.e1, h.e2, h.e12) == (0.0, 0.0, 0.0, 0.0)
    tie = np.maximum(hd.dual(1.0, 1.0), hd.dual(1.0, 5.0))
    assert tie.d == 1.0  # a tie follows the first argument
    zeros = np.maximum(hd.dual(np.zeros(20), 1.0), hd.dual(np.full(20, -0.0), 5.0))
    np.testing.assert_array_equal(
        np.signbit(zeros.value), np.signbit(np.maximum(0.0, np.full(20, -0.0)))
    )
    m = np.maximum(hd.dual(np.nan, 1.0), hd.dual(1.0, 5.0))
    assert np.isnan(m.value) and np.isnan(m.d)  # a nan value has nan derivatives
    m = np.fmax(hd.dual(np.nan, 1.0), hd.dual(1.0, 5.0))
    assert m.value == 1.0 and m.d == 5.0
    p = hd.dual(0.0, 1.0) ** hd.dual(2.0, 1.0)  # d/dy 0^y = 0 for y > 0
    assert (p.value, p.d) == (0.0, 0.0)
    for y, fx in ((3.0, 0.0), (1.0, 1.0), (0.5, INF), (0.0, 0.0)):
        assert np.power(hd.dual(0.0, 1.0), y).d == fx, y


# --- nothing is lost silently -----------------------------------------------------
def test_unsupported_ufuncs_and_functions_raise_naming_them() -> None:
    x = hd.dual(np.array([1.0, 2.0]), 1.0)
    with pytest.raises(TypeError, match=r"numpy\.nextafter"):
        np.nextafter(x, 0.0)
    with pytest.raises(TypeError, match=r"dtype= of numpy\.subtract\.reduce"):
        np.subtract.reduce(x, dtype=np.float32)
    with pytest.raises(TypeError, match=r"numpy\.einsum_path"):
        np.einsum_path("i,i", x, x)
    with pytest.raises(TypeError, match=r"numpy\.array2string"):
        np.array2string(x)
    with pytest.raises(TypeError, match="argument where="):
        np.sin(x, where=np.array([True, False]))


def test_asarray_keeps_the_parts_and_float_conversion_refuses() -> None:
    x = hd.dual(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    obj = np.asarray(x)
    assert obj.dtype == object and obj.shape == (2,)
    assert isinstance(obj[1], hd.Dual) and obj[1].d == 4.0
    with pytest.raises(TypeError, match=r"\.value"):
        np.asarray(x, dtype=float)
    with pytest.raises(TypeError, match="drop"):
        float(hd.dual(1.0, 1.0))
    with pytest.raises(TypeError, match="drop"):
        math.sin(hd.dual(1.0, 1.0))  # type: ignore[arg-type]


def test_object_array_slow_path_is_exact() -> None:
    def f(x):  # type: ignore[no-untyped-def]
        x = np.asarray(x)  # as scipy and friends do
        return np.sin(x) * x**2

    v = np.array([0.3, 1.7])
    np.testing.assert_allclose(
        hd.derivative(f)(v), np.cos(v) * v**2 + 2 * v * np.sin(v), rtol=1e-15
    )


# --- the derivative transform -------------------------------------------------------
def test_derivative_first_and_second_order_any_shape() -> None:
    v = RNG.uniform(0.1, 2, (3, 4))
    f = lambda x: np.sin(x) * np.exp(-(x**2))  # noqa: E731
    d1 = np.cos(v) * np.exp(-(v**2)) - 2 * v * np.sin(v) * np.exp(-(v**2))
    d2 = np.exp(-(v**2)) * ((4 * v**2 - 3) * np.sin(v) - 4 * v * np.cos(v))
    np.testing.assert_allclose(hd.derivative(f)(v), d1, rtol=1e-13)
    np.testing.assert_allclose(hd.derivative(f, order=2)(v), d2, rtol=1e-13, atol=1e-15)
    assert hd.derivative(f)(0.5).shape == ()


def test_derivative_argnums_constants_and_tuples() -> None:
    g = lambda a, b: a * b**3  # noqa: E731
    assert hd.derivative(g, argnums=1)(2.0, 3.0) == 54.0
    assert hd.derivative(g, order=2, argnums=1)(2.0, 3.0) == 36.0
    np.testing.assert_array_equal(hd.derivative(lambda x: 5.0)(np.ones(3)), np.zeros(3))
    d_sin, d_cos = hd.derivative(lambda x: (np.sin(x), np.cos(x)))(0.0)
    assert (d_sin, d_cos) == (1.0, -0.0)


def test_derivative_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="order"):
        hd.derivative(np.sin, order=0)  # any order >= 1 (3 and up: Taylor arrays)
    # transforms nest: order 2, and beyond it (a bundle of Taylor series)
    assert hd.derivative(hd.derivative(np.sin))(1.0) == -np.sin(1.0)
    assert hd.derivative(hd.derivative(np.sin, order=2))(1.0) == pytest.approx(-np.cos(1.0))


# --- threads -------------------------------------------------------------------------
def test_threaded_kernels_give_the_single_threaded_result() -> None:
    from hyperdiff import _core

    n = 3 * _core.PARALLEL_THRESHOLD + 17  # several chunks and a ragged end
    x = hd.hyperdual(RNG.uniform(0.1, 3, n), 1.0, 1.0)
    y = hd.hyperdual(RNG.uniform(0.1, 3, n), 0.0, 1.0)
    before = hd.get_num_threads()
    try:
        hd.set_num_threads(1)
        single = (np.sin(x)._stack, np.power(x, y)._stack)
        hd.set_num_threads(3)
        threaded = (np.sin(x)._stack, np.power(x, y)._stack)
    finally:
        hd.set_num_threads(before)
    for a, b in zip(single, threaded, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="at least 1"):
        hd.set_num_threads(0)


# --- streaming stores ------------------------------------------------------------------
def _chunked(f, *args, chunk: int):  # type: ignore[no-untyped-def]
    """f applied to slices small enough for ordinary stores, concatenated planewise."""
    n = args[0].shape[0]
    parts = [f(*(a[i : i + chunk] for a in args))._stack for i in range(0, n, chunk)]
    return np.concatenate(parts, axis=1)


@pytest.mark.parametrize("kind", ["Dual", "HyperDual"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_streamed_outputs_match_ordinary_stores(kind: str, dtype: type) -> None:
    """Outputs above STREAM_THRESHOLD_BYTES are written with non-temporal stores in
    cache-line-aligned blocks; they must be bit for bit what ordinary stores give,
    for misaligned outputs, odd plane strides (planes of different alignment),
    in place, and with a broadcast operand."""
    from hyperdiff import _core

    make = (lambda v: hd.dual(v, 1.0)) if kind == "Dual" else (lambda v: hd.hyperdual(v, 1.0, 0.5))
    planes = 2 if kind == "Dual" else 4
    itemsize = np.dtype(dtype).itemsize
    # two threads' halves each above the threshold; odd, so planes differ in alignment
    n = 2 * _core.STREAM_THRESHOLD_BYTES // (planes * itemsize) + 1001
    chunk = n // 9
    x = make(RNG.uniform(0.5, 3.0, n).astype(dtype))
    y = make(RNG.uniform(0.5, 3.0, n).astype(dtype))
    x._stack[1:, ::7] = 0.0  # strong zeros go through the streamed path too
    before = hd.get_num_threads()
    try:
        hd.set_num_threads(1)
        for f in (np.multiply, np.divide, np.add, np.arctan2):
            np.testing.assert_array_equal(f(x, y)._stack, _chunked(f, x, y, chunk=chunk))
        np.testing.assert_array_equal(np.exp(x)._stack, _chunked(np.exp, x, chunk=chunk))
        # an output starting mid cache line: a view one element into a larger buffer
        buffer = np.empty((planes, n + 3), dtype=dtype)
        out = type(x)._wrap(buffer[:, 1:-2])
        assert not out._stack.flags.c_contiguous
        np.testing.assert_array_equal(np.multiply(x, y, out=out)._stack, (x * y)._stack)
        flat = np.empty(planes * n + 1, dtype=dtype)[1:].reshape(planes, n)
        out = type(x)._wrap(flat)
        assert out._stack.flags.c_contiguous and out._stack.ctypes.data % 64 != 0
        np.testing.assert_array_equal(np.divide(x, y, out=out)._stack, (x / y)._stack)
        np.testing.assert_array_equal(np.sin(x, out=out)._stack, np.sin(x)._stack)
        # an output not aligned to its element size (numpy allows it): ordinary stores
        raw = np.empty(planes * n * itemsize + 1, dtype=np.uint8)[1:]
        out = type(x)._wrap(raw.view(dtype).reshape(planes, n))
        assert not out._stack.flags.aligned and out._stack.flags.c_contiguous
        np.testing.assert_array_equal(np.multiply(x, y, out=out)._stack, (x * y)._stack)
        np.testing.assert_array_equal(np.exp(x, out=out)._stack, np.exp(x)._stack)
        # in place, and a broadcast second operand
        expected = (x * y)._stack.copy()
        z = x.copy()
        np.multiply(z, y, out=z)
        np.testing.assert_array_equal(z._stack, expected)
        c = make(dtype(1.5))
        np.testing.assert_array_equal((x * c)._stack, _chunked(lambda a: a * c, x, chunk=chunk))
        # several threads stream their own chunks
        hd.set_num_threads(2)
        np.testing.assert_array_equal(
            np.divide(x, y)._stack, _chunked(np.divide, x, y, chunk=chunk)
        )
    finally:
        hd.set_num_threads(before)


def test_reuse_memory_reuses_large_blocks_only_inside_its_scope() -> None:
    from hyperdiff._memory import cached_bytes

    size = 1 << 16  # 512 KiB of float64: above the cache's 256 KiB floor
    hd.release_memory()
    assert cached_bytes() == 0
    with hd.reuse_memory():
        kept = np.full(size, 3.0)  # allocated in the scope, outlives it
        np.full(size, 7.0)  # freed at once: kept for reuse
        assert cached_bytes() == 8 * size
        zeros = np.zeros(size)  # calloc of a reused (dirty) block is still zeros
        assert cached_bytes() == 0
        np.testing.assert_array_equal(zeros, 0.0)
        with hd.reuse_memory():  # nested: closing the inner scope keeps the cache
            del zeros
        assert cached_bytes() == 8 * size
        grown = np.arange(size, dtype=np.float64)
        grown.resize(2 * size, refcheck=False)  # realloc through the cache
        np.testing.assert_array_equal(grown[:size], np.arange(size))
        np.testing.assert_array_equal(grown[size:], 0.0)
        small = np.ones(10)  # below the floor: malloc's own
    # the blocks stay for the next scope (up to 1 GiB) until released
    kept_bytes = cached_bytes()
    assert kept_bytes >= 8 * size
    assert hd.release_memory() == kept_bytes
    assert cached_bytes() == 0
    np.testing.assert_array_equal(kept, 3.0)
    np.testing.assert_array_equal(small, 1.0)
    del kept, grown  # freed outside any scope: straight to free()
    assert cached_bytes() == 0


def test_transforms_allocate_through_the_cache_while_their_function_needs_it() -> None:
    handler_name = getattr(np, "_core", np.core).multiarray.get_handler_name
    before = handler_name()
    inside: list[str] = []

    def f(x: Any) -> Any:
        inside.append(handler_name())
        # (a tuple: its planes made in full; a lone output of a chain in x alone makes
        # its part's plane alone, block by block, and needs no scope)
        return (np.sin(x) * x,)

    g = hd.derivative(f)  # one pass at any size
    small, large = np.linspace(0.0, 1.0, 3), np.linspace(0.0, 1.0, 1 << 15)
    for x in (small, small, large, large, small, small):
        (got,) = g(x)
        np.testing.assert_allclose(got, np.cos(x) * x + np.sin(x), rtol=1e-15, atol=1e-15)
        assert handler_name() == before  # only ever during the call
    cache = "hyperdiff_block_cache"
    # the first call has a scope; one with no large array turns it off; large
    # outputs of an unscoped call turn it on for the next
    assert inside == [cache, before, before, cache, cache, before]

    def fails(x: Any) -> Any:
        raise RuntimeError("inside the function")

    with pytest.raises(RuntimeError, match="inside the function"):
        hd.hessian(fails)(np.ones(3))
    assert handler_name() == before  # restored however the call ends


def test_reuse_memory_closes_on_error_and_transforms_keep_a_bounded_cache() -> None:
    from hyperdiff._memory import cached_bytes

    hd.release_memory()
    with pytest.raises(RuntimeError), hd.reuse_memory():
        np.ones(1 << 17)
        raise RuntimeError
    assert cached_bytes() == 8 << 17
    with hd.reuse_memory():  # the scope closed: the next one starts afresh
        assert np.ones(1 << 17).sum() == 1 << 17
    x = np.linspace(-1.0, 1.0, 60)
    h = hd.hessian(lambda v: np.sum(np.sin(v[1:] * v[:-1]) ** 2))(x)  # 1891 planes of 59
    assert 0 < cached_bytes() <= 128 << 20
    hd.release_memory()
    a, b = x[:-1], x[1:]
    s2, c2 = np.sin(2 * a * b), np.cos(2 * a * b)
    expected = np.zeros((60, 60))
    expected[np.arange(59), np.arange(59)] += 2 * b**2 * c2
    expected[np.arange(1, 60), np.arange(1, 60)] += 2 * a**2 * c2
    off = s2 + 2 * a * b * c2
    expected[np.arange(59), np.arange(1, 60)] += off
    expected[np.arange(1, 60), np.arange(59)] += off
    np.testing.assert_allclose(h, expected, rtol=1e-13, atol=1e-14)
