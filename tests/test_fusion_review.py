"""Adversarial review of fusion (231d601, cpp/bindings/fusion.hpp): large elementwise
operations on dual arrays are recorded by the fast path and run when their planes
are first read. The claim under test: nothing a user can observe changes, and no
write after recording reaches a recorded operation.

Each test records (fusion_min_count(64), arrays of 1000 elements), then does what a
numpy user would, and checks the values against closed forms (sin' = cos, ...).
The xfail(strict=True) tests reproduce defects found; a fix turns them into XPASS,
which fails the suite until the marker is removed."""

from __future__ import annotations

import copy
import ctypes
import itertools
import pickle
import sys
import threading
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from fusion_harness import pending, record_from_64  # noqa: F401

import hyperdiff as hd
from hyperdiff import _core
from hyperdiff._arrays import DualArray

pytestmark = pytest.mark.usefixtures("record_from_64")  # (arrays of 1000 elements record)

N = 1000
X = np.random.default_rng(11).uniform(-3, 3, N)


def fresh() -> Any:
    return hd.dual(X.copy(), 1.0)


def close(got: Any, want: Any) -> None:
    """To rounding (the kernels' sin, cos, exp are not numpy's libm calls)."""
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)


def check_sin_of_x(y: Any) -> None:
    close(y.value, np.sin(X))
    close(y.d, np.cos(X))


# --- defects ---------------------------------------------------------------------------
# A node reads its input planes by reference when their reference count says nothing
# else holds them (DualData::recordable, register_operators.cpp). Memory reached
# without a reference is invisible to that count: an array made from another's
# __array_interface__ (numba, cupy, PIL interop) or a raw pointer (.ctypes.data handed
# to a C library). Both are valid numpy as long as the owner (x's planes) lives; they
# were handed out before recording, through `_stack` (x.value), so flush_readers had
# nothing to compute then. Eagerly, y = sin(x) was computed before the write.


class _Interface:
    """An object exporting memory through numpy's array interface (as interop
    libraries do); it holds the interface dict, not the array it came from."""

    def __init__(self, interface: dict[str, Any]) -> None:
        self.__array_interface__ = interface


def _interface_alias(x: Any) -> Callable[[], None]:
    alias = np.asarray(_Interface(dict(x.value.__array_interface__)))
    return lambda: alias.__setitem__(slice(None), 0.0)


def _raw_pointer(x: Any) -> Callable[[], None]:
    address = x.value.ctypes.data  # the view goes; x keeps its memory alive
    return lambda: ctypes.memset(address, 0, N * X.itemsize)  # as a C library would


# (fixed: planes _stack has handed out are marked exposed and never recorded by reference)
@pytest.mark.parametrize("alias", [_interface_alias, _raw_pointer])
def test_alias_without_reference_written_after_recording(
    alias: Callable[[Any], Callable[[], None]],
) -> None:
    x = fresh()
    write = alias(x)
    y = np.sin(x)
    write()  # numpy's own write into x's values (x keeps the memory alive)
    assert np.all(x.value == 0.0)
    check_sin_of_x(y)


# (fixed: a graph holds at most kMaxHeld results' worth of inputs)
def test_accumulating_fresh_terms_holds_few_of_them() -> None:
    n = 4096
    one = 2 * n * 8  # bytes of one Dual of n float64 elements (2 planes)
    tracemalloc.start()
    try:
        acc = hd.dual(np.zeros(n), 0.0)
        for k in range(200):
            acc = acc + hd.dual(np.full(n, float(k)), 1.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(acc.value, np.full(n, 199 * 200 / 2))
    np.testing.assert_array_equal(acc.d, np.full(n, 200.0))
    assert peak < 16 * one, f"peak {peak / one:.1f} duals' worth of memory"


# --- writes after recording, every numpy way: none may reach the recorded sin(x) ----------

WRITES: dict[str, Callable[[Any], Any]] = {
    "put": lambda x: np.put(x, [0, 1, 2], 9.0),
    "place": lambda x: np.place(x, np.ones(N, bool), 9.0),
    "putmask": lambda x: np.putmask(x, np.ones(N, bool), 9.0),
    "add.at": lambda x: np.add.at(x, [0, 1, 1], 9.0),
    "sort": lambda x: x.sort(),
    "fill_diagonal": lambda x: np.fill_diagonal(x.reshape(10, 100), 0.0),
    "sin out=x": lambda x: np.sin(x, out=x),
    "out=(x,)": lambda x: np.add(x, 1.0, out=(x,)),
    "negative out=x": lambda x: np.negative(x, out=x),
    "clip out=x": lambda x: np.clip(x, 0.0, 1.0, out=x),
    "cumsum out=x": lambda x: np.cumsum(x, out=x),
    "copyto scalar": lambda x: np.copyto(x, 0.0),
    "x[...] = x * 2": lambda x: x.__setitem__(Ellipsis, x * 2.0),
    "x -= sin(x)": lambda x: x.__isub__(np.sin(x)),
    "x.d[:]": lambda x: x.d.__setitem__(slice(None), 0.0),
    "x[::2][:]": lambda x: x[::2].__setitem__(slice(None), 0.0),
    "x[None][0]": lambda x: x[None].__setitem__(0, 0.0),
    "reshape": lambda x: x.reshape(10, 100).__setitem__(slice(None), 0.0),
    "T of 2-d": lambda x: x.reshape(10, 100).T.__setitem__(slice(None), 0.0),
    "ravel": lambda x: x.ravel().__setitem__(slice(None), 0.0),
    "swapaxes": lambda x: x.reshape(10, 100).swapaxes(0, 1).__setitem__(0, 0.0),
    "np.real": lambda x: np.real(x).__setitem__(slice(None), 0.0),
    "memoryview of value": lambda x: (
        memoryview(x.value).cast("B").__setitem__(slice(None), bytes(N * 8))
    ),
    "frombuffer": lambda x: np.frombuffer(memoryview(x.value), dtype=float).__setitem__(
        slice(None), 0.0
    ),
    "as_strided": lambda x: np.lib.stride_tricks.as_strided(x.value, (N,), (8,)).__setitem__(
        slice(None), 0.0
    ),
    "ctypes data_as": lambda x: ctypes.memset(x.value.ctypes.data_as(ctypes.c_void_p), 0, N * 8),
    "setattr _stack": lambda x: setattr(x, "_stack", np.zeros((2, N))),
}


@pytest.mark.parametrize("name", WRITES)
def test_write_after_recording(name: str) -> None:
    x = fresh()
    y = np.sin(x)
    assert pending(y)
    WRITES[name](x)
    check_sin_of_x(y)


@pytest.mark.parametrize("part", ["e1", "e2", "e12", "value"])
def test_hyperdual_part_written_after_recording(part: str) -> None:
    x = hd.hyperdual(X.copy(), 1.0, 1.0, 0.0)
    y = np.sin(x)
    assert pending(y)
    getattr(x, part)[:] = 0.5
    close(y.value, np.sin(X))
    close(y.e1, np.cos(X))
    close(y.e12, -np.sin(X))


def test_dualvec_grad_written_after_recording() -> None:
    x = hd.dualvec(X.copy(), [np.ones(N), X.copy()])
    y = np.exp(x)
    assert pending(y)
    g = x.grad
    g[...] = 0.0
    close(y.value, np.exp(X))
    close(y.grad, np.exp(X) * np.stack([np.ones(N), X]))


def test_recorded_viewed_written_recorded_again() -> None:
    x = fresh()
    a = np.sin(x)  # reads x's planes by reference
    v = x[100:]  # a dual view: a is computed first
    b = np.cos(x)  # x's planes are now seen through v: not read by reference
    v[:] = 0.0
    c = np.exp(x)  # after the write
    check_sin_of_x(a)
    close(b.value, np.cos(X))
    want = X.copy()
    want[100:] = 0.0
    close(c.value, np.exp(want))
    close(c.d, np.exp(want) * np.where(np.arange(N) < 100, 1.0, 0.0))


def test_value_view_kept_across_recordings() -> None:
    x = fresh()
    values = x.value  # kept: every later recording must see it
    ys = [np.sin(x)]
    values[0] = 100.0
    ys.append(np.sin(x))
    values[0] = 200.0
    check_sin_of_x(ys[0])
    close(ys[1].value[1:], np.sin(X[1:]))
    close(ys[1].value[0], np.sin(100.0))


def test_pending_result_as_out_of_an_operation_on_its_own_input() -> None:
    x = fresh()
    y = np.sin(x)  # pending, reads x
    np.cos(x, out=y)  # y's planes written: y computed (and overwritten) first
    close(y.value, np.cos(X))
    close(y.d, -np.sin(X))
    close(x.value, X)


def test_first_axis_views_follow_numpy_view_semantics() -> None:
    # x[a:b] is a view node (af7e85f): it must see its base's later writes, as a numpy
    # view does, while operations recorded on it keep the values they read
    x = fresh()
    v = x[100:900]
    y = np.sin(v)
    x[500] = 7.0
    assert v.value[400] == 7.0
    close(y.value, np.sin(X[100:900]))
    close(y.d, np.cos(X[100:900]))
    left, right = x[0:600], x[400:1000]  # overlapping
    z = left * 2.0
    right[:] = 0.0  # written through one view: the other's reader computed first
    want = X[:600].copy()
    want[500] = 7.0
    close(z.value, 2 * want)
    assert np.all(left.value[400:] == 0.0)
    w = v[5:500]  # a view of a view
    x[105] = -1.0
    assert w.value[0] == -1.0


def test_stencil_of_views_then_base_written() -> None:
    x = fresh()
    s = x[:-2] - 2.0 * x[1:-1] + x[2:] + np.exp(x[1:-1])
    x[:] = 0.0
    close(s.value, X[:-2] - 2 * X[1:-1] + X[2:] + np.exp(X[1:-1]))
    close(s.d, np.exp(X[1:-1]))


# --- graphs sharing nodes, dropped and read in every order --------------------------------


def _shared_graphs(x: Any) -> dict[str, Any]:
    a = np.sin(x)
    b = a * 2.0
    c = a + x
    d = b * c
    e = np.exp(-c)
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def _closed_forms() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    s, co = np.sin(X), np.cos(X)
    c, dc = s + X, co + 1
    return {
        "a": (s, co),
        "b": (2 * s, 2 * co),
        "c": (c, dc),
        "d": (2 * s * c, 2 * co * c + 2 * s * dc),
        "e": (np.exp(-c), -np.exp(-c) * dc),
    }


@pytest.mark.parametrize("order", list(itertools.permutations("abde")))  # the last dropped
def test_shared_graph_read_in_any_order_with_drops(order: tuple[str, ...]) -> None:
    want = _closed_forms()
    x = fresh()
    held = _shared_graphs(x)
    del held["c"]  # c only inside the graphs
    x[:] = 0.0  # a write after recording: every node must see the old x
    held.pop(order[-1])  # dropped unread
    for name in order[:-1]:
        y = held.pop(name)
        close(y.value, want[name][0])
        close(y.d, want[name][1])


def test_graphs_of_two_inputs_interleaved() -> None:
    x, z = fresh(), hd.dual(np.cos(X), 0.0)
    p = np.sin(x) * z  # reads x and z
    q = z * z + p  # reads z twice and p
    z[:] = 1.0
    r = q * x  # q pending, x's planes by reference again
    x[:] = 0.0
    close(p.value, np.sin(X) * np.cos(X))
    close(q.d, np.cos(X) * np.cos(X))
    close(r.value, (np.cos(X) ** 2 + np.sin(X) * np.cos(X)) * X)


def test_long_loop_keeps_reference_counts() -> None:
    x = fresh()
    store = DualArray.__dict__["_store"].__get__  # the slot (x._stack would expose it)
    before = sys.getrefcount(store(x)), sys.getrefcount(x)
    for k in range(200):
        y = np.sin(x) * np.cos(x) + x
        if k % 3 == 0:
            y.value  # noqa: B018 (computed some rounds, dropped pending the others)
        del y
    assert (sys.getrefcount(store(x)), sys.getrefcount(x)) == before
    y = np.sin(x)  # recorded by reference again, and right
    assert pending(y)
    check_sin_of_x(y)


# --- copies, pickling, threads, exceptions, shapes ----------------------------------------


def test_deepcopy_and_pickle_of_a_graph_then_input_written() -> None:
    x = fresh()
    a = np.sin(x)
    b = a * 2.0
    copied = copy.deepcopy([a, b])
    pickled = pickle.loads(pickle.dumps([b, a]))
    x[:] = 0.0
    check_sin_of_x(copied[0])
    close(copied[1].value, 2 * np.sin(X))
    close(pickled[0].d, 2 * np.cos(X))
    check_sin_of_x(a)


def test_threads_sharing_pending_nodes() -> None:
    x = fresh()
    shared = np.sin(x)  # one pending node every thread reads through its own graph
    errors: list[str] = []

    def work(k: float) -> None:
        try:
            for _ in range(20):
                y = shared * k + np.cos(x)
                close(y.value, k * np.sin(X) + np.cos(X))
                close(y.d, k * np.cos(X) - np.sin(X))
        except AssertionError as error:
            errors.append(str(error))

    threads = [threading.Thread(target=work, args=(float(k),)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    check_sin_of_x(shared)


def test_exception_in_the_middle_of_a_chain() -> None:
    def f(x: Any) -> Any:
        y = np.sin(x) * np.exp(x)
        if x.dtype.kind == "f":
            raise RuntimeError("midway")
        return y

    with pytest.raises(RuntimeError, match="midway"):
        hd.derivative(f)(X)
    x = fresh()
    y = np.sin(x) * np.exp(x)
    with pytest.raises(TypeError):
        y + "text"
    close(y.d, (np.cos(X) + np.sin(X)) * np.exp(X))


@pytest.mark.parametrize("shape", [(), (0,), (1,), (3, 0), (1, 1), (5, 7)])
def test_every_size_recorded(shape: tuple[int, ...]) -> None:
    _core.fusion_min_count(0)  # records even empty and 0-d arrays
    v = np.full(shape, 0.5)
    x = hd.hyperdual(v, 1.0, 1.0, 0.0)
    y = np.sin(x) * 2.0 + x * x
    assert pending(y)
    x[...] = 0.0
    close(y.value, 2 * np.sin(v) + v * v)
    close(y.e12, -2 * np.sin(v) + 2)


@pytest.mark.parametrize("dtype", [np.float32, np.complex64, np.complex128])
def test_other_dtypes_written_after_recording(dtype: type) -> None:
    v = (X + (0.5j if np.dtype(dtype).kind == "c" else 0)).astype(dtype)
    x = hd.dual(v, 1.0)
    y = np.exp(x) * x
    assert pending(y) and y.dtype == np.dtype(dtype)
    x[:] = 0
    rtol = 1e-5 if np.dtype(dtype).itemsize <= 8 else 1e-13
    np.testing.assert_allclose(y.value, np.exp(v) * v, rtol=rtol)
    np.testing.assert_allclose(y.d, np.exp(v) * (v + 1), rtol=rtol)


def test_non_contiguous_and_multidimensional_inputs() -> None:
    grid = X.reshape(20, 50)
    for v in (grid, grid.T, grid[:, ::2], grid[::-1]):
        np.testing.assert_allclose(
            hd.derivative(lambda t: np.sin(t) * t)(v),
            np.cos(v) * v + np.sin(v),
            rtol=1e-14,
            atol=1e-15,
        )


def test_transforms_on_large_arrays() -> None:
    def f(x: Any) -> Any:
        return np.sin(x) * np.exp(-x * x / 2)

    def df(x: np.ndarray) -> np.ndarray:
        return (np.cos(x) - x * np.sin(x)) * np.exp(-x * x / 2)

    y, tangent = hd.linearize(f, X)
    close(tangent(np.ones(N)), df(X))
    close(tangent(X), df(X) * X)  # the linearization reused
    close(y, f(X))
    close(hd.grad(lambda v: np.sum(f(v)))(X), df(X))
    np.testing.assert_allclose(
        hd.hessian_diag(lambda v: np.sum(f(v)))(X),
        hd.derivative(df)(X),
        rtol=1e-12,
        atol=1e-13,
    )
    close(hd.jacobian(f, elementwise=True)(X), df(X))
