"""Round twelve: numpy's array API on dual arrays (tests/test_silent_round11.py before).

Where a dual array was a view and numpy's a copy, or the other way round, writes went
where numpy's do not (or not where numpy's do), and values and derivatives came out
wrong, silently. Each section below is one family:

- in-place operators through a view (**=, //=, %=, @= were missing: Python rebound the
  name, the base kept its value; an object array of dual scalars as the operand did
  the same for every operator);
- ravel/flatten/reshape in orders 'K' and 'A' (numpy's memory layout, which dual arrays
  do not keep: permuted elements; now a TypeError where orders could differ);
- one element by integers (x[0], x[i, j]: numpy's scalar, a copy; it was a view, so
  `total = x[0]; total += x[1]` wrote into x, and `x[0], x[2] = x[2], x[0]` did not
  swap);
- np.einsum of one operand (numpy's view, np.einsum('ii->i', K)[:] += s: it was a copy);
- writes of lists holding dual scalars (put, place, ...: raised);
- reductions of one element (np.prod over an axis of length 1: a view of x);
- empty index lists and np.broadcast_arrays of one shape (raised).

References are numpy's own operations on the value and part planes (writes are linear
in the planes), closed forms of the operators' derivatives run in numpy, and numpy's
own view-or-copy answer (np.shares_memory); no hyperdiff on the reference side.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

_RNG = np.random.default_rng(12)
_X = _RNG.uniform(0.6, 2.0, (4, 4))  # the written array's values
_DX = _RNG.standard_normal((4, 4))  # and its direction
_S = _RNG.uniform(0.6, 2.0, (4, 4))  # the operand's (views of it, shaped like the target)
_DS = _RNG.standard_normal((4, 4))
_M = _RNG.uniform(-1.0, 1.0, (8, 8))  # @='s right operand (its leading n x n block)
_DM = _RNG.standard_normal((8, 8))

# --- in-place operators through a view ---------------------------------------------------
# numpy's `row = y[0]; row **= 2` writes into y, as every in-place operator does.
# view name -> the view of a 4 x 4 array the operator writes through
VIEWS: dict[str, Callable[[Any], Any]] = {
    "row": lambda y: y[1],
    "rows": lambda y: y[1:3],
    "column": lambda y: y[:, 2],
    "strided": lambda y: y[::2, 1::2],
    "reversed": lambda y: y[::-1, ::-1],
    "transposed": lambda y: y.T,
    "reshaped": lambda y: y.reshape(2, 8),
    "ellipsis": lambda y: y[..., 1:],
    "whole": lambda y: y[...],
}

# operator -> (the in-place operator, d(t op s) from t, dt, s, ds: the closed form)
OPERATORS: dict[str, tuple[Callable[[Any, Any], Any], Callable[..., np.ndarray]]] = {
    "+=": (operator.iadd, lambda t, dt, s, ds: dt + ds),
    "-=": (operator.isub, lambda t, dt, s, ds: dt - ds),
    "*=": (operator.imul, lambda t, dt, s, ds: dt * s + t * ds),
    "/=": (operator.itruediv, lambda t, dt, s, ds: (dt * s - t * ds) / s**2),
    "//=": (operator.ifloordiv, lambda t, dt, s, ds: np.zeros_like(t)),
    "%=": (operator.imod, lambda t, dt, s, ds: dt - np.floor(t / s) * ds),
    "**=": (
        operator.ipow,
        lambda t, dt, s, ds: s * t ** (s - 1) * dt + t**s * np.log(t) * ds,
    ),
}


def _matmul_parts(t: np.ndarray, dt: np.ndarray, s: np.ndarray, ds: np.ndarray) -> np.ndarray:
    return dt @ s + t @ ds  # type: ignore[no-any-return]


def _reference(view: str, op: str, operand: str) -> tuple[np.ndarray, np.ndarray]:
    """The written array's value (numpy's own in-place operator) and its derivative
    (the closed form) along (_DX, _DS), on plain arrays."""
    y, dy = _X.copy(), _DX.copy()
    t, dt = VIEWS[view](y), VIEWS[view](dy)
    s = _operand_values(view, op)
    ds = np.zeros_like(s) if operand == "plain" else _operand_direction(view, op)
    if op == "@=":
        part = _matmul_parts(t, dt, s, ds)
        t @= s
    else:
        part = OPERATORS[op][1](t, dt, s, ds)
        OPERATORS[op][0](t, s)
    dt[...] = part
    return y, dy


def _operand_values(view: str, op: str) -> np.ndarray:
    if op == "@=":
        n = VIEWS[view](_X).shape[-1]
        return _M[:n, :n].copy()
    return VIEWS[view](_S).copy()


def _operand_direction(view: str, op: str) -> np.ndarray:
    if op == "@=":
        n = VIEWS[view](_X).shape[-1]
        return _DM[:n, :n].copy()
    return VIEWS[view](_DS).copy()


def _apply(y: Any, view: str, op: str, s: Any) -> None:
    t = VIEWS[view](y)
    if op == "@=":
        t @= s
    else:
        OPERATORS[op][0](t, s)


_CASES = [
    (view, op, operand)
    for view in VIEWS
    for op in (*OPERATORS, "@=")
    for operand in ("plain", "dual", "object")
]


@pytest.mark.parametrize(("view", "op", "operand"), _CASES)
def test_in_place_operators_write_through_views(view: str, op: str, operand: str) -> None:
    """y = x (a Dual, a HyperDual); view(y) op= s for every view, operator and operand
    (a plain array, a dual array, an object array of dual scalars): y's value is
    numpy's, its parts the closed form's."""
    want, dwant = _reference(view, op, operand)
    s, ds = _operand_values(view, op), _operand_direction(view, op)
    for make, parts in (
        (lambda v, d: hd.dual(v, d), lambda r: (r.d,)),
        (lambda v, d: hd.hyperdual(v, d, d), lambda r: (r.e1, r.e2)),
    ):
        y = make(_X, _DX)
        if operand == "plain":
            operand_value: Any = s
        else:
            operand_value = make(s, ds)
            if operand == "object":
                operand_value = np.asarray(operand_value)
                assert operand_value.dtype == object
        with np.errstate(all="ignore"):
            _apply(y, view, op, operand_value)
        if op == "**=":  # power: libm's and the kernels' within an ulp (README)
            np.testing.assert_allclose(y.value, want, rtol=4.5e-16, atol=0)
        else:  # arithmetic, floor, remainder, matmul's products: numpy's bits
            np.testing.assert_array_equal(y.value, want)
        for part in parts(y):
            np.testing.assert_allclose(part, dwant, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("op", ["//=", "%=", "**=", "@="])
def test_in_place_operators_in_a_jacobian(op: str) -> None:
    """The same through hd.jacobian (a DualVec) and its sparse pattern: row 1 of y, a
    view, op= a plain constant; the Jacobian of y against the closed form's."""
    c = np.array([[1.3, 0.2, 0.0, 0.5]]).T * np.ones(4) if op == "@=" else 0.7

    def f(x: Any) -> Any:
        y = x * 1.0
        t = y[1:2]
        if op == "//=":
            t //= c
        elif op == "%=":
            t %= c
        elif op == "**=":
            t **= c
        else:
            t @= c
        return y

    eye = np.eye(16).reshape(4, 4, 4, 4)
    want = eye.copy()
    row = _X[1]
    if op == "//=":
        want[1] = 0.0
    elif op == "**=":
        want[1] = (0.7 * row ** (0.7 - 1))[:, None, None] * eye[1]
    elif op == "@=":
        want[1] = np.einsum("jk,jab->kab", c, eye[1])  # (e_row @ c) per variable
    jac = hd.jacobian(f)(_X)
    np.testing.assert_allclose(jac, want, rtol=1e-14, atol=0)
    pattern = hd.jacobian_sparsity(f)(_X).toarray().reshape(4, 4, 4, 4)
    np.testing.assert_array_equal(pattern, want != 0)


def test_in_place_operators_refuse_what_numpy_refuses() -> None:
    """Shapes and casts as numpy's in-place operators: a broadcast beyond the target, a
    complex operand into a real array, @= of a vector (numpy's error); float32 targets
    keep float32."""
    for op in (operator.ipow, operator.imod, operator.ifloordiv):
        with pytest.raises(ValueError):  # numpy's: non-broadcastable output operand
            op(hd.dual(np.ones((2, 3)), 1.0), np.ones((3, 2, 3)))
    with pytest.raises(TypeError):
        y = hd.dual(np.ones((2, 3)), 1.0)
        y @= np.eye(3) * 1j
    with pytest.raises(ValueError, match="inplace matrix multiplication"):
        v = hd.dual(np.ones(3), 1.0)
        v @= np.ones(3)
    y32 = hd.dual(np.full((2, 3), 1.5, np.float32), 1.0)
    y32 **= np.float64(2.5)
    want = np.full((2, 3), 1.5, np.float32)
    want **= np.float64(2.5)
    assert y32.dtype == np.float32
    np.testing.assert_array_equal(y32.value, want)


# --- orders that follow numpy's memory layout -------------------------------------------
# numpy's order 'K' (ravel, flatten) and 'A' (ravel, flatten, reshape) read an array in
# its memory layout, which numpy sets by the array's history: an F-ordered input, np.sin
# of x.T (F-ordered: ufuncs keep their input's layout), np.copy of either. A dual array
# keeps none of that (a transform seeds an F-ordered input C-ordered, results are
# C-ordered), so its elements came out in another order than numpy's: a permuted value
# and derivative, silently. Refused now where any two orders could differ.
_A = np.arange(1.0, 7.0).reshape(2, 3)
_W6 = np.array([1.0, -2.0, 0.5, 3.0, -1.5, 2.5])

LAYOUT_READS: dict[str, Callable[[Any], Any]] = {
    "ravel K": lambda x: np.ravel(x, order="K"),
    "ravel A": lambda x: np.ravel(x, order="A"),
    "method ravel K": lambda x: x.ravel(order="K"),
    "flatten K": lambda x: x.flatten(order="K"),
    "flatten A": lambda x: x.flatten(order="A"),
    "reshape A": lambda x: np.reshape(x, (6,), order="A"),
    "method reshape A": lambda x: x.reshape((3, 2), order="A").ravel(),
}

# how the array got its layout in numpy (each differs from C order but the first)
LAYOUT_HISTORIES: dict[str, tuple[Callable[[Any], Any], np.ndarray]] = {
    "C input": (lambda x: x * 1.0, _A),
    "F input": (lambda x: x * 1.0, np.asfortranarray(_A)),
    "F input, read directly": (lambda x: x, np.asfortranarray(_A)),
    "sin of a transpose": (lambda x: np.sin(x.T), _A),
    "product of a transpose": (lambda x: x.T * 2.0, _A),
    "copy of a transpose": (lambda x: np.copy(x.T), _A),
    "transpose": (lambda x: x.T, _A),
}


@pytest.mark.parametrize("history", LAYOUT_HISTORIES)
@pytest.mark.parametrize("read", LAYOUT_READS)
def test_memory_orders_are_refused_where_they_could_differ(read: str, history: str) -> None:
    """sum(w * read(h(x))) for every layout history h: numpy's value depends on the
    layout; hyperdiff's transforms and dual arrays raise a TypeError naming the
    function and the order instead of reading C order (or the dual's own layout)."""
    h, x = LAYOUT_HISTORIES[history]
    take = LAYOUT_READS[read]

    def f(v: Any) -> Any:
        return np.sum(_W6 * take(h(v)))

    f(x)  # numpy's own runs
    with pytest.raises(TypeError, match=r"numpy\.(ravel|reshape) with order='[AK]'"):
        hd.value_and_grad(f)(x)
    with pytest.raises(TypeError, match=r"numpy\.(ravel|reshape) with order='[AK]'"):
        f(hd.dual(x, np.ones_like(x)))


@pytest.mark.parametrize("read", LAYOUT_READS)
def test_memory_orders_of_one_long_axis_are_numpys(read: str) -> None:
    """With at most one axis longer than 1 every order reads the same elements: the
    value is numpy's, the Jacobian the permutation numpy's read makes of the
    element numbers (np.arange through the same read)."""
    take = LAYOUT_READS[read]
    for shape in ((6, 1), (1, 6), (6,)):
        x = np.asfortranarray(_A.reshape(shape))
        got = take(hd.dual(x, np.ones_like(x)))
        np.testing.assert_array_equal(got.value, take(x))
        moved = take(np.arange(6.0).reshape(shape)).astype(int).ravel()
        jac = hd.jacobian(lambda v, take=take: take(v).ravel())(x).reshape(6, 6)
        np.testing.assert_array_equal(jac, np.eye(6)[moved])


# --- one element by integers: numpy's scalar, a copy -------------------------------------
# x[0] of a vector, x[i, j] of a matrix: numpy hands out a scalar, a copy, so
# `total = x[0]; total += x[1]` leaves x as it was. hyperdiff handed out a 0-d dual
# array viewing x's planes, and the += wrote into x: f below gave 36 for numpy's 6, and
# its gradient (12, 12, 12) for (7, 1, 1). x[0, ...] is a 0-d view in numpy too: kept.
ELEMENT_KEYS: dict[str, tuple[tuple[int, ...], Any]] = {
    "vector x[1]": ((5,), 1),
    "vector x[-1]": ((5,), -1),
    "vector numpy integer": ((5,), np.int64(2)),
    "matrix x[1, 2]": ((3, 4), (1, 2)),
    "matrix x[-1, 0]": ((3, 4), (-1, 0)),
    "matrix 0-d index arrays": ((3, 4), (np.array(1), np.array(2))),
    "3-d x[0, 1, 2]": ((2, 3, 4), (0, 1, 2)),
    "0-d x[()]": ((), ()),
}

ELEMENT_WRITES: dict[str, Callable[[Any], Any]] = {
    "+=": lambda t: operator.iadd(t, 2.5),
    "-=": lambda t: operator.isub(t, 2.5),
    "*=": lambda t: operator.imul(t, 2.5),
    "/=": lambda t: operator.itruediv(t, 2.5),
    "**=": lambda t: operator.ipow(t, 2.5),
    "//=": lambda t: operator.ifloordiv(t, 0.3),
    "%=": lambda t: operator.imod(t, 0.3),
}


@pytest.mark.parametrize("write", ELEMENT_WRITES)
@pytest.mark.parametrize("key", ELEMENT_KEYS)
def test_an_element_by_integers_is_a_copy(key: str, write: str) -> None:
    """t = y[key]; t op= c: y is unchanged, as numpy's (its value and its parts, Dual,
    HyperDual and through hd.jacobian: the identity); t is numpy's scalar."""
    shape, index = ELEMENT_KEYS[key]
    x = np.linspace(0.6, 2.0, int(np.prod(shape))).reshape(shape)
    op = ELEMENT_WRITES[write]
    want = x.copy()
    scalar = want[index]
    assert isinstance(scalar, np.generic)  # numpy's: a scalar
    scalar = op(scalar)

    def f(v: Any) -> Any:
        y = v * 1.0
        t = y[index]
        t = op(t)
        return y, t

    ones = np.ones_like(x)
    for make, parts in (
        (lambda v: hd.dual(v, ones), lambda r: [(r.d, ones)]),
        (
            lambda v: hd.hyperdual(v, ones, ones),
            lambda r: [(r.e1, ones), (r.e2, ones), (r.e12, 0 * ones)],
        ),
    ):
        y, t = f(make(x))
        np.testing.assert_array_equal(y.value, want)
        for got, expected in parts(y):
            np.testing.assert_array_equal(got, expected)
        np.testing.assert_allclose(t.value, scalar, rtol=4.5e-16)
    jac = hd.jacobian(lambda v: f(v)[0])(x)
    np.testing.assert_array_equal(jac, np.eye(x.size).reshape(shape + shape))


def test_an_element_read_then_accumulated() -> None:
    """total = x[0]; total += x[i] ...; total * x[0]: numpy's 6 at (1, 2, 3), its
    gradient (2 x0 + x1 + x2, x0, x0) = (7, 1, 1), every kind."""

    def f(x: Any) -> Any:
        total = x[0]
        for i in range(1, len(x)):
            total += x[i]
        return total * x[0]

    x = np.array([1.0, 2.0, 3.0])
    assert f(x) == 6.0
    value, grad = hd.value_and_grad(f)(x)
    assert value == 6.0
    np.testing.assert_array_equal(grad, [7.0, 1.0, 1.0])
    np.testing.assert_array_equal(hd.hessian(f)(x), [[2.0, 1.0, 1.0], [1.0, 0, 0], [1.0, 0, 0]])
    y = f(hd.dual(x, np.array([1.0, 0.0, 0.0])))
    assert (y.value, y.d) == (6.0, 7.0)
    big = np.linspace(0.5, 1.5, 40_000)  # recorded (fused) planes too
    b = hd.dual(big, 1.0) * 2.0
    first = b[0]
    first += 1.0
    assert b.value[0] == 1.0 and first.value == 2.0


@pytest.mark.parametrize(
    "elements",
    [lambda y: list(y), lambda y: np.unstack(y), lambda y: [y[i] for i in range(len(y))]],
    ids=["iteration", "unstack", "indexing"],
)
def test_the_elements_of_a_vector_are_copies(elements: Callable[[Any], Any]) -> None:
    """The elements of a vector (iterated, np.unstack, x[i]) are numpy's scalars:
    t *= 2 on each leaves y as it was (np.unstack gave views of y's planes), and, as
    numpy's scalars, the elements themselves too (t is rebound: test_zero_d_numbers)."""
    v = np.array([1.0, 2.0, 3.0])
    for t in elements(v.copy()):
        assert isinstance(t, np.generic)
    y = hd.dual(v.copy(), 10 * v)
    parts = elements(y)
    for t in parts:
        t *= 2.0
    np.testing.assert_array_equal(y.value, v)
    np.testing.assert_array_equal(y.d, 10 * v)
    plain = elements(v.copy())
    for t in plain:
        t *= 2.0
    np.testing.assert_array_equal([t.value for t in parts], plain)  # numpy's: v


def test_swapping_elements() -> None:
    """x[0], x[2] = x[2], x[0] swaps in numpy (the right side holds two scalars). With
    views on the right, the second assignment read the first's result: x[0] and x[2]
    both became x2, and the Jacobian had the row (0, 0, 1) twice. Now the
    permutation, in value, parts and Jacobian; a shuffle keeps values and parts
    together."""

    def f(x: Any) -> Any:
        y = x * 1.0
        y[0], y[2] = y[2], y[0]
        return y

    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(f(hd.dual(x, x * 10)).value, [3.0, 2.0, 1.0])
    np.testing.assert_array_equal(f(hd.dual(x, x * 10)).d, [30.0, 20.0, 10.0])
    np.testing.assert_array_equal(hd.jacobian(f)(x), np.eye(3)[[2, 1, 0]])
    y = hd.dual(np.arange(8.0), np.arange(8.0) * 10)
    with pytest.warns(UserWarning, match="not a subclass of 'Sequence'"):
        np.random.default_rng(3).shuffle(y)
    np.testing.assert_array_equal(np.sort(y.value), np.arange(8.0))
    np.testing.assert_array_equal(y.d, y.value * 10)


def _swap(y: Any) -> None:
    y[0], y[2] = y[2], y[0]


SPARSITY_ELEMENTS: dict[str, Callable[[Any], Any]] = {
    "floor of an element": lambda y: operator.ifloordiv(y[0], 100.0),
    "floor of each element": lambda y: [operator.ifloordiv(t, 100.0) for t in y],
    "swap": _swap,
    "floor of a 0-d view (numpy's view)": lambda y: operator.ifloordiv(y[0, ...], 100.0),
}


@pytest.mark.parametrize("name", SPARSITY_ELEMENTS)
def test_sparsity_patterns_of_elements(name: str) -> None:
    """Sparsity detection took y[0] for a view of y too: t = y[0]; t //= 100 emptied
    y[0]'s dependencies, so jacobian_sparsity missed the diagonal entry numpy's y[0]
    keeps (and a sparse jacobian without the check was wrong there). The pattern is
    now the dense Jacobian's nonzeros (a closed form: the identity, permuted by the
    swap; row 0 empty where numpy's 0-d view is floored)."""
    write = SPARSITY_ELEMENTS[name]

    def f(x: Any) -> Any:
        y = x * 2.0
        write(y)
        return y

    x = np.array([1.0, 2.0, 3.0])
    want = 2.0 * np.eye(3)
    if name == "swap":
        want = want[[2, 1, 0]]
    elif "0-d view" in name:
        want[0] = 0.0
    np.testing.assert_array_equal(hd.jacobian(f)(x), want)
    np.testing.assert_array_equal(hd.jacobian_sparsity(f)(x).toarray(), want != 0)
    sparse = hd.jacobian(f, sparsity="auto", check_sparsity=False)(x)
    np.testing.assert_array_equal(sparse.toarray(), want)


def test_zero_dimensional_views_stay_views() -> None:
    """x[0, ...] and x[...] are views in numpy (0-d arrays): writes through them reach x,
    values and parts, here as there; iteration over a vector gives numpy's scalars
    (copies), over a matrix its rows (views)."""
    v = np.array([[1.0, 2.0], [3.0, 4.0]])
    for key in ((0, Ellipsis, 1), (Ellipsis, 1, 0)):
        plain, y = v.copy(), hd.dual(v, 1.0)
        view = plain[key]
        view += 10.0
        t = y[key]
        t += hd.dual(10.0, 3.0)
        np.testing.assert_array_equal(y.value, plain)
        np.testing.assert_array_equal(y.d, np.where(plain > 10, 4.0, 1.0))
    y = hd.dual(v, 1.0)
    for row in y:
        row *= 2.0
    for t in y[0]:
        t *= 5.0
    np.testing.assert_array_equal(y.value, 2 * v)
    np.testing.assert_array_equal(y.d, np.full((2, 2), 2.0))


# --- einsum of one operand: numpy's view -----------------------------------------------
# np.einsum('ii->i', K) is a writeable view of K's diagonal in numpy (its documented
# idiom: np.einsum('ii->i', K)[:] += s), as 'ij->ji' is K.T. hyperdiff's einsum made a
# new array, so the write never reached K: silently K without s.
EINSUM_VIEWS: dict[str, tuple[Any, ...]] = {
    "diagonal": ("ii->i",),
    "transpose": ("ij->ji",),
    "implicit transpose": ("ji",),
    "itself": ("ij",),
    "ellipsis": ("...->...",),
    "ellipsis last": ("i...->...i",),
    "batched diagonal": ("...ii->...i",),
    "sublists": ([0, 0], [0]),
}


@pytest.mark.parametrize("optimize", [False, True])
@pytest.mark.parametrize("name", EINSUM_VIEWS)
def test_einsum_views_write_through(name: str, optimize: bool) -> None:
    """view = einsum(K); view += s; view[0] = t: K's value and parts are numpy's writes
    into K's value and into each of its part planes (the writes are linear)."""
    spec = EINSUM_VIEWS[name]
    k, dk = _X[:3, :3].copy(), _DX[:3, :3].copy()
    s = _S[0, :3] if name in ("diagonal", "batched diagonal", "sublists") else _S[:3, :3]
    ds = _DS[0, :3] if s.ndim == 1 else _DS[:3, :3]

    def einsum(a: Any) -> Any:
        if isinstance(spec[0], str):
            return np.einsum(spec[0], a, optimize=optimize)
        return np.einsum(a, *spec, optimize=optimize)

    want, dwant = k.copy(), dk.copy()
    for plane, add in ((want, s), (dwant, ds)):
        view = einsum(plane)
        assert np.shares_memory(view, plane)  # numpy's: a view
        view += add
        view[0] = 0.0
    y = hd.dual(k, dk)
    view = einsum(y)
    view += hd.dual(s, ds)
    view[0] = 0.0
    np.testing.assert_array_equal(y.value, want)
    np.testing.assert_array_equal(y.d, dwant)


def test_einsum_diagonal_update_in_transforms() -> None:
    """K = x x^T; diag(K) += x**2 by the einsum idiom: dK_ij/dx_k = d_ik x_j + x_i d_jk
    + d_ij d_ik 2 x_i (the closed form) from jacobian; sparsity detection refuses the
    write through a view it does not follow (it missed it: the pattern lacked the
    diagonal's new entries)."""

    def f(x: Any) -> Any:
        k = x[:, None] * x[::-1][None, :]
        np.einsum("ii->i", k)[:] += x**2
        return k

    x = np.array([1.0, 2.0, 3.0])
    eye = np.eye(3)
    rev = x[::-1]
    want = (
        eye[:, None, :] * rev[None, :, None]
        + x[:, None, None] * eye[::-1][None, :, :]
        + eye[:, :, None] * eye[:, None, :] * 2 * x[:, None, None]
    )
    np.testing.assert_array_equal(hd.jacobian(f)(x), want)
    with pytest.raises(TypeError, match="writes through views"):
        hd.jacobian(f, sparsity="auto")(x)


# --- writes of lists holding dual scalars -------------------------------------------------
# y[key] = [x[0], 1.0] takes the list as a dual array; numpy's put, place, putmask,
# copyto, put_along_axis and fill_diagonal converted it to floats instead and raised
# "converting a Dual array to float64 would drop its derivative parts" (no wrong number:
# a refusal of what x[key] = item does).
LIST_WRITES: dict[str, Callable[[Any, Any], None]] = {
    "put": lambda y, v: np.put(y, [0, 3, 3], v),
    "place": lambda y, v: np.place(y, np.array([True, False, True, True]), v),
    "putmask": lambda y, v: np.putmask(y, np.array([True, False, True, False]), v),
    "copyto": lambda y, v: np.copyto(y[1:3], v),
    "put_along_axis": lambda y, v: np.put_along_axis(y, np.array([3, 0]), v, 0),
    "fill_diagonal": lambda y, v: np.fill_diagonal(y.reshape(2, 2), v),
}


@pytest.mark.parametrize("container", ["list", "object array"])
@pytest.mark.parametrize("name", LIST_WRITES)
def test_writes_of_lists_of_dual_scalars(name: str, container: str) -> None:
    """write(y, [x[1], 0.25]): y's value and part are numpy's write of [x1, 0.25] into
    y's value and of [dx1, 0] into its part."""
    write = LIST_WRITES[name]
    x = hd.dual(np.array([1.5, 2.5]), np.array([3.0, 5.0]))
    y = hd.dual(np.array([0.1, 0.2, 0.3, 0.4]), np.array([1.0, 2.0, 4.0, 8.0]))
    want, dwant = y.value.copy(), y.d.copy()
    write(want, [1.5, 0.25])
    write(dwant, [3.0, 0.0])
    items = [x[0], 0.25]
    write(y, items if container == "list" else np.array(items, dtype=object))
    np.testing.assert_array_equal(y.value, want)
    np.testing.assert_array_equal(y.d, dwant)


# --- reductions over one element: new arrays -------------------------------------------------
# The pairwise tree of np.prod and the associative reduce (multiply, logaddexp, hypot,
# fmax, ...) handed back a view of x when there was nothing to combine (an axis of
# length 1, axis=()): p = np.prod(x, axis=1); p *= 2 doubled x too. numpy's reductions
# always make a new array.
ONE_ELEMENT_REDUCTIONS: dict[str, Callable[[Any], Any]] = {
    "prod": lambda x: np.prod(x, axis=1),
    "prod keepdims": lambda x: np.prod(x, axis=1, keepdims=True),
    "prod axis ()": lambda x: np.prod(x, axis=()),
    "nanprod": lambda x: np.nanprod(x, axis=1),
    "method prod": lambda x: x.prod(axis=-1),
    **{
        f"{u.__name__}.reduce": (lambda x, u=u: u.reduce(x, axis=1))
        for u in (np.multiply, np.logaddexp, np.logaddexp2, np.hypot, np.fmax, np.fmin)
    },
    **{
        f"{u.__name__}.reduce axis ()": (lambda x, u=u: u.reduce(x, axis=()))
        for u in (np.multiply, np.logaddexp, np.hypot, np.fmax, np.fmin, np.maximum)
    },
    "max": lambda x: np.max(x, axis=1),
    "sum": lambda x: np.sum(x, axis=1),
    "cumprod": lambda x: np.cumprod(x, axis=1),
    "maximum.accumulate": lambda x: np.maximum.accumulate(x, axis=1),
}


@pytest.mark.parametrize("name", ONE_ELEMENT_REDUCTIONS)
def test_reductions_of_one_element_are_new_arrays(name: str) -> None:
    """r = reduce(y) over an axis of length 1; r *= 3; r += 1: y keeps its value and
    parts (numpy's y does), and r's are numpy's reduce of the values then the writes."""
    reduce = ONE_ELEMENT_REDUCTIONS[name]
    v, d = np.array([[1.5], [0.5]]), np.array([[2.0], [3.0]])
    want = reduce(v.copy())
    assert not np.shares_memory(want, v)  # numpy's: a new array
    want = want * 3 + 1
    y = hd.dual(v.copy(), d.copy())
    r = reduce(y)
    r *= 3.0
    r += 1.0
    np.testing.assert_array_equal(y.value, v)
    np.testing.assert_array_equal(y.d, d)
    np.testing.assert_array_equal(r.value, want)


# --- empty index lists --------------------------------------------------------------------
# numpy takes an empty list of indices as integers (np.delete(x, []) is x's copy); the
# dual rules made it a float array and raised IndexError / a cast TypeError.
EMPTY_INDEX: dict[str, Callable[[Any], Any]] = {
    "delete": lambda x: np.delete(x, []),
    "delete axis": lambda x: np.delete(x, [], axis=1),
    "insert": lambda x: np.insert(x, [], 9.0, axis=1),
    "take": lambda x: np.take(x, []),
    "take axis": lambda x: np.take(x, [], axis=0),
    "put": lambda x: (np.put(x, [], []), x)[1],
}


@pytest.mark.parametrize("name", EMPTY_INDEX)
def test_empty_index_lists(name: str) -> None:
    """Value, dtype and parts as numpy's on the value and on the part plane."""
    f = EMPTY_INDEX[name]
    v, d = _X[:2, :3].copy(), _DX[:2, :3].copy()
    got = f(hd.dual(v.copy(), d.copy()))
    want = f(v.copy())
    assert got.value.dtype == want.dtype
    np.testing.assert_array_equal(got.value, want)
    np.testing.assert_array_equal(got.d, f(d.copy()))


def test_broadcast_arrays_of_one_shape_are_the_arrays() -> None:
    """np.broadcast_arrays of arrays of one shape returns them (numpy's: no broadcast
    needed), so a write through a result reaches the array, as in numpy; it gave
    read-only views (writes raised)."""
    y, z = hd.dual(np.arange(3.0), 1.0), hd.dual(np.ones(3), 2.0)
    a, b = np.broadcast_arrays(y, z)
    assert a is y and b is z
    plain = np.arange(3.0)
    pa, _ = np.broadcast_arrays(plain, np.ones(3))
    assert pa is plain  # numpy's own
    a[0] = hd.dual(9.0, 5.0)
    np.testing.assert_array_equal(y.value, [9.0, 1.0, 2.0])
    np.testing.assert_array_equal(y.d, [5.0, 1.0, 1.0])


@pytest.mark.parametrize("method", ["conj", "conjugate"])
def test_conjugate_methods_of_real_arrays_are_the_arrays(method: str) -> None:
    """numpy's x.conj() of a real array is x itself: c = y.conj(); c //= 100 floors y
    (here too; it was a new array and y kept its value and parts). Complex: a new
    array, the conjugate's parts."""
    v = np.array([150.0, 250.0])
    plain = v.copy()
    c = getattr(plain, method)()
    c //= 100.0
    y = hd.dual(v.copy(), np.array([1.0, 2.0]))
    r = getattr(y, method)()
    assert r is y
    r //= 100.0
    np.testing.assert_array_equal(y.value, plain)
    np.testing.assert_array_equal(y.d, [0.0, 0.0])
    z = hd.dual(v + 1j, np.array([1.0 + 2j, 3.0 - 1j]))
    w = getattr(z, method)()
    assert w is not z
    np.testing.assert_array_equal(w.value, v - 1j)
    np.testing.assert_array_equal(w.d, [1.0 - 2j, 3.0 + 1j])
