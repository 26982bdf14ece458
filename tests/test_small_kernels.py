"""The product and small-matrix kernels of register_products.cpp against the plain
paths they replace.

_core.outer_product_parts (np.outer of two dual arrays): numpy's elementwise product
rule on the planes, bit for bit, on every kind with its pair layout, real and complex,
with infinities and signed zeros.

_core.expm_frechet (expm of matrices up to 8x8 with Frechet derivatives) against the
numpy path it replaces there (linalg._expm_and_frechet_numpy: the same steps through
BLAS/LAPACK) and against scipy.linalg.expm / expm_frechet.

The kernel sums its products in index order and factors with its own partial-pivoting
LU, so it agrees with the numpy path to rounding, not bit for bit. The bound stated
here: 32 * 2^s ulps of the largest entry of each matrix (value and each Frechet
derivative), s the number of squarings (each may double a relative difference; measured
at most 60 ulps with 4 squarings), on every component dtype, real and complex."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import scipy.linalg

import hyperdiff as hd
from hyperdiff import _algebra, _core, linalg
from hyperdiff._multivariate import hyperdualdiag_type, hyperdualvec_type, product_type

DTYPES = [np.float64, np.float32, np.complex128, np.complex64]
ULPS = 32


def _random(rng: np.random.Generator, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _assert_ulps(got: np.ndarray, want: np.ndarray, squarings: int, what: str) -> None:
    """|got - want| <= ULPS 2^squarings eps max|want| within each matrix (last two axes)."""
    assert got.dtype == want.dtype and got.shape == want.shape, what
    eps = np.finfo(want.dtype).eps * 2.0**squarings
    scale = np.abs(want).max(axis=(-2, -1), keepdims=True)
    error = np.abs(got.astype(np.complex128) - want.astype(np.complex128))
    assert np.all(error <= ULPS * eps * scale), f"{what}: {(error / (eps * scale)).max()} ulps"


KINDS = {
    "Dual": lambda: hd.Dual,
    "HyperDual": lambda: hd.HyperDual,
    "DualVec3": lambda: hd.dualvec_type(3),
    "HyperDualVec3": lambda: hyperdualvec_type(3),
    "HyperDualVec2x2": lambda: hyperdualvec_type(2, 2),
    "HyperDualDiag3": lambda: hyperdualdiag_type(3),
    "product": lambda: product_type(hd.dualvec_type(2), hd.Dual),
}


def _elementwise_outer(cls: type, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The product rule of np.outer written out with numpy's elementwise operations."""
    first, pairs = _algebra.layout(cls)
    out = np.empty((len(x), x.shape[1], y.shape[1]), dtype=x.dtype)
    out[0] = np.outer(x[0], y[0])
    for k in range(1, len(x)):
        out[k] = x[0][:, None] * y[k] + x[k][:, None] * y[0]
    for q, (a, b) in enumerate(pairs):
        h = 1 + first + q
        out[h] = out[h] + (x[1 + a][:, None] * y[1 + b] + x[1 + b][:, None] * y[1 + a])
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
def test_outer_kernel_equals_elementwise_rule(kind: str, dtype: type) -> None:
    cls = KINDS[kind]()
    rng = np.random.default_rng(3)
    x = _random(rng, (cls._planes, 7), dtype)
    y = _random(rng, (cls._planes, 5), dtype)
    x[1:, 2] = 0.0  # zero parts against infinite values: numpy's nan (no strong zero)
    x[0, 3], y[0, 1], y[-1, 4] = np.inf, -np.inf, -0.0
    x_before, y_before = x.copy(), y.copy()
    with np.errstate(invalid="ignore"):
        got = _algebra._outer_planes(cls, x, y)
        want = _elementwise_outer(cls, x, y)
    _assert_same_rule(got, want, cls, x, y)
    assert np.array_equal(x, x_before) and np.array_equal(y, y_before)
    dual = cls._wrap(x[:, :3].copy())  # through np.outer (finite entries)
    want = _elementwise_outer(cls, x[:, :3], x[:, :3])
    _assert_same_rule(np.outer(dual, dual)._stack, want, cls, x[:, :3], x[:, :3])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["DualVec44", "HyperDualVec8"])
@pytest.mark.parametrize("offset", [0, 1])
def test_outer_kernel_streams_large_outputs_bit_for_bit(
    kind: str, dtype: type, offset: int
) -> None:
    """Over half the L3 of planes (_core.outer_stream_bytes, set to 1 MB here so that
    every case streams on any machine) the kernel writes through a staging buffer with
    streaming stores (outer_products.hpp): the same rule, bit for bit, with rows that
    are not whole cache lines and an output that starts off a line (offset: one element
    in)."""
    cls = hd.dualvec_type(44) if kind == "DualVec44" else hyperdualvec_type(8)
    rng = np.random.default_rng(11)
    m, p = 163, 151  # (planes - 1) m p entries: 4.3 MB of float32, 17 MB of complex128
    x = _random(rng, (cls._planes, m), dtype)
    y = _random(rng, (cls._planes, p), dtype)
    x[1:, 5], y[0, 7] = 0.0, np.inf  # (a zero part against inf: numpy's nan)
    first, table = _algebra._pair_table(cls)
    size = cls._planes * m * p
    out = np.full(size + offset, np.nan, dtype=dtype)[offset:].reshape(cls._planes, m, p)
    out[0] = np.outer(x[0], y[0])
    previous = _core.outer_stream_bytes(1 << 20)
    try:
        with np.errstate(invalid="ignore"):
            _core.outer_product_parts(out, x, y, first, table)
            want = _elementwise_outer(cls, x, y)
    finally:
        assert _core.outer_stream_bytes(previous) == 1 << 20
    assert previous >= 4 << 20  # (the default: half the L3, at least 4 MB)
    _assert_same_rule(out, want, cls, x, y)


def _assert_same_rule(got: np.ndarray, want: np.ndarray, cls: type, x: Any, y: Any) -> None:
    """Real: the same bits (nans, signed zeros). Complex: the plain product (ac - bd,
    ad + bc), where numpy's SIMD complex loops may fuse a multiply-add (complex64 with
    AVX-512): the same non-finite bits, finite entries within 2 ulps of the terms' size."""
    assert got.dtype == want.dtype
    if got.dtype.kind == "f":
        assert np.array_equal(got.view(np.uint8), want.view(np.uint8))
        return
    finite = np.isfinite(want)
    assert np.array_equal(np.isfinite(got), finite)
    assert np.array_equal(got[~finite].view(np.uint8), want[~finite].view(np.uint8))
    with np.errstate(invalid="ignore"):  # the terms' magnitudes (0 inf: nan, not judged)
        size = _elementwise_outer(cls, np.abs(x), np.abs(y))
    error = np.abs(got[finite] - want[finite])
    assert np.all(error <= 2 * np.finfo(got.dtype).eps * size[finite])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 2, 4, 8])
@pytest.mark.parametrize("size", [0.1, 3.0, 40.0])  # 0, 0 and 4 squarings
def test_kernel_equals_numpy_path(dtype: type, n: int, size: float) -> None:
    rng = np.random.default_rng(n)
    a = _random(rng, (3, n, n), dtype) * np.asarray(size / n, dtype=dtype)
    directions = _random(rng, (2, 3, n, n), dtype)
    value, parts = linalg._expm_and_frechet(a, directions)
    want_value, want_parts = linalg._expm_and_frechet_numpy(a, directions)
    norm = float(np.abs(a).sum(axis=-2).max())
    squarings = max(0, math.ceil(math.log2(norm / linalg._THETA13)))
    _assert_ulps(value, want_value, squarings, "value")
    assert parts is not None and want_parts is not None
    _assert_ulps(parts, want_parts, squarings, "Frechet derivatives")
    alone, none = linalg._expm_and_frechet(a, None)
    assert none is None
    assert np.array_equal(alone, value)  # the value does not depend on the directions


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_kernel_against_scipy(dtype: type) -> None:
    rng = np.random.default_rng(5)
    for size in (0.5, 30.0):
        a = _random(rng, (4, 4), dtype) * size
        e = _random(rng, (4, 4), dtype)
        want, want_part = scipy.linalg.expm_frechet(a, e)
        kernel = _core.expm_frechet(a, e[None], linalg._pade_sums(a.dtype), linalg._THETA13)
        assert kernel is not None
        value, parts = kernel
        assert parts is not None
        scale = np.abs(want).max()
        np.testing.assert_allclose(value, want, rtol=0, atol=1e-13 * scale)
        np.testing.assert_allclose(
            parts[0], want_part, rtol=0, atol=1e-12 * np.abs(want_part).max()
        )


def test_declines_what_numpy_decides() -> None:
    """A non-finite norm and a singular Pade denominator are the numpy path's: the
    kernel returns None, and expm behaves as before (nan, as scipy's)."""
    coefficients = linalg._pade_sums(np.dtype(np.float64))
    for bad in (np.inf, np.nan):
        a = np.eye(3)
        a[1, 2] = bad
        assert _core.expm_frechet(a, None, coefficients, linalg._THETA13) is None
    assert np.all(np.isnan(hd.linalg.expm(np.full((2, 2), np.inf))))
    assert np.all(np.isnan(hd.linalg.expm(np.full((2, 2), np.nan))))


def test_dual_expm_uses_kernel_values() -> None:
    """A Dual's expm through the kernel: value as expm of the plain matrix, part against
    scipy's Frechet derivative (complex, T7a's shape and kind)."""
    rng = np.random.default_rng(7)
    h = _random(rng, (4, 4), np.complex128)
    h = (h + h.conj().T) / 2
    got = hd.linalg.expm(hd.dual(0.3j * h, 1j * h))
    assert np.array_equal(got.value, hd.linalg.expm(0.3j * h))
    want, want_part = scipy.linalg.expm_frechet(0.3j * h, 1j * h)
    np.testing.assert_allclose(got.value, want, rtol=0, atol=1e-14)
    np.testing.assert_allclose(got.d, want_part, rtol=0, atol=1e-13)
