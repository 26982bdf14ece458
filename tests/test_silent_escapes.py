"""Dual arrays that escape a transform, and transforms that did not own their depth.

A dual array kept past its transform's call (a list, a closure, a generator, an object
array) must meet any later transform with a TypeError, never pass for that transform's
perturbation. Every transform keeps and every transform uses: the first-order kinds,
the Hessian kinds, the sparse passes' term kinds, the Taylor kinds (derivative of order
3 and 4, hd.taylor, mixed orders), vjp's. References: the escape's TypeError, or closed
forms for the nesting that must still answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

X = np.array([0.7, -0.4, 1.2])
S = 0.7
ONES = np.ones(3)
PATTERN = np.array([[1.0, 1, 0], [1, 1, 1], [0, 1, 1]])

# Each runs f (R^3 -> R^3) under one transform, twice (a sparse plan's second call is
# its compressed pass), on arguments shaped as f's are.
RUNS: dict[str, Callable[[Callable[[Any], Any]], Any]] = {
    "grad": lambda f: hd.grad(lambda y: np.sum(f(y)))(X),
    "jacobian": lambda f: hd.jacobian(f)(X),
    "hessian": lambda f: hd.hessian(lambda y: np.sum(f(y)))(X),
    "jvp": lambda f: hd.jvp(f, (X,), (ONES,)),
    "hvp": lambda f: hd.hvp(lambda y: np.sum(f(y)), (X,), (ONES,)),
    "vjp": lambda f: hd.vjp(f, X)[1](ONES),
    "hessian_diag": lambda f: hd.hessian_diag(lambda y: np.sum(f(y)))(X),
    "derivative": lambda f: hd.derivative(lambda t: np.sum(f(t * X)))(S),
    "derivative2": lambda f: hd.derivative(lambda t: np.sum(f(t * X)), order=2)(S),
    "derivative3": lambda f: hd.derivative(lambda t: np.sum(f(t * X)), order=3)(S),
    "derivative4": lambda f: hd.derivative(lambda t: np.sum(f(t * X)), order=4)(S),
    "mixed": lambda f: hd.derivative(
        lambda a, b: np.sum(f(a * X + b)), order=(2, 1), argnums=(0, 1)
    )(S, 0.3),
    "taylor": lambda f: hd.taylor(lambda t: np.sum(f(t * X)), S, 1.0, order=3),
    "sparse_jacobian": lambda f: hd.jacobian(f, sparsity="auto")(X),
    "sparse_hessian": lambda f: hd.hessian(lambda y: np.sum(f(y)), sparsity="auto")(X),
    "sparse_hessian_pattern": lambda f: hd.hessian(lambda y: np.sum(f(y)), sparsity=PATTERN)(X),
    "nested": lambda f: hd.grad(lambda y: np.sum(hd.grad(lambda z: np.sum(f(z) * y))(y)))(X),
}


def _kept_from(run: str) -> Any:
    """The last dual array f saw under RUNS[run]."""
    kept: list[Any] = []

    def f(y: Any) -> Any:
        if isinstance(y, hd.DualArray):
            kept.append(y)
        return np.sin(y) * y

    for _ in range(2):
        RUNS[run](f)
    assert kept, run
    return kept[-1]


def _using(kept: Any) -> Callable[[Any], Any]:
    def g(y: Any) -> Any:
        k = kept if np.shape(kept) == np.shape(y) else kept.ravel()[0]
        return y * k + y**2

    return g


@pytest.mark.parametrize("keep", list(RUNS))
@pytest.mark.parametrize(
    "use", ["grad", "hessian", "derivative3", "taylor", "mixed", "vjp", "nested"]
)
def test_an_escaped_array_meets_a_later_transform_with_a_type_error(keep: str, use: str) -> None:
    kept = _kept_from(keep)
    with pytest.raises(TypeError):
        RUNS[use](_using(kept))


@pytest.mark.parametrize("keep", list(RUNS))
def test_an_escaped_array_meets_the_same_transform_with_a_type_error(keep: str) -> None:
    kept = _kept_from(keep)
    with pytest.raises(TypeError):
        RUNS[keep](_using(kept))


def test_an_escaped_sparse_term_is_refused_by_the_compressed_pass() -> None:
    """The term kinds of sparse Hessians were cached by (colors, depth) outside the
    escape retirement: an array kept from one compressed pass met the next pass's seeds
    of the same class (the Hessian came back as a CSR of dual numbers)."""
    state: dict[str, Any] = {"keep": False, "kept": None, "use": None}

    def f(x: Any) -> Any:
        r = np.sum(x**2 * np.roll(x, 1))
        if state["use"] is not None:
            r = r + np.sum(state["use"] * x)
        if state["keep"]:
            state["kept"], state["keep"] = x, False
        return r

    hessian = hd.hessian(f, sparsity="auto")
    hessian(X)
    state["keep"] = True
    hessian(X)
    state["use"] = state["kept"]
    with pytest.raises(TypeError, match="kept from a transform call"):
        hessian(X)


def test_an_inner_transforms_escaped_array_meets_the_outer_one_with_a_type_error() -> None:
    """A retired inner kind (depth 2) met an outer transform's kind (depth 1) in their
    product kind, as if the inner transform were still running: the outer transform
    read its parts back as a dual array instead of raising."""
    kept: list[Any] = []

    def inner(t: Any) -> Any:
        return hd.derivative(lambda u: (kept.append(u), u * u)[1])(t)

    hd.derivative(inner)(S)
    escaped = kept[-1]
    with pytest.raises(TypeError, match="kept from a transform call"):
        hd.derivative(lambda t: t * escaped)(S)


def test_escaped_taylor_arrays_are_refused() -> None:
    """derivative(order=3) kept x(t) = S + t; used later it passed for the new
    transform's perturbation: d^3/dt^3 (S + t)(2 + t)^3 = 39 for 6 S = 4.2."""
    kept: list[Any] = []
    hd.derivative(lambda x: (kept.append(x), x**4)[1], order=3)(S)
    with pytest.raises(TypeError, match="kept from a transform call"):
        hd.derivative(lambda y: kept[-1] * y**3, order=3)(2.0)


# --- a memo across a transform's passes ---------------------------------------------------
# A transform with more variables than a pass holds (chunk_size, or more than 128)
# runs f once per chunk with the same class of seeds: a dual array f kept from the
# first pass (a memo of an intermediate) passed for the next pass's perturbations,
# so the later columns came out wrong (jacobian of y * sum(y^2), memoized, off by 1.7).
# Now _seeds retires a class that still has arrays when a pass begins.
X4 = np.array([0.7, -0.4, 1.2, 0.3])

MEMO_RUNS: dict[str, Callable[[Callable[[Any], Any]], Any]] = {
    "jacobian": lambda g: hd.jacobian(g, chunk_size=2)(X4),
    "grad": lambda g: hd.grad(lambda y: np.sum(g(y)), chunk_size=2)(X4),
    "grad of 300": lambda g: hd.grad(lambda y: np.sum(g(y)))(np.linspace(0.1, 1.0, 300)),
    "hessian": lambda g: hd.hessian(lambda y: np.sum(g(y)), chunk_size=2)(X4),
    "hessian_diag": lambda g: hd.hessian_diag(lambda y: np.sum(g(y)), chunk_size=2)(X4),
    "hvp": lambda g: hd.hvp(lambda y: np.sum(g(y)), (X4,), (X4,), chunk_size=2),
    # (derivative(order=3) and order=(2, 1) run f once on the whole x: no passes to carry
    # a memo across)
}


def test_a_memo_across_passes_is_named() -> None:
    memo: list[Any] = []

    def g(y: Any) -> Any:
        memo.append(memo[0] if memo else np.sum(y[:2] ** 2))
        return y * memo[-1]

    with pytest.raises(TypeError, match="earlier pass of one"):
        hd.jacobian(g, chunk_size=2)(X4)


@pytest.mark.parametrize("run", list(MEMO_RUNS))
def test_a_memo_across_passes_is_refused(run: str) -> None:
    memo: dict[str, Any] = {}

    def g(y: Any) -> Any:
        if "s" not in memo:
            memo["s"] = np.sum(y[:2] ** 2)  # computed on the first pass only
        return y * memo["s"]

    with pytest.raises(TypeError):  # (hessian: its passes' kinds differ, so they meet so)
        MEMO_RUNS[run](g)


def test_passes_without_a_memo_keep_their_class() -> None:
    from hyperdiff._arrays import tagged
    from hyperdiff._multivariate import dualvec_type

    hd.jacobian(np.sin, chunk_size=2)(X4)
    before = tagged(dualvec_type(2), 1)
    jac = hd.jacobian(lambda y: np.sin(y) * y[::-1], chunk_size=2)(X4)
    want = np.diag(np.cos(X4) * X4[::-1]) + np.fliplr(np.diag(np.sin(X4)))
    np.testing.assert_allclose(jac, want, rtol=1e-15)
    assert tagged(dualvec_type(2), 1) is before
