"""np.add.at and np.subtract.at into dual arrays: every plane as numpy's own add.at of
that plane, bit for bit (float64 components go through one bincount over all planes,
float32 ones through numpy's add.at of the stacked planes), with repeated and
multi-dimensional targets, infinities and nan among the parts, and elements no index
reaches left as they were (their -0.0 too). The reference is numpy's add.at of each
plane on its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff._multivariate import dualvec_type, hyperdualvec_type
from hyperdiff._taylor_arrays import taylor_type

RNG = np.random.default_rng(20261205)

KINDS: dict[str, Callable[[], type]] = {
    "Dual": lambda: type(hd.dual(np.zeros(1), 0.0)),
    "DualVec5": lambda: dualvec_type(5),
    "HyperDualVec2": lambda: hyperdualvec_type(2),
    "Taylor3": lambda: taylor_type(3),
}


def planes(cls: type, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    data = RNG.standard_normal((cls._planes, *shape))
    if np.dtype(dtype).kind == "c":
        data = data + 1j * RNG.standard_normal(data.shape)
    return data.astype(dtype)


@pytest.mark.parametrize("ufunc", [np.add, np.subtract], ids=lambda u: u.__name__)
@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.float32, np.complex64])
@pytest.mark.parametrize("kind", KINDS)
def test_each_plane_as_numpy_adds_it(kind: str, dtype: Any, ufunc: np.ufunc) -> None:
    cls = KINDS[kind]()
    target = planes(cls, (40, 3), dtype)
    # (a row no index reaches: its -0.0 parts stay)
    target[1:, 7] = complex(-0.0, -0.0) if target.dtype.kind == "c" else -0.0
    target[2 % cls._planes, 5, 1] = np.inf
    index = RNG.integers(0, 40, 300)
    index = index[index != 7]
    operand = planes(cls, (len(index), 3), dtype)
    operand[1:, 3, 0] = np.nan
    operand[-1, 10, 2] = -np.inf
    a, b = cls._wrap(target.copy()), cls._wrap(operand.copy())
    with np.errstate(invalid="ignore"):
        ufunc.at(a, index, b)
        for p in range(cls._planes):
            ufunc.at(target[p], index, operand[p])
    assert a._stack.dtype == target.dtype
    np.testing.assert_array_equal(a._stack, target)
    kept = a._stack[1:, 7].view(a._stack.real.dtype)  # (complex: both components)
    assert np.all(np.signbit(kept)), "an element no index reaches changed"
    np.testing.assert_array_equal(b._stack, operand)  # the operand is not mutated


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_multidimensional_targets_and_a_broadcast_operand(dtype: Any) -> None:
    cls = dualvec_type(4)
    target = planes(cls, (6, 5), dtype)
    rows = np.array([[0, 5, 0], [2, 2, 2]])
    columns = np.array([1, 1, 4])
    operand = planes(cls, (3,), dtype)  # broadcast over the (2, 3) targets
    a = cls._wrap(target.copy())
    np.add.at(a, (rows, columns), cls._wrap(operand))
    for p in range(cls._planes):
        np.add.at(target[p], (rows, columns), operand[p])
    np.testing.assert_array_equal(a._stack, target)


def test_the_jacobian_of_a_scatter_in_closed_form() -> None:
    """r = scatter of k_j x_a(j) x_b(j) into products p(j), less into reactants: the
    Jacobian's (i, m) entry sums k_j (x_b [m = a] + x_a [m = b]) (+1 for i = p(j), -1
    for i = a(j) or b(j)), written entry by entry."""
    n, m = 30, 80
    a_of, b_of, p_of = (RNG.integers(0, n, m) for _ in range(3))
    k = RNG.uniform(0.5, 2.0, m)
    x = RNG.uniform(0.5, 2.0, n)

    def rates(c: Any) -> Any:
        r = k * c[a_of] * c[b_of]
        out = np.zeros_like(c)
        np.add.at(out, p_of, r)
        np.subtract.at(out, a_of, r)
        np.subtract.at(out, b_of, r)
        return out

    want = np.zeros((n, n))
    for j in range(m):
        grad = np.zeros(n)
        grad[a_of[j]] += k[j] * x[b_of[j]]
        grad[b_of[j]] += k[j] * x[a_of[j]]
        want[p_of[j]] += grad
        want[a_of[j]] -= grad
        want[b_of[j]] -= grad
    np.testing.assert_allclose(hd.jacobian(rates)(x), want, rtol=1e-14, atol=1e-14)
    sparse = hd.jacobian(rates, sparsity="auto")(x)
    np.testing.assert_allclose(sparse.toarray(), want, rtol=1e-14, atol=1e-14)
