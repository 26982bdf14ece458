"""0-d results: numpy's scalars are numbers (x op= y rebinds x), its 0-d arrays are
arrays (x op= y writes into x, and every name for x sees it). A dual array of 0-d
wrote in place always, so `history.append(y); y += h * g(y)` (an explicit Euler loop
on a scalar state) made every entry the last: a silently wrong value and Jacobian.

The family: for each function numpy answers with a 0-d result, a dual array's is a
number exactly where numpy's is a scalar, and f's value (an alias kept across x op= y)
is numpy's own. References: numpy running f, closed forms, central differences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

X = np.array([0.3, 0.5, 0.7, 0.9])

ZERO_D: dict[str, Callable[[Any], Any]] = {
    "x[1]": lambda x: x[1],
    "x[-1] * 2": lambda x: x[-1] * 2.0,
    "x[1] + x[2]": lambda x: x[1] + x[2],
    "sin(x[1])": lambda x: np.sin(x[1]),
    "x[1] ** 2": lambda x: x[1] ** 2,
    "abs(x[0])": lambda x: abs(x[0]),
    "hypot": lambda x: np.hypot(x[0], x[1]),
    "x.item(1)": lambda x: x.item(1),
    "x[1].copy()": lambda x: x[1].copy(),
    "np.take": lambda x: np.take(x, 1),
    "np.clip": lambda x: np.clip(x[0], 0.0, 1.0),
    "sum": np.sum,
    "x.sum()": lambda x: x.sum(),
    "sum(axis=0)": lambda x: np.sum(x, axis=0),
    "mean": np.mean,
    "prod": np.prod,
    "max": np.max,
    "x.max()": lambda x: x.max(),
    "amin": np.amin,
    "ptp": np.ptp,
    "std": np.std,
    "var": np.var,
    "median": np.median,
    "average": lambda x: np.average(x, weights=[1.0, 2.0, 3.0, 4.0]),
    "cumsum()[-1]": lambda x: np.cumsum(x)[-1],
    "log(sum(exp))": lambda x: np.log(np.sum(np.exp(x))),
    "x @ x": lambda x: x @ x,
    "np.matmul": lambda x: np.matmul(x, x),
    "ones @ x": lambda x: np.ones(4) @ x,
    "x @ ones": lambda x: x @ np.ones(4),
    "(A @ x) @ x": lambda x: (np.eye(4) @ x) @ x,
    "dot": lambda x: np.dot(x, x),
    "vdot": lambda x: np.vdot(x, x),
    "inner": lambda x: np.inner(x, x),
    "einsum": lambda x: np.einsum("i,i->", x, x),
    "einsum implicit": lambda x: np.einsum("i,i", x, x),
    "norm": np.linalg.norm,
    "norm 2-d": lambda x: np.linalg.norm(x.reshape(2, 2)),
    "det": lambda x: np.linalg.det(x.reshape(2, 2)),
    "trace": lambda x: np.trace(x.reshape(2, 2)),
    "interp times": lambda x: np.interp(0.5, [0.0, 1.0], [0.0, 1.0]) * x[0],
    # numpy's 0-d arrays
    "tensordot": lambda x: np.tensordot(x, x, 1),
    "where": lambda x: np.where(x[0] > 0, x[0], x[1]),
    "select": lambda x: np.select([x[0] > 0], [x[1]]),
    "np.copy": lambda x: np.copy(x[1]),
    "zeros_like + x[1]": lambda x: np.zeros_like(x[1]),
    "full_like": lambda x: np.full_like(x[1], 2.0),
    "ones_like": lambda x: np.ones_like(x[1]),
    "choose": lambda x: np.choose(0, [x[0], x[1]]),
    "piecewise": lambda x: np.piecewise(x[0], [x[0] > 0], [lambda t: t**2]),
    "x[1, ...]": lambda x: x[1, ...],
    "reshape(())": lambda x: x[:1].reshape(()),
    "squeeze": lambda x: np.squeeze(x[:1]),
}


@pytest.mark.parametrize("name", list(ZERO_D))
def test_a_number_where_numpy_has_a_scalar(name: str) -> None:
    op = ZERO_D[name]
    seen: list[Any] = []

    def f(x: Any) -> Any:
        seen.append(op(x))
        return x[0]

    hd.grad(f)(X)
    (ours,) = seen
    numpy_scalar = not isinstance(op(X.copy()), np.ndarray)
    assert ours.ndim == 0
    assert ours._is_number() == numpy_scalar


def _aliased(op: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        s = op(x)
        kept = s  # numpy's scalar: s *= 2 rebinds s; its 0-d array: kept sees it
        s *= 2.0
        s += x[3]
        s **= 2
        return kept + 0.5 * s

    return f


@pytest.mark.parametrize("name", list(ZERO_D))
def test_in_place_on_a_0d_result_as_numpy(name: str) -> None:
    f = _aliased(ZERO_D[name])
    value, tangent = hd.jvp(f, (X,), (np.array([1.0, -0.5, 0.25, 2.0]),))
    assert value == pytest.approx(f(X.copy()), rel=1e-14, abs=1e-15)
    h = 1e-6
    direction = np.array([1.0, -0.5, 0.25, 2.0])
    difference = (f(X + h * direction) - f(X - h * direction)) / (2 * h)
    assert tangent == pytest.approx(difference, rel=1e-6, abs=1e-7)


def test_an_euler_loop_on_a_scalar_state() -> None:
    """y_{k+1} = y_k + h (-a y_k), y_0 = p[0], a = p[1]: y_k = (1 - h a)^k p[0]."""
    h, steps = 0.1, 5

    def trajectory(p: Any) -> Any:
        y = p[0] * 1.0
        history = []
        for _ in range(steps):
            history.append(y)
            y += h * (-p[1] * y)
        return np.array(history)

    p = np.array([1.0, 2.0])
    k = np.arange(steps)
    g = 1 - h * p[1]
    want = np.stack([g**k, -h * k * g ** np.maximum(k - 1, 0) * p[0]], axis=1)
    np.testing.assert_allclose(hd.jacobian(trajectory)(p), want, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(
        hd.jacobian(trajectory, sparsity="auto")(p).toarray(), want, rtol=1e-14, atol=1e-15
    )
    second = hd.hessian(lambda p: trajectory(p)[-1])(p)
    kk = steps - 1  # y_4 = g^4 p0: d2/dp0dp1 = -4 h g^3, d2/dp1^2 = 12 h^2 g^2 p0
    want2 = np.array(
        [
            [0.0, -kk * h * g ** (kk - 1)],
            [-kk * h * g ** (kk - 1), kk * (kk - 1) * h**2 * g ** (kk - 2) * p[0]],
        ]
    )
    np.testing.assert_allclose(second, want2, rtol=1e-13, atol=1e-15)


def test_a_scalar_input_rebound_in_place() -> None:
    """A Python float x: x += 1 rebinds x inside f, the other name keeps the input."""

    def f(x: Any) -> Any:
        kept = x
        x += 1.0
        return x * kept  # (x + 1) x: 2 x + 1

    assert hd.grad(f)(1.5) == pytest.approx(4.0, rel=1e-15)
    assert hd.derivative(f)(1.5) == pytest.approx(4.0, rel=1e-15)


def test_a_0d_view_still_writes_into_its_base() -> None:
    def f(x: Any) -> Any:
        y = x * 1.0
        v = y[1, ...]  # numpy's 0-d view of y
        v *= 3.0
        return y

    np.testing.assert_allclose(hd.jacobian(f)(X), np.diag([1.0, 3.0, 1.0, 1.0]), rtol=0, atol=0)


# --- a 0-d input as the user passed it -------------------------------------------------
def _newton_sqrt(a: Any) -> Any:
    """sqrt(a) by Newton from x = a: numpy's scalars rebind x (a stays), a 0-d ndarray
    is written through x, and the iteration becomes x <- (x + 1) / 2 (towards 1)."""
    x = a
    for _ in range(30):
        x -= (x * x - a) / (2 * x)
    return x


def _scalar_sum(a: Any) -> Any:
    return np.sum(_newton_sqrt(a))


A = 2.0
# (first, second, third derivative) of what numpy computes: sqrt(a) for a number,
# the halving iteration for a 0-d array (its value after 30 steps is 1 + (a - 1) / 2^30)
NUMBER = (0.5 / np.sqrt(A), -0.25 * A**-1.5, 0.375 * A**-2.5)
ARRAY = (0.5**30, 0.0, 0.0)

TRANSFORMS: dict[str, Callable[[Any], Any]] = {
    "derivative": lambda a: hd.derivative(_newton_sqrt)(a),
    "derivative 2": lambda a: hd.derivative(_newton_sqrt, order=2)(a),
    "derivative 3": lambda a: hd.derivative(_newton_sqrt, order=3)(a),
    "grad": lambda a: hd.grad(_scalar_sum)(a),
    "jacobian": lambda a: hd.jacobian(_newton_sqrt)(a),
    "hessian": lambda a: hd.hessian(_scalar_sum)(a),
    "value_and_grad": lambda a: hd.value_and_grad(_scalar_sum)(a)[1],
    "jvp": lambda a: hd.jvp(_newton_sqrt, (a,), (np.ones_like(a),))[1],
    "hvp": lambda a: hd.hvp(_scalar_sum, (a,), (np.ones_like(a),)),
    "hessian_diag": lambda a: hd.hessian_diag(_scalar_sum)(a),
    "linearize": lambda a: hd.linearize(_newton_sqrt, a)[1](np.ones_like(a)),
    "taylor 1": lambda a: hd.taylor(_newton_sqrt, a, np.ones_like(a), 3)[1],
    "taylor 3": lambda a: hd.taylor(_newton_sqrt, a, np.ones_like(a), 3)[3],
    "nested derivatives": lambda a: hd.derivative(hd.derivative(_newton_sqrt))(a),
    "grad of grad": lambda a: hd.grad(lambda b: np.sum(hd.grad(_scalar_sum)(b)))(a),
}
ORDER = {"derivative 2": 1, "hessian": 1, "hvp": 1, "hessian_diag": 1, "derivative 3": 2}
ORDER["nested derivatives"] = ORDER["grad of grad"] = 1
ORDER["taylor 3"] = 2

INPUTS = {
    "float": lambda: A,
    "np.float64": lambda: np.float64(A),
    "0-d ndarray": lambda: np.array(A),
}


@pytest.mark.parametrize("given", list(INPUTS))
@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_a_0d_input_as_passed(name: str, given: str) -> None:
    a = INPUTS[given]()
    numpy_value = _newton_sqrt(INPUTS[given]())
    number = np.isclose(numpy_value, np.sqrt(A))  # numpy's own semantics for this input
    assert number == (given != "0-d ndarray")
    want = (NUMBER if number else ARRAY)[ORDER.get(name, 0)]
    got = float(np.ravel(np.asarray(TRANSFORMS[name](a)))[0])
    assert got == pytest.approx(want, rel=1e-12, abs=1e-15)
