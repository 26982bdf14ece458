"""More everyday numpy on dual arrays (issue 14): the nan-aware reductions, ptp, cov,
corrcoef, array builders (ediff1d, unwrap, logspace, vander, diagflat, meshgrid,
block, resize, trim_zeros, matrix_transpose, unstack, cumulative_sum/prod), numpy.linalg's
array-API aliases with tensorinv/tensorsolve, the polynomial functions, and ldexp,
frexp, modf, divmod, heaviside.

References are independent of hyperdiff: values are numpy's own function on the values
(bit for bit); first and second derivatives are finite differences of numpy's function
on plain float64 arrays (central, Richardson-extrapolated: errors near 1e-10 for first,
1e-7 for second derivatives), checked on Dual (one direction), a DualVec kind
(hd.jacobian) and a HyperDualVec kind (hd.hessian of a weighted sum of the outputs),
in float64 and float32."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from mpmath import mp

import hyperdiff as hd

RNG = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def _same_numbers_in_any_order() -> None:
    """Each test draws the same random inputs whichever tests ran before it (a selection
    with -k drew other directions: one finite-difference Hessian fell outside 1e-6)."""
    global RNG
    RNG = np.random.default_rng(7)


def _fd(f: Callable[[np.ndarray], Any], x: np.ndarray, v: np.ndarray, h: float) -> np.ndarray:
    """d/dt f(x + t v) at 0: central differences at h and h/2, Richardson-combined."""

    def central(step: float) -> np.ndarray:
        up = np.asarray(f(x + step * v), dtype=np.float64)
        down = np.asarray(f(x - step * v), dtype=np.float64)
        return (up - down) / (2 * step)

    return (4 * central(h / 2) - central(h)) / 3


def fd_jacobian(f: Callable[[np.ndarray], Any], x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """J[..., i] = d f / d x_i (flattened x), of numpy's f on float64 values."""
    flat = x.ravel()
    columns = [
        _fd(lambda y: f(y.reshape(x.shape)), flat, np.eye(flat.size)[i], h)
        for i in range(flat.size)
    ]
    return np.stack(columns, axis=-1)


def fd_second(g: Callable[[np.ndarray], Any], x: np.ndarray, u: np.ndarray, v: np.ndarray) -> float:
    """d2/ds dt g(x + s u + t v) at 0: the four-point difference at h and h/2,
    Richardson-combined (u^T H v for the Hessian H of a scalar g)."""

    def mixed(h: float) -> float:
        corners = [g(x + a * h * u + b * h * v) * a * b for a in (1, -1) for b in (1, -1)]
        return float(np.sum(corners)) / (4 * h * h)

    return (4 * mixed(5e-3) - mixed(1e-2)) / 3


def check(
    f: Callable[[Any], Any],
    x: np.ndarray,
    *,
    hessian: bool = True,
    rtol: float = 1e-7,
    f32: bool = True,
) -> None:
    """f on dual arrays against numpy's f on the values: values bit for bit (float64 and
    float32), the Jacobian (DualVec) and one direction (Dual) against finite
    differences, and the Hessian of a weighted sum of the outputs (HyperDualVec)."""
    plain = np.asarray(f(x))
    direction = RNG.normal(size=x.shape)
    result = f(hd.dual(x, direction))
    np.testing.assert_array_equal(result.value, plain)
    assert result.dtype == plain.dtype
    reference = fd_jacobian(f, x)
    np.testing.assert_allclose(
        hd.jacobian(f)(x).reshape(reference.shape), reference, rtol=rtol, atol=rtol
    )
    along = reference.reshape(*plain.shape, x.size) @ direction.ravel()
    np.testing.assert_allclose(result.d, along, rtol=rtol, atol=rtol)
    if hessian:
        weights = RNG.normal(size=plain.shape)

        def g(y: Any) -> Any:
            return np.sum(f(y) * weights)

        full = hd.hessian(g)(x).reshape(x.size, x.size)
        for _ in range(2):
            u, v = RNG.normal(size=x.shape), RNG.normal(size=x.shape)
            expected = fd_second(g, x, u, v)
            np.testing.assert_allclose(u.ravel() @ full @ v.ravel(), expected, rtol=1e-5, atol=1e-6)
    if f32:
        x32 = x.astype(np.float32)
        single = f(hd.dual(x32, direction.astype(np.float32)))
        np.testing.assert_array_equal(single.value, np.asarray(f(x32)))
        assert single.dtype == np.asarray(f(x32)).dtype
        np.testing.assert_allclose(single.d, along, rtol=2e-3, atol=2e-3)


def with_nans(shape: tuple[int, ...], nans: list[tuple[int, ...]]) -> np.ndarray:
    x = RNG.normal(size=shape)
    for index in nans:
        x[index] = np.nan
    return x


NAN_X = with_nans((3, 5), [(0, 1), (1, 3), (1, 4), (2, 0)])

NAN_CASES: dict[str, Callable[[Any], Any]] = {
    "nanmean": lambda a: np.nanmean(a, axis=1),
    "nanmean-all": lambda a: np.nanmean(a),
    "nanmean-keepdims": lambda a: np.nanmean(a, axis=0, keepdims=True),
    "nanvar": lambda a: np.nanvar(a, axis=1),
    "nanvar-ddof": lambda a: np.nanvar(a, axis=0, ddof=1),
    "nanstd": lambda a: np.nanstd(a, axis=1, keepdims=True),
    "nanstd-all": lambda a: np.nanstd(a, ddof=1),
    "nanprod": lambda a: np.nanprod(a, axis=1),
    "nanmax": lambda a: np.nanmax(a, axis=1),
    "nanmin": lambda a: np.nanmin(a, axis=0),
    "nanmax-all": lambda a: np.nanmax(a),
    "nancumsum": lambda a: np.nancumsum(a, axis=1),
    "nancumprod": lambda a: np.nancumprod(a),
    "nanmedian": lambda a: np.nanmedian(a, axis=1),
    "nanmedian-all": lambda a: np.nanmedian(a),
    "nanquantile": lambda a: np.nanquantile(a, [0.1, 0.6], axis=1),
    "nanquantile-hazen": lambda a: np.nanquantile(a, 0.3, axis=0, method="hazen"),
    "nanquantile-nearest": lambda a: np.nanquantile(a, 0.7, axis=1, method="nearest"),
    "nanpercentile": lambda a: np.nanpercentile(a, [20, 75], axis=1, keepdims=True),
}


@pytest.mark.parametrize("name", NAN_CASES)
def test_nan_reductions(name: str) -> None:
    check(NAN_CASES[name], NAN_X)


def test_nan_functions_on_all_nan_slices() -> None:
    x = with_nans((2, 3), [(1, 0), (1, 1), (1, 2)])
    d = hd.dual(x, np.ones_like(x))
    with pytest.warns(RuntimeWarning):
        mean = np.nanmean(d, axis=1)
    with pytest.warns(RuntimeWarning):
        top = np.nanmax(d, axis=1)
    for r, f in ((mean, np.nanmean), (top, np.nanmax)):
        with pytest.warns(RuntimeWarning):
            np.testing.assert_array_equal(r.value, f(x, axis=1))
        assert np.isnan(r.d[1]) and np.isfinite(r.d[0])
    np.testing.assert_array_equal(np.nansum(d, axis=1).d, [3.0, 0.0])
    np.testing.assert_array_equal(np.nanprod(d, axis=1).d[1], 0.0)  # the empty product: 1
    assert np.nanargmax(d[0]) == np.nanargmax(x[0])
    with pytest.raises(ValueError, match="All-NaN"):
        np.nanargmin(d, axis=1)


def test_nan_reductions_skip_the_parts_of_nan_elements() -> None:
    # a nan value is missing: its parts (even nan or huge ones) never reach the result
    x = hd.dual(np.array([1.0, np.nan, 3.0]), np.array([1.0, np.nan, 2.0]))
    for f in (np.nanmean, np.nanvar, np.nanstd, np.nanmax, np.nanmedian, np.nanprod, np.nansum):
        assert np.isfinite(f(x).d)
    np.testing.assert_array_equal(np.nancumsum(x).d, [1.0, 1.0, 3.0])


# --- cov, corrcoef ----------------------------------------------------------------------
SAMPLES = RNG.normal(size=(3, 6))
COV_CASES: dict[str, Callable[[Any], Any]] = {
    "cov": lambda a: np.cov(a),
    "cov-bias": lambda a: np.cov(a, bias=True),
    "cov-ddof": lambda a: np.cov(a, ddof=2),
    "cov-rowvar": lambda a: np.cov(a.T, rowvar=False),
    "cov-aweights": lambda a: np.cov(a, aweights=np.arange(1.0, 7.0)),
    "cov-fweights": lambda a: np.cov(
        a, fweights=np.array([1, 2, 1, 3, 1, 2]), aweights=np.linspace(0.5, 2, 6)
    ),
    "cov-xy": lambda a: np.cov(a[0], a[1]),
    "cov-1d": lambda a: np.cov(a[0]),
    "corrcoef": lambda a: np.corrcoef(a),
    "corrcoef-xy": lambda a: np.corrcoef(a[0], a[2]),
    "corrcoef-rowvar": lambda a: np.corrcoef(a.T, rowvar=False),
    "ptp": lambda a: np.ptp(a, axis=1),
    "ptp-all": lambda a: np.ptp(a, keepdims=True),
}


@pytest.mark.parametrize("name", COV_CASES)
def test_cov_and_corrcoef(name: str) -> None:
    check(COV_CASES[name], SAMPLES, rtol=1e-6)


def test_cov_with_one_plain_operand() -> None:
    # cov(x, y) with y plain: the parts of the x rows only
    x, y = SAMPLES[0], SAMPLES[1]
    c = np.cov(hd.dual(x, np.ones(6)), y)
    np.testing.assert_array_equal(c.value, np.cov(x, y))
    along = fd_jacobian(lambda z: np.cov(z, y), x) @ np.ones(6)
    np.testing.assert_allclose(c.d, along, rtol=1e-7, atol=1e-9)


# --- builders ---------------------------------------------------------------------------
VECTOR = RNG.normal(size=5)
BUILD_CASES: dict[str, tuple[Callable[[Any], Any], np.ndarray]] = {
    "ediff1d": (lambda a: np.ediff1d(a, to_begin=[1.0, 2.0], to_end=a[:1] * 2), VECTOR),
    "ediff1d-2d": (lambda a: np.ediff1d(np.reshape(a, (2, 3))), RNG.normal(size=6)),
    "unwrap": (lambda a: np.unwrap(a), np.array([0.1, 3.0, 6.2, -0.5, 2.9])),
    "unwrap-period": (lambda a: np.unwrap(a, period=4.0), np.array([0.1, 3.0, 6.2, 1.0])),
    "logspace": (lambda a: np.logspace(a[0], a[1], 5), np.array([0.3, 1.2])),
    "logspace-base": (
        lambda a: np.logspace(a[:2], 2.0, 4, base=a[2], axis=1),
        np.array([0.3, -0.4, 3.0]),
    ),
    "vander": (lambda a: np.vander(a), VECTOR),
    "vander-N": (lambda a: np.vander(a, 3, increasing=True), np.array([0.0, 1.5, -2.0])),
    "diagflat": (lambda a: np.diagflat(a, 1), VECTOR[:3]),
    "diagflat-2d": (lambda a: np.diagflat(np.reshape(a, (2, 2)), -2), VECTOR[:4]),
    "meshgrid": (lambda a: np.stack(np.meshgrid(a[:2], a[2:])), VECTOR),
    "meshgrid-ij": (lambda a: np.meshgrid(a[:2], np.arange(3.0), a[2:], indexing="ij")[2], VECTOR),
    "block": (
        lambda a: np.block([[np.reshape(a[:4], (2, 2)), np.ones((2, 1))], [a[4:], 7.0, 8.0]]),
        VECTOR,
    ),
    "resize": (lambda a: np.resize(a, (3, 4)), VECTOR),
    "trim_zeros": (lambda a: np.trim_zeros(np.concatenate([[0.0], a, [0.0, 0.0]]), "b"), VECTOR),
    "matrix_transpose": (
        lambda a: np.matrix_transpose(np.reshape(a, (2, 2, 2))),
        RNG.normal(size=8),
    ),
    "unstack": (lambda a: np.unstack(np.reshape(a, (2, 3)), axis=1)[2], RNG.normal(size=6)),
    "cumulative_sum": (lambda a: np.cumulative_sum(a, include_initial=True), VECTOR),
    "apply_over_axes": (
        lambda a: np.apply_over_axes(np.sum, np.reshape(a, (2, 3)) ** 2, [0, -1]),
        RNG.normal(size=6),
    ),
    "cumulative_prod": (
        lambda a: np.cumulative_prod(np.reshape(a, (2, 3)), axis=1),
        RNG.normal(size=6),
    ),
}


@pytest.mark.parametrize("name", BUILD_CASES)
def test_builders(name: str) -> None:
    f, x = BUILD_CASES[name]
    check(f, x)


def test_trim_zeros_trims_by_the_values() -> None:
    x = hd.dual(np.array([[0.0, 0.0, 0.0], [0.0, 2.0, 0.0]]), np.arange(6.0).reshape(2, 3))
    for kw, parts in (({}, [[4.0]]), ({"axis": 1}, [[1.0], [4.0]]), ({"trim": "f"}, [[4.0, 5.0]])):
        r = np.trim_zeros(x, **kw)
        np.testing.assert_array_equal(r.value, np.trim_zeros(x.value, **kw))
        np.testing.assert_array_equal(r.d, parts)
    empty = np.trim_zeros(hd.dual(np.zeros(3), 1.0))
    assert empty.shape == (0,) and empty.d.shape == (0,)


# --- numpy.linalg's aliases ---------------------------------------------------------------------
SQUARE = np.eye(4) + 0.3 * RNG.normal(size=(4, 4))
LINALG_CASES: dict[str, tuple[Callable[[Any], Any], np.ndarray]] = {
    "matmul": (lambda a: np.linalg.matmul(a, a.T), SQUARE),
    "outer": (lambda a: np.linalg.outer(a[0], a[1]), SQUARE),
    "tensordot": (lambda a: np.linalg.tensordot(a, a, axes=1), SQUARE),
    "vecdot": (lambda a: np.linalg.vecdot(a, a[::-1], axis=0), SQUARE),
    "matrix_transpose": (lambda a: np.linalg.matrix_transpose(a) * a, SQUARE),
    "cross": (lambda a: np.linalg.cross(a[:, :3], a[::-1, 1:]), SQUARE),
    "tensorinv": (lambda a: np.linalg.tensorinv(np.reshape(a, (4, 2, 2)), ind=1), SQUARE),
    "tensorsolve": (
        lambda a: np.linalg.tensorsolve(np.reshape(a, (2, 2, 4)), a[0].reshape(2, 2)),
        SQUARE,
    ),
    "tensorsolve-axes": (
        lambda a: np.linalg.tensorsolve(np.reshape(a, (2, 4, 2)), a[1].reshape(2, 2), axes=(1,)),
        SQUARE,
    ),
}


@pytest.mark.parametrize("name", LINALG_CASES)
def test_linalg_aliases(name: str) -> None:
    f, x = LINALG_CASES[name]
    check(f, x, rtol=1e-6, f32=name not in ("tensorinv", "tensorsolve", "tensorsolve-axes"))


def test_linalg_alias_errors() -> None:
    x = hd.dual(np.ones((2, 2)), 1.0)
    with pytest.raises(ValueError, match="one-dimensional"):
        np.linalg.outer(x, x)
    with pytest.raises(ValueError, match="3-dimensional"):
        np.linalg.cross(x, x)


# --- polynomials ------------------------------------------------------------------------
P = np.array([1.5, -2.0, 0.5, 3.0])
POLY_CASES: dict[str, tuple[Callable[[Any], Any], np.ndarray]] = {
    "polyadd": (lambda a: np.polyadd(a, [1.0, 2.0]), P),
    "polyadd-longer": (lambda a: np.polyadd(a[:2], a), P),
    "polysub": (lambda a: np.polysub([1.0, 0.0, 0.0, 0.0, 2.0], a), P),
    "polymul": (lambda a: np.polymul(a, a[:2]), P),
    "polyder": (lambda a: np.polyder(a, 2), P),
    "polyint": (lambda a: np.polyint(a, 2, k=[1.0, a[0]]), P),
    "polydiv-q": (lambda a: np.polydiv(a, a[1:3])[0], P),
    "polydiv-r": (lambda a: np.polydiv(a, a[1:3])[1], P),
    "poly": (lambda a: np.poly(a), P),
    "poly-matrix": (lambda a: np.poly(np.reshape(a, (2, 2))), P),
    "roots": (lambda a: np.sort(np.roots(np.poly(a[:3]))).real, P),
}


@pytest.mark.parametrize("name", POLY_CASES)
def test_polynomials(name: str) -> None:
    f, x = POLY_CASES[name]
    check(f, x, rtol=1e-6)


FIT_X = np.linspace(-1.0, 2.0, 7)
FIT_Y = np.cos(FIT_X)


@pytest.mark.parametrize("argument", ["y", "x", "w"])
def test_polyfit_in_each_argument(argument: str) -> None:
    def f(a: Any) -> Any:
        x, y, w = FIT_X, FIT_Y, np.linspace(1.0, 2.0, 7)
        x, y, w = (a if argument == name else v for name, v in (("x", x), ("y", y), ("w", w)))
        return np.polyfit(x, y, 3, w=w)

    start = {"x": FIT_X, "y": FIT_Y, "w": np.linspace(1.0, 2.0, 7)}[argument]
    plain = np.polyfit(FIT_X, FIT_Y, 3, w=np.linspace(1.0, 2.0, 7))
    result = f(hd.dual(start, np.ones(7)))
    np.testing.assert_allclose(result.value, plain, rtol=1e-13, atol=1e-14)
    reference = fd_jacobian(f, start)
    np.testing.assert_allclose(hd.jacobian(f)(start), reference, rtol=1e-6, atol=1e-7)
    weights = RNG.normal(size=4)
    g = lambda a: np.sum(f(a) * weights)  # noqa: E731
    u, v = RNG.normal(size=7), RNG.normal(size=7)
    np.testing.assert_allclose(
        u @ hd.hessian(g)(start) @ v, fd_second(g, start, u, v), rtol=1e-5, atol=1e-8
    )


def test_polyfit_cov() -> None:
    y = hd.dual(FIT_Y, np.ones(7))
    c, v = np.polyfit(FIT_X, y, 2, cov=True)
    c0, v0 = np.polyfit(FIT_X, FIT_Y, 2, cov=True)
    np.testing.assert_allclose(c.value, c0, rtol=1e-13)
    np.testing.assert_allclose(v.value, v0, rtol=1e-12)
    along = fd_jacobian(lambda z: np.polyfit(FIT_X, z, 2, cov=True)[1], FIT_Y) @ np.ones(7)
    np.testing.assert_allclose(v.d, along, rtol=1e-6, atol=1e-10)


def test_roots_distinct_and_repeated() -> None:
    # roots of (x - 1)(x - 2)(x + 3): d r / d c = -(d p / d c)(r) / p'(r)
    p = np.poly([1.0, 2.0, -3.0])
    direction = np.array([0.0, 0.3, -0.2, 1.0])
    r = np.roots(hd.dual(p, direction))
    np.testing.assert_array_equal(r.value, np.roots(p))
    expected = -np.polyval(direction, r.value) / np.polyval(np.polyder(p), r.value)
    np.testing.assert_allclose(r.d, expected, rtol=1e-10)
    with pytest.raises(np.linalg.LinAlgError, match="repeated root"):
        np.roots(hd.dual(np.poly([1.0, 1.0, 2.0]), 1.0))
    # (a trailing zero that moves raises: test_silent_round9)
    trailing = np.roots(hd.dual(np.array([1.0, -1.0, 0.0]), np.array([1.0, 1.0, 0.0])))
    np.testing.assert_array_equal(trailing.value, np.roots([1.0, -1.0, 0.0]))


# --- elementwise ------------------------------------------------------------------------
ELEMENT_X = np.array([-2.7, -0.4, 0.6, 1.3, 5.2])
ELEMENT_CASES: dict[str, Callable[[Any], Any]] = {
    "ldexp": lambda a: np.ldexp(a, np.array([1, -3, 0, 4, 2])),
    "frexp": lambda a: np.frexp(a)[0],
    "modf-fraction": lambda a: np.modf(a)[0],
    "modf-integral": lambda a: np.modf(a)[1] * a,
    "divmod-quotient": lambda a: np.divmod(a, 0.7)[0] * a,
    "divmod-remainder": lambda a: np.divmod(a, a[::-1])[1],
    "heaviside": lambda a: np.heaviside(a, 0.5) * a,
    "fix": lambda a: np.fix(a) + a,
    "spacing": lambda a: np.spacing(a) + a,
}


@pytest.mark.parametrize("name", ELEMENT_CASES)
def test_elementwise(name: str) -> None:
    check(ELEMENT_CASES[name], ELEMENT_X)


def test_elementwise_special_points() -> None:
    x = hd.dual(np.array([-1.0, 0.0, 2.0]), np.array([1.0, 1.0, 1.0]))
    h = hd.dual(np.array([0.25, 0.5, 0.75]), np.array([3.0, 5.0, 7.0]))
    step = np.heaviside(x, h)  # h's parts where x == 0 only
    np.testing.assert_array_equal(step.value, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(step.d, [0.0, 5.0, 0.0])
    m, e = np.frexp(x)
    assert isinstance(e, np.ndarray) and e.dtype.kind == "i"
    np.testing.assert_array_equal(m.value * 2.0**e, x.value)
    np.testing.assert_array_equal(m.d, 2.0**-e)
    with pytest.raises(TypeError, match=r"numpy\.ldexp"):
        np.ldexp(1.0, x)
    np.testing.assert_array_equal(np.isposinf(hd.dual(np.array([np.inf, 1.0]), 1.0)), [True, False])
    np.testing.assert_array_equal(
        np.isneginf(hd.dual(np.array([-np.inf, 1.0]), 1.0)), [True, False]
    )
    out = hd.dual(np.zeros(3), np.zeros(3))
    assert np.ldexp(x, 2, out=out) is out
    np.testing.assert_array_equal(out.d, [4.0, 4.0, 4.0])
    with pytest.raises(TypeError, match="drop the derivative parts"):
        np.ldexp(x, 2, out=np.zeros(3))


def test_nan_reductions_with_initial_where_and_out() -> None:
    v = np.array([[1.0, np.nan, 3.0], [np.nan, -2.0, 0.5]])
    x = hd.dual(v, np.arange(6.0).reshape(2, 3))
    mask = np.array([[True, True, False], [True, True, True]])
    top = np.nanmax(x, axis=1, initial=-5.0, where=mask)
    np.testing.assert_array_equal(top.value, np.nanmax(v, axis=1, initial=-5.0, where=mask))
    np.testing.assert_array_equal(top.d, [0.0, 5.0])  # the chosen elements' parts
    product = np.nanprod(x, axis=1, where=mask)
    np.testing.assert_array_equal(product.value, np.nanprod(v, axis=1, where=mask))
    np.testing.assert_array_equal(product.d, [0.0, 4.0 * 0.5 + (-2.0) * 5.0])  # product rule
    out = hd.dual(np.zeros(2), np.zeros(2))
    assert np.nanmean(x, axis=1, out=out) is out
    np.testing.assert_array_equal(out.d, [(0.0 + 2.0) / 2, (4.0 + 5.0) / 2])
    with pytest.raises(TypeError, match=r"where= of numpy\.nanmean"):
        np.nanmean(x, where=mask)


def test_i0_against_mpmath() -> None:
    # I0' = I1, I0'' = (I0 + I2) / 2 (mpmath, 30 digits); numpy's value bit for bit
    mp.dps = 30
    x = np.array([-9.5, -3.0, 0.0, 0.7, 7.99, 8.0, 8.01, 30.0, 300.0])
    y = np.i0(hd.hyperdual(x, 1.0, 1.0))
    np.testing.assert_array_equal(y.value, np.i0(x))
    first = np.array([float(mp.besseli(1, v)) for v in x])
    second = np.array([float((mp.besseli(0, v) + mp.besseli(2, v)) / 2) for v in x])
    np.testing.assert_allclose(y.e1, first, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(y.e12, second, rtol=2e-13)
    hessian = hd.hessian(lambda v: np.sum(np.i0(v)))(x[:5])
    np.testing.assert_allclose(hessian, np.diag(second[:5]), rtol=2e-13, atol=1e-15)
    single = np.i0(hd.dual(x[:8].astype(np.float32), 1.0))
    np.testing.assert_array_equal(single.value, np.i0(x[:8].astype(np.float32)))
    np.testing.assert_allclose(single.d, first[:8], rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="complex"):
        np.i0(hd.dual(np.array([1j]), 1.0))


def test_astype_casts_every_plane() -> None:
    x = hd.dualvec(np.array([1.5, -2.25]), np.array([[1.0, 0.5], [0.25, -1.0]]).T)
    single = np.astype(x, np.float32)
    assert single.dtype == np.float32
    np.testing.assert_array_equal(single._stack, x._stack.astype(np.float32))
    assert np.astype(x, np.float64, copy=False) is x
    np.testing.assert_array_equal(np.astype(x, np.complex128)._stack, x._stack.astype(complex))
    with pytest.raises(TypeError, match="int64"):
        np.astype(x, np.int64)


COMPLEX_CASES: dict[str, Callable[[Any], Any]] = {
    "nanmean": lambda a: np.nanmean(a, axis=1),
    "nanvar": lambda a: np.nanvar(a, axis=1),
    "nanstd": lambda a: np.nanstd(a, axis=0, ddof=1),
    "nanprod": lambda a: np.nanprod(a, axis=1),
    "nancumsum": lambda a: np.nancumsum(a, axis=1),
    "cov": lambda a: np.cov(a),
    "corrcoef": lambda a: np.corrcoef(a),
}


@pytest.mark.parametrize("name", COMPLEX_CASES)
def test_complex_statistics_along_a_complex_direction(name: str) -> None:
    # d/dt f(x + t v) for real t: the parts of f at a dual array with parts v
    f = COMPLEX_CASES[name]
    real = NAN_X[:, :4] if name.startswith("nan") else SAMPLES[:, :4]
    x = real + 1j * RNG.normal(size=(3, 4))
    v = RNG.normal(size=x.shape) + 1j * RNG.normal(size=x.shape)
    result = f(hd.dual(x, v))
    np.testing.assert_array_equal(result.value, f(x))
    h = 1e-4
    central = [(f(x + s * v) - f(x - s * v)) / (2 * s) for s in (h, h / 2)]
    np.testing.assert_allclose(result.d, (4 * central[1] - central[0]) / 3, rtol=1e-8, atol=1e-9)
