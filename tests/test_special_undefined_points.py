"""A scipy.special function undefined at one point (nan: outside its domain) has no
derivative there, and only there: the parts of the other points, and of directions the
undefined point does not move in, stay what they are (the chain rule's strong zero, as
hyperdiff's own kernels have it for np.arcsin(2)). Until this file, the nan value made
every plane of its element nan, so grad(sum(erfinv(v))) at [2, .3, .7] was all nan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.special as sc

import hyperdiff as hd

SQRT_PI = np.sqrt(np.pi)

# (function, a point outside its domain, points inside, its derivative by hand)
CASES: dict[str, tuple[Callable[[Any], Any], float, list[float], Callable[[Any], Any]]] = {
    "erfinv": (sc.erfinv, 2.0, [0.3, 0.7, -0.2], lambda x: SQRT_PI / 2 * np.exp(sc.erfinv(x) ** 2)),
    "erfcinv": (
        sc.erfcinv,
        2.5,
        [0.3, 1.2, 0.9],
        lambda x: -SQRT_PI / 2 * np.exp(sc.erfcinv(x) ** 2),
    ),
    "ndtri": (
        sc.ndtri,
        1.5,
        [0.3, 0.7, 0.05],
        lambda x: np.sqrt(2 * np.pi) * np.exp(sc.ndtri(x) ** 2 / 2),
    ),
    "betainc": (
        lambda x: sc.betainc(2.0, 3.0, x),
        1.5,
        [0.3, 0.7, 0.1],
        lambda x: x * (1 - x) ** 2 / sc.beta(2.0, 3.0),
    ),
    "gammainc in x": (
        lambda x: sc.gammainc(2.5, x),
        -1.0,
        [0.3, 1.7, 4.0],
        lambda x: x**1.5 * np.exp(-x) / sc.gamma(2.5),
    ),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("where", [0, 2])
def test_jacobian_of_an_undefined_point_is_nan_there_alone(name: str, where: int) -> None:
    f, bad, good, prime = CASES[name]
    x = np.array([*good[:where], bad, *good[where:]])
    jac = hd.jacobian(f)(x)
    assert np.isnan(jac[where, where])
    off = ~np.eye(x.size, dtype=bool)
    assert np.all(jac[off] == 0)  # (not nan)
    keep = np.arange(x.size) != where
    np.testing.assert_allclose(np.diag(jac)[keep], prime(x[keep]), rtol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_gradient_and_hessian_of_a_sum_keep_the_defined_points(name: str) -> None:
    f, bad, good, prime = CASES[name]
    x = np.array([bad, *good])
    grad = hd.grad(lambda v: np.sum(f(v)))(x)
    assert np.isnan(grad[0])
    np.testing.assert_allclose(grad[1:], prime(x[1:]), rtol=1e-12)
    hess = hd.hessian(lambda v: np.sum(f(v)))(x)
    assert np.isnan(hess[0, 0])
    assert np.all(hess[~np.eye(x.size, dtype=bool)] == 0)
    assert np.all(np.isfinite(np.diag(hess)[1:]))


def test_several_arguments_undefined_at_one_point() -> None:
    # gammainc(a, x) at a = -1 is nan: its a and x there have no derivative, the other
    # point's do (d/dx = x^(a-1) e^-x / Gamma(a))
    v = np.array([-1.0, 2.0, 0.5, 0.7])
    grad = hd.grad(lambda w: np.sum(sc.gammainc(w[:2], w[2:])))(v)
    assert np.isnan(grad[0]) and np.isnan(grad[2])
    assert np.isfinite(grad[1])
    np.testing.assert_allclose(grad[3], 0.7 ** (2.0 - 1) * np.exp(-0.7) / sc.gamma(2.0), rtol=1e-12)
