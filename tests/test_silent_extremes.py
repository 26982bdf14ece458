"""Norms and std of arrays whose entries square (or raise to p) beyond the float range.

numpy computes the 2-norm as sqrt(x . x) and std as sqrt(mean |x - m|^2): at entries
near 1e-170 the squares underflow to 0, near 1e200 they overflow to inf, and numpy's
value is 0 or inf. The parts, taken through that square root, were inf or 0 where the
derivative is finite: d/dx norm([x, 0]) at 1e-170 gave inf for 1, d/dx norm([x, 1e200])
at 1e200 gave 0 for 1/sqrt(2), std alike; at 1e-160 (squares subnormal) the parts lost
5 digits. Now a slice whose largest entry would leave the range is scaled by a power of
two first (exact: the norms and std are homogeneous of degree 1) and its parts are the
function's; the value stays numpy's. Closed forms in mpmath at the true scale.
"""

from __future__ import annotations

from typing import Any

import mpmath as mp
import numpy as np
import pytest

import hyperdiff as hd

U = np.array([0.6, -0.3, 0.9, 0.2])  # a direction point at unit scale
V = np.array([0.5, 1.0, -0.25, 0.75])  # the direction


def _p_norm_gradient(x: np.ndarray, p: float) -> list[Any]:
    """d ||x||_p / dx_i = sign(x_i) |x_i|^(p-1) / ||x||_p^(p-1), at 40 digits."""
    with mp.workdps(40):
        xs = [mp.mpf(float(e)) for e in x]
        total = mp.fsum(abs(e) ** p for e in xs) ** (1 / mp.mpf(p))
        return [mp.sign(e) * abs(e) ** (p - 1) / total ** (p - 1) for e in xs]


def _directional(x: np.ndarray, p: float) -> float:
    return float(
        mp.fsum(g * mp.mpf(float(v)) for g, v in zip(_p_norm_gradient(x, p), V, strict=True))
    )


def _second(scale: float, p: float) -> float:
    """d^2/dt^2 ||s u + t v||_p = (d^2/dt^2 ||u + t v||_p) / s (homogeneity)."""
    with mp.workdps(40):

        def f(t: Any) -> Any:
            return mp.fsum(
                abs(mp.mpf(float(u)) + t * mp.mpf(float(v))) ** p for u, v in zip(U, V, strict=True)
            ) ** (1 / mp.mpf(p))

        return float(mp.diff(f, 0, 2) / mp.mpf(scale))


SCALES = [2.0**-700, 1e-170, 1e-160, 1.0, 1e170, 2.0**700]


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize(
    ("p", "norm"),
    [
        (2, lambda x: np.linalg.norm(x)),
        (2, lambda x: np.linalg.norm(x, 2)),
        (2, lambda x: np.linalg.vector_norm(x)),
        (2, lambda x: np.linalg.norm(x.reshape(2, 2))),
        (2, lambda x: np.linalg.norm(x.reshape(2, 2), "fro")),
        (2, lambda x: np.linalg.norm(x.reshape(1, 4), axis=1)[0]),
        (2, lambda x: np.linalg.norm(x.reshape(1, 4), axis=(0, 1), keepdims=True)[0, 0]),
        (3, lambda x: np.linalg.norm(x, 3)),
        (-3, lambda x: np.linalg.norm(x, -3)),
        (2, lambda x: np.linalg.norm(x * (0.6 + 0.8j))),
    ],
    ids=["none", "2", "vector_norm", "matrix", "fro", "axis", "keepdims", "3", "-3", "complex"],
)
def test_norm_parts_at_extreme_scales(scale: float, p: float, norm: Any) -> None:
    x = scale * U
    with np.errstate(all="ignore"):  # (numpy's value over- or underflows, and warns)
        value = norm(x)
        got = hd.derivative(lambda t: norm(x + t * V))(0.0)
        got2 = hd.derivative(lambda t: norm(x + t * V), order=2)(0.0)
        dual = norm(hd.dual(x, V))
    assert got == pytest.approx(_directional(x, p), rel=1e-14)
    if np.isfinite(got2) or (p == 2 and abs(np.log2(scale)) < 600):
        # (second-order parts of the size |v|^2 / |x| at |v| / |x| = 2^700, or at
        # 2^560 for p != 2, are out of reach of any scaling: the root's f'' overflows
        # where the part itself does not; there inf or nan, never a wrong number)
        assert got2 == pytest.approx(_second(scale, p), rel=1e-12)
    np.testing.assert_array_equal(dual.value, value)


@pytest.mark.parametrize("scale", [2.0**-700, 1e-170, 1e170, 2.0**700])
def test_nuclear_and_spectral_norms_at_extreme_scales(scale: float) -> None:
    """||A||_* and ||A||_2 of s [[2, 1], [0, 1]] along E: the parts of s-independent
    closed forms (singular values of the unit matrix: derivatives u_i^T E v_i)."""
    a = np.array([[2.0, 1.0], [0.0, 1.0]])
    e = np.array([[0.3, -0.2], [0.5, 0.1]])
    u, _, vt = np.linalg.svd(a)
    per_value = np.einsum("ji,jk,ik->i", u, e, vt)
    for ord, want in (("nuc", per_value.sum()), (2, per_value[0])):
        got = hd.derivative(lambda t, ord=ord: np.linalg.norm(scale * a + t * e, ord))(0.0)
        assert got == pytest.approx(want, rel=1e-13), ord


@pytest.mark.parametrize("scale", SCALES)
def test_std_parts_at_extreme_scales(scale: float) -> None:
    """d/dt std(x + t v) = sum (x_i - m)(v_i - mean v) / (n std), at 40 digits."""
    x = scale * U
    with mp.workdps(40):
        xs = [mp.mpf(float(e)) for e in x]
        m = mp.fsum(xs) / len(xs)
        mv = mp.fsum(mp.mpf(float(v)) for v in V) / len(V)
        std = mp.sqrt(mp.fsum((e - m) ** 2 for e in xs) / len(xs))
        want = float(
            mp.fsum((e - m) * (mp.mpf(float(v)) - mv) for e, v in zip(xs, V, strict=True))
            / (len(xs) * std)
        )
    with np.errstate(all="ignore"):
        got = hd.derivative(lambda t: np.std(x + t * V))(0.0)
        value = np.std(x)
        dual = np.std(hd.dual(x, V))
    assert got == pytest.approx(want, rel=1e-14)
    np.testing.assert_array_equal(dual.value, value)


def test_a_slice_at_a_normal_scale_is_left_alone() -> None:
    """Rows of very different scales: each row's own scale (the tiny row's parts are
    its own, the ordinary row's computed as before, bit for bit)."""
    x = np.stack([1e-170 * U, U])
    got = np.linalg.norm(hd.dual(x, np.stack([V, V])), axis=1)
    plain = np.linalg.norm(hd.dual(U, V))
    assert got.d[1] == plain.d
    assert got.d[0] == pytest.approx(_directional(1e-170 * U, 2), rel=1e-14)


@pytest.mark.parametrize("entry", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("order", [1, 2])
def test_expm_of_a_matrix_with_a_non_finite_entry_is_nan(entry: float, order: int) -> None:
    """It raised OverflowError (the squarings of an infinite norm); scipy's value is nan
    there, and so are the parts."""
    a = np.array([[entry, 1.0], [0.0, 1.0]])
    with np.errstate(all="ignore"):
        got = hd.derivative(lambda t: hd.linalg.expm(a + t * np.eye(2)), order=order)(0.0)
        value = hd.linalg.expm(a)
    assert np.isnan(got).all() and np.isnan(value).all()


@pytest.mark.parametrize("x", [np.inf, -np.inf, np.nan, 2.0])
@pytest.mark.parametrize("copy", [True, False])
def test_nan_to_num_of_a_zero_dimensional_dual(x: float, copy: bool) -> None:
    """It raised numpy's "Unable to avoid copy" (data[0] of a 0-d array is a scalar):
    numpy's value, parts zero where it replaced a non-finite value, one elsewhere."""
    dual = hd.dual(np.float64(x), 1.0)
    result = np.nan_to_num(dual, copy=copy)
    assert result.value == np.nan_to_num(x)
    assert result.d == (1.0 if np.isfinite(x) else 0.0)
    assert (result is dual) is (not copy)
