"""Round eighteen: exact zeros of partials read out of a bundle (nesting beyond total
order 2, mixed partials, hd.taylor inside a transform); np.prod / np.cumprod values
numpy's (below); the sparse Hessian term scheme's full sums used nonlinearly (below).

A bundle reads a mixed partial d^i f as a signed binomial sum of its Taylor planes
along the directions k <= i. Where f does not depend on one of i's variables, those
planes are equal along that variable (bitwise: the same operations on the same
numbers), and the sum is 0 in exact arithmetic; its rounding was not: d/dz of
hessian(u -> sin(u[1] + z))'s (0, 1) entry was -7.4e-17, jacobian(hessian(sin(u[1])))
had -7.4e-17 and -1.5e-16 where u[0] enters, the Jacobian of hd.taylor's third
coefficient at one point in another point's variable 8.3e-17. The read-out now gives 0
where a partial's grid of planes is constant along one of its variables.

References: closed forms (the entries in an unused variable are exactly 0; the others
within rounding of the closed form).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

_U = np.array([-1.131, -1.345, 0.42])
_Z = 1.051


def _sin_exp(w: float, e: float) -> np.ndarray:
    """d^a/dw^a d^b/de^b sin(w) exp(e), a in 0..3 (rows), b in 0..3 (columns: all alike)."""
    s = [np.sin(w), np.cos(w), -np.sin(w), -np.cos(w)]
    return np.array([[s[a] * np.exp(e) for _ in range(4)] for a in range(4)])


def _derivative_of_hessian(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    u = _U.astype(dtype)
    got = hd.derivative(lambda z: hd.hessian(lambda v: np.sin(v[1] + z) * np.exp(v[2]))(u))(
        dtype(_Z)
    )
    d = _sin_exp(float(u[1]) + _Z, float(u[2]))
    want = np.zeros((3, 3))
    want[1:, 1:] = [[d[3, 0], d[2, 1]], [d[2, 1], d[1, 2]]]
    return np.asarray(got), want


def _jacobian_of_hessian(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    u = _U.astype(dtype)
    got = hd.jacobian(hd.hessian(lambda v: np.sin(v[1]) * np.exp(v[2])))(u)
    d = _sin_exp(float(u[1]), float(u[2]))
    want = np.zeros((3, 3, 3))
    for i in (1, 2):
        for j in (1, 2):
            for k in (1, 2):
                a = (i == 1) + (j == 1) + (k == 1)
                want[i, j, k] = d[a, 3 - a]
    return np.asarray(got), want


def _hessian_of_derivative(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    # the outer variables (y, z): f does not depend on z
    y = dtype(_U[1])
    got = hd.hessian(lambda v: hd.derivative(lambda x: np.sin(x + v[0]) * np.exp(x))(dtype(_U[2])))(
        np.array([y, _Z], dtype=dtype)
    )
    w, e = float(_U[2]) + float(y), float(_U[2])
    # g(x) = sin(x + y) e^x: d/dx = (cos(x + y) + sin(x + y)) e^x; d^2/dy^2 of that
    want = np.zeros((2, 2))
    want[0, 0] = (-np.cos(w) - np.sin(w)) * np.exp(e)
    return np.asarray(got), want


def _hessian_of_hessian(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    u = _U.astype(dtype)
    got = hd.hessian(hd.hessian(lambda v: np.sin(v[1]) * np.exp(v[2])))(u)
    d = _sin_exp(float(u[1]), float(u[2]))
    want = np.zeros((3, 3, 3, 3))
    for idx in np.ndindex(3, 3, 3, 3):
        if 0 not in idx:
            a = sum(i == 1 for i in idx)
            want[idx] = d[a % 4, 0]  # (sin's a-th derivative times exp)
    return np.asarray(got), want


def _jacobian_of_taylor(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    # the third Taylor coefficient of sin along 1 at each point (-cos, pointwise):
    # d/dv_j at point i is sin(v_i) on the diagonal, exactly 0 off it
    v = np.array([0.3, 0.9, -0.4], dtype=dtype)
    got = hd.jacobian(lambda v: hd.taylor(np.sin, v, np.ones(3, dtype=dtype), 3)[3])(v)
    return np.asarray(got), np.diag(np.sin(v.astype(float)))


def _mixed_partial(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    # d^(2, 1) of sin(x) exp(z) in (x, y): f does not depend on y
    def f(x: Any, y: Any) -> Any:
        return np.sin(x) * np.exp(dtype(0.3)) + 0 * np.cos(x)

    got = hd.derivative(f, order=(2, 1), argnums=(0, 1))(dtype(0.7), dtype(1.3))
    got2 = hd.derivative(f, order=(2, 0), argnums=(0, 1))(dtype(0.7), dtype(1.3))
    want2 = -np.sin(float(dtype(0.7))) * np.exp(float(dtype(0.3)))
    return np.array([got, got2]), np.array([0.0, want2])


_CASES: dict[str, Callable[[Any], tuple[np.ndarray, np.ndarray]]] = {
    "derivative(hessian) closure": _derivative_of_hessian,
    "jacobian(hessian)": _jacobian_of_hessian,
    "hessian(derivative) closure": _hessian_of_derivative,
    "hessian(hessian)": _hessian_of_hessian,
    "jacobian(taylor)": _jacobian_of_taylor,
    "derivative order=(2, 1)": _mixed_partial,
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", list(_CASES))
def test_partials_in_an_unused_variable_are_exactly_zero(case: str, dtype: Any) -> None:
    got, want = _CASES[case](dtype)
    assert got.shape == want.shape
    zero = want == 0
    assert np.all(got[zero] == 0), f"{case}: {got[zero][got[zero] != 0]} where 0 is exact"
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(got[~zero], want[~zero], rtol=rtol, atol=0)


def test_complex_holomorphic_nesting_keeps_exact_zeros() -> None:
    # d/dz hessian(v -> sin(v[1] + z)) with complex points, holomorphic: row/column 0
    # (v[0] unused) exactly 0, the rest -cos(v[1] + z)
    u = np.array([0.3 + 0.2j, -0.5 + 0.1j])
    z = 0.4 - 0.3j
    got = hd.derivative(
        lambda z: hd.hessian(lambda v: np.sin(v[1] + z), holomorphic=True)(u), holomorphic=True
    )(z)
    assert got[0, 0] == 0 and got[0, 1] == 0 and got[1, 0] == 0
    np.testing.assert_allclose(got[1, 1], -np.cos(u[1] + z), rtol=1e-13)


# --- np.cumprod's and np.prod's value: numpy's, bit for bit ------------------------------
# The dual arrays' cumprod ran a log-step scan whose value differed from numpy's
# sequential products by an ulp or so (nancumprod and ufunc.accumulate already gave
# numpy's value); np.prod's pairwise tree likewise (nanprod gave numpy's). A branch on
# it could go another way than f does at x: cumprod(tanh(x) + 1) with x = -0 repeats an
# element (a factor 1), numpy's tie was one ulp apart in the scan, argsort ordered the
# two the other way, and the dense Jacobian was that of another ordering (sparsity
# detection, on numpy's values, missed its entry: its local pattern did not hold the
# dense Jacobian's nonzeros).
_TIE_X = np.array([1.0, -1, 1, -2, -2, -2, -0.0, 1, 3, -1, 1, 0, 1, -1, 1, 0, -3, -1, -1, 0, 1, -1])


_CUMPROD_TRANSFORMS: dict[str, Callable[..., Any]] = {
    # each runs g (which records the value of func(x) it meets) in its own kind
    "jvp (Dual)": lambda g, x, h: hd.jvp(g, (x,), (np.ones_like(x),)),
    "jacobian (DualVec)": lambda g, x, h: hd.jacobian(g, holomorphic=h)(x),
    "hessian (HyperDualVec)": lambda g, x, h: hd.hessian(lambda x: np.sum(g(x)), holomorphic=h)(x),
    "derivative order 2": lambda g, x, h: hd.derivative(
        lambda t: np.sum(g(x * t)), order=2, holomorphic=h
    )(x.dtype.type(1)),
    "derivative order 4 (Taylor)": lambda g, x, h: hd.derivative(
        lambda t: np.sum(g(x * t)), order=4, holomorphic=h
    )(x.dtype.type(1)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("how", list(_CUMPROD_TRANSFORMS))
@pytest.mark.parametrize(
    "func",
    [
        lambda x: np.cumprod(x),
        lambda x: np.cumprod(x.reshape(3, 4), axis=0),
        lambda x: np.cumprod(x.reshape(3, 4), axis=1),
        lambda x: np.multiply.accumulate(x.reshape(3, 4), axis=1),
        lambda x: np.cumulative_prod(x),
        lambda x: np.prod(x),
        lambda x: np.prod(x.reshape(3, 4), axis=1, keepdims=True),
        lambda x: np.prod(x.reshape(3, 4), axis=0, initial=1.7),
        lambda x: np.prod(x, where=np.arange(12) % 3 != 1),
        lambda x: np.multiply.reduce(x.reshape(2, 6), axis=1),
    ],
    ids=[
        "flat",
        "axis0",
        "axis1",
        "multiply.accumulate",
        "cumulative_prod",
        "prod",
        "prod axis keepdims",
        "prod initial",
        "prod where",
        "multiply.reduce",
    ],
)
def test_product_value_is_numpys(func: Any, how: str, dtype: Any) -> None:
    rng = np.random.default_rng(18)
    x = rng.uniform(0.6, 1.6, 12).astype(dtype)
    if np.dtype(dtype).kind == "c":
        x = x * np.exp(0.3j * rng.standard_normal(12))
    seen: list[np.ndarray] = []

    def g(x: Any) -> Any:
        y = func(x)
        seen.append(np.array(y.value))
        return y.ravel()

    _CUMPROD_TRANSFORMS[how](g, x, np.dtype(dtype).kind == "c")
    scale = 1 if how.startswith(("jvp", "jacobian", "hessian")) else x.dtype.type(1)
    want = func(x * scale)
    assert seen
    for value in seen:
        np.testing.assert_array_equal(value, want)


def test_cumprod_tie_orders_as_numpy() -> None:
    from sparsity_harness import check_jacobian_pattern

    def f(x: Any) -> Any:
        v = np.cumprod(np.tanh(x[::-1]) + 1.0)
        return v[np.argsort(v)]

    # numpy's order at the tie (v[14] == v[15]): the dense Jacobian's row 13 is v[14]'s,
    # which does not depend on x[6] (v[15] = v[14] (tanh(x[6]) + 1) does)
    assert hd.jacobian(f)(_TIE_X)[13, 6] == 0
    check_jacobian_pattern(lambda x: np.cumprod(np.tanh(x[::-1]) + 1.0), [_TIE_X], exact=False)
    local = hd.jacobian_sparsity(f, local=True)(_TIE_X).toarray().astype(bool)
    dense = np.asarray(hd.jacobian(f)(_TIE_X)) != 0
    assert not np.any(dense & ~local)


# --- sparse Hessians: a full sum used nonlinearly has f's value -----------------------
# The term scheme keeps full sums (np.sum, np.mean, a @ b, np.dot, vdot, inner,
# einsum("i,i->"), w @ r) as terms; one used in a nonlinear function was summed again
# as sum(a * b) (mean: sum(a * (1 / n)), a scaled one: sum(a * w)), which rounds
# otherwise than f's np.dot / np.mean / s / c: sin of a dot product near 1.9e10 then
# read the sine of another number, and the sparse Hessian was up to 2e-4 off the dense
# one (the probe passed: it checks the pass against itself).
@pytest.mark.parametrize("n", [12, 23, 40])
@pytest.mark.parametrize(
    "reduce",
    [
        lambda v: v @ v,
        lambda v: np.dot(v, v[::-1]),
        lambda v: np.vdot(v, v),
        lambda v: np.inner(v, v),
        lambda v: np.einsum("i,i->", v, v),
        lambda v: np.linspace(1.0, 1.3, v.size) @ v**2,
        lambda v: np.mean(v**2) * 7.0,
        lambda v: np.sum(v**2) / 3.0 + 1.0,
        lambda v: (v @ v) / 3.0 - np.mean(v**2),
    ],
    ids=["matmul", "dot", "vdot", "inner", "einsum", "weighted", "mean", "sum/3+1", "mixed"],
)
def test_sparse_hessian_of_a_sum_used_nonlinearly(reduce: Any, n: int) -> None:
    # f a sum of terms (so a term scheme), one of them the sine of a full sum near 1e10
    # (sin reads its last bits): old errors 1e-7 to 2e-4 of the largest entry
    def f(x: Any) -> Any:
        return np.sum(np.sin(np.concatenate([x, np.atleast_1d(reduce(x * x))])))

    x = np.sqrt(np.random.default_rng(n).uniform(1, 2, n) * 3e4)
    dense = np.asarray(hd.hessian(f)(x))
    for check in (True, False):
        sparse = hd.hessian(f, sparsity="auto", check_sparsity=check)(x).toarray()
        np.testing.assert_allclose(sparse, dense, rtol=1e-13, atol=1e-13 * np.abs(dense).max())
