"""Sparse transforms, round twelve: what a plan's key missed, and ndarray methods.

- A plan's key held an argument that is an object (a plain class's instance, a
  dataclass) by identity: an attribute changed between calls (o.k = 2 for
  np.roll(x, o.k), o.A edited in place) kept the old pattern, and check_sparsity=False
  (whose promise is an f whose pattern depends on its arguments alone) gave a wrong
  Jacobian / Hessian. (With the probe, the default, attributes stay out of the key:
  a change is noticed by the probe, and a counter the object's method increments
  costs no detection at every call.) A set argument changed in place likewise; and 0.0 and -0.0
  made one key (equal, and hashed alike), so a pattern steered by the sign of a zero
  was read with the other's.
- A plan gone stale whose f now returns another number of elements (a global count,
  a set argument grown in place) raised "f's output has 3 elements, the pattern 2
  rows" where the README promises detection again: it is detected again.
- The sparsity tracer lacked ndarray methods the dual arrays have (x.std(), x.var(),
  x.round(), x.cumprod(), x.swapaxes(), x.mT, x.diagonal(), x.trace(), x.compress(),
  in-place x.sort(), x.partition(), x.put(), x.fill(), x.item(), x.tolist()): code
  the dense transforms differentiate raised AttributeError under sparsity="auto".
- Local patterns (local=True) through np.maximum / minimum / fmax / fmin / clip: the
  selection emptied the unselected operand's rows with scipy's eliminate_zeros on
  index arrays it shared with that operand's own sets, so x itself lost its
  dependencies: `np.minimum(x, 0.5) * x[::-1]` at x > 0.5 had an empty pattern
  (J's antidiagonal is 0.5), `np.minimum(x, 0.5) + x` too; the pattern, silently
  wrong, made a given-pattern transform raise. And a Hessian given a pattern that
  does not hold the detected one (a local pattern of a branching f) raised "misses a
  nonzero" from the term scheme where the README promises the dense Hessian read at
  the pattern.
- A pattern given as a scipy CSR with unsorted column indices was sorted in place
  (scipy's csr_array shares the caller's index arrays; the canonical form sorts
  them): the caller's matrix changed.
- float32 x, f computing in float64 (float64 weights or constants): a Hessian kept
  as terms was cast to x's float32 (weights too: `np.sum(w64 * x[1:]**2 * x[:-1])`
  off by 1.9e-7 where numpy's f and the dense Hessian are float64); and the probe
  compared the pass with float64 weights w it had seeded in float32, so a Jacobian
  whose rows are rounding zeros (np.corrcoef's diagonal) raised "does not hold".
- argnums beyond the arguments (or x passed by keyword) raised IndexError from the
  sparse transforms and the pattern functions (the dense ones: a TypeError saying
  so); a negative argnums put x itself in the plan's key, so every new x made (and
  kept) a new plan: detection at every call.
- np.mean / np.var / np.std of np.asarray(x) (an object array of 0-d tracers, as
  scipy's functions make) raised "converting a traced array to float64": numpy ends
  them with `ret.dtype.type(ret / n)`, which the dual numbers survive and the tracer
  did not.

References: closed forms (numpy alone), and the dense hd.jacobian / hd.hessian of the
same function (no detection, no coloring) for the methods.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

import hyperdiff as hd

X6 = np.array([0.3, -1.2, 0.7, 2.1, -0.4, 1.5])
M34 = np.array([[0.3, -1.2, 0.7, 2.1], [-0.4, 1.5, 0.9, -0.6], [1.1, 0.2, -0.8, 0.5]])


def _roll_jacobian(x: np.ndarray, k: int) -> np.ndarray:
    """d/dx np.roll(x, k)**2: row i on element (i - k) mod n, 2 x[(i - k) mod n]."""
    n = x.size
    j = np.zeros((n, n))
    cols = (np.arange(n) - k) % n
    j[np.arange(n), cols] = 2 * x[cols]
    return j


class _Plain:
    def __init__(self, k: int) -> None:
        self.k = k


@dataclasses.dataclass
class _Params:  # eq=True: unhashable
    k: int


def _set_k(o: Any, k: int) -> None:
    o.k = k


@pytest.mark.parametrize("make", [_Plain, _Params], ids=["plain", "dataclass"])
@pytest.mark.parametrize("check", [True, False])
def test_object_attribute_changed_between_calls(make: Callable[[int], Any], check: bool) -> None:
    jac = hd.jacobian(lambda x, o: np.roll(x, o.k) ** 2, sparsity="auto", check_sparsity=check)
    o = make(1)
    np.testing.assert_array_equal(jac(X6, o).toarray(), _roll_jacobian(X6, 1))
    for k in (2, -1, 1):
        _set_k(o, k)
        np.testing.assert_array_equal(jac(X6, o).toarray(), _roll_jacobian(X6, k))


@pytest.mark.parametrize("check", [True, False])
def test_object_array_attribute_changed_in_place(check: bool) -> None:
    o = _Plain(0)
    o.A = np.diag(np.arange(1.0, 7.0))  # type: ignore[attr-defined]
    hess = hd.hessian(lambda x, o: np.cumsum(x * (o.A @ x))[-1], sparsity="auto",
                      check_sparsity=check)  # fmt: skip
    np.testing.assert_array_equal(hess(X6, o).toarray(), o.A + o.A.T)  # type: ignore[attr-defined]
    o.A[0, 3] = 2.0  # type: ignore[attr-defined]
    o.A[5, 1] = -1.0  # type: ignore[attr-defined]
    np.testing.assert_array_equal(hess(X6, o).toarray(), o.A + o.A.T)  # type: ignore[attr-defined]


@pytest.mark.parametrize("check", [True, False])
def test_set_argument_changed_in_place(check: bool) -> None:
    def f(x: np.ndarray, picked: set[int]) -> np.ndarray:
        return x[sorted(picked)] ** 2

    jac = hd.jacobian(f, sparsity="auto", check_sparsity=check)
    picked = {0, 1}
    for new in (None, 4, 5):
        if new is not None:
            picked.add(new)
        rows = sorted(picked)
        expected = np.zeros((len(rows), 6))
        expected[np.arange(len(rows)), rows] = 2 * X6[rows]
        np.testing.assert_array_equal(jac(X6, picked).toarray(), expected)


@pytest.mark.parametrize("zero", [0.0, np.float64(0.0), np.float32(0.0), 0j])
@pytest.mark.parametrize("check", [True, False])
def test_signed_zero_argument(zero: Any, check: bool) -> None:
    def f(x: np.ndarray, s: Any) -> np.ndarray:
        return x[int(np.signbit(np.real(s)))] * x[2:]

    jac = hd.jacobian(f, sparsity="auto", check_sparsity=check)
    for s, i in ((zero, 0), (-zero, 1), (zero, 0)):
        expected = np.zeros((4, 6))
        expected[:, i] = X6[2:]
        expected[np.arange(4), np.arange(2, 6)] += X6[i]
        np.testing.assert_array_equal(jac(X6, s).toarray(), expected)


_COUNT = [2]


@pytest.mark.parametrize("check", [True, False])
def test_stale_plan_with_another_output_size_is_detected_again(check: bool) -> None:
    jac = hd.jacobian(lambda x: x[: _COUNT[0]] ** 2, sparsity="auto", check_sparsity=check)
    try:
        for count in (2, 3, 5, 2):
            _COUNT[0] = count
            expected = np.zeros((count, 6))
            expected[np.arange(count), np.arange(count)] = 2 * X6[:count]
            np.testing.assert_array_equal(jac(X6).toarray(), expected)
    finally:
        _COUNT[0] = 2


def _sorted(a: Any) -> Any:
    y = a**2
    y.sort(axis=1)
    return y.ravel()


def _partitioned(a: Any) -> Any:
    y = a**3
    y.partition(1, axis=0)
    return y.ravel()


def _put(a: Any) -> Any:
    y = a.ravel() ** 2
    y.put([0, 2], a.ravel()[3:5] * 3)
    return y


def _filled(a: Any) -> Any:
    y = a**2
    y[1:].fill(2.0)  # (through a view)
    return y.ravel()


def _items(a: Any) -> Any:
    return np.stack([a.item(5) * a.item((2, 1)), a[:1, :1].item() ** 3])


def _listed(a: Any) -> Any:
    return np.stack([np.stack(row) for row in (a**2).tolist()]).ravel() * a.ravel()[::-1]


METHODS: dict[str, Callable[[Any], Any]] = {
    "std": lambda a: a.std(axis=0),
    "std_all": lambda a: np.atleast_1d(a.std()),
    "var": lambda a: a.var(axis=1, ddof=1),
    "cumprod": lambda a: a.cumprod(axis=1).ravel(),
    "round": lambda a: (a.round(1) + a**2).ravel(),
    "conjugate": lambda a: a.conjugate().ravel() * a.ravel(),
    "swapaxes": lambda a: a.swapaxes(0, 1).ravel() * a.ravel()[::-1],
    "mT": lambda a: (a.mT @ a).ravel(),
    "diagonal": lambda a: a.diagonal(1) ** 2,
    "trace": lambda a: np.atleast_1d(a.trace(-1) ** 2),
    "compress": lambda a: a.compress([True, False, True], axis=0).ravel() ** 2,
    "sort": _sorted,
    "partition": _partitioned,
    "put": _put,
    "fill": _filled,
    "item": _items,
    "tolist": _listed,
}


@pytest.mark.parametrize("name", sorted(METHODS))
def test_ndarray_methods_sparse_jacobian(name: str) -> None:
    f = METHODS[name]
    dense = np.asarray(hd.jacobian(f)(M34)).reshape(-1, M34.size)
    for check in (True, False):
        got = hd.jacobian(f, sparsity="auto", check_sparsity=check)(M34).toarray()
        np.testing.assert_allclose(got, dense, rtol=1e-14, atol=1e-14)
    for local in (False, True):
        pattern = hd.jacobian_sparsity(f, local=local)(M34).toarray()
        assert not ((dense != 0) & ~pattern).any()


@pytest.mark.parametrize("name", ["std", "var", "cumprod", "mT", "sort", "item", "tolist"])
def test_ndarray_methods_sparse_hessian(name: str) -> None:
    def g(a: Any) -> Any:
        return np.sum(METHODS[name](a) ** 2)

    dense = np.asarray(hd.hessian(g)(M34)).reshape(M34.size, M34.size)
    got = hd.hessian(g, sparsity="auto", check_sparsity=False)(M34).toarray()
    np.testing.assert_allclose(got, dense, rtol=1e-13, atol=1e-13)


def test_value_steering_methods_refuse_globally() -> None:
    with pytest.raises(TypeError, match=r"numpy\.argmax"):
        hd.jacobian_sparsity(lambda a: a.ravel()[a.argmax()] * a.ravel())(M34)


OBJECT_REDUCTIONS: dict[str, Callable[[Any], Any]] = {
    "mean": lambda o: np.atleast_1d(np.mean(o**2)),
    "mean_axis": lambda o: np.mean(o.reshape(2, 3) ** 2, axis=1),
    "mean_method": lambda o: np.atleast_1d((o[1:] * o[:-1]).mean()),
    "var": lambda o: np.atleast_1d(np.var(o**2)),
    "var_axis_ddof": lambda o: np.var(o.reshape(2, 3), axis=0, ddof=1),
    "std": lambda o: np.atleast_1d(np.std(o[1:] * o[:-1])),
}


@pytest.mark.parametrize("name", sorted(OBJECT_REDUCTIONS))
def test_reductions_of_object_arrays_of_tracers(name: str) -> None:
    def f(x: Any) -> Any:
        return OBJECT_REDUCTIONS[name](np.asarray(x))

    dense = np.asarray(hd.jacobian(f)(X6), dtype=float).reshape(-1, 6)
    for local in (False, True):
        pattern = hd.jacobian_sparsity(f, local=local)(X6).toarray()
        assert not ((dense != 0) & ~pattern).any()
    for check in (True, False):
        got = hd.jacobian(f, sparsity="auto", check_sparsity=check)(X6).toarray()
        np.testing.assert_allclose(got, dense, rtol=1e-14, atol=1e-14)

    def g(x: Any) -> Any:
        return np.sum(np.asarray(f(x), dtype=object) ** 2)

    dense_h = np.asarray(hd.hessian(g)(X6), dtype=float).reshape(6, 6)
    got_h = hd.hessian(g, sparsity="auto", check_sparsity=False)(X6).toarray()
    np.testing.assert_allclose(got_h, dense_h, rtol=1e-13, atol=1e-13)


_C = 0.25
SELECTS: dict[str, Callable[[Any], Any]] = {
    "maximum": lambda x: np.maximum(x, _C),
    "minimum": lambda x: np.minimum(x, _C),
    "fmax": lambda x: np.fmax(_C, x),
    "fmin": lambda x: np.fmin(x, _C),
    "clip": lambda x: np.clip(x, -_C, _C),
    "maximum_pair": lambda x: np.maximum(x, x[::-1] + 0.1),
}
POINTS = [X6, -X6, np.array([3.0, 1, 2, 2, 1, 3]), np.array([0.1, -2.0, 0.2, -0.1, 0.5, 4.0])]


@pytest.mark.parametrize("point", range(len(POINTS)))
@pytest.mark.parametrize("name", sorted(SELECTS))
def test_local_patterns_through_selections(name: str, point: int) -> None:
    x = POINTS[point]
    sel = SELECTS[name]

    def f(x: Any) -> Any:
        return sel(x) * x[::-1] + x

    dense = np.asarray(hd.jacobian(f)(x))
    pattern = hd.jacobian_sparsity(f, local=True)(x)
    assert not ((dense != 0) & ~pattern.toarray()).any()
    got = hd.jacobian(f, sparsity=pattern, check_sparsity=False)(x).toarray()
    np.testing.assert_allclose(got, dense, rtol=1e-15, atol=0)

    def g(x: Any) -> Any:
        return np.sum(sel(x) * x[::-1] * x)

    dense_h = np.asarray(hd.hessian(g)(x))
    pattern_h = hd.hessian_sparsity(g, local=True)(x)
    assert not ((dense_h != 0) & ~pattern_h.toarray()).any()
    got_h = hd.hessian(g, sparsity=pattern_h, check_sparsity=False)(x).toarray()
    np.testing.assert_allclose(got_h, dense_h, rtol=1e-15, atol=0)


def _unsorted_tridiagonal(kind: Any) -> Any:
    """The 6 x 6 tridiagonal pattern with each row's columns in decreasing order."""
    cols = [j for i in range(6) for j in (i + 1, i, i - 1) if 0 <= j < 6]
    indptr = np.concatenate([[0], np.cumsum([2, 3, 3, 3, 3, 2])])
    return kind((np.ones(len(cols)), np.array(cols), indptr), shape=(6, 6))


@pytest.mark.parametrize("kind", [sp.csr_matrix, sp.csr_array])
@pytest.mark.parametrize("transform", ["jacobian", "hessian"])
def test_given_pattern_is_not_mutated(kind: Any, transform: str) -> None:
    pattern = _unsorted_tridiagonal(kind)
    kept = (pattern.indices.copy(), pattern.indptr.copy(), pattern.data.copy())
    x = X6
    if transform == "jacobian":
        got = hd.jacobian(lambda x: np.concatenate([x[:1], x[1:] * x[:-1]]), sparsity=pattern)(x)
        expected = np.zeros((6, 6))
        expected[0, 0] = 1.0
        expected[np.arange(1, 6), np.arange(1, 6)] = x[:-1]
        expected[np.arange(1, 6), np.arange(0, 5)] = x[1:]
    else:
        got = hd.hessian(lambda x: np.sum(x[1:] * x[:-1] ** 2), sparsity=pattern)(x)
        expected = np.diag(np.append(2 * x[1:], 0.0))
        expected[np.arange(5), np.arange(1, 6)] = 2 * x[:-1]
        expected[np.arange(1, 6), np.arange(5)] = 2 * x[:-1]
    np.testing.assert_allclose(got.toarray(), expected, rtol=1e-15, atol=0)
    for now, before in zip((pattern.indices, pattern.indptr, pattern.data), kept, strict=True):
        np.testing.assert_array_equal(now, before)


W64 = np.array([0.7, 1.3, 0.1, 2.9, 0.45])


def _weighted_terms_hessian(x: np.ndarray) -> np.ndarray:
    """d2/dx2 of sum_i w_i x_{i+1}^2 x_i, in float64 from x's values."""
    x = x.astype(np.float64)
    h = np.zeros((6, 6))
    i = np.arange(5)
    h[i + 1, i + 1] += 2 * W64 * x[:-1]
    h[i, i + 1] += 2 * W64 * x[1:]
    h[i + 1, i] += 2 * W64 * x[1:]
    return h


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.sum(W64 * x[1:] ** 2 * x[:-1]),
        lambda x: np.mean(5.0 * W64 * x[1:] ** 2 * x[:-1]),
        lambda x: (W64 * x[1:] ** 2) @ x[:-1],
        lambda x: np.float64(0.5) * np.sum(2.0 * W64 * x[1:] ** 2 * x[:-1]),
        lambda x: np.cumsum(W64 * x[1:] ** 2 * x[:-1])[-1],
    ],
    ids=["sum", "mean", "matmul", "scaled", "star"],
)
@pytest.mark.parametrize("check", [True, False])
def test_float32_input_float64_hessian(f: Callable[[Any], Any], check: bool) -> None:
    x = X6.astype(np.float32)
    got = hd.hessian(f, sparsity="auto", check_sparsity=check)(x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.toarray(), _weighted_terms_hessian(x), rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", ["corrcoef", "cov"])
def test_float32_input_probe_weights(name: str) -> None:
    func = getattr(np, name)

    def f(x: Any) -> Any:
        return func(x.reshape(3, 4)).ravel()

    x = np.array([[1.304, 0.947, -0.704, -1.265], [-0.623, 0.041, -2.325, -0.219],
                  [-1.246, -0.732, -0.544, -0.316]], dtype=np.float32).ravel()  # fmt: skip
    dense = np.asarray(hd.jacobian(f)(x))
    got = hd.jacobian(f, sparsity="auto")(x)
    assert got.dtype == dense.dtype == np.float64
    np.testing.assert_allclose(got.toarray(), dense, rtol=1e-15, atol=1e-15)


def _pair(a: Any, x: Any) -> Any:
    return a[::-1] * x**2 + a[0]


def _pair_sum(a: Any, x: Any) -> Any:
    return np.sum(_pair(a, x) * x[::-1])


@pytest.mark.parametrize(
    "make",
    [
        lambda k: hd.jacobian(_pair, argnums=k, sparsity="auto"),
        lambda k: hd.hessian(_pair_sum, argnums=k, sparsity="auto"),
        lambda k: hd.jacobian_sparsity(_pair, argnums=k),
        lambda k: hd.hessian_sparsity(_pair_sum, argnums=k, local=True),
    ],
    ids=["jacobian", "hessian", "jacobian_sparsity", "hessian_sparsity"],
)
def test_argnums_beyond_the_arguments(make: Callable[[int], Any]) -> None:
    a, x = X6[:5], X6[1:]
    for k in (2, -3):
        with pytest.raises(TypeError, match=f"argnums={k} but the function got 2 arguments"):
            make(k)(a, x)
    with pytest.raises(TypeError, match="argnums=1 but the function got 1 arguments"):
        make(1)(a, x=x)


def test_negative_argnums_reuses_its_plan() -> None:
    calls = [0]

    def f(a: Any, x: Any) -> Any:
        calls[0] += 1
        return _pair(a, x)

    a = X6[:5]
    jac = hd.jacobian(f, argnums=-1, sparsity="auto")
    for shift in range(4):
        x = X6[1:] + shift
        np.testing.assert_array_equal(jac(a, x).toarray(), np.diag(2 * a[::-1] * x))
    assert calls[0] == 2 + 3  # detection and pass, then a pass a call


class _Counting:
    def __init__(self) -> None:
        self.calls = 0

    def residual(self, x: Any) -> Any:
        self.calls += 1
        return x[1:] * x[:-1]


def test_an_attribute_counter_costs_no_detection_with_the_probe() -> None:
    problem = _Counting()
    jac = hd.jacobian(lambda p, x: p.residual(x), argnums=1, sparsity="auto")
    for shift in range(4):
        x = X6 + shift
        expected = np.zeros((5, 6))
        expected[np.arange(5), np.arange(5)] = x[1:]
        expected[np.arange(5), np.arange(1, 6)] = x[:-1]
        np.testing.assert_array_equal(jac(problem, x).toarray(), expected)
    assert problem.calls == 2 + 3  # detection and pass, then a pass a call
