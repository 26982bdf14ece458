"""Taylor arrays (issue 16): every table function's recurrence to order 10 against
mpmath's Taylor series at 50 digits, exact derivatives where the arithmetic is exact,
float32 quotients, complex holomorphic functions, products and refusals."""

from __future__ import annotations

import math
import zlib
from typing import Any

import mpmath as mp
import numpy as np
import pytest
import scipy.special as sc

import hyperdiff as hd
from hyperdiff import _core

ORDER = 10
DIGITS = 50  # mpmath's working precision here (mp.workdps: other modules keep theirs)


def _expit(x: Any) -> Any:
    return 1 / (1 + mp.exp(-x))


# name -> (numpy/scipy ufunc, mpmath function, interval of well-conditioned points)
UNARY: dict[str, tuple[Any, Any, tuple[float, float]]] = {
    "sqrt": (np.sqrt, mp.sqrt, (0.2, 5.0)),
    "cbrt": (np.cbrt, mp.cbrt, (0.2, 5.0)),
    "square": (np.square, lambda x: x * x, (-3.0, 3.0)),
    "reciprocal": (np.reciprocal, lambda x: 1 / x, (0.3, 4.0)),
    "exp": (np.exp, mp.exp, (-3.0, 3.0)),
    "exp2": (np.exp2, lambda x: mp.power(2, x), (-3.0, 3.0)),
    "expm1": (np.expm1, mp.expm1, (-2.0, 2.0)),
    "log": (np.log, mp.log, (0.3, 5.0)),
    "log2": (np.log2, lambda x: mp.log(x, 2), (0.3, 5.0)),
    "log10": (np.log10, mp.log10, (0.3, 5.0)),
    "log1p": (np.log1p, mp.log1p, (-0.6, 4.0)),
    "sin": (np.sin, mp.sin, (-3.0, 3.0)),
    "cos": (np.cos, mp.cos, (-3.0, 3.0)),
    "tan": (np.tan, mp.tan, (-1.2, 1.2)),
    "arcsin": (np.arcsin, mp.asin, (-0.8, 0.8)),
    "arccos": (np.arccos, mp.acos, (-0.8, 0.8)),
    "arctan": (np.arctan, mp.atan, (-3.0, 3.0)),
    "sinh": (np.sinh, mp.sinh, (-3.0, 3.0)),
    "cosh": (np.cosh, mp.cosh, (-3.0, 3.0)),
    "tanh": (np.tanh, mp.tanh, (-2.0, 2.0)),
    "arcsinh": (np.arcsinh, mp.asinh, (-3.0, 3.0)),
    "arccosh": (np.arccosh, mp.acosh, (1.3, 5.0)),
    "arctanh": (np.arctanh, mp.atanh, (-0.8, 0.8)),
    "erf": (sc.erf, mp.erf, (-2.5, 2.5)),
    "erfc": (sc.erfc, mp.erfc, (-2.5, 2.5)),
    "expit": (sc.expit, _expit, (-5.0, 5.0)),
    "logit": (sc.logit, lambda x: mp.log(x / (1 - x)), (0.15, 0.85)),
    "ndtr": (sc.ndtr, mp.ncdf, (-3.0, 3.0)),
    "negative": (np.negative, lambda x: -x, (-3.0, 3.0)),
    "positive": (np.positive, lambda x: x, (-3.0, 3.0)),
    "absolute": (np.absolute, abs, (-3.0, -0.2)),
    "deg2rad": (np.deg2rad, lambda x: x * mp.pi / 180, (-3.0, 3.0)),
    "rad2deg": (np.rad2deg, lambda x: x * 180 / mp.pi, (-3.0, 3.0)),
    # piecewise constant: every derivative 0 between the steps
    "sign": (np.sign, mp.sign, (-3.0, 3.0)),
    "floor": (np.floor, mp.floor, (-3.0, 3.0)),
    "ceil": (np.ceil, mp.ceil, (-3.0, 3.0)),
    "trunc": (np.trunc, lambda x: mp.sign(x) * mp.floor(abs(x)), (-3.0, 3.0)),
    "rint": (np.rint, mp.nint, (-3.0, 3.0)),
}


def test_every_recurrence_is_checked() -> None:
    """UNARY has every table entry with a recurrence of its own (a Taylor degree above 2:
    all but gammaln, whose f1 and f2 give degree 2 only)."""
    degrees = zip(_core.UNARY_FUNCTIONS, _core.TAYLOR_UNARY_DEGREES, strict=True)
    assert {name for (name, _, _), degree in degrees if degree > 2} == set(UNARY)


def _reference(fn: Any, x: float, order: int = ORDER) -> np.ndarray:
    """d^k/dt^k fn(x + t), k = 0 .. order, from mpmath's Taylor coefficients."""
    with mp.workdps(DIGITS):
        coefficients = mp.taylor(fn, mp.mpf(x), order)
        return np.array([float(c * math.factorial(k)) for k, c in enumerate(coefficients)])


def _scales(reference: np.ndarray) -> np.ndarray:
    """The magnitude plane k's rounding is relative to: |f^(k)|, or where f^(k) is near
    a zero (a sum of larger terms cancelling), the geometric mean of its neighbours
    |f^(k-1)| and |f^(k+1)| (the last plane: extrapolated from the two before)."""
    a = np.abs(reference)
    neighbours = np.zeros_like(a)
    neighbours[1:-1] = np.sqrt(a[:-2] * a[2:])
    if len(a) > 2 and a[-3] > 0:
        neighbours[-1] = a[-2] ** 2 / a[-3]
    return np.maximum(a, neighbours)


def _check(
    got: np.ndarray, reference: np.ndarray, eps: float, ulps: float = 4.0, floor: Any = 0.0
) -> None:
    """got within ulps (k + 1) eps of reference in plane k, relative to _scales (or to
    `floor` where larger: a function's own scale of plane k)."""
    k = np.arange(len(reference))
    scale = np.maximum(_scales(reference), floor)
    error = np.abs(got - reference)
    assert np.all(error <= ulps * (k + 1) * eps * scale), (error / (eps * scale * (k + 1))).round(2)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_against_mpmath(name: str) -> None:
    ufunc, fn, (lo, hi) = UNARY[name]
    points = np.random.default_rng(zlib.crc32(name.encode())).uniform(lo, hi, 4)
    planes = hd.taylor(ufunc, points, 1.0, ORDER)
    assert planes.shape == (ORDER + 1, 4)
    # the value is the table's (libmvec where numpy calls libm: within a few ulps)
    np.testing.assert_array_max_ulp(planes[0], ufunc(points), maxulp=4)
    for i, x in enumerate(points):
        _check(planes[:, i], _reference(fn, float(x)), np.finfo(np.float64).eps)


@pytest.mark.parametrize("order", [1, 2, 3, 5, 10])
def test_orders_agree_with_their_truncations(order: int) -> None:
    x = np.array([0.3, 1.7])
    f = lambda z: np.tanh(np.sin(z) * np.exp(z)) / (1 + z * z)  # noqa: E731
    low = hd.taylor(f, x, 1.0, order)
    reference = [
        _reference(lambda t: mp.tanh(mp.sin(t) * mp.exp(t)) / (1 + t * t), v, order) for v in x
    ]
    for i in range(len(x)):
        _check(low[:, i], reference[i], np.finfo(np.float64).eps, ulps=4)


def _binary_reference(fn: Any, a: float, b: float, va: float, vb: float) -> np.ndarray:
    return _reference(lambda t: fn(a + t * va, b + t * vb), 0.0)


BINARY: dict[str, tuple[Any, Any, tuple[float, float], tuple[float, float]]] = {
    "multiply": (np.multiply, lambda a, b: a * b, (-3.0, 3.0), (-3.0, 3.0)),
    "divide": (np.divide, lambda a, b: a / b, (-3.0, 3.0), (0.5, 3.0)),
    "power": (np.power, lambda a, b: mp.power(a, b), (0.3, 3.0), (-2.0, 2.0)),
    "arctan2": (np.arctan2, mp.atan2, (-3.0, 3.0), (0.5, 3.0)),
    "hypot": (np.hypot, lambda a, b: mp.sqrt(a * a + b * b), (-3.0, 3.0), (0.5, 3.0)),
    "logaddexp": (np.logaddexp, lambda a, b: mp.log(mp.exp(a) + mp.exp(b)), (-3, 3), (-3, 3)),
    "logaddexp2": (
        np.logaddexp2,
        lambda a, b: mp.log(mp.power(2, a) + mp.power(2, b), 2),
        (-3.0, 3.0),
        (-3.0, 3.0),
    ),
    "subtract": (np.subtract, lambda a, b: a - b, (-3.0, 3.0), (-3.0, 3.0)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("parts", ["both", "first", "second"])
def test_binary_against_mpmath(name: str, parts: str) -> None:
    ufunc, fn, xs, ys = BINARY[name]
    rng = np.random.default_rng(zlib.crc32(f"{name} {parts}".encode()))
    a, b = rng.uniform(*xs, 3), rng.uniform(*ys, 3)
    va, vb = rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 3)
    if parts == "first":
        vb[:] = 0.0
    if parts == "second":
        va[:] = 0.0
    if parts == "first":
        planes = hd.taylor(lambda z: ufunc(z, b), a, va, ORDER)
    elif parts == "second":
        planes = hd.taylor(lambda z: ufunc(a, z), b, vb, ORDER)
    else:
        planes = hd.taylor(lambda z: ufunc(z[0], z[1]), np.stack([a, b]), np.stack([va, vb]), ORDER)
    np.testing.assert_array_max_ulp(planes[0], ufunc(a, b), maxulp=4)
    for i in range(3):
        reference = _binary_reference(fn, a[i], b[i], va[i], vb[i])
        floor = 0.0
        if name in ("arctan2", "hypot"):
            # homogeneous of degree 0 and 1: plane k's own scale is k! |v|^k / r^(k-1)
            # (along a nearly radial v the true value is far smaller: a cancellation)
            r, v = math.hypot(a[i], b[i]), math.hypot(va[i], vb[i])
            power = 0 if name == "arctan2" else 1
            floor = np.array(
                [math.factorial(k) * v**k * r ** (power - k) for k in range(ORDER + 1)]
            )
        _check(planes[:, i], reference, np.finfo(np.float64).eps, ulps=4, floor=floor)


@pytest.mark.parametrize("k", [3, 4, 7, 9])
def test_sin_derivatives_exact(k: int) -> None:
    # exactly +-sin/+-cos as the kernels evaluate them (the value plane and the first
    # derivative, each within a few ulps of numpy's sin and cos): no rounding accumulates
    x = np.random.default_rng(k).uniform(-10, 10, 1000)
    planes = hd.taylor(np.sin, x, 1.0, k)
    sin, cos = planes[0], planes[1]
    np.testing.assert_array_max_ulp(sin, np.sin(x), maxulp=4)
    np.testing.assert_array_max_ulp(cos, np.cos(x), maxulp=4)
    expected = [sin, cos, -sin, -cos][k % 4]
    np.testing.assert_array_equal(hd.derivative(np.sin, order=k)(x), expected)
    np.testing.assert_array_equal(planes[k], expected)


def test_cubic_third_derivative_exactly_six() -> None:
    x = np.random.default_rng(3).uniform(-100, 100, 1000)
    d3 = hd.derivative(lambda x: x**3 + x**2 + 7, order=3)(x)
    np.testing.assert_array_equal(d3, np.full_like(x, 6.0))
    d4 = hd.derivative(lambda x: x**3 + x**2 + 7, order=4)(np.array([0.0, 2.5]))
    np.testing.assert_array_equal(d4, [0.0, 0.0])


def test_integer_powers_at_zero_and_negative_bases() -> None:
    x = np.array([0.0, -1.5, 2.0])
    planes = hd.taylor(lambda z: z**5, x, 1.0, 6)
    # d^k/dx^k x^5 = 5!/(5-k)! x^(5-k)
    for k in range(7):
        expected = math.perm(5, k) * x ** (5 - k) if k <= 5 else np.zeros(3)
        np.testing.assert_allclose(planes[k], expected, rtol=1e-15, atol=0)
    inverse = hd.taylor(lambda z: z**-2, np.array([-1.5, 0.5]), 1.0, 4)
    for k in range(5):  # (-2)(-3)...(-1-k) x^(-2-k)
        coefficient = math.prod(range(-2, -2 - k, -1))
        expected = coefficient * np.array([-1.5, 0.5]) ** (-2.0 - k)
        np.testing.assert_allclose(inverse[k], expected, rtol=1e-14)


def test_float32_quotient_third_derivative_finite() -> None:
    a = np.float32(1e-12)
    b = np.array([1e-12], dtype=np.float32)
    planes = hd.taylor(lambda v: -a / v, b, np.float32(1.0), 3)
    assert planes.dtype == np.float32
    # d^3/db^3 (-a/b) = 6 a / b^4
    expected = 6 * 1e-12 / 1e-12**4
    assert np.isfinite(planes[3]).all()
    np.testing.assert_allclose(planes[3], expected, rtol=2e-6)
    d3 = hd.derivative(lambda v: -a / v, order=3)(b)
    assert d3.dtype == np.float32
    np.testing.assert_allclose(d3, expected, rtol=2e-6)


def test_float32_against_mpmath() -> None:
    x = np.array([0.4, 1.3], dtype=np.float32)
    planes = hd.taylor(lambda z: np.exp(np.sin(z)) / z, x, np.float32(1.0), 6)
    assert planes.dtype == np.float32
    for i in range(2):
        reference = _reference(lambda t: mp.exp(mp.sin(t)) / t, float(x[i]), 6)
        _check(planes[:, i], reference, float(np.finfo(np.float32).eps), ulps=4)


COMPLEX = {
    "exp": (np.exp, mp.exp),
    "log": (np.log, mp.log),
    "sqrt": (np.sqrt, mp.sqrt),
    "sin": (np.sin, mp.sin),
    "tan": (np.tan, mp.tan),
    "tanh": (np.tanh, mp.tanh),
    "arcsin": (np.arcsin, mp.asin),
    "arctan": (np.arctan, mp.atan),
    "arccosh": (np.arccosh, mp.acosh),
    "reciprocal": (np.reciprocal, lambda z: 1 / z),
}


@pytest.mark.parametrize("name", sorted(COMPLEX))
@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
def test_complex_holomorphic(name: str, dtype: Any) -> None:
    ufunc, fn = COMPLEX[name]
    z = np.array([0.4 + 0.3j, -0.5 + 0.8j, 1.2 - 0.6j], dtype=dtype)
    order = 6
    planes = hd.taylor(ufunc, z, dtype(1.0), order, holomorphic=True)
    assert planes.dtype == dtype
    eps = float(np.finfo(dtype).eps)
    for i in range(len(z)):
        with mp.workdps(DIGITS):
            coefficients = mp.taylor(fn, mp.mpc(complex(z[i])), order)
            reference = [complex(c * math.factorial(k)) for k, c in enumerate(coefficients)]
        reference = np.array(reference)
        _check(planes[:, i], reference, eps, ulps=4)
    d4 = hd.derivative(ufunc, order=4, holomorphic=True)(z)
    np.testing.assert_array_equal(d4, planes[4])


def test_input_series_and_directions() -> None:
    # x(t) = 0.5 + 2t + 3t^2/2!: f(x(t)) = exp(x(t)), by the chain rule at t = 0
    planes = hd.taylor(np.exp, np.array(0.5), [2.0, 3.0], 3)
    e = math.exp(0.5)
    np.testing.assert_allclose(planes, [e, 2 * e, (4 + 3) * e, (8 + 18 + 0) * e], rtol=1e-15)


def test_matmul_and_einsum_of_taylor_arrays() -> None:
    rng = np.random.default_rng(5)
    a, b, c, d = (rng.standard_normal((3, 3)) for _ in range(4))
    x = hd.taylor_array(a, [b], degree=3)
    y = hd.taylor_array(c, [d], degree=3)
    # (a + t b)(c + t d) = ac + t (ad + bc) + t^2 bd: derivatives ac, ad + bc, 2 bd, 0
    for z in (x @ y, np.einsum("ij,jk->ik", x, y), np.dot(x, y)):
        np.testing.assert_allclose(z.value, a @ c, rtol=1e-14)
        np.testing.assert_allclose(z.coefficients[0], a @ d + b @ c, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(z.coefficients[1], 2 * b @ d, rtol=1e-13, atol=1e-14)
        np.testing.assert_array_equal(z.coefficients[2], 0.0)
    # a product of three: (a + t b)^3's third derivative is 6 b^3
    cube = x @ x @ x
    np.testing.assert_allclose(cube.coefficients[2], 6 * b @ b @ b, rtol=1e-12, atol=1e-13)


def test_ndtr_derivatives_of_every_order() -> None:
    """derivative(order=k) of scipy.special.ndtr (its recurrence from the density's
    phi' = -x phi) against mpmath, in the tails too: phi^(k) = (-1)^k He_k(x) phi."""
    x = np.array([-30.0, -6.0, -0.35, 6.0, 9.0])  # (away from the zeros of He_2, He_4, He_9)
    for k in (3, 5, 10):
        got = hd.derivative(sc.ndtr, order=k)(x)
        with mp.workdps(DIGITS):  # (mp.diff: mp.taylor rounds ncdf's tail to 0 at -30)
            want = [float(mp.diff(mp.ncdf, mp.mpf(v), k)) for v in x]
        np.testing.assert_allclose(got, want, rtol=1e-13 * k, atol=0, err_msg=f"order {k}")


def test_refusals() -> None:
    x = hd.taylor_array(np.array([[2.0, 1.0], [1.0, 3.0]]), [np.eye(2)], degree=3)
    with pytest.raises(TypeError, match=r"numpy.linalg.eigh .* degree 2"):
        np.linalg.eigh(x)  # (solve, inv, det, slogdet: any degree, test_taylor_linalg.py)
    with pytest.raises(TypeError, match=r"scipy\.special\.gammaln"):
        hd.derivative(sc.gammaln, order=3)(np.array([2.5]))
    # degree 2 from digamma and trigamma
    planes = hd.taylor(sc.gammaln, np.array([2.5]), 1.0, 2)
    np.testing.assert_allclose(
        planes[:, 0], [sc.gammaln(2.5), sc.digamma(2.5), sc.polygamma(1, 2.5)]
    )
    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(lambda v: v - v.mean(), order=3)(np.array([1.0, 2.0, 4.0]))
    with pytest.raises(ValueError, match="order must be a positive integer"):
        hd.derivative(np.sin, order=0)


def test_piecewise_and_absolute() -> None:
    x = np.array([-1.3, 0.7])
    planes = hd.taylor(lambda z: np.floor(z) + np.abs(z) * 2.0, x, 1.0, 4)
    np.testing.assert_array_equal(planes[0], np.floor(x) + 2 * np.abs(x))
    np.testing.assert_array_equal(planes[1], 2 * np.sign(x))
    np.testing.assert_array_equal(planes[2:], 0.0)


def test_inputs_not_mutated_and_out_aliasing() -> None:
    x = np.array([0.3, 0.9])
    before = x.copy()
    hd.taylor(np.sin, x, 1.0, 5)
    hd.derivative(np.cos, order=5)(x)
    np.testing.assert_array_equal(x, before)
    t = hd.taylor_array(x, [1.0], degree=5)
    reference = np.sin(t)._stack.copy()
    np.sin(t, out=t)  # the output is the input: read before written
    np.testing.assert_array_equal(t._stack, reference)


def test_long_inputs_match_the_closed_forms() -> None:
    # a pointwise f on a long x (its chain fused, block by block): the closed forms
    x = np.random.default_rng(11).uniform(-3, 3, 100_003)
    # d^k/dx^k e^(-x/2) sin(x) = (5/4)^(k/2) e^(-x/2) sin(x + k phi), phi = atan2(1, -1/2)
    f = lambda v: np.exp(-0.5 * v) * np.sin(v)  # noqa: E731
    phi = np.arctan2(1.0, -0.5)
    for k in (3, 10):
        want = 1.25 ** (k / 2) * np.exp(-0.5 * x) * np.sin(x + k * phi)
        for check in (True, False):  # with the probe, or on the promise
            got = hd.derivative(f, order=k, check_pointwise=check)(x)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13 * np.max(np.abs(want)))
    # functions that depend on the whole x are run on the whole x
    w = np.random.default_rng(12).uniform(1, 2, x.size)
    ramp = np.linspace(1, 2, x.size)
    for check in (True, False):
        d3 = lambda g, c=check: hd.derivative(g, order=3, check_pointwise=c)(x)  # noqa: E731
        np.testing.assert_allclose(d3(lambda v: v**3 * w[: len(v)]), 6 * w, rtol=1e-15)
        np.testing.assert_allclose(
            d3(lambda v: np.sin(v) * (len(v) / x.size)), -np.cos(x), atol=1e-15
        )
        np.testing.assert_allclose(
            d3(lambda v: v**3 * np.linspace(1, 2, len(v))), 6 * ramp, rtol=1e-15
        )
    y = np.cos(x)
    np.testing.assert_allclose(
        hd.derivative(lambda v, c: v**4 * c, order=3)(x, y), 24 * x * y, rtol=1e-14
    )


def test_high_degrees_fit_in_memory() -> None:
    # the product table listed plane i times plane j C(i + j, i) times: 2^(d + 1)
    # triples, a MemoryError at degree 40; now each once with its weight
    for k in (25, 40, 64):
        want = (np.sin, np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x))[k % 4](0.3)
        assert abs(hd.derivative(np.sin, order=k)(0.3) - want) <= 4 * np.spacing(want)
    # a product of three dual operands goes through the weighted table (the Leibniz
    # rule's weights): sum_i exp(3 t v_i) has k-th derivative sum (3 v)^k exp(3 t v)
    v = np.array([0.3, -0.5, 0.7])

    def f(t: Any) -> Any:
        return np.einsum("i,i,i->", np.exp(t * v), np.exp(t * v), np.exp(t * v))

    for k in (3, 12, 30):
        want = float(np.sum((3 * v) ** k * np.exp(0.6 * v)))
        assert hd.derivative(f, order=k)(0.2) == pytest.approx(want, rel=8 * k * 2.0**-52)
