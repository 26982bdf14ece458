"""Elementwise transforms on functions that mix points raise; on pointwise ones they
give the per-point derivatives (closed forms).

derivative(f)(x) and elementwise=True seed one direction at every point, which gives
J @ 1: the per-point derivatives only when J is diagonal. Before the probe, np.cumsum,
x - x.mean(), np.sort or x[::-1] returned J @ 1 without a word.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

X = np.array([0.3, 1.7, -0.4, 2.2, 0.9, -1.3, 0.5])

MIXING: dict[str, Callable[[Any], Any]] = {
    "cumsum": np.cumsum,
    "minus mean": lambda x: x - x.mean(),
    "sort of unsorted": np.sort,
    "reversed": lambda x: x[::-1],
    "roll": lambda x: np.roll(x, 1),
    "swap of two": lambda x: x[[1, 0, 2, 3, 4, 5, 6]],
    "times the sum": lambda x: x * np.sum(x),
    "neighbours": lambda x: np.concatenate([x[:1], x[1:] * x[:-1]]),
    "neighbour sums": lambda x: np.concatenate([x[:1], x[1:] + x[:-1]]),
    "matmul": lambda x: np.triu(np.ones((7, 7))) @ x,
    "mixes at a shift of 40": lambda x: x + np.roll(x, 40),
}

# (f, f', f'') acting point by point, including through broadcasting, np.where,
# reductions over a new axis and a diagonal matmul.
POINTWISE: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any], Callable[[Any], Any]]] = {
    "sin x": (lambda x: np.sin(x) * x, lambda x: np.cos(x) * x + np.sin(x),
              lambda x: 2 * np.cos(x) - np.sin(x) * x),
    "where": (lambda x: np.where(x > 0, x**3, -x), lambda x: np.where(X > 0, 3 * X**2, -1.0),
              lambda x: np.where(X > 0, 6 * X, 0.0)),
    "sum over a new axis": (lambda x: np.sum(x[:, None] * np.array([1.0, 2.0]), axis=1) ** 2,
                            lambda x: 18 * x, lambda x: np.full_like(x, 18.0)),
    "diagonal matmul": (lambda x: (np.diag(x) @ np.ones(7)) * x, lambda x: 2 * x,
                        lambda x: np.full_like(x, 2.0)),
    "sort of sorted": (lambda x: np.sort(np.sort(x)) * 0 + np.exp(x), np.exp, np.exp),
}  # fmt: skip


@pytest.mark.parametrize("name", list(MIXING))
@pytest.mark.parametrize("order", [1, 2])
def test_derivative_of_a_mixing_function_raises(name: str, order: int) -> None:
    x = np.linspace(-1.0, 2.0, 64) if "40" in name else X
    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(MIXING[name], order=order)(x)


@pytest.mark.parametrize("name", list(MIXING))
def test_elementwise_transforms_of_a_mixing_function_raise(name: str) -> None:
    x = np.linspace(-1.0, 2.0, 64) if "40" in name else X
    mixing = MIXING[name]

    def g(a: Any, b: Any) -> Any:
        return mixing(a) * b

    for transform in (hd.grad, hd.jacobian, hd.hessian):
        with pytest.raises(ValueError, match="mixes points"):
            transform(g, argnums=(0, 1), elementwise=True)(x, x)


def test_mixing_in_the_second_argument_only_raises() -> None:
    with pytest.raises(ValueError, match="mixes points"):
        hd.grad(lambda a, b: np.sin(a) * np.cumsum(b), argnums=(0, 1), elementwise=True)(X, X)


@pytest.mark.parametrize("name", list(POINTWISE))
def test_derivative_of_a_pointwise_function(name: str) -> None:
    f, f1, f2 = POINTWISE[name]
    np.testing.assert_allclose(hd.derivative(f)(X), f1(X), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(hd.derivative(f, order=2)(X), f2(X), rtol=1e-14, atol=1e-13)


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 5), (40_000,)])
def test_derivative_is_exact_per_point_at_every_shape(shape: tuple[int, ...]) -> None:
    # the probe divides f'' w by w = +-2^k: exact, so bit for bit the unprobed answer
    x = np.linspace(0.1, 3.0, int(np.prod(shape))).reshape(shape)

    def f(t: Any) -> Any:
        return np.log1p(t**2) / (1 + t)

    def f1(t: Any) -> Any:
        return 2 * t / ((1 + t**2) * (1 + t)) - np.log1p(t**2) / (1 + t) ** 2

    got1, got2 = hd.derivative(f)(x), hd.derivative(f, order=2)(x)
    np.testing.assert_allclose(got1, f1(x), rtol=1e-13)
    np.testing.assert_array_equal(got1, hd.derivative(f, check_pointwise=False)(x))
    np.testing.assert_array_equal(got2, hd.derivative(f, order=2, check_pointwise=False)(x))


def test_elementwise_hessian_of_a_pointwise_function() -> None:
    h = hd.hessian(lambda a, b: a**2 * np.sin(b), argnums=(0, 1), elementwise=True)(X, 2 * X)
    np.testing.assert_allclose(h[0][0], 2 * np.sin(2 * X), rtol=1e-15)
    np.testing.assert_allclose(h[0][1], 2 * X * np.cos(2 * X), rtol=1e-15)
    np.testing.assert_allclose(h[1][1], -(X**2) * np.sin(2 * X), rtol=1e-15)


def test_output_that_reduces_or_selects_raises() -> None:
    for f in (np.sum, lambda x: x[::2], lambda x: np.outer(x, x)):
        with pytest.raises(ValueError, match="use jacobian"):
            hd.derivative(f)(X)


def test_one_point_takes_any_output() -> None:
    h = np.array([[0.0, 1.0], [1.0, 0.0]])
    got = hd.derivative(lambda t: np.sin(t * h) + np.cumsum(t * np.ones(3)).sum())(0.5)
    np.testing.assert_allclose(got, np.cos(0.5 * h) * h + 6.0, rtol=1e-15)


def test_complex_holomorphic_derivative_is_probed() -> None:
    z = np.array([0.5 + 1j, -1 + 0.25j, 2 - 1j])
    np.testing.assert_allclose(hd.derivative(np.sin, holomorphic=True)(z), np.cos(z), rtol=1e-15)
    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(np.cumsum, holomorphic=True)(z)


def test_check_pointwise_false_is_the_promise() -> None:
    got = hd.derivative(np.cumsum, check_pointwise=False)(np.ones(3))
    np.testing.assert_array_equal(got, [1.0, 2.0, 3.0])  # J @ 1, as promised by the caller


def test_wirtinger_and_checked_holomorphic_derivatives_are_probed() -> None:
    z = np.array([0.5 + 1j, -1 + 0.25j, 2 - 1j])
    d_z, d_conj = hd.wirtinger(lambda t: np.abs(t) ** 2, elementwise=True)(z)
    np.testing.assert_allclose(d_z, np.conj(z), rtol=1e-15)  # d|z|^2/dz = conj(z)
    np.testing.assert_allclose(d_conj, z, rtol=1e-15)
    with pytest.raises(ValueError, match=r"wirtinger .* mixes points"):
        hd.wirtinger(lambda t: np.cumsum(t) * np.conj(t), elementwise=True)(z)
    with pytest.raises(ValueError, match=r"derivative .* mixes points"):
        hd.derivative(np.cumsum, holomorphic=True, check_holomorphic=True)(z)


# Functions that mix points only at second order: at these points their Jacobian is
# the identity, so the first-order probe passes; their second-order parts mix points
# (x + (sum(x) - s)^2 at sum(x) = s gave hessian(elementwise=True) = 32 where a
# pointwise reading would be 2, and derivative(order=2) = 0 as the weights summed to 0).
P = np.array([1.0, -1.0, 2.0, -2.0, 0.5])
PALINDROME = np.array([1.0, 2.0, 3.0, 2.0, 1.0])
SECOND_ORDER_MIXING: dict[str, tuple[Callable[[Any], Any], np.ndarray]] = {
    "x + (sum(x) - s)^2 at sum(x) = s": (lambda v: v + (np.sum(v) - P.sum()) ** 2, P),
    "x + (x - x[::-1])^2 at a palindrome": (lambda v: v + (v - v[::-1]) ** 2, PALINDROME),
    "x + cumsum(x - c)^2 at x = c": (lambda v: v + np.cumsum(v - P) ** 2, P),
    "sin(x) + (x @ x - |p|^2)^2": (lambda v: np.sin(v) + (v @ v - P @ P) ** 2, P),
}


@pytest.mark.parametrize("name", list(SECOND_ORDER_MIXING))
def test_mixing_only_at_second_order_raises(name: str) -> None:
    f, at = SECOND_ORDER_MIXING[name]
    np.testing.assert_allclose(hd.jacobian(f)(at), hd.jacobian(f)(at) * np.eye(at.size))
    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(f, order=2)(at)
    with pytest.raises(ValueError, match="mixes points"):
        hd.hessian(f, elementwise=True)(at)
    with pytest.raises(ValueError, match="mixes points"):
        hd.hessian(lambda a, b: f(a) * b, argnums=(0, 1), elementwise=True)(at, 2.0 + at)


def test_second_order_of_pointwise_functions_passes_the_check() -> None:
    x = np.linspace(-2, 2, 7)
    got = hd.derivative(lambda v: np.sin(v) * v**2, order=2)(x)
    want = -np.sin(x) * x**2 + 4 * x * np.cos(x) + 2 * np.sin(x)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
    hxy = hd.hessian(lambda a, b: np.exp(a * b) + a**2 * b, argnums=(0, 1), elementwise=True)
    np.testing.assert_allclose(
        hxy(x, x + 1)[0][1], np.exp(x * (x + 1)) * (1 + x * (x + 1)) + 2 * x, rtol=1e-14
    )


def _rules(parts: np.ndarray, probe: np.ndarray, weights: np.ndarray, finite_only: bool) -> bool:
    """_check_pointwise's rules point by point in plain Python (the spec the one-pass C
    check must follow)."""
    for index in np.ndindex(probe.shape):
        column = [complex(p[index]) for p in parts]
        total = column[0]
        for c in column[1:]:
            total += c
        w = float(weights[index])
        q, expected = complex(probe[index]), total * w
        if q == expected:
            continue
        scale = sum(abs(c) for c in column) if len(column) > 1 else abs(total)
        finfo = np.finfo(weights.dtype)
        # (parts computed through subnormal numbers: 64 of them, the relative rule's
        # 64 eps of the smallest normal number)
        tolerance = 64 * float(finfo.eps) * abs(w) * scale + 64 * (abs(w) + 1) * float(
            finfo.smallest_subnormal
        )
        finite_q, finite_e = np.isfinite(q), np.isfinite(expected)
        if abs(q - expected) <= tolerance or (np.isnan(q) and np.isnan(expected)):
            continue
        both_overflowed = not finite_q and not finite_e
        if both_overflowed or (finite_only and not (finite_q and finite_e)):
            continue
        return False
    return True


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
def test_the_one_pass_check_follows_the_rules(dtype: type) -> None:
    # parts strided (as the second-order check's swapped rows), weights broadcast,
    # probes exact, off by rounding, off by more, nan, inf, subnormal
    rng = np.random.default_rng(5)
    real = np.empty(0, dtype=dtype).real.dtype
    disagreements = agreements = 0
    for trial in range(300):
        k, n = int(rng.integers(1, 4)), int(rng.integers(1, 6))
        parts = np.swapaxes(rng.normal(size=(2, k, n)).astype(dtype), 0, 1)
        if np.dtype(dtype).kind == "c":
            parts = parts + 1j * rng.normal(size=parts.shape).astype(real)
        row = rng.choice([1.0, -2.0, 0.5, 2.0**-15], size=n).astype(real)
        weights = np.broadcast_to(row, (2, n))
        probe = (parts.sum(axis=0) * weights).astype(dtype)
        for _ in range(int(rng.integers(0, 3))):
            at = (int(rng.integers(2)), int(rng.integers(n)))
            kind = trial % 6
            if kind == 0:
                probe[at] *= 1 + 8 * np.finfo(real).eps
            elif kind == 1:
                probe[at] += 1
            elif kind == 2:
                probe[at] = np.nan
            elif kind == 3:
                probe[at] = np.inf
                if rng.random() < 0.5:
                    parts[(0, *at)] = np.inf
            elif kind == 4:
                parts[(0, *at)] = np.finfo(real).smallest_subnormal
                probe[at] = parts[(slice(None), *at)].sum() * weights[at]
            else:
                parts[(slice(None), *at)] = np.nan
        for finite_only in (False, True):
            want = _rules(parts, probe, weights, finite_only)
            got = hd._core.probe_agrees(parts, probe, weights, finite_only)
            assert got == want, (trial, finite_only, parts, probe, weights)
            disagreements += not want
            agreements += want
    assert disagreements > 50 and agreements > 50  # both answers exercised


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
def test_the_one_pass_check_on_long_rows(dtype: type) -> None:
    # one contiguous row of 700 points: a point anywhere in it is judged by the rules
    rng = np.random.default_rng(8)
    real = np.empty(0, dtype=dtype).real.dtype
    n = 700
    parts = rng.normal(size=(2, n)).astype(dtype)
    if np.dtype(dtype).kind == "c":
        parts = parts + 1j * rng.normal(size=parts.shape).astype(real)
    weights = rng.choice([1.0, -2.0, 0.5, 2.0**-15], size=n).astype(real)
    exact = (parts.sum(axis=0) * weights).astype(dtype)
    assert hd._core.probe_agrees(parts, exact, weights, False)
    for at in (0, 255, 256, 511, 512, 699):
        for change in ("rounding", "off", "nan", "inf"):
            probe = exact.copy()
            if change == "rounding":
                probe[at] *= 1 + 8 * np.finfo(real).eps
            elif change == "off":
                probe[at] += 1
            elif change == "nan":
                probe[at] = np.nan
            else:
                probe[at] = np.inf
            for finite_only in (False, True):
                want = _rules(parts, probe, weights, finite_only)
                assert hd._core.probe_agrees(parts, probe, weights, finite_only) == want
                assert want == (change == "rounding" or (finite_only and change != "off"))


def test_a_swap_of_two_points_is_refused() -> None:
    # np.sort swaps two points back: each one's derivative is 0 (ones if the probe
    # missed it). The probe's weights differ on the first 256 points (float64; float32
    # the first 32): every such swap raises; far beyond, one in 256 passes unseen
    rng = np.random.default_rng(3)
    for dtype, first in ((np.float64, 256), (np.float32, 32)):
        for _ in range(150):
            i, j = rng.choice(first, size=2, replace=False)
            x = np.arange(first, dtype=dtype)
            x[[i, j]] = x[[j, i]]
            with pytest.raises(ValueError, match="mixes points"):
                hd.derivative(np.sort)(x)
    missed = 0
    for _ in range(300):
        i, j = rng.choice(10**4, size=2, replace=False)
        x = np.arange(10.0**4)
        x[[i, j]] = x[[j, i]]
        try:
            hd.derivative(np.sort)(x)
            missed += 1
        except ValueError:
            pass
    assert missed <= 6  # 300/256 expected; 32 classes (before) gave ~9


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
def test_the_one_pass_check_on_long_rows_off_by_rounding(dtype: type) -> None:
    # T4's case: three parts (strided, as the swapped rows), and the probe off by a few
    # ulps at most points; the blocks judge rounding in their vector pass (real dtypes)
    rng = np.random.default_rng(9)
    real = np.empty(0, dtype=dtype).real.dtype
    n = 1000
    parts = np.swapaxes(rng.normal(size=(n // 250, 3, 250)).astype(dtype), 0, 1)
    parts = parts.reshape(3, n // 250, 250)
    if np.dtype(dtype).kind == "c":
        parts = parts + 1j * rng.normal(size=parts.shape).astype(real)
    weights = rng.choice([1.0, -2.0, 0.5, 2.0**-15], size=250).astype(real)
    weights = np.broadcast_to(weights, parts.shape[1:])
    ulps = rng.integers(-8, 9, size=parts.shape[1:]).astype(real)
    close = (parts.sum(axis=0) * weights * (1 + ulps * np.finfo(real).eps)).astype(dtype)
    assert _rules(parts, close, weights, False)
    assert hd._core.probe_agrees(parts, close, weights, False)
    for at in ((0, 0), (1, 17), (3, 249)):
        for change in ("off", "nan", "inf"):
            probe = close.copy()
            probe[at] = {"off": probe[at] + 1, "nan": np.nan, "inf": np.inf}[change]
            for finite_only in (False, True):
                want = _rules(parts, probe, weights, finite_only)
                assert hd._core.probe_agrees(parts, probe, weights, finite_only) == want
                assert want == (finite_only and change != "off")
