"""The pointwise probe's recheck (_transforms._Recheck): a probe plane that disagrees
with w times the sum of the parts beyond its tolerance is rounding, not mixing, when f
run twice more, that point's probe weight at +-1 and then at its own power of two
(the other points' at other powers), scales its planes there by exactly that power.

Elementwise transforms of several inputs refused pointwise functions whose terms
cancel: hypot(y, x) + maximum(z, x) where x < 0 and y is small has d/dx = x / h + 1
near 0, and its probe (every direction at once) rounds differently from the sum of
its parts (each direction alone) by ~600 eps of that sum: "mixes points" at a point
that mixes nothing. 16 of 400 random elementwise programs on the probed path were
refused so. So was exp(t) 1e200 at -700 on 300 points, whose probe plane went through
a subnormal step at weights near 2^-20. Functions that mix points must still be
refused, including those whose mixing partners disagree too (a reversal: each point's
partner is one).

References: closed forms by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

N = 500


def _cancelling(x: Any, y: Any, z: Any) -> Any:
    y *= 1.5  # (an input written in place: not pointwise by construction, the probe runs)
    return np.hypot(y, x) + np.maximum(z, x)


def _points() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, -0.5, N)
    return x, rng.uniform(1e-5, 1e-3, N), x - 0.25  # (maximum(z, x) is x)


def _closed_forms() -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    x, y, _ = _points()
    u = 1.5 * y
    h = np.hypot(u, x)
    zero = np.zeros(N)
    gradient = [x / h + 1, 1.5 * u / h, zero]
    xy = -1.5 * x * u / h**3
    hessian = [[u**2 / h**3, xy, zero], [xy, 2.25 * x**2 / h**3, zero], [zero, zero, zero]]
    return gradient, hessian


_ARGNUMS = (0, 1, 2)


def test_grad_of_cancelling_terms_is_not_refused() -> None:
    got = hd.grad(_cancelling, argnums=_ARGNUMS, elementwise=True)(*_points())
    for g, w in zip(got, _closed_forms()[0], strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-15)


def test_hessian_of_cancelling_terms_is_not_refused() -> None:
    got = hd.hessian(_cancelling, argnums=_ARGNUMS, elementwise=True)(*_points())
    want = _closed_forms()[1]
    for i in range(3):
        for j in range(3):
            np.testing.assert_allclose(got[i][j], want[i][j], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["hessian_diag", "laplacian", "jacobian"])
def test_other_elementwise_transforms_of_cancelling_terms(name: str) -> None:
    transform = getattr(hd, name)
    got = np.asarray(transform(_cancelling, argnums=_ARGNUMS, elementwise=True)(*_points()))
    _, hessian = _closed_forms()
    diagonal = np.array([hessian[i][i] for i in range(3)])
    if name == "hessian_diag":
        np.testing.assert_allclose(got, diagonal, rtol=1e-12, atol=1e-12)
    elif name == "laplacian":
        np.testing.assert_allclose(got, diagonal.sum(axis=0), rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_allclose(got, np.array(_closed_forms()[0]), rtol=1e-9, atol=1e-15)


def _reversed(x: Any, y: Any, z: Any) -> Any:
    # mixing at every point, each point's partner disagreeing too (n - 1 - i)
    return _cancelling(x, y, z) + 1e-3 * x[::-1]


def _swapped(x: Any, y: Any, z: Any) -> Any:
    # mixing at two points only, each the other's partner
    out = _cancelling(x, y, z)
    out[[5, 400]] = out[[400, 5]]
    return out


def _shifted(x: Any, y: Any, z: Any) -> Any:
    # mixing at every point but the last, with a partner that does not disagree
    return _cancelling(x, y, z) + 1e-12 * np.roll(z, 1)


@pytest.mark.parametrize("f", [_reversed, _swapped, _shifted], ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", ["grad", "hessian", "hessian_diag"])
def test_mixing_is_still_refused(f: Callable[..., Any], name: str) -> None:
    transform = getattr(hd, name)(f, argnums=_ARGNUMS, elementwise=True)
    with pytest.raises(ValueError, match="mixes points"):
        transform(*_points())


@pytest.mark.parametrize("n", [2, 3, 7, 64])
def test_a_reversal_of_a_few_points_is_refused(n: int) -> None:
    x = np.linspace(0.5, 1.5, n)
    with pytest.raises(ValueError, match="mixes points"):
        hd.grad(lambda a, b: a[::-1] * b + a * b, argnums=(0, 1), elementwise=True)(x, x + 1)


def test_intermediates_the_probe_took_below_the_normal_range_are_not_refused() -> None:
    # exp(-700) ~ 1e-304 times a weight 2^-20: a subnormal step, inexact, in f's probe
    # plane; the recheck's weights near 1 keep it normal
    x = np.full(300, -700.0)
    got = hd.derivative(lambda t: np.exp(t) * 1e200 + 0.0 * np.sum(t))(x)
    np.testing.assert_allclose(got, np.exp(x) * 1e200, rtol=1e-15, atol=0)


def test_mixing_among_such_intermediates_is_still_refused() -> None:
    x = np.full(300, -700.0) + np.linspace(0, 1, 300)
    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(lambda t: np.exp(t) * 1e200 + 1e-110 * t[::-1])(x)
