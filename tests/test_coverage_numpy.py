"""Coverage of everyday numpy (issue 14): numpy.fft, shape and selection functions,
order statistics, averages, interpolation, grids, convolution, rounding, sinc, the
appliers, value comparisons, einsum's sublist form and the binary ufuncs' methods.

References are independent of hyperdiff: numpy's function applied to each plane on its
own (for the linear and selecting functions: every part is the same function of that
part), the multilinear product rule written out plane by plane, or closed forms of the
derivatives computed from the values with plain numpy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

DUAL = type(hd.dual(0.0, 0.0))
HYPER = type(hd.hyperdual(0.0, 0.0, 0.0, 0.0))
KINDS = (DUAL, HYPER, hd.dualvec_type(3), hd.hyperdualvec_type(2))


def make(cls: Any, shape: tuple[int, ...], dtype: Any = np.float64, seed: int = 0) -> Any:
    """A dual array of kind cls with random, distinct value and parts."""
    rng = np.random.default_rng(seed)
    data = rng.normal(size=(cls._planes, *shape))
    if np.dtype(dtype).kind == "c":
        data = data + 1j * rng.normal(size=data.shape)
    return cls._wrap(data.astype(dtype))


def close(dtype: Any) -> dict[str, float]:
    single = np.dtype(dtype) in (np.dtype(np.float32), np.dtype(np.complex64))
    return {"rtol": 2e-5, "atol": 2e-5} if single else {"rtol": 1e-12, "atol": 1e-12}


def check_planes(result: Any, reference: Any, dtype: Any = np.float64) -> None:
    """Plane p of result is reference(p), or reference[p] for a list (the value plane
    bit for bit)."""
    for p in range(result._planes):
        expected = np.asarray(reference[p] if isinstance(reference, list) else reference(p))
        assert result._stack[p].shape == expected.shape, p
        if p == 0:
            np.testing.assert_array_equal(result._stack[0], expected)
            assert result.dtype == expected.dtype
        else:
            np.testing.assert_allclose(result._stack[p], expected, **close(dtype), err_msg=str(p))


# --- numpy.fft: linear, so every part is the transform of that part ---------------------
FFT: dict[str, tuple[Callable[..., Any], bool]] = {  # (f, takes complex input)
    "fft": (lambda a: np.fft.fft(a), False),
    "fft-n-axis": (lambda a: np.fft.fft(a, n=7, axis=0, norm="ortho"), False),
    "ifft": (lambda a: np.fft.ifft(a, axis=1), True),
    "rfft": (lambda a: np.fft.rfft(a, axis=-2), False),
    "irfft": (lambda a: np.fft.irfft(a, n=6), True),
    "hfft": (lambda a: np.fft.hfft(a, axis=1), True),
    "ihfft": (lambda a: np.fft.ihfft(a), False),
    "fft2": (lambda a: np.fft.fft2(a), False),
    "ifft2": (lambda a: np.fft.ifft2(a, axes=(0, 2)), True),
    "rfft2": (lambda a: np.fft.rfft2(a, s=(4, 4)), False),
    "irfft2": (lambda a: np.fft.irfft2(a), True),
    "fftn": (lambda a: np.fft.fftn(a), False),
    "fftn-axes": (lambda a: np.fft.fftn(a, s=(3, 5), axes=(-1, 0), norm="forward"), True),
    "ifftn": (lambda a: np.fft.ifftn(a), True),
    "rfftn": (lambda a: np.fft.rfftn(a), False),
    "irfftn": (lambda a: np.fft.irfftn(a, axes=(0, 1)), True),
    "fftshift": (lambda a: np.fft.fftshift(a), False),
    "fftshift-axis": (lambda a: np.fft.fftshift(a, axes=1), True),
    "ifftshift": (lambda a: np.fft.ifftshift(a, axes=(0, -1)), False),
}


@pytest.mark.parametrize("name", FFT)
def test_fft_is_the_transform_of_every_plane(name: str) -> None:
    f, complex_input = FFT[name]
    for cls, real in ((HYPER, np.float64), (hd.dualvec_type(3), np.float32)):
        dtype = np.result_type(real, np.complex64) if complex_input else real
        a = make(cls, (4, 5, 3), dtype, seed=3)
        result = f(a)
        assert type(result) is cls
        check_planes(result, [f(plane) for plane in a._stack], dtype)


def test_fft_out_and_errors() -> None:
    a = make(DUAL, (8,))
    out = DUAL._wrap(np.empty((2, 8), dtype=np.complex128))
    assert np.fft.fft(a, out=out) is out
    check_planes(out, lambda p: np.fft.fft(a._stack[p]))
    with pytest.raises(TypeError, match="would drop the derivative parts"):
        np.fft.fft(a, out=np.empty(8, dtype=np.complex128))
    with pytest.raises(ValueError, match="Invalid number of FFT data points"):
        np.fft.fft(a, n=0)


# --- shape and selection functions: each plane alike ------------------------------------
# f(a, b, c): a, b dual arrays, c a plain constant; on the planes the constant is a
# constant, so its parts are zero: reference f(a_p, b_p, c if p == 0 else 0 c)
SHAPES: dict[str, Callable[[Any, Any, Any], Any]] = {
    "tril": lambda a, b, c: np.tril(a[0], 1),
    "triu-1d": lambda a, b, c: np.triu(a[0, 0], -1),
    "tril-stack": lambda a, b, c: np.tril(a),
    "split": lambda a, b, c: np.split(a, 2, axis=1)[1],
    "array_split": lambda a, b, c: np.array_split(a, [1, 3], axis=-1)[2],
    "hsplit": lambda a, b, c: np.hsplit(a, [1])[0],
    "vsplit": lambda a, b, c: np.vsplit(a, 3)[2],
    "dsplit": lambda a, b, c: np.dsplit(a, [2])[1],
    "flipud": lambda a, b, c: np.flipud(a),
    "fliplr": lambda a, b, c: np.fliplr(a),
    "rot90": lambda a, b, c: np.rot90(a, 3, axes=(2, 0)),
    "rollaxis": lambda a, b, c: np.rollaxis(a, 2, 1),
    "moveaxis": lambda a, b, c: np.moveaxis(a, -1, 0),
    "pad-constant": lambda a, b, c: np.pad(a, ((1, 0), (0, 2), (1, 1)), constant_values=c[0, 0, 0]),
    "pad-constant-pairs": lambda a, b, c: np.pad(a[0], 2, constant_values=c[:2, :2, 0]),
    "pad-edge": lambda a, b, c: np.pad(a, ((0, 2), (1, 0), (0, 0)), mode="edge"),
    "pad-reflect": lambda a, b, c: np.pad(a, 3, mode="reflect"),
    "pad-reflect-odd": lambda a, b, c: np.pad(a, 2, mode="reflect", reflect_type="odd"),
    "pad-symmetric": lambda a, b, c: np.pad(a[0], (2, 5), mode="symmetric"),
    "pad-wrap": lambda a, b, c: np.pad(a, {1: (4, 1)}, mode="wrap"),
    "pad-mean": lambda a, b, c: np.pad(a[0], 2, mode="mean", stat_length=2),
    "pad-dual-constant": lambda a, b, c: np.pad(a[0], 1, constant_values=b[0, 0, 0]),
    "append": lambda a, b, c: np.append(a, b),
    "append-axis": lambda a, b, c: np.append(a, c, axis=0),
    "insert": lambda a, b, c: np.insert(a, [1, 1, 3], b[0, 0, 0], axis=1),
    "insert-flat": lambda a, b, c: np.insert(a, 5, c[0, 0]),
    "insert-plain-target": lambda a, b, c: np.insert(c, 2, b[0, 0], axis=1),
    "delete": lambda a, b, c: np.delete(a, [0, 2], axis=1),
    "delete-flat": lambda a, b, c: np.delete(a, slice(1, None, 3)),
    "delete-mask": lambda a, b, c: np.delete(a, [True, False, True, False], axis=1),
}


@pytest.mark.parametrize("name", SHAPES)
def test_shape_functions_act_on_every_plane(name: str) -> None:
    f = SHAPES[name]
    c = np.arange(24.0).reshape(3, 4, 2) / 7
    for cls, dtype in ((HYPER, np.float64), (hd.hyperdualvec_type(2), np.float32)):
        a, b = make(cls, (3, 4, 2), dtype, 1), make(cls, (3, 4, 2), dtype, 2)
        c = c.astype(dtype)
        before = a._stack.copy(), b._stack.copy()
        result = f(a, b, c)
        assert type(result) is cls
        constants = [c] + [0 * c] * (cls._planes - 1)
        check_planes(
            result,
            [f(*planes) for planes in zip(a._stack, b._stack, constants, strict=True)],
            dtype,
        )
        np.testing.assert_array_equal(a._stack, before[0])  # inputs untouched
        np.testing.assert_array_equal(b._stack, before[1])


def test_splits_return_every_piece() -> None:
    a = make(HYPER, (4, 6))
    pieces = np.array_split(a, 3, axis=1)
    for k, piece in enumerate(pieces):
        check_planes(piece, [np.array_split(plane, 3, axis=1)[k] for plane in a._stack])
    with pytest.raises(ValueError, match="equal division"):
        np.split(a, 5, axis=1)
    with pytest.raises(TypeError, match=r"numpy\.pad with mode='maximum'"):
        np.pad(a, 1, mode="maximum")


def test_partition_carries_the_parts_of_the_elements_it_moves() -> None:
    a = make(HYPER, (3, 9), seed=5)
    for kth, axis in ((4, -1), ([0, 3], 1), (2, 0), (5, None)):
        result = np.partition(a, kth, axis=axis)
        np.testing.assert_array_equal(result.value, np.partition(a.value, kth, axis=axis))
        values = a.value.ravel()
        for p in range(1, 4):  # (the values are distinct: find each element by value)
            where = np.array([np.flatnonzero(values == v)[0] for v in result.value.ravel()])
            np.testing.assert_array_equal(result._stack[p].ravel(), a._stack[p].ravel()[where])


# --- order statistics: the parts interpolate the sorted parts with numpy's weights ---------
def sorted_planes(a: Any, axis: int) -> np.ndarray:
    order = np.argsort(a.value, axis=axis)
    return np.take_along_axis(a._stack, order[None], axis=axis + 1)


def test_quantile_linear_is_hyndman_fan_7() -> None:
    a = make(HYPER, (11, 3), seed=7)
    q = np.array([0.0, 0.13, 0.5, 0.77, 1.0])
    result = np.quantile(a, q, axis=0)
    np.testing.assert_array_equal(result.value, np.quantile(a.value, q, axis=0))
    s = sorted_planes(a, 0)
    h = (11 - 1) * q
    lo = np.floor(h).astype(int)
    hi = np.minimum(lo + 1, 10)
    g = (h - lo)[:, None]
    for p in range(1, 4):
        np.testing.assert_allclose(result._stack[p], s[p][lo] + g * (s[p][hi] - s[p][lo]))
    pct = np.percentile(a, 100 * q, axis=0, keepdims=True)
    assert pct.shape == (5, 1, 3)
    np.testing.assert_allclose(pct._stack[:, :, 0], result._stack, rtol=1e-13)


@pytest.mark.parametrize(
    "method", ["lower", "higher", "nearest", "inverted_cdf", "closest_observation"]
)
def test_selecting_quantile_methods_carry_the_chosen_parts(method: str) -> None:
    a = make(DUAL, (4, 10), seed=8)
    result = np.quantile(a, [0.1, 0.45, 0.9], axis=1, method=method)
    np.testing.assert_array_equal(
        result.value, np.quantile(a.value, [0.1, 0.45, 0.9], axis=1, method=method)
    )
    for i in range(3):
        for row in range(4):
            (k,) = np.flatnonzero(a.value[row] == result.value[i, row])
            assert result.d[i, row] == a.d[row, k]


@pytest.mark.parametrize(
    "method",
    [
        "linear",
        "hazen",
        "weibull",
        "median_unbiased",
        "normal_unbiased",
        "interpolated_inverted_cdf",
        "averaged_inverted_cdf",
        "midpoint",
    ],
)
def test_interpolating_quantile_methods_are_linear_in_the_sorted_sample(method: str) -> None:
    # parts that are an increasing affine function of the values sort alike, and every
    # method's weights sum to 1: the quantile of the parts is that function of the value
    rng = np.random.default_rng(9)
    v = rng.normal(size=(2, 12))
    x = hd.dual(v, 3.0 * v + 1.0)
    q = np.array([0.0, 0.2, 0.5, 0.61, 0.99, 1.0])
    result = np.quantile(x, q, axis=-1, method=method)
    value = np.quantile(v, q, axis=-1, method=method)
    np.testing.assert_array_equal(result.value, value)
    np.testing.assert_allclose(result.d, 3.0 * value + 1.0, rtol=1e-13)


def test_median_is_the_mean_of_the_middle_parts() -> None:
    for n in (7, 8):
        a = make(HYPER, (3, n), np.float32, seed=n)
        result = np.median(a, axis=1)
        np.testing.assert_array_equal(result.value, np.median(a.value, axis=1))
        s = sorted_planes(a, 1)
        middle = (s[:, :, (n - 1) // 2] + s[:, :, n // 2]) / 2
        np.testing.assert_allclose(result._stack[1:], middle[1:], rtol=1e-6)
        assert result.dtype == np.float32
    x = hd.dual(np.array([1.0, np.nan, 3.0]), 1.0)
    assert np.isnan(np.median(x).d)
    whole = np.median(make(DUAL, (4, 5)), keepdims=True)
    assert whole.shape == (1, 1)


# --- averages, integrals, gradients ----------------------------------------------------------
def test_average_with_plain_and_dual_weights() -> None:
    a = make(DUAL, (4, 3), seed=10)
    w = np.array([1.0, 2.0, 0.5, 3.0])
    result, scale = np.average(a, axis=0, weights=w, returned=True)
    np.testing.assert_allclose(result.value, (w[:, None] * a.value).sum(0) / w.sum())
    np.testing.assert_allclose(result.d, (w[:, None] * a.d).sum(0) / w.sum())
    np.testing.assert_array_equal(scale, np.full(3, w.sum()))  # plain weights: a constant
    wd = make(DUAL, (4, 3), seed=11)
    wd._stack[0] = np.abs(wd._stack[0]) + 0.5
    result = np.average(a, axis=0, weights=wd)
    s, ws = (wd.value * a.value).sum(0), wd.value.sum(0)
    ds = (wd.d * a.value + wd.value * a.d).sum(0)
    np.testing.assert_allclose(result.d, ds / ws - s * wd.d.sum(0) / ws**2)
    np.testing.assert_allclose(np.average(a).d, a.d.mean())


def test_trapezoid_with_plain_and_dual_x() -> None:
    y = make(DUAL, (6,), seed=12)
    x = np.cumsum(np.linspace(0.5, 1.5, 6))
    result = np.trapezoid(y, x)
    dx = np.diff(x)
    np.testing.assert_allclose(result.d, np.sum(dx * (y.d[1:] + y.d[:-1]) / 2))
    xd = hd.dual(x, np.sin(x))
    result = np.trapezoid(y, xd)
    ddx = np.diff(np.sin(x))
    expected = np.sum(ddx * (y.value[1:] + y.value[:-1]) + dx * (y.d[1:] + y.d[:-1])) / 2
    np.testing.assert_allclose(result.d, expected)
    np.testing.assert_allclose(np.trapezoid(y, dx=0.25).d, 0.25 * np.sum(y.d[1:] + y.d[:-1]) / 2)


def test_gradient_is_numpys_gradient_of_every_plane() -> None:
    f = make(HYPER, (5, 6), seed=13)
    x = np.cumsum(np.linspace(1.0, 2.0, 6))
    for args, kw in (((), {}), ((0.5, x), {"edge_order": 2}), ((x,), {"axis": -1})):
        result = np.gradient(f, *args, **kw)
        results = result if isinstance(result, tuple) else (result,)
        for k, r in enumerate(results):

            def reference(p: int, k: int = k, args: Any = args, kw: Any = kw) -> Any:
                planes = np.gradient(f._stack[p], *args, **kw)
                return planes[k] if isinstance(planes, tuple) else planes

            check_planes(r, reference)
    with pytest.raises(TypeError, match="plain array"):
        np.gradient(f, hd.dual(0.5, 1.0))


# --- interpolation and grids -----------------------------------------------------------------
def test_interp_in_x_and_in_fp() -> None:
    xp = np.array([-1.0, 0.0, 0.5, 2.0])
    fp0 = np.array([1.0, -2.0, 0.5, 3.0])
    q = np.array([0.3, -0.7, 1.1, 2.0])  # d fp / d(e2)
    xv = np.array([-1.5, -1.0, -0.2, 0.25, 0.5, 1.3, 2.0, 2.5])
    a = np.linspace(0.5, 1.2, xv.size)  # d x / d(e1)
    x = hd.hyperdual(xv, a, 0.0, 0.0)
    fp = hd.hyperdual(fp0, 0.0, q, 0.0)
    result = np.interp(x, xp, fp)
    np.testing.assert_array_equal(result.value, np.interp(xv, xp, fp0))
    j = np.clip(np.searchsorted(xp, xv, side="right") - 1, 0, 2)
    h = xp[j + 1] - xp[j]
    t = (xv - xp[j]) / h
    inside = (xv >= xp[0]) & (xv <= xp[-1])
    e1 = np.where(inside, a * (fp0[j + 1] - fp0[j]) / h, 0.0)
    e2 = np.where(inside, q[j] + t * (q[j + 1] - q[j]), np.where(xv < xp[0], q[0], q[-1]))
    e12 = np.where(inside, a * (q[j + 1] - q[j]) / h, 0.0)
    np.testing.assert_allclose(result.e1, e1, rtol=1e-14)
    np.testing.assert_allclose(result.e2, e2, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(result.e12, e12, rtol=1e-14)
    only_x = np.interp(hd.dual(xv, a), xp, fp0, left=-5.0)
    np.testing.assert_allclose(only_x.d, e1)
    assert only_x.value[0] == -5.0
    with pytest.raises(TypeError, match="xp as a plain array"):
        np.interp(xv, hd.dual(xp, 1.0), fp0)


def test_linspace_and_geomspace_in_their_end_points() -> None:
    n = 6
    t = np.arange(n) / (n - 1)
    start = hd.hyperdual(np.array([1.0, 2.0]), 1.0, 0.0, 0.0)
    stop = hd.hyperdual(np.array([3.0, 5.0]), 0.0, 1.0, 0.0)
    grid = np.linspace(start, stop, n, axis=1)
    np.testing.assert_array_equal(grid.value, np.linspace(start.value, stop.value, n, axis=1))
    np.testing.assert_allclose(grid.e1, np.broadcast_to(1 - t, (2, n)), atol=1e-15)
    np.testing.assert_allclose(grid.e2, np.broadcast_to(t, (2, n)), atol=1e-15)
    samples, step = np.linspace(start, 4.0, 5, endpoint=False, retstep=True)
    np.testing.assert_allclose(step.e1, -0.2 * np.ones(2))
    np.testing.assert_allclose(samples.e1, 1 - np.arange(5)[:, None] / 5 + 0 * samples.value)
    assert np.linspace(hd.dual(np.float32(1), 1.0), 2.0, 3).dtype == np.float32

    s, e = 2.0, 40.0
    g = np.geomspace(hd.hyperdual(s, 1.0, 0.0, 0.0), hd.hyperdual(e, 0.0, 1.0, 0.0), n)
    np.testing.assert_array_equal(g.value, np.geomspace(s, e, n))
    np.testing.assert_allclose(g.e1, (1 - t) * s**-t * e**t, rtol=1e-13)
    np.testing.assert_allclose(g.e2, t * s ** (1 - t) * e ** (t - 1), rtol=1e-13)
    np.testing.assert_allclose(g.e12, (1 - t) * t * s**-t * e ** (t - 1), rtol=1e-13, atol=1e-16)
    g = np.geomspace(hd.hyperdual(s, 1.0, 1.0, 0.0), e, n)  # d^2/ds^2
    np.testing.assert_allclose(g.e12, -t * (1 - t) * s ** (-t - 1) * e**t, rtol=1e-12, atol=1e-16)


# --- convolution: bilinear, the product rule plane by plane -----------------------------------
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_convolve_and_correlate_follow_the_product_rule(name: str, mode: str) -> None:
    f = getattr(np, name)
    for n, m, dtype in ((7, 3, np.float64), (3, 7, np.complex128), (5, 5, np.float32)):
        a, v = make(HYPER, (n,), dtype, 14), make(HYPER, (m,), dtype, 15)
        A, V = a._stack, v._stack
        result = f(a, v, mode)
        expected = [
            f(A[0], V[0], mode),
            f(A[1], V[0], mode) + f(A[0], V[1], mode),
            f(A[2], V[0], mode) + f(A[0], V[2], mode),
            f(A[3], V[0], mode) + f(A[1], V[2], mode) + f(A[2], V[1], mode) + f(A[0], V[3], mode),
        ]
        check_planes(result, expected, dtype)
        c = np.linspace(-1, 1, m).astype(dtype)
        check_planes(f(a, c, mode), [f(plane, c, mode) for plane in A], dtype)
        check_planes(f(c, a, mode), [f(c, plane, mode) for plane in A], dtype)


# --- rounding, cleaning, sinc ---------------------------------------------------------------------
def test_round_has_zero_parts_and_numpys_value() -> None:
    a = make(HYPER, (3, 4), np.float32, 16)
    for f in (lambda x: np.round(x, 2), lambda x: np.around(x)):
        result = f(a)
        np.testing.assert_array_equal(result.value, f(a.value))
        assert result.dtype == np.float32 and not result._stack[1:].any()


def test_nan_to_num_keeps_finite_parts_and_zeroes_replaced_ones() -> None:
    value = np.array([1.0, np.nan, np.inf, -np.inf, -2.0])
    x = hd.dual(value, np.arange(1.0, 6.0))
    result = np.nan_to_num(x, posinf=9.0)
    np.testing.assert_array_equal(result.value, np.nan_to_num(value, posinf=9.0))
    np.testing.assert_array_equal(result.d, [1.0, 0, 0, 0, 5.0])
    assert np.isnan(x.value[1])  # the input is untouched
    z = hd.dual(np.array([complex(1, np.nan), complex(np.inf, 2)]), np.array([1 + 1j, 1 + 1j]))
    np.testing.assert_array_equal(np.nan_to_num(z).d, [1 + 0j, 1j])


def test_sinc_with_its_limit_at_zero() -> None:
    v = np.array([0.0, 0.3, -1.7, 2.0])
    result = np.sinc(hd.hyperdual(v, 1.0, 1.0, 0.0))
    np.testing.assert_array_equal(result.value, np.sinc(v))
    u = np.pi * np.where(v == 0, 1.0, v)
    d1 = np.pi * (u * np.cos(u) - np.sin(u)) / u**2
    d2 = np.pi**2 * (-(u**2) * np.sin(u) - 2 * u * np.cos(u) + 2 * np.sin(u)) / u**3
    d1[0], d2[0] = 0.0, -(np.pi**2) / 3
    np.testing.assert_allclose(result.e1, d1, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(result.e12, d2, rtol=1e-13)
    assert np.sinc(hd.dual(np.float32(0.5), 1.0)).dtype == np.float32


def test_sinc_near_zero_against_mpmath() -> None:
    """Near 0 (not at it) the quotient rule on sin(pi x)/(pi x) cancels (f'' was -pi^2 at
    arange's -2.2e-16): f', f'' against mpmath on both sides of the series' switch at
    |pi x| = 1, float32, complex (holomorphic) and a second-order kind."""
    mpmath = pytest.importorskip("mpmath")

    def ref(x: complex, n: int) -> complex:
        with mpmath.workdps(50):
            t = mpmath.mpc(x)
            return complex(mpmath.diff(lambda u: mpmath.sinpi(u) / (mpmath.pi * u), t, n))

    points = [-2.2e-16, 1e-9, 1e-7, 1e-5, 0.3, 1 / np.pi - 1e-9, 1 / np.pi + 1e-9, 2.5]
    result = np.sinc(hd.hyperdual(np.array(points), 1.0, 1.0))
    for i, x in enumerate(points):
        np.testing.assert_allclose(result.e1[i], ref(x, 1).real, rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(result.e12[i], ref(x, 2).real, rtol=1e-14)
    tiny = np.sinc(hd.hyperdual(np.array(1e-300), 1.0, 1.0))  # f' = -pi^2 x/3 + O(x^3)
    np.testing.assert_allclose([tiny.e1, tiny.e12], [-(np.pi**2) / 3 * 1e-300, -(np.pi**2) / 3])
    x32 = np.float32([1e-3, -0.2, 0.7])
    r32 = np.sinc(hd.hyperdual(x32, np.float32(1), np.float32(1)))
    assert r32.dtype == np.float32
    for i, x in enumerate(x32.tolist()):
        np.testing.assert_allclose(r32.e12[i], ref(x, 2).real, rtol=2e-7)
    z = np.array([1e-8 + 1e-8j, 0.3 - 0.2j])
    got = hd.derivative(np.sinc, holomorphic=True)(z)
    np.testing.assert_allclose(got, [ref(complex(v), 1) for v in z], rtol=1e-14)
    hessians = hd.hessian(np.sinc, elementwise=True)(np.array([1e-12, 0.4]))
    np.testing.assert_allclose(hessians, [ref(1e-12, 2).real, ref(0.4, 2).real], rtol=1e-14)


def test_sinc_at_any_order_against_mpmath() -> None:
    """Orders 1..10 through Taylor arrays (the derivatives' recurrence upward below
    |pi x| and downward above, composed with the input series): at 0 exactly, on both
    sides of the switches j = |pi x|, far out; a curved input series, float32, complex
    and mixed partials of a bundle."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    points = [0.0, -1e-9, 0.3, -0.7, 1.0, 2.5, 3.7, -12.3, 40.2]
    for k in range(1, 11):
        got = hd.derivative(np.sinc, order=k)(np.array(points))
        for x, g in zip(points, got, strict=True):
            ref = mpmath.diff(mpmath.sincpi, mpmath.mpf(x), k)
            # (relative, or to pi^k where the derivative crosses zero: odd orders at 0 are 0)
            assert abs(g - ref) <= 2e-15 * max(abs(ref), 0.1 * np.pi**k), (k, x, g, ref)
    # x(t) = 0.4 + t - t^2 + 2 t^3 (derivative-style planes 1, -2, 12)
    series = hd.taylor(
        np.sinc, np.array([0.4, 0.0]), [np.ones(2), -2 * np.ones(2), 12 * np.ones(2)], 6
    )
    for i, x0 in enumerate([0.4, 0.0]):
        curve = lambda t, x0=x0: mpmath.sincpi(x0 + t - t * t + 2 * t**3)  # noqa: E731
        ref = mpmath.taylor(curve, 0, 6)
        np.testing.assert_allclose(
            series[:, i], [float(c * mpmath.factorial(j)) for j, c in enumerate(ref)], rtol=1e-14
        )
    x32 = np.float32([0.0, 0.6])
    d32 = hd.derivative(np.sinc, order=4)(x32)
    assert d32.dtype == np.float32
    ref32 = [float(mpmath.diff(mpmath.sincpi, float(x), 4)) for x in x32]
    np.testing.assert_allclose(d32, ref32, rtol=1e-6)
    z = 0.3 - 0.2j
    dz = hd.derivative(np.sinc, order=5, holomorphic=True)(np.array([z]))
    np.testing.assert_allclose(
        dz[0], complex(mpmath.diff(mpmath.sincpi, mpmath.mpc(z), 5)), rtol=1e-14
    )
    mixed = hd.derivative(lambda x, y: np.sinc(x * y), argnums=(0, 1), order=(2, 2))(0.5, 0.7)
    ref = mpmath.diff(lambda a, b: mpmath.sincpi(a * b), (0.5, 0.7), (2, 2))
    np.testing.assert_allclose(mixed, float(ref), rtol=1e-13)


def test_real_if_close_drops_only_imaginary_noise() -> None:
    x = hd.dual(np.array([1.0 + 1e-18j, 2.0]), np.array([3.0 + 0j, 1.0]))
    assert np.real_if_close(x).dtype == np.float64
    y = hd.dual(np.array([1.0 + 1e-18j, 2.0]), np.array([3.0 + 1j, 1.0]))
    assert np.real_if_close(y) is y  # the parts' imaginary components are not noise


# --- appliers ------------------------------------------------------------------------------------
def test_apply_along_axis_and_piecewise() -> None:
    a = make(DUAL, (3, 4), seed=17)
    result = np.apply_along_axis(lambda r: np.sum(r**2), 1, a)
    np.testing.assert_allclose(result.d, 2 * np.sum(a.value * a.d, axis=1))
    result = np.apply_along_axis(lambda r: r[::-1] * 2.0, 0, a)
    np.testing.assert_allclose(result.d, 2 * a.d[::-1])
    x = make(DUAL, (9,), seed=18)
    v = x.value
    result = np.piecewise(x, [v < 0, v >= 0.5], [lambda t: t**2, lambda t: 3 * t, 7.0])
    np.testing.assert_allclose(
        result.value, np.piecewise(v, [v < 0, v >= 0.5], [np.square, lambda t: 3 * t, 7.0])
    )
    expected = np.where(v < 0, 2 * v * x.d, np.where(v >= 0.5, 3 * x.d, 0.0))
    np.testing.assert_allclose(result.d, expected)


def test_value_comparisons_and_unique() -> None:
    a = hd.dual(np.array([1.0, 2.0, 1.0, 3.0]), np.array([5.0, 6.0, 7.0, 8.0]))
    b = a + 1e-9
    assert np.allclose(a, b) and np.isclose(a, b).all() and not np.array_equal(a, b)
    assert np.array_equal(a, a.value)
    values, index, counts = np.unique(a, return_index=True, return_counts=True)
    np.testing.assert_array_equal(values.value, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(values.d, [5.0, 6.0, 8.0])  # the first occurrence's
    np.testing.assert_array_equal(counts, [2, 1, 1])
    np.testing.assert_array_equal(index, [0, 1, 3])


def test_einsum_sublist_form() -> None:
    A, B = make(HYPER, (3, 4), seed=19), make(HYPER, (4, 2), seed=20)
    result = np.einsum(A, [0, 1], B, [1, 2], [0, 2])
    P, Q = A._stack, B._stack
    expected = [P[0] @ Q[0], P[1] @ Q[0] + P[0] @ Q[1], P[2] @ Q[0] + P[0] @ Q[2]]
    expected.append(P[3] @ Q[0] + P[1] @ Q[2] + P[2] @ Q[1] + P[0] @ Q[3])
    for p in range(4):
        np.testing.assert_allclose(result._stack[p], expected[p], rtol=1e-13)
    implicit = np.einsum(A, [Ellipsis, 1], [Ellipsis])
    check_planes(implicit, lambda p: np.einsum(A._stack[p], [Ellipsis, 1], [Ellipsis]))
    check_planes(np.einsum(A, [1, 0]), lambda p: A._stack[p].T)


# --- ufunc methods --------------------------------------------------------------------------------
def test_linear_ufunc_methods_act_on_every_plane() -> None:
    a = make(hd.dualvec_type(3), (4, 5), seed=21)
    b = make(hd.dualvec_type(3), (3,), seed=22)
    cases = [
        (lambda x: np.add.reduce(x), None),
        (lambda x: np.add.reduce(x, axis=None), None),
        (lambda x: np.add.reduce(x, axis=1, keepdims=True), None),
        (lambda x: np.add.accumulate(x, axis=1), None),
        (lambda x: np.add.reduceat(x, [0, 3, 1], axis=1), None),
        (
            lambda x: np.subtract.outer(x[0], b),
            lambda p: np.subtract.outer(a._stack[p][0], b._stack[p]),
        ),
        (
            lambda x: np.add.outer(x, 2.0),
            lambda p: np.add.outer(a._stack[p], 2.0 if p == 0 else 0.0),
        ),
    ]
    for f, reference in cases:
        check_planes(f(a), reference or (lambda p, f=f: f(a._stack[p])))


def test_product_and_selection_methods() -> None:
    a = make(DUAL, (3, 5), seed=23)
    v, d = a.value, a.d
    prod = np.multiply.reduce(a, axis=1)
    np.testing.assert_allclose(prod.d, np.prod(v, axis=1) * np.sum(d / v, axis=1), rtol=1e-12)
    cum = np.multiply.accumulate(a, axis=1)
    np.testing.assert_allclose(cum.d, np.cumprod(v, 1) * np.cumsum(d / v, 1), rtol=1e-12)
    top = np.maximum.reduce(a, axis=0)
    np.testing.assert_array_equal(top.d, d[np.argmax(v, axis=0), np.arange(5)])
    running = np.maximum.accumulate(a, axis=1)
    np.testing.assert_array_equal(running.value, np.maximum.accumulate(v, axis=1))
    for row in range(3):
        for k in range(5):  # the parts of the first element attaining the running max
            i = int(np.argmax(v[row, : k + 1]))
            assert running.d[row, k] == d[row, i]
    lse = np.logaddexp.reduce(a, axis=1)
    np.testing.assert_array_equal(lse.value, np.logaddexp.reduce(v, axis=1))
    weights = np.exp(v - lse.value[:, None])
    np.testing.assert_allclose(lse.d, np.sum(weights * d, axis=1), rtol=1e-12)
    acc = np.logaddexp.accumulate(a, axis=1)
    np.testing.assert_allclose(acc.value, np.logaddexp.accumulate(v, axis=1), rtol=1e-15)
    np.testing.assert_allclose(acc.d[:, -1], lse.d, rtol=1e-12)
    x, y = make(DUAL, (3,), seed=24), make(DUAL, (4,), seed=25)
    angle = np.arctan2.outer(x, y)
    X, Y = x.value[:, None], y.value[None, :]
    expected = (Y * x.d[:, None] - X * y.d[None, :]) / (X**2 + Y**2)
    np.testing.assert_allclose(angle.d, expected, rtol=1e-13)


def test_ufunc_at_is_unbuffered_and_in_place() -> None:
    a = make(HYPER, (4, 3), seed=26)
    b = make(HYPER, (3,), seed=27)
    index = [0, 2, 0]
    target = a.copy()
    np.add.at(target, index, b)
    for p in range(4):
        expected = a._stack[p].copy()
        np.add.at(expected, index, b._stack[p])
        np.testing.assert_array_equal(target._stack[p], expected)
    target = a.copy()
    np.subtract.at(target, (1, [2, 2]), 0.5)
    expected = a._stack.copy()
    expected[0, 1, 2] -= 1.0
    np.testing.assert_array_equal(target._stack, expected)
    x = make(DUAL, (4,), seed=28)
    c = make(DUAL, (3,), seed=29)
    target = x.copy()
    np.multiply.at(target, [1, 1, 3], c)  # x1 c0 c1, x3 c2
    v, d = x.value, x.d
    np.testing.assert_allclose(
        target.value, [v[0], v[1] * c.value[0] * c.value[1], v[2], v[3] * c.value[2]]
    )
    d1 = d[1] * c.value[0] * c.value[1] + v[1] * (c.d[0] * c.value[1] + c.value[0] * c.d[1])
    np.testing.assert_allclose(target.d, [d[0], d1, d[2], d[3] * c.value[2] + v[3] * c.d[2]])
    with pytest.raises(TypeError, match="make the target a dual array"):
        np.add.at(np.zeros(4), [0], c[:1])


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda x: np.subtract.reduce(x, where=x.value > 0), r"where= of numpy\.subtract"),
        (lambda x: np.divide.accumulate(x, dtype=np.float32), r"dtype= of numpy\.divide"),
        (lambda x: np.logaddexp.reduce(x, where=x.value > 0), r"where= of numpy\.logaddexp"),
    ],
)
def test_unsupported_methods_raise_naming_them(call: Callable[[Any], Any], name: str) -> None:
    with pytest.raises(TypeError, match=name):
        call(make(DUAL, (4,)))


def test_float32_stays_float32() -> None:
    a = make(HYPER, (6,), np.float32)
    for f in (
        np.fft.rfft,
        lambda x: np.pad(x, 2, mode="reflect"),
        np.median,
        lambda x: np.quantile(x, 0.3),
        lambda x: np.convolve(x, x),
        lambda x: np.multiply.accumulate(x),
        lambda x: np.logaddexp.reduce(x),
        lambda x: np.gradient(x),
    ):
        expected = f(a.value)
        assert f(a).dtype == np.asarray(expected).dtype


def test_ufunc_at_with_a_slice_or_ellipsis_index() -> None:
    x = hd.dual(np.arange(4.0), 1.0)
    np.add.at(x, slice(0, 2), 1.0)  # numpy passes the index among the ufunc's inputs
    np.testing.assert_array_equal(x.value, [1.0, 2.0, 2.0, 3.0])
    np.multiply.at(x, (Ellipsis,), 2.0)
    np.testing.assert_array_equal(x.value, [2.0, 4.0, 4.0, 6.0])
    np.testing.assert_array_equal(x.d, 2.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["mean", "var", "std"])
def test_reductions_of_lists_of_dual_numbers(name: str, dtype: type) -> None:
    """numpy's mean/var/std of a list (an object array) of dual numbers end in
    `ret.dtype.type(ret / n)`: the dual numbers keep their parts and numpy's dtype.
    Closed forms along v: d mean = mean(v), d var = 2 mean((x - m)(v - mean v)),
    d std = d var / (2 std)."""
    a = np.array([1.0, 2.0, 4.0, 7.5], dtype=dtype)
    v = np.array([1.0, -3.0, 0.5, 2.0], dtype=dtype)
    x = hd.dual(a, v)
    got = getattr(np, name)([x[0], x[1], x[2], x[3]])
    expected = getattr(np, name)(a)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got.value, expected, rtol=2 * np.finfo(dtype).eps)
    a64, v64 = a.astype(float), v.astype(float)
    d_var = 2 * np.mean((a64 - a64.mean()) * (v64 - v64.mean()))
    d = {"mean": v64.mean(), "var": d_var, "std": d_var / (2 * a64.std())}[name]
    np.testing.assert_allclose(got.d, d, rtol=8 * np.finfo(dtype).eps)


def test_reductions_of_lists_of_dual_arrays_along_an_axis() -> None:
    """The same on lists of dual arrays with axis, keepdims and ddof, through grad:
    f(x) = mean([2x, x^2], axis=0) . 1 + std([x0, x1 x2], ddof=1) + var(.., keepdims)."""

    def f(x: np.ndarray) -> object:
        pair = [x[0], x[1] * x[2]]
        spread = np.std(pair, ddof=1) + np.var(pair, keepdims=True)[0]
        return np.sum(np.mean([2 * x, x**2], axis=0)) + spread

    x = np.array([1.0, 2.0, 3.0])
    # mean: 1 + x; std ddof=1 of (a, b) = |a - b| / sqrt 2; var = (a - b)^2 / 4, a - b = -5
    d_pair = np.array([1.0, -x[2], -x[1]])  # d(a - b)
    expected = 1 + x - d_pair / np.sqrt(2) + 2 * (-5) / 4 * d_pair
    np.testing.assert_allclose(hd.grad(f)(x), expected, rtol=4e-16)


def test_reductions_of_lists_that_cast_each_element_raise() -> None:
    """A float dtype= makes numpy cast every dual number to a float: refused."""
    x = hd.dual(np.array([1.0, 2.0]), 1.0)
    with pytest.raises(TypeError, match=r"float\(\) of a Dual would drop its derivative parts"):
        np.mean([x[0], x[1]], dtype=np.float64)


def test_builtin_divmod() -> None:
    """divmod(x, c) and divmod(c, x) as numpy's divmod: the quotient constant, the
    remainder x - c q (derivative 1) and c - x q (derivative -q)."""
    x = hd.dual(np.array([5.5, -3.25]), 1.0)
    q, r = divmod(x, 2.0)
    np.testing.assert_array_equal(q.value, np.floor_divide(x.value, 2.0))
    np.testing.assert_array_equal(r.value, np.remainder(x.value, 2.0))
    np.testing.assert_array_equal([q.d, r.d], [[0.0, 0.0], [1.0, 1.0]])
    q, r = divmod(7.0, x)
    np.testing.assert_array_equal(r.value, np.remainder(7.0, x.value))
    np.testing.assert_array_equal(r.d, -np.floor_divide(7.0, x.value))
