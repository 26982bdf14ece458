"""Round fourteen: complex sin, cos and exp run vectorized (kernels.hpp's complex_sin_cos,
complex_exp: glibc's formulas on libmvec's real functions, the C99 functions at the
edges).

- derivative(..., holomorphic=True) nested in a transform of holomorphic=True (or
  wrapping one) raised "numpy.absolute is not holomorphic" when f's result had a nan
  part at a point (exp(sin z) overflowing at z = 0.5 - 30j beside a finite point):
  the pointwise check's own np.abs of the outer kind's planes counted as a call of abs
  on the outer variables, which then blamed it for f's nan. The check reads the values.

References: mpmath at 40 digits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest

import hyperdiff as hd


def _exp_sin(v: Any) -> Any:
    return np.exp(np.sin(v))


def _inner(order: int) -> Callable[[Any], Any]:
    return lambda v: hd.derivative(_exp_sin, order=order, holomorphic=True)(v)


# (transform of the inner derivative, the total order of the result)
_NESTINGS: dict[str, tuple[Callable[[np.ndarray], Any], int]] = {
    "d(d)": (lambda z: hd.derivative(_inner(1), holomorphic=True)(z), 2),
    "d(d2)": (lambda z: hd.derivative(_inner(2), holomorphic=True)(z), 3),
    "d(d3)": (lambda z: hd.derivative(_inner(3), holomorphic=True)(z), 4),
    "d2(d)": (lambda z: hd.derivative(_inner(1), order=2, holomorphic=True)(z), 3),
    "d3(d)": (lambda z: hd.derivative(_inner(1), order=3, holomorphic=True)(z), 4),
    "jacobian(d)": (
        lambda z: np.diagonal(hd.jacobian(_inner(1), holomorphic=True)(z)),
        2,
    ),
}


@pytest.mark.parametrize("nesting", sorted(_NESTINGS))
def test_nested_holomorphic_derivatives_with_an_overflowing_point(nesting: str) -> None:
    # exp(sin z) overflows at 0.5 - 30j (Re sin z = 2.6e12): nan parts there, the
    # others exact; no function of f's is blamed for them
    transform, order = _NESTINGS[nesting]
    z = np.array([0.3 + 0.4j, 0.5 - 30j, -1.2 + 0.7j])
    with np.errstate(all="ignore"):
        got = np.asarray(transform(z))
    with mpmath.workdps(40):
        want = [
            complex(mpmath.diff(lambda t: mpmath.exp(mpmath.sin(t)), mpmath.mpc(v), order))
            for v in z[[0, 2]]
        ]
    np.testing.assert_allclose(got[[0, 2]], want, rtol=1e-12)
    assert not np.isfinite(got[1])
