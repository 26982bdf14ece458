"""Round fourteen: derivative(f, order=k)'s probe, and its one-plane fused path.

- The probe's tolerance for parts computed through subnormal numbers: the higher-order
  check (_taylor._probe_higher_orders) compares each plane of degree p with w^p times
  the first pass's, within 64 eps of the parts plus (|w| + 1) subnormals. But
  arithmetic in the subnormal range is exact only to a few subnormals an operation
  (absolute, not relative, precision), so a pointwise f at complex points with tiny
  (< 1e-300) components was refused as mixing points: derivative(lambda v: v**3,
  order=3, holomorphic=True) at x with x[::7] = 5e-324 (the degree-2 plane f'' = 6 x =
  3e-323 there, its probe 0 where w^2 f'' = 1e-323, w = 1/2), likewise tanh, arctan and
  sin(v) exp(-v^2) at orders 3 to 5, on complex128 (the real dtypes, tested alike,
  passed). The rule (the one-pass C check, register_probe.cpp, and
  _transforms._check_pointwise) now allows 64 (|w| + 1) subnormals: the relative
  rule's 64 eps of the smallest normal number.
- The one-plane path (from 32768 points: x + e pending, only the part's plane computed
  where the recorded graph is elementwise in the seed alone) held up against every
  attack of this round (in-place writes, out=, views, masks, broadcasting, dtypes,
  nesting, custom_jvp, threads; its bits against the eager pass's): these guard the
  families that write in place (+=, out= aliasing an operand, writes through slices and
  masks, aliases of the seed) against closed forms at orders 1 to 3, those that mix
  points in place refused, and a derivative closing over an enclosing derivative's
  pending seed.

References: mpmath (40 digits) and closed forms run in numpy; no hyperdiff on the
reference side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

mpmath = pytest.importorskip("mpmath")

# --- the probe at points with subnormal components ------------------------------------
# name -> (numpy's f, mpmath's f)
_TINY_FUNCTIONS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "v**3": (lambda v: v**3, lambda z: z**3),
    "tanh": (np.tanh, mpmath.tanh),
    "arctan": (np.arctan, mpmath.atan),
    "sin(v) exp(-v^2)": (
        lambda v: np.sin(v) * np.exp(-v * v),
        lambda z: mpmath.sin(z) * mpmath.exp(-z * z),
    ),
    "1 / (1 + v^2)": (lambda v: 1 / (1 + v * v), lambda z: 1 / (1 + z * z)),
}


def _tiny_points(dtype: Any) -> np.ndarray:
    """300 points (below the fusion: the probe judges them), every third with components
    from the subnormal range to the smallest normal numbers times 2^60."""
    rng = np.random.default_rng(14)
    info = np.finfo(dtype)
    tiny = np.concatenate(
        [
            info.smallest_subnormal * rng.integers(1, 200, 20),
            info.tiny * 2.0 ** -rng.uniform(0, 50, 10),
            info.tiny * 2.0 ** rng.uniform(0, 60, 10),
        ]
    )
    x = np.full(300, 0.7, dtype=dtype)
    picked = rng.choice(tiny, 100) * rng.choice([1, -1], 100)
    x[::3] = picked
    if np.dtype(dtype).kind == "c":
        x[1::5] = x[1::5] * 1j
        x[2::5] = x[2::5] + 1j * rng.choice(tiny, x[2::5].size)
    return x


@pytest.mark.parametrize("order", [3, 4, 5])
@pytest.mark.parametrize("dtype", [np.complex128, np.float64, np.complex64, np.float32])
def test_pointwise_functions_through_subnormal_numbers_are_not_refused(
    dtype: Any, order: int
) -> None:
    x = _tiny_points(dtype)
    complex_ = np.dtype(dtype).kind == "c"
    tolerance = 1e-12 if np.finfo(dtype).bits >= 64 else 1e-4
    sample = [0, 1, 2, 3, 6, 9, 12, 151]  # tiny, imaginary, tiny components, 0.7
    with mpmath.workdps(40):
        for name, (f, reference) in _TINY_FUNCTIONS.items():
            with np.errstate(under="ignore"):
                got = hd.derivative(f, order=order, holomorphic=complex_)(x)
            for i in sample:
                point = mpmath.mpc(complex(x[i])) if complex_ else mpmath.mpf(float(x[i]))
                want = complex(mpmath.diff(reference, point, order))
                assert abs(complex(got[i]) - want) <= tolerance * (1 + abs(want)), (name, i)


def test_functions_mixing_points_are_still_refused_at_subnormal_points() -> None:
    x = _tiny_points(np.complex128)
    for order in (1, 3, 4):
        with pytest.raises(ValueError, match="mixes points"):
            hd.derivative(lambda v: v**3 + 1e-3 * v[::-1] ** 3, order=order, holomorphic=True)(x)


# --- the one-plane path: functions writing in place -------------------------------------
N = 40_961  # above the fusion's 32768, not a multiple of its blocks' sizes
_HALF = N // 2
_MASK = np.random.default_rng(41).uniform(size=N) > 0.5


def _add_in_place(v: Any) -> Any:
    y = np.sin(v)
    y += v
    return y


def _alias_written_later(v: Any) -> Any:
    y = np.sin(v)
    alias = y
    y = y * 3
    alias -= v
    return y + alias  # 4 sin v - v


def _out_aliasing_an_operand(v: Any) -> Any:
    y = np.exp(v)
    np.multiply(y, v, out=y)
    return y


def _copy_then_scaled(v: Any) -> Any:
    y = np.exp(v)
    z = y * 1.0
    y *= 2
    return z + y  # 3 e^v


def _seed_written_in_place(v: Any) -> Any:
    w = v
    doubled = v * 2
    w += 1
    return doubled + w  # 3 v + 1


def _slice_written(v: Any) -> Any:
    y = np.sin(v)
    y[:_HALF] = v[:_HALF] ** 2
    return y


def _mask_written(v: Any) -> Any:
    y = np.sin(v)
    y[_MASK] = np.exp(v)[_MASK]
    return y


# name -> (f, its derivatives of orders 1, 2, 3 at x)
_IN_PLACE: dict[str, tuple[Callable[[Any], Any], Callable[[np.ndarray, int], np.ndarray]]] = {
    "y += v": (
        _add_in_place,
        lambda x, k: [np.cos(x) + 1, -np.sin(x), -np.cos(x)][k - 1],
    ),
    "an alias written later": (
        _alias_written_later,
        lambda x, k: [4 * np.cos(x) - 1, -4 * np.sin(x), -4 * np.cos(x)][k - 1],
    ),
    "out= aliasing an operand": (
        _out_aliasing_an_operand,
        lambda x, k: (k + x) * np.exp(x),
    ),
    "a copy, then the original scaled": (_copy_then_scaled, lambda x, k: 3 * np.exp(x)),
    "the seed written in place": (
        _seed_written_in_place,
        lambda x, k: np.full_like(x, 3.0 if k == 1 else 0.0),
    ),
    "a slice written": (
        _slice_written,
        lambda x, k: np.where(
            np.arange(N) < _HALF,
            [2 * x, np.full_like(x, 2.0), np.zeros_like(x)][k - 1],
            [np.cos(x), -np.sin(x), -np.cos(x)][k - 1],
        ),
    ),
    "a mask written": (
        _mask_written,
        lambda x, k: np.where(_MASK, np.exp(x), [np.cos(x), -np.sin(x), -np.cos(x)][k - 1]),
    ),
}


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("name", list(_IN_PLACE))
def test_functions_writing_in_place_on_large_inputs(name: str, order: int) -> None:
    f, derivatives = _IN_PLACE[name]
    x = np.random.default_rng(7).uniform(-2, 2, N)
    before = x.copy()
    want = derivatives(x, order)
    for check in (True, False):
        got = hd.derivative(f, order=order, check_pointwise=check)(x)
        assert got.shape == x.shape and got.dtype == x.dtype
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(x, before)


def _reversed_added(v: Any) -> Any:
    y = np.sin(v)
    y += v[::-1]
    return y


def _shifted_written(v: Any) -> Any:
    y = np.sin(v)
    y[1:] = v[:-1]
    return y


def _out_of_a_reversal(v: Any) -> Any:
    y = np.exp(v)
    np.add(y, v[::-1], out=y)
    return y


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("f", [_reversed_added, _shifted_written, _out_of_a_reversal])
def test_functions_mixing_points_in_place_are_refused(f: Callable[[Any], Any], order: int) -> None:
    x = np.random.default_rng(8).uniform(-2, 2, N)
    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(f, order=order)(x)


@pytest.mark.parametrize("order", [1, 2])
def test_a_derivative_closing_over_an_enclosing_derivatives_seed(order: int) -> None:
    rng = np.random.default_rng(9)
    x, a = rng.uniform(0.5, 1.5, N), rng.uniform(0.5, 1.5, N)

    def inner(alpha: Any) -> Any:  # d/dx sin(alpha x) = alpha cos(alpha x)
        return hd.derivative(lambda v: np.sin(v * alpha))(x)

    got = hd.derivative(inner, order=order)(a)
    s, c = np.sin(a * x), np.cos(a * x)
    want = c - a * x * s if order == 1 else -2 * x * s - a * x * x * c
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)
