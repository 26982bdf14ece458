"""Sums kept as terms (the sparse Hessian's, gradient's and Jacobian's term schemes)
written into arrays, and written into themselves: the family of numpy's in-place
semantics.

- `v op= np.sum(x**2)` with v a view: a dual array declined the sum, so Python fell
  back to v = v op s, a new array, and the base r never saw the write (a silently
  wrong Hessian: r's pass computed another function than f).
- `r[0] = np.sum(x**2)`, `r.fill(s)`: a TypeError of detection's own.
- a keepdims sum (an array, as numpy's np.sum(..., keepdims=True) is) and rows joined
  with one (np.concatenate): `t = s; s *= 2` rebound s to a new sum, so t kept the old
  one; a write through a view or a method reached a copy (silently wrong Jacobians
  and Hessians).

References are closed forms, independent of hyperdiff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

N = 40  # rows of terms from 32 inputs (_TERM_ROWS_FROM): their plan is tried
K = 7  # the view written: r[:K]
X = np.linspace(0.1, 0.9, N) + 0.01 * np.sin(np.arange(N))


# --- v op= s, v a view of r; f = sum(r**2), r = x then r[:K] op= S, S = sum(x**2) ---
def _written_view(op: str) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        r = x * 1.0
        v = r[:K]
        s = np.sum(x**2)
        if op == "+":
            v += s
        elif op == "-":
            v -= s
        elif op == "*":
            v *= s
        else:
            v /= s
        return np.sum(r**2)

    return f


def _view_reference(op: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian of sum(r**2) by the chain rule: r_i, its gradient row and
    Hessian (S = sum x^2: dS = 2x, d2S = 2I)."""
    n = x.size
    s = np.sum(x**2)
    eye = np.eye(n)
    r, jac, hess = x.copy(), eye.copy(), np.zeros((n, n, n))
    for i in range(K):
        e = eye[i]
        if op == "+":
            r[i], jac[i], hess[i] = x[i] + s, e + 2 * x, 2 * eye
        elif op == "-":
            r[i], jac[i], hess[i] = x[i] - s, e - 2 * x, -2 * eye
        elif op == "*":
            r[i] = x[i] * s
            jac[i] = s * e + 2 * x[i] * x
            hess[i] = 2 * (np.outer(e, x) + np.outer(x, e)) + 2 * x[i] * eye
        else:
            r[i] = x[i] / s
            jac[i] = e / s - 2 * x[i] * x / s**2
            hess[i] = (
                -2 * (np.outer(e, x) + np.outer(x, e)) / s**2
                - 2 * x[i] * eye / s**2
                + 8 * x[i] * np.outer(x, x) / s**3
            )
    grad = 2 * jac.T @ r
    return grad, 2 * jac.T @ jac + 2 * np.einsum("i,ijk->jk", r, hess)


@pytest.mark.parametrize("check", [True, False])
@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_a_view_written_in_place_by_a_sum(op: str, check: bool) -> None:
    f = _written_view(op)
    grad, hess = _view_reference(op, X)
    got = hd.hessian(f, sparsity="auto", check_sparsity=check)(X).toarray()
    np.testing.assert_allclose(got, hess, rtol=1e-11, atol=1e-11)
    got = hd.grad(f, sparsity="auto", check_sparsity=check)(X)
    np.testing.assert_allclose(got, grad, rtol=1e-12)


# --- a sum written into an array: r[0] = S (and spellings); f = sum(r**2) ---------
WRITES: dict[str, Callable[[Any, Any], None]] = {
    "r[0] = s": lambda r, s: r.__setitem__(0, s),
    "r[:1] = s": lambda r, s: r.__setitem__(slice(0, 1), s),
    "r.fill(s)": lambda r, s: r.fill(s),
    "r[0] = s * r[1]": lambda r, s: r.__setitem__(0, s * r[1]),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_a_sum_written_into_an_array(name: str) -> None:
    write = WRITES[name]

    def f(x: Any) -> Any:
        r = x * 1.0
        write(r, np.sum(x**2))
        return np.sum(r**2)

    x, n = X, X.size
    s, eye = np.sum(X**2), np.eye(n)
    r, jac, hess = x.copy(), eye.copy(), np.zeros((n, n, n))
    rows = range(n) if name == "r.fill(s)" else [0]
    for i in rows:
        r[i], jac[i], hess[i] = s, 2 * x, 2 * eye
    if name == "r[0] = s * r[1]":  # r_0 = S x_1
        r[0] = s * x[1]
        jac[0] = 2 * x * x[1] + s * eye[1]
        hess[0] = 2 * x[1] * eye + 2 * (np.outer(x, eye[1]) + np.outer(eye[1], x))
    want = 2 * jac.T @ jac + 2 * np.einsum("i,ijk->jk", r, hess)
    got = hd.hessian(f, sparsity="auto")(x).toarray()
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(hd.grad(f, sparsity="auto")(x), 2 * jac.T @ r, rtol=1e-12)


# --- a keepdims sum written in place, seen through another name -------------------
# each: (the write into s = sum(x**2, keepdims=True), the gradient and Hessian of s[0] after)
KEPT: dict[str, tuple[Callable[[Any, Any], None], Any, Any]] = {
    "s *= 2": (lambda s, x: s.__imul__(2.0), lambda x: 4 * x, lambda x: 4 * np.eye(x.size)),
    "s += x[0]": (
        lambda s, x: s.__iadd__(x[0]),
        lambda x: 2 * x + np.eye(x.size)[0],
        lambda x: 2 * np.eye(x.size),
    ),
    "s[0] = 3 x[1]": (
        lambda s, x: s.__setitem__(0, 3 * x[1]),
        lambda x: 3 * np.eye(x.size)[1],
        lambda x: np.zeros((x.size, x.size)),
    ),
    "s[:] *= 2": (
        lambda s, x: s[:].__imul__(2.0),
        lambda x: 4 * x,
        lambda x: 4 * np.eye(x.size),
    ),
    "s.fill(3)": (lambda s, x: s.fill(3.0), np.zeros_like, lambda x: np.zeros((x.size, x.size))),
    "np.copyto(s, x[:1]**3)": (
        lambda s, x: np.copyto(s, x[:1] ** 3),
        lambda x: 3 * x[0] ** 2 * np.eye(x.size)[0],
        lambda x: 6 * x[0] * np.outer(np.eye(x.size)[0], np.eye(x.size)[0]),
    ),
}


@pytest.mark.parametrize("check", [True, False])
@pytest.mark.parametrize("name", list(KEPT))
def test_a_keepdims_sum_written_in_place(name: str, check: bool) -> None:
    write, grad_of, hess_of = KEPT[name]

    def residual(x: Any) -> Any:  # a chain and the sum as the last row
        s = np.sum(x**2, keepdims=True)
        kept = s  # (another name: numpy's write reaches it)
        write(s, x)
        return np.concatenate([x[1:] - x[:-1] ** 2, kept])

    def scalar(x: Any) -> Any:
        s = np.sum(x**2, keepdims=True)
        kept = s
        write(s, x)
        return np.sum(kept) + np.sum(x**3)

    n = X.size
    chain = np.zeros((n - 1, n))
    chain[np.arange(n - 1), np.arange(1, n)] = 1.0
    chain[np.arange(n - 1), np.arange(n - 1)] = -2 * X[:-1]
    want = np.vstack([chain, grad_of(X)])
    got = hd.jacobian(residual, sparsity="auto", check_sparsity=check)(X).toarray()
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)
    hess = hess_of(X) + np.diag(6 * X)
    got = hd.hessian(scalar, sparsity="auto", check_sparsity=check)(X).toarray()
    np.testing.assert_allclose(got, hess, rtol=1e-12, atol=1e-12)
    grad = hd.grad(scalar, sparsity="auto", check_sparsity=check)(X)
    np.testing.assert_allclose(grad, grad_of(X) + 3 * X**2, rtol=1e-13, atol=1e-14)


# --- rows joined with a sum, written in place through another name ---------------
@pytest.mark.parametrize("check", [True, False])
@pytest.mark.parametrize("write", ["rows *= 2", "rows[-1] = x[0]", "rows[:3] += x[5]"])
def test_joined_rows_written_in_place(write: str, check: bool) -> None:
    def f(x: Any) -> Any:
        rows = np.concatenate([x[1:] - x[:-1] ** 2, np.sum(x**2, keepdims=True)])
        kept = rows
        if write == "rows *= 2":
            rows *= 2.0
        elif write == "rows[-1] = x[0]":
            rows[-1] = x[0]
        else:
            rows[:3] += x[5]
        return kept

    n = X.size
    want = np.zeros((n, n))
    want[np.arange(n - 1), np.arange(1, n)] = 1.0
    want[np.arange(n - 1), np.arange(n - 1)] = -2 * X[:-1]
    want[-1] = 2 * X
    if write == "rows *= 2":
        want *= 2
    elif write == "rows[-1] = x[0]":
        want[-1] = np.eye(n)[0]
    else:
        want[:3, 5] += 1.0
    got = hd.jacobian(f, sparsity="auto", check_sparsity=check)(X).toarray()
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


def test_a_sum_is_a_number_rebound_in_place() -> None:
    """np.sum without keepdims is numpy's scalar: s *= 2 rebinds s, the other name
    keeps the sum (and a sum item-assigned raises, as a numpy scalar does)."""

    def f(x: Any) -> Any:
        s = np.sum(x**2)
        kept = s
        s *= 2.0
        return kept + 0.5 * s  # 2 S

    np.testing.assert_allclose(
        hd.hessian(f, sparsity="auto")(X).toarray(), 4 * np.eye(X.size), atol=1e-13
    )

    def g(x: Any) -> Any:
        s = np.sum(x**2)
        s[0] = 1.0
        return s

    with pytest.raises(TypeError, match="item assignment"):
        hd.hessian(g, sparsity="auto")(X)


def test_a_sum_in_an_object_array() -> None:
    """np.asarray(np.sum(x**2)): an object array holding the sum (detection refused
    it), f = S2 * S3 with S2 = sum x^2, S3 = sum x^3."""

    def f(x: Any) -> Any:
        return np.asarray(np.sum(x**2)) * np.sum(x**3)

    s2, s3 = np.sum(X**2), np.sum(X**3)
    d2, d3 = 2 * X, 3 * X**2
    hess = np.outer(d2, d3) + np.outer(d3, d2) + 2 * s3 * np.eye(X.size) + s2 * np.diag(6 * X)
    got = hd.hessian(f, sparsity="auto")(X).toarray()
    np.testing.assert_allclose(got, hess, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hd.grad(f, sparsity="auto")(X), s3 * d2 + s2 * d3, rtol=1e-13)


def test_a_bool_index_is_a_mask() -> None:
    """s[False] of a keepdims sum is numpy's empty selection, not the sum; r[True] = s
    writes every row (a mask), not row 1."""

    def f(x: Any) -> Any:
        s = np.sum(x**2, keepdims=True)
        return np.sum(x**3) + np.sum(s[False]) + np.sum(s[True])  # S3 + S2

    hess = np.diag(6 * X) + 2 * np.eye(X.size)
    np.testing.assert_allclose(hd.hessian(f, sparsity="auto")(X).toarray(), hess, rtol=1e-12)

    def g(x: Any) -> Any:
        r = x * 1.0
        r[True] = np.sum(x**2)
        return r

    want = np.tile(2 * X, (X.size, 1))
    np.testing.assert_allclose(hd.jacobian(g, sparsity="auto")(X).toarray(), want, rtol=1e-13)


# --- numpy's mean, var and std of a list of sums -----------------------------------------
# np.mean([s, t]) ends with `ret.dtype.type(ret / n)`, a cast each sum kept as terms must
# pass (it raised numpy's ValueError in the sparse Hessian's and gradient's traces)
def _pair(x: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """s = sum x_i x_(i+1), t = sum x^3: values, gradients and Hessians."""
    n = x.size
    s, t = float(np.sum(x[1:] * x[:-1])), float(np.sum(x**3))
    gs = np.zeros(n)
    gs[1:] += x[:-1]
    gs[:-1] += x[1:]
    hs = np.eye(n, k=1) + np.eye(n, k=-1)
    return s, t, gs, 3 * x**2, hs, np.diag(6 * x)


def _mean_var_std(x: np.ndarray, which: str) -> tuple[np.ndarray, np.ndarray]:
    s, t, gs, gt, hs, ht = _pair(x)
    if which == "mean":
        return (gs + gt) / 2, (hs + ht) / 2
    d, gd, hd_ = s - t, gs - gt, hs - ht
    if which == "var":  # ((s - t) / 2)^2
        return d * gd / 2, np.outer(gd, gd) / 2 + d * hd_ / 2
    return np.sign(d) * gd / 2, np.sign(d) * hd_ / 2  # std: |s - t| / 2


@pytest.mark.parametrize("which", ["mean", "var", "std"])
def test_numpy_statistics_of_a_list_of_sums(which: str) -> None:
    reduce = getattr(np, which)

    def f(x: Any) -> Any:
        return reduce([np.sum(x[1:] * x[:-1]), np.sum(x**3)])

    x = np.random.default_rng(5).uniform(0.5, 1.5, 12)
    grad, hess = _mean_var_std(x, which)
    np.testing.assert_allclose(hd.grad(f, sparsity="auto")(x), grad, rtol=1e-13, atol=1e-14)
    got = hd.hessian(f, sparsity="auto")(x).toarray()
    np.testing.assert_allclose(got, hess, rtol=1e-13, atol=1e-14)
