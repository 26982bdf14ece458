"""The chain rules (cpp/include/hyperdiff/kinds.hpp) where a part is infinite or
huge, in every kind (Dual, HyperDual, DualVec and HyperDualVec: the Jet
layouts, with one seed set and with two) and dtype, against closed forms in
mpmath. Three families, each once a defect the campaign (test_campaign.py)
found at one point:

- a structural zero: the partial of the operand maximum/minimum/fmax/fmin do
  not select, and f' of a step (floor, ceil, trunc, rint, sign), is 0 whatever
  that operand's parts (fmax(cbrt x, 0.5)' at 0 was 0 * inf = nan);
- a second-order term f2 g_a g_b where g_a g_b overflows but the term does not
  (log'' = -1/a^2 at a = 1e20 with parts 1e20 in float32 was -inf; complex64
  arccosh'' at |z| = 3e20 nan);
- a partial that underflowed to 0 times a part that overflowed: nan, not 0
  and not +-inf (the dtype has lost both magnitudes: arctan2(0.5/x, 0.5) at
  x = 1.2e-38 in float32, whose true derivative is -1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

mpmath = pytest.importorskip("mpmath")
mp = mpmath.mp

REAL = ("float64", "float32")
COMPLEX = ("complex128", "complex64")
KINDS = ("Dual", "HyperDual", "DualVec", "HyperDualVec", "HyperDualVec2")

# (label, order, seed product) of each part a kind carries, seeded with the
# first-order parts g * (1, 2) (one seed set) or g and 2 g (two seed sets)
Part = tuple[str, int, int]


def seeded(kind: str, value: Any, g: Any, dtype: str) -> Any:
    v = np.asarray(value, dtype=dtype)
    gs = np.full_like(v, g)
    if kind == "Dual":
        return hd.dual(v, gs, dtype=dtype)
    if kind == "HyperDual":
        return hd.hyperdual(v, gs, gs, np.zeros_like(gs), dtype=dtype)
    if kind == "DualVec":
        return hd.dualvec(v, np.stack([gs, 2 * gs]), dtype=dtype)
    if kind == "HyperDualVec":
        return hd.hyperdualvec(v, np.stack([gs, 2 * gs]), dtype=dtype)
    return hd.hyperdualvec(v, gs[None], 2 * gs[None], dtype=dtype)


def parts(kind: str, r: Any) -> Iterator[tuple[Part, np.ndarray]]:
    """Each derivative part of ``r`` with (label, order, seed product)."""
    if kind == "Dual":
        yield ("d", 1, 1), r.d
    elif kind == "HyperDual":
        yield ("e1", 1, 1), r.e1
        yield ("e2", 1, 1), r.e2
        yield ("e12", 2, 1), r.e12
    elif kind == "HyperDualVec2":
        yield ("grad1", 1, 1), r.grad1[0]
        yield ("grad2", 1, 2), r.grad2[0]
        yield ("hess", 2, 2), r.hess[0, 0]
    else:
        yield ("grad[0]", 1, 1), r.grad[0]
        yield ("grad[1]", 1, 2), r.grad[1]
        if kind == "HyperDualVec":
            for a in range(2):
                for b in range(2):
                    yield (f"hess[{a},{b}]", 2, (a + 1) * (b + 1)), r.hess[a, b]


def parts_of(kind: str, r: Any) -> Iterator[tuple[str, np.ndarray]]:
    return ((label, got) for (label, _, _), got in parts(kind, r))


# --- structural zeros --------------------------------------------------------------------

SELECTIONS: dict[str, Callable[[Any, Any], Any]] = {
    "maximum": np.maximum,
    "minimum": np.minimum,
    "fmax": np.fmax,
    "fmin": np.fmin,
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", REAL)
@pytest.mark.parametrize("name", SELECTIONS)
def test_selection_passes_over_an_infinite_part(name: str, dtype: str, kind: str) -> None:
    """d/du f(u, c) = 0 where f selects the constant c (max(u, c) = c near u <
    c), whatever u's parts (inf, nan); where it selects u, u's parts. Both
    argument orders, and both operands dual (the other's parts selected)."""
    f = SELECTIONS[name]
    big = name in ("maximum", "fmax")
    c = 0.5 if big else -0.5  # selected over u = 0
    other = -0.5 if big else 0.5  # passed over by u = 0
    with np.errstate(invalid="ignore"):
        for g in (np.inf, -np.inf, np.nan):
            u = seeded(kind, [0.0, 0.0], g, dtype)
            for r in (f(u, c), f(c, u)):
                np.testing.assert_array_equal(r.value, [c, c])
                for label, got in parts_of(kind, r):
                    np.testing.assert_array_equal(got, 0, label)
            v = seeded(kind, [c, c], 3.0, dtype)  # selected, finite parts
            for r in (f(u, v), f(v, u)):
                for (label, order, scale), got in parts(kind, r):
                    np.testing.assert_array_equal(got, 3.0 * scale if order == 1 else 0, label)
        u = seeded(kind, [0.0], np.inf, dtype)
        for r in (f(u, other), f(other, u)):  # u selected: its infinite parts
            for (label, order, _), got in parts(kind, r):
                np.testing.assert_array_equal(got, np.inf if order == 1 else 0, label)


STEPS = ("floor", "ceil", "trunc", "rint", "sign")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", REAL + COMPLEX)
@pytest.mark.parametrize("name", STEPS)
def test_step_parts_are_zero_whatever_the_operand_parts(name: str, dtype: str, kind: str) -> None:
    """A piecewise-constant f has f' = f'' = 0 away from its jumps: every part
    of f(u) is 0 for u's parts inf, -inf or nan; the value is numpy's."""
    if np.dtype(dtype).kind == "c" and name != "rint":
        pytest.skip("the other steps have no complex kernels")
    f = getattr(np, name)
    value = 0.25 + 0.25j if np.dtype(dtype).kind == "c" else 0.25
    with np.errstate(invalid="ignore"):
        for g in (np.inf, -np.inf, np.nan):
            r = f(seeded(kind, [value, -1.75], g, dtype))
            np.testing.assert_array_equal(r.value, f(np.array([value, -1.75], dtype=dtype)))
            for label, got in parts_of(kind, r):
                np.testing.assert_array_equal(got, 0, f"{name} {label}")


@pytest.mark.parametrize("dtype", REAL)
def test_structural_zero_through_derivative(dtype: str) -> None:
    """The campaign's reproductions: fmax(cbrt x, 0.5) and floor(cbrt x + 0.5)
    are constant near 0, where cbrt' is inf: f' = f'' = 0."""
    x = np.array([0.0, -0.0], dtype=dtype)
    for f in (lambda t: np.fmax(np.cbrt(t), 0.5), lambda t: np.floor(np.cbrt(t) + 0.5)):
        for order in (1, 2):
            np.testing.assert_array_equal(hd.derivative(f, order=order)(x), 0)


# --- second-order terms whose parts' product overflows ----------------------------------


def _arccosh2(z: Any) -> Any:
    g = 1 / (mp.sqrt(z - 1) * mp.sqrt(z + 1))
    return -z * g**3


# f -> (f', f'') in mpmath: closed forms
SECOND: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "log": (lambda a: 1 / a, lambda a: -1 / a**2),
    "log2": (lambda a: 1 / (a * mp.ln2), lambda a: -1 / (a**2 * mp.ln2)),
    "log10": (lambda a: 1 / (a * mp.ln10), lambda a: -1 / (a**2 * mp.ln10)),
    "reciprocal": (lambda a: -1 / a**2, lambda a: 2 / a**3),
    "sqrt": (lambda a: 1 / (2 * mp.sqrt(a)), lambda a: -1 / (4 * a * mp.sqrt(a))),
    "cbrt": (lambda a: 1 / (3 * mp.cbrt(a) ** 2), lambda a: -2 / (9 * a * mp.cbrt(a) ** 2)),
    "arctan": (lambda a: 1 / (1 + a**2), lambda a: -2 * a / (1 + a**2) ** 2),
    "arcsinh": (lambda a: 1 / mp.sqrt(1 + a**2), lambda a: -a / (1 + a**2) ** 1.5),
    "arccosh": (lambda a: 1 / (mp.sqrt(a - 1) * mp.sqrt(a + 1)), _arccosh2),
}
NO_COMPLEX = ("cbrt",)

# huge values a, each also the part g: g^2 overflows, f'' g^2 need not
HUGE = {"float64": (2e154, 1e160), "float32": (2e19, 1e20)}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", REAL + COMPLEX)
@pytest.mark.parametrize("name", SECOND)
def test_second_order_term_with_huge_parts(name: str, dtype: str, kind: str) -> None:
    """f(u) with u = a, u' = g = a (times the seeds), where g^2 overflows: the
    first-order parts f' g and the second-order f'' g_a g_b against the closed
    forms. f'' is a float of the dtype (below the smallest normal, a subnormal
    with fewer bits, or 0: reciprocal'' = 2/a^3): the tolerance allows its
    rounding, to the smallest subnormal, times g_a g_b."""
    cplx = np.dtype(dtype).kind == "c"
    if cplx and name in NO_COMPLEX:
        pytest.skip("no complex kernel")
    real = np.dtype(dtype).type(0).real.dtype
    eps, tiny = float(np.finfo(real).eps), float(np.finfo(real).smallest_subnormal)
    f = getattr(np, name)
    f1, f2 = SECOND[name]
    turns = (1, np.exp(0.3j)) if cplx else (1,)
    for a in HUGE[real.name]:
        for turn in turns:
            value = np.array([a * turn], dtype=dtype)[0]
            r = f(seeded(kind, [value], value, dtype))
            with mp.workprec(200):
                z = mpmath.mpmathify(complex(value) if cplx else float(value))
                want = {1: f1(z) * z, 2: f2(z) * z * z}
                slack = {1: tiny * abs(z), 2: 2 * tiny * abs(z * z)}
                for (label, order, scale), got in parts(kind, r):
                    what = (name, dtype, kind, label, complex(value), complex(got[0]))
                    ref = want[order] * scale
                    err = abs(mpmath.mpmathify(complex(got[0])) - ref)
                    assert err <= 16 * eps * abs(ref) + 4 * slack[order] * scale, what


@pytest.mark.parametrize("dtype", REAL)
def test_second_order_through_derivative(dtype: str) -> None:
    """The campaign's reproduction: log(cosh x)'' = 1/cosh^2 x at 45 in float32
    (cosh' = 1.7e19: the parts' products overflow; the terms, of size 2,
    cancel), and at 356 in float64 (cosh' = 5.6e154). There f'' = -1/cosh^2 is
    a subnormal: its rounding, times cosh'^2, is in the tolerance."""
    t = 45.0 if dtype == "float32" else 356.0
    x = np.array([t], dtype=dtype)
    got = hd.derivative(lambda u: np.log(np.cosh(u)), order=2)(x)
    fi = np.finfo(np.dtype(dtype))
    want = float(1 / mpmath.cosh(t) ** 2)
    atol = float(16 * fi.eps + 2 * mpmath.mpf(float(fi.smallest_subnormal)) * mpmath.sinh(t) ** 2)
    np.testing.assert_allclose(got, want, rtol=0, atol=atol)


# --- a partial that underflowed times a part that overflowed ----------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", REAL)
def test_underflowed_partial_times_infinite_part_is_nan(dtype: str, kind: str) -> None:
    """arctan2(u, 0.5) at u = 4e37 (float32; 1e300 in float64): d/du = 0.5/u^2
    underflows; exp(u) at u = -200 (-800): exp' = exp underflows. With u's parts
    inf (overflowed), the products have no value in the dtype: nan, never a
    number (0, or inf as 'tiny times inf' would say: arctan2(0.5/x, 0.5)' at
    x = 1.2e-38 is -1)."""
    huge, low = (4e37, -200.0) if dtype == "float32" else (1e300, -800.0)
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        for g in (np.inf, -np.inf):
            u = seeded(kind, [huge], g, dtype)
            for r in (np.arctan2(u, 0.5), np.arctan2(0.5, u)):
                for label, got in parts_of(kind, r):
                    assert np.isnan(got).all(), (label, got)
            r = np.exp(seeded(kind, [low], g, dtype))
            for label, got in parts_of(kind, r):
                assert np.isnan(got).all(), (label, got)
        x = np.array([np.finfo(np.dtype(dtype)).tiny], dtype=dtype)
        assert np.isnan(hd.derivative(lambda t: np.arctan2(0.5 / t, 0.5))(x)).all()


@pytest.mark.parametrize("dtype", REAL)
def test_subnormal_parts_pass_the_pointwise_probe(dtype: str) -> None:
    """cos(arctan2(2, x)) at x = 5.07e13 in float32 (the campaign at 400
    examples): f' = 2 sin(atan2(2, x)) / (x^2 + 4) ~ 3e-41 is subnormal, where
    w f' (the probe's part, w = +-2^k) is not w times the rounded f': pointwise
    all the same, and f' is the closed form's to a subnormal."""
    x = np.full(40, 50688650379264.0 if dtype == "float32" else 3.4e103, dtype=dtype)
    got = hd.derivative(lambda t: np.cos(np.arctan2(2.0, t)))(x)
    with mp.workprec(100):
        t = mpmath.mpf(float(x[0]))
        want = float(2 * mpmath.sin(mpmath.atan2(2, t)) / (t * t + 4))
    tiny = np.finfo(np.dtype(dtype)).smallest_subnormal
    np.testing.assert_allclose(got, want, rtol=16 * np.finfo(np.dtype(dtype)).eps, atol=2 * tiny)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", COMPLEX)
def test_complex_tan_far_from_the_real_axis(dtype: str, kind: str) -> None:
    """tan' = 1/cos^2 a and tan'' = 2 tan(a) tan' at |Im a| from 3 to past the
    overflow of cos a (710 in complex128, 89 in complex64; it gave nan there),
    against mpmath: tan' -> 4 e^(-2 |Im a|) e^(+-2i Re a), 0 in the dtype."""
    eps = float(np.finfo(np.dtype(dtype)).eps)
    tiny = float(np.finfo(np.dtype(dtype)).smallest_subnormal)
    far = 800.0 if dtype == "complex128" else 100.0
    points = [0.5 + 3j, 1 - 25j, -2 + 40j, 0.25 + far * 1j, -1 - far * 1j]
    value = np.array(points, dtype=dtype)
    r = np.tan(seeded(kind, value, 1.0, dtype))
    with mp.workprec(100):
        for n, z in enumerate(value):
            a = mpmath.mpc(complex(z))
            f1 = 1 / mpmath.cos(a) ** 2
            want = {1: f1, 2: 2 * mpmath.tan(a) * f1}
            for (label, order, scale), got in parts(kind, r):
                ref = want[order] * scale
                err = abs(mpmath.mpc(complex(got[n])) - ref)
                assert err <= 16 * eps * abs(ref) + 4 * tiny, (kind, label, complex(z), got[n])


# --- add, subtract: the parts added as they are ------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", REAL)
@pytest.mark.parametrize("op", [np.add, np.subtract])
def test_sum_parts_exact_and_nan_only_at_a_nan_value(op: Any, dtype: str, kind: str) -> None:
    # x' +- y' exactly (several blocks: 700 elements); where the value is nan (inf - inf,
    # a nan operand) the parts are nan, but 0 where both operands' parts are 0 (the
    # direction is not perturbed: a strong zero, kinds.hpp)
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, 700)
    y = rng.uniform(-2, 2, 700)
    gx = rng.uniform(-1, 1, 700)
    gy = rng.uniform(-1, 1, 700)
    undefined = [5, 6, 7, 8, 300]
    x[undefined] = [np.inf, np.inf, np.nan, 1.0, np.nan]
    y[undefined] = [-np.inf if op is np.add else np.inf] * 2 + [1.0, np.nan, 2.0]
    gx[[6, 8, 300]] = 0.0
    gy[[6, 8, 300]] = 0.0
    gx[9], gy[9] = -0.0, -0.0  # -0 +- -0: the strong zero's +0
    with np.errstate(invalid="ignore"):  # inf - inf
        r = op(seeded(kind, x, gx, dtype), seeded(kind, y, gy, dtype))
        value = op(x.astype(dtype), y.astype(dtype))
    assert np.isnan(value[undefined]).all()
    for (label, order, product), got in parts(kind, r):
        if order == 1:
            a, b = product * gx.astype(dtype), product * gy.astype(dtype)
            want = np.where((a == 0) & (b == 0), 0, op(a, b)).astype(dtype)
        else:  # unseeded second-order parts
            want = np.zeros(700, dtype=dtype)
        want[np.isnan(value) & (want != 0)] = np.nan
        np.testing.assert_array_equal(got, want, err_msg=label)
        assert not np.signbit(got[9]), label
