"""float32 inputs to the sparse transforms with the stale-plan check: a row whose
derivative cancels (1 / (2 + x^2)'' near its root) rounds in float32 past the probe's
tolerance once there are a few thousand points (the nearest to the root the worse);
the same plan's float64 pass then decides, not the dense matrix (O(n^2): a 55-hour
estimate at n = 40000). Values against closed forms; a stale plan in float32 is still
detected again."""

from __future__ import annotations

import numpy as np

import hyperdiff as hd
from hyperdiff import _sparsity

N = 5000


def bump(x):
    return np.sum(1.0 / (2.0 + x**2))


def bump_second(x):
    x = x.astype(np.float64)
    return (6 * x**2 - 4) / (2 + x**2) ** 3, (6 * x**2 + 4) / (2 + x**2) ** 3


def counted(f, calls):
    def g(*args):
        calls.append(1)
        return f(*args)

    return g


def test_float32_hessian_with_cancelling_rows_needs_no_dense_rescue():
    """Trace, pass and the float64 pass: three calls of f (the dense Hessian's chunks
    would be hundreds)."""
    x = np.random.default_rng(1).uniform(-1, 1, N).astype(np.float32)
    calls = []
    got = hd.hessian(counted(bump, calls), sparsity="auto")(x)
    assert len(calls) <= 3
    want, scale = bump_second(x)
    assert got.nnz == N and got.dtype == np.float32
    assert np.all(np.abs(got.diagonal() - want) <= 64 * np.finfo(np.float32).eps * scale)


def test_the_wider_dtypes():
    assert _sparsity._wider_dtype(np.dtype(np.float32)) == np.float64
    assert _sparsity._wider_dtype(np.dtype(np.float16)) == np.float64
    assert _sparsity._wider_dtype(np.dtype(np.complex64)) == np.complex128
    for dtype in (np.float64, np.complex128, np.longdouble, np.int64):
        assert _sparsity._wider_dtype(np.dtype(dtype)) is None


def test_float32_jacobian_with_cancelling_rows_needs_no_dense_rescue():
    x = np.random.default_rng(2).uniform(-1, 1, N).astype(np.float32)

    def f(u):  # t' = (1 - u^2) / (1 + u^2)^2: cancels near u = +-1
        t = u / (1.0 + u * u)
        return t[1:] * t[:-1]

    calls = []
    got = hd.jacobian(counted(f, calls), sparsity="auto")(x)
    assert len(calls) <= 3  # (the dense Jacobian: 40 chunks)
    u = x.astype(np.float64)
    t, dt = u / (1 + u * u), (1 - u * u) / (1 + u * u) ** 2
    dense = got.toarray()
    i = np.arange(N - 1)
    for entry, want in ((dense[i, i + 1], dt[1:] * t[:-1]), (dense[i, i], t[1:] * dt[:-1])):
        # float32's rounding of t' near its root: relative to its terms' magnitude
        bound = 64 * np.finfo(np.float32).eps * (np.abs(t) * (1 + u * u) ** -1).max()
        assert np.all(np.abs(entry - want) <= bound)
    assert got.nnz == 2 * (N - 1)


def test_float32_stale_plan_is_still_detected():
    """The wider pass confirms a pattern only when it holds: a changed shift is a
    mismatch in float64 too, so the pattern is detected again."""
    state = {"shift": 1}

    def f(u):
        return np.sum((u - np.roll(u, state["shift"]) ** 2) ** 2 / (2.0 + u**2))

    x = np.random.default_rng(3).uniform(-1, 1, N).astype(np.float32)
    hess = hd.hessian(f, sparsity="auto")
    hess(x)
    state["shift"] = 3
    got = hess(x)
    # against hvp (forward over forward, no pattern) in float64 at the same point
    v = np.random.default_rng(4).uniform(-1, 1, N)
    want = hd.hvp(f, (x.astype(np.float64),), (v,))
    scale = abs(got) @ np.abs(v)
    assert np.all(np.abs(got @ v - want) <= 1e-4 * scale)
    dense = got.toarray()
    j = np.arange(N)
    assert np.all(dense[j, (j - 3) % N] != 0) and np.all(dense[j, (j - 1) % N] == 0)
