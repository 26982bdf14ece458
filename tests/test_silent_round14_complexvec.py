"""Round fourteen: complex sin, cos and exp run vectorized (kernels.hpp's complex_trig,
complex_exp: glibc's formulas on libmvec's real functions, the C99 functions at the
edges).

- exp(x + iy) where e^x is subnormal (x < -708.4, float32 -87.3): e^x and its products
  with cos y and sin y each round to a subnormal's few bits, so libmvec's e^x or cos y
  a unit of the last place off glibc's moved a part by a subnormal unit: many ulps of
  the (subnormal) modulus (exp(-711 + 50j).real 1.58904205456589e-309, numpy's
  1.589042054565887e-309), the value and every derivative, silently: beyond 4 ulps of
  the modulus at 1 point in 500 of [-745, -708.4] (float32 [-104, -87.4]: 1 in 600), not
  numpy's bits at 1 in 70. cexp itself runs there now, as above x = 708: numpy's bits.
- derivative(..., holomorphic=True) nested in a transform of holomorphic=True (or
  wrapping one) raised "numpy.absolute is not holomorphic" when f's result had a nan
  part at a point (exp(sin z) overflowing at z = 0.5 - 30j beside a finite point):
  the pointwise checks' (and check_holomorphic's) own np.abs of the outer kind's planes
  counted as a call of abs on the outer variables, which then blamed it for f's nan.
  The checks read the values.

References: numpy's np.exp (the C99 cexp, which also runs where it takes over) and
mpmath at 40 digits; the tail checks are bit for bit, as where cexp scales (x > 708).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest

import hyperdiff as hd

_DTYPES = [np.complex128, np.complex64]


def _subnormal_tail(dtype: type, count: int) -> np.ndarray:
    """Points whose e^x is subnormal (e^-708.4 < 2^-1022, float32 e^-87.4 < 2^-126)."""
    rng = np.random.default_rng(14)
    f32 = dtype == np.complex64
    lo, hi = (-103.9, -87.4) if f32 else (-745.1, -708.4)
    x = rng.uniform(lo, hi, count)
    y = np.concatenate([rng.uniform(-4, 4, count - 40), rng.uniform(-1e4, 1e4, 40)])
    edges = [complex(lo, 0.0), complex(hi, -0.0), complex(-1e5, 1.0), complex(-np.inf, 2.0)]
    z = np.concatenate([x + 1j * y, edges]).astype(dtype)
    return z


_KINDS: dict[str, Callable[[np.ndarray], Any]] = {
    "dual": lambda z: np.exp(hd.dual(z, 1.0))._stack,
    "hyperdual": lambda z: np.exp(hd.hyperdual(z, 1.0, 1.0, 0.0))._stack,
    "dualvec": lambda z: np.exp(hd.dualvec(z, [np.ones_like(z), np.ones_like(z)]))._stack,
    "hyperdualvec": lambda z: np.exp(hd.hyperdualvec(z, [np.ones_like(z)]))._stack,
    "taylor4": lambda z: hd.taylor(np.exp, z, 1.0, 4, holomorphic=True),
}


@pytest.mark.parametrize("kind", sorted(_KINDS))
@pytest.mark.parametrize("dtype", _DTYPES)
def test_exp_where_e_to_the_x_is_subnormal_is_numpys_cexp(dtype: type, kind: str) -> None:
    # every plane of exp(z + t) along 1 is e^z (e1 e2 of a hyper-dual too; the
    # second-order plane of a HyperDualVec(1)), a Taylor coefficient e^z/k!, k!-scaled
    z = _subnormal_tail(dtype, 2000)
    want = np.exp(z)
    planes = np.asarray(_KINDS[kind](z))
    assert planes.dtype == want.dtype
    for k, plane in enumerate(planes):
        same = plane == want
        if k == 0:  # the value's zeros with numpy's signs (the parts' come from sums)
            same &= np.signbit(plane.real) == np.signbit(want.real)
            same &= np.signbit(plane.imag) == np.signbit(want.imag)
        bad = np.flatnonzero(~same)
        assert bad.size == 0, (
            f"plane {k}: {bad.size} differ, e.g. exp({z[bad[0]]!r}) = {plane[bad[0]]!r}, "
            f"numpy {want[bad[0]]!r}"
        )


@pytest.mark.parametrize("dtype", _DTYPES)
def test_exp_where_e_to_the_x_is_subnormal_against_mpmath(dtype: type) -> None:
    # a subnormal unit of the exact value: the best a subnormal part can do (cexp's
    # double rounding of e^x, then of its product, allows 1.5 units)
    z = _subnormal_tail(dtype, 300)[:-1]  # (-inf: below)
    y = np.exp(hd.dual(z, 1.0))
    unit = float(np.finfo(z.real.dtype).smallest_subnormal)
    with mpmath.workdps(40):
        exact = [mpmath.exp(mpmath.mpc(complex(v))) for v in z]
    for got in (y.value, y.d):
        for i, e in enumerate(exact):
            for part, ref in ((got[i].real, e.real), (got[i].imag, e.imag)):
                assert abs(mpmath.mpf(float(part)) - ref) <= 1.5 * unit, (z[i], got[i])
    inf = np.exp(hd.dual(np.array([complex(-np.inf, 2.0)], dtype=dtype), 1.0))
    np.testing.assert_array_equal(inf.value, np.exp(np.array([complex(-np.inf, 2.0)], dtype)))


def _exp_sin(v: Any) -> Any:
    return np.exp(np.sin(v))


def _inner(order: int, check: bool = False) -> Callable[[Any], Any]:
    return lambda v: hd.derivative(
        _exp_sin, order=order, holomorphic=True, check_holomorphic=check
    )(v)


# (transform of the inner derivative, the total order of the result)
_NESTINGS: dict[str, tuple[Callable[[np.ndarray], Any], int]] = {
    "d(d)": (lambda z: hd.derivative(_inner(1), holomorphic=True)(z), 2),
    "d(d2)": (lambda z: hd.derivative(_inner(2), holomorphic=True)(z), 3),
    "d(d3)": (lambda z: hd.derivative(_inner(3), holomorphic=True)(z), 4),
    "d2(d)": (lambda z: hd.derivative(_inner(1), order=2, holomorphic=True)(z), 3),
    "d3(d)": (lambda z: hd.derivative(_inner(1), order=3, holomorphic=True)(z), 4),
    "d(d checked)": (lambda z: hd.derivative(_inner(1, True), holomorphic=True)(z), 2),
    "d(d2 checked)": (lambda z: hd.derivative(_inner(2, True), holomorphic=True)(z), 3),
    "d(hessian elementwise)": (
        lambda z: hd.derivative(
            lambda v: hd.hessian(_exp_sin, elementwise=True, holomorphic=True)(v),
            holomorphic=True,
        )(z),
        3,
    ),
    "d2(hessian elementwise)": (
        lambda z: hd.derivative(
            lambda v: hd.hessian(_exp_sin, elementwise=True, holomorphic=True)(v),
            order=2,
            holomorphic=True,
        )(z),
        4,
    ),
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
