"""Round seventeen (breaker): a pointwise transform closing over an enclosing transform's
variable, nested beyond total order 2, where one point overflows.

A bundle reads mixed partials by interpolation; where a point's series overflow, its
partials in variables it does not depend on are inf - inf, and they are set to 0 from
what each point depends on (_taylor_arrays._structural_zeros). A closure over the outer
variable (or any other lift into the bundle) dropped that record altogether, so the
Hessian of sum(derivative(lambda t: exp(t) * v[0])(v)) at [1, 2, 800] was all nan,
where its entries in v[1] are finite. A lift now adds the variables it depends on at
any of its points to every point's.

References: mpmath (mp.dps = 40) differentiating the closed forms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath as mp
import numpy as np
import pytest

import hyperdiff as hd

mp.mp.dps = 40

pytestmark = pytest.mark.filterwarnings(  # (numpy's own, as np.exp(800) gives)
    "ignore:invalid value encountered:RuntimeWarning",
    "ignore:overflow encountered:RuntimeWarning",
)

# g(t, a): its numpy form and its mpmath form; the inner transform differentiates in t
_G: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = {
    "exp(t) a": (lambda t, a: np.exp(t) * a, lambda t, a: mp.exp(t) * a),
    "exp(t a)": (lambda t, a: np.exp(t * a), lambda t, a: mp.exp(t * a)),
    "exp(t) + a t^2": (lambda t, a: np.exp(t) + a * t**2, lambda t, a: mp.exp(t) + a * t**2),
    "exp(exp(t a))": (lambda t, a: np.exp(np.exp(t * a)), lambda t, a: mp.exp(mp.exp(t * a))),
}
_X = np.array([1.0, 0.5, 800.0])  # g'(800, a) overflows (exp(exp(800)) too)


def _dt(g: Callable[[Any, Any], Any], order: int) -> Callable[[Any, Any], Any]:
    """d^order g / dt^order, by mpmath."""
    return lambda t, a: mp.diff(lambda s: g(s, a), t, order)


def _reference(g: Callable[[Any, Any], Any], order: int, i: int, j: int, k: int = -1) -> float:
    """The derivatives in x_i, x_j (and x_k) of F(x) = sum_p h(x_p, x_0), h = g's
    order-th t-derivative, from points 0 and 1 (point 2 depends on x_0 and x_2 only)."""
    h = _dt(g, order)

    def f(a: Any, b: Any) -> Any:
        return h(a, a) + h(b, a)

    counts = [0, 0]
    for v in (i, j, k):
        if v >= 0:
            counts[v] += 1
    return float(mp.diff(f, (mp.mpf(_X[0]), mp.mpf(_X[1])), tuple(counts)))


def _scale(got: np.ndarray) -> float:
    """The largest finite entry (the interpolation's rounding is relative to it)."""
    return float(np.abs(got[np.isfinite(got)]).max())


@pytest.mark.parametrize("name", sorted(_G))
def test_hessian_of_a_closure_with_one_point_overflowing(name: str) -> None:
    g, mg = _G[name]
    got = hd.hessian(lambda v: np.sum(hd.derivative(lambda t: g(t, v[0]))(v)))(_X)
    for i, j in [(0, 1), (1, 0), (1, 1)]:
        want = _reference(mg, 1, i, j)
        np.testing.assert_allclose(got[i, j], want, rtol=1e-12, atol=1e-13 * _scale(got))
    # 0 in exact arithmetic (the interpolation's rounding of the finite entries)
    assert abs(got[1, 2]) <= 1e-13 * abs(got[1, 1]) and abs(got[2, 1]) <= 1e-13 * abs(got[1, 1])


@pytest.mark.parametrize("name", sorted(_G))
def test_third_order_tensors_of_a_closure_with_one_point_overflowing(name: str) -> None:
    g, mg = _G[name]
    d2 = hd.hessian(lambda v: np.sum(hd.derivative(lambda t: g(t, v[0]), order=2)(v)))(_X)
    jj = hd.jacobian(hd.jacobian(lambda v: np.sum(hd.derivative(lambda t: g(t, v[0]))(v))))(_X)

    def inner(u: Any) -> Any:
        return np.sum(hd.derivative(lambda t: g(t, u[0]))(u))

    jh = hd.jacobian(lambda v: hd.hessian(inner)(v))(_X)
    for i, j in [(0, 1), (1, 1)]:
        want = _reference(mg, 2, i, j)
        np.testing.assert_allclose(d2[i, j], want, rtol=1e-12, atol=1e-13 * _scale(d2))
        want = _reference(mg, 1, i, j)
        np.testing.assert_allclose(jj[i, j], want, rtol=1e-12, atol=1e-13 * _scale(jj))
    for i, j, k in [(0, 1, 1), (1, 1, 1), (0, 0, 1)]:
        want = _reference(mg, 1, i, j, k)
        np.testing.assert_allclose(jh[i, j, k], want, rtol=1e-11, atol=1e-13 * _scale(jh))
