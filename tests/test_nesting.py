"""Nested transforms are never silently wrong.

Each transform tags the variables it seeds with its depth (transforms running one
inside another's function), so an inner transform's perturbation is never taken for an
outer one's. Until the product algebra of two tags lands, a closure that mixes them
raises a TypeError; the strict xfails below hold the right answers (closed forms by
hand) and fail loudly once nesting works, to be turned into plain tests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _core

W = np.array([2.0, 1.0, 3.0])

# (the nested computation, its value derived by hand)
CONFUSION_CASES: dict[str, tuple[Callable[[], Any], Any]] = {
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1 (perturbation confusion gave 2)
    "x times d(x + y)/dy": (
        lambda: hd.derivative(lambda x: x * hd.derivative(lambda y: x + y)(1.0))(1.0),
        1.0,
    ),
    # d/dx [d/dy (x y)] = d/dx [x] = 1 (gave 0)
    "d/dx d(xy)/dy": (
        lambda: hd.derivative(lambda x: hd.derivative(lambda y: x * y)(2.0))(3.0),
        1.0,
    ),
    # grad_w sum(grad_v sum(w v)) = grad_w sum(w) = 1 (gave 0)
    "grad of a sum of an inner grad": (
        lambda: hd.grad(lambda w: np.sum(hd.grad(lambda v: np.sum(w * v))(np.ones(3))))(W),
        np.ones(3),
    ),
    # d/dx jvp(y -> x y, 2, 1) = d/dx x = 1 (gave 0)
    "derivative of a jvp": (
        lambda: hd.derivative(lambda x: hd.jvp(lambda y: x * y, (2.0,), (1.0,))[1])(3.0),
        1.0,
    ),
    # z = w2 x + (dy/dx)^2 with y = w0 x + w1, at x = 0.5: grad_w z = [2 w0, 0, x]
    "the seed question": (
        lambda: hd.grad(lambda w: w[2] * 0.5 + hd.derivative(lambda t: w[0] * t + w[1])(0.5) ** 2)(
            W
        ),
        np.array([4.0, 0.0, 0.5]),
    ),
    # d/dx (x + d(x^2)/dx)^2 = d/dx (3x)^2 = 18 x = 36 at x = 2
    "d/dx (x + d(x^2)/dx)^2": (
        lambda: hd.derivative(lambda x: (x + hd.derivative(lambda t: t**2)(x)) ** 2)(2.0),
        36.0,
    ),
}


@pytest.mark.parametrize("name", list(CONFUSION_CASES))
def test_nested_transforms_sharing_variables_raise(name: str) -> None:
    nested, _ = CONFUSION_CASES[name]
    with pytest.raises(TypeError, match="nested transforms"):
        nested()
    assert _core.transform_depth() == 0  # left on the way out of the error too


@pytest.mark.xfail(strict=True, raises=TypeError, reason="the product algebra of two tags")
@pytest.mark.parametrize("name", list(CONFUSION_CASES))
def test_nested_transforms_sharing_variables_give_the_closed_form(name: str) -> None:
    nested, want = CONFUSION_CASES[name]
    np.testing.assert_allclose(nested(), want, rtol=1e-15)


def test_inner_transform_of_its_own_variables_is_exact() -> None:
    # nothing shared: the inner result is a constant of the outer function
    got = hd.grad(lambda w: np.sum(w**2) * hd.derivative(np.sin)(0.5))(W)
    np.testing.assert_allclose(got, 2 * W * np.cos(0.5), rtol=1e-15)
    h = hd.hessian(lambda w: np.sum(w**3) + hd.grad(lambda v: np.sum(v**2))(W)[0])(W)
    np.testing.assert_allclose(h, np.diag(6 * W), rtol=1e-15)


def test_outer_variable_used_through_its_value_is_a_constant() -> None:
    # x.value drops x's parts on purpose: the inner derivative is 2, the outer 2 * 1
    got = hd.derivative(lambda x: x * hd.derivative(lambda y: x.value * y)(1.0))(2.0)
    assert got == 2.0


def test_hand_built_dual_meeting_a_transform_raises() -> None:
    with pytest.raises(TypeError, match="built by hand"):
        hd.derivative(lambda x: x * hd.dual(2.0, 1.0))(1.0)
    with pytest.raises(TypeError, match="built by hand"):
        hd.grad(lambda x: np.sum(x * hd.dual(np.ones(3), 1.0)))(W)


def test_hand_built_arrays_keep_working() -> None:
    x, y = hd.dual(2.0, 1.0), hd.dual(3.0, 1.0)
    assert (x * y).d == 5.0
    with pytest.raises(TypeError, match="cannot combine Dual and HyperDual"):
        x * hd.hyperdual(1.0, 1.0, 1.0)


def test_transform_variables_are_their_kind() -> None:
    seen: list[Any] = []
    hd.grad(lambda x: seen.append(x) or np.sum(x))(W)
    hd.derivative(lambda x: seen.append(x) or x, check_pointwise=False)(W)
    assert isinstance(seen[0], hd.DualVec) and isinstance(seen[1], hd.Dual)
    assert type(seen[0]).__name__ == "DualVec3" and type(seen[1])._tag == 1


def test_depth_is_per_thread() -> None:
    depths: list[int] = []

    def in_a_thread() -> None:
        depths.append(_core.transform_depth())
        depths.append(float(hd.derivative(np.sin)(0.0)))

    def f(x: Any) -> Any:
        depths.append(_core.transform_depth())
        thread = threading.Thread(target=in_a_thread)
        thread.start()
        thread.join()
        return x

    hd.derivative(f)(1.0)
    assert depths == [1, 0, 1.0]
