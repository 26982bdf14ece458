"""Round seventeen (breaker): the pointwise probe's weights at high and even orders, and
the rounding it allows a float32 computation returned as float64.

- The probe's weights paired +-2^e on neighbouring points: planes of even degree, judged
  by w^p, could not tell a swap of neighbours (f = sin(t) + (t[P] - x[P])^4, P swapping
  0 <-> 1, 2 <-> 3, ...: derivative(f, order=4) gave J 1 sums, 24 + sin(x), no error).
- The first points' weights were 2^-64, 2^-63, ...: w^p below 2^-256 is not judged, so
  from order 5 no point of a short input was (sin(t) + (t[::-1] - x[::-1])^5 at four
  points: 120 + cos(x), no error).
- A nested probe read out of a bundle was judged within float64's rounding when f
  computed in float32 and returned float64 ((t**4).astype(np.float64)): a pointwise f
  was refused as mixing points.

References: closed forms (sin's derivatives; 24 t for t^4's third derivative) and the
mixing functions' refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

_X = np.array([0.3, -0.7, 1.1, 0.4, 0.9, -0.2])
_Y = np.array([0.5, 0.2, -0.3, 0.8, -0.6, 0.1])
_PAIRS = np.array([1, 0, 3, 2, 5, 4])

_SWAPS: dict[str, Callable[[Any], Any]] = {
    "index": lambda t: t[_PAIRS],
    "reshape": lambda t: t.reshape(-1, 2)[:, ::-1].reshape(-1),
}


@pytest.mark.parametrize("swap", sorted(_SWAPS))
@pytest.mark.parametrize("power", [4, 6])
@pytest.mark.parametrize("how", ["order p", "order p + 1", "order (p,)"])
def test_a_swap_of_neighbours_seen_only_at_even_degrees_is_refused(
    swap: str, power: int, how: str
) -> None:
    move = _SWAPS[swap]

    def f(t: Any) -> Any:  # f_i mixes in (t_j - x_j)^power, j the neighbour of i
        return np.sin(t) + (move(t) - move(_X)) ** power

    order: Any = {"order p": power, "order p + 1": power + 1, "order (p,)": (power,)}[how]
    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(f, order=order, argnums=(0,) if how == "order (p,)" else 0)(_X)


def test_mixed_partials_of_even_degrees_in_each_argument_are_refused() -> None:
    def g(t: Any, u: Any) -> Any:
        return np.sin(t) * u + (t[_PAIRS] - _X[_PAIRS]) ** 2 * (u[_PAIRS] - _Y[_PAIRS]) ** 2

    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(g, order=(2, 2), argnums=(0, 1))(_X, _Y)


@pytest.mark.parametrize("power", [5, 6, 7])
@pytest.mark.parametrize("n", [2, 4, 16])
def test_mixing_seen_only_at_a_high_degree_on_few_points_is_refused(power: int, n: int) -> None:
    x = np.linspace(-0.9, 1.3, n)

    def f(t: Any) -> Any:
        return np.sin(t) + (t[::-1] - x[::-1]) ** power

    for order in (power, power + 1):
        with pytest.raises(ValueError, match="mixes points"):
            hd.derivative(f, order=order)(x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [3, 300])
def test_pointwise_functions_pass_the_probe_at_high_orders(dtype: Any, n: int) -> None:
    # not pointwise by construction (the sum of zeros): the probe runs at every order
    x = np.linspace(-2.0, 2.0, n).astype(dtype)
    exact = x.astype(np.float64)
    for order in range(1, 9):
        got = hd.derivative(lambda t: np.sin(t) + 0.0 * np.sum(t), order=order)(x)
        want = np.sin(exact + order * np.pi / 2)
        np.testing.assert_allclose(got, want, rtol=0, atol=10 * np.finfo(dtype).eps)


_NESTINGS: dict[str, tuple[Callable[[Callable[[Any], Any], np.ndarray], Any], int]] = {
    # each nesting of the pointwise f, and the rank of its (diagonal) result
    "jacobian(derivative order 2)": (lambda f, x: hd.jacobian(hd.derivative(f, order=2))(x), 2),
    "hessian(sum(derivative))": (
        lambda f, x: hd.hessian(lambda v: np.sum(hd.derivative(f)(v)))(x),
        2,
    ),
    "derivative(derivative order 2)": (
        lambda f, x: hd.derivative(hd.derivative(f, order=2))(x),
        1,
    ),
    "jacobian(jacobian(derivative))": (
        lambda f, x: hd.jacobian(hd.jacobian(hd.derivative(f)))(x),
        3,
    ),
}

_FLOAT32_THEN_FLOAT64: dict[str, Callable[[Any], Any]] = {
    "astype": lambda t: (t * t * t * t).astype(np.float64),
    "matmul with float64 zeros": lambda t: t * t * t * t + t @ np.zeros(t.shape[0]),
    "times a float64 zero": lambda t: t * t * t * t + np.sum(t) * np.float64(0.0),
}


@pytest.mark.parametrize("nesting", sorted(_NESTINGS))
@pytest.mark.parametrize("name", sorted(_FLOAT32_THEN_FLOAT64))
def test_float32_computations_returned_as_float64_pass_nested_probes(
    nesting: str, name: str
) -> None:
    x = np.linspace(-0.9, 1.3, 5).astype(np.float32)
    transform, rank = _NESTINGS[nesting]
    got = np.asarray(transform(_FLOAT32_THEN_FLOAT64[name], x))
    third = 24.0 * x.astype(np.float64)  # (t^4)''' at the float32 points
    want = np.zeros((x.size,) * rank)
    for i, v in enumerate(third):
        want[(i,) * rank] = v
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=0, atol=64 * np.finfo(np.float32).eps * 24)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_intermediates_near_the_ends_of_the_range_pass_on_short_inputs(order: int) -> None:
    # exp(-700) ~ 1e-304: the first points' weights were 2^-64, 2^-63, ..., and w exp(-700)
    # rounded in the subnormals (f' = 1e-104 was refused as mixing points); they start
    # near 1 now (a longer input's points of weights 2^+-60 still see it: _PROBE_BITS)
    x = np.full(5, -700.0)
    got = hd.derivative(lambda t: np.where(t < 0, np.exp(t) * 1e200, t), order=order)(x)
    np.testing.assert_allclose(got, np.exp(x) * 1e200, rtol=4 * np.finfo(float).eps)
