"""Deferred elementwise chains (cpp/bindings/fusion.hpp): large operations on dual
arrays are recorded by the fast path and run block by block when their planes are
read. What a user can observe must not change: the values (the same kernels in the
same order: the same bits as eager evaluation, and right against closed forms), and
above all no write after recording may reach a recorded operation, whichever way the
planes were reached (views, .value, x[...] = v, out=, np.copyto)."""

from __future__ import annotations

import copy
import ctypes
import pickle
from collections.abc import Callable

import numpy as np
import pytest
from fusion_harness import eager, pending, record_from_64  # noqa: F401

import hyperdiff as hd
from hyperdiff import _core
from hyperdiff._arrays import DualArray

N = 1000  # elements: above the threshold the fixture sets, so every fast call records


pytestmark = pytest.mark.usefixtures("record_from_64")


def t1(x):  # type: ignore[no-untyped-def]
    return np.sin(x) * np.exp(-(x**2) / 2) + np.log(1 + x**2)


def t1_first(x: np.ndarray) -> np.ndarray:
    g = np.exp(-(x**2) / 2)
    return np.cos(x) * g - x * np.sin(x) * g + 2 * x / (1 + x**2)


def t1_second(x: np.ndarray) -> np.ndarray:
    g = np.exp(-(x**2) / 2)
    return (
        -np.sin(x) * g
        - 2 * x * np.cos(x) * g
        + (x**2 - 1) * np.sin(x) * g
        + (2 - 2 * x**2) / (1 + x**2) ** 2
    )


rng = np.random.default_rng(7)
X = rng.uniform(-3, 3, N)

KINDS = {
    "dual": lambda x, dt: hd.dual(x.astype(dt), 1.0),
    "hyperdual": lambda x, dt: hd.hyperdual(x.astype(dt), 1.0, 1.0, 0.0),
    "dualvec3": lambda x, dt: hd.dualvec(
        x.astype(dt), [np.ones(N, dt), x.astype(dt), x.astype(dt) ** 2]
    ),
    "hyperdualvec2": lambda x, dt: hd.hyperdualvec(x.astype(dt), [np.ones(N, dt), x.astype(dt)]),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
def test_same_bits_as_eager(kind: str, dtype: type) -> None:
    def build() -> DualArray:
        return KINDS[kind](X, dtype)

    def chain(x):  # type: ignore[no-untyped-def]
        y = t1(x) - 3.0 * x + x * x / (2 + np.tanh(x))
        return np.sqrt(1 + y * y) + (-y) ** 2

    got = chain(build())
    assert pending(got)
    want = eager(chain, build())
    assert not pending(want)
    assert got._stack.dtype == want._stack.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got._stack, want._stack)


def test_derivatives_against_closed_forms() -> None:
    x = rng.uniform(-3, 3, 50_000)
    np.testing.assert_allclose(hd.derivative(t1)(x), t1_first(x), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(hd.derivative(t1, order=2)(x), t1_second(x), rtol=1e-12, atol=1e-13)
    y = hd.dual(x, 1.0)
    z = t1(y)
    assert pending(z)
    np.testing.assert_allclose(z.d, t1_first(x), rtol=1e-13, atol=1e-14)


def test_records_at_the_default_threshold() -> None:
    _core.fusion_min_count(1 << 15)
    y = np.sin(hd.dual(np.ones(1 << 15), 1.0))
    assert pending(y)
    assert not pending(np.sin(hd.dual(np.ones((1 << 15) - 1), 1.0)))
    close(y.d, np.cos(np.ones(1 << 15)))


def test_records_many_planes_from_as_many_element_planes() -> None:
    """At the default threshold, a layout of P planes is recorded from 2^16 / P elements
    (a Dual's element-planes at 2^15, its temporaries past the L2) and 2^12 elements:
    HyperDualVec(3)'s 10 planes from 6,554 (the same bits as eager, its Hessian right),
    a DualVec(3)'s 4 from 16,384, and never a Dual below 2^15."""
    _core.fusion_min_count(1 << 15)
    for n, recorded in ((6554, True), (6553, False)):
        x = np.linspace(-2.0, 2.0, n)
        seeded = hd.hyperdualvec(x, [np.ones(n), x, x**2])
        y = np.sin(seeded) * seeded
        assert pending(y) == recorded, n
        want = eager(lambda v: np.sin(v) * v, hd.hyperdualvec(x, [np.ones(n), x, x**2]))
        np.testing.assert_array_equal(y._stack, want._stack)
    for n, recorded in ((1 << 14, True), ((1 << 14) - 1, False)):
        x = np.linspace(-2.0, 2.0, n)
        assert pending(np.exp(hd.dualvec(x, [np.ones(n), x, x])) * 2.0) == recorded, n
    assert not pending(np.sin(hd.dual(np.ones((1 << 15) - 1), 1.0)))
    n = 7000  # the pointwise Hessians' kind (10 planes), against the closed form
    x, y = np.linspace(-1.0, 1.0, n), np.linspace(2.0, 0.5, n)
    h = hd.hessian(lambda a, b: np.sin(a * b) * a, argnums=(0, 1), elementwise=True)(x, y)
    s, c = np.sin(x * y), np.cos(x * y)
    np.testing.assert_allclose(h[0][0], 2 * y * c - x * y**2 * s, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(h[0][1], 2 * x * c - x**2 * y * s, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(h[1][1], -(x**3) * s, rtol=1e-13, atol=1e-14)


# --- writes after recording: none may reach a recorded operation ------------------------


def fresh() -> DualArray:
    return hd.dual(X.copy(), 1.0)


def close(got: np.ndarray, want: np.ndarray) -> None:
    """To rounding (the kernels' sin, cos, exp are not numpy's libm calls)."""
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-16)


def check_sin_of_x(y: DualArray) -> None:
    close(y.value, np.sin(X))
    close(y.d, np.cos(X))


def test_setitem_after_recording() -> None:
    x = fresh()
    y = np.sin(x)
    assert pending(y)
    x[0] = 5.0
    x[1:3] = hd.dual([7.0, 8.0], 2.0)
    check_sin_of_x(y)
    assert x.value[0] == 5.0


def test_value_view_written_after_recording() -> None:
    x = fresh()
    y = np.sin(x)
    x.value[:] = 0.0  # x.value hands out a view: y is computed first
    x.d[:] = 3.0
    check_sin_of_x(y)


def test_view_taken_before_recording() -> None:
    x = fresh()
    v = x.value  # a view into x's planes: x is then not recorded by reference
    y = np.sin(x)
    v[:] = 0.0
    check_sin_of_x(y)
    w = x[10:20]  # a dual view
    z = np.cos(x)
    w[:] = 1.0
    close(z.value, np.ones(N))  # cos of x's values then: 0
    assert np.all(x.value[10:20] == 1.0)


def test_in_place_ufuncs_and_copyto_after_recording() -> None:
    x = fresh()
    y = np.sin(x)
    x += 1.0
    check_sin_of_x(y)
    x = fresh()
    y = np.sin(x)
    np.multiply(x, 2.0, out=x)
    check_sin_of_x(y)
    x = fresh()
    y = np.sin(x)
    np.copyto(x, hd.dual(np.zeros(N), 0.0))
    check_sin_of_x(y)
    x = fresh()
    y = np.sin(x)
    x._stack[1] = 9.0  # the planes themselves (private, but the same door)
    check_sin_of_x(y)


def test_pending_operand_written_while_its_readers_wait() -> None:
    x = fresh()
    a = np.sin(x)  # pending
    b = a * 2.0  # reads a
    a[0] = 100.0  # a computed (b still pending reads a's planes by then) then written
    close(b.value, 2 * np.sin(X))
    close(b.d, 2 * np.cos(X))
    assert a.value[0] == 100.0


def test_user_array_not_mutated_and_not_read_late() -> None:
    values = X.copy()
    y = np.sin(hd.dual(values, 1.0))
    values[:] = 0.0
    check_sin_of_x(y)


# --- graph shapes -------------------------------------------------------------------------


def test_shared_intermediates_held_by_the_user() -> None:
    x = fresh()
    a = np.sin(x)
    b = a * 2.0
    c = a + x
    d = b * c
    s = a.value.copy()  # a's planes, computed (not pending any more)
    np.testing.assert_array_equal(d.value, (2 * s) * (s + X))
    np.testing.assert_array_equal(c.value, s + X)  # computed with d, then kept
    close(s, np.sin(X))
    close(a.d, np.cos(X))
    np.testing.assert_array_equal(b.d, 2 * a.d)


def test_same_operand_twice() -> None:
    x = fresh()
    y = x * x  # one array read twice
    z = np.sin(x) * np.sin(x)  # two pending nodes
    s = np.sin(x)
    w = s * s  # one pending node read twice
    for got in (y, z, w):
        assert pending(got)
    np.testing.assert_array_equal(y.d, 2 * X)
    np.testing.assert_array_equal(w._stack, z._stack)
    s = s.value
    np.testing.assert_array_equal(z.value, s * s)
    close(s, np.sin(X))


def test_long_chains_are_cut() -> None:
    x = fresh()
    y = x
    for k in range(300):  # past kMaxPending: operands computed on the way
        y = y * 1.0001 + 0.5 if k % 2 else np.sin(y)

    def steps(v: DualArray) -> DualArray:
        for k in range(300):
            v = v * 1.0001 + 0.5 if k % 2 else np.sin(v)
        return v

    np.testing.assert_array_equal(y._stack, eager(steps, fresh())._stack)


def test_metadata_reads_compute_nothing() -> None:
    y = np.sin(fresh())
    assert (y.shape, y.ndim, y.dtype, len(y), y.size) == ((N,), 1, np.float64, N, N)
    assert pending(y)
    assert not y._header.flags.writeable


def test_dropped_graphs_release_their_inputs() -> None:
    x = fresh()
    for _ in range(3):
        y = np.sin(x) * np.cos(x)
        del y
    # x is recorded by reference again only if nothing else holds its planes
    assert pending(np.sin(x))


def test_pickle_copy_and_repr_of_pending() -> None:
    y = np.sin(fresh())
    z = pickle.loads(pickle.dumps(y))
    check_sin_of_x(z)
    y = np.sin(fresh())
    check_sin_of_x(copy.deepcopy(y))
    assert "Dual" in repr(np.sin(fresh()))


def test_numpy_functions_and_indexing_of_pending() -> None:
    y = np.exp(fresh())
    np.testing.assert_allclose(np.sum(y).d, np.sum(np.exp(X)), rtol=1e-14)
    y = np.exp(fresh())
    close(y[5:8].value, np.exp(X[5:8]))
    y = np.exp(fresh())
    np.testing.assert_allclose((y @ np.ones(N)).value, np.exp(X).sum(), rtol=1e-14)


# --- views: x[a:b] along the first axis, recorded without a view object ------------------


def stencil(x):  # type: ignore[no-untyped-def]
    inner = -x[:-2] + 2.0 * x[1:-1] - x[2:] + 1e-2 * np.exp(x[1:-1])
    return np.concatenate([x[:1], inner, x[-1:]])


def test_stencil_same_bits_and_recorded() -> None:
    x = hd.dualvec(X, [np.ones(N), X, X**2])
    inner = -x[:-2] + 2.0 * x[1:-1]
    assert pending(x[1:-1]) and pending(inner)
    np.testing.assert_array_equal(stencil(x)._stack, eager(stencil, x)._stack)
    want = np.concatenate([[1.0], 1e-2 * np.exp(X[1:-1]), [1.0]])
    np.testing.assert_allclose(stencil(x)._stack[1], want, rtol=1e-15, atol=1e-17)


# (a dual array, and a colored seed whose slices are seeds too: views once handed out)
@pytest.mark.parametrize("make", [lambda: fresh(), lambda: colored()], ids=["dual", "seed"])
def test_views_keep_numpy_view_semantics(make: Callable[[], DualArray]) -> None:
    x = make()
    v = x[2:]
    assert pending(v)
    x[3] = 5.0  # the view sees writes to its base
    assert v.value[1] == 5.0
    one = np.zeros(x._header.shape[0])
    one[0] = 1.0
    v[0] = type(x)._wrap(one)  # and writes through it reach the base
    assert x.value[2] == 1.0 and not x._stack[1:, 2].any()
    w = x[1:][1:][:4]  # a view of a view
    np.testing.assert_array_equal(w.value, x.value[2:6])


def test_write_to_base_after_recording_a_view() -> None:
    x = fresh()
    y = np.sin(x[1:])
    assert pending(y)
    x[:5] = 9.0
    close(y.value, np.sin(X[1:]))
    x = fresh()
    v = x[1:]
    y = np.sin(v)
    v[:5] = 9.0  # through the view's own planes
    close(y.value, np.sin(X[1:]))
    np.testing.assert_array_equal(x.value[1:6], 9.0)


def test_view_whose_owner_is_gone_and_planes_held_elsewhere() -> None:
    x = fresh()
    v = x[2:]
    planes = x._stack  # handed out: a writable alias of v's memory
    del x
    y = np.sin(v)
    planes[0] = 0.0
    close(y.value, np.sin(X[2:]))


def test_rows_of_a_matrix() -> None:
    u = hd.dual(X.reshape(40, 25), 1.0)
    r = np.exp(u[1:-1]) - u[:-2] * u[2:]
    assert pending(r)
    U = X.reshape(40, 25)
    np.testing.assert_allclose(r.value, np.exp(U[1:-1]) - U[:-2] * U[2:], rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(r.d, np.exp(U[1:-1]) - U[:-2] - U[2:], rtol=1e-14, atol=1e-14)


# --- constants: numpy arrays and scalars without parts --------------------------------------


def test_constant_arrays_and_numpy_scalars() -> None:
    w = rng.uniform(1, 2, N)
    x = fresh()
    for got, value, d in (
        (x * w, X * w, w),
        (w - x, w - X, -np.ones(N)),
        (np.float64(3.0) / x, 3.0 / X, -3.0 / X**2),
        (x ** np.float64(3.0), X**3, 3 * X**2),
    ):
        np.testing.assert_allclose(got.value, value, rtol=1e-14)
        np.testing.assert_allclose(got.d, d, rtol=1e-14)
    kept = w.copy()
    y = x * w
    assert pending(y)
    w[:] = 0.0  # the recorded operation holds a copy of the constant it was given
    np.testing.assert_array_equal(y.value, X * kept)
    np.testing.assert_array_equal(y.d, kept)


def test_constants_promote_and_broadcast_as_numpy() -> None:
    x32 = hd.dual(X.astype(np.float32), 1.0)
    w = rng.uniform(1, 2, N)
    assert (x32 * w).dtype == np.float64  # numpy promotes float32 with a float64 array
    assert (x32 * np.float64(2.0)).dtype == np.float64
    assert (x32 * w.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose((x32 * w).value, X.astype(np.float32) * w, rtol=1e-15)
    column = fresh().reshape(N // 10, 10) * w[:10]  # broadcast: the general path
    np.testing.assert_allclose(column.d, np.broadcast_to(w[:10], (N // 10, 10)), rtol=0)
    np.testing.assert_allclose((fresh() * np.array(2.0)).d, 2.0)


def test_planes_handed_out_are_never_recorded_by_reference() -> None:
    x = fresh()
    address = x.value.ctypes.data  # an alias no reference count shows
    y = np.sin(x)
    assert not pending(y)  # x's planes were handed out: computed at once
    ctypes.memset(address, 0, N * 8)
    check_sin_of_x(y)
    z = np.sin(x)  # computed at once too, but its planes were never handed out
    assert not pending(z) and pending(np.cos(z))


def test_copy_and_deepcopy_copy_the_planes() -> None:
    x = fresh()
    for dup in (copy.copy(x), copy.deepcopy(x)):
        x[0] = 42.0
        assert dup.value[0] == X[0]
        x = fresh()


def test_two_dimensional_slices_read_in_runs() -> None:
    grid = X[:960].reshape(32, 30)
    u = hd.dual(grid, 1.0)

    def laplace(v):  # type: ignore[no-untyped-def]
        return v[1:-1, 2:] + v[1:-1, :-2] - 4.0 * v[1:-1, 1:-1] + v[2:, 1:-1] + v[:-2, 1:-1]

    assert pending(u[1:-1, 2:]) and pending(laplace(u))
    np.testing.assert_array_equal(laplace(u)._stack, eager(laplace, hd.dual(grid, 1.0))._stack)
    want = grid[1:-1, 2:] + grid[1:-1, :-2] - 4.0 * grid[1:-1, 1:-1] + grid[2:, 1:-1]
    np.testing.assert_allclose(laplace(u).value, want + grid[:-2, 1:-1], rtol=1e-14, atol=1e-14)
    v = u[2:5, 3:7]  # a numpy view of the planes when read, writes reaching u
    np.testing.assert_array_equal(v.value, grid[2:5, 3:7])
    v[0, 0] = 99.0
    assert u.value[2, 3] == 99.0
    u = hd.dual(grid, 1.0)
    w = np.sin(u[1:-1, 1:-1])
    u[:, :] = 0.0  # after recording: the recorded sin keeps the old values
    close(w.value, np.sin(grid[1:-1, 1:-1]))


@pytest.mark.parametrize("kind", ["dual", "dualvec3", "hyperdualvec2"])
@pytest.mark.parametrize("columns", [127, 128, 300, 5000])
def test_long_runs_are_read_where_they_are(kind: str, columns: int) -> None:
    """Slices whose rows are 128 elements or more are read in place, blocks ending where
    rows do (fusion.hpp: kDirectRun); shorter ones gathered. Rows of 127 (gathered),
    128, 300 (many rows to a 4,096-element block) and 5,000 (blocks within a row), in
    linear programs, a nonlinear kernel and a power with a contiguous and a plain
    operand: the same bits as eager evaluation, and the Laplacian against numpy."""
    rows = max(3, 12_000 // columns)
    grid = np.random.default_rng(columns).uniform(0.5, 1.5, (rows + 2, columns + 2))
    other = np.random.default_rng(1).uniform(0.5, 1.5, (rows, columns))
    make = {
        "dual": lambda g: hd.dual(g, np.cos(g)),
        "dualvec3": lambda g: hd.dualvec(g, [np.ones_like(g), g, np.sin(g)]),
        "hyperdualvec2": lambda g: hd.hyperdualvec(g, [np.ones_like(g), g]),
    }[kind]

    def stencil(v):  # type: ignore[no-untyped-def]
        c = v[1:-1, 1:-1]
        linear = 4.0 * c - v[:-2, 1:-1] - v[2:, 1:-1] - v[1:-1, :-2] - v[1:-1, 2:]
        return linear + np.sin(v[2:, 2:]) * other + c**3

    u = make(grid)
    assert pending(stencil(u))
    got = stencil(u)._stack
    np.testing.assert_array_equal(got, eager(stencil, make(grid))._stack)
    g = grid
    c = g[1:-1, 1:-1]
    want = 4.0 * c - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    want = want + np.sin(g[2:, 2:]) * other + c**3
    np.testing.assert_allclose(got[0], want, rtol=1e-14, atol=1e-14)


# --- np.concatenate: a pending piece runs into its slice (_functions._joined) ----------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
def test_concatenate_same_bits_as_eager(kind: str, dtype: type) -> None:
    got = stencil(KINDS[kind](X, dtype))
    want = eager(stencil, KINDS[kind](X, dtype))
    assert type(got) is type(want) and got._stack.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got._stack, want._stack)


def test_concatenate_leaves_pieces_and_result_independent() -> None:
    x = KINDS["dualvec3"](X, np.float64)
    inner = np.sin(x[1:-1]) * 2.0
    joined = np.concatenate([x[:1], inner, x[-1:], inner])
    assert pending(inner)  # written into both slices, its graph kept
    want = eager(lambda v: np.sin(v[1:-1]) * 2.0, x)._stack
    np.testing.assert_array_equal(joined._stack[:, 1 : N - 1], want)
    np.testing.assert_array_equal(joined._stack[:, N:], want)
    close(want[0], 2 * np.sin(X[1:-1]))
    joined._stack[:] = 7.0
    np.testing.assert_array_equal(inner._stack, want)  # no alias of the result
    np.testing.assert_array_equal(x.value, X)


def test_concatenate_then_a_write_to_what_the_pending_piece_reads() -> None:
    x = fresh()
    inner = x[1:] * 3.0
    joined = np.concatenate([inner, x[:1]])
    assert pending(inner)
    x[5] = 100.0  # inner's graph reads x's planes: it runs before the write
    np.testing.assert_array_equal(inner.value, X[1:] * 3.0)
    np.testing.assert_array_equal(joined.value, np.concatenate([X[1:] * 3.0, X[:1]]))


def test_concatenate_two_dimensional_pieces_and_the_other_axis() -> None:
    x = hd.dualvec(X.reshape(40, 25), [np.ones((40, 25)), X.reshape(40, 25)])
    for axis in (0, 1):

        def join(a, b, axis=axis):  # type: ignore[no-untyped-def]
            return np.concatenate([a, b], axis=axis)

        got = join(np.exp(x[:20]), x[20:] + 1.0)
        want = eager(join, eager(np.exp, x[:20]), eager(lambda v: v + 1.0, x[20:]))
        np.testing.assert_array_equal(got._stack, want._stack)


def test_planes_into_declines_what_it_does_not_take() -> None:
    y = np.sin(fresh())
    assert pending(y)
    assert not _core.planes_into(X, np.empty((2, N)))  # not a dual array
    assert not _core.planes_into(y, np.empty((2, N), np.float32))  # another dtype
    assert not _core.planes_into(y, np.empty((2, N + 1)))  # another shape
    assert not _core.planes_into(y, np.empty((2, N, 2))[..., 0])  # planes not contiguous
    assert pending(y)
    out = np.empty((2, N))
    assert _core.planes_into(y, out)
    np.testing.assert_array_equal(out, eager(np.sin, fresh())._stack)


@pytest.mark.parametrize("first", [1, 2, 5])
def test_planes_into_from_a_plane_on_same_bits(first: int) -> None:
    """planes_into(y, out, first): y's planes from `first` on, out of the fused pass's
    scratch (y stays pending: read later, its graph runs again), the same bits as the
    eager planes; a computed y or a view: copied."""
    from hyperdiff._multivariate import hyperdualvec_type

    cls = hyperdualvec_type(2)  # 6 planes
    data = np.zeros((6, N))
    data[0], data[1], data[2] = X, 1.0, X
    f = lambda v: np.sin(v) * v + np.exp(-v * v)  # noqa: E731
    y = f(cls._wrap(data.copy()))
    assert pending(y)
    out = np.empty((6 - first, N))
    assert _core.planes_into(y, out, first)
    assert pending(y)
    want = eager(f, cls._wrap(data.copy()))._stack
    np.testing.assert_array_equal(out, want[first:])
    np.testing.assert_array_equal(y._stack, want)  # (computed now: the same bits)
    again = np.empty((6 - first, N))
    assert _core.planes_into(y, again, first)  # a computed array: copied
    np.testing.assert_array_equal(again, want[first:])
    assert not _core.planes_into(y, np.empty((6 - first, N + 1)), first)  # another shape
    assert not _core.planes_into(y, np.empty((6, N)), first)  # all planes: not from `first`
    assert not _core.planes_into(y, np.empty((6, N)), -1)
    z = cls._wrap(data.copy())[10:]  # a view of fresh planes, pending as a view node
    assert pending(z)
    view = np.empty((6 - first, N - 10))
    assert _core.planes_into(z, view, first)
    np.testing.assert_array_equal(view, data[first:, 10:])


def test_planes_into_from_a_plane_on_streamed_past_cache_same_bits() -> None:
    """planes_into from a plane on, over 4 MB of planes (fusion::compute streams them
    out of scratch, each plane from an element that starts no cache line): the same
    bits as the eager planes."""
    from hyperdiff._multivariate import hyperdualvec_type

    cls = hyperdualvec_type(2)
    n = 110_001  # (5 planes x n x 8 bytes > 4 MB; odd: the planes' starts not aligned)
    data = np.zeros((6, n))
    data[0] = np.linspace(-2.0, 2.0, n)
    data[1], data[2] = 1.0, data[0]
    f = lambda v: np.tanh(v) * v - np.cos(v * v)  # noqa: E731
    y = f(cls._wrap(data.copy()))
    assert pending(y)
    out = np.empty((5, n))
    assert _core.planes_into(y, out, 1)
    np.testing.assert_array_equal(out, eager(f, cls._wrap(data.copy()))._stack[1:])


# --- a sparse Jacobian's colored seed (_core.colored_seed): pending, sliced in place --------
COLORS = np.arange(N) % 3
W = rng.uniform(1.0, 2.0, N)


def seed_rows(dtype: type = np.float64, probe: bool = True) -> np.ndarray:
    rows = np.stack([W if probe else np.zeros(N), COLORS]).astype(dtype)
    rows.flags.writeable = False
    return rows


def colored(dtype: type = np.float64, probe: bool = True) -> DualArray:
    """X seeded with 3 colors (and the probe W): pending."""
    parts = 3 + probe
    cls = type(hd.dualvec(np.zeros(1), [np.zeros(1)] * parts))
    seeded = _core.colored_seed(cls, X.astype(dtype), seed_rows(dtype, probe), 3)
    assert isinstance(seeded, cls) and pending(seeded)
    return seeded  # type: ignore[no-any-return]


def explicit(dtype: type = np.float64, probe: bool = True) -> DualArray:
    """The same seed written out: the reference."""
    parts = [(COLORS == a).astype(dtype) for a in range(3)] + [W.astype(dtype)] * probe
    return hd.dualvec(X.astype(dtype), parts)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("probe", [True, False])
def test_colored_seed_planes_and_stencil_same_bits(dtype: type, probe: bool) -> None:
    np.testing.assert_array_equal(colored(dtype, probe)._stack, explicit(dtype, probe)._stack)
    x = colored(dtype, probe)
    middle = x[1:-1]
    assert pending(middle) and pending(-x[:-2] + 2.0 * middle)  # recorded on seed slices
    got, want = stencil(x), eager(stencil, explicit(dtype, probe))
    np.testing.assert_array_equal(got._stack, want._stack)
    overlapping = x[:-1] * x[1:] - x[1:] / (1.0 + x[:-1] ** 2)
    reference = eager(
        lambda v: v[:-1] * v[1:] - v[1:] / (1.0 + v[:-1] ** 2), explicit(dtype, probe)
    )
    np.testing.assert_array_equal(overlapping._stack, reference._stack)


def _colored_kinds() -> list[tuple[str, type, bool]]:
    from hyperdiff._multivariate import hyperdualvec_type, probed_hyperdualvec_type

    return [
        ("HyperDualVec3", hyperdualvec_type(3), False),
        ("HyperDualVec3 + (w, w)", probed_hyperdualvec_type(3, mixed=False), True),
        ("HyperDualVec3 + w pairs", probed_hyperdualvec_type(3, mixed=True), True),
    ]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", range(3), ids=[k[0] for k in _colored_kinds()])
def test_colored_seed_of_second_order_kinds_same_bits(dtype: type, kind: int) -> None:
    """A sparse Hessian's seed (HyperDualVec(3), with the probe w as a fourth direction):
    the colors' parts, w, and every second-order plane 0, pending; f's fused pass over
    it (slices of it, as a stencil reads them) the same bits as over the planes written
    out."""
    _, cls, probe = _colored_kinds()[kind]
    seeded = _core.colored_seed(cls, X.astype(dtype), seed_rows(dtype, probe), 3)
    assert type(seeded) is cls and pending(seeded)
    data = np.zeros((cls._planes, N), dtype=dtype)
    data[0] = X
    for a in range(3):
        data[1 + a] = COLORS == a
    if probe:
        data[4] = W
    np.testing.assert_array_equal(seeded._stack, data)

    def f(v):  # type: ignore[no-untyped-def]
        return 100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1.0 - v[:-1]) ** 2 + np.sin(v[1:])

    seeded = _core.colored_seed(cls, X.astype(dtype), seed_rows(dtype, probe), 3)
    got = f(seeded)
    assert pending(got)
    np.testing.assert_array_equal(got._stack, eager(f, cls._wrap(data))._stack)


def test_colored_seed_declines() -> None:
    cls = type(hd.dualvec(np.zeros(1), [np.zeros(1)] * 4))
    rows = seed_rows()
    assert _core.colored_seed(cls, X.astype(complex), rows, 3) is None  # dtype
    assert _core.colored_seed(cls, X, rows.copy(), 3) is None  # writable rows
    assert _core.colored_seed(cls, X, rows[:, :-1], 3) is None  # another size
    assert _core.colored_seed(cls, X, rows, 1) is None  # 4 parts: 3 or 4 colors only
    with pytest.raises(TypeError, match="colored_seed"):
        _core.colored_seed(type(hd.dual(1.0, 1.0)), X, rows, 1)


def test_colored_seed_slices_are_views_once_handed_out() -> None:
    # (writes both ways: test_views_keep_numpy_view_semantics)
    x = colored()
    w = x[1:][1:][:4]  # a slice of a slice: of the seed's
    y = np.sin(x[1:])  # recorded on a slice, before the write below
    z = x[1:]
    z[:5] = 9.0  # computes the seed: z a view of it
    np.testing.assert_array_equal(x.value[1:6], 9.0)
    np.testing.assert_array_equal(w.value, x.value[2:6])
    want = eager(lambda v: np.sin(v[1:]), explicit())
    np.testing.assert_array_equal(y._stack, want._stack)


def test_colored_seed_other_keys_and_shapes() -> None:
    ref = explicit()
    for key in (slice(None, None, -1), slice(1, None, 2), slice(-3, 2, -1), [3, 1, 4]):
        got = colored()[key]  # (negative steps, strides, lists: the seed computed)
        np.testing.assert_array_equal(got._stack, ref[key]._stack)
    cls = type(hd.dualvec(np.zeros(1), [np.zeros(1)] * 4))
    grid = X.reshape(40, 25)
    u = _core.colored_seed(cls, grid, seed_rows(), 3)
    planes = explicit()._stack.reshape(5, 40, 25)
    r = np.exp(u[1:-1, 1:-1]) - u[:-2, 1:-1] * u[2:, 1:-1]  # (2-d slices: computed)
    want = eager(
        lambda v: np.exp(v[1:-1, 1:-1]) - v[:-2, 1:-1] * v[2:, 1:-1], type(u)._wrap(planes)
    )
    np.testing.assert_array_equal(r._stack, want._stack)
    rows = _core.colored_seed(cls, grid, seed_rows(), 3)[3:7]  # rows: a seed slice
    assert pending(rows)
    np.testing.assert_array_equal(rows._stack, planes[:, 3:7])


def test_sparse_jacobian_through_the_fused_seed_same_bits_as_dense() -> None:
    got = hd.jacobian(stencil, sparsity="auto")(X)
    want = eager(hd.jacobian(stencil), X)
    np.testing.assert_array_equal(got.toarray(), want)
    unchecked = hd.jacobian(stencil, sparsity="auto", check_sparsity=False)(X)
    np.testing.assert_array_equal(unchecked.toarray(), want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_derivative_plane_streamed_past_cache_same_bits_as_eager(dtype: type) -> None:
    """derivative's one plane of a recorded chain over 4 MB is streamed out of the
    block scratch (fusion.hpp's stream_root): the same bits as eager evaluation, for f'
    and f'' (its last whole cache line and the partial one after it included)."""
    n = (4 << 20) // np.dtype(dtype).itemsize + 37
    x = np.random.default_rng(5).uniform(-2, 2, n).astype(dtype)
    holomorphic = np.dtype(dtype).kind == "c"
    if holomorphic:
        x = x + 0.5j * x[::-1]
    for order in (1, 2):
        d = hd.derivative(t1, order=order, holomorphic=holomorphic)
        got = d(x)
        want = eager(d, x)
        assert got.dtype == want.dtype == x.dtype
        assert np.array_equal(got.view(np.uint8), want.view(np.uint8)), order
