"""Round fourteen: derivative(f, order=k)'s probe.

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

References: mpmath (40 digits); no hyperdiff on the reference side.
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
