"""Complex sin and cos share their work: the value sin / cos and the derivative cos / -sin
come from the real sin x, cos x, sinh y, cosh y of one block (kernels.hpp,
complex_trig, libmvec), glibc's csin / ccos formulas vectorized: within a few ulps of
numpy's own np.sin / np.cos, with its zeros exactly; where cosh y nears overflow and at
non-finite points, the C99 functions themselves (numpy's bits). So do sinh and cosh (the
parts' roles swapped: complex_trig<true>) and exp (e^x cis y: complex_exp)."""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import pytest

import hyperdiff as hd


def points(dtype: type) -> np.ndarray:
    rng = np.random.default_rng(11)
    real = np.empty(0, dtype=dtype).real.dtype
    big = 700.0 if real == np.float64 else 80.0  # where the C99 functions take over
    x = np.concatenate([rng.uniform(-4, 4, 600), rng.uniform(-1e4, 1e4, 100)])
    y = np.concatenate([rng.uniform(-3, 3, 500), rng.uniform(-big, big, 100), 1e-8 * x[:100]])
    z = (x + 1j * y).astype(dtype)
    edges = [0j, -0.0 + 0j, complex(0.0, -0.0), complex(0.5, big * 1.01), complex(-2.0, -big * 1.2)]
    edges += [complex(np.inf, 1.0), complex(1.0, np.inf), complex(np.nan, 0.0)]
    edges += [complex(0.0, np.nan)]
    return np.concatenate([z, np.array(edges, dtype=dtype)])


def close_ulps(got: np.ndarray, want: np.ndarray, ulps: float) -> None:
    """Finite points within ulps of |want| (real and imaginary part each); the others
    not finite either (a part f1 (1 + 0i) of an infinite f1 has nan components)."""
    eps = np.finfo(got.real.dtype).eps
    finite = np.isfinite(want)
    scale = np.abs(want[finite])
    for part in (np.real, np.imag):
        err = np.abs(part(got[finite]) - part(want[finite]))
        assert np.all(err <= ulps * eps * scale), f"{np.max(err / scale) / eps:.1f} ulps"
    assert not np.any(np.isfinite(got[~finite]))


KINDS: dict[str, Any] = {
    "dual": lambda z: hd.dual(z, 1.0),
    "hyperdual": lambda z: hd.hyperdual(z, 1.0, 1.0, 0.0),
    "dualvec2": lambda z: hd.dualvec(z, [np.ones_like(z), 2 * np.ones_like(z)]),
}


# fn: (its derivative in numpy, the value and the derivative in mpmath, where the C99
# function itself takes over: |Im z| (sin, cos) or Re z (exp) beyond the threshold)
FUNCTIONS: dict[str, tuple[Any, Any, Any, Any, Any]] = {
    "sin": (np.sin, np.cos, mpmath.sin, mpmath.cos, lambda z, big: np.abs(z.imag) > big),
    "cos": (np.cos, lambda z: -np.sin(z), mpmath.cos, lambda v: -mpmath.sin(v),
            lambda z, big: np.abs(z.imag) > big),
    "sinh": (np.sinh, np.cosh, mpmath.sinh, mpmath.cosh, lambda z, big: np.abs(z.real) > big),
    "cosh": (np.cosh, np.sinh, mpmath.cosh, mpmath.sinh, lambda z, big: np.abs(z.real) > big),
    "exp": (np.exp, np.exp, mpmath.exp, mpmath.exp, lambda z, big: z.real > big + 8),
}  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_value_and_derivative_within_ulps_of_numpys(kind: str, dtype: type, name: str) -> None:
    fn, derivative, _, _, scalar = FUNCTIONS[name]
    z = points(dtype)
    with np.errstate(all="ignore"):
        y = fn(KINDS[kind](z))
        value, first = fn(z), derivative(z)
    got = y._stack[0]
    close_ulps(got, value, 4.0)
    big = 700.0 if dtype == np.complex128 else 80.0
    exact = ~np.isfinite(value) | scalar(z, big)  # the C99 function: numpy's bits
    np.testing.assert_array_equal(got[exact], value[exact])
    for part in (np.real, np.imag):  # numpy's zeros, with their signs
        zero = part(value) == 0
        np.testing.assert_array_equal(part(got)[zero], 0)
        finite = np.isfinite(part(value))
        np.testing.assert_array_equal(
            np.signbit(part(got))[finite], np.signbit(part(value))[finite]
        )
    d1 = y._stack[1]
    close_ulps(d1, first, 8.0)
    finite = np.isfinite(d1)
    if kind == "hyperdual":  # e12 = f' 0 + f'' e1 e2 = f'': exactly -f (sin, cos), f (others)
        second = -got if name in ("sin", "cos") else got
        np.testing.assert_array_equal(y.e12[finite], second[finite])
    if kind == "dualvec2":  # the second direction is twice the first, exactly
        np.testing.assert_array_equal(y._stack[2][finite], 2 * d1[finite])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_value_and_derivative_against_mpmath(name: str) -> None:
    fn, _, value, derivative, _ = FUNCTIONS[name]
    rng = np.random.default_rng(4)
    z = rng.uniform(-3, 3, 200) + 1j * rng.uniform(-3, 3, 200)
    z = np.concatenate([z, rng.uniform(-3, 3, 20), 1j * rng.uniform(-3, 3, 20)])
    y = fn(hd.dual(z, 1.0))
    with mpmath.workdps(40):
        want = np.array([complex(value(mpmath.mpc(v))) for v in z])
        want_d = np.array([complex(derivative(mpmath.mpc(v))) for v in z])
    close_ulps(y.value, want, 4.0)
    close_ulps(y.d, want_d, 4.0)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_same_bits_in_every_position_of_a_block(name: str) -> None:
    # one point alone, at each offset of a 256-block and its lane groups, and fused
    fn = FUNCTIONS[name][0]
    z = points(np.complex128)[:600]
    whole = fn(hd.dual(z, 1.0))._stack
    for start in (0, 1, 15, 17, 255, 257, 300):
        part = fn(hd.dual(z[start:], 1.0))._stack
        np.testing.assert_array_equal(part, whole[:, start:])
    one = fn(hd.dual(z[7:8], 1.0))._stack
    np.testing.assert_array_equal(one, whole[:, 7:8])
    # every kind and order gives the same value (one table entry, one block primitive)
    for y in (fn(hd.hyperdual(z, 1.0, 1.0)), fn(hd.dualvec(z, [np.ones_like(z)] * 3))):
        np.testing.assert_array_equal(y._stack[0], whole[0])
