"""Round seventeen: nested pointwise transforms beyond total order 2 (through bundles).

A function mixing points whose mixing vanishes at the point with its first derivatives
(t + (sum(t) - s)^k where sum(t) = s) passed a nested pointwise transform's probe when
the nesting's total order went above 2: the probe's outer parts, read out of a bundle,
were not judged, and hessian(sum(derivative(t + (sum(t) - s)^3))) gave J 1 sums (96
everywhere) with no error. They are now judged within the bundle's rounding, except
while an enclosing pointwise transform runs its probe at scales up to 2^63 (its rerun
near 1 judges them).

References: the closed forms of a pointwise g's derivatives by Leibniz's rule.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from math import comb, factorial
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

_X = np.array([0.3, -0.7, 1.1, 0.4])
_S = float(_X.sum())


def _mixing(power: int) -> Callable[[Any], Any]:
    def f(t: Any) -> Any:  # J's off-diagonal, power (sum(t) - s)^(power - 1), is 0 here
        return t + (t.sum() - _S) ** power

    return f


def _nestings(inner: Callable[[Any], Any]) -> dict[str, Callable[[np.ndarray], Any]]:
    """Nested transforms of a pointwise transform of `inner`, each of total order >= 3."""
    d, d2, d3 = (hd.derivative(inner, order=k) for k in (1, 2, 3))
    return {
        "hessian(sum(derivative))": lambda x: hd.hessian(lambda v: np.sum(d(v)))(x),
        "jacobian(jacobian(derivative))": lambda x: hd.jacobian(hd.jacobian(d))(x),
        "hessian(sum(grad elementwise))": lambda x: hd.hessian(
            lambda v: np.sum(hd.grad(inner, elementwise=True)(v))
        )(x),
        "jacobian(derivative order 2)": lambda x: hd.jacobian(d2)(x),
        "hvp(sum(derivative))": lambda x: hd.hvp(lambda v: np.sum(d(v)), (x,), (np.ones_like(x),)),
        "hessian(sum(derivative order 2))": lambda x: hd.hessian(lambda v: np.sum(d2(v)))(x),
        "jacobian(derivative order 3)": lambda x: hd.jacobian(d3)(x),
        "jacobian(jacobian(jacobian(derivative)))": lambda x: hd.jacobian(
            hd.jacobian(hd.jacobian(d))
        )(x),
    }


# each nesting's total order less 1: the mixing (sum(t) - s)^k shows in its probe's
# parts when that is at least k - 1
_OUTER_ORDER = {
    "hessian(sum(derivative))": 2,
    "jacobian(jacobian(derivative))": 2,
    "hessian(sum(grad elementwise))": 2,
    "jacobian(derivative order 2)": 2,
    "hvp(sum(derivative))": 2,
    "hessian(sum(derivative order 2))": 3,
    "jacobian(derivative order 3)": 3,
    "jacobian(jacobian(jacobian(derivative)))": 3,
}


@pytest.mark.parametrize("name", sorted(_OUTER_ORDER))
@pytest.mark.parametrize("power", [2, 3, 4])
def test_mixing_seen_only_in_higher_outer_parts_is_refused(name: str, power: int) -> None:
    if power - 1 > _OUTER_ORDER[name]:
        pytest.skip("the mixing is zero to this nesting's order")
    with pytest.raises(ValueError, match="mixes points"):
        _nestings(_mixing(power))[name](_X)


def test_mixing_through_a_closure_under_an_enclosing_pointwise_transform_is_refused() -> None:
    # the enclosing derivative's first pass seeds its probe at 2^-64 .. 2^63; its rerun
    # near 1 judges the inner's outer parts
    def inner(a: Any) -> Any:
        return hd.derivative(lambda t: t + (np.sum(t) * a - _S) ** 3)(_X)

    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(inner, order=2)(np.ones(4))


def test_another_threads_wide_probe_does_not_excuse_this_threads_check() -> None:
    from hyperdiff import _transforms

    raised: list[BaseException] = []

    def run() -> None:
        try:
            _nestings(_mixing(3))["hessian(sum(derivative))"](_X)
        except ValueError as error:
            raised.append(error)

    _transforms._WIDE_PROBES.running += 1  # (as though this thread ran a wide probe)
    try:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    finally:
        _transforms._WIDE_PROBES.running -= 1
    assert len(raised) == 1 and "mixes points" in str(raised[0])


_C = 0.2


def _pointwise(t: Any) -> Any:
    # g(t) = t + sin(t) (t - c)^3; the sum of zeros keeps it from being pointwise by
    # construction, so the probe runs (and its rounding reaches every point)
    return t + np.sin(t) * (t - _C) ** 3 + 0.0 * np.sum(t)


def _g(t: np.ndarray, n: int) -> np.ndarray:
    """g's n-th derivative (n >= 1) by Leibniz's rule."""
    total = np.zeros_like(t) + (1.0 if n == 1 else 0.0)
    for k in range(n + 1):
        j = n - k
        if j <= 3:
            cubic = factorial(3) // factorial(3 - j) * (t - _C) ** (3 - j)
            total = total + comb(n, k) * np.sin(t + k * np.pi / 2) * cubic
    return total


def _diagonal(values: np.ndarray, rank: int) -> np.ndarray:
    out = np.zeros((values.size,) * rank)
    for i, v in enumerate(values):
        out[(i,) * rank] = v
    return out


@pytest.mark.parametrize("name", sorted(_OUTER_ORDER))
@pytest.mark.parametrize("size", [4, 40])
def test_pointwise_functions_pass_the_same_nestings(name: str, size: int) -> None:
    if size > 4 and name.count("jacobian") == 3:
        pytest.skip("a third-order Jacobian of 40 points takes minutes (nested bundles)")
    x = np.linspace(-0.9, 1.3, size)
    got = np.asarray(_nestings(_pointwise)[name](x))
    values = _g(x, _OUTER_ORDER[name] + 1)
    if name.startswith("hvp"):
        want = values
    else:
        want = _diagonal(values, got.ndim)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * np.abs(values).max())
